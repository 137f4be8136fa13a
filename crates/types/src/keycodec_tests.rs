//! Key encoding: order and equality agree with `Ord for Value`.

use super::*;
use crate::context::FormatContext;
use crate::text::parse_text;

fn v(text: &str, ty: &DataType) -> Value {
    parse_text(text, ty, &FormatContext::default()).unwrap_or(Value::Null)
}

fn key(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    encode_key(value, &mut out);
    out
}

fn check_sorted(ty: DataType, texts: &[&str]) {
    let values: Vec<Value> = texts.iter().map(|t| v(t, &ty)).collect();
    for w in values.windows(2) {
        assert!(w[0] < w[1], "{:?} < {:?}", w[0], w[1]);
        assert!(key(&w[0]) < key(&w[1]), "key {:?} < {:?}", w[0], w[1]);
    }
    for val in &values {
        let k = key(val);
        let mut s: &[u8] = &k;
        let back = decode_key(&mut s, &ty).unwrap_or(Value::Null);
        assert!(s.is_empty());
        assert_eq!(&back, val);
    }
}

#[test]
fn orders_match_values() {
    check_sorted(
        DataType::Int4,
        &["-2147483648", "-1", "0", "1", "2147483647"],
    );
    check_sorted(
        DataType::Numeric(None),
        &[
            "-Infinity",
            "-1e10",
            "-1.5",
            "-1.01",
            "-1",
            "-0.001",
            "0",
            "0.0001",
            "0.1",
            "0.101",
            "0.11",
            "1",
            "1.5",
            "10",
            "1e20",
            "Infinity",
            "NaN",
        ],
    );
    check_sorted(
        DataType::Float8,
        &[
            "-Infinity",
            "-1e300",
            "-1",
            "-1e-300",
            "0",
            "1e-300",
            "1",
            "Infinity",
            "NaN",
        ],
    );
    check_sorted(DataType::Text, &["", "a", "a\u{1}", "ab", "b", "é"]);
    check_sorted(
        DataType::Date,
        &["-infinity", "4713-01-01 BC", "2000-01-01", "infinity"],
    );
    check_sorted(
        DataType::Interval,
        &["-1 day", "0", "1 hour", "1 day", "1 mon 1 sec"],
    );
    check_sorted(
        DataType::Jsonb,
        &[
            "null",
            "\"a\"",
            "1",
            "2",
            "true",
            "[]",
            "[1, 2]",
            "{}",
            "{\"a\": 1}",
        ],
    );
    let arr = DataType::Array(Box::new(DataType::Int4));
    check_sorted(arr, &["{}", "{1}", "{1,2}", "{1,NULL}", "{2}"]);
}

#[test]
fn equal_values_equal_bytes() {
    let n = DataType::Numeric(None);
    assert_eq!(key(&v("1.0", &n)), key(&v("1.00", &n)));
    assert_eq!(key(&Value::Float8(-0.0)), key(&Value::Float8(0.0)));
    let i = DataType::Interval;
    assert_eq!(key(&v("1 mon", &i)), key(&v("30 days", &i)));
}

#[test]
fn composite_and_descending() {
    let mut a = Vec::new();
    encode_composite(
        &[Value::Text("a".into()), Value::Int4(2)],
        &[false, true],
        &mut a,
    );
    let mut b = Vec::new();
    encode_composite(
        &[Value::Text("a".into()), Value::Int4(1)],
        &[false, true],
        &mut b,
    );
    let mut c = Vec::new();
    encode_composite(
        &[Value::Text("ab".into()), Value::Int4(9)],
        &[false, true],
        &mut c,
    );
    assert!(a < b, "descending second column");
    assert!(b < c, "prefix text sorts first");
    let mut s: &[u8] = &a;
    assert_eq!(
        decode_key(&mut s, &DataType::Text).ok(),
        Some(Value::Text("a".into()))
    );
    assert_eq!(
        decode_key_desc(&mut s, &DataType::Int4).ok(),
        Some(Value::Int4(2))
    );
    assert!(s.is_empty());
    let mut n1 = Vec::new();
    encode_key_desc(&Value::Null, &mut n1);
    let mut n2 = Vec::new();
    encode_key_desc(&Value::Int4(5), &mut n2);
    assert!(n1 < n2, "NULLs first when descending");
    assert!(key(&Value::Null) > key(&Value::Int4(i32::MAX)));
}
