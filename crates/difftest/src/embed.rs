//! EmbedDB driven in-process through a `Session`, results printed with PostgreSQL's text
//! output (`format_text` with the session's FormatContext), panics and hangs caught.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use embeddb_sql::{Database, DatabaseOptions, Executed, Session};
use embeddb_types::format_text;

use crate::outcome::{Outcome, Rows};

/// How long EmbedDB may spend on one query before the watchdog cancels it and it counts as
/// a crash (a loop that never ends is a bug, and must not hang the test).
const QUERY_TIMEOUT: Duration = Duration::from_secs(20);

pub struct Embed {
    session: Session,
    db: Arc<Database>,
    // Declared last so it is removed after the database is closed.
    _dir: tempfile::TempDir,
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
        Ok(Embed {
            session,
            db,
            _dir: dir,
        })
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
        let (done, wait) = mpsc::channel::<()>();
        let cancel = self.session.cancel_handle();
        let watchdog = std::thread::spawn(move || {
            // Either the query finishes (the sender is dropped) or time runs out.
            if let Err(mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(QUERY_TIMEOUT) {
                cancel.cancel();
                true
            } else {
                false
            }
        });
        let session = &mut self.session;
        let result = catch_unwind(AssertUnwindSafe(|| run(session, sql)));
        drop(done);
        let timed_out = watchdog.join().unwrap_or(false);
        match result {
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
            Ok(_) if timed_out => Outcome::Crash(format!(
                "did not finish within {}s (cancelled)",
                QUERY_TIMEOUT.as_secs()
            )),
            Ok(outcome) => outcome,
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
