//! The functions catalog queries call: format_type, pg_get_userbyid, the visibility and
//! privilege checks, pg_get_expr / pg_get_constraintdef / pg_get_indexdef, descriptions,
//! sizes, to_regclass and friends, pg_get_serial_sequence, pg_encoding_to_char.

use embeddb_types::{DataType, RegKind, SqlError, SqlResult, SqlState, Value};

use super::oids;
use super::pg_class::{ConstraintRef, find_constraint, find_index};
use crate::exec::context::ExecContext;
use crate::functions::registry::Registry;
use crate::functions::{ArgType, CallInfo, ReturnType, ScalarImpl};

fn oid_arg(v: &Value) -> u32 {
    v.as_i64().unwrap_or(0) as u32
}

fn format_type(args: &[Value], _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    if args[0].is_null() {
        return Ok(Value::Null);
    }
    let oid = oid_arg(&args[0]);
    let typmod = args.get(1).and_then(Value::as_i64).unwrap_or(-1) as i32;
    Ok(Value::Text(match DataType::from_oid(oid, typmod) {
        Some(t) => super::deparse::format_type(&t),
        None => "???".to_string(),
    }))
}

fn get_userbyid(args: &[Value], _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    let oid = oid_arg(&args[0]);
    Ok(Value::Text(if oid == oids::SESSION_ROLE_OID {
        ctx.session.user.clone()
    } else if oid == oids::DATABASE_OWNER_ROLE_OID {
        "pg_database_owner".to_string()
    } else {
        format!("unknown (OID={oid})")
    }))
}

fn always_true(_: &[Value], _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Bool(true))
}

fn always_false(_: &[Value], _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Bool(false))
}

fn null_text(_: &[Value], _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Null)
}

/// Bytes a relation's storage holds now (old versions and tombstones included, as PostgreSQL
/// counts dead tuples): a table's rows keyspace, a secondary index's keyspace. A primary-key
/// index holds nothing of its own (its entries are the table's rows). None: no such relation.
fn relation_bytes(ctx: &ExecContext, oid: u32) -> Option<u64> {
    if let Some(table) = ctx.catalog.table(oid) {
        return Some(ctx.store.keyspace_size_bytes(&table.keyspace));
    }
    let (_, index) = find_index(&ctx.catalog, oid)?;
    Some(
        index
            .own_keyspace()
            .map_or(0, |ks| ctx.store.keyspace_size_bytes(ks)),
    )
}

/// The bytes of a table's secondary indexes; 0 for an index; None: no such relation.
fn indexes_bytes(ctx: &ExecContext, oid: u32) -> Option<u64> {
    match ctx.catalog.table(oid) {
        Some(table) => Some(
            table
                .indexes
                .iter()
                .filter_map(|i| i.own_keyspace())
                .map(|ks| ctx.store.keyspace_size_bytes(ks))
                .sum(),
        ),
        None => find_index(&ctx.catalog, oid).map(|_| 0),
    }
}

fn size_value(bytes: Option<u64>) -> Value {
    bytes.map_or(Value::Null, |b| {
        Value::Int8(i64::try_from(b).unwrap_or(i64::MAX))
    })
}

/// pg_relation_size(rel [, fork]): the main fork is the relation's storage; EmbedDB has no
/// free-space map, visibility map or init fork, so those are 0.
fn relation_size(args: &[Value], _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    if args.iter().any(Value::is_null) {
        return Ok(Value::Null);
    }
    if let Some(fork) = args.get(1) {
        match fork.as_str().unwrap_or_default() {
            "main" => {}
            "fsm" | "vm" | "init" => {
                return Ok(size_value(
                    relation_bytes(ctx, oid_arg(&args[0])).map(|_| 0),
                ));
            }
            _ => {
                return Err(
                    SqlError::new(SqlState::INVALID_PARAMETER_VALUE, "invalid fork name")
                        .with_hint("Valid fork names are \"main\", \"fsm\", \"vm\", and \"init\"."),
                );
            }
        }
    }
    Ok(size_value(relation_bytes(ctx, oid_arg(&args[0]))))
}

/// pg_table_size: the relation without its indexes (EmbedDB has no TOAST or other forks).
fn table_size(args: &[Value], _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    if args[0].is_null() {
        return Ok(Value::Null);
    }
    Ok(size_value(relation_bytes(ctx, oid_arg(&args[0]))))
}

fn indexes_size(args: &[Value], _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    if args[0].is_null() {
        return Ok(Value::Null);
    }
    Ok(size_value(indexes_bytes(ctx, oid_arg(&args[0]))))
}

fn total_relation_size(args: &[Value], _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    if args[0].is_null() {
        return Ok(Value::Null);
    }
    let oid = oid_arg(&args[0]);
    let total = relation_bytes(ctx, oid).and_then(|r| Some(r + indexes_bytes(ctx, oid)?));
    Ok(size_value(total))
}

