//! What executing a statement gives the wire layer: a row stream with its columns and command
//! tag, or a COPY exchange, plus notices.

use embeddb_types::{Row, SqlResult, SqlState};

use crate::exec::{BoxedOperator, CHUNK_ROWS};
use crate::plan::Field;

/// The command tag PostgreSQL sends in CommandComplete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tag {
    /// `SELECT n`, n counted as rows stream out.
    Select,
    Insert(u64),
    Update(u64),
    Delete(u64),
    Copy(u64),
    /// `SELECT n` with the count known up front (CREATE TABLE AS).
    SelectCount(u64),
    /// A fixed tag (`CREATE TABLE`, `BEGIN`, `SET`, `SHOW`, ...).
    Fixed(&'static str),
}

enum Source {
    Operator(BoxedOperator),
    Rows(std::vec::IntoIter<Row>),
}

/// Rows (if the statement returns any) and the command tag.
pub struct QueryResult {
    /// The columns, if the statement returns rows (RowDescription); None for commands.
    pub fields: Option<Vec<Field>>,
    source: Source,
    tag: Tag,
    produced: u64,
    finished: bool,
    /// Called with the error when streaming fails (marks the transaction block failed).
    on_error: Option<Box<dyn FnMut() + Send>>,
}

impl QueryResult {
    pub fn command(tag: Tag) -> Self {
        QueryResult {
            fields: None,
            source: Source::Rows(Vec::new().into_iter()),
            tag,
            produced: 0,
            finished: true,
            on_error: None,
        }
    }

    pub fn rows(fields: Vec<Field>, rows: Vec<Row>, tag: Tag) -> Self {
        QueryResult {
            fields: Some(fields),
            source: Source::Rows(rows.into_iter()),
            tag,
            produced: 0,
            finished: false,
            on_error: None,
        }
    }

    pub fn stream(fields: Vec<Field>, operator: BoxedOperator) -> Self {
        QueryResult {
            fields: Some(fields),
            source: Source::Operator(operator),
            tag: Tag::Select,
            produced: 0,
            finished: false,
            on_error: None,
        }
    }

    pub(crate) fn set_tag(&mut self, tag: Tag) {
        self.tag = tag;
    }

    pub(crate) fn on_error(mut self, f: Box<dyn FnMut() + Send>) -> Self {
        self.on_error = Some(f);
        self
    }

    /// The next rows, or None when the result is exhausted.
    pub fn next_chunk(&mut self) -> SqlResult<Option<Vec<Row>>> {
        if self.finished {
            return Ok(None);
        }
        let next = match &mut self.source {
            Source::Operator(op) => op.next_chunk(),
            Source::Rows(rows) => {
                let chunk: Vec<Row> = rows.by_ref().take(CHUNK_ROWS).collect();
                Ok(if chunk.is_empty() { None } else { Some(chunk) })
            }
        };
        match next {
            Ok(Some(chunk)) => {
                self.produced += chunk.len() as u64;
                Ok(Some(chunk))
            }
            Ok(None) => {
                self.finished = true;
                Ok(None)
            }
            Err(e) => {
                self.finished = true;
                if let Some(f) = self.on_error.as_mut() {
                    f();
                }
                Err(e)
            }
        }
    }

    /// The command tag; for SELECT it counts the rows produced so far.
    pub fn tag(&self) -> String {
        match &self.tag {
            Tag::Select => format!("SELECT {}", self.produced),
            Tag::Insert(n) => format!("INSERT 0 {n}"),
            Tag::Update(n) => format!("UPDATE {n}"),
            Tag::Delete(n) => format!("DELETE {n}"),
            Tag::Copy(n) => format!("COPY {}", n + self.produced),
            Tag::SelectCount(n) => format!("SELECT {n}"),
            Tag::Fixed(t) => (*t).to_string(),
        }
    }

    pub fn is_finished(&self) -> bool {
        self.finished
    }
}

/// A message for the client that is not an error (NOTICE, WARNING).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    pub severity: &'static str,
    pub code: SqlState,
    pub message: String,
}

impl Notice {
    #[allow(clippy::self_named_constructors)]
    pub fn notice(code: SqlState, message: impl Into<String>) -> Self {
        Notice {
            severity: "NOTICE",
            code,
            message: message.into(),
        }
    }

    pub fn warning(code: SqlState, message: impl Into<String>) -> Self {
        Notice {
            severity: "WARNING",
            code,
            message: message.into(),
        }
    }
}
