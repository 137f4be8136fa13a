//! Bound, typed expressions and their evaluation.
//!
//! The binder turns sqlparser's expressions into [`Expr`]: names resolved to positions in the
//! input row, every node typed, implicit casts made explicit, operators and functions resolved
//! to one implementation. Evaluation is a plain tree walk over a row.

use std::fmt;
use std::sync::Arc;

use embeddb_types::FormatContext;
use embeddb_types::cast::{CastContext, cast_in_context};
use embeddb_types::ops::{BinaryOp, OperatorSig, UnaryOp, UnarySig, eval_binary, eval_unary};
use embeddb_types::{DataType, SqlError, SqlResult, SqlState, Value};

use crate::exec::context::ExecContext;
use crate::functions::ScalarFunction;
use crate::like::LikeMatcher;
use crate::plan::LogicalPlan;

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub ty: DataType,
}

/// The kinds of subquery expressions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubqueryKind {
    /// `(SELECT x ...)`: its one value, NULL when it returns no row; 21000 for more than one.
    Scalar,
    /// `EXISTS (SELECT ...)`.
    Exists,
    /// `ARRAY(SELECT ...)`.
    Array,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Subquery {
    pub plan: Arc<LogicalPlan>,
    pub kind: SubqueryKind,
    /// Whether the plan refers to columns of enclosing queries (it must then run per row).
    pub correlated: bool,
}

/// `x op ANY (subquery)` / `x op ALL (subquery)` / `x IN (subquery)`.
#[derive(Clone, Debug, PartialEq)]
pub struct QuantifiedSubquery {
    /// One expression per subquery column: `x IN (SELECT ...)` has one, `(a, b) IN (SELECT
    /// x, y ...)` two, compared pairwise as rows (`=` needs every pair equal, `<>` any pair
    /// different).
    pub left: Vec<Expr>,
    pub op: BinaryOp,
    /// The operator's signature for each pair.
    pub sigs: Vec<OperatorSig>,
    pub all: bool,
    pub plan: Arc<LogicalPlan>,
    pub correlated: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Literal(Value),
    /// A column of the input row, by position.
    Column(usize),
    /// A column of an enclosing query's current row: `depth` 1 is the nearest enclosing query.
    OuterColumn {
        depth: usize,
        index: usize,
    },
    /// `$n`, 0-based.
    Param(usize),
    Binary {
        op: BinaryOp,
        sig: OperatorSig,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    Unary {
        op: UnaryOp,
        sig: UnarySig,
        operand: Box<Expr>,
    },
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    IsNull {
        expr: Box<Expr>,
        negated: bool,
    },
    /// `IS [NOT] TRUE` / `IS [NOT] FALSE` / `IS [NOT] UNKNOWN` (value None).
    IsBool {
        expr: Box<Expr>,
        value: Option<bool>,
        negated: bool,
    },
    IsDistinctFrom {
        left: Box<Expr>,
        right: Box<Expr>,
        sig: OperatorSig,
        negated: bool,
    },
    /// A cast to `self.ty`. `explicit` decides length-typmod behaviour (explicit casts to
    /// varchar(n) truncate; assignment casts raise 22001).
    Cast {
        expr: Box<Expr>,
        explicit: bool,
    },
    Function {
        func: ScalarFunction,
        args: Vec<Expr>,
    },
    Case {
        operand: Option<Box<Expr>>,
        /// For a simple CASE the conditions are equality comparisons already bound against
        /// the operand's placeholder, `ExprKind::CaseOperand`.
        branches: Vec<(Expr, Expr)>,
        otherwise: Option<Box<Expr>>,
    },
    /// The value of a simple CASE's operand, inside its WHEN comparisons.
    CaseOperand,
    InList {
        expr: Box<Expr>,
        /// Each element compared with `expr` by the resolved equality operator.
        list: Vec<Expr>,
        sig: OperatorSig,
        negated: bool,
    },
    Like {
        expr: Box<Expr>,
        pattern: Box<Expr>,
        escape: Option<Box<Expr>>,
        case_insensitive: bool,
        negated: bool,
    },
    Coalesce(Vec<Expr>),
    /// A row constructor (`ROW(a, b)`, `(a, b)`): an anonymous record of the fields.
    Row(Vec<Expr>),
    NullIf {
        left: Box<Expr>,
        right: Box<Expr>,
        sig: OperatorSig,
    },
    /// GREATEST (`greatest` true) or LEAST.
    MinMax {
        args: Vec<Expr>,
        greatest: bool,
    },
    ArrayLiteral(Vec<Expr>),
    /// `array[i][j]...` (NULL when out of bounds, as in PostgreSQL), or a slice
    /// `array[lo:hi]...` when any subscript is one (then a plain `[i]` means `[1:i]`).
    ArraySubscript {
        array: Box<Expr>,
        subscripts: Vec<Subscript>,
    },
    /// The array with the element at `subscripts` replaced by `value` (`SET a[i] = v`),
    /// extending a one-dimensional array as PostgreSQL does.
    ArrayAssign {
        array: Box<Expr>,
        subscripts: Vec<Expr>,
        value: Box<Expr>,
    },
    Subquery(Box<Subquery>),
    Quantified(Box<QuantifiedSubquery>),
    /// `x op ANY(array)` / `x op ALL(array)`.
    QuantifiedArray {
        left: Box<Expr>,
        op: BinaryOp,
        sig: OperatorSig,
        all: bool,
        array: Box<Expr>,
    },
    /// A placeholder for the i-th aggregate while a grouped query is bound; it never reaches
    /// execution (the binder rewrites it to a column of the aggregate's output).
    AggregateRef(usize),
    /// A placeholder for the i-th window function result, like `AggregateRef`.
    WindowRef(usize),
    /// A placeholder for the i-th set-returning call of a select list, like `AggregateRef`.
    SetFunctionRef(usize),
}

/// One subscript of an array: an index or a slice with optional bounds.
#[derive(Clone, Debug, PartialEq)]
pub enum Subscript {
    Index(Expr),
    Slice(Option<Expr>, Option<Expr>),
}

impl Subscript {
    fn exprs(&self) -> impl Iterator<Item = &Expr> {
        let (a, b) = match self {
            Subscript::Index(e) => (Some(e), None),
            Subscript::Slice(l, u) => (l.as_ref(), u.as_ref()),
        };
        a.into_iter().chain(b)
    }

