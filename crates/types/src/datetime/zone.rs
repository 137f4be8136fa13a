//! The session `TimeZone` setting and the time-zone names and abbreviations accepted inside
//! date/time input.
//!
//! PostgreSQL's rules for the setting: a bare number (`-8`, `5.5`) is hours *east* of UTC; any
//! other offset string is POSIX, where the sign is inverted (`UTC+3` and `+05:30` are west of
//! UTC); otherwise it is an IANA zone name, matched case-insensitively.

use chrono::{NaiveDate, NaiveDateTime, Offset, TimeZone as _};
use chrono_tz::Tz;

use super::{USECS_PER_SEC, civil_from_days};
use crate::error::{SqlError, SqlResult, SqlState};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TimeZone {
    /// A constant offset in seconds east of UTC, with the name `SHOW TimeZone` prints.
    Fixed { offset_secs: i32, name: String },
    /// An IANA zone.
    Named(Tz),
}

impl Default for TimeZone {
    fn default() -> Self {
        TimeZone::Named(Tz::UTC)
    }
}

/// Microseconds since 2000-01-01 as a chrono date-time, clamped into chrono's range (time zone
/// rules far outside it are the boundary's rules anyway).
fn to_naive(us: i64) -> NaiveDateTime {
    let days = us.div_euclid(super::USECS_PER_DAY);
    let tod = us.rem_euclid(super::USECS_PER_DAY);
    let (y, m, d) = civil_from_days(days);
    let y = y.clamp(-200_000, 200_000) as i32;
    let date = NaiveDate::from_ymd_opt(y, m, d)
        .or_else(|| NaiveDate::from_ymd_opt(y, m, 28))
        .unwrap_or(NaiveDate::MIN);
    let secs = (tod / USECS_PER_SEC) as u32;
    let nanos = ((tod % USECS_PER_SEC) * 1000) as u32;
    date.and_hms_nano_opt(secs / 3600, (secs / 60) % 60, secs % 60, nanos)
        .unwrap_or_else(|| date.and_hms_opt(0, 0, 0).unwrap_or_default())
}

fn invalid_setting(value: &str) -> SqlError {
    SqlError::new(
        SqlState::INVALID_PARAMETER_VALUE,
        format!("invalid value for parameter \"TimeZone\": \"{value}\""),
    )
}

/// Parses `[+-]hh[:mm[:ss]]` or `[+-]hhmm` into seconds (sign as written).
pub(crate) fn parse_offset(s: &str) -> Option<i32> {
    let (neg, rest) = match s.as_bytes().first()? {
        b'+' => (false, &s[1..]),
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit() || b == b':') {
        return None;
    }
    let parts: Vec<&str> = rest.split(':').collect();
    let (h, m, sec) = if parts.len() == 1 {
        let p = parts[0];
        match p.len() {
            1 | 2 => (p.parse::<i32>().ok()?, 0, 0),
            3 | 4 => (
                p[..p.len() - 2].parse().ok()?,
                p[p.len() - 2..].parse().ok()?,
                0,
            ),
            5 | 6 => (
                p[..p.len() - 4].parse().ok()?,
                p[p.len() - 4..p.len() - 2].parse().ok()?,
                p[p.len() - 2..].parse().ok()?,
            ),
            _ => return None,
        }
    } else {
        let h = parts[0].parse().ok()?;
        let m = parts.get(1).map_or(Some(0), |v| v.parse().ok())?;
        let sec = parts.get(2).map_or(Some(0), |v| v.parse().ok())?;
        if parts.len() > 3 {
            return None;
        }
        (h, m, sec)
    };
    if h > 15 * 24 || m >= 60 || sec >= 60 {
        return None;
    }
    let total = h * 3600 + m * 60 + sec;
    Some(if neg { -total } else { total })
}

/// Formats an offset (seconds east) as `SHOW`/`to_char` name it for fixed zones: `<-08>+08`.
fn posix_name(offset_secs: i32) -> String {
    let fmt = |secs: i32, with_sign: bool| {
        let sign = if secs < 0 { '-' } else { '+' };
        let a = secs.unsigned_abs();
        let mut s = if with_sign || secs < 0 {
            format!("{sign}{:02}", a / 3600)
        } else {
            format!("{:02}", a / 3600)
        };
        if !a.is_multiple_of(3600) {
            s.push_str(&format!(":{:02}", (a / 60) % 60));
        }
        if !a.is_multiple_of(60) {
            s.push_str(&format!(":{:02}", a % 60));
        }
        s
    };
    format!("<{}>{}", fmt(offset_secs, true), fmt(-offset_secs, true))
}

