//! Streaming a statement's result to the client: DataRows pulled chunk by chunk from the
//! executor and encoded in each column's format, then CommandComplete — or, when an Execute
//! asked for a limited number of rows, PortalSuspended with the rest kept for the next one.
//! Also the session's side messages (notices, ParameterStatus after SET).

use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::extendedquery::PortalSuspended;
use pgwire::messages::response::CommandComplete;
use pgwire::messages::startup::ParameterStatus;

use embeddb_sql::{QueryResult, Session};
use embeddb_types::{DataType, FormatContext, Row, SqlError, SqlResult};

use crate::encode::{data_row, notice_message};
use crate::worker::Output;

/// A result being sent, possibly across several Executes.
pub struct RunningResult {
    result: QueryResult,
    types: Vec<DataType>,
    formats: Vec<i16>,
    ctx: FormatContext,
    /// Rows of the current chunk not yet sent.
    current: std::vec::IntoIter<Row>,
    /// Set once an Execute stopped at its row limit: the final tag then counts only the rows
    /// of the last Execute, as PostgreSQL's does.
    suspended_before: bool,
}

/// How a call to [`RunningResult::pump`] ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Pumped {
    Complete,
    Suspended,
}

impl RunningResult {
    pub fn new(result: QueryResult, formats: Vec<i16>, ctx: FormatContext) -> Self {
        let types = result
            .fields
            .as_ref()
            .map(|f| f.iter().map(|f| f.ty.clone()).collect())
            .unwrap_or_default();
        RunningResult {
            result,
            types,
            formats,
            ctx,
            current: Vec::new().into_iter(),
            suspended_before: false,
        }
    }

    /// Sends up to `max_rows` rows (0: all), then CommandComplete or PortalSuspended.
    pub fn pump(&mut self, max_rows: usize, out: &mut Output) -> SqlResult<Pumped> {
        let mut sent = 0usize;
        let mut scratch = Vec::new();
        loop {
            if max_rows > 0 && sent >= max_rows {
                // Like PostgreSQL, a portal that reached the limit is suspended even if no
                // rows remain; the next Execute then completes it with none.
                out.push(PgWireBackendMessage::PortalSuspended(PortalSuspended::new()));
                out.flush();
                self.suspended_before = true;
                return Ok(Pumped::Suspended);
            }
            let row = match self.current.next() {
                Some(row) => row,
                None => match self.result.next_chunk()? {
                    Some(chunk) => {
                        self.current = chunk.into_iter();
                        continue;
                    }
                    None => break,
                },
            };
            if out.is_closed() {
                return Err(SqlError::new(
                    embeddb_types::SqlState::CONNECTION_EXCEPTION,
                    "client connection closed",
                ));
            }
            let encoded = data_row(&row, &self.types, &self.formats, &self.ctx, &mut scratch)?;
            let size = encoded.data.len() + 7;
            out.push_sized(PgWireBackendMessage::DataRow(encoded), size);
            sent += 1;
        }
        let tag = self.result.tag();
        let tag = if self.suspended_before && tag.starts_with("SELECT ") {
            format!("SELECT {sent}")
        } else {
            tag
        };
        out.push(command_complete(tag));
        Ok(Pumped::Complete)
    }
}

pub fn command_complete(tag: String) -> PgWireBackendMessage {
    PgWireBackendMessage::CommandComplete(CommandComplete::new(tag))
}

/// Sends the session's pending notices.
pub fn push_notices(session: &mut Session, out: &mut Output) {
    for notice in session.take_notices() {
        out.push(notice_message(&notice));
    }
}

/// Sends ParameterStatus for reported settings that changed (SET, RESET, SET LOCAL's end).
pub fn push_parameter_changes(session: &mut Session, out: &mut Output) {
    for (name, value) in session.take_parameter_changes() {
        out.push(PgWireBackendMessage::ParameterStatus(ParameterStatus::new(
            name, value,
        )));
    }
}

/// A QueryResult with no rows to send (a command): drains it for its tag.
pub fn finish_command(mut result: QueryResult) -> SqlResult<String> {
    while result.next_chunk()?.is_some() {}
    Ok(result.tag())
}
