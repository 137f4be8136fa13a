//! Reading JSON: `json[b]_extract_path[_text]`, the operator functions behind `->`, `->>`,
//! `#>`, `#>>`, `@>`, `<@`, `?` (`json_object_field`, `jsonb_array_element_text`,
//! `jsonb_contains`, `jsonb_exists`, ...), `json[b]_typeof`, `json[b]_array_length`, and
//! `jsonb_pretty`.
//!
//! `json` values keep their input text, and PostgreSQL returns sub-values of a `json`
//! verbatim (spacing and all), so `json` is read with a small scanner that finds the byte
//! span of a member or element. `jsonb` values are parsed into `embeddb_types::json::Json`
//! and printed canonically.

use embeddb_types::json::{self as j, Json};
use embeddb_types::{DataType, SqlError, SqlResult, SqlState, Value};

use super::{int, text};
use crate::exec::context::ExecContext;
use crate::functions::registry::Registry;
use crate::functions::{CallInfo, ScalarImpl};

type Args<'a> = &'a [Value];

/// A cursor over valid JSON text.
struct Scan<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Scan<'a> {
    fn new(s: &'a str) -> Self {
        let mut sc = Scan { s, i: 0 };
        sc.ws();
        sc
    }

    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    /// Skips one value; returns its byte span.
    fn value(&mut self) -> Option<(usize, usize)> {
        self.ws();
        let start = self.i;
        match self.peek()? {
            b'"' => self.string()?,
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match self.peek()? {
                        b'"' => {
                            self.string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.i += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    self.i += 1;
                }
            }
            _ => {
                while let Some(c) = self.peek() {
                    if matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                        break;
                    }
                    self.i += 1;
                }
            }
        }
        Some((start, self.i))
    }

    fn string(&mut self) -> Option<()> {
        self.i += 1;
        loop {
            match self.peek()? {
                b'\\' => self.i += 2,
                b'"' => {
                    self.i += 1;
                    return Some(());
                }
                _ => self.i += 1,
            }
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// The members of an object (keys decoded), or None if this is not an object.
    fn members(mut self) -> Option<Vec<(String, &'a str)>> {
        if !self.eat(b'{') {
            return None;
        }
        let mut out = Vec::new();
        if self.eat(b'}') {
            return Some(out);
        }
        loop {
            let (ks, ke) = self.value()?;
            let key = match j::parse(&self.s[ks..ke], "json").ok()? {
                Json::String(k) => k,
                _ => return None,
            };
            if !self.eat(b':') {
                return None;
            }
            let (vs, ve) = self.value()?;
            out.push((key, &self.s[vs..ve]));
            if !self.eat(b',') {
                return Some(out);
            }
        }
    }

    /// The elements of an array, or None if this is not an array.
    fn elements(mut self) -> Option<Vec<&'a str>> {
        if !self.eat(b'[') {
            return None;
        }
        let mut out = Vec::new();
        if self.eat(b']') {
            return Some(out);
        }
        loop {
            let (s, e) = self.value()?;
            out.push(&self.s[s..e]);
            if !self.eat(b',') {
                return Some(out);
            }
        }
    }
}

/// An array index as PostgreSQL reads a path element (`strtol`, so surrounding blanks are
/// allowed); negative counts from the end.
fn index_of(key: &str, len: usize) -> Option<usize> {
    let n: i64 = key.trim().parse().ok()?;
    let i = if n < 0 { len as i64 + n } else { n };
    usize::try_from(i).ok().filter(|i| *i < len)
}

/// One step into a `json` text: a member (the last of duplicates, as PostgreSQL) or an
/// element.
fn json_step<'a>(doc: &'a str, key: &str, by_index: Option<bool>) -> Option<&'a str> {
    match Scan::new(doc).peek()? {
        b'{' if by_index != Some(true) => Scan::new(doc)
            .members()?
            .into_iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v),
        b'[' if by_index != Some(false) => {
            let els = Scan::new(doc).elements()?;
            els.get(index_of(key, els.len())?).copied()
        }
        _ => None,
    }
}

fn jsonb_step<'a>(doc: &'a Json, key: &str, by_index: Option<bool>) -> Option<&'a Json> {
    match doc {
        Json::Object(pairs) if by_index != Some(true) => {
            pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v)
        }
        Json::Array(items) if by_index != Some(false) => items.get(index_of(key, items.len())?),
        _ => None,
    }
}

