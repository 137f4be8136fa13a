//! The memtable: a keyspace's most recent writes in memory, ordered by user key, each key
//! holding its versions newest first (the internal order: user key ascending, seqno
//! descending).
//!
//! It is a `parking_lot::RwLock<BTreeMap>` from user key to versions. Only the group-commit
//! leader writes (one writer at a time, so the write lock is never contended by writers);
//! point reads take the read lock for one lookup; scans copy bounded chunks under the read lock
//! and release it between chunks, so a slow consumer of a scan never blocks writers. Keying the
//! map by user key (rather than by user key + seqno) lets lookups borrow the caller's `&[u8]`
//! without allocating.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use parking_lot::RwLock;

use crate::SeqNo;
use crate::coding::compare_keys;

/// Bookkeeping bytes charged per version on top of key and value (tree node share, boxes).
const VERSION_OVERHEAD_BYTES: usize = 64;

/// A memtable key: the first 8 bytes as a big-endian integer beside the whole key, so that most
/// comparisons in the tree are one integer compare instead of a `memcmp` call. The order is
/// exactly the byte order of the keys (a shorter key's prefix is zero-padded, and ties fall
/// back to comparing the whole keys).
#[derive(Clone, PartialEq, Eq)]
struct MemKey {
    prefix: u64,
    bytes: Box<[u8]>,
}

fn prefix_of(k: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    let n = k.len().min(8);
    w[..n].copy_from_slice(&k[..n]);
    u64::from_be_bytes(w)
}

impl Ord for MemKey {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.prefix
            .cmp(&o.prefix)
            .then_with(|| compare_keys(&self.bytes, &o.bytes))
    }
}

impl PartialOrd for MemKey {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}

/// What lookups borrow stored keys as, so a `&[u8]` can be searched for without allocating a
/// `MemKey` (the usual trait-object `Borrow` technique).
trait KeyView {
    fn prefix(&self) -> u64;
    fn bytes(&self) -> &[u8];
}

impl KeyView for MemKey {
    fn prefix(&self) -> u64 {
        self.prefix
    }
    fn bytes(&self) -> &[u8] {
        &self.bytes
    }
}

struct LookupKey<'a> {
    prefix: u64,
    bytes: &'a [u8],
}

impl<'a> LookupKey<'a> {
    fn new(bytes: &'a [u8]) -> LookupKey<'a> {
        LookupKey {
            prefix: prefix_of(bytes),
            bytes,
        }
    }
}

impl KeyView for LookupKey<'_> {
    fn prefix(&self) -> u64 {
        self.prefix
    }
    fn bytes(&self) -> &[u8] {
        self.bytes
    }
}

impl<'a> std::borrow::Borrow<dyn KeyView + 'a> for MemKey {
    fn borrow(&self) -> &(dyn KeyView + 'a) {
        self
    }
}

impl Ord for dyn KeyView + '_ {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.prefix()
            .cmp(&o.prefix())
            .then_with(|| compare_keys(self.bytes(), o.bytes()))
    }
}

impl PartialOrd for dyn KeyView + '_ {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}

impl PartialEq for dyn KeyView + '_ {
    fn eq(&self, o: &Self) -> bool {
        self.prefix() == o.prefix() && self.bytes() == o.bytes()
    }
}

impl Eq for dyn KeyView + '_ {}

/// One key's versions: the newest inline (most keys have one), older ones newest first.
struct Versions {
    seqno: SeqNo,
    value: Option<Box<[u8]>>,
    older: Vec<(SeqNo, Option<Box<[u8]>>)>,
}

impl Versions {
    /// The newest version with seqno <= `snap`.
    fn visible(&self, snap: SeqNo) -> Option<(SeqNo, Option<&[u8]>)> {
        if self.seqno <= snap {
            return Some((self.seqno, self.value.as_deref()));
        }
        self.older
            .iter()
            .find(|(s, _)| *s <= snap)
            .map(|(s, v)| (*s, v.as_deref()))
    }
}

/// A resolved entry: the newest version of `key` visible at some snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KvEntry {
    pub key: Vec<u8>,
    pub seqno: SeqNo,
    /// `None` is a tombstone.
    pub value: Option<Vec<u8>>,
}

