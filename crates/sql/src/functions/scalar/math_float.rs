//! Transcendental functions: `power`/`pow`, `sqrt`, `cbrt`, `exp`, `ln`, `log`, `log10`, `pi`,
//! `degrees`, `radians`, the trigonometric and hyperbolic functions, and the degree-based
//! `sind`/`cosd`/... family.
//!
//! float8 versions follow PostgreSQL's `float.c`: domain errors (2201E/2201F), "input is out
//! of range" (22003), and overflow/underflow checks on results. The degree functions use
//! PostgreSQL's exact-at-special-angles algorithms, so `sind(30)` is exactly 0.5. numeric
//! versions use `Numeric`'s own implementations.

use embeddb_types::float::{overflow_error, underflow_error};
use embeddb_types::ops::eval::float_pow;
use embeddb_types::{DataType, SqlError, SqlResult, SqlState, Value};

use super::{float, numeric};
use crate::exec::context::ExecContext;
use crate::functions::registry::Registry;
use crate::functions::{CallInfo, ScalarImpl};

type Args<'a> = &'a [Value];

fn f8(v: f64) -> SqlResult<Value> {
    Ok(Value::Float8(v))
}

/// PostgreSQL's `check_float8_val`: an infinite result from finite input overflows, a zero
/// result where zero was not allowed underflows.
fn check(result: f64, inf_ok: bool, zero_ok: bool) -> SqlResult<Value> {
    if result.is_infinite() && !inf_ok {
        return Err(overflow_error());
    }
    if result == 0.0 && !zero_ok {
        return Err(underflow_error());
    }
    f8(result)
}

fn out_of_range() -> SqlError {
    SqlError::new(
        SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
        "input is out of range",
    )
}

fn log_error(x: f64) -> Option<SqlError> {
    let msg = if x == 0.0 {
        "cannot take logarithm of zero"
    } else if x < 0.0 {
        "cannot take logarithm of a negative number"
    } else {
        return None;
    };
    Some(SqlError::new(SqlState::INVALID_ARGUMENT_FOR_LOG, msg))
}

fn power(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    match (&args[0], &args[1]) {
        (Value::Numeric(a), Value::Numeric(b)) => Ok(Value::Numeric(a.power(b)?)),
        (a, b) => f8(float_pow(float(a), float(b))?),
    }
}

fn sqrt(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    if let Value::Numeric(n) = &args[0] {
        return Ok(Value::Numeric(n.sqrt()?));
    }
    let x = float(&args[0]);
    if x < 0.0 {
        return Err(SqlError::new(
            SqlState::INVALID_ARGUMENT_FOR_POWER_FUNCTION,
            "cannot take square root of a negative number",
        ));
    }
    check(x.sqrt(), x.is_infinite(), x == 0.0)
}

/// `frexp`: a mantissa in [0.5, 1) and a binary exponent (the value itself for 0, NaN and
/// the infinities).
fn frexp(x: f64) -> (f64, i32) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    if exp == 0 {
        // Subnormal: scale by 2^54 into the normal range first.
        let (m, e) = frexp(x * f64::from_bits(0x4350_0000_0000_0000));
        return (m, e - 54);
    }
    let m = f64::from_bits((bits & !(0x7ff_u64 << 52)) | (1022_u64 << 52));
    (m, exp - 1022)
}

fn ldexp(x: f64, e: i32) -> f64 {
    let (mut r, mut e) = (x, e);
    while e > 1000 {
        r *= 2f64.powi(1000);
        e -= 1000;
    }
    while e < -1000 {
        r *= 2f64.powi(-1000);
        e += 1000;
    }
    r * 2f64.powi(e)
}

