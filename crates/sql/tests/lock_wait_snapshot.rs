//! Statements that wait for a table lock held by another transaction's DDL. As in
//! PostgreSQL, a READ COMMITTED statement takes its snapshot once its locks are held, so it
//! sees everything the DDL transaction committed (rows it also updated, columns it added);
//! a REPEATABLE READ transaction keeps the snapshot its first statement took before waiting.
//! DDL that waits for other transactions' table locks reads the rows they committed.

mod common;

use std::thread;

use common::{Outcome, TestDb, eventually, run, value};
use embeddb_sql::session::QuickRun;
use embeddb_sql::{Executed, Session};
use embeddb_types::{SqlError, SqlState, Value};

/// A session on a database holding table `c (id, n)` with the row (1, 0).
fn table_c(t: &TestDb) -> Session {
    let mut a = t.session();
    run(
        &mut a,
        "CREATE TABLE c (id int PRIMARY KEY, n int); INSERT INTO c VALUES (1, 0)",
    )
    .expect("setup");
    a
}

/// A table `c` holding (1, 0), and session `a` in a transaction that has altered it (taking
/// its table lock exclusively) and set n = 7, not yet committed.
fn ddl_in_progress(t: &TestDb) -> Session {
    let mut a = table_c(t);
    run(
        &mut a,
        "BEGIN; ALTER TABLE c ADD COLUMN m int; UPDATE c SET n = 7",
    )
    .expect("DDL transaction");
    a
}

/// Runs `sql` in `b` on another thread; once it waits for a lock, `holder` runs `release`;
/// returns b's outcome.
fn run_behind_lock(
    t: &TestDb,
    holder: &mut Session,
    release: &str,
    mut b: Session,
    sql: &'static str,
) -> (Session, Result<Outcome, SqlError>) {
    let handle = thread::spawn(move || {
        let r = run(&mut b, sql);
        (b, r)
    });
    let store = t.db.store().clone();
    eventually(|| store.locks_waiting() > 0);
    run(holder, release).expect("release");
    handle.join().expect("session thread")
}

#[test]
fn read_committed_select_behind_ddl_sees_its_commit() {
    let t = TestDb::new();
    let mut a = ddl_in_progress(&t);
    let (_b, r) = run_behind_lock(&t, &mut a, "COMMIT", t.session(), "SELECT * FROM c");
    let r = r.expect("select");
    assert_eq!(r.columns, ["id", "n", "m"]);
    assert_eq!(r.rows, [["1", "7", "NULL"]]);
}

#[test]
fn read_committed_update_behind_ddl_sees_its_commit() {
    let t = TestDb::new();
    let mut a = ddl_in_progress(&t);
    let (_b, r) = run_behind_lock(
        &t,
        &mut a,
        "COMMIT",
        t.session(),
        "UPDATE c SET n = n + 1 WHERE n = 7",
    );
    assert_eq!(r.expect("update").tag, "UPDATE 1");
    assert_eq!(value(&mut a, "SELECT n FROM c"), "8");
}

#[test]
fn read_committed_block_statement_behind_ddl_sees_its_commit() {
    let t = TestDb::new();
    let mut a = ddl_in_progress(&t);
    let mut b = t.session();
    run(&mut b, "BEGIN; SELECT 1").expect("begin");
    let (mut b, r) = run_behind_lock(&t, &mut a, "COMMIT", b, "SELECT n FROM c");
    assert_eq!(r.expect("select").rows, [["7"]]);
    run(&mut b, "COMMIT").expect("commit");
}

