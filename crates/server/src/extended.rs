//! The extended query protocol: Parse / Bind / Describe / Execute / Close / Sync, handled
//! here rather than by pgwire's defaults because PostgreSQL's clients depend on details those
//! get wrong: parameter types inferred at Parse are kept and used to decode values at Bind
//! and reported in ParameterDescription; Describe of a statement that returns no rows answers
//! NoData (pgwire sends an empty RowDescription, which makes pgjdbc's executeUpdate fail);
//! Execute with a row limit suspends the portal and keeps its result for the next Execute.

use std::fmt::Debug;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use async_trait::async_trait;
use futures::{Sink, SinkExt};
use pgwire::api::portal::Portal as PgPortal;
use pgwire::api::query::ExtendedQueryHandler;
use pgwire::api::results::Response;
use pgwire::api::stmt::NoopQueryParser;
use pgwire::api::store::PortalStore;
use pgwire::api::{ClientInfo, ClientPortalStore, PgWireConnectionState};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::data::{NoData, ParameterDescription};
use pgwire::messages::extendedquery::{
    Bind, BindComplete, Close, CloseComplete, Describe, Execute, Parse, ParseComplete,
    Sync as PgSync, TARGET_TYPE_BYTE_PORTAL, TARGET_TYPE_BYTE_STATEMENT,
};
use pgwire::messages::response::{EmptyQueryResponse, ReadyForQuery};

use embeddb_sql::session::{PendingCommit, QuickRun};
use embeddb_sql::{Executed, Session, TransactionStatus};
use embeddb_types::{DataType, FormatContext, SqlError, SqlResult, SqlState};

use crate::connection::{ConnState, Connection, Portal, PortalState, feed_all};
use crate::copy::{copy_in_response, copy_out};
use crate::encode::{
    FORMAT_TEXT, column_formats, decode_parameters, error_message, pg_error, protocol_violation,
    row_description, wire_status,
};
use crate::implicit::{self, Control};
use crate::results::{
    Pumped, RunningResult, command_complete, finish_command, push_notices, push_parameter_changes,
};
use crate::worker::{Output, run_inline, run_job};

/// Notes a failed message: an implicit block open since the last Sync must roll back.
fn failing<R>(st: &mut ConnState, result: SqlResult<R>) -> SqlResult<R> {
    if result.is_err() {
        st.pipeline_error = true;
    }
    result
}

fn statement_name(name: &Option<String>) -> String {
    name.clone().unwrap_or_default()
}

fn describe_name(kind: &str, name: &str) -> String {
    if name.is_empty() {
        format!("unnamed {kind}")
    } else {
        format!("{kind} \"{name}\"")
    }
}

/// The OID a ParameterDescription reports: a parameter nothing typed is text, as in
/// PostgreSQL.
fn parameter_oid(ty: &DataType) -> u32 {
    match ty {
        DataType::Unknown => DataType::Text.oid(),
        t => t.oid(),
    }
}

fn parse(st: &mut ConnState, message: Parse) -> SqlResult<()> {
    let name = statement_name(&message.name);
    let declared = message
        .type_oids
        .iter()
        .map(|&oid| {
            if oid == 0 {
                return Ok(None);
            }
            DataType::from_oid(oid, -1).map(Some).ok_or_else(|| {
                SqlError::new(
                    SqlState::UNDEFINED_OBJECT,
                    format!("type with OID {oid} does not exist"),
                )
            })
        })
        .collect::<SqlResult<Vec<_>>>()?;
    st.abandon_copy()?;
    if !name.is_empty() && st.statements.contains_key(&name) {
        return Err(SqlError::new(
            SqlState::DUPLICATE_PREPARED_STATEMENT,
            format!("prepared statement \"{name}\" already exists"),
        ));
    }
    let prepared = st.session()?.prepare(&message.query, &declared)?;
    st.statements.insert(name, Arc::new(prepared));
    Ok(())
}

