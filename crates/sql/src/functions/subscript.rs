//! Array subscripts: `a[i][j]` element access, `a[lo:hi]` slices, and element assignment
//! (`UPDATE ... SET a[i] = v`), with PostgreSQL's rules for bounds and NULLs.

use embeddb_types::{Array, ArrayDim, DataType, SqlError, SqlResult, SqlState, Value};

use crate::expr::{Expr, Subscript};

/// A subscript value as a 32-bit index; None for NULL.
fn index(v: &Value) -> SqlResult<Option<i32>> {
    if v.is_null() {
        return Ok(None);
    }
    let i = v
        .as_i64()
        .ok_or_else(|| SqlError::internal("array subscript is not an integer"))?;
    i32::try_from(i)
        .map(Some)
        .map_err(|_| SqlError::new(SqlState::NUMERIC_VALUE_OUT_OF_RANGE, "integer out of range"))
}

/// Evaluates `array[subscripts]` (`ev` evaluates the subscript expressions).
pub fn eval(
    array: &Value,
    subscripts: &[Subscript],
    ev: &dyn Fn(&Expr) -> SqlResult<Value>,
) -> SqlResult<Value> {
    let is_slice = subscripts.iter().any(|s| matches!(s, Subscript::Slice(..)));
    // Subscripts are evaluated even when the array is NULL (they may raise errors).
    let mut bounds = Vec::with_capacity(subscripts.len());
    let mut any_null = false;
    for s in subscripts {
        let (lo, hi) = match s {
            Subscript::Index(e) => {
                let v = index(&ev(e)?)?;
                any_null |= v.is_none();
                (if is_slice { Some(Some(1)) } else { None }, Some(v))
            }
            Subscript::Slice(lo, hi) => {
                let lo = match lo {
                    Some(e) => {
                        let v = index(&ev(e)?)?;
                        any_null |= v.is_none();
                        Some(v)
                    }
                    None => None,
                };
                let hi = match hi {
                    Some(e) => {
                        let v = index(&ev(e)?)?;
                        any_null |= v.is_none();
                        Some(v)
                    }
                    None => None,
                };
                (lo, hi)
            }
        };
        bounds.push((lo.flatten(), hi.flatten()));
    }
    let Value::Array(a) = array else {
        return Ok(Value::Null);
    };
    if any_null {
        return Ok(Value::Null);
    }
    if !is_slice {
        let idx: Vec<i32> = bounds.iter().filter_map(|(_, hi)| *hi).collect();
        return Ok(a.get(&idx).cloned().unwrap_or(Value::Null));
    }
    Ok(Value::Array(Box::new(slice(a, &bounds))))
}

/// `a[lo:hi]...`: missing bounds (and dimensions past the subscripts) take the array's own;
/// bounds are clamped to the array; the result has lower bounds of 1, or is empty.
fn slice(a: &Array, bounds: &[(Option<i32>, Option<i32>)]) -> Array {
    let empty = Array::empty(a.element_type.clone());
    if a.dims.is_empty() || bounds.len() > a.dims.len() {
        return empty;
    }
    // Per dimension: the first and last index (0-based offsets within the dimension).
    let mut ranges = Vec::with_capacity(a.dims.len());
    for (k, d) in a.dims.iter().enumerate() {
        let lb = i64::from(d.lower_bound);
        let ub = lb + i64::from(d.len) - 1;
        let (lo, hi) = bounds.get(k).copied().unwrap_or((None, None));
        let lo = lo.map_or(lb, i64::from).max(lb);
        let hi = hi.map_or(ub, i64::from).min(ub);
        if lo > hi {
            return empty;
        }
        ranges.push(((lo - lb) as usize, (hi - lb) as usize));
    }
    let lens: Vec<usize> = a.dims.iter().map(|d| d.len.max(0) as usize).collect();
    let mut elements = Vec::new();
    let mut pos: Vec<usize> = ranges.iter().map(|r| r.0).collect();
    'outer: loop {
        let mut offset = 0usize;
        for (p, len) in pos.iter().zip(&lens) {
            offset = offset * len + p;
        }
        elements.push(a.elements.get(offset).cloned().unwrap_or(Value::Null));
        // Advance the last dimension first (row-major order).
        for k in (0..pos.len()).rev() {
            if pos[k] < ranges[k].1 {
                pos[k] += 1;
                continue 'outer;
            }
            pos[k] = ranges[k].0;
        }
        break;
    }
    Array {
        element_type: a.element_type.clone(),
        dims: ranges
            .iter()
            .map(|(lo, hi)| ArrayDim {
                len: (hi - lo + 1) as i32,
                lower_bound: 1,
            })
            .collect(),
        elements,
    }
}

