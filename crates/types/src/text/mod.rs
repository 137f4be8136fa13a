//! PostgreSQL's text format for every type: the type output functions ([`format_text`]) and
//! input functions with typmod application ([`parse_text`]). Scalar helpers for bool, integers,
//! character types, uuid and oid live here; bytea in `bytea.rs`; floats, numeric, date/time,
//! JSON and arrays in their own modules.

pub mod bytea;

use crate::array::{parse_array, write_array};
use crate::context::FormatContext;
use crate::datatype::DataType;
use crate::datetime::{format as dtf, interval::parse_interval, parse as dtp};
use crate::error::{SqlError, SqlResult, SqlState};
use crate::numeric::Numeric;
use crate::value::Value;

/// `NAMEDATALEN - 1`: the longest `name` in bytes.
pub const NAME_MAX_BYTES: usize = 63;

/// The text form of a non-NULL value (`Value::Null` writes nothing: the wire layer sends NULL
/// as a length of -1).
pub fn format_text(value: &Value, ty: &DataType, ctx: &FormatContext) -> String {
    let mut s = String::new();
    write_text(value, ty, ctx, &mut s);
    s
}

/// Appends the text form of a value to a byte buffer (the wire layer's DataRow buffer).
pub fn format_text_into(value: &Value, ty: &DataType, ctx: &FormatContext, out: &mut Vec<u8>) {
    let mut s = String::new();
    write_text(value, ty, ctx, &mut s);
    out.extend_from_slice(s.as_bytes());
}

/// Appends the text form of a value. The value's variant decides the format; `ty` only
/// matters for variants shared by several types.
pub fn write_text(value: &Value, ty: &DataType, ctx: &FormatContext, out: &mut String) {
    use std::fmt::Write;
    match value {
        Value::Null => {}
        Value::Bool(b) => out.push(if *b { 't' } else { 'f' }),
        Value::Int2(v) => {
            let _ = write!(out, "{v}");
        }
        Value::Int4(v) => {
            let _ = write!(out, "{v}");
        }
        Value::Int8(v) => {
            let _ = write!(out, "{v}");
        }
        Value::Oid(v) => {
            let _ = write!(out, "{v}");
        }
        Value::Reg(oid, name) => match name {
            Some(n) => out.push_str(n),
            // regclass_out and friends print "-" for InvalidOid.
            None if *oid == 0 => out.push('-'),
            None => {
                let _ = write!(out, "{oid}");
            }
        },
        Value::Array(a) if matches!(ty, DataType::Int2Vector | DataType::OidVector) => {
            // int2vectorout / oidvectorout: elements separated by single spaces.
            for (i, e) in a.elements.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_text(e, &a.element_type, ctx, out);
            }
        }
        Value::Float4(v) => crate::float::format_f32(*v, ctx.extra_float_digits, out),
        Value::Float8(v) => crate::float::format_f64(*v, ctx.extra_float_digits, out),
        Value::Numeric(n) => n.write_text(out),
        Value::Text(s) | Value::Json(s) | Value::Jsonb(s) => out.push_str(s),
        Value::Bytea(b) => {
            if ctx.bytea_escape_output {
                bytea::write_escape(b, out)
            } else {
                bytea::write_hex(b, out)
            }
        }
        Value::Date(d) => dtf::write_date(*d, out),
        Value::Time(t) => dtf::write_time(*t, out),
        Value::Timestamp(t) => dtf::write_timestamp(*t, out),
        Value::Timestamptz(t) => dtf::write_timestamptz(*t, &ctx.time_zone, out),
        Value::Interval(iv) => iv.write_postgres(out),
        Value::Uuid(u) => write_uuid(u, out),
        Value::Array(a) => write_array(a, ctx, out),
        Value::Timetz(t) => crate::datetime::timetz::write_timetz(t, out),
        Value::Record(fields) => write_record(fields, ty, ctx, out),
    }
}

/// `record_out`: `(f1,f2,...)`, a NULL field empty, and a field quoted (with `"` and `\`
/// doubled) when it is empty or holds a quote, backslash, parenthesis, comma or white space.
fn write_record(fields: &[Value], ty: &DataType, ctx: &FormatContext, out: &mut String) {
    let types = match ty {
        DataType::Record(types) => types.as_slice(),
        _ => &[],
    };
    out.push('(');
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if field.is_null() {
            continue;
        }
        let field_ty = types
            .get(i)
            .cloned()
            .or_else(|| field.data_type())
            .unwrap_or(DataType::Text);
        let text = format_text(field, &field_ty, ctx);
        let quote = text.is_empty()
            || text
                .chars()
                .any(|c| matches!(c, '"' | '\\' | '(' | ')' | ',') || c.is_ascii_whitespace());
        if !quote {
            out.push_str(&text);
            continue;
        }
        out.push('"');
        for c in text.chars() {
            if c == '"' || c == '\\' {
                out.push(c);
            }
            out.push(c);
        }
        out.push('"');
    }
    out.push(')');
}

