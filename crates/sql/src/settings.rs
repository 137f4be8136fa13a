//! Session settings (PostgreSQL's GUC variables) that clients set, show and depend on: their
//! canonical names, defaults, validation, and which ones are reported to the client in
//! ParameterStatus when they change.

use std::collections::BTreeMap;

use embeddb_types::{DateOrder, FormatContext, SqlError, SqlResult, SqlState, TimeZone};

/// How a setting's value is checked and normalised.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Free text.
    Text,
    Bool,
    Integer {
        min: i64,
        max: i64,
    },
    /// A duration in milliseconds (accepts units: ms, s, min, h, d).
    DurationMs,
    /// A size in kilobytes (accepts units: kB, MB, GB).
    MemoryKb,
    /// One of a fixed set of (lower-case) words.
    Enum(&'static [&'static str]),
    TimeZone,
    DateStyle,
    ClientEncoding,
    IsolationLevel,
    /// Shown but not changeable.
    ReadOnly,
}

struct Spec {
    /// Canonical spelling (SHOW's column name, ParameterStatus name).
    name: &'static str,
    default: &'static str,
    kind: Kind,
    /// Sent to the client in ParameterStatus when it changes (GUC_REPORT).
    reported: bool,
    description: &'static str,
}

const ISOLATION_LEVELS: &[&str] = &[
    "read uncommitted",
    "read committed",
    "repeatable read",
    "serializable",
];

