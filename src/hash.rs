//! The hasher of jailvol's maps keyed by short names (`FnvMap`, `FnvSet`,
//! `FnvIndexMap`): a hashing concern of its own that the merge, the rc.conf evaluator and
//! many other stages share (a leaf, so that the parsers below the model can use it);
//! and `Firsts`, the first-seen table the lints keep of every jail's key.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};

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

/// The `Fnv` hash of `key`, as an `FnvMap<&str, _>` computes it (and the tables of
/// indices beside their keys, `Firsts` and rc.conf's `VarMap`, probe with it).
pub(crate) fn hash_str(key: &str) -> u64 {
    BuildHasherDefault::<Fnv>::default().hash_one(key)
}

/// For each key, the value it was first given: what the lints need to find a second
/// jail with the same address, hostname or path. A `FnvMap<&str, V>` of 200,000 keys
/// is six megabytes of (key, value) buckets, each probe a miss in the core's cache; here
/// the table holds 4-byte indices (about 1.3 MB with its control bytes, inside the
/// cache) into the keys, which are appended in order and read only when a probe's tag
/// matches.
pub struct Firsts<'k, V> {
    table: hashbrown::HashTable<u32>,
    keys: Vec<(&'k str, V)>,
}

impl<'k, V: Copy> Firsts<'k, V> {
    pub fn with_capacity(n: usize) -> Self {
        Firsts {
            table: hashbrown::HashTable::with_capacity(n),
            keys: Vec::with_capacity(n),
        }
    }

    /// The value `key` was first given, or None when it is new: then it is given `v`.
    pub fn first(&mut self, key: &'k str, v: V) -> Option<V> {
        let keys = &self.keys;
        let entry = self.table.entry(
            hash_str(key),
            |&i| keys.get(i as usize).is_some_and(|k| k.0 == key),
            |&i| keys.get(i as usize).map_or(0, |k| hash_str(k.0)),
        );
        match entry {
            hashbrown::hash_table::Entry::Occupied(e) => keys.get(*e.get() as usize).map(|k| k.1),
            hashbrown::hash_table::Entry::Vacant(e) => {
                // More keys than a u32 counts cannot come from one file (at most 4 GiB,
                // `too_large`); past that, a key is simply not remembered.
                if let Ok(i) = u32::try_from(self.keys.len()) {
                    e.insert(i);
                    self.keys.push((key, v));
                }
                None
            }
        }
    }

    /// The value `key` was first given, if it was given one.
    pub fn get(&self, key: &str) -> Option<V> {
        let keys = &self.keys;
        let i = self.table.find(hash_str(key), |&i| {
            keys.get(i as usize).is_some_and(|k| k.0 == key)
        })?;
        keys.get(*i as usize).map(|k| k.1)
    }
}

#[cfg(test)]
mod tests {
    use std::hash::BuildHasher;

    use super::*;

    /// `Firsts` against a `HashMap` doing the same: every key's first value, whatever
    /// comes after it; keys that share their hash's top bits (hashbrown's tag) and keys
    /// that differ only at their end among them.
    #[test]
    fn firsts_keeps_the_first_value_of_each_key() {
        let keys: Vec<String> = (0..20_000)
            .map(|i| match i % 3 {
                0 => format!("/jails/web{}", i % 5_000),
                1 => format!("10.0.{}.{}", (i / 256) % 40, i % 256),
                _ => format!("h{}", i % 7_000),
            })
            .collect();
        let mut firsts = Firsts::with_capacity(16);
        let mut want: HashMap<&str, usize> = HashMap::new();
        for (i, k) in keys.iter().enumerate() {
            let expect = want.get(k.as_str()).copied();
            assert_eq!(firsts.first(k, i), expect, "{k} at {i}");
            want.entry(k).or_insert(i);
        }
        for (k, v) in &want {
            assert_eq!(firsts.get(k), Some(*v));
        }
        assert_eq!(firsts.get("/jails/web5000"), None);
        assert_eq!(firsts.get(""), None);
    }

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
