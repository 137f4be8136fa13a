//! A transaction's uncommitted writes, kept in memory until COMMIT turns them into one engine
//! write batch (so no other session can ever see them).
//!
//! Each key keeps at most two versions tagged with the command (statement) that wrote them, so
//! a statement reads the transaction's earlier writes but not its own (PostgreSQL's command-id
//! visibility: an UPDATE never sees the rows it has just written), while constraint checks read
//! the newest version of all.

mod entries;

use std::collections::BTreeMap;
use std::ops::Bound;

use embeddb_storage::KeyspaceId;

use entries::Entries;

/// Statements within a transaction, numbered from 1.
pub type CommandId = u32;

/// A write: `Some(value)` puts, `None` deletes.
pub type BufferedValue = Option<Vec<u8>>;

#[derive(Clone, Debug)]
struct Version {
    command: CommandId,
    value: BufferedValue,
}

/// The versions of one key: the newest, and the one before it from an earlier command.
#[derive(Clone, Debug)]
pub struct Versions {
    previous: Option<Version>,
    current: Version,
}

impl Versions {
    /// The version a reader at `command` sees: the newest written by an earlier command.
    fn visible_at(&self, command: CommandId) -> Option<&BufferedValue> {
        if self.current.command < command {
            return Some(&self.current.value);
        }
        match &self.previous {
            Some(p) if p.command < command => Some(&p.value),
            _ => None,
        }
    }

    fn size_bytes(&self) -> usize {
        let v = |v: &Version| v.value.as_ref().map_or(0, Vec::len) + 16;
        v(&self.current) + self.previous.as_ref().map_or(0, v)
    }
}

/// How a read sees the buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BufferView {
    /// As of the start of a command: writes of earlier commands only.
    AsOf(CommandId),
    /// Everything written so far, including the running command's own writes.
    Latest,
}

#[derive(Default, Debug)]
pub struct WriteBuffer {
    /// Per keyspace, keys in order: lookups borrow the key, nothing is allocated to read.
    keyspaces: BTreeMap<KeyspaceId, Entries<Versions>>,
    size_bytes: usize,
}

impl WriteBuffer {
    pub fn is_empty(&self) -> bool {
        self.keyspaces.values().all(Entries::is_empty)
    }

    /// Approximate memory held, for the per-transaction limit.
    pub fn size_bytes(&self) -> usize {
        self.size_bytes
    }

    pub fn write(
        &mut self,
        keyspace: KeyspaceId,
        key: &[u8],
        value: BufferedValue,
        command: CommandId,
    ) {
        let new = Version { command, value };
        let entries = self.keyspaces.entry(keyspace).or_default();
        match entries.get_mut(key) {
            Some(versions) => {
                self.size_bytes -= versions.size_bytes();
                if versions.current.command == command {
                    versions.current = new;
                } else {
                    debug_assert!(versions.current.command < command, "commands only grow");
                    let old = std::mem::replace(&mut versions.current, new);
                    versions.previous = Some(old);
                }
                self.size_bytes += versions.size_bytes();
            }
            None => {
                let versions = Versions {
                    previous: None,
                    current: new,
                };
                self.size_bytes += versions.size_bytes() + key.len() + 32;
                entries.insert_new(key, versions);
            }
        }
    }

    /// `None` if the buffer has nothing for the key in this view (read the engine);
    /// `Some(None)` if the transaction deleted it; `Some(Some(v))` if it wrote `v`.
    pub fn get(
        &self,
        keyspace: KeyspaceId,
        key: &[u8],
        view: BufferView,
    ) -> Option<&BufferedValue> {
        let versions = self.keyspaces.get(&keyspace)?.get(key)?;
        match view {
            BufferView::Latest => Some(&versions.current.value),
            BufferView::AsOf(command) => versions.visible_at(command),
        }
    }

    /// Up to `limit` entries of one keyspace within the range, in key order (or reverse), that
    /// are visible in the view. Used by scans, which read the buffer in chunks.
    pub fn range_chunk(
        &self,
        keyspace: KeyspaceId,
        lower: Bound<&[u8]>,
        upper: Bound<&[u8]>,
        reverse: bool,
        view: BufferView,
        limit: usize,
    ) -> Vec<(Vec<u8>, BufferedValue)> {
        let Some(entries) = self.keyspaces.get(&keyspace) else {
            return Vec::new();
        };
        if let (Bound::Included(l) | Bound::Excluded(l), Bound::Included(u) | Bound::Excluded(u)) =
            (lower, upper)
            && (l > u
                || (l == u
                    && !(matches!(lower, Bound::Included(_))
                        && matches!(upper, Bound::Included(_)))))
        {
            return Vec::new();
        }
        let visible = |(key, versions): (&Vec<u8>, &Versions)| {
            let value = match view {
                BufferView::Latest => Some(&versions.current.value),
                BufferView::AsOf(command) => versions.visible_at(command),
            }?;
            Some((key.clone(), value.clone()))
        };
        entries
            .range(lower, upper, reverse)
            .filter_map(visible)
            .take(limit)
            .collect()
    }

