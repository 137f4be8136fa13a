//! Group commit, in the LevelDB/Pebble style: writers queue up; the writer at the front is the
//! leader and commits everything queued behind it (up to a byte bound) as one WAL append with
//! one fsync, applies the batches to the memtables, publishes the new visible seqno, and wakes
//! the followers with their results. Then the next writer in line leads.
//!
//! Before writing, the leader makes room: it freezes full memtables, starts an auto-checkpoint
//! when the live WAL would pass its threshold, slows the group down by a bounded delay when
//! flushing or L0 compaction falls behind, and waits (never fails) when they are far behind.
//!
//! A failed WAL append or fsync poisons the engine: that group gets the error, every later
//! write gets `Error::ReadOnly` carrying it. A large group is applied to the memtables while
//! the WAL's fsync thread (`wal_sync`) syncs it: the fsync is mostly waiting. The visible
//! seqno moves only after the fsync succeeded, so readers never see a commit that was not
//! acknowledged as durable; after a failure the applied versions stay above every snapshot,
//! and a poisoned engine never flushes them.
//!
//! A writer may also wait as a future ([`Core::write_async`], for the server's async threads):
//! it queues like any writer, but is woken through its task's waker, and when it reaches the
//! front the engine's committer thread leads its group for it. A thread parked per commit cost
//! the server more (two context switches per INSERT) than the commit's own work.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex};

use crate::batch::{WriteBatch, check_limits, ops};
use crate::engine::{CommitState, Core, Keyspace, SealedSegment, freeze};
use crate::memtable::Memtable;
use crate::metrics::{add, add_duration};
use crate::wal::{self, WalWriter};
use crate::{Error, KeyspaceId, Result, SeqNo};

/// A commit group carries at most this many bytes of batches (the first batch always goes,
/// whatever its size): it bounds the leader's encode buffer and the latency of the followers.
const MAX_GROUP_BYTES: usize = 4 * 1024 * 1024;

/// A WAL segment is sealed and a new one started once it passes this size, so that flushes can
/// retire WAL without waiting for a checkpoint.
pub(crate) const WAL_SEGMENT_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// How long a stalled leader sleeps between checks (it is also woken by every flush and
/// compaction that finishes).
pub(crate) const STALL_POLL: Duration = Duration::from_millis(20);

/// A segment holding no more than its header (plus slack) has nothing worth checkpointing.
pub(crate) const EMPTY_SEGMENT_BYTES: u64 = 64;

/// A writer waiting in the queue. A thread sleeps on its own slot, not on the queue's lock, so
/// a finishing leader hands out results without every follower then fighting over that lock;
/// a task is woken through the waker it left in the slot.
pub(crate) struct PendingWrite {
    batch: Mutex<Option<WriteBatch>>,
    slot: Mutex<Slot>,
    cv: Condvar,
    size_bytes: usize,
    /// A task awaits this write ([`CommitFuture`]): the committer thread leads its group.
    is_async: bool,
}

/// What a waiting writer is woken for.
#[derive(Default)]
struct Slot {
    /// Its batch was committed (or failed) by a leader.
    result: Option<Result<SeqNo>>,
    /// It reached the front of the queue: it leads the next group.
    lead: bool,
    /// The task to wake, for an async writer that has been polled.
    waker: Option<Waker>,
}

impl PendingWrite {
    fn new(batch: WriteBatch, is_async: bool) -> Arc<PendingWrite> {
        Arc::new(PendingWrite {
            size_bytes: batch.size_bytes(),
            batch: Mutex::new(Some(batch)),
            slot: Mutex::new(Slot::default()),
            cv: Condvar::new(),
            is_async,
        })
    }

    fn wake(&self, update: impl FnOnce(&mut Slot)) {
        let waker = {
            let mut slot = self.slot.lock();
            update(&mut slot);
            slot.waker.take()
        };
        match waker {
            Some(waker) => waker.wake(),
            None => {
                self.cv.notify_one();
            }
        }
    }
}