    fn map(self, f: &mut dyn FnMut(Expr) -> SqlResult<Expr>) -> SqlResult<Subscript> {
        Ok(match self {
            Subscript::Index(e) => Subscript::Index(f(e)?),
            Subscript::Slice(l, u) => {
                Subscript::Slice(l.map(&mut *f).transpose()?, u.map(f).transpose()?)
            }
        })
    }
}

impl Expr {
    pub fn new(kind: ExprKind, ty: DataType) -> Self {
        Expr { kind, ty }
    }

    pub fn literal(value: Value, ty: DataType) -> Self {
        Expr::new(ExprKind::Literal(value), ty)
    }

    pub fn null(ty: DataType) -> Self {
        Expr::literal(Value::Null, ty)
    }

    pub fn column(index: usize, ty: DataType) -> Self {
        Expr::new(ExprKind::Column(index), ty)
    }

    pub fn boolean(b: bool) -> Self {
        Expr::literal(Value::Bool(b), DataType::Bool)
    }

    pub fn as_literal(&self) -> Option<&Value> {
        match &self.kind {
            ExprKind::Literal(v) => Some(v),
            _ => None,
        }
    }

    pub fn is_true_literal(&self) -> bool {
        matches!(self.kind, ExprKind::Literal(Value::Bool(true)))
    }