/// glibc's `cbrt` (sysdeps/ieee754/dbl-64/s_cbrt.c), which PostgreSQL calls: Rust's
/// `f64::cbrt` is correctly rounded and so differs in the last digit (`cbrt(27)` is
/// 3.0000000000000004 in PostgreSQL on glibc). The constants are glibc's as written there.
#[allow(clippy::excessive_precision)]
fn glibc_cbrt(x: f64) -> f64 {
    const CBRT2: f64 = 1.259_921_049_894_873_164_8;
    const SQR_CBRT2: f64 = 1.587_401_051_968_199_474_8;
    const FACTOR: [f64; 5] = [1.0 / SQR_CBRT2, 1.0 / CBRT2, 1.0, CBRT2, SQR_CBRT2];
    let (xm, xe) = frexp(x.abs());
    if xe == 0 && (x == 0.0 || !x.is_finite()) {
        return x + x;
    }
    let u = 0.354_895_765_043_919_86
        + (1.508_191_937_815_848_96
            + (-2.114_994_941_673_712_87
                + (2.446_931_225_635_344_3
                    + (-1.834_692_774_836_130_86
                        + (0.784_932_344_976_639_262 - 0.145_263_899_385_486_377 * xm) * xm)
                        * xm)
                    * xm)
                * xm)
            * xm;
    let t2 = u * u * u;
    let ym = u * (t2 + 2.0 * xm) / (2.0 * t2 + xm) * FACTOR[(2 + xe % 3) as usize];
    ldexp(if x > 0.0 { ym } else { -ym }, xe / 3)
}

fn cbrt(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let x = float(&args[0]);
    check(glibc_cbrt(x), x.is_infinite(), x == 0.0)
}

fn exp(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    if let Value::Numeric(n) = &args[0] {
        return Ok(Value::Numeric(n.exp()?));
    }
    let x = float(&args[0]);
    if x.is_nan() {
        return f8(x);
    }
    if x.is_infinite() {
        return f8(if x > 0.0 { x } else { 0.0 });
    }
    check(x.exp(), false, false)
}

fn ln(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    if let Value::Numeric(n) = &args[0] {
        return Ok(Value::Numeric(n.ln()?));
    }
    let x = float(&args[0]);
    if let Some(e) = log_error(x) {
        return Err(e);
    }
    check(x.ln(), x.is_infinite(), x == 1.0)
}

fn log10(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    if let Value::Numeric(n) = &args[0] {
        return Ok(Value::Numeric(n.log10()?));
    }
    let x = float(&args[0]);
    if let Some(e) = log_error(x) {
        return Err(e);
    }
    check(x.log10(), x.is_infinite(), x == 1.0)
}

/// `log(base, x)` (numeric only, as in PostgreSQL).
fn log_base(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Numeric(numeric(&args[0]).log(&numeric(&args[1]))?))
}

fn pi(_: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    f8(std::f64::consts::PI)
}

fn degrees(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let x = float(&args[0]);
    check(x / (std::f64::consts::PI / 180.0), x.is_infinite(), true)
}

fn radians(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let x = float(&args[0]);
    check(x * (std::f64::consts::PI / 180.0), x.is_infinite(), true)
}

/// sin/cos/tan: NaN passes, infinities are out of range.
fn periodic(args: Args, f: fn(f64) -> f64) -> SqlResult<Value> {
    let x = float(&args[0]);
    if x.is_nan() {
        return f8(x);
    }
    if x.is_infinite() {
        return Err(out_of_range());
    }
    check(f(x), false, true)
}

/// asin/acos: the input must lie in [-1, 1].
fn arc(args: Args, f: fn(f64) -> f64) -> SqlResult<Value> {
    let x = float(&args[0]);
    if x.is_nan() {
        return f8(x);
    }
    if !(-1.0..=1.0).contains(&x) {
        return Err(out_of_range());
    }
    check(f(x), false, true)
}

fn cot(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let x = float(&args[0]);
    if x.is_nan() {
        return f8(x);
    }
    if x.is_infinite() {
        return Err(out_of_range());
    }
    // cot(0) is Infinity, not an overflow.
    check(1.0 / x.tan(), true, true)
}

