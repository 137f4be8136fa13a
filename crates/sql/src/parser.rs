//! SQL text to sqlparser's AST, with syntax errors reported as PostgreSQL reports them:
//! `syntax error at or near "x"` (42601) with the character position.

use crate::dialect::EmbedDbDialect;
use sqlparser::ast::Statement;
use sqlparser::parser::{Parser, ParserError, ParserOptions};
use sqlparser::tokenizer::{Location, Span};

use embeddb_types::{SqlError, SqlResult, SqlState};

/// How deeply expressions may nest before parsing stops with an error (instead of overflowing
/// the stack of the thread running the statement).
const MAX_PARSE_DEPTH: usize = 200;

/// PostgreSQL's dialect with EmbedDB's corrections (see `crate::dialect`).
static DIALECT: EmbedDbDialect = EmbedDbDialect::new();

pub(crate) fn new_parser() -> Parser<'static> {
    Parser::new(&DIALECT)
        .with_recursion_limit(MAX_PARSE_DEPTH)
        .with_options(ParserOptions::new().with_trailing_commas(false))
}

/// Parses every statement in the text; nothing runs if any of them fails to parse, as in
/// PostgreSQL's simple query protocol.
pub fn parse(sql: &str) -> SqlResult<Vec<Statement>> {
    if let Some(insert) = crate::parser_insert::parse_literal_insert(sql) {
        return Ok(vec![insert]);
    }
    if let Some(result) =
        crate::parser_subscript::parse_with_subscripted_targets(&DIALECT, sql, &new_parser)
    {
        return result.map_err(|e| parse_error(sql, e));
    }
    if let Some(result) =
        crate::parser_frame::parse_with_frame_exclusions(&DIALECT, sql, &new_parser)
    {
        return result.map_err(|e| parse_error(sql, e));
    }
    new_parser()
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_statements())
        .map_err(|e| parse_error(sql, e))
}

/// Marks a [`ParserError`] that carries a complete PostgreSQL error (see [`statement_error`]).
const STATEMENT_ERROR_MARK: &str = "\u{1}sqlstate:";

/// A parse error with PostgreSQL's own SQLSTATE and message (`unrecognized VACUUM option
/// "foo"`) instead of a syntax error built from the token found; `at` gives its position.
pub(crate) fn statement_error(state: SqlState, message: &str, at: Option<Location>) -> ParserError {
    let location = at.map_or(String::new(), |l| {
        format!(" at Line: {}, Column: {}", l.line, l.column)
    });
    ParserError::ParserError(format!(
        "{STATEMENT_ERROR_MARK}{}:{message}{location}",
        state.code()
    ))
}

/// The error [`statement_error`] encoded, if `message` is one.
fn decode_statement_error(sql: &str, message: &str) -> Option<SqlError> {
    let rest = message.strip_prefix(STATEMENT_ERROR_MARK)?;
    let (code, text) = rest.split_once(':')?;
    let state = [SqlState::SYNTAX_ERROR, SqlState::FEATURE_NOT_SUPPORTED]
        .into_iter()
        .find(|s| s.code() == code)?;
    let (text, location) = split_location(text);
    let mut error = SqlError::new(state, text);
    if let Some(position) = location.and_then(|l| char_position(sql, l)) {
        error = error.with_position(position);
    }
    Some(error)
}

