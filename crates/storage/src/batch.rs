//! [`WriteBatch`]: a list of puts and deletes across keyspaces, applied atomically under one
//! sequence number. Operations are encoded as they are added, in exactly the form the WAL stores,
//! so committing a batch copies bytes instead of re-encoding.
//!
//! ```text
//! op := kind u8 (1 = put, 2 = delete) | keyspace u32 LE | key_len varint | key
//!       [ value_len varint | value ]            -- puts only
//! ```

use crate::coding::{Reader, put_bytes, put_u32};
use crate::{Error, KeyspaceId, Result};

pub(crate) const OP_PUT: u8 = 1;
pub(crate) const OP_DELETE: u8 = 2;

/// An atomic group of writes. A later operation on the same key overrides an earlier one.
#[derive(Clone, Debug)]
pub struct WriteBatch {
    pub(crate) data: Vec<u8>,
    pub(crate) count: usize,
    /// The largest key and value added, checked against the limits at commit.
    pub(crate) max_key_bytes: usize,
    pub(crate) max_value_bytes: usize,
    pub(crate) sync: bool,
}

impl Default for WriteBatch {
    fn default() -> Self {
        WriteBatch::new()
    }
}

impl WriteBatch {
    /// An empty batch that will be synced on commit (if the engine syncs at all).
    pub fn new() -> Self {
        WriteBatch {
            data: Vec::new(),
            count: 0,
            max_key_bytes: 0,
            max_value_bytes: 0,
            sync: true,
        }
    }

    /// Sets `key` to `value` in keyspace `ks`.
    /// An empty batch with room for about `size_bytes` of encoded operations, so a batch
    /// whose size is known up front is built without regrowing its buffer.
    pub fn with_capacity(size_bytes: usize) -> Self {
        let mut batch = WriteBatch::new();
        batch.data.reserve_exact(size_bytes);
        batch
    }

    pub fn put(&mut self, ks: KeyspaceId, key: &[u8], value: &[u8]) {
        // One growth step per op instead of several doublings of a small buffer.
        self.data.reserve(1 + 4 + 10 + key.len() + 10 + value.len());
        self.data.push(OP_PUT);
        put_u32(&mut self.data, ks.0);
        put_bytes(&mut self.data, key);
        put_bytes(&mut self.data, value);
        self.count += 1;
        self.max_key_bytes = self.max_key_bytes.max(key.len());
        self.max_value_bytes = self.max_value_bytes.max(value.len());
    }

    /// Deletes `key` from keyspace `ks`.
    pub fn delete(&mut self, ks: KeyspaceId, key: &[u8]) {
        self.data.reserve(1 + 4 + 10 + key.len());
        self.data.push(OP_DELETE);
        put_u32(&mut self.data, ks.0);
        put_bytes(&mut self.data, key);
        self.count += 1;
        self.max_key_bytes = self.max_key_bytes.max(key.len());
    }

    /// Whether the commit waits for fsync (default true). Has no effect when the engine was
    /// opened with `Options::sync == false`.
    pub fn set_sync(&mut self, sync: bool) {
        self.sync = sync;
    }

    /// Number of operations.
    pub fn len(&self) -> usize {
        self.count
    }

    /// True when the batch holds no operation.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Encoded size in bytes (what it will occupy in the WAL, before framing).
    pub fn size_bytes(&self) -> usize {
        self.data.len()
    }

    /// Removes every operation, keeping the allocation.
    pub fn clear(&mut self) {
        self.data.clear();
        self.count = 0;
        self.max_key_bytes = 0;
        self.max_value_bytes = 0;
    }
}

/// One decoded operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Op<'a> {
    pub ks: KeyspaceId,
    pub key: &'a [u8],
    /// `None` for a delete.
    pub value: Option<&'a [u8]>,
}

/// Iterates the operations of an encoded batch without allocating; yields an error (and then
/// stops) on malformed bytes.
pub(crate) struct OpIter<'a> {
    r: Reader<'a>,
    failed: bool,
}

pub(crate) fn ops(data: &[u8]) -> OpIter<'_> {
    OpIter {
        r: Reader::new(data),
        failed: false,
    }
}

impl<'a> OpIter<'a> {
    fn decode_one(&mut self) -> std::result::Result<Op<'a>, &'static str> {
        let kind = self.r.u8()?;
        let ks = KeyspaceId(self.r.u32()?);
        let key = self.r.bytes()?;
        let value = match kind {
            OP_PUT => Some(self.r.bytes()?),
            OP_DELETE => None,
            _ => return Err("unknown operation kind"),
        };
        Ok(Op { ks, key, value })
    }
}

impl<'a> Iterator for OpIter<'a> {
    type Item = std::result::Result<Op<'a>, &'static str>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.r.is_empty() {
            return None;
        }
        let r = self.decode_one();
        self.failed = r.is_err();
        Some(r)
    }
}

/// Decodes the operations of an encoded batch, failing on malformed bytes with a reason.
pub(crate) fn decode_ops(data: &[u8]) -> std::result::Result<Vec<Op<'_>>, &'static str> {
    ops(data).collect()
}

/// Checks a batch against the engine's limits before it is committed.
pub(crate) fn check_limits(batch: &WriteBatch, limits: &crate::options::Limits) -> Result<()> {
    let check = |what, actual: usize, limit: usize| {
        if actual > limit {
            Err(Error::LimitExceeded {
                what,
                limit_bytes: limit as u64,
                actual_bytes: actual as u64,
            })
        } else {
            Ok(())
        }
    };
    check("key", batch.max_key_bytes, limits.max_key_bytes)?;
    check("value", batch.max_value_bytes, limits.max_value_bytes)?;
    check("write batch", batch.data.len(), limits.max_batch_bytes)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_decode() {
        let mut b = WriteBatch::new();
        b.put(KeyspaceId(3), b"k1", b"v1");
        b.delete(KeyspaceId(4), b"k2");
        b.put(KeyspaceId(3), b"", b"");
        assert_eq!(b.len(), 3);
        let ops = decode_ops(&b.data).unwrap();
        assert_eq!(
            ops,
            vec![
                Op {
                    ks: KeyspaceId(3),
                    key: b"k1",
                    value: Some(b"v1")
                },
                Op {
                    ks: KeyspaceId(4),
                    key: b"k2",
                    value: None
                },
                Op {
                    ks: KeyspaceId(3),
                    key: b"",
                    value: Some(b"")
                },
            ]
        );
        assert!(decode_ops(&[9, 0, 0, 0, 0, 0]).is_err());
    }
}
