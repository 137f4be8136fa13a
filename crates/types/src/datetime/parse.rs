//! Text input of date, time, timestamp and timestamptz: the common subset of PostgreSQL's
//! `ParseDateTime`/`DecodeDateTime` that real inputs use: ISO dates with `-` `/` `.`
//! separators or an ISO `T`, month names, DateStyle field order, 2-digit years, `BC`/`AD`,
//! `AM`/`PM`, concatenated `YYYYMMDD`, Julian `J2451545`, time-zone offsets, abbreviations and
//! IANA names, and the special words (`epoch`, `infinity`, `now`, `today`, `tomorrow`,
//! `yesterday`, `allballs`).

use super::timetz::TimeTz;
use super::zone::{abbreviation, parse_offset};
use super::{
    DATE_NEG_INFINITY, DATE_POS_INFINITY, END_DATE, MIN_DATE, POSTGRES_EPOCH_JDATE,
    TS_NEG_INFINITY, TS_POS_INFINITY, TimeZone, UNIX_EPOCH_DAYS, USECS_PER_DAY, USECS_PER_HOUR,
    USECS_PER_MINUTE, USECS_PER_SEC, days_from_civil, days_in_month, utc_to_local, valid_timestamp,
};
use crate::context::{DateOrder, FormatContext};
use crate::error::{SqlError, SqlResult, SqlState};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Special {
    Epoch,
    Infinity,
    NegInfinity,
    Now,
    Today,
    Tomorrow,
    Yesterday,
    Allballs,
}

#[derive(Clone, Debug)]
enum Zone {
    Offset(i32),
    Named(TimeZone),
}

#[derive(Clone, Debug)]
enum Field {
    Num(String),
    Month(u32),
}

#[derive(Default, Debug)]
struct Decoded {
    special: Option<Special>,
    year: Option<(i64, usize)>,
    month: Option<u32>,
    day: Option<u32>,
    time: Option<i64>,
    zone: Option<Zone>,
    bc: bool,
    pm: Option<bool>,
    julian: Option<i64>,
    /// Numbers seen before a month name told how to read them ("8 Jan 1999").
    pending: Vec<String>,
}

struct Ctx<'a> {
    input: &'a str,
    type_name: &'a str,
}

impl Ctx<'_> {
    fn bad(&self) -> SqlError {
        SqlError::new(
            SqlState::INVALID_DATETIME_FORMAT,
            format!(
                "invalid input syntax for type {}: \"{}\"",
                self.type_name, self.input
            ),
        )
    }

    fn range(&self) -> SqlError {
        SqlError::new(
            SqlState::DATETIME_FIELD_OVERFLOW,
            format!("date/time field value out of range: \"{}\"", self.input),
        )
    }
}

fn month_of(word: &str) -> Option<u32> {
    Some(match word {
        "jan" | "january" => 1,
        "feb" | "february" => 2,
        "mar" | "march" => 3,
        "apr" | "april" => 4,
        "may" => 5,
        "jun" | "june" => 6,
        "jul" | "july" => 7,
        "aug" | "august" => 8,
        "sep" | "sept" | "september" => 9,
        "oct" | "october" => 10,
        "nov" | "november" => 11,
        "dec" | "december" => 12,
        _ => return None,
    })
}

fn is_weekday(word: &str) -> bool {
    matches!(
        word,
        "sun"
            | "sunday"
            | "mon"
            | "monday"
            | "tue"
            | "tues"
            | "tuesday"
            | "wed"
            | "wednes"
            | "wednesday"
            | "thu"
            | "thur"
            | "thurs"
            | "thursday"
            | "fri"
            | "friday"
            | "sat"
            | "saturday"
    )
}

/// Microseconds of a fraction written after a decimal point, rounded to 6 digits.
fn fraction_micros(frac: &str) -> i64 {
    let mut v: i64 = 0;
    for (i, b) in frac.bytes().take(7).enumerate() {
        let d = i64::from(b - b'0');
        if i < 6 {
            v = v * 10 + d;
        } else if d >= 5 {
            v += 1;
        }
    }
    for _ in frac.len().min(6)..6 {
        v *= 10;
    }
    v
}

fn take_digits(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    i
}

