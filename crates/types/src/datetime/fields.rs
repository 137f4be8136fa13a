//! Field functions over dates, times, timestamps and intervals: `extract`/`date_part`,
//! `date_trunc` (optionally in a named zone), `age`, `make_date`/`make_time`/
//! `make_timestamp(tz)`/`make_interval`, and `to_timestamp(double precision)`.
//!
//! `extract` returns numeric with PostgreSQL 14+'s scales (`second` has 6 decimals,
//! `milliseconds` 3, `epoch` of a timestamp 6); `date_part` is the same value as float8.
//! Fields of infinite inputs are ±Infinity for the monotonic fields and NULL otherwise.

use num_bigint::BigInt;

use super::{
    Interval, POSTGRES_EPOCH_JDATE, TimeZone, Tm, UNIX_EPOCH_DAYS, UNIX_EPOCH_USECS, USECS_PER_DAY,
    USECS_PER_HOUR, USECS_PER_MINUTE, USECS_PER_SEC, civil_from_days, day_of_week, days_from_civil,
    days_in_month, is_finite_timestamp, timestamp_out_of_range, valid_timestamp,
};
use crate::context::FormatContext;
use crate::error::{SqlError, SqlResult, SqlState};
use crate::numeric::Numeric;
use crate::value::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Microseconds,
    Milliseconds,
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Quarter,
    Year,
    Decade,
    Century,
    Millennium,
    Julian,
    Isoyear,
    Epoch,
    Dow,
    Isodow,
    Doy,
    Timezone,
    TimezoneHour,
    TimezoneMinute,
}

/// Parses a field name as `extract`/`date_trunc` accept it (case-insensitive, with plurals and
/// abbreviations).
pub fn parse_unit(s: &str) -> Option<Unit> {
    use Unit::*;
    Some(match s.trim().to_ascii_lowercase().as_str() {
        "microsecond" | "microseconds" | "us" | "usec" | "usecs" | "useconds" => Microseconds,
        "millisecond" | "milliseconds" | "ms" | "msec" | "msecs" | "mseconds" => Milliseconds,
        "second" | "seconds" | "s" | "sec" | "secs" => Second,
        "minute" | "minutes" | "m" | "min" | "mins" => Minute,
        "hour" | "hours" | "h" | "hr" | "hrs" => Hour,
        "day" | "days" | "d" => Day,
        "week" | "weeks" | "w" => Week,
        "month" | "months" | "mon" | "mons" => Month,
        "quarter" | "qtr" => Quarter,
        "year" | "years" | "y" | "yr" | "yrs" => Year,
        "decade" | "decades" | "dec" | "decs" => Decade,
        "century" | "centuries" | "c" | "cent" => Century,
        "millennium" | "millennia" | "mil" | "mils" => Millennium,
        "julian" | "j" => Julian,
        "isoyear" => Isoyear,
        "epoch" => Epoch,
        "dow" => Dow,
        "isodow" => Isodow,
        "doy" => Doy,
        "timezone" => Timezone,
        "timezone_h" | "timezone_hour" => TimezoneHour,
        "timezone_m" | "timezone_minute" => TimezoneMinute,
        _ => return None,
    })
}

fn not_recognized(unit: &str, type_name: &str) -> SqlError {
    SqlError::new(
        SqlState::INVALID_PARAMETER_VALUE,
        format!("unit \"{unit}\" not recognized for type {type_name}"),
    )
}

fn not_supported(unit: &str, type_name: &str) -> SqlError {
    SqlError::new(
        SqlState::FEATURE_NOT_SUPPORTED,
        format!("unit \"{unit}\" not supported for type {type_name}"),
    )
}

fn num(v: i64) -> Numeric {
    Numeric::from_i64(v)
}

fn scaled(mant: i64, scale: u32) -> Numeric {
    Numeric::from_parts(BigInt::from(mant), scale)
}

/// PostgreSQL's signed year as `extract` reports it (44 BC is -44) from an astronomical year.
fn pg_year(y: i64) -> i64 {
    if y > 0 { y } else { y - 1 }
}

fn decade(y: i64) -> i64 {
    if y >= 0 {
        y / 10
    } else {
        -((8 - (y - 1)) / 10)
    }
}

fn century(y: i64) -> i64 {
    if y > 0 {
        (y + 99) / 100
    } else {
        -((99 - (y - 1)) / 100)
    }
}

fn millennium(y: i64) -> i64 {
    if y > 0 {
        (y + 999) / 1000
    } else {
        -((999 - (y - 1)) / 1000)
    }
}

