//! Numeric functions.

use embeddb_types::ops::{UnaryOp, eval_unary, resolve_unary};
use embeddb_types::{DataType, SqlResult, Value};

use crate::exec::context::ExecContext;
use crate::functions::CallInfo;
use crate::functions::registry::Registry;

fn abs(args: &[Value], call: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    let sig = resolve_unary(UnaryOp::Abs, &call.arg_types[0])?;
    eval_unary(UnaryOp::Abs, &args[0], &sig, ctx.format())
}

pub(super) fn register(r: &mut Registry) {
    use DataType as T;
    for t in [
        T::Int2,
        T::Int4,
        T::Int8,
        T::Float4,
        T::Float8,
        T::Numeric(None),
    ] {
        r.exact("abs", &[t.clone()], t, abs);
    }
}
