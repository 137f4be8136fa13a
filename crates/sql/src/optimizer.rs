//! The optimizer: rewrites of the logical plan that keep its results and make it cheaper.
//!
//! - Filters move down into scans and into the sides of inner joins; WHERE equalities between
//!   the two sides of a comma join become its join condition (so it can hash).
//! - A scan's filter is searched for conditions on the primary key (or a secondary index):
//!   equalities, IN lists and ranges become key ranges, so `WHERE id = $1` is a point lookup.
//! - ORDER BY on the primary key over a scan becomes a forward or reverse key-order scan,
//!   and a LIMIT above it stops the scan early; ORDER BY ... LIMIT elsewhere is a top-k sort.
//!
//! Every rewrite keeps the original predicate on the scan, so a key range only ever narrows
//! what is read; it never decides alone which rows qualify.

use embeddb_types::DataType;
use embeddb_types::ops::BinaryOp;

use crate::expr::{Expr, ExprKind};
use crate::plan::{AccessPath, JoinKind, KeyRange, LogicalPlan, ScanNode, SortKey};

/// Most key ranges an IN list or OR may expand to before a full scan is cheaper to plan.
const MAX_KEY_RANGES: usize = 4096;

pub fn optimize(plan: LogicalPlan) -> LogicalPlan {
    let plan = push_down_filters(plan);
    let plan = choose_access_paths(plan);
    push_down_limits(plan)
}

/// Chooses the access path of a DML statement's target scan.
pub fn optimize_scan(scan: ScanNode) -> ScanNode {
    choose_scan_access(scan)
}

fn and_all(mut conjuncts: Vec<Expr>) -> Option<Expr> {
    let first = if conjuncts.is_empty() {
        return None;
    } else {
        conjuncts.remove(0)
    };
    Some(conjuncts.into_iter().fold(first, |acc, c| {
        Expr::new(ExprKind::And(Box::new(acc), Box::new(c)), DataType::Bool)
    }))
}

fn conjuncts_of(e: Expr) -> Vec<Expr> {
    e.conjuncts()
}

/// The column positions an expression reads, or None if it also reads something that makes it
/// unsafe to move (outer references are fine; subqueries and volatile calls are not).
fn movable_columns(e: &Expr) -> Option<Vec<usize>> {
    if e.is_volatile() {
        return None;
    }
    let mut columns = Vec::new();
    e.collect_columns(&mut columns);
    Some(columns)
}

fn shift(e: Expr, by: usize) -> Expr {
    e.transform(&mut |node| {
        Ok(match node.kind {
            ExprKind::Column(i) => Expr::column(i - by, node.ty),
            _ => node,
        })
    })
    .unwrap_or_else(|_| Expr::boolean(true))
}

fn with_filter(plan: LogicalPlan, conjuncts: Vec<Expr>) -> LogicalPlan {
    match and_all(conjuncts) {
        None => plan,
        Some(predicate) => push_down_filters(LogicalPlan::Filter {
            input: Box::new(plan),
            predicate,
        }),
    }
}

