//! Prepared single-row INSERTs, through the real binary: once the plan is cached they run on
//! the server's async threads and await their group commit there (no blocking-pool thread
//! parked per commit). Every INSERT acknowledged must survive a crash, and one that has to
//! wait for another transaction's row lock must wait (on the normal path), never slip past it.

mod common;

use std::collections::HashSet;

use common::{TestServer, connect};

const INSERT: &str = "INSERT INTO q (id, k, v) VALUES ($1, $2, $3)";

#[tokio::test]
async fn acknowledged_inserts_survive_a_crash() {
    const CLIENTS: i32 = 8;
    const INSERTS: i32 = 150;
    let mut server = TestServer::start();
    let setup = connect(&server).await;
    setup
        .batch_execute("CREATE TABLE q (id integer PRIMARY KEY, k integer, v text)")
        .await
        .expect("create");
    let mut clients = Vec::new();
    for c in 0..CLIENTS {
        let client = connect(&server).await;
        clients.push(tokio::spawn(async move {
            let insert = client.prepare(INSERT).await.expect("prepare");
            let mut acknowledged = Vec::new();
            for i in 0..INSERTS {
                let id = c * 1_000_000 + i;
                let v = format!("row {id}");
                let n = client
                    .execute(&insert, &[&id, &(id % 7), &v])
                    .await
                    .expect("insert");
                assert_eq!(n, 1);
                acknowledged.push(id);
            }
            acknowledged
        }));
    }
    let mut acknowledged = HashSet::new();
    for c in clients {
        acknowledged.extend(c.await.expect("client"));
    }
    assert_eq!(acknowledged.len(), (CLIENTS * INSERTS) as usize);
    drop(setup);
    server.kill();

    let server = TestServer::start_in(
        &server.data_dir.clone(),
        server.data_dir.join("../after-crash.log"),
    );
    let client = connect(&server).await;
    let rows = client
        .query("SELECT id, k, v FROM q", &[])
        .await
        .expect("select");
    let found: HashSet<i32> = rows.iter().map(|r| r.get(0)).collect();
    let lost: Vec<&i32> = acknowledged.difference(&found).collect();
    assert!(
        lost.is_empty(),
        "acknowledged INSERTs lost in the crash: {lost:?}"
    );
    for r in &rows {
        let id: i32 = r.get(0);
        assert_eq!(r.get::<_, i32>(1), id % 7);
        assert_eq!(r.get::<_, String>(2), format!("row {id}"));
    }
}

#[tokio::test]
async fn an_insert_behind_a_row_lock_waits_for_it() {
    let server = TestServer::start();
    let holder = connect(&server).await;
    let waiter = connect(&server).await;
    holder
        .batch_execute("CREATE TABLE q (id integer PRIMARY KEY, k integer, v text)")
        .await
        .expect("create");
    let insert = waiter.prepare(INSERT).await.expect("prepare");
    // Cached by its first run: later runs are offered to the quick path.
    let v = "v".to_string();
    for id in 0..3 {
        waiter
            .execute(&insert, &[&id, &0i32, &v])
            .await
            .expect("insert");
    }
    holder
        .batch_execute("BEGIN; INSERT INTO q VALUES (5, 1, 'holder')")
        .await
        .expect("holder");
    // Key 5 is locked by the open block. Whenever the waiter's INSERT arrives, it must end
    // in a unique violation once the holder commits: had it not waited for the lock, both
    // rows would be committed.
    let waiting = tokio::spawn(async move { waiter.execute(&insert, &[&5i32, &2i32, &v]).await });
    holder.batch_execute("COMMIT").await.expect("commit");
    let err = waiting
        .await
        .expect("task")
        .expect_err("the second row 5 must be refused");
    assert_eq!(
        err.as_db_error().map(|e| e.code().code()),
        Some("23505"),
        "{err:?}"
    );
    let rows = holder
        .query("SELECT k FROM q WHERE id = 5", &[])
        .await
        .expect("select");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<_, i32>(0), 1);
}
