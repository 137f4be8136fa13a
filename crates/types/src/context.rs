//! The session settings that change how values are read and printed: the time zone, float
//! precision, DateStyle field order, bytea output, and the statement's current time (for
//! `'now'`, `'today'`, ...).

use crate::datetime::TimeZone;

/// DateStyle's field order for ambiguous numeric dates such as `1/2/2024`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DateOrder {
    #[default]
    Mdy,
    Dmy,
    Ymd,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatContext {
    /// The session `TimeZone`: prints timestamptz and reads timestamps written without offset.
    pub time_zone: TimeZone,
    /// `extra_float_digits`: > 0 selects shortest round-trip float output (PostgreSQL 12+).
    pub extra_float_digits: i32,
    /// The transaction's current time, µs since 2000-01-01 UTC, for `'now'` and friends.
    pub now_micros: i64,
    /// DateStyle's order for reading dates (output is always ISO).
    pub date_order: DateOrder,
    /// `bytea_output = escape` instead of the default `hex`.
    pub bytea_escape_output: bool,
}

impl Default for FormatContext {
    fn default() -> Self {
        FormatContext {
            time_zone: TimeZone::utc(),
            extra_float_digits: 1,
            now_micros: 0,
            date_order: DateOrder::Mdy,
            bytea_escape_output: false,
        }
    }
}

impl FormatContext {
    /// The current wall-clock time as µs since 2000-01-01 UTC, for callers that set
    /// `now_micros` at statement or transaction start.
    pub fn system_now_micros() -> i64 {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as i64)
            .unwrap_or(0);
        now + crate::datetime::UNIX_EPOCH_USECS
    }

    /// Parses a DateStyle setting such as `ISO, MDY`; returns the field order it selects, if
    /// it names one.
    pub fn date_order_from_datestyle(setting: &str) -> Option<DateOrder> {
        let mut order = None;
        for part in setting.split([',', ' ']) {
            match part.trim().to_ascii_lowercase().as_str() {
                "mdy" | "us" | "noneuropean" | "non-european" => order = Some(DateOrder::Mdy),
                "dmy" | "euro" | "european" => order = Some(DateOrder::Dmy),
                "ymd" => order = Some(DateOrder::Ymd),
                _ => {}
            }
        }
        order
    }
}
