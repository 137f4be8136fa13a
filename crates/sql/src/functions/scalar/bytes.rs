//! Binary strings and digests: bytea lengths, substrings, overlay and trims; `get_byte` /
//! `set_byte`; `md5` and the SHA-2 family; `encode`/`decode` (hex, base64, escape);
//! `convert_from`/`convert_to` (UTF8, LATIN1, SQL_ASCII); and `to_hex`.
//!
//! The encoders follow PostgreSQL's `encode.c` byte for byte (base64 lines wrap at 76
//! characters; decoders skip whitespace) so their output and error messages match.

use embeddb_types::{DataType, SqlError, SqlResult, SqlState, Value};
use md5::Digest as _;

use super::string::{overlay_bounds, substring_range};
use super::{bytes_of, int, text};
use crate::exec::context::ExecContext;
use crate::functions::CallInfo;
use crate::functions::registry::Registry;

type Args<'a> = &'a [Value];

fn bytea(b: impl Into<Vec<u8>>) -> SqlResult<Value> {
    Ok(Value::Bytea(b.into()))
}

fn byte_length(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Int4(bytes_of(&args[0]).len() as i32))
}

fn byte_bit_length(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Int4((bytes_of(&args[0]).len() * 8) as i32))
}

fn byte_substr(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let b = bytes_of(&args[0]);
    let (from, to) = substring_range(b.len() as i64, int(&args[1]), args.get(2).map(int))?;
    bytea(&b[from as usize..to as usize])
}

fn byte_overlay(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let (s, r) = (bytes_of(&args[0]), bytes_of(&args[1]));
    let count = args.get(3).map_or(r.len() as i64, int);
    let (head, tail) = overlay_bounds(s.len() as i64, int(&args[2]), count)?;
    let mut out = Vec::with_capacity(s.len() + r.len());
    out.extend_from_slice(&s[..head as usize]);
    out.extend_from_slice(r);
    out.extend_from_slice(&s[tail as usize..]);
    bytea(out)
}

/// Trims bytes found in the second argument from the chosen ends.
fn byte_trim(args: Args, front: bool, back: bool) -> SqlResult<Value> {
    let (mut b, set) = (bytes_of(&args[0]), bytes_of(&args[1]));
    while front && b.first().is_some_and(|x| set.contains(x)) {
        b = &b[1..];
    }
    while back && b.last().is_some_and(|x| set.contains(x)) {
        b = &b[..b.len() - 1];
    }
    bytea(b)
}

fn byte_index(b: &[u8], n: i64) -> SqlResult<usize> {
    usize::try_from(n)
        .ok()
        .filter(|i| *i < b.len())
        .ok_or_else(|| {
            SqlError::new(
                SqlState::ARRAY_SUBSCRIPT_ERROR,
                format!("index {n} out of valid range, 0..{}", b.len() as i64 - 1),
            )
        })
}

/// `position(haystack, needle)` on bytea: 1-based byte position, 0 if absent.
fn byte_position(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let (h, n) = (bytes_of(&args[0]), bytes_of(&args[1]));
    let pos = if n.is_empty() {
        1
    } else {
        h.windows(n.len()).position(|w| w == n).map_or(0, |i| i + 1)
    };
    Ok(Value::Int4(pos as i32))
}

fn get_byte(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let b = bytes_of(&args[0]);
    let i = byte_index(b, int(&args[1]))?;
    Ok(Value::Int4(i32::from(b[i])))
}

fn set_byte(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let mut b = bytes_of(&args[0]).to_vec();
    let i = byte_index(&b, int(&args[1]))?;
    // PostgreSQL stores the low 8 bits of the new value.
    b[i] = int(&args[2]) as u8;
    bytea(b)
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn hex_string(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push(HEX[(x >> 4) as usize] as char);
        s.push(HEX[(x & 15) as usize] as char);
    }
    s
}

fn md5_hex(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Text(hex_string(&md5::Md5::digest(bytes_of(
        &args[0],
    )))))
}

