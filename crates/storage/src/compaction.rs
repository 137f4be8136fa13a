//! Leveled compaction, one job at a time on a background thread (manual full compactions take
//! the same lock).
//!
//! Choice of work: per keyspace, L0's score is its file count over `l0_compaction_trigger`;
//! level n's (1 ≤ n < 6) is its size over its target (`level_base_size_bytes` ×
//! `level_size_multiplier`^(n-1)). The highest score ≥ 1 across keyspaces wins. An L0 job takes
//! every L0 file plus the overlapping L1 files; a level-n job takes one file (round-robin
//! through the key space) plus the overlapping files of level n+1. A job with one input and
//! nothing to merge with is a trivial move: only the manifest changes.
//!
//! Merging keeps, per user key, the newest version plus the newest version at or below each
//! live snapshot ([`VersionGc`]); a tombstone is dropped when every snapshot sees it and no
//! deeper level holds the key (bottommost), since then nothing older can be seen.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use crate::engine::{Core, Keyspace, freeze};
use crate::manifest::{FileMeta, NUM_LEVELS, VersionEdit};
use crate::metrics::{add, add_duration};
use crate::options::Options;
use crate::sstable::block::cmp_internal;
use crate::sstable::reader::{RawCursor, Table};
use crate::sstable::writer::TableWriter;
use crate::version::{Levels, SuperVersion};
use crate::{Error, KeyspaceId, Result, SeqNo};

/// Decides which versions survive a flush or compaction. Versions must be fed in internal
/// order (key ascending, seqno descending).
///
/// The live snapshots cut the seqno line into stripes: stripe i holds seqnos in
/// (snapshot[i-1], snapshot[i]]. A reader at any snapshot sees, per key, the newest version at
/// or below it — so within a stripe only the newest version of a key can ever be read.
pub(crate) struct VersionGc<'a> {
    /// Ascending; the last is the visible seqno (the implicit snapshot of new readers).
    snapshots: &'a [SeqNo],
    bottommost: bool,
    key: Vec<u8>,
    last_stripe: Option<usize>,
}

