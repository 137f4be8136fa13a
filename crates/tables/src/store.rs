//! The store: the engine plus what every transaction shares — the committed catalog, the lock
//! manager, sequences and the oid counter. One per open data directory.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use embeddb_storage::{Direction, Engine, KeyspaceId};
use embeddb_types::{SqlError, SqlResult, SqlState};
use parking_lot::{Mutex, RwLock};

use crate::catalog::{Catalog, FIRST_USER_OID, Oid, TableDef};
use crate::error::storage_error;
use crate::locks::{LockManager, TxnId};
use crate::sequence::Sequences;
use crate::txn::{IsolationLevel, Transaction};

/// The engine keyspace holding catalog records and sequence states.
pub const CATALOG_KEYSPACE: &str = "catalog";
/// Key prefix of table records in the catalog keyspace: `t/` + oid (4 bytes, big-endian).
pub(crate) const TABLE_RECORD_PREFIX: &[u8] = b"t/";

pub struct StoreOptions {
    pub engine: embeddb_storage::Options,
    /// The most a transaction may hold in uncommitted writes before its statements fail with
    /// 54000: writes stay in memory until COMMIT, so this bounds a session's memory.
    pub max_txn_write_bytes: usize,
}

impl Default for StoreOptions {
    fn default() -> Self {
        let max_txn_write_bytes = 1 << 30;
        let mut engine = embeddb_storage::Options::default();
        // A transaction commits as one write batch, so the engine must take a batch as large
        // as the largest write set a transaction may hold (plus encoding overhead).
        engine.limits.max_batch_bytes = max_txn_write_bytes + (max_txn_write_bytes >> 2);
        StoreOptions {
            engine,
            max_txn_write_bytes,
        }
    }
}

pub struct Store {
    pub(crate) engine: Engine,
    pub(crate) catalog_keyspace: KeyspaceId,
    committed_catalog: RwLock<Arc<Catalog>>,
    /// Serialises publishing catalog changes so concurrent DDL commits merge, not overwrite.
    catalog_publish: Mutex<()>,
    next_oid: AtomicU32,
    next_txn_id: AtomicU64,
    pub(crate) locks: LockManager,
    pub(crate) sequences: Sequences,
    pub(crate) max_txn_write_bytes: usize,
}

