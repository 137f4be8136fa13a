//! Reads one SST: the footer, index and filter are loaded at open (index and filter stay in
//! memory, both small: about 40 bytes per 4 KiB block and 10 bits per key), data blocks are
//! read on demand through the block cache with their crc checked on every read from disk.
//!
//! A table removed from the live set by compaction or a dropped keyspace is marked obsolete and
//! its file is deleted when the last reader lets go of it.

use std::cmp::Ordering;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};

use super::block::{Block, DecodedBlock, cmp_internal};
use super::{BLOCK_TRAILER_BYTES, FOOTER_BYTES, Footer, Handle, SST_FORMAT_VERSION, SST_MAGIC};
use crate::bloom;
use crate::cache::BlockCache;
use crate::coding::{Reader, u32_at};
use crate::error::IoContext;
use crate::fs::{File, FileSystem};
use crate::manifest::FileMeta;
use crate::memtable::KvEntry;
use crate::{Error, Result, SeqNo};

/// A data block's entry in the table's index: the last key (and seqno) in the block.
struct IndexEntry {
    key: Vec<u8>,
    seqno: SeqNo,
    handle: Handle,
}

/// The first 8 bytes of `key`, zero-padded, as a big-endian number. Zero is the smallest
/// byte, so a smaller prefix means a smaller key; equal prefixes decide nothing.
fn key_prefix(key: &[u8]) -> u64 {
    let mut bytes = [0u8; 8];
    let n = key.len().min(8);
    bytes[..n].copy_from_slice(&key[..n]);
    u64::from_be_bytes(bytes)
}

/// An open SST.
pub(crate) struct Table {
    pub(crate) meta: FileMeta,
    path: PathBuf,
    file: Box<dyn File>,
    index: Vec<IndexEntry>,
    /// Each index entry's [`key_prefix`], side by side: a lookup binary-searches these 8-byte
    /// numbers and reads an entry's key (a separate allocation) only where the prefixes are
    /// equal. Searching the entries themselves missed the cache at every step on a large
    /// table (an entry and then its key, for some 15 steps per lookup).
    index_prefixes: Vec<u64>,
    filter: Vec<u8>,
    cache: Arc<BlockCache>,
    fs: Arc<dyn FileSystem>,
    obsolete: AtomicBool,
}

impl Drop for Table {
    fn drop(&mut self) {
        if self.obsolete.load(AtomicOrdering::Acquire)
            && let Err(e) = self.fs.remove(&self.path)
        {
            tracing::warn!(file = %self.path.display(), error = %e, "could not delete obsolete SST");
        }
    }
}

fn read_checked(file: &dyn File, path: &Path, h: Handle) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; h.size as usize + BLOCK_TRAILER_BYTES];
    file.read_exact_at(&mut buf, h.offset).map_err(|e| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            Error::corruption(path, h.offset, "block extends past the end of the file")
        } else {
            Error::io("read", path, e)
        }
    })?;
    let expected = u32_at(&buf, h.size as usize);
    buf.truncate(h.size as usize);
    let actual = crc32fast::hash(&buf);
    if expected != actual {
        return Err(Error::ChecksumMismatch {
            file: path.to_owned(),
            offset: h.offset,
            expected,
            actual,
        });
    }
    Ok(buf)
}

