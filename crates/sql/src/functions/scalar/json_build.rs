//! Building JSON from SQL values: `to_json`, `to_jsonb`, `json[b]_build_object`,
//! `json[b]_build_array`, and `jsonb_strip_nulls` / `json_strip_nulls`.
//!
//! Values convert as PostgreSQL's `datum_to_json` does: numbers and booleans as themselves
//! (NaN and the infinities as strings), date/time values in ISO 8601 with `T`, arrays as
//! nested JSON arrays, `json`/`jsonb` embedded as they are, everything else as the JSON
//! string of its text output. `json` output keeps PostgreSQL's spacing (`[1,2]` from
//! `to_json`, `{"a" : 1}` from `json_build_object`); `jsonb` output is canonical.

use embeddb_types::datetime::{self as dt, format as dtf};
use embeddb_types::json::{self as j, Json};
use embeddb_types::{
    Array, DataType, FormatContext, Numeric, SqlError, SqlResult, SqlState, Value,
};

use super::text;
use crate::exec::context::ExecContext;
use crate::functions::registry::Registry;
use crate::functions::{ArgType, CallInfo, ReturnType};

type Args<'a> = &'a [Value];

/// ISO 8601 text of a date/time value, or None for other values.
fn iso_datetime(v: &Value, ctx: &FormatContext) -> Option<String> {
    let mut s = String::new();
    match v {
        Value::Date(d) => dtf::write_date(*d, &mut s),
        Value::Time(t) => dtf::write_time(*t, &mut s),
        Value::Timestamp(t) => {
            dtf::write_timestamp(*t, &mut s);
            if dt::is_finite_timestamp(*t) {
                s = s.replacen(' ', "T", 1);
            }
        }
        Value::Timestamptz(t) => {
            if !dt::is_finite_timestamp(*t) {
                dtf::write_timestamp(*t, &mut s);
                return Some(s);
            }
            let off = ctx.time_zone.offset_at_utc(*t);
            dtf::write_timestamp(*t + i64::from(off) * dt::USECS_PER_SEC, &mut s);
            s = s.replacen(' ', "T", 1);
            let a = off.unsigned_abs();
            s.push(if off < 0 { '-' } else { '+' });
            s.push_str(&format!("{:02}:{:02}", a / 3600, a / 60 % 60));
            if !a.is_multiple_of(60) {
                s.push_str(&format!(":{:02}", a % 60));
            }
        }
        _ => return None,
    }
    Some(s)
}

/// The text output of a value.
fn output(v: &Value, ty: &DataType, ctx: &FormatContext) -> String {
    embeddb_types::format_text(v, ty, ctx)
}

fn element_type(ty: &DataType) -> DataType {
    ty.element_type().cloned().unwrap_or(DataType::Text)
}

/// Visits an array's elements dimension by dimension.
fn array_json(
    a: &Array,
    dim: usize,
    offset: &mut usize,
    f: &mut dyn FnMut(&Value) -> Json,
) -> Json {
    let Some(d) = a.dims.get(dim) else {
        return Json::Array(Vec::new());
    };
    let mut items = Vec::with_capacity(d.len.max(0) as usize);
    for _ in 0..d.len.max(0) {
        if dim + 1 < a.dims.len() {
            items.push(array_json(a, dim + 1, offset, f));
        } else {
            let v = a.elements.get(*offset).unwrap_or(&Value::Null);
            items.push(f(v));
            *offset += 1;
        }
    }
    Json::Array(items)
}

