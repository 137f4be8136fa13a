//! bytea's text forms: hex output (`\x0102`, the default `bytea_output`), escape output, and
//! input in either format (`byteain`).

use crate::error::{SqlError, SqlResult, SqlState};

const HEX: &[u8; 16] = b"0123456789abcdef";

pub fn write_hex(b: &[u8], out: &mut String) {
    out.reserve(2 + b.len() * 2);
    out.push_str("\\x");
    for x in b {
        out.push(HEX[(x >> 4) as usize] as char);
        out.push(HEX[(x & 15) as usize] as char);
    }
}

/// `bytea_output = escape`: printable ASCII as is, `\` doubled, everything else `\ooo`.
pub fn write_escape(b: &[u8], out: &mut String) {
    for &x in b {
        if x == b'\\' {
            out.push_str("\\\\");
        } else if !(0x20..0x7f).contains(&x) {
            out.push_str(&format!("\\{x:03o}"));
        } else {
            out.push(x as char);
        }
    }
}

fn hex_value(c: u8) -> SqlResult<u8> {
    match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        b'A'..=b'F' => Ok(c - b'A' + 10),
        _ => {
            let shown = if c.is_ascii() {
                (c as char).to_string()
            } else {
                String::from_utf8_lossy(&[c]).into_owned()
            };
            Err(SqlError::new(
                SqlState::INVALID_PARAMETER_VALUE,
                format!("invalid hexadecimal digit: \"{shown}\""),
            ))
        }
    }
}

/// `byteain`.
pub fn parse(input: &str) -> SqlResult<Vec<u8>> {
    let s = input.as_bytes();
    if s.len() >= 2 && s[0] == b'\\' && s[1] == b'x' {
        let mut out = Vec::with_capacity((s.len() - 2) / 2);
        let mut i = 2;
        while i < s.len() {
            if s[i].is_ascii_whitespace() {
                i += 1;
                continue;
            }
            let hi = hex_value(s[i])?;
            let Some(&lo_c) = s.get(i + 1) else {
                return Err(SqlError::new(
                    SqlState::INVALID_PARAMETER_VALUE,
                    "invalid hexadecimal data: odd number of digits",
                ));
            };
            let lo = hex_value(lo_c)?;
            out.push((hi << 4) | lo);
            i += 2;
        }
        return Ok(out);
    }
    let bad = || {
        SqlError::new(
            SqlState::INVALID_TEXT_REPRESENTATION,
            "invalid input syntax for type bytea",
        )
    };
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] != b'\\' {
            out.push(s[i]);
            i += 1;
        } else if s.get(i + 1) == Some(&b'\\') {
            out.push(b'\\');
            i += 2;
        } else if i + 3 < s.len()
            && (b'0'..=b'3').contains(&s[i + 1])
            && (b'0'..=b'7').contains(&s[i + 2])
            && (b'0'..=b'7').contains(&s[i + 3])
        {
            out.push(((s[i + 1] - b'0') << 6) | ((s[i + 2] - b'0') << 3) | (s[i + 3] - b'0'));
            i += 4;
        } else {
            return Err(bad());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let mut s = String::new();
        write_hex(&[1, 2, 0xab], &mut s);
        assert_eq!(s, "\\x0102ab");
        assert_eq!(parse("\\x0102AB").ok(), Some(vec![1, 2, 0xab]));
        assert_eq!(parse("\\x01 02").ok(), Some(vec![1, 2]));
        assert_eq!(parse("abc\\\\\\001").ok(), Some(b"abc\\\x01".to_vec()));
        assert!(parse("\\x012").is_err());
        assert_eq!(
            parse("\\xzz").err().map(|e| e.message),
            Some("invalid hexadecimal digit: \"z\"".to_string())
        );
        assert!(parse("a\\b").is_err());
        s.clear();
        write_escape(b"a\\\x01\xff", &mut s);
        assert_eq!(s, "a\\\\\\001\\377");
    }
}
