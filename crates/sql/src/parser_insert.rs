//! A direct reader for the statement bulk loads send most: `INSERT INTO name [(columns)]
//! VALUES (literal, ...), ...` where every value is a plain literal (number, string, NULL,
//! TRUE/FALSE, DEFAULT or a `$n` parameter). It builds exactly the AST sqlparser builds for
//! that text, spans included, without sqlparser's tokenizer: for a 1,000-row INSERT the
//! tokenizer (which copies every string a character at a time) and the recursive-descent
//! expression parser were a third of the server's time.
//!
//! It is an optimization only: anything outside that shape (comments, casts, expressions,
//! escape-string prefixes, RETURNING, ON CONFLICT, a second statement, a non-ASCII character
//! outside a literal) returns None and the text takes the full parser, which also produces
//! every syntax error. The tests hold it to sqlparser's output, `Debug` form and all, on
//! generated statements and with every keyword as a table and column name.

use std::borrow::Cow;

use sqlparser::ast::helpers::attached_token::AttachedToken;
use sqlparser::ast::{
    Expr, Ident, Insert, ObjectName, ObjectNamePart, Parens, Query, SetExpr, Statement,
    TableObject, UnaryOperator, Value, ValueWithSpan, Values,
};
use sqlparser::keywords::{ALL_KEYWORDS, Keyword};
use sqlparser::tokenizer::{Location, Span, Token, TokenWithSpan, Word};

/// The statement, if the text is one literal-only INSERT ... VALUES (with an optional
/// trailing semicolon); None means "use the full parser".
pub(crate) fn parse_literal_insert(sql: &str) -> Option<Statement> {
    let mut r = Reader::new(sql);
    let header = r.header()?;
    let mut rows: Vec<Parens<Vec<Expr>>> = Vec::new();
    let mut width = 0;
    loop {
        r.skip_whitespace();
        let row_start = r.pos;
        let row = r.row(width)?;
        width = row.content.len();
        if rows.is_empty() {
            rows.reserve(r.rows_left_estimate(row_start));
        }
        rows.push(row);
        r.skip_whitespace();
        if !r.eat(b',') {
            break;
        }
    }
    r.end()?;
    Some(Statement::Insert(insert_statement(
        header.insert_token,
        header.table,
        header.columns,
        rows,
    )))
}

/// A literal-only INSERT as [`read_literal_insert`] reads it: the statement sqlparser would
/// build, without the tree. For a 1,000-row INSERT, building, binding and freeing sqlparser's
/// nodes (one per value) cost more than the values' own conversion; the binder reads this form
/// directly (`Binder::bind_literal_insert`).
#[derive(Debug)]
pub(crate) struct LiteralInsert<'a> {
    pub table: ObjectName,
    pub columns: Vec<ObjectName>,
    /// Values in each row; every row has this many (at least one).
    pub width: usize,
    /// The rows' values, row after row.
    pub cells: Vec<Literal<'a>>,
}

impl<'a> LiteralInsert<'a> {
    pub fn rows(&self) -> std::slice::ChunksExact<'_, Literal<'a>> {
        self.cells.chunks_exact(self.width)
    }
}

