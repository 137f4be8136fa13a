//! Text output of date, time, timestamp and timestamptz with DateStyle `ISO`, as PostgreSQL's
//! `EncodeDateOnly`/`EncodeTimeOnly`/`EncodeDateTime` write them.

use super::interval::write_fraction;
use super::zone::write_offset;
use super::{
    DATE_NEG_INFINITY, DATE_POS_INFINITY, TS_NEG_INFINITY, TS_POS_INFINITY, TimeZone, Tm,
    USECS_PER_SEC, civil_from_days, split_time,
};

fn push_year(out: &mut String, year: i64) {
    // Years <= 0 print as BC: year 0 is 1 BC.
    let y = if year <= 0 { 1 - year } else { year };
    if (1000..10_000).contains(&y) {
        push2(out, (y / 100) as u32);
        push2(out, (y % 100) as u32);
    } else {
        use std::fmt::Write;
        let _ = write!(out, "{y:04}");
    }
}

/// Two zero-padded digits without allocating (values >= 100 print in full).
fn push2(out: &mut String, v: u32) {
    if v < 100 {
        out.push((b'0' + (v / 10) as u8) as char);
        out.push((b'0' + (v % 10) as u8) as char);
    } else {
        use std::fmt::Write;
        let _ = write!(out, "{v}");
    }
}

pub fn write_date(days: i32, out: &mut String) {
    match days {
        DATE_NEG_INFINITY => out.push_str("-infinity"),
        DATE_POS_INFINITY => out.push_str("infinity"),
        _ => {
            let (y, m, d) = civil_from_days(i64::from(days));
            push_year(out, y);
            out.push('-');
            push2(out, m);
            out.push('-');
            push2(out, d);
            if y <= 0 {
                out.push_str(" BC");
            }
        }
    }
}

/// `HH:MM:SS[.ffffff]` of microseconds since midnight.
pub fn write_time(micros: i64, out: &mut String) {
    let (h, m, s, f) = split_time(micros.clamp(0, 24 * 3600 * USECS_PER_SEC));
    push2(out, h);
    out.push(':');
    push2(out, m);
    out.push(':');
    push2(out, s);
    write_fraction(f, out);
}

fn write_tm(tm: &Tm, offset: Option<i32>, out: &mut String) {
    push_year(out, tm.year);
    out.push('-');
    push2(out, tm.month);
    out.push('-');
    push2(out, tm.day);
    out.push(' ');
    push2(out, tm.hour);
    out.push(':');
    push2(out, tm.minute);
    out.push(':');
    push2(out, tm.second);
    write_fraction(tm.micros, out);
    if let Some(off) = offset {
        write_offset(off, out);
    }
    if tm.year <= 0 {
        out.push_str(" BC");
    }
}

pub fn write_timestamp(us: i64, out: &mut String) {
    match us {
        TS_NEG_INFINITY => out.push_str("-infinity"),
        TS_POS_INFINITY => out.push_str("infinity"),
        _ => write_tm(&Tm::from_timestamp(us), None, out),
    }
}

pub fn write_timestamptz(us: i64, tz: &TimeZone, out: &mut String) {
    match us {
        TS_NEG_INFINITY => out.push_str("-infinity"),
        TS_POS_INFINITY => out.push_str("infinity"),
        _ => {
            let off = tz.offset_at_utc(us);
            let local = us.saturating_add(i64::from(off) * USECS_PER_SEC);
            write_tm(&Tm::from_timestamp(local), Some(off), out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datetime::days_from_civil;

    #[test]
    fn iso_output() {
        let mut s = String::new();
        write_date(0, &mut s);
        assert_eq!(s, "2000-01-01");
        s.clear();
        write_date(days_from_civil(-43, 3, 15) as i32, &mut s);
        assert_eq!(s, "0044-03-15 BC");
        s.clear();
        write_timestamp(1_500_000, &mut s);
        assert_eq!(s, "2000-01-01 00:00:01.5");
        s.clear();
        write_timestamptz(0, &TimeZone::fixed(19800), &mut s);
        assert_eq!(s, "2000-01-01 05:30:00+05:30");
        s.clear();
        write_time(3_723_000_001, &mut s);
        assert_eq!(s, "01:02:03.000001");
    }
}
