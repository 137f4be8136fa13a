//! String functions on `text`: lengths, case, substrings, searching, trimming, padding,
//! splitting and character mapping, with PostgreSQL's edge cases (negative and zero
//! positions, empty delimiters, size limits).
//!
//! Positions and lengths count characters, as PostgreSQL does in a UTF-8 database. varchar and
//! bpchar arguments reach the text overloads through implicit casts (bpchar loses its padding
//! on the way, as in PostgreSQL), except where PostgreSQL has a bpchar overload of its own.

use embeddb_types::{DataType, SqlError, SqlResult, SqlState, Value};

use super::{check_size, int, text};
use crate::exec::context::ExecContext;
use crate::functions::CallInfo;
use crate::functions::registry::Registry;

type Args<'a> = &'a [Value];

fn txt(s: impl Into<String>) -> SqlResult<Value> {
    Ok(Value::Text(s.into()))
}

fn char_count(s: &str) -> i64 {
    s.chars().count() as i64
}

/// The byte offset of character `n` (0-based) of `s`, or `s.len()` past the end.
fn byte_at(s: &str, n: i64) -> usize {
    if n <= 0 {
        return 0;
    }
    s.char_indices().nth(n as usize).map_or(s.len(), |(i, _)| i)
}

pub(super) fn substring_error() -> SqlError {
    SqlError::new(
        SqlState::from_code("22011"),
        "negative substring length not allowed",
    )
}

/// The 0-based element range `[from, to)` that PostgreSQL's `text_substring` selects for a
/// 1-based `start` and optional `len`, clipped to `total` elements.
pub(super) fn substring_range(total: i64, start: i64, len: Option<i64>) -> SqlResult<(i64, i64)> {
    let first = start.max(1);
    let end = match len {
        None => total + 1,
        Some(l) if l < 0 => return Err(substring_error()),
        // start + len cannot overflow in i64 for int4 inputs.
        Some(l) => (start + l).min(total + 1),
    };
    if end <= first || first > total {
        return Ok((0, 0));
    }
    Ok((first - 1, end - 1))
}

fn substr(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let s = text(&args[0]);
    let len = args.get(2).map(int);
    let total = if len.is_some_and(|l| l >= 0) && s.is_ascii() {
        s.len() as i64
    } else {
        char_count(s)
    };
    let (from, to) = substring_range(total, int(&args[1]), len)?;
    let a = byte_at(s, from);
    let b = a + byte_at(&s[a..], to - from);
    txt(&s[a..b])
}

fn length(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Int4(char_count(text(&args[0])) as i32))
}

/// `length(bpchar)` ignores the padding; `octet_length(bpchar)` counts it.
fn bpchar_length(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let s = text(&args[0]).trim_end_matches(' ');
    Ok(Value::Int4(char_count(s) as i32))
}

fn octet_length(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Int4(text(&args[0]).len() as i32))
}

fn bit_length(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Int4((text(&args[0]).len() * 8) as i32))
}

/// Maps each character on its own with Unicode's simple case mappings, as the C library's
/// `towupper`/`towlower` that PostgreSQL uses (`ß` stays `ß`, `İ` lowers to `i`).
fn map_chars(s: &str, upper: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        out.push(map_char(c, upper));
    }
    out
}

fn map_char(c: char, upper: bool) -> char {
    if c.is_ascii() {
        return if upper {
            c.to_ascii_uppercase()
        } else {
            c.to_ascii_lowercase()
        };
    }
    let mut it: Box<dyn Iterator<Item = char>> = if upper {
        Box::new(c.to_uppercase())
    } else {
        Box::new(c.to_lowercase())
    };
    match (it.next(), it.next()) {
        (Some(m), None) => m,
        // Rust applies the full (special-casing) mappings; where those give several
        // characters, fall back to the simple mapping.
        _ => simple_mapping(c, upper).unwrap_or(c),
    }
}

/// The simple case mappings of the characters whose full mapping is several characters.
fn simple_mapping(c: char, upper: bool) -> Option<char> {
    let code = c as u32;
    let mapped = match (upper, code) {
        (false, 0x130) => 0x69,
        // Greek with ypogegrammeni: the simple uppercase is the titlecase letter.
        (true, 0x1F80..=0x1F87 | 0x1F90..=0x1F97 | 0x1FA0..=0x1FA7) => code + 8,
        (true, 0x1FB3) => 0x1FBC,
        (true, 0x1FC3) => 0x1FCC,
        (true, 0x1FF3) => 0x1FFC,
        _ => return None,
    };
    char::from_u32(mapped)
}

fn lower(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    txt(map_chars(text(&args[0]), false))
}

fn upper(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    txt(map_chars(text(&args[0]), true))
}

