//! Protocol-level behaviour of the real `embeddb` binary, through tokio-postgres (which uses
//! the extended protocol with binary values) and a hand-written client where the exact
//! messages matter.

mod common;

use std::time::{Duration, Instant};

use futures::{SinkExt, TryStreamExt};
use tokio_postgres::types::Type;

use common::wire::{RawConn, tags};
use common::{TestServer, connect};

fn code(e: &tokio_postgres::Error) -> String {
    e.code()
        .map(|c| c.code().to_string())
        .unwrap_or_else(|| format!("no SQLSTATE: {e}"))
}

#[tokio::test]
async fn prepared_statement_infers_parameter_types() {
    let server = TestServer::start();
    let client = connect(&server).await;
    client
        .batch_execute("CREATE TABLE t (id integer PRIMARY KEY, name text)")
        .await
        .expect("create");
    client
        .batch_execute("INSERT INTO t VALUES (1, 'one'), (2, 'two'), (3, 'three')")
        .await
        .expect("insert");
    let statement = client
        .prepare("SELECT * FROM t WHERE id = $1")
        .await
        .expect("prepare");
    assert_eq!(statement.params(), &[Type::INT4]);
    let rows = client.query(&statement, &[&2i32]).await.expect("query");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<_, i32>(0), 2);
    assert_eq!(rows[0].get::<_, String>(1), "two");

    // Parameters typed from INSERT's columns and from a LIMIT; an untyped one is text.
    let n = client
        .execute(
            "INSERT INTO t (id, name) VALUES ($1, $2)",
            &[&4i32, &"four"],
        )
        .await
        .expect("insert with params");
    assert_eq!(n, 1);
    let untyped = client.prepare("SELECT $1").await.expect("prepare untyped");
    assert_eq!(untyped.params(), &[Type::TEXT]);
    let declared = client
        .prepare_typed("SELECT name FROM t WHERE id = $1", &[Type::INT8])
        .await
        .expect("prepare declared");
    assert_eq!(declared.params(), &[Type::INT8]);
    let rows = client
        .query(&declared, &[&4i64])
        .await
        .expect("query declared");
    assert_eq!(rows[0].get::<_, String>(0), "four");
}

