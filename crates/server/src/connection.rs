//! One client connection: its state (session, prepared statements, portals, COPY buffer) and
//! the message loop that drives pgwire's handlers. The loop is ours rather than pgwire's
//! `process_socket` so that a malformed message gets a FATAL 08P01 ErrorResponse (pgwire
//! silently drops the connection), a panic anywhere ends only this connection with an
//! error, and shutdown can close idle connections with 57P01.

use std::collections::{HashMap, VecDeque};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::{FutureExt, SinkExt, StreamExt};
use pgwire::api::{ClientInfo, PgWireConnectionState};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use pgwire::tokio::server::{negotiate_tls, process_error, process_message};
use sqlparser::ast::Statement;
use tokio::net::TcpStream;

use embeddb_sql::{Database, Prepared, Session};
use embeddb_types::{Severity, SqlError, SqlResult, SqlState};

use crate::cancel::CancelRegistry;
use crate::codec::ReadCodec;
use crate::encode::error_message;
use crate::results::RunningResult;
use crate::shutdown::{Phase, Shutdown};

/// How long a new connection may take to finish startup (as pgwire's own loop allows).
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// What every connection shares.
pub struct Shared {
    pub db: Arc<Database>,
    pub cancels: CancelRegistry,
    pub shutdown: Shutdown,
}

/// A bound portal: a prepared statement with parameter values and result formats.
pub struct Portal {
    pub statement: Arc<Prepared>,
    pub formats: Vec<i16>,
    pub state: PortalState,
}

pub enum PortalState {
    /// Bound, not yet executed; holds the parameter values.
    Ready(Vec<embeddb_types::Value>),
    /// Executed with rows left to fetch (Execute with a row limit).
    Suspended(Box<RunningResult>),
    /// Ran to completion.
    Done,
}

/// Statements of a simple query string that follow a `COPY ... FROM STDIN`; they run once the
/// copy data has arrived.
pub struct PendingBatch {
    pub sql: Arc<str>,
    pub rest: VecDeque<Statement>,
}

/// A connection's mutable state. Only one message is processed at a time, so the lock is
/// never contended: it exists to move the state onto the blocking thread that runs a
/// statement and back.
#[derive(Default)]
pub struct ConnState {
    pub session: Option<Session>,
    pub statements: HashMap<String, Arc<Prepared>>,
    pub portals: HashMap<String, Portal>,
    pub pending_batch: Option<PendingBatch>,
    /// COPY FROM data received but not yet handed to the session (see `copy.rs`).
    pub copy_buffer: Vec<u8>,
    /// An extended-protocol implicit transaction is open, to end at Sync (`implicit.rs`).
    pub implicit_block: bool,
    /// A message since the last Sync failed: the implicit block must roll back.
    pub pipeline_error: bool,
}

impl ConnState {
    pub fn session(&mut self) -> SqlResult<&mut Session> {
        self.session
            .as_mut()
            .ok_or_else(|| SqlError::internal("connection has no session"))
    }

    /// Ends a COPY FROM STDIN the client walked away from by sending another command
    /// (pgwire already answered that message with 08P01, as PostgreSQL does).
    pub fn abandon_copy(&mut self) -> SqlResult<()> {
        let session = self.session()?;
        if session.copy_in_progress() {
            session.copy_fail("unexpected message during COPY");
            self.copy_buffer.clear();
            self.pending_batch = None;
        }
        Ok(())
    }
}

/// pgwire's handlers for one connection (startup, simple and extended query, COPY, cancel).
pub struct Connection {
    pub shared: Arc<Shared>,
    pub state: Arc<Mutex<ConnState>>,
    /// A FATAL error to answer the startup message with instead of serving (too many
    /// connections, shutting down).
    pub reject: Option<SqlError>,
    /// The backend pid registered for cancel requests, once startup finished.
    pub pid: Mutex<Option<i32>>,
    /// The Execute being handled is followed by a Sync already received (see `serve`).
    pub sync_follows: AtomicBool,
}

impl Connection {
    pub fn new(shared: Arc<Shared>, reject: Option<SqlError>) -> Self {
        Connection {
            shared,
            state: Arc::new(Mutex::new(ConnState::default())),
            reject,
            pid: Mutex::new(None),
            sync_follows: AtomicBool::new(false),
        }
    }

    /// Ends the session (rolling back an open transaction) and forgets the cancel key.
    async fn close(&self) {
        if let Some(pid) = self.pid.lock().ok().and_then(|mut p| p.take()) {
            self.shared.cancels.unregister(pid);
        }
        let state = self.state.clone();
        // The session may be finishing a statement on the blocking pool; wait for it there.
        let ended = tokio::task::spawn_blocking(move || {
            let mut guard = crate::worker::lock_state(&state);
            if let Some(mut session) = guard.session.take() {
                session.terminate();
            }
            guard.portals.clear();
        })
        .await;
        if let Err(e) = ended {
            tracing::error!("ending session failed: {e}");
        }
    }
}

