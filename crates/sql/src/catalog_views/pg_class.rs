//! Relations and what hangs off them: pg_class, pg_attribute, pg_index, pg_constraint,
//! pg_attrdef, pg_sequence, the pg_tables / pg_indexes / pg_sequences views, and every
//! catalog EmbedDB has nothing for (triggers, rules, policies, inheritance, ...) as an empty
//! relation with PostgreSQL's columns.

use embeddb_tables::Catalog;
use embeddb_tables::catalog::{IndexDef, TableDef};
use embeddb_types::{DataType, SqlResult, Value};

use super::oids::{self, PUBLIC_NAMESPACE};
use super::{Col, Rows, array, char_code, text, vector};

/// The sequences of a table users see: serial sequences, not the hidden row-id sequence of a
/// table without a primary key.
pub(crate) fn user_sequences(
    t: &TableDef,
) -> impl Iterator<Item = &embeddb_tables::catalog::SequenceDef> {
    t.sequences
        .iter()
        .filter(move |s| Some(s.oid) != t.rowid_sequence)
}

/// The oid a CHECK constraint has in pg_constraint (EmbedDB's catalog keeps none): derived
/// from the table's oid and the check's position, far above the oids of real objects.
pub(crate) fn check_oid(table: &TableDef, position: usize) -> u32 {
    0x8000_0000u32
        .wrapping_add(table.oid.wrapping_mul(64))
        .wrapping_add(position as u32)
}

/// The oid of a column default in pg_attrdef, derived like [`check_oid`].
pub(crate) fn attrdef_oid(table: &TableDef, attnum: u16) -> u32 {
    0xC000_0000u32
        .wrapping_add(table.oid.wrapping_mul(2048))
        .wrapping_add(u32::from(attnum))
}

/// What a pg_constraint oid refers to.
pub(crate) enum ConstraintRef<'a> {
    Index(&'a TableDef, &'a IndexDef),
    Check(&'a TableDef, usize),
}

pub(crate) fn find_constraint(catalog: &Catalog, oid: u32) -> Option<ConstraintRef<'_>> {
    for t in catalog.tables() {
        if let Some(i) = t
            .indexes
            .iter()
            .find(|i| i.oid == oid && i.constraint.is_some())
        {
            return Some(ConstraintRef::Index(t, i));
        }
        if let Some(pos) = (0..t.checks.len()).find(|p| check_oid(t, *p) == oid) {
            return Some(ConstraintRef::Check(t, pos));
        }
    }
    None
}

pub(crate) fn find_index(catalog: &Catalog, oid: u32) -> Option<(&TableDef, &IndexDef)> {
    catalog.tables().find_map(|t| {
        t.indexes
            .iter()
            .find(|i| i.oid == oid)
            .map(|i| (t.as_ref(), i))
    })
}

/// Column attnums a CHECK expression mentions (pg_constraint.conkey), by the names in it.
pub(crate) fn check_columns(table: &TableDef, expr_sql: &str) -> Vec<i16> {
    let words: Vec<String> = expr_sql
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '"'))
        .map(|w| {
            if w.starts_with('"') {
                w.trim_matches('"').to_string()
            } else {
                w.to_lowercase()
            }
        })
        .collect();
    table
        .visible_columns()
        .filter(|c| words.contains(&c.name))
        .map(|c| c.attnum as i16)
        .collect()
}

fn int2vector(values: impl IntoIterator<Item = i16>) -> Value {
    Value::Array(Box::new(vector(
        DataType::Int2,
        values.into_iter().map(Value::Int2).collect(),
    )))
}

fn oidvector(values: impl IntoIterator<Item = u32>) -> Value {
    Value::Array(Box::new(vector(
        DataType::Oid,
        values.into_iter().map(Value::Oid).collect(),
    )))
}

fn is_collatable(t: &DataType) -> bool {
    match t {
        DataType::Array(e) => is_collatable(e),
        t => matches!(
            t,
            DataType::Text | DataType::Varchar(_) | DataType::Bpchar(_)
        ),
    }
}

fn collation(t: &DataType) -> u32 {
    if is_collatable(t) {
        oids::DEFAULT_COLLATION_OID
    } else {
        0
    }
}

