//! Filling a new index of an existing table in bulk: `CREATE INDEX` in its own transaction
//! writes the entries as sorted SST runs and ingests them into the index's keyspace in one
//! step (`embeddb_storage`'s `ingest`), instead of buffering every entry in the transaction
//! and committing it through the WAL and the memtables.
//!
//! This is safe before the transaction commits because the keyspace is new: nothing reads it
//! until the catalog that names it commits, and the transaction holds the table exclusively
//! meanwhile. If the transaction rolls back, the keyspace is dropped with it; after a crash,
//! the next start drops it as an orphan. Inside a transaction block the ordinary path is
//! used, because a later statement of the block under REPEATABLE READ reads with a snapshot
//! older than the ingestion.

use embeddb_storage::{Engine, Error as StorageError, IngestFile, KeyspaceId};
use embeddb_types::SqlError;

use crate::error::storage_error;

/// Entries gathered before they are sorted and written as one file: bounds the memory of a
/// build whatever the table's size.
pub const RUN_BYTES: usize = 32 << 20;

/// Per-entry bookkeeping counted against [`RUN_BYTES`] besides the key and value bytes.
const ENTRY_OVERHEAD_BYTES: usize = 56;

/// Why a build stopped.
#[derive(Debug)]
pub enum IndexBuildError {
    /// Two rows have the same key in a unique index; `row_key` names one of them.
    Duplicate {
        row_key: Vec<u8>,
    },
    Sql(SqlError),
}

impl From<SqlError> for IndexBuildError {
    fn from(e: SqlError) -> Self {
        IndexBuildError::Sql(e)
    }
}

/// Gathers a new index's entries in runs and ingests them at [`IndexBuilder::finish`].
pub struct IndexBuilder {
    engine: Engine,
    keyspace: KeyspaceId,
    /// The index refuses equal keys (entries with a NULL are never equal: they carry their
    /// row key).
    unique: bool,
    /// The current run: (entry key, entry value = row key).
    run: Vec<(Vec<u8>, Vec<u8>)>,
    run_bytes: usize,
    files: Vec<IngestFile>,
}

impl IndexBuilder {
    pub fn new(engine: Engine, keyspace: KeyspaceId, unique: bool) -> Self {
        IndexBuilder {
            engine,
            keyspace,
            unique,
            run: Vec::new(),
            run_bytes: 0,
            files: Vec::new(),
        }
    }

    /// Adds an entry (from `codec::index_entry`). Only entries that take part in uniqueness
    /// can have equal keys: the others end with their row key.
    pub fn add(&mut self, key: Vec<u8>, value: Vec<u8>) -> Result<(), IndexBuildError> {
        self.run_bytes += key.len() + value.len() + ENTRY_OVERHEAD_BYTES;
        self.run.push((key, value));
        if self.run_bytes >= RUN_BYTES {
            self.write_run()?;
        }
        Ok(())
    }

    /// Sorts the current run and writes it as one file.
    fn write_run(&mut self) -> Result<(), IndexBuildError> {
        let mut run = std::mem::take(&mut self.run);
        self.run_bytes = 0;
        if run.is_empty() {
            return Ok(());
        }
        run.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        if let Some(pair) = run.windows(2).find(|p| p[0].0 == p[1].0) {
            return Err(IndexBuildError::Duplicate {
                row_key: pair[1].1.clone(),
            });
        }
        let mut writer = self
            .engine
            .ingest_writer(self.keyspace, self.unique)
            .map_err(storage_error)?;
        for (key, value) in &run {
            writer.put(key, value).map_err(storage_error)?;
        }
        self.files.extend(writer.finish().map_err(storage_error)?);
        Ok(())
    }

    /// Writes the last run and adds every file to the index's keyspace at once. Equal keys
    /// in two runs are found here, by the engine. Runs overlap (they follow the table's key
    /// order, not the index's), so several of them are merged into the keyspace's bottom level
    /// before the index is used: left in level 0, every index scan would merge them all.
    pub fn finish(mut self) -> Result<(), IndexBuildError> {
        self.write_run()?;
        let runs = self.files.len();
        match self.engine.ingest(std::mem::take(&mut self.files)) {
            Ok(_) => {}
            Err(StorageError::DuplicateKey { value, .. }) => {
                return Err(IndexBuildError::Duplicate { row_key: value });
            }
            Err(e) => return Err(IndexBuildError::Sql(storage_error(e))),
        }
        if runs > 1 {
            self.engine.compact(self.keyspace).map_err(storage_error)?;
        }
        Ok(())
    }
}