/// A value as a JSON tree. `json` values are parsed (keeping member order and duplicates);
/// numbers keep their text as numeric.
fn to_tree(v: &Value, ty: &DataType, ctx: &FormatContext) -> Json {
    let number_or_string = |s: String| match Numeric::parse(&s) {
        Ok(n) if n.is_finite() => Json::Number(n),
        _ => Json::String(s),
    };
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int2(_) | Value::Int4(_) | Value::Int8(_) | Value::Oid(_) => {
            Json::Number(Numeric::from_i64(v.as_i64().unwrap_or(0)))
        }
        Value::Numeric(n) if n.is_finite() => Json::Number(n.clone()),
        Value::Float4(_) | Value::Float8(_) | Value::Numeric(_) => {
            number_or_string(output(v, ty, ctx))
        }
        Value::Text(s) => Json::String(s.clone()),
        Value::Json(s) | Value::Jsonb(s) => j::parse(s, "json").unwrap_or(Json::Null),
        Value::Array(a) => {
            let et = element_type(ty);
            array_json(a, 0, &mut 0, &mut |e| to_tree(e, &et, ctx))
        }
        other => Json::String(iso_datetime(other, ctx).unwrap_or_else(|| output(other, ty, ctx))),
    }
}

/// `to_json`'s text: like the tree, but `json` values verbatim and arrays without spaces.
fn json_text(v: &Value, ty: &DataType, ctx: &FormatContext, out: &mut String) {
    match v {
        Value::Json(s) => out.push_str(s),
        Value::Jsonb(s) => out.push_str(s),
        Value::Array(a) => {
            let et = element_type(ty);
            array_text(a, 0, &mut 0, &et, ctx, out);
        }
        // Floats keep their own output (`1e+100`), not numeric's.
        Value::Float4(_) | Value::Float8(_) => {
            let s = output(v, ty, ctx);
            if s.parse::<f64>().is_ok_and(f64::is_finite) {
                out.push_str(&s);
            } else {
                j::write_json_string(&s, out);
            }
        }
        other => to_tree(other, ty, ctx).write(out),
    }
}

fn array_text(
    a: &Array,
    dim: usize,
    offset: &mut usize,
    et: &DataType,
    ctx: &FormatContext,
    out: &mut String,
) {
    out.push('[');
    let len = a.dims.get(dim).map_or(0, |d| d.len.max(0));
    for i in 0..len {
        if i > 0 {
            out.push(',');
        }
        if dim + 1 < a.dims.len() {
            array_text(a, dim + 1, offset, et, ctx, out);
        } else {
            json_text(
                a.elements.get(*offset).unwrap_or(&Value::Null),
                et,
                ctx,
                out,
            );
            *offset += 1;
        }
    }
    out.push(']');
}

fn arg_type(call: &CallInfo<'_>, i: usize) -> DataType {
    call.arg_types.get(i).cloned().unwrap_or(DataType::Text)
}

fn to_json(args: Args, call: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    let mut s = String::new();
    json_text(&args[0], &arg_type(call, 0), ctx.format(), &mut s);
    Ok(Value::Json(s))
}

fn canonical(v: Json) -> String {
    let mut s = String::new();
    v.canonicalize().write(&mut s);
    s
}

fn to_jsonb(args: Args, call: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Jsonb(canonical(to_tree(
        &args[0],
        &arg_type(call, 0),
        ctx.format(),
    ))))
}

/// The key of a `json[b]_build_object` pair: non-null, scalar, as its text output.
fn object_key(
    args: Args,
    call: &CallInfo<'_>,
    ctx: &ExecContext,
    i: usize,
    jsonb: bool,
) -> SqlResult<String> {
    let invalid = |msg: String| SqlError::new(SqlState::INVALID_PARAMETER_VALUE, msg);
    match &args[i] {
        Value::Null if jsonb => Err(invalid(format!("argument {}: key must not be null", i + 1))),
        Value::Null => Err(invalid(format!("argument {} cannot be null", i + 1))
            .with_hint("Object keys should be text.")),
        Value::Array(_) | Value::Json(_) | Value::Jsonb(_) => Err(invalid(
            "key value must be scalar, not array, composite, or json".into(),
        )),
        v => Ok(match to_tree(v, &arg_type(call, i), ctx.format()) {
            Json::String(s) => s,
            other => {
                let mut s = String::new();
                other.write(&mut s);
                s
            }
        }),
    }
}

