//! A session: one client connection's settings, transaction state and prepared statements,
//! and the execution of each statement in PostgreSQL's transaction semantics — autocommit
//! unless inside BEGIN ... COMMIT, and after an error inside a block every statement fails
//! with 25P02 until ROLLBACK.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use sqlparser::ast::{self, Statement};

use embeddb_tables::{Catalog, IsolationLevel, Store, StoreOptions, Transaction};
use embeddb_types::{DataType, FormatContext, SqlError, SqlResult, SqlState, Value};

use crate::binder::Binder;
use crate::exec::context::{ExecContext, SequenceMemory, SessionInfo, StatementInterrupt};
use crate::plan::Field;
use crate::result::{Notice, QueryResult, Tag};
use crate::settings::Settings;
use crate::statement::BoundStatement;

mod literal_insert;
mod quick;
mod run;
pub use quick::{PendingCommit, QuickRun};
use run::{KnownPlan, StatementRef};
pub(crate) use run::{lock_plan, lock_statement, snapshot_after_locks};

/// Options for opening a database.
#[derive(Default)]
pub struct DatabaseOptions {
    pub store: StoreOptions,
}

/// An open data directory, shared by every session.
pub struct Database {
    store: Arc<Store>,
    next_backend_pid: AtomicI32,
}

impl Database {
    pub fn open(dir: &Path, options: DatabaseOptions) -> SqlResult<Arc<Database>> {
        let store = Store::open(dir, options.store)?;
        Ok(Arc::new(Database {
            store,
            next_backend_pid: AtomicI32::new(1000),
        }))
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// A new session for a client that connected as `user` to `database`.
    pub fn session(self: &Arc<Self>, user: &str, database: &str) -> Session {
        let pid = self.next_backend_pid.fetch_add(1, Ordering::Relaxed);
        let mut settings = Settings::default();
        settings.set_internal("session_authorization", user);
        let info = SessionInfo {
            user: user.to_string(),
            database: database.to_string(),
            application_name: String::new(),
            backend_pid: pid,
            settings: settings.snapshot(),
        };
        Session {
            db: self.clone(),
            info: Arc::new(info),
            settings,
            txn_settings: None,
            state: TxnState::Idle,
            cancel: Arc::new(AtomicBool::new(false)),
            sequences: Arc::new(Mutex::new(SequenceMemory::default())),
            block_failed_by_cursor: Arc::new(AtomicBool::new(false)),
            notices: Vec::new(),
            next_isolation: None,
            next_read_only: None,
            copy: None,
        }
    }

    /// Flushes everything to disk (used at shutdown).
    pub fn close(&self) -> SqlResult<()> {
        self.store.close()
    }
}

/// Where the session stands, as ReadyForQuery reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransactionStatus {
    Idle,
    InBlock,
    Failed,
}

enum TxnState {
    Idle,
    Block {
        txn: Box<Transaction>,
        failed: bool,
        started_micros: i64,
    },
}

/// A parsed (and bound, for its types) statement, ready to execute with parameters.
#[derive(Clone, Debug)]
pub struct Prepared {
    pub sql: String,
    /// None for an empty query string.
    pub statement: Option<Statement>,
    pub param_types: Vec<DataType>,
    /// The columns the statement returns, if it returns rows.
    pub fields: Option<Vec<Field>>,
    /// The optimized plan from the last execution, reused while the catalog and settings
    /// are unchanged.
    pub(crate) cache: PlanCache,
}

/// A plan in a [`PlanCache`] and what it is valid for.
#[derive(Debug)]
struct CachedPlan {
    /// The catalog it was bound against: any committed DDL publishes a new one.
    catalog: Arc<Catalog>,
    settings_generation: u64,
    plan: Arc<BoundStatement>,
    /// It may run on the quick path ([`quick`]), decided once when cached.
    quick: bool,
}

/// The settings around a transaction block's SETs.
#[derive(Debug)]
struct TxnSettings {
    /// As the block found them (what ROLLBACK restores).
    before: Settings,
    /// As they will be after COMMIT: `before` with the block's session-level SETs.
    after_commit: Settings,
}

