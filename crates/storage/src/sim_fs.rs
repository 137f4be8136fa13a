//! A simulated in-memory file system for tests: it keeps, beside what the engine sees, what
//! would survive a power cut — file bytes up to their last `sync`, directory entries as of their
//! directory's last `sync_dir` — and [`SimFs::crash`] throws everything else away.
//!
//! Faults can be injected: a crash after N more mutating operations (every later mutating call
//! fails, as if the process had died there), fsync failures and short writes on files whose path
//! contains a pattern. An fsync can also be held ([`SimFs::hold_sync`]) so a test can look at
//! the engine while a commit's fsync is in flight. It is public so integration tests can use it; it is not meant for
//! production use.

use std::collections::{BTreeMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::{Condvar, Mutex};

use crate::fs::{File, FileLock, FileSystem};

#[derive(Default)]
struct Node {
    data: Vec<u8>,
    /// The bytes that would survive a crash.
    durable: Vec<u8>,
}

#[derive(Default)]
struct Faults {
    /// Mutating operations left before the simulated process death.
    ops_until_crash: Option<u64>,
    /// Set once the countdown ran out: every mutating operation fails until `crash()`.
    dead: bool,
    /// fsyncs of paths containing this pattern fail (`Some((pattern, remaining))`).
    fail_sync: Option<(String, u32)>,
    /// The next append to a path containing this pattern writes half and fails.
    short_write: Option<String>,
    /// The next fsync of a path containing this pattern waits for the test to release it.
    held_sync: Option<(String, Arc<SyncHold>)>,
}

/// An fsync held in flight by a test (see [`SimFs::hold_sync`]).
#[derive(Default)]
pub struct SyncHold {
    /// (an fsync is waiting here, the test released it)
    state: Mutex<(bool, bool)>,
    changed: Condvar,
}

impl SyncHold {
    /// Waits until an fsync reached the hold.
    pub fn wait_entered(&self) {
        let mut st = self.state.lock();
        while !st.0 {
            self.changed.wait(&mut st);
        }
    }

    /// Lets the held fsync go on (it then succeeds or fails as it would have).
    pub fn release(&self) {
        self.state.lock().1 = true;
        self.changed.notify_all();
    }

    fn enter_and_wait(&self) {
        let mut st = self.state.lock();
        st.0 = true;
        self.changed.notify_all();
        while !st.1 {
            self.changed.wait(&mut st);
        }
    }
}

#[derive(Default)]
struct State {
    /// The namespace the running program sees.
    files: BTreeMap<PathBuf, Arc<Mutex<Node>>>,
    /// The namespace as of each directory's last sync.
    durable_files: BTreeMap<PathBuf, Arc<Mutex<Node>>>,
    dirs: HashSet<PathBuf>,
    locks: HashSet<PathBuf>,
    faults: Faults,
    mutating_ops: u64,
}

/// The simulated file system. Cloning shares the same state.
#[derive(Clone, Default)]
pub struct SimFs {
    state: Arc<Mutex<State>>,
}

impl std::fmt::Debug for SimFs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimFs").finish_non_exhaustive()
    }
}

fn injected(what: &str) -> io::Error {
    io::Error::other(format!("injected fault: {what}"))
}

impl State {
    /// Counts one mutating operation and decides whether it may happen.
    fn step(&mut self) -> io::Result<()> {
        if self.faults.dead {
            return Err(injected("process is dead (simulated crash point passed)"));
        }
        self.mutating_ops += 1;
        if let Some(left) = self.faults.ops_until_crash.as_mut() {
            if *left == 0 {
                self.faults.dead = true;
                return Err(injected("simulated crash point"));
            }
            *left -= 1;
        }
        Ok(())
    }
}

impl SimFs {
    /// A new, empty file system.
    pub fn new() -> SimFs {
        SimFs::default()
    }

    /// Simulates a power cut: files lose unsynced bytes, directories lose unsynced entries,
    /// locks are released and all injected faults are cleared.
    pub fn crash(&self) {
        let mut st = self.state.lock();
        st.files = st.durable_files.clone();
        for node in st.files.values() {
            let mut n = node.lock();
            n.data = n.durable.clone();
        }
        st.locks.clear();
        st.faults = Faults::default();
    }

    /// After `n` more mutating operations (create, append, sync, set_len, rename, remove,
    /// sync_dir, hard_link), every mutating operation fails, as if the process died there.
    pub fn crash_after_ops(&self, n: u64) {
        let mut st = self.state.lock();
        st.faults.ops_until_crash = Some(n);
        st.faults.dead = false;
    }

