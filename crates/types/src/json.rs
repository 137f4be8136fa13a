//! JSON: a small parser that validates `json` input as PostgreSQL does and builds the tree that
//! `jsonb` stores, the canonical `jsonb` text (keys ordered by length then bytes, duplicate
//! keys keeping the last, numbers as numeric text, `", "` and `": "` separators), and jsonb's
//! ordering (`jsonb_cmp`).

use std::cmp::Ordering;

use crate::error::{SqlError, SqlResult, SqlState};
use crate::numeric::Numeric;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Json {
    Null,
    Bool(bool),
    /// The number as `numeric` holds it.
    Number(Numeric),
    String(String),
    Array(Vec<Json>),
    /// Pairs in jsonb order (sorted, unique) once canonicalized; input order before.
    Object(Vec<(String, Json)>),
}

fn syntax_error(type_name: &str, detail: String) -> SqlError {
    SqlError::new(
        SqlState::INVALID_TEXT_REPRESENTATION,
        // PostgreSQL reports jsonb syntax errors as "type json" too.
        format!(
            "invalid input syntax for type {}",
            if type_name == "jsonb" {
                "json"
            } else {
                type_name
            }
        ),
    )
    .with_detail(detail)
}

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    type_name: &'a str,
    depth: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn token_at(&self, start: usize) -> String {
        let mut e = start;
        while e < self.b.len() && (self.b[e].is_ascii_alphanumeric() || self.b[e] >= 0x80) {
            e += 1;
        }
        if e == start {
            e = (start + 1).min(self.b.len());
            while e < self.b.len() && !self.s.is_char_boundary(e) {
                e += 1;
            }
        }
        self.s[start..e].to_string()
    }

    fn unexpected_end(&self) -> SqlError {
        syntax_error(
            self.type_name,
            "The input string ended unexpectedly.".into(),
        )
    }

    fn invalid_token(&self, start: usize) -> SqlError {
        syntax_error(
            self.type_name,
            format!("Token \"{}\" is invalid.", self.token_at(start)),
        )
    }

    fn expected(&self, what: &str) -> SqlError {
        if self.i >= self.b.len() {
            return self.unexpected_end();
        }
        syntax_error(
            self.type_name,
            format!("Expected {what}, but found \"{}\".", self.token_at(self.i)),
        )
    }

    fn value(&mut self) -> SqlResult<Json> {
        self.ws();
        let Some(&c) = self.b.get(self.i) else {
            return Err(self.unexpected_end());
        };
        match c {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => Ok(Json::String(self.string()?)),
            b'-' | b'0'..=b'9' => self.number(),
            _ => {
                let tok = self.token_at(self.i);
                let v = match tok.as_str() {
                    "true" => Json::Bool(true),
                    "false" => Json::Bool(false),
                    "null" => Json::Null,
                    _ => return Err(self.invalid_token(self.i)),
                };
                self.i += tok.len();
                Ok(v)
            }
        }
    }

    fn nest(&mut self) -> SqlResult<()> {
        self.depth += 1;
        if self.depth > 6400 {
            return Err(SqlError::new(
                SqlState::STATEMENT_TOO_COMPLEX,
                "stack depth limit exceeded",
            ));
        }
        Ok(())
    }

    fn object(&mut self) -> SqlResult<Json> {
        self.nest()?;
        self.i += 1;
        let mut pairs = Vec::new();
        self.ws();
        if self.b.get(self.i) == Some(&b'}') {
            self.i += 1;
            self.depth -= 1;
            return Ok(Json::Object(pairs));
        }
        loop {
            self.ws();
            if self.b.get(self.i) != Some(&b'"') {
                return Err(self.expected("string"));
            }
            let k = self.string()?;
            self.ws();
            if self.b.get(self.i) != Some(&b':') {
                return Err(self.expected("\":\""));
            }
            self.i += 1;
            let v = self.value()?;
            pairs.push((k, v));
            self.ws();
            match self.b.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(Json::Object(pairs));
                }
                _ => return Err(self.expected("\",\" or \"}\"")),
            }
        }
    }

    fn array(&mut self) -> SqlResult<Json> {
        self.nest()?;
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.b.get(self.i) == Some(&b']') {
            self.i += 1;
            self.depth -= 1;
            return Ok(Json::Array(items));
        }
        loop {
            items.push(self.value()?);
            self.ws();
            match self.b.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    self.depth -= 1;
                    return Ok(Json::Array(items));
                }
                _ => return Err(self.expected("\",\" or \"]\"")),
            }
        }
    }

    fn hex4(&mut self) -> SqlResult<u32> {
        let h = self.s.get(self.i..self.i + 4).ok_or_else(|| {
            syntax_error(
                self.type_name,
                "\"\\u\" must be followed by four hexadecimal digits.".into(),
            )
        })?;
        let v = u32::from_str_radix(h, 16).map_err(|_| {
            syntax_error(
                self.type_name,
                "\"\\u\" must be followed by four hexadecimal digits.".into(),
            )
        })?;
        self.i += 4;
        Ok(v)
    }

    fn string(&mut self) -> SqlResult<String> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let Some(&c) = self.b.get(self.i) else {
                return Err(self.unexpected_end());
            };
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(out);
                }
                b'\\' => {
                    let Some(&e) = self.b.get(self.i + 1) else {
                        return Err(self.unexpected_end());
                    };
                    self.i += 2;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let mut cp = self.hex4()?;
                            // `json` only checks escapes syntactically; the text is kept as
                            // written, so \u0000 and lone surrogates are accepted.
                            if self.type_name == "json" {
                                out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                                continue;
                            }
                            if (0xD800..0xDC00).contains(&cp) {
                                if self.b.get(self.i) == Some(&b'\\')
                                    && self.b.get(self.i + 1) == Some(&b'u')
                                {
                                    self.i += 2;
                                    let lo = self.hex4()?;
                                    if !(0xDC00..0xE000).contains(&lo) {
                                        return Err(syntax_error(
                                            self.type_name,
                                            "Unicode low surrogate must follow a high surrogate."
                                                .into(),
                                        ));
                                    }
                                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                                } else {
                                    return Err(syntax_error(
                                        self.type_name,
                                        "Unicode low surrogate must follow a high surrogate."
                                            .into(),
                                    ));
                                }
                            } else if (0xDC00..0xE000).contains(&cp) {
                                return Err(syntax_error(
                                    self.type_name,
                                    "Unicode low surrogate must follow a high surrogate.".into(),
                                ));
                            }
                            if cp == 0 {
                                return Err(SqlError::new(
                                    SqlState::UNTRANSLATABLE_CHARACTER,
                                    "unsupported Unicode escape sequence",
                                )
                                .with_detail("\\u0000 cannot be converted to text."));
                            }
                            out.push(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                        }
                        _ => {
                            return Err(syntax_error(
                                self.type_name,
                                format!(
                                    "Escape sequence \"\\{}\" is invalid.",
                                    self.token_at(self.i - 1)
                                ),
                            ));
                        }
                    }
                }
                0..=0x1f => {
                    return Err(syntax_error(
                        self.type_name,
                        format!("Character with value 0x{c:02x} must be escaped."),
                    ));
                }
                _ => {
                    // Copy one UTF-8 character.
                    let mut e = self.i + 1;
                    while e < self.b.len() && !self.s.is_char_boundary(e) {
                        e += 1;
                    }
                    out.push_str(&self.s[self.i..e]);
                    self.i = e;
                }
            }
        }
    }

    fn number(&mut self) -> SqlResult<Json> {
        let start = self.i;
        let b = self.b;
        let mut i = self.i;
        if b[i] == b'-' {
            i += 1;
        }
        let int_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let int_len = i - int_start;
        if int_len == 0 || (int_len > 1 && b[int_start] == b'0') {
            return Err(self.invalid_token(start));
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            let f = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == f {
                return Err(self.invalid_token(start));
            }
        }
        if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
            i += 1;
            if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
                i += 1;
            }
            let f = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == f {
                return Err(self.invalid_token(start));
            }
        }
        if i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.') {
            return Err(self.invalid_token(start));
        }
        self.i = i;
        let n = Numeric::parse(&self.s[start..i])?;
        Ok(Json::Number(n))
    }
}

