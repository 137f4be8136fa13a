//! Parameterised CRUD from Python through psycopg 3 (`tests/psycopg/crud.py`) against the
//! real `embeddb` binary. psycopg is installed with pip into a virtualenv under the target
//! directory the first time; only if PyPI cannot be reached is the test skipped, saying so.

mod common;

use std::path::Path;
use std::process::Command;

use common::TestServer;

#[test]
fn psycopg_parameterised_crud() {
    let Some(python) = common::python::venv_with("psycopg-venv", &["psycopg[binary]"], "psycopg")
    else {
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
