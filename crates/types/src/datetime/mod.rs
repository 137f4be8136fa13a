//! Dates, times, timestamps and intervals as PostgreSQL 15 models them.
//!
//! Dates count days and timestamps microseconds from 2000-01-01 (PostgreSQL's epoch), in the
//! proleptic Gregorian calendar with astronomical year numbering internally (year 0 is 1 BC).
//! This module holds the calendar arithmetic and the range limits; `zone` the session time
//! zone; `parse`/`format` the text forms; `interval` the interval type; `arith` the operators;
//! `fields` extract/date_trunc/age/make_*; `to_char` the formatting functions.

pub mod arith;
pub mod fields;
pub mod format;
pub mod interval;
pub mod parse;
pub mod timetz;
pub mod to_char;
pub mod zone;

pub use interval::Interval;
pub use timetz::TimeTz;
pub use zone::TimeZone;

use crate::error::{SqlError, SqlState};

pub const USECS_PER_SEC: i64 = 1_000_000;
pub const USECS_PER_MINUTE: i64 = 60 * USECS_PER_SEC;
pub const USECS_PER_HOUR: i64 = 60 * USECS_PER_MINUTE;
pub const USECS_PER_DAY: i64 = 24 * USECS_PER_HOUR;
pub const SECS_PER_DAY: i64 = 86_400;

pub const DATE_NEG_INFINITY: i32 = i32::MIN;
pub const DATE_POS_INFINITY: i32 = i32::MAX;
pub const TS_NEG_INFINITY: i64 = i64::MIN;
pub const TS_POS_INFINITY: i64 = i64::MAX;

/// Julian day number of 2000-01-01.
pub const POSTGRES_EPOCH_JDATE: i64 = 2_451_545;
/// Days from 2000-01-01 back to 1970-01-01.
pub const UNIX_EPOCH_DAYS: i64 = -10_957;
/// Microseconds from 2000-01-01 back to 1970-01-01.
pub const UNIX_EPOCH_USECS: i64 = UNIX_EPOCH_DAYS * USECS_PER_DAY;

/// First valid date (4714-11-24 BC, Julian day 0) and the first date past the end
/// (5874898-01-01), as day offsets.
pub const MIN_DATE: i64 = -POSTGRES_EPOCH_JDATE;
pub const END_DATE: i64 = 2_147_483_494 - POSTGRES_EPOCH_JDATE;
/// First valid timestamp and the first past the end (294277-01-01).
pub const MIN_TIMESTAMP: i64 = -211_813_488_000_000_000;
pub const END_TIMESTAMP: i64 = 9_223_371_331_200_000_000;

pub fn date_out_of_range() -> SqlError {
    SqlError::new(SqlState::DATETIME_FIELD_OVERFLOW, "date out of range")
}

pub fn timestamp_out_of_range() -> SqlError {
    SqlError::new(SqlState::DATETIME_FIELD_OVERFLOW, "timestamp out of range")
}

pub fn interval_out_of_range() -> SqlError {
    SqlError::new(SqlState::DATETIME_FIELD_OVERFLOW, "interval out of range")
}

pub fn is_finite_date(d: i32) -> bool {
    d != DATE_NEG_INFINITY && d != DATE_POS_INFINITY
}

pub fn is_finite_timestamp(t: i64) -> bool {
    t != TS_NEG_INFINITY && t != TS_POS_INFINITY
}

pub fn valid_date(days: i64) -> bool {
    (MIN_DATE..END_DATE).contains(&days)
}

pub fn valid_timestamp(us: i64) -> bool {
    (MIN_TIMESTAMP..END_TIMESTAMP).contains(&us)
}

pub fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            if is_leap(y) {
                29
            } else {
                28
            }
        }
    }
}

/// Days since 2000-01-01 of a proleptic Gregorian date (astronomical year).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468 + UNIX_EPOCH_DAYS
}

/// The (astronomical year, month, day) of a day offset from 2000-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days - UNIX_EPOCH_DAYS + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Day of week, 0 = Sunday.
pub fn day_of_week(days: i64) -> u32 {
    // 2000-01-01 was a Saturday.
    (days + 6).rem_euclid(7) as u32
}

/// Broken-down timestamp fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Tm {
    /// Astronomical year (0 = 1 BC).
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub micros: u32,
}

