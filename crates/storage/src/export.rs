//! Snapshot export and restore.
//!
//! Export makes a consistent copy while the engine keeps serving: a checkpoint first (so the
//! WAL to copy is small), then, holding the commit mutex for a moment (writers wait) and the
//! manifest mutex, it captures the manifest state, pins the live SSTs, hard-links the sealed
//! WAL segments and reads the active segment up to its current end. The copy is therefore
//! exactly the state after the last committed batch at that moment: the destination's recovery
//! replays the copied WAL over the copied SSTs. SSTs and sealed segments are immutable, so hard
//! links are safe (with a byte copy as fallback, e.g. across devices). CURRENT is written last,
//! so an interrupted export never looks like a valid database.
//!
//! Restore copies an export into an empty directory, CURRENT last.

use std::path::Path;
use std::sync::Arc;

use crate::engine::Core;
use crate::error::IoContext;
use crate::fs::FileSystem;
use crate::manifest::{self, Manifest};
use crate::sstable::reader::Table;
use crate::sstable::table_file_name;
use crate::wal;
use crate::{Error, Result};

const COPY_CHUNK_BYTES: usize = 1024 * 1024;

fn ensure_empty(fs: &dyn FileSystem, dir: &Path) -> Result<()> {
    if fs.exists(dir).ctx("stat", dir)? {
        let names = fs.list(dir).ctx("list", dir)?;
        if !names.is_empty() {
            return Err(Error::DestinationNotEmpty {
                dir: dir.to_owned(),
            });
        }
    }
    fs.create_dir_all(dir).ctx("create dir", dir)
}

/// Copies `src` to `dst` byte for byte and fsyncs the copy.
fn copy_file(fs: &dyn FileSystem, src: &Path, dst: &Path) -> Result<()> {
    let from = fs.open(src).ctx("open", src)?;
    let len = from.len().ctx("stat", src)?;
    let mut to = fs.create(dst).ctx("create", dst)?;
    let mut buf = vec![0u8; COPY_CHUNK_BYTES];
    let mut at = 0u64;
    while at < len {
        let n = ((len - at) as usize).min(COPY_CHUNK_BYTES);
        from.read_exact_at(&mut buf[..n], at).ctx("read", src)?;
        to.append(&buf[..n]).ctx("append", dst)?;
        at += n as u64;
    }
    to.sync().ctx("fsync", dst)
}

fn link_or_copy(fs: &dyn FileSystem, src: &Path, dst: &Path) -> Result<()> {
    match fs.hard_link(src, dst) {
        Ok(()) => Ok(()),
        Err(_) => copy_file(fs, src, dst),
    }
}

impl Core {
    pub(crate) fn export_snapshot(&self, dest: &Path) -> Result<()> {
        let fs = self.fs.as_ref();
        ensure_empty(fs, dest)?;
        self.flush_all(true)?;
        let (state, tables, active_number, active_bytes): (_, Vec<Arc<Table>>, u64, Vec<u8>) = {
            let cs = self.commit.lock();
            self.check_writable()?;
            // Keyspaces cannot be created or dropped while we hold the commit mutex.
            let keyspaces = self.live_keyspaces();
            let man = self.manifest.lock();
            let state = man.state.clone();
            let mut tables = Vec::new();
            for ks in keyspaces {
                for level in &ks.current().levels.levels {
                    tables.extend(level.iter().cloned());
                }
            }
            // Sealed segments cannot be retired while we hold their list, and nothing can be
            // flushed (which would let the flusher retire them) while we hold the manifest:
            // the segments linked are exactly those the captured state still needs.
            let sealed = self.sealed_segments.lock();
            for n in sealed.keys() {
                let name = wal::segment_file_name(*n);
                link_or_copy(fs, &self.dir.join(&name), &dest.join(&name))?;
            }
            drop(sealed);
            drop(man);
            let path = cs.wal.path().to_owned();
            let len = cs.wal.size_bytes();
            let f = fs.open(&path).ctx("open", &path)?;
            let mut bytes = vec![0u8; len as usize];
            f.read_exact_at(&mut bytes, 0).ctx("read", &path)?;
            (state, tables, cs.wal.number(), bytes)
        };
        for t in &tables {
            let name = table_file_name(t.number());
            link_or_copy(fs, t.path(), &dest.join(name))?;
        }
        let seg = dest.join(wal::segment_file_name(active_number));
        let mut f = fs.create(&seg).ctx("create", &seg)?;
        f.append(&active_bytes).ctx("append", &seg)?;
        f.sync().ctx("fsync", &seg)?;
        fs.sync_dir(dest).ctx("fsync dir", dest)?;
        // The manifest (and CURRENT) last: only a complete copy is a database.
        let number = self.new_file_number();
        Manifest::create(fs, dest, number, state)?;
        drop(tables);
        Ok(())
    }
}

/// Copies an exported database from `src` into the empty (or absent) directory `dest`.
pub(crate) fn restore_snapshot(fs: &dyn FileSystem, src: &Path, dest: &Path) -> Result<()> {
    if manifest::read_current(fs, src)?.is_none() {
        return Err(Error::InvalidArgument {
            reason: format!("{} holds no database (no CURRENT file)", src.display()),
        });
    }
    ensure_empty(fs, dest)?;
    let names = fs.list(src).ctx("list", src)?;
    for name in names
        .iter()
        .filter(|n| *n != "CURRENT" && *n != "LOCK" && !n.ends_with(".tmp"))
    {
        copy_file(fs, &src.join(name), &dest.join(name))?;
    }
    fs.sync_dir(dest).ctx("fsync dir", dest)?;
    let tmp = dest.join("CURRENT.tmp");
    copy_file(fs, &src.join("CURRENT"), &tmp)?;
    fs.rename(&tmp, &dest.join("CURRENT")).ctx("rename", &tmp)?;
    fs.sync_dir(dest).ctx("fsync dir", dest)?;
    Ok(())
}
