//! Identifier rules: case folding of unquoted names, qualified names, and the column names
//! PostgreSQL gives to unnamed select-list items.

use sqlparser::ast::{self, Expr as AstExpr, Ident, ObjectName};

use embeddb_types::{SqlError, SqlResult, SqlState};

use crate::binder::Binder;

/// Unquoted identifiers fold to lower case; quoted ones keep their spelling. Identifiers longer
/// than 63 bytes are truncated as PostgreSQL does.
pub fn normalize_ident(ident: &Ident) -> String {
    let name = if ident.quote_style.is_some() {
        ident.value.clone()
    } else {
        ident.value.to_lowercase()
    };
    embeddb_tables::catalog::truncate_identifier(&name)
}

/// The identifiers of a possibly qualified name, normalised.
pub fn object_name_parts(name: &ObjectName) -> SqlResult<Vec<String>> {
    name.0
        .iter()
        .map(|part| match part.as_ident() {
            Some(ident) => Ok(normalize_ident(ident)),
            None => Err(SqlError::syntax(format!(
                "syntax error at or near \"{part}\""
            ))),
        })
        .collect()
}

impl Binder<'_> {
    /// A relation name, with an optional `public.` (or current database) qualification.
    pub(crate) fn relation_name(&self, name: &ObjectName) -> SqlResult<String> {
        let parts = object_name_parts(name)?;
        match parts.as_slice() {
            [table] => Ok(table.clone()),
            [schema, table] => {
                if schema == "public" || schema == "pg_catalog" || schema == "information_schema" {
                    Ok(table.clone())
                } else {
                    Err(SqlError::new(
                        SqlState::INVALID_SCHEMA_NAME,
                        format!("schema \"{schema}\" does not exist"),
                    ))
                }
            }
            [_db, schema, table] if schema == "public" => Ok(table.clone()),
            _ => Err(SqlError::new(
                SqlState::SYNTAX_ERROR,
                format!("improper relation name (too many dotted names): {name}"),
            )),
        }
    }
}

/// The name PostgreSQL gives a select-list item without an alias (its FigureColname):
/// a column's name, a function's name, a cast's type or inner name, else `?column?`.
pub fn figure_column_name(expr: &AstExpr) -> String {
    figure(expr).unwrap_or_else(|| "?column?".to_string())
}

fn figure(expr: &AstExpr) -> Option<String> {
    match expr {
        AstExpr::Identifier(ident) => Some(normalize_ident(ident)),
        AstExpr::CompoundIdentifier(parts) => parts.last().map(normalize_ident),
        AstExpr::Function(f) => {
            let name = f.name.0.last()?.as_ident().map(normalize_ident)?;
            Some(name)
        }
        AstExpr::Cast {
            expr, data_type, ..
        } => figure(expr).or_else(|| Some(type_column_name(data_type))),
        AstExpr::Nested(inner) => figure(inner),
        // Subscripts keep the name of what they subscript.
        AstExpr::CompoundFieldAccess { root, .. } => figure(root),
        AstExpr::Case { .. } => Some("case".to_string()),
        AstExpr::Exists { .. } => Some("exists".to_string()),
        AstExpr::Array(_) => Some("array".to_string()),
        AstExpr::Extract { .. } => Some("extract".to_string()),
        AstExpr::Position { .. } => Some("position".to_string()),
        AstExpr::Substring { .. } => Some("substring".to_string()),
        AstExpr::Trim { .. } => Some("btrim".to_string()),
        AstExpr::Overlay { .. } => Some("overlay".to_string()),
        AstExpr::Ceil { .. } => Some("ceil".to_string()),
        AstExpr::Floor { .. } => Some("floor".to_string()),
        AstExpr::Interval(_) => Some("interval".to_string()),
        AstExpr::TypedString(ts) => Some(type_column_name(&ts.data_type)),
        AstExpr::Subquery(q) => {
            // A scalar subquery takes its single column's name.
            if let ast::SetExpr::Select(select) = q.body.as_ref()
                && let Some(item) = select.projection.first()
            {
                return match item {
                    ast::SelectItem::ExprWithAlias { alias, .. } => Some(normalize_ident(alias)),
                    ast::SelectItem::UnnamedExpr(e) => figure(e),
                    _ => None,
                };
            }
            None
        }
        AstExpr::Value(v) => match &v.value {
            ast::Value::Boolean(_) => Some("bool".to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// The column name a cast to this type gives (`'1'::int` is named `int4`).
fn type_column_name(ty: &ast::DataType) -> String {
    match crate::binder::types::data_type(ty) {
        Ok(t) => type_name_of(t),
        Err(_) => "?column?".into(),
    }
}

/// `type_column_name` for a bound type; an array is named by its element type, as in
/// PostgreSQL (`'{1}'::int[]` is named `int4`).
fn type_name_of(t: embeddb_types::DataType) -> String {
    match t {
        embeddb_types::DataType::Bool => "bool".into(),
        embeddb_types::DataType::Int2 => "int2".into(),
        embeddb_types::DataType::Int4 => "int4".into(),
        embeddb_types::DataType::Int8 => "int8".into(),
        embeddb_types::DataType::Float4 => "float4".into(),
        embeddb_types::DataType::Float8 => "float8".into(),
        embeddb_types::DataType::Numeric(_) => "numeric".into(),
        embeddb_types::DataType::Varchar(_) => "varchar".into(),
        embeddb_types::DataType::Bpchar(_) => "bpchar".into(),
        embeddb_types::DataType::Time => "time".into(),
        embeddb_types::DataType::Timestamp => "timestamp".into(),
        embeddb_types::DataType::Timestamptz => "timestamptz".into(),
        embeddb_types::DataType::Array(inner) => type_name_of(*inner),
        other => other.to_string(),
    }
}
