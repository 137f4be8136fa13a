//! Join ordering. A tree of inner joins is flattened into its inputs and conditions and
//! rebuilt left-deep: the input with the most estimated rows first, so it streams through
//! every hash join, then repeatedly the smallest input connected to what is joined so far by
//! a condition, which becomes the hashed (build) side. A projection on top restores the
//! column order the binder expects, so nothing above notices.
//!
//! Estimates are rough on purpose: table sizes come from the bytes the engine holds, each
//! filter conjunct keeps a third of the rows, and an equi-join yields its larger input. They
//! only have to rank inputs, not predict results.

use embeddb_tables::TableDef;
use embeddb_types::ops::BinaryOp;

use super::{and_all, map_inputs};
use crate::expr::{Expr, ExprKind};
use crate::plan::{AccessPath, Field, JoinKind, LogicalPlan};

/// Table sizes for planning.
pub trait TableStatistics {
    /// Estimated rows in the table.
    fn table_rows(&self, table: &TableDef) -> f64;
}

/// Statistics that know nothing (every table the same size): joins keep their written order.
pub struct NoStatistics;

impl TableStatistics for NoStatistics {
    fn table_rows(&self, _table: &TableDef) -> f64 {
        1000.0
    }
}

/// Fraction of rows a filter conjunct is assumed to keep.
const CONJUNCT_SELECTIVITY: f64 = 0.33;

/// Estimated rows a plan produces.
pub(crate) fn estimate_rows(plan: &LogicalPlan, stats: &dyn TableStatistics) -> f64 {
    let filtered = |rows: f64, predicate: Option<&Expr>| match predicate {
        Some(p) => rows * CONJUNCT_SELECTIVITY.powi(p.clone().conjuncts().len() as i32),
        None => rows,
    };
    let rows = match plan {
        LogicalPlan::OneRow => 1.0,
        LogicalPlan::Empty { .. } => 0.0,
        LogicalPlan::Values { rows, .. } => rows.len() as f64,
        LogicalPlan::Scan(scan) => {
            let table_rows = stats.table_rows(&scan.table).max(1.0);
            let accessed = match &scan.access {
                AccessPath::FullScan => table_rows,
                AccessPath::PrimaryKey { ranges } => {
                    let key_columns = scan.table.primary_key.len();
                    if ranges.iter().all(|r| r.is_point(key_columns)) {
                        ranges.len() as f64
                    } else {
                        table_rows * CONJUNCT_SELECTIVITY
                    }
                }
                AccessPath::Index { .. } => {
                    table_rows * CONJUNCT_SELECTIVITY * CONJUNCT_SELECTIVITY
                }
            };
            filtered(accessed, scan.filter.as_ref()).min(accessed)
        }
        LogicalPlan::FunctionScan { .. } => 1000.0,
        LogicalPlan::ProjectSet { input, .. } => estimate_rows(input, stats) * 10.0,
        LogicalPlan::Filter { input, predicate } => {
            filtered(estimate_rows(input, stats), Some(predicate))
        }
        LogicalPlan::Project { input, .. }
        | LogicalPlan::Window { input, .. }
        | LogicalPlan::Sort { input, .. } => estimate_rows(input, stats),
        LogicalPlan::Aggregate {
            input, group_by, ..
        } => {
            if group_by.is_empty() {
                1.0
            } else {
                estimate_rows(input, stats) * 0.1
            }
        }
        LogicalPlan::Limit { input, limit, .. } => {
            let rows = estimate_rows(input, stats);
            match limit
                .as_ref()
                .and_then(Expr::as_literal)
                .and_then(|v| v.as_i64())
            {
                Some(n) => rows.min(n as f64),
                None => rows,
            }
        }
        LogicalPlan::Distinct { input, .. } => estimate_rows(input, stats) * 0.5,
        LogicalPlan::Join {
            left,
            right,
            kind,
            condition,
            ..
        } => {
            let l = estimate_rows(left, stats);
            let r = estimate_rows(right, stats);
            match (kind, condition) {
                (JoinKind::Semi | JoinKind::Anti, _) => l * 0.5,
                (_, Some(c)) if has_equality(c) => l.max(r),
                (_, Some(_)) => l * r * CONJUNCT_SELECTIVITY,
                (_, None) => l * r,
            }
        }
        LogicalPlan::SetOp { left, right, .. } => {
            estimate_rows(left, stats) + estimate_rows(right, stats)
        }
        LogicalPlan::RecursiveUnion { anchor, .. } => estimate_rows(anchor, stats) * 10.0,
        LogicalPlan::WorkTable { .. } => 100.0,
        LogicalPlan::SharedScan { input, .. } => estimate_rows(input, stats),
    };
    rows.max(0.0)
}

fn has_equality(condition: &Expr) -> bool {
    condition.clone().conjuncts().iter().any(|c| {
        matches!(
            c.kind,
            ExprKind::Binary {
                op: BinaryOp::Eq,
                ..
            }
        )
    })
}

/// One input of a flattened inner-join tree.
struct Input {
    plan: LogicalPlan,
    schema: Vec<Field>,
    /// First column of this input in the original (written) column order.
    offset: usize,
    rows: f64,
}

/// Flattens nested inner joins into inputs and conditions over the whole row in written
/// column order.
fn flatten(
    plan: LogicalPlan,
    offset: usize,
    inputs: &mut Vec<Input>,
    conditions: &mut Vec<Expr>,
    stats: &dyn TableStatistics,
) {
    match plan {
        LogicalPlan::Join {
            left,
            right,
            kind: JoinKind::Inner,
            condition,
            ..
        } => {
            let left_width = left.column_count();
            flatten(*left, offset, inputs, conditions, stats);
            flatten(*right, offset + left_width, inputs, conditions, stats);
            if let Some(c) = condition {
                for conjunct in c.conjuncts() {
                    conditions.push(remap(conjunct, &|i| i + offset));
                }
            }
        }
        other => {
            let plan = reorder_joins(other, stats);
            let rows = estimate_rows(&plan, stats);
            inputs.push(Input {
                schema: plan.schema(),
                plan,
                offset,
                rows,
            });
        }
    }
}

