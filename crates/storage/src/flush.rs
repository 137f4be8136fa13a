//! Flushing frozen memtables to L0 SSTs, and retiring WAL segments whose data is all flushed.
//!
//! A flush writes the SST (temp file, fsync, rename, fsync dir), then records it in the
//! manifest together with the keyspace's new flushed seqno (fsynced), and only then removes the
//! memtable from the read path. The WAL segments holding that data are deleted afterwards. A
//! crash at any point leaves either the memtable's data in the WAL (replayed, and an orphan SST
//! deleted at open) or in an SST the manifest names (and the WAL replay skips it).

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use crate::compaction::VersionGc;
use crate::engine::{Core, Keyspace};
use crate::error::IoContext;
use crate::manifest::{MANIFEST_ROLLOVER_BYTES, Manifest, VersionEdit};
use crate::memtable::Memtable;
use crate::metrics::{add, add_duration};
use crate::sstable::writer::TableWriter;
use crate::wal;
use crate::{Result, SeqNo};

/// The flusher thread: waits for requests and flushes frozen memtables oldest first.
pub(crate) fn flusher_loop(core: Arc<Core>) {
    loop {
        {
            let mut st = core.bg.state.lock();
            while !st.flush_requested && !st.shutdown {
                core.bg.flush_cv.wait(&mut st);
            }
            if st.shutdown {
                return;
            }
            st.flush_requested = false;
        }
        if core.poisoned.load(Ordering::Acquire) {
            continue;
        }
        loop {
            if core.closed.load(Ordering::Acquire) {
                return;
            }
            match core.flush_one(None) {
                Ok(true) => core.notify_done(),
                Ok(false) => break,
                Err(e) => {
                    core.poison(e);
                    break;
                }
            }
        }
        if let Err(e) = core.retire_wal_segments() {
            tracing::warn!(error = %e, "could not delete retired WAL segments; will retry");
        }
        core.notify_done();
        core.request_compaction();
    }
}

impl Core {
    /// Flushes the oldest frozen memtable (frozen at or before `limit`, if given). Returns
    /// whether there was one.
    pub(crate) fn flush_one(&self, limit: Option<SeqNo>) -> Result<bool> {
        let _g = self.flush_lock.lock();
        let mut best: Option<(SeqNo, Arc<Keyspace>, Arc<Memtable>)> = None;
        for ks in self.live_keyspaces() {
            let sv = ks.current();
            let Some(m) = sv.immutables.first() else {
                continue;
            };
            let f = m.frozen_at().unwrap_or(0);
            if limit.is_some_and(|l| f > l) {
                continue;
            }
            if best.as_ref().is_none_or(|(bf, _, _)| f < *bf) {
                best = Some((f, ks.clone(), m.clone()));
            }
        }
        let Some((frozen_at, ks, mem)) = best else {
            return Ok(false);
        };
        self.flush_memtable(&ks, &mem, frozen_at)?;
        Ok(true)
    }

    fn flush_memtable(&self, ks: &Keyspace, mem: &Arc<Memtable>, frozen_at: SeqNo) -> Result<()> {
        let start = Instant::now();
        let snapshots = self.snapshots.list_with_visible(&self.visible);
        let number = self.new_file_number();
        let mut w = TableWriter::create(
            self.fs.clone(),
            &self.dir,
            number,
            self.opts.block_size_bytes,
            self.opts.bloom_bits_per_key,
        )?;
        let mut gc = VersionGc::new(&snapshots, false);
        let written = mem.for_each_version(|k, s, v| {
            if gc.keep(k, s, v.is_none()) {
                w.add(k, s, v)?;
            }
            Ok(())
        });
        if let Err(e) = written {
            w.abandon();
            return Err(e);
        }
        let meta = w.finish()?;
        let size = meta.size_bytes;
        let table = self.open_table(meta.clone())?;
        let mut man = self.manifest.lock();
        if ks.dropped.load(Ordering::Acquire) {
            table.mark_obsolete();
            return Ok(());
        }
        let edit = VersionEdit {
            added: vec![(ks.id.0, 0, meta)],
            flushed: vec![(ks.id.0, frozen_at)],
            last_seqno: Some(frozen_at),
            next_file_number: Some(self.next_file_number.load(Ordering::Relaxed)),
            ..VersionEdit::default()
        };
        man.log_and_apply(&edit)?;
        ks.update(|sv| crate::version::SuperVersion {
            active: sv.active.clone(),
            immutables: sv
                .immutables
                .iter()
                .filter(|m| !Arc::ptr_eq(m, mem))
                .cloned()
                .collect(),
            levels: Arc::new(sv.levels.edit(&[], vec![(0, table)])),
        });
        self.maybe_roll_manifest(&mut man)?;
        drop(man);
        add(&self.counters.flushes, 1);
        add(&self.counters.flush_bytes, size);
        add_duration(&self.counters.flush_duration_us, start.elapsed());
        Ok(())
    }

    /// Flushes `ks`'s memtables frozen at or before `target`.
    pub(crate) fn flush_keyspace_through(&self, ks: &Keyspace, target: SeqNo) -> Result<()> {
        loop {
            self.check_writable()?;
            let pending = ks
                .current()
                .immutables
                .iter()
                .any(|m| m.frozen_at().is_some_and(|f| f <= target));
            if !pending {
                return Ok(());
            }
            if let Err(e) = self.flush_one(Some(target)) {
                return Err(self.poison(e));
            }
        }
    }

    /// Replaces a manifest that grew past its limit by a fresh one holding a snapshot.
    pub(crate) fn maybe_roll_manifest(&self, man: &mut Manifest) -> Result<()> {
        if man.size_bytes() < MANIFEST_ROLLOVER_BYTES {
            return Ok(());
        }
        let mut state = man.state.clone();
        let number = self.new_file_number();
        state.next_file_number = state
            .next_file_number
            .max(self.next_file_number.load(Ordering::Relaxed));
        let fresh = Manifest::create(self.fs.as_ref(), &self.dir, number, state)?;
        let old = std::mem::replace(man, fresh);
        let p = self
            .dir
            .join(crate::manifest::manifest_file_name(old.number()));
        self.fs.remove(&p).ctx("remove", &p)?;
        Ok(())
    }

    /// Deletes sealed WAL segments whose every batch is flushed for every live keyspace.
    pub(crate) fn retire_wal_segments(&self) -> Result<()> {
        let oldest_needed = self
            .live_keyspaces()
            .iter()
            .filter_map(|ks| ks.oldest_unflushed_seqno())
            .min();
        let mut sealed = self.sealed_segments.lock();
        let retire: Vec<u64> = sealed
            .iter()
            .filter(|(_, s)| oldest_needed.is_none_or(|o| s.max_seqno < o))
            .map(|(n, _)| *n)
            .collect();
        if retire.is_empty() {
            return Ok(());
        }
        for n in retire {
            let p = self.dir.join(wal::segment_file_name(n));
            match self.fs.remove(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(crate::Error::io("remove", p, e)),
            }
            sealed.remove(&n);
            add(&self.counters.wal_segments_deleted, 1);
        }
        self.fs.sync_dir(&self.dir).ctx("fsync dir", &self.dir)?;
        Ok(())
    }
}