/// Default time zone abbreviations PostgreSQL knows (seconds east).
pub(crate) fn abbreviation(word: &str) -> Option<i32> {
    let h = |x: i32| x * 3600;
    Some(match word {
        "utc" | "gmt" | "z" | "ut" | "zulu" | "wet" => 0,
        "est" => h(-5),
        "edt" => h(-4),
        "cst" => h(-6),
        "cdt" => h(-5),
        "mst" => h(-7),
        "mdt" => h(-6),
        "pst" => h(-8),
        "pdt" => h(-7),
        "akst" => h(-9),
        "akdt" => h(-8),
        "hst" => h(-10),
        "ast" => h(-4),
        "adt" => h(-3),
        "nst" => -(3 * 3600 + 1800),
        "ndt" => -(2 * 3600 + 1800),
        "west" | "bst" | "cet" | "met" => h(1),
        "cest" | "mest" | "eet" => h(2),
        "eest" | "msk" => h(3),
        "ist" => h(2),
        "jst" | "kst" => h(9),
        "aest" => h(10),
        "aedt" => h(11),
        "acst" => 9 * 3600 + 1800,
        "awst" => h(8),
        "nzst" => h(12),
        "nzdt" => h(13),
        "sgt" | "hkt" => h(8),
        _ => return None,
    })
}

impl TimeZone {
    pub fn utc() -> TimeZone {
        TimeZone::Named(Tz::UTC)
    }

    /// A fixed offset east of UTC, named as PostgreSQL names a numeric setting.
    pub fn fixed(offset_secs: i32) -> TimeZone {
        TimeZone::Fixed {
            offset_secs,
            name: posix_name(offset_secs),
        }
    }

    /// Parses a `SET TIME ZONE` / `TimeZone` setting value.
    pub fn parse(setting: &str) -> SqlResult<TimeZone> {
        let s = setting.trim();
        if s.is_empty() {
            return Err(invalid_setting(setting));
        }
        // A bare number: hours east of UTC (SQL sign convention).
        if let Ok(hours) = s.parse::<f64>()
            && hours.is_finite()
        {
            if hours.abs() > 15.0 * 24.0 {
                return Err(invalid_setting(setting));
            }
            return Ok(TimeZone::fixed((hours * 3600.0).round() as i32));
        }
        let lower = s.to_ascii_lowercase();
        if lower == "local" || lower == "default" {
            return Ok(TimeZone::utc());
        }
        if let Ok(tz) = Tz::from_str_insensitive(s) {
            return Ok(TimeZone::Named(tz));
        }
        // POSIX: an optional name (letters or <...>) then an offset west of UTC.
        let rest = if let Some(r) = s.strip_prefix('<') {
            r.split_once('>').map(|(_, after)| after)
        } else {
            Some(s.trim_start_matches(|c: char| c.is_ascii_alphabetic()))
        };
        if let Some(rest) = rest
            && !rest.is_empty()
            && let Some(off) = parse_offset(rest)
        {
            return Ok(TimeZone::Fixed {
                offset_secs: -off,
                name: s.to_string(),
            });
        }
        Err(invalid_setting(setting))
    }

    /// The zone as `SHOW TimeZone` prints it.
    pub fn name(&self) -> String {
        match self {
            TimeZone::Fixed { name, .. } => name.clone(),
            TimeZone::Named(tz) => tz.name().to_string(),
        }
    }

    /// Offset in seconds east of UTC in effect at a UTC instant (µs since 2000-01-01).
    pub fn offset_at_utc(&self, us: i64) -> i32 {
        match self {
            TimeZone::Fixed { offset_secs, .. } => *offset_secs,
            // The session default: no rule lookup needed.
            TimeZone::Named(Tz::UTC) => 0,
            TimeZone::Named(tz) => {
                let naive = to_naive(us);
                tz.offset_from_utc_datetime(&naive).fix().local_minus_utc()
            }
        }
    }

