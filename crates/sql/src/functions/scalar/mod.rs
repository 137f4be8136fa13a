//! Scalar function implementations, grouped by what they work on. Each module registers its
//! functions with the registry; the helpers here read already-cast argument values.
//!
//! Arguments reach a body cast to the chosen overload's types, and strict functions are never
//! called with a NULL, so the accessors below only fall back to a neutral value for variants
//! the binder cannot produce (they never panic).

mod array;
mod bytes;
mod datetime;
mod format;
mod json;
mod json_build;
mod json_modify;
mod math;
mod math_float;
mod overlaps;
mod regexp;
mod regexp_compile;
mod string;
mod system;

pub use system::VERSION_TEXT;

use embeddb_types::{Numeric, SqlError, SqlState, Value};

use super::registry::Registry;

pub(super) fn register_all(r: &mut Registry) {
    string::register(r);
    format::register(r);
    bytes::register(r);
    regexp::register(r);
    math::register(r);
    math_float::register(r);
    datetime::register(r);
    overlaps::register(r);
    json::register(r);
    json_build::register(r);
    json_modify::register(r);
    array::register(r);
    system::register(r);
}

/// PostgreSQL's `MaxAllocSize`: no value it builds may exceed 1 GB.
pub(crate) const MAX_ALLOC_BYTES: usize = 0x3fff_ffff;

/// The text of a string argument.
fn text(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

/// An integer argument widened to i64.
fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

/// An int4 argument.
fn int4(v: &Value) -> i32 {
    match v {
        Value::Int4(x) => *x,
        other => other
            .as_i64()
            .map(|x| x.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32)
            .unwrap_or(0),
    }
}

/// A float argument (float4 widened).
fn float(v: &Value) -> f64 {
    match v {
        Value::Float8(x) => *x,
        Value::Float4(x) => f64::from(*x),
        other => other.as_i64().map(|x| x as f64).unwrap_or(0.0),
    }
}

/// A numeric argument.
fn numeric(v: &Value) -> Numeric {
    match v {
        Value::Numeric(n) => n.clone(),
        other => Numeric::from_i64(other.as_i64().unwrap_or(0)),
    }
}

/// A bytea argument.
fn bytes_of(v: &Value) -> &[u8] {
    match v {
        Value::Bytea(b) => b,
        Value::Text(s) => s.as_bytes(),
        _ => &[],
    }
}

/// PostgreSQL's error for results past `MaxAllocSize` (`repeat`, `lpad`, ...).
fn too_large() -> SqlError {
    SqlError::new(
        SqlState::PROGRAM_LIMIT_EXCEEDED,
        "requested length too large",
    )
}

/// Fails with 54000 when a result of `bytes` bytes would pass PostgreSQL's allocation limit,
/// before anything is allocated.
fn check_size(bytes: u128) -> Result<(), SqlError> {
    if bytes > MAX_ALLOC_BYTES as u128 {
        Err(too_large())
    } else {
        Ok(())
    }
}
