//! Binding window function calls: the OVER clause (inline, or naming a window of the SELECT's
//! WINDOW clause, possibly refined), the frame with PostgreSQL's validation, and the window
//! functions proper (row_number, rank, lag, ...) beside aggregates used as window functions.

use sqlparser::ast::{self, NamedWindowDefinition, NamedWindowExpr};

use embeddb_types::{DataType, SqlError, SqlResult, SqlState};

use super::Binder;
use super::call::CallArgs;
use super::expr::{Coercion, ExprContext};
use super::names::normalize_ident;
use crate::expr::{Expr, ExprKind};
use crate::functions::aggregate;
use crate::parser_frame::take_exclusion;
use crate::plan::{
    FrameBound, FrameExclusion, FrameUnits, RangeOffsets, SortKey, WindowCall, WindowFrame,
    WindowFunctionKind,
};
use embeddb_types::ops::BinaryOp;

/// The functions that are only window functions (not aggregates): they need an OVER clause.
pub(crate) fn is_window_only_function(name: &str) -> bool {
    matches!(
        name,
        "row_number"
            | "rank"
            | "dense_rank"
            | "percent_rank"
            | "cume_dist"
            | "ntile"
            | "lag"
            | "lead"
            | "first_value"
            | "last_value"
            | "nth_value"
    )
}

fn windowing_error(message: impl Into<String>) -> SqlError {
    SqlError::new(SqlState::WINDOWING_ERROR, message)
}

/// Checks the names of a WINDOW clause: each defined once.
pub(crate) fn check_window_clause(defs: &[NamedWindowDefinition]) -> SqlResult<()> {
    for (i, def) in defs.iter().enumerate() {
        let name = normalize_ident(&def.0);
        if defs[..i].iter().any(|d| normalize_ident(&d.0) == name) {
            return Err(windowing_error(format!(
                "window \"{name}\" is already defined"
            )));
        }
    }
    Ok(())
}

/// The window named `name` among the first definitions of a WINDOW clause (a definition may
/// only refer to windows defined before it), with its own references resolved.
fn lookup_window(defs: &[NamedWindowDefinition], name: &ast::Ident) -> SqlResult<ast::WindowSpec> {
    let wanted = normalize_ident(name);
    let Some(at) = defs.iter().position(|d| normalize_ident(&d.0) == wanted) else {
        return Err(SqlError::new(
            SqlState::UNDEFINED_OBJECT,
            format!("window \"{wanted}\" does not exist"),
        ));
    };
    let earlier = &defs[..at];
    match &defs[at].1 {
        NamedWindowExpr::NamedWindow(other) => lookup_window(earlier, other),
        NamedWindowExpr::WindowSpec(spec) => refine_window(earlier, spec, false),
    }
}

/// A window specification with the window it names (`(w ORDER BY ...)`) merged in, checked as
/// PostgreSQL does: the copy keeps the named window's PARTITION BY, may add an ORDER BY only if
/// that window has none, and the named window must not have a frame.
fn refine_window(
    defs: &[NamedWindowDefinition],
    spec: &ast::WindowSpec,
    in_over: bool,
) -> SqlResult<ast::WindowSpec> {
    let Some(base_name) = &spec.window_name else {
        return Ok(spec.clone());
    };
    let base = lookup_window(defs, base_name)?;
    let name = normalize_ident(base_name);
    // A frame exclusion travels in PARTITION BY (`crate::parser_frame`); it is the frame's.
    let (own_partition_by, _) = take_exclusion(&spec.partition_by);
    let markers: Vec<ast::Expr> = spec
        .partition_by
        .iter()
        .filter(|e| !own_partition_by.contains(e))
        .cloned()
        .collect();
    if !own_partition_by.is_empty() {
        return Err(windowing_error(format!(
            "cannot override PARTITION BY clause of window \"{name}\""
        )));
    }
    if !spec.order_by.is_empty() && !base.order_by.is_empty() {
        return Err(windowing_error(format!(
            "cannot override ORDER BY clause of window \"{name}\""
        )));
    }
    if base.window_frame.is_some() {
        let err = windowing_error(format!(
            "cannot copy window \"{name}\" because it has a frame clause"
        ));
        let bare = spec.order_by.is_empty() && spec.window_frame.is_none();
        return Err(if in_over && bare {
            err.with_hint("Omit the parentheses in this OVER clause.")
        } else {
            err
        });
    }
    Ok(ast::WindowSpec {
        window_name: None,
        partition_by: base.partition_by.into_iter().chain(markers).collect(),
        order_by: if spec.order_by.is_empty() {
            base.order_by
        } else {
            spec.order_by.clone()
        },
        window_frame: spec.window_frame.clone(),
    })
}

