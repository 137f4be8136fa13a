//! Running session work off the async runtime. The SQL session is synchronous and may block
//! (fsync at commit, row-lock waits, long scans), so every statement runs on tokio's blocking
//! pool while the connection task forwards the messages it produces to the socket.
//!
//! Messages travel through a bounded channel in batches: when the client reads slowly the
//! channel fills, the statement's thread blocks in `blocking_send`, and the executor stops
//! pulling rows — backpressure instead of buffering a whole table in the server.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard};

use futures::{Sink, SinkExt};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;
use tokio::sync::mpsc;

use embeddb_types::{SqlError, SqlResult};

use crate::connection::ConnState;
use crate::encode::pg_error;

/// Batches in flight between a statement's thread and the socket. 64 batches of at most
/// [`BATCH_BYTES`] is at most ~4 MiB per connection: enough to keep the socket busy while
/// the executor produces the next chunk, and small enough that the connection limit bounds
/// the server's memory for results no matter how slowly clients read.
const OUTPUT_QUEUE_BATCHES: usize = 64;

/// A batch is sent when its encoded messages reach this size (or [`BATCH_MESSAGES`]).
const BATCH_BYTES: usize = 64 * 1024;
const BATCH_MESSAGES: usize = 1024;

/// Where a job writes the messages for its client.
pub struct Output {
    /// None: collecting for the caller (see [`Output::collecting`]).
    tx: Option<mpsc::Sender<Vec<PgWireBackendMessage>>>,
    batch: Vec<PgWireBackendMessage>,
    batch_bytes: usize,
    closed: bool,
}

impl Output {
    fn new(tx: mpsc::Sender<Vec<PgWireBackendMessage>>) -> Self {
        Output {
            tx: Some(tx),
            batch: Vec::new(),
            batch_bytes: 0,
            closed: false,
        }
    }

    /// An output that keeps every message for [`Output::into_collected`], for work run on the
    /// async side whose output is bounded by what it is (a quick statement's few rows): it
    /// has no channel to apply backpressure through, so it must not be given a big result.
    pub fn collecting() -> Self {
        Output {
            tx: None,
            batch: Vec::new(),
            batch_bytes: 0,
            closed: false,
        }
    }

    /// The messages a collecting output holds.
    pub fn into_collected(self) -> Vec<PgWireBackendMessage> {
        self.batch
    }

    /// Queues a message; `size` is roughly its encoded length (for batching only).
    pub fn push_sized(&mut self, message: PgWireBackendMessage, size: usize) {
        if self.closed {
            return;
        }
        self.batch.push(message);
        self.batch_bytes += size;
        if self.batch_bytes >= BATCH_BYTES || self.batch.len() >= BATCH_MESSAGES {
            self.flush();
        }
    }

    pub fn push(&mut self, message: PgWireBackendMessage) {
        self.push_sized(message, 64);
    }

    /// Sends what is queued (blocks while the channel is full: that is the backpressure).
    pub fn flush(&mut self) {
        if self.batch.is_empty() || self.closed {
            return;
        }
        let Some(tx) = &self.tx else {
            return;
        };
        let batch = std::mem::take(&mut self.batch);
        self.batch_bytes = 0;
        if tx.blocking_send(batch).is_err() {
            // The connection task stopped listening (client gone or server shutting down).
            self.closed = true;
        }
    }

    /// True once the client can no longer receive anything: producing more rows is pointless.
    pub fn is_closed(&self) -> bool {
        self.closed
    }
}

/// Locks the connection state. A panic while it was held (caught below) leaves it usable:
/// the session's own invariants do not depend on a half-finished statement.
pub fn lock_state(state: &Mutex<ConnState>) -> MutexGuard<'_, ConnState> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn panic_error(payload: &(dyn std::any::Any + Send)) -> SqlError {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    tracing::error!("statement panicked: {what}");
    SqlError::internal(format!("internal error: {what}"))
}

/// Runs `job` on the blocking pool with the connection state locked, forwarding the
/// messages it writes to `client` as they come. A panic in the job becomes an XX000 error.
pub async fn run_job<C, R, F>(
    state: &Arc<Mutex<ConnState>>,
    client: &mut C,
    job: F,
) -> PgWireResult<SqlResult<R>>
where
    C: Sink<PgWireBackendMessage> + Unpin + Send,
    PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    F: FnOnce(&mut ConnState, &mut Output) -> SqlResult<R> + Send + 'static,
    R: Send + 'static,
{
    let (tx, mut rx) = mpsc::channel(OUTPUT_QUEUE_BATCHES);
    let state = state.clone();
    let handle = tokio::task::spawn_blocking(move || {
        let mut guard = lock_state(&state);
        let mut out = Output::new(tx);
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut guard, &mut out)))
            .unwrap_or_else(|payload| Err(panic_error(payload.as_ref())));
        out.flush();
        result
    });
    while let Some(batch) = rx.recv().await {
        for message in batch {
            client.feed(message).await?;
        }
    }
    match handle.await {
        Ok(result) => Ok(result),
        Err(join_error) => Err(pg_error(&SqlError::internal(format!(
            "statement thread failed: {join_error}"
        )))),
    }
}

/// Runs quick, non-blocking work on the connection state from the async side (Bind,
/// Describe, Close, Sync never wait on I/O or locks). Panics become XX000 errors.
pub fn run_inline<R>(
    state: &Mutex<ConnState>,
    job: impl FnOnce(&mut ConnState) -> SqlResult<R>,
) -> SqlResult<R> {
    let mut guard = lock_state(state);
    std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut guard)))
        .unwrap_or_else(|payload| Err(panic_error(payload.as_ref())))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use pgwire::messages::response::EmptyQueryResponse;

    use super::*;

    fn message() -> PgWireBackendMessage {
        PgWireBackendMessage::EmptyQueryResponse(EmptyQueryResponse::new())
    }

    #[test]
    fn a_full_queue_blocks_the_producer_until_the_client_reads() {
        let (tx, mut rx) = mpsc::channel(OUTPUT_QUEUE_BATCHES);
        let produced = Arc::new(AtomicUsize::new(0));
        let counter = produced.clone();
        let total = OUTPUT_QUEUE_BATCHES * 4;
        let producer = std::thread::spawn(move || {
            let mut out = Output::new(tx);
            for _ in 0..total {
                // Each message fills a batch, so each push sends one.
                out.push_sized(message(), BATCH_BYTES);
                counter.fetch_add(1, Ordering::SeqCst);
            }
        });
        std::thread::sleep(Duration::from_millis(200));
        // The queue holds OUTPUT_QUEUE_BATCHES; the producer waits on the next one.
        assert_eq!(produced.load(Ordering::SeqCst), OUTPUT_QUEUE_BATCHES);
        let mut received = 0;
        while rx.blocking_recv().is_some() {
            received += 1;
        }
        assert!(producer.join().is_ok());
        assert_eq!(received, total);
    }

    #[test]
    fn a_departed_client_closes_the_output() {
        let (tx, rx) = mpsc::channel(1);
        drop(rx);
        let mut out = Output::new(tx);
        assert!(!out.is_closed());
        out.push(message());
        out.flush();
        assert!(out.is_closed());
    }
}
