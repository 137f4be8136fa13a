//! EmbedDB's storage engine: a crash-safe LSM key-value store with many ordered keyspaces
//! sharing one write-ahead log, atomic write batches stamped with sequence numbers, MVCC
//! snapshots, group commit, background flush and leveled compaction, checkpoints, snapshot
//! export/restore, a data-directory lock and metrics. It knows nothing of SQL.
//!
//! Module map (each file owns one thing):
//! - [`engine`](crate::Engine): the handle, recovery, keyspaces, reads;
//! - `commit`: group commit, write stalls; `wal`: WAL segments; `record`: checksummed framing;
//! - `memtable`, `version` (read views), `scan` (merging iterators), `snapshot`;
//! - `sstable` (`block`, `writer`, `reader`), `bloom`, `cache` (block cache);
//! - `manifest`, `recovery`, `flush` (and WAL retirement), `checkpoint`, `compaction`, `export`;
//! - `ingest`: bulk loads as SSTs added atomically under one seqno;
//! - `fs` (the file-system seam), `sim_fs` (a crash-simulating file system for tests);
//! - `options`, `metrics`, `error`, `batch`, `coding`.
//!
//! See `docs/storage.md` for the formats, recovery rules and durability promise.

mod batch;
mod bloom;
mod cache;
mod checkpoint;
mod coding;
mod commit;
mod compaction;
mod engine;
mod error;
mod export;
mod flush;
pub mod fs;
mod hash;
mod ingest;
mod manifest;
mod memtable;
mod metrics;
mod options;
mod record;
mod recovery;
mod scan;
pub mod sim_fs;
mod snapshot;
mod sstable;
mod version;
mod wal;
mod wal_sync;

pub use batch::WriteBatch;
pub use commit::CommitFuture;
pub use engine::{Engine, Entry};
pub use error::{Error, Result};
pub use ingest::{IngestFile, IngestWriter};
pub use metrics::{KeyspaceMetrics, LevelMetrics, Metrics};
pub use options::{Limits, Options};
pub use scan::{Direction, ScanIter};
pub use snapshot::Snapshot;

/// A sequence number: every committed batch gets the next one; snapshots read at one.
pub type SeqNo = u64;

/// Identifies a keyspace. Ids are never reused, even after a drop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyspaceId(pub u32);

#[cfg(test)]
mod assert_traits {
    fn send_sync_static<T: Send + Sync + 'static>() {}
    fn send_static<T: Send + 'static>() {}

    #[test]
    fn public_types_are_thread_safe() {
        send_sync_static::<crate::Engine>();
        send_sync_static::<crate::Snapshot>();
        send_sync_static::<crate::Error>();
        send_static::<crate::ScanIter>();
    }
}