/// A prepared statement's plan, valid for one catalog version and one settings generation
/// (literals are read with the session's settings, e.g. TimeZone, when bound).
#[derive(Clone, Debug, Default)]
pub(crate) struct PlanCache {
    slot: Arc<Mutex<Option<CachedPlan>>>,
}

impl PlanCache {
    /// The cached plan if it is still valid, and whether it may run on the quick path.
    fn get(&self, catalog: &Arc<Catalog>, generation: u64) -> Option<(Arc<BoundStatement>, bool)> {
        match &*self.slot.lock() {
            Some(c) if Arc::ptr_eq(&c.catalog, catalog) && c.settings_generation == generation => {
                Some((c.plan.clone(), c.quick))
            }
            _ => None,
        }
    }

    fn put(&self, catalog: Arc<Catalog>, generation: u64, plan: Arc<BoundStatement>) {
        let quick = quick::is_quick(&plan);
        *self.slot.lock() = Some(CachedPlan {
            catalog,
            settings_generation: generation,
            plan,
            quick,
        });
    }
}

/// What executing a statement produced.
pub enum Executed {
    Result(QueryResult),
    /// `COPY ... FROM STDIN`: the client now sends data; see [`Session::copy_data`].
    CopyIn {
        columns: usize,
        format: crate::copy::CopyFormat,
    },
    /// `COPY ... TO STDOUT`: rows to encode with [`crate::copy::encode_row`].
    CopyOut {
        format: crate::copy::CopyFormat,
        result: QueryResult,
        types: Vec<DataType>,
    },
    /// An empty query string.
    Empty,
}

/// The session's cancel flag, for the wire layer's cancel requests.
#[derive(Clone)]
pub struct CancelHandle {
    flag: Arc<AtomicBool>,
    store: Arc<Store>,
}

impl CancelHandle {
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::SeqCst);
        self.store.wake_lock_waiters();
    }
}

pub struct Session {
    db: Arc<Database>,
    info: Arc<SessionInfo>,
    settings: Settings,
    /// Set by the first SET in a transaction block: the settings to go back to at its end.
    txn_settings: Option<TxnSettings>,
    state: TxnState,
    cancel: Arc<AtomicBool>,
    sequences: Arc<Mutex<SequenceMemory>>,
    /// Set by a streaming result that failed inside a transaction block.
    block_failed_by_cursor: Arc<AtomicBool>,
    notices: Vec<Notice>,
    /// SET TRANSACTION before the first statement of a block.
    next_isolation: Option<IsolationLevel>,
    next_read_only: Option<bool>,
    pub(crate) copy: Option<crate::copy::CopyIn>,
}

fn in_failed_block() -> SqlError {
    SqlError::new(
        SqlState::IN_FAILED_SQL_TRANSACTION,
        "current transaction is aborted, commands ignored until end of transaction block",
    )
}

fn now_micros() -> i64 {
    FormatContext::system_now_micros()
}

pub(crate) fn isolation_from_name(name: &str) -> IsolationLevel {
    match name {
        "read uncommitted" => IsolationLevel::ReadUncommitted,
        "repeatable read" => IsolationLevel::RepeatableRead,
        "serializable" => IsolationLevel::Serializable,
        _ => IsolationLevel::ReadCommitted,
    }
}

fn isolation_from_ast(level: &ast::TransactionIsolationLevel) -> IsolationLevel {
    match level {
        ast::TransactionIsolationLevel::ReadUncommitted => IsolationLevel::ReadUncommitted,
        ast::TransactionIsolationLevel::ReadCommitted => IsolationLevel::ReadCommitted,
        ast::TransactionIsolationLevel::RepeatableRead => IsolationLevel::RepeatableRead,
        _ => IsolationLevel::Serializable,
    }
}

impl Session {
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The database this session is connected to.
    pub fn database(&self) -> &Arc<Database> {
        &self.db
    }

    pub fn backend_pid(&self) -> i32 {
        self.info.backend_pid
    }

