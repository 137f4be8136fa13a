//! The direct INSERT reader must build sqlparser's AST exactly (spans included, which the
//! binder turns into error positions), and must decline anything it does not read.

use proptest::prelude::*;
use sqlparser::keywords::ALL_KEYWORDS;

use std::borrow::Cow;

use sqlparser::ast::{Expr, SetExpr, Statement, TableObject, UnaryOperator, Value};

use super::{Literal, parse_literal_insert, read_literal_insert};
use crate::parser::new_parser;

/// sqlparser's own statements for the text (never through the direct reader).
fn full_parse(sql: &str) -> Option<Vec<sqlparser::ast::Statement>> {
    new_parser()
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_statements())
        .ok()
}

/// When the direct reader accepts the text, sqlparser must accept it too and build the same
/// tree. Returns whether the direct reader accepted it.
fn check_same(sql: &str) -> bool {
    let Some(fast) = parse_literal_insert(sql) else {
        return false;
    };
    let full = full_parse(sql)
        .unwrap_or_else(|| panic!("the direct reader accepted text sqlparser rejects: {sql:?}"));
    assert_eq!(full.len(), 1, "{sql:?}");
    assert_eq!(
        format!("{:#?}", full[0]),
        format!("{fast:#?}"),
        "different trees for {sql:?}"
    );
    check_compact_form(sql, &fast);
    true
}

/// The compact form holds what the tree holds: the same table, columns and values, or it is
/// declined where the binder could not use it (rows of different widths, `$n` parameters).
fn check_compact_form(sql: &str, tree: &Statement) {
    let Statement::Insert(insert) = tree else {
        panic!("not an INSERT: {tree:?}");
    };
    let TableObject::TableName(table) = &insert.table else {
        panic!("no table name: {tree:?}");
    };
    let Some(SetExpr::Values(values)) = insert.source.as_ref().map(|q| q.body.as_ref()) else {
        panic!("no VALUES: {tree:?}");
    };
    let tree_cells: Vec<Literal<'_>> = values
        .rows
        .iter()
        .flat_map(|row| row.content.iter().map(literal_of))
        .collect();
    let width = values.rows[0].content.len();
    let usable = values.rows.iter().all(|r| r.content.len() == width)
        && !tree_cells
            .iter()
            .any(|c| matches!(c, Literal::Placeholder(_)));
    let compact = read_literal_insert(sql);
    if !usable {
        assert!(compact.is_none(), "compact form of {sql:?}");
        return;
    }
    let compact = compact.unwrap_or_else(|| panic!("no compact form of {sql:?}"));
    assert_eq!(&compact.table, table, "{sql:?}");
    assert_eq!(compact.columns, insert.columns, "{sql:?}");
    assert_eq!(compact.width, width, "{sql:?}");
    assert_eq!(compact.cells, tree_cells, "{sql:?}");
    assert_eq!(compact.rows().len(), values.rows.len(), "{sql:?}");
}

/// The compact value a tree value stands for.
fn literal_of(e: &Expr) -> Literal<'static> {
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    match e {
        Expr::Value(v) => match &v.value {
            Value::Null => Literal::Null,
            Value::Boolean(b) => Literal::Bool(*b),
            Value::Number(n, _) => Literal::Number(leak(n.clone())),
            Value::SingleQuotedString(s) => Literal::String(Cow::Owned(s.clone())),
            Value::Placeholder(p) => Literal::Placeholder(leak(p.clone())),
            other => panic!("unexpected value {other:?}"),
        },
        Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr,
        } => match expr.as_ref() {
            Expr::Value(v) => match &v.value {
                Value::Number(n, _) => Literal::Number(leak(format!("-{n}"))),
                other => panic!("unexpected negated value {other:?}"),
            },
            other => panic!("unexpected negated expression {other:?}"),
        },
        Expr::Identifier(i) => Literal::Default(leak(i.value.clone())),
        other => panic!("unexpected expression {other:?}"),
    }
}

#[test]
fn reads_the_bulk_insert_shapes() {
    for sql in [
        "INSERT INTO t2 (id, k, v) VALUES (0,17,'abc'),(1,-2,'x''y')",
        "insert into t values (1, 2.5, -3.25e-2, 1E10, null, TRUE, false, DEFAULT);",
        "  INSERT INTO s.t VALUES ('ünïcødé ☃', 'a\\nb', '')  ;  ",
        "INSERT INTO \"My Table\" (\"a\"\"b\", c) VALUES ($1, $2)",
        "INSERT INTO t VALUES\r\n  (1, 'line\none'),\n\t(2, 'two')\n",
        "INSERT INTO db.s.t (name, value, type) VALUES ('n', 'v', 't')",
        "INSERT INTO t (a) VALUES (007), (0.5), (12345678901234567890)",
        "INSERT INTO t VALUES (1, 2), (3)",
        "INSERT INTO t VALUES ('''', 'a''', '''b', 'c''''d', '', 'plain')",
    ] {
        assert!(check_same(sql), "declined {sql:?}");
    }
}

