//! Numeric cases checked against PostgreSQL 15.

use super::*;

fn n(s: &str) -> Numeric {
    Numeric::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn show(r: SqlResult<Numeric>) -> String {
    match r {
        Ok(v) => v.to_string(),
        Err(e) => format!("ERR {} {}", e.code, e.message),
    }
}

#[test]
fn input_output() {
    assert_eq!(n("1.5e3").to_string(), "1500");
    assert_eq!(n("1e-3").to_string(), "0.001");
    assert_eq!(n("  12.50  ").to_string(), "12.50");
    assert_eq!(n(".5").to_string(), "0.5");
    assert_eq!(n("5.").to_string(), "5");
    assert_eq!(n("-0.00").to_string(), "0.00");
    assert_eq!(n(" NaN ").to_string(), "NaN");
    assert_eq!(n("-Infinity").to_string(), "-Infinity");
    assert_eq!(n("+inf").to_string(), "Infinity");
    assert!(Numeric::parse("1e").is_err());
    assert!(Numeric::parse("abc").is_err());
    assert!(Numeric::parse("1e1001").is_ok());
    assert!(Numeric::parse("1e131072").is_err());
    assert!(Numeric::parse("1e-16384").is_err());
    assert_eq!(n("1e-16383").to_string().len(), 16385);
    assert_eq!(n("1e1000").to_string().len(), 1001);
    assert_eq!(
        Numeric::parse("x").err().map(|e| e.message),
        Some("invalid input syntax for type numeric: \"x\"".to_string())
    );
}

#[test]
fn division_scale() {
    assert_eq!(show(n("1").div(&n("3"))), "0.33333333333333333333");
    assert_eq!(show(n("10").div(&n("4"))), "2.5000000000000000");
    assert_eq!(show(n("1.0").div(&n("3.00"))), "0.33333333333333333333");
    assert_eq!(show(n("123456789").div(&n("7"))), "17636684.142857142857");
    assert_eq!(show(n("0.0001").div(&n("3"))), "0.000033333333333333333333");
    assert_eq!(show(n("3").div(&n("2"))), "1.5000000000000000");
    assert_eq!(show(n("1").div(&n("0"))), "ERR 22012 division by zero");
    assert_eq!(show(n("Infinity").div(&n("Infinity"))), "NaN");
    assert_eq!(show(n("1").div(&n("-Infinity"))), "0");
}

#[test]
fn rounding() {
    assert_eq!(show(n("1.5").round(3)), "1.500");
    assert_eq!(show(n("123.456").round(-1)), "120");
    assert_eq!(show(n("-1.57").trunc(1)), "-1.5");
    assert_eq!(n("-1.5").ceil().to_string(), "-1");
    assert_eq!(n("-1.5").floor().to_string(), "-2");
    assert_eq!(show(n("-2.5").round(0)), "-3");
    assert_eq!(show(n("7.5").rem(&n("2"))), "1.5");
    assert_eq!(show(n("-7.5").rem(&n("2"))), "-1.5");
    assert_eq!(n("1.500").scale(), Some(3));
    assert_eq!(show(n("149.5").round(-2)), "100");
}

#[test]
fn typmod() {
    let t = |p, s| NumericTypmod {
        precision: p,
        scale: s,
    };
    assert_eq!(show(n("123.456").apply_typmod(t(5, -2))), "100");
    assert_eq!(show(n("123.456").apply_typmod(t(6, 2))), "123.46");
    let e = n("12345.678").apply_typmod(t(5, 2)).err();
    assert_eq!(
        e.and_then(|e| e.detail),
        Some(
            "A field with precision 5, scale 2 must round to an absolute value less than 10^3."
                .into()
        )
    );
    let e = n("Infinity").apply_typmod(t(5, 2)).err();
    assert_eq!(
        e.and_then(|e| e.detail),
        Some("A field with precision 5, scale 2 cannot hold an infinite value.".into())
    );
    let e = n("0.5").apply_typmod(t(3, 5)).err();
    assert_eq!(
        e.and_then(|e| e.detail),
        Some(
            "A field with precision 3, scale 5 must round to an absolute value less than 10^-2."
                .into()
        )
    );
    assert_eq!(show(n("0.001").apply_typmod(t(3, 5))), "0.00100");
    assert_eq!(
        show(n("9.995").apply_typmod(t(3, 2))),
        "ERR 22003 numeric field overflow"
    );
}

#[test]
fn transcendental() {
    assert_eq!(show(n("2").sqrt()), "1.414213562373095");
    assert_eq!(show(n("100").sqrt()), "10.000000000000000");
    assert_eq!(show(n("0.0001").sqrt()), "0.01000000000000000");
    assert_eq!(show(n("1").exp()), "2.7182818284590452");
    assert_eq!(show(n("2").ln()), "0.6931471805599453");
    assert_eq!(show(n("1000").ln()), "6.9077552789821371");
    assert_eq!(show(n("100").log10()), "2.0000000000000000");
    assert_eq!(show(n("2").log(&n("8"))), "3.0000000000000000");
    assert_eq!(show(n("2").power(&n("10"))), "1024.0000000000000000");
    assert_eq!(show(n("2").power(&n("0.5"))), "1.4142135623730950");
    assert_eq!(show(n("1.5").power(&n("3"))), "3.3750000000000000");
    assert_eq!(
        show(n("2").power(&n("100"))),
        "1267650600228229401496703205376.0000000000000000"
    );
    assert_eq!(
        show(n("-1").sqrt()),
        "ERR 2201F cannot take square root of a negative number"
    );
    assert_eq!(show(n("0").ln()), "ERR 2201E cannot take logarithm of zero");
    assert_eq!(
        show(n("0").power(&n("-1"))),
        "ERR 2201F zero raised to a negative power is undefined"
    );
}

#[test]
fn conversions() {
    assert_eq!(Numeric::from_f64(1e20).to_string(), "100000000000000000000");
    assert_eq!(Numeric::from_f32(0.1).to_string(), "0.1");
    assert_eq!(Numeric::from_f32(123456789.0).to_string(), "123457000");
    assert_eq!(Numeric::from_f64(0.1).to_string(), "0.1");
    assert_eq!(n("2.5").to_i64_rounded(), Some(3));
    assert_eq!(n("-2.5").to_i64_rounded(), Some(-3));
    assert_eq!(n("1.25").to_f64(), 1.25);
    let e = n("NaN")
        .to_int_checked("integer", i32::MIN.into(), i32::MAX.into())
        .err();
    assert_eq!(
        e.map(|e| e.message),
        Some("cannot convert NaN to integer".into())
    );
    let e = n("3e9")
        .to_int_checked("integer", i32::MIN.into(), i32::MAX.into())
        .err();
    assert_eq!(e.map(|e| e.message), Some("integer out of range".into()));
}

#[test]
fn ordering_ignores_scale() {
    assert_eq!(n("1.0"), n("1.00"));
    assert!(n("NaN") > n("Infinity"));
    assert!(n("-Infinity") < n("-1e100"));
    assert!(n("0.1") < n("0.11"));
}
