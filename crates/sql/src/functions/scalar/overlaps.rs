//! `overlaps`, the function behind `(start1, end1) OVERLAPS (start2, end2)`, with PostgreSQL's
//! overloads: four timestamps, timestamps with time zone or times, or a start with an
//! interval in place of either end (dates reach the timestamp overloads by implicit cast).
//!
//! It is not strict: PostgreSQL's overlaps_timestamp gives a definite answer when one end of a
//! period is NULL but the other ends decide it, and NULL only when they cannot.

use embeddb_types::datetime::{Interval, arith};
use embeddb_types::{DataType, SqlResult, Value};

use crate::exec::context::ExecContext;
use crate::functions::registry::Registry;
use crate::functions::{ArgType, CallInfo, ReturnType};

/// A period's end as PostgreSQL's SQL-language overloads compute it: `start + interval`, NULL
/// if either is NULL.
fn period_end(start: &Value, end: &Value, ctx: &ExecContext) -> SqlResult<Option<i64>> {
    let iv: Interval = match end {
        Value::Interval(iv) => *iv,
        other => return Ok(point(other)),
    };
    Ok(match start {
        Value::Timestamp(t) => Some(arith::timestamp_add_interval(*t, &iv)?),
        Value::Timestamptz(t) => Some(arith::timestamptz_add_interval(
            *t,
            &iv,
            &ctx.format().time_zone,
        )?),
        Value::Time(t) => Some(arith::time_add_interval(*t, &iv)),
        _ => None,
    })
}

/// A timestamp, timestamptz or time as its microseconds (all three compare as integers).
fn point(v: &Value) -> Option<i64> {
    match v {
        Value::Timestamp(t) | Value::Timestamptz(t) | Value::Time(t) => Some(*t),
        _ => None,
    }
}

/// Orders a period's ends; with one end NULL, the other is the start and the end is unknown.
fn normalize(start: Option<i64>, end: Option<i64>) -> Option<(i64, Option<i64>)> {
    match (start, end) {
        (None, None) => None,
        (None, Some(e)) | (Some(e), None) => Some((e, None)),
        (Some(s), Some(e)) => Some((s.min(e), Some(s.max(e)))),
    }
}

/// PostgreSQL's overlaps_timestamp on ordered periods.
fn overlap(p1: (i64, Option<i64>), p2: (i64, Option<i64>)) -> Option<bool> {
    let ((s1, e1), (s2, e2)) = (p1, p2);
    // The later-starting period overlaps if it starts before the other ends.
    let later_starts_before_end = |later: i64, earlier_end: Option<i64>, later_end: Option<i64>| {
        let end = earlier_end?;
        if later < end {
            return Some(true);
        }
        // With the later period's end known, it ends after the other too: no overlap.
        later_end.map(|_| false)
    };
    match s1.cmp(&s2) {
        std::cmp::Ordering::Greater => later_starts_before_end(s1, e2, e1),
        std::cmp::Ordering::Less => later_starts_before_end(s2, e1, e2),
        // Same start: they overlap if both ends are known (the standard's
        // `te1 <> te2 OR te1 = te2`).
        std::cmp::Ordering::Equal => e1.and(e2).map(|_| true),
    }
}

fn overlaps(args: &[Value], _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    let [s1, e1, s2, e2] = args else {
        return Ok(Value::Null);
    };
    let p1 = normalize(point(s1), period_end(s1, e1, ctx)?);
    let p2 = normalize(point(s2), period_end(s2, e2, ctx)?);
    Ok(match p1.zip(p2).and_then(|(a, b)| overlap(a, b)) {
        Some(b) => Value::Bool(b),
        None => Value::Null,
    })
}

pub(super) fn register(r: &mut Registry) {
    use DataType as T;
    for point in [T::Timestamp, T::Timestamptz, T::Time] {
        for (end1, end2) in [
            (point.clone(), point.clone()),
            (point.clone(), T::Interval),
            (T::Interval, point.clone()),
            (T::Interval, T::Interval),
        ] {
            let args = [point.clone(), end1, point.clone(), end2]
                .into_iter()
                .map(ArgType::Exact)
                .collect();
            let overload = r
                .add("overlaps", args, ReturnType::Exact(T::Bool), overlaps)
                .non_strict();
            // Adding an interval to a timestamptz depends on the session's time zone.
            if point == T::Timestamptz {
                overload.stable();
            }
        }
    }
}
