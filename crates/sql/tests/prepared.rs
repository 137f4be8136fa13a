//! Prepared statements: parameter types inferred from context as PostgreSQL infers them, and
//! result columns known before execution.

mod common;

use common::{TestDb, run};
use embeddb_sql::Executed;
use embeddb_types::{DataType, Value};

#[test]
fn parameter_types_are_inferred_from_context() {
    let t = TestDb::new();
    let mut s = t.session();
    run(
        &mut s,
        "CREATE TABLE t (id int PRIMARY KEY, name varchar(20), at timestamptz, score numeric)",
    )
    .unwrap();
    let cases: &[(&str, &[DataType])] = &[
        ("SELECT * FROM t WHERE id = $1", &[DataType::Int4]),
        (
            "INSERT INTO t VALUES ($1, $2, $3, $4)",
            &[
                DataType::Int4,
                DataType::Varchar(None),
                DataType::Timestamptz,
                DataType::Numeric(None),
            ],
        ),
        (
            "UPDATE t SET name = $1 WHERE id = $2",
            &[DataType::Varchar(None), DataType::Int4],
        ),
        ("SELECT $1", &[DataType::Text]),
        ("SELECT $1::int8 + 1", &[DataType::Int8]),
        (
            "SELECT * FROM t WHERE id IN ($1, $2)",
            &[DataType::Int4, DataType::Int4],
        ),
        ("SELECT * FROM t LIMIT $1", &[DataType::Int8]),
        ("DELETE FROM t WHERE score > $1", &[DataType::Numeric(None)]),
    ];
    for (sql, expected) in cases {
        let p = s.prepare(sql, &[]).unwrap_or_else(|e| panic!("{sql}: {e}"));
        assert_eq!(&p.param_types, expected, "{sql}");
    }
    let p = s.prepare("SELECT id, name FROM t", &[]).unwrap();
    let fields = p.fields.unwrap();
    assert_eq!(fields[0].name, "id");
    assert_eq!(fields[1].ty, DataType::Varchar(Some(20)));
    assert!(
        s.prepare("INSERT INTO t (id) VALUES ($1)", &[])
            .unwrap()
            .fields
            .is_none()
    );
}

#[test]
fn prepared_statements_execute_with_values() {
    let t = TestDb::new();
    let mut s = t.session();
    run(&mut s, "CREATE TABLE t (id int PRIMARY KEY, name text)").unwrap();
    let insert = s.prepare("INSERT INTO t VALUES ($1, $2)", &[]).unwrap();
    for i in 0..10 {
        s.execute_prepared(&insert, vec![Value::Int4(i), Value::Text(format!("n{i}"))])
            .unwrap();
    }
    let select = s.prepare("SELECT name FROM t WHERE id = $1", &[]).unwrap();
    let Executed::Result(mut r) = s.execute_prepared(&select, vec![Value::Int4(7)]).unwrap() else {
        panic!("expected rows");
    };
    let chunk = r.next_chunk().unwrap().unwrap();
    assert_eq!(chunk, vec![vec![Value::Text("n7".into())]]);
}

#[test]
fn cached_plans_follow_setting_and_catalog_changes() {
    let t = TestDb::new();
    let mut s = t.session();
    let p = s
        .prepare("SELECT '2024-01-01 00:00'::timestamptz::text", &[])
        .unwrap();
    let first = |s: &mut embeddb_sql::Session| -> Value {
        let Executed::Result(mut r) = s.execute_prepared(&p, vec![]).unwrap() else {
            panic!("expected rows");
        };
        r.next_chunk().unwrap().unwrap()[0][0].clone()
    };
    assert_eq!(first(&mut s), Value::Text("2024-01-01 00:00:00+00".into()));
    run(&mut s, "SET TimeZone = 'Europe/Paris'").unwrap();
    assert_eq!(first(&mut s), Value::Text("2024-01-01 00:00:00+01".into()));

    run(&mut s, "CREATE TABLE t (a int)").unwrap();
    let q = s.prepare("SELECT * FROM t", &[]).unwrap();
    s.execute_prepared(&q, vec![]).unwrap();
    run(&mut s, "ALTER TABLE t ADD COLUMN b int").unwrap();
    let Executed::Result(mut r) = s.execute_prepared(&q, vec![]).unwrap() else {
        panic!("expected rows");
    };
    assert_eq!(r.fields.as_ref().map(Vec::len), Some(2));
    assert!(r.next_chunk().unwrap().is_none());
}