/// Parses JSON text; `type_name` (`json` or `jsonb`) goes into error messages.
pub fn parse(input: &str, type_name: &str) -> SqlResult<Json> {
    let mut p = Parser {
        s: input,
        b: input.as_bytes(),
        i: 0,
        type_name,
        depth: 0,
    };
    let v = p.value()?;
    p.ws();
    if p.i != p.b.len() {
        return Err(syntax_error(
            type_name,
            format!("Expected end of input, but found \"{}\".", p.token_at(p.i)),
        ));
    }
    Ok(v)
}

/// jsonb's key order: shorter keys first, then bytewise.
pub fn key_order(a: &str, b: &str) -> Ordering {
    a.len()
        .cmp(&b.len())
        .then_with(|| a.as_bytes().cmp(b.as_bytes()))
}

impl Json {
    /// Sorts object keys as jsonb does and keeps the last of duplicate keys.
    pub fn canonicalize(self) -> Json {
        match self {
            Json::Array(items) => Json::Array(items.into_iter().map(Json::canonicalize).collect()),
            Json::Object(pairs) => {
                let mut pairs: Vec<(String, Json)> = pairs
                    .into_iter()
                    .map(|(k, v)| (k, v.canonicalize()))
                    .collect();
                // Stable sort keeps input order among equal keys; keep the last of each run.
                pairs.sort_by(|a, b| key_order(&a.0, &b.0));
                let mut out: Vec<(String, Json)> = Vec::with_capacity(pairs.len());
                for (k, v) in pairs {
                    match out.last_mut() {
                        Some(last) if last.0 == k => last.1 = v,
                        _ => out.push((k, v)),
                    }
                }
                Json::Object(out)
            }
            other => other,
        }
    }