fn check_pairs(args: Args, func: &str) -> SqlResult<()> {
    if !args.len().is_multiple_of(2) {
        return Err(SqlError::new(
            SqlState::INVALID_PARAMETER_VALUE,
            "argument list must have even number of elements",
        )
        .with_hint(format!(
            "The arguments of {func}() must consist of alternating keys and values."
        )));
    }
    Ok(())
}

fn json_build_object(args: Args, call: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    check_pairs(args, "json_build_object")?;
    let mut s = String::from("{");
    for i in (0..args.len()).step_by(2) {
        let key = object_key(args, call, ctx, i, false)?;
        if i > 0 {
            s.push_str(", ");
        }
        j::write_json_string(&key, &mut s);
        s.push_str(" : ");
        json_text(&args[i + 1], &arg_type(call, i + 1), ctx.format(), &mut s);
    }
    s.push('}');
    Ok(Value::Json(s))
}

fn jsonb_build_object(args: Args, call: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    check_pairs(args, "jsonb_build_object")?;
    let mut pairs = Vec::with_capacity(args.len() / 2);
    for i in (0..args.len()).step_by(2) {
        let key = object_key(args, call, ctx, i, true)?;
        pairs.push((
            key,
            to_tree(&args[i + 1], &arg_type(call, i + 1), ctx.format()),
        ));
    }
    Ok(Value::Jsonb(canonical(Json::Object(pairs))))
}

fn json_build_array(args: Args, call: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    let mut s = String::from("[");
    for (i, v) in args.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        json_text(v, &arg_type(call, i), ctx.format(), &mut s);
    }
    s.push(']');
    Ok(Value::Json(s))
}

fn jsonb_build_array(args: Args, call: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    let items = args
        .iter()
        .enumerate()
        .map(|(i, v)| to_tree(v, &arg_type(call, i), ctx.format()))
        .collect();
    Ok(Value::Jsonb(canonical(Json::Array(items))))
}

fn array_error(msg: &str) -> SqlError {
    SqlError::new(SqlState::ARRAY_SUBSCRIPT_ERROR, msg)
}

