//! Operator resolution and evaluation cases checked against PostgreSQL 15.

use super::*;
use crate::context::FormatContext;
use crate::text::{format_text, parse_text};
use crate::value::Value;

type T = DataType;

fn sig(op: BinaryOp, l: T, r: T) -> String {
    match resolve_binary(op, &l, &r) {
        Ok(s) => format!("{} {} {} -> {}", s.left, op.symbol(), s.right, s.result),
        Err(e) => format!("ERR {} {}", e.code, e.message),
    }
}

fn eval(op: BinaryOp, l: (&str, T), r: (&str, T)) -> String {
    let ctx = FormatContext::default();
    let s = match resolve_binary(op, &l.1, &r.1) {
        Ok(s) => s,
        Err(e) => return format!("ERR {} {}", e.code, e.message),
    };
    let lv = parse_text(l.0, &l.1, &ctx).unwrap_or(Value::Null);
    let rv = parse_text(r.0, &r.1, &ctx).unwrap_or(Value::Null);
    let lv =
        crate::cast::cast_in_context(lv, &l.1, &s.left, crate::cast::CastContext::Implicit, &ctx)
            .unwrap_or(Value::Null);
    let rv =
        crate::cast::cast_in_context(rv, &r.1, &s.right, crate::cast::CastContext::Implicit, &ctx)
            .unwrap_or(Value::Null);
    match eval_binary(op, &lv, &rv, &s, &ctx) {
        Ok(v) => format_text(&v, &s.result, &ctx),
        Err(e) => format!("ERR {} {}", e.code, e.message),
    }
}

#[test]
fn resolution() {
    assert_eq!(
        sig(BinaryOp::Add, T::Int4, T::Int4),
        "integer + integer -> integer"
    );
    assert_eq!(
        sig(BinaryOp::Add, T::Int4, T::Int8),
        "integer + bigint -> bigint"
    );
    assert_eq!(
        sig(BinaryOp::Add, T::Int4, T::Unknown),
        "integer + integer -> integer"
    );
    assert_eq!(
        sig(BinaryOp::Add, T::Int4, T::Numeric(None)),
        "numeric + numeric -> numeric"
    );
    assert_eq!(
        sig(BinaryOp::Add, T::Int4, T::Float8),
        "double precision + double precision -> double precision"
    );
    assert_eq!(
        sig(BinaryOp::Add, T::Float4, T::Numeric(None)),
        "real + double precision -> double precision"
    );
    assert_eq!(
        sig(BinaryOp::Add, T::Date, T::Unknown),
        "ERR 42725 operator is not unique: date + unknown"
    );
    assert_eq!(
        sig(BinaryOp::Add, T::Int4, T::Text),
        "ERR 42883 operator does not exist: integer + text"
    );
    assert_eq!(
        sig(BinaryOp::Add, T::Unknown, T::Unknown),
        "ERR 42725 operator is not unique: unknown + unknown"
    );
    assert_eq!(
        sig(BinaryOp::Eq, T::Unknown, T::Unknown),
        "text = text -> boolean"
    );
    assert_eq!(
        sig(BinaryOp::Eq, T::Varchar(Some(3)), T::Text),
        "text = text -> boolean"
    );
    assert_eq!(
        sig(BinaryOp::Eq, T::Bpchar(Some(3)), T::Text),
        "text = text -> boolean"
    );
    assert_eq!(
        sig(BinaryOp::Eq, T::Date, T::Timestamptz),
        "date = timestamp with time zone -> boolean"
    );
    assert_eq!(
        sig(BinaryOp::Add, T::Date, T::Int4),
        "date + integer -> date"
    );
    assert_eq!(
        sig(BinaryOp::Sub, T::Date, T::Date),
        "date - date -> integer"
    );
    assert_eq!(
        sig(BinaryOp::Add, T::Timestamp, T::Unknown),
        "timestamp without time zone + interval -> timestamp without time zone"
    );
    assert_eq!(
        sig(BinaryOp::Concat, T::Unknown, T::Unknown),
        "text || text -> text"
    );
    assert_eq!(
        sig(BinaryOp::Concat, T::Int4, T::Unknown),
        "integer || text -> text"
    );
    assert_eq!(
        sig(BinaryOp::Concat, T::Int4, T::Int4),
        "ERR 42883 operator does not exist: integer || integer"
    );
    let ia = T::Array(Box::new(T::Int4));
    assert_eq!(
        sig(BinaryOp::Concat, ia.clone(), T::Int4),
        "integer[] || integer -> integer[]"
    );
    assert_eq!(
        sig(BinaryOp::Concat, ia.clone(), T::Unknown),
        "integer[] || integer[] -> integer[]"
    );
    assert_eq!(
        sig(BinaryOp::Eq, ia.clone(), T::Unknown),
        "integer[] = integer[] -> boolean"
    );
    assert_eq!(
        sig(BinaryOp::Mod, T::Int2, T::Int4),
        "integer % integer -> integer"
    );
    assert_eq!(
        sig(BinaryOp::Pow, T::Int4, T::Int4),
        "double precision ^ double precision -> double precision"
    );
    assert_eq!(
        sig(BinaryOp::Like, T::Varchar(None), T::Unknown),
        "text ~~ text -> boolean"
    );
}

