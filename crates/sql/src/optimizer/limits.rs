//! LIMIT pushdown: a scan under a LIMIT stops early, a sort under it keeps only the top rows,
//! and a sort a scan can satisfy by reading in key order disappears.

use embeddb_types::DataType;
use embeddb_types::ops::BinaryOp;

use super::access::ordered_access;
use super::map_inputs;
use crate::expr::{Expr, ExprKind};
use crate::plan::{LogicalPlan, SortKey};

/// `limit + offset` as one expression (the rows a node below a LIMIT must produce).
fn limit_plus_offset(limit: &Option<Expr>, offset: &Option<Expr>) -> Option<Expr> {
    let limit = limit.clone()?;
    match offset {
        None => Some(limit),
        Some(o) => {
            let sig =
                embeddb_types::ops::resolve_binary(BinaryOp::Add, &DataType::Int8, &DataType::Int8)
                    .ok()?;
            Some(Expr::new(
                ExprKind::Binary {
                    op: BinaryOp::Add,
                    sig,
                    left: Box::new(limit),
                    right: Box::new(o.clone()),
                },
                DataType::Int8,
            ))
        }
    }
}

pub(crate) fn push_down_limits(plan: LogicalPlan) -> LogicalPlan {
    match plan {
        LogicalPlan::Limit {
            input,
            limit,
            offset,
        } => {
            let needed = limit_plus_offset(&limit, &offset);
            let input = match *input {
                LogicalPlan::Sort {
                    input: sort_input,
                    keys,
                    limit: None,
                } => sort_with_limit(*sort_input, keys, needed),
                LogicalPlan::Project {
                    input: project_input,
                    exprs,
                    schema,
                } if !exprs.iter().any(Expr::is_volatile) => LogicalPlan::Project {
                    input: Box::new(limit_input(*project_input, needed)),
                    exprs,
                    schema,
                },
                other => limit_input(other, needed),
            };
            LogicalPlan::Limit {
                input: Box::new(input),
                limit,
                offset,
            }
        }
        LogicalPlan::Sort { input, keys, limit } => sort_with_limit(*input, keys, limit),
        other => map_inputs(other, &mut push_down_limits),
    }
}

/// Puts a row bound on what feeds a LIMIT: a scan stops early, a sort keeps the top rows.
fn limit_input(plan: LogicalPlan, needed: Option<Expr>) -> LogicalPlan {
    match plan {
        LogicalPlan::Scan(mut scan) if needed.is_some() => {
            scan.limit = needed;
            LogicalPlan::Scan(scan)
        }
        LogicalPlan::Sort {
            input,
            keys,
            limit: None,
        } => sort_with_limit(*input, keys, needed),
        LogicalPlan::Project {
            input,
            exprs,
            schema,
        } if !exprs.iter().any(Expr::is_volatile) => LogicalPlan::Project {
            input: Box::new(limit_input(*input, needed)),
            exprs,
            schema,
        },
        other => push_down_limits(other),
    }
}

/// A sort, or a scan already in the requested key order (with the limit pushed into it).
fn sort_with_limit(input: LogicalPlan, keys: Vec<SortKey>, limit: Option<Expr>) -> LogicalPlan {
    // ORDER BY over a projection of plain columns can look through it.
    if let LogicalPlan::Project {
        input: project_input,
        exprs,
        schema,
    } = &input
        && let LogicalPlan::Scan(scan) = project_input.as_ref()
    {
        let mapped: Option<Vec<SortKey>> = keys
            .iter()
            .map(|k| match k.expr.kind {
                ExprKind::Column(i) => match exprs.get(i).map(|e| &e.kind) {
                    Some(ExprKind::Column(j)) => Some(SortKey {
                        expr: Expr::column(*j, k.expr.ty.clone()),
                        descending: k.descending,
                        nulls_first: k.nulls_first,
                    }),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        if let Some(mapped) = mapped
            && let Some((access, reverse)) = ordered_access(&mapped, scan, limit.is_some())
        {
            let mut scan = scan.clone();
            scan.access = access;
            scan.reverse = reverse;
            if limit.is_some() && !exprs.iter().any(Expr::is_volatile) {
                scan.limit = limit;
            }
            return LogicalPlan::Project {
                input: Box::new(LogicalPlan::Scan(scan)),
                exprs: exprs.clone(),
                schema: schema.clone(),
            };
        }
    }
    if let LogicalPlan::Scan(scan) = &input
        && let Some((access, reverse)) = ordered_access(&keys, scan, limit.is_some())
    {
        let mut scan = scan.clone();
        scan.access = access;
        scan.reverse = reverse;
        if limit.is_some() {
            scan.limit = limit;
        }
        return LogicalPlan::Scan(scan);
    }
    LogicalPlan::Sort {
        input: Box::new(push_down_limits(input)),
        keys,
        limit,
    }
}
