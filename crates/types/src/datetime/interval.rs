//! The `interval` type: months, days and microseconds kept apart as PostgreSQL does, its text
//! input (postgres, SQL-standard and ISO 8601 forms) and output (IntervalStyle `postgres`),
//! and the arithmetic and span used for comparison.

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use super::{
    USECS_PER_DAY, USECS_PER_HOUR, USECS_PER_MINUTE, USECS_PER_SEC, interval_out_of_range,
};
use crate::error::{SqlError, SqlResult, SqlState};

#[derive(Clone, Copy, Debug, Default)]
pub struct Interval {
    pub months: i32,
    pub days: i32,
    pub micros: i64,
}

impl Interval {
    pub const ZERO: Interval = Interval {
        months: 0,
        days: 0,
        micros: 0,
    };

    pub fn new(months: i32, days: i32, micros: i64) -> Interval {
        Interval {
            months,
            days,
            micros,
        }
    }

    /// The single number PostgreSQL compares intervals by: a month is 30 days, a day 24 hours.
    pub fn span(&self) -> i128 {
        (i128::from(self.months) * 30 + i128::from(self.days)) * i128::from(USECS_PER_DAY)
            + i128::from(self.micros)
    }

    pub fn checked_add(&self, o: &Interval) -> SqlResult<Interval> {
        Ok(Interval {
            months: self
                .months
                .checked_add(o.months)
                .ok_or_else(interval_out_of_range)?,
            days: self
                .days
                .checked_add(o.days)
                .ok_or_else(interval_out_of_range)?,
            micros: self
                .micros
                .checked_add(o.micros)
                .ok_or_else(interval_out_of_range)?,
        })
    }

    pub fn checked_neg(&self) -> SqlResult<Interval> {
        Ok(Interval {
            months: self
                .months
                .checked_neg()
                .ok_or_else(interval_out_of_range)?,
            days: self.days.checked_neg().ok_or_else(interval_out_of_range)?,
            micros: self
                .micros
                .checked_neg()
                .ok_or_else(interval_out_of_range)?,
        })
    }

    pub fn checked_sub(&self, o: &Interval) -> SqlResult<Interval> {
        self.checked_add(&o.checked_neg()?)
    }

    /// `interval * float8` (`interval_mul`): fractional months spill into days and fractional
    /// days into time, with PostgreSQL's rounding of the spilled parts to microseconds.
    pub fn mul_f64(&self, factor: f64) -> SqlResult<Interval> {
        self.scale(factor, false)
    }

    /// `interval / float8` (`interval_div`).
    pub fn div_f64(&self, divisor: f64) -> SqlResult<Interval> {
        if divisor == 0.0 {
            return Err(SqlError::division_by_zero());
        }
        self.scale(divisor, true)
    }

    fn scale(&self, f: f64, divide: bool) -> SqlResult<Interval> {
        let apply = |v: f64| if divide { v / f } else { v * f };
        let tsround = |v: f64| (v * 1e6).round_ties_even() / 1e6;
        let fits_i32 = |v: f64| !v.is_nan() && v >= i32::MIN as f64 && v <= i32::MAX as f64;
        let m = apply(f64::from(self.months));
        let d = apply(f64::from(self.days));
        if !fits_i32(m) || !fits_i32(d) {
            return Err(interval_out_of_range());
        }
        let months = m as i32;
        let mut days = d as i32;
        let month_remainder_days = tsround((m - f64::from(months)) * 30.0);
        let mut sec_remainder = tsround(
            (d - f64::from(days) + month_remainder_days - month_remainder_days.trunc()) * 86400.0,
        );
        if sec_remainder.abs() >= 86400.0 {
            let whole = (sec_remainder / 86400.0).trunc();
            days = days.saturating_add(whole as i32);
            sec_remainder -= whole * 86400.0;
        }
        days = days
            .checked_add(month_remainder_days.trunc() as i32)
            .ok_or_else(interval_out_of_range)?;
        let micros = (apply(self.micros as f64) + sec_remainder * 1e6).round_ties_even();
        if micros.is_nan() || micros < i64::MIN as f64 || micros >= i64::MAX as f64 {
            return Err(interval_out_of_range());
        }
        Ok(Interval {
            months,
            days,
            micros: micros as i64,
        })
    }