/// PostgreSQL's `MaxArraySize`.
const MAX_ARRAY_SIZE: i64 = 134_217_727;

fn out_of_range() -> SqlError {
    SqlError::new(
        SqlState::ARRAY_SUBSCRIPT_ERROR,
        "array subscript out of range",
    )
}

/// `array[subscripts] := value`. A NULL or empty array becomes a one-element array at that
/// position; a one-dimensional array is extended with NULLs to reach it.
pub fn assign(array: Value, ty: &DataType, subscripts: &[Value], value: Value) -> SqlResult<Value> {
    let mut idx = Vec::with_capacity(subscripts.len());
    for s in subscripts {
        match index(s)? {
            Some(i) => idx.push(i),
            None => {
                return Err(SqlError::new(
                    SqlState::NULL_VALUE_NOT_ALLOWED,
                    "array subscript in assignment must not be null",
                ));
            }
        }
    }
    let element_type = ty.element_type().cloned().unwrap_or(DataType::Text);
    let mut a = match array {
        Value::Array(a) => *a,
        _ => Array::empty(element_type),
    };
    if a.dims.is_empty() {
        a.dims = idx
            .iter()
            .map(|i| ArrayDim {
                len: 1,
                lower_bound: *i,
            })
            .collect();
        a.elements = vec![value];
        return Ok(Value::Array(Box::new(a)));
    }
    if idx.len() != a.dims.len() {
        return Err(SqlError::new(
            SqlState::ARRAY_SUBSCRIPT_ERROR,
            "wrong number of array subscripts",
        ));
    }
    if a.dims.len() == 1 {
        let d = a.dims[0];
        let i = i64::from(idx[0]);
        let lb = i64::from(d.lower_bound);
        let ub = lb + i64::from(d.len) - 1;
        if ub.max(i) - lb.min(i) + 1 > MAX_ARRAY_SIZE {
            return Err(SqlError::new(
                SqlState::PROGRAM_LIMIT_EXCEEDED,
                format!("array size exceeds the maximum allowed ({MAX_ARRAY_SIZE})"),
            ));
        }
        if i < lb {
            let pad = (lb - i) as usize;
            let mut elements = vec![Value::Null; pad];
            elements.append(&mut a.elements);
            elements[0] = value;
            a.elements = elements;
            a.dims[0] = ArrayDim {
                len: i32::try_from(ub - i + 1).map_err(|_| out_of_range())?,
                lower_bound: idx[0],
            };
        } else if i > ub {
            a.elements.resize((i - lb) as usize, Value::Null);
            a.elements.push(value);
            a.dims[0].len = i32::try_from(i - lb + 1).map_err(|_| out_of_range())?;
        } else {
            a.elements[(i - lb) as usize] = value;
        }
        return Ok(Value::Array(Box::new(a)));
    }
    let mut offset = 0usize;
    for (i, d) in idx.iter().zip(&a.dims) {
        let k = i64::from(*i) - i64::from(d.lower_bound);
        if k < 0 || k >= i64::from(d.len) {
            return Err(out_of_range());
        }
        offset = offset * d.len as usize + k as usize;
    }
    match a.elements.get_mut(offset) {
        Some(slot) => *slot = value,
        None => return Err(out_of_range()),
    }
    Ok(Value::Array(Box::new(a)))
}
