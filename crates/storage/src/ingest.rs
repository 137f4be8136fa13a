//! Bulk ingestion: SSTs built outside the write path and added to keyspaces atomically, as
//! RocksDB's `IngestExternalFile` does. A bulk load writes its data once, into its final files,
//! instead of into the WAL, a memtable and then a flushed SST.
//!
//! An [`IngestWriter`] writes one SST of puts in strictly increasing key order, stored with
//! seqno 0 and fsynced under its final name, but named by no manifest: invisible, and deleted
//! at the next open if the process dies first. [`Engine::ingest`] then takes the commit mutex,
//! assigns the next seqno, and appends one manifest edit naming every file with that seqno as
//! its *global seqno* (every entry reads as written at it). Once that edit is durable the
//! files are part of the database; until then they are not. A reader sees all of them or none.
//!
//! Ordering rules that keep reads right:
//! - an older version of an ingested key must not sit in a memtable, which reads consult
//!   before any SST: such memtables are flushed before the files go in;
//! - L0 is ordered by max seqno, so the ingested file (newest) is read before older L0 files;
//! - a keyspace that holds no data at all takes the files straight into the bottom level
//!   (nothing to compact); otherwise they enter L0 and compaction merges them in, and an
//!   ingestion waits, as writers do, while that keyspace's L0 is at its stop trigger.
//!
//! Ingestion is not in the WAL: the manifest edit carries the seqno (its `last_seqno`), so a
//! restart resumes numbering after it.

use std::ops::Bound;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::commit::STALL_POLL;
use crate::engine::{Core, Engine, Keyspace, freeze};
use crate::manifest::{FileMeta, NUM_LEVELS, VersionEdit};
use crate::metrics::add;
use crate::sstable::reader::Table;
use crate::sstable::table_file_name;
use crate::sstable::writer::TableWriter;
use crate::version::SuperVersion;
use crate::{Error, KeyspaceId, Result, SeqNo};

/// How many times `ingest` flushes memtables that overlap the files before giving up: each
/// attempt flushes what it found, so only a writer putting keys into the same range again and
/// again (which a caller loading new keys keeps out) can exhaust them.
const MAX_INGEST_ATTEMPTS: usize = 8;

/// Writes one SST for ingestion. Dropped unfinished, it deletes its temporary file.
pub struct IngestWriter {
    core: Arc<Core>,
    keyspace: KeyspaceId,
    writer: Option<TableWriter>,
    reject_existing_keys: bool,
    last_key: Option<Vec<u8>>,
}

impl IngestWriter {
    /// Adds a put. Keys must be strictly increasing; a repeated or smaller key is refused.
    pub fn put(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        let limits = &self.core.opts.limits;
        if key.len() > limits.max_key_bytes {
            return Err(Error::LimitExceeded {
                what: "key",
                limit_bytes: limits.max_key_bytes as u64,
                actual_bytes: key.len() as u64,
            });
        }
        if value.len() > limits.max_value_bytes {
            return Err(Error::LimitExceeded {
                what: "value",
                limit_bytes: limits.max_value_bytes as u64,
                actual_bytes: value.len() as u64,
            });
        }
        let writer = self.writer.as_mut().ok_or(Error::Closed)?;
        if let Some(last) = &self.last_key
            && last.as_slice() >= key
        {
            return Err(Error::InvalidArgument {
                reason: "ingested keys must be strictly increasing".into(),
            });
        }
        writer.add(key, 0, Some(value))?;
        match &mut self.last_key {
            Some(last) => {
                last.clear();
                last.extend_from_slice(key);
            }
            None => self.last_key = Some(key.to_vec()),
        }
        Ok(())
    }

    /// Approximate size of the file so far.
    pub fn size_bytes(&self) -> u64 {
        self.writer.as_ref().map_or(0, TableWriter::size_bytes)
    }

    /// Completes the file (durable under its final name, not yet part of the database).
    /// `None` if nothing was put.
    pub fn finish(mut self) -> Result<Option<IngestFile>> {
        let Some(writer) = self.writer.take() else {
            return Err(Error::Closed);
        };
        if self.last_key.is_none() {
            writer.abandon();
            return Ok(None);
        }
        let meta = writer.finish()?;
        Ok(Some(IngestFile {
            path: self.core.dir.join(table_file_name(meta.number)),
            core: self.core.clone(),
            keyspace: self.keyspace,
            meta,
            reject_existing_keys: self.reject_existing_keys,
            ingested: false,
        }))
    }
}

impl Drop for IngestWriter {
    fn drop(&mut self) {
        if let Some(w) = self.writer.take() {
            w.abandon();
        }
    }
}

/// A finished SST waiting for [`Engine::ingest`]. Dropped without being ingested, it deletes
/// its file.
pub struct IngestFile {
    core: Arc<Core>,
    keyspace: KeyspaceId,
    path: PathBuf,
    meta: FileMeta,
    reject_existing_keys: bool,
    ingested: bool,
}

