//! Date/time input cases checked against PostgreSQL 15.

use super::*;
use crate::datetime::format::{write_date, write_time, write_timestamp, write_timestamptz};

fn ctx() -> FormatContext {
    FormatContext::default()
}

fn ts(s: &str) -> String {
    match parse_timestamp(s, &ctx()) {
        Ok(v) => {
            let mut o = String::new();
            write_timestamp(v, &mut o);
            o
        }
        Err(e) => format!("ERR {} {}", e.code, e.message),
    }
}

fn tstz(s: &str, tz: &str) -> String {
    let mut c = ctx();
    c.time_zone = TimeZone::parse(tz).unwrap_or_default();
    match parse_timestamptz(s, &c) {
        Ok(v) => {
            let mut o = String::new();
            write_timestamptz(v, &c.time_zone, &mut o);
            o
        }
        Err(e) => format!("ERR {} {}", e.code, e.message),
    }
}

fn date(s: &str) -> String {
    match parse_date(s, &ctx()) {
        Ok(v) => {
            let mut o = String::new();
            write_date(v, &mut o);
            o
        }
        Err(e) => format!("ERR {} {}", e.code, e.message),
    }
}

fn time(s: &str) -> String {
    match parse_time(s, &ctx()) {
        Ok(v) => {
            let mut o = String::new();
            write_time(v, &mut o);
            o
        }
        Err(e) => format!("ERR {} {}", e.code, e.message),
    }
}

#[test]
fn dates() {
    assert_eq!(date("2024-01-02"), "2024-01-02");
    assert_eq!(date("0044-03-15 BC"), "0044-03-15 BC");
    assert_eq!(date("1/8/1999"), "1999-01-08");
    assert_eq!(date("January 8, 1999"), "1999-01-08");
    assert_eq!(date("1999-Jan-08"), "1999-01-08");
    assert_eq!(date("08-Jan-1999"), "1999-01-08");
    assert_eq!(date("Jan-08-1999"), "1999-01-08");
    assert_eq!(date("19990108"), "1999-01-08");
    assert_eq!(date("J2451187"), "1999-01-08");
    assert_eq!(date("1/2/08"), "2008-01-02");
    assert_eq!(date("2024-01-02 03:04:05"), "2024-01-02");
    assert_eq!(date("epoch"), "1970-01-01");
    assert_eq!(date("infinity"), "infinity");
    assert_eq!(date("-infinity"), "-infinity");
    assert!(date("99-01-08").starts_with("ERR 22008 date/time field value out of range"));
    assert!(date("2023-02-29").starts_with("ERR 22008"));
    assert_eq!(
        date("abc"),
        "ERR 22007 invalid input syntax for type date: \"abc\""
    );
    assert_eq!(
        date("5874898-01-01"),
        "ERR 22008 date out of range: \"5874898-01-01\""
    );
}

#[test]
fn timestamps() {
    assert_eq!(
        ts("2024-01-02 03:04:05.123456"),
        "2024-01-02 03:04:05.123456"
    );
    assert_eq!(ts("2024-01-02T03:04:05"), "2024-01-02 03:04:05");
    assert_eq!(ts("2024-01-02 03:04:05+02"), "2024-01-02 03:04:05");
    assert_eq!(ts("2024-01-02 12:00 am"), "2024-01-02 00:00:00");
    assert_eq!(ts("2024-01-02 04:05 PM"), "2024-01-02 16:05:00");
    assert_eq!(ts("epoch"), "1970-01-01 00:00:00");
    assert_eq!(ts("0044-03-15 12:00 BC"), "0044-03-15 12:00:00 BC");
    assert_eq!(ts("2024-01-02 24:00:00"), "2024-01-03 00:00:00");
    assert_eq!(
        ts("1.5"),
        "ERR 22007 invalid input syntax for type timestamp: \"1.5\""
    );
    assert_eq!(
        ts("294277-01-01"),
        "ERR 22008 timestamp out of range: \"294277-01-01\""
    );
}

#[test]
fn timestamptz_zones() {
    assert_eq!(
        tstz("2024-01-02T03:04:05.123Z", "UTC"),
        "2024-01-02 03:04:05.123+00"
    );
    assert_eq!(
        tstz("2024-01-02 03:04:05 PST", "UTC"),
        "2024-01-02 11:04:05+00"
    );
    assert_eq!(
        tstz("2024-01-02 03:04:05 America/Los_Angeles", "UTC"),
        "2024-01-02 11:04:05+00"
    );
    assert_eq!(
        tstz("2024-01-02 03:04:05-08:00", "UTC"),
        "2024-01-02 11:04:05+00"
    );
    assert_eq!(
        tstz("2024-01-02 03:04:05+0530", "UTC"),
        "2024-01-01 21:34:05+00"
    );
    assert_eq!(
        tstz("2024-03-10 02:30:00", "America/New_York"),
        "2024-03-10 03:30:00-04"
    );
    assert_eq!(
        tstz("2024-11-03 01:30:00", "America/New_York"),
        "2024-11-03 01:30:00-05"
    );
    assert_eq!(
        tstz("1850-01-01 00:00", "America/New_York"),
        "1850-01-01 00:00:00-04:56:02"
    );
    assert_eq!(
        tstz("2024-01-02 03:04:05+00", "+05:30"),
        "2024-01-01 21:34:05-05:30"
    );
    assert_eq!(tstz("epoch", "America/New_York"), "1969-12-31 19:00:00-05");
}

#[test]
fn times() {
    assert_eq!(time("04:05:06.789"), "04:05:06.789");
    assert_eq!(time("04:05 PM"), "16:05:00");
    assert_eq!(time("allballs"), "00:00:00");
    assert_eq!(time("040506"), "04:05:06");
    assert_eq!(time("2024-01-02 04:05:06"), "04:05:06");
    assert_eq!(time("24:00:00"), "24:00:00");
    assert!(time("25:00:00").starts_with("ERR 22008"));
}

#[test]
fn date_orders() {
    let with = |order| FormatContext {
        date_order: order,
        ..ctx()
    };
    let show = |r: SqlResult<i32>| {
        let mut o = String::new();
        match r {
            Ok(v) => write_date(v, &mut o),
            Err(e) => o = e.message,
        }
        o
    };
    assert_eq!(
        show(parse_date("1/2/2024", &with(DateOrder::Mdy))),
        "2024-01-02"
    );
    assert_eq!(
        show(parse_date("1/2/2024", &with(DateOrder::Dmy))),
        "2024-02-01"
    );
    assert_eq!(
        show(parse_date("24/1/2", &with(DateOrder::Ymd))),
        "2024-01-02"
    );
    assert_eq!(
        show(parse_date("2024-01-02", &with(DateOrder::Dmy))),
        "2024-01-02"
    );
    assert_eq!(
        FormatContext::date_order_from_datestyle("ISO, DMY"),
        Some(DateOrder::Dmy)
    );
}

#[test]
fn relative_words() {
    let mut c = ctx();
    c.now_micros = 86_400_000_000 + 3_600_000_000; // 2000-01-02 01:00 UTC
    assert_eq!(parse_date("today", &c).ok(), Some(1));
    assert_eq!(parse_date("tomorrow", &c).ok(), Some(2));
    assert_eq!(parse_date("yesterday", &c).ok(), Some(0));
    assert_eq!(parse_timestamptz("now", &c).ok(), Some(c.now_micros));
    c.time_zone = TimeZone::parse("America/New_York").unwrap_or_default();
    // 01:00 UTC is still the previous evening in New York.
    assert_eq!(parse_date("today", &c).ok(), Some(0));
}
