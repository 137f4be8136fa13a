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
    /// A relation name being created, so two sessions cannot create the same name at once.
    RelationName(String),
}

impl LockTarget {
    /// A 64-bit fingerprint naming the target in the lock table, so taking a lock allocates
    /// nothing. Two targets sharing a fingerprint (odds 2^-64 per pair) would only make one
    /// transaction wait for another needlessly; correctness never depends on it.
    fn fingerprint(&self) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.hash(&mut h);
        h.finish()
    }
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

#[derive(Default)]
struct LockEntry {
    exclusive: Option<TxnId>,
    shared: Vec<TxnId>,
}

impl LockEntry {
    fn is_free(&self) -> bool {
        self.exclusive.is_none() && self.shared.is_empty()
    }

    /// The other transactions whose hold on this lock keeps `txn` from taking it in `mode`.
    fn blockers(&self, txn: TxnId, mode: LockMode) -> Vec<TxnId> {
        let mut blockers = Vec::new();
        if let Some(holder) = self.exclusive {
            if holder != txn {
                blockers.push(holder);
            }
        }
        if mode == LockMode::Exclusive {
            blockers.extend(self.shared.iter().copied().filter(|t| *t != txn));
        }
        blockers
    }
}

#[derive(Default)]
struct LockTable {
    locks: FingerprintMap<LockEntry>,
    held_by: HashMap<TxnId, Vec<u64>>,
    /// Who each waiting transaction waits for; the edges of the waits-for graph.
    waits_for: HashMap<TxnId, Vec<TxnId>>,
}

impl LockTable {
    /// Forgets an entry nobody holds (left by a waiter that gave up).
    fn drop_if_free(&mut self, fingerprint: u64) {
        if self.locks.get(&fingerprint).is_some_and(LockEntry::is_free) {
            self.locks.remove(&fingerprint);
        }
    }

    /// True if `start` can reach `target` along waits-for edges.
    fn reaches(&self, start: &[TxnId], target: TxnId) -> bool {
        let mut seen = HashSet::new();
        let mut stack: Vec<TxnId> = start.to_vec();
        while let Some(t) = stack.pop() {
            if t == target {
                return true;
            }
            if seen.insert(t) {
                if let Some(next) = self.waits_for.get(&t) {
                    stack.extend(next.iter().copied());
                }
            }
        }
        false
    }
}

#[derive(Default)]
pub struct LockManager {
    table: Mutex<LockTable>,
    changed: Condvar,
}

/// How long a waiter sleeps before looking at its interrupt again when nothing wakes it; a
/// cancel request also wakes every waiter, so this only bounds how late a deadline is noticed.
const WAIT_SLICE: std::time::Duration = std::time::Duration::from_millis(50);

impl LockManager {
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes the lock, waiting while another transaction holds it in a conflicting mode.
    /// Taking a lock already held (or a shared lock while holding it exclusively) is a no-op.
    pub fn acquire(
        &self,
        txn: TxnId,
        target: &LockTarget,
        mode: LockMode,
        interrupt: &dyn Interrupt,
    ) -> SqlResult<()> {
        let fingerprint = target.fingerprint();
        let mut table = self.table.lock();
        loop {
            let entry = table.locks.entry(fingerprint).or_default();
            let blockers = entry.blockers(txn, mode);
            if blockers.is_empty() {
                let newly_held = match mode {
                    LockMode::Exclusive => {
                        let was_held = entry.exclusive == Some(txn) || entry.shared.contains(&txn);
                        entry.exclusive = Some(txn);
                        entry.shared.retain(|t| *t != txn);
                        !was_held
                    }
                    LockMode::Shared => {
                        if entry.exclusive == Some(txn) || entry.shared.contains(&txn) {
                            false
                        } else {
                            entry.shared.push(txn);
                            true
                        }
                    }
                };
                if newly_held {
                    table.held_by.entry(txn).or_default().push(fingerprint);
                }
                table.waits_for.remove(&txn);
                return Ok(());
            }
            if table.reaches(&blockers, txn) {
                table.waits_for.remove(&txn);
                table.drop_if_free(fingerprint);
                return Err(SqlError::new(SqlState::DEADLOCK_DETECTED, "deadlock detected")
                    .with_detail(format!(
                        "Transaction {txn} waits for a lock held by transaction {}, which waits for transaction {txn}.",
                        blockers[0]
                    ))
                    .with_hint("See server log for query details."));
            }
            table.waits_for.insert(txn, blockers);
            if let Err(e) = interrupt.check() {
                table.waits_for.remove(&txn);
                table.drop_if_free(fingerprint);
                return Err(e);
            }
            let mut wake_at = Instant::now() + WAIT_SLICE;
            if let Some(deadline) = interrupt.deadline() {
                wake_at = wake_at.min(deadline);
            }
            self.changed.wait_until(&mut table, wake_at);
            table.waits_for.remove(&txn);
            if let Err(e) = interrupt.check() {
                table.drop_if_free(fingerprint);
                return Err(e);
            }
        }
    }

