//! Subquery expressions. An uncorrelated subquery runs once per statement and its rows are
//! kept; a correlated one runs for each row of the enclosing query with that row available to
//! its outer references.

use std::sync::Arc;

use embeddb_types::ops::{BinaryOp, eval_binary};
use embeddb_types::{DataType, Row, SqlError, SqlResult, SqlState, Value};

use super::context::ExecContext;
use super::{build, collect};
use crate::expr::{QuantifiedSubquery, Subquery, SubqueryKind};
use crate::plan::LogicalPlan;

/// The rows of a subquery for the current row, from the statement's cache when uncorrelated.
fn rows_of(
    plan: &Arc<LogicalPlan>,
    correlated: bool,
    row: &[Value],
    ctx: &ExecContext,
) -> SqlResult<Arc<Vec<Row>>> {
    if correlated {
        let inner = ctx.with_outer_row(row);
        return Ok(Arc::new(collect(plan, &inner)?));
    }
    // Keyed by the plan's address: the plan lives as long as the statement's bound tree.
    let key = usize::MAX - (Arc::as_ptr(plan) as usize);
    if let Some(rows) = ctx.shared_results.lock().get(&key) {
        return Ok(rows.clone());
    }
    let rows = Arc::new(collect(plan, ctx)?);
    ctx.shared_results.lock().insert(key, rows.clone());
    Ok(rows)
}

pub fn eval_subquery(sub: &Subquery, row: &[Value], ctx: &ExecContext) -> SqlResult<Value> {
    match sub.kind {
        SubqueryKind::Exists => {
            if sub.correlated {
                // Stop at the first row.
                let inner = ctx.with_outer_row(row);
                let mut op = build(&sub.plan, &inner)?;
                return Ok(Value::Bool(op.next_chunk()?.is_some()));
            }
            let rows = rows_of(&sub.plan, false, row, ctx)?;
            Ok(Value::Bool(!rows.is_empty()))
        }
        SubqueryKind::Scalar => {
            let rows = rows_of(&sub.plan, sub.correlated, row, ctx)?;
            match rows.len() {
                0 => Ok(Value::Null),
                1 => Ok(rows[0].first().cloned().unwrap_or(Value::Null)),
                _ => Err(SqlError::new(
                    SqlState::CARDINALITY_VIOLATION,
                    "more than one row returned by a subquery used as an expression",
                )),
            }
        }
        SubqueryKind::Array => {
            let rows = rows_of(&sub.plan, sub.correlated, row, ctx)?;
            let element = sub
                .plan
                .schema()
                .first()
                .map(|f| f.ty.clone())
                .unwrap_or(DataType::Text);
            let values = rows
                .iter()
                .map(|r| r.first().cloned().unwrap_or(Value::Null))
                .collect();
            crate::functions::array::aggregate_array(&element, values)
        }
    }
}

/// One subquery row against the left values: NULL (None) when a pair is NULL and no pair
/// decides the result (for `=` a false pair decides, for `<>` a true one).
fn compare_row(
    q: &QuantifiedSubquery,
    left: &[Value],
    right: &[Value],
    ctx: &ExecContext,
) -> SqlResult<Option<bool>> {
    let decisive = q.op == BinaryOp::NotEq;
    let mut saw_null = false;
    for (i, (l, sig)) in left.iter().zip(&q.sigs).enumerate() {
        let r = right.get(i).unwrap_or(&Value::Null);
        if l.is_null() || r.is_null() {
            saw_null = true;
            continue;
        }
        match eval_binary(q.op, l, r, sig, ctx.format())?.as_bool() {
            Some(b) if b == decisive && left.len() > 1 => return Ok(Some(b)),
            Some(b) if left.len() == 1 => return Ok(Some(b)),
            Some(_) => {}
            None => saw_null = true,
        }
    }
    Ok(if saw_null { None } else { Some(!decisive) })
}

/// `x op ANY/ALL (subquery)` with SQL's three-valued logic: ANY is true if some comparison is
/// true, else NULL if some was NULL, else false; ALL is the dual.
pub fn eval_quantified(
    q: &QuantifiedSubquery,
    row: &[Value],
    ctx: &ExecContext,
) -> SqlResult<Value> {
    let left = q
        .left
        .iter()
        .map(|e| e.eval(row, ctx))
        .collect::<SqlResult<Vec<Value>>>()?;
    let rows = rows_of(&q.plan, q.correlated, row, ctx)?;
    if rows.is_empty() {
        return Ok(Value::Bool(q.all));
    }
    let mut saw_null = false;
    for r in rows.iter() {
        let result = compare_row(q, &left, r, ctx)?;
        match (result, q.all) {
            (Some(true), false) => return Ok(Value::Bool(true)),
            (Some(false), true) => return Ok(Value::Bool(false)),
            (None, _) => saw_null = true,
            _ => {}
        }
    }
    Ok(if saw_null {
        Value::Null
    } else {
        Value::Bool(q.all)
    })
}
