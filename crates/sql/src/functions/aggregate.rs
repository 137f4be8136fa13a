//! Aggregate functions: which exist, their result types (PostgreSQL's: `count` is bigint,
//! `sum(integer)` bigint, `sum(bigint)` and `avg(integer)` numeric, ...), and accumulators
//! that fold values into a result.

use embeddb_types::numeric::Numeric;
use embeddb_types::ops::{BinaryOp, eval_binary, resolve_binary};
use embeddb_types::{DataType, FormatContext, SqlError, SqlResult, SqlState, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AggregateFunction {
    CountStar,
    Count,
    Sum,
    Avg,
    Min,
    Max,
    StringAgg,
    ArrayAgg,
    BoolAnd,
    BoolOr,
    BitAnd,
    BitOr,
}

impl AggregateFunction {
    pub fn name(self) -> &'static str {
        match self {
            AggregateFunction::CountStar | AggregateFunction::Count => "count",
            AggregateFunction::Sum => "sum",
            AggregateFunction::Avg => "avg",
            AggregateFunction::Min => "min",
            AggregateFunction::Max => "max",
            AggregateFunction::StringAgg => "string_agg",
            AggregateFunction::ArrayAgg => "array_agg",
            AggregateFunction::BoolAnd => "bool_and",
            AggregateFunction::BoolOr => "bool_or",
            AggregateFunction::BitAnd => "bit_and",
            AggregateFunction::BitOr => "bit_or",
        }
    }
}

pub fn is_aggregate(name: &str) -> bool {
    matches!(
        name,
        "count"
            | "sum"
            | "avg"
            | "min"
            | "max"
            | "string_agg"
            | "array_agg"
            | "bool_and"
            | "bool_or"
            | "every"
            | "bit_and"
            | "bit_or"
    )
}

fn no_such(name: &str, args: &[DataType]) -> SqlError {
    crate::functions::undefined_function(name, args)
}

