//! COPY ... FROM STDIN and COPY ... TO STDOUT in PostgreSQL's text and CSV formats: option
//! parsing, row parsing as data arrives (a row never waits for the whole input), and row
//! encoding for output.

use std::sync::Arc;

use sqlparser::ast::{
    self, CopyLegacyCsvOption, CopyLegacyOption, CopyOption, CopySource, CopyTarget, Statement,
};

use embeddb_tables::{BulkLoad, InsertOutcome, TableDef, TableKeyspaces, Transaction};
use embeddb_types::{DataType, Row, SqlError, SqlResult, SqlState, Value, format_text, parse_text};

use crate::binder::{Binder, normalize_ident};
use crate::exec::context::ExecContext;
use crate::expr::Expr;
use crate::plan::Field;
use crate::result::{QueryResult, Tag};
use crate::session::{Executed, Session};

mod fields;

use fields::{split_csv, split_text};

/// Longest line COPY FROM accepts before the data is rejected (a client sending a file
/// without newlines must not make the server buffer it all).
const MAX_COPY_LINE_BYTES: usize = 256 << 20;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyFormat {
    pub csv: bool,
    pub delimiter: char,
    pub null: String,
    pub header: bool,
    pub quote: char,
    pub escape: char,
}

impl CopyFormat {
    fn text() -> Self {
        CopyFormat {
            csv: false,
            delimiter: '\t',
            null: "\\N".to_string(),
            header: false,
            quote: '"',
            escape: '"',
        }
    }
}

fn parse_format(options: &[CopyOption], legacy: &[CopyLegacyOption]) -> SqlResult<CopyFormat> {
    let mut format = CopyFormat::text();
    let mut explicit_null = None;
    let mut explicit_delimiter = None;
    for option in options {
        match option {
            CopyOption::Format(ident) => match ident.value.to_ascii_lowercase().as_str() {
                "csv" => format.csv = true,
                "text" => format.csv = false,
                "binary" => {
                    return Err(SqlError::not_supported("COPY BINARY is not supported yet"));
                }
                other => {
                    return Err(SqlError::new(
                        SqlState::INVALID_PARAMETER_VALUE,
                        format!("COPY format \"{other}\" not recognized"),
                    ));
                }
            },
            CopyOption::Delimiter(c) => explicit_delimiter = Some(*c),
            CopyOption::Null(s) => explicit_null = Some(s.clone()),
            CopyOption::Header(h) => format.header = *h,
            CopyOption::Quote(c) => format.quote = *c,
            CopyOption::Escape(c) => format.escape = *c,
            CopyOption::Freeze(_) => {}
            other => return Err(SqlError::not_supported(format!("COPY option {other}"))),
        }
    }
    for option in legacy {
        match option {
            CopyLegacyOption::Binary => {
                return Err(SqlError::not_supported("COPY BINARY is not supported yet"));
            }
            CopyLegacyOption::Delimiter(c) => explicit_delimiter = Some(*c),
            CopyLegacyOption::Null(s) => explicit_null = Some(s.clone()),
            CopyLegacyOption::Csv(csv_options) => {
                format.csv = true;
                for o in csv_options {
                    match o {
                        CopyLegacyCsvOption::Header => format.header = true,
                        CopyLegacyCsvOption::Quote(c) => format.quote = *c,
                        CopyLegacyCsvOption::Escape(c) => format.escape = *c,
                        other => {
                            return Err(SqlError::not_supported(format!("COPY option {other}")));
                        }
                    }
                }
            }
            CopyLegacyOption::Header => format.header = true,
            other => return Err(SqlError::not_supported(format!("COPY option {other}"))),
        }
    }
    if format.csv {
        format.delimiter = ',';
        format.null = String::new();
    }
    if let Some(d) = explicit_delimiter {
        format.delimiter = d;
    }
    if let Some(n) = explicit_null {
        format.null = n;
    }
    if format.header && !format.csv {
        return Err(SqlError::not_supported(
            "COPY HEADER is available only in CSV mode",
        ));
    }
    Ok(format)
}

