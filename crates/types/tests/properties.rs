//! Property tests over every type: key encodings sort like values (single and composite keys),
//! text and binary formats round-trip, the row codec is exact, `Hash` agrees with `Eq`, and
//! no parser or decoder panics on arbitrary input.

use std::cmp::Ordering;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use embeddb_types::datetime::{END_DATE, END_TIMESTAMP, MIN_DATE, MIN_TIMESTAMP, USECS_PER_DAY};
use embeddb_types::keycodec::{decode_key, decode_key_desc, encode_key, encode_key_desc};
use embeddb_types::rowcodec::{decode_value, encode_value};
use embeddb_types::{
    Array, DataType, FormatContext, Interval, Numeric, TimeZone, Value, decode_binary,
    encode_binary, format_text, parse_text,
};
use num_bigint::BigInt;
use proptest::prelude::*;

fn numeric() -> impl Strategy<Value = Numeric> {
    prop_oneof![
        8 => (any::<i64>(), 0u32..12).prop_map(|(m, s)| Numeric::from_parts(BigInt::from(m), s)),
        3 => ("-?[0-9]{1,40}", 0u32..40).prop_map(|(d, s)| {
            Numeric::from_parts(d.parse::<BigInt>().unwrap_or_default(), s)
        }),
        1 => Just(Numeric::nan()),
        1 => Just(Numeric::infinity()),
        1 => Just(Numeric::neg_infinity()),
    ]
}

fn json_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        Just("false".to_string()),
        any::<i32>().prop_map(|v| v.to_string()),
        prop::sample::select(vec!["1", "1.0", "1.50", "1.5", "100", "1e2", "-0", "0.0"])
            .prop_map(str::to_string),
        "[a-z\\\\\"é ]{0,6}".prop_map(|s| {
            let mut o = String::new();
            embeddb_types::json::write_json_string(&s, &mut o);
            o
        }),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec(("[a-c]{0,3}", inner), 0..4).prop_map(|v| {
                let pairs: Vec<String> = v
                    .into_iter()
                    .map(|(k, val)| format!("\"{k}\":{val}"))
                    .collect();
                format!("{{{}}}", pairs.join(","))
            }),
        ]
    })
}

fn timestamp() -> impl Strategy<Value = i64> {
    prop_oneof![
        10 => MIN_TIMESTAMP..END_TIMESTAMP,
        3 => -4_000_000_000_000_000i64..4_000_000_000_000_000,
        1 => Just(i64::MIN),
        1 => Just(i64::MAX),
    ]
}

const TYPE_COUNT: usize = 21;

/// The `i`-th type under test and a generator of its values.
fn gen_type(i: usize) -> (DataType, BoxedStrategy<Value>) {
    let int_array = prop::collection::vec(prop::option::of(any::<i32>()), 0..5).prop_map(|v| {
        let elems = v
            .into_iter()
            .map(|x| x.map_or(Value::Null, Value::Int4))
            .collect();
        Value::Array(Box::new(Array::from_elements(DataType::Int4, elems)))
    });
    let text_array = prop::collection::vec(prop::option::of("\\PC{0,6}"), 0..4).prop_map(|v| {
        let elems = v
            .into_iter()
            .map(|x| x.map_or(Value::Null, Value::Text))
            .collect();
        Value::Array(Box::new(Array::from_elements(DataType::Text, elems)))
    });
    match i {
        0 => (DataType::Bool, any::<bool>().prop_map(Value::Bool).boxed()),
        1 => (DataType::Int2, any::<i16>().prop_map(Value::Int2).boxed()),
        2 => (DataType::Int4, any::<i32>().prop_map(Value::Int4).boxed()),
        3 => (DataType::Int8, any::<i64>().prop_map(Value::Int8).boxed()),
        4 => (
            DataType::Float4,
            any::<f32>().prop_map(Value::Float4).boxed(),
        ),
        5 => (
            DataType::Float8,
            any::<f64>().prop_map(Value::Float8).boxed(),
        ),
        6 => (
            DataType::Numeric(None),
            numeric().prop_map(Value::Numeric).boxed(),
        ),
        7 => (DataType::Text, "\\PC{0,12}".prop_map(Value::Text).boxed()),
        8 => (
            DataType::Bytea,
            prop::collection::vec(any::<u8>(), 0..12)
                .prop_map(Value::Bytea)
                .boxed(),
        ),
        9 => (
            DataType::Date,
            prop_oneof![
                (MIN_DATE..END_DATE).prop_map(|d| d as i32),
                Just(i32::MIN),
                Just(i32::MAX)
            ]
            .prop_map(Value::Date)
            .boxed(),
        ),
        10 => (
            DataType::Time,
            (0..=USECS_PER_DAY).prop_map(Value::Time).boxed(),
        ),
        11 => (
            DataType::Timestamp,
            timestamp().prop_map(Value::Timestamp).boxed(),
        ),
        12 => (
            DataType::Timestamptz,
            timestamp().prop_map(Value::Timestamptz).boxed(),
        ),
        13 => (
            DataType::Interval,
            prop_oneof![
                (any::<i32>(), any::<i32>(), any::<i64>()),
                (-100i32..100, -100i32..100, -1_000_000_000i64..1_000_000_000),
            ]
            .prop_map(|(m, d, t)| Value::Interval(Interval::new(m, d, t)))
            .boxed(),
        ),
        14 => (
            DataType::Uuid,
            any::<[u8; 16]>().prop_map(Value::Uuid).boxed(),
        ),
        15 => (DataType::Json, json_text().prop_map(Value::Json).boxed()),
        16 => (
            DataType::Jsonb,
            json_text()
                .prop_map(|v| {
                    Value::Jsonb(
                        embeddb_types::json::parse_jsonb_text(&v).unwrap_or_else(|_| "null".into()),
                    )
                })
                .boxed(),
        ),
        17 => (DataType::Oid, any::<u32>().prop_map(Value::Oid).boxed()),
        18 => (DataType::Array(Box::new(DataType::Int4)), int_array.boxed()),
        19 => (
            DataType::Array(Box::new(DataType::Text)),
            text_array.boxed(),
        ),
        _ => (
            DataType::Varchar(Some(8)),
            "[a-z ]{0,8}".prop_map(Value::Text).boxed(),
        ),
    }
}

