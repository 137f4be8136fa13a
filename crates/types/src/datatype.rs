//! SQL data types as EmbedDB knows them: the PostgreSQL type each one is, its OID and type
//! modifier on the wire, and its name as `format_type` prints it.

use std::fmt;

/// The precision and scale of `numeric(p, s)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct NumericTypmod {
    pub precision: u16,
    pub scale: i16,
}

/// A SQL type, with its type modifier where it has one.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum DataType {
    Bool,
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    Numeric(Option<NumericTypmod>),
    Text,
    /// `character varying(n)`; `None` is unbounded.
    Varchar(Option<u32>),
    /// `character(n)` (blank-padded); `None` only appears as the bare `bpchar` type.
    Bpchar(Option<u32>),
    /// PostgreSQL's 63-byte identifier type, used by the catalog views.
    Name,
    Bytea,
    Date,
    Time,
    /// `time with time zone`.
    Timetz,
    Timestamp,
    Timestamptz,
    Interval,
    Uuid,
    Json,
    Jsonb,
    Oid,
    /// The object-identifier alias types (`regclass`, `regtype`, ...): an oid that prints
    /// and reads as the name of the object it identifies.
    Reg(RegKind),
    /// PostgreSQL's one-byte `"char"` (catalog codes such as `pg_class.relkind`).
    Char,
    /// `int2vector` / `oidvector`: zero-based vectors of int2 / oid printed space-separated
    /// (`pg_index.indkey`, `pg_proc.proargtypes`); held as arrays with lower bound 0.
    Int2Vector,
    OidVector,
    /// `pg_node_tree`: a stored expression (`pg_attrdef.adbin`); EmbedDB keeps its SQL text.
    PgNodeTree,
    /// An anonymous row value (`ROW(1, 'x')`, `(a, b)`): PostgreSQL's `record`, with the
    /// types of its fields.
    Record(Vec<DataType>),
    /// A one-dimensional or multi-dimensional array of the element type.
    Array(Box<DataType>),
    /// The type of an untyped literal or parameter until context decides it.
    Unknown,
}

/// Which catalog an object-identifier alias type names objects of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum RegKind {
    Class,
    Type,
    Proc,
    Procedure,
    Namespace,
    Role,
    Oper,
}

impl RegKind {
    pub const ALL: [RegKind; 7] = [
        RegKind::Class,
        RegKind::Type,
        RegKind::Proc,
        RegKind::Procedure,
        RegKind::Namespace,
        RegKind::Role,
        RegKind::Oper,
    ];

    /// `pg_type.typname` of the alias type.
    pub fn type_name(self) -> &'static str {
        match self {
            RegKind::Class => "regclass",
            RegKind::Type => "regtype",
            RegKind::Proc => "regproc",
            RegKind::Procedure => "regprocedure",
            RegKind::Namespace => "regnamespace",
            RegKind::Role => "regrole",
            RegKind::Oper => "regoper",
        }
    }

    pub fn oid(self) -> u32 {
        match self {
            RegKind::Class => 2205,
            RegKind::Type => 2206,
            RegKind::Proc => 24,
            RegKind::Procedure => 2202,
            RegKind::Namespace => 4089,
            RegKind::Role => 4096,
            RegKind::Oper => 2203,
        }
    }

    pub fn array_oid(self) -> u32 {
        match self {
            RegKind::Class => 2210,
            RegKind::Type => 2211,
            RegKind::Proc => 1008,
            RegKind::Procedure => 2207,
            RegKind::Namespace => 4090,
            RegKind::Role => 4097,
            RegKind::Oper => 2208,
        }
    }

    pub fn from_name(name: &str) -> Option<RegKind> {
        RegKind::ALL.into_iter().find(|k| k.type_name() == name)
    }
}

/// PostgreSQL's type categories (`pg_type.typcategory`), which drive implicit coercion.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeCategory {
    Boolean,
    Numeric,
    String,
    DateTime,
    Timespan,
    UserDefined,
    Array,
    Unknown,
    BitString,
    Geometric,
    Network,
}

impl DataType {
    /// The type's OID in `pg_type`.
    pub fn oid(&self) -> u32 {
        match self {
            DataType::Bool => 16,
            DataType::Bytea => 17,
            DataType::Name => 19,
            DataType::Int8 => 20,
            DataType::Int2 => 21,
            DataType::Int4 => 23,
            DataType::Text => 25,
            DataType::Oid => 26,
            DataType::Reg(k) => k.oid(),
            DataType::Char => 18,
            DataType::Int2Vector => 22,
            DataType::OidVector => 30,
            DataType::PgNodeTree => 194,
            DataType::Json => 114,
            DataType::Float4 => 700,
            DataType::Float8 => 701,
            DataType::Unknown => 705,
            DataType::Bpchar(_) => 1042,
            DataType::Varchar(_) => 1043,
            DataType::Date => 1082,
            DataType::Time => 1083,
            DataType::Timetz => 1266,
            DataType::Timestamp => 1114,
            DataType::Timestamptz => 1184,
            DataType::Interval => 1186,
            DataType::Numeric(_) => 1700,
            DataType::Uuid => 2950,
            DataType::Jsonb => 3802,
            DataType::Record(_) => 2249,
            DataType::Array(elem) => elem.array_oid(),
        }
    }