/// An in-memory table of recent writes for one keyspace.
pub(crate) struct Memtable {
    map: RwLock<BTreeMap<MemKey, Versions>>,
    size_bytes: AtomicUsize,
    /// Lowest and highest seqno inserted (`u64::MAX` / 0 while empty).
    min_seqno: AtomicU64,
    max_seqno: AtomicU64,
    /// The last seqno assigned when this memtable was frozen (`u64::MAX` while active): every
    /// write to the keyspace with seqno <= this is here or older.
    frozen_at: AtomicU64,
}

impl Default for Memtable {
    fn default() -> Self {
        Memtable::new()
    }
}

impl Memtable {
    pub(crate) fn new() -> Memtable {
        Memtable {
            map: RwLock::new(BTreeMap::new()),
            size_bytes: AtomicUsize::new(0),
            min_seqno: AtomicU64::new(u64::MAX),
            max_seqno: AtomicU64::new(0),
            frozen_at: AtomicU64::new(u64::MAX),
        }
    }

    /// Inserts a version. Inserting the same key twice with the same seqno (a batch writing a
    /// key twice) replaces the earlier value: the later operation in a batch wins.
    pub(crate) fn insert(&self, key: &[u8], seqno: SeqNo, value: Option<&[u8]>) {
        debug_assert_eq!(
            self.frozen_at.load(Ordering::Relaxed),
            u64::MAX,
            "insert into frozen memtable"
        );
        let value: Option<Box<[u8]>> = value.map(Into::into);
        let added = key.len() + value.as_ref().map_or(0, |v| v.len()) + VERSION_OVERHEAD_BYTES;
        {
            let mut map = self.map.write();
            // One traversal: most inserts are new keys, so allocating the key up front is not
            // wasted work, and `entry` avoids a second search.
            let k = MemKey {
                prefix: prefix_of(key),
                bytes: key.into(),
            };
            match map.entry(k) {
                std::collections::btree_map::Entry::Occupied(mut o) => {
                    let v = o.get_mut();
                    debug_assert!(seqno >= v.seqno, "versions must arrive in seqno order");
                    if seqno == v.seqno {
                        v.value = value;
                    } else {
                        let old_seqno = std::mem::replace(&mut v.seqno, seqno);
                        let old_value = std::mem::replace(&mut v.value, value);
                        v.older.insert(0, (old_seqno, old_value));
                    }
                }
                std::collections::btree_map::Entry::Vacant(slot) => {
                    slot.insert(Versions {
                        seqno,
                        value,
                        older: Vec::new(),
                    });
                }
            }
        }
        self.size_bytes.fetch_add(added, Ordering::Relaxed);
        self.min_seqno.fetch_min(seqno, Ordering::Relaxed);
        self.max_seqno.fetch_max(seqno, Ordering::Relaxed);
    }

    /// The newest version of `key` with seqno <= `snap`.
    pub(crate) fn get(&self, key: &[u8], snap: SeqNo) -> Option<(SeqNo, Option<Vec<u8>>)> {
        let map = self.map.read();
        let lookup = LookupKey::new(key);
        let lookup = &lookup as &dyn KeyView;
        // Appends (serial keys, timestamps) look up keys past the last one: one comparison
        // with the last key instead of a descent that compares against every key of each node
        // on its way down the right edge.
        let (last, _) = map.last_key_value()?;
        if lookup > last as &dyn KeyView {
            return None;
        }
        let (seqno, value) = map.get(lookup)?.visible(snap)?;
        Some((seqno, value.map(<[u8]>::to_vec)))
    }

    /// Copies up to `max_entries` visible entries in `[lower, upper]` (in `reverse` order when
    /// asked) into `out`. Returns the last key examined so the caller can resume after it, or
    /// `None` when the range is exhausted. At most `4 * max_entries` keys are examined per call
    /// so a range full of invisible versions still releases the lock promptly.
    pub(crate) fn read_chunk(
        &self,
        lower: Bound<&[u8]>,
        upper: Bound<&[u8]>,
        reverse: bool,
        snap: SeqNo,
        max_entries: usize,
        out: &mut Vec<KvEntry>,
    ) -> Option<Vec<u8>> {
        if let (Bound::Included(l) | Bound::Excluded(l), Bound::Included(u) | Bound::Excluded(u)) =
            (lower, upper)
            && (l > u
                || (l == u
                    && (matches!(lower, Bound::Excluded(_))
                        || matches!(upper, Bound::Excluded(_)))))
        {
            return None;
        }
        let map = self.map.read();
        let lo = lower.map(LookupKey::new);
        let hi = upper.map(LookupKey::new);
        let range = map.range::<dyn KeyView, _>((
            lo.as_ref().map(|k| k as &dyn KeyView),
            hi.as_ref().map(|k| k as &dyn KeyView),
        ));
        let iter: Box<dyn Iterator<Item = (&MemKey, &Versions)>> = if reverse {
            Box::new(range.rev())
        } else {
            Box::new(range)
        };
        let start_len = out.len();
        for (examined, (k, v)) in iter.enumerate() {
            if let Some((seqno, value)) = v.visible(snap) {
                out.push(KvEntry {
                    key: k.bytes.to_vec(),
                    seqno,
                    value: value.map(<[u8]>::to_vec),
                });
            }
            if out.len() - start_len >= max_entries || examined + 1 >= 4 * max_entries {
                return Some(k.bytes.to_vec());
            }
        }
        None
    }

