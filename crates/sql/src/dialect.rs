//! EmbedDB's SQL dialect: sqlparser's PostgreSQL dialect, plus PostgreSQL's rule that some
//! keywords can follow a select-list expression only as `AS label`. sqlparser would read
//! `INSERT ... SELECT 'x', 1 ON CONFLICT ...` as the column label "on" and then fail at
//! CONFLICT (likewise `SELECT x WINDOW w AS (...)`); PostgreSQL's grammar (the keywords
//! marked AS_LABEL in kwlist.h) never takes them as bare labels. Likewise an INSERT target
//! takes an alias only after AS: sqlparser would read `INSERT INTO t VALUE (1)` as the alias
//! "value" and fail at the end of the input instead of at VALUE.

use std::any::TypeId;

use sqlparser::ast::{BinaryOperator, Expr, Statement};
use sqlparser::dialect::{BindPlaceholderStyle, Dialect, PostgreSqlDialect, Precedence};
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;

/// Keywords PostgreSQL accepts as a column label only after AS.
const AS_LABEL_ONLY: &[Keyword] = &[
    Keyword::ARRAY,
    Keyword::AS,
    Keyword::CHAR,
    Keyword::CHARACTER,
    Keyword::CREATE,
    Keyword::DAY,
    Keyword::EXCEPT,
    Keyword::FETCH,
    Keyword::FILTER,
    Keyword::FOR,
    Keyword::FROM,
    Keyword::GRANT,
    Keyword::GROUP,
    Keyword::HAVING,
    Keyword::HOUR,
    Keyword::INTERSECT,
    Keyword::INTO,
    Keyword::LIMIT,
    Keyword::MINUTE,
    Keyword::MONTH,
    Keyword::OFFSET,
    Keyword::ON,
    Keyword::ORDER,
    Keyword::OVER,
    Keyword::PRECISION,
    Keyword::RETURNING,
    Keyword::SECOND,
    Keyword::TO,
    Keyword::UNION,
    Keyword::VARYING,
    Keyword::WHERE,
    Keyword::WINDOW,
    Keyword::WITH,
    Keyword::WITHIN,
    Keyword::WITHOUT,
    Keyword::YEAR,
];

/// Words that may follow an INSERT target's name (`INSERT INTO t <word>`): an alias after AS,
/// or the start of the rest of the statement.
const AFTER_INSERT_TARGET: &[Keyword] = &[
    Keyword::AS,
    Keyword::DEFAULT,
    Keyword::OVERRIDING,
    Keyword::SELECT,
    Keyword::TABLE,
    Keyword::VALUES,
    Keyword::WITH,
];

/// The syntax error of a bare word after an INSERT statement's target table, which
/// PostgreSQL's grammar reports at that word (it takes an alias only after AS). Looks ahead
/// without consuming anything.
fn bare_insert_alias(parser: &Parser) -> Option<ParserError> {
    let word = |n: usize| match &parser.peek_nth_token_ref(n).token {
        Token::Word(w) => Some(w.keyword),
        _ => None,
    };
    if word(0) != Some(Keyword::INSERT) || word(1) != Some(Keyword::INTO) {
        return None;
    }
    // The target: name(.name)*.
    let mut n = 2;
    word(n)?;
    while parser.peek_nth_token_ref(n + 1).token == Token::Period {
        n += 2;
        word(n)?;
    }
    let next = parser.peek_nth_token_ref(n + 1);
    match &next.token {
        Token::Word(w) if w.quote_style.is_some() || !AFTER_INSERT_TARGET.contains(&w.keyword) => {
            let at = next.span.start;
            Some(ParserError::ParserError(format!(
                "Expected: VALUES or SELECT, found: {} at Line: {}, Column: {}",
                next.token, at.line, at.column
            )))
        }
        _ => None,
    }
}

/// PostgreSQL's dialect with PostgreSQL's column-label rule. It reports itself as
/// [`PostgreSqlDialect`], so the parser's PostgreSQL-specific paths apply to it.
#[derive(Debug, Default)]
pub struct EmbedDbDialect(PostgreSqlDialect);