fn text_elements(v: &Value) -> Vec<Option<String>> {
    match v {
        Value::Array(a) => a
            .elements
            .iter()
            .map(|e| e.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

fn ndims(v: &Value) -> usize {
    match v {
        Value::Array(a) => a.ndims(),
        _ => 0,
    }
}

/// The key/value pairs of `json_object(text[])` (one dimension of alternating keys and
/// values, or N rows of two) or `json_object(keys, values)`.
fn object_pairs(args: Args) -> SqlResult<Vec<(String, Option<String>)>> {
    let (keys, values): (Vec<Option<String>>, Vec<Option<String>>) = match args.get(1) {
        Some(vals) => {
            if ndims(&args[0]) > 1 || ndims(vals) > 1 {
                return Err(array_error("wrong number of array subscripts"));
            }
            let (k, v) = (text_elements(&args[0]), text_elements(vals));
            if k.len() != v.len() {
                return Err(array_error("mismatched array dimensions"));
            }
            (k, v)
        }
        None => {
            let all = text_elements(&args[0]);
            match (ndims(&args[0]), &args[0]) {
                (0, _) => (Vec::new(), Vec::new()),
                (1, _) if !all.len().is_multiple_of(2) => {
                    return Err(array_error("array must have even number of elements"));
                }
                (2, Value::Array(a)) if a.dims[1].len != 2 => {
                    return Err(array_error("array must have two columns"));
                }
                (1 | 2, _) => {
                    let k = all.iter().step_by(2).cloned().collect();
                    let v = all.iter().skip(1).step_by(2).cloned().collect();
                    (k, v)
                }
                _ => return Err(array_error("wrong number of array subscripts")),
            }
        }
    };
    keys.into_iter()
        .zip(values)
        .map(|(k, v)| match k {
            Some(k) => Ok((k, v)),
            None => Err(SqlError::new(
                SqlState::NULL_VALUE_NOT_ALLOWED,
                "null value not allowed for object key",
            )),
        })
        .collect()
}

fn json_object(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let mut s = String::from("{");
    for (i, (k, v)) in object_pairs(args)?.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        j::write_json_string(k, &mut s);
        s.push_str(" : ");
        match v {
            Some(v) => j::write_json_string(v, &mut s),
            None => s.push_str("null"),
        }
    }
    s.push('}');
    Ok(Value::Json(s))
}

fn jsonb_object(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let pairs = object_pairs(args)?
        .into_iter()
        .map(|(k, v)| (k, v.map_or(Json::Null, Json::String)))
        .collect();
    Ok(Value::Jsonb(canonical(Json::Object(pairs))))
}

/// Removes object members whose value is null, at every depth (array nulls stay).
fn strip_nulls(v: Json) -> Json {
    match v {
        Json::Object(pairs) => Json::Object(
            pairs
                .into_iter()
                .filter(|(_, v)| *v != Json::Null)
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        Json::Array(items) => Json::Array(items.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}

fn jsonb_strip_nulls(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let doc = j::parse(text(&args[0]), "jsonb")?;
    Ok(Value::Jsonb(canonical(strip_nulls(doc))))
}

/// `json_strip_nulls` re-serializes without whitespace, as PostgreSQL's does.
fn json_strip_nulls(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let doc = strip_nulls(j::parse(text(&args[0]), "json")?);
    let mut s = String::new();
    compact(&doc, &mut s);
    Ok(Value::Json(s))
}

fn compact(v: &Json, out: &mut String) {
    match v {
        Json::Array(items) => {
            out.push('[');
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                compact(it, out);
            }
            out.push(']');
        }
        Json::Object(pairs) => {
            out.push('{');
            for (i, (k, val)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                j::write_json_string(k, out);
                out.push(':');
                compact(val, out);
            }
            out.push('}');
        }
        scalar => scalar.write(out),
    }
}

pub(super) fn register(r: &mut Registry) {
    use DataType as T;
    r.add(
        "to_json",
        vec![ArgType::Any],
        ReturnType::Exact(T::Json),
        to_json,
    )
    .stable();
    r.add(
        "to_jsonb",
        vec![ArgType::Any],
        ReturnType::Exact(T::Jsonb),
        to_jsonb,
    )
    .stable();
    let builders: [(&'static str, T, crate::functions::ScalarImpl); 4] = [
        ("json_build_object", T::Json, json_build_object),
        ("jsonb_build_object", T::Jsonb, jsonb_build_object),
        ("json_build_array", T::Json, json_build_array),
        ("jsonb_build_array", T::Jsonb, jsonb_build_array),
    ];
    for (name, ret, f) in builders {
        r.add(name, vec![ArgType::Any], ReturnType::Exact(ret), f)
            .variadic()
            .non_strict()
            .stable();
    }
    r.exact(
        "jsonb_strip_nulls",
        &[T::Jsonb],
        T::Jsonb,
        jsonb_strip_nulls,
    );
    r.exact("json_strip_nulls", &[T::Json], T::Json, json_strip_nulls);
    r.add(
        "array_to_json",
        vec![ArgType::AnyArray],
        ReturnType::Exact(T::Json),
        to_json,
    )
    .stable();
    let text_arr = || T::Array(Box::new(T::Text));
    r.exact("json_object", &[text_arr()], T::Json, json_object);
    r.exact(
        "json_object",
        &[text_arr(), text_arr()],
        T::Json,
        json_object,
    );
    r.exact("jsonb_object", &[text_arr()], T::Jsonb, jsonb_object);
    r.exact(
        "jsonb_object",
        &[text_arr(), text_arr()],
        T::Jsonb,
        jsonb_object,
    );
}