#[test]
fn declines_everything_else() {
    for sql in [
        "INSERT INTO t VALUES (1) RETURNING *",
        "INSERT INTO t VALUES (1) ON CONFLICT DO NOTHING",
        "INSERT INTO t VALUES ('2024-01-01'::date)",
        "INSERT INTO t VALUES (1 + 2)",
        "INSERT INTO t VALUES (- 1)",
        "INSERT INTO t VALUES (E'a\\nb')",
        "INSERT INTO t VALUES (1.)",
        "INSERT INTO t VALUES (.5)",
        "INSERT INTO t VALUES (0x1F)",
        "INSERT INTO t VALUES (1_000)",
        "INSERT INTO t VALUES ('a' 'b')",
        "INSERT INTO t VALUES (1) -- comment",
        "INSERT INTO t /* c */ VALUES (1)",
        "INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)",
        "INSERT INTO t VALUES (now())",
        "INSERT INTO t VALUES (ARRAY[1])",
        "INSERT INTO t VALUES ()",
        "INSERT INTO t VALUES (1",
        "INSERT INTO t VALUES ('unterminated)",
        "INSERT INTO t AS x VALUES (1)",
        "INSERT INTO t SELECT 1",
        "INSERT INTO t DEFAULT VALUES",
        "INSERT t VALUES (1)",
        "INSERT INTO select VALUES (1)",
        "INSERT INTO \"\" VALUES (1)",
        "INSERT INTO a.b.c.d VALUES (1)",
        "UPDATE t SET a = 1",
        "",
    ] {
        assert!(parse_literal_insert(sql).is_none(), "accepted {sql:?}");
        assert!(read_literal_insert(sql).is_none(), "read {sql:?}");
    }
}

/// Every keyword as a table name, a schema name and a column name: where the direct reader
/// accepts it, sqlparser must read it the same way.
#[test]
fn every_keyword_as_a_name_matches_the_parser() {
    let mut accepted_columns = 0;
    for keyword in ALL_KEYWORDS {
        for spelling in [keyword.to_string(), keyword.to_ascii_lowercase()] {
            check_same(&format!("INSERT INTO {spelling} VALUES (1)"));
            check_same(&format!("INSERT INTO {spelling}.t (a) VALUES (1)"));
            check_same(&format!("INSERT INTO t (a, {spelling}) VALUES (1, 2)"));
            if check_same(&format!("INSERT INTO t ({spelling}) VALUES (1)")) {
                accepted_columns += 1;
            }
        }
    }
    // The allow-list is in use (a reader that declined every keyword would pass vacuously).
    assert!(accepted_columns >= 40, "{accepted_columns}");
}

fn whitespace() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec!["", " ", "  ", "\t", "\n", "\r\n"]),
        0..3,
    )
    .prop_map(|parts| parts.concat())
}

fn keyword(word: &'static str) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<bool>(), word.len()).prop_map(move |upper| {
        word.chars()
            .zip(upper)
            .map(|(c, u)| {
                if u {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect()
    })
}

fn table_identifier() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_][a-z0-9_$]{0,8}".prop_filter("not a keyword", |s| !super::is_keyword(s)),
        "[A-Za-z ☃\"]{1,6}".prop_map(|s| format!("\"{}\"", s.replace('"', "\"\""))),
    ]
}

/// Column names may also be the keywords sqlparser reads as plain names there.
fn column_identifier() -> impl Strategy<Value = String> {
    prop_oneof![
        table_identifier(),
        prop::sample::select(vec!["name", "value", "ID", "Type"]).prop_map(str::to_string),
    ]
}

fn literal() -> impl Strategy<Value = String> {
    prop_oneof![
        "-?[0-9]{1,12}",
        "-?[0-9]{1,4}\\.[0-9]{1,4}([eE][+-]?[0-9]{1,3})?",
        "[^']{0,12}".prop_map(|s| format!("'{s}'")),
        "[a-z'\\\\\n☃é ]{0,12}".prop_map(|s| format!("'{}'", s.replace('\'', "''"))),
        keyword("null"),
        keyword("true"),
        keyword("false"),
        keyword("default"),
        (1u32..200).prop_map(|n| format!("${n}")),
    ]
}

fn insert_text() -> impl Strategy<Value = String> {
    let row = (
        prop::collection::vec((literal(), whitespace(), whitespace()), 1..5),
        whitespace(),
    );
    (
        (
            whitespace(),
            keyword("insert"),
            whitespace(),
            keyword("into"),
        ),
        (
            whitespace(),
            prop::collection::vec(table_identifier(), 1..3),
            whitespace(),
        ),
        prop::option::of(prop::collection::vec(
            (column_identifier(), whitespace()),
            1..4,
        )),
        (keyword("values"), whitespace()),
        prop::collection::vec(row, 1..4),
        (any::<bool>(), whitespace()),
    )
        .prop_map(
            |((lead, insert, ws1, into), (ws2, table, ws3), columns, (values, ws4), rows, tail)| {
                let mut sql = format!("{lead}{insert} {ws1}{into} {ws2}{}{ws3}", table.join("."));
                if let Some(columns) = columns {
                    let list: Vec<String> = columns
                        .into_iter()
                        .map(|(c, ws)| format!("{c}{ws}"))
                        .collect();
                    sql.push_str(&format!(" ({})", list.join(",")));
                }
                sql.push_str(&format!(" {values}{ws4}"));
                let rows: Vec<String> = rows
                    .into_iter()
                    .map(|(values, ws)| {
                        let values: Vec<String> = values
                            .into_iter()
                            .map(|(v, before, after)| format!("{before}{v}{after}"))
                            .collect();
                        format!("({}){ws}", values.join(","))
                    })
                    .collect();
                sql.push_str(&rows.join(","));
                if tail.0 {
                    sql.push(';');
                }
                sql.push_str(&tail.1);
                sql
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Generated statements of the accepted shape: read directly, and the same as sqlparser's.
    #[test]
    fn generated_inserts_match_the_parser(sql in insert_text()) {
        prop_assert!(check_same(&sql), "declined {:?}", sql);
    }
}
