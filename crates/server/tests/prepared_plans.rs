//! Prepared statements whose plans are cached, through the real binary: a primary-key lookup
//! executed again runs from its cached plan on the server's quick path (no blocking-pool
//! hop). These check that such executions stay exactly as correct as a fresh plan: DDL
//! invalidates the plan, a table locked by DDL makes the lookup wait rather than read around
//! it, snapshots are per statement under READ COMMITTED, and errors fail a transaction block.

mod common;

use std::time::Duration;

use common::{TestServer, connect};

const LOOKUP: &str = "SELECT id, v FROM t WHERE id = $1";

/// A server with table `t` holding three rows, a client, and the client's prepared primary-key
/// lookup on `t`.
async fn start() -> (
    TestServer,
    tokio_postgres::Client,
    tokio_postgres::Statement,
) {
    let server = TestServer::start();
    let client = connect(&server).await;
    client
        .batch_execute(
            "CREATE TABLE t (id integer PRIMARY KEY, k integer, v text);
             INSERT INTO t VALUES (1, 10, 'one'), (2, 0, 'two'), (3, 30, 'three');",
        )
        .await
        .expect("setup");
    let lookup = client.prepare(LOOKUP).await.expect("prepare");
    (server, client, lookup)
}

/// (id, v) of the rows a query returned.
fn id_v(rows: &[tokio_postgres::Row]) -> Vec<(i32, String)> {
    rows.iter().map(|r| (r.get(0), r.get(1))).collect()
}

#[tokio::test]
async fn cached_point_lookup_follows_ddl() {
    let (server, client, lookup) = start().await;
    // The first run caches the plan; the next ones use it.
    for _ in 0..3 {
        let rows = client.query(&lookup, &[&1i32]).await.expect("lookup");
        assert_eq!(id_v(&rows), vec![(1, "one".to_string())]);
    }

    // A column added before `v` changes v's position in the stored row.
    client
        .batch_execute("ALTER TABLE t DROP COLUMN k; ALTER TABLE t ADD COLUMN k2 integer DEFAULT 5")
        .await
        .expect("alter");
    for _ in 0..2 {
        let rows = client.query(&lookup, &[&3i32]).await.expect("after alter");
        assert_eq!(id_v(&rows), vec![(3, "three".to_string())]);
    }

    // The table dropped and created again under the same name with other rows.
    client.batch_execute("DROP TABLE t").await.expect("drop");
    client
        .batch_execute(
            "CREATE TABLE t (v text, id integer PRIMARY KEY);
             INSERT INTO t VALUES ('uno', 1), ('dos', 2);",
        )
        .await
        .expect("recreate");
    for _ in 0..2 {
        let rows = client
            .query(&lookup, &[&2i32])
            .await
            .expect("after recreate");
        assert_eq!(id_v(&rows), vec![(2, "dos".to_string())]);
        let rows = client.query(&lookup, &[&3i32]).await.expect("missing row");
        assert!(rows.is_empty());
    }

    // A session's other prepared statements see the change made by another session too.
    let other = connect(&server).await;
    other
        .batch_execute("UPDATE t SET v = 'DOS' WHERE id = 2")
        .await
        .expect("update");
    let rows = client.query(&lookup, &[&2i32]).await.expect("after update");
    assert_eq!(id_v(&rows), vec![(2, "DOS".to_string())]);
}

#[tokio::test]
async fn cached_point_lookup_waits_for_ddl_holding_the_table() {
    let (server, client, lookup) = start().await;
    client.query(&lookup, &[&1i32]).await.expect("warm");

    let ddl = connect(&server).await;
    ddl.batch_execute("BEGIN; ALTER TABLE t ADD COLUMN extra integer DEFAULT 7; UPDATE t SET v = 'uno' WHERE id = 1")
        .await
        .expect("ddl in a block");
    let waiting = tokio::spawn(async move {
        let rows = client.query(&lookup, &[&1i32]).await.expect("lookup");
        id_v(&rows)
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !waiting.is_finished(),
        "the lookup must wait for the table lock"
    );
    ddl.batch_execute("COMMIT").await.expect("commit");
    let rows = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("lookup finished")
        .expect("lookup task");
    // The lookup waited on the normal path, which took its snapshot before the wait (so it
    // reads 'one'; PostgreSQL, snapshotting after the lock, reads 'uno'). Either way it must
    // read the row through a plan that matches the table.
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, 1);
    // Executed again, the cached plan is rebound for the new catalog and sees the commit.
    let client = connect(&server).await;
    let lookup = client.prepare(LOOKUP).await.expect("prepare again");
    for _ in 0..2 {
        let rows = client.query(&lookup, &[&1i32]).await.expect("after commit");
        assert_eq!(id_v(&rows), vec![(1, "uno".to_string())]);
    }
}

