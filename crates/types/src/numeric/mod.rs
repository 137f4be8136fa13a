//! PostgreSQL's arbitrary-precision `numeric`: the value type, its text form (`numeric_in` /
//! `numeric_out`), comparison and hashing, conversions to and from integers and floats, and
//! `numeric(p, s)` typmod application.
//!
//! Representation: a finite value is `mant / 10^scale` with `mant` a `num_bigint::BigInt` and
//! `scale` PostgreSQL's *display scale* (dscale, always >= 0). Keeping the dscale is what makes
//! `1.50` print as `1.50`; numerically equal values with different scales compare and hash equal.
//! PostgreSQL stores base-10000 digits, and a few of its scale rules (division, ln) look at those
//! digits; [`Numeric::nbase_head`] derives them from the decimal form so the rules stay exact.
//! NaN, Infinity and -Infinity are the special values of PostgreSQL 14+.
//!
//! Arithmetic lives in `arith.rs`, transcendental functions in `transcendental.rs`.

mod arith;
mod transcendental;

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use num_bigint::{BigInt, Sign};
use num_integer::Integer;
use num_traits::{Signed, ToPrimitive, Zero};

use crate::datatype::NumericTypmod;
use crate::error::{SqlError, SqlResult, SqlState};

/// `NUMERIC_MAX_DISPLAY_SCALE`: the largest scale a computed result chooses by itself.
pub const MAX_DISPLAY_SCALE: i64 = 1000;
/// `NUMERIC_MIN_SIG_DIGITS`: significant digits division and the math functions aim for.
pub const MIN_SIG_DIGITS: i64 = 16;
/// `NUMERIC_MAX_RESULT_SCALE`.
pub const MAX_RESULT_SCALE: i64 = 2000;
/// `NUMERIC_DSCALE_MAX`: the largest display scale that can be stored.
pub const DSCALE_MAX: u32 = 16383;
/// Decimal digits allowed before the decimal point ((NUMERIC_WEIGHT_MAX + 1) * DEC_DIGITS).
pub const MAX_INT_DIGITS: i64 = 131072;
/// `NUMERIC_MAX_PRECISION`: the largest precision of `numeric(p, s)` and the largest exponent
/// `numeric_in` accepts.
pub const MAX_PRECISION: i64 = 1000;

#[derive(Clone)]
pub(crate) enum Kind {
    NaN,
    PosInf,
    NegInf,
    Finite { mant: BigInt, scale: u32 },
}

/// An arbitrary-precision decimal with PostgreSQL `numeric` semantics.
#[derive(Clone)]
pub struct Numeric {
    pub(crate) kind: Kind,
}

pub(crate) fn pow10(n: u32) -> BigInt {
    BigInt::from(10u32).pow(n)
}

pub(crate) fn overflow_error() -> SqlError {
    SqlError::new(
        SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
        "value overflows numeric format",
    )
}

/// Number of decimal digits of |m| (0 for zero).
pub(crate) fn digit_count(m: &BigInt) -> u64 {
    if m.is_zero() {
        return 0;
    }
    // Estimate from the bit length, then correct by comparing with a power of ten.
    let bits = m.bits();
    let est = ((bits as f64 - 1.0) * std::f64::consts::LOG10_2).floor() as u64 + 1;
    let mag = m.abs();
    let mut d = est.max(1);
    while d > 1 && mag < pow10((d - 1) as u32) {
        d -= 1;
    }
    while mag >= pow10(d as u32) {
        d += 1;
    }
    d
}

/// Rounds `mant / 10^from` to `to` decimals (to < from), half away from zero.
pub(crate) fn round_mant(mant: &BigInt, from: u32, to: u32) -> BigInt {
    if to >= from {
        return mant * pow10(to - from);
    }
    let div = pow10(from - to);
    let (q, r) = mant.div_rem(&div);
    let twice = r.abs() * 2u32;
    if twice >= div {
        if mant.is_negative() { q - 1 } else { q + 1 }
    } else {
        q
    }
}

impl Numeric {
    pub fn nan() -> Numeric {
        Numeric { kind: Kind::NaN }
    }

    pub fn infinity() -> Numeric {
        Numeric { kind: Kind::PosInf }
    }

    pub fn neg_infinity() -> Numeric {
        Numeric { kind: Kind::NegInf }
    }

    pub fn zero() -> Numeric {
        Numeric::from_i64(0)
    }