impl Table {
    pub(crate) fn open(
        fs: Arc<dyn FileSystem>,
        path: PathBuf,
        meta: FileMeta,
        cache: Arc<BlockCache>,
    ) -> Result<Table> {
        let file = fs.open(&path).ctx("open", &path)?;
        let len = file.len().ctx("stat", &path)?;
        if len < FOOTER_BYTES as u64 {
            return Err(Error::corruption(
                &path,
                0,
                "file shorter than an SST footer",
            ));
        }
        let mut fb = [0u8; FOOTER_BYTES];
        let footer_at = len - FOOTER_BYTES as u64;
        file.read_exact_at(&mut fb, footer_at).ctx("read", &path)?;
        let (footer, magic) = Footer::decode(&fb);
        if magic != SST_MAGIC {
            return Err(Error::corruption(&path, footer_at, "bad SST magic"));
        }
        if footer.version != SST_FORMAT_VERSION {
            return Err(Error::UnsupportedVersion {
                file: path,
                found: footer.version,
                supported: SST_FORMAT_VERSION,
            });
        }
        for h in [footer.index, footer.filter, footer.props] {
            if h.offset + u64::from(h.size) + BLOCK_TRAILER_BYTES as u64 > footer_at {
                return Err(Error::corruption(
                    &path,
                    footer_at,
                    "footer points past the data",
                ));
            }
        }
        let filter = read_checked(file.as_ref(), &path, footer.filter)?;
        let index_block = Block::new(read_checked(file.as_ref(), &path, footer.index)?)
            .map_err(|r| Error::corruption(&path, footer.index.offset, r))?;
        let corrupt_index =
            |r: &str| Error::corruption(&path, footer.index.offset, format!("index: {r}"));
        let mut index = Vec::new();
        for e in index_block.entries().map_err(corrupt_index)? {
            let v = e
                .value
                .ok_or_else(|| corrupt_index("entry without a handle"))?;
            let mut r = Reader::new(index_block.bytes(v));
            let offset = r.varint().map_err(corrupt_index)?;
            let size = r.varint().map_err(corrupt_index)?;
            let size = u32::try_from(size).map_err(|_| corrupt_index("block size overflow"))?;
            if offset + u64::from(size) + BLOCK_TRAILER_BYTES as u64 > footer.filter.offset {
                return Err(corrupt_index("data block handle out of range"));
            }
            index.push(IndexEntry {
                key: e.key,
                seqno: e.seqno,
                handle: Handle { offset, size },
            });
        }
        if index.is_empty() {
            return Err(corrupt_index("no data blocks"));
        }
        let index_prefixes = index.iter().map(|e| key_prefix(&e.key)).collect();
        Ok(Table {
            meta,
            path,
            file,
            index,
            index_prefixes,
            filter,
            cache,
            fs,
            obsolete: AtomicBool::new(false),
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn number(&self) -> u64 {
        self.meta.number
    }

    /// Marks the file for deletion once no reader holds it.
    pub(crate) fn mark_obsolete(&self) {
        self.obsolete.store(true, AtomicOrdering::Release);
    }

    fn num_blocks(&self) -> usize {
        self.index.len()
    }

    /// Reads data block `i`, from the cache when possible.
    fn block(&self, i: usize) -> Result<Arc<Block>> {
        let h = self.index[i].handle;
        let key = (self.meta.number, h.offset);
        if let Some(b) = self.cache.get(&key) {
            return Ok(b);
        }
        let data = read_checked(self.file.as_ref(), &self.path, h)?;
        let block =
            Arc::new(Block::new(data).map_err(|r| Error::corruption(&self.path, h.offset, r))?);
        self.cache.insert(key, block.clone());
        Ok(block)
    }

    /// Index of the first block whose last entry is at or after (`key`, `seqno`).
    fn find_block(&self, key: &[u8], seqno: SeqNo) -> usize {
        // Blocks whose last key has a smaller prefix end before `key`; those with a larger one
        // end after it; only the (usually zero or one) with an equal prefix need their key.
        let prefix = key_prefix(key);
        let lo = self.index_prefixes.partition_point(|&p| p < prefix);
        let equal = self.index_prefixes[lo..].partition_point(|&p| p == prefix);
        lo + self.index[lo..lo + equal]
            .partition_point(|e| cmp_internal(&e.key, e.seqno, key, seqno) == Ordering::Less)
    }

    /// The newest version of `key` with seqno <= `snap`, if this table has one.
    pub(crate) fn get(
        &self,
        key: &[u8],
        key_hash: u64,
        snap: SeqNo,
    ) -> Result<Option<(SeqNo, Option<Vec<u8>>)>> {
        if key < self.meta.smallest.as_slice() || key > self.meta.largest.as_slice() {
            return Ok(None);
        }
        if !bloom::may_contain(&self.filter, key_hash) {
            return Ok(None);
        }
        if self.meta.global_seqno.is_some_and(|g| g > snap) {
            return Ok(None);
        }
        let i = self.find_block(key, snap);
        if i >= self.num_blocks() {
            return Ok(None);
        }
        let block = self.block(i)?;
        let h = self.index[i].handle;
        let found = block
            .seek(key, snap)
            .map_err(|r| Error::corruption(&self.path, h.offset, r))?;
        Ok(match found {
            Some(e) if e.key == key => Some((
                self.entry_seqno(e.seqno),
                e.value.map(|r| block.bytes(r).to_vec()),
            )),
            _ => None,
        })
    }

    /// The seqno an entry stored with `stored` reads as: an ingested file's entries are all
    /// stored with 0 and read as the file's global seqno (assigned when it was ingested).
    fn entry_seqno(&self, stored: SeqNo) -> SeqNo {
        self.meta.global_seqno.unwrap_or(stored)
    }

    /// Every version in the table, in internal order (compaction input).
    pub(crate) fn raw_cursor(self: &Arc<Self>) -> RawCursor {
        RawCursor::new(self.clone(), Bound::Unbounded, Bound::Unbounded, false)
    }
}

/// A borrowed (key, seqno, value) version.
pub(crate) type RawVersion<'a> = (&'a [u8], SeqNo, Option<&'a [u8]>);

/// Walks a table's raw versions in one direction, one decoded block at a time.
pub(crate) struct RawCursor {
    table: Arc<Table>,
    reverse: bool,
    /// Next block to load (forward) or the block after it (reverse: index + 1).
    next_block: usize,
    block: Option<Arc<Block>>,
    decoded: DecodedBlock,
    pos: usize,
}

impl RawCursor {
    /// Positions near `lower` (forward) or `upper` (reverse); the caller skips out-of-range
    /// entries at the start.
    fn new(
        table: Arc<Table>,
        lower: Bound<&[u8]>,
        upper: Bound<&[u8]>,
        reverse: bool,
    ) -> RawCursor {
        let n = table.num_blocks();
        let next_block = if reverse {
            match upper {
                // The block holding the first entry after every version of `u` (or the last).
                Bound::Included(u) | Bound::Excluded(u) => (table.find_block(u, 0) + 1).min(n),
                Bound::Unbounded => n,
            }
        } else {
            match lower {
                Bound::Included(l) | Bound::Excluded(l) => table.find_block(l, SeqNo::MAX),
                Bound::Unbounded => 0,
            }
        };
        RawCursor {
            table,
            reverse,
            next_block,
            block: None,
            decoded: DecodedBlock::default(),
            pos: 0,
        }
    }

    fn load(&mut self, i: usize) -> Result<()> {
        let block = self.table.block(i)?;
        let h = self.table.index[i].handle;
        block
            .decode_all(&mut self.decoded)
            .map_err(|r| Error::corruption(&self.table.path, h.offset, r))?;
        self.block = Some(block);
        self.pos = 0;
        Ok(())
    }

    /// The next raw version: (key, seqno, value).
    pub(crate) fn next(&mut self) -> Result<Option<RawVersion<'_>>> {
        loop {
            let entries = &self.decoded.entries;
            if self.pos < entries.len() {
                let idx = if self.reverse {
                    entries.len() - 1 - self.pos
                } else {
                    self.pos
                };
                self.pos += 1;
                let e = &entries[idx];
                let block = self.block.as_ref().map(Arc::as_ref);
                let value = match (e.value, block) {
                    (Some(r), Some(b)) => Some(b.bytes(r)),
                    _ => None,
                };
                return Ok(Some((
                    self.decoded.key(e),
                    self.table.entry_seqno(e.seqno),
                    value,
                )));
            }
            if self.reverse {
                if self.next_block == 0 {
                    return Ok(None);
                }
                self.next_block -= 1;
                self.load(self.next_block)?;
            } else {
                if self.next_block >= self.table.num_blocks() {
                    return Ok(None);
                }
                self.load(self.next_block)?;
                self.next_block += 1;
            }
        }
    }
}

fn below_lower(key: &[u8], lower: &Bound<Vec<u8>>) -> bool {
    match lower {
        Bound::Included(l) => key < l.as_slice(),
        Bound::Excluded(l) => key <= l.as_slice(),
        Bound::Unbounded => false,
    }
}

fn above_upper(key: &[u8], upper: &Bound<Vec<u8>>) -> bool {
    match upper {
        Bound::Included(u) => key > u.as_slice(),
        Bound::Excluded(u) => key >= u.as_slice(),
        Bound::Unbounded => false,
    }
}

/// A scan over one table: yields, per user key in range, the newest version visible at the
/// snapshot (tombstones included; the merge above drops them).
pub(crate) struct TableScan {
    cursor: RawCursor,
    lower: Bound<Vec<u8>>,
    upper: Bound<Vec<u8>>,
    snap: SeqNo,
    /// Reverse scans see a key's versions oldest first: the group being assembled.
    group: Option<KvEntry>,
    done: bool,
}

impl TableScan {
    pub(crate) fn new(
        table: Arc<Table>,
        lower: Bound<Vec<u8>>,
        upper: Bound<Vec<u8>>,
        reverse: bool,
        snap: SeqNo,
    ) -> TableScan {
        let cursor = RawCursor::new(
            table,
            lower.as_ref().map(Vec::as_slice),
            upper.as_ref().map(Vec::as_slice),
            reverse,
        );
        TableScan {
            cursor,
            lower,
            upper,
            snap,
            group: None,
            done: false,
        }
    }

    pub(crate) fn next_entry(&mut self) -> Result<Option<KvEntry>> {
        if self.done {
            return Ok(None);
        }
        if self.cursor.reverse {
            self.next_reverse()
        } else {
            self.next_forward()
        }
    }

    fn next_forward(&mut self) -> Result<Option<KvEntry>> {
        let skip_key: Option<Vec<u8>> = self.group.take().map(|g| g.key);
        loop {
            let Some((k, s, v)) = self.cursor.next()? else {
                self.done = true;
                return Ok(None);
            };
            if skip_key.as_deref() == Some(k) || below_lower(k, &self.lower) {
                continue;
            }
            if above_upper(k, &self.upper) {
                self.done = true;
                return Ok(None);
            }
            if s > self.snap {
                continue;
            }
            let e = KvEntry {
                key: k.to_vec(),
                seqno: s,
                value: v.map(<[u8]>::to_vec),
            };
            // Remember the key so its older versions are skipped on the next call.
            self.group = Some(KvEntry {
                key: e.key.clone(),
                seqno: s,
                value: None,
            });
            return Ok(Some(e));
        }
    }

    fn next_reverse(&mut self) -> Result<Option<KvEntry>> {
        loop {
            let Some((k, s, v)) = self.cursor.next()? else {
                self.done = true;
                return Ok(self.group.take());
            };
            if above_upper(k, &self.upper) {
                continue;
            }
            if below_lower(k, &self.lower) {
                self.done = true;
                return Ok(self.group.take());
            }
            let same = self.group.as_ref().is_some_and(|g| g.key == k);
            let visible = s <= self.snap;
            if same {
                if visible {
                    // Versions arrive oldest first: a later visible one is newer.
                    if let Some(g) = self.group.as_mut() {
                        g.seqno = s;
                        g.value = v.map(<[u8]>::to_vec);
                    }
                }
                continue;
            }
            let finished = self.group.take();
            if visible {
                self.group = Some(KvEntry {
                    key: k.to_vec(),
                    seqno: s,
                    value: v.map(<[u8]>::to_vec),
                });
            }
            if finished.is_some() {
                return Ok(finished);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bloom::hash64;
    use crate::cache::BlockCache;
    use crate::fs::FileSystem;
    use crate::sim_fs::SimFs;
    use crate::sstable::table_file_name;
    use crate::sstable::writer::TableWriter;
    use std::collections::BTreeMap;

    /// Point lookups through the prefix search agree with a map, in a table of many small
    /// blocks whose keys share 8-byte prefixes (block boundaries fall inside runs of equal
    /// prefixes), differ in the first bytes, or are shorter than 8 bytes; several versions
    /// per key and keys that are absent.
    #[test]
    fn lookups_find_every_version_across_many_blocks() {
        let fs: Arc<dyn FileSystem> = Arc::new(SimFs::new());
        let dir = Path::new("/t");
        fs.create_dir_all(dir).expect("mkdir");
        let mut keys: Vec<Vec<u8>> = Vec::new();
        for i in 0..300u32 {
            keys.push(format!("sameprefix{i:05}").into_bytes()); // 8 equal bytes, then a run
            keys.push(i.to_be_bytes().to_vec()); // short, distinct prefixes
            keys.push([&[0xee][..], &i.to_be_bytes()[..], b"tail"].concat());
        }
        keys.sort();
        keys.dedup();
        // Each key gets versions at seqnos 30 and 20 (20 deleted for every third key).
        let mut model: BTreeMap<(Vec<u8>, SeqNo), Option<Vec<u8>>> = BTreeMap::new();
        let mut writer = TableWriter::create(fs.clone(), dir, 1, 256, 10).expect("writer");
        for (n, key) in keys.iter().enumerate() {
            for seqno in [30, 20] {
                let value = (seqno == 30 || n % 3 != 0).then(|| format!("{n}@{seqno}"));
                writer
                    .add(key, seqno, value.as_deref().map(str::as_bytes))
                    .expect("add");
                model.insert((key.clone(), seqno), value.map(String::into_bytes));
            }
        }
        let meta = writer.finish().expect("finish");
        let table = Table::open(
            fs.clone(),
            dir.join(table_file_name(1)),
            meta,
            Arc::new(BlockCache::new(1 << 20)),
        )
        .expect("open");
        assert!(
            table.num_blocks() > 50,
            "small blocks: {}",
            table.num_blocks()
        );
        for key in &keys {
            for (snap, seqno) in [(35, 30), (30, 30), (25, 20), (20, 20)] {
                let found = table.get(key, hash64(key), snap).expect("get");
                let expected = model[&(key.clone(), seqno)].clone();
                assert_eq!(found, Some((seqno, expected)), "{key:?} at {snap}");
            }
            assert_eq!(table.get(key, hash64(key), 10).expect("get"), None);
        }
        for absent in [
            &b"samepref"[..],
            b"sameprefix",
            b"sameprefix00000x",
            b"\0",
            b"zzz",
        ] {
            assert_eq!(table.get(absent, hash64(absent), 40).expect("get"), None);
        }
    }

    /// A strictly smaller prefix must mean a strictly smaller key, whatever the lengths:
    /// the index's binary search trusts it without reading the keys.
    #[test]
    fn a_smaller_key_prefix_means_a_smaller_key() {
        let keys: Vec<Vec<u8>> = vec![
            vec![],
            vec![0],
            vec![0, 0],
            b"a".to_vec(),
            b"a\0".to_vec(),
            b"a\0x".to_vec(),
            b"abcdefgh".to_vec(),
            b"abcdefgh\0".to_vec(),
            b"abcdefghi".to_vec(),
            b"abcdefgi".to_vec(),
            vec![0xff; 3],
            vec![0xff; 9],
        ];
        for a in &keys {
            for b in &keys {
                match key_prefix(a).cmp(&key_prefix(b)) {
                    Ordering::Equal => {}
                    order => assert_eq!(order, a.cmp(b), "{a:?} against {b:?}"),
                }
            }
        }
    }
}
