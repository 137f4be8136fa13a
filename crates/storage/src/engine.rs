//! [`Engine`]: the public handle, the shared [`Core`] state, opening and recovery, keyspace
//! management, reads, metrics, and shutdown. Writing lives in `commit.rs`, flushing and WAL
//! retirement in `flush.rs`, compaction in `compaction.rs`, checkpoints in `checkpoint.rs`,
//! export/restore in `export.rs`.
//!
//! Lock order (never taken the other way): commit mutex → keyspace map → manifest mutex →
//! a keyspace's super-version lock. The flusher and compactor never take the commit mutex, so
//! a writer stalled under it waiting for them cannot deadlock.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;

use parking_lot::{Condvar, Mutex, RwLock};

use crate::batch::WriteBatch;
use crate::cache::BlockCache;
use crate::commit::{CommitFuture, Committer, PendingWrite};
use crate::error::IoContext;
use crate::fs::{FileLock, FileSystem};
use crate::manifest::{self, Manifest, VersionEdit};
use crate::memtable::Memtable;
use crate::metrics::{self, Counters, KeyspaceMetrics, LevelMetrics, Metrics};
use crate::options::Options;
use crate::scan::{Direction, ScanIter, prefix_successor};
use crate::snapshot::{Snapshot, SnapshotRegistry};
use crate::sstable::reader::Table;
use crate::sstable::table_file_name;
use crate::version::{Levels, SuperVersion};
use crate::wal::WalWriter;
use crate::{Error, KeyspaceId, Result, SeqNo};

/// The newest version of a key at a snapshot, as `get_entry` returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Seqno of the batch that wrote this version.
    pub seqno: SeqNo,
    /// The value, or `None` if the version is a delete (tombstone).
    pub value: Option<Vec<u8>>,
}

/// One keyspace's in-memory state.
pub(crate) struct Keyspace {
    pub id: KeyspaceId,
    pub name: String,
    pub sv: RwLock<Arc<SuperVersion>>,
    /// Set (under the manifest mutex) once the drop is durable.
    pub dropped: AtomicBool,
}

impl Keyspace {
    pub(crate) fn current(&self) -> Arc<SuperVersion> {
        self.sv.read().clone()
    }

    /// Replaces the super version with `f(current)` atomically.
    pub(crate) fn update(&self, f: impl FnOnce(&SuperVersion) -> SuperVersion) {
        let mut g = self.sv.write();
        let next = f(&g);
        *g = Arc::new(next);
    }

    /// Lowest seqno held in any of its memtables (what it pins in the WAL).
    pub(crate) fn oldest_unflushed_seqno(&self) -> Option<SeqNo> {
        let sv = self.current();
        std::iter::once(&sv.active)
            .chain(sv.immutables.iter())
            .filter_map(|m| m.min_seqno())
            .min()
    }
}

#[derive(Default)]
pub(crate) struct KeyspaceMap {
    pub by_id: crate::hash::FastMap<KeyspaceId, Arc<Keyspace>>,
    pub by_name: HashMap<String, KeyspaceId>,
}

/// State owned by the group-commit leader.
pub(crate) struct CommitState {
    pub wal: WalWriter,
    /// Last seqno assigned (== visible once the group is applied).
    pub last_seqno: SeqNo,
    pub buf: Vec<u8>,
    /// Set while an auto-checkpoint's frozen memtables are still being flushed.
    pub checkpoint_target: Option<SeqNo>,
    /// Syncs the WAL while the leader applies a large group (None: the OS gave no thread, and
    /// every group is synced, then applied).
    pub sync_thread: Option<crate::wal_sync::SyncThread>,
}

/// A WAL segment no longer written to.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SealedSegment {
    pub max_seqno: SeqNo,
    pub size_bytes: u64,
}

#[derive(Default)]
pub(crate) struct BgState {
    pub flush_requested: bool,
    pub compaction_requested: bool,
    pub shutdown: bool,
}

/// Wake-ups for the background threads and for writers waiting on them.
#[derive(Default)]
pub(crate) struct Background {
    pub state: Mutex<BgState>,
    pub flush_cv: Condvar,
    pub compaction_cv: Condvar,
    /// Notified whenever a flush or compaction finishes (stalled writers wait here).
    pub done_cv: Condvar,
}

