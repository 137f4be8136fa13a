//! Access paths: primary-key and secondary-index key ranges found in a scan's filter, and
//! reading an index or the primary key in a sort's order.

use embeddb_types::DataType;
use embeddb_types::ops::BinaryOp;

use super::{MAX_KEY_RANGES, conjuncts_of, map_inputs};
use crate::expr::{Expr, ExprKind};
use crate::plan::{AccessPath, KeyRange, LogicalPlan, ScanNode, SortKey};

pub(crate) fn choose_access_paths(plan: LogicalPlan) -> LogicalPlan {
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
                    if let ExprKind::Column(i) = col.kind
                        && i < column_types.len()
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
            ExprKind::InList {
                expr,
                list,
                negated: false,
                ..
            } => {
                if let ExprKind::Column(i) = expr.kind
                    && i < column_types.len()
                    && expr.ty.without_typmod() == column_types[i].without_typmod()
                    && list
                        .iter()
                        .all(|v| v.is_constant_at_runtime() && widens_to(&v.ty, &column_types[i]))
                {
                    in_lists.push((i, list.clone()));
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

pub(crate) fn choose_scan_access(mut scan: ScanNode) -> ScanNode {
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
pub(crate) fn ordered_access(
    keys: &[SortKey],
    scan: &ScanNode,
    limited: bool,
) -> Option<(AccessPath, bool)> {
    if keys.is_empty() {
        return None;
    }
    let table = &scan.table;
    let visible: Vec<u16> = table.visible_columns().map(|c| c.attnum).collect();
    // Candidate orders: (access path to use, key columns as (attnum, descending), columns fixed
    // by equality in a single range).
    type Candidate = (AccessPath, Vec<(u16, bool)>, usize);
    let mut candidates: Vec<Candidate> = Vec::new();
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
