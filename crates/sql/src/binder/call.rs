//! Binding function calls: scalar functions resolved among their overloads, the special forms
//! PostgreSQL parses as calls (COALESCE, NULLIF, GREATEST, LEAST), aggregates with DISTINCT,
//! FILTER and ORDER BY, and window functions with OVER.

use sqlparser::ast::{self, FunctionArg, FunctionArgExpr, FunctionArguments};

use embeddb_types::ops::{BinaryOp, resolve_binary};
use embeddb_types::{DataType, SqlError, SqlResult, SqlState};

use super::Binder;
use super::expr::{Coercion, ExprContext};
use crate::expr::{Expr, ExprKind, SubqueryKind};
use crate::functions::aggregate::{self, AggregateFunction};
use crate::plan::{
    AggregateCall, FrameBound, FrameUnits, SortKey, WindowCall, WindowFrame, WindowFunctionKind,
};

/// The parts of a call's argument list.
struct CallArgs<'a> {
    args: Vec<&'a ast::Expr>,
    star: bool,
    distinct: bool,
    order_by: Vec<&'a ast::OrderByExpr>,
}

fn call_args(func: &ast::Function) -> SqlResult<CallArgs<'_>> {
    let mut out = CallArgs {
        args: Vec::new(),
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
                match arg {
                    FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => out.args.push(e),
                    FunctionArg::Unnamed(FunctionArgExpr::Wildcard) => out.star = true,
                    FunctionArg::Unnamed(FunctionArgExpr::QualifiedWildcard(_)) => {
                        return Err(SqlError::not_supported("table.* as a function argument"));
                    }
                    _ => {
                        return Err(SqlError::not_supported("named function arguments"));
                    }
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

impl Binder<'_> {
    /// `ARRAY(SELECT x ...)`: the one column's values, in the subquery's order, as an array
    /// (an empty array when it returns no rows).
    fn bind_array_subquery(
        &mut self,
        query: &ast::Query,
        cx: &mut ExprContext<'_>,
    ) -> SqlResult<Expr> {
        let sub = self.bind_subquery_with_scope(query, SubqueryKind::Array, cx.scope)?;
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
        let args = call_args(func)?;
        if !func.within_group.is_empty() {
            return Err(SqlError::not_supported("WITHIN GROUP is not supported yet"));
        }
        if func.over.is_some() {
            return self.bind_window_call(&name, func, &args, cx);
        }
        if aggregate::is_aggregate(&name) {
            return self.bind_aggregate_call(&name, func, &args, cx);
        }
        if args.star {
            return Err(SqlError::new(
                SqlState::WRONG_OBJECT_TYPE,
                format!("{name}(*) specified, but {name} is not an aggregate function"),
            ));
        }
        if args.distinct || func.filter.is_some() || !args.order_by.is_empty() {
            return Err(SqlError::new(
                SqlState::WRONG_OBJECT_TYPE,
                format!(
                    "DISTINCT, FILTER or ORDER BY specified, but {name} is not an aggregate function"
                ),
            ));
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
            _ => self.call_function(&name, bound),
        }
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
        let (l, r, sig) = self.resolve_comparison(BinaryOp::Eq, left.clone(), right)?;
        let ty = left.ty.clone();
        // NULLIF returns its first argument's type; the comparison may cast it.
        let _ = l;
        Ok(Expr::new(
            ExprKind::NullIf {
                left: Box::new(left),
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
        if cx.collector.is_none() {
            return Err(SqlError::new(
                SqlState::GROUPING_ERROR,
                format!(
                    "aggregate functions are not allowed in {}",
                    cx.clause.name()
                ),
            ));
        }
        if cx.in_aggregate {
            return Err(SqlError::new(
                SqlState::GROUPING_ERROR,
                "aggregate function calls cannot be nested",
            ));
        }
        let call = self.bind_aggregate_parts(name, func, args, cx)?;
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

    /// Binds an aggregate's arguments, FILTER and ORDER BY in the input scope.
    fn bind_aggregate_parts(
        &mut self,
        name: &str,
        func: &ast::Function,
        args: &CallArgs<'_>,
        cx: &mut ExprContext<'_>,
    ) -> SqlResult<AggregateCall> {
        let mut inner = ExprContext::new(cx.scope, cx.clause);
        inner.in_aggregate = true;
        let mut bound = Vec::with_capacity(args.args.len());
        for a in &args.args {
            let e = self.bind_expr(a, &mut inner)?;
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
        let mut coerced = Vec::with_capacity(bound.len());
        for (a, t) in bound.into_iter().zip(&arg_types) {
            coerced.push(self.coerce(a, t, Coercion::Implicit)?);
        }
        let filter = match &func.filter {
            Some(f) => {
                let e = self.bind_expr(f, &mut inner)?;
                Some(self.coerce_to_bool(e, "FILTER")?)
            }
            None => None,
        };
        let mut order_by = Vec::with_capacity(args.order_by.len());
        for item in &args.order_by {
            let e = self.bind_expr(&item.expr, &mut inner)?;
            let e = self.resolve_unknown(e)?;
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

    fn bind_window_call(
        &mut self,
        name: &str,
        func: &ast::Function,
        args: &CallArgs<'_>,
        cx: &mut ExprContext<'_>,
    ) -> SqlResult<Expr> {
        if cx.collector.is_none() || cx.in_aggregate {
            return Err(SqlError::new(
                SqlState::WINDOWING_ERROR,
                format!("window functions are not allowed in {}", cx.clause.name()),
            ));
        }
        let spec = match &func.over {
            Some(ast::WindowType::WindowSpec(spec)) => spec,
            _ => {
                return Err(SqlError::not_supported(
                    "named windows are not supported yet",
                ));
            }
        };
        let (kind, bound_args, ty) = if aggregate::is_aggregate(name) {
            let call = self.bind_aggregate_parts(name, func, args, cx)?;
            if call.distinct {
                return Err(SqlError::not_supported(
                    "DISTINCT is not implemented for window functions",
                ));
            }
            (WindowFunctionKind::Aggregate(call.func), call.args, call.ty)
        } else {
            let mut bound = Vec::with_capacity(args.args.len());
            let mut inner = ExprContext::new(cx.scope, cx.clause);
            for a in &args.args {
                bound.push(self.bind_expr(a, &mut inner)?);
            }
            self.resolve_window_function(name, bound)?
        };
        let mut inner = ExprContext::new(cx.scope, cx.clause);
        inner.in_aggregate = true;
        let mut partition_by = Vec::with_capacity(spec.partition_by.len());
        for e in &spec.partition_by {
            let b = self.bind_expr(e, &mut inner)?;
            partition_by.push(self.resolve_unknown(b)?);
        }
        let mut order_by = Vec::with_capacity(spec.order_by.len());
        for item in &spec.order_by {
            let e = self.bind_expr(&item.expr, &mut inner)?;
            let e = self.resolve_unknown(e)?;
            let descending = matches!(item.options.sort, Some(ast::OrderBySort::Desc));
            order_by.push(SortKey {
                expr: e,
                descending,
                nulls_first: item.options.nulls_first.unwrap_or(descending),
            });
        }
        let frame = match &spec.window_frame {
            Some(f) => Some(self.bind_frame(f)?),
            None => None,
        };
        let filter = match &func.filter {
            Some(f) => {
                let e = self.bind_expr(f, &mut inner)?;
                Some(self.coerce_to_bool(e, "FILTER")?)
            }
            None => None,
        };
        let call = WindowCall {
            kind,
            args: bound_args,
            partition_by,
            order_by,
            frame,
            filter,
            distinct: false,
            ty: ty.clone(),
        };
        let Some(collector) = cx.collector.as_deref_mut() else {
            return Err(SqlError::internal("window collector vanished"));
        };
        let index = match collector.windows.iter().position(|w| *w == call) {
            Some(i) => i,
            None => {
                collector.windows.push(call);
                collector.windows.len() - 1
            }
        };
        Ok(Expr::new(ExprKind::WindowRef(index), ty))
    }

    fn resolve_window_function(
        &mut self,
        name: &str,
        args: Vec<Expr>,
    ) -> SqlResult<(WindowFunctionKind, Vec<Expr>, DataType)> {
        let expect = |n: usize, args: &[Expr]| -> SqlResult<()> {
            if args.len() == n {
                Ok(())
            } else {
                let types: Vec<DataType> = args.iter().map(|a| a.ty.clone()).collect();
                Err(crate::functions::undefined_function(name, &types))
            }
        };
        Ok(match name {
            "row_number" => {
                expect(0, &args)?;
                (WindowFunctionKind::RowNumber, args, DataType::Int8)
            }
            "rank" => {
                expect(0, &args)?;
                (WindowFunctionKind::Rank, args, DataType::Int8)
            }
            "dense_rank" => {
                expect(0, &args)?;
                (WindowFunctionKind::DenseRank, args, DataType::Int8)
            }
            "percent_rank" => {
                expect(0, &args)?;
                (WindowFunctionKind::PercentRank, args, DataType::Float8)
            }
            "cume_dist" => {
                expect(0, &args)?;
                (WindowFunctionKind::CumeDist, args, DataType::Float8)
            }
            "ntile" => {
                expect(1, &args)?;
                let mut args = args;
                let a = args.remove(0);
                let a = self.coerce(a, &DataType::Int4, Coercion::Implicit)?;
                (WindowFunctionKind::Ntile, vec![a], DataType::Int4)
            }
            "lag" | "lead" => {
                if args.is_empty() || args.len() > 3 {
                    let types: Vec<DataType> = args.iter().map(|a| a.ty.clone()).collect();
                    return Err(crate::functions::undefined_function(name, &types));
                }
                let mut args = args.into_iter();
                let value = args.next().map(|v| self.resolve_unknown(v)).transpose()?;
                let Some(value) = value else {
                    return Err(SqlError::internal("lag without arguments"));
                };
                let ty = value.ty.clone();
                let mut out = vec![value];
                if let Some(offset) = args.next() {
                    out.push(self.coerce(offset, &DataType::Int4, Coercion::Implicit)?);
                }
                if let Some(default) = args.next() {
                    out.push(self.coerce(default, &ty, Coercion::Implicit)?);
                }
                let kind = if name == "lag" {
                    WindowFunctionKind::Lag
                } else {
                    WindowFunctionKind::Lead
                };
                (kind, out, ty)
            }
            "first_value" | "last_value" => {
                expect(1, &args)?;
                let mut args = args;
                let v = self.resolve_unknown(args.remove(0))?;
                let ty = v.ty.clone();
                let kind = if name == "first_value" {
                    WindowFunctionKind::FirstValue
                } else {
                    WindowFunctionKind::LastValue
                };
                (kind, vec![v], ty)
            }
            "nth_value" => {
                expect(2, &args)?;
                let mut args = args;
                let v = self.resolve_unknown(args.remove(0))?;
                let n = self.coerce(args.remove(0), &DataType::Int4, Coercion::Implicit)?;
                let ty = v.ty.clone();
                (WindowFunctionKind::NthValue, vec![v, n], ty)
            }
            _ => {
                return Err(SqlError::new(
                    SqlState::WRONG_OBJECT_TYPE,
                    format!(
                        "OVER specified, but {name} is not a window function nor an aggregate function"
                    ),
                ));
            }
        })
    }

    fn bind_frame(&mut self, frame: &ast::WindowFrame) -> SqlResult<WindowFrame> {
        let units = match frame.units {
            ast::WindowFrameUnits::Rows => FrameUnits::Rows,
            ast::WindowFrameUnits::Range => FrameUnits::Range,
            ast::WindowFrameUnits::Groups => FrameUnits::Groups,
        };
        let start = self.bind_frame_bound(&frame.start_bound)?;
        let end = match &frame.end_bound {
            Some(b) => self.bind_frame_bound(b)?,
            None => FrameBound::CurrentRow,
        };
        if matches!(start, FrameBound::UnboundedFollowing) {
            return Err(SqlError::new(
                SqlState::WINDOWING_ERROR,
                "frame start cannot be UNBOUNDED FOLLOWING",
            ));
        }
        if matches!(end, FrameBound::UnboundedPreceding) {
            return Err(SqlError::new(
                SqlState::WINDOWING_ERROR,
                "frame end cannot be UNBOUNDED PRECEDING",
            ));
        }
        Ok(WindowFrame { units, start, end })
    }

    fn bind_frame_bound(&mut self, bound: &ast::WindowFrameBound) -> SqlResult<FrameBound> {
        let empty = super::Scope::default();
        let offset = |b: &mut Self, e: &ast::Expr| -> SqlResult<Expr> {
            let mut cx = ExprContext::new(&empty, super::expr::Clause::Other);
            let e = b.bind_expr(e, &mut cx)?;
            b.resolve_unknown(e)
        };
        Ok(match bound {
            ast::WindowFrameBound::CurrentRow => FrameBound::CurrentRow,
            ast::WindowFrameBound::Preceding(None) => FrameBound::UnboundedPreceding,
            ast::WindowFrameBound::Following(None) => FrameBound::UnboundedFollowing,
            ast::WindowFrameBound::Preceding(Some(e)) => FrameBound::Preceding(offset(self, e)?),
            ast::WindowFrameBound::Following(Some(e)) => FrameBound::Following(offset(self, e)?),
        })
    }
}