    /// The OID of the array type whose elements are this type (`pg_type.typarray`).
    pub fn array_oid(&self) -> u32 {
        match self {
            DataType::Bool => 1000,
            DataType::Bytea => 1001,
            DataType::Name => 1003,
            DataType::Int2 => 1005,
            DataType::Int4 => 1007,
            DataType::Text => 1009,
            DataType::Bpchar(_) => 1014,
            DataType::Varchar(_) => 1015,
            DataType::Int8 => 1016,
            DataType::Float4 => 1021,
            DataType::Float8 => 1022,
            DataType::Oid => 1028,
            DataType::Reg(k) => k.array_oid(),
            DataType::Char => 1002,
            DataType::Int2Vector => 1006,
            DataType::OidVector => 1013,
            // pg_node_tree has no array type.
            DataType::PgNodeTree => 0,
            DataType::Timestamp => 1115,
            DataType::Date => 1182,
            DataType::Time => 1183,
            DataType::Timetz => 1270,
            DataType::Timestamptz => 1185,
            DataType::Interval => 1187,
            DataType::Numeric(_) => 1231,
            DataType::Uuid => 2951,
            DataType::Json => 199,
            DataType::Jsonb => 3807,
            DataType::Record(_) => 2287,
            // PostgreSQL has no arrays of arrays (a multi-dimensional array has the element's
            // array type), and no array of unknown.
            DataType::Array(elem) => elem.array_oid(),
            DataType::Unknown => 0,
        }
    }

    /// The type for an OID with a type modifier, as a client names types in Parse or a
    /// catalog row stores them.
    pub fn from_oid(oid: u32, typmod: i32) -> Option<DataType> {
        let scalar = |oid: u32| -> Option<DataType> {
            Some(match oid {
                16 => DataType::Bool,
                17 => DataType::Bytea,
                19 => DataType::Name,
                20 => DataType::Int8,
                21 => DataType::Int2,
                23 => DataType::Int4,
                25 => DataType::Text,
                26 => DataType::Oid,
                18 => DataType::Char,
                22 => DataType::Int2Vector,
                30 => DataType::OidVector,
                194 => DataType::PgNodeTree,
                114 => DataType::Json,
                700 => DataType::Float4,
                701 => DataType::Float8,
                705 => DataType::Unknown,
                1042 => DataType::Bpchar(varchar_len_from_typmod(typmod)),
                1043 => DataType::Varchar(varchar_len_from_typmod(typmod)),
                1082 => DataType::Date,
                1083 => DataType::Time,
                1266 => DataType::Timetz,
                1114 => DataType::Timestamp,
                1184 => DataType::Timestamptz,
                1186 => DataType::Interval,
                1700 => DataType::Numeric(numeric_typmod_from_i32(typmod)),
                2950 => DataType::Uuid,
                3802 => DataType::Jsonb,
                other => DataType::Reg(RegKind::ALL.into_iter().find(|k| k.oid() == other)?),
            })
        };
        if let Some(t) = scalar(oid) {
            return Some(t);
        }
        let elem = match oid {
            1000 => DataType::Bool,
            1001 => DataType::Bytea,
            1003 => DataType::Name,
            1005 => DataType::Int2,
            1007 => DataType::Int4,
            1009 => DataType::Text,
            1014 => DataType::Bpchar(None),
            1015 => DataType::Varchar(None),
            1016 => DataType::Int8,
            1021 => DataType::Float4,
            1022 => DataType::Float8,
            1028 => DataType::Oid,
            1115 => DataType::Timestamp,
            1182 => DataType::Date,
            1183 => DataType::Time,
            1270 => DataType::Timetz,
            1185 => DataType::Timestamptz,
            1187 => DataType::Interval,
            1231 => DataType::Numeric(None),
            2951 => DataType::Uuid,
            199 => DataType::Json,
            3807 => DataType::Jsonb,
            1002 => DataType::Char,
            1006 => DataType::Int2Vector,
            1013 => DataType::OidVector,
            other => DataType::Reg(RegKind::ALL.into_iter().find(|k| k.array_oid() == other)?),
        };
        Some(DataType::Array(Box::new(elem)))
    }

