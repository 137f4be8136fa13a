//! SQL type names (as sqlparser parses them) to EmbedDB types, with PostgreSQL's spellings,
//! aliases and modifier rules.

use sqlparser::ast::{self, ArrayElemTypeDef, CharacterLength, ExactNumberInfo, TimezoneInfo};

use embeddb_types::{DataType, NumericTypmod, SqlError, SqlResult, SqlState};

/// PostgreSQL's numeric precision limit.
const NUMERIC_MAX_PRECISION: u64 = 1000;
/// PostgreSQL's limit on varchar(n)/char(n): 10485760.
const MAX_CHAR_LENGTH: u64 = 10_485_760;

/// A serial pseudo-type in a column definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Serial {
    Small,
    Regular,
    Big,
}

impl Serial {
    pub fn data_type(self) -> DataType {
        match self {
            Serial::Small => DataType::Int2,
            Serial::Regular => DataType::Int4,
            Serial::Big => DataType::Int8,
        }
    }

    pub fn max_value(self) -> i64 {
        match self {
            Serial::Small => i64::from(i16::MAX),
            Serial::Regular => i64::from(i32::MAX),
            Serial::Big => i64::MAX,
        }
    }
}

/// A column type: a type, or a serial pseudo-type (only valid in CREATE TABLE / ADD COLUMN).
pub fn column_type(ty: &ast::DataType) -> SqlResult<(DataType, Option<Serial>)> {
    if let ast::DataType::Custom(name, modifiers) = ty
        && modifiers.is_empty()
        && name.0.len() == 1
    {
        let n = object_name_last(name).to_ascii_lowercase();
        let serial = match n.as_str() {
            "smallserial" | "serial2" => Some(Serial::Small),
            "serial" | "serial4" => Some(Serial::Regular),
            "bigserial" | "serial8" => Some(Serial::Big),
            _ => None,
        };
        if let Some(s) = serial {
            return Ok((s.data_type(), Some(s)));
        }
    }
    Ok((data_type(ty)?, None))
}

/// The type of a table column being defined: a column type, which PostgreSQL refuses to be
/// the pseudo-type `record` (or an array of it).
pub fn table_column_type(column: &ast::ColumnDef) -> SqlResult<(DataType, Option<Serial>)> {
    let (ty, serial) = column_type(&column.data_type)?;
    let base = match &ty {
        DataType::Array(elem) => elem.as_ref(),
        other => other,
    };
    if matches!(base, DataType::Record(_)) {
        return Err(SqlError::new(
            SqlState::INVALID_TABLE_DEFINITION,
            format!(
                "column \"{}\" has pseudo-type {}",
                super::normalize_ident(&column.name),
                ty
            ),
        ));
    }
    Ok((ty, serial))
}

fn object_name_last(name: &ast::ObjectName) -> String {
    name.0
        .last()
        .and_then(|p| p.as_ident())
        .map(|i| i.value.clone())
        .unwrap_or_default()
}

fn char_length(len: &Option<CharacterLength>) -> SqlResult<Option<u32>> {
    match len {
        None => Ok(None),
        Some(CharacterLength::IntegerLength { length, .. }) => {
            if *length == 0 {
                return Err(SqlError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    "length for type varchar must be at least 1",
                ));
            }
            if *length > MAX_CHAR_LENGTH {
                return Err(SqlError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    format!("length for type varchar cannot exceed {MAX_CHAR_LENGTH}"),
                ));
            }
            Ok(Some(*length as u32))
        }
        Some(CharacterLength::Max) => Err(SqlError::new(
            SqlState::SYNTAX_ERROR,
            "syntax error at or near \"max\"",
        )),
    }
}

fn numeric_type(info: &ExactNumberInfo) -> SqlResult<DataType> {
    let (precision, scale) = match info {
        ExactNumberInfo::None => return Ok(DataType::Numeric(None)),
        ExactNumberInfo::Precision(p) => (*p, 0i64),
        ExactNumberInfo::PrecisionAndScale(p, s) => (*p, *s),
    };
    if !(1..=NUMERIC_MAX_PRECISION).contains(&precision) {
        return Err(SqlError::new(
            SqlState::INVALID_PARAMETER_VALUE,
            format!("NUMERIC precision {precision} must be between 1 and {NUMERIC_MAX_PRECISION}"),
        ));
    }
    if !(-1000..=1000).contains(&scale) {
        return Err(SqlError::new(
            SqlState::INVALID_PARAMETER_VALUE,
            format!("NUMERIC scale {scale} must be between -1000 and 1000"),
        ));
    }
    Ok(DataType::Numeric(Some(NumericTypmod {
        precision: precision as u16,
        scale: scale as i16,
    })))
}