    pub fn cancel_handle(&self) -> CancelHandle {
        CancelHandle {
            flag: self.cancel.clone(),
            store: self.db.store.clone(),
        }
    }

    /// Applies a startup parameter (from the client's StartupMessage).
    pub fn apply_startup_parameter(&mut self, name: &str, value: &str) -> SqlResult<()> {
        match name.to_ascii_lowercase().as_str() {
            "user" | "database" | "replication" => Ok(()),
            "options" => Ok(()),
            _ => {
                self.settings.set(name, value)?;
                self.refresh_info();
                Ok(())
            }
        }
    }

    /// Reported settings, for the ParameterStatus messages after authentication.
    pub fn reported_settings(&mut self) -> Vec<(String, String)> {
        self.settings.take_changed();
        self.settings.reported()
    }

    /// Reported settings that changed since last asked (ParameterStatus after SET).
    pub fn take_parameter_changes(&mut self) -> Vec<(String, String)> {
        self.settings.take_changed()
    }

    pub fn take_notices(&mut self) -> Vec<Notice> {
        std::mem::take(&mut self.notices)
    }

    pub(crate) fn notice(&mut self, notice: Notice) {
        self.notices.push(notice);
    }

    fn refresh_info(&mut self) {
        let mut info = (*self.info).clone();
        info.application_name = self
            .settings
            .get("application_name")
            .unwrap_or("")
            .to_string();
        info.settings = self.settings.snapshot();
        self.info = Arc::new(info);
    }

    pub fn transaction_status(&self) -> TransactionStatus {
        match &self.state {
            TxnState::Idle => TransactionStatus::Idle,
            TxnState::Block { failed, .. } => {
                if *failed || self.block_failed_by_cursor.load(Ordering::SeqCst) {
                    TransactionStatus::Failed
                } else {
                    TransactionStatus::InBlock
                }
            }
        }
    }

    fn sync_cursor_failure(&mut self) {
        if self.block_failed_by_cursor.swap(false, Ordering::SeqCst)
            && let TxnState::Block { failed, .. } = &mut self.state
        {
            *failed = true;
        }
    }

    /// Parses a query string that may hold several statements (simple query protocol).
    pub fn parse_batch(&self, sql: &str) -> SqlResult<Vec<Statement>> {
        crate::parser::parse(sql)
    }

    /// Parse (extended protocol): one statement, bound so its parameter types and result
    /// columns are known. `declared` are the types the client gave (None: infer).
    pub fn prepare(&mut self, sql: &str, declared: &[Option<DataType>]) -> SqlResult<Prepared> {
        let mut statements = crate::parser::parse(sql)?;
        if statements.len() > 1 {
            return Err(SqlError::new(
                SqlState::SYNTAX_ERROR,
                "cannot insert multiple commands into a prepared statement",
            ));
        }
        let Some(statement) = statements.pop() else {
            return Ok(Prepared {
                sql: sql.to_string(),
                statement: None,
                param_types: Vec::new(),
                fields: None,
                cache: PlanCache::default(),
            });
        };
        let declared_types: Vec<DataType> = declared
            .iter()
            .map(|t| t.clone().unwrap_or(DataType::Unknown))
            .collect();
        let (param_types, fields) = self.describe_statement(&statement, sql, &declared_types)?;
        Ok(Prepared {
            sql: sql.to_string(),
            statement: Some(statement),
            param_types,
            fields,
            cache: PlanCache::default(),
        })
    }

