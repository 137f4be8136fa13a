//! pgjdbc against the real `embeddb` binary (`tests/jdbc/JdbcCrud.java`): the driver checks
//! startup parameters, needs NoData from Describe for executeUpdate with parameters, switches
//! to named server-side statements after a few executions, and batches.
//! Needs Java 17 and the pgjdbc jar (Debian: libpostgresql-jdbc-java).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::TestServer;

fn pgjdbc_jar() -> PathBuf {
    let candidates = ["/usr/share/java/postgresql.jar"];
    candidates
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .unwrap_or_else(|| {
            panic!("pgjdbc not found at {candidates:?}; install it (Debian: apt-get install libpostgresql-jdbc-java)")
        })
}

#[test]
fn pgjdbc_execute_update_with_parameters() {
    let jar = pgjdbc_jar();
    let server = TestServer::start();
    let program = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/jdbc/JdbcCrud.java");
    let output = Command::new("java")
        .arg("-cp")
        .arg(&jar)
        .arg(&program)
        .arg(server.port.to_string())
        .output()
        .expect("run java (is a JDK 17 installed?)");
    assert!(
        output.status.success(),
        "JdbcCrud failed:\n{}\n{}\n--- server log ---\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        server.log_text()
    );
}