/// Parses `hh:mm[:ss[.ffffff]]` starting at `i`; returns microseconds and the end position.
fn scan_time(s: &str, start: usize, cx: &Ctx) -> SqlResult<(i64, usize)> {
    let b = s.as_bytes();
    let mut parts: Vec<i64> = Vec::new();
    let mut i = start;
    let mut frac = 0i64;
    loop {
        let e = take_digits(b, i);
        if e == i || e - i > 10 {
            return Err(cx.bad());
        }
        parts.push(s[i..e].parse().map_err(|_| cx.bad())?);
        i = e;
        if i < b.len() && b[i] == b':' && parts.len() < 3 {
            i += 1;
            continue;
        }
        if i < b.len() && b[i] == b'.' {
            let fe = take_digits(b, i + 1);
            frac = fraction_micros(&s[i + 1..fe]);
            i = fe;
        }
        break;
    }
    if parts.len() < 2 {
        return Err(cx.bad());
    }
    let (h, m, sec) = (parts[0], parts[1], parts.get(2).copied().unwrap_or(0));
    if !(0..=24).contains(&h) || !(0..60).contains(&m) || !(0..=60).contains(&sec) {
        return Err(cx.range());
    }
    let total = h * USECS_PER_HOUR + m * USECS_PER_MINUTE + sec * USECS_PER_SEC + frac;
    if total > USECS_PER_DAY {
        return Err(cx.range());
    }
    Ok((total, i))
}

fn set_ymd(d: &mut Decoded, y: (i64, usize), m: u32, day: u32, cx: &Ctx) -> SqlResult<()> {
    if d.year.is_some() || d.month.is_some() || d.day.is_some() {
        return Err(cx.bad());
    }
    d.year = Some(y);
    d.month = Some(m);
    d.day = Some(day);
    Ok(())
}

fn num_of(f: &Field, cx: &Ctx) -> SqlResult<(i64, usize)> {
    match f {
        Field::Num(t) => Ok((t.parse().map_err(|_| cx.bad())?, t.len())),
        Field::Month(_) => Err(cx.bad()),
    }
}

fn small(v: (i64, usize), cx: &Ctx) -> SqlResult<u32> {
    u32::try_from(v.0).map_err(|_| cx.range())
}

/// Assigns the fields of a separated date (`2024-01-02`, `1/2/2024`, `08-Jan-1999`).
fn assign_date(d: &mut Decoded, f: &[Field], order: DateOrder, cx: &Ctx) -> SqlResult<()> {
    if f.len() != 3 {
        return Err(cx.bad());
    }
    if let Field::Month(m) = f[0] {
        let day = small(num_of(&f[1], cx)?, cx)?;
        return set_ymd(d, num_of(&f[2], cx)?, m, day, cx);
    }
    if let Field::Month(m) = f[1] {
        let a = num_of(&f[0], cx)?;
        let c = num_of(&f[2], cx)?;
        return if a.1 >= 3 || a.0 > 31 {
            set_ymd(d, a, m, small(c, cx)?, cx)
        } else {
            set_ymd(d, c, m, small(a, cx)?, cx)
        };
    }
    if let Field::Month(m) = f[2] {
        let a = num_of(&f[0], cx)?;
        let b = num_of(&f[1], cx)?;
        return set_ymd(d, a, m, small(b, cx)?, cx);
    }
    let a = num_of(&f[0], cx)?;
    let b = num_of(&f[1], cx)?;
    let c = num_of(&f[2], cx)?;
    if a.1 >= 3 {
        return set_ymd(d, a, small(b, cx)?, small(c, cx)?, cx);
    }
    match order {
        DateOrder::Mdy => set_ymd(d, c, small(a, cx)?, small(b, cx)?, cx),
        DateOrder::Dmy => set_ymd(d, c, small(b, cx)?, small(a, cx)?, cx),
        DateOrder::Ymd => set_ymd(d, a, small(b, cx)?, small(c, cx)?, cx),
    }
}

