//! COPY over the wire. `COPY ... FROM STDIN`: CopyData is buffered and handed to the
//! session in large slices (one blocking-pool hop per [`COPY_FLUSH_BYTES`], not per message),
//! and the session parses rows as the data arrives. `COPY ... TO STDOUT`: one CopyData per
//! row, encoded by the SQL layer's COPY encoder straight from the executor's chunks.

use std::fmt::Debug;

use async_trait::async_trait;
use bytes::Bytes;
use futures::Sink;
use pgwire::api::copy::CopyHandler;
use pgwire::api::{ClientInfo, PgWireConnectionState};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::copy::{CopyData, CopyDone, CopyFail, CopyInResponse, CopyOutResponse};

use embeddb_sql::copy::encode_row;
use embeddb_sql::{CopyFormat, QueryResult};
use embeddb_types::{DataType, FormatContext, SqlResult, Value};

use crate::connection::Connection;
use crate::encode::{error_message, pg_error, wire_status};
use crate::results::{command_complete, push_notices, push_parameter_changes};
use crate::worker::{Output, run_inline, run_job};

/// COPY FROM data is passed to the session once this much has arrived (and at CopyDone).
/// Big enough that the per-hop cost vanishes, small enough to bound the buffer per
/// connection.
const COPY_FLUSH_BYTES: usize = 1 << 20;

pub fn copy_in_response(columns: usize) -> PgWireBackendMessage {
    PgWireBackendMessage::CopyInResponse(CopyInResponse::new(0, columns as i16, vec![0; columns]))
}

/// Streams a `COPY ... TO STDOUT`: CopyOutResponse, CopyData per row, CopyDone and the tag.
/// An error part-way is returned for the caller to send (PostgreSQL ends the copy with the
/// ErrorResponse itself, without CopyDone).
pub fn copy_out(
    format: &CopyFormat,
    mut result: QueryResult,
    types: &[DataType],
    ctx: &FormatContext,
    out: &mut Output,
) -> SqlResult<()> {
    let columns = types.len();
    out.push(PgWireBackendMessage::CopyOutResponse(CopyOutResponse::new(
        0,
        columns as i16,
        vec![0; columns],
    )));
    if format.header {
        let names: Vec<Value> = result
            .fields
            .iter()
            .flatten()
            .map(|f| Value::Text(f.name.clone()))
            .collect();
        let text_types = vec![DataType::Text; names.len()];
        let line = encode_row(&names, &text_types, format, ctx);
        out.push(copy_data(line));
    }
    while let Some(chunk) = result.next_chunk()? {
        if out.is_closed() {
            break;
        }
        for row in chunk {
            let line = encode_row(&row, types, format, ctx);
            let size = line.len() + 5;
            out.push_sized(copy_data(line), size);
        }
    }
    out.push(PgWireBackendMessage::CopyDone(CopyDone::new()));
    out.push(command_complete(result.tag()));
    Ok(())
}

fn copy_data(line: String) -> PgWireBackendMessage {
    PgWireBackendMessage::CopyData(CopyData::new(Bytes::from(line)))
}

#[async_trait]
impl CopyHandler for Connection {
    async fn on_copy_data<C>(&self, client: &mut C, data: CopyData) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let full = run_inline(&self.state, |st| {
            st.copy_buffer.extend_from_slice(&data.data);
            Ok(st.copy_buffer.len() >= COPY_FLUSH_BYTES)
        })
        .map_err(|e| pg_error(&e))?;
        if full {
            // Errors in the data are kept by the session and reported at CopyDone, so the
            // client can finish sending (PostgreSQL reports them at once, which clients
            // handle the same way: the copy fails).
            run_job(&self.state, client, |st, _out| {
                let mut buffer = std::mem::take(&mut st.copy_buffer);
                st.session()?.copy_data(&buffer);
                buffer.clear();
                st.copy_buffer = buffer;
                Ok(())
            })
            .await?
            .map_err(|e| pg_error(&e))?;
        }
        Ok(())
    }

    async fn on_copy_done<C>(&self, client: &mut C, _done: CopyDone) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let extended = matches!(client.state(), PgWireConnectionState::CopyInProgress(true));
        let status = run_job(&self.state, client, move |st, out| {
            let buffer = std::mem::take(&mut st.copy_buffer);
            let session = st.session()?;
            if !buffer.is_empty() {
                session.copy_data(&buffer);
            }
            let done = session.copy_done();
            push_notices(session, out);
            let ok = match done {
                Ok(result) => {
                    out.push(command_complete(result.tag()));
                    true
                }
                Err(e) => {
                    out.push(error_message(&e));
                    false
                }
            };
            push_parameter_changes(session, out);
            // The rest of a simple query string runs now; after an error it is skipped.
            let pending = st.pending_batch.take();
            if let (Some(batch), true, false) = (pending, ok, extended) {
                crate::simple::run_statements(st, batch.sql, batch.rest, false, out)?;
            }
            Ok(st.session()?.transaction_status())
        })
        .await?
        .map_err(|e| pg_error(&e))?;
        // pgwire sends ReadyForQuery (simple protocol) with this status.
        client.set_transaction_status(wire_status(status));
        Ok(())
    }

    async fn on_copy_fail<C>(&self, client: &mut C, fail: CopyFail) -> PgWireError
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let failed = run_inline(&self.state, |st| {
            st.copy_buffer.clear();
            st.pending_batch = None;
            let session = st.session()?;
            let error = session.copy_fail(&fail.message);
            Ok((error, session.transaction_status()))
        });
        match failed {
            Ok((error, status)) => {
                client.set_transaction_status(wire_status(status));
                pg_error(&error)
            }
            Err(e) => pg_error(&e),
        }
    }
}
