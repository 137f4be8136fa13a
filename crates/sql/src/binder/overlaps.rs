//! `(start1, end1) OVERLAPS (start2, end2)`: PostgreSQL's grammar takes a two-item row on each
//! side and calls the `overlaps` function with the four items (see
//! `functions::scalar::overlaps`).

use sqlparser::ast::{Expr as AstExpr, Spanned};

use embeddb_types::{SqlResult, SqlState};

use super::Binder;
use super::expr::ExprContext;
use crate::expr::Expr;

impl Binder<'_> {
    pub(super) fn bind_overlaps(
        &mut self,
        left: &AstExpr,
        right: &AstExpr,
        cx: &mut ExprContext<'_>,
    ) -> SqlResult<Expr> {
        let mut args = Vec::with_capacity(4);
        for (side, name) in [(left, "left"), (right, "right")] {
            let items = match side {
                AstExpr::Tuple(items) if items.len() == 2 => items,
                _ => {
                    return Err(self.error_at(
                        SqlState::SYNTAX_ERROR,
                        format!("wrong number of parameters on {name} side of OVERLAPS expression"),
                        side.span(),
                    ));
                }
            };
            for item in items {
                args.push(self.bind_expr(item, cx)?);
            }
        }
        // PostgreSQL names the function it looked for by its qualified name.
        self.call_function("overlaps", args).map_err(|mut e| {
            e.message =
                e.message
                    .replacen("function overlaps(", "function pg_catalog.overlaps(", 1);
            self.at(e, right.span())
        })
    }
}
