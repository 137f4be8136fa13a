//! The manifest: the durable description of the database — which keyspaces exist, which SST
//! files make up each keyspace's levels, how far each keyspace has been flushed, and the
//! counters (next file number, next keyspace id, last seqno). It changes only through
//! [`VersionEdit`]s appended to the manifest file and fsynced before they take effect; recovery
//! replays the edits.
//!
//! ```text
//! MANIFEST-NNNNNN := records framed as in `record.rs`:
//!   type 1 Header: magic "EDBMANIF" (8) | format version u8
//!   type 2 Edit:   a sequence of tagged fields, each `tag u8` then:
//!     1 next_file_number  u64
//!     2 last_seqno        u64
//!     3 next_keyspace_id  u32
//!     4 create keyspace   id u32 | name (varint len + bytes)
//!     5 drop keyspace     id u32
//!     6 flushed seqno     id u32 | seqno u64
//!     7 add file          id u32 | level u8 | number u64 | size u64 | entries u64
//!                         | min seqno u64 | max seqno u64 | smallest key | largest key
//!     8 delete file       id u32 | level u8 | number u64
//!     9 add ingested file as 7, then | global seqno u64 (format version 2): a file built
//!                         outside the write path (`ingest.rs`) whose every entry reads as
//!                         written at the global seqno
//!
//! CURRENT := "EDBCURRENT 1 MANIFEST-NNNNNN\n"  (format version 1), replaced atomically by
//!            writing CURRENT.tmp, fsync, rename, fsync of the directory.
//! ```
//!
//! A new manifest always starts with one edit holding the whole state (a snapshot), so old
//! manifests can be deleted once CURRENT names the new one. A torn tail (an edit whose write
//! was interrupted, so never acknowledged) is ignored; damage before valid records is an error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::coding::{Reader, put_bytes, put_u32, put_u64, put_varint};
use crate::error::IoContext;
use crate::fs::{File, FileSystem};
use crate::record::{self, Next, RecordReader};
use crate::{Error, Result, SeqNo};

pub(crate) const MANIFEST_FORMAT_VERSION: u8 = 2;
/// Oldest format version this build still reads (version 1 lacks tag 9 only).
const MANIFEST_MIN_FORMAT_VERSION: u8 = 1;
const MAGIC: &[u8; 8] = b"EDBMANIF";
const REC_HEADER: u8 = 1;
const REC_EDIT: u8 = 2;
const CURRENT_PREFIX: &str = "EDBCURRENT 1 ";
/// Number of levels per keyspace (L0 .. L6).
pub(crate) const NUM_LEVELS: usize = 7;
/// A manifest larger than this is rolled over into a fresh one holding a snapshot.
pub(crate) const MANIFEST_ROLLOVER_BYTES: u64 = 8 * 1024 * 1024;

/// Metadata of one SST file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileMeta {
    pub number: u64,
    pub size_bytes: u64,
    pub entries: u64,
    pub min_seqno: SeqNo,
    pub max_seqno: SeqNo,
    /// Smallest and largest user keys.
    pub smallest: Vec<u8>,
    pub largest: Vec<u8>,
    /// For an ingested file: the seqno every entry reads as (its entries are stored with 0).
    pub global_seqno: Option<SeqNo>,
}

/// One keyspace in the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyspaceManifest {
    pub name: String,
    /// Every write to this keyspace with seqno <= this is in its SSTs.
    pub flushed_seqno: SeqNo,
    /// Files per level, by file number.
    pub levels: Vec<BTreeMap<u64, FileMeta>>,
}

/// The whole durable state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ManifestState {
    pub next_file_number: u64,
    pub next_keyspace_id: u32,
    pub last_seqno: SeqNo,
    pub keyspaces: BTreeMap<u32, KeyspaceManifest>,
}

impl Default for ManifestState {
    fn default() -> Self {
        ManifestState {
            next_file_number: 1,
            next_keyspace_id: 1,
            last_seqno: 0,
            keyspaces: BTreeMap::new(),
        }
    }
}

