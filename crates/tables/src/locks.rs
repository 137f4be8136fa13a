//! In-memory locks held by transactions until they end: row locks (a writer of a row key blocks
//! other writers of it, as PostgreSQL's tuple locks do), and table locks (DML and reads share a
//! table, DDL takes it exclusively, as PostgreSQL's AccessShare/RowExclusive vs
//! AccessExclusive). A waiter that would close a cycle of waits fails with 40P01 at once.
//!
//! Locks are never written to disk: a crash ends every transaction, and with them every lock.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::time::Instant;

use embeddb_types::{SqlError, SqlResult, SqlState};
use parking_lot::{Condvar, Mutex};

use crate::catalog::Oid;

pub type TxnId = u64;

/// What a lock protects.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum LockTarget {
    /// A key in an engine keyspace: a row by primary key, or a unique index entry.
    Key { keyspace: u32, key: Vec<u8> },
    /// A whole table, by oid.
    Table(Oid),
    /// The right to write a table's rows: ordinary writers share it, a bulk load's final
    /// step takes it exclusively.
    TableWrites(Oid),
    /// A relation name being created, so two sessions cannot create the same name at once.
    RelationName(String),
}

impl LockTarget {
    /// A 64-bit fingerprint naming the target in the lock table, so taking a lock allocates
    /// nothing. Two targets sharing a fingerprint (odds 2^-64 per pair) would only make one
    /// transaction wait for another needlessly; correctness never depends on it.
    fn fingerprint(&self) -> u64 {
        match self {
            LockTarget::Key { keyspace, key } => key_fingerprint(*keyspace, key),
            other => {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                other.hash(&mut h);
                h.finish()
            }
        }
    }
}

/// The fingerprint of `LockTarget::Key { keyspace, key }`, computed without building the
/// target: every inserted row takes one, so it must not allocate, and SipHash was a
/// noticeable share of a bulk INSERT. FxHash-style word mixing with murmur3's finalizer, so
/// that the low bits (which pick the shard) depend on every byte.
pub(crate) fn key_fingerprint(keyspace: u32, key: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mix = |h: u64, word: u64| (h.rotate_left(5) ^ word).wrapping_mul(K);
    let mut h = mix(
        0x4b65_7900_0000_0000 | key.len() as u64,
        u64::from(keyspace),
    );
    let mut chunks = key.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = mix(h, u64::from_le_bytes(word));
    }
    let mut tail = [0u8; 8];
    tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    h = mix(h, u64::from_le_bytes(tail));
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Hasher for keys that are already hashes.
#[derive(Default)]
struct IdentityHasher(u64);

impl Hasher for IdentityHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

type FingerprintMap<V> = HashMap<u64, V, BuildHasherDefault<IdentityHasher>>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockMode {
    Shared,
    Exclusive,
}

/// How a waiting statement learns it must stop waiting: a cancel request or a deadline.
pub trait Interrupt {
    /// An error if the statement has been cancelled or has run out of time.
    fn check(&self) -> SqlResult<()>;
    /// When the statement's time runs out, if it has a limit.
    fn deadline(&self) -> Option<Instant>;
    /// The longest a single lock wait may take, in milliseconds (0: no limit); PostgreSQL's
    /// `lock_timeout`.
    fn lock_timeout_ms(&self) -> u64 {
        0
    }
    /// Whether the statement may wait for a lock. One running on the server's async threads
    /// may not (a wait would stall every connection sharing the thread): a lock it cannot take
    /// at once fails with 55P03, and it runs again where waiting is allowed.
    fn may_wait(&self) -> bool {
        true
    }
}

/// A statement that can neither be cancelled nor time out.
pub struct NoInterrupt;

impl Interrupt for NoInterrupt {
    fn check(&self) -> SqlResult<()> {
        Ok(())
    }
    fn deadline(&self) -> Option<Instant> {
        None
    }
}

/// Who holds one lock. Most locks are one writer's row lock, so that case stores no vector.
enum LockEntry {
    Exclusive(TxnId),
    Shared(Vec<TxnId>),
}

impl LockEntry {
    /// The other transactions whose hold on this lock keeps `txn` from taking it in `mode`.
    fn blockers(&self, txn: TxnId, mode: LockMode) -> Vec<TxnId> {
        match self {
            LockEntry::Exclusive(holder) if *holder != txn => vec![*holder],
            LockEntry::Exclusive(_) => Vec::new(),
            LockEntry::Shared(holders) if mode == LockMode::Exclusive => {
                holders.iter().copied().filter(|t| *t != txn).collect()
            }
            LockEntry::Shared(_) => Vec::new(),
        }
    }
}

