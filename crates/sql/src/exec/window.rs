//! Window functions. The input is held in memory (within `work_mem`); for each window call the
//! rows are split into partitions, ordered, and each row gets the function's value over its
//! partition and frame. Output rows are the input rows plus one column per call, ordered by the
//! first call's partition and ordering, as PostgreSQL's sort-based evaluation returns them.

use std::cmp::Ordering;
use std::collections::HashMap;

use embeddb_types::{Row, SqlError, SqlResult, SqlState, Value};

use super::context::ExecContext;
use super::sort::{compare_keys, eval_keys};
use super::{BoxedOperator, CHUNK_ROWS, Chunk, MemoryTracker, Operator};
use crate::functions::aggregate::accumulator;
use crate::plan::{FrameBound, FrameUnits, SortKey, WindowCall, WindowFrame, WindowFunctionKind};

pub struct WindowOp {
    input: Option<BoxedOperator>,
    calls: Vec<WindowCall>,
    ctx: ExecContext,
    output: std::vec::IntoIter<Row>,
}

impl WindowOp {
    pub fn new(input: BoxedOperator, calls: Vec<WindowCall>, ctx: ExecContext) -> Self {
        WindowOp {
            input: Some(input),
            calls,
            ctx,
            output: Vec::new().into_iter(),
        }
    }

    fn run(&mut self, mut input: BoxedOperator) -> SqlResult<()> {
        let mut memory = MemoryTracker::new(self.ctx.work_mem_bytes, "window function");
        let mut rows: Vec<Row> = Vec::new();
        while let Some(chunk) = input.next_chunk()? {
            self.ctx.check_interrupt()?;
            for row in chunk {
                memory.add_row(&row)?;
                rows.push(row);
            }
        }
        let mut results: Vec<Vec<Value>> = Vec::with_capacity(self.calls.len());
        let mut first_order: Option<Vec<usize>> = None;
        for call in &self.calls {
            let (values, order) = evaluate_call(call, &rows, &self.ctx)?;
            if first_order.is_none() {
                first_order = Some(order);
            }
            results.push(values);
        }
        let order = first_order.unwrap_or_else(|| (0..rows.len()).collect());
        let mut out = Vec::with_capacity(rows.len());
        let mut rows: Vec<Option<Row>> = rows.into_iter().map(Some).collect();
        for i in order {
            let Some(mut row) = rows[i].take() else {
                continue;
            };
            for r in &results {
                row.push(r[i].clone());
            }
            out.push(row);
        }
        self.output = out.into_iter();
        Ok(())
    }
}

impl Operator for WindowOp {
    fn next_chunk(&mut self) -> SqlResult<Option<Chunk>> {
        if let Some(input) = self.input.take() {
            self.run(input)?;
        }
        let chunk: Chunk = self.output.by_ref().take(CHUNK_ROWS).collect();
        Ok(if chunk.is_empty() { None } else { Some(chunk) })
    }
}

