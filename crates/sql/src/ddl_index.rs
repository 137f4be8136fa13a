//! CREATE INDEX: checking the definition, then filling the new index from the table's rows —
//! in bulk (sorted runs ingested into the new keyspace, `embeddb_tables::index_build`) when the
//! statement has its own transaction, through the transaction inside a block.

use std::collections::HashSet;

use sqlparser::ast;

use embeddb_tables::catalog::{IndexColumn, IndexDef, TableDef};
use embeddb_tables::index_build::{IndexBuildError, IndexBuilder};
use embeddb_tables::{Transaction, codec};
use embeddb_types::{SqlError, SqlResult, SqlState, Value};

use crate::binder::{Binder, normalize_ident, object_name_parts};
use crate::ddl::{claim_name, column_names, done, unique_relation_name};
use crate::exec::context::ExecContext;
use crate::result::Notice;
use crate::session::{Executed, Session};

/// CREATE INDEX [UNIQUE] [IF NOT EXISTS] on plain columns; `in_block` says whether the
/// statement runs in a transaction block (then the index is filled through the transaction).
pub(crate) fn create_index(
    session: &mut Session,
    txn: &mut Transaction,
    binder: &mut Binder<'_>,
    create: &ast::CreateIndex,
    ctx: &ExecContext,
    in_block: bool,
) -> SqlResult<Executed> {
    if create.predicate.is_some() {
        return Err(SqlError::not_supported(
            "partial indexes are not supported yet",
        ));
    }
    if !create.include.is_empty() {
        return Err(SqlError::not_supported(
            "INCLUDE columns are not supported yet",
        ));
    }
    if let Some(using) = &create.using {
        let method = using.to_string().to_lowercase();
        if method != "btree" {
            return Err(SqlError::not_supported(format!(
                "access method \"{method}\" is not supported"
            )));
        }
    }
    let table_name = binder.relation_name(&create.table_name)?;
    let table = binder.table(&table_name, sqlparser::tokenizer::Span::empty())?;
    let mut attnums = Vec::with_capacity(create.columns.len());
    let mut columns = Vec::with_capacity(create.columns.len());
    for c in &create.columns {
        let cname = match &c.column.expr {
            ast::Expr::Identifier(i) => normalize_ident(i),
            other => {
                return Err(SqlError::not_supported(format!(
                    "indexes on expressions are not supported yet: {other}"
                )));
            }
        };
        let column = table.column(&cname).ok_or_else(|| {
            SqlError::new(
                SqlState::UNDEFINED_COLUMN,
                format!("column \"{cname}\" does not exist"),
            )
        })?;
        attnums.push(column.attnum);
        columns.push(IndexColumn {
            attnum: column.attnum,
            descending: matches!(c.column.options.sort, Some(ast::OrderBySort::Desc)),
        });
    }
    let name = match &create.name {
        Some(n) => object_name_parts(n)?.last().cloned().unwrap_or_default(),
        None => {
            let cols = column_names(&table, &attnums).join("_");
            unique_relation_name(binder, &format!("{table_name}_{cols}_idx"), &HashSet::new())
        }
    };
    if binder.catalog().relation(&name).is_some() {
        if create.if_not_exists {
            session.notice(Notice::notice(
                SqlState::DUPLICATE_TABLE,
                format!("relation \"{name}\" already exists, skipping"),
            ));
            return done("CREATE INDEX");
        }
        return Err(SqlError::new(
            SqlState::DUPLICATE_TABLE,
            format!("relation \"{name}\" already exists"),
        ));
    }
    claim_name(txn, binder, &name, ctx)?;
    txn.lock_table_exclusive(&table, ctx.interrupt.as_ref())?;
    // The index must cover rows committed by the writers the lock waited for.
    txn.refresh_statement_snapshot();
    let table = txn.catalog().table(table.oid).cloned().ok_or_else(|| {
        SqlError::new(
            SqlState::UNDEFINED_TABLE,
            format!("relation \"{table_name}\" does not exist"),
        )
    })?;
    let (keyspace, _) = txn.create_keyspace()?;
    let index = IndexDef {
        oid: txn.allocate_oid()?,
        name: name.clone(),
        columns,
        unique: create.unique,
        primary: false,
        constraint: None,
        keyspace,
    };
    // In a block, later statements may read with a snapshot older than an ingestion.
    build_index(txn, &table, &index, ctx, !in_block)?;
    let mut changed = (*table).clone();
    changed.indexes.push(index);
    txn.put_table(changed)?;
    done("CREATE INDEX")
}

