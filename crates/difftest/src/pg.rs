//! A throwaway PostgreSQL 15 cluster (`embeddb-pgcluster`: initdb in a temp dir, loopback only,
//! stopped and removed on drop, also when a test panics) and a client that returns results as
//! PostgreSQL's text.

use embeddb_pgcluster::{ClusterOptions, StopMode};
use tokio::runtime::Runtime;
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

use crate::outcome::{Outcome, Rows};

/// How long PostgreSQL may spend on one generated query before it counts as an error.
const STATEMENT_TIMEOUT_MS: u32 = 20_000;

/// A running cluster owned by this process, stopped and removed when dropped.
pub use embeddb_pgcluster::PgCluster;

/// Starts the throwaway cluster for the differential test: `C.UTF-8`, as EmbedDB reports
/// (code-point order; upper() and lower() know non-ASCII letters), with fsync,
/// synchronous_commit and full_page_writes off (the data is thrown away), stopped with
/// `pg_ctl stop -m immediate`. An `Err` explains what is missing.
pub fn start_cluster() -> Result<PgCluster, String> {
    PgCluster::start(&ClusterOptions {
        dir_prefix: "embeddb-difftest-pg".to_string(),
        durable: false,
        locale: Some("C.UTF-8".to_string()),
        settings: Vec::new(),
        stop_mode: StopMode::Immediate,
    })
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
