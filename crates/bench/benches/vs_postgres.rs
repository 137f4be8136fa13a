//! EmbedDB against PostgreSQL 15, side by side in one run, over the wire:
//! `cargo bench -p embeddb-bench --bench vs_postgres`.
//!
//! Starts the real `embeddb` release binary and a throwaway PostgreSQL cluster, loads the same
//! data into both, runs each workload against both with the same SQL and client code (the
//! system that goes first alternating between workloads and rounds), and prints a table of
//! figures and EmbedDB/PostgreSQL ratios. Sizes come from `EMBEDDB_BENCH_*` variables; see
//! `docs/benchmarks.md`.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicI64;
use std::time::{Duration, Instant};

use bytes::Bytes;
use embeddb_bench::config::Config;
use embeddb_bench::data::{self, Keys};
use embeddb_bench::measure::{self, Op, OpContext, TextRows, Throughput};
use embeddb_bench::report::{self, Better, Entry};
use embeddb_bench::servers::{self, EmbedDb};
use tokio_postgres::Client;

const EMBEDDB: usize = 0;
const POSTGRES: usize = 1;
const NAMES: [&str; 2] = ["EmbedDB", "PostgreSQL"];

/// Size of one CopyData message: large enough that per-message overhead is negligible for
/// both servers.
const COPY_CHUNK_BYTES: usize = 256 * 1024;

/// The main table's definition under another name (`t`, `t2`, `ins`).
fn create_table(name: &str) -> String {
    format!("CREATE TABLE {name} (id int PRIMARY KEY, k int, v text)")
}
const GROUP_BY_SQL: &str =
    "SELECT k % 100, count(*), sum(id), avg(length(v)) FROM t GROUP BY 1 ORDER BY 1";
const JOIN_SQL: &str = "SELECT s.region, p.category, count(*), sum(f.qty * f.price) \
     FROM sales f JOIN product p ON p.id = f.product_id JOIN store s ON s.id = f.store_id \
     GROUP BY s.region, p.category ORDER BY s.region, p.category";

fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("vs_postgres: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("building the tokio runtime for the benchmark clients");
    let outcome = runtime.block_on(async {
        // On Ctrl-C the benchmark future is dropped, and with it the server guards, so no
        // PostgreSQL cluster is left running in /tmp.
        tokio::select! {
            r = run(&config) => r,
            _ = tokio::signal::ctrl_c() => Err("interrupted".to_string()),
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("vs_postgres: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs CHECKPOINT on both systems before a timed round that writes, as pgbench does before
/// its runs: each system's memtables or dirty buffers from the steps before are written out
/// now, not by background writers while the other system's round is timed and fsyncs. A
/// failed CHECKPOINT is reported and the round still runs.
async fn settle(systems: &[System], notes: &mut Vec<String>) {
    for (s, system) in systems.iter().enumerate() {
        if let Err(e) = measure::batch(&system.client, "CHECKPOINT").await {
            let note = format!("{}: CHECKPOINT before a round failed: {e}", NAMES[s]);
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
    }
}

/// The order in which the two systems run step `i`: alternating, so neither always runs on a
/// machine the other has just warmed (or loaded).
fn order(i: usize) -> [usize; 2] {
    if i.is_multiple_of(2) {
        [EMBEDDB, POSTGRES]
    } else {
        [POSTGRES, EMBEDDB]
    }
}

/// `1M`, `100k`, or the plain number.
fn human(n: usize) -> String {
    if n >= 1_000_000 && n.is_multiple_of(1_000_000) {
        format!("{}M", n / 1_000_000)
    } else if n >= 1_000 && n.is_multiple_of(1_000) {
        format!("{}k", n / 1_000)
    } else {
        n.to_string()
    }
}

fn now_utc() -> String {
    std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M:%S UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

/// One system under test, as the client sees it.
struct System {
    conninfo: String,
    /// A connection for loads, setup and the latency queries.
    client: Client,
    /// Next id for the single-row INSERT workload.
    next_id: Arc<AtomicI64>,
}

/// The pre-generated data, identical for both systems.
struct Dataset {
    copy_chunks: Vec<Bytes>,
    inserts: Vec<String>,
    sales: Vec<Bytes>,
    product: Bytes,
    store: Bytes,
}

async fn run(config: &Config) -> Result<(), String> {
    let start_load = servers::load_average();
    println!("EmbedDB vs PostgreSQL, side by side: {}", now_utc());
    println!(
        "machine: {} cores; load average at start: {start_load}",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!(
        "config: rows={} batch={} clients={} seconds={} warmup={} rounds={} repeats={} \
         cache size={}{}",
        config.rows,
        config.batch,
        config.clients,
        config.seconds,
        config.warmup_seconds,
        config.rounds,
        config.repeats,
        config.cache_size,
        config
            .only
            .as_ref()
            .map(|o| format!(" only={}", o.join(",")))
            .unwrap_or_default()
    );

    // Blocking work (cargo, initdb) happens before any clock starts.
    let binary = servers::embeddb_binary(config.binary.as_deref())?;
    println!("embeddb binary: {}", binary.display());
    let embeddb = EmbedDb::start(&binary, &config.cache_size)?;
    let postgres = servers::start_postgres(&config.cache_size)?;

    let mut systems = Vec::new();
    for port in [embeddb.port, postgres.port] {
        let conninfo = servers::conninfo(port);
        let client = measure::connect(&conninfo).await?;
        systems.push(System {
            conninfo,
            client,
            next_id: Arc::new(AtomicI64::new(0)),
        });
    }
    let ports = [embeddb.port, postgres.port];
    for (i, system) in systems.iter().enumerate() {
        let version = measure::timed_query(&system.client, "SELECT version()")
            .await
            .map(|(_, rows)| rows.first().and_then(|r| r[0].clone()).unwrap_or_default())
            .unwrap_or_else(|e| format!("version() failed: {e}"));
        println!("{}: {version} (port {})", NAMES[i], ports[i]);
    }

    let generated = Instant::now();
    let keys = Keys::new(config.rows);
    let dataset = Dataset {
        copy_chunks: data::copy_chunks(keys, config.rows, COPY_CHUNK_BYTES),
        inserts: if config.wants("insert_batch") {
            data::insert_statements("t2", keys, config.rows, config.batch)
        } else {
            Vec::new()
        },
        sales: if config.wants("join") {
            data::sales_copy(config.rows, COPY_CHUNK_BYTES)
        } else {
            Vec::new()
        },
        product: data::product_copy(),
        store: data::store_copy(),
    };
    println!(
        "generated the data in {:.1} s ({} MB of COPY text)\n",
        generated.elapsed().as_secs_f64(),
        dataset.copy_chunks.iter().map(|c| c.len()).sum::<usize>() >> 20
    );

    let mut entries = Vec::new();
    let mut notes = Vec::new();
    let rows = human(config.rows);

    // 1. COPY load into t. The table is needed by every read workload, so it is loaded even when
    //    the workload is not selected (untimed then).
    let mut copy_results: [Result<f64, String>; 2] = [Ok(0.0), Ok(0.0)];
    for s in order(0) {
        let result = load_copy(&systems[s].client, &dataset).await;
        if let Ok((elapsed, reported)) = &result {
            println!(
                "copy: {} loaded {rows} rows in {:.2} s (server reported {reported} rows)",
                NAMES[s],
                elapsed.as_secs_f64()
            );
        }
        copy_results[s] = result.map(|(elapsed, _)| config.rows as f64 / elapsed.as_secs_f64());
    }
    for s in [EMBEDDB, POSTGRES] {
        if let Err(e) = &copy_results[s] {
            // Keep the read workloads measurable: load t with multi-row INSERTs instead.
            println!("copy: {} failed: {e}", NAMES[s]);
            let fallback = fallback_load(&systems[s].client, keys, config).await;
            notes.push(format!(
                "{}: COPY failed, so t was loaded with multi-row INSERTs instead ({})",
                NAMES[s],
                fallback.map_or_else(|e| format!("which also failed: {e}"), |_| "ok".into())
            ));
        }
    }
    if config.wants("copy") {
        let [e, p] = copy_results;
        entries.push(Entry {
            workload: format!("COPY load, {rows} rows"),
            unit: "rows/s",
            better: Better::Higher,
            embeddb: e,
            postgres: p,
            goal: Some(2.0),
        });
    }

    // 2. Multi-row INSERT load into t2 (dropped afterwards to free memory). Each system loads
    //    once per round, the two alternating which goes first; the best round of each counts,
    //    as for the throughput workloads (a load takes seconds, long enough for the host's
    //    other work to slow one system's only run).
    if config.wants("insert_batch") {
        let mut results: [Result<f64, String>; 2] = [Ok(0.0), Ok(0.0)];
        for round in 0..config.rounds {
            for s in order(1 + round) {
                if results[s].is_err() {
                    continue;
                }
                let client = &systems[s].client;
                let result = async {
                    measure::batch(client, "DROP TABLE IF EXISTS t2").await?;
                    measure::batch(client, &create_table("t2")).await?;
                    settle(&systems, &mut notes).await;
                    let elapsed = measure::run_statements(client, &dataset.inserts).await?;
                    measure::batch(client, "DROP TABLE t2").await?;
                    Ok::<_, String>(elapsed)
                }
                .await;
                match &result {
                    Ok(elapsed) => println!(
                        "insert_batch: round {} {} loaded {rows} rows in {:.2} s",
                        round + 1,
                        NAMES[s],
                        elapsed.as_secs_f64()
                    ),
                    Err(e) => println!("insert_batch: {} failed: {e}", NAMES[s]),
                }
                // A system that failed is skipped above, so its best so far is a rate.
                let best = results[s].as_ref().map_or(0.0, |best| *best);
                results[s] =
                    result.map(|elapsed| best.max(config.rows as f64 / elapsed.as_secs_f64()));
            }
        }
        let [e, p] = results;
        entries.push(Entry {
            workload: format!("INSERT load, {rows} rows, {}-row statements", config.batch),
            unit: "rows/s",
            better: Better::Higher,
            embeddb: e,
            postgres: p,
            goal: Some(2.0),
        });
    }

    // Setup for the remaining workloads (untimed, except CREATE INDEX, reported for interest).
    let mut index_results: [Result<f64, String>; 2] = [Ok(0.0), Ok(0.0)];
    for s in order(2) {
        let start = Instant::now();
        index_results[s] = measure::batch(&systems[s].client, "CREATE INDEX t_k ON t (k)")
            .await
            .map(|()| start.elapsed().as_secs_f64() * 1000.0);
    }
    if config.wants("range_select") {
        let [e, p] = index_results;
        entries.push(Entry {
            workload: format!("CREATE INDEX on k, {rows} rows (extra)"),
            unit: "ms",
            better: Better::Lower,
            embeddb: e,
            postgres: p,
            goal: None,
        });
    }
    for (s, system) in systems.iter().enumerate() {
        setup(system, s, config, &dataset, &mut notes).await?;
    }

    // 3–5. Closed-loop throughput with `clients` connections each.
    let ctx_rows = config.rows;
    let throughput_workloads = [
        (
            "insert_single",
            Op::InsertSingle,
            format!(
                "single-row INSERT (autocommit, fsync), {} clients",
                config.clients
            ),
            "tx/s",
            Some(1.5),
        ),
        (
            "point_select",
            Op::PointSelect,
            format!("PK SELECT (prepared), {} clients", config.clients),
            "queries/s",
            Some(1.0),
        ),
        (
            "range_select",
            Op::RangeSelect,
            format!("k BETWEEN range, ~100 rows, {} clients", config.clients),
            "queries/s",
            None,
        ),
    ];
    for (w, (name, op, label, unit, goal)) in throughput_workloads.into_iter().enumerate() {
        if !config.wants(name) {
            continue;
        }
        let mut best: [Result<Throughput, String>; 2] =
            [Ok(Throughput::default()), Ok(Throughput::default())];
        for round in 0..config.rounds {
            for s in order(w + round) {
                if best[s].is_err() {
                    continue;
                }
                if op == Op::InsertSingle {
                    settle(&systems, &mut notes).await;
                }
                let ctx = OpContext {
                    keys,
                    rows: ctx_rows,
                    next_id: systems[s].next_id.clone(),
                };
                let result = measure::throughput(
                    &systems[s].conninfo,
                    op,
                    &ctx,
                    config.clients,
                    Duration::from_secs_f64(config.warmup_seconds),
                    Duration::from_secs_f64(config.seconds),
                    (w * 100 + round) as u64,
                )
                .await;
                match result {
                    Ok(t) => {
                        println!(
                            "{name}: round {} {}: {} (p50 {:.2} ms, p99 {:.2} ms, {:.1} rows/op, \
                             load {})",
                            round + 1,
                            NAMES[s],
                            report::format_value(t.per_second(), unit),
                            t.p50_us as f64 / 1000.0,
                            t.p99_us as f64 / 1000.0,
                            t.rows_per_op(),
                            servers::load_average()
                        );
                        if op != Op::InsertSingle && round == 0 {
                            let expected = if op == Op::PointSelect { 1.0 } else { 100.0 };
                            if (t.rows_per_op() - expected).abs() > expected * 0.05 {
                                notes.push(format!(
                                    "{name} on {}: {:.2} rows per query, expected {expected}",
                                    NAMES[s],
                                    t.rows_per_op()
                                ));
                            }
                        }
                        // Best of the rounds: interference from other work on a shared machine
                        // only ever slows a round down.
                        if let Ok(b) = &best[s]
                            && t.per_second() > b.per_second()
                        {
                            best[s] = Ok(t);
                        }
                    }
                    Err(e) => {
                        println!("{name}: round {} {} failed: {e}", round + 1, NAMES[s]);
                        best[s] = Err(e);
                    }
                }
            }
        }
        let [e, p] = best.map(|b| b.map(|t| t.per_second()));
        entries.push(Entry {
            workload: label,
            unit,
            better: Better::Higher,
            embeddb: e,
            postgres: p,
            goal,
        });
    }

    // 6–7. Latency of analytical queries: best of `repeats` after one warm-up run each.
    let latency_workloads = [
        (
            "group_by",
            GROUP_BY_SQL,
            format!("GROUP BY over {rows} rows, best of {}", config.repeats),
        ),
        (
            "join",
            JOIN_SQL,
            format!(
                "3-table join ({rows} x 10k x 1k) + GROUP BY, best of {}",
                config.repeats
            ),
        ),
    ];
    for (w, (name, sql, label)) in latency_workloads.into_iter().enumerate() {
        if !config.wants(name) {
            continue;
        }
        let [e, p] = latency(&systems, name, sql, config.repeats, w, &mut notes).await;
        entries.push(Entry {
            workload: label,
            unit: "ms",
            better: Better::Lower,
            embeddb: e,
            postgres: p,
            goal: None,
        });
    }

    println!("\n{}", report::render(&entries));
    println!("Ratios: EmbedDB ÷ PostgreSQL for throughputs, PostgreSQL ÷ EmbedDB for times.");
    for note in &notes {
        println!("note: {note}");
    }
    println!(
        "load average: at start {start_load}; at end {}",
        servers::load_average()
    );

    drop(systems);
    let log = embeddb.log();
    if !log.trim().is_empty() {
        let tail: Vec<&str> = log.lines().rev().take(20).collect();
        println!("embeddb log (last lines):");
        for line in tail.iter().rev() {
            println!("  {line}");
        }
    }
    println!("embeddb: {}", embeddb.stop());
    println!("postgres: {}", postgres.stop());
    Ok(())
}

/// Creates `t` and loads it by COPY; returns the elapsed time and the rows the server
/// reported.
async fn load_copy(client: &Client, dataset: &Dataset) -> Result<(Duration, u64), String> {
    measure::batch(client, "DROP TABLE IF EXISTS t").await?;
    measure::batch(client, &create_table("t")).await?;
    measure::copy_in(client, "COPY t (id, k, v) FROM STDIN", &dataset.copy_chunks).await
}

/// Loads `t` with multi-row INSERTs when COPY failed on a system.
async fn fallback_load(client: &Client, keys: Keys, config: &Config) -> Result<(), String> {
    measure::batch(client, "DROP TABLE IF EXISTS t").await?;
    measure::batch(client, &create_table("t")).await?;
    let statements = data::insert_statements("t", keys, config.rows, config.batch);
    measure::run_statements(client, &statements)
        .await
        .map(|_| ())
}

/// Untimed preparation of one system for the throughput and latency workloads.
async fn setup(
    system: &System,
    s: usize,
    config: &Config,
    dataset: &Dataset,
    notes: &mut Vec<String>,
) -> Result<(), String> {
    let client = &system.client;
    if config.wants("insert_single") {
        measure::batch(client, "DROP TABLE IF EXISTS ins").await?;
        measure::batch(client, &create_table("ins")).await?;
    }
    if config.wants("join") {
        let result = async {
            measure::batch(
                client,
                "DROP TABLE IF EXISTS sales; DROP TABLE IF EXISTS product; \
                 DROP TABLE IF EXISTS store",
            )
            .await?;
            measure::batch(
                client,
                "CREATE TABLE product (id int PRIMARY KEY, category text, name text)",
            )
            .await?;
            measure::batch(
                client,
                "CREATE TABLE store (id int PRIMARY KEY, region text, name text)",
            )
            .await?;
            measure::batch(
                client,
                "CREATE TABLE sales (id int PRIMARY KEY, product_id int, store_id int, \
                 qty int, price int)",
            )
            .await?;
            measure::copy_in(
                client,
                "COPY product FROM STDIN",
                std::slice::from_ref(&dataset.product),
            )
            .await?;
            measure::copy_in(
                client,
                "COPY store FROM STDIN",
                std::slice::from_ref(&dataset.store),
            )
            .await?;
            measure::copy_in(client, "COPY sales FROM STDIN", &dataset.sales).await
        }
        .await;
        if let Err(e) = result {
            // The join workload will then report its own error; the others can still run.
            notes.push(format!("{}: loading the join tables failed: {e}", NAMES[s]));
        }
    }
    if s == POSTGRES {
        // What a PostgreSQL user does after a bulk load: statistics for the planner, hint
        // bits and the visibility map set (as `pgbench -i` does), and a checkpoint so that the
        // measured phases do not start with the load's dirty pages still to write.
        measure::batch(client, "VACUUM ANALYZE").await?;
        measure::batch(client, "CHECKPOINT").await?;
    } else if let Err(e) = measure::batch(client, "ANALYZE").await {
        // EmbedDB estimates sizes from its storage engine; ANALYZE is optional there.
        notes.push(format!("EmbedDB: ANALYZE not run: {e}"));
    }
    Ok(())
}

/// Runs `sql` once on each system untimed (and compares the answers), then `repeats` timed
/// runs alternating which system goes first; returns the best time per system in ms.
async fn latency(
    systems: &[System],
    name: &str,
    sql: &str,
    repeats: usize,
    w: usize,
    notes: &mut Vec<String>,
) -> [Result<f64, String>; 2] {
    let mut answers: [Option<TextRows>; 2] = [None, None];
    let mut times: [Result<Vec<f64>, String>; 2] = [Ok(Vec::new()), Ok(Vec::new())];
    for s in order(w) {
        match measure::timed_query(&systems[s].client, sql).await {
            Ok((_, rows)) => answers[s] = Some(rows),
            Err(e) => {
                println!("{name}: {} failed: {e}", NAMES[s]);
                times[s] = Err(e);
            }
        }
    }
    if let [Some(e), Some(p)] = &answers
        && e != p
    {
        let first = e.iter().zip(p).position(|(a, b)| a != b);
        notes.push(format!(
            "{name}: the answers differ ({} rows on EmbedDB, {} on PostgreSQL{})",
            e.len(),
            p.len(),
            first
                .map(|i| format!("; first difference at row {i}: {:?} vs {:?}", e[i], p[i]))
                .unwrap_or_default()
        ));
    }
    for rep in 0..repeats {
        for s in order(w + rep) {
            let Ok(list) = &mut times[s] else { continue };
            match measure::timed_query(&systems[s].client, sql).await {
                Ok((elapsed, _)) => list.push(elapsed.as_secs_f64() * 1000.0),
                Err(e) => times[s] = Err(e),
            }
        }
    }
    let mut result: [Result<f64, String>; 2] = [Ok(0.0), Ok(0.0)];
    for s in [EMBEDDB, POSTGRES] {
        result[s] = match &mut times[s] {
            Ok(list) if !list.is_empty() => {
                list.sort_by(f64::total_cmp);
                println!(
                    "{name}: {}: best {:.1} ms, median {:.1} ms, worst {:.1} ms ({} rows)",
                    NAMES[s],
                    list[0],
                    measure::percentile(list, 0.5),
                    list[list.len() - 1],
                    answers[s].as_ref().map_or(0, |a| a.len())
                );
                Ok(list[0])
            }
            Ok(_) => Err("no timed runs".to_string()),
            Err(e) => Err(e.clone()),
        };
    }
    result
}
