//! Set-returning functions: in FROM (with WITH ORDINALITY, multi-argument `unnest`, and the
//! implicit LATERAL that lets them refer to earlier FROM items) and in the select list (bound
//! to a ProjectSet node between the grouping/window steps and the projection).

use sqlparser::ast;

use embeddb_types::{DataType, SqlError, SqlResult, SqlState};

use super::expr::{Clause, ExprContext};
use super::names::normalize_ident;
use super::query::rename_schema;
use super::{Binder, Scope};
use crate::expr::{Expr, ExprKind};
use crate::functions::table::SetFunctionCall;
use crate::plan::{Field, JoinKind, LogicalPlan};

impl Binder<'_> {
    /// A function call in FROM. Its arguments may refer to the columns of `lateral` (the FROM
    /// items before it); such a call is bound over that row and `make_join` evaluates it per
    /// row of the left side.
    pub(super) fn bind_function_in_from(
        &mut self,
        name: &ast::ObjectName,
        args: &[ast::FunctionArg],
        with_ordinality: bool,
        alias: Option<&ast::TableAlias>,
        lateral: &Scope,
        span: sqlparser::tokenizer::Span,
    ) -> SqlResult<(LogicalPlan, Scope)> {
        let fname = super::names::object_name_parts(name)?
            .last()
            .cloned()
            .unwrap_or_default();
        let mut bound = Vec::with_capacity(args.len());
        for arg in args {
            let e = match arg {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => e,
                _ => return Err(SqlError::not_supported("named arguments are not supported")),
            };
            let mut cx = ExprContext::new(lateral, Clause::Other);
            bound.push(self.bind_expr(e, &mut cx)?);
        }
        // unnest(a, b, ...) is ROWS FROM (unnest(a), unnest(b), ...).
        let groups: Vec<Vec<Expr>> = if fname == "unnest" && bound.len() > 1 {
            bound.into_iter().map(|a| vec![a]).collect()
        } else {
            vec![bound]
        };
        let mut calls = Vec::with_capacity(groups.len());
        for args in groups {
            let (func, args, fields) = crate::functions::table::resolve(self, &fname, args)
                .map_err(|e| self.at(e, span))?;
            calls.push(SetFunctionCall { func, args, fields });
        }
        let mut schema: Vec<Field> = calls.iter().flat_map(|c| c.fields.clone()).collect();
        let qualifier = alias
            .map(|a| normalize_ident(&a.name))
            .unwrap_or_else(|| fname.clone());
        // A single scalar function is named by its alias, as PostgreSQL does.
        if let Some(a) = alias
            && a.columns.is_empty()
            && schema.len() == 1
        {
            schema[0].name = qualifier.clone();
        }
        if with_ordinality {
            schema.push(Field::new("ordinality", DataType::Int8));
        }
        if let Some(a) = alias {
            let names: Vec<String> = a.columns.iter().map(|c| normalize_ident(&c.name)).collect();
            schema = rename_schema(schema, &names, &qualifier)?;
        }
        let plan = LogicalPlan::FunctionScan {
            calls,
            ordinality: with_ordinality,
            schema: schema.clone(),
        };
        Ok((plan, Scope::from_schema(&schema, Some(&qualifier))))
    }
}

/// Whether the plan is a function scan whose arguments refer to earlier FROM items.
pub(super) fn is_lateral(plan: &LogicalPlan) -> bool {
    match plan {
        LogicalPlan::FunctionScan { calls, .. } => calls
            .iter()
            .flat_map(|c| &c.args)
            .any(|a| a.any(&mut |e| matches!(e.kind, ExprKind::Column(_)))),
        _ => false,
    }
}

/// A join of two FROM items; a lateral function scan on the right becomes a ProjectSet over
/// the left side (a nested loop calling the function once per left row).
pub(super) fn make_join(
    left: LogicalPlan,
    right: LogicalPlan,
    kind: JoinKind,
    condition: Option<Expr>,
    schema: Vec<Field>,
) -> SqlResult<LogicalPlan> {
    if !is_lateral(&right) {
        return Ok(LogicalPlan::Join {
            left: Box::new(left),
            right: Box::new(right),
            kind,
            condition,
            schema,
        });
    }
    let LogicalPlan::FunctionScan {
        calls, ordinality, ..
    } = right
    else {
        return Err(SqlError::internal("lateral function scan expected"));
    };
    if kind != JoinKind::Inner {
        return Err(SqlError::not_supported(
            "outer joins with a function referring to earlier FROM items are not supported yet",
        ));
    }
    let plan = LogicalPlan::ProjectSet {
        input: Box::new(left),
        calls,
        ordinality,
        schema,
    };
    Ok(match condition {
        Some(predicate) => LogicalPlan::Filter {
            input: Box::new(plan),
            predicate,
        },
        None => plan,
    })
}

