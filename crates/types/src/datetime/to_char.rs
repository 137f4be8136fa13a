//! `to_char` for date/time values and its inverse `to_timestamp(text, format)` /
//! `to_date(text, format)`, with PostgreSQL's template patterns (`YYYY`, `MM`, `DD`, `HH24`,
//! `HH12`, `MI`, `SS`, `MS`, `US`, `AM`, `Mon`, `Month`, `Day`, `Dy`, `TZ`, `J`, `Q`, ...),
//! the `FM` prefix, `TH` suffix, double-quoted literals and backslash escapes.

use super::{
    Interval, POSTGRES_EPOCH_JDATE, Tm, USECS_PER_DAY, USECS_PER_HOUR, USECS_PER_MINUTE,
    USECS_PER_SEC, civil_from_days, day_of_week, days_from_civil, days_in_month,
    zone::format_offset_short,
};
use crate::context::FormatContext;
use crate::error::{SqlError, SqlResult, SqlState};
use crate::value::Value;

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const ROMAN: [&str; 12] = [
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII",
];

/// Template keywords, longest first where one is a prefix of another.
const KEYWORDS: &[&str] = &[
    "A.D.", "A.M.", "AD", "AM", "B.C.", "BC", "CC", "DAY", "DDD", "DD", "DY", "D", "FF1", "FF2",
    "FF3", "FF4", "FF5", "FF6", "HH24", "HH12", "HH", "IDDD", "ID", "IW", "IYYY", "IYY", "IY", "I",
    "J", "MI", "MM", "MONTH", "MON", "MS", "OF", "P.M.", "PM", "Q", "RM", "SSSSS", "SSSS", "SS",
    "TZH", "TZM", "TZ", "US", "WW", "W", "Y,YYY", "YYYY", "YYY", "YY", "Y",
];

#[derive(Clone, Debug, PartialEq)]
enum Node {
    /// Keyword in canonical upper case, the spelling used (for case), FM, TH suffix (upper?).
    Field {
        key: &'static str,
        spelled: String,
        fill: bool,
        th: Option<bool>,
    },
    Lit(String),
}

fn starts_ci(s: &[char], i: usize, kw: &str) -> bool {
    let k: Vec<char> = kw.chars().collect();
    i + k.len() <= s.len()
        && s[i..i + k.len()]
            .iter()
            .zip(&k)
            .all(|(a, b)| a.eq_ignore_ascii_case(b))
}

fn parse_format(fmt: &str) -> Vec<Node> {
    let s: Vec<char> = fmt.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let mut fill = false;
        loop {
            if starts_ci(&s, i, "FM") {
                fill = true;
                i += 2;
            } else if starts_ci(&s, i, "TM") || starts_ci(&s, i, "FX") {
                i += 2;
            } else {
                break;
            }
        }
        if i >= s.len() {
            break;
        }
        if let Some(kw) = KEYWORDS.iter().find(|kw| starts_ci(&s, i, kw)) {
            let spelled: String = s[i..i + kw.len()].iter().collect();
            i += kw.len();
            let th = if starts_ci(&s, i, "TH") {
                let upper = s[i] == 'T';
                i += 2;
                Some(upper)
            } else {
                None
            };
            out.push(Node::Field {
                key: kw,
                spelled,
                fill,
                th,
            });
            continue;
        }
        match s[i] {
            '"' => {
                let mut lit = String::new();
                i += 1;
                while i < s.len() && s[i] != '"' {
                    if s[i] == '\\' && i + 1 < s.len() {
                        i += 1;
                    }
                    lit.push(s[i]);
                    i += 1;
                }
                i += 1;
                out.push(Node::Lit(lit));
            }
            '\\' if i + 1 < s.len() => {
                out.push(Node::Lit(s[i + 1].to_string()));
                i += 2;
            }
            c => {
                out.push(Node::Lit(c.to_string()));
                i += 1;
            }
        }
    }
    out
}