/// A change to the state, applied atomically.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct VersionEdit {
    pub next_file_number: Option<u64>,
    pub last_seqno: Option<SeqNo>,
    pub next_keyspace_id: Option<u32>,
    pub created: Vec<(u32, String)>,
    pub dropped: Vec<u32>,
    pub flushed: Vec<(u32, SeqNo)>,
    pub added: Vec<(u32, usize, FileMeta)>,
    pub deleted: Vec<(u32, usize, u64)>,
}

const TAG_NEXT_FILE: u8 = 1;
const TAG_LAST_SEQNO: u8 = 2;
const TAG_NEXT_KS: u8 = 3;
const TAG_CREATE: u8 = 4;
const TAG_DROP: u8 = 5;
const TAG_FLUSHED: u8 = 6;
const TAG_ADD_FILE: u8 = 7;
const TAG_DELETE_FILE: u8 = 8;
const TAG_ADD_INGESTED_FILE: u8 = 9;

impl VersionEdit {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut b = Vec::new();
        if let Some(n) = self.next_file_number {
            b.push(TAG_NEXT_FILE);
            put_u64(&mut b, n);
        }
        if let Some(n) = self.last_seqno {
            b.push(TAG_LAST_SEQNO);
            put_u64(&mut b, n);
        }
        if let Some(n) = self.next_keyspace_id {
            b.push(TAG_NEXT_KS);
            put_u32(&mut b, n);
        }
        for (id, name) in &self.created {
            b.push(TAG_CREATE);
            put_u32(&mut b, *id);
            put_bytes(&mut b, name.as_bytes());
        }
        for id in &self.dropped {
            b.push(TAG_DROP);
            put_u32(&mut b, *id);
        }
        for (id, seqno) in &self.flushed {
            b.push(TAG_FLUSHED);
            put_u32(&mut b, *id);
            put_u64(&mut b, *seqno);
        }
        for (id, level, f) in &self.added {
            b.push(if f.global_seqno.is_some() {
                TAG_ADD_INGESTED_FILE
            } else {
                TAG_ADD_FILE
            });
            put_u32(&mut b, *id);
            b.push(*level as u8);
            put_u64(&mut b, f.number);
            put_u64(&mut b, f.size_bytes);
            put_u64(&mut b, f.entries);
            put_u64(&mut b, f.min_seqno);
            put_u64(&mut b, f.max_seqno);
            put_bytes(&mut b, &f.smallest);
            put_bytes(&mut b, &f.largest);
            if let Some(g) = f.global_seqno {
                put_u64(&mut b, g);
            }
        }
        for (id, level, number) in &self.deleted {
            b.push(TAG_DELETE_FILE);
            put_u32(&mut b, *id);
            b.push(*level as u8);
            put_varint(&mut b, 0); // reserved flags, keeps the field extensible
            put_u64(&mut b, *number);
        }
        b
    }

    pub(crate) fn decode(buf: &[u8]) -> std::result::Result<VersionEdit, &'static str> {
        let mut r = Reader::new(buf);
        let mut e = VersionEdit::default();
        let level = |r: &mut Reader<'_>| -> std::result::Result<usize, &'static str> {
            let l = r.u8()? as usize;
            if l >= NUM_LEVELS {
                return Err("level out of range");
            }
            Ok(l)
        };
        while !r.is_empty() {
            match r.u8()? {
                TAG_NEXT_FILE => e.next_file_number = Some(r.u64()?),
                TAG_LAST_SEQNO => e.last_seqno = Some(r.u64()?),
                TAG_NEXT_KS => e.next_keyspace_id = Some(r.u32()?),
                TAG_CREATE => {
                    let id = r.u32()?;
                    let name = std::str::from_utf8(r.bytes()?)
                        .map_err(|_| "keyspace name is not UTF-8")?;
                    e.created.push((id, name.to_owned()));
                }
                TAG_DROP => e.dropped.push(r.u32()?),
                TAG_FLUSHED => e.flushed.push((r.u32()?, r.u64()?)),
                tag @ (TAG_ADD_FILE | TAG_ADD_INGESTED_FILE) => {
                    let id = r.u32()?;
                    let l = level(&mut r)?;
                    let mut f = FileMeta {
                        number: r.u64()?,
                        size_bytes: r.u64()?,
                        entries: r.u64()?,
                        min_seqno: r.u64()?,
                        max_seqno: r.u64()?,
                        smallest: r.bytes()?.to_vec(),
                        largest: r.bytes()?.to_vec(),
                        global_seqno: None,
                    };
                    if tag == TAG_ADD_INGESTED_FILE {
                        f.global_seqno = Some(r.u64()?);
                    }
                    e.added.push((id, l, f));
                }
                TAG_DELETE_FILE => {
                    let id = r.u32()?;
                    let l = level(&mut r)?;
                    let _flags = r.varint()?;
                    e.deleted.push((id, l, r.u64()?));
                }
                _ => return Err("unknown manifest edit tag"),
            }
        }
        Ok(e)
    }
}

