//! `to_char` for numbers: PostgreSQL's numeric format templates `9`, `0`, `.`/`D`, `,`/`G`,
//! `S`, `MI`, `PL`, `SG`, `EEEE` and the `FM` fill-mode prefix; other characters are copied
//! (double-quoted text literally).

use crate::error::SqlResult;
use crate::numeric::Numeric;

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Nine,
    Zero,
    Point,
    Comma,
    Sign,
    Minus,
    Plus,
    SignGlobal,
    Eeee,
    /// `TH`/`th`: the ordinal suffix of the integer part.
    Th(bool),
    Lit(String),
}

fn tokenize(fmt: &str) -> (Vec<Tok>, bool) {
    let mut toks = Vec::new();
    let mut fill = false;
    let b: Vec<char> = fmt.chars().collect();
    let mut i = 0;
    let starts = |i: usize, kw: &str| -> bool {
        let k: Vec<char> = kw.chars().collect();
        i + k.len() <= b.len()
            && b[i..i + k.len()]
                .iter()
                .zip(&k)
                .all(|(a, c)| a.eq_ignore_ascii_case(c))
    };
    while i < b.len() {
        let c = b[i];
        if starts(i, "FM") {
            fill = true;
            i += 2;
        } else if starts(i, "EEEE") {
            toks.push(Tok::Eeee);
            i += 4;
        } else if starts(i, "MI") {
            toks.push(Tok::Minus);
            i += 2;
        } else if starts(i, "PL") {
            toks.push(Tok::Plus);
            i += 2;
        } else if starts(i, "SG") {
            toks.push(Tok::SignGlobal);
            i += 2;
        } else if starts(i, "TH") {
            toks.push(Tok::Th(b[i] == 'T'));
            i += 2;
        } else {
            match c {
                '9' => toks.push(Tok::Nine),
                '0' => toks.push(Tok::Zero),
                '.' | 'D' | 'd' => toks.push(Tok::Point),
                ',' | 'G' | 'g' => toks.push(Tok::Comma),
                'S' | 's' => toks.push(Tok::Sign),
                '"' => {
                    let mut s = String::new();
                    i += 1;
                    while i < b.len() && b[i] != '"' {
                        if b[i] == '\\' && i + 1 < b.len() {
                            i += 1;
                        }
                        s.push(b[i]);
                        i += 1;
                    }
                    toks.push(Tok::Lit(s));
                }
                '\\' if i + 1 < b.len() => {
                    i += 1;
                    toks.push(Tok::Lit(b[i].to_string()));
                }
                other => toks.push(Tok::Lit(other.to_string())),
            }
            i += 1;
        }
    }
    (toks, fill)
}

/// The value's decimal text (no sign) rounded to `post` decimals: (negative, integer digits,
/// fraction digits).
fn digits_of(value: &NumberInput, post: usize) -> (bool, String, String) {
    let text = match value {
        NumberInput::Numeric(n) => n
            .round(post as i32)
            .map(|r| r.to_string())
            .unwrap_or_default(),
        NumberInput::Float(f) => format!("{:.*}", post, f),
    };
    let neg = text.starts_with('-');
    let t = text.trim_start_matches('-');
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    let int = int.trim_start_matches('0').to_string();
    let mut frac = frac.to_string();
    while frac.len() < post {
        frac.push('0');
    }
    let neg = neg && (int.chars().chain(frac.chars()).any(|c| c != '0'));
    (neg, int, frac)
}

fn ordinal_suffix(n: i64, upper: bool) -> &'static str {
    let n = n.unsigned_abs();
    let s = if (11..=13).contains(&(n % 100)) {
        "th"
    } else {
        match n % 10 {
            1 => "st",
            2 => "nd",
            3 => "rd",
            _ => "th",
        }
    };
    if !upper {
        return s;
    }
    match s {
        "st" => "ST",
        "nd" => "ND",
        "rd" => "RD",
        _ => "TH",
    }
}

/// A number to format: exact numeric (also integers) or a float.
pub enum NumberInput {
    Numeric(Numeric),
    Float(f64),
}