fn atan(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    check(float(&args[0]).atan(), false, true)
}

fn atan2(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    check(float(&args[0]).atan2(float(&args[1])), false, true)
}

fn sinh(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    f8(float(&args[0]).sinh())
}

fn cosh(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    f8(float(&args[0]).cosh())
}

fn tanh(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    f8(float(&args[0]).tanh())
}

fn asinh(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    f8(float(&args[0]).asinh())
}

fn acosh(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let x = float(&args[0]);
    if x < 1.0 {
        return Err(out_of_range());
    }
    f8(x.acosh())
}

fn atanh(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let x = float(&args[0]);
    if x.is_nan() {
        return f8(x);
    }
    if !(-1.0..=1.0).contains(&x) {
        return Err(out_of_range());
    }
    f8(if x == 1.0 {
        f64::INFINITY
    } else if x == -1.0 {
        f64::NEG_INFINITY
    } else {
        x.atanh()
    })
}

// PostgreSQL's degree-based trigonometry: compute in the first quadrant and scale by the
// library's own value at a special angle, so 30, 45, 60 and 90 degrees come out exact.
const RADIANS_PER_DEGREE: f64 = 0.017_453_292_519_943_295;

fn sin_30() -> f64 {
    (30.0 * RADIANS_PER_DEGREE).sin()
}

fn one_minus_cos_60() -> f64 {
    1.0 - (60.0 * RADIANS_PER_DEGREE).cos()
}

fn sind_0_to_30(x: f64) -> f64 {
    ((x * RADIANS_PER_DEGREE).sin() / sin_30()) / 2.0
}

fn cosd_0_to_60(x: f64) -> f64 {
    let one_minus_cos_x = 1.0 - (x * RADIANS_PER_DEGREE).cos();
    1.0 - (one_minus_cos_x / one_minus_cos_60()) / 2.0
}

fn sind_q1(x: f64) -> f64 {
    if x <= 30.0 {
        sind_0_to_30(x)
    } else {
        cosd_0_to_60(90.0 - x)
    }
}

fn cosd_q1(x: f64) -> f64 {
    if x <= 60.0 {
        cosd_0_to_60(x)
    } else {
        sind_0_to_30(90.0 - x)
    }
}

/// Reduces degrees to [0, 90]; returns the reduced angle and the sign for sin (`odd`) or
/// the sign pattern of cos/tan.
fn reduce(x: f64, kind: char) -> SqlResult<(f64, f64)> {
    if x.is_infinite() {
        return Err(out_of_range());
    }
    let mut a = x % 360.0;
    let mut sign = 1.0;
    if a < 0.0 {
        a = -a;
        if kind != 'c' {
            sign = -sign;
        }
    }
    if a > 180.0 {
        a = 360.0 - a;
        if kind != 'c' {
            sign = -sign;
        }
    }
    if a > 90.0 {
        a = 180.0 - a;
        if kind != 's' {
            sign = -sign;
        }
    }
    Ok((a, sign))
}

fn degree_fn(args: Args, kind: char) -> SqlResult<Value> {
    let x = float(&args[0]);
    if x.is_nan() {
        return f8(x);
    }
    let (a, sign) = reduce(x, kind)?;
    let r = match kind {
        's' => sign * sind_q1(a),
        'c' => sign * cosd_q1(a),
        't' => {
            let tan_45 = sind_q1(45.0) / cosd_q1(45.0);
            sign * ((sind_q1(a) / cosd_q1(a)) / tan_45)
        }
        _ => {
            let cot_45 = cosd_q1(45.0) / sind_q1(45.0);
            sign * ((cosd_q1(a) / sind_q1(a)) / cot_45)
        }
    };
    // tand(180) could be -0; PostgreSQL forces plain zero. tand(90) is Infinity.
    let r = if r == 0.0 { 0.0 } else { r };
    if r.is_infinite() && matches!(kind, 's' | 'c') {
        return Err(overflow_error());
    }
    f8(r)
}

