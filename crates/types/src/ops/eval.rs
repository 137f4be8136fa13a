//! Operator evaluation with PostgreSQL's semantics for operands already cast to the resolved
//! signature: integer overflow (22003) and division by zero (22012), truncating integer
//! division and C-sign `%`, float overflow checks, exact numeric, date/time arithmetic,
//! byte-order text comparison, `||` for text, bytea, jsonb and arrays, and LIKE.

use std::cmp::Ordering;

use super::like;
use super::{BinaryOp, OperatorSig, UnaryOp, UnarySig};
use crate::array::{Array, ArrayDim};
use crate::context::FormatContext;
use crate::datatype::DataType;
use crate::datetime::{self, arith as dt, interval::Interval};
use crate::error::{SqlError, SqlResult, SqlState};
use crate::float::{check_f32, check_f64};
use crate::text::{bpchar_trim, format_text};
use crate::value::Value;

fn int_value(v: &Value) -> Option<i64> {
    match v {
        Value::Int2(x) => Some(i64::from(*x)),
        Value::Int4(x) => Some(i64::from(*x)),
        Value::Int8(x) => Some(*x),
        _ => None,
    }
}

fn make_int(v: i128, ty: &DataType) -> SqlResult<Value> {
    match ty {
        DataType::Int2 => i16::try_from(v)
            .map(Value::Int2)
            .map_err(|_| SqlError::out_of_range("smallint")),
        DataType::Int4 => i32::try_from(v)
            .map(Value::Int4)
            .map_err(|_| SqlError::out_of_range("integer")),
        _ => i64::try_from(v)
            .map(Value::Int8)
            .map_err(|_| SqlError::out_of_range("bigint")),
    }
}

fn float_value(v: &Value) -> Option<f64> {
    match v {
        Value::Float4(x) => Some(f64::from(*x)),
        Value::Float8(x) => Some(*x),
        _ => None,
    }
}

fn mismatch(op: BinaryOp, l: &Value, r: &Value) -> SqlError {
    SqlError::internal(format!(
        "operator {} applied to {:?} and {:?}",
        op.symbol(),
        l.data_type(),
        r.data_type()
    ))
}

fn compare(op: BinaryOp, ord: Ordering) -> bool {
    match op {
        BinaryOp::Eq => ord == Ordering::Equal,
        BinaryOp::NotEq => ord != Ordering::Equal,
        BinaryOp::Lt => ord == Ordering::Less,
        BinaryOp::LtEq => ord != Ordering::Greater,
        BinaryOp::Gt => ord == Ordering::Greater,
        _ => ord != Ordering::Less,
    }
}

/// Orders two values as the signature's comparison operator does.
fn compare_values(
    l: &Value,
    r: &Value,
    sig: &OperatorSig,
    ctx: &FormatContext,
) -> SqlResult<Ordering> {
    Ok(match (l, r) {
        (Value::Text(a), Value::Text(b)) => {
            if matches!(sig.left, DataType::Bpchar(_)) && matches!(sig.right, DataType::Bpchar(_)) {
                bpchar_trim(a).as_bytes().cmp(bpchar_trim(b).as_bytes())
            } else {
                a.as_bytes().cmp(b.as_bytes())
            }
        }
        (Value::Date(d), Value::Timestamp(_)) => {
            Value::Timestamp(datetime::date_to_timestamp(*d)?).cmp(r)
        }
        (Value::Timestamp(_), Value::Date(d)) => {
            l.cmp(&Value::Timestamp(datetime::date_to_timestamp(*d)?))
        }
        (Value::Date(d), Value::Timestamptz(_)) => {
            Value::Timestamptz(datetime::date_to_timestamptz(*d, &ctx.time_zone)?).cmp(r)
        }
        (Value::Timestamptz(_), Value::Date(d)) => l.cmp(&Value::Timestamptz(
            datetime::date_to_timestamptz(*d, &ctx.time_zone)?,
        )),
        (Value::Timestamp(t), Value::Timestamptz(_)) => {
            let u = if datetime::is_finite_timestamp(*t) {
                datetime::local_to_utc(*t, &ctx.time_zone)?
            } else {
                *t
            };
            Value::Timestamptz(u).cmp(r)
        }
        (Value::Timestamptz(_), Value::Timestamp(t)) => {
            let u = if datetime::is_finite_timestamp(*t) {
                datetime::local_to_utc(*t, &ctx.time_zone)?
            } else {
                *t
            };
            l.cmp(&Value::Timestamptz(u))
        }
        _ => l.cmp(r),
    })
}

