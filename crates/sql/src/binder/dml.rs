//! Binding UPDATE and DELETE, and what INSERT (`binder::insert`) shares with them: values
//! cast to the columns' types by assignment rules, defaults, check constraints and RETURNING.

use std::sync::Arc;

use crate::dialect::EmbedDbDialect;
use sqlparser::ast::{self, Expr as AstExpr, SelectItem, Spanned};
use sqlparser::parser::Parser;

use embeddb_tables::TableDef;
use embeddb_types::{DataType, SqlError, SqlResult, SqlState, Value};

use super::expr::{Clause, Coercion, ExprContext};
use super::names::{figure_column_name, normalize_ident};
use super::{Binder, Scope};
use crate::expr::{Expr, ExprKind, Subquery, SubqueryKind};
use crate::plan::{
    AccessPath, CheckExpr, DeletePlan, Field, LogicalPlan, Returning, ScanNode, UpdatePlan,
};

/// The value of one column in SET: an expression still to bind, or one a sub-SELECT gave.
enum AssignedValue<'a> {
    Syntax(&'a AstExpr),
    Bound(Expr),
}

/// Whether an expression is the bare keyword DEFAULT (in VALUES or SET).
pub(super) fn is_default_keyword(expr: &AstExpr) -> bool {
    matches!(expr, AstExpr::Identifier(i) if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("default"))
}

/// Parses a stored SQL expression (a DEFAULT or CHECK).
pub fn parse_stored_expr(sql: &str) -> SqlResult<AstExpr> {
    let dialect = EmbedDbDialect::default();
    Parser::new(&dialect)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| SqlError::internal(format!("stored expression \"{sql}\" does not parse: {e}")))
}

