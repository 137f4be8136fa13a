//! Fault injection on the simulated file system: torn WAL tails, flipped bytes in the WAL and
//! in SST blocks, a checkpoint interrupted at every step, fsync failures and short writes.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use embeddb_storage::sim_fs::SimFs;
use embeddb_storage::{Direction, Engine, Error, KeyspaceId, Options, WriteBatch};

const DB: &str = "/db";

fn opts(fs: &SimFs) -> Options {
    Options {
        fs: Arc::new(fs.clone()),
        // Small, so the simulated FS stays cheap, but present: recovery must read past it.
        wal_preallocate_bytes: 4096,
        ..Options::default()
    }
}

fn batch(ks: KeyspaceId, i: u32) -> WriteBatch {
    let mut b = WriteBatch::new();
    b.put(
        ks,
        format!("key{i:05}").as_bytes(),
        format!("value-{i}-{}", "v".repeat(i as usize % 30)).as_bytes(),
    );
    b.put(
        ks,
        format!("other{i:05}").as_bytes(),
        b"second op of the batch",
    );
    b
}

fn present(e: &Engine, ks: KeyspaceId, i: u32) -> (bool, bool) {
    let s = e.snapshot();
    (
        e.get(ks, format!("key{i:05}").as_bytes(), &s)
            .unwrap()
            .is_some(),
        e.get(ks, format!("other{i:05}").as_bytes(), &s)
            .unwrap()
            .is_some(),
    )
}

fn wal_files(fs: &SimFs) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs
        .list_files(Path::new(DB))
        .into_iter()
        .filter(|n| n.starts_with("wal-"))
        .map(|n| Path::new(DB).join(n))
        .collect();
    v.sort();
    v
}

/// Captures what the engine logs through `tracing` while `f` runs on this thread.
fn capture_logs<T>(f: impl FnOnce() -> T) -> (T, String) {
    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf = Buf::default();
    let writer = buf.clone();
    let sub = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let out = tracing::subscriber::with_default(sub, f);
    let text = String::from_utf8_lossy(&buf.0.lock().unwrap()).into_owned();
    (out, text)
}

#[test]
fn torn_tail_at_every_offset_of_the_last_record_recovers() {
    let fs = SimFs::new();
    // No preallocation here so file lengths show where each batch ends.
    let unallocated = || Options {
        wal_preallocate_bytes: 0,
        ..opts(&fs)
    };
    let e = Engine::open(Path::new(DB), unallocated()).unwrap();
    let ks = e.create_keyspace("t").unwrap();
    for i in 0..5 {
        e.write(batch(ks, i)).unwrap();
    }
    let wal = wal_files(&fs).pop().unwrap();
    let before = fs.read_file(&wal).unwrap().len();
    e.write(batch(ks, 5)).unwrap();
    let full = fs.read_file(&wal).unwrap();
    assert!(full.len() > before);
    drop(e);
    fs.crash();
    let image = fs.clone();
    for cut in before..full.len() {
        // The write torn at `cut`: either the file ends there, or (preallocated) zeros follow.
        for zero_fill in [false, true] {
            let fs = SimFs::new();
            for name in image.list_files(Path::new(DB)) {
                let p = Path::new(DB).join(&name);
                fs.write_file(&p, &image.read_file(&p).unwrap());
            }
            fs.create_dir_all_for_test(Path::new(DB));
            let mut torn = full[..cut].to_vec();
            if zero_fill {
                torn.resize(full.len() + 4096, 0);
            }
            fs.write_file(&wal, &torn);
            let (e, logs) = capture_logs(|| Engine::open(Path::new(DB), opts(&fs)).unwrap());
            for i in 0..5 {
                assert_eq!(
                    present(&e, ks, i),
                    (true, true),
                    "batch {i} lost with cut at {cut}"
                );
            }
            // Zeros after the cut rebuild the record exactly when the rest of it was zeros.
            if zero_fill && full[cut..].iter().all(|&b| b == 0) {
                assert_eq!(present(&e, ks, 5), (true, true));
                e.close().unwrap();
                continue;
            }
            assert_eq!(
                present(&e, ks, 5),
                (false, false),
                "torn batch visible with cut at {cut}"
            );
            if cut > before {
                assert!(
                    logs.contains("torn tail"),
                    "no log about the truncation at cut {cut}: {logs}"
                );
            } else {
                assert!(
                    !logs.contains("torn tail"),
                    "a clean end was reported as torn: {logs}"
                );
            }
            // The engine goes on writing after the truncation, and that survives a reopen.
            e.write(batch(ks, 6)).unwrap();
            e.close().unwrap();
            let e = Engine::open(Path::new(DB), opts(&fs)).unwrap();
            assert_eq!(present(&e, ks, 6), (true, true));
            assert_eq!(present(&e, ks, 5), (false, false));
            e.close().unwrap();
        }
    }
}