/// Applies the capitalization of the spelling (`MONTH`, `Month`, `month`) to a name.
fn cased(name: &str, spelled: &str) -> String {
    let mut ch = spelled.chars();
    let first_upper = ch.next().is_some_and(|c| c.is_ascii_uppercase());
    let second_upper = ch.next().is_some_and(|c| c.is_ascii_uppercase());
    if first_upper && second_upper {
        name.to_uppercase()
    } else if first_upper {
        name.to_string()
    } else {
        name.to_lowercase()
    }
}

fn ordinal(n: i64, upper: bool) -> &'static str {
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
    match (s, upper) {
        ("st", true) => "ST",
        ("nd", true) => "ND",
        ("rd", true) => "RD",
        ("th", true) => "TH",
        (s, _) => s,
    }
}

/// The broken-down values `to_char` reads.
struct Parts {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    micros: i64,
    days: i64,
    offset: Option<i32>,
    zone_abbrev: Option<String>,
    interval: bool,
}

fn iso_year_week(days: i64) -> (i64, i64) {
    let isodow = i64::from((day_of_week(days) + 6) % 7 + 1);
    let thursday = days + (4 - isodow);
    let (ty, _, _) = civil_from_days(thursday);
    let doy = thursday - days_from_civil(ty, 1, 1) + 1;
    (ty, (doy - 1) / 7 + 1)
}

/// C's `%0*d`: the width includes a minus sign.
fn pad(v: i64, width: usize, fill: bool) -> String {
    if fill {
        v.to_string()
    } else if v < 0 {
        format!(
            "-{:0width$}",
            v.unsigned_abs(),
            width = width.saturating_sub(1)
        )
    } else {
        format!("{v:0width$}")
    }
}

