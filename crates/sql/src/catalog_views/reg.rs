//! Casts to and from the object-identifier alias types (`regclass`, `regtype`, ...). Reading
//! a name and printing one need the catalog, which the types crate does not have, so the
//! binder hands these coercions here: a literal is resolved while binding (as PostgreSQL
//! does, so `'nosuch'::regclass` fails at once), anything else becomes a call that looks
//! the name up in the statement's catalog when it runs.

use embeddb_tables::Catalog;
use embeddb_types::{DataType, RegKind, SqlError, SqlResult, SqlState, Value};

use super::oids;
use crate::binder::Binder;
use crate::exec::context::ExecContext;
use crate::expr::{Expr, ExprKind};
use crate::functions::{CallInfo, ScalarFunction, ScalarImpl};

fn is_stringish(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Text | DataType::Varchar(_) | DataType::Bpchar(_) | DataType::Name
    )
}

fn is_oidish(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Oid | DataType::Int2 | DataType::Int4 | DataType::Int8
    )
}

/// True when coercing `from` to `to` needs the catalog (and so [`coerce_reg`]).
pub(crate) fn is_reg_coercion(from: &DataType, to: &DataType) -> bool {
    match (from, to) {
        (DataType::Reg(a), DataType::Reg(b)) => a != b,
        (f, DataType::Reg(_)) => *f == DataType::Unknown || is_stringish(f) || is_oidish(f),
        (DataType::Reg(_), t) => is_stringish(t),
        _ => false,
    }
}

/// Coerces `expr` to `target` where one side is an object-identifier alias type.
pub(crate) fn coerce_reg(
    binder: &mut Binder<'_>,
    expr: Expr,
    target: &DataType,
) -> SqlResult<Expr> {
    let from = expr.ty.clone();
    if let DataType::Reg(kind) = target {
        let kind = *kind;
        if let ExprKind::Literal(v) = &expr.kind {
            match v {
                Value::Null => return Ok(Expr::null(target.clone())),
                Value::Text(s)
                    if (from == DataType::Unknown || is_stringish(&from))
                    // Roles are the session's, which binding does not know: resolved at run
                    // time like a non-literal.
                    && kind != RegKind::Role =>
                {
                    let value = resolve_name(binder.catalog(), kind, s)?;
                    return Ok(Expr::literal(value, target.clone()));
                }
                _ => {}
            }
        }
        let arg = if from == DataType::Unknown {
            // A parameter (or an expression of unknown type) is read as text: clients send
            // names, and the name is resolved when the statement runs.
            binder.coerce(
                expr,
                &DataType::Text,
                crate::binder::expr::Coercion::Explicit,
            )?
        } else {
            expr
        };
        let imp: ScalarImpl = if is_oidish(&arg.ty) || matches!(arg.ty, DataType::Reg(_)) {
            reg_from_oid
        } else {
            reg_from_text
        };
        return Ok(call("regin", imp, arg, target.clone()));
    }
    // A reg type to a string type: the name.
    let named = call("regout", reg_to_text, expr, DataType::Text);
    if *target == DataType::Text {
        Ok(named)
    } else {
        binder.coerce(named, target, crate::binder::expr::Coercion::Explicit)
    }
}

fn call(name: &'static str, imp: ScalarImpl, arg: Expr, ret: DataType) -> Expr {
    let func = ScalarFunction {
        name,
        imp,
        arg_types: vec![arg.ty.clone()],
        strict: true,
        volatile: false,
        stable: true,
    };
    Expr::new(
        ExprKind::Function {
            func,
            args: vec![arg],
        },
        ret,
    )
}

fn kind_of(t: &DataType) -> RegKind {
    match t {
        DataType::Reg(k) => *k,
        _ => RegKind::Class,
    }
}

fn reg_from_text(args: &[Value], call: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    let name = args[0].as_str().unwrap_or("");
    let kind = kind_of(call.ret);
    if kind == RegKind::Role {
        return resolve_role(ctx, name);
    }
    resolve_name(&ctx.catalog, kind, name)
}

fn reg_from_oid(args: &[Value], call: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    let oid = args[0].as_i64().unwrap_or(0) as u32;
    Ok(named_oid(
        &ctx.catalog,
        kind_of(call.ret),
        oid,
        &ctx.session.user,
    ))
}

fn reg_to_text(args: &[Value], call: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    let oid = args[0].as_i64().unwrap_or(0) as u32;
    let kind = kind_of(&call.arg_types[0]);
    let v = named_oid(&ctx.catalog, kind, oid, &ctx.session.user);
    Ok(Value::Text(embeddb_types::format_text(
        &v,
        &DataType::Reg(kind),
        ctx.format(),
    )))
}

/// The value of an oid of this kind with its name attached when the object exists.
pub(crate) fn named_oid(catalog: &Catalog, kind: RegKind, oid: u32, user: &str) -> Value {
    Value::Reg(oid, oid_name(catalog, kind, oid, user).map(Into::into))
}