const SPECS: &[Spec] = &[
    Spec {
        name: "application_name",
        default: "",
        kind: Kind::Text,
        reported: true,
        description: "Sets the application name to be reported in statistics and logs.",
    },
    Spec {
        name: "bytea_output",
        default: "hex",
        kind: Kind::Enum(&["hex", "escape"]),
        reported: false,
        description: "Sets the output format for bytea.",
    },
    Spec {
        name: "client_encoding",
        default: "UTF8",
        kind: Kind::ClientEncoding,
        reported: true,
        description: "Sets the client's character set encoding.",
    },
    Spec {
        name: "client_min_messages",
        default: "notice",
        kind: Kind::Enum(&[
            "debug5", "debug4", "debug3", "debug2", "debug1", "log", "notice", "warning", "error",
        ]),
        reported: false,
        description: "Sets the message levels that are sent to the client.",
    },
    Spec {
        name: "DateStyle",
        default: "ISO, MDY",
        kind: Kind::DateStyle,
        reported: true,
        description: "Sets the display format for date and time values.",
    },
    Spec {
        name: "default_transaction_isolation",
        default: "read committed",
        kind: Kind::IsolationLevel,
        reported: false,
        description: "Sets the transaction isolation level of each new transaction.",
    },
    Spec {
        name: "default_transaction_read_only",
        default: "off",
        kind: Kind::Bool,
        reported: true,
        description: "Sets the default read-only status of new transactions.",
    },
    Spec {
        name: "extra_float_digits",
        default: "1",
        kind: Kind::Integer { min: -15, max: 3 },
        reported: false,
        description: "Sets the number of digits displayed for floating-point values.",
    },
    Spec {
        name: "idle_in_transaction_session_timeout",
        default: "0",
        kind: Kind::DurationMs,
        reported: false,
        description: "Sets the maximum allowed idle time between queries, when in a transaction.",
    },
    Spec {
        name: "in_hot_standby",
        default: "off",
        kind: Kind::ReadOnly,
        reported: true,
        description: "Shows whether hot standby is currently active.",
    },
    Spec {
        name: "integer_datetimes",
        default: "on",
        kind: Kind::ReadOnly,
        reported: true,
        description: "Shows whether datetimes are integer based.",
    },
    Spec {
        name: "IntervalStyle",
        default: "postgres",
        kind: Kind::Enum(&["postgres"]),
        reported: true,
        description: "Sets the display format for interval values.",
    },
    Spec {
        name: "is_superuser",
        default: "on",
        kind: Kind::ReadOnly,
        reported: true,
        description: "Shows whether the current user is a superuser.",
    },
    Spec {
        name: "lc_messages",
        default: "C.UTF-8",
        kind: Kind::Text,
        reported: false,
        description: "Sets the language in which messages are displayed.",
    },
    Spec {
        name: "lc_monetary",
        default: "C.UTF-8",
        kind: Kind::Text,
        reported: false,
        description: "Sets the locale for formatting monetary amounts.",
    },
    Spec {
        name: "lc_numeric",
        default: "C.UTF-8",
        kind: Kind::Text,
        reported: false,
        description: "Sets the locale for formatting numbers.",
    },
    Spec {
        name: "lc_time",
        default: "C.UTF-8",
        kind: Kind::Text,
        reported: false,
        description: "Sets the locale for formatting date and time values.",
    },
    Spec {
        name: "lock_timeout",
        default: "0",
        kind: Kind::DurationMs,
        reported: false,
        description: "Sets the maximum allowed duration of any wait for a lock.",
    },
    Spec {
        name: "max_connections",
        default: "256",
        kind: Kind::ReadOnly,
        reported: false,
        description: "Sets the maximum number of concurrent connections.",
    },
    Spec {
        name: "max_identifier_length",
        default: "63",
        kind: Kind::ReadOnly,
        reported: false,
        description: "Shows the maximum identifier length.",
    },
    Spec {
        name: "row_security",
        default: "on",
        kind: Kind::Bool,
        reported: false,
        description: "Enable row security.",
    },
    Spec {
        name: "search_path",
        default: "\"$user\", public",
        kind: Kind::Text,
        reported: false,
        description: "Sets the schema search order for names that are not schema-qualified.",
    },
    Spec {
        name: "server_encoding",
        default: "UTF8",
        kind: Kind::ReadOnly,
        reported: true,
        description: "Shows the server (database) character set encoding.",
    },
    Spec {
        name: "server_version",
        default: "16.6",
        kind: Kind::ReadOnly,
        reported: true,
        description: "Shows the server version.",
    },
    Spec {
        name: "server_version_num",
        default: "160006",
        kind: Kind::ReadOnly,
        reported: false,
        description: "Shows the server version as an integer.",
    },
    Spec {
        name: "session_authorization",
        default: "",
        kind: Kind::ReadOnly,
        reported: true,
        description: "Sets the session user name.",
    },
    Spec {
        name: "standard_conforming_strings",
        default: "on",
        kind: Kind::Enum(&["on"]),
        reported: true,
        description: "Causes '...' strings to treat backslashes literally.",
    },
    Spec {
        name: "statement_timeout",
        default: "0",
        kind: Kind::DurationMs,
        reported: false,
        description: "Sets the maximum allowed duration of any statement.",
    },
    Spec {
        name: "synchronous_commit",
        default: "on",
        kind: Kind::Enum(&["on", "off", "local", "remote_write", "remote_apply"]),
        reported: false,
        description: "Sets the current transaction's synchronization level.",
    },
    Spec {
        name: "TimeZone",
        default: "UTC",
        kind: Kind::TimeZone,
        reported: true,
        description: "Sets the time zone for displaying and interpreting time stamps.",
    },
    Spec {
        name: "timezone_abbreviations",
        default: "Default",
        kind: Kind::Text,
        reported: false,
        description: "Selects a file of time zone abbreviations.",
    },
    Spec {
        name: "transaction_isolation",
        default: "read committed",
        kind: Kind::IsolationLevel,
        reported: false,
        description: "Sets the current transaction's isolation level.",
    },
    Spec {
        name: "transaction_read_only",
        default: "off",
        kind: Kind::Bool,
        reported: false,
        description: "Sets the current transaction's read-only status.",
    },
    Spec {
        name: "work_mem",
        default: "65536",
        kind: Kind::MemoryKb,
        reported: false,
        description: "Sets the maximum memory to be used for query workspaces.",
    },
    Spec {
        name: "xmloption",
        default: "content",
        kind: Kind::Enum(&["content", "document"]),
        reported: false,
        description: "Sets whether XML data in implicit parsing and serialization operations is to be considered as documents or content fragments.",
    },
];

/// Lower-cased names (and PostgreSQL's aliases) to their specs, built once.
fn spec_index() -> &'static std::collections::HashMap<String, &'static Spec> {
    static INDEX: std::sync::OnceLock<std::collections::HashMap<String, &'static Spec>> =
        std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index: std::collections::HashMap<String, &'static Spec> = SPECS
            .iter()
            .map(|s| (s.name.to_ascii_lowercase(), s))
            .collect();
        for (alias, target) in [
            ("names", "client_encoding"),
            (
                "session characteristics as transaction isolation level",
                "default_transaction_isolation",
            ),
        ] {
            if let Some(spec) = index.get(target).copied() {
                index.insert(alias.to_string(), spec);
            }
        }
        index
    })
}