    /// The parameter types and result columns of a statement, by binding it against the
    /// catalog this session sees.
    fn describe_statement(
        &mut self,
        statement: &Statement,
        sql: &str,
        declared: &[DataType],
    ) -> SqlResult<(Vec<DataType>, Option<Vec<Field>>)> {
        let catalog = match &self.state {
            TxnState::Block { txn, .. } => txn.catalog(),
            TxnState::Idle => self.db.store.committed_catalog(),
        };
        let format = self.settings.format_context(now_micros());
        let mut binder = Binder::new(catalog, sql, &format, declared);
        let bound = BoundStatement::bind(&mut binder, statement, &crate::optimizer::NoStatistics)?;
        let fields = match statement {
            _ if bound.is_some() => bound.as_ref().and_then(BoundStatement::fields),
            Statement::ShowVariable { variable } => {
                let name = crate::utility::show_name(variable);
                Some(crate::utility::show_fields(&self.settings, &name)?)
            }
            Statement::Explain { .. } => Some(vec![Field::new("QUERY PLAN", DataType::Text)]),
            _ => None,
        };
        let mut types = binder.param_types();
        // Parameters declared but unused keep their declared types.
        for (i, d) in declared.iter().enumerate() {
            if i >= types.len() {
                types.push(if *d == DataType::Unknown {
                    DataType::Text
                } else {
                    d.clone()
                });
            }
        }
        Ok((types, fields))
    }

    /// Executes a prepared statement with parameter values (extended protocol Execute).
    pub fn execute_prepared(
        &mut self,
        prepared: &Prepared,
        params: Vec<Value>,
    ) -> SqlResult<Executed> {
        match &prepared.statement {
            None => Ok(Executed::Empty),
            Some(statement) => self.execute_with_cache(
                statement,
                &prepared.sql,
                &prepared.param_types,
                params,
                Some(&prepared.cache),
            ),
        }
    }

    /// Executes one statement.
    pub fn execute(
        &mut self,
        statement: &Statement,
        sql: &str,
        param_types: &[DataType],
        params: Vec<Value>,
    ) -> SqlResult<Executed> {
        self.execute_with_cache(statement, sql, param_types, params, None)
    }

    fn execute_with_cache(
        &mut self,
        statement: &Statement,
        sql: &str,
        param_types: &[DataType],
        params: Vec<Value>,
        cache: Option<&PlanCache>,
    ) -> SqlResult<Executed> {
        // set_config() calls of a streamed result that ended after the statement returned.
        self.apply_function_settings();
        let result = self.execute_statement(statement, sql, param_types, params, cache);
        self.apply_function_settings();
        result
    }

    /// Applies the settings set_config() changed during the statement.
    fn apply_function_settings(&mut self) {
        let pending = std::mem::take(&mut self.sequences.lock().pending_settings);
        if pending.is_empty() {
            return;
        }
        for change in pending {
            // set_config() validated the value when it ran.
            let _ = self.change_setting(change.local, |s| s.set(&change.name, &change.value));
        }
        self.settings_changed();
    }

    fn execute_statement(
        &mut self,
        statement: &Statement,
        sql: &str,
        param_types: &[DataType],
        params: Vec<Value>,
        cache: Option<&PlanCache>,
    ) -> SqlResult<Executed> {
        self.sync_cursor_failure();
        self.cancel.store(false, Ordering::SeqCst);
        // Transaction control works in every state.
        match statement {
            Statement::StartTransaction { modes, .. } => return self.begin(modes),
            Statement::Commit { chain, .. } => {
                if *chain {
                    return Err(SqlError::not_supported("COMMIT AND CHAIN"));
                }
                return self.commit();
            }
            Statement::Rollback { savepoint, chain } => {
                if *chain {
                    return Err(SqlError::not_supported("ROLLBACK AND CHAIN"));
                }
                return match savepoint {
                    Some(name) => self.rollback_to_savepoint(&crate::binder::normalize_ident(name)),
                    None => Ok(self.rollback()),
                };
            }
            _ => {}
        }
        if let TxnState::Block { failed: true, .. } = self.state {
            return Err(in_failed_block());
        }
        match statement {
            Statement::Savepoint { name } => {
                let TxnState::Block { txn, .. } = &mut self.state else {
                    return Err(SqlError::new(
                        SqlState::NO_ACTIVE_SQL_TRANSACTION,
                        "SAVEPOINT can only be used in transaction blocks",
                    ));
                };
                txn.savepoint(&crate::binder::normalize_ident(name));
                return Ok(Executed::Result(QueryResult::command(Tag::Fixed(
                    "SAVEPOINT",
                ))));
            }
            Statement::ReleaseSavepoint { name } => {
                let TxnState::Block { txn, failed, .. } = &mut self.state else {
                    return Err(SqlError::new(
                        SqlState::NO_ACTIVE_SQL_TRANSACTION,
                        "RELEASE SAVEPOINT can only be used in transaction blocks",
                    ));
                };
                if let Err(e) = txn.release_savepoint(&crate::binder::normalize_ident(name)) {
                    *failed = true;
                    return Err(e);
                }
                return Ok(Executed::Result(QueryResult::command(Tag::Fixed(
                    "RELEASE",
                ))));
            }
            _ => {}
        }
        let known = match cache {
            Some(cache) => KnownPlan::Cache(cache),
            None => KnownPlan::None,
        };
        let result = self.execute_in_transaction(
            StatementRef::Parsed(statement),
            sql,
            param_types,
            params,
            known,
        );
        self.fail_block_on_error(result)
    }