fn remap(e: Expr, f: &dyn Fn(usize) -> usize) -> Expr {
    e.transform(&mut |node| {
        Ok(match node.kind {
            ExprKind::Column(i) => Expr::column(f(i), node.ty),
            _ => node,
        })
    })
    .unwrap_or_else(|_| Expr::boolean(true))
}

/// Which inputs (by index) a condition reads.
fn inputs_of(condition: &Expr, inputs: &[Input]) -> Vec<usize> {
    let mut columns = Vec::new();
    condition.collect_columns(&mut columns);
    let mut out: Vec<usize> = columns
        .iter()
        .filter_map(|c| {
            inputs
                .iter()
                .position(|i| *c >= i.offset && *c < i.offset + i.schema.len())
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The order to join the inputs in.
fn choose_order(inputs: &[Input], conditions: &[Expr]) -> Vec<usize> {
    let reads: Vec<Vec<usize>> = conditions.iter().map(|c| inputs_of(c, inputs)).collect();
    let mut order: Vec<usize> = Vec::with_capacity(inputs.len());
    let mut joined = vec![false; inputs.len()];
    // The largest input streams (probe side of every join); ties keep written order.
    let mut first = 0;
    for (i, input) in inputs.iter().enumerate() {
        if input.rows > inputs[first].rows {
            first = i;
        }
    }
    order.push(first);
    joined[first] = true;
    while order.len() < inputs.len() {
        let connected = |candidate: usize| {
            reads.iter().any(|r| {
                r.len() > 1
                    && r.contains(&candidate)
                    && r.iter().all(|i| *i == candidate || joined[*i])
            })
        };
        let mut best: Option<(bool, usize)> = None;
        for candidate in (0..inputs.len()).filter(|i| !joined[*i]) {
            let is_connected = connected(candidate);
            best = match best {
                None => Some((is_connected, candidate)),
                Some((best_connected, b)) => {
                    let better = (is_connected && !best_connected)
                        || (is_connected == best_connected
                            && inputs[candidate].rows < inputs[b].rows);
                    if better {
                        Some((is_connected, candidate))
                    } else {
                        Some((best_connected, b))
                    }
                }
            };
        }
        let Some((_, next)) = best else { break };
        order.push(next);
        joined[next] = true;
    }
    order
}

pub(crate) fn reorder_joins(plan: LogicalPlan, stats: &dyn TableStatistics) -> LogicalPlan {
    if !matches!(
        plan,
        LogicalPlan::Join {
            kind: JoinKind::Inner,
            ..
        }
    ) {
        return map_inputs(plan, &mut |p| reorder_joins(p, stats));
    }
    let original_schema = plan.schema();
    let mut inputs = Vec::new();
    let mut conditions = Vec::new();
    flatten(plan, 0, &mut inputs, &mut conditions, stats);
    let order = choose_order(&inputs, &conditions);

    // Where each original column lands in the new order.
    let width = original_schema.len();
    let mut new_position = vec![0usize; width];
    let mut next = 0;
    for &i in &order {
        for c in 0..inputs[i].schema.len() {
            new_position[inputs[i].offset + c] = next;
            next += 1;
        }
    }
    let reads: Vec<Vec<usize>> = conditions.iter().map(|c| inputs_of(c, &inputs)).collect();
    let mut placed = vec![false; conditions.len()];
    let mut joined = vec![false; inputs.len()];
    let mut slots: Vec<Option<Input>> = inputs.into_iter().map(Some).collect();
    let mut tree: Option<(LogicalPlan, Vec<Field>)> = None;
    for &i in &order {
        joined[i] = true;
        let Some(input) = slots[i].take() else {
            continue;
        };
        tree = Some(match tree {
            None => (input.plan, input.schema),
            Some((left, left_schema)) => {
                let mut here = Vec::new();
                for (c, condition) in conditions.iter().enumerate() {
                    if !placed[c] && reads[c].iter().all(|r| joined[*r]) {
                        placed[c] = true;
                        here.push(remap(condition.clone(), &|col| new_position[col]));
                    }
                }
                let mut schema = left_schema;
                schema.extend(input.schema);
                (
                    LogicalPlan::Join {
                        left: Box::new(left),
                        right: Box::new(input.plan),
                        kind: JoinKind::Inner,
                        condition: and_all(here),
                        schema: schema.clone(),
                    },
                    schema,
                )
            }
        });
    }
    let Some((mut plan, _)) = tree else {
        return LogicalPlan::Empty {
            schema: original_schema,
        };
    };
    // Conditions that read no input at all (constants) filter the result.
    let leftover: Vec<Expr> = conditions
        .iter()
        .zip(&placed)
        .filter(|(_, p)| !**p)
        .map(|(c, _)| remap(c.clone(), &|col| new_position[col]))
        .collect();
    if let Some(predicate) = and_all(leftover) {
        plan = LogicalPlan::Filter {
            input: Box::new(plan),
            predicate,
        };
    }
    let identity = new_position.iter().enumerate().all(|(i, p)| i == *p);
    if identity {
        return plan;
    }
    let exprs = original_schema
        .iter()
        .enumerate()
        .map(|(i, f)| Expr::column(new_position[i], f.ty.clone()))
        .collect();
    LogicalPlan::Project {
        input: Box::new(plan),
        exprs,
        schema: original_schema,
    }
}
