//! Date/time arithmetic as PostgreSQL's operators do it: date ± integer, date − date,
//! timestamp(tz) ± interval (months first with day-of-month clamping, then days, then time;
//! timestamptz in the session time zone), timestamp − timestamp (days and time, no months),
//! time ± interval, and the `justify_*` functions.

use super::{
    Interval, TimeZone, Tm, USECS_PER_DAY, USECS_PER_SEC, date_out_of_range, days_in_month,
    interval_out_of_range, is_finite_date, is_finite_timestamp, timestamp_out_of_range, valid_date,
    valid_timestamp,
};
use crate::error::{SqlError, SqlResult, SqlState};

/// `date + integer` (infinite dates stay infinite).
pub fn date_add_days(d: i32, n: i64) -> SqlResult<i32> {
    if !is_finite_date(d) {
        return Ok(d);
    }
    let r = i64::from(d) + n;
    if !valid_date(r) {
        return Err(date_out_of_range());
    }
    Ok(r as i32)
}

/// `date - date`: days between.
pub fn date_sub_date(a: i32, b: i32) -> SqlResult<i32> {
    if !is_finite_date(a) || !is_finite_date(b) {
        return Err(SqlError::new(
            SqlState::DATETIME_FIELD_OVERFLOW,
            "cannot subtract infinite dates",
        ));
    }
    i32::try_from(i64::from(a) - i64::from(b)).map_err(|_| date_out_of_range())
}

/// Adds months to broken-down fields, clamping the day to the month's length.
fn add_months(tm: &mut Tm, months: i32) {
    let total = tm.year * 12 + i64::from(tm.month) - 1 + i64::from(months);
    tm.year = total.div_euclid(12);
    tm.month = (total.rem_euclid(12) + 1) as u32;
    let dim = days_in_month(tm.year, tm.month);
    if tm.day > dim {
        tm.day = dim;
    }
}

/// Applies an interval's months and days to a wall-clock timestamp.
fn add_months_days(local: i64, iv: &Interval) -> SqlResult<i64> {
    let mut t = local;
    if iv.months != 0 {
        let mut tm = Tm::from_timestamp(t);
        add_months(&mut tm, iv.months);
        t = tm.to_timestamp().ok_or_else(timestamp_out_of_range)?;
    }
    if iv.days != 0 {
        t = t
            .checked_add(
                i64::from(iv.days)
                    .checked_mul(USECS_PER_DAY)
                    .ok_or_else(timestamp_out_of_range)?,
            )
            .filter(|v| valid_timestamp(*v))
            .ok_or_else(timestamp_out_of_range)?;
    }
    Ok(t)
}

/// `timestamp + interval`.
pub fn timestamp_add_interval(ts: i64, iv: &Interval) -> SqlResult<i64> {
    if !is_finite_timestamp(ts) {
        return Ok(ts);
    }
    let t = add_months_days(ts, iv)?;
    t.checked_add(iv.micros)
        .filter(|v| valid_timestamp(*v))
        .ok_or_else(timestamp_out_of_range)
}

/// `timestamp - interval`.
pub fn timestamp_sub_interval(ts: i64, iv: &Interval) -> SqlResult<i64> {
    timestamp_add_interval(ts, &iv.checked_neg()?)
}

/// `timestamptz + interval`: months and days move the local date in `tz` (so a day across a
/// DST change keeps the wall-clock time); the time part is added in absolute time.
pub fn timestamptz_add_interval(ts: i64, iv: &Interval, tz: &TimeZone) -> SqlResult<i64> {
    if !is_finite_timestamp(ts) {
        return Ok(ts);
    }
    let mut t = ts;
    if iv.months != 0 || iv.days != 0 {
        let local = t + i64::from(tz.offset_at_utc(t)) * USECS_PER_SEC;
        let moved = add_months_days(local, iv)?;
        t = moved - i64::from(tz.offset_for_local(moved)) * USECS_PER_SEC;
    }
    t.checked_add(iv.micros)
        .filter(|v| valid_timestamp(*v))
        .ok_or_else(timestamp_out_of_range)
}

pub fn timestamptz_sub_interval(ts: i64, iv: &Interval, tz: &TimeZone) -> SqlResult<i64> {
    timestamptz_add_interval(ts, &iv.checked_neg()?, tz)
}

/// `timestamp - timestamp` (and timestamptz): the difference as days and time, justified so
/// both have the same sign; never months.
pub fn timestamp_diff(a: i64, b: i64) -> SqlResult<Interval> {
    if !is_finite_timestamp(a) || !is_finite_timestamp(b) {
        return Err(SqlError::new(
            SqlState::DATETIME_FIELD_OVERFLOW,
            "cannot subtract infinite timestamps",
        ));
    }
    let micros = a.checked_sub(b).ok_or_else(interval_out_of_range)?;
    justify_hours(&Interval::new(0, 0, micros))
}

/// `time + interval`: wraps around midnight.
pub fn time_add_interval(t: i64, iv: &Interval) -> i64 {
    (t + iv.micros.rem_euclid(USECS_PER_DAY)).rem_euclid(USECS_PER_DAY)
}

pub fn time_sub_interval(t: i64, iv: &Interval) -> i64 {
    (t - iv.micros.rem_euclid(USECS_PER_DAY)).rem_euclid(USECS_PER_DAY)
}

