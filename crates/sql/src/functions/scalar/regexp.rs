//! Regular-expression functions: `regexp_replace`, `regexp_match`, `regexp_split_to_array`,
//! PostgreSQL 15's `regexp_count` / `regexp_instr` / `regexp_like` / `regexp_substr`,
//! `substring(text from pattern)` and its SIMILAR TO form, `similar_to_escape`, and the
//! operator functions `textregexeq` / `texticregexeq` / `textregexne` / `texticregexne`
//! (`~`, `~*`, `!~`, `!~*`) for the binder to call.
//!
//! Matches are found as PostgreSQL's `setup_regexp_matches` and `replace_text_regexp` find
//! them: each search restarts where the previous match ended, one character further after an
//! empty match, and positions reported to SQL count characters.

use embeddb_types::{Array, DataType, SqlError, SqlResult, SqlState, Value};

use super::regexp_compile::{
    Flags, Found, Pattern, compile, no_global, parse_flags, similar_to_regex,
};
use super::{int, text};
use crate::exec::context::ExecContext;
use crate::functions::registry::Registry;
use crate::functions::{CallInfo, ScalarImpl};

type Args<'a> = &'a [Value];

fn bad_param(name: &str, v: i64) -> SqlError {
    SqlError::new(
        SqlState::INVALID_PARAMETER_VALUE,
        format!("invalid value for parameter \"{name}\": {v}"),
    )
}

/// The byte offset of the 1-based character position `start`: `s.len()` just past the last
/// character, and `s.len() + 1` further out (where no search may start).
fn start_offset(s: &str, start: i64) -> SqlResult<usize> {
    if start <= 0 {
        return Err(bad_param("start", start));
    }
    let skip = (start - 1) as usize;
    Ok(match s.char_indices().nth(skip) {
        Some((i, _)) => i,
        None if s.chars().count() == skip => s.len(),
        None => s.len() + 1,
    })
}

/// The byte offset one character after `i` (past the end when `i` is at the end).
fn next_char(s: &str, i: usize) -> usize {
    s[i..].chars().next().map_or(i + 1, |c| i + c.len_utf8())
}

fn char_pos(s: &str, byte: usize) -> i64 {
    s[..byte.min(s.len())].chars().count() as i64
}

/// All matches from `from` on, as PostgreSQL's loop finds them (`global`) or just the first.
/// `skip_degenerate` drops empty matches at the end and right after a previous match, as
/// `regexp_split_to_array` does.
fn matches(
    re: &Pattern,
    s: &str,
    from: usize,
    global: bool,
    skip_degenerate: bool,
) -> SqlResult<Vec<Found>> {
    let mut out = Vec::new();
    let (mut search, mut prev_end) = (from, from);
    while search <= s.len() {
        let Some(found) = re.find_at(s, search)? else {
            break;
        };
        let (so, eo) = found.span();
        if !skip_degenerate || (so < s.len() && eo > prev_end) {
            out.push(found);
        }
        prev_end = eo;
        if !global {
            break;
        }
        search = if so == eo { next_char(s, eo) } else { eo };
    }
    Ok(out)
}

/// The text of group `i` of a match.
fn group<'a>(s: &'a str, found: &Found, i: usize) -> Option<&'a str> {
    found.get(i).and_then(|(a, b)| s.get(a..b))
}

fn flags_arg(args: Args, i: usize) -> SqlResult<Flags> {
    match args.get(i) {
        Some(v) => parse_flags(text(v)),
        None => Ok(Flags::default()),
    }
}

fn flags_no_global(args: Args, i: usize, func: &str) -> SqlResult<Flags> {
    let f = flags_arg(args, i)?;
    if f.global {
        return Err(no_global(func));
    }
    Ok(f)
}

