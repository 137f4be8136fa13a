//! String functions.

use embeddb_types::{DataType, SqlResult, Value};

use crate::exec::context::ExecContext;
use crate::functions::CallInfo;
use crate::functions::registry::Registry;

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

fn lower(args: &[Value], _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Text(text(&args[0]).to_lowercase()))
}

fn upper(args: &[Value], _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Text(text(&args[0]).to_uppercase()))
}

fn length(args: &[Value], _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Int4(text(&args[0]).chars().count() as i32))
}

pub(super) fn register(r: &mut Registry) {
    use DataType as T;
    r.exact("lower", &[T::Text], T::Text, lower);
    r.exact("upper", &[T::Text], T::Text, upper);
    for name in ["length", "char_length", "character_length"] {
        r.exact(name, &[T::Text], T::Int4, length);
    }
}
