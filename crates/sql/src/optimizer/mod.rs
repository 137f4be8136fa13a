//! The optimizer: rewrites of the logical plan that keep its results and make it cheaper.
//!
//! - Filters move down into scans and into the sides of inner joins; WHERE equalities between
//!   the two sides of a comma join become its join condition (so it can hash).
//! - A scan's filter is searched for conditions on the primary key (or a secondary index):
//!   equalities, IN lists and ranges become key ranges, so `WHERE id = $1` is a point lookup.
//! - ORDER BY on the primary key over a scan becomes a forward or reverse key-order scan,
//!   and a LIMIT above it stops the scan early; ORDER BY ... LIMIT elsewhere is a top-k sort.
//!
//! Every rewrite keeps the original predicate on the scan, so a key range only ever narrows
//! what is read; it never decides alone which rows qualify.
//!
//! - Inner joins are reordered so the largest input streams and smaller ones are hashed
//!   ([`join_order`]).

mod access;
mod join_order;
mod limits;
mod pushdown;

use embeddb_types::DataType;

use crate::expr::{Expr, ExprKind};
use crate::plan::{LogicalPlan, ScanNode};

pub use join_order::{NoStatistics, TableStatistics};

impl TableStatistics for embeddb_tables::Store {
    fn table_rows(&self, table: &embeddb_tables::TableDef) -> f64 {
        self.table_row_estimate(table)
    }
}

/// Most key ranges an IN list or OR may expand to before a full scan is cheaper to plan.
const MAX_KEY_RANGES: usize = 4096;

pub fn optimize(plan: LogicalPlan, stats: &dyn TableStatistics) -> LogicalPlan {
    let plan = pushdown::push_down_filters(plan);
    let plan = access::choose_access_paths(plan);
    let plan = join_order::reorder_joins(plan, stats);
    limits::push_down_limits(plan)
}

/// Chooses the access path of a DML statement's target scan.
pub fn optimize_scan(scan: ScanNode) -> ScanNode {
    access::choose_scan_access(scan)
}

pub(crate) fn and_all(mut conjuncts: Vec<Expr>) -> Option<Expr> {
    let first = if conjuncts.is_empty() {
        return None;
    } else {
        conjuncts.remove(0)
    };
    Some(conjuncts.into_iter().fold(first, |acc, c| {
        Expr::new(ExprKind::And(Box::new(acc), Box::new(c)), DataType::Bool)
    }))
}

pub(crate) fn conjuncts_of(e: Expr) -> Vec<Expr> {
    e.conjuncts()
}

/// The column positions an expression reads, or None if it also reads something that makes it
/// unsafe to move (outer references are fine; subqueries and volatile calls are not).
pub(crate) fn movable_columns(e: &Expr) -> Option<Vec<usize>> {
    if e.is_volatile() {
        return None;
    }
    let mut columns = Vec::new();
    e.collect_columns(&mut columns);
    Some(columns)
}

pub(crate) fn shift(e: Expr, by: usize) -> Expr {
    e.transform(&mut |node| {
        Ok(match node.kind {
            ExprKind::Column(i) => Expr::column(i - by, node.ty),
            _ => node,
        })
    })
    .unwrap_or_else(|_| Expr::boolean(true))
}

pub(crate) fn with_filter(plan: LogicalPlan, conjuncts: Vec<Expr>) -> LogicalPlan {
    match and_all(conjuncts) {
        None => plan,
        Some(predicate) => pushdown::push_down_filters(LogicalPlan::Filter {
            input: Box::new(plan),
            predicate,
        }),
    }
}

/// Applies a rewrite to every direct input of a node.
pub(crate) fn map_inputs(
    plan: LogicalPlan,
    f: &mut dyn FnMut(LogicalPlan) -> LogicalPlan,
) -> LogicalPlan {
    use LogicalPlan as P;
    let b = |p: Box<LogicalPlan>, f: &mut dyn FnMut(LogicalPlan) -> LogicalPlan| Box::new(f(*p));
    match plan {
        P::Filter { input, predicate } => P::Filter {
            input: b(input, f),
            predicate,
        },
        P::Project {
            input,
            exprs,
            schema,
        } => P::Project {
            input: b(input, f),
            exprs,
            schema,
        },
        P::Aggregate {
            input,
            group_by,
            aggregates,
            schema,
        } => P::Aggregate {
            input: b(input, f),
            group_by,
            aggregates,
            schema,
        },
        P::Window {
            input,
            calls,
            schema,
        } => P::Window {
            input: b(input, f),
            calls,
            schema,
        },
        P::ProjectSet {
            input,
            calls,
            ordinality,
            schema,
        } => P::ProjectSet {
            input: b(input, f),
            calls,
            ordinality,
            schema,
        },
        P::Sort { input, keys, limit } => P::Sort {
            input: b(input, f),
            keys,
            limit,
        },
        P::Limit {
            input,
            limit,
            offset,
        } => P::Limit {
            input: b(input, f),
            limit,
            offset,
        },
        P::Distinct { input, on } => P::Distinct {
            input: b(input, f),
            on,
        },
        P::Join {
            left,
            right,
            kind,
            condition,
            schema,
        } => P::Join {
            left: b(left, f),
            right: b(right, f),
            kind,
            condition,
            schema,
        },
        P::SetOp {
            left,
            right,
            kind,
            all,
            schema,
        } => P::SetOp {
            left: b(left, f),
            right: b(right, f),
            kind,
            all,
            schema,
        },
        P::RecursiveUnion {
            id,
            anchor,
            recursive,
            all,
            schema,
        } => P::RecursiveUnion {
            id,
            anchor: b(anchor, f),
            recursive: b(recursive, f),
            all,
            schema,
        },
        leaf => leaf,
    }
}

impl Expr {
    /// Whether the value is fixed before a scan starts: literals, parameters, stable functions
    /// of those (no columns, no outer references, nothing volatile).
    pub fn is_constant_at_runtime(&self) -> bool {
        !self.is_volatile()
            && !self.any(&mut |e| {
                matches!(
                    e.kind,
                    ExprKind::Column(_)
                        | ExprKind::OuterColumn { .. }
                        | ExprKind::CaseOperand
                        | ExprKind::AggregateRef(_)
                        | ExprKind::WindowRef(_)
                )
            })
    }
}
