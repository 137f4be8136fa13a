//! A cached autocommit INSERT of plain values runs on the quick path
//! (`Session::execute_prepared_quick`), its commit handed back as a future to await. It must
//! give what the normal path gives, never wait for a lock (a conflicting lock declines it,
//! with nothing left behind, so the normal path waits), and leave blocks and other statements
//! to the normal path.

mod common;

use std::future::Future;
use std::pin::pin;
use std::task::Context;

use futures::executor::block_on;
use futures::task::noop_waker;

use common::{TestDb, rows, run};
use embeddb_sql::session::{Prepared, QuickRun};
use embeddb_sql::{Executed, Session};
use embeddb_types::{SqlState, Value};

/// How the quick path took an execution.
#[derive(Debug, PartialEq)]
enum Path {
    /// Ran and committed it: the command tag, or the error's SQLSTATE.
    Committed(Result<String, SqlState>),
    /// Ran it without a commit to await (an error before any write was made durable).
    Done(Result<String, SqlState>),
    Declined,
}

fn tag(executed: Result<Executed, embeddb_types::SqlError>) -> Result<String, SqlState> {
    match executed {
        Ok(Executed::Result(r)) => Ok(r.tag()),
        Ok(_) => panic!("an INSERT gave something other than a result"),
        Err(e) => Err(e.code),
    }
}

/// Offers one execution to the quick path; a declined one is then run the normal way.
fn quick(s: &mut Session, p: &Prepared, params: Vec<Value>) -> Path {
    match s.execute_prepared_quick(p, params) {
        QuickRun::Commit(pending) => Path::Committed(tag(block_on(pending.commit()))),
        QuickRun::Done(executed) => Path::Done(tag(executed)),
        QuickRun::Declined(params) => {
            s.execute_prepared(p, params).expect("the normal path");
            Path::Declined
        }
    }
}

fn setup(t: &TestDb) -> (Session, Prepared) {
    let mut s = t.session();
    run(
        &mut s,
        "CREATE TABLE q (id int PRIMARY KEY, n int CHECK (n >= 0), v text)",
    )
    .expect("setup");
    let p = s
        .prepare("INSERT INTO q VALUES ($1, $2, $3)", &[])
        .expect("prepare");
    (s, p)
}

fn row(id: i32, n: i32) -> Vec<Value> {
    vec![
        Value::Int4(id),
        Value::Int4(n),
        Value::Text(format!("v{id}")),
    ]
}

#[test]
fn a_cached_insert_commits_on_the_quick_path() {
    let t = TestDb::new();
    let (mut s, p) = setup(&t);
    // The first execution binds and caches the plan; from then on the quick path takes it.
    assert_eq!(quick(&mut s, &p, row(1, 1)), Path::Declined);
    for id in 2..50 {
        assert_eq!(
            quick(&mut s, &p, row(id, id)),
            Path::Committed(Ok("INSERT 0 1".into()))
        );
    }
    assert_eq!(
        rows(&mut s, "SELECT count(*), sum(n), max(v) FROM q"),
        [["49", "1225", "v9"]]
    );
    // Errors found while inserting are the statement's, with nothing written.
    assert_eq!(
        quick(&mut s, &p, row(7, 7)),
        Path::Done(Err(SqlState::UNIQUE_VIOLATION))
    );
    assert_eq!(
        quick(&mut s, &p, row(100, -1)),
        Path::Done(Err(SqlState::CHECK_VIOLATION))
    );
    assert_eq!(rows(&mut s, "SELECT count(*) FROM q"), [["49"]]);
}

/// A commit whose future is dropped while in flight (its task cancelled) still ends the
/// transaction only after the write's outcome: the row is committed, and its key lock is
/// released (a second insert of the key finds the row instead of waiting).
#[test]
fn a_commit_dropped_in_flight_finishes_before_releasing_its_locks() {
    let t = TestDb::new();
    let (mut s, p) = setup(&t);
    assert_eq!(quick(&mut s, &p, row(1, 1)), Path::Declined);
    let QuickRun::Commit(pending) = s.execute_prepared_quick(&p, row(2, 2)) else {
        panic!("not quick");
    };
    {
        let mut commit = pin!(pending.commit());
        let waker = noop_waker();
        // The first poll submits the write; the future is then dropped, resolved or not.
        let _ = commit.as_mut().poll(&mut Context::from_waker(&waker));
    }
    assert_eq!(rows(&mut s, "SELECT v FROM q WHERE id = 2"), [["v2"]]);
    let mut other = t.session();
    let e = run(&mut other, "INSERT INTO q VALUES (2, 0, 'again')").expect_err("duplicate");
    assert_eq!(e.code, SqlState::UNIQUE_VIOLATION);
}

#[test]
fn a_lock_held_elsewhere_declines_it_without_a_trace() {
    let t = TestDb::new();
    let (mut s, p) = setup(&t);
    assert_eq!(quick(&mut s, &p, row(1, 1)), Path::Declined);
    let mut other = t.session();
    run(&mut other, "BEGIN; INSERT INTO q VALUES (5, 5, 'other')").expect("other");
    // Key 5 is locked by the open block: the quick path must not wait for it.
    let params = match s.execute_prepared_quick(&p, row(5, 50)) {
        QuickRun::Declined(params) => params,
        _ => panic!("the quick path took a statement that had to wait"),
    };
    assert_eq!(params, row(5, 50), "the parameters come back unchanged");
    // It left no lock behind: the other transaction commits, and the statement, run the normal
    // way now, finds the committed row.
    run(&mut other, "COMMIT").expect("commit");
    assert_eq!(
        tag(s.execute_prepared(&p, params)),
        Err(SqlState::UNIQUE_VIOLATION)
    );
    // A table locked by DDL declines it too.
    run(&mut other, "BEGIN; ALTER TABLE q ADD COLUMN extra int").expect("ddl");
    assert!(matches!(
        s.execute_prepared_quick(&p, row(6, 6)),
        QuickRun::Declined(_)
    ));
    run(&mut other, "ROLLBACK").expect("rollback");
    assert_eq!(
        quick(&mut s, &p, row(6, 6)),
        Path::Committed(Ok("INSERT 0 1".into()))
    );
}

#[test]
fn blocks_and_function_calls_stay_on_the_normal_path() {
    let t = TestDb::new();
    let (mut s, p) = setup(&t);
    assert_eq!(quick(&mut s, &p, row(1, 1)), Path::Declined);
    run(&mut s, "BEGIN").expect("begin");
    assert_eq!(quick(&mut s, &p, row(2, 2)), Path::Declined);
    run(&mut s, "ROLLBACK").expect("rollback");
    assert_eq!(rows(&mut s, "SELECT count(*) FROM q"), [["1"]]);

    run(
        &mut s,
        "CREATE TABLE serials (id serial PRIMARY KEY, v text)",
    )
    .expect("create");
    let p = s
        .prepare("INSERT INTO serials (v) VALUES ($1)", &[])
        .expect("prepare");
    for i in 0..3 {
        // nextval() is a function call: never quick.
        assert_eq!(
            quick(&mut s, &p, vec![Value::Text(i.to_string())]),
            Path::Declined
        );
    }
    assert_eq!(rows(&mut s, "SELECT max(id) FROM serials"), [["3"]]);
}
