//! Connection startup. Any user and database name is accepted without a password (trust, as
//! the server listens on loopback). The startup message's parameters become the session's
//! settings; the client is told every reported setting (server_version 16.x and the ones
//! drivers check: client_encoding, DateStyle, standard_conforming_strings, ...), then its
//! backend pid and cancel key, then ReadyForQuery.

use std::fmt::Debug;

use async_trait::async_trait;
use futures::{Sink, SinkExt};
use pgwire::api::auth::{
    StartupHandler, protocol_negotiation, save_startup_parameters_to_metadata,
};
use pgwire::api::{ClientInfo, PgWireConnectionState};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::response::{ReadyForQuery, TransactionStatus};
use pgwire::messages::startup::{Authentication, BackendKeyData, ParameterStatus};
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage, ProtocolVersion};

use embeddb_types::{Severity, SqlError, SqlState};

use crate::cancel::new_secret;
use crate::connection::Connection;
use crate::encode::pg_error;
use crate::shutdown::Phase;
use crate::worker::run_inline;

fn fatal(e: SqlError) -> PgWireError {
    pg_error(&SqlError {
        severity: Severity::Fatal,
        ..e
    })
}

#[async_trait]
impl StartupHandler for Connection {
    async fn on_startup<C>(
        &self,
        client: &mut C,
        message: PgWireFrontendMessage,
    ) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let PgWireFrontendMessage::Startup(startup) = message else {
            return Err(fatal(SqlError::new(
                SqlState::PROTOCOL_VIOLATION,
                "expected a startup message",
            )));
        };
        protocol_negotiation(client, &startup).await?;
        save_startup_parameters_to_metadata(client, &startup);
        if let Some(reject) = &self.reject {
            return Err(fatal(reject.clone()));
        }
        if self.shared.shutdown.phase() != Phase::Running {
            return Err(fatal(SqlError::new(
                SqlState::from_code("57P03"),
                "the database system is shutting down",
            )));
        }
        let Some(user) = startup.parameters.get("user").filter(|u| !u.is_empty()) else {
            return Err(fatal(SqlError::new(
                SqlState::from_code("28000"),
                "no PostgreSQL user name specified in startup packet",
            )));
        };
        let database = startup
            .parameters
            .get("database")
            .filter(|d| !d.is_empty())
            .unwrap_or(user);
        let mut session = self.shared.db.session(user, database);
        // `options` carries command-line style settings (`-c name=value`, from PGOPTIONS).
        let from_options = startup
            .parameters
            .get("options")
            .map(|o| command_line_settings(o))
            .unwrap_or_default();
        let given = startup
            .parameters
            .iter()
            .filter(|(name, _)| name.as_str() != "options")
            .map(|(n, v)| (n.clone(), v.clone()));
        for (name, value) in given.chain(from_options) {
            if let Err(e) = session.apply_startup_parameter(&name, &value) {
                if name.eq_ignore_ascii_case("client_encoding") {
                    // psql in a C locale asks for SQL_ASCII; the server speaks UTF8 only, says
                    // so in ParameterStatus, and libpq follows that.
                    tracing::debug!("ignoring startup client_encoding {value:?}: {e}");
                    continue;
                }
                return Err(fatal(e));
            }
        }
        let settings = session.reported_settings();
        let pid = session.backend_pid();
        let secret = new_secret(client.protocol_version() != ProtocolVersion::PROTOCOL3_0);
        self.shared
            .cancels
            .register(pid, secret.clone(), session.cancel_handle());
        if let Ok(mut registered) = self.pid.lock() {
            *registered = Some(pid);
        }
        client.set_pid_and_secret_key(pid, secret.clone());
        run_inline(&self.state, |st| {
            st.session = Some(session);
            Ok(())
        })
        .map_err(fatal)?;
        tracing::debug!(pid, user = %user, database = %database, "session started");

        client
            .feed(PgWireBackendMessage::Authentication(Authentication::Ok))
            .await?;
        for (name, value) in settings {
            client
                .feed(PgWireBackendMessage::ParameterStatus(ParameterStatus::new(
                    name, value,
                )))
                .await?;
        }
        client
            .feed(PgWireBackendMessage::BackendKeyData(BackendKeyData::new(
                pid, secret,
            )))
            .await?;
        client
            .send(PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(
                TransactionStatus::Idle,
            )))
            .await?;
        client.set_state(PgWireConnectionState::ReadyForQuery);
        Ok(())
    }
}

/// The settings in a startup `options` string, as PostgreSQL reads them: `-c name=value`,
/// `-cname=value` or `--name=value` (dashes in the name read as underscores); a backslash
/// escapes the next character, so values may contain spaces.
fn command_line_settings(options: &str) -> Vec<(String, String)> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut chars = options.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => word.extend(chars.next()),
            c if c.is_whitespace() => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    let mut settings = Vec::new();
    let mut words = words.into_iter();
    while let Some(w) = words.next() {
        let assignment = if w == "-c" {
            words.next()
        } else if let Some(rest) = w.strip_prefix("-c") {
            Some(rest.to_string())
        } else {
            w.strip_prefix("--").map(|rest| rest.to_string())
        };
        if let Some((name, value)) = assignment.as_deref().and_then(|a| a.split_once('=')) {
            settings.push((name.replace('-', "_"), value.to_string()));
        }
    }
    settings
}

#[cfg(test)]
mod tests {
    use super::command_line_settings;

    #[test]
    fn options_string_settings() {
        let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        assert_eq!(
            command_line_settings("-c search_path=foo  -cTimeZone=UTC --statement-timeout=5s"),
            pairs(&[
                ("search_path", "foo"),
                ("TimeZone", "UTC"),
                ("statement_timeout", "5s")
            ])
        );
        assert_eq!(
            command_line_settings(r"-c application_name=my\ app"),
            pairs(&[("application_name", "my app")])
        );
        assert!(command_line_settings("").is_empty());
    }
}
