//! to_char / to_timestamp cases checked against PostgreSQL 15.

use super::*;
use crate::datatype::DataType;
use crate::datetime::TimeZone;
use crate::text::{format_text, parse_text};

fn ctx() -> FormatContext {
    FormatContext::default()
}

fn tc(text: &str, ty: DataType, fmt: &str) -> String {
    let v = parse_text(text, &ty, &ctx()).unwrap_or(Value::Null);
    to_char_datetime(&v, fmt, &ctx()).unwrap_or_else(|| "NULL".into())
}

#[test]
fn formats_timestamps() {
    let ts = DataType::Timestamp;
    assert_eq!(
        tc(
            "2024-01-02 03:04:05.123456",
            ts.clone(),
            "YYYY-MM-DD HH24:MI:SS.MS US"
        ),
        "2024-01-02 03:04:05.123 123456"
    );
    assert_eq!(
        tc(
            "2024-01-02 15:04:05",
            ts.clone(),
            "HH12:MI AM pm Mon Month MONTH month Day DY dy"
        ),
        "03:04 PM pm Jan January   JANUARY   january   Tuesday   TUE tue"
    );
    assert_eq!(
        tc(
            "2024-01-02 15:04:05",
            ts.clone(),
            "FMMonth FMDay FMDD FMHH12"
        ),
        "January Tuesday 2 3"
    );
    assert_eq!(
        tc(
            "2024-01-02",
            ts.clone(),
            "DDD D ID W WW IW CC J Q RM YY Y,YYY IYYY \"text\" \\\"q"
        ),
        "002 3 2 1 01 01 21 2460312 1 I    24 2,024 2024 text \"1"
    );
    assert_eq!(
        tc("2024-01-02", ts.clone(), "DDth ddTH FMDDth"),
        "02nd 02ND 2nd"
    );
    assert_eq!(
        tc("0044-03-15 BC", ts.clone(), "YYYY BC AD b.c."),
        "0044 BC BC b.c."
    );
    assert_eq!(tc("infinity", ts, "YYYY"), "NULL");
    assert_eq!(tc("2024-01-02", DataType::Date, "YYYY/MM/DD"), "2024/01/02");
    assert_eq!(
        tc("1 day 02:03:04", DataType::Interval, "HH24:MI:SS DD"),
        "02:03:04 01"
    );
    assert_eq!(
        tc("-1 day 02:03:04", DataType::Interval, "HH24:MI:SS"),
        "02:03:04"
    );
}

#[test]
fn formats_zones() {
    assert_eq!(
        tc(
            "2024-01-02 03:04:05+00",
            DataType::Timestamptz,
            "YYYY TZ tz TZH:TZM OF"
        ),
        "2024 UTC utc +00:00 +00"
    );
    let ny = FormatContext {
        time_zone: TimeZone::parse("America/New_York").unwrap_or_default(),
        ..ctx()
    };
    let v =
        parse_text("2024-01-02 03:04:05+00", &DataType::Timestamptz, &ny).unwrap_or(Value::Null);
    assert_eq!(
        to_char_datetime(&v, "YYYY TZ tz TZH:TZM OF", &ny).as_deref(),
        Some("2024 EST est -05:00 -05")
    );
}

#[test]
fn parses_with_templates() {
    let show = |r: SqlResult<i64>| match r {
        Ok(t) => format_text(&Value::Timestamptz(t), &DataType::Timestamptz, &ctx()),
        Err(e) => format!("ERR {} {}", e.code, e.message),
    };
    assert_eq!(
        show(to_timestamp_text(
            "2024-01-02 03:04:05",
            "YYYY-MM-DD HH24:MI:SS",
            &ctx()
        )),
        "2024-01-02 03:04:05+00"
    );
    assert_eq!(
        show(to_timestamp_text("02 Jan 2024", "DD Mon YYYY", &ctx())),
        "2024-01-02 00:00:00+00"
    );
    assert_eq!(
        show(to_timestamp_text(
            "2024-1-2 3:4:5 PM",
            "YYYY-MM-DD HH:MI:SS AM",
            &ctx()
        )),
        "2024-01-02 15:04:05+00"
    );
    assert_eq!(
        show(to_timestamp_text(
            "2024-01-02 03:04:05.123",
            "YYYY-MM-DD HH24:MI:SS.MS",
            &ctx()
        )),
        "2024-01-02 03:04:05.123+00"
    );
    let d = |s: &str, f: &str| match to_date_text(s, f) {
        Ok(d) => format_text(&Value::Date(d), &DataType::Date, &ctx()),
        Err(e) => format!("ERR {} {}", e.code, e.message),
    };
    assert_eq!(d("2024/01/02", "YYYY/MM/DD"), "2024-01-02");
    assert_eq!(d("20240102", "YYYYMMDD"), "2024-01-02");
    assert_eq!(
        d("2024-13-01", "YYYY-MM-DD"),
        "ERR 22008 date/time field value out of range: \"2024-13-01\""
    );
    assert_eq!(
        d("abc", "YYYY-MM-DD"),
        "ERR 22007 invalid value \"abc\" for \"YYYY\""
    );
}
