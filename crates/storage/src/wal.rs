//! The write-ahead log: numbered segment files `wal-NNNNNN.log` holding committed write batches
//! in sequence-number order, written by the group-commit leader and replayed at open.
//!
//! ```text
//! segment  := Header record, then batches
//! Header   := type 1, payload: magic "EDBWAL\0\0" (8) | format version u8 | segment number u64
//! batch    := Begin, Data+, Commit        (records framed as in `record.rs`)
//! Begin    := type 2, payload: seqno u64 | op count u32 | data length u32
//! Data     := type 3, payload: up to 32 KiB of the batch's encoded ops (see `batch.rs`)
//! Commit   := type 4, payload: seqno u64 (must equal Begin's)
//! ```
//!
//! A batch counts only if its Commit record is read; Data is split into 32 KiB records so a torn
//! write loses little and the reader never trusts a huge length it has not checksummed.
//!
//! Recovery rules: the last segment may end in a torn tail — an incomplete or bad record after
//! which nothing valid follows — which is truncated away (with a warning) back to the start of
//! the incomplete batch. A bad record followed by valid ones, or any damage in a segment that is
//! not the last, is corruption: the open fails naming the file and offset. A segment is synced
//! before the next one is created, so only the last can legitimately be torn.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::batch::decode_ops;
use crate::coding::{Reader, put_u64};
use crate::error::IoContext;
use crate::fs::{File, FileSystem};
use crate::record::{self, Next, RecordReader};
use crate::wal_sync::SyncThread;
use crate::{Error, Result, SeqNo};

pub(crate) const WAL_FORMAT_VERSION: u8 = 1;
const MAGIC: &[u8; 8] = b"EDBWAL\0\0";

const REC_HEADER: u8 = 1;
const REC_BEGIN: u8 = 2;
const REC_DATA: u8 = 3;
const REC_COMMIT: u8 = 4;

/// Data records carry at most this many bytes of a batch.
const DATA_CHUNK_BYTES: usize = 32 * 1024;

fn valid_kind(k: u8) -> bool {
    (REC_HEADER..=REC_COMMIT).contains(&k)
}

/// The file name of segment `number`.
pub(crate) fn segment_file_name(number: u64) -> String {
    format!("wal-{number:06}.log")
}

/// The segment number encoded in a file name, if it is a WAL segment.
pub(crate) fn parse_segment_name(name: &str) -> Option<u64> {
    name.strip_prefix("wal-")?
        .strip_suffix(".log")?
        .parse()
        .ok()
}

/// Appends the framed records of one batch to `buf`.
pub(crate) fn encode_batch(buf: &mut Vec<u8>, seqno: SeqNo, count: usize, data: &[u8]) {
    let mut begin = [0u8; 16];
    begin[..8].copy_from_slice(&seqno.to_le_bytes());
    begin[8..12].copy_from_slice(&(count as u32).to_le_bytes());
    begin[12..16].copy_from_slice(&(data.len() as u32).to_le_bytes());
    record::encode(buf, REC_BEGIN, &begin);
    for chunk in data.chunks(DATA_CHUNK_BYTES) {
        record::encode(buf, REC_DATA, chunk);
    }
    record::encode(buf, REC_COMMIT, &seqno.to_le_bytes());
}

/// Bytes `encode_batch` will produce for a batch of `data_len` bytes.
pub(crate) fn encoded_batch_bytes(data_len: usize) -> usize {
    let chunks = data_len.div_ceil(DATA_CHUNK_BYTES);
    (record::HEADER_BYTES + 16)
        + chunks * record::HEADER_BYTES
        + data_len
        + (record::HEADER_BYTES + 8)
}

/// The open, active segment. Only the group-commit leader (under the commit mutex) uses it.
pub(crate) struct WalWriter {
    file: Box<dyn File>,
    /// A second handle to the segment, for the fsync thread (`wal_sync`).
    sync_handle: Arc<dyn File>,
    path: PathBuf,
    number: u64,
    size_bytes: u64,
    /// The file is extended with zeros this far ahead of the data, `preallocate_bytes` at a
    /// time, so most fdatasyncs need not persist a size change.
    allocated_bytes: u64,
    preallocate_bytes: u64,
}