    /// Calls `f` on every direct child expression.
    pub fn for_each_child(&self, f: &mut dyn FnMut(&Expr)) {
        match &self.kind {
            ExprKind::Literal(_)
            | ExprKind::Column(_)
            | ExprKind::OuterColumn { .. }
            | ExprKind::Param(_)
            | ExprKind::CaseOperand
            | ExprKind::AggregateRef(_)
            | ExprKind::WindowRef(_)
            | ExprKind::SetFunctionRef(_)
            | ExprKind::Subquery(_) => {}
            ExprKind::Binary { left, right, .. }
            | ExprKind::And(left, right)
            | ExprKind::Or(left, right)
            | ExprKind::IsDistinctFrom { left, right, .. }
            | ExprKind::NullIf { left, right, .. } => {
                f(left);
                f(right);
            }
            ExprKind::Unary { operand: e, .. }
            | ExprKind::Not(e)
            | ExprKind::IsNull { expr: e, .. }
            | ExprKind::IsBool { expr: e, .. }
            | ExprKind::Cast { expr: e, .. } => f(e),
            ExprKind::Function { args, .. }
            | ExprKind::Coalesce(args)
            | ExprKind::Row(args)
            | ExprKind::MinMax { args, .. }
            | ExprKind::ArrayLiteral(args) => args.iter().for_each(f),
            ExprKind::Case {
                operand,
                branches,
                otherwise,
            } => {
                if let Some(o) = operand {
                    f(o);
                }
                for (c, r) in branches {
                    f(c);
                    f(r);
                }
                if let Some(o) = otherwise {
                    f(o);
                }
            }
            ExprKind::InList { expr, list, .. } => {
                f(expr);
                list.iter().for_each(f);
            }
            ExprKind::Like {
                expr,
                pattern,
                escape,
                ..
            } => {
                f(expr);
                f(pattern);
                if let Some(e) = escape {
                    f(e);
                }
            }
            ExprKind::ArraySubscript { array, subscripts } => {
                f(array);
                subscripts.iter().flat_map(Subscript::exprs).for_each(f);
            }
            ExprKind::ArrayAssign {
                array,
                subscripts,
                value,
            } => {
                f(array);
                for s in subscripts {
                    f(s);
                }
                f(value);
            }
            ExprKind::Quantified(q) => {
                for l in &q.left {
                    f(l);
                }
            }
            ExprKind::QuantifiedArray { left, array, .. } => {
                f(left);
                f(array);
            }
        }
    }

