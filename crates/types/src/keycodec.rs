//! Order-preserving ("memcomparable") key encoding: comparing two encodings bytewise gives the
//! same order as comparing the values (`Ord for Value`), so the ordered key-value engine can
//! serve primary-key and index range scans. Encodings are self-delimiting, so composite keys
//! are plain concatenations. Equal values encode to equal bytes (numeric `1.0` and `1.00`,
//! float `-0` and `0`, interval `1 mon` and `30 days`).
//!
//! Format version 1. Every value starts with a presence byte:
//!
//! ```text
//!   NULL      : 0x02                      (sorts after every value: NULLS LAST)
//!   non-NULL  : 0x01 payload
//!
//!   bool            : 0x00 | 0x01
//!   int2/int4/int8/oid : i64 big-endian with the sign bit flipped (8 bytes, all widths alike)
//!   float4/float8   : f64 bits; negative → all bits inverted, positive → sign bit set;
//!                     -0 as 0; every NaN as 0xFF×8 (above +Infinity)
//!   numeric         : class byte 0x01 -Inf | 0x02 negative | 0x03 zero | 0x04 positive
//!                     | 0x05 +Inf | 0x06 NaN; finite nonzero values are 0.d1d2d3… × 10^E:
//!                     E as i32 (sign-flipped BE) then digit pairs as bytes d1*10+d2+1
//!                     (1..=100), then 0x00; negative values invert those bytes
//!   text/bytea/json : bytes with 0x00 escaped as 0x00 0xFF, then the terminator 0x00 0x01
//!   date            : i32 sign-flipped BE; time/timestamp/timestamptz: i64 sign-flipped BE
//!   interval        : the span (months*30 days + days, in µs) as i128 sign-flipped BE
//!   uuid            : the 16 bytes
//!   jsonb           : type byte (0 null, 1 string, 2 number, 3 bool, 4 array, 5 object),
//!                     then: string → escaped text; number → numeric payload; bool → byte;
//!                     array → u32 count, elements; object → u32 count, then per pair
//!                     u32 key length, key bytes, value (jsonb's own order)
//!   timetz          : the UTC time (time + zone, µs) as i64 sign-flipped BE, then the zone
//!                     as i32 sign-flipped BE (timetz's order)
//!   record          : per field 0x01 payload (or 0x02 for NULL), then 0x00
//!   array           : per element 0x01 payload (or 0x02 for NULL), then 0x00; then the
//!                     dimension count byte and per dimension len and lower bound as
//!                     sign-flipped i32
//! ```
//!
//! The descending variant inverts every byte of one column's encoding, which also puts NULLs
//! first (PostgreSQL's default for DESC).
//!
//! Decoding is lossy where equality is: numerics come back at the smallest display scale
//! that holds them, intervals as days and microseconds, float4 through float8. Keys of a
//! column must be encoded from values of the column's type (cast first).

use num_bigint::BigInt;
use num_traits::{Signed, Zero};

use crate::array::{Array, ArrayDim};
use crate::datatype::DataType;
use crate::datetime::{Interval, USECS_PER_DAY};
use crate::error::{SqlError, SqlResult};
use crate::json::Json;
use crate::numeric::{Numeric, pow10};
use crate::value::Value;

const PRESENT: u8 = 0x01;
const NULL: u8 = 0x02;

fn corrupt(what: &str) -> SqlError {
    SqlError::new(
        crate::error::SqlState::DATA_CORRUPTED,
        format!("corrupt key: {what}"),
    )
}

fn put_i64(v: i64, out: &mut Vec<u8>) {
    out.extend_from_slice(&((v as u64) ^ (1 << 63)).to_be_bytes());
}

fn put_i32(v: i32, out: &mut Vec<u8>) {
    out.extend_from_slice(&((v as u32) ^ (1 << 31)).to_be_bytes());
}