/// (typalign, typstorage, typbyval) of a type, from the built-in pg_type rows.
pub(crate) fn type_layout(t: &DataType) -> (char, char, bool) {
    let oid = t.oid();
    super::builtin_types::BUILTIN_TYPES
        .iter()
        .find(|b| b.oid == oid)
        .map(|b| (b.typalign, b.typstorage, b.typbyval))
        .unwrap_or(('i', 'x', false))
}

pub(crate) fn build(
    catalog: &Catalog,
    rel: &str,
    columns: &'static [(&'static str, Col)],
) -> SqlResult<Rows> {
    let mut rows = Rows::new(columns);
    match rel {
        "pg_class" => pg_class(catalog, &mut rows),
        "pg_attribute" => pg_attribute(catalog, &mut rows),
        "pg_index" => pg_index(catalog, &mut rows),
        "pg_constraint" => pg_constraint(catalog, &mut rows),
        "pg_attrdef" => pg_attrdef(catalog, &mut rows),
        "pg_sequence" => pg_sequence(catalog, &mut rows),
        "pg_tables" => pg_tables(catalog, &mut rows),
        "pg_indexes" => pg_indexes(catalog, &mut rows)?,
        "pg_sequences" => pg_sequences(catalog, &mut rows),
        // Everything else has no rows in EmbedDB.
        _ => {}
    }
    Ok(rows)
}

fn owner(rows: &mut Rows, column: &str) {
    rows.set(column, Value::Oid(oids::SESSION_ROLE_OID));
}

fn pg_class(catalog: &Catalog, rows: &mut Rows) {
    for t in catalog.tables() {
        let natts = t.visible_columns().count() as i16;
        rows.row()
            .set("oid", Value::Oid(t.oid))
            .set("relname", text(&t.name))
            .set("relnamespace", Value::Oid(PUBLIC_NAMESPACE))
            .set("relam", Value::Oid(oids::HEAP_AM_OID))
            .set("relfilenode", Value::Oid(t.oid))
            .set("relhasindex", Value::Bool(!t.indexes.is_empty()))
            .set("relpersistence", char_code('p'))
            .set("relkind", char_code('r'))
            .set("relnatts", Value::Int2(natts))
            .set("relchecks", Value::Int2(t.checks.len() as i16))
            .set("relispopulated", Value::Bool(true))
            .set("relreplident", char_code('d'))
            .set("reltuples", Value::Float4(-1.0));
        owner(rows, "relowner");
        for i in &t.indexes {
            rows.row()
                .set("oid", Value::Oid(i.oid))
                .set("relname", text(&i.name))
                .set("relnamespace", Value::Oid(PUBLIC_NAMESPACE))
                .set("relam", Value::Oid(oids::BTREE_AM_OID))
                .set("relfilenode", Value::Oid(i.oid))
                .set("relpersistence", char_code('p'))
                .set("relkind", char_code('i'))
                .set("relnatts", Value::Int2(i.columns.len() as i16))
                .set("relispopulated", Value::Bool(true))
                .set("relreplident", char_code('n'))
                .set("reltuples", Value::Float4(0.0));
            owner(rows, "relowner");
        }
        for s in user_sequences(t) {
            rows.row()
                .set("oid", Value::Oid(s.oid))
                .set("relname", text(&s.name))
                .set("relnamespace", Value::Oid(PUBLIC_NAMESPACE))
                .set("relfilenode", Value::Oid(s.oid))
                .set("relpersistence", char_code('p'))
                .set("relkind", char_code('S'))
                .set("relnatts", Value::Int2(3))
                .set("relispopulated", Value::Bool(true))
                .set("relreplident", char_code('n'))
                .set("reltuples", Value::Float4(1.0));
            owner(rows, "relowner");
        }
    }
    for (nsp, rel, oid, kind, cols) in super::columns::RELATIONS {
        let nsp_oid = oids::namespace_oid(nsp).unwrap_or(0);
        rows.row()
            .set("oid", Value::Oid(*oid))
            .set("relname", text(*rel))
            .set("relnamespace", Value::Oid(nsp_oid))
            .set(
                "relam",
                Value::Oid(if *kind == 'r' { oids::HEAP_AM_OID } else { 0 }),
            )
            .set("relpersistence", char_code('p'))
            .set("relkind", char_code(*kind))
            .set("relnatts", Value::Int2(cols.len() as i16))
            .set("relispopulated", Value::Bool(true))
            .set("relreplident", char_code('n'))
            .set("relisshared", Value::Bool(false))
            .set("reltuples", Value::Float4(-1.0));
        owner(rows, "relowner");
    }
}