    pub fn from_i64(v: i64) -> Numeric {
        Numeric {
            kind: Kind::Finite {
                mant: BigInt::from(v),
                scale: 0,
            },
        }
    }

    pub fn from_i128(v: i128) -> Numeric {
        Numeric {
            kind: Kind::Finite {
                mant: BigInt::from(v),
                scale: 0,
            },
        }
    }

    /// `mant / 10^scale` with display scale `scale`.
    pub fn from_parts(mant: BigInt, scale: u32) -> Numeric {
        Numeric {
            kind: Kind::Finite { mant, scale },
        }
    }

    /// The unscaled integer and display scale of a finite value.
    pub fn mantissa_scale(&self) -> Option<(&BigInt, u32)> {
        match &self.kind {
            Kind::Finite { mant, scale } => Some((mant, *scale)),
            _ => None,
        }
    }

    pub fn is_nan(&self) -> bool {
        matches!(self.kind, Kind::NaN)
    }

    pub fn is_infinite(&self) -> bool {
        matches!(self.kind, Kind::PosInf | Kind::NegInf)
    }

    pub fn is_finite(&self) -> bool {
        matches!(self.kind, Kind::Finite { .. })
    }

    pub fn is_zero(&self) -> bool {
        matches!(&self.kind, Kind::Finite { mant, .. } if mant.is_zero())
    }

    /// -1, 0 or 1 (NaN reports 0, as PostgreSQL's `sign(NaN)` is NaN and callers check first).
    pub fn signum(&self) -> i32 {
        match &self.kind {
            Kind::NaN => 0,
            Kind::PosInf => 1,
            Kind::NegInf => -1,
            Kind::Finite { mant, .. } => match mant.sign() {
                Sign::Minus => -1,
                Sign::NoSign => 0,
                Sign::Plus => 1,
            },
        }
    }

    /// `scale(numeric)`: the display scale; `None` for NaN and the infinities.
    pub fn scale(&self) -> Option<u32> {
        match &self.kind {
            Kind::Finite { scale, .. } => Some(*scale),
            _ => None,
        }
    }

    /// True for finite values with no fractional part.
    pub fn is_integral(&self) -> bool {
        match &self.kind {
            Kind::Finite { mant, scale } => (mant % pow10(*scale)).is_zero(),
            _ => false,
        }
    }

    /// An estimate of the heap memory the value holds.
    pub fn heap_size_bytes(&self) -> usize {
        match &self.kind {
            Kind::Finite { mant, .. } => (mant.bits() as usize).div_ceil(64) * 8,
            _ => 0,
        }
    }

    /// Checks the result of a computation against numeric's storage limits.
    pub(crate) fn checked(mant: BigInt, scale: u32) -> SqlResult<Numeric> {
        let (mant, scale) = if scale > DSCALE_MAX {
            (round_mant(&mant, scale, DSCALE_MAX), DSCALE_MAX)
        } else {
            (mant, scale)
        };
        // Cheap bound first: only count digits when the bit length says it might be too big.
        let approx = mant.bits() as f64 * std::f64::consts::LOG10_2 - f64::from(scale);
        if approx > (MAX_INT_DIGITS - 2) as f64 {
            let int_digits = digit_count(&mant) as i64 - i64::from(scale);
            if int_digits > MAX_INT_DIGITS {
                return Err(overflow_error());
            }
        }
        Ok(Numeric {
            kind: Kind::Finite { mant, scale },
        })
    }

