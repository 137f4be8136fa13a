//! Set-returning functions in FROM: `generate_series` (integers, numerics and timestamps with an
//! interval step) and `unnest`.

use embeddb_types::ops::{BinaryOp, eval_binary, resolve_binary};
use embeddb_types::{DataType, Row, SqlError, SqlResult, SqlState, Value};

use crate::binder::Binder;
use crate::binder::expr::Coercion;
use crate::exec::context::ExecContext;
use crate::exec::{BoxedOperator, CHUNK_ROWS, Chunk, Operator};
use crate::expr::Expr;
use crate::plan::Field;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableFunction {
    GenerateSeries,
    Unnest,
}

impl TableFunction {
    pub fn name(self) -> &'static str {
        match self {
            TableFunction::GenerateSeries => "generate_series",
            TableFunction::Unnest => "unnest",
        }
    }
}

/// Whether a function of this name returns a set (and so is bound by `resolve`).
pub fn is_set_returning(name: &str) -> bool {
    matches!(name, "generate_series" | "unnest")
}

/// One bound call of a set-returning function.
#[derive(Clone, Debug, PartialEq)]
pub struct SetFunctionCall {
    pub func: TableFunction,
    /// Over the row the call is evaluated for (none for a FunctionScan).
    pub args: Vec<Expr>,
    /// The columns each of its rows has.
    pub fields: Vec<Field>,
}

/// EXPLAIN's title for a scan of these calls.
pub fn scan_title(calls: &[SetFunctionCall]) -> String {
    match calls {
        [one] => format!("Function Scan on {}", one.func.name()),
        _ => "Function Scan on \"ROWS FROM\"".to_string(),
    }
}

/// Resolves a function in FROM: the function, its arguments cast to its parameter types, and
/// its output columns.
pub fn resolve(
    binder: &mut Binder<'_>,
    name: &str,
    args: Vec<Expr>,
) -> SqlResult<(TableFunction, Vec<Expr>, Vec<Field>)> {
    match name {
        "generate_series" => {
            if args.len() < 2 || args.len() > 3 {
                let types: Vec<DataType> = args.iter().map(|a| a.ty.clone()).collect();
                return Err(crate::functions::undefined_function(name, &types));
            }
            let types: Vec<DataType> = args.iter().take(2).map(|a| a.ty.clone()).collect();
            let mut ty = embeddb_types::ops::common_type(&types, "generate_series")?;
            if ty == DataType::Unknown {
                ty = DataType::Int4;
            }
            let ty = match ty {
                DataType::Int2 => DataType::Int4,
                DataType::Float4 | DataType::Float8 => DataType::Numeric(None),
                DataType::Date => DataType::Timestamp,
                other => other,
            };
            let step_ty = match ty {
                DataType::Int4 | DataType::Int8 | DataType::Numeric(_) => ty.clone(),
                DataType::Timestamp | DataType::Timestamptz => DataType::Interval,
                _ => {
                    let types: Vec<DataType> = args.iter().map(|a| a.ty.clone()).collect();
                    return Err(crate::functions::undefined_function(name, &types));
                }
            };
            let mut out = Vec::with_capacity(args.len());
            for (i, a) in args.into_iter().enumerate() {
                let target = if i < 2 { &ty } else { &step_ty };
                out.push(binder.coerce(a, target, Coercion::Implicit)?);
            }
            if out.len() == 2 && step_ty == DataType::Interval {
                return Err(crate::functions::undefined_function(
                    name,
                    &[ty.clone(), ty],
                ));
            }
            Ok((
                TableFunction::GenerateSeries,
                out,
                vec![Field::new("generate_series", ty)],
            ))
        }
        "unnest" => {
            let [arg]: [Expr; 1] = args.try_into().map_err(|args: Vec<Expr>| {
                let types: Vec<DataType> = args.iter().map(|a| a.ty.clone()).collect();
                crate::functions::undefined_function(name, &types)
            })?;
            let element = match &arg.ty {
                DataType::Array(e) => (**e).clone(),
                DataType::Unknown => {
                    return Err(SqlError::new(
                        SqlState::INDETERMINATE_DATATYPE,
                        "could not determine polymorphic type because input has type unknown",
                    ));
                }
                other => {
                    return Err(crate::functions::undefined_function(
                        name,
                        std::slice::from_ref(other),
                    ));
                }
            };
            Ok((
                TableFunction::Unnest,
                vec![arg],
                vec![Field::new("unnest", element)],
            ))
        }
        _ => Err(SqlError::new(
            SqlState::UNDEFINED_FUNCTION,
            format!("function {name} does not exist or does not return a set"),
        )),
    }
}

