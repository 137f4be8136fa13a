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
    r.skip_whitespace();
    let insert_start = r.location();
    let insert_word = r.word()?;
    if !insert_word.eq_ignore_ascii_case("INSERT") {
        return None;
    }
    let insert_token = AttachedToken(TokenWithSpan::new(
        Token::Word(Word {
            value: insert_word.to_string(),
            quote_style: None,
            keyword: Keyword::INSERT,
        }),
        Span::new(insert_start, r.location()),
    ));
    r.skip_whitespace();
    if !r.word()?.eq_ignore_ascii_case("INTO") {
        return None;
    }
    r.skip_whitespace();
    let table = r.object_name()?;
    r.skip_whitespace();
    let mut columns = Vec::new();
    if r.eat(b'(') {
        loop {
            r.skip_whitespace();
            columns.push(ObjectName(vec![ObjectNamePart::Identifier(
                r.identifier(NamePosition::Column)?,
            )]));
            r.skip_whitespace();
            if r.eat(b')') {
                break;
            }
            if !r.eat(b',') {
                return None;
            }
        }
        r.skip_whitespace();
    }
    if !r.word()?.eq_ignore_ascii_case("VALUES") {
        return None;
    }
    let mut rows = Vec::new();
    loop {
        r.skip_whitespace();
        rows.push(r.row()?);
        r.skip_whitespace();
        if !r.eat(b',') {
            break;
        }
    }
    if r.eat(b';') {
        r.skip_whitespace();
    }
    if !r.at_end() {
        return None;
    }
    Some(Statement::Insert(insert_statement(
        insert_token,
        table,
        columns,
        rows,
    )))
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

    /// `(value, ...)`.
    fn row(&mut self) -> Option<Parens<Vec<Expr>>> {
        let open_start = self.location();
        if !self.eat(b'(') {
            return None;
        }
        let opening_token = AttachedToken(TokenWithSpan::new(
            Token::LParen,
            Span::new(open_start, self.location()),
        ));
        let mut content = Vec::new();
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

    /// One literal value of a row.
    fn value(&mut self) -> Option<Expr> {
        let start = self.location();
        let expr = match self.peek()? {
            b'\'' => {
                let s = self.string()?;
                literal(Value::SingleQuotedString(s), start, self.location())
            }
            b'0'..=b'9' => {
                let n = self.number()?;
                literal(Value::Number(n, false), start, self.location())
            }
            b'-' => {
                self.bump();
                let number_start = self.location();
                if !self.peek()?.is_ascii_digit() {
                    return None;
                }
                let n = self.number()?;
                Expr::UnaryOp {
                    op: UnaryOperator::Minus,
                    expr: Box::new(literal(
                        Value::Number(n, false),
                        number_start,
                        self.location(),
                    )),
                }
            }
            b'$' => {
                self.bump();
                let digits_start = self.pos;
                while self.peek().is_some_and(|b| b.is_ascii_digit()) {
                    self.bump();
                }
                if self.pos == digits_start {
                    return None;
                }
                let text = self.text[digits_start - 1..self.pos].to_string();
                literal(Value::Placeholder(text), start, self.location())
            }
            _ => {
                let word = self.word()?;
                let end = self.location();
                if word.eq_ignore_ascii_case("NULL") {
                    literal(Value::Null, start, end)
                } else if word.eq_ignore_ascii_case("TRUE") {
                    literal(Value::Boolean(true), start, end)
                } else if word.eq_ignore_ascii_case("FALSE") {
                    literal(Value::Boolean(false), start, end)
                } else if word.eq_ignore_ascii_case("DEFAULT") {
                    Expr::Identifier(Ident {
                        value: word.to_string(),
                        quote_style: None,
                        span: Span::new(start, end),
                    })
                } else {
                    return None;
                }
            }
        };
        self.at_value_end().then_some(expr)
    }

    /// `'...'` with `''` standing for one quote (standard_conforming_strings: backslashes are
    /// ordinary characters).
    fn string(&mut self) -> Option<String> {
        self.bump();
        let mut value = String::new();
        loop {
            let run_start = self.pos;
            let run_len = memchr::memchr(b'\'', &self.text.as_bytes()[run_start..])?;
            self.skip_run(run_len);
            value.push_str(&self.text[run_start..self.pos]);
            if !self.eat(b'\'') {
                return None; // unterminated: the parser reports it
            }
            if self.peek() == Some(b'\'') {
                self.bump();
                value.push('\'');
            } else {
                return Some(value);
            }
        }
    }

    /// `digits[.digits][e[+-]digits]`; other spellings (`1.`, `.5`, `1_000`, `0x1F`) are left
    /// to the full parser.
    fn number(&mut self) -> Option<String> {
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
        Some(self.text[start..self.pos].to_string())
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
