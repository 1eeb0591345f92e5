//! What jail(8) sees: the jails of a configuration after wildcard merge, `+=`, renaming
//! (`foo`/`nofoo`) and variable expansion — a port of `load_config()` and `add_param()`
//! in FreeBSD's usr.sbin/jail/config.c (FreeBSD 15/main), plus the boolean and integer
//! checks of `check_intparams()`. Every stage of jailvol works on this type.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::ops::Range;
use std::sync::Arc;

use crate::diag::{Diag, Loc, Source};
use crate::lint::Lint;
use crate::parse::jailconf::{CfParam, Op, Parsed, Text, VarRef};
use smallvec::SmallVec;

/// A configuration as jail(8) would apply it.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Non-wildcard jails in file order. Jails that jail(8) would fail are left out and
    /// reported in `errors`.
    pub jails: Vec<Jail>,
    /// Per-jail errors (the messages jail(8) gives).
    pub errors: Vec<Diag>,
    /// Warnings from parsing and merging.
    pub warnings: Vec<Diag>,
}

#[derive(Debug, Clone)]
pub struct Jail {
    pub name: String,
    /// Parameters and variables in jail(8)'s final order.
    pub entries: Vec<Entry>,
    /// The block header, None only for jails that did not come from a jail.conf block.
    pub loc: Option<Loc>,
    /// Index of the raw record in `Parsed::jails`.
    pub record: usize,
    /// For a jail of `load_filtered` with `Wanted` names, where each is.
    pub wanted: Option<WantedAt>,
}

/// The entries of the `Wanted` names in a jail.
#[derive(Debug, Clone, Copy)]
pub struct WantedAt {
    pub names: &'static Wanted,
    /// For each name (by `Wanted::index`), 1 + the index of its entry, 0 when unset.
    pub at: [u8; MAX_WANTED],
}

/// How many names a `Wanted` may list.
pub const MAX_WANTED: usize = 16;

/// Names and values are `Text`: spans of the configuration file where written as they
/// are, so a merged jail costs a few allocations, not one per name and value (check
/// walks every jail's entries several times, and freed them for as long as it linted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: Text,
    pub is_var: bool,
    pub values: Values,
}

/// An entry's values: most entries have one, kept inline.
pub type Values = SmallVec<[Text; 1]>;

impl Jail {
    pub fn params(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| !e.is_var)
    }
    pub fn variables(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.is_var)
    }
    /// A parameter by name, `foo` and `nofoo` being the same parameter.
    pub fn param(&self, name: &str) -> Option<&Entry> {
        self.params().find(|e| equalopts(&e.name, name))
    }
    pub fn variable(&self, name: &str) -> Option<&Entry> {
        self.variables().find(|e| e.name == name)
    }
    /// The value jail(8) uses for a scalar: the last one.
    pub fn scalar(&self, name: &str) -> Option<&str> {
        self.param(name).and_then(|e| e.values.last()).map(Text::as_str)
    }
    pub fn var_scalar(&self, name: &str) -> Option<&str> {
        self.variable(name)
            .and_then(|e| e.values.last())
            .map(Text::as_str)
    }
    /// bool_param(): no value, "true", or a non-zero number is true; a "no" prefix on the
    /// last name component inverts.
    pub fn bool_param(&self, name: &str) -> bool {
        let Some(p) = self.param(name) else { return false };
        let last = p.name.rsplit('.').next().unwrap_or(&p.name);
        let val = match p.values.last() {
            None => true,
            Some(v) => v.eq_ignore_ascii_case("true") || strtol(v).0 != 0,
        };
        last.starts_with("no") ^ val
    }
}

const PF_BOOL: u8 = 1;
const PF_INT: u8 = 2;
const PF_IMMUTABLE: u8 = 4;
const PF_INTERNAL: u8 = 8;

