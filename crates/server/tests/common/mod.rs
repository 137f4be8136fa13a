//! Starting and stopping the real `embeddb` binary for tests: a free loopback port, a fresh
//! temporary data directory, the server's log kept in a file for failure messages.

#![allow(dead_code)] // each test binary uses a different part of this module

use std::fs::File;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub const BINARY: &str = env!("CARGO_BIN_EXE_embeddb");

/// A running server on its own port and data directory (removed when dropped).
pub struct TestServer {
    pub port: u16,
    pub data_dir: PathBuf,
    log: PathBuf,
    child: Option<Child>,
    _temp: Option<tempfile::TempDir>,
}

/// Starts `embeddb --listen 127.0.0.1:port --data-dir dir` with stderr in `log`.
pub fn spawn(port: u16, data_dir: &Path, log: &Path) -> Child {
    let log_file = File::create(log).expect("create server log");
    Command::new(BINARY)
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(data_dir)
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(log_file))
        .spawn()
        .expect("start embeddb")
}

impl TestServer {
    /// A server on a fresh temporary data directory.
    pub fn start() -> TestServer {
        let temp = tempfile::tempdir().expect("temp dir");
        let data_dir = temp.path().join("data");
        let mut server = TestServer::start_in(&data_dir, temp.path().join("server.log"));
        server._temp = Some(temp);
        server
    }

    /// A server on the given data directory (kept after the server stops).
    pub fn start_in(data_dir: &Path, log: PathBuf) -> TestServer {
        // Port 0: the server picks a free port and logs it, so parallel tests never race
        // for one.
        let child = spawn(0, data_dir, &log);
        let mut server = TestServer {
            port: 0,
            data_dir: data_dir.to_path_buf(),
            log,
            child: Some(child),
            _temp: None,
        };
        server.wait_ready();
        server
    }

    fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(port) = listening_port(&self.log_text()) {
                self.port = port;
                if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return;
                }
            }
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!("embeddb exited early ({status}):\n{}", self.log_text());
            }
            assert!(
                Instant::now() < deadline,
                "embeddb did not start listening:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// A libpq-style connection string for this server.
    pub fn conn_str(&self) -> String {
        format!(
            "host=127.0.0.1 port={} user=embeddb dbname=embeddb",
            self.port
        )
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(Child::id).unwrap_or(0)
    }

    /// Kills the server with SIGKILL (a crash: nothing is flushed or closed) and waits for it.
    pub fn kill(&mut self) {
        let mut child = self.child.take().expect("server already stopped");
        child.kill().expect("SIGKILL");
        child.wait().expect("wait for the killed server");
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn stop(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("server already stopped");
        let sent = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM failed");
        wait_with_timeout(&mut child, Duration::from_secs(30))
            .unwrap_or_else(|| panic!("embeddb did not exit after SIGTERM:\n{}", self.log_text()))
    }
}

/// The port in the server's "listening on 127.0.0.1:PORT," log line.
fn listening_port(log: &str) -> Option<u16> {
    let rest = log.split("listening on 127.0.0.1:").nth(1)?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Waits for a child to exit; None (after killing it) if it takes longer than `limit`.
pub fn wait_with_timeout(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A tokio-postgres client on `server`, its connection driven by a spawned task.
pub async fn connect(server: &TestServer) -> tokio_postgres::Client {
    connect_str(&server.conn_str()).await
}

pub async fn connect_str(conn_str: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(conn_str, tokio_postgres::NoTls)
        .await
        .expect("connect to embeddb");
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .expect("workspace root")
}

pub mod python;
pub mod wire;

/// A column value exactly as the server sent it (binary), whatever its type.
pub struct Raw(pub Option<Vec<u8>>);

impl<'a> tokio_postgres::types::FromSql<'a> for Raw {
    fn from_sql(
        _ty: &tokio_postgres::types::Type,
        raw: &'a [u8],
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Raw(Some(raw.to_vec())))
    }

    fn from_sql_null(
        _ty: &tokio_postgres::types::Type,
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Raw(None))
    }

    fn accepts(_ty: &tokio_postgres::types::Type) -> bool {
        true
    }
}
