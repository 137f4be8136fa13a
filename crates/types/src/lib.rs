//! EmbedDB's SQL values and types: what a value is, how PostgreSQL spells it in text and in
//! binary, how it casts and compares, and how it is encoded for storage (row bytes and
//! order-preserving key bytes). Every layer above the storage engine shares these.
//!
//! Map of the crate:
//! * [`datatype`], [`value`], [`error`]: the type, the value, the error.
//! * [`numeric`], [`float`], [`datetime`], [`json`], [`array`]: the individual types.
//! * [`text`] ([`format_text`], [`parse_text`]) and [`binary`] ([`encode_binary`],
//!   [`decode_binary`]): PostgreSQL's wire formats; [`context::FormatContext`] carries the
//!   session settings they need.
//! * [`cast`]: casts and coercion contexts. [`ops`]: operator resolution and evaluation.
//! * [`compare`]: `Eq`/`Ord`/`Hash` for `Value`.
//! * [`keycodec`] and [`rowcodec`]: storage encodings.

pub mod array;
pub mod binary;
pub mod cast;
pub mod compare;
pub mod context;
pub mod datatype;
pub mod datetime;
pub mod error;
pub mod float;
pub mod json;
pub mod keycodec;
pub mod numeric;
pub mod numfmt;
pub mod ops;
pub mod rowcodec;
pub mod text;
pub mod typename;
pub mod value;

pub use array::{Array, ArrayDim};
pub use binary::{decode_binary, decode_record, encode_binary};
pub use cast::{CastContext, cast, cast_assignment, cast_context, cast_in_context};
pub use context::{DateOrder, FormatContext};
pub use datatype::{DataType, NumericTypmod, RegKind, TypeCategory};
pub use datetime::{Interval, TimeZone};
pub use error::{Severity, SqlError, SqlResult, SqlState};
pub use numeric::Numeric;
pub use ops::{
    BinaryOp, CandidateError, OperatorSig, UnaryOp, UnarySig, common_type, eval_binary, eval_unary,
    resolve_binary, resolve_unary, select_function_candidate,
};
pub use text::{format_text, format_text_into, parse_text, write_text};
pub use typename::parse_type_name;
pub use value::{Row, Value};