fn sci(value: &NumberInput, post: usize) -> (bool, String, i64) {
    match value {
        NumberInput::Float(f) => {
            let s = format!("{:.*e}", post, f);
            let neg = s.starts_with('-');
            let (m, e) = s
                .trim_start_matches('-')
                .split_once('e')
                .unwrap_or(("0", "0"));
            (neg, m.to_string(), e.parse().unwrap_or(0))
        }
        NumberInput::Numeric(n) => {
            let f = n.to_f64();
            sci(&NumberInput::Float(f), post)
        }
    }
}

/// `to_char(number, format)`.
pub fn to_char_number(value: NumberInput, fmt: &str) -> SqlResult<String> {
    let (toks, fill) = tokenize(fmt);
    let point_at = toks.iter().position(|t| *t == Tok::Point);
    let is_digit = |t: &Tok| matches!(t, Tok::Nine | Tok::Zero);
    let pre = toks[..point_at.unwrap_or(toks.len())]
        .iter()
        .filter(|t| is_digit(t))
        .count();
    let post = point_at.map_or(0, |p| toks[p..].iter().filter(|t| is_digit(t)).count());
    let explicit_sign = toks
        .iter()
        .any(|t| matches!(t, Tok::Sign | Tok::Minus | Tok::Plus | Tok::SignGlobal));
    if toks.contains(&Tok::Eeee) {
        let (neg, mant, exp) = sci(&value, post);
        let mut out = String::new();
        if !explicit_sign {
            out.push(if neg { '-' } else { ' ' });
        }
        out.push_str(&mant);
        out.push_str(&format!(
            "e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        ));
        return Ok(if fill {
            out.trim_start().to_string()
        } else {
            out
        });
    }
    let (neg, int, frac) = digits_of(&value, post);
    let overflow = int.len() > pre;
    let offset = pre.saturating_sub(int.len());
    let int_chars: Vec<char> = int.chars().collect();
    // Integer part (with commas), blanks where digits are suppressed.
    // Integer-part characters, flagged when they are digit positions (the sign goes before
    // the first printed digit, after any leading literal text).
    let mut body: Vec<(char, bool)> = Vec::new();
    let mut k = 0usize;
    let mut started = false;
    let mut leading_sign = false;
    let mut out_post: Vec<char> = Vec::new();
    let mut in_frac = false;
    let mut frac_idx = 0usize;
    let mut trailing: Vec<char> = Vec::new();
    let frac_chars: Vec<char> = frac.chars().collect();
    let mut frac_is_nine: Vec<bool> = Vec::new();
    for t in &toks {
        match t {
            Tok::Nine | Tok::Zero if !in_frac => {
                let c = if overflow {
                    '#'
                } else if k < offset {
                    if *t == Tok::Zero || started {
                        started = true;
                        '0'
                    } else {
                        ' '
                    }
                } else {
                    started = true;
                    int_chars[k - offset]
                };
                // A lone zero integer part prints "0" when the format has no fraction.
                let c = if !overflow && c == ' ' && k + 1 == pre && int.is_empty() && post == 0 {
                    '0'
                } else {
                    c
                };
                body.push((c, true));
                k += 1;
            }
            Tok::Nine | Tok::Zero => {
                let c = if overflow {
                    '#'
                } else {
                    frac_chars.get(frac_idx).copied().unwrap_or('0')
                };
                frac_is_nine.push(*t == Tok::Nine);
                out_post.push(c);
                frac_idx += 1;
            }
            Tok::Point => {
                in_frac = true;
            }
            Tok::Comma => {
                if in_frac {
                    out_post.push(',');
                    frac_is_nine.push(false);
                } else {
                    body.push((if started || overflow { ',' } else { ' ' }, true));
                }
            }
            Tok::Sign | Tok::SignGlobal => {
                if in_frac || k > 0 {
                    trailing.push(if neg { '-' } else { '+' });
                } else {
                    leading_sign = true;
                }
            }
            Tok::Minus => trailing.push(if neg { '-' } else { ' ' }),
            Tok::Plus => trailing.push(if neg { ' ' } else { '+' }),
            Tok::Eeee => {}
            Tok::Th(upper) => {
                let n: i64 = int.parse().unwrap_or(0);
                let suffix = ordinal_suffix(n, *upper);
                if in_frac || k > 0 {
                    trailing.extend(suffix.chars());
                } else {
                    body.extend(suffix.chars().map(|c| (c, false)));
                }
            }
            Tok::Lit(s) => {
                if in_frac {
                    out_post.extend(s.chars());
                    frac_is_nine.extend(s.chars().map(|_| false));
                } else {
                    body.extend(s.chars().map(|c| (c, false)));
                }
            }
        }
    }
    // Place the sign just before the first printed character of the integer part.
    let sign_char = if leading_sign {
        Some(if neg { '-' } else { '+' })
    } else if !explicit_sign {
        Some(if neg { '-' } else { ' ' })
    } else {
        None
    };
    let mut result: Vec<char> = Vec::new();
    match sign_char {
        Some(s) => {
            let first = body
                .iter()
                .position(|(c, num)| *num && *c != ' ')
                .or_else(|| body.iter().rposition(|(_, num)| *num).map(|p| p + 1))
                .unwrap_or(body.len());
            result.extend(body[..first].iter().map(|(c, _)| *c));
            result.push(s);
            result.extend(body[first..].iter().map(|(c, _)| *c));
        }
        None => result.extend(body.iter().map(|(c, _)| *c)),
    }
    if fill {
        // Fill mode: no padding blanks, no trailing zeros in '9' fraction positions.
        while !out_post.is_empty()
            && frac_is_nine.last() == Some(&true)
            && out_post.last() == Some(&'0')
        {
            out_post.pop();
            frac_is_nine.pop();
        }
    }
    if point_at.is_some() && (post > 0 || fill) {
        result.push('.');
        result.extend(out_post.iter());
    }
    result.extend(trailing.iter());
    let s: String = result.into_iter().collect();
    Ok(if fill {
        let t = s.trim_start().to_string();
        if t.ends_with('.') && post == 0 {
            t.trim_end_matches('.').to_string()
        } else {
            t
        }
    } else {
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(v: &str, f: &str) -> String {
        let num = Numeric::parse(v).unwrap_or_else(|_| Numeric::zero());
        to_char_number(NumberInput::Numeric(num), f).unwrap_or_default()
    }

    #[test]
    fn templates_match_postgres() {
        assert_eq!(n("12", "999"), "  12");
        assert_eq!(n("-12", "999"), " -12");
        assert_eq!(n("12", "FM999"), "12");
        assert_eq!(n("12.345", "999.99"), "  12.35");
        assert_eq!(n("12.3", "FM999.99"), "12.3");
        assert_eq!(n("12.3", "000.00"), " 012.30");
        assert_eq!(n("1234567.891", "9,999,999.99"), " 1,234,567.89");
        assert_eq!(n("12345", "999"), " ###");
        assert_eq!(n("-12.5", "S999.9"), " -12.5");
        assert_eq!(n("12.5", "S999.9"), " +12.5");
        assert_eq!(n("-12.5", "999.9MI"), " 12.5-");
        assert_eq!(n("0.5", "9.99"), "  .50");
        assert_eq!(n("0.5", "FM9.99"), ".5");
        assert_eq!(n("0", "999"), "   0");
        assert_eq!(n("0.5", "0.99"), " 0.50");
        assert_eq!(n("123.456", "9.99EEEE"), " 1.23e+02");
        assert_eq!(n("-0.5", "990.00"), "  -0.50");
        assert_eq!(n("12", "FM9999."), "12");
        assert_eq!(n("12", "9999."), "   12");
        assert_eq!(n("1234", "FM9G999"), "1,234");
        assert_eq!(n("2.5", "9"), " 3");
        assert_eq!(n("12", "FM00009"), "00012");
        assert_eq!(n("-1234.5", "FM9,999.0"), "-1,234.5");
        assert_eq!(
            to_char_number(NumberInput::Float(1.5), "9.9").unwrap_or_default(),
            " 1.5"
        );
    }
}