    /// Number of mutating operations performed so far (to find crash points).
    pub fn mutating_ops(&self) -> u64 {
        self.state.lock().mutating_ops
    }

    /// The next `times` fsyncs of files whose path contains `pattern` fail.
    pub fn fail_sync(&self, pattern: &str, times: u32) {
        self.state.lock().faults.fail_sync = Some((pattern.to_owned(), times));
    }

    /// The next fsync of a file whose path contains `pattern` stops before it does anything
    /// and waits until the returned hold is released.
    pub fn hold_sync(&self, pattern: &str) -> Arc<SyncHold> {
        let hold = Arc::new(SyncHold::default());
        self.state.lock().faults.held_sync = Some((pattern.to_owned(), hold.clone()));
        hold
    }

    /// The next append to a file whose path contains `pattern` writes only half its bytes and
    /// then fails.
    pub fn short_write(&self, pattern: &str) {
        self.state.lock().faults.short_write = Some(pattern.to_owned());
    }

    /// The current contents of a file, if it exists.
    pub fn read_file(&self, path: &Path) -> Option<Vec<u8>> {
        let st = self.state.lock();
        st.files.get(path).map(|n| n.lock().data.clone())
    }

    /// Replaces the contents of a file durably (for corruption tests).
    pub fn write_file(&self, path: &Path, data: &[u8]) {
        let mut st = self.state.lock();
        let node = Arc::new(Mutex::new(Node {
            data: data.to_vec(),
            durable: data.to_vec(),
        }));
        st.files.insert(path.to_owned(), node.clone());
        st.durable_files.insert(path.to_owned(), node);
    }

    /// Creates a directory (as `create_dir_all`, usable without the trait in scope).
    pub fn create_dir_all_for_test(&self, dir: &Path) {
        let _ = FileSystem::create_dir_all(self, dir);
    }

    /// Names of the files directly inside `dir`.
    pub fn list_files(&self, dir: &Path) -> Vec<String> {
        self.list(dir).unwrap_or_default()
    }
}

struct SimFile {
    path: PathBuf,
    node: Arc<Mutex<Node>>,
    fs: Arc<Mutex<State>>,
    /// Where the next append goes (files can be preallocated past it).
    end: usize,
}

/// Writes `buf` at `at`, overwriting and extending as needed.
fn write_at(data: &mut Vec<u8>, at: usize, buf: &[u8]) {
    let end = at + buf.len();
    if data.len() < end {
        data.resize(end, 0);
    }
    data[at..end].copy_from_slice(buf);
}

impl File for SimFile {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let node = self.node.lock();
        let Ok(start) = usize::try_from(offset) else {
            return Ok(0);
        };
        if start >= node.data.len() {
            return Ok(0);
        }
        let n = buf.len().min(node.data.len() - start);
        buf[..n].copy_from_slice(&node.data[start..start + n]);
        Ok(n)
    }

    fn append(&mut self, buf: &[u8]) -> io::Result<()> {
        let short = {
            let mut st = self.fs.lock();
            st.step()?;
            let hit = st
                .faults
                .short_write
                .as_deref()
                .is_some_and(|p| self.path.to_string_lossy().contains(p));
            if hit {
                st.faults.short_write = None;
            }
            hit
        };
        let mut node = self.node.lock();
        if short {
            let half = &buf[..buf.len() / 2];
            write_at(&mut node.data, self.end, half);
            self.end += half.len();
            return Err(injected("short write"));
        }
        write_at(&mut node.data, self.end, buf);
        self.end += buf.len();
        Ok(())
    }

    fn try_clone(&self) -> io::Result<Box<dyn File>> {
        Ok(Box::new(SimFile {
            path: self.path.clone(),
            node: self.node.clone(),
            fs: self.fs.clone(),
            end: self.end,
        }))
    }

    fn sync(&self) -> io::Result<()> {
        let held = {
            let mut st = self.fs.lock();
            let path = self.path.to_string_lossy();
            match st.faults.held_sync.take() {
                Some((pattern, hold)) if path.contains(pattern.as_str()) => Some(hold),
                other => {
                    st.faults.held_sync = other;
                    None
                }
            }
        };
        if let Some(hold) = held {
            hold.enter_and_wait();
        }
        {
            let mut st = self.fs.lock();
            st.step()?;
            let path = self.path.to_string_lossy();
            if let Some((pattern, times)) = st.faults.fail_sync.as_mut()
                && *times > 0
                && path.contains(pattern.as_str())
            {
                *times -= 1;
                return Err(injected("fsync failed"));
            }
        }
        let mut node = self.node.lock();
        let Node { data, durable } = &mut *node;
        if data.starts_with(durable) {
            durable.extend_from_slice(&data[durable.len()..]);
        } else {
            *durable = data.clone();
        }
        Ok(())
    }

    fn len(&self) -> io::Result<u64> {
        Ok(self.node.lock().data.len() as u64)
    }

    fn set_len(&mut self, len: u64) -> io::Result<()> {
        self.fs.lock().step()?;
        let len = usize::try_from(len).map_err(|_| io::Error::other("length too large"))?;
        self.node.lock().data.resize(len, 0);
        self.end = len;
        Ok(())
    }

    fn preallocate(&mut self, len: u64) -> io::Result<()> {
        self.fs.lock().step()?;
        let len = usize::try_from(len).map_err(|_| io::Error::other("length too large"))?;
        let mut node = self.node.lock();
        if node.data.len() < len {
            node.data.resize(len, 0);
        }
        Ok(())
    }
}

