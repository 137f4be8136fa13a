//! PostgreSQL's binary format (the `send`/`recv` functions) for every type, as the extended
//! protocol carries parameters and results.
//!
//! Layouts (all integers big-endian):
//! * bool: 1 byte; int2/int4/int8/oid: 2/4/8/4 bytes; float4/float8: IEEE 754.
//! * numeric: `i16 ndigits, i16 weight, u16 sign (0x0000 +, 0x4000 -, 0xC000 NaN,
//!   0xD000 +Inf, 0xF000 -Inf), i16 dscale`, then `ndigits` base-10000 digits as i16, the
//!   first multiplied by 10000^weight; leading and trailing zero digits are stripped.
//! * text, varchar, bpchar, name, json: the UTF-8 bytes; jsonb: version byte 1 then the text.
//! * bytea: the bytes. uuid: 16 bytes.
//! * date: i32 days since 2000-01-01; time: i64 µs; timestamp(tz): i64 µs since 2000-01-01.
//! * interval: i64 µs, i32 days, i32 months. timetz: i64 µs, i32 zone (seconds west of UTC).
//! * record: `i32 nfields`, then per field `u32 type_oid, i32 length` (-1 for NULL) and the
//!   field's binary form.
//! * array: `i32 ndim, i32 has_nulls, u32 element_oid`, per dimension `i32 len, i32 lbound`,
//!   then per element `i32 length` (-1 for NULL) and the element's binary form.

use num_bigint::BigInt;
use num_traits::{Signed, Zero};

use crate::array::{Array, ArrayDim, MAX_DIMS};
use crate::datatype::DataType;
use crate::datetime::Interval;
use crate::error::{SqlError, SqlResult, SqlState};
use crate::numeric::{Numeric, pow10};
use crate::text::{apply_bpchar, apply_varchar, truncate_name};
use crate::value::Value;

fn bad(msg: impl Into<String>) -> SqlError {
    SqlError::new(SqlState::INVALID_BINARY_REPRESENTATION, msg)
}

fn mismatch(value: &Value, ty: &DataType) -> SqlError {
    SqlError::internal(format!("cannot send {value:?} as {ty}"))
}

/// Appends the binary form of a non-NULL value of type `ty`.
pub fn encode_binary(value: &Value, ty: &DataType, out: &mut Vec<u8>) -> SqlResult<()> {
    match (value, ty) {
        (Value::Bool(b), _) => out.push(u8::from(*b)),
        (Value::Int2(v), _) => out.extend_from_slice(&v.to_be_bytes()),
        (Value::Int4(v), _) => out.extend_from_slice(&v.to_be_bytes()),
        (Value::Int8(v), _) => out.extend_from_slice(&v.to_be_bytes()),
        (Value::Oid(v), _) | (Value::Reg(v, _), _) => out.extend_from_slice(&v.to_be_bytes()),
        (Value::Float4(v), _) => out.extend_from_slice(&v.to_be_bytes()),
        (Value::Float8(v), _) => out.extend_from_slice(&v.to_be_bytes()),
        (Value::Numeric(n), _) => encode_numeric(n, out),
        (Value::Jsonb(s), _) => {
            out.push(1);
            out.extend_from_slice(s.as_bytes());
        }
        (Value::Text(s), _) | (Value::Json(s), _) => out.extend_from_slice(s.as_bytes()),
        (Value::Bytea(b), _) => out.extend_from_slice(b),
        (Value::Date(d), _) => out.extend_from_slice(&d.to_be_bytes()),
        (Value::Time(t), _) | (Value::Timestamp(t), _) | (Value::Timestamptz(t), _) => {
            out.extend_from_slice(&t.to_be_bytes())
        }
        (Value::Interval(iv), _) => {
            out.extend_from_slice(&iv.micros.to_be_bytes());
            out.extend_from_slice(&iv.days.to_be_bytes());
            out.extend_from_slice(&iv.months.to_be_bytes());
        }
        (Value::Uuid(u), _) => out.extend_from_slice(u),
        (Value::Array(a), _) => encode_array(a, ty, out)?,
        (Value::Timetz(t), _) => {
            out.extend_from_slice(&t.time.to_be_bytes());
            out.extend_from_slice(&t.zone.to_be_bytes());
        }
        (Value::Record(fields), _) => encode_record(fields, ty, out)?,
        (Value::Null, _) => return Err(mismatch(value, ty)),
    }
    Ok(())
}

