//! Runs every `sql-tests/**/*.slt` file against the real `embeddb` binary over the wire,
//! once through the simple query protocol and once through the extended protocol, each run
//! on a fresh server and data directory so files are independent.
//!
//! Results are compared as psql prints them: NULL as `NULL`, the empty string as `(empty)`,
//! booleans as `t`/`f`. The extended protocol receives binary values (tokio-postgres asks for
//! them); they are decoded and printed with PostgreSQL's text output so both modes share one
//! expected output. `statement error (SQLSTATE)` checks the error code; files can use
//! `onlyif simple` / `skipif extended` where the protocols legitimately differ (several
//! statements in one string cannot be a prepared statement).
//!
//! Files listed in `sql-tests/known_failures.txt` are expected to fail against EmbedDB (the
//! expectations are PostgreSQL's and stay so): such a file passes its trial when it fails, and
//! fails the trial — "remove it from the list" — once it passes, so the list only shrinks.
//! Against PostgreSQL every file must pass.
//!
//! Run one file: `cargo test -p embeddb-server --test slt -- smoke/basic`. Check expected
//! results against PostgreSQL:
//! `EMBEDDB_SLT_POSTGRES='host=127.0.0.1 port=54320 user=postgres' cargo test -p embeddb-server --test slt`.

mod common;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use libtest_mimic::{Arguments, Failed, Trial};
use sqllogictest::{AsyncDB, DBOutput, DefaultColumnType, Runner};
use tokio_postgres::types::Type;
use tokio_postgres::{Client, SimpleQueryMessage};

use embeddb_types::{DataType, FormatContext, TimeZone, decode_binary, decode_record, format_text};

use common::{Raw, TestServer};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Simple,
    Extended,
}

impl Mode {
    fn label(self) -> &'static str {
        match self {
            Mode::Simple => "simple",
            Mode::Extended => "extended",
        }
    }
}

/// One connection of a test file.
struct Db {
    client: Client,
    mode: Mode,
    /// How this session prints values (for decoding binary results in extended mode).
    ctx: FormatContext,
}

#[derive(Debug)]
struct DbError(tokio_postgres::Error);

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.as_db_error() {
            Some(db) => write!(f, "{} ({})", db.message(), db.code().code()),
            None => write!(f, "{}", self.0),
        }
    }
}

impl std::error::Error for DbError {}

impl From<tokio_postgres::Error> for DbError {
    fn from(e: tokio_postgres::Error) -> Self {
        DbError(e)
    }
}

/// psql's spelling of a text value in test output.
fn show(text: Option<&str>) -> String {
    match text {
        None => "NULL".to_string(),
        Some("") => "(empty)".to_string(),
        Some(s) => s.to_string(),
    }
}

impl Db {
    async fn connect(conn_str: String, mode: Mode) -> Result<Db, DbError> {
        let (client, connection) =
            tokio_postgres::connect(&conn_str, tokio_postgres::NoTls).await?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        let mut db = Db {
            client,
            mode,
            ctx: FormatContext::default(),
        };
        db.refresh_settings().await?;
        Ok(db)
    }

    /// Reads the settings that change how values print (after SET, RESET, COMMIT, ...).
    async fn refresh_settings(&mut self) -> Result<(), DbError> {
        let show = |messages: Vec<SimpleQueryMessage>| -> Option<String> {
            messages.into_iter().find_map(|m| match m {
                SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
                _ => None,
            })
        };
        let zone = show(self.client.simple_query("SHOW TimeZone").await?);
        if let Some(Ok(zone)) = zone.map(|z| TimeZone::parse(&z)) {
            self.ctx.time_zone = zone;
        }
        if let Some(digits) = show(self.client.simple_query("SHOW extra_float_digits").await?) {
            self.ctx.extra_float_digits = digits.parse().unwrap_or(1);
        }
        if let Some(output) = show(self.client.simple_query("SHOW bytea_output").await?) {
            self.ctx.bytea_escape_output = output == "escape";
        }
        Ok(())
    }