/// One slice of the lock table; a lock lives in the shard its fingerprint selects, so
/// sessions locking different rows rarely contend on a mutex.
#[derive(Default)]
struct Shard {
    locks: Mutex<FingerprintMap<LockEntry>>,
    released: Condvar,
}

/// Spreads the lock table over this many mutexes (a power of two).
const SHARDS: usize = 64;

/// The waits-for graph: who each waiting transaction waits for.
#[derive(Default)]
struct WaitGraph {
    waits_for: HashMap<TxnId, Vec<TxnId>>,
}

impl WaitGraph {
    /// True if `start` can reach `target` along waits-for edges.
    fn reaches(&self, start: &[TxnId], target: TxnId) -> bool {
        let mut seen = HashSet::new();
        let mut stack: Vec<TxnId> = start.to_vec();
        while let Some(t) = stack.pop() {
            if t == target {
                return true;
            }
            if seen.insert(t)
                && let Some(next) = self.waits_for.get(&t)
            {
                stack.extend(next.iter().copied());
            }
        }
        false
    }
}

pub struct LockManager {
    shards: Vec<Shard>,
    graph: Mutex<WaitGraph>,
}

impl Default for LockManager {
    fn default() -> Self {
        LockManager {
            shards: (0..SHARDS).map(|_| Shard::default()).collect(),
            graph: Mutex::new(WaitGraph::default()),
        }
    }
}

/// How long a waiter sleeps before looking at its interrupt and the waits-for graph again when
/// nothing wakes it; a cancel request also wakes every waiter, so this only bounds how late a
/// deadline (or a deadlock formed by a race between two waiters) is noticed.
const WAIT_SLICE: std::time::Duration = std::time::Duration::from_millis(50);

/// [`LockManager::try_acquire`] found the lock held in a conflicting mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockBusy;

/// A lock a transaction holds: what `release` needs to give it back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeldLock(u64);

impl LockManager {
    pub fn new() -> Self {
        Self::default()
    }

    fn shard(&self, fingerprint: u64) -> &Shard {
        &self.shards[(fingerprint as usize) & (SHARDS - 1)]
    }

    /// Takes the lock, waiting while another transaction holds it in a conflicting mode.
    /// Returns the lock if this call newly took it (the caller keeps it to release later);
    /// None if the transaction already held it (a shared request while holding it
    /// exclusively, too).
    pub fn acquire(
        &self,
        txn: TxnId,
        target: &LockTarget,
        mode: LockMode,
        interrupt: &dyn Interrupt,
    ) -> SqlResult<Option<HeldLock>> {
        self.acquire_fingerprint(txn, target.fingerprint(), mode, interrupt)
    }

    /// [`LockManager::acquire`] for a target known by its fingerprint.
    pub(crate) fn acquire_fingerprint(
        &self,
        txn: TxnId,
        fingerprint: u64,
        mode: LockMode,
        interrupt: &dyn Interrupt,
    ) -> SqlResult<Option<HeldLock>> {
        let shard = self.shard(fingerprint);
        let mut locks = shard.locks.lock();
        // Set when the first wait begins.
        let mut lock_deadline: Option<Instant> = None;
        loop {
            let blockers = match locks.get_mut(&fingerprint) {
                None => {
                    let entry = match mode {
                        LockMode::Exclusive => LockEntry::Exclusive(txn),
                        LockMode::Shared => LockEntry::Shared(vec![txn]),
                    };
                    locks.insert(fingerprint, entry);
                    return Ok(Some(HeldLock(fingerprint)));
                }
                Some(entry) => {
                    let blockers = entry.blockers(txn, mode);
                    if blockers.is_empty() {
                        return Ok(grant(entry, txn, mode).then_some(HeldLock(fingerprint)));
                    }
                    blockers
                }
            };
            if !interrupt.may_wait() {
                return Err(SqlError::new(
                    SqlState::LOCK_NOT_AVAILABLE,
                    "could not obtain lock without waiting",
                ));
            }
            {
                let mut graph = self.graph.lock();
                if graph.reaches(&blockers, txn) {
                    graph.waits_for.remove(&txn);
                    return Err(SqlError::new(SqlState::DEADLOCK_DETECTED, "deadlock detected")
                        .with_detail(format!(
                            "Transaction {txn} waits for a lock held by transaction {}, which waits for transaction {txn}.",
                            blockers[0]
                        ))
                        .with_hint("See server log for query details."));
                }
                graph.waits_for.insert(txn, blockers);
            }
            let now = Instant::now();
            let timeout_ms = interrupt.lock_timeout_ms();
            if lock_deadline.is_none() && timeout_ms > 0 {
                lock_deadline = Some(now + std::time::Duration::from_millis(timeout_ms));
            }
            let mut check = interrupt.check();
            if check.is_ok() && lock_deadline.is_some_and(|d| now >= d) {
                check = Err(SqlError::new(
                    SqlState::LOCK_NOT_AVAILABLE,
                    "canceling statement due to lock timeout",
                ));
            }
            if check.is_ok() {
                let mut wake_at = now + WAIT_SLICE;
                for limit in [interrupt.deadline(), lock_deadline].into_iter().flatten() {
                    wake_at = wake_at.min(limit);
                }
                shard.released.wait_until(&mut locks, wake_at);
            }
            self.graph.lock().waits_for.remove(&txn);
            check?;
            interrupt.check()?;
        }
    }

