//! Window frame exclusion (`ROWS BETWEEN ... EXCLUDE CURRENT ROW | GROUP | TIES | NO OTHERS`):
//! sqlparser's frame grammar has no exclusion clause, so the clause is cut out of the token
//! stream before parsing and its meaning moved into the window's PARTITION BY list as a call
//! of [`EXCLUSION_MARKER`] (a form PostgreSQL's grammar never produces there, since the name
//! is not a function). The binder takes it out again with [`take_exclusion`].

use sqlparser::ast::{self, Statement};
use sqlparser::dialect::Dialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, TokenWithSpan, Whitespace, Word};

pub use crate::plan::FrameExclusion;

/// The function name the exclusion travels under, from the parser to the binder.
pub(crate) const EXCLUSION_MARKER: &str = "embeddb_frame_exclusion";

/// How an exclusion is spelled in the marker call.
impl FrameExclusion {
    fn code(self) -> u8 {
        match self {
            FrameExclusion::NoOthers => 0,
            FrameExclusion::CurrentRow => 1,
            FrameExclusion::Group => 2,
            FrameExclusion::Ties => 3,
        }
    }

    fn from_code(code: &str) -> Option<FrameExclusion> {
        Some(match code {
            "0" => FrameExclusion::NoOthers,
            "1" => FrameExclusion::CurrentRow,
            "2" => FrameExclusion::Group,
            "3" => FrameExclusion::Ties,
            _ => return None,
        })
    }
}

fn is_keyword(t: &Token, k: Keyword) -> bool {
    matches!(t, Token::Word(w) if w.keyword == k && w.quote_style.is_none())
}

/// An unquoted word that sqlparser has no keyword for.
fn is_word(t: &Token, text: &str) -> bool {
    matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(text))
}

fn word(value: &str, keyword: Keyword) -> Token {
    Token::Word(Word {
        value: value.to_string(),
        quote_style: None,
        keyword,
    })
}