    /// Appends the text form with IntervalStyle `postgres`.
    pub fn write_postgres(&self, out: &mut String) {
        let year = self.months / 12;
        let mon = self.months % 12;
        let mut is_zero = true;
        let mut is_before = false;
        let mut part = |out: &mut String, value: i64, unit: &str| {
            if value == 0 {
                return;
            }
            if !is_zero {
                out.push(' ');
            }
            if is_before && value > 0 {
                out.push('+');
            }
            out.push_str(&value.to_string());
            out.push(' ');
            out.push_str(unit);
            if value != 1 {
                out.push('s');
            }
            is_before = value < 0;
            is_zero = false;
        };
        part(out, i64::from(year), "year");
        part(out, i64::from(mon), "mon");
        part(out, i64::from(self.days), "day");
        let t = self.micros;
        if is_zero || t != 0 {
            let minus = t < 0;
            let a = t.unsigned_abs();
            let hours = a / USECS_PER_HOUR as u64;
            let min = (a / USECS_PER_MINUTE as u64) % 60;
            let sec = (a / USECS_PER_SEC as u64) % 60;
            let frac = a % USECS_PER_SEC as u64;
            if !is_zero {
                out.push(' ');
            }
            if minus {
                out.push('-');
            } else if is_before {
                out.push('+');
            }
            out.push_str(&format!("{hours:02}:{min:02}:{sec:02}"));
            write_fraction(frac as u32, out);
        }
    }
}

/// Appends `.ffffff` with trailing zeros removed (nothing for zero).
pub(crate) fn write_fraction(micros: u32, out: &mut String) {
    if micros == 0 {
        return;
    }
    let mut digits = [b'0'; 6];
    let mut v = micros;
    for d in digits.iter_mut().rev() {
        *d = b'0' + (v % 10) as u8;
        v /= 10;
    }
    let end = digits.iter().rposition(|d| *d != b'0').map_or(0, |p| p + 1);
    out.push('.');
    out.extend(digits[..end].iter().map(|d| *d as char));
}

impl PartialEq for Interval {
    fn eq(&self, other: &Interval) -> bool {
        self.span() == other.span()
    }
}

impl Eq for Interval {}

impl PartialOrd for Interval {
    fn partial_cmp(&self, other: &Interval) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// PostgreSQL's `interval_cmp`: by total span, so `1 mon` = `30 days`.
impl Ord for Interval {
    fn cmp(&self, other: &Interval) -> Ordering {
        self.span().cmp(&other.span())
    }
}

/// Agrees with `Eq`: hashes the span.
impl Hash for Interval {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.span().hash(state);
    }
}

fn bad_interval(input: &str) -> SqlError {
    SqlError::new(
        SqlState::INVALID_DATETIME_FORMAT,
        format!("invalid input syntax for type interval: \"{input}\""),
    )
}

fn field_overflow(input: &str) -> SqlError {
    SqlError::new(
        SqlState::INTERVAL_FIELD_OVERFLOW,
        format!("interval field value out of range: \"{input}\""),
    )
}

/// Accumulates interval fields as `DecodeInterval` does: integer parts exactly, fractional
/// parts cascading down to the next smaller unit.
#[derive(Default)]
struct Acc {
    months: i128,
    days: i128,
    micros: i128,
    frac_micros: f64,
}

/// A parsed number: its integer part and its fractional part, both carrying the sign.
#[derive(Clone, Copy)]
struct Num {
    whole: i128,
    frac: f64,
}

