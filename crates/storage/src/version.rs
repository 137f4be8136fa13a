//! A keyspace's read view: [`Levels`] (the live SSTs per level) and [`SuperVersion`] (the
//! active memtable, the immutable memtables and the levels). Both are immutable and swapped
//! whole behind an `Arc`, so a reader clones one `Arc` and then reads without any lock while
//! flushes and compactions install new versions beside it.

use std::ops::Bound;
use std::sync::Arc;

use crate::manifest::NUM_LEVELS;
use crate::memtable::Memtable;
use crate::sstable::reader::{Table, TableScan};
use crate::{Result, SeqNo};

/// The SSTs of one keyspace. L0 files may overlap and are ordered newest first (by max seqno); in L1 and
/// deeper, files are disjoint and ordered by key, and a user key lives in at most one file.
#[derive(Clone)]
pub(crate) struct Levels {
    pub levels: Vec<Vec<Arc<Table>>>,
}

impl Levels {
    pub(crate) fn empty() -> Levels {
        Levels {
            levels: vec![Vec::new(); NUM_LEVELS],
        }
    }

    /// A copy with `deleted` (level, file number) removed and `added` inserted, each level
    /// re-sorted into its order.
    pub(crate) fn edit(&self, deleted: &[(usize, u64)], added: Vec<(usize, Arc<Table>)>) -> Levels {
        let mut levels = self.levels.clone();
        for (l, number) in deleted {
            levels[*l].retain(|t| t.number() != *number);
        }
        for (l, t) in added {
            levels[l].push(t);
        }
        // Newest data first. Flushed files' seqno ranges follow their file numbers, but an
        // ingested file is numbered when its writing starts and stamped when it is ingested.
        levels[0].sort_by_key(|t| std::cmp::Reverse((t.meta.max_seqno, t.number())));
        for level in levels.iter_mut().skip(1) {
            level.sort_by(|a, b| a.meta.smallest.cmp(&b.meta.smallest));
            debug_assert!(
                level
                    .windows(2)
                    .all(|w| w[0].meta.largest < w[1].meta.smallest),
                "files in a level must not overlap"
            );
        }
        Levels { levels }
    }

    pub(crate) fn level_size_bytes(&self, level: usize) -> u64 {
        self.levels[level].iter().map(|t| t.meta.size_bytes).sum()
    }

    /// The newest version of `key` visible at `snap`, searching newest data first.
    pub(crate) fn get(
        &self,
        key: &[u8],
        key_hash: u64,
        snap: SeqNo,
    ) -> Result<Option<(SeqNo, Option<Vec<u8>>)>> {
        for t in &self.levels[0] {
            if t.meta.min_seqno > snap {
                continue;
            }
            if let Some(found) = t.get(key, key_hash, snap)? {
                return Ok(Some(found));
            }
        }
        for level in &self.levels[1..] {
            let i = level.partition_point(|t| t.meta.largest.as_slice() < key);
            if let Some(t) = level.get(i)
                && let Some(found) = t.get(key, key_hash, snap)?
            {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }
}

/// Everything a read of one keyspace needs, captured at once.
pub(crate) struct SuperVersion {
    pub active: Arc<Memtable>,
    /// Frozen memtables waiting for flush, oldest first.
    pub immutables: Vec<Arc<Memtable>>,
    pub levels: Arc<Levels>,
}

fn overlaps(t: &Table, lower: &Bound<Vec<u8>>, upper: &Bound<Vec<u8>>) -> bool {
    let below = match lower {
        Bound::Included(l) => t.meta.largest.as_slice() < l.as_slice(),
        Bound::Excluded(l) => t.meta.largest.as_slice() <= l.as_slice(),
        Bound::Unbounded => false,
    };
    let above = match upper {
        Bound::Included(u) => t.meta.smallest.as_slice() > u.as_slice(),
        Bound::Excluded(u) => t.meta.smallest.as_slice() >= u.as_slice(),
        Bound::Unbounded => false,
    };
    !below && !above
}

/// Scans one level of disjoint files, opening each file's scan only when reached.
pub(crate) struct LevelScan {
    tables: Vec<Arc<Table>>,
    next: usize,
    current: Option<TableScan>,
    lower: Bound<Vec<u8>>,
    upper: Bound<Vec<u8>>,
    reverse: bool,
    snap: SeqNo,
}

impl LevelScan {
    pub(crate) fn new(
        level: &[Arc<Table>],
        lower: Bound<Vec<u8>>,
        upper: Bound<Vec<u8>>,
        reverse: bool,
        snap: SeqNo,
    ) -> LevelScan {
        let mut tables: Vec<Arc<Table>> = level
            .iter()
            .filter(|t| overlaps(t, &lower, &upper) && t.meta.min_seqno <= snap)
            .cloned()
            .collect();
        if reverse {
            tables.reverse();
        }
        LevelScan {
            tables,
            next: 0,
            current: None,
            lower,
            upper,
            reverse,
            snap,
        }
    }

    pub(crate) fn next_entry(&mut self) -> Result<Option<crate::memtable::KvEntry>> {
        loop {
            if let Some(cur) = self.current.as_mut() {
                if let Some(e) = cur.next_entry()? {
                    return Ok(Some(e));
                }
                self.current = None;
            }
            let Some(t) = self.tables.get(self.next) else {
                return Ok(None);
            };
            self.next += 1;
            self.current = Some(TableScan::new(
                t.clone(),
                self.lower.clone(),
                self.upper.clone(),
                self.reverse,
                self.snap,
            ));
        }
    }
}