/// Resolves an aggregate call: the function, the types its arguments are cast to, and the
/// result type.
pub fn resolve(
    name: &str,
    args: &[DataType],
    star: bool,
) -> SqlResult<(AggregateFunction, Vec<DataType>, DataType)> {
    use DataType as T;
    if star {
        if name != "count" {
            return Err(SqlError::new(
                SqlState::WRONG_OBJECT_TYPE,
                format!(
                    "{name}(*) specified, but {name} is not an aggregate function taking no arguments"
                ),
            ));
        }
        return Ok((AggregateFunction::CountStar, Vec::new(), T::Int8));
    }
    let one = |args: &[DataType]| -> SqlResult<DataType> {
        match args {
            [t] => Ok(t.clone()),
            _ => Err(no_such(name, args)),
        }
    };
    Ok(match name {
        "count" => {
            let t = one(args)?;
            let t = if t == T::Unknown { T::Text } else { t };
            (AggregateFunction::Count, vec![t], T::Int8)
        }
        "sum" => {
            let t = one(args)?;
            let ret = match t {
                T::Int2 | T::Int4 => T::Int8,
                T::Int8 | T::Numeric(_) => T::Numeric(None),
                T::Float4 => T::Float4,
                T::Float8 => T::Float8,
                T::Interval => T::Interval,
                T::Unknown => {
                    return Err(SqlError::new(
                        SqlState::AMBIGUOUS_FUNCTION,
                        "function sum(unknown) is not unique",
                    ));
                }
                _ => return Err(no_such(name, args)),
            };
            (AggregateFunction::Sum, vec![t.without_typmod()], ret)
        }
        "avg" => {
            let t = one(args)?;
            let ret = match t {
                T::Int2 | T::Int4 | T::Int8 | T::Numeric(_) => T::Numeric(None),
                T::Float4 | T::Float8 => T::Float8,
                T::Interval => T::Interval,
                T::Unknown => {
                    return Err(SqlError::new(
                        SqlState::AMBIGUOUS_FUNCTION,
                        "function avg(unknown) is not unique",
                    ));
                }
                _ => return Err(no_such(name, args)),
            };
            (AggregateFunction::Avg, vec![t.without_typmod()], ret)
        }
        "min" | "max" => {
            let t = one(args)?;
            // varchar has no min/max of its own: it uses text's, like PostgreSQL.
            let t = match t {
                T::Varchar(_) | T::Unknown | T::Name => T::Text,
                other => other.without_typmod(),
            };
            // PostgreSQL 15 has no min/max for these even though they compare.
            if matches!(t, T::Json | T::Jsonb | T::Bool | T::Uuid) {
                return Err(no_such(name, args));
            }
            resolve_binary(BinaryOp::Lt, &t, &t).map_err(|_| no_such(name, args))?;
            let f = if name == "min" {
                AggregateFunction::Min
            } else {
                AggregateFunction::Max
            };
            (f, vec![t.clone()], t)
        }
        "string_agg" => match args {
            [a, b] if matches!(a, T::Bytea) && matches!(b, T::Bytea | T::Unknown) => (
                AggregateFunction::StringAgg,
                vec![T::Bytea, T::Bytea],
                T::Bytea,
            ),
            [a, b] if is_textlike(a) && is_textlike(b) => (
                AggregateFunction::StringAgg,
                vec![T::Text, T::Text],
                T::Text,
            ),
            _ => return Err(no_such(name, args)),
        },
        "array_agg" => {
            let t = one(args)?;
            let t = if t == T::Unknown { T::Text } else { t };
            let ret = match &t {
                T::Array(_) => t.clone(),
                other => T::Array(Box::new(other.clone())),
            };
            (AggregateFunction::ArrayAgg, vec![t], ret)
        }
        "bool_and" | "every" | "bool_or" => {
            let t = one(args)?;
            if !matches!(t, T::Bool | T::Unknown) {
                return Err(no_such(name, args));
            }
            let f = if name == "bool_or" {
                AggregateFunction::BoolOr
            } else {
                AggregateFunction::BoolAnd
            };
            (f, vec![T::Bool], T::Bool)
        }
        "bit_and" | "bit_or" => {
            let t = one(args)?;
            if !t.is_integer() {
                return Err(no_such(name, args));
            }
            let f = if name == "bit_and" {
                AggregateFunction::BitAnd
            } else {
                AggregateFunction::BitOr
            };
            (f, vec![t.clone()], t)
        }
        _ => return Err(no_such(name, args)),
    })
}

fn is_textlike(t: &DataType) -> bool {
    t.is_string() || *t == DataType::Unknown
}

/// Folds the rows of one group into an aggregate's result.
pub trait Accumulator: Send {
    /// Adds one row's argument values (after FILTER and DISTINCT).
    fn update(&mut self, args: &[Value], ctx: &FormatContext) -> SqlResult<()>;
    /// The result for the rows added so far.
    fn finish(&mut self, ctx: &FormatContext) -> SqlResult<Value>;
    /// Memory held, for `work_mem` accounting.
    fn size_bytes(&self) -> usize {
        64
    }
}

pub fn accumulator(
    func: AggregateFunction,
    arg_types: &[DataType],
    result: &DataType,
) -> Box<dyn Accumulator> {
    let arg = arg_types.first().cloned().unwrap_or(DataType::Unknown);
    match func {
        AggregateFunction::CountStar => Box::new(Count {
            count: 0,
            star: true,
        }),
        AggregateFunction::Count => Box::new(Count {
            count: 0,
            star: false,
        }),
        AggregateFunction::Sum | AggregateFunction::Avg => Box::new(SumAvg {
            avg: func == AggregateFunction::Avg,
            arg,
            result: result.clone(),
            int_sum: 0,
            float_sum: 0.0,
            exact: None,
            count: 0,
        }),
        AggregateFunction::Min | AggregateFunction::Max => Box::new(MinMax {
            max: func == AggregateFunction::Max,
            best: None,
        }),
        AggregateFunction::StringAgg => Box::new(StringAgg {
            text: None,
            bytes: None,
        }),
        AggregateFunction::ArrayAgg => Box::new(ArrayAgg {
            element: arg,
            values: Vec::new(),
            any: false,
            size_bytes: 0,
        }),
        AggregateFunction::BoolAnd | AggregateFunction::BoolOr => Box::new(BoolAgg {
            and: func == AggregateFunction::BoolAnd,
            state: None,
        }),
        AggregateFunction::BitAnd | AggregateFunction::BitOr => Box::new(BitAgg {
            and: func == AggregateFunction::BitAnd,
            state: None,
            ty: arg,
        }),
    }
}