/// The engine's committer thread: it leads the groups whose first writer is an async one
/// (a task cannot block on the WAL's fsync).
#[derive(Default)]
pub(crate) struct Committer {
    state: Mutex<CommitterState>,
    cv: Condvar,
}

#[derive(Default)]
struct CommitterState {
    /// The async writer at the front of the queue, whose group is to be led. At most one:
    /// only the front of the queue leads.
    lead_for: Option<Arc<PendingWrite>>,
    shutdown: bool,
}

impl Committer {
    /// Asks the thread to lead `front`'s group; hands `front` back once the thread has stopped.
    fn request(&self, front: Arc<PendingWrite>) -> Option<Arc<PendingWrite>> {
        let mut st = self.state.lock();
        if st.shutdown {
            return Some(front);
        }
        debug_assert!(st.lead_for.is_none(), "two groups led at once");
        st.lead_for = Some(front);
        self.cv.notify_one();
        None
    }

    /// Stops the thread once it has led the group it was asked for (call after the engine is
    /// marked closed, so that any later group fails at once wherever it is led).
    pub(crate) fn shutdown(&self) {
        self.state.lock().shutdown = true;
        self.cv.notify_one();
    }
}

/// The committer thread's loop (see [`Committer`]).
pub(crate) fn committer_loop(core: Arc<Core>) {
    loop {
        let front = {
            let mut st = core.committer.state.lock();
            loop {
                if let Some(front) = st.lead_for.take() {
                    break front;
                }
                if st.shutdown {
                    return;
                }
                core.committer.cv.wait(&mut st);
            }
        };
        let result = core.lead(&front);
        front.wake(|slot| slot.result = Some(result));
    }
}

/// A write awaited by a task: resolves once the batch is committed (durable unless sync is off,
/// and visible), or has failed. Dropping it does not cancel the write.
pub struct CommitFuture {
    state: CommitFutureState,
}

enum CommitFutureState {
    Queued(Arc<PendingWrite>),
    Ready(Option<Result<SeqNo>>),
}

impl CommitFuture {
    /// Blocks the calling thread until the write resolves: for a caller that can no longer
    /// await it (one dropping its future) but must not act before the write's outcome.
    pub fn wait(&mut self) -> Result<SeqNo> {
        match &mut self.state {
            CommitFutureState::Ready(result) => result.take().unwrap_or(Err(Error::Closed)),
            CommitFutureState::Queued(me) => {
                let mut slot = me.slot.lock();
                // Without a waker the writer that hands out the result notifies `cv`.
                slot.waker = None;
                loop {
                    if let Some(result) = slot.result.take() {
                        return result;
                    }
                    me.cv.wait(&mut slot);
                }
            }
        }
    }
}

impl Future for CommitFuture {
    type Output = Result<SeqNo>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<SeqNo>> {
        match &mut self.state {
            CommitFutureState::Ready(result) => {
                Poll::Ready(result.take().unwrap_or(Err(Error::Closed)))
            }
            CommitFutureState::Queued(me) => {
                let mut slot = me.slot.lock();
                match slot.result.take() {
                    Some(result) => Poll::Ready(result),
                    None => {
                        slot.waker = Some(cx.waker().clone());
                        Poll::Pending
                    }
                }
            }
        }
    }
}

impl Core {
    pub(crate) fn write(&self, batch: WriteBatch) -> Result<SeqNo> {
        self.check_writable()?;
        if batch.is_empty() {
            return Ok(self.visible.load(Ordering::Acquire));
        }
        check_limits(&batch, &self.opts.limits)?;
        let me = PendingWrite::new(batch, false);
        if !self.enqueue(&me) {
            let mut slot = me.slot.lock();
            loop {
                if let Some(r) = slot.result.take() {
                    return r;
                }
                if slot.lead {
                    break;
                }
                me.cv.wait(&mut slot);
            }
        }
        self.lead(&me)
    }