fn parse_num(tok: &str) -> Option<Num> {
    let (neg, body) = match tok.as_bytes().first()? {
        b'-' => (true, &tok[1..]),
        b'+' => (false, &tok[1..]),
        _ => (false, tok),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if (int.is_empty() && frac.is_empty())
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || int.len() > 30
    {
        return None;
    }
    let whole: i128 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let frac: f64 = if frac.is_empty() {
        0.0
    } else {
        format!("0.{frac}").parse().ok()?
    };
    Some(if neg {
        Num {
            whole: -whole,
            frac: -frac,
        }
    } else {
        Num { whole, frac }
    })
}

impl Acc {
    fn add_days_f(&mut self, days: f64) {
        let whole = days.trunc();
        self.days += whole as i128;
        self.frac_micros += (days - whole) * USECS_PER_DAY as f64;
    }

    fn add_micros(&mut self, n: Num, unit: i64) {
        self.micros = self
            .micros
            .saturating_add(n.whole.saturating_mul(i128::from(unit)));
        self.frac_micros += n.frac * unit as f64;
    }

    fn add_years(&mut self, n: Num, months_per: i128) {
        self.months = self
            .months
            .saturating_add(n.whole.saturating_mul(months_per));
        self.months += (n.frac * months_per as f64).round() as i128;
    }

    fn finish(self, input: &str) -> SqlResult<Interval> {
        let micros = self.micros + self.frac_micros.round() as i128;
        Ok(Interval {
            months: i32::try_from(self.months).map_err(|_| interval_out_of_range())?,
            days: i32::try_from(self.days).map_err(|_| field_overflow(input))?,
            micros: i64::try_from(micros).map_err(|_| bad_interval(input))?,
        })
    }
}

fn unit_of(word: &str) -> Option<&'static str> {
    Some(match word {
        "microsecond" | "microseconds" | "usec" | "usecs" | "us" | "useconds" => "us",
        "millisecond" | "milliseconds" | "msec" | "msecs" | "ms" | "mseconds" => "ms",
        "second" | "seconds" | "sec" | "secs" | "s" => "s",
        "minute" | "minutes" | "min" | "mins" | "m" => "min",
        "hour" | "hours" | "hr" | "hrs" | "h" => "h",
        "day" | "days" | "d" => "d",
        "week" | "weeks" | "w" => "w",
        "month" | "months" | "mon" | "mons" => "mon",
        "year" | "years" | "yr" | "yrs" | "y" => "y",
        "decade" | "decades" | "dec" | "decs" => "dec",
        "century" | "centuries" | "cent" | "c" => "c",
        "millennium" | "millennia" | "mil" | "mils" => "mil",
        _ => return None,
    })
}

/// A distinct bit per unit for duplicate detection.
fn unit_bit(unit: &str) -> u32 {
    match unit {
        "us" => 1,
        "ms" => 2,
        "s" => 4,
        "min" => 8,
        "h" => 16,
        "d" => 32,
        "w" => 64,
        "mon" => 128,
        "y" => 256,
        "dec" => 512,
        "c" => 1024,
        _ => 2048,
    }
}

fn apply_unit(acc: &mut Acc, n: Num, unit: &str) {
    match unit {
        "us" => acc.add_micros(n, 1),
        "ms" => acc.add_micros(n, 1000),
        "s" => acc.add_micros(n, USECS_PER_SEC),
        "min" => acc.add_micros(n, USECS_PER_MINUTE),
        "h" => acc.add_micros(n, USECS_PER_HOUR),
        "d" => {
            acc.days = acc.days.saturating_add(n.whole);
            acc.add_days_f(n.frac);
        }
        "w" => {
            acc.days = acc.days.saturating_add(n.whole.saturating_mul(7));
            acc.add_days_f(n.frac * 7.0);
        }
        "mon" => {
            acc.months = acc.months.saturating_add(n.whole);
            acc.add_days_f(n.frac * 30.0);
        }
        "y" => acc.add_years(n, 12),
        "dec" => acc.add_years(n, 120),
        "c" => acc.add_years(n, 1200),
        _ => acc.add_years(n, 12_000),
    }
}

/// Parses `[-]h+:mm[:ss[.f]]` (or `mm:ss.f` with two fields and a fraction) into exact
/// microseconds.
fn parse_time_field(tok: &str) -> Option<i128> {
    let (neg, t) = match tok.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, tok.strip_prefix('+').unwrap_or(tok)),
    };
    let parts: Vec<&str> = t.split(':').collect();
    if parts.len() < 2 || parts.len() > 3 {
        return None;
    }
    let int = |s: &str| -> Option<i128> {
        if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok()
    };
    // Seconds with an optional fraction, as exact microseconds.
    let secs = |s: &str| -> Option<i128> {
        let (w, f) = s.split_once('.').unwrap_or((s, ""));
        if !f.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut frac: i128 = 0;
        for (i, b) in f.bytes().take(7).enumerate() {
            let d = i128::from(b - b'0');
            if i < 6 {
                frac = frac * 10 + d;
            } else if d >= 5 {
                frac += 1;
            }
        }
        for _ in f.len().min(6)..6 {
            frac *= 10;
        }
        Some(int(w)? * i128::from(USECS_PER_SEC) + frac)
    };
    let micros = if parts.len() == 2 && parts[1].contains('.') {
        int(parts[0])? * i128::from(USECS_PER_MINUTE) + secs(parts[1])?
    } else {
        let h = int(parts[0])?;
        let m = int(parts[1])?;
        let s = parts.get(2).map_or(Some(0), |p| secs(p))?;
        if m >= 60 || s >= 60 * i128::from(USECS_PER_SEC) {
            return Some(i128::MAX);
        }
        h * i128::from(USECS_PER_HOUR) + m * i128::from(USECS_PER_MINUTE) + s
    };
    Some(if neg { -micros } else { micros })
}

