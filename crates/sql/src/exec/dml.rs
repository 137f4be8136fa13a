//! INSERT, UPDATE and DELETE: rows from the source or the target scan written through the
//! transaction, with NOT NULL and CHECK constraints, ON CONFLICT, RETURNING, and PostgreSQL's
//! handling of rows another transaction changed after the statement's snapshot:
//! READ COMMITTED waits for the other writer, re-reads the newest version, re-checks the WHERE
//! clause on it and applies the change to it; REPEATABLE READ fails with 40001.

use std::collections::HashSet;

use embeddb_tables::{
    InsertOutcome, IsolationLevel, LockedRow, TableDef, TableKeyspaces, Transaction,
};
use embeddb_types::{Row, SqlError, SqlResult, SqlState, Value, format_text};

use super::context::ExecContext;
use super::scan::KeyedScan;
use super::{CHUNK_ROWS, MemoryTracker, build};
use crate::plan::{
    CheckExpr, ConflictAction, DeletePlan, InsertPlan, LogicalPlan, Returning, UpdatePlan,
    ValuesRows,
};

/// What a DML statement did: rows affected and the RETURNING rows.
pub struct DmlResult {
    pub count: u64,
    pub returning: Vec<Row>,
}

fn serialization_failure() -> SqlError {
    SqlError::new(
        SqlState::SERIALIZATION_FAILURE,
        "could not serialize access due to concurrent update",
    )
}

fn uses_transaction_snapshot(txn: &Transaction) -> bool {
    !matches!(
        txn.isolation(),
        IsolationLevel::ReadCommitted | IsolationLevel::ReadUncommitted
    )
}

/// PostgreSQL's `Failing row contains (...)` detail.
fn failing_row(table: &TableDef, row: &[Value], ctx: &ExecContext) -> String {
    let values: Vec<String> = table
        .visible_columns()
        .zip(row)
        .map(|(c, v)| {
            if v.is_null() {
                "null".to_string()
            } else {
                format_text(v, &c.data_type, ctx.format())
            }
        })
        .collect();
    format!("Failing row contains ({}).", values.join(", "))
}

pub(crate) fn check_row(
    table: &TableDef,
    checks: &[CheckExpr],
    row: &[Value],
    ctx: &ExecContext,
) -> SqlResult<()> {
    for (column, value) in table.visible_columns().zip(row) {
        if column.not_null && value.is_null() {
            return Err(SqlError::new(
                SqlState::NOT_NULL_VIOLATION,
                format!(
                    "null value in column \"{}\" of relation \"{}\" violates not-null constraint",
                    column.name, table.name
                ),
            )
            .with_detail(failing_row(table, row, ctx)));
        }
    }
    for check in checks {
        // A check passes unless it is false (NULL passes, as in SQL).
        if check.expr.eval(row, ctx)?.as_bool() == Some(false) {
            return Err(SqlError::new(
                SqlState::CHECK_VIOLATION,
                format!(
                    "new row for relation \"{}\" violates check constraint \"{}\"",
                    table.name, check.name
                ),
            )
            .with_detail(failing_row(table, row, ctx)));
        }
    }
    Ok(())
}

struct ReturningRows<'a> {
    spec: Option<&'a Returning>,
    rows: Vec<Row>,
    memory: MemoryTracker,
}

impl<'a> ReturningRows<'a> {
    fn new(spec: Option<&'a Returning>, ctx: &ExecContext) -> Self {
        ReturningRows {
            spec,
            rows: Vec::new(),
            memory: MemoryTracker::new(ctx.work_mem_bytes, "RETURNING"),
        }
    }

    fn push(&mut self, row: &[Value], ctx: &ExecContext) -> SqlResult<()> {
        let Some(spec) = self.spec else {
            return Ok(());
        };
        let mut out = Vec::with_capacity(spec.exprs.len());
        for e in &spec.exprs {
            out.push(e.eval(row, ctx)?);
        }
        self.memory.add_row(&out)?;
        self.rows.push(out);
        Ok(())
    }
}