fn push_down_filters(plan: LogicalPlan) -> LogicalPlan {
    match plan {
        LogicalPlan::Filter { input, predicate } => {
            if predicate.is_true_literal() {
                return push_down_filters(*input);
            }
            match *input {
                LogicalPlan::Scan(mut scan) => {
                    scan.filter = Some(match scan.filter.take() {
                        None => predicate,
                        Some(existing) => Expr::new(
                            ExprKind::And(Box::new(existing), Box::new(predicate)),
                            DataType::Bool,
                        ),
                    });
                    LogicalPlan::Scan(scan)
                }
                LogicalPlan::Filter {
                    input: inner,
                    predicate: inner_pred,
                } => push_down_filters(LogicalPlan::Filter {
                    input: inner,
                    predicate: Expr::new(
                        ExprKind::And(Box::new(inner_pred), Box::new(predicate)),
                        DataType::Bool,
                    ),
                }),
                LogicalPlan::Join {
                    left,
                    right,
                    kind,
                    condition,
                    schema,
                } if matches!(kind, JoinKind::Inner | JoinKind::Left) => {
                    let left_width = left.column_count();
                    let mut to_left = Vec::new();
                    let mut to_right = Vec::new();
                    let mut to_join = Vec::new();
                    let mut stay = Vec::new();
                    for c in conjuncts_of(predicate) {
                        match movable_columns(&c) {
                            Some(cols)
                                if !cols.is_empty() && cols.iter().all(|i| *i < left_width) =>
                            {
                                to_left.push(c)
                            }
                            Some(cols)
                                if kind == JoinKind::Inner
                                    && !cols.is_empty()
                                    && cols.iter().all(|i| *i >= left_width) =>
                            {
                                to_right.push(shift(c, left_width))
                            }
                            Some(cols) if kind == JoinKind::Inner && !cols.is_empty() => {
                                to_join.push(c)
                            }
                            _ => stay.push(c),
                        }
                    }
                    let mut join_conjuncts = match condition {
                        Some(c) => conjuncts_of(c),
                        None => Vec::new(),
                    };
                    join_conjuncts.extend(to_join);
                    let joined = LogicalPlan::Join {
                        left: Box::new(with_filter(*left, to_left)),
                        right: Box::new(with_filter(*right, to_right)),
                        kind,
                        condition: and_all(join_conjuncts),
                        schema,
                    };
                    let joined = push_down_filters_children(joined);
                    match and_all(stay) {
                        None => joined,
                        Some(predicate) => LogicalPlan::Filter {
                            input: Box::new(joined),
                            predicate,
                        },
                    }
                }
                other => LogicalPlan::Filter {
                    input: Box::new(push_down_filters(other)),
                    predicate,
                },
            }
        }
        LogicalPlan::Join {
            left,
            right,
            kind: JoinKind::Inner,
            condition: Some(condition),
            schema,
        } => {
            // Conditions of an inner join that read one side only filter that side.
            let left_width = left.column_count();
            let mut to_left = Vec::new();
            let mut to_right = Vec::new();
            let mut keep = Vec::new();
            for c in conjuncts_of(condition) {
                match movable_columns(&c) {
                    Some(cols) if !cols.is_empty() && cols.iter().all(|i| *i < left_width) => {
                        to_left.push(c)
                    }
                    Some(cols) if !cols.is_empty() && cols.iter().all(|i| *i >= left_width) => {
                        to_right.push(shift(c, left_width))
                    }
                    _ => keep.push(c),
                }
            }
            LogicalPlan::Join {
                left: Box::new(with_filter(*left, to_left)),
                right: Box::new(with_filter(*right, to_right)),
                kind: JoinKind::Inner,
                condition: and_all(keep),
                schema,
            }
        }
        other => push_down_filters_children(other),
    }
}

/// Applies a rewrite to every direct input of a node.
fn map_inputs(plan: LogicalPlan, f: &mut dyn FnMut(LogicalPlan) -> LogicalPlan) -> LogicalPlan {
    use LogicalPlan as P;
    let b = |p: Box<LogicalPlan>, f: &mut dyn FnMut(LogicalPlan) -> LogicalPlan| Box::new(f(*p));
    match plan {
        P::Filter { input, predicate } => P::Filter {
            input: b(input, f),
            predicate,
        },
        P::Project {
            input,
            exprs,
            schema,
        } => P::Project {
            input: b(input, f),
            exprs,
            schema,
        },
        P::Aggregate {
            input,
            group_by,
            aggregates,
            schema,
        } => P::Aggregate {
            input: b(input, f),
            group_by,
            aggregates,
            schema,
        },
        P::Window {
            input,
            calls,
            schema,
        } => P::Window {
            input: b(input, f),
            calls,
            schema,
        },
        P::Sort { input, keys, limit } => P::Sort {
            input: b(input, f),
            keys,
            limit,
        },
        P::Limit {
            input,
            limit,
            offset,
        } => P::Limit {
            input: b(input, f),
            limit,
            offset,
        },
        P::Distinct { input, on } => P::Distinct {
            input: b(input, f),
            on,
        },
        P::Join {
            left,
            right,
            kind,
            condition,
            schema,
        } => P::Join {
            left: b(left, f),
            right: b(right, f),
            kind,
            condition,
            schema,
        },
        P::SetOp {
            left,
            right,
            kind,
            all,
            schema,
        } => P::SetOp {
            left: b(left, f),
            right: b(right, f),
            kind,
            all,
            schema,
        },
        P::RecursiveUnion {
            id,
            anchor,
            recursive,
            all,
            schema,
        } => P::RecursiveUnion {
            id,
            anchor: b(anchor, f),
            recursive: b(recursive, f),
            all,
            schema,
        },
        leaf => leaf,
    }
}

