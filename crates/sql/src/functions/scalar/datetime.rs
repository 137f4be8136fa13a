//! Date/time functions as thin wrappers over `embeddb_types::datetime`: `extract` (numeric)
//! and `date_part` (float8), `date_trunc`, `age`, `to_char` (dates, intervals and numbers),
//! `to_date`, `to_timestamp`, `make_date`/`make_time`/`make_timestamp(tz)`/`make_interval`,
//! `justify_*`, `isfinite`, `date_bin`, and `timezone` (the function behind `AT TIME ZONE`).
//! The clock functions (`now()`, `current_date`, ...) live in `system`.

use embeddb_types::datetime::fields::{self, age, age_from_today, date_part, extract};
use embeddb_types::datetime::to_char::{to_char_datetime, to_date_text, to_timestamp_text};
use embeddb_types::datetime::{
    self as dt, Interval, TS_NEG_INFINITY, TS_POS_INFINITY, TimeZone, USECS_PER_DAY, USECS_PER_SEC,
    arith,
};
use embeddb_types::numfmt::{NumberInput, to_char_number};
use embeddb_types::{DataType, Numeric, SqlError, SqlResult, SqlState, Value};

use super::{float, int4, text};
use crate::exec::context::ExecContext;
use crate::functions::registry::Registry;
use crate::functions::{CallInfo, ScalarImpl};

type Args<'a> = &'a [Value];

fn interval(v: &Value) -> Interval {
    match v {
        Value::Interval(iv) => *iv,
        _ => Interval::new(0, 0, 0),
    }
}

fn ts(v: &Value) -> i64 {
    match v {
        Value::Timestamp(t) | Value::Timestamptz(t) => *t,
        _ => 0,
    }
}

fn extract_fn(args: Args, _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    Ok(extract(text(&args[0]), &args[1], ctx.format())?.map_or(Value::Null, Value::Numeric))
}

fn date_part_fn(args: Args, _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    // date_part(text, date) is PostgreSQL's SQL wrapper over the timestamp version, so
    // sub-day fields of a date are 0 rather than errors.
    let v = match &args[1] {
        Value::Date(d) => Value::Timestamp(dt::date_to_timestamp(*d)?),
        other => other.clone(),
    };
    Ok(date_part(text(&args[0]), &v, ctx.format())?.map_or(Value::Null, Value::Float8))
}

fn date_trunc_fn(args: Args, _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    match args.get(2) {
        Some(zone) => fields::date_trunc_zone(text(&args[0]), &args[1], text(zone)),
        None => fields::date_trunc(text(&args[0]), &args[1], ctx.format()),
    }
}

fn age_fn(args: Args, _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    let iv = match args.get(1) {
        Some(b) => age(&args[0], b, ctx.format())?,
        None => age_from_today(&args[0], ctx.format())?,
    };
    Ok(Value::Interval(iv))
}

fn to_char_fn(args: Args, _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    let fmt = text(&args[1]);
    let number = match &args[0] {
        Value::Numeric(n) => NumberInput::Numeric(n.clone()),
        Value::Int2(_) | Value::Int4(_) | Value::Int8(_) => {
            NumberInput::Numeric(Numeric::from_i64(args[0].as_i64().unwrap_or(0)))
        }
        Value::Float4(f) => NumberInput::Float(f64::from(*f)),
        Value::Float8(f) => NumberInput::Float(*f),
        v => {
            return Ok(to_char_datetime(v, fmt, ctx.format()).map_or(Value::Null, Value::Text));
        }
    };
    Ok(Value::Text(to_char_number(number, fmt)?))
}

fn to_date_fn(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Date(to_date_text(text(&args[0]), text(&args[1]))?))
}

fn to_timestamp_fn(args: Args, _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Timestamptz(match args.get(1) {
        Some(fmt) => to_timestamp_text(text(&args[0]), text(fmt), ctx.format())?,
        None => fields::to_timestamp_epoch(float(&args[0]))?,
    }))
}

fn make_date(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Date(fields::make_date(
        int4(&args[0]),
        int4(&args[1]),
        int4(&args[2]),
    )?))
}

fn make_time(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Time(fields::make_time(
        int4(&args[0]),
        int4(&args[1]),
        float(&args[2]),
    )?))
}

fn ts_fields(args: Args) -> (i32, i32, i32, i32, i32, f64) {
    (
        int4(&args[0]),
        int4(&args[1]),
        int4(&args[2]),
        int4(&args[3]),
        int4(&args[4]),
        float(&args[5]),
    )
}

fn make_timestamp(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let f = ts_fields(args);
    Ok(Value::Timestamp(fields::make_timestamp(
        f.0, f.1, f.2, f.3, f.4, f.5,
    )?))
}

fn make_timestamptz(args: Args, _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    let zone = args.get(6).map(text);
    Ok(Value::Timestamptz(fields::make_timestamptz(
        ts_fields(args),
        zone,
        ctx.format(),
    )?))
}

