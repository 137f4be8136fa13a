//! Built-in functions: the registry of scalar functions with their overloads, and the
//! resolution of a call to one overload with PostgreSQL's rules (exact match first, then the
//! candidate whose implicit casts fit best; polymorphic `anyelement`/`anyarray` arguments take
//! the type of the actual arguments).
//!
//! Aggregates live in [`aggregate`], set-returning functions in FROM in [`table`].

pub mod aggregate;
pub mod array;
pub mod params;
pub mod registry;
mod scalar;
pub mod subscript;
pub mod table;

use std::fmt;

use embeddb_types::{DataType, SqlError, SqlResult, SqlState, Value};

use crate::exec::context::ExecContext;

pub use registry::{lookup, registry_names};

/// The text `version()` returns.
pub fn scalar_version_text() -> &'static str {
    scalar::VERSION_TEXT
}

/// The body of a scalar function: arguments already cast to the chosen overload's types.
pub type ScalarImpl = fn(&[Value], &CallInfo<'_>, &ExecContext) -> SqlResult<Value>;

/// What a function body knows about its call besides the argument values.
pub struct CallInfo<'a> {
    pub arg_types: &'a [DataType],
    pub ret: &'a DataType,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Volatility {
    /// Same inputs, same result, always: folded at plan time.
    Immutable,
    /// Same result within a statement (now(), current_setting()).
    Stable,
    /// May differ on every call (random(), nextval()).
    Volatile,
}

/// An argument type in an overload.
#[derive(Clone, Debug, PartialEq)]
pub enum ArgType {
    Exact(DataType),
    /// Any type; all `AnyElement` arguments (and `AnyArray` element types) share one type.
    AnyElement,
    /// An array whose element type is the shared polymorphic type.
    AnyArray,
    /// Any type at all, each argument on its own (format(), concat()).
    Any,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ReturnType {
    Exact(DataType),
    /// The shared polymorphic element type.
    AnyElement,
    /// An array of the shared polymorphic element type.
    AnyArray,
}

/// One overload of a named function.
#[derive(Clone)]
pub struct Overload {
    pub args: Vec<ArgType>,
    /// The last argument may repeat (zero or more times).
    pub variadic: bool,
    pub ret: ReturnType,
    pub imp: ScalarImpl,
    /// Returns NULL without being called if any argument is NULL.
    pub strict: bool,
    pub volatility: Volatility,
}

/// A call resolved to one overload, as a bound expression carries it.
#[derive(Clone)]
pub struct ScalarFunction {
    pub name: &'static str,
    pub imp: ScalarImpl,
    pub arg_types: Vec<DataType>,
    pub strict: bool,
    pub volatile: bool,
    pub stable: bool,
}

impl ScalarFunction {
    pub fn call_info<'a>(&'a self, ret: &'a DataType) -> CallInfo<'a> {
        CallInfo {
            arg_types: &self.arg_types,
            ret,
        }
    }
}

impl PartialEq for ScalarFunction {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.arg_types == other.arg_types
    }
}

impl fmt::Debug for ScalarFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}(", self.name)?;
        for (i, t) in self.arg_types.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{t}")?;
        }
        f.write_str(")")
    }
}

/// The outcome of resolving a call: the function, the types to cast each argument to, and the
/// result type.
pub struct Resolved {
    pub function: ScalarFunction,
    pub arg_types: Vec<DataType>,
    pub ret: DataType,
}

fn describe_call(name: &str, args: &[DataType]) -> String {
    let list: Vec<String> = args.iter().map(ToString::to_string).collect();
    format!("{name}({})", list.join(", "))
}