    /// Appends jsonb's text form.
    pub fn write(&self, out: &mut String) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => n.write_text(out),
            Json::String(s) => write_json_string(s, out),
            Json::Array(items) => {
                out.push('[');
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    it.write(out);
                }
                out.push(']');
            }
            Json::Object(pairs) => {
                out.push('{');
                for (i, (k, v)) in pairs.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_json_string(k, out);
                    out.push_str(": ");
                    v.write(out);
                }
                out.push('}');
            }
        }
    }

    fn type_rank(&self) -> u8 {
        // jsonb btree order: Object > Array > Boolean > Number > String > Null.
        match self {
            Json::Null => 0,
            Json::String(_) => 1,
            Json::Number(_) => 2,
            Json::Bool(_) => 3,
            Json::Array(_) => 4,
            Json::Object(_) => 5,
        }
    }

    /// `jsonb_cmp` for canonical values: objects with more pairs and arrays with more
    /// elements sort later; then pairwise by key and value / element.
    pub fn jsonb_cmp(&self, other: &Json) -> Ordering {
        match (self, other) {
            (Json::Null, Json::Null) => Ordering::Equal,
            (Json::String(a), Json::String(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Json::Number(a), Json::Number(b)) => a.cmp(b),
            (Json::Bool(a), Json::Bool(b)) => a.cmp(b),
            (Json::Array(a), Json::Array(b)) => a.len().cmp(&b.len()).then_with(|| {
                for (x, y) in a.iter().zip(b) {
                    let c = x.jsonb_cmp(y);
                    if c != Ordering::Equal {
                        return c;
                    }
                }
                Ordering::Equal
            }),
            (Json::Object(a), Json::Object(b)) => a.len().cmp(&b.len()).then_with(|| {
                for ((ka, va), (kb, vb)) in a.iter().zip(b) {
                    let c = key_order(ka, kb).then_with(|| va.jsonb_cmp(vb));
                    if c != Ordering::Equal {
                        return c;
                    }
                }
                Ordering::Equal
            }),
            _ => self.type_rank().cmp(&other.type_rank()),
        }
    }
}

/// Appends a JSON string literal escaped as PostgreSQL's `escape_json`.
pub fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `json_in`: validates and keeps the text verbatim.
pub fn parse_json_text(input: &str) -> SqlResult<String> {
    parse(input, "json")?;
    Ok(input.to_string())
}

/// `jsonb_in`: the canonical text.
pub fn parse_jsonb_text(input: &str) -> SqlResult<String> {
    let v = parse(input, "jsonb")?.canonicalize();
    let mut s = String::with_capacity(input.len());
    v.write(&mut s);
    Ok(s)
}

/// Compares two canonical jsonb texts with jsonb's ordering, in which numbers compare as
/// numerics (`[1.0] = [1]`). Falls back to bytes if either fails to parse, which cannot
/// happen for values built by `parse_jsonb_text`.
pub fn compare_jsonb_text(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    match (parse(a, "jsonb"), parse(b, "jsonb")) {
        (Ok(x), Ok(y)) => x.canonicalize().jsonb_cmp(&y.canonicalize()),
        _ => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_jsonb() {
        let c = |s: &str| parse_jsonb_text(s).unwrap_or_else(|e| format!("ERR {}", e.message));
        assert_eq!(c(r#"{"b":[1,2],"a":1}"#), r#"{"a": 1, "b": [1, 2]}"#);
        assert_eq!(
            c(r#"{"aa":1,"b":2,"a":3,"a":4}"#),
            r#"{"a": 4, "b": 2, "aa": 1}"#
        );
        assert_eq!(c(r#" [1.0, 1e2, -0, 1E-2] "#), "[1.0, 100, 0, 0.01]");
        assert_eq!(c(r#""a\u00e9\n""#), "\"aé\\n\"");
        assert_eq!(c("null"), "null");
        assert!(c("{").starts_with("ERR invalid input syntax for type json"));
        assert!(c("[1,]").starts_with("ERR"));
        assert!(c("01").starts_with("ERR"));
        assert!(c("\"\\u0000\"").starts_with("ERR unsupported Unicode escape sequence"));
    }

    #[test]
    fn json_kept_verbatim() {
        assert_eq!(
            parse_json_text("{\"b\":1, \"a\":2}").ok().as_deref(),
            Some("{\"b\":1, \"a\":2}")
        );
        let e = parse_json_text("{\"a\" 1}").err();
        assert_eq!(
            e.and_then(|e| e.detail),
            Some("Expected \":\", but found \"1\".".to_string())
        );
    }

    #[test]
    fn jsonb_ordering() {
        assert_eq!(compare_jsonb_text("{}", "[]"), Ordering::Greater);
        assert_eq!(compare_jsonb_text("[1]", "[1, 2]"), Ordering::Less);
        assert_eq!(compare_jsonb_text("1", "\"a\""), Ordering::Greater);
        assert_eq!(compare_jsonb_text("2", "10"), Ordering::Less);
    }
}