/// The tokens with every frame exclusion moved into its window's PARTITION BY, or None when
/// the text has none (or does not tokenize: the plain parse reports that).
fn move_exclusions(dialect: &dyn Dialect, sql: &str) -> Option<Vec<TokenWithSpan>> {
    let (tokens, significant) = crate::parser_subscript::significant_tokens(dialect, sql)?;
    let tok = |k: usize| significant.get(k).map(|&i| &tokens[i].token);
    let mut remove = vec![false; tokens.len()];
    // Tokens to insert before the token at an index.
    let mut insert: Vec<(usize, Vec<Token>)> = Vec::new();
    for k in 1..significant.len() {
        let Some(t) = tok(k) else { break };
        if !is_keyword(t, Keyword::EXCLUDE) {
            continue;
        }
        // Only right after a frame bound: `... ROW`, `... PRECEDING`, `... FOLLOWING`.
        let ends_frame = tok(k - 1).is_some_and(|p| {
            is_keyword(p, Keyword::ROW)
                || is_keyword(p, Keyword::PRECEDING)
                || is_keyword(p, Keyword::FOLLOWING)
        });
        if !ends_frame {
            continue;
        }
        let (exclusion, words) = match (tok(k + 1), tok(k + 2)) {
            (Some(a), Some(b))
                if is_keyword(a, Keyword::CURRENT) && is_keyword(b, Keyword::ROW) =>
            {
                (FrameExclusion::CurrentRow, 2)
            }
            (Some(a), _) if is_keyword(a, Keyword::GROUP) => (FrameExclusion::Group, 1),
            (Some(a), _) if is_keyword(a, Keyword::TIES) => (FrameExclusion::Ties, 1),
            (Some(a), Some(b)) if is_keyword(a, Keyword::NO) && is_word(b, "OTHERS") => {
                (FrameExclusion::NoOthers, 2)
            }
            _ => continue,
        };
        // The window specification's opening parenthesis.
        let mut depth = 0i32;
        let mut open = None;
        for j in (0..k).rev() {
            match tok(j) {
                Some(Token::RParen) => depth += 1,
                Some(Token::LParen) if depth == 0 => {
                    open = Some(j);
                    break;
                }
                Some(Token::LParen) => depth -= 1,
                _ => {}
            }
        }
        let open = open?;
        for r in &mut remove[significant[k]..=significant[k + words]] {
            *r = true;
        }
        let marker = vec![
            word(EXCLUSION_MARKER, Keyword::NoKeyword),
            Token::LParen,
            Token::Number(exclusion.code().to_string(), false),
            Token::RParen,
        ];
        // After a window name that the specification starts with, if any.
        let mut first = open + 1;
        if let Some(Token::Word(w)) = tok(first)
            && !matches!(
                w.keyword,
                Keyword::PARTITION
                    | Keyword::ORDER
                    | Keyword::ROWS
                    | Keyword::RANGE
                    | Keyword::GROUPS
            )
        {
            first += 1;
        }
        let at = *significant.get(first)?;
        let partitioned = tok(first).is_some_and(|t| is_keyword(t, Keyword::PARTITION))
            && tok(first + 1).is_some_and(|t| is_keyword(t, Keyword::BY));
        if partitioned {
            let mut tokens = marker;
            tokens.push(Token::Comma);
            insert.push((significant[first + 2], tokens));
        } else {
            let space = Token::Whitespace(Whitespace::Space);
            let mut tokens = vec![
                word("PARTITION", Keyword::PARTITION),
                space.clone(),
                word("BY", Keyword::BY),
                space.clone(),
            ];
            tokens.extend(marker);
            tokens.push(space);
            insert.push((at, tokens));
        }
    }
    if insert.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(tokens.len() + insert.len() * 8);
    for (i, (t, removed)) in tokens.into_iter().zip(remove).enumerate() {
        for (_, inserted) in insert.iter().filter(|(at, _)| *at == i) {
            out.extend(
                inserted
                    .iter()
                    .map(|token| TokenWithSpan::new(token.clone(), t.span)),
            );
        }
        if !removed {
            out.push(t);
        }
    }
    Some(out)
}

/// Parses a text whose window frames have exclusion clauses, or None when it has none.
pub(crate) fn parse_with_frame_exclusions(
    dialect: &dyn Dialect,
    sql: &str,
    make_parser: &dyn Fn() -> Parser<'static>,
) -> Option<Result<Vec<Statement>, ParserError>> {
    if !sql
        .as_bytes()
        .windows(7)
        .any(|w| w.eq_ignore_ascii_case(b"exclude"))
    {
        return None;
    }
    let tokens = move_exclusions(dialect, sql)?;
    Some(
        make_parser()
            .with_tokens_with_locations(tokens)
            .parse_statements(),
    )
}

/// Takes the exclusion marker out of a window's PARTITION BY list.
pub(crate) fn take_exclusion(partition_by: &[ast::Expr]) -> (Vec<ast::Expr>, FrameExclusion) {
    let mut exclusion = FrameExclusion::NoOthers;
    let kept = partition_by
        .iter()
        .filter(|e| match marker_code(e) {
            Some(found) => {
                exclusion = found;
                false
            }
            None => true,
        })
        .cloned()
        .collect();
    (kept, exclusion)
}

fn marker_code(e: &ast::Expr) -> Option<FrameExclusion> {
    let ast::Expr::Function(f) = e else {
        return None;
    };
    let [ast::ObjectNamePart::Identifier(name)] = f.name.0.as_slice() else {
        return None;
    };
    if name.value != EXCLUSION_MARKER || name.quote_style.is_some() {
        return None;
    }
    let ast::FunctionArguments::List(list) = &f.args else {
        return None;
    };
    match list.args.as_slice() {
        [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(ast::Expr::Value(v)))] => {
            match &v.value {
                ast::Value::Number(code, _) => FrameExclusion::from_code(code),
                _ => None,
            }
        }
        _ => None,
    }
}
