//! COPY's bulk path (`embeddb_tables::bulk`): a COPY in its own transaction larger than the
//! small-load threshold is written as SSTs and ingested. These tests drive the real binary
//! with loads big enough to take that path and check what a PostgreSQL user relies on: every
//! row and index entry present and durable across a restart, unique violations (inside the
//! load, against committed rows, against a concurrent uncommitted writer) failing the whole
//! COPY with 23505, and readers never seeing part of a load.

mod common;

use futures::SinkExt;

use common::{TestServer, connect};

/// Rows of about 110 bytes: 150 000 of them (~17 MB of data, about 45 MiB with index entries
/// and bookkeeping) exceed the 4 MiB small-load threshold and fill more than one 32 MiB run, so
/// runs are written in the background and duplicates can fall in different runs.
const ROWS: i64 = 150_000;

fn code(e: &tokio_postgres::Error) -> String {
    e.code()
        .map(|c| c.code().to_string())
        .unwrap_or_else(|| format!("no SQLSTATE: {e}"))
}

/// COPY text data for `b (id, email, grp, note)`: ids in `ids`, shuffled so runs are not
/// already sorted.
fn data(ids: impl Iterator<Item = i64>) -> Vec<u8> {
    let mut ids: Vec<i64> = ids.collect();
    // A fixed permutation (multiplicative hashing) instead of a random one: reproducible.
    ids.sort_by_key(|i| (i.wrapping_mul(2_654_435_761)) % 1_000_003);
    let mut out = Vec::new();
    for i in ids {
        let note = if i % 7 == 0 {
            "\\N".to_string()
        } else {
            format!("{:0>90}", i)
        };
        out.extend_from_slice(
            format!("{i}\tuser{i}@example.com\t{}\t{note}\n", i % 100).as_bytes(),
        );
    }
    out
}

fn message(e: &tokio_postgres::Error) -> String {
    e.as_db_error()
        .map(|d| d.message().to_string())
        .unwrap_or_default()
}

async fn copy(client: &tokio_postgres::Client, data: &[u8]) -> Result<u64, tokio_postgres::Error> {
    let sink = client.copy_in("COPY b FROM STDIN").await?;
    futures::pin_mut!(sink);
    for piece in data.chunks(256 * 1024) {
        sink.send(bytes::Bytes::copy_from_slice(piece)).await?;
    }
    sink.finish().await
}

async fn count(client: &tokio_postgres::Client) -> i64 {
    client
        .query_one("SELECT count(*) FROM b", &[])
        .await
        .expect("count")
        .get(0)
}

const CREATE: &str =
    "CREATE TABLE b (id bigint PRIMARY KEY, email text UNIQUE, grp int, note text);
     CREATE INDEX b_grp ON b (grp)";

#[tokio::test]
async fn a_large_copy_loads_rows_and_indexes_durably() {
    let temp = tempfile::tempdir().expect("temp dir");
    let data_dir = temp.path().join("data");
    let mut server = TestServer::start_in(&data_dir, temp.path().join("1.log"));
    let client = connect(&server).await;
    client.batch_execute(CREATE).await.expect("create");
    assert_eq!(
        copy(&client, &data(0..ROWS)).await.expect("copy"),
        ROWS as u64
    );

    let check = |client: tokio_postgres::Client| async move {
        assert_eq!(count(&client).await, ROWS);
        let row = client
            .query_one(
                "SELECT id, grp, note FROM b WHERE email = 'user4242@example.com'",
                &[],
            )
            .await
            .expect("by unique index");
        assert_eq!(row.get::<_, i64>(0), 4242);
        assert_eq!(row.get::<_, i32>(1), 42);
        let n: i64 = client
            .query_one("SELECT count(*) FROM b WHERE grp = 7", &[])
            .await
            .expect("by index")
            .get(0);
        assert_eq!(n, ROWS / 100);
        let nulls: i64 = client
            .query_one("SELECT count(*) FROM b WHERE note IS NULL", &[])
            .await
            .expect("nulls")
            .get(0);
        assert_eq!(nulls, (ROWS + 6) / 7);
        // The rows are ordinary rows: updates and deletes work on them.
        client
            .batch_execute("UPDATE b SET grp = -1 WHERE id = 10; DELETE FROM b WHERE id = 11")
            .await
            .expect("update and delete");
        client
            .batch_execute("UPDATE b SET grp = 10 WHERE id = 10; INSERT INTO b VALUES (11, 'user11@example.com', 11, '')")
            .await
            .expect("restore");
    };
    check(client).await;
    // Durable: the ingested files survive a restart.
    server.stop();
    let server = TestServer::start_in(&data_dir, temp.path().join("2.log"));
    check(connect(&server).await).await;
}