#[tokio::test]
async fn binary_values_of_every_type_both_directions() {
    use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
    use rust_decimal::Decimal;
    use std::str::FromStr;

    let server = TestServer::start();
    let client = connect(&server).await;
    client
        .batch_execute(
            "CREATE TABLE v (id integer PRIMARY KEY, b bool, s smallint, i integer, l bigint, \
             r real, d double precision, n numeric(10,3), t text, vc varchar(10), c char(4), \
             by bytea, dt date, ts timestamp, tz timestamptz, iv interval, u uuid, j json, jb jsonb)",
        )
        .await
        .expect("create");
    let date = NaiveDate::from_ymd_opt(2024, 2, 29).expect("date");
    let ts: NaiveDateTime = date.and_hms_micro_opt(13, 45, 1, 500_000).expect("time");
    let tz: DateTime<Utc> = DateTime::from_naive_utc_and_offset(ts, Utc);
    let uuid = uuid::Uuid::from_str("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11").expect("uuid");
    let json = serde_json::json!({"b": 1, "a": [true, null]});
    let numeric = Decimal::from_str("-1234.500").expect("decimal");
    // Every parameter is sent in binary, typed by the server from the INSERT's columns.
    let inserted = client
        .execute(
            "INSERT INTO v VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
             $15, '1 year 2 mons 3 days 04:05:06.5', $16, $17, $18)",
            &[
                &1i32,
                &true,
                &-7i16,
                &123_456i32,
                &-9_000_000_000i64,
                &1.5f32,
                &-2.25f64,
                &numeric,
                &"text é",
                &"var",
                &"ab",
                &vec![0u8, 1, 255],
                &date,
                &ts,
                &tz,
                &uuid,
                &json,
                &json,
            ],
        )
        .await
        .expect("insert all types");
    assert_eq!(inserted, 1);

    let row = client
        .query_one("SELECT * FROM v WHERE id = $1", &[&1i32])
        .await
        .expect("select all types");
    let types: Vec<Type> = row.columns().iter().map(|c| c.type_().clone()).collect();
    assert_eq!(
        types,
        vec![
            Type::INT4,
            Type::BOOL,
            Type::INT2,
            Type::INT4,
            Type::INT8,
            Type::FLOAT4,
            Type::FLOAT8,
            Type::NUMERIC,
            Type::TEXT,
            Type::VARCHAR,
            Type::BPCHAR,
            Type::BYTEA,
            Type::DATE,
            Type::TIMESTAMP,
            Type::TIMESTAMPTZ,
            Type::INTERVAL,
            Type::UUID,
            Type::JSON,
            Type::JSONB,
        ]
    );
    assert!(row.get::<_, bool>(1));
    assert_eq!(row.get::<_, i16>(2), -7);
    assert_eq!(row.get::<_, i32>(3), 123_456);
    assert_eq!(row.get::<_, i64>(4), -9_000_000_000);
    assert_eq!(row.get::<_, f32>(5), 1.5);
    assert_eq!(row.get::<_, f64>(6), -2.25);
    assert_eq!(row.get::<_, Decimal>(7).to_string(), "-1234.500");
    assert_eq!(row.get::<_, String>(8), "text é");
    assert_eq!(row.get::<_, String>(9), "var");
    assert_eq!(row.get::<_, String>(10), "ab  ");
    assert_eq!(row.get::<_, Vec<u8>>(11), vec![0u8, 1, 255]);
    assert_eq!(row.get::<_, NaiveDate>(12), date);
    assert_eq!(row.get::<_, NaiveDateTime>(13), ts);
    assert_eq!(row.get::<_, DateTime<Utc>>(14), tz);
    // interval's binary form: microseconds, days, months.
    let common::Raw(interval) = row.get::<_, common::Raw>(15);
    let interval = interval.expect("interval not null");
    let mut expected = Vec::new();
    expected.extend_from_slice(&(((4 * 60 + 5) * 60 + 6) * 1_000_000i64 + 500_000).to_be_bytes());
    expected.extend_from_slice(&3i32.to_be_bytes());
    expected.extend_from_slice(&14i32.to_be_bytes());
    assert_eq!(interval, expected);
    assert_eq!(row.get::<_, uuid::Uuid>(16), uuid);
    assert_eq!(row.get::<_, serde_json::Value>(17), json);
    assert_eq!(row.get::<_, serde_json::Value>(18), json);

    // NULL in every column, both directions.
    client
        .execute(
            "INSERT INTO v (id, b, n, t, ts) VALUES ($1, $2, $3, $4, $5)",
            &[
                &2i32,
                &None::<bool>,
                &None::<Decimal>,
                &None::<String>,
                &None::<NaiveDateTime>,
            ],
        )
        .await
        .expect("insert nulls");
    let row = client
        .query_one("SELECT b, n, t, ts, u FROM v WHERE id = 2", &[])
        .await
        .expect("select nulls");
    assert_eq!(row.get::<_, Option<bool>>(0), None);
    assert_eq!(row.get::<_, Option<Decimal>>(1), None);
    assert_eq!(row.get::<_, Option<String>>(2), None);
    assert_eq!(row.get::<_, Option<NaiveDateTime>>(3), None);
    assert_eq!(row.get::<_, Option<uuid::Uuid>>(4), None);
}