/// The name an oid prints as in this kind (qualified where the search path would not find
/// it), or None when nothing has that oid.
pub(crate) fn oid_name(catalog: &Catalog, kind: RegKind, oid: u32, user: &str) -> Option<String> {
    if oid == 0 {
        return None;
    }
    match kind {
        RegKind::Class => {
            let (nsp, rel, _) = oids::relation_by_oid(catalog, oid)?;
            Some(if nsp == "information_schema" {
                format!("{}.{}", nsp, oids::quote_ident(&rel))
            } else {
                oids::quote_ident(&rel)
            })
        }
        RegKind::Type => DataType::from_oid(oid, -1).map(|t| t.to_string()),
        RegKind::Namespace => oids::namespace_name(oid).map(str::to_string),
        RegKind::Role => (oid == oids::SESSION_ROLE_OID).then(|| oids::quote_ident(user)),
        RegKind::Proc | RegKind::Procedure => oids::proc_name(oid).map(str::to_string),
        RegKind::Oper => None,
    }
}

/// Reads a name of this kind: a number is taken as the oid itself.
pub(crate) fn resolve_name(catalog: &Catalog, kind: RegKind, input: &str) -> SqlResult<Value> {
    let s = input.trim();
    if s == "-" || (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())) {
        let oid = if s == "-" {
            0
        } else {
            embeddb_types::text::parse_oid(s)?
        };
        return Ok(Value::Reg(
            oid,
            oid_name(catalog, kind, oid, "").map(Into::into),
        ));
    }
    match lookup(catalog, kind, s)? {
        Some(oid) => Ok(Value::Reg(
            oid,
            Some(
                oid_name(catalog, kind, oid, "")
                    .unwrap_or_else(|| s.to_string())
                    .into(),
            ),
        )),
        None => Err(not_found(kind, s)),
    }
}

/// The oid a name of this kind refers to; None when there is none (`to_regclass`'s NULL).
/// A malformed name is an error, as in PostgreSQL.
pub(crate) fn lookup(catalog: &Catalog, kind: RegKind, input: &str) -> SqlResult<Option<u32>> {
    match kind {
        RegKind::Type => match embeddb_types::parse_type_name(input) {
            Ok(t) => Ok(Some(t.oid())),
            Err(e) if e.code == SqlState::UNDEFINED_OBJECT => Ok(None),
            Err(e) => Err(e),
        },
        RegKind::Class => {
            let parts = oids::split_qualified(input).ok_or_else(|| invalid_name(input))?;
            Ok(match parts.as_slice() {
                [name] => oids::relation_oid(catalog, None, name),
                [schema, name] | [_, schema, name] => {
                    oids::relation_oid(catalog, Some(schema), name)
                }
                _ => return Err(invalid_name(input)),
            })
        }
        RegKind::Namespace => {
            let parts = oids::split_qualified(input).ok_or_else(|| invalid_name(input))?;
            Ok(match parts.as_slice() {
                [name] => oids::namespace_oid(name),
                _ => return Err(invalid_name(input)),
            })
        }
        RegKind::Proc | RegKind::Procedure => {
            // regprocedure input carries argument types: `lower(text)`.
            let name = input.split('(').next().unwrap_or("").trim();
            let parts = oids::split_qualified(name).ok_or_else(|| invalid_name(input))?;
            Ok(match parts.as_slice() {
                [n] | [_, n] => oids::proc_oid(n),
                _ => None,
            })
        }
        RegKind::Role | RegKind::Oper => Ok(None),
    }
}

fn resolve_role(ctx: &ExecContext, input: &str) -> SqlResult<Value> {
    let parts = oids::split_qualified(input).ok_or_else(|| invalid_name(input))?;
    match parts.as_slice() {
        [name] if *name == ctx.session.user => Ok(Value::Reg(
            oids::SESSION_ROLE_OID,
            Some(oids::quote_ident(name).into()),
        )),
        _ => Err(not_found(RegKind::Role, input)),
    }
}

fn invalid_name(input: &str) -> SqlError {
    SqlError::new(
        SqlState::INVALID_NAME,
        format!("invalid name syntax: {input}"),
    )
}

pub(crate) fn not_found(kind: RegKind, input: &str) -> SqlError {
    let name = input.trim();
    match kind {
        RegKind::Class => SqlError::new(
            SqlState::UNDEFINED_TABLE,
            format!("relation \"{name}\" does not exist"),
        ),
        RegKind::Type => SqlError::new(
            SqlState::UNDEFINED_OBJECT,
            format!("type \"{name}\" does not exist"),
        ),
        RegKind::Namespace => SqlError::new(
            SqlState::INVALID_SCHEMA_NAME,
            format!("schema \"{name}\" does not exist"),
        ),
        RegKind::Role => SqlError::new(
            SqlState::UNDEFINED_OBJECT,
            format!("role \"{name}\" does not exist"),
        ),
        RegKind::Proc | RegKind::Procedure => SqlError::new(
            SqlState::UNDEFINED_FUNCTION,
            format!("function \"{name}\" does not exist"),
        ),
        RegKind::Oper => SqlError::new(
            SqlState::UNDEFINED_FUNCTION,
            format!("operator does not exist: {name}"),
        ),
    }
}
