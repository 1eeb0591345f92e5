//! The evaluated variables: in the order of their first assignment (the order `vars`
//! lists them in), found by name.
//!
//! An `IndexMap` did this until session 28. At 300,000 names (a 400,000-line rc.conf)
//! its table of 8-byte indices outgrows the core's L2, and its insert wrote the new
//! index to that table, then built the entry on the stack and copied it in with loads
//! that could not be forwarded from the stores that built it: each such load waited
//! for the table's store to reach memory. The map was half of `vars` there, a fifth at
//! 75,000 names (docs/performance.md, session 28). Here the indices are 4 bytes, and
//! the entry is pushed before its index is written, so nothing waits on that store.

use compact_str::CompactString;
use hashbrown::HashTable;

use super::RcVar;
use crate::hash::hash_str;

/// Names and their variables, in order of first assignment. A name keeps its place
/// when assigned again, as with indexmap's `insert`.
#[derive(Clone, Default)]
pub struct VarMap {
    /// Each name's place in `entries`.
    table: HashTable<u32>,
    entries: Vec<(CompactString, RcVar)>,
}

/// The hash of entry `i`, for the table's rehash.
fn hash_at(entries: &[(CompactString, RcVar)], i: u32) -> u64 {
    entries.get(i as usize).map_or(0, |e| hash_str(&e.0))
}

type Pair<'a> = (&'a CompactString, &'a RcVar);

fn pair(e: &(CompactString, RcVar)) -> Pair<'_> {
    (&e.0, &e.1)
}

impl VarMap {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Room for `n` more names without growing the table (each growth hashes every
    /// name again).
    pub fn reserve(&mut self, n: usize) {
        let entries = &self.entries;
        self.table.reserve(n, |&i| hash_at(entries, i));
        self.entries.reserve(n);
    }

    fn index_of(&self, name: &str) -> Option<usize> {
        self.find(hash_str(name), name)
    }

    /// The place of `name`, whose hash is `h`.
    fn find(&self, h: u64, name: &str) -> Option<usize> {
        let entries = &self.entries;
        self.table
            .find(h, |&i| entries.get(i as usize).is_some_and(|e| e.0 == name))
            .map(|&i| i as usize)
    }

    pub fn get(&self, name: &str) -> Option<&RcVar> {
        self.get_key_value(name).map(|(_, v)| v)
    }

    pub fn get_key_value(&self, name: &str) -> Option<Pair<'_>> {
        self.entries.get(self.index_of(name)?).map(pair)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.index_of(name).is_some()
    }

    /// Assign `var` to `name`: in place if it is there, else as the last name. The key
    /// is made only for a new name.
    pub fn set(&mut self, name: &str, var: RcVar) {
        let h = hash_str(name);
        match self.find(h, name).and_then(|i| self.entries.get_mut(i)) {
            Some(e) => e.1 = var,
            None => self.push(h, name.into(), var),
        }
    }

    /// `set` with the key made already; the value it replaced, if any.
    pub fn insert(&mut self, name: CompactString, var: RcVar) -> Option<RcVar> {
        let h = hash_str(&name);
        match self.find(h, &name).and_then(|i| self.entries.get_mut(i)) {
            Some(e) => Some(std::mem::replace(&mut e.1, var)),
            None => {
                self.push(h, name, var);
                None
            }
        }
    }

    fn push(&mut self, h: u64, name: CompactString, var: RcVar) {
        // Every name takes two bytes of a source at least (`a=`), and `Eval::run`
        // rejects a source larger than 4 GiB (`parse::too_large`): past 2^32 names the sources in memory
        // would be 8 GiB and more, which no rc.conf comes near.
        let i = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        self.entries.push((name, var));
        let entries = &self.entries;
        self.table.insert_unique(h, i, |&i| hash_at(entries, i));
    }

    /// Remove `name`, the names after it moving up one place; a later assignment
    /// lists it last. (The evaluator removes a name /etc/defaults/rc.conf set when the
    /// admin's files first assign it, and one a skipped statement may have changed.)
    pub fn shift_remove(&mut self, name: &str) -> Option<RcVar> {
        let i = self.index_of(name)?;
        if let Ok(slot) = self.table.find_entry(hash_str(name), |&j| j as usize == i) {
            slot.remove();
        }
        // The places after it move up one, in the table too: found by name when they
        // are fewer than half the table's entries, else by a sweep of it (as indexmap
        // does).
        let VarMap { table, entries } = self;
        if entries.len() - i - 1 < table.len() / 2 {
            for (k, e) in entries.iter().enumerate().skip(i + 1) {
                if let Some(j) = table.find_mut(hash_str(&e.0), |&j| j as usize == k) {
                    *j -= 1;
                }
            }
        } else {
            for j in table.iter_mut() {
                if *j as usize > i {
                    *j -= 1;
                }
            }
        }
        let (_, var) = entries.remove(i);
        Some(var)
    }

