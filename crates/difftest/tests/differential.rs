//! The differential test: random queries over random schemas on EmbedDB (in-process) and on a
//! throwaway PostgreSQL 15 cluster, results compared as PostgreSQL prints them.
//!
//! - Normal: a fixed seed, a few hundred queries (deterministic, for CI).
//! - Long: `EMBEDDB_LONG_TESTS=1`, many more queries from a fresh seed each run.
//! - `EMBEDDB_DIFF_SEED=N` reproduces a run (the seed is printed on failure).
//! - `EMBEDDB_DIFF_ROUNDS`, `EMBEDDB_DIFF_QUERIES` (per round), `EMBEDDB_DIFF_MAX_FAILURES`
//!   override the run's size; `EMBEDDB_DIFF_OUT=file` writes every disagreement there;
//!   `EMBEDDB_DIFF_TRACE=file` writes each query there before EmbedDB runs it.
//! - `EMBEDDB_DIFF_PG=host:port` uses an existing PostgreSQL (user `postgres`) instead of
//!   starting one; a database `embeddb_difftest` is created there if missing.

use std::time::Instant;

use embeddb_difftest::pg::{self, PgClient, PgCluster};
use embeddb_difftest::{Config, run};

/// The seed of the normal suite; long runs pick a new one each time.
const NORMAL_SEED: u64 = 20_240_601;

fn env_flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// Connects to the PostgreSQL under test, starting a throwaway cluster unless told otherwise.
fn connect() -> (Option<PgCluster>, PgClient) {
    if let Ok(addr) = std::env::var("EMBEDDB_DIFF_PG") {
        let (host, port) = addr
            .rsplit_once(':')
            .expect("EMBEDDB_DIFF_PG must be host:port");
        let port: u16 = port.parse().expect("EMBEDDB_DIFF_PG port must be a number");
        let mut admin =
            PgClient::connect(host, port, "postgres", "postgres").unwrap_or_else(|e| panic!("{e}"));
        // CREATE DATABASE has no IF NOT EXISTS; an "already exists" error is fine.
        let _ = admin.batch("CREATE DATABASE embeddb_difftest");
        let client = PgClient::connect(host, port, "postgres", "embeddb_difftest")
            .unwrap_or_else(|e| panic!("{e}"));
        return (None, client);
    }
    let cluster = pg::start_cluster().unwrap_or_else(|e| {
        panic!("cannot start a throwaway PostgreSQL for the differential test: {e}")
    });
    let client = PgClient::connect("127.0.0.1", cluster.port, "postgres", "postgres")
        .unwrap_or_else(|e| panic!("{e}"));
    (Some(cluster), client)
}

#[test]
fn differential_against_postgresql() {
    let long = env_flag("EMBEDDB_LONG_TESTS");
    let seed = match std::env::var("EMBEDDB_DIFF_SEED") {
        Ok(s) => s
            .parse()
            .expect("EMBEDDB_DIFF_SEED must be an unsigned integer"),
        Err(_) if long => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1),
        Err(_) => NORMAL_SEED,
    };
    let config = if long {
        Config {
            seed,
            rounds: 100,
            queries_per_round: 200,
            max_failures: 20,
        }
    } else {
        Config {
            seed,
            rounds: 8,
            queries_per_round: 50,
            max_failures: 10,
        }
    };
    // Overrides for exploring: more rounds, or collecting every disagreement.
    let number = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(default)
    };
    let config = Config {
        rounds: number("EMBEDDB_DIFF_ROUNDS", config.rounds),
        queries_per_round: number("EMBEDDB_DIFF_QUERIES", config.queries_per_round),
        max_failures: number("EMBEDDB_DIFF_MAX_FAILURES", config.max_failures),
        ..config
    };
    let (_cluster, mut pg) = connect();
    let started = Instant::now();
    let summary = run(&config, &mut pg).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    eprintln!(
        "differential: seed {seed}, {} queries ({} rejected by both alike), {} disagreements, \
         {:.1}s (PostgreSQL {:.1}s, EmbedDB {:.1}s)\n  known bugs hit: {:?}\n  \
         PostgreSQL errors: {:?}",
        summary.queries,
        summary.both_errors,
        summary.disagreements.len(),
        started.elapsed().as_secs_f64(),
        summary.pg_time.as_secs_f64(),
        summary.embed_time.as_secs_f64(),
        summary.known,
        summary.pg_errors,
    );
    eprintln!(
        "  slowest on PostgreSQL ({:.2}s): {}",
        summary.slowest.0.as_secs_f64(),
        summary.slowest.1
    );
    if let Ok(path) = std::env::var("EMBEDDB_DIFF_OUT") {
        let mut text = String::new();
        for d in &summary.disagreements {
            text.push_str(&d.report(seed));
            text.push('\n');
        }
        std::fs::write(&path, text).expect("write EMBEDDB_DIFF_OUT");
    }
    if !summary.disagreements.is_empty() {
        let mut text = String::new();
        for d in &summary.disagreements {
            text.push_str(&d.report(seed));
            text.push('\n');
        }
        panic!(
            "EmbedDB and PostgreSQL disagree on {} queries (reproduce with \
             EMBEDDB_DIFF_SEED={seed}):\n\n{text}",
            summary.disagreements.len()
        );
    }
}