fn put_f64(v: f64, out: &mut Vec<u8>) {
    let bits = if v.is_nan() {
        u64::MAX
    } else {
        let v = if v == 0.0 { 0.0 } else { v };
        let b = v.to_bits();
        if b >> 63 == 1 { !b } else { b | (1 << 63) }
    };
    out.extend_from_slice(&bits.to_be_bytes());
}

fn put_bytes(b: &[u8], out: &mut Vec<u8>) {
    for &x in b {
        out.push(x);
        if x == 0 {
            out.push(0xFF);
        }
    }
    out.extend_from_slice(&[0x00, 0x01]);
}

fn put_numeric(n: &Numeric, out: &mut Vec<u8>) {
    if n.is_nan() {
        out.push(0x06);
        return;
    }
    if n.is_infinite() {
        out.push(if n.signum() > 0 { 0x05 } else { 0x01 });
        return;
    }
    let Some((m, exp)) = n.normalized() else {
        out.push(0x06);
        return;
    };
    if m.is_zero() {
        out.push(0x03);
        return;
    }
    let negative = m.is_negative();
    out.push(if negative { 0x02 } else { 0x04 });
    let digits = m.magnitude().to_string();
    let e = exp + digits.len() as i64;
    let start = out.len();
    put_i32(e as i32, out);
    for pair in digits.as_bytes().chunks(2) {
        let hi = pair[0] - b'0';
        let lo = pair.get(1).map_or(0, |d| d - b'0');
        out.push(hi * 10 + lo + 1);
    }
    out.push(0x00);
    if negative {
        for b in &mut out[start..] {
            *b = !*b;
        }
    }
}

fn put_json(j: &Json, out: &mut Vec<u8>) {
    match j {
        Json::Null => out.push(0),
        Json::String(s) => {
            out.push(1);
            put_bytes(s.as_bytes(), out);
        }
        Json::Number(n) => {
            out.push(2);
            put_numeric(n, out);
        }
        Json::Bool(b) => {
            out.push(3);
            out.push(u8::from(*b));
        }
        Json::Array(items) => {
            out.push(4);
            out.extend_from_slice(&(items.len() as u32).to_be_bytes());
            for it in items {
                put_json(it, out);
            }
        }
        Json::Object(pairs) => {
            out.push(5);
            out.extend_from_slice(&(pairs.len() as u32).to_be_bytes());
            for (k, v) in pairs {
                out.extend_from_slice(&(k.len() as u32).to_be_bytes());
                out.extend_from_slice(k.as_bytes());
                put_json(v, out);
            }
        }
    }
}

fn put_payload(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => {}
        Value::Bool(b) => out.push(u8::from(*b)),
        Value::Int2(v) => put_i64(i64::from(*v), out),
        Value::Int4(v) => put_i64(i64::from(*v), out),
        Value::Int8(v) => put_i64(*v, out),
        Value::Oid(v) | Value::Reg(v, _) => put_i64(i64::from(*v), out),
        Value::Float4(v) => put_f64(f64::from(*v), out),
        Value::Float8(v) => put_f64(*v, out),
        Value::Numeric(n) => put_numeric(n, out),
        Value::Text(s) | Value::Json(s) => put_bytes(s.as_bytes(), out),
        Value::Bytea(b) => put_bytes(b, out),
        Value::Date(d) => put_i32(*d, out),
        Value::Time(t) | Value::Timestamp(t) | Value::Timestamptz(t) => put_i64(*t, out),
        Value::Interval(iv) => {
            let span = iv.span();
            out.extend_from_slice(&((span as u128) ^ (1 << 127)).to_be_bytes());
        }
        Value::Uuid(u) => out.extend_from_slice(u),
        Value::Jsonb(s) => match crate::json::parse(s, "jsonb") {
            Ok(j) => put_json(&j.canonicalize(), out),
            Err(_) => put_json(&Json::String(s.clone()), out),
        },
        Value::Timetz(t) => {
            put_i64(
                t.time + i64::from(t.zone) * crate::datetime::USECS_PER_SEC,
                out,
            );
            put_i32(t.zone, out);
        }
        Value::Record(fields) => {
            for f in fields {
                if f.is_null() {
                    out.push(NULL);
                } else {
                    out.push(PRESENT);
                    put_payload(f, out);
                }
            }
            out.push(0x00);
        }
        Value::Array(a) => {
            for e in &a.elements {
                if e.is_null() {
                    out.push(NULL);
                } else {
                    out.push(PRESENT);
                    put_payload(e, out);
                }
            }
            out.push(0x00);
            out.push(a.dims.len() as u8);
            for d in &a.dims {
                put_i32(d.len, out);
                put_i32(d.lower_bound, out);
            }
        }
    }
}

