//! config.c's rules for names: `foo`/`nofoo` parameter equality, wildcard and numeric
//! jail names, and the per-`load` cache of what the merge looks up by parameter name.
//! Callers all over jailvol use the rules without the merge.

use super::jail8::{INTPARAMS, strtol};
use crate::hash::FnvMap;

/// config.c equalopts(): `opt` = `noopt`, also per dotted component (`allow.nomount`).
pub fn equalopts(opt1: &str, opt2: &str) -> bool {
    // Every way to be equal other than identity adds or removes exactly one "no".
    match opt1.len().abs_diff(opt2.len()) {
        0 => return opt1 == opt2,
        2 => {}
        _ => return false,
    }
    fn no_eq(a: &str, b: &str) -> bool {
        a.strip_prefix("no").is_some_and(|rest| rest == b)
    }
    if opt1 == opt2 || no_eq(opt1, opt2) || no_eq(opt2, opt1) {
        return true;
    }
    let (mut o1, mut o2) = (opt1, opt2);
    while let Some(dot) = o1.find('.') {
        let n = dot + 1;
        if o2.len() < n || o1.as_bytes()[..n] != o2.as_bytes()[..n] {
            break;
        }
        o1 = &o1[n..];
        o2 = &o2[n..];
        if no_eq(o1, o2) || no_eq(o2, o1) {
            return true;
        }
    }
    false
}

/// config.c wild_jail_name(). The parser asks it of every block it reads
/// (`CfJail::wild`), so it lives there.
pub use crate::parse::jailconf::wild_jail_name;

/// config.c wild_jail_match(): a non-final `*` component matches one component, a final
/// `*` matches one or more.
pub fn wild_jail_match(jname: &str, wname: &str) -> bool {
    let (mut jc, mut wc) = (jname, wname);
    while let (Some(jd), Some(wd)) = (jc.find('.'), wc.find('.')) {
        let n = jd + 1;
        let same = wc.len() >= n && jc.as_bytes()[..n] == wc.as_bytes()[..n];
        if !same && !wc.starts_with("*.") {
            return false;
        }
        jc = &jc[n..];
        wc = &wc[wd + 1..];
    }
    jc == wc || wc == "*"
}

/// A block name that is a whole non-zero decimal number names the jail by `jid`.
pub fn numeric_name(name: &str) -> bool {
    let (v, used) = strtol(name);
    v != 0 && used == name.len()
}

/// The name with every leading "no" of every dot component removed. `equalopts(a, b)`
/// implies `no_key(a) == no_key(b)`, so it finds the candidates `equalopts` confirms.
fn no_key(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for (i, mut c) in name.split('.').enumerate() {
        while let Some(rest) = c.strip_prefix("no") {
            c = rest;
        }
        if i > 0 {
            out.push('.');
        }
        out.push_str(c);
    }
    out
}

/// Per-name facts computed once per `load`, not once per jail and statement.
#[derive(Default)]
pub(super) struct Names<'a> {
    by_name: FnvMap<&'a str, (u32, Option<usize>)>,
    keys: FnvMap<String, u32>,
    /// The name of the n-th statement of the last block asked about, and its answer:
    /// the blocks of a large file mostly repeat one shape, and comparing a name with
    /// the one before is cheaper than hashing it.
    recent: Vec<(&'a str, (u32, Option<usize>))>,
    /// The keys of `name` and `jid`, which every jail gets.
    pub(super) implied: [Option<u32>; 2],
}

impl<'a> Names<'a> {
    /// `get` for the statement at `at` in its block.
    pub(super) fn get_at(&mut self, at: usize, name: &'a str) -> (u32, Option<usize>) {
        if let Some(&(n, v)) = self.recent.get(at)
            && n == name
        {
            return v;
        }
        let v = self.get(name);
        if let Some(r) = self.recent.get_mut(at) {
            *r = (name, v);
        } else if self.recent.len() == at && at < 64 {
            self.recent.push((name, v));
        }
        v
    }

    /// The `no_key` id of a name and the first INTPARAMS entry it matches.
    pub(super) fn get(&mut self, name: &'a str) -> (u32, Option<usize>) {
        if let Some(&v) = self.by_name.get(name) {
            return v;
        }
        let next = self.keys.len() as u32;
        let key = *self.keys.entry(no_key(name)).or_insert(next);
        let ip = INTPARAMS.iter().position(|(n, _)| equalopts(name, n));
        self.by_name.insert(name, (key, ip));
        (key, ip)
    }
}
