//! Client-side measurement over tokio-postgres, the same code for both systems: connections,
//! bulk loads, closed-loop throughput with N clients, and timed single queries.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::SinkExt;
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

use crate::data::{Keys, Rng, v_of};

/// Connects and drives the connection on the current runtime.
pub async fn connect(conninfo: &str) -> Result<Client, String> {
    let (client, connection) = tokio_postgres::connect(conninfo, NoTls)
        .await
        .map_err(|e| format!("connect ({conninfo}): {}", describe(&e)))?;
    tokio::spawn(async move {
        // The connection ends when the client is dropped; an error then has no one to tell.
        let _ = connection.await;
    });
    Ok(client)
}

/// A server error as `message (SQLSTATE)`, anything else as tokio-postgres prints it.
pub fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

/// Runs setup statements that must succeed.
pub async fn batch(client: &Client, sql: &str) -> Result<(), String> {
    client
        .batch_execute(sql)
        .await
        .map_err(|e| format!("{sql}: {}", describe(&e)))
}

/// `COPY ... FROM STDIN` with the given CopyData chunks; returns the time from the COPY
/// statement to its completion (the commit included) and the rows the server reports.
pub async fn copy_in(
    client: &Client,
    sql: &str,
    chunks: &[Bytes],
) -> Result<(Duration, u64), String> {
    let start = Instant::now();
    let sink = client
        .copy_in::<_, Bytes>(sql)
        .await
        .map_err(|e| format!("{sql}: {}", describe(&e)))?;
    futures::pin_mut!(sink);
    for chunk in chunks {
        sink.send(chunk.clone())
            .await
            .map_err(|e| format!("{sql}: sending data: {}", describe(&e)))?;
    }
    let rows = sink
        .finish()
        .await
        .map_err(|e| format!("{sql}: {}", describe(&e)))?;
    Ok((start.elapsed(), rows))
}

/// Runs each statement in turn through the simple query protocol (each one its own
/// autocommitted transaction); returns the total time.
pub async fn run_statements(client: &Client, statements: &[String]) -> Result<Duration, String> {
    let start = Instant::now();
    for sql in statements {
        client.batch_execute(sql).await.map_err(|e| {
            let shown: String = sql.chars().take(120).collect();
            format!("{shown}...: {}", describe(&e))
        })?;
    }
    Ok(start.elapsed())
}

/// A query's result as PostgreSQL text, for comparing the two systems' answers.
pub type TextRows = Vec<Vec<Option<String>>>;

/// Runs `sql` through the simple query protocol; returns the elapsed time and the rows.
pub async fn timed_query(client: &Client, sql: &str) -> Result<(Duration, TextRows), String> {
    let start = Instant::now();
    let messages = client
        .simple_query(sql)
        .await
        .map_err(|e| format!("{sql}: {}", describe(&e)))?;
    let elapsed = start.elapsed();
    let rows = messages
        .into_iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(row) => Some(
                (0..row.len())
                    .map(|i| row.get(i).map(str::to_string))
                    .collect(),
            ),
            _ => None,
        })
        .collect();
    Ok((elapsed, rows))
}

/// One operation of a throughput workload, run by every client in a closed loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `INSERT INTO ins ... VALUES ($1, $2, $3)`, autocommitted, ids unique across clients.
    InsertSingle,
    /// Primary-key lookup on `t`, prepared.
    PointSelect,
    /// `k BETWEEN $1 AND $1 + 9` on `t`'s secondary index: about 100 rows, prepared.
    RangeSelect,
}

impl Op {
    pub fn sql(self) -> &'static str {
        match self {
            Op::InsertSingle => "INSERT INTO ins (id, k, v) VALUES ($1, $2, $3)",
            Op::PointSelect => "SELECT id, k, v FROM t WHERE id = $1",
            Op::RangeSelect => "SELECT id, k, v FROM t WHERE k BETWEEN $1 AND $2",
        }
    }
}

/// What a throughput workload needs to know about the data.
#[derive(Debug, Clone)]
pub struct OpContext {
    pub keys: Keys,
    /// Rows in `t` (ids `0..rows`).
    pub rows: usize,
    /// The next id to insert into `ins`, shared by all clients of one system so ids never
    /// collide across clients or rounds.
    pub next_id: Arc<AtomicI64>,
}

/// The outcome of one measured window.
#[derive(Debug, Clone, Default)]
pub struct Throughput {
    /// Operations completed inside the measured window.
    pub ops: u64,
    /// Rows those operations returned (reads) or wrote (inserts).
    pub rows: u64,
    pub seconds: f64,
    pub p50_us: u32,
    pub p99_us: u32,
}

