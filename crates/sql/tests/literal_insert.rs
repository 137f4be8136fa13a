//! A literal-only INSERT sent as a simple query takes the direct path
//! (`Session::execute_literal_insert`, which binds `parser_insert`'s compact form without
//! sqlparser's tree). It must leave exactly the rows the parsed statement leaves, and must
//! decline, having changed nothing, whatever it cannot bind, so that the normal path reports
//! the error with its position.

mod common;

use common::{TestDb, rows, run};
use embeddb_sql::{Executed, Session, TransactionStatus};
use embeddb_types::{SqlError, SqlState};

const COLUMNS: &str = "id serial PRIMARY KEY, n numeric(6,2), f float8, s smallint, b bool, \
     d date, ts timestamptz, t text, v varchar(5), arr int[], note text DEFAULT 'dflt', \
     made int DEFAULT 7 CHECK (made > 0)";

/// Runs `sql` on the direct path: None if it declined, else the command tag or the error.
fn direct(s: &mut Session, sql: &str) -> Option<Result<String, SqlError>> {
    s.execute_literal_insert(sql)
        .map(|executed| match executed? {
            Executed::Result(result) => Ok(result.tag()),
            _ => panic!("{sql}: an INSERT gave something other than a result"),
        })
}

fn two_tables(t: &TestDb) -> Session {
    let mut s = t.session();
    run(
        &mut s,
        &format!("CREATE TABLE direct ({COLUMNS}); CREATE TABLE parsed ({COLUMNS})"),
    )
    .expect("setup");
    s
}

#[test]
fn the_direct_path_leaves_the_rows_the_parsed_statement_leaves() {
    let t = TestDb::new();
    let mut s = two_tables(&t);
    let statements = [
        "INSERT INTO {} VALUES (DEFAULT, 1.005, -2.5e3, -32768, true, '2024-02-29', \
         '2024-01-02 03:04:05+02', 'it''s', 'abcde', '{1,2,NULL}', DEFAULT, 1)",
        "INSERT INTO {} (t, n, b) VALUES ('x', 12, 'yes'), ('y', -0.5, 'f'), (NULL, NULL, NULL)",
        "insert into {} (f, s, made) values (1e-3, 7, 3), (12345678901234, 0, DEFAULT);",
        "INSERT INTO {} (arr, d, v, note) VALUES ('{}', 'epoch', '', ''), ('{-1}', '1999-12-31', 'é☃', NULL)",
        "INSERT INTO {} (n, f) VALUES (9999.994, 2147483648), (-9999.99, -9223372036854775808)",
        "INSERT INTO {} (t) VALUES ('line\nbreak'), ('back\\slash'), ('''quoted''')",
    ];
    for statement in statements {
        let on_direct = statement.replacen("{}", "direct", 1);
        let on_parsed = statement.replacen("{}", "parsed", 1);
        let tag = direct(&mut s, &on_direct)
            .unwrap_or_else(|| panic!("declined: {on_direct}"))
            .unwrap_or_else(|e| panic!("{on_direct}: {e}"));
        let parsed = run(&mut s, &on_parsed).expect("parsed INSERT");
        assert_eq!(tag, parsed.tag, "{statement}");
    }
    let direct_rows = rows(&mut s, "SELECT * FROM direct ORDER BY id");
    assert_eq!(direct_rows.len(), 13);
    assert_eq!(
        direct_rows,
        rows(&mut s, "SELECT * FROM parsed ORDER BY id")
    );
}

/// Statements the direct path binds with an error: it declines them untouched, and the
/// parsed statement gives PostgreSQL's error with its position.
#[test]
fn what_does_not_bind_is_declined_with_nothing_changed() {
    let t = TestDb::new();
    let mut s = two_tables(&t);
    let failing = [
        ("INSERT INTO nowhere VALUES (1)", SqlState::UNDEFINED_TABLE),
        (
            "INSERT INTO direct (nope) VALUES (1)",
            SqlState::UNDEFINED_COLUMN,
        ),
        (
            "INSERT INTO direct (t, t) VALUES ('a', 'b')",
            SqlState::DUPLICATE_COLUMN,
        ),
        (
            "INSERT INTO direct (s) VALUES ('abc')",
            SqlState::INVALID_TEXT_REPRESENTATION,
        ),
        (
            "INSERT INTO direct (b) VALUES (1)",
            SqlState::DATATYPE_MISMATCH,
        ),
        (
            "INSERT INTO direct (t) VALUES ('a', 'b')",
            SqlState::SYNTAX_ERROR,
        ),
    ];
    run(&mut s, "BEGIN").expect("begin");
    for (sql, code) in failing {
        assert!(direct(&mut s, sql).is_none(), "taken: {sql}");
        // Nothing failed the block: the parsed statement runs and reports the error.
        assert_eq!(s.transaction_status(), TransactionStatus::InBlock, "{sql}");
        let e = run(&mut s, sql).expect_err(sql);
        assert_eq!(e.code, code, "{sql}: {e}");
        run(&mut s, "ROLLBACK").expect("rollback");
        run(&mut s, "BEGIN").expect("begin");
    }
    run(&mut s, "ROLLBACK").expect("rollback");
    let e = run(&mut s, "INSERT INTO direct (nope) VALUES (1)").expect_err("bad column");
    assert!(e.position.is_some(), "{e:?}");
}