/// Evaluates a binary operator on non-NULL operands (NULL in gives NULL out).
pub fn eval_binary(
    op: BinaryOp,
    left: &Value,
    right: &Value,
    sig: &OperatorSig,
    ctx: &FormatContext,
) -> SqlResult<Value> {
    if left.is_null() || right.is_null() {
        return Ok(Value::Null);
    }
    if op.is_comparison() {
        return Ok(Value::Bool(compare(
            op,
            compare_values(left, right, sig, ctx)?,
        )));
    }
    match op {
        BinaryOp::Like | BinaryOp::NotLike | BinaryOp::ILike | BinaryOp::NotILike => {
            let m = match (left, right) {
                (Value::Text(s), Value::Text(p)) => {
                    let s = if matches!(sig.left, DataType::Bpchar(_)) {
                        bpchar_trim(s)
                    } else {
                        s
                    };
                    if matches!(op, BinaryOp::ILike | BinaryOp::NotILike) {
                        like::ilike(s, p)?
                    } else {
                        like::like(s, p)?
                    }
                }
                (Value::Bytea(s), Value::Bytea(p)) => like::like_bytes(s, p)?,
                _ => return Err(mismatch(op, left, right)),
            };
            let negate = matches!(op, BinaryOp::NotLike | BinaryOp::NotILike);
            return Ok(Value::Bool(m != negate));
        }
        BinaryOp::Concat => return concat(left, right, sig, ctx),
        _ => {}
    }
    if let (Some(a), Some(b)) = (int_value(left), int_value(right)) {
        return int_op(op, a, b, sig);
    }
    if let (Some(a), Some(b)) = (float_value(left), float_value(right)) {
        return float_op(op, a, b, sig);
    }
    match (left, right) {
        (Value::Numeric(a), Value::Numeric(b)) => Ok(Value::Numeric(match op {
            BinaryOp::Add => a.add(b)?,
            BinaryOp::Sub => a.sub(b)?,
            BinaryOp::Mul => a.mul(b)?,
            BinaryOp::Div => a.div(b)?,
            BinaryOp::Mod => a.rem(b)?,
            BinaryOp::Pow => a.power(b)?,
            _ => return Err(mismatch(op, left, right)),
        })),
        _ => datetime_op(op, left, right, ctx),
    }
}

