//! Building text from values: `concat`, `concat_ws`, `format` (`%s`, `%I`, `%L` with
//! positions, widths and `-`), `quote_ident`, `quote_literal`, `quote_nullable`, and the
//! variadic counters `num_nulls` / `num_nonnulls`.
//!
//! Values of any type are turned into text with their type's output function, as PostgreSQL
//! does for `"any"` arguments.

use embeddb_types::{DataType, SqlError, SqlResult, SqlState, Value, format_text};

use super::{check_size, text};
use crate::exec::context::ExecContext;
use crate::functions::registry::Registry;
use crate::functions::{ArgType, CallInfo, ReturnType};
use crate::keywords::quote_identifier;

type Args<'a> = &'a [Value];

/// The output-function text of argument `i`, or None for NULL.
fn out_text(args: Args, call: &CallInfo<'_>, ctx: &ExecContext, i: usize) -> Option<String> {
    let v = &args[i];
    if v.is_null() {
        return None;
    }
    let ty = call.arg_types.get(i).cloned().unwrap_or(DataType::Text);
    Some(format_text(v, &ty, ctx.format()))
}

fn concat(args: Args, call: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    let mut out = String::new();
    for i in 0..args.len() {
        if let Some(s) = out_text(args, call, ctx, i) {
            out.push_str(&s);
        }
    }
    Ok(Value::Text(out))
}

fn concat_ws(args: Args, call: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    if args[0].is_null() {
        return Ok(Value::Null);
    }
    let sep = text(&args[0]);
    let mut out = String::new();
    let mut first = true;
    for i in 1..args.len() {
        if let Some(s) = out_text(args, call, ctx, i) {
            if !first {
                out.push_str(sep);
            }
            out.push_str(&s);
            first = false;
        }
    }
    Ok(Value::Text(out))
}

fn num_nulls(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Int4(
        args.iter().filter(|v| v.is_null()).count() as i32
    ))
}

fn num_nonnulls(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Int4(
        args.iter().filter(|v| !v.is_null()).count() as i32
    ))
}

