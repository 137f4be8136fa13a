//! Statements that act on the session rather than on data: SET, SHOW, RESET, DISCARD and
//! SET TRANSACTION; and CHECKPOINT, which acts on the whole database and needs no transaction.

use sqlparser::ast::{self, Statement};

use embeddb_types::{DataType, SqlError, SqlResult, SqlState, Value};

use crate::plan::Field;
use crate::result::{QueryResult, Tag};
use crate::session::{Executed, Session, isolation_from_name};
use crate::settings::Settings;

/// The setting name SHOW was given (`SHOW TIME ZONE` is TimeZone).
pub fn show_name(variable: &[ast::Ident]) -> String {
    let words: Vec<String> = variable
        .iter()
        .map(|i| i.value.to_ascii_lowercase())
        .collect();
    match words.join(" ").as_str() {
        "time zone" => "timezone".to_string(),
        "transaction isolation level" => "transaction_isolation".to_string(),
        "session authorization" => "session_authorization".to_string(),
        other => other.replace(' ', "_"),
    }
}

/// The columns SHOW returns for a setting (one column named after it; three for SHOW ALL).
pub fn show_fields(settings: &Settings, name: &str) -> SqlResult<Vec<Field>> {
    if name == "all" {
        return Ok(vec![
            Field::new("name", DataType::Text),
            Field::new("setting", DataType::Text),
            Field::new("description", DataType::Text),
        ]);
    }
    if name == "transaction_isolation" {
        return Ok(vec![Field::new("transaction_isolation", DataType::Text)]);
    }
    let (canonical, _) = settings.show(name)?;
    Ok(vec![Field::new(canonical, DataType::Text)])
}

/// The text of a SET value: identifiers and strings as written, numbers as digits, and
/// lists joined by commas.
fn set_value_text(values: &[ast::Expr]) -> SqlResult<String> {
    let mut parts = Vec::with_capacity(values.len());
    for v in values {
        parts.push(match v {
            ast::Expr::Value(val) => match &val.value {
                ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => s.clone(),
                ast::Value::Number(n, _) => n.clone(),
                ast::Value::Boolean(b) => {
                    if *b {
                        "on".into()
                    } else {
                        "off".into()
                    }
                }
                other => other.to_string(),
            },
            ast::Expr::Identifier(i) => i.value.clone(),
            ast::Expr::UnaryOp {
                op: ast::UnaryOperator::Minus,
                expr,
            } => format!("-{expr}"),
            other => other.to_string(),
        });
    }
    Ok(parts.join(", "))
}

