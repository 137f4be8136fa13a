//! The binder: sqlparser's AST to typed, name-resolved plans.
//!
//! It resolves table and column names against the catalog the transaction sees, types every
//! expression with PostgreSQL's rules (unknown literals take their type from context, implicit
//! casts are inserted, operators and functions are resolved among their overloads), infers the
//! types of `$n` parameters, and builds the logical plan of each query.

mod array;
mod call;
mod dml;
pub mod expr;
mod from;
mod grouping;
mod insert;
mod named_args;
mod names;
mod outer_aggregate;
mod overlaps;
mod query;
mod row;
mod srf;
pub mod types;
mod window;

use std::collections::HashMap;
use std::sync::Arc;

use embeddb_tables::{Catalog, TableDef};
use embeddb_types::{DataType, FormatContext, SqlError, SqlResult, SqlState};
use sqlparser::tokenizer::Span;

use crate::parser::span_position;
use crate::plan::{LogicalPlan, Schema};

pub use dml::parse_stored_expr;
pub use names::{figure_column_name, normalize_ident, object_name_parts};

/// One column a name can refer to.
#[derive(Clone, Debug)]
pub struct ScopeColumn {
    /// The FROM-clause name that qualifies it (table name or alias), if any.
    pub qualifier: Option<String>,
    pub name: String,
    pub ty: DataType,
    pub table_oid: u32,
    pub attnum: i16,
    /// Hidden from unqualified references and `*` (the right side of a JOIN ... USING).
    pub hidden_unqualified: bool,
}

/// The columns visible at one query level, in the order of the input row.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    pub columns: Vec<ScopeColumn>,
    /// Tables in this FROM clause under an alias (`t AS x`): `t.col` then gets PostgreSQL's
    /// "invalid reference to FROM-clause entry" rather than "missing FROM-clause entry".
    pub aliased_tables: Vec<String>,
}

impl Scope {
    pub fn from_schema(schema: &Schema, qualifier: Option<&str>) -> Scope {
        Scope {
            columns: schema
                .iter()
                .map(|f| ScopeColumn {
                    qualifier: qualifier.map(str::to_string),
                    name: f.name.clone(),
                    ty: f.ty.clone(),
                    table_oid: f.table_oid,
                    attnum: f.column_attnum,
                    hidden_unqualified: false,
                })
                .collect(),
            aliased_tables: Vec::new(),
        }
    }

    pub fn for_table(table: &TableDef, qualifier: &str) -> Scope {
        Scope {
            columns: table
                .visible_columns()
                .map(|c| ScopeColumn {
                    qualifier: Some(qualifier.to_string()),
                    name: c.name.clone(),
                    ty: c.data_type.clone(),
                    table_oid: table.oid,
                    attnum: c.attnum as i16,
                    hidden_unqualified: false,
                })
                .collect(),
            aliased_tables: if qualifier == table.name {
                Vec::new()
            } else {
                vec![table.name.clone()]
            },
        }
    }

    /// Concatenation, for joins: the left's columns then the right's.
    pub fn join(mut self, right: Scope) -> Scope {
        self.columns.extend(right.columns);
        self.aliased_tables.extend(right.aliased_tables);
        self
    }

    pub fn has_qualifier(&self, qualifier: &str) -> bool {
        self.columns
            .iter()
            .any(|c| c.qualifier.as_deref() == Some(qualifier))
    }
}

/// A common table expression visible by name.
#[derive(Clone, Debug)]
pub(crate) struct CteBinding {
    pub plan: Arc<LogicalPlan>,
    pub schema: Schema,
    pub id: usize,
    /// Set while binding the recursive part of WITH RECURSIVE: references read the work table.
    pub recursive_work_table: bool,
}

pub struct Binder<'a> {
    pub(crate) catalog: Arc<Catalog>,
    pub(crate) sql: &'a str,
    pub(crate) format: &'a FormatContext,
    /// Types of `$1..$n`; `Unknown` until context decides.
    pub(crate) params: Vec<DataType>,
    /// Scopes of enclosing queries, outermost first.
    pub(crate) outer_scopes: Vec<Scope>,
    /// One flag per enclosing scope: whether the subquery bound inside it refers outward.
    pub(crate) correlated: Vec<bool>,
    pub(crate) ctes: Vec<HashMap<String, CteBinding>>,
    pub(crate) next_plan_id: usize,
    /// FROM items a derived table being bound cannot see (its siblings to the left, without
    /// LATERAL): only for PostgreSQL's "invalid reference to FROM-clause entry" message.
    pub(crate) unreachable_scopes: Vec<Scope>,
    /// Set for the SELECT of INSERT ... SELECT: its untyped literals keep the unknown type so
    /// the target columns decide it. Taken by the first SELECT bound.
    pub(crate) keep_unknown_outputs: bool,
    /// One entry per enclosing scope: where aggregates of that level found in subqueries go.
    pub(crate) aggregate_levels: Vec<outer_aggregate::AggregateLevel>,
}

/// PostgreSQL's limit on parameters in one statement.
pub const MAX_PARAMS: usize = 65535;

impl<'a> Binder<'a> {
    pub fn new(
        catalog: Arc<Catalog>,
        sql: &'a str,
        format: &'a FormatContext,
        param_types: &[DataType],
    ) -> Self {
        Binder {
            catalog,
            sql,
            format,
            params: param_types.to_vec(),
            outer_scopes: Vec::new(),
            unreachable_scopes: Vec::new(),
            correlated: Vec::new(),
            ctes: Vec::new(),
            next_plan_id: 0,
            keep_unknown_outputs: false,
            aggregate_levels: Vec::new(),
        }
    }

    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }

    /// The parameter types after binding; any still unknown default to text, as PostgreSQL
    /// does for a parameter nothing constrains.
    pub fn param_types(&self) -> Vec<DataType> {
        self.params
            .iter()
            .map(|t| match t {
                DataType::Unknown => DataType::Text,
                other => other.clone(),
            })
            .collect()
    }

    pub(crate) fn next_id(&mut self) -> usize {
        self.next_plan_id += 1;
        self.next_plan_id
    }

    /// Attaches the position of a syntax node to an error that has none.
    pub(crate) fn at(&self, err: SqlError, span: Span) -> SqlError {
        if err.position.is_some() {
            return err;
        }
        match span_position(self.sql, span) {
            Some(p) => err.with_position(p),
            None => err,
        }
    }

    pub(crate) fn error_at(
        &self,
        code: SqlState,
        message: impl Into<String>,
        span: Span,
    ) -> SqlError {
        self.at(SqlError::new(code, message), span)
    }

    /// The table of that name, or 42P01.
    pub fn table(&self, name: &str, span: Span) -> SqlResult<Arc<TableDef>> {
        self.catalog.table_by_name(name).cloned().ok_or_else(|| {
            self.error_at(
                SqlState::UNDEFINED_TABLE,
                format!("relation \"{name}\" does not exist"),
                span,
            )
        })
    }
}
