//! Binding queries: SELECT with its clauses in PostgreSQL's order of evaluation, set
//! operations, VALUES, ORDER BY / LIMIT, and WITH.

use std::collections::HashMap;
use std::sync::Arc;

use sqlparser::ast::{
    self, Expr as AstExpr, SelectItem, SetExpr, SetOperator, SetQuantifier, Spanned,
};

use embeddb_types::{DataType, SqlError, SqlResult, SqlState};

use super::expr::{AggregateCollector, Clause, Coercion, ExprContext};
use super::names::{figure_column_name, normalize_ident};
use super::{Binder, CteBinding, Scope};
use crate::expr::{Expr, ExprKind};
use crate::plan::{Field, LogicalPlan, SetOpKind, SortKey, ValuesRows};

/// An ORDER BY item before the projection is built.
enum OrderTarget {
    /// The i-th select-list item (by output name or ordinal).
    Output(usize),
    /// An expression over the query's input (or over the grouped row once rewritten).
    Expression(Expr),
}

struct OrderItem {
    target: OrderTarget,
    descending: bool,
    nulls_first: bool,
}

/// The LIMIT and OFFSET of a query, as bound expressions.
#[derive(Default)]
pub(crate) struct LimitOffset {
    pub limit: Option<Expr>,
    pub offset: Option<Expr>,
}

