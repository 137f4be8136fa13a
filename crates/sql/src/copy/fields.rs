//! Cutting COPY FROM input into lines and fields, in PostgreSQL's text and CSV formats. The
//! common case (text format, no backslash in the line) borrows every field from the input.

use std::borrow::Cow;

use embeddb_types::SqlResult;

use super::CopyFormat;

/// Where the next line ends in `data` (the index of its newline), or None if it is not
/// complete yet. CSV quotes may hide newlines: `data` must start at a line's start.
pub(super) fn line_end(data: &[u8], format: &CopyFormat) -> Option<usize> {
    if !format.csv {
        return memchr::memchr(b'\n', data);
    }
    let quote = format.quote as u8;
    let mut in_quotes = false;
    let mut from = 0;
    while let Some(i) = memchr::memchr2(quote, b'\n', &data[from..]) {
        let at = from + i;
        if data[at] == quote {
            in_quotes = !in_quotes;
        } else if !in_quotes {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// Splits a text-format line into fields, undoing backslash escapes; None is NULL. Fields
/// without escapes borrow from the line.
pub(super) fn split_text<'a>(
    line: &'a str,
    format: &CopyFormat,
) -> SqlResult<Vec<Option<Cow<'a, str>>>> {
    let mut fields = Vec::new();
    for raw in line.split(format.delimiter) {
        if raw == format.null {
            fields.push(None);
            continue;
        }
        if !raw.contains('\\') {
            fields.push(Some(Cow::Borrowed(raw)));
            continue;
        }
        let mut out = String::with_capacity(raw.len());
        let mut chars = raw.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('b') => out.push('\u{8}'),
                Some('f') => out.push('\u{c}'),
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some('v') => out.push('\u{b}'),
                Some('x') => {
                    let mut v = 0u32;
                    let mut n = 0;
                    while n < 2 {
                        match chars.peek().and_then(|c| c.to_digit(16)) {
                            Some(d) => {
                                v = v * 16 + d;
                                chars.next();
                                n += 1;
                            }
                            None => break,
                        }
                    }
                    if n == 0 {
                        out.push('x');
                    } else if let Some(ch) = char::from_u32(v) {
                        out.push(ch);
                    }
                }
                Some(d @ '0'..='7') => {
                    let mut v = d.to_digit(8).unwrap_or(0);
                    for _ in 0..2 {
                        match chars.peek().and_then(|c| c.to_digit(8)) {
                            Some(x) => {
                                v = v * 8 + x;
                                chars.next();
                            }
                            None => break,
                        }
                    }
                    if let Some(ch) = char::from_u32(v) {
                        out.push(ch);
                    }
                }
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        }
        fields.push(Some(Cow::Owned(out)));
    }
    Ok(fields)
}

/// Splits a CSV line: quoted fields may hold delimiters, doubled quotes and newlines; an
/// unquoted field equal to the NULL string is NULL.
pub(super) fn split_csv<'a>(line: &'a str, format: &CopyFormat) -> Vec<Option<Cow<'a, str>>> {
    let mut fields = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == format.escape
                && chars.peek() == Some(&format.quote)
                && format.escape != format.quote
            {
                chars.next();
                current.push(format.quote);
            } else if c == format.quote {
                if format.escape == format.quote && chars.peek() == Some(&format.quote) {
                    chars.next();
                    current.push(format.quote);
                } else {
                    quoted = false;
                }
            } else {
                current.push(c);
            }
        } else if c == format.quote {
            quoted = true;
            was_quoted = true;
        } else if c == format.delimiter {
            fields.push(finish_csv_field(
                std::mem::take(&mut current),
                was_quoted,
                format,
            ));
            was_quoted = false;
        } else {
            current.push(c);
        }
    }
    fields.push(finish_csv_field(current, was_quoted, format));
    fields
}

fn finish_csv_field<'a>(value: String, quoted: bool, format: &CopyFormat) -> Option<Cow<'a, str>> {
    if !quoted && value == format.null {
        None
    } else {
        Some(Cow::Owned(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::copy::CopyFormat;

    #[test]
    fn text_fields_unescape_and_null() {
        let f = CopyFormat::text();
        let fields = split_text("1\ta\\tb\t\\N\tx\\\\y", &f).unwrap();
        assert_eq!(
            fields,
            vec![
                Some("1".into()),
                Some("a\tb".into()),
                None,
                Some("x\\y".into())
            ]
        );
    }

    #[test]
    fn csv_fields_quote_and_null() {
        let mut f = CopyFormat::text();
        f.csv = true;
        f.delimiter = ',';
        f.null = String::new();
        let fields = split_csv("1,\"a,b\",,\"\",\"say \"\"hi\"\"\"", &f);
        assert_eq!(
            fields,
            vec![
                Some(Cow::from("1")),
                Some(Cow::from("a,b")),
                None,
                Some(Cow::from("")),
                Some(Cow::from("say \"hi\""))
            ]
        );
    }
}