/// A COPY FROM STDIN in progress.
pub struct CopyIn {
    table: Arc<TableDef>,
    /// Visible column positions the data's fields fill, in order.
    targets: Vec<usize>,
    /// For every visible column: the DEFAULT to use when the data does not give it.
    defaults: Vec<Option<Expr>>,
    checks: Vec<crate::plan::CheckExpr>,
    types: Vec<DataType>,
    format: CopyFormat,
    pending: Vec<u8>,
    header_pending: bool,
    line_number: u64,
    count: u64,
    ctx: ExecContext,
    txn: Option<(Box<Transaction>, bool)>,
    keyspaces: Option<TableKeyspaces>,
    /// A COPY in its own transaction loads through the bulk path (`embeddb_tables::bulk`);
    /// inside a transaction block, rows go through the transaction like INSERTs.
    bulk: Option<BulkLoad>,
    /// The row being built, kept between lines so each line does not allocate one.
    row_buffer: Row,
    error: Option<SqlError>,
    ended: bool,
}

impl CopyIn {
    pub(crate) fn attach_transaction(&mut self, txn: Box<Transaction>, autocommit: bool) {
        let prepared = if autocommit {
            BulkLoad::new(&txn, self.table.clone(), self.ctx.format().clone())
                .map(|bulk| self.bulk = Some(bulk))
        } else {
            TableKeyspaces::for_writes(&txn, &self.table, self.ctx.interrupt.as_ref())
                .map(|ks| self.keyspaces = Some(ks))
        };
        if let Err(e) = prepared {
            self.error = Some(e);
        }
        self.txn = Some((txn, autocommit));
    }

    fn feed(&mut self, data: &[u8]) -> SqlResult<()> {
        let mut pending = std::mem::take(&mut self.pending);
        // Lines are read straight from the message; only an incomplete last line is kept.
        let result = if pending.is_empty() {
            let (consumed, result) = self.lines(data);
            pending.extend_from_slice(&data[consumed..]);
            result
        } else {
            pending.extend_from_slice(data);
            let (consumed, result) = self.lines(&pending);
            pending.drain(..consumed);
            result
        };
        self.pending = pending;
        result?;
        if self.pending.len() > MAX_COPY_LINE_BYTES {
            return Err(SqlError::new(
                SqlState::PROGRAM_LIMIT_EXCEEDED,
                format!("COPY line is longer than {} MiB", MAX_COPY_LINE_BYTES >> 20),
            ));
        }
        Ok(())
    }

    /// Loads every complete line at the start of `data`; returns the bytes consumed.
    fn lines(&mut self, data: &[u8]) -> (usize, SqlResult<()>) {
        let mut start = 0;
        while let Some(end) = fields::line_end(&data[start..], &self.format) {
            if let Err(e) = self.line(&data[start..start + end]) {
                return (start, Err(e));
            }
            start += end + 1;
        }
        (start, Ok(()))
    }

    fn line(&mut self, raw: &[u8]) -> SqlResult<()> {
        if self.ended {
            return Ok(());
        }
        self.line_number += 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let line = std::str::from_utf8(raw).map_err(|_| {
            SqlError::new(
                SqlState::CHARACTER_NOT_IN_REPERTOIRE,
                "invalid byte sequence for encoding \"UTF8\"",
            )
        })?;
        if line == "\\." {
            self.ended = true;
            return Ok(());
        }
        if self.header_pending {
            self.header_pending = false;
            return Ok(());
        }
        let mut row = std::mem::take(&mut self.row_buffer);
        row.clear();
        row.resize(self.types.len(), Value::Null);
        let result = self.insert(line, &mut row);
        row.clear();
        self.row_buffer = row;
        result.map_err(|e| {
            let table = &self.table.name;
            let context = format!("COPY {table}, line {}", self.line_number);
            SqlError {
                detail: e.detail.clone().or(Some(context)),
                ..e
            }
        })
    }