/// First letter of each run of alphanumerics upper-case, the rest lower-case.
fn initcap(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let s = text(&args[0]);
    let mut out = String::with_capacity(s.len());
    let mut in_word = false;
    for c in s.chars() {
        out.push(map_char(c, !in_word));
        in_word = c.is_alphanumeric();
    }
    txt(out)
}

/// `strpos(s, sub)`: 1-based character position, 0 if absent; an empty needle is at 1.
fn strpos(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let (s, needle) = (text(&args[0]), text(&args[1]));
    Ok(Value::Int4(match s.find(needle) {
        Some(i) => char_count(&s[..i]) as i32 + 1,
        None => 0,
    }))
}

fn replace(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let (s, from, to) = (text(&args[0]), text(&args[1]), text(&args[2]));
    if from.is_empty() {
        return txt(s);
    }
    let count = s.matches(from).count() as u128;
    check_size(s.len() as u128 + count * to.len() as u128)?;
    txt(s.replace(from, to))
}

fn trim_set(args: Args) -> Vec<char> {
    match args.get(1) {
        Some(v) => text(v).chars().collect(),
        None => vec![' '],
    }
}

fn btrim(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let set = trim_set(args);
    txt(text(&args[0]).trim_matches(|c| set.contains(&c)))
}

fn ltrim(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let set = trim_set(args);
    txt(text(&args[0]).trim_start_matches(|c| set.contains(&c)))
}

fn rtrim(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let set = trim_set(args);
    txt(text(&args[0]).trim_end_matches(|c| set.contains(&c)))
}

/// `lpad`/`rpad`: pads with `fill` (default a space) to `len` characters, truncating on the
/// right when the string is already longer.
fn pad(args: Args, left: bool) -> SqlResult<Value> {
    let s = text(&args[0]);
    let len = int(&args[1]).max(0);
    let fill = args.get(2).map_or(" ", text);
    // PostgreSQL sizes the result for 4-byte characters before building it.
    check_size(len as u128 * 4 + 4)?;
    let have = char_count(s);
    if have >= len {
        return txt(&s[..byte_at(s, len)]);
    }
    if fill.is_empty() {
        return txt(s);
    }
    let padding: String = fill.chars().cycle().take((len - have) as usize).collect();
    txt(if left {
        padding + s
    } else {
        let mut out = s.to_string();
        out.push_str(&padding);
        out
    })
}

fn lpad(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    pad(args, true)
}

fn rpad(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    pad(args, false)
}

/// `left(s, n)`: the first n characters; a negative n drops the last |n|.
fn left(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let s = text(&args[0]);
    let n = int(&args[1]);
    let keep = if n >= 0 { n } else { char_count(s) + n };
    txt(&s[..byte_at(s, keep)])
}

/// `right(s, n)`: the last n characters; a negative n drops the first |n|.
fn right(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let s = text(&args[0]);
    let n = int(&args[1]);
    let total = char_count(s);
    let skip = if n >= 0 { (total - n).max(0) } else { -n };
    txt(&s[byte_at(s, skip)..])
}

fn repeat(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let s = text(&args[0]);
    let n = int(&args[1]).max(0);
    check_size(s.len() as u128 * n as u128 + 4)?;
    txt(s.repeat(n as usize))
}

fn reverse(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    txt(text(&args[0]).chars().rev().collect::<String>())
}

/// `split_part(s, delim, n)`: field n (1-based; negative counts from the end, PostgreSQL 14+).
fn split_part(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let (s, delim, n) = (text(&args[0]), text(&args[1]), int(&args[2]));
    if n == 0 {
        return Err(SqlError::new(
            SqlState::INVALID_PARAMETER_VALUE,
            "field position must not be zero",
        ));
    }
    if s.is_empty() {
        return txt("");
    }
    if delim.is_empty() {
        return txt(if n == 1 || n == -1 { s } else { "" });
    }
    let fields: Vec<&str> = s.split(delim).collect();
    let idx = if n > 0 {
        n - 1
    } else {
        fields.len() as i64 + n
    };
    txt(usize::try_from(idx)
        .ok()
        .and_then(|i| fields.get(i))
        .copied()
        .unwrap_or(""))
}

fn starts_with(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Bool(text(&args[0]).starts_with(text(&args[1]))))
}

fn ascii(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Int4(
        text(&args[0]).chars().next().map_or(0, |c| c as i32),
    ))
}

fn chr(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let code = int(&args[0]);
    let limit = |msg: String| SqlError::new(SqlState::PROGRAM_LIMIT_EXCEEDED, msg);
    if code < 0 {
        return Err(SqlError::new(
            SqlState::INVALID_PARAMETER_VALUE,
            "character number must be positive",
        ));
    }
    if code == 0 {
        return Err(limit("null character not permitted".into()));
    }
    if code > 0x10_ffff {
        return Err(limit(format!(
            "requested character too large for encoding: {code}"
        )));
    }
    match char::from_u32(code as u32) {
        Some(c) => txt(c.to_string()),
        None => Err(limit(format!(
            "requested character not valid for encoding: {code}"
        ))),
    }
}

