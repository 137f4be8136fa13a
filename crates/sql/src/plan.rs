//! The logical plan: a tree of relational operators over typed expressions. The binder builds
//! it, the optimizer rewrites it, and the executor turns each node into a streaming operator.

use std::sync::Arc;

use embeddb_tables::{Oid, TableDef};
use embeddb_types::{DataType, Row};

use crate::expr::Expr;
use crate::functions::aggregate::AggregateFunction;
use crate::functions::table::SetFunctionCall;

/// One output column of a plan node.
#[derive(Clone, Debug, PartialEq)]
pub struct Field {
    pub name: String,
    pub ty: DataType,
    /// The table and column the value comes straight from (RowDescription reports them), or 0.
    pub table_oid: Oid,
    pub column_attnum: i16,
}

impl Field {
    pub fn new(name: impl Into<String>, ty: DataType) -> Self {
        Field {
            name: name.into(),
            ty,
            table_oid: 0,
            column_attnum: 0,
        }
    }
}

pub type Schema = Vec<Field>;

#[derive(Clone, Debug, PartialEq)]
pub struct SortKey {
    pub expr: Expr,
    pub descending: bool,
    pub nulls_first: bool,
}

/// A range over the leading columns of a key: `prefix` fixes the first columns by equality,
/// and `lower`/`upper` bound the next one (inclusive flag beside each).
#[derive(Clone, Debug, PartialEq)]
pub struct KeyRange {
    pub prefix: Vec<Expr>,
    pub lower: Option<(Expr, bool)>,
    pub upper: Option<(Expr, bool)>,
}