impl<'a> VersionGc<'a> {
    pub(crate) fn new(snapshots: &'a [SeqNo], bottommost: bool) -> VersionGc<'a> {
        debug_assert!(snapshots.windows(2).all(|w| w[0] < w[1]));
        VersionGc {
            snapshots,
            bottommost,
            key: Vec::new(),
            last_stripe: None,
        }
    }

    pub(crate) fn keep(&mut self, key: &[u8], seqno: SeqNo, tombstone: bool) -> bool {
        if self.last_stripe.is_none() || self.key != key {
            self.key.clear();
            self.key.extend_from_slice(key);
            self.last_stripe = None;
        }
        let stripe = self.snapshots.partition_point(|&s| s < seqno);
        if self.last_stripe == Some(stripe) {
            return false; // a newer version in the same stripe hides it from everyone
        }
        self.last_stripe = Some(stripe);
        // Every snapshot sees this tombstone (or something newer), and no deeper level can hold
        // an older version that it would have to hide.
        !(tombstone && self.bottommost && stripe == 0)
    }
}

fn level_target_bytes(opts: &Options, level: usize) -> u64 {
    debug_assert!(level >= 1);
    let mut t = opts.level_base_size_bytes;
    for _ in 1..level {
        t = t.saturating_mul(opts.level_size_multiplier);
    }
    t
}

/// Bytes compaction would have to rewrite to bring every level of `levels` within target (an
/// estimate: the excess of each level, and all of L0 once it reaches its trigger).
pub(crate) fn pending_compaction_bytes(opts: &Options, levels: &Levels) -> u64 {
    let mut pending = 0;
    if levels.levels[0].len() >= opts.l0_compaction_trigger {
        pending += levels.level_size_bytes(0);
    }
    for level in 1..NUM_LEVELS - 1 {
        pending += levels
            .level_size_bytes(level)
            .saturating_sub(level_target_bytes(opts, level));
    }
    pending
}

struct Job {
    ks: Arc<Keyspace>,
    /// (level, table) of every input.
    inputs: Vec<(usize, Arc<Table>)>,
    output_level: usize,
    bottommost: bool,
    /// Level whose compaction pointer advances (None for manual jobs).
    source_level: Option<usize>,
}

fn overlapping(level: &[Arc<Table>], smallest: &[u8], largest: &[u8]) -> Vec<Arc<Table>> {
    level
        .iter()
        .filter(|t| t.meta.largest.as_slice() >= smallest && t.meta.smallest.as_slice() <= largest)
        .cloned()
        .collect()
}

/// A stream of raw versions from tables visited in order (one L0 file, or a level's files).
struct RawSource {
    tables: Vec<Arc<Table>>,
    next: usize,
    cursor: Option<RawCursor>,
}

type RawEntry = (Vec<u8>, SeqNo, Option<Vec<u8>>);

impl RawSource {
    fn next_entry(&mut self) -> Result<Option<RawEntry>> {
        loop {
            if let Some(c) = self.cursor.as_mut() {
                if let Some((k, s, v)) = c.next()? {
                    return Ok(Some((k.to_vec(), s, v.map(<[u8]>::to_vec))));
                }
                self.cursor = None;
            }
            let Some(t) = self.tables.get(self.next) else {
                return Ok(None);
            };
            self.next += 1;
            self.cursor = Some(t.raw_cursor());
        }
    }
}

/// Background thread: runs compactions while any is due.
pub(crate) fn compactor_loop(core: Arc<Core>) {
    loop {
        {
            let mut st = core.bg.state.lock();
            while !st.compaction_requested && !st.shutdown {
                core.bg.compaction_cv.wait(&mut st);
            }
            if st.shutdown {
                return;
            }
            st.compaction_requested = false;
        }
        loop {
            if core.closed.load(Ordering::Acquire) || core.poisoned.load(Ordering::Acquire) {
                break;
            }
            let _g = core.compaction_lock.lock();
            let Some(job) = core.pick_compaction() else {
                break;
            };
            match core.run_compaction(job) {
                Ok(()) => core.notify_done(),
                Err(Error::Closed) => return,
                Err(e) => {
                    core.poison(e);
                    break;
                }
            }
        }
        core.notify_done();
    }
}

impl Core {
    fn pick_compaction(&self) -> Option<Job> {
        let mut best: Option<(f64, Arc<Keyspace>, Arc<SuperVersion>, usize)> = None;
        for ks in self.live_keyspaces() {
            let sv = ks.current();
            let l0 = sv.levels.levels[0].len() as f64 / self.opts.l0_compaction_trigger as f64;
            let mut cands = vec![(l0, 0usize)];
            for level in 1..NUM_LEVELS - 1 {
                let score = sv.levels.level_size_bytes(level) as f64
                    / level_target_bytes(&self.opts, level) as f64;
                cands.push((score, level));
            }
            for (score, level) in cands {
                if score >= 1.0 && best.as_ref().is_none_or(|(b, ..)| score > *b) {
                    best = Some((score, ks.clone(), sv.clone(), level));
                }
            }
        }
        let (_, ks, sv, level) = best?;
        let levels = &sv.levels.levels;
        let mut inputs: Vec<(usize, Arc<Table>)> = Vec::new();
        if level == 0 {
            inputs.extend(levels[0].iter().map(|t| (0, t.clone())));
        } else {
            let pointer = self.compact_pointers.lock().get(&(ks.id, level)).cloned();
            let file = levels[level]
                .iter()
                .find(|t| pointer.as_ref().is_none_or(|p| t.meta.smallest > *p))
                .or_else(|| levels[level].first())?;
            inputs.push((level, file.clone()));
        }
        let smallest = inputs.iter().map(|(_, t)| t.meta.smallest.clone()).min()?;
        let largest = inputs.iter().map(|(_, t)| t.meta.largest.clone()).max()?;
        let output_level = level + 1;
        for t in overlapping(&levels[output_level], &smallest, &largest) {
            inputs.push((output_level, t));
        }
        // Bottommost is judged over the range of every input, the output level's files
        // included: they can reach past the source files, and a tombstone dropped from them
        // while a deeper level still holds an older version would bring that version back.
        let smallest = inputs.iter().map(|(_, t)| t.meta.smallest.clone()).min()?;
        let largest = inputs.iter().map(|(_, t)| t.meta.largest.clone()).max()?;
        let bottommost = levels[output_level + 1..]
            .iter()
            .all(|l| overlapping(l, &smallest, &largest).is_empty());
        Some(Job {
            ks,
            inputs,
            output_level,
            bottommost,
            source_level: Some(level),
        })
    }

