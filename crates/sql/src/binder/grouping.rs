//! Turning expressions of a grouped query into expressions over the aggregation's output.
//!
//! The aggregation produces one row per group: the aggregates' results first, then the
//! grouping values. An expression in the select list, HAVING or ORDER BY of a grouped query
//! may use grouping expressions (matched structurally), aggregates, and constants — any other
//! column is PostgreSQL's 42803, unless the table's primary key is grouped (then its other
//! columns are functionally dependent on the group and may be used).

use embeddb_types::{SqlError, SqlResult, SqlState};

use std::sync::Arc;

use super::Scope;
use crate::expr::{Expr, ExprKind};
use crate::plan::{Field, WindowCall};
use crate::plan_walk::remap_outer_columns;

pub(crate) struct Regrouper<'s> {
    scope: &'s Scope,
    catalog: &'s embeddb_tables::Catalog,
    group_exprs: Vec<Expr>,
    aggregate_count: usize,
}

impl<'s> Regrouper<'s> {
    pub fn new(
        scope: &'s Scope,
        catalog: &'s embeddb_tables::Catalog,
        group_exprs: Vec<Expr>,
        aggregate_count: usize,
    ) -> Self {
        Regrouper {
            scope,
            catalog,
            group_exprs,
            aggregate_count,
        }
    }

    pub fn rewrite(&mut self, expr: Expr) -> SqlResult<Expr> {
        if let Some(i) = self.group_exprs.iter().position(|g| *g == expr) {
            return Ok(Expr::column(self.aggregate_count + i, expr.ty));
        }
        match expr.kind {
            ExprKind::AggregateRef(j) => Ok(Expr::column(j, expr.ty)),
            ExprKind::Column(c) => {
                if self.functionally_dependent(c) {
                    self.group_exprs.push(Expr::column(c, expr.ty.clone()));
                    return Ok(Expr::column(
                        self.aggregate_count + self.group_exprs.len() - 1,
                        expr.ty,
                    ));
                }
                let column = &self.scope.columns[c];
                let name = match &column.qualifier {
                    Some(q) => format!("{q}.{}", column.name),
                    None => column.name.clone(),
                };
                Err(SqlError::new(
                    SqlState::GROUPING_ERROR,
                    format!(
                        "column \"{name}\" must appear in the GROUP BY clause or be used in an aggregate function"
                    ),
                ))
            }
            // A correlated subquery runs per group: its references to this query's columns
            // must be grouped, and are re-pointed at the aggregation's output.
            ExprKind::Subquery(mut sub) if sub.correlated => {
                remap_outer_columns(Arc::make_mut(&mut sub.plan), 1, &mut |index, e| {
                    self.outer_group_column(index, e)
                })?;
                Ok(Expr::new(ExprKind::Subquery(sub), expr.ty))
            }
            ExprKind::Quantified(mut q) if q.correlated => {
                let left = std::mem::take(&mut q.left);
                q.left = left
                    .into_iter()
                    .map(|l| self.rewrite(l))
                    .collect::<SqlResult<Vec<_>>>()?;
                remap_outer_columns(Arc::make_mut(&mut q.plan), 1, &mut |index, e| {
                    self.outer_group_column(index, e)
                })?;
                Ok(Expr::new(ExprKind::Quantified(q), expr.ty))
            }
            _ => expr.map_children(&mut |child| self.rewrite(child)),
        }
    }

    /// Where column `index` of the grouped query's input is in the aggregation's output, for a
    /// subquery that refers to it.
    fn outer_group_column(&mut self, index: usize, reference: &Expr) -> SqlResult<usize> {
        // Past the input's columns: this query's aggregate written in the subquery
        // (`outer_aggregate.rs`), which the aggregation outputs first.
        if let Some(aggregate) = index.checked_sub(self.scope.columns.len()) {
            return Ok(aggregate);
        }
        match self.rewrite(Expr::column(index, reference.ty.clone())) {
            Ok(Expr {
                kind: ExprKind::Column(k),
                ..
            }) => Ok(k),
            Ok(_) => Err(SqlError::internal("grouped column is not a column")),
            Err(e) if e.code == SqlState::GROUPING_ERROR => {
                let column = &self.scope.columns[index];
                let name = match &column.qualifier {
                    Some(q) => format!("{q}.{}", column.name),
                    None => column.name.clone(),
                };
                Err(SqlError::new(
                    SqlState::GROUPING_ERROR,
                    format!("subquery uses ungrouped column \"{name}\" from outer query"),
                ))
            }
            Err(e) => Err(e),
        }
    }

    pub fn rewrite_window(&mut self, call: &mut WindowCall) -> SqlResult<()> {
        for e in call.args.iter_mut() {
            *e = self.rewrite(std::mem::replace(e, Expr::boolean(true)))?;
        }
        for e in call.partition_by.iter_mut() {
            *e = self.rewrite(std::mem::replace(e, Expr::boolean(true)))?;
        }
        for k in call.order_by.iter_mut() {
            k.expr = self.rewrite(std::mem::replace(&mut k.expr, Expr::boolean(true)))?;
        }
        if let Some(f) = call.filter.take() {
            call.filter = Some(self.rewrite(f)?);
        }
        if let Some(range) = call.frame.as_mut().and_then(|f| f.range.as_mut()) {
            let key = std::mem::replace(&mut range.key.expr, Expr::boolean(true));
            range.key.expr = self.rewrite(key)?;
            for bound in [&mut range.start, &mut range.end] {
                if let Some(e) = bound.take() {
                    *bound = Some(self.rewrite(e)?);
                }
            }
        }
        Ok(())
    }

    /// Whether the scope column belongs to a table whose whole primary key is grouped.
    fn functionally_dependent(&self, column: usize) -> bool {
        let col = &self.scope.columns[column];
        if col.table_oid == 0 {
            return false;
        }
        let Some(table) = self.catalog.table(col.table_oid) else {
            return false;
        };
        if !table.has_primary_key() {
            return false;
        }
        table.primary_key.iter().all(|attnum| {
            self.group_exprs.iter().any(|g| match g.kind {
                ExprKind::Column(i) => {
                    let gc = &self.scope.columns[i];
                    gc.table_oid == col.table_oid
                        && gc.qualifier == col.qualifier
                        && gc.attnum == *attnum as i16
                }
                _ => false,
            })
        })
    }

    /// The final grouping expressions (with functionally dependent columns added) and their
    /// output fields.
    pub fn finish(self) -> (Vec<Expr>, Vec<Field>) {
        let fields = self
            .group_exprs
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let name = match e.kind {
                    ExprKind::Column(c) => self.scope.columns[c].name.clone(),
                    _ => format!("group{i}"),
                };
                Field::new(name, e.ty.clone())
            })
            .collect();
        (self.group_exprs, fields)
    }
}
