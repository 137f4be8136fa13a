//! The simple query protocol. A Query message may hold several statements: all are parsed
//! first (a syntax error anywhere runs none), then they run in order and the first error
//! stops the rest — pgwire's default handler would carry on. As in PostgreSQL, several
//! statements outside a transaction block form one implicit transaction, so an error also
//! undoes the statements before it.

use std::collections::VecDeque;
use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use futures::{Sink, SinkExt};
use pgwire::api::query::SimpleQueryHandler;
use pgwire::api::results::Response;
use pgwire::api::store::PortalStore;
use pgwire::api::{ClientInfo, ClientPortalStore, PgWireConnectionState};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::response::{EmptyQueryResponse, ReadyForQuery};
use pgwire::messages::simplequery::Query;
use sqlparser::ast::Statement;

use embeddb_sql::{Executed, QueryResult, TransactionStatus};
use embeddb_types::{FormatContext, SqlError, SqlResult, SqlState};

use crate::connection::{ConnState, Connection, PendingBatch};
use crate::copy::{copy_in_response, copy_out};
use crate::encode::{FORMAT_TEXT, error_message, row_description, wire_status};
use crate::implicit;
use crate::results::{RunningResult, push_notices, push_parameter_changes};
use crate::worker::{Output, run_job};

/// Runs one Query message's text; true if it left the connection in COPY FROM STDIN.
fn run_query(st: &mut ConnState, sql: String, out: &mut Output) -> SqlResult<bool> {
    st.abandon_copy()?;
    let session = st.session()?;
    // A literal-only INSERT (a bulk load's statement) skips the parser's tree; it declines
    // anything else, and anything that would fail to bind, before changing anything.
    if let Some(executed) = session.execute_literal_insert(&sql) {
        if let Reported::CopyIn { .. } = report(st, executed, out)? {
            return Err(SqlError::internal("an INSERT started COPY FROM STDIN"));
        }
        return Ok(false);
    }
    let statements = match session.parse_batch(&sql) {
        Ok(s) => s,
        Err(e) => {
            out.push(error_message(&e));
            return Ok(false);
        }
    };
    if statements.is_empty() {
        out.push(PgWireBackendMessage::EmptyQueryResponse(
            EmptyQueryResponse::new(),
        ));
        return Ok(false);
    }
    let implicit = statements.len() > 1
        && session.transaction_status() == TransactionStatus::Idle
        && statements
            .iter()
            .all(|s| implicit::control(s) == implicit::Control::Other);
    if implicit {
        implicit::begin(session)?;
    }
    let sql: Arc<str> = sql.into();
    let copy_in = run_statements(st, sql, statements.into(), true, out)?;
    if implicit && let Err(e) = implicit::end(st.session()?, false) {
        out.push(error_message(&e));
    }
    Ok(copy_in)
}

/// Runs statements in order until one fails. Stops early, keeping the rest in
/// `pending_batch`, when one starts a COPY FROM STDIN (if `allow_copy_in`; otherwise that
/// COPY fails, since a COPY sub-protocol cannot start from the end of another).
pub fn run_statements(
    st: &mut ConnState,
    sql: Arc<str>,
    mut rest: VecDeque<Statement>,
    allow_copy_in: bool,
    out: &mut Output,
) -> SqlResult<bool> {
    while let Some(statement) = rest.pop_front() {
        if out.is_closed() {
            break;
        }
        let executed = st.session()?.execute(&statement, &sql, &[], Vec::new());
        let ok = match report(st, executed, out)? {
            Reported::Done => true,
            Reported::Failed => false,
            Reported::CopyIn { columns } => {
                if allow_copy_in {
                    out.push(copy_in_response(columns));
                    st.pending_batch = Some(PendingBatch { sql, rest });
                    return Ok(true);
                }
                let session = st.session()?;
                session.copy_fail("second COPY FROM STDIN in one query string");
                let e = SqlError::not_supported(
                    "a second COPY FROM STDIN in one query string is not supported",
                );
                out.push(error_message(&e));
                push_notices(session, out);
                push_parameter_changes(session, out);
                false
            }
        };
        if !ok {
            break;
        }
    }
    Ok(false)
}