/// Everything shared between handles, background threads and iterators.
pub(crate) struct Core {
    pub dir: PathBuf,
    pub opts: Options,
    pub fs: Arc<dyn FileSystem>,
    /// Writers waiting to commit, front = current leader. Bounded by the number of threads
    /// calling `write`: each entry is a blocked caller.
    pub queue: Mutex<VecDeque<Arc<PendingWrite>>>,
    pub committer: Committer,
    pub commit: Mutex<CommitState>,
    pub visible: AtomicU64,
    /// Size of the active WAL segment, mirrored for metrics (which must not wait for a leader).
    pub active_wal_bytes: AtomicU64,
    pub keyspaces: RwLock<KeyspaceMap>,
    pub manifest: Mutex<Manifest>,
    pub snapshots: Arc<SnapshotRegistry>,
    pub poison: Mutex<Option<Arc<Error>>>,
    pub poisoned: AtomicBool,
    pub closed: AtomicBool,
    pub sealed_segments: Mutex<BTreeMap<u64, SealedSegment>>,
    pub next_file_number: AtomicU64,
    pub cache: Arc<BlockCache>,
    pub counters: Counters,
    pub bg: Background,
    /// One flush at a time (they must run oldest first per keyspace).
    pub flush_lock: Mutex<()>,
    /// One compaction at a time: no two compactions can pick the same files.
    pub compaction_lock: Mutex<()>,
    /// Per (keyspace, level): where the last compaction of that level ended, so successive
    /// compactions walk the key space round-robin.
    pub compact_pointers: Mutex<HashMap<(KeyspaceId, usize), Vec<u8>>>,
}

impl Core {
    /// Fails if writes are no longer possible.
    pub(crate) fn check_writable(&self) -> Result<()> {
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::Closed);
        }
        if self.poisoned.load(Ordering::Acquire)
            && let Some(cause) = self.poison.lock().clone()
        {
            return Err(Error::ReadOnly { cause });
        }
        Ok(())
    }

    /// Makes the engine read-only because of `e` (the first cause is kept) and returns `e`.
    pub(crate) fn poison(&self, e: Error) -> Error {
        let mut p = self.poison.lock();
        if p.is_none() {
            tracing::error!(error = %e, "storage engine failure; the engine is now read-only");
            *p = Some(Arc::new(e.clone()));
            self.poisoned.store(true, Ordering::Release);
        }
        drop(p);
        self.bg.done_cv.notify_all();
        e
    }

    pub(crate) fn keyspace(&self, id: KeyspaceId) -> Result<Arc<Keyspace>> {
        self.keyspaces
            .read()
            .by_id
            .get(&id)
            .cloned()
            .ok_or(Error::KeyspaceNotFound { id })
    }

    pub(crate) fn live_keyspaces(&self) -> Vec<Arc<Keyspace>> {
        self.keyspaces.read().by_id.values().cloned().collect()
    }

    pub(crate) fn new_file_number(&self) -> u64 {
        self.next_file_number.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn request_flush(&self) {
        self.bg.state.lock().flush_requested = true;
        self.bg.flush_cv.notify_one();
    }

    pub(crate) fn request_compaction(&self) {
        self.bg.state.lock().compaction_requested = true;
        self.bg.compaction_cv.notify_one();
    }

    pub(crate) fn notify_done(&self) {
        let _g = self.bg.state.lock();
        self.bg.done_cv.notify_all();
    }

    pub(crate) fn open_table(&self, meta: manifest::FileMeta) -> Result<Arc<Table>> {
        let path = self.dir.join(table_file_name(meta.number));
        Ok(Arc::new(Table::open(
            self.fs.clone(),
            path,
            meta,
            self.cache.clone(),
        )?))
    }

    fn get_entry(&self, id: KeyspaceId, key: &[u8], snap: &Snapshot) -> Result<Option<Entry>> {
        let ks = self.keyspace(id)?;
        let sv = ks.current();
        let s = snap.seqno();
        let found = std::iter::once(&sv.active)
            .chain(sv.immutables.iter().rev())
            .find_map(|m| m.get(key, s));
        let found = match found {
            Some(f) => Some(f),
            None => sv.levels.get(key, crate::bloom::hash64(key), s)?,
        };
        Ok(found.map(|(seqno, value)| Entry { seqno, value }))
    }
}