fn asind_q1(x: f64) -> f64 {
    if x <= 0.5 {
        (x.asin() / 0.5f64.asin()) * 30.0
    } else {
        90.0 - (x.acos() / 0.5f64.acos()) * 60.0
    }
}

fn acosd_q1(x: f64) -> f64 {
    if x <= 0.5 {
        90.0 - (x.asin() / 0.5f64.asin()) * 30.0
    } else {
        (x.acos() / 0.5f64.acos()) * 60.0
    }
}

fn arc_degrees(args: Args, asin: bool) -> SqlResult<Value> {
    let x = float(&args[0]);
    if x.is_nan() {
        return f8(x);
    }
    if !(-1.0..=1.0).contains(&x) {
        return Err(out_of_range());
    }
    let r = match (asin, x >= 0.0) {
        (true, true) => asind_q1(x),
        (true, false) => -asind_q1(-x),
        (false, true) => acosd_q1(x),
        (false, false) => 90.0 + asind_q1(-x),
    };
    check(r, false, true)
}

fn atand(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let x = float(&args[0]);
    if x.is_nan() {
        return f8(x);
    }
    check((x.atan() / 1f64.atan()) * 45.0, false, true)
}

fn atan2d(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let (y, x) = (float(&args[0]), float(&args[1]));
    if y.is_nan() || x.is_nan() {
        return f8(f64::NAN);
    }
    check((y.atan2(x) / 1f64.atan()) * 45.0, false, true)
}

pub(super) fn register(r: &mut Registry) {
    use DataType as T;
    let num = || T::Numeric(None);
    for name in ["power", "pow"] {
        r.exact(name, &[T::Float8, T::Float8], T::Float8, power);
        r.exact(name, &[num(), num()], num(), power);
    }
    for (name, f) in [
        ("sqrt", sqrt as ScalarImpl),
        ("exp", exp),
        ("ln", ln),
        ("log", log10),
        ("log10", log10),
    ] {
        r.exact(name, &[T::Float8], T::Float8, f);
        r.exact(name, &[num()], num(), f);
    }
    r.exact("log", &[num(), num()], num(), log_base);
    r.exact("cbrt", &[T::Float8], T::Float8, cbrt);
    r.exact("pi", &[], T::Float8, pi);
    let unary: [(&'static str, ScalarImpl); 21] = [
        ("degrees", degrees),
        ("radians", radians),
        ("sin", |a, _, _| periodic(a, f64::sin)),
        ("cos", |a, _, _| periodic(a, f64::cos)),
        ("tan", |a, _, _| periodic(a, f64::tan)),
        ("cot", cot),
        ("asin", |a, _, _| arc(a, f64::asin)),
        ("acos", |a, _, _| arc(a, f64::acos)),
        ("atan", atan),
        ("sinh", sinh),
        ("cosh", cosh),
        ("tanh", tanh),
        ("asinh", asinh),
        ("acosh", acosh),
        ("atanh", atanh),
        ("sind", |a, _, _| degree_fn(a, 's')),
        ("cosd", |a, _, _| degree_fn(a, 'c')),
        ("tand", |a, _, _| degree_fn(a, 't')),
        ("cotd", |a, _, _| degree_fn(a, 'o')),
        ("asind", |a, _, _| arc_degrees(a, true)),
        ("acosd", |a, _, _| arc_degrees(a, false)),
    ];
    for (name, f) in unary {
        r.exact(name, &[T::Float8], T::Float8, f);
    }
    r.exact("atand", &[T::Float8], T::Float8, atand);
    r.exact("atan2", &[T::Float8, T::Float8], T::Float8, atan2);
    r.exact("atan2d", &[T::Float8, T::Float8], T::Float8, atan2d);
}