fn encode_array(a: &Array, ty: &DataType, out: &mut Vec<u8>) -> SqlResult<()> {
    let elem_ty = ty.element_type().unwrap_or(&a.element_type).clone();
    out.extend_from_slice(&(a.dims.len() as i32).to_be_bytes());
    let has_nulls = a.elements.iter().any(Value::is_null);
    out.extend_from_slice(&i32::from(has_nulls).to_be_bytes());
    out.extend_from_slice(&elem_ty.oid().to_be_bytes());
    for d in &a.dims {
        out.extend_from_slice(&d.len.to_be_bytes());
        out.extend_from_slice(&d.lower_bound.to_be_bytes());
    }
    for e in &a.elements {
        if e.is_null() {
            out.extend_from_slice(&(-1i32).to_be_bytes());
            continue;
        }
        let len_pos = out.len();
        out.extend_from_slice(&[0; 4]);
        encode_binary(e, &elem_ty, out)?;
        let len = (out.len() - len_pos - 4) as i32;
        out[len_pos..len_pos + 4].copy_from_slice(&len.to_be_bytes());
    }
    Ok(())
}

fn encode_record(fields: &[Value], ty: &DataType, out: &mut Vec<u8>) -> SqlResult<()> {
    let types = match ty {
        DataType::Record(types) => types.as_slice(),
        _ => &[],
    };
    out.extend_from_slice(&(fields.len() as i32).to_be_bytes());
    for (i, field) in fields.iter().enumerate() {
        let field_ty = types
            .get(i)
            .cloned()
            .or_else(|| field.data_type())
            .unwrap_or(DataType::Text);
        out.extend_from_slice(&field_ty.oid().to_be_bytes());
        if field.is_null() {
            out.extend_from_slice(&(-1i32).to_be_bytes());
            continue;
        }
        let len_pos = out.len();
        out.extend_from_slice(&[0; 4]);
        encode_binary(field, &field_ty, out)?;
        let len = (out.len() - len_pos - 4) as i32;
        out[len_pos..len_pos + 4].copy_from_slice(&len.to_be_bytes());
    }
    Ok(())
}

/// The base-10000 digits, weight and dscale of a finite numeric, as PostgreSQL sends them.
pub(crate) fn numeric_to_nbase(mant: &BigInt, scale: u32) -> (Vec<i16>, i16) {
    if mant.is_zero() {
        return (Vec::new(), 0);
    }
    let digits = mant.magnitude().to_string();
    let scale = scale as usize;
    // Split at the decimal point, then pad both sides to whole base-10000 groups.
    let (int_part, frac_part) = if digits.len() > scale {
        let (i, f) = digits.split_at(digits.len() - scale);
        (i.to_string(), f.to_string())
    } else {
        (String::new(), "0".repeat(scale - digits.len()) + &digits)
    };
    let mut padded = "0".repeat((4 - int_part.len() % 4) % 4);
    padded.push_str(&int_part);
    let int_groups = (padded.len() / 4) as i64;
    padded.push_str(&frac_part);
    padded.push_str(&"0".repeat((4 - frac_part.len() % 4) % 4));
    let groups: Vec<i16> = padded
        .as_bytes()
        .chunks(4)
        .map(|c| c.iter().fold(0i16, |acc, d| acc * 10 + i16::from(d - b'0')))
        .collect();
    let mut weight = int_groups - 1;
    let mut start = 0;
    while start < groups.len() && groups[start] == 0 {
        start += 1;
        weight -= 1;
    }
    let mut end = groups.len();
    while end > start && groups[end - 1] == 0 {
        end -= 1;
    }
    (groups[start..end].to_vec(), weight as i16)
}