/// `make_interval(years, months, weeks, days, hours, mins, secs)`; missing trailing
/// arguments default to 0 as PostgreSQL's declared defaults do.
fn make_interval(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let i = |n: usize| args.get(n).map_or(0, int4);
    let secs = args.get(6).map_or(0.0, float);
    Ok(Value::Interval(fields::make_interval(
        i(0),
        i(1),
        i(2),
        i(3),
        i(4),
        i(5),
        secs,
    )?))
}

fn justify_days(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Interval(arith::justify_days(&interval(&args[0]))?))
}

fn justify_hours(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Interval(arith::justify_hours(&interval(&args[0]))?))
}

fn justify_interval(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Interval(arith::justify_interval(&interval(
        &args[0],
    ))?))
}

fn isfinite(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Bool(match &args[0] {
        Value::Date(d) => dt::is_finite_date(*d),
        Value::Timestamp(t) | Value::Timestamptz(t) => dt::is_finite_timestamp(*t),
        _ => true,
    }))
}

fn datetime_error(msg: &str) -> SqlError {
    SqlError::new(SqlState::DATETIME_FIELD_OVERFLOW, msg)
}

/// `date_bin(stride, source, origin)`: the start of the stride-wide bin holding `source`,
/// counting bins from `origin` (both timestamp kinds bin the same instants).
fn date_bin(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let stride = interval(&args[0]);
    let (source, origin) = (ts(&args[1]), ts(&args[2]));
    let wrap = |t: i64| match &args[1] {
        Value::Timestamptz(_) => Value::Timestamptz(t),
        _ => Value::Timestamp(t),
    };
    if !dt::is_finite_timestamp(source) {
        return Ok(wrap(source));
    }
    if !dt::is_finite_timestamp(origin) {
        return Err(datetime_error("origin out of range"));
    }
    if stride.months != 0 {
        return Err(SqlError::new(
            SqlState::FEATURE_NOT_SUPPORTED,
            "timestamps cannot be binned into intervals containing months or years",
        ));
    }
    let width = i64::from(stride.days)
        .checked_mul(USECS_PER_DAY)
        .and_then(|d| d.checked_add(stride.micros))
        .ok_or_else(dt::interval_out_of_range)?;
    if width <= 0 {
        return Err(datetime_error("stride must be greater than zero"));
    }
    let diff = source
        .checked_sub(origin)
        .ok_or_else(dt::interval_out_of_range)?;
    let modulo = diff % width;
    let mut result = origin + (diff - modulo);
    // Round toward -infinity, not toward zero, when the source precedes the origin.
    if diff < 0 && modulo != 0 {
        result = result
            .checked_sub(width)
            .ok_or_else(dt::timestamp_out_of_range)?;
    }
    if !dt::valid_timestamp(result) {
        return Err(dt::timestamp_out_of_range());
    }
    Ok(wrap(result))
}

fn unknown_zone(name: &str) -> SqlError {
    SqlError::new(
        SqlState::INVALID_PARAMETER_VALUE,
        format!("time zone \"{name}\" not recognized"),
    )
}

/// The zone an `AT TIME ZONE` operand names: an abbreviation (`EST`, `CEST`) first, then a
/// full zone name or POSIX spec; an interval is a fixed offset east of UTC.
fn zone_of(v: &Value) -> SqlResult<TimeZone> {
    match v {
        Value::Interval(iv) => {
            if iv.months != 0 || iv.days != 0 {
                let mut shown = String::new();
                iv.write_postgres(&mut shown);
                return Err(SqlError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    format!("interval time zone \"{shown}\" must not include months or days"),
                ));
            }
            let secs = i32::try_from(iv.micros / USECS_PER_SEC)
                .map_err(|_| dt::interval_out_of_range())?;
            Ok(TimeZone::fixed(secs))
        }
        other => {
            let name = text(other);
            if name
                .trim()
                .starts_with(|c: char| c.is_ascii_digit() || c == '+' || c == '-')
            {
                // A bare offset is a POSIX zone here (hours west of UTC), unlike in
                // SET TIME ZONE where a number means hours east.
                return TimeZone::parse(&format!("UTC{}", name.trim()))
                    .map_err(|_| unknown_zone(name));
            }
            TimeZone::from_input_name(name)
                .map_or_else(|| TimeZone::parse(name), Ok)
                .map_err(|_| unknown_zone(name))
        }
    }
}

/// `timezone(zone, timestamptz)` → local time there; `timezone(zone, timestamp)` → the
/// instant that local time in the zone is.
fn timezone(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let tz = zone_of(&args[0])?;
    match &args[1] {
        Value::Timestamptz(t) => Ok(Value::Timestamp(dt::utc_to_local(*t, &tz))),
        Value::Timestamp(t) => {
            if *t == TS_NEG_INFINITY || *t == TS_POS_INFINITY {
                return Ok(Value::Timestamptz(*t));
            }
            Ok(Value::Timestamptz(dt::local_to_utc(*t, &tz)?))
        }
        _ => Ok(Value::Null),
    }
}