/// PostgreSQL's `quote_literal`: single quotes doubled; with backslashes, an E'' string with
/// them doubled too.
pub(crate) fn quote_literal_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 3);
    if s.contains('\\') {
        out.push('E');
    }
    out.push('\'');
    for c in s.chars() {
        if c == '\'' || c == '\\' {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

fn quote_ident(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Text(quote_identifier(text(&args[0]))))
}

fn quote_literal(args: Args, call: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    Ok(match out_text(args, call, ctx, 0) {
        Some(s) => Value::Text(quote_literal_text(&s)),
        None => Value::Null,
    })
}

fn quote_nullable(args: Args, call: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    Ok(match out_text(args, call, ctx, 0) {
        Some(s) => Value::Text(quote_literal_text(&s)),
        None => Value::Text("NULL".to_string()),
    })
}

fn format_error(msg: impl Into<String>) -> SqlError {
    SqlError::new(SqlState::INVALID_PARAMETER_VALUE, msg)
}

fn unterminated() -> SqlError {
    format_error("unterminated format() type specifier").with_hint("For a single \"%\" use \"%%\".")
}

fn arg_zero() -> SqlError {
    format_error("format specifies argument 0, but arguments are numbered from 1")
}

/// A parsed `%...` specifier.
#[derive(Default)]
struct Spec {
    /// Explicit `n$` argument position (1-based).
    argpos: Option<usize>,
    /// `*` width: `Some(None)` takes the next argument, `Some(Some(n))` argument n.
    widthpos: Option<Option<usize>>,
    minus: bool,
    width: usize,
}

/// Cursor over the format string's characters; advancing past the end is PostgreSQL's
/// "unterminated" error.
struct Cursor {
    chars: Vec<char>,
    i: usize,
}

impl Cursor {
    fn cur(&self) -> char {
        self.chars.get(self.i).copied().unwrap_or('\0')
    }

    fn advance(&mut self) -> SqlResult<()> {
        self.i += 1;
        if self.i >= self.chars.len() {
            return Err(unterminated());
        }
        Ok(())
    }

    fn digits(&mut self) -> SqlResult<Option<usize>> {
        let mut n: Option<i32> = None;
        while let Some(d) = self.cur().to_digit(10) {
            let v = n
                .unwrap_or(0)
                .checked_mul(10)
                .and_then(|x| x.checked_add(d as i32))
                .ok_or_else(|| {
                    SqlError::new(
                        SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
                        "number is out of range",
                    )
                })?;
            n = Some(v);
            self.advance()?;
        }
        Ok(n.map(|v| v as usize))
    }

    /// `text_format_parse_format`: the cursor ends on the conversion character.
    fn spec(&mut self) -> SqlResult<Spec> {
        let mut spec = Spec::default();
        if let Some(n) = self.digits()? {
            if self.cur() != '$' {
                spec.width = n;
                return Ok(spec);
            }
            if n == 0 {
                return Err(arg_zero());
            }
            spec.argpos = Some(n);
            self.advance()?;
        }
        while self.cur() == '-' {
            spec.minus = true;
            self.advance()?;
        }
        if self.cur() == '*' {
            self.advance()?;
            match self.digits()? {
                Some(n) => {
                    if self.cur() != '$' {
                        return Err(format_error(
                            "width argument position must be ended by \"$\"",
                        ));
                    }
                    if n == 0 {
                        return Err(arg_zero());
                    }
                    spec.widthpos = Some(Some(n));
                    self.advance()?;
                }
                None => spec.widthpos = Some(None),
            }
        } else if let Some(n) = self.digits()? {
            spec.width = n;
        }
        Ok(spec)
    }
}

fn too_few() -> SqlError {
    format_error("too few arguments for format()")
}

fn push_padded(out: &mut String, s: &str, width: usize, minus: bool) -> SqlResult<()> {
    let len = s.chars().count();
    if width <= len {
        out.push_str(s);
        return Ok(());
    }
    check_size((out.len() + s.len() + width - len) as u128)?;
    let pad = " ".repeat(width - len);
    if minus {
        out.push_str(s);
        out.push_str(&pad);
    } else {
        out.push_str(&pad);
        out.push_str(s);
    }
    Ok(())
}

fn format(args: Args, call: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    if args[0].is_null() {
        return Ok(Value::Null);
    }
    let mut c = Cursor {
        chars: text(&args[0]).chars().collect(),
        i: 0,
    };
    let nargs = args.len();
    // Index of the last argument used; the format string itself is argument 0.
    let mut arg = 0usize;
    let mut out = String::new();
    while c.i < c.chars.len() {
        let ch = c.cur();
        if ch != '%' {
            out.push(ch);
            c.i += 1;
            continue;
        }
        c.advance()?;
        if c.cur() == '%' {
            out.push('%');
            c.i += 1;
            continue;
        }
        let mut spec = c.spec()?;
        let conv = c.cur();
        if !matches!(conv, 's' | 'I' | 'L') {
            return Err(
                format_error(format!("unrecognized format() type specifier \"{conv}\""))
                    .with_hint("For a single \"%\" use \"%%\"."),
            );
        }
        if let Some(wp) = spec.widthpos {
            arg = wp.unwrap_or(arg + 1);
            if arg >= nargs {
                return Err(too_few());
            }
            let w = match &args[arg] {
                Value::Null => 0,
                v => width_value(v, call.arg_types.get(arg), ctx)?,
            };
            if w < 0 {
                spec.minus = true;
            }
            spec.width = w.unsigned_abs() as usize;
        }
        arg = spec.argpos.unwrap_or(arg + 1);
        if arg >= nargs {
            return Err(too_few());
        }
        let value = out_text(args, call, ctx, arg);
        let piece = match (conv, value) {
            ('s', Some(s)) => s,
            ('s', None) => String::new(),
            ('I', Some(s)) => quote_identifier(&s),
            ('I', None) => {
                return Err(SqlError::new(
                    SqlState::NULL_VALUE_NOT_ALLOWED,
                    "null values cannot be formatted as an SQL identifier",
                ));
            }
            (_, Some(s)) => quote_literal_text(&s),
            (_, None) => "NULL".to_string(),
        };
        push_padded(&mut out, &piece, spec.width, spec.minus)?;
        c.i += 1;
    }
    Ok(Value::Text(out))
}

/// A `*` width argument as an int4 (PostgreSQL casts it to integer).
fn width_value(v: &Value, ty: Option<&DataType>, ctx: &ExecContext) -> SqlResult<i64> {
    let w = match v.as_i64() {
        Some(i) => i,
        None => {
            let from = ty.cloned().unwrap_or(DataType::Text);
            let cast = embeddb_types::cast(v.clone(), &from, &DataType::Int4, ctx.format())?;
            cast.as_i64().unwrap_or(0)
        }
    };
    if w == i64::from(i32::MIN) || i32::try_from(w).is_err() {
        return Err(SqlError::new(
            SqlState::NUMERIC_VALUE_OUT_OF_RANGE,
            "number is out of range",
        ));
    }
    Ok(w)
}

pub(super) fn register(r: &mut Registry) {
    use DataType as T;
    let text_ret = || ReturnType::Exact(T::Text);
    // Two `Any` slots with the last repeating: at least one argument, as PostgreSQL's
    // `concat("any")` requires.
    r.add(
        "concat",
        vec![ArgType::Any, ArgType::Any],
        text_ret(),
        concat,
    )
    .variadic()
    .non_strict()
    .stable();
    r.add(
        "concat_ws",
        vec![ArgType::Exact(T::Text), ArgType::Any, ArgType::Any],
        text_ret(),
        concat_ws,
    )
    .variadic()
    .non_strict()
    .stable();
    r.add(
        "format",
        vec![ArgType::Exact(T::Text), ArgType::Any],
        text_ret(),
        format,
    )
    .variadic()
    .non_strict()
    .stable();
    for (name, f) in [
        ("num_nulls", num_nulls as crate::functions::ScalarImpl),
        ("num_nonnulls", num_nonnulls),
    ] {
        r.add(
            name,
            vec![ArgType::Any, ArgType::Any],
            ReturnType::Exact(T::Int4),
            f,
        )
        .variadic()
        .non_strict();
    }
    r.exact("quote_ident", &[T::Text], T::Text, quote_ident);
    r.add(
        "quote_literal",
        vec![ArgType::Any],
        text_ret(),
        quote_literal,
    )
    .stable();
    r.add(
        "quote_nullable",
        vec![ArgType::Any],
        text_ret(),
        quote_nullable,
    )
    .non_strict()
    .stable();
}
