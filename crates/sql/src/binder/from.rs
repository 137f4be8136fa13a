//! Binding FROM: tables, CTE references, derived tables, table functions, and joins with ON,
//! USING and NATURAL.

use std::sync::Arc;

use sqlparser::ast::{self, JoinConstraint, JoinOperator, Spanned, TableFactor, TableWithJoins};

use embeddb_tables::TableDef;
use embeddb_types::{DataType, SqlError, SqlResult, SqlState};

use super::expr::{Clause, ExprContext};
use super::names::normalize_ident;
use super::query::rename_schema;
use super::{Binder, Scope, ScopeColumn};
use crate::expr::{Expr, ExprKind};
use crate::plan::{AccessPath, Field, JoinKind, LogicalPlan, ScanNode};

impl Binder<'_> {
    /// Binds a FROM list; several items are cross-joined (comma joins).
    pub(crate) fn bind_from(&mut self, from: &[TableWithJoins]) -> SqlResult<(LogicalPlan, Scope)> {
        let mut result: Option<(LogicalPlan, Scope)> = None;
        for item in from {
            // Functions in FROM are implicitly LATERAL: they see the items before them.
            let lateral = result.as_ref().map(|(_, s)| s.clone()).unwrap_or_default();
            let (plan, scope) = self.bind_table_with_joins(item, &lateral)?;
            result = Some(match result {
                None => (plan, scope),
                Some((left, left_scope)) => {
                    check_duplicate_aliases(&left_scope, &scope)?;
                    let joined = left_scope.join(scope);
                    let schema = scope_schema(&joined);
                    (
                        super::srf::make_join(left, plan, JoinKind::Inner, None, schema)?,
                        joined,
                    )
                }
            });
        }
        Ok(result.unwrap_or((LogicalPlan::OneRow, Scope::default())))
    }

    fn bind_table_with_joins(
        &mut self,
        item: &TableWithJoins,
        lateral: &Scope,
    ) -> SqlResult<(LogicalPlan, Scope)> {
        let (mut plan, mut scope) = self.bind_table_factor(&item.relation, lateral)?;
        if !item.joins.is_empty() && super::srf::is_lateral(&plan) {
            return Err(SqlError::not_supported(
                "a function in FROM referring to earlier FROM items cannot be joined further",
            ));
        }
        for join in &item.joins {
            let (right_plan, right_scope) = self.bind_table_factor(&join.relation, &scope)?;
            check_duplicate_aliases(&scope, &right_scope)?;
            let (kind, constraint) = match &join.join_operator {
                JoinOperator::Join(c) | JoinOperator::Inner(c) => (JoinKind::Inner, Some(c)),
                JoinOperator::Left(c) | JoinOperator::LeftOuter(c) => (JoinKind::Left, Some(c)),
                JoinOperator::Right(c) | JoinOperator::RightOuter(c) => (JoinKind::Right, Some(c)),
                JoinOperator::FullOuter(c) => (JoinKind::Full, Some(c)),
                JoinOperator::CrossJoin(_) => (JoinKind::Inner, None),
                other => {
                    return Err(SqlError::not_supported(format!(
                        "join type is not supported: {other:?}"
                    )));
                }
            };
            let (p, s) = self.bind_join(plan, scope, right_plan, right_scope, kind, constraint)?;
            plan = p;
            scope = s;
        }
        Ok((plan, scope))
    }

    fn bind_join(
        &mut self,
        left: LogicalPlan,
        left_scope: Scope,
        right: LogicalPlan,
        right_scope: Scope,
        kind: JoinKind,
        constraint: Option<&JoinConstraint>,
    ) -> SqlResult<(LogicalPlan, Scope)> {
        let using: Option<Vec<String>> = match constraint {
            Some(JoinConstraint::Using(names)) => Some(
                names
                    .iter()
                    .map(|n| {
                        super::names::object_name_parts(n)
                            .map(|p| p.last().cloned().unwrap_or_default())
                    })
                    .collect::<SqlResult<Vec<_>>>()?,
            ),
            Some(JoinConstraint::Natural) => {
                let common: Vec<String> = left_scope
                    .columns
                    .iter()
                    .filter(|c| !c.hidden_unqualified)
                    .filter(|c| {
                        right_scope
                            .columns
                            .iter()
                            .any(|r| !r.hidden_unqualified && r.name == c.name)
                    })
                    .map(|c| c.name.clone())
                    .collect();
                Some(common)
            }
            _ => None,
        };
        let joined = left_scope.clone().join(right_scope.clone());
        let left_width = left_scope.columns.len();
        let condition = match (constraint, &using) {
            (_, Some(columns)) => {
                let mut condition: Option<Expr> = None;
                for name in columns {
                    let li = unique_column(&left_scope, name, "left")?;
                    let ri = unique_column(&right_scope, name, "right")?;
                    let l = Expr::column(li, left_scope.columns[li].ty.clone());
                    let r = Expr::column(left_width + ri, right_scope.columns[ri].ty.clone());
                    let eq = self.make_binary(embeddb_types::ops::BinaryOp::Eq, l, r)?;
                    condition = Some(match condition {
                        None => eq,
                        Some(c) => {
                            Expr::new(ExprKind::And(Box::new(c), Box::new(eq)), DataType::Bool)
                        }
                    });
                }
                condition
            }
            (Some(JoinConstraint::On(expr)), None) => {
                let mut cx = ExprContext::new(&joined, Clause::JoinCondition);
                Some(self.bind_condition(expr, &mut cx)?)
            }
            _ => None,
        };
        let schema = scope_schema(&joined);
        let plan = super::srf::make_join(left, right, kind, condition, schema)?;
        let Some(columns) = using else {
            return Ok((plan, joined));
        };
        // USING / NATURAL: the merged columns come first, then the other columns of each side;
        // the originals stay reachable by qualified name only.
        let mut exprs = Vec::new();
        let mut out_scope = Scope::default();
        let mut merged_left = Vec::new();
        let mut merged_right = Vec::new();
        for name in &columns {
            let li = unique_column(&left_scope, name, "left")?;
            let ri = unique_column(&right_scope, name, "right")?;
            merged_left.push(li);
            merged_right.push(ri);
            let lc = &left_scope.columns[li];
            let rc = &right_scope.columns[ri];
            let l = Expr::column(li, lc.ty.clone());
            let r = Expr::column(left_width + ri, rc.ty.clone());
            let ty =
                embeddb_types::ops::common_type(&[lc.ty.clone(), rc.ty.clone()], "JOIN/USING")?;
            let value = match kind {
                JoinKind::Right => self.coerce(r, &ty, super::expr::Coercion::Implicit)?,
                JoinKind::Full => {
                    let l = self.coerce(l, &ty, super::expr::Coercion::Implicit)?;
                    let r = self.coerce(r, &ty, super::expr::Coercion::Implicit)?;
                    Expr::new(ExprKind::Coalesce(vec![l, r]), ty.clone())
                }
                _ => self.coerce(l, &ty, super::expr::Coercion::Implicit)?,
            };
            exprs.push(value);
            out_scope.columns.push(ScopeColumn {
                qualifier: None,
                name: name.clone(),
                ty,
                table_oid: 0,
                attnum: 0,
                hidden_unqualified: false,
            });
        }
        for (i, c) in joined.columns.iter().enumerate() {
            let merged = if i < left_width {
                merged_left.contains(&i)
            } else {
                merged_right.contains(&(i - left_width))
            };
            exprs.push(Expr::column(i, c.ty.clone()));
            let mut column = c.clone();
            column.hidden_unqualified |= merged;
            out_scope.columns.push(column);
        }
        let schema = scope_schema(&out_scope);
        Ok((
            LogicalPlan::Project {
                input: Box::new(plan),
                exprs,
                schema,
            },
            out_scope,
        ))
    }

    fn bind_table_factor(
        &mut self,
        factor: &TableFactor,
        lateral: &Scope,
    ) -> SqlResult<(LogicalPlan, Scope)> {
        match factor {
            TableFactor::Table {
                name,
                alias,
                args,
                with_ordinality,
                ..
            } => {
                if let Some(args) = args {
                    return self.bind_function_in_from(
                        name,
                        &args.args,
                        *with_ordinality,
                        alias.as_ref(),
                        lateral,
                        factor.span(),
                    );
                }
                let parts = super::names::object_name_parts(name)?;
                if parts.len() == 1
                    && let Some(cte) = self.find_cte(&parts[0])
                {
                    let qualifier = alias
                        .as_ref()
                        .map(|a| normalize_ident(&a.name))
                        .unwrap_or_else(|| parts[0].clone());
                    let column_names: Vec<String> = alias
                        .as_ref()
                        .map(|a| a.columns.iter().map(|c| normalize_ident(&c.name)).collect())
                        .unwrap_or_default();
                    let schema = rename_schema(cte.schema.clone(), &column_names, &qualifier)?;
                    let plan = if cte.recursive_work_table {
                        LogicalPlan::WorkTable {
                            id: cte.id,
                            schema: schema.clone(),
                        }
                    } else {
                        rename_plan((*cte.plan).clone(), &schema)
                    };
                    return Ok((plan, Scope::from_schema(&schema, Some(&qualifier))));
                }
                let relation = self.relation_name(name)?;
                if let Some((plan, schema)) = crate::catalog_views::bind_system_view(self, &parts)?
                {
                    let qualifier = alias
                        .as_ref()
                        .map(|a| normalize_ident(&a.name))
                        .unwrap_or_else(|| relation.clone());
                    return Ok((plan, Scope::from_schema(&schema, Some(&qualifier))));
                }
                let table = self.table_named(&relation, name)?;
                let qualifier = alias
                    .as_ref()
                    .map(|a| normalize_ident(&a.name))
                    .unwrap_or_else(|| table.name.clone());
                let column_aliases: Vec<String> = alias
                    .as_ref()
                    .map(|a| a.columns.iter().map(|c| normalize_ident(&c.name)).collect())
                    .unwrap_or_default();
                self.table_scan(table, &qualifier, Some(&column_aliases))
            }
            TableFactor::Derived {
                lateral: is_lateral,
                subquery,
                alias,
                ..
            } => {
                if *is_lateral {
                    return Err(SqlError::not_supported("LATERAL is not supported yet"));
                }
                self.unreachable_scopes.push(lateral.clone());
                let plan = self.bind_query(subquery);
                self.unreachable_scopes.pop();
                let plan = plan?;
                let qualifier = alias.as_ref().map(|a| normalize_ident(&a.name));
                let column_names: Vec<String> = alias
                    .as_ref()
                    .map(|a| a.columns.iter().map(|c| normalize_ident(&c.name)).collect())
                    .unwrap_or_default();
                let schema = rename_schema(
                    plan.schema(),
                    &column_names,
                    qualifier.as_deref().unwrap_or("subquery"),
                )?;
                let plan = rename_plan(plan, &schema);
                Ok((plan, Scope::from_schema(&schema, qualifier.as_deref())))
            }
            TableFactor::NestedJoin {
                table_with_joins,
                alias,
            } => {
                let (plan, mut scope) =
                    self.bind_table_with_joins(table_with_joins, &Scope::default())?;
                if let Some(a) = alias {
                    let q = normalize_ident(&a.name);
                    for c in scope.columns.iter_mut() {
                        c.qualifier = Some(q.clone());
                    }
                }
                Ok((plan, scope))
            }
            TableFactor::Function {
                name,
                args,
                alias,
                with_ordinality,
                ..
            } => self.bind_function_in_from(
                name,
                args,
                *with_ordinality,
                alias.as_ref(),
                lateral,
                factor.span(),
            ),
            TableFactor::UNNEST {
                alias,
                array_exprs,
                with_ordinality,
                ..
            } => {
                let args: Vec<ast::FunctionArg> = array_exprs
                    .iter()
                    .map(|e| ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e.clone())))
                    .collect();
                let name = ast::ObjectName::from(vec![ast::Ident::new("unnest")]);
                self.bind_function_in_from(
                    &name,
                    &args,
                    *with_ordinality,
                    alias.as_ref(),
                    lateral,
                    factor.span(),
                )
            }
            other => Err(SqlError::not_supported(format!(
                "this FROM item is not supported: {other}"
            ))),
        }
    }

    /// A scan of a table with every visible column, qualified by `qualifier`.
    pub(crate) fn table_scan(
        &mut self,
        table: Arc<TableDef>,
        qualifier: &str,
        column_aliases: Option<&[String]>,
    ) -> SqlResult<(LogicalPlan, Scope)> {
        let mut scope = Scope::for_table(&table, qualifier);
        if let Some(aliases) = column_aliases {
            if aliases.len() > scope.columns.len() {
                return Err(SqlError::new(
                    SqlState::INVALID_COLUMN_REFERENCE,
                    format!(
                        "table \"{qualifier}\" has {} columns available but {} columns specified",
                        scope.columns.len(),
                        aliases.len()
                    ),
                ));
            }
            for (c, a) in scope.columns.iter_mut().zip(aliases) {
                c.name = a.clone();
            }
        }
        let schema: Vec<Field> = table
            .visible_columns()
            .map(|c| Field {
                name: c.name.clone(),
                ty: c.data_type.clone(),
                table_oid: table.oid,
                column_attnum: c.attnum as i16,
            })
            .collect();
        let plan = LogicalPlan::Scan(ScanNode {
            table,
            schema,
            access: AccessPath::FullScan,
            reverse: false,
            filter: None,
            limit: None,
        });
        Ok((plan, scope))
    }
}