#[test]
fn arithmetic() {
    assert_eq!(eval(BinaryOp::Div, ("7", T::Int4), ("2", T::Int4)), "3");
    assert_eq!(eval(BinaryOp::Div, ("-7", T::Int4), ("2", T::Int4)), "-3");
    assert_eq!(eval(BinaryOp::Mod, ("-7", T::Int4), ("2", T::Int4)), "-1");
    assert_eq!(
        eval(BinaryOp::Add, ("2147483647", T::Int4), ("1", T::Int4)),
        "ERR 22003 integer out of range"
    );
    assert_eq!(
        eval(BinaryOp::Mul, ("32767", T::Int2), ("2", T::Int2)),
        "ERR 22003 smallint out of range"
    );
    assert_eq!(
        eval(
            BinaryOp::Add,
            ("9223372036854775807", T::Int8),
            ("1", T::Int4)
        ),
        "ERR 22003 bigint out of range"
    );
    assert_eq!(
        eval(BinaryOp::Div, ("1", T::Int4), ("0", T::Int4)),
        "ERR 22012 division by zero"
    );
    assert_eq!(
        eval(BinaryOp::Div, ("1", T::Float8), ("0", T::Float8)),
        "ERR 22012 division by zero"
    );
    assert_eq!(
        eval(BinaryOp::Div, ("1", T::Numeric(None)), ("0", T::Int4)),
        "ERR 22012 division by zero"
    );
    assert_eq!(
        eval(BinaryOp::Mul, ("1e300", T::Float8), ("1e300", T::Float8)),
        "ERR 22003 value out of range: overflow"
    );
    assert_eq!(
        eval(BinaryOp::Div, ("-2147483648", T::Int4), ("-1", T::Int4)),
        "ERR 22003 integer out of range"
    );
    assert_eq!(
        eval(BinaryOp::Mod, ("-2147483648", T::Int4), ("-1", T::Int4)),
        "0"
    );
    assert_eq!(eval(BinaryOp::Pow, ("2", T::Int4), ("10", T::Int4)), "1024");
    assert_eq!(
        eval(
            BinaryOp::Pow,
            ("2", T::Numeric(None)),
            ("0.5", T::Numeric(None))
        ),
        "1.4142135623730950"
    );
    assert_eq!(
        eval(BinaryOp::Add, ("0.1", T::Float8), ("0.2", T::Float8)),
        "0.30000000000000004"
    );
    assert_eq!(
        eval(BinaryOp::ShiftLeft, ("1", T::Int4), ("3", T::Int4)),
        "8"
    );
}

#[test]
fn comparisons_and_text() {
    assert_eq!(eval(BinaryOp::Lt, ("B", T::Text), ("a", T::Text)), "t");
    assert_eq!(
        eval(
            BinaryOp::Eq,
            ("a", T::Bpchar(Some(3))),
            ("a", T::Bpchar(Some(5)))
        ),
        "t"
    );
    assert_eq!(eval(BinaryOp::Eq, ("1", T::Int2), ("1", T::Int8)), "t");
    assert_eq!(
        eval(BinaryOp::Eq, ("NaN", T::Float8), ("NaN", T::Float8)),
        "t"
    );
    assert_eq!(eval(BinaryOp::Concat, ("a", T::Text), ("1", T::Int4)), "a1");
    assert_eq!(
        eval(BinaryOp::Concat, ("t", T::Bool), ("x", T::Unknown)),
        "truex"
    );
    assert_eq!(
        eval(BinaryOp::Like, ("hello", T::Text), ("h%o", T::Unknown)),
        "t"
    );
    assert_eq!(
        eval(BinaryOp::ILike, ("HELLO", T::Text), ("h%", T::Unknown)),
        "t"
    );
    let ia = T::Array(Box::new(T::Int4));
    assert_eq!(
        eval(BinaryOp::Concat, ("{1,2}", ia.clone()), ("3", T::Int4)),
        "{1,2,3}"
    );
    assert_eq!(
        eval(BinaryOp::Concat, ("0", T::Int4), ("{1,2}", ia.clone())),
        "{0,1,2}"
    );
    assert_eq!(
        eval(BinaryOp::Concat, ("{1,2}", ia.clone()), ("{3}", ia.clone())),
        "{1,2,3}"
    );
    assert_eq!(
        eval(
            BinaryOp::Concat,
            ("{{1,2}}", ia.clone()),
            ("{3,4}", ia.clone())
        ),
        "{{1,2},{3,4}}"
    );
    assert_eq!(
        eval(BinaryOp::Eq, ("{1,2}", ia.clone()), ("{1,2}", ia)),
        "t"
    );
    assert_eq!(
        eval(
            BinaryOp::Concat,
            ("{\"a\":1}", T::Jsonb),
            ("{\"b\":2}", T::Jsonb)
        ),
        "{\"a\": 1, \"b\": 2}"
    );
}

