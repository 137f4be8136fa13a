//! Bulk loading: a large `COPY` in its own transaction writes its rows and index entries as
//! sorted SST runs and ingests them into the engine in one atomic step (`embeddb_storage`'s
//! `ingest`), instead of buffering every row in the transaction and committing it through the
//! WAL and the memtables. The data is written once, into its final files.
//!
//! Rows are gathered into a run of at most [`RUN_BYTES`], which a background thread sorts by key
//! and writes out while the next run fills (the second core parses while the first writes); a
//! key repeated inside a run is a unique violation found by the sort, one repeated across runs
//! or already in the table is found by the engine at ingestion.
//!
//! Concurrency, as PostgreSQL's uniqueness rules need it: every ordinary writer of a table
//! holds [`LockTarget::TableWrites`] shared until its transaction ends (taken once per
//! statement). The load takes it exclusively only for its last step: it waits for the
//! transactions that wrote the table to finish, checks its keys against the newest committed
//! data, ingests, and commits; writers arriving meanwhile wait that long. Readers never wait.
//!
//! Small loads are not worth files of their own: while the load stays under
//! [`MIN_BULK_BYTES`], its rows go through the transaction's ordinary path at the end.

use std::sync::Arc;
use std::thread::JoinHandle;

use embeddb_storage::{Engine, Error as StorageError, IngestFile, KeyspaceId};
use embeddb_types::{FormatContext, Row, SqlError, SqlResult, SqlState, Value};

use crate::catalog::{IndexDef, TableDef};
use crate::codec;
use crate::dml::{
    InsertOutcome, TableKeyspaces, index_attnums, index_constraint_name, key_detail,
    primary_constraint_name,
};
use crate::error::storage_error;
use crate::locks::{Interrupt, LockMode, LockTarget};
use crate::txn::Transaction;

/// Encoded rows and index entries gathered before they are sorted and written as one run. A
/// load holds at most two runs (one filling, one being written by a background thread), so
/// this bounds its memory whatever its size.
pub const RUN_BYTES: usize = 32 << 20;

/// A load smaller than this goes through the ordinary write path (no files of its own).
pub const MIN_BULK_BYTES: usize = 4 << 20;

/// Per-entry bookkeeping counted against [`RUN_BYTES`] besides the key and value bytes.
const ENTRY_OVERHEAD_BYTES: usize = 56;

/// A run's rows: (row key, encoded row) in arrival order.
type RowRun = Vec<(Vec<u8>, Vec<u8>)>;

/// One index's entries in the current run: (entry key, entry value, row ordinal in the run,
/// whether the entry takes part in uniqueness).
type IndexRun = Vec<(Vec<u8>, Vec<u8>, u32, bool)>;

pub struct BulkLoad {
    keyspaces: TableKeyspaces,
    /// The current run.
    rows: RowRun,
    /// The current run's entries, one list per entry of `TableDef::indexes` (empty for the
    /// primary index, which is the rows).
    index_runs: Vec<IndexRun>,
    run_bytes: usize,
    /// Writes runs (shared with the background thread).
    run_writer: Arc<RunWriter>,
    /// The run being written in the background, if any: at most one, so a load holds at most
    /// two runs in memory.
    in_flight: Option<JoinHandle<SqlResult<Vec<IngestFile>>>>,
    /// Runs written so far.
    files: Vec<IngestFile>,
    rows_total: u64,
}

impl BulkLoad {
    pub fn new(txn: &Transaction, table: Arc<TableDef>, ctx: FormatContext) -> SqlResult<BulkLoad> {
        let keyspaces = TableKeyspaces::resolve(txn, &table)?;
        let index_runs = table.indexes.iter().map(|_| Vec::new()).collect();
        let run_writer = Arc::new(RunWriter {
            table,
            rows_keyspace: keyspaces.rows,
            index_keyspaces: keyspaces.indexes.clone(),
            engine: txn.store().engine.clone(),
            ctx,
        });
        Ok(BulkLoad {
            run_writer,
            in_flight: None,
            keyspaces,
            rows: Vec::new(),
            index_runs,
            run_bytes: 0,
            files: Vec::new(),
            rows_total: 0,
        })
    }

    /// Rows added so far.
    pub fn rows(&self) -> u64 {
        self.rows_total
    }