impl Tm {
    pub fn from_timestamp(us: i64) -> Tm {
        let days = us.div_euclid(USECS_PER_DAY);
        let tod = us.rem_euclid(USECS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let (hour, minute, second, micros) = split_time(tod);
        Tm {
            year,
            month,
            day,
            hour,
            minute,
            second,
            micros,
        }
    }

    /// The timestamp, or `None` when outside PostgreSQL's range.
    pub fn to_timestamp(&self) -> Option<i64> {
        let days = days_from_civil(self.year, self.month, self.day);
        let tod = i64::from(self.hour) * USECS_PER_HOUR
            + i64::from(self.minute) * USECS_PER_MINUTE
            + i64::from(self.second) * USECS_PER_SEC
            + i64::from(self.micros);
        let us = days.checked_mul(USECS_PER_DAY)?.checked_add(tod)?;
        valid_timestamp(us).then_some(us)
    }
}

/// (hour, minute, second, microsecond) of microseconds since midnight (non-negative).
pub fn split_time(tod: i64) -> (u32, u32, u32, u32) {
    let hour = (tod / USECS_PER_HOUR) as u32;
    let minute = ((tod / USECS_PER_MINUTE) % 60) as u32;
    let second = ((tod / USECS_PER_SEC) % 60) as u32;
    let micros = (tod % USECS_PER_SEC) as u32;
    (hour, minute, second, micros)
}

/// Timestamp (local) → date, flooring; infinities map to date infinities.
pub fn timestamp_to_date(us: i64) -> Result<i32, SqlError> {
    match us {
        TS_NEG_INFINITY => Ok(DATE_NEG_INFINITY),
        TS_POS_INFINITY => Ok(DATE_POS_INFINITY),
        _ => {
            let d = us.div_euclid(USECS_PER_DAY);
            i32::try_from(d).map_err(|_| date_out_of_range())
        }
    }
}

/// Date → timestamp at midnight.
pub fn date_to_timestamp(d: i32) -> Result<i64, SqlError> {
    match d {
        DATE_NEG_INFINITY => Ok(TS_NEG_INFINITY),
        DATE_POS_INFINITY => Ok(TS_POS_INFINITY),
        _ => match i64::from(d).checked_mul(USECS_PER_DAY) {
            Some(us) if valid_timestamp(us) => Ok(us),
            _ => Err(SqlError::new(
                SqlState::DATETIME_FIELD_OVERFLOW,
                "date out of range for timestamp",
            )),
        },
    }
}

/// Date → timestamptz at local midnight in `tz`.
pub fn date_to_timestamptz(d: i32, tz: &TimeZone) -> Result<i64, SqlError> {
    let local = date_to_timestamp(d)?;
    if !is_finite_timestamp(local) {
        return Ok(local);
    }
    local_to_utc(local, tz)
}

/// A local wall-clock timestamp in `tz` to UTC, with range checks.
pub fn local_to_utc(local: i64, tz: &TimeZone) -> Result<i64, SqlError> {
    let off = tz.offset_for_local(local);
    let us = local - i64::from(off) * USECS_PER_SEC;
    if valid_timestamp(us) {
        Ok(us)
    } else {
        Err(timestamp_out_of_range())
    }
}

/// UTC timestamptz to local wall-clock time in `tz` (infinities unchanged).
pub fn utc_to_local(us: i64, tz: &TimeZone) -> i64 {
    if !is_finite_timestamp(us) {
        return us;
    }
    us + i64::from(tz.offset_at_utc(us)) * USECS_PER_SEC
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        assert_eq!(days_from_civil(2000, 1, 1), 0);
        assert_eq!(days_from_civil(1970, 1, 1), UNIX_EPOCH_DAYS);
        assert_eq!(civil_from_days(0), (2000, 1, 1));
        assert_eq!(civil_from_days(-1), (1999, 12, 31));
        assert_eq!(civil_from_days(MIN_DATE), (-4713, 11, 24));
        assert_eq!(civil_from_days(END_DATE), (5_874_898, 1, 1));
        for d in [-1_000_000i64, -1, 0, 59, 60, 365, 366, 1_000_000] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
        assert_eq!(day_of_week(0), 6);
    }

    #[test]
    fn timestamp_limits() {
        let end = Tm {
            year: 294_277,
            month: 1,
            day: 1,
            ..Tm::default()
        };
        let days = days_from_civil(end.year, end.month, end.day);
        assert_eq!(days * USECS_PER_DAY, END_TIMESTAMP);
        let min = days_from_civil(-4713, 11, 24);
        assert_eq!(min * USECS_PER_DAY, MIN_TIMESTAMP);
    }
}
