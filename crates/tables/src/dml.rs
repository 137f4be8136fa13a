//! Row writes on a table inside a transaction: the row itself, its index entries, and the
//! uniqueness rules, with the row and unique-key locks PostgreSQL's semantics need.
//!
//! Every key written is locked first (held to the end of the transaction). Uniqueness is
//! checked against the newest version of a key — committed by anyone or written by this
//! transaction — never against the statement's snapshot, so two sessions inserting the same
//! key cannot both succeed: the second waits for the first and then sees its row.

use embeddb_storage::{KeyspaceId, SeqNo};
use embeddb_types::text::format_text;
use embeddb_types::{FormatContext, Row, SqlError, SqlResult, SqlState, Value};

use crate::catalog::{IndexDef, TableDef};
use crate::codec;
use crate::locks::{Interrupt, LockMode, LockTarget};
use crate::txn::{LatestVersion, Transaction};

/// A unique constraint an insert or update ran into.
#[derive(Clone, Debug)]
pub struct Conflict {
    /// The constraint's name (`t_pkey`, `t_email_key`, or the index name).
    pub constraint: String,
    /// The key of the row already holding the value.
    pub existing_key: Vec<u8>,
    /// Sequence number of the existing row's newest committed version, if it is committed
    /// (None when this transaction wrote it).
    pub existing_seqno: Option<SeqNo>,
    /// PostgreSQL's detail line: `Key (id)=(1) already exists.`
    pub detail: String,
}

impl Conflict {
    pub fn into_error(self) -> SqlError {
        SqlError::new(
            SqlState::UNIQUE_VIOLATION,
            format!(
                "duplicate key value violates unique constraint \"{}\"",
                self.constraint
            ),
        )
        .with_detail(self.detail)
    }
}

pub enum InsertOutcome {
    Inserted { key: Vec<u8> },
    Conflict(Conflict),
}

/// What a writer finds when it locks a row it read from its snapshot.
pub enum LockedRow {
    /// The row is as the snapshot saw it (or this transaction already changed it: `row` is
    /// then its own newest version).
    Unchanged(Row),
    /// Another transaction committed a newer version after the snapshot.
    Changed { row: Row, seqno: SeqNo },
    /// The row is gone: `concurrent` when another transaction's deletion committed after
    /// the snapshot (REPEATABLE READ must then fail), false when this transaction deleted it.
    Deleted { concurrent: bool },
}

/// Engine keyspaces a table's writes go to, resolved once per statement.
pub struct TableKeyspaces {
    pub rows: KeyspaceId,
    /// One per entry of `TableDef::indexes`; `None` for the primary index (it is the rows).
    pub indexes: Vec<Option<KeyspaceId>>,
}

impl TableKeyspaces {
    /// For a statement that writes the table: also takes the table's writers' lock (shared,
    /// held to the end of the transaction), which a bulk load's final step takes exclusively
    /// (see `bulk.rs`).
    pub fn for_writes(
        txn: &Transaction,
        table: &TableDef,
        interrupt: &dyn Interrupt,
    ) -> SqlResult<Self> {
        txn.lock(
            &LockTarget::TableWrites(table.oid),
            LockMode::Shared,
            interrupt,
        )?;
        Self::resolve(txn, table)
    }

    pub fn resolve(txn: &Transaction, table: &TableDef) -> SqlResult<Self> {
        let rows = txn.keyspace(&table.keyspace)?;
        let mut indexes = Vec::with_capacity(table.indexes.len());
        for index in &table.indexes {
            indexes.push(if index.primary {
                None
            } else {
                Some(txn.keyspace(&index.keyspace)?)
            });
        }
        Ok(TableKeyspaces { rows, indexes })
    }
}

pub(crate) fn key_detail(
    table: &TableDef,
    attnums: &[u16],
    row: &[Value],
    ctx: &FormatContext,
) -> SqlResult<String> {
    let mut names = Vec::new();
    let mut values = Vec::new();
    for attnum in attnums {
        let column = table
            .column_by_attnum(*attnum)
            .ok_or_else(|| SqlError::internal("index column missing"))?;
        names.push(column.name.clone());
        let value = &row[codec::visible_position(table, *attnum)?];
        values.push(if value.is_null() {
            "null".to_string()
        } else {
            format_text(value, &column.data_type, ctx)
        });
    }
    Ok(format!(
        "Key ({})=({}) already exists.",
        names.join(", "),
        values.join(", ")
    ))
}

pub(crate) fn primary_constraint_name(table: &TableDef) -> String {
    table
        .primary_key_name
        .clone()
        .unwrap_or_else(|| format!("{}_pkey", table.name))
}

