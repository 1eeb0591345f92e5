//! The hasher of jailvol's maps keyed by short names (`FnvMap`, `FnvSet`,
//! `FnvIndexMap`): a hashing concern of its own that the merge, the rc.conf evaluator and
//! many other stages share (a leaf, so that the parsers below the model can use it).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FxHash-style, a word at a time: parameter names are short and few, SipHash costs
/// more than the lookup.
#[derive(Default)]
pub struct Fnv(u64);

impl Hasher for Fnv {
    /// Rotated, as rustc-hash 2 does: a multiply leaves the low bits of a product
    /// depending only on the low bits of what was multiplied, and hashbrown picks the
    /// bucket by the low bits. Keys that differ only at their end (`/jails/web1`,
    /// `/jails/web2`: the last word's high bytes) filled a fifth of the groups of a
    /// table of 200,000 paths, up to 134 keys in one, and each lookup probed a run of
    /// groups comparing keys. The high bits of a product mix all of its input.
    fn finish(&self) -> u64 {
        self.0.rotate_left(26)
    }
    /// A word at a time; the last word overlaps the one before it rather than being
    /// copied into a padded buffer (a `memcpy` call of a few bytes cost more than the
    /// rest of hashing a parameter name). Short writes are read as one or two
    /// overlapping loads; the length is mixed in last.
    fn write(&mut self, b: &[u8]) {
        let n = b.len();
        let mut h = self.0;
        if n >= 8 {
            let mut chunks = b.chunks_exact(8);
            for c in &mut chunks {
                h = fx(h, word8(c));
            }
            if !chunks.remainder().is_empty() {
                h = fx(h, word8(&b[n - 8..]));
            }
        } else if n >= 4 {
            h = fx(h, word4(&b[..4]) | word4(&b[n - 4..]) << 32);
        } else if n > 0 {
            h = fx(
                h,
                u64::from(b[0]) | u64::from(b[n / 2]) << 8 | u64::from(b[n - 1]) << 16,
            );
        }
        self.0 = fx(h, n as u64);
    }
    // `str` ends its hash with a 0xff byte: one step, not `write`'s.
    fn write_u8(&mut self, i: u8) {
        self.0 = fx(self.0, u64::from(i));
    }
}

fn fx(h: u64, w: u64) -> u64 {
    (h.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95)
}

/// The first eight bytes of `c` (which has eight or more), little-endian.
fn word8(c: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&c[..8]);
    u64::from_le_bytes(w)
}

/// The first four bytes of `c` (which has four or more), little-endian.
fn word4(c: &[u8]) -> u64 {
    let mut w = [0u8; 4];
    w.copy_from_slice(&c[..4]);
    u64::from(u32::from_le_bytes(w))
}

pub type FnvMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;
pub type FnvSet<K> = std::collections::HashSet<K, BuildHasherDefault<Fnv>>;
/// An `IndexMap` (insertion order kept) with this hasher.
pub type FnvIndexMap<K, V> = indexmap::IndexMap<K, V, BuildHasherDefault<Fnv>>;

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use super::*;

    /// Keys that differ only in their last bytes (jail names, paths, addresses and
    /// hostnames numbered in order) spread over hashbrown's groups as random hashes
    /// would: a table of 200,000 has 2^14 groups of 16 buckets, picked by the low bits;
    /// 12 keys a group on average, some 30 at most at random. Each group's keys also
    /// differ in the top seven bits (the tag hashbrown compares first) as random ones do.
    #[test]
    fn numbered_keys_spread_over_the_groups() {
        let n = 200_000;
        type Key = fn(usize) -> String;
        let families: [(&str, Key); 4] = [
            ("paths", |i| format!("/jails/web{i}")),
            ("names", |i| format!("web{i}")),
            ("addresses", |i| format!("10.1.{}.{}", i / 250, i % 250)),
            ("hostnames", |i| format!("web{i}.example.org")),
        ];
        let build = BuildHasherDefault::<Fnv>::default();
        for (family, key) in families {
            let mut groups = vec![0u32; 1 << 14];
            let mut tags = FnvSet::default();
            for i in 0..n {
                let h = build.hash_one(key(i).as_str());
                let group = (h as usize & ((1 << 18) - 1)) >> 4;
                groups[group] += 1;
                tags.insert((group, h >> 57));
            }
            let used = groups.iter().filter(|&&g| g > 0).count();
            let most = groups.iter().max().copied().unwrap_or(0);
            assert!(
                used == groups.len() && most <= 40,
                "{family}: {used} groups used, {most} keys at most"
            );
            // Keys sharing both group and tag: about 10,000 at random.
            let alike = n - tags.len();
            assert!(alike < 15_000, "{family}: {alike} keys share a group and a tag");
        }
    }
}