fn spec(name: &str) -> Option<&'static Spec> {
    let index = spec_index();
    match index.get(name) {
        Some(s) => Some(s),
        None => index.get(&name.to_ascii_lowercase()).copied(),
    }
}

/// A session's settings.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Canonical name → value, for every known setting plus custom (dotted) ones.
    values: BTreeMap<String, String>,
    /// Reported settings that changed since the client was last told.
    changed: Vec<String>,
    time_zone: TimeZone,
    /// Bumped on every change, so cached plans bound under other settings are not reused.
    generation: u64,
    derived: Derived,
}

impl Default for Settings {
    fn default() -> Self {
        let values = SPECS
            .iter()
            .map(|s| (s.name.to_string(), s.default.to_string()))
            .collect();
        let mut settings = Settings {
            values,
            changed: Vec::new(),
            time_zone: TimeZone::utc(),
            generation: 0,
            derived: Derived::default(),
        };
        settings.refresh_derived();
        settings
    }
}

fn invalid_value(name: &str, value: &str) -> SqlError {
    SqlError::new(
        SqlState::INVALID_PARAMETER_VALUE,
        format!("invalid value for parameter \"{name}\": \"{value}\""),
    )
}

/// Parses `500`, `500ms`, `5s`, `1min`, `2h`, `1d` into milliseconds.
fn parse_duration_ms(value: &str) -> Option<i64> {
    let v = value.trim();
    let split = v
        .find(|c: char| !(c.is_ascii_digit() || c == '-' || c == '.'))
        .unwrap_or(v.len());
    let (number, unit) = v.split_at(split);
    let n: f64 = number.trim().parse().ok()?;
    let factor = match unit.trim() {
        "" | "ms" => 1.0,
        "s" => 1000.0,
        "min" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        "us" => 0.001,
        _ => return None,
    };
    Some((n * factor).round() as i64)
}

/// Parses `4096`, `64kB`, `4MB`, `1GB` into kilobytes.
fn parse_memory_kb(value: &str) -> Option<i64> {
    let v = value.trim();
    let split = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let (number, unit) = v.split_at(split);
    let n: i64 = number.parse().ok()?;
    let factor = match unit.trim() {
        "" | "kB" => 1,
        "B" => return Some(n / 1024),
        "MB" => 1024,
        "GB" => 1024 * 1024,
        "TB" => 1024 * 1024 * 1024,
        _ => return None,
    };
    n.checked_mul(factor)
}

fn normalize_bool(value: &str) -> Option<&'static str> {
    match value.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "yes" | "1" | "t" | "y" => Some("on"),
        "off" | "false" | "no" | "0" | "f" | "n" => Some("off"),
        _ => None,
    }
}