#[allow(clippy::too_many_arguments)]
fn attribute_row(
    rows: &mut Rows,
    relid: u32,
    name: &str,
    ty: &DataType,
    attnum: i16,
    not_null: bool,
    has_default: bool,
    dropped: bool,
) {
    let (align, storage, byval) = type_layout(ty);
    let ndims = i16::from(matches!(ty, DataType::Array(_)));
    rows.row()
        .set("attrelid", Value::Oid(relid))
        .set("attname", text(name))
        .set("atttypid", Value::Oid(if dropped { 0 } else { ty.oid() }))
        .set("attstattarget", Value::Int4(-1))
        .set("attlen", Value::Int2(ty.type_len()))
        .set("attnum", Value::Int2(attnum))
        .set("attndims", Value::Int4(i32::from(ndims)))
        .set("attcacheoff", Value::Int4(-1))
        .set("atttypmod", Value::Int4(ty.typmod()))
        .set("attbyval", Value::Bool(byval))
        .set("attalign", char_code(align))
        .set("attstorage", char_code(storage))
        .set("attnotnull", Value::Bool(not_null))
        .set("atthasdef", Value::Bool(has_default))
        .set("attisdropped", Value::Bool(dropped))
        .set("attislocal", Value::Bool(true))
        .set("attcollation", Value::Oid(collation(ty)));
}

fn pg_attribute(catalog: &Catalog, rows: &mut Rows) {
    for t in catalog.tables() {
        for c in &t.columns {
            let name = if c.dropped {
                format!("........pg.dropped.{}........", c.attnum)
            } else {
                c.name.clone()
            };
            attribute_row(
                rows,
                t.oid,
                &name,
                &c.data_type,
                c.attnum as i16,
                c.not_null,
                c.default_sql.is_some(),
                c.dropped,
            );
        }
        for i in &t.indexes {
            for (n, ic) in i.columns.iter().enumerate() {
                if let Some(c) = t.column_by_attnum(ic.attnum) {
                    attribute_row(
                        rows,
                        i.oid,
                        &c.name,
                        &c.data_type,
                        n as i16 + 1,
                        false,
                        false,
                        false,
                    );
                }
            }
        }
        for s in user_sequences(t) {
            for (n, name) in ["last_value", "log_cnt", "is_called"].iter().enumerate() {
                let ty = match n {
                    2 => DataType::Bool,
                    _ => DataType::Int8,
                };
                attribute_row(rows, s.oid, name, &ty, n as i16 + 1, true, false, false);
            }
        }
    }
}

/// pg_index.indoption bits: 1 = DESC, 2 = NULLS FIRST (the default for DESC).
fn index_option(descending: bool) -> i16 {
    if descending { 3 } else { 0 }
}

fn pg_index(catalog: &Catalog, rows: &mut Rows) {
    for t in catalog.tables() {
        for i in &t.indexes {
            let n = i.columns.len() as i16;
            let types: Vec<DataType> = i
                .columns
                .iter()
                .filter_map(|c| t.column_by_attnum(c.attnum).map(|c| c.data_type.clone()))
                .collect();
            rows.row()
                .set("indexrelid", Value::Oid(i.oid))
                .set("indrelid", Value::Oid(t.oid))
                .set("indnatts", Value::Int2(n))
                .set("indnkeyatts", Value::Int2(n))
                .set("indisunique", Value::Bool(i.unique))
                .set("indisprimary", Value::Bool(i.primary))
                .set("indimmediate", Value::Bool(true))
                .set("indisvalid", Value::Bool(true))
                .set("indisready", Value::Bool(true))
                .set("indislive", Value::Bool(true))
                .set(
                    "indkey",
                    int2vector(i.columns.iter().map(|c| c.attnum as i16)),
                )
                .set("indcollation", oidvector(types.iter().map(collation)))
                .set("indclass", oidvector(types.iter().map(|_| 0)))
                .set(
                    "indoption",
                    int2vector(i.columns.iter().map(|c| index_option(c.descending))),
                );
        }
    }
}

