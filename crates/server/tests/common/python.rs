//! A Python virtualenv under the target directory with the packages a driver test needs,
//! installed with pip the first time. Only when PyPI cannot be reached is the test skipped,
//! saying so; any other pip failure fails the test.

#![allow(dead_code)] // only the Python driver tests use it

use std::path::{Path, PathBuf};
use std::process::Command;

/// The venv `name`'s python with `packages` installed and `modules` (comma-separated)
/// importable, or None (after printing why) when pip cannot reach PyPI.
pub fn venv_with(name: &str, packages: &[&str], modules: &str) -> Option<PathBuf> {
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let python = venv.join("bin").join("python");
    let ready = |python: &Path| {
        Command::new(python)
            .args(["-c", &format!("import {modules}")])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if python.exists() && ready(&python) {
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
            "--timeout",
            "30",
        ])
        .args(packages)
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
        assert!(offline, "pip install {packages:?} failed: {stderr}");
        eprintln!("SKIPPED: pip cannot reach PyPI to install {packages:?}:\n{stderr}");
        return None;
    }
    assert!(
        ready(&python),
        "{packages:?} installed but {modules} not importable"
    );
    Some(python)
}
