//! The executor: streaming physical operators built from a logical plan.
//!
//! Operators pull from their inputs in chunks of rows (up to [`CHUNK_ROWS`]), which keeps the
//! per-row cost of dynamic dispatch low while never holding more than a chunk of a table scan
//! in memory. Blocking operators (sort, hash aggregation, hash join build sides) hold what
//! they must within `work_mem` and fail with 53200 past it, rather than take the server down.

mod aggregate;
mod basic;
pub mod context;
pub mod dml;
mod join;
mod keys;
mod project_set;
mod recursive;
mod scan;
mod setop;
mod sort;
pub mod subquery;
mod window;

use embeddb_types::{Row, SqlError, SqlResult, SqlState, Value};

use crate::plan::LogicalPlan;
use context::ExecContext;

/// Rows an operator passes up at a time.
pub const CHUNK_ROWS: usize = 1024;

pub type Chunk = Vec<Row>;

/// A pull-based operator. `next_chunk` returns `None` once exhausted; a returned chunk is
/// never empty.
pub trait Operator: Send {
    fn next_chunk(&mut self) -> SqlResult<Option<Chunk>>;
}

pub type BoxedOperator = Box<dyn Operator>;

/// Builds the operator tree for a plan.
pub fn build(plan: &LogicalPlan, ctx: &ExecContext) -> SqlResult<BoxedOperator> {
    // EXPLAIN ANALYZE numbers nodes in pre-order, as its renderer walks the plan.
    let counter = ctx.node_counts.as_ref().map(|counts| {
        let mut c = counts.lock();
        c.push(0);
        (counts.clone(), c.len() - 1)
    });
    let operator = build_node(plan, ctx)?;
    Ok(match counter {
        Some((counts, index)) => Box::new(Counted {
            inner: operator,
            counts,
            index,
        }),
        None => operator,
    })
}

/// Counts the rows an operator produces, for EXPLAIN ANALYZE.
struct Counted {
    inner: BoxedOperator,
    counts: crate::explain::NodeCounts,
    index: usize,
}

impl Operator for Counted {
    fn next_chunk(&mut self) -> SqlResult<Option<Chunk>> {
        let chunk = self.inner.next_chunk()?;
        if let Some(c) = &chunk
            && let Some(slot) = self.counts.lock().get_mut(self.index)
        {
            *slot += c.len() as u64;
        }
        Ok(chunk)
    }
}

fn build_node(plan: &LogicalPlan, ctx: &ExecContext) -> SqlResult<BoxedOperator> {
    Ok(match plan {
        LogicalPlan::OneRow => Box::new(basic::OneRow::new()),
        LogicalPlan::Empty { .. } => Box::new(basic::Empty),
        LogicalPlan::Values { rows, .. } => {
            Box::new(basic::Values::new(std::sync::Arc::clone(rows), ctx.clone()))
        }
        LogicalPlan::Scan(scan) => Box::new(scan::TableScan::new(scan.clone(), ctx.clone())?),
        LogicalPlan::FunctionScan {
            calls, ordinality, ..
        } => Box::new(project_set::ProjectSet::new(
            Box::new(basic::OneRow::new()),
            calls.clone(),
            *ordinality,
            ctx.clone(),
        )),
        LogicalPlan::ProjectSet {
            input,
            calls,
            ordinality,
            ..
        } => Box::new(project_set::ProjectSet::new(
            build(input, ctx)?,
            calls.clone(),
            *ordinality,
            ctx.clone(),
        )),
        LogicalPlan::Filter { input, predicate } => Box::new(basic::Filter::new(
            build(input, ctx)?,
            predicate.clone(),
            ctx.clone(),
        )),
        LogicalPlan::Project { input, exprs, .. } => Box::new(basic::Project::new(
            build(input, ctx)?,
            exprs.clone(),
            ctx.clone(),
        )),
        LogicalPlan::Aggregate {
            input,
            group_by,
            aggregates,
            ..
        } => Box::new(aggregate::HashAggregate::new(
            build(input, ctx)?,
            group_by.clone(),
            aggregates.clone(),
            ctx.clone(),
        )?),
        LogicalPlan::Window { input, calls, .. } => Box::new(window::WindowOp::new(
            build(input, ctx)?,
            calls.clone(),
            ctx.clone(),
        )),
        LogicalPlan::Sort { input, keys, limit } => Box::new(sort::Sort::new(
            build(input, ctx)?,
            keys.clone(),
            limit.clone(),
            ctx.clone(),
        )),
        LogicalPlan::Limit {
            input,
            limit,
            offset,
        } => Box::new(basic::Limit::new(
            build(input, ctx)?,
            limit.as_ref(),
            offset.as_ref(),
            ctx,
        )?),
        LogicalPlan::Distinct { input, on } => Box::new(basic::Distinct::new(
            build(input, ctx)?,
            on.clone(),
            ctx.clone(),
        )),
        LogicalPlan::Join {
            left,
            right,
            kind,
            condition,
            ..
        } => join::build_join(left, right, *kind, condition.as_ref(), ctx)?,
        LogicalPlan::SetOp {
            left,
            right,
            kind,
            all,
            ..
        } => Box::new(setop::SetOp::new(
            build(left, ctx)?,
            build(right, ctx)?,
            *kind,
            *all,
            ctx.clone(),
        )),
        LogicalPlan::RecursiveUnion {
            id,
            anchor,
            recursive,
            all,
            ..
        } => Box::new(recursive::RecursiveUnion::new(
            *id,
            build(anchor, ctx)?,
            (**recursive).clone(),
            *all,
            ctx.clone(),
        )),
        LogicalPlan::WorkTable { id, .. } => Box::new(recursive::WorkTableScan::new(*id, ctx)?),
        LogicalPlan::SharedScan { input, .. } => build(input, ctx)?,
    })
}

/// Runs a plan to completion and returns every row (subqueries, DML sources).
pub fn collect(plan: &LogicalPlan, ctx: &ExecContext) -> SqlResult<Vec<Row>> {
    let mut op = build(plan, ctx)?;
    let mut rows = Vec::new();
    while let Some(chunk) = op.next_chunk()? {
        rows.extend(chunk);
    }
    Ok(rows)
}

/// Tracks the memory a blocking operator holds against `work_mem`.
pub struct MemoryTracker {
    used_bytes: usize,
    limit_bytes: usize,
    what: &'static str,
}

impl MemoryTracker {
    pub fn new(limit_bytes: usize, what: &'static str) -> Self {
        MemoryTracker {
            used_bytes: 0,
            limit_bytes,
            what,
        }
    }

    pub fn add_row(&mut self, row: &[Value]) -> SqlResult<()> {
        self.add(row.iter().map(Value::size_bytes).sum::<usize>() + 24)
    }

    pub fn add(&mut self, bytes: usize) -> SqlResult<()> {
        self.used_bytes += bytes;
        if self.used_bytes > self.limit_bytes {
            return Err(SqlError::new(
                SqlState::OUT_OF_MEMORY,
                format!(
                    "{} needs more than work_mem ({} kB)",
                    self.what,
                    self.limit_bytes / 1024
                ),
            )
            .with_hint("Increase work_mem, or narrow the query."));
        }
        Ok(())
    }

    pub fn release(&mut self, bytes: usize) {
        self.used_bytes = self.used_bytes.saturating_sub(bytes);
    }
}
