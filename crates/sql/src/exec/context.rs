//! What a running statement carries: its read view, parameters, session facts, settings for
//! value formatting, its cancel flag and deadline, and the rows of enclosing queries for
//! correlated subqueries. Owned (Arc-heavy) so a streaming cursor can keep it.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use embeddb_tables::{Catalog, Interrupt, ReadView, Store};
use embeddb_types::{FormatContext, Row, SqlError, SqlResult, SqlState, Value};
use parking_lot::Mutex;

/// Facts about the session a statement runs in.
#[derive(Clone, Debug)]
pub struct SessionInfo {
    pub user: String,
    pub database: String,
    pub application_name: String,
    pub backend_pid: i32,
    /// Settings as of the statement's start, lower-case names, for current_setting().
    pub settings: HashMap<String, String>,
}

/// Session state functions change: the last values sequences handed out (currval, lastval),
/// and settings changed by set_config() (the session applies them when the statement ends).
#[derive(Default, Debug)]
pub struct SequenceMemory {
    pub last_by_sequence: HashMap<u32, i64>,
    pub last: Option<i64>,
    pub pending_settings: Vec<SettingChange>,
}

/// One set_config() call.
#[derive(Debug)]
pub struct SettingChange {
    pub name: String,
    pub value: String,
    /// `is_local`: lasts until the end of the transaction.
    pub local: bool,
}

/// The cancel flag of a session and the deadline of the running statement.
pub struct StatementInterrupt {
    pub cancel: Arc<AtomicBool>,
    pub deadline: Option<Instant>,
    /// `lock_timeout`: the longest one wait for a lock may take (0: no limit).
    pub lock_timeout_ms: u64,
    /// Set for a statement run on the server's async threads: a lock it cannot take at once
    /// fails the statement instead of waiting, and `lock_wait_refused` records that it did.
    pub refuse_lock_waits: bool,
    pub lock_wait_refused: AtomicBool,
}

impl StatementInterrupt {
    pub fn none() -> Self {
        StatementInterrupt {
            cancel: Arc::new(AtomicBool::new(false)),
            deadline: None,
            lock_timeout_ms: 0,
            refuse_lock_waits: false,
            lock_wait_refused: AtomicBool::new(false),
        }
    }
}

impl Interrupt for StatementInterrupt {
    fn check(&self) -> SqlResult<()> {
        if self.cancel.load(Ordering::Relaxed) {
            return Err(SqlError::new(
                SqlState::QUERY_CANCELED,
                "canceling statement due to user request",
            ));
        }
        if let Some(deadline) = self.deadline
            && Instant::now() >= deadline
        {
            return Err(SqlError::new(
                SqlState::QUERY_CANCELED,
                "canceling statement due to statement timeout",
            ));
        }
        Ok(())
    }

    fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    fn lock_timeout_ms(&self) -> u64 {
        self.lock_timeout_ms
    }

    fn may_wait(&self) -> bool {
        if self.refuse_lock_waits {
            self.lock_wait_refused.store(true, Ordering::Relaxed);
        }
        !self.refuse_lock_waits
    }
}

#[derive(Clone)]
pub struct ExecContext {
    pub view: ReadView,
    pub store: Arc<Store>,
    /// The catalog the statement was bound against (sequences, catalog views).
    pub catalog: Arc<Catalog>,
    pub params: Arc<Vec<Value>>,
    pub format: Arc<FormatContext>,
    pub session: Arc<SessionInfo>,
    pub sequences: Arc<Mutex<SequenceMemory>>,
    pub interrupt: Arc<StatementInterrupt>,
    /// When the statement and its transaction started, µs since 2000-01-01 UTC.
    pub statement_ts_micros: i64,
    pub transaction_ts_micros: i64,
    /// Memory a sort, hash table or aggregation may hold before failing (`work_mem`).
    pub work_mem_bytes: usize,
    /// Results of CTEs and work tables of recursive CTEs, by plan id.
    pub shared_results: Arc<Mutex<HashMap<usize, Arc<Vec<Row>>>>>,
    /// Current rows of enclosing queries, outermost first.
    outer: Arc<Vec<Row>>,
    /// Set by EXPLAIN ANALYZE: rows produced per plan node, in pre-order.
    pub node_counts: Option<crate::explain::NodeCounts>,
}

impl ExecContext {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        view: ReadView,
        store: Arc<Store>,
        catalog: Arc<Catalog>,
        params: Vec<Value>,
        format: FormatContext,
        session: Arc<SessionInfo>,
        sequences: Arc<Mutex<SequenceMemory>>,
        interrupt: Arc<StatementInterrupt>,
        statement_ts_micros: i64,
        transaction_ts_micros: i64,
        work_mem_bytes: usize,
    ) -> Self {
        ExecContext {
            view,
            store,
            catalog,
            params: Arc::new(params),
            format: Arc::new(format),
            session,
            sequences,
            interrupt,
            statement_ts_micros,
            transaction_ts_micros,
            work_mem_bytes,
            shared_results: Arc::new(Mutex::new(HashMap::new())),
            outer: Arc::new(Vec::new()),
            node_counts: None,
        }
    }

    pub fn format(&self) -> &FormatContext {
        &self.format
    }

    pub fn param(&self, index: usize) -> SqlResult<Value> {
        self.params.get(index).cloned().ok_or_else(|| {
            SqlError::new(
                SqlState::UNDEFINED_PARAMETER,
                format!("there is no parameter ${}", index + 1),
            )
        })
    }

    pub fn outer_value(&self, depth: usize, index: usize) -> SqlResult<Value> {
        let level = self
            .outer
            .len()
            .checked_sub(depth)
            .ok_or_else(|| SqlError::internal("outer reference without an outer row"))?;
        self.outer[level]
            .get(index)
            .cloned()
            .ok_or_else(|| SqlError::internal("outer reference outside the outer row"))
    }

    /// The context for running a subquery for one row of the enclosing query.
    pub fn with_outer_row(&self, row: &[Value]) -> ExecContext {
        let mut outer = (*self.outer).clone();
        outer.push(row.to_vec());
        ExecContext {
            outer: Arc::new(outer),
            ..self.clone()
        }
    }

    /// Fails if the statement has been cancelled or has run out of time. Operators call this
    /// once per chunk of rows.
    pub fn check_interrupt(&self) -> SqlResult<()> {
        self.interrupt.check()
    }
}