fn push_down_filters_children(plan: LogicalPlan) -> LogicalPlan {
    map_inputs(plan, &mut push_down_filters)
}

fn choose_access_paths(plan: LogicalPlan) -> LogicalPlan {
    match plan {
        LogicalPlan::Scan(scan) => LogicalPlan::Scan(choose_scan_access(scan)),
        other => map_inputs(other, &mut choose_access_paths),
    }
}

/// A comparison of a key column with a value computed before the scan starts.
struct KeyCondition {
    column: usize,
    op: BinaryOp,
    value: Expr,
}

/// Whether a value of type `from` converts to the column's type without loss, so the key
/// encoding of the converted value orders exactly as the comparison does.
fn widens_to(from: &DataType, column: &DataType) -> bool {
    use DataType as T;
    from.without_typmod() == column.without_typmod()
        || matches!(
            (from, column),
            (T::Int2, T::Int4) | (T::Int2, T::Int8) | (T::Int4, T::Int8) | (T::Float4, T::Float8)
        )
        || (from.is_string()
            && column.is_string()
            && !matches!(column, T::Bpchar(_))
            && !matches!(from, T::Bpchar(_)))
}

fn key_conditions(
    conjuncts: &[Expr],
    column_types: &[DataType],
) -> (Vec<KeyCondition>, Vec<(usize, Vec<Expr>)>) {
    let mut conditions = Vec::new();
    let mut in_lists = Vec::new();
    for c in conjuncts {
        match &c.kind {
            ExprKind::Binary {
                op, left, right, ..
            } if op.is_comparison() && *op != BinaryOp::NotEq => {
                let candidates = [
                    (left, right, *op),
                    (right, left, op.commute().unwrap_or(*op)),
                ];
                for (col, value, op) in candidates {
                    if let ExprKind::Column(i) = col.kind {
                        if i < column_types.len()
                            && value.is_constant_at_runtime()
                            && widens_to(&value.ty, &column_types[i])
                            && col.ty.without_typmod() == column_types[i].without_typmod()
                        {
                            conditions.push(KeyCondition {
                                column: i,
                                op,
                                value: (**value).clone(),
                            });
                            break;
                        }
                    }
                }
            }
            ExprKind::InList {
                expr,
                list,
                negated: false,
                ..
            } => {
                if let ExprKind::Column(i) = expr.kind {
                    if i < column_types.len()
                        && expr.ty.without_typmod() == column_types[i].without_typmod()
                        && list.iter().all(|v| {
                            v.is_constant_at_runtime() && widens_to(&v.ty, &column_types[i])
                        })
                    {
                        in_lists.push((i, list.clone()));
                    }
                }
            }
            _ => {}
        }
    }
    (conditions, in_lists)
}