/// Expands `\1`..`\9`, `\&` and `\\` in a replacement as PostgreSQL does; other
/// backslashes are kept.
fn expand(replacement: &str, s: &str, found: &Found, out: &mut String) {
    let mut it = replacement.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.peek().copied() {
            Some(d @ '1'..='9') => {
                it.next();
                out.push_str(group(s, found, d as usize - '0' as usize).unwrap_or(""));
            }
            Some('&') => {
                it.next();
                out.push_str(group(s, found, 0).unwrap_or(""));
            }
            Some('\\') => {
                it.next();
                out.push('\\');
            }
            _ => out.push('\\'),
        }
    }
}

/// `replace_text_regexp`: replaces the `n`th match (0 = all) at or after byte `from`.
fn replace_matches(
    re: &Pattern,
    s: &str,
    replacement: &str,
    from: usize,
    n: i64,
) -> SqlResult<String> {
    let mut out = String::with_capacity(s.len());
    let (mut copied, mut search, mut count) = (0usize, from, 0i64);
    while search <= s.len() {
        let Some(found) = re.find_at(s, search)? else {
            break;
        };
        count += 1;
        let (so, eo) = found.span();
        let step = |p: usize| if so == eo { next_char(s, p) } else { p };
        if n > 0 && count < n {
            search = step(eo);
            continue;
        }
        out.push_str(&s[copied..so]);
        expand(replacement, s, &found, &mut out);
        super::check_size(out.len() as u128)?;
        copied = eo;
        search = step(eo);
        if n > 0 {
            break;
        }
    }
    out.push_str(&s[copied.min(s.len())..]);
    Ok(out)
}

/// `regexp_replace(s, p, r [, flags])` and `regexp_replace(s, p, r, start [, n [, flags]])`.
fn regexp_replace(args: Args, call: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let (s, p, r) = (text(&args[0]), text(&args[1]), text(&args[2]));
    let start_form = call.arg_types.get(3).is_some_and(DataType::is_integer);
    let (start, n, flags) = if start_form {
        let start = int(&args[3]);
        let n = match args.get(4) {
            Some(v) => {
                let n = int(v);
                if n < 0 {
                    return Err(bad_param("n", n));
                }
                Some(n)
            }
            None => None,
        };
        (start, n, flags_arg(args, 5)?)
    } else {
        let opt = args.get(3).map_or("", text);
        if opt.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(SqlError::new(
                SqlState::INVALID_PARAMETER_VALUE,
                format!("invalid regular expression option: \"{}\"", &opt[..1]),
            )
            .with_hint("If you meant to use regexp_replace() with a start parameter, cast the fourth argument to integer explicitly."));
        }
        (1, None, flags_arg(args, 3)?)
    };
    let from = start_offset(s, start)?;
    // Without an explicit N, the 'g' option decides between the first and all matches.
    let n = n.unwrap_or(if flags.global { 0 } else { 1 });
    let re = compile(p, flags)?;
    Ok(Value::Text(replace_matches(&re, s, r, from, n)?))
}

fn text_array(items: Vec<Value>) -> Value {
    Value::Array(Box::new(Array::from_elements(DataType::Text, items)))
}

/// The capture groups of a match as text[] elements (the whole match when there are none).
fn groups(s: &str, found: &Found) -> Vec<Value> {
    let text_of = |i| group(s, found, i).map_or(Value::Null, |g| Value::Text(g.to_string()));
    if found.len() <= 1 {
        return vec![text_of(0)];
    }
    (1..found.len()).map(text_of).collect()
}

fn regexp_match(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let flags = flags_no_global(args, 2, "regexp_match")?;
    let s = text(&args[0]);
    let re = compile(text(&args[1]), flags)?;
    Ok(match re.find_at(s, 0)? {
        Some(found) => text_array(groups(s, &found)),
        None => Value::Null,
    })
}

