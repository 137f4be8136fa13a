//! Maintenance statements. `ANALYZE [table [(column, ...)]]`: EmbedDB's planner takes its row
//! estimates from the storage engine as the data changes (`Store::table_row_estimate`), so
//! there are no statistics to collect. ANALYZE checks its arguments as PostgreSQL does (the
//! table exists, each column exists once) and reports ANALYZE, in a transaction block or not.
//! The forms sqlparser reads only for other dialects (`ANALYZE TABLE t`, Hive's PARTITION and
//! COMPUTE STATISTICS) are syntax errors, as in PostgreSQL.

use sqlparser::ast;
use sqlparser::tokenizer::Span;

use embeddb_types::{SqlError, SqlResult, SqlState};

use crate::binder::{Binder, normalize_ident};
use crate::ddl::done;
use crate::session::Executed;

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