    /// Takes the lock only if that needs no wait: `Err(LockBusy)` when another
    /// transaction's hold conflicts. For callers that must not block (a statement run on the
    /// server's async threads); they fall back to [`LockManager::acquire`] elsewhere.
    pub fn try_acquire(
        &self,
        txn: TxnId,
        target: &LockTarget,
        mode: LockMode,
    ) -> Result<Option<HeldLock>, LockBusy> {
        let fingerprint = target.fingerprint();
        let mut locks = self.shard(fingerprint).locks.lock();
        match locks.get_mut(&fingerprint) {
            None => {
                let entry = match mode {
                    LockMode::Exclusive => LockEntry::Exclusive(txn),
                    LockMode::Shared => LockEntry::Shared(vec![txn]),
                };
                locks.insert(fingerprint, entry);
                Ok(Some(HeldLock(fingerprint)))
            }
            Some(entry) if entry.blockers(txn, mode).is_empty() => {
                Ok(grant(entry, txn, mode).then_some(HeldLock(fingerprint)))
            }
            Some(_) => Err(LockBusy),
        }
    }

    /// Releases locks a transaction holds and wakes their waiters.
    pub fn release(&self, txn: TxnId, held: &[HeldLock]) {
        let mut touched = [false; SHARDS];
        for HeldLock(fingerprint) in held {
            let index = (*fingerprint as usize) & (SHARDS - 1);
            let mut locks = self.shards[index].locks.lock();
            let free = match locks.get_mut(fingerprint) {
                Some(LockEntry::Exclusive(holder)) => *holder == txn,
                Some(LockEntry::Shared(holders)) => {
                    holders.retain(|t| *t != txn);
                    holders.is_empty()
                }
                None => false,
            };
            if free {
                locks.remove(fingerprint);
            }
            touched[index] = true;
        }
        self.graph.lock().waits_for.remove(&txn);
        for (index, was_touched) in touched.iter().enumerate() {
            if *was_touched {
                self.shards[index].released.notify_all();
            }
        }
    }

    /// Wakes every waiter so it looks at its interrupt (after a cancel request).
    pub fn wake_all(&self) {
        for shard in &self.shards {
            shard.released.notify_all();
        }
    }

    /// Number of transactions waiting for a lock, for tests and metrics.
    pub fn waiting_count(&self) -> usize {
        self.graph.lock().waits_for.len()
    }

    /// Number of locks currently held, for tests and metrics.
    pub fn held_count(&self) -> usize {
        self.shards.iter().map(|s| s.locks.lock().len()).sum()
    }
}