    fn begin(&mut self, modes: &[ast::TransactionMode]) -> SqlResult<Executed> {
        if let TxnState::Block { .. } = self.state {
            self.notice(Notice::warning(
                SqlState::ACTIVE_SQL_TRANSACTION,
                "there is already a transaction in progress",
            ));
            return Ok(Executed::Result(QueryResult::command(Tag::Fixed("BEGIN"))));
        }
        let mut txn = self.new_transaction();
        for mode in modes {
            match mode {
                ast::TransactionMode::IsolationLevel(level) => {
                    txn.set_isolation(isolation_from_ast(level))?;
                }
                ast::TransactionMode::AccessMode(ast::TransactionAccessMode::ReadOnly) => {
                    txn.set_read_only(true);
                }
                ast::TransactionMode::AccessMode(ast::TransactionAccessMode::ReadWrite) => {
                    txn.set_read_only(false);
                }
            }
        }
        self.state = TxnState::Block {
            txn: Box::new(txn),
            failed: false,
            started_micros: now_micros(),
        };
        Ok(Executed::Result(QueryResult::command(Tag::Fixed("BEGIN"))))
    }

    fn commit(&mut self) -> SqlResult<Executed> {
        self.sync_cursor_failure();
        match std::mem::replace(&mut self.state, TxnState::Idle) {
            TxnState::Idle => {
                self.notice(Notice::warning(
                    SqlState::NO_ACTIVE_SQL_TRANSACTION,
                    "there is no transaction in progress",
                ));
                Ok(Executed::Result(QueryResult::command(Tag::Fixed("COMMIT"))))
            }
            TxnState::Block {
                txn, failed: true, ..
            } => {
                txn.rollback();
                self.end_txn_settings(false);
                Ok(Executed::Result(QueryResult::command(Tag::Fixed(
                    "ROLLBACK",
                ))))
            }
            TxnState::Block { txn, .. } => {
                let committed = txn.commit();
                self.end_txn_settings(committed.is_ok());
                committed?;
                Ok(Executed::Result(QueryResult::command(Tag::Fixed("COMMIT"))))
            }
        }
    }

    /// ROLLBACK TO SAVEPOINT: undoes the block's work since the savepoint and, if an error
    /// had failed the block, makes it usable again.
    fn rollback_to_savepoint(&mut self, name: &str) -> SqlResult<Executed> {
        self.sync_cursor_failure();
        let TxnState::Block { txn, failed, .. } = &mut self.state else {
            return Err(SqlError::new(
                SqlState::NO_ACTIVE_SQL_TRANSACTION,
                "ROLLBACK TO SAVEPOINT can only be used in transaction blocks",
            ));
        };
        if let Err(e) = txn.rollback_to_savepoint(name) {
            *failed = true;
            return Err(e);
        }
        *failed = false;
        Ok(Executed::Result(QueryResult::command(Tag::Fixed(
            "ROLLBACK",
        ))))
    }