    /// Manual full compaction of one keyspace: flush its memtables, then merge every file into
    /// the bottom level.
    pub(crate) fn compact_keyspace(&self, id: KeyspaceId) -> Result<()> {
        let ks = self.keyspace(id)?;
        let target = {
            let cs = self.commit.lock();
            self.check_writable()?;
            freeze(&ks, cs.last_seqno);
            cs.last_seqno
        };
        self.flush_keyspace_through(&ks, target)?;
        let _g = self.compaction_lock.lock();
        let sv = ks.current();
        let inputs: Vec<(usize, Arc<Table>)> = sv
            .levels
            .levels
            .iter()
            .enumerate()
            .flat_map(|(l, files)| files.iter().map(move |t| (l, t.clone())))
            .collect();
        if inputs.is_empty() {
            return Ok(());
        }
        let job = Job {
            ks,
            inputs,
            output_level: NUM_LEVELS - 1,
            bottommost: true,
            source_level: None,
        };
        self.run_compaction(job).map_err(|e| self.poison(e))
    }

    fn run_compaction(&self, job: Job) -> Result<()> {
        let start = Instant::now();
        let ks = job.ks.clone();
        let source_largest = job
            .inputs
            .iter()
            .filter(|(l, _)| Some(*l) == job.source_level)
            .map(|(_, t)| t.meta.largest.clone())
            .max();
        let read_bytes: u64 = job.inputs.iter().map(|(_, t)| t.meta.size_bytes).sum();
        let trivial = job.inputs.len() == 1
            && job.inputs[0].0 != job.output_level
            && job.source_level.is_some();
        let outputs: Vec<Arc<Table>> = if trivial {
            vec![job.inputs[0].1.clone()]
        } else {
            self.merge_inputs(&job)?
        };
        let write_bytes: u64 = if trivial {
            0
        } else {
            outputs.iter().map(|t| t.meta.size_bytes).sum()
        };

        let mut man = self.manifest.lock();
        if ks.dropped.load(Ordering::Acquire) {
            if !trivial {
                outputs.iter().for_each(|t| t.mark_obsolete());
            }
            return Ok(());
        }
        let edit = VersionEdit {
            deleted: job
                .inputs
                .iter()
                .map(|(l, t)| (ks.id.0, *l, t.number()))
                .collect(),
            added: outputs
                .iter()
                .map(|t| (ks.id.0, job.output_level, t.meta.clone()))
                .collect(),
            next_file_number: Some(self.next_file_number.load(Ordering::Relaxed)),
            ..VersionEdit::default()
        };
        man.log_and_apply(&edit)?;
        let deleted: Vec<(usize, u64)> = job.inputs.iter().map(|(l, t)| (*l, t.number())).collect();
        let added: Vec<(usize, Arc<Table>)> = outputs
            .iter()
            .map(|t| (job.output_level, t.clone()))
            .collect();
        ks.update(|sv| SuperVersion {
            active: sv.active.clone(),
            immutables: sv.immutables.clone(),
            levels: Arc::new(sv.levels.edit(&deleted, added)),
        });
        self.maybe_roll_manifest(&mut man)?;
        drop(man);
        if !trivial {
            for (_, t) in &job.inputs {
                t.mark_obsolete();
            }
        }
        if let (Some(level), Some(largest)) = (job.source_level, source_largest)
            && level > 0
        {
            self.compact_pointers.lock().insert((ks.id, level), largest);
        }
        add(&self.counters.compactions, 1);
        add(
            &self.counters.compaction_read_bytes,
            if trivial { 0 } else { read_bytes },
        );
        add(&self.counters.compaction_write_bytes, write_bytes);
        add_duration(&self.counters.compaction_duration_us, start.elapsed());
        Ok(())
    }