fn encode_numeric(n: &Numeric, out: &mut Vec<u8>) {
    let (digits, weight, sign, dscale): (Vec<i16>, i16, u16, u16) = if n.is_nan() {
        (Vec::new(), 0, 0xC000, 0)
    } else if n.is_infinite() {
        (
            Vec::new(),
            0,
            if n.signum() > 0 { 0xD000 } else { 0xF000 },
            // PostgreSQL's numeric_send reports dscale 32 for the infinities (an artifact of
            // its header layout); clients ignore it, but matching it byte for byte is free.
            0x20,
        )
    } else {
        let (mant, scale) = n.mantissa_scale().unwrap_or((&BigInt::ZERO, 0));
        let (d, w) = numeric_to_nbase(mant, scale);
        (
            d,
            w,
            if mant.is_negative() { 0x4000 } else { 0 },
            scale as u16,
        )
    };
    out.extend_from_slice(&(digits.len() as i16).to_be_bytes());
    out.extend_from_slice(&weight.to_be_bytes());
    out.extend_from_slice(&sign.to_be_bytes());
    out.extend_from_slice(&dscale.to_be_bytes());
    for d in digits {
        out.extend_from_slice(&d.to_be_bytes());
    }
}

struct Reader<'a> {
    b: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> SqlResult<&'a [u8]> {
        if self.b.len() < n {
            return Err(bad("insufficient data left in message"));
        }
        let (h, t) = self.b.split_at(n);
        self.b = t;
        Ok(h)
    }

    fn i16(&mut self) -> SqlResult<i16> {
        let s = self.take(2)?;
        Ok(i16::from_be_bytes([s[0], s[1]]))
    }

    fn i32(&mut self) -> SqlResult<i32> {
        let s = self.take(4)?;
        Ok(i32::from_be_bytes([s[0], s[1], s[2], s[3]]))
    }

    fn i64(&mut self) -> SqlResult<i64> {
        let s = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        Ok(i64::from_be_bytes(a))
    }
}

fn exact<const N: usize>(bytes: &[u8]) -> SqlResult<[u8; N]> {
    if bytes.len() != N {
        return Err(bad(format!(
            "incorrect binary data format: expected {N} bytes, got {}",
            bytes.len()
        )));
    }
    let mut a = [0u8; N];
    a.copy_from_slice(bytes);
    Ok(a)
}

fn utf8(bytes: &[u8]) -> SqlResult<String> {
    String::from_utf8(bytes.to_vec()).map_err(|e| {
        let pos = e.utf8_error().valid_up_to();
        let b = bytes.get(pos).copied().unwrap_or(0);
        SqlError::new(
            SqlState::CHARACTER_NOT_IN_REPERTOIRE,
            format!("invalid byte sequence for encoding \"UTF8\": 0x{b:02x}"),
        )
    })
}

