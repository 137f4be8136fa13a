//! MVCC snapshots: a [`Snapshot`] is a sequence number plus a registration in the engine's
//! [`SnapshotRegistry`], so compaction knows which old versions someone may still read.
//! Snapshots are reference-counted: clones share one registration, and dropping the last clone
//! releases it.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;

use crate::SeqNo;

/// The set of live snapshots, by seqno, with a count of registrations at each.
#[derive(Default)]
pub(crate) struct SnapshotRegistry {
    live: Mutex<BTreeMap<SeqNo, usize>>,
}

impl SnapshotRegistry {
    /// Registers a snapshot at the current visible seqno. The registry lock is held while the
    /// visible seqno is read, so a compaction that lists snapshots (under the same lock) either
    /// sees this one or ran entirely before it, when `visible` was no newer than this seqno.
    pub(crate) fn acquire(self: &Arc<Self>, visible: &AtomicU64) -> Snapshot {
        let mut live = self.live.lock();
        let seqno = visible.load(Ordering::Acquire);
        *live.entry(seqno).or_insert(0) += 1;
        Snapshot {
            inner: Arc::new(SnapshotInner {
                seqno,
                registry: Some(self.clone()),
            }),
        }
    }

    /// The seqnos of live snapshots, ascending, plus `visible` read under the same lock (the
    /// implicit snapshot of any reader that starts now).
    pub(crate) fn list_with_visible(&self, visible: &AtomicU64) -> Vec<SeqNo> {
        let live = self.live.lock();
        let mut out: Vec<SeqNo> = live.keys().copied().collect();
        let v = visible.load(Ordering::Acquire);
        if out.last().is_none_or(|&l| l < v) {
            out.push(v);
        }
        out
    }

    pub(crate) fn count(&self) -> usize {
        self.live.lock().values().sum()
    }

    pub(crate) fn oldest(&self) -> Option<SeqNo> {
        self.live.lock().keys().next().copied()
    }

    fn release(&self, seqno: SeqNo) {
        let mut live = self.live.lock();
        if let Some(n) = live.get_mut(&seqno) {
            *n -= 1;
            if *n == 0 {
                live.remove(&seqno);
            }
        } else {
            debug_assert!(false, "released a snapshot that was not registered");
        }
    }
}

struct SnapshotInner {
    seqno: SeqNo,
    registry: Option<Arc<SnapshotRegistry>>,
}

impl Drop for SnapshotInner {
    fn drop(&mut self) {
        if let Some(r) = &self.registry {
            r.release(self.seqno);
        }
    }
}

/// A consistent read view: every read through it sees exactly the batches committed with a
/// seqno at or below [`Snapshot::seqno`]. Cheap to clone; `Send + Sync + 'static`.
#[derive(Clone)]
pub struct Snapshot {
    inner: Arc<SnapshotInner>,
}

impl Snapshot {
    /// The sequence number this snapshot reads at.
    pub fn seqno(&self) -> SeqNo {
        self.inner.seqno
    }
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("seqno", &self.inner.seqno)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refcounted_registration() {
        let reg = Arc::new(SnapshotRegistry::default());
        let visible = AtomicU64::new(5);
        let a = reg.acquire(&visible);
        let b = a.clone();
        visible.store(9, Ordering::Release);
        let c = reg.acquire(&visible);
        assert_eq!(reg.list_with_visible(&visible), vec![5, 9]);
        drop(a);
        assert_eq!(reg.count(), 2);
        drop(b);
        assert_eq!(reg.oldest(), Some(9));
        drop(c);
        assert_eq!(reg.count(), 0);
    }
}
