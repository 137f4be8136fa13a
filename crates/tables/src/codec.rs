//! How rows and index entries become engine keys and values.
//!
//! Row value (one per row, in the table's keyspace, under its primary key):
//! ```text
//! +---------------+----------------------+------------------------------------------+
//! | format: u8 =1 | column count: u16 LE | one rowcodec value per physical column   |
//! +---------------+----------------------+------------------------------------------+
//! ```
//! Physical columns are every column ever added, dropped ones included (stored as NULL), so
//! ALTER TABLE never rewrites rows: a row shorter than the table reads the newer columns'
//! `missing_value` (or NULL).
//!
//! Row key: the memcomparable encodings of the primary key columns, concatenated; tables
//! without a primary key use the encoding of a hidden bigint row id.
//!
//! Secondary index entry, in the index's keyspace:
//! - unique index, no NULL in the indexed columns: key = indexed values, value = row key;
//! - otherwise: key = indexed values ++ row key, value = empty (NULLs never conflict, as in
//!   PostgreSQL's default NULLS DISTINCT).

use embeddb_types::keycodec;
use embeddb_types::rowcodec;
use embeddb_types::{Row, SqlError, SqlResult, SqlState, Value};

use crate::catalog::{IndexDef, TableDef};

pub const ROW_FORMAT_VERSION: u8 = 1;

/// Encodes a row given in visible-column order.
pub fn encode_row(table: &TableDef, row: &[Value]) -> SqlResult<Vec<u8>> {
    // One allocation for the common row: text and bytes by length, the rest by 9 bytes.
    let capacity: usize = row
        .iter()
        .map(|v| match v {
            Value::Text(t) => t.len() + 5,
            Value::Bytea(b) => b.len() + 5,
            _ => 9,
        })
        .sum();
    let mut out = Vec::with_capacity(8 + capacity);
    out.push(ROW_FORMAT_VERSION);
    let count = u16::try_from(table.columns.len())
        .map_err(|_| SqlError::internal("too many physical columns"))?;
    out.extend_from_slice(&count.to_le_bytes());
    let mut visible = row.iter();
    for column in &table.columns {
        if column.dropped {
            rowcodec::encode_value(&Value::Null, &mut out);
        } else {
            let value = visible
                .next()
                .ok_or_else(|| SqlError::internal("row has fewer values than the table"))?;
            rowcodec::encode_value(value, &mut out);
        }
    }
    debug_assert!(
        visible.next().is_none(),
        "row has more values than the table"
    );
    Ok(out)
}

/// Decodes a stored row into visible-column order.
pub fn decode_row(table: &TableDef, bytes: &[u8]) -> SqlResult<Row> {
    let corrupt = |what: &str| {
        SqlError::new(
            SqlState::DATA_CORRUPTED,
            format!(
                "stored row of table \"{}\" is malformed: {what}",
                table.name
            ),
        )
    };
    let (&format, rest) = bytes.split_first().ok_or_else(|| corrupt("empty"))?;
    if format != ROW_FORMAT_VERSION {
        return Err(corrupt(&format!("unknown row format {format}")));
    }
    if rest.len() < 2 {
        return Err(corrupt("truncated header"));
    }
    let stored_count = usize::from(u16::from_le_bytes([rest[0], rest[1]]));
    let mut input = &rest[2..];
    let mut row = Vec::with_capacity(table.columns.len());
    for (position, column) in table.columns.iter().enumerate() {
        let value = if position < stored_count {
            rowcodec::decode_value(&mut input)?
        } else {
            match &column.missing_value {
                Some(bytes) => rowcodec::decode_value(&mut bytes.as_slice())?,
                None => Value::Null,
            }
        };
        if !column.dropped {
            row.push(value);
        }
    }
    Ok(row)
}

/// The row key of a row given in visible-column order.
pub fn primary_key(table: &TableDef, row: &[Value]) -> SqlResult<Vec<u8>> {
    let mut key = Vec::with_capacity(16);
    for attnum in &table.primary_key {
        let position = visible_position(table, *attnum)?;
        keycodec::encode_key(&row[position], &mut key);
    }
    Ok(key)
}

/// The row key for a hidden row id.
pub fn rowid_key(rowid: i64) -> Vec<u8> {
    let mut key = Vec::with_capacity(9);
    keycodec::encode_key(&Value::Int8(rowid), &mut key);
    key
}

/// Position of a column among the visible columns.
pub fn visible_position(table: &TableDef, attnum: u16) -> SqlResult<usize> {
    table
        .visible_columns()
        .position(|c| c.attnum == attnum)
        .ok_or_else(|| SqlError::internal(format!("column {attnum} is not visible")))
}

/// The encoded indexed values of a row, and whether any of them is NULL.
pub fn index_values_key(
    table: &TableDef,
    index: &IndexDef,
    row: &[Value],
) -> SqlResult<(Vec<u8>, bool)> {
    let mut key = Vec::with_capacity(16);
    let mut has_null = false;
    for column in &index.columns {
        let value = &row[visible_position(table, column.attnum)?];
        has_null |= value.is_null();
        if column.descending {
            keycodec::encode_key_desc(value, &mut key);
        } else {
            keycodec::encode_key(value, &mut key);
        }
    }
    Ok((key, has_null))
}

/// An index entry of a row: (entry key, entry value, whether it takes part in uniqueness).
pub fn index_entry(
    table: &TableDef,
    index: &IndexDef,
    row: &[Value],
    row_key: &[u8],
) -> SqlResult<(Vec<u8>, Vec<u8>, bool)> {
    let (mut key, has_null) = index_values_key(table, index, row)?;
    if index.unique && !has_null {
        Ok((key, row_key.to_vec(), true))
    } else {
        key.extend_from_slice(row_key);
        Ok((key, Vec::new(), false))
    }
}

/// The row key an index entry points to, given the length of its indexed-values prefix.
pub fn row_key_of_entry(entry_key: &[u8], entry_value: &[u8], values_len: usize) -> Vec<u8> {
    if entry_value.is_empty() {
        entry_key[values_len.min(entry_key.len())..].to_vec()
    } else {
        entry_value.to_vec()
    }
}