/// `translate(s, from, to)`: characters of `from` map to the same position in `to`, or are
/// deleted when `to` is shorter; the first occurrence in `from` wins.
fn translate(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let from: Vec<char> = text(&args[1]).chars().collect();
    let to: Vec<char> = text(&args[2]).chars().collect();
    let mut out = String::new();
    for c in text(&args[0]).chars() {
        match from.iter().position(|f| *f == c) {
            Some(i) => {
                if let Some(t) = to.get(i) {
                    out.push(*t);
                }
            }
            None => out.push(c),
        }
    }
    txt(out)
}

/// `overlay(s placing r from start [for count])`: `s[..start-1] || r || s[start+count..]`,
/// with PostgreSQL's checks (the sum must fit in an int; the prefix length may not be
/// negative).
fn overlay(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let (s, r) = (text(&args[0]), text(&args[1]));
    let start = int(&args[2]);
    let count = args.get(3).map_or_else(|| char_count(r), int);
    let (head, tail) = overlay_bounds(char_count(s), start, count)?;
    let mut out = String::with_capacity(s.len() + r.len());
    out.push_str(&s[..byte_at(s, head)]);
    out.push_str(r);
    out.push_str(&s[byte_at(s, tail)..]);
    txt(out)
}

/// The number of leading elements overlay keeps and where the kept tail starts (0-based).
pub(super) fn overlay_bounds(total: i64, start: i64, count: i64) -> SqlResult<(i64, i64)> {
    let after = start + count;
    if i32::try_from(after).is_err() {
        return Err(SqlError::out_of_range("integer"));
    }
    let (_, head) = substring_range(total, 1, Some(start - 1))?;
    let (tail, _) = substring_range(total, after, None)?;
    let tail = if after > total { total } else { tail };
    Ok((head, tail))
}

pub(super) fn register(r: &mut Registry) {
    use DataType as T;
    r.exact("lower", &[T::Text], T::Text, lower);
    r.exact("upper", &[T::Text], T::Text, upper);
    r.exact("initcap", &[T::Text], T::Text, initcap);
    for name in ["length", "char_length", "character_length"] {
        r.exact(name, &[T::Text], T::Int4, length);
        r.exact(name, &[T::Bpchar(None)], T::Int4, bpchar_length);
    }
    r.exact("octet_length", &[T::Text], T::Int4, octet_length);
    r.exact("octet_length", &[T::Bpchar(None)], T::Int4, octet_length);
    r.exact("bit_length", &[T::Text], T::Int4, bit_length);
    for name in ["substr", "substring"] {
        r.exact(name, &[T::Text, T::Int4], T::Text, substr);
        r.exact(name, &[T::Text, T::Int4, T::Int4], T::Text, substr);
    }
    r.exact("strpos", &[T::Text, T::Text], T::Int4, strpos);
    // pg_catalog.position(haystack, needle): what POSITION(needle IN haystack) calls.
    r.exact("position", &[T::Text, T::Text], T::Int4, strpos);
    r.exact("replace", &[T::Text, T::Text, T::Text], T::Text, replace);
    for (name, f) in [
        ("btrim", btrim as crate::functions::ScalarImpl),
        ("ltrim", ltrim),
        ("rtrim", rtrim),
    ] {
        r.exact(name, &[T::Text], T::Text, f);
        r.exact(name, &[T::Text, T::Text], T::Text, f);
    }
    r.exact("lpad", &[T::Text, T::Int4], T::Text, lpad);
    r.exact("lpad", &[T::Text, T::Int4, T::Text], T::Text, lpad);
    r.exact("rpad", &[T::Text, T::Int4], T::Text, rpad);
    r.exact("rpad", &[T::Text, T::Int4, T::Text], T::Text, rpad);
    r.exact("left", &[T::Text, T::Int4], T::Text, left);
    r.exact("right", &[T::Text, T::Int4], T::Text, right);
    r.exact("repeat", &[T::Text, T::Int4], T::Text, repeat);
    r.exact("reverse", &[T::Text], T::Text, reverse);
    r.exact(
        "split_part",
        &[T::Text, T::Text, T::Int4],
        T::Text,
        split_part,
    );
    r.exact("starts_with", &[T::Text, T::Text], T::Bool, starts_with);
    r.exact("ascii", &[T::Text], T::Int4, ascii);
    r.exact("chr", &[T::Int4], T::Text, chr);
    r.exact(
        "translate",
        &[T::Text, T::Text, T::Text],
        T::Text,
        translate,
    );
    r.exact("overlay", &[T::Text, T::Text, T::Int4], T::Text, overlay);
    r.exact(
        "overlay",
        &[T::Text, T::Text, T::Int4, T::Int4],
        T::Text,
        overlay,
    );
}