#[test]
fn describe_answers_nodata_for_statements_without_rows() {
    let server = TestServer::start();
    let (mut conn, _) = RawConn::connect(server.port);
    let created = conn.query("CREATE TABLE t (id integer, name text)");
    assert_eq!(tags(&created), "CZ", "{created:?}");

    // Parse an INSERT with parameters, Describe the statement: ParameterDescription with
    // the inferred types, then NoData (not an empty RowDescription).
    conn.parse("ins", "INSERT INTO t VALUES ($1, $2)", &[]);
    conn.describe(b'S', "ins");
    let replies = conn.sync();
    assert_eq!(tags(&replies), "1tnZ", "{replies:?}");
    assert_eq!(replies[1].parameter_types(), vec![23, 25]);

    // Its portal describes as NoData too, and executes.
    conn.bind("", "ins", &[Some("7"), Some("seven")], &[]);
    conn.describe(b'P', "");
    conn.execute("", 0);
    let replies = conn.sync();
    assert_eq!(tags(&replies), "2nCZ", "{replies:?}");
    assert_eq!(replies[2].tag_text(), "INSERT 0 1");

    // A SELECT describes its columns.
    conn.parse("sel", "SELECT name FROM t WHERE id = $1", &[]);
    conn.describe(b'S', "sel");
    let replies = conn.sync();
    assert_eq!(tags(&replies), "1tTZ", "{replies:?}");
    assert_eq!(replies[1].parameter_types(), vec![23]);

    // An INSERT ... RETURNING returns rows, so it has a RowDescription.
    conn.parse("ret", "INSERT INTO t VALUES ($1, 'x') RETURNING id", &[]);
    conn.describe(b'S', "ret");
    let replies = conn.sync();
    assert_eq!(tags(&replies), "1tTZ", "{replies:?}");
}

#[test]
fn execute_with_row_limit_suspends_the_portal() {
    let server = TestServer::start();
    let (mut conn, _) = RawConn::connect(server.port);
    conn.query("CREATE TABLE s (id integer PRIMARY KEY)");
    conn.query("INSERT INTO s VALUES (1), (2), (3), (4), (5)");
    conn.query("BEGIN");
    conn.parse("", "SELECT id FROM s ORDER BY id", &[]);
    conn.bind("p", "", &[], &[]);
    conn.execute("p", 2);
    conn.execute("p", 2);
    conn.execute("p", 2);
    let replies = conn.sync();
    assert_eq!(tags(&replies), "12DDsDDsDCZ", "{replies:?}");
    let ids: Vec<String> = replies
        .iter()
        .filter(|m| m.tag == b'D')
        .filter_map(|m| m.data_row().into_iter().next().flatten())
        .collect();
    assert_eq!(ids, ["1", "2", "3", "4", "5"]);
    // The final CommandComplete counts the rows of the last Execute, as PostgreSQL's does.
    assert_eq!(replies[replies.len() - 2].tag_text(), "SELECT 1");
    assert_eq!(replies.last().map(|m| m.body.clone()), Some(b"T".to_vec()));
}

#[test]
fn ready_for_query_status_parameter_status_and_notices() {
    let server = TestServer::start();
    let (mut conn, startup) = RawConn::connect(server.port);
    let params: Vec<(String, String)> = startup
        .iter()
        .filter_map(|m| (m.tag == b'S').then(|| m.parameter()).flatten())
        .collect();
    let get = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    assert!(
        get("server_version").is_some_and(|v| v.starts_with("16.")),
        "{params:?}"
    );
    assert_eq!(get("client_encoding").as_deref(), Some("UTF8"));
    assert!(get("DateStyle").is_some_and(|v| v.starts_with("ISO")));
    assert_eq!(get("standard_conforming_strings").as_deref(), Some("on"));
    assert!(startup.iter().any(|m| m.tag == b'K'), "no BackendKeyData");

    let status = |messages: &[common::wire::Message]| messages.last().map(|m| m.body.clone());
    assert_eq!(status(&conn.query("BEGIN")), Some(b"T".to_vec()));
    let failed = conn.query("SELECT 1/0");
    let error = failed.iter().find(|m| m.tag == b'E').expect("an error");
    assert_eq!(error.field(b'C').as_deref(), Some("22012"));
    assert_eq!(status(&failed), Some(b"E".to_vec()));
    assert_eq!(status(&conn.query("ROLLBACK")), Some(b"I".to_vec()));

    let set = conn.query("SET TimeZone = 'Europe/Paris'");
    let changed: Vec<_> = set
        .iter()
        .filter(|m| m.tag == b'S')
        .filter_map(|m| m.parameter())
        .collect();
    assert_eq!(
        changed,
        vec![("TimeZone".to_string(), "Europe/Paris".to_string())]
    );

    let warned = conn.query("COMMIT");
    let notice = warned.iter().find(|m| m.tag == b'N').expect("a warning");
    assert_eq!(notice.field(b'C').as_deref(), Some("25P01"));
    assert_eq!(
        notice.field(b'M').as_deref(),
        Some("there is no transaction in progress")
    );

    let empty = conn.query("");
    assert_eq!(tags(&empty), "IZ");
}