    /// Rebuilds the node with `f` applied to each direct child (not recursively).
    pub fn map_children(self, f: &mut dyn FnMut(Expr) -> SqlResult<Expr>) -> SqlResult<Expr> {
        let Expr { kind, ty } = self;
        let mut b = |e: Box<Expr>| -> SqlResult<Box<Expr>> { Ok(Box::new(f(*e)?)) };
        let kind = match kind {
            k @ (ExprKind::Literal(_)
            | ExprKind::Column(_)
            | ExprKind::OuterColumn { .. }
            | ExprKind::Param(_)
            | ExprKind::CaseOperand
            | ExprKind::AggregateRef(_)
            | ExprKind::WindowRef(_)
            | ExprKind::SetFunctionRef(_)
            | ExprKind::Subquery(_)) => k,
            ExprKind::Binary {
                op,
                sig,
                left,
                right,
            } => ExprKind::Binary {
                op,
                sig,
                left: b(left)?,
                right: b(right)?,
            },
            ExprKind::Unary { op, sig, operand } => ExprKind::Unary {
                op,
                sig,
                operand: b(operand)?,
            },
            ExprKind::And(l, r) => ExprKind::And(b(l)?, b(r)?),
            ExprKind::Or(l, r) => ExprKind::Or(b(l)?, b(r)?),
            ExprKind::Not(e) => ExprKind::Not(b(e)?),
            ExprKind::IsNull { expr, negated } => ExprKind::IsNull {
                expr: b(expr)?,
                negated,
            },
            ExprKind::IsBool {
                expr,
                value,
                negated,
            } => ExprKind::IsBool {
                expr: b(expr)?,
                value,
                negated,
            },
            ExprKind::IsDistinctFrom {
                left,
                right,
                sig,
                negated,
            } => ExprKind::IsDistinctFrom {
                left: b(left)?,
                right: b(right)?,
                sig,
                negated,
            },
            ExprKind::Cast { expr, explicit } => ExprKind::Cast {
                expr: b(expr)?,
                explicit,
            },
            ExprKind::Function { func, args } => ExprKind::Function {
                func,
                args: map_all(args, f)?,
            },
            ExprKind::Case {
                operand,
                branches,
                otherwise,
            } => {
                let operand = match operand {
                    Some(o) => Some(Box::new(f(*o)?)),
                    None => None,
                };
                let mut new_branches = Vec::with_capacity(branches.len());
                for (c, r) in branches {
                    new_branches.push((f(c)?, f(r)?));
                }
                let otherwise = match otherwise {
                    Some(o) => Some(Box::new(f(*o)?)),
                    None => None,
                };
                ExprKind::Case {
                    operand,
                    branches: new_branches,
                    otherwise,
                }
            }
            ExprKind::InList {
                expr,
                list,
                sig,
                negated,
            } => ExprKind::InList {
                expr: Box::new(f(*expr)?),
                list: map_all(list, f)?,
                sig,
                negated,
            },
            ExprKind::Like {
                expr,
                pattern,
                escape,
                case_insensitive,
                negated,
            } => {
                let expr = Box::new(f(*expr)?);
                let pattern = Box::new(f(*pattern)?);
                let escape = match escape {
                    Some(e) => Some(Box::new(f(*e)?)),
                    None => None,
                };
                ExprKind::Like {
                    expr,
                    pattern,
                    escape,
                    case_insensitive,
                    negated,
                }
            }
            ExprKind::Coalesce(args) => ExprKind::Coalesce(map_all(args, f)?),
            ExprKind::Row(args) => ExprKind::Row(map_all(args, f)?),
            ExprKind::NullIf { left, right, sig } => ExprKind::NullIf {
                left: Box::new(f(*left)?),
                right: Box::new(f(*right)?),
                sig,
            },
            ExprKind::MinMax { args, greatest } => ExprKind::MinMax {
                args: map_all(args, f)?,
                greatest,
            },
            ExprKind::ArrayLiteral(args) => ExprKind::ArrayLiteral(map_all(args, f)?),
            ExprKind::ArraySubscript { array, subscripts } => ExprKind::ArraySubscript {
                array: Box::new(f(*array)?),
                subscripts: subscripts
                    .into_iter()
                    .map(|s| s.map(&mut *f))
                    .collect::<SqlResult<_>>()?,
            },
            ExprKind::ArrayAssign {
                array,
                subscripts,
                value,
            } => ExprKind::ArrayAssign {
                array: Box::new(f(*array)?),
                subscripts: map_all(subscripts, f)?,
                value: Box::new(f(*value)?),
            },
            ExprKind::Quantified(mut q) => {
                q.left = map_all(std::mem::take(&mut q.left), f)?;
                ExprKind::Quantified(q)
            }
            ExprKind::QuantifiedArray {
                left,
                op,
                sig,
                all,
                array,
            } => ExprKind::QuantifiedArray {
                left: Box::new(f(*left)?),
                op,
                sig,
                all,
                array: Box::new(f(*array)?),
            },
        };
        Ok(Expr { kind, ty })
    }

    /// Rebuilds the expression bottom-up, letting `f` replace any node after its children.
    pub fn transform(self, f: &mut dyn FnMut(Expr) -> SqlResult<Expr>) -> SqlResult<Expr> {
        let rebuilt = self.map_children(&mut |child| child.transform(f))?;
        f(rebuilt)
    }

    /// True if any node satisfies the predicate.
    pub fn any(&self, pred: &mut dyn FnMut(&Expr) -> bool) -> bool {
        if pred(self) {
            return true;
        }
        let mut found = false;
        self.for_each_child(&mut |c| {
            if !found && c.any(pred) {
                found = true;
            }
        });
        found
    }

    /// Whether the expression reads the input row (as opposed to constants and parameters).
    pub fn references_columns(&self) -> bool {
        self.any(&mut |e| matches!(e.kind, ExprKind::Column(_)))
    }