impl IngestFile {
    pub fn keyspace(&self) -> KeyspaceId {
        self.keyspace
    }

    pub fn smallest_key(&self) -> &[u8] {
        &self.meta.smallest
    }

    pub fn largest_key(&self) -> &[u8] {
        &self.meta.largest
    }

    pub fn entries(&self) -> u64 {
        self.meta.entries
    }

    fn overlaps(&self, other: &IngestFile) -> bool {
        self.keyspace == other.keyspace
            && self.meta.smallest <= other.meta.largest
            && other.meta.smallest <= self.meta.largest
    }

    /// Opens the file for reading before it is ingested (checks run on its keys).
    fn open(&self) -> Result<Arc<Table>> {
        self.core.open_table(self.meta.clone())
    }
}

impl Drop for IngestFile {
    fn drop(&mut self) {
        if !self.ingested
            && let Err(e) = self.core.fs.remove(&self.path)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(file = %self.path.display(), error = %e, "could not delete an unused ingest file");
        }
    }
}

impl Engine {
    /// Starts an SST for [`Engine::ingest`] into `keyspace`. With `reject_existing_keys`,
    /// ingestion fails with [`Error::DuplicateKey`] if any of its keys already has a live value.
    pub fn ingest_writer(
        &self,
        keyspace: KeyspaceId,
        reject_existing_keys: bool,
    ) -> Result<IngestWriter> {
        let core = self.core();
        core.check_writable()?;
        core.keyspace(keyspace)?;
        let writer = TableWriter::create(
            core.fs.clone(),
            &core.dir,
            core.new_file_number(),
            core.opts.block_size_bytes,
            core.opts.bloom_bits_per_key,
        )?;
        Ok(IngestWriter {
            core: core.clone(),
            keyspace,
            writer: Some(writer),
            reject_existing_keys,
            last_key: None,
        })
    }

    /// Adds the files to their keyspaces atomically under one new seqno, which it returns.
    /// Files of one keyspace must not share a key ([`Error::DuplicateKey`] otherwise).
    ///
    /// The existing-key check (for writers created with `reject_existing_keys`) reads the
    /// newest committed data before the files go in: the caller keeps other writers of these
    /// keys out until this returns, as a SQL table lock does.
    pub fn ingest(&self, mut files: Vec<IngestFile>) -> Result<SeqNo> {
        let core = self.core();
        core.check_writable()?;
        if files.is_empty() {
            return Ok(core.visible.load(Ordering::Acquire));
        }
        files.sort_by(|a, b| (a.keyspace, &a.meta.smallest).cmp(&(b.keyspace, &b.meta.smallest)));
        check_no_shared_keys(&files)?;
        for f in files.iter().filter(|f| f.reject_existing_keys) {
            self.check_keys_absent(f)?;
        }
        core.ingest_files(&mut files)
    }

    /// Fails with [`Error::DuplicateKey`] if a key of `file` has a live value now.
    fn check_keys_absent(&self, file: &IngestFile) -> Result<()> {
        let snap = self.snapshot();
        let range = (
            Bound::Included(file.meta.smallest.clone()),
            Bound::Included(file.meta.largest.clone()),
        );
        // Loading into an empty key range (a new table) needs no per-key reads.
        let mut existing = self.scan(file.keyspace, range, &snap, crate::Direction::Forward)?;
        if existing.next().transpose()?.is_none() {
            return Ok(());
        }
        let table = file.open()?;
        let mut cursor = table.raw_cursor();
        while let Some((key, _, _)) = cursor.next()? {
            if let Some(value) = self.get(file.keyspace, key, &snap)? {
                return Err(Error::DuplicateKey {
                    keyspace: file.keyspace,
                    key: key.to_vec(),
                    value,
                });
            }
        }
        Ok(())
    }
}

/// Fails with [`Error::DuplicateKey`] if two files of one keyspace share a key. `files` is
/// sorted by (keyspace, smallest key); only files whose ranges overlap are read.
fn check_no_shared_keys(files: &[IngestFile]) -> Result<()> {
    for (i, a) in files.iter().enumerate() {
        for b in files[i + 1..]
            .iter()
            .take_while(|b| b.keyspace == a.keyspace)
        {
            if a.overlaps(b) {
                first_shared_key(a, b)?;
            }
        }
    }
    Ok(())
}

fn first_shared_key(a: &IngestFile, b: &IngestFile) -> Result<()> {
    let (ta, tb) = (a.open()?, b.open()?);
    let (mut ca, mut cb) = (ta.raw_cursor(), tb.raw_cursor());
    let mut next_b: Option<Vec<u8>> = cb.next()?.map(|(k, _, _)| k.to_vec());
    while let Some((key, _, value)) = ca.next()? {
        while let Some(kb) = &next_b {
            if kb.as_slice() >= key {
                break;
            }
            next_b = cb.next()?.map(|(k, _, _)| k.to_vec());
        }
        if next_b.as_deref() == Some(key) {
            return Err(Error::DuplicateKey {
                keyspace: a.keyspace,
                key: key.to_vec(),
                value: value.map(<[u8]>::to_vec).unwrap_or_default(),
            });
        }
        if next_b.is_none() {
            break;
        }
    }
    Ok(())
}

