//! Writes one SST (layout in `sstable/mod.rs`): blocks are cut at the target size, a bloom
//! filter and index are built alongside, and the file only gets its final name after it is
//! complete and durable.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::block::{BlockBuilder, RESTART_INTERVAL, cmp_internal};
use super::{FOOTER_BYTES, Footer, Handle, SST_FORMAT_VERSION, table_file_name};
use crate::bloom::BloomBuilder;
use crate::coding::{put_bytes, put_u32, put_u64, put_varint};
use crate::error::IoContext;
use crate::fs::{File, FileSystem};
use crate::manifest::FileMeta;
use crate::{Result, SeqNo};

/// Output is handed to the file in chunks of about this size (fewer syscalls).
const WRITE_BUFFER_BYTES: usize = 256 * 1024;

pub(crate) struct TableWriter {
    fs: Arc<dyn FileSystem>,
    dir: PathBuf,
    number: u64,
    tmp_path: PathBuf,
    file: Box<dyn File>,
    out: Vec<u8>,
    offset: u64,
    block: BlockBuilder,
    index: BlockBuilder,
    bloom: BloomBuilder,
    block_size_bytes: usize,
    bloom_bits_per_key: u32,
    entries: u64,
    tombstones: u64,
    min_seqno: SeqNo,
    max_seqno: SeqNo,
    smallest: Option<Vec<u8>>,
    last_key: Vec<u8>,
    last_seqno: SeqNo,
}

impl TableWriter {
    pub(crate) fn create(
        fs: Arc<dyn FileSystem>,
        dir: &Path,
        number: u64,
        block_size_bytes: usize,
        bloom_bits_per_key: u32,
    ) -> Result<TableWriter> {
        let tmp_path = dir.join(format!("{}.tmp", table_file_name(number)));
        let file = fs.create(&tmp_path).ctx("create", &tmp_path)?;
        Ok(TableWriter {
            fs,
            dir: dir.to_owned(),
            number,
            tmp_path,
            file,
            out: Vec::with_capacity(WRITE_BUFFER_BYTES + block_size_bytes * 2),
            offset: 0,
            block: BlockBuilder::new(RESTART_INTERVAL),
            index: BlockBuilder::new(1),
            bloom: BloomBuilder::default(),
            block_size_bytes,
            bloom_bits_per_key,
            entries: 0,
            tombstones: 0,
            min_seqno: SeqNo::MAX,
            max_seqno: 0,
            smallest: None,
            last_key: Vec::new(),
            last_seqno: 0,
        })
    }

    /// Adds a version; versions must arrive in strictly increasing internal order.
    pub(crate) fn add(&mut self, key: &[u8], seqno: SeqNo, value: Option<&[u8]>) -> Result<()> {
        if self.entries > 0 {
            assert_eq!(
                cmp_internal(&self.last_key, self.last_seqno, key, seqno),
                Ordering::Less,
                "SST entries must be added in internal order"
            );
        } else {
            self.smallest = Some(key.to_vec());
        }
        self.block.add(key, seqno, value);
        self.bloom.add_key(key);
        self.entries += 1;
        if value.is_none() {
            self.tombstones += 1;
        }
        self.min_seqno = self.min_seqno.min(seqno);
        self.max_seqno = self.max_seqno.max(seqno);
        self.last_key.clear();
        self.last_key.extend_from_slice(key);
        self.last_seqno = seqno;
        if self.block.size_estimate() >= self.block_size_bytes {
            self.finish_data_block()?;
        }
        Ok(())
    }

    /// Bytes written so far (approximate final size).
    pub(crate) fn size_bytes(&self) -> u64 {
        self.offset + self.block.size_estimate() as u64
    }

    /// The user key of the last entry added.
    pub(crate) fn last_key(&self) -> &[u8] {
        &self.last_key
    }

    fn emit_block(&mut self, data: &[u8]) -> Result<Handle> {
        let handle = Handle {
            offset: self.offset,
            size: data.len() as u32,
        };
        self.out.extend_from_slice(data);
        put_u32(&mut self.out, crc32fast::hash(data));
        self.offset += data.len() as u64 + 4;
        if self.out.len() >= WRITE_BUFFER_BYTES {
            self.file.append(&self.out).ctx("append", &self.tmp_path)?;
            self.out.clear();
        }
        Ok(handle)
    }

    fn finish_data_block(&mut self) -> Result<()> {
        if self.block.is_empty() {
            return Ok(());
        }
        let data = self.block.finish();
        let h = self.emit_block(&data)?;
        let mut v = Vec::with_capacity(10);
        put_varint(&mut v, h.offset);
        put_varint(&mut v, u64::from(h.size));
        let (k, s) = (std::mem::take(&mut self.last_key), self.last_seqno);
        self.index.add(&k, s, Some(&v));
        self.last_key = k;
        Ok(())
    }

    /// Completes the file, makes it durable under its final name, and returns its metadata.
    pub(crate) fn finish(mut self) -> Result<FileMeta> {
        debug_assert!(self.entries > 0, "an SST must not be empty");
        self.finish_data_block()?;
        let filter = self.bloom.build(self.bloom_bits_per_key);
        let filter_h = self.emit_block(&filter)?;
        let index = self.index.finish();
        let index_h = self.emit_block(&index)?;
        let smallest = self.smallest.take().unwrap_or_default();
        let mut props = Vec::new();
        put_u64(&mut props, self.entries);
        put_u64(&mut props, self.tombstones);
        put_u64(&mut props, self.min_seqno);
        put_u64(&mut props, self.max_seqno);
        put_bytes(&mut props, &smallest);
        put_bytes(&mut props, &self.last_key);
        let props_h = self.emit_block(&props)?;
        let footer = Footer {
            index: index_h,
            filter: filter_h,
            props: props_h,
            version: SST_FORMAT_VERSION,
        };
        self.out.extend_from_slice(&footer.encode());
        self.offset += FOOTER_BYTES as u64;
        self.file.append(&self.out).ctx("append", &self.tmp_path)?;
        self.file.sync().ctx("fsync", &self.tmp_path)?;
        let final_path = self.dir.join(table_file_name(self.number));
        self.fs
            .rename(&self.tmp_path, &final_path)
            .ctx("rename", &self.tmp_path)?;
        self.fs.sync_dir(&self.dir).ctx("fsync dir", &self.dir)?;
        Ok(FileMeta {
            number: self.number,
            size_bytes: self.offset,
            entries: self.entries,
            min_seqno: self.min_seqno,
            max_seqno: self.max_seqno,
            smallest,
            largest: std::mem::take(&mut self.last_key),
            global_seqno: None,
        })
    }

    /// Gives up on the file (after an error), removing the temporary file if possible.
    pub(crate) fn abandon(self) {
        let _ = self.fs.remove(&self.tmp_path);
    }
}