/// jail(8)'s own parameters (config.c `intparams`, entries without PF_CONV), in enum
/// order: the first one a new parameter matches with `equalopts` gives it its flags.
pub const INTPARAMS: &[(&str, u8)] = &[
    ("allow.dying", PF_INTERNAL | PF_BOOL),
    ("command", PF_INTERNAL),
    ("depend", PF_INTERNAL),
    ("exec.clean", PF_INTERNAL | PF_BOOL),
    ("exec.consolelog", PF_INTERNAL),
    ("exec.fib", PF_INTERNAL | PF_INT),
    ("exec.jail_user", PF_INTERNAL),
    ("exec.poststart", PF_INTERNAL),
    ("exec.poststop", PF_INTERNAL),
    ("exec.prepare", PF_INTERNAL),
    ("exec.prestart", PF_INTERNAL),
    ("exec.prestop", PF_INTERNAL),
    ("exec.release", PF_INTERNAL),
    ("exec.created", PF_INTERNAL),
    ("exec.start", PF_INTERNAL),
    ("exec.stop", PF_INTERNAL),
    ("exec.system_jail_user", PF_INTERNAL | PF_BOOL),
    ("exec.system_user", PF_INTERNAL),
    ("exec.timeout", PF_INTERNAL | PF_INT),
    ("interface", PF_INTERNAL),
    ("ip_hostname", PF_INTERNAL | PF_BOOL),
    ("mount", PF_INTERNAL),
    ("mount.devfs", PF_INTERNAL | PF_BOOL),
    ("mount.fdescfs", PF_INTERNAL | PF_BOOL),
    ("mount.procfs", PF_INTERNAL | PF_BOOL),
    ("mount.fstab", PF_INTERNAL),
    ("stop.timeout", PF_INTERNAL | PF_INT),
    ("vnet.interface", PF_INTERNAL),
    ("zfs.dataset", PF_INTERNAL),
    ("allow.chflags", 0),
    ("allow.mount", 0),
    ("allow.raw_sockets", 0),
    ("allow.set_hostname", 0),
    ("allow.socket_af", 0),
    ("allow.sysvipc", 0),
    ("devfs_ruleset", 0),
    ("host.hostname", 0),
    ("ip4.addr", 0),
    ("ip6.addr", 0),
    ("jid", PF_IMMUTABLE),
    ("name", PF_IMMUTABLE),
    ("path", 0),
    ("persist", 0),
    ("securelevel", 0),
    ("vnet", 0),
];

/// The parameters jail(8) implies from the block name.
static NAME: Text = Text::from_static("name");
static JID: Text = Text::from_static("jid");

/// The index in INTPARAMS of `name`, at compile time (`len()` when absent).
const fn intparam_at(name: &str) -> usize {
    let mut i = 0;
    while i < INTPARAMS.len() {
        let n = INTPARAMS[i].0.as_bytes();
        let b = name.as_bytes();
        if n.len() == b.len() {
            let mut k = 0;
            while k < n.len() && n[k] == b[k] {
                k += 1;
            }
            if k == n.len() {
                return i;
            }
        }
        i += 1;
    }
    INTPARAMS.len()
}

/// Where `name` and `jid` are in INTPARAMS: the merge adds them to every jail.
const NAME_IP: usize = intparam_at("name");
const JID_IP: usize = intparam_at("jid");

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

/// config.c wild_jail_name(): some `*` is a whole dot-separated component.
pub fn wild_jail_name(name: &str) -> bool {
    let b = name.as_bytes();
    b.iter()
        .enumerate()
        .any(|(i, &c)| c == b'*' && (i == 0 || b[i - 1] == b'.') && (i + 1 == b.len() || b[i + 1] == b'.'))
}

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

/// C strtol(s, &ep, 10): the value (saturated) and how many bytes were consumed (0 when
/// there are no digits).
pub fn strtol(s: &str) -> (i64, usize) {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
        i += 1;
    }
    let neg = match b.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return (0, 0);
    }
    let mut v: i64 = 0;
    for &c in &b[i..i + digits] {
        v = v.saturating_mul(10).saturating_add(i64::from(c - b'0'));
    }
    (if neg { -v } else { v }, i + digits)
}

/// A block name that is a whole non-zero decimal number names the jail by `jid`.
pub fn numeric_name(name: &str) -> bool {
    let (v, used) = strtol(name);
    v != 0 && used == name.len()
}

// ---------------------------------------------------------------------------------------

/// A value being built. The text borrows from the parse (or the block name) until a
/// variable is substituted into it; `vars` are the references still to expand, their
/// positions in the literal text shifted by `shift` (the bytes inserted so far).
#[derive(Debug, Clone)]
struct Str<'a> {
    text: Val<'a>,
    vars: &'a [VarRef],
    shift: usize,
    /// The file the string was written in (None for implied values).
    source: Option<&'a Arc<Source>>,
}

/// A value's text: as parsed until something is substituted into it.
#[derive(Debug, Clone)]
enum Val<'a> {
    /// The parsed text, and its `str` (looked up once: a span's lookup checks its ends,
    /// and the merge and the JSON writer read each value several times).
    Parsed(&'a Text, &'a str),
    Own(String),
}

impl std::ops::Deref for Val<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            Val::Parsed(_, s) => s,
            Val::Own(s) => s,
        }
    }
}

impl Val<'_> {
    /// The `Text` of an `Entry`: the parsed span again, or a copy of substituted text.
    fn to_text(&self) -> Text {
        match self {
            Val::Parsed(t, _) => (*t).clone(),
            Val::Own(s) => Text::from(s.as_str()),
        }
    }
}

/// Where something was written, made into a `Loc` only for a message.
type At<'a> = Option<(&'a Arc<Source>, usize)>;

fn to_loc(at: At<'_>) -> Option<Loc> {
    at.map(|(src, off)| Loc::new(src, off))
}