impl EmbedDbDialect {
    pub const fn new() -> Self {
        EmbedDbDialect(PostgreSqlDialect {})
    }
}

/// Forwards dialect methods to the PostgreSQL dialect.
macro_rules! forward {
    ($($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        $(fn $name(&self, $($arg: $ty),*) -> $ret {
            self.0.$name($($arg),*)
        })*
    };
}

impl Dialect for EmbedDbDialect {
    fn dialect(&self) -> TypeId {
        TypeId::of::<PostgreSqlDialect>()
    }

    fn parse_statement(&self, parser: &mut Parser) -> Option<Result<Statement, ParserError>> {
        if let Some(err) = bare_insert_alias(parser) {
            return Some(Err(err));
        }
        crate::parser_maintenance::parse(parser)
    }

    fn is_select_item_alias(&self, explicit: bool, kw: &Keyword, parser: &mut Parser) -> bool {
        explicit || (!AS_LABEL_ONLY.contains(kw) && self.0.is_select_item_alias(false, kw, parser))
    }

    /// Number and string literals, read at once. sqlparser first tries every expression as
    /// the type name of a typed string (`DATE '2020-01-01'`), and for a literal that attempt
    /// fails after formatting an error message: 12% of the time of a 1,000-row INSERT went
    /// there. The result is the one sqlparser reaches after the failed attempt.
    fn parse_prefix(&self, parser: &mut Parser) -> Option<Result<Expr, ParserError>> {
        match parser.peek_token_ref().token {
            Token::Number(..) | Token::SingleQuotedString(_) => {
                Some(parser.parse_value().map(Expr::Value))
            }
            _ => None,
        }
    }

    /// `x [NOT] BETWEEN SYMMETRIC a AND b`, which sqlparser does not know, read as PostgreSQL's
    /// grammar does: `(x BETWEEN a AND b) OR (x BETWEEN b AND a)` (for NOT, both negated and
    /// joined by AND). ASYMMETRIC is the plain BETWEEN.
    fn parse_infix(
        &self,
        parser: &mut Parser,
        expr: &Expr,
        _precedence: u8,
    ) -> Option<Result<Expr, ParserError>> {
        if let Some(quantified) = parse_quantified_comparison(parser, expr) {
            return Some(quantified);
        }
        let (negated, symmetric) = if parser.parse_keywords(&[Keyword::BETWEEN, Keyword::SYMMETRIC])
        {
            (false, true)
        } else if parser.parse_keywords(&[Keyword::BETWEEN, Keyword::ASYMMETRIC]) {
            (false, false)
        } else if parser.parse_keywords(&[Keyword::NOT, Keyword::BETWEEN, Keyword::SYMMETRIC]) {
            (true, true)
        } else if parser.parse_keywords(&[Keyword::NOT, Keyword::BETWEEN, Keyword::ASYMMETRIC]) {
            (true, false)
        } else {
            return None;
        };
        let between = match parser.parse_between(expr.clone(), negated) {
            Ok(b) => b,
            Err(e) => return Some(Err(e)),
        };
        if !symmetric {
            return Some(Ok(between));
        }
        let Expr::Between { low, high, .. } = &between else {
            return Some(Ok(between));
        };
        let swapped = Expr::Between {
            expr: Box::new(expr.clone()),
            negated,
            low: high.clone(),
            high: low.clone(),
        };
        let op = if negated {
            BinaryOperator::And
        } else {
            BinaryOperator::Or
        };
        Some(Ok(Expr::Nested(Box::new(Expr::BinaryOp {
            left: Box::new(Expr::Nested(Box::new(between))),
            op,
            right: Box::new(Expr::Nested(Box::new(swapped))),
        }))))
    }

    // Every method sqlparser's PostgreSqlDialect overrides (sqlparser 0.64); the others keep
    // the trait's defaults, as they do for PostgreSqlDialect.
    forward! {
    supports_cte_materialization() -> bool;
    identifier_quote_style(identifier: &str) -> Option<char>;
    ordered_bind_placeholder_style() -> Option<BindPlaceholderStyle>;
    is_delimited_identifier_start(ch: char) -> bool;
    is_identifier_start(ch: char) -> bool;
    is_identifier_part(ch: char) -> bool;
    supports_unicode_string_literal() -> bool;
    is_reserved_for_identifier(kw: Keyword) -> bool;
    is_table_alias(kw: &Keyword, parser: &mut Parser) -> bool;
    supports_string_literal_column_alias(explicit: bool) -> bool;
    supports_string_literal_table_alias(explicit: bool) -> bool;
    is_custom_operator_part(ch: char) -> bool;
    get_next_precedence(parser: &Parser) -> Option<Result<u8, ParserError>>;
    supports_filter_during_aggregation() -> bool;
    supports_group_by_expr() -> bool;
    supports_drop_group() -> bool;
    supports_alter_user_as_alter_role() -> bool;
    supports_create_group() -> bool;
    supports_create_role_if_not_exists() -> bool;
    prec_value(prec: Precedence) -> u8;
    allow_extract_custom() -> bool;
    allow_extract_single_quotes() -> bool;
    supports_create_index_with_clause() -> bool;
    supports_sql_option_without_value() -> bool;
    supports_explain_with_utility_options() -> bool;
    supports_listen_notify() -> bool;
    supports_exclude_constraint() -> bool;
    supports_factorial_operator() -> bool;
    supports_bitwise_shift_operators() -> bool;
    supports_tilde_like_match_operator() -> bool;
    supports_comparison_in_between_low_bound() -> bool;
    supports_comment_on() -> bool;
    supports_load_extension() -> bool;
    supports_named_fn_args_with_colon_operator() -> bool;
    supports_named_fn_args_with_expr_name() -> bool;
    supports_named_fn_args_with_assignment_operator() -> bool;
    supports_empty_projections() -> bool;
    supports_nested_comments() -> bool;
    supports_copy_from_stdin_data() -> bool;
    supports_string_escape_constant() -> bool;
    supports_numeric_literal_underscores() -> bool;
    supports_non_decimal_integer_literals() -> bool;
    supports_array_typedef_with_brackets() -> bool;
    supports_geometric_types() -> bool;
    supports_order_by_using_operator() -> bool;
    supports_set_names() -> bool;
    supports_alter_column_type_using() -> bool;
    supports_left_associative_joins_without_parens() -> bool;
    supports_notnull_operator() -> bool;
    supports_interval_options() -> bool;
    is_interval_qualifier(kw: Keyword) -> bool;
    supports_insert_table_alias() -> bool;
    supports_create_table_like_parenthesized() -> bool;
    supports_select_wildcard_with_alias() -> bool;
    supports_comma_separated_trim() -> bool;
    supports_xml_expressions() -> bool;
    is_custom_type_typed_string(first_keyword: Keyword, qualified: bool) -> bool;
    supports_aliased_function_args() -> bool;
    supports_comment_optimizer_hint() -> bool;
    supports_add_column_if_not_exists() -> bool;
    supports_attach_partition_of() -> bool;
    supports_detach_partition_of() -> bool;
    supports_table_inheritance_markers() -> bool;
    supports_column_generic_options() -> bool;
    }
}

/// The comparison operators that take ANY/SOME/ALL, by their token.
fn quantifiable_operator(token: &Token) -> Option<BinaryOperator> {
    Some(match token {
        Token::Eq => BinaryOperator::Eq,
        Token::Neq => BinaryOperator::NotEq,
        Token::Lt => BinaryOperator::Lt,
        Token::Gt => BinaryOperator::Gt,
        Token::LtEq => BinaryOperator::LtEq,
        Token::GtEq => BinaryOperator::GtEq,
        Token::Tilde => BinaryOperator::PGRegexMatch,
        Token::TildeAsterisk => BinaryOperator::PGRegexIMatch,
        Token::ExclamationMarkTilde => BinaryOperator::PGRegexNotMatch,
        Token::ExclamationMarkTildeAsterisk => BinaryOperator::PGRegexNotIMatch,
        Token::DoubleTilde => BinaryOperator::PGLikeMatch,
        Token::DoubleTildeAsterisk => BinaryOperator::PGILikeMatch,
        Token::ExclamationMarkDoubleTilde => BinaryOperator::PGNotLikeMatch,
        Token::ExclamationMarkDoubleTildeAsterisk => BinaryOperator::PGNotILikeMatch,
        _ => return None,
    })
}

/// `x op ANY|SOME|ALL (...)` read as PostgreSQL's grammar reads it: one expression, whose
/// parentheses hold either a query (`select_with_parens`, which includes a parenthesized set
/// operation such as `((SELECT 1) EXCEPT (SELECT 2))`) or any expression (an array). sqlparser
/// takes a subquery only when SELECT or WITH follows the parenthesis, and parses what follows
/// it with the operator's precedence, so `1 <> ANY (SELECT 2) IN (true)` would apply IN to
/// the subquery. None when the next tokens are not such a comparison.
fn parse_quantified_comparison(
    parser: &mut Parser,
    left: &Expr,
) -> Option<Result<Expr, ParserError>> {
    let op = quantifiable_operator(&parser.peek_token_ref().token)?;
    let keyword = match &parser.peek_nth_token_ref(1).token {
        Token::Word(w) if w.quote_style.is_none() => w.keyword,
        _ => return None,
    };
    if !matches!(keyword, Keyword::ANY | Keyword::SOME | Keyword::ALL)
        || parser.peek_nth_token_ref(2).token != Token::LParen
    {
        return None;
    }
    for _ in 0..3 {
        parser.next_token();
    }
    let subquery = parser.maybe_parse(|p| {
        let query = p.parse_query()?;
        p.expect_token(&Token::RParen)?;
        Ok(query)
    });
    let right = match subquery {
        Ok(Some(query)) => Expr::Subquery(query),
        Ok(None) => {
            let inner = parser.parse_expr().and_then(|e| {
                parser.expect_token(&Token::RParen)?;
                Ok(e)
            });
            match inner {
                Ok(e) => e,
                Err(e) => return Some(Err(e)),
            }
        }
        Err(e) => return Some(Err(e)),
    };
    let (left, right) = (Box::new(left.clone()), Box::new(right));
    Some(Ok(match keyword {
        Keyword::ALL => Expr::AllOp {
            left,
            compare_op: op,
            right,
        },
        _ => Expr::AnyOp {
            left,
            compare_op: op,
            right,
            is_some: keyword == Keyword::SOME,
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_as_the_postgresql_dialect() {
        let dialect = EmbedDbDialect::default();
        let d: &dyn Dialect = &dialect;
        assert!(d.is::<PostgreSqlDialect>());
    }

    #[test]
    fn an_insert_target_takes_an_alias_only_after_as() {
        let err = crate::parser::parse("INSERT INTO t VALUE (1)").unwrap_err();
        assert_eq!(err.message, "syntax error at or near \"VALUE\"");
        assert_eq!(err.position, Some(15));
        let err = crate::parser::parse("INSERT INTO s.t foo VALUES (1)").unwrap_err();
        assert_eq!(err.message, "syntax error at or near \"foo\"");
        for ok in [
            "INSERT INTO t VALUES (1)",
            "INSERT INTO t AS x VALUES (1)",
            "INSERT INTO s.t (a) SELECT 1",
            "INSERT INTO t DEFAULT VALUES",
            "INSERT INTO t OVERRIDING SYSTEM VALUE VALUES (1)",
            "INSERT INTO t WITH c AS (SELECT 1) SELECT * FROM c",
        ] {
            assert!(crate::parser::parse(ok).is_ok(), "{ok}");
        }
    }
}
