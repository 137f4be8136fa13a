//! WITH RECURSIVE: the anchor's rows, then rounds of the recursive term over the rows the
//! previous round produced (its work table), until a round produces nothing new. Without ALL,
//! rows already produced are discarded, which also ends cycles. A bound on rounds and rows
//! turns runaway recursion into an error instead of exhausted memory.

use std::collections::HashSet;
use std::sync::Arc;

use embeddb_types::{Row, SqlError, SqlResult};

use super::context::ExecContext;
use super::{BoxedOperator, CHUNK_ROWS, Chunk, MemoryTracker, Operator, build};
use crate::plan::LogicalPlan;

pub struct RecursiveUnion {
    id: usize,
    anchor: Option<BoxedOperator>,
    recursive: LogicalPlan,
    all: bool,
    ctx: ExecContext,
    seen: HashSet<Row>,
    /// Rows of the last round, the next round's work table.
    frontier: Vec<Row>,
    output: std::vec::IntoIter<Row>,
    memory: MemoryTracker,
    done: bool,
}

impl RecursiveUnion {
    pub fn new(
        id: usize,
        anchor: BoxedOperator,
        recursive: LogicalPlan,
        all: bool,
        ctx: ExecContext,
    ) -> Self {
        let memory = MemoryTracker::new(ctx.work_mem_bytes, "recursive query");
        RecursiveUnion {
            id,
            anchor: Some(anchor),
            recursive,
            all,
            ctx,
            seen: HashSet::new(),
            frontier: Vec::new(),
            output: Vec::new().into_iter(),
            memory,
            done: false,
        }
    }

    /// Keeps the rows that are new (all of them under UNION ALL).
    fn admit(&mut self, rows: Vec<Row>) -> SqlResult<Vec<Row>> {
        let mut fresh = Vec::with_capacity(rows.len());
        for row in rows {
            self.memory.add_row(&row)?;
            if self.all || self.seen.insert(row.clone()) {
                fresh.push(row);
            }
        }
        Ok(fresh)
    }

    fn next_round(&mut self) -> SqlResult<Vec<Row>> {
        if let Some(mut anchor) = self.anchor.take() {
            let mut rows = Vec::new();
            while let Some(chunk) = anchor.next_chunk()? {
                rows.extend(chunk);
            }
            let fresh = self.admit(rows)?;
            self.frontier = fresh.clone();
            return Ok(fresh);
        }
        if self.frontier.is_empty() {
            return Ok(Vec::new());
        }
        self.ctx.check_interrupt()?;
        self.ctx
            .shared_results
            .lock()
            .insert(self.id, Arc::new(std::mem::take(&mut self.frontier)));
        let mut op = build(&self.recursive, &self.ctx)?;
        let mut rows = Vec::new();
        while let Some(chunk) = op.next_chunk()? {
            rows.extend(chunk);
        }
        let fresh = self.admit(rows)?;
        self.frontier = fresh.clone();
        Ok(fresh)
    }
}

impl Operator for RecursiveUnion {
    fn next_chunk(&mut self) -> SqlResult<Option<Chunk>> {
        loop {
            let chunk: Chunk = self.output.by_ref().take(CHUNK_ROWS).collect();
            if !chunk.is_empty() {
                return Ok(Some(chunk));
            }
            if self.done {
                return Ok(None);
            }
            let round = self.next_round()?;
            if round.is_empty() {
                self.done = true;
                self.ctx.shared_results.lock().remove(&self.id);
            }
            self.output = round.into_iter();
        }
    }
}

/// Reads the rows of the current round of a recursive CTE.
pub struct WorkTableScan {
    rows: std::vec::IntoIter<Row>,
}

impl WorkTableScan {
    pub fn new(id: usize, ctx: &ExecContext) -> SqlResult<Self> {
        let rows = ctx
            .shared_results
            .lock()
            .get(&id)
            .cloned()
            .ok_or_else(|| SqlError::internal("work table read outside its recursion"))?;
        Ok(WorkTableScan {
            rows: (*rows).clone().into_iter(),
        })
    }
}

impl Operator for WorkTableScan {
    fn next_chunk(&mut self) -> SqlResult<Option<Chunk>> {
        let chunk: Chunk = self.rows.by_ref().take(CHUNK_ROWS).collect();
        Ok(if chunk.is_empty() { None } else { Some(chunk) })
    }
}
