//! Deterministic benchmark data: both systems receive byte-for-byte the same rows, generated
//! before any clock starts so that client-side formatting is not part of what is measured.
//!
//! The main table is `t (id int primary key, k int, v text)` with rows of about 100 bytes:
//! `k` takes `rows / 10` distinct values, each exactly ten times when `rows` is a multiple of
//! ten, scattered over `id` (so an index range on `k` touches rows all over the table), and `v`
//! is 80–100 lowercase letters. The join uses a fact table `sales` and two dimension tables.

use bytes::Bytes;

/// Rows of the larger join dimension (`product`).
pub const PRODUCTS: usize = 10_000;
/// Rows of the smaller join dimension (`store`).
pub const STORES: usize = 1_000;
/// Distinct `product.category` values.
const CATEGORIES: usize = 20;
/// Distinct `store.region` values.
const REGIONS: usize = 8;

/// SplitMix64: a cheap, well-mixed hash so that data and client request streams are
/// reproducible without a random-number crate.
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A per-client stream of pseudo-random numbers.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(splitmix64(seed))
    }

    /// A number in `0..n` (`n > 0`); the modulo bias is irrelevant at these sizes.
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(1);
        splitmix64(self.0) % n
    }
}

/// The shape of the main table for a given row count.
#[derive(Debug, Clone, Copy)]
pub struct Keys {
    /// Distinct values of `k`: `rows / 10`, so ten consecutive keys select about 100 rows.
    pub key_space: u64,
    /// Multiplier coprime with `key_space`, so `id * multiplier % key_space` visits every key
    /// once per `key_space` ids (an exact ten rows per key) in an order unrelated to `id`.
    multiplier: u64,
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl Keys {
    pub fn new(rows: usize) -> Keys {
        let key_space = (rows as u64 / 10).max(1);
        let mut multiplier = 7919;
        while gcd(multiplier, key_space) != 1 {
            multiplier += 2;
        }
        Keys {
            key_space,
            multiplier,
        }
    }

    pub fn k(&self, id: i64) -> i32 {
        ((id as u64).wrapping_mul(self.multiplier) % self.key_space) as i32
    }
}

/// The `v` column of row `id`: 80–100 lowercase letters (no quoting or escaping needed in
/// either COPY text or SQL literals).
pub fn v_of(id: i64) -> String {
    let mut h = splitmix64(id as u64 ^ 0x5EED);
    let len = 80 + (h % 21) as usize;
    let mut s = String::with_capacity(len);
    for i in 0..len {
        if i % 12 == 0 {
            h = splitmix64(h);
        }
        s.push((b'a' + ((h >> ((i % 12) * 5)) % 26) as u8) as char);
    }
    s
}

/// COPY text-format data for `t`, ids `0..rows`, cut into chunks of about `chunk_bytes` that end
/// on row boundaries (one CopyData message each).
pub fn copy_chunks(keys: Keys, rows: usize, chunk_bytes: usize) -> Vec<Bytes> {
    let mut chunks = Vec::new();
    let mut buf = String::with_capacity(chunk_bytes + 128);
    for id in 0..rows as i64 {
        buf.push_str(&format!("{id}\t{}\t{}\n", keys.k(id), v_of(id)));
        if buf.len() >= chunk_bytes {
            chunks.push(Bytes::from(std::mem::take(&mut buf)));
            buf.reserve(chunk_bytes + 128);
        }
    }
    if !buf.is_empty() {
        chunks.push(Bytes::from(buf));
    }
    chunks
}

/// Multi-row INSERT statements for `table`, ids `0..rows`, `batch` rows each.
pub fn insert_statements(table: &str, keys: Keys, rows: usize, batch: usize) -> Vec<String> {
    let mut statements = Vec::with_capacity(rows.div_ceil(batch));
    let mut id = 0i64;
    while (id as usize) < rows {
        let end = (id as usize + batch).min(rows) as i64;
        let mut sql = String::with_capacity(64 + batch * 112);
        sql.push_str(&format!("INSERT INTO {table} (id, k, v) VALUES "));
        for i in id..end {
            if i > id {
                sql.push(',');
            }
            sql.push_str(&format!("({i},{},'{}')", keys.k(i), v_of(i)));
        }
        statements.push(sql);
        id = end;
    }
    statements
}

/// COPY text data for `product (id, category, name)`.
pub fn product_copy() -> Bytes {
    let mut s = String::new();
    for id in 0..PRODUCTS {
        s.push_str(&format!(
            "{id}\tcategory_{:02}\tproduct_{id}\n",
            id % CATEGORIES
        ));
    }
    Bytes::from(s)
}

/// COPY text data for `store (id, region, name)`.
pub fn store_copy() -> Bytes {
    let mut s = String::new();
    for id in 0..STORES {
        s.push_str(&format!("{id}\tregion_{}\tstore_{id}\n", id % REGIONS));
    }
    Bytes::from(s)
}

/// COPY text data for `sales (id, product_id, store_id, qty, price)`, `rows` rows, chunked.
pub fn sales_copy(rows: usize, chunk_bytes: usize) -> Vec<Bytes> {
    let mut chunks = Vec::new();
    let mut buf = String::with_capacity(chunk_bytes + 64);
    for id in 0..rows as u64 {
        let h = splitmix64(id ^ 0xFAC7);
        let product = h % PRODUCTS as u64;
        let store = (h >> 20) % STORES as u64;
        let qty = 1 + (h >> 40) % 10;
        let price = 100 + (h >> 48) % 900;
        buf.push_str(&format!("{id}\t{product}\t{store}\t{qty}\t{price}\n"));
        if buf.len() >= chunk_bytes {
            chunks.push(Bytes::from(std::mem::take(&mut buf)));
            buf.reserve(chunk_bytes + 64);
        }
    }
    if !buf.is_empty() {
        chunks.push(Bytes::from(buf));
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_gets_exactly_ten_rows() {
        for rows in [1_000usize, 5_430, 100_000] {
            let keys = Keys::new(rows);
            let mut counts = vec![0u32; keys.key_space as usize];
            for id in 0..(keys.key_space * 10) as i64 {
                counts[keys.k(id) as usize] += 1;
            }
            assert!(counts.iter().all(|&c| c == 10), "rows={rows}");
        }
        // 7919 divides this key space, so another multiplier must be chosen.
        let keys = Keys::new(79_190);
        assert_eq!(gcd(keys.multiplier, keys.key_space), 1);
    }

    #[test]
    fn rows_are_about_a_hundred_bytes_and_deterministic() {
        let chunks = copy_chunks(Keys::new(1_000), 1_000, 4096);
        let total: usize = chunks.iter().map(|c| c.len()).sum();
        assert!((90_000..110_000).contains(&total), "{total}");
        assert!(chunks.iter().all(|c| c.ends_with(b"\n")));
        assert_eq!(v_of(42), v_of(42));
        assert!(v_of(7).bytes().all(|b| b.is_ascii_lowercase()));
        assert_eq!(copy_chunks(Keys::new(1_000), 1_000, 4096), chunks);
    }

    #[test]
    fn insert_statements_cover_every_row_once() {
        let statements = insert_statements("t", Keys::new(2_500), 2_500, 1_000);
        assert_eq!(statements.len(), 3);
        let tuples: usize = statements
            .iter()
            .map(|s| s.matches("),(").count() + 1)
            .sum();
        assert_eq!(tuples, 2_500);
        assert!(statements[0].starts_with("INSERT INTO t (id, k, v) VALUES (0,"));
    }

    #[test]
    fn rng_stays_in_range() {
        let mut rng = Rng::new(3);
        assert!((0..10_000).all(|_| rng.below(17) < 17));
    }
}
