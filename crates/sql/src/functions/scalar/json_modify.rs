//! Changing jsonb documents: `jsonb_set`, `jsonb_insert`, and the operator functions behind
//! `||` (`jsonb_concat`), `-` (`jsonb_delete`) and `#-` (`jsonb_delete_path`).
//!
//! Paths are text[] as in PostgreSQL: object levels take keys, array levels take integer
//! positions (negative counts from the end; past either end means prepend or append where
//! creating is allowed).

use embeddb_types::json::{self as j, Json};
use embeddb_types::{DataType, SqlError, SqlResult, SqlState, Value};

use super::{int, text};
use crate::exec::context::ExecContext;
use crate::functions::CallInfo;
use crate::functions::registry::Registry;

type Args<'a> = &'a [Value];

fn parse(v: &Value) -> SqlResult<Json> {
    j::parse(text(v), "jsonb")
}

fn out(v: Json) -> SqlResult<Value> {
    let mut s = String::new();
    v.canonicalize().write(&mut s);
    Ok(Value::Jsonb(s))
}

fn invalid(msg: &str) -> SqlError {
    SqlError::new(SqlState::INVALID_PARAMETER_VALUE, msg)
}

/// The elements of a text[] path; NULL elements are PostgreSQL's 22004 error.
fn path(v: &Value) -> SqlResult<Vec<String>> {
    let Value::Array(a) = v else {
        return Ok(Vec::new());
    };
    a.elements
        .iter()
        .enumerate()
        .map(|(i, e)| match e.as_str() {
            Some(s) => Ok(s.to_string()),
            None => Err(SqlError::new(
                SqlState::NULL_VALUE_NOT_ALLOWED,
                format!("path element at position {} is null", i + 1),
            )),
        })
        .collect()
}

/// Where an array path element points: an existing index, or before the start / past the
/// end.
enum Slot {
    At(usize),
    Before,
    After,
}

fn array_slot(key: &str, len: usize, level: usize) -> SqlResult<Slot> {
    let n: i64 = key.trim().parse().map_err(|_| {
        SqlError::new(
            SqlState::INVALID_TEXT_REPRESENTATION,
            format!(
                "path element at position {} is not an integer: \"{key}\"",
                level + 1
            ),
        )
    })?;
    let len = len as i64;
    let idx = if n < 0 { len + n } else { n };
    Ok(if idx < 0 {
        Slot::Before
    } else if idx >= len {
        Slot::After
    } else {
        Slot::At(idx as usize)
    })
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// jsonb_set: replace, or add when `create`.
    Set { create: bool },
    /// jsonb_insert: add, before or after an array position.
    Insert { after: bool },
}

fn set_path(doc: &mut Json, p: &[String], level: usize, new: &Json, mode: Mode) -> SqlResult<()> {
    let Some(key) = p.get(level) else {
        return Ok(());
    };
    let last = level + 1 == p.len();
    match doc {
        Json::Object(pairs) => {
            let found = pairs.iter().position(|(k, _)| k == key);
            match (found, last) {
                (Some(i), true) => match mode {
                    Mode::Set { .. } => pairs[i].1 = new.clone(),
                    Mode::Insert { .. } => {
                        return Err(invalid("cannot replace existing key")
                            .with_hint("Try using the function jsonb_set to replace key value."));
                    }
                },
                (Some(i), false) => set_path(&mut pairs[i].1, p, level + 1, new, mode)?,
                (None, true) => {
                    if mode != (Mode::Set { create: false }) {
                        pairs.push((key.clone(), new.clone()));
                    }
                }
                (None, false) => {}
            }
        }
        Json::Array(items) => {
            let slot = array_slot(key, items.len(), level)?;
            match (slot, last, mode) {
                (Slot::At(i), false, _) => set_path(&mut items[i], p, level + 1, new, mode)?,
                (Slot::At(i), true, Mode::Set { .. }) => items[i] = new.clone(),
                (Slot::At(i), true, Mode::Insert { after }) => {
                    items.insert(if after { i + 1 } else { i }, new.clone());
                }
                (_, false, _) | (_, true, Mode::Set { create: false }) => {}
                (Slot::Before, true, _) => items.insert(0, new.clone()),
                (Slot::After, true, _) => items.push(new.clone()),
            }
        }
        // A scalar below the top level ends the path silently, as in PostgreSQL.
        _ => {}
    }
    Ok(())
}

fn modify(args: Args, mode: Mode) -> SqlResult<Value> {
    let mut doc = parse(&args[0])?;
    let p = path(&args[1])?;
    if p.is_empty() {
        return out(doc);
    }
    if !matches!(doc, Json::Object(_) | Json::Array(_)) {
        return Err(invalid("cannot set path in scalar"));
    }
    let new = parse(&args[2])?;
    set_path(&mut doc, &p, 0, &new, mode)?;
    out(doc)
}

fn jsonb_set(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let create = args.get(3).and_then(Value::as_bool).unwrap_or(true);
    modify(args, Mode::Set { create })
}

