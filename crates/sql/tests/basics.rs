//! End-to-end SQL through a session: DDL, DML, queries, errors.

mod common;

use common::{TestDb, error_code, rows, run, value};
use embeddb_types::SqlState;

#[test]
fn create_insert_select() {
    let t = TestDb::new();
    let mut s = t.session();
    run(
        &mut s,
        "CREATE TABLE t (id int PRIMARY KEY, name text, score numeric(5,2))",
    )
    .unwrap();
    let o = run(
        &mut s,
        "INSERT INTO t VALUES (1, 'a', 1.5), (2, 'b', NULL), (3, 'c', 2.25)",
    )
    .unwrap();
    assert_eq!(o.tag, "INSERT 0 3");
    let o = run(&mut s, "SELECT id, name, score FROM t ORDER BY id").unwrap();
    assert_eq!(o.columns, vec!["id", "name", "score"]);
    assert_eq!(
        o.rows,
        vec![
            vec!["1", "a", "1.50"],
            vec!["2", "b", "NULL"],
            vec!["3", "c", "2.25"]
        ]
    );
    assert_eq!(o.tag, "SELECT 3");
    assert_eq!(value(&mut s, "SELECT count(*) FROM t WHERE score > 2"), "1");
    assert_eq!(value(&mut s, "SELECT sum(id) FROM t"), "6");
    assert_eq!(value(&mut s, "SELECT avg(id) FROM t"), "2.0000000000000000");
    assert_eq!(value(&mut s, "SELECT 7 / 2"), "3");
}

#[test]
fn primary_key_violations_and_errors() {
    let t = TestDb::new();
    let mut s = t.session();
    run(
        &mut s,
        "CREATE TABLE t (id int PRIMARY KEY, v text NOT NULL)",
    )
    .unwrap();
    run(&mut s, "INSERT INTO t VALUES (1, 'x')").unwrap();
    assert_eq!(
        error_code(&mut s, "INSERT INTO t VALUES (1, 'y')"),
        SqlState::UNIQUE_VIOLATION
    );
    assert_eq!(
        error_code(&mut s, "INSERT INTO t VALUES (2, NULL)"),
        SqlState::NOT_NULL_VIOLATION
    );
    assert_eq!(
        error_code(&mut s, "SELECT * FROM nope"),
        SqlState::UNDEFINED_TABLE
    );
    assert_eq!(
        error_code(&mut s, "SELECT nope FROM t"),
        SqlState::UNDEFINED_COLUMN
    );
    assert_eq!(error_code(&mut s, "SELECT 1/0"), SqlState::DIVISION_BY_ZERO);
    assert_eq!(error_code(&mut s, "SELEC 1"), SqlState::SYNTAX_ERROR);
    assert_eq!(
        error_code(&mut s, "SELECT 2147483647 + 1"),
        SqlState::NUMERIC_VALUE_OUT_OF_RANGE
    );
}

#[test]
fn update_delete_returning() {
    let t = TestDb::new();
    let mut s = t.session();
    run(&mut s, "CREATE TABLE t (id serial PRIMARY KEY, n int)").unwrap();
    run(&mut s, "INSERT INTO t (n) VALUES (10), (20), (30)").unwrap();
    let o = run(
        &mut s,
        "UPDATE t SET n = n + 1 WHERE id >= 2 RETURNING id, n",
    )
    .unwrap();
    assert_eq!(o.tag, "UPDATE 2");
    assert_eq!(o.rows, vec![vec!["2", "21"], vec!["3", "31"]]);
    let o = run(&mut s, "DELETE FROM t WHERE id = 1 RETURNING *").unwrap();
    assert_eq!(o.tag, "DELETE 1");
    assert_eq!(o.rows, vec![vec!["1", "10"]]);
    assert_eq!(
        rows(&mut s, "SELECT id FROM t ORDER BY id DESC"),
        vec![vec!["3"], vec!["2"]]
    );
}

