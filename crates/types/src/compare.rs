//! `Eq`, `Ord` and `Hash` for [`Value`] with PostgreSQL's semantics, so sorting, DISTINCT,
//! GROUP BY and hash joins can work on values directly.
//!
//! * Integers of every width, `oid` and `numeric` compare by value (`1::int2 = 1.00::numeric`)
//!   and hash equal; numerics ignore display scale.
//! * Floats: NaN equals NaN and sorts above every other float; `-0 = 0`; float4 is widened.
//! * Text compares bytewise (C collation); bpchar values compare with their padding, which
//!   is equivalent to PostgreSQL's trailing-space-insensitive comparison for values of one
//!   `char(n)` column.
//! * Intervals compare by span (`1 mon = 30 days`); jsonb by jsonb's order (numbers as
//!   numerics, so `[1.0] = [1]`); arrays element-wise, then by element count, dimensions
//!   and lower bounds.
//! * NULL is equal to NULL and sorts after everything: a total order. SQL's three-valued
//!   logic is the executor's business.
//! * Values of unrelated types (which the binder never compares) order by a fixed type rank.
//!
//! `Hash` agrees with `Eq`: equal values feed identical bytes to the hasher.

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use crate::value::Value;

/// Hashes an integer value the way every exact numeric equal to it hashes.
pub(crate) fn hash_integer<H: Hasher>(v: i64, state: &mut H) {
    state.write_u8(1);
    state.write_i64(v);
}

fn rank(v: &Value) -> u8 {
    match v {
        Value::Bool(_) => 0,
        Value::Int2(_)
        | Value::Int4(_)
        | Value::Int8(_)
        | Value::Oid(_)
        | Value::Reg(..)
        | Value::Numeric(_) => 1,
        Value::Float4(_) | Value::Float8(_) => 2,
        Value::Text(_) => 3,
        Value::Bytea(_) => 4,
        Value::Date(_) => 5,
        Value::Time(_) => 6,
        Value::Timestamp(_) => 7,
        Value::Timestamptz(_) => 8,
        Value::Interval(_) => 9,
        Value::Uuid(_) => 10,
        Value::Json(_) => 11,
        Value::Jsonb(_) => 12,
        Value::Array(_) => 13,
        Value::Timetz(_) => 14,
        Value::Record(_) => 15,
        Value::Null => 255,
    }
}

fn int_of(v: &Value) -> Option<i64> {
    match v {
        Value::Int2(x) => Some(i64::from(*x)),
        Value::Int4(x) => Some(i64::from(*x)),
        Value::Int8(x) => Some(*x),
        Value::Oid(x) | Value::Reg(x, _) => Some(i64::from(*x)),
        _ => None,
    }
}

fn float_of(v: &Value) -> f64 {
    match v {
        Value::Float4(x) => f64::from(*x),
        Value::Float8(x) => *x,
        _ => 0.0,
    }
}

