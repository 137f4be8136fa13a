//! Exact and rounding numeric functions: `abs`, `ceil`/`ceiling`, `floor`, `round`, `trunc`,
//! `sign`, `mod`, `div`, `gcd`, `lcm`, `factorial`, `width_bucket`, `scale`, `min_scale`,
//! `trim_scale`, and `setseed`. Transcendental functions live in `math_float`.
//!
//! Integer variants check overflow as PostgreSQL does (`gcd(-2147483648, 0)` is an error);
//! float rounding is `rint` (half to even) while numeric rounds half away from zero.

use std::cmp::Ordering;

use embeddb_types::ops::{UnaryOp, eval_unary, resolve_unary};
use embeddb_types::{DataType, Numeric, SqlError, SqlResult, SqlState, Value};

use super::{float, int, int4, numeric};
use crate::exec::context::ExecContext;
use crate::functions::registry::Registry;
use crate::functions::{ArgType, CallInfo, ReturnType};

type Args<'a> = &'a [Value];

fn abs(args: Args, call: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    let sig = resolve_unary(UnaryOp::Abs, &call.arg_types[0])?;
    eval_unary(UnaryOp::Abs, &args[0], &sig, ctx.format())
}

/// Applies a float or a numeric rounding function, whichever the argument is.
fn rounding(
    args: Args,
    f: fn(f64) -> f64,
    n: fn(&Numeric) -> SqlResult<Numeric>,
) -> SqlResult<Value> {
    Ok(match &args[0] {
        Value::Numeric(x) => Value::Numeric(n(x)?),
        other => Value::Float8(f(float(other))),
    })
}

fn ceil(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    rounding(args, f64::ceil, |x| Ok(x.ceil()))
}

fn floor(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    rounding(args, f64::floor, |x| Ok(x.floor()))
}

fn round(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    match args.get(1) {
        Some(s) => Ok(Value::Numeric(numeric(&args[0]).round(int4(s))?)),
        None => rounding(args, f64::round_ties_even, |x| x.round(0)),
    }
}

fn trunc(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    match args.get(1) {
        Some(s) => Ok(Value::Numeric(numeric(&args[0]).trunc(int4(s))?)),
        None => rounding(args, f64::trunc, |x| x.trunc(0)),
    }
}

fn sign(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    rounding(
        args,
        |x| {
            if x > 0.0 {
                1.0
            } else if x < 0.0 {
                -1.0
            } else {
                // Zero and NaN pass through (NaN stays NaN; -0 prints as 0 in PostgreSQL).
                x * 0.0 + 0.0
            }
        },
        |x| Ok(x.sign()),
    )
}

fn division_by_zero() -> SqlError {
    SqlError::division_by_zero()
}

fn int_mod(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let (a, b) = (int(&args[0]), int(&args[1]));
    if b == 0 {
        return Err(division_by_zero());
    }
    // i64::MIN % -1 would trap; the answer is 0 for every width.
    let r = a.checked_rem(b).unwrap_or(0);
    Ok(match &args[0] {
        Value::Int2(_) => Value::Int2(r as i16),
        Value::Int4(_) => Value::Int4(r as i32),
        _ => Value::Int8(r),
    })
}

fn numeric_mod(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Numeric(numeric(&args[0]).rem(&numeric(&args[1]))?))
}

fn div(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Numeric(
        numeric(&args[0]).div_trunc(&numeric(&args[1]))?,
    ))
}

fn int_result(v: i64, like: &Value) -> SqlResult<Value> {
    match like {
        Value::Int4(_) => i32::try_from(v)
            .map(Value::Int4)
            .map_err(|_| SqlError::out_of_range("integer")),
        _ => Ok(Value::Int8(v)),
    }
}

