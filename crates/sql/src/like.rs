//! LIKE and ILIKE pattern matching, as PostgreSQL defines it: `%` matches any run of
//! characters, `_` exactly one, and the escape character (backslash unless ESCAPE says
//! otherwise) makes the next character literal.

use embeddb_types::{SqlError, SqlResult, SqlState};

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Literal(char),
    AnyOne,
    AnyRun,
}

pub struct LikeMatcher {
    tokens: Vec<Token>,
    case_insensitive: bool,
}

impl LikeMatcher {
    pub fn new(pattern: &str, escape: Option<char>, case_insensitive: bool) -> SqlResult<Self> {
        let mut tokens = Vec::with_capacity(pattern.len());
        let mut chars = pattern.chars();
        while let Some(c) = chars.next() {
            if Some(c) == escape {
                match chars.next() {
                    Some(next) => tokens.push(Token::Literal(fold(next, case_insensitive))),
                    None => {
                        return Err(SqlError::new(
                            SqlState::INVALID_ESCAPE_SEQUENCE,
                            "LIKE pattern must not end with escape character",
                        ));
                    }
                }
            } else if c == '%' {
                // Consecutive %s match the same as one.
                if tokens.last() != Some(&Token::AnyRun) {
                    tokens.push(Token::AnyRun);
                }
            } else if c == '_' {
                tokens.push(Token::AnyOne);
            } else {
                tokens.push(Token::Literal(fold(c, case_insensitive)));
            }
        }
        Ok(LikeMatcher {
            tokens,
            case_insensitive,
        })
    }

    /// Iterative wildcard matching with backtracking to the last `%`: linear in practice,
    /// O(text × pattern) at worst, never exponential.
    pub fn matches(&self, text: &str) -> bool {
        let text: Vec<char> = text
            .chars()
            .map(|c| fold(c, self.case_insensitive))
            .collect();
        let (mut t, mut p) = (0usize, 0usize);
        let mut backtrack: Option<(usize, usize)> = None;
        while t < text.len() {
            match self.tokens.get(p) {
                Some(Token::AnyRun) => {
                    backtrack = Some((p, t));
                    p += 1;
                }
                Some(Token::AnyOne) => {
                    t += 1;
                    p += 1;
                }
                Some(Token::Literal(c)) if *c == text[t] => {
                    t += 1;
                    p += 1;
                }
                _ => match backtrack {
                    Some((bp, bt)) => {
                        backtrack = Some((bp, bt + 1));
                        p = bp + 1;
                        t = bt + 1;
                    }
                    None => return false,
                },
            }
        }
        self.tokens[p..].iter().all(|tok| *tok == Token::AnyRun)
    }
}

fn fold(c: char, case_insensitive: bool) -> char {
    if case_insensitive {
        c.to_lowercase().next().unwrap_or(c)
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn like(text: &str, pattern: &str) -> bool {
        LikeMatcher::new(pattern, Some('\\'), false)
            .unwrap()
            .matches(text)
    }

    #[test]
    fn wildcards() {
        assert!(like("abc", "abc"));
        assert!(like("abc", "a%"));
        assert!(like("abc", "%c"));
        assert!(like("abc", "_b_"));
        assert!(!like("abc", "_b"));
        assert!(like("", "%"));
        assert!(!like("", "_"));
        assert!(like("aXbXc", "a%b%c"));
        assert!(!like("aXbXd", "a%b%c"));
        assert!(like("a%c", "a\\%c"));
        assert!(!like("abc", "a\\%c"));
        assert!(like("mississippi", "%iss%pi"));
    }

    #[test]
    fn ilike_folds_case() {
        let m = LikeMatcher::new("AB%", Some('\\'), true).unwrap();
        assert!(m.matches("abc"));
        assert!(m.matches("ABc"));
    }

    #[test]
    fn trailing_escape_is_an_error() {
        assert!(LikeMatcher::new("ab\\", Some('\\'), false).is_err());
    }
}