/// (ISO year, ISO week) of a day offset.
fn iso_week(days: i64) -> (i64, i64) {
    let isodow = i64::from((day_of_week(days) + 6) % 7 + 1);
    let thursday = days + (4 - isodow);
    let (ty, _, _) = civil_from_days(thursday);
    let doy = thursday - days_from_civil(ty, 1, 1) + 1;
    (ty, (doy - 1) / 7 + 1)
}

/// Date-based fields shared by date, timestamp and timestamptz.
fn date_field(unit: Unit, days: i64) -> Option<Numeric> {
    let (y, m, d) = civil_from_days(days);
    let year = pg_year(y);
    Some(num(match unit {
        Unit::Day => i64::from(d),
        Unit::Month => i64::from(m),
        Unit::Quarter => (i64::from(m) - 1) / 3 + 1,
        Unit::Year => year,
        Unit::Decade => decade(y),
        Unit::Century => century(y),
        Unit::Millennium => millennium(y),
        Unit::Week => iso_week(days).1,
        Unit::Isoyear => pg_year(iso_week(days).0),
        Unit::Dow => i64::from(day_of_week(days)),
        Unit::Isodow => i64::from((day_of_week(days) + 6) % 7 + 1),
        Unit::Doy => days - days_from_civil(y, 1, 1) + 1,
        _ => return None,
    }))
}

fn time_field(unit: Unit, tod: i64) -> Option<Numeric> {
    let sec_us = tod % USECS_PER_MINUTE;
    Some(match unit {
        Unit::Microseconds => num(sec_us),
        Unit::Milliseconds => scaled(sec_us, 3),
        Unit::Second => scaled(sec_us, 6),
        Unit::Minute => num((tod / USECS_PER_MINUTE) % 60),
        Unit::Hour => num(tod / USECS_PER_HOUR),
        _ => return None,
    })
}

fn infinite_field(unit: Unit, positive: bool) -> Option<Numeric> {
    match unit {
        Unit::Year
        | Unit::Decade
        | Unit::Century
        | Unit::Millennium
        | Unit::Julian
        | Unit::Isoyear
        | Unit::Epoch => Some(if positive {
            Numeric::infinity()
        } else {
            Numeric::neg_infinity()
        }),
        _ => None,
    }
}

fn timestamp_field(unit: Unit, local: i64, utc: i64, offset: Option<i32>) -> Option<Numeric> {
    let days = local.div_euclid(USECS_PER_DAY);
    let tod = local.rem_euclid(USECS_PER_DAY);
    if let Some(n) = time_field(unit, tod).or_else(|| date_field(unit, days)) {
        return Some(n);
    }
    match unit {
        Unit::Epoch => Some(scaled(utc - UNIX_EPOCH_USECS, 6)),
        Unit::Julian => {
            let jd = num(days + POSTGRES_EPOCH_JDATE);
            let frac = num(tod).div(&num(USECS_PER_DAY)).ok()?;
            jd.add(&frac).ok()
        }
        Unit::Timezone => offset.map(|o| num(i64::from(o))),
        Unit::TimezoneHour => offset.map(|o| num(i64::from(o) / 3600)),
        Unit::TimezoneMinute => offset.map(|o| num((i64::from(o) / 60) % 60)),
        _ => None,
    }
}

fn interval_field(unit: Unit, iv: &Interval) -> Option<Numeric> {
    let months = i64::from(iv.months);
    let year = months / 12;
    let sec_us = iv.micros % USECS_PER_MINUTE;
    Some(match unit {
        Unit::Microseconds => num(sec_us),
        Unit::Milliseconds => scaled(sec_us, 3),
        Unit::Second => scaled(sec_us, 6),
        Unit::Minute => num((iv.micros / USECS_PER_MINUTE) % 60),
        Unit::Hour => num(iv.micros / USECS_PER_HOUR),
        Unit::Day => num(i64::from(iv.days)),
        Unit::Month => num(months % 12),
        Unit::Quarter => num((months % 12) / 3 + 1),
        Unit::Year => num(year),
        Unit::Decade => num(year / 10),
        Unit::Century => num(year / 100),
        Unit::Millennium => num(year / 1000),
        Unit::Epoch => {
            // A year counts 365.25 days, a month 30 days (PostgreSQL's DAYS_PER_YEAR/MONTH).
            let secs = (year as f64 * 365.25 * 86_400.0) as i64
                + (30 * (months % 12) + i64::from(iv.days)) * 86_400;
            let total = i128::from(secs) * i128::from(USECS_PER_SEC) + i128::from(iv.micros);
            Numeric::from_parts(BigInt::from(total), 6)
        }
        _ => return None,
    })
}