fn regexp_split_to_array(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let flags = flags_no_global(args, 2, "regexp_split_to_array")?;
    let s = text(&args[0]);
    let re = compile(text(&args[1]), flags)?;
    let mut items = Vec::new();
    let mut prev = 0;
    for found in matches(&re, s, 0, true, true)? {
        let (so, eo) = found.span();
        items.push(Value::Text(s[prev..so].to_string()));
        prev = eo;
    }
    items.push(Value::Text(s[prev..].to_string()));
    Ok(text_array(items))
}

fn regexp_like(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let flags = flags_no_global(args, 2, "regexp_like")?;
    let re = compile(text(&args[1]), flags)?;
    Ok(Value::Bool(re.is_match(text(&args[0]))?))
}

/// `~` and friends: the match test, optionally case-insensitive and negated.
fn regex_op(args: Args, icase: bool, negate: bool) -> SqlResult<Value> {
    let flags = parse_flags(if icase { "i" } else { "" })?;
    let re = compile(text(&args[1]), flags)?;
    Ok(Value::Bool(re.is_match(text(&args[0]))? != negate))
}

fn regexp_count(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let s = text(&args[0]);
    let from = start_offset(s, args.get(2).map_or(1, int))?;
    let flags = flags_no_global(args, 3, "regexp_count")?;
    let re = compile(text(&args[1]), flags)?;
    Ok(Value::Int4(matches(&re, s, from, true, false)?.len() as i32))
}

/// The common arguments of regexp_instr and regexp_substr: the n-th match from `start`.
fn nth_match(re: &Pattern, s: &str, start: i64, n: i64) -> SqlResult<Option<Found>> {
    let from = start_offset(s, start)?;
    if n <= 0 {
        return Err(bad_param("n", n));
    }
    if from > s.len() {
        return Ok(None);
    }
    Ok(matches(re, s, from, true, false)?
        .into_iter()
        .nth((n - 1) as usize))
}

fn subexpr_arg(args: Args, i: usize) -> SqlResult<usize> {
    let v = args.get(i).map_or(0, int);
    usize::try_from(v).map_err(|_| bad_param("subexpr", v))
}

/// `regexp_instr(s, p [, start [, n [, endoption [, flags [, subexpr]]]]])`.
fn regexp_instr(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let s = text(&args[0]);
    let start = args.get(2).map_or(1, int);
    let n = args.get(3).map_or(1, int);
    let end_option = args.get(4).map_or(0, int);
    if end_option != 0 && end_option != 1 {
        return Err(bad_param("endoption", end_option));
    }
    let flags = flags_no_global(args, 5, "regexp_instr")?;
    let sub = subexpr_arg(args, 6)?;
    let re = compile(text(&args[1]), flags)?;
    let found = nth_match(&re, s, start, n)?;
    let pos = match found.as_ref().and_then(|f| f.get(sub)) {
        Some((so, _)) if end_option == 0 => char_pos(s, so) + 1,
        Some((_, eo)) => char_pos(s, eo) + 1,
        None => 0,
    };
    Ok(Value::Int4(pos as i32))
}

/// `regexp_substr(s, p [, start [, n [, flags [, subexpr]]]])`.
fn regexp_substr(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let s = text(&args[0]);
    let start = args.get(2).map_or(1, int);
    let n = args.get(3).map_or(1, int);
    let flags = flags_no_global(args, 4, "regexp_substr")?;
    let sub = subexpr_arg(args, 5)?;
    let re = compile(text(&args[1]), flags)?;
    let found = nth_match(&re, s, start, n)?;
    Ok(match found.as_ref().and_then(|f| group(s, f, sub)) {
        Some(g) => Value::Text(g.to_string()),
        None => Value::Null,
    })
}

/// `substring(s from pattern)`: the first group's match when the pattern has groups, else
/// the whole match; NULL without a match.
fn substring_regex(s: &str, re: &Pattern) -> SqlResult<Value> {
    let Some(found) = re.find_at(s, 0)? else {
        return Ok(Value::Null);
    };
    let g = if found.len() > 1 { 1 } else { 0 };
    Ok(group(s, &found, g).map_or(Value::Null, |t| Value::Text(t.to_string())))
}

