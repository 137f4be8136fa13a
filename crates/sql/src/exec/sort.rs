//! ORDER BY: a full in-memory sort within `work_mem`, or a top-k sort when a LIMIT sits above
//! (keeps only the best k rows, so `ORDER BY x LIMIT 10` over a large input holds 2k rows).

use std::cmp::Ordering;

use embeddb_types::{Row, SqlResult, Value};

use super::context::ExecContext;
use super::{BoxedOperator, CHUNK_ROWS, Chunk, MemoryTracker, Operator};
use crate::expr::Expr;
use crate::plan::SortKey;

/// Compares two sort-key tuples by the keys' directions and NULL placement.
pub fn compare_keys(a: &[Value], b: &[Value], keys: &[SortKey]) -> Ordering {
    for ((x, y), key) in a.iter().zip(b).zip(keys) {
        let ord = match (x.is_null(), y.is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) => {
                if key.nulls_first {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (false, true) => {
                if key.nulls_first {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
            (false, false) => {
                let o = x.cmp(y);
                if key.descending { o.reverse() } else { o }
            }
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

pub fn eval_keys(keys: &[SortKey], row: &[Value], ctx: &ExecContext) -> SqlResult<Vec<Value>> {
    let mut out = Vec::with_capacity(keys.len());
    for k in keys {
        out.push(k.expr.eval(row, ctx)?);
    }
    Ok(out)
}

pub struct Sort {
    input: Option<BoxedOperator>,
    keys: Vec<SortKey>,
    limit: Option<Expr>,
    ctx: ExecContext,
    sorted: std::vec::IntoIter<Row>,
}

impl Sort {
    pub fn new(
        input: BoxedOperator,
        keys: Vec<SortKey>,
        limit: Option<Expr>,
        ctx: ExecContext,
    ) -> Self {
        Sort {
            input: Some(input),
            keys,
            limit,
            ctx,
            sorted: Vec::new().into_iter(),
        }
    }

    fn run(&mut self, mut input: BoxedOperator) -> SqlResult<()> {
        let keep = super::basic::eval_count(self.limit.as_ref(), &self.ctx, "LIMIT")?;
        let mut memory = MemoryTracker::new(self.ctx.work_mem_bytes, "sort");
        let mut rows: Vec<(Vec<Value>, Row)> = Vec::new();
        let keys = self.keys.clone();
        let sort = |rows: &mut Vec<(Vec<Value>, Row)>| {
            rows.sort_by(|a, b| compare_keys(&a.0, &b.0, &keys));
        };
        while let Some(chunk) = input.next_chunk()? {
            for row in chunk {
                let k = eval_keys(&self.keys, &row, &self.ctx)?;
                if keep.is_none() {
                    memory.add_row(&row)?;
                    memory.add_row(&k)?;
                }
                rows.push((k, row));
            }
            if let Some(k) = keep {
                let k = usize::try_from(k).unwrap_or(usize::MAX);
                if rows.len() > k.saturating_mul(2).max(CHUNK_ROWS) {
                    sort(&mut rows);
                    rows.truncate(k);
                }
            }
        }
        sort(&mut rows);
        if let Some(k) = keep {
            rows.truncate(usize::try_from(k).unwrap_or(usize::MAX));
        }
        self.sorted = rows
            .into_iter()
            .map(|(_, row)| row)
            .collect::<Vec<_>>()
            .into_iter();
        Ok(())
    }
}

impl Operator for Sort {
    fn next_chunk(&mut self) -> SqlResult<Option<Chunk>> {
        if let Some(input) = self.input.take() {
            self.run(input)?;
        }
        let chunk: Chunk = self.sorted.by_ref().take(CHUNK_ROWS).collect();
        Ok(if chunk.is_empty() { None } else { Some(chunk) })
    }
}