fn int_op(op: BinaryOp, a: i64, b: i64, sig: &OperatorSig) -> SqlResult<Value> {
    let (a, b) = (i128::from(a), i128::from(b));
    let r = match op {
        BinaryOp::Add => a + b,
        BinaryOp::Sub => a - b,
        BinaryOp::Mul => a * b,
        BinaryOp::Div => {
            if b == 0 {
                return Err(SqlError::division_by_zero());
            }
            a / b
        }
        BinaryOp::Mod => {
            if b == 0 {
                return Err(SqlError::division_by_zero());
            }
            a % b
        }
        BinaryOp::BitAnd => a & b,
        BinaryOp::BitOr => a | b,
        BinaryOp::BitXor => a ^ b,
        BinaryOp::ShiftLeft | BinaryOp::ShiftRight => {
            let bits: u32 = match sig.result {
                DataType::Int2 => 16,
                DataType::Int4 => 32,
                _ => 64,
            };
            // C shifts on x86 use the count modulo the width of the promoted type (int for
            // int2/int4, int64 for int8).
            let width = bits.max(32);
            let count = (b as i64).rem_euclid(i64::from(width)) as u32;
            match sig.result {
                DataType::Int8 => {
                    let x = a as i64;
                    i128::from(if op == BinaryOp::ShiftLeft {
                        x.wrapping_shl(count)
                    } else {
                        x.wrapping_shr(count)
                    })
                }
                _ => {
                    let x = a as i32;
                    let s = if op == BinaryOp::ShiftLeft {
                        x.wrapping_shl(count)
                    } else {
                        x.wrapping_shr(count)
                    };
                    if bits == 16 {
                        i128::from(s as i16)
                    } else {
                        i128::from(s)
                    }
                }
            }
        }
        BinaryOp::Pow => return float_op(op, a as f64, b as f64, sig),
        _ => {
            return Err(SqlError::internal(format!(
                "operator {} on integers",
                op.symbol()
            )));
        }
    };
    make_int(r, &sig.result)
}

fn pow_error(msg: &str) -> SqlError {
    SqlError::new(SqlState::INVALID_ARGUMENT_FOR_POWER_FUNCTION, msg)
}

/// `float8 ^ float8` (`dpow`) with PostgreSQL's error cases.
pub fn float_pow(a: f64, b: f64) -> SqlResult<f64> {
    if a == 0.0 && b < 0.0 {
        return Err(pow_error("zero raised to a negative power is undefined"));
    }
    if a < 0.0 && b.is_finite() && b.floor() != b {
        return Err(pow_error(
            "a negative number raised to a non-integer power yields a complex result",
        ));
    }
    let r = a.powf(b);
    if r.is_infinite() && a.is_finite() && b.is_finite() {
        return Err(crate::float::overflow_error());
    }
    if r == 0.0 && a != 0.0 && a.is_finite() && b.is_finite() && a.abs() != 1.0 {
        return Err(crate::float::underflow_error());
    }
    Ok(r)
}

fn float_op(op: BinaryOp, a: f64, b: f64, sig: &OperatorSig) -> SqlResult<Value> {
    if sig.result == DataType::Float4 {
        let (x, y) = (a as f32, b as f32);
        let r = match op {
            BinaryOp::Add => check_f32(x + y, x, y, false)?,
            BinaryOp::Sub => check_f32(x - y, x, y, false)?,
            BinaryOp::Mul => check_f32(x * y, x, y, true)?,
            BinaryOp::Div => {
                if y == 0.0 {
                    return Err(SqlError::division_by_zero());
                }
                check_f32(x / y, x, y, true)?
            }
            _ => {
                return Err(SqlError::internal(format!(
                    "operator {} on real",
                    op.symbol()
                )));
            }
        };
        return Ok(Value::Float4(r));
    }
    let r = match op {
        BinaryOp::Add => check_f64(a + b, a, b, false)?,
        BinaryOp::Sub => check_f64(a - b, a, b, false)?,
        BinaryOp::Mul => check_f64(a * b, a, b, true)?,
        BinaryOp::Div => {
            if b == 0.0 {
                return Err(SqlError::division_by_zero());
            }
            check_f64(a / b, a, b, true)?
        }
        BinaryOp::Pow => float_pow(a, b)?,
        _ => {
            return Err(SqlError::internal(format!(
                "operator {} on double precision",
                op.symbol()
            )));
        }
    };
    Ok(Value::Float8(r))
}

