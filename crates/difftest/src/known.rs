//! Known EmbedDB bugs the differential test steps around while they are open.
//!
//! Each entry names a minimal reproduction under `sql-tests/regress/` (which fails until the
//! bug is fixed) and recognises a disagreement as that bug, from the query text and the two
//! outcomes; such disagreements are counted as skipped instead of failing the test. Keep this
//! list short: remove an entry as soon as its regression file passes.

use crate::outcome::Outcome;

/// A known disagreement.
pub struct KnownBug {
    /// The regression file (under `sql-tests/regress/`) with the minimal reproduction and
    /// PostgreSQL's answer.
    pub regress_file: &'static str,
    /// Whether a disagreement on this query is (probably) this bug.
    pub matches: fn(sql: &str, pg: &Outcome, embed: &Outcome) -> bool,
}

/// Whether `outcome` is an error with this SQLSTATE whose message contains `text`.
fn error_like(outcome: &Outcome, code: &str, text: &str) -> bool {
    matches!(outcome, Outcome::Error { code: c, message } if c == code && message.contains(text))
}

/// Whether every column whose name differs is explained by one of the naming bugs in
/// `column_names.slt` (and nothing else differs: the comparison reports names last).
fn known_naming_differences(pg: &Outcome, embed: &Outcome) -> bool {
    let (Outcome::Rows(p), Outcome::Rows(e)) = (pg, embed) else {
        return false;
    };
    let type_names = ["bool", "int4", "int8", "numeric", "text", "float8"];
    p.columns.iter().zip(&e.columns).all(|(p, e)| {
        p == e
            || (p == "?column?" && (e == "bool" || e == "exists"))
            || (p == "substr" && e == "substring")
            || e == "case"
            || (type_names.contains(&p.as_str()) && type_names.contains(&e.as_str()))
    })
}

/// Every open bug the generator hits, one entry each.
pub const KNOWN_BUGS: &[KnownBug] = &[
    // Column naming: boolean constants, substr, casts of casts or constants, CASE with ELSE,
    // NOT EXISTS.
    KnownBug {
        regress_file: "column_names.slt",
        matches: |_, pg, embed| known_naming_differences(pg, embed),
    },
    // Correlated subqueries in the select list or HAVING of a grouped query are 0A000.
    KnownBug {
        regress_file: "grouped_correlated_subquery.slt",
        matches: |_, pg, embed| {
            matches!(pg, Outcome::Rows(_))
                && error_like(embed, "0A000", "correlated subqueries in grouped queries")
        },
    },
    // sqlparser cannot read `op ANY/ALL ((SELECT ...) EXCEPT (SELECT ...))`.
    KnownBug {
        regress_file: "any_parenthesized_setop.slt",
        matches: |sql, pg, embed| {
            matches!(pg, Outcome::Rows(_))
                && error_like(embed, "42601", "syntax error at or near")
                && ["ANY ((SELECT", "ALL ((SELECT", "SOME ((SELECT"]
                    .iter()
                    .any(|p| sql.contains(p))
        },
    },
];

/// The known bug a disagreement is recognised as, if any.
pub fn known_bug(sql: &str, pg: &Outcome, embed: &Outcome) -> Option<&'static KnownBug> {
    KNOWN_BUGS.iter().find(|b| (b.matches)(sql, pg, embed))
}
