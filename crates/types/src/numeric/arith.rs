//! Exact numeric arithmetic with PostgreSQL's result scales and its rules for NaN and the
//! infinities: `+ - * / %`, integer division, negation, absolute value, rounding.

use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{Signed, Zero};

use super::{
    Kind, MAX_DISPLAY_SCALE, MAX_RESULT_SCALE, MIN_SIG_DIGITS, Numeric, pow10, round_mant,
};
use crate::error::{SqlError, SqlResult};

/// Aligns two finite values to the larger scale.
fn align(a: &BigInt, sa: u32, b: &BigInt, sb: u32) -> (BigInt, BigInt, u32) {
    if sa == sb {
        (a.clone(), b.clone(), sa)
    } else if sa < sb {
        (a * pow10(sb - sa), b.clone(), sb)
    } else {
        (a.clone(), b * pow10(sa - sb), sa)
    }
}

/// Divides rounding half away from zero.
pub(crate) fn div_round(n: &BigInt, d: &BigInt) -> BigInt {
    let (q, r) = n.div_rem(d);
    if (r.abs() * 2u32) >= d.abs() {
        if n.is_negative() != d.is_negative() {
            q - 1
        } else {
            q + 1
        }
    } else {
        q
    }
}

impl Numeric {
    pub fn neg(&self) -> Numeric {
        match &self.kind {
            Kind::NaN => Numeric::nan(),
            Kind::PosInf => Numeric::neg_infinity(),
            Kind::NegInf => Numeric::infinity(),
            Kind::Finite { mant, scale } => Numeric::from_parts(-mant, *scale),
        }
    }

    pub fn abs(&self) -> Numeric {
        match &self.kind {
            Kind::NegInf => Numeric::infinity(),
            Kind::Finite { mant, scale } => Numeric::from_parts(mant.abs(), *scale),
            _ => self.clone(),
        }
    }

    /// `sign(numeric)`: -1, 0 or 1 with scale 0; NaN for NaN.
    pub fn sign(&self) -> Numeric {
        if self.is_nan() {
            return Numeric::nan();
        }
        Numeric::from_i64(i64::from(self.signum()))
    }

    pub fn add(&self, other: &Numeric) -> SqlResult<Numeric> {
        match (&self.kind, &other.kind) {
            (Kind::Finite { mant: a, scale: sa }, Kind::Finite { mant: b, scale: sb }) => {
                let (a, b, s) = align(a, *sa, b, *sb);
                Numeric::checked(a + b, s)
            }
            (Kind::NaN, _) | (_, Kind::NaN) => Ok(Numeric::nan()),
            (Kind::PosInf, Kind::NegInf) | (Kind::NegInf, Kind::PosInf) => Ok(Numeric::nan()),
            (Kind::PosInf, _) | (_, Kind::PosInf) => Ok(Numeric::infinity()),
            _ => Ok(Numeric::neg_infinity()),
        }
    }

    pub fn sub(&self, other: &Numeric) -> SqlResult<Numeric> {
        self.add(&other.neg())
    }

    pub fn mul(&self, other: &Numeric) -> SqlResult<Numeric> {
        match (&self.kind, &other.kind) {
            (Kind::Finite { mant: a, scale: sa }, Kind::Finite { mant: b, scale: sb }) => {
                Numeric::checked(a * b, sa + sb)
            }
            (Kind::NaN, _) | (_, Kind::NaN) => Ok(Numeric::nan()),
            _ => {
                let sign = self.signum() * other.signum();
                Ok(match sign {
                    0 => Numeric::nan(),
                    1 => Numeric::infinity(),
                    _ => Numeric::neg_infinity(),
                })
            }
        }
    }

    /// PostgreSQL's `select_div_scale`: at least 16 significant digits, never less than either
    /// input's display scale.
    pub(crate) fn select_div_scale(&self, other: &Numeric) -> u32 {
        let (w1, d1, _) = self.nbase_head();
        let (w2, d2, _) = other.nbase_head();
        let mut qweight = w1 - w2;
        if d1 <= d2 {
            qweight -= 1;
        }
        let mut rscale = MIN_SIG_DIGITS - qweight * 4;
        rscale = rscale.max(i64::from(self.scale().unwrap_or(0)));
        rscale = rscale.max(i64::from(other.scale().unwrap_or(0)));
        rscale = rscale.clamp(0, MAX_DISPLAY_SCALE);
        rscale as u32
    }

    /// Special-value rules shared by `/`, `div()` and `%`: returns the result when either
    /// input is NaN or infinite.
    fn div_special(&self, other: &Numeric) -> SqlResult<Option<Numeric>> {
        if self.is_finite() && other.is_finite() {
            return Ok(None);
        }
        if self.is_nan() || other.is_nan() {
            return Ok(Some(Numeric::nan()));
        }
        if self.is_infinite() {
            if other.is_infinite() {
                return Ok(Some(Numeric::nan()));
            }
            return match other.signum() {
                0 => Err(SqlError::division_by_zero()),
                s => Ok(Some(if s * self.signum() > 0 {
                    Numeric::infinity()
                } else {
                    Numeric::neg_infinity()
                })),
            };
        }
        // Finite divided by an infinity.
        Ok(Some(Numeric::zero()))
    }