    /// The type modifier as `pg_attribute.atttypmod` and RowDescription carry it; -1 for none.
    pub fn typmod(&self) -> i32 {
        // PostgreSQL adds VARHDRSZ (4) to length and precision/scale modifiers.
        match self {
            DataType::Varchar(Some(n)) | DataType::Bpchar(Some(n)) => *n as i32 + 4,
            DataType::Numeric(Some(m)) => {
                ((i32::from(m.precision) << 16) | (i32::from(m.scale) & 0x7ff)) + 4
            }
            DataType::Array(elem) => elem.typmod(),
            _ => -1,
        }
    }

    /// `pg_type.typlen`: the fixed size in bytes, or -1 for variable-length types.
    pub fn type_len(&self) -> i16 {
        match self {
            DataType::Bool => 1,
            DataType::Int2 => 2,
            DataType::Int4
            | DataType::Float4
            | DataType::Date
            | DataType::Oid
            | DataType::Reg(_) => 4,
            DataType::Char => 1,
            DataType::Int8
            | DataType::Float8
            | DataType::Time
            | DataType::Timestamp
            | DataType::Timestamptz => 8,
            DataType::Timetz => 12,
            DataType::Interval | DataType::Uuid => 16,
            DataType::Name => 64,
            DataType::Unknown => -2,
            _ => -1,
        }
    }

    pub fn category(&self) -> TypeCategory {
        match self {
            DataType::Bool => TypeCategory::Boolean,
            DataType::Int2
            | DataType::Int4
            | DataType::Int8
            | DataType::Float4
            | DataType::Float8
            | DataType::Numeric(_)
            | DataType::Oid
            | DataType::Reg(_) => TypeCategory::Numeric,
            // PostgreSQL files "char" and pg_node_tree under the internal category 'Z'; EmbedDB
            // treats them as strings, which gives them the implicit casts to text they have.
            DataType::Text
            | DataType::Varchar(_)
            | DataType::Bpchar(_)
            | DataType::Name
            | DataType::Char
            | DataType::PgNodeTree => TypeCategory::String,
            DataType::Int2Vector | DataType::OidVector => TypeCategory::Array,
            DataType::Date
            | DataType::Time
            | DataType::Timetz
            | DataType::Timestamp
            | DataType::Timestamptz => TypeCategory::DateTime,
            DataType::Interval => TypeCategory::Timespan,
            DataType::Array(_) => TypeCategory::Array,
            DataType::Unknown => TypeCategory::Unknown,
            DataType::Bytea
            | DataType::Uuid
            | DataType::Json
            | DataType::Jsonb
            | DataType::Record(_) => TypeCategory::UserDefined,
        }
    }

    /// `pg_type.typispreferred`: the type an ambiguous coercion within a category picks.
    pub fn is_preferred(&self) -> bool {
        matches!(
            self,
            DataType::Bool
                | DataType::Float8
                | DataType::Text
                | DataType::Timestamptz
                | DataType::Interval
                | DataType::Oid
        )
    }

    /// `pg_type.typname`: `int4`, `varchar`, `_int4` for `integer[]`.
    pub fn type_name(&self) -> String {
        let base = match self {
            DataType::Bool => "bool",
            DataType::Int2 => "int2",
            DataType::Int4 => "int4",
            DataType::Int8 => "int8",
            DataType::Float4 => "float4",
            DataType::Float8 => "float8",
            DataType::Numeric(_) => "numeric",
            DataType::Text => "text",
            DataType::Varchar(_) => "varchar",
            DataType::Bpchar(_) => "bpchar",
            DataType::Name => "name",
            DataType::Bytea => "bytea",
            DataType::Date => "date",
            DataType::Time => "time",
            DataType::Timetz => "timetz",
            DataType::Timestamp => "timestamp",
            DataType::Timestamptz => "timestamptz",
            DataType::Interval => "interval",
            DataType::Uuid => "uuid",
            DataType::Json => "json",
            DataType::Jsonb => "jsonb",
            DataType::Oid => "oid",
            DataType::Reg(k) => k.type_name(),
            DataType::Char => "char",
            DataType::Int2Vector => "int2vector",
            DataType::OidVector => "oidvector",
            DataType::PgNodeTree => "pg_node_tree",
            DataType::Unknown => "unknown",
            DataType::Record(_) => "record",
            DataType::Array(elem) => return format!("_{}", elem.type_name()),
        };
        base.to_string()
    }

    /// The element type if this is an array.
    pub fn element_type(&self) -> Option<&DataType> {
        match self {
            DataType::Array(elem) => Some(elem),
            _ => None,
        }
    }

