//! Moving filters down: into scans, into the sides of inner (and the preserved side of left)
//! joins, and WHERE equalities between the two sides of a comma join into its condition.

use embeddb_types::DataType;

use super::{and_all, conjuncts_of, map_inputs, movable_columns, shift, with_filter};
use crate::expr::{Expr, ExprKind};
use crate::plan::{JoinKind, LogicalPlan};

pub(crate) fn push_down_filters(plan: LogicalPlan) -> LogicalPlan {
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

fn push_down_filters_children(plan: LogicalPlan) -> LogicalPlan {
    map_inputs(plan, &mut push_down_filters)
}
