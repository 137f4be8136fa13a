#![allow(clippy::unwrap_used)]
//! End-to-end behaviour of the public API on the real file system.

use std::ops::Bound;

use embeddb_storage::{Direction, Engine, Error, KeyspaceId, Options, WriteBatch};

fn small_opts() -> Options {
    Options {
        memtable_size_bytes: 64 * 1024,
        wal_checkpoint_threshold_bytes: 1024 * 1024,
        level_base_size_bytes: 256 * 1024,
        target_file_size_bytes: 64 * 1024,
        ..Options::default()
    }
}

fn put(e: &Engine, ks: KeyspaceId, k: &[u8], v: &[u8]) -> u64 {
    let mut b = WriteBatch::new();
    b.put(ks, k, v);
    e.write(b).unwrap()
}

fn collect(e: &Engine, ks: KeyspaceId, dir: Direction) -> Vec<(Vec<u8>, Vec<u8>)> {
    let snap = e.snapshot();
    e.scan(ks, (Bound::Unbounded, Bound::Unbounded), &snap, dir)
        .unwrap()
        .map(|r| r.unwrap())
        .collect()
}

#[test]
fn put_get_delete_scan_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(dir.path(), small_opts()).unwrap();
    let ks = e.create_keyspace("t").unwrap();
    assert!(matches!(
        e.create_keyspace("t"),
        Err(Error::KeyspaceExists { .. })
    ));
    let s1 = put(&e, ks, b"a", b"1");
    let old = e.snapshot();
    let s2 = put(&e, ks, b"b", b"2");
    assert!(s2 > s1);
    let mut b = WriteBatch::new();
    b.delete(ks, b"a");
    b.put(ks, b"c", b"3");
    b.put(ks, b"c", b"4"); // later op on the same key wins
    e.write(b).unwrap();
    let snap = e.snapshot();
    assert_eq!(e.get(ks, b"a", &snap).unwrap(), None);
    assert_eq!(e.get(ks, b"a", &old).unwrap(), Some(b"1".to_vec()));
    assert_eq!(e.get(ks, b"c", &snap).unwrap(), Some(b"4".to_vec()));
    let entry = e.get_entry(ks, b"a", &snap).unwrap().unwrap();
    assert_eq!(entry.value, None);
    assert_eq!(
        collect(&e, ks, Direction::Forward),
        vec![
            (b"b".to_vec(), b"2".to_vec()),
            (b"c".to_vec(), b"4".to_vec())
        ]
    );
    assert_eq!(
        collect(&e, ks, Direction::Reverse),
        vec![
            (b"c".to_vec(), b"4".to_vec()),
            (b"b".to_vec(), b"2".to_vec())
        ]
    );
    drop(old);
    drop(snap);
    e.close().unwrap();
    let e = Engine::open(dir.path(), small_opts()).unwrap();
    let ks2 = e.keyspace_id("t").unwrap();
    assert_eq!(ks2, ks);
    assert_eq!(collect(&e, ks, Direction::Forward).len(), 2);
    e.flush().unwrap();
    e.compact(ks).unwrap();
    assert_eq!(collect(&e, ks, Direction::Forward).len(), 2);
    e.close().unwrap();
}

#[test]
fn many_keys_through_flush_compaction_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(dir.path(), small_opts()).unwrap();
    let ks = e.create_keyspace("big").unwrap();
    let n = 20_000u32;
    for chunk in 0..(n / 100) {
        let mut b = WriteBatch::new();
        b.set_sync(false);
        for i in chunk * 100..(chunk + 1) * 100 {
            let k = ((u64::from(i) * 2_654_435_761 % u64::from(n)) as u32).to_be_bytes();
            b.put(ks, &k, format!("value-{i}").as_bytes());
        }
        e.write(b).unwrap();
    }
    e.checkpoint().unwrap();
    let m = e.metrics();
    assert!(m.flushes > 0, "{m:?}");
    let snap = e.snapshot();
    for i in (0..n).step_by(97) {
        assert!(
            e.get(ks, &i.to_be_bytes(), &snap).unwrap().is_some(),
            "key {i}"
        );
    }
    let all = collect(&e, ks, Direction::Forward);
    assert_eq!(all.len(), n as usize);
    assert!(all.windows(2).all(|w| w[0].0 < w[1].0));
    let rev = collect(&e, ks, Direction::Reverse);
    assert_eq!(rev.len(), n as usize);
    drop(snap);
    e.close().unwrap();
    let e = Engine::open(dir.path(), small_opts()).unwrap();
    assert_eq!(collect(&e, ks, Direction::Forward).len(), n as usize);
    e.compact(ks).unwrap();
    assert_eq!(collect(&e, ks, Direction::Reverse).len(), n as usize);
}

#[test]
fn second_open_is_locked_and_names_the_dir() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(dir.path(), Options::default()).unwrap();
    match Engine::open(dir.path(), Options::default()) {
        Err(Error::Locked { dir: d }) => {
            assert_eq!(d, dir.path());
            let msg = Error::Locked { dir: d }.to_string();
            assert!(msg.contains(&dir.path().display().to_string()), "{msg}");
        }
        Err(other) => panic!("expected Locked, got {other}"),
        Ok(_) => panic!("expected Locked, got an engine"),
    }
    drop(e);
    Engine::open(dir.path(), Options::default())
        .unwrap()
        .close()
        .unwrap();
}

#[test]
fn dropped_keyspace_refuses_writes() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(dir.path(), Options::default()).unwrap();
    let ks = e.create_keyspace("gone").unwrap();
    put(&e, ks, b"k", b"v");
    e.flush().unwrap();
    e.drop_keyspace(ks).unwrap();
    let mut b = WriteBatch::new();
    b.put(ks, b"k", b"v");
    assert!(matches!(e.write(b), Err(Error::KeyspaceNotFound { .. })));
    assert!(e.keyspace_id("gone").is_none());
    e.close().unwrap();
    let e = Engine::open(dir.path(), Options::default()).unwrap();
    assert!(e.keyspaces().is_empty());
    let leftover: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|d| d.ok())
        .filter(|d| d.file_name().to_string_lossy().ends_with(".sst"))
        .collect();
    assert!(
        leftover.is_empty(),
        "SSTs of the dropped keyspace remain: {leftover:?}"
    );
}