/// Assigns a run of plain digits.
fn assign_number(d: &mut Decoded, digits: &str, want_time: bool, cx: &Ctx) -> SqlResult<()> {
    let len = digits.len();
    let have_date = d.year.is_some() || d.julian.is_some();
    let parse = |s: &str| -> SqlResult<i64> { s.parse().map_err(|_| cx.bad()) };
    if d.month.is_none() && !have_date && (len == 8 || len == 6) && !want_time {
        let (yl, _) = if len == 8 { (4, 0) } else { (2, 0) };
        let y = parse(&digits[..yl])?;
        let m = parse(&digits[yl..yl + 2])? as u32;
        let day = parse(&digits[yl + 2..])? as u32;
        return set_ymd(d, (y, yl), m, day, cx);
    }
    if d.time.is_none() && (have_date || want_time) && (len == 6 || len == 4) && d.month.is_some()
        || (d.time.is_none() && want_time && (len == 6 || len == 4))
    {
        let h = parse(&digits[..2])?;
        let m = parse(&digits[2..4])?;
        let s = if len == 6 { parse(&digits[4..])? } else { 0 };
        if h > 24 || m >= 60 || s > 60 {
            return Err(cx.range());
        }
        d.time = Some(h * USECS_PER_HOUR + m * USECS_PER_MINUTE + s * USECS_PER_SEC);
        return Ok(());
    }
    if len == 14 && !have_date && d.month.is_none() {
        assign_number(d, &digits[..8], false, cx)?;
        return assign_number(d, &digits[8..], true, cx);
    }
    let v = parse(digits)?;
    if d.month.is_some() && d.year.is_none() {
        // Filling in around a month name: "January 8, 1999", "8 January 1999".
        if len >= 3 || v > 31 || d.day.is_some() {
            d.year = Some((v, len));
        } else {
            d.day = Some(u32::try_from(v).map_err(|_| cx.range())?);
        }
        return Ok(());
    }
    if d.month.is_some() && d.day.is_none() {
        d.day = Some(u32::try_from(v).map_err(|_| cx.range())?);
        return Ok(());
    }
    if d.month.is_none() && !have_date && d.pending.len() < 2 {
        d.pending.push(digits.to_string());
        return Ok(());
    }
    Err(cx.bad())
}

fn assign_word(d: &mut Decoded, word: &str, cx: &Ctx) -> SqlResult<()> {
    let set_special = |d: &mut Decoded, s: Special| {
        if d.special.is_some() {
            return Err(cx.bad());
        }
        d.special = Some(s);
        Ok(())
    };
    match word {
        "epoch" => return set_special(d, Special::Epoch),
        "infinity" | "+infinity" => return set_special(d, Special::Infinity),
        "-infinity" => return set_special(d, Special::NegInfinity),
        "now" => return set_special(d, Special::Now),
        "today" => return set_special(d, Special::Today),
        "tomorrow" => return set_special(d, Special::Tomorrow),
        "yesterday" => return set_special(d, Special::Yesterday),
        "allballs" => return set_special(d, Special::Allballs),
        "am" | "a.m" => {
            d.pm = Some(false);
            return Ok(());
        }
        "pm" | "p.m" => {
            d.pm = Some(true);
            return Ok(());
        }
        "bc" | "b.c" => {
            d.bc = true;
            return Ok(());
        }
        "ad" | "a.d" | "t" | "at" | "on" => return Ok(()),
        _ => {}
    }
    if let Some(m) = month_of(word) {
        if d.month.is_some() {
            return Err(cx.bad());
        }
        d.month = Some(m);
        return Ok(());
    }
    if is_weekday(word) {
        return Ok(());
    }
    if d.zone.is_some() {
        return Err(cx.bad());
    }
    if let Some(off) = abbreviation(word) {
        d.zone = Some(Zone::Offset(off));
        return Ok(());
    }
    match TimeZone::from_input_name(word) {
        Some(tz) => {
            d.zone = Some(Zone::Named(tz));
            Ok(())
        }
        None => Err(cx.bad()),
    }
}

