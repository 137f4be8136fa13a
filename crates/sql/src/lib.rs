//! EmbedDB's SQL layer: sessions, and the path of a statement from text to rows —
//! parse (sqlparser) → bind (names, types) → logical plan → optimize → streaming operators.

pub mod binder;
pub mod catalog_views;
pub mod copy;
mod ddl;
mod ddl_alter;
mod ddl_index;
pub mod dialect;
pub mod exec;
pub mod explain;
pub mod expr;
pub mod functions;
mod keywords;
mod like;
mod maintenance;
pub mod optimizer;
pub mod parser;
mod parser_frame;
mod parser_insert;
mod parser_maintenance;
mod parser_subscript;
pub mod plan;
mod plan_walk;
pub mod result;
pub mod session;
pub mod settings;
mod statement;
mod utility;
pub mod wire_support;

pub use copy::CopyFormat;
pub use functions::scalar_version_text;
pub use plan::Field;
pub use result::{Notice, QueryResult, Tag};
pub use session::{
    CancelHandle, Database, DatabaseOptions, Executed, Prepared, Session, TransactionStatus,
};
pub use settings::Settings;
