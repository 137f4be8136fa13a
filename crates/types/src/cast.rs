//! Casts between types: which casts exist and in which contexts (PostgreSQL's `pg_cast` for
//! EmbedDB's types, plus the I/O conversion casts to and from the string types), and how each
//! converts a value, including typmod application (explicit casts truncate strings silently;
//! assignment and implicit coercions raise 22001).

use crate::context::FormatContext;
use crate::datatype::{DataType, TypeCategory};
use crate::datetime::{
    self, TimeTz, USECS_PER_DAY, date_to_timestamp, date_to_timestamptz, local_to_utc,
    timestamp_to_date, utc_to_local,
};
use crate::error::{SqlError, SqlResult, SqlState};
use crate::float::{f64_to_f32, f64_to_int};
use crate::numeric::Numeric;
use crate::text::{
    apply_bpchar, apply_varchar, bpchar_trim, format_text, parse_text, truncate_name,
};
use crate::value::Value;

/// When a cast may be applied: silently in expressions, in assignments (INSERT/UPDATE), or
/// only when written. Ordered from most to least permissive use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CastContext {
    Implicit,
    Assignment,
    Explicit,
}

fn base(t: &DataType) -> DataType {
    t.without_typmod()
}

/// The context in which a cast from `from` to `to` is allowed, or `None` if there is no
/// cast. Same-type casts (typmod changes) are implicit; `unknown` converts to anything.
pub fn cast_context(from: &DataType, to: &DataType) -> Option<CastContext> {
    use CastContext::*;
    use DataType as T;
    let (f, t) = (base(from), base(to));
    if f == t {
        return Some(Implicit);
    }
    if f == T::Unknown {
        return Some(Implicit);
    }
    if t == T::Unknown {
        return None;
    }
    let listed = match (&f, &t) {
        (T::Int2, T::Int4 | T::Int8 | T::Float4 | T::Float8 | T::Numeric(_) | T::Oid) => Implicit,
        (T::Int4, T::Int8 | T::Float4 | T::Float8 | T::Numeric(_) | T::Oid) => Implicit,
        (T::Int4, T::Int2) => Assignment,
        (T::Int4, T::Bool) => Explicit,
        (T::Int8, T::Float4 | T::Float8 | T::Numeric(_) | T::Oid) => Implicit,
        (T::Int8, T::Int2 | T::Int4) => Assignment,
        (T::Float4, T::Float8) => Implicit,
        (T::Float4, T::Int2 | T::Int4 | T::Int8 | T::Numeric(_)) => Assignment,
        (T::Float8, T::Int2 | T::Int4 | T::Int8 | T::Float4 | T::Numeric(_)) => Assignment,
        (T::Numeric(_), T::Float4 | T::Float8) => Implicit,
        (T::Numeric(_), T::Int2 | T::Int4 | T::Int8) => Assignment,
        (T::Bool, T::Int4) => Explicit,
        (T::Oid, T::Int4 | T::Int8) => Assignment,
        // The object-identifier alias types are oids: binary-coercible both ways.
        (T::Oid | T::Int2 | T::Int4 | T::Int8, T::Reg(_)) => Implicit,
        (T::Reg(_), T::Oid) => Implicit,
        (T::Reg(_), T::Int4 | T::Int8) => Assignment,
        (T::Reg(crate::datatype::RegKind::Proc), T::Reg(crate::datatype::RegKind::Procedure))
        | (T::Reg(crate::datatype::RegKind::Procedure), T::Reg(crate::datatype::RegKind::Proc)) => {
            Implicit
        }
        (T::Text | T::Varchar(_), T::Reg(crate::datatype::RegKind::Class)) => Implicit,
        (T::Char, T::Text) => Implicit,
        (T::Char, T::Varchar(_) | T::Bpchar(_)) => Assignment,
        (T::Text | T::Varchar(_) | T::Bpchar(_), T::Char) => Assignment,
        (T::Char, T::Int4) | (T::Int4, T::Char) => Explicit,
        (T::PgNodeTree, T::Text) => Implicit,
        // int2vector and oidvector are binary-coercible to their array types.
        (T::Int2Vector, T::Array(e)) if **e == T::Int2 => Implicit,
        (T::OidVector, T::Array(e)) if **e == T::Oid => Implicit,
        (T::Text, T::Varchar(_) | T::Bpchar(_) | T::Name) => Implicit,
        (T::Varchar(_), T::Text | T::Bpchar(_) | T::Name) => Implicit,
        (T::Bpchar(_), T::Text | T::Varchar(_) | T::Name) => Implicit,
        (T::Name, T::Text) => Implicit,
        (T::Name, T::Varchar(_) | T::Bpchar(_)) => Assignment,
        (T::Date, T::Timestamp | T::Timestamptz) => Implicit,
        (T::Time, T::Interval) => Implicit,
        (T::Timestamp, T::Timestamptz) => Implicit,
        (T::Timestamp, T::Date | T::Time) => Assignment,
        (T::Timestamptz, T::Date | T::Time | T::Timestamp) => Assignment,
        (T::Interval, T::Time) => Assignment,
        (T::Time, T::Timetz) => Implicit,
        (T::Timestamptz | T::Timetz, T::Timetz | T::Time) => Assignment,
        (T::Json, T::Jsonb) | (T::Jsonb, T::Json) => Assignment,
        (
            T::Jsonb,
            T::Bool | T::Numeric(_) | T::Int2 | T::Int4 | T::Int8 | T::Float4 | T::Float8,
        ) => Explicit,
        (T::Array(a), T::Array(b)) => return cast_context(a, b),
        // Any row value is a `record`.
        (T::Record(_), T::Record(_)) => Implicit,
        _ => {
            // I/O conversion casts: anything to a string type in assignment, a string type to
            // anything explicitly.
            if t.is_string() {
                Assignment
            } else if f.is_string() {
                Explicit
            } else {
                return None;
            }
        }
    };
    Some(listed)
}