fn sha224(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    bytea(sha2::Sha224::digest(bytes_of(&args[0])).to_vec())
}

fn sha256(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    bytea(sha2::Sha256::digest(bytes_of(&args[0])).to_vec())
}

fn sha384(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    bytea(sha2::Sha384::digest(bytes_of(&args[0])).to_vec())
}

fn sha512(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    bytea(sha2::Sha512::digest(bytes_of(&args[0])).to_vec())
}

fn invalid(msg: impl Into<String>) -> SqlError {
    SqlError::new(SqlState::INVALID_PARAMETER_VALUE, msg)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(src: &[u8]) -> String {
    let mut out = String::with_capacity(src.len().div_ceil(3) * 4 + src.len() / 57 + 1);
    let mut line = 0;
    for chunk in src.chunks(3) {
        let buf = (u32::from(chunk[0]) << 16)
            | (u32::from(chunk.get(1).copied().unwrap_or(0)) << 8)
            | u32::from(chunk.get(2).copied().unwrap_or(0));
        out.push(B64[(buf >> 18) as usize & 63] as char);
        out.push(B64[(buf >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            B64[(buf >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            B64[buf as usize & 63] as char
        } else {
            '='
        });
        // PostgreSQL ends a line after every 76 characters of full groups, even at the very
        // end; the padded last group never ends one.
        line += 4;
        if line >= 76 && chunk.len() == 3 {
            out.push('\n');
            line = 0;
        }
    }
    out
}

fn base64_decode(src: &str) -> SqlResult<Vec<u8>> {
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let (mut buf, mut pos, mut end) = (0u32, 0, 0);
    for c in src.chars() {
        if matches!(c, ' ' | '\t' | '\n' | '\r') {
            continue;
        }
        let b = if c == '=' {
            if end == 0 {
                end = match pos {
                    2 => 1,
                    3 => 2,
                    _ => {
                        return Err(invalid("unexpected \"=\" while decoding base64 sequence"));
                    }
                };
            }
            0
        } else {
            match B64.iter().position(|x| char::from(*x) == c) {
                Some(i) => i as u32,
                None => {
                    return Err(invalid(format!(
                        "invalid symbol \"{c}\" found while decoding base64 sequence"
                    )));
                }
            }
        };
        buf = (buf << 6) | b;
        pos += 1;
        if pos == 4 {
            out.push((buf >> 16) as u8);
            if end == 0 || end > 1 {
                out.push((buf >> 8) as u8);
            }
            if end == 0 || end > 2 {
                out.push(buf as u8);
            }
            buf = 0;
            pos = 0;
        }
    }
    if pos != 0 {
        return Err(invalid("invalid base64 end sequence")
            .with_hint("Input data is missing padding, is truncated, or is otherwise corrupted."));
    }
    Ok(out)
}

fn hex_digit(c: char) -> SqlResult<u8> {
    c.to_digit(16)
        .map(|d| d as u8)
        .ok_or_else(|| invalid(format!("invalid hexadecimal digit: \"{c}\"")))
}

fn hex_decode(src: &str) -> SqlResult<Vec<u8>> {
    let mut out = Vec::with_capacity(src.len() / 2);
    let mut it = src.chars();
    while let Some(c) = it.next() {
        if matches!(c, ' ' | '\t' | '\n' | '\r') {
            continue;
        }
        let hi = hex_digit(c)?;
        let lo = match it.next() {
            Some(d) => hex_digit(d)?,
            None => return Err(invalid("invalid hexadecimal data: odd number of digits")),
        };
        out.push((hi << 4) | lo);
    }
    Ok(out)
}

fn escape_encode(src: &[u8]) -> String {
    let mut out = String::with_capacity(src.len());
    for &b in src {
        if b == 0 || b >= 0x80 {
            out.push_str(&format!("\\{b:03o}"));
        } else if b == b'\\' {
            out.push_str("\\\\");
        } else {
            out.push(char::from(b));
        }
    }
    out
}

fn escape_decode(src: &str) -> SqlResult<Vec<u8>> {
    let s = src.as_bytes();
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] != b'\\' {
            out.push(s[i]);
            i += 1;
        } else if i + 3 < s.len()
            && (b'0'..=b'3').contains(&s[i + 1])
            && (b'0'..=b'7').contains(&s[i + 2])
            && (b'0'..=b'7').contains(&s[i + 3])
        {
            out.push(((s[i + 1] - b'0') << 6) | ((s[i + 2] - b'0') << 3) | (s[i + 3] - b'0'));
            i += 4;
        } else if s.get(i + 1) == Some(&b'\\') {
            out.push(b'\\');
            i += 2;
        } else {
            return Err(SqlError::new(
                SqlState::INVALID_TEXT_REPRESENTATION,
                "invalid input syntax for type bytea",
            ));
        }
    }
    Ok(out)
}

fn unknown_format(name: &str) -> SqlError {
    invalid(format!("unrecognized encoding: \"{name}\""))
}

fn encode(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let (b, name) = (bytes_of(&args[0]), text(&args[1]));
    let s = match name.to_ascii_lowercase().as_str() {
        "hex" => hex_string(b),
        "base64" => base64_encode(b),
        "escape" => escape_encode(b),
        _ => return Err(unknown_format(name)),
    };
    Ok(Value::Text(s))
}

fn decode(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let (s, name) = (text(&args[0]), text(&args[1]));
    bytea(match name.to_ascii_lowercase().as_str() {
        "hex" => hex_decode(s)?,
        "base64" => base64_decode(s)?,
        "escape" => escape_decode(s)?,
        _ => return Err(unknown_format(name)),
    })
}

#[derive(Clone, Copy, PartialEq)]
enum Charset {
    Utf8,
    Latin1,
    SqlAscii,
}

/// PostgreSQL's encoding-name lookup ignores case and punctuation (`utf-8` is `UTF8`).
fn charset(name: &str) -> Option<Charset> {
    let clean: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    match clean.as_str() {
        "utf8" | "unicode" => Some(Charset::Utf8),
        "latin1" | "iso88591" => Some(Charset::Latin1),
        "sqlascii" => Some(Charset::SqlAscii),
        _ => None,
    }
}

/// Validates UTF-8 as PostgreSQL does, reporting the offending character's bytes.
pub(crate) fn utf8_text(b: &[u8]) -> SqlResult<String> {
    match std::str::from_utf8(b) {
        Ok(s) if !s.contains('\0') => Ok(s.to_string()),
        Ok(s) => Err(bad_utf8(&b[s.find('\0').unwrap_or(0)..])),
        Err(e) => Err(bad_utf8(&b[e.valid_up_to()..])),
    }
}

fn bad_utf8(rest: &[u8]) -> SqlError {
    let first = rest.first().copied().unwrap_or(0);
    let len = match first {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    };
    let shown: Vec<String> = rest
        .iter()
        .take(len)
        .map(|b| format!("0x{b:02x}"))
        .collect();
    SqlError::new(
        SqlState::CHARACTER_NOT_IN_REPERTOIRE,
        format!(
            "invalid byte sequence for encoding \"UTF8\": {}",
            shown.join(" ")
        ),
    )
}

fn convert_from(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let (b, name) = (bytes_of(&args[0]), text(&args[1]));
    let cs =
        charset(name).ok_or_else(|| invalid(format!("invalid source encoding name \"{name}\"")))?;
    Ok(Value::Text(match cs {
        Charset::Utf8 | Charset::SqlAscii => utf8_text(b)?,
        Charset::Latin1 => {
            if let Some(p) = b.iter().position(|x| *x == 0) {
                return Err(SqlError::new(
                    SqlState::CHARACTER_NOT_IN_REPERTOIRE,
                    format!(
                        "invalid byte sequence for encoding \"LATIN1\": 0x{:02x}",
                        b[p]
                    ),
                ));
            }
            b.iter().map(|x| char::from(*x)).collect()
        }
    }))
}

fn convert_to(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let (s, name) = (text(&args[0]), text(&args[1]));
    let cs = charset(name)
        .ok_or_else(|| invalid(format!("invalid destination encoding name \"{name}\"")))?;
    match cs {
        Charset::Utf8 | Charset::SqlAscii => bytea(s.as_bytes()),
        Charset::Latin1 => {
            let mut out = Vec::with_capacity(s.len());
            for c in s.chars() {
                match u8::try_from(u32::from(c)) {
                    Ok(b) => out.push(b),
                    Err(_) => {
                        let mut buf = [0u8; 4];
                        let shown: Vec<String> = c
                            .encode_utf8(&mut buf)
                            .bytes()
                            .map(|b| format!("0x{b:02x}"))
                            .collect();
                        return Err(SqlError::new(
                            SqlState::UNTRANSLATABLE_CHARACTER,
                            format!(
                                "character with byte sequence {} in encoding \"UTF8\" has no equivalent in encoding \"LATIN1\"",
                                shown.join(" ")
                            ),
                        ));
                    }
                }
            }
            bytea(out)
        }
    }
}

/// `to_hex`: the two's-complement hex digits of the value's own width.
fn to_hex(args: Args, call: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let v = int(&args[0]);
    Ok(Value::Text(match call.arg_types.first() {
        Some(DataType::Int4) => format!("{:x}", v as i32),
        _ => format!("{v:x}"),
    }))
}

pub(super) fn register(r: &mut Registry) {
    use DataType as T;
    for name in ["length", "octet_length"] {
        r.exact(name, &[T::Bytea], T::Int4, byte_length);
    }
    r.exact("bit_length", &[T::Bytea], T::Int4, byte_bit_length);
    for name in ["substr", "substring"] {
        r.exact(name, &[T::Bytea, T::Int4], T::Bytea, byte_substr);
        r.exact(name, &[T::Bytea, T::Int4, T::Int4], T::Bytea, byte_substr);
    }
    r.exact(
        "overlay",
        &[T::Bytea, T::Bytea, T::Int4],
        T::Bytea,
        byte_overlay,
    );
    r.exact(
        "overlay",
        &[T::Bytea, T::Bytea, T::Int4, T::Int4],
        T::Bytea,
        byte_overlay,
    );
    r.exact("btrim", &[T::Bytea, T::Bytea], T::Bytea, |a, _, _| {
        byte_trim(a, true, true)
    });
    r.exact("ltrim", &[T::Bytea, T::Bytea], T::Bytea, |a, _, _| {
        byte_trim(a, true, false)
    });
    r.exact("rtrim", &[T::Bytea, T::Bytea], T::Bytea, |a, _, _| {
        byte_trim(a, false, true)
    });
    r.exact("position", &[T::Bytea, T::Bytea], T::Int4, byte_position);
    r.exact("get_byte", &[T::Bytea, T::Int4], T::Int4, get_byte);
    r.exact(
        "set_byte",
        &[T::Bytea, T::Int4, T::Int4],
        T::Bytea,
        set_byte,
    );
    r.exact("md5", &[T::Text], T::Text, md5_hex);
    r.exact("md5", &[T::Bytea], T::Text, md5_hex);
    r.exact("sha224", &[T::Bytea], T::Bytea, sha224);
    r.exact("sha256", &[T::Bytea], T::Bytea, sha256);
    r.exact("sha384", &[T::Bytea], T::Bytea, sha384);
    r.exact("sha512", &[T::Bytea], T::Bytea, sha512);
    r.exact("encode", &[T::Bytea, T::Text], T::Text, encode);
    r.exact("decode", &[T::Text, T::Text], T::Bytea, decode);
    r.exact("convert_from", &[T::Bytea, T::Name], T::Text, convert_from)
        .stable();
    r.exact("convert_to", &[T::Text, T::Name], T::Bytea, convert_to)
        .stable();
    r.exact("to_hex", &[T::Int4], T::Text, to_hex);
    r.exact("to_hex", &[T::Int8], T::Text, to_hex);
}
