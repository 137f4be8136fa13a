//! Running SQL through a session on a throwaway database, with results as text.

#![allow(dead_code)]

use std::sync::Arc;

use embeddb_sql::{Database, DatabaseOptions, Executed, Session};
use embeddb_types::{SqlError, SqlState, format_text};

pub struct TestDb {
    _dir: tempfile::TempDir,
    pub db: Arc<Database>,
}

impl TestDb {
    pub fn new() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Database::open(dir.path(), DatabaseOptions::default()).expect("open database");
        TestDb { _dir: dir, db }
    }

    pub fn session(&self) -> Session {
        self.db.session("tester", "embeddb")
    }
}

/// The result of one statement: rows as text (NULL as "NULL") and the command tag.
#[derive(Debug, PartialEq)]
pub struct Outcome {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub tag: String,
}

/// Runs every statement of `sql`; returns the last statement's outcome, or the first error.
pub fn run(session: &mut Session, sql: &str) -> Result<Outcome, SqlError> {
    let statements = session.parse_batch(sql)?;
    let mut last = Outcome {
        columns: Vec::new(),
        rows: Vec::new(),
        tag: String::new(),
    };
    for statement in &statements {
        let executed = session.execute(statement, sql, &[], Vec::new())?;
        last = match executed {
            Executed::Result(mut result) => {
                let fields = result.fields.clone().unwrap_or_default();
                let format = session.settings().format_context(0);
                let mut rows = Vec::new();
                while let Some(chunk) = result.next_chunk()? {
                    for row in chunk {
                        rows.push(
                            row.iter()
                                .zip(&fields)
                                .map(|(v, f)| {
                                    if v.is_null() {
                                        "NULL".to_string()
                                    } else {
                                        format_text(v, &f.ty, &format)
                                    }
                                })
                                .collect(),
                        );
                    }
                }
                Outcome {
                    columns: fields.iter().map(|f| f.name.clone()).collect(),
                    rows,
                    tag: result.tag(),
                }
            }
            Executed::Empty => Outcome {
                columns: Vec::new(),
                rows: Vec::new(),
                tag: String::new(),
            },
            Executed::CopyIn { .. } | Executed::CopyOut { .. } => {
                panic!("COPY is not supported by this helper")
            }
        };
    }
    Ok(last)
}

/// Runs SQL that must succeed and returns its rows.
pub fn rows(session: &mut Session, sql: &str) -> Vec<Vec<String>> {
    match run(session, sql) {
        Ok(o) => o.rows,
        Err(e) => panic!("{sql}: {e}"),
    }
}

/// Runs SQL that must succeed and returns the single value of its single row.
pub fn value(session: &mut Session, sql: &str) -> String {
    let r = rows(session, sql);
    assert_eq!(r.len(), 1, "{sql}: expected one row, got {r:?}");
    assert_eq!(r[0].len(), 1, "{sql}: expected one column, got {r:?}");
    r[0][0].clone()
}

/// Runs SQL that must fail and returns the SQLSTATE.
pub fn error_code(session: &mut Session, sql: &str) -> SqlState {
    match run(session, sql) {
        Ok(o) => panic!("{sql}: expected an error, got {o:?}"),
        Err(e) => e.code,
    }
}

/// Waits until `f` holds, polling: used only to learn that another thread has reached a lock
/// wait, never to decide a result.
pub fn eventually(mut f: impl FnMut() -> bool) {
    for _ in 0..2000 {
        if f() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    panic!("condition never held");
}
