//! Arrays: the value (dimensions with lower bounds, elements in row-major order) and the text
//! form of `array_in` / `array_out` (`{1,2}`, `{{1,2},{3,4}}`, `[2:3]={1,2}`, quoting, NULL).

use crate::context::FormatContext;
use crate::datatype::DataType;
use crate::error::{SqlError, SqlResult, SqlState};
use crate::value::Value;

/// One dimension of an array: its length and its lower bound (1 unless written otherwise).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ArrayDim {
    pub len: i32,
    pub lower_bound: i32,
}

/// An array value. An empty array has no dimensions.
#[derive(Clone, Debug)]
pub struct Array {
    pub element_type: DataType,
    pub dims: Vec<ArrayDim>,
    /// Elements in row-major order; `Value::Null` for NULL elements.
    pub elements: Vec<Value>,
}

/// PostgreSQL's `MAXDIM`.
pub const MAX_DIMS: usize = 6;

impl Array {
    /// A one-dimensional array with lower bound 1 (empty when `elements` is).
    pub fn from_elements(element_type: DataType, elements: Vec<Value>) -> Array {
        let dims = if elements.is_empty() {
            Vec::new()
        } else {
            vec![ArrayDim {
                len: elements.len() as i32,
                lower_bound: 1,
            }]
        };
        Array {
            element_type,
            dims,
            elements,
        }
    }

    pub fn empty(element_type: DataType) -> Array {
        Array::from_elements(element_type, Vec::new())
    }

    pub fn ndims(&self) -> usize {
        self.dims.len()
    }

    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }

    /// The element at 1-based... subscripts as written in SQL (respecting lower bounds);
    /// `None` when out of range (PostgreSQL returns NULL).
    pub fn get(&self, subscripts: &[i32]) -> Option<&Value> {
        if subscripts.len() != self.dims.len() {
            return None;
        }
        let mut offset = 0usize;
        for (s, d) in subscripts.iter().zip(&self.dims) {
            let i = i64::from(*s) - i64::from(d.lower_bound);
            if i < 0 || i >= i64::from(d.len) {
                return None;
            }
            offset = offset * d.len as usize + i as usize;
        }
        self.elements.get(offset)
    }

    /// Checks that the dimensions describe exactly the elements present.
    pub fn is_consistent(&self) -> bool {
        if self.dims.is_empty() {
            return self.elements.is_empty();
        }
        let mut n: i64 = 1;
        for d in &self.dims {
            if d.len < 0 {
                return false;
            }
            n = n.saturating_mul(i64::from(d.len));
        }
        n == self.elements.len() as i64
    }
}

/// The whitespace `array_in` skips (PostgreSQL's `scanner_isspace`, which includes \v).
fn is_array_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C)
}

fn needs_quotes(s: &str) -> bool {
    s.is_empty()
        || s.eq_ignore_ascii_case("null")
        || s.bytes()
            .any(|b| matches!(b, b'{' | b'}' | b',' | b'"' | b'\\') || is_array_space(b))
}

/// Appends `array_out`'s text.
pub fn write_array(a: &Array, ctx: &FormatContext, out: &mut String) {
    if a.dims.is_empty() {
        out.push_str("{}");
        return;
    }
    if a.dims.iter().any(|d| d.lower_bound != 1) {
        for d in &a.dims {
            out.push_str(&format!(
                "[{}:{}]",
                d.lower_bound,
                i64::from(d.lower_bound) + i64::from(d.len) - 1
            ));
        }
        out.push('=');
    }
    let mut idx = 0usize;
    write_level(a, 0, &mut idx, ctx, out);
}

fn write_level(a: &Array, level: usize, idx: &mut usize, ctx: &FormatContext, out: &mut String) {
    out.push('{');
    let len = a.dims[level].len.max(0) as usize;
    for i in 0..len {
        if i > 0 {
            out.push(',');
        }
        if level + 1 < a.dims.len() {
            write_level(a, level + 1, idx, ctx, out);
        } else {
            match a.elements.get(*idx) {
                None | Some(Value::Null) => out.push_str("NULL"),
                Some(v) => {
                    let text = crate::text::format_text(v, &a.element_type, ctx);
                    if needs_quotes(&text) {
                        out.push('"');
                        for c in text.chars() {
                            if c == '"' || c == '\\' {
                                out.push('\\');
                            }
                            out.push(c);
                        }
                        out.push('"');
                    } else {
                        out.push_str(&text);
                    }
                }
            }
            *idx += 1;
        }
    }
    out.push('}');
}

fn malformed(input: &str, detail: &str) -> SqlError {
    SqlError::new(
        SqlState::INVALID_TEXT_REPRESENTATION,
        format!("malformed array literal: \"{input}\""),
    )
    .with_detail(detail.to_string())
}

