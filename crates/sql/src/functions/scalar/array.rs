//! Array functions: dimensions (`array_length`, `array_lower`, `array_upper`, `cardinality`,
//! `array_ndims`, `array_dims`), building (`array_append`, `array_prepend`, `array_cat`,
//! `array_fill`, `trim_array`), searching and editing (`array_position(s)`, `array_remove`,
//! `array_replace`), containment (`@>`, `<@`, `&&`), and the text bridges `string_to_array` /
//! `array_to_string`.
//!
//! Lower bounds are kept as PostgreSQL keeps them (`array_append` on `[2:3]={1,2}` gives
//! `[2:4]={1,2,3}`), and elements compare with IS NOT DISTINCT FROM semantics.

use embeddb_types::{Array, ArrayDim, DataType, SqlError, SqlResult, SqlState, Value};

use super::int;
use crate::exec::context::ExecContext;
use crate::functions::registry::Registry;
use crate::functions::{ArgType, CallInfo, ReturnType, ScalarImpl};

type Args<'a> = &'a [Value];

fn arr(v: &Value) -> Option<&Array> {
    match v {
        Value::Array(a) => Some(a),
        _ => None,
    }
}

fn array_value(a: Array) -> Value {
    Value::Array(Box::new(a))
}

/// The element type of the call's array result.
fn result_element(call: &CallInfo<'_>) -> DataType {
    call.ret.element_type().cloned().unwrap_or(DataType::Text)
}

/// The dimension `args[1]` names (1-based), if the array has it.
fn dim<'a>(args: Args, a: &'a Array) -> Option<&'a ArrayDim> {
    let d = int(&args[1]);
    usize::try_from(d - 1).ok().and_then(|i| a.dims.get(i))
}

fn array_length(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(arr(&args[0])
        .and_then(|a| dim(args, a))
        .map_or(Value::Null, |d| Value::Int4(d.len)))
}

fn array_lower(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(arr(&args[0])
        .and_then(|a| dim(args, a))
        .map_or(Value::Null, |d| Value::Int4(d.lower_bound)))
}

fn array_upper(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(arr(&args[0])
        .and_then(|a| dim(args, a))
        .map_or(Value::Null, |d| Value::Int4(d.lower_bound + d.len - 1)))
}

fn cardinality(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Int4(
        arr(&args[0]).map_or(0, |a| a.elements.len()) as i32
    ))
}

fn array_ndims(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(match arr(&args[0]) {
        Some(a) if a.ndims() > 0 => Value::Int4(a.ndims() as i32),
        _ => Value::Null,
    })
}

fn array_dims(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let Some(a) = arr(&args[0]).filter(|a| a.ndims() > 0) else {
        return Ok(Value::Null);
    };
    let s: String = a
        .dims
        .iter()
        .map(|d| format!("[{}:{}]", d.lower_bound, d.lower_bound + d.len - 1))
        .collect();
    Ok(Value::Text(s))
}

fn one_dim_only() -> SqlError {
    SqlError::new(
        SqlState::DATA_EXCEPTION,
        "argument must be empty or one-dimensional array",
    )
}

/// `array_append` / `array_prepend`: a NULL array acts as empty; the lower bound is kept.
fn push(call: &CallInfo<'_>, array: &Value, elem: &Value, front: bool) -> SqlResult<Value> {
    let et = result_element(call);
    let mut a = arr(array)
        .cloned()
        .unwrap_or_else(|| Array::empty(et.clone()));
    if a.ndims() > 1 {
        return Err(one_dim_only());
    }
    let lower = a.dims.first().map_or(1, |d| d.lower_bound);
    if front {
        a.elements.insert(0, elem.clone());
    } else {
        a.elements.push(elem.clone());
    }
    a.dims = vec![ArrayDim {
        len: a.elements.len() as i32,
        lower_bound: lower,
    }];
    a.element_type = et;
    Ok(array_value(a))
}

fn array_append(args: Args, call: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    push(call, &args[0], &args[1], false)
}

fn array_prepend(args: Args, call: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    push(call, &args[1], &args[0], true)
}

fn incompatible(detail: &str) -> SqlError {
    SqlError::new(
        SqlState::ARRAY_SUBSCRIPT_ERROR,
        "cannot concatenate incompatible arrays",
    )
    .with_detail(detail.to_string())
}