fn bind(st: &mut ConnState, message: Bind) -> SqlResult<()> {
    let portal_name = statement_name(&message.portal_name);
    let statement_name = statement_name(&message.statement_name);
    let statement = st.statements.get(&statement_name).cloned().ok_or_else(|| {
        SqlError::new(
            SqlState::INVALID_SQL_STATEMENT_NAME,
            format!(
                "{} does not exist",
                describe_name("prepared statement", &statement_name)
            ),
        )
    })?;
    let expected = statement.param_types.len();
    if message.parameters.len() != expected {
        return Err(protocol_violation(format!(
            "bind message supplies {} parameters, but {} requires {expected}",
            message.parameters.len(),
            describe_name("prepared statement", &statement_name),
        )));
    }
    let session = st.session()?;
    let ctx = session
        .settings()
        .format_context(FormatContext::system_now_micros());
    let values = decode_parameters(
        &message.parameters,
        &message.parameter_format_codes,
        &statement.param_types,
        &ctx,
    )?;
    let columns = statement.fields.as_ref().map_or(0, Vec::len);
    let formats = column_formats(&message.result_column_format_codes, columns)?;
    if !portal_name.is_empty() && st.portals.contains_key(&portal_name) {
        return Err(SqlError::new(
            SqlState::DUPLICATE_CURSOR,
            format!("cursor \"{portal_name}\" already exists"),
        ));
    }
    st.portals.insert(
        portal_name,
        Portal {
            statement,
            formats,
            state: PortalState::Ready(values),
        },
    );
    Ok(())
}

fn describe(st: &mut ConnState, message: &Describe) -> SqlResult<Vec<PgWireBackendMessage>> {
    let name = statement_name(&message.name);
    match message.target_type {
        TARGET_TYPE_BYTE_STATEMENT => {
            let statement = st.statements.get(&name).ok_or_else(|| {
                SqlError::new(
                    SqlState::INVALID_SQL_STATEMENT_NAME,
                    format!(
                        "{} does not exist",
                        describe_name("prepared statement", &name)
                    ),
                )
            })?;
            let types = statement.param_types.iter().map(parameter_oid).collect();
            let parameters =
                PgWireBackendMessage::ParameterDescription(ParameterDescription::new(types));
            let rows = match &statement.fields {
                // Before Bind the formats are not known: PostgreSQL reports text.
                Some(fields) => PgWireBackendMessage::RowDescription(row_description(
                    fields,
                    &vec![FORMAT_TEXT; fields.len()],
                )),
                None => PgWireBackendMessage::NoData(NoData::new()),
            };
            Ok(vec![parameters, rows])
        }
        TARGET_TYPE_BYTE_PORTAL => {
            let portal = st.portals.get(&name).ok_or_else(|| {
                SqlError::new(
                    SqlState::INVALID_CURSOR_NAME,
                    format!("portal \"{name}\" does not exist"),
                )
            })?;
            Ok(vec![match &portal.statement.fields {
                Some(fields) => {
                    PgWireBackendMessage::RowDescription(row_description(fields, &portal.formats))
                }
                None => PgWireBackendMessage::NoData(NoData::new()),
            }])
        }
        other => Err(protocol_violation(format!(
            "invalid DESCRIBE message subtype {other}"
        ))),
    }
}

/// What an Execute left the connection in.
enum ExecuteEnd {
    Done,
    CopyIn,
}