fn parse_jsonb(v: &Value) -> SqlResult<Json> {
    j::parse(text(v), "jsonb")
}

fn jsonb_text(v: &Json) -> String {
    let mut s = String::new();
    v.write(&mut s);
    s
}

/// The result of a lookup: the value itself (`json`/`jsonb`) or its text (`->>`), where a
/// JSON string becomes its contents and a JSON null becomes SQL NULL.
fn json_result(found: Option<&str>, as_text: bool) -> Value {
    match found {
        None => Value::Null,
        Some(raw) if as_text => match j::parse(raw, "json") {
            Ok(Json::String(s)) => Value::Text(s),
            Ok(Json::Null) => Value::Null,
            _ => Value::Text(raw.to_string()),
        },
        Some(raw) => Value::Json(raw.to_string()),
    }
}

fn jsonb_result(found: Option<&Json>, as_text: bool) -> Value {
    match found {
        None => Value::Null,
        Some(Json::String(s)) if as_text => Value::Text(s.clone()),
        Some(Json::Null) if as_text => Value::Null,
        Some(v) if as_text => Value::Text(jsonb_text(v)),
        Some(v) => Value::Jsonb(jsonb_text(v)),
    }
}

/// The path elements of a variadic call or of a `text[]` argument.
fn path_of(args: Args) -> Vec<Option<String>> {
    match args.get(1) {
        Some(Value::Array(a)) => a
            .elements
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => args[1..]
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect(),
    }
}

fn extract_path(args: Args, as_text: bool) -> SqlResult<Value> {
    let path = path_of(args);
    match &args[0] {
        Value::Jsonb(_) => {
            let doc = parse_jsonb(&args[0])?;
            let mut cur = Some(&doc);
            for key in &path {
                cur = match (cur, key) {
                    (Some(c), Some(k)) => jsonb_step(c, k, None),
                    _ => None,
                };
            }
            Ok(jsonb_result(cur, as_text))
        }
        v => {
            let mut cur = Some(text(v));
            for key in &path {
                cur = match (cur, key) {
                    (Some(c), Some(k)) => json_step(c, k, None),
                    _ => None,
                };
            }
            Ok(json_result(cur, as_text))
        }
    }
}

/// `->` / `->>` with a text key (objects only) or an integer index (arrays only).
fn field(args: Args, as_text: bool) -> SqlResult<Value> {
    let by_index = matches!(args[1], Value::Int4(_) | Value::Int8(_));
    let key = if by_index {
        int(&args[1]).to_string()
    } else {
        text(&args[1]).to_string()
    };
    match &args[0] {
        Value::Jsonb(_) => {
            let doc = parse_jsonb(&args[0])?;
            Ok(jsonb_result(
                jsonb_step(&doc, &key, Some(by_index)),
                as_text,
            ))
        }
        v => Ok(json_result(
            json_step(text(v), &key, Some(by_index)),
            as_text,
        )),
    }
}

fn typeof_raw(first: Option<u8>) -> &'static str {
    match first {
        Some(b'{') => "object",
        Some(b'[') => "array",
        Some(b'"') => "string",
        Some(b't' | b'f') => "boolean",
        Some(b'n') => "null",
        _ => "number",
    }
}

fn json_typeof(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Text(
        typeof_raw(Scan::new(text(&args[0])).peek()).to_string(),
    ))
}

fn array_length(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let first = Scan::new(text(&args[0])).peek();
    let n = match first {
        Some(b'[') => Scan::new(text(&args[0])).elements().map_or(0, |e| e.len()),
        Some(b'{') => {
            return Err(SqlError::new(
                SqlState::INVALID_PARAMETER_VALUE,
                "cannot get array length of a non-array",
            ));
        }
        _ => {
            return Err(SqlError::new(
                SqlState::INVALID_PARAMETER_VALUE,
                "cannot get array length of a scalar",
            ));
        }
    };
    Ok(Value::Int4(n as i32))
}