/// Decodes a non-NULL value of type `ty` from its binary form (the whole slice), applying the
/// type's modifier as the `recv` functions do.
pub fn decode_binary(bytes: &[u8], ty: &DataType) -> SqlResult<Value> {
    Ok(match ty {
        DataType::Bool => {
            let [b] = exact::<1>(bytes)?;
            Value::Bool(b != 0)
        }
        DataType::Int2 => Value::Int2(i16::from_be_bytes(exact(bytes)?)),
        DataType::Int4 => Value::Int4(i32::from_be_bytes(exact(bytes)?)),
        DataType::Int8 => Value::Int8(i64::from_be_bytes(exact(bytes)?)),
        DataType::Oid => Value::Oid(u32::from_be_bytes(exact(bytes)?)),
        DataType::Reg(_) => Value::Reg(u32::from_be_bytes(exact(bytes)?), None),
        DataType::Char => {
            let [b] = exact::<1>(bytes)?;
            Value::Text(crate::text::char_from_byte(b))
        }
        DataType::PgNodeTree => Value::Text(utf8(bytes)?),
        DataType::Int2Vector | DataType::OidVector => {
            let elem = ty.vector_element().unwrap_or(DataType::Int2);
            let mut a = decode_array(bytes, &elem)?;
            crate::text::make_vector(&mut a);
            Value::Array(Box::new(a))
        }
        DataType::Float4 => Value::Float4(f32::from_be_bytes(exact(bytes)?)),
        DataType::Float8 => Value::Float8(f64::from_be_bytes(exact(bytes)?)),
        DataType::Numeric(typmod) => {
            let n = decode_numeric(bytes)?;
            Value::Numeric(match typmod {
                Some(m) => n.apply_typmod(*m)?,
                None => n,
            })
        }
        DataType::Text | DataType::Unknown | DataType::Json => {
            let s = utf8(bytes)?;
            if *ty == DataType::Json {
                crate::json::parse(&s, "json")?;
                Value::Json(s)
            } else {
                Value::Text(s)
            }
        }
        DataType::Varchar(n) => Value::Text(apply_varchar(&utf8(bytes)?, *n, false)?),
        DataType::Bpchar(n) => Value::Text(apply_bpchar(&utf8(bytes)?, *n, false)?),
        DataType::Name => Value::Text(truncate_name(&utf8(bytes)?)),
        DataType::Jsonb => {
            let Some((&version, rest)) = bytes.split_first() else {
                return Err(bad("insufficient data left in message"));
            };
            if version != 1 {
                return Err(bad(format!("unsupported jsonb version number {version}")));
            }
            Value::Jsonb(crate::json::parse_jsonb_text(&utf8(rest)?)?)
        }
        DataType::Bytea => Value::Bytea(bytes.to_vec()),
        DataType::Date => Value::Date(i32::from_be_bytes(exact(bytes)?)),
        DataType::Time => {
            let t = i64::from_be_bytes(exact(bytes)?);
            if !(0..=crate::datetime::USECS_PER_DAY).contains(&t) {
                return Err(SqlError::new(
                    SqlState::DATETIME_FIELD_OVERFLOW,
                    "time out of range",
                ));
            }
            Value::Time(t)
        }
        DataType::Timestamp | DataType::Timestamptz => {
            let t = i64::from_be_bytes(exact(bytes)?);
            if crate::datetime::is_finite_timestamp(t) && !crate::datetime::valid_timestamp(t) {
                return Err(crate::datetime::timestamp_out_of_range());
            }
            if *ty == DataType::Timestamp {
                Value::Timestamp(t)
            } else {
                Value::Timestamptz(t)
            }
        }
        DataType::Interval => {
            let b: [u8; 16] = exact(bytes)?;
            let mut r = Reader { b: &b };
            let micros = r.i64()?;
            let days = r.i32()?;
            let months = r.i32()?;
            Value::Interval(Interval::new(months, days, micros))
        }
        DataType::Uuid => Value::Uuid(exact(bytes)?),
        DataType::Array(elem) => Value::Array(Box::new(decode_array(bytes, elem)?)),
        DataType::Timetz => {
            let b: [u8; 12] = exact(bytes)?;
            let mut r = Reader { b: &b };
            let time = r.i64()?;
            let zone = r.i32()?;
            if !(0..=crate::datetime::USECS_PER_DAY).contains(&time) {
                return Err(SqlError::new(
                    SqlState::DATETIME_FIELD_OVERFLOW,
                    "time out of range",
                ));
            }
            // PostgreSQL's TZDISP_LIMIT: offsets up to 16 hours either way.
            if !(-57_600..=57_600).contains(&zone) {
                return Err(SqlError::new(
                    SqlState::INVALID_TIME_ZONE_DISPLACEMENT_VALUE,
                    "time zone displacement out of range",
                ));
            }
            Value::Timetz(crate::datetime::TimeTz::new(time, zone))
        }
        DataType::Record(_) => {
            return Err(SqlError::new(
                SqlState::FEATURE_NOT_SUPPORTED,
                "input of anonymous composite types is not implemented",
            ));
        }
    })
}

/// Reads a `record_send` payload, whose fields name their own types: what a client does with a
/// row value it receives. (The server never reads one: PostgreSQL's record_recv cannot take an
/// anonymous record.)
pub fn decode_record(bytes: &[u8]) -> SqlResult<Value> {
    let mut r = Reader { b: bytes };
    let count = r.i32()?;
    let mut fields = Vec::new();
    for _ in 0..count.max(0) {
        let oid = r.i32()? as u32;
        let len = r.i32()?;
        if len < 0 {
            fields.push(Value::Null);
            continue;
        }
        let data = r.take(len as usize)?;
        fields.push(match DataType::from_oid(oid, -1) {
            Some(ty) => decode_binary(data, &ty)?,
            None if oid == DataType::Record(Vec::new()).oid() => decode_record(data)?,
            None => return Err(bad(format!("record field of unknown type {oid}"))),
        });
    }
    Ok(Value::Record(fields))
}

