//! The catalog: what tables, columns, constraints, indexes and sequences exist.
//!
//! Each table is one record in the system keyspace (`t/<oid>` → a versioned JSON document holding
//! the table with its indexes and sequences), written through the transaction like any data, so
//! DDL is transactional. The committed catalog is kept in memory as an immutable [`Catalog`]
//! that is swapped whole when a DDL transaction commits.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use embeddb_types::{DataType, SqlError, SqlResult, SqlState};
use serde::{Deserialize, Serialize};

/// Object identifiers, as PostgreSQL's `oid`. User objects start at 16384 like PostgreSQL's.
pub type Oid = u32;
pub const FIRST_USER_OID: Oid = 16384;

/// The only schema user tables live in.
pub const PUBLIC_SCHEMA: &str = "public";

/// Format version of the JSON table record; bumped when its meaning changes.
pub const TABLE_RECORD_VERSION: u32 = 1;

/// PostgreSQL truncates identifiers to NAMEDATALEN - 1 = 63 bytes.
pub const MAX_IDENTIFIER_LEN_BYTES: usize = 63;

/// PostgreSQL's limit on columns in a table.
pub const MAX_COLUMNS: usize = 1600;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ColumnDef {
    /// Physical position in the stored row; never reused, survives DROP COLUMN of others.
    pub attnum: u16,
    pub name: String,
    pub data_type: DataType,
    pub not_null: bool,
    /// The DEFAULT expression as SQL text, bound again when a statement needs it.
    pub default_sql: Option<String>,
    /// The value rows written before this column was added read for it (PostgreSQL's
    /// `attmissingval`), in the row codec's encoding.
    pub missing_value: Option<Vec<u8>>,
    pub dropped: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct IndexColumn {
    pub attnum: u16,
    pub descending: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct IndexDef {
    pub oid: Oid,
    pub name: String,
    pub columns: Vec<IndexColumn>,
    pub unique: bool,
    /// True for the index that backs the primary key; its entries are the rows themselves.
    pub primary: bool,
    /// The index's constraint name when it backs a UNIQUE or PRIMARY KEY constraint.
    pub constraint: Option<String>,
    /// The engine keyspace holding the entries (empty for the primary index).
    pub keyspace: String,
}

impl IndexDef {
    /// The engine keyspace holding this index's entries; None for the primary index, whose
    /// entries are the table's rows.
    pub fn own_keyspace(&self) -> Option<&str> {
        (!self.keyspace.is_empty()).then_some(self.keyspace.as_str())
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CheckConstraint {
    pub name: String,
    pub expr_sql: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SequenceDef {
    pub oid: Oid,
    pub name: String,
    pub data_type: DataType,
    pub start: i64,
    pub increment: i64,
    pub min_value: i64,
    pub max_value: i64,
    /// The column that owns the sequence (serial), by attnum.
    pub owned_by: Option<u16>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TableDef {
    pub oid: Oid,
    pub name: String,
    pub columns: Vec<ColumnDef>,
    /// The primary key as attnums, or empty when rows are keyed by a hidden row id.
    pub primary_key: Vec<u16>,
    pub primary_key_name: Option<String>,
    pub indexes: Vec<IndexDef>,
    pub checks: Vec<CheckConstraint>,
    pub sequences: Vec<SequenceDef>,
    /// The engine keyspace holding the rows. TRUNCATE swaps it for a fresh one.
    pub keyspace: String,
    /// The sequence handing out hidden row ids when there is no primary key.
    pub rowid_sequence: Option<Oid>,
    pub next_attnum: u16,
}

impl TableDef {
    /// Columns visible to SQL, in order.
    pub fn visible_columns(&self) -> impl Iterator<Item = &ColumnDef> {
        self.columns.iter().filter(|c| !c.dropped)
    }

    pub fn column(&self, name: &str) -> Option<&ColumnDef> {
        self.visible_columns().find(|c| c.name == name)
    }

    pub fn column_by_attnum(&self, attnum: u16) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.attnum == attnum)
    }

    /// Position of the column among the physical columns (the index into a stored row).
    pub fn physical_index(&self, attnum: u16) -> Option<usize> {
        self.columns.iter().position(|c| c.attnum == attnum)
    }

    pub fn has_primary_key(&self) -> bool {
        !self.primary_key.is_empty()
    }

    /// Physical positions of the primary key columns.
    pub fn primary_key_positions(&self) -> Vec<usize> {
        self.primary_key
            .iter()
            .filter_map(|a| self.physical_index(*a))
            .collect()
    }

    pub fn to_record(&self) -> SqlResult<Vec<u8>> {
        let record = TableRecord {
            version: TABLE_RECORD_VERSION,
            table: self.clone(),
        };
        serde_json::to_vec(&record)
            .map_err(|e| SqlError::internal(format!("cannot encode catalog record: {e}")))
    }

    pub fn from_record(bytes: &[u8]) -> SqlResult<TableDef> {
        let record: TableRecord = serde_json::from_slice(bytes).map_err(|e| {
            SqlError::new(
                SqlState::DATA_CORRUPTED,
                format!("catalog record is unreadable: {e}"),
            )
        })?;
        if record.version != TABLE_RECORD_VERSION {
            return Err(SqlError::new(
                SqlState::DATA_CORRUPTED,
                format!(
                    "catalog record has format version {}, this build reads {}",
                    record.version, TABLE_RECORD_VERSION
                ),
            ));
        }
        Ok(record.table)
    }
}

#[derive(Serialize, Deserialize)]
struct TableRecord {
    version: u32,
    table: TableDef,
}

/// What kind of relation a name refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RelationKind {
    Table,
    Index,
    Sequence,
}

/// An immutable view of every table. Cheap to share; replaced whole on DDL commit.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    tables: BTreeMap<Oid, Arc<TableDef>>,
    /// Relation names (tables, indexes, sequences share PostgreSQL's pg_class namespace)
    /// to the owning table's oid and the relation's own kind and oid.
    names: HashMap<String, (Oid, RelationKind, Oid)>,
    max_oid: Oid,
}

impl Catalog {
    pub fn from_tables(tables: impl IntoIterator<Item = TableDef>) -> Catalog {
        let mut catalog = Catalog::default();
        for t in tables {
            catalog.insert(t);
        }
        catalog
    }

    pub fn tables(&self) -> impl Iterator<Item = &Arc<TableDef>> {
        self.tables.values()
    }

    pub fn table(&self, oid: Oid) -> Option<&Arc<TableDef>> {
        self.tables.get(&oid)
    }

    pub fn table_by_name(&self, name: &str) -> Option<&Arc<TableDef>> {
        match self.names.get(name) {
            Some((table, RelationKind::Table, _)) => self.tables.get(table),
            _ => None,
        }
    }

    /// The relation of that name: (owning table, kind, relation oid).
    pub fn relation(&self, name: &str) -> Option<(Oid, RelationKind, Oid)> {
        self.names.get(name).copied()
    }

    /// The largest oid in use, so a restart hands out fresh ones.
    pub fn max_oid(&self) -> Oid {
        self.max_oid
    }

    pub fn insert(&mut self, table: TableDef) {
        self.remove(table.oid);
        let oid = table.oid;
        self.max_oid = self.max_oid.max(oid);
        self.names
            .insert(table.name.clone(), (oid, RelationKind::Table, oid));
        for index in &table.indexes {
            self.max_oid = self.max_oid.max(index.oid);
            self.names
                .insert(index.name.clone(), (oid, RelationKind::Index, index.oid));
        }
        for seq in &table.sequences {
            self.max_oid = self.max_oid.max(seq.oid);
            self.names
                .insert(seq.name.clone(), (oid, RelationKind::Sequence, seq.oid));
        }
        self.tables.insert(oid, Arc::new(table));
    }

    pub fn remove(&mut self, oid: Oid) -> Option<Arc<TableDef>> {
        let old = self.tables.remove(&oid)?;
        self.names.retain(|_, (owner, _, _)| *owner != oid);
        Some(old)
    }
}

/// Checks and normalises an identifier's length as PostgreSQL does (it truncates silently with
/// a NOTICE; EmbedDB truncates at a character boundary).
pub fn truncate_identifier(name: &str) -> String {
    if name.len() <= MAX_IDENTIFIER_LEN_BYTES {
        return name.to_string();
    }
    let mut end = MAX_IDENTIFIER_LEN_BYTES;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name[..end].to_string()
}