#[test]
fn malformed_messages_get_a_protocol_violation() {
    let server = TestServer::start();
    let (mut conn, _) = RawConn::connect(server.port);
    // A message type no frontend sends.
    conn.send(b'x', b"junk");
    let reply = conn.recv().expect("an error before the connection closes");
    assert_eq!(reply.tag, b'E');
    assert_eq!(reply.field(b'C').as_deref(), Some("08P01"));
    assert_eq!(reply.field(b'S').as_deref(), Some("FATAL"));

    // A Bind whose counts run past the end of the message.
    let (mut conn, _) = RawConn::connect(server.port);
    conn.send(b'B', &[0, 0, 0, 9, 0, 1]);
    let reply = conn.recv().expect("an error for the bad Bind");
    assert_eq!(reply.tag, b'E');
    assert_eq!(reply.field(b'C').as_deref(), Some("08P01"));

    // Bind with the wrong number of parameters: an ordinary error, then ReadyForQuery.
    let (mut conn, _) = RawConn::connect(server.port);
    conn.parse("", "SELECT $1::integer", &[]);
    conn.bind("", "", &[], &[]);
    conn.execute("", 0);
    let replies = conn.sync();
    assert_eq!(tags(&replies), "1EZ", "{replies:?}");
    assert_eq!(replies[1].field(b'C').as_deref(), Some("08P01"));
    // The server is still fine.
    let replies = conn.query("SELECT 1");
    assert_eq!(tags(&replies), "TDCZ");
}