fn pg_constraint(catalog: &Catalog, rows: &mut Rows) {
    for t in catalog.tables() {
        for i in &t.indexes {
            let Some(name) = &i.constraint else { continue };
            let kind = if i.primary { 'p' } else { 'u' };
            rows.row()
                .set("oid", Value::Oid(i.oid))
                .set("conname", text(name))
                .set("connamespace", Value::Oid(PUBLIC_NAMESPACE))
                .set("contype", char_code(kind))
                .set("convalidated", Value::Bool(true))
                .set("conrelid", Value::Oid(t.oid))
                .set("conindid", Value::Oid(i.oid))
                .set("conislocal", Value::Bool(true))
                .set("connoinherit", Value::Bool(true))
                .set(
                    "conkey",
                    array(
                        DataType::Int2,
                        i.columns
                            .iter()
                            .map(|c| Value::Int2(c.attnum as i16))
                            .collect(),
                    ),
                );
        }
        for (pos, check) in t.checks.iter().enumerate() {
            rows.row()
                .set("oid", Value::Oid(check_oid(t, pos)))
                .set("conname", text(&check.name))
                .set("connamespace", Value::Oid(PUBLIC_NAMESPACE))
                .set("contype", char_code('c'))
                .set("convalidated", Value::Bool(true))
                .set("conrelid", Value::Oid(t.oid))
                .set("conislocal", Value::Bool(true))
                .set(
                    "conkey",
                    array(
                        DataType::Int2,
                        check_columns(t, &check.expr_sql)
                            .into_iter()
                            .map(Value::Int2)
                            .collect(),
                    ),
                )
                .set(
                    "conbin",
                    text(super::deparse::check_body(t, &check.expr_sql)),
                );
        }
    }
}

fn pg_attrdef(catalog: &Catalog, rows: &mut Rows) {
    for t in catalog.tables() {
        for c in t.visible_columns() {
            let Some(sql) = &c.default_sql else { continue };
            rows.row()
                .set("oid", Value::Oid(attrdef_oid(t, c.attnum)))
                .set("adrelid", Value::Oid(t.oid))
                .set("adnum", Value::Int2(c.attnum as i16))
                .set("adbin", text(super::deparse::default_expr(t, c, sql)));
        }
    }
}

fn pg_sequence(catalog: &Catalog, rows: &mut Rows) {
    for t in catalog.tables() {
        for s in user_sequences(t) {
            rows.row()
                .set("seqrelid", Value::Oid(s.oid))
                .set("seqtypid", Value::Oid(s.data_type.oid()))
                .set("seqstart", Value::Int8(s.start))
                .set("seqincrement", Value::Int8(s.increment))
                .set("seqmax", Value::Int8(s.max_value))
                .set("seqmin", Value::Int8(s.min_value))
                .set("seqcache", Value::Int8(1))
                .set("seqcycle", Value::Bool(false));
        }
    }
}

fn pg_tables(catalog: &Catalog, rows: &mut Rows) {
    for t in catalog.tables() {
        rows.row()
            .set("schemaname", text("public"))
            .set("tablename", text(&t.name))
            .set("hasindexes", Value::Bool(!t.indexes.is_empty()));
        rows.set_expr("tableowner", super::session::session_user_expr());
    }
}

fn pg_indexes(catalog: &Catalog, rows: &mut Rows) -> SqlResult<()> {
    for t in catalog.tables() {
        for i in &t.indexes {
            rows.row()
                .set("schemaname", text("public"))
                .set("tablename", text(&t.name))
                .set("indexname", text(&i.name))
                .set("indexdef", text(super::deparse::index_def(t, i, 0, false)));
        }
    }
    Ok(())
}

fn pg_sequences(catalog: &Catalog, rows: &mut Rows) {
    for t in catalog.tables() {
        for s in user_sequences(t) {
            rows.row()
                .set("schemaname", text("public"))
                .set("sequencename", text(&s.name))
                .set(
                    "data_type",
                    Value::Reg(s.data_type.oid(), Some(s.data_type.to_string().into())),
                )
                .set("start_value", Value::Int8(s.start))
                .set("min_value", Value::Int8(s.min_value))
                .set("max_value", Value::Int8(s.max_value))
                .set("increment_by", Value::Int8(s.increment))
                .set("cycle", Value::Bool(false))
                .set("cache_size", Value::Int8(1));
            rows.set_expr("sequenceowner", super::session::session_user_expr());
        }
    }
}
