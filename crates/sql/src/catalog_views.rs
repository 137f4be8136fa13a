//! System views (pg_catalog, information_schema) as relations the binder can scan like tables.
//! Each view computes its rows from the catalog the statement is bound against (tables,
//! columns, indexes, constraints, sequences) and, for session facts (user, database,
//! settings), from expressions evaluated when the statement runs.
//!
//! Column lists are PostgreSQL 15's (`columns.rs`); a relation's rows fill the columns they
//! know and leave the rest at a neutral value (false, 0, NULL), so the joins drivers send
//! bind and run. The submodules hold one family each:
//! `pg_class` (relations, attributes, indexes, constraints, defaults), `pg_type` (types and
//! functions), `session` (database, roles, settings, activity), `information_schema`,
//! `functions` (format_type, pg_get_*, to_reg*, ...), `reg` (casts to and from the
//! object-identifier types, which need the catalog) and `deparse` (stored expressions printed
//! as PostgreSQL prints them).

mod builtin_types;
mod columns;
mod deparse;
mod functions;
mod information_schema;
mod oids;
mod pg_class;
mod pg_type;
mod reg;
mod session;

use std::collections::HashMap;

use embeddb_types::{Array, DataType, RegKind, SqlResult, Value};

use crate::binder::Binder;
use crate::expr::Expr;
use crate::plan::{Field, LogicalPlan};

pub(crate) use reg::{coerce_reg, is_reg_coercion};

/// The type of a system-relation column, as a constant (DataType holds boxes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Col {
    Bool,
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    Oid,
    /// `xid`: shown as an oid-sized number.
    Xid,
    Name,
    Text,
    Varchar,
    /// information_schema's `yes_or_no`.
    YesNo,
    Char,
    NodeTree,
    Timestamptz,
    Interval,
    Bytea,
    RegProc,
    RegType,
    Int2Vector,
    OidVector,
    TextArray,
    OidArray,
    Int2Array,
    CharArray,
    NameArray,
}

impl Col {
    pub fn data_type(self) -> DataType {
        let array = |t: DataType| DataType::Array(Box::new(t));
        match self {
            Col::Bool => DataType::Bool,
            Col::Int2 => DataType::Int2,
            Col::Int4 => DataType::Int4,
            Col::Int8 => DataType::Int8,
            Col::Float4 => DataType::Float4,
            Col::Float8 => DataType::Float8,
            Col::Oid | Col::Xid => DataType::Oid,
            Col::Name => DataType::Name,
            Col::Text => DataType::Text,
            Col::Varchar => DataType::Varchar(None),
            Col::YesNo => DataType::Varchar(Some(3)),
            Col::Char => DataType::Char,
            Col::NodeTree => DataType::PgNodeTree,
            Col::Timestamptz => DataType::Timestamptz,
            Col::Interval => DataType::Interval,
            Col::Bytea => DataType::Bytea,
            Col::RegProc => DataType::Reg(RegKind::Proc),
            Col::RegType => DataType::Reg(RegKind::Type),
            Col::Int2Vector => DataType::Int2Vector,
            Col::OidVector => DataType::OidVector,
            Col::TextArray => array(DataType::Text),
            Col::OidArray => array(DataType::Oid),
            Col::Int2Array => array(DataType::Int2),
            Col::CharArray => array(DataType::Char),
            Col::NameArray => array(DataType::Name),
        }
    }

    /// What a row leaves in a column it does not set: PostgreSQL's catalogs are NOT NULL
    /// almost everywhere, so flags are false, counts and oids 0, codes empty; free text,
    /// arrays and expressions NULL.
    fn default_value(self) -> Value {
        match self {
            Col::Bool => Value::Bool(false),
            Col::Int2 => Value::Int2(0),
            Col::Int4 => Value::Int4(0),
            Col::Int8 => Value::Int8(0),
            Col::Float4 => Value::Float4(0.0),
            Col::Float8 => Value::Float8(0.0),
            Col::Oid | Col::Xid => Value::Oid(0),
            Col::Char => Value::Text(String::new()),
            Col::RegProc | Col::RegType => Value::Reg(0, None),
            Col::Int2Vector => Value::Array(Box::new(vector(DataType::Int2, Vec::new()))),
            Col::OidVector => Value::Array(Box::new(vector(DataType::Oid, Vec::new()))),
            _ => Value::Null,
        }
    }
}

/// A zero-based vector (`int2vector` / `oidvector`) of these elements.
pub(crate) fn vector(element: DataType, elements: Vec<Value>) -> Array {
    let mut a = Array::from_elements(element, elements);
    embeddb_types::text::make_vector(&mut a);
    a
}