fn decode(input: &str, order: DateOrder, want_time: bool, cx: &Ctx) -> SqlResult<Decoded> {
    let lower = input.to_ascii_lowercase();
    let s = lower.as_str();
    let b = s.as_bytes();
    let mut d = Decoded::default();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_whitespace() || c == b',' {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() {
            let e = take_digits(b, i);
            let next = b.get(e).copied();
            if next == Some(b':') {
                if d.time.is_some() {
                    return Err(cx.bad());
                }
                let (t, end) = scan_time(s, i, cx)?;
                d.time = Some(t);
                i = end;
                continue;
            }
            let sep_date = matches!(next, Some(b'-' | b'/' | b'.'))
                && b.get(e + 1).is_some_and(|x| x.is_ascii_alphanumeric());
            let dots = next == Some(b'.') && {
                // "1999.01.08" is a date; "12.5" a fractional number.
                let e2 = take_digits(b, e + 1);
                b.get(e2) == Some(&b'.')
            };
            if sep_date && (next != Some(b'.') || dots) {
                let sep = b[e];
                let mut fields = vec![Field::Num(s[i..e].to_string())];
                let mut j = e;
                while j < b.len() && b[j] == sep && fields.len() < 3 {
                    let fs = j + 1;
                    if b.get(fs).is_some_and(u8::is_ascii_digit) {
                        let fe = take_digits(b, fs);
                        fields.push(Field::Num(s[fs..fe].to_string()));
                        j = fe;
                    } else {
                        let mut fe = fs;
                        while fe < b.len() && b[fe].is_ascii_alphabetic() {
                            fe += 1;
                        }
                        let m = month_of(&s[fs..fe]).ok_or_else(|| cx.bad())?;
                        fields.push(Field::Month(m));
                        j = fe;
                    }
                }
                assign_date(&mut d, &fields, order, cx)?;
                i = j;
                // ISO 8601 'T' between date and time.
                if b.get(i) == Some(&b't') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
                continue;
            }
            if next == Some(b'.') && !want_time {
                // A fraction after a concatenated time ("040506.5") or stray number.
                return Err(cx.bad());
            }
            assign_number(&mut d, &s[i..e], want_time, cx)?;
            i = e;
            if b.get(i) == Some(&b't') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if b.get(i) == Some(&b'.') && d.time.is_some() {
                let fe = take_digits(b, i + 1);
                if let Some(t) = d.time.as_mut() {
                    *t += fraction_micros(&s[i + 1..fe]);
                }
                i = fe;
            }
            continue;
        }
        if (c == b'+' || c == b'-') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            let mut e = i + 1;
            while e < b.len() && (b[e].is_ascii_digit() || b[e] == b':') {
                e += 1;
            }
            let off = parse_offset(&s[i..e]).ok_or_else(|| cx.bad())?;
            if off.abs() >= 16 * 3600 {
                return Err(SqlError::new(
                    SqlState::INVALID_TIME_ZONE_DISPLACEMENT_VALUE,
                    format!("time zone displacement out of range: \"{input}\""),
                ));
            }
            if d.zone.is_some() {
                return Err(cx.bad());
            }
            d.zone = Some(Zone::Offset(off));
            i = e;
            continue;
        }
        if c.is_ascii_alphabetic() || c == b'-' || c == b'+' {
            let mut e = i + 1;
            while e < b.len() && (b[e].is_ascii_alphabetic() || b[e] == b'.') {
                e += 1;
            }
            // Zone names continue with '/', '_', digits and signs (Etc/GMT+5, EST5EDT).
            if e < b.len() && matches!(b[e], b'/' | b'_') {
                while e < b.len()
                    && (b[e].is_ascii_alphanumeric() || matches!(b[e], b'/' | b'_' | b'+' | b'-'))
                {
                    e += 1;
                }
            }
            let word = s[i..e].trim_end_matches('.');
            let word_end = i + word.len();
            // A month name opening a separated date: "Jan-08-1999".
            if let Some(m) = month_of(word)
                && matches!(b.get(word_end), Some(b'-' | b'/'))
                && b.get(word_end + 1).is_some_and(u8::is_ascii_digit)
            {
                let sep = b[word_end];
                let mut fields = vec![Field::Month(m)];
                let mut j = word_end;
                while j < b.len() && b[j] == sep && fields.len() < 3 {
                    let fe = take_digits(b, j + 1);
                    if fe == j + 1 {
                        return Err(cx.bad());
                    }
                    fields.push(Field::Num(s[j + 1..fe].to_string()));
                    j = fe;
                }
                assign_date(&mut d, &fields, order, cx)?;
                i = j;
                continue;
            }
            if word == "j" && b.get(e).is_some_and(u8::is_ascii_digit) {
                let je = take_digits(b, e);
                d.julian = Some(s[e..je].parse().map_err(|_| cx.bad())?);
                i = je;
                continue;
            }
            if word == "t" && b.get(e).is_some_and(u8::is_ascii_digit) {
                i = e;
                continue;
            }
            // Keep the original spelling for zone names (IANA lookups are case-insensitive).
            assign_word(&mut d, word, cx)?;
            i = word_end.max(i + 1);
            while i < e && b[i] == b'.' {
                i += 1;
            }
            continue;
        }
        return Err(cx.bad());
    }
    if !d.pending.is_empty() {
        if d.month.is_none() {
            return Err(cx.bad());
        }
        for p in std::mem::take(&mut d.pending) {
            assign_number(&mut d, &p, want_time, cx)?;
        }
    }
    Ok(d)
}

