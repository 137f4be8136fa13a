//! The builtin operators with fixed argument types, as `pg_operator` lists them for EmbedDB's
//! types (cross-type integer, float and date/time operators included, because resolution
//! prefers them over casts). Polymorphic operators (`||`, array comparisons) are resolved in
//! `resolve.rs`.

use super::{BinaryOp, UnaryOp};
use crate::datatype::DataType;

type T = DataType;

fn num() -> T {
    T::Numeric(None)
}

const INTS: [T; 3] = [T::Int2, T::Int4, T::Int8];

/// The wider of two integer types.
fn wider(a: &T, b: &T) -> T {
    let rank = |t: &T| match t {
        T::Int2 => 0,
        T::Int4 => 1,
        _ => 2,
    };
    if rank(a) >= rank(b) {
        a.clone()
    } else {
        b.clone()
    }
}

/// Types with a full set of same-type comparison operators.
fn comparable() -> Vec<T> {
    vec![
        T::Bool,
        T::Int2,
        T::Int4,
        T::Int8,
        T::Float4,
        T::Float8,
        num(),
        T::Text,
        T::Bpchar(None),
        T::Name,
        T::Bytea,
        T::Date,
        T::Time,
        T::Timetz,
        T::Timestamp,
        T::Timestamptz,
        T::Interval,
        T::Uuid,
        T::Jsonb,
        T::Oid,
        T::Char,
    ]
}

