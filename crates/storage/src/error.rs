//! The engine's error type: one typed enum whose variants carry the facts needed to act on a
//! failure (which file, which offset, which operation), in the style of redb.
//!
//! Errors are `Clone` (I/O errors are wrapped in `Arc`) because a failure that poisons the engine
//! is handed to every later writer as the cause of [`Error::ReadOnly`].

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use crate::KeyspaceId;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the storage engine.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An operating-system call failed.
    #[error("I/O error during {op} on {}: {source}", path.display())]
    Io {
        /// What the engine was doing (`"append"`, `"fsync"`, `"rename"`, ...).
        op: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: Arc<io::Error>,
    },
    /// A checksummed unit (WAL record, SST block, manifest record) did not match its checksum.
    #[error(
        "checksum mismatch in {} at offset {offset}: expected {expected:#010x}, computed {actual:#010x}",
        file.display()
    )]
    ChecksumMismatch {
        /// The file holding the damaged unit.
        file: PathBuf,
        /// Byte offset of the unit in the file.
        offset: u64,
        /// The checksum stored in the file.
        expected: u32,
        /// The checksum computed over the bytes read.
        actual: u32,
    },
    /// A file's structure is invalid (bad magic, impossible length, out-of-order keys, ...).
    #[error("corruption in {} at offset {offset}: {reason}", file.display())]
    Corruption {
        /// The damaged file.
        file: PathBuf,
        /// Byte offset where the damage was found.
        offset: u64,
        /// What was wrong.
        reason: String,
    },
    /// A file was written by a newer (or unknown) format version.
    #[error("{} has format version {found}; this build reads version {supported}", file.display())]
    UnsupportedVersion {
        /// The file.
        file: PathBuf,
        /// The version byte found.
        found: u8,
        /// The version this build understands.
        supported: u8,
    },
    /// An earlier failed write, fsync, flush or manifest update made the engine read-only.
    /// Reads keep working; every write returns this error carrying the original failure.
    #[error("engine is read-only since an earlier failure: {cause}")]
    ReadOnly {
        /// The failure that poisoned the engine.
        cause: Arc<Error>,
    },
    /// Another open engine (in this or another process) holds the data directory's lock.
    #[error("data directory {} is locked by another open engine", dir.display())]
    Locked {
        /// The data directory.
        dir: PathBuf,
    },
    /// `create_keyspace` with a name that is already in use.
    #[error("keyspace {name:?} already exists")]
    KeyspaceExists {
        /// The name asked for.
        name: String,
    },
    /// The keyspace does not exist (never created, or dropped).
    #[error("keyspace {} not found", id.0)]
    KeyspaceNotFound {
        /// The id used.
        id: KeyspaceId,
    },
    /// A key, value, batch or name is larger than the engine accepts.
    #[error("{what} is {actual_bytes} bytes, over the limit of {limit_bytes} bytes")]
    LimitExceeded {
        /// What was too large (`"key"`, `"value"`, `"write batch"`, ...).
        what: &'static str,
        /// The limit.
        limit_bytes: u64,
        /// The size given.
        actual_bytes: u64,
    },
    /// A caller passed something the engine cannot work with.
    #[error("invalid argument: {reason}")]
    InvalidArgument {
        /// Why it was refused.
        reason: String,
    },
    /// Ingestion found a key that already has a value (or that two ingested files share).
    #[error("key already present in keyspace {}", keyspace.0)]
    DuplicateKey {
        /// The keyspace.
        keyspace: KeyspaceId,
        /// The key.
        key: Vec<u8>,
        /// The value already stored under it (or one of the ingested values).
        value: Vec<u8>,
    },
    /// `restore_snapshot` into a directory that already holds files.
    #[error("restore destination {} is not empty", dir.display())]
    DestinationNotEmpty {
        /// The destination directory.
        dir: PathBuf,
    },
    /// The engine was closed; this handle can no longer write.
    #[error("engine is closed")]
    Closed,
}

impl Error {
    /// Wraps an `io::Error` with the operation and path it concerns.
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Error {
        Error::Io {
            op,
            path: path.into(),
            source: Arc::new(source),
        }
    }

    /// Builds a [`Error::Corruption`].
    pub(crate) fn corruption(
        file: impl Into<PathBuf>,
        offset: u64,
        reason: impl Into<String>,
    ) -> Error {
        Error::Corruption {
            file: file.into(),
            offset,
            reason: reason.into(),
        }
    }

    /// True for errors that mean stored data is damaged (as opposed to I/O or usage errors).
    pub fn is_corruption(&self) -> bool {
        matches!(
            self,
            Error::ChecksumMismatch { .. }
                | Error::Corruption { .. }
                | Error::UnsupportedVersion { .. }
        )
    }
}

/// Adds path and operation context to `io::Result`s.
pub(crate) trait IoContext<T> {
    fn ctx(self, op: &'static str, path: &std::path::Path) -> Result<T>;
}

impl<T> IoContext<T> for io::Result<T> {
    fn ctx(self, op: &'static str, path: &std::path::Path) -> Result<T> {
        self.map_err(|e| Error::io(op, path, e))
    }
}
