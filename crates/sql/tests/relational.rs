//! Joins, subqueries, CTEs, set operations, window functions and indexes through a session.

#![allow(clippy::unwrap_used)]

mod common;

use common::{TestDb, error_code, rows, run, value};
use embeddb_types::SqlState;

fn setup() -> (TestDb, embeddb_sql::Session) {
    let t = TestDb::new();
    let mut s = t.session();
    run(
        &mut s,
        "CREATE TABLE dept (id int PRIMARY KEY, name text);
         CREATE TABLE emp (id int PRIMARY KEY, name text, dept_id int, salary int);
         INSERT INTO dept VALUES (1, 'eng'), (2, 'ops'), (3, 'empty');
         INSERT INTO emp VALUES (1, 'ann', 1, 100), (2, 'bob', 1, 90), (3, 'cid', 2, 80), (4, 'dan', NULL, 70);",
    )
    .unwrap();
    (t, s)
}

#[test]
fn joins() {
    let (_t, mut s) = setup();
    assert_eq!(
        rows(
            &mut s,
            "SELECT e.name, d.name FROM emp e JOIN dept d ON e.dept_id = d.id ORDER BY e.id"
        ),
        vec![vec!["ann", "eng"], vec!["bob", "eng"], vec!["cid", "ops"]]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT e.name, d.name FROM emp e LEFT JOIN dept d ON e.dept_id = d.id ORDER BY e.id"
        ),
        vec![
            vec!["ann", "eng"],
            vec!["bob", "eng"],
            vec!["cid", "ops"],
            vec!["dan", "NULL"]
        ]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT d.name, count(e.id) FROM dept d LEFT JOIN emp e ON e.dept_id = d.id GROUP BY d.name ORDER BY d.name"
        ),
        vec![vec!["empty", "0"], vec!["eng", "2"], vec!["ops", "1"]]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT e.name, d.name FROM emp e RIGHT JOIN dept d ON e.dept_id = d.id WHERE e.id IS NULL"
        ),
        vec![vec!["NULL", "empty"]]
    );
    assert_eq!(
        value(
            &mut s,
            "SELECT count(*) FROM emp e FULL JOIN dept d ON e.dept_id = d.id"
        ),
        "5"
    );
    assert_eq!(value(&mut s, "SELECT count(*) FROM emp, dept"), "12");
    assert_eq!(
        rows(
            &mut s,
            "SELECT e.name FROM emp e, dept d WHERE e.dept_id = d.id AND d.name = 'ops'"
        ),
        vec![vec!["cid"]]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT id, emp.name FROM emp JOIN dept USING (id) ORDER BY id"
        ),
        vec![vec!["1", "ann"], vec!["2", "bob"], vec!["3", "cid"]]
    );
}

#[test]
fn subqueries() {
    let (_t, mut s) = setup();
    assert_eq!(
        rows(
            &mut s,
            "SELECT name FROM emp WHERE salary > (SELECT avg(salary) FROM emp) ORDER BY name"
        ),
        vec![vec!["ann"], vec!["bob"]]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT name FROM dept d WHERE EXISTS (SELECT 1 FROM emp e WHERE e.dept_id = d.id) ORDER BY name"
        ),
        vec![vec!["eng"], vec!["ops"]]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT name FROM dept WHERE id NOT IN (SELECT dept_id FROM emp WHERE dept_id IS NOT NULL)"
        ),
        vec![vec!["empty"]]
    );
    // NOT IN with a NULL in the list is never true.
    assert_eq!(
        rows(
            &mut s,
            "SELECT name FROM dept WHERE id NOT IN (SELECT dept_id FROM emp)"
        )
        .len(),
        0
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT name, (SELECT count(*) FROM emp e WHERE e.dept_id = d.id) FROM dept d ORDER BY id"
        ),
        vec![vec!["eng", "2"], vec!["ops", "1"], vec!["empty", "0"]]
    );
    assert_eq!(
        value(
            &mut s,
            "SELECT max(s) FROM (SELECT salary AS s FROM emp) sub"
        ),
        "100"
    );
    assert_eq!(
        error_code(&mut s, "SELECT (SELECT id FROM emp)"),
        SqlState::CARDINALITY_VIOLATION
    );
    assert_eq!(
        value(&mut s, "SELECT 80 = ANY (SELECT salary FROM emp)"),
        "t"
    );
    assert_eq!(
        value(&mut s, "SELECT 60 > ALL (SELECT salary FROM emp)"),
        "f"
    );
}