fn gcd_u(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The result type's minimum, whose absolute value does not fit.
fn int_min(like: &Value) -> i64 {
    match like {
        Value::Int4(_) => i64::from(i32::MIN),
        _ => i64::MIN,
    }
}

fn int_gcd(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let (a, b) = (int(&args[0]), int(&args[1]));
    let g = gcd_u(a.unsigned_abs(), b.unsigned_abs());
    if g > int_min(&args[0]).unsigned_abs() - 1 {
        return Err(out_of_range(&args[0]));
    }
    int_result(g as i64, &args[0])
}

fn out_of_range(like: &Value) -> SqlError {
    SqlError::out_of_range(match like {
        Value::Int4(_) => "integer",
        _ => "bigint",
    })
}

fn int_lcm(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let (a, b) = (int(&args[0]), int(&args[1]));
    if a == 0 || b == 0 {
        return int_result(0, &args[0]);
    }
    let g = gcd_u(a.unsigned_abs(), b.unsigned_abs());
    let l = u128::from(a.unsigned_abs() / g) * u128::from(b.unsigned_abs());
    let max = (int_min(&args[0]).unsigned_abs() - 1) as u128;
    if l > max {
        return Err(out_of_range(&args[0]));
    }
    int_result(l as i64, &args[0])
}

/// Euclid on numerics: `rem` keeps the larger scale, as PostgreSQL's numeric gcd does.
fn numeric_gcd_of(a: &Numeric, b: &Numeric) -> SqlResult<Numeric> {
    let scale = a.scale().unwrap_or(0).max(b.scale().unwrap_or(0));
    let (mut x, mut y) = (a.abs(), b.abs());
    while !y.is_zero() {
        let r = x.rem(&y)?;
        x = y;
        y = r;
    }
    Ok(x.with_min_scale(scale))
}

fn numeric_gcd(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let (a, b) = (numeric(&args[0]), numeric(&args[1]));
    if !a.is_finite() || !b.is_finite() {
        return Ok(Value::Numeric(Numeric::nan()));
    }
    Ok(Value::Numeric(numeric_gcd_of(&a, &b)?))
}

fn numeric_lcm(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let (a, b) = (numeric(&args[0]), numeric(&args[1]));
    if !a.is_finite() || !b.is_finite() {
        return Ok(Value::Numeric(Numeric::nan()));
    }
    let scale = a.scale().unwrap_or(0).max(b.scale().unwrap_or(0));
    if a.is_zero() || b.is_zero() {
        return Ok(Value::Numeric(Numeric::zero().with_min_scale(scale)));
    }
    let g = numeric_gcd_of(&a, &b)?;
    let l = a.div_trunc(&g)?.mul(&b)?.abs();
    Ok(Value::Numeric(l.with_min_scale(scale)))
}

fn factorial(args: Args, _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    let n = int(&args[0]);
    if n < 0 {
        return Err(SqlError::new(
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
            "factorial of a negative number is undefined",
        ));
    }
    // 32177! is the largest factorial numeric can hold; anything above overflows.
    if n > 32_177 {
        return Err(SqlError::new(
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
            "value overflows numeric format",
        ));
    }
    let mut acc = Numeric::from_i64(1);
    for i in 2..=n {
        if i % 1024 == 0 {
            ctx.check_interrupt()?;
        }
        acc = acc.mul(&Numeric::from_i64(i))?;
    }
    Ok(Value::Numeric(acc))
}

fn bucket_error(msg: &str) -> SqlError {
    SqlError::new(SqlState::from_code("2201G"), msg)
}

fn count_arg(v: &Value) -> SqlResult<i64> {
    let count = int(v);
    if count <= 0 {
        return Err(bucket_error("count must be greater than zero"));
    }
    Ok(count)
}

fn overflow_bucket(count: i64) -> SqlResult<Value> {
    i32::try_from(count + 1)
        .map(Value::Int4)
        .map_err(|_| SqlError::out_of_range("integer"))
}

fn width_bucket_float(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let (op, b1, b2) = (float(&args[0]), float(&args[1]), float(&args[2]));
    let count = count_arg(&args[3])?;
    if op.is_nan() || b1.is_nan() || b2.is_nan() {
        return Err(bucket_error(
            "operand, lower bound, and upper bound cannot be NaN",
        ));
    }
    if b1.is_infinite() || b2.is_infinite() {
        return Err(bucket_error("lower and upper bounds must be finite"));
    }
    let c = count as f64;
    // The quotient may round up to 1.0 for an operand just below the bound; clamp it.
    let bucket = |num: f64, den: f64| -> i64 { ((c * (num / den)) as i64).min(count - 1) + 1 };
    let result = match b1.partial_cmp(&b2) {
        Some(Ordering::Less) => {
            if op < b1 {
                0
            } else if op >= b2 {
                return overflow_bucket(count);
            } else if (b2 - b1).is_infinite() {
                // Halving avoids an infinite difference between finite bounds.
                bucket(op / 2.0 - b1 / 2.0, b2 / 2.0 - b1 / 2.0)
            } else {
                bucket(op - b1, b2 - b1)
            }
        }
        Some(Ordering::Greater) => {
            if op > b1 {
                0
            } else if op <= b2 {
                return overflow_bucket(count);
            } else if (b1 - b2).is_infinite() {
                bucket(b1 / 2.0 - op / 2.0, b1 / 2.0 - b2 / 2.0)
            } else {
                bucket(b1 - op, b1 - b2)
            }
        }
        _ => return Err(bucket_error("lower bound cannot equal upper bound")),
    };
    Ok(Value::Int4(result as i32))
}

fn width_bucket_numeric(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let (op, b1, b2) = (numeric(&args[0]), numeric(&args[1]), numeric(&args[2]));
    let count = count_arg(&args[3])?;
    if op.is_nan() || b1.is_nan() || b2.is_nan() {
        return Err(bucket_error(
            "operand, lower bound, and upper bound cannot be NaN",
        ));
    }
    if !b1.is_finite() || !b2.is_finite() {
        return Err(bucket_error("lower and upper bounds must be finite"));
    }
    let c = Numeric::from_i64(count);
    let bucket = |num: Numeric, den: Numeric| -> SqlResult<Value> {
        let q = num.mul(&c)?.div_trunc(&den)?;
        let r = q.to_i64_rounded().unwrap_or(count).min(count - 1) + 1;
        Ok(Value::Int4(r as i32))
    };
    match b1.cmp(&b2) {
        Ordering::Less => {
            if op < b1 {
                Ok(Value::Int4(0))
            } else if op >= b2 {
                overflow_bucket(count)
            } else {
                bucket(op.sub(&b1)?, b2.sub(&b1)?)
            }
        }
        Ordering::Greater => {
            if op > b1 {
                Ok(Value::Int4(0))
            } else if op <= b2 {
                overflow_bucket(count)
            } else {
                bucket(b1.sub(&op)?, b1.sub(&b2)?)
            }
        }
        Ordering::Equal => Err(bucket_error("lower bound cannot equal upper bound")),
    }
}

/// `width_bucket(operand, thresholds)`: how many (sorted) thresholds are <= operand.
fn width_bucket_array(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let Value::Array(a) = &args[1] else {
        return Ok(Value::Null);
    };
    if a.ndims() > 1 {
        return Err(SqlError::new(
            SqlState::ARRAY_SUBSCRIPT_ERROR,
            "thresholds must be one-dimensional array",
        ));
    }
    if a.elements.iter().any(Value::is_null) {
        return Err(SqlError::new(
            SqlState::NULL_VALUE_NOT_ALLOWED,
            "thresholds array must not contain NULLs",
        ));
    }
    let (mut left, mut right) = (0usize, a.elements.len());
    while left < right {
        let mid = (left + right) / 2;
        if args[0] < a.elements[mid] {
            right = mid;
        } else {
            left = mid + 1;
        }
    }
    Ok(Value::Int4(left as i32))
}

fn scale(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(numeric(&args[0])
        .scale()
        .map_or(Value::Null, |s| Value::Int4(s as i32)))
}

fn min_scale(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(numeric(&args[0])
        .min_scale()
        .map_or(Value::Null, |s| Value::Int4(s as i32)))
}

fn trim_scale(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Numeric(numeric(&args[0]).trim_scale()))
}