impl Binder<'_> {
    /// The value a column gets when a statement does not give one: its DEFAULT, else NULL.
    pub(crate) fn column_default(&mut self, table: &TableDef, position: usize) -> SqlResult<Expr> {
        let Some(column) = table.visible_columns().nth(position) else {
            return Err(SqlError::internal("column position out of range"));
        };
        let ty = column.data_type.clone();
        match &column.default_sql {
            None => Ok(Expr::null(ty)),
            Some(sql) => {
                let ast = parse_stored_expr(sql)?;
                let empty = Scope::default();
                let mut cx = ExprContext::new(&empty, Clause::Default);
                let e = self.bind_expr(&ast, &mut cx)?;
                self.coerce_assignment(e, &ty, &column.name)
            }
        }
    }

    /// Assignment coercion with PostgreSQL's message for a column.
    pub(crate) fn coerce_assignment(
        &mut self,
        e: Expr,
        ty: &DataType,
        column: &str,
    ) -> SqlResult<Expr> {
        // The commonest assignments (a bulk INSERT's every value), answered as `coerce`
        // answers them but without its general steps or the type cloned for an error: a value
        // already of the column's type is kept; an untyped string for a text column is read as
        // itself.
        if e.ty == *ty {
            return Ok(e);
        }
        if *ty == DataType::Text
            && e.ty == DataType::Unknown
            && matches!(e.kind, ExprKind::Literal(Value::Text(_)))
        {
            return Ok(Expr {
                ty: DataType::Text,
                ..e
            });
        }
        let from = e.ty.clone();
        self.coerce(e, ty, Coercion::Assignment).map_err(|err| {
            if err.code == SqlState::DATATYPE_MISMATCH || err.code == SqlState::CANNOT_COERCE {
                SqlError::new(
                    SqlState::DATATYPE_MISMATCH,
                    format!("column \"{column}\" is of type {ty} but expression is of type {from}"),
                )
                .with_hint("You will need to rewrite or cast the expression.")
            } else {
                err
            }
        })
    }

    pub(crate) fn table_checks(&mut self, table: &TableDef) -> SqlResult<Vec<CheckExpr>> {
        let scope = Scope::for_table(table, &table.name);
        let mut out = Vec::with_capacity(table.checks.len());
        for check in &table.checks {
            let ast = parse_stored_expr(&check.expr_sql)?;
            let mut cx = ExprContext::new(&scope, Clause::Check);
            let e = self.bind_condition(&ast, &mut cx)?;
            out.push(CheckExpr {
                name: check.name.clone(),
                expr: e,
            });
        }
        Ok(out)
    }

    pub(super) fn bind_returning(
        &mut self,
        items: &Option<Vec<SelectItem>>,
        scope: &Scope,
    ) -> SqlResult<Option<Returning>> {
        let Some(items) = items else {
            return Ok(None);
        };
        let mut exprs = Vec::new();
        let mut schema = Vec::new();
        for item in items {
            match item {
                SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                    let mut cx = ExprContext::new(scope, Clause::Returning);
                    let bound = self.bind_expr(e, &mut cx)?;
                    let bound = self.resolve_unknown(bound)?;
                    let name = match item {
                        SelectItem::ExprWithAlias { alias, .. } => normalize_ident(alias),
                        _ => figure_column_name(e),
                    };
                    let mut field = Field::new(name, bound.ty.clone());
                    if let ExprKind::Column(i) = bound.kind {
                        field.table_oid = scope.columns[i].table_oid;
                        field.column_attnum = scope.columns[i].attnum;
                    }
                    schema.push(field);
                    exprs.push(bound);
                }
                SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => {
                    for (i, c) in scope.columns.iter().enumerate() {
                        if c.hidden_unqualified {
                            continue;
                        }
                        exprs.push(Expr::column(i, c.ty.clone()));
                        schema.push(Field {
                            name: c.name.clone(),
                            ty: c.ty.clone(),
                            table_oid: c.table_oid,
                            column_attnum: c.attnum,
                        });
                    }
                }
                SelectItem::ExprWithAliases { .. } => {
                    return Err(SqlError::not_supported("multiple aliases in RETURNING"));
                }
            }
        }
        Ok(Some(Returning { exprs, schema }))
    }

    pub(super) fn target_table(&self, name: &ast::ObjectName) -> SqlResult<Arc<TableDef>> {
        let relation = self.relation_name(name)?;
        self.table_named(&relation, name)
    }

    pub(super) fn column_position(
        &self,
        table: &TableDef,
        name: &str,
        span: sqlparser::tokenizer::Span,
    ) -> SqlResult<usize> {
        table
            .visible_columns()
            .position(|c| c.name == name)
            .ok_or_else(|| {
                self.error_at(
                    SqlState::UNDEFINED_COLUMN,
                    format!(
                        "column \"{name}\" of relation \"{}\" does not exist",
                        table.name
                    ),
                    span,
                )
            })
    }

    pub(super) fn bind_assignments(
        &mut self,
        table: &TableDef,
        assignments: &[ast::Assignment],
        scope: &Scope,
    ) -> SqlResult<Vec<(usize, Expr)>> {
        let mut out: Vec<(usize, Expr)> = Vec::with_capacity(assignments.len());
        for a in assignments {
            let names = match &a.target {
                ast::AssignmentTarget::ColumnName(name) => {
                    if let Some((column, subscripts)) =
                        crate::parser_subscript::subscripted_target(name)
                    {
                        self.bind_element_assignment(
                            table,
                            &column,
                            &subscripts,
                            &a.value,
                            scope,
                            &mut out,
                        )?;
                        continue;
                    }
                    let value = AssignedValue::Syntax(&a.value);
                    self.bind_assignment(table, name, value, scope, &mut out)?;
                    continue;
                }
                ast::AssignmentTarget::Tuple(names) => names,
            };
            // SET (a, b) = (x, y) or SET (a, b) = (SELECT x, y ...).
            let values: Vec<AssignedValue<'_>> = match &a.value {
                AstExpr::Tuple(items) => items.iter().map(AssignedValue::Syntax).collect(),
                AstExpr::Nested(item) => vec![AssignedValue::Syntax(item)],
                AstExpr::Subquery(query) => self
                    .row_subquery_columns(query, scope)?
                    .into_iter()
                    .map(AssignedValue::Bound)
                    .collect(),
                other => {
                    return Err(self.error_at(
                        SqlState::SYNTAX_ERROR,
                        "source for a multiple-column UPDATE item must be a sub-SELECT or ROW() expression",
                        other.span(),
                    ));
                }
            };
            if values.len() != names.len() {
                return Err(self.error_at(
                    SqlState::SYNTAX_ERROR,
                    "number of columns does not match number of values",
                    a.value.span(),
                ));
            }
            for (name, value) in names.iter().zip(values) {
                self.bind_assignment(table, name, value, scope, &mut out)?;
            }
        }
        Ok(out)
    }

    /// The columns of a sub-SELECT assigned to several columns, each as a scalar subquery
    /// over the same plan (NULLs when it returns no row, 21000 for more than one).
    fn row_subquery_columns(&mut self, query: &ast::Query, scope: &Scope) -> SqlResult<Vec<Expr>> {
        let sub =
            self.bind_subquery_with_scope(query, SubqueryKind::Scalar, scope, Clause::Update)?;
        let schema = sub.plan.schema();
        let mut columns = Vec::with_capacity(schema.len());
        for (i, field) in schema.iter().enumerate() {
            let plan = LogicalPlan::Project {
                input: Box::new(sub.plan.as_ref().clone()),
                exprs: vec![Expr::column(i, field.ty.clone())],
                schema: vec![field.clone()],
            };
            let column = Subquery {
                plan: Arc::new(plan),
                kind: SubqueryKind::Scalar,
                correlated: sub.correlated,
            };
            columns.push(Expr::new(
                ExprKind::Subquery(Box::new(column)),
                field.ty.clone(),
            ));
        }
        Ok(columns)
    }

    /// One `column = value` of SET, appended to `out` by the column's position.
    fn bind_assignment(
        &mut self,
        table: &TableDef,
        target: &ast::ObjectName,
        value: AssignedValue<'_>,
        scope: &Scope,
        out: &mut Vec<(usize, Expr)>,
    ) -> SqlResult<()> {
        let parts = super::names::object_name_parts(target)?;
        let name = match parts.as_slice() {
            [n] => n.clone(),
            [q, n] if *q == table.name => n.clone(),
            _ => {
                return Err(SqlError::not_supported(
                    "assignment to a field or subscript is not supported",
                ));
            }
        };
        let pos = self.column_position(table, &name, target.span())?;
        if out.iter().any(|(p, _)| *p == pos) {
            return Err(self.error_at(
                SqlState::SYNTAX_ERROR,
                format!("multiple assignments to same column \"{name}\""),
                target.span(),
            ));
        }
        let Some(column) = table.visible_columns().nth(pos) else {
            return Err(SqlError::internal("column position out of range"));
        };
        let (ty, cname) = (column.data_type.clone(), column.name.clone());
        let value = match value {
            AssignedValue::Syntax(e) if is_default_keyword(e) => self.column_default(table, pos)?,
            AssignedValue::Syntax(e) => {
                let mut cx = ExprContext::new(scope, Clause::Update);
                let bound = self.bind_expr(e, &mut cx)?;
                self.coerce_assignment(bound, &ty, &cname)
                    .map_err(|err| self.at(err, e.span()))?
            }
            AssignedValue::Bound(e) => self.coerce_assignment(e, &ty, &cname)?,
        };
        out.push((pos, value));
        Ok(())
    }

    fn single_target(&mut self, from: &ast::TableWithJoins) -> SqlResult<(Arc<TableDef>, String)> {
        if !from.joins.is_empty() {
            return Err(SqlError::not_supported(
                "joins in the target of UPDATE or DELETE",
            ));
        }
        match &from.relation {
            ast::TableFactor::Table { name, alias, .. } => {
                let table = self.target_table(name)?;
                let qualifier = alias
                    .as_ref()
                    .map(|a| normalize_ident(&a.name))
                    .unwrap_or_else(|| table.name.clone());
                Ok((table, qualifier))
            }
            _ => Err(SqlError::not_supported(
                "UPDATE or DELETE of something other than a table",
            )),
        }
    }

    fn target_scan(
        &mut self,
        table: &Arc<TableDef>,
        scope: &Scope,
        selection: &Option<AstExpr>,
    ) -> SqlResult<ScanNode> {
        let filter = match selection {
            Some(w) => {
                let mut cx = ExprContext::new(scope, Clause::Where);
                Some(self.bind_condition(w, &mut cx)?)
            }
            None => None,
        };
        Ok(ScanNode {
            table: table.clone(),
            schema: table_schema(table),
            access: AccessPath::FullScan,
            reverse: false,
            filter,
            limit: None,
        })
    }

    pub fn bind_update(&mut self, update: &ast::Update) -> SqlResult<UpdatePlan> {
        if update.from.is_some() {
            return Err(SqlError::not_supported(
                "UPDATE ... FROM is not supported yet",
            ));
        }
        if update.limit.is_some() || !update.order_by.is_empty() {
            return Err(SqlError::syntax("syntax error at or near \"LIMIT\""));
        }
        let (table, qualifier) = self.single_target(&update.table)?;
        let scope = Scope::for_table(&table, &qualifier);
        let assignments = self.bind_assignments(&table, &update.assignments, &scope)?;
        let scan = self.target_scan(&table, &scope, &update.selection)?;
        let checks = self.table_checks(&table)?;
        let returning = self.bind_returning(&update.returning, &scope)?;
        Ok(UpdatePlan {
            table,
            scan,
            assignments,
            checks,
            returning,
        })
    }

    pub fn bind_delete(&mut self, delete: &ast::Delete) -> SqlResult<DeletePlan> {
        if delete.using.is_some() {
            return Err(SqlError::not_supported(
                "DELETE ... USING is not supported yet",
            ));
        }
        if delete.limit.is_some() || !delete.order_by.is_empty() {
            return Err(SqlError::syntax("syntax error at or near \"LIMIT\""));
        }
        let from = match &delete.from {
            ast::FromTable::WithFromKeyword(t) | ast::FromTable::WithoutKeyword(t) => t,
        };
        let [target] = from.as_slice() else {
            return Err(SqlError::not_supported("DELETE from several tables"));
        };
        let (table, qualifier) = self.single_target(target)?;
        let scope = Scope::for_table(&table, &qualifier);
        let scan = self.target_scan(&table, &scope, &delete.selection)?;
        let returning = self.bind_returning(&delete.returning, &scope)?;
        Ok(DeletePlan {
            table,
            scan,
            returning,
        })
    }
}

/// The table's visible columns as plan fields.
pub(crate) fn table_schema(table: &TableDef) -> Vec<Field> {
    table
        .visible_columns()
        .map(|c| Field {
            name: c.name.clone(),
            ty: c.data_type.clone(),
            table_oid: table.oid,
            column_attnum: c.attnum as i16,
        })
        .collect()
}