    /// Whether evaluating the expression may give different results for the same inputs or
    /// has side effects (random(), nextval(), subqueries) — such expressions are not folded.
    pub fn is_volatile(&self) -> bool {
        self.any(&mut |e| match &e.kind {
            ExprKind::Function { func, .. } => func.volatile,
            ExprKind::Subquery(_) | ExprKind::Quantified(_) => true,
            _ => false,
        })
    }

    /// Whether the expression's value depends only on literals (no columns, parameters,
    /// outer references, subqueries or volatile functions).
    pub fn is_constant(&self) -> bool {
        !self.any(&mut |e| match &e.kind {
            ExprKind::Column(_)
            | ExprKind::OuterColumn { .. }
            | ExprKind::Param(_)
            | ExprKind::CaseOperand
            | ExprKind::AggregateRef(_)
            | ExprKind::WindowRef(_)
            | ExprKind::SetFunctionRef(_)
            | ExprKind::Subquery(_)
            | ExprKind::Quantified(_) => true,
            ExprKind::Function { func, .. } => func.volatile || func.stable,
            _ => false,
        })
    }

    /// The operands of a chain of ANDs (the expression itself if it is not an AND).
    pub fn conjuncts(self) -> Vec<Expr> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            match e.kind {
                ExprKind::And(l, r) => {
                    stack.push(*r);
                    stack.push(*l);
                }
                _ => out.push(e),
            }
        }
        out
    }

    /// Column positions the expression reads.
    pub fn collect_columns(&self, out: &mut Vec<usize>) {
        if let ExprKind::Column(i) = self.kind {
            out.push(i);
        }
        self.for_each_child(&mut |c| c.collect_columns(out));
    }
}

fn map_all(exprs: Vec<Expr>, f: &mut dyn FnMut(Expr) -> SqlResult<Expr>) -> SqlResult<Vec<Expr>> {
    exprs.into_iter().map(f).collect()
}

/// Converts a value between types: explicit casts truncate to a length modifier, others
/// (assignment) raise 22001 when a value does not fit.
pub fn cast_value(
    value: Value,
    from: &DataType,
    to: &DataType,
    explicit: bool,
    ctx: &FormatContext,
) -> SqlResult<Value> {
    let context = if explicit {
        CastContext::Explicit
    } else {
        CastContext::Assignment
    };
    cast_in_context(value, from, to, context, ctx)
}

/// Three-valued logic: the value of a boolean expression result.
fn truth(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        _ => None,
    }
}

impl Expr {
    /// Evaluates the expression over a row.
    pub fn eval(&self, row: &[Value], ctx: &ExecContext) -> SqlResult<Value> {
        self.eval_with_operand(row, ctx, None)
    }

    /// Evaluates as a predicate: true only for TRUE (NULL and FALSE reject the row).
    pub fn eval_predicate(&self, row: &[Value], ctx: &ExecContext) -> SqlResult<bool> {
        Ok(matches!(self.eval(row, ctx)?, Value::Bool(true)))
    }