impl Transaction {
    /// Takes the table lock that DML and reads hold (conflicting only with DDL).
    pub fn lock_table_shared(&self, table: &TableDef, interrupt: &dyn Interrupt) -> SqlResult<()> {
        self.lock(&LockTarget::Table(table.oid), LockMode::Shared, interrupt)
    }

    /// Takes the table lock DDL needs (waits for every transaction that used the table).
    pub fn lock_table_exclusive(
        &self,
        table: &TableDef,
        interrupt: &dyn Interrupt,
    ) -> SqlResult<()> {
        self.lock(
            &LockTarget::Table(table.oid),
            LockMode::Exclusive,
            interrupt,
        )
    }

    /// The key a new row will be stored under: its primary key, or a fresh hidden row id.
    pub fn new_row_key(&self, table: &TableDef, row: &[Value]) -> SqlResult<Vec<u8>> {
        if table.has_primary_key() {
            return codec::primary_key(table, row);
        }
        let seq_oid = table.rowid_sequence.ok_or_else(|| {
            SqlError::internal("table without primary key has no row id sequence")
        })?;
        let seq = table
            .sequences
            .iter()
            .find(|s| s.oid == seq_oid)
            .ok_or_else(|| SqlError::internal("row id sequence missing"))?;
        let rowid = self.sequences().nextval(seq)?;
        Ok(codec::rowid_key(rowid))
    }

    /// Inserts a row (visible-column order) unless a unique key is taken; a conflict is
    /// returned, not raised, so ON CONFLICT can act on it.
    pub fn insert_row(
        &mut self,
        table: &TableDef,
        keyspaces: &TableKeyspaces,
        row: &[Value],
        ctx: &FormatContext,
        interrupt: &dyn Interrupt,
    ) -> SqlResult<InsertOutcome> {
        let key = self.new_row_key(table, row)?;
        if table.has_primary_key() {
            self.lock_key(keyspaces.rows, &key, interrupt)?;
            if let Some(conflict) = self.existing_conflict(keyspaces.rows, &key, &key, || {
                Ok((
                    primary_constraint_name(table),
                    key_detail(table, &table.primary_key, row, ctx)?,
                ))
            })? {
                return Ok(InsertOutcome::Conflict(conflict));
            }
        }
        let mut entries = Vec::with_capacity(table.indexes.len());
        for (index, index_ks) in table.indexes.iter().zip(&keyspaces.indexes) {
            let Some(index_ks) = index_ks else { continue };
            let (entry_key, entry_value, unique) = codec::index_entry(table, index, row, &key)?;
            if unique {
                self.lock_key(*index_ks, &entry_key, interrupt)?;
                let latest = self.latest(*index_ks, &entry_key)?;
                if let Some(existing_row_key) = latest.value() {
                    return Ok(InsertOutcome::Conflict(Conflict {
                        constraint: index_constraint_name(index),
                        existing_key: existing_row_key.to_vec(),
                        existing_seqno: committed_seqno(&latest),
                        detail: key_detail(table, &index_attnums(index), row, ctx)?,
                    }));
                }
            }
            entries.push((*index_ks, entry_key, entry_value));
        }
        self.put(keyspaces.rows, &key, codec::encode_row(table, row)?)?;
        for (ks, entry_key, entry_value) in entries {
            self.put(ks, &entry_key, entry_value)?;
        }
        Ok(InsertOutcome::Inserted { key })
    }

    fn existing_conflict(
        &self,
        keyspace: KeyspaceId,
        key: &[u8],
        existing_key: &[u8],
        describe: impl FnOnce() -> SqlResult<(String, String)>,
    ) -> SqlResult<Option<Conflict>> {
        let latest = self.latest(keyspace, key)?;
        if latest.value().is_none() {
            return Ok(None);
        }
        let (constraint, detail) = describe()?;
        Ok(Some(Conflict {
            constraint,
            existing_key: existing_key.to_vec(),
            existing_seqno: committed_seqno(&latest),
            detail,
        }))
    }