    fn rollback(&mut self) -> Executed {
        self.block_failed_by_cursor.store(false, Ordering::SeqCst);
        match std::mem::replace(&mut self.state, TxnState::Idle) {
            TxnState::Idle => {
                self.notice(Notice::warning(
                    SqlState::NO_ACTIVE_SQL_TRANSACTION,
                    "there is no transaction in progress",
                ));
            }
            TxnState::Block { txn, .. } => {
                txn.rollback();
                self.end_txn_settings(false);
            }
        }
        Executed::Result(QueryResult::command(Tag::Fixed("ROLLBACK")))
    }

    /// Ends whatever transaction the session holds (the connection is closing).
    pub fn terminate(&mut self) {
        self.copy = None;
        if let TxnState::Block { txn, .. } = std::mem::replace(&mut self.state, TxnState::Idle) {
            txn.rollback();
        }
    }

    /// The transaction a statement runs in: the open block's (taken out of the session until
    /// the statement ends), or a new autocommit one. Returns it, whether it is autocommit, and
    /// when it started.
    fn take_transaction(&mut self, statement_micros: i64) -> (Box<Transaction>, bool, i64) {
        match std::mem::replace(&mut self.state, TxnState::Idle) {
            TxnState::Block {
                txn,
                started_micros,
                ..
            } => (txn, false, started_micros),
            TxnState::Idle => (Box::new(self.new_transaction()), true, statement_micros),
        }
    }

    fn new_transaction(&mut self) -> Transaction {
        let (default_isolation, default_read_only) = self.settings.transaction_defaults();
        let isolation = self
            .next_isolation
            .take()
            .unwrap_or_else(|| isolation_from_name(default_isolation));
        let read_only = self.next_read_only.take().unwrap_or(default_read_only);
        let mut txn = self.db.store.begin(isolation, read_only);
        txn.sync_commit = self.settings.synchronous_commit();
        txn
    }

    fn interrupt(&self) -> Arc<StatementInterrupt> {
        Arc::new(self.statement_interrupt(false))
    }

    /// The statement's cancel flag and time limits; `refuse_lock_waits` for one run where it
    /// must not wait (the quick path).
    fn statement_interrupt(&self, refuse_lock_waits: bool) -> StatementInterrupt {
        let timeout_ms = self.settings.statement_timeout_ms();
        StatementInterrupt {
            cancel: self.cancel.clone(),
            deadline: (timeout_ms > 0).then(|| Instant::now() + Duration::from_millis(timeout_ms)),
            lock_timeout_ms: self.settings.lock_timeout_ms(),
            refuse_lock_waits,
            lock_wait_refused: AtomicBool::new(false),
        }
    }

    /// An error of a statement run in a block fails the block.
    fn fail_block_on_error<T>(&mut self, result: SqlResult<T>) -> SqlResult<T> {
        if result.is_err()
            && let TxnState::Block { failed, .. } = &mut self.state
        {
            *failed = true;
        }
        result
    }

    /// Runs a statement in the block's transaction, or in a transaction of its own that
    /// commits when it succeeds (autocommit).
    fn execute_in_transaction(
        &mut self,
        statement: StatementRef<'_>,
        sql: &str,
        param_types: &[DataType],
        params: Vec<Value>,
        known: KnownPlan<'_>,
    ) -> SqlResult<Executed> {
        if let StatementRef::Parsed(statement) = statement
            && let Some(result) = crate::utility::execute_utility(self, statement)?
        {
            return Ok(result);
        }
        let statement_micros = now_micros();
        let (mut txn, autocommit, txn_micros) = self.take_transaction(statement_micros);
        txn.begin_statement();
        let result = self.run_statement(
            &mut txn,
            statement,
            sql,
            param_types,
            params,
            (statement_micros, txn_micros),
            !autocommit,
            known,
        );
        if autocommit {
            match result {
                Ok(Executed::CopyIn { columns, format }) => {
                    // The COPY's transaction stays open until the data has arrived.
                    if let Some(copy) = self.copy.as_mut() {
                        copy.attach_transaction(txn, true);
                    }
                    Ok(Executed::CopyIn { columns, format })
                }
                Ok(executed) => {
                    txn.commit()?;
                    Ok(executed)
                }
                Err(e) => {
                    txn.rollback();
                    Err(e)
                }
            }
        } else {
            let copy_in = matches!(result, Ok(Executed::CopyIn { .. }));
            if copy_in {
                if let Some(copy) = self.copy.as_mut() {
                    copy.attach_transaction(txn, false);
                }
                return result;
            }
            self.state = TxnState::Block {
                txn,
                failed: result.is_err(),
                started_micros: txn_micros,
            };
            result
        }
    }

