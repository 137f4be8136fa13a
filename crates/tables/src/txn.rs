//! Transactions on the engine, with PostgreSQL's isolation behaviour.
//!
//! - Reads go through a [`ReadView`]: an engine snapshot plus the transaction's own buffered
//!   writes as of the running command. READ COMMITTED takes a new snapshot per statement
//!   (again once the statement's table locks are held, see
//!   [`Transaction::refresh_statement_snapshot`]), REPEATABLE READ one for the whole
//!   transaction (taken by its first statement, as PostgreSQL does). SERIALIZABLE runs as
//!   REPEATABLE READ.
//! - Writes are buffered and reach the engine as one atomic batch at COMMIT, so no other
//!   session ever sees uncommitted data.
//! - A writer locks each row key it writes until it ends ([`crate::locks`]); the caller then
//!   re-reads the newest committed version to resolve write-write conflicts (READ COMMITTED
//!   re-checks and applies to it; REPEATABLE READ fails with 40001).

use std::collections::HashSet;
use std::future::Future;
use std::ops::Bound;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use embeddb_storage::{
    CommitFuture, Direction, Entry, KeyspaceId, ScanIter, SeqNo, Snapshot, WriteBatch,
};
use embeddb_types::{SqlError, SqlResult, SqlState};
use parking_lot::Mutex;

use crate::catalog::{Catalog, Oid, TableDef};
use crate::error::storage_error;
use crate::locks::{Interrupt, LockMode, LockTarget, TxnId};
use crate::sequence::Sequences;
use crate::store::{Store, TABLE_RECORD_PREFIX};
use crate::write_buffer::{BufferView, BufferedValue, CommandId, WriteBuffer};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IsolationLevel {
    ReadUncommitted,
    ReadCommitted,
    RepeatableRead,
    Serializable,
}

impl IsolationLevel {
    /// Whether one snapshot serves the whole transaction.
    pub fn uses_transaction_snapshot(self) -> bool {
        matches!(
            self,
            IsolationLevel::RepeatableRead | IsolationLevel::Serializable
        )
    }

    /// The name `SHOW transaction_isolation` prints.
    pub fn name(self) -> &'static str {
        match self {
            IsolationLevel::ReadUncommitted => "read uncommitted",
            IsolationLevel::ReadCommitted => "read committed",
            IsolationLevel::RepeatableRead => "repeatable read",
            IsolationLevel::Serializable => "serializable",
        }
    }
}

/// The newest committed state of a key, as seen by a writer that holds its lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LatestVersion {
    /// This transaction wrote it; the value it wrote (None: it deleted it).
    Own(BufferedValue),
    /// Committed by someone: at which sequence number, and the value (None: a deletion).
    Committed { seqno: SeqNo, value: BufferedValue },
    /// Never written.
    Absent,
}

impl LatestVersion {
    pub fn value(&self) -> Option<&[u8]> {
        match self {
            LatestVersion::Own(Some(v)) | LatestVersion::Committed { value: Some(v), .. } => {
                Some(v)
            }
            _ => None,
        }
    }
}

pub struct Transaction {
    store: Arc<Store>,
    id: TxnId,
    isolation: IsolationLevel,
    read_only: bool,
    /// The snapshot reads use: the transaction's (REPEATABLE READ) or the statement's.
    snapshot: Option<Snapshot>,
    command: CommandId,
    buffer: Arc<Mutex<WriteBuffer>>,
    /// The catalog with this transaction's DDL applied, once it has run any.
    private_catalog: Option<Catalog>,
    changed_tables: HashSet<Oid>,
    /// Keyspaces this transaction created: dropped again if it aborts.
    created_keyspaces: Vec<String>,
    /// Keyspaces whose tables this transaction dropped or truncated: dropped once it commits.
    retired_keyspaces: Vec<String>,
    /// Sequences dropped: forgotten once it commits.
    dropped_sequences: Vec<Oid>,
    /// Whether COMMIT waits for the WAL fsync (`synchronous_commit`).
    pub sync_commit: bool,
    finished: bool,
    /// Locks held until the transaction ends.
    held_locks: Mutex<Vec<crate::locks::HeldLock>>,
    /// The last snapshot of everything committed, for conflict checks (see `newest_snapshot`).
    newest: Mutex<Option<Snapshot>>,
    /// Open savepoints, oldest first.
    savepoints: Vec<Savepoint>,
    /// While a savepoint is open: each write's key and its buffered state before the write,
    /// in order, so ROLLBACK TO SAVEPOINT can put them back.
    undo: Vec<(KeyspaceId, Vec<u8>, Option<crate::write_buffer::Versions>)>,
}

