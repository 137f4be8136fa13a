//! Table scans: the rows of a table through its access path — every row in key order, the
//! rows of primary-key ranges (point lookups by `get`), or rows found through a secondary
//! index — read from the statement's view in chunks and filtered as they stream.

use std::collections::VecDeque;
use std::ops::Bound;

use embeddb_storage::KeyspaceId;
use embeddb_tables::MergedScan;
use embeddb_tables::codec;
use embeddb_types::{Row, SqlResult};

use super::context::ExecContext;
use super::keys::{ByteRange, KeyColumn, eval_range};
use super::{CHUNK_ROWS, Chunk, Operator};
use crate::plan::{AccessPath, KeyRange, ScanNode};

/// A row with its storage key (the key is what UPDATE and DELETE write back to).
type KeyedRow = (Vec<u8>, Row);

/// The key columns of the table's primary key.
pub fn primary_key_columns(node: &ScanNode) -> Vec<KeyColumn> {
    node.table
        .primary_key
        .iter()
        .filter_map(|a| node.table.column_by_attnum(*a))
        .map(|c| KeyColumn {
            ty: c.data_type.clone(),
            descending: false,
        })
        .collect()
}

/// What the scan reads next.
enum Source {
    /// A range of the rows keyspace.
    Rows(MergedScan),
    /// One row by its full key.
    Point(Vec<u8>),
    /// Index entries whose row keys are then looked up.
    Index {
        entries: MergedScan,
        index_keyspace: KeyspaceId,
        values_columns: Vec<KeyColumn>,
    },
}

pub struct TableScan {
    node: ScanNode,
    ctx: ExecContext,
    rows_keyspace: KeyspaceId,
    pending: VecDeque<(ByteRange, bool)>,
    current: Option<Source>,
    remaining: Option<u64>,
    index: Option<(usize, KeyspaceId)>,
}

impl TableScan {
    pub fn new(node: ScanNode, ctx: ExecContext) -> SqlResult<Self> {
        let rows_keyspace = ctx.view.keyspace(&node.table.keyspace)?;
        let remaining = super::basic::eval_count(node.limit.as_ref(), &ctx, "LIMIT")?;
        let mut pending = VecDeque::new();
        let mut index = None;
        match &node.access {
            AccessPath::FullScan => {
                pending.push_back(((Bound::Unbounded, Bound::Unbounded), false));
            }
            AccessPath::PrimaryKey { ranges } => {
                let columns = primary_key_columns(&node);
                push_ranges(&mut pending, ranges, &columns, &ctx, node.reverse)?;
            }
            AccessPath::Index { index: i, ranges } => {
                let def = node
                    .table
                    .indexes
                    .get(*i)
                    .ok_or_else(|| embeddb_types::SqlError::internal("index vanished"))?;
                let columns = index_columns(&node, *i);
                push_ranges(&mut pending, ranges, &columns, &ctx, node.reverse)?;
                index = Some((*i, ctx.view.keyspace(&def.keyspace)?));
            }
        }
        Ok(TableScan {
            node,
            ctx,
            rows_keyspace,
            pending,
            current: None,
            remaining,
            index,
        })
    }

    fn open_next(&mut self) -> SqlResult<bool> {
        let Some(((lower, upper), is_point)) = self.pending.pop_front() else {
            return Ok(false);
        };
        self.current = Some(match self.index {
            Some((i, index_keyspace)) => Source::Index {
                entries: self
                    .ctx
                    .view
                    .scan(index_keyspace, lower, upper, self.node.reverse)?,
                index_keyspace,
                values_columns: index_columns(&self.node, i),
            },
            None if is_point => match lower {
                Bound::Included(k) => Source::Point(k),
                _ => {
                    return Err(embeddb_types::SqlError::internal(
                        "point range without a key",
                    ));
                }
            },
            None => Source::Rows(self.ctx.view.scan(
                self.rows_keyspace,
                lower,
                upper,
                self.node.reverse,
            )?),
        });
        Ok(true)
    }