/// Runs an Execute. `sync_follows`: it is the last of its pipeline, so an implicit block
/// would hold just this statement and autocommit does the same.
fn execute(
    st: &mut ConnState,
    message: Execute,
    sync_follows: bool,
    out: &mut Output,
) -> SqlResult<ExecuteEnd> {
    st.abandon_copy()?;
    let name = statement_name(&message.name);
    let max_rows = usize::try_from(message.max_rows).unwrap_or(0);
    let ConnState {
        session,
        portals,
        implicit_block,
        ..
    } = st;
    let session = session
        .as_mut()
        .ok_or_else(|| SqlError::internal("connection has no session"))?;
    let portal = portals.get_mut(&name).ok_or_else(|| {
        SqlError::new(
            SqlState::INVALID_CURSOR_NAME,
            format!("portal \"{name}\" does not exist"),
        )
    })?;
    let state = std::mem::replace(&mut portal.state, PortalState::Done);
    let outcome = match state {
        PortalState::Done => {
            // Executing a finished portal again returns nothing more, as in PostgreSQL.
            let tag = if portal.statement.fields.is_some() {
                "SELECT 0".to_string()
            } else {
                String::new()
            };
            if tag.is_empty() {
                out.push(PgWireBackendMessage::EmptyQueryResponse(
                    EmptyQueryResponse::new(),
                ));
            } else {
                out.push(command_complete(tag));
            }
            Ok(ExecuteEnd::Done)
        }
        PortalState::Suspended(mut running) => {
            let pumped = running.pump(max_rows, out);
            if let Ok(Pumped::Suspended) = pumped {
                portal.state = PortalState::Suspended(running);
            }
            pumped.map(|_| ExecuteEnd::Done)
        }
        PortalState::Ready(params) => {
            let control = portal.statement.statement.as_ref().map(implicit::control);
            match control {
                Some(Control::Begin) if *implicit_block => {
                    // The pipeline's implicit block becomes the client's explicit one, as in
                    // PostgreSQL.
                    *implicit_block = false;
                    out.push(command_complete("BEGIN".to_string()));
                    return Ok(ExecuteEnd::Done);
                }
                Some(Control::End) => *implicit_block = false,
                Some(Control::Other | Control::CopyIn)
                    if !sync_follows && session.transaction_status() == TransactionStatus::Idle =>
                {
                    implicit::begin(session)?;
                    *implicit_block = true;
                }
                _ => {}
            }
            let executed = session.execute_prepared(&portal.statement, params);
            send_executed(session, portal, executed, max_rows, out)
        }
    };
    push_notices(session, out);
    push_parameter_changes(session, out);
    outcome
}

/// Sends what executing a portal's statement produced: its rows (up to `max_rows`, 0: all,
/// keeping the rest in the portal) and completion, or the start of a COPY.
fn send_executed(
    session: &mut Session,
    portal: &mut Portal,
    executed: SqlResult<Executed>,
    max_rows: usize,
    out: &mut Output,
) -> SqlResult<ExecuteEnd> {
    push_notices(session, out);
    let ctx = session
        .settings()
        .format_context(FormatContext::system_now_micros());
    match executed {
        Err(e) => Err(e),
        Ok(Executed::Empty) => {
            out.push(PgWireBackendMessage::EmptyQueryResponse(
                EmptyQueryResponse::new(),
            ));
            Ok(ExecuteEnd::Done)
        }
        Ok(Executed::Result(result)) => {
            if result.fields.is_some() {
                let mut running = RunningResult::new(result, portal.formats.clone(), ctx);
                let pumped = running.pump(max_rows, out);
                if let Ok(Pumped::Suspended) = pumped {
                    portal.state = PortalState::Suspended(Box::new(running));
                }
                pumped.map(|_| ExecuteEnd::Done)
            } else {
                finish_command(result).map(|tag| {
                    out.push(command_complete(tag));
                    ExecuteEnd::Done
                })
            }
        }
        Ok(Executed::CopyOut {
            format,
            result,
            types,
        }) => copy_out(&format, result, &types, &ctx, out).map(|_| ExecuteEnd::Done),
        Ok(Executed::CopyIn { columns, .. }) => {
            out.push(copy_in_response(columns));
            Ok(ExecuteEnd::CopyIn)
        }
    }
}

/// An Execute the quick path ran: what to send, then the error to report if it failed.
struct QuickExecuted {
    messages: Vec<PgWireBackendMessage>,
    status: TransactionStatus,
    sent: SqlResult<()>,
}

/// What the quick path did with an Execute.
enum Quick {
    /// Ran it: send this.
    Executed(QuickExecuted),
    /// Ran an autocommit INSERT whose commit is to be awaited, then reported with
    /// [`report_quick`].
    Committing(PendingCommit),
}