/// `setseed(x)` validates its argument as PostgreSQL does. `random()` draws from the thread
/// generator, so the seed does not make later values repeatable (see the module docs of
/// `system`).
fn setseed(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let seed = float(&args[0]);
    if !(-1.0..=1.0).contains(&seed) || seed.is_nan() {
        return Err(SqlError::new(
            SqlState::INVALID_PARAMETER_VALUE,
            format!(
                "setseed parameter {} is out of allowed range [-1,1]",
                embeddb_types::float::format_g(seed, 15)
            ),
        ));
    }
    // PostgreSQL returns void, which prints as an empty string.
    Ok(Value::Text(String::new()))
}

pub(super) fn register(r: &mut Registry) {
    use DataType as T;
    let num = || T::Numeric(None);
    for t in [T::Int2, T::Int4, T::Int8, T::Float4, T::Float8, num()] {
        r.exact("abs", std::slice::from_ref(&t), t.clone(), abs);
    }
    for name in ["ceil", "ceiling"] {
        r.exact(name, &[T::Float8], T::Float8, ceil);
        r.exact(name, &[num()], num(), ceil);
    }
    r.exact("floor", &[T::Float8], T::Float8, floor);
    r.exact("floor", &[num()], num(), floor);
    r.exact("round", &[T::Float8], T::Float8, round);
    r.exact("round", &[num()], num(), round);
    r.exact("round", &[num(), T::Int4], num(), round);
    r.exact("trunc", &[T::Float8], T::Float8, trunc);
    r.exact("trunc", &[num()], num(), trunc);
    r.exact("trunc", &[num(), T::Int4], num(), trunc);
    r.exact("sign", &[T::Float8], T::Float8, sign);
    r.exact("sign", &[num()], num(), sign);
    for t in [T::Int2, T::Int4, T::Int8] {
        r.exact("mod", &[t.clone(), t.clone()], t, int_mod);
    }
    r.exact("mod", &[num(), num()], num(), numeric_mod);
    r.exact("div", &[num(), num()], num(), div);
    for t in [T::Int4, T::Int8] {
        r.exact("gcd", &[t.clone(), t.clone()], t.clone(), int_gcd);
        r.exact("lcm", &[t.clone(), t.clone()], t, int_lcm);
    }
    r.exact("gcd", &[num(), num()], num(), numeric_gcd);
    r.exact("lcm", &[num(), num()], num(), numeric_lcm);
    r.exact("factorial", &[T::Int8], num(), factorial);
    r.exact(
        "width_bucket",
        &[T::Float8, T::Float8, T::Float8, T::Int4],
        T::Int4,
        width_bucket_float,
    );
    r.exact(
        "width_bucket",
        &[num(), num(), num(), T::Int4],
        T::Int4,
        width_bucket_numeric,
    );
    r.add(
        "width_bucket",
        vec![ArgType::AnyElement, ArgType::AnyArray],
        ReturnType::Exact(T::Int4),
        width_bucket_array,
    );
    r.exact("scale", &[num()], T::Int4, scale);
    r.exact("min_scale", &[num()], T::Int4, min_scale);
    r.exact("trim_scale", &[num()], num(), trim_scale);
    r.exact("setseed", &[T::Float8], T::Text, setseed)
        .volatile();
}