/// A parsed but not yet typed element tree.
enum Node {
    Item(Option<String>),
    List(Vec<Node>),
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while self.i < self.s.len() && is_array_space(self.s[self.i]) {
            self.i += 1;
        }
    }

    fn list(&mut self, depth: usize) -> SqlResult<Node> {
        if depth > MAX_DIMS {
            return Err(SqlError::new(
                SqlState::PROGRAM_LIMIT_EXCEEDED,
                format!(
                    "number of array dimensions ({depth}) exceeds the maximum allowed ({MAX_DIMS})"
                ),
            ));
        }
        // At '{'.
        self.i += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.s.get(self.i) == Some(&b'}') {
            self.i += 1;
            return Ok(Node::List(items));
        }
        loop {
            self.skip_ws();
            match self.s.get(self.i) {
                None => return Err(malformed(self.text, "Unexpected end of input.")),
                Some(b'{') => items.push(self.list(depth + 1)?),
                Some(b'}') | Some(b',') => {
                    return Err(malformed(self.text, "Unexpected \",\" character."));
                }
                Some(_) => items.push(self.item()?),
            }
            self.skip_ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Node::List(items));
                }
                None => return Err(malformed(self.text, "Unexpected end of input.")),
                Some(_) => return Err(malformed(self.text, "Unexpected array element.")),
            }
        }
    }

    fn item(&mut self) -> SqlResult<Node> {
        let mut buf: Vec<u8> = Vec::new();
        if self.s[self.i] == b'"' {
            self.i += 1;
            loop {
                match self.s.get(self.i) {
                    None => return Err(malformed(self.text, "Unexpected end of input.")),
                    Some(b'\\') => {
                        let c = *self
                            .s
                            .get(self.i + 1)
                            .ok_or_else(|| malformed(self.text, "Unexpected end of input."))?;
                        buf.push(c);
                        self.i += 2;
                    }
                    Some(b'"') => {
                        self.i += 1;
                        break;
                    }
                    Some(&c) => {
                        buf.push(c);
                        self.i += 1;
                    }
                }
            }
            let s = String::from_utf8(buf).map_err(|_| malformed(self.text, "Invalid UTF-8."))?;
            return Ok(Node::Item(Some(s)));
        }
        // Unquoted: up to ',' or '}', trailing whitespace trimmed, backslash escapes allowed.
        let mut last_escaped = 0usize;
        loop {
            match self.s.get(self.i) {
                None => return Err(malformed(self.text, "Unexpected end of input.")),
                Some(b',') | Some(b'}') => break,
                Some(b'{') | Some(b'"') => {
                    return Err(malformed(self.text, "Unexpected array element."));
                }
                Some(b'\\') => {
                    let c = *self
                        .s
                        .get(self.i + 1)
                        .ok_or_else(|| malformed(self.text, "Unexpected end of input."))?;
                    buf.push(c);
                    last_escaped = buf.len();
                    self.i += 2;
                }
                Some(&c) => {
                    buf.push(c);
                    self.i += 1;
                }
            }
        }
        while buf.len() > last_escaped && buf.last().is_some_and(|b| is_array_space(*b)) {
            buf.pop();
        }
        let s = String::from_utf8(buf).map_err(|_| malformed(self.text, "Invalid UTF-8."))?;
        if last_escaped == 0 && s.eq_ignore_ascii_case("null") {
            return Ok(Node::Item(None));
        }
        Ok(Node::Item(Some(s)))
    }
}

/// Collects the shape of a node tree, checking that sub-arrays match.
fn shape(node: &Node, depth: usize, dims: &mut Vec<i32>, input: &str) -> SqlResult<()> {
    match node {
        Node::Item(_) => {
            if depth != dims.len() {
                return Err(malformed(
                    input,
                    "Multidimensional arrays must have sub-arrays with matching dimensions.",
                ));
            }
        }
        Node::List(items) => {
            if depth == dims.len() {
                if items.is_empty() && depth > 0 {
                    return Err(malformed(
                        input,
                        "Multidimensional arrays must have sub-arrays with matching dimensions.",
                    ));
                }
                dims.push(items.len() as i32);
                // Determine the depth from the first element.
                let mut first = items.first();
                while let Some(Node::List(inner)) = first {
                    if inner.is_empty() {
                        break;
                    }
                    dims.push(inner.len() as i32);
                    first = inner.first();
                }
            }
            if depth >= dims.len() || dims[depth] != items.len() as i32 {
                return Err(malformed(
                    input,
                    "Multidimensional arrays must have sub-arrays with matching dimensions.",
                ));
            }
            for it in items {
                shape(it, depth + 1, dims, input)?;
            }
        }
    }
    Ok(())
}

fn flatten(node: Node, out: &mut Vec<Option<String>>) {
    match node {
        Node::Item(v) => out.push(v),
        Node::List(items) => {
            for it in items {
                flatten(it, out);
            }
        }
    }
}