/// Runs the statement if it is a utility statement.
pub fn execute_utility(
    session: &mut Session,
    statement: &Statement,
) -> SqlResult<Option<Executed>> {
    let done = |tag: &'static str| {
        Ok(Some(Executed::Result(QueryResult::command(Tag::Fixed(
            tag,
        )))))
    };
    match statement {
        Statement::Set(set) => match set {
            ast::Set::SingleAssignment {
                variable,
                values,
                scope,
                ..
            } => {
                let name = variable.to_string();
                let local = matches!(scope, Some(ast::ContextModifier::Local));
                let is_default = matches!(values.as_slice(), [ast::Expr::Identifier(i)] if i.value.eq_ignore_ascii_case("default") && i.quote_style.is_none());
                if is_default {
                    session.change_setting(local, |s| s.reset(&name))?;
                } else {
                    let value = set_value_text(values)?;
                    set_setting(session, &name, &value, local)?;
                }
                session.settings_changed();
                done("SET")
            }
            ast::Set::SetTimeZone { value, local } => {
                let text = set_value_text(std::slice::from_ref(value))?;
                let text =
                    if text.eq_ignore_ascii_case("local") || text.eq_ignore_ascii_case("default") {
                        "UTC".to_string()
                    } else {
                        text
                    };
                session.change_setting(*local, |s| s.set("TimeZone", &text))?;
                session.settings_changed();
                done("SET")
            }
            ast::Set::SetNames { charset_name, .. } => {
                session
                    .settings_mut()
                    .set("client_encoding", &charset_name.value)?;
                session.settings_changed();
                done("SET")
            }
            ast::Set::SetTransaction {
                modes,
                session: for_session,
                ..
            } => {
                let mut isolation = None;
                let mut read_only = None;
                for m in modes {
                    match m {
                        ast::TransactionMode::IsolationLevel(level) => {
                            let name = match level {
                                ast::TransactionIsolationLevel::ReadUncommitted => {
                                    "read uncommitted"
                                }
                                ast::TransactionIsolationLevel::ReadCommitted => "read committed",
                                ast::TransactionIsolationLevel::RepeatableRead => "repeatable read",
                                _ => "serializable",
                            };
                            isolation = Some(name);
                        }
                        ast::TransactionMode::AccessMode(mode) => {
                            read_only = Some(matches!(mode, ast::TransactionAccessMode::ReadOnly));
                        }
                    }
                }
                if *for_session {
                    if let Some(name) = isolation {
                        session
                            .settings_mut()
                            .set("default_transaction_isolation", name)?;
                    }
                    if let Some(ro) = read_only {
                        session.settings_mut().set(
                            "default_transaction_read_only",
                            if ro { "on" } else { "off" },
                        )?;
                    }
                    session.settings_changed();
                } else {
                    session.set_next_transaction(isolation.map(isolation_from_name), read_only)?;
                }
                done("SET")
            }
            _ => Err(SqlError::not_supported(format!("{statement}"))),
        },
        Statement::ShowVariable { variable } => {
            let name = show_name(variable);
            let fields = show_fields(session.settings(), &name)?;
            let rows = if name == "all" {
                session
                    .settings()
                    .all()
                    .into_iter()
                    .map(|(n, v, d)| vec![Value::Text(n), Value::Text(v), Value::Text(d)])
                    .collect()
            } else if name == "transaction_isolation" {
                vec![vec![Value::Text(
                    session.current_isolation().name().to_string(),
                )]]
            } else {
                let (_, value) = session.settings().show(&name)?;
                vec![vec![Value::Text(value)]]
            };
            Ok(Some(Executed::Result(QueryResult::rows(
                fields,
                rows,
                Tag::Fixed("SHOW"),
            ))))
        }
        Statement::Reset(reset) => {
            match &reset.reset {
                ast::Reset::ALL => session.change_setting(false, |s| {
                    s.reset_all();
                    Ok(())
                })?,
                ast::Reset::ConfigurationParameter(name) => {
                    let name = name.to_string();
                    session.change_setting(false, |s| s.reset(&name))?
                }
                ast::Reset::SessionAuthorization => {}
            }
            session.settings_changed();
            done("RESET")
        }
        Statement::Discard { object_type } => {
            if session.in_block() {
                return Err(SqlError::new(
                    SqlState::ACTIVE_SQL_TRANSACTION,
                    "DISCARD ALL cannot run inside a transaction block",
                ));
            }
            if matches!(object_type, ast::DiscardObject::ALL) {
                session.settings_mut().reset_all();
                session.settings_changed();
            }
            done(match object_type {
                ast::DiscardObject::ALL => "DISCARD ALL",
                ast::DiscardObject::PLANS => "DISCARD PLANS",
                ast::DiscardObject::SEQUENCES => "DISCARD SEQUENCES",
                ast::DiscardObject::TEMP => "DISCARD TEMP",
            })
        }
        statement if crate::parser_maintenance::is_checkpoint(statement) => {
            crate::maintenance::checkpoint(session).map(Some)
        }
        _ => Ok(None),
    }
}

fn set_setting(session: &mut Session, name: &str, value: &str, local: bool) -> SqlResult<()> {
    let lower = name.to_ascii_lowercase();
    if lower == "transaction_isolation" || lower == "transaction isolation level" {
        let level = isolation_from_name(&value.to_ascii_lowercase());
        return session.set_next_transaction(Some(level), None);
    }
    if lower == "search_path" {
        // Only the public schema exists; accept paths that name it (or $user) and nothing else.
        for part in value.split(',') {
            let p = part.trim().trim_matches('"').to_ascii_lowercase();
            if !p.is_empty() && p != "public" && p != "$user" && p != "pg_catalog" {
                session.notice(crate::result::Notice::notice(
                    SqlState::INVALID_SCHEMA_NAME,
                    format!("schema \"{p}\" does not exist"),
                ));
            }
        }
    }
    session.change_setting(local, |s| s.set(name, value))
}
