//! `sqrt`, `exp`, `ln`, `log` and `power` for numeric, with PostgreSQL's result-scale rules.
//!
//! The values are computed in fixed point (a BigInt holding value * 10^wp) with enough guard
//! digits that rounding the result to PostgreSQL's scale gives its correctly rounded digits.

use num_bigint::BigInt;
use num_traits::{One, Signed, ToPrimitive, Zero};

use super::arith::div_round;
use super::{
    Kind, MAX_DISPLAY_SCALE, MAX_INT_DIGITS, MAX_RESULT_SCALE, MIN_SIG_DIGITS, Numeric,
    digit_count, overflow_error, pow10, round_mant,
};
use crate::error::{SqlError, SqlResult, SqlState};

fn log_error(msg: &str) -> SqlError {
    SqlError::new(SqlState::INVALID_ARGUMENT_FOR_LOG, msg)
}

fn power_error(msg: &str) -> SqlError {
    SqlError::new(SqlState::INVALID_ARGUMENT_FOR_POWER_FUNCTION, msg)
}

fn clamp_rscale(r: i64) -> u32 {
    r.clamp(0, MAX_DISPLAY_SCALE) as u32
}

/// A finite numeric as fixed point with `wp` decimals (truncated).
fn to_fixed(mant: &BigInt, scale: u32, wp: u32) -> BigInt {
    if wp >= scale {
        mant * pow10(wp - scale)
    } else {
        mant / pow10(scale - wp)
    }
}

/// ln(10) * 10^wp.
fn ln10_fixed(wp: u32) -> BigInt {
    ln_reduced(&(BigInt::from(10) * pow10(wp)), wp)
}

/// ln(a) for a fixed-point a >= 1 (a * 10^wp), by square-root reduction and the atanh series.
fn ln_reduced(a: &BigInt, wp: u32) -> BigInt {
    let one = pow10(wp);
    // Reduce until a < 1.01 so the series converges fast.
    let limit = &one + &one / 100u32;
    let mut x = a.clone();
    let mut k = 0u32;
    while x > limit {
        x = (&x * &one).sqrt();
        k += 1;
    }
    // ln(x) = 2 atanh(y), y = (x - 1) / (x + 1).
    let y = (&x - &one) * &one / (&x + &one);
    let y2 = &y * &y / &one;
    let mut term = y.clone();
    let mut sum = y.clone();
    let mut n = 1u32;
    loop {
        term = &term * &y2 / &one;
        n += 2;
        let t = &term / n;
        if t.is_zero() {
            break;
        }
        sum += t;
    }
    sum * 2u32 * (BigInt::one() << k)
}

/// ln(v) * 10^wp for a positive finite v = mant / 10^scale.
fn ln_fixed(mant: &BigInt, scale: u32, wp: u32) -> BigInt {
    let digits = digit_count(mant) as i64;
    // v = a * 10^e with a in [1, 10).
    let e = digits - 1 - i64::from(scale);
    let guard = wp + 12 + (e.unsigned_abs().max(1) as f64).log10().ceil() as u32;
    let a = mant * pow10(guard) / pow10((digits - 1) as u32);
    let mut r = ln_reduced(&a, guard);
    if e != 0 {
        r += ln10_fixed(guard) * e;
    }
    r / pow10(guard - wp)
}

/// exp(x) * 10^wp for fixed-point x (x * 10^wp), by halving, Taylor series and squaring.
fn exp_fixed(x: &BigInt, wp: u32) -> BigInt {
    let one = pow10(wp);
    let small = &one / 100u32;
    let mut k = 0u32;
    let mut r = x.clone();
    while r.abs() > small {
        r /= 2u32;
        k += 1;
    }
    let mut term = one.clone();
    let mut sum = one.clone();
    let mut n = 1u32;
    loop {
        term = &term * &r / &one / n;
        if term.is_zero() {
            break;
        }
        sum += &term;
        n += 1;
    }
    for _ in 0..k {
        sum = &sum * &sum / &one;
    }
    sum
}

/// PostgreSQL's `estimate_ln_dweight`: the decimal weight of ln(v).
fn estimate_ln_dweight(v: &Numeric) -> i64 {
    let Kind::Finite { mant, .. } = &v.kind else {
        return 0;
    };
    let one = Numeric::from_i64(1);
    let lo = Numeric::from_parts(BigInt::from(9), 1);
    let hi = Numeric::from_parts(BigInt::from(11), 1);
    if *v >= lo && *v <= hi {
        let x = match v.sub(&one) {
            Ok(x) => x,
            Err(_) => return 0,
        };
        return match x.sci_parts() {
            Some((_, d, e)) if d != "0" => e,
            _ => 0,
        };
    }
    if mant.is_zero() {
        return 0;
    }
    // ln(digits * 10^dweight) from the first one or two base-10000 digits.
    let (weight, first, second) = v.nbase_head();
    let mut digits = first as f64;
    let mut dweight = weight * 4;
    if let Some(s) = second {
        digits = digits * 10000.0 + s as f64;
        dweight -= 4;
    }
    let ln_var = digits.ln() + dweight as f64 * std::f64::consts::LN_10;
    ln_var.abs().log10() as i64
}

