//! `UPDATE t SET a[i] = v` (and `ON CONFLICT ... DO UPDATE SET a[i] = v`): sqlparser accepts
//! only column names as assignment targets, so the subscripts are cut out of the token stream
//! before parsing and put back afterwards, encoded in the target's name as a function-call
//! part (`a(i)`, a form PostgreSQL's grammar never produces there). The binder reads them
//! with [`subscripted_target`].

use sqlparser::ast::{
    self, Assignment, AssignmentTarget, ObjectNamePart, ObjectNamePartFunction, OnConflictAction,
    OnInsert, Statement,
};
use sqlparser::dialect::Dialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer};

/// The subscripts cut from one assignment target, by the location of the target's last name.
struct Cut {
    at: Location,
    subscripts: Vec<Vec<TokenWithSpan>>,
}

fn is_keyword(t: &Token, k: Keyword) -> bool {
    matches!(t, Token::Word(w) if w.keyword == k && w.quote_style.is_none())
}

/// The text's tokens (with locations), and the indexes of those that are not whitespace: what
/// the passes that rewrite the token stream before parsing walk. None if it does not tokenize
/// (the plain parse then reports the error).
pub(crate) fn significant_tokens(
    dialect: &dyn Dialect,
    sql: &str,
) -> Option<(Vec<TokenWithSpan>, Vec<usize>)> {
    let tokens = Tokenizer::new(dialect, sql)
        .with_unescape(true)
        .tokenize_with_location()
        .ok()?;
    let significant = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect();
    Some((tokens, significant))
}

/// Tokens of the statement text with subscripted assignment targets' subscripts removed, or
/// None when there are none (or the text does not tokenize: the plain parse reports that).
fn cut_subscripts(dialect: &dyn Dialect, sql: &str) -> Option<(Vec<TokenWithSpan>, Vec<Cut>)> {
    let (tokens, significant) = significant_tokens(dialect, sql)?;
    let tok = |k: usize| significant.get(k).map(|&i| &tokens[i].token);
    let mut remove = vec![false; tokens.len()];
    let mut cuts = Vec::new();
    let mut saw_update = false;
    let mut k = 0;
    while k < significant.len() {
        let t = &tokens[significant[k]].token;
        if matches!(t, Token::SemiColon) {
            saw_update = false;
        } else if is_keyword(t, Keyword::UPDATE) {
            saw_update = true;
        } else if saw_update && is_keyword(t, Keyword::SET) {
            // The SET list: assignments separated by commas at depth 0.
            k += 1;
            let mut at_target = true;
            let mut depth = 0i32;
            while let Some(t) = tok(k) {
                if depth == 0 {
                    if matches!(t, Token::SemiColon)
                        || is_keyword(t, Keyword::WHERE)
                        || is_keyword(t, Keyword::RETURNING)
                        || (is_keyword(t, Keyword::FROM)
                            && !matches!(tok(k.wrapping_sub(1)), Some(p) if is_keyword(p, Keyword::DISTINCT)))
                    {
                        break;
                    }
                    if matches!(t, Token::Comma) {
                        at_target = true;
                        k += 1;
                        continue;
                    }
                }
                if at_target && depth == 0 {
                    at_target = false;
                    if let Token::Word(_) = t {
                        // name (. name)* followed by [ ... ] subscripts, then =.
                        let mut j = k;
                        while matches!(tok(j + 1), Some(Token::Period))
                            && matches!(tok(j + 2), Some(Token::Word(_)))
                        {
                            j += 2;
                        }
                        let name_at = tokens[significant[j]].span.start;
                        let mut subscripts = Vec::new();
                        let mut m = j + 1;
                        let mut cut_positions = Vec::new();
                        while matches!(tok(m), Some(Token::LBracket)) {
                            let open = m;
                            let mut d = 0i32;
                            let mut end = None;
                            let mut n = m;
                            while let Some(t) = tok(n) {
                                match t {
                                    Token::LBracket | Token::LParen => d += 1,
                                    Token::RBracket | Token::RParen => {
                                        d -= 1;
                                        if d == 0 {
                                            end = Some(n);
                                            break;
                                        }
                                    }
                                    _ => {}
                                }
                                n += 1;
                            }
                            let end = end?;
                            let inner: Vec<TokenWithSpan> = (significant[open] + 1
                                ..significant[end])
                                .map(|i| tokens[i].clone())
                                .collect();
                            subscripts.push(inner);
                            cut_positions.push((significant[open], significant[end]));
                            m = end + 1;
                        }
                        if !subscripts.is_empty() && matches!(tok(m), Some(Token::Eq)) {
                            for (from, to) in cut_positions {
                                for r in &mut remove[from..=to] {
                                    *r = true;
                                }
                            }
                            cuts.push(Cut {
                                at: name_at,
                                subscripts,
                            });
                            k = m;
                            continue;
                        }
                    }
                }
                match t {
                    Token::LParen | Token::LBracket => depth += 1,
                    Token::RParen | Token::RBracket => depth -= 1,
                    _ => {}
                }
                k += 1;
            }
            continue;
        }
        k += 1;
    }
    if cuts.is_empty() {
        return None;
    }
    let kept = tokens
        .into_iter()
        .zip(remove)
        .filter(|(_, r)| !r)
        .map(|(t, _)| t)
        .collect();
    Some((kept, cuts))
}