#[test]
fn flipped_byte_in_the_middle_of_the_wal_fails_open_naming_file_and_offset() {
    let fs = SimFs::new();
    let o = Options {
        wal_preallocate_bytes: 0, // file lengths mark where batches start
        ..opts(&fs)
    };
    let e = Engine::open(Path::new(DB), o.clone()).unwrap();
    let ks = e.create_keyspace("t").unwrap();
    let wal = wal_files(&fs).pop().unwrap();
    let mut starts = Vec::new();
    for i in 0..10 {
        starts.push(fs.read_file(&wal).unwrap().len());
        e.write(batch(ks, i)).unwrap();
    }
    drop(e);
    fs.crash();
    let mut data = fs.read_file(&wal).unwrap();
    // Inside batch 4's records (past its Begin record's 9-byte header).
    let at = starts[4] + 30;
    data[at] ^= 0x40;
    fs.write_file(&wal, &data);
    let err = Engine::open(Path::new(DB), opts(&fs))
        .err()
        .expect("open must fail");
    let msg = err.to_string();
    match &err {
        Error::ChecksumMismatch { file, offset, .. } | Error::Corruption { file, offset, .. } => {
            assert_eq!(file, &wal);
            assert!(
                (starts[4] as u64..=at as u64).contains(offset),
                "offset {offset} not at the damaged record"
            );
        }
        other => panic!("expected a checksum error, got {other:?}"),
    }
    assert!(msg.contains(&wal.display().to_string()), "{msg}");
}

#[test]
fn flipped_byte_in_an_sst_block_is_reported_never_served() {
    let fs = SimFs::new();
    let e = Engine::open(Path::new(DB), opts(&fs)).unwrap();
    let ks = e.create_keyspace("t").unwrap();
    for i in 0..200 {
        e.write(batch(ks, i)).unwrap();
    }
    e.flush().unwrap();
    e.close().unwrap();
    let sst = fs
        .list_files(Path::new(DB))
        .into_iter()
        .find(|n| n.ends_with(".sst"))
        .map(|n| Path::new(DB).join(n))
        .unwrap();
    let mut data = fs.read_file(&sst).unwrap();
    data[100] ^= 0x01; // inside the first data block
    fs.write_file(&sst, &data);
    let e = Engine::open(Path::new(DB), opts(&fs)).unwrap();
    let s = e.snapshot();
    // key00000.. are in the first block (keys sort "key" < "other").
    match e.get(ks, b"key00001", &s) {
        Err(Error::ChecksumMismatch {
            file,
            offset,
            expected,
            actual,
        }) => {
            assert_eq!(file, sst);
            assert_eq!(offset, 0);
            assert_ne!(expected, actual);
        }
        other => panic!("expected ChecksumMismatch, got {other:?}"),
    }
    let scanned: Vec<_> = e
        .scan(
            ks,
            (Bound::Unbounded, Bound::Unbounded),
            &s,
            Direction::Forward,
        )
        .unwrap()
        .collect();
    assert!(
        matches!(scanned.first(), Some(Err(Error::ChecksumMismatch { .. }))),
        "{:?}",
        scanned.first()
    );
    assert_eq!(scanned.len(), 1, "the scan must stop at the error");
    // Keys in intact blocks are still served.
    assert!(e.get(ks, b"other00150", &s).unwrap().is_some());
}

fn write_sample(e: &Engine, kss: &[KeyspaceId], from: u32, to: u32) {
    for i in from..to {
        let mut b = WriteBatch::new();
        for ks in kss {
            b.put(
                *ks,
                format!("key{i:05}").as_bytes(),
                format!("v{i}").as_bytes(),
            );
        }
        if i % 7 == 0 && i > from {
            for ks in kss {
                b.delete(*ks, format!("key{:05}", i - 1).as_bytes());
            }
        }
        e.write(b).unwrap();
    }
}