impl Numeric {
    /// `sqrt(numeric)`.
    pub fn sqrt(&self) -> SqlResult<Numeric> {
        match &self.kind {
            Kind::NaN | Kind::PosInf => return Ok(self.clone()),
            Kind::NegInf => {
                return Err(power_error("cannot take square root of a negative number"));
            }
            Kind::Finite { mant, .. } if mant.is_negative() => {
                return Err(power_error("cannot take square root of a negative number"));
            }
            _ => {}
        }
        let Kind::Finite { mant, scale } = &self.kind else {
            return Ok(self.clone());
        };
        let (weight, _, _) = self.nbase_head();
        let sweight = (weight + 1) * 4 / 2 - 1;
        let rscale = clamp_rscale((MIN_SIG_DIGITS - sweight).max(i64::from(*scale)));
        let work = (rscale + 1).max(scale.div_ceil(2));
        let n = mant * pow10(2 * work - scale);
        let root = n.sqrt();
        Numeric::checked(round_mant(&root, work, rscale), rscale)
    }

    /// `exp(numeric)`.
    pub fn exp(&self) -> SqlResult<Numeric> {
        match &self.kind {
            Kind::NaN | Kind::PosInf => return Ok(self.clone()),
            Kind::NegInf => return Ok(Numeric::zero()),
            _ => {}
        }
        let Kind::Finite { mant, scale } = &self.kind else {
            return Ok(self.clone());
        };
        let val = self.to_f64();
        let dweight = (val * std::f64::consts::LOG10_E)
            .clamp(-MAX_RESULT_SCALE as f64, MAX_RESULT_SCALE as f64);
        let rscale = clamp_rscale((MIN_SIG_DIGITS - dweight as i64).max(i64::from(*scale)));
        self.exp_at(mant, *scale, val, rscale)
    }

    fn exp_at(&self, mant: &BigInt, scale: u32, val: f64, rscale: u32) -> SqlResult<Numeric> {
        if val.abs() >= (MAX_RESULT_SCALE * 3) as f64 {
            if val > 0.0 {
                return Err(overflow_error());
            }
            return Ok(Numeric::from_parts(BigInt::zero(), rscale));
        }
        let result_digits = (val * std::f64::consts::LOG10_E).max(0.0) as u32;
        let wp = rscale + result_digits + 24;
        let x = to_fixed(mant, scale, wp);
        let r = exp_fixed(&x, wp);
        Numeric::checked(round_mant(&r, wp, rscale), rscale)
    }

    fn check_log_arg(&self) -> SqlResult<()> {
        match self.signum() {
            0 => Err(log_error("cannot take logarithm of zero")),
            s if s < 0 => Err(log_error("cannot take logarithm of a negative number")),
            _ => Ok(()),
        }
    }

    /// `ln(numeric)`.
    pub fn ln(&self) -> SqlResult<Numeric> {
        match &self.kind {
            Kind::NaN | Kind::PosInf => return Ok(self.clone()),
            Kind::NegInf => return Err(log_error("cannot take logarithm of a negative number")),
            _ => {}
        }
        self.check_log_arg()?;
        let Kind::Finite { mant, scale } = &self.kind else {
            return Ok(self.clone());
        };
        let ln_dweight = estimate_ln_dweight(self);
        let rscale = clamp_rscale((MIN_SIG_DIGITS - ln_dweight).max(i64::from(*scale)));
        let wp = rscale + 12 + (-ln_dweight).max(0) as u32;
        let r = ln_fixed(mant, *scale, wp);
        Numeric::checked(round_mant(&r, wp, rscale), rscale)
    }

    /// `log(numeric)`: base 10.
    pub fn log10(&self) -> SqlResult<Numeric> {
        Numeric::from_i64(10).log(self)
    }

