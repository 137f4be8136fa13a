//! UNION, INTERSECT and EXCEPT, with and without ALL, by PostgreSQL's multiset rules:
//! UNION ALL concatenates; the others count each distinct row on both sides.

use std::collections::HashMap;

use embeddb_types::{Row, SqlResult};

use super::context::ExecContext;
use super::{BoxedOperator, CHUNK_ROWS, Chunk, MemoryTracker, Operator};
use crate::plan::SetOpKind;

pub struct SetOp {
    left: Option<BoxedOperator>,
    right: Option<BoxedOperator>,
    kind: SetOpKind,
    all: bool,
    ctx: ExecContext,
    /// Results once computed (everything but UNION ALL).
    output: Option<std::vec::IntoIter<Row>>,
}

impl SetOp {
    pub fn new(
        left: BoxedOperator,
        right: BoxedOperator,
        kind: SetOpKind,
        all: bool,
        ctx: ExecContext,
    ) -> Self {
        SetOp {
            left: Some(left),
            right: Some(right),
            kind,
            all,
            ctx,
            output: None,
        }
    }

    fn compute(&mut self) -> SqlResult<Vec<Row>> {
        let mut memory = MemoryTracker::new(self.ctx.work_mem_bytes, "set operation");
        // Row → (count on the left, count on the right), in first-seen order.
        let mut counts: HashMap<Row, (usize, usize, usize)> = HashMap::new();
        let mut order: Vec<Row> = Vec::new();
        for (side, input) in [(0, self.left.take()), (1, self.right.take())] {
            let Some(mut input) = input else { continue };
            while let Some(chunk) = input.next_chunk()? {
                self.ctx.check_interrupt()?;
                for row in chunk {
                    match counts.get_mut(&row) {
                        Some(c) => {
                            if side == 0 {
                                c.0 += 1;
                            } else {
                                c.1 += 1;
                            }
                        }
                        None => {
                            memory.add_row(&row)?;
                            let c = if side == 0 {
                                (1, 0, order.len())
                            } else {
                                (0, 1, order.len())
                            };
                            counts.insert(row.clone(), c);
                            order.push(row);
                        }
                    }
                }
            }
        }
        let mut out = Vec::new();
        for row in order {
            let Some(&(l, r, _)) = counts.get(&row) else {
                continue;
            };
            let times = match (self.kind, self.all) {
                (SetOpKind::Union, _) => 1,
                (SetOpKind::Intersect, false) => usize::from(l > 0 && r > 0),
                (SetOpKind::Intersect, true) => l.min(r),
                (SetOpKind::Except, false) => usize::from(l > 0 && r == 0),
                (SetOpKind::Except, true) => l.saturating_sub(r),
            };
            for _ in 0..times {
                out.push(row.clone());
            }
        }
        Ok(out)
    }
}

impl Operator for SetOp {
    fn next_chunk(&mut self) -> SqlResult<Option<Chunk>> {
        if self.kind == SetOpKind::Union && self.all {
            // Stream: the left side, then the right.
            if let Some(left) = self.left.as_mut() {
                match left.next_chunk()? {
                    Some(chunk) => return Ok(Some(chunk)),
                    None => self.left = None,
                }
            }
            return match self.right.as_mut() {
                Some(right) => right.next_chunk(),
                None => Ok(None),
            };
        }
        if self.output.is_none() {
            let rows = self.compute()?;
            self.output = Some(rows.into_iter());
        }
        let chunk: Chunk = self
            .output
            .as_mut()
            .map(|o| o.by_ref().take(CHUNK_ROWS).collect())
            .unwrap_or_default();
        Ok(if chunk.is_empty() { None } else { Some(chunk) })
    }
}