    /// Adds a row (visible-column order, constraints already checked).
    pub fn add(&mut self, txn: &Transaction, row: &[Value]) -> SqlResult<()> {
        let key = txn.new_row_key(&self.run_writer.table, row)?;
        let ordinal = u32::try_from(self.rows.len())
            .map_err(|_| SqlError::internal("bulk-load run holds too many rows"))?;
        for (i, index) in self.run_writer.table.indexes.iter().enumerate() {
            if index.primary {
                continue;
            }
            let (entry_key, entry_value, unique) =
                codec::index_entry(&self.run_writer.table, index, row, &key)?;
            self.run_bytes += entry_key.len() + entry_value.len() + ENTRY_OVERHEAD_BYTES;
            self.index_runs[i].push((entry_key, entry_value, ordinal, unique));
        }
        let value = codec::encode_row(&self.run_writer.table, row)?;
        self.run_bytes += key.len() + value.len() + ENTRY_OVERHEAD_BYTES;
        self.rows.push((key, value));
        self.rows_total += 1;
        if self.run_bytes >= RUN_BYTES {
            self.start_run()?;
        }
        Ok(())
    }

    /// Hands the current run to a background thread, after the previous one has finished.
    fn start_run(&mut self) -> SqlResult<()> {
        self.collect_in_flight()?;
        let (rows, index_runs) = self.take_run();
        let writer = self.run_writer.clone();
        let handle = std::thread::Builder::new()
            .name("bulk-load-run".into())
            .spawn(move || writer.write(rows, index_runs))
            .map_err(|e| SqlError::internal(format!("cannot start a bulk-load thread: {e}")))?;
        self.in_flight = Some(handle);
        Ok(())
    }

    /// Waits for the run being written in the background and keeps its files.
    fn collect_in_flight(&mut self) -> SqlResult<()> {
        if let Some(handle) = self.in_flight.take() {
            let files = handle
                .join()
                .map_err(|_| SqlError::internal("a bulk-load thread panicked"))??;
            self.files.extend(files);
        }
        Ok(())
    }

    fn take_run(&mut self) -> (RowRun, Vec<IndexRun>) {
        let fresh = self
            .run_writer
            .table
            .indexes
            .iter()
            .map(|_| Vec::new())
            .collect();
        self.run_bytes = 0;
        (
            std::mem::take(&mut self.rows),
            std::mem::replace(&mut self.index_runs, fresh),
        )
    }

    fn primary_violation(&self, row: &Row, ctx: &FormatContext) -> SqlResult<SqlError> {
        primary_violation(&self.run_writer.table, row, ctx)
    }

    /// Ends the load inside `txn` (which must hold no other writes): small loads are written
    /// through the transaction; large ones are ingested, after the table's other writers have
    /// finished. Returns the rows loaded. The caller commits `txn` at once.
    pub fn finish(mut self, txn: &mut Transaction, interrupt: &dyn Interrupt) -> SqlResult<u64> {
        let ctx = self.run_writer.ctx.clone();
        self.collect_in_flight()?;
        if self.files.is_empty() && self.run_bytes < MIN_BULK_BYTES {
            return self.insert_through(txn, interrupt, &ctx);
        }
        let (rows, index_runs) = self.take_run();
        let last = self.run_writer.write(rows, index_runs)?;
        self.files.extend(last);
        txn.lock(
            &LockTarget::TableWrites(self.run_writer.table.oid),
            LockMode::Exclusive,
            interrupt,
        )?;
        let files = std::mem::take(&mut self.files);
        match self.run_writer.engine.ingest(files) {
            Ok(_) => Ok(self.rows_total),
            Err(StorageError::DuplicateKey {
                keyspace,
                key,
                value,
            }) => Err(self.duplicate_error(keyspace, &key, &value, &ctx)),
            Err(e) => Err(storage_error(e)),
        }
    }

    /// The small-load path: every row through `insert_row`, as a plain INSERT would.
    fn insert_through(
        self,
        txn: &mut Transaction,
        interrupt: &dyn Interrupt,
        ctx: &FormatContext,
    ) -> SqlResult<u64> {
        for (_, value) in &self.rows {
            let row = codec::decode_row(&self.run_writer.table, value)?;
            match txn.insert_row(
                &self.run_writer.table,
                &self.keyspaces,
                &row,
                ctx,
                interrupt,
            )? {
                InsertOutcome::Inserted { .. } => {}
                InsertOutcome::Conflict(c) => return Err(c.into_error()),
            }
        }
        Ok(self.rows_total)
    }

    /// The unique violation for a key the engine refused: `value` is the row (rows keyspace)
    /// or the row key (a unique index) already holding it.
    fn duplicate_error(
        &self,
        keyspace: KeyspaceId,
        key: &[u8],
        value: &[u8],
        ctx: &FormatContext,
    ) -> SqlError {
        let built = if keyspace == self.keyspaces.rows {
            codec::decode_row(&self.run_writer.table, value)
                .and_then(|row| self.primary_violation(&row, ctx))
        } else {
            let index = self
                .run_writer
                .table
                .indexes
                .iter()
                .zip(&self.keyspaces.indexes)
                .find(|(_, ks)| **ks == Some(keyspace))
                .map(|(index, _)| index);
            match index {
                Some(index) => self.index_violation_for(index, value, ctx),
                None => Err(SqlError::internal("duplicate key in an unknown keyspace")),
            }
        };
        built.unwrap_or_else(|e| {
            tracing::warn!(error = %e.message, key = ?key, "could not describe a duplicate key");
            SqlError::new(
                SqlState::UNIQUE_VIOLATION,
                "duplicate key value violates a unique constraint",
            )
        })
    }