    /// PostgreSQL's `numeric_in`.
    pub fn parse(input: &str) -> SqlResult<Numeric> {
        let bad = || SqlError::invalid_text("numeric", input);
        let s = input.trim_matches(|c: char| c.is_ascii_whitespace());
        if s.is_empty() {
            return Err(bad());
        }
        let lower = s.to_ascii_lowercase();
        match lower.as_str() {
            "nan" => return Ok(Numeric::nan()),
            "infinity" | "+infinity" | "inf" | "+inf" => return Ok(Numeric::infinity()),
            "-infinity" | "-inf" => return Ok(Numeric::neg_infinity()),
            _ => {}
        }
        let bytes = s.as_bytes();
        let mut i = 0;
        let mut negative = false;
        if bytes[0] == b'+' || bytes[0] == b'-' {
            negative = bytes[0] == b'-';
            i = 1;
        }
        let mut digits = String::new();
        let mut frac_digits: i64 = 0;
        let mut seen_point = false;
        let mut any_digit = false;
        while i < bytes.len() {
            let c = bytes[i];
            if c.is_ascii_digit() {
                digits.push(c as char);
                any_digit = true;
                if seen_point {
                    frac_digits += 1;
                }
            } else if c == b'.' && !seen_point {
                seen_point = true;
            } else {
                break;
            }
            i += 1;
        }
        if !any_digit {
            return Err(bad());
        }
        let mut exponent: i64 = 0;
        if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
            i += 1;
            let mut exp_neg = false;
            if i < bytes.len() && (bytes[i] == b'+' || bytes[i] == b'-') {
                exp_neg = bytes[i] == b'-';
                i += 1;
            }
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                exponent = exponent
                    .saturating_mul(10)
                    .saturating_add(i64::from(bytes[i] - b'0'));
                i += 1;
            }
            if i == start {
                return Err(bad());
            }
            // Anything this large overflows numeric's range anyway.
            if exponent > 1_000_000 {
                return Err(overflow_error());
            }
            if exp_neg {
                exponent = -exponent;
            }
        }
        if i != bytes.len() {
            return Err(bad());
        }
        let mut mant: BigInt = digits.parse().map_err(|_| bad())?;
        if negative {
            mant = -mant;
        }
        // value = mant * 10^(exponent - frac_digits); dscale = max(frac_digits - exponent, 0).
        let shift = exponent - frac_digits;
        let int_digits = digits.trim_start_matches('0').len() as i64 + shift;
        if int_digits > MAX_INT_DIGITS || -shift > i64::from(DSCALE_MAX) {
            return Err(overflow_error());
        }
        let (mant, scale) = if shift >= 0 {
            (mant * pow10(shift as u32), 0u32)
        } else {
            (mant, (-shift) as u32)
        };
        if i64::from(scale) > i64::from(DSCALE_MAX) {
            return Err(overflow_error());
        }
        Numeric::checked(mant, scale)
    }

    /// Appends `numeric_out`'s text.
    pub fn write_text(&self, out: &mut String) {
        match &self.kind {
            Kind::NaN => out.push_str("NaN"),
            Kind::PosInf => out.push_str("Infinity"),
            Kind::NegInf => out.push_str("-Infinity"),
            Kind::Finite { mant, scale } => {
                if mant.is_negative() {
                    out.push('-');
                }
                let digits = mant.magnitude().to_string();
                let scale = *scale as usize;
                if scale == 0 {
                    out.push_str(&digits);
                } else if digits.len() > scale {
                    let (int, frac) = digits.split_at(digits.len() - scale);
                    out.push_str(int);
                    out.push('.');
                    out.push_str(frac);
                } else {
                    out.push_str("0.");
                    out.extend(std::iter::repeat_n('0', scale - digits.len()));
                    out.push_str(&digits);
                }
            }
        }
    }

    /// Scientific notation as `to_char(..., '9.99EEEE')` and `%e` need: the decimal digits of
    /// |value| with trailing zeros removed and the decimal exponent of the first digit.
    pub(crate) fn sci_parts(&self) -> Option<(bool, String, i64)> {
        match &self.kind {
            Kind::Finite { mant, scale } => {
                if mant.is_zero() {
                    return Some((false, "0".to_string(), 0));
                }
                let digits = mant.magnitude().to_string();
                let exp = digits.len() as i64 - 1 - i64::from(*scale);
                let trimmed = digits.trim_end_matches('0').to_string();
                Some((mant.is_negative(), trimmed, exp))
            }
            _ => None,
        }
    }

    /// The base-10000 weight and the first two base-10000 digits of |value|, as PostgreSQL's
    /// NumericVar would hold them (weight 0, digits 0 for zero). Some scale rules use them.
    pub(crate) fn nbase_head(&self) -> (i64, i64, Option<i64>) {
        let Kind::Finite { mant, scale } = &self.kind else {
            return (0, 0, None);
        };
        if mant.is_zero() {
            return (0, 0, None);
        }
        let digits = mant.magnitude().to_string();
        let trimmed_len = digits.trim_end_matches('0').len();
        // Decimal exponent of the leading digit.
        let e = digits.len() as i64 - 1 - i64::from(*scale);
        let weight = e.div_euclid(4);
        let lead = (e.rem_euclid(4) + 1) as usize;
        let take = |from: usize, n: usize| -> i64 {
            let mut v = 0i64;
            for k in from..from + n {
                let d = digits.as_bytes().get(k).map_or(0, |b| i64::from(b - b'0'));
                v = v * 10 + d;
            }
            v
        };
        let first = take(0, lead);
        // A second NBASE digit exists if any nonzero decimal digit follows the first group.
        let second = if trimmed_len > lead {
            Some(take(lead, 4))
        } else {
            None
        };
        (weight, first, second)
    }

    /// PostgreSQL's float8 conversion of the value (via its text form, as `numeric_float8`).
    pub fn to_f64(&self) -> f64 {
        match &self.kind {
            Kind::NaN => f64::NAN,
            Kind::PosInf => f64::INFINITY,
            Kind::NegInf => f64::NEG_INFINITY,
            Kind::Finite { .. } => self.to_string().parse::<f64>().unwrap_or(f64::NAN),
        }
    }

    /// `float8::numeric`: PostgreSQL prints the float with 15 significant digits and parses
    /// that, so `0.1::float8::numeric` is exactly `0.1`.
    pub fn from_f64(v: f64) -> Numeric {
        Numeric::from_float_digits(v, 15)
    }

    /// `float4::numeric`, with 6 significant digits.
    pub fn from_f32(v: f32) -> Numeric {
        Numeric::from_float_digits(f64::from(v), 6)
    }

    fn from_float_digits(v: f64, digits: usize) -> Numeric {
        if v.is_nan() {
            return Numeric::nan();
        }
        if v.is_infinite() {
            return if v > 0.0 {
                Numeric::infinity()
            } else {
                Numeric::neg_infinity()
            };
        }
        let text = crate::float::format_g(v, digits);
        Numeric::parse(&text).unwrap_or_else(|_| Numeric::zero())
    }

    /// Rounds to an integer, half away from zero; `None` for NaN, infinities or values
    /// outside i64.
    pub fn to_i64_rounded(&self) -> Option<i64> {
        match &self.kind {
            Kind::Finite { mant, scale } => round_mant(mant, *scale, 0).to_i64(),
            _ => None,
        }
    }

    /// `numeric::int2/int4/int8`: round half away from zero with PostgreSQL's errors.
    /// `type_name` is `smallint`, `integer` or `bigint`; `min`/`max` the range.
    pub fn to_int_checked(&self, type_name: &str, min: i64, max: i64) -> SqlResult<i64> {
        match &self.kind {
            Kind::NaN => Err(SqlError::not_supported(format!(
                "cannot convert NaN to {type_name}"
            ))),
            Kind::PosInf | Kind::NegInf => Err(SqlError::not_supported(format!(
                "cannot convert infinity to {type_name}"
            ))),
            Kind::Finite { .. } => match self.to_i64_rounded() {
                Some(v) if v >= min && v <= max => Ok(v),
                _ => Err(SqlError::out_of_range(type_name)),
            },
        }
    }

    /// `numeric(p, s)` coercion: round to the scale and check the precision.
    pub fn apply_typmod(&self, typmod: NumericTypmod) -> SqlResult<Numeric> {
        let precision = i64::from(typmod.precision);
        let scale = i64::from(typmod.scale);
        match &self.kind {
            Kind::NaN => Ok(self.clone()),
            Kind::PosInf | Kind::NegInf => Err(SqlError::new(
                SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
                "numeric field overflow",
            )
            .with_detail(format!(
                "A field with precision {precision}, scale {scale} cannot hold an infinite value."
            ))),
            Kind::Finite { mant, scale: cur } => {
                let (rounded, new_scale) = if scale >= 0 {
                    (round_mant(mant, *cur, scale as u32), scale as u32)
                } else {
                    // Negative scale: round to a multiple of 10^-scale in one step (no double
                    // rounding), display scale 0.
                    let k = (-scale) as u32;
                    (round_mant(mant, *cur + k, 0) * pow10(k), 0)
                };
                let maxdigits = precision - scale;
                if !rounded.is_zero() {
                    let int_digits = digit_count(&rounded) as i64 - i64::from(new_scale);
                    if int_digits > maxdigits {
                        let limit = if maxdigits != 0 {
                            format!("10^{maxdigits}")
                        } else {
                            "1".to_string()
                        };
                        return Err(SqlError::new(
                            SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
                            "numeric field overflow",
                        )
                        .with_detail(format!(
                            "A field with precision {precision}, scale {scale} must round to an absolute value less than {limit}."
                        )));
                    }
                }
                Ok(Numeric::from_parts(rounded, new_scale))
            }
        }
    }

    /// The value with trailing fractional zeros removed (`trim_scale`).
    pub fn trim_scale(&self) -> Numeric {
        match &self.kind {
            Kind::Finite { mant, scale } => {
                let mut m = mant.clone();
                let mut s = *scale;
                let ten = BigInt::from(10);
                while s > 0 && !m.is_zero() && (&m % &ten).is_zero() {
                    m /= &ten;
                    s -= 1;
                }
                if m.is_zero() {
                    s = 0;
                }
                Numeric::from_parts(m, s)
            }
            _ => self.clone(),
        }
    }

    /// `min_scale(numeric)`.
    pub fn min_scale(&self) -> Option<u32> {
        self.trim_scale().scale()
    }

    /// A canonical form for hashing and key encoding: the stripped digits and the decimal
    /// exponent such that value = digits * 10^exp, digits with no trailing zeros (zero is
    /// `(0, 0)`).
    pub(crate) fn normalized(&self) -> Option<(BigInt, i64)> {
        let Kind::Finite { mant, scale } = &self.kind else {
            return None;
        };
        if mant.is_zero() {
            return Some((BigInt::zero(), 0));
        }
        if let Some(mut small) = mant.to_i128() {
            let mut exp = -i64::from(*scale);
            while small % 10 == 0 {
                small /= 10;
                exp += 1;
            }
            return Some((BigInt::from(small), exp));
        }
        let mut m = mant.clone();
        let mut exp = -i64::from(*scale);
        // Strip in chunks of 10^4 first for speed on large values.
        let ten4 = BigInt::from(10_000);
        loop {
            let (q, r) = m.div_rem(&ten4);
            if r.is_zero() {
                m = q;
                exp += 4;
            } else {
                break;
            }
        }
        let ten = BigInt::from(10);
        loop {
            let (q, r) = m.div_rem(&ten);
            if r.is_zero() {
                m = q;
                exp += 1;
            } else {
                break;
            }
        }
        Some((m, exp))
    }

    fn rank(&self) -> u8 {
        match self.kind {
            Kind::NegInf => 0,
            Kind::Finite { .. } => 1,
            Kind::PosInf => 2,
            Kind::NaN => 3,
        }
    }
}

