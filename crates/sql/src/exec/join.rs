//! Joins: a hash join when the condition has equalities between the two sides (build the right
//! side into a hash table on those keys, stream the left), a nested loop otherwise. Both handle
//! INNER, LEFT, RIGHT, FULL, SEMI and ANTI joins; the output row is the left row followed by the
//! right row (NULL-padded for the outer side), or the left row alone for SEMI and ANTI.

use std::collections::HashMap;

use embeddb_types::ops::BinaryOp;
use embeddb_types::{Row, SqlResult, Value};

use super::context::ExecContext;
use super::{BoxedOperator, CHUNK_ROWS, Chunk, MemoryTracker, Operator, build};
use crate::expr::{Expr, ExprKind};
use crate::plan::{JoinKind, LogicalPlan};

pub fn build_join(
    left: &LogicalPlan,
    right: &LogicalPlan,
    kind: JoinKind,
    condition: Option<&Expr>,
    ctx: &ExecContext,
) -> SqlResult<BoxedOperator> {
    let left_width = left.column_count();
    let right_width = right.column_count();
    let (left_keys, right_keys, residual) = match condition {
        Some(c) => split_equi_keys(c, left_width),
        None => (Vec::new(), Vec::new(), None),
    };
    Ok(Box::new(Join {
        left: build(left, ctx)?,
        right: Some(build(right, ctx)?),
        kind,
        left_keys,
        right_keys,
        residual,
        left_width,
        right_width,
        ctx: ctx.clone(),
        build: BuildSide::default(),
        pending: Vec::new(),
        left_done: false,
        unmatched_emitted: false,
    }))
}

/// Splits a join condition into equality keys (left-side expression, right-side expression
/// over the right row alone) and what remains.
fn split_equi_keys(condition: &Expr, left_width: usize) -> (Vec<Expr>, Vec<Expr>, Option<Expr>) {
    let conjuncts = condition.clone().conjuncts();
    let mut left_keys = Vec::new();
    let mut right_keys = Vec::new();
    let mut rest: Vec<Expr> = Vec::new();
    for c in conjuncts {
        if let ExprKind::Binary {
            op: BinaryOp::Eq,
            left,
            right,
            ..
        } = &c.kind
        {
            let side = |e: &Expr| side_of(e, left_width);
            match (side(left), side(right)) {
                (Some(Side::Left), Some(Side::Right)) => {
                    left_keys.push((**left).clone());
                    right_keys.push(shift_columns(right, left_width));
                    continue;
                }
                (Some(Side::Right), Some(Side::Left)) => {
                    left_keys.push((**right).clone());
                    right_keys.push(shift_columns(left, left_width));
                    continue;
                }
                _ => {}
            }
        }
        rest.push(c);
    }
    let residual = rest.into_iter().reduce(|a, b| {
        Expr::new(
            ExprKind::And(Box::new(a), Box::new(b)),
            embeddb_types::DataType::Bool,
        )
    });
    (left_keys, right_keys, residual)
}

#[derive(PartialEq, Eq, Clone, Copy)]
enum Side {
    Left,
    Right,
}

/// Which side's columns an expression reads, if exactly one and it is safe to evaluate alone.
fn side_of(e: &Expr, left_width: usize) -> Option<Side> {
    if e.is_volatile()
        || e.any(&mut |x| matches!(x.kind, ExprKind::OuterColumn { .. } | ExprKind::Subquery(_)))
    {
        return None;
    }
    let mut columns = Vec::new();
    e.collect_columns(&mut columns);
    if columns.is_empty() {
        return None;
    }
    if columns.iter().all(|c| *c < left_width) {
        Some(Side::Left)
    } else if columns.iter().all(|c| *c >= left_width) {
        Some(Side::Right)
    } else {
        None
    }
}

fn shift_columns(e: &Expr, by: usize) -> Expr {
    e.clone()
        .transform(&mut |node| {
            Ok(match node.kind {
                ExprKind::Column(i) => Expr::column(i - by, node.ty),
                _ => node,
            })
        })
        .unwrap_or_else(|_| e.clone())
}

/// Integers of different widths that compare equal must hash equal: widen them.
fn normalize_key(v: Value) -> Value {
    match v {
        Value::Int2(x) => Value::Int8(i64::from(x)),
        Value::Int4(x) => Value::Int8(i64::from(x)),
        other => other,
    }
}

#[derive(Default)]
struct BuildSide {
    rows: Vec<Row>,
    matched: Vec<bool>,
    /// Hash join: key → positions in `rows`. Rows with a NULL key are in `rows` only.
    table: HashMap<Vec<Value>, Vec<usize>>,
    /// Nested loop: every position in `rows`, the candidates of every left row.
    all_positions: Vec<usize>,
}

struct Join {
    left: BoxedOperator,
    right: Option<BoxedOperator>,
    kind: JoinKind,
    left_keys: Vec<Expr>,
    right_keys: Vec<Expr>,
    residual: Option<Expr>,
    left_width: usize,
    right_width: usize,
    ctx: ExecContext,
    build: BuildSide,
    pending: Vec<Row>,
    left_done: bool,
    unmatched_emitted: bool,
}

impl Join {
    fn is_hash(&self) -> bool {
        !self.left_keys.is_empty()
    }

