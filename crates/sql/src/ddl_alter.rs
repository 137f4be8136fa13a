//! ALTER TABLE: add, drop and rename columns, rename the table, column defaults and NOT NULL,
//! and adding or dropping UNIQUE and CHECK constraints. Rows are never rewritten: an added
//! column's default for existing rows is stored once in the catalog (PostgreSQL's
//! `attmissingval`), and dropped columns stay in stored rows, invisible.

use std::collections::HashSet;

use sqlparser::ast::{self, AlterTableOperation, ColumnOption, TableConstraint};

use embeddb_tables::catalog::{CheckConstraint, ColumnDef, IndexColumn, IndexDef, TableDef};
use embeddb_tables::{Transaction, codec};
use embeddb_types::rowcodec::encode_value;
use embeddb_types::{SqlError, SqlResult, SqlState};

use crate::binder::types::column_type;
use crate::binder::{Binder, Scope, normalize_ident};
use crate::ddl::{check_sql, default_sql, eval_constant, serial_sequence, unique_relation_name};
use crate::ddl_index::build_index;
use crate::exec::context::ExecContext;
use crate::result::{Notice, QueryResult, Tag};
use crate::session::{Executed, Session};

pub fn alter_table(
    session: &mut Session,
    txn: &mut Transaction,
    binder: &mut Binder<'_>,
    alter: &ast::AlterTable,
    ctx: &ExecContext,
) -> SqlResult<Executed> {
    let name = binder.relation_name(&alter.name)?;
    let Some(table) = binder.catalog().table_by_name(&name).cloned() else {
        if alter.if_exists {
            session.notice(Notice::notice(
                SqlState::UNDEFINED_TABLE,
                format!("relation \"{name}\" does not exist, skipping"),
            ));
            return Ok(Executed::Result(QueryResult::command(Tag::Fixed(
                "ALTER TABLE",
            ))));
        }
        return Err(SqlError::new(
            SqlState::UNDEFINED_TABLE,
            format!("relation \"{name}\" does not exist"),
        ));
    };
    txn.lock_table_exclusive(&table, ctx.interrupt.as_ref())?;
    // Checks of existing rows (SET NOT NULL, ADD UNIQUE) must see those committed by the
    // writers the lock waited for.
    txn.refresh_statement_snapshot();
    let mut table = txn
        .catalog()
        .table(table.oid)
        .map(|t| (**t).clone())
        .ok_or_else(|| {
            SqlError::new(
                SqlState::UNDEFINED_TABLE,
                format!("relation \"{name}\" does not exist"),
            )
        })?;
    for op in &alter.operations {
        apply(session, txn, binder, &mut table, op, ctx)?;
    }
    txn.put_table(table)?;
    Ok(Executed::Result(QueryResult::command(Tag::Fixed(
        "ALTER TABLE",
    ))))
}

fn column_position(table: &TableDef, name: &str) -> SqlResult<usize> {
    table
        .columns
        .iter()
        .position(|c| !c.dropped && c.name == name)
        .ok_or_else(|| {
            SqlError::new(
                SqlState::UNDEFINED_COLUMN,
                format!(
                    "column \"{name}\" of relation \"{}\" does not exist",
                    table.name
                ),
            )
        })
}

/// Whether any row of the table satisfies the predicate on its decoded values.
fn any_row(
    txn: &mut Transaction,
    table: &TableDef,
    mut pred: impl FnMut(&[embeddb_types::Value]) -> SqlResult<bool>,
) -> SqlResult<bool> {
    let ks = txn.keyspace(&table.keyspace)?;
    let view = txn.read_view();
    for item in view.scan(
        ks,
        std::ops::Bound::Unbounded,
        std::ops::Bound::Unbounded,
        false,
    )? {
        let (_, bytes) = item?;
        let row = codec::decode_row(table, &bytes)?;
        if pred(&row)? {
            return Ok(true);
        }
    }
    Ok(false)
}