/// `extract(unit from value)`; `Ok(None)` is SQL NULL (a field of an infinite value).
pub fn extract(unit: &str, value: &Value, ctx: &FormatContext) -> SqlResult<Option<Numeric>> {
    let type_name = match value {
        Value::Date(_) => "date",
        Value::Time(_) => "time without time zone",
        Value::Timestamp(_) => "timestamp without time zone",
        Value::Timestamptz(_) => "timestamp with time zone",
        Value::Interval(_) => "interval",
        Value::Null => return Ok(None),
        _ => return Err(SqlError::internal("extract from a non-datetime value")),
    };
    let u = parse_unit(unit).ok_or_else(|| not_recognized(unit, type_name))?;
    let unsupported = || not_supported(unit, type_name);
    match value {
        Value::Date(d) => {
            if !super::is_finite_date(*d) {
                return if date_field(u, 0).is_some() || matches!(u, Unit::Julian | Unit::Epoch) {
                    Ok(infinite_field(u, *d > 0))
                } else {
                    Err(unsupported())
                };
            }
            let days = i64::from(*d);
            match u {
                Unit::Epoch => Ok(Some(num((days - UNIX_EPOCH_DAYS) * 86_400))),
                Unit::Julian => Ok(Some(num(days + POSTGRES_EPOCH_JDATE))),
                _ => date_field(u, days).map(Some).ok_or_else(unsupported),
            }
        }
        Value::Time(t) => match u {
            Unit::Epoch => Ok(Some(scaled(*t, 6))),
            _ => time_field(u, *t).map(Some).ok_or_else(unsupported),
        },
        Value::Timestamp(t) => {
            if matches!(
                u,
                Unit::Timezone | Unit::TimezoneHour | Unit::TimezoneMinute
            ) {
                return Err(unsupported());
            }
            if !is_finite_timestamp(*t) {
                return Ok(infinite_field(u, *t > 0));
            }
            timestamp_field(u, *t, *t, None)
                .map(Some)
                .ok_or_else(unsupported)
        }
        Value::Timestamptz(t) => {
            if !is_finite_timestamp(*t) {
                return Ok(infinite_field(u, *t > 0));
            }
            let off = ctx.time_zone.offset_at_utc(*t);
            let local = t + i64::from(off) * USECS_PER_SEC;
            timestamp_field(u, local, *t, Some(off))
                .map(Some)
                .ok_or_else(unsupported)
        }
        Value::Interval(iv) => interval_field(u, iv).map(Some).ok_or_else(unsupported),
        _ => Ok(None),
    }
}

/// `date_part(unit, value)`: `extract` as double precision.
pub fn date_part(unit: &str, value: &Value, ctx: &FormatContext) -> SqlResult<Option<f64>> {
    Ok(extract(unit, value, ctx)?.map(|n| n.to_f64()))
}

/// Truncates broken-down fields to `unit`.
fn trunc_tm(tm: &mut Tm, unit: Unit) -> bool {
    // PostgreSQL's broken-down year is astronomical here (1 BC is 0).
    let year = tm.year;
    let astro = |y: i64| y;
    match unit {
        Unit::Millennium => {
            let y = if year > 0 {
                ((year + 999) / 1000) * 1000 - 999
            } else {
                -((999 - (year - 1)) / 1000) * 1000 + 1
            };
            tm.year = astro(y);
        }
        Unit::Century => {
            let y = if year > 0 {
                ((year + 99) / 100) * 100 - 99
            } else {
                -((99 - (year - 1)) / 100) * 100 + 1
            };
            tm.year = astro(y);
        }
        Unit::Decade => {
            let y = if year > 0 {
                (year / 10) * 10
            } else {
                -((8 - (year - 1)) / 10) * 10
            };
            tm.year = astro(y);
        }
        _ => {}
    }
    match unit {
        Unit::Millennium | Unit::Century | Unit::Decade | Unit::Year => tm.month = 1,
        Unit::Quarter => tm.month = 3 * ((tm.month - 1) / 3) + 1,
        _ => {}
    }
    match unit {
        Unit::Millennium
        | Unit::Century
        | Unit::Decade
        | Unit::Year
        | Unit::Quarter
        | Unit::Month => tm.day = 1,
        Unit::Week => {
            let days = days_from_civil(tm.year, tm.month, tm.day);
            let isodow = i64::from((day_of_week(days) + 6) % 7);
            let (y, m, d) = civil_from_days(days - isodow);
            tm.year = y;
            tm.month = m;
            tm.day = d;
        }
        Unit::Day
        | Unit::Hour
        | Unit::Minute
        | Unit::Second
        | Unit::Milliseconds
        | Unit::Microseconds => {}
        _ => return false,
    }
    match unit {
        Unit::Hour => {
            tm.minute = 0;
            tm.second = 0;
            tm.micros = 0;
        }
        Unit::Minute => {
            tm.second = 0;
            tm.micros = 0;
        }
        Unit::Second => tm.micros = 0,
        Unit::Milliseconds => tm.micros = (tm.micros / 1000) * 1000,
        Unit::Microseconds => {}
        _ => {
            tm.hour = 0;
            tm.minute = 0;
            tm.second = 0;
            tm.micros = 0;
        }
    }
    true
}

