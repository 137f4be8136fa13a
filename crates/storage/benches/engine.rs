//! Benchmark (not a test): EmbedDB's engine against fjall 3 on the same machine in the same run.
//!
//! Workloads over N keys (default 1,000,000; EMBEDDB_BENCH_KEYS overrides) with 16-byte keys and
//! 100-byte values: fillseq, fillrandom (unsynced), fillrandom synced (fewer ops), readrandom,
//! a full range scan and short range scans; then group commit: 16 synced writers against 1.
//! Settings are matched as far as the engines allow: 64 MiB memtables, 4 KiB blocks, no
//! compression, bloom filters at 10 bits per key, the same block cache size.
//!
//! Each engine runs the suite EMBEDDB_BENCH_REPS times (default 2), alternating which goes
//! first, and the best figure of each is kept: the machine is shared and its load varies.
//!
//! Run with `cargo bench -p embeddb-storage`.
#![allow(clippy::unwrap_used)]

use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use embeddb_storage::{Direction, Engine, KeyspaceId, Options, WriteBatch};
use fjall::config::{BloomConstructionPolicy, CompressionPolicy, FilterPolicy, FilterPolicyEntry};
use fjall::{CompressionType, Database, Keyspace, KeyspaceCreateOptions, PersistMode};

const VALUE_BYTES: usize = 100;
const CACHE_BYTES: u64 = 256 * 1024 * 1024;
const SYNCED_OPS: u64 = 3_000;
const GROUP_COMMIT_SECS: u64 = 3;

fn key(i: u64) -> [u8; 16] {
    let mut k = [0u8; 16];
    k.copy_from_slice(format!("{i:016}").as_bytes());
    k
}

fn value(i: u64) -> [u8; VALUE_BYTES] {
    let mut v = [0u8; VALUE_BYTES];
    for (j, b) in v.iter_mut().enumerate() {
        *b = (i as usize).wrapping_mul(31).wrapping_add(j) as u8;
    }
    v
}

