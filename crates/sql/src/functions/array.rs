//! Array values in expressions: ARRAY[...] constructors (multi-dimensional when the elements
//! are arrays), subscripts, `op ANY/ALL (array)`, and array_agg's result.

use embeddb_types::ops::{BinaryOp, OperatorSig, eval_binary};
use embeddb_types::{Array, ArrayDim, DataType, SqlError, SqlResult, SqlState, Value};

use crate::exec::context::ExecContext;

fn mismatched() -> SqlError {
    SqlError::new(
        SqlState::ARRAY_SUBSCRIPT_ERROR,
        "multidimensional arrays must have array expressions with matching dimensions",
    )
}

/// ARRAY[v1, v2, ...]. When the values are arrays themselves the result has one more
/// dimension, and all of them must have the same dimensions.
pub fn build_array(element_type: DataType, values: Vec<Value>) -> SqlResult<Value> {
    let nested = values.iter().any(|v| matches!(v, Value::Array(_)));
    if !nested {
        return Ok(Value::Array(Box::new(Array::from_elements(
            element_type,
            values,
        ))));
    }
    let mut dims: Option<Vec<ArrayDim>> = None;
    let mut elements = Vec::new();
    let count = values.len();
    for v in values {
        let Value::Array(inner) = v else {
            return Err(mismatched());
        };
        match &dims {
            None => dims = Some(inner.dims.clone()),
            Some(d) if *d == inner.dims => {}
            Some(_) => return Err(mismatched()),
        }
        elements.extend(inner.elements);
    }
    let inner_dims = dims.unwrap_or_default();
    if inner_dims.is_empty() {
        // ARRAY[ARRAY[]::int[], ...] is an empty array.
        return Ok(Value::Array(Box::new(Array::empty(element_type))));
    }
    let mut all_dims = vec![ArrayDim {
        len: count as i32,
        lower_bound: 1,
    }];
    all_dims.extend(inner_dims);
    if all_dims.len() > embeddb_types::array::MAX_DIMS {
        return Err(SqlError::new(
            SqlState::PROGRAM_LIMIT_EXCEEDED,
            format!(
                "number of array dimensions ({}) exceeds the maximum allowed ({})",
                all_dims.len(),
                embeddb_types::array::MAX_DIMS
            ),
        ));
    }
    Ok(Value::Array(Box::new(Array {
        element_type,
        dims: all_dims,
        elements,
    })))
}

/// array_agg over scalars (a one-dimensional array) or over arrays (one more dimension).
pub fn aggregate_array(element_type: &DataType, values: Vec<Value>) -> SqlResult<Value> {
    match element_type {
        DataType::Array(inner) => {
            if values.iter().any(Value::is_null) {
                return Err(SqlError::new(
                    SqlState::NULL_VALUE_NOT_ALLOWED,
                    "cannot accumulate null arrays",
                ));
            }
            build_array((**inner).clone(), values)
        }
        other => Ok(Value::Array(Box::new(Array::from_elements(
            other.clone(),
            values,
        )))),
    }
}

/// `array[i]`: NULL when out of range or when the array is multi-dimensional (a partial
/// subscript would be a slice, which is not supported).
pub fn subscript(array: &Value, index: &Value) -> SqlResult<Value> {
    let (Value::Array(a), Some(i)) = (array, index.as_i64()) else {
        return Ok(Value::Null);
    };
    let Ok(i) = i32::try_from(i) else {
        return Ok(Value::Null);
    };
    if a.dims.len() != 1 {
        return Ok(Value::Null);
    }
    Ok(a.get(&[i]).cloned().unwrap_or(Value::Null))
}

/// `left op ANY/ALL (array)` with three-valued logic.
pub fn quantified(
    left: &Value,
    op: BinaryOp,
    sig: &OperatorSig,
    all: bool,
    array: &Value,
    ctx: &ExecContext,
) -> SqlResult<Value> {
    let Value::Array(a) = array else {
        return Ok(Value::Null);
    };
    if a.elements.is_empty() {
        return Ok(Value::Bool(all));
    }
    if left.is_null() {
        return Ok(Value::Null);
    }
    let mut saw_null = false;
    for e in &a.elements {
        if e.is_null() {
            saw_null = true;
            continue;
        }
        match (eval_binary(op, left, e, sig, ctx.format())?.as_bool(), all) {
            (Some(true), false) => return Ok(Value::Bool(true)),
            (Some(false), true) => return Ok(Value::Bool(false)),
            (None, _) => saw_null = true,
            _ => {}
        }
    }
    Ok(if saw_null {
        Value::Null
    } else {
        Value::Bool(all)
    })
}