struct Count {
    count: i64,
    star: bool,
}

impl Accumulator for Count {
    fn update(&mut self, args: &[Value], _: &FormatContext) -> SqlResult<()> {
        if self.star || args.first().is_some_and(|v| !v.is_null()) {
            self.count += 1;
        }
        Ok(())
    }

    fn finish(&mut self, _: &FormatContext) -> SqlResult<Value> {
        Ok(Value::Int8(self.count))
    }
}

/// sum and avg: integers add up exactly in an i128, floats in their own type, numerics and
/// intervals with the types' own addition.
struct SumAvg {
    avg: bool,
    arg: DataType,
    result: DataType,
    int_sum: i128,
    float_sum: f64,
    exact: Option<Value>,
    count: i64,
}

impl Accumulator for SumAvg {
    fn update(&mut self, args: &[Value], ctx: &FormatContext) -> SqlResult<()> {
        let Some(v) = args.first() else {
            return Ok(());
        };
        match v {
            Value::Null => return Ok(()),
            Value::Int2(_) | Value::Int4(_) | Value::Int8(_) => {
                self.int_sum += i128::from(v.as_i64().unwrap_or(0));
            }
            Value::Float4(f) => {
                // float4 sums accumulate in float4, as PostgreSQL's float4pl does.
                self.float_sum = f64::from((self.float_sum as f32) + *f);
            }
            Value::Float8(f) => self.float_sum += *f,
            other => {
                self.exact = Some(match self.exact.take() {
                    None => other.clone(),
                    Some(acc) => {
                        let sig = resolve_binary(BinaryOp::Add, &self.arg, &self.arg)?;
                        eval_binary(BinaryOp::Add, &acc, other, &sig, ctx)?
                    }
                });
            }
        }
        self.count += 1;
        Ok(())
    }

    fn finish(&mut self, ctx: &FormatContext) -> SqlResult<Value> {
        if self.count == 0 {
            return Ok(Value::Null);
        }
        let total: Value = match &self.arg {
            DataType::Int2 | DataType::Int4 | DataType::Int8 => {
                if self.result == DataType::Int8 && !self.avg {
                    let v = i64::try_from(self.int_sum)
                        .map_err(|_| SqlError::out_of_range("bigint"))?;
                    return Ok(Value::Int8(v));
                }
                Value::Numeric(Numeric::parse(&self.int_sum.to_string())?)
            }
            DataType::Float4 if !self.avg => return Ok(Value::Float4(self.float_sum as f32)),
            DataType::Float4 | DataType::Float8 => {
                if self.avg {
                    return Ok(Value::Float8(self.float_sum / self.count as f64));
                }
                return Ok(Value::Float8(self.float_sum));
            }
            _ => self.exact.clone().unwrap_or(Value::Null),
        };
        if !self.avg {
            return Ok(total);
        }
        match total {
            Value::Numeric(n) => {
                let count = Numeric::from_i64(self.count);
                let sig = resolve_binary(
                    BinaryOp::Div,
                    &DataType::Numeric(None),
                    &DataType::Numeric(None),
                )?;
                eval_binary(
                    BinaryOp::Div,
                    &Value::Numeric(n),
                    &Value::Numeric(count),
                    &sig,
                    ctx,
                )
            }
            Value::Interval(_) => {
                let sig = resolve_binary(BinaryOp::Div, &DataType::Interval, &DataType::Float8)?;
                eval_binary(
                    BinaryOp::Div,
                    &total,
                    &Value::Float8(self.count as f64),
                    &sig,
                    ctx,
                )
            }
            other => Ok(other),
        }
    }
}

struct MinMax {
    max: bool,
    best: Option<Value>,
}