fn substring_posix(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let re = compile(text(&args[1]), Flags::default())?;
    substring_regex(text(&args[0]), &re)
}

/// `substring(s similar pattern escape e)`: PostgreSQL translates the SQL pattern with
/// `similar_to_escape` and takes the part between the escape-double-quote separators.
fn substring_similar(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let posix = similar_to_regex(text(&args[1]), Some(text(&args[2])), true)?;
    let re = compile(&posix, Flags::default())?;
    substring_regex(text(&args[0]), &re)
}

fn similar_to_escape(args: Args, _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let escape = args.get(1).map(text);
    Ok(Value::Text(similar_to_regex(
        text(&args[0]),
        escape,
        false,
    )?))
}

pub(super) fn register(r: &mut Registry) {
    use DataType as T;
    let t = || T::Text;
    r.exact("regexp_replace", &[t(), t(), t()], t(), regexp_replace);
    r.exact("regexp_replace", &[t(), t(), t(), t()], t(), regexp_replace);
    r.exact(
        "regexp_replace",
        &[t(), t(), t(), T::Int4],
        t(),
        regexp_replace,
    );
    r.exact(
        "regexp_replace",
        &[t(), t(), t(), T::Int4, T::Int4],
        t(),
        regexp_replace,
    );
    r.exact(
        "regexp_replace",
        &[t(), t(), t(), T::Int4, T::Int4, t()],
        t(),
        regexp_replace,
    );
    let text_arr = || T::Array(Box::new(T::Text));
    r.exact("regexp_match", &[t(), t()], text_arr(), regexp_match);
    r.exact("regexp_match", &[t(), t(), t()], text_arr(), regexp_match);
    r.exact(
        "regexp_split_to_array",
        &[t(), t()],
        text_arr(),
        regexp_split_to_array,
    );
    r.exact(
        "regexp_split_to_array",
        &[t(), t(), t()],
        text_arr(),
        regexp_split_to_array,
    );
    r.exact("regexp_like", &[t(), t()], T::Bool, regexp_like);
    r.exact("regexp_like", &[t(), t(), t()], T::Bool, regexp_like);
    r.exact("regexp_count", &[t(), t()], T::Int4, regexp_count);
    r.exact("regexp_count", &[t(), t(), T::Int4], T::Int4, regexp_count);
    r.exact(
        "regexp_count",
        &[t(), t(), T::Int4, t()],
        T::Int4,
        regexp_count,
    );
    let mut instr: Vec<T> = vec![t(), t()];
    for extra in [T::Int4, T::Int4, T::Int4, t(), T::Int4] {
        r.exact("regexp_instr", &instr, T::Int4, regexp_instr);
        instr.push(extra);
    }
    r.exact("regexp_instr", &instr, T::Int4, regexp_instr);
    let mut substr: Vec<T> = vec![t(), t()];
    for extra in [T::Int4, T::Int4, t(), T::Int4] {
        r.exact("regexp_substr", &substr, t(), regexp_substr);
        substr.push(extra);
    }
    r.exact("regexp_substr", &substr, t(), regexp_substr);
    r.exact("substring", &[t(), t()], t(), substring_posix);
    r.exact("substring", &[t(), t(), t()], t(), substring_similar);
    r.exact("similar_to_escape", &[t()], t(), similar_to_escape);
    r.exact("similar_to_escape", &[t(), t()], t(), similar_to_escape);
    let ops: [(&'static str, ScalarImpl); 4] = [
        ("textregexeq", |a, _, _| regex_op(a, false, false)),
        ("textregexne", |a, _, _| regex_op(a, false, true)),
        ("texticregexeq", |a, _, _| regex_op(a, true, false)),
        ("texticregexne", |a, _, _| regex_op(a, true, true)),
    ];
    for (name, f) in ops {
        r.exact(name, &[t(), t()], T::Bool, f);
    }
}