    /// [`Core::write`] for a task: the same commit, awaited instead of blocking the thread.
    pub(crate) fn write_async(&self, batch: WriteBatch) -> CommitFuture {
        let ready = |result| CommitFuture {
            state: CommitFutureState::Ready(Some(result)),
        };
        if let Err(e) = self.check_writable() {
            return ready(Err(e));
        }
        if batch.is_empty() {
            return ready(Ok(self.visible.load(Ordering::Acquire)));
        }
        if let Err(e) = check_limits(&batch, &self.opts.limits) {
            return ready(Err(e));
        }
        let me = PendingWrite::new(batch, true);
        if self.enqueue(&me) {
            self.hand_lead(me.clone());
        }
        CommitFuture {
            state: CommitFutureState::Queued(me),
        }
    }

    /// Queues a writer; true if it is at the front, so leads now.
    fn enqueue(&self, me: &Arc<PendingWrite>) -> bool {
        let mut q = self.queue.lock();
        q.push_back(me.clone());
        q.len() == 1
    }

    /// Lets the writer now at the front of the queue lead: a thread is woken to do it, an
    /// async writer's group is led by the committer thread.
    fn hand_lead(&self, front: Arc<PendingWrite>) {
        if !front.is_async {
            front.wake(|slot| slot.lead = true);
            return;
        }
        if let Some(front) = self.committer.request(front) {
            // The engine is closing (the committer has stopped): the group fails at once with
            // `Error::Closed`, so leading it here does not block.
            let result = self.lead(&front);
            front.wake(|slot| slot.result = Some(result));
        }
    }

    /// Leads the group that starts with `me` (the front of the queue): commits it, lets the
    /// next writer lead, hands every other writer its result, and returns `me`'s.
    fn lead(&self, me: &Arc<PendingWrite>) -> Result<SeqNo> {
        // The entries stay queued until done so that newcomers see a leader in place and wait.
        let mut group: Vec<Arc<PendingWrite>> = Vec::new();
        {
            let q = self.queue.lock();
            debug_assert!(q.front().is_some_and(|f| Arc::ptr_eq(f, me)));
            let mut bytes = 0usize;
            for p in q.iter() {
                if !group.is_empty() && bytes + p.size_bytes > MAX_GROUP_BYTES {
                    break;
                }
                bytes += p.size_bytes;
                group.push(p.clone());
            }
        }
        let batches: Vec<WriteBatch> = group
            .iter()
            .map(|p| p.batch.lock().take().unwrap_or_default())
            .collect();
        let results = self.commit_group(&batches);
        debug_assert_eq!(results.len(), group.len());
        let next = {
            let mut q = self.queue.lock();
            for p in &group {
                let popped = q.pop_front();
                debug_assert!(popped.is_some_and(|x| Arc::ptr_eq(&x, p)));
            }
            q.front().cloned()
        };
        // The next group's commit starts first: its fsync is what everyone waits for.
        if let Some(next) = next {
            self.hand_lead(next);
        }
        let mut mine = Err(Error::Closed);
        for (p, r) in group.iter().zip(results) {
            if Arc::ptr_eq(p, me) {
                mine = r;
            } else {
                p.wake(|slot| slot.result = Some(r));
            }
        }
        mine
    }

