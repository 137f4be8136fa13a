//! The `embeddb` command line: --help, bad arguments, and configuration from the
//! environment.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::BINARY;

#[test]
fn help_describes_the_options_and_exits_0() {
    let output = Command::new(BINARY).arg("--help").output().expect("run");
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    for needle in [
        "--listen",
        "--data-dir",
        "EMBEDDB_LISTEN",
        "EMBEDDB_DATA_DIR",
        "127.0.0.1:5433",
    ] {
        assert!(text.contains(needle), "help lacks {needle}: {text}");
    }
}

#[test]
fn an_unknown_argument_is_an_error() {
    let output = Command::new(BINARY).arg("--bogus").output().expect("run");
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("--bogus"), "{text}");
}

#[test]
fn listen_address_and_data_directory_come_from_the_environment() {
    let temp = tempfile::tempdir().expect("temp dir");
    let data = temp.path().join("from-env");
    let log = temp.path().join("server.log");
    let mut child = Command::new(BINARY)
        .env("EMBEDDB_LISTEN", "127.0.0.1:0")
        .env("EMBEDDB_DATA_DIR", &data)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(std::fs::File::create(&log).expect("log")))
        .spawn()
        .expect("start");
    let deadline = Instant::now() + Duration::from_secs(30);
    let text = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains("listening on 127.0.0.1:") || Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(text.contains("listening on 127.0.0.1:"), "{text}");
    assert!(text.contains(&data.display().to_string()), "{text}");
    assert!(data.is_dir(), "data directory was not created");
}
