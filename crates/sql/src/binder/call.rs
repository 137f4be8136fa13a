//! Binding function calls: scalar functions resolved among their overloads, the special forms
//! PostgreSQL parses as calls (COALESCE, NULLIF, GREATEST, LEAST), aggregates with DISTINCT,
//! FILTER and ORDER BY; window functions with OVER are bound in `window.rs`.

use sqlparser::ast::{self, FunctionArg, FunctionArgExpr, FunctionArguments};

use embeddb_types::ops::{BinaryOp, resolve_binary};
use embeddb_types::{DataType, SqlError, SqlResult, SqlState};

use super::Binder;
use super::expr::{Coercion, ExprContext};
use super::named_args::NamedArg;
use crate::expr::{Expr, ExprKind, SubqueryKind};
use crate::functions::aggregate::{self, AggregateFunction};
use crate::plan::{AggregateCall, SortKey};

/// The parts of a call's argument list.
pub(super) struct CallArgs<'a> {
    pub args: Vec<&'a ast::Expr>,
    /// Arguments in named notation (`name => value`), after the positional ones.
    pub named: Vec<NamedArg<'a>>,
    pub star: bool,
    pub distinct: bool,
    pub order_by: Vec<&'a ast::OrderByExpr>,
}

impl Binder<'_> {
    fn call_args<'f>(&self, func: &'f ast::Function) -> SqlResult<CallArgs<'f>> {
        let mut out = CallArgs {
            args: Vec::new(),
            named: Vec::new(),
            star: false,
            distinct: false,
            order_by: Vec::new(),
        };
        match &func.args {
            FunctionArguments::None => {}
            FunctionArguments::Subquery(_) => {
                return Err(SqlError::not_supported("a subquery as function arguments"));
            }
            FunctionArguments::List(list) => {
                out.distinct = matches!(
                    list.duplicate_treatment,
                    Some(ast::DuplicateTreatment::Distinct)
                );
                for arg in &list.args {
                    if let Some(named) = self.named_arg(arg, &out.named)? {
                        out.named.push(named);
                        continue;
                    }
                    match arg {
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => out.args.push(e),
                        FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => out.star = true,
                        FunctionArg::Unnamed(FunctionArgExpr::QualifiedWildcard(_)) => {
                            return Err(SqlError::not_supported("table.* as a function argument"));
                        }
                        _ => return Err(SqlError::internal("named argument not taken")),
                    }
                }
                for clause in &list.clauses {
                    match clause {
                        ast::FunctionArgumentClause::OrderBy(items) => {
                            out.order_by.extend(items.iter());
                        }
                        other => {
                            return Err(SqlError::not_supported(format!(
                                "function argument clause {other}"
                            )));
                        }
                    }
                }
            }
        }
        Ok(out)
    }
}

