//! Binding expressions: names to row positions, literals to typed values, operators and
//! functions to implementations, with PostgreSQL's coercion rules.

use sqlparser::ast::{
    self, BinaryOperator, Expr as AstExpr, Spanned, UnaryOperator, Value as AstValue,
};
use sqlparser::tokenizer::Span;

use embeddb_types::cast::{CastContext, cast_context};
use embeddb_types::ops::{BinaryOp, OperatorSig, UnaryOp, resolve_binary, resolve_unary};
use embeddb_types::text::parse_text;
use embeddb_types::{DataType, SqlError, SqlResult, SqlState, Value};

use crate::binder::names::normalize_ident;
use crate::binder::outer_aggregate::AggregateLevel;
use crate::binder::{Binder, Scope};
use crate::expr::{Expr, ExprKind, QuantifiedSubquery, Subquery, SubqueryKind};
use crate::plan::{AggregateCall, WindowCall};

/// Where an expression appears, for the clauses that forbid aggregates and window functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clause {
    Where,
    Having,
    SelectList,
    OrderBy,
    GroupBy,
    JoinCondition,
    Values,
    Limit,
    Default,
    Check,
    Returning,
    Update,
    Other,
}

impl Clause {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Clause::Where => "WHERE",
            Clause::Having => "HAVING",
            Clause::SelectList => "SELECT",
            Clause::OrderBy => "ORDER BY",
            Clause::GroupBy => "GROUP BY",
            Clause::JoinCondition => "JOIN conditions",
            Clause::Values => "VALUES",
            Clause::Limit => "LIMIT",
            Clause::Default => "DEFAULT expressions",
            Clause::Check => "check constraints",
            Clause::Returning => "RETURNING",
            Clause::Update => "UPDATE",
            Clause::Other => "this context",
        }
    }
}

/// Collects the aggregates and window functions of one SELECT level while its clauses bind.
#[derive(Default, Debug)]
pub struct AggregateCollector {
    pub aggregates: Vec<AggregateCall>,
    pub windows: Vec<WindowCall>,
    /// The level's WINDOW clause, which OVER clauses may name.
    pub named_windows: Vec<sqlparser::ast::NamedWindowDefinition>,
    /// Set-returning functions of the select list.
    pub srfs: Vec<crate::functions::table::SetFunctionCall>,
}

/// The state an expression binds in.
pub struct ExprContext<'s> {
    pub scope: &'s Scope,
    pub clause: Clause,
    /// Present where aggregates may appear (SELECT list, HAVING, ORDER BY of a query level).
    pub collector: Option<&'s mut AggregateCollector>,
    /// Inside an aggregate's arguments (aggregates cannot nest).
    pub in_aggregate: bool,
    /// Where window functions are not allowed although aggregates may be (a window
    /// function's arguments and definition): the error message.
    pub no_windows: Option<&'static str>,
}

impl<'s> ExprContext<'s> {
    pub fn new(scope: &'s Scope, clause: Clause) -> Self {
        ExprContext {
            scope,
            clause,
            collector: None,
            in_aggregate: false,
            no_windows: None,
        }
    }

    pub fn with_collector(
        scope: &'s Scope,
        clause: Clause,
        collector: &'s mut AggregateCollector,
    ) -> Self {
        ExprContext {
            scope,
            clause,
            collector: Some(collector),
            in_aggregate: false,
            no_windows: None,
        }
    }
}

/// How strictly a coercion may convert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Coercion {
    /// Only implicit casts (operator and function arguments).
    Implicit,
    /// Assignment casts too (INSERT and UPDATE values).
    Assignment,
    /// Any cast that exists (CAST and `::`).
    Explicit,
}

fn allows(mode: Coercion, context: CastContext) -> bool {
    match mode {
        Coercion::Explicit => true,
        Coercion::Assignment => matches!(context, CastContext::Implicit | CastContext::Assignment),
        Coercion::Implicit => context == CastContext::Implicit,
    }
}

/// Largest `$n` accepted.
const MAX_PARAM_NUMBER: usize = crate::binder::MAX_PARAMS;

