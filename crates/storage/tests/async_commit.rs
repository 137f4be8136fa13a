//! Writes awaited as futures (`Engine::write_async`) join the same group commit as blocking
//! writers: each is committed once, under its own seqno, durably, and visible when its future
//! resolves; a failed fsync fails it as it fails a blocking write; closing the engine resolves
//! every future still queued instead of leaving it pending.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::thread;

use futures::executor::block_on;

use embeddb_storage::sim_fs::SimFs;
use embeddb_storage::{Engine, Error, KeyspaceId, Options, WriteBatch};

fn batch(ks: KeyspaceId, key: &str) -> WriteBatch {
    let mut b = WriteBatch::new();
    b.put(ks, key.as_bytes(), format!("value of {key}").as_bytes());
    b
}

fn value(e: &Engine, ks: KeyspaceId, key: &str) -> Option<Vec<u8>> {
    e.get(ks, key.as_bytes(), &e.snapshot()).unwrap()
}

#[test]
fn async_and_blocking_writers_commit_together() {
    const WRITERS: usize = 4;
    const WRITES: usize = 150;
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(dir.path(), Options::default()).unwrap();
    let ks = e.create_keyspace("t").unwrap();
    let mut threads = Vec::new();
    for w in 0..WRITERS * 2 {
        let e = e.clone();
        threads.push(thread::spawn(move || {
            let mut seqnos = Vec::new();
            for i in 0..WRITES {
                let key = format!("w{w}-{i}");
                let seqno = if w % 2 == 0 {
                    block_on(e.write_async(batch(ks, &key))).unwrap()
                } else {
                    e.write(batch(ks, &key)).unwrap()
                };
                // Visible once the future resolves.
                assert!(value(&e, ks, &key).is_some(), "{key}");
                seqnos.push(seqno);
            }
            seqnos
        }));
    }
    let mut seen = HashSet::new();
    for t in threads {
        for seqno in t.join().unwrap() {
            assert!(seen.insert(seqno), "seqno {seqno} given twice");
        }
    }
    assert_eq!(seen.len(), WRITERS * 2 * WRITES);
    e.close().unwrap();

    let e = Engine::open(dir.path(), Options::default()).unwrap();
    for w in 0..WRITERS * 2 {
        for i in 0..WRITES {
            assert!(
                value(&e, ks, &format!("w{w}-{i}")).is_some(),
                "w{w}-{i} lost"
            );
        }
    }
    e.close().unwrap();
}

#[test]
fn futures_queued_before_any_is_polled_all_commit() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(dir.path(), Options::default()).unwrap();
    let ks = e.create_keyspace("t").unwrap();
    let futures: Vec<_> = (0..200)
        .map(|i| e.write_async(batch(ks, &format!("k{i}"))))
        .collect();
    // Resolved in reverse: a future left unpolled must not hold the others up.
    let mut seqnos: Vec<u64> = futures
        .into_iter()
        .rev()
        .map(|f| block_on(f).unwrap())
        .collect();
    seqnos.sort_unstable();
    seqnos.dedup();
    assert_eq!(seqnos.len(), 200);
    for i in 0..200 {
        assert!(value(&e, ks, &format!("k{i}")).is_some(), "k{i}");
    }
    // A thread that cannot await can block on the outcome instead.
    let mut future = e.write_async(batch(ks, "waited"));
    let seqno = future.wait().unwrap();
    assert!(seqno > *seqnos.last().unwrap());
    assert!(value(&e, ks, "waited").is_some());
    seqnos.push(seqno);
    // An empty batch resolves at once with the visible seqno.
    let visible = block_on(e.write_async(WriteBatch::new())).unwrap();
    assert_eq!(visible, *seqnos.last().unwrap());
    e.close().unwrap();
}

#[test]
fn a_failed_fsync_fails_the_awaited_write() {
    let fs = SimFs::new();
    let opts = Options {
        fs: Arc::new(fs.clone()),
        wal_preallocate_bytes: 4096,
        ..Options::default()
    };
    let e = Engine::open(Path::new("/db"), opts).unwrap();
    let ks = e.create_keyspace("t").unwrap();
    block_on(e.write_async(batch(ks, "before"))).unwrap();
    fs.fail_sync("wal-", 1);
    let err = block_on(e.write_async(batch(ks, "failed"))).unwrap_err();
    assert!(matches!(&err, Error::Io { op: "fsync", .. }), "{err:?}");
    assert!(matches!(
        block_on(e.write_async(batch(ks, "after"))),
        Err(Error::ReadOnly { .. })
    ));
    assert!(value(&e, ks, "before").is_some());
    assert!(value(&e, ks, "failed").is_none());
}

#[test]
fn closing_resolves_every_queued_future() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(dir.path(), Options::default()).unwrap();
    let ks = e.create_keyspace("t").unwrap();
    let futures: Vec<_> = (0..100)
        .map(|i| e.write_async(batch(ks, &format!("k{i}"))))
        .collect();
    let late = e.clone();
    e.close().unwrap();
    // Each was either committed before the close or refused by it; none is left pending.
    let mut committed = 0;
    for f in futures {
        match block_on(f) {
            Ok(_) => committed += 1,
            Err(Error::Closed) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert!(committed <= 100);
    assert!(matches!(
        block_on(late.write_async(batch(ks, "late"))),
        Err(Error::Closed)
    ));
    drop(late);
    let e = Engine::open(dir.path(), Options::default()).unwrap();
    let durable = (0..100)
        .filter(|i| value(&e, ks, &format!("k{i}")).is_some())
        .count();
    assert_eq!(
        durable, committed,
        "a write reported committed must survive"
    );
    e.close().unwrap();
}