    /// PostgreSQL's errors for a line with more or fewer fields than the COPY's columns.
    fn check_field_count(&self, fields: usize) -> SqlResult<()> {
        if fields > self.targets.len() {
            return Err(SqlError::new(
                SqlState::from_code("22P04"),
                "extra data after last expected column",
            ));
        }
        if fields < self.targets.len() {
            let missing = self
                .table
                .visible_columns()
                .nth(self.targets[fields])
                .map(|c| c.name.clone())
                .unwrap_or_default();
            return Err(SqlError::new(
                SqlState::from_code("22P04"),
                format!("missing data for column \"{missing}\""),
            ));
        }
        Ok(())
    }

    /// Parses a line into `row` (all NULL on entry), fills defaults, checks and stores it.
    fn insert(&mut self, line: &str, row: &mut Row) -> SqlResult<()> {
        let plain = !self.format.csv
            && self.format.delimiter.is_ascii()
            && memchr::memchr(b'\\', line.as_bytes()).is_none();
        if plain {
            // No escapes: fields are the text between delimiters, borrowed from the line.
            let delimiter = self.format.delimiter as u8;
            let count = memchr::memchr_iter(delimiter, line.as_bytes()).count() + 1;
            self.check_field_count(count)?;
            let mut start = 0;
            for &position in &self.targets {
                let end = memchr::memchr(delimiter, &line.as_bytes()[start..])
                    .map_or(line.len(), |i| start + i);
                let text = line
                    .get(start..end)
                    .ok_or_else(|| SqlError::internal("COPY field split inside a character"))?;
                if text != self.format.null {
                    row[position] = parse_text(text, &self.types[position], self.ctx.format())?;
                }
                start = end + 1;
            }
        } else {
            let fields = if self.format.csv {
                split_csv(line, &self.format)
            } else {
                split_text(line, &self.format)?
            };
            self.check_field_count(fields.len())?;
            for (field, &position) in fields.into_iter().zip(&self.targets) {
                if let Some(text) = field {
                    row[position] = parse_text(&text, &self.types[position], self.ctx.format())?;
                }
            }
        }
        // Only columns the data does not give have a default here.
        for (position, default) in self.defaults.iter().enumerate() {
            if let Some(e) = default {
                row[position] = e.eval(&[], &self.ctx)?;
            }
        }
        let row: &Row = row;
        crate::exec::dml::check_row(&self.table, &self.checks, row, &self.ctx)?;
        if let (Some((txn, _)), Some(bulk)) = (self.txn.as_ref(), self.bulk.as_mut()) {
            bulk.add(txn, row)?;
            self.count += 1;
            return Ok(());
        }
        let (Some((txn, _)), Some(keyspaces)) = (self.txn.as_mut(), self.keyspaces.as_ref()) else {
            return Err(SqlError::internal("COPY without a transaction"));
        };
        match txn.insert_row(
            &self.table,
            keyspaces,
            row,
            self.ctx.format(),
            self.ctx.interrupt.as_ref(),
        )? {
            InsertOutcome::Inserted { .. } => {
                self.count += 1;
                Ok(())
            }
            InsertOutcome::Conflict(c) => Err(c.into_error()),
        }
    }
}