/// A bulk load's statement: hundreds of rows naming their columns out of the table's order,
/// with defaults throughout. The rows must come out in order, as the parsed statement leaves
/// them; a value that does not bind, early, late or both, declines it untouched.
#[test]
fn large_statements_leave_the_same_rows() {
    let t = TestDb::new();
    let mut s = two_tables(&t);
    let row = |i: usize| {
        let note = if i.is_multiple_of(3) {
            "DEFAULT".to_string()
        } else {
            format!("'n{i}'")
        };
        format!(
            "('{i}.5', {note}, 'text {i}', {}, '{{{i},{}}}')",
            i.is_multiple_of(2),
            i + 1
        )
    };
    let values: Vec<String> = (0..700).map(row).collect();
    // 700 rows of 5 values, in an order unlike the table's.
    let statement = format!(
        "INSERT INTO {{}} (n, note, t, b, arr) VALUES {}",
        values.join(", ")
    );
    let tag = direct(&mut s, &statement.replacen("{}", "direct", 1))
        .expect("taken")
        .expect("insert");
    assert_eq!(tag, "INSERT 0 700");
    run(&mut s, &statement.replacen("{}", "parsed", 1)).expect("parsed INSERT");
    let direct_rows = rows(&mut s, "SELECT * FROM direct ORDER BY id");
    assert_eq!(direct_rows.len(), 700);
    assert_eq!(direct_rows[699][7], "text 699");
    assert_eq!(direct_rows[0][10], "dflt");
    assert_eq!(
        direct_rows,
        rows(&mut s, "SELECT * FROM parsed ORDER BY id")
    );

    // A bad value near the start, near the end, or both: declined, nothing written.
    for bad_rows in [&[3][..], &[650], &[10, 690]] {
        let mut values = values.clone();
        for &i in bad_rows {
            values[i] = format!("('x{i}', DEFAULT, 't', true, '{{}}')");
        }
        let sql = format!(
            "INSERT INTO direct (n, note, t, b, arr) VALUES {}",
            values.join(", ")
        );
        assert!(
            direct(&mut s, &sql).is_none(),
            "taken with bad rows {bad_rows:?}"
        );
        let e = run(&mut s, &sql).expect_err("bad numeric");
        assert_eq!(e.code, SqlState::INVALID_TEXT_REPRESENTATION);
        // The parsed statement reports the first bad value, as PostgreSQL does.
        let first = bad_rows[0];
        assert!(e.message.contains(&format!("\"x{first}\"")), "{e}");
    }
    assert_eq!(rows(&mut s, "SELECT count(*) FROM direct"), [["700"]]);
}

/// Errors found while the rows are written come from the direct path itself, and fail the
/// block as any statement's error does; a failed block is left to the normal path.
#[test]
fn errors_while_writing_fail_the_statement_and_the_block() {
    let t = TestDb::new();
    let mut s = two_tables(&t);
    let e = direct(
        &mut s,
        "INSERT INTO direct (id, t) VALUES (1, 'a'), (1, 'b')",
    )
    .expect("taken")
    .expect_err("duplicate key");
    assert_eq!(e.code, SqlState::UNIQUE_VIOLATION);
    let e = direct(&mut s, "INSERT INTO direct (made) VALUES (0)")
        .expect("taken")
        .expect_err("check");
    assert_eq!(e.code, SqlState::CHECK_VIOLATION);
    // The int4 literal is cast to smallint as the row is built, as in PostgreSQL.
    let e = direct(&mut s, "INSERT INTO direct (s) VALUES (40000)")
        .expect("taken")
        .expect_err("out of range");
    assert_eq!(e.code, SqlState::NUMERIC_VALUE_OUT_OF_RANGE);
    assert_eq!(rows(&mut s, "SELECT count(*) FROM direct"), [["0"]]);

    run(&mut s, "BEGIN").expect("begin");
    direct(&mut s, "INSERT INTO direct (id) VALUES (5)")
        .expect("taken")
        .expect("insert");
    direct(&mut s, "INSERT INTO direct (id) VALUES (5)")
        .expect("taken")
        .expect_err("duplicate key");
    assert_eq!(s.transaction_status(), TransactionStatus::Failed);
    assert!(direct(&mut s, "INSERT INTO direct (id) VALUES (6)").is_none());
    let e = run(&mut s, "INSERT INTO direct (id) VALUES (6)").expect_err("failed block");
    assert_eq!(e.code, SqlState::IN_FAILED_SQL_TRANSACTION);
    run(&mut s, "ROLLBACK").expect("rollback");
    assert_eq!(rows(&mut s, "SELECT count(*) FROM direct"), [["0"]]);
}

