//! EmbedDB's SQL values and types: what a value is, how PostgreSQL spells it in text and in
//! binary, how it casts and compares, and how it is encoded for storage (row bytes and
//! order-preserving key bytes). Every layer above the storage engine shares these.

pub mod array;
pub mod datatype;
pub mod datetime;
pub mod error;
pub mod numeric;
pub mod value;

pub use datatype::{DataType, NumericTypmod, TypeCategory};
pub use error::{Severity, SqlError, SqlResult, SqlState};
pub use value::{Row, Value};
