//! The WAL's fsync thread: while a commit leader applies a large group to the memtables, this
//! thread fdatasyncs the WAL segment for it, through a second handle (`WalWriter::sync_during`).
//!
//! The thread lives as long as the engine. Starting a thread per commit instead (as scoped
//! threads must) cost more than the overlap saved on a bulk load of 1,000-row statements: each
//! new thread got its own allocator heap, which it abandoned on exit, and the pages handed back
//! were faulted in again by the next commit.
//!
//! Only the group-commit leader uses it, under the commit lock, so at most one request is ever
//! in flight; both channels hold one message for that reason.

use std::io;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use crate::fs::File;

/// A persistent thread that syncs files handed to it, one at a time.
pub(crate) struct SyncThread {
    /// Dropped first on shutdown, which ends the thread's loop.
    requests: Option<SyncSender<Arc<dyn File>>>,
    replies: Receiver<io::Result<()>>,
    thread: Option<JoinHandle<()>>,
}

/// A sync handed to the thread; [`PendingSync::wait`] returns its result. Dropped without
/// waiting (the leader unwinding from a panic), it still takes the reply, so the next sync
/// can never be answered with this one's.
pub(crate) struct PendingSync<'a> {
    replies: &'a Receiver<io::Result<()>>,
    answered: bool,
}

impl SyncThread {
    /// Starts the thread; None if the OS refuses one (the leader then syncs inline).
    pub(crate) fn start() -> Option<SyncThread> {
        let (requests, jobs) = sync_channel::<Arc<dyn File>>(1);
        let (results, replies) = sync_channel::<io::Result<()>>(1);
        let thread = std::thread::Builder::new()
            .name("embeddb-wal-sync".into())
            .spawn(move || {
                for file in jobs {
                    // The leader waits for every reply it asked for; if it is gone, so is the
                    // engine, and the loop ends with the request channel.
                    if results.send(file.sync()).is_err() {
                        return;
                    }
                }
            })
            .ok()?;
        Some(SyncThread {
            requests: Some(requests),
            replies,
            thread: Some(thread),
        })
    }

    /// Hands `file` to the thread to sync. Err gives the file back when the thread is gone
    /// (it cannot exit while the engine holds it, short of a panic in `sync`).
    pub(crate) fn begin(&mut self, file: Arc<dyn File>) -> Result<PendingSync<'_>, Arc<dyn File>> {
        let Some(requests) = &self.requests else {
            return Err(file);
        };
        match requests.send(file) {
            Ok(()) => Ok(PendingSync {
                replies: &self.replies,
                answered: false,
            }),
            Err(returned) => Err(returned.0),
        }
    }
}

impl PendingSync<'_> {
    /// Waits for the sync to finish.
    pub(crate) fn wait(mut self) -> io::Result<()> {
        self.answered = true;
        self.replies.recv().unwrap_or_else(|_| {
            Err(io::Error::other(
                "the WAL sync thread exited before reporting its fsync",
            ))
        })
    }
}

impl Drop for PendingSync<'_> {
    fn drop(&mut self) {
        if !self.answered {
            // Only an unwinding leader gets here; the result no longer matters to anyone.
            let _ = self.replies.recv();
        }
    }
}

impl Drop for SyncThread {
    fn drop(&mut self) {
        self.requests = None;
        if let Some(thread) = self.thread.take() {
            // A panic on that thread was already reported as a failed sync; nothing is left
            // to do with it here.
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::FileSystem;
    use crate::sim_fs::SimFs;
    use std::path::Path;

    #[test]
    fn syncs_on_its_thread_and_reports_each_result() {
        let fs = SimFs::new();
        let dir = Path::new("/d");
        let path = Path::new("/d/wal-1");
        fs.create_dir_all(dir).expect("mkdir");
        let mut file = fs.create(path).expect("create");
        fs.sync_dir(dir).expect("sync dir");
        file.append(b"abc").expect("append");
        let shared: Arc<dyn File> = Arc::from(file.try_clone().expect("clone"));
        let mut thread = SyncThread::start().expect("thread");
        let pending = thread.begin(shared.clone()).ok().expect("begin");
        pending.wait().expect("sync");

        fs.fail_sync("wal-", 1);
        file.append(b"def").expect("append");
        let pending = thread.begin(shared).ok().expect("begin");
        assert!(
            pending.wait().is_err(),
            "an injected fsync failure is reported"
        );
        fs.crash();
        assert_eq!(fs.read_file(path).as_deref(), Some(&b"abc"[..]));
    }

    /// A leader that unwinds between handing over a sync and waiting for it must not leave
    /// that sync's reply to answer the next leader's sync.
    #[test]
    fn an_abandoned_sync_never_answers_the_next_one() {
        let fs = SimFs::new();
        let dir = Path::new("/d");
        fs.create_dir_all(dir).expect("mkdir");
        let file = fs.create(Path::new("/d/wal-2")).expect("create");
        let shared: Arc<dyn File> = Arc::from(file.try_clone().expect("clone"));
        let mut thread = SyncThread::start().expect("thread");
        // The abandoned sync fails, whenever the thread gets to it; the next one succeeds.
        fs.fail_sync("wal-", 1);
        drop(thread.begin(shared.clone()).ok().expect("begin"));
        let pending = thread.begin(shared).ok().expect("begin");
        pending
            .wait()
            .expect("the second sync reports its own success, not the abandoned one's failure");
    }
}