/// Tokens of PostgreSQL's jsonb iterator, which its pretty printer walks.
enum Tok<'a> {
    BeginArray { raw_scalar: bool },
    BeginObject,
    Key(&'a str),
    Scalar(&'a Json),
    EndArray,
    EndObject,
}

fn tokens<'a>(v: &'a Json, out: &mut Vec<Tok<'a>>) {
    match v {
        Json::Array(items) => {
            out.push(Tok::BeginArray { raw_scalar: false });
            for it in items {
                tokens(it, out);
            }
            out.push(Tok::EndArray);
        }
        Json::Object(pairs) => {
            out.push(Tok::BeginObject);
            for (k, val) in pairs {
                out.push(Tok::Key(k));
                tokens(val, out);
            }
            out.push(Tok::EndObject);
        }
        scalar => out.push(Tok::Scalar(scalar)),
    }
}

/// `jsonb_pretty`: PostgreSQL's `JsonbToCStringWorker` with indentation, quirks included
/// (empty containers print on two lines).
fn pretty(v: &Json) -> String {
    let mut toks = Vec::new();
    if matches!(v, Json::Array(_) | Json::Object(_)) {
        tokens(v, &mut toks);
    } else {
        toks.push(Tok::BeginArray { raw_scalar: true });
        toks.push(Tok::Scalar(v));
        toks.push(Tok::EndArray);
    }
    let mut out = String::new();
    let indent = |out: &mut String, on: bool, level: usize| {
        if on {
            out.push('\n');
            out.push_str(&" ".repeat(level * 4));
        }
    };
    let (mut first, mut level, mut use_indent, mut raw, mut after_key) =
        (true, 0usize, false, false, false);
    for t in &toks {
        match t {
            Tok::BeginArray { raw_scalar } => {
                if !first {
                    out.push(',');
                }
                if *raw_scalar {
                    raw = true;
                } else {
                    indent(&mut out, use_indent && !after_key, level);
                    out.push('[');
                }
                first = true;
                level += 1;
            }
            Tok::BeginObject => {
                if !first {
                    out.push(',');
                }
                indent(&mut out, use_indent && !after_key, level);
                out.push('{');
                first = true;
                level += 1;
            }
            Tok::Key(k) => {
                if !first {
                    out.push(',');
                }
                indent(&mut out, use_indent, level);
                j::write_json_string(k, &mut out);
                out.push_str(": ");
                first = true;
                after_key = true;
                use_indent = true;
                continue;
            }
            Tok::Scalar(s) => {
                if after_key {
                    s.write(&mut out);
                } else {
                    if !first {
                        out.push(',');
                    }
                    if !raw {
                        indent(&mut out, use_indent, level);
                    }
                    s.write(&mut out);
                }
                first = false;
            }
            Tok::EndArray => {
                level = level.saturating_sub(1);
                if !raw {
                    indent(&mut out, use_indent, level);
                    out.push(']');
                }
                first = false;
            }
            Tok::EndObject => {
                level = level.saturating_sub(1);
                indent(&mut out, use_indent, level);
                out.push('}');
                first = false;
            }
        }
        use_indent = true;
        after_key = false;
    }
    out
}

fn jsonb_pretty(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Text(pretty(&parse_jsonb(&args[0])?)))
}

/// jsonb containment (`@>`): objects contain objects key by key, arrays contain arrays
/// element by element in any order, and an array may contain a bare scalar at top level.
fn contains(a: &Json, b: &Json, top: bool) -> bool {
    match (a, b) {
        (Json::Object(x), Json::Object(y)) => y.iter().all(|(k, bv)| {
            x.iter()
                .find(|(ka, _)| ka == k)
                .is_some_and(|(_, av)| contains(av, bv, false))
        }),
        (Json::Array(x), Json::Array(y)) => y.iter().all(|bv| match bv {
            Json::Array(_) | Json::Object(_) => x.iter().any(|av| contains(av, bv, false)),
            scalar => x.iter().any(|av| av == scalar),
        }),
        (Json::Array(x), scalar) if top && !matches!(scalar, Json::Object(_)) => {
            x.iter().any(|av| av == scalar)
        }
        (x, y) => x == y,
    }
}

fn jsonb_contains(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let (a, b) = (parse_jsonb(&args[0])?, parse_jsonb(&args[1])?);
    Ok(Value::Bool(contains(&a, &b, true)))
}

