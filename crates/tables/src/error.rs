//! How storage failures look to a SQL client.

use embeddb_types::{SqlError, SqlState};

/// Maps an engine error to a SQL error a client can act on. Corruption is `XX001` (data
/// corrupted), a poisoned (read-only) engine or an I/O failure is `58030` (io_error), a second
/// server on the same directory is `55006`-like `object in use`, reported as `55000`.
pub fn storage_error(err: embeddb_storage::Error) -> SqlError {
    use embeddb_storage::Error as E;
    let code = match &err {
        E::ChecksumMismatch { .. } | E::Corruption { .. } => SqlState::DATA_CORRUPTED,
        E::Locked { .. } => SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
        E::ReadOnly { .. } | E::Io { .. } => SqlState::IO_ERROR,
        _ => SqlState::INTERNAL_ERROR,
    };
    SqlError::new(code, err.to_string())
}
