//! SST blocks: sorted entries with prefix-compressed keys and restart points for binary search.
//! Data blocks and the index block share this format.
//!
//! ```text
//! entry  := shared varint      -- bytes of key shared with the previous entry (0 at restarts)
//!           unshared varint    -- bytes of key that follow
//!           meta varint        -- seqno << 1 | has_value (0 = tombstone)
//!           [value_len varint] -- only when has_value
//!           key suffix (unshared bytes) | value
//! block  := entry* | restart offset u32 LE * n | n u32 LE
//! on disk:  block | crc32 u32 LE of the block bytes
//! ```
//!
//! Entries are in internal order: user key ascending, seqno descending. Every 16th entry is a
//! restart point holding its full key, so a lookup binary-searches restarts and then scans at
//! most 16 entries.

use std::cmp::Ordering;

use crate::SeqNo;
use crate::coding::{Reader, compare_keys, put_u32, put_varint, u32_at};

pub(crate) const RESTART_INTERVAL: usize = 16;

/// Internal-key order: user key ascending, then seqno descending.
#[inline]
pub(crate) fn cmp_internal(k1: &[u8], s1: SeqNo, k2: &[u8], s2: SeqNo) -> Ordering {
    compare_keys(k1, k2).then(s2.cmp(&s1))
}

/// Builds one block.
#[derive(Default)]
pub(crate) struct BlockBuilder {
    buf: Vec<u8>,
    restarts: Vec<u32>,
    counter: usize,
    last_key: Vec<u8>,
    entries: usize,
    restart_interval: usize,
}

impl BlockBuilder {
    pub(crate) fn new(restart_interval: usize) -> BlockBuilder {
        BlockBuilder {
            restart_interval: restart_interval.max(1),
            ..Default::default()
        }
    }

    /// Adds an entry; entries must come in internal order.
    pub(crate) fn add(&mut self, key: &[u8], seqno: SeqNo, value: Option<&[u8]>) {
        debug_assert!(seqno < (1 << 63));
        let shared = if self.counter.is_multiple_of(self.restart_interval) {
            self.restarts.push(self.buf.len() as u32);
            0
        } else {
            self.last_key
                .iter()
                .zip(key)
                .take_while(|(a, b)| a == b)
                .count()
        };
        self.counter += 1;
        put_varint(&mut self.buf, shared as u64);
        put_varint(&mut self.buf, (key.len() - shared) as u64);
        put_varint(&mut self.buf, (seqno << 1) | u64::from(value.is_some()));
        if let Some(v) = value {
            put_varint(&mut self.buf, v.len() as u64);
        }
        self.buf.extend_from_slice(&key[shared..]);
        if let Some(v) = value {
            self.buf.extend_from_slice(v);
        }
        self.last_key.clear();
        self.last_key.extend_from_slice(key);
        self.entries += 1;
    }

    pub(crate) fn size_estimate(&self) -> usize {
        self.buf.len() + 4 * self.restarts.len() + 4
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// Finishes the block and returns its bytes (without crc), resetting the builder.
    pub(crate) fn finish(&mut self) -> Vec<u8> {
        let mut out = std::mem::take(&mut self.buf);
        if self.restarts.is_empty() {
            self.restarts.push(0);
        }
        for r in &self.restarts {
            put_u32(&mut out, *r);
        }
        put_u32(&mut out, self.restarts.len() as u32);
        self.restarts.clear();
        self.counter = 0;
        self.entries = 0;
        self.last_key.clear();
        out
    }
}

/// One decoded entry; the value is a range into the block's bytes.
#[derive(Debug, Clone)]
pub(crate) struct BlockEntry {
    pub key: Vec<u8>,
    pub seqno: SeqNo,
    pub value: Option<(usize, usize)>,
}

/// A validated, immutable block.
pub(crate) struct Block {
    data: Vec<u8>,
    restarts_at: usize,
    num_restarts: usize,
}

type Decoded = Result<(usize, SeqNo, Option<(usize, usize)>), &'static str>;

impl Block {
    /// Checks the restart array; entries are checked as they are decoded.
    pub(crate) fn new(data: Vec<u8>) -> Result<Block, &'static str> {
        if data.len() < 4 {
            return Err("block shorter than its restart count");
        }
        let n = u32_at(&data, data.len() - 4) as usize;
        let restarts_bytes = n.checked_mul(4).ok_or("restart count overflow")?;
        if n == 0 || restarts_bytes + 4 > data.len() {
            return Err("bad restart count");
        }
        let restarts_at = data.len() - 4 - restarts_bytes;
        for i in 0..n {
            if u32_at(&data, restarts_at + 4 * i) as usize > restarts_at {
                return Err("restart offset past the entries");
            }
        }
        Ok(Block {
            data,
            restarts_at,
            num_restarts: n,
        })
    }