/// Encodes one row as a COPY output line (with its newline).
pub fn encode_row(
    row: &[Value],
    types: &[DataType],
    format: &CopyFormat,
    ctx: &embeddb_types::FormatContext,
) -> String {
    let mut line = String::new();
    for (i, (v, t)) in row.iter().zip(types).enumerate() {
        if i > 0 {
            line.push(format.delimiter);
        }
        if v.is_null() {
            line.push_str(&format.null);
            continue;
        }
        let text = format_text(v, t, ctx);
        if format.csv {
            let needs_quotes = text.is_empty()
                || text == format.null
                || text.contains(format.delimiter)
                || text.contains(format.quote)
                || text.contains('\n')
                || text.contains('\r');
            if needs_quotes {
                line.push(format.quote);
                for c in text.chars() {
                    if c == format.quote || c == format.escape {
                        line.push(format.escape);
                    }
                    line.push(c);
                }
                line.push(format.quote);
            } else {
                line.push_str(&text);
            }
        } else {
            for c in text.chars() {
                match c {
                    '\\' => line.push_str("\\\\"),
                    '\n' => line.push_str("\\n"),
                    '\r' => line.push_str("\\r"),
                    '\t' => line.push_str("\\t"),
                    '\u{8}' => line.push_str("\\b"),
                    '\u{c}' => line.push_str("\\f"),
                    '\u{b}' => line.push_str("\\v"),
                    c if c == format.delimiter => {
                        line.push('\\');
                        line.push(c);
                    }
                    c => line.push(c),
                }
            }
        }
    }
    line.push('\n');
    line
}

/// Starts a COPY statement.
pub fn start_copy(
    session: &mut Session,
    txn: &mut Transaction,
    binder: &mut Binder<'_>,
    statement: &Statement,
    ctx: &ExecContext,
) -> SqlResult<Executed> {
    let Statement::Copy {
        source,
        to,
        target,
        options,
        legacy_options,
        ..
    } = statement
    else {
        return Err(SqlError::internal("not a COPY statement"));
    };
    let format = parse_format(options, legacy_options)?;
    if *to {
        if !matches!(target, CopyTarget::Stdout) {
            return Err(SqlError::new(
                SqlState::INSUFFICIENT_PRIVILEGE,
                "COPY to a file is not supported; use COPY ... TO STDOUT",
            ));
        }
        let (plan, types) = match source {
            CopySource::Query(query) => {
                let plan =
                    crate::optimizer::optimize(binder.bind_query(query)?, ctx.store.as_ref());
                let types = plan.schema().iter().map(|f| f.ty.clone()).collect();
                (plan, types)
            }
            CopySource::Table {
                table_name,
                columns,
            } => {
                let select = copy_select(table_name, columns);
                let plan =
                    crate::optimizer::optimize(binder.bind_query(&select)?, ctx.store.as_ref());
                let types = plan.schema().iter().map(|f| f.ty.clone()).collect();
                (plan, types)
            }
        };
        let ctx = &crate::session::lock_plan(txn, &plan, ctx)?;
        let fields: Vec<Field> = plan.schema();
        let operator = crate::exec::build(&plan, ctx)?;
        let mut result = QueryResult::stream(fields, operator);
        result.set_tag(Tag::Copy(0));
        return Ok(Executed::CopyOut {
            format,
            result,
            types,
        });
    }
    if !matches!(target, CopyTarget::Stdin) {
        return Err(SqlError::new(
            SqlState::INSUFFICIENT_PRIVILEGE,
            "COPY from a file is not supported; use COPY ... FROM STDIN",
        ));
    }
    let CopySource::Table {
        table_name,
        columns,
    } = source
    else {
        return Err(SqlError::syntax("COPY FROM needs a table"));
    };
    let name = binder.relation_name(table_name)?;
    let table = binder.table(&name, sqlparser::tokenizer::Span::empty())?;
    txn.lock_table_shared(&table, ctx.interrupt.as_ref())?;
    let visible: Vec<String> = table.visible_columns().map(|c| c.name.clone()).collect();
    let targets: Vec<usize> = if columns.is_empty() {
        (0..visible.len()).collect()
    } else {
        let mut t = Vec::with_capacity(columns.len());
        for c in columns {
            let n = normalize_ident(c);
            let pos = visible.iter().position(|v| *v == n).ok_or_else(|| {
                SqlError::new(
                    SqlState::UNDEFINED_COLUMN,
                    format!("column \"{n}\" of relation \"{name}\" does not exist"),
                )
            })?;
            if t.contains(&pos) {
                return Err(SqlError::new(
                    SqlState::DUPLICATE_COLUMN,
                    format!("column \"{n}\" specified more than once"),
                ));
            }
            t.push(pos);
        }
        t
    };
    let mut defaults = Vec::with_capacity(visible.len());
    for i in 0..visible.len() {
        defaults.push(if targets.contains(&i) {
            None
        } else {
            Some(binder.column_default(&table, i)?)
        });
    }
    let checks = binder.table_checks(&table)?;
    let types = table
        .visible_columns()
        .map(|c| c.data_type.clone())
        .collect();
    session.copy = Some(CopyIn {
        table: table.clone(),
        header_pending: format.header,
        targets: targets.clone(),
        defaults,
        checks,
        types,
        format: format.clone(),
        pending: Vec::new(),
        line_number: 0,
        count: 0,
        ctx: ctx.clone(),
        txn: None,
        keyspaces: None,
        bulk: None,
        row_buffer: Row::new(),
        error: None,
        ended: false,
    });
    Ok(Executed::CopyIn {
        columns: targets.len(),
        format,
    })
}