    /// Commits a group; returns one result per batch.
    fn commit_group(&self, batches: &[WriteBatch]) -> Vec<Result<SeqNo>> {
        let mut cs = self.commit.lock();
        if let Err(e) = self.check_writable() {
            return vec![Err(e); batches.len()];
        }
        let mut results: Vec<Option<Result<SeqNo>>> = vec![None; batches.len()];
        // Groups touch few keyspaces: a vector searched linearly beats a hash map here.
        let mut touched: Vec<Arc<Keyspace>> = Vec::new();
        {
            let map = self.keyspaces.read();
            for (i, b) in batches.iter().enumerate() {
                for op in ops(&b.data) {
                    let op = match op {
                        Ok(op) => op,
                        Err(reason) => {
                            results[i] = Some(Err(Error::InvalidArgument {
                                reason: format!("malformed write batch: {reason}"),
                            }));
                            break;
                        }
                    };
                    if touched.iter().any(|t| t.id == op.ks) {
                        continue;
                    }
                    match map.by_id.get(&op.ks) {
                        // A keyspace of a batch refused below stays in `touched`: harmless, it
                        // only widens the room-making checks.
                        Some(ks) => touched.push(ks.clone()),
                        None => {
                            results[i] = Some(Err(Error::KeyspaceNotFound { id: op.ks }));
                            break;
                        }
                    }
                }
            }
        }
        let group_bytes: u64 = batches
            .iter()
            .zip(&results)
            .filter(|(_, r)| r.is_none())
            .map(|(b, _)| wal::encoded_batch_bytes(b.data.len()) as u64)
            .sum();
        if group_bytes > 0
            && let Err(e) = self.make_room(&mut cs, &touched, group_bytes)
        {
            return fill(results, e);
        }

        // Assign seqnos and frame the batches.
        let CommitState {
            wal: w,
            last_seqno,
            buf,
            sync_thread,
            ..
        } = &mut *cs;
        buf.clear();
        let mut seq = *last_seqno;
        let mut need_sync = false;
        for (i, b) in batches.iter().enumerate() {
            if results[i].is_none() {
                seq += 1;
                wal::encode_batch(buf, seq, b.count, &b.data);
                results[i] = Some(Ok(seq));
                need_sync |= b.sync;
            }
        }
        if seq == *last_seqno {
            return results
                .into_iter()
                .map(|r| r.unwrap_or(Err(Error::Closed)))
                .collect();
        }
        if let Err(e) = w.append(buf) {
            let e = self.poison(e);
            return fill_ok(results, e);
        }
        add(&self.counters.wal_appends, 1);
        add(&self.counters.wal_bytes, buf.len() as u64);

        // Apply in seqno order, then publish. A large group is applied while the WAL's fsync
        // thread syncs it: the leader holds the commit lock throughout and publishes only after
        // both finished, so the overlap changes no reader's view (versions above the visible
        // seqno are invisible to every snapshot).
        let mems: Vec<(KeyspaceId, Arc<Memtable>)> = touched
            .iter()
            .map(|ks| (ks.id, ks.current().active.clone()))
            .collect();
        let apply = || apply_group(batches, &results, &mems);
        let committed = if need_sync && self.opts.sync {
            let synced = match sync_thread {
                Some(thread) if buf.len() >= self.opts.overlap_apply_min_bytes => {
                    let (synced, committed) = w.sync_during(thread, apply);
                    synced.map(|()| committed)
                }
                _ => w.sync().map(|()| apply()),
            };
            match synced {
                Ok(committed) => {
                    add(&self.counters.wal_syncs, 1);
                    committed
                }
                Err(e) => {
                    // Versions applied above stay unpublished: no snapshot reaches past the
                    // visible seqno, and a poisoned engine never flushes or syncs again.
                    let e = self.poison(e);
                    return fill_ok(results, e);
                }
            }
        } else {
            apply()
        };
        self.active_wal_bytes
            .store(w.size_bytes(), Ordering::Relaxed);
        *last_seqno = seq;
        self.visible.store(seq, Ordering::Release);
        add(&self.counters.write_batches, committed);
        add(&self.counters.write_groups, 1);
        drop(cs);
        results
            .into_iter()
            .map(|r| r.unwrap_or(Err(Error::Closed)))
            .collect()
    }

    /// Bytes of WAL not yet retired.
    pub(crate) fn live_wal_bytes(&self, cs: &CommitState) -> u64 {
        let sealed: u64 = self
            .sealed_segments
            .lock()
            .values()
            .map(|s| s.size_bytes)
            .sum();
        sealed + cs.wal.size_bytes()
    }

