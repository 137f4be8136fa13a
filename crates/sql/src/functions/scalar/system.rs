//! Functions about the session and the server: version(), current_user, current_setting(),
//! sequences (nextval, currval, setval, lastval), the current time, pg_typeof.

use embeddb_tables::catalog::RelationKind;
use embeddb_types::{DataType, SqlError, SqlResult, SqlState, Value};

use crate::exec::context::ExecContext;
use crate::functions::registry::Registry;
use crate::functions::{ArgType, CallInfo, ReturnType};

/// What `version()` returns: PostgreSQL's shape (drivers parse the leading version) and
/// EmbedDB's name.
pub const VERSION_TEXT: &str = concat!(
    "PostgreSQL 16.6 (EmbedDB ",
    env!("CARGO_PKG_VERSION"),
    ") on x86_64-pc-linux-gnu, compiled by rustc, 64-bit"
);

fn version(_: &[Value], _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Text(VERSION_TEXT.to_string()))
}

fn current_database(_: &[Value], _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Text(ctx.session.database.clone()))
}

fn current_user(_: &[Value], _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Text(ctx.session.user.clone()))
}

fn current_schema(_: &[Value], _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Text("public".to_string()))
}

fn current_schemas(args: &[Value], _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let mut schemas = Vec::new();
    if args.first().and_then(Value::as_bool) == Some(true) {
        schemas.push(Value::Text("pg_catalog".to_string()));
    }
    schemas.push(Value::Text("public".to_string()));
    Ok(Value::Array(Box::new(embeddb_types::Array::from_elements(
        DataType::Name,
        schemas,
    ))))
}

fn backend_pid(_: &[Value], _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Int4(ctx.session.backend_pid))
}

fn current_setting(args: &[Value], _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    let name = args[0].as_str().unwrap_or("").to_lowercase();
    let missing_ok = args.get(1).and_then(Value::as_bool).unwrap_or(false);
    match ctx.session.settings.get(&name) {
        Some(v) => Ok(Value::Text(v.clone())),
        None if missing_ok => Ok(Value::Null),
        None => Err(SqlError::new(
            SqlState::UNDEFINED_OBJECT,
            format!("unrecognized configuration parameter \"{name}\""),
        )),
    }
}

/// set_config(name, value, is_local): validated now, applied to the session when the
/// statement ends; returns the value as SHOW would print it.
fn set_config(args: &[Value], _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    let name = args[0].as_str().unwrap_or("").to_string();
    let value = args[1].as_str().unwrap_or("").to_string();
    let local = args[2].as_bool().unwrap_or(false);
    let mut check = crate::settings::Settings::default();
    check.set(&name, &value)?;
    let (_, shown) = check.show(&name)?;
    ctx.sequences
        .lock()
        .pending_settings
        .push(crate::exec::context::SettingChange { name, value, local });
    Ok(Value::Text(shown))
}

fn pg_typeof(_: &[Value], call: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    // The type without its modifier, as regtype prints it: `character varying`, not `(5)`.
    Ok(Value::Text(call.arg_types[0].without_typmod().to_string()))
}

fn now(_: &[Value], _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Timestamptz(ctx.transaction_ts_micros))
}

fn statement_timestamp(_: &[Value], _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Timestamptz(ctx.statement_ts_micros))
}

fn clock_timestamp(_: &[Value], _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Timestamptz(
        embeddb_types::FormatContext::system_now_micros(),
    ))
}

fn current_date(_: &[Value], _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    let ts = Value::Timestamptz(ctx.transaction_ts_micros);
    embeddb_types::cast(ts, &DataType::Timestamptz, &DataType::Date, ctx.format())
}

/// `current_time` (time with time zone) and `localtime` (time) at the transaction start, in
/// the session time zone; with a precision argument, the fraction rounded to that many digits.
fn current_time(args: &[Value], info: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    let ts = Value::Timestamptz(ctx.transaction_ts_micros);
    let value = embeddb_types::cast(ts, &DataType::Timestamptz, info.ret, ctx.format())?;
    let Some(precision) = args.first().and_then(Value::as_i64) else {
        return Ok(value);
    };
    if precision < 0 {
        return Err(SqlError::new(
            SqlState::INVALID_PARAMETER_VALUE,
            format!("TIME({precision}) precision must not be negative"),
        ));
    }
    // PostgreSQL reduces a precision above 6 to 6 (with a warning).
    let unit = 10i64.pow(6 - precision.min(6) as u32);
    let round = |t: i64| (t + unit / 2).div_euclid(unit) * unit;
    Ok(match value {
        Value::Time(t) => Value::Time(round(t)),
        Value::Timetz(t) => {
            Value::Timetz(embeddb_types::datetime::TimeTz::new(round(t.time), t.zone))
        }
        other => other,
    })
}

fn localtimestamp(_: &[Value], _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    let ts = Value::Timestamptz(ctx.transaction_ts_micros);
    embeddb_types::cast(
        ts,
        &DataType::Timestamptz,
        &DataType::Timestamp,
        ctx.format(),
    )
}

fn gen_random_uuid(_: &[Value], _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    let mut bytes: [u8; 16] = rand::random();
    // Version 4, variant 10xx.
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    Ok(Value::Uuid(bytes))
}

fn random(_: &[Value], _: &CallInfo<'_>, _: &ExecContext) -> SqlResult<Value> {
    Ok(Value::Float8(rand::random::<f64>()))
}