/// A type's input function applied to `input`, including its typmod (`varchar(n)` length
/// check, `char(n)` padding, `numeric(p,s)` rounding).
pub fn parse_text(input: &str, ty: &DataType, ctx: &FormatContext) -> SqlResult<Value> {
    Ok(match ty {
        DataType::Bool => Value::Bool(parse_bool(input)?),
        DataType::Int2 => Value::Int2(parse_int(input, "smallint")? as i16),
        DataType::Int4 => Value::Int4(parse_int(input, "integer")? as i32),
        DataType::Int8 => Value::Int8(parse_int(input, "bigint")?),
        DataType::Oid => Value::Oid(parse_oid(input)?),
        DataType::Reg(kind) => parse_reg(input, *kind)?,
        DataType::Char => Value::Text(parse_char(input)),
        DataType::PgNodeTree => Value::Text(input.to_string()),
        DataType::Int2Vector | DataType::OidVector => {
            Value::Array(Box::new(parse_vector(input, ty)?))
        }
        DataType::Float4 => Value::Float4(crate::float::parse_f32(input)?),
        DataType::Float8 => Value::Float8(crate::float::parse_f64(input)?),
        DataType::Numeric(typmod) => {
            let n = Numeric::parse(input)?;
            Value::Numeric(match typmod {
                Some(m) => n.apply_typmod(*m)?,
                None => n,
            })
        }
        DataType::Text | DataType::Unknown => Value::Text(input.to_string()),
        DataType::Varchar(n) => Value::Text(apply_varchar(input, *n, false)?),
        DataType::Bpchar(n) => Value::Text(apply_bpchar(input, *n, false)?),
        DataType::Name => Value::Text(truncate_name(input)),
        DataType::Bytea => Value::Bytea(bytea::parse(input)?),
        DataType::Date => Value::Date(dtp::parse_date(input, ctx)?),
        DataType::Time => Value::Time(dtp::parse_time(input, ctx)?),
        DataType::Timetz => Value::Timetz(dtp::parse_timetz(input, ctx)?),
        DataType::Timestamp => Value::Timestamp(dtp::parse_timestamp(input, ctx)?),
        DataType::Timestamptz => Value::Timestamptz(dtp::parse_timestamptz(input, ctx)?),
        DataType::Interval => Value::Interval(parse_interval(input)?),
        DataType::Uuid => Value::Uuid(parse_uuid(input)?),
        DataType::Json => Value::Json(crate::json::parse_json_text(input)?),
        DataType::Jsonb => Value::Jsonb(crate::json::parse_jsonb_text(input)?),
        DataType::Array(elem) => Value::Array(Box::new(parse_array(input, elem, ctx)?)),
        // record_in of an anonymous record type: PostgreSQL cannot read one either.
        DataType::Record(_) => {
            return Err(SqlError::new(
                SqlState::FEATURE_NOT_SUPPORTED,
                "input of anonymous composite types is not implemented",
            ));
        }
    })
}

/// `charin`: the first byte of the input (an empty input is the zero byte, which prints as
/// an empty string). A multi-byte first character is kept whole rather than split.
pub fn parse_char(input: &str) -> String {
    input.chars().next().map(String::from).unwrap_or_default()
}

/// The `"char"` value of one byte as EmbedDB holds it (text; the zero byte is empty).
pub fn char_from_byte(b: u8) -> String {
    if b == 0 {
        String::new()
    } else {
        char::from(b).to_string()
    }
}

/// Gives a one-dimensional array the zero lower bound of `int2vector` / `oidvector`.
pub fn make_vector(a: &mut crate::array::Array) {
    for d in a.dims.iter_mut() {
        d.lower_bound = 0;
    }
}

/// `int2vectorin` / `oidvectorin`: numbers separated by whitespace.
pub fn parse_vector(input: &str, ty: &DataType) -> SqlResult<crate::array::Array> {
    let elem = ty.vector_element().unwrap_or(DataType::Int2);
    let mut elements = Vec::new();
    for part in input.split_ascii_whitespace() {
        elements.push(match elem {
            DataType::Oid => Value::Oid(parse_oid(part)?),
            _ => Value::Int2(parse_int(part, "smallint")? as i16),
        });
    }
    let mut a = crate::array::Array::from_elements(elem, elements);
    make_vector(&mut a);
    Ok(a)
}