#[tokio::test]
async fn unique_violations_fail_the_whole_copy() {
    let server = TestServer::start();
    let client = connect(&server).await;
    client.batch_execute(CREATE).await.expect("create");

    // A primary key repeated inside the load.
    let mut dup = data(0..ROWS);
    dup.extend_from_slice(b"17\tother@example.com\t1\tx\n");
    let err = copy(&client, &dup).await.expect_err("duplicate id");
    assert_eq!(code(&err), "23505");
    assert!(message(&err).contains("\"b_pkey\""), "{err:?}");
    let detail = err
        .as_db_error()
        .and_then(|e| e.detail())
        .unwrap_or_default();
    assert_eq!(detail, "Key (id)=(17) already exists.");
    assert_eq!(count(&client).await, 0, "nothing of a failed COPY stays");

    // A unique secondary key repeated inside the load.
    let mut dup = data(0..ROWS);
    dup.extend_from_slice(b"99999999\tuser5@example.com\t1\tx\n");
    let err = copy(&client, &dup).await.expect_err("duplicate email");
    assert_eq!(code(&err), "23505");
    assert!(message(&err).contains("\"b_email_key\""), "{err:?}");
    assert_eq!(count(&client).await, 0);

    // A key that a committed row already has.
    client
        .batch_execute("INSERT INTO b VALUES (123, 'first@example.com', 1, 'x')")
        .await
        .expect("insert");
    let err = copy(&client, &data(0..ROWS))
        .await
        .expect_err("existing id");
    assert_eq!(code(&err), "23505");
    let detail = err
        .as_db_error()
        .and_then(|e| e.detail())
        .unwrap_or_default();
    assert_eq!(detail, "Key (id)=(123) already exists.");
    assert_eq!(count(&client).await, 1);

    // Deleted rows do not conflict; the load goes in beside the committed row.
    client
        .batch_execute("DELETE FROM b WHERE id = 123")
        .await
        .expect("delete");
    assert_eq!(
        copy(&client, &data(0..ROWS)).await.expect("copy"),
        ROWS as u64
    );
    // A second load of other keys into the now non-empty table.
    assert_eq!(
        copy(&client, &data(ROWS..2 * ROWS))
            .await
            .expect("second copy"),
        ROWS as u64
    );
    assert_eq!(count(&client).await, 2 * ROWS);
}

#[tokio::test]
async fn a_copy_waits_for_a_concurrent_writer_of_the_table() {
    let server = TestServer::start();
    let writer = connect(&server).await;
    let loader = connect(&server).await;
    writer.batch_execute(CREATE).await.expect("create");
    // An open transaction holds id 5 uncommitted.
    writer
        .batch_execute("BEGIN; INSERT INTO b VALUES (5, 'five@example.com', 5, 'x')")
        .await
        .expect("insert in a block");
    // The COPY cannot finish while that transaction is open (whether id 5 commits decides
    // whether the load is valid): with a lock_timeout it gives up waiting, with 55P03.
    loader
        .batch_execute("SET lock_timeout = '200ms'")
        .await
        .expect("set lock_timeout");
    let err = copy(&loader, &data(0..ROWS)).await.expect_err("must wait");
    assert_eq!(code(&err), "55P03", "{err}");
    assert_eq!(count(&loader).await, 0, "nothing of the load is visible");
    // Without a timeout it waits; once the writer commits id 5, the load is a duplicate.
    loader
        .batch_execute("RESET lock_timeout")
        .await
        .expect("reset");
    let load = tokio::spawn(async move {
        let result = copy(&loader, &data(0..ROWS)).await.map_err(|e| code(&e));
        (result, loader)
    });
    writer.batch_execute("COMMIT").await.expect("commit");
    let (result, loader) = load.await.expect("join");
    assert_eq!(result, Err("23505".to_string()));
    assert_eq!(count(&loader).await, 1);
}

#[tokio::test]
async fn a_copy_inside_a_transaction_block_rolls_back_with_it() {
    let server = TestServer::start();
    let client = connect(&server).await;
    client.batch_execute(CREATE).await.expect("create");
    client.batch_execute("BEGIN").await.expect("begin");
    assert_eq!(
        copy(&client, &data(0..ROWS)).await.expect("copy"),
        ROWS as u64
    );
    assert_eq!(count(&client).await, ROWS, "the block sees its own load");
    client.batch_execute("ROLLBACK").await.expect("rollback");
    assert_eq!(count(&client).await, 0);
}
