//! The direct path for the statement bulk loads send most: a literal-only
//! `INSERT INTO t [(columns)] VALUES (...), ...` sent as a simple query.
//!
//! `parser_insert::read_literal_insert` reads the text into a compact form (the values as
//! slices of the text) and the binder binds that form directly, without building sqlparser's
//! tree for every value, binding it, and freeing it: for a 1,000-row INSERT that was a third of
//! the server's time. The plan is the one the tree gives (`binder::insert` binds both forms
//! through the same steps), and it runs as every statement runs (`Session::run_statement`).
//!
//! The compact form keeps no positions, so its errors would lack PostgreSQL's `LINE 1: ... ^`.
//! The statement is therefore bound before anything else happens, and if binding fails this
//! path declines, having changed nothing: the caller parses the text and runs it the normal
//! way, which reports the error with its position. Errors found while the statement runs
//! (a unique violation, a failed CHECK) carry no position in either path.

use std::sync::atomic::Ordering;

use embeddb_types::SqlResult;

use super::{Executed, KnownPlan, Session, StatementRef, TxnState, now_micros};
use crate::binder::Binder;
use crate::statement::BoundStatement;

impl Session {
    /// Runs `sql` if it is one literal-only INSERT ... VALUES that binds; None when it is not
    /// or does not bind, having changed nothing, so the caller runs it the normal way.
    pub fn execute_literal_insert(&mut self, sql: &str) -> Option<SqlResult<Executed>> {
        let insert = crate::parser_insert::read_literal_insert(sql)?;
        // The steps every statement starts with (`execute_with_cache`, `execute_statement`);
        // each is idempotent, so declining after them changes nothing.
        self.apply_function_settings();
        self.sync_cursor_failure();
        self.cancel.store(false, Ordering::SeqCst);
        // A failed block rejects every statement; the normal path says so.
        if let TxnState::Block { failed: true, .. } = self.state {
            return None;
        }
        // The catalog the statement would bind against: the block's, else the committed one
        // (an autocommit transaction begun now starts from it). `run_statement` binds again
        // if DDL replaces it before the statement's table lock is held.
        let catalog = match &self.state {
            TxnState::Block { txn, .. } => txn.catalog(),
            TxnState::Idle => self.db.store.committed_catalog(),
        };
        let format = self.settings.format_context(now_micros());
        let mut binder = Binder::new(catalog.clone(), sql, &format, &[]);
        let bound =
            BoundStatement::bind_literal_insert(&mut binder, &insert, self.db.store.as_ref())
                .ok()?;
        let result = self.execute_in_transaction(
            StatementRef::LiteralInsert(&insert),
            sql,
            &[],
            Vec::new(),
            KnownPlan::Bound(catalog, std::sync::Arc::new(bound)),
        );
        let result = self.fail_block_on_error(result);
        self.apply_function_settings();
        Some(result)
    }
}