/// Runs an Execute on the calling (async) thread if the session's quick path takes it (see
/// `embeddb_sql::session::quick`), or None to run it on the blocking pool as usual. Only a
/// portal's first Execute of a plain statement qualifies, and only when no implicit block has
/// to be opened for it.
fn execute_quick(
    st: &mut ConnState,
    message: &Execute,
    sync_follows: bool,
) -> SqlResult<Option<Quick>> {
    let name = message.name.as_deref().unwrap_or_default();
    let ConnState {
        session, portals, ..
    } = st;
    let Some(session) = session.as_mut() else {
        return Ok(None);
    };
    if session.copy_in_progress()
        || (!sync_follows && session.transaction_status() == TransactionStatus::Idle)
    {
        return Ok(None);
    }
    let Some(portal) = portals.get_mut(name) else {
        return Ok(None);
    };
    let control = portal.statement.statement.as_ref().map(implicit::control);
    if control != Some(Control::Other) || !matches!(portal.state, PortalState::Ready(_)) {
        return Ok(None);
    }
    let PortalState::Ready(params) = std::mem::replace(&mut portal.state, PortalState::Done) else {
        return Ok(None);
    };
    let executed = match session.execute_prepared_quick(&portal.statement, params) {
        QuickRun::Done(executed) => executed,
        QuickRun::Commit(pending) => return Ok(Some(Quick::Committing(pending))),
        QuickRun::Declined(params) => {
            portal.state = PortalState::Ready(params);
            return Ok(None);
        }
    };
    report_quick(st, message, executed).map(|executed| Some(Quick::Executed(executed)))
}

/// The messages for an Execute the quick path ran.
fn report_quick(
    st: &mut ConnState,
    message: &Execute,
    executed: SqlResult<Executed>,
) -> SqlResult<QuickExecuted> {
    let name = message.name.as_deref().unwrap_or_default();
    let ConnState {
        session, portals, ..
    } = st;
    let (Some(session), Some(portal)) = (session.as_mut(), portals.get_mut(name)) else {
        return Err(SqlError::internal(
            "the quick path lost its session or portal",
        ));
    };
    let max_rows = usize::try_from(message.max_rows).unwrap_or(0);
    // A quick statement returns a few rows at most, so collecting them is bounded.
    let mut out = Output::collecting();
    let sent = send_executed(session, portal, executed, max_rows, &mut out);
    push_notices(session, &mut out);
    push_parameter_changes(session, &mut out);
    let status = session.transaction_status();
    let sent = failing(st, sent).map(|_| ());
    Ok(QuickExecuted {
        messages: out.into_collected(),
        status,
        sent,
    })
}

#[async_trait]
impl ExtendedQueryHandler for Connection {
    type Statement = String;
    type QueryParser = NoopQueryParser;

    fn query_parser(&self) -> Arc<Self::QueryParser> {
        Arc::new(NoopQueryParser)
    }