fn fatal(code: SqlState, message: impl Into<String>) -> SqlError {
    SqlError {
        severity: Severity::Fatal,
        ..SqlError::new(code, message)
    }
}

/// Serves one accepted socket until the client leaves, the server shuts down, or a FATAL
/// error ends it.
pub async fn serve(tcp: TcpStream, conn: Arc<Connection>) {
    let shutdown = conn.shared.shutdown.clone();
    let negotiated = tokio::select! {
        _ = tokio::time::sleep(STARTUP_TIMEOUT) => return,
        _ = shutdown.reached(Phase::Forced) => return,
        s = negotiate_tls::<String>(tcp, None) => s,
    };
    let mut socket = match negotiated {
        Ok(Some(socket)) => socket,
        Ok(None) => return, // direct TLS without a TLS acceptor: not a client we can serve
        Err(e) => {
            tracing::debug!("connection closed during negotiation: {e}");
            return;
        }
    };
    let startup_deadline = tokio::time::Instant::now() + STARTUP_TIMEOUT;
    loop {
        let starting = matches!(
            socket.state(),
            PgWireConnectionState::AwaitingStartup
                | PgWireConnectionState::AuthenticationInProgress
        );
        // Read with the Query fast path (`codec.rs`); the buffers move along, unchanged.
        let mut reading = socket.map_codec(|inner| ReadCodec::new(inner, !starting));
        let next = tokio::select! {
            m = AssertUnwindSafe(reading.next()).catch_unwind() => Some(m),
            _ = tokio::time::sleep_until(startup_deadline), if starting => None,
            _ = shutdown.reached(Phase::Draining), if !starting => None,
        };
        socket = reading.map_codec(ReadCodec::into_inner);
        let Some(next) = next else {
            if !starting {
                let e = fatal(
                    SqlState::ADMIN_SHUTDOWN,
                    "terminating connection due to administrator command",
                );
                let _ = socket.send(error_message(&e)).await;
            }
            break;
        };
        let message = match next {
            Ok(Some(Ok(message))) => message,
            Ok(None) => break,
            Ok(Some(Err(PgWireError::IoError(e)))) => {
                tracing::debug!("connection read failed: {e}");
                break;
            }
            Ok(Some(Err(e))) => {
                // The stream's framing can no longer be trusted: report and hang up, as
                // PostgreSQL does for an invalid frontend message.
                let e = fatal(
                    SqlState::PROTOCOL_VIOLATION,
                    format!("invalid frontend message: {e}"),
                );
                let _ = socket.send(error_message(&e)).await;
                break;
            }
            Err(_) => {
                let e = fatal(SqlState::PROTOCOL_VIOLATION, "invalid frontend message");
                let _ = socket.send(error_message(&e)).await;
                break;
            }
        };
        if matches!(message, PgWireFrontendMessage::Terminate(_)) {
            break;
        }
        if matches!(message, PgWireFrontendMessage::Execute(_)) {
            // An Execute directly followed by Sync is a pipeline of one statement, for which
            // autocommit is the same as PostgreSQL's implicit block and needs no second trip
            // to the blocking pool at Sync. Clients write Execute and Sync together, so the
            // Sync is usually in the read buffer already; if not, the block is used.
            let sync_follows = socket.read_buffer().starts_with(&[b'S', 0, 0, 0, 4]);
            conn.sync_follows.store(sync_follows, Ordering::Relaxed);
        }
        let is_cancel = matches!(message, PgWireFrontendMessage::CancelRequest(_));
        let extended = match socket.state() {
            PgWireConnectionState::CopyInProgress(extended) => extended,
            _ => message.is_extended_query(),
        };
        let handled = tokio::select! {
            r = AssertUnwindSafe(process_message(
                message,
                &mut socket,
                conn.clone(),
                conn.clone(),
                conn.clone(),
                conn.clone(),
                conn.clone(),
            ))
            .catch_unwind() => r,
            _ = shutdown.reached(Phase::Forced) => break,
        };
        match handled {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                let is_fatal = e.is_fatal();
                if let PgWireError::IoError(io) = &e {
                    tracing::debug!("connection write failed: {io}");
                    break;
                }
                if process_error(&mut socket, e, extended).await.is_err() || is_fatal {
                    break;
                }
            }
            Err(_) => {
                tracing::error!("panic while handling a message; closing the connection");
                let e = fatal(
                    SqlState::INTERNAL_ERROR,
                    "internal error while handling a message",
                );
                let _ = socket.send(error_message(&e)).await;
                break;
            }
        }
        if is_cancel {
            break;
        }
    }
    let _ = socket.close().await;
    conn.close().await;
}

/// Helper for handlers: feeds messages produced outside a job.
pub async fn feed_all<C>(client: &mut C, messages: Vec<PgWireBackendMessage>) -> PgWireResult<()>
where
    C: futures::Sink<PgWireBackendMessage> + Unpin,
    PgWireError: From<<C as futures::Sink<PgWireBackendMessage>>::Error>,
{
    for m in messages {
        client.feed(m).await?;
    }
    Ok(())
}
