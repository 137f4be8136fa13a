//! Stable object identifiers of what every EmbedDB database has (schemas, the system
//! relations, built-in functions, the session's role), and finding objects by name and by
//! oid for the `reg*` types and the catalog functions.

use std::sync::OnceLock;

use embeddb_tables::Catalog;
pub use embeddb_types::text::{
    INFORMATION_SCHEMA_NAMESPACE, PG_CATALOG_NAMESPACE, PUBLIC_NAMESPACE,
};

use super::Col;
use super::columns::RELATIONS;

/// The oid of the session's role, as PostgreSQL's bootstrap superuser has.
pub const SESSION_ROLE_OID: u32 = 10;
/// PostgreSQL's predefined role that owns schema public.
pub const DATABASE_OWNER_ROLE_OID: u32 = 6171;
/// The database's oid in pg_database (PostgreSQL's first user database gets 16384-ish; a
/// fixed number below the user range keeps it stable).
pub const DATABASE_OID: u32 = 5;
/// pg_am's btree and heap.
pub const BTREE_AM_OID: u32 = 403;
pub const HEAP_AM_OID: u32 = 2;
/// The default collation, which PostgreSQL gives collatable columns.
pub const DEFAULT_COLLATION_OID: u32 = 100;
/// Where the oids of built-in functions start (below PostgreSQL's system views' range and
/// above its hand-assigned oids).
const FIRST_PROC_OID: u32 = 8000;

pub type SystemRelation = (
    &'static str,
    &'static str,
    u32,
    char,
    &'static [(&'static str, Col)],
);

/// The system relation a name refers to: `schema` None searches pg_catalog only (the
/// search path), as PostgreSQL would.
pub fn system_relation(schema: Option<&str>, name: &str) -> Option<SystemRelation> {
    let schema = schema.unwrap_or("pg_catalog");
    RELATIONS
        .iter()
        .find(|(n, r, ..)| *n == schema && *r == name)
        .copied()
}

pub fn system_relation_by_oid(oid: u32) -> Option<SystemRelation> {
    RELATIONS.iter().find(|r| r.2 == oid).copied()
}

pub fn namespace_name(oid: u32) -> Option<&'static str> {
    match oid {
        PG_CATALOG_NAMESPACE => Some("pg_catalog"),
        PUBLIC_NAMESPACE => Some("public"),
        INFORMATION_SCHEMA_NAMESPACE => Some("information_schema"),
        _ => None,
    }
}

pub fn namespace_oid(name: &str) -> Option<u32> {
    embeddb_types::text::builtin_namespace_oid(name)
}

/// Every built-in function name with its oid (sorted by name, so the oids are stable for a
/// given set of functions).
pub fn procs() -> &'static [(&'static str, u32)] {
    static PROCS: OnceLock<Vec<(&'static str, u32)>> = OnceLock::new();
    PROCS.get_or_init(|| {
        let mut names = crate::functions::registry_names();
        const AGGREGATES: &[&str] = &[
            "count",
            "sum",
            "avg",
            "min",
            "max",
            "string_agg",
            "array_agg",
            "bool_and",
            "bool_or",
            "every",
            "bit_and",
            "bit_or",
        ];
        names.extend(
            AGGREGATES
                .iter()
                .copied()
                .filter(|a| crate::functions::aggregate::is_aggregate(a)),
        );
        names.sort_unstable();
        names.dedup();
        names
            .into_iter()
            .enumerate()
            .map(|(i, n)| (n, FIRST_PROC_OID + i as u32))
            .collect()
    })
}

pub fn proc_oid(name: &str) -> Option<u32> {
    procs().iter().find(|(n, _)| *n == name).map(|p| p.1)
}

pub fn proc_name(oid: u32) -> Option<&'static str> {
    procs().iter().find(|(_, o)| *o == oid).map(|p| p.0)
}

/// A relation of the catalog or a system relation, by oid: (schema, name, kind code).
pub fn relation_by_oid(catalog: &Catalog, oid: u32) -> Option<(String, String, char)> {
    if let Some((nsp, rel, _, kind, _)) = system_relation_by_oid(oid) {
        return Some((nsp.to_string(), rel.to_string(), kind));
    }
    for t in catalog.tables() {
        if t.oid == oid {
            return Some(("public".into(), t.name.clone(), 'r'));
        }
        if let Some(i) = t.indexes.iter().find(|i| i.oid == oid) {
            return Some(("public".into(), i.name.clone(), 'i'));
        }
        if let Some(s) = super::pg_class::user_sequences(t).find(|s| s.oid == oid) {
            return Some(("public".into(), s.name.clone(), 'S'));
        }
    }
    None
}

/// A relation by (possibly qualified) name: its oid. Unqualified names search pg_catalog,
/// then public, as PostgreSQL's default search path does.
pub fn relation_oid(catalog: &Catalog, schema: Option<&str>, name: &str) -> Option<u32> {
    match schema {
        Some("public") => catalog.relation(name).map(|r| r.2),
        Some(s) => system_relation(Some(s), name).map(|r| r.2),
        None => system_relation(None, name)
            .map(|r| r.2)
            .or_else(|| catalog.relation(name).map(|r| r.2)),
    }
}

/// PostgreSQL's `quote_ident`, for names in catalog output.
pub use crate::keywords::quote_identifier as quote_ident;

/// Splits a possibly qualified, possibly quoted name (`public."My Table"`) into its parts,
/// folding unquoted parts to lower case.
pub fn split_qualified(input: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut chars = input.trim().chars().peekable();
    loop {
        let mut part = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        part.push('"');
                    }
                    Some('"') => break,
                    Some(c) => part.push(c),
                    None => return None,
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == '.' || c.is_whitespace() {
                    break;
                }
                part.extend(c.to_lowercase());
                chars.next();
            }
            if part.is_empty() {
                return None;
            }
        }
        parts.push(part);
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        match chars.next() {
            None => return Some(parts),
            Some('.') => {
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
            }
            Some(_) => return None,
        }
    }
}
