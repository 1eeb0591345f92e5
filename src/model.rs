//! What jail(8) sees: the jails of a configuration after wildcard merge, `+=`, renaming
//! (`foo`/`nofoo`) and variable expansion — a port of `load_config()` and `add_param()`
//! in FreeBSD's usr.sbin/jail/config.c (FreeBSD 15/main), plus the boolean and integer
//! checks of `check_intparams()`. Every stage of jailvol works on this type.

use std::collections::VecDeque;
use std::sync::Arc;

use crate::diag::{Diag, Loc, Source};
use crate::parse::jailconf::{CfParam, Op, Parsed, VarRef};

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
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub is_var: bool,
    pub values: Vec<String>,
}

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
        self.param(name).and_then(|e| e.values.last()).map(String::as_str)
    }
    pub fn var_scalar(&self, name: &str) -> Option<&str> {
        self.variable(name)
            .and_then(|e| e.values.last())
            .map(String::as_str)
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

fn intparam_index(name: &str) -> Option<usize> {
    INTPARAMS.iter().position(|(n, _)| *n == name)
}

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

#[derive(Debug, Clone)]
struct Str {
    text: String,
    vars: VecDeque<VarRef>,
    /// The file the string was written in (None for implied values).
    source: Option<Arc<Source>>,
}

#[derive(Debug, Clone)]
struct P {
    name: String,
    is_var: bool,
    flags: u8,
    ip: Option<usize>,
    values: Vec<Str>,
    generation: u32,
    bad: bool,
    /// Where the statement that last set it is (None for implied name/jid).
    loc: Option<Loc>,
}

struct Building<'a> {
    jail: &'a str,
    params: Vec<P>,
    errors: Vec<Diag>,
    block_loc: Option<Loc>,
    /// Where a list variable was spliced in as a whole value, if anywhere.
    spliced: Option<Loc>,
}