/// A one-dimensional array value.
pub(crate) fn array(element: DataType, elements: Vec<Value>) -> Value {
    Value::Array(Box::new(Array::from_elements(element, elements)))
}

pub(crate) fn text(s: impl Into<String>) -> Value {
    Value::Text(s.into())
}

pub(crate) fn char_code(c: char) -> Value {
    Value::Text(c.to_string())
}

/// Rows of one relation under construction: each row starts at the column defaults and
/// `set` fills columns by name (a name the relation lacks is a programming error caught by
/// the tests, and ignored at run time).
pub(crate) struct Rows {
    columns: &'static [(&'static str, Col)],
    index: HashMap<&'static str, usize>,
    rows: Vec<Vec<Expr>>,
}

impl Rows {
    pub fn new(columns: &'static [(&'static str, Col)]) -> Rows {
        Rows {
            columns,
            index: columns
                .iter()
                .enumerate()
                .map(|(i, (n, _))| (*n, i))
                .collect(),
            rows: Vec::new(),
        }
    }

    /// Starts a new row.
    pub fn row(&mut self) -> &mut Self {
        let row = self
            .columns
            .iter()
            .map(|(_, c)| Expr::literal(c.default_value(), c.data_type()))
            .collect();
        self.rows.push(row);
        self
    }

    /// Sets a column of the current row to a value.
    pub fn set(&mut self, column: &str, value: Value) -> &mut Self {
        if let Some(&i) = self.index.get(column) {
            let ty = self.columns[i].1.data_type();
            if let Some(row) = self.rows.last_mut() {
                row[i] = Expr::literal(value, ty);
            }
        }
        self
    }

    /// Sets a column of the current row to an expression evaluated when the statement runs.
    pub fn set_expr(&mut self, column: &str, expr: Expr) -> &mut Self {
        if let Some(&i) = self.index.get(column)
            && let Some(row) = self.rows.last_mut()
        {
            row[i] = expr;
        }
        self
    }

    pub fn into_plan(self) -> (LogicalPlan, Vec<Field>) {
        let schema = schema_of(self.columns);
        if self.rows.is_empty() {
            return (
                LogicalPlan::Empty {
                    schema: schema.clone(),
                },
                schema,
            );
        }
        (
            LogicalPlan::Values {
                rows: std::sync::Arc::new(crate::plan::ValuesRows::Exprs(self.rows)),
                schema: schema.clone(),
            },
            schema,
        )
    }
}

fn schema_of(columns: &[(&str, Col)]) -> Vec<Field> {
    columns
        .iter()
        .map(|(n, c)| Field::new(*n, c.data_type()))
        .collect()
}

/// The plan and columns of the system view a (possibly schema-qualified) name refers to, or
/// None when no such view exists and the name is a user table.
pub fn bind_system_view(
    binder: &mut Binder<'_>,
    parts: &[String],
) -> SqlResult<Option<(LogicalPlan, Vec<Field>)>> {
    let (schema, name) = match parts {
        [name] => (None, name.as_str()),
        [schema, name] => (Some(schema.as_str()), name.as_str()),
        [_db, schema, name] => (Some(schema.as_str()), name.as_str()),
        _ => return Ok(None),
    };
    // An unqualified name is a user table first: pg_catalog names all start with "pg_",
    // which users rarely take, and information_schema's must be qualified (it is not on the
    // search path).
    let Some((nsp, rel, _, _, columns)) = oids::system_relation(schema, name) else {
        return Ok(None);
    };
    if schema.is_none() && binder.catalog().relation(name).is_some() {
        return Ok(None);
    }
    let catalog = binder.catalog().clone();
    let built = match nsp {
        "information_schema" => information_schema::build(&catalog, rel, columns)?,
        _ => match rel {
            "pg_database" | "pg_roles" | "pg_user" | "pg_authid" | "pg_settings"
            | "pg_stat_activity" | "pg_shdescription" | "pg_auth_members" => {
                session::build(rel, columns)?
            }
            "pg_type" | "pg_proc" | "pg_range" | "pg_am" | "pg_namespace" => {
                pg_type::build(&catalog, rel, columns)?
            }
            _ => pg_class::build(&catalog, rel, columns)?,
        },
    };
    Ok(Some(built.into_plan()))
}

/// Registers the functions catalog queries use (format_type, pg_get_userbyid, ...).
pub fn register_functions(registry: &mut crate::functions::registry::Registry) {
    functions::register(registry);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_relation_has_unique_columns() {
        for (nsp, rel, _, _, cols) in columns::RELATIONS {
            let mut names: Vec<&str> = cols.iter().map(|c| c.0).collect();
            names.sort_unstable();
            let before = names.len();
            names.dedup();
            assert_eq!(before, names.len(), "{nsp}.{rel}");
        }
    }
}