#[tokio::test]
async fn cached_point_lookup_in_blocks_keeps_isolation_and_errors() {
    let (server, client, lookup) = start().await;
    let other = connect(&server).await;
    client.query(&lookup, &[&1i32]).await.expect("warm");

    // READ COMMITTED: each statement of a block sees what committed before it.
    client.batch_execute("BEGIN").await.expect("begin");
    let rows = client.query(&lookup, &[&1i32]).await.expect("first");
    assert_eq!(id_v(&rows), vec![(1, "one".to_string())]);
    other
        .batch_execute("UPDATE t SET v = 'uno' WHERE id = 1")
        .await
        .expect("update");
    let rows = client.query(&lookup, &[&1i32]).await.expect("second");
    assert_eq!(id_v(&rows), vec![(1, "uno".to_string())]);
    client.batch_execute("COMMIT").await.expect("commit");

    // REPEATABLE READ: the block keeps its first snapshot.
    client
        .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        .await
        .expect("begin rr");
    client.query(&lookup, &[&1i32]).await.expect("first rr");
    other
        .batch_execute("UPDATE t SET v = 'eins' WHERE id = 1")
        .await
        .expect("update");
    let rows = client.query(&lookup, &[&1i32]).await.expect("second rr");
    assert_eq!(id_v(&rows), vec![(1, "uno".to_string())]);
    client.batch_execute("COMMIT").await.expect("commit rr");

    // The block's own uncommitted write is visible to the lookup.
    client.batch_execute("BEGIN").await.expect("begin");
    client
        .batch_execute("UPDATE t SET v = 'mine' WHERE id = 3")
        .await
        .expect("own update");
    let rows = client.query(&lookup, &[&3i32]).await.expect("own write");
    assert_eq!(id_v(&rows), vec![(3, "mine".to_string())]);
    client.batch_execute("ROLLBACK").await.expect("rollback");
    let rows = client.query(&lookup, &[&3i32]).await.expect("rolled back");
    assert_eq!(id_v(&rows), vec![(3, "three".to_string())]);

    // An error raised by a cached lookup fails the block like any statement's.
    let divide = client
        .prepare("SELECT id, 100 / k FROM t WHERE id = $1")
        .await
        .expect("prepare divide");
    let rows = client.query(&divide, &[&1i32]).await.expect("divide");
    assert_eq!(rows[0].get::<_, i32>(1), 10);
    client.batch_execute("BEGIN").await.expect("begin");
    client
        .query(&divide, &[&1i32])
        .await
        .expect("divide in block");
    let err = client
        .query(&divide, &[&2i32])
        .await
        .expect_err("division by zero");
    assert_eq!(err.code().map(|c| c.code()), Some("22012"));
    let err = client
        .query(&lookup, &[&1i32])
        .await
        .expect_err("block failed");
    assert_eq!(err.code().map(|c| c.code()), Some("25P02"));
    client.batch_execute("ROLLBACK").await.expect("rollback");
    // Outside a block the error ends only that statement.
    let err = client
        .query(&divide, &[&2i32])
        .await
        .expect_err("division by zero again");
    assert_eq!(err.code().map(|c| c.code()), Some("22012"));
    let rows = client.query(&lookup, &[&2i32]).await.expect("after error");
    assert_eq!(id_v(&rows), vec![(2, "two".to_string())]);

    // Several points at once, and a point that matches nothing.
    let many = client
        .prepare("SELECT id, v FROM t WHERE id IN ($1, $2, $3)")
        .await
        .expect("prepare in");
    for _ in 0..2 {
        let rows = client
            .query(&many, &[&3i32, &1i32, &9i32])
            .await
            .expect("in list");
        assert_eq!(
            id_v(&rows),
            vec![(1, "eins".to_string()), (3, "three".to_string())]
        );
    }
}
