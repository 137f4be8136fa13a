//! Opening a database: read CURRENT and the manifest, open every live SST, replay the WAL
//! segments oldest first (skipping what each keyspace already flushed), remove files that
//! interrupted operations left behind, write a fresh manifest, and start a new WAL segment.
//! A crash during recovery itself is safe: nothing is deleted before the state that makes it
//! unnecessary is durable, and the old manifest goes only after CURRENT names the new one.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use parking_lot::{Mutex, RwLock};

use crate::batch::decode_ops;
use crate::cache::BlockCache;
use crate::engine::{
    Background, CommitState, Core, KeyspaceMap, SealedSegment, freeze, new_keyspace,
};
use crate::error::IoContext;
use crate::manifest::{self, Manifest, ManifestState};
use crate::metrics::Counters;
use crate::options::Options;
use crate::snapshot::SnapshotRegistry;
use crate::sstable::reader::Table;
use crate::sstable::{parse_table_name, table_file_name};
use crate::version::Levels;
use crate::wal::{self, WalWriter};
use crate::{Error, KeyspaceId, Result, SeqNo};

/// Opens the database: reads the manifest, opens the SSTs, replays the WAL, removes files
/// left over by interrupted operations, writes a fresh manifest and starts a new WAL segment.
pub(crate) fn recover(dir: &Path, opts: Options) -> Result<Core> {
    let fs = opts.fs.clone();
    let names = fs.list(dir).ctx("list", dir)?;
    let current = manifest::read_current(fs.as_ref(), dir)?;
    let mut state = match current {
        Some(n) => manifest::recover(fs.as_ref(), dir, n)?,
        None => {
            if names
                .iter()
                .any(|n| parse_table_name(n).is_some() || wal::parse_segment_name(n).is_some())
            {
                return Err(Error::corruption(
                    dir.join("CURRENT"),
                    0,
                    "CURRENT is missing but the directory holds data files",
                ));
            }
            ManifestState::default()
        }
    };
    let max_seen = names
        .iter()
        .filter_map(|n| {
            parse_table_name(n)
                .or_else(|| wal::parse_segment_name(n))
                .or_else(|| manifest::parse_manifest_name(n))
                .or_else(|| n.strip_suffix(".sst.tmp").and_then(|s| s.parse().ok()))
        })
        .max()
        .unwrap_or(0);
    let next_file_number = AtomicU64::new(state.next_file_number.max(max_seen + 1));
    let cache = Arc::new(BlockCache::new(opts.block_cache_size_bytes));

    // Open every live table.
    let mut map = KeyspaceMap::default();
    let mut flushed: HashMap<KeyspaceId, SeqNo> = HashMap::new();
    for (id, ksm) in &state.keyspaces {
        let mut added = Vec::new();
        for (level, files) in ksm.levels.iter().enumerate() {
            for meta in files.values() {
                let path = dir.join(table_file_name(meta.number));
                let t = Table::open(fs.clone(), path, meta.clone(), cache.clone())?;
                added.push((level, Arc::new(t)));
            }
        }
        let levels = Levels::empty().edit(&[], added);
        let ks = Arc::new(new_keyspace(KeyspaceId(*id), ksm.name.clone(), levels));
        map.by_name.insert(ksm.name.clone(), ks.id);
        map.by_id.insert(ks.id, ks);
        flushed.insert(KeyspaceId(*id), ksm.flushed_seqno);
    }

    // Replay the WAL, oldest segment first.
    let mut segments: Vec<u64> = names
        .iter()
        .filter_map(|n| wal::parse_segment_name(n))
        .collect();
    segments.sort_unstable();
    let mut last_seqno = state.last_seqno;
    let mut sealed = BTreeMap::new();
    let mut replayed_batches = 0u64;
    let mut prev_wal_seqno: Option<SeqNo> = None;
    for (i, &n) in segments.iter().enumerate() {
        let path = dir.join(wal::segment_file_name(n));
        let is_last = i + 1 == segments.len();
        let mut prev_seqno = None::<SeqNo>;
        let r = wal::replay_segment(fs.as_ref(), &path, n, is_last, |seqno, data| {
            if prev_seqno.is_some_and(|p| seqno <= p) {
                return Err(Error::corruption(
                    &path,
                    0,
                    "sequence numbers go backwards across segments",
                ));
            }
            // Freeze full memtables between batches, never inside one, as of the previous
            // batch in the log: the manifest's last seqno may be higher (another keyspace
            // flushed later batches), and claiming it would hide this keyspace's later
            // batches behind a flushed seqno they never reached.
            if let Some(prev) = prev_wal_seqno {
                for ks in map.by_id.values() {
                    if ks.current().active.size_bytes() >= opts.memtable_size_bytes {
                        freeze(ks, prev);
                    }
                }
            }
            prev_seqno = Some(seqno);
            prev_wal_seqno = Some(seqno);
            let ops = decode_ops(data).map_err(|r| Error::corruption(&path, 0, r))?;
            for op in ops {
                let Some(ks) = map.by_id.get(&op.ks) else {
                    continue; // dropped keyspace
                };
                if seqno <= flushed.get(&op.ks).copied().unwrap_or(0) {
                    continue; // already in its SSTs
                }
                ks.current().active.insert(op.key, seqno, op.value);
            }
            last_seqno = last_seqno.max(seqno);
            replayed_batches += 1;
            Ok(())
        })?;
        // Valid bytes, not the file length: segments are preallocated with zeros.
        let size_bytes = r.valid_len;
        if size_bytes == 0 {
            // A segment whose creation was interrupted before its header was durable.
            fs.remove(&path).ctx("remove", &path)?;
            fs.sync_dir(dir).ctx("fsync dir", dir)?;
            continue;
        }
        sealed.insert(
            n,
            SealedSegment {
                max_seqno: r.max_seqno.unwrap_or(0),
                size_bytes,
            },
        );
    }
    if replayed_batches > 0 {
        tracing::info!(batches = replayed_batches, last_seqno, "replayed the WAL");
    }

    // Remove what interrupted operations left behind.
    let live_tables: std::collections::HashSet<u64> = state
        .keyspaces
        .values()
        .flat_map(|k| k.levels.iter().flat_map(|l| l.keys().copied()))
        .collect();
    for name in &names {
        let orphan = match parse_table_name(name) {
            Some(n) => !live_tables.contains(&n),
            None => {
                name.ends_with(".tmp")
                    || manifest::parse_manifest_name(name).is_some_and(|n| Some(n) != current)
            }
        };
        if orphan {
            let p = dir.join(name);
            tracing::info!(file = %p.display(), "removing a file left by an interrupted operation");
            fs.remove(&p).ctx("remove", &p)?;
        }
    }

    // A fresh manifest holding the whole state, then the old one goes.
    state.last_seqno = last_seqno;
    state.next_file_number = next_file_number.load(Ordering::Relaxed) + 2;
    let manifest_number = next_file_number.fetch_add(1, Ordering::Relaxed);
    let manifest = Manifest::create(fs.as_ref(), dir, manifest_number, state)?;
    if let Some(old) = current {
        let p = dir.join(manifest::manifest_file_name(old));
        fs.remove(&p).ctx("remove", &p)?;
    }
    let wal = WalWriter::create(
        fs.as_ref(),
        dir,
        next_file_number.fetch_add(1, Ordering::Relaxed),
        opts.wal_preallocate_bytes,
    )?;
    let active_wal_bytes = AtomicU64::new(wal.size_bytes());
    Ok(Core {
        dir: dir.to_owned(),
        fs,
        queue: Mutex::new(VecDeque::new()),
        committer: Default::default(),
        commit: Mutex::new(CommitState {
            wal,
            last_seqno,
            buf: Vec::new(),
            checkpoint_target: None,
            // Only an engine that fsyncs and may overlap needs the thread.
            sync_thread: if opts.sync && opts.overlap_apply_min_bytes < usize::MAX {
                crate::wal_sync::SyncThread::start()
            } else {
                None
            },
        }),
        visible: AtomicU64::new(last_seqno),
        active_wal_bytes,
        keyspaces: RwLock::new(map),
        manifest: Mutex::new(manifest),
        snapshots: Arc::new(SnapshotRegistry::default()),
        poison: Mutex::new(None),
        poisoned: AtomicBool::new(false),
        closed: AtomicBool::new(false),
        sealed_segments: Mutex::new(sealed),
        next_file_number,
        cache,
        counters: Counters::default(),
        bg: Background::default(),
        flush_lock: Mutex::new(()),
        compaction_lock: Mutex::new(()),
        compact_pointers: Mutex::new(HashMap::new()),
        opts,
    })
}
