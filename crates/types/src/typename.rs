//! Parsing SQL type names as PostgreSQL spells them (`integer`, `int4`, `character varying(10)`,
//! `numeric(10,2)`, `timestamp with time zone`, `float(24)`, `text[]`, ...) into
//! [`DataType`], with PostgreSQL's modifier checks.

use crate::datatype::{DataType, NumericTypmod};
use crate::error::{SqlError, SqlResult, SqlState};

fn undefined(name: &str) -> SqlError {
    SqlError::new(
        SqlState::UNDEFINED_OBJECT,
        format!("type \"{name}\" does not exist"),
    )
}

fn invalid(msg: String) -> SqlError {
    SqlError::new(SqlState::INVALID_PARAMETER_VALUE, msg)
}

/// Builds a type from a base name (lower-case, single-spaced) and its modifiers.
pub fn type_from_name(base: &str, mods: &[i64]) -> SqlResult<DataType> {
    let no_mods = |t: DataType| -> SqlResult<DataType> {
        if mods.is_empty() {
            Ok(t)
        } else {
            Err(SqlError::syntax(format!(
                "type modifier is not allowed for type \"{base}\""
            )))
        }
    };
    let length = |kind: &str| -> SqlResult<Option<u32>> {
        match mods {
            [] => Ok(None),
            [n] if *n >= 1 && *n <= 10_485_760 => Ok(Some(*n as u32)),
            [n] if *n < 1 => Err(invalid(format!(
                "length for type {kind} must be at least 1"
            ))),
            [_] => Err(invalid(format!(
                "length for type {kind} cannot exceed 10485760"
            ))),
            _ => Err(SqlError::syntax(format!(
                "invalid type modifier for type {kind}"
            ))),
        }
    };
    Ok(match base {
        "bool" | "boolean" => no_mods(DataType::Bool)?,
        "int2" | "smallint" => no_mods(DataType::Int2)?,
        "int" | "int4" | "integer" => no_mods(DataType::Int4)?,
        "int8" | "bigint" => no_mods(DataType::Int8)?,
        "real" | "float4" => no_mods(DataType::Float4)?,
        "float8" | "double precision" => no_mods(DataType::Float8)?,
        "float" => match mods {
            [] => DataType::Float8,
            [p] if (1..=24).contains(p) => DataType::Float4,
            [p] if (25..=53).contains(p) => DataType::Float8,
            [p] if *p < 1 => {
                return Err(invalid(
                    "precision for type float must be at least 1 bit".into(),
                ));
            }
            _ => {
                return Err(invalid(
                    "precision for type float must be less than 54 bits".into(),
                ));
            }
        },
        "numeric" | "decimal" | "dec" => match mods {
            [] => DataType::Numeric(None),
            [p] | [p, _] => {
                let s = mods.get(1).copied().unwrap_or(0);
                if !(1..=1000).contains(p) {
                    return Err(invalid(format!(
                        "NUMERIC precision {p} must be between 1 and 1000"
                    )));
                }
                if !(-1000..=1000).contains(&s) {
                    return Err(invalid(format!(
                        "NUMERIC scale {s} must be between -1000 and 1000"
                    )));
                }
                DataType::Numeric(Some(NumericTypmod {
                    precision: *p as u16,
                    scale: s as i16,
                }))
            }
            _ => return Err(SqlError::syntax("invalid NUMERIC type modifier")),
        },
        "text" => no_mods(DataType::Text)?,
        "varchar" | "character varying" | "char varying" => DataType::Varchar(length("varchar")?),
        "char" | "character" => DataType::Bpchar(Some(length("char")?.unwrap_or(1))),
        "bpchar" => DataType::Bpchar(length("bpchar")?),
        "name" => no_mods(DataType::Name)?,
        "bytea" => no_mods(DataType::Bytea)?,
        "date" => no_mods(DataType::Date)?,
        "time" | "time without time zone" => DataType::Time,
        "timetz" | "time with time zone" => DataType::Timetz,
        // The anonymous row type: its fields are whatever a value brings.
        "record" => no_mods(DataType::Record(Vec::new()))?,
        "timestamp" | "timestamp without time zone" => DataType::Timestamp,
        "timestamptz" | "timestamp with time zone" => DataType::Timestamptz,
        "interval" => DataType::Interval,
        "uuid" => no_mods(DataType::Uuid)?,
        "json" => no_mods(DataType::Json)?,
        "jsonb" => no_mods(DataType::Jsonb)?,
        "oid" => no_mods(DataType::Oid)?,
        "unknown" => no_mods(DataType::Unknown)?,
        "\"char\"" => no_mods(DataType::Char)?,
        "int2vector" => no_mods(DataType::Int2Vector)?,
        "oidvector" => no_mods(DataType::OidVector)?,
        "pg_node_tree" => no_mods(DataType::PgNodeTree)?,
        other => match crate::datatype::RegKind::from_name(other) {
            Some(kind) => no_mods(DataType::Reg(kind))?,
            None => return Err(undefined(base)),
        },
    })
}

