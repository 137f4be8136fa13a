//! Compiling PostgreSQL regular expressions (Advanced REs) with the `regex` crate: the
//! option letters of the `flags` arguments, the translation of ARE syntax the crate spells
//! differently (`\m`, `\M`, `\y`, `\Y`, `\Z`, `\xhhh`, `[[:<:]]`, literal `{`, `***=`), the SQL
//! regular expressions of SIMILAR TO (`similar_to_escape`), and a small per-thread cache of
//! compiled patterns (PostgreSQL keeps one too) so a pattern is not rebuilt for every row.
//!
//! Patterns with back-references or look-around constraints, which the `regex` crate does
//! not support, are compiled with `fancy-regex` (a backtracking engine over the same syntax).
//!
//! Known differences from PostgreSQL's engine: both crates match leftmost-first (Perl) rather
//! than Spencer's longest-preferring rules, so `a|ab` against `abc` finds `a` where
//! PostgreSQL finds `ab`; the `b` (basic RE) option is treated as an advanced RE.

use std::cell::RefCell;
use std::collections::HashMap;

use regex::{Regex, RegexBuilder};

use embeddb_types::{SqlError, SqlResult, SqlState};

/// Options parsed from a flags string.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(super) struct Flags {
    pub global: bool,
    icase: bool,
    /// `.` and bracket expressions do not match newline (`REG_NLSTOP`).
    nl_stop: bool,
    /// `^` and `$` match at newlines (`REG_NLANCH`).
    nl_anchor: bool,
    quote: bool,
    expanded: bool,
}

/// PostgreSQL's `parse_re_flags`.
pub(super) fn parse_flags(s: &str) -> SqlResult<Flags> {
    let mut f = Flags::default();
    for c in s.chars() {
        match c {
            'g' => f.global = true,
            // Basic and extended REs are approximated by advanced ones.
            'b' | 'e' => f.quote = false,
            'c' => f.icase = false,
            'i' => f.icase = true,
            'm' | 'n' => {
                f.nl_stop = true;
                f.nl_anchor = true;
            }
            'p' => {
                f.nl_stop = true;
                f.nl_anchor = false;
            }
            'q' => f.quote = true,
            's' => {
                f.nl_stop = false;
                f.nl_anchor = false;
            }
            't' => f.expanded = false,
            'w' => {
                f.nl_stop = false;
                f.nl_anchor = true;
            }
            'x' => f.expanded = true,
            other => {
                return Err(SqlError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    format!("invalid regular expression option: \"{other}\""),
                ));
            }
        }
    }
    Ok(f)
}

/// The error for a flags string with `g` where the function does not take it.
pub(super) fn no_global(func: &str) -> SqlError {
    SqlError::new(
        SqlState::INVALID_PARAMETER_VALUE,
        format!("{func}() does not support the \"global\" option"),
    )
}

pub(super) fn invalid_regex(msg: &str) -> SqlError {
    SqlError::new(
        SqlState::INVALID_REGULAR_EXPRESSION,
        format!("invalid regular expression: {msg}"),
    )
}

/// A compiled pattern: the `regex` crate's automaton, or `fancy-regex`'s backtracker for
/// back-references and look-around.
#[derive(Clone)]
pub(super) enum Pattern {
    Fast(Regex),
    Fancy(fancy_regex::Regex),
}

/// The byte spans of one match's groups; group 0 is the whole match.
pub(super) struct Found(Vec<Option<(usize, usize)>>);

impl Found {
    pub fn get(&self, i: usize) -> Option<(usize, usize)> {
        self.0.get(i).copied().flatten()
    }

    /// The whole match.
    pub fn span(&self) -> (usize, usize) {
        self.get(0).unwrap_or((0, 0))
    }

    /// Number of groups including group 0.
    pub fn len(&self) -> usize {
        self.0.len()
    }
}

fn runtime_error(e: &fancy_regex::Error) -> SqlError {
    invalid_regex(&e.to_string())
}

impl Pattern {
    /// The first match starting at or after byte `pos` (a character boundary); anchors and
    /// look-behind still see the text before `pos`.
    pub fn find_at(&self, s: &str, pos: usize) -> SqlResult<Option<Found>> {
        Ok(match self {
            Pattern::Fast(re) => re
                .captures_at(s, pos)
                .map(|c| Found(c.iter().map(|m| m.map(|m| (m.start(), m.end()))).collect())),
            Pattern::Fancy(re) => re
                .captures_from_pos(s, pos)
                .map_err(|e| runtime_error(&e))?
                .map(|c| Found(c.iter().map(|m| m.map(|m| (m.start(), m.end()))).collect())),
        })
    }