    async fn on_parse<C>(&self, client: &mut C, message: Parse) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        // Binding reads the catalog, which may wait on the storage engine: blocking pool.
        run_job(&self.state, client, move |st, _out| {
            let parsed = parse(st, message);
            failing(st, parsed)
        })
        .await?
        .map_err(|e| pg_error(&e))?;
        client
            .feed(PgWireBackendMessage::ParseComplete(ParseComplete::new()))
            .await?;
        Ok(())
    }

    async fn on_bind<C>(&self, client: &mut C, message: Bind) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        run_inline(&self.state, |st| {
            let bound = bind(st, message);
            failing(st, bound)
        })
        .map_err(|e| pg_error(&e))?;
        client
            .feed(PgWireBackendMessage::BindComplete(BindComplete::new()))
            .await?;
        Ok(())
    }

    async fn on_describe<C>(&self, client: &mut C, message: Describe) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let messages = run_inline(&self.state, |st| {
            let described = describe(st, &message);
            failing(st, described)
        })
        .map_err(|e| pg_error(&e))?;
        feed_all(client, messages).await
    }

    async fn on_execute<C>(&self, client: &mut C, message: Execute) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let sync_follows = self.sync_follows.load(Ordering::Relaxed);
        let quick = run_inline(&self.state, |st| execute_quick(st, &message, sync_follows))
            .map_err(|e| pg_error(&e))?;
        let quick = match quick {
            // The commit is awaited holding nothing: the connection sends no other message
            // meanwhile, so the session stays as the quick path left it.
            Some(Quick::Committing(pending)) => {
                let executed = pending.commit().await;
                Some(
                    run_inline(&self.state, |st| report_quick(st, &message, executed))
                        .map_err(|e| pg_error(&e))?,
                )
            }
            Some(Quick::Executed(quick)) => Some(quick),
            None => None,
        };
        if let Some(quick) = quick {
            feed_all(client, quick.messages).await?;
            client.set_transaction_status(wire_status(quick.status));
            return quick.sent.map_err(|e| pg_error(&e));
        }
        let outcome = run_job(&self.state, client, move |st, out| {
            let executed = execute(st, message, sync_follows, out);
            let executed = failing(st, executed);
            Ok((executed, st.session()?.transaction_status()))
        })
        .await?
        .map_err(|e| pg_error(&e))?;
        let (executed, status) = outcome;
        client.set_transaction_status(wire_status(status));
        match executed {
            Ok(ExecuteEnd::Done) => Ok(()),
            Ok(ExecuteEnd::CopyIn) => {
                client.set_state(PgWireConnectionState::CopyInProgress(true));
                client.flush().await?;
                Ok(())
            }
            Err(e) => Err(pg_error(&e)),
        }
    }

    async fn on_sync<C>(&self, client: &mut C, _message: PgSync) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let implicit_block =
            run_inline(&self.state, |st| Ok(st.implicit_block)).map_err(|e| pg_error(&e))?;
        let end_block = |st: &mut ConnState, out: &mut Option<&mut Output>| {
            let failed = std::mem::take(&mut st.pipeline_error);
            let ended = if std::mem::take(&mut st.implicit_block) {
                implicit::end(st.session()?, failed)
            } else {
                Ok(())
            };
            if let (Err(e), Some(out)) = (ended, out) {
                out.push(error_message(&e));
            }
            let status = st.session()?.transaction_status();
            if status == TransactionStatus::Idle {
                // Portals live until their transaction ends.
                st.portals.clear();
            }
            Ok(status)
        };
        let status = if implicit_block {
            // COMMIT writes to disk: blocking pool.
            run_job(&self.state, client, move |st, out| {
                end_block(st, &mut Some(out))
            })
            .await?
            .map_err(|e| pg_error(&e))?
        } else {
            run_inline(&self.state, |st| end_block(st, &mut None)).map_err(|e| pg_error(&e))?
        };
        let status = wire_status(status);
        client.set_transaction_status(status);
        client
            .send(PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(
                status,
            )))
            .await?;
        Ok(())
    }

    async fn on_close<C>(&self, client: &mut C, message: Close) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let name = statement_name(&message.name);
        run_inline(&self.state, |st| {
            match message.target_type {
                TARGET_TYPE_BYTE_STATEMENT => {
                    st.statements.remove(&name);
                }
                TARGET_TYPE_BYTE_PORTAL => {
                    st.portals.remove(&name);
                }
                other => {
                    return Err(protocol_violation(format!(
                        "invalid CLOSE message subtype {other}"
                    )));
                }
            }
            Ok(())
        })
        .map_err(|e| pg_error(&e))?;
        client
            .feed(PgWireBackendMessage::CloseComplete(CloseComplete::new()))
            .await?;
        Ok(())
    }

    async fn do_query<C>(
        &self,
        _client: &mut C,
        _portal: &PgPortal<Self::Statement>,
        _max_rows: usize,
    ) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Self::Statement>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        // `on_execute` above handles every Execute itself.
        Err(pg_error(&SqlError::internal("unexpected call to do_query")))
    }
}