#[test]
fn ctes_and_set_operations() {
    let (_t, mut s) = setup();
    assert_eq!(
        value(
            &mut s,
            "WITH rich AS (SELECT * FROM emp WHERE salary >= 90) SELECT count(*) FROM rich"
        ),
        "2"
    );
    assert_eq!(
        value(
            &mut s,
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 10) SELECT sum(x) FROM n"
        ),
        "55"
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT dept_id FROM emp UNION SELECT id FROM dept ORDER BY 1"
        ),
        vec![vec!["1"], vec!["2"], vec!["3"], vec!["NULL"]]
    );
    assert_eq!(
        value(
            &mut s,
            "SELECT count(*) FROM (SELECT dept_id FROM emp UNION ALL SELECT id FROM dept) u"
        ),
        "7"
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT id FROM dept INTERSECT SELECT dept_id FROM emp ORDER BY id"
        ),
        vec![vec!["1"], vec!["2"]]
    );
    assert_eq!(
        rows(&mut s, "SELECT id FROM dept EXCEPT SELECT dept_id FROM emp"),
        vec![vec!["3"]]
    );
    assert_eq!(
        rows(&mut s, "VALUES (1, 'x'), (2, 'y') ORDER BY 1 DESC"),
        vec![vec!["2", "y"], vec!["1", "x"]]
    );
}

#[test]
fn window_functions() {
    let (_t, mut s) = setup();
    assert_eq!(
        rows(
            &mut s,
            "SELECT name, row_number() OVER (ORDER BY salary DESC), rank() OVER (PARTITION BY dept_id ORDER BY salary DESC) FROM emp ORDER BY name"
        ),
        vec![
            vec!["ann", "1", "1"],
            vec!["bob", "2", "2"],
            vec!["cid", "3", "1"],
            vec!["dan", "4", "1"]
        ]
    );
    assert_eq!(
        rows(
            &mut s,
            "SELECT id, sum(salary) OVER (ORDER BY id), lag(salary) OVER (ORDER BY id) FROM emp ORDER BY id"
        ),
        vec![
            vec!["1", "100", "NULL"],
            vec!["2", "190", "100"],
            vec!["3", "270", "90"],
            vec!["4", "340", "80"]
        ]
    );
}

#[test]
fn secondary_indexes_and_explain() {
    let t = TestDb::new();
    let mut s = t.session();
    run(&mut s, "CREATE TABLE t (id int PRIMARY KEY, k int, v text)").unwrap();
    run(
        &mut s,
        "INSERT INTO t SELECT g, g % 10, 'v' || g FROM generate_series(1, 1000) g",
    )
    .unwrap();
    run(&mut s, "CREATE INDEX t_k_idx ON t (k)").unwrap();
    assert_eq!(value(&mut s, "SELECT count(*) FROM t WHERE k = 3"), "100");
    let plan = rows(&mut s, "EXPLAIN SELECT * FROM t WHERE k = 3");
    assert!(
        plan[0][0].contains("Index Scan using t_k_idx on t"),
        "{plan:?}"
    );
    let plan = rows(&mut s, "EXPLAIN SELECT * FROM t WHERE id = 5");
    assert!(
        plan[0][0].contains("Index Scan using t_pkey on t"),
        "{plan:?}"
    );
    // The index follows updates and deletes.
    run(&mut s, "UPDATE t SET k = 42 WHERE id <= 5").unwrap();
    assert_eq!(value(&mut s, "SELECT count(*) FROM t WHERE k = 42"), "5");
    assert_eq!(value(&mut s, "SELECT count(*) FROM t WHERE k = 1"), "99");
    run(&mut s, "DELETE FROM t WHERE k = 42").unwrap();
    assert_eq!(value(&mut s, "SELECT count(*) FROM t WHERE k = 42"), "0");
    run(&mut s, "CREATE UNIQUE INDEX t_v_key ON t (v)").unwrap();
    assert_eq!(
        error_code(&mut s, "INSERT INTO t VALUES (5000, 1, 'v10')"),
        SqlState::UNIQUE_VIOLATION
    );
    assert_eq!(
        rows(&mut s, "SELECT id FROM t ORDER BY id DESC LIMIT 2"),
        vec![vec!["1000"], vec!["999"]]
    );
}