    /// `log(base, x)` with `self` as the base.
    pub fn log(&self, x: &Numeric) -> SqlResult<Numeric> {
        if !self.is_finite() || !x.is_finite() {
            if self.is_nan() || x.is_nan() {
                return Ok(Numeric::nan());
            }
            if self.signum() < 0 || x.signum() < 0 {
                return Err(log_error("cannot take logarithm of a negative number"));
            }
            if self.signum() == 0 || x.signum() == 0 {
                return Err(log_error("cannot take logarithm of zero"));
            }
            if matches!(self.kind, Kind::PosInf) {
                if matches!(x.kind, Kind::PosInf) {
                    return Ok(Numeric::nan());
                }
                return Ok(Numeric::zero());
            }
            return Ok(Numeric::infinity());
        }
        self.check_log_arg()?;
        x.check_log_arg()?;
        let (
            Kind::Finite {
                mant: bm,
                scale: bs,
            },
            Kind::Finite {
                mant: xm,
                scale: xs,
            },
        ) = (&self.kind, &x.kind)
        else {
            return Ok(Numeric::nan());
        };
        let dw_base = estimate_ln_dweight(self);
        let dw_num = estimate_ln_dweight(x);
        let result_dweight = dw_num - dw_base;
        let rscale = clamp_rscale(
            (MIN_SIG_DIGITS - result_dweight)
                .max(i64::from(*bs))
                .max(i64::from(*xs)),
        );
        let wp = rscale + 16 + (-dw_base).max(0) as u32 + result_dweight.max(0) as u32;
        let lb = ln_fixed(bm, *bs, wp);
        if lb.is_zero() {
            return Err(SqlError::division_by_zero());
        }
        let lx = ln_fixed(xm, *xs, wp);
        let q = div_round(&(lx * pow10(wp)), &lb);
        Numeric::checked(round_mant(&q, wp, rscale), rscale)
    }

    /// `power(numeric, numeric)` and `numeric ^ numeric`.
    pub fn power(&self, exp: &Numeric) -> SqlResult<Numeric> {
        if !self.is_finite() || !exp.is_finite() {
            return self.power_special(exp);
        }
        let s1 = self.signum();
        let s2 = exp.signum();
        if s1 == 0 && s2 < 0 {
            return Err(power_error("zero raised to a negative power is undefined"));
        }
        let (
            Kind::Finite {
                mant: bm,
                scale: bs,
            },
            Kind::Finite {
                mant: em,
                scale: es,
            },
        ) = (&self.kind, &exp.kind)
        else {
            return Ok(Numeric::nan());
        };
        if exp.is_integral()
            && let Some(n) = (em / pow10(*es)).to_i64()
            && i32::try_from(n).is_ok()
        {
            let rscale = clamp_rscale(MIN_SIG_DIGITS.max(i64::from(*bs)));
            return self.power_int(bm, *bs, n, rscale);
        }
        if s1 == 0 {
            return Ok(Numeric::from_parts(BigInt::zero(), MIN_SIG_DIGITS as u32));
        }
        let mut negative = false;
        let mut base_mant = bm.clone();
        if s1 < 0 {
            if !exp.is_integral() {
                return Err(power_error(
                    "a negative number raised to a non-integer power yields a complex result",
                ));
            }
            negative = (em / pow10(*es)) % 2u32 != BigInt::zero();
            base_mant = -base_mant;
        }
        let base = Numeric::from_parts(base_mant.clone(), *bs);
        // Low-precision exp * ln(base) picks the scale and screens overflow, as power_var.
        let ln_dweight = estimate_ln_dweight(&base);
        let local = clamp_rscale(8 - ln_dweight);
        let ln_low = round_mant(&ln_fixed(&base_mant, *bs, local + 4), local + 4, local);
        let prod = round_mant(&(ln_low * em), local + es, local);
        let val = Numeric::from_parts(prod, local).to_f64();
        if val.abs() > MAX_RESULT_SCALE as f64 * 3.01 {
            if val > 0.0 {
                return Err(overflow_error());
            }
            return Ok(Numeric::from_parts(
                BigInt::zero(),
                MAX_DISPLAY_SCALE as u32,
            ));
        }
        let dweight = val * std::f64::consts::LOG10_E;
        let rscale = clamp_rscale(
            (MIN_SIG_DIGITS - dweight as i64)
                .max(i64::from(*bs))
                .max(i64::from(*es)),
        );
        let result_digits = dweight.max(0.0) as u32;
        let exp_int_digits = (digit_count(em) as i64 - i64::from(*es)).max(0) as u32;
        let wp = rscale + result_digits + exp_int_digits + 24;
        let ln_base = ln_fixed(&base_mant, *bs, wp);
        let x = ln_base * em / pow10(*es);
        if val.abs() >= (MAX_RESULT_SCALE * 3) as f64 {
            if val > 0.0 {
                return Err(overflow_error());
            }
            return Ok(Numeric::from_parts(BigInt::zero(), rscale));
        }
        let r = exp_fixed(&x, wp);
        let r = round_mant(&r, wp, rscale);
        Numeric::checked(if negative { -r } else { r }, rscale)
    }

