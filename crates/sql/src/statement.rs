//! Binding the statements that go through the planner — queries, INSERT, UPDATE and DELETE,
//! each possibly behind a WITH clause — to optimized plans. Execution, EXPLAIN and Describe
//! all start here, so they agree on what a statement means.

use sqlparser::ast::{self, SetExpr, Statement};

use embeddb_types::SqlResult;

use crate::binder::Binder;
use crate::optimizer::{self, TableStatistics};
use crate::parser_insert::LiteralInsert;
use crate::plan::{DeletePlan, Field, InsertPlan, LogicalPlan, UpdatePlan};

/// A bound, optimized statement ready to run.
#[derive(Debug)]
pub(crate) enum BoundStatement {
    Query(LogicalPlan),
    Insert(InsertPlan),
    Update(UpdatePlan),
    Delete(DeletePlan),
}

/// A data-modifying statement and the WITH clause in front of it, if any.
enum Dml<'a> {
    Insert(&'a ast::Insert),
    Update(&'a ast::Update),
    Delete(&'a ast::Delete),
}

impl<'a> Dml<'a> {
    fn of(statement: &'a Statement) -> Option<Dml<'a>> {
        match statement {
            Statement::Insert(i) => Some(Dml::Insert(i)),
            Statement::Update(u) => Some(Dml::Update(u)),
            Statement::Delete(d) => Some(Dml::Delete(d)),
            _ => None,
        }
    }
}

/// `WITH ... INSERT/UPDATE/DELETE` parses as a query whose body is the statement.
fn dml_behind_with(query: &ast::Query) -> Option<Dml<'_>> {
    match query.body.as_ref() {
        SetExpr::Insert(s) | SetExpr::Update(s) | SetExpr::Delete(s) => Dml::of(s),
        _ => None,
    }
}

impl BoundStatement {
    /// Binds and optimizes a query or DML statement; None for any other kind of statement.
    pub(crate) fn bind(
        binder: &mut Binder<'_>,
        statement: &Statement,
        stats: &dyn TableStatistics,
    ) -> SqlResult<Option<BoundStatement>> {
        let (with, dml) = match statement {
            Statement::Query(query) => match dml_behind_with(query) {
                Some(dml) => (query.with.as_ref(), dml),
                None => {
                    let plan = binder.bind_query(query)?;
                    return Ok(Some(BoundStatement::Query(optimizer::optimize(
                        plan, stats,
                    ))));
                }
            },
            other => match Dml::of(other) {
                Some(dml) => (None, dml),
                None => return Ok(None),
            },
        };
        let bound = binder.with_ctes(with, |binder| bind_dml(binder, &dml, stats))?;
        Ok(Some(bound))
    }

    /// Binds and optimizes a literal-only INSERT in `parser_insert`'s compact form.
    pub(crate) fn bind_literal_insert(
        binder: &mut Binder<'_>,
        insert: &LiteralInsert<'_>,
        stats: &dyn TableStatistics,
    ) -> SqlResult<BoundStatement> {
        let mut plan = binder.bind_literal_insert(insert)?;
        plan.source = optimizer::optimize(plan.source, stats);
        Ok(BoundStatement::Insert(plan))
    }

    /// The columns the statement returns, if it returns rows.
    pub(crate) fn fields(&self) -> Option<Vec<Field>> {
        match self {
            BoundStatement::Query(plan) => Some(plan.schema()),
            BoundStatement::Insert(p) => p.returning.as_ref().map(|r| r.schema.clone()),
            BoundStatement::Update(p) => p.returning.as_ref().map(|r| r.schema.clone()),
            BoundStatement::Delete(p) => p.returning.as_ref().map(|r| r.schema.clone()),
        }
    }
}

fn bind_dml(
    binder: &mut Binder<'_>,
    dml: &Dml<'_>,
    stats: &dyn TableStatistics,
) -> SqlResult<BoundStatement> {
    Ok(match dml {
        Dml::Insert(insert) => {
            let mut plan = binder.bind_insert(insert)?;
            plan.source = optimizer::optimize(plan.source, stats);
            BoundStatement::Insert(plan)
        }
        Dml::Update(update) => {
            let mut plan = binder.bind_update(update)?;
            plan.scan = optimizer::optimize_scan(plan.scan);
            BoundStatement::Update(plan)
        }
        Dml::Delete(delete) => {
            let mut plan = binder.bind_delete(delete)?;
            plan.scan = optimizer::optimize_scan(plan.scan);
            BoundStatement::Delete(plan)
        }
    })
}