/// PostgreSQL's float comparison: NaN = NaN and NaN > everything; -0 = 0.
pub fn cmp_f64(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

fn cmp_exact(a: &Value, b: &Value) -> Ordering {
    match (int_of(a), int_of(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => {
            let to_num = |v: &Value| match v {
                Value::Numeric(n) => n.clone(),
                other => crate::numeric::Numeric::from_i64(int_of(other).unwrap_or(0)),
            };
            to_num(a).cmp(&to_num(b))
        }
    }
}

fn cmp_arrays(a: &crate::array::Array, b: &crate::array::Array) -> Ordering {
    for (x, y) in a.elements.iter().zip(&b.elements) {
        let c = x.cmp(y);
        if c != Ordering::Equal {
            return c;
        }
    }
    a.elements
        .len()
        .cmp(&b.elements.len())
        .then_with(|| a.dims.len().cmp(&b.dims.len()))
        .then_with(|| {
            for (x, y) in a.dims.iter().zip(&b.dims) {
                let c = x.len.cmp(&y.len).then(x.lower_bound.cmp(&y.lower_bound));
                if c != Ordering::Equal {
                    return c;
                }
            }
            Ordering::Equal
        })
}

impl Ord for Value {
    fn cmp(&self, other: &Value) -> Ordering {
        let (ra, rb) = (rank(self), rank(other));
        if ra != rb {
            return ra.cmp(&rb);
        }
        match (self, other) {
            (Value::Null, Value::Null) => Ordering::Equal,
            (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
            (Value::Text(a), Value::Text(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Value::Bytea(a), Value::Bytea(b)) => a.cmp(b),
            (Value::Date(a), Value::Date(b)) => a.cmp(b),
            (Value::Time(a), Value::Time(b)) => a.cmp(b),
            (Value::Timestamp(a), Value::Timestamp(b)) => a.cmp(b),
            (Value::Timestamptz(a), Value::Timestamptz(b)) => a.cmp(b),
            (Value::Interval(a), Value::Interval(b)) => a.cmp(b),
            (Value::Uuid(a), Value::Uuid(b)) => a.cmp(b),
            (Value::Json(a), Value::Json(b)) => a.as_bytes().cmp(b.as_bytes()),
            (Value::Jsonb(a), Value::Jsonb(b)) => crate::json::compare_jsonb_text(a, b),
            (Value::Array(a), Value::Array(b)) => cmp_arrays(a, b),
            (Value::Timetz(a), Value::Timetz(b)) => a.cmp(b),
            // record_cmp: field by field (NULL after everything), then by field count.
            (Value::Record(a), Value::Record(b)) => a.cmp(b),
            _ if ra == 1 => cmp_exact(self, other),
            _ if ra == 2 => cmp_f64(float_of(self), float_of(other)),
            _ => Ordering::Equal,
        }
    }
}

impl PartialOrd for Value {
    fn partial_cmp(&self, other: &Value) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Value {}

impl Hash for Value {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            Value::Int2(_) | Value::Int4(_) | Value::Int8(_) | Value::Oid(_) | Value::Reg(..) => {
                hash_integer(int_of(self).unwrap_or(0), state)
            }
            Value::Numeric(n) => n.hash(state),
            Value::Float4(_) | Value::Float8(_) => {
                let f = float_of(self);
                state.write_u8(2);
                if f.is_nan() {
                    state.write_u64(u64::MAX);
                } else if f == 0.0 {
                    state.write_u64(0);
                } else {
                    state.write_u64(f.to_bits());
                }
            }
            Value::Array(a) => {
                state.write_u8(13);
                for d in &a.dims {
                    d.hash(state);
                }
                for e in &a.elements {
                    e.hash(state);
                }
            }
            Value::Interval(iv) => {
                state.write_u8(9);
                iv.hash(state);
            }
            Value::Null => state.write_u8(255),
            Value::Timetz(t) => {
                state.write_u8(14);
                t.hash(state);
            }
            Value::Record(fields) => {
                state.write_u8(15);
                fields.hash(state);
            }
            Value::Bool(b) => {
                state.write_u8(0);
                b.hash(state);
            }
            Value::Text(s) => {
                state.write_u8(3);
                s.hash(state);
            }
            Value::Bytea(b) => {
                state.write_u8(4);
                b.hash(state);
            }
            Value::Date(d) => {
                state.write_u8(5);
                d.hash(state);
            }
            Value::Time(t) => {
                state.write_u8(6);
                t.hash(state);
            }
            Value::Timestamp(t) => {
                state.write_u8(7);
                t.hash(state);
            }
            Value::Timestamptz(t) => {
                state.write_u8(8);
                t.hash(state);
            }
            Value::Uuid(u) => {
                state.write_u8(10);
                u.hash(state);
            }
            Value::Json(s) => {
                state.write_u8(11);
                s.hash(state);
            }
            Value::Jsonb(_) => {
                // Hash the order-preserving key form, in which equal documents (numbers
                // compared as numerics) have equal bytes.
                state.write_u8(12);
                let mut key = Vec::new();
                crate::keycodec::encode_key(self, &mut key);
                key.hash(state);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numeric::Numeric;
    use std::collections::hash_map::DefaultHasher;

    fn h(v: &Value) -> u64 {
        let mut s = DefaultHasher::new();
        v.hash(&mut s);
        s.finish()
    }

    #[test]
    fn cross_width_integers() {
        let a = Value::Int2(5);
        let b = Value::Int8(5);
        let c = Value::Numeric(Numeric::parse("5.000").unwrap_or_else(|_| Numeric::zero()));
        assert_eq!(a, b);
        assert_eq!(b, c);
        assert_eq!(h(&a), h(&b));
        assert_eq!(h(&b), h(&c));
        assert!(Value::Int4(4) < c);
    }

    #[test]
    fn floats() {
        assert_eq!(Value::Float8(f64::NAN), Value::Float8(f64::NAN));
        assert!(Value::Float8(f64::NAN) > Value::Float8(f64::INFINITY));
        assert_eq!(Value::Float8(-0.0), Value::Float8(0.0));
        assert_eq!(h(&Value::Float8(-0.0)), h(&Value::Float8(0.0)));
        assert_eq!(Value::Float4(0.5), Value::Float8(0.5));
        assert_eq!(h(&Value::Float4(0.5)), h(&Value::Float8(0.5)));
    }

    #[test]
    fn null_sorts_last() {
        assert!(Value::Null > Value::Int4(i32::MAX));
        assert!(Value::Null > Value::Text("zzz".into()));
        assert_eq!(Value::Null, Value::Null);
    }
}
