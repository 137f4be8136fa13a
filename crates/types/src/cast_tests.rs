//! Cast cases checked against PostgreSQL 15.

use super::*;
use crate::NumericTypmod;

fn ctx() -> FormatContext {
    FormatContext::default()
}

fn c(text: &str, from: DataType, to: DataType) -> String {
    let v = match parse_text(text, &from, &ctx()) {
        Ok(v) => v,
        Err(e) => return format!("PARSE ERR {}", e.message),
    };
    match cast(v, &from, &to, &ctx()) {
        Ok(v) => format_text(&v, &to, &ctx()),
        Err(e) => format!("ERR {} {}", e.code, e.message),
    }
}

#[test]
fn numeric_conversions() {
    assert_eq!(c("2.5", DataType::Float8, DataType::Int4), "2");
    assert_eq!(c("3.5", DataType::Float8, DataType::Int4), "4");
    assert_eq!(c("2.5", DataType::Numeric(None), DataType::Int4), "3");
    assert_eq!(c("-2.5", DataType::Numeric(None), DataType::Int4), "-3");
    assert_eq!(
        c("3e9", DataType::Float8, DataType::Int4),
        "ERR 22003 integer out of range"
    );
    assert_eq!(
        c("70000", DataType::Int4, DataType::Int2),
        "ERR 22003 smallint out of range"
    );
    assert_eq!(c("0.1", DataType::Float8, DataType::Numeric(None)), "0.1");
    assert_eq!(
        c("1e300", DataType::Float8, DataType::Float4),
        "ERR 22003 value out of range: overflow"
    );
    assert_eq!(
        c(
            "1.005",
            DataType::Numeric(None),
            DataType::Numeric(Some(NumericTypmod {
                precision: 5,
                scale: 2
            }))
        ),
        "1.01"
    );
    assert_eq!(
        c("NaN", DataType::Numeric(None), DataType::Int8),
        "ERR 0A000 cannot convert NaN to bigint"
    );
}

#[test]
fn bool_and_text() {
    assert_eq!(c("t", DataType::Bool, DataType::Text), "true");
    assert_eq!(c("5", DataType::Int4, DataType::Bool), "t");
    assert_eq!(c("t", DataType::Bool, DataType::Int4), "1");
    assert_eq!(c("a  ", DataType::Bpchar(Some(3)), DataType::Text), "a");
    assert_eq!(
        c("abcdef", DataType::Text, DataType::Varchar(Some(3))),
        "abc"
    );
    assert_eq!(
        c("12345", DataType::Int4, DataType::Varchar(Some(3))),
        "123"
    );
    assert_eq!(c(" 42 ", DataType::Text, DataType::Int4), "42");
    let v = Value::Text("abcd".into());
    let e = cast_assignment(v, &DataType::Text, &DataType::Varchar(Some(3)), &ctx()).err();
    assert_eq!(
        e.map(|e| e.message),
        Some("value too long for type character varying(3)".into())
    );
}

#[test]
fn datetime_conversions() {
    assert_eq!(
        c("2024-01-02 03:04:05", DataType::Timestamp, DataType::Date),
        "2024-01-02"
    );
    assert_eq!(
        c("2024-01-02", DataType::Date, DataType::Timestamptz),
        "2024-01-02 00:00:00+00"
    );
    assert_eq!(
        c("2024-01-02 03:04:05", DataType::Timestamp, DataType::Time),
        "03:04:05"
    );
    assert_eq!(
        c("1 day 03:00", DataType::Interval, DataType::Time),
        "03:00:00"
    );
    assert_eq!(
        c("infinity", DataType::Date, DataType::Timestamp),
        "infinity"
    );
}

#[test]
fn contexts() {
    use CastContext::*;
    assert_eq!(
        cast_context(&DataType::Int4, &DataType::Int8),
        Some(Implicit)
    );
    assert_eq!(
        cast_context(&DataType::Int8, &DataType::Int4),
        Some(Assignment)
    );
    assert_eq!(
        cast_context(&DataType::Int4, &DataType::Text),
        Some(Assignment)
    );
    assert_eq!(
        cast_context(&DataType::Text, &DataType::Int4),
        Some(Explicit)
    );
    assert_eq!(cast_context(&DataType::Int8, &DataType::Bool), None);
    assert_eq!(cast_context(&DataType::Date, &DataType::Int4), None);
    assert_eq!(
        cast_context(&DataType::Varchar(Some(3)), &DataType::Text),
        Some(Implicit)
    );
    assert_eq!(
        cast_context(
            &DataType::Array(Box::new(DataType::Int4)),
            &DataType::Array(Box::new(DataType::Int8))
        ),
        Some(Implicit)
    );
    assert!(can_coerce(&DataType::Unknown, &DataType::Date, Implicit));
}

#[test]
fn arrays() {
    let from = DataType::Array(Box::new(DataType::Int4));
    let to = DataType::Array(Box::new(DataType::Text));
    assert_eq!(c("{1,NULL,3}", from, to), "{1,NULL,3}");
}