pub fn execute_insert(
    plan: &InsertPlan,
    txn: &mut Transaction,
    ctx: &ExecContext,
) -> SqlResult<DmlResult> {
    let table = plan.table.as_ref();
    let mut run = InsertRun {
        plan,
        keyspaces: TableKeyspaces::for_writes(txn, table, ctx.interrupt.as_ref())?,
        returning: ReturningRows::new(plan.returning.as_ref(), ctx),
        count: 0,
        updated_keys: HashSet::new(),
    };
    // Constant rows (a bulk INSERT's literals) are read where the plan holds them.
    if let LogicalPlan::Values { rows, .. } = &plan.source
        && let ValuesRows::Constants(rows) = rows.as_ref()
    {
        for chunk in rows.chunks(CHUNK_ROWS) {
            ctx.check_interrupt()?;
            for row in chunk {
                run.insert(txn, row, ctx)?;
            }
        }
    } else {
        let mut source = build(&plan.source, ctx)?;
        while let Some(chunk) = source.next_chunk()? {
            ctx.check_interrupt()?;
            for row in chunk {
                run.insert(txn, &row, ctx)?;
            }
        }
    }
    Ok(DmlResult {
        count: run.count,
        returning: run.returning.rows,
    })
}

/// One INSERT statement's progress through its rows.
struct InsertRun<'a> {
    plan: &'a InsertPlan,
    keyspaces: TableKeyspaces,
    returning: ReturningRows<'a>,
    count: u64,
    /// Rows an ON CONFLICT DO UPDATE already changed in this statement.
    updated_keys: HashSet<Vec<u8>>,
}

impl InsertRun<'_> {
    /// Inserts one row, or acts on its conflict as ON CONFLICT says.
    fn insert(&mut self, txn: &mut Transaction, row: &[Value], ctx: &ExecContext) -> SqlResult<()> {
        let plan = self.plan;
        let table = plan.table.as_ref();
        let keyspaces = &self.keyspaces;
        let interrupt = ctx.interrupt.as_ref();
        check_row(table, &plan.checks, row, ctx)?;
        let conflict = match txn.insert_row(table, keyspaces, row, ctx.format(), interrupt)? {
            InsertOutcome::Inserted { key } => {
                if plan.on_conflict.is_some() {
                    // A later row of this statement conflicting with this one must not
                    // update it (PostgreSQL's "cannot affect row a second time").
                    self.updated_keys.insert(key);
                }
                self.count += 1;
                return self.returning.push(row, ctx);
            }
            InsertOutcome::Conflict(c) => c,
        };
        let Some(on_conflict) = &plan.on_conflict else {
            return Err(conflict.into_error());
        };
        if let Some(arbiter) = &on_conflict.arbiter
            && *arbiter != conflict.constraint
        {
            return Err(conflict.into_error());
        }
        if uses_transaction_snapshot(txn)
            && let Some(seqno) = conflict.existing_seqno
            && seqno > txn.snapshot_seqno()
        {
            return Err(serialization_failure());
        }
        let ConflictAction::Update {
            assignments,
            filter,
        } = &on_conflict.action
        else {
            return Ok(());
        };
        if !self.updated_keys.insert(conflict.existing_key.clone()) {
            return Err(SqlError::new(
                SqlState::CARDINALITY_VIOLATION,
                "ON CONFLICT DO UPDATE command cannot affect row a second time",
            )
            .with_hint(
                "Ensure that no rows proposed for insertion within the same command have duplicate constrained values.",
            ));
        }
        let existing = match txn.lock_row(table, keyspaces, &conflict.existing_key, interrupt)? {
            LockedRow::Unchanged(r) => r,
            LockedRow::Changed { row, .. } => {
                if uses_transaction_snapshot(txn) {
                    return Err(serialization_failure());
                }
                row
            }
            LockedRow::Deleted { .. } => {
                // The conflicting row went away while we waited: PostgreSQL retries the
                // insertion, and so do we (once; a second conflict is reported).
                return match txn.insert_row(table, keyspaces, row, ctx.format(), interrupt)? {
                    InsertOutcome::Inserted { .. } => {
                        self.count += 1;
                        self.returning.push(row, ctx)
                    }
                    InsertOutcome::Conflict(c) => Err(c.into_error()),
                };
            }
        };
        let mut combined = existing.clone();
        combined.extend(row.iter().cloned());
        if let Some(f) = filter
            && !f.eval_predicate(&combined, ctx)?
        {
            return Ok(());
        }
        let mut new_row = existing.clone();
        for (position, e) in assignments {
            new_row[*position] = e.eval(&combined, ctx)?;
        }
        check_row(table, &plan.checks, &new_row, ctx)?;
        txn.update_row(
            table,
            keyspaces,
            &conflict.existing_key,
            &existing,
            &new_row,
            ctx.format(),
            interrupt,
        )?;
        self.count += 1;
        self.returning.push(&new_row, ctx)
    }
}

