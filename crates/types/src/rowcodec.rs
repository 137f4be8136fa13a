//! Compact, self-describing value encoding for row storage: a tag byte and a payload, with
//! LEB128 varints (zig-zag for signed values). The tables layer adds the row header (column
//! count, schema version) around a sequence of these. Values decode exactly (numeric display
//! scale, interval fields, bpchar padding all kept).
//!
//! Format version 1:
//!
//! ```text
//!   tag  value         payload
//!   0    NULL          -
//!   1    false         -
//!   2    true          -
//!   3    int2          zigzag varint
//!   4    int4          zigzag varint
//!   5    int8          zigzag varint
//!   6    float4        4 bytes little-endian IEEE
//!   7    float8        8 bytes little-endian IEEE
//!   8    numeric       small finite: varint scale, zigzag varint mantissa
//!   9    numeric       big finite: varint scale, sign byte (0 +, 1 -), varint n, n bytes of
//!                      the magnitude little-endian
//!   10   numeric NaN   -        11 numeric +Infinity   -        12 numeric -Infinity  -
//!   13   text          varint length, UTF-8 bytes
//!   14   bytea         varint length, bytes
//!   15   date          zigzag varint days
//!   16   time          zigzag varint µs
//!   17   timestamp     zigzag varint µs
//!   18   timestamptz   zigzag varint µs
//!   19   interval      zigzag varints months, days, µs
//!   20   uuid          16 bytes
//!   21   json          varint length, text
//!   22   jsonb         varint length, canonical text
//!   23   oid           varint
//!   24   array         element type (varint oid, zigzag varint typmod), varint ndims,
//!                      per dimension zigzag len and lower bound, then each element as a
//!                      tagged value (count = product of lengths)
//!   25   timetz        zigzag varints µs, zone (seconds west of UTC)
//!   26   record        varint field count, then each field as a tagged value
//! ```

use num_bigint::{BigInt, Sign};
use num_traits::ToPrimitive;

use crate::array::{Array, ArrayDim, MAX_DIMS};
use crate::datatype::DataType;
use crate::datetime::Interval;
use crate::error::{SqlError, SqlResult, SqlState};
use crate::numeric::Numeric;
use crate::value::Value;

pub const FORMAT_VERSION: u8 = 1;

fn corrupt(what: &str) -> SqlError {
    SqlError::new(
        SqlState::DATA_CORRUPTED,
        format!("corrupt row value: {what}"),
    )
}

pub fn put_varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub fn put_zigzag(v: i64, out: &mut Vec<u8>) {
    put_varint(((v << 1) ^ (v >> 63)) as u64, out);
}

pub fn get_varint(input: &mut &[u8]) -> SqlResult<u64> {
    let mut v: u64 = 0;
    let mut shift = 0;
    loop {
        let (&b, rest) = input
            .split_first()
            .ok_or_else(|| corrupt("truncated varint"))?;
        *input = rest;
        if shift >= 64 || (shift == 63 && b > 1) {
            return Err(corrupt("varint overflow"));
        }
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Ok(v);
        }
        shift += 7;
    }
}

pub fn get_zigzag(input: &mut &[u8]) -> SqlResult<i64> {
    let u = get_varint(input)?;
    Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
}

fn put_bytes(tag: u8, b: &[u8], out: &mut Vec<u8>) {
    out.push(tag);
    put_varint(b.len() as u64, out);
    out.extend_from_slice(b);
}