    /// Restores a transaction block after COPY FROM finished with it.
    pub(crate) fn restore_block(&mut self, txn: Box<Transaction>, failed: bool) {
        self.state = TxnState::Block {
            txn,
            failed,
            started_micros: now_micros(),
        };
    }

    pub(crate) fn exec_context(
        &self,
        txn: &mut Transaction,
        params: Vec<Value>,
        statement_micros: i64,
        txn_micros: i64,
    ) -> ExecContext {
        let format = self.settings.format_context(statement_micros);
        ExecContext::new(
            txn.read_view(),
            self.db.store.clone(),
            txn.catalog(),
            params,
            format,
            self.info.clone(),
            self.sequences.clone(),
            self.interrupt(),
            statement_micros,
            txn_micros,
            self.settings.work_mem_bytes(),
        )
    }

    pub(crate) fn set_next_transaction(
        &mut self,
        isolation: Option<IsolationLevel>,
        read_only: Option<bool>,
    ) -> SqlResult<()> {
        match &mut self.state {
            TxnState::Block { txn, .. } => {
                if let Some(level) = isolation {
                    txn.set_isolation(level)?;
                }
                if let Some(ro) = read_only {
                    txn.set_read_only(ro);
                }
            }
            TxnState::Idle => {
                // Outside a block, SET TRANSACTION has no effect (PostgreSQL warns).
                self.notice(Notice::warning(
                    SqlState::NO_ACTIVE_SQL_TRANSACTION,
                    "SET TRANSACTION can only be used in transaction blocks",
                ));
            }
        }
        Ok(())
    }

    pub(crate) fn settings_mut(&mut self) -> &mut Settings {
        &mut self.settings
    }

    /// SET [LOCAL] name = value with PostgreSQL's transactional rules: inside a block, a
    /// ROLLBACK undoes it and a LOCAL value lasts until the block ends; outside a block SET
    /// LOCAL only warns. `change` applies the change to one copy of the settings.
    pub(crate) fn change_setting(
        &mut self,
        local: bool,
        change: impl Fn(&mut Settings) -> SqlResult<()>,
    ) -> SqlResult<()> {
        if !self.in_block() {
            if local {
                self.notice(Notice::warning(
                    SqlState::NO_ACTIVE_SQL_TRANSACTION,
                    "SET LOCAL can only be used in transaction blocks",
                ));
                return Ok(());
            }
            return change(&mut self.settings);
        }
        let txn_settings = self.txn_settings.get_or_insert_with(|| TxnSettings {
            before: self.settings.clone(),
            after_commit: self.settings.clone(),
        });
        if !local {
            change(&mut txn_settings.after_commit)?;
        }
        change(&mut self.settings)
    }

    /// The end of a transaction block: SET LOCAL values end; on rollback every SET ends.
    fn end_txn_settings(&mut self, committed: bool) {
        if let Some(t) = self.txn_settings.take() {
            let target = if committed {
                &t.after_commit
            } else {
                &t.before
            };
            self.settings.restore_from(target);
            self.settings_changed();
        }
    }

    pub(crate) fn settings_changed(&mut self) {
        self.refresh_info();
    }

    pub(crate) fn current_isolation(&self) -> IsolationLevel {
        match &self.state {
            TxnState::Block { txn, .. } => txn.isolation(),
            TxnState::Idle => isolation_from_name(
                self.settings
                    .get("default_transaction_isolation")
                    .unwrap_or(""),
            ),
        }
    }

    pub(crate) fn in_block(&self) -> bool {
        matches!(self.state, TxnState::Block { .. })
    }
}