/// `array_cat`: arrays of equal rank join along the first dimension; an array one rank
/// lower is added as one more row at the front or the back.
fn array_cat(args: Args, call: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let et = result_element(call);
    let (a, b) = match (arr(&args[0]), arr(&args[1])) {
        (None, None) => return Ok(Value::Null),
        (Some(a), None) | (None, Some(a)) => {
            let mut a = a.clone();
            a.element_type = et;
            return Ok(array_value(a));
        }
        (Some(a), Some(b)) => (a, b),
    };
    if b.ndims() == 0 || a.ndims() == 0 {
        let mut keep = if b.ndims() == 0 { a.clone() } else { b.clone() };
        keep.element_type = et;
        return Ok(array_value(keep));
    }
    let (na, nb) = (a.ndims(), b.ndims());
    let dims = if na == nb {
        if a.dims[1..] != b.dims[1..] {
            return Err(incompatible(
                "Arrays with differing element dimensions are not compatible for concatenation.",
            ));
        }
        let mut d = a.dims.clone();
        d[0].len += b.dims[0].len;
        d
    } else if na == nb + 1 {
        if a.dims[1..]
            .iter()
            .map(|d| d.len)
            .ne(b.dims.iter().map(|d| d.len))
        {
            return Err(incompatible(
                "Arrays with differing dimensions are not compatible for concatenation.",
            ));
        }
        let mut d = a.dims.clone();
        d[0].len += 1;
        d
    } else if na + 1 == nb {
        if b.dims[1..]
            .iter()
            .map(|d| d.len)
            .ne(a.dims.iter().map(|d| d.len))
        {
            return Err(incompatible(
                "Arrays with differing dimensions are not compatible for concatenation.",
            ));
        }
        let mut d = b.dims.clone();
        d[0].len += 1;
        d
    } else {
        return Err(incompatible(&format!(
            "Arrays of {na} and {nb} dimensions are not compatible for concatenation."
        )));
    };
    let mut elements = a.elements.clone();
    elements.extend(b.elements.iter().cloned());
    Ok(array_value(Array {
        element_type: et,
        dims,
        elements,
    }))
}

fn not_one_dim(what: &str) -> SqlError {
    SqlError::not_supported(format!("{what} multidimensional arrays is not supported"))
}

/// `array_position(a, x [, start])`: the subscript of the first element not distinct
/// from `x`, starting at subscript `start`.
fn array_position(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let Some(a) = arr(&args[0]) else {
        return Ok(Value::Null);
    };
    if a.ndims() > 1 {
        return Err(not_one_dim("searching for elements in"));
    }
    let lower = i64::from(a.dims.first().map_or(1, |d| d.lower_bound));
    let start = match args.get(2) {
        Some(Value::Null) => {
            return Err(SqlError::new(
                SqlState::NULL_VALUE_NOT_ALLOWED,
                "initial position must not be null",
            ));
        }
        Some(v) => int(v),
        None => lower,
    };
    let skip = usize::try_from(start - lower).unwrap_or(0);
    Ok(a.elements
        .iter()
        .enumerate()
        .skip(skip)
        .find(|(_, e)| **e == args[1])
        .map_or(Value::Null, |(i, _)| Value::Int4((lower + i as i64) as i32)))
}

fn array_positions(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let Some(a) = arr(&args[0]) else {
        return Ok(Value::Null);
    };
    if a.ndims() > 1 {
        return Err(not_one_dim("searching for elements in"));
    }
    let lower = a.dims.first().map_or(1, |d| d.lower_bound);
    let found: Vec<Value> = a
        .elements
        .iter()
        .enumerate()
        .filter(|(_, e)| **e == args[1])
        .map(|(i, _)| Value::Int4(lower + i as i32))
        .collect();
    Ok(array_value(Array::from_elements(DataType::Int4, found)))
}

fn array_remove(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let Some(a) = arr(&args[0]) else {
        return Ok(Value::Null);
    };
    if a.ndims() > 1 {
        return Err(not_one_dim("removing elements from"));
    }
    let kept: Vec<Value> = a
        .elements
        .iter()
        .filter(|e| **e != args[1])
        .cloned()
        .collect();
    let lower = a.dims.first().map_or(1, |d| d.lower_bound);
    let mut out = Array::from_elements(a.element_type.clone(), kept);
    if let Some(d) = out.dims.first_mut() {
        d.lower_bound = lower;
    }
    Ok(array_value(out))
}

fn array_replace(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let Some(a) = arr(&args[0]) else {
        return Ok(Value::Null);
    };
    let mut out = a.clone();
    for e in &mut out.elements {
        if *e == args[1] {
            *e = args[2].clone();
        }
    }
    Ok(array_value(out))
}

/// The int4 elements of a dimension or lower-bound array for `array_fill`.
fn int_list(v: &Value) -> SqlResult<Vec<i32>> {
    let a = arr(v).ok_or_else(|| {
        SqlError::new(
            SqlState::NULL_VALUE_NOT_ALLOWED,
            "dimension array or low bound array cannot be null",
        )
    })?;
    if a.ndims() > 1 {
        return Err(SqlError::new(
            SqlState::ARRAY_SUBSCRIPT_ERROR,
            "wrong number of array subscripts",
        )
        .with_detail("Dimension array must be one dimensional."));
    }
    a.elements
        .iter()
        .map(|e| match e {
            Value::Null => Err(SqlError::new(
                SqlState::NULL_VALUE_NOT_ALLOWED,
                "dimension values cannot be null",
            )),
            e => Ok(int(e) as i32),
        })
        .collect()
}