impl Binder<'_> {
    /// Binds a whole query (WITH, body, ORDER BY, LIMIT/OFFSET) to a logical plan whose schema
    /// names the output columns.
    pub fn bind_query(&mut self, query: &ast::Query) -> SqlResult<LogicalPlan> {
        let has_limit = matches!(
            &query.limit_clause,
            Some(ast::LimitClause::LimitOffset { limit: Some(_), .. })
                | Some(ast::LimitClause::OffsetCommaLimit { .. })
        );
        if query.fetch.is_some() && has_limit {
            return Err(SqlError::syntax("syntax error: both LIMIT and FETCH given"));
        }
        if !query.locks.is_empty() {
            // FOR UPDATE / FOR SHARE: rows are locked when written; reads need no lock here.
        }
        // Only the top SELECT of an INSERT source keeps unknown outputs, not its CTEs.
        let keep_unknown = std::mem::take(&mut self.keep_unknown_outputs);
        let pushed_cte_scope = match &query.with {
            Some(with) => {
                self.bind_with(with)?;
                true
            }
            None => false,
        };
        self.keep_unknown_outputs =
            keep_unknown && matches!(query.body.as_ref(), SetExpr::Select(_));
        let result = self.bind_query_body(query);
        self.keep_unknown_outputs = false;
        if pushed_cte_scope {
            self.ctes.pop();
        }
        result
    }

    /// Runs `f` with the CTEs of a WITH clause visible (a WITH before INSERT, UPDATE or
    /// DELETE).
    pub fn with_ctes<T>(
        &mut self,
        with: Option<&ast::With>,
        f: impl FnOnce(&mut Self) -> SqlResult<T>,
    ) -> SqlResult<T> {
        let Some(with) = with else {
            return f(self);
        };
        let depth = self.ctes.len();
        let result = self.bind_with(with).and_then(|()| f(self));
        self.ctes.truncate(depth);
        result
    }

    fn bind_query_body(&mut self, query: &ast::Query) -> SqlResult<LogicalPlan> {
        let limits = self.bind_limit(query)?;
        let order_by: &[ast::OrderByExpr] = match &query.order_by {
            Some(ob) => match &ob.kind {
                ast::OrderByKind::Expressions(exprs) => exprs,
                ast::OrderByKind::All(_) => {
                    return Err(SqlError::syntax("syntax error at or near \"ALL\""));
                }
            },
            None => &[],
        };
        match query.body.as_ref() {
            SetExpr::Select(select) => self.bind_select(select, order_by, limits),
            other => {
                let plan = self.bind_set_expr(other)?;
                self.apply_output_order_and_limit(plan, order_by, limits)
            }
        }
    }

    fn bind_limit(&mut self, query: &ast::Query) -> SqlResult<LimitOffset> {
        let mut out = LimitOffset::default();
        let empty = Scope::default();
        let (limit, offset) = match &query.limit_clause {
            Some(ast::LimitClause::LimitOffset { limit, offset, .. }) => {
                (limit.as_ref(), offset.as_ref().map(|o| &o.value))
            }
            Some(ast::LimitClause::OffsetCommaLimit { .. }) => {
                return Err(SqlError::syntax("LIMIT #,# syntax is not supported")
                    .with_hint("Use separate LIMIT and OFFSET clauses."));
            }
            None => (None, None),
        };
        let fetch_quantity = query.fetch.as_ref().and_then(|f| f.quantity.as_ref());
        if let Some(l) = limit.or(fetch_quantity) {
            // LIMIT ALL / LIMIT NULL mean no limit.
            if !matches!(l, AstExpr::Value(v) if v.value == ast::Value::Null) {
                let mut cx = ExprContext::new(&empty, Clause::Limit);
                let e = self.bind_expr(l, &mut cx)?;
                out.limit = Some(self.limit_expr(e, "LIMIT")?);
            }
        }
        if let Some(o) = offset {
            let mut cx = ExprContext::new(&empty, Clause::Limit);
            let e = self.bind_expr(o, &mut cx)?;
            out.offset = Some(self.limit_expr(e, "OFFSET")?);
        }
        Ok(out)
    }

    fn limit_expr(&mut self, e: Expr, what: &str) -> SqlResult<Expr> {
        if e.references_columns() {
            return Err(SqlError::new(
                SqlState::INVALID_COLUMN_REFERENCE,
                format!("argument of {what} must not contain variables"),
            ));
        }
        // An untyped literal is read as bigint (22P02 for `LIMIT 'x'`); other types must cast.
        let untyped = e.ty == DataType::Unknown;
        self.coerce(e, &DataType::Int8, Coercion::Implicit)
            .map_err(|err| {
                if untyped {
                    return err;
                }
                SqlError::new(
                    SqlState::DATATYPE_MISMATCH,
                    format!("argument of {what} must be type bigint"),
                )
            })
    }

    /// A query body that is not a plain SELECT: VALUES, set operations, a parenthesised query.
    pub(crate) fn bind_set_expr(&mut self, body: &SetExpr) -> SqlResult<LogicalPlan> {
        match body {
            SetExpr::Select(select) => self.bind_select(select, &[], LimitOffset::default()),
            SetExpr::Query(q) => self.bind_query(q),
            SetExpr::Values(values) => self.bind_values(values),
            SetExpr::SetOperation {
                left,
                op,
                set_quantifier,
                right,
            } => {
                let kind = match op {
                    SetOperator::Union => SetOpKind::Union,
                    SetOperator::Intersect => SetOpKind::Intersect,
                    SetOperator::Except | SetOperator::Minus => SetOpKind::Except,
                };
                let all = match set_quantifier {
                    SetQuantifier::All => true,
                    SetQuantifier::Distinct | SetQuantifier::None => false,
                    _ => {
                        return Err(SqlError::not_supported(format!(
                            "{set_quantifier} is not supported"
                        )));
                    }
                };
                let left = self.bind_set_expr(left)?;
                let right = self.bind_set_expr(right)?;
                self.set_operation(left, right, kind, all)
            }
            SetExpr::Table(t) => {
                let name = t
                    .table_name
                    .as_ref()
                    .map(super::names::normalize_ident)
                    .unwrap_or_default();
                let table = self.table(&name, body.span())?;
                let scope_name = table.name.clone();
                let (plan, _scope) = self.table_scan(table, &scope_name, None)?;
                Ok(plan)
            }
            _ => Err(SqlError::not_supported(
                "this kind of query is not supported",
            )),
        }
    }

    pub(crate) fn set_operation(
        &mut self,
        left: LogicalPlan,
        right: LogicalPlan,
        kind: SetOpKind,
        all: bool,
    ) -> SqlResult<LogicalPlan> {
        let op_name = match kind {
            SetOpKind::Union => "UNION",
            SetOpKind::Intersect => "INTERSECT",
            SetOpKind::Except => "EXCEPT",
        };
        let ls = left.schema();
        let rs = right.schema();
        if ls.len() != rs.len() {
            return Err(SqlError::new(
                SqlState::SYNTAX_ERROR,
                format!("each {op_name} query must have the same number of columns"),
            ));
        }
        let mut types = Vec::with_capacity(ls.len());
        for (l, r) in ls.iter().zip(&rs) {
            let t = embeddb_types::ops::common_type(&[l.ty.clone(), r.ty.clone()], op_name)?;
            types.push(if t == DataType::Unknown {
                DataType::Text
            } else {
                t
            });
        }
        let left = self.cast_plan_columns(left, &types)?;
        let right = self.cast_plan_columns(right, &types)?;
        let schema: Vec<Field> = ls
            .iter()
            .zip(&types)
            .map(|(f, t)| Field::new(f.name.clone(), t.clone()))
            .collect();
        Ok(LogicalPlan::SetOp {
            left: Box::new(left),
            right: Box::new(right),
            kind,
            all,
            schema,
        })
    }

    /// Adds a projection casting each output column to the given type where it differs.
    pub(crate) fn cast_plan_columns(
        &mut self,
        plan: LogicalPlan,
        types: &[DataType],
    ) -> SqlResult<LogicalPlan> {
        let schema = plan.schema();
        if schema.iter().zip(types).all(|(f, t)| f.ty == *t) {
            return Ok(plan);
        }
        let mut exprs = Vec::with_capacity(schema.len());
        let mut fields = Vec::with_capacity(schema.len());
        for (i, (f, t)) in schema.iter().zip(types).enumerate() {
            let col = Expr::column(i, f.ty.clone());
            exprs.push(self.coerce(col, t, Coercion::Implicit)?);
            let mut field = f.clone();
            field.ty = t.clone();
            if f.ty != *t {
                field.table_oid = 0;
                field.column_attnum = 0;
            }
            fields.push(field);
        }
        Ok(LogicalPlan::Project {
            input: Box::new(plan),
            exprs,
            schema: fields,
        })
    }

    fn bind_values(&mut self, values: &ast::Values) -> SqlResult<LogicalPlan> {
        let empty = Scope::default();
        let mut rows: Vec<Vec<Expr>> = Vec::with_capacity(values.rows.len());
        let width = values.rows.first().map_or(0, |r| r.content.len());
        for row in &values.rows {
            if row.content.len() != width {
                return Err(SqlError::new(
                    SqlState::SYNTAX_ERROR,
                    "VALUES lists must all be the same length",
                ));
            }
            let mut bound = Vec::with_capacity(width);
            for e in &row.content {
                let mut cx = ExprContext::new(&empty, Clause::Values);
                bound.push(self.bind_expr(e, &mut cx)?);
            }
            rows.push(bound);
        }
        let mut schema = Vec::with_capacity(width);
        for col in 0..width {
            let types: Vec<DataType> = rows.iter().map(|r| r[col].ty.clone()).collect();
            let mut ty = embeddb_types::ops::common_type(&types, "VALUES")?;
            if ty == DataType::Unknown {
                ty = DataType::Text;
            }
            for row in rows.iter_mut() {
                let e = std::mem::replace(&mut row[col], Expr::null(DataType::Unknown));
                row[col] = self.coerce(e, &ty, Coercion::Implicit)?;
            }
            schema.push(Field::new(format!("column{}", col + 1), ty));
        }
        Ok(LogicalPlan::Values {
            rows: Arc::new(ValuesRows::Exprs(rows)),
            schema,
        })
    }

    /// ORDER BY and LIMIT over a query's output columns (set operations, VALUES).
    fn apply_output_order_and_limit(
        &mut self,
        plan: LogicalPlan,
        order_by: &[ast::OrderByExpr],
        limits: LimitOffset,
    ) -> SqlResult<LogicalPlan> {
        let schema = plan.schema();
        let scope = Scope::from_schema(&schema, None);
        let mut plan = plan;
        if !order_by.is_empty() {
            let mut keys = Vec::with_capacity(order_by.len());
            for item in order_by {
                let expr = match ordinal(&item.expr) {
                    Some(n) => {
                        if n < 1 || n as usize > schema.len() {
                            return Err(self.error_at(
                                SqlState::INVALID_COLUMN_REFERENCE,
                                format!("ORDER BY position {n} is not in select list"),
                                item.expr.span(),
                            ));
                        }
                        let i = n as usize - 1;
                        Expr::column(i, schema[i].ty.clone())
                    }
                    None => {
                        let mut cx = ExprContext::new(&scope, Clause::OrderBy);
                        let e = self.bind_expr(&item.expr, &mut cx)?;
                        self.resolve_unknown(e)?
                    }
                };
                let (descending, nulls_first) = sort_options(&item.options);
                keys.push(SortKey {
                    expr,
                    descending,
                    nulls_first,
                });
            }
            plan = LogicalPlan::Sort {
                input: Box::new(plan),
                keys,
                limit: None,
            };
        }
        Ok(apply_limit(plan, limits))
    }

    /// Binds one SELECT with its ORDER BY and LIMIT.
    pub(crate) fn bind_select(
        &mut self,
        select: &ast::Select,
        order_by: &[ast::OrderByExpr],
        limits: LimitOffset,
    ) -> SqlResult<LogicalPlan> {
        // DISTINCT compares the values, so it needs their types: unknowns become text first.
        let keep_unknown =
            std::mem::take(&mut self.keep_unknown_outputs) && select.distinct.is_none();
        reject_unsupported_select(select)?;
        let (mut plan, scope) = self.bind_from(&select.from)?;

        if let Some(selection) = &select.selection {
            let mut cx = ExprContext::new(&scope, Clause::Where);
            let predicate = self.bind_condition(selection, &mut cx)?;
            plan = LogicalPlan::Filter {
                input: Box::new(plan),
                predicate,
            };
        }

        // The select list, with aggregates and window functions collected as placeholders.
        super::window::check_window_clause(&select.named_window)?;
        let mut collector = AggregateCollector {
            named_windows: select.named_window.clone(),
            ..AggregateCollector::default()
        };
        let mut items: Vec<(Expr, Field)> = Vec::new();
        for item in &select.projection {
            self.bind_select_item(item, &scope, &mut collector, &mut items)?;
        }

        let group_by = self.bind_group_by(&select.group_by, &scope, &items)?;

        let having = match &select.having {
            Some(h) => {
                let mut cx = ExprContext::with_collector(&scope, Clause::Having, &mut collector);
                Some(self.bind_condition(h, &mut cx)?)
            }
            None => None,
        };

        let mut order_items = Vec::with_capacity(order_by.len());
        for item in order_by {
            order_items.push(self.bind_order_item(item, &scope, &mut collector, &items)?);
        }

        let distinct_on = match &select.distinct {
            Some(ast::Distinct::On(exprs)) => {
                let mut bound = Vec::with_capacity(exprs.len());
                for e in exprs {
                    let mut cx =
                        ExprContext::with_collector(&scope, Clause::SelectList, &mut collector);
                    bound.push(self.bind_expr(e, &mut cx)?);
                }
                Some(bound)
            }
            _ => None,
        };

        let grouped = !group_by.is_empty() || !collector.aggregates.is_empty() || having.is_some();
        let mut select_exprs: Vec<Expr> = items.iter().map(|(e, _)| e.clone()).collect();
        let mut order_exprs: Vec<Option<Expr>> = order_items
            .iter()
            .map(|o| match &o.target {
                OrderTarget::Expression(e) => Some(e.clone()),
                OrderTarget::Output(_) => None,
            })
            .collect();
        let mut distinct_on = distinct_on;
        let mut having = having;

        if grouped {
            let catalog = self.catalog.clone();
            let mut regroup = super::grouping::Regrouper::new(
                &scope,
                &catalog,
                group_by,
                collector.aggregates.len(),
            );
            for e in select_exprs.iter_mut() {
                *e = regroup.rewrite(std::mem::replace(e, Expr::boolean(true)))?;
            }
            for e in order_exprs.iter_mut().flatten() {
                *e = regroup.rewrite(std::mem::replace(e, Expr::boolean(true)))?;
            }
            if let Some(h) = having.take() {
                having = Some(regroup.rewrite(h)?);
            }
            if let Some(on) = distinct_on.as_mut() {
                for e in on.iter_mut() {
                    *e = regroup.rewrite(std::mem::replace(e, Expr::boolean(true)))?;
                }
            }
            for w in collector.windows.iter_mut() {
                regroup.rewrite_window(w)?;
            }
            for a in collector.srfs.iter_mut().flat_map(|c| c.args.iter_mut()) {
                *a = regroup.rewrite(std::mem::replace(a, Expr::boolean(true)))?;
            }
            let (group_exprs, group_fields) = regroup.finish();
            let mut schema: Vec<Field> = collector
                .aggregates
                .iter()
                .enumerate()
                .map(|(i, agg)| Field::new(format!("agg{i}"), agg.ty.clone()))
                .collect();
            schema.extend(group_fields);
            plan = LogicalPlan::Aggregate {
                input: Box::new(plan),
                group_by: group_exprs,
                aggregates: std::mem::take(&mut collector.aggregates),
                schema,
            };
            if let Some(h) = having.take() {
                plan = LogicalPlan::Filter {
                    input: Box::new(plan),
                    predicate: h,
                };
            }
        }

        if !collector.windows.is_empty() {
            let base = plan.column_count();
            let mut schema = plan.schema();
            for (i, w) in collector.windows.iter().enumerate() {
                schema.push(Field::new(format!("window{i}"), w.ty.clone()));
            }
            let resolve_windows = |e: Expr| -> SqlResult<Expr> {
                e.transform(&mut |node| match node.kind {
                    ExprKind::WindowRef(i) => Ok(Expr::column(base + i, node.ty)),
                    _ => Ok(node),
                })
            };
            for e in select_exprs.iter_mut() {
                *e = resolve_windows(std::mem::replace(e, Expr::boolean(true)))?;
            }
            for e in order_exprs.iter_mut().flatten() {
                *e = resolve_windows(std::mem::replace(e, Expr::boolean(true)))?;
            }
            for a in collector.srfs.iter_mut().flat_map(|c| c.args.iter_mut()) {
                *a = resolve_windows(std::mem::replace(a, Expr::boolean(true)))?;
            }
            plan = LogicalPlan::Window {
                input: Box::new(plan),
                calls: std::mem::take(&mut collector.windows),
                schema,
            };
        }

        // Set-returning functions of the select list run after grouping and windows.
        if !collector.srfs.is_empty() {
            let mut targets: Vec<&mut Expr> = select_exprs.iter_mut().collect();
            targets.extend(order_exprs.iter_mut().flatten());
            targets.extend(distinct_on.iter_mut().flatten());
            plan =
                super::srf::project_set(plan, std::mem::take(&mut collector.srfs), &mut targets)?;
        }

        // The projection: the select list, then hidden columns for ORDER BY expressions that
        // are not in it.
        let visible = select_exprs.len();
        let mut fields: Vec<Field> = items.iter().map(|(_, f)| f.clone()).collect();
        for (e, f) in select_exprs.iter().zip(fields.iter_mut()) {
            f.ty = e.ty.clone();
        }
        let mut keys = Vec::with_capacity(order_items.len());
        for (item, expr) in order_items.iter().zip(order_exprs) {
            let column = match (&item.target, expr) {
                (OrderTarget::Output(i), _) => *i,
                (OrderTarget::Expression(_), Some(e)) => {
                    match select_exprs.iter().position(|s| *s == e) {
                        Some(i) => i,
                        None => {
                            // DISTINCT ON keeps the first row of each group, so it may sort by
                            // more than it outputs; plain DISTINCT compares whole rows.
                            if matches!(select.distinct, Some(ast::Distinct::Distinct)) {
                                return Err(SqlError::new(
                                    SqlState::INVALID_COLUMN_REFERENCE,
                                    "for SELECT DISTINCT, ORDER BY expressions must appear in select list",
                                ));
                            }
                            select_exprs.push(e.clone());
                            fields.push(Field::new("?sort?", e.ty.clone()));
                            select_exprs.len() - 1
                        }
                    }
                }
                (OrderTarget::Expression(_), None) => {
                    return Err(SqlError::internal("ORDER BY expression lost"));
                }
            };
            keys.push(SortKey {
                expr: Expr::column(column, fields[column].ty.clone()),
                descending: item.descending,
                nulls_first: item.nulls_first,
            });
        }
        // DISTINCT ON expressions become hidden columns too, sorted first.
        let mut distinct_on_columns = Vec::new();
        if let Some(on) = distinct_on {
            for e in on {
                let column = match select_exprs.iter().position(|s| *s == e) {
                    Some(i) => i,
                    None => {
                        select_exprs.push(e.clone());
                        fields.push(Field::new("?distinct?", e.ty.clone()));
                        select_exprs.len() - 1
                    }
                };
                distinct_on_columns.push(Expr::column(column, fields[column].ty.clone()));
            }
            // PostgreSQL requires ORDER BY to start with the DISTINCT ON expressions.
            for (i, on) in distinct_on_columns.iter().enumerate() {
                match keys.get(i) {
                    Some(k) if k.expr == *on => {}
                    Some(_) => {
                        return Err(SqlError::new(
                            SqlState::INVALID_COLUMN_REFERENCE,
                            "SELECT DISTINCT ON expressions must match initial ORDER BY expressions",
                        ));
                    }
                    None => keys.push(SortKey {
                        expr: on.clone(),
                        descending: false,
                        nulls_first: false,
                    }),
                }
            }
        }
        // Unknown-typed select items (SELECT 'a') are text in the result, unless an INSERT
        // gives them its columns' types.
        for (e, f) in select_exprs.iter_mut().zip(fields.iter_mut()) {
            if e.ty == DataType::Unknown && !keep_unknown {
                *e = self.resolve_unknown(std::mem::replace(e, Expr::boolean(true)))?;
                f.ty = DataType::Text;
            }
        }
        plan = LogicalPlan::Project {
            input: Box::new(plan),
            exprs: select_exprs,
            schema: fields.clone(),
        };
        let has_hidden = fields.len() > visible;
        match &select.distinct {
            Some(ast::Distinct::Distinct) => {
                plan = LogicalPlan::Distinct {
                    input: Box::new(plan),
                    on: None,
                };
            }
            Some(ast::Distinct::On(_)) => {
                if !keys.is_empty() {
                    plan = LogicalPlan::Sort {
                        input: Box::new(plan),
                        keys: std::mem::take(&mut keys),
                        limit: None,
                    };
                }
                plan = LogicalPlan::Distinct {
                    input: Box::new(plan),
                    on: Some(distinct_on_columns),
                };
            }
            _ => {}
        }
        if !keys.is_empty() {
            plan = LogicalPlan::Sort {
                input: Box::new(plan),
                keys,
                limit: None,
            };
        }
        plan = apply_limit(plan, limits);
        if has_hidden {
            let exprs = fields[..visible]
                .iter()
                .enumerate()
                .map(|(i, f)| Expr::column(i, f.ty.clone()))
                .collect();
            plan = LogicalPlan::Project {
                input: Box::new(plan),
                exprs,
                schema: fields[..visible].to_vec(),
            };
        }
        Ok(plan)
    }

    fn bind_select_item(
        &mut self,
        item: &SelectItem,
        scope: &Scope,
        collector: &mut AggregateCollector,
        items: &mut Vec<(Expr, Field)>,
    ) -> SqlResult<()> {
        match item {
            SelectItem::UnnamedExpr(e) => {
                let mut cx = ExprContext::with_collector(scope, Clause::SelectList, collector);
                let bound = self.bind_expr(e, &mut cx)?;
                let mut field = Field::new(figure_column_name(e), bound.ty.clone());
                if let ExprKind::Column(i) = bound.kind {
                    field.table_oid = scope.columns[i].table_oid;
                    field.column_attnum = scope.columns[i].attnum;
                }
                items.push((bound, field));
            }
            SelectItem::ExprWithAlias { expr, alias } => {
                let mut cx = ExprContext::with_collector(scope, Clause::SelectList, collector);
                let bound = self.bind_expr(expr, &mut cx)?;
                let mut field = Field::new(normalize_ident(alias), bound.ty.clone());
                if let ExprKind::Column(i) = bound.kind {
                    field.table_oid = scope.columns[i].table_oid;
                    field.column_attnum = scope.columns[i].attnum;
                }
                items.push((bound, field));
            }
            SelectItem::Wildcard(_) => {
                if scope.columns.is_empty() {
                    return Err(SqlError::new(
                        SqlState::SYNTAX_ERROR,
                        "SELECT * with no tables specified is not valid",
                    ));
                }
                for (i, c) in scope.columns.iter().enumerate() {
                    if c.hidden_unqualified {
                        continue;
                    }
                    items.push((Expr::column(i, c.ty.clone()), scope_field(c)));
                }
            }
            SelectItem::QualifiedWildcard(kind, _) => {
                let qualifier = match kind {
                    ast::SelectItemQualifiedWildcardKind::ObjectName(name) => {
                        super::names::object_name_parts(name)?
                            .last()
                            .cloned()
                            .unwrap_or_default()
                    }
                    ast::SelectItemQualifiedWildcardKind::Expr(_) => {
                        return Err(SqlError::not_supported("(expression).* is not supported"));
                    }
                };
                let mut any = false;
                for (i, c) in scope.columns.iter().enumerate() {
                    if c.qualifier.as_deref() == Some(qualifier.as_str()) {
                        items.push((Expr::column(i, c.ty.clone()), scope_field(c)));
                        any = true;
                    }
                }
                if !any {
                    return Err(SqlError::new(
                        SqlState::UNDEFINED_TABLE,
                        format!("missing FROM-clause entry for table \"{qualifier}\""),
                    ));
                }
            }
            SelectItem::ExprWithAliases { .. } => {
                return Err(SqlError::not_supported(
                    "multiple aliases are not supported",
                ));
            }
        }
        Ok(())
    }

    fn bind_group_by(
        &mut self,
        group_by: &ast::GroupByExpr,
        scope: &Scope,
        items: &[(Expr, Field)],
    ) -> SqlResult<Vec<Expr>> {
        let exprs = match group_by {
            ast::GroupByExpr::Expressions(exprs, modifiers) => {
                if !modifiers.is_empty() {
                    return Err(SqlError::not_supported(
                        "GROUP BY modifiers are not supported",
                    ));
                }
                exprs
            }
            ast::GroupByExpr::All(_) => {
                return Err(SqlError::not_supported("GROUP BY ALL is not supported"));
            }
        };
        let mut out = Vec::with_capacity(exprs.len());
        for e in exprs {
            if let Some(n) = ordinal(e) {
                if n < 1 || n as usize > items.len() {
                    return Err(self.error_at(
                        SqlState::INVALID_COLUMN_REFERENCE,
                        format!("GROUP BY position {n} is not in select list"),
                        e.span(),
                    ));
                }
                let item = &items[n as usize - 1].0;
                if item.any(&mut |x| matches!(x.kind, ExprKind::AggregateRef(_))) {
                    return Err(SqlError::new(
                        SqlState::GROUPING_ERROR,
                        "aggregate functions are not allowed in GROUP BY",
                    ));
                }
                out.push(item.clone());
                continue;
            }
            // An input column wins over an output name, as in PostgreSQL.
            let mut cx = ExprContext::new(scope, Clause::GroupBy);
            match self.bind_expr(e, &mut cx) {
                Ok(bound) => out.push(self.resolve_unknown(bound)?),
                Err(err) if err.code == SqlState::UNDEFINED_COLUMN => {
                    let name = match e {
                        AstExpr::Identifier(i) => Some(normalize_ident(i)),
                        _ => None,
                    };
                    match name.and_then(|n| items.iter().find(|(_, f)| f.name == n)) {
                        Some((item, _)) => out.push(item.clone()),
                        None => return Err(err),
                    }
                }
                Err(err) => return Err(err),
            }
        }
        Ok(out)
    }

    fn bind_order_item(
        &mut self,
        item: &ast::OrderByExpr,
        scope: &Scope,
        collector: &mut AggregateCollector,
        items: &[(Expr, Field)],
    ) -> SqlResult<OrderItem> {
        let (descending, nulls_first) = sort_options(&item.options);
        if let Some(n) = ordinal(&item.expr) {
            if n < 1 || n as usize > items.len() {
                return Err(self.error_at(
                    SqlState::INVALID_COLUMN_REFERENCE,
                    format!("ORDER BY position {n} is not in select list"),
                    item.expr.span(),
                ));
            }
            return Ok(OrderItem {
                target: OrderTarget::Output(n as usize - 1),
                descending,
                nulls_first,
            });
        }
        // A bare name matching one output column refers to it (PostgreSQL prefers output
        // names in ORDER BY).
        if let AstExpr::Identifier(ident) = &item.expr {
            let name = normalize_ident(ident);
            let matches: Vec<usize> = items
                .iter()
                .enumerate()
                .filter(|(_, (_, f))| f.name == name)
                .map(|(i, _)| i)
                .collect();
            if matches.len() > 1 {
                let first = &items[matches[0]].0;
                if matches.iter().any(|i| items[*i].0 != *first) {
                    return Err(self.error_at(
                        SqlState::AMBIGUOUS_COLUMN,
                        format!("ORDER BY \"{name}\" is ambiguous"),
                        ident.span,
                    ));
                }
            }
            if let Some(i) = matches.first() {
                return Ok(OrderItem {
                    target: OrderTarget::Output(*i),
                    descending,
                    nulls_first,
                });
            }
        }
        let mut cx = ExprContext::with_collector(scope, Clause::OrderBy, collector);
        let bound = self.bind_expr(&item.expr, &mut cx)?;
        let bound = self.resolve_unknown(bound)?;
        Ok(OrderItem {
            target: OrderTarget::Expression(bound),
            descending,
            nulls_first,
        })
    }

    fn bind_with(&mut self, with: &ast::With) -> SqlResult<()> {
        self.ctes.push(HashMap::new());
        for cte in &with.cte_tables {
            let name = normalize_ident(&cte.alias.name);
            if self.ctes.last().is_some_and(|m| m.contains_key(&name)) {
                return Err(SqlError::new(
                    SqlState::DUPLICATE_ALIAS,
                    format!("WITH query name \"{name}\" specified more than once"),
                ));
            }
            let column_names: Vec<String> = cte
                .alias
                .columns
                .iter()
                .map(|c| normalize_ident(&c.name))
                .collect();
            let binding = if with.recursive && self.query_references(&cte.query, &name) {
                self.bind_recursive_cte(&name, &cte.query, &column_names)?
            } else {
                let plan = self.bind_query(&cte.query)?;
                let schema = rename_schema(plan.schema(), &column_names, &name)?;
                CteBinding {
                    plan: Arc::new(plan),
                    schema,
                    id: self.next_id(),
                    recursive_work_table: false,
                }
            };
            if let Some(scope) = self.ctes.last_mut() {
                scope.insert(name, binding);
            }
        }
        Ok(())
    }

    /// Whether a query mentions a table name (to tell a recursive CTE from a plain one).
    fn query_references(&self, query: &ast::Query, name: &str) -> bool {
        let text = query.to_string().to_lowercase();
        text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|word| word == name)
    }

    fn bind_recursive_cte(
        &mut self,
        name: &str,
        query: &ast::Query,
        column_names: &[String],
    ) -> SqlResult<CteBinding> {
        let SetExpr::SetOperation {
            left,
            op: SetOperator::Union,
            set_quantifier,
            right,
        } = query.body.as_ref()
        else {
            return Err(SqlError::new(
                SqlState::INVALID_RECURSION,
                format!(
                    "recursive query \"{name}\" does not have the form non-recursive-term UNION [ALL] recursive-term"
                ),
            ));
        };
        let all = matches!(set_quantifier, SetQuantifier::All);
        let anchor = self.bind_set_expr(left)?;
        let anchor_schema = rename_schema(anchor.schema(), column_names, name)?;
        let anchor_schema: Vec<Field> = anchor_schema
            .into_iter()
            .map(|mut f| {
                if f.ty == DataType::Unknown {
                    f.ty = DataType::Text;
                }
                f
            })
            .collect();
        let types: Vec<DataType> = anchor_schema.iter().map(|f| f.ty.clone()).collect();
        let anchor = self.cast_plan_columns(anchor, &types)?;
        let id = self.next_id();
        let work = CteBinding {
            plan: Arc::new(LogicalPlan::WorkTable {
                id,
                schema: anchor_schema.clone(),
            }),
            schema: anchor_schema.clone(),
            id,
            recursive_work_table: true,
        };
        if let Some(scope) = self.ctes.last_mut() {
            scope.insert(name.to_string(), work);
        }
        let recursive = self.bind_set_expr(right)?;
        let recursive_schema = recursive.schema();
        if recursive_schema.len() != types.len() {
            return Err(SqlError::new(
                SqlState::SYNTAX_ERROR,
                "each UNION query must have the same number of columns",
            ));
        }
        for (i, (f, t)) in recursive_schema.iter().zip(&types).enumerate() {
            if f.ty != *t
                && f.ty != DataType::Unknown
                && embeddb_types::cast::cast_context(&f.ty, t)
                    != Some(embeddb_types::cast::CastContext::Implicit)
            {
                return Err(SqlError::new(
                    SqlState::DATATYPE_MISMATCH,
                    format!(
                        "recursive query \"{name}\" column {} has type {t} in non-recursive term but type {} overall",
                        i + 1,
                        f.ty
                    ),
                )
                .with_hint("Cast the output of the non-recursive term to the correct type."));
            }
        }
        let recursive = self.cast_plan_columns(recursive, &types)?;
        if let Some(scope) = self.ctes.last_mut() {
            scope.remove(name);
        }
        let plan = LogicalPlan::RecursiveUnion {
            id,
            anchor: Box::new(anchor),
            recursive: Box::new(recursive),
            all,
            schema: anchor_schema.clone(),
        };
        Ok(CteBinding {
            plan: Arc::new(plan),
            schema: anchor_schema,
            id,
            recursive_work_table: false,
        })
    }

    /// A CTE visible by this name, innermost WITH first.
    pub(crate) fn find_cte(&self, name: &str) -> Option<CteBinding> {
        self.ctes
            .iter()
            .rev()
            .find_map(|scope| scope.get(name).cloned())
    }
}