/// A permutation of 0..n (multiplication by a constant coprime with n).
fn shuffled(i: u64, n: u64) -> u64 {
    let mut m = 2_654_435_761u64 % n;
    while gcd(m, n) != 1 {
        m += 1;
    }
    (i * m + 12345) % n
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

trait Store: Sync {
    fn put(&self, k: &[u8], v: &[u8], sync: bool);
    fn get(&self, k: &[u8]) -> bool;
    fn scan(&self, from: &[u8], limit: usize) -> usize;
    fn flush(&self);
}

struct Ours {
    e: Engine,
    ks: KeyspaceId,
}

impl Store for Ours {
    fn put(&self, k: &[u8], v: &[u8], sync: bool) {
        let mut b = WriteBatch::new();
        b.put(self.ks, k, v);
        b.set_sync(sync);
        self.e.write(b).unwrap();
    }
    fn get(&self, k: &[u8]) -> bool {
        let s = self.e.snapshot();
        self.e.get(self.ks, k, &s).unwrap().is_some()
    }
    fn scan(&self, from: &[u8], limit: usize) -> usize {
        let s = self.e.snapshot();
        self.e
            .scan(
                self.ks,
                (Bound::Included(from.to_vec()), Bound::Unbounded),
                &s,
                Direction::Forward,
            )
            .unwrap()
            .take(limit)
            .filter(|r| r.as_ref().is_ok_and(|kv| kv.1.len() == VALUE_BYTES))
            .count()
    }
    fn flush(&self) {
        self.e.flush().unwrap();
        if std::env::var("EMBEDDB_BENCH_VERBOSE").is_ok() {
            let m = self.e.metrics();
            eprintln!(
                "  embeddb: flushes {} ({} ms), compactions {} ({} ms, {} MB written), stalls {} ({} ms)",
                m.flushes,
                m.flush_duration_us / 1000,
                m.compactions,
                m.compaction_duration_us / 1000,
                m.compaction_write_bytes >> 20,
                m.write_stalls + m.write_slowdowns,
                m.write_stall_duration_us / 1000
            );
        }
    }
}

struct Fjall {
    db: Database,
    ks: Keyspace,
}

impl Store for Fjall {
    fn put(&self, k: &[u8], v: &[u8], sync: bool) {
        self.ks.insert(k, v).unwrap();
        if sync {
            self.db.persist(PersistMode::SyncData).unwrap();
        }
    }
    fn get(&self, k: &[u8]) -> bool {
        self.ks.get(k).unwrap().is_some()
    }
    fn scan(&self, from: &[u8], limit: usize) -> usize {
        self.ks
            .range(from.to_vec()..)
            .take(limit)
            .map(|g| g.into_inner().unwrap().1)
            .filter(|v| v.len() == VALUE_BYTES)
            .count()
    }
    fn flush(&self) {
        self.db.persist(PersistMode::SyncAll).unwrap();
    }
}

fn open_ours(dir: &Path, sync: bool) -> Ours {
    let opts = Options {
        sync,
        block_cache_size_bytes: CACHE_BYTES as usize,
        ..Options::default()
    };
    let e = Engine::open(dir, opts).unwrap();
    let ks = e.create_keyspace("bench").unwrap();
    Ours { e, ks }
}

fn open_fjall(dir: &Path) -> Fjall {
    let db = Database::builder(dir)
        .cache_size(CACHE_BYTES)
        .open()
        .unwrap();
    let ks = db
        .keyspace("bench", || {
            KeyspaceCreateOptions::default()
                .max_memtable_size(64 * 1024 * 1024)
                .data_block_compression_policy(CompressionPolicy::all(CompressionType::None))
                .filter_policy(FilterPolicy::all(FilterPolicyEntry::Bloom(
                    BloomConstructionPolicy::BitsPerKey(10.0),
                )))
        })
        .unwrap();
    Fjall { db, ks }
}

fn rate(ops: u64, d: Duration) -> f64 {
    ops as f64 / d.as_secs_f64()
}

fn timed(f: impl FnOnce() -> u64) -> f64 {
    let t = Instant::now();
    let ops = f();
    let r = rate(ops, t.elapsed());
    if std::env::var("EMBEDDB_BENCH_VERBOSE").is_ok() {
        eprintln!("  {ops} ops in {:?}: {r:.0} ops/s", t.elapsed());
    }
    r
}

struct Row {
    name: String,
    ours: f64,
    fjall: f64,
}

fn fill(s: &dyn Store, n: u64, random: bool, sync: bool) -> u64 {
    for i in 0..n {
        let k = if random { shuffled(i, n) } else { i };
        s.put(&key(k), &value(k), sync);
    }
    n
}

/// One engine's figures for the single-threaded workloads, in `NAMES` order.
fn suite_once(which: usize, n: u64) -> Vec<f64> {
    let mut out = Vec::new();
    let store = |dir: &Path, sync: bool| -> Box<dyn Store> {
        if which == 0 {
            Box::new(open_ours(dir, sync))
        } else {
            Box::new(open_fjall(dir))
        }
    };
    // fillseq
    let d = tempfile::tempdir_in(bench_dir()).unwrap();
    let s = store(d.path(), false);
    out.push(timed(|| fill(s.as_ref(), n, false, false)));
    drop(s);
    if std::env::var("EMBEDDB_BENCH_FILLSEQ_ONLY").is_ok() {
        out.resize(NAMES.len(), 1.0);
        return out;
    }
    // fillrandom synced (a few thousand ops: each waits for fdatasync)
    settle_disk();
    let d = tempfile::tempdir_in(bench_dir()).unwrap();
    let s = store(d.path(), true);
    out.push(timed(|| {
        for i in 0..SYNCED_OPS {
            let k = shuffled(i, n);
            s.put(&key(k), &value(k), true);
        }
        SYNCED_OPS
    }));
    drop(s);
    // fillrandom, then reads and scans on that data
    let d = tempfile::tempdir_in(bench_dir()).unwrap();
    let s = store(d.path(), false);
    out.push(timed(|| fill(s.as_ref(), n, true, false)));
    s.flush();
    std::thread::sleep(Duration::from_secs(2)); // let background compaction settle
    out.push(timed(|| {
        let mut found = 0;
        for i in 0..n {
            if s.get(&key(shuffled(i.wrapping_mul(7) % n, n))) {
                found += 1;
            }
        }
        assert_eq!(found, n);
        n
    }));
    out.push(timed(|| {
        let got = s.scan(&key(0), usize::MAX) as u64;
        assert_eq!(got, n);
        got
    }));
    out.push(timed(|| {
        let scans = (n / 100).min(10_000);
        let mut got = 0;
        for i in 0..scans {
            got += s.scan(&key(shuffled(i, n).min(n - 100)), 100) as u64;
        }
        got
    }));
    out
}

/// Runs both engines `reps` times, alternating which goes first (the machine is shared, so
/// load comes and goes), and keeps each engine's best figure per workload.
fn run_suite(n: u64, reps: usize, rows: &mut Vec<Row>) {
    let mut best = [vec![0.0f64; NAMES.len()], vec![0.0f64; NAMES.len()]];
    for rep in 0..reps {
        for step in 0..2 {
            let which = (rep + step) % 2;
            if (only_ours() && which == 1) || (only_fjall() && which == 0) {
                best[which] = vec![1.0; NAMES.len()];
                continue;
            }
            let figures = suite_once(which, n);
            for (b, f) in best[which].iter_mut().zip(figures) {
                *b = b.max(f);
            }
        }
    }
    for (i, name) in NAMES.iter().enumerate() {
        rows.push(Row {
            name: name.to_string(),
            ours: best[0][i],
            fjall: best[1][i],
        });
    }
}

const NAMES: [&str; 6] = [
    "fillseq (no sync)",
    "fillrandom synced, 1 writer",
    "fillrandom (no sync)",
    "readrandom",
    "full range scan (keys/s)",
    "range scan 100 keys (keys/s)",
];
fn concurrent_synced(s: Arc<dyn Store + Send>, threads: u64) -> f64 {
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let t0 = Instant::now();
    let hs: Vec<_> = (0..threads)
        .map(|t| {
            let (s, stop, done) = (s.clone(), stop.clone(), done.clone());
            std::thread::spawn(move || {
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let k = t * 1_000_000_000 + i;
                    s.put(&key(k), &value(k), true);
                    i += 1;
                }
                done.fetch_add(i, Ordering::Relaxed);
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(GROUP_COMMIT_SECS));
    stop.store(true, Ordering::Relaxed);
    for h in hs {
        h.join().unwrap();
    }
    rate(done.load(Ordering::Relaxed), t0.elapsed())
}

/// Writes back every dirty page (sync(1)) so that a synced workload does not pay for the
/// writeback of the data the previous workload left in the page cache.
fn settle_disk() {
    let _ = std::process::Command::new("sync").status();
}

/// EMBEDDB_BENCH_ONLY=embeddb skips fjall (for profiling).
fn only_ours() -> bool {
    std::env::var("EMBEDDB_BENCH_ONLY").is_ok_and(|v| v == "embeddb")
}

/// EMBEDDB_BENCH_ONLY=fjall skips EmbedDB (for profiling).
fn only_fjall() -> bool {
    std::env::var("EMBEDDB_BENCH_ONLY").is_ok_and(|v| v == "fjall")
}

fn bench_dir() -> std::path::PathBuf {
    std::env::var("EMBEDDB_BENCH_DIR")
        .map(Into::into)
        .unwrap_or_else(|_| std::env::temp_dir())
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` probes harness-less benches this way
    }
    let n: u64 = std::env::var("EMBEDDB_BENCH_KEYS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    println!("EmbedDB storage vs fjall 3: {n} keys, 16-byte keys, {VALUE_BYTES}-byte values");
    let reps: usize = std::env::var("EMBEDDB_BENCH_REPS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    let mut rows = Vec::new();
    if std::env::var("EMBEDDB_BENCH_SUITE").is_ok_and(|v| v == "0") {
        rows.extend(NAMES.iter().map(|n| Row {
            name: n.to_string(),
            ours: 1.0,
            fjall: 1.0,
        }));
    } else {
        run_suite(n, reps, &mut rows);
    }

    let mut gc = Vec::new();
    for which in 0..2 {
        if only_ours() && which == 1 || std::env::var("EMBEDDB_BENCH_GROUP").is_ok_and(|v| v == "0")
        {
            gc.push(vec![1.0, 1.0]);
            continue;
        }
        let mut r = vec![0.0f64, 0.0];
        for _ in 0..reps {
            for (slot, threads) in [1u64, 16].into_iter().enumerate() {
                settle_disk();
                let d = tempfile::tempdir_in(bench_dir()).unwrap();
                let s: Arc<dyn Store + Send> = if which == 0 {
                    Arc::new(open_ours(d.path(), true))
                } else {
                    Arc::new(open_fjall(d.path()))
                };
                r[slot] = r[slot].max(concurrent_synced(s, threads));
            }
        }
        gc.push(r);
    }
    rows.push(Row {
        name: "synced writers: 1".into(),
        ours: gc[0][0],
        fjall: gc[1][0],
    });
    rows.push(Row {
        name: "synced writers: 16".into(),
        ours: gc[0][1],
        fjall: gc[1][1],
    });

    println!(
        "{:<32} {:>14} {:>14} {:>8}",
        "workload", "embeddb ops/s", "fjall ops/s", "ratio"
    );
    for r in &rows {
        println!(
            "{:<32} {:>14.0} {:>14.0} {:>7.2}x",
            r.name,
            r.ours,
            r.fjall,
            r.ours / r.fjall
        );
    }
    println!(
        "group commit: 16 synced writers / 1 synced writer = {:.1}x (embeddb), {:.1}x (fjall)",
        gc[0][1] / gc[0][0],
        gc[1][1] / gc[1][0]
    );
}

// Keep fjall's journal from outliving the bench process in /tmp.
impl Drop for Fjall {
    fn drop(&mut self) {
        let _ = self.db.persist(PersistMode::Buffer);
    }
}