/// Appends the encoding of one value.
pub fn encode_value(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.push(0),
        Value::Bool(b) => out.push(if *b { 2 } else { 1 }),
        Value::Int2(v) => {
            out.push(3);
            put_zigzag(i64::from(*v), out);
        }
        Value::Int4(v) => {
            out.push(4);
            put_zigzag(i64::from(*v), out);
        }
        Value::Int8(v) => {
            out.push(5);
            put_zigzag(*v, out);
        }
        Value::Float4(v) => {
            out.push(6);
            out.extend_from_slice(&v.to_le_bytes());
        }
        Value::Float8(v) => {
            out.push(7);
            out.extend_from_slice(&v.to_le_bytes());
        }
        Value::Numeric(n) => encode_numeric(n, out),
        Value::Text(s) => put_bytes(13, s.as_bytes(), out),
        Value::Bytea(b) => put_bytes(14, b, out),
        Value::Date(d) => {
            out.push(15);
            put_zigzag(i64::from(*d), out);
        }
        Value::Time(t) => {
            out.push(16);
            put_zigzag(*t, out);
        }
        Value::Timestamp(t) => {
            out.push(17);
            put_zigzag(*t, out);
        }
        Value::Timestamptz(t) => {
            out.push(18);
            put_zigzag(*t, out);
        }
        Value::Interval(iv) => {
            out.push(19);
            put_zigzag(i64::from(iv.months), out);
            put_zigzag(i64::from(iv.days), out);
            put_zigzag(iv.micros, out);
        }
        Value::Uuid(u) => {
            out.push(20);
            out.extend_from_slice(u);
        }
        Value::Json(s) => put_bytes(21, s.as_bytes(), out),
        Value::Jsonb(s) => put_bytes(22, s.as_bytes(), out),
        Value::Oid(v) | Value::Reg(v, _) => {
            out.push(23);
            put_varint(u64::from(*v), out);
        }
        Value::Array(a) => {
            out.push(24);
            put_varint(u64::from(a.element_type.oid()), out);
            put_zigzag(i64::from(a.element_type.typmod()), out);
            put_varint(a.dims.len() as u64, out);
            for d in &a.dims {
                put_zigzag(i64::from(d.len), out);
                put_zigzag(i64::from(d.lower_bound), out);
            }
            for e in &a.elements {
                encode_value(e, out);
            }
        }
        Value::Timetz(t) => {
            out.push(25);
            put_zigzag(t.time, out);
            put_zigzag(i64::from(t.zone), out);
        }
        Value::Record(fields) => {
            out.push(26);
            put_varint(fields.len() as u64, out);
            for f in fields {
                encode_value(f, out);
            }
        }
    }
}

fn encode_numeric(n: &Numeric, out: &mut Vec<u8>) {
    if n.is_nan() {
        out.push(10);
        return;
    }
    if n.is_infinite() {
        out.push(if n.signum() > 0 { 11 } else { 12 });
        return;
    }
    let Some((mant, scale)) = n.mantissa_scale() else {
        out.push(10);
        return;
    };
    if let Some(small) = mant.to_i64() {
        out.push(8);
        put_varint(u64::from(scale), out);
        put_zigzag(small, out);
    } else {
        out.push(9);
        put_varint(u64::from(scale), out);
        let (sign, bytes) = mant.to_bytes_le();
        out.push(u8::from(sign == Sign::Minus));
        put_varint(bytes.len() as u64, out);
        out.extend_from_slice(&bytes);
    }
}

fn take<'a>(input: &mut &'a [u8], n: usize) -> SqlResult<&'a [u8]> {
    if input.len() < n {
        return Err(corrupt("truncated"));
    }
    let (h, t) = input.split_at(n);
    *input = t;
    Ok(h)
}

fn len_prefixed<'a>(input: &mut &'a [u8]) -> SqlResult<&'a [u8]> {
    let n = get_varint(input)?;
    let n = usize::try_from(n).map_err(|_| corrupt("length"))?;
    take(input, n)
}

fn utf8(b: &[u8]) -> SqlResult<String> {
    String::from_utf8(b.to_vec()).map_err(|_| corrupt("invalid UTF-8"))
}

fn small_i32(v: i64) -> SqlResult<i32> {
    i32::try_from(v).map_err(|_| corrupt("value out of range"))
}

/// Decodes one value, advancing `input` past it.
pub fn decode_value(input: &mut &[u8]) -> SqlResult<Value> {
    decode_depth(input, 0)
}

