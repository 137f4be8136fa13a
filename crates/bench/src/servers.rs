//! The two servers under test, each owned by a guard that stops it and removes its data
//! directory when dropped, also when the benchmark fails or panics part-way: the real
//! `embeddb` release binary on a temp `--data-dir`, and a throwaway PostgreSQL 15 cluster
//! (`embeddb-pgcluster`: initdb in a temp dir, loopback only, with PostgreSQL's durability
//! defaults).

use std::fs::File;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use embeddb_pgcluster::{ClusterOptions, StopMode};

/// A running PostgreSQL cluster owned by this process, stopped and removed when dropped.
pub use embeddb_pgcluster::PgCluster as Postgres;

/// How long a server may take to accept connections after it was started.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// How long EmbedDB may take to exit after SIGTERM (its own drain grace is 5 s, then it
/// flushes) before it is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// The system load averages (1, 5, 15 minutes) from `/proc/loadavg`, so readers can judge how
/// much other work shared the machine during a run.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|e| format!("unknown ({e})"))
}

/// A libpq-style connection string for a loopback server. Both systems are reached over TCP
/// (not PostgreSQL's Unix socket) so the transport is the same.
pub fn conninfo(port: u16) -> String {
    format!("host=127.0.0.1 port={port} user=postgres dbname=postgres")
}

/// The `embeddb` binary: `EMBEDDB_BENCH_BINARY` if given, else built with
/// `cargo build --release -p embeddb-server --bin embeddb` in this workspace. Cargo reports
/// where it put the executable, which respects `CARGO_TARGET_DIR` and any `.cargo/config`.
pub fn embeddb_binary(prebuilt: Option<&Path>) -> Result<PathBuf, String> {
    if let Some(path) = prebuilt {
        return if path.is_file() {
            Ok(path.to_path_buf())
        } else {
            Err(format!(
                "EMBEDDB_BENCH_BINARY={} is not a file",
                path.display()
            ))
        };
    }
    // Cargo sets CARGO for the processes it runs; fall back to PATH for a direct run.
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    eprintln!("building the embeddb release binary (cargo build --release -p embeddb-server)...");
    let output = Command::new(&cargo)
        .current_dir(&workspace)
        .args([
            "build",
            "--release",
            "-p",
            "embeddb-server",
            "--bin",
            "embeddb",
            "--message-format=json-render-diagnostics",
        ])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {cargo}: {e}"))?;
    if !output.status.success() {
        return Err(format!("building embeddb failed ({})", output.status));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "embeddb")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| "cargo built embeddb but did not report its executable".to_string())
}

/// A running `embeddb` server owned by this process.
pub struct EmbedDb {
    child: Option<Child>,
    /// Holds the data directory and the server log; removed when dropped, after the server
    /// has stopped.
    dir: tempfile::TempDir,
    pub port: u16,
}

impl EmbedDb {
    /// Starts `binary` on a free loopback port with a fresh data directory and a block cache
    /// of `cache_size` (`512MB`), and waits until it accepts connections.
    pub fn start(binary: &Path, cache_size: &str) -> Result<EmbedDb, String> {
        let dir = tempfile::Builder::new()
            .prefix("embeddb-bench-")
            .tempdir()
            .map_err(|e| format!("temp dir: {e}"))?;
        let log_path = dir.path().join("server.log");
        // The port can be taken between our probe and the server's bind: retry a few times,
        // each time with a fresh data directory.
        let mut last_error = String::new();
        for attempt in 0..5 {
            let port = embeddb_pgcluster::free_port()?;
            let log = File::create(&log_path).map_err(|e| format!("server log: {e}"))?;
            let mut child = Command::new(binary)
                .arg("--listen")
                .arg(format!("127.0.0.1:{port}"))
                .arg("--data-dir")
                .arg(dir.path().join(format!("data{attempt}")))
                .arg("--cache-size")
                .arg(cache_size)
                .env("RUST_LOG", "warn")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
            match wait_ready(&mut child, port) {
                Ok(()) => {
                    return Ok(EmbedDb {
                        child: Some(child),
                        dir,
                        port,
                    });
                }
                Err(e) => {
                    terminate(&mut child);
                    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                    last_error = format!("{e}\n--- embeddb log ---\n{log}");
                }
            }
        }
        Err(last_error)
    }

    /// The server's log so far (warnings and errors only).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// Stops the server now and says how it ended.
    pub fn stop(mut self) -> String {
        match self.child.take() {
            Some(mut child) => terminate(&mut child),
            None => "already stopped".to_string(),
        }
    }
}

fn wait_ready(child: &mut Child, port: u16) -> Result<(), String> {
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("embeddb exited at startup ({status})"));
        }
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!(
                "embeddb did not accept connections within {START_TIMEOUT:?}"
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// SIGTERM (EmbedDB's graceful shutdown, which flushes), then SIGKILL if it has not exited
/// in time. Returns how the process ended.
fn terminate(child: &mut Child) -> String {
    // `kill -TERM` rather than libc: no unsafe code for one signal.
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + STOP_TIMEOUT;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return format!("exited after SIGTERM ({status})"),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(50)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return format!("killed: no exit within {STOP_TIMEOUT:?} of SIGTERM");
            }
        }
    }
}

impl Drop for EmbedDb {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            terminate(&mut child);
        }
    }
}

/// Starts the throwaway PostgreSQL cluster (see `embeddb-pgcluster`) on a free loopback port.
/// Durability stays at PostgreSQL's defaults (fsync, synchronous_commit, full_page_writes all
/// on); only `shared_buffers` is set, to `shared_buffers`. It is stopped with
/// `pg_ctl stop -m fast` and its directory removed when dropped.
pub fn start_postgres(shared_buffers: &str) -> Result<Postgres, String> {
    Postgres::start(&ClusterOptions {
        dir_prefix: "embeddb-bench-pg-".to_string(),
        durable: true,
        locale: Some("C.UTF-8".to_string()),
        settings: vec![("shared_buffers".to_string(), shared_buffers.to_string())],
        stop_mode: StopMode::Fast,
    })
}