impl Store {
    pub fn open(dir: &Path, options: StoreOptions) -> SqlResult<Arc<Store>> {
        let engine = Engine::open(dir, options.engine).map_err(storage_error)?;
        let catalog_keyspace = match engine.keyspace_id(CATALOG_KEYSPACE) {
            Some(id) => id,
            None => engine
                .create_keyspace(CATALOG_KEYSPACE)
                .map_err(storage_error)?,
        };
        let catalog = load_catalog(&engine, catalog_keyspace)?;
        drop_orphan_keyspaces(&engine, &catalog)?;
        let next_oid = catalog.max_oid().max(FIRST_USER_OID - 1) + 1;
        let sequences = Sequences::new(engine.clone(), catalog_keyspace);
        tracing::info!(
            tables = catalog.tables().count(),
            dir = %dir.display(),
            "opened data directory"
        );
        Ok(Arc::new(Store {
            engine,
            catalog_keyspace,
            committed_catalog: RwLock::new(Arc::new(catalog)),
            catalog_publish: Mutex::new(()),
            next_oid: AtomicU32::new(next_oid),
            next_txn_id: AtomicU64::new(1),
            locks: LockManager::new(),
            sequences,
            max_txn_write_bytes: options.max_txn_write_bytes,
        }))
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn begin(self: &Arc<Self>, isolation: IsolationLevel, read_only: bool) -> Transaction {
        let id: TxnId = self.next_txn_id.fetch_add(1, Ordering::Relaxed);
        Transaction::new(self.clone(), id, isolation, read_only)
    }

    /// The catalog as committed now.
    pub fn committed_catalog(&self) -> Arc<Catalog> {
        self.committed_catalog.read().clone()
    }

    pub(crate) fn allocate_oid(&self) -> SqlResult<Oid> {
        let oid = self.next_oid.fetch_add(1, Ordering::Relaxed);
        if oid == u32::MAX {
            return Err(SqlError::new(
                SqlState::PROGRAM_LIMIT_EXCEEDED,
                "out of object identifiers",
            ));
        }
        Ok(oid)
    }

    /// Applies a committed transaction's table changes to the shared catalog. Changes are
    /// merged per table into the newest committed catalog, so two sessions' DDL on different
    /// tables both survive; DDL on the same table is serialised by table locks.
    pub(crate) fn publish_catalog(&self, changed: &HashSet<Oid>, private: &Catalog) {
        let _guard = self.catalog_publish.lock();
        let mut next = (**self.committed_catalog.read()).clone();
        for oid in changed {
            match private.table(*oid) {
                Some(t) => next.insert((**t).clone()),
                None => {
                    next.remove(*oid);
                }
            }
        }
        *self.committed_catalog.write() = Arc::new(next);
    }

    /// Wakes lock waiters so a cancelled statement notices at once.
    pub fn wake_lock_waiters(&self) {
        self.locks.wake_all();
    }

    pub fn checkpoint(&self) -> SqlResult<()> {
        self.engine.checkpoint().map_err(storage_error)
    }

    /// Compacts a table's keyspaces (rows and secondary indexes) into the engine's bottom
    /// level, dropping every version no snapshot can see (VACUUM). A keyspace dropped
    /// meanwhile is skipped: the caller holds the table's lock, so only a keyspace this
    /// transaction's own DDL retired can be gone.
    pub fn compact_table(&self, table: &crate::catalog::TableDef) -> SqlResult<()> {
        let names = std::iter::once(table.keyspace.as_str())
            .chain(table.indexes.iter().filter_map(|i| i.own_keyspace()));
        for name in names {
            if let Some(ks) = self.engine.keyspace_id(name) {
                self.engine.compact(ks).map_err(storage_error)?;
            }
        }
        Ok(())
    }

    /// Bytes the named keyspace holds now (memtables and SSTables, old versions and tombstones
    /// included); 0 for a keyspace that is gone.
    pub fn keyspace_size_bytes(&self, name: &str) -> u64 {
        self.engine
            .keyspace_id(name)
            .and_then(|ks| self.engine.keyspace_size_bytes(ks).ok())
            .unwrap_or(0)
    }

    pub fn close(&self) -> SqlResult<()> {
        self.engine.flush().map_err(storage_error)
    }
}

fn load_catalog(engine: &Engine, keyspace: KeyspaceId) -> SqlResult<Catalog> {
    let snapshot = engine.snapshot();
    let scan = engine
        .prefix_scan(keyspace, TABLE_RECORD_PREFIX, &snapshot, Direction::Forward)
        .map_err(storage_error)?;
    let mut tables = Vec::new();
    for item in scan {
        let (_key, value) = item.map_err(storage_error)?;
        tables.push(TableDef::from_record(&value)?);
    }
    Ok(Catalog::from_tables(tables))
}

/// Keyspaces that no committed table refers to belong to transactions that created them and
/// then aborted or crashed before committing; they hold nothing anyone can see.
fn drop_orphan_keyspaces(engine: &Engine, catalog: &Catalog) -> SqlResult<()> {
    let mut live: HashSet<&str> = HashSet::new();
    live.insert(CATALOG_KEYSPACE);
    for table in catalog.tables() {
        live.insert(&table.keyspace);
        live.extend(table.indexes.iter().filter_map(|i| i.own_keyspace()));
    }
    for (name, id) in engine.keyspaces() {
        if !live.contains(name.as_str()) {
            tracing::info!(keyspace = %name, "dropping keyspace no committed table uses");
            engine.drop_keyspace(id).map_err(storage_error)?;
        }
    }
    Ok(())
}

impl Store {
    /// Transactions waiting for a lock now (tests use it to know a session is blocked).
    pub fn locks_waiting(&self) -> usize {
        self.locks.waiting_count()
    }

    /// Sequences, for nextval() and friends (non-transactional).
    pub fn sequences(&self) -> &Sequences {
        &self.sequences
    }
}

impl Store {
    /// An estimate of a table's row count from the bytes its keyspace holds and the typical
    /// width of its rows; for choosing join orders, never for results.
    pub fn table_row_estimate(&self, table: &crate::catalog::TableDef) -> f64 {
        let bytes = self.keyspace_size_bytes(&table.keyspace) as f64;
        let width: usize = table
            .visible_columns()
            .map(|c| match c.data_type.type_len() {
                n if n > 0 => n as usize + 1,
                _ => 16,
            })
            .sum::<usize>()
            // key, row header, memtable and block overhead
            + 24;
        bytes / width as f64
    }
}