    /// The buffered state of a key (for a savepoint's undo log).
    pub fn entry(&self, keyspace: KeyspaceId, key: &[u8]) -> Option<Versions> {
        self.keyspaces.get(&keyspace)?.get(key).cloned()
    }

    /// Puts a key's buffered state back as it was (ROLLBACK TO SAVEPOINT).
    pub fn restore(&mut self, keyspace: KeyspaceId, key: Vec<u8>, state: Option<Versions>) {
        let key_len = key.len();
        let entries = self.keyspaces.entry(keyspace).or_default();
        match state {
            Some(versions) => {
                let added = versions.size_bytes();
                match entries.insert(&key, versions) {
                    Some(old) => self.size_bytes -= old.size_bytes(),
                    None => self.size_bytes += key_len + 32,
                }
                self.size_bytes += added;
            }
            None => {
                if let Some(old) = entries.remove(&key) {
                    self.size_bytes = self
                        .size_bytes
                        .saturating_sub(old.size_bytes() + key_len + 32);
                }
            }
        }
    }

    /// The newest value of every key, in order, for the commit batch.
    pub fn drain_latest(&mut self) -> impl Iterator<Item = (KeyspaceId, Vec<u8>, BufferedValue)> {
        self.size_bytes = 0;
        std::mem::take(&mut self.keyspaces)
            .into_iter()
            .flat_map(|(ks, entries)| {
                entries
                    .into_sorted()
                    .map(move |(key, v)| (ks, key, v.current.value))
            })
    }

    /// Whether any key of the keyspace was written (used to skip buffer merges on scans).
    pub fn touches(&self, keyspace: KeyspaceId) -> bool {
        self.keyspaces
            .get(&keyspace)
            .is_some_and(|entries| !entries.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KS: KeyspaceId = KeyspaceId(3);

    #[test]
    fn a_command_does_not_see_its_own_writes() {
        let mut buf = WriteBuffer::default();
        buf.write(KS, b"a", Some(b"1".to_vec()), 1);
        assert_eq!(buf.get(KS, b"a", BufferView::AsOf(1)), None);
        assert_eq!(
            buf.get(KS, b"a", BufferView::AsOf(2)),
            Some(&Some(b"1".to_vec()))
        );
        buf.write(KS, b"a", Some(b"2".to_vec()), 2);
        assert_eq!(
            buf.get(KS, b"a", BufferView::AsOf(2)),
            Some(&Some(b"1".to_vec()))
        );
        assert_eq!(
            buf.get(KS, b"a", BufferView::Latest),
            Some(&Some(b"2".to_vec()))
        );
        buf.write(KS, b"a", None, 3);
        assert_eq!(
            buf.get(KS, b"a", BufferView::AsOf(3)),
            Some(&Some(b"2".to_vec()))
        );
        assert_eq!(buf.get(KS, b"a", BufferView::AsOf(4)), Some(&None));
    }

    #[test]
    fn range_chunks_respect_keyspace_bounds_and_direction() {
        let mut buf = WriteBuffer::default();
        for k in [b"a", b"b", b"c"] {
            buf.write(KS, k, Some(k.to_vec()), 1);
        }
        buf.write(KeyspaceId(4), b"a", Some(vec![]), 1);
        let all = buf.range_chunk(
            KS,
            Bound::Unbounded,
            Bound::Unbounded,
            false,
            BufferView::Latest,
            10,
        );
        assert_eq!(all.len(), 3);
        let rev = buf.range_chunk(
            KS,
            Bound::Excluded(b"a".as_slice()),
            Bound::Unbounded,
            true,
            BufferView::Latest,
            1,
        );
        assert_eq!(rev, vec![(b"c".to_vec(), Some(b"c".to_vec()))]);
        assert!(buf.touches(KS));
        assert!(!buf.touches(KeyspaceId(5)));
    }
}