/// One value of a literal INSERT row.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal<'a> {
    Null,
    Bool(bool),
    /// The keyword DEFAULT, as spelled.
    Default(&'a str),
    /// A number as written, with its sign if negative (`-12.5e3`).
    Number(&'a str),
    /// A string's value (its `''` already read as one quote).
    String(Cow<'a, str>),
    /// `$n`, as written.
    Placeholder(&'a str),
}

/// The statement in compact form, if the text is one literal-only INSERT ... VALUES whose rows
/// all have the same number of values and which has no `$n` parameters; None means "parse
/// the text" (which also gives every error its position).
pub(crate) fn read_literal_insert(sql: &str) -> Option<LiteralInsert<'_>> {
    let mut r = Reader::new(sql);
    let header = r.header()?;
    let mut cells: Vec<Literal<'_>> = Vec::new();
    let mut width = 0;
    loop {
        r.skip_whitespace();
        let row_start = r.pos;
        let before = cells.len();
        r.literal_row(&mut cells)?;
        if before == 0 {
            width = cells.len();
            cells.reserve(width * r.rows_left_estimate(row_start));
        } else if cells.len() - before != width {
            return None;
        }
        r.skip_whitespace();
        if !r.eat(b',') {
            break;
        }
    }
    r.end()?;
    if cells.iter().any(|c| matches!(c, Literal::Placeholder(_))) {
        return None;
    }
    Some(LiteralInsert {
        table: header.table,
        columns: header.columns,
        width,
        cells,
    })
}

/// `INSERT INTO table [(columns)] VALUES`, the part both forms share.
struct Header {
    insert_token: AttachedToken,
    table: ObjectName,
    columns: Vec<ObjectName>,
}

/// The Insert node sqlparser builds for `INSERT INTO table (columns) VALUES rows`.
fn insert_statement(
    insert_token: AttachedToken,
    table: ObjectName,
    columns: Vec<ObjectName>,
    rows: Vec<Parens<Vec<Expr>>>,
) -> Insert {
    let source = values_query(rows);
    Insert {
        insert_token,
        optimizer_hints: Vec::new(),
        or: None,
        ignore: false,
        into: true,
        table: TableObject::TableName(table),
        table_alias: None,
        columns,
        by_name: false,
        overwrite: false,
        source: Some(Box::new(source)),
        assignments: Vec::new(),
        partitioned: None,
        after_columns: Vec::new(),
        overriding: None,
        has_table_keyword: false,
        on: None,
        returning: None,
        output: None,
        replace_into: false,
        priority: None,
        insert_alias: None,
        settings: None,
        format_clause: None,
        multi_table_insert_type: None,
        multi_table_into_clauses: Vec::new(),
        multi_table_when_clauses: Vec::new(),
        multi_table_else_clause: None,
    }
}

/// The Query node sqlparser builds for a bare `VALUES rows`.
pub(crate) fn values_query(rows: Vec<Parens<Vec<Expr>>>) -> Query {
    Query {
        with: None,
        body: Box::new(SetExpr::Values(Values {
            explicit_row: false,
            value_keyword: false,
            rows,
        })),
        order_by: None,
        limit_clause: None,
        fetch: None,
        locks: Vec::new(),
        for_clause: None,
        settings: None,
        format_clause: None,
        pipe_operators: Vec::new(),
    }
}

/// Where a bare name stands; sqlparser reads some keywords differently in each.
#[derive(Clone, Copy, PartialEq)]
enum NamePosition {
    Table,
    Column,
}

/// A cursor over the statement text that keeps sqlparser's line/column (in characters,
/// both 1-based) as it goes.
struct Reader<'a> {
    text: &'a str,
    pos: usize,
    line: u64,
    column: u64,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str) -> Self {
        Reader {
            text,
            pos: 0,
            line: 1,
            column: 1,
        }
    }

    fn location(&self) -> Location {
        Location {
            line: self.line,
            column: self.column,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos == self.text.len()
    }

    /// Steps over one byte, counting a character for every byte that starts one.
    fn bump(&mut self) {
        let b = self.text.as_bytes()[self.pos];
        self.pos += 1;
        if b == b'\n' {
            self.line += 1;
            self.column = 1;
        } else if b & 0xC0 != 0x80 {
            self.column += 1;
        }
    }

    /// Steps over the next `len` bytes (which end on a character boundary) at once.
    fn skip_run(&mut self, len: usize) {
        let run = &self.text.as_bytes()[self.pos..self.pos + len];
        self.pos += len;
        match memchr::memrchr(b'\n', run) {
            Some(last_newline) => {
                self.line += memchr::memchr_iter(b'\n', run).count() as u64;
                self.column = 1 + count_chars(&run[last_newline + 1..]);
            }
            None => self.column += count_chars(run),
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.bump();
            true
        } else {
            false
        }
    }

    /// Spaces, tabs and line breaks. Comments are left for the full parser.
    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.bump();
        }
    }

    /// True at the end of a value: what may follow a literal inside a row.
    fn at_value_end(&self) -> bool {
        matches!(
            self.peek(),
            Some(b',' | b')' | b' ' | b'\t' | b'\n' | b'\r')
        )
    }

    /// An unquoted ASCII word: a letter or `_`, then letters, digits, `_` and `$`.
    fn word(&mut self) -> Option<&'a str> {
        let start = self.pos;
        match self.peek() {
            Some(b) if b.is_ascii_alphabetic() || b == b'_' => self.bump(),
            _ => return None,
        }
        while let Some(b) = self.peek() {
            if b.is_ascii_alphanumeric() || b == b'_' || b == b'$' {
                self.bump();
            } else {
                break;
            }
        }
        Some(&self.text[start..self.pos])
    }

    /// A table name of up to three parts (`db.schema.table`).
    fn object_name(&mut self) -> Option<ObjectName> {
        let mut parts = vec![ObjectNamePart::Identifier(
            self.identifier(NamePosition::Table)?,
        )];
        while self.eat(b'.') {
            if parts.len() == 3 {
                return None;
            }
            parts.push(ObjectNamePart::Identifier(
                self.identifier(NamePosition::Table)?,
            ));
        }
        Some(ObjectName(parts))
    }

    /// A quoted or unquoted identifier. Unquoted keywords are left to the full parser, except
    /// the non-reserved ones sqlparser takes as plain names in a column list.
    fn identifier(&mut self, position: NamePosition) -> Option<Ident> {
        let start = self.location();
        if self.peek() == Some(b'"') {
            return self.quoted_identifier(start);
        }
        let word = self.word()?;
        if is_keyword(word) && (position == NamePosition::Table || !column_keyword_is_plain(word)) {
            return None;
        }
        Some(Ident {
            value: word.to_string(),
            quote_style: None,
            span: Span::new(start, self.location()),
        })
    }

    /// `"name"`, with `""` standing for one quote; an empty name is left to the parser's error.
    fn quoted_identifier(&mut self, start: Location) -> Option<Ident> {
        self.bump();
        let mut value = String::new();
        loop {
            let run_start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' {
                    break;
                }
                self.bump();
            }
            value.push_str(&self.text[run_start..self.pos]);
            if !self.eat(b'"') {
                return None; // unterminated
            }
            if self.peek() == Some(b'"') {
                self.bump();
                value.push('"');
            } else {
                break;
            }
        }
        if value.is_empty() {
            return None;
        }
        Some(Ident {
            value,
            quote_style: Some('"'),
            span: Span::new(start, self.location()),
        })
    }

    /// `INSERT INTO name [(columns)] VALUES`, leaving the reader after VALUES.
    fn header(&mut self) -> Option<Header> {
        self.skip_whitespace();
        let insert_start = self.location();
        let insert_word = self.word()?;
        if !insert_word.eq_ignore_ascii_case("INSERT") {
            return None;
        }
        let insert_token = AttachedToken(TokenWithSpan::new(
            Token::Word(Word {
                value: insert_word.to_string(),
                quote_style: None,
                keyword: Keyword::INSERT,
            }),
            Span::new(insert_start, self.location()),
        ));
        self.skip_whitespace();
        if !self.word()?.eq_ignore_ascii_case("INTO") {
            return None;
        }
        self.skip_whitespace();
        let table = self.object_name()?;
        self.skip_whitespace();
        let mut columns = Vec::new();
        if self.eat(b'(') {
            loop {
                self.skip_whitespace();
                columns.push(ObjectName(vec![ObjectNamePart::Identifier(
                    self.identifier(NamePosition::Column)?,
                )]));
                self.skip_whitespace();
                if self.eat(b')') {
                    break;
                }
                if !self.eat(b',') {
                    return None;
                }
            }
            self.skip_whitespace();
        }
        if !self.word()?.eq_ignore_ascii_case("VALUES") {
            return None;
        }
        Some(Header {
            insert_token,
            table,
            columns,
        })
    }

    /// After the last row: an optional semicolon, then nothing but whitespace.
    fn end(&mut self) -> Option<()> {
        if self.eat(b';') {
            self.skip_whitespace();
        }
        self.at_end().then_some(())
    }

    /// How many more rows like the one that started at `row_start` the rest of the text
    /// holds, to size the row list once instead of growing it by copies.
    fn rows_left_estimate(&self, row_start: usize) -> usize {
        let row_bytes = (self.pos - row_start).max(1);
        (self.text.len() - self.pos) / row_bytes + 1
    }

    /// `(value, ...)`; `width_hint` is the previous row's width (0 for the first).
    fn row(&mut self, width_hint: usize) -> Option<Parens<Vec<Expr>>> {
        let open_start = self.location();
        if !self.eat(b'(') {
            return None;
        }
        let opening_token = AttachedToken(TokenWithSpan::new(
            Token::LParen,
            Span::new(open_start, self.location()),
        ));
        let mut content = Vec::with_capacity(width_hint);
        loop {
            self.skip_whitespace();
            content.push(self.value()?);
            self.skip_whitespace();
            let close_start = self.location();
            if self.eat(b')') {
                let closing_token = AttachedToken(TokenWithSpan::new(
                    Token::RParen,
                    Span::new(close_start, self.location()),
                ));
                return Some(Parens {
                    opening_token,
                    content,
                    closing_token,
                });
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }

    /// `(value, ...)`, its values appended to `cells`.
    fn literal_row(&mut self, cells: &mut Vec<Literal<'a>>) -> Option<()> {
        if !self.eat(b'(') {
            return None;
        }
        loop {
            self.skip_whitespace();
            cells.push(self.literal()?);
            self.skip_whitespace();
            if self.eat(b')') {
                return Some(());
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }

    /// One value of a row, as sqlparser's tree.
    fn value(&mut self) -> Option<Expr> {
        let start = self.location();
        let value = self.literal()?;
        let end = self.location();
        Some(match value {
            Literal::Null => literal(Value::Null, start, end),
            Literal::Bool(b) => literal(Value::Boolean(b), start, end),
            Literal::String(s) => literal(Value::SingleQuotedString(s.into_owned()), start, end),
            Literal::Placeholder(p) => literal(Value::Placeholder(p.to_string()), start, end),
            Literal::Number(n) => match n.strip_prefix('-') {
                // sqlparser reads `-1` as minus applied to the number after the sign.
                Some(digits) => {
                    let number_start = Location {
                        line: start.line,
                        column: start.column + 1,
                    };
                    Expr::UnaryOp {
                        op: UnaryOperator::Minus,
                        expr: Box::new(literal(
                            Value::Number(digits.to_string(), false),
                            number_start,
                            end,
                        )),
                    }
                }
                None => literal(Value::Number(n.to_string(), false), start, end),
            },
            Literal::Default(word) => Expr::Identifier(Ident {
                value: word.to_string(),
                quote_style: None,
                span: Span::new(start, end),
            }),
        })
    }

    /// One value of a row: a literal followed by what may end it.
    fn literal(&mut self) -> Option<Literal<'a>> {
        let value = match self.peek()? {
            b'\'' => Literal::String(self.string()?),
            b'0'..=b'9' => Literal::Number(self.number()?),
            b'-' => {
                let start = self.pos;
                self.bump();
                // A sign with a space after it is an operator the full parser reads.
                if !self.peek()?.is_ascii_digit() {
                    return None;
                }
                self.number()?;
                Literal::Number(&self.text[start..self.pos])
            }
            b'$' => {
                let start = self.pos;
                self.bump();
                self.digits()?;
                Literal::Placeholder(&self.text[start..self.pos])
            }
            _ => {
                let word = self.word()?;
                if word.eq_ignore_ascii_case("NULL") {
                    Literal::Null
                } else if word.eq_ignore_ascii_case("TRUE") {
                    Literal::Bool(true)
                } else if word.eq_ignore_ascii_case("FALSE") {
                    Literal::Bool(false)
                } else if word.eq_ignore_ascii_case("DEFAULT") {
                    Literal::Default(word)
                } else {
                    return None;
                }
            }
        };
        self.at_value_end().then_some(value)
    }

    /// `'...'` with `''` standing for one quote (standard_conforming_strings: backslashes are
    /// ordinary characters).
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.bump();
        let mut value = Cow::Borrowed("");
        loop {
            let run_start = self.pos;
            let run_len = memchr::memchr(b'\'', &self.text.as_bytes()[run_start..])?;
            self.skip_run(run_len);
            let run = &self.text[run_start..self.pos];
            if value.is_empty() {
                value = Cow::Borrowed(run);
            } else {
                value.to_mut().push_str(run);
            }
            if !self.eat(b'\'') {
                return None; // unterminated: the parser reports it
            }
            if self.peek() == Some(b'\'') {
                self.bump();
                value.to_mut().push('\'');
            } else {
                return Some(value);
            }
        }
    }

    /// `digits[.digits][e[+-]digits]`; other spellings (`1.`, `.5`, `1_000`, `0x1F`) are left
    /// to the full parser.
    fn number(&mut self) -> Option<&'a str> {
        let start = self.pos;
        self.digits()?;
        if self.eat(b'.') {
            self.digits()?;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.bump();
            if let Some(b'+' | b'-') = self.peek() {
                self.bump();
            }
            self.digits()?;
        }
        Some(&self.text[start..self.pos])
    }

    fn digits(&mut self) -> Option<()> {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.bump();
        }
        (self.pos > start).then_some(())
    }
}

