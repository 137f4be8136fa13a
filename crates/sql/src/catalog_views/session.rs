//! Relations about the session rather than the schema: pg_database (the session's database),
//! pg_roles / pg_user / pg_authid (the session's user, a superuser), pg_settings (the
//! session's settings) and pg_stat_activity (this backend). Their values are expressions
//! evaluated when the statement runs, since a bound plan may be reused by another session
//! state (a prepared statement after SET).

use embeddb_types::{DataType, SqlResult, Value};

use super::oids;
use super::{Col, Rows, char_code, text};
use crate::expr::Expr;

/// A call of a built-in function with literal arguments (they all exist: a failure here is a
/// programming error, which the tests catch, and yields NULL rather than a panic).
fn call(name: &str, args: Vec<Expr>) -> Expr {
    let types: Vec<DataType> = args.iter().map(|a| a.ty.clone()).collect();
    match crate::functions::resolve(name, &types) {
        Ok(r) => Expr::new(
            crate::expr::ExprKind::Function {
                func: r.function,
                args,
            },
            r.ret,
        ),
        Err(_) => Expr::null(DataType::Text),
    }
}

pub(crate) fn session_user_expr() -> Expr {
    call("current_user", Vec::new())
}

fn setting(name: &str) -> Expr {
    call(
        "current_setting",
        vec![
            Expr::literal(text(name), DataType::Text),
            Expr::literal(Value::Bool(true), DataType::Bool),
        ],
    )
}

pub(crate) fn build(rel: &str, columns: &'static [(&'static str, Col)]) -> SqlResult<Rows> {
    let mut rows = Rows::new(columns);
    match rel {
        "pg_database" => {
            rows.row()
                .set("oid", Value::Oid(oids::DATABASE_OID))
                .set("datdba", Value::Oid(oids::SESSION_ROLE_OID))
                .set("encoding", Value::Int4(6))
                .set("datlocprovider", char_code('c'))
                .set("datallowconn", Value::Bool(true))
                .set("datconnlimit", Value::Int4(-1))
                .set("datcollate", text("C.UTF-8"))
                .set("datctype", text("C.UTF-8"))
                .set("dattablespace", Value::Oid(1663));
            rows.set_expr("datname", call("current_database", Vec::new()));
        }
        "pg_roles" | "pg_authid" => {
            rows.row()
                .set("oid", Value::Oid(oids::SESSION_ROLE_OID))
                .set("rolsuper", Value::Bool(true))
                .set("rolinherit", Value::Bool(true))
                .set("rolcreaterole", Value::Bool(true))
                .set("rolcreatedb", Value::Bool(true))
                .set("rolcanlogin", Value::Bool(true))
                .set("rolreplication", Value::Bool(true))
                .set("rolbypassrls", Value::Bool(true))
                .set("rolconnlimit", Value::Int4(-1));
            if rel == "pg_roles" {
                rows.set("rolpassword", text("********"));
            }
            rows.set_expr("rolname", session_user_expr());
        }
        "pg_user" => {
            rows.row()
                .set("usesysid", Value::Oid(oids::SESSION_ROLE_OID))
                .set("usecreatedb", Value::Bool(true))
                .set("usesuper", Value::Bool(true))
                .set("userepl", Value::Bool(true))
                .set("usebypassrls", Value::Bool(true))
                .set("passwd", text("********"));
            rows.set_expr("usename", session_user_expr());
        }
        "pg_settings" => {
            let settings = crate::settings::Settings::default();
            for (name, _, description) in settings.all() {
                rows.row()
                    .set("name", text(&name))
                    .set("short_desc", text(description))
                    .set("context", text("user"))
                    .set("vartype", text("string"))
                    .set("source", text("default"))
                    .set("pending_restart", Value::Bool(false));
                rows.set_expr("setting", setting(&name));
            }
        }
        "pg_stat_activity" => {
            rows.row()
                .set("datid", Value::Oid(oids::DATABASE_OID))
                .set("usesysid", Value::Oid(oids::SESSION_ROLE_OID))
                .set("state", text("active"))
                .set("backend_type", text("client backend"));
            rows.set_expr("datname", call("current_database", Vec::new()))
                .set_expr("usename", session_user_expr())
                .set_expr("pid", call("pg_backend_pid", Vec::new()))
                .set_expr("application_name", setting("application_name"))
                .set_expr("query_start", call("statement_timestamp", Vec::new()))
                .set_expr("xact_start", call("now", Vec::new()));
        }
        _ => {}
    }
    Ok(rows)
}