/// Writes the entries of a new index for every existing row, checking uniqueness. With
/// `bulk` (a CREATE INDEX in its own transaction) they are written as files and ingested
/// (`embeddb_tables::index_build`); otherwise they go through the transaction.
pub(crate) fn build_index(
    txn: &mut Transaction,
    table: &TableDef,
    index: &IndexDef,
    ctx: &ExecContext,
    bulk: bool,
) -> SqlResult<()> {
    let rows_ks = txn.keyspace(&table.keyspace)?;
    let index_ks = txn.keyspace(&index.keyspace)?;
    let view = txn.read_view();
    let scan = view.scan(
        rows_ks,
        std::ops::Bound::Unbounded,
        std::ops::Bound::Unbounded,
        false,
    )?;
    let mut builder =
        bulk.then(|| IndexBuilder::new(txn.store().engine().clone(), index_ks, index.unique));
    let duplicate = |row_key: &[u8]| -> SqlError {
        let row = view
            .get(rows_ks, row_key)
            .and_then(|bytes| bytes.ok_or_else(|| SqlError::internal("duplicate row not found")))
            .and_then(|bytes| codec::decode_row(table, &bytes));
        match row {
            Ok(row) => duplicate_index_error(table, index, &row, ctx),
            Err(e) => e,
        }
    };
    let build_error = |e: IndexBuildError| match e {
        IndexBuildError::Duplicate { row_key } => duplicate(&row_key),
        IndexBuildError::Sql(e) => e,
    };
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    for (n, item) in scan.enumerate() {
        if n % 1024 == 0 {
            ctx.check_interrupt()?;
        }
        let (row_key, bytes) = item?;
        let row = codec::decode_row(table, &bytes)?;
        let (entry_key, entry_value, unique) = codec::index_entry(table, index, &row, &row_key)?;
        if let Some(builder) = builder.as_mut() {
            builder.add(entry_key, entry_value).map_err(build_error)?;
            continue;
        }
        if unique && !seen.insert(entry_key.clone()) {
            return Err(duplicate_index_error(table, index, &row, ctx));
        }
        txn.put(index_ks, &entry_key, entry_value)?;
    }
    if let Some(builder) = builder {
        builder.finish().map_err(build_error)?;
    }
    Ok(())
}

/// PostgreSQL's error for a unique index that existing rows violate; `row` is one of them.
fn duplicate_index_error(
    table: &TableDef,
    index: &IndexDef,
    row: &[Value],
    ctx: &ExecContext,
) -> SqlError {
    let names: Vec<String> = index
        .columns
        .iter()
        .filter_map(|c| table.column_by_attnum(c.attnum).map(|col| col.name.clone()))
        .collect();
    let values: Vec<String> = index
        .columns
        .iter()
        .filter_map(|c| {
            let pos = codec::visible_position(table, c.attnum).ok()?;
            let col = table.column_by_attnum(c.attnum)?;
            Some(embeddb_types::format_text(
                &row[pos],
                &col.data_type,
                ctx.format(),
            ))
        })
        .collect();
    SqlError::new(
        SqlState::UNIQUE_VIOLATION,
        format!("could not create unique index \"{}\"", index.name),
    )
    .with_detail(format!(
        "Key ({})=({}) is duplicated.",
        names.join(", "),
        values.join(", ")
    ))
}