#[derive(Debug, Clone)]
struct P<'a> {
    name: &'a Text,
    /// `name_key` of the name: equal for any two names `equalopts` calls equal.
    key: u32,
    is_var: bool,
    flags: u8,
    ip: Option<usize>,
    values: Vec<Str<'a>>,
    generation: u32,
    bad: bool,
    /// Where the statement that last set it is (None for implied name/jid).
    loc: At<'a>,
}

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
struct Names<'a> {
    by_name: FnvMap<&'a str, (u32, Option<usize>)>,
    keys: FnvMap<String, u32>,
    /// The name of the n-th statement of the last block asked about, and its answer:
    /// the blocks of a large file mostly repeat one shape, and comparing a name with
    /// the one before is cheaper than hashing it.
    recent: Vec<(&'a str, (u32, Option<usize>))>,
    /// The keys of `name` and `jid`, which every jail gets.
    implied: [Option<u32>; 2],
}

impl<'a> Names<'a> {
    /// `get` for the statement at `at` in its block.
    fn get_at(&mut self, at: usize, name: &'a str) -> (u32, Option<usize>) {
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
    fn get(&mut self, name: &'a str) -> (u32, Option<usize>) {
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

/// Buffers of finished jails, reused by the next: after the first few jails a merge
/// allocates only for values that outgrow them.
#[derive(Default)]
struct Pools<'a> {
    values: Vec<Vec<Str<'a>>>,
    strings: Vec<String>,
}

impl<'a> Pools<'a> {
    fn values(&mut self) -> Vec<Str<'a>> {
        self.values.pop().unwrap_or_default()
    }

    /// `text` as a `String` of its own to edit, from the pool.
    fn own<'t>(&mut self, text: &'t mut Val<'a>) -> &'t mut String {
        if let Val::Parsed(_, b) = *text {
            let mut s = self.strings.pop().unwrap_or_default();
            s.push_str(b);
            *text = Val::Own(s);
        }
        match text {
            Val::Own(s) => s,
            // Made `Own` just above.
            Val::Parsed(..) => unreachable!(),
        }
    }

    fn copy(&mut self, text: &Val<'a>) -> Val<'a> {
        match text {
            Val::Parsed(t, b) => Val::Parsed(t, b),
            Val::Own(o) => {
                let mut s = self.strings.pop().unwrap_or_default();
                s.push_str(o);
                Val::Own(s)
            }
        }
    }

    fn recycle(&mut self, params: &mut Vec<P<'a>>) {
        for p in params.drain(..) {
            let mut values = p.values;
            for v in values.drain(..) {
                if let Val::Own(mut s) = v.text {
                    s.clear();
                    self.strings.push(s);
                }
            }
            self.values.push(values);
        }
    }
}

struct Building<'a, 'n> {
    jail: &'a str,
    names: &'n mut Names<'a>,
    pools: &'n mut Pools<'a>,
    params: Vec<P<'a>>,
    /// For the n-th variable `resolve` looks up, where the previous jail found it: most
    /// jails of a large file have the same shape, and a hint confirmed by the name
    /// saves comparing it with every entry before it (names in `params` are unique).
    hints: Vec<usize>,
    errors: Vec<Diag>,
    block_loc: Option<Loc>,
    /// Where a list variable was spliced in as a whole value, if anywhere.
    spliced: Option<Loc>,
}

impl<'a> Building<'a, '_> {
    fn fail(&mut self, loc: Option<Loc>, msg: String) {
        let loc = loc.or_else(|| self.block_loc.clone());
        self.errors
            .push(Diag::error(loc, format!("{}: {msg}", self.jail)));
    }

    /// add_param() for a jail-implied parameter (`name` or `jid` from the block name).
    fn add_implied(&mut self, ipname: &'static Text, value: &'a Text) {
        let ip = Some(if *ipname == "jid" { JID_IP } else { NAME_IP }).filter(|&i| i < INTPARAMS.len());
        debug_assert_eq!(ip, INTPARAMS.iter().position(|(n, _)| *n == ipname.as_str()));
        if self.params.iter().any(|p| p.ip == ip) {
            return;
        }
        let slot = usize::from(*ipname == "jid");
        let key = match self.names.implied[slot] {
            Some(k) => k,
            None => {
                let k = self.names.get(ipname).0;
                self.names.implied[slot] = Some(k);
                k
            }
        };
        self.params.push(P {
            name: ipname,
            key,
            is_var: false,
            flags: ip.map_or(0, |i| INTPARAMS[i].1),
            ip,
            values: {
                let mut v = self.pools.values();
                v.push(Str {
                    text: Val::Parsed(value, value.as_str()),
                    vars: &[],
                    shift: 0,
                    source: None,
                });
                v
            },
            generation: 0,
            bad: false,
            loc: None,
        });
    }

    /// add_param() for a statement from the file, the `at`-th of its block.
    fn add(&mut self, at: usize, p: &'a CfParam) {
        let info = self.names.get_at(at, &p.name);
        self.add_with(p, info);
    }

    /// `add` with `Names::get(&p.name)` already known.
    fn add_with(&mut self, p: &'a CfParam, (key, ip): (u32, Option<usize>)) {
        let at: At<'a> = Some((&p.source, p.start));
        let values = p.values.iter().map(|s| Str {
            text: Val::Parsed(&s.text, s.text.as_str()),
            vars: &s.vars,
            shift: 0,
            source: Some(&p.source),
        });
        let append = p.op == Op::Append;
        if let Some(dp) = self
            .params
            .iter()
            .position(|d| d.key == key && equalopts(d.name, &p.name))
        {
            if self.params[dp].is_var != p.is_var {
                self.fail(
                    to_loc(at),
                    format!(
                        "variable \"${}\" cannot have the same name as a parameter.",
                        p.name
                    ),
                );
                return;
            }
            if self.params[dp].flags & PF_IMMUTABLE != 0 {
                let n = self.params[dp].name;
                self.fail(to_loc(at), format!("cannot redefine parameter \"{n}\"."));
                return;
            }
            let d = &mut self.params[dp];
            d.name = &p.name;
            if !append || p.values.is_empty() {
                d.values.clear();
            }
            d.values.extend(values);
            d.loc = at;
            return;
        }
        self.params.push(P {
            name: &p.name,
            key,
            is_var: p.is_var,
            flags: if p.is_var {
                0
            } else {
                ip.map_or(0, |i| INTPARAMS[i].1)
            },
            ip: if p.is_var { None } else { ip },
            values: {
                let mut v = self.pools.values();
                v.extend(values);
                v
            },
            generation: 0,
            bad: false,
            loc: at,
        });
        if p.is_var && ip.is_some() {
            self.fail(
                to_loc(at),
                format!(
                    "variable \"${}\" cannot have the same name as a parameter.",
                    p.name
                ),
            );
        }
    }

    /// The variable-substitution loop of load_config(), moves included: a parameter whose
    /// value needs another one still unexpanded is moved in front of it, so the final
    /// order is jail(8)'s.
    fn resolve(&mut self) {
        let mut pgen: u32 = 0;
        let mut i = 0;
        let mut nth = 0;
        while i < self.params.len() {
            pgen += 1;
            self.params[i].generation = pgen;
            'find_vars: loop {
                let mut si = 0;
                while si < self.params[i].values.len() {
                    while let Some(v) = self.params[i].values[si].vars.first() {
                        let name = v.name.as_str();
                        let same = |q: &P<'_>| q.name.len() == name.len() && q.name.as_str() == name;
                        let hint = self
                            .hints
                            .get(nth)
                            .copied()
                            .filter(|&q| self.params.get(q).is_some_and(same));
                        let found = hint.or_else(|| self.params.iter().position(same));
                        if let Some(q) = found {
                            match self.hints.get_mut(nth) {
                                Some(h) => *h = q,
                                None => self.hints.push(q),
                            }
                        }
                        nth += 1;
                        let q = match found {
                            Some(q) if !self.params[q].values.is_empty() => q,
                            _ => {
                                let pname = self.params[i].name;
                                let loc = self.var_loc(i, si, v.at);
                                self.fail(loc, format!("{pname}: variable \"{}\" not found", v.name));
                                self.mark_bad(pgen);
                                self.pop_var(i, si);
                                continue;
                            }
                        };
                        if self.params[q].bad {
                            self.mark_bad(pgen);
                            self.pop_var(i, si);
                            continue;
                        }
                        if self.params[q].generation == pgen {
                            let loc = self.var_loc(i, si, v.at);
                            self.fail(loc, format!("{}: variable loop", v.name));
                            self.mark_bad(pgen);
                            self.pop_var(i, si);
                            continue;
                        }
                        if self.params[q].values.iter().any(|s| !s.vars.is_empty()) {
                            self.params[q].generation = pgen;
                            let moved = self.params.remove(q);
                            let at = if q < i { i - 1 } else { i };
                            self.params.insert(at, moved);
                            i = at;
                            continue 'find_vars;
                        }
                        let nvals = self.params[q].values.len();
                        let s = &self.params[i].values[si];
                        if nvals > 1 && (!s.text.is_empty() || s.vars.len() > 1) {
                            let pname = self.params[i].name;
                            let loc = self.var_loc(i, si, v.at);
                            self.fail(loc, format!("{pname}: array cannot be substituted inline"));
                            self.mark_bad(pgen);
                            self.pop_var(i, si);
                            continue;
                        }
                        if nvals > 1 && self.spliced.is_none() {
                            self.spliced = self.var_loc(i, si, v.at);
                        }
                        let extras: Vec<Val<'a>> = self.params[q].values[1..]
                            .iter()
                            .map(|s| s.text.clone())
                            .collect();
                        // q != i: a parameter that refers to itself is a loop (above).
                        let (qp, ip) = if q < i {
                            let (a, b) = self.params.split_at_mut(i);
                            (&a[q], &mut b[0])
                        } else {
                            let (a, b) = self.params.split_at_mut(q);
                            (&b[0], &mut a[i])
                        };
                        let first = &qp.values[0].text;
                        let s = &mut ip.values[si];
                        let pos = v.pos + s.shift;
                        s.vars = &s.vars[1..];
                        s.shift += first.len();
                        if s.text.is_empty() {
                            s.text = self.pools.copy(first);
                        } else if !first.is_empty() {
                            self.pools.own(&mut s.text).insert_str(pos, first);
                        }
                        // An array spliced in as the whole string (FreeBSD main; released
                        // jail(8) crashes here): the other values follow as strings of
                        // their own.
                        for (k, extra) in extras.into_iter().enumerate() {
                            self.params[i].values.insert(
                                si + 1 + k,
                                Str {
                                    text: extra,
                                    vars: &[],
                                    shift: 0,
                                    source: None,
                                },
                            );
                        }
                        si += nvals - 1;
                    }
                    si += 1;
                }
                break;
            }
            i += 1;
        }
    }