    /// Keep the names `keep` says yes to, in their order.
    pub fn retain(&mut self, mut keep: impl FnMut(&CompactString, &RcVar) -> bool) {
        self.entries.retain(|(k, v)| keep(k, v));
        let VarMap { table, entries } = self;
        table.clear();
        for (i, e) in entries.iter().enumerate() {
            table.insert_unique(hash_str(&e.0), i as u32, |&j| hash_at(entries, j));
        }
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = Pair<'_>> + ExactSizeIterator {
        self.entries.iter().map(pair)
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &CompactString> + ExactSizeIterator {
        self.entries.iter().map(|e| &e.0)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &RcVar> + ExactSizeIterator {
        self.entries.iter().map(|e| &e.1)
    }
}

impl<'a> IntoIterator for &'a VarMap {
    type Item = Pair<'a>;
    type IntoIter =
        std::iter::Map<std::slice::Iter<'a, (CompactString, RcVar)>, fn(&(CompactString, RcVar)) -> Pair<'_>>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries
            .iter()
            .map(pair as fn(&(CompactString, RcVar)) -> Pair<'_>)
    }
}

impl std::fmt::Debug for VarMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Loc, Source};

    fn var(value: &str) -> RcVar {
        RcVar {
            value: value.into(),
            loc: Loc::new(&Source::new("rc.conf", ""), 0),
        }
    }

    fn listed(m: &VarMap) -> Vec<(String, String)> {
        m.iter()
            .map(|(k, v)| (k.to_string(), v.value.to_string()))
            .collect()
    }

    /// Checked against a plain list, the reference: the same names in the same order
    /// with the same values, and every name found by `get` at its own place.
    fn same(m: &VarMap, want: &[(String, String)]) {
        let got = listed(m);
        assert_eq!(got, want);
        for (i, (k, v)) in want.iter().enumerate() {
            assert_eq!(m.index_of(k), Some(i), "{k}");
            assert_eq!(m.get(k).map(|r| r.value.as_str()), Some(v.as_str()));
        }
        assert_eq!(m.len(), want.len());
    }

    /// Assignments, reassignments, removals and a retain, with the table growing well
    /// past what was reserved (its rehash hashes the entries' names), and names long
    /// enough to be held on the heap: at each step the map lists and finds what a plain
    /// list does.
    #[test]
    fn lists_and_finds_as_a_plain_list_does() {
        let mut m = VarMap::default();
        m.reserve(4);
        let mut want: Vec<(String, String)> = Vec::new();
        let name = |i: usize| {
            if i.is_multiple_of(3) {
                format!("jail_a_name_longer_than_twenty_four_bytes_{i}")
            } else {
                format!("v{i}")
            }
        };
        let set = |m: &mut VarMap, want: &mut Vec<(String, String)>, n: String, v: String| {
            m.set(&n, var(&v));
            match want.iter_mut().find(|(k, _)| *k == n) {
                Some(e) => e.1 = v,
                None => want.push((n, v)),
            }
        };
        for i in 0..3000 {
            set(&mut m, &mut want, name(i), format!("first {i}"));
        }
        same(&m, &want);
        for i in (0..3000).step_by(7) {
            set(&mut m, &mut want, name(i), format!("again {i}"));
        }
        same(&m, &want);
        for i in (0..3000).step_by(11) {
            let n = name(i);
            let gone = m.shift_remove(&n).map(|v| v.value.to_string());
            let pos = want.iter().position(|(k, _)| *k == n);
            assert_eq!(gone, pos.map(|p| want.remove(p).1), "{n}");
            assert!(m.shift_remove(&n).is_none());
        }
        same(&m, &want);
        // Removed, then assigned again: listed last.
        set(&mut m, &mut want, name(0), "back".into());
        same(&m, &want);
        m.retain(|k, _| !k.ends_with('5'));
        want.retain(|(k, _)| !k.ends_with('5'));
        same(&m, &want);
        assert_eq!(
            m.insert("v1".into(), var("x")).map(|v| v.value),
            Some("first 1".into())
        );
        assert!(m.insert("new".into(), var("y")).is_none());
        assert_eq!(m.keys().last().map(|k| k.as_str()), Some("new"));
        assert!(m.contains_key("new") && !m.contains_key("v5") && !m.contains_key(""));
    }

    proptest::proptest! {
        /// Against indexmap's `IndexMap`, which `VarMap` replaced: any sequence of
        /// assignments, inserts, removals and retains over a few names (so that names
        /// come back after removal) leaves the same names in the same order with the
        /// same values, and each lookup answers the same.
        #[test]
        fn does_what_indexmap_did(ops in proptest::collection::vec((0u8..4, 0usize..40, 0u8..4), 0..300)) {
            let mut m = VarMap::default();
            let mut r: indexmap::IndexMap<String, String> = indexmap::IndexMap::new();
            // Short names are held inline, long ones on the heap.
            let name = |k: usize| if k.is_multiple_of(2) { format!("n{k}") } else { format!("jail_{k}_a_name_held_on_the_heap") };
            for (step, &(op, k, v)) in ops.iter().enumerate() {
                let (n, value) = (name(k), format!("{step}"));
                match op {
                    0 => {
                        m.set(&n, var(&value));
                        r.insert(n.clone(), value);
                    }
                    1 => {
                        let old = m.insert(n.as_str().into(), var(&value)).map(|x| x.value.to_string());
                        proptest::prop_assert_eq!(old, r.insert(n.clone(), value));
                    }
                    2 => {
                        let gone = m.shift_remove(&n).map(|x| x.value.to_string());
                        proptest::prop_assert_eq!(gone, r.shift_remove(&n));
                    }
                    _ => {
                        m.retain(|key, _| key.len() % 4 != usize::from(v));
                        r.retain(|key, _| key.len() % 4 != usize::from(v));
                    }
                }
                proptest::prop_assert_eq!(m.get(&n).map(|x| x.value.to_string()), r.get(&n).cloned());
            }
            let want: Vec<(String, String)> = r.into_iter().collect();
            same(&m, &want);
        }
    }
}