fn check_sample(e: &Engine, kss: &[KeyspaceId], to: u32) {
    let s = e.snapshot();
    for ks in kss {
        for i in 0..to {
            let deleted = (i + 1) % 7 == 0 && i + 1 < to;
            let got = e.get(*ks, format!("key{i:05}").as_bytes(), &s).unwrap();
            if deleted {
                assert_eq!(got, None, "key{i} should be deleted");
            } else {
                assert_eq!(got, Some(format!("v{i}").into_bytes()), "key{i} in {ks:?}");
            }
        }
    }
}

#[test]
fn checkpoint_interrupted_at_each_step_loses_nothing() {
    let mut k = 0u64;
    let mut completed = false;
    while !completed {
        let fs = SimFs::new();
        let e = Engine::open(Path::new(DB), opts(&fs)).unwrap();
        let kss = [
            e.create_keyspace("a").unwrap(),
            e.create_keyspace("b").unwrap(),
        ];
        write_sample(&e, &kss, 0, 300);
        e.checkpoint().unwrap(); // so the interrupted one also has old segments to retire
        write_sample(&e, &kss, 300, 600);
        fs.crash_after_ops(k);
        completed = e.checkpoint().is_ok();
        drop(e);
        fs.crash();
        let e = Engine::open(Path::new(DB), opts(&fs)).unwrap();
        check_sample(&e, &kss, 600);
        // And it keeps working afterwards.
        write_sample(&e, &kss, 600, 610);
        e.checkpoint().unwrap();
        e.close().unwrap();
        let e = Engine::open(Path::new(DB), opts(&fs)).unwrap();
        check_sample(&e, &kss, 610);
        e.close().unwrap();
        k += 1;
    }
    eprintln!("checkpoint crash points tested: {k}");
    assert!(k > 15, "the checkpoint should take many steps, took {k}");
}

#[test]
fn fsync_failure_makes_the_engine_read_only_with_the_original_error() {
    let fs = SimFs::new();
    let e = Engine::open(Path::new(DB), opts(&fs)).unwrap();
    let ks = e.create_keyspace("t").unwrap();
    e.write(batch(ks, 0)).unwrap();
    fs.fail_sync("wal-", 1);
    let first = e.write(batch(ks, 1)).unwrap_err();
    assert!(matches!(&first, Error::Io { op: "fsync", .. }), "{first:?}");
    // Sticky: even though fsync would work now, every write is refused with the cause.
    match e.write(batch(ks, 2)) {
        Err(Error::ReadOnly { cause }) => assert_eq!(cause.to_string(), first.to_string()),
        other => panic!("expected ReadOnly, got {other:?}"),
    }
    assert!(matches!(e.health(), Err(Error::ReadOnly { .. })));
    assert!(matches!(e.checkpoint(), Err(Error::ReadOnly { .. })));
    assert!(matches!(
        e.create_keyspace("x"),
        Err(Error::ReadOnly { .. })
    ));
    // Reads keep working, and the failed commit is not visible.
    assert_eq!(present(&e, ks, 0), (true, true));
    assert_eq!(present(&e, ks, 1), (false, false));
    assert!(e.metrics().read_only);
    drop(e);
    fs.crash();
    let e = Engine::open(Path::new(DB), opts(&fs)).unwrap();
    assert_eq!(present(&e, ks, 0), (true, true));
    e.close().unwrap();
}

#[test]
fn flush_fsync_failure_and_short_wal_write_poison_too() {
    let fs = SimFs::new();
    let e = Engine::open(Path::new(DB), opts(&fs)).unwrap();
    let ks = e.create_keyspace("t").unwrap();
    e.write(batch(ks, 0)).unwrap();
    fs.fail_sync(".sst", 1);
    let err = e.flush().unwrap_err();
    assert!(matches!(&err, Error::Io { op: "fsync", .. }), "{err:?}");
    assert!(matches!(e.write(batch(ks, 1)), Err(Error::ReadOnly { .. })));
    drop(e);
    fs.crash();

    let e = Engine::open(Path::new(DB), opts(&fs)).unwrap();
    assert_eq!(present(&e, ks, 0), (true, true));
    fs.short_write("wal-");
    assert!(matches!(
        e.write(batch(ks, 2)),
        Err(Error::Io { op: "append", .. })
    ));
    assert!(matches!(e.write(batch(ks, 3)), Err(Error::ReadOnly { .. })));
    drop(e);
    fs.crash();
    let e = Engine::open(Path::new(DB), opts(&fs)).unwrap();
    assert_eq!(present(&e, ks, 0), (true, true));
    assert_eq!(present(&e, ks, 2), (false, false));
    e.write(batch(ks, 4)).unwrap();
    e.close().unwrap();
}