    /// Reads up to a chunk of stored (row key, row bytes), before the filter, from the current
    /// source.
    fn read_rows(&mut self) -> SqlResult<Vec<(Vec<u8>, Vec<u8>)>> {
        let mut out = Vec::new();
        match self.current.take() {
            None => {}
            Some(Source::Point(key)) => {
                if let Some(bytes) = self.ctx.view.get(self.rows_keyspace, &key)? {
                    out.push((key, bytes));
                }
            }
            Some(Source::Rows(mut scan)) => {
                for item in scan.by_ref().take(CHUNK_ROWS) {
                    out.push(item?);
                }
                if out.len() == CHUNK_ROWS {
                    self.current = Some(Source::Rows(scan));
                }
            }
            Some(Source::Index {
                mut entries,
                index_keyspace,
                values_columns,
            }) => {
                let mut taken = 0;
                for item in entries.by_ref().take(CHUNK_ROWS) {
                    taken += 1;
                    let (key, value) = item?;
                    let row_key = if value.is_empty() {
                        let values_len = encoded_len(&key, &values_columns)?;
                        key[values_len..].to_vec()
                    } else {
                        value
                    };
                    // The entry and its row were written together, so the row exists in the
                    // same view.
                    if let Some(bytes) = self.ctx.view.get(self.rows_keyspace, &row_key)? {
                        out.push((row_key, bytes));
                    }
                }
                if taken == CHUNK_ROWS {
                    self.current = Some(Source::Index {
                        entries,
                        index_keyspace,
                        values_columns,
                    });
                }
            }
        }
        Ok(out)
    }

    /// The next chunk of (row key, row) that pass the filter, within the LIMIT.
    fn next_keyed(&mut self) -> SqlResult<Option<Vec<KeyedRow>>> {
        loop {
            if self.remaining == Some(0) {
                return Ok(None);
            }
            if self.current.is_none() && !self.open_next()? {
                return Ok(None);
            }
            self.ctx.check_interrupt()?;
            let stored = self.read_rows()?;
            let mut out = Vec::with_capacity(stored.len());
            for (key, bytes) in stored {
                let row = codec::decode_row(&self.node.table, &bytes)?;
                if let Some(filter) = &self.node.filter
                    && !filter.eval_predicate(&row, &self.ctx)?
                {
                    continue;
                }
                out.push((key, row));
                if let Some(r) = self.remaining.as_mut() {
                    *r -= 1;
                    if *r == 0 {
                        break;
                    }
                }
            }
            if !out.is_empty() {
                return Ok(Some(out));
            }
        }
    }
}

/// Length of the encoded indexed values at the start of an index entry key.
fn encoded_len(key: &[u8], columns: &[KeyColumn]) -> SqlResult<usize> {
    let mut input = key;
    for c in columns {
        if c.descending {
            embeddb_types::keycodec::decode_key_desc(&mut input, &c.ty)?;
        } else {
            embeddb_types::keycodec::decode_key(&mut input, &c.ty)?;
        }
    }
    Ok(key.len() - input.len())
}

pub fn index_columns(node: &ScanNode, index: usize) -> Vec<KeyColumn> {
    let Some(def) = node.table.indexes.get(index) else {
        return Vec::new();
    };
    def.columns
        .iter()
        .filter_map(|c| {
            node.table.column_by_attnum(c.attnum).map(|col| KeyColumn {
                ty: col.data_type.clone(),
                descending: c.descending,
            })
        })
        .collect()
}

fn push_ranges(
    pending: &mut VecDeque<(ByteRange, bool)>,
    ranges: &[KeyRange],
    columns: &[KeyColumn],
    ctx: &ExecContext,
    reverse: bool,
) -> SqlResult<()> {
    let mut evaluated = Vec::with_capacity(ranges.len());
    for r in ranges {
        let point = r.is_point(columns.len());
        if let Some(bytes) = eval_range(r, columns, ctx)? {
            evaluated.push((bytes, point));
        }
    }
    // Ranges come from IN lists and ORs: visit them in key order (reversed for a reverse
    // scan), once each.
    evaluated.sort_by(|a, b| compare_lower(&a.0.0, &b.0.0));
    evaluated.dedup_by(|a, b| a.0 == b.0);
    if reverse {
        evaluated.reverse();
    }
    pending.extend(evaluated);
    Ok(())
}

fn compare_lower(a: &Bound<Vec<u8>>, b: &Bound<Vec<u8>>) -> std::cmp::Ordering {
    let key = |x: &Bound<Vec<u8>>| match x {
        Bound::Unbounded => None,
        Bound::Included(k) | Bound::Excluded(k) => Some(k.clone()),
    };
    key(a).cmp(&key(b))
}

impl Operator for TableScan {
    fn next_chunk(&mut self) -> SqlResult<Option<Chunk>> {
        Ok(self
            .next_keyed()?
            .map(|rows| rows.into_iter().map(|(_, row)| row).collect()))
    }
}

/// A scan that yields each row with its key (UPDATE and DELETE need the key to write back).
pub struct KeyedScan {
    inner: TableScan,
}

impl KeyedScan {
    pub fn new(node: ScanNode, ctx: ExecContext) -> SqlResult<Self> {
        Ok(KeyedScan {
            inner: TableScan::new(node, ctx)?,
        })
    }

    pub fn next_chunk(&mut self) -> SqlResult<Option<Vec<KeyedRow>>> {
        self.inner.next_keyed()
    }
}
