//! A large commit group is applied to the memtables while its fsync is in flight
//! (`Options::overlap_apply_min_bytes`), yet published only after the fsync: while the fsync
//! is held, the memtable already holds the group but no snapshot sees it; after a failed fsync
//! nothing of it is ever visible, nor after a crash and reopen.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use embeddb_storage::sim_fs::{SimFs, SyncHold};
use embeddb_storage::{Engine, Error, KeyspaceId, Options, WriteBatch};

const DB: &str = "/db";
const KEYS: u32 = 500;

fn opts(fs: &SimFs) -> Options {
    Options {
        fs: Arc::new(fs.clone()),
        wal_preallocate_bytes: 4096,
        // Every synced group overlaps, however small (the default starts at 64 KiB).
        overlap_apply_min_bytes: 0,
        ..Options::default()
    }
}

fn large_batch(ks: KeyspaceId, tag: &str) -> WriteBatch {
    let mut b = WriteBatch::new();
    for i in 0..KEYS {
        b.put(ks, format!("{tag}{i:05}").as_bytes(), &[b'v'; 100]);
    }
    b
}

fn visible_keys(e: &Engine, ks: KeyspaceId, tag: &str) -> u32 {
    let snap = e.snapshot();
    (0..KEYS)
        .filter(|i| {
            e.get(ks, format!("{tag}{i:05}").as_bytes(), &snap)
                .unwrap()
                .is_some()
        })
        .count() as u32
}

fn memtable_size_bytes(e: &Engine) -> u64 {
    e.metrics().memtable_size_bytes
}

/// Waits (bounded) until the memtables hold more than `above` bytes: the leader applies the
/// group at its own pace while the fsync thread is held, so this waits for an event, not a time.
fn wait_for_memtable_growth(e: &Engine, above: u64) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while memtable_size_bytes(e) <= above {
        assert!(
            Instant::now() < deadline,
            "the group was not applied while its fsync was in flight"
        );
        thread::yield_now();
    }
}

/// An engine holding one committed group ("before"), and a second group (`tag`) whose commit is
/// stopped inside its fsync once the group is already in the memtable. `fail` makes that
/// fsync fail when released.
struct HeldCommit {
    fs: SimFs,
    engine: Engine,
    ks: KeyspaceId,
    visible_before: u64,
    size_before: u64,
    hold: Arc<SyncHold>,
    writer: thread::JoinHandle<Result<u64, Error>>,
}

fn hold_a_commit_in_its_fsync(tag: &'static str, fail: bool) -> HeldCommit {
    let fs = SimFs::new();
    let engine = Engine::open(Path::new(DB), opts(&fs)).unwrap();
    let ks = engine.create_keyspace("t").unwrap();
    engine.write(large_batch(ks, "before")).unwrap();
    let visible_before = engine.latest_seqno();
    let size_before = memtable_size_bytes(&engine);
    let hold = fs.hold_sync("wal-");
    if fail {
        fs.fail_sync("wal-", 1);
    }
    let writer = {
        let e = engine.clone();
        thread::spawn(move || e.write(large_batch(ks, tag)))
    };
    hold.wait_entered();
    wait_for_memtable_growth(&engine, size_before);
    HeldCommit {
        fs,
        engine,
        ks,
        visible_before,
        size_before,
        hold,
        writer,
    }
}

#[test]
fn a_group_applied_during_its_fsync_is_invisible_until_the_fsync_succeeds() {
    let HeldCommit {
        fs,
        engine: e,
        ks,
        visible_before,
        hold,
        writer,
        ..
    } = hold_a_commit_in_its_fsync("held", false);
    assert_eq!(visible_keys(&e, ks, "held"), 0);
    assert_eq!(e.latest_seqno(), visible_before);

    hold.release();
    let seqno = writer.join().unwrap().unwrap();
    assert_eq!(seqno, visible_before + 1);
    assert_eq!(e.latest_seqno(), seqno);
    assert_eq!(visible_keys(&e, ks, "held"), KEYS);

    // Durable: a power cut right after the acknowledgement keeps it.
    drop(e);
    fs.crash();
    let e = Engine::open(Path::new(DB), opts(&fs)).unwrap();
    let ks = e.keyspace_id("t").unwrap();
    assert_eq!(visible_keys(&e, ks, "before"), KEYS);
    assert_eq!(visible_keys(&e, ks, "held"), KEYS);
}

#[test]
fn a_failed_fsync_after_the_group_was_applied_publishes_nothing() {
    let HeldCommit {
        fs,
        engine: e,
        ks,
        visible_before,
        size_before,
        hold,
        writer,
    } = hold_a_commit_in_its_fsync("failed", true);
    hold.release();
    let err = writer.join().unwrap().unwrap_err();
    assert!(matches!(&err, Error::Io { op: "fsync", .. }), "{err:?}");

    // Applied, but above every snapshot, now and later: the engine takes no more writes.
    assert!(memtable_size_bytes(&e) > size_before);
    assert_eq!(e.latest_seqno(), visible_before);
    assert_eq!(visible_keys(&e, ks, "failed"), 0);
    assert!(matches!(
        e.write(large_batch(ks, "after")),
        Err(Error::ReadOnly { .. })
    ));
    assert_eq!(visible_keys(&e, ks, "failed"), 0);
    assert_eq!(visible_keys(&e, ks, "before"), KEYS);

    drop(e);
    fs.crash();
    let e = Engine::open(Path::new(DB), opts(&fs)).unwrap();
    let ks = e.keyspace_id("t").unwrap();
    assert_eq!(visible_keys(&e, ks, "before"), KEYS);
    assert_eq!(visible_keys(&e, ks, "failed"), 0);
}

#[test]
fn small_groups_below_the_threshold_still_commit_durably() {
    let fs = SimFs::new();
    let opts = Options {
        overlap_apply_min_bytes: usize::MAX,
        ..opts(&fs)
    };
    let e = Engine::open(Path::new(DB), opts.clone()).unwrap();
    let ks = e.create_keyspace("t").unwrap();
    e.write(large_batch(ks, "inline")).unwrap();
    assert_eq!(visible_keys(&e, ks, "inline"), KEYS);
    drop(e);
    fs.crash();
    let e = Engine::open(Path::new(DB), opts).unwrap();
    let ks = e.keyspace_id("t").unwrap();
    assert_eq!(visible_keys(&e, ks, "inline"), KEYS);
}