/// Appends the ascending key encoding of one value.
pub fn encode_key(value: &Value, out: &mut Vec<u8>) {
    if value.is_null() {
        out.push(NULL);
        return;
    }
    out.push(PRESENT);
    put_payload(value, out);
}

/// Appends the descending key encoding (every byte of the ascending encoding inverted).
pub fn encode_key_desc(value: &Value, out: &mut Vec<u8>) {
    let start = out.len();
    encode_key(value, out);
    for b in &mut out[start..] {
        *b = !*b;
    }
}

/// Encodes a composite key: one column after another, each ascending or descending.
pub fn encode_composite(values: &[Value], descending: &[bool], out: &mut Vec<u8>) {
    for (i, v) in values.iter().enumerate() {
        if descending.get(i).copied().unwrap_or(false) {
            encode_key_desc(v, out);
        } else {
            encode_key(v, out);
        }
    }
}

struct Reader<'a, 'b> {
    input: &'a mut &'b [u8],
}

impl Reader<'_, '_> {
    fn byte(&mut self) -> SqlResult<u8> {
        let (&b, rest) = self
            .input
            .split_first()
            .ok_or_else(|| corrupt("truncated"))?;
        *self.input = rest;
        Ok(b)
    }

    fn take<const N: usize>(&mut self) -> SqlResult<[u8; N]> {
        if self.input.len() < N {
            return Err(corrupt("truncated"));
        }
        let mut a = [0u8; N];
        a.copy_from_slice(&self.input[..N]);
        *self.input = &self.input[N..];
        Ok(a)
    }

    fn i64(&mut self) -> SqlResult<i64> {
        Ok((u64::from_be_bytes(self.take()?) ^ (1 << 63)) as i64)
    }

    fn i32(&mut self) -> SqlResult<i32> {
        Ok((u32::from_be_bytes(self.take()?) ^ (1 << 31)) as i32)
    }

    fn f64(&mut self) -> SqlResult<f64> {
        let b = u64::from_be_bytes(self.take()?);
        if b == u64::MAX {
            return Ok(f64::NAN);
        }
        Ok(f64::from_bits(if b >> 63 == 1 {
            b & !(1 << 63)
        } else {
            !b
        }))
    }

    fn bytes(&mut self) -> SqlResult<Vec<u8>> {
        let mut out = Vec::new();
        loop {
            let b = self.byte()?;
            if b != 0 {
                out.push(b);
                continue;
            }
            match self.byte()? {
                0xFF => out.push(0),
                0x01 => return Ok(out),
                _ => return Err(corrupt("bad string escape")),
            }
        }
    }

    fn string(&mut self) -> SqlResult<String> {
        String::from_utf8(self.bytes()?).map_err(|_| corrupt("invalid UTF-8"))
    }