fn parse_error(sql: &str, err: ParserError) -> SqlError {
    if let ParserError::ParserError(message) = &err
        && let Some(error) = decode_statement_error(sql, message)
    {
        return error;
    }
    match err {
        ParserError::RecursionLimitExceeded => SqlError::new(
            SqlState::STATEMENT_TOO_COMPLEX,
            "stack depth limit exceeded",
        )
        .with_hint("The statement nests expressions too deeply."),
        ParserError::TokenizerError(message) => {
            let (text, location) = split_location(&message);
            let position = location.and_then(|l| char_position(sql, l));
            let mut error = match position {
                // PostgreSQL quotes the rest of the input from the opening quote.
                Some(p) if text.contains("Unterminated string literal") => {
                    let rest: String = sql.chars().skip(p as usize - 1).collect();
                    SqlError::syntax(format!("unterminated quoted string at or near \"{rest}\""))
                }
                _ => SqlError::syntax(tokenizer_message(text)),
            };
            if let Some(position) = position {
                error = error.with_position(position);
            }
            error
        }
        ParserError::ParserError(message) => {
            let (text, location) = split_location(&message);
            let position = location.and_then(|l| char_position(sql, l));
            let near = text
                .split_once("found: ")
                .map(|(_, found)| found.trim().to_string());
            let message = match near.as_deref() {
                Some("EOF") | None if position.is_none() || near.is_some() => {
                    "syntax error at end of input".to_string()
                }
                Some(token) => format!("syntax error at or near \"{}\"", unquote_token(token)),
                None => format!("syntax error: {text}"),
            };
            let position = position.or_else(|| Some(sql.chars().count() as u32 + 1));
            let mut error = SqlError::syntax(message);
            if let Some(p) = position {
                error = error.with_position(p);
            }
            error
        }
    }
}

fn tokenizer_message(text: &str) -> String {
    if text.contains("Unterminated string literal") {
        "unterminated quoted string at or near \"'\"".to_string()
    } else if text.contains("Unterminated dollar-quoted") {
        "unterminated dollar-quoted string".to_string()
    } else {
        format!("syntax error: {text}")
    }
}

/// sqlparser prints some tokens quoted (`'abc'`, `"id"`); PostgreSQL prints them bare.
fn unquote_token(token: &str) -> String {
    token.to_string()
}

/// Splits `"... at Line: 1, Column: 8"` into the text and the location.
fn split_location(message: &str) -> (&str, Option<Location>) {
    let Some(idx) = message.rfind(" at Line: ") else {
        return (message, None);
    };
    let (text, rest) = message.split_at(idx);
    let rest = &rest[" at Line: ".len()..];
    let mut parts = rest.split(", Column: ");
    let line = parts.next().and_then(|l| l.trim().parse::<u64>().ok());
    let column = parts.next().and_then(|c| c.trim().parse::<u64>().ok());
    match (line, column) {
        (Some(line), Some(column)) => (text, Some(Location { line, column })),
        _ => (message, None),
    }
}

/// The 1-based character position of a line/column location in the statement text.
pub fn char_position(sql: &str, location: Location) -> Option<u32> {
    if location.line == 0 {
        return None;
    }
    let mut position: u32 = 1;
    let mut line = 1u64;
    let mut column = 1u64;
    for ch in sql.chars() {
        if line == location.line && column == location.column {
            return Some(position);
        }
        if ch == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
        position += 1;
    }
    if line == location.line && column == location.column {
        return Some(position);
    }
    None
}

/// The character position where a node's span starts, for error positions.
pub fn span_position(sql: &str, span: Span) -> Option<u32> {
    char_position(sql, span.start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_name_the_token_and_position() {
        let err = parse("SELECT 1 FROM WHERE").unwrap_err();
        assert_eq!(err.code, SqlState::SYNTAX_ERROR);
        assert_eq!(err.message, "syntax error at or near \"WHERE\"");
        assert_eq!(err.position, Some(15));
    }

    #[test]
    fn syntax_error_at_end_of_input() {
        let err = parse("SELECT 1 +").unwrap_err();
        assert_eq!(err.message, "syntax error at end of input");
    }

    #[test]
    fn reserved_keywords_are_not_bare_column_labels() {
        // `1 ON` must not read as a column labelled "on".
        let sql = "INSERT INTO c SELECT 'x', 1 UNION ALL SELECT 'y', 2 ON CONFLICT (n) DO NOTHING";
        assert!(parse(sql).is_ok());
        assert!(parse("SELECT 1 year").is_err());
        assert!(parse("SELECT 1 AS year, 2 then").is_ok());
    }

    #[test]
    fn several_statements_parse_together() {
        assert_eq!(parse("SELECT 1; SELECT 2;").unwrap().len(), 2);
        assert!(parse("SELECT 1; SELEC 2").is_err());
    }
}