impl Settings {
    /// Sets a value from a client (SET, startup parameters). `value` is the text form.
    pub fn set(&mut self, name: &str, value: &str) -> SqlResult<()> {
        let Some(spec) = spec(name) else {
            if name.contains('.') {
                // Custom settings (`myapp.tenant`) are free-form placeholders, as in PostgreSQL.
                self.values
                    .insert(name.to_ascii_lowercase(), value.to_string());
                return Ok(());
            }
            return Err(SqlError::new(
                SqlState::UNDEFINED_OBJECT,
                format!(
                    "unrecognized configuration parameter \"{}\"",
                    name.to_ascii_lowercase()
                ),
            ));
        };
        let normalized = match spec.kind {
            Kind::Text => value.to_string(),
            Kind::ReadOnly => {
                return Err(SqlError::new(
                    SqlState::from_code("55P02"),
                    format!(
                        "parameter \"{}\" cannot be changed",
                        spec.name.to_ascii_lowercase()
                    ),
                ));
            }
            Kind::Bool => normalize_bool(value)
                .ok_or_else(|| {
                    SqlError::new(
                        SqlState::INVALID_PARAMETER_VALUE,
                        format!("parameter \"{}\" requires a Boolean value", spec.name),
                    )
                })?
                .to_string(),
            Kind::Integer { min, max } => {
                let n: i64 = value.trim().parse().map_err(|_| {
                    SqlError::new(
                        SqlState::INVALID_PARAMETER_VALUE,
                        format!("invalid value for parameter \"{}\": \"{value}\"", spec.name),
                    )
                })?;
                if n < min || n > max {
                    return Err(SqlError::new(
                        SqlState::INVALID_PARAMETER_VALUE,
                        format!(
                            "{n} is outside the valid range for parameter \"{}\" ({min} .. {max})",
                            spec.name
                        ),
                    ));
                }
                n.to_string()
            }
            Kind::DurationMs => {
                let ms = parse_duration_ms(value).ok_or_else(|| invalid_value(spec.name, value))?;
                if ms < 0 {
                    return Err(invalid_value(spec.name, value));
                }
                ms.to_string()
            }
            Kind::MemoryKb => {
                let kb = parse_memory_kb(value).ok_or_else(|| invalid_value(spec.name, value))?;
                if kb < 64 {
                    return Err(SqlError::new(
                        SqlState::INVALID_PARAMETER_VALUE,
                        format!(
                            "{kb} kB is outside the valid range for parameter \"{}\" (64 kB .. 2147483647 kB)",
                            spec.name
                        ),
                    ));
                }
                kb.to_string()
            }
            Kind::Enum(options) => {
                let lower = value.trim().to_ascii_lowercase();
                if !options.contains(&lower.as_str()) {
                    return Err(invalid_value(spec.name, value));
                }
                lower
            }
            Kind::TimeZone => {
                let zone =
                    TimeZone::parse(value.trim()).map_err(|_| invalid_value(spec.name, value))?;
                self.time_zone = zone;
                value.trim().to_string()
            }
            Kind::DateStyle => {
                normalize_datestyle(value, self.get("DateStyle").unwrap_or("ISO, MDY"))
                    .ok_or_else(|| invalid_value(spec.name, value))?
            }
            Kind::ClientEncoding => {
                let v = value.trim().to_ascii_uppercase().replace(['-', '_'], "");
                if v != "UTF8" && v != "UNICODE" {
                    return Err(SqlError::not_supported(format!(
                        "client encoding \"{value}\" is not supported; EmbedDB speaks UTF8 only"
                    )));
                }
                "UTF8".to_string()
            }
            Kind::IsolationLevel => {
                let lower = value.trim().to_ascii_lowercase();
                if !ISOLATION_LEVELS.contains(&lower.as_str()) {
                    return Err(invalid_value(spec.name, value));
                }
                lower
            }
        };
        self.generation += 1;
        let old = self
            .values
            .insert(spec.name.to_string(), normalized.clone());
        self.refresh_derived();
        if spec.reported
            && old.as_deref() != Some(normalized.as_str())
            && !self.changed.iter().any(|c| c == spec.name)
        {
            self.changed.push(spec.name.to_string());
        }
        Ok(())
    }

    /// Sets a read-only setting's value from the server (session_authorization at startup).
    pub fn set_internal(&mut self, name: &str, value: &str) {
        self.generation += 1;
        self.values.insert(name.to_string(), value.to_string());
        self.refresh_derived();
    }

    /// Puts every value back to `earlier`'s (a transaction's end undoing SET LOCAL, or a
    /// rollback undoing SET); reported settings that change are reported again.
    pub fn restore_from(&mut self, earlier: &Settings) {
        if self.values == earlier.values {
            return;
        }
        for (name, value) in &earlier.values {
            if self.values.get(name) != Some(value) {
                if spec(name).is_some_and(|s| s.reported) && !self.changed.contains(name) {
                    self.changed.push(name.clone());
                }
                self.values.insert(name.clone(), value.clone());
            }
        }
        self.values
            .retain(|name, _| earlier.values.contains_key(name));
        self.generation += 1;
        self.refresh_derived();
    }

    /// RESET: back to the default.
    pub fn reset(&mut self, name: &str) -> SqlResult<()> {
        let Some(spec) = spec(name) else {
            if name.contains('.') {
                self.values.remove(&name.to_ascii_lowercase());
                return Ok(());
            }
            return Err(SqlError::new(
                SqlState::UNDEFINED_OBJECT,
                format!(
                    "unrecognized configuration parameter \"{}\"",
                    name.to_ascii_lowercase()
                ),
            ));
        };
        if spec.kind == Kind::ReadOnly {
            return Err(SqlError::new(
                SqlState::from_code("55P02"),
                format!(
                    "parameter \"{}\" cannot be changed",
                    spec.name.to_ascii_lowercase()
                ),
            ));
        }
        self.set(spec.name, spec.default)
    }

