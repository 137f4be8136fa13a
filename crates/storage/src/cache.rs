//! The block cache: decoded SST blocks shared by all tables, bounded by bytes, evicting the
//! least recently used. Sharded by key hash so concurrent readers rarely meet on one mutex;
//! each shard is a hash map into a slab-backed doubly linked list.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;

use crate::hash::FastMap;
use crate::sstable::block::Block;

const SHARDS: usize = 16;
const NIL: usize = usize::MAX;

/// (file number, block offset).
pub(crate) type CacheKey = (u64, u64);

struct Slot {
    key: CacheKey,
    value: Option<Arc<Block>>,
    charge: usize,
    prev: usize,
    next: usize,
}

struct Shard {
    map: FastMap<CacheKey, usize>,
    slots: Vec<Slot>,
    free: Vec<usize>,
    /// Most recently used.
    head: usize,
    /// Least recently used.
    tail: usize,
    used_bytes: usize,
    capacity_bytes: usize,
}

impl Shard {
    fn new(capacity_bytes: usize) -> Shard {
        Shard {
            map: FastMap::default(),
            slots: Vec::new(),
            free: Vec::new(),
            head: NIL,
            tail: NIL,
            used_bytes: 0,
            capacity_bytes,
        }
    }

    fn unlink(&mut self, i: usize) {
        let (prev, next) = (self.slots[i].prev, self.slots[i].next);
        if prev == NIL {
            self.head = next;
        } else {
            self.slots[prev].next = next;
        }
        if next == NIL {
            self.tail = prev;
        } else {
            self.slots[next].prev = prev;
        }
    }

    fn push_front(&mut self, i: usize) {
        self.slots[i].prev = NIL;
        self.slots[i].next = self.head;
        if self.head != NIL {
            self.slots[self.head].prev = i;
        }
        self.head = i;
        if self.tail == NIL {
            self.tail = i;
        }
    }

    fn get(&mut self, key: &CacheKey) -> Option<Arc<Block>> {
        let i = *self.map.get(key)?;
        if self.head != i {
            self.unlink(i);
            self.push_front(i);
        }
        self.slots[i].value.clone()
    }

    fn insert(&mut self, key: CacheKey, value: Arc<Block>, charge: usize) {
        if charge > self.capacity_bytes {
            return;
        }
        if let Some(&i) = self.map.get(&key) {
            self.unlink(i);
            self.used_bytes -= self.slots[i].charge;
            self.slots[i].value = Some(value);
            self.slots[i].charge = charge;
            self.used_bytes += charge;
            self.push_front(i);
        } else {
            let slot = Slot {
                key,
                value: Some(value),
                charge,
                prev: NIL,
                next: NIL,
            };
            let i = if let Some(i) = self.free.pop() {
                self.slots[i] = slot;
                i
            } else {
                self.slots.push(slot);
                self.slots.len() - 1
            };
            self.map.insert(key, i);
            self.used_bytes += charge;
            self.push_front(i);
        }
        while self.used_bytes > self.capacity_bytes && self.tail != NIL {
            let victim = self.tail;
            self.unlink(victim);
            self.used_bytes -= self.slots[victim].charge;
            self.slots[victim].value = None;
            let k = self.slots[victim].key;
            self.map.remove(&k);
            self.free.push(victim);
        }
    }
}

/// A bounded LRU cache of decoded blocks.
pub(crate) struct BlockCache {
    shards: Vec<Mutex<Shard>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl BlockCache {
    pub(crate) fn new(capacity_bytes: usize) -> BlockCache {
        let per_shard = capacity_bytes / SHARDS;
        BlockCache {
            shards: (0..SHARDS)
                .map(|_| Mutex::new(Shard::new(per_shard)))
                .collect(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    fn shard(&self, key: &CacheKey) -> &Mutex<Shard> {
        let h =
            key.0.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ key.1.wrapping_mul(0xff51_afd7_ed55_8ccd);
        &self.shards[((h >> 40) as usize) % SHARDS]
    }

    pub(crate) fn get(&self, key: &CacheKey) -> Option<Arc<Block>> {
        let r = self.shard(key).lock().get(key);
        if r.is_some() {
            self.hits.fetch_add(1, Ordering::Relaxed);
        } else {
            self.misses.fetch_add(1, Ordering::Relaxed);
        }
        r
    }

    pub(crate) fn insert(&self, key: CacheKey, block: Arc<Block>) {
        let charge = block.size_bytes() + 64;
        self.shard(&key).lock().insert(key, block, charge);
    }

    pub(crate) fn used_bytes(&self) -> usize {
        self.shards.iter().map(|s| s.lock().used_bytes).sum()
    }

    pub(crate) fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    pub(crate) fn misses(&self) -> u64 {
        self.misses.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_least_recently_used_by_bytes() {
        let mut s = Shard::new(300);
        let b = |n: usize| Arc::new(Block::from_raw_for_test(vec![0u8; n]));
        s.insert((1, 0), b(10), 100);
        s.insert((1, 1), b(10), 100);
        s.insert((1, 2), b(10), 100);
        assert!(s.get(&(1, 0)).is_some()); // (1,1) is now least recently used
        s.insert((1, 3), b(10), 100);
        assert!(s.get(&(1, 1)).is_none());
        assert!(s.get(&(1, 0)).is_some());
        assert!(s.get(&(1, 2)).is_some());
        assert!(s.get(&(1, 3)).is_some());
        assert_eq!(s.used_bytes, 300);
        s.insert((1, 4), b(10), 1000); // larger than the shard: not cached
        assert!(s.get(&(1, 4)).is_none());
    }
}