    fn build_right(&mut self, mut right: BoxedOperator) -> SqlResult<()> {
        let mut memory = MemoryTracker::new(self.ctx.work_mem_bytes, "join");
        while let Some(chunk) = right.next_chunk()? {
            self.ctx.check_interrupt()?;
            for row in chunk {
                memory.add_row(&row)?;
                let position = self.build.rows.len();
                if self.is_hash() {
                    let key = eval_key(&self.right_keys, &row, &self.ctx)?;
                    if let Some(key) = key {
                        self.build.table.entry(key).or_default().push(position);
                    }
                }
                self.build.rows.push(row);
            }
        }
        self.build.matched = vec![false; self.build.rows.len()];
        if !self.is_hash() {
            self.build.all_positions = (0..self.build.rows.len()).collect();
        }
        Ok(())
    }

    fn probe(&mut self, left: Row) -> SqlResult<()> {
        let key = if self.is_hash() {
            match eval_key(&self.left_keys, &left, &self.ctx)? {
                Some(key) => Some(key),
                None => return self.unmatched(left),
            }
        } else {
            None
        };
        let Join {
            build,
            pending,
            residual,
            kind,
            ctx,
            ..
        } = self;
        let candidates: &[usize] = match &key {
            Some(key) => build.table.get(key).map_or(&[], Vec::as_slice),
            None => &build.all_positions,
        };
        // The left row is moved into the last joined row when nothing can need it after
        // (no residual condition to fail): a join on a foreign key matches each left row
        // once, and cloning its values (strings among them) was most of the join's work.
        let mut left = Some(left);
        let mut matched_any = false;
        for (i, &position) in candidates.iter().enumerate() {
            let right = &build.rows[position];
            let Some(left_row) = left.as_ref() else {
                break;
            };
            match kind {
                JoinKind::Semi | JoinKind::Anti => {
                    if let Some(residual) = residual.as_ref() {
                        let joined = joined(left_row, right);
                        if !residual.eval_predicate(&joined, ctx)? {
                            continue;
                        }
                    }
                    build.matched[position] = true;
                    if *kind == JoinKind::Semi {
                        pending.extend(left.take());
                    }
                    return Ok(());
                }
                _ => {}
            }
            let last = i + 1 == candidates.len();
            let row = match residual.as_ref() {
                None if last => {
                    let mut row = left.take().unwrap_or_default();
                    row.extend_from_slice(right);
                    row
                }
                None => joined(left_row, right),
                Some(residual) => {
                    let row = joined(left_row, right);
                    if !residual.eval_predicate(&row, ctx)? {
                        continue;
                    }
                    row
                }
            };
            matched_any = true;
            build.matched[position] = true;
            pending.push(row);
        }
        match left {
            Some(left) if !matched_any => self.unmatched(left),
            _ => Ok(()),
        }
    }

    /// A left row that joined nothing: NULL-padded for LEFT and FULL, kept for ANTI.
    fn unmatched(&mut self, mut left: Row) -> SqlResult<()> {
        match self.kind {
            JoinKind::Left | JoinKind::Full => {
                left.resize(left.len() + self.right_width, Value::Null);
                self.pending.push(left);
            }
            JoinKind::Anti => self.pending.push(left),
            _ => {}
        }
        Ok(())
    }
}

/// The left row followed by the right row.
fn joined(left: &[Value], right: &[Value]) -> Row {
    let mut row = Vec::with_capacity(left.len() + right.len());
    row.extend_from_slice(left);
    row.extend_from_slice(right);
    row
}

fn eval_key(exprs: &[Expr], row: &[Value], ctx: &ExecContext) -> SqlResult<Option<Vec<Value>>> {
    let mut key = Vec::with_capacity(exprs.len());
    for e in exprs {
        let v = e.eval(row, ctx)?;
        if v.is_null() {
            // NULL never equals anything: the row joins nothing on this key.
            return Ok(None);
        }
        key.push(normalize_key(v));
    }
    Ok(Some(key))
}

impl Operator for Join {
    fn next_chunk(&mut self) -> SqlResult<Option<Chunk>> {
        if let Some(right) = self.right.take() {
            self.build_right(right)?;
        }
        loop {
            if self.pending.len() >= CHUNK_ROWS || (self.left_done && !self.pending.is_empty()) {
                let take = self.pending.len().min(CHUNK_ROWS);
                let chunk: Chunk = self.pending.drain(..take).collect();
                return Ok(Some(chunk));
            }
            if self.left_done {
                if !self.unmatched_emitted {
                    self.unmatched_emitted = true;
                    if matches!(self.kind, JoinKind::Right | JoinKind::Full) {
                        let nulls = vec![Value::Null; self.left_width];
                        for (row, matched) in self.build.rows.iter().zip(&self.build.matched) {
                            if !matched {
                                self.pending.push(joined(&nulls, row));
                            }
                        }
                        continue;
                    }
                }
                return Ok(None);
            }
            match self.left.next_chunk()? {
                Some(chunk) => {
                    self.ctx.check_interrupt()?;
                    for row in chunk {
                        self.probe(row)?;
                    }
                }
                None => self.left_done = true,
            }
        }
    }
}