impl Binder<'_> {
    /// Binds an expression in the given context.
    pub fn bind_expr(&mut self, expr: &AstExpr, cx: &mut ExprContext<'_>) -> SqlResult<Expr> {
        self.bind_expr_inner(expr, cx)
            .map_err(|e| self.at(e, expr.span()))
    }

    fn bind_expr_inner(&mut self, expr: &AstExpr, cx: &mut ExprContext<'_>) -> SqlResult<Expr> {
        match expr {
            AstExpr::Identifier(ident) => self.bind_column(std::slice::from_ref(ident), cx.scope),
            AstExpr::CompoundIdentifier(parts) => self.bind_column(parts, cx.scope),
            AstExpr::Value(v) => self.bind_value(&v.value, v.span),
            AstExpr::Nested(inner) => self.bind_expr(inner, cx),
            AstExpr::TypedString(ts) => {
                let ty = super::types::data_type(&ts.data_type)?;
                let text = match &ts.value.value {
                    AstValue::SingleQuotedString(s)
                    | AstValue::EscapedStringLiteral(s)
                    | AstValue::UnicodeStringLiteral(s) => s.clone(),
                    other => other.to_string(),
                };
                let lit = Expr::literal(Value::Text(text), DataType::Unknown);
                self.coerce(lit, &ty, Coercion::Explicit)
            }
            AstExpr::Cast {
                expr: inner,
                data_type,
                kind,
                ..
            } => {
                if matches!(kind, ast::CastKind::TryCast | ast::CastKind::SafeCast) {
                    return Err(SqlError::not_supported("TRY_CAST is not supported"));
                }
                let ty = super::types::data_type(data_type)?;
                if let Some(empty) = self.empty_array_cast(inner, &ty) {
                    return Ok(empty);
                }
                let bound = self.bind_expr(inner, cx)?;
                self.coerce(bound, &ty, Coercion::Explicit)
            }
            AstExpr::BinaryOp { left, op, right } => self.bind_binary(left, op, right, cx),
            AstExpr::UnaryOp { op, expr: operand } => self.bind_unary(*op, operand, cx),
            AstExpr::IsNull(e) | AstExpr::IsNotNull(e) => {
                let bound = self.bind_expr(e, cx)?;
                let bound = self.resolve_unknown(bound)?;
                Ok(Expr::new(
                    ExprKind::IsNull {
                        expr: Box::new(bound),
                        negated: matches!(expr, AstExpr::IsNotNull(_)),
                    },
                    DataType::Bool,
                ))
            }
            AstExpr::IsTrue(e)
            | AstExpr::IsNotTrue(e)
            | AstExpr::IsFalse(e)
            | AstExpr::IsNotFalse(e)
            | AstExpr::IsUnknown(e)
            | AstExpr::IsNotUnknown(e) => {
                let bound = self.bind_expr(e, cx)?;
                let bound = self.coerce_to_bool(bound, "IS TRUE")?;
                let (value, negated) = match expr {
                    AstExpr::IsTrue(_) => (Some(true), false),
                    AstExpr::IsNotTrue(_) => (Some(true), true),
                    AstExpr::IsFalse(_) => (Some(false), false),
                    AstExpr::IsNotFalse(_) => (Some(false), true),
                    AstExpr::IsUnknown(_) => (None, false),
                    _ => (None, true),
                };
                Ok(Expr::new(
                    ExprKind::IsBool {
                        expr: Box::new(bound),
                        value,
                        negated,
                    },
                    DataType::Bool,
                ))
            }
            AstExpr::IsDistinctFrom(l, r) | AstExpr::IsNotDistinctFrom(l, r)
                if matches!(
                    (l.as_ref(), r.as_ref()),
                    (AstExpr::Tuple(_), AstExpr::Tuple(_))
                ) =>
            {
                let (AstExpr::Tuple(ls), AstExpr::Tuple(rs)) = (l.as_ref(), r.as_ref()) else {
                    return Err(SqlError::internal("row expected"));
                };
                if ls.len() != rs.len() {
                    return Err(SqlError::new(
                        SqlState::SYNTAX_ERROR,
                        "unequal number of entries in row expressions",
                    ));
                }
                let negated = matches!(expr, AstExpr::IsNotDistinctFrom(..));
                let mut result: Option<Expr> = None;
                for (le, re) in ls.iter().zip(rs) {
                    let (left, right, sig) = self.bind_comparison(BinaryOp::Eq, le, re, cx)?;
                    let distinct = Expr::new(
                        ExprKind::IsDistinctFrom {
                            left: Box::new(left),
                            right: Box::new(right),
                            sig,
                            negated: false,
                        },
                        DataType::Bool,
                    );
                    result = Some(match result {
                        None => distinct,
                        Some(acc) => Expr::new(
                            ExprKind::Or(Box::new(acc), Box::new(distinct)),
                            DataType::Bool,
                        ),
                    });
                }
                let result = result.unwrap_or_else(|| Expr::boolean(false));
                Ok(if negated {
                    Expr::new(ExprKind::Not(Box::new(result)), DataType::Bool)
                } else {
                    result
                })
            }
            AstExpr::IsDistinctFrom(l, r) | AstExpr::IsNotDistinctFrom(l, r) => {
                let (left, right, sig) = self.bind_comparison(BinaryOp::Eq, l, r, cx)?;
                Ok(Expr::new(
                    ExprKind::IsDistinctFrom {
                        left: Box::new(left),
                        right: Box::new(right),
                        sig,
                        negated: matches!(expr, AstExpr::IsNotDistinctFrom(..)),
                    },
                    DataType::Bool,
                ))
            }
            AstExpr::Between {
                expr: e,
                negated,
                low,
                high,
            } => {
                let (l1, r1, sig1) = self.bind_comparison(BinaryOp::GtEq, e, low, cx)?;
                let (l2, r2, sig2) = self.bind_comparison(BinaryOp::LtEq, e, high, cx)?;
                let ge = Expr::new(
                    ExprKind::Binary {
                        op: BinaryOp::GtEq,
                        sig: sig1,
                        left: Box::new(l1),
                        right: Box::new(r1),
                    },
                    DataType::Bool,
                );
                let le = Expr::new(
                    ExprKind::Binary {
                        op: BinaryOp::LtEq,
                        sig: sig2,
                        left: Box::new(l2),
                        right: Box::new(r2),
                    },
                    DataType::Bool,
                );
                let both = Expr::new(ExprKind::And(Box::new(ge), Box::new(le)), DataType::Bool);
                Ok(if *negated {
                    Expr::new(ExprKind::Not(Box::new(both)), DataType::Bool)
                } else {
                    both
                })
            }
            AstExpr::In {
                expr: e,
                target: ast::InTarget::List(list),
                negated,
                ..
            } => self.bind_in_list(e, list, *negated, cx),
            AstExpr::In {
                expr: e,
                target: ast::InTarget::Subquery(subquery),
                negated,
                ..
            } => {
                let q = self.bind_quantified_subquery(e, BinaryOp::Eq, false, subquery, cx)?;
                Ok(if *negated {
                    Expr::new(ExprKind::Not(Box::new(q)), DataType::Bool)
                } else {
                    q
                })
            }
            AstExpr::AnyOp {
                left,
                compare_op,
                right,
                ..
            } => self.bind_quantified(left, compare_op, right, false, cx),
            AstExpr::AllOp {
                left,
                compare_op,
                right,
            } => self.bind_quantified(left, compare_op, right, true, cx),
            AstExpr::Like {
                negated,
                expr: e,
                pattern,
                escape_char,
                any,
            }
            | AstExpr::ILike {
                negated,
                expr: e,
                pattern,
                escape_char,
                any,
            } => {
                if *any {
                    return Err(SqlError::not_supported("LIKE ANY is not supported"));
                }
                let case_insensitive = matches!(expr, AstExpr::ILike { .. });
                self.bind_like(
                    e,
                    pattern,
                    escape_char.as_deref(),
                    case_insensitive,
                    *negated,
                    cx,
                )
            }
            AstExpr::SimilarTo { .. } => {
                Err(SqlError::not_supported("SIMILAR TO is not supported yet"))
            }
            AstExpr::Case {
                operand,
                conditions,
                else_result,
                ..
            } => self.bind_case(operand.as_deref(), conditions, else_result.as_deref(), cx),
            AstExpr::Function(func) => self.bind_function(func, cx),
            AstExpr::Extract { field, expr: e, .. } => {
                let source = self.bind_expr(e, cx)?;
                let field_name = datetime_field_name(field);
                let field_lit = Expr::literal(Value::Text(field_name), DataType::Text);
                self.call_function("extract", vec![field_lit, source])
            }
            AstExpr::Substring {
                expr: e,
                substring_from,
                substring_for,
                ..
            } => {
                let mut args = vec![self.bind_expr(e, cx)?];
                match (substring_from, substring_for) {
                    (Some(from), Some(count)) => {
                        args.push(self.bind_expr(from, cx)?);
                        args.push(self.bind_expr(count, cx)?);
                    }
                    (Some(from), None) => args.push(self.bind_expr(from, cx)?),
                    (None, Some(count)) => {
                        args.push(Expr::literal(Value::Int4(1), DataType::Int4));
                        args.push(self.bind_expr(count, cx)?);
                    }
                    (None, None) => {}
                }
                self.call_function("substring", args)
            }
            AstExpr::Position { expr: needle, r#in } => {
                let needle = self.bind_expr(needle, cx)?;
                let haystack = self.bind_expr(r#in, cx)?;
                self.call_function("strpos", vec![haystack, needle])
            }
            AstExpr::Trim {
                expr: e,
                trim_where,
                trim_what,
                trim_characters,
            } => {
                let func = match trim_where {
                    Some(ast::TrimWhereField::Leading) => "ltrim",
                    Some(ast::TrimWhereField::Trailing) => "rtrim",
                    _ => "btrim",
                };
                let mut args = vec![self.bind_expr(e, cx)?];
                if let Some(what) = trim_what {
                    args.push(self.bind_expr(what, cx)?);
                } else if let Some(chars) = trim_characters
                    && let Some(first) = chars.first()
                {
                    args.push(self.bind_expr(first, cx)?);
                }
                self.call_function(func, args)
            }
            AstExpr::Overlay {
                expr: e,
                overlay_what,
                overlay_from,
                overlay_for,
            } => {
                let mut args = vec![
                    self.bind_expr(e, cx)?,
                    self.bind_expr(overlay_what, cx)?,
                    self.bind_expr(overlay_from, cx)?,
                ];
                if let Some(count) = overlay_for {
                    args.push(self.bind_expr(count, cx)?);
                }
                self.call_function("overlay", args)
            }
            AstExpr::Ceil { expr: e, .. } => {
                let arg = self.bind_expr(e, cx)?;
                self.call_function("ceil", vec![arg])
            }
            AstExpr::Floor { expr: e, .. } => {
                let arg = self.bind_expr(e, cx)?;
                self.call_function("floor", vec![arg])
            }
            AstExpr::AtTimeZone {
                timestamp,
                time_zone,
            } => {
                let zone = self.bind_expr(time_zone, cx)?;
                let ts = self.bind_expr(timestamp, cx)?;
                self.call_function("timezone", vec![zone, ts])
            }
            AstExpr::Interval(interval) => self.bind_interval(interval, cx),
            AstExpr::Exists { subquery, negated } => {
                let sub = self.bind_subquery_in(subquery, SubqueryKind::Exists, cx)?;
                let e = Expr::new(ExprKind::Subquery(Box::new(sub)), DataType::Bool);
                Ok(if *negated {
                    Expr::new(ExprKind::Not(Box::new(e)), DataType::Bool)
                } else {
                    e
                })
            }
            AstExpr::Subquery(query) => {
                let sub = self.bind_subquery_in(query, SubqueryKind::Scalar, cx)?;
                let schema = sub.plan.schema();
                if schema.len() != 1 {
                    return Err(SqlError::new(
                        SqlState::SYNTAX_ERROR,
                        "subquery must return only one column",
                    ));
                }
                let ty = schema[0].ty.clone();
                Ok(Expr::new(ExprKind::Subquery(Box::new(sub)), ty))
            }
            AstExpr::Array(array) => {
                let mut items = Vec::with_capacity(array.elem.len());
                for e in &array.elem {
                    items.push(self.bind_expr(e, cx)?);
                }
                self.bind_array_literal(items)
            }
            AstExpr::CompoundFieldAccess { root, access_chain } => {
                self.bind_subscripts(root, access_chain, cx)
            }
            AstExpr::Collate { expr: e, collation } => {
                let name = collation.to_string().replace('"', "");
                let name = name.strip_prefix("pg_catalog.").unwrap_or(&name);
                if name == "C" || name == "POSIX" || name == "default" {
                    self.bind_expr(e, cx)
                } else {
                    Err(SqlError::new(
                        SqlState::UNDEFINED_OBJECT,
                        format!("collation \"{name}\" for encoding \"UTF8\" does not exist"),
                    ))
                }
            }
            AstExpr::Tuple(items) => {
                let items: Vec<&AstExpr> = items.iter().collect();
                self.bind_row(&items, cx)
            }
            AstExpr::Wildcard(_) | AstExpr::QualifiedWildcard(..) => {
                Err(SqlError::syntax("syntax error at or near \"*\""))
            }
            other => Err(SqlError::not_supported(format!(
                "expression is not supported: {other}"
            ))),
        }
    }

    /// A column reference, looked up in the query's scope and then in enclosing queries.
    pub(crate) fn bind_column(&mut self, parts: &[ast::Ident], scope: &Scope) -> SqlResult<Expr> {
        let names: Vec<String> = parts.iter().map(normalize_ident).collect();
        let span = parts.first().map(|p| p.span).unwrap_or_else(Span::empty);
        let (qualifier, column) = match names.as_slice() {
            [c] => (None, c.as_str()),
            [q, c] => (Some(q.as_str()), c.as_str()),
            // schema.table.column: the scope knows tables by name, and a table's name is
            // unique across the schemas a query can see (public, pg_catalog,
            // information_schema), so the schema only has to be one of those.
            [s, q, c] if matches!(s.as_str(), "public" | "pg_catalog" | "information_schema") => {
                (Some(q.as_str()), c.as_str())
            }
            _ => {
                return Err(self.error_at(
                    SqlState::SYNTAX_ERROR,
                    format!(
                        "improper qualified name (too many dotted names): {}",
                        names.join(".")
                    ),
                    span,
                ));
            }
        };
        if let Some(index) = self.find_in_scope(scope, qualifier, column, span)? {
            let ty = scope.columns[index].ty.clone();
            return Ok(Expr::column(index, ty));
        }
        // Enclosing queries, nearest first: a correlated reference.
        for level in (0..self.outer_scopes.len()).rev() {
            let outer = self.outer_scopes[level].clone();
            if let Some(index) = self.find_in_scope(&outer, qualifier, column, span)? {
                let depth = self.outer_scopes.len() - level;
                for flag in self.correlated.iter_mut().skip(level) {
                    *flag = true;
                }
                let ty = outer.columns[index].ty.clone();
                return Ok(Expr::new(ExprKind::OuterColumn { depth, index }, ty));
            }
        }
        // SQL's parenthesis-less functions, when no column has the name.
        if qualifier.is_none() && parts.len() == 1 && parts[0].quote_style.is_none() {
            let keyword_function = match column {
                "current_schema" => Some("current_schema"),
                "current_catalog" => Some("current_catalog"),
                "current_role" => Some("current_role"),
                "localtime" => Some("localtime"),
                _ => None,
            };
            if let Some(f) = keyword_function {
                return self.call_function(f, Vec::new());
            }
        }
        let in_any_scope = |q: &str| {
            scope.has_qualifier(q) || self.outer_scopes.iter().any(|s| s.has_qualifier(q))
        };
        // `t.x` where t is in FROM under an alias: PostgreSQL says the entry exists but this
        // name cannot reach it.
        let aliased_table = |q: &str| {
            std::iter::once(scope)
                .chain(self.outer_scopes.iter())
                .any(|s| s.aliased_tables.iter().any(|t| t == q))
        };
        let unreachable = |q: &str| self.unreachable_scopes.iter().any(|s| s.has_qualifier(q));
        Err(match qualifier {
            Some(q) if !in_any_scope(q) && unreachable(q) => self
                .error_at(
                    SqlState::UNDEFINED_TABLE,
                    format!("invalid reference to FROM-clause entry for table \"{q}\""),
                    span,
                )
                .with_hint(format!(
                    "There is an entry for table \"{q}\", but it cannot be referenced from this part of the query."
                )),
            Some(q) if !in_any_scope(q) && aliased_table(q) => self.error_at(
                SqlState::UNDEFINED_TABLE,
                format!("invalid reference to FROM-clause entry for table \"{q}\""),
                span,
            ),
            Some(q) if !in_any_scope(q) => self.error_at(
                SqlState::UNDEFINED_TABLE,
                format!("missing FROM-clause entry for table \"{q}\""),
                span,
            ),
            Some(q) => self.error_at(
                SqlState::UNDEFINED_COLUMN,
                format!("column {q}.{column} does not exist"),
                span,
            ),
            None => self.error_at(
                SqlState::UNDEFINED_COLUMN,
                format!("column \"{column}\" does not exist"),
                span,
            ),
        })
    }

    fn find_in_scope(
        &self,
        scope: &Scope,
        qualifier: Option<&str>,
        column: &str,
        span: Span,
    ) -> SqlResult<Option<usize>> {
        let mut found: Option<usize> = None;
        for (i, c) in scope.columns.iter().enumerate() {
            let matches = c.name == column
                && match qualifier {
                    Some(q) => c.qualifier.as_deref() == Some(q),
                    None => !c.hidden_unqualified,
                };
            if matches {
                if found.is_some() {
                    return Err(self.error_at(
                        SqlState::AMBIGUOUS_COLUMN,
                        format!("column reference \"{column}\" is ambiguous"),
                        span,
                    ));
                }
                found = Some(i);
            }
        }
        Ok(found)
    }

    pub(crate) fn bind_value(&mut self, value: &AstValue, span: Span) -> SqlResult<Expr> {
        match value {
            AstValue::Number(text, _) => number_literal(text),
            AstValue::SingleQuotedString(s)
            | AstValue::EscapedStringLiteral(s)
            | AstValue::UnicodeStringLiteral(s)
            | AstValue::NationalStringLiteral(s) => {
                Ok(Expr::literal(Value::Text(s.clone()), DataType::Unknown))
            }
            AstValue::DollarQuotedString(d) => Ok(Expr::literal(
                Value::Text(d.value.clone()),
                DataType::Unknown,
            )),
            AstValue::Boolean(b) => Ok(Expr::literal(Value::Bool(*b), DataType::Bool)),
            AstValue::Null => Ok(Expr::null(DataType::Unknown)),
            AstValue::Placeholder(p) => self.bind_param(p, span),
            AstValue::HexStringLiteral(_) => Err(SqlError::not_supported(
                "bit string literals are not supported",
            )),
            AstValue::DoubleQuotedString(s) => Err(SqlError::new(
                SqlState::UNDEFINED_COLUMN,
                format!("column \"{s}\" does not exist"),
            )),
            other => Err(SqlError::not_supported(format!(
                "literal is not supported: {other}"
            ))),
        }
    }

    fn bind_param(&mut self, text: &str, span: Span) -> SqlResult<Expr> {
        let number = text
            .strip_prefix('$')
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| (1..=MAX_PARAM_NUMBER).contains(n))
            .ok_or_else(|| {
                self.error_at(
                    SqlState::UNDEFINED_PARAMETER,
                    format!("there is no parameter {text}"),
                    span,
                )
            })?;
        if self.params.len() < number {
            self.params.resize(number, DataType::Unknown);
        }
        let ty = self.params[number - 1].clone();
        Ok(Expr::new(ExprKind::Param(number - 1), ty))
    }

    /// Gives an expression of unknown type the type text (what PostgreSQL does when nothing
    /// else decides, e.g. `SELECT 'a'` or `'a' IS NULL`).
    pub(crate) fn resolve_unknown(&mut self, expr: Expr) -> SqlResult<Expr> {
        if expr.ty == DataType::Unknown {
            self.coerce(expr, &DataType::Text, Coercion::Implicit)
        } else {
            Ok(expr)
        }
    }

    /// Converts an expression to a type, or fails with PostgreSQL's error.
    pub fn coerce(&mut self, expr: Expr, target: &DataType, mode: Coercion) -> SqlResult<Expr> {
        if *target == DataType::Unknown {
            return Ok(expr);
        }
        // regclass, regtype, ...: reading and printing names needs the catalog.
        if crate::catalog_views::is_reg_coercion(&expr.ty, target) {
            return crate::catalog_views::coerce_reg(self, expr, target);
        }
        if expr.ty == DataType::Unknown {
            return self.coerce_unknown(expr, target, mode);
        }
        if expr.ty == *target {
            return Ok(expr);
        }
        if expr.ty.without_typmod() == target.without_typmod() {
            // Same type, different modifier: only assignment and explicit casts apply it.
            if mode == Coercion::Implicit || target.typmod() == -1 {
                return Ok(expr);
            }
            return Ok(Expr::new(
                ExprKind::Cast {
                    expr: Box::new(expr),
                    explicit: mode == Coercion::Explicit,
                },
                target.clone(),
            ));
        }
        match cast_context(&expr.ty, target) {
            Some(context) if allows(mode, context) => {
                if let ExprKind::Literal(Value::Null) = expr.kind {
                    return Ok(Expr::null(target.clone()));
                }
                Ok(Expr::new(
                    ExprKind::Cast {
                        expr: Box::new(expr),
                        explicit: mode == Coercion::Explicit,
                    },
                    target.clone(),
                ))
            }
            Some(_) | None if mode == Coercion::Explicit => Err(SqlError::new(
                SqlState::CANNOT_COERCE,
                format!("cannot cast type {} to {}", expr.ty, target),
            )),
            _ => Err(SqlError::new(
                SqlState::DATATYPE_MISMATCH,
                format!("cannot convert type {} to {} implicitly", expr.ty, target),
            )),
        }
    }

    fn coerce_unknown(&mut self, expr: Expr, target: &DataType, mode: Coercion) -> SqlResult<Expr> {
        match expr.kind {
            ExprKind::Literal(Value::Null) => Ok(Expr::null(target.clone())),
            ExprKind::Literal(Value::Text(text)) => {
                // An untyped literal is read by the target type's input function, as
                // PostgreSQL does at parse time: errors surface now, with a position.
                let base = target.without_typmod();
                if mode == Coercion::Explicit && base != *target {
                    // `'abcdef'::varchar(3)` reads the text as varchar, then applies the length
                    // as an explicit cast does: truncating, where an assignment would fail.
                    let value = parse_text(&text, &base, self.format)?;
                    return self.coerce(Expr::literal(value, base), target, mode);
                }
                let value = match target {
                    // Text reads as itself: keep the string rather than copy it.
                    DataType::Text => Value::Text(text),
                    _ => parse_text(&text, target, self.format)?,
                };
                Ok(Expr::literal(value, target.clone()))
            }
            ExprKind::Param(i) => {
                let base = target.without_typmod();
                if let Some(slot) = self.params.get_mut(i)
                    && *slot == DataType::Unknown
                {
                    *slot = base.clone();
                }
                let param_ty = self.params.get(i).cloned().unwrap_or(base);
                let param = Expr::new(ExprKind::Param(i), param_ty);
                if param.ty == *target {
                    Ok(param)
                } else {
                    self.coerce(param, target, mode.max_assignment())
                }
            }
            kind => {
                // Some other expression of unknown type (a CASE of literals, say): text first.
                let as_text = Expr::new(
                    ExprKind::Cast {
                        expr: Box::new(Expr::new(kind, DataType::Unknown)),
                        explicit: false,
                    },
                    DataType::Text,
                );
                if *target == DataType::Text {
                    Ok(as_text)
                } else {
                    self.coerce(as_text, target, Coercion::Explicit)
                }
            }
        }
    }

    /// Coerces a condition to boolean with PostgreSQL's message for the clause.
    pub(crate) fn coerce_to_bool(&mut self, expr: Expr, what: &str) -> SqlResult<Expr> {
        match expr.ty {
            DataType::Bool => Ok(expr),
            DataType::Unknown => self.coerce(expr, &DataType::Bool, Coercion::Implicit),
            ref other => Err(SqlError::new(
                SqlState::DATATYPE_MISMATCH,
                format!("argument of {what} must be type boolean, not type {other}"),
            )),
        }
    }

    /// Binds a condition (WHERE, HAVING, ON) as a boolean.
    pub fn bind_condition(&mut self, expr: &AstExpr, cx: &mut ExprContext<'_>) -> SqlResult<Expr> {
        let bound = self.bind_expr(expr, cx)?;
        let what = cx.clause.name();
        self.coerce_to_bool(bound, what)
            .map_err(|e| self.at(e, expr.span()))
    }

    fn bind_binary(
        &mut self,
        left: &AstExpr,
        op: &BinaryOperator,
        right: &AstExpr,
        cx: &mut ExprContext<'_>,
    ) -> SqlResult<Expr> {
        match op {
            BinaryOperator::Overlaps => self.bind_overlaps(left, right, cx),
            BinaryOperator::And | BinaryOperator::Or => {
                let name = if *op == BinaryOperator::And {
                    "AND"
                } else {
                    "OR"
                };
                let l = self.bind_expr(left, cx)?;
                let l = self.coerce_to_bool(l, name)?;
                let r = self.bind_expr(right, cx)?;
                let r = self.coerce_to_bool(r, name)?;
                let kind = if *op == BinaryOperator::And {
                    ExprKind::And(Box::new(l), Box::new(r))
                } else {
                    ExprKind::Or(Box::new(l), Box::new(r))
                };
                Ok(Expr::new(kind, DataType::Bool))
            }
            BinaryOperator::PGLikeMatch
            | BinaryOperator::PGILikeMatch
            | BinaryOperator::PGNotLikeMatch
            | BinaryOperator::PGNotILikeMatch => {
                let ci = matches!(
                    op,
                    BinaryOperator::PGILikeMatch | BinaryOperator::PGNotILikeMatch
                );
                let negated = matches!(
                    op,
                    BinaryOperator::PGNotLikeMatch | BinaryOperator::PGNotILikeMatch
                );
                self.bind_like(left, right, None, ci, negated, cx)
            }
            // Regular-expression match operators (psql sends `OPERATOR(pg_catalog.~)`).
            BinaryOperator::PGRegexMatch
            | BinaryOperator::PGRegexIMatch
            | BinaryOperator::PGRegexNotMatch
            | BinaryOperator::PGRegexNotIMatch
            | BinaryOperator::PGCustomBinaryOperator(_) => {
                let func = match op {
                    BinaryOperator::PGRegexMatch => "textregexeq",
                    BinaryOperator::PGRegexIMatch => "texticregexeq",
                    BinaryOperator::PGRegexNotMatch => "textregexne",
                    BinaryOperator::PGRegexNotIMatch => "texticregexne",
                    BinaryOperator::PGCustomBinaryOperator(parts) => {
                        match parts.last().map(String::as_str) {
                            Some("~") => "textregexeq",
                            Some("~*") => "texticregexeq",
                            Some("!~") => "textregexne",
                            Some("!~*") => "texticregexne",
                            _ => {
                                let bop = binary_op(custom_operator(parts)?)?;
                                let l = self.bind_expr(left, cx)?;
                                let r = self.bind_expr(right, cx)?;
                                return self.make_binary(bop, l, r);
                            }
                        }
                    }
                    _ => "textregexeq",
                };
                let l = self.bind_expr(left, cx)?;
                let r = self.bind_expr(right, cx)?;
                self.call_function(func, vec![l, r])
            }
            BinaryOperator::Arrow
            | BinaryOperator::LongArrow
            | BinaryOperator::HashArrow
            | BinaryOperator::HashLongArrow
            | BinaryOperator::AtArrow
            | BinaryOperator::ArrowAt
            | BinaryOperator::Question
            | BinaryOperator::QuestionPipe
            | BinaryOperator::QuestionAnd
            | BinaryOperator::PGOverlap => {
                let l = self.bind_expr(left, cx)?;
                let r = self.bind_expr(right, cx)?;
                self.bind_container_operator(op, l, r)
            }
            _ => {
                // Row comparisons: `(a, b) = (c, d)`, `(a, b) < (c, d)`.
                if let (AstExpr::Tuple(ls), AstExpr::Tuple(rs)) = (left, right) {
                    return self.bind_row_comparison(op, ls, rs, cx);
                }
                let bop = binary_op(op)?;
                let l = self.bind_expr(left, cx)?;
                let r = self.bind_expr(right, cx)?;
                self.make_binary(bop, l, r)
            }
        }
    }

    /// JSON and array operators, which PostgreSQL implements as functions:
    /// `->`, `->>`, `#>`, `#>>`, `@>`, `<@`, `?`, `?|`, `?&`, `&&`.
    fn bind_container_operator(
        &mut self,
        op: &BinaryOperator,
        l: Expr,
        r: Expr,
    ) -> SqlResult<Expr> {
        let json = matches!(l.ty, DataType::Json);
        let prefix = if json { "json" } else { "jsonb" };
        let is_array = matches!(l.ty, DataType::Array(_)) || matches!(r.ty, DataType::Array(_));
        let right_is_int = r.ty.is_integer();
        let func: String = match op {
            BinaryOperator::Arrow if right_is_int => format!("{prefix}_array_element"),
            BinaryOperator::Arrow => format!("{prefix}_object_field"),
            BinaryOperator::LongArrow if right_is_int => format!("{prefix}_array_element_text"),
            BinaryOperator::LongArrow => format!("{prefix}_object_field_text"),
            BinaryOperator::HashArrow => format!("{prefix}_extract_path"),
            BinaryOperator::HashLongArrow => format!("{prefix}_extract_path_text"),
            BinaryOperator::AtArrow if is_array => "arraycontains".into(),
            BinaryOperator::ArrowAt if is_array => "arraycontained".into(),
            BinaryOperator::PGOverlap => "arrayoverlap".into(),
            BinaryOperator::AtArrow => "jsonb_contains".into(),
            BinaryOperator::ArrowAt => "jsonb_contained".into(),
            BinaryOperator::Question => "jsonb_exists".into(),
            BinaryOperator::QuestionPipe => "jsonb_exists_any".into(),
            BinaryOperator::QuestionAnd => "jsonb_exists_all".into(),
            other => {
                return Err(SqlError::new(
                    SqlState::UNDEFINED_FUNCTION,
                    format!("operator does not exist: {} {other} {}", l.ty, r.ty),
                ));
            }
        };
        let operator_name = op.to_string();
        let (lt, rt) = (l.ty.clone(), r.ty.clone());
        // `#>` takes a text[] path; an untyped '{a,b}' literal becomes one.
        let r = if matches!(
            op,
            BinaryOperator::HashArrow | BinaryOperator::HashLongArrow
        ) && r.ty == DataType::Unknown
        {
            self.coerce(
                r,
                &DataType::Array(Box::new(DataType::Text)),
                Coercion::Implicit,
            )?
        } else {
            r
        };
        self.call_function(&func, vec![l, r]).map_err(|e| {
            if e.code == SqlState::UNDEFINED_FUNCTION {
                SqlError::new(
                    SqlState::UNDEFINED_FUNCTION,
                    format!("operator does not exist: {lt} {operator_name} {rt}"),
                )
                .with_hint(
                    "No operator matches the given name and argument types. You might need to add explicit type casts.",
                )
            } else {
                e
            }
        })
    }

    /// `(a1, a2) op (b1, b2)`: pairwise, as PostgreSQL compares rows — equality is every pair
    /// equal, inequality any pair different, and ordering is decided by the first pair that
    /// differs (NULL if a pair before it is NULL).
    fn bind_row_comparison(
        &mut self,
        op: &BinaryOperator,
        ls: &[AstExpr],
        rs: &[AstExpr],
        cx: &mut ExprContext<'_>,
    ) -> SqlResult<Expr> {
        if ls.len() != rs.len() {
            return Err(SqlError::new(
                SqlState::SYNTAX_ERROR,
                "unequal number of entries in row expressions",
            ));
        }
        let bop = binary_op(op)?;
        let mut pairs = Vec::with_capacity(ls.len());
        for (l, r) in ls.iter().zip(rs) {
            let l = self.bind_expr(l, cx)?;
            let r = self.bind_expr(r, cx)?;
            pairs.push((l, r));
        }
        let and =
            |a: Expr, b: Expr| Expr::new(ExprKind::And(Box::new(a), Box::new(b)), DataType::Bool);
        let or =
            |a: Expr, b: Expr| Expr::new(ExprKind::Or(Box::new(a), Box::new(b)), DataType::Bool);
        match bop {
            BinaryOp::Eq | BinaryOp::NotEq => {
                let mut result: Option<Expr> = None;
                for (l, r) in pairs {
                    let c = self.make_binary(bop, l, r)?;
                    result = Some(match result {
                        None => c,
                        Some(acc) if bop == BinaryOp::Eq => and(acc, c),
                        Some(acc) => or(acc, c),
                    });
                }
                result.ok_or_else(|| SqlError::syntax("syntax error at or near \")\""))
            }
            BinaryOp::Lt | BinaryOp::LtEq | BinaryOp::Gt | BinaryOp::GtEq => {
                // Built from the last pair backwards: last uses the operator itself, earlier
                // pairs use its strict form or equality.
                let strict = match bop {
                    BinaryOp::LtEq => BinaryOp::Lt,
                    BinaryOp::GtEq => BinaryOp::Gt,
                    other => other,
                };
                let mut result: Option<Expr> = None;
                for (l, r) in pairs.into_iter().rev() {
                    result = Some(match result {
                        None => self.make_binary(bop, l, r)?,
                        Some(rest) => {
                            let first = self.make_binary(strict, l.clone(), r.clone())?;
                            let equal = self.make_binary(BinaryOp::Eq, l, r)?;
                            or(first, and(equal, rest))
                        }
                    });
                }
                result.ok_or_else(|| SqlError::syntax("syntax error at or near \")\""))
            }
            _ => Err(SqlError::not_supported("this operator on row values")),
        }
    }

    /// Resolves an operator for two bound operands and inserts the casts it needs.
    pub fn make_binary(&mut self, op: BinaryOp, l: Expr, r: Expr) -> SqlResult<Expr> {
        let sig = resolve_binary(op, &l.ty, &r.ty)?;
        let l = self.coerce(l, &sig.left, Coercion::Implicit)?;
        let r = self.coerce(r, &sig.right, Coercion::Implicit)?;
        let ty = sig.result.clone();
        Ok(Expr::new(
            ExprKind::Binary {
                op,
                sig,
                left: Box::new(l),
                right: Box::new(r),
            },
            ty,
        ))
    }

    fn bind_comparison(
        &mut self,
        op: BinaryOp,
        left: &AstExpr,
        right: &AstExpr,
        cx: &mut ExprContext<'_>,
    ) -> SqlResult<(Expr, Expr, OperatorSig)> {
        let l = self.bind_expr(left, cx)?;
        let r = self.bind_expr(right, cx)?;
        self.resolve_comparison(op, l, r)
    }

    pub(crate) fn resolve_comparison(
        &mut self,
        op: BinaryOp,
        l: Expr,
        r: Expr,
    ) -> SqlResult<(Expr, Expr, OperatorSig)> {
        let sig = resolve_binary(op, &l.ty, &r.ty)?;
        let l = self.coerce(l, &sig.left, Coercion::Implicit)?;
        let r = self.coerce(r, &sig.right, Coercion::Implicit)?;
        Ok((l, r, sig))
    }

    fn bind_unary(
        &mut self,
        op: UnaryOperator,
        operand: &AstExpr,
        cx: &mut ExprContext<'_>,
    ) -> SqlResult<Expr> {
        // A negative number literal is one literal in PostgreSQL (so -2147483648 is an int4).
        if op == UnaryOperator::Minus
            && let AstExpr::Value(v) = operand
            && let AstValue::Number(text, _) = &v.value
        {
            return number_literal(&format!("-{text}"));
        }
        let bound = self.bind_expr(operand, cx)?;
        match op {
            UnaryOperator::Not => {
                let b = self.coerce_to_bool(bound, "NOT")?;
                Ok(Expr::new(ExprKind::Not(Box::new(b)), DataType::Bool))
            }
            UnaryOperator::Plus | UnaryOperator::Minus | UnaryOperator::PGAbs => {
                let uop = match op {
                    UnaryOperator::Plus => UnaryOp::Plus,
                    UnaryOperator::Minus => UnaryOp::Neg,
                    _ => UnaryOp::Abs,
                };
                let sig = resolve_unary(uop, &bound.ty)?;
                let bound = self.coerce(bound, &sig.arg, Coercion::Implicit)?;
                let result = sig.result.clone();
                Ok(Expr::new(
                    ExprKind::Unary {
                        op: uop,
                        sig,
                        operand: Box::new(bound),
                    },
                    result,
                ))
            }
            UnaryOperator::BitwiseNot => {
                let sig = resolve_unary(UnaryOp::BitNot, &bound.ty)?;
                let bound = self.coerce(bound, &sig.arg, Coercion::Implicit)?;
                let result = sig.result.clone();
                Ok(Expr::new(
                    ExprKind::Unary {
                        op: UnaryOp::BitNot,
                        sig,
                        operand: Box::new(bound),
                    },
                    result,
                ))
            }
            UnaryOperator::PGSquareRoot => self.call_function("sqrt", vec![bound]),
            UnaryOperator::PGCubeRoot => self.call_function("cbrt", vec![bound]),
            other => Err(SqlError::new(
                SqlState::UNDEFINED_FUNCTION,
                format!("operator does not exist: {other} {}", bound.ty),
            )),
        }
    }

    fn bind_in_list(
        &mut self,
        expr: &AstExpr,
        list: &[AstExpr],
        negated: bool,
        cx: &mut ExprContext<'_>,
    ) -> SqlResult<Expr> {
        let left = self.bind_expr(expr, cx)?;
        let mut items = Vec::with_capacity(list.len());
        for item in list {
            items.push(self.bind_expr(item, cx)?);
        }
        // PostgreSQL finds one type for the whole list when it can (select_common_type);
        // otherwise each element is compared on its own.
        let mut types: Vec<DataType> = vec![left.ty.clone()];
        types.extend(items.iter().map(|i| i.ty.clone()));
        let common = embeddb_types::ops::common_type(&types, "IN").ok();
        let (left, items, sig) = match common {
            Some(common) if common != DataType::Unknown => {
                let sig = resolve_binary(BinaryOp::Eq, &common, &common)?;
                let left = self.coerce(left, &sig.left, Coercion::Implicit)?;
                let mut coerced = Vec::with_capacity(items.len());
                for item in items {
                    coerced.push(self.coerce(item, &sig.right, Coercion::Implicit)?);
                }
                (left, coerced, sig)
            }
            _ => {
                // Fall back to a chain of OR'd comparisons.
                let mut result: Option<Expr> = None;
                for item in items {
                    let (l, r, sig) = self.resolve_comparison(BinaryOp::Eq, left.clone(), item)?;
                    let cmp = Expr::new(
                        ExprKind::Binary {
                            op: BinaryOp::Eq,
                            sig,
                            left: Box::new(l),
                            right: Box::new(r),
                        },
                        DataType::Bool,
                    );
                    result = Some(match result {
                        None => cmp,
                        Some(prev) => {
                            Expr::new(ExprKind::Or(Box::new(prev), Box::new(cmp)), DataType::Bool)
                        }
                    });
                }
                let result = result.unwrap_or_else(|| Expr::boolean(false));
                return Ok(if negated {
                    Expr::new(ExprKind::Not(Box::new(result)), DataType::Bool)
                } else {
                    result
                });
            }
        };
        Ok(Expr::new(
            ExprKind::InList {
                expr: Box::new(left),
                list: items,
                sig,
                negated,
            },
            DataType::Bool,
        ))
    }

    fn bind_like(
        &mut self,
        expr: &AstExpr,
        pattern: &AstExpr,
        escape: Option<&AstExpr>,
        case_insensitive: bool,
        negated: bool,
        cx: &mut ExprContext<'_>,
    ) -> SqlResult<Expr> {
        let e = self.bind_expr(expr, cx)?;
        let p = self.bind_expr(pattern, cx)?;
        let e = self.coerce_textlike(e, "~~")?;
        let p = self.coerce_textlike(p, "~~")?;
        let escape = match escape {
            Some(esc) => {
                let bound = self.bind_expr(esc, cx)?;
                Some(Box::new(self.coerce(
                    bound,
                    &DataType::Text,
                    Coercion::Implicit,
                )?))
            }
            None => None,
        };
        Ok(Expr::new(
            ExprKind::Like {
                expr: Box::new(e),
                pattern: Box::new(p),
                escape,
                case_insensitive,
                negated,
            },
            DataType::Bool,
        ))
    }

    fn coerce_textlike(&mut self, e: Expr, op: &str) -> SqlResult<Expr> {
        if e.ty.is_string() {
            // varchar and bpchar compare as text.
            if e.ty == DataType::Text {
                return Ok(e);
            }
            return Ok(Expr::new(
                ExprKind::Cast {
                    expr: Box::new(e),
                    explicit: false,
                },
                DataType::Text,
            ));
        }
        if e.ty == DataType::Unknown {
            return self.coerce(e, &DataType::Text, Coercion::Implicit);
        }
        Err(SqlError::new(
            SqlState::UNDEFINED_FUNCTION,
            format!("operator does not exist: {} {op} text", e.ty),
        )
        .with_hint(
            "No operator matches the given name and argument types. You might need to add explicit type casts.",
        ))
    }

    fn bind_case(
        &mut self,
        operand: Option<&AstExpr>,
        conditions: &[ast::CaseWhen],
        else_result: Option<&AstExpr>,
        cx: &mut ExprContext<'_>,
    ) -> SqlResult<Expr> {
        let operand = match operand {
            Some(o) => Some(self.bind_expr(o, cx)?),
            None => None,
        };
        let mut branches = Vec::with_capacity(conditions.len());
        let mut results = Vec::with_capacity(conditions.len() + 1);
        for when in conditions {
            let condition = match &operand {
                Some(op_expr) => {
                    let value = self.bind_expr(&when.condition, cx)?;
                    let placeholder = Expr::new(ExprKind::CaseOperand, op_expr.ty.clone());
                    let (l, r, sig) = self.resolve_comparison(BinaryOp::Eq, placeholder, value)?;
                    Expr::new(
                        ExprKind::Binary {
                            op: BinaryOp::Eq,
                            sig,
                            left: Box::new(l),
                            right: Box::new(r),
                        },
                        DataType::Bool,
                    )
                }
                None => {
                    let c = self.bind_expr(&when.condition, cx)?;
                    self.coerce_to_bool(c, "CASE/WHEN")?
                }
            };
            branches.push(condition);
            results.push(self.bind_expr(&when.result, cx)?);
        }
        let otherwise = match else_result {
            Some(e) => Some(self.bind_expr(e, cx)?),
            None => None,
        };
        // PostgreSQL considers the ELSE result first (its order shows in the error message).
        let mut types: Vec<DataType> = Vec::with_capacity(results.len() + 1);
        if let Some(o) = &otherwise {
            types.push(o.ty.clone());
        }
        types.extend(results.iter().map(|r| r.ty.clone()));
        let ty = embeddb_types::ops::common_type(&types, "CASE")?;
        let ty = if ty == DataType::Unknown {
            DataType::Text
        } else {
            ty
        };
        let mut bound_branches = Vec::with_capacity(branches.len());
        for (c, r) in branches.into_iter().zip(results) {
            bound_branches.push((c, self.coerce(r, &ty, Coercion::Implicit)?));
        }
        let otherwise = match otherwise {
            Some(o) => Some(Box::new(self.coerce(o, &ty, Coercion::Implicit)?)),
            None => None,
        };
        // A simple CASE's operand may be cast for the comparison; the placeholder inside the
        // conditions takes the operand's (possibly cast) value.
        let operand = match operand {
            Some(o) => Some(Box::new(self.resolve_unknown(o)?)),
            None => None,
        };
        Ok(Expr::new(
            ExprKind::Case {
                operand,
                branches: bound_branches,
                otherwise,
            },
            ty,
        ))
    }

    fn bind_interval(
        &mut self,
        interval: &ast::Interval,
        cx: &mut ExprContext<'_>,
    ) -> SqlResult<Expr> {
        let value = self.bind_expr(&interval.value, cx)?;
        let text_value = match (&value.kind, &interval.leading_field) {
            (ExprKind::Literal(Value::Text(s)), Some(field)) => {
                // `INTERVAL '3' DAY`: the unit applies to a bare number.
                let unit = datetime_field_name(field);
                if s.trim().parse::<f64>().is_ok() {
                    Value::Text(format!("{s} {unit}"))
                } else {
                    Value::Text(s.clone())
                }
            }
            (ExprKind::Literal(v), _) => v.clone(),
            _ => return self.coerce(value, &DataType::Interval, Coercion::Explicit),
        };
        let lit = Expr::literal(text_value, DataType::Unknown);
        self.coerce(lit, &DataType::Interval, Coercion::Explicit)
    }

    pub(crate) fn bind_array_literal(&mut self, items: Vec<Expr>) -> SqlResult<Expr> {
        if items.is_empty() {
            return Err(SqlError::new(
                SqlState::INDETERMINATE_DATATYPE,
                "cannot determine type of empty array",
            )
            .with_hint("Explicitly cast to the desired type, for example ARRAY[]::integer[]."));
        }
        let types: Vec<DataType> = items.iter().map(|i| i.ty.clone()).collect();
        let mut elem = embeddb_types::ops::common_type(&types, "ARRAY")?;
        if elem == DataType::Unknown {
            elem = DataType::Text;
        }
        let (elem, items) = match elem {
            // ARRAY[ARRAY[1,2], ARRAY[3,4]] is a two-dimensional int[].
            DataType::Array(inner) => {
                let arr_ty = DataType::Array(inner.clone());
                let mut coerced = Vec::with_capacity(items.len());
                for i in items {
                    coerced.push(self.coerce(i, &arr_ty, Coercion::Implicit)?);
                }
                (*inner, coerced)
            }
            elem => {
                let mut coerced = Vec::with_capacity(items.len());
                for i in items {
                    coerced.push(self.coerce(i, &elem, Coercion::Implicit)?);
                }
                (elem, coerced)
            }
        };
        Ok(Expr::new(
            ExprKind::ArrayLiteral(items),
            DataType::Array(Box::new(elem)),
        ))
    }

    fn bind_quantified(
        &mut self,
        left: &AstExpr,
        op: &BinaryOperator,
        right: &AstExpr,
        all: bool,
        cx: &mut ExprContext<'_>,
    ) -> SqlResult<Expr> {
        let bop = binary_op(op)?;
        // `x = ANY (SELECT ...)` arrives as a subquery expression on the right.
        if let AstExpr::Subquery(query) = right {
            return self.bind_quantified_subquery(left, bop, all, query, cx);
        }
        let l = self.bind_expr(left, cx)?;
        let r = self.bind_expr(right, cx)?;
        let (r, elem_ty) = match &r.ty {
            DataType::Array(elem) => {
                let elem = (**elem).clone();
                (r, elem)
            }
            DataType::Unknown => {
                // '{1,2}' as an array of the left side's type.
                let arr = DataType::Array(Box::new(if l.ty == DataType::Unknown {
                    DataType::Text
                } else {
                    l.ty.clone()
                }));
                let elem = arr.element_type().cloned().unwrap_or(DataType::Text);
                (self.coerce(r, &arr, Coercion::Implicit)?, elem)
            }
            other => {
                return Err(SqlError::new(
                    SqlState::DATATYPE_MISMATCH,
                    format!("op ANY/ALL (array) requires array on right side, not type {other}"),
                ));
            }
        };
        let sig = resolve_binary(bop, &l.ty, &elem_ty)?;
        let l = self.coerce(l, &sig.left, Coercion::Implicit)?;
        let array_ty = DataType::Array(Box::new(sig.right.clone()));
        let r = self.coerce(r, &array_ty, Coercion::Implicit)?;
        if sig.result != DataType::Bool {
            return Err(SqlError::new(
                SqlState::WRONG_OBJECT_TYPE,
                "op ANY/ALL (array) requires operator to yield boolean",
            ));
        }
        Ok(Expr::new(
            ExprKind::QuantifiedArray {
                left: Box::new(l),
                op: bop,
                sig,
                all,
                array: Box::new(r),
            },
            DataType::Bool,
        ))
    }

    fn bind_quantified_subquery(
        &mut self,
        left: &AstExpr,
        op: BinaryOp,
        all: bool,
        query: &ast::Query,
        cx: &mut ExprContext<'_>,
    ) -> SqlResult<Expr> {
        // `(a, b) IN (SELECT x, y ...)` compares rows.
        let left_items: Vec<&AstExpr> = match left {
            AstExpr::Tuple(items) => items.iter().collect(),
            AstExpr::Nested(inner) if matches!(**inner, AstExpr::Tuple(_)) => match &**inner {
                AstExpr::Tuple(items) => items.iter().collect(),
                _ => vec![left],
            },
            other => vec![other],
        };
        let mut lefts = Vec::with_capacity(left_items.len());
        for item in &left_items {
            lefts.push(self.bind_expr(item, cx)?);
        }
        let sub = self.bind_subquery_in(query, SubqueryKind::Scalar, cx)?;
        let schema = sub.plan.schema();
        if schema.len() != lefts.len() {
            return Err(SqlError::new(
                SqlState::SYNTAX_ERROR,
                if schema.len() > lefts.len() {
                    "subquery has too many columns"
                } else {
                    "subquery has too few columns"
                },
            ));
        }
        if lefts.len() > 1 && !matches!(op, BinaryOp::Eq | BinaryOp::NotEq) {
            return Err(SqlError::not_supported(
                "row comparison with ANY/ALL other than = and <>",
            ));
        }
        let mut sigs = Vec::with_capacity(lefts.len());
        let mut bound_lefts = Vec::with_capacity(lefts.len());
        let mut casts = Vec::with_capacity(lefts.len());
        let mut fields = Vec::with_capacity(lefts.len());
        let mut needs_cast = false;
        for (i, l) in lefts.into_iter().enumerate() {
            let sig = resolve_binary(op, &l.ty, &schema[i].ty)?;
            bound_lefts.push(self.coerce(l, &sig.left, Coercion::Implicit)?);
            let col = Expr::column(i, schema[i].ty.clone());
            let mut field = schema[i].clone();
            if schema[i].ty != sig.right {
                needs_cast = true;
                field.ty = sig.right.clone();
            }
            casts.push(self.coerce(col, &sig.right, Coercion::Implicit)?);
            fields.push(field);
            sigs.push(sig);
        }
        let mut plan = (*sub.plan).clone();
        if needs_cast {
            // Cast the subquery's columns to the operators' right types.
            plan = crate::plan::LogicalPlan::Project {
                input: Box::new(plan),
                exprs: casts,
                schema: fields,
            };
        }
        Ok(Expr::new(
            ExprKind::Quantified(Box::new(QuantifiedSubquery {
                left: bound_lefts,
                op,
                sigs,
                all,
                plan: std::sync::Arc::new(plan),
                correlated: sub.correlated,
            })),
            DataType::Bool,
        ))
    }

    /// Binds a subquery with the current scope as its enclosing scope, where no aggregate of
    /// the enclosing level may appear (see `bind_subquery_in` for subqueries in expressions).
    pub(crate) fn bind_subquery_with_scope(
        &mut self,
        query: &ast::Query,
        kind: SubqueryKind,
        outer: &Scope,
        clause: Clause,
    ) -> SqlResult<Subquery> {
        let level = AggregateLevel::closed(clause, outer.columns.len());
        self.bind_subquery_at(query, kind, outer, level).0
    }

    /// Binds a subquery under `outer`, with the record of where the enclosing level's
    /// aggregates go; returns the record with what the subquery left on it.
    pub(crate) fn bind_subquery_at(
        &mut self,
        query: &ast::Query,
        kind: SubqueryKind,
        outer: &Scope,
        level: AggregateLevel,
    ) -> (SqlResult<Subquery>, AggregateLevel) {
        self.outer_scopes.push(outer.clone());
        self.correlated.push(false);
        self.aggregate_levels.push(level);
        let result = self.bind_query(query);
        let level = self.aggregate_levels.pop();
        let correlated = self.correlated.pop().unwrap_or(false);
        self.outer_scopes.pop();
        let level = level.unwrap_or_else(|| AggregateLevel::closed(Clause::Other, 0));
        let result = result.map(|plan| Subquery {
            plan: std::sync::Arc::new(plan),
            kind,
            correlated,
        });
        (result, level)
    }
}

