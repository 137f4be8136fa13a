//! ProjectSet: set-returning functions evaluated for each input row, their rows side by side
//! (PostgreSQL 10+ semantics: as many rows as the longest call returns, the shorter calls
//! padded with NULLs). Each call's rows are pulled in chunks as they are needed, so a long
//! series streams.

use std::collections::VecDeque;

use embeddb_types::{Row, SqlResult, Value};

use super::context::ExecContext;
use super::{BoxedOperator, CHUNK_ROWS, Chunk, Operator};
use crate::functions::table::SetFunctionCall;

/// One call's state for the current input row.
struct Running {
    op: Option<BoxedOperator>,
    buffered: VecDeque<Row>,
}

pub struct ProjectSet {
    input: BoxedOperator,
    calls: Vec<SetFunctionCall>,
    ordinality: bool,
    ctx: ExecContext,
    pending: VecDeque<Row>,
    input_done: bool,
    current: Option<(Row, Vec<Running>, i64)>,
}

impl ProjectSet {
    pub fn new(
        input: BoxedOperator,
        calls: Vec<SetFunctionCall>,
        ordinality: bool,
        ctx: ExecContext,
    ) -> Self {
        ProjectSet {
            input,
            calls,
            ordinality,
            ctx,
            pending: VecDeque::new(),
            input_done: false,
            current: None,
        }
    }

    /// Moves to the next input row; false once the input is exhausted.
    fn advance(&mut self) -> SqlResult<bool> {
        while self.pending.is_empty() {
            if self.input_done {
                return Ok(false);
            }
            match self.input.next_chunk()? {
                Some(chunk) => self.pending.extend(chunk),
                None => self.input_done = true,
            }
        }
        let Some(row) = self.pending.pop_front() else {
            return Ok(false);
        };
        let mut running = Vec::with_capacity(self.calls.len());
        for call in &self.calls {
            running.push(Running {
                op: Some(crate::functions::table::build(call, &row, &self.ctx)?),
                buffered: VecDeque::new(),
            });
        }
        self.current = Some((row, running, 0));
        Ok(true)
    }
}

impl Operator for ProjectSet {
    fn next_chunk(&mut self) -> SqlResult<Option<Chunk>> {
        let mut out = Vec::new();
        while out.len() < CHUNK_ROWS {
            if self.current.is_none() && !self.advance()? {
                break;
            }
            let Some((row, running, ordinal)) = self.current.as_mut() else {
                break;
            };
            // Refill each call's buffer; a call whose operator is exhausted stays empty.
            for r in running.iter_mut() {
                if r.buffered.is_empty()
                    && let Some(op) = r.op.as_mut()
                {
                    match op.next_chunk()? {
                        Some(chunk) => r.buffered.extend(chunk),
                        None => r.op = None,
                    }
                }
            }
            if running.iter().all(|r| r.buffered.is_empty()) {
                self.current = None;
                self.ctx.check_interrupt()?;
                continue;
            }
            *ordinal += 1;
            let mut out_row = row.clone();
            for (r, call) in running.iter_mut().zip(&self.calls) {
                match r.buffered.pop_front() {
                    Some(values) => out_row.extend(values),
                    None => out_row.extend(call.fields.iter().map(|_| Value::Null)),
                }
            }
            if self.ordinality {
                out_row.push(Value::Int8(*ordinal));
            }
            out.push(out_row);
        }
        Ok(if out.is_empty() { None } else { Some(out) })
    }
}