    pub fn reset_all(&mut self) {
        for spec in SPECS {
            if spec.kind != Kind::ReadOnly {
                let _ = self.set(spec.name, spec.default);
            }
        }
    }

    /// The value and canonical name of a setting (SHOW).
    pub fn show(&self, name: &str) -> SqlResult<(String, String)> {
        match spec(name) {
            Some(spec) => {
                let raw = self.values.get(spec.name).cloned().unwrap_or_default();
                let shown = match spec.kind {
                    Kind::DurationMs => format_duration(&raw),
                    Kind::MemoryKb => format_memory(&raw),
                    _ => raw,
                };
                Ok((spec.name.to_string(), shown))
            }
            None => match self.values.get(&name.to_ascii_lowercase()) {
                Some(v) => Ok((name.to_ascii_lowercase(), v.clone())),
                None => Err(SqlError::new(
                    SqlState::UNDEFINED_OBJECT,
                    format!(
                        "unrecognized configuration parameter \"{}\"",
                        name.to_ascii_lowercase()
                    ),
                )),
            },
        }
    }

    /// Every setting: (name, shown value, description), for SHOW ALL.
    pub fn all(&self) -> Vec<(String, String, String)> {
        SPECS
            .iter()
            .filter_map(|s| {
                self.show(s.name)
                    .ok()
                    .map(|(n, v)| (n, v, s.description.to_string()))
            })
            .collect()
    }

    /// Changes whenever a setting changes.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        match spec(name) {
            Some(spec) => self.values.get(spec.name).map(String::as_str),
            None => self
                .values
                .get(&name.to_ascii_lowercase())
                .map(String::as_str),
        }
    }

    /// Reported settings with their current values, for the startup ParameterStatus messages.
    pub fn reported(&self) -> Vec<(String, String)> {
        SPECS
            .iter()
            .filter(|s| s.reported)
            .map(|s| {
                (
                    s.name.to_string(),
                    self.values.get(s.name).cloned().unwrap_or_default(),
                )
            })
            .collect()
    }

    /// Reported settings changed since the last call (ParameterStatus after SET).
    pub fn take_changed(&mut self) -> Vec<(String, String)> {
        std::mem::take(&mut self.changed)
            .into_iter()
            .map(|n| {
                let v = self.values.get(&n).cloned().unwrap_or_default();
                (n, v)
            })
            .collect()
    }

    /// Lower-cased names to values, for current_setting().
    pub fn snapshot(&self) -> std::collections::HashMap<String, String> {
        self.values
            .iter()
            .map(|(k, v)| {
                let shown = self.show(k).map(|(_, s)| s).unwrap_or_else(|_| v.clone());
                (k.to_ascii_lowercase(), shown)
            })
            .collect()
    }

    pub fn statement_timeout_ms(&self) -> u64 {
        self.derived.statement_timeout_ms
    }

    pub fn lock_timeout_ms(&self) -> u64 {
        self.derived.lock_timeout_ms
    }

    pub fn work_mem_bytes(&self) -> usize {
        self.derived.work_mem_bytes
    }

    pub fn synchronous_commit(&self) -> bool {
        self.derived.synchronous_commit
    }

    /// The isolation level and read-only flag new transactions start with.
    pub fn transaction_defaults(&self) -> (&str, bool) {
        (
            &self.derived.default_isolation,
            self.derived.default_read_only,
        )
    }

    pub fn format_context(&self, now_micros: i64) -> FormatContext {
        let mut format = self.derived.format.clone();
        format.now_micros = now_micros;
        format
    }

    /// Recomputes the values statements read on every execution, so the hot path does no
    /// lookups or parsing.
    fn refresh_derived(&mut self) {
        let date_order = self
            .get("DateStyle")
            .and_then(FormatContext::date_order_from_datestyle)
            .unwrap_or(DateOrder::Mdy);
        self.derived = Derived {
            statement_timeout_ms: self
                .get("statement_timeout")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            lock_timeout_ms: self
                .get("lock_timeout")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            work_mem_bytes: self
                .get("work_mem")
                .and_then(|v| v.parse::<usize>().ok())
                .unwrap_or(65536)
                .saturating_mul(1024),
            synchronous_commit: self.get("synchronous_commit") != Some("off"),
            default_isolation: self
                .get("default_transaction_isolation")
                .unwrap_or("read committed")
                .to_string(),
            default_read_only: self.get("default_transaction_read_only") == Some("on"),
            format: FormatContext {
                time_zone: self.time_zone.clone(),
                extra_float_digits: self
                    .get("extra_float_digits")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(1),
                now_micros: 0,
                date_order,
                bytea_escape_output: self.get("bytea_output") == Some("escape"),
            },
        };
    }
}