impl Binder<'_> {
    pub(super) fn bind_window_call(
        &mut self,
        name: &str,
        func: &ast::Function,
        args: &CallArgs<'_>,
        cx: &mut ExprContext<'_>,
    ) -> SqlResult<Expr> {
        if let Some(message) = cx.no_windows {
            return Err(windowing_error(message));
        }
        if cx.in_aggregate {
            return Err(SqlError::new(
                SqlState::GROUPING_ERROR,
                "aggregate function calls cannot contain window function calls",
            ));
        }
        if cx.collector.is_none() {
            return Err(windowing_error(format!(
                "window functions are not allowed in {}",
                cx.clause.name()
            )));
        }
        let spec = {
            let defs: &[NamedWindowDefinition] = cx
                .collector
                .as_deref()
                .map_or(&[], |c| c.named_windows.as_slice());
            match &func.over {
                Some(ast::WindowType::NamedWindow(w)) => lookup_window(defs, w)?,
                Some(ast::WindowType::WindowSpec(spec)) => refine_window(defs, spec, true)?,
                None => return Err(SqlError::internal("window call without OVER")),
            }
        };
        // The arguments and the window definition may use aggregates of the query level (a
        // window function over a grouped query), but no further window functions.
        let mut arg_cx = ExprContext {
            scope: cx.scope,
            clause: cx.clause,
            collector: cx.collector.as_deref_mut(),
            in_aggregate: false,
            no_windows: Some("window function calls cannot be nested"),
        };
        let (kind, bound_args, ty, filter) = if aggregate::is_aggregate(name) {
            let call = self.bind_aggregate_parts(name, func, args, &mut arg_cx)?;
            if call.distinct {
                return Err(SqlError::not_supported(
                    "DISTINCT is not implemented for window functions",
                ));
            }
            if !call.order_by.is_empty() {
                return Err(SqlError::not_supported(
                    "aggregate ORDER BY is not implemented for window functions",
                ));
            }
            (
                WindowFunctionKind::Aggregate(call.func),
                call.args,
                call.ty,
                call.filter,
            )
        } else {
            if args.star || args.distinct || !args.order_by.is_empty() {
                return Err(SqlError::new(
                    SqlState::WRONG_OBJECT_TYPE,
                    format!(
                        "DISTINCT, ORDER BY or * specified, but {name} is not an aggregate function"
                    ),
                ));
            }
            if func.filter.is_some() {
                return Err(SqlError::new(
                    SqlState::WRONG_OBJECT_TYPE,
                    "FILTER is not implemented for non-aggregate window functions",
                ));
            }
            let mut bound = Vec::with_capacity(args.args.len());
            for a in &args.args {
                bound.push(self.bind_expr(a, &mut arg_cx)?);
            }
            let (kind, bound, ty) = self.resolve_window_function(name, bound)?;
            (kind, bound, ty, None)
        };
        arg_cx.no_windows = Some("window functions are not allowed in window definitions");
        let (spec_partition_by, exclusion) = take_exclusion(&spec.partition_by);
        let mut partition_by = Vec::with_capacity(spec_partition_by.len());
        for e in &spec_partition_by {
            let b = self.bind_expr(e, &mut arg_cx)?;
            partition_by.push(self.resolve_unknown(b)?);
        }
        let mut order_by = Vec::with_capacity(spec.order_by.len());
        for item in &spec.order_by {
            let e = self.bind_expr(&item.expr, &mut arg_cx)?;
            let e = self.resolve_unknown(e)?;
            let descending = matches!(item.options.sort, Some(ast::OrderBySort::Desc));
            order_by.push(SortKey {
                expr: e,
                descending,
                nulls_first: item.options.nulls_first.unwrap_or(descending),
            });
        }
        let frame = match &spec.window_frame {
            Some(f) => Some(self.bind_frame(f, &order_by, cx.scope, exclusion)?),
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

    /// Binds and checks a frame clause (PostgreSQL's checks in the grammar and in
    /// transformFrameOffset).
    fn bind_frame(
        &mut self,
        frame: &ast::WindowFrame,
        order_by: &[SortKey],
        scope: &super::Scope,
        exclusion: FrameExclusion,
    ) -> SqlResult<WindowFrame> {
        use ast::WindowFrameBound as B;
        let (units, what) = match frame.units {
            ast::WindowFrameUnits::Rows => (FrameUnits::Rows, "ROWS"),
            ast::WindowFrameUnits::Range => (FrameUnits::Range, "RANGE"),
            ast::WindowFrameUnits::Groups => (FrameUnits::Groups, "GROUPS"),
        };
        let start = &frame.start_bound;
        if matches!(start, B::Following(None)) {
            return Err(windowing_error("frame start cannot be UNBOUNDED FOLLOWING"));
        }
        match &frame.end_bound {
            None => {
                if matches!(start, B::Following(Some(_))) {
                    return Err(windowing_error(
                        "frame starting from following row cannot end with current row",
                    ));
                }
            }
            Some(end) => {
                if matches!(end, B::Preceding(None)) {
                    return Err(windowing_error("frame end cannot be UNBOUNDED PRECEDING"));
                }
                if matches!(start, B::CurrentRow) && matches!(end, B::Preceding(Some(_))) {
                    return Err(windowing_error(
                        "frame starting from current row cannot have preceding rows",
                    ));
                }
                if matches!(start, B::Following(Some(_)))
                    && matches!(end, B::Preceding(Some(_)) | B::CurrentRow)
                {
                    return Err(windowing_error(
                        "frame starting from following row cannot have preceding rows",
                    ));
                }
            }
        }
        let end = frame.end_bound.as_ref().unwrap_or(&B::CurrentRow);
        let has_offset = |b: &B| matches!(b, B::Preceding(Some(_)) | B::Following(Some(_)));
        let any_offset = has_offset(start) || has_offset(end);
        if units == FrameUnits::Range && any_offset && order_by.len() != 1 {
            return Err(windowing_error(
                "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column",
            ));
        }
        if units == FrameUnits::Groups && order_by.is_empty() {
            return Err(windowing_error("GROUPS mode requires an ORDER BY clause"));
        }
        // For RANGE, the order key in the type the bounds are computed in.
        let range_key = match (units, order_by.first()) {
            (FrameUnits::Range, Some(key)) if any_offset => {
                Some((key.expr.ty.clone(), self.range_key(key)?))
            }
            _ => None,
        };
        let bind_bound = |b: &mut Self, bound: &B| -> SqlResult<_> {
            let (offset, preceding) = match bound {
                B::CurrentRow => return Ok((FrameBound::CurrentRow, None)),
                B::Preceding(None) => return Ok((FrameBound::UnboundedPreceding, None)),
                B::Following(None) => return Ok((FrameBound::UnboundedFollowing, None)),
                B::Preceding(Some(e)) => (e, true),
                B::Following(Some(e)) => (e, false),
            };
            let mut cx = ExprContext::new(scope, super::expr::Clause::Other);
            cx.no_windows = Some("window functions are not allowed in window definitions");
            let e = b.bind_expr(offset, &mut cx)?;
            if e.references_columns() {
                return Err(SqlError::new(
                    SqlState::INVALID_COLUMN_REFERENCE,
                    format!("argument of {what} must not contain variables"),
                ));
            }
            let (offset, bound_value) = match &range_key {
                Some((original, key)) => {
                    let (offset, value) = b.range_bound(original, key, e, preceding)?;
                    (offset, Some(value))
                }
                None => {
                    let offset =
                        b.coerce(e, &DataType::Int8, Coercion::Implicit)
                            .map_err(|_| {
                                SqlError::new(
                                    SqlState::DATATYPE_MISMATCH,
                                    format!("argument of {what} must be type bigint"),
                                )
                            })?;
                    (offset, None)
                }
            };
            Ok((
                if preceding {
                    FrameBound::Preceding(offset)
                } else {
                    FrameBound::Following(offset)
                },
                bound_value,
            ))
        };
        let (start, start_value) = bind_bound(self, start)?;
        let (end, end_value) = bind_bound(self, end)?;
        let range = range_key.map(|(_, key)| RangeOffsets {
            key,
            start: start_value,
            end: end_value,
        });
        Ok(WindowFrame {
            units,
            start,
            end,
            range,
            exclusion,
        })
    }

    /// The ORDER BY key of a RANGE frame with offsets, in the type its bounds are computed in.
    fn range_key(&mut self, key: &SortKey) -> SqlResult<SortKey> {
        let target = match &key.expr.ty {
            DataType::Int2 | DataType::Int4 | DataType::Int8 | DataType::Numeric(_) => {
                DataType::Numeric(None)
            }
            DataType::Float4 | DataType::Float8 => DataType::Float8,
            DataType::Date | DataType::Timestamp => DataType::Timestamp,
            DataType::Timestamptz => DataType::Timestamptz,
            DataType::Interval => DataType::Interval,
            other => {
                return Err(SqlError::not_supported(format!(
                    "RANGE with offset PRECEDING/FOLLOWING is not supported for column type {other}"
                )));
            }
        };
        let expr = self.coerce(key.expr.clone(), &target, Coercion::Implicit)?;
        Ok(SortKey {
            expr,
            descending: key.descending,
            nulls_first: key.nulls_first,
        })
    }

    /// A RANGE offset coerced to the type the bounds are computed in (accepting the offset
    /// types PostgreSQL's in_range support functions take for the key's type), and the bound's
    /// value over the current row: the key moved by the offset towards the start of the
    /// ordering for PRECEDING, towards its end for FOLLOWING.
    fn range_bound(
        &mut self,
        original: &DataType,
        key: &SortKey,
        offset: Expr,
        preceding: bool,
    ) -> SqlResult<(Expr, Expr)> {
        use DataType as T;
        let integer = |t: &DataType| matches!(t, T::Int2 | T::Int4 | T::Int8);
        let accepted = match original {
            T::Int2 | T::Int4 | T::Int8 => integer(&offset.ty),
            T::Numeric(_) => integer(&offset.ty) || matches!(offset.ty, T::Numeric(_)),
            T::Float4 | T::Float8 => {
                integer(&offset.ty) || matches!(offset.ty, T::Numeric(_) | T::Float4 | T::Float8)
            }
            _ => offset.ty == T::Interval,
        };
        let offset = if offset.ty == T::Unknown {
            // An untyped literal takes the key's type (an interval for datetime keys).
            let literal_type = match original {
                T::Date | T::Timestamp | T::Timestamptz | T::Interval => T::Interval,
                other => other.clone(),
            };
            let typed = self.coerce(offset, &literal_type, Coercion::Explicit)?;
            self.coerce(typed, &key.expr.ty.clone(), Coercion::Explicit)?
        } else if accepted {
            if offset.ty == T::Interval {
                offset
            } else {
                self.coerce(offset, &key.expr.ty.clone(), Coercion::Implicit)?
            }
        } else {
            return Err(SqlError::not_supported(format!(
                "RANGE with offset PRECEDING/FOLLOWING is not supported for column type {original} and offset type {}",
                offset.ty
            ))
            .with_hint("Cast the offset value to an appropriate type."));
        };
        let toward_start = preceding != key.descending;
        let op = if toward_start {
            BinaryOp::Sub
        } else {
            BinaryOp::Add
        };
        let value = self.make_binary(op, key.expr.clone(), offset.clone())?;
        let value = if value.ty == key.expr.ty {
            value
        } else {
            self.coerce(value, &key.expr.ty.clone(), Coercion::Explicit)?
        };
        Ok((offset, value))
    }
}