/// Key ranges over the key columns (positions in the scan's row) implied by the conjuncts, or
/// None if they do not narrow the first key column.
fn key_ranges(
    conjuncts: &[Expr],
    key_columns: &[usize],
    column_types: &[DataType],
) -> Option<Vec<KeyRange>> {
    let (conditions, in_lists) = key_conditions(conjuncts, column_types);
    let mut ranges = vec![KeyRange {
        prefix: Vec::new(),
        lower: None,
        upper: None,
    }];
    for &column in key_columns {
        if let Some(eq) = conditions
            .iter()
            .find(|c| c.column == column && c.op == BinaryOp::Eq)
        {
            for r in ranges.iter_mut() {
                r.prefix.push(eq.value.clone());
            }
            continue;
        }
        if let Some((_, list)) = in_lists.iter().find(|(c, _)| *c == column) {
            if ranges.len() * list.len() > MAX_KEY_RANGES {
                break;
            }
            let mut expanded = Vec::with_capacity(ranges.len() * list.len());
            for r in &ranges {
                for v in list {
                    let mut next = r.clone();
                    next.prefix.push(v.clone());
                    expanded.push(next);
                }
            }
            ranges = expanded;
            continue;
        }
        // A range on this column ends the key prefix.
        for c in conditions.iter().filter(|c| c.column == column) {
            for r in ranges.iter_mut() {
                match c.op {
                    BinaryOp::Gt => r.lower = Some((c.value.clone(), false)),
                    BinaryOp::GtEq => r.lower = Some((c.value.clone(), true)),
                    BinaryOp::Lt => r.upper = Some((c.value.clone(), false)),
                    BinaryOp::LtEq => r.upper = Some((c.value.clone(), true)),
                    _ => {}
                }
            }
        }
        break;
    }
    let narrowed = ranges
        .iter()
        .any(|r| !r.prefix.is_empty() || r.lower.is_some() || r.upper.is_some());
    narrowed.then_some(ranges)
}

fn choose_scan_access(mut scan: ScanNode) -> ScanNode {
    let Some(filter) = scan.filter.clone() else {
        return scan;
    };
    let conjuncts = conjuncts_of(filter);
    let column_types: Vec<DataType> = scan.schema.iter().map(|f| f.ty.clone()).collect();
    let visible: Vec<u16> = scan.table.visible_columns().map(|c| c.attnum).collect();
    let position = |attnum: u16| visible.iter().position(|a| *a == attnum);
    if scan.table.has_primary_key() {
        let key_columns: Vec<usize> = scan
            .table
            .primary_key
            .iter()
            .filter_map(|a| position(*a))
            .collect();
        if let Some(ranges) = key_ranges(&conjuncts, &key_columns, &column_types) {
            let point = ranges.iter().all(|r| r.is_point(key_columns.len()));
            let first_eq = ranges.iter().all(|r| !r.prefix.is_empty());
            if point || first_eq {
                scan.access = AccessPath::PrimaryKey { ranges };
                return scan;
            }
            // A range on the key competes with an index equality below; keep it as the
            // fallback.
            scan.access = AccessPath::PrimaryKey { ranges };
        }
    }
    // A secondary index whose leading columns the filter fixes by equality beats a key range.
    let mut best: Option<(usize, Vec<KeyRange>, usize)> = None;
    for (i, index) in scan.table.indexes.iter().enumerate() {
        if index.primary {
            continue;
        }
        let key_columns: Vec<usize> = index
            .columns
            .iter()
            .filter_map(|c| position(c.attnum))
            .collect();
        if key_columns.len() != index.columns.len() {
            continue;
        }
        if let Some(ranges) = key_ranges(&conjuncts, &key_columns, &column_types) {
            let fixed = ranges.first().map_or(0, |r| r.prefix.len());
            let score = fixed * 2
                + usize::from(
                    ranges
                        .iter()
                        .any(|r| r.lower.is_some() || r.upper.is_some()),
                );
            if best.as_ref().is_none_or(|b| score > b.2) {
                best = Some((i, ranges, score));
            }
        }
    }
    if let Some((index, ranges, score)) = best {
        let pk_is_range = matches!(scan.access, AccessPath::PrimaryKey { .. });
        if !pk_is_range || score >= 2 {
            scan.access = AccessPath::Index { index, ranges };
        }
    }
    scan
}