impl Accumulator for MinMax {
    fn update(&mut self, args: &[Value], _: &FormatContext) -> SqlResult<()> {
        let Some(v) = args.first() else {
            return Ok(());
        };
        if v.is_null() {
            return Ok(());
        }
        let replace = match &self.best {
            None => true,
            Some(b) => {
                if self.max {
                    v > b
                } else {
                    v < b
                }
            }
        };
        if replace {
            self.best = Some(v.clone());
        }
        Ok(())
    }

    fn finish(&mut self, _: &FormatContext) -> SqlResult<Value> {
        Ok(self.best.clone().unwrap_or(Value::Null))
    }

    fn size_bytes(&self) -> usize {
        self.best.as_ref().map_or(16, Value::size_bytes)
    }
}

struct StringAgg {
    text: Option<String>,
    bytes: Option<Vec<u8>>,
}

impl Accumulator for StringAgg {
    fn update(&mut self, args: &[Value], _: &FormatContext) -> SqlResult<()> {
        match (args.first(), args.get(1)) {
            (Some(Value::Text(s)), delim) => {
                match &mut self.text {
                    None => self.text = Some(s.clone()),
                    Some(acc) => {
                        if let Some(Value::Text(d)) = delim {
                            acc.push_str(d);
                        }
                        acc.push_str(s);
                    }
                }
                Ok(())
            }
            (Some(Value::Bytea(b)), delim) => {
                match &mut self.bytes {
                    None => self.bytes = Some(b.clone()),
                    Some(acc) => {
                        if let Some(Value::Bytea(d)) = delim {
                            acc.extend_from_slice(d);
                        }
                        acc.extend_from_slice(b);
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn finish(&mut self, _: &FormatContext) -> SqlResult<Value> {
        Ok(match (&self.text, &self.bytes) {
            (Some(t), _) => Value::Text(t.clone()),
            (None, Some(b)) => Value::Bytea(b.clone()),
            _ => Value::Null,
        })
    }

    fn size_bytes(&self) -> usize {
        self.text.as_ref().map_or(0, String::len) + self.bytes.as_ref().map_or(0, Vec::len) + 32
    }
}

struct ArrayAgg {
    element: DataType,
    values: Vec<Value>,
    any: bool,
    size_bytes: usize,
}

impl Accumulator for ArrayAgg {
    fn update(&mut self, args: &[Value], _: &FormatContext) -> SqlResult<()> {
        let v = args.first().cloned().unwrap_or(Value::Null);
        self.size_bytes += v.size_bytes();
        self.values.push(v);
        self.any = true;
        Ok(())
    }

    fn finish(&mut self, _: &FormatContext) -> SqlResult<Value> {
        if !self.any {
            return Ok(Value::Null);
        }
        crate::functions::array::aggregate_array(&self.element, self.values.clone())
    }

    fn size_bytes(&self) -> usize {
        self.size_bytes + 32
    }
}

struct BoolAgg {
    and: bool,
    state: Option<bool>,
}

impl Accumulator for BoolAgg {
    fn update(&mut self, args: &[Value], _: &FormatContext) -> SqlResult<()> {
        if let Some(Value::Bool(b)) = args.first() {
            self.state = Some(match self.state {
                None => *b,
                Some(s) => {
                    if self.and {
                        s && *b
                    } else {
                        s || *b
                    }
                }
            });
        }
        Ok(())
    }

    fn finish(&mut self, _: &FormatContext) -> SqlResult<Value> {
        Ok(self.state.map_or(Value::Null, Value::Bool))
    }
}

struct BitAgg {
    and: bool,
    state: Option<i64>,
    ty: DataType,
}

impl Accumulator for BitAgg {
    fn update(&mut self, args: &[Value], _: &FormatContext) -> SqlResult<()> {
        if let Some(v) = args.first().and_then(Value::as_i64) {
            self.state = Some(match self.state {
                None => v,
                Some(s) => {
                    if self.and {
                        s & v
                    } else {
                        s | v
                    }
                }
            });
        }
        Ok(())
    }

    fn finish(&mut self, _: &FormatContext) -> SqlResult<Value> {
        Ok(match self.state {
            None => Value::Null,
            Some(v) => match self.ty {
                DataType::Int2 => Value::Int2(v as i16),
                DataType::Int4 => Value::Int4(v as i32),
                _ => Value::Int8(v),
            },
        })
    }
}
