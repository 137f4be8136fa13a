//! The benchmark's knobs, read from `EMBEDDB_BENCH_*` environment variables so that a quick
//! run (`EMBEDDB_BENCH_ROWS=100000 EMBEDDB_BENCH_SECONDS=3`) needs no code change. The defaults
//! are the sizes issue 4 asks for.

use std::path::PathBuf;

/// Every workload, by the name `EMBEDDB_BENCH_ONLY` selects it with, in run order.
pub const WORKLOADS: &[&str] = &[
    "copy",
    "insert_batch",
    "insert_single",
    "point_select",
    "range_select",
    "group_by",
    "join",
];

/// What one run measures and how long.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// Rows bulk-loaded, and so the size of the table every read workload runs on.
    pub rows: usize,
    /// Rows per multi-row INSERT statement in the batch-insert load.
    pub batch: usize,
    /// Concurrent connections in the throughput workloads.
    pub clients: usize,
    /// Measured seconds per system per round of a throughput workload.
    pub seconds: f64,
    /// Unmeasured seconds of the same load before each measured window (caches, plan caches,
    /// connection pools in the server all settle).
    pub warmup_seconds: f64,
    /// Rounds of each throughput workload and of the INSERT load (the best round counts); the
    /// order of the systems alternates between rounds (ABBA...) so that a neighbour's build
    /// starting mid-run does not favour one side.
    pub rounds: usize,
    /// Timed runs of each latency query per system (after one untimed warm-up run).
    pub repeats: usize,
    /// Workloads to run; `None` runs all of them.
    pub only: Option<Vec<String>>,
    /// A prebuilt `embeddb` binary; `None` builds it with cargo.
    pub binary: Option<PathBuf>,
    /// The memory each system caches table and index pages in: PostgreSQL's
    /// `shared_buffers` and EmbedDB's `--cache-size`, raised from their 128MB defaults so the
    /// 1M-row tables and their indexes fit in either cache.
    pub cache_size: String,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            rows: 1_000_000,
            batch: 1_000,
            clients: 16,
            seconds: 10.0,
            warmup_seconds: 2.0,
            rounds: 2,
            repeats: 5,
            only: None,
            binary: None,
            cache_size: "512MB".to_string(),
        }
    }
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Config, String> {
        Config::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads the configuration through `env` (a seam for tests); empty values mean "default".
    pub fn from_lookup(env: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let get = |k: &str| {
            env(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let mut c = Config::default();
        if let Some(v) = get("EMBEDDB_BENCH_ROWS") {
            c.rows = parse_count("EMBEDDB_BENCH_ROWS", &v)?;
        }
        if let Some(v) = get("EMBEDDB_BENCH_BATCH") {
            c.batch = parse_count("EMBEDDB_BENCH_BATCH", &v)?;
        }
        if let Some(v) = get("EMBEDDB_BENCH_CLIENTS") {
            c.clients = parse_count("EMBEDDB_BENCH_CLIENTS", &v)?;
        }
        if let Some(v) = get("EMBEDDB_BENCH_SECONDS") {
            c.seconds = parse_seconds("EMBEDDB_BENCH_SECONDS", &v)?;
        }
        if let Some(v) = get("EMBEDDB_BENCH_WARMUP") {
            c.warmup_seconds = parse_seconds("EMBEDDB_BENCH_WARMUP", &v)?;
        }
        if let Some(v) = get("EMBEDDB_BENCH_ROUNDS") {
            c.rounds = parse_count("EMBEDDB_BENCH_ROUNDS", &v)?;
        }
        if let Some(v) = get("EMBEDDB_BENCH_REPEATS") {
            c.repeats = parse_count("EMBEDDB_BENCH_REPEATS", &v)?;
        }
        if let Some(v) = get("EMBEDDB_BENCH_ONLY") {
            let names: Vec<String> = v.split(',').map(|s| s.trim().to_string()).collect();
            if let Some(bad) = names.iter().find(|n| !WORKLOADS.contains(&n.as_str())) {
                return Err(format!(
                    "EMBEDDB_BENCH_ONLY: unknown workload {bad:?}; known: {}",
                    WORKLOADS.join(", ")
                ));
            }
            c.only = Some(names);
        }
        c.binary = get("EMBEDDB_BENCH_BINARY").map(PathBuf::from);
        if let Some(v) = get("EMBEDDB_BENCH_CACHE_SIZE") {
            c.cache_size = v;
        }
        if c.rows < 100 {
            // The range query selects ten distinct keys out of rows/10; fewer rows make it
            // meaningless.
            return Err(format!(
                "EMBEDDB_BENCH_ROWS must be at least 100, not {}",
                c.rows
            ));
        }
        Ok(c)
    }

    /// Whether `EMBEDDB_BENCH_ONLY` (if set) selects this workload.
    pub fn wants(&self, workload: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|names| names.iter().any(|n| n == workload))
    }
}

fn parse_count(name: &str, value: &str) -> Result<usize, String> {
    // Underscores allowed so `1_000_000` reads as written in the docs.
    match value.replace('_', "").parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{name} must be a positive integer, not {value:?}")),
    }
}

fn parse_seconds(name: &str, value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(s) if s.is_finite() && s >= 0.0 => Ok(s),
        _ => Err(format!(
            "{name} must be a non-negative number of seconds, not {value:?}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    #[test]
    fn defaults_are_the_issues_sizes() {
        let c = Config::from_lookup(env_of(&[])).expect("defaults");
        assert_eq!(c, Config::default());
        assert_eq!(c.rows, 1_000_000);
        assert_eq!(c.clients, 16);
        assert_eq!(c.batch, 1_000);
        assert!(c.wants("join"));
    }

    #[test]
    fn overrides_and_errors() {
        let c = Config::from_lookup(env_of(&[
            ("EMBEDDB_BENCH_ROWS", "100_000"),
            ("EMBEDDB_BENCH_SECONDS", "2.5"),
            ("EMBEDDB_BENCH_ONLY", "copy, join"),
            ("EMBEDDB_BENCH_BINARY", ""),
        ]))
        .expect("overrides");
        assert_eq!(c.rows, 100_000);
        assert_eq!(c.seconds, 2.5);
        assert!(c.wants("copy") && c.wants("join") && !c.wants("group_by"));
        assert_eq!(c.binary, None);
        assert!(Config::from_lookup(env_of(&[("EMBEDDB_BENCH_ROWS", "x")])).is_err());
        assert!(Config::from_lookup(env_of(&[("EMBEDDB_BENCH_ROWS", "10")])).is_err());
        assert!(Config::from_lookup(env_of(&[("EMBEDDB_BENCH_CLIENTS", "0")])).is_err());
        assert!(Config::from_lookup(env_of(&[("EMBEDDB_BENCH_ONLY", "nope")])).is_err());
        assert!(Config::from_lookup(env_of(&[("EMBEDDB_BENCH_SECONDS", "-1")])).is_err());
    }
}