/// How a statement's messages ended.
enum Reported {
    Done,
    Failed,
    /// It started COPY FROM STDIN: the caller sends CopyInResponse, or refuses it.
    CopyIn {
        columns: usize,
    },
}

/// Sends what one statement produced: the notices it raised, its result or error, then the
/// notices and parameter changes it left. For a COPY FROM STDIN only the first notices are
/// sent; the rest is the caller's.
fn report(
    st: &mut ConnState,
    executed: SqlResult<Executed>,
    out: &mut Output,
) -> SqlResult<Reported> {
    let session = st.session()?;
    push_notices(session, out);
    let ctx = session
        .settings()
        .format_context(FormatContext::system_now_micros());
    let ok = match executed {
        Err(e) => {
            out.push(error_message(&e));
            false
        }
        Ok(Executed::Empty) => {
            out.push(PgWireBackendMessage::EmptyQueryResponse(
                EmptyQueryResponse::new(),
            ));
            true
        }
        Ok(Executed::Result(result)) => send_result(result, ctx, out),
        Ok(Executed::CopyOut {
            format,
            result,
            types,
        }) => match copy_out(&format, result, &types, &ctx, out) {
            Ok(()) => true,
            Err(e) => {
                out.push(error_message(&e));
                false
            }
        },
        Ok(Executed::CopyIn { columns, .. }) => return Ok(Reported::CopyIn { columns }),
    };
    let session = st.session()?;
    push_notices(session, out);
    push_parameter_changes(session, out);
    Ok(if ok { Reported::Done } else { Reported::Failed })
}

/// RowDescription (text formats), the rows, CommandComplete; false after an error.
fn send_result(result: QueryResult, ctx: FormatContext, out: &mut Output) -> bool {
    if let Some(fields) = &result.fields {
        let formats = vec![FORMAT_TEXT; fields.len()];
        out.push(PgWireBackendMessage::RowDescription(row_description(
            fields, &formats,
        )));
        let mut running = RunningResult::new(result, formats, ctx);
        match running.pump(0, out) {
            Ok(_) => true,
            Err(e) => {
                out.push(error_message(&e));
                false
            }
        }
    } else {
        match crate::results::finish_command(result) {
            Ok(tag) => {
                out.push(crate::results::command_complete(tag));
                true
            }
            Err(e) => {
                out.push(error_message(&e));
                false
            }
        }
    }
}

#[async_trait]
impl SimpleQueryHandler for Connection {
    async fn on_query<C>(&self, client: &mut C, query: Query) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let sql = query.query;
        let outcome = run_job(&self.state, client, move |st, out| {
            let copy_in = run_query(st, sql, out)?;
            Ok((copy_in, st.session()?.transaction_status()))
        })
        .await?;
        match outcome {
            Ok((true, status)) => {
                client.set_transaction_status(wire_status(status));
                client.set_state(PgWireConnectionState::CopyInProgress(false));
                client.flush().await?;
            }
            Ok((false, status)) => {
                let status = wire_status(status);
                client.set_transaction_status(status);
                client.set_state(PgWireConnectionState::ReadyForQuery);
                client
                    .send(PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(
                        status,
                    )))
                    .await?;
            }
            Err(e) => {
                client.feed(error_message(&e)).await?;
                let status = client.transaction_status();
                client.set_state(PgWireConnectionState::ReadyForQuery);
                client
                    .send(PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(
                        status,
                    )))
                    .await?;
            }
        }
        Ok(())
    }

    async fn do_query<C>(&self, _client: &mut C, _query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        // `on_query` above handles every Query itself.
        Err(crate::encode::pg_error(&SqlError::new(
            SqlState::INTERNAL_ERROR,
            "unexpected call to do_query",
        )))
    }
}
