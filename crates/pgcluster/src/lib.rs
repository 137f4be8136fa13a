//! A throwaway PostgreSQL 15 cluster for tests and benchmarks (the differential test in
//! `crates/difftest` and the benchmark in `crates/bench`).
//!
//! [`PgCluster::start`] runs `initdb` in a fresh temporary directory and `pg_ctl start` on a
//! free port, listening only on 127.0.0.1 (its Unix socket also lives in that directory). When
//! run as root, every PostgreSQL binary runs as the `postgres` user through `runuser`, because
//! PostgreSQL refuses to run as root. The cluster is stopped and its directory deleted when the
//! [`PgCluster`] is dropped, also when the caller fails or panics part-way. What differs between
//! callers (durability, locale, extra settings, how it is stopped) is in [`ClusterOptions`].

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

/// How `pg_ctl stop` shuts the server down.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopMode {
    /// `-m fast`: roll back sessions, then a clean shutdown with a checkpoint.
    Fast,
    /// `-m immediate`: no checkpoint (the next start would run crash recovery); for clusters
    /// whose data is thrown away anyway.
    Immediate,
}

impl StopMode {
    fn as_arg(self) -> &'static str {
        match self {
            StopMode::Fast => "fast",
            StopMode::Immediate => "immediate",
        }
    }
}

/// How to set up and run a cluster.
#[derive(Clone, Debug)]
pub struct ClusterOptions {
    /// The prefix of the temporary directory's name (in the system temp dir, usually `/tmp`).
    pub dir_prefix: String,
    /// `true` keeps PostgreSQL's durability defaults (`fsync`, `synchronous_commit`,
    /// `full_page_writes` all on); `false` turns all three off.
    pub durable: bool,
    /// `initdb --locale=...`; `None` leaves it to initdb (the environment's locale).
    pub locale: Option<String>,
    /// Further server settings, each passed as `-c name=value` at start.
    pub settings: Vec<(String, String)>,
    /// How the cluster is stopped, by [`PgCluster::stop`] and on drop.
    pub stop_mode: StopMode,
}

impl Default for ClusterOptions {
    /// Durable, `C.UTF-8` (code-point order, as EmbedDB compares text), no extra settings,
    /// stopped with `-m fast`.
    fn default() -> ClusterOptions {
        ClusterOptions {
            dir_prefix: "embeddb-pg-".to_string(),
            durable: true,
            locale: Some("C.UTF-8".to_string()),
            settings: Vec::new(),
            stop_mode: StopMode::Fast,
        }
    }
}

/// A running PostgreSQL cluster owned by this process.
pub struct PgCluster {
    bin: PathBuf,
    as_root: bool,
    running: bool,
    stop_mode: StopMode,
    /// Holds the cluster (`data/`), its socket and its log (`log`); removed when dropped, after
    /// the server has stopped.
    dir: tempfile::TempDir,
    /// The loopback TCP port the server listens on.
    pub port: u16,
}

fn run_checked(cmd: &mut Command, what: &str) -> Result<String, String> {
    let output = cmd
        .output()
        .map_err(|e| format!("{what}: cannot run {cmd:?}: {e}"))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
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
pub fn pg_bindir() -> Result<PathBuf, String> {
    let output = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .map_err(|e| {
            format!(
                "PostgreSQL 15's server binaries are needed, but `pg_config` cannot be run \
                 ({e}); install them (e.g. `apt-get install postgresql-15`)"
            )
        })?;
    if !output.status.success() {
        return Err(format!(
            "`pg_config --bindir` failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
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

/// A TCP port on 127.0.0.1 that nothing listens on right now (for a server about to start).
pub fn free_port() -> Result<u16, String> {
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
    /// initdb and start a cluster on a free loopback port, as `options` say; an `Err` explains
    /// what failed or is missing.
    pub fn start(options: &ClusterOptions) -> Result<PgCluster, String> {
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
            .prefix(&options.dir_prefix)
            .tempdir()
            .map_err(|e| format!("temp dir: {e}"))?;
        if as_root {
            run_checked(
                Command::new("chown").arg("postgres").arg(dir.path()),
                "chown postgres (is there a `postgres` user?)",
            )?;
        }
        let mut cluster = PgCluster {
            bin,
            as_root,
            running: false,
            stop_mode: options.stop_mode,
            dir,
            port: 0,
        };
        let data = cluster.dir.path().join("data");
        let mut initdb = pg_command(&cluster.bin, "initdb", as_root);
        initdb
            .arg("-D")
            .arg(&data)
            .args(["-A", "trust", "-E", "UTF8"]);
        if let Some(locale) = &options.locale {
            initdb.arg(format!("--locale={locale}"));
        }
        run_checked(initdb.args(["-U", "postgres"]), "initdb")?;

        let mut settings = String::new();
        if !options.durable {
            settings.push_str(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        for (name, value) in &options.settings {
            settings.push_str(&format!(" -c {name}={value}"));
        }
        let log = cluster.dir.path().join("log");
        // A port can be taken between our probe and the server's bind: retry a few times.
        let mut last_error = String::new();
        for _ in 0..5 {
            let port = free_port()?;
            let server_options = format!(
                "-c listen_addresses=127.0.0.1 -p {port} -k {}{settings}",
                cluster.dir.path().display()
            );
            let started = run_checked(
                pg_command(&cluster.bin, "pg_ctl", as_root)
                    .arg("-D")
                    .arg(&data)
                    .args(["-o", &server_options, "-l"])
                    .arg(&log)
                    .args(["-w", "start"]),
                "pg_ctl start",
            );
            match started {
                Ok(_) => {
                    cluster.running = true;
                    cluster.port = port;
                    return Ok(cluster);
                }
                Err(e) => {
                    let log = std::fs::read_to_string(&log).unwrap_or_default();
                    last_error = format!("{e}\n--- server log ---\n{log}");
                }
            }
        }
        Err(last_error)
    }

    /// The temporary directory holding the cluster (`data/`), its socket and its log (`log`).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Stops the server now (`pg_ctl stop` in the options' mode) and says how it went; the
    /// directory is removed when `self` is dropped, at the end of this call.
    pub fn stop(mut self) -> String {
        self.stop_server()
    }

    fn stop_server(&mut self) -> String {
        if !self.running {
            return "already stopped".to_string();
        }
        self.running = false;
        let mode = self.stop_mode.as_arg();
        match run_checked(
            pg_command(&self.bin, "pg_ctl", self.as_root)
                .arg("-D")
                .arg(self.dir.path().join("data"))
                .args(["-m", mode, "-w", "stop"]),
            "pg_ctl stop",
        ) {
            Ok(_) => format!("stopped (pg_ctl stop -m {mode})"),
            Err(e) => e,
        }
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        self.stop_server();
        // The TempDir removes the cluster after this.
    }
}
