//! [`Options`]: every tunable of the engine, with defaults chosen for a small server, and the
//! hard [`Limits`] on keys, values and batches.

use std::sync::Arc;

use crate::fs::{FileSystem, StdFs};

/// Hard limits. They exist so that one caller cannot make the engine allocate without bound,
/// and so that every length field in the on-disk formats has a known maximum.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Largest key (64 KiB, like the SST block format's practical bound).
    pub max_key_bytes: usize,
    /// Largest value.
    pub max_value_bytes: usize,
    /// Largest encoded write batch; a WAL group is at most a few of these.
    pub max_batch_bytes: usize,
    /// Longest keyspace name.
    pub max_keyspace_name_bytes: usize,
    /// Most keyspaces alive at once.
    pub max_keyspaces: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_key_bytes: 64 * 1024,
            max_value_bytes: 16 * 1024 * 1024,
            max_batch_bytes: 64 * 1024 * 1024,
            max_keyspace_name_bytes: 255,
            max_keyspaces: 100_000,
        }
    }
}

/// Engine configuration. All fields are public; start from `Options::default()`.
#[derive(Clone)]
pub struct Options {
    /// A keyspace's active memtable is frozen (and flushed in the background) at this size.
    pub memtable_size_bytes: usize,
    /// Before a write would push the live WAL past this size, the engine checkpoints: it
    /// freezes every memtable that holds data and starts a new WAL segment; the background
    /// flusher then writes them out and the old segments are deleted.
    pub wal_checkpoint_threshold_bytes: u64,
    /// WAL segments are extended (sparsely, with zeros) this many bytes ahead of their data, so
    /// most commits' fdatasync need not also persist a new file size (measured here: about
    /// twice the synced commits per second). 0 disables it. Recovery treats a zero tail as
    /// never written.
    pub wal_preallocate_bytes: u64,
    /// Target size of SST data blocks before the crc trailer.
    pub block_size_bytes: usize,
    /// Capacity of the shared block cache (LRU by bytes).
    pub block_cache_size_bytes: usize,
    /// Bloom filter bits per key (10 gives about 1% false positives; 0 disables filters).
    pub bloom_bits_per_key: u32,
    /// Number of L0 files in a keyspace that triggers an L0 → L1 compaction.
    pub l0_compaction_trigger: usize,
    /// L0 files at which writers are slowed down.
    pub l0_slowdown_trigger: usize,
    /// L0 files at which writers wait for compaction.
    pub l0_stop_trigger: usize,
    /// Target size of level 1; level n+1 is `level_size_multiplier` times level n.
    pub level_base_size_bytes: u64,
    /// Growth factor between levels.
    pub level_size_multiplier: u64,
    /// Compaction output files are cut at about this size.
    pub target_file_size_bytes: u64,
    /// Immutable memtables per keyspace at which writers wait for the flusher.
    pub max_immutable_memtables: usize,
    /// The delay added to a write group while the engine is in slowdown (bounded: one such
    /// delay per group, never more).
    pub max_write_slowdown_ms: u64,
    /// Whether commits wait for fsync (true) or return once the WAL write reached the OS
    /// (false: bulk-load mode; a power loss can lose recent acknowledged commits, a process
    /// crash cannot).
    pub sync: bool,
    /// A synced commit group of at least this many WAL bytes is applied to the memtables while
    /// the WAL's fsync thread syncs it (it is published only after both finish). Below it,
    /// handing the fsync over costs more than the overlap saves: a 1,000-row INSERT is about
    /// 100 KiB and its memtable work about a third of an fsync here. `usize::MAX` disables the
    /// overlap (and the thread); 0 uses it for every synced group (tests).
    pub overlap_apply_min_bytes: usize,
    /// Hard limits on sizes.
    pub limits: Limits,
    /// The file system everything goes through.
    pub fs: Arc<dyn FileSystem>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            memtable_size_bytes: 64 * 1024 * 1024,
            wal_checkpoint_threshold_bytes: 512 * 1024 * 1024,
            wal_preallocate_bytes: 4 * 1024 * 1024,
            block_size_bytes: 4096,
            block_cache_size_bytes: 64 * 1024 * 1024,
            bloom_bits_per_key: 10,
            l0_compaction_trigger: 4,
            l0_slowdown_trigger: 12,
            l0_stop_trigger: 24,
            level_base_size_bytes: 256 * 1024 * 1024,
            level_size_multiplier: 10,
            target_file_size_bytes: 64 * 1024 * 1024,
            max_immutable_memtables: 4,
            max_write_slowdown_ms: 1,
            sync: true,
            overlap_apply_min_bytes: 64 * 1024,
            limits: Limits::default(),
            fs: Arc::new(StdFs),
        }
    }
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("memtable_size_bytes", &self.memtable_size_bytes)
            .field(
                "wal_checkpoint_threshold_bytes",
                &self.wal_checkpoint_threshold_bytes,
            )
            .field("block_size_bytes", &self.block_size_bytes)
            .field("block_cache_size_bytes", &self.block_cache_size_bytes)
            .field("bloom_bits_per_key", &self.bloom_bits_per_key)
            .field("l0_compaction_trigger", &self.l0_compaction_trigger)
            .field("level_base_size_bytes", &self.level_base_size_bytes)
            .field("sync", &self.sync)
            .field("overlap_apply_min_bytes", &self.overlap_apply_min_bytes)
            .field("fs", &self.fs)
            .finish_non_exhaustive()
    }
}

impl Options {
    /// Rejects settings that would make the engine misbehave.
    pub(crate) fn validate(&self) -> crate::Result<()> {
        let bad = |reason: &str| {
            Err(crate::Error::InvalidArgument {
                reason: reason.to_owned(),
            })
        };
        if self.memtable_size_bytes < 4096 {
            return bad("memtable_size_bytes must be at least 4096");
        }
        if self.block_size_bytes < 256 || self.block_size_bytes > 1024 * 1024 {
            return bad("block_size_bytes must be between 256 and 1 MiB");
        }
        if self.l0_compaction_trigger < 1
            || self.l0_slowdown_trigger < self.l0_compaction_trigger
            || self.l0_stop_trigger < self.l0_slowdown_trigger
        {
            return bad("L0 triggers must satisfy 1 <= compaction <= slowdown <= stop");
        }
        if self.level_size_multiplier < 2 {
            return bad("level_size_multiplier must be at least 2");
        }
        if self.max_immutable_memtables < 1 {
            return bad("max_immutable_memtables must be at least 1");
        }
        if self.wal_preallocate_bytes > 1024 * 1024 * 1024 {
            return bad("wal_preallocate_bytes must be at most 1 GiB");
        }
        if self.bloom_bits_per_key > 64 {
            return bad("bloom_bits_per_key must be at most 64");
        }
        Ok(())
    }
}