fn datetime_op(op: BinaryOp, l: &Value, r: &Value, ctx: &FormatContext) -> SqlResult<Value> {
    use BinaryOp::{Add, Div, Mul, Sub};
    let tz = &ctx.time_zone;
    Ok(match (op, l, r) {
        (Add, Value::Date(d), Value::Int4(n)) | (Add, Value::Int4(n), Value::Date(d)) => {
            Value::Date(dt::date_add_days(*d, i64::from(*n))?)
        }
        (Sub, Value::Date(d), Value::Int4(n)) => {
            Value::Date(dt::date_add_days(*d, -i64::from(*n))?)
        }
        (Sub, Value::Date(a), Value::Date(b)) => Value::Int4(dt::date_sub_date(*a, *b)?),
        (Add, Value::Date(d), Value::Interval(iv)) | (Add, Value::Interval(iv), Value::Date(d)) => {
            Value::Timestamp(dt::timestamp_add_interval(
                datetime::date_to_timestamp(*d)?,
                iv,
            )?)
        }
        (Sub, Value::Date(d), Value::Interval(iv)) => Value::Timestamp(dt::timestamp_sub_interval(
            datetime::date_to_timestamp(*d)?,
            iv,
        )?),
        (Add, Value::Date(d), Value::Time(t)) | (Add, Value::Time(t), Value::Date(d)) => {
            let base = datetime::date_to_timestamp(*d)?;
            if !datetime::is_finite_timestamp(base) {
                Value::Timestamp(base)
            } else {
                let v = base + t;
                if !datetime::valid_timestamp(v) {
                    return Err(datetime::timestamp_out_of_range());
                }
                Value::Timestamp(v)
            }
        }
        (Add, Value::Time(t), Value::Interval(iv)) | (Add, Value::Interval(iv), Value::Time(t)) => {
            Value::Time(dt::time_add_interval(*t, iv))
        }
        (Sub, Value::Time(t), Value::Interval(iv)) => Value::Time(dt::time_sub_interval(*t, iv)),
        (Add, Value::Timetz(t), Value::Interval(iv))
        | (Add, Value::Interval(iv), Value::Timetz(t)) => Value::Timetz(datetime::TimeTz::new(
            dt::time_add_interval(t.time, iv),
            t.zone,
        )),
        (Sub, Value::Timetz(t), Value::Interval(iv)) => Value::Timetz(datetime::TimeTz::new(
            dt::time_sub_interval(t.time, iv),
            t.zone,
        )),
        (Sub, Value::Time(a), Value::Time(b)) => Value::Interval(Interval::new(0, 0, a - b)),
        (Add, Value::Timestamp(t), Value::Interval(iv))
        | (Add, Value::Interval(iv), Value::Timestamp(t)) => {
            Value::Timestamp(dt::timestamp_add_interval(*t, iv)?)
        }
        (Sub, Value::Timestamp(t), Value::Interval(iv)) => {
            Value::Timestamp(dt::timestamp_sub_interval(*t, iv)?)
        }
        (Add, Value::Timestamptz(t), Value::Interval(iv))
        | (Add, Value::Interval(iv), Value::Timestamptz(t)) => {
            Value::Timestamptz(dt::timestamptz_add_interval(*t, iv, tz)?)
        }
        (Sub, Value::Timestamptz(t), Value::Interval(iv)) => {
            Value::Timestamptz(dt::timestamptz_sub_interval(*t, iv, tz)?)
        }
        (Sub, Value::Timestamp(a), Value::Timestamp(b))
        | (Sub, Value::Timestamptz(a), Value::Timestamptz(b)) => {
            Value::Interval(dt::timestamp_diff(*a, *b)?)
        }
        (Add, Value::Interval(a), Value::Interval(b)) => Value::Interval(a.checked_add(b)?),
        (Sub, Value::Interval(a), Value::Interval(b)) => Value::Interval(a.checked_sub(b)?),
        (Mul, Value::Interval(iv), Value::Float8(f))
        | (Mul, Value::Float8(f), Value::Interval(iv)) => Value::Interval(iv.mul_f64(*f)?),
        (Div, Value::Interval(iv), Value::Float8(f)) => Value::Interval(iv.div_f64(*f)?),
        _ => return Err(mismatch(op, l, r)),
    })
}