/// True if a value of `from` may be coerced to `to` in `context`.
pub fn can_coerce(from: &DataType, to: &DataType, context: CastContext) -> bool {
    cast_context(from, to).is_some_and(|c| c <= context)
}

fn cannot_cast(from: &DataType, to: &DataType) -> SqlError {
    SqlError::new(
        SqlState::CANNOT_COERCE,
        format!(
            "cannot cast type {} to {}",
            from.without_typmod(),
            to.without_typmod()
        ),
    )
}

/// An explicit cast (`CAST(x AS t)`, `x::t`): PostgreSQL's conversion semantics, with string
/// typmods truncating silently.
pub fn cast(value: Value, from: &DataType, to: &DataType, ctx: &FormatContext) -> SqlResult<Value> {
    cast_in_context(value, from, to, CastContext::Explicit, ctx)
}

/// A cast applied as an assignment coercion (INSERT/UPDATE targets): too-long strings are
/// 22001 errors unless the excess is spaces.
pub fn cast_assignment(
    value: Value,
    from: &DataType,
    to: &DataType,
    ctx: &FormatContext,
) -> SqlResult<Value> {
    cast_in_context(value, from, to, CastContext::Assignment, ctx)
}

/// Converts `value` (of type `from`) to `to`. `context` only decides how typmods apply; the
/// caller checks with [`cast_context`] whether the cast is allowed there.
pub fn cast_in_context(
    value: Value,
    from: &DataType,
    to: &DataType,
    context: CastContext,
    ctx: &FormatContext,
) -> SqlResult<Value> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    if from == to && !matches!(to, DataType::Unknown) {
        return Ok(value);
    }
    let explicit = context == CastContext::Explicit;
    let converted = convert(value, from, &base(to), ctx)?;
    apply_typmod(converted, to, explicit)
}

/// Applies the modifier of `to` to a value already of its base type.
pub fn apply_typmod(value: Value, to: &DataType, explicit: bool) -> SqlResult<Value> {
    Ok(match (value, to) {
        (Value::Text(s), DataType::Varchar(n @ Some(_))) => {
            Value::Text(apply_varchar(&s, *n, explicit)?)
        }
        (Value::Text(s), DataType::Bpchar(n @ Some(_))) => {
            Value::Text(apply_bpchar(&s, *n, explicit)?)
        }
        (Value::Numeric(num), DataType::Numeric(Some(m))) => Value::Numeric(num.apply_typmod(*m)?),
        (Value::Array(mut a), DataType::Array(elem)) if elem.typmod() != -1 => {
            let elems = std::mem::take(&mut a.elements);
            a.elements = elems
                .into_iter()
                .map(|e| {
                    if e.is_null() {
                        Ok(e)
                    } else {
                        apply_typmod(e, elem, explicit)
                    }
                })
                .collect::<SqlResult<_>>()?;
            a.element_type = (**elem).clone();
            Value::Array(a)
        }
        (v, _) => v,
    })
}

