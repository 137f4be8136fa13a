#![allow(clippy::unwrap_used)]
//! Bulk ingestion on the real file system: placement, visibility at snapshots, refusal of
//! duplicate keys, durability across reopen, and cleanup of files that were never ingested.
//! (`model.rs` checks ingestion mixed with every other operation against a model.)

use std::ops::Bound;
use std::path::Path;

use embeddb_storage::{Direction, Engine, Error, KeyspaceId, Options, WriteBatch};

fn key(i: u32) -> Vec<u8> {
    format!("k{i:08}").into_bytes()
}

fn ingest_range(e: &Engine, ks: KeyspaceId, range: std::ops::Range<u32>, tag: &str) -> u64 {
    let mut w = e.ingest_writer(ks, true).unwrap();
    for i in range {
        w.put(&key(i), format!("{tag}{i}").as_bytes()).unwrap();
    }
    let file = w.finish().unwrap().unwrap();
    e.ingest(vec![file]).unwrap()
}

fn all(e: &Engine, ks: KeyspaceId) -> Vec<(Vec<u8>, Vec<u8>)> {
    let snap = e.snapshot();
    e.scan(
        ks,
        (Bound::Unbounded, Bound::Unbounded),
        &snap,
        Direction::Forward,
    )
    .unwrap()
    .map(|r| r.unwrap())
    .collect()
}

fn sst_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            name.to_string_lossy().ends_with(".sst")
        })
        .count()
}

#[test]
fn ingest_into_an_empty_keyspace_lands_in_the_bottom_level_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(dir.path(), Options::default()).unwrap();
    let ks = e.create_keyspace("t").unwrap();
    let before = e.snapshot();
    let seq = ingest_range(&e, ks, 0..1000, "v");
    assert!(seq > before.seqno());
    assert_eq!(e.latest_seqno(), seq);
    // A snapshot from before sees nothing; a new one sees everything.
    assert_eq!(e.get(ks, &key(5), &before).unwrap(), None);
    assert_eq!(
        e.get(ks, &key(5), &e.snapshot()).unwrap(),
        Some(b"v5".to_vec())
    );
    assert_eq!(all(&e, ks).len(), 1000);
    let m = e.metrics();
    assert_eq!(m.ingested_files, 1);
    let bottom = m.levels.last().unwrap();
    assert_eq!(
        bottom.files, 1,
        "an empty keyspace takes the file at the bottom"
    );
    // Writes after the ingestion are newer than it.
    let mut b = WriteBatch::new();
    b.put(ks, &key(5), b"later");
    e.write(b).unwrap();
    e.close().unwrap();

    let e = Engine::open(dir.path(), Options::default()).unwrap();
    assert!(e.latest_seqno() > seq, "seqnos resume after the ingestion");
    let snap = e.snapshot();
    assert_eq!(e.get(ks, &key(5), &snap).unwrap(), Some(b"later".to_vec()));
    assert_eq!(e.get(ks, &key(6), &snap).unwrap(), Some(b"v6".to_vec()));
    assert_eq!(all(&e, ks).len(), 1000);
}

#[test]
fn ingest_over_unflushed_older_versions_reads_the_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(dir.path(), Options::default()).unwrap();
    let ks = e.create_keyspace("t").unwrap();
    // Key 10 was written and deleted, key 11 written: both only in the memtable.
    let mut b = WriteBatch::new();
    b.put(ks, &key(10), b"old");
    b.put(ks, &key(11), b"old");
    e.write(b).unwrap();
    let mut b = WriteBatch::new();
    b.delete(ks, &key(10));
    e.write(b).unwrap();
    // Key 10 is deleted, so it may be loaded again; key 11 is live, so it may not.
    let mut w = e.ingest_writer(ks, true).unwrap();
    w.put(&key(10), b"new").unwrap();
    w.put(&key(11), b"new").unwrap();
    let file = w.finish().unwrap().unwrap();
    match e.ingest(vec![file]) {
        Err(Error::DuplicateKey { key: k, value, .. }) => {
            assert_eq!(k, key(11));
            assert_eq!(value, b"old".to_vec());
        }
        other => panic!("expected DuplicateKey, got {other:?}"),
    }
    assert_eq!(sst_files(dir.path()), 0, "a refused file is deleted");
    ingest_range(&e, ks, 10..11, "new");
    let snap = e.snapshot();
    assert_eq!(e.get(ks, &key(10), &snap).unwrap(), Some(b"new10".to_vec()));
    assert_eq!(e.get(ks, &key(11), &snap).unwrap(), Some(b"old".to_vec()));
    // A full compaction keeps the ingested version.
    e.compact(ks).unwrap();
    let snap = e.snapshot();
    assert_eq!(e.get(ks, &key(10), &snap).unwrap(), Some(b"new10".to_vec()));
}

#[test]
fn files_sharing_a_key_and_unordered_keys_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(dir.path(), Options::default()).unwrap();
    let ks = e.create_keyspace("t").unwrap();
    let mut w = e.ingest_writer(ks, false).unwrap();
    w.put(&key(2), b"a").unwrap();
    assert!(matches!(
        w.put(&key(2), b"b"),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        w.put(&key(1), b"b"),
        Err(Error::InvalidArgument { .. })
    ));
    w.put(&key(5), b"a").unwrap();
    let a = w.finish().unwrap().unwrap();
    let mut w = e.ingest_writer(ks, false).unwrap();
    w.put(&key(3), b"b").unwrap();
    w.put(&key(5), b"b").unwrap();
    let b = w.finish().unwrap().unwrap();
    assert!(matches!(
        e.ingest(vec![a, b]),
        Err(Error::DuplicateKey { .. })
    ));
    assert!(all(&e, ks).is_empty());
    assert!(
        e.ingest_writer(ks, false)
            .unwrap()
            .finish()
            .unwrap()
            .is_none()
    );
}

#[test]
fn a_file_never_ingested_is_gone_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(dir.path(), Options::default()).unwrap();
    let ks = e.create_keyspace("t").unwrap();
    let mut w = e.ingest_writer(ks, true).unwrap();
    w.put(&key(1), b"x").unwrap();
    let file = w.finish().unwrap().unwrap();
    // The process dies between writing the file and ingesting it.
    std::mem::forget(file);
    assert_eq!(sst_files(dir.path()), 1);
    e.close().unwrap();
    let e = Engine::open(dir.path(), Options::default()).unwrap();
    assert_eq!(
        sst_files(dir.path()),
        0,
        "the orphan file is removed at open"
    );
    assert!(all(&e, ks).is_empty());
}

#[test]
fn ingestion_into_a_full_l0_waits_for_compaction() {
    let dir = tempfile::tempdir().unwrap();
    let opts = || Options {
        l0_compaction_trigger: 2,
        l0_slowdown_trigger: 3,
        l0_stop_trigger: 3,
        ..Options::default()
    };
    let e = Engine::open(dir.path(), opts()).unwrap();
    let ks = e.create_keyspace("t").unwrap();
    // Not empty, so ingested files enter L0 instead of the bottom level.
    let mut b = WriteBatch::new();
    b.put(ks, b"a", b"x");
    e.write(b).unwrap();
    e.flush().unwrap();
    for round in 0..12u32 {
        ingest_range(&e, ks, round * 100..round * 100 + 100, "v");
        let l0 = e.metrics().levels[0].files;
        assert!(l0 <= 3, "L0 holds {l0} files after ingestion {round}");
    }
    assert_eq!(all(&e, ks).len(), 1201);
}
