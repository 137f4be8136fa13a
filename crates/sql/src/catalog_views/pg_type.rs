//! Types, functions, schemas and access methods: pg_type (every built-in type EmbedDB has,
//! arrays included, with PostgreSQL's oids), pg_proc (the function registry), pg_namespace,
//! pg_am, and an empty pg_range that type lookups join.
//!
//! New types (a later `vector`) are added to pg_type by adding their rows to
//! `builtin_types.rs` or, for types in `public`, to [`extra_types`].

use embeddb_tables::Catalog;
use embeddb_types::{SqlResult, Value};

use super::builtin_types::{BUILTIN_TYPES, BuiltinType};
use super::oids::{self, INFORMATION_SCHEMA_NAMESPACE, PG_CATALOG_NAMESPACE, PUBLIC_NAMESPACE};
use super::{Col, Rows, char_code, text};

/// Types that live outside pg_catalog (extension types such as pgvector's): (row, schema oid).
/// Empty until such a type exists; pg_type lists them in their schema.
fn extra_types() -> Vec<(&'static BuiltinType, u32)> {
    Vec::new()
}

pub(crate) fn build(
    _catalog: &Catalog,
    rel: &str,
    columns: &'static [(&'static str, Col)],
) -> SqlResult<Rows> {
    let mut rows = Rows::new(columns);
    match rel {
        "pg_type" => pg_type(&mut rows),
        "pg_proc" => pg_proc(&mut rows),
        "pg_namespace" => pg_namespace(&mut rows),
        "pg_am" => pg_am(&mut rows),
        _ => {}
    }
    Ok(rows)
}

fn regproc(name: &str) -> Value {
    if name == "-" {
        return Value::Reg(0, None);
    }
    Value::Reg(oids::proc_oid(name).unwrap_or(0), Some(name.into()))
}

fn type_row(rows: &mut Rows, t: &BuiltinType, namespace: u32) {
    rows.row()
        .set("oid", Value::Oid(t.oid))
        .set("typname", text(t.typname))
        .set("typnamespace", Value::Oid(namespace))
        .set("typowner", Value::Oid(oids::SESSION_ROLE_OID))
        .set("typlen", Value::Int2(t.typlen))
        .set("typbyval", Value::Bool(t.typbyval))
        .set("typtype", char_code(t.typtype))
        .set("typcategory", char_code(t.typcategory))
        .set("typispreferred", Value::Bool(t.typispreferred))
        .set("typisdefined", Value::Bool(true))
        .set("typdelim", char_code(t.typdelim))
        .set("typelem", Value::Oid(t.typelem))
        .set("typarray", Value::Oid(t.typarray))
        .set("typinput", regproc(t.typinput))
        .set("typoutput", regproc(t.typoutput))
        .set("typreceive", regproc(t.typreceive))
        .set("typsend", regproc(t.typsend))
        .set("typsubscript", regproc(t.typsubscript))
        .set("typalign", char_code(t.typalign))
        .set("typstorage", char_code(t.typstorage))
        .set("typtypmod", Value::Int4(-1))
        .set("typcollation", Value::Oid(t.typcollation));
}

fn pg_type(rows: &mut Rows) {
    for t in BUILTIN_TYPES {
        type_row(rows, t, PG_CATALOG_NAMESPACE);
    }
    for (t, namespace) in extra_types() {
        type_row(rows, t, namespace);
    }
}

fn pg_proc(rows: &mut Rows) {
    for (name, oid) in oids::procs() {
        let (args, ret, strict) = match crate::functions::lookup(name) {
            Some((_, overloads)) => match overloads.first() {
                Some(o) => (
                    o.args
                        .iter()
                        .map(|a| match a {
                            crate::functions::ArgType::Exact(t) => t.oid(),
                            _ => 2283,
                        })
                        .collect::<Vec<u32>>(),
                    match &o.ret {
                        crate::functions::ReturnType::Exact(t) => t.oid(),
                        _ => 2283,
                    },
                    o.strict,
                ),
                None => (Vec::new(), 0, true),
            },
            // Aggregates.
            None => (Vec::new(), 0, false),
        };
        let kind = if crate::functions::aggregate::is_aggregate(name) {
            'a'
        } else {
            'f'
        };
        rows.row()
            .set("oid", Value::Oid(*oid))
            .set("proname", text(*name))
            .set("pronamespace", Value::Oid(PG_CATALOG_NAMESPACE))
            .set("proowner", Value::Oid(oids::SESSION_ROLE_OID))
            .set("prolang", Value::Oid(12))
            .set("procost", Value::Float4(1.0))
            .set("prokind", char_code(kind))
            .set("proisstrict", Value::Bool(strict))
            .set("provolatile", char_code('i'))
            .set("proparallel", char_code('s'))
            .set("pronargs", Value::Int2(args.len() as i16))
            .set(
                "prorettype",
                Value::Reg(
                    ret,
                    embeddb_types::DataType::from_oid(ret, -1).map(|t| t.to_string().into()),
                ),
            )
            .set(
                "proargtypes",
                Value::Array(Box::new(super::vector(
                    embeddb_types::DataType::Oid,
                    args.into_iter().map(Value::Oid).collect(),
                ))),
            )
            .set("prosrc", text(*name));
    }
}

fn pg_namespace(rows: &mut Rows) {
    for (oid, name) in [
        (PG_CATALOG_NAMESPACE, "pg_catalog"),
        (PUBLIC_NAMESPACE, "public"),
        (INFORMATION_SCHEMA_NAMESPACE, "information_schema"),
    ] {
        // PostgreSQL 15 gives public to pg_database_owner.
        let owner = if oid == PUBLIC_NAMESPACE {
            oids::DATABASE_OWNER_ROLE_OID
        } else {
            oids::SESSION_ROLE_OID
        };
        rows.row()
            .set("oid", Value::Oid(oid))
            .set("nspname", text(name))
            .set("nspowner", Value::Oid(owner));
    }
}

fn pg_am(rows: &mut Rows) {
    for (oid, name, handler, kind) in [
        (oids::HEAP_AM_OID, "heap", "heap_tableam_handler", 't'),
        (oids::BTREE_AM_OID, "btree", "bthandler", 'i'),
    ] {
        rows.row()
            .set("oid", Value::Oid(oid))
            .set("amname", text(name))
            .set("amhandler", regproc(handler))
            .set("amtype", char_code(kind));
    }
}