/// The type a type name denotes (CAST targets, column types, `'x'::type`).
pub fn data_type(ty: &ast::DataType) -> SqlResult<DataType> {
    use ast::DataType as T;
    Ok(match ty {
        T::Bool | T::Boolean => DataType::Bool,
        T::SmallInt(_) | T::Int2(_) => DataType::Int2,
        T::Int(_) | T::Integer(_) | T::Int4(_) => DataType::Int4,
        T::BigInt(_) | T::Int8(_) => DataType::Int8,
        T::Real | T::Float4 => DataType::Float4,
        T::DoublePrecision | T::Float8 | T::Double(ExactNumberInfo::None) => DataType::Float8,
        T::Float(info) => match info {
            ExactNumberInfo::None => DataType::Float8,
            ExactNumberInfo::Precision(p) if (1..=24).contains(p) => DataType::Float4,
            ExactNumberInfo::Precision(p) if (25..=53).contains(p) => DataType::Float8,
            ExactNumberInfo::Precision(p) if *p < 1 => {
                return Err(SqlError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    "precision for type float must be at least 1 bit",
                ));
            }
            _ => {
                return Err(SqlError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    "precision for type float must be less than 54 bits",
                ));
            }
        },
        T::Numeric(info) | T::Decimal(info) | T::Dec(info) => numeric_type(info)?,
        T::Text => DataType::Text,
        T::Varchar(len) | T::CharacterVarying(len) | T::CharVarying(len) => {
            DataType::Varchar(char_length(len)?)
        }
        // Bare `char`/`character` means char(1) in PostgreSQL.
        T::Char(len) | T::Character(len) => DataType::Bpchar(Some(char_length(len)?.unwrap_or(1))),
        T::Bytea => DataType::Bytea,
        T::Date => DataType::Date,
        T::Time(_, TimezoneInfo::None | TimezoneInfo::WithoutTimeZone) => DataType::Time,
        T::Time(_, TimezoneInfo::WithTimeZone | TimezoneInfo::Tz) => DataType::Timetz,
        T::Timestamp(_, TimezoneInfo::None | TimezoneInfo::WithoutTimeZone) => DataType::Timestamp,
        T::Timestamp(_, TimezoneInfo::WithTimeZone | TimezoneInfo::Tz) => DataType::Timestamptz,
        T::Interval { .. } => DataType::Interval,
        T::Uuid => DataType::Uuid,
        T::JSON => DataType::Json,
        T::JSONB => DataType::Jsonb,
        T::Array(ArrayElemTypeDef::SquareBracket(elem, _))
        | T::Array(ArrayElemTypeDef::AngleBracket(elem))
        | T::Array(ArrayElemTypeDef::Parenthesis(elem)) => {
            let elem = data_type(elem)?;
            match elem {
                // int[][] is the same type as int[] in PostgreSQL.
                DataType::Array(inner) => DataType::Array(inner),
                other => DataType::Array(Box::new(other)),
            }
        }
        T::Regclass => DataType::Reg(embeddb_types::RegKind::Class),
        T::Custom(name, modifiers) => {
            // `"char"` (quoted) is PostgreSQL's one-byte type; unquoted `char` is char(1).
            let quoted_char = name.0.last().and_then(|p| p.as_ident()).is_some_and(|i| {
                i.quote_style.is_some() && i.value == "char" && modifiers.is_empty()
            });
            if quoted_char {
                DataType::Char
            } else {
                custom_type(&object_name_last(name), modifiers, ty)?
            }
        }
        other => {
            return Err(SqlError::new(
                SqlState::UNDEFINED_OBJECT,
                format!(
                    "type \"{}\" does not exist",
                    other.to_string().to_lowercase()
                ),
            ));
        }
    })
}

fn custom_type(
    name: &str,
    modifiers: &[ast::TypeModifier],
    full: &ast::DataType,
) -> SqlResult<DataType> {
    let lower = name.to_ascii_lowercase();
    let ty = match lower.as_str() {
        "int2" => DataType::Int2,
        "int4" | "int" | "integer" => DataType::Int4,
        "int8" => DataType::Int8,
        "float4" => DataType::Float4,
        "float8" => DataType::Float8,
        "bool" => DataType::Bool,
        "name" => DataType::Name,
        "oid" => DataType::Oid,
        "bpchar" => DataType::Bpchar(None),
        "timestamptz" => DataType::Timestamptz,
        "timetz" => {
            return Err(SqlError::not_supported(
                "type time with time zone is not supported",
            ));
        }
        "serial" | "serial4" | "bigserial" | "serial8" | "smallserial" | "serial2" => {
            return Err(SqlError::new(
                SqlState::UNDEFINED_OBJECT,
                format!("type \"{lower}\" does not exist"),
            ));
        }
        "decimal" | "numeric" => DataType::Numeric(None),
        _ => {
            // Other spellings (`pg_catalog.text`, `varchar(10)`, `regtype`, `int2vector`)
            // by PostgreSQL's type-name rules.
            let mods: Option<Vec<i64>> = modifiers
                .iter()
                .map(|m| match m {
                    ast::TypeModifier::Number(n, _) => n.parse::<i64>().ok(),
                    _ => None,
                })
                .collect();
            return match mods {
                Some(mods) => embeddb_types::typename::type_from_name(&lower, &mods).map_err(|e| {
                    if e.code == SqlState::UNDEFINED_OBJECT {
                        SqlError::new(
                            SqlState::UNDEFINED_OBJECT,
                            format!("type \"{}\" does not exist", full),
                        )
                    } else {
                        e
                    }
                }),
                None => Err(SqlError::new(
                    SqlState::UNDEFINED_OBJECT,
                    format!("type \"{}\" does not exist", full),
                )),
            };
        }
    };
    if !modifiers.is_empty() {
        return Err(SqlError::new(
            SqlState::SYNTAX_ERROR,
            format!("type modifier is not allowed for type \"{lower}\""),
        ));
    }
    Ok(ty)
}