impl Binder<'_> {
    /// `ARRAY(SELECT x ...)`: the one column's values, in the subquery's order, as an array
    /// (an empty array when it returns no rows).
    fn bind_array_subquery(
        &mut self,
        query: &ast::Query,
        cx: &mut ExprContext<'_>,
    ) -> SqlResult<Expr> {
        let sub = self.bind_subquery_in(query, SubqueryKind::Array, cx)?;
        let schema = sub.plan.schema();
        if schema.len() != 1 {
            return Err(SqlError::new(
                SqlState::SYNTAX_ERROR,
                "subquery must return only one column",
            ));
        }
        let element = schema[0].ty.clone();
        let data_type = match element {
            DataType::Array(_) => element,
            DataType::Unknown => DataType::Array(Box::new(DataType::Text)),
            other => DataType::Array(Box::new(other)),
        };
        Ok(Expr::new(ExprKind::Subquery(Box::new(sub)), data_type))
    }

    pub(crate) fn bind_function(
        &mut self,
        func: &ast::Function,
        cx: &mut ExprContext<'_>,
    ) -> SqlResult<Expr> {
        let parts = super::names::object_name_parts(&func.name)?;
        let name = match parts.as_slice() {
            [n] => n.clone(),
            [schema, n] if schema == "pg_catalog" || schema == "public" => n.clone(),
            _ => {
                return Err(SqlError::new(
                    SqlState::UNDEFINED_FUNCTION,
                    format!("function {} does not exist", func.name),
                ));
            }
        };
        if let FunctionArguments::Subquery(query) = &func.args {
            if name == "array" {
                return self.bind_array_subquery(query, cx);
            }
            return Err(SqlError::new(
                SqlState::SYNTAX_ERROR,
                format!("syntax error: {name}(SELECT ...) is not a function call"),
            ));
        }
        let args = self.call_args(func)?;
        if !args.named.is_empty() {
            return self.bind_named_call(&name, func, &args, cx);
        }
        if !func.within_group.is_empty() {
            return Err(SqlError::not_supported("WITHIN GROUP is not supported yet"));
        }
        if func.over.is_some() {
            return self.bind_window_call(&name, func, &args, cx);
        }
        if aggregate::is_aggregate(&name) {
            return self.bind_aggregate_call(&name, func, &args, cx);
        }
        if super::window::is_window_only_function(&name) {
            return Err(SqlError::new(
                SqlState::WRONG_OBJECT_TYPE,
                format!("window function {name} requires an OVER clause"),
            ));
        }
        if args.star {
            return Err(SqlError::new(
                SqlState::WRONG_OBJECT_TYPE,
                format!("{name}(*) specified, but {name} is not an aggregate function"),
            ));
        }
        let misplaced = if args.distinct {
            Some("DISTINCT")
        } else if !args.order_by.is_empty() {
            Some("ORDER BY")
        } else if func.filter.is_some() {
            Some("FILTER")
        } else {
            None
        };
        if let Some(clause) = misplaced {
            return Err(SqlError::new(
                SqlState::WRONG_OBJECT_TYPE,
                format!("{clause} specified, but {name} is not an aggregate function"),
            ));
        }
        if name == "row" {
            return self.bind_row(&args.args, cx);
        }
        let mut bound = Vec::with_capacity(args.args.len());
        for a in &args.args {
            bound.push(self.bind_expr(a, cx)?);
        }
        match name.as_str() {
            n if crate::functions::table::is_set_returning(n) => self.bind_srf_call(n, bound, cx),
            "coalesce" => self.bind_coalesce(bound),
            "nullif" => self.bind_nullif(bound),
            "greatest" | "least" => self.bind_min_max(bound, name == "greatest"),
            _ => match self.call_function(&name, bound.clone()) {
                // `int4('12')`, `text(15)`: a type name called with one argument is a cast
                // when no function has the name, as PostgreSQL reads it.
                Err(e) if e.code == SqlState::UNDEFINED_FUNCTION && bound.len() == 1 => {
                    match embeddb_types::typename::parse_type_name(&name) {
                        Ok(ty) => {
                            let [arg]: [Expr; 1] = bound.try_into().map_err(|_| e)?;
                            self.coerce(arg, &ty, Coercion::Explicit)
                        }
                        Err(_) => Err(e),
                    }
                }
                other => other,
            },
        }
    }

    /// A call with arguments in named notation. Only plain scalar functions declare parameter
    /// names among the built-ins EmbedDB has; anything else finds no function.
    fn bind_named_call(
        &mut self,
        name: &str,
        func: &ast::Function,
        args: &CallArgs<'_>,
        cx: &mut ExprContext<'_>,
    ) -> SqlResult<Expr> {
        let mut positional = Vec::with_capacity(args.args.len());
        for a in &args.args {
            positional.push(self.bind_expr(a, cx)?);
        }
        let mut named = Vec::with_capacity(args.named.len());
        for n in &args.named {
            named.push((n.name.clone(), self.bind_expr(n.expr, cx)?));
        }
        let special = func.over.is_some()
            || args.star
            || args.distinct
            || !args.order_by.is_empty()
            || func.filter.is_some()
            || aggregate::is_aggregate(name)
            || crate::functions::table::is_set_returning(name);
        // No aggregate, window or set-returning function EmbedDB has declares parameter names.
        let declared = if special {
            None
        } else {
            crate::functions::params::parameters(name)
        };
        let arranged = self.arrange_named_args(name, declared, positional, named)?;
        self.call_function(name, arranged)
    }

    /// Resolves a scalar function for bound arguments and casts them to its parameter types.
    pub(crate) fn call_function(&mut self, name: &str, args: Vec<Expr>) -> SqlResult<Expr> {
        let types: Vec<DataType> = args.iter().map(|a| a.ty.clone()).collect();
        let resolved = crate::functions::resolve(name, &types)?;
        let mut coerced = Vec::with_capacity(args.len());
        for (a, t) in args.into_iter().zip(&resolved.arg_types) {
            coerced.push(self.coerce(a, t, Coercion::Implicit)?);
        }
        Ok(Expr::new(
            ExprKind::Function {
                func: resolved.function,
                args: coerced,
            },
            resolved.ret,
        ))
    }

    fn common_args(&mut self, args: Vec<Expr>, what: &str) -> SqlResult<(Vec<Expr>, DataType)> {
        let types: Vec<DataType> = args.iter().map(|a| a.ty.clone()).collect();
        let mut ty = embeddb_types::ops::common_type(&types, what)?;
        if ty == DataType::Unknown {
            ty = DataType::Text;
        }
        let mut out = Vec::with_capacity(args.len());
        for a in args {
            out.push(self.coerce(a, &ty, Coercion::Implicit)?);
        }
        Ok((out, ty))
    }

    fn bind_coalesce(&mut self, args: Vec<Expr>) -> SqlResult<Expr> {
        if args.is_empty() {
            return Err(SqlError::syntax("syntax error at or near \")\""));
        }
        let (args, ty) = self.common_args(args, "COALESCE")?;
        Ok(Expr::new(ExprKind::Coalesce(args), ty))
    }

    fn bind_nullif(&mut self, args: Vec<Expr>) -> SqlResult<Expr> {
        let [left, right]: [Expr; 2] = args.try_into().map_err(|_| {
            SqlError::new(
                SqlState::UNDEFINED_FUNCTION,
                "function nullif requires two arguments",
            )
        })?;
        let left = self.resolve_unknown(left)?;
        // NULLIF returns its first argument as coerced for the `=` operator (so
        // NULLIF(numeric, float8) is double precision), as PostgreSQL's NullIfExpr does.
        let (l, r, sig) = self.resolve_comparison(BinaryOp::Eq, left, right)?;
        let ty = l.ty.clone();
        Ok(Expr::new(
            ExprKind::NullIf {
                left: Box::new(l),
                right: Box::new(r),
                sig,
            },
            ty,
        ))
    }

    fn bind_min_max(&mut self, args: Vec<Expr>, greatest: bool) -> SqlResult<Expr> {
        let what = if greatest { "GREATEST" } else { "LEAST" };
        let (args, ty) = self.common_args(args, what)?;
        // The type must be comparable.
        resolve_binary(BinaryOp::Lt, &ty, &ty)?;
        Ok(Expr::new(ExprKind::MinMax { args, greatest }, ty))
    }

    fn bind_aggregate_call(
        &mut self,
        name: &str,
        func: &ast::Function,
        args: &CallArgs<'_>,
        cx: &mut ExprContext<'_>,
    ) -> SqlResult<Expr> {
        if cx.in_aggregate {
            return Err(SqlError::new(
                SqlState::GROUPING_ERROR,
                "aggregate function calls cannot be nested",
            ));
        }
        let mut inner = ExprContext::new(cx.scope, cx.clause);
        inner.in_aggregate = true;
        let call = self.bind_aggregate_parts(name, func, args, &mut inner)?;
        // An aggregate over an outer query's columns is that query's.
        let call = match self.outer_aggregate_ref(call)? {
            Ok(reference) => return Ok(reference),
            Err(call) => call,
        };
        if cx.collector.is_none() {
            return Err(SqlError::new(
                SqlState::GROUPING_ERROR,
                format!(
                    "aggregate functions are not allowed in {}",
                    cx.clause.name()
                ),
            ));
        }
        let ty = call.ty.clone();
        let Some(collector) = cx.collector.as_deref_mut() else {
            return Err(SqlError::internal("aggregate collector vanished"));
        };
        let index = match collector.aggregates.iter().position(|a| *a == call) {
            Some(i) => i,
            None => {
                collector.aggregates.push(call);
                collector.aggregates.len() - 1
            }
        };
        Ok(Expr::new(ExprKind::AggregateRef(index), ty))
    }

    /// Binds an aggregate's arguments, FILTER and ORDER BY in the given context (the input
    /// scope; for an aggregate used as a window function, with the query level's aggregates).
    pub(super) fn bind_aggregate_parts(
        &mut self,
        name: &str,
        func: &ast::Function,
        args: &CallArgs<'_>,
        inner: &mut ExprContext<'_>,
    ) -> SqlResult<AggregateCall> {
        let mut bound = Vec::with_capacity(args.args.len());
        for a in &args.args {
            let e = self.bind_expr(a, inner)?;
            if e.any(&mut |x| matches!(x.kind, ExprKind::WindowRef(_))) {
                return Err(SqlError::new(
                    SqlState::GROUPING_ERROR,
                    "aggregate function calls cannot contain window function calls",
                ));
            }
            bound.push(e);
        }
        let types: Vec<DataType> = bound.iter().map(|a| a.ty.clone()).collect();
        let (agg, arg_types, ty) = aggregate::resolve(name, &types, args.star)?;
        let uncoerced = bound.clone();
        let mut coerced = Vec::with_capacity(bound.len());
        for (a, t) in bound.into_iter().zip(&arg_types) {
            coerced.push(self.coerce(a, t, Coercion::Implicit)?);
        }
        let filter = match &func.filter {
            Some(f) => {
                let e = self.bind_expr(f, inner)?;
                Some(self.coerce_to_bool(e, "FILTER")?)
            }
            None => None,
        };
        let mut order_by = Vec::with_capacity(args.order_by.len());
        for item in &args.order_by {
            let e = self.bind_expr(&item.expr, inner)?;
            let e = self.resolve_unknown(e)?;
            if args.distinct && !uncoerced.contains(&e) && !coerced.contains(&e) {
                // Deduplicating by the arguments leaves no single row to take the order from.
                return Err(SqlError::new(
                    SqlState::INVALID_COLUMN_REFERENCE,
                    "in an aggregate with DISTINCT, ORDER BY expressions must appear in argument list",
                ));
            }
            let descending = matches!(item.options.sort, Some(ast::OrderBySort::Desc));
            order_by.push(SortKey {
                expr: e,
                descending,
                nulls_first: item.options.nulls_first.unwrap_or(descending),
            });
        }
        if args.distinct && agg == AggregateFunction::CountStar {
            return Err(SqlError::syntax("syntax error at or near \"*\""));
        }
        Ok(AggregateCall {
            func: agg,
            args: coerced,
            distinct: args.distinct,
            filter,
            order_by,
            ty,
        })
    }
}