impl WalWriter {
    /// Creates segment `number` in `dir`, writes its header, and makes both the file and its
    /// directory entry durable before returning.
    pub(crate) fn create(
        fs: &dyn FileSystem,
        dir: &Path,
        number: u64,
        preallocate_bytes: u64,
    ) -> Result<WalWriter> {
        let path = dir.join(segment_file_name(number));
        let mut file = fs.create(&path).ctx("create", &path)?;
        let mut header = Vec::with_capacity(17);
        header.extend_from_slice(MAGIC);
        header.push(WAL_FORMAT_VERSION);
        put_u64(&mut header, number);
        let mut buf = Vec::new();
        record::encode(&mut buf, REC_HEADER, &header);
        file.append(&buf).ctx("append", &path)?;
        if preallocate_bytes > 0 {
            file.preallocate(preallocate_bytes)
                .ctx("preallocate", &path)?;
        }
        file.sync().ctx("fsync", &path)?;
        fs.sync_dir(dir).ctx("fsync dir", dir)?;
        let sync_handle = Arc::from(file.try_clone().ctx("open", &path)?);
        Ok(WalWriter {
            file,
            sync_handle,
            size_bytes: buf.len() as u64,
            path,
            number,
            allocated_bytes: preallocate_bytes,
            preallocate_bytes,
        })
    }

    pub(crate) fn number(&self) -> u64 {
        self.number
    }

