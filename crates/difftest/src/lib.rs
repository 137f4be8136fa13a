//! Differential testing of EmbedDB against PostgreSQL 15: random schemas and queries, run on
//! both, compared as PostgreSQL prints them.
//!
//! A run is a number of rounds; each round creates a random schema with data on both engines
//! and runs a number of random queries. Everything follows from one seed: round `r` uses the
//! `r`-th seed forked from it, and query `q` of a round the `q`-th seed forked from the
//! round's, so a failure is reproduced by the seed alone.

pub mod embed;
pub mod generator;
pub mod known;
pub mod outcome;
pub mod pg;
pub mod rng;
pub mod schema;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::time::{Duration, Instant};

use crate::embed::Embed;
use crate::generator::Gen;
use crate::known::known_bug;
use crate::outcome::{Mismatch, Outcome, compare, render};
use crate::pg::PgClient;
use crate::rng::Rng;
use crate::schema::Schema;

/// What to run.
#[derive(Clone, Debug)]
pub struct Config {
    pub seed: u64,
    pub rounds: usize,
    pub queries_per_round: usize,
    /// Stop after this many disagreements (the rest are usually the same bugs again).
    pub max_failures: usize,
}

/// One query on which the engines disagree.
#[derive(Clone, Debug)]
pub struct Disagreement {
    pub round: usize,
    pub query: usize,
    pub setup: Vec<String>,
    pub sql: String,
    pub mismatch: Mismatch,
    pub pg: Outcome,
    pub embed: Outcome,
    pub order: outcome::Order,
}

impl Disagreement {
    /// A self-contained description: the schema, the query and both answers.
    pub fn report(&self, seed: u64) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "=== {} (EMBEDDB_DIFF_SEED={seed}, round {}, query {})",
            self.mismatch, self.round, self.query
        );
        for s in &self.setup {
            let _ = writeln!(out, "{s};");
        }
        let _ = writeln!(out, "{};", self.sql);
        let _ = writeln!(out, "--- PostgreSQL: {}", render(&self.pg, self.order));
        let _ = writeln!(out, "--- EmbedDB:    {}", render(&self.embed, self.order));
        out
    }
}

/// Totals of a run.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub queries: usize,
    /// Queries PostgreSQL rejected (and EmbedDB with the same SQLSTATE).
    pub both_errors: usize,
    /// Disagreements recognised as known bugs, by regression file.
    pub known: BTreeMap<&'static str, usize>,
    /// Time spent in each engine.
    pub pg_time: Duration,
    pub embed_time: Duration,
    /// The query PostgreSQL took longest on (to keep the generator's queries cheap).
    pub slowest: (Duration, String),
    /// PostgreSQL's errors by SQLSTATE (to keep the generator's error rate low).
    pub pg_errors: BTreeMap<String, usize>,
    pub disagreements: Vec<Disagreement>,
}

/// Runs the configured rounds against `pg`, with a fresh EmbedDB database per round.
pub fn run(config: &Config, pg: &mut PgClient) -> Result<Summary, String> {
    let mut summary = Summary::default();
    let mut seeds = Rng::new(config.seed);
    let mut trace = match std::env::var("EMBEDDB_DIFF_TRACE") {
        Ok(path) => Some(std::fs::File::create(&path).map_err(|e| format!("{path}: {e}"))?),
        Err(_) => None,
    };
    for round in 0..config.rounds {
        let round_seed = seeds.fork();
        let mut round_rng = Rng::new(round_seed);
        let schema = Schema::random(&mut round_rng);
        let setup = schema.setup_sql();
        let mut embed = Embed::open()?;
        for statement in &setup {
            pg.batch(statement)?;
            embed.batch(statement)?;
        }
        for query in 0..config.queries_per_round {
            let mut generator = Gen::new(&schema, round_rng.fork());
            let q = generator.query();
            summary.queries += 1;
            let started = Instant::now();
            let pg_outcome = pg.query(&q.sql);
            let pg_elapsed = started.elapsed();
            summary.pg_time += pg_elapsed;
            if pg_elapsed > summary.slowest.0 {
                summary.slowest = (pg_elapsed, q.sql.clone());
            }
            if let Some(trace) = &mut trace {
                // Written before running, so the last line names a query that brought the
                // process down.
                let _ = writeln!(trace, "{};", q.sql);
                let _ = trace.flush();
            }
            let started = Instant::now();
            let embed_outcome = embed.query(&q.sql);
            summary.embed_time += started.elapsed();
            if let Outcome::Error { code, message } = &pg_outcome {
                *summary.pg_errors.entry(code.clone()).or_default() += 1;
                if std::env::var_os("EMBEDDB_DIFF_SHOW_PG_ERRORS").is_some() {
                    eprintln!("PostgreSQL {code}: {message}\n  {}", q.sql);
                }
            }
            if let Some(mismatch) = compare(&pg_outcome, &embed_outcome, q.order) {
                if let Some(bug) = known_bug(&q.sql, &pg_outcome, &embed_outcome) {
                    *summary.known.entry(bug.regress_file).or_default() += 1;
                    continue;
                }
                summary.disagreements.push(Disagreement {
                    round,
                    query,
                    setup: setup.clone(),
                    sql: q.sql,
                    mismatch,
                    pg: pg_outcome,
                    embed: embed_outcome,
                    order: q.order,
                });
                if summary.disagreements.len() >= config.max_failures || embed.is_dead() {
                    return Ok(summary);
                }
            } else if matches!(pg_outcome, Outcome::Error { .. }) {
                summary.both_errors += 1;
            }
        }
    }
    Ok(summary)
}
