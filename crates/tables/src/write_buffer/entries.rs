//! One keyspace's buffered keys, in key order: an ascending run plus a tree.
//!
//! Bulk inserts write keys in ascending order (serial ids, a load sorted by its key). A
//! `BTreeMap` pays a root-to-leaf search of byte-string compares for each of them: a tenth of
//! a 1,000-row INSERT's time. Here a key above every buffered key is pushed onto `run`, a
//! vector, with one compare; any other new key goes into `tree`. The two hold disjoint keys,
//! so a lookup asks each once and an ordered walk merges them.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::ops::Bound;

/// Keys of one keyspace. Invariants: `run` is strictly ascending; no key is in both.
#[derive(Debug)]
pub(super) struct Entries<V> {
    run: Vec<(Vec<u8>, V)>,
    tree: BTreeMap<Vec<u8>, V>,
}

impl<V> Default for Entries<V> {
    fn default() -> Self {
        Entries {
            run: Vec::new(),
            tree: BTreeMap::new(),
        }
    }
}

impl<V> Entries<V> {
    pub fn is_empty(&self) -> bool {
        self.run.is_empty() && self.tree.is_empty()
    }

    /// The largest buffered key.
    pub fn last_key(&self) -> Option<&[u8]> {
        let run = self.run.last().map(|(k, _)| k.as_slice());
        let tree = self.tree.last_key_value().map(|(k, _)| k.as_slice());
        run.max(tree)
    }

    fn run_index(&self, key: &[u8]) -> Result<usize, usize> {
        self.run.binary_search_by(|(k, _)| k.as_slice().cmp(key))
    }

    /// Whether `key` is above every buffered key: a bulk insert's keys, found absent with one
    /// compare instead of a search.
    fn past_end(&self, key: &[u8]) -> bool {
        self.last_key().is_none_or(|last| key > last)
    }

    pub fn get(&self, key: &[u8]) -> Option<&V> {
        if self.past_end(key) {
            return None;
        }
        match self.run_index(key) {
            Ok(i) => Some(&self.run[i].1),
            Err(_) => self.tree.get(key),
        }
    }

    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut V> {
        if self.past_end(key) {
            return None;
        }
        match self.run_index(key) {
            Ok(i) => Some(&mut self.run[i].1),
            Err(_) => self.tree.get_mut(key),
        }
    }

    /// Adds a key that is not buffered yet.
    pub fn insert_new(&mut self, key: &[u8], value: V) {
        debug_assert!(self.get(key).is_none(), "insert_new of a buffered key");
        if self.past_end(key) {
            self.run.push((key.to_vec(), value));
        } else {
            self.tree.insert(key.to_vec(), value);
        }
    }

    /// Sets a key's value, buffered or not; returns the value it replaced.
    pub fn insert(&mut self, key: &[u8], value: V) -> Option<V> {
        match self.get_mut(key) {
            Some(slot) => Some(std::mem::replace(slot, value)),
            None => {
                self.insert_new(key, value);
                None
            }
        }
    }

    pub fn remove(&mut self, key: &[u8]) -> Option<V> {
        match self.run_index(key) {
            // Rare (ROLLBACK TO SAVEPOINT): shifting the run's tail is acceptable there.
            Ok(i) => Some(self.run.remove(i).1),
            Err(_) => self.tree.remove(key),
        }
    }

    /// The entries within the bounds, in key order, or in reverse.
    pub fn range<'a>(
        &'a self,
        lower: Bound<&[u8]>,
        upper: Bound<&[u8]>,
        reverse: bool,
    ) -> impl Iterator<Item = (&'a Vec<u8>, &'a V)> + 'a {
        let start = match lower {
            Bound::Included(l) => self.run.partition_point(|(k, _)| k.as_slice() < l),
            Bound::Excluded(l) => self.run.partition_point(|(k, _)| k.as_slice() <= l),
            Bound::Unbounded => 0,
        };
        let end = match upper {
            Bound::Included(u) => self.run.partition_point(|(k, _)| k.as_slice() <= u),
            Bound::Excluded(u) => self.run.partition_point(|(k, _)| k.as_slice() < u),
            Bound::Unbounded => self.run.len(),
        };
        let run = self.run[start..end.max(start)].iter().map(|(k, v)| (k, v));
        let tree = self.tree.range::<[u8], _>((lower, upper));
        let (run, tree): (Box<dyn Iterator<Item = _>>, Box<dyn Iterator<Item = _>>) = if reverse {
            (Box::new(run.rev()), Box::new(tree.rev()))
        } else {
            (Box::new(run), Box::new(tree))
        };
        Merge::new(run, tree, reverse, |(a, _): &(&Vec<u8>, &V), (b, _)| {
            a.cmp(b)
        })
    }

    /// Every entry in key order.
    pub fn into_sorted(self) -> impl Iterator<Item = (Vec<u8>, V)> {
        Merge::new(
            self.run.into_iter(),
            self.tree.into_iter(),
            false,
            |(a, _): &(Vec<u8>, V), (b, _)| a.cmp(b),
        )
    }
}

