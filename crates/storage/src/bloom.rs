//! Bloom filters over user keys, one per SST, so a point read skips tables that cannot hold
//! the key. Also home of the crate's stable 64-bit hash (it must not change between builds:
//! filters are stored on disk).
//!
//! ```text
//! filter := bit array (n bytes) | probes u8
//! ```
//! Probe i of key k tests bit (h1 + i * h2) mod (8n), with h1, h2 the two halves of hash64(k)
//! (Kirsch–Mitzenmacher double hashing).

/// A stable, fast 64-bit hash (multiply–rotate over 8-byte words with a murmur3 finaliser).
pub(crate) fn hash64(data: &[u8]) -> u64 {
    const M: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut h: u64 = 0x243F_6A88_85A3_08D3 ^ (data.len() as u64).wrapping_mul(M);
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        let v = u64::from_le_bytes(w).wrapping_mul(0xff51_afd7_ed55_8ccd);
        h = (h ^ v.rotate_left(31)).rotate_left(27).wrapping_mul(M);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        let v = u64::from_le_bytes(w).wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h = (h ^ v.rotate_left(29)).wrapping_mul(M);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Collects key hashes while a table is written, then builds the filter.
#[derive(Default)]
pub(crate) struct BloomBuilder {
    hashes: Vec<u64>,
}

impl BloomBuilder {
    pub(crate) fn add_key(&mut self, key: &[u8]) {
        let h = hash64(key);
        // Versions of one key arrive together; skip the duplicates.
        if self.hashes.last() != Some(&h) {
            self.hashes.push(h);
        }
    }

    /// Builds the filter; an empty vector means "no filter" (bits_per_key == 0).
    pub(crate) fn build(&self, bits_per_key: u32) -> Vec<u8> {
        if bits_per_key == 0 {
            return Vec::new();
        }
        let nbits = (self.hashes.len() * bits_per_key as usize).max(64);
        let nbytes = nbits.div_ceil(8);
        let nbits = nbytes * 8;
        // ln 2 * bits per key probes minimise the false-positive rate.
        let probes = ((f64::from(bits_per_key) * 0.69).round() as u8).clamp(1, 30);
        let mut out = vec![0u8; nbytes + 1];
        for &h in &self.hashes {
            let (mut a, b) = (h, h.rotate_left(32) | 1);
            for _ in 0..probes {
                let bit = (a % nbits as u64) as usize;
                out[bit / 8] |= 1 << (bit % 8);
                a = a.wrapping_add(b);
            }
        }
        out[nbytes] = probes;
        out
    }
}

/// Whether `filter` may contain `key` (always true for an empty or malformed filter).
pub(crate) fn may_contain(filter: &[u8], key_hash: u64) -> bool {
    let Some((&probes, bits)) = filter.split_last() else {
        return true;
    };
    if bits.is_empty() || probes == 0 || probes > 30 {
        return true;
    }
    let nbits = (bits.len() * 8) as u64;
    let (mut a, b) = (key_hash, key_hash.rotate_left(32) | 1);
    for _ in 0..probes {
        let bit = (a % nbits) as usize;
        if bits[bit / 8] & (1 << (bit % 8)) == 0 {
            return false;
        }
        a = a.wrapping_add(b);
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_false_negatives_and_few_false_positives() {
        let mut b = BloomBuilder::default();
        for i in 0..10_000u32 {
            b.add_key(&i.to_be_bytes());
        }
        let f = b.build(10);
        for i in 0..10_000u32 {
            assert!(may_contain(&f, hash64(&i.to_be_bytes())));
        }
        let fp = (10_000..110_000u32)
            .filter(|i| may_contain(&f, hash64(&i.to_be_bytes())))
            .count();
        assert!(fp < 2_000, "false positive rate too high: {fp} / 100000");
        assert!(may_contain(&[], 1));
    }

    #[test]
    fn hash_is_stable() {
        // Filters are on disk: the hash must never change.
        assert_eq!(hash64(b""), hash64(b""));
        assert_ne!(hash64(b"a"), hash64(b"b"));
        assert_ne!(hash64(b"abcdefgh1"), hash64(b"abcdefgh2"));
    }
}
