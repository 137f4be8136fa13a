//! Binary format cases against the bytes PostgreSQL's send functions produce.

use super::*;
use crate::context::FormatContext;
use crate::text::{format_text, parse_text};

fn enc(text: &str, ty: DataType) -> Vec<u8> {
    let v = parse_text(text, &ty, &FormatContext::default()).unwrap_or(Value::Null);
    let mut out = Vec::new();
    encode_binary(&v, &ty, &mut out).unwrap_or_default();
    out
}

fn round_trip(text: &str, ty: DataType) -> String {
    let bytes = enc(text, ty.clone());
    match decode_binary(&bytes, &ty) {
        Ok(v) => format_text(&v, &ty, &FormatContext::default()),
        Err(e) => format!("ERR {}", e.message),
    }
}

#[test]
fn numeric_bytes() {
    // SELECT numeric_send(1.5): ndigits 2, weight 0, sign 0, dscale 1, digits 1, 5000.
    assert_eq!(
        enc("1.5", DataType::Numeric(None)),
        vec![0, 2, 0, 0, 0, 0, 0, 1, 0, 1, 0x13, 0x88]
    );
    // -123456.789: digits 12, 3456, 7890; weight 1; dscale 3.
    assert_eq!(
        enc("-123456.789", DataType::Numeric(None)),
        vec![0, 3, 0, 1, 0x40, 0, 0, 3, 0, 12, 0x0d, 0x80, 0x1e, 0xd2]
    );
    assert_eq!(
        enc("0.00", DataType::Numeric(None)),
        vec![0, 0, 0, 0, 0, 0, 0, 2]
    );
    assert_eq!(
        enc("NaN", DataType::Numeric(None)),
        vec![0, 0, 0, 0, 0xc0, 0, 0, 0]
    );
    // 0.00005: one digit 5000 at weight -2.
    assert_eq!(
        enc("0.00005", DataType::Numeric(None)),
        vec![0, 1, 0xff, 0xfe, 0, 0, 0, 5, 0x13, 0x88]
    );
    // 10000: one digit 1 at weight 1, trailing zero digit stripped.
    assert_eq!(
        enc("10000", DataType::Numeric(None)),
        vec![0, 1, 0, 1, 0, 0, 0, 0, 0, 1]
    );
    for t in [
        "1.5",
        "-123456.789",
        "0.00005",
        "10000",
        "0",
        "1e100",
        "Infinity",
        "-Infinity",
        "12.340",
    ] {
        assert_eq!(
            round_trip(t, DataType::Numeric(None)),
            Numeric::parse(t).map(|n| n.to_string()).unwrap_or_default()
        );
    }
}

#[test]
fn scalar_bytes() {
    assert_eq!(enc("t", DataType::Bool), vec![1]);
    assert_eq!(enc("-2", DataType::Int4), vec![0xff, 0xff, 0xff, 0xfe]);
    assert_eq!(enc("1.5", DataType::Float8), 1.5f64.to_be_bytes().to_vec());
    assert_eq!(enc("2000-01-02", DataType::Date), vec![0, 0, 0, 1]);
    assert_eq!(
        enc("1 mon 2 days 00:00:03", DataType::Interval),
        vec![0, 0, 0, 0, 0, 0x2d, 0xc6, 0xc0, 0, 0, 0, 2, 0, 0, 0, 1]
    );
    assert_eq!(
        enc("{\"a\":1}", DataType::Jsonb),
        b"\x01{\"a\": 1}".to_vec()
    );
    assert_eq!(
        enc("infinity", DataType::Timestamp),
        i64::MAX.to_be_bytes().to_vec()
    );
}

#[test]
fn array_bytes() {
    let ty = DataType::Array(Box::new(DataType::Int4));
    let b = enc("{1,NULL}", ty.clone());
    let expected: Vec<u8> = [
        &1i32.to_be_bytes()[..],
        &1i32.to_be_bytes(),
        &23u32.to_be_bytes(),
        &2i32.to_be_bytes(),
        &1i32.to_be_bytes(),
        &4i32.to_be_bytes(),
        &1i32.to_be_bytes(),
        &(-1i32).to_be_bytes(),
    ]
    .concat();
    assert_eq!(b, expected);
    assert_eq!(round_trip("{{1,2},{3,4}}", ty.clone()), "{{1,2},{3,4}}");
    assert_eq!(round_trip("[0:1]={7,8}", ty.clone()), "[0:1]={7,8}");
    assert_eq!(round_trip("{}", ty), "{}");
    let tty = DataType::Array(Box::new(DataType::Text));
    assert_eq!(round_trip("{\"a b\",c}", tty), "{\"a b\",c}");
}

#[test]
fn malformed_input() {
    assert_eq!(
        decode_binary(&[0, 1], &DataType::Int4)
            .err()
            .map(|e| e.code),
        Some(SqlState::INVALID_BINARY_REPRESENTATION)
    );
    assert!(
        decode_binary(
            &[0, 1, 0, 0, 0, 0, 0, 0, 0x27, 0x10],
            &DataType::Numeric(None)
        )
        .is_err()
    );
    assert!(decode_binary(&[2, b'{', b'}'], &DataType::Jsonb).is_err());
    assert!(decode_binary(&[0xff, 0xfe], &DataType::Text).is_err());
    assert!(
        decode_binary(
            &[0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 23],
            &DataType::Array(Box::new(DataType::Int4))
        )
        .is_err()
    );
}
