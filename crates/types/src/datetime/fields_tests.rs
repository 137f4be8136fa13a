//! Field function cases checked against PostgreSQL 15.

use super::*;
use crate::datatype::DataType;
use crate::text::{format_text, parse_text};

fn ctx() -> FormatContext {
    FormatContext::default()
}

fn val(text: &str, ty: DataType) -> Value {
    parse_text(text, &ty, &ctx()).unwrap_or(Value::Null)
}

fn ex(unit: &str, text: &str, ty: DataType) -> String {
    match extract(unit, &val(text, ty), &ctx()) {
        Ok(Some(n)) => n.to_string(),
        Ok(None) => "NULL".into(),
        Err(e) => format!("ERR {} {}", e.code, e.message),
    }
}

fn show(v: SqlResult<Value>) -> String {
    match v {
        Ok(v) => format_text(&v, &DataType::Text, &ctx()),
        Err(e) => format!("ERR {}", e.message),
    }
}

#[test]
fn extract_timestamp() {
    let ts = DataType::Timestamp;
    assert_eq!(
        ex("epoch", "2024-01-02 03:04:05.5", ts.clone()),
        "1704164645.500000"
    );
    assert_eq!(
        ex("second", "2024-01-02 03:04:05.5", ts.clone()),
        "5.500000"
    );
    assert_eq!(
        ex("milliseconds", "2024-01-02 03:04:05.5", ts.clone()),
        "5500.000"
    );
    assert_eq!(
        ex("microseconds", "2024-01-02 03:04:05.5", ts.clone()),
        "5500000"
    );
    assert_eq!(
        ex("julian", "2024-01-02 12:00", ts.clone()),
        "2460312.50000000000000000000"
    );
    assert_eq!(ex("year", "infinity", ts.clone()), "Infinity");
    assert_eq!(ex("hour", "infinity", ts.clone()), "NULL");
    assert_eq!(
        ex("foo", "2024-01-01", ts),
        "ERR 22023 unit \"foo\" not recognized for type timestamp without time zone"
    );
}

#[test]
fn extract_date_and_others() {
    let d = DataType::Date;
    assert_eq!(ex("julian", "2024-01-02", d.clone()), "2460312");
    assert_eq!(ex("epoch", "2024-01-02", d.clone()), "1704153600");
    assert_eq!(ex("year", "0044-03-15 BC", d.clone()), "-44");
    assert_eq!(ex("century", "0044-03-15 BC", d.clone()), "-1");
    assert_eq!(ex("decade", "0044-03-15 BC", d.clone()), "-5");
    assert_eq!(ex("millennium", "2001-01-01", d.clone()), "3");
    assert_eq!(ex("week", "2024-12-30", d.clone()), "1");
    assert_eq!(ex("isoyear", "2024-12-30", d.clone()), "2025");
    assert_eq!(ex("dow", "2024-01-07", d.clone()), "0");
    assert_eq!(ex("isodow", "2024-01-07", d.clone()), "7");
    assert_eq!(ex("doy", "2024-12-31", d.clone()), "366");
    assert_eq!(ex("quarter", "2024-05-01", d.clone()), "2");
    assert_eq!(
        ex("hour", "2024-01-01", d),
        "ERR 0A000 unit \"hour\" not supported for type date"
    );
    let i = DataType::Interval;
    assert_eq!(
        ex("epoch", "1 year 1 mon 1 day 1 sec", i.clone()),
        "34236001.000000"
    );
    assert_eq!(ex("epoch", "1.5 mon", i.clone()), "3888000.000000");
    assert_eq!(ex("second", "1 min 2.5 sec", i.clone()), "2.500000");
    assert_eq!(ex("year", "-13 mon", i.clone()), "-1");
    assert_eq!(ex("month", "-13 mon", i), "-1");
    assert_eq!(ex("epoch", "01:00:01.5", DataType::Time), "3601.500000");
    assert_eq!(ex("hour", "13:00", DataType::Time), "13");
    assert_eq!(
        ex("epoch", "2024-01-02 00:00+00", DataType::Timestamptz),
        "1704153600.000000"
    );
    assert_eq!(
        ex("timezone", "2024-01-02 00:00+00", DataType::Timestamptz),
        "0"
    );
}

#[test]
fn truncation() {
    let ts = |s: &str| val(s, DataType::Timestamp);
    assert_eq!(
        show(date_trunc("week", &ts("2024-01-03 10:00"), &ctx())),
        "2024-01-01 00:00:00"
    );
    assert_eq!(
        show(date_trunc("century", &ts("2024-01-03"), &ctx())),
        "2001-01-01 00:00:00"
    );
    assert_eq!(
        show(date_trunc("decade", &ts("0044-01-01 BC"), &ctx())),
        "0051-01-01 00:00:00 BC"
    );
    let iv = |s: &str| val(s, DataType::Interval);
    assert_eq!(
        show(date_trunc("hour", &iv("1 day 02:33:44"), &ctx())),
        "1 day 02:00:00"
    );
    assert_eq!(
        show(date_trunc("year", &iv("1 year 5 mons"), &ctx())),
        "1 year"
    );
    let ny = FormatContext {
        time_zone: TimeZone::parse("America/New_York").unwrap_or_default(),
        ..ctx()
    };
    let tz = parse_text("2024-03-10 12:00", &DataType::Timestamptz, &ny).unwrap_or(Value::Null);
    let out = |v: SqlResult<Value>| match v {
        Ok(v) => format_text(&v, &DataType::Timestamptz, &ny),
        Err(e) => e.message,
    };
    assert_eq!(out(date_trunc("day", &tz, &ny)), "2024-03-10 00:00:00-05");
    assert_eq!(out(date_trunc("month", &tz, &ny)), "2024-03-01 00:00:00-05");
    assert_eq!(
        out(date_trunc_zone("day", &tz, "UTC")),
        "2024-03-09 19:00:00-05"
    );
}

#[test]
fn ages() {
    let ts = |s: &str| val(s, DataType::Timestamp);
    let a = |x: &str, y: &str| {
        let mut o = String::new();
        match age(&ts(x), &ts(y), &ctx()) {
            Ok(iv) => iv.write_postgres(&mut o),
            Err(e) => o = e.message,
        }
        o
    };
    assert_eq!(a("2024-03-31", "2024-02-29 12:00"), "1 mon 1 day 12:00:00");
    assert_eq!(a("2001-04-10", "1957-06-13"), "43 years 9 mons 27 days");
    assert_eq!(a("2024-01-01", "2024-03-15"), "-2 mons -14 days");
}

#[test]
fn constructors() {
    let d = make_date(-44, 3, 15).map(Value::Date);
    assert_eq!(show(d), "0044-03-15 BC");
    assert_eq!(
        show(make_date(0, 1, 1).map(Value::Date)),
        "ERR date field value out of range: 0-01-01"
    );
    assert_eq!(show(make_time(1, 2, 3.5).map(Value::Time)), "01:02:03.5");
    assert_eq!(
        show(make_timestamp(2024, 1, 2, 3, 4, 5.25).map(Value::Timestamp)),
        "2024-01-02 03:04:05.25"
    );
    assert_eq!(
        show(make_interval(1, 2, 3, 4, 5, 6, 7.5).map(Value::Interval)),
        "1 year 2 mons 25 days 05:06:07.5"
    );
    let t = to_timestamp_epoch(1704164645.5).map(Value::Timestamptz);
    assert_eq!(show(t), "2024-01-02 03:04:05.5+00");
    assert!(to_timestamp_epoch(f64::NAN).is_err());
    assert!(to_timestamp_epoch(1e20).is_err());
}
