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

/// Every open bug the generator hits, one entry each.
pub const KNOWN_BUGS: &[KnownBug] = &[
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