    /// Locks a row for UPDATE/DELETE and reports how it differs from what the statement's
    /// snapshot saw. The caller applies PostgreSQL's rule: READ COMMITTED re-checks its WHERE
    /// on a changed row and goes on; REPEATABLE READ fails with 40001.
    pub fn lock_row(
        &mut self,
        table: &TableDef,
        keyspaces: &TableKeyspaces,
        key: &[u8],
        interrupt: &dyn Interrupt,
    ) -> SqlResult<LockedRow> {
        self.lock_key(keyspaces.rows, key, interrupt)?;
        let snapshot_seqno = self.snapshot_seqno();
        Ok(match self.latest(keyspaces.rows, key)? {
            LatestVersion::Own(Some(bytes)) => {
                LockedRow::Unchanged(codec::decode_row(table, &bytes)?)
            }
            LatestVersion::Own(None) => LockedRow::Deleted { concurrent: false },
            LatestVersion::Absent => LockedRow::Deleted { concurrent: true },
            LatestVersion::Committed { value: None, seqno } => LockedRow::Deleted {
                concurrent: seqno > snapshot_seqno,
            },
            LatestVersion::Committed {
                seqno,
                value: Some(bytes),
            } => {
                let row = codec::decode_row(table, &bytes)?;
                if seqno > snapshot_seqno {
                    LockedRow::Changed { row, seqno }
                } else {
                    LockedRow::Unchanged(row)
                }
            }
        })
    }

    /// Reads the newest version of a row by key (for ON CONFLICT DO UPDATE, after a conflict).
    pub fn latest_row(
        &self,
        table: &TableDef,
        keyspaces: &TableKeyspaces,
        key: &[u8],
    ) -> SqlResult<Option<Row>> {
        match self.latest(keyspaces.rows, key)?.value() {
            Some(bytes) => Ok(Some(codec::decode_row(table, bytes)?)),
            None => Ok(None),
        }
    }

    /// Replaces a locked row. Index entries that change move; a changed primary key moves the
    /// row. Unique violations are raised (23505).
    #[allow(clippy::too_many_arguments)]
    pub fn update_row(
        &mut self,
        table: &TableDef,
        keyspaces: &TableKeyspaces,
        key: &[u8],
        old_row: &[Value],
        new_row: &[Value],
        ctx: &FormatContext,
        interrupt: &dyn Interrupt,
    ) -> SqlResult<Vec<u8>> {
        let new_key = if table.has_primary_key() {
            codec::primary_key(table, new_row)?
        } else {
            key.to_vec()
        };
        if new_key != key {
            self.lock_key(keyspaces.rows, &new_key, interrupt)?;
            if let Some(conflict) =
                self.existing_conflict(keyspaces.rows, &new_key, &new_key, || {
                    Ok((
                        primary_constraint_name(table),
                        key_detail(table, &table.primary_key, new_row, ctx)?,
                    ))
                })?
            {
                return Err(conflict.into_error());
            }
        }
        for (index, index_ks) in table.indexes.iter().zip(&keyspaces.indexes) {
            let Some(index_ks) = index_ks else { continue };
            let (old_entry, _, _) = codec::index_entry(table, index, old_row, key)?;
            let (new_entry, new_value, unique) =
                codec::index_entry(table, index, new_row, &new_key)?;
            if old_entry == new_entry && new_key == key {
                continue;
            }
            if old_entry != new_entry {
                self.delete(*index_ks, &old_entry)?;
                if unique {
                    self.lock_key(*index_ks, &new_entry, interrupt)?;
                    let latest = self.latest(*index_ks, &new_entry)?;
                    if latest.value().is_some() {
                        return Err(Conflict {
                            constraint: index_constraint_name(index),
                            existing_key: latest.value().unwrap_or_default().to_vec(),
                            existing_seqno: committed_seqno(&latest),
                            detail: key_detail(table, &index_attnums(index), new_row, ctx)?,
                        }
                        .into_error());
                    }
                }
            }
            self.put(*index_ks, &new_entry, new_value)?;
        }
        if new_key != key {
            self.delete(keyspaces.rows, key)?;
        }
        self.put(keyspaces.rows, &new_key, codec::encode_row(table, new_row)?)?;
        Ok(new_key)
    }

    /// Deletes a locked row and its index entries.
    pub fn delete_row(
        &mut self,
        table: &TableDef,
        keyspaces: &TableKeyspaces,
        key: &[u8],
        old_row: &[Value],
    ) -> SqlResult<()> {
        for (index, index_ks) in table.indexes.iter().zip(&keyspaces.indexes) {
            let Some(index_ks) = index_ks else { continue };
            let (entry, _, _) = codec::index_entry(table, index, old_row, key)?;
            self.delete(*index_ks, &entry)?;
        }
        self.delete(keyspaces.rows, key)
    }
}

fn committed_seqno(latest: &LatestVersion) -> Option<SeqNo> {
    match latest {
        LatestVersion::Committed { seqno, .. } => Some(*seqno),
        _ => None,
    }
}

pub(crate) fn index_attnums(index: &IndexDef) -> Vec<u16> {
    index.columns.iter().map(|c| c.attnum).collect()
}

pub(crate) fn index_constraint_name(index: &IndexDef) -> String {
    index
        .constraint
        .clone()
        .unwrap_or_else(|| index.name.clone())
}