/// Parses the statements of a text with subscripted assignment targets, or None when it has
/// none.
pub(crate) fn parse_with_subscripted_targets(
    dialect: &dyn Dialect,
    sql: &str,
    make_parser: &dyn Fn() -> Parser<'static>,
) -> Option<Result<Vec<Statement>, ParserError>> {
    if !sql.contains('[') {
        return None;
    }
    let (tokens, cuts) = cut_subscripts(dialect, sql)?;
    let result = (|| {
        let mut statements = make_parser()
            .with_tokens_with_locations(tokens)
            .parse_statements()?;
        let mut parsed = Vec::with_capacity(cuts.len());
        for cut in cuts {
            let mut exprs = Vec::with_capacity(cut.subscripts.len());
            for sub in cut.subscripts {
                let mut parser = make_parser().with_tokens_with_locations(sub);
                let e = parser.parse_expr()?;
                parser.expect_token(&Token::EOF)?;
                exprs.push(e);
            }
            parsed.push((cut.at, exprs));
        }
        for statement in &mut statements {
            let assignments: &mut Vec<Assignment> = match statement {
                Statement::Update(u) => &mut u.assignments,
                Statement::Insert(i) => match &mut i.on {
                    Some(OnInsert::OnConflict(c)) => match &mut c.action {
                        OnConflictAction::DoUpdate(d) => &mut d.assignments,
                        OnConflictAction::DoNothing => continue,
                    },
                    _ => continue,
                },
                _ => continue,
            };
            for a in assignments.iter_mut() {
                let AssignmentTarget::ColumnName(name) = &mut a.target else {
                    continue;
                };
                let Some(last) = name.0.last_mut() else {
                    continue;
                };
                let Some(ident) = last.as_ident().cloned() else {
                    continue;
                };
                if let Some(i) = parsed.iter().position(|(at, _)| *at == ident.span.start) {
                    let (_, exprs) = parsed.swap_remove(i);
                    *last = ObjectNamePart::Function(ObjectNamePartFunction {
                        name: ident,
                        args: exprs
                            .into_iter()
                            .map(|e| ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)))
                            .collect(),
                    });
                }
            }
        }
        Ok(statements)
    })();
    Some(result)
}

/// A subscripted assignment target: the name without the subscripts, and the subscripts.
pub(crate) fn subscripted_target(
    name: &ast::ObjectName,
) -> Option<(ast::ObjectName, Vec<&ast::Expr>)> {
    let (last, rest) = name.0.split_last()?;
    let ObjectNamePart::Function(f) = last else {
        return None;
    };
    let subscripts = f
        .args
        .iter()
        .filter_map(|a| match a {
            ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => Some(e),
            _ => None,
        })
        .collect();
    let mut parts = rest.to_vec();
    parts.push(ObjectNamePart::Identifier(f.name.clone()));
    Some((ast::ObjectName(parts), subscripts))
}