    /// A unique-index violation, described from the committed row `row_key` names.
    fn index_violation_for(
        &self,
        index: &IndexDef,
        row_key: &[u8],
        ctx: &FormatContext,
    ) -> SqlResult<SqlError> {
        let snap = self.run_writer.engine.snapshot();
        let stored = self
            .run_writer
            .engine
            .get(self.keyspaces.rows, row_key, &snap)
            .map_err(storage_error)?;
        match stored {
            Some(bytes) => {
                let row = codec::decode_row(&self.run_writer.table, &bytes)?;
                index_violation(&self.run_writer.table, index, &row, ctx)
            }
            // The row is one of this load's own (two of its runs share the value).
            None => Ok(SqlError::new(
                SqlState::UNIQUE_VIOLATION,
                format!(
                    "duplicate key value violates unique constraint \"{}\"",
                    index_constraint_name(index)
                ),
            )),
        }
    }
}

/// Sorts runs and writes them as one ingestion file per keyspace; runs on the load's thread
/// or a background one. Also holds what the load as a whole works with (the table, the
/// engine, how values read in error details).
struct RunWriter {
    table: Arc<TableDef>,
    rows_keyspace: KeyspaceId,
    /// One per entry of `TableDef::indexes`; `None` for the primary index (it is the rows).
    index_keyspaces: Vec<Option<KeyspaceId>>,
    engine: Engine,
    ctx: FormatContext,
}

impl RunWriter {
    fn write(&self, rows: RowRun, index_runs: Vec<IndexRun>) -> SqlResult<Vec<IngestFile>> {
        let mut files = Vec::new();
        if rows.is_empty() {
            return Ok(files);
        }
        let mut order: Vec<u32> = (0..rows.len() as u32).collect();
        order.sort_unstable_by(|a, b| rows[*a as usize].0.cmp(&rows[*b as usize].0));
        for pair in order.windows(2) {
            let (a, b) = (&rows[pair[0] as usize], &rows[pair[1] as usize]);
            if a.0 == b.0 {
                let row = codec::decode_row(&self.table, &b.1)?;
                return Err(primary_violation(&self.table, &row, &self.ctx)?);
            }
        }
        let mut writer = self
            .engine
            .ingest_writer(self.rows_keyspace, self.table.has_primary_key())
            .map_err(storage_error)?;
        for i in &order {
            let (key, value) = &rows[*i as usize];
            writer.put(key, value).map_err(storage_error)?;
        }
        files.extend(writer.finish().map_err(storage_error)?);

        for ((index, keyspace), mut entries) in self
            .table
            .indexes
            .iter()
            .zip(&self.index_keyspaces)
            .zip(index_runs)
        {
            let Some(keyspace) = keyspace else { continue };
            entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            for pair in entries.windows(2) {
                if pair[0].0 == pair[1].0 {
                    let row = codec::decode_row(&self.table, &rows[pair[1].2 as usize].1)?;
                    return Err(index_violation(&self.table, index, &row, &self.ctx)?);
                }
            }
            let unique = entries.iter().any(|e| e.3);
            let mut writer = self
                .engine
                .ingest_writer(*keyspace, unique)
                .map_err(storage_error)?;
            for (key, value, _, _) in &entries {
                writer.put(key, value).map_err(storage_error)?;
            }
            files.extend(writer.finish().map_err(storage_error)?);
        }
        Ok(files)
    }
}

fn primary_violation(table: &TableDef, row: &Row, ctx: &FormatContext) -> SqlResult<SqlError> {
    Ok(SqlError::new(
        SqlState::UNIQUE_VIOLATION,
        format!(
            "duplicate key value violates unique constraint \"{}\"",
            primary_constraint_name(table)
        ),
    )
    .with_detail(key_detail(table, &table.primary_key, row, ctx)?))
}

fn index_violation(
    table: &TableDef,
    index: &IndexDef,
    row: &Row,
    ctx: &FormatContext,
) -> SqlResult<SqlError> {
    Ok(SqlError::new(
        SqlState::UNIQUE_VIOLATION,
        format!(
            "duplicate key value violates unique constraint \"{}\"",
            index_constraint_name(index)
        ),
    )
    .with_detail(key_detail(table, &index_attnums(index), row, ctx)?))
}