/// ISO 8601 "alternative format": `P0001-02-03T04:05:06`.
fn parse_iso8601_alternative(body: &str, input: &str) -> SqlResult<Interval> {
    let (date, time) = body.split_once('t').unwrap_or((body, ""));
    let parts: Vec<&str> = date.split('-').collect();
    if parts.len() != 3 {
        return Err(bad_interval(input));
    }
    let num = |p: &str| parse_num(p).ok_or_else(|| bad_interval(input));
    let mut acc = Acc::default();
    apply_unit(&mut acc, num(parts[0])?, "y");
    apply_unit(&mut acc, num(parts[1])?, "mon");
    apply_unit(&mut acc, num(parts[2])?, "d");
    if !time.is_empty() {
        acc.micros += parse_time_field(time).ok_or_else(|| bad_interval(input))?;
    }
    acc.finish(input)
}

/// ISO 8601 "format with designators": `P1Y2M3DT4H5M6S`, `PT1.5S`, `P1W`.
fn parse_iso8601(s: &str, input: &str) -> SqlResult<Interval> {
    let body = &s[1..];
    if body.is_empty() {
        return Err(bad_interval(input));
    }
    if body.contains('-')
        && body.as_bytes()[0].is_ascii_digit()
        && body.chars().filter(|c| *c == '-').count() == 2
    {
        return parse_iso8601_alternative(body, input);
    }
    let mut acc = Acc::default();
    let mut in_time = false;
    let mut num = String::new();
    for c in body.chars() {
        match c {
            't' if !in_time => {
                if !num.is_empty() {
                    return Err(bad_interval(input));
                }
                in_time = true;
            }
            '0'..='9' | '.' | '-' | '+' => num.push(c),
            'y' | 'm' | 'w' | 'd' | 'h' | 's' => {
                let v = parse_num(&num).ok_or_else(|| bad_interval(input))?;
                num.clear();
                let unit = match (c, in_time) {
                    ('y', false) => "y",
                    ('m', false) => "mon",
                    ('w', false) => "w",
                    ('d', false) => "d",
                    ('h', true) => "h",
                    ('m', true) => "min",
                    ('s', true) => "s",
                    _ => return Err(bad_interval(input)),
                };
                apply_unit(&mut acc, v, unit);
            }
            _ => return Err(bad_interval(input)),
        }
    }
    if !num.is_empty() {
        return Err(bad_interval(input));
    }
    acc.finish(input)
}

/// Splits interval input into tokens: numbers, words, time fields (with ':') and
/// year-month fields (`1-2`), separating a number from a directly attached unit (`1day`).
fn tokenize(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() || c == b',' || c == b'@' {
            i += 1;
            continue;
        }
        let start = i;
        if c.is_ascii_alphabetic() {
            while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                i += 1;
            }
        } else {
            // Step over one whole character first (it may be multi-byte).
            i += s[i..].chars().next().map_or(1, char::len_utf8);
            while i < bytes.len()
                && (bytes[i].is_ascii_digit() || matches!(bytes[i], b'.' | b':' | b'-'))
            {
                i += 1;
            }
        }
        out.push(s[start..i].to_string());
    }
    out
}