#[test]
fn transactions_roll_back_and_fail_until_rollback() {
    let t = TestDb::new();
    let mut s = t.session();
    run(&mut s, "CREATE TABLE t (id int PRIMARY KEY)").unwrap();
    run(&mut s, "BEGIN; INSERT INTO t VALUES (1); ROLLBACK").unwrap();
    assert_eq!(value(&mut s, "SELECT count(*) FROM t"), "0");
    run(&mut s, "BEGIN").unwrap();
    assert_eq!(error_code(&mut s, "SELECT 1/0"), SqlState::DIVISION_BY_ZERO);
    assert_eq!(
        error_code(&mut s, "SELECT 1"),
        SqlState::IN_FAILED_SQL_TRANSACTION
    );
    assert_eq!(run(&mut s, "COMMIT").unwrap().tag, "ROLLBACK");
    assert_eq!(value(&mut s, "SELECT 1"), "1");
}

#[test]
fn group_by_having_order_limit() {
    let t = TestDb::new();
    let mut s = t.session();
    run(&mut s, "CREATE TABLE t (g text, v int)").unwrap();
    run(
        &mut s,
        "INSERT INTO t VALUES ('a', 1), ('a', 2), ('b', 3), ('c', NULL)",
    )
    .unwrap();
    let o = run(
        &mut s,
        "SELECT g, count(*), sum(v), max(v) FROM t GROUP BY g HAVING count(*) >= 1 ORDER BY g LIMIT 2",
    )
    .unwrap();
    assert_eq!(o.columns, vec!["g", "count", "sum", "max"]);
    assert_eq!(
        o.rows,
        vec![vec!["a", "2", "3", "2"], vec!["b", "1", "3", "3"]]
    );
    assert_eq!(
        error_code(&mut s, "SELECT g, v FROM t GROUP BY g"),
        SqlState::GROUPING_ERROR
    );
}

#[test]
fn savepoints_undo_partial_work_and_recover_a_failed_block() {
    let t = TestDb::new();
    let mut s = t.session();
    run(&mut s, "CREATE TABLE t (id int PRIMARY KEY)").unwrap();
    run(
        &mut s,
        "BEGIN; INSERT INTO t VALUES (1); SAVEPOINT a; INSERT INTO t VALUES (2)",
    )
    .unwrap();
    assert_eq!(value(&mut s, "SELECT count(*) FROM t"), "2");
    run(&mut s, "ROLLBACK TO SAVEPOINT a").unwrap();
    assert_eq!(value(&mut s, "SELECT count(*) FROM t"), "1");
    // An error fails the block; rolling back to the savepoint makes it usable again.
    assert_eq!(
        error_code(&mut s, "INSERT INTO t VALUES (1)"),
        SqlState::UNIQUE_VIOLATION
    );
    assert_eq!(
        error_code(&mut s, "SELECT 1"),
        SqlState::IN_FAILED_SQL_TRANSACTION
    );
    run(&mut s, "ROLLBACK TO a").unwrap();
    run(
        &mut s,
        "INSERT INTO t VALUES (3); RELEASE SAVEPOINT a; COMMIT",
    )
    .unwrap();
    assert_eq!(
        rows(&mut s, "SELECT id FROM t ORDER BY id"),
        vec![vec!["1"], vec!["3"]]
    );
    assert_eq!(
        error_code(&mut s, "BEGIN; ROLLBACK TO nope"),
        SqlState::from_code("3B001")
    );
    run(&mut s, "ROLLBACK").unwrap();
    assert_eq!(
        error_code(&mut s, "SAVEPOINT x"),
        SqlState::NO_ACTIVE_SQL_TRANSACTION
    );
    // DDL since a savepoint is undone too.
    run(
        &mut s,
        "BEGIN; SAVEPOINT d; CREATE TABLE u (a int); ROLLBACK TO d",
    )
    .unwrap();
    assert_eq!(
        error_code(&mut s, "SELECT * FROM u"),
        SqlState::UNDEFINED_TABLE
    );
    run(&mut s, "COMMIT").unwrap();
}
