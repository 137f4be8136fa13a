//! Property test: random sequences of writes, bulk ingestions, reads, snapshots, flushes,
//! compactions, checkpoints, clean reopens and simulated crashes, checked against a `BTreeMap` model
//! (including reads at old snapshots). Runs on the simulated file system so a "crash" really
//! loses everything that was not fsynced.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;

use embeddb_storage::sim_fs::SimFs;
use embeddb_storage::{Direction, Engine, KeyspaceId, Options, Snapshot, WriteBatch};
use proptest::prelude::*;

type Model = BTreeMap<(usize, Vec<u8>), Vec<u8>>;

#[derive(Debug, Clone)]
enum Op {
    Write(Vec<(usize, Vec<u8>, Option<Vec<u8>>)>),
    /// Ingest files into one keyspace; the flag asks to reject keys that already exist.
    Ingest(usize, Vec<BTreeMap<Vec<u8>, Vec<u8>>>, bool),
    Get(usize, Vec<u8>, Option<usize>),
    Scan(usize, Bound<Vec<u8>>, Bound<Vec<u8>>, bool, Option<usize>),
    Prefix(usize, Vec<u8>, bool),
    TakeSnapshot,
    ReleaseSnapshot(usize),
    Flush,
    Compact(usize),
    Checkpoint,
    Reopen,
    Crash,
}

const KEYSPACES: usize = 2;

fn key() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(0u8..4, 0..4)
}