impl Coercion {
    fn max_assignment(self) -> Coercion {
        match self {
            Coercion::Implicit => Coercion::Assignment,
            other => other,
        }
    }
}

/// A numeric literal: int4 if it fits, else int8, else numeric; with a point or exponent,
/// numeric (as PostgreSQL types them).
pub(crate) fn number_literal(text: &str) -> SqlResult<Expr> {
    let is_integer = text
        .trim_start_matches('-')
        .chars()
        .all(|c| c.is_ascii_digit());
    if is_integer {
        if let Ok(v) = text.parse::<i32>() {
            return Ok(Expr::literal(Value::Int4(v), DataType::Int4));
        }
        if let Ok(v) = text.parse::<i64>() {
            return Ok(Expr::literal(Value::Int8(v), DataType::Int8));
        }
    }
    let n = embeddb_types::numeric::Numeric::parse(text)?;
    Ok(Expr::literal(Value::Numeric(n), DataType::Numeric(None)))
}

/// `OPERATOR(pg_catalog.=)` and friends: the plain operator they name.
fn custom_operator(parts: &[String]) -> SqlResult<&'static BinaryOperator> {
    Ok(match parts.last().map(String::as_str) {
        Some("=") => &BinaryOperator::Eq,
        Some("<>") | Some("!=") => &BinaryOperator::NotEq,
        Some("<") => &BinaryOperator::Lt,
        Some("<=") => &BinaryOperator::LtEq,
        Some(">") => &BinaryOperator::Gt,
        Some(">=") => &BinaryOperator::GtEq,
        Some("+") => &BinaryOperator::Plus,
        Some("-") => &BinaryOperator::Minus,
        Some("*") => &BinaryOperator::Multiply,
        Some("/") => &BinaryOperator::Divide,
        Some("||") => &BinaryOperator::StringConcat,
        _ => {
            return Err(SqlError::new(
                SqlState::UNDEFINED_FUNCTION,
                format!("operator does not exist: {}", parts.join(".")),
            ));
        }
    })
}