fn decode_depth(input: &mut &[u8], depth: usize) -> SqlResult<Value> {
    let (&tag, rest) = input.split_first().ok_or_else(|| corrupt("truncated"))?;
    *input = rest;
    Ok(match tag {
        0 => Value::Null,
        1 => Value::Bool(false),
        2 => Value::Bool(true),
        3 => Value::Int2(i16::try_from(get_zigzag(input)?).map_err(|_| corrupt("int2"))?),
        4 => Value::Int4(small_i32(get_zigzag(input)?)?),
        5 => Value::Int8(get_zigzag(input)?),
        6 => {
            let b = take(input, 4)?;
            Value::Float4(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        }
        7 => {
            let b = take(input, 8)?;
            let mut a = [0u8; 8];
            a.copy_from_slice(b);
            Value::Float8(f64::from_le_bytes(a))
        }
        8 => {
            let scale = u32::try_from(get_varint(input)?).map_err(|_| corrupt("scale"))?;
            let m = get_zigzag(input)?;
            Value::Numeric(Numeric::from_parts(BigInt::from(m), scale))
        }
        9 => {
            let scale = u32::try_from(get_varint(input)?).map_err(|_| corrupt("scale"))?;
            let neg = take(input, 1)?[0] == 1;
            let bytes = len_prefixed(input)?;
            let sign = if neg { Sign::Minus } else { Sign::Plus };
            Value::Numeric(Numeric::from_parts(
                BigInt::from_bytes_le(sign, bytes),
                scale,
            ))
        }
        10 => Value::Numeric(Numeric::nan()),
        11 => Value::Numeric(Numeric::infinity()),
        12 => Value::Numeric(Numeric::neg_infinity()),
        13 => Value::Text(utf8(len_prefixed(input)?)?),
        14 => Value::Bytea(len_prefixed(input)?.to_vec()),
        15 => Value::Date(small_i32(get_zigzag(input)?)?),
        16 => Value::Time(get_zigzag(input)?),
        17 => Value::Timestamp(get_zigzag(input)?),
        18 => Value::Timestamptz(get_zigzag(input)?),
        19 => {
            let months = small_i32(get_zigzag(input)?)?;
            let days = small_i32(get_zigzag(input)?)?;
            let micros = get_zigzag(input)?;
            Value::Interval(Interval::new(months, days, micros))
        }
        20 => {
            let b = take(input, 16)?;
            let mut u = [0u8; 16];
            u.copy_from_slice(b);
            Value::Uuid(u)
        }
        21 => Value::Json(utf8(len_prefixed(input)?)?),
        22 => Value::Jsonb(utf8(len_prefixed(input)?)?),
        23 => Value::Oid(u32::try_from(get_varint(input)?).map_err(|_| corrupt("oid"))?),
        24 => {
            if depth > 2 {
                return Err(corrupt("nested array"));
            }
            let oid = u32::try_from(get_varint(input)?).map_err(|_| corrupt("oid"))?;
            let typmod = small_i32(get_zigzag(input)?)?;
            let element_type =
                DataType::from_oid(oid, typmod).ok_or_else(|| corrupt("element type"))?;
            let ndims = get_varint(input)?;
            if ndims > MAX_DIMS as u64 {
                return Err(corrupt("array dimensions"));
            }
            let mut dims = Vec::new();
            let mut count: u64 = 1;
            for _ in 0..ndims {
                let len = small_i32(get_zigzag(input)?)?;
                let lower_bound = small_i32(get_zigzag(input)?)?;
                if len < 0 {
                    return Err(corrupt("array dimension"));
                }
                count = count.saturating_mul(len as u64);
                dims.push(ArrayDim { len, lower_bound });
            }
            if ndims == 0 {
                count = 0;
            }
            if count > input.len() as u64 {
                return Err(corrupt("array element count"));
            }
            let mut elements = Vec::with_capacity(count as usize);
            for _ in 0..count {
                elements.push(decode_depth(input, depth + 1)?);
            }
            Value::Array(Box::new(Array {
                element_type,
                dims,
                elements,
            }))
        }
        25 => {
            let time = get_zigzag(input)?;
            let zone = small_i32(get_zigzag(input)?)?;
            Value::Timetz(crate::datetime::TimeTz::new(time, zone))
        }
        26 => {
            if depth > 8 {
                return Err(corrupt("nested record"));
            }
            let count = get_varint(input)?;
            if count > input.len() as u64 {
                return Err(corrupt("record field count"));
            }
            let mut fields = Vec::with_capacity(count as usize);
            for _ in 0..count {
                fields.push(decode_depth(input, depth + 1)?);
            }
            Value::Record(fields)
        }
        _ => return Err(corrupt("unknown tag")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints() {
        for v in [0i64, 1, -1, 63, -64, 64, i64::MAX, i64::MIN] {
            let mut out = Vec::new();
            put_zigzag(v, &mut out);
            let mut s: &[u8] = &out;
            assert_eq!(get_zigzag(&mut s).ok(), Some(v));
            assert!(s.is_empty());
        }
        let mut bad: &[u8] = &[0xff; 11];
        assert!(get_varint(&mut bad).is_err());
    }

    #[test]
    fn small_and_big_numerics() {
        for t in [
            "1.50",
            "0",
            "-12345678901234567890123.5",
            "NaN",
            "-Infinity",
        ] {
            let n = Numeric::parse(t).unwrap_or_else(|_| Numeric::nan());
            let mut out = Vec::new();
            encode_value(&Value::Numeric(n.clone()), &mut out);
            let mut s: &[u8] = &out;
            let back = decode_value(&mut s).ok();
            assert_eq!(
                back.map(|v| format!("{v:?}")),
                Some(format!("{:?}", Value::Numeric(n)))
            );
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let inputs: [&[u8]; 6] = [
            &[],
            &[99],
            &[13, 5, b'a'],
            &[24, 23, 0, 1, 2, 2],
            &[9, 0, 0, 200],
            &[6, 1],
        ];
        for i in inputs {
            let mut s = i;
            assert!(decode_value(&mut s).is_err());
        }
    }
}
