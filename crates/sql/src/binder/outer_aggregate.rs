//! Aggregates that belong to an enclosing query (PostgreSQL's `agglevelsup`, parse_agg.c):
//! an aggregate whose arguments use only columns of outer queries is an aggregate of the
//! nearest of those queries, even when written inside a subquery, as in
//! `SELECT (SELECT b.v FROM u b WHERE b.id = max(a.id)) FROM t a`.
//!
//! Every subquery bound from an expression records, for the query level around it, where
//! that level's aggregates go ([`AggregateLevel`]). An outer aggregate is bound in the
//! subquery, re-based onto its own level, and left pending on that level's record; the
//! subquery refers to its result as an outer column numbered past the level's input columns
//! (see [`Binder::outer_aggregate_ref`]), which the level's regrouping (`grouping.rs`) points
//! at the aggregate's output once the subquery returns and the aggregate joins the level's
//! collector.

use sqlparser::ast;

use embeddb_types::{SqlError, SqlResult, SqlState};

use super::Binder;
use super::expr::{Clause, ExprContext};
use crate::expr::{Expr, ExprKind, Subquery, SubqueryKind};
use crate::plan::AggregateCall;

/// What a subquery's aggregates may do with the query level that encloses it.
pub(crate) struct AggregateLevel {
    /// The level's clause the subquery is in, and whether aggregates may appear there.
    clause: Clause,
    allowed: bool,
    /// Inside an aggregate's arguments at that level (aggregates cannot nest).
    in_aggregate: bool,
    /// Columns of the level's input: outer-aggregate references are numbered past them.
    scope_len: usize,
    /// Aggregates the level's collector held when the subquery began.
    base: usize,
    /// Aggregates of the level found in the subquery, in order.
    pending: Vec<AggregateCall>,
}

impl AggregateLevel {
    /// A level where no aggregate may appear (a subquery bound outside any expression context).
    pub(crate) fn closed(clause: Clause, scope_len: usize) -> Self {
        AggregateLevel {
            clause,
            allowed: false,
            in_aggregate: false,
            scope_len,
            base: 0,
            pending: Vec::new(),
        }
    }

    fn of(cx: &ExprContext<'_>) -> Self {
        AggregateLevel {
            clause: cx.clause,
            allowed: cx.collector.is_some(),
            in_aggregate: cx.in_aggregate,
            scope_len: cx.scope.columns.len(),
            base: cx.collector.as_ref().map_or(0, |c| c.aggregates.len()),
            pending: Vec::new(),
        }
    }
}

/// The nearest outer level an aggregate's expressions refer to (1 = the enclosing query), or
/// None when they use a column of the current level or no column at all.
fn outer_level(call: &AggregateCall) -> Option<usize> {
    let mut local = false;
    let mut nearest: Option<usize> = None;
    let mut visit = |e: &Expr| {
        e.any(&mut |x| {
            match x.kind {
                ExprKind::Column(_) => local = true,
                ExprKind::OuterColumn { depth, .. } => {
                    nearest = Some(nearest.map_or(depth, |n| n.min(depth)));
                }
                _ => {}
            }
            false
        });
    };
    call.args.iter().for_each(&mut visit);
    call.filter.iter().for_each(&mut visit);
    call.order_by.iter().for_each(|k| visit(&k.expr));
    if local { None } else { nearest }
}

/// Re-bases an aggregate's expressions onto the level `levels` up: that level's columns
/// become its own columns, farther ones come nearer.
fn rebase(call: AggregateCall, levels: usize) -> SqlResult<AggregateCall> {
    let mut shift = |e: Expr| {
        e.transform(&mut |x| {
            Ok(match x.kind {
                ExprKind::OuterColumn { depth, index } if depth == levels => {
                    Expr::column(index, x.ty)
                }
                ExprKind::OuterColumn { depth, index } if depth > levels => Expr::new(
                    ExprKind::OuterColumn {
                        depth: depth - levels,
                        index,
                    },
                    x.ty,
                ),
                _ => x,
            })
        })
    };
    let mut order_by = call.order_by;
    for key in &mut order_by {
        key.expr = shift(std::mem::replace(&mut key.expr, Expr::boolean(true)))?;
    }
    Ok(AggregateCall {
        args: call
            .args
            .into_iter()
            .map(&mut shift)
            .collect::<SqlResult<_>>()?,
        filter: call.filter.map(&mut shift).transpose()?,
        order_by,
        ..call
    })
}

impl Binder<'_> {
    /// Binds a subquery inside an expression, collecting the aggregates of this level written
    /// in it into the level's collector.
    pub(crate) fn bind_subquery_in(
        &mut self,
        query: &ast::Query,
        kind: SubqueryKind,
        cx: &mut ExprContext<'_>,
    ) -> SqlResult<Subquery> {
        let level = AggregateLevel::of(cx);
        let (sub, level) = self.bind_subquery_at(query, kind, cx.scope, level);
        let sub = sub?;
        if !level.pending.is_empty() {
            let Some(collector) = cx.collector.as_deref_mut() else {
                return Err(SqlError::internal("outer aggregate without a collector"));
            };
            collector.aggregates.extend(level.pending);
        }
        Ok(sub)
    }

    /// If a bound aggregate belongs to an enclosing query, files it there and returns this
    /// query's reference to its result.
    pub(super) fn outer_aggregate_ref(
        &mut self,
        call: AggregateCall,
    ) -> SqlResult<Result<Expr, AggregateCall>> {
        let Some(levels) = outer_level(&call) else {
            return Ok(Err(call));
        };
        let Some(at) = self.aggregate_levels.len().checked_sub(levels) else {
            return Ok(Err(call));
        };
        let Some(level) = self.aggregate_levels.get(at) else {
            return Ok(Err(call));
        };
        if level.in_aggregate {
            return Err(SqlError::new(
                SqlState::GROUPING_ERROR,
                "aggregate function calls cannot be nested",
            ));
        }
        if !level.allowed {
            return Err(SqlError::new(
                SqlState::GROUPING_ERROR,
                format!(
                    "aggregate functions are not allowed in {}",
                    level.clause.name()
                ),
            ));
        }
        let call = rebase(call, levels)?;
        let ty = call.ty.clone();
        let level = &mut self.aggregate_levels[at];
        let position = match level.pending.iter().position(|c| *c == call) {
            Some(i) => i,
            None => {
                level.pending.push(call);
                level.pending.len() - 1
            }
        };
        let index = level.scope_len + level.base + position;
        Ok(Ok(Expr::new(
            ExprKind::OuterColumn {
                depth: levels,
                index,
            },
            ty,
        )))
    }
}
