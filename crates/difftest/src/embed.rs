//! EmbedDB driven in-process through a `Session`, results printed with PostgreSQL's text
//! output (`format_text` with the session's FormatContext).
//!
//! The session lives on a worker thread so that the test can survive EmbedDB's failures: a
//! panic becomes `Outcome::Crash`; a query that runs too long or takes too much memory is
//! cancelled; one that ignores the cancel leaves the worker behind, marked dead, and the run
//! stops with a report instead of hanging or exhausting the machine's memory.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use embeddb_sql::{CancelHandle, Database, DatabaseOptions, Executed, Session};
use embeddb_types::format_text;

use crate::outcome::{Outcome, Rows};

/// How long EmbedDB may spend on one query before it is cancelled (the generated queries
/// take milliseconds; a loop that never ends is a bug and must not hang the test).
const QUERY_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a cancelled query may take to stop.
const CANCEL_GRACE: Duration = Duration::from_secs(5);
/// Resident memory of this process beyond which the running query is cancelled (the
/// generated data is a few kilobytes; gigabytes mean a runaway operator).
const SOFT_MEMORY_LIMIT: u64 = 2 << 30;
/// Resident memory beyond which the process aborts at once, to protect the machine.
const HARD_MEMORY_LIMIT: u64 = 6 << 30;

pub struct Embed {
    requests: Option<mpsc::Sender<String>>,
    replies: mpsc::Receiver<Outcome>,
    cancel: CancelHandle,
    /// Set when a query did not stop after being cancelled: the worker is stuck in it.
    dead: bool,
}

/// The worker's state: the database in a temp dir and one session.
struct Worker {
    session: Session,
    db: std::sync::Arc<Database>,
    // Declared last so it is removed after the database is closed.
    _dir: tempfile::TempDir,
}

/// This process's resident memory in bytes (Linux; 0 where unknown).
fn resident_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u64>().ok())
        })
        .map_or(0, |pages| pages * 4096)
}

impl Embed {
    pub fn open() -> Result<Embed, String> {
        let dir = tempfile::Builder::new()
            .prefix("embeddb-difftest")
            .tempdir()
            .map_err(|e| format!("temp dir: {e}"))?;
        let db = Database::open(dir.path(), DatabaseOptions::default())
            .map_err(|e| format!("open EmbedDB: {e}"))?;
        let session = db.session("difftest", "embeddb");
        let cancel = session.cancel_handle();
        let (requests, inbox) = mpsc::channel::<String>();
        let (outbox, replies) = mpsc::channel::<Outcome>();
        let mut worker = Worker {
            session,
            db,
            _dir: dir,
        };
        std::thread::Builder::new()
            .name("embeddb-session".to_string())
            .spawn(move || {
                for sql in inbox {
                    let outcome = worker.query(&sql);
                    if outbox.send(outcome).is_err() {
                        break;
                    }
                }
            })
            .map_err(|e| format!("spawn the EmbedDB worker: {e}"))?;
        Ok(Embed {
            requests: Some(requests),
            replies,
            cancel,
            dead: false,
        })
    }

    /// Whether a query got stuck and the session can no longer be used.
    pub fn is_dead(&self) -> bool {
        self.dead
    }

    /// Runs statements that must succeed (schema setup).
    pub fn batch(&mut self, sql: &str) -> Result<(), String> {
        match self.query(sql) {
            Outcome::Rows(_) => Ok(()),
            Outcome::Error { code, message } => Err(format!("EmbedDB: {sql}: {message} ({code})")),
            Outcome::Crash(what) => Err(format!("EmbedDB: {sql}: {what}")),
        }
    }

