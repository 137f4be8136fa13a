//! Walking every expression of a logical plan, and re-pointing a correlated subquery's
//! references to an enclosing query when that query's rows change shape: a subquery in the
//! select list or HAVING of a grouped query is bound against the FROM clause's columns, but it
//! runs over the aggregation's output rows.

use std::sync::Arc;

use embeddb_types::SqlResult;

use crate::expr::{Expr, ExprKind};
use crate::plan::{FrameBound, KeyRange, LogicalPlan, ValuesRows};

type ExprFn<'a> = dyn FnMut(Expr) -> SqlResult<Expr> + 'a;

fn map_expr(e: &mut Expr, f: &mut ExprFn<'_>) -> SqlResult<()> {
    *e = f(std::mem::replace(e, Expr::boolean(true)))?;
    Ok(())
}

fn map_range(r: &mut KeyRange, f: &mut ExprFn<'_>) -> SqlResult<()> {
    for e in r.prefix.iter_mut() {
        map_expr(e, f)?;
    }
    if let Some((e, _)) = r.lower.as_mut() {
        map_expr(e, f)?;
    }
    if let Some((e, _)) = r.upper.as_mut() {
        map_expr(e, f)?;
    }
    Ok(())
}

fn map_bound(b: &mut FrameBound, f: &mut ExprFn<'_>) -> SqlResult<()> {
    match b {
        FrameBound::Preceding(e) | FrameBound::Following(e) => map_expr(e, f),
        _ => Ok(()),
    }
}

impl LogicalPlan {
    /// Replaces every expression of this node (not of its inputs) by `f` of it.
    pub fn map_node_exprs(&mut self, f: &mut ExprFn<'_>) -> SqlResult<()> {
        match self {
            LogicalPlan::OneRow
            | LogicalPlan::Empty { .. }
            | LogicalPlan::SetOp { .. }
            | LogicalPlan::RecursiveUnion { .. }
            | LogicalPlan::WorkTable { .. }
            | LogicalPlan::SharedScan { .. } => Ok(()),
            LogicalPlan::Values { rows, .. } => {
                // Constants have no expressions: leave them shared, uncopied.
                if matches!(rows.as_ref(), ValuesRows::Exprs(_))
                    && let ValuesRows::Exprs(exprs) = Arc::make_mut(rows)
                {
                    for e in exprs.iter_mut().flatten() {
                        map_expr(e, f)?;
                    }
                }
                Ok(())
            }
            LogicalPlan::Scan(scan) => {
                if let Some(e) = scan.filter.as_mut() {
                    map_expr(e, f)?;
                }
                if let Some(e) = scan.limit.as_mut() {
                    map_expr(e, f)?;
                }
                match &mut scan.access {
                    crate::plan::AccessPath::FullScan => {}
                    crate::plan::AccessPath::PrimaryKey { ranges }
                    | crate::plan::AccessPath::Index { ranges, .. } => {
                        for r in ranges.iter_mut() {
                            map_range(r, f)?;
                        }
                    }
                }
                Ok(())
            }
            LogicalPlan::FunctionScan { calls, .. } | LogicalPlan::ProjectSet { calls, .. } => {
                for e in calls.iter_mut().flat_map(|c| c.args.iter_mut()) {
                    map_expr(e, f)?;
                }
                Ok(())
            }
            LogicalPlan::Project { exprs, .. } => {
                for e in exprs.iter_mut() {
                    map_expr(e, f)?;
                }
                Ok(())
            }
            LogicalPlan::Filter { predicate, .. } => map_expr(predicate, f),
            LogicalPlan::Aggregate {
                group_by,
                aggregates,
                ..
            } => {
                for e in group_by.iter_mut() {
                    map_expr(e, f)?;
                }
                for a in aggregates.iter_mut() {
                    for e in a.args.iter_mut() {
                        map_expr(e, f)?;
                    }
                    if let Some(e) = a.filter.as_mut() {
                        map_expr(e, f)?;
                    }
                    for k in a.order_by.iter_mut() {
                        map_expr(&mut k.expr, f)?;
                    }
                }
                Ok(())
            }
            LogicalPlan::Window { calls, .. } => {
                for c in calls.iter_mut() {
                    for e in c.args.iter_mut().chain(c.partition_by.iter_mut()) {
                        map_expr(e, f)?;
                    }
                    for k in c.order_by.iter_mut() {
                        map_expr(&mut k.expr, f)?;
                    }
                    if let Some(e) = c.filter.as_mut() {
                        map_expr(e, f)?;
                    }
                    if let Some(frame) = c.frame.as_mut() {
                        map_bound(&mut frame.start, f)?;
                        map_bound(&mut frame.end, f)?;
                    }
                }
                Ok(())
            }
            LogicalPlan::Sort { keys, limit, .. } => {
                for k in keys.iter_mut() {
                    map_expr(&mut k.expr, f)?;
                }
                if let Some(e) = limit.as_mut() {
                    map_expr(e, f)?;
                }
                Ok(())
            }
            LogicalPlan::Limit { limit, offset, .. } => {
                if let Some(e) = limit.as_mut() {
                    map_expr(e, f)?;
                }
                if let Some(e) = offset.as_mut() {
                    map_expr(e, f)?;
                }
                Ok(())
            }
            LogicalPlan::Distinct { on, .. } => {
                for e in on.iter_mut().flatten() {
                    map_expr(e, f)?;
                }
                Ok(())
            }
            LogicalPlan::Join { condition, .. } => {
                if let Some(e) = condition.as_mut() {
                    map_expr(e, f)?;
                }
                Ok(())
            }
        }
    }
}

/// Re-points the references `plan` makes to the query `depth` levels out (1 = the query the
/// subquery is written in): column `index` of that query's row becomes `map(index)`.
pub fn remap_outer_columns(
    plan: &mut LogicalPlan,
    depth: usize,
    map: &mut dyn FnMut(usize, &Expr) -> SqlResult<usize>,
) -> SqlResult<()> {
    plan.map_node_exprs(&mut |e| remap_in_expr(e, depth, map))?;
    for child in plan.children_mut() {
        remap_outer_columns(child, depth, map)?;
    }
    Ok(())
}

/// The same, for one expression of a plan at the subquery's level.
pub fn remap_in_expr(
    expr: Expr,
    depth: usize,
    map: &mut dyn FnMut(usize, &Expr) -> SqlResult<usize>,
) -> SqlResult<Expr> {
    expr.transform(&mut |e| match e.kind {
        ExprKind::OuterColumn { depth: d, index } if d == depth => {
            let index = map(index, &e)?;
            Ok(Expr::new(ExprKind::OuterColumn { depth, index }, e.ty))
        }
        ExprKind::Subquery(mut sub) if sub.correlated => {
            remap_outer_columns(Arc::make_mut(&mut sub.plan), depth + 1, map)?;
            Ok(Expr::new(ExprKind::Subquery(sub), e.ty))
        }
        ExprKind::Quantified(mut q) if q.correlated => {
            remap_outer_columns(Arc::make_mut(&mut q.plan), depth + 1, map)?;
            Ok(Expr::new(ExprKind::Quantified(q), e.ty))
        }
        kind => Ok(Expr::new(kind, e.ty)),
    })
}
