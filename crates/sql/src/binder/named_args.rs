//! Function calls in named notation (`make_interval(days => 3)`, `f(a := 1)`): PostgreSQL's
//! rules for mixing positional and named arguments (parse_func.c), and the arrangement of a
//! call into positional order, with declared defaults filling the parameters skipped, before
//! the usual overload resolution.

use sqlparser::ast::{self, FunctionArg, FunctionArgExpr, Spanned};

use embeddb_types::{DataType, SqlError, SqlResult, SqlState, Value};

use super::Binder;
use super::names::normalize_ident;
use crate::expr::Expr;
use crate::functions::params::Param;
use crate::functions::undefined_call;

/// A named argument as written.
pub(super) struct NamedArg<'a> {
    pub name: String,
    pub expr: &'a ast::Expr,
}

impl Binder<'_> {
    /// The name of a named argument, and the checks PostgreSQL makes while reading the list:
    /// no positional argument after a named one, no name twice.
    pub(super) fn named_arg<'a>(
        &self,
        arg: &'a FunctionArg,
        named: &[NamedArg<'_>],
    ) -> SqlResult<Option<NamedArg<'a>>> {
        let (name, value) = match arg {
            FunctionArg::Named { name, arg, .. } => (normalize_ident(name), arg),
            FunctionArg::ExprNamed { name, arg, .. } => match name {
                ast::Expr::Identifier(ident) => (normalize_ident(ident), arg),
                // Only an identifier can name an argument; PostgreSQL's grammar stops at `=>`.
                other => {
                    return Err(self.error_at(
                        SqlState::SYNTAX_ERROR,
                        "syntax error at or near \"=>\"",
                        other.span(),
                    ));
                }
            },
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => {
                if !named.is_empty() {
                    return Err(self.error_at(
                        SqlState::SYNTAX_ERROR,
                        "positional argument cannot follow named argument",
                        e.span(),
                    ));
                }
                return Ok(None);
            }
            FunctionArg::Unnamed(_) => return Ok(None),
        };
        let FunctionArgExpr::Expr(expr) = value else {
            return Err(SqlError::syntax("syntax error at or near \"*\""));
        };
        if named.iter().any(|n| n.name == name) {
            return Err(self.error_at(
                SqlState::SYNTAX_ERROR,
                format!("argument name \"{name}\" used more than once"),
                expr.span(),
            ));
        }
        Ok(Some(NamedArg { name, expr }))
    }

    /// Puts bound positional and named arguments in the order of the function's declared
    /// parameters, filling skipped ones with their defaults. A name the function does not
    /// declare, a parameter given twice (by position and by name), or a skipped parameter
    /// without a default finds no function, as in PostgreSQL.
    pub(super) fn arrange_named_args(
        &self,
        function: &str,
        declared: Option<&[Param]>,
        positional: Vec<Expr>,
        named: Vec<(String, Expr)>,
    ) -> SqlResult<Vec<Expr>> {
        let not_found = |positional: &[Expr], named: &[(String, Expr)]| {
            let mut list: Vec<String> = positional.iter().map(|e| e.ty.to_string()).collect();
            list.extend(named.iter().map(|(n, e)| format!("{n} => {}", e.ty)));
            undefined_call(&format!("{function}({})", list.join(", ")))
        };
        let Some(declared) = declared else {
            return Err(not_found(&positional, &named));
        };
        let mut places = Vec::with_capacity(named.len());
        for (name, _) in &named {
            match declared.iter().position(|p| p.name == name) {
                Some(i) if i >= positional.len() => places.push(i),
                _ => return Err(not_found(&positional, &named)),
            }
        }
        let width = places
            .iter()
            .copied()
            .max()
            .map_or(positional.len(), |m| m + 1);
        let skipped_without_default = (positional.len()..width)
            .filter(|i| !places.contains(i))
            .any(|i| declared.get(i).is_none_or(|p| p.default.is_none()));
        if skipped_without_default {
            return Err(not_found(&positional, &named));
        }
        let mut slots: Vec<Option<Expr>> = positional.into_iter().map(Some).collect();
        slots.resize_with(width, || None);
        for ((_, expr), place) in named.into_iter().zip(places) {
            slots[place] = Some(expr);
        }
        Ok(slots
            .into_iter()
            .zip(declared)
            .map(|(slot, param)| {
                slot.unwrap_or_else(|| {
                    let text = param.default.unwrap_or_default();
                    Expr::literal(Value::Text(text.to_string()), DataType::Unknown)
                })
            })
            .collect())
    }
}