impl fmt::Display for Numeric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        self.write_text(&mut s);
        f.write_str(&s)
    }
}

impl fmt::Debug for Numeric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Numeric({self})")
    }
}

impl std::str::FromStr for Numeric {
    type Err = SqlError;
    fn from_str(s: &str) -> SqlResult<Numeric> {
        Numeric::parse(s)
    }
}

impl From<i64> for Numeric {
    fn from(v: i64) -> Numeric {
        Numeric::from_i64(v)
    }
}

impl From<i32> for Numeric {
    fn from(v: i32) -> Numeric {
        Numeric::from_i64(i64::from(v))
    }
}

/// PostgreSQL's numeric ordering: -Infinity < finite values < Infinity < NaN, with NaN equal to
/// itself; finite values compare by value regardless of display scale.
impl Ord for Numeric {
    fn cmp(&self, other: &Numeric) -> Ordering {
        match (&self.kind, &other.kind) {
            (Kind::Finite { mant: a, scale: sa }, Kind::Finite { mant: b, scale: sb }) => {
                if sa == sb {
                    a.cmp(b)
                } else if sa < sb {
                    (a * pow10(sb - sa)).cmp(b)
                } else {
                    a.cmp(&(b * pow10(sa - sb)))
                }
            }
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl PartialOrd for Numeric {
    fn partial_cmp(&self, other: &Numeric) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Numeric {
    fn eq(&self, other: &Numeric) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Numeric {}

/// Agrees with `Eq`: values are hashed in normalized form, and integral values that fit in
/// an i64 hash exactly as [`crate::compare`] hashes integers, so `Int4(1)` and numeric `1.00`
/// collide as they compare equal.
impl Hash for Numeric {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self.normalized() {
            Some((m, exp)) => {
                if (0..=18).contains(&exp)
                    && let Some(v) = (m.clone() * pow10(exp as u32)).to_i64()
                {
                    crate::compare::hash_integer(v, state);
                    return;
                }
                state.write_u8(2);
                m.hash(state);
                exp.hash(state);
            }
            None => {
                state.write_u8(3);
                self.rank().hash(state);
            }
        }
    }
}

#[cfg(test)]
mod tests;