/// Settings in the form statements use them.
#[derive(Clone, Debug, Default)]
struct Derived {
    statement_timeout_ms: u64,
    lock_timeout_ms: u64,
    work_mem_bytes: usize,
    synchronous_commit: bool,
    default_isolation: String,
    default_read_only: bool,
    format: FormatContext,
}

fn format_duration(ms: &str) -> String {
    let Ok(ms) = ms.parse::<i64>() else {
        return ms.to_string();
    };
    if ms == 0 {
        return "0".to_string();
    }
    for (unit, size) in [
        ("d", 86_400_000),
        ("h", 3_600_000),
        ("min", 60_000),
        ("s", 1000),
    ] {
        if ms % size == 0 {
            return format!("{}{unit}", ms / size);
        }
    }
    format!("{ms}ms")
}

fn format_memory(kb: &str) -> String {
    let Ok(kb) = kb.parse::<i64>() else {
        return kb.to_string();
    };
    for (unit, size) in [("TB", 1 << 30), ("GB", 1 << 20), ("MB", 1 << 10)] {
        if kb % size == 0 {
            return format!("{}{unit}", kb / size);
        }
    }
    format!("{kb}kB")
}

/// DateStyle: EmbedDB prints ISO only, and reads MDY, DMY or YMD field order.
fn normalize_datestyle(value: &str, current: &str) -> Option<String> {
    let mut style = current
        .split(',')
        .next()
        .unwrap_or("ISO")
        .trim()
        .to_string();
    let mut order = current
        .split(',')
        .nth(1)
        .unwrap_or("MDY")
        .trim()
        .to_string();
    for part in value.split(',') {
        match part.trim().to_ascii_lowercase().as_str() {
            "iso" => style = "ISO".into(),
            "mdy" | "us" | "noneuropean" | "non-european" => order = "MDY".into(),
            "dmy" | "euro" | "european" => order = "DMY".into(),
            "ymd" => order = "YMD".into(),
            "default" => {
                style = "ISO".into();
                order = "MDY".into();
            }
            "postgres" | "sql" | "german" => return None,
            _ => return None,
        }
    }
    Some(format!("{style}, {order}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reported_settings_change_once() {
        let mut s = Settings::default();
        s.set("application_name", "psql").unwrap();
        s.set("application_name", "psql").unwrap();
        assert_eq!(
            s.take_changed(),
            vec![("application_name".to_string(), "psql".to_string())]
        );
        assert!(s.take_changed().is_empty());
    }

    #[test]
    fn durations_and_sizes_show_like_postgres() {
        let mut s = Settings::default();
        s.set("statement_timeout", "5s").unwrap();
        assert_eq!(s.show("statement_timeout").unwrap().1, "5s");
        assert_eq!(s.statement_timeout_ms(), 5000);
        s.set("statement_timeout", "1500").unwrap();
        assert_eq!(s.show("STATEMENT_TIMEOUT").unwrap().1, "1500ms");
        s.set("work_mem", "4MB").unwrap();
        assert_eq!(s.show("work_mem").unwrap().1, "4MB");
    }

    #[test]
    fn unknown_settings_are_errors_unless_custom() {
        let mut s = Settings::default();
        assert_eq!(
            s.set("no_such", "1").unwrap_err().code,
            SqlState::UNDEFINED_OBJECT
        );
        s.set("myapp.tenant", "7").unwrap();
        assert_eq!(s.show("myapp.tenant").unwrap().1, "7");
    }

    #[test]
    fn every_change_moves_the_generation() {
        let mut s = Settings::default();
        let g = s.generation();
        s.set("TimeZone", "Europe/Paris").unwrap();
        assert!(s.generation() > g);
        let g = s.generation();
        s.reset("TimeZone").unwrap();
        assert!(s.generation() > g);
    }

    #[test]
    fn datestyle_keeps_iso_and_changes_order() {
        let mut s = Settings::default();
        s.set("DateStyle", "ISO, DMY").unwrap();
        assert_eq!(
            s.show("datestyle").unwrap(),
            ("DateStyle".to_string(), "ISO, DMY".to_string())
        );
        assert!(s.set("DateStyle", "SQL").is_err());
    }
}