#[test]
fn alter_table() {
    let t = TestDb::new();
    let mut s = t.session();
    run(
        &mut s,
        "CREATE TABLE t (id int PRIMARY KEY, a text); INSERT INTO t VALUES (1, 'x')",
    )
    .unwrap();
    run(&mut s, "ALTER TABLE t ADD COLUMN b int DEFAULT 7").unwrap();
    assert_eq!(rows(&mut s, "SELECT * FROM t"), vec![vec!["1", "x", "7"]]);
    run(&mut s, "ALTER TABLE t DROP COLUMN a").unwrap();
    run(&mut s, "INSERT INTO t VALUES (2, 8)").unwrap();
    assert_eq!(
        rows(&mut s, "SELECT * FROM t ORDER BY id"),
        vec![vec!["1", "7"], vec!["2", "8"]]
    );
    run(&mut s, "ALTER TABLE t RENAME COLUMN b TO c").unwrap();
    run(&mut s, "ALTER TABLE t RENAME TO u").unwrap();
    assert_eq!(value(&mut s, "SELECT sum(c) FROM u"), "15");
    run(&mut s, "TRUNCATE u").unwrap();
    assert_eq!(value(&mut s, "SELECT count(*) FROM u"), "0");
    run(&mut s, "DROP TABLE u").unwrap();
    assert_eq!(
        error_code(&mut s, "SELECT * FROM u"),
        SqlState::UNDEFINED_TABLE
    );
}

#[test]
fn on_conflict() {
    let t = TestDb::new();
    let mut s = t.session();
    run(&mut s, "CREATE TABLE kv (k text PRIMARY KEY, v int)").unwrap();
    run(&mut s, "INSERT INTO kv VALUES ('a', 1)").unwrap();
    assert_eq!(
        run(
            &mut s,
            "INSERT INTO kv VALUES ('a', 2) ON CONFLICT DO NOTHING"
        )
        .unwrap()
        .tag,
        "INSERT 0 0"
    );
    run(&mut s, "INSERT INTO kv VALUES ('a', 5), ('b', 1) ON CONFLICT (k) DO UPDATE SET v = kv.v + EXCLUDED.v").unwrap();
    assert_eq!(
        rows(&mut s, "SELECT * FROM kv ORDER BY k"),
        vec![vec!["a", "6"], vec!["b", "1"]]
    );
    assert_eq!(
        error_code(
            &mut s,
            "INSERT INTO kv VALUES ('c', 1), ('c', 2) ON CONFLICT (k) DO UPDATE SET v = 0"
        ),
        SqlState::CARDINALITY_VIOLATION
    );
}

