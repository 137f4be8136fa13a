//! The command line: `--listen`, `--data-dir`, `--cache-size`, `--help`, each flag falling back
//! to its environment variable and then to the default (`127.0.0.1:5433`, `./embeddb-data`,
//! `128MB`). Hand-rolled rather than clap: three options do not justify the dependency.

use std::ffi::OsString;
use std::path::PathBuf;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:5433";
pub const DEFAULT_DATA_DIR: &str = "embeddb-data";
pub const LISTEN_ENV: &str = "EMBEDDB_LISTEN";
pub const DATA_DIR_ENV: &str = "EMBEDDB_DATA_DIR";
pub const CACHE_SIZE_ENV: &str = "EMBEDDB_CACHE_SIZE";
/// PostgreSQL's default `shared_buffers`: the same memory for cached table and index blocks.
pub const DEFAULT_CACHE_SIZE_BYTES: usize = 128 * 1024 * 1024;
/// The cache may not be smaller than this: a few blocks of every level of a busy table.
const MIN_CACHE_SIZE_BYTES: usize = 1024 * 1024;

/// What the server was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Serve(Options),
    Help,
    Version,
}

/// Where to listen, where the data lives, and how much memory caches its blocks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub listen: String,
    pub data_dir: PathBuf,
    /// The storage engine's block cache (decoded SST blocks of tables and indexes).
    pub cache_size_bytes: usize,
}

pub fn usage() -> String {
    format!(
        "embeddb {version}: a PostgreSQL-compatible SQL server\n\
         \n\
         Usage: embeddb [--listen ADDR] [--data-dir DIR] [--cache-size SIZE]\n\
         \n\
         Options:\n\
         \x20 --listen ADDR     address to serve on (env {LISTEN_ENV}; default {DEFAULT_LISTEN})\n\
         \x20 --data-dir DIR    data directory, created if missing (env {DATA_DIR_ENV};\n\
         \x20                   default ./{DEFAULT_DATA_DIR})\n\
         \x20 --cache-size SIZE memory for cached table and index blocks, like PostgreSQL's\n\
         \x20                   shared_buffers: bytes, or with kB, MB, GB or TB (env\n\
         \x20                   {CACHE_SIZE_ENV}; default 128MB, at least 1MB)\n\
         \x20 -h, --help        print this help\n\
         \x20 -V, --version     print the version\n\
         \n\
         Connect with: psql -h 127.0.0.1 -p 5433 -U any_user\n\
         Logging: RUST_LOG=debug for more detail (to stderr).\n",
        version = env!("CARGO_PKG_VERSION"),
    )
}