/// `(left, right, result)` for every monomorphic operator with this name.
pub(super) fn binary_candidates(op: BinaryOp) -> Vec<(T, T, T)> {
    let mut v: Vec<(T, T, T)> = Vec::new();
    let int_cross = |v: &mut Vec<(T, T, T)>, result_bool: bool| {
        for a in &INTS {
            for b in &INTS {
                let r = if result_bool { T::Bool } else { wider(a, b) };
                v.push((a.clone(), b.clone(), r));
            }
        }
    };
    let float_cross = |v: &mut Vec<(T, T, T)>, result_bool: bool| {
        v.push((
            T::Float4,
            T::Float4,
            if result_bool { T::Bool } else { T::Float4 },
        ));
        v.push((
            T::Float8,
            T::Float8,
            if result_bool { T::Bool } else { T::Float8 },
        ));
        v.push((
            T::Float4,
            T::Float8,
            if result_bool { T::Bool } else { T::Float8 },
        ));
        v.push((
            T::Float8,
            T::Float4,
            if result_bool { T::Bool } else { T::Float8 },
        ));
    };
    match op {
        BinaryOp::Eq
        | BinaryOp::NotEq
        | BinaryOp::Lt
        | BinaryOp::LtEq
        | BinaryOp::Gt
        | BinaryOp::GtEq => {
            for t in comparable() {
                if !t.is_integer() && !matches!(t, T::Float4 | T::Float8) {
                    v.push((t.clone(), t, T::Bool));
                }
            }
            int_cross(&mut v, true);
            float_cross(&mut v, true);
            let dt = [T::Date, T::Timestamp, T::Timestamptz];
            for a in &dt {
                for b in &dt {
                    if a != b {
                        v.push((a.clone(), b.clone(), T::Bool));
                    }
                }
            }
            v.push((T::Name, T::Text, T::Bool));
            v.push((T::Text, T::Name, T::Bool));
        }
        BinaryOp::Add => {
            int_cross(&mut v, false);
            float_cross(&mut v, false);
            v.push((num(), num(), num()));
            v.push((T::Date, T::Int4, T::Date));
            v.push((T::Int4, T::Date, T::Date));
            v.push((T::Date, T::Interval, T::Timestamp));
            v.push((T::Interval, T::Date, T::Timestamp));
            v.push((T::Date, T::Time, T::Timestamp));
            v.push((T::Time, T::Date, T::Timestamp));
            v.push((T::Time, T::Interval, T::Time));
            v.push((T::Interval, T::Time, T::Time));
            v.push((T::Timetz, T::Interval, T::Timetz));
            v.push((T::Interval, T::Timetz, T::Timetz));
            v.push((T::Timestamp, T::Interval, T::Timestamp));
            v.push((T::Interval, T::Timestamp, T::Timestamp));
            v.push((T::Timestamptz, T::Interval, T::Timestamptz));
            v.push((T::Interval, T::Timestamptz, T::Timestamptz));
            v.push((T::Interval, T::Interval, T::Interval));
        }
        BinaryOp::Sub => {
            int_cross(&mut v, false);
            float_cross(&mut v, false);
            v.push((num(), num(), num()));
            v.push((T::Date, T::Date, T::Int4));
            v.push((T::Date, T::Int4, T::Date));
            v.push((T::Date, T::Interval, T::Timestamp));
            v.push((T::Time, T::Time, T::Interval));
            v.push((T::Time, T::Interval, T::Time));
            v.push((T::Timetz, T::Interval, T::Timetz));
            v.push((T::Timestamp, T::Timestamp, T::Interval));
            v.push((T::Timestamp, T::Interval, T::Timestamp));
            v.push((T::Timestamptz, T::Timestamptz, T::Interval));
            v.push((T::Timestamptz, T::Interval, T::Timestamptz));
            v.push((T::Interval, T::Interval, T::Interval));
        }
        BinaryOp::Mul => {
            int_cross(&mut v, false);
            float_cross(&mut v, false);
            v.push((num(), num(), num()));
            v.push((T::Interval, T::Float8, T::Interval));
            v.push((T::Float8, T::Interval, T::Interval));
        }
        BinaryOp::Div => {
            int_cross(&mut v, false);
            float_cross(&mut v, false);
            v.push((num(), num(), num()));
            v.push((T::Interval, T::Float8, T::Interval));
        }
        BinaryOp::Mod => {
            for t in &INTS {
                v.push((t.clone(), t.clone(), t.clone()));
            }
            v.push((num(), num(), num()));
        }
        BinaryOp::Pow => {
            v.push((T::Float8, T::Float8, T::Float8));
            v.push((num(), num(), num()));
        }
        BinaryOp::BitAnd | BinaryOp::BitOr | BinaryOp::BitXor => {
            for t in &INTS {
                v.push((t.clone(), t.clone(), t.clone()));
            }
        }
        BinaryOp::ShiftLeft | BinaryOp::ShiftRight => {
            for t in &INTS {
                v.push((t.clone(), T::Int4, t.clone()));
            }
        }
        BinaryOp::Like | BinaryOp::NotLike | BinaryOp::ILike | BinaryOp::NotILike => {
            v.push((T::Text, T::Text, T::Bool));
            v.push((T::Bpchar(None), T::Text, T::Bool));
            v.push((T::Name, T::Text, T::Bool));
            if matches!(op, BinaryOp::Like | BinaryOp::NotLike) {
                v.push((T::Bytea, T::Bytea, T::Bool));
            }
        }
        BinaryOp::Concat => {
            v.push((T::Text, T::Text, T::Text));
            v.push((T::Bytea, T::Bytea, T::Bytea));
            v.push((T::Jsonb, T::Jsonb, T::Jsonb));
        }
    }
    v
}

/// `(argument, result)` for every prefix operator with this name.
pub(super) fn unary_candidates(op: UnaryOp) -> Vec<(T, T)> {
    match op {
        UnaryOp::Neg | UnaryOp::Plus | UnaryOp::Abs => {
            let mut v: Vec<(T, T)> = vec![
                (T::Int2, T::Int2),
                (T::Int4, T::Int4),
                (T::Int8, T::Int8),
                (T::Float4, T::Float4),
                (T::Float8, T::Float8),
                (num(), num()),
            ];
            if op == UnaryOp::Neg {
                v.push((T::Interval, T::Interval));
            }
            v
        }
        UnaryOp::Not => vec![(T::Bool, T::Bool)],
        UnaryOp::BitNot => vec![(T::Int2, T::Int2), (T::Int4, T::Int4), (T::Int8, T::Int8)],
    }
}
