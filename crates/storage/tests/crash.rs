//! Crash test: a writer in a child process (this test binary re-invoked with an environment
//! variable) commits batches from several threads and prints each acknowledged commit; the
//! parent SIGKILLs it at a random moment, reopens the database, and checks that every
//! acknowledged batch is present and that no batch is half applied. 50 kills in the normal
//! suite, 400 with EMBEDDB_LONG_TESTS=1.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::ops::Bound;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use embeddb_storage::{Direction, Engine, Options, WriteBatch};
use rand::Rng;

const CHILD_DIR_ENV: &str = "EMBEDDB_CRASH_CHILD_DIR";
const CHILD_ROUND_ENV: &str = "EMBEDDB_CRASH_CHILD_ROUND";
const THREADS: usize = 4;
/// Keys per keyspace in each batch.
const KEYS_PER_BATCH: usize = 3;

fn opts() -> Options {
    Options {
        memtable_size_bytes: 32 * 1024,
        wal_checkpoint_threshold_bytes: 256 * 1024,
        level_base_size_bytes: 128 * 1024,
        target_file_size_bytes: 32 * 1024,
        l0_compaction_trigger: 2,
        ..Options::default()
    }
}

fn key(round: u64, thread: usize, i: u64, j: usize) -> Vec<u8> {
    format!("{round:05}-{thread}-{i:08}-{j}").into_bytes()
}

fn value(round: u64, thread: usize, i: u64, j: usize) -> Vec<u8> {
    format!(
        "v{round}.{thread}.{i}.{j}-{}",
        "x".repeat((i as usize * 7 + j) % 50)
    )
    .into_bytes()
}

/// The child: writes until killed. Does nothing when run as an ordinary test.
#[test]
fn crash_child_writer() {
    let (Ok(dir), Ok(round)) = (std::env::var(CHILD_DIR_ENV), std::env::var(CHILD_ROUND_ENV))
    else {
        return;
    };
    let round: u64 = round.parse().unwrap();
    let e = Engine::open(Path::new(&dir), opts()).unwrap();
    let a = e
        .keyspace_id("a")
        .unwrap_or_else(|| e.create_keyspace("a").unwrap());
    let b = e
        .keyspace_id("b")
        .unwrap_or_else(|| e.create_keyspace("b").unwrap());
    let mut handles = Vec::new();
    for t in 0..THREADS {
        let e = e.clone();
        handles.push(std::thread::spawn(move || {
            for i in 0.. {
                let mut batch = WriteBatch::new();
                for j in 0..KEYS_PER_BATCH {
                    batch.put(a, &key(round, t, i, j), &value(round, t, i, j));
                    batch.put(b, &key(round, t, i, j), &value(round, t, i, j));
                }
                e.write(batch).unwrap();
                println!("ack {round} {t} {i}");
                if t == 0 && i % 200 == 199 {
                    e.checkpoint().unwrap();
                }
            }
        }));
    }
    for h in handles {
        h.join().unwrap();
    }
}

type BatchId = (u64, usize, u64);

fn parse_batch(k: &[u8]) -> (BatchId, usize) {
    let s = std::str::from_utf8(k).unwrap();
    let p: Vec<&str> = s.split('-').collect();
    (
        (
            p[0].parse().unwrap(),
            p[1].parse().unwrap(),
            p[2].parse().unwrap(),
        ),
        p[3].parse().unwrap(),
    )
}

#[test]
fn sigkill_never_loses_an_acknowledged_commit_or_half_applies_a_batch() {
    if std::env::var(CHILD_DIR_ENV).is_ok() {
        return;
    }
    let kills = if std::env::var("EMBEDDB_LONG_TESTS").is_ok_and(|v| v == "1") {
        400
    } else {
        50
    };
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut rng = rand::rng();
    let mut acked: BTreeSet<BatchId> = BTreeSet::new();
    let mut max_acks_in_a_round = 0usize;
    for round in 0..kills {
        let mut child = Command::new(&exe)
            .args([
                "crash_child_writer",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_DIR_ENV, dir.path())
            .env(CHILD_ROUND_ENV, round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::<BatchId>::new()));
        let sink = lines.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.strip_prefix("ack ") {
                    let p: Vec<&str> = rest.split(' ').collect();
                    sink.lock().unwrap().push((
                        p[0].parse().unwrap(),
                        p[1].parse().unwrap(),
                        p[2].parse().unwrap(),
                    ));
                }
            }
        });
        std::thread::sleep(Duration::from_millis(rng.random_range(20..250)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        reader.join().unwrap();
        let round_acks = lines.lock().unwrap().clone();
        max_acks_in_a_round = max_acks_in_a_round.max(round_acks.len());
        acked.extend(round_acks);

        // Reopen and check.
        let e = Engine::open(dir.path(), opts()).unwrap();
        let (Some(a), Some(b)) = (e.keyspace_id("a"), e.keyspace_id("b")) else {
            assert!(
                acked.is_empty(),
                "keyspaces missing after acknowledged commits"
            );
            e.close().unwrap();
            continue;
        };
        let snap = e.snapshot();
        let mut found: BTreeMap<BatchId, usize> = BTreeMap::new();
        for ks in [a, b] {
            for kv in e
                .scan(
                    ks,
                    (Bound::Unbounded, Bound::Unbounded),
                    &snap,
                    Direction::Forward,
                )
                .unwrap()
            {
                let (k, v) = kv.unwrap();
                let (id, j) = parse_batch(&k);
                assert_eq!(
                    v,
                    value(id.0, id.1, id.2, j),
                    "wrong value for {}",
                    String::from_utf8_lossy(&k)
                );
                *found.entry(id).or_default() += 1;
            }
        }
        for (id, n) in &found {
            if *n != 2 * KEYS_PER_BATCH {
                let mut detail = String::new();
                for (name, ks) in [("a", a), ("b", b)] {
                    for j in 0..KEYS_PER_BATCH {
                        let got = e.get(ks, &key(id.0, id.1, id.2, j), &snap).unwrap();
                        detail.push_str(&format!("{name}/{j}: {} ", got.is_some()));
                    }
                }
                let kept = dir.path().to_owned();
                std::mem::forget(dir);
                panic!(
                    "batch {id:?} is half applied after kill in round {round}: {detail}; dir kept at {}; metrics {:?}",
                    kept.display(),
                    e.metrics()
                );
            }
        }
        for id in &acked {
            assert!(
                found.contains_key(id),
                "acknowledged batch {id:?} lost after kill in round {round}"
            );
        }
        drop(snap);
        e.close().unwrap();
    }
    assert!(
        max_acks_in_a_round > 0,
        "the child never committed anything"
    );
}
