//! `CHECKPOINT` and `VACUUM` in PostgreSQL's grammar. sqlparser has no CHECKPOINT and reads
//! VACUUM in Redshift's grammar, so EmbedDB's dialect hands both statements here before
//! sqlparser sees them (`EmbedDbDialect::parse_statement`), and they travel in sqlparser's tree:
//!
//! - VACUUM as `Statement::Vacuum`: `full` and `table_name` carry what EmbedDB acts on.
//!   PostgreSQL's other options are checked as PostgreSQL checks them and then change nothing
//!   here (FREEZE, VERBOSE, ANALYZE, ... have no counterpart in an LSM engine); the Redshift
//!   fields stay unset.
//! - CHECKPOINT as `Statement::Flush` with `FlushType::Logs` ([`checkpoint_statement`]), which
//!   sqlparser itself reads only for MySQL, so nothing else in EmbedDB's dialect makes one.
//!
//! What PostgreSQL accepts and EmbedDB does not: several tables in one VACUUM, and a column
//! list (PostgreSQL analyzes just those columns; EmbedDB's ANALYZE has nothing to collect).
//! Both are refused with 0A000 rather than silently narrowed.

use sqlparser::ast::{FlushType, ObjectName, Statement, VacuumStatement};
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;

use embeddb_types::SqlState;

use crate::parser::statement_error;

/// The most parallel workers PostgreSQL's `VACUUM (PARALLEL n)` accepts (`MAX_PARALLEL_WORKER_LIMIT`).
const MAX_PARALLEL_WORKERS: i64 = 1024;

/// The old-style options, which PostgreSQL reserves (a table cannot be named by them bare).
const OPTION_WORDS: [Keyword; 4] = [
    Keyword::FULL,
    Keyword::FREEZE,
    Keyword::VERBOSE,
    Keyword::ANALYZE,
];

/// Parses the statement at the parser's position if it is CHECKPOINT or VACUUM; None leaves
/// it to sqlparser.
pub(crate) fn parse(parser: &mut Parser) -> Option<Result<Statement, ParserError>> {
    match &parser.peek_token_ref().token {
        Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("checkpoint") => {
            parser.next_token();
            Some(Ok(checkpoint_statement()))
        }
        Token::Word(w) if w.keyword == Keyword::VACUUM => {
            parser.next_token();
            Some(parse_vacuum(parser))
        }
        _ => None,
    }
}

/// The tree CHECKPOINT travels as (see the module comment).
pub(crate) fn checkpoint_statement() -> Statement {
    Statement::Flush {
        object_type: FlushType::Logs,
        location: None,
        channel: None,
        read_lock: false,
        export: false,
        tables: Vec::new(),
    }
}

/// Whether a parsed statement is CHECKPOINT.
pub(crate) fn is_checkpoint(statement: &Statement) -> bool {
    *statement == checkpoint_statement()
}

/// What a VACUUM asks for, as far as EmbedDB acts on it.
#[derive(Default)]
struct VacuumOptions {
    full: bool,
    analyze: bool,
    disable_page_skipping: bool,
    /// `PARALLEL n`, when given.
    parallel_workers: Option<i64>,
}

/// After the VACUUM keyword:
/// `[ ( option [value] [, ...] ) ] | [ FULL ] [ FREEZE ] [ VERBOSE ] [ ANALYZE ]`, then an
/// optional table and column list.
fn parse_vacuum(parser: &mut Parser) -> Result<Statement, ParserError> {
    let options = if parser.consume_token(&Token::LParen) {
        parse_option_list(parser)?
    } else {
        let full = parser.parse_keyword(Keyword::FULL);
        // Read in PostgreSQL's order; neither changes what EmbedDB does.
        let _freeze = parser.parse_keyword(Keyword::FREEZE);
        let _verbose = parser.parse_keyword(Keyword::VERBOSE);
        let analyze = parse_analyze_keyword(parser);
        VacuumOptions {
            full,
            analyze,
            ..VacuumOptions::default()
        }
    };
    if options.full && options.parallel_workers.is_some_and(|n| n > 0) {
        return Err(statement_error(
            SqlState::FEATURE_NOT_SUPPORTED,
            "VACUUM FULL cannot be performed in parallel",
            None,
        ));
    }
    if options.full && options.disable_page_skipping {
        return Err(statement_error(
            SqlState::FEATURE_NOT_SUPPORTED,
            "VACUUM option DISABLE_PAGE_SKIPPING cannot be used with FULL",
            None,
        ));
    }
    let table_name = parse_table(parser, &options)?;
    Ok(Statement::Vacuum(VacuumStatement {
        full: options.full,
        sort_only: false,
        delete_only: false,
        reindex: false,
        recluster: false,
        table_name,
        threshold: None,
        boost: false,
    }))
}