    fn pop_var(&mut self, i: usize, si: usize) {
        let s = &mut self.params[i].values[si];
        s.vars = &s.vars[1..];
    }

    fn var_loc(&self, i: usize, si: usize, at: usize) -> Option<Loc> {
        self.params[i].values[si].source.map(|src| Loc::new(src, at))
    }

    fn mark_bad(&mut self, pgen: u32) {
        for p in &mut self.params {
            if p.generation == pgen {
                p.bad = true;
            }
        }
    }

    /// check_intparams(): boolean and integer values of jail(8)'s own parameters.
    fn check_values(&mut self) {
        let mut errs = Vec::new();
        for p in &self.params {
            let Some(val) = p.values.last().map(|s| &*s.text) else {
                continue;
            };
            if p.flags & PF_BOOL != 0 {
                let (_, used) = strtol(val);
                let rest_nonempty = val.len() > used;
                if !val.eq_ignore_ascii_case("false") && !val.eq_ignore_ascii_case("true") && rest_nonempty {
                    errs.push((
                        to_loc(p.loc),
                        format!("{}: unknown boolean value \"{val}\"", p.name),
                    ));
                }
            } else if p.flags & PF_INT != 0 {
                let (_, used) = strtol(val);
                if used == 0 || used != val.len() {
                    errs.push((to_loc(p.loc), format!("{}: non-integer value \"{val}\"", p.name)));
                }
            }
        }
        for (loc, msg) in errs {
            self.fail(loc, msg);
        }
    }
}