impl Throughput {
    pub fn per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.ops as f64 / self.seconds
        } else {
            0.0
        }
    }

    pub fn rows_per_op(&self) -> f64 {
        if self.ops > 0 {
            self.rows as f64 / self.ops as f64
        } else {
            0.0
        }
    }
}

/// `clients` connections each run `op` in a closed loop (next request as soon as the previous
/// answer arrives) for `warmup`, then for `measure`; counts what completes in the second
/// window. Connections are opened and statements prepared before any clock starts.
pub async fn throughput(
    conninfo: &str,
    op: Op,
    ctx: &OpContext,
    clients: usize,
    warmup: Duration,
    measure: Duration,
    seed: u64,
) -> Result<Throughput, String> {
    let mut prepared = Vec::with_capacity(clients);
    for _ in 0..clients {
        let client = connect(conninfo).await?;
        let statement = client
            .prepare(op.sql())
            .await
            .map_err(|e| format!("PREPARE {}: {}", op.sql(), describe(&e)))?;
        prepared.push((client, statement));
    }
    let start = Instant::now();
    let measure_from = start + warmup;
    let end = measure_from + measure;
    let failed = Arc::new(AtomicBool::new(false));
    let mut tasks = tokio::task::JoinSet::new();
    for (i, (client, statement)) in prepared.into_iter().enumerate() {
        let ctx = ctx.clone();
        let failed = failed.clone();
        let mut rng = Rng::new(seed.wrapping_mul(1_000_003).wrapping_add(i as u64));
        tasks.spawn(async move {
            let mut ops = 0u64;
            let mut rows = 0u64;
            let mut latencies: Vec<u32> = Vec::new();
            loop {
                let t0 = Instant::now();
                // A failing client stops the others: the workload is reported as an error.
                if t0 >= end || failed.load(Ordering::Relaxed) {
                    break;
                }
                let result = match op {
                    Op::InsertSingle => {
                        let id = ctx.next_id.fetch_add(1, Ordering::Relaxed);
                        let (id32, k, v) = (id as i32, ctx.keys.k(id), v_of(id));
                        client.execute(&statement, &[&id32, &k, &v]).await
                    }
                    Op::PointSelect => {
                        let id = rng.below(ctx.rows as u64) as i32;
                        client.query(&statement, &[&id]).await.map(|r| touch(&r))
                    }
                    Op::RangeSelect => {
                        let lo = rng.below(ctx.keys.key_space.saturating_sub(9).max(1)) as i32;
                        client
                            .query(&statement, &[&lo, &(lo + 9)])
                            .await
                            .map(|r| touch(&r))
                    }
                };
                let n = match result {
                    Ok(n) => n,
                    Err(e) => {
                        failed.store(true, Ordering::Relaxed);
                        return Err(format!("{}: {}", op.sql(), describe(&e)));
                    }
                };
                let t1 = Instant::now();
                if t1 >= measure_from && t1 < end {
                    ops += 1;
                    rows += n;
                    latencies.push((t1 - t0).as_micros().min(u32::MAX as u128) as u32);
                }
            }
            Ok::<_, String>((ops, rows, latencies))
        });
    }
    let mut total = Throughput {
        seconds: measure.as_secs_f64(),
        ..Throughput::default()
    };
    let mut latencies = Vec::new();
    let mut first_error = None;
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(Ok((ops, rows, mut l))) => {
                total.ops += ops;
                total.rows += rows;
                latencies.append(&mut l);
            }
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
            }
            Err(e) => {
                first_error.get_or_insert(format!("client task failed: {e}"));
            }
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    latencies.sort_unstable();
    total.p50_us = percentile(&latencies, 0.50);
    total.p99_us = percentile(&latencies, 0.99);
    Ok(total)
}

/// Decodes every row's text column, so that the client does the same per-row work whichever
/// server answered; returns the number of rows.
fn touch(rows: &[tokio_postgres::Row]) -> u64 {
    let bytes: usize = rows.iter().map(|row| row.get::<_, &str>(2).len()).sum();
    std::hint::black_box(bytes);
    rows.len() as u64
}

/// The `q` quantile of sorted samples (0 when there are none).
pub fn percentile<T: Copy + Default>(sorted: &[T], q: f64) -> T {
    if sorted.is_empty() {
        return T::default();
    }
    let index = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles() {
        let v: Vec<u32> = (1..=100).collect();
        assert_eq!(percentile(&v, 0.5), 51);
        assert_eq!(percentile(&v, 0.99), 99);
        assert_eq!(percentile(&v, 1.0), 100);
        assert_eq!(percentile::<u32>(&[], 0.5), 0);
    }

    #[test]
    fn rates() {
        let t = Throughput {
            ops: 500,
            rows: 50_000,
            seconds: 2.0,
            ..Throughput::default()
        };
        assert_eq!(t.per_second(), 250.0);
        assert_eq!(t.rows_per_op(), 100.0);
    }
}
