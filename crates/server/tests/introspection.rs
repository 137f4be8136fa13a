//! Clients that introspect the catalog, against the real `embeddb` binary:
//! * psql's describe commands (`\d`, `\dt`, `\di`, `\ds`, `\d table`, `\dn`, `\du`): the output
//!   of `tests/introspection/describe.sql` must match what psql printed against PostgreSQL 15
//!   for the same schema and role (`describe.out`, `describe.err`);
//! * `\l` and `\conninfo`, whose PostgreSQL output lists other databases and ports;
//! * SQLAlchemy's PostgreSQL inspector and psycopg 3's TypeInfo.fetch
//!   (`tests/introspection/sqlalchemy_inspect.py`, expectations recorded from PostgreSQL 15);
//! * pgjdbc's DatabaseMetaData.getTables / getColumns (`tests/introspection/Metadata.java`).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::TestServer;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/introspection")
}

fn psql_binary() -> PathBuf {
    let packaged = Path::new("/usr/lib/postgresql/15/bin/psql");
    if packaged.exists() {
        return packaged.to_path_buf();
    }
    PathBuf::from("psql")
}

fn psql(server: &TestServer, args: &[&str]) -> Output {
    Command::new(psql_binary())
        .current_dir(dir())
        .args(["-X", "-h", "127.0.0.1", "-p", &server.port.to_string()])
        .args(["-U", "someone", "-d", "somedb"])
        .args(args)
        .env_remove("PGPASSWORD")
        .env("PGCONNECT_TIMEOUT", "10")
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "could not run psql ({e}); install the PostgreSQL client (Debian: postgresql-client)"
            )
        })
}

fn server_with_schema() -> TestServer {
    let server = TestServer::start();
    let out = psql(
        &server,
        &["-q", "-v", "ON_ERROR_STOP=1", "-f", "schema.sql"],
    );
    assert!(
        out.status.success(),
        "schema.sql failed: {}\n--- server log ---\n{}",
        String::from_utf8_lossy(&out.stderr),
        server.log_text()
    );
    server
}

#[test]
fn psql_describe_commands_match_postgresql() {
    let server = server_with_schema();
    let out = psql(&server, &["-f", "describe.sql"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let expected_out = std::fs::read_to_string(dir().join("describe.out")).expect("describe.out");
    let expected_err = std::fs::read_to_string(dir().join("describe.err")).expect("describe.err");
    assert_eq!(
        stdout,
        expected_out,
        "stdout differs; stderr was:\n{stderr}\n--- server log ---\n{}",
        server.log_text()
    );
    assert_eq!(stderr, expected_err);
}

#[test]
fn psql_list_databases_and_conninfo() {
    let server = server_with_schema();
    let out = psql(
        &server,
        &["-c", "\\l", "-c", "\\conninfo", "-c", "\\timing on"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "psql failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(
            " somedb | someone | UTF8     | C.UTF-8 | C.UTF-8 |            | libc            | "
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "You are connected to database \"somedb\" as user \"someone\" on host \"127.0.0.1\" at port \"{}\".",
            server.port
        )),
        "{stdout}"
    );
    assert!(stdout.contains("Timing is on."), "{stdout}");
}

/// The queries psql's tab completion sends for table, column and schema names.
#[test]
fn psql_tab_completion_queries_run() {
    let server = server_with_schema();
    let queries = [
        "SELECT pg_catalog.quote_ident(c.relname) FROM pg_catalog.pg_class c WHERE c.relkind IN ('r', 'S', 'v', 'm', 'f', 'p') AND substring(pg_catalog.quote_ident(c.relname),1,2)='pe' AND pg_catalog.pg_table_is_visible(c.oid) AND c.relnamespace <> (SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = 'pg_catalog') UNION SELECT pg_catalog.quote_ident(n.nspname) || '.' FROM pg_catalog.pg_namespace n WHERE substring(pg_catalog.quote_ident(n.nspname) || '.',1,2)='pe' AND (SELECT pg_catalog.count(*) FROM pg_catalog.pg_namespace WHERE substring(pg_catalog.quote_ident(nspname) || '.',1,2) = substring('pe',1,pg_catalog.length(pg_catalog.quote_ident(nspname))+1)) > 1 LIMIT 1000",
        "SELECT pg_catalog.quote_ident(attname)   FROM pg_catalog.pg_attribute a, pg_catalog.pg_class c  WHERE c.oid = a.attrelid    AND a.attnum > 0    AND NOT a.attisdropped    AND substring(pg_catalog.quote_ident(attname),1,1)='n'    AND (pg_catalog.quote_ident(relname)='people'         OR '\"' || relname || '\"'='people')    AND pg_catalog.pg_table_is_visible(c.oid) LIMIT 1000",
        "SELECT pg_catalog.quote_ident(nspname) FROM pg_catalog.pg_namespace  WHERE substring(pg_catalog.quote_ident(nspname),1,0)='' LIMIT 1000",
    ];
    let mut args: Vec<&str> = vec!["-At", "-v", "ON_ERROR_STOP=1"];
    for q in &queries {
        args.push("-c");
        args.push(q);
    }
    let out = psql(&server, &args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "tab completion query failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.lines().any(|l| l == "people"), "{stdout}");
    assert!(stdout.lines().any(|l| l == "name"), "{stdout}");
    assert!(stdout.lines().any(|l| l == "public"), "{stdout}");
}

#[test]
fn sqlalchemy_inspector_and_psycopg_type_info() {
    let Some(python) = common::python::venv_with(
        "introspection-venv",
        &["psycopg[binary]", "sqlalchemy"],
        "psycopg, sqlalchemy",
    ) else {
        return;
    };
    let server = TestServer::start();
    let output = Command::new(python)
        .arg(dir().join("sqlalchemy_inspect.py"))
        .arg(server.port.to_string())
        .arg(dir().join("schema.sql"))
        .output()
        .expect("run sqlalchemy_inspect.py");
    assert!(
        output.status.success(),
        "sqlalchemy_inspect.py failed:\n{}\n{}\n--- server log ---\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        server.log_text()
    );
}

#[test]
fn pgjdbc_database_metadata() {
    let jar = Path::new("/usr/share/java/postgresql.jar");
    assert!(
        jar.exists(),
        "pgjdbc not found at {jar:?}; install it (Debian: apt-get install libpostgresql-jdbc-java)"
    );
    let server = server_with_schema();
    let output = Command::new("java")
        .arg("-cp")
        .arg(jar)
        .arg(dir().join("Metadata.java"))
        .arg(server.port.to_string())
        .output()
        .expect("run java (is a JDK 17 installed?)");
    assert!(
        output.status.success(),
        "Metadata.java failed:\n{}\n{}\n--- server log ---\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        server.log_text()
    );
}
