//! Identifier rules: case folding of unquoted names, qualified names, and the column names
//! PostgreSQL gives to unnamed select-list items.

use sqlparser::ast::{self, Expr as AstExpr, Ident, ObjectName, Spanned};

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
    /// The table `name` names, or 42P01 naming it as written (`public.missing`).
    pub(crate) fn table_named(
        &self,
        relation: &str,
        name: &ObjectName,
    ) -> SqlResult<std::sync::Arc<embeddb_tables::TableDef>> {
        self.table(relation, name.span()).map_err(|e| {
            if e.code != SqlState::UNDEFINED_TABLE {
                return e;
            }
            let written = object_name_parts(name)
                .map(|p| p.join("."))
                .unwrap_or_else(|_| relation.to_string());
            self.error_at(
                SqlState::UNDEFINED_TABLE,
                format!("relation \"{written}\" does not exist"),
                name.span(),
            )
        })
    }

    /// A relation name, with an optional `public.` (or current database) qualification.
    pub(crate) fn relation_name(&self, name: &ObjectName) -> SqlResult<String> {
        // sqlparser accepts some of PostgreSQL's reserved words as names (`FROM FROM t`,
        // `CREATE TABLE table`); PostgreSQL's grammar does not.
        for part in &name.0 {
            if let Some(ident) = part.as_ident()
                && ident.quote_style.is_none()
                && crate::keywords::is_reserved(&ident.value)
            {
                return Err(self.error_at(
                    SqlState::SYNTAX_ERROR,
                    format!("syntax error at or near \"{}\"", ident.value),
                    ident.span,
                ));
            }
        }
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
    figure_with_strength(expr)
        .map(|(name, _)| name)
        .unwrap_or_else(|| "?column?".to_string())
}

/// FigureColname's strength: a real name (column, function) beats a type name from a cast or
/// the `case` fallback.
const STRONG: u8 = 2;
const WEAK: u8 = 1;

fn figure_with_strength(expr: &AstExpr) -> Option<(String, u8)> {
    match expr {
        AstExpr::Cast {
            expr, data_type, ..
        } => match figure_with_strength(expr) {
            Some(named) if named.1 == STRONG => Some(named),
            _ => Some((type_column_name(data_type), WEAK)),
        },
        AstExpr::Nested(inner) => figure_with_strength(inner),
        AstExpr::Case { else_result, .. } => {
            match else_result.as_deref().and_then(figure_with_strength) {
                Some(named) if named.1 == STRONG => Some(named),
                _ => Some(("case".to_string(), WEAK)),
            }
        }
        AstExpr::Array(_) => Some(("array".to_string(), WEAK)),
        other => figure(other).map(|name| (name, STRONG)),
    }
}

fn figure(expr: &AstExpr) -> Option<String> {
    match expr {
        AstExpr::Identifier(ident) => Some(normalize_ident(ident)),
        AstExpr::CompoundIdentifier(parts) => parts.last().map(normalize_ident),
        AstExpr::Function(f) => {
            let name = f.name.0.last()?.as_ident().map(normalize_ident)?;
            Some(name)
        }
        AstExpr::Cast { .. } | AstExpr::Nested(_) | AstExpr::Case { .. } => {
            figure_with_strength(expr).map(|(name, _)| name)
        }
        // NOT EXISTS is the NOT operator over EXISTS: no name.
        AstExpr::Exists { negated: false, .. } => Some("exists".to_string()),
        // Subscripts keep the name of what they subscript.
        AstExpr::CompoundFieldAccess { root, .. } => figure(root),
        AstExpr::Array(_) => Some("array".to_string()),
        AstExpr::Extract { .. } => Some("extract".to_string()),
        AstExpr::Position { .. } => Some("position".to_string()),
        AstExpr::Substring { shorthand, .. } => Some(if *shorthand {
            "substr".to_string()
        } else {
            "substring".to_string()
        }),
        AstExpr::Trim { .. } => Some("btrim".to_string()),
        AstExpr::Overlay { .. } => Some("overlay".to_string()),
        AstExpr::Ceil { .. } => Some("ceil".to_string()),
        AstExpr::Floor { .. } => Some("floor".to_string()),
        AstExpr::Interval(_) => Some("interval".to_string()),
        AstExpr::TypedString(ts) => Some(type_column_name(&ts.data_type)),
        AstExpr::Subquery(q) => {
            // A scalar subquery takes its single column's name, `?column?` included: that
            // is a real name here, so a cast around the subquery does not rename it.
            let named = match q.body.as_ref() {
                ast::SetExpr::Select(select) => match select.projection.first() {
                    Some(ast::SelectItem::ExprWithAlias { alias, .. }) => {
                        Some(normalize_ident(alias))
                    }
                    Some(ast::SelectItem::UnnamedExpr(e)) => {
                        figure_with_strength(e).map(|(n, _)| n)
                    }
                    _ => None,
                },
                _ => None,
            };
            Some(named.unwrap_or_else(|| "?column?".to_string()))
        }
        // PostgreSQL 15 parses true/false as constants, named like any other: no name.
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
        embeddb_types::DataType::Timetz => "timetz".into(),
        embeddb_types::DataType::Timestamp => "timestamp".into(),
        embeddb_types::DataType::Timestamptz => "timestamptz".into(),
        embeddb_types::DataType::Array(inner) => type_name_of(*inner),
        other => other.to_string(),
    }
}