/// Inside a block, the direct path binds against the block's own catalog: tables the block
/// created or altered, seen at once and gone after ROLLBACK.
#[test]
fn a_block_sees_its_own_ddl() {
    let t = TestDb::new();
    let mut s = t.session();
    run(&mut s, "BEGIN; CREATE TABLE made_here (a int, b text)").expect("setup");
    direct(&mut s, "INSERT INTO made_here VALUES (1, 'x')")
        .expect("taken")
        .expect("insert");
    run(&mut s, "ALTER TABLE made_here ADD COLUMN c int DEFAULT 3").expect("alter");
    direct(
        &mut s,
        "INSERT INTO made_here VALUES (2, 'y', 4), (3, 'z', DEFAULT)",
    )
    .expect("taken")
    .expect("insert");
    assert_eq!(
        rows(&mut s, "SELECT * FROM made_here ORDER BY a"),
        [["1", "x", "3"], ["2", "y", "4"], ["3", "z", "3"]]
    );
    run(&mut s, "ROLLBACK").expect("rollback");
    assert!(direct(&mut s, "INSERT INTO made_here VALUES (1, 'x')").is_none());
}

mod generated {
    //! Generated literal INSERTs, valid and not: the direct path (falling back to the parsed
    //! statement when it declines, as the server does) must end each as the parsed statement
    //! does, with the same rows.

    use proptest::prelude::*;

    use super::common::{TestDb, rows, run};
    use super::direct;

    fn literal() -> impl Strategy<Value = String> {
        prop_oneof![
            "-?[0-9]{1,6}",
            "-?[0-9]{1,4}\\.[0-9]{1,3}",
            Just("99999999999".to_string()),
            "[a-z' ]{0,6}".prop_map(|s| format!("'{}'", s.replace('\'', "''"))),
            prop_oneof![
                Just("'2024-02-29'"),
                Just("'yes'"),
                Just("'1.5'"),
                Just("'{1,2}'")
            ]
            .prop_map(str::to_string),
            prop_oneof![Just("NULL"), Just("DEFAULT"), Just("true"), Just("FALSE")]
                .prop_map(str::to_string),
        ]
    }

    fn statement() -> impl Strategy<Value = String> {
        let row = prop::collection::vec(literal(), 1..5);
        (any::<bool>(), prop::collection::vec(row, 1..4)).prop_map(|(named, rows)| {
            let rows: Vec<String> = rows
                .iter()
                .map(|values| format!("({})", values.join(", ")))
                .collect();
            let columns = if named { " (s, n, t, b)" } else { "" };
            format!("INSERT INTO {{}}{columns} VALUES {}", rows.join(", "))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn generated_inserts_end_as_the_parsed_statement(statements in prop::collection::vec(statement(), 1..6)) {
            let t = TestDb::new();
            let mut s = t.session();
            let columns = "s smallint, n numeric(5,2), t text DEFAULT 'd', b bool, d date";
            run(&mut s, &format!("CREATE TABLE direct ({columns}); CREATE TABLE parsed ({columns})"))
                .expect("setup");
            for statement in &statements {
                let on_direct = statement.replacen("{}", "direct", 1);
                let on_parsed = statement.replacen("{}", "parsed", 1);
                let direct_outcome = match direct(&mut s, &on_direct) {
                    Some(outcome) => outcome.map_err(|e| e.code),
                    None => run(&mut s, &on_direct).map(|o| o.tag).map_err(|e| e.code),
                };
                let parsed_outcome = run(&mut s, &on_parsed).map(|o| o.tag).map_err(|e| e.code);
                prop_assert_eq!(direct_outcome, parsed_outcome, "{}", statement);
            }
            prop_assert_eq!(
                rows(&mut s, "SELECT * FROM direct ORDER BY 1, 2, 3, 4, 5"),
                rows(&mut s, "SELECT * FROM parsed ORDER BY 1, 2, 3, 4, 5")
            );
        }
    }
}