fn apply(
    session: &mut Session,
    txn: &mut Transaction,
    binder: &mut Binder<'_>,
    table: &mut TableDef,
    op: &AlterTableOperation,
    ctx: &ExecContext,
) -> SqlResult<()> {
    match op {
        AlterTableOperation::AddColumn {
            if_not_exists,
            column_def,
            ..
        } => add_column(session, txn, binder, table, column_def, *if_not_exists, ctx),
        AlterTableOperation::DropColumn {
            column_names,
            if_exists,
            ..
        } => {
            for c in column_names {
                let cname = normalize_ident(c);
                let position = match column_position(table, &cname) {
                    Ok(position) => position,
                    Err(_) if *if_exists => {
                        session.notice(Notice::notice(
                            SqlState::UNDEFINED_COLUMN,
                            format!(
                                "column \"{cname}\" of relation \"{}\" does not exist, skipping",
                                table.name
                            ),
                        ));
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                let attnum = table.columns[position].attnum;
                if table.primary_key.contains(&attnum) {
                    return Err(SqlError::not_supported(
                        "dropping a primary key column is not supported yet",
                    ));
                }
                // Indexes on the column go with it, as in PostgreSQL.
                let doomed: Vec<IndexDef> = table
                    .indexes
                    .iter()
                    .filter(|i| i.columns.iter().any(|ic| ic.attnum == attnum))
                    .cloned()
                    .collect();
                for index in &doomed {
                    txn.retire_keyspace(&index.keyspace);
                }
                table
                    .indexes
                    .retain(|i| !i.columns.iter().any(|ic| ic.attnum == attnum));
                // Check constraints that mention it go too.
                let column_name = table.columns[position].name.clone();
                table
                    .checks
                    .retain(|chk| !mentions(&chk.expr_sql, &column_name));
                let owned: Vec<u32> = table
                    .sequences
                    .iter()
                    .filter(|s| s.owned_by == Some(attnum))
                    .map(|s| s.oid)
                    .collect();
                table.sequences.retain(|s| !owned.contains(&s.oid));
                let column = &mut table.columns[position];
                column.dropped = true;
                column.name = format!("........pg.dropped.{attnum}........");
                column.not_null = false;
                column.default_sql = None;
                column.missing_value = None;
            }
            Ok(())
        }
        AlterTableOperation::RenameColumn {
            old_column_name,
            new_column_name,
        } => {
            let old = normalize_ident(old_column_name);
            let new = normalize_ident(new_column_name);
            let position = column_position(table, &old).map_err(|_| {
                SqlError::new(
                    SqlState::UNDEFINED_COLUMN,
                    format!("column \"{old}\" does not exist"),
                )
            })?;
            if table.column(&new).is_some() {
                return Err(SqlError::new(
                    SqlState::DUPLICATE_COLUMN,
                    format!(
                        "column \"{new}\" of relation \"{}\" already exists",
                        table.name
                    ),
                ));
            }
            // Stored CHECK texts name columns: rewrite them to the new name.
            for check in table.checks.iter_mut() {
                check.expr_sql = rename_in_sql(&check.expr_sql, &old, &new);
            }
            table.columns[position].name = new;
            Ok(())
        }
        AlterTableOperation::RenameTable { table_name } => {
            let target = match table_name {
                ast::RenameTableNameKind::As(n) | ast::RenameTableNameKind::To(n) => n,
            };
            let new = binder.relation_name(target)?;
            if binder.catalog().relation(&new).is_some() {
                return Err(SqlError::new(
                    SqlState::DUPLICATE_TABLE,
                    format!("relation \"{new}\" already exists"),
                ));
            }
            table.name = new;
            Ok(())
        }
        AlterTableOperation::AlterColumn { column_name, op } => {
            let cname = normalize_ident(column_name);
            let position = column_position(table, &cname)?;
            match op {
                ast::AlterColumnOperation::SetNotNull => {
                    let visible = visible_index(table, position);
                    if any_row(txn, table, |row| Ok(row[visible].is_null()))? {
                        return Err(SqlError::new(
                            SqlState::NOT_NULL_VIOLATION,
                            format!(
                                "column \"{cname}\" of relation \"{}\" contains null values",
                                table.name
                            ),
                        ));
                    }
                    table.columns[position].not_null = true;
                }
                ast::AlterColumnOperation::DropNotNull => {
                    if table.primary_key.contains(&table.columns[position].attnum) {
                        return Err(SqlError::new(
                            SqlState::INVALID_TABLE_DEFINITION,
                            format!("column \"{cname}\" is in a primary key"),
                        ));
                    }
                    table.columns[position].not_null = false;
                }
                ast::AlterColumnOperation::SetDefault { value } => {
                    let ty = table.columns[position].data_type.clone();
                    table.columns[position].default_sql =
                        Some(default_sql(binder, value, &ty, &cname)?);
                }
                ast::AlterColumnOperation::DropDefault => {
                    table.columns[position].default_sql = None;
                }
                ast::AlterColumnOperation::SetDataType { data_type, .. } => {
                    let (ty, _) = column_type(data_type)?;
                    if ty.without_typmod() != table.columns[position].data_type.without_typmod() {
                        return Err(SqlError::not_supported(
                            "changing a column's type is not supported yet",
                        ));
                    }
                    // Same type, new modifier: existing values must fit.
                    let visible = visible_index(table, position);
                    let from = table.columns[position].data_type.clone();
                    let format = ctx.format().clone();
                    any_row(txn, table, |row| {
                        embeddb_types::cast_assignment(row[visible].clone(), &from, &ty, &format)?;
                        Ok(false)
                    })?;
                    table.columns[position].data_type = ty;
                }
                other => {
                    return Err(SqlError::not_supported(format!("ALTER COLUMN {other}")));
                }
            }
            Ok(())
        }
        AlterTableOperation::AddConstraint { constraint, .. } => {
            add_constraint(txn, binder, table, constraint, ctx)
        }
        AlterTableOperation::DropConstraint {
            if_exists, name, ..
        } => {
            let cname = normalize_ident(name);
            if let Some(pos) = table.checks.iter().position(|c| c.name == cname) {
                table.checks.remove(pos);
                return Ok(());
            }
            if let Some(pos) = table
                .indexes
                .iter()
                .position(|i| i.constraint.as_deref() == Some(cname.as_str()))
            {
                if table.indexes[pos].primary {
                    return Err(SqlError::not_supported(
                        "dropping a primary key is not supported yet",
                    ));
                }
                let index = table.indexes.remove(pos);
                txn.retire_keyspace(&index.keyspace);
                return Ok(());
            }
            if *if_exists {
                session.notice(Notice::notice(
                    SqlState::UNDEFINED_OBJECT,
                    format!(
                        "constraint \"{cname}\" of relation \"{}\" does not exist, skipping",
                        table.name
                    ),
                ));
                return Ok(());
            }
            Err(SqlError::new(
                SqlState::UNDEFINED_OBJECT,
                format!(
                    "constraint \"{cname}\" of relation \"{}\" does not exist",
                    table.name
                ),
            ))
        }
        other => Err(SqlError::not_supported(format!("ALTER TABLE {other}"))),
    }
}

/// Position among visible columns of the physical column at `position`.
fn visible_index(table: &TableDef, position: usize) -> usize {
    table.columns[..position]
        .iter()
        .filter(|c| !c.dropped)
        .count()
}

fn add_column(
    session: &mut Session,
    txn: &mut Transaction,
    binder: &mut Binder<'_>,
    table: &mut TableDef,
    column: &ast::ColumnDef,
    if_not_exists: bool,
    ctx: &ExecContext,
) -> SqlResult<()> {
    let cname = normalize_ident(&column.name);
    if table.column(&cname).is_some() {
        if if_not_exists {
            session.notice(Notice::notice(
                SqlState::DUPLICATE_COLUMN,
                format!(
                    "column \"{cname}\" of relation \"{}\" already exists, skipping",
                    table.name
                ),
            ));
            return Ok(());
        }
        return Err(SqlError::new(
            SqlState::DUPLICATE_COLUMN,
            format!(
                "column \"{cname}\" of relation \"{}\" already exists",
                table.name
            ),
        ));
    }
    let (ty, serial) = crate::binder::types::table_column_type(column)?;
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
        let seq_name = unique_relation_name(
            binder,
            &format!("{}_{cname}_seq", table.name),
            &HashSet::new(),
        );
        table
            .sequences
            .push(serial_sequence(txn, &seq_name, s, attnum)?);
        def.default_sql = Some(format!("nextval('{seq_name}')"));
        def.not_null = true;
    }
    let mut unique = false;
    let mut checks = Vec::new();
    for option in &column.options {
        match &option.option {
            ColumnOption::Null => def.not_null = false,
            ColumnOption::NotNull => def.not_null = true,
            ColumnOption::Default(expr) => {
                def.default_sql = Some(default_sql(binder, expr, &ty, &cname)?)
            }
            ColumnOption::Unique(_) => unique = true,
            ColumnOption::Check(c) => {
                checks.push((option.name.as_ref().map(normalize_ident), (*c.expr).clone()))
            }
            ColumnOption::PrimaryKey(_) => {
                return Err(SqlError::not_supported(
                    "adding a primary key is not supported yet",
                ));
            }
            ColumnOption::ForeignKey(_) => {
                return Err(SqlError::not_supported(
                    "foreign keys are not supported yet",
                ));
            }
            other => return Err(SqlError::not_supported(format!("column option {other}"))),
        }
    }
    // Existing rows read the default as it evaluates now (PostgreSQL's fast default).
    if let Some(sql) = &def.default_sql {
        match eval_constant(binder, sql, &ty, &cname, ctx)? {
            Some(value) => {
                if !value.is_null() {
                    let mut bytes = Vec::new();
                    encode_value(&value, &mut bytes);
                    def.missing_value = Some(bytes);
                }
            }
            None => {
                if any_row(txn, table, |_| Ok(true))? {
                    return Err(SqlError::not_supported(
                        "adding a column with a volatile default to a non-empty table is not supported yet",
                    ));
                }
            }
        }
    }
    if def.not_null && def.missing_value.is_none() && any_row(txn, table, |_| Ok(true))? {
        return Err(SqlError::new(
            SqlState::NOT_NULL_VIOLATION,
            format!(
                "column \"{cname}\" of relation \"{}\" contains null values",
                table.name
            ),
        ));
    }
    table.columns.push(def);
    for (name, expr) in checks {
        let expr_sql = check_sql(binder, table, &expr)?;
        let name = match name {
            Some(name) => name,
            None => match crate::ddl::check_only_column(binder, table, &expr)? {
                Some(column) => format!("{}_{column}_check", table.name),
                None => format!("{}_check", table.name),
            },
        };
        table.checks.push(CheckConstraint { name, expr_sql });
    }
    if unique {
        let name = unique_relation_name(
            binder,
            &format!("{}_{cname}_key", table.name),
            &HashSet::new(),
        );
        add_unique_index(txn, table, name, vec![attnum], ctx)?;
    }
    Ok(())
}

fn add_unique_index(
    txn: &mut Transaction,
    table: &mut TableDef,
    name: String,
    attnums: Vec<u16>,
    ctx: &ExecContext,
) -> SqlResult<()> {
    let (keyspace, _) = txn.create_keyspace()?;
    let index = IndexDef {
        oid: txn.allocate_oid()?,
        name: name.clone(),
        columns: attnums
            .into_iter()
            .map(|a| IndexColumn {
                attnum: a,
                descending: false,
            })
            .collect(),
        unique: true,
        primary: false,
        constraint: Some(name),
        keyspace,
    };
    build_index(txn, table, &index, ctx, false)?;
    table.indexes.push(index);
    Ok(())
}

fn add_constraint(
    txn: &mut Transaction,
    binder: &mut Binder<'_>,
    table: &mut TableDef,
    constraint: &TableConstraint,
    ctx: &ExecContext,
) -> SqlResult<()> {
    match constraint {
        TableConstraint::Unique(u) => {
            let mut attnums = Vec::new();
            for c in &u.columns {
                let cname = match &c.column.expr {
                    ast::Expr::Identifier(i) => normalize_ident(i),
                    other => {
                        return Err(SqlError::not_supported(format!(
                            "expression in constraint: {other}"
                        )));
                    }
                };
                attnums.push(table.columns[column_position(table, &cname)?].attnum);
            }
            let name = match &u.name {
                Some(n) => normalize_ident(n),
                None => {
                    let cols: Vec<String> = attnums
                        .iter()
                        .filter_map(|a| table.column_by_attnum(*a).map(|c| c.name.clone()))
                        .collect();
                    unique_relation_name(
                        binder,
                        &format!("{}_{}_key", table.name, cols.join("_")),
                        &HashSet::new(),
                    )
                }
            };
            add_unique_index(txn, table, name, attnums, ctx)
        }
        TableConstraint::Check(c) => {
            let expr_sql = check_sql(binder, table, &c.expr)?;
            let name = match c.name.as_ref() {
                Some(name) => normalize_ident(name),
                None => match crate::ddl::check_only_column(binder, table, &c.expr)? {
                    Some(column) => format!("{}_{column}_check", table.name),
                    None => format!("{}_check", table.name),
                },
            };
            // Existing rows must satisfy it.
            let scope = Scope::for_table(table, &table.name);
            let mut cx =
                crate::binder::expr::ExprContext::new(&scope, crate::binder::expr::Clause::Check);
            let bound = binder.bind_condition(&c.expr, &mut cx)?;
            let violated = any_row(txn, table, |row| {
                Ok(bound.eval(row, ctx)?.as_bool() == Some(false))
            })?;
            if violated {
                return Err(SqlError::new(
                    SqlState::CHECK_VIOLATION,
                    format!(
                        "check constraint \"{name}\" of relation \"{}\" is violated by some row",
                        table.name
                    ),
                ));
            }
            table.checks.push(CheckConstraint { name, expr_sql });
            Ok(())
        }
        TableConstraint::PrimaryKey(_) => Err(SqlError::not_supported(
            "adding a primary key is not supported yet",
        )),
        TableConstraint::ForeignKey(_) => Err(SqlError::not_supported(
            "foreign keys are not supported yet",
        )),
        other => Err(SqlError::not_supported(format!("constraint {other}"))),
    }
}

/// Whether stored SQL mentions an identifier (as a whole word).
fn mentions(sql: &str, name: &str) -> bool {
    sql.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|w| w.eq_ignore_ascii_case(name))
}

/// Replaces whole-word occurrences of an identifier in stored SQL.
fn rename_in_sql(sql: &str, old: &str, new: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut word = String::new();
    let mut in_string = false;
    for ch in sql.chars() {
        if ch == '\'' {
            in_string = !in_string;
        }
        if !in_string && (ch.is_alphanumeric() || ch == '_') {
            word.push(ch);
            continue;
        }
        if !word.is_empty() {
            out.push_str(if word.eq_ignore_ascii_case(old) {
                new
            } else {
                &word
            });
            word.clear();
        }
        out.push(ch);
    }
    if !word.is_empty() {
        out.push_str(if word.eq_ignore_ascii_case(old) {
            new
        } else {
            &word
        });
    }
    out
}