    fn numeric(&mut self) -> SqlResult<Numeric> {
        let class = self.byte()?;
        match class {
            0x01 => return Ok(Numeric::neg_infinity()),
            0x03 => return Ok(Numeric::zero()),
            0x05 => return Ok(Numeric::infinity()),
            0x06 => return Ok(Numeric::nan()),
            0x02 | 0x04 => {}
            _ => return Err(corrupt("bad numeric class")),
        }
        let neg = class == 0x02;
        let fix = |b: u8| if neg { !b } else { b };
        let mut eb = self.take::<4>()?;
        for b in &mut eb {
            *b = fix(*b);
        }
        let e = i64::from((u32::from_be_bytes(eb) ^ (1 << 31)) as i32);
        let mut digits = String::new();
        loop {
            let b = fix(self.byte()?);
            if b == 0 {
                break;
            }
            let v = b
                .checked_sub(1)
                .filter(|v| *v < 100)
                .ok_or_else(|| corrupt("bad digit"))?;
            digits.push((b'0' + v / 10) as char);
            digits.push((b'0' + v % 10) as char);
        }
        let digits = digits.trim_end_matches('0');
        let mut mant: BigInt = digits.parse().map_err(|_| corrupt("bad digits"))?;
        let n = digits.len() as i64;
        let shift = e - n;
        let scale = if shift >= 0 {
            mant *= pow10(shift as u32);
            0
        } else {
            (-shift) as u32
        };
        if neg {
            mant = -mant;
        }
        Ok(Numeric::from_parts(mant, scale))
    }

    fn json(&mut self, depth: usize) -> SqlResult<Json> {
        if depth > 10_000 {
            return Err(corrupt("jsonb too deep"));
        }
        Ok(match self.byte()? {
            0 => Json::Null,
            1 => Json::String(self.string()?),
            2 => Json::Number(self.numeric()?),
            3 => Json::Bool(self.byte()? != 0),
            4 => {
                let n = u32::from_be_bytes(self.take()?);
                let mut items = Vec::new();
                for _ in 0..n {
                    items.push(self.json(depth + 1)?);
                }
                Json::Array(items)
            }
            5 => {
                let n = u32::from_be_bytes(self.take()?);
                let mut pairs = Vec::new();
                for _ in 0..n {
                    let len = u32::from_be_bytes(self.take()?) as usize;
                    if self.input.len() < len {
                        return Err(corrupt("truncated"));
                    }
                    let k = std::str::from_utf8(&self.input[..len])
                        .map_err(|_| corrupt("invalid UTF-8"))?
                        .to_string();
                    *self.input = &self.input[len..];
                    pairs.push((k, self.json(depth + 1)?));
                }
                Json::Object(pairs)
            }
            _ => return Err(corrupt("bad jsonb tag")),
        })
    }