    /// Integer powers: exact, rounded to `rscale`.
    fn power_int(&self, bm: &BigInt, bs: u32, n: i64, rscale: u32) -> SqlResult<Numeric> {
        if n == 0 {
            return Numeric::checked(pow10(rscale), rscale);
        }
        if bm.is_zero() {
            return Ok(Numeric::from_parts(BigInt::zero(), rscale));
        }
        // Magnitude check before computing: log10|base| * n.
        let digits = digit_count(bm) as f64;
        let log10_base = (digits - 1.0 - f64::from(bs))
            + (bm
                .abs()
                .to_f64()
                .map_or(0.0, |f| f.log10() - (digits - 1.0)));
        let approx = log10_base * n as f64;
        // The result has floor(approx) + 1 integer digits.
        if approx.floor() + 1.0 > MAX_INT_DIGITS as f64 {
            return Err(overflow_error());
        }
        if approx < -(MAX_RESULT_SCALE as f64) * 2.0 {
            return Ok(Numeric::from_parts(BigInt::zero(), rscale));
        }
        let abs_n = n.unsigned_abs();
        let exact_digits = digits * abs_n as f64;
        if exact_digits > 400_000.0 {
            // Too large to expand exactly: go through exp(n * ln|base|).
            let sign_neg = bm.is_negative() && abs_n % 2 == 1;
            let wp = rscale + approx.max(0.0) as u32 + 30 + (abs_n as f64).log10() as u32;
            let x = ln_fixed(&bm.abs(), bs, wp) * BigInt::from(n);
            let r = round_mant(&exp_fixed(&x, wp), wp, rscale);
            return Numeric::checked(if sign_neg { -r } else { r }, rscale);
        }
        let Ok(e32) = u32::try_from(abs_n) else {
            return Err(overflow_error());
        };
        let pm = num_traits::pow::Pow::pow(bm, e32);
        let ps = bs as u64 * abs_n;
        if n > 0 {
            let ps = u32::try_from(ps).map_err(|_| overflow_error())?;
            Numeric::checked(round_mant(&pm, ps, rscale), rscale)
        } else {
            let ps = u32::try_from(ps).map_err(|_| overflow_error())?;
            // 1 / (pm / 10^ps) at rscale.
            let q = div_round(&pow10(ps + rscale), &pm);
            Numeric::checked(q, rscale)
        }
    }

    fn power_special(&self, exp: &Numeric) -> SqlResult<Numeric> {
        let one = Numeric::from_i64(1);
        if self.is_nan() {
            if exp.is_finite() && exp.is_zero() {
                return Ok(one);
            }
            return Ok(Numeric::nan());
        }
        if exp.is_nan() {
            if self.is_finite() && *self == one {
                return Ok(one);
            }
            return Ok(Numeric::nan());
        }
        let s1 = self.signum();
        let s2 = exp.signum();
        if s1 == 0 && s2 < 0 {
            return Err(power_error("zero raised to a negative power is undefined"));
        }
        if s1 < 0 && !exp.is_integral() && exp.is_finite() {
            return Err(power_error(
                "a negative number raised to a non-integer power yields a complex result",
            ));
        }
        if self.is_finite() && *self == one {
            return Ok(one);
        }
        if s2 == 0 {
            return Ok(one);
        }
        if s1 == 0 && s2 > 0 {
            return Ok(Numeric::zero());
        }
        if exp.is_infinite() {
            let abs_gt_one = if self.is_finite() {
                if *self == Numeric::from_i64(-1) {
                    return Ok(one);
                }
                self.abs() > one
            } else {
                true
            };
            return Ok(if abs_gt_one == (s2 > 0) {
                Numeric::infinity()
            } else {
                Numeric::zero()
            });
        }
        if matches!(self.kind, Kind::PosInf) {
            return Ok(if s2 > 0 {
                Numeric::infinity()
            } else {
                Numeric::zero()
            });
        }
        // -Infinity raised to a finite power.
        if s2 < 0 {
            return Ok(Numeric::zero());
        }
        let odd = exp.is_integral()
            && exp
                .mantissa_scale()
                .is_some_and(|(m, s)| (m / pow10(s)) % 2u32 != BigInt::zero());
        Ok(if odd {
            Numeric::neg_infinity()
        } else {
            Numeric::infinity()
        })
    }
}