#[tokio::test]
async fn copy_in_and_out_round_trip() {
    let server = TestServer::start();
    let client = connect(&server).await;
    client
        .batch_execute("CREATE TABLE c (id integer PRIMARY KEY, name text, note text)")
        .await
        .expect("create");

    let sink = client.copy_in("COPY c FROM STDIN").await.expect("copy in");
    futures::pin_mut!(sink);
    let mut data = String::new();
    for i in 0..5000 {
        data.push_str(&format!(
            "{i}\tname {i}\t{}\n",
            if i % 2 == 0 { "\\N" } else { "tab\\there" }
        ));
    }
    for piece in data.as_bytes().chunks(7000) {
        sink.send(bytes::Bytes::copy_from_slice(piece))
            .await
            .expect("send copy data");
    }
    let copied = sink.finish().await.expect("finish copy");
    assert_eq!(copied, 5000);

    let stream = client.copy_out("COPY c TO STDOUT").await.expect("copy out");
    let chunks: Vec<bytes::Bytes> = stream.try_collect().await.expect("read copy out");
    let out: Vec<u8> = chunks.concat();
    assert_eq!(String::from_utf8_lossy(&out), data);

    // CSV with a header and quoting.
    let sink = client
        .copy_in("COPY c (id, name) FROM STDIN (FORMAT csv, HEADER true)")
        .await
        .expect("copy csv");
    futures::pin_mut!(sink);
    sink.send(bytes::Bytes::from_static(
        b"id,name\n9001,\"a, \"\"quoted\"\" name\"\n9002,\n",
    ))
    .await
    .expect("send csv");
    assert_eq!(sink.finish().await.expect("finish csv"), 2);
    let stream = client
        .copy_out(
            "COPY (SELECT id, name FROM c WHERE id > 9000 ORDER BY id) TO STDOUT (FORMAT csv)",
        )
        .await
        .expect("copy out csv");
    let chunks: Vec<bytes::Bytes> = stream.try_collect().await.expect("read csv");
    assert_eq!(
        String::from_utf8_lossy(&chunks.concat()),
        "9001,\"a, \"\"quoted\"\" name\"\n9002,\n"
    );

    // Bad data fails the COPY with PostgreSQL's error and leaves nothing behind.
    let sink = client.copy_in("COPY c FROM STDIN").await.expect("copy bad");
    futures::pin_mut!(sink);
    sink.send(bytes::Bytes::from_static(b"1\tdup\t\\N\n"))
        .await
        .expect("send dup");
    let err = sink.finish().await.expect_err("duplicate key");
    assert_eq!(code(&err), "23505");
    let n: i64 = client
        .query_one("SELECT count(*) FROM c", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(n, 5002);
}

#[tokio::test]
async fn cancel_stops_a_running_statement() {
    let server = TestServer::start();
    let client = connect(&server).await;
    let token = client.cancel_token();
    let started = Instant::now();
    let mut running = tokio::spawn(async move { client.simple_query("SELECT pg_sleep(10)").await });
    // A cancel that arrives before the statement starts has nothing to cancel (as in
    // PostgreSQL), so keep asking until it takes effect.
    let result = loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        token
            .cancel_query(tokio_postgres::NoTls)
            .await
            .expect("send cancel");
        if let Ok(done) = tokio::time::timeout(Duration::from_millis(300), &mut running).await {
            break done.expect("task");
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "cancel did not take effect"
        );
    };
    let err = result.expect_err("pg_sleep was cancelled");
    assert_eq!(code(&err), "57014");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn error_mid_batch_stops_the_rest() {
    let server = TestServer::start();
    let client = connect(&server).await;
    client
        .batch_execute("CREATE TABLE b (x integer)")
        .await
        .expect("create");
    // Several statements outside a block: one implicit transaction; the error stops the rest
    // and undoes the INSERT before it, as in PostgreSQL.
    let err = client
        .batch_execute("INSERT INTO b VALUES (1); SELECT 1/0; INSERT INTO b VALUES (2)")
        .await
        .expect_err("division by zero");
    assert_eq!(code(&err), "22012");
    let n: i64 = client
        .query_one("SELECT count(*) FROM b", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(n, 0);

    // Inside an explicit block the rest (COMMIT included) is skipped and the block is failed.
    let err = client
        .batch_execute(
            "BEGIN; INSERT INTO b VALUES (3); SELECT 1/0; INSERT INTO b VALUES (4); COMMIT",
        )
        .await
        .expect_err("division by zero");
    assert_eq!(code(&err), "22012");
    let err = client
        .simple_query("SELECT 1")
        .await
        .expect_err("block is failed");
    assert_eq!(code(&err), "25P02");
    client.batch_execute("ROLLBACK").await.expect("rollback");

    // A syntax error anywhere runs nothing.
    let err = client
        .batch_execute("INSERT INTO b VALUES (5); SELEC 1")
        .await
        .expect_err("syntax error");
    assert_eq!(code(&err), "42601");
    let n: i64 = client
        .query_one("SELECT count(*) FROM b", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(n, 0);

    // Without errors every statement runs and commits.
    client
        .batch_execute("INSERT INTO b VALUES (6); INSERT INTO b VALUES (7)")
        .await
        .expect("batch");
    let n: i64 = client
        .query_one("SELECT count(*) FROM b", &[])
        .await
        .expect("count")
        .get(0);
    assert_eq!(n, 2);
}

#[test]
fn second_server_on_the_same_directory_exits_1() {
    let server = TestServer::start();
    let log = server.data_dir.with_file_name("second.log");
    let mut second = common::spawn(0, &server.data_dir, &log);
    let status = common::wait_with_timeout(&mut second, Duration::from_secs(30))
        .expect("second server exits by itself");
    assert_eq!(status.code(), Some(1));
    let stderr = std::fs::read_to_string(&log).unwrap_or_default();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line expected: {stderr:?}");
    let dir = server.data_dir.display().to_string();
    assert!(lines[0].contains(&dir), "message names {dir}: {stderr:?}");
}

#[tokio::test]
async fn sigterm_exits_0_and_a_restart_sees_committed_data() {
    let temp = tempfile::tempdir().expect("temp dir");
    let data = temp.path().join("data");
    let mut server = TestServer::start_in(&data, temp.path().join("first.log"));
    let client = connect(&server).await;
    client
        .batch_execute(
            "CREATE TABLE kept (id integer PRIMARY KEY, v text); \
             INSERT INTO kept VALUES (1, 'a'), (2, 'b')",
        )
        .await
        .expect("write");
    client
        .batch_execute("BEGIN; INSERT INTO kept VALUES (3, 'uncommitted')")
        .await
        .expect("open transaction");
    let status = server.stop();
    assert!(
        status.success(),
        "exit status {status}: {}",
        server.log_text()
    );
    drop(client);

    let server = TestServer::start_in(&data, temp.path().join("second.log"));
    let client = connect(&server).await;
    let rows = client
        .query("SELECT id, v FROM kept ORDER BY id", &[])
        .await
        .expect("read after restart");
    let got: Vec<(i32, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(got, vec![(1, "a".to_string()), (2, "b".to_string())]);
}

#[tokio::test]
async fn sigterm_cancels_a_running_statement() {
    let mut server = TestServer::start();
    let client = connect(&server).await;
    let running = tokio::spawn(async move { client.simple_query("SELECT pg_sleep(30)").await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let status = server.stop();
    assert!(
        status.success(),
        "exit status {status}: {}",
        server.log_text()
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    let result = running.await.expect("task");
    assert!(result.is_err(), "the statement did not complete normally");
}

#[tokio::test]
async fn too_many_connections_get_53300() {
    let server = TestServer::start();
    let mut clients = Vec::new();
    for _ in 0..256 {
        clients.push(connect(&server).await);
    }
    let refused = tokio_postgres::connect(&server.conn_str(), tokio_postgres::NoTls)
        .await
        .err()
        .expect("the 257th connection is refused");
    assert_eq!(code(&refused), "53300");
    // Closing one lets a new one in.
    drop(clients.pop());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match tokio_postgres::connect(&server.conn_str(), tokio_postgres::NoTls).await {
            Ok((client, connection)) => {
                tokio::spawn(connection);
                client.simple_query("SELECT 1").await.expect("query");
                break;
            }
            Err(e) => {
                assert!(Instant::now() < deadline, "slot never freed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

#[test]
fn extended_pipeline_is_one_implicit_transaction() {
    let server = TestServer::start();
    let (mut conn, _) = RawConn::connect(server.port);
    conn.query("CREATE TABLE p (id integer PRIMARY KEY)");
    let count = |conn: &mut RawConn| -> String {
        let replies = conn.query("SELECT count(*) FROM p");
        replies
            .iter()
            .find(|m| m.tag == b'D')
            .and_then(|m| m.data_row().into_iter().next().flatten())
            .unwrap_or_default()
    };
    conn.parse("ins", "INSERT INTO p VALUES ($1)", &[]);
    assert_eq!(tags(&conn.sync()), "1Z");

    // An error part-way through a pipeline undoes the Executes before it, as in PostgreSQL,
    // and the rest of the pipeline is skipped.
    for id in ["1", "2", "1", "3"] {
        conn.bind("", "ins", &[Some(id)], &[]);
        conn.execute("", 0);
    }
    let replies = conn.sync();
    assert_eq!(tags(&replies), "2C2C2EZ", "{replies:?}");
    assert_eq!(replies[5].field(b'C').as_deref(), Some("23505"));
    assert_eq!(replies.last().map(|m| m.body.clone()), Some(b"I".to_vec()));
    assert_eq!(count(&mut conn), "0");

    // So does an error in a later Bind.
    conn.bind("", "ins", &[Some("1")], &[]);
    conn.execute("", 0);
    conn.bind("", "ins", &[Some("not a number")], &[]);
    conn.execute("", 0);
    let replies = conn.sync();
    assert_eq!(tags(&replies), "2CEZ", "{replies:?}");
    assert_eq!(replies[2].field(b'C').as_deref(), Some("22P02"));
    assert_eq!(count(&mut conn), "0");

    // Without errors everything commits at Sync.
    for id in ["1", "2"] {
        conn.bind("", "ins", &[Some(id)], &[]);
        conn.execute("", 0);
    }
    assert_eq!(tags(&conn.sync()), "2C2CZ");
    assert_eq!(count(&mut conn), "2");

    // BEGIN inside a pipeline turns it into an explicit block that stays open.
    conn.parse("begin", "BEGIN", &[]);
    conn.bind("", "ins", &[Some("3")], &[]);
    conn.execute("", 0);
    conn.bind("", "begin", &[], &[]);
    conn.execute("", 0);
    let replies = conn.sync();
    assert_eq!(tags(&replies), "12C2CZ", "{replies:?}");
    assert_eq!(replies.last().map(|m| m.body.clone()), Some(b"T".to_vec()));
    conn.query("ROLLBACK");
    assert_eq!(count(&mut conn), "2");
}

#[test]
fn copy_from_stdin_in_a_query_string_then_the_rest_runs() {
    let server = TestServer::start();
    let (mut conn, _) = RawConn::connect(server.port);
    conn.query("CREATE TABLE q (id integer, name text)");
    conn.send(b'Q', b"COPY q FROM STDIN; SELECT count(*) FROM q\0");
    let start = conn.recv().expect("CopyInResponse");
    assert_eq!(start.tag, b'G', "{start:?}");
    conn.send(b'd', b"1\tone\n2\t");
    conn.send(b'd', b"two\n");
    conn.send(b'c', b"");
    let replies = conn.until_ready();
    assert_eq!(tags(&replies), "CTDCZ", "{replies:?}");
    assert_eq!(replies[0].tag_text(), "COPY 2");
    assert_eq!(replies[2].data_row(), vec![Some("2".to_string())]);

    // CopyFail abandons the copy and the rest of the string; the session carries on.
    conn.send(b'Q', b"COPY q FROM STDIN; SELECT 1\0");
    assert_eq!(conn.recv().map(|m| m.tag), Some(b'G'));
    conn.send(b'd', b"3\tthree\n");
    conn.send(b'f', b"client gave up\0");
    let replies = conn.until_ready();
    assert_eq!(tags(&replies), "EZ", "{replies:?}");
    assert_eq!(replies[0].field(b'C').as_deref(), Some("57014"));
    let replies = conn.query("SELECT count(*) FROM q");
    assert_eq!(replies[1].data_row(), vec![Some("2".to_string())]);

    // A query in the middle of COPY data is a protocol violation; the copy is abandoned.
    conn.send(b'Q', b"COPY q FROM STDIN\0");
    assert_eq!(conn.recv().map(|m| m.tag), Some(b'G'));
    conn.send(b'd', b"4\tfour\n");
    let replies = conn.query("SELECT 42");
    assert_eq!(tags(&replies), "EZ", "{replies:?}");
    assert_eq!(replies[0].field(b'C').as_deref(), Some("08P01"));
    let replies = conn.query("SELECT count(*) FROM q");
    assert_eq!(tags(&replies), "TDCZ", "{replies:?}");
    assert_eq!(replies[1].data_row(), vec![Some("2".to_string())]);
}