fn trunc_local(unit: Unit, local: i64) -> Option<i64> {
    let mut tm = Tm::from_timestamp(local);
    if !trunc_tm(&mut tm, unit) {
        return None;
    }
    tm.to_timestamp()
}

/// `date_trunc(unit, value)` for timestamp, timestamptz (in the session zone) and interval.
pub fn date_trunc(unit: &str, value: &Value, ctx: &FormatContext) -> SqlResult<Value> {
    date_trunc_in(unit, value, &ctx.time_zone)
}

/// `date_trunc(unit, timestamptz, zone)`.
pub fn date_trunc_zone(unit: &str, value: &Value, zone: &str) -> SqlResult<Value> {
    let tz = TimeZone::parse(zone).map_err(|_| {
        SqlError::new(
            SqlState::INVALID_PARAMETER_VALUE,
            format!("time zone \"{zone}\" not recognized"),
        )
    })?;
    date_trunc_in(unit, value, &tz)
}

fn date_trunc_in(unit: &str, value: &Value, tz: &TimeZone) -> SqlResult<Value> {
    let type_name = match value {
        Value::Timestamp(_) => "timestamp without time zone",
        Value::Timestamptz(_) => "timestamp with time zone",
        Value::Interval(_) => "interval",
        Value::Null => return Ok(Value::Null),
        _ => return Err(SqlError::internal("date_trunc of a non-datetime value")),
    };
    let u = parse_unit(unit).ok_or_else(|| not_recognized(unit, type_name))?;
    let unsupported = || not_supported(unit, type_name);
    match value {
        Value::Timestamp(t) => {
            if !is_finite_timestamp(*t) {
                return Ok(value.clone());
            }
            trunc_local(u, *t)
                .map(Value::Timestamp)
                .ok_or_else(|| not_recognized(unit, type_name))
        }
        Value::Timestamptz(t) => {
            if !is_finite_timestamp(*t) {
                return Ok(value.clone());
            }
            let local = super::utc_to_local(*t, tz);
            let tl = trunc_local(u, local).ok_or_else(|| not_recognized(unit, type_name))?;
            // Units below a day keep the instant's own offset (no re-resolution across DST).
            let off = if matches!(
                u,
                Unit::Hour | Unit::Minute | Unit::Second | Unit::Milliseconds | Unit::Microseconds
            ) {
                tz.offset_at_utc(*t)
            } else {
                tz.offset_for_local(tl)
            };
            let r = tl - i64::from(off) * USECS_PER_SEC;
            if !valid_timestamp(r) {
                return Err(timestamp_out_of_range());
            }
            Ok(Value::Timestamptz(r))
        }
        Value::Interval(iv) => {
            let months = i64::from(iv.months);
            let year = months / 12;
            let mut r = *iv;
            let keep_months = |m: i64| m as i32;
            match u {
                Unit::Millennium => r = Interval::new(keep_months((year / 1000) * 1000 * 12), 0, 0),
                Unit::Century => r = Interval::new(keep_months((year / 100) * 100 * 12), 0, 0),
                Unit::Decade => r = Interval::new(keep_months((year / 10) * 10 * 12), 0, 0),
                Unit::Year => r = Interval::new(keep_months(year * 12), 0, 0),
                Unit::Quarter => {
                    r = Interval::new(keep_months(year * 12 + 3 * ((months % 12) / 3)), 0, 0)
                }
                Unit::Month => r = Interval::new(iv.months, 0, 0),
                Unit::Day => r.micros = 0,
                Unit::Hour => r.micros -= r.micros % USECS_PER_HOUR,
                Unit::Minute => r.micros -= r.micros % USECS_PER_MINUTE,
                Unit::Second => r.micros -= r.micros % USECS_PER_SEC,
                Unit::Milliseconds => r.micros -= r.micros % 1000,
                Unit::Microseconds => {}
                Unit::Week => {
                    return Err(SqlError::new(
                        SqlState::FEATURE_NOT_SUPPORTED,
                        format!("unit \"{unit}\" not supported for type interval"),
                    )
                    .with_detail("Months usually have fractional weeks."));
                }
                _ => return Err(unsupported()),
            }
            Ok(Value::Interval(r))
        }
        _ => Ok(Value::Null),
    }
}