/// A plan whose output fields carry these names (a projection if they differ).
pub(super) fn rename_plan(plan: LogicalPlan, schema: &[Field]) -> LogicalPlan {
    let current = plan.schema();
    if current.iter().zip(schema).all(|(a, b)| a.name == b.name) {
        return plan;
    }
    let exprs = current
        .iter()
        .enumerate()
        .map(|(i, f)| Expr::column(i, f.ty.clone()))
        .collect();
    LogicalPlan::Project {
        input: Box::new(plan),
        exprs,
        schema: schema.to_vec(),
    }
}

pub(crate) fn scope_schema(scope: &Scope) -> Vec<Field> {
    scope
        .columns
        .iter()
        .map(|c| Field {
            name: c.name.clone(),
            ty: c.ty.clone(),
            table_oid: c.table_oid,
            column_attnum: c.attnum,
        })
        .collect()
}

fn unique_column(scope: &Scope, name: &str, side: &str) -> SqlResult<usize> {
    let matches: Vec<usize> = scope
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.hidden_unqualified && c.name == name)
        .map(|(i, _)| i)
        .collect();
    match matches.as_slice() {
        [i] => Ok(*i),
        [] => Err(SqlError::new(
            SqlState::UNDEFINED_COLUMN,
            format!("column \"{name}\" specified in USING clause does not exist in {side} table"),
        )),
        _ => Err(SqlError::new(
            SqlState::AMBIGUOUS_COLUMN,
            format!("common column name \"{name}\" appears more than once in {side} table"),
        )),
    }
}

fn check_duplicate_aliases(left: &Scope, right: &Scope) -> SqlResult<()> {
    let mut right_names: Vec<&str> = right
        .columns
        .iter()
        .filter_map(|c| c.qualifier.as_deref())
        .collect();
    right_names.dedup();
    for name in right_names {
        if left.has_qualifier(name) {
            return Err(SqlError::new(
                SqlState::DUPLICATE_ALIAS,
                format!("table name \"{name}\" specified more than once"),
            ));
        }
    }
    Ok(())
}