/// Locks a row the scan found and decides which version the statement acts on: None if the
/// row no longer qualifies (deleted, or changed so the WHERE clause rejects it).
fn lock_for_write(
    txn: &mut Transaction,
    table: &TableDef,
    keyspaces: &TableKeyspaces,
    key: &[u8],
    filter: Option<&crate::expr::Expr>,
    ctx: &ExecContext,
) -> SqlResult<Option<Row>> {
    match txn.lock_row(table, keyspaces, key, ctx.interrupt.as_ref())? {
        LockedRow::Unchanged(row) => Ok(Some(row)),
        LockedRow::Changed { row, .. } => {
            if uses_transaction_snapshot(txn) {
                return Err(serialization_failure());
            }
            // READ COMMITTED: the newest version counts if it still matches the WHERE clause.
            match filter {
                Some(f) if !f.eval_predicate(&row, ctx)? => Ok(None),
                _ => Ok(Some(row)),
            }
        }
        LockedRow::Deleted { concurrent } => {
            if concurrent && uses_transaction_snapshot(txn) {
                return Err(SqlError::new(
                    SqlState::SERIALIZATION_FAILURE,
                    "could not serialize access due to concurrent delete",
                ));
            }
            Ok(None)
        }
    }
}

pub fn execute_update(
    plan: &UpdatePlan,
    txn: &mut Transaction,
    ctx: &ExecContext,
) -> SqlResult<DmlResult> {
    let table = plan.table.as_ref();
    let keyspaces = TableKeyspaces::for_writes(txn, table, ctx.interrupt.as_ref())?;
    let mut scan = KeyedScan::new(plan.scan.clone(), ctx.clone())?;
    let mut returning = ReturningRows::new(plan.returning.as_ref(), ctx);
    let mut count = 0u64;
    while let Some(chunk) = scan.next_chunk()? {
        for (key, _seen) in chunk {
            let Some(current) =
                lock_for_write(txn, table, &keyspaces, &key, plan.scan.filter.as_ref(), ctx)?
            else {
                continue;
            };
            let mut new_row = current.clone();
            for (position, e) in &plan.assignments {
                new_row[*position] = e.eval(&current, ctx)?;
            }
            check_row(table, &plan.checks, &new_row, ctx)?;
            txn.update_row(
                table,
                &keyspaces,
                &key,
                &current,
                &new_row,
                ctx.format(),
                ctx.interrupt.as_ref(),
            )?;
            count += 1;
            returning.push(&new_row, ctx)?;
        }
    }
    Ok(DmlResult {
        count,
        returning: returning.rows,
    })
}

pub fn execute_delete(
    plan: &DeletePlan,
    txn: &mut Transaction,
    ctx: &ExecContext,
) -> SqlResult<DmlResult> {
    let table = plan.table.as_ref();
    let keyspaces = TableKeyspaces::for_writes(txn, table, ctx.interrupt.as_ref())?;
    let mut scan = KeyedScan::new(plan.scan.clone(), ctx.clone())?;
    let mut returning = ReturningRows::new(plan.returning.as_ref(), ctx);
    let mut count = 0u64;
    while let Some(chunk) = scan.next_chunk()? {
        for (key, _seen) in chunk {
            let Some(current) =
                lock_for_write(txn, table, &keyspaces, &key, plan.scan.filter.as_ref(), ctx)?
            else {
                continue;
            };
            txn.delete_row(table, &keyspaces, &key, &current)?;
            count += 1;
            returning.push(&current, ctx)?;
        }
    }
    Ok(DmlResult {
        count,
        returning: returning.rows,
    })
}