/// load_config(): merge and expand every non-wildcard jail.
pub fn load(parsed: &Parsed) -> Config {
    let mut cfg = Config {
        warnings: parsed.warnings.clone(),
        ..Config::default()
    };
    let mut jails = Vec::new();
    cfg.errors = load_each(parsed, |j| jails.push(j), |w| cfg.warnings.push(w));
    cfg.jails = jails;
    cfg
}

/// A loaded jail as `load_each_view` lends it: the same content as `Jail`, borrowed
/// from the parse and the merge instead of copied into `String`s.
pub struct JailView<'v, 'a> {
    pub name: &'v str,
    pub loc: Option<&'v Loc>,
    /// Index of the raw record in `Parsed::jails`.
    pub record: usize,
    /// `loc`'s line, as the parser counted it.
    line: Option<usize>,
    params: &'v [P<'a>],
    /// The entries `to_jail` keeps, when not all.
    only: Option<&'v Only>,
}

/// Which merged entries `load_filtered` keeps in each jail: the parameters (as
/// `Jail::param` finds them, `nofoo` for `foo`) and the variables a caller reads.
#[derive(Debug)]
pub struct Wanted {
    pub params: &'static [&'static str],
    pub vars: &'static [&'static str],
}

impl Wanted {
    /// Where a name is in `WantedAt::at`: the parameters, then the variables.
    pub fn index(&self, name: &str, is_var: bool) -> Option<usize> {
        if is_var {
            Some(self.params.len() + self.vars.iter().position(|&v| v == name)?)
        } else {
            self.params.iter().position(|&p| p == name)
        }
    }
}

/// `Wanted` for one `load`: only an entry with the `Names` key of a wanted name can be
/// it (most are ruled out by their key alone), then the name decides.
struct Only {
    wanted: &'static Wanted,
    /// By key: some wanted name has it.
    by_key: Vec<bool>,
    /// (key, is_var, name)
    names: Vec<(u32, bool, &'static str)>,
}

impl Only {
    fn keeps(&self, p: &P<'_>) -> bool {
        self.which(p).is_some()
    }

    /// Which wanted name an entry is, by index in `names`.
    fn which(&self, p: &P<'_>) -> Option<usize> {
        if !self.by_key.get(p.key as usize).copied().unwrap_or(false) {
            return None;
        }
        self.names.iter().position(|&(key, is_var, name)| {
            key == p.key
                && is_var == p.is_var
                && if is_var {
                    *p.name == name
                } else {
                    equalopts(p.name, name)
                }
        })
    }
}

/// An entry of a `JailView`, like `Entry`.
#[derive(Clone, Copy)]
pub struct EntryView<'v> {
    pub name: &'v str,
    pub is_var: bool,
    values: &'v [Str<'v>],
}