/// Adds `txn` as a holder of a lock it does not conflict on; true if it newly holds it.
fn grant(entry: &mut LockEntry, txn: TxnId, mode: LockMode) -> bool {
    match (entry, mode) {
        (LockEntry::Exclusive(holder), _) => {
            debug_assert_eq!(*holder, txn, "granted over another holder");
            false
        }
        (entry @ LockEntry::Shared(_), LockMode::Exclusive) => {
            // Upgrade: txn is the only shared holder (blockers were empty). It already holds
            // this lock, so the caller need not record it again.
            let was_holder = matches!(entry, LockEntry::Shared(h) if h.contains(&txn));
            *entry = LockEntry::Exclusive(txn);
            !was_holder
        }
        (LockEntry::Shared(holders), LockMode::Shared) => {
            if holders.contains(&txn) {
                false
            } else {
                holders.push(txn);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::mpsc;

    fn key(k: &str) -> LockTarget {
        LockTarget::Key {
            keyspace: 1,
            key: k.as_bytes().to_vec(),
        }
    }

    /// Takes a lock and returns what to release.
    fn take(locks: &LockManager, txn: TxnId, target: &LockTarget, mode: LockMode) -> Vec<HeldLock> {
        locks
            .acquire(txn, target, mode, &NoInterrupt)
            .unwrap()
            .into_iter()
            .collect()
    }

    #[test]
    fn key_fingerprints_name_the_key_and_spread_over_shards() {
        let target = key("row-17");
        assert_eq!(target.fingerprint(), key_fingerprint(1, b"row-17"));
        assert_ne!(key_fingerprint(1, b"row-17"), key_fingerprint(2, b"row-17"));
        // A key and its zero-padded extension differ (the length is mixed in).
        assert_ne!(key_fingerprint(1, b"a"), key_fingerprint(1, b"a\0"));
        // Consecutive integer keys (a serial primary key) use every shard.
        let mut used = [false; SHARDS];
        for i in 0u32..1000 {
            used[(key_fingerprint(1, &i.to_be_bytes()) as usize) & (SHARDS - 1)] = true;
        }
        assert!(used.iter().all(|u| *u));
        // One lock, whichever way it is named.
        let locks = LockManager::new();
        let held = locks
            .acquire_fingerprint(
                1,
                key_fingerprint(1, b"row-17"),
                LockMode::Exclusive,
                &NoInterrupt,
            )
            .unwrap();
        assert!(held.is_some());
        assert_eq!(
            locks.try_acquire(2, &target, LockMode::Exclusive),
            Err(LockBusy)
        );
    }

    #[test]
    fn shared_locks_coexist_and_exclusive_waits_for_release() {
        let locks = Arc::new(LockManager::new());
        let h1 = take(&locks, 1, &LockTarget::Table(7), LockMode::Shared);
        let h2 = take(&locks, 2, &LockTarget::Table(7), LockMode::Shared);
        let (tx, rx) = mpsc::channel();
        let l2 = locks.clone();
        let waiter = std::thread::spawn(move || {
            let held = take(&l2, 3, &LockTarget::Table(7), LockMode::Exclusive);
            tx.send(()).unwrap();
            held
        });
        // The exclusive request cannot be granted while readers hold the table.
        while locks.waiting_count() == 0 {
            std::thread::yield_now();
        }
        assert!(rx.try_recv().is_err());
        locks.release(1, &h1);
        assert!(rx.try_recv().is_err());
        locks.release(2, &h2);
        rx.recv().unwrap();
        let h3 = waiter.join().unwrap();
        locks.release(3, &h3);
        assert_eq!(locks.held_count(), 0);
    }

    #[test]
    fn cycle_of_waits_is_a_deadlock() {
        let locks = Arc::new(LockManager::new());
        let mut held1 = take(&locks, 1, &key("a"), LockMode::Exclusive);
        let held2 = take(&locks, 2, &key("b"), LockMode::Exclusive);
        let l2 = locks.clone();
        let t1 =
            std::thread::spawn(move || l2.acquire(1, &key("b"), LockMode::Exclusive, &NoInterrupt));
        // Wait until transaction 1 is registered as waiting for 2.
        while locks.waiting_count() == 0 {
            std::thread::yield_now();
        }
        let err = locks
            .acquire(2, &key("a"), LockMode::Exclusive, &NoInterrupt)
            .unwrap_err();
        assert_eq!(err.code, SqlState::DEADLOCK_DETECTED);
        locks.release(2, &held2);
        held1.extend(t1.join().unwrap().unwrap());
        locks.release(1, &held1);
        assert_eq!(locks.held_count(), 0);
    }

    #[test]
    fn try_acquire_takes_free_or_compatible_locks_and_reports_conflicts() {
        let locks = LockManager::new();
        let table = LockTarget::Table(9);
        let mut held1: Vec<HeldLock> = locks
            .try_acquire(1, &table, LockMode::Shared)
            .unwrap()
            .into_iter()
            .collect();
        let held2: Vec<HeldLock> = locks
            .try_acquire(2, &table, LockMode::Shared)
            .unwrap()
            .into_iter()
            .collect();
        assert_eq!((held1.len(), held2.len()), (1, 1));
        // Already held: nothing new to record.
        assert_eq!(locks.try_acquire(1, &table, LockMode::Shared), Ok(None));
        assert_eq!(
            locks.try_acquire(3, &table, LockMode::Exclusive),
            Err(LockBusy)
        );
        held1.extend(take(&locks, 1, &key("r"), LockMode::Exclusive));
        assert_eq!(
            locks.try_acquire(2, &key("r"), LockMode::Shared),
            Err(LockBusy)
        );
        assert_eq!(locks.waiting_count(), 0, "a refused try never waits");
        locks.release(1, &held1);
        locks.release(2, &held2);
        assert_eq!(locks.held_count(), 0);
    }

    #[test]
    fn reacquiring_and_upgrading_own_lock_does_not_wait() {
        let locks = LockManager::new();
        let mut held = take(&locks, 1, &LockTarget::Table(1), LockMode::Shared);
        held.extend(take(&locks, 1, &LockTarget::Table(1), LockMode::Exclusive));
        held.extend(take(&locks, 1, &LockTarget::Table(1), LockMode::Shared));
        assert_eq!(held.len(), 1, "one lock, taken once");
        locks.release(1, &held);
        assert_eq!(locks.held_count(), 0);
    }
}