    fn payload(&mut self, ty: &DataType) -> SqlResult<Value> {
        Ok(match ty {
            DataType::Bool => Value::Bool(self.byte()? != 0),
            DataType::Int2 => {
                Value::Int2(i16::try_from(self.i64()?).map_err(|_| corrupt("int2 out of range"))?)
            }
            DataType::Int4 => {
                Value::Int4(i32::try_from(self.i64()?).map_err(|_| corrupt("int4 out of range"))?)
            }
            DataType::Int8 => Value::Int8(self.i64()?),
            DataType::Oid => {
                Value::Oid(u32::try_from(self.i64()?).map_err(|_| corrupt("oid out of range"))?)
            }
            DataType::Reg(_) => Value::Reg(
                u32::try_from(self.i64()?).map_err(|_| corrupt("oid out of range"))?,
                None,
            ),
            DataType::Float4 => Value::Float4(self.f64()? as f32),
            DataType::Float8 => Value::Float8(self.f64()?),
            DataType::Numeric(_) => Value::Numeric(self.numeric()?),
            DataType::Text
            | DataType::Varchar(_)
            | DataType::Bpchar(_)
            | DataType::Name
            | DataType::Char
            | DataType::PgNodeTree
            | DataType::Unknown => Value::Text(self.string()?),
            DataType::Json => Value::Json(self.string()?),
            DataType::Bytea => Value::Bytea(self.bytes()?),
            DataType::Date => Value::Date(self.i32()?),
            DataType::Time => Value::Time(self.i64()?),
            DataType::Timetz => {
                let utc = self.i64()?;
                let zone = self.i32()?;
                let time = utc - i64::from(zone) * crate::datetime::USECS_PER_SEC;
                Value::Timetz(crate::datetime::TimeTz::new(time, zone))
            }
            DataType::Record(types) => {
                let mut fields = Vec::with_capacity(types.len());
                loop {
                    let marker = self.byte()?;
                    let ty = match types.get(fields.len()) {
                        Some(ty) => ty,
                        None if marker == 0x00 => break,
                        None => return Err(corrupt("record has too many fields")),
                    };
                    match marker {
                        0x00 => break,
                        NULL => fields.push(Value::Null),
                        PRESENT => fields.push(self.payload(ty)?),
                        _ => return Err(corrupt("bad record field marker")),
                    }
                }
                Value::Record(fields)
            }
            DataType::Timestamp => Value::Timestamp(self.i64()?),
            DataType::Timestamptz => Value::Timestamptz(self.i64()?),
            DataType::Interval => {
                let span = (u128::from_be_bytes(self.take()?) ^ (1 << 127)) as i128;
                Value::Interval(interval_from_span(span).ok_or_else(|| corrupt("interval"))?)
            }
            DataType::Uuid => Value::Uuid(self.take()?),
            DataType::Jsonb => {
                let j = self.json(0)?;
                let mut s = String::new();
                j.write(&mut s);
                Value::Jsonb(s)
            }
            DataType::Int2Vector | DataType::OidVector => {
                let elem = ty.vector_element().unwrap_or(DataType::Int2);
                self.payload(&DataType::Array(Box::new(elem)))?
            }
            DataType::Array(elem) => {
                let mut elements = Vec::new();
                loop {
                    match self.byte()? {
                        0x00 => break,
                        NULL => elements.push(Value::Null),
                        PRESENT => elements.push(self.payload(elem)?),
                        _ => return Err(corrupt("bad array element marker")),
                    }
                }
                let ndims = self.byte()?;
                let mut dims = Vec::new();
                for _ in 0..ndims {
                    let len = self.i32()?;
                    let lower_bound = self.i32()?;
                    dims.push(ArrayDim { len, lower_bound });
                }
                let a = Array {
                    element_type: (**elem).clone(),
                    dims,
                    elements,
                };
                if !a.is_consistent() {
                    return Err(corrupt("array dimensions"));
                }
                Value::Array(Box::new(a))
            }
        })
    }
}

/// An interval with the given span: days and microseconds when they fit, months taking the
/// excess otherwise (greedy from the largest unit, which always succeeds for spans of real
/// intervals).
fn interval_from_span(span: i128) -> Option<Interval> {
    let day = i128::from(USECS_PER_DAY);
    let clamp = |v: i128| v.clamp(i128::from(i32::MIN), i128::from(i32::MAX));
    let (months, rest) = if (span / day).abs() <= i128::from(i32::MAX) {
        (0, span)
    } else {
        let m = clamp(span / (30 * day));
        (m, span - m * 30 * day)
    };
    let days = clamp(rest / day);
    let micros = i64::try_from(rest - days * day).ok()?;
    Some(Interval::new(months as i32, days as i32, micros))
}

/// Decodes one ascending key column of type `ty`, advancing `input` past it.
pub fn decode_key(input: &mut &[u8], ty: &DataType) -> SqlResult<Value> {
    let mut r = Reader { input };
    match r.byte()? {
        NULL => Ok(Value::Null),
        PRESENT => r.payload(ty),
        _ => Err(corrupt("bad presence byte")),
    }
}

/// Decodes one descending key column.
pub fn decode_key_desc(input: &mut &[u8], ty: &DataType) -> SqlResult<Value> {
    let inverted: Vec<u8> = input.iter().map(|b| !b).collect();
    let mut view: &[u8] = &inverted;
    let v = decode_key(&mut view, ty)?;
    let consumed = inverted.len() - view.len();
    *input = &input[consumed..];
    Ok(v)
}

#[cfg(test)]
#[path = "keycodec_tests.rs"]
mod tests;