/// The call's value for every row (by input position), and the rows' evaluation order.
fn evaluate_call(
    call: &WindowCall,
    rows: &[Row],
    ctx: &ExecContext,
) -> SqlResult<(Vec<Value>, Vec<usize>)> {
    // Partition by key values, keeping partitions in first-seen order.
    let mut partitions: Vec<Vec<usize>> = Vec::new();
    let mut index: HashMap<Vec<Value>, usize> = HashMap::new();
    let mut partition_keys: Vec<Vec<Value>> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let mut key = Vec::with_capacity(call.partition_by.len());
        for e in &call.partition_by {
            key.push(e.eval(row, ctx)?);
        }
        let slot = match index.get(&key) {
            Some(s) => *s,
            None => {
                index.insert(key.clone(), partitions.len());
                partitions.push(Vec::new());
                partition_keys.push(key);
                partitions.len() - 1
            }
        };
        partitions[slot].push(i);
    }
    // Partitions in ascending key order, like a sort-based plan.
    let partition_sort: Vec<SortKey> = call
        .partition_by
        .iter()
        .map(|e| SortKey {
            expr: e.clone(),
            descending: false,
            nulls_first: false,
        })
        .collect();
    let mut partition_order: Vec<usize> = (0..partitions.len()).collect();
    partition_order
        .sort_by(|a, b| compare_keys(&partition_keys[*a], &partition_keys[*b], &partition_sort));

    let mut values = vec![Value::Null; rows.len()];
    let mut order = Vec::with_capacity(rows.len());
    for p in partition_order {
        let members = &partitions[p];
        let mut keyed: Vec<(Vec<Value>, usize)> = Vec::with_capacity(members.len());
        for &i in members {
            keyed.push((eval_keys(&call.order_by, &rows[i], ctx)?, i));
        }
        keyed.sort_by(|a, b| compare_keys(&a.0, &b.0, &call.order_by));
        let sorted: Vec<usize> = keyed.iter().map(|(_, i)| *i).collect();
        let keys: Vec<&Vec<Value>> = keyed.iter().map(|(k, _)| k).collect();
        let partition_values = evaluate_partition(call, rows, &sorted, &keys, ctx)?;
        for (pos, &i) in sorted.iter().enumerate() {
            values[i] = partition_values[pos].clone();
        }
        order.extend(sorted);
    }
    Ok((values, order))
}

/// Peer groups: for each position, the first and one-past-last position with equal order keys.
fn peer_bounds(keys: &[&Vec<Value>], call: &WindowCall) -> Vec<(usize, usize)> {
    let n = keys.len();
    let mut bounds = vec![(0, 0); n];
    let mut start = 0;
    while start < n {
        let mut end = start + 1;
        while end < n && compare_keys(keys[start], keys[end], &call.order_by) == Ordering::Equal {
            end += 1;
        }
        for b in bounds.iter_mut().take(end).skip(start) {
            *b = (start, end);
        }
        start = end;
    }
    bounds
}

fn offset_value(e: &crate::expr::Expr, ctx: &ExecContext) -> SqlResult<usize> {
    match e.eval(&[], ctx)? {
        Value::Null => Err(SqlError::new(
            SqlState::NULL_VALUE_NOT_ALLOWED,
            "frame starting offset must not be null",
        )),
        v => {
            let n = v.as_i64().ok_or_else(|| {
                SqlError::not_supported("RANGE with an offset is not supported yet")
            })?;
            if n < 0 {
                return Err(SqlError::new(
                    SqlState::from_code("22013"),
                    "frame starting offset must not be negative",
                ));
            }
            Ok(n as usize)
        }
    }
}