impl Core {
    fn ingest_files(&self, files: &mut [IngestFile]) -> Result<SeqNo> {
        let mut keyspaces: Vec<Arc<Keyspace>> = Vec::new();
        for f in files.iter() {
            if !keyspaces.iter().any(|k| k.id == f.keyspace) {
                keyspaces.push(self.keyspace(f.keyspace)?);
            }
        }
        self.wait_for_l0_room(&keyspaces)?;
        for _ in 0..MAX_INGEST_ATTEMPTS {
            let mut cs = self.commit.lock();
            self.check_writable()?;
            let mut to_flush = Vec::new();
            for ks in &keyspaces {
                let sv = ks.current();
                let mine = files.iter().filter(|f| f.keyspace == ks.id);
                let overlapping = mine.into_iter().any(|f| {
                    std::iter::once(&sv.active)
                        .chain(sv.immutables.iter())
                        .any(|m| m.overlaps(&f.meta.smallest, &f.meta.largest))
                });
                if overlapping {
                    freeze(ks, cs.last_seqno);
                    to_flush.push((ks.clone(), cs.last_seqno));
                }
            }
            if !to_flush.is_empty() {
                drop(cs);
                self.request_flush();
                for (ks, target) in to_flush {
                    self.flush_keyspace_through(&ks, target)?;
                }
                continue;
            }
            let seqno = cs.last_seqno + 1;
            let mut man = self.manifest.lock();
            let mut edit = VersionEdit {
                last_seqno: Some(seqno),
                next_file_number: Some(self.next_file_number.load(Ordering::Relaxed)),
                ..VersionEdit::default()
            };
            let mut tables: Vec<(KeyspaceId, usize, Arc<Table>)> = Vec::new();
            for ks in &keyspaces {
                let mine: Vec<&IngestFile> = files.iter().filter(|f| f.keyspace == ks.id).collect();
                let level = target_level(&ks.current(), &mine);
                for f in mine {
                    let meta = FileMeta {
                        min_seqno: seqno,
                        max_seqno: seqno,
                        global_seqno: Some(seqno),
                        ..f.meta.clone()
                    };
                    tables.push((ks.id, level, self.open_table(meta.clone())?));
                    edit.added.push((ks.id.0, level, meta));
                }
            }
            man.log_and_apply(&edit).map_err(|e| self.poison(e))?;
            for f in files.iter_mut() {
                f.ingested = true;
            }
            for ks in &keyspaces {
                let added: Vec<(usize, Arc<Table>)> = tables
                    .iter()
                    .filter(|(id, _, _)| *id == ks.id)
                    .map(|(_, l, t)| (*l, t.clone()))
                    .collect();
                ks.update(|sv| SuperVersion {
                    active: sv.active.clone(),
                    immutables: sv.immutables.clone(),
                    levels: Arc::new(sv.levels.edit(&[], added)),
                });
            }
            self.maybe_roll_manifest(&mut man)?;
            drop(man);
            cs.last_seqno = seqno;
            self.visible.store(seqno, Ordering::Release);
            drop(cs);
            add(&self.counters.ingested_files, files.len() as u64);
            self.request_compaction();
            return Ok(seqno);
        }
        Err(Error::InvalidArgument {
            reason: format!(
                "ingestion gave up after {MAX_INGEST_ATTEMPTS} flushes: other writers keep writing the same key range"
            ),
        })
    }

    /// Waits while a keyspace's L0 is at the stop trigger, as a writer does: more files in a
    /// full L0 would only slow reads down and leave compaction further behind.
    fn wait_for_l0_room(&self, keyspaces: &[Arc<Keyspace>]) -> Result<()> {
        loop {
            self.check_writable()?;
            let full = keyspaces
                .iter()
                .any(|ks| ks.current().levels.levels[0].len() >= self.opts.l0_stop_trigger);
            if !full {
                return Ok(());
            }
            self.request_compaction();
            let mut st = self.bg.state.lock();
            if st.shutdown {
                return Err(Error::Closed);
            }
            self.bg.done_cv.wait_for(&mut st, STALL_POLL);
        }
    }
}

/// The level the files of one keyspace go to: the bottom when the keyspace holds nothing at
/// all and the files do not overlap each other (then no compaction can be running on it and
/// the level's files stay disjoint), L0 otherwise.
fn target_level(sv: &SuperVersion, files: &[&IngestFile]) -> usize {
    let empty = sv.active.is_empty()
        && sv.immutables.is_empty()
        && sv.levels.levels.iter().all(Vec::is_empty);
    let disjoint = files
        .windows(2)
        .all(|w| w[0].meta.largest < w[1].meta.smallest);
    if empty && disjoint { NUM_LEVELS - 1 } else { 0 }
}
