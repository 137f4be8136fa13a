//! PostgreSQL's implicit transaction blocks. Outside BEGIN ... COMMIT, the statements of one
//! simple Query message, and the Executes of an extended-protocol pipeline up to Sync, run
//! as one transaction: it commits at the end, and an error undoes all of them. The session
//! autocommits each statement, so the wire layer opens and ends these blocks itself with
//! transaction-control statements the client never sees.

use sqlparser::ast::Statement;

use embeddb_sql::{Session, TransactionStatus};
use embeddb_types::SqlResult;

/// Runs a transaction-control statement the client did not send: its tag and notices are
/// not the client's business.
fn quietly(session: &mut Session, sql: &str) -> SqlResult<()> {
    let statements = session.parse_batch(sql)?;
    for statement in &statements {
        session.execute(statement, sql, &[], Vec::new())?;
    }
    session.take_notices();
    Ok(())
}

pub fn begin(session: &mut Session) -> SqlResult<()> {
    quietly(session, "BEGIN")
}

/// Ends an implicit block: COMMIT, or ROLLBACK if a statement in it failed (or `failed`: a
/// protocol message did). An error is the COMMIT's own (the client must hear that its
/// statements did not commit).
pub fn end(session: &mut Session, failed: bool) -> SqlResult<()> {
    match session.transaction_status() {
        TransactionStatus::Idle => Ok(()),
        TransactionStatus::Failed => quietly(session, "ROLLBACK"),
        TransactionStatus::InBlock if failed => quietly(session, "ROLLBACK"),
        TransactionStatus::InBlock => quietly(session, "COMMIT"),
    }
}

/// How a statement relates to transaction blocks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    /// BEGIN / START TRANSACTION: turns an implicit block into an explicit one.
    Begin,
    /// COMMIT / ROLLBACK (and savepoint commands): the client manages the block itself.
    End,
    /// COPY FROM STDIN: its data arrives in later messages.
    CopyIn,
    Other,
}

pub fn control(statement: &Statement) -> Control {
    match statement {
        Statement::StartTransaction { .. } => Control::Begin,
        Statement::Commit { .. }
        | Statement::Rollback { .. }
        | Statement::Savepoint { .. }
        | Statement::ReleaseSavepoint { .. } => Control::End,
        Statement::Copy { to: false, .. } => Control::CopyIn,
        _ => Control::Other,
    }
}