    /// Seals the active WAL segment (fsynced) and starts a new one.
    pub(crate) fn rotate_wal(&self, cs: &mut CommitState) -> Result<()> {
        cs.wal.sync().map_err(|e| self.poison(e))?;
        let number = self.new_file_number();
        let fresh = WalWriter::create(
            self.fs.as_ref(),
            &self.dir,
            number,
            self.opts.wal_preallocate_bytes,
        )
        .map_err(|e| self.poison(e))?;
        let old = std::mem::replace(&mut cs.wal, fresh);
        self.sealed_segments.lock().insert(
            old.number(),
            SealedSegment {
                max_seqno: cs.last_seqno,
                size_bytes: old.size_bytes(),
            },
        );
        self.active_wal_bytes
            .store(cs.wal.size_bytes(), Ordering::Relaxed);
        Ok(())
    }

    fn make_room(
        &self,
        cs: &mut CommitState,
        touched: &[Arc<Keyspace>],
        group_bytes: u64,
    ) -> Result<()> {
        let start = Instant::now();
        let mut stalled = false;
        self.keep_wal_under_threshold(cs, group_bytes, &mut stalled)?;
        if cs.wal.size_bytes() + group_bytes > WAL_SEGMENT_MAX_BYTES {
            self.rotate_wal(cs)?;
        }
        for ks in touched {
            if ks.current().active.size_bytes() >= self.opts.memtable_size_bytes
                && freeze(ks, cs.last_seqno)
            {
                self.request_flush();
            }
        }
        let mut slowed = false;
        loop {
            self.check_writable()?;
            let (mut stop, mut slow) = (false, false);
            for ks in touched {
                let sv = ks.current();
                let imms = sv.immutables.len();
                let l0 = sv.levels.levels[0].len();
                if imms >= self.opts.max_immutable_memtables || l0 >= self.opts.l0_stop_trigger {
                    stop = true;
                } else if l0 >= self.opts.l0_slowdown_trigger
                    || (self.opts.max_immutable_memtables > 1
                        && imms + 1 >= self.opts.max_immutable_memtables)
                {
                    slow = true;
                }
            }
            if stop {
                if !stalled {
                    stalled = true;
                    add(&self.counters.write_stalls, 1);
                }
                self.request_flush();
                self.request_compaction();
                let mut st = self.bg.state.lock();
                if st.shutdown {
                    return Err(Error::Closed);
                }
                self.bg.done_cv.wait_for(&mut st, STALL_POLL);
                continue;
            }
            if slow && !slowed && !stalled {
                slowed = true;
                add(&self.counters.write_slowdowns, 1);
                std::thread::sleep(Duration::from_millis(self.opts.max_write_slowdown_ms));
            }
            break;
        }
        if slowed || stalled {
            add_duration(&self.counters.write_stall_duration_us, start.elapsed());
        }
        Ok(())
    }
}

/// Applies the accepted batches of a group to the memtables, in seqno order; returns how many
/// batches that was. Every op was validated when the group was formed: it decodes and names a
/// live keyspace.
fn apply_group(
    batches: &[WriteBatch],
    results: &[Option<Result<SeqNo>>],
    mems: &[(KeyspaceId, Arc<Memtable>)],
) -> u64 {
    let mut committed = 0u64;
    for (b, r) in batches.iter().zip(results) {
        let Some(Ok(seqno)) = r else { continue };
        committed += 1;
        for op in ops(&b.data).flatten() {
            if let Some((_, mem)) = mems.iter().find(|(id, _)| *id == op.ks) {
                mem.insert(op.key, *seqno, op.value);
            }
        }
    }
    committed
}

fn fill(results: Vec<Option<Result<SeqNo>>>, e: Error) -> Vec<Result<SeqNo>> {
    results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(e.clone())))
        .collect()
}

/// Replaces the seqnos handed out to this group by `e` (their write failed).
fn fill_ok(results: Vec<Option<Result<SeqNo>>>, e: Error) -> Vec<Result<SeqNo>> {
    results
        .into_iter()
        .map(|r| match r {
            Some(Ok(_)) | None => Err(e.clone()),
            Some(Err(x)) => Err(x),
        })
        .collect()
}