    /// Calls `f` for every version in internal order (key asc, seqno desc). Used by flush, on
    /// a frozen memtable, so holding the read lock throughout blocks nobody.
    pub(crate) fn for_each_version<E>(
        &self,
        mut f: impl FnMut(&[u8], SeqNo, Option<&[u8]>) -> Result<(), E>,
    ) -> Result<(), E> {
        let map = self.map.read();
        for (k, v) in map.iter() {
            f(&k.bytes, v.seqno, v.value.as_deref())?;
            for (s, val) in &v.older {
                f(&k.bytes, *s, val.as_deref())?;
            }
        }
        Ok(())
    }

    /// Whether any version of a key in `[smallest, largest]` is here.
    pub(crate) fn overlaps(&self, smallest: &[u8], largest: &[u8]) -> bool {
        if smallest > largest {
            return false;
        }
        let map = self.map.read();
        let (lo, hi) = (LookupKey::new(smallest), LookupKey::new(largest));
        map.range::<dyn KeyView, _>((
            Bound::Included(&lo as &dyn KeyView),
            Bound::Included(&hi as &dyn KeyView),
        ))
        .next()
        .is_some()
    }

    pub(crate) fn size_bytes(&self) -> usize {
        self.size_bytes.load(Ordering::Relaxed)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.max_seqno.load(Ordering::Relaxed) == 0 && self.map.read().is_empty()
    }

    /// Lowest seqno held, if any.
    pub(crate) fn min_seqno(&self) -> Option<SeqNo> {
        let s = self.min_seqno.load(Ordering::Relaxed);
        (s != u64::MAX).then_some(s)
    }

    /// Marks the memtable immutable as of `seqno` (the last seqno assigned so far).
    pub(crate) fn freeze(&self, seqno: SeqNo) {
        self.frozen_at.store(seqno, Ordering::Release);
    }

    /// The seqno at freeze time, or `None` while active.
    pub(crate) fn frozen_at(&self) -> Option<SeqNo> {
        let s = self.frozen_at.load(Ordering::Acquire);
        (s != u64::MAX).then_some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_snapshots() {
        let m = Memtable::new();
        m.insert(b"a", 1, Some(b"1"));
        m.insert(b"a", 3, Some(b"3"));
        m.insert(b"a", 5, None);
        m.insert(b"b", 2, Some(b"x"));
        m.insert(b"b", 2, Some(b"y"));
        assert_eq!(m.get(b"a", 0), None);
        assert_eq!(m.get(b"a", 2), Some((1, Some(b"1".to_vec()))));
        assert_eq!(m.get(b"a", 4), Some((3, Some(b"3".to_vec()))));
        assert_eq!(m.get(b"a", 9), Some((5, None)));
        assert_eq!(m.get(b"b", 9), Some((2, Some(b"y".to_vec()))));
        let mut out = Vec::new();
        assert_eq!(
            m.read_chunk(Bound::Unbounded, Bound::Unbounded, true, 4, 10, &mut out),
            None
        );
        assert_eq!(
            out.iter().map(|e| e.key.as_slice()).collect::<Vec<_>>(),
            vec![&b"b"[..], b"a"]
        );
        let mut versions = Vec::new();
        m.for_each_version::<()>(|k, s, _| {
            versions.push((k.to_vec(), s));
            Ok(())
        })
        .unwrap();
        assert_eq!(
            versions,
            vec![
                (b"a".to_vec(), 5),
                (b"a".to_vec(), 3),
                (b"a".to_vec(), 1),
                (b"b".to_vec(), 2)
            ]
        );
    }
}