fn render(nodes: &[Node], p: &Parts) -> String {
    let mut out = String::new();
    let bc = p.year <= 0 && !p.interval;
    let disp_year = if bc { 1 - p.year } else { p.year };
    let doy = p.days - days_from_civil(p.year, 1, 1) + 1;
    for n in nodes {
        let (key, spelled, fill, th) = match n {
            Node::Lit(s) => {
                out.push_str(s);
                continue;
            }
            Node::Field {
                key,
                spelled,
                fill,
                th,
            } => (*key, spelled.as_str(), *fill, *th),
        };
        let hour12 = {
            let h = p.hour % 12;
            if h == 0 { 12 } else { h }
        };
        let num: Option<(i64, usize)> = match key {
            // Negative interval fields get one more column for the sign, as PostgreSQL.
            "HH" | "HH12" => Some((hour12, 2)),
            "HH24" => Some((p.hour, if p.hour < 0 { 3 } else { 2 })),
            "MI" => Some((p.minute, if p.minute < 0 { 3 } else { 2 })),
            "SS" => Some((p.second, if p.second < 0 { 3 } else { 2 })),
            "MS" => Some((p.micros / 1000, 3)),
            "US" => Some((p.micros, 6)),
            "FF1" | "FF2" | "FF3" | "FF4" | "FF5" | "FF6" => {
                let digits = usize::from(key.as_bytes()[2] - b'0');
                let v = p.micros / 10i64.pow(6 - digits as u32);
                Some((v, digits))
            }
            "SSSS" | "SSSSS" => Some((p.hour * 3600 + p.minute * 60 + p.second, 0)),
            "YYYY" => Some((disp_year, 4)),
            "YYY" => Some((disp_year % 1000, 3)),
            "YY" => Some((disp_year % 100, 2)),
            "Y" => Some((disp_year % 10, 1)),
            "IYYY" => Some((iso_year_week(p.days).0, 4)),
            "IYY" => Some((iso_year_week(p.days).0 % 1000, 3)),
            "IY" => Some((iso_year_week(p.days).0 % 100, 2)),
            "I" => Some((iso_year_week(p.days).0 % 10, 1)),
            "MM" => Some((p.month, 2)),
            "DD" => Some((p.day, 2)),
            "DDD" => Some((doy, 3)),
            "IDDD" => {
                let (iy, _) = iso_year_week(p.days);
                let jan4 = days_from_civil(iy, 1, 4);
                let start = jan4 - i64::from((day_of_week(jan4) + 6) % 7);
                Some((p.days - start + 1, 3))
            }
            "D" => Some((i64::from(day_of_week(p.days)) + 1, 1)),
            "ID" => Some((i64::from((day_of_week(p.days) + 6) % 7 + 1), 1)),
            "W" => Some(((p.day - 1) / 7 + 1, 1)),
            "WW" => Some(((doy - 1) / 7 + 1, 2)),
            "IW" => Some((iso_year_week(p.days).1, 2)),
            "CC" => {
                let y = p.year;
                let c = if y > 0 {
                    (y + 99) / 100
                } else {
                    -((99 - (y - 1)) / 100)
                };
                Some((c, if c < 0 { 3 } else { 2 }))
            }
            "J" => Some((p.days + POSTGRES_EPOCH_JDATE, 0)),
            "Q" => Some(((p.month - 1) / 3 + 1, 1)),
            _ => None,
        };
        if let Some((v, width)) = num {
            out.push_str(&pad(v, width, fill));
            if let Some(upper) = th {
                out.push_str(ordinal(v, upper));
            }
            continue;
        }
        let is_lower = spelled
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase());
        let text = match key {
            "Y,YYY" => format!("{},{:03}", disp_year / 1000, disp_year % 1000),
            "AM" | "PM" => (if p.hour >= 12 { "PM" } else { "AM" }).to_string(),
            "A.M." | "P.M." => (if p.hour >= 12 { "P.M." } else { "A.M." }).to_string(),
            "BC" | "AD" => (if bc { "BC" } else { "AD" }).to_string(),
            "B.C." | "A.D." => (if bc { "B.C." } else { "A.D." }).to_string(),
            "MONTH" | "MON" => {
                let name = MONTHS[(p.month.rem_euclid(12) as usize + 11) % 12];
                let name = if key == "MON" { &name[..3] } else { name };
                let c = cased(name, spelled);
                if key == "MONTH" && !fill {
                    format!("{c:<9}")
                } else {
                    c
                }
            }
            "DAY" | "DY" => {
                let name = DAYS[day_of_week(p.days) as usize];
                let name = if key == "DY" { &name[..3] } else { name };
                let c = cased(name, spelled);
                if key == "DAY" && !fill {
                    format!("{c:<9}")
                } else {
                    c
                }
            }
            "RM" => {
                let r = ROMAN[(p.month.rem_euclid(12) as usize + 11) % 12];
                let r = if is_lower {
                    r.to_lowercase()
                } else {
                    r.to_string()
                };
                if fill { r } else { format!("{r:<4}") }
            }
            "TZ" => p.zone_abbrev.clone().unwrap_or_default(),
            "TZH" => p.offset.map_or(String::new(), |o| {
                format!(
                    "{}{:02}",
                    if o < 0 { '-' } else { '+' },
                    o.unsigned_abs() / 3600
                )
            }),
            "TZM" => p.offset.map_or(String::new(), |o| {
                format!("{:02}", (o.unsigned_abs() / 60) % 60)
            }),
            "OF" => p.offset.map_or(String::new(), format_offset_short),
            _ => String::new(),
        };
        let text = if is_lower
            && matches!(
                key,
                "AM" | "PM" | "A.M." | "P.M." | "BC" | "AD" | "B.C." | "A.D." | "TZ"
            ) {
            text.to_lowercase()
        } else {
            text
        };
        out.push_str(&text);
    }
    out
}

