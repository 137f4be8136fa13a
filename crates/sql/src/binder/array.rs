//! Array expressions that need more than the generic rules: subscripts and slices, and an
//! empty `ARRAY[]` that takes its type from a cast.

use sqlparser::ast::{self, Expr as AstExpr};

use embeddb_types::{DataType, SqlError, SqlResult, SqlState, Value};

use super::Binder;
use super::expr::{Coercion, ExprContext};
use crate::expr::{Expr, ExprKind, Subscript};

fn not_subscriptable(ty: &DataType) -> SqlError {
    SqlError::new(
        SqlState::DATATYPE_MISMATCH,
        format!("cannot subscript type {ty} because it does not support subscripting"),
    )
}

impl Binder<'_> {
    /// `root[i][j]`, `root[lo:hi]`: consecutive subscripts apply together, as in PostgreSQL
    /// (`a[2][1]` of a two-dimensional array is one element; a slice anywhere makes them all
    /// slices).
    pub(super) fn bind_subscripts(
        &mut self,
        root: &AstExpr,
        access_chain: &[ast::AccessExpr],
        cx: &mut ExprContext<'_>,
    ) -> SqlResult<Expr> {
        let array = self.bind_expr(root, cx)?;
        let array = if array.ty == DataType::Unknown {
            return Err(not_subscriptable(&DataType::Unknown));
        } else {
            array
        };
        let array_ty = match &array.ty {
            DataType::Array(_) => array.ty.clone(),
            other => return Err(not_subscriptable(other)),
        };
        let mut subscripts = Vec::with_capacity(access_chain.len());
        for access in access_chain {
            match access {
                ast::AccessExpr::Subscript(ast::Subscript::Index { index }) => {
                    subscripts.push(Subscript::Index(self.bind_subscript(index, cx)?));
                }
                ast::AccessExpr::Subscript(ast::Subscript::Slice {
                    lower_bound,
                    upper_bound,
                    stride,
                }) => {
                    if stride.is_some() {
                        return Err(SqlError::syntax("syntax error at or near \":\""));
                    }
                    let lower = match lower_bound {
                        Some(e) => Some(self.bind_subscript(e, cx)?),
                        None => None,
                    };
                    let upper = match upper_bound {
                        Some(e) => Some(self.bind_subscript(e, cx)?),
                        None => None,
                    };
                    subscripts.push(Subscript::Slice(lower, upper));
                }
                ast::AccessExpr::Dot(_) => {
                    return Err(SqlError::not_supported(
                        "field access on arrays is not supported yet",
                    ));
                }
            }
        }
        let is_slice = subscripts.iter().any(|s| matches!(s, Subscript::Slice(..)));
        let ty = if is_slice {
            array_ty
        } else {
            array_ty.element_type().cloned().unwrap_or(DataType::Text)
        };
        Ok(Expr::new(
            ExprKind::ArraySubscript {
                array: Box::new(array),
                subscripts,
            },
            ty,
        ))
    }

    pub(super) fn bind_subscript(
        &mut self,
        e: &AstExpr,
        cx: &mut ExprContext<'_>,
    ) -> SqlResult<Expr> {
        let bound = self.bind_expr(e, cx)?;
        // PostgreSQL coerces subscripts as in assignment: `a[1.6]` is `a[2]`.
        self.coerce(bound, &DataType::Int4, Coercion::Assignment)
            .map_err(|err| {
                if err.code == SqlState::DATATYPE_MISMATCH
                    || err.code == SqlState::UNDEFINED_FUNCTION
                {
                    SqlError::new(
                        SqlState::DATATYPE_MISMATCH,
                        "array subscript must have type integer",
                    )
                } else {
                    err
                }
            })
    }

    /// `ARRAY[]::t[]` (also nested `ARRAY[[], []]`): an empty array of the cast's type, which
    /// PostgreSQL types from the cast instead of failing to infer an element type.
    pub(super) fn empty_array_cast(&mut self, inner: &AstExpr, target: &DataType) -> Option<Expr> {
        fn is_empty_array(e: &AstExpr) -> bool {
            match e {
                AstExpr::Array(a) => a.elem.iter().all(is_empty_array),
                AstExpr::Nested(inner) => is_empty_array(inner),
                _ => false,
            }
        }
        if !matches!(target, DataType::Array(_)) || !is_empty_array(inner) {
            return None;
        }
        let element = target.element_type().cloned().unwrap_or(DataType::Text);
        Some(Expr::literal(
            Value::Array(Box::new(embeddb_types::Array::empty(element))),
            target.clone(),
        ))
    }
}

impl Binder<'_> {
    /// `SET col[i]... = value` in UPDATE or ON CONFLICT DO UPDATE: the column's new value is
    /// its old one with that element replaced. Several such assignments to one column apply
    /// in order, as in PostgreSQL.
    pub(super) fn bind_element_assignment(
        &mut self,
        table: &embeddb_tables::TableDef,
        target: &ast::ObjectName,
        subscripts: &[&AstExpr],
        value: &AstExpr,
        scope: &super::Scope,
        out: &mut Vec<(usize, Expr)>,
    ) -> SqlResult<()> {
        use sqlparser::ast::Spanned;
        let parts = super::names::object_name_parts(target)?;
        let name = match parts.as_slice() {
            [n] => n.clone(),
            [q, n] if *q == table.name => n.clone(),
            _ => {
                return Err(SqlError::not_supported(
                    "assignment to a field of a column is not supported",
                ));
            }
        };
        let Some((pos, column)) = table
            .visible_columns()
            .enumerate()
            .find(|(_, c)| c.name == name)
        else {
            return Err(self.error_at(
                SqlState::UNDEFINED_COLUMN,
                format!(
                    "column \"{name}\" of relation \"{}\" does not exist",
                    table.name
                ),
                target.span(),
            ));
        };
        let ty = column.data_type.clone();
        let Some(element) = ty.element_type().cloned() else {
            return Err(self.at(not_subscriptable(&ty), target.span()));
        };
        let mut cx = ExprContext::new(scope, super::expr::Clause::Update);
        let mut bound_subscripts = Vec::with_capacity(subscripts.len());
        for s in subscripts {
            bound_subscripts.push(self.bind_subscript(s, &mut cx)?);
        }
        let e = self.bind_expr(value, &mut cx)?;
        let from = e.ty.clone();
        let e = self
            .coerce(e, &element, Coercion::Assignment)
            .map_err(|err| {
                if err.code == SqlState::DATATYPE_MISMATCH || err.code == SqlState::CANNOT_COERCE
                {
                    SqlError::new(
                        SqlState::DATATYPE_MISMATCH,
                        format!(
                            "subscripted assignment to \"{name}\" requires type {element} but expression is of type {from}"
                        ),
                    )
                    .with_hint("You will need to rewrite or cast the expression.")
                } else {
                    err
                }
            })
            .map_err(|err| self.at(err, value.span()))?;
        let existing = out.iter().position(|(p, _)| *p == pos);
        let array = match existing {
            Some(i) => out.remove(i).1,
            None => Expr::column(pos, ty.clone()),
        };
        out.push((
            pos,
            Expr::new(
                ExprKind::ArrayAssign {
                    array: Box::new(array),
                    subscripts: bound_subscripts,
                    value: Box::new(e),
                },
                ty,
            ),
        ));
        Ok(())
    }
}