/// The storage engine. Cheap to clone (an `Arc` inside); `Send + Sync`.
#[derive(Clone)]
pub struct Engine {
    handle: Arc<Handle>,
}

/// Owns what must be released exactly once: background threads and the directory lock.
struct Handle {
    core: Arc<Core>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    lock: Mutex<Option<Box<dyn FileLock>>>,
}

impl Handle {
    fn shutdown(&self) -> Result<()> {
        let core = &self.core;
        let already = core.closed.swap(true, Ordering::AcqRel);
        {
            let mut st = core.bg.state.lock();
            st.shutdown = true;
            core.bg.flush_cv.notify_all();
            core.bg.compaction_cv.notify_all();
            core.bg.done_cv.notify_all();
        }
        // After `closed` is set: a group led from now on fails at once wherever it is led.
        core.committer.shutdown();
        for t in self.threads.lock().drain(..) {
            if t.join().is_err() {
                tracing::error!("a storage background thread panicked");
            }
        }
        let mut result = Ok(());
        if !already && !core.poisoned.load(Ordering::Acquire) {
            // Commits made without fsync become durable at a clean close.
            let mut cs = core.commit.lock();
            if let Err(e) = cs.wal.sync() {
                result = Err(core.poison(e));
            }
        }
        self.lock.lock().take();
        result
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        if let Err(e) = self.shutdown() {
            tracing::error!(error = %e, "error while closing the storage engine");
        }
    }
}

const LOCK_FILE: &str = "LOCK";