/// The calendar date of decoded fields (astronomical year), validated.
fn resolve_date(d: &Decoded, cx: &Ctx) -> SqlResult<Option<i64>> {
    if let Some(j) = d.julian {
        return Ok(Some(j - POSTGRES_EPOCH_JDATE));
    }
    let (Some((mut year, ylen)), Some(month), Some(day)) = (d.year, d.month, d.day) else {
        if d.year.is_some() || d.month.is_some() || d.day.is_some() {
            return Err(cx.bad());
        }
        return Ok(None);
    };
    if d.bc {
        if year <= 0 {
            return Err(cx.range());
        }
        year = 1 - year;
    } else if ylen <= 2 {
        year += if year < 70 { 2000 } else { 1900 };
    } else if year == 0 {
        return Err(cx.range());
    }
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return Err(cx.range());
    }
    if !(-4713..=5_874_898).contains(&year) {
        return Err(cx.range());
    }
    Ok(Some(days_from_civil(year, month, day)))
}

fn resolve_time(d: &Decoded, cx: &Ctx) -> SqlResult<Option<i64>> {
    let Some(mut t) = d.time else {
        if d.pm.is_some() {
            return Err(cx.bad());
        }
        return Ok(None);
    };
    if let Some(pm) = d.pm {
        let hour = t / USECS_PER_HOUR;
        if !(0..=12).contains(&hour) {
            return Err(cx.range());
        }
        if hour == 12 {
            t -= 12 * USECS_PER_HOUR;
        }
        if pm {
            t += 12 * USECS_PER_HOUR;
        }
    }
    Ok(Some(t))
}

fn now_local(ctx: &FormatContext) -> i64 {
    utc_to_local(ctx.now_micros, &ctx.time_zone)
}

/// `date_in`.
pub fn parse_date(input: &str, ctx: &FormatContext) -> SqlResult<i32> {
    let cx = Ctx {
        input,
        type_name: "date",
    };
    let d = decode(input, ctx.date_order, false, &cx)?;
    let days = match d.special {
        Some(sp) => {
            if d.year.is_some() || d.month.is_some() || d.time.is_some() {
                return Err(cx.bad());
            }
            let today = now_local(ctx).div_euclid(USECS_PER_DAY);
            match sp {
                Special::Epoch => UNIX_EPOCH_DAYS,
                Special::Infinity => return Ok(DATE_POS_INFINITY),
                Special::NegInfinity => return Ok(DATE_NEG_INFINITY),
                Special::Now | Special::Today => today,
                Special::Tomorrow => today + 1,
                Special::Yesterday => today - 1,
                Special::Allballs => return Err(cx.bad()),
            }
        }
        None => resolve_date(&d, &cx)?.ok_or_else(|| cx.bad())?,
    };
    resolve_time(&d, &cx)?;
    if !(MIN_DATE..END_DATE).contains(&days) {
        return Err(SqlError::new(
            SqlState::DATETIME_FIELD_OVERFLOW,
            format!("date out of range: \"{input}\""),
        ));
    }
    Ok(days as i32)
}

/// `time_in`: the time of day; a date or zone in the input is accepted and ignored.
pub fn parse_time(input: &str, ctx: &FormatContext) -> SqlResult<i64> {
    let cx = Ctx {
        input,
        type_name: "time",
    };
    let d = decode(input, ctx.date_order, true, &cx)?;
    if let Some(sp) = d.special {
        return match sp {
            Special::Allballs => Ok(0),
            Special::Now => Ok(now_local(ctx).rem_euclid(USECS_PER_DAY)),
            _ => Err(cx.bad()),
        };
    }
    resolve_date(&d, &cx)?;
    resolve_time(&d, &cx)?.ok_or_else(|| cx.bad())
}