fn parts_of(value: &Value, ctx: &FormatContext) -> Option<Parts> {
    let from_local = |local: i64, offset: Option<i32>, abbrev: Option<String>| {
        let tm = Tm::from_timestamp(local);
        Parts {
            year: tm.year,
            month: i64::from(tm.month),
            day: i64::from(tm.day),
            hour: i64::from(tm.hour),
            minute: i64::from(tm.minute),
            second: i64::from(tm.second),
            micros: i64::from(tm.micros),
            days: local.div_euclid(USECS_PER_DAY),
            offset,
            zone_abbrev: abbrev,
            interval: false,
        }
    };
    match value {
        Value::Timestamp(t) if super::is_finite_timestamp(*t) => Some(from_local(*t, None, None)),
        Value::Date(d) if super::is_finite_date(*d) => {
            // Dates reach past the timestamp range, so build the parts from the day count.
            let days = i64::from(*d);
            let (year, month, day) = civil_from_days(days);
            Some(Parts {
                year,
                month: i64::from(month),
                day: i64::from(day),
                hour: 0,
                minute: 0,
                second: 0,
                micros: 0,
                days,
                offset: None,
                zone_abbrev: None,
                interval: false,
            })
        }
        Value::Timestamptz(t) if super::is_finite_timestamp(*t) => {
            let off = ctx.time_zone.offset_at_utc(*t);
            let abbrev = ctx.time_zone.abbreviation_at_utc(*t);
            Some(from_local(
                t + i64::from(off) * USECS_PER_SEC,
                Some(off),
                Some(abbrev),
            ))
        }
        Value::Interval(iv) => Some(interval_parts(iv)),
        _ => None,
    }
}

fn interval_parts(iv: &Interval) -> Parts {
    let t = iv.micros;
    Parts {
        year: i64::from(iv.months / 12),
        month: i64::from(iv.months % 12),
        day: i64::from(iv.days),
        hour: t / USECS_PER_HOUR,
        minute: (t / USECS_PER_MINUTE) % 60,
        second: (t / USECS_PER_SEC) % 60,
        micros: t % USECS_PER_SEC,
        days: i64::from(iv.days),
        offset: None,
        zone_abbrev: None,
        interval: true,
    }
}

/// `to_char(timestamp | timestamptz | date | interval, format)`; `None` (SQL NULL) for
/// infinite values.
pub fn to_char_datetime(value: &Value, fmt: &str, ctx: &FormatContext) -> Option<String> {
    let parts = parts_of(value, ctx)?;
    Some(render(&parse_format(fmt), &parts))
}

fn bad_value(value: &str, key: &str) -> SqlError {
    SqlError::new(
        SqlState::INVALID_DATETIME_FORMAT,
        format!("invalid value \"{value}\" for \"{key}\""),
    )
    .with_detail("Value must be an integer.")
}

/// Fields gathered by `to_timestamp`/`to_date`.
#[derive(Default)]
struct Scan {
    year: Option<i64>,
    bc: bool,
    month: Option<u32>,
    day: Option<u32>,
    doy: Option<i64>,
    julian: Option<i64>,
    hour: u32,
    hour12: bool,
    pm: Option<bool>,
    minute: u32,
    second: u32,
    micros: u32,
    tzh: Option<i32>,
    tzm: i32,
}

fn is_numeric_key(key: &str) -> bool {
    !matches!(
        key,
        "MONTH"
            | "MON"
            | "DAY"
            | "DY"
            | "AM"
            | "PM"
            | "A.M."
            | "P.M."
            | "BC"
            | "AD"
            | "B.C."
            | "A.D."
            | "TZ"
            | "RM"
            | "OF"
    )
}

fn field_width(key: &str) -> usize {
    match key {
        "YYYY" | "IYYY" => 4,
        "YYY" | "IYY" | "DDD" | "MS" | "IDDD" => 3,
        "US" => 6,
        "Y" | "I" | "D" | "ID" | "Q" | "W" => 1,
        "J" | "SSSS" | "SSSSS" => 10,
        k if k.starts_with("FF") => usize::from(k.as_bytes()[2] - b'0'),
        _ => 2,
    }
}