    /// The same type with its modifier removed (`varchar(10)` → `varchar`), as expression
    /// results and function arguments carry it.
    pub fn without_typmod(&self) -> DataType {
        match self {
            DataType::Varchar(_) => DataType::Varchar(None),
            DataType::Bpchar(_) => DataType::Bpchar(None),
            DataType::Numeric(_) => DataType::Numeric(None),
            DataType::Array(elem) => DataType::Array(Box::new(elem.without_typmod())),
            other => other.clone(),
        }
    }

    /// The element type of `int2vector` / `oidvector`.
    pub fn vector_element(&self) -> Option<DataType> {
        match self {
            DataType::Int2Vector => Some(DataType::Int2),
            DataType::OidVector => Some(DataType::Oid),
            _ => None,
        }
    }

    /// True for the text-like types whose values are `Value::Text`.
    pub fn is_string(&self) -> bool {
        self.category() == TypeCategory::String
    }

    pub fn is_integer(&self) -> bool {
        matches!(self, DataType::Int2 | DataType::Int4 | DataType::Int8)
    }
}

fn varchar_len_from_typmod(typmod: i32) -> Option<u32> {
    if typmod >= 4 {
        Some((typmod - 4) as u32)
    } else {
        None
    }
}

fn numeric_typmod_from_i32(typmod: i32) -> Option<NumericTypmod> {
    if typmod < 4 {
        return None;
    }
    let raw = typmod - 4;
    let precision = ((raw >> 16) & 0xffff) as u16;
    // The scale is stored in 11 bits and may be negative (PostgreSQL 15 allows -1000..1000).
    let scale_bits = raw & 0x7ff;
    let scale = if scale_bits & 0x400 != 0 {
        (scale_bits | !0x7ff) as i16
    } else {
        scale_bits as i16
    };
    Some(NumericTypmod { precision, scale })
}

impl fmt::Display for DataType {
    /// The name as PostgreSQL's `format_type` prints it (used in error messages and catalogs).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataType::Bool => f.write_str("boolean"),
            DataType::Int2 => f.write_str("smallint"),
            DataType::Int4 => f.write_str("integer"),
            DataType::Int8 => f.write_str("bigint"),
            DataType::Float4 => f.write_str("real"),
            DataType::Float8 => f.write_str("double precision"),
            DataType::Numeric(None) => f.write_str("numeric"),
            DataType::Numeric(Some(m)) => write!(f, "numeric({},{})", m.precision, m.scale),
            DataType::Text => f.write_str("text"),
            DataType::Varchar(None) => f.write_str("character varying"),
            DataType::Varchar(Some(n)) => write!(f, "character varying({n})"),
            DataType::Bpchar(None) => f.write_str("character"),
            DataType::Bpchar(Some(n)) => write!(f, "character({n})"),
            DataType::Name => f.write_str("name"),
            DataType::Bytea => f.write_str("bytea"),
            DataType::Date => f.write_str("date"),
            DataType::Time => f.write_str("time without time zone"),
            DataType::Timetz => f.write_str("time with time zone"),
            DataType::Timestamp => f.write_str("timestamp without time zone"),
            DataType::Timestamptz => f.write_str("timestamp with time zone"),
            DataType::Interval => f.write_str("interval"),
            DataType::Uuid => f.write_str("uuid"),
            DataType::Json => f.write_str("json"),
            DataType::Jsonb => f.write_str("jsonb"),
            DataType::Oid => f.write_str("oid"),
            DataType::Reg(k) => f.write_str(k.type_name()),
            DataType::Char => f.write_str("\"char\""),
            DataType::Int2Vector => f.write_str("int2vector"),
            DataType::OidVector => f.write_str("oidvector"),
            DataType::PgNodeTree => f.write_str("pg_node_tree"),
            DataType::Array(elem) => write!(f, "{elem}[]"),
            DataType::Record(_) => f.write_str("record"),
            DataType::Unknown => f.write_str("unknown"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typmod_round_trips_through_oid() {
        let types = [
            DataType::Varchar(Some(10)),
            DataType::Bpchar(Some(3)),
            DataType::Numeric(Some(NumericTypmod {
                precision: 10,
                scale: 2,
            })),
            DataType::Numeric(Some(NumericTypmod {
                precision: 5,
                scale: -3,
            })),
            DataType::Numeric(None),
            DataType::Array(Box::new(DataType::Int4)),
            DataType::Timestamptz,
        ];
        for t in types {
            assert_eq!(
                DataType::from_oid(t.oid(), t.typmod()),
                Some(t.clone()),
                "{t}"
            );
        }
    }

    #[test]
    fn names_match_format_type() {
        assert_eq!(
            DataType::Varchar(Some(20)).to_string(),
            "character varying(20)"
        );
        assert_eq!(
            DataType::Array(Box::new(DataType::Int4)).to_string(),
            "integer[]"
        );
        assert_eq!(
            DataType::Timestamptz.to_string(),
            "timestamp with time zone"
        );
    }
}