/// `age(a, b)`: the symbolic difference in years, months, days and time, computed field by
/// field as PostgreSQL does. Timestamptz values are compared in the session zone.
pub fn age(a: &Value, b: &Value, ctx: &FormatContext) -> SqlResult<Interval> {
    let (t1, t2) = match (a, b) {
        (Value::Timestamp(x), Value::Timestamp(y)) => (*x, *y),
        (Value::Timestamptz(x), Value::Timestamptz(y)) => (
            super::utc_to_local(*x, &ctx.time_zone),
            super::utc_to_local(*y, &ctx.time_zone),
        ),
        _ => return Err(SqlError::internal("age of non-timestamp values")),
    };
    if !is_finite_timestamp(t1) || !is_finite_timestamp(t2) {
        return Err(SqlError::new(
            SqlState::DATETIME_FIELD_OVERFLOW,
            "cannot calculate age of infinite timestamps",
        ));
    }
    let a = Tm::from_timestamp(t1);
    let b = Tm::from_timestamp(t2);
    let mut usec = i64::from(a.micros) - i64::from(b.micros);
    let mut sec = i64::from(a.second) - i64::from(b.second);
    let mut min = i64::from(a.minute) - i64::from(b.minute);
    let mut hour = i64::from(a.hour) - i64::from(b.hour);
    let mut mday = i64::from(a.day) - i64::from(b.day);
    let mut mon = i64::from(a.month) - i64::from(b.month);
    let mut year = a.year - b.year;
    let flip = t1 < t2;
    if flip {
        for f in [
            &mut usec, &mut sec, &mut min, &mut hour, &mut mday, &mut mon, &mut year,
        ] {
            *f = -*f;
        }
    }
    while usec < 0 {
        usec += USECS_PER_SEC;
        sec -= 1;
    }
    while sec < 0 {
        sec += 60;
        min -= 1;
    }
    while min < 0 {
        min += 60;
        hour -= 1;
    }
    while hour < 0 {
        hour += 24;
        mday -= 1;
    }
    while mday < 0 {
        let base = if flip { &a } else { &b };
        mday += i64::from(days_in_month(base.year, base.month));
        mon -= 1;
    }
    while mon < 0 {
        mon += 12;
        year -= 1;
    }
    if flip {
        for f in [
            &mut usec, &mut sec, &mut min, &mut hour, &mut mday, &mut mon, &mut year,
        ] {
            *f = -*f;
        }
    }
    let months = i32::try_from(year * 12 + mon).map_err(|_| super::interval_out_of_range())?;
    let micros = ((hour * 60 + min) * 60 + sec) * USECS_PER_SEC + usec;
    Ok(Interval::new(months, mday as i32, micros))
}

/// `age(timestamp)`: from midnight of the current date.
pub fn age_from_today(v: &Value, ctx: &FormatContext) -> SqlResult<Interval> {
    let today_local = super::utc_to_local(ctx.now_micros, &ctx.time_zone).div_euclid(USECS_PER_DAY)
        * USECS_PER_DAY;
    match v {
        Value::Timestamptz(_) => {
            let midnight = super::local_to_utc(today_local, &ctx.time_zone)?;
            age(&Value::Timestamptz(midnight), v, ctx)
        }
        _ => age(&Value::Timestamp(today_local), v, ctx),
    }
}

fn field_range(msg: String) -> SqlError {
    SqlError::new(SqlState::DATETIME_FIELD_OVERFLOW, msg)
}