/// What ROLLBACK TO SAVEPOINT restores.
struct Savepoint {
    name: String,
    undo_len: usize,
    private_catalog: Option<Catalog>,
    changed_tables: HashSet<Oid>,
    created_len: usize,
    retired_len: usize,
    dropped_sequences_len: usize,
}

impl Transaction {
    pub(crate) fn new(
        store: Arc<Store>,
        id: TxnId,
        isolation: IsolationLevel,
        read_only: bool,
    ) -> Self {
        Transaction {
            store,
            id,
            isolation,
            read_only,
            snapshot: None,
            command: 0,
            buffer: Arc::new(Mutex::new(WriteBuffer::default())),
            private_catalog: None,
            changed_tables: HashSet::new(),
            created_keyspaces: Vec::new(),
            retired_keyspaces: Vec::new(),
            dropped_sequences: Vec::new(),
            sync_commit: true,
            finished: false,
            held_locks: Mutex::new(Vec::new()),
            newest: Mutex::new(None),
            savepoints: Vec::new(),
            undo: Vec::new(),
        }
    }

    pub fn id(&self) -> TxnId {
        self.id
    }

    pub fn isolation(&self) -> IsolationLevel {
        self.isolation
    }

    /// Changes the isolation level; only allowed before the first statement has run.
    pub fn set_isolation(&mut self, isolation: IsolationLevel) -> SqlResult<()> {
        if self.snapshot.is_some() && self.isolation != isolation {
            return Err(SqlError::new(
                SqlState::ACTIVE_SQL_TRANSACTION,
                "SET TRANSACTION ISOLATION LEVEL must be called before any query",
            ));
        }
        self.isolation = isolation;
        Ok(())
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    pub fn set_read_only(&mut self, read_only: bool) {
        self.read_only = read_only;
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Starts the next statement: advances the command id and, under READ COMMITTED, takes a
    /// fresh snapshot so the statement sees everything committed before it began.
    pub fn begin_statement(&mut self) {
        self.command += 1;
        if self.snapshot.is_none() || !self.isolation.uses_transaction_snapshot() {
            self.take_snapshot();
        }
    }

    /// Under READ COMMITTED, takes the statement's snapshot again now that its table locks are
    /// held. A statement that waited for a lock behind another transaction's DDL must see what
    /// that transaction committed: PostgreSQL takes a READ COMMITTED statement's snapshot for
    /// execution after parse analysis has locked its tables. REPEATABLE READ keeps the
    /// transaction's snapshot, even in the statement that took it (PostgreSQL takes that one
    /// before the locks too).
    pub fn refresh_statement_snapshot(&mut self) {
        if self.isolation.uses_transaction_snapshot() {
            return;
        }
        // Nothing committed since: the snapshot already sees everything (and registering a
        // new one with the engine is not free).
        if let Some(s) = &self.snapshot
            && s.seqno() == self.store.engine.latest_seqno()
        {
            return;
        }
        self.take_snapshot();
    }

    fn take_snapshot(&mut self) -> Snapshot {
        let s = self.store.engine.snapshot();
        self.snapshot = Some(s.clone());
        s
    }

    fn current_snapshot(&mut self) -> Snapshot {
        match &self.snapshot {
            Some(s) => s.clone(),
            None => self.take_snapshot(),
        }
    }

    /// Whether `seen` (a catalog this transaction returned from [`Transaction::catalog`]) is
    /// still the one it sees. Once the transaction has run DDL its catalog is its own and only
    /// it changes it; before, another transaction's committed DDL replaces the shared one.
    pub fn catalog_is_current(&self, seen: &Arc<Catalog>) -> bool {
        self.private_catalog.is_some() || Arc::ptr_eq(&self.store.committed_catalog(), seen)
    }

    /// The statement's view of the data: its snapshot plus this transaction's earlier writes.
    pub fn read_view(&mut self) -> ReadView {
        ReadView {
            store: self.store.clone(),
            snapshot: self.current_snapshot(),
            buffer: self.buffer.clone(),
            view: BufferView::AsOf(self.command),
        }
    }

    /// The sequence number of the statement's snapshot: versions newer than this were
    /// committed after the statement (or, under REPEATABLE READ, the transaction) began.
    pub fn snapshot_seqno(&mut self) -> SeqNo {
        self.current_snapshot().seqno()
    }

    /// The catalog this transaction sees: the committed one with its own DDL applied.
    pub fn catalog(&self) -> Arc<Catalog> {
        match &self.private_catalog {
            Some(c) => Arc::new(c.clone()),
            None => self.store.committed_catalog(),
        }
    }

    /// Whether a relation of this name exists for this transaction: in its catalog, or
    /// committed by another transaction after this one copied the catalog for its own DDL
    /// (call with the name locked). A committed name of a table this transaction has changed
    /// (dropped or renamed, or an index it dropped) does not count: for those its own catalog
    /// is newer, so `DROP TABLE t; CREATE TABLE t` in one block works, as in PostgreSQL.
    pub fn relation_exists(&self, name: &str) -> bool {
        let Some(private) = &self.private_catalog else {
            return self.store.committed_catalog().relation(name).is_some();
        };
        if private.relation(name).is_some() {
            return true;
        }
        match self.store.committed_catalog().relation(name) {
            Some((table_oid, _, _)) => !self.changed_tables.contains(&table_oid),
            None => false,
        }
    }

    pub fn keyspace(&self, name: &str) -> SqlResult<KeyspaceId> {
        self.store.engine.keyspace_id(name).ok_or_else(|| {
            SqlError::new(
                SqlState::UNDEFINED_TABLE,
                format!("relation storage \"{name}\" does not exist (dropped concurrently?)"),
            )
        })
    }

    fn check_writable(&self) -> SqlResult<()> {
        if self.read_only {
            return Err(SqlError::new(
                SqlState::READ_ONLY_SQL_TRANSACTION,
                "cannot execute this statement in a read-only transaction",
            ));
        }
        Ok(())
    }

    pub fn put(&mut self, keyspace: KeyspaceId, key: &[u8], value: Vec<u8>) -> SqlResult<()> {
        self.write(keyspace, key, Some(value))
    }

    pub fn delete(&mut self, keyspace: KeyspaceId, key: &[u8]) -> SqlResult<()> {
        self.write(keyspace, key, None)
    }

    fn write(&mut self, keyspace: KeyspaceId, key: &[u8], value: BufferedValue) -> SqlResult<()> {
        self.check_writable()?;
        let mut buffer = self.buffer.lock();
        if !self.savepoints.is_empty() {
            self.undo
                .push((keyspace, key.to_vec(), buffer.entry(keyspace, key)));
        }
        buffer.write(keyspace, key, value, self.command);
        if buffer.size_bytes() > self.store.max_txn_write_bytes {
            return Err(SqlError::new(
                SqlState::PROGRAM_LIMIT_EXCEEDED,
                format!(
                    "transaction holds more than {} MiB of uncommitted writes",
                    self.store.max_txn_write_bytes >> 20
                ),
            )
            .with_hint("Commit in smaller transactions."));
        }
        Ok(())
    }

    /// Takes a lock held until the transaction ends.
    pub fn lock(
        &self,
        target: &LockTarget,
        mode: LockMode,
        interrupt: &dyn Interrupt,
    ) -> SqlResult<()> {
        if let Some(held) = self.store.locks.acquire(self.id, target, mode, interrupt)? {
            self.held_locks.lock().push(held);
        }
        Ok(())
    }

    /// Takes a lock held until the transaction ends if that needs no wait; false (nothing
    /// taken) when another transaction holds it in a conflicting mode.
    pub fn try_lock(&self, target: &LockTarget, mode: LockMode) -> bool {
        match self.store.locks.try_acquire(self.id, target, mode) {
            Ok(Some(held)) => {
                self.held_locks.lock().push(held);
                true
            }
            Ok(None) => true,
            Err(_busy) => false,
        }
    }

    /// Locks a row key for writing (waiting for another writer of it to end).
    pub fn lock_key(
        &self,
        keyspace: KeyspaceId,
        key: &[u8],
        interrupt: &dyn Interrupt,
    ) -> SqlResult<()> {
        // The same lock as `LockTarget::Key`, without building (and allocating) the target.
        let fingerprint = crate::locks::key_fingerprint(keyspace.0, key);
        if let Some(held) = self.store.locks.acquire_fingerprint(
            self.id,
            fingerprint,
            LockMode::Exclusive,
            interrupt,
        )? {
            self.held_locks.lock().push(held);
        }
        Ok(())
    }

    /// The newest version of a key: this transaction's own write if it made one, else the
    /// newest committed version (not the snapshot's). Call with the key locked.
    pub fn latest(&self, keyspace: KeyspaceId, key: &[u8]) -> SqlResult<LatestVersion> {
        if let Some(own) = self.buffer.lock().get(keyspace, key, BufferView::Latest) {
            return Ok(LatestVersion::Own(own.clone()));
        }
        let now = self.newest_snapshot();
        let entry: Option<Entry> = self
            .store
            .engine
            .get_entry(keyspace, key, &now)
            .map_err(storage_error)?;
        Ok(match entry {
            Some(e) => LatestVersion::Committed {
                seqno: e.seqno,
                value: e.value,
            },
            None => LatestVersion::Absent,
        })
    }

    /// A snapshot of everything committed so far. Taking a snapshot registers it with the
    /// engine, so the last one is reused while nothing new has committed (a bulk insert
    /// checks every key against it).
    fn newest_snapshot(&self) -> Snapshot {
        let visible = self.store.engine.latest_seqno();
        let mut cached = self.newest.lock();
        match &*cached {
            Some(s) if s.seqno() == visible => s.clone(),
            _ => {
                let s = self.store.engine.snapshot();
                *cached = Some(s.clone());
                s
            }
        }
    }

    pub fn sequences(&self) -> &Sequences {
        &self.store.sequences
    }

    // ----- DDL -----

    pub fn allocate_oid(&self) -> SqlResult<Oid> {
        self.store.allocate_oid()
    }

    /// Creates an engine keyspace for a new table or index. It is dropped again if this
    /// transaction does not commit.
    pub fn create_keyspace(&mut self) -> SqlResult<(String, KeyspaceId)> {
        self.check_writable()?;
        let name = format!("r{}", self.store.allocate_oid()?);
        let id = self
            .store
            .engine
            .create_keyspace(&name)
            .map_err(storage_error)?;
        self.created_keyspaces.push(name.clone());
        Ok((name, id))
    }

    /// Marks a keyspace to be dropped when this transaction commits.
    pub fn retire_keyspace(&mut self, name: &str) {
        self.retired_keyspaces.push(name.to_string());
    }

    /// Writes a new or changed table definition (transactionally).
    pub fn put_table(&mut self, table: TableDef) -> SqlResult<()> {
        self.check_writable()?;
        let record = table.to_record()?;
        let key = table_record_key(table.oid);
        let catalog_keyspace = self.store.catalog_keyspace;
        self.write(catalog_keyspace, &key, Some(record))?;
        self.changed_tables.insert(table.oid);
        self.private_catalog
            .get_or_insert_with(|| (*self.store.committed_catalog()).clone())
            .insert(table);
        Ok(())
    }

    /// Removes a table definition (transactionally); its keyspaces go at commit.
    pub fn remove_table(&mut self, table: &TableDef) -> SqlResult<()> {
        self.check_writable()?;
        let catalog_keyspace = self.store.catalog_keyspace;
        self.write(catalog_keyspace, &table_record_key(table.oid), None)?;
        for seq in &table.sequences {
            self.write(catalog_keyspace, &Sequences::state_key(seq.oid), None)?;
            self.dropped_sequences.push(seq.oid);
        }
        self.changed_tables.insert(table.oid);
        self.retired_keyspaces.push(table.keyspace.clone());
        self.retired_keyspaces.extend(
            table
                .indexes
                .iter()
                .filter_map(|i| i.own_keyspace().map(str::to_string)),
        );
        self.private_catalog
            .get_or_insert_with(|| (*self.store.committed_catalog()).clone())
            .remove(table.oid);
        Ok(())
    }

    /// SAVEPOINT name: a point ROLLBACK TO can return to. A name used again shadows the
    /// older savepoint, as in PostgreSQL.
    pub fn savepoint(&mut self, name: &str) {
        self.savepoints.push(Savepoint {
            name: name.to_string(),
            undo_len: self.undo.len(),
            private_catalog: self.private_catalog.clone(),
            changed_tables: self.changed_tables.clone(),
            created_len: self.created_keyspaces.len(),
            retired_len: self.retired_keyspaces.len(),
            dropped_sequences_len: self.dropped_sequences.len(),
        });
    }

    fn find_savepoint(&self, name: &str) -> SqlResult<usize> {
        self.savepoints
            .iter()
            .rposition(|s| s.name == name)
            .ok_or_else(|| {
                SqlError::new(
                    SqlState::from_code("3B001"),
                    format!("savepoint \"{name}\" does not exist"),
                )
            })
    }

    /// RELEASE SAVEPOINT name: forgets it and every savepoint opened after it.
    pub fn release_savepoint(&mut self, name: &str) -> SqlResult<()> {
        let position = self.find_savepoint(name)?;
        self.savepoints.truncate(position);
        if self.savepoints.is_empty() {
            self.undo.clear();
        }
        Ok(())
    }

    /// ROLLBACK TO SAVEPOINT name: undoes every write and DDL change made since it. The
    /// savepoint stays open. Locks taken since are kept until the transaction ends (a
    /// conservative choice: PostgreSQL releases some of them).
    pub fn rollback_to_savepoint(&mut self, name: &str) -> SqlResult<()> {
        let position = self.find_savepoint(name)?;
        self.savepoints.truncate(position + 1);
        let savepoint = &self.savepoints[position];
        let undo_len = savepoint.undo_len;
        {
            let mut buffer = self.buffer.lock();
            while self.undo.len() > undo_len {
                if let Some((ks, key, state)) = self.undo.pop() {
                    buffer.restore(ks, key, state);
                }
            }
        }
        let savepoint = &self.savepoints[position];
        self.private_catalog = savepoint.private_catalog.clone();
        self.changed_tables = savepoint.changed_tables.clone();
        let created_len = savepoint.created_len;
        self.retired_keyspaces.truncate(savepoint.retired_len);
        self.dropped_sequences
            .truncate(savepoint.dropped_sequences_len);
        // Keyspaces created since the savepoint hold nothing anyone will see.
        for name in self.created_keyspaces.split_off(created_len) {
            if let Some(id) = self.store.engine.keyspace_id(&name)
                && let Err(e) = self.store.engine.drop_keyspace(id)
            {
                tracing::warn!(keyspace = %name, error = %e, "could not drop keyspace");
            }
        }
        Ok(())
    }

    pub fn has_writes(&self) -> bool {
        !self.buffer.lock().is_empty()
    }

    /// Makes every write durable and visible at once, then releases the locks.
    pub fn commit(mut self) -> SqlResult<()> {
        let result = self.commit_inner();
        self.finish(result.is_ok());
        result
    }

    /// [`Transaction::commit`] for a task: the same commit, awaiting the group commit
    /// (`Engine::write_async`) instead of blocking the thread on it. The locks are held until
    /// the writes are durable and visible, as with `commit`.
    pub async fn commit_async(mut self) -> SqlResult<()> {
        let Some(batch) = self.commit_batch() else {
            self.finish(true);
            return Ok(());
        };
        let commit = self.store.engine.write_async(batch);
        CommitInFlight {
            txn: &mut self,
            commit,
        }
        .await
    }

    fn commit_inner(&mut self) -> SqlResult<()> {
        if let Some(batch) = self.commit_batch() {
            self.store.engine.write(batch).map_err(storage_error)?;
            self.publish_catalog();
        }
        Ok(())
    }

    /// Every buffered write as one batch to commit; None if there is nothing to write.
    fn commit_batch(&mut self) -> Option<WriteBatch> {
        let mut buffer = self.buffer.lock();
        if buffer.is_empty() {
            return None;
        }
        // The buffer's size covers every key and value plus more than an operation's
        // framing: one allocation for the whole batch. Growing it by doubling faulted in
        // fresh pages for every copy of a 1,000-row INSERT's batch.
        let mut batch = WriteBatch::with_capacity(buffer.size_bytes());
        for (ks, key, value) in buffer.drain_latest() {
            match value {
                Some(v) => batch.put(ks, &key, &v),
                None => batch.delete(ks, &key),
            }
        }
        batch.set_sync(self.sync_commit);
        Some(batch)
    }

    /// After a commit: the catalog the transaction's DDL changed becomes everyone's.
    fn publish_catalog(&self) {
        if let Some(private) = &self.private_catalog {
            self.store.publish_catalog(&self.changed_tables, private);
        }
    }

    /// Discards every write and releases the locks.
    pub fn rollback(mut self) {
        self.finish(false);
    }

    fn finish(&mut self, committed: bool) {
        if self.finished {
            return;
        }
        self.finished = true;
        let engine = &self.store.engine;
        let to_drop = if committed {
            for oid in &self.dropped_sequences {
                self.store.sequences.forget(*oid);
            }
            std::mem::take(&mut self.retired_keyspaces)
        } else {
            std::mem::take(&mut self.created_keyspaces)
        };
        for name in to_drop {
            if let Some(id) = engine.keyspace_id(&name) {
                // A failure here leaves an orphan keyspace that the next start drops.
                if let Err(e) = engine.drop_keyspace(id) {
                    tracing::warn!(keyspace = %name, error = %e, "could not drop keyspace");
                }
            }
        }
        let held = std::mem::take(&mut *self.held_locks.lock());
        self.store.locks.release(self.id, &held);
    }
}

/// A transaction's commit being awaited. It ends the transaction when the commit resolves,
/// and if it is dropped first (its task cancelled), it waits for the commit's outcome before
/// ending it: releasing the row locks while the write may still become visible would let
/// another writer insert the same key unseen.
struct CommitInFlight<'t> {
    txn: &'t mut Transaction,
    commit: CommitFuture,
}

impl CommitInFlight<'_> {
    fn end(&mut self, result: embeddb_storage::Result<SeqNo>) -> SqlResult<()> {
        let result = result
            .map(|_| self.txn.publish_catalog())
            .map_err(storage_error);
        self.txn.finish(result.is_ok());
        result
    }
}

