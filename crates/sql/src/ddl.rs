//! DDL: CREATE/DROP/ALTER TABLE, TRUNCATE, CREATE/DROP INDEX. Each changes the catalog through
//! the transaction (so DDL commits or rolls back with it) after taking the table's exclusive
//! lock, which waits for every transaction that has used the table.

use std::collections::HashSet;
use std::sync::Arc;

use sqlparser::ast::{self, ColumnOption, Statement, TableConstraint};

use embeddb_tables::catalog::{
    CheckConstraint, ColumnDef, IndexColumn, IndexDef, MAX_COLUMNS, SequenceDef, TableDef,
};
use embeddb_tables::{LockMode, LockTarget, TableKeyspaces, Transaction, codec};
use embeddb_types::{DataType, SqlError, SqlResult, SqlState, Value};

use crate::binder::expr::{Clause, ExprContext};
use crate::binder::types::{Serial, table_column_type};
use crate::binder::{Binder, Scope, normalize_ident};
use crate::exec::context::ExecContext;
use crate::result::{Notice, QueryResult, Tag};
use crate::session::{Executed, Session};

pub(crate) fn done(tag: &'static str) -> SqlResult<Executed> {
    Ok(Executed::Result(QueryResult::command(Tag::Fixed(tag))))
}

/// Runs a DDL statement in `txn`; `in_block` says whether the transaction is a block's (as
/// opposed to the statement's own).
pub fn execute_ddl(
    session: &mut Session,
    txn: &mut Transaction,
    binder: &mut Binder<'_>,
    statement: &Statement,
    ctx: &ExecContext,
    in_block: bool,
) -> SqlResult<Executed> {
    match statement {
        Statement::CreateTable(create) => create_table(session, txn, binder, create, ctx),
        Statement::Drop {
            object_type,
            if_exists,
            names,
            cascade,
            ..
        } => match object_type {
            ast::ObjectType::Table => {
                drop_tables(session, txn, binder, names, *if_exists, *cascade, ctx)
            }
            ast::ObjectType::Index => drop_indexes(session, txn, binder, names, *if_exists, ctx),
            other => Err(SqlError::not_supported(format!(
                "DROP {other} is not supported"
            ))),
        },
        Statement::AlterTable(alter) => {
            crate::ddl_alter::alter_table(session, txn, binder, alter, ctx)
        }
        Statement::Truncate(truncate) => truncate_tables(txn, binder, truncate, ctx),
        Statement::CreateIndex(create) => {
            crate::ddl_index::create_index(session, txn, binder, create, ctx, in_block)
        }
        Statement::Analyze(analyze) => crate::maintenance::analyze(binder, analyze),
        Statement::Vacuum(vacuum) => crate::maintenance::vacuum(txn, binder, vacuum, ctx, in_block),
        other => Err(SqlError::not_supported(format!(
            "statement is not supported: {}",
            first_words(&other.to_string())
        ))),
    }
}