fn jsonb_insert(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let after = args.get(3).and_then(Value::as_bool).unwrap_or(false);
    modify(args, Mode::Insert { after })
}

/// `||`: objects merge (the right side wins), anything else concatenates as arrays.
fn jsonb_concat(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let (a, b) = (parse(&args[0])?, parse(&args[1])?);
    out(match (a, b) {
        (Json::Object(mut x), Json::Object(y)) => {
            for (k, v) in y {
                match x.iter_mut().find(|(kx, _)| *kx == k) {
                    Some(slot) => slot.1 = v,
                    None => x.push((k, v)),
                }
            }
            Json::Object(x)
        }
        (a, b) => {
            let as_items = |v: Json| match v {
                Json::Array(items) => items,
                other => vec![other],
            };
            let mut items = as_items(a);
            items.extend(as_items(b));
            Json::Array(items)
        }
    })
}

fn scalar_delete() -> SqlError {
    invalid("cannot delete from scalar")
}

/// `jsonb - text`, `jsonb - text[]`: object keys, or equal string elements of an array.
fn delete_keys(doc: Json, keys: &[String]) -> SqlResult<Json> {
    match doc {
        Json::Object(pairs) => Ok(Json::Object(
            pairs
                .into_iter()
                .filter(|(k, _)| !keys.contains(k))
                .collect(),
        )),
        Json::Array(items) => Ok(Json::Array(
            items
                .into_iter()
                .filter(|v| !matches!(v, Json::String(s) if keys.contains(s)))
                .collect(),
        )),
        _ => Err(scalar_delete()),
    }
}

fn jsonb_delete(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let doc = parse(&args[0])?;
    match &args[1] {
        Value::Int4(_) | Value::Int8(_) => {
            let Json::Array(mut items) = doc else {
                return Err(match doc {
                    Json::Object(_) => invalid("cannot delete from object using integer index"),
                    _ => scalar_delete(),
                });
            };
            let n = int(&args[1]);
            let len = items.len() as i64;
            let idx = if n < 0 { len + n } else { n };
            if (0..len).contains(&idx) {
                items.remove(idx as usize);
            }
            out(Json::Array(items))
        }
        Value::Array(_) => out(delete_keys(doc, &path(&args[1])?)?),
        key => out(delete_keys(doc, &[text(key).to_string()])?),
    }
}

fn delete_at(doc: &mut Json, p: &[String], level: usize) -> SqlResult<()> {
    let Some(key) = p.get(level) else {
        return Ok(());
    };
    let last = level + 1 == p.len();
    match doc {
        Json::Object(pairs) => {
            if let Some(i) = pairs.iter().position(|(k, _)| k == key) {
                if last {
                    pairs.remove(i);
                } else {
                    delete_at(&mut pairs[i].1, p, level + 1)?;
                }
            }
        }
        Json::Array(items) => {
            if let Slot::At(i) = array_slot(key, items.len(), level)? {
                if last {
                    items.remove(i);
                } else {
                    delete_at(&mut items[i], p, level + 1)?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// `#-`: removes the value at a path.
fn jsonb_delete_path(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let mut doc = parse(&args[0])?;
    let p = path(&args[1])?;
    if !matches!(doc, Json::Object(_) | Json::Array(_)) {
        return Err(invalid("cannot delete path in scalar"));
    }
    delete_at(&mut doc, &p, 0)?;
    out(doc)
}

pub(super) fn register(r: &mut Registry) {
    use DataType as T;
    let path_t = || T::Array(Box::new(T::Text));
    r.exact(
        "jsonb_set",
        &[T::Jsonb, path_t(), T::Jsonb],
        T::Jsonb,
        jsonb_set,
    );
    r.exact(
        "jsonb_set",
        &[T::Jsonb, path_t(), T::Jsonb, T::Bool],
        T::Jsonb,
        jsonb_set,
    );
    r.exact(
        "jsonb_insert",
        &[T::Jsonb, path_t(), T::Jsonb],
        T::Jsonb,
        jsonb_insert,
    );
    r.exact(
        "jsonb_insert",
        &[T::Jsonb, path_t(), T::Jsonb, T::Bool],
        T::Jsonb,
        jsonb_insert,
    );
    r.exact(
        "jsonb_concat",
        &[T::Jsonb, T::Jsonb],
        T::Jsonb,
        jsonb_concat,
    );
    r.exact("jsonb_delete", &[T::Jsonb, T::Text], T::Jsonb, jsonb_delete);
    r.exact("jsonb_delete", &[T::Jsonb, T::Int4], T::Jsonb, jsonb_delete);
    r.exact(
        "jsonb_delete",
        &[T::Jsonb, path_t()],
        T::Jsonb,
        jsonb_delete,
    );
    r.exact(
        "jsonb_delete_path",
        &[T::Jsonb, path_t()],
        T::Jsonb,
        jsonb_delete_path,
    );
}
