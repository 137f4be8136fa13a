//! Sequences (serial columns, hidden row ids): non-transactional counters, as PostgreSQL's.
//!
//! Values are handed out from memory; the engine holds a reservation (`s/<oid>` → the first
//! value not yet reserved) that is moved ahead in steps before values past it are used. The
//! reservation is written without its own fsync: it precedes, in the one WAL, the commit of any
//! transaction that used its values, and that commit's fsync makes it durable. After a crash,
//! values handed to transactions that never committed may be handed out again — PostgreSQL
//! promises no more.

use std::collections::HashMap;

use embeddb_storage::{Engine, KeyspaceId, WriteBatch};
use embeddb_types::{SqlError, SqlResult, SqlState};
use parking_lot::Mutex;

use crate::catalog::{Oid, SequenceDef};
use crate::error::storage_error;

const SEQUENCE_KEY_PREFIX: &[u8] = b"s/";

/// How many values one reservation covers at least; bulk loads grow it up to the maximum so a
/// million-row COPY into a serial table writes a handful of reservations, not thousands.
const MIN_RESERVATION: i64 = 32;
const MAX_RESERVATION: i64 = 1 << 16;

struct SequenceState {
    /// The next value to hand out.
    next: i64,
    /// Values up to (not including) this one may be handed out without writing.
    reserved_until: i64,
    reservation_step: i64,
    /// Whether `next` has been returned by nextval yet (false right after setval(.., false)).
    exhausted: bool,
}

pub struct Sequences {
    engine: Engine,
    keyspace: KeyspaceId,
    states: Mutex<HashMap<Oid, SequenceState>>,
}

fn sequence_key(oid: Oid) -> Vec<u8> {
    let mut key = SEQUENCE_KEY_PREFIX.to_vec();
    key.extend_from_slice(&oid.to_be_bytes());
    key
}

impl Sequences {
    pub(crate) fn new(engine: Engine, keyspace: KeyspaceId) -> Self {
        Sequences {
            engine,
            keyspace,
            states: Mutex::new(HashMap::new()),
        }
    }

    fn load(&self, def: &SequenceDef) -> SqlResult<SequenceState> {
        let snapshot = self.engine.snapshot();
        let stored = self
            .engine
            .get(self.keyspace, &sequence_key(def.oid), &snapshot)
            .map_err(storage_error)?;
        let next = match stored {
            Some(bytes) => {
                let raw: [u8; 8] = bytes.as_slice().try_into().map_err(|_| {
                    SqlError::new(
                        SqlState::DATA_CORRUPTED,
                        format!("sequence \"{}\" has a malformed state record", def.name),
                    )
                })?;
                i64::from_be_bytes(raw)
            }
            None => def.start,
        };
        Ok(SequenceState {
            next,
            reserved_until: next,
            reservation_step: MIN_RESERVATION,
            exhausted: false,
        })
    }

    fn persist(&self, oid: Oid, value: i64) -> SqlResult<()> {
        let mut batch = WriteBatch::new();
        batch.put(self.keyspace, &sequence_key(oid), &value.to_be_bytes());
        batch.set_sync(false);
        self.engine.write(batch).map_err(storage_error)?;
        Ok(())
    }

    /// PostgreSQL's `nextval`.
    pub fn nextval(&self, def: &SequenceDef) -> SqlResult<i64> {
        let mut states = self.states.lock();
        if let std::collections::hash_map::Entry::Vacant(e) = states.entry(def.oid) {
            let state = self.load(def)?;
            e.insert(state);
        }
        let Some(state) = states.get_mut(&def.oid) else {
            return Err(SqlError::internal("sequence state vanished"));
        };
        let value = state.next;
        let limit_hit = if def.increment > 0 {
            value > def.max_value
        } else {
            value < def.min_value
        };
        if limit_hit || state.exhausted {
            let (which, bound) = if def.increment > 0 {
                ("maximum", def.max_value)
            } else {
                ("minimum", def.min_value)
            };
            return Err(SqlError::new(
                SqlState::SEQUENCE_GENERATOR_LIMIT_EXCEEDED,
                format!(
                    "nextval: reached {which} value of sequence \"{}\" ({bound})",
                    def.name
                ),
            ));
        }
        let passed_reservation = if def.increment > 0 {
            value >= state.reserved_until
        } else {
            value <= state.reserved_until
        };
        if passed_reservation {
            let reserve_to =
                value.saturating_add(def.increment.saturating_mul(state.reservation_step));
            self.persist(def.oid, reserve_to)?;
            state.reserved_until = reserve_to;
            state.reservation_step = (state.reservation_step * 2).min(MAX_RESERVATION);
        }
        match value.checked_add(def.increment) {
            Some(next) => state.next = next,
            None => state.exhausted = true,
        }
        Ok(value)
    }

    /// PostgreSQL's `setval(seq, value, is_called)`.
    pub fn setval(&self, def: &SequenceDef, value: i64, is_called: bool) -> SqlResult<i64> {
        if value < def.min_value || value > def.max_value {
            return Err(SqlError::new(
                SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
                format!(
                    "setval: value {value} is out of bounds for sequence \"{}\" ({}..{})",
                    def.name, def.min_value, def.max_value
                ),
            ));
        }
        let next = if is_called {
            value.saturating_add(def.increment)
        } else {
            value
        };
        let mut states = self.states.lock();
        self.persist(def.oid, next)?;
        states.insert(
            def.oid,
            SequenceState {
                next,
                reserved_until: next,
                reservation_step: MIN_RESERVATION,
                exhausted: false,
            },
        );
        Ok(value)
    }

    /// Forgets a dropped sequence (its state record is deleted by the dropping transaction).
    pub(crate) fn forget(&self, oid: Oid) {
        self.states.lock().remove(&oid);
    }

    pub(crate) fn state_key(oid: Oid) -> Vec<u8> {
        sequence_key(oid)
    }
}
