//! Running one statement of a session: binding it (or taking its cached plan), taking its
//! table locks, then its snapshot, then executing it.
//!
//! PostgreSQL locks a statement's tables during parse analysis and, under READ COMMITTED,
//! takes the snapshot the executor uses only afterwards. A statement that had to wait for a
//! table lock held by another transaction's DDL therefore sees everything that transaction
//! committed, both its catalog changes and its rows. Here a statement is bound first, so after
//! taking its locks it is bound again if DDL committed while it waited, and only then is its
//! snapshot taken (REPEATABLE READ keeps the transaction's, as in PostgreSQL).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use sqlparser::ast::Statement;

use embeddb_tables::{Catalog, LockMode, LockTarget, Transaction};

use crate::parser_insert::LiteralInsert;
use embeddb_types::{DataType, SqlResult, Value};

use super::{Executed, PlanCache, Session};
use crate::binder::Binder;
use crate::exec::context::ExecContext;
use crate::plan::LogicalPlan;
use crate::result::{QueryResult, Tag};
use crate::statement::BoundStatement;

/// The statement a session runs: parsed into sqlparser's tree, or a literal-only INSERT in
/// `parser_insert`'s compact form (see `session::literal_insert`).
#[derive(Clone, Copy)]
pub(super) enum StatementRef<'a> {
    Parsed(&'a Statement),
    LiteralInsert(&'a LiteralInsert<'a>),
}

/// A plan the statement may already have.
pub(super) enum KnownPlan<'a> {
    None,
    /// A prepared statement's cache: its plan, if bound against the current catalog.
    Cache(&'a PlanCache),
    /// A plan bound just before the statement's transaction was taken, against this catalog
    /// (which the statement checks is still current once its locks are held).
    Bound(Arc<Catalog>, Arc<BoundStatement>),
}

/// What binding a statement gave.
enum Binding {
    /// A plan to lock the tables of and run.
    Plan(Arc<BoundStatement>),
    /// The result of a statement that ran as it was bound (EXPLAIN, COPY, DDL), having taken
    /// its own locks.
    Done(Executed),
}

impl Session {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn run_statement(
        &mut self,
        txn: &mut Transaction,
        statement: StatementRef<'_>,
        sql: &str,
        param_types: &[DataType],
        params: Vec<Value>,
        (statement_micros, txn_micros): (i64, i64),
        in_block: bool,
        known: KnownPlan<'_>,
    ) -> SqlResult<Executed> {
        let mut ctx = self.exec_context(txn, params, statement_micros, txn_micros);
        let (mut catalog, mut prebound, cache) = match known {
            KnownPlan::None => (txn.catalog(), None, None),
            KnownPlan::Cache(cache) => (txn.catalog(), None, Some(cache)),
            KnownPlan::Bound(catalog, plan) => (catalog, Some(plan), None),
        };
        ctx.catalog = catalog.clone();
        let generation = self.settings.generation();
        let format = ctx.format.clone();
        let bound = loop {
            let known = prebound.take().or_else(|| {
                cache
                    .and_then(|c| c.get(&catalog, generation))
                    .map(|(p, _)| p)
            });
            let bound = match known {
                Some(plan) => plan,
                None => {
                    let mut binder = Binder::new(catalog.clone(), sql, &format, param_types);
                    let bound = match self.bind(txn, &mut binder, statement, &ctx, in_block)? {
                        Binding::Plan(bound) => bound,
                        Binding::Done(executed) => return Ok(executed),
                    };
                    if let Some(c) = cache {
                        c.put(catalog.clone(), generation, bound.clone());
                    }
                    bound
                }
            };
            lock_statement(txn, &bound, &ctx)?;
            if !catalog_changed(txn, &catalog) {
                break bound;
            }
            // DDL committed while the statement waited for a lock: bind it again against
            // the catalog that DDL left (the locks taken stay held).
            catalog = txn.catalog();
            ctx.catalog = catalog.clone();
        };
        take_statement_snapshot(txn, &mut ctx);
        self.run_bound(txn, &bound, &ctx, in_block)
    }

    /// Binds a statement, or runs it at once if it is one that takes its own locks.
    fn bind(
        &mut self,
        txn: &mut Transaction,
        binder: &mut Binder<'_>,
        statement: StatementRef<'_>,
        ctx: &ExecContext,
        in_block: bool,
    ) -> SqlResult<Binding> {
        let statement = match statement {
            StatementRef::Parsed(statement) => statement,
            StatementRef::LiteralInsert(insert) => {
                let bound =
                    BoundStatement::bind_literal_insert(binder, insert, ctx.store.as_ref())?;
                return Ok(Binding::Plan(Arc::new(bound)));
            }
        };
        let executed = match statement {
            Statement::Explain {
                statement: inner,
                analyze,
                options,
                ..
            } => {
                let analyze = *analyze || crate::explain::analyze_option(options.as_deref())?;
                crate::explain::explain(self, txn, binder, inner, analyze, ctx)?
            }
            Statement::Copy { .. } => crate::copy::start_copy(self, txn, binder, statement, ctx)?,
            other => match BoundStatement::bind(binder, other, ctx.store.as_ref())? {
                Some(bound) => return Ok(Binding::Plan(Arc::new(bound))),
                None => crate::ddl::execute_ddl(self, txn, binder, other, ctx, in_block)?,
            },
        };
        Ok(Binding::Done(executed))
    }