    /// Merges the job's inputs into new tables at the output level.
    fn merge_inputs(&self, job: &Job) -> Result<Vec<Arc<Table>>> {
        // L0 files each form a source (they overlap); a deeper level's files form one.
        let mut sources: Vec<RawSource> = Vec::new();
        for level in 0..NUM_LEVELS {
            let tables: Vec<Arc<Table>> = job
                .inputs
                .iter()
                .filter(|(l, _)| *l == level)
                .map(|(_, t)| t.clone())
                .collect();
            if tables.is_empty() {
                continue;
            }
            if level == 0 {
                sources.extend(tables.into_iter().map(|t| RawSource {
                    tables: vec![t],
                    next: 0,
                    cursor: None,
                }));
            } else {
                let mut tables = tables;
                tables.sort_by(|a, b| a.meta.smallest.cmp(&b.meta.smallest));
                sources.push(RawSource {
                    tables,
                    next: 0,
                    cursor: None,
                });
            }
        }
        let mut heads: Vec<Option<RawEntry>> = Vec::with_capacity(sources.len());
        for s in &mut sources {
            heads.push(s.next_entry()?);
        }
        let snapshots = self.snapshots.list_with_visible(&self.visible);
        let mut gc = VersionGc::new(&snapshots, job.bottommost);
        let mut outputs: Vec<FileMeta> = Vec::new();
        let mut writer: Option<TableWriter> = None;
        let result = (|| -> Result<()> {
            let mut n = 0u64;
            loop {
                n += 1;
                if n.is_multiple_of(4096) && self.closed.load(Ordering::Acquire) {
                    return Err(Error::Closed);
                }
                let mut best: Option<usize> = None;
                for (i, h) in heads.iter().enumerate() {
                    let Some((k, s, _)) = h else { continue };
                    let better = match best.and_then(|b| heads[b].as_ref()) {
                        None => true,
                        Some((bk, bs, _)) => cmp_internal(k, *s, bk, *bs).is_lt(),
                    };
                    if better {
                        best = Some(i);
                    }
                }
                let Some(b) = best else { break };
                let Some((k, s, v)) = heads[b].take() else {
                    break;
                };
                heads[b] = sources[b].next_entry()?;
                if !gc.keep(&k, s, v.is_none()) {
                    continue;
                }
                // Cut files only between user keys: a key's versions stay in one file.
                if let Some(w) = writer.as_ref()
                    && w.size_bytes() >= self.opts.target_file_size_bytes
                    && w.last_key() != k.as_slice()
                    && let Some(w) = writer.take()
                {
                    outputs.push(w.finish()?);
                }
                if writer.is_none() {
                    writer = Some(TableWriter::create(
                        self.fs.clone(),
                        &self.dir,
                        self.new_file_number(),
                        self.opts.block_size_bytes,
                        self.opts.bloom_bits_per_key,
                    )?);
                }
                if let Some(w) = writer.as_mut() {
                    w.add(&k, s, v.as_deref())?;
                }
            }
            if let Some(w) = writer.take() {
                outputs.push(w.finish()?);
            }
            Ok(())
        })();
        if let Err(e) = result {
            if let Some(w) = writer.take() {
                w.abandon();
            }
            for m in &outputs {
                let _ = self
                    .fs
                    .remove(&self.dir.join(crate::sstable::table_file_name(m.number)));
            }
            return Err(e);
        }
        outputs.into_iter().map(|m| self.open_table(m)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(
        snapshots: &[SeqNo],
        bottommost: bool,
        versions: &[(&str, SeqNo, bool)],
    ) -> Vec<(String, SeqNo)> {
        let mut gc = VersionGc::new(snapshots, bottommost);
        versions
            .iter()
            .filter(|(k, s, t)| gc.keep(k.as_bytes(), *s, *t))
            .map(|(k, s, _)| (k.to_string(), *s))
            .collect()
    }

    #[test]
    fn keeps_what_snapshots_can_see() {
        // Snapshots at 5 and 20 (20 = visible). Key a: versions 18, 12, 4, 2.
        let v = [
            ("a", 18, false),
            ("a", 12, false),
            ("a", 4, false),
            ("a", 2, false),
        ];
        assert_eq!(
            run(&[5, 20], false, &v),
            vec![("a".into(), 18), ("a".into(), 4)]
        );
        // Only the visible seqno: just the newest survives.
        assert_eq!(run(&[20], false, &v), vec![("a".into(), 18)]);
    }

    #[test]
    fn tombstones_dropped_only_at_the_bottom_when_everyone_sees_them() {
        let v = [("a", 10, true), ("a", 3, false), ("b", 4, false)];
        assert_eq!(run(&[20], true, &v), vec![("b".into(), 4)]);
        assert_eq!(
            run(&[20], false, &v),
            vec![("a".into(), 10), ("b".into(), 4)]
        );
        // A snapshot at 5 still sees a@3: keep the tombstone and a@3.
        assert_eq!(
            run(&[5, 20], true, &v),
            vec![("a".into(), 10), ("a".into(), 3), ("b".into(), 4)]
        );
    }
}
