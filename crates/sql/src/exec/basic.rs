//! The simple streaming operators: a single empty row, VALUES, filter, projection, LIMIT /
//! OFFSET, and DISTINCT.

use std::collections::HashSet;

use embeddb_types::{Row, SqlError, SqlResult, SqlState, Value};

use super::context::ExecContext;
use super::{BoxedOperator, CHUNK_ROWS, Chunk, MemoryTracker, Operator};
use crate::expr::Expr;
use crate::plan::ValuesRows;

pub struct OneRow {
    done: bool,
}

impl OneRow {
    pub fn new() -> Self {
        OneRow { done: false }
    }
}

impl Operator for OneRow {
    fn next_chunk(&mut self) -> SqlResult<Option<Chunk>> {
        if self.done {
            return Ok(None);
        }
        self.done = true;
        Ok(Some(vec![Vec::new()]))
    }
}

pub struct Empty;

impl Operator for Empty {
    fn next_chunk(&mut self) -> SqlResult<Option<Chunk>> {
        Ok(None)
    }
}

/// VALUES: each row's expressions evaluated when the row is produced (so `nextval()` in a
/// default runs once per row, in order).
pub struct Values {
    rows: std::sync::Arc<ValuesRows>,
    /// The next row to produce.
    next: usize,
    ctx: ExecContext,
}

impl Values {
    pub fn new(rows: std::sync::Arc<ValuesRows>, ctx: ExecContext) -> Self {
        Values { rows, next: 0, ctx }
    }
}

impl Operator for Values {
    fn next_chunk(&mut self) -> SqlResult<Option<Chunk>> {
        let end = (self.next + CHUNK_ROWS).min(self.rows.len());
        let chunk = match self.rows.as_ref() {
            ValuesRows::Exprs(rows) => {
                let mut chunk = Vec::with_capacity(end - self.next);
                for exprs in &rows[self.next..end] {
                    let mut row = Vec::with_capacity(exprs.len());
                    for e in exprs {
                        row.push(e.eval(&[], &self.ctx)?);
                    }
                    chunk.push(row);
                }
                chunk
            }
            ValuesRows::Constants(rows) => rows[self.next..end].to_vec(),
        };
        self.next = end;
        self.ctx.check_interrupt()?;
        Ok(if chunk.is_empty() { None } else { Some(chunk) })
    }
}

pub struct Filter {
    input: BoxedOperator,
    predicate: Expr,
    ctx: ExecContext,
}

impl Filter {
    pub fn new(input: BoxedOperator, predicate: Expr, ctx: ExecContext) -> Self {
        Filter {
            input,
            predicate,
            ctx,
        }
    }
}

impl Operator for Filter {
    fn next_chunk(&mut self) -> SqlResult<Option<Chunk>> {
        loop {
            let Some(chunk) = self.input.next_chunk()? else {
                return Ok(None);
            };
            let mut out = Vec::with_capacity(chunk.len());
            for row in chunk {
                if self.predicate.eval_predicate(&row, &self.ctx)? {
                    out.push(row);
                }
            }
            if !out.is_empty() {
                return Ok(Some(out));
            }
        }
    }
}

pub struct Project {
    input: BoxedOperator,
    exprs: Vec<Expr>,
    ctx: ExecContext,
}

impl Project {
    pub fn new(input: BoxedOperator, exprs: Vec<Expr>, ctx: ExecContext) -> Self {
        Project { input, exprs, ctx }
    }
}

impl Operator for Project {
    fn next_chunk(&mut self) -> SqlResult<Option<Chunk>> {
        let Some(chunk) = self.input.next_chunk()? else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(chunk.len());
        for row in chunk {
            let mut projected = Vec::with_capacity(self.exprs.len());
            for e in &self.exprs {
                projected.push(e.eval(&row, &self.ctx)?);
            }
            out.push(projected);
        }
        Ok(Some(out))
    }
}

