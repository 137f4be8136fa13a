//! Sorted string tables: immutable files of versions in internal order, written by flush and
//! compaction and read through the block cache.
//!
//! ```text
//! NNNNNN.sst := data block+ | filter block | index block | properties block | footer
//!   every block is followed by its crc32 (u32 LE)
//!   data block      : see block.rs, about `block_size_bytes` each
//!   filter block    : bloom filter over the user keys (bloom.rs); empty when disabled
//!   index block     : block.rs format, restart interval 1; one entry per data block,
//!                     key = the block's last (user key, seqno), value = offset varint | size varint
//!   properties block: entries u64 | tombstones u64 | min seqno u64 | max seqno u64
//!                     | smallest key (varint len + bytes) | largest key (varint len + bytes)
//!   footer (48 bytes): index offset u64 | index size u32 | filter offset u64 | filter size u32
//!                     | props offset u64 | props size u32 | format version u8 | 3 zero bytes
//!                     | magic u64 "EDBSST\x00\x01" (LE)
//! ```
//!
//! Sizes exclude the 4-byte crc. A table is written as `NNNNNN.sst.tmp`, fsynced, renamed to
//! `NNNNNN.sst`, and the directory fsynced, before the manifest may name it.

pub(crate) mod block;
pub(crate) mod reader;
pub(crate) mod writer;

use crate::coding::{put_u32, put_u64, u32_at, u64_at};

pub(crate) const SST_FORMAT_VERSION: u8 = 1;
pub(crate) const SST_MAGIC: u64 = u64::from_le_bytes(*b"EDBSST\x00\x01");
pub(crate) const FOOTER_BYTES: usize = 48;
/// Bytes of crc after every block.
pub(crate) const BLOCK_TRAILER_BYTES: usize = 4;

pub(crate) fn table_file_name(number: u64) -> String {
    format!("{number:06}.sst")
}

pub(crate) fn parse_table_name(name: &str) -> Option<u64> {
    name.strip_suffix(".sst")?.parse().ok()
}

/// Location of a block in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Handle {
    pub offset: u64,
    pub size: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Footer {
    pub index: Handle,
    pub filter: Handle,
    pub props: Handle,
    pub version: u8,
}

impl Footer {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(FOOTER_BYTES);
        for h in [self.index, self.filter, self.props] {
            put_u64(&mut b, h.offset);
            put_u32(&mut b, h.size);
        }
        b.push(self.version);
        b.extend_from_slice(&[0, 0, 0]);
        put_u64(&mut b, SST_MAGIC);
        debug_assert_eq!(b.len(), FOOTER_BYTES);
        b
    }

    /// Decodes a footer; the magic is checked by the caller so it can report it precisely.
    pub(crate) fn decode(b: &[u8]) -> (Footer, u64) {
        let h = |at: usize| Handle {
            offset: u64_at(b, at),
            size: u32_at(b, at + 8),
        };
        (
            Footer {
                index: h(0),
                filter: h(12),
                props: h(24),
                version: b[36],
            },
            u64_at(b, 40),
        )
    }
}