/// Most rows one generate_series may produce: a bound so a typo cannot exhaust memory of the
/// client or server before a cancel arrives (PostgreSQL has none, but streams).
const MAX_SERIES_ROWS: u64 = 1 << 40;

/// The operator producing one call's rows, its arguments evaluated over `row`.
pub fn build(call: &SetFunctionCall, row: &[Value], ctx: &ExecContext) -> SqlResult<BoxedOperator> {
    let args = &call.args;
    let mut values = Vec::with_capacity(args.len());
    for a in args {
        values.push(a.eval(row, ctx)?);
    }
    Ok(match call.func {
        TableFunction::GenerateSeries => {
            if values.iter().any(Value::is_null) {
                return Ok(Box::new(Rows::new(Vec::new())));
            }
            let ty = args[0].ty.clone();
            let step = match values.get(2) {
                Some(s) => s.clone(),
                None => match ty {
                    DataType::Int8 => Value::Int8(1),
                    DataType::Numeric(_) => Value::Numeric(embeddb_types::Numeric::from_i64(1)),
                    _ => Value::Int4(1),
                },
            };
            let step_ty = args.get(2).map_or(ty.clone(), |a| a.ty.clone());
            let zero_step = match &step {
                Value::Int4(0) | Value::Int8(0) => true,
                Value::Numeric(n) => n.is_zero(),
                Value::Interval(i) => i.months == 0 && i.days == 0 && i.micros == 0,
                _ => false,
            };
            if zero_step {
                return Err(SqlError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    "step size cannot equal zero",
                ));
            }
            Box::new(Series {
                current: values[0].clone(),
                stop: values[1].clone(),
                step,
                add: resolve_binary(BinaryOp::Add, &ty, &step_ty)?,
                descending: is_negative(&values[2..]),
                produced: 0,
                ctx: ctx.clone(),
                done: false,
            })
        }
        TableFunction::Unnest => match values.into_iter().next() {
            Some(Value::Array(a)) => {
                Box::new(Rows::new(a.elements.into_iter().map(|v| vec![v]).collect()))
            }
            _ => Box::new(Rows::new(Vec::new())),
        },
    })
}

fn is_negative(step: &[Value]) -> bool {
    match step.first() {
        Some(Value::Int4(v)) => *v < 0,
        Some(Value::Int8(v)) => *v < 0,
        Some(Value::Numeric(n)) => n.signum() < 0,
        Some(Value::Interval(i)) => {
            // PostgreSQL decides direction by comparing start + step with start; an interval
            // with mixed signs is judged by its total length.
            (i64::from(i.months) * 30 * 86_400_000_000
                + i64::from(i.days) * 86_400_000_000
                + i.micros)
                < 0
        }
        _ => false,
    }
}

struct Series {
    current: Value,
    stop: Value,
    step: Value,
    add: embeddb_types::OperatorSig,
    descending: bool,
    produced: u64,
    ctx: ExecContext,
    done: bool,
}

impl Operator for Series {
    fn next_chunk(&mut self) -> SqlResult<Option<Chunk>> {
        if self.done {
            return Ok(None);
        }
        self.ctx.check_interrupt()?;
        let mut chunk = Vec::new();
        while chunk.len() < CHUNK_ROWS {
            let past_end = if self.descending {
                self.current < self.stop
            } else {
                self.current > self.stop
            };
            if past_end || self.produced >= MAX_SERIES_ROWS {
                self.done = true;
                break;
            }
            chunk.push(vec![self.current.clone()]);
            self.produced += 1;
            match eval_binary(
                BinaryOp::Add,
                &self.current,
                &self.step,
                &self.add,
                self.ctx.format(),
            ) {
                Ok(next) => self.current = next,
                Err(e) if e.code == SqlState::NUMERIC_VALUE_OUT_OF_RANGE => {
                    // The next value would overflow: the series ends here, as in PostgreSQL.
                    self.done = true;
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(if chunk.is_empty() { None } else { Some(chunk) })
    }
}

/// Rows computed up front.
struct Rows {
    rows: std::vec::IntoIter<Row>,
}

impl Rows {
    fn new(rows: Vec<Row>) -> Self {
        Rows {
            rows: rows.into_iter(),
        }
    }
}

impl Operator for Rows {
    fn next_chunk(&mut self) -> SqlResult<Option<Chunk>> {
        let chunk: Chunk = self.rows.by_ref().take(CHUNK_ROWS).collect();
        Ok(if chunk.is_empty() { None } else { Some(chunk) })
    }
}