    fn eval_with_operand(
        &self,
        row: &[Value],
        ctx: &ExecContext,
        case_operand: Option<&Value>,
    ) -> SqlResult<Value> {
        let ev = |e: &Expr| e.eval_with_operand(row, ctx, case_operand);
        match &self.kind {
            ExprKind::Literal(v) => Ok(v.clone()),
            ExprKind::Column(i) => row
                .get(*i)
                .cloned()
                .ok_or_else(|| SqlError::internal(format!("column {i} is outside the row"))),
            ExprKind::OuterColumn { depth, index } => ctx.outer_value(*depth, *index),
            ExprKind::Param(i) => ctx.param(*i),
            ExprKind::Binary {
                op,
                sig,
                left,
                right,
            } => {
                let l = ev(left)?;
                if l.is_null() {
                    return Ok(Value::Null);
                }
                let r = ev(right)?;
                if r.is_null() {
                    return Ok(Value::Null);
                }
                eval_binary(*op, &l, &r, sig, ctx.format())
            }
            ExprKind::Unary { op, sig, operand } => {
                let v = ev(operand)?;
                if v.is_null() {
                    return Ok(Value::Null);
                }
                eval_unary(*op, &v, sig, ctx.format())
            }
            ExprKind::And(l, r) => {
                let lv = truth(&ev(l)?);
                if lv == Some(false) {
                    return Ok(Value::Bool(false));
                }
                let rv = truth(&ev(r)?);
                Ok(match (lv, rv) {
                    (_, Some(false)) => Value::Bool(false),
                    (Some(true), Some(true)) => Value::Bool(true),
                    _ => Value::Null,
                })
            }
            ExprKind::Or(l, r) => {
                let lv = truth(&ev(l)?);
                if lv == Some(true) {
                    return Ok(Value::Bool(true));
                }
                let rv = truth(&ev(r)?);
                Ok(match (lv, rv) {
                    (_, Some(true)) => Value::Bool(true),
                    (Some(false), Some(false)) => Value::Bool(false),
                    _ => Value::Null,
                })
            }
            ExprKind::Not(e) => Ok(match truth(&ev(e)?) {
                Some(b) => Value::Bool(!b),
                None => Value::Null,
            }),
            ExprKind::IsNull { expr, negated } => {
                let v = ev(expr)?;
                Ok(Value::Bool(v.is_null() != *negated))
            }
            ExprKind::IsBool {
                expr,
                value,
                negated,
            } => {
                let v = truth(&ev(expr)?);
                Ok(Value::Bool((v == *value) != *negated))
            }
            ExprKind::IsDistinctFrom {
                left,
                right,
                sig,
                negated,
            } => {
                let l = ev(left)?;
                let r = ev(right)?;
                let distinct = match (l.is_null(), r.is_null()) {
                    (true, true) => false,
                    (true, false) | (false, true) => true,
                    (false, false) => {
                        eval_binary(BinaryOp::Eq, &l, &r, sig, ctx.format())?.as_bool()
                            != Some(true)
                    }
                };
                Ok(Value::Bool(distinct != *negated))
            }
            ExprKind::Cast { expr, explicit } => {
                let v = ev(expr)?;
                if v.is_null() {
                    return Ok(Value::Null);
                }
                cast_value(v, &expr.ty, &self.ty, *explicit, ctx.format())
            }
            ExprKind::Function { func, args } => {
                let mut values = Vec::with_capacity(args.len());
                for a in args {
                    let v = ev(a)?;
                    if func.strict && v.is_null() {
                        return Ok(Value::Null);
                    }
                    values.push(v);
                }
                (func.imp)(&values, &func.call_info(&self.ty), ctx)
            }
            ExprKind::Case {
                operand,
                branches,
                otherwise,
            } => {
                let operand_value = match operand {
                    Some(o) => Some(ev(o)?),
                    None => None,
                };
                for (condition, result) in branches {
                    let c = condition.eval_with_operand(
                        row,
                        ctx,
                        operand_value.as_ref().or(case_operand),
                    )?;
                    if truth(&c) == Some(true) {
                        return ev(result);
                    }
                }
                match otherwise {
                    Some(o) => ev(o),
                    None => Ok(Value::Null),
                }
            }
            ExprKind::CaseOperand => case_operand
                .cloned()
                .ok_or_else(|| SqlError::internal("CASE operand outside CASE")),
            ExprKind::InList {
                expr,
                list,
                sig,
                negated,
            } => {
                let v = ev(expr)?;
                if v.is_null() {
                    return Ok(Value::Null);
                }
                let mut saw_null = false;
                for item in list {
                    let iv = ev(item)?;
                    if iv.is_null() {
                        saw_null = true;
                        continue;
                    }
                    if eval_binary(BinaryOp::Eq, &v, &iv, sig, ctx.format())?.as_bool()
                        == Some(true)
                    {
                        return Ok(Value::Bool(!*negated));
                    }
                }
                Ok(if saw_null {
                    Value::Null
                } else {
                    Value::Bool(*negated)
                })
            }
            ExprKind::Like {
                expr,
                pattern,
                escape,
                case_insensitive,
                negated,
            } => {
                let v = ev(expr)?;
                let p = ev(pattern)?;
                if v.is_null() || p.is_null() {
                    return Ok(Value::Null);
                }
                let escape_char = match escape {
                    Some(e) => match ev(e)? {
                        Value::Null => return Ok(Value::Null),
                        Value::Text(s) => {
                            let mut chars = s.chars();
                            match (chars.next(), chars.next()) {
                                (None, _) => None,
                                (Some(c), None) => Some(c),
                                _ => {
                                    return Err(SqlError::new(
                                        SqlState::INVALID_ESCAPE_SEQUENCE,
                                        "invalid escape string",
                                    )
                                    .with_hint("Escape string must be empty or one character."));
                                }
                            }
                        }
                        _ => return Err(SqlError::internal("LIKE escape is not text")),
                    },
                    None => Some('\\'),
                };
                let (Some(text), Some(pat)) = (v.as_str(), p.as_str()) else {
                    return Err(SqlError::internal("LIKE operands are not text"));
                };
                let matcher = LikeMatcher::new(pat, escape_char, *case_insensitive)?;
                Ok(Value::Bool(matcher.matches(text) != *negated))
            }
            ExprKind::Row(args) => Ok(Value::Record(
                args.iter().map(ev).collect::<SqlResult<Vec<Value>>>()?,
            )),
            ExprKind::Coalesce(args) => {
                for a in args {
                    let v = ev(a)?;
                    if !v.is_null() {
                        return Ok(v);
                    }
                }
                Ok(Value::Null)
            }
            ExprKind::NullIf { left, right, sig } => {
                let l = ev(left)?;
                let r = ev(right)?;
                if !l.is_null()
                    && !r.is_null()
                    && eval_binary(BinaryOp::Eq, &l, &r, sig, ctx.format())?.as_bool() == Some(true)
                {
                    return Ok(Value::Null);
                }
                Ok(l)
            }
            ExprKind::MinMax { args, greatest } => {
                let mut best: Option<Value> = None;
                for a in args {
                    let v = ev(a)?;
                    if v.is_null() {
                        continue;
                    }
                    best = Some(match best {
                        None => v,
                        Some(b) => {
                            let replace = if *greatest { v > b } else { v < b };
                            if replace { v } else { b }
                        }
                    });
                }
                Ok(best.unwrap_or(Value::Null))
            }
            ExprKind::ArrayLiteral(items) => {
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    values.push(ev(item)?);
                }
                let element_type = self.ty.element_type().cloned().unwrap_or(DataType::Text);
                crate::functions::array::build_array(element_type, values)
            }
            ExprKind::ArraySubscript { array, subscripts } => {
                let a = ev(array)?;
                crate::functions::subscript::eval(&a, subscripts, &ev)
            }
            ExprKind::ArrayAssign {
                array,
                subscripts,
                value,
            } => {
                let a = ev(array)?;
                let mut indexes = Vec::with_capacity(subscripts.len());
                for s in subscripts {
                    indexes.push(ev(s)?);
                }
                let v = ev(value)?;
                crate::functions::subscript::assign(a, &self.ty, &indexes, v)
            }
            ExprKind::Subquery(sub) => crate::exec::subquery::eval_subquery(sub, row, ctx),
            ExprKind::Quantified(q) => crate::exec::subquery::eval_quantified(q, row, ctx),
            ExprKind::QuantifiedArray {
                left,
                op,
                sig,
                all,
                array,
            } => {
                let l = ev(left)?;
                let a = ev(array)?;
                crate::functions::array::quantified(&l, *op, sig, *all, &a, ctx)
            }
            ExprKind::AggregateRef(_) | ExprKind::WindowRef(_) | ExprKind::SetFunctionRef(_) => {
                Err(SqlError::internal(
                    "aggregate placeholder reached execution",
                ))
            }
        }
    }
}

impl fmt::Display for Expr {
    /// A readable rendering for EXPLAIN.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        crate::explain::fmt_expr(self, f)
    }
}