impl<'v> EntryView<'v> {
    pub fn values(self) -> impl ExactSizeIterator<Item = &'v str> + use<'v> {
        self.values.iter().map(|s| &*s.text)
    }
}

impl<'v, 'a> JailView<'v, 'a> {
    /// The line of `loc` (`Loc::line`), without the source's line index.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// Parameters and variables in jail(8)'s final order, as `Jail::entries`.
    pub fn entries(&self) -> impl Iterator<Item = EntryView<'v>> + use<'v, 'a> {
        let only = self.only;
        self.params
            .iter()
            .filter(move |p| only.is_none_or(|only| only.keeps(p)))
            .map(|p| EntryView {
                name: p.name,
                is_var: p.is_var,
                values: &p.values,
            })
    }

    /// The `Jail` `load` gives for this jail (only the entries `Wanted` names, for a
    /// view lent by `load_filtered` with one).
    pub fn to_jail(&self) -> Jail {
        let entry = |p: &P<'_>| Entry {
            name: p.name.clone(),
            is_var: p.is_var,
            values: p.values.iter().map(|v| v.text.to_text()).collect(),
        };
        let (entries, wanted) = match self.only {
            None => (self.params.iter().map(entry).collect(), None),
            Some(only) => {
                // Which first, so the list is allocated once at its size.
                let kept: SmallVec<[(&P<'_>, usize); MAX_WANTED]> = self
                    .params
                    .iter()
                    .filter_map(|p| Some((p, only.which(p)?)))
                    .collect();
                let mut at = [0u8; MAX_WANTED];
                for (i, &(_, w)) in kept.iter().enumerate() {
                    // jail(8) merges the names equalopts calls equal into one entry:
                    // each wanted name has at most one (else the first, as
                    // `Jail::param` finds it).
                    if at[w] == 0 {
                        at[w] = u8::try_from(i + 1).unwrap_or(0);
                    }
                }
                let mut v = Vec::with_capacity(kept.len());
                v.extend(kept.into_iter().map(|(p, _)| entry(p)));
                (
                    v,
                    Some(WantedAt {
                        names: only.wanted,
                        at,
                    }),
                )
            }
        };
        Jail {
            name: self.name.to_owned(),
            entries,
            loc: self.loc.cloned(),
            record: self.record,
            wanted,
        }
    }
}

/// `load` one jail at a time, for output that does not need the whole `Config`:
/// `on_jail` gets every jail `load` would put in `Config::jails`, in the same order, and
/// `on_warning` every warning `load` adds after `Parsed::warnings` (not those). Returns
/// `Config::errors`.
pub fn load_each(parsed: &Parsed, mut on_jail: impl FnMut(Jail), on_warning: impl FnMut(Diag)) -> Vec<Diag> {
    load_each_view(parsed, |v| on_jail(v.to_jail()), on_warning)
}

/// `load_each` without copying: each jail is lent to `on_jail` for the time of the call.
pub fn load_each_view(
    parsed: &Parsed,
    on_jail: impl FnMut(&JailView<'_, '_>),
    on_warning: impl FnMut(Diag),
) -> Vec<Diag> {
    load_each_view_kept(parsed, &|_| true, on_jail, on_warning)
}

/// `load` as if the statements `keep` rejects were not in the file (generate leaves out
/// its own earlier statements this way, without copying the parse).
///
/// Jails merge independently of each other, so a large file is merged in two halves,
/// the second on another thread (check and generate of thousands of jails wait on
/// this merge before anything else); the result is the same as one pass.
///
/// With `wanted`, the jails keep only the entries it names: a caller that reads a few
/// parameters of thousands of jails copies and frees only those.
pub fn load_filtered(
    parsed: &Parsed,
    keep: &(dyn Fn(&CfParam) -> bool + Sync),
    wanted: Option<&'static Wanted>,
) -> Config {
    /// Below this many blocks a thread costs more than it saves.
    const SPLIT_AT: usize = 2_000;
    let n = parsed.jails.len();
    let split = n >= SPLIT_AT && std::thread::available_parallelism().is_ok_and(|p| p.get() > 1);
    let (first, second) = if split {
        (0..n / 2, Some(n / 2..n))
    } else {
        (0..n, None)
    };
    let merge = |range: Range<usize>| {
        let mut half = Merged::default();
        (half.errors, half.check_errors) = load_range(
            parsed,
            keep,
            wanted,
            range,
            |v| half.jails.push(v.to_jail()),
            |w| half.warnings.push(w),
        );
        half
    };
    let merged: Vec<Merged> = std::thread::scope(|s| {
        // When no thread can be made, the second half is merged here after the first.
        let second = second.map(|r| {
            let again = r.clone();
            std::thread::Builder::new()
                .spawn_scoped(s, move || merge(r))
                .map_err(|_| again)
        });
        let mut out = vec![merge(first)];
        match second {
            Some(Ok(h)) => out.push(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))),
            Some(Err(r)) => out.push(merge(r)),
            None => {}
        }
        out
    });
    let mut cfg = Config {
        warnings: parsed.warnings.clone(),
        ..Config::default()
    };
    let mut check_errors = Vec::new();
    for half in merged {
        cfg.jails.extend(half.jails);
        cfg.warnings.extend(half.warnings);
        cfg.errors.extend(half.errors);
        check_errors.extend(half.check_errors);
    }
    cfg.errors.extend(check_errors);
    cfg
}