impl ManifestState {
    /// Applies an edit, refusing ones that do not fit the state (which would mean a bug or a
    /// damaged manifest).
    pub(crate) fn apply(&mut self, e: &VersionEdit) -> std::result::Result<(), String> {
        if let Some(n) = e.next_file_number {
            self.next_file_number = self.next_file_number.max(n);
        }
        if let Some(n) = e.last_seqno {
            self.last_seqno = self.last_seqno.max(n);
        }
        if let Some(n) = e.next_keyspace_id {
            self.next_keyspace_id = self.next_keyspace_id.max(n);
        }
        for (id, name) in &e.created {
            if self.keyspaces.contains_key(id) {
                return Err(format!("keyspace {id} created twice"));
            }
            self.keyspaces.insert(
                *id,
                KeyspaceManifest {
                    name: name.clone(),
                    flushed_seqno: 0,
                    levels: vec![BTreeMap::new(); NUM_LEVELS],
                },
            );
            self.next_keyspace_id = self.next_keyspace_id.max(id + 1);
        }
        for (id, seqno) in &e.flushed {
            let ks = self
                .keyspaces
                .get_mut(id)
                .ok_or_else(|| format!("flush of unknown keyspace {id}"))?;
            ks.flushed_seqno = ks.flushed_seqno.max(*seqno);
        }
        for (id, level, number) in &e.deleted {
            let ks = self
                .keyspaces
                .get_mut(id)
                .ok_or_else(|| format!("delete in unknown keyspace {id}"))?;
            if ks.levels[*level].remove(number).is_none() {
                return Err(format!(
                    "delete of file {number} not in keyspace {id} level {level}"
                ));
            }
        }
        for (id, level, f) in &e.added {
            let ks = self
                .keyspaces
                .get_mut(id)
                .ok_or_else(|| format!("add to unknown keyspace {id}"))?;
            self.next_file_number = self.next_file_number.max(f.number + 1);
            ks.levels[*level].insert(f.number, f.clone());
        }
        for id in &e.dropped {
            if self.keyspaces.remove(id).is_none() {
                return Err(format!("drop of unknown keyspace {id}"));
            }
        }
        Ok(())
    }

    /// One edit that recreates this whole state from nothing.
    pub(crate) fn snapshot_edit(&self) -> VersionEdit {
        let mut e = VersionEdit {
            next_file_number: Some(self.next_file_number),
            last_seqno: Some(self.last_seqno),
            next_keyspace_id: Some(self.next_keyspace_id),
            ..VersionEdit::default()
        };
        for (id, ks) in &self.keyspaces {
            e.created.push((*id, ks.name.clone()));
            e.flushed.push((*id, ks.flushed_seqno));
            for (level, files) in ks.levels.iter().enumerate() {
                for f in files.values() {
                    e.added.push((*id, level, f.clone()));
                }
            }
        }
        e
    }
}

pub(crate) fn manifest_file_name(number: u64) -> String {
    format!("MANIFEST-{number:06}")
}

pub(crate) fn parse_manifest_name(name: &str) -> Option<u64> {
    name.strip_prefix("MANIFEST-")?.parse().ok()
}