    /// Division rounded to `rscale` decimals (half away from zero).
    pub fn div_scale(&self, other: &Numeric, rscale: u32) -> SqlResult<Numeric> {
        if let Some(r) = self.div_special(other)? {
            return Ok(r);
        }
        let (Kind::Finite { mant: a, scale: sa }, Kind::Finite { mant: b, scale: sb }) =
            (&self.kind, &other.kind)
        else {
            return Ok(Numeric::nan());
        };
        if b.is_zero() {
            return Err(SqlError::division_by_zero());
        }
        let n = a * pow10(rscale + sb);
        let d = b * pow10(*sa);
        Numeric::checked(div_round(&n, &d), rscale)
    }

    /// `numeric / numeric` with PostgreSQL's result scale.
    pub fn div(&self, other: &Numeric) -> SqlResult<Numeric> {
        if let Some(r) = self.div_special(other)? {
            return Ok(r);
        }
        let rscale = self.select_div_scale(other);
        self.div_scale(other, rscale)
    }

    /// `div(numeric, numeric)`: the quotient truncated toward zero, scale 0.
    pub fn div_trunc(&self, other: &Numeric) -> SqlResult<Numeric> {
        if let Some(r) = self.div_special(other)? {
            return Ok(r);
        }
        let (Kind::Finite { mant: a, scale: sa }, Kind::Finite { mant: b, scale: sb }) =
            (&self.kind, &other.kind)
        else {
            return Ok(Numeric::nan());
        };
        if b.is_zero() {
            return Err(SqlError::division_by_zero());
        }
        let (a, b, _) = align(a, *sa, b, *sb);
        Numeric::checked(a / b, 0)
    }

    /// `numeric % numeric`: the remainder of truncating division, sign of the dividend, scale
    /// the larger of the inputs'.
    pub fn rem(&self, other: &Numeric) -> SqlResult<Numeric> {
        if self.is_nan() || other.is_nan() {
            return Ok(Numeric::nan());
        }
        if self.is_infinite() {
            return Ok(Numeric::nan());
        }
        if other.is_infinite() {
            return Ok(self.clone());
        }
        let (Kind::Finite { mant: a, scale: sa }, Kind::Finite { mant: b, scale: sb }) =
            (&self.kind, &other.kind)
        else {
            return Ok(Numeric::nan());
        };
        if b.is_zero() {
            return Err(SqlError::division_by_zero());
        }
        let (a, b, s) = align(a, *sa, b, *sb);
        Numeric::checked(a % b, s)
    }

    /// `round(numeric, int)`: half away from zero; the result's display scale is `scale`
    /// (0 when negative).
    pub fn round(&self, scale: i32) -> SqlResult<Numeric> {
        let scale = i64::from(scale).clamp(-MAX_RESULT_SCALE, MAX_RESULT_SCALE);
        match &self.kind {
            Kind::Finite { mant, scale: cur } => {
                if scale >= 0 {
                    Numeric::checked(round_mant(mant, *cur, scale as u32), scale as u32)
                } else {
                    let k = (-scale) as u32;
                    Numeric::checked(round_mant(mant, *cur + k, 0) * pow10(k), 0)
                }
            }
            _ => Ok(self.clone()),
        }
    }

    /// `trunc(numeric, int)`.
    pub fn trunc(&self, scale: i32) -> SqlResult<Numeric> {
        let scale = i64::from(scale).clamp(-MAX_RESULT_SCALE, MAX_RESULT_SCALE);
        match &self.kind {
            Kind::Finite { mant, scale: cur } => {
                if scale >= 0 {
                    let s = scale as u32;
                    let m = if s >= *cur {
                        mant * pow10(s - *cur)
                    } else {
                        mant / pow10(*cur - s)
                    };
                    Numeric::checked(m, s)
                } else {
                    let k = (-scale) as u32;
                    Numeric::checked(mant / pow10(*cur + k) * pow10(k), 0)
                }
            }
            _ => Ok(self.clone()),
        }
    }

    /// `ceil(numeric)`: scale 0.
    pub fn ceil(&self) -> Numeric {
        match &self.kind {
            Kind::Finite { mant, scale } => {
                let d = pow10(*scale);
                let (q, r) = mant.div_mod_floor(&d);
                Numeric::from_parts(if r.is_zero() { q } else { q + 1 }, 0)
            }
            _ => self.clone(),
        }
    }

    /// `floor(numeric)`: scale 0.
    pub fn floor(&self) -> Numeric {
        match &self.kind {
            Kind::Finite { mant, scale } => Numeric::from_parts(mant.div_floor(&pow10(*scale)), 0),
            _ => self.clone(),
        }
    }

    /// Increases the display scale to at least `scale` without changing the value (as
    /// `numeric_out` pads; used by aggregates and `to_char`).
    pub fn with_min_scale(&self, scale: u32) -> Numeric {
        match &self.kind {
            Kind::Finite { mant, scale: cur } if *cur < scale => {
                Numeric::from_parts(mant * pow10(scale - cur), scale)
            }
            _ => self.clone(),
        }
    }
}