    pub fn is_match(&self, s: &str) -> SqlResult<bool> {
        match self {
            Pattern::Fast(re) => Ok(re.is_match(s)),
            Pattern::Fancy(re) => re.is_match(s).map_err(|e| runtime_error(&e)),
        }
    }
}

/// Translation state: whether to spell constructs for `fancy-regex`, and whether the
/// pattern turned out to need it.
struct Tr {
    fancy: bool,
    needs_fancy: bool,
}

/// Translates ARE syntax to the crates'. Errors that PostgreSQL detects while parsing
/// escapes are reported with its messages; the rest is left to the crates' parsers.
fn translate(p: &str, tr: &mut Tr) -> SqlResult<String> {
    if let Some(lit) = p.strip_prefix("***=") {
        return Ok(regex::escape(lit));
    }
    let p = p.strip_prefix("***:").unwrap_or(p);
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::with_capacity(p.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                i = escape(&chars, i + 1, &mut out, false, tr)?;
                continue;
            }
            '[' => {
                i = bracket(&chars, i, &mut out, tr)?;
                continue;
            }
            '{' => {
                // A brace not starting a bound is an ordinary character in an ARE.
                if chars.get(i + 1).is_some_and(char::is_ascii_digit) {
                    out.push('{');
                } else {
                    out.push_str("\\{");
                }
            }
            '(' if chars.get(i + 1) == Some(&'?') => {
                if matches!(chars.get(i + 2), Some('=' | '!' | '<')) {
                    tr.needs_fancy = true;
                }
                out.push('(');
            }
            other => out.push(other),
        }
        i += 1;
    }
    Ok(out)
}

/// Reads hex digits starting at `i`, at most `max`.
fn hex_run(chars: &[char], mut i: usize, max: usize) -> (u32, usize, usize) {
    let (mut v, mut n) = (0u32, 0usize);
    while n < max {
        match chars.get(i).and_then(|c| c.to_digit(16)) {
            Some(d) => {
                v = v.saturating_mul(16).saturating_add(d);
                i += 1;
                n += 1;
            }
            None => break,
        }
    }
    (v, n, i)
}

fn push_code(out: &mut String, v: u32) -> SqlResult<()> {
    if char::from_u32(v).is_none() || v == 0 {
        return Err(invalid_regex("invalid escape \\ sequence"));
    }
    out.push_str(&format!("\\x{{{v:x}}}"));
    Ok(())
}

/// Translates the escape whose letter is at `i`; returns the index after it.
fn escape(
    chars: &[char],
    i: usize,
    out: &mut String,
    in_class: bool,
    tr: &mut Tr,
) -> SqlResult<usize> {
    let Some(&c) = chars.get(i) else {
        return Err(invalid_regex("invalid escape \\ sequence"));
    };
    let simple = |s: &str, out: &mut String| out.push_str(s);
    match c {
        'd' | 'D' | 's' | 'S' | 'w' | 'W' | 'n' | 't' | 'r' | 'f' | 'v' | 'a' => {
            simple(&format!("\\{c}"), out)
        }
        'b' if in_class => simple("\\x08", out),
        'e' => simple("\\x1b", out),
        'B' => simple("\\\\", out),
        'A' if !in_class => simple("\\A", out),
        'Z' if !in_class => simple("\\z", out),
        'm' if !in_class => simple(word_start(tr), out),
        'M' if !in_class => simple(word_end(tr), out),
        'y' if !in_class => simple("\\b", out),
        'Y' if !in_class => simple("\\B", out),
        'x' => {
            let (v, n, next) = hex_run(chars, i + 1, usize::MAX);
            if n == 0 {
                return Err(invalid_regex("invalid escape \\ sequence"));
            }
            push_code(out, v)?;
            return Ok(next);
        }
        'u' | 'U' => {
            let want = if c == 'u' { 4 } else { 8 };
            let (v, n, next) = hex_run(chars, i + 1, want);
            if n != want {
                return Err(invalid_regex("invalid escape \\ sequence"));
            }
            push_code(out, v)?;
            return Ok(next);
        }
        '0' => {
            // Octal: \0 followed by up to two more octal digits.
            let mut v = 0u32;
            let mut j = i + 1;
            while j < i + 3 && chars.get(j).is_some_and(|d| ('0'..='7').contains(d)) {
                v = v * 8 + chars[j].to_digit(8).unwrap_or(0);
                j += 1;
            }
            push_code(out, v)?;
            return Ok(j);
        }
        '1'..='9' if !in_class => {
            tr.needs_fancy = true;
            out.push('\\');
            out.push(c);
        }
        c if c.is_alphanumeric() => return Err(invalid_regex("invalid escape \\ sequence")),
        other => out.push_str(&regex::escape(&other.to_string())),
    }
    Ok(i + 1)
}