impl Engine {
    /// Opens (creating if needed) the database in `dir`, recovering from the manifest and WAL.
    /// Takes an exclusive lock on `dir/LOCK` for the life of the engine; a second open fails
    /// at once with [`Error::Locked`].
    pub fn open(dir: &Path, opts: Options) -> Result<Engine> {
        opts.validate()?;
        let fs = opts.fs.clone();
        fs.create_dir_all(dir).ctx("create dir", dir)?;
        let lock_path = dir.join(LOCK_FILE);
        let lock = fs.lock(&lock_path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::WouldBlock {
                Error::Locked {
                    dir: dir.to_owned(),
                }
            } else {
                Error::io("lock", &lock_path, e)
            }
        })?;
        let core = Arc::new(crate::recovery::recover(dir, opts)?);
        let handle = Arc::new(Handle {
            core: core.clone(),
            threads: Mutex::new(Vec::new()),
            lock: Mutex::new(Some(lock)),
        });
        let spawn = |name: &str, f: fn(Arc<Core>)| {
            let c = core.clone();
            std::thread::Builder::new()
                .name(name.to_owned())
                .spawn(move || f(c))
                .map_err(|e| Error::io("spawn thread", dir, e))
        };
        let flusher = spawn("embeddb-flush", crate::flush::flusher_loop)?;
        handle.threads.lock().push(flusher);
        let compactor = spawn("embeddb-compact", crate::compaction::compactor_loop)?;
        handle.threads.lock().push(compactor);
        let committer = spawn("embeddb-commit", crate::commit::committer_loop)?;
        handle.threads.lock().push(committer);
        core.request_flush();
        core.request_compaction();
        Ok(Engine { handle })
    }

    pub(crate) fn core(&self) -> &Arc<Core> {
        &self.handle.core
    }

    /// Creates a keyspace (durably). Fails with [`Error::KeyspaceExists`] if the name is taken.
    pub fn create_keyspace(&self, name: &str) -> Result<KeyspaceId> {
        let core = self.core();
        let limits = &core.opts.limits;
        if name.is_empty() {
            return Err(Error::InvalidArgument {
                reason: "keyspace name must not be empty".into(),
            });
        }
        if name.len() > limits.max_keyspace_name_bytes {
            return Err(Error::LimitExceeded {
                what: "keyspace name",
                limit_bytes: limits.max_keyspace_name_bytes as u64,
                actual_bytes: name.len() as u64,
            });
        }
        let _cs = core.commit.lock();
        core.check_writable()?;
        let mut map = core.keyspaces.write();
        if map.by_name.contains_key(name) {
            return Err(Error::KeyspaceExists {
                name: name.to_owned(),
            });
        }
        if map.by_id.len() >= limits.max_keyspaces {
            return Err(Error::InvalidArgument {
                reason: format!("too many keyspaces (limit {})", limits.max_keyspaces),
            });
        }
        let mut man = core.manifest.lock();
        let id = man.state.next_keyspace_id;
        let edit = VersionEdit {
            created: vec![(id, name.to_owned())],
            next_keyspace_id: Some(id + 1),
            ..VersionEdit::default()
        };
        man.log_and_apply(&edit).map_err(|e| core.poison(e))?;
        let ks = Arc::new(new_keyspace(
            KeyspaceId(id),
            name.to_owned(),
            Levels::empty(),
        ));
        map.by_id.insert(ks.id, ks);
        map.by_name.insert(name.to_owned(), KeyspaceId(id));
        Ok(KeyspaceId(id))
    }

    /// The id of the keyspace called `name`.
    pub fn keyspace_id(&self, name: &str) -> Option<KeyspaceId> {
        self.core().keyspaces.read().by_name.get(name).copied()
    }

    /// All keyspaces, sorted by name.
    pub fn keyspaces(&self) -> Vec<(String, KeyspaceId)> {
        let map = self.core().keyspaces.read();
        let mut v: Vec<(String, KeyspaceId)> =
            map.by_name.iter().map(|(n, id)| (n.clone(), *id)).collect();
        v.sort();
        v
    }

    /// Drops a keyspace (durably) and frees its files once no reader uses them.
    pub fn drop_keyspace(&self, id: KeyspaceId) -> Result<()> {
        let core = self.core();
        let _cs = core.commit.lock();
        core.check_writable()?;
        let mut map = core.keyspaces.write();
        let ks = map
            .by_id
            .get(&id)
            .cloned()
            .ok_or(Error::KeyspaceNotFound { id })?;
        let mut man = core.manifest.lock();
        let edit = VersionEdit {
            dropped: vec![id.0],
            ..VersionEdit::default()
        };
        man.log_and_apply(&edit).map_err(|e| core.poison(e))?;
        ks.dropped.store(true, Ordering::Release);
        map.by_id.remove(&id);
        map.by_name.remove(&ks.name);
        let sv = ks.current();
        for level in &sv.levels.levels {
            for t in level {
                t.mark_obsolete();
            }
        }
        ks.update(|_| SuperVersion {
            active: Arc::new(Memtable::new()),
            immutables: Vec::new(),
            levels: Arc::new(Levels::empty()),
        });
        drop(man);
        drop(map);
        Ok(())
    }

    /// Commits `batch` atomically under one new seqno and returns it. Returns once the batch is
    /// durable (unless sync is off for the engine or the batch) and visible to new snapshots.
    pub fn write(&self, batch: WriteBatch) -> Result<SeqNo> {
        self.core().write(batch)
    }

    /// [`Engine::write`] awaited instead of blocking the calling thread: for async callers,
    /// whose groups the engine's committer thread leads. The write happens even if the future
    /// is dropped before it resolves.
    pub fn write_async(&self, batch: WriteBatch) -> CommitFuture {
        self.core().write_async(batch)
    }

    /// A snapshot of everything committed so far.
    pub fn snapshot(&self) -> Snapshot {
        let core = self.core();
        core.snapshots.acquire(&core.visible)
    }

    /// The value of `key` at `snap` (`None` if absent or deleted).
    pub fn get(&self, ks: KeyspaceId, key: &[u8], snap: &Snapshot) -> Result<Option<Vec<u8>>> {
        Ok(self.core().get_entry(ks, key, snap)?.and_then(|e| e.value))
    }

    /// The newest version of `key` at `snap`, tombstones included (for conflict checks).
    pub fn get_entry(&self, ks: KeyspaceId, key: &[u8], snap: &Snapshot) -> Result<Option<Entry>> {
        self.core().get_entry(ks, key, snap)
    }

    /// Iterates the keys in `range` visible at `snap`, in `direction`.
    pub fn scan(
        &self,
        ks: KeyspaceId,
        range: (Bound<Vec<u8>>, Bound<Vec<u8>>),
        snap: &Snapshot,
        direction: Direction,
    ) -> Result<ScanIter> {
        let ks = self.core().keyspace(ks)?;
        let sv = ks.current();
        Ok(ScanIter::new(&sv, range.0, range.1, snap, direction))
    }

    /// Iterates the keys starting with `prefix`.
    pub fn prefix_scan(
        &self,
        ks: KeyspaceId,
        prefix: &[u8],
        snap: &Snapshot,
        direction: Direction,
    ) -> Result<ScanIter> {
        let upper = match prefix_successor(prefix) {
            Some(s) => Bound::Excluded(s),
            None => Bound::Unbounded,
        };
        self.scan(
            ks,
            (Bound::Included(prefix.to_vec()), upper),
            snap,
            direction,
        )
    }

    /// The last committed seqno.
    pub fn latest_seqno(&self) -> SeqNo {
        self.core().visible.load(Ordering::Acquire)
    }

    /// Flushes every memtable to SSTs and waits.
    pub fn flush(&self) -> Result<()> {
        self.core().flush_all(false)
    }

    /// Compacts every file of the keyspace into its bottom level and waits.
    pub fn compact(&self, ks: KeyspaceId) -> Result<()> {
        self.core().compact_keyspace(ks)
    }

    /// Checkpoint: flush all memtables, move to a new WAL segment, delete the old ones.
    pub fn checkpoint(&self) -> Result<()> {
        self.core().flush_all(true)
    }

    /// Writes a consistent copy of the database into `dest` (which must be empty or absent)
    /// while the engine keeps serving.
    pub fn export_snapshot(&self, dest: &Path) -> Result<()> {
        self.core().export_snapshot(dest)
    }

    /// Copies an exported snapshot from `src` into `dest`, refusing a non-empty `dest`. Uses
    /// the real file system.
    pub fn restore_snapshot(src: &Path, dest: &Path) -> Result<()> {
        crate::export::restore_snapshot(&crate::fs::StdFs, src, dest)
    }

    /// As [`Engine::restore_snapshot`], through the given file system.
    pub fn restore_snapshot_with(fs: &dyn FileSystem, src: &Path, dest: &Path) -> Result<()> {
        crate::export::restore_snapshot(fs, src, dest)
    }

    /// A picture of the engine's counters and shape.
    pub fn metrics(&self) -> Metrics {
        self.core().metrics()
    }

    /// Bytes a keyspace holds now: memtables plus SSTs (old versions and tombstones
    /// included). The SQL layer estimates table sizes from it for planning.
    pub fn keyspace_size_bytes(&self, ks: KeyspaceId) -> Result<u64> {
        let keyspace = self.core().keyspace(ks)?;
        let sv = keyspace.current();
        let memtables: u64 = sv.active.size_bytes() as u64
            + sv.immutables
                .iter()
                .map(|m| m.size_bytes() as u64)
                .sum::<u64>();
        let levels: u64 = (0..sv.levels.levels.len())
            .map(|level| sv.levels.level_size_bytes(level))
            .sum();
        Ok(memtables + levels)
    }

    /// `Err(ReadOnly)` once a failure poisoned the engine, `Err(Closed)` after close.
    pub fn health(&self) -> Result<()> {
        self.core().check_writable()
    }

    /// Stops background work, syncs the WAL and releases the directory lock.
    pub fn close(self) -> Result<()> {
        self.handle.shutdown()
    }
}

