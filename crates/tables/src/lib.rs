//! EmbedDB's tables on the storage engine: the durable catalog, the encoding of rows and index
//! entries as engine keys and values, sequences, and transactions with PostgreSQL's isolation
//! behaviour (snapshots, buffered writes, row locks). Knows nothing of SQL text.

pub mod bulk;
pub mod catalog;
pub mod codec;
pub mod dml;
pub mod error;
pub mod index_build;
pub mod locks;
pub mod sequence;
pub mod store;
pub mod txn;
pub mod write_buffer;

pub use bulk::BulkLoad;
pub use catalog::{Catalog, ColumnDef, IndexDef, Oid, TableDef};
pub use dml::{Conflict, InsertOutcome, LockedRow, TableKeyspaces};
pub use locks::{Interrupt, LockMode, LockTarget, NoInterrupt, TxnId};
pub use store::{Store, StoreOptions};
pub use txn::{IsolationLevel, LatestVersion, MergedScan, ReadView, Transaction};
