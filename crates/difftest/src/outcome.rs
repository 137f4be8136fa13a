//! One statement's result on either engine, normalised to PostgreSQL's text output, and the
//! comparison of two of them.

use std::fmt;

/// A value as PostgreSQL's text output spells it; `None` is SQL NULL.
pub type Cell = Option<String>;

/// What a query produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Rows(Rows),
    /// The SQLSTATE and message of an error.
    Error {
        code: String,
        message: String,
    },
    /// EmbedDB panicked or did not finish in time: always a bug.
    Crash(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rows {
    pub columns: Vec<String>,
    /// Type OIDs of the columns, when known (PostgreSQL's from a prepared statement).
    pub types: Option<Vec<u32>>,
    pub rows: Vec<Vec<Cell>>,
}

/// How result rows are compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// The query has an ORDER BY that fixes the order of every row: compare as lists.
    Total,
    /// Compare as multisets.
    Unordered,
}

/// Why two outcomes differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// One engine failed (or crashed) and the other did not, or they failed differently.
    Status,
    ColumnCount,
    ColumnNames,
    ColumnTypes,
    Rows,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Mismatch::Status => "error status differs",
            Mismatch::ColumnCount => "column count differs",
            Mismatch::ColumnNames => "column names differ",
            Mismatch::ColumnTypes => "column types differ",
            Mismatch::Rows => "rows differ",
        };
        f.write_str(text)
    }
}

/// Compares EmbedDB's outcome with PostgreSQL's; `None` when they agree.
pub fn compare(pg: &Outcome, embed: &Outcome, order: Order) -> Option<Mismatch> {
    match (pg, embed) {
        (Outcome::Error { code: a, .. }, Outcome::Error { code: b, .. }) => {
            (a != b).then_some(Mismatch::Status)
        }
        (Outcome::Rows(p), Outcome::Rows(e)) => {
            if p.columns.len() != e.columns.len() {
                return Some(Mismatch::ColumnCount);
            }
            if let (Some(pt), Some(et)) = (&p.types, &e.types)
                && pt != et
            {
                return Some(Mismatch::ColumnTypes);
            }
            let same_rows = match order {
                Order::Total => p.rows == e.rows,
                Order::Unordered => sorted(&p.rows) == sorted(&e.rows),
            };
            if !same_rows {
                return Some(Mismatch::Rows);
            }
            (p.columns != e.columns).then_some(Mismatch::ColumnNames)
        }
        _ => Some(Mismatch::Status),
    }
}

fn sorted(rows: &[Vec<Cell>]) -> Vec<Vec<Cell>> {
    let mut rows = rows.to_vec();
    rows.sort();
    rows
}

/// Renders an outcome for a failure message, rows in the order compared.
pub fn render(outcome: &Outcome, order: Order) -> String {
    match outcome {
        Outcome::Error { code, message } => format!("ERROR {code}: {message}"),
        Outcome::Crash(what) => format!("CRASH: {what}"),
        Outcome::Rows(r) => {
            let mut out = format!("columns {:?}", r.columns);
            if let Some(types) = &r.types {
                out.push_str(&format!(" types {types:?}"));
            }
            let rows = match order {
                Order::Total => r.rows.clone(),
                Order::Unordered => sorted(&r.rows),
            };
            out.push_str(&format!(" ({} rows)", rows.len()));
            for row in rows.iter().take(40) {
                out.push_str("\n  ");
                out.push_str(&slt_row(row));
            }
            if rows.len() > 40 {
                out.push_str("\n  ...");
            }
            out
        }
    }
}

/// A row as the sqllogictest files spell it: NULL, `(empty)` for the empty string.
pub fn slt_row(row: &[Cell]) -> String {
    row.iter()
        .map(|c| match c.as_deref() {
            None => "NULL".to_string(),
            Some("") => "(empty)".to_string(),
            Some(s) => s.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}