impl Building<'_> {
    fn fail(&mut self, loc: Option<Loc>, msg: String) {
        let loc = loc.or_else(|| self.block_loc.clone());
        self.errors
            .push(Diag::error(loc, format!("{}: {msg}", self.jail)));
    }

    /// add_param() for a jail-implied parameter (`name` or `jid` from the block name).
    fn add_implied(&mut self, ipname: &str, value: &str) {
        let ip = intparam_index(ipname);
        if self.params.iter().any(|p| p.ip == ip) {
            return;
        }
        self.params.push(P {
            name: ipname.to_owned(),
            is_var: false,
            flags: ip.map_or(0, |i| INTPARAMS[i].1),
            ip,
            values: vec![Str {
                text: value.to_owned(),
                vars: VecDeque::new(),
                source: None,
            }],
            generation: 0,
            bad: false,
            loc: None,
        });
    }

    /// add_param() for a statement from the file.
    fn add(&mut self, p: &CfParam) {
        let loc = Some(p.loc());
        let values: Vec<Str> = p
            .values
            .iter()
            .map(|s| Str {
                text: s.text.clone(),
                vars: s.vars.iter().cloned().collect(),
                source: Some(Arc::clone(&p.source)),
            })
            .collect();
        let append = p.op == Op::Append;
        if let Some(dp) = self.params.iter().position(|d| equalopts(&d.name, &p.name)) {
            if self.params[dp].is_var != p.is_var {
                self.fail(
                    loc,
                    format!(
                        "variable \"${}\" cannot have the same name as a parameter.",
                        p.name
                    ),
                );
                return;
            }
            if self.params[dp].flags & PF_IMMUTABLE != 0 {
                let n = self.params[dp].name.clone();
                self.fail(loc, format!("cannot redefine parameter \"{n}\"."));
                return;
            }
            let d = &mut self.params[dp];
            if d.name != p.name {
                d.name = p.name.clone();
            }
            if !append || values.is_empty() {
                d.values.clear();
            }
            d.values.extend(values);
            d.loc = loc;
            return;
        }
        let ip = INTPARAMS.iter().position(|(n, _)| equalopts(&p.name, n));
        self.params.push(P {
            name: p.name.clone(),
            is_var: p.is_var,
            flags: if p.is_var {
                0
            } else {
                ip.map_or(0, |i| INTPARAMS[i].1)
            },
            ip: if p.is_var { None } else { ip },
            values,
            generation: 0,
            bad: false,
            loc: loc.clone(),
        });
        if p.is_var && ip.is_some() {
            self.fail(
                loc,
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
        while i < self.params.len() {
            pgen += 1;
            self.params[i].generation = pgen;
            'find_vars: loop {
                let mut si = 0;
                while si < self.params[i].values.len() {
                    while let Some(v) = self.params[i].values[si].vars.front().cloned() {
                        let found = self.params.iter().position(|q| q.name == v.name);
                        let q = match found {
                            Some(q) if !self.params[q].values.is_empty() => q,
                            _ => {
                                let pname = self.params[i].name.clone();
                                let loc = self.var_loc(i, si, v.at);
                                self.fail(loc, format!("{pname}: variable \"{}\" not found", v.name));
                                self.mark_bad(pgen);
                                self.params[i].values[si].vars.pop_front();
                                continue;
                            }
                        };
                        if self.params[q].bad {
                            self.mark_bad(pgen);
                            self.params[i].values[si].vars.pop_front();
                            continue;
                        }
                        if self.params[q].generation == pgen {
                            let loc = self.var_loc(i, si, v.at);
                            self.fail(loc, format!("{}: variable loop", v.name));
                            self.mark_bad(pgen);
                            self.params[i].values[si].vars.pop_front();
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
                        let vals: Vec<String> =
                            self.params[q].values.iter().map(|s| s.text.clone()).collect();
                        let s = &self.params[i].values[si];
                        if vals.len() > 1 && (!s.text.is_empty() || s.vars.len() > 1) {
                            let pname = self.params[i].name.clone();
                            let loc = self.var_loc(i, si, v.at);
                            self.fail(loc, format!("{pname}: array cannot be substituted inline"));
                            self.mark_bad(pgen);
                            self.params[i].values[si].vars.pop_front();
                            continue;
                        }
                        if vals.len() > 1 && self.spliced.is_none() {
                            self.spliced = self.var_loc(i, si, v.at);
                        }
                        let s = &mut self.params[i].values[si];
                        s.vars.pop_front();
                        let first = &vals[0];
                        s.text.insert_str(v.pos, first);
                        for later in s.vars.iter_mut() {
                            later.pos += first.len();
                        }
                        // An array spliced in as the whole string (FreeBSD main; released
                        // jail(8) crashes here): the other values follow as strings of
                        // their own.
                        for (k, extra) in vals[1..].iter().enumerate() {
                            self.params[i].values.insert(
                                si + 1 + k,
                                Str {
                                    text: extra.clone(),
                                    vars: VecDeque::new(),
                                    source: None,
                                },
                            );
                        }
                        si += vals.len() - 1;
                    }
                    si += 1;
                }
                break;
            }
            i += 1;
        }
    }

    fn var_loc(&self, i: usize, si: usize, at: usize) -> Option<Loc> {
        self.params[i].values[si]
            .source
            .as_ref()
            .map(|src| Loc::new(src, at))
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
            let Some(val) = p.values.last().map(|s| s.text.as_str()) else {
                continue;
            };
            if p.flags & PF_BOOL != 0 {
                let (_, used) = strtol(val);
                let rest_nonempty = val.len() > used;
                if !val.eq_ignore_ascii_case("false") && !val.eq_ignore_ascii_case("true") && rest_nonempty {
                    errs.push((
                        p.loc.clone(),
                        format!("{}: unknown boolean value \"{val}\"", p.name),
                    ));
                }
            } else if p.flags & PF_INT != 0 {
                let (_, used) = strtol(val);
                if used == 0 || used != val.len() {
                    errs.push((p.loc.clone(), format!("{}: non-integer value \"{val}\"", p.name)));
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
    let mut check_errors = Vec::new();
    let wild: Vec<usize> = (0..parsed.jails.len())
        .filter(|&i| wild_jail_name(&parsed.jails[i].name))
        .collect();
    for (idx, rec) in parsed.jails.iter().enumerate() {
        if wild_jail_name(&rec.name) {
            continue;
        }
        let mut b = Building {
            jail: &rec.name,
            params: Vec::new(),
            errors: Vec::new(),
            block_loc: rec.loc(),
            spliced: None,
        };
        let numeric = numeric_name(&rec.name);
        b.add_implied(if numeric { "jid" } else { "name" }, &rec.name);
        let mut did_self = false;
        for &w in &wild {
            if idx < w && !did_self {
                for p in &rec.params {
                    b.add(p);
                }
                did_self = true;
            }
            if wild_jail_match(&rec.name, &parsed.jails[w].name) {
                for p in &parsed.jails[w].params {
                    b.add(p);
                }
            }
        }
        if !did_self {
            for p in &rec.params {
                b.add(p);
            }
        }
        b.add_implied("name", &rec.name);
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
                cfg.warnings.push(Diag::warning(
                    Some(src),
                    format!(
                        "{}: a list variable used as a whole value is spliced into the list only by \
                         FreeBSD 15/main; released jail(8) crashes on it",
                        rec.name
                    ),
                ));
            }
            cfg.jails.push(Jail {
                name: rec.name.clone(),
                entries: b
                    .params
                    .into_iter()
                    .map(|p| Entry {
                        name: p.name,
                        is_var: p.is_var,
                        values: p.values.into_iter().map(|s| s.text).collect(),
                    })
                    .collect(),
                loc: rec.loc(),
                record: idx,
            });
        } else if load_failed {
            cfg.errors.extend(b.errors);
        } else {
            check_errors.extend(b.errors);
        }
    }
    cfg.errors.extend(check_errors);
    cfg
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