    /// Runs every statement of `sql` and returns the last one's outcome.
    pub fn query(&mut self, sql: &str) -> Outcome {
        let sent = match &self.requests {
            Some(requests) if !self.dead => requests.send(sql.to_string()).is_ok(),
            _ => false,
        };
        if !sent {
            return Outcome::Crash("the EmbedDB session is gone (an earlier query)".to_string());
        }
        let started = Instant::now();
        let mut cancelled: Option<(Instant, String)> = None;
        loop {
            match self.replies.recv_timeout(Duration::from_millis(50)) {
                Ok(outcome) => {
                    return match cancelled {
                        Some((_, why)) => Outcome::Crash(why),
                        None => outcome,
                    };
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    self.dead = true;
                    return Outcome::Crash("the EmbedDB worker thread ended".to_string());
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
            }
            let memory = resident_bytes();
            if memory > HARD_MEMORY_LIMIT {
                eprintln!(
                    "ABORT: EmbedDB reached {} MB of memory on this query, which ignored a \
                     cancel:\n{sql}",
                    memory >> 20
                );
                std::process::abort();
            }
            match &cancelled {
                None if started.elapsed() > QUERY_TIMEOUT => {
                    self.cancel.cancel();
                    let why = format!("ran longer than {}s (cancelled)", QUERY_TIMEOUT.as_secs());
                    cancelled = Some((Instant::now(), why));
                }
                None if memory > SOFT_MEMORY_LIMIT => {
                    self.cancel.cancel();
                    let why = format!("took {} MB of memory (cancelled)", memory >> 20);
                    cancelled = Some((Instant::now(), why));
                }
                Some((at, why)) if at.elapsed() > CANCEL_GRACE => {
                    // Leave the worker to its fate; later queries report the session gone.
                    self.dead = true;
                    self.requests = None;
                    return Outcome::Crash(format!("{why}, and did not stop"));
                }
                _ => {}
            }
        }
    }
}

impl Worker {
    fn query(&mut self, sql: &str) -> Outcome {
        let session = &mut self.session;
        match catch_unwind(AssertUnwindSafe(|| run(session, sql))) {
            Ok(outcome) => outcome,
            Err(panic) => {
                let text = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "(non-string panic)".to_string());
                // The session may be left in any state: start a fresh one.
                self.session = self.db.session("difftest", "embeddb");
                Outcome::Crash(format!("panic: {text}"))
            }
        }
    }
}

fn run(session: &mut Session, sql: &str) -> Outcome {
    let statements = match session.parse_batch(sql) {
        Ok(s) => s,
        Err(e) => return error(&e),
    };
    let mut last = Outcome::Rows(Rows {
        columns: Vec::new(),
        types: None,
        rows: Vec::new(),
    });
    for statement in &statements {
        last = match session.execute(statement, sql, &[], Vec::new()) {
            Err(e) => return error(&e),
            Ok(Executed::Result(mut result)) => {
                let fields = result.fields.clone().unwrap_or_default();
                let format = session.settings().format_context(0);
                let mut rows = Vec::new();
                loop {
                    match result.next_chunk() {
                        Err(e) => return error(&e),
                        Ok(None) => break,
                        Ok(Some(chunk)) => {
                            for row in chunk {
                                rows.push(
                                    row.iter()
                                        .zip(&fields)
                                        .map(|(v, f)| {
                                            (!v.is_null()).then(|| format_text(v, &f.ty, &format))
                                        })
                                        .collect(),
                                );
                            }
                        }
                    }
                }
                Outcome::Rows(Rows {
                    columns: fields.iter().map(|f| f.name.clone()).collect(),
                    types: Some(fields.iter().map(|f| f.ty.oid()).collect()),
                    rows,
                })
            }
            Ok(Executed::Empty) => Outcome::Rows(Rows {
                columns: Vec::new(),
                types: None,
                rows: Vec::new(),
            }),
            Ok(Executed::CopyIn { .. } | Executed::CopyOut { .. }) => Outcome::Error {
                code: "client".to_string(),
                message: "COPY is not used by the differential test".to_string(),
            },
        };
    }
    last
}

fn error(e: &embeddb_types::SqlError) -> Outcome {
    Outcome::Error {
        code: e.code.code().to_string(),
        message: e.message.clone(),
    }
}