/// ANALYZE, or PostgreSQL's British spelling ANALYSE.
fn parse_analyze_keyword(parser: &mut Parser) -> bool {
    match &parser.peek_token_ref().token {
        Token::Word(w)
            if w.quote_style.is_none()
                && (w.keyword == Keyword::ANALYZE || w.value.eq_ignore_ascii_case("analyse")) =>
        {
            parser.next_token();
            true
        }
        _ => false,
    }
}

/// The optional table and column list that end a VACUUM.
fn parse_table(
    parser: &mut Parser,
    options: &VacuumOptions,
) -> Result<Option<ObjectName>, ParserError> {
    match &parser.peek_token_ref().token {
        Token::EOF | Token::SemiColon => return Ok(None),
        // Keywords PostgreSQL reserves from table names: an option out of its place.
        Token::Word(w) if w.quote_style.is_none() && OPTION_WORDS.contains(&w.keyword) => {
            let found = parser.next_token();
            return parser.expected("a table name", found);
        }
        _ => {}
    }
    let name = parser.parse_object_name(false)?;
    if parser.consume_token(&Token::LParen) {
        // Read the list first, so a malformed one is a syntax error as in PostgreSQL.
        loop {
            parser.parse_identifier()?;
            if !parser.consume_token(&Token::Comma) {
                break;
            }
        }
        parser.expect_token(&Token::RParen)?;
        return Err(statement_error(
            SqlState::FEATURE_NOT_SUPPORTED,
            if options.analyze {
                "VACUUM ANALYZE of a column list is not supported; run VACUUM and then ANALYZE with the columns"
            } else {
                "ANALYZE option must be specified when a column list is provided"
            },
            None,
        ));
    }
    if parser.peek_token_ref().token == Token::Comma {
        return Err(statement_error(
            SqlState::FEATURE_NOT_SUPPORTED,
            "VACUUM of several tables in one statement is not supported; vacuum each table in its own statement",
            None,
        ));
    }
    Ok(Some(name))
}

/// `option [value] [, ...] )`, after the opening parenthesis.
fn parse_option_list(parser: &mut Parser) -> Result<VacuumOptions, ParserError> {
    let mut options = VacuumOptions::default();
    loop {
        let name_token = parser.next_token();
        let Token::Word(word) = &name_token.token else {
            return parser.expected("a VACUUM option", name_token);
        };
        let name = word.value.to_ascii_lowercase();
        let at = name_token.span.start;
        let value = parse_option_value(parser);
        match name.as_str() {
            "full" => options.full = boolean_option(&name, value.as_ref())?,
            "analyze" | "analyse" => options.analyze = boolean_option(&name, value.as_ref())?,
            "disable_page_skipping" => {
                options.disable_page_skipping = boolean_option(&name, value.as_ref())?
            }
            "freeze" | "verbose" | "skip_locked" | "process_toast" | "truncate" => {
                boolean_option(&name, value.as_ref())?;
            }
            "index_cleanup" => match &value {
                Some(OptionValue::Word(w)) if w.eq_ignore_ascii_case("auto") => {}
                _ => {
                    boolean_option(&name, value.as_ref())?;
                }
            },
            "parallel" => {
                let workers = match value {
                    Some(OptionValue::Number(n)) => n.parse::<i64>().ok(),
                    _ => None,
                };
                match workers {
                    Some(n) if (0..=MAX_PARALLEL_WORKERS).contains(&n) => {
                        options.parallel_workers = Some(n)
                    }
                    _ => {
                        return Err(statement_error(
                            SqlState::SYNTAX_ERROR,
                            &format!(
                                "parallel option requires a value between 0 and {MAX_PARALLEL_WORKERS}"
                            ),
                            Some(at),
                        ));
                    }
                }
            }
            _ => {
                return Err(statement_error(
                    SqlState::SYNTAX_ERROR,
                    &format!("unrecognized VACUUM option \"{name}\""),
                    Some(at),
                ));
            }
        }
        if parser.consume_token(&Token::Comma) {
            continue;
        }
        parser.expect_token(&Token::RParen)?;
        return Ok(options);
    }
}

/// An option's argument as written.
enum OptionValue {
    Word(String),
    Number(String),
}