impl KeyRange {
    pub fn is_point(&self, key_columns: usize) -> bool {
        self.prefix.len() == key_columns && self.lower.is_none() && self.upper.is_none()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum AccessPath {
    /// Every row, in primary key order.
    FullScan,
    /// Rows whose primary key falls in one of the ranges (in order, ranges disjoint).
    PrimaryKey { ranges: Vec<KeyRange> },
    /// Rows found through a secondary index (position in `TableDef::indexes`).
    Index { index: usize, ranges: Vec<KeyRange> },
}

#[derive(Clone, Debug, PartialEq)]
pub struct ScanNode {
    pub table: Arc<TableDef>,
    /// The table's visible columns (the scan produces all of them).
    pub schema: Schema,
    pub access: AccessPath,
    /// Rows are produced in descending key order.
    pub reverse: bool,
    /// Predicate applied to every row the access path produces.
    pub filter: Option<Expr>,
    /// Stop after this many rows pass the filter (pushed down from a LIMIT above).
    pub limit: Option<Expr>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JoinKind {
    Inner,
    Left,
    Right,
    Full,
    /// Rows of the left side with at least one match (EXISTS / IN).
    Semi,
    /// Rows of the left side without a match (NOT EXISTS).
    Anti,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SetOpKind {
    Union,
    Intersect,
    Except,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AggregateCall {
    pub func: AggregateFunction,
    pub args: Vec<Expr>,
    pub distinct: bool,
    pub filter: Option<Expr>,
    /// ORDER BY inside the call (`string_agg(x, ',' ORDER BY x)`).
    pub order_by: Vec<SortKey>,
    pub ty: DataType,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameUnits {
    Rows,
    Range,
    Groups,
}

#[derive(Clone, Debug, PartialEq)]
pub enum FrameBound {
    UnboundedPreceding,
    Preceding(Expr),
    CurrentRow,
    Following(Expr),
    UnboundedFollowing,
}

/// What a frame leaves out of itself, besides the rows outside its bounds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FrameExclusion {
    /// `EXCLUDE NO OTHERS`, the default.
    #[default]
    NoOthers,
    /// `EXCLUDE CURRENT ROW`.
    CurrentRow,
    /// `EXCLUDE GROUP`: the current row and its peers.
    Group,
    /// `EXCLUDE TIES`: the current row's peers, but not the row itself.
    Ties,
}

#[derive(Clone, Debug, PartialEq)]
pub struct WindowFrame {
    pub units: FrameUnits,
    /// The bounds; an offset is a constant expression (bigint for ROWS and GROUPS).
    pub start: FrameBound,
    pub end: FrameBound,
    /// For RANGE with an offset: how the rows' order key compares with the bounds.
    pub range: Option<RangeOffsets>,
    pub exclusion: FrameExclusion,
}

/// RANGE frames with `offset PRECEDING/FOLLOWING`: the frame holds the rows whose order key lies
/// within the offset of the current row's key.
#[derive(Clone, Debug, PartialEq)]
pub struct RangeOffsets {
    /// The single ORDER BY key in the type the bounds are computed in (integer keys as numeric,
    /// so that adding the offset cannot overflow; dates as timestamps), with the ORDER BY item's
    /// direction and NULL placement.
    pub key: SortKey,
    /// The start and end bound values over the current row (`key - offset` for an ascending
    /// `offset PRECEDING`, ...), present when that bound has an offset.
    pub start: Option<Expr>,
    pub end: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum WindowFunctionKind {
    RowNumber,
    Rank,
    DenseRank,
    PercentRank,
    CumeDist,
    Ntile,
    Lag,
    Lead,
    FirstValue,
    LastValue,
    NthValue,
    Aggregate(AggregateFunction),
}

#[derive(Clone, Debug, PartialEq)]
pub struct WindowCall {
    pub kind: WindowFunctionKind,
    pub args: Vec<Expr>,
    pub partition_by: Vec<Expr>,
    pub order_by: Vec<SortKey>,
    pub frame: Option<WindowFrame>,
    pub filter: Option<Expr>,
    pub distinct: bool,
    pub ty: DataType,
}

#[derive(Clone, Debug, PartialEq)]
pub enum LogicalPlan {
    /// One row of no columns: the FROM of a SELECT without FROM.
    OneRow,
    /// No rows at all (a WHERE that folded to false).
    Empty {
        schema: Schema,
    },
    Values {
        /// Shared with the operator that produces them, so running a bound INSERT of many
        /// rows does not copy its expressions.
        rows: Arc<ValuesRows>,
        schema: Schema,
    },
    Scan(ScanNode),
    /// Set-returning functions in FROM (generate_series, unnest) over constant arguments:
    /// the calls' rows side by side (`unnest(a, b)`), shorter ones padded with NULLs, then an
    /// ordinal column WITH ORDINALITY.
    FunctionScan {
        calls: Vec<SetFunctionCall>,
        ordinality: bool,
        schema: Schema,
    },
    /// Set-returning functions evaluated per input row (PostgreSQL's ProjectSet, also used for
    /// functions in FROM that refer to earlier FROM items): for each input row, the input's
    /// columns followed by the calls' rows side by side as in `FunctionScan`; an input row
    /// whose calls all return no rows produces nothing.
    ProjectSet {
        input: Box<LogicalPlan>,
        calls: Vec<SetFunctionCall>,
        ordinality: bool,
        schema: Schema,
    },
    Filter {
        input: Box<LogicalPlan>,
        predicate: Expr,
    },
    Project {
        input: Box<LogicalPlan>,
        exprs: Vec<Expr>,
        schema: Schema,
    },
    /// Output: the aggregates' results, then the group-by values.
    Aggregate {
        input: Box<LogicalPlan>,
        group_by: Vec<Expr>,
        aggregates: Vec<AggregateCall>,
        schema: Schema,
    },
    /// Output: the input's columns, then one column per window function.
    Window {
        input: Box<LogicalPlan>,
        calls: Vec<WindowCall>,
        schema: Schema,
    },
    Sort {
        input: Box<LogicalPlan>,
        keys: Vec<SortKey>,
        /// Keep only the first rows (a LIMIT above, plus its OFFSET): a top-k sort.
        limit: Option<Expr>,
    },
    Limit {
        input: Box<LogicalPlan>,
        limit: Option<Expr>,
        offset: Option<Expr>,
    },
    /// Removes duplicate rows (all columns), or keeps the first row per `on` values.
    Distinct {
        input: Box<LogicalPlan>,
        on: Option<Vec<Expr>>,
    },
    Join {
        left: Box<LogicalPlan>,
        right: Box<LogicalPlan>,
        kind: JoinKind,
        condition: Option<Expr>,
        schema: Schema,
    },
    SetOp {
        left: Box<LogicalPlan>,
        right: Box<LogicalPlan>,
        kind: SetOpKind,
        all: bool,
        schema: Schema,
    },
    /// WITH RECURSIVE: the anchor's rows, then repeatedly the recursive part over the rows
    /// the previous round produced (read through `WorkTable` with this id).
    RecursiveUnion {
        id: usize,
        anchor: Box<LogicalPlan>,
        recursive: Box<LogicalPlan>,
        all: bool,
        schema: Schema,
    },
    WorkTable {
        id: usize,
        schema: Schema,
    },
    /// A CTE's plan evaluated once and read by several references.
    SharedScan {
        id: usize,
        input: Arc<LogicalPlan>,
        schema: Schema,
    },
}

impl LogicalPlan {
    pub fn schema(&self) -> Schema {
        match self {
            LogicalPlan::OneRow => Vec::new(),
            LogicalPlan::Empty { schema }
            | LogicalPlan::Values { schema, .. }
            | LogicalPlan::FunctionScan { schema, .. }
            | LogicalPlan::ProjectSet { schema, .. }
            | LogicalPlan::Project { schema, .. }
            | LogicalPlan::Aggregate { schema, .. }
            | LogicalPlan::Window { schema, .. }
            | LogicalPlan::Join { schema, .. }
            | LogicalPlan::SetOp { schema, .. }
            | LogicalPlan::RecursiveUnion { schema, .. }
            | LogicalPlan::WorkTable { schema, .. }
            | LogicalPlan::SharedScan { schema, .. } => schema.clone(),
            LogicalPlan::Scan(scan) => scan.schema.clone(),
            LogicalPlan::Filter { input, .. }
            | LogicalPlan::Sort { input, .. }
            | LogicalPlan::Limit { input, .. }
            | LogicalPlan::Distinct { input, .. } => input.schema(),
        }
    }

    pub fn column_count(&self) -> usize {
        match self {
            LogicalPlan::Scan(scan) => scan.schema.len(),
            LogicalPlan::Filter { input, .. }
            | LogicalPlan::Sort { input, .. }
            | LogicalPlan::Limit { input, .. }
            | LogicalPlan::Distinct { input, .. } => input.column_count(),
            other => other.schema().len(),
        }
    }

    /// The direct inputs of the node.
    pub fn children(&self) -> Vec<&LogicalPlan> {
        match self {
            LogicalPlan::OneRow
            | LogicalPlan::Empty { .. }
            | LogicalPlan::Values { .. }
            | LogicalPlan::Scan(_)
            | LogicalPlan::FunctionScan { .. }
            | LogicalPlan::WorkTable { .. } => Vec::new(),
            LogicalPlan::SharedScan { input, .. } => vec![input.as_ref()],
            LogicalPlan::Filter { input, .. }
            | LogicalPlan::Project { input, .. }
            | LogicalPlan::ProjectSet { input, .. }
            | LogicalPlan::Aggregate { input, .. }
            | LogicalPlan::Window { input, .. }
            | LogicalPlan::Sort { input, .. }
            | LogicalPlan::Limit { input, .. }
            | LogicalPlan::Distinct { input, .. } => vec![input.as_ref()],
            LogicalPlan::Join { left, right, .. } | LogicalPlan::SetOp { left, right, .. } => {
                vec![left.as_ref(), right.as_ref()]
            }
            LogicalPlan::RecursiveUnion {
                anchor, recursive, ..
            } => vec![anchor.as_ref(), recursive.as_ref()],
        }
    }

    /// The direct inputs of the node, for rewriting (kept beside `children`).
    pub fn children_mut(&mut self) -> Vec<&mut LogicalPlan> {
        match self {
            LogicalPlan::OneRow
            | LogicalPlan::Empty { .. }
            | LogicalPlan::Values { .. }
            | LogicalPlan::Scan(_)
            | LogicalPlan::FunctionScan { .. }
            | LogicalPlan::WorkTable { .. } => Vec::new(),
            LogicalPlan::SharedScan { input, .. } => vec![Arc::make_mut(input)],
            LogicalPlan::Filter { input, .. }
            | LogicalPlan::Project { input, .. }
            | LogicalPlan::ProjectSet { input, .. }
            | LogicalPlan::Aggregate { input, .. }
            | LogicalPlan::Window { input, .. }
            | LogicalPlan::Sort { input, .. }
            | LogicalPlan::Limit { input, .. }
            | LogicalPlan::Distinct { input, .. } => vec![input.as_mut()],
            LogicalPlan::Join { left, right, .. } | LogicalPlan::SetOp { left, right, .. } => {
                vec![left.as_mut(), right.as_mut()]
            }
            LogicalPlan::RecursiveUnion {
                anchor, recursive, ..
            } => vec![anchor.as_mut(), recursive.as_mut()],
        }
    }
}

/// A check constraint of the target table, bound over the table's row.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckExpr {
    pub name: String,
    pub expr: Expr,
}

/// RETURNING: expressions over the written row, and the columns they produce.
#[derive(Clone, Debug, PartialEq)]
pub struct Returning {
    pub exprs: Vec<Expr>,
    pub schema: Schema,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ConflictAction {
    Nothing,
    /// `DO UPDATE SET ... [WHERE ...]`: expressions over the existing row followed by the
    /// proposed row (`EXCLUDED`).
    Update {
        assignments: Vec<(usize, Expr)>,
        filter: Option<Expr>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct OnConflict {
    /// The arbiter's constraint name; None means any unique constraint (DO NOTHING only).
    pub arbiter: Option<String>,
    pub action: ConflictAction,
}

/// The rows of a VALUES list.
#[derive(Clone, Debug, PartialEq)]
pub enum ValuesRows {
    /// Expressions, evaluated as the rows are produced.
    Exprs(Vec<Vec<Expr>>),
    /// Rows of constants only (a bulk INSERT's literals, already cast to their columns): kept
    /// as values, so an INSERT reads them in place instead of evaluating and copying each one.
    Constants(Vec<Row>),
}

impl ValuesRows {
    pub fn len(&self) -> usize {
        match self {
            ValuesRows::Exprs(rows) => rows.len(),
            ValuesRows::Constants(rows) => rows.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct InsertPlan {
    pub table: Arc<TableDef>,
    /// Produces complete rows in the table's visible column order, cast and with defaults.
    pub source: LogicalPlan,
    pub checks: Vec<CheckExpr>,
    pub on_conflict: Option<OnConflict>,
    pub returning: Option<Returning>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct UpdatePlan {
    pub table: Arc<TableDef>,
    /// The rows to update (its filter is the WHERE clause).
    pub scan: ScanNode,
    /// New values by visible column position, computed from the old row.
    pub assignments: Vec<(usize, Expr)>,
    pub checks: Vec<CheckExpr>,
    pub returning: Option<Returning>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DeletePlan {
    pub table: Arc<TableDef>,
    pub scan: ScanNode,
    pub returning: Option<Returning>,
}