/// The object-identifier alias types read without a catalog: a number (`'16384'::regclass`),
/// `-` for InvalidOid, and for `regtype` / `regnamespace` the names of built-in types and
/// schemas. Names of tables, functions and roles need the catalog: the binder resolves those
/// before they reach here, so reaching here with one means no such object.
pub fn parse_reg(input: &str, kind: crate::datatype::RegKind) -> SqlResult<Value> {
    use crate::datatype::RegKind;
    let s = input.trim();
    if s == "-" {
        return Ok(Value::Reg(0, None));
    }
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(Value::Reg(parse_oid(s)?, None));
    }
    match kind {
        RegKind::Type => {
            let t = crate::typename::parse_type_name(s)?;
            Ok(Value::Reg(
                t.oid(),
                Some(t.without_typmod().to_string().into()),
            ))
        }
        RegKind::Namespace => match builtin_namespace_oid(s) {
            Some(oid) => Ok(Value::Reg(oid, Some(s.into()))),
            None => Err(SqlError::new(
                SqlState::INVALID_SCHEMA_NAME,
                format!("schema \"{s}\" does not exist"),
            )),
        },
        RegKind::Class => Err(SqlError::new(
            SqlState::UNDEFINED_TABLE,
            format!("relation \"{s}\" does not exist"),
        )),
        RegKind::Role => Err(SqlError::new(
            SqlState::UNDEFINED_OBJECT,
            format!("role \"{s}\" does not exist"),
        )),
        RegKind::Proc | RegKind::Procedure => Err(SqlError::new(
            SqlState::UNDEFINED_FUNCTION,
            format!("function \"{s}\" does not exist"),
        )),
        RegKind::Oper => Err(SqlError::new(
            SqlState::UNDEFINED_FUNCTION,
            format!("operator does not exist: {s}"),
        )),
    }
}

/// Oids of the schemas every EmbedDB database has (`pg_namespace`).
pub const PG_CATALOG_NAMESPACE: u32 = 11;
pub const PUBLIC_NAMESPACE: u32 = 2200;
/// PostgreSQL assigns information_schema an oid at initdb; this is the one PostgreSQL 15
/// typically gets, fixed here so it is stable.
pub const INFORMATION_SCHEMA_NAMESPACE: u32 = 13_207;

pub fn builtin_namespace_oid(name: &str) -> Option<u32> {
    match name {
        "pg_catalog" => Some(PG_CATALOG_NAMESPACE),
        "public" => Some(PUBLIC_NAMESPACE),
        "information_schema" => Some(INFORMATION_SCHEMA_NAMESPACE),
        _ => None,
    }
}

/// `boolin`: `t`/`true`/`yes`/`on`/`1` and their negations, any unique prefix, any case,
/// surrounding whitespace ignored.
pub fn parse_bool(input: &str) -> SqlResult<bool> {
    let s = input.trim_matches(|c: char| c.is_ascii_whitespace());
    let lower = s.to_ascii_lowercase();
    let l = lower.as_str();
    let prefix_of = |word: &str, min: usize| l.len() >= min && word.starts_with(l);
    let r = if prefix_of("true", 1) || prefix_of("yes", 1) || prefix_of("on", 2) || l == "1" {
        Some(true)
    } else if prefix_of("false", 1) || prefix_of("no", 1) || prefix_of("off", 2) || l == "0" {
        Some(false)
    } else {
        None
    };
    r.ok_or_else(|| SqlError::invalid_text("boolean", input))
}

/// `int2in`/`int4in`/`int8in` (PostgreSQL 15: decimal digits only, optional sign, surrounding
/// whitespace).
pub fn parse_int(input: &str, type_name: &str) -> SqlResult<i64> {
    // Fast path for what bulk loads are made of: up to 9 plain digits (no overflow possible
    // in i64, and every such value fits integer and bigint; smallint checks below).
    let b = input.as_bytes();
    if !b.is_empty() && b.len() <= 9 && b.iter().all(u8::is_ascii_digit) {
        let v = b.iter().fold(0i64, |v, d| v * 10 + i64::from(d - b'0'));
        if type_name != "smallint" || v <= i64::from(i16::MAX) {
            return Ok(v);
        }
    }
    let s = input.trim_matches(|c: char| c.is_ascii_whitespace());
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SqlError::invalid_text(type_name, input));
    }
    let (min, max): (i128, i128) = match type_name {
        "smallint" => (i16::MIN.into(), i16::MAX.into()),
        "integer" => (i32::MIN.into(), i32::MAX.into()),
        _ => (i64::MIN.into(), i64::MAX.into()),
    };
    let mut v: i128 = 0;
    for b in digits.bytes() {
        v = v * 10 + i128::from(b - b'0');
        if v > max + 1 {
            break;
        }
    }
    let v = if neg { -v } else { v };
    if v < min || v > max {
        return Err(SqlError::new(
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
            format!("value \"{input}\" is out of range for type {type_name}"),
        ));
    }
    Ok(v as i64)
}