struct SimLock {
    path: PathBuf,
    fs: Arc<Mutex<State>>,
}

impl FileLock for SimLock {}

impl Drop for SimLock {
    fn drop(&mut self) {
        self.fs.lock().locks.remove(&self.path);
    }
}

fn not_found(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        format!("{} not found", path.display()),
    )
}

impl FileSystem for SimFs {
    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        let mut st = self.state.lock();
        let mut p = Some(path);
        while let Some(dir) = p {
            if dir.as_os_str().is_empty() {
                break;
            }
            st.dirs.insert(dir.to_owned());
            p = dir.parent();
        }
        Ok(())
    }

    fn create(&self, path: &Path) -> io::Result<Box<dyn File>> {
        let mut st = self.state.lock();
        st.step()?;
        let node = Arc::new(Mutex::new(Node::default()));
        st.files.insert(path.to_owned(), node.clone());
        Ok(Box::new(SimFile {
            path: path.to_owned(),
            node,
            fs: self.state.clone(),
            end: 0,
        }))
    }

    fn open(&self, path: &Path) -> io::Result<Box<dyn File>> {
        let st = self.state.lock();
        let node = st.files.get(path).cloned().ok_or_else(|| not_found(path))?;
        let end = node.lock().data.len();
        Ok(Box::new(SimFile {
            path: path.to_owned(),
            node,
            fs: self.state.clone(),
            end,
        }))
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        let mut st = self.state.lock();
        st.step()?;
        let node = st.files.remove(from).ok_or_else(|| not_found(from))?;
        st.files.insert(to.to_owned(), node);
        Ok(())
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        let mut st = self.state.lock();
        st.step()?;
        st.files
            .remove(path)
            .map(|_| ())
            .ok_or_else(|| not_found(path))
    }

    fn sync_dir(&self, path: &Path) -> io::Result<()> {
        let mut st = self.state.lock();
        st.step()?;
        let in_dir = |p: &Path| p.parent() == Some(path);
        let State {
            files,
            durable_files,
            ..
        } = &mut *st;
        durable_files.retain(|p, _| !in_dir(p));
        for (p, node) in files.iter() {
            if in_dir(p) {
                durable_files.insert(p.clone(), node.clone());
            }
        }
        Ok(())
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<String>> {
        let st = self.state.lock();
        if !st.dirs.contains(dir) {
            return Err(not_found(dir));
        }
        Ok(st
            .files
            .keys()
            .filter(|p| p.parent() == Some(dir))
            .filter_map(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_owned))
            .collect())
    }

    fn hard_link(&self, src: &Path, dst: &Path) -> io::Result<()> {
        let mut st = self.state.lock();
        st.step()?;
        let node = st.files.get(src).cloned().ok_or_else(|| not_found(src))?;
        if st.files.contains_key(dst) {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "link target exists",
            ));
        }
        st.files.insert(dst.to_owned(), node);
        Ok(())
    }

    fn exists(&self, path: &Path) -> io::Result<bool> {
        let st = self.state.lock();
        Ok(st.files.contains_key(path) || st.dirs.contains(path))
    }

    fn lock(&self, path: &Path) -> io::Result<Box<dyn FileLock>> {
        let mut st = self.state.lock();
        if !st.locks.insert(path.to_owned()) {
            return Err(io::Error::new(io::ErrorKind::WouldBlock, "lock is held"));
        }
        if !st.files.contains_key(path) {
            let node = Arc::new(Mutex::new(Node::default()));
            st.files.insert(path.to_owned(), node);
        }
        Ok(Box::new(SimLock {
            path: path.to_owned(),
            fs: self.state.clone(),
        }))
    }
}