/// Translates a bracket expression starting at `chars[start] == '['`.
/// `\m`: the crate's word-start assertion, or its look-around spelling for fancy-regex.
fn word_start(tr: &Tr) -> &'static str {
    if tr.fancy { "\\b(?=\\w)" } else { "\\b{start}" }
}

fn word_end(tr: &Tr) -> &'static str {
    if tr.fancy { "\\b(?<=\\w)" } else { "\\b{end}" }
}

fn bracket(chars: &[char], start: usize, out: &mut String, tr: &mut Tr) -> SqlResult<usize> {
    let rest: String = chars[start..].iter().take(7).collect();
    if rest == "[[:<:]]" {
        out.push_str(word_start(tr));
        return Ok(start + 7);
    }
    if rest == "[[:>:]]" {
        out.push_str(word_end(tr));
        return Ok(start + 7);
    }
    let unbalanced = || invalid_regex("brackets [] not balanced");
    let mut i = start + 1;
    out.push('[');
    if chars.get(i) == Some(&'^') {
        out.push('^');
        i += 1;
    }
    if chars.get(i) == Some(&']') {
        out.push_str("\\]");
        i += 1;
    }
    loop {
        let Some(&c) = chars.get(i) else {
            return Err(unbalanced());
        };
        match c {
            ']' => {
                out.push(']');
                return Ok(i + 1);
            }
            '[' if matches!(chars.get(i + 1), Some(':' | '=' | '.')) => {
                let kind = chars[i + 1];
                let close = (i + 2..chars.len().saturating_sub(1))
                    .find(|&j| chars[j] == kind && chars[j + 1] == ']')
                    .ok_or_else(unbalanced)?;
                let name: String = chars[i + 2..close].iter().collect();
                if kind == ':' {
                    out.push_str(&format!("[:{name}:]"));
                } else {
                    // Collating elements and equivalence classes of single characters.
                    out.push_str(&regex::escape(&name));
                }
                i = close + 2;
            }
            '\\' => i = escape(chars, i + 1, out, true, tr)?,
            '[' | '&' | '~' => {
                out.push('\\');
                out.push(c);
                i += 1;
            }
            '-' if chars.get(i + 1) == Some(&'-') => {
                out.push_str("\\-");
                i += 1;
            }
            other => {
                out.push(other);
                i += 1;
            }
        }
    }
}

/// Maps the crates' parse errors to PostgreSQL's wording where they correspond.
fn map_message(msg: &str) -> SqlError {
    let pg = if msg.contains("unclosed group") || msg.contains("unopened group") {
        "parentheses () not balanced"
    } else if msg.contains("unclosed character class") {
        "brackets [] not balanced"
    } else if msg.contains("repetition operator missing expression") {
        "quantifier operand invalid"
    } else if msg.contains("invalid repetition count range")
        || msg.contains("repetition quantifier expects")
    {
        "invalid repetition count(s)"
    } else if msg.contains("unclosed counted repetition") {
        "braces {} not balanced"
    } else if msg.contains("exceeds size limit") {
        "regular expression is too complex"
    } else if msg.contains("unrecognized escape") {
        "invalid escape \\ sequence"
    } else {
        // The crate's message ends with a one-line summary after "error: ".
        let summary = msg
            .lines()
            .rev()
            .find_map(|l| l.trim().strip_prefix("error: "))
            .unwrap_or("invalid pattern");
        return invalid_regex(summary);
    };
    invalid_regex(pg)
}

const CACHE_SIZE: usize = 32;

thread_local! {
    static CACHE: RefCell<HashMap<(String, Flags), Pattern>> = RefCell::new(HashMap::new());
}