fn decode_numeric(bytes: &[u8]) -> SqlResult<Numeric> {
    let mut r = Reader { b: bytes };
    let ndigits = r.i16()?;
    let weight = i64::from(r.i16()?);
    let sign = r.i16()? as u16;
    let dscale = r.i16()?;
    if ndigits < 0 {
        return Err(bad("invalid length in external \"numeric\" value"));
    }
    match sign {
        0xC000 => return Ok(Numeric::nan()),
        0xD000 => return Ok(Numeric::infinity()),
        0xF000 => return Ok(Numeric::neg_infinity()),
        0x0000 | 0x4000 => {}
        _ => return Err(bad("invalid sign in external \"numeric\" value")),
    }
    if !(0..=crate::numeric::DSCALE_MAX as i16).contains(&dscale) {
        return Err(bad("invalid scale in external \"numeric\" value"));
    }
    let mut mant = BigInt::zero();
    let base = BigInt::from(10_000);
    for _ in 0..ndigits {
        let d = r.i16()?;
        if !(0..10_000).contains(&d) {
            return Err(bad("invalid digit in external \"numeric\" value"));
        }
        mant = mant * &base + d;
    }
    if !r.b.is_empty() {
        return Err(bad("incorrect binary data format"));
    }
    if weight.abs() > 0x7fff {
        return Err(bad("invalid weight in external \"numeric\" value"));
    }
    // value = mant * 10000^(weight - ndigits + 1); express with `dscale` decimals, truncating
    // digits the scale hides as numeric_recv does.
    let exp10 = (weight - i64::from(ndigits) + 1) * 4;
    let dscale = dscale as u32;
    let shift = exp10 + i64::from(dscale);
    let mant = if shift >= 0 {
        mant * pow10(shift as u32)
    } else {
        mant / pow10((-shift) as u32)
    };
    let mant = if sign == 0x4000 { -mant } else { mant };
    Numeric::checked(mant, dscale)
}

fn decode_array(bytes: &[u8], elem: &DataType) -> SqlResult<Array> {
    let mut r = Reader { b: bytes };
    let ndim = r.i32()?;
    let flags = r.i32()?;
    let elem_oid = r.i32()? as u32;
    if ndim < 0 || ndim as usize > MAX_DIMS {
        return Err(bad(format!("invalid number of dimensions: {ndim}")));
    }
    if flags != 0 && flags != 1 {
        return Err(bad("invalid array flags"));
    }
    if elem_oid != elem.oid() {
        return Err(SqlError::new(
            SqlState::DATATYPE_MISMATCH,
            "binary data has array element type ".to_string()
                + &elem_oid.to_string()
                + " instead of expected "
                + &elem.oid().to_string(),
        ));
    }
    let mut dims = Vec::with_capacity(ndim as usize);
    let mut count: i64 = 1;
    for _ in 0..ndim {
        let len = r.i32()?;
        let lower_bound = r.i32()?;
        if len < 0 {
            return Err(bad("invalid array dimension"));
        }
        count = count.saturating_mul(i64::from(len));
        dims.push(ArrayDim { len, lower_bound });
    }
    if ndim == 0 || count == 0 {
        return Ok(Array::empty(elem.clone()));
    }
    if count > (r.b.len() as i64) / 4 + 1 {
        return Err(bad("insufficient data left in message"));
    }
    let mut elements = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let len = r.i32()?;
        if len == -1 {
            elements.push(Value::Null);
            continue;
        }
        if len < 0 {
            return Err(bad("insufficient data left in message"));
        }
        let data = r.take(len as usize)?;
        elements.push(decode_binary(data, elem)?);
    }
    if !r.b.is_empty() {
        return Err(bad("incorrect binary data format in array"));
    }
    Ok(Array {
        element_type: elem.clone(),
        dims,
        elements,
    })
}

#[cfg(test)]
#[path = "binary_tests.rs"]
mod tests;