/// Characters in UTF-8 bytes: the bytes that are not continuation bytes.
fn count_chars(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b & 0xC0 != 0x80).count() as u64
}

fn literal(value: Value, start: Location, end: Location) -> Expr {
    Expr::Value(ValueWithSpan {
        value,
        span: Span::new(start, end),
    })
}

fn is_keyword(word: &str) -> bool {
    let upper = word.to_ascii_uppercase();
    ALL_KEYWORDS.binary_search(&upper.as_str()).is_ok()
}

/// Keywords that sqlparser reads as a plain column name in an INSERT column list. The test
/// `every_keyword_as_a_name_matches_the_parser` checks this list against sqlparser: any
/// keyword it reads some other way must stay out.
fn column_keyword_is_plain(word: &str) -> bool {
    // Common column names that are sqlparser keywords; nothing reserved.
    const PLAIN: &[&str] = &[
        "ACTION",
        "AMOUNT",
        "CATEGORY",
        "CODE",
        "COMMENT",
        "CONTENT",
        "COUNT",
        "DATA",
        "DATE",
        "DAY",
        "DESCRIPTION",
        "EMAIL",
        "FIRST",
        "HOUR",
        "ID",
        "KEY",
        "LANGUAGE",
        "LAST",
        "LEVEL",
        "LOCATION",
        "MESSAGE",
        "MINUTE",
        "MONTH",
        "NAME",
        "OWNER",
        "PASSWORD",
        "POSITION",
        "PRICE",
        "PRIORITY",
        "SCORE",
        "SECOND",
        "SOURCE",
        "STATE",
        "STATUS",
        "TEXT",
        "TIME",
        "TIMESTAMP",
        "TITLE",
        "TYPE",
        "URL",
        "VALUE",
        "VERSION",
        "WEEK",
        "YEAR",
    ];
    let upper = word.to_ascii_uppercase();
    PLAIN.contains(&upper.as_str())
}

#[cfg(test)]
mod tests;