/// Builds the pattern, with `fancy-regex` only when the pattern needs it.
fn build(pattern: &str, flags: Flags) -> SqlResult<Pattern> {
    if flags.quote {
        return build_fast(&regex::escape(pattern), flags);
    }
    let mut tr = Tr {
        fancy: false,
        needs_fancy: false,
    };
    let body = translate(pattern, &mut tr)?;
    if !tr.needs_fancy {
        return build_fast(&body, flags);
    }
    tr.fancy = true;
    let body = translate(pattern, &mut tr)?;
    // fancy-regex takes the options inline.
    let mut inline = String::new();
    if flags.icase {
        inline.push('i');
    }
    if !flags.nl_stop {
        inline.push('s');
    }
    if flags.nl_anchor {
        inline.push('m');
    }
    if flags.expanded {
        inline.push('x');
    }
    let full = if inline.is_empty() {
        body
    } else {
        format!("(?{inline}){body}")
    };
    fancy_regex::RegexBuilder::new(&full)
        .delegate_size_limit(32 << 20)
        .delegate_dfa_size_limit(32 << 20)
        .build()
        .map(Pattern::Fancy)
        .map_err(|e| map_message(&e.to_string()))
}

fn build_fast(body: &str, flags: Flags) -> SqlResult<Pattern> {
    RegexBuilder::new(body)
        .case_insensitive(flags.icase)
        .dot_matches_new_line(!flags.nl_stop)
        .multi_line(flags.nl_anchor)
        .ignore_whitespace(flags.expanded)
        .size_limit(32 << 20)
        .dfa_size_limit(32 << 20)
        .build()
        .map(Pattern::Fast)
        .map_err(|e| map_message(&e.to_string()))
}

/// Compiles `pattern` with `flags` (the `global` option does not affect compilation).
pub(super) fn compile(pattern: &str, flags: Flags) -> SqlResult<Pattern> {
    let key_flags = Flags {
        global: false,
        ..flags
    };
    let key = (pattern.to_string(), key_flags);
    if let Some(re) = CACHE.with(|c| c.borrow().get(&key).cloned()) {
        return Ok(re);
    }
    let re = build(pattern, flags)?;
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= CACHE_SIZE {
            c.clear();
        }
        c.insert(key, re.clone());
    });
    Ok(re)
}

/// `similar_to_escape(pattern, escape)`: PostgreSQL's translation of a SIMILAR TO pattern
/// into a POSIX one. With `lazy_first`, the first part of a three-part pattern is wrapped so
/// that this crate matches it minimally, as PostgreSQL's `{1,1}?` does.
pub(super) fn similar_to_regex(
    pattern: &str,
    escape: Option<&str>,
    lazy_first: bool,
) -> SqlResult<String> {
    let esc = match escape {
        None => Some('\\'),
        Some(e) => {
            let mut it = e.chars();
            match (it.next(), it.next()) {
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
    };
    let mut out = String::from(if lazy_first { "^(?U:" } else { "^(?:" });
    let (mut after_escape, mut in_class, mut quotes) = (false, false, 0);
    for c in pattern.chars() {
        if after_escape {
            if c == '"' && !in_class {
                match (quotes, lazy_first) {
                    (0, false) => out.push_str("){1,1}?("),
                    (0, true) => out.push_str(")("),
                    (1, _) => out.push_str("){1,1}(?:"),
                    _ => {
                        return Err(SqlError::new(
                            SqlState::from_code("2200C"),
                            "SQL regular expression may not contain more than two escape-double-quote separators",
                        ));
                    }
                }
                quotes += 1;
            } else {
                out.push('\\');
                out.push(c);
            }
            after_escape = false;
        } else if Some(c) == esc {
            after_escape = true;
        } else if in_class {
            if c == '\\' {
                out.push('\\');
            }
            out.push(c);
            if c == ']' {
                in_class = false;
            }
        } else {
            match c {
                '[' => {
                    out.push('[');
                    in_class = true;
                }
                '%' => out.push_str(".*"),
                '_' => out.push('.'),
                '(' => out.push_str("(?:"),
                '\\' | '.' | '^' | '$' => {
                    out.push('\\');
                    out.push(c);
                }
                other => out.push(other),
            }
        }
    }
    out.push_str(")$");
    Ok(out)
}