fn int_range(ty: &DataType) -> (&'static str, i64, i64) {
    match ty {
        DataType::Int2 => ("smallint", i16::MIN.into(), i16::MAX.into()),
        DataType::Int4 => ("integer", i32::MIN.into(), i32::MAX.into()),
        _ => ("bigint", i64::MIN, i64::MAX),
    }
}

fn make_int(v: i64, ty: &DataType) -> SqlResult<Value> {
    let (name, min, max) = int_range(ty);
    if v < min || v > max {
        return Err(SqlError::out_of_range(name));
    }
    Ok(match ty {
        DataType::Int2 => Value::Int2(v as i16),
        DataType::Int4 => Value::Int4(v as i32),
        _ => Value::Int8(v),
    })
}

/// The text a value of type `from` converts to for text-like targets.
fn to_text(value: &Value, from: &DataType, ctx: &FormatContext) -> String {
    match (value, from) {
        (Value::Text(s), DataType::Bpchar(_)) => bpchar_trim(s).to_string(),
        (Value::Text(s), _) => s.clone(),
        (Value::Bool(b), _) => if *b { "true" } else { "false" }.to_string(),
        (v, _) => format_text(v, from, ctx),
    }
}

fn jsonb_scalar(value: &Value, to: &DataType) -> SqlResult<crate::json::Json> {
    let Value::Jsonb(s) = value else {
        return Err(SqlError::internal("jsonb cast of a non-jsonb value"));
    };
    let j = crate::json::parse(s, "jsonb")?;
    let kind = match &j {
        crate::json::Json::Null => "null",
        crate::json::Json::Bool(_) => "boolean",
        crate::json::Json::Number(_) => "numeric",
        crate::json::Json::String(_) => "string",
        crate::json::Json::Array(_) => "array",
        crate::json::Json::Object(_) => "object",
    };
    let want = if *to == DataType::Bool {
        "boolean"
    } else {
        "numeric"
    };
    if kind != want {
        return Err(SqlError::new(
            SqlState::INVALID_PARAMETER_VALUE,
            format!("cannot cast jsonb {kind} to type {to}"),
        ));
    }
    Ok(j)
}