/// `MaxArraySize`: PostgreSQL's limit on the element count of one array.
const MAX_ARRAY_SIZE: i64 = 134_217_727;

fn array_fill(args: Args, call: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let lens = int_list(&args[1])?;
    let lowers = match args.get(2) {
        Some(v) => int_list(v)?,
        None => vec![1; lens.len()],
    };
    if lowers.len() != lens.len() {
        return Err(SqlError::new(
            SqlState::ARRAY_SUBSCRIPT_ERROR,
            "wrong number of array subscripts",
        )
        .with_detail("Low bound array has different size than dimensions array."));
    }
    let et = result_element(call);
    if lens.is_empty() {
        return Ok(array_value(Array::empty(et)));
    }
    let mut total: i64 = 1;
    for &l in &lens {
        total = total.saturating_mul(i64::from(l));
        if l < 0 || total > MAX_ARRAY_SIZE {
            return Err(SqlError::new(
                SqlState::PROGRAM_LIMIT_EXCEEDED,
                format!("array size exceeds the maximum allowed ({MAX_ARRAY_SIZE})"),
            ));
        }
    }
    if total == 0 {
        return Ok(array_value(Array::empty(et)));
    }
    // Each element is a whole `Value` here, so hold arrays to the 1 GB allocation limit
    // rather than PostgreSQL's element count alone.
    super::check_size(total as u128 * std::mem::size_of::<Value>() as u128)?;
    let dims = lens
        .iter()
        .zip(&lowers)
        .map(|(&len, &lower_bound)| ArrayDim { len, lower_bound })
        .collect();
    Ok(array_value(Array {
        element_type: et,
        dims,
        elements: vec![args[0].clone(); total as usize],
    }))
}

fn trim_array(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let Some(a) = arr(&args[0]) else {
        return Ok(Value::Null);
    };
    let have = a.dims.first().map_or(0, |d| i64::from(d.len));
    let n = int(&args[1]);
    if n < 0 || n > have {
        return Err(SqlError::new(
            SqlState::ARRAY_SUBSCRIPT_ERROR,
            format!("number of elements to trim must be between 0 and {have}"),
        ));
    }
    let mut out = a.clone();
    if let Some(first) = out.dims.first_mut() {
        let row: usize = a.dims[1..].iter().map(|d| d.len.max(0) as usize).product();
        first.len -= n as i32;
        out.elements.truncate(first.len.max(0) as usize * row);
        if first.len == 0 {
            out = Array::empty(a.element_type.clone());
        }
    }
    Ok(array_value(out))
}

/// `string_to_array(s, delim [, null_string])`: a NULL delimiter splits into characters, an
/// empty one keeps the string whole; an empty string gives an empty array.
fn string_to_array(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let Some(s) = args[0].as_str() else {
        return Ok(Value::Null);
    };
    let null_str = args.get(2).and_then(Value::as_str);
    let as_value = |p: &str| {
        if Some(p) == null_str {
            Value::Null
        } else {
            Value::Text(p.to_string())
        }
    };
    let parts: Vec<Value> = if s.is_empty() {
        Vec::new()
    } else {
        match args[1].as_str() {
            None => s
                .char_indices()
                .map(|(i, c)| as_value(&s[i..i + c.len_utf8()]))
                .collect(),
            Some("") => vec![as_value(s)],
            Some(d) => s.split(d).map(as_value).collect(),
        }
    };
    Ok(array_value(Array::from_elements(DataType::Text, parts)))
}

/// `array_to_string(a, delim [, null_string])`: elements in row-major order as text, NULLs
/// skipped unless a null string is given.
fn array_to_string(args: Args, call: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    let (Some(a), Some(delim)) = (arr(&args[0]), args[1].as_str()) else {
        return Ok(Value::Null);
    };
    let et = call
        .arg_types
        .first()
        .and_then(DataType::element_type)
        .cloned()
        .unwrap_or(DataType::Text);
    let null_str = args.get(2).and_then(Value::as_str);
    let mut out = String::new();
    let mut first = true;
    for e in &a.elements {
        let piece = match e {
            Value::Null => match null_str {
                Some(n) => n.to_string(),
                None => continue,
            },
            v => embeddb_types::format_text(v, &et, ctx.format()),
        };
        if !first {
            out.push_str(delim);
        }
        out.push_str(&piece);
        first = false;
    }
    Ok(Value::Text(out))
}