#[test]
fn repeatable_read_keeps_the_snapshot_of_its_first_statement() {
    // PostgreSQL takes the transaction snapshot before the first statement waits; the
    // catalog it binds against is the one after the wait.
    let t = TestDb::new();
    let mut a = ddl_in_progress(&t);
    let mut b = t.session();
    run(&mut b, "BEGIN ISOLATION LEVEL REPEATABLE READ").expect("begin");
    let (mut b, r) = run_behind_lock(&t, &mut a, "COMMIT", b, "SELECT * FROM c");
    assert_eq!(r.expect("select").rows, [["1", "0", "NULL"]]);
    assert_eq!(value(&mut b, "SELECT n FROM c"), "0");
    run(&mut b, "COMMIT").expect("commit");

    run(
        &mut a,
        "BEGIN; ALTER TABLE c ADD COLUMN o int; UPDATE c SET n = 9",
    )
    .expect("second DDL transaction");
    run(&mut b, "BEGIN ISOLATION LEVEL REPEATABLE READ").expect("begin");
    let (mut b, r) = run_behind_lock(
        &t,
        &mut a,
        "COMMIT",
        b,
        "UPDATE c SET n = n + 1 WHERE n = 9",
    );
    assert_eq!(r.expect("update").tag, "UPDATE 0");
    run(&mut b, "COMMIT").expect("commit");
    assert_eq!(value(&mut a, "SELECT n FROM c"), "9");
}

#[test]
fn prepared_statement_behind_ddl_sees_its_commit() {
    let t = TestDb::new();
    let mut a = table_c(&t);
    let mut b = t.session();
    let p = b
        .prepare("SELECT n FROM c WHERE id = $1", &[])
        .expect("prepare");
    // As the wire layer runs an Execute: the quick path first, then the normal one.
    let execute = move |b: &mut Session| -> Value {
        let executed = match b.execute_prepared_quick(&p, vec![Value::Int4(1)]) {
            QuickRun::Done(r) => r,
            QuickRun::Commit(_) => panic!("a SELECT has nothing to commit"),
            QuickRun::Declined(params) => b.execute_prepared(&p, params),
        };
        let Ok(Executed::Result(mut r)) = executed else {
            panic!("expected rows");
        };
        let chunk = r.next_chunk().expect("rows").expect("a row");
        chunk[0][0].clone()
    };
    assert_eq!(execute(&mut b), Value::Int4(0));
    assert_eq!(execute(&mut b), Value::Int4(0));
    run(
        &mut a,
        "BEGIN; ALTER TABLE c ADD COLUMN m int; UPDATE c SET n = 7",
    )
    .expect("DDL transaction");
    let handle = thread::spawn(move || {
        let v = execute(&mut b);
        (b, v)
    });
    let store = t.db.store().clone();
    eventually(|| store.locks_waiting() > 0);
    run(&mut a, "COMMIT").expect("commit");
    let (_b, v) = handle.join().expect("session thread");
    assert_eq!(v, Value::Int4(7));
}

#[test]
fn create_index_behind_writer_indexes_its_rows() {
    let t = TestDb::new();
    let mut a = table_c(&t);
    run(&mut a, "BEGIN; INSERT INTO c VALUES (2, 9)").expect("writer");
    let (mut b, r) = run_behind_lock(
        &t,
        &mut a,
        "COMMIT",
        t.session(),
        "CREATE UNIQUE INDEX c_n ON c (n)",
    );
    r.expect("create index");
    assert_eq!(value(&mut b, "SELECT id FROM c WHERE n = 9"), "2");
    assert_eq!(
        common::error_code(&mut b, "INSERT INTO c VALUES (3, 9)"),
        SqlState::UNIQUE_VIOLATION
    );
}

#[test]
fn set_not_null_behind_writer_checks_its_rows() {
    let t = TestDb::new();
    let mut a = table_c(&t);
    run(&mut a, "BEGIN; INSERT INTO c VALUES (2, NULL)").expect("writer");
    let (_b, r) = run_behind_lock(
        &t,
        &mut a,
        "COMMIT",
        t.session(),
        "ALTER TABLE c ALTER COLUMN n SET NOT NULL",
    );
    let e = r.expect_err("SET NOT NULL with a NULL row");
    assert_eq!(e.code, SqlState::NOT_NULL_VIOLATION);
}