/// What `load_range` gives for some of the blocks.
#[derive(Default)]
struct Merged {
    jails: Vec<Jail>,
    warnings: Vec<Diag>,
    errors: Vec<Diag>,
    check_errors: Vec<Diag>,
}

fn load_each_view_kept(
    parsed: &Parsed,
    keep: &dyn Fn(&CfParam) -> bool,
    on_jail: impl FnMut(&JailView<'_, '_>),
    on_warning: impl FnMut(Diag),
) -> Vec<Diag> {
    let (mut errors, check_errors) =
        load_range(parsed, keep, None, 0..parsed.jails.len(), on_jail, on_warning);
    errors.extend(check_errors);
    errors
}

/// The jails of the blocks in `range` (wildcard blocks anywhere still apply). Returns the
/// errors of loading, and those of `check_values`, which jail(8) reports after all
/// the others.
fn load_range(
    parsed: &Parsed,
    keep: &dyn Fn(&CfParam) -> bool,
    wanted: Option<&'static Wanted>,
    range: Range<usize>,
    mut on_jail: impl FnMut(&JailView<'_, '_>),
    mut on_warning: impl FnMut(Diag),
) -> (Vec<Diag>, Vec<Diag>) {
    let mut errors = Vec::new();
    let mut check_errors = Vec::new();
    let mut names = Names::default();
    let only: Option<Only> = wanted.map(|w| {
        assert!(
            w.params.len() + w.vars.len() <= MAX_WANTED,
            "model::Wanted lists too many names"
        );
        // In the order of `Wanted::index`.
        let params = w.params.iter().map(|&n| (n, false));
        let vars = w.vars.iter().map(|&n| (n, true));
        let names: Vec<(u32, bool, &'static str)> = params
            .chain(vars)
            .map(|(name, is_var)| (names.get(name).0, is_var, name))
            .collect();
        let mut by_key = Vec::new();
        for &(key, ..) in &names {
            let key = key as usize;
            if by_key.len() <= key {
                by_key.resize(key + 1, false);
            }
            by_key[key] = true;
        }
        Only {
            wanted: w,
            by_key,
            names,
        }
    });
    let wild: Vec<usize> = (0..parsed.jails.len())
        .filter(|&i| wild_jail_name(&parsed.jails[i].name))
        .collect();
    // The wildcard statements are added to many jails: look their names up once.
    // `keep` too is asked once per wildcard statement, not once per jail.
    type Looked = ((u32, Option<usize>), bool);
    let wild_info: Vec<Vec<Looked>> = wild
        .iter()
        .map(|&w| {
            parsed.jails[w]
                .params
                .iter()
                .map(|p| (names.get(&p.name), keep(p)))
                .collect()
        })
        .collect();
    let mut params = Vec::new();
    let mut hints = Vec::new();
    let mut pools = Pools::default();
    for (idx, rec) in parsed.jails.iter().enumerate().take(range.end).skip(range.start) {
        if wild_jail_name(&rec.name) {
            continue;
        }
        let mut b = Building {
            jail: &rec.name,
            names: &mut names,
            pools: &mut pools,
            params,
            hints,
            errors: Vec::new(),
            block_loc: rec.loc(),
            spliced: None,
        };
        let numeric = numeric_name(&rec.name);
        b.add_implied(if numeric { &JID } else { &NAME }, &rec.name);
        let mut did_self = false;
        for (&w, info) in wild.iter().zip(&wild_info) {
            if idx < w && !did_self {
                for (at, p) in rec.params.iter().enumerate().filter(|(_, p)| keep(p)) {
                    b.add(at, p);
                }
                did_self = true;
            }
            if wild_jail_match(&rec.name, &parsed.jails[w].name) {
                for (p, &(i, kept)) in parsed.jails[w].params.iter().zip(info) {
                    if kept {
                        b.add_with(p, i);
                    }
                }
            }
        }
        if !did_self {
            for (at, p) in rec.params.iter().enumerate().filter(|(_, p)| keep(p)) {
                b.add(at, p);
            }
        }
        b.add_implied(&NAME, &rec.name);
        b.resolve();
        // jail(8) prints every load_config() message (add_param, variables) for all
        // jails first; check_intparams() runs later, per jail, in the main loop, and
        // only for jails that have not failed yet.
        let load_failed = !b.errors.is_empty();
        if !load_failed {
            b.check_values();
        }
        if b.errors.is_empty() {
            if let Some(src) = b.spliced.take() {
                on_warning(Lint::ListVariableAsValue.warning(
                    Some(src),
                    format!(
                        "{}: a list variable used as a whole value is spliced into the list only by \
                         FreeBSD 15/main; released jail(8) crashes on it",
                        rec.name
                    ),
                ));
            }
            on_jail(&JailView {
                name: &rec.name,
                loc: b.block_loc.as_ref(),
                record: idx,
                line: rec.block.as_ref().map(|b| b.line),
                params: &b.params,
                only: only.as_ref(),
            });
        } else if load_failed {
            errors.extend(b.errors);
        } else {
            check_errors.extend(b.errors);
        }
        // The parameter list and its buffers are reused by the next jail (its borrows end
        // here).
        params = b.params;
        hints = b.hints;
        pools.recycle(&mut params);
    }
    (errors, check_errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equalopts_matches_no_prefix_per_component() {
        assert!(equalopts("allow.mount", "allow.nomount"));
        assert!(equalopts("nopersist", "persist"));
        assert!(equalopts("allow.mount.nodevfs", "allow.mount.devfs"));
        assert!(!equalopts("allow.mount", "allow.mountx"));
        assert!(!equalopts("a.nob", "c.b"));
    }

    #[test]
    fn wildcards() {
        assert!(wild_jail_name("*"));
        assert!(wild_jail_name("foo.*"));
        assert!(wild_jail_name("*.bar"));
        assert!(!wild_jail_name("fo*"));
        assert!(wild_jail_match("foo.bar", "foo.*"));
        assert!(wild_jail_match("foo.bar.baz", "foo.*"));
        assert!(!wild_jail_match("foo", "foo.*"));
        assert!(wild_jail_match("a.b", "*.b"));
        assert!(!wild_jail_match("a.c", "*.b"));
        assert!(wild_jail_match("anything", "*"));
    }

    /// The two-halves merge of a large file gives what one pass gives: jails, warnings
    /// and errors in the same order (errors of check_values after all the others).
    #[test]
    fn load_filtered_in_halves_is_one_pass() {
        use crate::diag::Source;
        use crate::parse::jailconf::parse_source;
        use crate::parse::loader::Loader;
        let mut text = String::from("path = \"/j/$name\";\n* { $v = 1; }\n");
        for i in 0..2_600 {
            match i % 7 {
                0 => text.push_str(&format!("j{i} {{ ip4.addr = $nope; }}\n")),
                1 => text.push_str(&format!("j{i} {{ exec.clean = maybe; }}\n")),
                2 => text.push_str(&format!("j{i} {{ $l = a, b; exec.start = $l; }}\n")),
                3 if i % 500 == 3 => text.push_str(&format!("\"j{i}.*\" {{ allow.mount; }} j{i}.c {{ }}\n")),
                4 => text.push_str(&format!("j{i} {{ mount.fstab = /f; # jailvol\n }}\n")),
                _ => text.push_str(&format!("j{i} {{ host.hostname = h{i}; $v += 2; }}\n")),
            }
        }
        let parsed = parse_source(&Loader::sealed(), Source::new("t.conf", text), false)
            .unwrap_or_else(|e| panic!("{}", e.message));
        let keep = |p: &CfParam| p.name != "mount.fstab";
        let halves = load_filtered(&parsed, &keep, None);
        let mut one = Config {
            warnings: parsed.warnings.clone(),
            ..Config::default()
        };
        let mut jails = Vec::new();
        one.errors = load_each_view_kept(
            &parsed,
            &keep,
            |v| jails.push(v.to_jail()),
            |w| one.warnings.push(w),
        );
        one.jails = jails;
        assert!(halves.jails.len() > 1_000 && !halves.errors.is_empty() && !halves.warnings.is_empty());
        assert!(halves.jails.iter().all(|j| j.param("mount.fstab").is_none()));
        assert!(halves.jails.iter().any(|j| j.param("allow.mount").is_some()));
        assert!(
            halves
                .errors
                .iter()
                .any(|e| e.message.contains("unknown boolean value"))
        );
        let diags = |ds: &[Diag]| -> Vec<String> {
            ds.iter()
                .map(|d| format!("{:?} {}", d.loc.as_ref().map(|l| l.line()), d.message))
                .collect()
        };
        let jails = |c: &Config| -> Vec<(String, usize, Vec<Entry>)> {
            c.jails
                .iter()
                .map(|j| (j.name.clone(), j.record, j.entries.clone()))
                .collect()
        };
        assert!(jails(&halves) == jails(&one), "the jails differ from one pass");
        assert_eq!(diags(&halves.warnings), diags(&one.warnings));
        assert_eq!(diags(&halves.errors), diags(&one.errors));
    }

    #[test]
    fn strtol_like_c() {
        assert_eq!(strtol(" 12x"), (12, 3));
        assert_eq!(strtol("-5"), (-5, 2));
        assert_eq!(strtol("x"), (0, 0));
        assert!(numeric_name("5"));
        assert!(!numeric_name("0"));
        assert!(!numeric_name("5a"));
    }
}