/// Converts to the base type `to` (no typmod).
fn convert(value: Value, from: &DataType, to: &DataType, ctx: &FormatContext) -> SqlResult<Value> {
    use DataType as T;
    if value.is_null() {
        return Ok(Value::Null);
    }
    // Strings (and unknown literals) go through the target's input function.
    if let Value::Text(s) = &value
        && !to.is_string()
        && !matches!(to, T::Unknown)
    {
        let s = if matches!(from, T::Bpchar(_)) {
            bpchar_trim(s)
        } else {
            s
        };
        return parse_text(s, to, ctx);
    }
    Ok(match to {
        T::Unknown => value,
        T::Text | T::Varchar(_) | T::Bpchar(_) => Value::Text(to_text(&value, from, ctx)),
        T::Name => Value::Text(truncate_name(&to_text(&value, from, ctx))),
        T::Bool => match value {
            Value::Bool(b) => Value::Bool(b),
            Value::Int2(v) => Value::Bool(v != 0),
            Value::Int4(v) => Value::Bool(v != 0),
            Value::Int8(v) => Value::Bool(v != 0),
            Value::Jsonb(_) => match jsonb_scalar(&value, to)? {
                crate::json::Json::Bool(b) => Value::Bool(b),
                _ => return Err(cannot_cast(from, to)),
            },
            _ => return Err(cannot_cast(from, to)),
        },
        T::Int2 | T::Int4 | T::Int8 => {
            let (name, min, max) = int_range(to);
            match value {
                Value::Int2(v) => make_int(v.into(), to)?,
                Value::Int4(v) => make_int(v.into(), to)?,
                Value::Int8(v) => make_int(v, to)?,
                // oid → int4 reinterprets the bits; oid → int8 keeps the unsigned value.
                Value::Oid(v) | Value::Reg(v, _) if *to == T::Int8 => Value::Int8(i64::from(v)),
                Value::Oid(v) | Value::Reg(v, _) => make_int(i64::from(v as i32), to)?,
                Value::Bool(b) => make_int(i64::from(b), to)?,
                Value::Float4(f) => make_int(f64_to_int(f64::from(f), name, min, max)?, to)?,
                Value::Float8(f) => make_int(f64_to_int(f, name, min, max)?, to)?,
                Value::Numeric(n) => make_int(n.to_int_checked(name, min, max)?, to)?,
                Value::Jsonb(_) => match jsonb_scalar(&value, to)? {
                    crate::json::Json::Number(n) => {
                        make_int(n.to_int_checked(name, min, max)?, to)?
                    }
                    _ => return Err(cannot_cast(from, to)),
                },
                _ => return Err(cannot_cast(from, to)),
            }
        }
        T::Reg(_) => match value {
            Value::Oid(v) | Value::Reg(v, _) => Value::Reg(v, None),
            Value::Int2(v) => Value::Reg(i32::from(v) as u32, None),
            Value::Int4(v) => Value::Reg(v as u32, None),
            Value::Int8(v) => Value::Reg(
                u32::try_from(v).map_err(|_| {
                    SqlError::new(SqlState::NUMERIC_VALUE_OUT_OF_RANGE, "OID out of range")
                })?,
                None,
            ),
            _ => return Err(cannot_cast(from, to)),
        },
        T::Char => Value::Text(crate::text::parse_char(&to_text(&value, from, ctx))),
        T::PgNodeTree => Value::Text(to_text(&value, from, ctx)),
        T::Int2Vector | T::OidVector => match value {
            Value::Array(mut a) => {
                crate::text::make_vector(&mut a);
                Value::Array(a)
            }
            _ => return Err(cannot_cast(from, to)),
        },
        T::Oid => match value {
            Value::Oid(v) | Value::Reg(v, _) => Value::Oid(v),
            Value::Int2(v) => Value::Oid(i32::from(v) as u32),
            Value::Int4(v) => Value::Oid(v as u32),
            Value::Int8(v) => Value::Oid(u32::try_from(v).map_err(|_| {
                SqlError::new(SqlState::NUMERIC_VALUE_OUT_OF_RANGE, "OID out of range")
            })?),
            _ => return Err(cannot_cast(from, to)),
        },
        T::Float4 | T::Float8 => {
            let f: f64 = match &value {
                Value::Int2(v) => f64::from(*v),
                Value::Int4(v) => f64::from(*v),
                Value::Int8(v) => {
                    if *to == T::Float4 {
                        return Ok(Value::Float4(*v as f32));
                    }
                    *v as f64
                }
                Value::Float4(v) => f64::from(*v),
                Value::Float8(v) => *v,
                Value::Numeric(n) => {
                    if *to == T::Float4 {
                        // numeric_float4 reads the numeric text with float4in.
                        return Ok(Value::Float4(crate::float::parse_f32(&n.to_string())?));
                    }
                    crate::float::parse_f64(&n.to_string())?
                }
                Value::Jsonb(_) => match jsonb_scalar(&value, to)? {
                    crate::json::Json::Number(n) => n.to_f64(),
                    _ => return Err(cannot_cast(from, to)),
                },
                _ => return Err(cannot_cast(from, to)),
            };
            if *to == T::Float4 {
                match value {
                    Value::Int2(v) => Value::Float4(f32::from(v)),
                    Value::Int4(v) => Value::Float4(v as f32),
                    _ => Value::Float4(f64_to_f32(f)?),
                }
            } else {
                Value::Float8(f)
            }
        }
        T::Numeric(_) => Value::Numeric(match value {
            Value::Int2(v) => Numeric::from_i64(v.into()),
            Value::Int4(v) => Numeric::from_i64(v.into()),
            Value::Int8(v) => Numeric::from_i64(v),
            Value::Oid(v) => Numeric::from_i64(v.into()),
            Value::Float4(v) => Numeric::from_f32(v),
            Value::Float8(v) => Numeric::from_f64(v),
            Value::Numeric(n) => n,
            Value::Jsonb(_) => match jsonb_scalar(&value, to)? {
                crate::json::Json::Number(n) => n,
                _ => return Err(cannot_cast(from, to)),
            },
            _ => return Err(cannot_cast(from, to)),
        }),
        T::Date => match value {
            Value::Date(d) => Value::Date(d),
            Value::Timestamp(t) => Value::Date(timestamp_to_date(t)?),
            Value::Timestamptz(t) => {
                Value::Date(timestamp_to_date(utc_to_local(t, &ctx.time_zone))?)
            }
            _ => return Err(cannot_cast(from, to)),
        },
        T::Time => match value {
            Value::Time(t) => Value::Time(t),
            Value::Timestamp(t) if datetime::is_finite_timestamp(t) => {
                Value::Time(t.rem_euclid(USECS_PER_DAY))
            }
            Value::Timestamptz(t) if datetime::is_finite_timestamp(t) => {
                Value::Time(utc_to_local(t, &ctx.time_zone).rem_euclid(USECS_PER_DAY))
            }
            Value::Timestamp(_) | Value::Timestamptz(_) => {
                return Err(datetime::timestamp_out_of_range());
            }
            Value::Interval(iv) => Value::Time(iv.micros.rem_euclid(USECS_PER_DAY)),
            Value::Timetz(t) => Value::Time(t.time),
            _ => return Err(cannot_cast(from, to)),
        },
        T::Timetz => match value {
            Value::Timetz(t) => Value::Timetz(t),
            Value::Time(t) => {
                Value::Timetz(TimeTz::from_local_time(t, ctx.now_micros, &ctx.time_zone))
            }
            // timestamptz_timetz gives NULL for the infinities.
            Value::Timestamptz(t) if !datetime::is_finite_timestamp(t) => Value::Null,
            Value::Timestamptz(t) => Value::Timetz(TimeTz::at_instant(t, &ctx.time_zone)),
            _ => return Err(cannot_cast(from, to)),
        },
        T::Timestamp => match value {
            Value::Timestamp(t) => Value::Timestamp(t),
            Value::Date(d) => Value::Timestamp(date_to_timestamp(d)?),
            Value::Timestamptz(t) => Value::Timestamp(utc_to_local(t, &ctx.time_zone)),
            _ => return Err(cannot_cast(from, to)),
        },
        T::Timestamptz => match value {
            Value::Timestamptz(t) => Value::Timestamptz(t),
            Value::Date(d) => Value::Timestamptz(date_to_timestamptz(d, &ctx.time_zone)?),
            Value::Timestamp(t) => {
                if datetime::is_finite_timestamp(t) {
                    Value::Timestamptz(local_to_utc(t, &ctx.time_zone)?)
                } else {
                    Value::Timestamptz(t)
                }
            }
            _ => return Err(cannot_cast(from, to)),
        },
        T::Interval => match value {
            Value::Interval(iv) => Value::Interval(iv),
            Value::Time(t) => Value::Interval(datetime::Interval::new(0, 0, t)),
            _ => return Err(cannot_cast(from, to)),
        },
        T::Json => match value {
            Value::Json(s) | Value::Jsonb(s) => Value::Json(s),
            _ => return Err(cannot_cast(from, to)),
        },
        T::Jsonb => match value {
            Value::Jsonb(s) => Value::Jsonb(s),
            Value::Json(s) => Value::Jsonb(crate::json::parse_jsonb_text(&s)?),
            _ => return Err(cannot_cast(from, to)),
        },
        T::Bytea => match value {
            Value::Bytea(b) => Value::Bytea(b),
            _ => return Err(cannot_cast(from, to)),
        },
        T::Uuid => match value {
            Value::Uuid(u) => Value::Uuid(u),
            _ => return Err(cannot_cast(from, to)),
        },
        T::Array(elem) => match value {
            Value::Array(mut a) => {
                let from_elem = from
                    .element_type()
                    .cloned()
                    .unwrap_or(a.element_type.clone());
                let elems = std::mem::take(&mut a.elements);
                a.elements = elems
                    .into_iter()
                    .map(|e| convert(e, &from_elem, elem, ctx))
                    .collect::<SqlResult<_>>()?;
                a.element_type = (**elem).clone();
                Value::Array(a)
            }
            _ => return Err(cannot_cast(from, to)),
        },
        T::Record(_) => match value {
            Value::Record(fields) => Value::Record(fields),
            _ => return Err(cannot_cast(from, to)),
        },
    })
}

/// True if the category allows implicit conversion between its members (used by the
/// resolution code for its preferred-type rules).
pub fn same_category(a: &DataType, b: &DataType) -> bool {
    a.category() == b.category() && a.category() != TypeCategory::UserDefined
}

#[cfg(test)]
#[path = "cast_tests.rs"]
mod tests;