    async fn run_simple(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, DbError> {
        let messages = self.client.simple_query(sql).await?;
        let mut rows = Vec::new();
        let mut columns = None;
        let mut count = 0;
        for message in messages {
            match message {
                SimpleQueryMessage::RowDescription(c) => columns = Some(c.len()),
                SimpleQueryMessage::Row(row) => {
                    columns = Some(row.len());
                    rows.push((0..row.len()).map(|i| show(row.get(i))).collect());
                }
                SimpleQueryMessage::CommandComplete(n) => count = n,
                _ => {}
            }
        }
        Ok(match columns {
            Some(n) => DBOutput::Rows {
                types: vec![DefaultColumnType::Any; n],
                rows,
            },
            None => DBOutput::StatementComplete(count),
        })
    }

    async fn run_extended(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, DbError> {
        let statement = self.client.prepare(sql).await?;
        if statement.columns().is_empty() {
            let count = self.client.execute(&statement, &[]).await?;
            return Ok(DBOutput::StatementComplete(count));
        }
        let types: Vec<Type> = statement
            .columns()
            .iter()
            .map(|c| c.type_().clone())
            .collect();
        let mut rows = Vec::new();
        for row in self.client.query(&statement, &[]).await? {
            let mut values = Vec::with_capacity(types.len());
            for (i, ty) in types.iter().enumerate() {
                let Raw(raw) = row.try_get(i)?;
                values.push(self.binary_to_text(ty, raw.as_deref()).await?);
            }
            rows.push(values);
        }
        Ok(DBOutput::Rows {
            types: vec![DefaultColumnType::Any; types.len()],
            rows,
        })
    }

    async fn binary_to_text(&self, ty: &Type, raw: Option<&[u8]>) -> Result<String, DbError> {
        let Some(bytes) = raw else {
            return Ok(show(None));
        };
        if let Some(data_type) = DataType::from_oid(ty.oid(), -1) {
            return Ok(match decode_binary(bytes, &data_type) {
                Ok(value) => show(Some(&format_text(&value, &data_type, &self.ctx))),
                Err(e) => format!("<undecodable {}: {e}>", ty.name()),
            });
        }
        if *ty == Type::RECORD {
            return Ok(match decode_record(bytes) {
                Ok(value) => show(Some(&format_text(
                    &value,
                    &DataType::Record(Vec::new()),
                    &self.ctx,
                ))),
                Err(e) => format!("<undecodable record: {e}>"),
            });
        }
        if let (true, Ok(oid)) = (ty.name().starts_with("reg"), <[u8; 4]>::try_from(bytes)) {
            // regtype, regclass, ...: an OID that PostgreSQL prints as the object's name.
            let sql = format!(
                "SELECT {}::oid::{}::text",
                u32::from_be_bytes(oid),
                ty.name()
            );
            let name = self
                .client
                .simple_query(&sql)
                .await?
                .into_iter()
                .find_map(|m| match m {
                    SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
                    _ => None,
                });
            return Ok(show(name.as_deref()));
        }
        Ok(show(Some(&String::from_utf8_lossy(bytes))))
    }
}

/// Whether a statement may have changed the settings that affect printing.
fn may_change_settings(sql: &str) -> bool {
    let first = sql
        .trim_start()
        .split(|c: char| !c.is_ascii_alphabetic())
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(
        first.as_str(),
        "set" | "reset" | "commit" | "rollback" | "end" | "abort"
    )
}

#[async_trait]
impl AsyncDB for Db {
    type Error = DbError;
    type ColumnType = DefaultColumnType;

    async fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, DbError> {
        let output = match self.mode {
            Mode::Simple => self.run_simple(sql).await,
            Mode::Extended => self.run_extended(sql).await,
        };
        if self.mode == Mode::Extended && may_change_settings(sql) {
            // A failed SET leaves nothing changed; a failed COMMIT may have ended a block.
            let _ = self.refresh_settings().await;
        }
        output
    }

    async fn shutdown(&mut self) {}

    fn engine_name(&self) -> &str {
        "embeddb"
    }

    async fn sleep(dur: Duration) {
        tokio::time::sleep(dur).await;
    }

    fn error_sql_state(err: &DbError) -> Option<String> {
        err.0.code().map(|c| c.code().to_string())
    }
}

/// Set to a connection string (`host=127.0.0.1 port=54320 user=postgres`) to run the files
/// against that PostgreSQL instead of embeddb: the way to check expected results. Each run
/// gets a database of its own, dropped afterwards; files see the label `postgres`.
const POSTGRES_ENV: &str = "EMBEDDB_SLT_POSTGRES";

static NEXT_DATABASE: AtomicUsize = AtomicUsize::new(0);

async fn run_records(
    path: &Path,
    mode: Mode,
    conn_str: String,
    engine: &str,
) -> Result<(), String> {
    let mut runner = Runner::new(move || Db::connect(conn_str.clone(), mode));
    runner.add_label(engine);
    runner.add_label(mode.label());
    runner
        .run_file_async(path)
        .await
        .map_err(|e| e.display(false).to_string())
}

async fn run_on_postgres(path: &Path, mode: Mode, base: &str) -> Result<(), String> {
    let name = format!(
        "slt_{}_{}",
        std::process::id(),
        NEXT_DATABASE.fetch_add(1, Ordering::SeqCst)
    );
    let admin = common::connect_str(base).await;
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .map_err(|e| format!("CREATE DATABASE {name}: {e}"))?;
    let outcome = run_records(path, mode, format!("{base} dbname={name}"), "postgres").await;
    admin
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .map_err(|e| format!("DROP DATABASE {name}: {e}"))?;
    outcome
}

/// The files (relative to `sql-tests/`, without `.slt`) known to fail against EmbedDB.
fn known_failures(root: &Path) -> Vec<String> {
    let list = root.join("known_failures.txt");
    let text = std::fs::read_to_string(&list).unwrap_or_default();
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn run_known_failure(path: &Path, mode: Mode) -> Result<(), Failed> {
    match run_file(path, mode) {
        Ok(()) => Err(format!(
            "{} passes now: remove it from sql-tests/known_failures.txt",
            path.display()
        )
        .into()),
        Err(_) => Ok(()),
    }
}

fn run_file(path: &Path, mode: Mode) -> Result<(), Failed> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("runtime: {e}"))?;
    if let Ok(base) = std::env::var(POSTGRES_ENV) {
        return runtime
            .block_on(run_on_postgres(path, mode, &base))
            .map_err(Failed::from);
    }
    let server = TestServer::start();
    let conn_str = format!("host=127.0.0.1 port={} user=slt dbname=slt", server.port);
    let outcome = runtime.block_on(run_records(path, mode, conn_str, "embeddb"));
    outcome.map_err(|e| format!("{e}\n--- server log ---\n{}", server.log_text()).into())
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "slt") {
            out.push(path);
        }
    }
}

fn main() -> ExitCode {
    let args = Arguments::from_args();
    let root = common::workspace_root().join("sql-tests");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    if files.is_empty() {
        eprintln!("no .slt files under {}", root.display());
        return ExitCode::FAILURE;
    }
    let known = known_failures(&root);
    let against_postgres = std::env::var(POSTGRES_ENV).is_ok();
    let mut trials = Vec::new();
    for file in files {
        let name = file
            .strip_prefix(&root)
            .unwrap_or(&file)
            .with_extension("")
            .display()
            .to_string();
        let expect_failure = !against_postgres && known.contains(&name);
        for mode in [Mode::Simple, Mode::Extended] {
            let file = file.clone();
            let label = if expect_failure {
                format!("{name}::{} (known failure)", mode.label())
            } else {
                format!("{name}::{}", mode.label())
            };
            trials.push(Trial::test(label, move || {
                if expect_failure {
                    run_known_failure(&file, mode)
                } else {
                    run_file(&file, mode)
                }
            }));
        }
    }
    libtest_mimic::run(&args, trials).exit_code()
}