fn scan(input: &str, fmt: &str) -> SqlResult<Scan> {
    let nodes = parse_format(fmt);
    let s: Vec<char> = input.chars().collect();
    let mut i = 0usize;
    let mut sc = Scan::default();
    for (ni, node) in nodes.iter().enumerate() {
        match node {
            Node::Lit(lit) => {
                // Separators and literal text each consume one input character if it is not
                // alphanumeric (PostgreSQL's lenient, non-FX matching).
                for c in lit.chars() {
                    if c.is_whitespace() {
                        while i < s.len() && s[i].is_whitespace() {
                            i += 1;
                        }
                    } else if i < s.len() && (!s[i].is_alphanumeric() || s[i] == c) {
                        i += 1;
                    }
                }
            }
            Node::Field { key, .. } => {
                while i < s.len() && s[i].is_whitespace() {
                    i += 1;
                }
                if is_numeric_key(key) {
                    let next_is_digit_field = matches!(
                        nodes.get(ni + 1),
                        Some(Node::Field { key: k, .. }) if is_numeric_key(k)
                    );
                    let start = i;
                    if i < s.len() && (s[i] == '-' || s[i] == '+') && key.starts_with('Y') {
                        i += 1;
                    }
                    let limit = if next_is_digit_field {
                        field_width(key)
                    } else {
                        usize::MAX
                    };
                    let mut n = 0;
                    while i < s.len()
                        && (s[i].is_ascii_digit() || (*key == "Y,YYY" && s[i] == ','))
                        && n < limit
                    {
                        i += 1;
                        n += 1;
                    }
                    let text: String = s[start..i].iter().filter(|c| **c != ',').collect();
                    let shown: String = s[start..s.len().min(start + field_width(key).max(1))]
                        .iter()
                        .collect();
                    let v: i64 = text.parse().map_err(|_| bad_value(&shown, key))?;
                    let u = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
                    match *key {
                        "YYYY" | "IYYY" | "Y,YYY" => sc.year = Some(v),
                        "YYY" | "IYY" => sc.year = Some(if v < 100 { v + 2000 } else { v + 1000 }),
                        "YY" | "IY" => sc.year = Some(if v < 70 { v + 2000 } else { v + 1900 }),
                        "Y" | "I" => sc.year = Some(v + 2020),
                        "MM" => sc.month = Some(u(v)),
                        "DD" => sc.day = Some(u(v)),
                        "DDD" | "IDDD" => sc.doy = Some(v),
                        "J" => sc.julian = Some(v),
                        "HH" | "HH12" => {
                            sc.hour = u(v);
                            sc.hour12 = true;
                        }
                        "HH24" => sc.hour = u(v),
                        "MI" => sc.minute = u(v),
                        "SS" => sc.second = u(v),
                        "MS" => sc.micros = u(v * 1000),
                        "US" => sc.micros = u(v),
                        k if k.starts_with("FF") => {
                            let d = u32::from(k.as_bytes()[2] - b'0');
                            sc.micros = u(v * 10i64.pow(6 - d.min(6)));
                        }
                        "SSSS" | "SSSSS" => {
                            sc.hour = u(v / 3600);
                            sc.minute = u((v / 60) % 60);
                            sc.second = u(v % 60);
                        }
                        "TZH" => sc.tzh = Some(v as i32),
                        "TZM" => sc.tzm = v as i32,
                        _ => {}
                    }
                } else {
                    let rest: String = s[i..].iter().collect::<String>().to_lowercase();
                    match *key {
                        "MONTH" | "MON" => {
                            let found = MONTHS.iter().enumerate().find_map(|(mi, m)| {
                                let full = m.to_lowercase();
                                if *key == "MONTH" && rest.starts_with(&full) {
                                    Some((mi, full.len()))
                                } else if rest.starts_with(&full[..3]) {
                                    Some((mi, 3))
                                } else {
                                    None
                                }
                            });
                            let (mi, len) = found.ok_or_else(|| {
                                SqlError::new(
                                    SqlState::INVALID_DATETIME_FORMAT,
                                    format!("invalid value \"{}\" for \"{key}\"", rest.chars().take(3).collect::<String>()),
                                )
                                .with_detail("The given value did not match any of the allowed values for this field.")
                            })?;
                            sc.month = Some(mi as u32 + 1);
                            i += len;
                        }
                        "DAY" | "DY" => {
                            let len = DAYS
                                .iter()
                                .find_map(|d| {
                                    let full = d.to_lowercase();
                                    if *key == "DAY" && rest.starts_with(&full) {
                                        Some(full.len())
                                    } else if rest.starts_with(&full[..3]) {
                                        Some(3)
                                    } else {
                                        None
                                    }
                                })
                                .unwrap_or(0);
                            i += len;
                        }
                        "AM" | "PM" | "A.M." | "P.M." => {
                            let len = key.len();
                            if rest.starts_with("pm") || rest.starts_with("p.m.") {
                                sc.pm = Some(true);
                            } else if rest.starts_with("am") || rest.starts_with("a.m.") {
                                sc.pm = Some(false);
                            }
                            i += len.min(s.len() - i);
                        }
                        "BC" | "AD" | "B.C." | "A.D." => {
                            sc.bc = rest.starts_with("bc") || rest.starts_with("b.c.");
                            i += key.len().min(s.len() - i);
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    Ok(sc)
}

fn resolve_scan(sc: &Scan, input: &str) -> SqlResult<i64> {
    let range = || {
        SqlError::new(
            SqlState::DATETIME_FIELD_OVERFLOW,
            format!("date/time field value out of range: \"{input}\""),
        )
    };
    let days = if let Some(j) = sc.julian {
        j - POSTGRES_EPOCH_JDATE
    } else {
        let mut year = sc.year.unwrap_or(1);
        if sc.bc {
            year = 1 - year;
        }
        if let (Some(doy), None) = (sc.doy, sc.month) {
            days_from_civil(year, 1, 1) + doy - 1
        } else {
            let m = sc.month.unwrap_or(1);
            let d = sc.day.unwrap_or(1);
            if !(1..=12).contains(&m) || d < 1 || d > days_in_month(year, m) {
                return Err(range());
            }
            days_from_civil(year, m, d)
        }
    };
    let mut hour = sc.hour;
    if sc.hour12 || sc.pm.is_some() {
        if !(1..=12).contains(&hour) {
            return Err(SqlError::new(
                SqlState::DATETIME_FIELD_OVERFLOW,
                format!("hour \"{hour}\" is invalid for the 12-hour clock"),
            )
            .with_hint("Use the 24-hour clock, or give an hour between 1 and 12."));
        }
        if hour == 12 {
            hour = 0;
        }
        if sc.pm == Some(true) {
            hour += 12;
        }
    }
    if hour > 24 || sc.minute > 59 || sc.second > 60 {
        return Err(range());
    }
    let tod = i64::from(hour) * USECS_PER_HOUR
        + i64::from(sc.minute) * USECS_PER_MINUTE
        + i64::from(sc.second) * USECS_PER_SEC
        + i64::from(sc.micros);
    days.checked_mul(USECS_PER_DAY)
        .and_then(|v| v.checked_add(tod))
        .filter(|v| super::valid_timestamp(*v))
        .ok_or_else(super::timestamp_out_of_range)
}

/// `to_timestamp(text, format)`: a timestamptz; fields without TZH/TZM are local time in the
/// session zone.
pub fn to_timestamp_text(input: &str, fmt: &str, ctx: &FormatContext) -> SqlResult<i64> {
    let sc = scan(input, fmt)?;
    let local = resolve_scan(&sc, input)?;
    match sc.tzh {
        Some(h) => {
            let off = h * 3600 + if h < 0 { -sc.tzm * 60 } else { sc.tzm * 60 };
            Ok(local - i64::from(off) * USECS_PER_SEC)
        }
        None => super::local_to_utc(local, &ctx.time_zone),
    }
}

/// `to_date(text, format)`.
pub fn to_date_text(input: &str, fmt: &str) -> SqlResult<i32> {
    let sc = scan(input, fmt)?;
    let local = resolve_scan(&sc, input)?;
    i32::try_from(local.div_euclid(USECS_PER_DAY)).map_err(|_| super::date_out_of_range())
}

#[cfg(test)]
#[path = "to_char_tests.rs"]
mod tests;
