//! Operational behaviour: snapshot export while writing and restore, automatic checkpoints
//! bounding the WAL (idle keyspaces included), group commit under concurrency, write stalls.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use embeddb_storage::sim_fs::SimFs;
use embeddb_storage::{Direction, Engine, Error, Options, WriteBatch};

fn wal_bytes_on_disk(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("wal-"))
        // A segment the background flusher retires between the listing and the stat is gone:
        // it holds no bytes any more.
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}

#[test]
fn export_while_writing_is_consistent_and_restores() {
    let dir = tempfile::tempdir().unwrap();
    let opts = || Options {
        memtable_size_bytes: 32 * 1024,
        sync: false,
        ..Options::default()
    };
    let e = Engine::open(&dir.path().join("db"), opts()).unwrap();
    let a = e.create_keyspace("a").unwrap();
    let b = e.create_keyspace("b").unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for t in 0..3u32 {
        let (e, stop) = (e.clone(), stop.clone());
        writers.push(std::thread::spawn(move || {
            let mut i = 0u32;
            while !stop.load(Ordering::Relaxed) {
                let mut batch = WriteBatch::new();
                let k = format!("{t}-{i:08}");
                batch.put(a, k.as_bytes(), b"in a");
                batch.put(b, k.as_bytes(), b"in b");
                e.write(batch).unwrap();
                i += 1;
            }
            i
        }));
    }
    std::thread::sleep(std::time::Duration::from_millis(150));
    let export = dir.path().join("export");
    e.export_snapshot(&export).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(50));
    stop.store(true, Ordering::Relaxed);
    let written: Vec<u32> = writers.into_iter().map(|w| w.join().unwrap()).collect();

    // Exporting into a non-empty directory is refused.
    assert!(matches!(
        e.export_snapshot(&export),
        Err(Error::DestinationNotEmpty { .. })
    ));
    e.close().unwrap();

    let restored = dir.path().join("restored");
    Engine::restore_snapshot(&export, &restored).unwrap();
    assert!(matches!(
        Engine::restore_snapshot(&export, &restored),
        Err(Error::DestinationNotEmpty { .. })
    ));
    let r = Engine::open(&restored, opts()).unwrap();
    let (ra, rb) = (r.keyspace_id("a").unwrap(), r.keyspace_id("b").unwrap());
    let s = r.snapshot();
    let keys = |ks| -> Vec<Vec<u8>> {
        r.scan(
            ks,
            (Bound::Unbounded, Bound::Unbounded),
            &s,
            Direction::Forward,
        )
        .unwrap()
        .map(|kv| kv.unwrap().0)
        .collect()
    };
    let (ka, kb) = (keys(ra), keys(rb));
    assert_eq!(ka, kb, "a batch is half present in the export");
    // Each writer's batches are a prefix: the export is a point in time.
    let mut per_thread: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for k in &ka {
        let s = std::str::from_utf8(k).unwrap();
        let (t, i) = s.split_once('-').unwrap();
        per_thread
            .entry(t.parse().unwrap())
            .or_default()
            .push(i.parse().unwrap());
    }
    let mut total = 0;
    for (t, ids) in &per_thread {
        assert!(
            ids.iter().enumerate().all(|(n, i)| n as u32 == *i),
            "writer {t} has gaps in the export"
        );
        assert!(ids.len() as u32 <= written[*t as usize]);
        total += ids.len();
    }
    assert!(total > 0, "the export holds nothing");
    assert!(
        (total as u64) < written.iter().map(|w| u64::from(*w)).sum::<u64>(),
        "the export should predate later writes"
    );
    drop(s);
    r.close().unwrap();
}

