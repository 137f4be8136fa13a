//! PostgreSQL's isolation behaviour between concurrent sessions: READ COMMITTED statement
//! snapshots and re-checks after waiting on a row lock, REPEATABLE READ transaction snapshots
//! and 40001 on concurrent update, no dirty reads, unique keys decided after the other
//! inserter ends.

mod common;

use std::sync::mpsc;
use std::thread;

use common::{TestDb, error_code, eventually, run, value};
use embeddb_types::SqlState;

#[test]
fn read_committed_concurrent_increments_both_count() {
    let t = TestDb::new();
    let mut a = t.session();
    let mut b = t.session();
    run(
        &mut a,
        "CREATE TABLE c (id int PRIMARY KEY, n int); INSERT INTO c VALUES (1, 0)",
    )
    .unwrap();
    run(&mut a, "BEGIN; UPDATE c SET n = n + 1 WHERE id = 1").unwrap();
    let (tx, rx) = mpsc::channel();
    let handle = thread::spawn(move || {
        // Blocks on a's row lock, then applies to a's committed version.
        let r = run(&mut b, "UPDATE c SET n = n + 1 WHERE id = 1");
        tx.send(()).unwrap();
        (b, r)
    });
    // b waits for a's row lock: a has not committed.
    let store = t.db.store().clone();
    eventually(|| store.locks_waiting() > 0);
    assert!(
        rx.try_recv().is_err(),
        "b finished without waiting for a's row lock"
    );
    // No dirty read: a third session sees the committed 0.
    let mut c = t.session();
    assert_eq!(value(&mut c, "SELECT n FROM c"), "0");
    run(&mut a, "COMMIT").unwrap();
    let (_b, r) = handle.join().unwrap();
    assert_eq!(r.unwrap().tag, "UPDATE 1");
    assert_eq!(value(&mut c, "SELECT n FROM c"), "2");
}

#[test]
fn read_committed_rechecks_where_after_waiting() {
    let t = TestDb::new();
    let mut a = t.session();
    let mut b = t.session();
    run(
        &mut a,
        "CREATE TABLE c (id int PRIMARY KEY, n int); INSERT INTO c VALUES (1, 0), (2, 0)",
    )
    .unwrap();
    run(&mut a, "BEGIN; UPDATE c SET n = 5 WHERE id = 1").unwrap();
    let handle = thread::spawn(move || {
        let r = run(&mut b, "UPDATE c SET n = n + 1 WHERE n = 0");
        (b, r)
    });
    let store = t.db.store().clone();
    eventually(|| store.locks_waiting() > 0);
    run(&mut a, "COMMIT").unwrap();
    let (_b, r) = handle.join().unwrap();
    // Row 1 no longer matches n = 0 after a's commit, so only row 2 is updated.
    assert_eq!(r.unwrap().tag, "UPDATE 1");
    assert_eq!(
        value(&mut a, "SELECT string_agg(n::text, ',' ORDER BY id) FROM c"),
        "5,1"
    );
}

#[test]
fn repeatable_read_sees_one_snapshot_and_fails_on_concurrent_update() {
    let t = TestDb::new();
    let mut a = t.session();
    let mut b = t.session();
    run(
        &mut a,
        "CREATE TABLE c (id int PRIMARY KEY, n int); INSERT INTO c VALUES (1, 0)",
    )
    .unwrap();
    run(&mut b, "BEGIN ISOLATION LEVEL REPEATABLE READ").unwrap();
    assert_eq!(value(&mut b, "SELECT n FROM c"), "0");
    run(&mut a, "UPDATE c SET n = 10 WHERE id = 1").unwrap();
    // Still the transaction's snapshot.
    assert_eq!(value(&mut b, "SELECT n FROM c"), "0");
    assert_eq!(
        error_code(&mut b, "UPDATE c SET n = n + 1 WHERE id = 1"),
        SqlState::SERIALIZATION_FAILURE
    );
    run(&mut b, "ROLLBACK").unwrap();
    assert_eq!(value(&mut b, "SELECT n FROM c"), "10");
}

#[test]
fn read_committed_sees_commits_between_statements() {
    let t = TestDb::new();
    let mut a = t.session();
    let mut b = t.session();
    run(
        &mut a,
        "CREATE TABLE c (id int PRIMARY KEY, n int); INSERT INTO c VALUES (1, 0)",
    )
    .unwrap();
    run(&mut b, "BEGIN").unwrap();
    assert_eq!(value(&mut b, "SELECT n FROM c"), "0");
    run(&mut a, "UPDATE c SET n = 1").unwrap();
    assert_eq!(value(&mut b, "SELECT n FROM c"), "1");
    run(&mut b, "COMMIT").unwrap();
}

#[test]
fn second_inserter_of_a_key_waits_then_fails_or_succeeds() {
    let t = TestDb::new();
    let mut a = t.session();
    let mut b = t.session();
    run(&mut a, "CREATE TABLE u (k int PRIMARY KEY)").unwrap();
    run(&mut a, "BEGIN; INSERT INTO u VALUES (1)").unwrap();
    let handle = thread::spawn(move || {
        let r = run(&mut b, "INSERT INTO u VALUES (1)");
        (b, r)
    });
    let store = t.db.store().clone();
    eventually(|| store.locks_waiting() > 0);
    run(&mut a, "COMMIT").unwrap();
    let (mut b, r) = handle.join().unwrap();
    assert_eq!(r.unwrap_err().code, SqlState::UNIQUE_VIOLATION);
    // If the first inserter rolls back, the second one's insert goes through.
    run(&mut a, "BEGIN; INSERT INTO u VALUES (2)").unwrap();
    let handle = thread::spawn(move || {
        let r = run(&mut b, "INSERT INTO u VALUES (2)");
        (b, r)
    });
    eventually(|| store.locks_waiting() > 0);
    run(&mut a, "ROLLBACK").unwrap();
    let (_b, r) = handle.join().unwrap();
    assert_eq!(r.unwrap().tag, "INSERT 0 1");
}

#[test]
fn deadlocks_are_detected() {
    let t = TestDb::new();
    let mut a = t.session();
    let mut b = t.session();
    run(
        &mut a,
        "CREATE TABLE d (id int PRIMARY KEY, n int); INSERT INTO d VALUES (1, 0), (2, 0)",
    )
    .unwrap();
    run(&mut a, "BEGIN; UPDATE d SET n = 1 WHERE id = 1").unwrap();
    run(&mut b, "BEGIN; UPDATE d SET n = 1 WHERE id = 2").unwrap();
    let store = t.db.store().clone();
    let handle = thread::spawn(move || {
        let r = run(&mut a, "UPDATE d SET n = 2 WHERE id = 2");
        (a, r)
    });
    // Wait until a is blocked on b's row.
    eventually(|| store.locks_waiting() > 0);
    let rb = run(&mut b, "UPDATE d SET n = 2 WHERE id = 1");
    assert_eq!(rb.unwrap_err().code, SqlState::DEADLOCK_DETECTED);
    run(&mut b, "ROLLBACK").unwrap();
    let (mut a, ra) = handle.join().unwrap();
    ra.unwrap();
    run(&mut a, "COMMIT").unwrap();
}
