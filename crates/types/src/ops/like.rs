//! `LIKE` / `ILIKE` pattern matching with PostgreSQL's rules: `%` matches any run of
//! characters, `_` one character, and a backslash (the default escape) makes the next
//! character literal.

use crate::error::{SqlError, SqlResult, SqlState};

#[derive(Debug, PartialEq)]
enum Tok<T> {
    Lit(T),
    One,
    Many,
    /// An escape at the very end: an error only if matching gets that far with text left,
    /// as PostgreSQL reports it lazily.
    DanglingEscape,
}

fn compile<T: Copy + PartialEq>(
    pattern: &[T],
    percent: T,
    under: T,
    escape: Option<T>,
) -> SqlResult<Vec<Tok<T>>> {
    let mut out = Vec::with_capacity(pattern.len());
    let mut i = 0;
    while i < pattern.len() {
        let c = pattern[i];
        if Some(c) == escape {
            let Some(&n) = pattern.get(i + 1) else {
                out.push(Tok::DanglingEscape);
                break;
            };
            out.push(Tok::Lit(n));
            i += 2;
            continue;
        }
        if c == percent {
            if out.last() != Some(&Tok::Many) {
                out.push(Tok::Many);
            }
        } else if c == under {
            out.push(Tok::One);
        } else {
            out.push(Tok::Lit(c));
        }
        i += 1;
    }
    Ok(out)
}

/// Greedy matcher with single-point backtracking to the last `%`: linear in practice.
fn matches<T: Copy + PartialEq>(s: &[T], p: &[Tok<T>]) -> SqlResult<bool> {
    let (mut si, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        match p.get(pi) {
            Some(Tok::Lit(c)) if *c == s[si] => {
                si += 1;
                pi += 1;
            }
            Some(Tok::One) => {
                si += 1;
                pi += 1;
            }
            Some(Tok::Many) => {
                star = Some((pi, si));
                pi += 1;
            }
            Some(Tok::DanglingEscape) => {
                return Err(SqlError::new(
                    SqlState::INVALID_ESCAPE_SEQUENCE,
                    "LIKE pattern must not end with escape character",
                ));
            }
            _ => match star {
                Some((sp, ss)) => {
                    pi = sp + 1;
                    si = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return Ok(false),
            },
        }
    }
    Ok(p[pi..].iter().all(|t| *t == Tok::Many))
}

/// `text LIKE pattern` with the default backslash escape.
pub fn like(text: &str, pattern: &str) -> SqlResult<bool> {
    like_escape(text, pattern, Some('\\'))
}

/// `text LIKE pattern ESCAPE e` (`None` for `ESCAPE ''`).
pub fn like_escape(text: &str, pattern: &str, escape: Option<char>) -> SqlResult<bool> {
    let s: Vec<char> = text.chars().collect();
    let p: Vec<char> = pattern.chars().collect();
    let toks = compile(&p, '%', '_', escape)?;
    matches(&s, &toks)
}

/// `ILIKE`: case-insensitive by lower-casing both sides.
pub fn ilike(text: &str, pattern: &str) -> SqlResult<bool> {
    like(&text.to_lowercase(), &pattern.to_lowercase())
}

/// `bytea LIKE bytea`.
pub fn like_bytes(data: &[u8], pattern: &[u8]) -> SqlResult<bool> {
    let toks = compile(pattern, b'%', b'_', Some(b'\\'))?;
    matches(data, &toks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let t = |s: &str, p: &str| like(s, p).unwrap_or(false);
        assert!(t("abc", "abc"));
        assert!(t("abc", "a%"));
        assert!(t("abc", "%c"));
        assert!(t("abc", "_b_"));
        assert!(!t("abc", "_b"));
        assert!(t("a%c", "a\\%c"));
        assert!(!t("abc", "a\\%c"));
        assert!(t("", "%"));
        assert!(t("aaa", "%a%a%"));
        assert!(!t("ab", "%a%a%"));
        assert!(t("héllo", "h_llo"));
        assert!(like("ab", "a\\").is_err());
        assert_eq!(like("a", "a\\").ok(), Some(false));
        assert!(ilike("ABC", "a%").unwrap_or(false));
        assert!(like_escape("a_c", "a#_c", Some('#')).unwrap_or(false));
    }
}
