//! A throwaway PostgreSQL 15 cluster (initdb in a temp dir, loopback only, stopped and removed
//! on drop, also when a test panics) and a client that returns results as PostgreSQL's text.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use tokio::runtime::Runtime;
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

use crate::outcome::{Outcome, Rows};

/// How long PostgreSQL may spend on one generated query before it counts as an error.
const STATEMENT_TIMEOUT_MS: u32 = 20_000;

/// A running cluster owned by this process.
pub struct PgCluster {
    bin: PathBuf,
    /// Holds the data directory; removed when dropped (after the server is stopped).
    dir: tempfile::TempDir,
    pub port: u16,
}

fn run_checked(cmd: &mut Command, what: &str) -> Result<(), String> {
    let output = cmd
        .output()
        .map_err(|e| format!("{what}: cannot run {cmd:?}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed ({}):\n{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// The directory of PostgreSQL's server binaries, from `pg_config --bindir`.
fn pg_bindir() -> Result<PathBuf, String> {
    let output = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .map_err(|e| {
            format!(
                "the differential test needs PostgreSQL 15's server binaries, but `pg_config` \
             cannot be run ({e}); install them (e.g. `apt-get install postgresql-15`)"
            )
        })?;
    if !output.status.success() {
        return Err("`pg_config --bindir` failed".to_string());
    }
    let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    if !dir.join("initdb").exists() || !dir.join("pg_ctl").exists() {
        return Err(format!(
            "no initdb/pg_ctl in {} (from pg_config --bindir)",
            dir.display()
        ));
    }
    Ok(dir)
}

fn free_port() -> Result<u16, String> {
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|e| format!("cannot find a free port: {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("cannot find a free port: {e}"))
}

/// Runs a PostgreSQL binary as the `postgres` user when we are root (initdb and the server
/// refuse to run as root), directly otherwise.
fn pg_command(bin: &Path, program: &str, as_root: bool) -> Command {
    let path = bin.join(program);
    if as_root {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(path);
        cmd
    } else {
        Command::new(path)
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

impl PgCluster {
    /// initdb and start a cluster on a free loopback port; an `Err` explains what is missing.
    pub fn start() -> Result<PgCluster, String> {
        let bin = pg_bindir()?;
        let as_root = is_root();
        if as_root && Command::new("runuser").arg("--help").output().is_err() {
            return Err(
                "running as root, so PostgreSQL must run as the `postgres` user, but `runuser` \
                 is missing"
                    .to_string(),
            );
        }
        let dir = tempfile::Builder::new()
            .prefix("embeddb-difftest-pg")
            .tempdir()
            .map_err(|e| format!("temp dir: {e}"))?;
        if as_root {
            run_checked(
                Command::new("chown").arg("postgres").arg(dir.path()),
                "chown postgres (is there a `postgres` user?)",
            )?;
        }
        let data = dir.path().join("data");
        run_checked(
            pg_command(&bin, "initdb", as_root)
                .arg("-D")
                .arg(&data)
                // C.UTF-8, as EmbedDB reports (code-point order; upper() and lower() know non-ASCII letters).
                .args([
                    "-A",
                    "trust",
                    "--locale=C.UTF-8",
                    "-E",
                    "UTF8",
                    "-U",
                    "postgres",
                ]),
            "initdb",
        )?;
        // A port can be taken between our probe and the server's bind: retry a few times.
        let mut last_error = String::new();
        for _ in 0..5 {
            let port = free_port()?;
            let options = format!(
                "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=off \
                 -c synchronous_commit=off -c full_page_writes=off",
                dir.path().display()
            );
            let started = run_checked(
                pg_command(&bin, "pg_ctl", as_root)
                    .arg("-D")
                    .arg(&data)
                    .args(["-o", &options, "-l"])
                    .arg(dir.path().join("log"))
                    .args(["-w", "start"]),
                "pg_ctl start",
            );
            match started {
                Ok(()) => return Ok(PgCluster { bin, dir, port }),
                Err(e) => {
                    let log = std::fs::read_to_string(dir.path().join("log")).unwrap_or_default();
                    last_error = format!("{e}\n--- server log ---\n{log}");
                }
            }
        }
        Err(last_error)
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = pg_command(&self.bin, "pg_ctl", is_root())
            .arg("-D")
            .arg(&data)
            .args(["-m", "immediate", "-w", "stop"])
            .output();
        // The TempDir removes the directory after this.
    }
}

/// A synchronous client over tokio-postgres on a private single-threaded runtime.
pub struct PgClient {
    runtime: Runtime,
    client: Client,
}

impl PgClient {
    pub fn connect(host: &str, port: u16, user: &str, dbname: &str) -> Result<PgClient, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("tokio runtime: {e}"))?;
        let conn = format!("host={host} port={port} user={user} dbname={dbname}");
        let client = runtime.block_on(async {
            let (client, connection) = tokio_postgres::connect(&conn, NoTls)
                .await
                .map_err(|e| format!("connect to PostgreSQL at {host}:{port}: {e}"))?;
            tokio::spawn(async move {
                let _ = connection.await;
            });
            Ok::<Client, String>(client)
        })?;
        let mut pg = PgClient { runtime, client };
        // Pin every setting that changes how results print or how text compares, so that a
        // non-default server configuration cannot make the engines differ.
        pg.batch(&format!(
            "SET statement_timeout = {STATEMENT_TIMEOUT_MS}; SET extra_float_digits = 1; \
             SET DateStyle = 'ISO, MDY'; SET IntervalStyle = postgres; SET TimeZone = 'UTC'; \
             SET client_min_messages = warning"
        ))?;
        Ok(pg)
    }

    /// Runs statements that must succeed (schema setup).
    pub fn batch(&mut self, sql: &str) -> Result<(), String> {
        self.runtime
            .block_on(self.client.batch_execute(sql))
            .map_err(|e| format!("PostgreSQL: {sql}: {}", describe(&e)))
    }

    /// Runs one query: column types from a prepared statement, values from the simple protocol
    /// (so they are PostgreSQL's own text output).
    pub fn query(&mut self, sql: &str) -> Outcome {
        let client = &self.client;
        self.runtime.block_on(async {
            let statement = match client.prepare(sql).await {
                Ok(s) => s,
                Err(e) => return error_outcome(&e),
            };
            let types: Vec<u32> = statement
                .columns()
                .iter()
                .map(|c| c.type_().oid())
                .collect();
            let messages = match client.simple_query(sql).await {
                Ok(m) => m,
                Err(e) => return error_outcome(&e),
            };
            let mut columns = Vec::new();
            let mut rows = Vec::new();
            for message in messages {
                match message {
                    SimpleQueryMessage::RowDescription(desc) => {
                        columns = desc.iter().map(|c| c.name().to_string()).collect();
                    }
                    SimpleQueryMessage::Row(row) => {
                        if columns.is_empty() {
                            columns = row.columns().iter().map(|c| c.name().to_string()).collect();
                        }
                        rows.push(
                            (0..row.len())
                                .map(|i| row.get(i).map(str::to_string))
                                .collect(),
                        );
                    }
                    _ => {}
                }
            }
            Outcome::Rows(Rows {
                columns,
                types: Some(types),
                rows,
            })
        })
    }
}

fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

fn error_outcome(e: &tokio_postgres::Error) -> Outcome {
    match e.as_db_error() {
        Some(db) => Outcome::Error {
            code: db.code().code().to_string(),
            message: db.message().to_string(),
        },
        None => Outcome::Error {
            code: "client".to_string(),
            message: e.to_string(),
        },
    }
}