pub(crate) fn new_keyspace(id: KeyspaceId, name: String, levels: Levels) -> Keyspace {
    Keyspace {
        id,
        name,
        sv: RwLock::new(Arc::new(SuperVersion {
            active: Arc::new(Memtable::new()),
            immutables: Vec::new(),
            levels: Arc::new(levels),
        })),
        dropped: AtomicBool::new(false),
    }
}

impl Core {
    fn metrics(&self) -> Metrics {
        let c = &self.counters;
        let mut m = Metrics {
            wal_appends: metrics::get(&c.wal_appends),
            wal_syncs: metrics::get(&c.wal_syncs),
            wal_bytes: metrics::get(&c.wal_bytes),
            wal_segments_deleted: metrics::get(&c.wal_segments_deleted),
            write_batches: metrics::get(&c.write_batches),
            write_groups: metrics::get(&c.write_groups),
            flushes: metrics::get(&c.flushes),
            flush_duration_us: metrics::get(&c.flush_duration_us),
            flush_bytes: metrics::get(&c.flush_bytes),
            compactions: metrics::get(&c.compactions),
            compaction_duration_us: metrics::get(&c.compaction_duration_us),
            compaction_read_bytes: metrics::get(&c.compaction_read_bytes),
            compaction_write_bytes: metrics::get(&c.compaction_write_bytes),
            checkpoints: metrics::get(&c.checkpoints),
            checkpoint_duration_us: metrics::get(&c.checkpoint_duration_us),
            write_stalls: metrics::get(&c.write_stalls),
            write_stall_duration_us: metrics::get(&c.write_stall_duration_us),
            write_slowdowns: metrics::get(&c.write_slowdowns),
            ingested_files: metrics::get(&c.ingested_files),
            block_cache_size_bytes: self.cache.used_bytes() as u64,
            block_cache_hits: self.cache.hits(),
            block_cache_misses: self.cache.misses(),
            visible_seqno: self.visible.load(Ordering::Acquire),
            live_snapshots: self.snapshots.count(),
            oldest_snapshot_seqno: self.snapshots.oldest(),
            read_only: self.poisoned.load(Ordering::Acquire),
            levels: (0..manifest::NUM_LEVELS)
                .map(|level| LevelMetrics {
                    level,
                    ..LevelMetrics::default()
                })
                .collect(),
            ..Metrics::default()
        };
        {
            let sealed = self.sealed_segments.lock();
            m.wal_segments = sealed.len() + 1;
            m.wal_live_size_bytes = sealed.values().map(|s| s.size_bytes).sum();
        }
        m.wal_live_size_bytes += self.active_wal_bytes.load(Ordering::Relaxed);
        let mut kss = self.live_keyspaces();
        kss.sort_by_key(|k| k.id);
        for ks in kss {
            let sv = ks.current();
            let mut km = KeyspaceMetrics {
                id: ks.id.0,
                name: ks.name.clone(),
                memtable_size_bytes: sv.active.size_bytes() as u64,
                immutable_memtables: sv.immutables.len(),
                immutable_memtable_size_bytes: sv
                    .immutables
                    .iter()
                    .map(|m| m.size_bytes() as u64)
                    .sum(),
                pending_compaction_bytes: crate::compaction::pending_compaction_bytes(
                    &self.opts, &sv.levels,
                ),
                levels: Vec::new(),
            };
            for (level, files) in sv.levels.levels.iter().enumerate() {
                let lm = LevelMetrics {
                    level,
                    files: files.len(),
                    size_bytes: sv.levels.level_size_bytes(level),
                };
                m.levels[level].files += lm.files;
                m.levels[level].size_bytes += lm.size_bytes;
                km.levels.push(lm);
            }
            m.memtable_size_bytes += km.memtable_size_bytes;
            m.immutable_memtable_size_bytes += km.immutable_memtable_size_bytes;
            m.pending_compaction_bytes += km.pending_compaction_bytes;
            m.keyspaces.push(km);
        }
        m
    }
}

/// Freezes the keyspace's active memtable (if it holds anything) as of `last_seqno`.
pub(crate) fn freeze(ks: &Keyspace, last_seqno: SeqNo) -> bool {
    let mut frozen = false;
    ks.update(|sv| {
        if sv.active.is_empty() {
            return SuperVersion {
                active: sv.active.clone(),
                immutables: sv.immutables.clone(),
                levels: sv.levels.clone(),
            };
        }
        sv.active.freeze(last_seqno);
        frozen = true;
        let mut immutables = sv.immutables.clone();
        immutables.push(sv.active.clone());
        SuperVersion {
            active: Arc::new(Memtable::new()),
            immutables,
            levels: sv.levels.clone(),
        }
    });
    frozen
}
