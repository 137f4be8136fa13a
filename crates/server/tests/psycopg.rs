//! Parameterised CRUD from Python through psycopg 3 (`tests/psycopg/crud.py`) against the
//! real `embeddb` binary. psycopg is installed with pip into a virtualenv under the target
//! directory the first time; only if PyPI cannot be reached is the test skipped, saying so.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::TestServer;

fn venv_python(venv: &Path) -> PathBuf {
    venv.join("bin").join("python")
}

/// A Python with psycopg, or None if it cannot be installed for lack of network.
fn python_with_psycopg() -> Option<PathBuf> {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("psycopg-venv");
    let python = venv_python(&venv);
    let has_psycopg = |python: &Path| {
        Command::new(python)
            .args(["-c", "import psycopg"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if python.exists() && has_psycopg(&python) {
        return Some(python);
    }
    let created = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .output()
        .expect("run python3 -m venv (is Python 3 installed?)");
    assert!(
        created.status.success(),
        "python3 -m venv failed: {}",
        String::from_utf8_lossy(&created.stderr)
    );
    let installed = Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(["--timeout", "30", "psycopg[binary]"])
        .output()
        .expect("run pip");
    if !installed.status.success() {
        let stderr = String::from_utf8_lossy(&installed.stderr);
        let offline = [
            "Could not fetch",
            "NewConnectionError",
            "Temporary failure in name resolution",
            "Network is unreachable",
            "No matching distribution",
            "ConnectTimeout",
        ]
        .iter()
        .any(|s| stderr.contains(s));
        assert!(offline, "pip install psycopg[binary] failed: {stderr}");
        eprintln!(
            "SKIPPED psycopg test: pip cannot reach PyPI to install psycopg[binary]:\n{stderr}"
        );
        return None;
    }
    assert!(has_psycopg(&python), "psycopg installed but not importable");
    Some(python)
}

#[test]
fn psycopg_parameterised_crud() {
    let Some(python) = python_with_psycopg() else {
        return;
    };
    let server = TestServer::start();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/psycopg/crud.py");
    let output = Command::new(python)
        .arg(script)
        .arg(server.port.to_string())
        .output()
        .expect("run crud.py");
    assert!(
        output.status.success(),
        "crud.py failed:\n{}\n{}\n--- server log ---\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        server.log_text()
    );
}
