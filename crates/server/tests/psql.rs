//! Drives the real `psql` client against the real `embeddb` binary: a script of everyday
//! commands (DDL, DML, a rolled-back transaction, errors, COPY FROM STDIN, result tables in
//! aligned and unaligned format), whose output must match what PostgreSQL 15 printed for the
//! same script (`tests/psql/expected.out` and `expected.err`, recorded from PostgreSQL).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::TestServer;

fn psql_binary() -> PathBuf {
    let packaged = Path::new("/usr/lib/postgresql/15/bin/psql");
    if packaged.exists() {
        return packaged.to_path_buf();
    }
    PathBuf::from("psql")
}

fn psql(server: &TestServer, dir: &Path, args: &[&str]) -> Output {
    Command::new(psql_binary())
        .current_dir(dir)
        .args(["-X", "-h", "127.0.0.1", "-p", &server.port.to_string()])
        .args(["-U", "someone", "-d", "somedb"])
        .args(args)
        .env_remove("PGPASSWORD")
        .env("PGCONNECT_TIMEOUT", "10")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "could not run psql ({e}); install the PostgreSQL client (Debian: postgresql-client)"
            )
        })
}

#[test]
fn psql_script_output_matches_postgresql() {
    let server = TestServer::start();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/psql");
    let output = psql(&server, &dir, &["-f", "script.sql"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let expected_out = std::fs::read_to_string(dir.join("expected.out")).expect("expected.out");
    let expected_err = std::fs::read_to_string(dir.join("expected.err")).expect("expected.err");
    assert!(output.status.success(), "psql failed: {stderr}");
    assert_eq!(
        stdout, expected_out,
        "stdout differs; stderr was:\n{stderr}"
    );
    assert_eq!(stderr, expected_err);
}

#[test]
fn psql_sees_a_postgresql_16_server_that_names_embeddb() {
    let server = TestServer::start();
    let dir = std::env::temp_dir();
    let output = psql(
        &server,
        &dir,
        &[
            "-At",
            "-c",
            "SHOW server_version",
            "-c",
            "SELECT version()",
            "-c",
            "SELECT current_user, current_database()",
        ],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "psql failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(lines[0].starts_with("16."), "{stdout}");
    assert!(lines[1].starts_with("PostgreSQL 16."), "{stdout}");
    assert!(lines[1].contains("EmbedDB"), "{stdout}");
    assert_eq!(lines[2], "someone|somedb");
}