    /// Runs a bound statement whose table locks are held and whose snapshot is taken.
    fn run_bound(
        &mut self,
        txn: &mut Transaction,
        bound: &BoundStatement,
        ctx: &ExecContext,
        in_block: bool,
    ) -> SqlResult<Executed> {
        match bound {
            BoundStatement::Query(plan) => {
                let fields = plan.schema();
                let operator = crate::exec::build(plan, ctx)?;
                let mut result = QueryResult::stream(fields, operator);
                // In a block, an error while the rows stream out fails the block; in
                // autocommit there is nothing left to fail.
                if in_block {
                    let flag = self.block_failed_by_cursor.clone();
                    result = result.on_error(Box::new(move || flag.store(true, Ordering::SeqCst)));
                }
                Ok(Executed::Result(result))
            }
            BoundStatement::Insert(plan) => {
                let result = crate::exec::dml::execute_insert(plan, txn, ctx)?;
                Ok(dml_result(result, plan.returning.as_ref(), Tag::Insert))
            }
            BoundStatement::Update(plan) => {
                let result = crate::exec::dml::execute_update(plan, txn, ctx)?;
                Ok(dml_result(result, plan.returning.as_ref(), Tag::Update))
            }
            BoundStatement::Delete(plan) => {
                let result = crate::exec::dml::execute_delete(plan, txn, ctx)?;
                Ok(dml_result(result, plan.returning.as_ref(), Tag::Delete))
            }
        }
    }
}

fn dml_result(
    result: crate::exec::dml::DmlResult,
    returning: Option<&crate::plan::Returning>,
    tag: fn(u64) -> Tag,
) -> Executed {
    let tag = tag(result.count);
    Executed::Result(match returning {
        Some(r) => QueryResult::rows(r.schema.clone(), result.returning, tag),
        None => QueryResult::command(tag),
    })
}

/// Takes the shared table lock on every table a plan reads (DDL on them waits until the
/// transaction ends, as with PostgreSQL's AccessShareLock).
fn lock_tables(txn: &Transaction, plan: &LogicalPlan, ctx: &ExecContext) -> SqlResult<()> {
    if let LogicalPlan::Scan(scan) = plan {
        txn.lock(
            &LockTarget::Table(scan.table.oid),
            LockMode::Shared,
            ctx.interrupt.as_ref(),
        )?;
    }
    for child in plan.children() {
        lock_tables(txn, child, ctx)?;
    }
    Ok(())
}

/// Takes the table locks a bound statement needs: shared on every table it reads or writes.
pub(crate) fn lock_statement(
    txn: &Transaction,
    bound: &BoundStatement,
    ctx: &ExecContext,
) -> SqlResult<()> {
    match bound {
        BoundStatement::Query(plan) => lock_tables(txn, plan, ctx),
        BoundStatement::Insert(plan) => {
            lock_tables(txn, &plan.source, ctx)?;
            txn.lock_table_shared(&plan.table, ctx.interrupt.as_ref())
        }
        BoundStatement::Update(plan) => txn.lock_table_shared(&plan.table, ctx.interrupt.as_ref()),
        BoundStatement::Delete(plan) => txn.lock_table_shared(&plan.table, ctx.interrupt.as_ref()),
    }
}

/// Whether the statement, bound against `bound_against`, must be bound again now that its
/// locks are held: DDL committed while it waited and changed the catalog it sees.
fn catalog_changed(txn: &Transaction, bound_against: &Arc<Catalog>) -> bool {
    !txn.catalog_is_current(bound_against)
}

/// Gives the statement its snapshot now that its locks are held (see the module comment).
fn take_statement_snapshot(txn: &mut Transaction, ctx: &mut ExecContext) {
    txn.refresh_statement_snapshot();
    ctx.view = txn.read_view();
}

/// `ctx` with the statement's snapshot taken now that its locks are held, for statements
/// that run a plan inside another one (COPY TO, CREATE TABLE AS, EXPLAIN ANALYZE), which are
/// not bound again after a lock wait.
pub(crate) fn snapshot_after_locks(txn: &mut Transaction, ctx: &ExecContext) -> ExecContext {
    let mut ctx = ctx.clone();
    take_statement_snapshot(txn, &mut ctx);
    ctx
}

/// Locks the tables a plan reads, then returns the context to run it with (see
/// [`snapshot_after_locks`]).
pub(crate) fn lock_plan(
    txn: &mut Transaction,
    plan: &LogicalPlan,
    ctx: &ExecContext,
) -> SqlResult<ExecContext> {
    lock_tables(txn, plan, ctx)?;
    Ok(snapshot_after_locks(txn, ctx))
}