/// Parses the arguments (without the program name); `env` looks up environment variables.
pub fn parse(
    args: impl IntoIterator<Item = OsString>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Command, String> {
    let mut listen: Option<String> = None;
    let mut data_dir: Option<PathBuf> = None;
    let mut cache_size: Option<String> = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let arg = arg
            .into_string()
            .map_err(|a| format!("argument is not valid UTF-8: {}", a.to_string_lossy()))?;
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            match inline.clone() {
                Some(v) => Ok(v),
                None => args
                    .next()
                    .and_then(|v| v.into_string().ok())
                    .ok_or_else(|| format!("{name} needs a value")),
            }
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "-V" | "--version" => return Ok(Command::Version),
            "--listen" => listen = Some(value("--listen")?),
            "--data-dir" => data_dir = Some(PathBuf::from(value("--data-dir")?)),
            "--cache-size" => cache_size = Some(value("--cache-size")?),
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    let listen = listen
        .or_else(|| env(LISTEN_ENV).filter(|v| !v.is_empty()))
        .unwrap_or_else(|| DEFAULT_LISTEN.to_string());
    let data_dir = data_dir
        .or_else(|| {
            env(DATA_DIR_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        })
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
    let cache_size_bytes =
        match cache_size.or_else(|| env(CACHE_SIZE_ENV).filter(|v| !v.is_empty())) {
            Some(text) => parse_size(&text).map_err(|e| format!("invalid --cache-size: {e}"))?,
            None => DEFAULT_CACHE_SIZE_BYTES,
        };
    if cache_size_bytes < MIN_CACHE_SIZE_BYTES {
        return Err(format!(
            "invalid --cache-size: {cache_size_bytes} bytes is below the minimum of 1MB"
        ));
    }
    Ok(Command::Serve(Options {
        listen,
        data_dir,
        cache_size_bytes,
    }))
}

/// A size as PostgreSQL writes memory settings: a whole number of bytes, or followed by kB,
/// MB, GB or TB (1024-based, as in PostgreSQL; the unit's case is not checked).
fn parse_size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("\"{text}\" is not a size such as 512MB"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "kb" => 10,
        "mb" => 20,
        "gb" => 30,
        "tb" => 40,
        other => {
            return Err(format!(
                "unknown unit \"{other}\" in \"{text}\" (valid units are kB, MB, GB and TB)"
            ));
        }
    };
    number
        .checked_mul(1u64 << shift)
        .and_then(|bytes| usize::try_from(bytes).ok())
        .ok_or_else(|| format!("\"{text}\" is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn defaults() {
        assert_eq!(
            parse(args(&[]), no_env),
            Ok(Command::Serve(Options {
                listen: DEFAULT_LISTEN.into(),
                data_dir: PathBuf::from(DEFAULT_DATA_DIR),
                cache_size_bytes: DEFAULT_CACHE_SIZE_BYTES,
            }))
        );
    }

    #[test]
    fn flags_beat_environment() {
        let env = |k: &str| match k {
            LISTEN_ENV => Some("0.0.0.0:1".to_string()),
            DATA_DIR_ENV => Some("/env".to_string()),
            CACHE_SIZE_ENV => Some("64MB".to_string()),
            _ => None,
        };
        assert_eq!(
            parse(args(&["--listen", "127.0.0.1:7"]), env),
            Ok(Command::Serve(Options {
                listen: "127.0.0.1:7".into(),
                data_dir: PathBuf::from("/env"),
                cache_size_bytes: 64 << 20,
            }))
        );
        assert_eq!(
            parse(args(&["--data-dir=/x", "--cache-size", "2GB"]), env),
            Ok(Command::Serve(Options {
                listen: "0.0.0.0:1".into(),
                data_dir: PathBuf::from("/x"),
                cache_size_bytes: 2 << 30,
            }))
        );
    }

    #[test]
    fn help_and_errors() {
        assert_eq!(parse(args(&["--help"]), no_env), Ok(Command::Help));
        assert!(parse(args(&["--listen"]), no_env).is_err());
        assert!(parse(args(&["--bogus"]), no_env).is_err());
    }

    #[test]
    fn cache_sizes_read_as_postgresql_memory_settings() {
        let size = |text: &str| match parse(args(&["--cache-size", text]), no_env) {
            Ok(Command::Serve(o)) => Ok(o.cache_size_bytes),
            Ok(other) => panic!("unexpected {other:?}"),
            Err(e) => Err(e),
        };
        assert_eq!(size("512MB"), Ok(512 << 20));
        assert_eq!(size("1GB"), Ok(1 << 30));
        assert_eq!(size("2048kB"), Ok(2 << 20));
        assert_eq!(size("1048576"), Ok(1 << 20));
        assert_eq!(size("16mb"), Ok(16 << 20));
        let err = size("12XB").expect_err("unknown unit");
        assert!(err.contains("valid units are kB, MB, GB and TB"), "{err}");
        assert!(size("MB").is_err(), "no number");
        assert!(size("-5MB").is_err(), "negative");
        assert!(size("99999999999TB").is_err(), "overflow");
        let err = size("64kB").expect_err("below the minimum");
        assert!(err.contains("minimum of 1MB"), "{err}");
    }
}
