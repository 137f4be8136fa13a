//! `time with time zone` (timetz): a time of day with the UTC offset it was written in, as
//! PostgreSQL's TimeTzADT holds it (microseconds since midnight, and the zone in seconds
//! *west* of UTC, so the binary wire format is a plain copy). Text input lives in `parse`.
//!
//! PostgreSQL keeps the type for the standard's sake and discourages it; EmbedDB has what
//! `current_time` and casts need: text and binary forms, ordering, and the casts to and from
//! time, timestamptz and text.

use std::cmp::Ordering;

use super::format::write_time;
use super::zone::write_offset;
use super::{TimeZone, USECS_PER_DAY, USECS_PER_SEC, utc_to_local};

/// A timetz value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimeTz {
    /// Microseconds since midnight, local to the zone.
    pub time: i64,
    /// Seconds west of UTC (PostgreSQL's sign: `+05:30` is -19800).
    pub zone: i32,
}

impl TimeTz {
    pub const fn new(time: i64, zone: i32) -> Self {
        TimeTz { time, zone }
    }

    /// The time of day in UTC that it denotes, unwrapped (it may fall outside 0..24h).
    fn utc_micros(&self) -> i64 {
        self.time + i64::from(self.zone) * USECS_PER_SEC
    }

    /// The time at a UTC instant (microseconds since 2000-01-01) in a session time zone: what
    /// `current_time` and the timestamptz → timetz cast give.
    pub fn at_instant(utc: i64, tz: &TimeZone) -> TimeTz {
        let east = tz.offset_at_utc(utc);
        let local = utc_to_local(utc, tz);
        TimeTz::new(local.rem_euclid(USECS_PER_DAY), -east)
    }

    /// A time of day in the session time zone at its offset at `now` (time → timetz; PostgreSQL
    /// takes the offset in force on the current date).
    pub fn from_local_time(time: i64, now_utc: i64, tz: &TimeZone) -> TimeTz {
        let today = utc_to_local(now_utc, tz).div_euclid(USECS_PER_DAY) * USECS_PER_DAY;
        let east = tz.offset_for_local(today + time);
        TimeTz::new(time, -east)
    }
}

/// PostgreSQL's timetz_cmp: by the UTC time denoted, then by zone, so that values equal only
/// when both parts are.
impl Ord for TimeTz {
    fn cmp(&self, other: &Self) -> Ordering {
        self.utc_micros()
            .cmp(&other.utc_micros())
            .then(self.zone.cmp(&other.zone))
    }
}

impl PartialOrd for TimeTz {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// `HH:MM:SS[.ffffff]±HH[:MM[:SS]]`, as timetz_out prints it.
pub fn write_timetz(v: &TimeTz, out: &mut String) {
    write_time(v.time, out);
    write_offset(-v.zone, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_the_offset_east_of_utc() {
        let mut s = String::new();
        write_timetz(&TimeTz::new(45_296_789_000, -19_800), &mut s);
        assert_eq!(s, "12:34:56.789+05:30");
        s.clear();
        write_timetz(&TimeTz::new(0, 28_800), &mut s);
        assert_eq!(s, "00:00:00-08");
    }

    #[test]
    fn orders_by_utc_time_then_zone() {
        // 12:00+01 is 11:00 UTC, before 12:00+00.
        let a = TimeTz::new(12 * 3600 * USECS_PER_SEC, -3600);
        let b = TimeTz::new(12 * 3600 * USECS_PER_SEC, 0);
        assert!(a < b);
        // The same instant in two zones: distinct, ordered by zone.
        let c = TimeTz::new(11 * 3600 * USECS_PER_SEC, 0);
        assert_ne!(a, c);
        assert!(a < c);
    }
}