/// Two iterators over disjoint keys, each in the same order, merged into that order.
struct Merge<A: Iterator, B: Iterator<Item = A::Item>, F> {
    a: std::iter::Peekable<A>,
    b: std::iter::Peekable<B>,
    reverse: bool,
    cmp: F,
}

impl<A, B, F> Merge<A, B, F>
where
    A: Iterator,
    B: Iterator<Item = A::Item>,
    F: Fn(&A::Item, &A::Item) -> Ordering,
{
    fn new(a: A, b: B, reverse: bool, cmp: F) -> Self {
        Merge {
            a: a.peekable(),
            b: b.peekable(),
            reverse,
            cmp,
        }
    }
}

impl<A, B, F> Iterator for Merge<A, B, F>
where
    A: Iterator,
    B: Iterator<Item = A::Item>,
    F: Fn(&A::Item, &A::Item) -> Ordering,
{
    type Item = A::Item;

    fn next(&mut self) -> Option<A::Item> {
        let take_a = match (self.a.peek(), self.b.peek()) {
            (Some(a), Some(b)) => {
                let order = (self.cmp)(a, b);
                if self.reverse {
                    order == Ordering::Greater
                } else {
                    order == Ordering::Less
                }
            }
            (Some(_), None) => true,
            (None, _) => false,
        };
        if take_a { self.a.next() } else { self.b.next() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn bound(b: &Bound<Vec<u8>>) -> Bound<&[u8]> {
        match b {
            Bound::Included(k) => Bound::Included(k.as_slice()),
            Bound::Excluded(k) => Bound::Excluded(k.as_slice()),
            Bound::Unbounded => Bound::Unbounded,
        }
    }

    fn key() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(0u8..4, 0..4)
    }

    fn bound_of() -> impl Strategy<Value = Bound<Vec<u8>>> {
        prop_oneof![
            key().prop_map(Bound::Included),
            key().prop_map(Bound::Excluded),
            Just(Bound::Unbounded),
        ]
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(Vec<u8>, u32),
        Remove(Vec<u8>),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (key(), any::<u32>()).prop_map(|(k, v)| Op::Insert(k, v)),
            1 => key().prop_map(Op::Remove),
        ]
    }

    proptest! {
        /// The run-plus-tree answers every lookup, range and drain as one `BTreeMap` would.
        #[test]
        fn entries_match_a_btreemap(
            ascending in prop::collection::vec(0u8..40, 0..30),
            ops in prop::collection::vec(op(), 0..60),
            ranges in prop::collection::vec((bound_of(), bound_of(), any::<bool>()), 1..6),
        ) {
            let mut entries = Entries::default();
            let mut model = BTreeMap::new();
            // A sorted prefix first, as a bulk insert writes: it lands in the run.
            let mut sorted: Vec<Vec<u8>> = ascending.iter().map(|b| vec![*b, 9]).collect();
            sorted.sort();
            sorted.dedup();
            for (i, k) in sorted.into_iter().enumerate() {
                prop_assert_eq!(entries.insert(&k, i as u32), model.insert(k, i as u32));
            }
            for op in ops {
                match op {
                    Op::Insert(k, v) => {
                        prop_assert_eq!(entries.insert(&k, v), model.insert(k, v));
                    }
                    Op::Remove(k) => prop_assert_eq!(entries.remove(&k), model.remove(&k)),
                }
            }
            for k in model.keys() {
                prop_assert_eq!(entries.get(k), model.get(k));
            }
            prop_assert_eq!(entries.last_key(), model.keys().last().map(Vec::as_slice));
            prop_assert_eq!(entries.is_empty(), model.is_empty());
            for (lower, upper, reverse) in ranges {
                let (l, u) = (bound(&lower), bound(&upper));
                let inverted = match (l, u) {
                    (Bound::Included(a) | Bound::Excluded(a), Bound::Included(b) | Bound::Excluded(b)) => {
                        a > b || (a == b && !(matches!(l, Bound::Included(_)) && matches!(u, Bound::Included(_))))
                    }
                    _ => false,
                };
                if inverted {
                    continue; // BTreeMap::range panics on these; the caller filters them.
                }
                let got: Vec<_> = entries.range(l, u, reverse).collect();
                let mut want: Vec<_> = model.range::<[u8], _>((l, u)).collect();
                if reverse {
                    want.reverse();
                }
                prop_assert_eq!(got, want);
            }
            let drained: Vec<_> = entries.into_sorted().collect();
            let want: Vec<_> = model.into_iter().collect();
            prop_assert_eq!(drained, want);
        }
    }
}
