//! Engine metrics: live counters updated on the hot paths (relaxed atomics), and [`Metrics`],
//! the plain-data picture returned by `Engine::metrics()` that the SQL layer turns into system
//! views. Durations are cumulative microseconds; sizes are bytes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Counters bumped while the engine runs.
#[derive(Default)]
pub(crate) struct Counters {
    pub wal_appends: AtomicU64,
    pub wal_syncs: AtomicU64,
    pub wal_bytes: AtomicU64,
    pub write_batches: AtomicU64,
    pub write_groups: AtomicU64,
    pub flushes: AtomicU64,
    pub flush_duration_us: AtomicU64,
    pub flush_bytes: AtomicU64,
    pub compactions: AtomicU64,
    pub compaction_duration_us: AtomicU64,
    pub compaction_read_bytes: AtomicU64,
    pub compaction_write_bytes: AtomicU64,
    pub checkpoints: AtomicU64,
    pub checkpoint_duration_us: AtomicU64,
    pub write_stalls: AtomicU64,
    pub write_stall_duration_us: AtomicU64,
    pub write_slowdowns: AtomicU64,
    pub wal_segments_deleted: AtomicU64,
    pub ingested_files: AtomicU64,
}

pub(crate) fn add(c: &AtomicU64, n: u64) {
    c.fetch_add(n, Ordering::Relaxed);
}

pub(crate) fn add_duration(c: &AtomicU64, d: Duration) {
    c.fetch_add(
        u64::try_from(d.as_micros()).unwrap_or(u64::MAX),
        Ordering::Relaxed,
    );
}

pub(crate) fn get(c: &AtomicU64) -> u64 {
    c.load(Ordering::Relaxed)
}

/// Files and bytes in one level.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LevelMetrics {
    /// Level number (0 = freshly flushed, overlapping files).
    pub level: usize,
    /// Number of SST files.
    pub files: usize,
    /// Their total size.
    pub size_bytes: u64,
}

/// Figures for one keyspace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyspaceMetrics {
    /// Keyspace id.
    pub id: u32,
    /// Keyspace name.
    pub name: String,
    /// Bytes in the active memtable.
    pub memtable_size_bytes: u64,
    /// Frozen memtables waiting for flush, and their bytes.
    pub immutable_memtables: usize,
    /// Bytes in frozen memtables.
    pub immutable_memtable_size_bytes: u64,
    /// Per-level files and bytes (every level, empty ones included).
    pub levels: Vec<LevelMetrics>,
    /// Estimated bytes compaction still has to rewrite to bring every level within target.
    pub pending_compaction_bytes: u64,
}

/// A point-in-time picture of the engine.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Metrics {
    /// Group-commit WAL writes (one per group).
    pub wal_appends: u64,
    /// WAL fsyncs.
    pub wal_syncs: u64,
    /// Bytes appended to the WAL.
    pub wal_bytes: u64,
    /// Bytes in live WAL segments (not yet retired).
    pub wal_live_size_bytes: u64,
    /// Live WAL segment files.
    pub wal_segments: usize,
    /// WAL segments deleted after checkpoints and flushes.
    pub wal_segments_deleted: u64,
    /// Write batches committed.
    pub write_batches: u64,
    /// Commit groups (batches per group = write_batches / write_groups).
    pub write_groups: u64,
    /// Memtable flushes, their cumulative duration and bytes written.
    pub flushes: u64,
    /// Cumulative flush time.
    pub flush_duration_us: u64,
    /// SST bytes written by flushes.
    pub flush_bytes: u64,
    /// Compactions run (trivial moves included).
    pub compactions: u64,
    /// Cumulative compaction time.
    pub compaction_duration_us: u64,
    /// Bytes read by compactions.
    pub compaction_read_bytes: u64,
    /// Bytes written by compactions.
    pub compaction_write_bytes: u64,
    /// Checkpoints completed.
    pub checkpoints: u64,
    /// Cumulative checkpoint time.
    pub checkpoint_duration_us: u64,
    /// Write groups that had to wait for flush or compaction.
    pub write_stalls: u64,
    /// Cumulative time writers spent stalled or slowed.
    pub write_stall_duration_us: u64,
    /// Write groups that were slowed down (bounded delay).
    pub write_slowdowns: u64,
    /// SST files added by bulk ingestion (`Engine::ingest`).
    pub ingested_files: u64,
    /// Bytes in all active memtables.
    pub memtable_size_bytes: u64,
    /// Bytes in all immutable memtables.
    pub immutable_memtable_size_bytes: u64,
    /// Files and bytes per level, summed over keyspaces.
    pub levels: Vec<LevelMetrics>,
    /// Pending compaction bytes, summed over keyspaces.
    pub pending_compaction_bytes: u64,
    /// Block cache bytes in use, hits and misses.
    pub block_cache_size_bytes: u64,
    /// Block cache hits.
    pub block_cache_hits: u64,
    /// Block cache misses.
    pub block_cache_misses: u64,
    /// Last committed (visible) sequence number.
    pub visible_seqno: u64,
    /// Live snapshots and the oldest one's seqno.
    pub live_snapshots: usize,
    /// Seqno of the oldest live snapshot.
    pub oldest_snapshot_seqno: Option<u64>,
    /// True once a failure made the engine read-only.
    pub read_only: bool,
    /// Per-keyspace figures.
    pub keyspaces: Vec<KeyspaceMetrics>,
}