impl Binder<'_> {
    /// A set-returning function called in an expression: allowed in the select list only,
    /// where it is collected and replaced by `ExprKind::SetFunctionRef(i)` until
    /// `project_set` places it.
    pub(crate) fn bind_srf_call(
        &mut self,
        name: &str,
        args: Vec<Expr>,
        cx: &mut ExprContext<'_>,
    ) -> SqlResult<Expr> {
        if cx.in_aggregate {
            return Err(SqlError::new(
                SqlState::GROUPING_ERROR,
                "aggregate function calls cannot contain set-returning function calls",
            )
            .with_hint(
                "You might be able to move the set-returning function into a LATERAL FROM item.",
            ));
        }
        let collector = match (&mut cx.collector, cx.clause) {
            (Some(c), Clause::SelectList) => c,
            _ => {
                return Err(SqlError::new(
                    SqlState::FEATURE_NOT_SUPPORTED,
                    format!(
                        "set-returning functions are not allowed in {}",
                        cx.clause.name()
                    ),
                ));
            }
        };
        let (func, args, fields) = crate::functions::table::resolve(self, name, args)?;
        let ty = fields
            .first()
            .map(|f| f.ty.clone())
            .unwrap_or(DataType::Text);
        let calls = &mut collector.srfs;
        calls.push(SetFunctionCall { func, args, fields });
        Ok(Expr::new(ExprKind::SetFunctionRef(calls.len() - 1), ty))
    }
}

/// Places the select list's set-returning calls: ProjectSet nodes over `plan` (whose output
/// the calls' arguments are bound against), and the references to them rewritten to their
/// columns. A call whose arguments contain other calls runs in a ProjectSet above theirs, as
/// in PostgreSQL (each call at the lowest level its arguments allow).
pub(super) fn project_set(
    mut plan: LogicalPlan,
    calls: Vec<SetFunctionCall>,
    exprs: &mut [&mut Expr],
) -> SqlResult<LogicalPlan> {
    // Level of each call: 1 + the highest level of the calls in its arguments.
    let mut levels: Vec<usize> = Vec::with_capacity(calls.len());
    for call in &calls {
        let mut level = 1;
        for a in &call.args {
            a.any(&mut |e| {
                if let ExprKind::SetFunctionRef(j) = e.kind
                    && let Some(l) = levels.get(j)
                {
                    level = level.max(l + 1);
                }
                false
            });
        }
        levels.push(level);
    }
    let max_level = levels.iter().copied().max().unwrap_or(0);
    // The output column of each call once placed.
    let mut columns: Vec<Option<usize>> = vec![None; calls.len()];
    let resolve = |e: Expr, columns: &[Option<usize>]| -> SqlResult<Expr> {
        e.transform(&mut |node| match node.kind {
            ExprKind::SetFunctionRef(i) => match columns.get(i).copied().flatten() {
                Some(c) => Ok(Expr::column(c, node.ty)),
                None => Err(SqlError::internal("set-returning function reference lost")),
            },
            _ => Ok(node),
        })
    };
    for level in 1..=max_level {
        let mut schema = plan.schema();
        let mut placed = Vec::new();
        for (i, call) in calls.iter().enumerate() {
            if levels[i] != level {
                continue;
            }
            let mut call = call.clone();
            call.args = call
                .args
                .into_iter()
                .map(|a| resolve(a, &columns))
                .collect::<SqlResult<_>>()?;
            columns[i] = Some(schema.len());
            for f in &call.fields {
                schema.push(Field::new(format!("srf{i}"), f.ty.clone()));
            }
            placed.push(call);
        }
        plan = LogicalPlan::ProjectSet {
            input: Box::new(plan),
            calls: placed,
            ordinality: false,
            schema,
        };
    }
    for e in exprs.iter_mut() {
        let taken = std::mem::replace(&mut **e, Expr::boolean(true));
        **e = resolve(taken, &columns)?;
    }
    Ok(plan)
}
