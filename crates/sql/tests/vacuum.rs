//! VACUUM gives back the space of deleted rows: their versions and tombstones sit in the
//! engine until a compaction drops them, and VACUUM runs that compaction now.

mod common;

use common::{TestDb, run};

fn table_size_bytes(t: &TestDb, name: &str) -> u64 {
    let store = t.db.store();
    let catalog = store.committed_catalog();
    let table = catalog.table_by_name(name).expect("table exists");
    store.keyspace_size_bytes(&table.keyspace)
}

#[test]
fn vacuum_drops_the_versions_of_deleted_rows() {
    let t = TestDb::new();
    let mut s = t.session();
    run(
        &mut s,
        "CREATE TABLE gone (id integer PRIMARY KEY, v text); \
         INSERT INTO gone SELECT g, repeat('x', 200) FROM generate_series(1, 5000) AS g; \
         CHECKPOINT; \
         DELETE FROM gone WHERE id > 100; \
         CHECKPOINT",
    )
    .expect("setup");
    // The rows and their tombstones are all on disk now.
    let before = table_size_bytes(&t, "gone");
    assert!(
        before > 5000 * 200,
        "the deleted rows still take space: {before} bytes"
    );

    run(&mut s, "VACUUM gone").expect("VACUUM");
    let after = table_size_bytes(&t, "gone");
    assert!(
        after < 100 * 400,
        "VACUUM left {after} bytes for 100 rows (it was {before})"
    );
    let left = run(&mut s, "SELECT count(*), min(id), max(id) FROM gone").expect("count");
    assert_eq!(left.rows, vec![vec!["100", "1", "100"]]);
}