    /// Releases every lock the transaction holds and wakes the waiters.
    pub fn release_all(&self, txn: TxnId) {
        let mut table = self.table.lock();
        let Some(targets) = table.held_by.remove(&txn) else {
            return;
        };
        for target in targets {
            if let Some(entry) = table.locks.get_mut(&target) {
                if entry.exclusive == Some(txn) {
                    entry.exclusive = None;
                }
                entry.shared.retain(|t| *t != txn);
                if entry.is_free() {
                    table.locks.remove(&target);
                }
            }
        }
        table.waits_for.remove(&txn);
        drop(table);
        self.changed.notify_all();
    }

    /// Wakes every waiter so it looks at its interrupt (after a cancel request).
    pub fn wake_all(&self) {
        self.changed.notify_all();
    }

    /// Number of transactions waiting for a lock, for tests and metrics.
    pub fn waiting_count(&self) -> usize {
        self.table.lock().waits_for.len()
    }

    /// Number of locks currently held, for tests and metrics.
    pub fn held_count(&self) -> usize {
        self.table.lock().locks.len()
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

    #[test]
    fn shared_locks_coexist_and_exclusive_waits_for_release() {
        let locks = Arc::new(LockManager::new());
        locks
            .acquire(1, &LockTarget::Table(7), LockMode::Shared, &NoInterrupt)
            .unwrap();
        locks
            .acquire(2, &LockTarget::Table(7), LockMode::Shared, &NoInterrupt)
            .unwrap();
        let (tx, rx) = mpsc::channel();
        let l2 = locks.clone();
        let waiter = std::thread::spawn(move || {
            l2.acquire(3, &LockTarget::Table(7), LockMode::Exclusive, &NoInterrupt)
                .unwrap();
            tx.send(()).unwrap();
        });
        // The exclusive request cannot be granted while readers hold the table.
        assert!(rx.try_recv().is_err());
        locks.release_all(1);
        assert!(rx.try_recv().is_err());
        locks.release_all(2);
        rx.recv().unwrap();
        waiter.join().unwrap();
        locks.release_all(3);
        assert_eq!(locks.held_count(), 0);
    }

    #[test]
    fn cycle_of_waits_is_a_deadlock() {
        let locks = Arc::new(LockManager::new());
        locks
            .acquire(1, &key("a"), LockMode::Exclusive, &NoInterrupt)
            .unwrap();
        locks
            .acquire(2, &key("b"), LockMode::Exclusive, &NoInterrupt)
            .unwrap();
        let l2 = locks.clone();
        let (started_tx, started_rx) = mpsc::channel();
        let t1 = std::thread::spawn(move || {
            started_tx.send(()).unwrap();
            l2.acquire(1, &key("b"), LockMode::Exclusive, &NoInterrupt)
        });
        started_rx.recv().unwrap();
        // Wait until transaction 1 is registered as waiting for 2.
        while !locks.table.lock().waits_for.contains_key(&1) {
            std::thread::yield_now();
        }
        let err = locks
            .acquire(2, &key("a"), LockMode::Exclusive, &NoInterrupt)
            .unwrap_err();
        assert_eq!(err.code, SqlState::DEADLOCK_DETECTED);
        locks.release_all(2);
        t1.join().unwrap().unwrap();
        locks.release_all(1);
    }

    #[test]
    fn reacquiring_and_upgrading_own_lock_does_not_wait() {
        let locks = LockManager::new();
        locks
            .acquire(1, &LockTarget::Table(1), LockMode::Shared, &NoInterrupt)
            .unwrap();
        locks
            .acquire(1, &LockTarget::Table(1), LockMode::Exclusive, &NoInterrupt)
            .unwrap();
        locks
            .acquire(1, &LockTarget::Table(1), LockMode::Shared, &NoInterrupt)
            .unwrap();
        locks.release_all(1);
        assert_eq!(locks.held_count(), 0);
    }
}