/// Whether element of `b` equals some element of `a` (NULL elements never
/// match), the `@>` / `<@` test; dimensions are ignored, as in PostgreSQL.
fn contains_all(a: &Array, b: &Array) -> bool {
    b.elements
        .iter()
        .all(|e| !e.is_null() && a.elements.iter().any(|x| x == e))
}

fn arraycontains(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    match (arr(&args[0]), arr(&args[1])) {
        (Some(a), Some(b)) => Ok(Value::Bool(contains_all(a, b))),
        _ => Ok(Value::Null),
    }
}

fn arraycontained(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    match (arr(&args[0]), arr(&args[1])) {
        (Some(a), Some(b)) => Ok(Value::Bool(contains_all(b, a))),
        _ => Ok(Value::Null),
    }
}

fn arrayoverlap(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    match (arr(&args[0]), arr(&args[1])) {
        (Some(a), Some(b)) => {
            Ok(Value::Bool(a.elements.iter().any(|e| {
                !e.is_null() && b.elements.iter().any(|x| x == e)
            })))
        }
        _ => Ok(Value::Null),
    }
}

pub(super) fn register(r: &mut Registry) {
    use ArgType::{AnyArray, AnyElement, Exact};
    use DataType as T;
    let int = || Exact(T::Int4);
    let ret_int = || ReturnType::Exact(T::Int4);
    let dims: [(&'static str, ScalarImpl); 3] = [
        ("array_length", array_length),
        ("array_lower", array_lower),
        ("array_upper", array_upper),
    ];
    for (name, f) in dims {
        r.add(name, vec![AnyArray, int()], ret_int(), f);
    }
    r.add("cardinality", vec![AnyArray], ret_int(), cardinality);
    let containment: [(&'static str, ScalarImpl); 3] = [
        ("arraycontains", arraycontains),
        ("arraycontained", arraycontained),
        ("arrayoverlap", arrayoverlap),
    ];
    for (name, f) in containment {
        r.add(
            name,
            vec![AnyArray, AnyArray],
            ReturnType::Exact(T::Bool),
            f,
        );
    }
    r.add("array_ndims", vec![AnyArray], ret_int(), array_ndims);
    r.add(
        "array_dims",
        vec![AnyArray],
        ReturnType::Exact(T::Text),
        array_dims,
    );
    r.add(
        "array_append",
        vec![AnyArray, AnyElement],
        ReturnType::AnyArray,
        array_append,
    )
    .non_strict();
    r.add(
        "array_prepend",
        vec![AnyElement, AnyArray],
        ReturnType::AnyArray,
        array_prepend,
    )
    .non_strict();
    r.add(
        "array_cat",
        vec![AnyArray, AnyArray],
        ReturnType::AnyArray,
        array_cat,
    )
    .non_strict();
    r.add(
        "array_position",
        vec![AnyArray, AnyElement],
        ret_int(),
        array_position,
    )
    .non_strict();
    r.add(
        "array_position",
        vec![AnyArray, AnyElement, int()],
        ret_int(),
        array_position,
    )
    .non_strict();
    r.add(
        "array_positions",
        vec![AnyArray, AnyElement],
        ReturnType::Exact(T::Array(Box::new(T::Int4))),
        array_positions,
    )
    .non_strict();
    r.add(
        "array_remove",
        vec![AnyArray, AnyElement],
        ReturnType::AnyArray,
        array_remove,
    )
    .non_strict();
    r.add(
        "array_replace",
        vec![AnyArray, AnyElement, AnyElement],
        ReturnType::AnyArray,
        array_replace,
    )
    .non_strict();
    let int_arr = || Exact(T::Array(Box::new(T::Int4)));
    r.add(
        "array_fill",
        vec![AnyElement, int_arr()],
        ReturnType::AnyArray,
        array_fill,
    )
    .non_strict();
    r.add(
        "array_fill",
        vec![AnyElement, int_arr(), int_arr()],
        ReturnType::AnyArray,
        array_fill,
    )
    .non_strict();
    r.add(
        "trim_array",
        vec![AnyArray, int()],
        ReturnType::AnyArray,
        trim_array,
    );
    let text_arr = || T::Array(Box::new(T::Text));
    r.exact(
        "string_to_array",
        &[T::Text, T::Text],
        text_arr(),
        string_to_array,
    )
    .non_strict();
    r.exact(
        "string_to_array",
        &[T::Text, T::Text, T::Text],
        text_arr(),
        string_to_array,
    )
    .non_strict();
    r.add(
        "array_to_string",
        vec![AnyArray, Exact(T::Text)],
        ReturnType::Exact(T::Text),
        array_to_string,
    )
    .stable();
    r.add(
        "array_to_string",
        vec![AnyArray, Exact(T::Text), Exact(T::Text)],
        ReturnType::Exact(T::Text),
        array_to_string,
    )
    .non_strict()
    .stable();
}