/// The argument after an option name, if there is one (a word, a string or a number).
fn parse_option_value(parser: &mut Parser) -> Option<OptionValue> {
    let value = match &parser.peek_token_ref().token {
        Token::Word(w) => OptionValue::Word(w.value.clone()),
        Token::SingleQuotedString(s) => OptionValue::Word(s.clone()),
        Token::Number(n, _) => OptionValue::Number(n.clone()),
        _ => return None,
    };
    parser.next_token();
    Some(value)
}

/// A Boolean option's value as PostgreSQL's `defGetBoolean` reads it: none means true; 0 and
/// 1; true, false, on, off (any case).
fn boolean_option(name: &str, value: Option<&OptionValue>) -> Result<bool, ParserError> {
    let parsed = match value {
        None => Some(true),
        Some(OptionValue::Number(n)) => match n.as_str() {
            "0" => Some(false),
            "1" => Some(true),
            _ => None,
        },
        Some(OptionValue::Word(w)) => match w.to_ascii_lowercase().as_str() {
            "true" | "on" => Some(true),
            "false" | "off" => Some(false),
            _ => None,
        },
    };
    parsed.ok_or_else(|| {
        statement_error(
            SqlState::SYNTAX_ERROR,
            &format!("{name} requires a Boolean value"),
            None,
        )
    })
}

#[cfg(test)]
mod tests {
    use crate::parser::parse;
    use embeddb_types::SqlState;
    use sqlparser::ast::Statement;

    fn vacuum(sql: &str) -> (bool, Option<String>) {
        match parse(sql).expect(sql).pop() {
            Some(Statement::Vacuum(v)) => (v.full, v.table_name.map(|n| n.to_string())),
            other => panic!("{sql}: {other:?}"),
        }
    }

    #[test]
    fn checkpoint_is_its_own_statement() {
        let statements = parse("CHECKPOINT; checkpoint").expect("parses");
        assert_eq!(statements.len(), 2);
        assert!(statements.iter().all(super::is_checkpoint));
        let err = parse("CHECKPOINT now").expect_err("trailing word");
        assert_eq!(err.message, "syntax error at or near \"now\"");
        // A quoted "checkpoint" is an identifier, not the statement.
        assert!(parse("\"checkpoint\"").is_err());
    }

    #[test]
    fn vacuum_reads_both_option_forms() {
        assert_eq!(vacuum("VACUUM"), (false, None));
        assert_eq!(vacuum("vacuum full t"), (true, Some("t".into())));
        assert_eq!(
            vacuum("VACUUM FULL FREEZE VERBOSE ANALYSE s.t"),
            (true, Some("s.t".into()))
        );
        assert!(vacuum("VACUUM (full, verbose on, parallel 0) t").0);
        assert!(!vacuum("VACUUM (FULL false, INDEX_CLEANUP auto) t").0);
        assert_eq!(vacuum("VACUUM (ANALYZE 1, TRUNCATE 'off')").1, None);
    }

    #[test]
    fn vacuum_errors_are_postgresqls() {
        let cases = [
            (
                "VACUUM (foo) t",
                SqlState::SYNTAX_ERROR,
                "unrecognized VACUUM option \"foo\"",
                Some(9),
            ),
            (
                "VACUUM (FULL 3) t",
                SqlState::SYNTAX_ERROR,
                "full requires a Boolean value",
                None,
            ),
            (
                "VACUUM (PARALLEL) t",
                SqlState::SYNTAX_ERROR,
                "parallel option requires a value between 0 and 1024",
                Some(9),
            ),
            (
                "VACUUM (FULL, PARALLEL 2) t",
                SqlState::FEATURE_NOT_SUPPORTED,
                "VACUUM FULL cannot be performed in parallel",
                None,
            ),
            (
                "VACUUM t (a)",
                SqlState::FEATURE_NOT_SUPPORTED,
                "ANALYZE option must be specified when a column list is provided",
                None,
            ),
            (
                "VACUUM ()",
                SqlState::SYNTAX_ERROR,
                "syntax error at or near \")\"",
                Some(9),
            ),
            (
                "VACUUM ANALYZE VERBOSE t",
                SqlState::SYNTAX_ERROR,
                "syntax error at or near \"VERBOSE\"",
                Some(16),
            ),
        ];
        for (sql, state, message, position) in cases {
            let err = parse(sql).expect_err(sql);
            assert_eq!(
                (err.code, err.message.as_str(), err.position),
                (state, message, position),
                "{sql}"
            );
        }
    }
}