pub(super) fn register(r: &mut Registry) {
    use DataType as T;
    let num = || T::Numeric(None);
    for t in [T::Date, T::Time, T::Timestamp, T::Interval] {
        r.exact("extract", &[T::Text, t.clone()], num(), extract_fn);
        r.exact("date_part", &[T::Text, t], T::Float8, date_part_fn);
    }
    r.exact("extract", &[T::Text, T::Timestamptz], num(), extract_fn)
        .stable();
    r.exact(
        "date_part",
        &[T::Text, T::Timestamptz],
        T::Float8,
        date_part_fn,
    )
    .stable();
    r.exact(
        "date_trunc",
        &[T::Text, T::Timestamp],
        T::Timestamp,
        date_trunc_fn,
    );
    r.exact(
        "date_trunc",
        &[T::Text, T::Interval],
        T::Interval,
        date_trunc_fn,
    );
    r.exact(
        "date_trunc",
        &[T::Text, T::Timestamptz],
        T::Timestamptz,
        date_trunc_fn,
    )
    .stable();
    r.exact(
        "date_trunc",
        &[T::Text, T::Timestamptz, T::Text],
        T::Timestamptz,
        date_trunc_fn,
    )
    .stable();
    r.exact("age", &[T::Timestamp, T::Timestamp], T::Interval, age_fn);
    r.exact(
        "age",
        &[T::Timestamptz, T::Timestamptz],
        T::Interval,
        age_fn,
    )
    .stable();
    r.exact("age", &[T::Timestamp], T::Interval, age_fn)
        .stable();
    r.exact("age", &[T::Timestamptz], T::Interval, age_fn)
        .stable();
    for t in [
        T::Timestamp,
        T::Interval,
        num(),
        T::Int4,
        T::Int8,
        T::Float4,
        T::Float8,
    ] {
        r.exact("to_char", &[t, T::Text], T::Text, to_char_fn);
    }
    r.exact("to_char", &[T::Timestamptz, T::Text], T::Text, to_char_fn)
        .stable();
    r.exact("to_date", &[T::Text, T::Text], T::Date, to_date_fn)
        .stable();
    r.exact(
        "to_timestamp",
        &[T::Text, T::Text],
        T::Timestamptz,
        to_timestamp_fn,
    )
    .stable();
    r.exact(
        "to_timestamp",
        &[T::Float8],
        T::Timestamptz,
        to_timestamp_fn,
    );
    r.exact(
        "make_date",
        &[T::Int4, T::Int4, T::Int4],
        T::Date,
        make_date,
    );
    r.exact(
        "make_time",
        &[T::Int4, T::Int4, T::Float8],
        T::Time,
        make_time,
    );
    let ts_args = [T::Int4, T::Int4, T::Int4, T::Int4, T::Int4, T::Float8];
    r.exact("make_timestamp", &ts_args, T::Timestamp, make_timestamp);
    r.exact(
        "make_timestamptz",
        &ts_args,
        T::Timestamptz,
        make_timestamptz,
    )
    .stable();
    let mut with_zone = ts_args.to_vec();
    with_zone.push(T::Text);
    r.exact(
        "make_timestamptz",
        &with_zone,
        T::Timestamptz,
        make_timestamptz,
    )
    .stable();
    let iv_args = [
        T::Int4,
        T::Int4,
        T::Int4,
        T::Int4,
        T::Int4,
        T::Int4,
        T::Float8,
    ];
    for n in 0..=iv_args.len() {
        r.exact("make_interval", &iv_args[..n], T::Interval, make_interval);
    }
    let justify: [(&'static str, ScalarImpl); 3] = [
        ("justify_days", justify_days),
        ("justify_hours", justify_hours),
        ("justify_interval", justify_interval),
    ];
    for (name, f) in justify {
        r.exact(name, &[T::Interval], T::Interval, f);
    }
    for t in [T::Date, T::Timestamp, T::Timestamptz, T::Interval] {
        r.exact("isfinite", &[t], T::Bool, isfinite);
    }
    r.exact(
        "date_bin",
        &[T::Interval, T::Timestamp, T::Timestamp],
        T::Timestamp,
        date_bin,
    );
    r.exact(
        "date_bin",
        &[T::Interval, T::Timestamptz, T::Timestamptz],
        T::Timestamptz,
        date_bin,
    );
    for zone in [T::Text, T::Interval] {
        r.exact(
            "timezone",
            &[zone.clone(), T::Timestamptz],
            T::Timestamp,
            timezone,
        );
        r.exact("timezone", &[zone, T::Timestamp], T::Timestamptz, timezone);
    }
}