/// Parses explicit bounds `[1:3][2:4]=`.
fn parse_bounds(p: &mut Parser) -> SqlResult<Vec<(i32, i32)>> {
    let mut bounds = Vec::new();
    while p.s.get(p.i) == Some(&b'[') {
        let close = p.text[p.i..]
            .find(']')
            .ok_or_else(|| malformed(p.text, "Missing \"]\" after array dimensions."))?;
        let inner = &p.text[p.i + 1..p.i + close];
        let (lo, hi) = match inner.split_once(':') {
            Some((a, b)) => (a.trim(), b.trim()),
            None => ("1", inner.trim()),
        };
        let lo: i32 = lo.parse().map_err(|_| {
            malformed(
                p.text,
                "\"[\" must introduce explicitly-specified array dimensions.",
            )
        })?;
        let hi: i32 = hi.parse().map_err(|_| {
            malformed(
                p.text,
                "\"[\" must introduce explicitly-specified array dimensions.",
            )
        })?;
        if hi < lo {
            return Err(SqlError::new(
                SqlState::ARRAY_SUBSCRIPT_ERROR,
                "upper bound cannot be less than lower bound",
            ));
        }
        bounds.push((lo, hi));
        p.i += close + 1;
        p.skip_ws();
    }
    if !bounds.is_empty() {
        if p.s.get(p.i) != Some(&b'=') {
            return Err(malformed(p.text, "Missing \"=\" after array dimensions."));
        }
        p.i += 1;
        p.skip_ws();
    }
    Ok(bounds)
}

/// `array_in`: parses the text and each element with the element type's input function.
pub fn parse_array(input: &str, element_type: &DataType, ctx: &FormatContext) -> SqlResult<Array> {
    let mut p = Parser {
        s: input.as_bytes(),
        text: input,
        i: 0,
    };
    p.skip_ws();
    let bounds = parse_bounds(&mut p)?;
    if p.s.get(p.i) != Some(&b'{') {
        return Err(malformed(
            input,
            "Array value must start with \"{\" or dimension information.",
        ));
    }
    let tree = p.list(1)?;
    p.skip_ws();
    if p.i != p.s.len() {
        return Err(malformed(input, "Junk after closing right brace."));
    }
    let mut dims_len = Vec::new();
    shape(&tree, 0, &mut dims_len, input)?;
    let mut raw = Vec::new();
    flatten(tree, &mut raw);
    if raw.is_empty() {
        if !bounds.is_empty() {
            return Err(malformed(
                input,
                "Specified array dimensions do not match array contents.",
            ));
        }
        return Ok(Array::empty(element_type.clone()));
    }
    let dims: Vec<ArrayDim> = if bounds.is_empty() {
        dims_len
            .iter()
            .map(|&len| ArrayDim {
                len,
                lower_bound: 1,
            })
            .collect()
    } else {
        if bounds.len() != dims_len.len()
            || bounds
                .iter()
                .zip(&dims_len)
                .any(|((lo, hi), len)| i64::from(*hi) - i64::from(*lo) + 1 != i64::from(*len))
        {
            return Err(malformed(
                input,
                "Specified array dimensions do not match array contents.",
            ));
        }
        bounds
            .iter()
            .map(|(lo, hi)| ArrayDim {
                len: hi - lo + 1,
                lower_bound: *lo,
            })
            .collect()
    };
    let mut elements = Vec::with_capacity(raw.len());
    for item in raw {
        elements.push(match item {
            None => Value::Null,
            Some(s) => crate::text::parse_text(&s, element_type, ctx)?,
        });
    }
    Ok(Array {
        element_type: element_type.clone(),
        dims,
        elements,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(input: &str, ty: DataType) -> String {
        let ctx = FormatContext::default();
        match parse_array(input, &ty, &ctx) {
            Ok(a) => {
                let mut s = String::new();
                write_array(&a, &ctx, &mut s);
                s
            }
            Err(e) => format!("ERR {}", e.message),
        }
    }

    #[test]
    fn text_forms() {
        assert_eq!(round("{1,2,3}", DataType::Int4), "{1,2,3}");
        assert_eq!(round(" { 1 , 2 } ", DataType::Int4), "{1,2}");
        assert_eq!(round("{{1,2},{3,4}}", DataType::Int4), "{{1,2},{3,4}}");
        assert_eq!(round("{}", DataType::Int4), "{}");
        assert_eq!(round("[2:3]={1,2}", DataType::Int4), "[2:3]={1,2}");
        assert_eq!(
            round("{\"a b\",NULL,\"\\\"q\\\"\",\"null\",\"\"}", DataType::Text),
            "{\"a b\",NULL,\"\\\"q\\\"\",\"null\",\"\"}"
        );
        assert_eq!(round("{a\\,b}", DataType::Text), "{\"a,b\"}");
        assert!(round("{{1,2},{3}}", DataType::Int4).starts_with("ERR malformed array literal"));
        assert!(round("{1,2", DataType::Int4).starts_with("ERR malformed array literal"));
        assert!(round("1,2", DataType::Int4).starts_with("ERR malformed array literal"));
        assert_eq!(
            round("{x}", DataType::Int4),
            "ERR invalid input syntax for type integer: \"x\""
        );
    }

    #[test]
    fn subscripts() {
        let ctx = FormatContext::default();
        let a = parse_array("[0:1]={{1,2},{3,4}}", &DataType::Int4, &ctx);
        assert!(a.is_err());
        let a = parse_array("{{1,2},{3,4}}", &DataType::Int4, &ctx).ok();
        let v = a
            .as_ref()
            .and_then(|a| a.get(&[2, 1]))
            .and_then(Value::as_i64);
        assert_eq!(v, Some(3));
    }
}
