//! Checkpoints: flush every memtable, move to a new WAL segment, and delete the segments that
//! no keyspace needs any more — explicitly (`Engine::checkpoint`, `Engine::flush`) or
//! automatically when the live WAL grows past `wal_checkpoint_threshold_bytes`.
//!
//! The protocol, and why a crash at each step is safe:
//! 1. Under the commit mutex, freeze every memtable holding data, fsync the active segment and
//!    create the next one (file and directory fsynced). Nothing on disk changed except a new,
//!    empty segment; recovery replays all segments.
//! 2. Flush each frozen memtable: SST written under a temporary name, fsynced, renamed, the
//!    directory fsynced. Until the manifest names it the SST is an orphan that recovery deletes;
//!    the WAL still holds its data.
//! 3. Per flush, one manifest edit (fsynced) adds the SST and raises the keyspace's flushed
//!    seqno. Before it is durable the WAL replays the data; after it, replay skips it.
//! 4. Delete the sealed segments whose batches are all flushed, and fsync the directory. A
//!    delete that did not persist leaves a segment whose batches recovery replays and skips.

use std::time::Instant;

use crate::commit::{EMPTY_SEGMENT_BYTES, STALL_POLL};
use crate::engine::{CommitState, Core, freeze};
use crate::metrics::{add, add_duration};
use crate::{Error, Result, SeqNo};

impl Core {
    /// Freezes every keyspace holding data and rotates the WAL: the first step of a
    /// checkpoint. Returns the seqno everything at or below which must be flushed.
    pub(crate) fn begin_checkpoint(&self, cs: &mut CommitState) -> Result<SeqNo> {
        for ks in self.live_keyspaces() {
            freeze(&ks, cs.last_seqno);
        }
        self.rotate_wal(cs)?;
        self.request_flush();
        Ok(cs.last_seqno)
    }

    /// Whether memtables frozen at or before `target` are still waiting for flush.
    pub(crate) fn unflushed_at_or_before(&self, target: SeqNo) -> bool {
        self.live_keyspaces().iter().any(|ks| {
            ks.current()
                .immutables
                .iter()
                .any(|m| m.frozen_at().is_some_and(|f| f <= target))
        })
    }

    /// Auto-checkpoint. Past half the threshold a checkpoint starts in the background (freeze
    /// and rotate here, flush on the flusher thread); a write that would take the live WAL past
    /// the threshold while that checkpoint is still flushing waits for it (a stall, never an
    /// error), so the WAL stays within the threshold plus one group.
    pub(crate) fn keep_wal_under_threshold(
        &self,
        cs: &mut CommitState,
        group_bytes: u64,
        stalled: &mut bool,
    ) -> Result<()> {
        let threshold = self.opts.wal_checkpoint_threshold_bytes;
        loop {
            let live = self.live_wal_bytes(cs) + group_bytes;
            if live <= threshold / 2 {
                return Ok(());
            }
            let busy = cs
                .checkpoint_target
                .is_some_and(|t| self.unflushed_at_or_before(t));
            if !busy {
                // The flusher may not have deleted what the last checkpoint freed yet.
                if let Err(e) = self.retire_wal_segments() {
                    tracing::warn!(error = %e, "could not delete retired WAL segments");
                    return Ok(());
                }
                if self.live_wal_bytes(cs) + group_bytes <= threshold / 2 {
                    return Ok(());
                }
                if cs.wal.size_bytes() <= EMPTY_SEGMENT_BYTES {
                    return Ok(()); // nothing written since the last rotation: nothing to gain
                }
                let target = self.begin_checkpoint(cs)?;
                cs.checkpoint_target = Some(target);
                add(&self.counters.checkpoints, 1);
            }
            if live <= threshold {
                return Ok(());
            }
            if !*stalled {
                *stalled = true;
                add(&self.counters.write_stalls, 1);
            }
            self.check_writable()?;
            self.request_flush();
            let mut st = self.bg.state.lock();
            if st.shutdown {
                return Err(Error::Closed);
            }
            self.bg.done_cv.wait_for(&mut st, STALL_POLL);
        }
    }

    /// Flushes everything committed so far; with `checkpoint`, first moves to a new WAL
    /// segment and afterwards deletes the segments that are no longer needed.
    ///
    /// Checkpoint steps and why a crash at each is safe:
    /// 1. freeze every memtable holding data and seal the WAL segment (fsync) and create a new
    ///    one (fsync file and dir) — nothing on disk changed but a new empty segment;
    /// 2. flush each frozen memtable: SST written to a temp name, fsynced, renamed, dir
    ///    fsynced — an unnamed SST is an orphan removed at open, the WAL still has the data;
    /// 3. per flush, a manifest edit (fsynced) naming the SST and the keyspace's flushed seqno —
    ///    before it is durable the WAL replays the data, after it the replay skips it;
    /// 4. delete the sealed segments (and fsync the dir) — only data already in named SSTs is
    ///    lost, and a segment whose delete did not persist is replayed and skipped.
    pub(crate) fn flush_all(&self, checkpoint: bool) -> Result<()> {
        let start = Instant::now();
        let target = {
            let mut cs = self.commit.lock();
            self.check_writable()?;
            if checkpoint {
                self.begin_checkpoint(&mut cs)?
            } else {
                for ks in self.live_keyspaces() {
                    freeze(&ks, cs.last_seqno);
                }
                cs.last_seqno
            }
        };
        loop {
            self.check_writable()?;
            match self.flush_one(Some(target)) {
                Ok(true) => self.notify_done(),
                Ok(false) => break,
                Err(e) => return Err(self.poison(e)),
            }
        }
        if checkpoint {
            self.retire_wal_segments()?;
            add(&self.counters.checkpoints, 1);
            add_duration(&self.counters.checkpoint_duration_us, start.elapsed());
        }
        self.request_compaction();
        Ok(())
    }
}