/// `justify_hours`: whole days out of the time part.
pub fn justify_hours(iv: &Interval) -> SqlResult<Interval> {
    let whole = iv.micros / USECS_PER_DAY;
    let mut time = iv.micros % USECS_PER_DAY;
    let mut day = i64::from(iv.days) + whole;
    if day > 0 && time < 0 {
        time += USECS_PER_DAY;
        day -= 1;
    } else if day < 0 && time > 0 {
        time -= USECS_PER_DAY;
        day += 1;
    }
    Ok(Interval::new(
        iv.months,
        i32::try_from(day).map_err(|_| interval_out_of_range())?,
        time,
    ))
}

/// `justify_days`: whole 30-day months out of the days part.
pub fn justify_days(iv: &Interval) -> SqlResult<Interval> {
    let whole = iv.days / 30;
    let mut day = iv.days - whole * 30;
    let mut month = i64::from(iv.months) + i64::from(whole);
    if month > 0 && day < 0 {
        day += 30;
        month -= 1;
    } else if month < 0 && day > 0 {
        day -= 30;
        month += 1;
    }
    Ok(Interval::new(
        i32::try_from(month).map_err(|_| interval_out_of_range())?,
        day,
        iv.micros,
    ))
}

/// `justify_interval`: both, with consistent signs.
pub fn justify_interval(iv: &Interval) -> SqlResult<Interval> {
    let whole_day = iv.micros / USECS_PER_DAY;
    let mut time = iv.micros % USECS_PER_DAY;
    let mut day = i64::from(iv.days) + whole_day;
    let whole_month = day / 30;
    day -= whole_month * 30;
    let mut month = i64::from(iv.months) + whole_month;
    if month > 0 && (day < 0 || (day == 0 && time < 0)) {
        day += 30;
        month -= 1;
    } else if month < 0 && (day > 0 || (day == 0 && time > 0)) {
        day -= 30;
        month += 1;
    }
    if day > 0 && time < 0 {
        time += USECS_PER_DAY;
        day -= 1;
    } else if day < 0 && time > 0 {
        time -= USECS_PER_DAY;
        day += 1;
    }
    Ok(Interval::new(
        i32::try_from(month).map_err(|_| interval_out_of_range())?,
        i32::try_from(day).map_err(|_| interval_out_of_range())?,
        time,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::FormatContext;
    use crate::datetime::format::{write_timestamp, write_timestamptz};
    use crate::datetime::interval::parse_interval;
    use crate::datetime::parse::{parse_timestamp, parse_timestamptz};

    fn ts(s: &str) -> i64 {
        parse_timestamp(s, &FormatContext::default()).unwrap_or(0)
    }

    fn iv(s: &str) -> Interval {
        parse_interval(s).unwrap_or_default()
    }

    fn show(t: i64) -> String {
        let mut o = String::new();
        write_timestamp(t, &mut o);
        o
    }

    #[test]
    fn month_arithmetic_clamps() {
        let r = timestamp_add_interval(ts("2024-01-31"), &iv("1 month")).unwrap_or(0);
        assert_eq!(show(r), "2024-02-29 00:00:00");
        let r = timestamp_add_interval(ts("2024-03-31 10:00"), &iv("-1 month 1 day 01:00"))
            .unwrap_or(0);
        assert_eq!(show(r), "2024-03-01 11:00:00");
        let r = timestamp_sub_interval(ts("2024-01-01"), &iv("1 year 1 mon")).unwrap_or(0);
        assert_eq!(show(r), "2022-12-01 00:00:00");
    }

    #[test]
    fn differences() {
        let d = timestamp_diff(ts("2024-03-01 12:00"), ts("2024-01-01")).unwrap_or_default();
        let mut o = String::new();
        d.write_postgres(&mut o);
        assert_eq!(o, "60 days 12:00:00");
        let d = timestamp_diff(ts("2024-01-01"), ts("2024-01-02 01:00")).unwrap_or_default();
        o.clear();
        d.write_postgres(&mut o);
        assert_eq!(o, "-1 days -01:00:00");
        assert!(timestamp_diff(i64::MAX, 0).is_err());
    }

    #[test]
    fn dst_aware_day_addition() {
        let ctx = FormatContext {
            time_zone: TimeZone::parse("America/New_York").unwrap_or_default(),
            ..FormatContext::default()
        };
        let t = parse_timestamptz("2024-03-09 12:00", &ctx).unwrap_or(0);
        let r = timestamptz_add_interval(t, &iv("1 day"), &ctx.time_zone).unwrap_or(0);
        let mut o = String::new();
        write_timestamptz(r, &ctx.time_zone, &mut o);
        assert_eq!(o, "2024-03-10 12:00:00-04");
        let r = timestamptz_add_interval(t, &iv("24 hours"), &ctx.time_zone).unwrap_or(0);
        o.clear();
        write_timestamptz(r, &ctx.time_zone, &mut o);
        assert_eq!(o, "2024-03-10 13:00:00-04");
    }

    #[test]
    fn justify() {
        let show_iv = |i: SqlResult<Interval>| {
            let mut o = String::new();
            i.unwrap_or_default().write_postgres(&mut o);
            o
        };
        assert_eq!(show_iv(justify_hours(&iv("27 hours"))), "1 day 03:00:00");
        assert_eq!(show_iv(justify_days(&iv("35 days"))), "1 mon 5 days");
        assert_eq!(
            show_iv(justify_interval(&iv("1 mon -1 hour"))),
            "29 days 23:00:00"
        );
        assert_eq!(date_add_days(i32::MAX, 1).ok(), Some(i32::MAX));
        assert!(date_sub_date(i32::MAX, 0).is_err());
        assert_eq!(
            time_add_interval(23 * 3_600_000_000, &iv("2 hours")),
            3_600_000_000
        );
    }
}
