//! Turning a [`KeyRange`] (expressions over constants and parameters) into engine key bounds,
//! using the same memcomparable encoding the rows and index entries are stored under.

use std::ops::Bound;

use crate::expr::cast_value;
use embeddb_tables::txn::prefix_successor;
use embeddb_types::keycodec::{encode_key, encode_key_desc};
use embeddb_types::{DataType, SqlResult, Value};

use super::context::ExecContext;
use crate::plan::KeyRange;

/// Byte bounds of a key range, or None when no key can match (a NULL bound, or lower > upper).
pub type ByteRange = (Bound<Vec<u8>>, Bound<Vec<u8>>);

/// One column of a key: its type and whether it is stored descending.
#[derive(Clone, Debug)]
pub struct KeyColumn {
    pub ty: DataType,
    pub descending: bool,
}

fn encode(value: &Value, column: &KeyColumn, out: &mut Vec<u8>) {
    if column.descending {
        encode_key_desc(value, out);
    } else {
        encode_key(value, out);
    }
}

/// Evaluates a bound expression and converts it to the key column's type. None for NULL (no
/// key compares equal to, above or below NULL).
fn key_value(
    expr: &crate::expr::Expr,
    column: &KeyColumn,
    ctx: &ExecContext,
) -> SqlResult<Option<Value>> {
    let v = expr.eval(&[], ctx)?;
    if v.is_null() {
        return Ok(None);
    }
    if expr.ty.without_typmod() == column.ty.without_typmod() {
        return Ok(Some(v));
    }
    // The optimizer only builds ranges whose values widen losslessly to the column's type.
    Ok(Some(cast_value(
        v,
        &expr.ty,
        &column.ty,
        false,
        ctx.format(),
    )?))
}

pub fn eval_range(
    range: &KeyRange,
    columns: &[KeyColumn],
    ctx: &ExecContext,
) -> SqlResult<Option<ByteRange>> {
    let mut prefix = Vec::new();
    for (expr, column) in range.prefix.iter().zip(columns) {
        match key_value(expr, column, ctx)? {
            Some(v) => encode(&v, column, &mut prefix),
            None => return Ok(None),
        }
    }
    let next = columns.get(range.prefix.len());
    let mut lower_value = None;
    let mut upper_value = None;
    if let (Some(column), Some((e, inclusive))) = (next, &range.lower) {
        match key_value(e, column, ctx)? {
            Some(v) => lower_value = Some((v, *inclusive)),
            None => return Ok(None),
        }
    }
    if let (Some(column), Some((e, inclusive))) = (next, &range.upper) {
        match key_value(e, column, ctx)? {
            Some(v) => upper_value = Some((v, *inclusive)),
            None => return Ok(None),
        }
    }
    if let (Some((l, li)), Some((u, ui))) = (&lower_value, &upper_value)
        && (l > u || (l == u && !(*li && *ui)))
    {
        return Ok(None);
    }
    // A descending column stores larger values at smaller keys: the value bounds swap.
    let descending = next.is_some_and(|c| c.descending);
    let (low, high) = if descending {
        (upper_value, lower_value)
    } else {
        (lower_value, upper_value)
    };
    let column = next.cloned();
    let start = match (low, &column) {
        (Some((v, inclusive)), Some(col)) => {
            let mut k = prefix.clone();
            encode(&v, col, &mut k);
            if inclusive {
                Bound::Included(k)
            } else {
                match prefix_successor(&k) {
                    Some(s) => Bound::Included(s),
                    None => return Ok(None),
                }
            }
        }
        _ if prefix.is_empty() => Bound::Unbounded,
        _ => Bound::Included(prefix.clone()),
    };
    let end = match (high, &column) {
        (Some((v, inclusive)), Some(col)) => {
            let mut k = prefix.clone();
            encode(&v, col, &mut k);
            if inclusive {
                match prefix_successor(&k) {
                    Some(s) => Bound::Excluded(s),
                    None => Bound::Unbounded,
                }
            } else {
                Bound::Excluded(k)
            }
        }
        _ if prefix.is_empty() => Bound::Unbounded,
        _ => match prefix_successor(&prefix) {
            Some(s) => Bound::Excluded(s),
            None => Bound::Unbounded,
        },
    };
    Ok(Some((start, end)))
}
