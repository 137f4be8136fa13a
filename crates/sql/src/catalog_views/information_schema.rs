//! The SQL-standard information_schema views PostgreSQL provides, computed from the catalog:
//! tables, columns, schemata, table_constraints, key_column_usage, constraint_column_usage,
//! check_constraints, sequences; the others (views, referential_constraints, routines, ...)
//! exist empty.

use embeddb_tables::Catalog;
use embeddb_tables::catalog::TableDef;
use embeddb_types::{DataType, SqlResult, Value};

use super::{Col, Rows, text};

pub(crate) fn build(
    catalog: &Catalog,
    rel: &str,
    columns: &'static [(&'static str, Col)],
) -> SqlResult<Rows> {
    let mut rows = Rows::new(columns);
    match rel {
        "tables" => tables(catalog, &mut rows),
        "columns" => columns_view(catalog, &mut rows),
        "schemata" => schemata(&mut rows),
        "table_constraints" => table_constraints(catalog, &mut rows),
        "key_column_usage" => key_column_usage(catalog, &mut rows),
        "constraint_column_usage" => constraint_column_usage(catalog, &mut rows),
        "check_constraints" => check_constraints(catalog, &mut rows),
        "sequences" => sequences(catalog, &mut rows),
        _ => {}
    }
    Ok(rows)
}

fn database() -> crate::expr::Expr {
    match crate::functions::resolve("current_database", &[]) {
        Ok(r) => crate::expr::Expr::new(
            crate::expr::ExprKind::Function {
                func: r.function,
                args: Vec::new(),
            },
            r.ret,
        ),
        Err(_) => crate::expr::Expr::null(DataType::Name),
    }
}

fn yes(b: bool) -> Value {
    text(if b { "YES" } else { "NO" })
}

fn tables(catalog: &Catalog, rows: &mut Rows) {
    for t in catalog.tables() {
        rows.row()
            .set("table_schema", text("public"))
            .set("table_name", text(&t.name))
            .set("table_type", text("BASE TABLE"))
            .set("is_insertable_into", yes(true))
            .set("is_typed", yes(false));
        rows.set_expr("table_catalog", database());
    }
}

fn schemata(rows: &mut Rows) {
    for name in ["pg_catalog", "public", "information_schema"] {
        rows.row()
            .set("schema_name", text(name))
            .set("schema_owner", text("pg_database_owner"));
        rows.set_expr("catalog_name", database());
    }
}

/// information_schema's spelling of a type (`ARRAY` for arrays, `USER-DEFINED` otherwise
/// unknown).
fn sql_type_name(t: &DataType) -> String {
    match t {
        DataType::Array(_) => "ARRAY".into(),
        DataType::Char => "\"char\"".into(),
        other => other.without_typmod().to_string(),
    }
}

/// (character_maximum_length, character_octet_length, numeric_precision,
/// numeric_precision_radix, numeric_scale, datetime_precision) as PostgreSQL reports them.
fn type_details(t: &DataType) -> [Value; 6] {
    let n = Value::Null;
    let i = |v: i32| Value::Int4(v);
    match t {
        DataType::Varchar(Some(len)) | DataType::Bpchar(Some(len)) => [
            i(*len as i32),
            i((*len as i32).saturating_mul(4)),
            n.clone(),
            n.clone(),
            n.clone(),
            n,
        ],
        DataType::Varchar(None) | DataType::Bpchar(None) | DataType::Text => [
            n.clone(),
            i(1_073_741_824),
            n.clone(),
            n.clone(),
            n.clone(),
            n,
        ],
        DataType::Int2 => [n.clone(), n.clone(), i(16), i(2), i(0), n],
        DataType::Int4 => [n.clone(), n.clone(), i(32), i(2), i(0), n],
        DataType::Int8 => [n.clone(), n.clone(), i(64), i(2), i(0), n],
        DataType::Float4 => [n.clone(), n.clone(), i(24), i(2), n.clone(), n],
        DataType::Float8 => [n.clone(), n.clone(), i(53), i(2), n.clone(), n],
        DataType::Numeric(Some(m)) => [
            n.clone(),
            n.clone(),
            i(i32::from(m.precision)),
            i(10),
            i(i32::from(m.scale)),
            n,
        ],
        DataType::Numeric(None) => [n.clone(), n.clone(), n.clone(), i(10), n.clone(), n],
        DataType::Date => [n.clone(), n.clone(), n.clone(), n.clone(), n, i(0)],
        DataType::Time
        | DataType::Timetz
        | DataType::Timestamp
        | DataType::Timestamptz
        | DataType::Interval => [n.clone(), n.clone(), n.clone(), n.clone(), n, i(6)],
        _ => [n.clone(), n.clone(), n.clone(), n.clone(), n.clone(), n],
    }
}

fn columns_view(catalog: &Catalog, rows: &mut Rows) {
    for t in catalog.tables() {
        for (pos, c) in t.visible_columns().enumerate() {
            let [clen, olen, prec, radix, scale, dtprec] = type_details(&c.data_type);
            let default = c
                .default_sql
                .as_deref()
                .map(|d| super::deparse::default_expr(t, c, d));
            rows.row()
                .set("table_schema", text("public"))
                .set("table_name", text(&t.name))
                .set("column_name", text(&c.name))
                .set("ordinal_position", Value::Int4(pos as i32 + 1))
                .set("column_default", default.map(text).unwrap_or(Value::Null))
                .set("is_nullable", yes(!c.not_null))
                .set("data_type", text(sql_type_name(&c.data_type)))
                .set("character_maximum_length", clen)
                .set("character_octet_length", olen)
                .set("numeric_precision", prec)
                .set("numeric_precision_radix", radix)
                .set("numeric_scale", scale)
                .set("datetime_precision", dtprec)
                .set("udt_schema", text("pg_catalog"))
                .set("udt_name", text(c.data_type.type_name()))
                .set("dtd_identifier", text((pos + 1).to_string()))
                .set("is_self_referencing", yes(false))
                .set("is_identity", yes(false))
                .set("identity_cycle", yes(false))
                .set("is_generated", text("NEVER"))
                .set("is_updatable", yes(true));
            rows.set_expr("table_catalog", database())
                .set_expr("udt_catalog", database());
        }
    }
}