fn valid_kind(k: u8) -> bool {
    k == REC_HEADER || k == REC_EDIT
}

/// The open manifest file and the state it describes.
pub(crate) struct Manifest {
    file: Box<dyn File>,
    path: PathBuf,
    number: u64,
    size_bytes: u64,
    pub(crate) state: ManifestState,
}

impl Manifest {
    /// Writes a new manifest numbered `number` holding `state`, makes it durable, and points
    /// CURRENT at it. The previous manifest is untouched (the caller deletes it afterwards).
    pub(crate) fn create(
        fs: &dyn FileSystem,
        dir: &Path,
        number: u64,
        state: ManifestState,
    ) -> Result<Manifest> {
        let path = dir.join(manifest_file_name(number));
        let mut file = fs.create(&path).ctx("create", &path)?;
        let mut buf = Vec::new();
        let mut header = MAGIC.to_vec();
        header.push(MANIFEST_FORMAT_VERSION);
        record::encode(&mut buf, REC_HEADER, &header);
        record::encode(&mut buf, REC_EDIT, &state.snapshot_edit().encode());
        file.append(&buf).ctx("append", &path)?;
        file.sync().ctx("fsync", &path)?;
        fs.sync_dir(dir).ctx("fsync dir", dir)?;
        set_current(fs, dir, number)?;
        Ok(Manifest {
            file,
            path,
            number,
            size_bytes: buf.len() as u64,
            state,
        })
    }

    pub(crate) fn number(&self) -> u64 {
        self.number
    }

    pub(crate) fn size_bytes(&self) -> u64 {
        self.size_bytes
    }

    /// Appends `edit`, fsyncs, and only then applies it to the in-memory state.
    pub(crate) fn log_and_apply(&mut self, edit: &VersionEdit) -> Result<()> {
        let mut next = self.state.clone();
        next.apply(edit).map_err(|reason| {
            Error::corruption(
                &self.path,
                self.size_bytes,
                format!("invalid edit: {reason}"),
            )
        })?;
        let mut buf = Vec::new();
        record::encode(&mut buf, REC_EDIT, &edit.encode());
        self.file.append(&buf).ctx("append", &self.path)?;
        self.file.sync().ctx("fsync", &self.path)?;
        self.size_bytes += buf.len() as u64;
        self.state = next;
        Ok(())
    }
}

/// Atomically points CURRENT at manifest `number`.
pub(crate) fn set_current(fs: &dyn FileSystem, dir: &Path, number: u64) -> Result<()> {
    let tmp = dir.join("CURRENT.tmp");
    let cur = dir.join("CURRENT");
    let mut f = fs.create(&tmp).ctx("create", &tmp)?;
    f.append(format!("{CURRENT_PREFIX}{}\n", manifest_file_name(number)).as_bytes())
        .ctx("append", &tmp)?;
    f.sync().ctx("fsync", &tmp)?;
    drop(f);
    fs.rename(&tmp, &cur).ctx("rename", &tmp)?;
    fs.sync_dir(dir).ctx("fsync dir", dir)?;
    Ok(())
}

/// Reads CURRENT, if present, and returns the manifest number it names.
pub(crate) fn read_current(fs: &dyn FileSystem, dir: &Path) -> Result<Option<u64>> {
    let cur = dir.join("CURRENT");
    if !fs.exists(&cur).ctx("stat", &cur)? {
        return Ok(None);
    }
    let f = fs.open(&cur).ctx("open", &cur)?;
    let len = f.len().ctx("stat", &cur)?;
    if len > 256 {
        return Err(Error::corruption(&cur, 0, "CURRENT is too long"));
    }
    let mut buf = vec![0u8; len as usize];
    f.read_exact_at(&mut buf, 0).ctx("read", &cur)?;
    let text = std::str::from_utf8(&buf)
        .map_err(|_| Error::corruption(&cur, 0, "CURRENT is not UTF-8"))?;
    let Some(rest) = text.strip_prefix("EDBCURRENT ") else {
        return Err(Error::corruption(
            &cur,
            0,
            "CURRENT has no EDBCURRENT prefix",
        ));
    };
    let mut parts = rest.trim_end_matches('\n').splitn(2, ' ');
    let version = parts.next().and_then(|v| v.parse::<u8>().ok());
    if version != Some(1) {
        return Err(Error::UnsupportedVersion {
            file: cur,
            found: version.unwrap_or(0),
            supported: 1,
        });
    }
    parts
        .next()
        .and_then(parse_manifest_name)
        .map(Some)
        .ok_or_else(|| Error::corruption(&cur, 0, "CURRENT does not name a manifest"))
}