/// A way to read a scan's rows already in a sort's order: the access path and direction.
/// The primary key order is free (rows are stored in it); a secondary index's order costs a
/// row lookup per entry, so it is only chosen when a LIMIT bounds the lookups.
fn ordered_access(keys: &[SortKey], scan: &ScanNode, limited: bool) -> Option<(AccessPath, bool)> {
    if keys.is_empty() {
        return None;
    }
    let table = &scan.table;
    let visible: Vec<u16> = table.visible_columns().map(|c| c.attnum).collect();
    // Candidate orders: (access path to use, key columns as (attnum, descending), columns fixed
    // by equality in a single range).
    let mut candidates: Vec<(AccessPath, Vec<(u16, bool)>, usize)> = Vec::new();
    let fixed = |ranges: &[KeyRange]| match ranges {
        [single] => single.prefix.len(),
        _ => 0,
    };
    if table.has_primary_key() {
        let columns = table.primary_key.iter().map(|a| (*a, false)).collect();
        match &scan.access {
            AccessPath::FullScan => candidates.push((AccessPath::FullScan, columns, 0)),
            AccessPath::PrimaryKey { ranges } => {
                candidates.push((scan.access.clone(), columns, fixed(ranges)))
            }
            AccessPath::Index { .. } => {}
        }
    }
    for (i, index) in table.indexes.iter().enumerate() {
        if index.primary {
            continue;
        }
        let columns: Vec<(u16, bool)> = index
            .columns
            .iter()
            .map(|c| (c.attnum, c.descending))
            .collect();
        match &scan.access {
            AccessPath::FullScan if limited => candidates.push((
                AccessPath::Index {
                    index: i,
                    ranges: vec![KeyRange {
                        prefix: Vec::new(),
                        lower: None,
                        upper: None,
                    }],
                },
                columns,
                0,
            )),
            AccessPath::Index { index, ranges } if *index == i => {
                candidates.push((scan.access.clone(), columns, fixed(ranges)))
            }
            _ => {}
        }
    }
    'candidates: for (access, columns, skip) in candidates {
        if keys.len() + skip > columns.len() {
            continue;
        }
        let mut reverse = None;
        for (k, (attnum, column_descending)) in keys.iter().zip(&columns[skip..]) {
            let ExprKind::Column(i) = k.expr.kind else {
                continue 'candidates;
            };
            if visible.get(i) != Some(attnum) {
                continue 'candidates;
            }
            let this_reverse = k.descending != *column_descending;
            if *reverse.get_or_insert(this_reverse) != this_reverse {
                continue 'candidates;
            }
            // Stored order puts NULLs last for ascending columns and first for descending
            // ones; reading backwards flips that. The sort must want the same.
            let not_null = table.column_by_attnum(*attnum).is_some_and(|c| c.not_null);
            let nulls_first = *column_descending != this_reverse;
            if !not_null && k.nulls_first != nulls_first {
                continue 'candidates;
            }
        }
        return Some((access, reverse.unwrap_or(false)));
    }
    None
}

/// `limit + offset` as one expression (the rows a node below a LIMIT must produce).
fn limit_plus_offset(limit: &Option<Expr>, offset: &Option<Expr>) -> Option<Expr> {
    let limit = limit.clone()?;
    match offset {
        None => Some(limit),
        Some(o) => {
            let sig =
                embeddb_types::ops::resolve_binary(BinaryOp::Add, &DataType::Int8, &DataType::Int8)
                    .ok()?;
            Some(Expr::new(
                ExprKind::Binary {
                    op: BinaryOp::Add,
                    sig,
                    left: Box::new(limit),
                    right: Box::new(o.clone()),
                },
                DataType::Int8,
            ))
        }
    }
}

