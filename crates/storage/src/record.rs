//! Checksummed record framing shared by the WAL segments and the manifest, and a sequential
//! reader that tells a torn tail (incomplete bytes at the end, nothing valid after) from damage
//! in the middle of a file (a bad record followed by valid ones).
//!
//! ```text
//! +-------------+-------------+-----------+---------------------+
//! | crc32 u32LE | len u32 LE  | type u8   | payload (len bytes) |
//! +-------------+-------------+-----------+---------------------+
//!   crc32 (crc32fast, IEEE) covers the len, type and payload bytes.
//! ```
//!
//! Type 0 is never written, so a zero-filled tail (a file extended by the OS but never written)
//! never parses as a record.

use std::path::{Path, PathBuf};

use crate::coding::{put_u32, u32_at};
use crate::error::IoContext;
use crate::fs::File;
use crate::{Error, Result};

/// Bytes of framing before each payload.
pub(crate) const HEADER_BYTES: usize = 9;
/// Largest payload a record may carry: bounds what a damaged length field can make us allocate.
pub(crate) const MAX_PAYLOAD_BYTES: usize = 128 * 1024 * 1024;

/// Appends one framed record to `buf`.
pub(crate) fn encode(buf: &mut Vec<u8>, kind: u8, payload: &[u8]) {
    debug_assert!(
        kind != 0,
        "record type 0 is reserved for zero-filled garbage"
    );
    debug_assert!(payload.len() <= MAX_PAYLOAD_BYTES);
    let mut h = crc32fast::Hasher::new();
    let len = (payload.len() as u32).to_le_bytes();
    h.update(&len);
    h.update(&[kind]);
    h.update(payload);
    put_u32(buf, h.finalize());
    buf.extend_from_slice(&len);
    buf.push(kind);
    buf.extend_from_slice(payload);
}

fn crc_of(len_bytes: &[u8], kind: u8, payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(len_bytes);
    h.update(&[kind]);
    h.update(payload);
    h.finalize()
}

/// What the reader found at its position.
pub(crate) enum Next {
    /// A valid record.
    Record {
        offset: u64,
        kind: u8,
        payload: Vec<u8>,
    },
    /// Clean end of file.
    End,
    /// The bytes at `offset` are not a valid record (incomplete, bad checksum, bad type).
    Bad { offset: u64, error: Error },
}

/// Reads a file's records front to back. The whole file is read into memory up front: WAL
/// segments are bounded by the segment size limit and manifests by rollover, and having the
/// bytes at hand makes the "is anything valid after this?" scan cheap.
pub(crate) struct RecordReader {
    path: PathBuf,
    data: Vec<u8>,
    pos: usize,
    valid_kind: fn(u8) -> bool,
}

impl RecordReader {
    pub(crate) fn open(file: &dyn File, path: &Path, valid_kind: fn(u8) -> bool) -> Result<Self> {
        let len = file.len().ctx("stat", path)?;
        let len = usize::try_from(len).map_err(|_| Error::corruption(path, 0, "file too large"))?;
        let mut data = vec![0u8; len];
        file.read_exact_at(&mut data, 0).ctx("read", path)?;
        Ok(RecordReader {
            path: path.to_owned(),
            data,
            pos: 0,
            valid_kind,
        })
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn len(&self) -> u64 {
        self.data.len() as u64
    }

    /// Parses the record at `at` without moving; `Ok(None)` at clean end of file.
    fn parse_at(&self, at: usize) -> std::result::Result<Option<(u8, usize, usize)>, Error> {
        let rest = &self.data[at..];
        if rest.is_empty() {
            return Ok(None);
        }
        if rest.len() < HEADER_BYTES {
            return Err(Error::corruption(
                &self.path,
                at as u64,
                "incomplete record header",
            ));
        }
        let expected = u32_at(rest, 0);
        let len = u32_at(rest, 4) as usize;
        let kind = rest[8];
        if !(self.valid_kind)(kind) {
            return Err(Error::corruption(
                &self.path,
                at as u64,
                format!("invalid record type {kind}"),
            ));
        }
        if len > MAX_PAYLOAD_BYTES {
            return Err(Error::corruption(
                &self.path,
                at as u64,
                format!("record length {len} over the limit"),
            ));
        }
        if rest.len() < HEADER_BYTES + len {
            return Err(Error::corruption(
                &self.path,
                at as u64,
                "incomplete record payload",
            ));
        }
        let payload = &rest[HEADER_BYTES..HEADER_BYTES + len];
        let actual = crc_of(&rest[4..8], kind, payload);
        if actual != expected {
            return Err(Error::ChecksumMismatch {
                file: self.path.clone(),
                offset: at as u64,
                expected,
                actual,
            });
        }
        Ok(Some((kind, HEADER_BYTES, len)))
    }

    /// Reads the next record.
    pub(crate) fn next(&mut self) -> Next {
        let at = self.pos;
        match self.parse_at(at) {
            Ok(None) => Next::End,
            Ok(Some((kind, header, len))) => {
                let payload = self.data[at + header..at + header + len].to_vec();
                self.pos = at + header + len;
                Next::Record {
                    offset: at as u64,
                    kind,
                    payload,
                }
            }
            Err(error) => Next::Bad {
                offset: at as u64,
                error,
            },
        }
    }

    /// Whether every byte from `offset` to the end is zero (preallocated, never written).
    pub(crate) fn rest_is_zero(&self, offset: u64) -> bool {
        self.data[offset as usize..].iter().all(|&b| b == 0)
    }

    /// Whether any valid record starts after `bad_offset`. Used to tell a torn tail (nothing
    /// valid follows: the bytes were being written when the process or machine died) from
    /// damage in the middle of the file (valid records follow a bad one).
    pub(crate) fn valid_record_after(&self, bad_offset: u64) -> bool {
        let start = bad_offset as usize + 1;
        (start..self.data.len().saturating_sub(HEADER_BYTES - 1))
            .any(|at| matches!(self.parse_at(at), Ok(Some(_))))
    }
}