#[test]
fn datetime_operators() {
    assert_eq!(
        eval(BinaryOp::Add, ("2024-01-31", T::Date), ("1", T::Int4)),
        "2024-02-01"
    );
    assert_eq!(
        eval(
            BinaryOp::Sub,
            ("2024-03-01", T::Date),
            ("2024-02-01", T::Date)
        ),
        "29"
    );
    assert_eq!(
        eval(
            BinaryOp::Add,
            ("2024-01-31", T::Date),
            ("1 month", T::Interval)
        ),
        "2024-02-29 00:00:00"
    );
    assert_eq!(
        eval(BinaryOp::Mul, ("1 hour", T::Interval), ("2.5", T::Float8)),
        "02:30:00"
    );
    assert_eq!(
        eval(
            BinaryOp::Lt,
            ("2024-01-01", T::Date),
            ("2024-01-01 00:00:01", T::Timestamp)
        ),
        "t"
    );
    assert_eq!(
        eval(
            BinaryOp::Eq,
            ("1 mon", T::Interval),
            ("30 days", T::Interval)
        ),
        "t"
    );
}

#[test]
fn unary() {
    let ctx = FormatContext::default();
    let s = resolve_unary(UnaryOp::Neg, &T::Int4).unwrap_or(UnarySig {
        arg: T::Int4,
        result: T::Int4,
    });
    let r = eval_unary(UnaryOp::Neg, &Value::Int4(i32::MIN), &s, &ctx);
    assert_eq!(
        r.err().map(|e| e.message),
        Some("integer out of range".into())
    );
    assert!(resolve_unary(UnaryOp::Neg, &T::Text).is_err());
    assert_eq!(
        resolve_unary(UnaryOp::Neg, &T::Unknown)
            .err()
            .map(|e| e.message),
        Some("operator is not unique: - unknown".into())
    );
}

#[test]
fn common_types() {
    let ct = |ts: &[T]| match common_type(ts, "UNION") {
        Ok(t) => t.to_string(),
        Err(e) => format!("ERR {} {}", e.code, e.message),
    };
    assert_eq!(ct(&[T::Int4, T::Int8]), "bigint");
    assert_eq!(ct(&[T::Int4, T::Numeric(None)]), "numeric");
    assert_eq!(ct(&[T::Unknown, T::Unknown]), "text");
    assert_eq!(ct(&[T::Unknown, T::Int4]), "integer");
    assert_eq!(
        ct(&[T::Int4, T::Text]),
        "ERR 42804 UNION types integer and text cannot be matched"
    );
    assert_eq!(
        ct(&[T::Varchar(Some(3)), T::Varchar(Some(3))]),
        "character varying(3)"
    );
    assert_eq!(
        ct(&[T::Varchar(Some(3)), T::Varchar(Some(5))]),
        "character varying"
    );
    assert_eq!(ct(&[T::Varchar(Some(3)), T::Text]), "character varying");
    assert_eq!(ct(&[T::Text, T::Varchar(Some(3))]), "text");
    assert_eq!(ct(&[T::Float8, T::Numeric(None)]), "double precision");
    assert_eq!(ct(&[T::Date, T::Timestamptz]), "timestamp with time zone");
}

#[test]
fn function_candidates() {
    let cands = vec![vec![T::Float8], vec![T::Numeric(None)]];
    assert_eq!(select_function_candidate(&cands, &[T::Int4]), Ok(0));
    assert_eq!(
        select_function_candidate(&cands, &[T::Numeric(None)]),
        Ok(1)
    );
    let cands = vec![vec![T::Text], vec![T::Bytea]];
    assert_eq!(select_function_candidate(&cands, &[T::Unknown]), Ok(0));
    let cands = vec![vec![T::Int4], vec![T::Interval]];
    assert_eq!(
        select_function_candidate(&cands, &[T::Unknown]),
        Err(CandidateError::Ambiguous)
    );
    assert_eq!(
        select_function_candidate(&cands, &[T::Bool]),
        Err(CandidateError::NotFound)
    );
}