fn array_concat_error() -> SqlError {
    SqlError::new(
        SqlState::ARRAY_SUBSCRIPT_ERROR,
        "cannot concatenate incompatible arrays",
    )
}

/// `array || array` (`array_cat`).
fn array_cat(a: &Array, b: &Array, elem: &DataType) -> SqlResult<Array> {
    if a.dims.is_empty() {
        let mut r = b.clone();
        r.element_type = elem.clone();
        return Ok(r);
    }
    if b.dims.is_empty() {
        let mut r = a.clone();
        r.element_type = elem.clone();
        return Ok(r);
    }
    let mut elements = a.elements.clone();
    elements.extend(b.elements.iter().cloned());
    let dims = if a.dims.len() == b.dims.len() {
        if a.dims[1..]
            .iter()
            .map(|d| d.len)
            .ne(b.dims[1..].iter().map(|d| d.len))
        {
            return Err(array_concat_error().with_detail(
                "Arrays with differing element dimensions are not compatible for concatenation.",
            ));
        }
        let mut d = a.dims.clone();
        d[0].len += b.dims[0].len;
        d
    } else if a.dims.len() == b.dims.len() + 1 {
        if a.dims[1..]
            .iter()
            .map(|d| d.len)
            .ne(b.dims.iter().map(|d| d.len))
        {
            return Err(array_concat_error().with_detail(
                "Arrays with differing dimensions are not compatible for concatenation.",
            ));
        }
        let mut d = a.dims.clone();
        d[0].len += 1;
        d
    } else if a.dims.len() + 1 == b.dims.len() {
        if b.dims[1..]
            .iter()
            .map(|d| d.len)
            .ne(a.dims.iter().map(|d| d.len))
        {
            return Err(array_concat_error().with_detail(
                "Arrays with differing dimensions are not compatible for concatenation.",
            ));
        }
        let mut d = b.dims.clone();
        d[0].len += 1;
        d
    } else {
        return Err(array_concat_error().with_detail(format!(
            "Arrays of {} and {} dimensions are not compatible for concatenation.",
            a.dims.len(),
            b.dims.len()
        )));
    };
    Ok(Array {
        element_type: elem.clone(),
        dims,
        elements,
    })
}

fn concat(l: &Value, r: &Value, sig: &OperatorSig, ctx: &FormatContext) -> SqlResult<Value> {
    match (l, r) {
        (Value::Array(a), Value::Array(b)) => {
            let elem = sig
                .result
                .element_type()
                .cloned()
                .unwrap_or(a.element_type.clone());
            Ok(Value::Array(Box::new(array_cat(a, b, &elem)?)))
        }
        (Value::Array(a), e)
            if matches!(sig.left, DataType::Array(_))
                && !matches!(sig.right, DataType::Array(_)) =>
        {
            if a.dims.len() > 1 {
                return Err(array_concat_error());
            }
            let mut r = (**a).clone();
            r.elements.push(e.clone());
            match r.dims.first_mut() {
                Some(d) => d.len += 1,
                None => r.dims.push(ArrayDim {
                    len: 1,
                    lower_bound: 1,
                }),
            }
            Ok(Value::Array(Box::new(r)))
        }
        (e, Value::Array(b))
            if matches!(sig.right, DataType::Array(_))
                && !matches!(sig.left, DataType::Array(_)) =>
        {
            if b.dims.len() > 1 {
                return Err(array_concat_error());
            }
            let mut r = (**b).clone();
            r.elements.insert(0, e.clone());
            match r.dims.first_mut() {
                // PostgreSQL keeps the lower bound when prepending.
                Some(d) => d.len += 1,
                None => r.dims.push(ArrayDim {
                    len: 1,
                    lower_bound: 1,
                }),
            }
            Ok(Value::Array(Box::new(r)))
        }
        (Value::Bytea(a), Value::Bytea(b)) => {
            let mut v = a.clone();
            v.extend_from_slice(b);
            Ok(Value::Bytea(v))
        }
        (Value::Jsonb(a), Value::Jsonb(b)) => Ok(Value::Jsonb(jsonb_concat(a, b)?)),
        _ => {
            // anytextcat converts through the cast to text (so booleans read `true`).
            let text = |v: &Value, ty: &DataType| match v {
                Value::Text(s) => s.clone(),
                Value::Bool(b) => if *b { "true" } else { "false" }.to_string(),
                other => format_text(other, ty, ctx),
            };
            let mut s = text(l, &sig.left);
            s.push_str(&text(r, &sig.right));
            Ok(Value::Text(s))
        }
    }
}