fn jsonb_contained(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let (a, b) = (parse_jsonb(&args[0])?, parse_jsonb(&args[1])?);
    Ok(Value::Bool(contains(&b, &a, true)))
}

/// `?`: a top-level key, or a string element of a top-level array.
fn has_key(doc: &Json, key: &str) -> bool {
    match doc {
        Json::Object(pairs) => pairs.iter().any(|(k, _)| k == key),
        Json::Array(items) => items
            .iter()
            .any(|v| matches!(v, Json::String(s) if s == key)),
        Json::String(s) => s == key,
        _ => false,
    }
}

fn jsonb_exists(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Bool(has_key(
        &parse_jsonb(&args[0])?,
        text(&args[1]),
    )))
}

fn keys_of(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a
            .elements
            .iter()
            .filter_map(|e| e.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

fn jsonb_exists_any(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let doc = parse_jsonb(&args[0])?;
    Ok(Value::Bool(
        keys_of(&args[1]).iter().any(|k| has_key(&doc, k)),
    ))
}

fn jsonb_exists_all(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let doc = parse_jsonb(&args[0])?;
    Ok(Value::Bool(
        keys_of(&args[1]).iter().all(|k| has_key(&doc, k)),
    ))
}

fn text_array_type() -> DataType {
    DataType::Array(Box::new(DataType::Text))
}

pub(super) fn register(r: &mut Registry) {
    use DataType as T;
    // (type, extract_path, extract_path_text, object_field, object_field_text,
    //  array_element, array_element_text, typeof, array_length)
    let families: [(T, [&'static str; 8]); 2] = [
        (
            T::Json,
            [
                "json_extract_path",
                "json_extract_path_text",
                "json_object_field",
                "json_object_field_text",
                "json_array_element",
                "json_array_element_text",
                "json_typeof",
                "json_array_length",
            ],
        ),
        (
            T::Jsonb,
            [
                "jsonb_extract_path",
                "jsonb_extract_path_text",
                "jsonb_object_field",
                "jsonb_object_field_text",
                "jsonb_array_element",
                "jsonb_array_element_text",
                "jsonb_typeof",
                "jsonb_array_length",
            ],
        ),
    ];
    for (ty, n) in families {
        let paths: [(&'static str, T, ScalarImpl); 2] = [
            (n[0], ty.clone(), |a, _, _| extract_path(a, false)),
            (n[1], T::Text, |a, _, _| extract_path(a, true)),
        ];
        for (name, ret, f) in paths {
            // Two text slots with the last repeating: at least one path element.
            r.exact(name, &[ty.clone(), T::Text, T::Text], ret.clone(), f)
                .variadic();
            // The `#>` / `#>>` form with the path as one text[].
            r.exact(name, &[ty.clone(), text_array_type()], ret, f);
        }
        let fields: [(&'static str, T, T, ScalarImpl); 4] = [
            (n[2], T::Text, ty.clone(), |a, _, _| field(a, false)),
            (n[3], T::Text, T::Text, |a, _, _| field(a, true)),
            (n[4], T::Int4, ty.clone(), |a, _, _| field(a, false)),
            (n[5], T::Int4, T::Text, |a, _, _| field(a, true)),
        ];
        for (name, key, ret, f) in fields {
            r.exact(name, &[ty.clone(), key], ret, f);
        }
        r.exact(n[6], std::slice::from_ref(&ty), T::Text, json_typeof);
        r.exact(n[7], std::slice::from_ref(&ty), T::Int4, array_length);
    }
    r.exact("jsonb_pretty", &[T::Jsonb], T::Text, jsonb_pretty);
    r.exact(
        "jsonb_contains",
        &[T::Jsonb, T::Jsonb],
        T::Bool,
        jsonb_contains,
    );
    r.exact(
        "jsonb_contained",
        &[T::Jsonb, T::Jsonb],
        T::Bool,
        jsonb_contained,
    );
    r.exact("jsonb_exists", &[T::Jsonb, T::Text], T::Bool, jsonb_exists);
    r.exact(
        "jsonb_exists_any",
        &[T::Jsonb, text_array_type()],
        T::Bool,
        jsonb_exists_any,
    );
    r.exact(
        "jsonb_exists_all",
        &[T::Jsonb, text_array_type()],
        T::Bool,
        jsonb_exists_all,
    );
}