#[test]
fn auto_checkpoint_bounds_the_wal_even_with_an_idle_keyspace() {
    let dir = tempfile::tempdir().unwrap();
    let threshold: u64 = 256 * 1024;
    let opts = || Options {
        memtable_size_bytes: 1024 * 1024, // larger than the threshold: only checkpoints retire WAL
        wal_checkpoint_threshold_bytes: threshold,
        wal_preallocate_bytes: 0, // so file sizes on disk are the WAL's real size
        sync: false,
        ..Options::default()
    };
    let e = Engine::open(dir.path(), opts()).unwrap();
    let idle = e.create_keyspace("idle").unwrap();
    let busy = e.create_keyspace("busy").unwrap();
    let mut b = WriteBatch::new();
    b.put(idle, b"only", b"write");
    e.write(b).unwrap();
    let mut max_wal = 0;
    for i in 0..20_000u32 {
        let mut b = WriteBatch::new();
        b.put(busy, &i.to_be_bytes(), &[7u8; 100]);
        e.write(b).unwrap();
        if i % 500 == 0 {
            max_wal = max_wal.max(wal_bytes_on_disk(dir.path()));
            assert!(e.metrics().wal_live_size_bytes <= threshold + 4096);
        }
    }
    let m = e.metrics();
    assert!(m.checkpoints > 2, "{m:?}");
    assert!(m.wal_segments_deleted > 2, "{m:?}");
    // Bounded by the threshold (plus at most one commit group).
    assert!(max_wal <= threshold + 4096, "WAL grew to {max_wal} bytes");
    e.close().unwrap();
    let e = Engine::open(dir.path(), opts()).unwrap();
    let s = e.snapshot();
    assert_eq!(e.get(idle, b"only", &s).unwrap(), Some(b"write".to_vec()));
    assert_eq!(
        e.scan(
            busy,
            (Bound::Unbounded, Bound::Unbounded),
            &s,
            Direction::Forward
        )
        .unwrap()
        .count(),
        20_000
    );
}

#[test]
fn concurrent_synced_writers_share_fsyncs_and_get_distinct_seqnos() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(dir.path(), Options::default()).unwrap();
    let ks = e.create_keyspace("t").unwrap();
    let threads: Vec<_> = (0..16u32)
        .map(|t| {
            let e = e.clone();
            std::thread::spawn(move || {
                (0..100u32)
                    .map(|i| {
                        let mut b = WriteBatch::new();
                        b.put(ks, format!("{t:02}-{i:04}").as_bytes(), b"v");
                        let seq = e.write(b).unwrap();
                        // Visible to a snapshot taken after the write returns.
                        let s = e.snapshot();
                        assert!(s.seqno() >= seq);
                        assert!(
                            e.get(ks, format!("{t:02}-{i:04}").as_bytes(), &s)
                                .unwrap()
                                .is_some()
                        );
                        seq
                    })
                    .collect::<Vec<u64>>()
            })
        })
        .collect();
    let mut seqs: Vec<u64> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    let n = seqs.len();
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(seqs.len(), n, "seqnos must be unique");
    let m = e.metrics();
    assert_eq!(m.write_batches, 1600);
    assert!(m.wal_syncs < 1600, "no fsync was shared: {m:?}");
}

#[test]
fn writers_stall_but_never_fail_when_flushing_falls_behind() {
    let fs = SimFs::new();
    let opts = Options {
        memtable_size_bytes: 4096,
        max_immutable_memtables: 1,
        l0_compaction_trigger: 1,
        l0_slowdown_trigger: 2,
        l0_stop_trigger: 3,
        level_base_size_bytes: 16 * 1024,
        target_file_size_bytes: 8 * 1024,
        wal_preallocate_bytes: 4096,
        fs: Arc::new(fs),
        ..Options::default()
    };
    let e = Engine::open(Path::new("/db"), opts).unwrap();
    let ks = e.create_keyspace("t").unwrap();
    for i in 0..3000u32 {
        let mut b = WriteBatch::new();
        b.put(ks, &i.to_be_bytes(), &[1u8; 200]);
        e.write(b).unwrap();
    }
    let m = e.metrics();
    assert!(
        m.write_stalls + m.write_slowdowns > 0,
        "expected stalls: {m:?}"
    );
    let s = e.snapshot();
    assert_eq!(
        e.scan(
            ks,
            (Bound::Unbounded, Bound::Unbounded),
            &s,
            Direction::Reverse
        )
        .unwrap()
        .count(),
        3000
    );
}

#[test]
fn limits_are_enforced() {
    let fs = SimFs::new();
    let e = Engine::open(
        Path::new("/db"),
        Options {
            fs: Arc::new(fs),
            ..Options::default()
        },
    )
    .unwrap();
    let ks = e.create_keyspace("t").unwrap();
    let mut b = WriteBatch::new();
    b.put(ks, &vec![0u8; 64 * 1024 + 1], b"v");
    assert!(matches!(
        e.write(b),
        Err(Error::LimitExceeded { what: "key", .. })
    ));
    assert!(matches!(
        e.create_keyspace(&"n".repeat(300)),
        Err(Error::LimitExceeded { .. })
    ));
    assert!(e.create_keyspace("").is_err());
}
