//! The quick path for prepared statements: a cached plan that is sure to finish at once —
//! a primary-key point lookup returning at most a few rows, with no function calls or
//! subqueries — runs without the hop to a blocking thread that every other statement takes.
//!
//! The wire layer handles each Execute on an async thread and normally hands the statement to
//! tokio's blocking pool, because a statement may wait (fsync at COMMIT, a row or table lock,
//! a long scan). For a point lookup that hop (waking a pool thread, then waking the
//! connection task with the result) costs more than the lookup itself. So the wire layer
//! first offers the statement here; this runs it only when nothing in it can wait:
//!
//! - the plan is the one cached for the current catalog and settings (a statement the session
//!   has executed before), and [`is_quick`] accepted its shape when it was cached;
//! - the statement's table locks are free to take now ([`Transaction::try_lock`]) — a DDL
//!   statement holding one declines the quick path, and the normal path waits as usual;
//! - no COMMIT has writes to make durable: the statement reads only.
//!
//! Otherwise it declines and hands the parameters back for the normal path. Semantics are
//! the normal path's: a READ COMMITTED snapshot per statement, autocommit or the open block.
//!
//! An autocommit INSERT of a few rows of parameters and literals is quick too, though its
//! commit waits for the WAL's fsync: the statement runs here with lock waits refused (a lock
//! it cannot take at once rolls it back and declines it, so the normal path runs it and
//! waits), and its commit is handed back as a [`PendingCommit`] that the wire layer awaits
//! without a thread parked on it (`Transaction::commit_async`). With 16 clients inserting,
//! the hops to a blocking thread and back, and that thread's sleep in the group commit, were
//! most of the server's time.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use embeddb_tables::{Catalog, LockMode, LockTarget, Transaction};
use embeddb_types::{SqlResult, Value};

use super::{Executed, Prepared, Session, TxnState, now_micros};
use crate::expr::{Expr, ExprKind};
use crate::plan::{AccessPath, InsertPlan, LogicalPlan, ValuesRows};
use crate::result::{QueryResult, Tag};
use crate::statement::BoundStatement;

/// At most this many primary-key points (`id IN (...)`) in a quick plan: each point is one
/// engine lookup and at most one row, so this bounds both the work done on an async thread
/// and the rows the wire layer buffers before sending.
const QUICK_MAX_POINTS: usize = 64;

/// At most this many rows in a quick INSERT: each row is a few engine reads (its uniqueness
/// checks) and lock requests made on an async thread.
const QUICK_MAX_ROWS: usize = 16;

/// What [`Session::execute_prepared_quick`] did.
pub enum QuickRun {
    /// It ran the statement (successfully or not).
    Done(SqlResult<Executed>),
    /// It ran an autocommit statement whose writes now wait to commit: await
    /// [`PendingCommit::commit`] for its result. The session is free meanwhile (its
    /// transaction is in the `PendingCommit`).
    Commit(PendingCommit),
    /// It did not run it: run it the normal way with these parameters.
    Declined(Vec<Value>),
}

/// An autocommit statement that ran, with its transaction still to commit.
pub struct PendingCommit {
    txn: Box<Transaction>,
    result: QueryResult,
}

impl PendingCommit {
    /// Commits (durably, as the session's synchronous_commit says) and gives the statement's
    /// result, or the commit's error.
    pub async fn commit(self) -> SqlResult<Executed> {
        let txn = *self.txn;
        txn.commit_async().await?;
        Ok(Executed::Result(self.result))
    }
}

/// Whether a bound statement may run on the quick path: a read-only primary-key point lookup,
/// or a small INSERT of plain values, whose expressions are plain operators (no function
/// calls, which include pg_sleep and nextval, and no subqueries).
pub(super) fn is_quick(statement: &BoundStatement) -> bool {
    match statement {
        BoundStatement::Query(plan) => is_quick_plan(plan),
        BoundStatement::Insert(insert) => is_quick_insert(insert),
        _ => false,
    }
}