/// The frame of each position as [start, end) positions in the sorted partition.
fn frames(
    call: &WindowCall,
    n: usize,
    peers: &[(usize, usize)],
    ctx: &ExecContext,
) -> SqlResult<Vec<(usize, usize)>> {
    let default = WindowFrame {
        units: FrameUnits::Range,
        start: FrameBound::UnboundedPreceding,
        end: FrameBound::CurrentRow,
    };
    let frame = call.frame.as_ref().unwrap_or(&default);
    if call.order_by.is_empty() && call.frame.is_none() {
        return Ok(vec![(0, n); n]);
    }
    let mut out = Vec::with_capacity(n);
    for pos in 0..n {
        let start = match &frame.start {
            FrameBound::UnboundedPreceding => 0,
            FrameBound::CurrentRow => match frame.units {
                FrameUnits::Rows => pos,
                _ => peers[pos].0,
            },
            FrameBound::Preceding(e) => {
                let k = offset_value(e, ctx)?;
                match frame.units {
                    FrameUnits::Rows => pos.saturating_sub(k),
                    FrameUnits::Groups => group_shift(peers, pos, -(k as i64)).0,
                    FrameUnits::Range => {
                        return Err(SqlError::not_supported(
                            "RANGE with an offset is not supported yet",
                        ));
                    }
                }
            }
            FrameBound::Following(e) => {
                let k = offset_value(e, ctx)?;
                match frame.units {
                    FrameUnits::Rows => (pos + k).min(n),
                    FrameUnits::Groups => group_shift(peers, pos, k as i64).0,
                    FrameUnits::Range => {
                        return Err(SqlError::not_supported(
                            "RANGE with an offset is not supported yet",
                        ));
                    }
                }
            }
            FrameBound::UnboundedFollowing => n,
        };
        let end = match &frame.end {
            FrameBound::UnboundedFollowing => n,
            FrameBound::CurrentRow => match frame.units {
                FrameUnits::Rows => pos + 1,
                _ => peers[pos].1,
            },
            FrameBound::Following(e) => {
                let k = offset_value(e, ctx)?;
                match frame.units {
                    FrameUnits::Rows => (pos + k + 1).min(n),
                    FrameUnits::Groups => group_shift(peers, pos, k as i64).1,
                    FrameUnits::Range => {
                        return Err(SqlError::not_supported(
                            "RANGE with an offset is not supported yet",
                        ));
                    }
                }
            }
            FrameBound::Preceding(e) => {
                let k = offset_value(e, ctx)?;
                match frame.units {
                    FrameUnits::Rows => (pos + 1).saturating_sub(k),
                    FrameUnits::Groups => group_shift(peers, pos, -(k as i64)).1,
                    FrameUnits::Range => {
                        return Err(SqlError::not_supported(
                            "RANGE with an offset is not supported yet",
                        ));
                    }
                }
            }
            FrameBound::UnboundedPreceding => 0,
        };
        out.push((start.min(n), end.max(start).min(n)));
    }
    Ok(out)
}

/// The peer group `shift` groups away from the one holding `pos` (clamped to the partition).
fn group_shift(peers: &[(usize, usize)], pos: usize, shift: i64) -> (usize, usize) {
    let n = peers.len();
    let mut current = peers[pos];
    if shift >= 0 {
        for _ in 0..shift {
            if current.1 >= n {
                return (n, n);
            }
            current = peers[current.1];
        }
    } else {
        for _ in 0..(-shift) {
            if current.0 == 0 {
                return (0, 0);
            }
            current = peers[current.0 - 1];
        }
    }
    current
}