/// `SELECT cols FROM table` for COPY table TO.
fn copy_select(table: &ast::ObjectName, columns: &[ast::Ident]) -> ast::Query {
    let projection = if columns.is_empty() {
        "*".to_string()
    } else {
        columns
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let sql = format!("SELECT {projection} FROM {table}");
    match crate::parser::parse(&sql).ok().and_then(|mut s| s.pop()) {
        Some(Statement::Query(q)) => *q,
        _ => crate::parser_insert::values_query(Vec::new()),
    }
}

impl Session {
    /// CopyData: more input for the running COPY FROM.
    pub fn copy_data(&mut self, data: &[u8]) {
        let Some(copy) = self.copy.as_mut() else {
            return;
        };
        if copy.error.is_some() {
            return;
        }
        if let Err(e) = copy.feed(data) {
            copy.error = Some(e);
        }
    }

    /// CopyDone: finishes the COPY FROM, committing in autocommit mode.
    pub fn copy_done(&mut self) -> SqlResult<QueryResult> {
        let Some(mut copy) = self.copy.take() else {
            return Err(SqlError::new(
                SqlState::PROTOCOL_VIOLATION,
                "no COPY in progress",
            ));
        };
        if copy.error.is_none() && !copy.pending.is_empty() {
            let rest = std::mem::take(&mut copy.pending);
            if let Err(e) = copy.line(&rest) {
                copy.error = Some(e);
            }
        }
        let Some((mut txn, autocommit)) = copy.txn.take() else {
            return Err(SqlError::internal("COPY without a transaction"));
        };
        if copy.error.is_none()
            && let Some(bulk) = copy.bulk.take()
            && let Err(e) = bulk.finish(&mut txn, copy.ctx.interrupt.as_ref())
        {
            copy.error = Some(e);
        }
        match copy.error.take() {
            Some(e) => {
                if autocommit {
                    txn.rollback();
                } else {
                    self.restore_block(txn, true);
                }
                Err(e)
            }
            None => {
                if autocommit {
                    txn.commit()?;
                } else {
                    self.restore_block(txn, false);
                }
                Ok(QueryResult::command(Tag::Copy(copy.count)))
            }
        }
    }

    /// CopyFail: the client abandoned the COPY.
    pub fn copy_fail(&mut self, message: &str) -> SqlError {
        if let Some(mut copy) = self.copy.take()
            && let Some((txn, autocommit)) = copy.txn.take()
        {
            if autocommit {
                txn.rollback();
            } else {
                self.restore_block(txn, true);
            }
        }
        SqlError::new(
            SqlState::QUERY_CANCELED,
            format!("COPY from stdin failed: {message}"),
        )
    }
}