fn first_words(s: &str) -> String {
    s.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

/// A name not yet used by any relation: `base`, else `base1`, `base2`, ... (as PostgreSQL
/// chooses constraint and index names).
pub(crate) fn unique_relation_name(
    binder: &Binder<'_>,
    base: &str,
    taken: &HashSet<String>,
) -> String {
    let base = embeddb_tables::catalog::truncate_identifier(base);
    if binder.catalog().relation(&base).is_none() && !taken.contains(&base) {
        return base;
    }
    for n in 1.. {
        let candidate = format!("{base}{n}");
        if binder.catalog().relation(&candidate).is_none() && !taken.contains(&candidate) {
            return candidate;
        }
    }
    base
}

/// Locks a relation name for creation and fails if it exists (42P07).
pub(crate) fn claim_name(
    txn: &Transaction,
    binder: &Binder<'_>,
    name: &str,
    ctx: &ExecContext,
) -> SqlResult<()> {
    txn.lock(
        &LockTarget::RelationName(name.to_string()),
        LockMode::Exclusive,
        ctx.interrupt.as_ref(),
    )?;
    // Another session may have created it while we waited: the transaction looks at the
    // newest committed catalog too (but not at names its own DROP or RENAME gave up).
    let exists_now = binder.catalog().relation(name).is_some() || txn.relation_exists(name);
    if exists_now {
        return Err(SqlError::new(
            SqlState::DUPLICATE_TABLE,
            format!("relation \"{name}\" already exists"),
        ));
    }
    Ok(())
}

/// Validates a DEFAULT expression against the column type and returns its stored text.
pub(crate) fn default_sql(
    binder: &mut Binder<'_>,
    expr: &ast::Expr,
    ty: &DataType,
    column: &str,
) -> SqlResult<String> {
    let empty = Scope::default();
    let mut cx = ExprContext::new(&empty, Clause::Default);
    let bound = binder.bind_expr(expr, &mut cx)?;
    if bound.references_columns() {
        return Err(SqlError::new(
            SqlState::FEATURE_NOT_SUPPORTED,
            "cannot use column reference in DEFAULT expression",
        ));
    }
    binder.coerce_assignment(bound, ty, column)?;
    Ok(expr.to_string())
}

/// Validates a CHECK expression over the table's columns and returns its stored text.
pub(crate) fn check_sql(
    binder: &mut Binder<'_>,
    table: &TableDef,
    expr: &ast::Expr,
) -> SqlResult<String> {
    let scope = Scope::for_table(table, &table.name);
    let mut cx = ExprContext::new(&scope, Clause::Check);
    let bound = binder.bind_condition(expr, &mut cx)?;
    if bound.any(&mut |e| {
        matches!(
            e.kind,
            crate::expr::ExprKind::Subquery(_) | crate::expr::ExprKind::Quantified(_)
        )
    }) {
        return Err(SqlError::not_supported(
            "cannot use subquery in check constraint",
        ));
    }
    Ok(expr.to_string())
}

/// The columns a constraint names, as attnums.
fn constraint_columns(table: &TableDef, columns: &[ast::IndexColumn]) -> SqlResult<Vec<u16>> {
    let mut out = Vec::with_capacity(columns.len());
    for c in columns {
        let name = match &c.column.expr {
            ast::Expr::Identifier(i) => normalize_ident(i),
            other => {
                return Err(SqlError::not_supported(format!(
                    "expressions in constraints are not supported: {other}"
                )));
            }
        };
        let column = table.column(&name).ok_or_else(|| {
            SqlError::new(
                SqlState::UNDEFINED_COLUMN,
                format!("column \"{name}\" named in key does not exist"),
            )
        })?;
        out.push(column.attnum);
    }
    Ok(out)
}

pub(crate) fn column_names(table: &TableDef, attnums: &[u16]) -> Vec<String> {
    attnums
        .iter()
        .filter_map(|a| table.column_by_attnum(*a).map(|c| c.name.clone()))
        .collect()
}

struct PendingUnique {
    name: Option<String>,
    columns: Vec<u16>,
}

fn create_table(
    session: &mut Session,
    txn: &mut Transaction,
    binder: &mut Binder<'_>,
    create: &ast::CreateTable,
    ctx: &ExecContext,
) -> SqlResult<Executed> {
    if create.temporary {
        return Err(SqlError::not_supported(
            "temporary tables are not supported yet",
        ));
    }
    if create.like.is_some()
        || create.clone.is_some()
        || create.inherits.is_some()
        || create.partition_of.is_some()
    {
        return Err(SqlError::not_supported(
            "CREATE TABLE ... LIKE/INHERITS/PARTITION OF",
        ));
    }
    let name = binder.relation_name(&create.name)?;
    if binder.catalog().relation(&name).is_some() {
        if create.if_not_exists {
            session.notice(Notice::notice(
                SqlState::DUPLICATE_TABLE,
                format!("relation \"{name}\" already exists, skipping"),
            ));
            return done("CREATE TABLE");
        }
        return Err(SqlError::new(
            SqlState::DUPLICATE_TABLE,
            format!("relation \"{name}\" already exists"),
        ));
    }
    claim_name(txn, binder, &name, ctx)?;
    if let Some(query) = &create.query {
        return create_table_as(txn, binder, &name, create, query, ctx);
    }
    if create.columns.len() > MAX_COLUMNS {
        return Err(SqlError::new(
            SqlState::TOO_MANY_COLUMNS,
            format!("tables can have at most {MAX_COLUMNS} columns"),
        ));
    }
    let (keyspace, _) = txn.create_keyspace()?;
    let mut table = TableDef {
        oid: txn.allocate_oid()?,
        name: name.clone(),
        columns: Vec::new(),
        primary_key: Vec::new(),
        primary_key_name: None,
        indexes: Vec::new(),
        checks: Vec::new(),
        sequences: Vec::new(),
        keyspace,
        rowid_sequence: None,
        next_attnum: 1,
    };
    let mut taken: HashSet<String> = HashSet::new();
    taken.insert(name.clone());
    let mut primary: Option<(Option<String>, Vec<u16>)> = None;
    let mut uniques: Vec<PendingUnique> = Vec::new();
    let mut pending_checks: Vec<(Option<String>, ast::Expr, Option<String>)> = Vec::new();

    for column in &create.columns {
        let cname = normalize_ident(&column.name);
        if table.columns.iter().any(|c| c.name == cname) {
            return Err(SqlError::new(
                SqlState::DUPLICATE_COLUMN,
                format!("column \"{cname}\" specified more than once"),
            ));
        }
        let (ty, serial) = table_column_type(column)?;
        let attnum = table.next_attnum;
        table.next_attnum += 1;
        let mut def = ColumnDef {
            attnum,
            name: cname.clone(),
            data_type: ty.clone(),
            not_null: false,
            default_sql: None,
            missing_value: None,
            dropped: false,
        };
        if let Some(s) = serial {
            let seq_name = unique_relation_name(binder, &format!("{name}_{cname}_seq"), &taken);
            taken.insert(seq_name.clone());
            claim_name(txn, binder, &seq_name, ctx)?;
            table
                .sequences
                .push(serial_sequence(txn, &seq_name, s, attnum)?);
            def.default_sql = Some(format!("nextval('{seq_name}')"));
            def.not_null = true;
        }
        for option in &column.options {
            let constraint_name = option.name.as_ref().map(normalize_ident);
            match &option.option {
                ColumnOption::Null => def.not_null = false,
                ColumnOption::NotNull => def.not_null = true,
                ColumnOption::Default(expr) => {
                    if serial.is_some() {
                        return Err(SqlError::new(
                            SqlState::SYNTAX_ERROR,
                            format!(
                                "multiple default values specified for column \"{cname}\" of table \"{name}\""
                            ),
                        ));
                    }
                    def.default_sql = Some(default_sql(binder, expr, &ty, &cname)?);
                }
                ColumnOption::PrimaryKey(_) => {
                    if primary.is_some() {
                        return Err(multiple_primary_keys(&name));
                    }
                    primary = Some((constraint_name, vec![attnum]));
                    def.not_null = true;
                }
                ColumnOption::Unique(_) => uniques.push(PendingUnique {
                    name: constraint_name,
                    columns: vec![attnum],
                }),
                ColumnOption::Check(check) => {
                    pending_checks.push((
                        constraint_name,
                        (*check.expr).clone(),
                        Some(cname.clone()),
                    ));
                }
                ColumnOption::ForeignKey(_) => {
                    return Err(SqlError::not_supported(
                        "foreign keys are not supported yet",
                    ));
                }
                ColumnOption::Generated { .. } | ColumnOption::Identity(_) => {
                    return Err(SqlError::not_supported(
                        "identity and generated columns are not supported yet",
                    ));
                }
                ColumnOption::Collation(c) => {
                    let collation = c.to_string().trim_matches('"').to_string();
                    if collation != "C" && collation != "POSIX" && collation != "default" {
                        return Err(SqlError::new(
                            SqlState::UNDEFINED_OBJECT,
                            format!(
                                "collation \"{collation}\" for encoding \"UTF8\" does not exist"
                            ),
                        ));
                    }
                }
                other => {
                    return Err(SqlError::not_supported(format!("column option {other}")));
                }
            }
        }
        table.columns.push(def);
    }

    for constraint in &create.constraints {
        match constraint {
            TableConstraint::PrimaryKey(pk) => {
                if primary.is_some() {
                    return Err(multiple_primary_keys(&name));
                }
                let cols = constraint_columns(&table, &pk.columns)?;
                primary = Some((pk.name.as_ref().map(normalize_ident), cols));
            }
            TableConstraint::Unique(u) => {
                let cols = constraint_columns(&table, &u.columns)?;
                uniques.push(PendingUnique {
                    name: u.name.as_ref().map(normalize_ident),
                    columns: cols,
                });
            }
            TableConstraint::Check(c) => {
                pending_checks.push((
                    c.name.as_ref().map(normalize_ident),
                    (*c.expr).clone(),
                    None,
                ));
            }
            TableConstraint::ForeignKey(_) => {
                return Err(SqlError::not_supported(
                    "foreign keys are not supported yet",
                ));
            }
            other => {
                return Err(SqlError::not_supported(format!("table constraint {other}")));
            }
        }
    }

    if let Some((constraint_name, cols)) = primary {
        for attnum in &cols {
            if let Some(c) = table.columns.iter_mut().find(|c| c.attnum == *attnum) {
                c.not_null = true;
            }
        }
        let pk_name = match constraint_name {
            Some(n) => n,
            None => unique_relation_name(binder, &format!("{name}_pkey"), &taken),
        };
        claim_name(txn, binder, &pk_name, ctx)?;
        taken.insert(pk_name.clone());
        table.primary_key = cols.clone();
        table.primary_key_name = Some(pk_name.clone());
        table.indexes.push(IndexDef {
            oid: txn.allocate_oid()?,
            name: pk_name.clone(),
            columns: cols
                .iter()
                .map(|a| IndexColumn {
                    attnum: *a,
                    descending: false,
                })
                .collect(),
            unique: true,
            primary: true,
            constraint: Some(pk_name),
            keyspace: String::new(),
        });
    } else {
        // Rows without a primary key are keyed by a hidden row id.
        let seq_name = unique_relation_name(binder, &format!("{name}_rowid_seq"), &taken);
        taken.insert(seq_name.clone());
        let mut seq = serial_sequence(txn, &seq_name, Serial::Big, 0)?;
        seq.owned_by = None;
        table.rowid_sequence = Some(seq.oid);
        table.sequences.push(seq);
    }

    for unique in uniques {
        let index_name = match unique.name {
            Some(n) => n,
            None => {
                let cols = column_names(&table, &unique.columns).join("_");
                unique_relation_name(binder, &format!("{name}_{cols}_key"), &taken)
            }
        };
        claim_name(txn, binder, &index_name, ctx)?;
        taken.insert(index_name.clone());
        let (keyspace, _) = txn.create_keyspace()?;
        table.indexes.push(IndexDef {
            oid: txn.allocate_oid()?,
            name: index_name.clone(),
            columns: unique
                .columns
                .iter()
                .map(|a| IndexColumn {
                    attnum: *a,
                    descending: false,
                })
                .collect(),
            unique: true,
            primary: false,
            constraint: Some(index_name),
            keyspace,
        });
    }

    let mut check_names: HashSet<String> = HashSet::new();
    for (constraint_name, expr, _column) in pending_checks {
        let expr_sql = check_sql(binder, &table, &expr)?;
        let check_name = match constraint_name {
            Some(n) => n,
            None => {
                let base = match check_only_column(binder, &table, &expr)? {
                    Some(c) => format!("{name}_{c}_check"),
                    None => format!("{name}_check"),
                };
                let mut candidate = base.clone();
                let mut n = 1;
                while check_names.contains(&candidate) {
                    candidate = format!("{base}{n}");
                    n += 1;
                }
                candidate
            }
        };
        check_names.insert(check_name.clone());
        table.checks.push(CheckConstraint {
            name: check_name,
            expr_sql,
        });
    }

    txn.put_table(table)?;
    done("CREATE TABLE")
}

/// The first column a CHECK expression mentions (PostgreSQL names the constraint after it).
/// The one column a CHECK expression refers to, if it refers to exactly one: PostgreSQL names
/// such a constraint `<table>_<column>_check`, any other `<table>_check`.
pub(crate) fn check_only_column(
    binder: &mut Binder<'_>,
    table: &TableDef,
    expr: &ast::Expr,
) -> SqlResult<Option<String>> {
    let scope = Scope::for_table(table, &table.name);
    let mut cx = ExprContext::new(&scope, Clause::Check);
    let bound = binder.bind_condition(expr, &mut cx)?;
    let mut columns = Vec::new();
    bound.collect_columns(&mut columns);
    columns.sort_unstable();
    columns.dedup();
    Ok(match columns.as_slice() {
        [only] => scope.columns.get(*only).map(|c| c.name.clone()),
        _ => None,
    })
}

fn multiple_primary_keys(table: &str) -> SqlError {
    SqlError::new(
        SqlState::INVALID_TABLE_DEFINITION,
        format!("multiple primary keys for table \"{table}\" are not allowed"),
    )
}

pub(crate) fn serial_sequence(
    txn: &Transaction,
    name: &str,
    serial: Serial,
    attnum: u16,
) -> SqlResult<SequenceDef> {
    Ok(SequenceDef {
        oid: txn.allocate_oid()?,
        name: name.to_string(),
        data_type: serial.data_type(),
        start: 1,
        increment: 1,
        min_value: 1,
        max_value: serial.max_value(),
        owned_by: Some(attnum),
    })
}

fn create_table_as(
    txn: &mut Transaction,
    binder: &mut Binder<'_>,
    name: &str,
    create: &ast::CreateTable,
    query: &ast::Query,
    ctx: &ExecContext,
) -> SqlResult<Executed> {
    let plan = crate::optimizer::optimize(binder.bind_query(query)?, ctx.store.as_ref());
    let schema = plan.schema();
    let aliases: Vec<String> = create
        .columns
        .iter()
        .map(|c| normalize_ident(&c.name))
        .collect();
    let (keyspace, _) = txn.create_keyspace()?;
    let mut table = TableDef {
        oid: txn.allocate_oid()?,
        name: name.to_string(),
        columns: Vec::new(),
        primary_key: Vec::new(),
        primary_key_name: None,
        indexes: Vec::new(),
        checks: Vec::new(),
        sequences: Vec::new(),
        keyspace,
        rowid_sequence: None,
        next_attnum: 1,
    };
    for (i, field) in schema.iter().enumerate() {
        let cname = aliases
            .get(i)
            .cloned()
            .unwrap_or_else(|| field.name.clone());
        if table.columns.iter().any(|c| c.name == cname) {
            return Err(SqlError::new(
                SqlState::DUPLICATE_COLUMN,
                format!("column \"{cname}\" specified more than once"),
            ));
        }
        table.columns.push(ColumnDef {
            attnum: table.next_attnum,
            name: cname,
            data_type: if field.ty == DataType::Unknown {
                DataType::Text
            } else {
                field.ty.clone()
            },
            not_null: false,
            default_sql: None,
            missing_value: None,
            dropped: false,
        });
        table.next_attnum += 1;
    }
    let seq_name = unique_relation_name(binder, &format!("{name}_rowid_seq"), &HashSet::new());
    let mut seq = serial_sequence(txn, &seq_name, Serial::Big, 0)?;
    seq.owned_by = None;
    table.rowid_sequence = Some(seq.oid);
    table.sequences.push(seq);
    txn.put_table(table.clone())?;
    let ctx = &crate::session::lock_plan(txn, &plan, ctx)?;
    let keyspaces = TableKeyspaces::resolve(txn, &table)?;
    let mut op = crate::exec::build(&plan, ctx)?;
    let mut count = 0u64;
    while let Some(chunk) = op.next_chunk()? {
        for row in chunk {
            let key = txn.new_row_key(&table, &row)?;
            txn.put(keyspaces.rows, &key, codec::encode_row(&table, &row)?)?;
            count += 1;
        }
    }
    Ok(Executed::Result(QueryResult::command(Tag::SelectCount(
        count,
    ))))
}

fn drop_tables(
    session: &mut Session,
    txn: &mut Transaction,
    binder: &mut Binder<'_>,
    names: &[ast::ObjectName],
    if_exists: bool,
    _cascade: bool,
    ctx: &ExecContext,
) -> SqlResult<Executed> {
    let mut tables: Vec<Arc<TableDef>> = Vec::new();
    for n in names {
        let name = binder.relation_name(n)?;
        match binder.catalog().table_by_name(&name) {
            Some(t) => tables.push(t.clone()),
            None if if_exists => session.notice(Notice::notice(
                SqlState::UNDEFINED_TABLE,
                format!("table \"{name}\" does not exist, skipping"),
            )),
            None => {
                if binder.catalog().relation(&name).is_some() {
                    return Err(SqlError::new(
                        SqlState::WRONG_OBJECT_TYPE,
                        format!("\"{name}\" is not a table"),
                    )
                    .with_hint("Use DROP INDEX to remove an index."));
                }
                return Err(SqlError::new(
                    SqlState::UNDEFINED_TABLE,
                    format!("table \"{name}\" does not exist"),
                ));
            }
        }
    }
    for table in tables {
        txn.lock_table_exclusive(&table, ctx.interrupt.as_ref())?;
        // The table may have changed while we waited for the lock.
        let current = txn.catalog().table(table.oid).cloned();
        if let Some(current) = current {
            txn.remove_table(&current)?;
        }
    }
    done("DROP TABLE")
}

fn drop_indexes(
    session: &mut Session,
    txn: &mut Transaction,
    binder: &mut Binder<'_>,
    names: &[ast::ObjectName],
    if_exists: bool,
    ctx: &ExecContext,
) -> SqlResult<Executed> {
    for n in names {
        let name = binder.relation_name(n)?;
        let Some((table_oid, kind, index_oid)) = txn.catalog().relation(&name) else {
            if if_exists {
                session.notice(Notice::notice(
                    SqlState::UNDEFINED_OBJECT,
                    format!("index \"{name}\" does not exist, skipping"),
                ));
                continue;
            }
            return Err(SqlError::new(
                SqlState::UNDEFINED_OBJECT,
                format!("index \"{name}\" does not exist"),
            ));
        };
        if kind != embeddb_tables::catalog::RelationKind::Index {
            return Err(SqlError::new(
                SqlState::WRONG_OBJECT_TYPE,
                format!("\"{name}\" is not an index"),
            ));
        }
        let Some(table) = txn.catalog().table(table_oid).cloned() else {
            continue;
        };
        txn.lock_table_exclusive(&table, ctx.interrupt.as_ref())?;
        let Some(index) = table.indexes.iter().find(|i| i.oid == index_oid) else {
            continue;
        };
        if let Some(constraint) = &index.constraint {
            return Err(SqlError::new(
                SqlState::DEPENDENT_OBJECTS_STILL_EXIST,
                format!(
                    "cannot drop index {name} because constraint {constraint} on table {} requires it",
                    table.name
                ),
            )
            .with_hint(format!("You can drop constraint {constraint} on table {} instead.", table.name)));
        }
        let mut changed = (*table).clone();
        changed.indexes.retain(|i| i.oid != index_oid);
        txn.retire_keyspace(&index.keyspace);
        txn.put_table(changed)?;
    }
    done("DROP INDEX")
}

fn truncate_tables(
    txn: &mut Transaction,
    binder: &mut Binder<'_>,
    truncate: &ast::Truncate,
    ctx: &ExecContext,
) -> SqlResult<Executed> {
    let restart = matches!(
        truncate.identity,
        Some(ast::TruncateIdentityOption::Restart)
    );
    for target in &truncate.table_names {
        let name = binder.relation_name(&target.name)?;
        let table = binder.table(&name, sqlparser::tokenizer::Span::empty())?;
        txn.lock_table_exclusive(&table, ctx.interrupt.as_ref())?;
        let mut changed = (*table).clone();
        // Fresh, empty keyspaces replace the old ones, which go when the transaction commits.
        let (rows, _) = txn.create_keyspace()?;
        txn.retire_keyspace(&changed.keyspace);
        changed.keyspace = rows;
        for index in changed.indexes.iter_mut() {
            if index.primary {
                continue;
            }
            let (ks, _) = txn.create_keyspace()?;
            txn.retire_keyspace(&index.keyspace);
            index.keyspace = ks;
        }
        txn.put_table(changed.clone())?;
        if restart {
            for seq in &changed.sequences {
                txn.sequences().setval(seq, seq.start, false)?;
            }
        }
    }
    done("TRUNCATE TABLE")
}

/// Evaluates a constant expression (a DEFAULT for ADD COLUMN's existing rows).
pub(crate) fn eval_constant(
    binder: &mut Binder<'_>,
    sql: &str,
    ty: &DataType,
    column: &str,
    ctx: &ExecContext,
) -> SqlResult<Option<Value>> {
    let ast = crate::binder::parse_stored_expr(sql)?;
    let empty = Scope::default();
    let mut cx = ExprContext::new(&empty, Clause::Default);
    let bound = binder.bind_expr(&ast, &mut cx)?;
    let bound = binder.coerce_assignment(bound, ty, column)?;
    if bound.is_volatile() {
        return Ok(None);
    }
    Ok(Some(bound.eval(&[], ctx)?))
}