/// pg_database_size: every table with its indexes (EmbedDB serves one database).
fn database_size(args: &[Value], _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    if args[0].is_null() {
        return Ok(Value::Null);
    }
    let total: u64 = ctx
        .catalog
        .tables()
        .map(|t| relation_bytes(ctx, t.oid).unwrap_or(0) + indexes_bytes(ctx, t.oid).unwrap_or(0))
        .sum();
    Ok(size_value(Some(total)))
}

/// pg_get_expr: stored expressions are kept already printed (see `deparse`).
fn get_expr(args: &[Value], _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(args[0].clone())
}

fn get_constraintdef(args: &[Value], _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    let pretty = args.get(1).and_then(Value::as_bool).unwrap_or(false);
    Ok(match find_constraint(&ctx.catalog, oid_arg(&args[0])) {
        Some(ConstraintRef::Index(t, i)) => {
            Value::Text(super::deparse::constraint_def(t, Some(i), None, pretty))
        }
        Some(ConstraintRef::Check(t, pos)) => Value::Text(super::deparse::constraint_def(
            t,
            None,
            Some(&t.checks[pos].expr_sql),
            pretty,
        )),
        None => Value::Null,
    })
}

fn get_indexdef(args: &[Value], _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    let column = args.get(1).and_then(Value::as_i64).unwrap_or(0) as i32;
    let pretty = args.get(2).and_then(Value::as_bool).unwrap_or(false);
    Ok(match find_index(&ctx.catalog, oid_arg(&args[0])) {
        Some((t, i)) => Value::Text(super::deparse::index_def(t, i, column, pretty)),
        None => Value::Null,
    })
}

fn encoding_to_char(args: &[Value], _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Text(
        match args[0].as_i64() {
            Some(0) => "SQL_ASCII",
            Some(6) => "UTF8",
            _ => "",
        }
        .to_string(),
    ))
}

fn char_to_encoding(args: &[Value], _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let name = args[0].as_str().unwrap_or("").to_ascii_uppercase();
    Ok(Value::Int4(match name.as_str() {
        "SQL_ASCII" => 0,
        "UTF8" | "UTF-8" => 6,
        _ => -1,
    }))
}

/// PostgreSQL's pg_size_pretty: bytes up to 10 kB-ish, then kB, MB, GB, TB, PB, each unit
/// chosen while the value stays below 20 * 1024 / 2 (rounding half up at each step).
fn size_pretty(args: &[Value], _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let mut size: i128 = match &args[0] {
        Value::Numeric(n) => n
            .to_string()
            .split('.')
            .next()
            .unwrap_or("0")
            .parse()
            .unwrap_or(0),
        other => i128::from(other.as_i64().unwrap_or(0)),
    };
    let limit: i128 = 10 * 1024;
    let limit2: i128 = limit * 2 - 1;
    if size.abs() < limit {
        return Ok(Value::Text(format!("{size} bytes")));
    }
    size /= 1 << 9; // half-kB units, for rounding
    for unit in ["kB", "MB", "GB", "TB"] {
        if size.abs() < limit2 {
            let v = (size + if size < 0 { -1 } else { 1 }) / 2;
            return Ok(Value::Text(format!("{v} {unit}")));
        }
        size /= 1 << 10;
    }
    let v = (size + if size < 0 { -1 } else { 1 }) / 2;
    Ok(Value::Text(format!("{v} PB")))
}

fn to_reg(args: &[Value], call: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    let kind = match call.ret {
        DataType::Reg(k) => *k,
        _ => RegKind::Class,
    };
    let name = args[0].as_str().unwrap_or("");
    if kind == RegKind::Role {
        return Ok(if name == ctx.session.user {
            Value::Reg(oids::SESSION_ROLE_OID, Some(name.into()))
        } else {
            Value::Null
        });
    }
    Ok(match super::reg::lookup(&ctx.catalog, kind, name)? {
        Some(oid) => super::reg::named_oid(&ctx.catalog, kind, oid, &ctx.session.user),
        None => Value::Null,
    })
}

fn serial_sequence(args: &[Value], _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    let table_name = args[0].as_str().unwrap_or("");
    let column = args[1].as_str().unwrap_or("");
    let oid = match super::reg::lookup(&ctx.catalog, RegKind::Class, table_name)? {
        Some(oid) => oid,
        None => return Err(super::reg::not_found(RegKind::Class, table_name)),
    };
    let Some(table) = ctx.catalog.table(oid) else {
        return Ok(Value::Null);
    };
    let Some(col) = table.column(column) else {
        return Err(embeddb_types::SqlError::new(
            embeddb_types::SqlState::UNDEFINED_COLUMN,
            format!(
                "column \"{column}\" of relation \"{}\" does not exist",
                table.name
            ),
        ));
    };
    Ok(table
        .sequences
        .iter()
        .find(|s| s.owned_by == Some(col.attnum))
        .map(|s| Value::Text(format!("public.{}", oids::quote_ident(&s.name))))
        .unwrap_or(Value::Null))
}

