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
use crate::expr::Expr;
use crate::functions::aggregate::accumulator;
use crate::plan::{
    FrameBound, FrameExclusion, FrameUnits, SortKey, WindowCall, WindowFrame, WindowFunctionKind,
};
use embeddb_types::datetime::Interval;

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

/// A frame bound with its offset evaluated (offsets are constants).
enum Bound {
    UnboundedPreceding,
    CurrentRow,
    UnboundedFollowing,
    /// ROWS / GROUPS: this many rows or peer groups before (negative) or after the current one.
    Shift(i64),
    /// RANGE: the bound value computed from the current row.
    Range(Expr),
}

fn offset_value(e: &Expr, units: FrameUnits, start: bool, ctx: &ExecContext) -> SqlResult<Value> {
    let which = if start { "starting" } else { "ending" };
    let v = e.eval(&[], ctx)?;
    if v.is_null() {
        return Err(SqlError::new(
            SqlState::NULL_VALUE_NOT_ALLOWED,
            format!("frame {which} offset must not be null"),
        ));
    }
    let zero = match v {
        Value::Interval(_) => Value::Interval(Interval {
            months: 0,
            days: 0,
            micros: 0,
        }),
        _ => Value::Int8(0),
    };
    if v < zero {
        let message = match units {
            FrameUnits::Range => "invalid preceding or following size in window function".into(),
            _ => format!("frame {which} offset must not be negative"),
        };
        return Err(SqlError::new(SqlState::from_code("22013"), message));
    }
    Ok(v)
}

fn resolve_bound(
    bound: &FrameBound,
    frame: &WindowFrame,
    start: bool,
    ctx: &ExecContext,
) -> SqlResult<Bound> {
    let (e, sign) = match bound {
        FrameBound::UnboundedPreceding => return Ok(Bound::UnboundedPreceding),
        FrameBound::CurrentRow => return Ok(Bound::CurrentRow),
        FrameBound::UnboundedFollowing => return Ok(Bound::UnboundedFollowing),
        FrameBound::Preceding(e) => (e, -1),
        FrameBound::Following(e) => (e, 1),
    };
    let v = offset_value(e, frame.units, start, ctx)?;
    if frame.units == FrameUnits::Range {
        let value = frame.range.as_ref().and_then(|r| {
            if start {
                r.start.clone()
            } else {
                r.end.clone()
            }
        });
        return value
            .map(Bound::Range)
            .ok_or_else(|| SqlError::internal("RANGE offset without its bound"));
    }
    let k = v
        .as_i64()
        .ok_or_else(|| SqlError::internal("frame offset is not an integer"))?;
    Ok(Bound::Shift(k.saturating_mul(sign)))
}

