//! Maintenance statements.
//!
//! - `ANALYZE [table [(column, ...)]]`: EmbedDB's planner takes its row estimates from the
//!   storage engine as the data changes (`Store::table_row_estimate`), so there are no
//!   statistics to collect. ANALYZE checks its arguments as PostgreSQL does (the table exists,
//!   each column exists once) and reports ANALYZE, in a transaction block or not. The forms
//!   sqlparser reads only for other dialects (`ANALYZE TABLE t`, Hive's PARTITION and COMPUTE
//!   STATISTICS) are syntax errors, as in PostgreSQL.
//! - `VACUUM [table]`: a deleted or updated row's old versions stay in the LSM tree until a
//!   compaction drops them; VACUUM compacts the table's keyspaces (rows and indexes) into the
//!   bottom level now, which drops every version no snapshot can see, so its space comes back.
//!   FULL does the same (the compaction already rewrites everything). Not in a transaction
//!   block (25001), as in PostgreSQL. It holds the table's shared lock, so DDL waits for it.
//! - `CHECKPOINT`: flushes every memtable and retires the WAL written so far
//!   (`storage::Engine::checkpoint`), so a restart replays nothing. Allowed in a block.
//!
//! The grammar of VACUUM and CHECKPOINT is `parser_maintenance`'s.

use sqlparser::ast;
use sqlparser::tokenizer::Span;

use embeddb_tables::Transaction;
use embeddb_types::{SqlError, SqlResult, SqlState};

use crate::binder::{Binder, normalize_ident};
use crate::ddl::done;
use crate::exec::context::ExecContext;
use crate::session::{Executed, Session};

pub(crate) fn analyze(binder: &mut Binder<'_>, analyze: &ast::Analyze) -> SqlResult<Executed> {
    if analyze.has_table_keyword {
        return Err(SqlError::syntax("syntax error at or near \"TABLE\""));
    }
    if analyze.partitions.is_some()
        || analyze.for_columns
        || analyze.cache_metadata
        || analyze.noscan
        || analyze.compute_statistics
    {
        return Err(SqlError::syntax(
            "syntax error: this form of ANALYZE is not PostgreSQL's",
        ));
    }
    let Some(name) = &analyze.table_name else {
        return done("ANALYZE");
    };
    let relation = binder.relation_name(name)?;
    // PostgreSQL reports a missing table here without a position.
    let table = binder.table(&relation, Span::empty())?;
    let mut seen: Vec<String> = Vec::with_capacity(analyze.columns.len());
    for column in &analyze.columns {
        let column = normalize_ident(column);
        if !table.visible_columns().any(|c| c.name == column) {
            return Err(SqlError::new(
                SqlState::UNDEFINED_COLUMN,
                format!(
                    "column \"{column}\" of relation \"{}\" does not exist",
                    table.name
                ),
            ));
        }
        if seen.contains(&column) {
            return Err(SqlError::new(
                SqlState::DUPLICATE_COLUMN,
                format!(
                    "column \"{column}\" of relation \"{}\" appears more than once",
                    table.name
                ),
            ));
        }
        seen.push(column);
    }
    done("ANALYZE")
}

pub(crate) fn vacuum(
    txn: &mut Transaction,
    binder: &mut Binder<'_>,
    vacuum: &ast::VacuumStatement,
    ctx: &ExecContext,
    in_block: bool,
) -> SqlResult<Executed> {
    if in_block {
        return Err(SqlError::new(
            SqlState::ACTIVE_SQL_TRANSACTION,
            "VACUUM cannot run inside a transaction block",
        ));
    }
    let tables = match &vacuum.table_name {
        Some(name) => {
            let relation = binder.relation_name(name)?;
            match binder.catalog().table_by_name(&relation) {
                Some(table) => vec![table.clone()],
                None => {
                    // A system view (pg_class, ...) has nothing stored to vacuum.
                    let parts = crate::binder::object_name_parts(name)?;
                    if crate::catalog_views::bind_system_view(binder, &parts)?.is_some() {
                        return done("VACUUM");
                    }
                    // PostgreSQL reports a missing table here without a position.
                    return Err(SqlError::new(
                        SqlState::UNDEFINED_TABLE,
                        format!("relation \"{relation}\" does not exist"),
                    ));
                }
            }
        }
        None => binder.catalog().tables().cloned().collect(),
    };
    let interrupt = ctx.interrupt.as_ref();
    for table in tables {
        txn.lock_table_shared(&table, interrupt)?;
        ctx.check_interrupt()?;
        ctx.store.compact_table(&table)?;
    }
    done("VACUUM")
}

pub(crate) fn checkpoint(session: &Session) -> SqlResult<Executed> {
    session.database().store().checkpoint()?;
    done("CHECKPOINT")
}