pub(crate) fn binary_op(op: &BinaryOperator) -> SqlResult<BinaryOp> {
    Ok(match op {
        BinaryOperator::Plus => BinaryOp::Add,
        BinaryOperator::Minus => BinaryOp::Sub,
        BinaryOperator::Multiply => BinaryOp::Mul,
        BinaryOperator::Divide => BinaryOp::Div,
        BinaryOperator::Modulo => BinaryOp::Mod,
        BinaryOperator::PGExp => BinaryOp::Pow,
        BinaryOperator::StringConcat => BinaryOp::Concat,
        BinaryOperator::Eq => BinaryOp::Eq,
        BinaryOperator::NotEq => BinaryOp::NotEq,
        BinaryOperator::Lt => BinaryOp::Lt,
        BinaryOperator::LtEq => BinaryOp::LtEq,
        BinaryOperator::Gt => BinaryOp::Gt,
        BinaryOperator::GtEq => BinaryOp::GtEq,
        BinaryOperator::BitwiseAnd => BinaryOp::BitAnd,
        BinaryOperator::BitwiseOr => BinaryOp::BitOr,
        BinaryOperator::PGBitwiseXor => BinaryOp::BitXor,
        BinaryOperator::PGBitwiseShiftLeft => BinaryOp::ShiftLeft,
        BinaryOperator::PGBitwiseShiftRight => BinaryOp::ShiftRight,
        other => {
            return Err(SqlError::new(
                SqlState::UNDEFINED_FUNCTION,
                format!("operator is not supported: {other}"),
            ));
        }
    })
}

fn datetime_field_name(field: &ast::DateTimeField) -> String {
    match field {
        ast::DateTimeField::Custom(ident) => normalize_ident(ident),
        other => other.to_string().to_lowercase(),
    }
}