fn bound() -> impl Strategy<Value = Bound<Vec<u8>>> {
    prop_oneof![
        Just(Bound::Unbounded),
        key().prop_map(Bound::Included),
        key().prop_map(Bound::Excluded),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let write_op = (
        0..KEYSPACES,
        key(),
        prop::option::weighted(0.8, prop::collection::vec(any::<u8>(), 0..40)),
    );
    prop_oneof![
        30 => prop::collection::vec(write_op, 1..6).prop_map(Op::Write),
        4 => (
            0..KEYSPACES,
            prop::collection::vec(
                prop::collection::btree_map(key(), prop::collection::vec(any::<u8>(), 0..40), 1..8),
                1..3,
            ),
            any::<bool>(),
        )
            .prop_map(|(k, files, reject)| Op::Ingest(k, files, reject)),
        10 => (0..KEYSPACES, key(), prop::option::of(0usize..4)).prop_map(|(k, key, s)| Op::Get(k, key, s)),
        8 => (0..KEYSPACES, bound(), bound(), any::<bool>(), prop::option::of(0usize..4))
            .prop_map(|(k, lo, hi, rev, s)| Op::Scan(k, lo, hi, rev, s)),
        3 => (0..KEYSPACES, prop::collection::vec(0u8..4, 0..2), any::<bool>()).prop_map(|(k, p, r)| Op::Prefix(k, p, r)),
        4 => Just(Op::TakeSnapshot),
        2 => (0usize..4).prop_map(Op::ReleaseSnapshot),
        2 => Just(Op::Flush),
        2 => (0..KEYSPACES).prop_map(Op::Compact),
        2 => Just(Op::Checkpoint),
        1 => Just(Op::Reopen),
        1 => Just(Op::Crash),
    ]
}

fn opts(fs: &SimFs) -> Options {
    Options {
        memtable_size_bytes: 4096,
        wal_checkpoint_threshold_bytes: 32 * 1024,
        block_size_bytes: 256,
        l0_compaction_trigger: 2,
        l0_slowdown_trigger: 4,
        l0_stop_trigger: 8,
        level_base_size_bytes: 8 * 1024,
        level_size_multiplier: 4,
        target_file_size_bytes: 4 * 1024,
        wal_preallocate_bytes: 2048,
        fs: Arc::new(fs.clone()),
        ..Options::default()
    }
}

fn in_range(k: &[u8], lo: &Bound<Vec<u8>>, hi: &Bound<Vec<u8>>) -> bool {
    let above = match lo {
        Bound::Included(l) => k >= l.as_slice(),
        Bound::Excluded(l) => k > l.as_slice(),
        Bound::Unbounded => true,
    };
    let below = match hi {
        Bound::Included(h) => k <= h.as_slice(),
        Bound::Excluded(h) => k < h.as_slice(),
        Bound::Unbounded => true,
    };
    above && below
}

struct Harness {
    fs: SimFs,
    engine: Option<Engine>,
    ks: Vec<KeyspaceId>,
    model: Model,
    snapshots: Vec<(Snapshot, Model)>,
}

impl Harness {
    fn open(&mut self) {
        let e = Engine::open(Path::new("/db"), opts(&self.fs)).unwrap();
        self.ks = (0..KEYSPACES)
            .map(|i| {
                let name = format!("ks{i}");
                e.keyspace_id(&name)
                    .unwrap_or_else(|| e.create_keyspace(&name).unwrap())
            })
            .collect();
        self.engine = Some(e);
    }

    fn e(&self) -> &Engine {
        self.engine.as_ref().unwrap()
    }

    fn view(&self, s: Option<usize>) -> (Snapshot, Model) {
        match s.and_then(|i| self.snapshots.get(i % self.snapshots.len().max(1))) {
            Some((snap, model)) => (snap.clone(), model.clone()),
            None => (self.e().snapshot(), self.model.clone()),
        }
    }

    fn apply(&mut self, op: Op) -> Result<(), TestCaseError> {
        match op {
            Op::Write(ops) => {
                let mut b = WriteBatch::new();
                for (k, key, v) in &ops {
                    match v {
                        Some(v) => b.put(self.ks[*k], key, v),
                        None => b.delete(self.ks[*k], key),
                    }
                }
                let before = self.e().latest_seqno();
                let seq = self.e().write(b).unwrap();
                prop_assert!(seq > before);
                for (k, key, v) in ops {
                    match v {
                        Some(v) => self.model.insert((k, key), v),
                        None => self.model.remove(&(k, key)),
                    };
                }
            }
            Op::Ingest(k, files, reject) => {
                let e = self.e().clone();
                let mut ready = Vec::new();
                for file in &files {
                    let mut w = e.ingest_writer(self.ks[k], reject).unwrap();
                    for (key, v) in file {
                        w.put(key, v).unwrap();
                    }
                    ready.push(w.finish().unwrap().unwrap());
                }
                let shared = files.iter().enumerate().any(|(i, a)| {
                    files[i + 1..]
                        .iter()
                        .any(|b| a.keys().any(|x| b.contains_key(x)))
                });
                let existing = reject
                    && files
                        .iter()
                        .any(|f| f.keys().any(|x| self.model.contains_key(&(k, x.clone()))));
                let before = e.latest_seqno();
                match e.ingest(ready) {
                    Ok(seq) => {
                        prop_assert!(!shared && !existing, "ingest should have been refused");
                        prop_assert!(seq > before);
                        for file in files {
                            for (key, v) in file {
                                self.model.insert((k, key), v);
                            }
                        }
                    }
                    Err(embeddb_storage::Error::DuplicateKey { .. }) => {
                        prop_assert!(shared || existing, "ingest refused without a duplicate");
                    }
                    Err(other) => prop_assert!(false, "ingest failed: {}", other),
                }
            }
            Op::Get(k, key, s) => {
                let (snap, model) = self.view(s);
                let got = self.e().get(self.ks[k], &key, &snap).unwrap();
                prop_assert_eq!(
                    got,
                    model.get(&(k, key.clone())).cloned(),
                    "get {:?} at {}",
                    key,
                    snap.seqno()
                );
            }
            Op::Scan(k, lo, hi, rev, s) => {
                let (snap, model) = self.view(s);
                let dir = if rev {
                    Direction::Reverse
                } else {
                    Direction::Forward
                };
                let got: Vec<(Vec<u8>, Vec<u8>)> = self
                    .e()
                    .scan(self.ks[k], (lo.clone(), hi.clone()), &snap, dir)
                    .unwrap()
                    .map(|r| r.unwrap())
                    .collect();
                let mut want: Vec<(Vec<u8>, Vec<u8>)> = model
                    .iter()
                    .filter(|((mk, key), _)| *mk == k && in_range(key, &lo, &hi))
                    .map(|((_, key), v)| (key.clone(), v.clone()))
                    .collect();
                if rev {
                    want.reverse();
                }
                prop_assert_eq!(got, want, "scan {:?}..{:?} rev={}", lo, hi, rev);
            }
            Op::Prefix(k, p, rev) => {
                let snap = self.e().snapshot();
                let dir = if rev {
                    Direction::Reverse
                } else {
                    Direction::Forward
                };
                let got: Vec<Vec<u8>> = self
                    .e()
                    .prefix_scan(self.ks[k], &p, &snap, dir)
                    .unwrap()
                    .map(|r| r.unwrap().0)
                    .collect();
                let mut want: Vec<Vec<u8>> = self
                    .model
                    .keys()
                    .filter(|(mk, key)| *mk == k && key.starts_with(&p))
                    .map(|(_, key)| key.clone())
                    .collect();
                if rev {
                    want.reverse();
                }
                prop_assert_eq!(got, want);
            }
            Op::TakeSnapshot => {
                if self.snapshots.len() >= 4 {
                    self.snapshots.remove(0);
                }
                let s = self.e().snapshot();
                self.snapshots.push((s, self.model.clone()));
            }
            Op::ReleaseSnapshot(i) => {
                if !self.snapshots.is_empty() {
                    let n = self.snapshots.len();
                    self.snapshots.remove(i % n);
                }
            }
            Op::Flush => self.e().flush().unwrap(),
            Op::Compact(k) => self.e().compact(self.ks[k]).unwrap(),
            Op::Checkpoint => self.e().checkpoint().unwrap(),
            Op::Reopen => {
                self.snapshots.clear();
                self.engine.take().unwrap().close().unwrap();
                self.open();
            }
            Op::Crash => {
                // Every write was synced: a power cut must lose nothing acknowledged.
                self.snapshots.clear();
                drop(self.engine.take());
                self.fs.crash();
                self.open();
            }
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, max_shrink_iters: 2000, ..ProptestConfig::default() })]

    #[test]
    fn engine_matches_btreemap_model(ops in prop::collection::vec(op(), 1..120)) {
        let mut h = Harness { fs: SimFs::new(), engine: None, ks: Vec::new(), model: Model::new(), snapshots: Vec::new() };
        h.open();
        for op in ops {
            h.apply(op)?;
        }
        // Final full check after a clean reopen.
        h.apply(Op::Reopen)?;
        for k in 0..KEYSPACES {
            h.apply(Op::Scan(k, Bound::Unbounded, Bound::Unbounded, false, None))?;
        }
        h.snapshots.clear();
        h.engine.take().unwrap().close().unwrap();
    }
}
