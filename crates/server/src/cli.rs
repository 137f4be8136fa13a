//! The command line: `--listen`, `--data-dir`, `--help`, each flag falling back to its
//! environment variable and then to the default (`127.0.0.1:5433`, `./embeddb-data`).
//! Hand-rolled rather than clap: two options do not justify the dependency.

use std::ffi::OsString;
use std::path::PathBuf;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:5433";
pub const DEFAULT_DATA_DIR: &str = "embeddb-data";
pub const LISTEN_ENV: &str = "EMBEDDB_LISTEN";
pub const DATA_DIR_ENV: &str = "EMBEDDB_DATA_DIR";

/// What the server was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Serve(Options),
    Help,
    Version,
}

/// Where to listen and where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub listen: String,
    pub data_dir: PathBuf,
}

pub fn usage() -> String {
    format!(
        "embeddb {version}: a PostgreSQL-compatible SQL server\n\
         \n\
         Usage: embeddb [--listen ADDR] [--data-dir DIR]\n\
         \n\
         Options:\n\
         \x20 --listen ADDR     address to serve on (env {LISTEN_ENV}; default {DEFAULT_LISTEN})\n\
         \x20 --data-dir DIR    data directory, created if missing (env {DATA_DIR_ENV};\n\
         \x20                   default ./{DEFAULT_DATA_DIR})\n\
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
    Ok(Command::Serve(Options { listen, data_dir }))
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
            }))
        );
    }

    #[test]
    fn flags_beat_environment() {
        let env = |k: &str| match k {
            LISTEN_ENV => Some("0.0.0.0:1".to_string()),
            DATA_DIR_ENV => Some("/env".to_string()),
            _ => None,
        };
        assert_eq!(
            parse(args(&["--listen", "127.0.0.1:7"]), env),
            Ok(Command::Serve(Options {
                listen: "127.0.0.1:7".into(),
                data_dir: PathBuf::from("/env"),
            }))
        );
        assert_eq!(
            parse(args(&["--data-dir=/x"]), env),
            Ok(Command::Serve(Options {
                listen: "0.0.0.0:1".into(),
                data_dir: PathBuf::from("/x"),
            }))
        );
    }

    #[test]
    fn help_and_errors() {
        assert_eq!(parse(args(&["--help"]), no_env), Ok(Command::Help));
        assert!(parse(args(&["--listen"]), no_env).is_err());
        assert!(parse(args(&["--bogus"]), no_env).is_err());
    }
}
