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
    fn finish(&self) -> u64 {
        self.0
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