impl Future for CommitInFlight<'_> {
    type Output = SqlResult<()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<SqlResult<()>> {
        match Pin::new(&mut self.commit).poll(cx) {
            Poll::Ready(result) => Poll::Ready(self.end(result)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Drop for CommitInFlight<'_> {
    fn drop(&mut self) {
        if !self.txn.finished {
            let result = self.commit.wait();
            let _ = self.end(result);
        }
    }
}

impl Drop for Transaction {
    fn drop(&mut self) {
        // A transaction dropped without COMMIT (a closed connection) rolls back.
        self.finish(false);
    }
}

fn table_record_key(oid: Oid) -> Vec<u8> {
    let mut key = TABLE_RECORD_PREFIX.to_vec();
    key.extend_from_slice(&oid.to_be_bytes());
    key
}

/// What a statement reads: an engine snapshot with the transaction's earlier writes on top.
/// Cheap to clone; owns what it needs, so a streaming cursor can keep it.
#[derive(Clone)]
pub struct ReadView {
    store: Arc<Store>,
    snapshot: Snapshot,
    buffer: Arc<Mutex<WriteBuffer>>,
    view: BufferView,
}

/// How many buffered entries a scan copies out of the write buffer at a time.
const BUFFER_CHUNK_ENTRIES: usize = 256;

impl ReadView {
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    pub fn keyspace(&self, name: &str) -> SqlResult<KeyspaceId> {
        self.store.engine.keyspace_id(name).ok_or_else(|| {
            SqlError::new(
                SqlState::UNDEFINED_TABLE,
                format!("relation storage \"{name}\" does not exist (dropped concurrently?)"),
            )
        })
    }

    pub fn get(&self, keyspace: KeyspaceId, key: &[u8]) -> SqlResult<Option<Vec<u8>>> {
        if let Some(own) = self.buffer.lock().get(keyspace, key, self.view) {
            return Ok(own.clone());
        }
        self.store
            .engine
            .get(keyspace, key, &self.snapshot)
            .map_err(storage_error)
    }

    /// Key-ordered (or reverse) scan of a key range, merging buffered writes over the snapshot.
    pub fn scan(
        &self,
        keyspace: KeyspaceId,
        lower: Bound<Vec<u8>>,
        upper: Bound<Vec<u8>>,
        reverse: bool,
    ) -> SqlResult<MergedScan> {
        let direction = if reverse {
            Direction::Reverse
        } else {
            Direction::Forward
        };
        let engine_iter = self
            .store
            .engine
            .scan(
                keyspace,
                (lower.clone(), upper.clone()),
                &self.snapshot,
                direction,
            )
            .map_err(storage_error)?;
        let buffered = self.buffer.lock().touches(keyspace);
        Ok(MergedScan {
            engine_iter,
            engine_next: None,
            buffer: if buffered {
                Some(self.buffer.clone())
            } else {
                None
            },
            buffer_chunk: std::collections::VecDeque::new(),
            buffer_resume: None,
            buffer_done: !buffered,
            keyspace,
            lower,
            upper,
            reverse,
            view: self.view,
        })
    }

    pub fn prefix_scan(&self, keyspace: KeyspaceId, prefix: &[u8]) -> SqlResult<MergedScan> {
        let upper = match prefix_successor(prefix) {
            Some(s) => Bound::Excluded(s),
            None => Bound::Unbounded,
        };
        self.scan(keyspace, Bound::Included(prefix.to_vec()), upper, false)
    }
}

/// The smallest key greater than every key with this prefix, if there is one.
pub fn prefix_successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut s = prefix.to_vec();
    while let Some(last) = s.pop() {
        if last < 0xff {
            s.push(last + 1);
            return Some(s);
        }
    }
    None
}

/// A scan over engine data with the transaction's buffered writes merged in: a buffered write
/// replaces the engine's version of the same key, and a buffered delete hides it.
pub struct MergedScan {
    engine_iter: ScanIter,
    engine_next: Option<(Vec<u8>, Vec<u8>)>,
    buffer: Option<Arc<Mutex<WriteBuffer>>>,
    buffer_chunk: std::collections::VecDeque<(Vec<u8>, BufferedValue)>,
    /// The last buffered key taken, so the next chunk starts after it.
    buffer_resume: Option<Vec<u8>>,
    buffer_done: bool,
    keyspace: KeyspaceId,
    lower: Bound<Vec<u8>>,
    upper: Bound<Vec<u8>>,
    reverse: bool,
    view: BufferView,
}

impl MergedScan {
    fn fill_buffer_chunk(&mut self) {
        if self.buffer_done || !self.buffer_chunk.is_empty() {
            return;
        }
        let Some(buffer) = &self.buffer else {
            self.buffer_done = true;
            return;
        };
        let (lower, upper) = match (&self.buffer_resume, self.reverse) {
            (None, _) => (as_ref_bound(&self.lower), as_ref_bound(&self.upper)),
            (Some(k), false) => (Bound::Excluded(k.as_slice()), as_ref_bound(&self.upper)),
            (Some(k), true) => (as_ref_bound(&self.lower), Bound::Excluded(k.as_slice())),
        };
        let chunk = buffer.lock().range_chunk(
            self.keyspace,
            lower,
            upper,
            self.reverse,
            self.view,
            BUFFER_CHUNK_ENTRIES,
        );
        if chunk.len() < BUFFER_CHUNK_ENTRIES {
            self.buffer_done = true;
        }
        if let Some((k, _)) = chunk.last() {
            self.buffer_resume = Some(k.clone());
        }
        self.buffer_chunk.extend(chunk);
    }

    /// True if key `a` comes before key `b` in the scan's direction.
    fn before(&self, a: &[u8], b: &[u8]) -> bool {
        if self.reverse { a > b } else { a < b }
    }
}

fn as_ref_bound(b: &Bound<Vec<u8>>) -> Bound<&[u8]> {
    match b {
        Bound::Included(k) => Bound::Included(k.as_slice()),
        Bound::Excluded(k) => Bound::Excluded(k.as_slice()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

impl Iterator for MergedScan {
    type Item = SqlResult<(Vec<u8>, Vec<u8>)>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.engine_next.is_none() {
                match self.engine_iter.next() {
                    Some(Ok(kv)) => self.engine_next = Some(kv),
                    Some(Err(e)) => return Some(Err(storage_error(e))),
                    None => {}
                }
            }
            self.fill_buffer_chunk();
            let take_buffer = match (&self.engine_next, self.buffer_chunk.front()) {
                (None, None) => return None,
                (Some(_), None) => false,
                (None, Some(_)) => true,
                (Some((ek, _)), Some((bk, _))) => {
                    if ek == bk {
                        // The transaction's own write supersedes the snapshot's version.
                        self.engine_next = None;
                        true
                    } else {
                        self.before(bk, ek)
                    }
                }
            };
            if take_buffer {
                let Some((key, value)) = self.buffer_chunk.pop_front() else {
                    continue;
                };
                match value {
                    Some(v) => return Some(Ok((key, v))),
                    None => continue,
                }
            }
            if let Some(kv) = self.engine_next.take() {
                return Some(Ok(kv));
            }
        }
    }
}