fn push_down_limits(plan: LogicalPlan) -> LogicalPlan {
    match plan {
        LogicalPlan::Limit {
            input,
            limit,
            offset,
        } => {
            let needed = limit_plus_offset(&limit, &offset);
            let input = match *input {
                LogicalPlan::Sort {
                    input: sort_input,
                    keys,
                    limit: None,
                } => sort_with_limit(*sort_input, keys, needed),
                LogicalPlan::Project {
                    input: project_input,
                    exprs,
                    schema,
                } if !exprs.iter().any(Expr::is_volatile) => LogicalPlan::Project {
                    input: Box::new(limit_input(*project_input, needed)),
                    exprs,
                    schema,
                },
                other => limit_input(other, needed),
            };
            LogicalPlan::Limit {
                input: Box::new(input),
                limit,
                offset,
            }
        }
        LogicalPlan::Sort { input, keys, limit } => sort_with_limit(*input, keys, limit),
        other => map_inputs(other, &mut push_down_limits),
    }
}

/// Puts a row bound on what feeds a LIMIT: a scan stops early, a sort keeps the top rows.
fn limit_input(plan: LogicalPlan, needed: Option<Expr>) -> LogicalPlan {
    match plan {
        LogicalPlan::Scan(mut scan) if needed.is_some() => {
            scan.limit = needed;
            LogicalPlan::Scan(scan)
        }
        LogicalPlan::Sort {
            input,
            keys,
            limit: None,
        } => sort_with_limit(*input, keys, needed),
        LogicalPlan::Project {
            input,
            exprs,
            schema,
        } if !exprs.iter().any(Expr::is_volatile) => LogicalPlan::Project {
            input: Box::new(limit_input(*input, needed)),
            exprs,
            schema,
        },
        other => push_down_limits(other),
    }
}

/// A sort, or a scan already in the requested key order (with the limit pushed into it).
fn sort_with_limit(input: LogicalPlan, keys: Vec<SortKey>, limit: Option<Expr>) -> LogicalPlan {
    // ORDER BY over a projection of plain columns can look through it.
    if let LogicalPlan::Project {
        input: project_input,
        exprs,
        schema,
    } = &input
    {
        if let LogicalPlan::Scan(scan) = project_input.as_ref() {
            let mapped: Option<Vec<SortKey>> = keys
                .iter()
                .map(|k| match k.expr.kind {
                    ExprKind::Column(i) => match exprs.get(i).map(|e| &e.kind) {
                        Some(ExprKind::Column(j)) => Some(SortKey {
                            expr: Expr::column(*j, k.expr.ty.clone()),
                            descending: k.descending,
                            nulls_first: k.nulls_first,
                        }),
                        _ => None,
                    },
                    _ => None,
                })
                .collect();
            if let Some(mapped) = mapped {
                if let Some((access, reverse)) = ordered_access(&mapped, scan, limit.is_some()) {
                    let mut scan = scan.clone();
                    scan.access = access;
                    scan.reverse = reverse;
                    if limit.is_some() && !exprs.iter().any(Expr::is_volatile) {
                        scan.limit = limit;
                    }
                    return LogicalPlan::Project {
                        input: Box::new(LogicalPlan::Scan(scan)),
                        exprs: exprs.clone(),
                        schema: schema.clone(),
                    };
                }
            }
        }
    }
    if let LogicalPlan::Scan(scan) = &input {
        if let Some((access, reverse)) = ordered_access(&keys, scan, limit.is_some()) {
            let mut scan = scan.clone();
            scan.access = access;
            scan.reverse = reverse;
            if limit.is_some() {
                scan.limit = limit;
            }
            return LogicalPlan::Scan(scan);
        }
    }
    LogicalPlan::Sort {
        input: Box::new(push_down_limits(input)),
        keys,
        limit,
    }
}

impl Expr {
    /// Whether the value is fixed before a scan starts: literals, parameters, stable functions
    /// of those (no columns, no outer references, nothing volatile).
    pub fn is_constant_at_runtime(&self) -> bool {
        !self.is_volatile()
            && !self.any(&mut |e| {
                matches!(
                    e.kind,
                    ExprKind::Column(_)
                        | ExprKind::OuterColumn { .. }
                        | ExprKind::CaseOperand
                        | ExprKind::AggregateRef(_)
                        | ExprKind::WindowRef(_)
                )
            })
    }
}