/// `oidin`: an unsigned 32-bit number; negative inputs down to -2^31 wrap as in PostgreSQL.
pub fn parse_oid(input: &str) -> SqlResult<u32> {
    let s = input.trim_matches(|c: char| c.is_ascii_whitespace());
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(SqlError::invalid_text("oid", input));
    }
    let range = || {
        SqlError::new(
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
            format!("value \"{input}\" is out of range for type oid"),
        )
    };
    let v: u64 = digits.parse().map_err(|_| range())?;
    if neg {
        if v > 1 << 31 {
            return Err(range());
        }
        Ok((-(v as i64)) as u32)
    } else {
        u32::try_from(v).map_err(|_| range())
    }
}

fn too_long(type_label: &str) -> SqlError {
    SqlError::new(
        SqlState::STRING_DATA_RIGHT_TRUNCATION,
        format!("value too long for type {type_label}"),
    )
}

/// The byte index just past the first `n` characters (or the end).
fn char_prefix_end(s: &str, n: usize) -> Option<usize> {
    s.char_indices().nth(n).map(|(i, _)| i)
}

/// `varchar(n)` coercion. Input and assignment: too long is 22001 unless the excess is all
/// spaces (then truncated). Explicit casts (`explicit = true`) truncate silently.
pub fn apply_varchar(s: &str, n: Option<u32>, explicit: bool) -> SqlResult<String> {
    let Some(n) = n else {
        return Ok(s.to_string());
    };
    match char_prefix_end(s, n as usize) {
        None => Ok(s.to_string()),
        Some(end) => {
            if explicit || s[end..].bytes().all(|b| b == b' ') {
                Ok(s[..end].to_string())
            } else {
                Err(too_long(&format!("character varying({n})")))
            }
        }
    }
}

/// `char(n)` coercion: as varchar, then blank-padded to `n` characters.
pub fn apply_bpchar(s: &str, n: Option<u32>, explicit: bool) -> SqlResult<String> {
    let Some(n) = n else {
        return Ok(s.to_string());
    };
    match char_prefix_end(s, n as usize) {
        Some(end) => {
            if explicit || s[end..].bytes().all(|b| b == b' ') {
                Ok(s[..end].to_string())
            } else {
                Err(too_long(&format!("character({n})")))
            }
        }
        None => {
            let len = s.chars().count();
            let mut out = String::with_capacity(s.len() + n as usize - len);
            out.push_str(s);
            out.extend(std::iter::repeat_n(' ', n as usize - len));
            Ok(out)
        }
    }
}

/// `name` input: truncated to 63 bytes on a character boundary.
pub fn truncate_name(s: &str) -> String {
    if s.len() <= NAME_MAX_BYTES {
        return s.to_string();
    }
    let mut end = NAME_MAX_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// A bpchar value as comparisons and casts to text see it: trailing spaces removed.
pub fn bpchar_trim(s: &str) -> &str {
    s.trim_end_matches(' ')
}

/// `uuid_in`: 32 hex digits, optionally in braces, with a hyphen allowed after any group of
/// four digits.
pub fn parse_uuid(input: &str) -> SqlResult<[u8; 16]> {
    let bad = || SqlError::invalid_text("uuid", input);
    let mut s = input.as_bytes();
    let braces = s.first() == Some(&b'{');
    if braces {
        if s.last() != Some(&b'}') || s.len() < 2 {
            return Err(bad());
        }
        s = &s[1..s.len() - 1];
    }
    let mut out = [0u8; 16];
    let mut n = 0usize;
    let mut i = 0usize;
    while n < 32 {
        let c = *s.get(i).ok_or_else(bad)?;
        let d = (c as char).to_digit(16).ok_or_else(bad)? as u8;
        out[n / 2] = (out[n / 2] << 4) | d;
        n += 1;
        i += 1;
        if n.is_multiple_of(4) && n < 32 && s.get(i) == Some(&b'-') {
            i += 1;
        }
    }
    if i != s.len() {
        return Err(bad());
    }
    Ok(out)
}

pub fn write_uuid(u: &[u8; 16], out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for (i, b) in u.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 15) as usize] as char);
    }
}

#[cfg(test)]
mod tests;