/// Evaluates a LIMIT or OFFSET expression: NULL means none; negative is an error.
pub fn eval_count(expr: Option<&Expr>, ctx: &ExecContext, what: &str) -> SqlResult<Option<u64>> {
    let Some(e) = expr else {
        return Ok(None);
    };
    match e.eval(&[], ctx)? {
        Value::Null => Ok(None),
        v => {
            let n = v
                .as_i64()
                .ok_or_else(|| SqlError::internal("LIMIT is not an integer"))?;
            if n < 0 {
                let (code, message) = if what == "LIMIT" {
                    (
                        SqlState::INVALID_ROW_COUNT_IN_LIMIT_CLAUSE,
                        "LIMIT must not be negative",
                    )
                } else {
                    (
                        SqlState::INVALID_ROW_COUNT_IN_RESULT_OFFSET_CLAUSE,
                        "OFFSET must not be negative",
                    )
                };
                return Err(SqlError::new(code, message));
            }
            Ok(Some(n as u64))
        }
    }
}

pub struct Limit {
    input: BoxedOperator,
    remaining: Option<u64>,
    to_skip: u64,
}

impl Limit {
    pub fn new(
        input: BoxedOperator,
        limit: Option<&Expr>,
        offset: Option<&Expr>,
        ctx: &ExecContext,
    ) -> SqlResult<Self> {
        Ok(Limit {
            input,
            remaining: eval_count(limit, ctx, "LIMIT")?,
            to_skip: eval_count(offset, ctx, "OFFSET")?.unwrap_or(0),
        })
    }
}

impl Operator for Limit {
    fn next_chunk(&mut self) -> SqlResult<Option<Chunk>> {
        loop {
            if self.remaining == Some(0) {
                return Ok(None);
            }
            let Some(mut chunk) = self.input.next_chunk()? else {
                return Ok(None);
            };
            if self.to_skip > 0 {
                let skip = (self.to_skip as usize).min(chunk.len());
                chunk.drain(..skip);
                self.to_skip -= skip as u64;
            }
            if let Some(remaining) = self.remaining.as_mut() {
                if (chunk.len() as u64) > *remaining {
                    chunk.truncate(*remaining as usize);
                }
                *remaining -= chunk.len() as u64;
            }
            if !chunk.is_empty() {
                return Ok(Some(chunk));
            }
        }
    }
}

/// DISTINCT (whole rows, hashed) or DISTINCT ON (the first row of each run of equal keys in
/// sorted input).
pub struct Distinct {
    input: BoxedOperator,
    on: Option<Vec<Expr>>,
    seen: HashSet<Row>,
    last_key: Option<Vec<Value>>,
    memory: MemoryTracker,
    ctx: ExecContext,
}

impl Distinct {
    pub fn new(input: BoxedOperator, on: Option<Vec<Expr>>, ctx: ExecContext) -> Self {
        Distinct {
            input,
            on,
            seen: HashSet::new(),
            last_key: None,
            memory: MemoryTracker::new(ctx.work_mem_bytes, "DISTINCT"),
            ctx,
        }
    }
}

impl Operator for Distinct {
    fn next_chunk(&mut self) -> SqlResult<Option<Chunk>> {
        loop {
            let Some(chunk) = self.input.next_chunk()? else {
                return Ok(None);
            };
            let mut out = Vec::new();
            for row in chunk {
                match &self.on {
                    None => {
                        if !self.seen.contains(&row) {
                            self.memory.add_row(&row)?;
                            self.seen.insert(row.clone());
                            out.push(row);
                        }
                    }
                    Some(exprs) => {
                        let mut key = Vec::with_capacity(exprs.len());
                        for e in exprs {
                            key.push(e.eval(&row, &self.ctx)?);
                        }
                        if self.last_key.as_ref() != Some(&key) {
                            self.last_key = Some(key);
                            out.push(row);
                        }
                    }
                }
            }
            if !out.is_empty() {
                return Ok(Some(out));
            }
        }
    }
}