fn scope_field(c: &super::ScopeColumn) -> Field {
    Field {
        name: c.name.clone(),
        ty: c.ty.clone(),
        table_oid: c.table_oid,
        column_attnum: c.attnum,
    }
}

/// Renames a plan's output columns by an alias column list (extra plan columns keep names).
pub(crate) fn rename_schema(
    mut schema: Vec<Field>,
    names: &[String],
    relation: &str,
) -> SqlResult<Vec<Field>> {
    if names.len() > schema.len() {
        return Err(SqlError::new(
            SqlState::INVALID_COLUMN_REFERENCE,
            format!(
                "table \"{relation}\" has {} columns available but {} columns specified",
                schema.len(),
                names.len()
            ),
        ));
    }
    for (f, n) in schema.iter_mut().zip(names) {
        f.name = n.clone();
    }
    Ok(schema)
}

fn apply_limit(plan: LogicalPlan, limits: LimitOffset) -> LogicalPlan {
    if limits.limit.is_none() && limits.offset.is_none() {
        return plan;
    }
    LogicalPlan::Limit {
        input: Box::new(plan),
        limit: limits.limit,
        offset: limits.offset,
    }
}

/// An integer literal in ORDER BY / GROUP BY is a column position.
fn ordinal(expr: &AstExpr) -> Option<i64> {
    match expr {
        AstExpr::Value(v) => match &v.value {
            ast::Value::Number(n, _) => n.parse::<i64>().ok(),
            _ => None,
        },
        _ => None,
    }
}

/// (descending, nulls first) with PostgreSQL's default: NULLS LAST for ASC, FIRST for DESC.
fn sort_options(options: &ast::OrderByOptions) -> (bool, bool) {
    let descending = matches!(options.sort, Some(ast::OrderBySort::Desc));
    let nulls_first = options.nulls_first.unwrap_or(descending);
    (descending, nulls_first)
}

fn reject_unsupported_select(select: &ast::Select) -> SqlResult<()> {
    if select.top.is_some() {
        return Err(SqlError::syntax("syntax error at or near \"TOP\""));
    }
    if select.into.is_some() {
        return Err(SqlError::not_supported(
            "SELECT INTO is not supported; use CREATE TABLE AS",
        ));
    }
    if !select.lateral_views.is_empty() || select.prewhere.is_some() || select.qualify.is_some() {
        return Err(SqlError::not_supported(
            "this SELECT clause is not supported",
        ));
    }
    Ok(())
}