/// Every constraint of a table: (name, type word, attnums, check text).
fn constraints(t: &TableDef) -> Vec<(String, &'static str, Vec<u16>, Option<String>)> {
    let mut out = Vec::new();
    for i in &t.indexes {
        if let Some(name) = &i.constraint {
            let kind = if i.primary { "PRIMARY KEY" } else { "UNIQUE" };
            out.push((
                name.clone(),
                kind,
                i.columns.iter().map(|c| c.attnum).collect(),
                None,
            ));
        }
    }
    // PostgreSQL lists each NOT NULL column as a CHECK constraint too.
    for c in t.visible_columns().filter(|c| c.not_null) {
        out.push((
            format!("2200_{}_{}_not_null", t.oid, c.attnum),
            "CHECK",
            vec![c.attnum],
            Some(format!("{} IS NOT NULL", super::oids::quote_ident(&c.name))),
        ));
    }
    for c in &t.checks {
        let cols = super::pg_class::check_columns(t, &c.expr_sql)
            .into_iter()
            .map(|a| a as u16)
            .collect();
        out.push((c.name.clone(), "CHECK", cols, Some(c.expr_sql.clone())));
    }
    out
}

fn table_constraints(catalog: &Catalog, rows: &mut Rows) {
    for t in catalog.tables() {
        for (name, kind, _, _) in constraints(t) {
            rows.row()
                .set("constraint_schema", text("public"))
                .set("constraint_name", text(name))
                .set("table_schema", text("public"))
                .set("table_name", text(&t.name))
                .set("constraint_type", text(kind))
                .set("is_deferrable", yes(false))
                .set("initially_deferred", yes(false))
                .set("enforced", yes(true));
            rows.set_expr("constraint_catalog", database())
                .set_expr("table_catalog", database());
        }
    }
}

fn key_column_usage(catalog: &Catalog, rows: &mut Rows) {
    for t in catalog.tables() {
        for (name, kind, cols, _) in constraints(t) {
            if kind == "CHECK" {
                continue;
            }
            for (pos, attnum) in cols.iter().enumerate() {
                let Some(c) = t.column_by_attnum(*attnum) else {
                    continue;
                };
                rows.row()
                    .set("constraint_schema", text("public"))
                    .set("constraint_name", text(&name))
                    .set("table_schema", text("public"))
                    .set("table_name", text(&t.name))
                    .set("column_name", text(&c.name))
                    .set("ordinal_position", Value::Int4(pos as i32 + 1));
                rows.set_expr("constraint_catalog", database())
                    .set_expr("table_catalog", database());
            }
        }
    }
}

fn constraint_column_usage(catalog: &Catalog, rows: &mut Rows) {
    for t in catalog.tables() {
        for (name, _, cols, _) in constraints(t) {
            if name.ends_with("_not_null") {
                continue;
            }
            for attnum in cols {
                let Some(c) = t.column_by_attnum(attnum) else {
                    continue;
                };
                rows.row()
                    .set("table_schema", text("public"))
                    .set("table_name", text(&t.name))
                    .set("column_name", text(&c.name))
                    .set("constraint_schema", text("public"))
                    .set("constraint_name", text(&name));
                rows.set_expr("table_catalog", database())
                    .set_expr("constraint_catalog", database());
            }
        }
    }
}

fn check_constraints(catalog: &Catalog, rows: &mut Rows) {
    for t in catalog.tables() {
        for (name, _, _, check) in constraints(t) {
            let Some(sql) = check else { continue };
            let clause = if name.ends_with("_not_null") {
                sql
            } else {
                format!("(({}))", super::deparse::check_body(t, &sql))
            };
            rows.row()
                .set("constraint_schema", text("public"))
                .set("constraint_name", text(name))
                .set("check_clause", text(clause));
            rows.set_expr("constraint_catalog", database());
        }
    }
}

fn sequences(catalog: &Catalog, rows: &mut Rows) {
    for t in catalog.tables() {
        for s in super::pg_class::user_sequences(t) {
            let precision = match s.data_type {
                DataType::Int2 => 16,
                DataType::Int4 => 32,
                _ => 64,
            };
            rows.row()
                .set("sequence_schema", text("public"))
                .set("sequence_name", text(&s.name))
                .set("data_type", text(s.data_type.to_string()))
                .set("numeric_precision", Value::Int4(precision))
                .set("numeric_precision_radix", Value::Int4(2))
                .set("numeric_scale", Value::Int4(0))
                .set("start_value", text(s.start.to_string()))
                .set("minimum_value", text(s.min_value.to_string()))
                .set("maximum_value", text(s.max_value.to_string()))
                .set("increment", text(s.increment.to_string()))
                .set("cycle_option", yes(false));
            rows.set_expr("sequence_catalog", database());
        }
    }
}
