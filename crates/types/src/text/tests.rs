//! Text input/output cases checked against PostgreSQL 15.

use super::*;

fn ctx() -> FormatContext {
    FormatContext::default()
}

fn rt(input: &str, ty: DataType) -> String {
    match parse_text(input, &ty, &ctx()) {
        Ok(v) => format_text(&v, &ty, &ctx()),
        Err(e) => format!("ERR {} {}", e.code, e.message),
    }
}

#[test]
fn booleans() {
    for t in ["t", "TRUE", " yes ", "on", "1", "tr", "y"] {
        assert_eq!(rt(t, DataType::Bool), "t", "{t}");
    }
    for f in ["f", "false", "no", "off", "0", "of", "n"] {
        assert_eq!(rt(f, DataType::Bool), "f", "{f}");
    }
    assert_eq!(
        rt("o", DataType::Bool),
        "ERR 22P02 invalid input syntax for type boolean: \"o\""
    );
}

#[test]
fn integers() {
    assert_eq!(rt(" 42 ", DataType::Int4), "42");
    assert_eq!(rt("+7", DataType::Int2), "7");
    assert_eq!(rt("-32768", DataType::Int2), "-32768");
    assert_eq!(
        rt("abc", DataType::Int4),
        "ERR 22P02 invalid input syntax for type integer: \"abc\""
    );
    assert_eq!(
        rt("99999999999", DataType::Int4),
        "ERR 22003 value \"99999999999\" is out of range for type integer"
    );
    assert_eq!(
        rt("1_000", DataType::Int8),
        "ERR 22P02 invalid input syntax for type bigint: \"1_000\""
    );
    assert!(rt("0x10", DataType::Int4).starts_with("ERR 22P02"));
    assert_eq!(
        rt("", DataType::Int4),
        "ERR 22P02 invalid input syntax for type integer: \"\""
    );
    assert_eq!(
        rt("-9223372036854775808", DataType::Int8),
        "-9223372036854775808"
    );
    assert_eq!(rt("-1", DataType::Oid), "4294967295");
}

#[test]
fn character_types() {
    assert_eq!(rt("abc  ", DataType::Varchar(Some(3))), "abc");
    assert_eq!(
        rt("abcd", DataType::Varchar(Some(3))),
        "ERR 22001 value too long for type character varying(3)"
    );
    assert_eq!(rt("ab", DataType::Bpchar(Some(4))), "ab  ");
    assert_eq!(
        rt("abcde", DataType::Bpchar(Some(4))),
        "ERR 22001 value too long for type character(4)"
    );
    let long = "x".repeat(70);
    assert_eq!(rt(&long, DataType::Name).len(), 63);
    assert_eq!(
        apply_varchar("abcd", Some(3), true).ok().as_deref(),
        Some("abc")
    );
    assert_eq!(
        apply_varchar("ééé", Some(2), true).ok().as_deref(),
        Some("éé")
    );
}

#[test]
fn numerics() {
    let t = |p, s| {
        DataType::Numeric(Some(crate::NumericTypmod {
            precision: p,
            scale: s,
        }))
    };
    assert_eq!(rt("123.456", t(6, 2)), "123.46");
    assert_eq!(rt("123.456", t(5, -2)), "100");
    assert_eq!(rt("12345.678", t(5, 2)), "ERR 22003 numeric field overflow");
    assert_eq!(rt("1.50", DataType::Numeric(None)), "1.50");
}

#[test]
fn uuids() {
    let u = DataType::Uuid;
    let canon = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
    assert_eq!(rt("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", u.clone()), canon);
    assert_eq!(
        rt("{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}", u.clone()),
        canon
    );
    assert_eq!(rt("a0eebc999c0b4ef8bb6d6bb9bd380a11", u.clone()), canon);
    assert_eq!(
        rt("a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11", u.clone()),
        canon
    );
    assert!(rt("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1", u.clone()).starts_with("ERR 22P02"));
    assert!(rt("-a0eebc999c0b4ef8bb6d6bb9bd380a11", u).starts_with("ERR 22P02"));
}

#[test]
fn floats() {
    assert_eq!(rt("1e15", DataType::Float8), "1e+15");
    assert_eq!(rt("-0", DataType::Float8), "-0");
    assert_eq!(rt("Infinity", DataType::Float4), "Infinity");
    assert_eq!(
        rt("1e400", DataType::Float8),
        "ERR 22003 \"1e400\" is out of range for type double precision"
    );
}

#[test]
fn datetime_types() {
    assert_eq!(
        rt("2024-01-02 03:04:05+00", DataType::Timestamptz),
        "2024-01-02 03:04:05+00"
    );
    assert_eq!(rt("1 day 02:00", DataType::Interval), "1 day 02:00:00");
    assert_eq!(rt("13:00", DataType::Time), "13:00:00");
}
