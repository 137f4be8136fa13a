//! float4/float8 text I/O and arithmetic checks as PostgreSQL 12+ does them: shortest
//! round-trip output (`1e+15`, `1.5e-05`), the old `%.*g` output when `extra_float_digits <= 0`,
//! `float8in`'s accepted spellings and range errors, and overflow/underflow on arithmetic.

use crate::error::{SqlError, SqlResult, SqlState};

/// `DBL_DIG` / `FLT_DIG`: where the shortest output switches to exponent notation.
const DBL_DIG: i32 = 15;
const FLT_DIG: i32 = 6;

pub fn overflow_error() -> SqlError {
    SqlError::new(
        SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
        "value out of range: overflow",
    )
}

pub fn underflow_error() -> SqlError {
    SqlError::new(
        SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
        "value out of range: underflow",
    )
}

/// Splits Rust's `{:e}` rendering ("-1.25e-7") into sign, digits and decimal exponent.
fn split_sci(s: &str) -> (bool, String, i32) {
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    (neg, digits, exp.parse().unwrap_or(0))
}

/// Lays out significant digits with decimal exponent `exp` as C's `%g` would.
fn layout(neg: bool, digits: &str, exp: i32, exp_threshold: i32, out: &mut String) {
    if neg {
        out.push('-');
    }
    if exp < -4 || exp >= exp_threshold {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let a = exp.unsigned_abs();
        if a < 10 {
            out.push('0');
        }
        out.push_str(&a.to_string());
    } else if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(digits);
    } else {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            out.push_str(digits);
            for _ in digits.len()..int_len {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    }
}

fn special(v: f64, out: &mut String) -> bool {
    if v.is_nan() {
        out.push_str("NaN");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "Infinity" } else { "-Infinity" });
    } else {
        return false;
    }
    true
}

/// C's `%.{precision}g`.
pub fn format_g(v: f64, precision: usize) -> String {
    let mut out = String::new();
    if special(v, &mut out) {
        return out;
    }
    let precision = precision.max(1);
    let sci = format!("{:.*e}", precision - 1, v);
    let (neg, digits, exp) = split_sci(&sci);
    let trimmed = digits.trim_end_matches('0');
    let trimmed = if trimmed.is_empty() { "0" } else { trimmed };
    layout(neg, trimmed, exp, precision as i32, &mut out);
    out
}

/// `float8out`.
pub fn format_f64(v: f64, extra_float_digits: i32, out: &mut String) {
    if special(v, out) {
        return;
    }
    if extra_float_digits > 0 {
        let (neg, digits, exp) = split_sci(&format!("{v:e}"));
        layout(neg, &digits, exp, DBL_DIG, out);
    } else {
        out.push_str(&format_g(v, (DBL_DIG + extra_float_digits).max(1) as usize));
    }
}

/// `float4out`.
pub fn format_f32(v: f32, extra_float_digits: i32, out: &mut String) {
    if special(f64::from(v), out) {
        return;
    }
    if extra_float_digits > 0 {
        let (neg, digits, exp) = split_sci(&format!("{v:e}"));
        layout(neg, &digits, exp, FLT_DIG, out);
    } else {
        out.push_str(&format_g(
            f64::from(v),
            (FLT_DIG + extra_float_digits).max(1) as usize,
        ));
    }
}

/// True if the numeric literal has a nonzero digit in its mantissa (so a zero result means
/// underflow).
fn has_nonzero_mantissa(s: &str) -> bool {
    for c in s.chars() {
        match c {
            '1'..='9' => return true,
            'e' | 'E' => return false,
            _ => {}
        }
    }
    false
}

fn is_plain_number(s: &str) -> bool {
    // Rust's parser also accepts "inf"/"nan"; everything else it accepts is a decimal literal.
    let t = s.trim_start_matches(['+', '-']);
    t.starts_with(|c: char| c.is_ascii_digit() || c == '.')
}

/// C's `strtod` also reads hexadecimal floats (`0x1.8p3`); PostgreSQL inherits that.
fn parse_hex_float(s: &str) -> Option<f64> {
    let (neg, t) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let t = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X"))?;
    let (mant, exp) = match t.find(['p', 'P']) {
        Some(i) => (&t[..i], t[i + 1..].parse::<i32>().ok()?),
        None => (t, 0),
    };
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut v = 0f64;
    for c in int.chars() {
        v = v * 16.0 + f64::from(c.to_digit(16)?);
    }
    let mut scale = 1.0 / 16.0;
    for c in frac.chars() {
        v += f64::from(c.to_digit(16)?) * scale;
        scale /= 16.0;
    }
    let v = v * 2f64.powi(exp.clamp(-2000, 2000));
    Some(if neg { -v } else { v })
}

/// `float8in`.
pub fn parse_f64(input: &str) -> SqlResult<f64> {
    let s = input.trim_matches(|c: char| c.is_ascii_whitespace());
    if let Some(v) = parse_hex_float(s) {
        if v.is_infinite() {
            return Err(SqlError::new(
                SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
                format!("\"{input}\" is out of range for type double precision"),
            ));
        }
        return Ok(v);
    }
    let v: f64 = s
        .parse()
        .map_err(|_| SqlError::invalid_text("double precision", input))?;
    if is_plain_number(s) && (v.is_infinite() || (v == 0.0 && has_nonzero_mantissa(s))) {
        return Err(SqlError::new(
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
            format!("\"{input}\" is out of range for type double precision"),
        ));
    }
    Ok(v)
}