/// Replays manifest `number` into a state.
pub(crate) fn recover(fs: &dyn FileSystem, dir: &Path, number: u64) -> Result<ManifestState> {
    let path = dir.join(manifest_file_name(number));
    let file = fs.open(&path).ctx("open", &path)?;
    let mut reader = RecordReader::open(file.as_ref(), &path, valid_kind)?;
    let mut state = ManifestState::default();
    let mut seen_header = false;
    let mut seen_snapshot = false;
    loop {
        match reader.next() {
            Next::End => break,
            Next::Bad { offset, error } => {
                if reader.valid_record_after(offset) || !seen_snapshot {
                    return Err(error);
                }
                tracing::warn!(
                    file = %path.display(),
                    offset,
                    "manifest ends in a torn edit (an interrupted, unacknowledged change); ignoring it"
                );
                break;
            }
            Next::Record {
                offset,
                kind,
                payload,
            } => {
                let corrupt = |reason: String| Error::corruption(reader.path(), offset, reason);
                if kind == REC_HEADER {
                    if seen_header || payload.len() != 9 || &payload[..8] != MAGIC {
                        return Err(corrupt("bad manifest header".into()));
                    }
                    if !(MANIFEST_MIN_FORMAT_VERSION..=MANIFEST_FORMAT_VERSION)
                        .contains(&payload[8])
                    {
                        return Err(Error::UnsupportedVersion {
                            file: path.clone(),
                            found: payload[8],
                            supported: MANIFEST_FORMAT_VERSION,
                        });
                    }
                    seen_header = true;
                    continue;
                }
                if !seen_header {
                    return Err(corrupt("edit before manifest header".into()));
                }
                let edit = VersionEdit::decode(&payload).map_err(|e| corrupt(e.into()))?;
                state.apply(&edit).map_err(corrupt)?;
                seen_snapshot = true;
            }
        }
    }
    if !seen_snapshot {
        return Err(Error::corruption(&path, 0, "manifest holds no state"));
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_round_trip_and_apply() {
        let f = FileMeta {
            number: 7,
            size_bytes: 100,
            entries: 3,
            min_seqno: 1,
            max_seqno: 9,
            smallest: b"a".to_vec(),
            largest: b"z".to_vec(),
            global_seqno: None,
        };
        let ingested = FileMeta {
            number: 8,
            global_seqno: Some(12),
            min_seqno: 12,
            max_seqno: 12,
            ..f.clone()
        };
        let e = VersionEdit {
            next_file_number: Some(8),
            last_seqno: Some(9),
            next_keyspace_id: Some(2),
            created: vec![(1, "t".into())],
            dropped: vec![],
            flushed: vec![(1, 9)],
            added: vec![(1, 0, f.clone()), (1, 6, ingested.clone())],
            deleted: vec![],
        };
        let d = VersionEdit::decode(&e.encode()).unwrap();
        assert_eq!(d, e);
        let mut s = ManifestState::default();
        s.apply(&d).unwrap();
        assert_eq!(s.keyspaces[&1].levels[0][&7], f);
        assert_eq!(s.keyspaces[&1].levels[6][&8], ingested);
        let mut s2 = ManifestState::default();
        s2.apply(&s.snapshot_edit()).unwrap();
        assert_eq!(s, s2);
        let del = VersionEdit {
            deleted: vec![(1, 0, 9)],
            ..Default::default()
        };
        assert!(s.apply(&del).is_err());
    }
}