fn evaluate_partition(
    call: &WindowCall,
    rows: &[Row],
    sorted: &[usize],
    keys: &[&Vec<Value>],
    ctx: &ExecContext,
) -> SqlResult<Vec<Value>> {
    let n = sorted.len();
    let peers = peer_bounds(keys, call);
    let arg = |pos: usize, i: usize| -> SqlResult<Value> {
        match call.args.get(i) {
            Some(e) => e.eval(&rows[sorted[pos]], ctx),
            None => Ok(Value::Null),
        }
    };
    let mut out = Vec::with_capacity(n);
    match &call.kind {
        WindowFunctionKind::RowNumber => {
            for pos in 0..n {
                out.push(Value::Int8(pos as i64 + 1));
            }
        }
        WindowFunctionKind::Rank => {
            for p in &peers {
                out.push(Value::Int8(p.0 as i64 + 1));
            }
        }
        WindowFunctionKind::DenseRank => {
            let mut rank = 0i64;
            let mut last_start = usize::MAX;
            for p in &peers {
                if p.0 != last_start {
                    rank += 1;
                    last_start = p.0;
                }
                out.push(Value::Int8(rank));
            }
        }
        WindowFunctionKind::PercentRank => {
            for p in &peers {
                let v = if n <= 1 {
                    0.0
                } else {
                    p.0 as f64 / (n - 1) as f64
                };
                out.push(Value::Float8(v));
            }
        }
        WindowFunctionKind::CumeDist => {
            for p in &peers {
                out.push(Value::Float8(p.1 as f64 / n as f64));
            }
        }
        WindowFunctionKind::Ntile => {
            for pos in 0..n {
                let buckets = match arg(pos, 0)? {
                    Value::Null => {
                        out.push(Value::Null);
                        continue;
                    }
                    v => v.as_i64().unwrap_or(0),
                };
                if buckets <= 0 {
                    return Err(SqlError::new(
                        SqlState::from_code("22014"),
                        "argument of ntile must be greater than zero",
                    ));
                }
                let buckets = buckets as usize;
                let per = n / buckets;
                let extra = n % buckets;
                // The first `extra` buckets hold one more row.
                let boundary = extra * (per + 1);
                let bucket = if pos < boundary {
                    pos / (per + 1)
                } else {
                    extra + (pos - boundary) / per.max(1)
                };
                out.push(Value::Int4(bucket as i32 + 1));
            }
        }
        WindowFunctionKind::Lag | WindowFunctionKind::Lead => {
            for pos in 0..n {
                let offset = match call.args.get(1) {
                    Some(_) => match arg(pos, 1)? {
                        Value::Null => {
                            out.push(Value::Null);
                            continue;
                        }
                        v => v.as_i64().unwrap_or(1),
                    },
                    None => 1,
                };
                let target = if matches!(call.kind, WindowFunctionKind::Lag) {
                    pos as i64 - offset
                } else {
                    pos as i64 + offset
                };
                if target >= 0 && (target as usize) < n {
                    out.push(arg(target as usize, 0)?);
                } else {
                    out.push(arg(pos, 2)?);
                }
            }
        }
        WindowFunctionKind::FirstValue
        | WindowFunctionKind::LastValue
        | WindowFunctionKind::NthValue => {
            let frames = frames(call, n, &peers, ctx)?;
            for (pos, &(start, end)) in frames.iter().enumerate() {
                let target = match call.kind {
                    WindowFunctionKind::FirstValue => (start < end).then_some(start),
                    WindowFunctionKind::LastValue => (start < end).then(|| end - 1),
                    _ => {
                        let nth = match arg(pos, 1)? {
                            Value::Null => None,
                            v => {
                                let k = v.as_i64().unwrap_or(0);
                                if k <= 0 {
                                    return Err(SqlError::new(
                                        SqlState::from_code("22016"),
                                        "argument of nth_value must be greater than zero",
                                    ));
                                }
                                Some(k as usize)
                            }
                        };
                        nth.and_then(|k| (start + k - 1 < end).then(|| start + k - 1))
                    }
                };
                out.push(match target {
                    Some(t) => arg(t, 0)?,
                    None => Value::Null,
                });
            }
        }
        WindowFunctionKind::Aggregate(func) => {
            let frames = frames(call, n, &peers, ctx)?;
            let arg_types: Vec<_> = call.args.iter().map(|a| a.ty.clone()).collect();
            let row_args = |pos: usize| -> SqlResult<Option<Vec<Value>>> {
                if let Some(filter) = &call.filter
                    && !filter.eval_predicate(&rows[sorted[pos]], ctx)?
                {
                    return Ok(None);
                }
                let mut args = Vec::with_capacity(call.args.len());
                for e in &call.args {
                    args.push(e.eval(&rows[sorted[pos]], ctx)?);
                }
                Ok(Some(args))
            };
            let growing = frames
                .windows(2)
                .all(|w| w[0].0 == w[1].0 && w[0].1 <= w[1].1);
            if growing {
                // Frames that only grow at the end: one running accumulator.
                let mut acc = accumulator(*func, &arg_types, &call.ty);
                let mut fed = frames.first().map_or(0, |f| f.0);
                for &(_, end) in &frames {
                    while fed < end {
                        if let Some(args) = row_args(fed)? {
                            acc.update(&args, &ctx.format)?;
                        }
                        fed += 1;
                    }
                    out.push(acc.finish(&ctx.format)?);
                }
            } else {
                for &(start, end) in &frames {
                    let mut acc = accumulator(*func, &arg_types, &call.ty);
                    for pos in start..end {
                        if let Some(args) = row_args(pos)? {
                            acc.update(&args, &ctx.format)?;
                        }
                    }
                    out.push(acc.finish(&ctx.format)?);
                }
            }
        }
    }
    Ok(out)
}