pub(super) fn register(r: &mut Registry) {
    use DataType as T;
    let reg = |k: RegKind| T::Reg(k);
    r.exact("format_type", &[T::Oid, T::Int4], T::Text, format_type)
        .non_strict()
        .stable();
    r.exact("pg_get_userbyid", &[T::Oid], T::Name, get_userbyid)
        .stable();
    for name in [
        "pg_table_is_visible",
        "pg_type_is_visible",
        "pg_function_is_visible",
        "pg_collation_is_visible",
        "pg_opclass_is_visible",
        "pg_operator_is_visible",
        "pg_conversion_is_visible",
        "pg_statistics_obj_is_visible",
        "pg_ts_config_is_visible",
    ] {
        r.exact(name, &[T::Oid], T::Bool, always_true).stable();
    }
    r.exact("pg_get_expr", &[T::Text, T::Oid], T::Text, get_expr)
        .stable();
    r.exact(
        "pg_get_expr",
        &[T::Text, T::Oid, T::Bool],
        T::Text,
        get_expr,
    )
    .stable();
    r.exact(
        "pg_get_constraintdef",
        &[T::Oid],
        T::Text,
        get_constraintdef,
    )
    .stable();
    r.exact(
        "pg_get_constraintdef",
        &[T::Oid, T::Bool],
        T::Text,
        get_constraintdef,
    )
    .stable();
    r.exact("pg_get_indexdef", &[T::Oid], T::Text, get_indexdef)
        .stable();
    r.exact(
        "pg_get_indexdef",
        &[T::Oid, T::Int4, T::Bool],
        T::Text,
        get_indexdef,
    )
    .stable();
    for (name, args) in [
        ("pg_get_viewdef", vec![T::Oid]),
        ("pg_get_viewdef", vec![T::Oid, T::Bool]),
        ("pg_get_viewdef", vec![T::Text]),
        ("pg_get_triggerdef", vec![T::Oid]),
        ("pg_get_triggerdef", vec![T::Oid, T::Bool]),
        ("pg_get_ruledef", vec![T::Oid]),
        ("pg_get_ruledef", vec![T::Oid, T::Bool]),
        ("pg_get_partkeydef", vec![T::Oid]),
        ("pg_get_statisticsobjdef_columns", vec![T::Oid]),
        ("pg_get_function_arguments", vec![T::Oid]),
        ("pg_get_function_identity_arguments", vec![T::Oid]),
        ("pg_get_function_result", vec![T::Oid]),
        ("pg_tablespace_location", vec![T::Oid]),
        ("obj_description", vec![T::Oid]),
        ("obj_description", vec![T::Oid, T::Name]),
        ("col_description", vec![T::Oid, T::Int4]),
        ("shobj_description", vec![T::Oid, T::Name]),
    ] {
        r.exact(name, &args, T::Text, null_text)
            .non_strict()
            .stable();
    }
    r.exact("pg_encoding_to_char", &[T::Int4], T::Name, encoding_to_char);
    r.exact("pg_char_to_encoding", &[T::Name], T::Int4, char_to_encoding);
    for name in [
        "has_table_privilege",
        "has_schema_privilege",
        "has_database_privilege",
        "has_column_privilege",
        "has_sequence_privilege",
        "has_function_privilege",
        "has_type_privilege",
        "has_any_column_privilege",
        "has_tablespace_privilege",
        "pg_has_role",
    ] {
        for arity in 2..=4 {
            r.add(
                name,
                vec![ArgType::Any; arity],
                ReturnType::Exact(T::Bool),
                always_true,
            )
            .stable();
        }
    }
    let sizes: [(&str, ScalarImpl); 4] = [
        ("pg_relation_size", relation_size),
        ("pg_total_relation_size", total_relation_size),
        ("pg_table_size", table_size),
        ("pg_indexes_size", indexes_size),
    ];
    for (name, f) in sizes {
        r.exact(name, &[reg(RegKind::Class)], T::Int8, f).volatile();
    }
    r.exact(
        "pg_relation_size",
        &[reg(RegKind::Class), T::Text],
        T::Int8,
        relation_size,
    )
    .volatile();
    r.exact("pg_database_size", &[T::Name], T::Int8, database_size)
        .volatile();
    r.exact("pg_database_size", &[T::Oid], T::Int8, database_size)
        .volatile();
    r.exact("pg_size_pretty", &[T::Int8], T::Text, size_pretty);
    r.exact("pg_size_pretty", &[T::Numeric(None)], T::Text, size_pretty);
    for (name, kind) in [
        ("to_regclass", RegKind::Class),
        ("to_regtype", RegKind::Type),
        ("to_regnamespace", RegKind::Namespace),
        ("to_regproc", RegKind::Proc),
        ("to_regprocedure", RegKind::Procedure),
        ("to_regrole", RegKind::Role),
    ] {
        r.exact(name, &[T::Text], reg(kind), to_reg).stable();
    }
    r.exact(
        "pg_get_serial_sequence",
        &[T::Text, T::Text],
        T::Text,
        serial_sequence,
    )
    .stable();
    r.exact(
        "pg_relation_is_publishable",
        &[reg(RegKind::Class)],
        T::Bool,
        always_false,
    )
    .stable();
    r.exact("pg_is_in_recovery", &[], T::Bool, always_false)
        .stable();
}