    #[cfg(test)]
    pub(crate) fn from_raw_for_test(data: Vec<u8>) -> Block {
        Block {
            restarts_at: 0,
            num_restarts: 0,
            data,
        }
    }

    pub(crate) fn size_bytes(&self) -> usize {
        self.data.len()
    }

    pub(crate) fn bytes(&self, range: (usize, usize)) -> &[u8] {
        &self.data[range.0..range.1]
    }

    fn restart(&self, i: usize) -> usize {
        u32_at(&self.data, self.restarts_at + 4 * i) as usize
    }

    /// Decodes the entry at `pos`, rebuilding its key in `key` from the previous key.
    fn decode_at(&self, pos: usize, key: &mut Vec<u8>) -> Decoded {
        let entries = &self.data[..self.restarts_at];
        let mut r = Reader::new(&entries[pos..]);
        let shared = r.varint()? as usize;
        let unshared = r.varint()? as usize;
        let meta = r.varint()?;
        let vlen = if meta & 1 == 1 {
            Some(r.varint()? as usize)
        } else {
            None
        };
        if shared > key.len() {
            return Err("shared prefix longer than previous key");
        }
        let suffix = r.take(unshared)?;
        key.truncate(shared);
        key.extend_from_slice(suffix);
        let value = match vlen {
            Some(n) => {
                let start = pos + r.pos();
                r.take(n)?;
                Some((start, start + n))
            }
            None => None,
        };
        Ok((pos + r.pos(), meta >> 1, value))
    }

    /// The first entry at or after (`key`, `seqno`) in internal order, if any.
    pub(crate) fn seek(
        &self,
        key: &[u8],
        seqno: SeqNo,
    ) -> Result<Option<BlockEntry>, &'static str> {
        // Binary search for the last restart whose key is before the target.
        let (mut left, mut right) = (0usize, self.num_restarts - 1);
        let mut k = Vec::with_capacity(key.len() + 8);
        while left < right {
            let mid = (left + right).div_ceil(2);
            k.clear();
            let (_, s, _) = self.decode_at(self.restart(mid), &mut k)?;
            if cmp_internal(&k, s, key, seqno) == Ordering::Less {
                left = mid;
            } else {
                right = mid - 1;
            }
        }
        let mut pos = self.restart(left);
        k.clear();
        while pos < self.restarts_at {
            let (next, s, v) = self.decode_at(pos, &mut k)?;
            if cmp_internal(&k, s, key, seqno) != Ordering::Less {
                return Ok(Some(BlockEntry {
                    key: k,
                    seqno: s,
                    value: v,
                }));
            }
            pos = next;
        }
        Ok(None)
    }

    /// Every entry, in order.
    pub(crate) fn entries(&self) -> Result<Vec<BlockEntry>, &'static str> {
        let mut decoded = DecodedBlock::default();
        self.decode_all(&mut decoded)?;
        Ok(decoded
            .entries
            .iter()
            .map(|e| BlockEntry {
                key: decoded.key(e).to_vec(),
                seqno: e.seqno,
                value: e.value,
            })
            .collect())
    }

    /// Decodes every entry, in order, into `out` (cleared first; its buffers are reused, so a
    /// cursor walking many blocks rarely grows them). Checks that the entries
    /// are in strictly increasing internal order.
    pub(crate) fn decode_all(&self, out: &mut DecodedBlock) -> Result<(), &'static str> {
        out.keys.clear();
        out.entries.clear();
        let mut pos = 0;
        // Each key is rebuilt here from the one before it, then copied to the buffer.
        let mut k = Vec::new();
        while pos < self.restarts_at {
            let (next, s, v) = self.decode_at(pos, &mut k)?;
            if let Some(prev) = out.entries.last()
                && cmp_internal(out.key(prev), prev.seqno, &k, s) != Ordering::Less
            {
                return Err("entries out of order");
            }
            let start = out.keys.len();
            out.keys.extend_from_slice(&k);
            out.entries.push(DecodedEntry {
                key: (start, out.keys.len()),
                seqno: s,
                value: v,
            });
            pos = next;
        }
        Ok(())
    }
}