/// An INSERT of a few rows of quick expressions, without ON CONFLICT or RETURNING, into a
/// table whose CHECK constraints are quick expressions too.
fn is_quick_insert(insert: &InsertPlan) -> bool {
    let LogicalPlan::Values { rows, .. } = &insert.source else {
        return false;
    };
    let quick_values = match rows.as_ref() {
        ValuesRows::Exprs(rows) => rows.iter().flatten().all(is_quick_expr),
        ValuesRows::Constants(_) => true,
    };
    insert.on_conflict.is_none()
        && insert.returning.is_none()
        && rows.len() <= QUICK_MAX_ROWS
        && quick_values
        && insert.checks.iter().all(|c| is_quick_expr(&c.expr))
}

fn is_quick_plan(plan: &LogicalPlan) -> bool {
    match plan {
        LogicalPlan::Project { input, exprs, .. } => {
            exprs.iter().all(is_quick_expr) && is_quick_plan(input)
        }
        LogicalPlan::Filter { input, predicate } => {
            is_quick_expr(predicate) && is_quick_plan(input)
        }
        LogicalPlan::Limit {
            input,
            limit,
            offset,
        } => limit.iter().chain(offset).all(is_quick_expr) && is_quick_plan(input),
        LogicalPlan::Scan(scan) => {
            let AccessPath::PrimaryKey { ranges } = &scan.access else {
                return false;
            };
            let key_columns = scan.table.primary_key.len();
            key_columns > 0
                && ranges.len() <= QUICK_MAX_POINTS
                && ranges.iter().all(|r| r.is_point(key_columns))
                && ranges.iter().flat_map(|r| &r.prefix).all(is_quick_expr)
                && scan.filter.iter().chain(&scan.limit).all(is_quick_expr)
        }
        _ => false,
    }
}

/// An expression made only of columns, parameters, literals and operators: evaluating it on
/// one row takes no time worth a thread and cannot wait or have side effects.
fn is_quick_expr(expr: &Expr) -> bool {
    !expr.any(&mut |e| {
        !matches!(
            e.kind,
            ExprKind::Literal(_)
                | ExprKind::Column(_)
                | ExprKind::Param(_)
                | ExprKind::Binary { .. }
                | ExprKind::Unary { .. }
                | ExprKind::And(..)
                | ExprKind::Or(..)
                | ExprKind::Not(_)
                | ExprKind::IsNull { .. }
                | ExprKind::IsBool { .. }
                | ExprKind::IsDistinctFrom { .. }
                | ExprKind::Cast { .. }
                | ExprKind::Coalesce(_)
                | ExprKind::NullIf { .. }
        )
    })
}

/// Takes the shared lock on every table the plan reads, as `lock_tables` does, but only if
/// none has to be waited for; false if one is held by DDL (locks taken stay with the
/// transaction, which is rolled back or keeps them as the normal path would).
fn try_lock_tables(txn: &Transaction, plan: &LogicalPlan) -> bool {
    if let LogicalPlan::Scan(scan) = plan
        && !txn.try_lock(&LockTarget::Table(scan.table.oid), LockMode::Shared)
    {
        return false;
    }
    plan.children()
        .into_iter()
        .all(|child| try_lock_tables(txn, child))
}