#[test]
fn order_by_limit_reads_an_index_in_order() {
    let t = TestDb::new();
    let mut s = t.session();
    run(&mut s, "CREATE TABLE t (id int PRIMARY KEY, k int, v text)").unwrap();
    run(
        &mut s,
        "INSERT INTO t SELECT g, (g * 7) % 100, 'v' || g FROM generate_series(1, 500) g",
    )
    .unwrap();
    run(&mut s, "INSERT INTO t VALUES (1000, NULL, 'null k')").unwrap();
    run(&mut s, "CREATE INDEX t_k ON t (k)").unwrap();
    let plan = rows(&mut s, "EXPLAIN SELECT k FROM t ORDER BY k LIMIT 3");
    assert!(
        plan.iter()
            .any(|l| l[0].contains("Index Scan using t_k on t")),
        "{plan:?}"
    );
    assert!(!plan.iter().any(|l| l[0].contains("Sort")), "{plan:?}");
    assert_eq!(
        rows(&mut s, "SELECT k FROM t ORDER BY k LIMIT 3"),
        vec![vec!["0"], vec!["0"], vec!["0"]]
    );
    // DESC puts NULLs first, as a backward index scan yields them.
    assert_eq!(
        rows(&mut s, "SELECT k FROM t ORDER BY k DESC LIMIT 2"),
        vec![vec!["NULL"], vec!["99"]]
    );
    // NULLS LAST with DESC cannot use the index order: still right.
    assert_eq!(
        rows(&mut s, "SELECT k FROM t ORDER BY k DESC NULLS LAST LIMIT 1"),
        vec![vec!["99"]]
    );
    // Primary key prefix fixed by equality: ORDER BY the next key column needs no sort.
    run(&mut s, "CREATE TABLE p (a int, b int, PRIMARY KEY (a, b))").unwrap();
    run(
        &mut s,
        "INSERT INTO p SELECT g % 3, g FROM generate_series(1, 30) g",
    )
    .unwrap();
    let plan = rows(
        &mut s,
        "EXPLAIN SELECT b FROM p WHERE a = 1 ORDER BY b DESC LIMIT 2",
    );
    assert!(!plan.iter().any(|l| l[0].contains("Sort")), "{plan:?}");
    assert_eq!(
        rows(
            &mut s,
            "SELECT b FROM p WHERE a = 1 ORDER BY b DESC LIMIT 2"
        ),
        vec![vec!["28"], vec!["25"]]
    );
}

#[test]
fn joins_stream_the_largest_input_and_hash_the_smaller_ones() {
    let t = TestDb::new();
    let mut s = t.session();
    run(
        &mut s,
        "CREATE TABLE small (id int PRIMARY KEY, name text);
         CREATE TABLE big (id int PRIMARY KEY, small_id int, mid_id int);
         CREATE TABLE mid (id int PRIMARY KEY, label text);
         INSERT INTO small SELECT g, 's' || g FROM generate_series(1, 5) g;
         INSERT INTO mid SELECT g, 'm' || g FROM generate_series(1, 50) g;
         INSERT INTO big SELECT g, g % 5 + 1, g % 50 + 1 FROM generate_series(1, 3000) g;",
    )
    .unwrap();
    let sql = "SELECT count(*), count(DISTINCT s.name), count(DISTINCT m.label)
               FROM small s JOIN big b ON b.small_id = s.id JOIN mid m ON m.id = b.mid_id";
    let plan = rows(&mut s, &format!("EXPLAIN {sql}"));
    let scans: Vec<&str> = plan
        .iter()
        .map(|r| r[0].as_str())
        .filter(|l| l.contains("Scan on"))
        .collect();
    assert!(
        scans[0].contains("on big"),
        "the largest table should stream first: {plan:?}"
    );
    assert_eq!(rows(&mut s, sql), vec![vec!["3000", "5", "50"]]);
    // Column order is what the query wrote, whatever the join order.
    assert_eq!(
        rows(
            &mut s,
            "SELECT * FROM small s JOIN big b ON b.small_id = s.id WHERE b.id = 7"
        ),
        vec![vec!["3", "s3", "7", "3", "8"]]
    );
}
