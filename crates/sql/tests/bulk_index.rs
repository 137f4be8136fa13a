//! CREATE INDEX in its own transaction fills the new index through the bulk path
//! (`embeddb_tables::index_build`: sorted files ingested into the new keyspace, not the WAL);
//! inside a transaction block it goes through the transaction. Both must give the index
//! PostgreSQL gives: every entry, and a unique index refused with 23505 when rows collide.

mod common;

use common::{TestDb, error_code, rows, run, value};
use embeddb_sql::Session;
use embeddb_types::SqlState;

fn ingested_files(t: &TestDb) -> u64 {
    t.db.store().engine().metrics().ingested_files
}

fn wal_bytes(t: &TestDb) -> u64 {
    t.db.store().engine().metrics().wal_bytes
}

/// `t (id, k, note)` with `rows` rows; k = id % 1000 (so 1000 rows per value past 1000 rows).
fn table(t: &TestDb, rows: i64) -> Session {
    let mut s = t.session();
    run(
        &mut s,
        &format!(
            "CREATE TABLE t (id int PRIMARY KEY, k int, note text);
             INSERT INTO t SELECT g, g % 1000, CASE WHEN g % 7 = 0 THEN NULL ELSE 'n' || g END
             FROM generate_series(1, {rows}) g"
        ),
    )
    .expect("setup");
    s
}

/// The index answers as a full scan does.
fn check_index(s: &mut Session) {
    let plan = rows(s, "EXPLAIN SELECT id FROM t WHERE k = 42");
    assert!(
        plan[0][0].contains("Index Scan using t_k"),
        "the query must use the index: {plan:?}"
    );
    assert_eq!(value(s, "SELECT count(*) FROM t WHERE k = 42"), "50");
    assert_eq!(value(s, "SELECT sum(id) FROM t WHERE k = 42"), "1227100");
    assert_eq!(
        value(s, "SELECT count(*) FROM t WHERE k BETWEEN 10 AND 19"),
        "500"
    );
}

#[test]
fn create_index_alone_ingests_its_entries_instead_of_logging_them() {
    let t = TestDb::new();
    let mut s = table(&t, 50_000);
    let (files, wal) = (ingested_files(&t), wal_bytes(&t));
    run(&mut s, "CREATE INDEX t_k ON t (k)").expect("create index");
    assert!(ingested_files(&t) > files, "the entries were not ingested");
    // 50,000 entries through the WAL would be well over a megabyte; the catalog change is not.
    let logged = wal_bytes(&t) - wal;
    assert!(logged < 64 * 1024, "{logged} bytes of WAL for the index");
    check_index(&mut s);
    // Maintained afterwards like any index.
    run(
        &mut s,
        "UPDATE t SET k = 42 WHERE id = 1; DELETE FROM t WHERE id = 42",
    )
    .expect("dml");
    assert_eq!(value(&mut s, "SELECT count(*) FROM t WHERE k = 42"), "50");
}

#[test]
fn create_index_in_a_block_is_seen_by_the_block_under_repeatable_read() {
    let t = TestDb::new();
    let mut s = table(&t, 50_000);
    let files = ingested_files(&t);
    run(
        &mut s,
        "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM t; CREATE INDEX t_k ON t (k)",
    )
    .expect("create index in a block");
    check_index(&mut s);
    run(&mut s, "COMMIT").expect("commit");
    assert_eq!(
        ingested_files(&t),
        files,
        "a block's index goes through the transaction"
    );
    check_index(&mut s);
}

#[test]
fn a_unique_index_over_colliding_rows_fails_and_leaves_nothing() {
    let t = TestDb::new();
    // 600,000 entries are more than one 32 MiB run: ids 1 and 600,000 collide across runs.
    let mut s = table(&t, 600_000);
    run(&mut s, "UPDATE t SET note = 'n1' WHERE id = 600000").expect("collide");
    let err = run(&mut s, "CREATE UNIQUE INDEX t_note ON t (note)").expect_err("duplicate");
    assert_eq!(err.code, SqlState::UNIQUE_VIOLATION);
    assert_eq!(err.message, "could not create unique index \"t_note\"");
    assert_eq!(
        err.detail.as_deref(),
        Some("Key (note)=(n1) is duplicated.")
    );
    assert_eq!(
        value(
            &mut s,
            "SELECT count(*) FROM pg_class WHERE relname = 't_note'"
        ),
        "0"
    );
    // Within one run, too.
    run(&mut s, "UPDATE t SET note = 'n3' WHERE id = 4").expect("collide");
    run(&mut s, "UPDATE t SET note = 'x' WHERE id = 600000").expect("uncollide");
    let err = run(&mut s, "CREATE UNIQUE INDEX t_note ON t (note)").expect_err("duplicate");
    assert_eq!(
        err.detail.as_deref(),
        Some("Key (note)=(n3) is duplicated.")
    );
    // Once the rows differ, the same name builds; NULLs never collide.
    run(&mut s, "UPDATE t SET note = 'n4' WHERE id = 4").expect("uncollide");
    run(&mut s, "CREATE UNIQUE INDEX t_note ON t (note)").expect("unique index");
    assert_eq!(
        error_code(&mut s, "INSERT INTO t VALUES (0, 0, 'n5')"),
        SqlState::UNIQUE_VIOLATION
    );
    assert_eq!(
        value(&mut s, "SELECT id FROM t WHERE note = 'n599999'"),
        "599999"
    );
}