/// `interval_in` for IntervalStyle `postgres` input (which also accepts the SQL-standard and
/// ISO 8601 forms).
pub fn parse_interval(input: &str) -> SqlResult<Interval> {
    let s = input.trim().to_ascii_lowercase();
    if s.is_empty() {
        return Err(bad_interval(input));
    }
    if s.starts_with('p') {
        return parse_iso8601(&s, input);
    }
    let tokens = tokenize(&s);
    let mut acc = Acc::default();
    // Each unit may appear once, as in PostgreSQL ("1 day 1 day" is an error).
    let mut seen: u32 = 0;
    let mut mark = |bits: u32| -> SqlResult<()> {
        if seen & bits != 0 {
            return Err(bad_interval(input));
        }
        seen |= bits;
        Ok(())
    };
    let mut ago = false;
    let mut any = false;
    let mut i = 0;
    while i < tokens.len() {
        let tok = &tokens[i];
        if tok == "ago" {
            ago = true;
            i += 1;
            continue;
        }
        if tok.contains(':') {
            let micros = parse_time_field(tok).ok_or_else(|| bad_interval(input))?;
            if micros == i128::MAX {
                return Err(field_overflow(input));
            }
            mark(unit_bit("h") | unit_bit("min") | unit_bit("s"))?;
            acc.micros += micros;
            any = true;
            i += 1;
            continue;
        }
        let first = tok.as_bytes()[0];
        if first.is_ascii_alphabetic() {
            return Err(bad_interval(input));
        }
        // Year-month field "Y-M" (with an optional leading sign).
        let body = tok.strip_prefix(['-', '+']).unwrap_or(tok);
        if let Some((y, m)) = body.split_once('-') {
            let y: i64 = y.parse().map_err(|_| bad_interval(input))?;
            let m: i64 = m.parse().map_err(|_| bad_interval(input))?;
            if m >= 12 {
                return Err(field_overflow(input));
            }
            mark(unit_bit("y") | unit_bit("mon"))?;
            let total = i128::from(y) * 12 + i128::from(m);
            acc.months += if tok.starts_with('-') { -total } else { total };
            any = true;
            i += 1;
            continue;
        }
        let v = parse_num(tok).ok_or_else(|| bad_interval(input))?;
        let next = tokens.get(i + 1);
        if let Some(unit) = next.and_then(|w| unit_of(w)) {
            mark(unit_bit(unit))?;
            apply_unit(&mut acc, v, unit);
            i += 2;
        } else if next.is_some_and(|t| t.contains(':')) {
            // "3 4:05:06": a bare number before a time field is days.
            mark(unit_bit("d"))?;
            apply_unit(&mut acc, v, "d");
            i += 1;
        } else if next.is_none_or(|t| t == "ago") {
            mark(unit_bit("s"))?;
            acc.add_micros(v, USECS_PER_SEC);
            i += 1;
        } else {
            return Err(bad_interval(input));
        }
        any = true;
    }
    if !any {
        return Err(bad_interval(input));
    }
    let iv = acc.finish(input)?;
    if ago {
        iv.checked_neg().map_err(|_| field_overflow(input))
    } else {
        Ok(iv)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(s: &str) -> String {
        let mut o = String::new();
        match parse_interval(s) {
            Ok(iv) => iv.write_postgres(&mut o),
            Err(e) => o = format!("ERR {}", e.message),
        }
        o
    }

    #[test]
    fn postgres_style() {
        assert_eq!(out("-1 day 2 hours"), "-1 days +02:00:00");
        assert_eq!(out("1.5 years"), "1 year 6 mons");
        assert_eq!(out("1.5 months"), "1 mon 15 days");
        assert_eq!(out("@ 1 hour ago"), "-01:00:00");
        assert_eq!(out("P1Y2M3DT4H5M6S"), "1 year 2 mons 3 days 04:05:06");
        assert_eq!(out("1-2"), "1 year 2 mons");
        assert_eq!(out("10"), "00:00:10");
        assert_eq!(out("-00:00:01"), "-00:00:01");
        assert_eq!(out("1 day -1 second"), "1 day -00:00:01");
        assert_eq!(out("3 4:05:06"), "3 days 04:05:06");
        assert_eq!(out("0"), "00:00:00");
        assert_eq!(
            out("1 year 2 mons 3 days 04:05:06.5"),
            "1 year 2 mons 3 days 04:05:06.5"
        );
        assert_eq!(out("1.5 days"), "1 day 12:00:00");
        assert_eq!(out("2 weeks"), "14 days");
        assert_eq!(out("1 hour 30 minutes"), "01:30:00");
        assert!(out("abc").starts_with("ERR invalid input syntax for type interval"));
    }

    #[test]
    fn span_equality() {
        let a = Interval::new(1, 0, 0);
        let b = Interval::new(0, 30, 0);
        assert_eq!(a, b);
        assert!(Interval::new(0, 1, 0) > Interval::new(0, 0, USECS_PER_DAY - 1));
    }

    #[test]
    fn multiply() {
        let iv = Interval::new(1, 0, 0).mul_f64(1.5).unwrap_or_default();
        assert_eq!((iv.months, iv.days, iv.micros), (1, 15, 0));
        let iv = Interval::new(0, 1, 0).div_f64(2.0).unwrap_or_default();
        assert_eq!((iv.months, iv.days, iv.micros), (0, 0, 12 * USECS_PER_HOUR));
    }
}