fn typed_value() -> impl Strategy<Value = (DataType, Value)> {
    (0..TYPE_COUNT).prop_flat_map(|i| {
        let (ty, g) = gen_type(i);
        g.prop_map(move |v| (ty.clone(), v))
    })
}

/// Two values of one type (sometimes equal ones).
fn typed_pair() -> impl Strategy<Value = (DataType, Value, Value)> {
    (0..TYPE_COUNT, any::<bool>()).prop_flat_map(|(i, same)| {
        let (ty, g) = gen_type(i);
        (Just(ty), g.clone(), g).prop_map(move |(t, a, b)| {
            let b = if same { a.clone() } else { b };
            (t, a, b)
        })
    })
}

fn key(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    encode_key(v, &mut out);
    out
}

fn hash(v: &Value) -> u64 {
    let mut h = DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

fn ctx_with_zone(zone: &str) -> FormatContext {
    FormatContext {
        time_zone: TimeZone::parse(zone).unwrap_or_default(),
        ..FormatContext::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn key_order_matches_value_order((ty, a, b) in typed_pair()) {
        let (ka, kb) = (key(&a), key(&b));
        prop_assert_eq!(a.cmp(&b), ka.cmp(&kb), "{:?} vs {:?}", a, b);
        let mut s: &[u8] = &ka;
        let back = decode_key(&mut s, &ty).map_err(|e| TestCaseError::fail(e.message))?;
        prop_assert!(s.is_empty());
        prop_assert_eq!(back.cmp(&a), Ordering::Equal);
        // Descending: reversed order, and decodes back.
        let mut da = Vec::new();
        encode_key_desc(&a, &mut da);
        let mut db = Vec::new();
        encode_key_desc(&b, &mut db);
        prop_assert_eq!(a.cmp(&b).reverse(), da.cmp(&db));
        let mut s: &[u8] = &da;
        let back = decode_key_desc(&mut s, &ty).map_err(|e| TestCaseError::fail(e.message))?;
        prop_assert!(s.is_empty());
        prop_assert_eq!(back, a);
    }

    #[test]
    fn composite_keys_order_lexicographically(
        (t1, a1, b1) in typed_pair(),
        (t2, a2, b2) in typed_pair(),
        nulls in (any::<bool>(), any::<bool>()),
    ) {
        let a2 = if nulls.0 { Value::Null } else { a2 };
        let b2 = if nulls.1 { Value::Null } else { b2 };
        let mut ka = key(&a1);
        ka.extend(key(&a2));
        let mut kb = key(&b1);
        kb.extend(key(&b2));
        let expected = a1.cmp(&b1).then(a2.cmp(&b2));
        prop_assert_eq!(expected, ka.cmp(&kb));
        let mut s: &[u8] = &ka;
        let x = decode_key(&mut s, &t1).map_err(|e| TestCaseError::fail(e.message))?;
        let y = decode_key(&mut s, &t2).map_err(|e| TestCaseError::fail(e.message))?;
        prop_assert!(s.is_empty());
        prop_assert_eq!((x, y), (a1, a2));
    }

    #[test]
    fn hash_agrees_with_eq((_ty, a, b) in typed_pair()) {
        if a == b {
            prop_assert_eq!(hash(&a), hash(&b));
        }
        prop_assert_eq!(a == b, key(&a) == key(&b));
    }

    #[test]
    fn text_round_trips((ty, v) in typed_value(), zone in prop::sample::select(vec!["UTC", "America/New_York", "Asia/Kolkata", "-8"])) {
        let ctx = ctx_with_zone(zone);
        let text = format_text(&v, &ty, &ctx);
        let back = parse_text(&text, &ty, &ctx)
            .map_err(|e| TestCaseError::fail(format!("{text:?}: {}", e.message)))?;
        prop_assert_eq!(format_text(&back, &ty, &ctx), text.clone());
        if ty != DataType::Timestamptz {
            prop_assert_eq!(&back, &v, "{}", text);
        }
    }

    #[test]
    fn binary_round_trips((ty, v) in typed_value()) {
        let mut bytes = Vec::new();
        encode_binary(&v, &ty, &mut bytes).map_err(|e| TestCaseError::fail(e.message))?;
        let back = decode_binary(&bytes, &ty).map_err(|e| TestCaseError::fail(e.message))?;
        let ctx = FormatContext::default();
        prop_assert_eq!(format_text(&back, &ty, &ctx), format_text(&v, &ty, &ctx));
        prop_assert_eq!(back, v);
    }

    #[test]
    fn row_codec_is_exact((_ty, v) in typed_value()) {
        let mut bytes = Vec::new();
        encode_value(&v, &mut bytes);
        let mut s: &[u8] = &bytes;
        let back = decode_value(&mut s).map_err(|e| TestCaseError::fail(e.message))?;
        prop_assert!(s.is_empty());
        prop_assert_eq!(format!("{back:?}"), format!("{v:?}"));
    }

    #[test]
    fn equal_numerics_hash_equal(m in any::<i64>(), s in 0u32..10, extra in 1u32..6) {
        let a = Numeric::from_parts(BigInt::from(m), s);
        let b = Numeric::from_parts(BigInt::from(m) * BigInt::from(10u32).pow(extra), s + extra);
        let (va, vb) = (Value::Numeric(a), Value::Numeric(b));
        prop_assert_eq!(&va, &vb);
        prop_assert_eq!(hash(&va), hash(&vb));
        prop_assert_eq!(key(&va), key(&vb));
        if s == 0 {
            prop_assert_eq!(hash(&Value::Int8(m)), hash(&va));
        }
    }

    #[test]
    fn parsers_never_panic(input in "\\PC{0,24}", raw in prop::collection::vec(any::<u8>(), 0..32)) {
        let ctx = FormatContext::default();
        let types = [
            DataType::Bool, DataType::Int2, DataType::Int4, DataType::Int8, DataType::Float4,
            DataType::Float8, DataType::Numeric(None), DataType::Varchar(Some(3)),
            DataType::Bpchar(Some(2)), DataType::Bytea, DataType::Date, DataType::Time,
            DataType::Timestamp, DataType::Timestamptz, DataType::Interval, DataType::Uuid,
            DataType::Json, DataType::Jsonb, DataType::Oid,
            DataType::Array(Box::new(DataType::Int4)), DataType::Array(Box::new(DataType::Text)),
        ];
        for ty in &types {
            let _ = parse_text(&input, ty, &ctx);
            let _ = decode_binary(&raw, ty);
            let mut s: &[u8] = &raw;
            let _ = decode_key(&mut s, ty);
        }
        let mut s: &[u8] = &raw;
        let _ = decode_value(&mut s);
        let _ = embeddb_types::datetime::to_char::to_timestamp_text(&input, "YYYY-MM-DD HH24:MI:SS", &ctx);
        let _ = embeddb_types::datetime::fields::extract(&input, &Value::Timestamp(0), &ctx);
        let _ = embeddb_types::numfmt::to_char_number(embeddb_types::numfmt::NumberInput::Float(1.5), &input);
        let _ = embeddb_types::datetime::to_char::to_char_datetime(&Value::Timestamp(0), &input, &ctx);
    }

    #[test]
    fn datetime_like_inputs_never_panic(
        input in "[0-9 :.+\\-/TZa-zA-Z]{0,30}",
    ) {
        let ctx = FormatContext::default();
        for ty in [DataType::Date, DataType::Time, DataType::Timestamp, DataType::Timestamptz, DataType::Interval] {
            let _ = parse_text(&input, &ty, &ctx);
        }
    }
}