/// The sequence a `regclass`-like text argument names.
fn sequence_def(ctx: &ExecContext, name: &str) -> SqlResult<embeddb_tables::catalog::SequenceDef> {
    let lookup = name.trim_matches('"').trim_start_matches("public.");
    let lowered = if name.starts_with('"') {
        lookup.to_string()
    } else {
        lookup.to_lowercase()
    };
    let missing = || {
        SqlError::new(
            SqlState::UNDEFINED_TABLE,
            format!("relation \"{lowered}\" does not exist"),
        )
    };
    let (table_oid, kind, seq_oid) = ctx.catalog.relation(&lowered).ok_or_else(missing)?;
    if kind != RelationKind::Sequence {
        return Err(SqlError::new(
            SqlState::WRONG_OBJECT_TYPE,
            format!("\"{lowered}\" is not a sequence"),
        ));
    }
    ctx.catalog
        .table(table_oid)
        .and_then(|t| t.sequences.iter().find(|s| s.oid == seq_oid).cloned())
        .ok_or_else(missing)
}

fn nextval(args: &[Value], _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    let def = sequence_def(ctx, args[0].as_str().unwrap_or(""))?;
    let v = ctx.store.sequences().nextval(&def)?;
    let mut memory = ctx.sequences.lock();
    memory.last_by_sequence.insert(def.oid, v);
    memory.last = Some(v);
    Ok(Value::Int8(v))
}

fn currval(args: &[Value], _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    let def = sequence_def(ctx, args[0].as_str().unwrap_or(""))?;
    match ctx.sequences.lock().last_by_sequence.get(&def.oid) {
        Some(v) => Ok(Value::Int8(*v)),
        None => Err(SqlError::new(
            SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
            format!(
                "currval of sequence \"{}\" is not yet defined in this session",
                def.name
            ),
        )),
    }
}

fn lastval(_: &[Value], _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    match ctx.sequences.lock().last {
        Some(v) => Ok(Value::Int8(v)),
        None => Err(SqlError::new(
            SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE,
            "lastval is not yet defined in this session",
        )),
    }
}

fn setval(args: &[Value], _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    let def = sequence_def(ctx, args[0].as_str().unwrap_or(""))?;
    let value = args[1].as_i64().unwrap_or(0);
    let is_called = args.get(2).and_then(Value::as_bool).unwrap_or(true);
    ctx.store.sequences().setval(&def, value, is_called)?;
    if is_called {
        ctx.sequences.lock().last_by_sequence.insert(def.oid, value);
    }
    Ok(Value::Int8(value))
}

fn pg_sleep(args: &[Value], _: &CallInfo<'_>, ctx: &ExecContext) -> SqlResult<Value> {
    let seconds = match &args[0] {
        Value::Float8(f) => *f,
        _ => 0.0,
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs_f64(seconds.max(0.0));
    // Sleep in slices so a cancel request or statement timeout ends it promptly.
    while std::time::Instant::now() < deadline {
        ctx.check_interrupt()?;
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        std::thread::sleep(left.min(std::time::Duration::from_millis(10)));
    }
    ctx.check_interrupt()?;
    Ok(Value::Null)
}

pub(super) fn register(r: &mut Registry) {
    use DataType as T;
    r.exact("version", &[], T::Text, version);
    r.exact("current_database", &[], T::Name, current_database)
        .stable();
    r.exact("current_catalog", &[], T::Name, current_database)
        .stable();
    for name in ["current_user", "session_user", "user", "current_role"] {
        r.exact(name, &[], T::Name, current_user).stable();
    }
    r.exact("current_schema", &[], T::Name, current_schema)
        .stable();
    r.exact(
        "current_schemas",
        &[T::Bool],
        T::Array(Box::new(T::Name)),
        current_schemas,
    )
    .stable();
    r.exact("pg_backend_pid", &[], T::Int4, backend_pid)
        .stable();
    r.exact("current_setting", &[T::Text], T::Text, current_setting)
        .stable();
    r.exact(
        "current_setting",
        &[T::Text, T::Bool],
        T::Text,
        current_setting,
    )
    .stable();
    r.exact(
        "set_config",
        &[T::Text, T::Text, T::Bool],
        T::Text,
        set_config,
    )
    .volatile();
    r.add(
        "pg_typeof",
        vec![ArgType::Any],
        ReturnType::Exact(T::Text),
        pg_typeof,
    )
    .non_strict()
    .stable();
    for name in ["now", "current_timestamp", "transaction_timestamp"] {
        r.exact(name, &[], T::Timestamptz, now).stable();
    }
    r.exact(
        "statement_timestamp",
        &[],
        T::Timestamptz,
        statement_timestamp,
    )
    .stable();
    r.exact("clock_timestamp", &[], T::Timestamptz, clock_timestamp)
        .volatile();
    r.exact("current_date", &[], T::Date, current_date).stable();
    r.exact("localtimestamp", &[], T::Timestamp, localtimestamp)
        .stable();
    for (name, ty) in [("current_time", T::Timetz), ("localtime", T::Time)] {
        r.exact(name, &[], ty.clone(), current_time).stable();
        r.exact(name, &[T::Int4], ty, current_time).stable();
    }
    r.exact("gen_random_uuid", &[], T::Uuid, gen_random_uuid)
        .volatile();
    r.exact("random", &[], T::Float8, random).volatile();
    r.exact("nextval", &[T::Text], T::Int8, nextval).volatile();
    r.exact("currval", &[T::Text], T::Int8, currval).volatile();
    r.exact("lastval", &[], T::Int8, lastval).volatile();
    r.exact("setval", &[T::Text, T::Int8], T::Int8, setval)
        .volatile();
    r.exact("setval", &[T::Text, T::Int8, T::Bool], T::Int8, setval)
        .volatile();
    r.exact("pg_sleep", &[T::Float8], T::Text, pg_sleep)
        .volatile();
}
