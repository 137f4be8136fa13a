//! Row constructors: `(a, b)` and `ROW(a, b)` as values of their own, PostgreSQL's anonymous
//! `record` type (compared field by field, printed as `(1,x)`). Row comparisons such as
//! `(a, b) < (c, d)` are expanded field-wise where they are bound and never build one.

use sqlparser::ast::Expr as AstExpr;

use embeddb_types::{DataType, SqlResult};

use super::Binder;
use super::expr::ExprContext;
use crate::expr::{Expr, ExprKind};

impl Binder<'_> {
    pub(super) fn bind_row(
        &mut self,
        items: &[&AstExpr],
        cx: &mut ExprContext<'_>,
    ) -> SqlResult<Expr> {
        let mut fields = Vec::with_capacity(items.len());
        for item in items {
            let e = self.bind_expr(item, cx)?;
            // A field's type is settled in the row, as PostgreSQL resolves unknown fields to
            // text.
            fields.push(self.resolve_unknown(e)?);
        }
        let ty = DataType::Record(fields.iter().map(|f| f.ty.clone()).collect());
        Ok(Expr::new(ExprKind::Row(fields), ty))
    }
}