/// Parses a full type name such as `character varying(10)[]` or `NUMERIC(10, 2)`.
pub fn parse_type_name(input: &str) -> SqlResult<DataType> {
    let mut s = input.trim().to_ascii_lowercase();
    // Built-in types live in pg_catalog, which is always searched.
    if let Some(rest) = s.strip_prefix("pg_catalog.") {
        s = rest.to_string();
    }
    // `_int4` is the array type's own name.
    if let Some(elem) = s.strip_prefix('_')
        && !s.contains(['(', '['])
    {
        return Ok(DataType::Array(Box::new(parse_type_name(elem)?)));
    }
    let mut array_dims = 0;
    loop {
        let t = s.trim_end();
        if let Some(rest) = t.strip_suffix("[]") {
            s = rest.to_string();
            array_dims += 1;
        } else if t.ends_with(']') {
            // "int[3]": PostgreSQL ignores declared array sizes.
            match t.rfind('[') {
                Some(i) if t[i + 1..t.len() - 1].trim().parse::<u32>().is_ok() => {
                    s = t[..i].to_string();
                    array_dims += 1;
                }
                _ => return Err(undefined(input.trim())),
            }
        } else if let Some(rest) = t.strip_suffix(" array") {
            s = rest.to_string();
            array_dims += 1;
        } else {
            break;
        }
    }
    let s = s.trim();
    let (base, mods, tail) = match s.find('(') {
        Some(open) => {
            let close = s[open..].find(')').map(|c| open + c).ok_or_else(|| {
                SqlError::syntax(format!("syntax error in type name \"{input}\""))
            })?;
            let mods: Vec<i64> = s[open + 1..close]
                .split(',')
                .map(|m| m.trim().parse::<i64>())
                .collect::<Result<_, _>>()
                .map_err(|_| SqlError::syntax(format!("syntax error in type name \"{input}\"")))?;
            (
                s[..open].trim().to_string(),
                mods,
                s[close + 1..].trim().to_string(),
            )
        }
        None => (s.to_string(), Vec::new(), String::new()),
    };
    let base: String = base.split_whitespace().collect::<Vec<_>>().join(" ");
    // "timestamp(3) with time zone": the zone clause follows the precision.
    let base = if tail.is_empty() {
        base
    } else {
        format!(
            "{base} {}",
            tail.split_whitespace().collect::<Vec<_>>().join(" ")
        )
    };
    let mut t = if matches!(
        base.as_str(),
        "time"
            | "timestamp"
            | "timestamptz"
            | "timetz"
            | "time without time zone"
            | "time with time zone"
            | "timestamp without time zone"
            | "timestamp with time zone"
            | "interval"
    ) {
        // Fractional-second precisions are accepted and not enforced.
        type_from_name(&base, &[])?
    } else {
        type_from_name(&base, &mods)?
    };
    for _ in 0..array_dims.min(1) {
        t = DataType::Array(Box::new(t));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        let p = |s: &str| {
            parse_type_name(s)
                .map(|t| t.to_string())
                .unwrap_or_else(|e| e.message)
        };
        assert_eq!(p("INTEGER"), "integer");
        assert_eq!(p("int4"), "integer");
        assert_eq!(p("character  varying(10)"), "character varying(10)");
        assert_eq!(p("varchar"), "character varying");
        assert_eq!(p("char"), "character(1)");
        assert_eq!(p("numeric(10, 2)"), "numeric(10,2)");
        assert_eq!(p("decimal(5)"), "numeric(5,0)");
        assert_eq!(p("double precision"), "double precision");
        assert_eq!(p("float(24)"), "real");
        assert_eq!(p("timestamp with time zone"), "timestamp with time zone");
        assert_eq!(p("timestamp(3) with time zone"), "timestamp with time zone");
        assert_eq!(p("text[]"), "text[]");
        assert_eq!(p("int[][]"), "integer[]");
        assert_eq!(p("int[3]"), "integer[]");
        assert_eq!(p("foo"), "type \"foo\" does not exist");
        assert_eq!(
            p("numeric(0)"),
            "NUMERIC precision 0 must be between 1 and 1000"
        );
        assert_eq!(
            p("varchar(0)"),
            "length for type varchar must be at least 1"
        );
    }
}