/// `float4in`.
pub fn parse_f32(input: &str) -> SqlResult<f32> {
    let s = input.trim_matches(|c: char| c.is_ascii_whitespace());
    let v: f32 = s
        .parse()
        .map_err(|_| SqlError::invalid_text("real", input))?;
    if is_plain_number(s) && (v.is_infinite() || (v == 0.0 && has_nonzero_mantissa(s))) {
        return Err(SqlError::new(
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
            format!("\"{input}\" is out of range for type real"),
        ));
    }
    Ok(v)
}

/// Result checks of `float8pl`/`float8mi`/`float8mul`: overflow when finite inputs give an
/// infinity, underflow when nonzero inputs give zero (multiplication and division only).
pub fn check_f64(result: f64, a: f64, b: f64, zero_check: bool) -> SqlResult<f64> {
    if result.is_infinite() && a.is_finite() && b.is_finite() {
        return Err(overflow_error());
    }
    if zero_check && result == 0.0 && a != 0.0 && b != 0.0 && b.is_finite() {
        return Err(underflow_error());
    }
    Ok(result)
}

pub fn check_f32(result: f32, a: f32, b: f32, zero_check: bool) -> SqlResult<f32> {
    if result.is_infinite() && a.is_finite() && b.is_finite() {
        return Err(overflow_error());
    }
    if zero_check && result == 0.0 && a != 0.0 && b != 0.0 && b.is_finite() {
        return Err(underflow_error());
    }
    Ok(result)
}

/// float8 → float4 (`dtof`): overflow and underflow are errors.
pub fn f64_to_f32(v: f64) -> SqlResult<f32> {
    let r = v as f32;
    if r.is_infinite() && v.is_finite() {
        return Err(overflow_error());
    }
    if r == 0.0 && v != 0.0 {
        return Err(underflow_error());
    }
    Ok(r)
}

/// float → integer as PostgreSQL: round half to even (`rint`), then range-check.
pub fn f64_to_int(v: f64, type_name: &str, min: i64, max: i64) -> SqlResult<i64> {
    let r = v.round_ties_even();
    // Compare in floating point like PostgreSQL's FLOAT8_FITS_IN_INT64 macros.
    if r.is_nan() || r < min as f64 || r >= -(min as f64) || r > max as f64 {
        return Err(SqlError::out_of_range(type_name));
    }
    Ok(r as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f8(v: f64) -> String {
        let mut s = String::new();
        format_f64(v, 1, &mut s);
        s
    }

    fn f4(v: f32) -> String {
        let mut s = String::new();
        format_f32(v, 1, &mut s);
        s
    }

    #[test]
    fn shortest_output_matches_postgres() {
        assert_eq!(f8(1e15), "1e+15");
        assert_eq!(f8(1e14), "100000000000000");
        assert_eq!(f8(123456789012345678.0), "1.2345678901234568e+17");
        assert_eq!(f8(0.0001), "0.0001");
        assert_eq!(f8(0.00001), "1e-05");
        assert_eq!(f8(1.5e-5), "1.5e-05");
        assert_eq!(f8(-0.0), "-0");
        assert_eq!(f8(0.1), "0.1");
        assert_eq!(f8(f64::INFINITY), "Infinity");
        assert_eq!(f8(f64::NAN), "NaN");
        assert_eq!(f4(1e6), "1e+06");
        assert_eq!(f4(123456.0), "123456");
        assert_eq!(f4(1e-5), "1e-05");
        assert_eq!(f4(0.1), "0.1");
    }

    #[test]
    fn old_style_output() {
        let mut s = String::new();
        format_f64(1.0 / 3.0, 0, &mut s);
        assert_eq!(s, "0.333333333333333");
        s.clear();
        format_f64(1e15, 0, &mut s);
        assert_eq!(s, "1e+15");
        s.clear();
        format_f32(123456789.123, 0, &mut s);
        assert_eq!(s, "1.23457e+08");
        assert_eq!(format_g(1e20, 15), "1e+20");
        assert_eq!(format_g(0.1, 15), "0.1");
        assert_eq!(format_g(100.0, 15), "100");
    }

    #[test]
    fn input() {
        assert_eq!(parse_f64(" 1.5 ").ok(), Some(1.5));
        assert!(parse_f64("-INF").is_ok_and(|v| v == f64::NEG_INFINITY));
        assert!(parse_f64("nan").is_ok_and(f64::is_nan));
        let e = parse_f64("1e400")
            .err()
            .unwrap_or_else(|| SqlError::internal(""));
        assert_eq!(
            e.message,
            "\"1e400\" is out of range for type double precision"
        );
        assert!(parse_f64("1e-400").is_err());
        assert!(parse_f64("0e-400").is_ok());
        let e = parse_f64("abc")
            .err()
            .unwrap_or_else(|| SqlError::internal(""));
        assert_eq!(
            e.message,
            "invalid input syntax for type double precision: \"abc\""
        );
        assert!(parse_f32("1e50").is_err());
    }

    #[test]
    fn rint_conversion() {
        assert_eq!(
            f64_to_int(2.5, "integer", -(1 << 31), (1 << 31) - 1).ok(),
            Some(2)
        );
        assert_eq!(
            f64_to_int(3.5, "integer", -(1 << 31), (1 << 31) - 1).ok(),
            Some(4)
        );
        assert!(f64_to_int(f64::NAN, "integer", -(1 << 31), (1 << 31) - 1).is_err());
        assert!(f64_to_int(9.3e18, "bigint", i64::MIN, i64::MAX).is_err());
    }
}
