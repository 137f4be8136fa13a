//! Range scans: [`ScanIter`] merges the memtables and SSTs of one keyspace into a single
//! ordered stream of the newest visible version of each key, dropping tombstones, in either
//! direction.
//!
//! Each source already resolves its own versions (it yields one entry per user key: the newest
//! visible at the snapshot), so the merge only has to pick, among sources positioned on the
//! same key, the entry with the highest seqno. The iterator owns everything it reads (`Arc`s of
//! memtables and tables, and the snapshot that keeps compaction from dropping what it needs);
//! memtables are read in bounded chunks, so no lock is held between calls to `next`.

use std::collections::VecDeque;
use std::ops::Bound;
use std::sync::Arc;

use crate::memtable::{KvEntry, Memtable};
use crate::snapshot::Snapshot;
use crate::sstable::reader::TableScan;
use crate::version::{LevelScan, SuperVersion};
use crate::{Result, SeqNo};

/// Direction of a scan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Ascending keys.
    Forward,
    /// Descending keys.
    Reverse,
}

/// Entries copied from a memtable per lock acquisition: small enough that writers never wait
/// long, large enough that the lock is not taken per entry.
const MEMTABLE_CHUNK_ENTRIES: usize = 256;

struct MemScan {
    mem: Arc<Memtable>,
    lower: Bound<Vec<u8>>,
    upper: Bound<Vec<u8>>,
    reverse: bool,
    snap: SeqNo,
    buf: VecDeque<KvEntry>,
    exhausted: bool,
}

impl MemScan {
    fn next_entry(&mut self) -> Option<KvEntry> {
        while self.buf.is_empty() && !self.exhausted {
            let mut out = Vec::with_capacity(MEMTABLE_CHUNK_ENTRIES);
            let resume = self.mem.read_chunk(
                self.lower.as_ref().map(Vec::as_slice),
                self.upper.as_ref().map(Vec::as_slice),
                self.reverse,
                self.snap,
                MEMTABLE_CHUNK_ENTRIES,
                &mut out,
            );
            match resume {
                Some(last) if self.reverse => self.upper = Bound::Excluded(last),
                Some(last) => self.lower = Bound::Excluded(last),
                None => self.exhausted = true,
            }
            self.buf.extend(out);
        }
        self.buf.pop_front()
    }
}

enum Source {
    Mem(MemScan),
    Table(TableScan),
    Level(LevelScan),
}

impl Source {
    fn next_entry(&mut self) -> Result<Option<KvEntry>> {
        match self {
            Source::Mem(m) => Ok(m.next_entry()),
            Source::Table(t) => t.next_entry(),
            Source::Level(l) => l.next_entry(),
        }
    }
}

/// An ordered stream of `(key, value)` pairs visible at a snapshot. Once it has returned an
/// error it returns `None`.
pub struct ScanIter {
    sources: Vec<Source>,
    heads: Vec<Option<KvEntry>>,
    reverse: bool,
    started: bool,
    finished: bool,
    _snapshot: Snapshot,
}

impl ScanIter {
    pub(crate) fn new(
        sv: &SuperVersion,
        lower: Bound<Vec<u8>>,
        upper: Bound<Vec<u8>>,
        snapshot: &Snapshot,
        direction: Direction,
    ) -> ScanIter {
        let reverse = direction == Direction::Reverse;
        let snap = snapshot.seqno();
        let mut sources = Vec::new();
        let empty = match (&lower, &upper) {
            (Bound::Included(l) | Bound::Excluded(l), Bound::Included(u) | Bound::Excluded(u)) => {
                l > u
                    || (l == u
                        && !(matches!(lower, Bound::Included(_))
                            && matches!(upper, Bound::Included(_))))
            }
            _ => false,
        };
        if !empty {
            let mems = std::iter::once(&sv.active).chain(sv.immutables.iter().rev());
            for mem in mems {
                if mem.min_seqno().is_some_and(|s| s <= snap) {
                    sources.push(Source::Mem(MemScan {
                        mem: mem.clone(),
                        lower: lower.clone(),
                        upper: upper.clone(),
                        reverse,
                        snap,
                        buf: VecDeque::new(),
                        exhausted: false,
                    }));
                }
            }
            for t in &sv.levels.levels[0] {
                if t.meta.min_seqno <= snap {
                    sources.push(Source::Table(TableScan::new(
                        t.clone(),
                        lower.clone(),
                        upper.clone(),
                        reverse,
                        snap,
                    )));
                }
            }
            for level in &sv.levels.levels[1..] {
                if !level.is_empty() {
                    sources.push(Source::Level(LevelScan::new(
                        level,
                        lower.clone(),
                        upper.clone(),
                        reverse,
                        snap,
                    )));
                }
            }
        }
        let n = sources.len();
        ScanIter {
            sources,
            heads: vec![None; n],
            reverse,
            started: false,
            finished: false,
            _snapshot: snapshot.clone(),
        }
    }

    fn step(&mut self) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        if !self.started {
            for i in 0..self.sources.len() {
                self.heads[i] = self.sources[i].next_entry()?;
            }
            self.started = true;
        }
        loop {
            // The next key in scan order, and among sources on it the newest version.
            let mut best: Option<usize> = None;
            for (i, h) in self.heads.iter().enumerate() {
                let Some(h) = h else { continue };
                let Some(b) = best.and_then(|b| self.heads[b].as_ref()) else {
                    best = Some(i);
                    continue;
                };
                let ord = h.key.cmp(&b.key);
                let ord = if self.reverse { ord.reverse() } else { ord };
                if ord.is_lt() || (ord.is_eq() && h.seqno > b.seqno) {
                    best = Some(i);
                }
            }
            let Some(b) = best else {
                return Ok(None);
            };
            let Some(winner) = self.heads[b].take() else {
                return Ok(None);
            };
            for i in 0..self.sources.len() {
                if i == b || self.heads[i].as_ref().is_some_and(|h| h.key == winner.key) {
                    self.heads[i] = self.sources[i].next_entry()?;
                }
            }
            if let Some(v) = winner.value {
                return Ok(Some((winner.key, v)));
            }
        }
    }
}

impl Iterator for ScanIter {
    type Item = Result<(Vec<u8>, Vec<u8>)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        match self.step() {
            Ok(Some(kv)) => Some(Ok(kv)),
            Ok(None) => {
                self.finished = true;
                None
            }
            Err(e) => {
                self.finished = true;
                Some(Err(e))
            }
        }
    }
}

/// The smallest key greater than every key starting with `prefix`, or `None` if there is none
/// (the prefix is all 0xff bytes or empty).
pub(crate) fn prefix_successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut s = prefix.to_vec();
    while let Some(last) = s.pop() {
        if last < 0xff {
            s.push(last + 1);
            return Some(s);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn successor() {
        assert_eq!(prefix_successor(b"ab"), Some(b"ac".to_vec()));
        assert_eq!(prefix_successor(b"a\xff"), Some(b"b".to_vec()));
        assert_eq!(prefix_successor(b"\xff\xff"), None);
        assert_eq!(prefix_successor(b""), None);
    }
}