/// A block's entries decoded side by side: every key in one buffer, instead of an allocation
/// per key (a block holds a hundred or more).
#[derive(Default)]
pub(crate) struct DecodedBlock {
    /// The keys, end to end.
    keys: Vec<u8>,
    pub entries: Vec<DecodedEntry>,
}

impl DecodedBlock {
    pub(crate) fn key(&self, entry: &DecodedEntry) -> &[u8] {
        &self.keys[entry.key.0..entry.key.1]
    }
}

/// One entry of a [`DecodedBlock`]: its key is a range of the keys buffer, its value a range of
/// the block's bytes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DecodedEntry {
    key: (usize, usize),
    pub seqno: SeqNo,
    pub value: Option<(usize, usize)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_seek_iterate() {
        let mut b = BlockBuilder::new(RESTART_INTERVAL);
        let mut expected = Vec::new();
        for i in 0..100u32 {
            let key = format!("key{i:04}");
            for s in [30u64, 20, 10] {
                let v = (i % 3 != 0).then(|| format!("v{i}-{s}"));
                b.add(
                    key.as_bytes(),
                    s + u64::from(i),
                    v.as_deref().map(str::as_bytes),
                );
                expected.push((key.clone(), s + u64::from(i), v));
            }
        }
        let block = Block::new(b.finish()).unwrap();
        let entries = block.entries().unwrap();
        assert_eq!(entries.len(), expected.len());
        for (e, (k, s, v)) in entries.iter().zip(&expected) {
            assert_eq!(e.key, k.as_bytes());
            assert_eq!(e.seqno, *s);
            assert_eq!(
                e.value.map(|r| block.bytes(r).to_vec()),
                v.as_ref().map(|v| v.as_bytes().to_vec())
            );
        }
        // Seek to key50 at snapshot 65: versions are 80, 70, 60 -> finds 60.
        let e = block.seek(b"key0050", 65).unwrap().unwrap();
        assert_eq!((e.key.as_slice(), e.seqno), (&b"key0050"[..], 60));
        // Below all versions of key50: lands on key51's newest.
        let e = block.seek(b"key0050", 5).unwrap().unwrap();
        assert_eq!(e.key, b"key0051");
        assert!(block.seek(b"key9999", 100).unwrap().is_none());
        let e = block.seek(b"", 0).unwrap().unwrap();
        assert_eq!(e.key, b"key0000");
        assert!(Block::new(vec![1, 2]).is_err());
    }

    fn block_of(keys: &[&str]) -> Block {
        let mut b = BlockBuilder::new(2);
        for (i, k) in keys.iter().enumerate() {
            b.add(k.as_bytes(), 1, Some(format!("v{i}").as_bytes()));
        }
        Block::new(b.finish()).expect("valid block")
    }

    fn keys_of(decoded: &DecodedBlock) -> Vec<String> {
        decoded
            .entries
            .iter()
            .map(|e| String::from_utf8_lossy(decoded.key(e)).into_owned())
            .collect()
    }

    /// A cursor reuses one `DecodedBlock` for every block it walks: each decode must leave
    /// exactly that block's entries, whatever the one before held.
    #[test]
    fn decoding_into_a_reused_buffer_keeps_only_the_new_block() {
        let mut decoded = DecodedBlock::default();
        let first = block_of(&["apple", "apricot", "banana", "blueberry", "cherry"]);
        first.decode_all(&mut decoded).expect("decode");
        assert_eq!(
            keys_of(&decoded),
            ["apple", "apricot", "banana", "blueberry", "cherry"]
        );
        let second = block_of(&["kiwi", "lemon"]);
        second.decode_all(&mut decoded).expect("decode");
        assert_eq!(keys_of(&decoded), ["kiwi", "lemon"]);
        let value = decoded.entries[1].value.map(|r| second.bytes(r));
        assert_eq!(value, Some(&b"v1"[..]));
    }

    #[test]
    fn decoding_rejects_entries_out_of_order() {
        // The builder trusts its caller; a block written out of order is damage to report.
        let block = block_of(&["b", "a"]);
        let mut decoded = DecodedBlock::default();
        assert_eq!(
            block.decode_all(&mut decoded).err(),
            Some("entries out of order")
        );
        assert_eq!(block.entries().err(), Some("entries out of order"));
    }
}
