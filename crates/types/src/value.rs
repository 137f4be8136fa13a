//! A SQL value in memory. The variant fixes the physical representation; the [`DataType`] that
//! travels beside a value (in a schema or a bound expression) carries the modifiers.
//!
//! Date and time values count from PostgreSQL's epoch, 2000-01-01, so that their binary wire
//! format is a plain copy.

use std::sync::Arc;

use crate::array::Array;
use crate::datatype::DataType;
use crate::datetime::Interval;
use crate::datetime::timetz::TimeTz;
use crate::numeric::Numeric;

#[derive(Clone, Debug)]
pub enum Value {
    Null,
    Bool(bool),
    Int2(i16),
    Int4(i32),
    Int8(i64),
    Float4(f32),
    Float8(f64),
    Numeric(Numeric),
    /// `text`, `varchar`, `bpchar` and `name` (bpchar values keep their padding).
    Text(String),
    Bytea(Vec<u8>),
    /// Days since 2000-01-01; `i32::MIN` and `i32::MAX` are `-infinity` and `infinity`.
    Date(i32),
    /// Microseconds since midnight.
    Time(i64),
    /// `time with time zone`.
    Timetz(TimeTz),
    /// Microseconds since 2000-01-01 00:00:00; `i64::MIN` and `i64::MAX` are the infinities.
    Timestamp(i64),
    /// Microseconds since 2000-01-01 00:00:00 UTC; the infinities as for `Timestamp`.
    Timestamptz(i64),
    Interval(Interval),
    Uuid([u8; 16]),
    /// `json`: the input text, kept as given after validation.
    Json(String),
    /// `jsonb`: the canonical text PostgreSQL's jsonb output produces (keys ordered and
    /// de-duplicated), so equal documents have equal text.
    Jsonb(String),
    Oid(u32),
    /// A value of an object-identifier alias type (`regclass`, `regtype`, ...): the oid and,
    /// when the catalog was consulted while making it, the name it prints as. Without a name
    /// it prints as the number, as PostgreSQL prints an oid naming no object.
    Reg(u32, Option<Arc<str>>),
    Array(Box<Array>),
    /// A row value: its fields in order (the type carries their types).
    Record(Vec<Value>),
}

impl Value {
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The natural type of the value, without modifiers; `None` for NULL.
    pub fn data_type(&self) -> Option<DataType> {
        Some(match self {
            Value::Null => return None,
            Value::Bool(_) => DataType::Bool,
            Value::Int2(_) => DataType::Int2,
            Value::Int4(_) => DataType::Int4,
            Value::Int8(_) => DataType::Int8,
            Value::Float4(_) => DataType::Float4,
            Value::Float8(_) => DataType::Float8,
            Value::Numeric(_) => DataType::Numeric(None),
            Value::Text(_) => DataType::Text,
            Value::Bytea(_) => DataType::Bytea,
            Value::Date(_) => DataType::Date,
            Value::Time(_) => DataType::Time,
            Value::Timetz(_) => DataType::Timetz,
            Value::Timestamp(_) => DataType::Timestamp,
            Value::Timestamptz(_) => DataType::Timestamptz,
            Value::Interval(_) => DataType::Interval,
            Value::Uuid(_) => DataType::Uuid,
            Value::Json(_) => DataType::Json,
            Value::Jsonb(_) => DataType::Jsonb,
            Value::Oid(_) => DataType::Oid,
            // The kind is not kept in the value; the expression's type carries it.
            Value::Reg(..) => DataType::Oid,
            Value::Array(a) => DataType::Array(Box::new(a.element_type.clone())),
            Value::Record(fields) => DataType::Record(
                fields
                    .iter()
                    .map(|f| f.data_type().unwrap_or(DataType::Text))
                    .collect(),
            ),
        })
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The value of any integer variant widened to i64.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int2(v) => Some(i64::from(*v)),
            Value::Int4(v) => Some(i64::from(*v)),
            Value::Int8(v) => Some(*v),
            Value::Oid(v) | Value::Reg(v, _) => Some(i64::from(*v)),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Text(s) | Value::Json(s) | Value::Jsonb(s) => Some(s),
            _ => None,
        }
    }

    /// An estimate of the memory the value holds, for memory budgets of sorts and hashes.
    pub fn size_bytes(&self) -> usize {
        std::mem::size_of::<Value>()
            + match self {
                Value::Text(s) | Value::Json(s) | Value::Jsonb(s) => s.capacity(),
                Value::Bytea(b) => b.capacity(),
                Value::Numeric(n) => n.heap_size_bytes(),
                Value::Array(a) => a.elements.iter().map(Value::size_bytes).sum::<usize>() + 64,
                Value::Record(fields) => fields.iter().map(Value::size_bytes).sum::<usize>(),
                _ => 0,
            }
    }
}

/// A row of values in column order.
pub type Row = Vec<Value>;