    /// Offset in seconds east of UTC for a local wall-clock time. In a spring-forward gap the
    /// offset before the transition applies; in a fall-back overlap the one after it, as
    /// PostgreSQL resolves them.
    pub fn offset_for_local(&self, local_us: i64) -> i32 {
        match self {
            TimeZone::Fixed { offset_secs, .. } => *offset_secs,
            TimeZone::Named(Tz::UTC) => 0,
            TimeZone::Named(tz) => {
                let naive = to_naive(local_us);
                match tz.offset_from_local_datetime(&naive) {
                    chrono::LocalResult::Single(o) => o.fix().local_minus_utc(),
                    chrono::LocalResult::Ambiguous(_, later) => later.fix().local_minus_utc(),
                    chrono::LocalResult::None => {
                        let before = naive - chrono::Duration::days(1);
                        tz.offset_from_utc_datetime(&before).fix().local_minus_utc()
                    }
                }
            }
        }
    }

    /// The zone abbreviation at a UTC instant (`to_char`'s `TZ`), e.g. `EST`, or the numeric
    /// form for fixed offsets.
    pub fn abbreviation_at_utc(&self, us: i64) -> String {
        match self {
            TimeZone::Fixed { offset_secs, .. } => format_offset_short(*offset_secs),
            TimeZone::Named(tz) => {
                let naive = to_naive(us);
                let off = tz.offset_from_utc_datetime(&naive);
                let abbr = off.to_string();
                if abbr.is_empty() {
                    format_offset_short(off.fix().local_minus_utc())
                } else {
                    abbr
                }
            }
        }
    }

    /// Resolves a zone name found inside date/time input (`America/New_York`, `UTC`, an
    /// abbreviation such as `PST`) to a zone.
    pub fn from_input_name(word: &str) -> Option<TimeZone> {
        let lower = word.to_ascii_lowercase();
        if let Some(off) = abbreviation(&lower) {
            return Some(TimeZone::Fixed {
                offset_secs: off,
                name: word.to_string(),
            });
        }
        Tz::from_str_insensitive(word).ok().map(TimeZone::Named)
    }
}

/// `+HH`, `+HH:MM` or `+HH:MM:SS` as timestamptz output prints offsets.
pub fn format_offset_short(offset_secs: i32) -> String {
    let mut s = String::new();
    write_offset(offset_secs, &mut s);
    s
}

pub fn write_offset(offset_secs: i32, out: &mut String) {
    let sign = if offset_secs < 0 { '-' } else { '+' };
    let a = offset_secs.unsigned_abs();
    out.push(sign);
    push2(out, a / 3600);
    if !a.is_multiple_of(3600) {
        out.push(':');
        push2(out, (a / 60) % 60);
    }
    if !a.is_multiple_of(60) {
        out.push(':');
        push2(out, a % 60);
    }
}

fn push2(out: &mut String, v: u32) {
    if v < 100 {
        out.push((b'0' + (v / 10) as u8) as char);
        out.push((b'0' + (v % 10) as u8) as char);
    } else {
        use std::fmt::Write;
        let _ = write!(out, "{v}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings() {
        let tz = TimeZone::parse("+05:30").unwrap_or_default();
        assert_eq!(tz.offset_at_utc(0), -(5 * 3600 + 1800));
        assert_eq!(tz.name(), "+05:30");
        let tz = TimeZone::parse("-8").unwrap_or_default();
        assert_eq!(tz.offset_at_utc(0), -8 * 3600);
        assert_eq!(tz.name(), "<-08>+08");
        let tz = TimeZone::parse("UTC+3").unwrap_or_default();
        assert_eq!(tz.offset_at_utc(0), -3 * 3600);
        let tz = TimeZone::parse("america/new_york").unwrap_or_default();
        assert_eq!(tz.name(), "America/New_York");
        assert!(TimeZone::parse("Mars/Olympus").is_err());
    }

    #[test]
    fn offsets_format() {
        assert_eq!(format_offset_short(0), "+00");
        assert_eq!(format_offset_short(19800), "+05:30");
        assert_eq!(format_offset_short(-(4 * 3600 + 56 * 60 + 2)), "-04:56:02");
    }
}