    pub(crate) fn size_bytes(&self) -> u64 {
        self.size_bytes
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Appends already-framed records.
    pub(crate) fn append(&mut self, buf: &[u8]) -> Result<()> {
        let end = self.size_bytes + buf.len() as u64;
        if self.preallocate_bytes > 0 && end > self.allocated_bytes {
            let target = end.next_multiple_of(self.preallocate_bytes) + self.preallocate_bytes;
            self.file
                .preallocate(target)
                .ctx("preallocate", &self.path)?;
            self.allocated_bytes = target;
        }
        self.file.append(buf).ctx("append", &self.path)?;
        self.size_bytes += buf.len() as u64;
        Ok(())
    }

    /// fdatasyncs the segment.
    pub(crate) fn sync(&mut self) -> Result<()> {
        self.file.sync().ctx("fsync", &self.path)
    }

    /// fdatasyncs the segment on `thread` while the caller runs `meanwhile`; returns both
    /// results. Inline, one after the other, if the thread is gone.
    pub(crate) fn sync_during<T>(
        &mut self,
        thread: &mut SyncThread,
        meanwhile: impl FnOnce() -> T,
    ) -> (Result<()>, T) {
        match thread.begin(self.sync_handle.clone()) {
            Ok(pending) => {
                let value = meanwhile();
                (pending.wait().ctx("fsync", &self.path), value)
            }
            Err(_) => {
                let synced = self.sync();
                (synced, meanwhile())
            }
        }
    }
}

/// What replaying one segment found.
#[derive(Debug, Default)]
pub(crate) struct SegmentReplay {
    /// Highest committed seqno in the segment.
    pub max_seqno: Option<SeqNo>,
    /// Set when a torn tail was cut off: the new length.
    pub truncated_to: Option<u64>,
    /// Bytes of valid records (the file may be longer: preallocated zeros).
    pub valid_len: u64,
}

/// Replays segment `number`, calling `apply(seqno, op_count, data)` for each committed batch in
/// order. `is_last` allows a torn tail, which is then truncated durably.
pub(crate) fn replay_segment(
    fs: &dyn FileSystem,
    path: &Path,
    number: u64,
    is_last: bool,
    mut apply: impl FnMut(SeqNo, &[u8]) -> Result<()>,
) -> Result<SegmentReplay> {
    let mut file = fs.open(path).ctx("open", path)?;
    let mut reader = RecordReader::open(file.as_ref(), path, valid_kind)?;
    let mut out = SegmentReplay::default();
    let corrupt = |offset: u64, reason: &str| Error::corruption(path, offset, reason);

    // Start of the batch being assembled (where a torn tail is cut), its Begin and its data.
    let mut batch_start: u64 = 0;
    let mut pending: Option<(SeqNo, u32, usize)> = None;
    let mut data: Vec<u8> = Vec::new();
    let mut seen_header = false;
    let mut last_seqno: Option<SeqNo> = None;

    loop {
        match reader.next() {
            Next::End => {
                if pending.is_none() && seen_header {
                    out.valid_len = reader.len();
                    return Ok(out);
                }
                // Clean EOF inside a batch (or before the header): a torn tail.
                let cut = if seen_header { batch_start } else { 0 };
                return truncate_tail(file.as_mut(), path, is_last, cut, reader.len(), out, None);
            }
            Next::Bad { offset, error } => {
                if reader.rest_is_zero(offset) && pending.is_none() && seen_header {
                    // Preallocated space never written: a clean end.
                    out.valid_len = offset;
                    return Ok(out);
                }
                if reader.valid_record_after(offset) {
                    return Err(error);
                }
                let cut = if !seen_header {
                    0
                } else if pending.is_some() {
                    batch_start
                } else {
                    offset
                };
                return truncate_tail(
                    file.as_mut(),
                    path,
                    is_last,
                    cut,
                    reader.len(),
                    out,
                    Some(error),
                );
            }
            Next::Record {
                offset,
                kind,
                payload,
            } => {
                let mut r = Reader::new(&payload);
                match kind {
                    REC_HEADER => {
                        if seen_header || offset != 0 {
                            return Err(corrupt(
                                offset,
                                "segment header in the middle of a segment",
                            ));
                        }
                        let magic = r.take(8).map_err(|e| corrupt(offset, e))?;
                        if magic != MAGIC {
                            return Err(corrupt(offset, "bad WAL segment magic"));
                        }
                        let version = r.u8().map_err(|e| corrupt(offset, e))?;
                        if version != WAL_FORMAT_VERSION {
                            return Err(Error::UnsupportedVersion {
                                file: path.to_owned(),
                                found: version,
                                supported: WAL_FORMAT_VERSION,
                            });
                        }
                        let n = r.u64().map_err(|e| corrupt(offset, e))?;
                        if n != number {
                            return Err(corrupt(
                                offset,
                                &format!("segment header says number {n}, file name says {number}"),
                            ));
                        }
                        seen_header = true;
                    }
                    _ if !seen_header => {
                        return Err(corrupt(offset, "record before segment header"));
                    }
                    REC_BEGIN => {
                        if pending.is_some() {
                            return Err(corrupt(
                                offset,
                                "batch begins before the previous one committed",
                            ));
                        }
                        let seqno = r.u64().map_err(|e| corrupt(offset, e))?;
                        let count = r.u32().map_err(|e| corrupt(offset, e))?;
                        let len = r.u32().map_err(|e| corrupt(offset, e))? as usize;
                        if last_seqno.is_some_and(|l| seqno <= l) {
                            return Err(corrupt(offset, "sequence numbers go backwards"));
                        }
                        batch_start = offset;
                        pending = Some((seqno, count, len));
                        data.clear();
                    }
                    REC_DATA => {
                        let Some((_, _, len)) = pending else {
                            return Err(corrupt(offset, "batch data outside a batch"));
                        };
                        if data.len() + payload.len() > len {
                            return Err(corrupt(offset, "batch data longer than announced"));
                        }
                        data.extend_from_slice(&payload);
                    }
                    REC_COMMIT => {
                        let Some((seqno, count, len)) = pending.take() else {
                            return Err(corrupt(offset, "commit outside a batch"));
                        };
                        let committed = r.u64().map_err(|e| corrupt(offset, e))?;
                        if committed != seqno || data.len() != len {
                            return Err(corrupt(offset, "commit does not match its batch"));
                        }
                        let ops = decode_ops(&data).map_err(|e| corrupt(batch_start, e))?;
                        if ops.len() != count as usize {
                            return Err(corrupt(batch_start, "batch op count does not match"));
                        }
                        drop(ops);
                        apply(seqno, &data)?;
                        last_seqno = Some(seqno);
                        out.max_seqno = Some(seqno);
                    }
                    _ => return Err(corrupt(offset, "unknown record type")),
                }
            }
        }
    }
}

fn truncate_tail(
    file: &mut dyn File,
    path: &Path,
    is_last: bool,
    cut: u64,
    len: u64,
    mut out: SegmentReplay,
    error: Option<Error>,
) -> Result<SegmentReplay> {
    if !is_last {
        return Err(error.unwrap_or_else(|| {
            Error::corruption(
                path,
                cut,
                "segment that is not the last ends in an incomplete batch",
            )
        }));
    }
    tracing::warn!(
        file = %path.display(),
        valid_bytes = cut,
        dropped_bytes = len - cut,
        "WAL ends in a torn tail (an interrupted write); truncating it"
    );
    file.set_len(cut).ctx("truncate", path)?;
    file.sync().ctx("fsync", path)?;
    out.truncated_to = Some(cut);
    out.valid_len = cut;
    Ok(out)
}