/// Resolves a call of `name` with arguments of these types.
pub fn resolve(name: &str, args: &[DataType]) -> SqlResult<Resolved> {
    let Some((static_name, overloads)) = lookup(name) else {
        return Err(undefined_function(name, args));
    };
    // Instantiate each overload that can take this many arguments.
    let mut candidates: Vec<(&Overload, Vec<DataType>, DataType)> = Vec::new();
    for overload in overloads {
        if let Some((arg_types, ret)) = instantiate(overload, args) {
            candidates.push((overload, arg_types, ret));
        }
    }
    if candidates.is_empty() {
        return Err(undefined_function(name, args));
    }
    let signatures: Vec<Vec<DataType>> = candidates.iter().map(|c| c.1.clone()).collect();
    let chosen = match embeddb_types::ops::select_function_candidate(&signatures, args) {
        Ok(i) => i,
        Err(embeddb_types::ops::CandidateError::NotFound) => {
            return Err(undefined_function(name, args));
        }
        Err(embeddb_types::ops::CandidateError::Ambiguous) => {
            return Err(SqlError::new(
                SqlState::AMBIGUOUS_FUNCTION,
                format!("function {} is not unique", describe_call(name, args)),
            )
            .with_hint(
                "Could not choose a best candidate function. You might need to add explicit type casts.",
            ));
        }
    };
    let (overload, arg_types, ret) = candidates.swap_remove(chosen);
    Ok(Resolved {
        function: ScalarFunction {
            name: static_name,
            imp: overload.imp,
            arg_types: arg_types.clone(),
            strict: overload.strict,
            volatile: overload.volatility == Volatility::Volatile,
            stable: overload.volatility == Volatility::Stable,
        },
        arg_types,
        ret,
    })
}

pub fn undefined_function(name: &str, args: &[DataType]) -> SqlError {
    undefined_call(&describe_call(name, args))
}

/// 42883 for a call described as PostgreSQL describes it (`f(integer, x => text)`).
pub fn undefined_call(call: &str) -> SqlError {
    SqlError::new(
        SqlState::UNDEFINED_FUNCTION,
        format!("function {call} does not exist"),
    )
    .with_hint(
        "No function matches the given name and argument types. You might need to add explicit type casts.",
    )
}

/// The concrete argument and result types of an overload for these actual argument types,
/// or None if the overload cannot take them (wrong count, or polymorphic types disagree).
fn instantiate(overload: &Overload, actual: &[DataType]) -> Option<(Vec<DataType>, DataType)> {
    let fixed = overload.args.len();
    let count_ok = if overload.variadic {
        actual.len() + 1 >= fixed
    } else {
        actual.len() == fixed
    };
    if !count_ok {
        return None;
    }
    let spec_for = |i: usize| -> &ArgType {
        if i < fixed {
            &overload.args[i]
        } else {
            &overload.args[fixed - 1]
        }
    };
    // The shared polymorphic element type, from the arguments that fix it.
    let mut element: Option<DataType> = None;
    for (i, ty) in actual.iter().enumerate() {
        let candidate = match (spec_for(i), ty) {
            (_, DataType::Unknown) => None,
            (ArgType::AnyElement, t) => Some(t.without_typmod()),
            (ArgType::AnyArray, DataType::Array(e)) => Some(e.without_typmod()),
            (ArgType::AnyArray, _) => return None,
            _ => None,
        };
        if let Some(c) = candidate {
            match &element {
                None => element = Some(c),
                Some(e) if *e == c => {}
                Some(e) => {
                    // Differing types unify if one casts implicitly to the other.
                    match embeddb_types::ops::common_type(&[e.clone(), c], "polymorphic") {
                        Ok(t) => element = Some(t),
                        Err(_) => return None,
                    }
                }
            }
        }
    }
    let uses_polymorphism = overload
        .args
        .iter()
        .any(|a| matches!(a, ArgType::AnyElement | ArgType::AnyArray))
        || matches!(overload.ret, ReturnType::AnyElement | ReturnType::AnyArray);
    let element = match element {
        Some(e) => e,
        None if uses_polymorphism => DataType::Text,
        None => DataType::Unknown,
    };
    let mut types = Vec::with_capacity(actual.len());
    for (i, ty) in actual.iter().enumerate() {
        types.push(match spec_for(i) {
            ArgType::Exact(t) => t.clone(),
            ArgType::AnyElement => element.clone(),
            ArgType::AnyArray => DataType::Array(Box::new(element.clone())),
            ArgType::Any => match ty {
                DataType::Unknown => DataType::Text,
                other => other.clone(),
            },
        });
    }
    let ret = match &overload.ret {
        ReturnType::Exact(t) => t.clone(),
        ReturnType::AnyElement => element,
        ReturnType::AnyArray => DataType::Array(Box::new(element)),
    };
    Some((types, ret))
}