/// `jsonb || jsonb`: objects merge (right wins), arrays concatenate, scalars act as
/// one-element arrays.
fn jsonb_concat(a: &str, b: &str) -> SqlResult<String> {
    use crate::json::Json;
    let x = crate::json::parse(a, "jsonb")?;
    let y = crate::json::parse(b, "jsonb")?;
    let merged = match (x, y) {
        (Json::Object(mut p), Json::Object(q)) => {
            p.extend(q);
            Json::Object(p).canonicalize()
        }
        (Json::Array(mut p), Json::Array(q)) => {
            p.extend(q);
            Json::Array(p)
        }
        (Json::Array(mut p), other) => {
            p.push(other);
            Json::Array(p)
        }
        (other, Json::Array(mut q)) => {
            q.insert(0, other);
            Json::Array(q)
        }
        (p, q) => Json::Array(vec![p, q]),
    };
    let mut s = String::new();
    merged.write(&mut s);
    Ok(s)
}

/// Evaluates a prefix operator (NULL in gives NULL out).
pub fn eval_unary(
    op: UnaryOp,
    arg: &Value,
    _sig: &UnarySig,
    _ctx: &FormatContext,
) -> SqlResult<Value> {
    if arg.is_null() {
        return Ok(Value::Null);
    }
    let bad = || {
        SqlError::internal(format!(
            "operator {} applied to {:?}",
            op.symbol(),
            arg.data_type()
        ))
    };
    Ok(match op {
        UnaryOp::Plus => arg.clone(),
        UnaryOp::Not => Value::Bool(!arg.as_bool().ok_or_else(bad)?),
        UnaryOp::Neg | UnaryOp::Abs => {
            let neg = op == UnaryOp::Neg;
            match arg {
                Value::Int2(v) => Value::Int2(
                    (if neg {
                        v.checked_neg()
                    } else {
                        v.checked_abs()
                    })
                    .ok_or_else(|| SqlError::out_of_range("smallint"))?,
                ),
                Value::Int4(v) => Value::Int4(
                    (if neg {
                        v.checked_neg()
                    } else {
                        v.checked_abs()
                    })
                    .ok_or_else(|| SqlError::out_of_range("integer"))?,
                ),
                Value::Int8(v) => Value::Int8(
                    (if neg {
                        v.checked_neg()
                    } else {
                        v.checked_abs()
                    })
                    .ok_or_else(|| SqlError::out_of_range("bigint"))?,
                ),
                Value::Float4(v) => Value::Float4(if neg { -v } else { v.abs() }),
                Value::Float8(v) => Value::Float8(if neg { -v } else { v.abs() }),
                Value::Numeric(n) => Value::Numeric(if neg { n.neg() } else { n.abs() }),
                Value::Interval(iv) if neg => Value::Interval(iv.checked_neg()?),
                _ => return Err(bad()),
            }
        }
        UnaryOp::BitNot => match arg {
            Value::Int2(v) => Value::Int2(!v),
            Value::Int4(v) => Value::Int4(!v),
            Value::Int8(v) => Value::Int8(!v),
            _ => return Err(bad()),
        },
    })
}