/// `timetz_in`: the time of day and its zone as seconds west of UTC. A time without a zone is
/// in the session time zone, at its offset on the date written or else today, as PostgreSQL
/// does.
pub fn parse_timetz(input: &str, ctx: &FormatContext) -> SqlResult<TimeTz> {
    let cx = Ctx {
        input,
        type_name: "time with time zone",
    };
    let d = decode(input, ctx.date_order, true, &cx)?;
    let today = now_local(ctx).div_euclid(USECS_PER_DAY);
    let (days, tod) = match d.special {
        Some(Special::Allballs) => return Ok(TimeTz::new(0, 0)),
        Some(Special::Now) => (today, now_local(ctx).rem_euclid(USECS_PER_DAY)),
        Some(_) => return Err(cx.bad()),
        None => {
            let days = resolve_date(&d, &cx)?.unwrap_or(today);
            (days, resolve_time(&d, &cx)?.ok_or_else(|| cx.bad())?)
        }
    };
    let local = days.saturating_mul(USECS_PER_DAY).saturating_add(tod);
    let east = match &d.zone {
        Some(Zone::Offset(o)) => *o,
        // A named zone's offset depends on the date, which must be written.
        Some(Zone::Named(_)) if d.year.is_none() && d.julian.is_none() => return Err(cx.bad()),
        Some(Zone::Named(tz)) => tz.offset_for_local(local),
        None => ctx.time_zone.offset_for_local(local),
    };
    Ok(TimeTz::new(tod, -east))
}

/// Decodes a timestamp's local wall-clock time and zone (if written).
fn decode_timestamp(
    input: &str,
    type_name: &str,
    ctx: &FormatContext,
) -> SqlResult<(Result<i64, i64>, Option<Zone>)> {
    let cx = Ctx { input, type_name };
    let d = decode(input, ctx.date_order, false, &cx)?;
    if let Some(sp) = d.special {
        if d.year.is_some() || d.month.is_some() || d.time.is_some() {
            return Err(cx.bad());
        }
        let today = now_local(ctx).div_euclid(USECS_PER_DAY) * USECS_PER_DAY;
        // Err(..) carries an absolute UTC instant (for 'now'), Ok(..) a local time.
        let v = match sp {
            Special::Epoch => Ok(UNIX_EPOCH_DAYS * USECS_PER_DAY),
            Special::Infinity => Err(TS_POS_INFINITY),
            Special::NegInfinity => Err(TS_NEG_INFINITY),
            Special::Now => Err(ctx.now_micros),
            Special::Today => Ok(today),
            Special::Tomorrow => Ok(today + USECS_PER_DAY),
            Special::Yesterday => Ok(today - USECS_PER_DAY),
            Special::Allballs => return Err(cx.bad()),
        };
        let zone = if matches!(sp, Special::Epoch) {
            Some(Zone::Offset(0))
        } else {
            d.zone
        };
        return Ok((v, zone));
    }
    let days = resolve_date(&d, &cx)?.ok_or_else(|| cx.bad())?;
    let tod = resolve_time(&d, &cx)?.unwrap_or(0);
    let out_of_range = || {
        SqlError::new(
            SqlState::DATETIME_FIELD_OVERFLOW,
            format!("timestamp out of range: \"{input}\""),
        )
    };
    let local = days
        .checked_mul(USECS_PER_DAY)
        .and_then(|v| v.checked_add(tod))
        .ok_or_else(out_of_range)?;
    if !valid_timestamp(local) {
        return Err(out_of_range());
    }
    Ok((Ok(local), d.zone))
}

/// `timestamp_in`: a written zone is ignored, as PostgreSQL does.
pub fn parse_timestamp(input: &str, ctx: &FormatContext) -> SqlResult<i64> {
    let (v, _) = decode_timestamp(input, "timestamp", ctx)?;
    Ok(match v {
        Ok(local) => local,
        Err(TS_POS_INFINITY) => TS_POS_INFINITY,
        Err(TS_NEG_INFINITY) => TS_NEG_INFINITY,
        Err(now) => utc_to_local(now, &ctx.time_zone),
    })
}

/// `timestamptz_in`: local times without a zone are in the session time zone.
pub fn parse_timestamptz(input: &str, ctx: &FormatContext) -> SqlResult<i64> {
    let (v, zone) = decode_timestamp(input, "timestamp with time zone", ctx)?;
    let local = match v {
        Ok(local) => local,
        Err(abs) => return Ok(abs),
    };
    let off = match &zone {
        Some(Zone::Offset(o)) => *o,
        Some(Zone::Named(tz)) => tz.offset_for_local(local),
        None => ctx.time_zone.offset_for_local(local),
    };
    let us = local - i64::from(off) * USECS_PER_SEC;
    if !valid_timestamp(us) {
        return Err(SqlError::new(
            SqlState::DATETIME_FIELD_OVERFLOW,
            format!("timestamp out of range: \"{input}\""),
        ));
    }
    Ok(us)
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