/// `make_date(year, month, day)`: negative years are BC.
pub fn make_date(year: i32, month: i32, day: i32) -> SqlResult<i32> {
    let err = || {
        field_range(format!(
            "date field value out of range: {year}-{month:02}-{day:02}"
        ))
    };
    if year == 0 || !(1..=12).contains(&month) || day < 1 {
        return Err(err());
    }
    let y = if year < 0 {
        i64::from(year) + 1
    } else {
        i64::from(year)
    };
    if day as u32 > days_in_month(y, month as u32) {
        return Err(err());
    }
    let days = days_from_civil(y, month as u32, day as u32);
    if !super::valid_date(days) {
        return Err(SqlError::new(
            SqlState::DATETIME_FIELD_OVERFLOW,
            format!("date out of range: {year}-{month:02}-{day:02}"),
        ));
    }
    Ok(days as i32)
}

/// `make_time(hour, min, sec)`.
pub fn make_time(hour: i32, min: i32, sec: f64) -> SqlResult<i64> {
    let micros = (sec * 1e6).round();
    let ok = (0..=24).contains(&hour)
        && (0..60).contains(&min)
        && (0.0..=60e6).contains(&micros)
        && (hour < 24 || (min == 0 && micros == 0.0));
    if !ok {
        return Err(field_range(format!(
            "time field value out of range: {hour}:{min:02}:{sec:09.6}"
        )));
    }
    Ok(i64::from(hour) * USECS_PER_HOUR + i64::from(min) * USECS_PER_MINUTE + micros as i64)
}

/// `make_timestamp(year, month, day, hour, min, sec)`.
pub fn make_timestamp(
    year: i32,
    month: i32,
    day: i32,
    hour: i32,
    min: i32,
    sec: f64,
) -> SqlResult<i64> {
    let d = make_date(year, month, day)?;
    let t = make_time(hour, min, sec)?;
    i64::from(d)
        .checked_mul(USECS_PER_DAY)
        .and_then(|v| v.checked_add(t))
        .filter(|v| valid_timestamp(*v))
        .ok_or_else(timestamp_out_of_range)
}

/// `make_timestamptz(..., [zone])`: the wall-clock time in `zone` (default the session's).
pub fn make_timestamptz(
    fields: (i32, i32, i32, i32, i32, f64),
    zone: Option<&str>,
    ctx: &FormatContext,
) -> SqlResult<i64> {
    let local = make_timestamp(fields.0, fields.1, fields.2, fields.3, fields.4, fields.5)?;
    let tz = match zone {
        Some(z) => TimeZone::parse(z).map_err(|_| {
            SqlError::new(
                SqlState::INVALID_PARAMETER_VALUE,
                format!("time zone \"{z}\" not recognized"),
            )
        })?,
        None => ctx.time_zone.clone(),
    };
    super::local_to_utc(local, &tz)
}

/// `make_interval(years, months, weeks, days, hours, mins, secs)`.
pub fn make_interval(
    years: i32,
    months: i32,
    weeks: i32,
    days: i32,
    hours: i32,
    mins: i32,
    secs: f64,
) -> SqlResult<Interval> {
    let oor = super::interval_out_of_range;
    let m = i64::from(years) * 12 + i64::from(months);
    let d = i64::from(weeks) * 7 + i64::from(days);
    let micros_f = secs * 1e6;
    if !micros_f.is_finite() {
        return Err(oor());
    }
    let micros = i128::from(hours) * i128::from(USECS_PER_HOUR)
        + i128::from(mins) * i128::from(USECS_PER_MINUTE)
        + micros_f.round() as i128;
    Ok(Interval::new(
        i32::try_from(m).map_err(|_| oor())?,
        i32::try_from(d).map_err(|_| oor())?,
        i64::try_from(micros).map_err(|_| oor())?,
    ))
}

/// `to_timestamp(double precision)`: Unix epoch seconds to timestamptz.
pub fn to_timestamp_epoch(secs: f64) -> SqlResult<i64> {
    if secs.is_nan() {
        return Err(SqlError::new(
            SqlState::DATETIME_FIELD_OVERFLOW,
            "timestamp cannot be NaN",
        ));
    }
    if secs.is_infinite() {
        return Ok(if secs > 0.0 { i64::MAX } else { i64::MIN });
    }
    let us = (secs * 1e6).round() + UNIX_EPOCH_USECS as f64;
    if !(super::MIN_TIMESTAMP as f64..super::END_TIMESTAMP as f64).contains(&us) {
        return Err(field_range(format!(
            "timestamp out of range: \"{}\"",
            crate::float::format_g(secs, 15)
        )));
    }
    Ok(us as i64)
}

#[cfg(test)]
#[path = "fields_tests.rs"]
mod tests;