/// The frame of each position as [start, end) positions in the sorted partition.
fn frames(
    call: &WindowCall,
    rows: &[Row],
    sorted: &[usize],
    peers: &[(usize, usize)],
    ctx: &ExecContext,
) -> SqlResult<Vec<(usize, usize)>> {
    let n = sorted.len();
    let Some(frame) = call.frame.as_ref() else {
        // The default frame: RANGE UNBOUNDED PRECEDING to the current row's last peer (every
        // row is a peer without ORDER BY).
        return Ok(peers.iter().map(|p| (0, p.1)).collect());
    };
    let start_bound = resolve_bound(&frame.start, frame, true, ctx)?;
    let end_bound = resolve_bound(&frame.end, frame, false, ctx)?;
    // RANGE with offsets: the rows' order key in the bounds' type.
    let range_keys: Vec<Value> = match &frame.range {
        Some(range) => {
            let mut keys = Vec::with_capacity(n);
            for &i in sorted {
                keys.push(range.key.expr.eval(&rows[i], ctx)?);
            }
            keys
        }
        None => Vec::new(),
    };
    let range_sort = frame.range.as_ref().map(|r| std::slice::from_ref(&r.key));
    // The first position whose key is not before `value` (start bounds) or after it (end
    // bounds), in the ordering; positions are sorted, so a binary search finds it.
    let range_position = |pos: usize, value: &Expr, start: bool| -> SqlResult<usize> {
        let key = &range_keys[pos];
        if key.is_null() {
            // NULL keys are only within range of each other: the peer group.
            return Ok(if start { peers[pos].0 } else { peers[pos].1 });
        }
        let Some(sort) = range_sort else {
            return Err(SqlError::internal("RANGE offset without its order key"));
        };
        let bound = [value.eval(&rows[sorted[pos]], ctx)?];
        Ok(range_keys.partition_point(|k| {
            let ord = compare_keys(std::slice::from_ref(k), &bound, sort);
            if start {
                ord == Ordering::Less
            } else {
                ord != Ordering::Greater
            }
        }))
    };
    let mut out = Vec::with_capacity(n);
    for pos in 0..n {
        let start = match &start_bound {
            Bound::UnboundedPreceding => 0,
            Bound::UnboundedFollowing => n,
            Bound::CurrentRow => match frame.units {
                FrameUnits::Rows => pos,
                _ => peers[pos].0,
            },
            Bound::Shift(k) => match frame.units {
                FrameUnits::Groups => group_shift(peers, pos, *k).0,
                _ => shift(pos, *k, n),
            },
            Bound::Range(value) => range_position(pos, value, true)?,
        };
        let end = match &end_bound {
            Bound::UnboundedPreceding => 0,
            Bound::UnboundedFollowing => n,
            Bound::CurrentRow => match frame.units {
                FrameUnits::Rows => pos + 1,
                _ => peers[pos].1,
            },
            Bound::Shift(k) => match frame.units {
                FrameUnits::Groups => group_shift(peers, pos, *k).1,
                _ => shift(pos + 1, *k, n),
            },
            Bound::Range(value) => range_position(pos, value, false)?,
        };
        out.push((start.min(n), end.max(start).min(n)));
    }
    Ok(out)
}

fn frame_exclusion(call: &WindowCall) -> FrameExclusion {
    call.frame
        .as_ref()
        .map_or(FrameExclusion::NoOthers, |f| f.exclusion)
}

/// Whether the frame of the row at `pos` leaves out the row at `q` (`peers[pos]` is the
/// current row's peer group as [start, end) positions).
fn excluded(exclusion: FrameExclusion, peers: &[(usize, usize)], pos: usize, q: usize) -> bool {
    let in_group = || peers[pos].0 <= q && q < peers[pos].1;
    match exclusion {
        FrameExclusion::NoOthers => false,
        FrameExclusion::CurrentRow => q == pos,
        FrameExclusion::Group => in_group(),
        FrameExclusion::Ties => q != pos && in_group(),
    }
}

/// `pos + k` clamped to the partition's positions [0, n].
fn shift(pos: usize, k: i64, n: usize) -> usize {
    let target = pos as i128 + k as i128;
    target.clamp(0, n as i128) as usize
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
            let frames = frames(call, rows, sorted, &peers, ctx)?;
            let exclusion = frame_exclusion(call);
            for (pos, &(start, end)) in frames.iter().enumerate() {
                let mut members = (start..end).filter(|&q| !excluded(exclusion, &peers, pos, q));
                let target = match call.kind {
                    WindowFunctionKind::FirstValue => members.next(),
                    WindowFunctionKind::LastValue => members.next_back(),
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
                        nth.and_then(|k| members.nth(k - 1))
                    }
                };
                out.push(match target {
                    Some(t) => arg(t, 0)?,
                    None => Value::Null,
                });
            }
        }
        WindowFunctionKind::Aggregate(func) => {
            let frames = frames(call, rows, sorted, &peers, ctx)?;
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
            let exclusion = frame_exclusion(call);
            let growing = exclusion == FrameExclusion::NoOthers
                && frames
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
                for (pos, &(start, end)) in frames.iter().enumerate() {
                    let mut acc = accumulator(*func, &arg_types, &call.ty);
                    for q in start..end {
                        if excluded(exclusion, &peers, pos, q) {
                            continue;
                        }
                        if let Some(args) = row_args(q)? {
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