impl Session {
    /// Runs a prepared statement at once if it is a quick one (see the module comment), or
    /// declines without having changed anything the normal path depends on.
    pub fn execute_prepared_quick(&mut self, prepared: &Prepared, params: Vec<Value>) -> QuickRun {
        if prepared.statement.is_none() || self.copy.is_some() {
            return QuickRun::Declined(params);
        }
        // As `execute_with_cache` does first: settings a streamed result's set_config() left.
        self.apply_function_settings();
        self.sync_cursor_failure();
        let catalog = match &self.state {
            TxnState::Block { failed: true, .. } => return QuickRun::Declined(params),
            TxnState::Block { txn, .. } => txn.catalog(),
            TxnState::Idle => self.db.store.committed_catalog(),
        };
        let generation = self.settings.generation();
        let plan = match prepared.cache.get(&catalog, generation) {
            Some((plan, true)) => plan,
            _ => return QuickRun::Declined(params),
        };
        let query = match plan.as_ref() {
            BoundStatement::Query(query) => query,
            BoundStatement::Insert(insert) => {
                let run = self.execute_insert_quick(insert, params, &catalog);
                self.apply_function_settings();
                return run;
            }
            _ => return QuickRun::Declined(params),
        };
        self.cancel.store(false, Ordering::SeqCst);
        let statement_micros = now_micros();
        let (mut txn, autocommit, txn_micros) = self.take_transaction(statement_micros);
        // A DDL statement that committed while the locks were being taken published a new
        // catalog: the cached plan may no longer match the table, so let the normal path bind.
        let current = if autocommit {
            self.db.store.committed_catalog()
        } else {
            txn.catalog()
        };
        if !try_lock_tables(&txn, query) || !Arc::ptr_eq(&current, &catalog) {
            if autocommit {
                txn.rollback();
            } else {
                self.state = TxnState::Block {
                    txn,
                    failed: false,
                    started_micros: txn_micros,
                };
            }
            return QuickRun::Declined(params);
        }
        txn.begin_statement();
        let ctx = self.exec_context(&mut txn, params, statement_micros, txn_micros);
        let result = crate::exec::build(query, &ctx).map(|operator| {
            let result = QueryResult::stream(query.schema(), operator);
            if autocommit {
                result
            } else {
                // In a block, an error while the rows stream out fails the block.
                let flag = self.block_failed_by_cursor.clone();
                result.on_error(Box::new(move || flag.store(true, Ordering::SeqCst)))
            }
        });
        let result = if autocommit {
            // Nothing was written: this commit releases the locks and never waits on disk.
            match result {
                Ok(result) => txn.commit().map(|()| result),
                Err(e) => {
                    txn.rollback();
                    Err(e)
                }
            }
        } else {
            self.state = TxnState::Block {
                txn,
                failed: result.is_err(),
                started_micros: txn_micros,
            };
            result
        };
        self.apply_function_settings();
        QuickRun::Done(result.map(Executed::Result))
    }

    /// The quick path of an INSERT (see the module comment): autocommit only, since in a block
    /// a lock wait refused halfway through would leave the statement's first rows written.
    fn execute_insert_quick(
        &mut self,
        insert: &InsertPlan,
        params: Vec<Value>,
        catalog: &Arc<Catalog>,
    ) -> QuickRun {
        if !matches!(self.state, TxnState::Idle) {
            return QuickRun::Declined(params);
        }
        self.cancel.store(false, Ordering::SeqCst);
        let statement_micros = now_micros();
        let (mut txn, _autocommit, txn_micros) = self.take_transaction(statement_micros);
        // As for a query: DDL that committed since the plan was cached declines it.
        let current = self.db.store.committed_catalog();
        if !txn.try_lock(&LockTarget::Table(insert.table.oid), LockMode::Shared)
            || !Arc::ptr_eq(&current, catalog)
        {
            txn.rollback();
            return QuickRun::Declined(params);
        }
        txn.begin_statement();
        // Kept to hand back if a lock wait is refused (a few values: this is a small INSERT).
        let kept = params.clone();
        let mut ctx = self.exec_context(&mut txn, params, statement_micros, txn_micros);
        ctx.interrupt = Arc::new(self.statement_interrupt(true));
        let result = crate::exec::dml::execute_insert(insert, &mut txn, &ctx);
        let refused = ctx.interrupt.lock_wait_refused.load(Ordering::Relaxed);
        match result {
            Ok(result) => QuickRun::Commit(PendingCommit {
                txn,
                result: QueryResult::command(Tag::Insert(result.count)),
            }),
            Err(_) if refused => {
                txn.rollback();
                QuickRun::Declined(kept)
            }
            Err(e) => {
                txn.rollback();
                QuickRun::Done(Err(e))
            }
        }
    }
}
