//! Legacy rc.conf `jail_*` variables → jail.conf, exactly as FreeBSD's rc.d/jail
//! (libexec/rc/rc.d/jail @c96d5c97, `parse_options` and `extract_var`) writes
//! `/var/run/jail.NAME.conf`, minus its bugs: values are escaped instead of pasted raw
//! into `"..."`, and inputs the script silently mangles are errors. Every trap of spec
//! §3 is a warning at the rc.conf line behind it. See docs/legacy.md.
//!
//! The result is a list of blocks of statements (`Conversion`), each statement knowing
//! the rc.conf variables behind it (for `--explain`); `Conversion::config` gives the
//! `model::Config` jail(8) would build from the text `Conversion::render` prints.

pub mod ip;
mod output;
mod render;

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::os::unix::fs::OpenOptionsExt;

use crate::diag::{Diag, Loc, Source};
use crate::model::{self, INTPARAMS, equalopts, strtol, wild_jail_name};
use crate::parse::jailconf::{self, Op as CfOp};
use crate::parse::loader::Loader;
use crate::parse::rcconf::{RcVar, RcVars};

pub use output::{OutputError, Written, write_atomic, write_json, write_merged};

/// Which rc.d/jail generation's meaning of the variables to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Era {
    /// FreeBSD 6.x-9.x: `mount_enable` means "mount the jail's fstab"; no allow.mount.
    #[value(name = "9")]
    Pre10,
    /// FreeBSD 10.0 and later: the fstab is mounted whenever it is readable, and
    /// `mount_enable` grants `allow.mount`.
    #[default]
    #[value(name = "current")]
    Current,
}

/// What to convert and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// Jails to convert, like `service jail start NAME...`; empty means `jail_list`.
    pub names: Vec<String>,
    pub era: Era,
    /// `sysctl net.inet6.ip6.dad_count` on the host (FreeBSD's default is 1); IPv6 jails
    /// get `exec.start += "sleep N+1"` first.
    pub ipv6_dad_count: i64,
    /// The kernel has VIMAGE (GENERIC since 12.0 on amd64): a jail without `ip` becomes a
    /// vnet jail. Without it such a jail is skipped, like rc.d/jail does.
    pub vimage: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            names: Vec::new(),
            era: Era::Current,
            ipv6_dad_count: 1,
            vimage: true,
        }
    }
}

/// An rc.conf variable behind an output line, borrowed from the `RcVars` converted.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    pub var: &'a str,
    pub value: &'a str,
    pub loc: Option<&'a Loc>,
}

impl<'a> Origin<'a> {
    fn of(var: &'a str, v: &'a RcVar) -> Origin<'a> {
        Origin {
            var,
            value: &v.value,
            loc: Some(&v.loc),
        }
    }

    fn loc(&self) -> Option<Loc> {
        self.loc.cloned()
    }
}

/// How a statement is written: `name;`, `name = v;` or `name += v;`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Bare,
    Set,
    Append,
}

/// Zero, one or more items; the usual single one without a heap allocation (nearly
/// every line has one value and one origin). Reads as a slice.
#[derive(Debug, Clone)]
pub enum Few<T> {
    One(T),
    /// Zero (an empty Vec allocates nothing), or two and more.
    Many(Vec<T>),
}

impl<T> Few<T> {
    pub fn push(&mut self, t: T) {
        let old = std::mem::replace(self, Few::Many(Vec::new()));
        *self = match old {
            Few::Many(v) if v.is_empty() => Few::One(t),
            Few::Many(mut v) => {
                v.push(t);
                Few::Many(v)
            }
            Few::One(a) => Few::Many(vec![a, t]),
        };
    }
}

impl<T> Default for Few<T> {
    fn default() -> Few<T> {
        Few::Many(Vec::new())
    }
}

impl<T> std::ops::Deref for Few<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match self {
            Few::One(t) => std::slice::from_ref(t),
            Few::Many(v) => v,
        }
    }
}

impl<T> From<Vec<T>> for Few<T> {
    fn from(mut v: Vec<T>) -> Few<T> {
        if v.len() == 1 {
            if let Some(t) = v.pop() {
                return Few::One(t);
            }
        }
        Few::Many(v)
    }
}

impl<T> From<Option<T>> for Few<T> {
    fn from(o: Option<T>) -> Few<T> {
        o.map_or_else(Few::default, Few::One)
    }
}

impl<T> Extend<T> for Few<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for t in iter {
            self.push(t);
        }
    }
}

/// The owning iterator of `Few`.
pub enum FewIter<T> {
    One(std::option::IntoIter<T>),
    Many(std::vec::IntoIter<T>),
}

impl<T> Iterator for FewIter<T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        match self {
            FewIter::One(i) => i.next(),
            FewIter::Many(i) => i.next(),
        }
    }
}

impl<T> IntoIterator for Few<T> {
    type Item = T;
    type IntoIter = FewIter<T>;
    fn into_iter(self) -> FewIter<T> {
        match self {
            Few::One(t) => FewIter::One(Some(t).into_iter()),
            Few::Many(v) => FewIter::Many(v.into_iter()),
        }
    }
}

impl<'f, T> IntoIterator for &'f Few<T> {
    type Item = &'f T;
    type IntoIter = std::slice::Iter<'f, T>;
    fn into_iter(self) -> std::slice::Iter<'f, T> {
        self.iter()
    }
}

/// One statement of a converted block. Names and values are borrowed from the rc.conf
/// variables (or static) where they can be.
#[derive(Debug, Clone)]
pub struct Line<'a> {
    pub name: Cow<'a, str>,
    pub is_var: bool,
    pub op: Op,
    pub values: Few<Cow<'a, str>>,
    /// The variables behind it; empty for a built-in default.
    pub from: Few<Origin<'a>>,
}

/// One converted jail: the block rc.d/jail writes to /var/run/jail.NAME.conf.
#[derive(Debug, Clone)]
pub struct Block<'a> {
    /// The jail name (`_j`: the jail_list word with `/` and `.` replaced by `_`).
    pub name: String,
    /// The variable infix (`_jv`: `_j` with every non-alphanumeric byte replaced by `_`).
    pub jv: String,
    /// Where the name came from (`jail_list`), empty for names given on the command line.
    pub from: Few<Origin<'a>>,
    /// The `jail_<jv>_hostname` assignment, for messages and `show --format json`.
    pub loc: Option<Loc>,
    pub lines: Vec<Line<'a>>,
}

/// The result of a conversion, borrowing from the variables converted.
#[derive(Debug, Default)]
pub struct Conversion<'a> {
    pub blocks: Vec<Block<'a>>,
    pub warnings: Vec<Diag>,
    /// Problems that stop the conversion (exit 65): nothing is written when there are any.
    pub errors: Vec<Diag>,
    /// The rc.conf files the variables came from, in order of first use.
    pub sources: Vec<String>,
}

/// Known per-jail suffixes (rc.d/jail @c96d5c97 and jailvol's own volume settings).
/// Numbered ones are listed without their number.
const JAIL_SUFFIXES: &[&str] = &[
    "hostname",
    "rootdir",
    "ip",
    "interface",
    "fib",
    "socket_unixiproute_only",
    "vnet_interface",
    "exec",
    "exec_start",
    "exec_stop",
    "consolelog",
    "fstab",
    "devfs_enable",
    "devfs_ruleset",
    "fdescfs_enable",
    "procfs_enable",
    "mount_enable",
    "set_hostname_allow",
    "sysvipc_allow",
    "enforce_statfs",
    "osreldate",
    "osrelease",
    "parameters",
    "flags",
    "program",
    "conf",
    "consolecmd",
    "volume_size",
    "volume_file",
    "volume_md_unit",
];
const JAIL_NUMBERED: &[&str] = &[
    "ip_multi",
    "exec_prestart",
    "exec_poststart",
    "exec_prestop",
    "exec_poststop",
    "exec_afterstart",
];

/// Global `jail_*` variables rc.d/jail (or /etc/defaults/rc.conf) reads for itself.
const GLOBALS: &[&str] = &[
    "enable",
    "list",
    "conf",
    "confwarn",
    "parallel_start",
    "reverse_stop",
    "program",
    "consolecmd",
    "jexec",
    "jls",
    "flags",
];
/// `jail_S` names that look like fallbacks but are never read: the per-jail variable is
/// read alone (`hostname`/`rootdir` must be set per jail for the conversion to happen at
/// all, so their fallback never matters).
const NO_FALLBACK: &[&str] = &["hostname", "rootdir", "ip", "exec", "exec_start", "exec_stop"];

/// The jail.conf variables jailvol's volume settings use (design §3), per jail only.
const VOLUME_VARS: &[&str] = &["volume_size", "volume_file", "volume_md_unit"];

fn push_num(s: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        s.push(d as char);
    }
}

/// IFS splitting (space, tab, newline), as an unquoted `$var` gets.
fn ifs_words(s: &str) -> impl Iterator<Item = &str> {
    s.split([' ', '\t', '\n']).filter(|w| !w.is_empty())
}

fn has_ifs(s: &str) -> bool {
    s.contains([' ', '\t', '\n'])
}

/// `_j=$(echo $_j | tr /. _)`
pub fn jail_name(word: &str) -> String {
    word.replace(['/', '.'], "_")
}

/// `_jv=$(echo -n $_j | tr -c '[:alnum:]' _)`: every byte that is not an ASCII letter
/// or digit becomes `_` (the C locale rc(8) runs in; a multibyte character gives one
/// `_` per byte).
pub fn var_infix(j: &str) -> String {
    j.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { b as char } else { '_' })
        .collect()
}

/// rc.subr checkyesno: Some(true/false), None for anything else.
pub fn yesno(v: &str) -> Option<bool> {
    let l = v.to_ascii_lowercase();
    match l.as_str() {
        "yes" | "true" | "on" | "1" => Some(true),
        "no" | "false" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// FNV-1a for the variable index: it hashes short names (jail infixes) tens of thousands
/// of times, and SipHash's flooding resistance buys nothing against the admin's own
/// rc.conf.
#[derive(Clone, Copy)]
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fnv>>;
type FastSet<K> = HashSet<K, BuildHasherDefault<Fnv>>;

/// A non-empty `jail_*` variable: its name, what follows `jail_<jv>_` (own) or `jail_`
/// (global), and the variable.
#[derive(Clone, Copy)]
struct Named<'a> {
    suffix: &'a str,
    name: &'a str,
    var: &'a RcVar,
}

/// N of a numbered suffix `base<N>` (1 to 18 digits).
fn number_of(suffix: &str, base: &str) -> Option<u64> {
    let digits = suffix.strip_prefix(base)?;
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A suffix whose global `jail_S` `Vars` indexes: `hostname`, ..., `exec_prestart3`.
fn indexed_suffix(s: &str) -> bool {
    JAIL_SUFFIXES.contains(&s) || JAIL_NUMBERED.iter().any(|p| number_of(s, p).is_some())
}

/// The variables, indexed in one pass: each listed jail's own `jail_<jv>_*` variables,
/// the global `jail_S` fallbacks (the same for every jail), and every `jail_*` variable
/// with the converted jail it belongs to (for `scan_variables`).
struct Vars<'a> {
    /// Per distinct infix (`jv_index`), its non-empty variables in rc.conf order.
    own: Vec<Vec<Named<'a>>>,
    jv_index: FastMap<String, usize>,
    /// The non-empty `jail_S` for the known suffixes S (`known_suffix`).
    globals: Vec<Named<'a>>,
    /// Every non-empty `jail_*` variable (suffix: after `jail_`) and its suffix after the
    /// longest listed jail infix that prefixes it.
    jail_vars: Vec<(Named<'a>, Option<&'a str>)>,
    /// `$jail_conf` (not `:-`: an empty value is an empty path, as in rc.d/jail).
    jail_conf: &'a str,
    /// Directory listings for `readable` (None: cannot be listed).
    dirs: std::cell::RefCell<FastMap<std::ffi::OsString, Option<FastSet<std::ffi::OsString>>>>,
}

impl<'a> Vars<'a> {
    /// `jvs`: the variable infixes of the listed jails.
    fn new(rc: &'a RcVars, jvs: &[String]) -> Vars<'a> {
        let mut jv_index: FastMap<String, usize> = FastMap::default();
        for jv in jvs {
            let next = jv_index.len();
            jv_index.entry(jv.clone()).or_insert(next);
        }
        let mut own: Vec<Vec<Named<'a>>> = vec![Vec::new(); jv_index.len()];
        let mut globals: Vec<Named<'a>> = Vec::new();
        for s in JAIL_SUFFIXES {
            if let Some((name, var)) = rc.vars.get_key_value(["jail_", s].concat().as_str()) {
                if !var.value.is_empty() {
                    globals.push(Named {
                        suffix: &name[5..],
                        name,
                        var,
                    });
                }
            }
        }
        let mut jail_vars = Vec::new();
        for (name, var) in &rc.vars {
            let Some(rest) = name.strip_prefix("jail_") else {
                continue;
            };
            if var.value.is_empty() {
                continue;
            }
            let mut owner = None;
            for (i, _) in rest.match_indices('_') {
                if let Some(&k) = jv_index.get(&rest[..i]) {
                    let suffix = &rest[i + 1..];
                    if let Some(list) = own.get_mut(k) {
                        list.push(Named { suffix, name, var });
                    }
                    owner = Some(suffix);
                }
            }
            let named = Named {
                suffix: rest,
                name,
                var,
            };
            if JAIL_NUMBERED.iter().any(|b| number_of(rest, b).is_some()) {
                globals.push(named);
            }
            jail_vars.push((named, owner));
        }
        Vars {
            own,
            jv_index,
            globals,
            jail_vars,
            jail_conf: rc.get("jail_conf").unwrap_or("/etc/jail.conf"),
            dirs: Default::default(),
        }
    }

    /// The own variables of the jail with infix `jv`.
    fn own_of(&self, jv: &str) -> &[Named<'a>] {
        self.jv_index
            .get(jv)
            .and_then(|&k| self.own.get(k))
            .map_or(&[], Vec::as_slice)
    }

    /// `$jail_S` (non-empty) for a known suffix S.
    fn global(&self, suffix: &str) -> Option<Named<'a>> {
        debug_assert!(indexed_suffix(suffix), "{suffix} is not indexed");
        self.globals.iter().find(|g| g.suffix == suffix).copied()
    }
}

/// A looked-up value and the variable it came from (None: a default).
#[derive(Clone, Copy)]
struct Hit<'a> {
    value: &'a str,
    origin: Option<Origin<'a>>,
}

impl<'a> Hit<'a> {
    fn of(n: &Named<'a>) -> Hit<'a> {
        Hit {
            value: &n.var.value,
            origin: Some(Origin::of(n.name, n.var)),
        }
    }

    fn from(&self) -> Few<Origin<'a>> {
        Few::from(self.origin)
    }
}

struct JailConv<'v, 'a> {
    vars: &'v Vars<'a>,
    /// This jail's own variables (`Vars::own_of`).
    own: &'v [Named<'a>],
    loader: &'v Loader,
    opts: &'v Options,
    j: String,
    jv: String,
    lines: Vec<Line<'a>>,
    warnings: Vec<Diag>,
    errors: Vec<Diag>,
    /// Where the jail was listed (`jail_list`), None for command-line names.
    list_origin: Option<Origin<'a>>,
    /// Lines whose values came from the user where jail(8) may expect a boolean or an
    /// integer (`fib`, `parameters` words): checked by check_values.
    user_lines: Vec<usize>,
}

impl<'v, 'a> JailConv<'v, 'a> {
    fn own_name(&self, suffix: &str) -> String {
        let mut n = String::with_capacity(6 + self.jv.len() + suffix.len() + 4);
        n.push_str("jail_");
        n.push_str(&self.jv);
        n.push('_');
        n.push_str(suffix);
        n
    }

    /// `$jail_<jv>_S` alone.
    fn own(&self, suffix: &str) -> Option<Hit<'a>> {
        self.own.iter().find(|n| n.suffix == suffix).map(Hit::of)
    }

    /// `${jail_<jv>_S:-${jail_S:-default}}` (extract_var).
    fn extract(&self, suffix: &str) -> Option<Hit<'a>> {
        self.own(suffix)
            .or_else(|| self.vars.global(suffix).as_ref().map(Hit::of))
    }

    fn extract_or(&self, suffix: &str, default: &'a str) -> Hit<'a> {
        self.extract(suffix).unwrap_or(Hit {
            value: default,
            origin: None,
        })
    }

    /// `checkyesno` on `${jail_<jv>_S:-${jail_S:-default}}`, warning like rc.subr about
    /// a value that is neither yes nor no (taken as no).
    fn yes(&mut self, suffix: &str, default: &'a str) -> (bool, Hit<'a>) {
        let hit = self.extract_or(suffix, default);
        let b = match yesno(hit.value) {
            Some(b) => b,
            None => {
                let name = self.own_name(suffix);
                self.warn(
                    hit.origin.as_ref(),
                    format!("${name} is not set properly - see rc.conf(5)."),
                    Some(format!("rc.d/jail takes \"{}\" as NO", hit.value)),
                );
                false
            }
        };
        (b, hit)
    }

    fn warn(&mut self, at: Option<&Origin<'_>>, msg: String, note: Option<String>) {
        let mut d = Diag::warning(at.and_then(Origin::loc), format!("jail {}: {msg}", self.j));
        if let Some(n) = note {
            d = d.with_note(n);
        }
        self.warnings.push(d);
    }

    fn error(&mut self, at: Option<&Origin<'_>>, msg: String, note: &str) {
        self.errors
            .push(Diag::error(at.and_then(Origin::loc), format!("jail {}: {msg}", self.j)).with_note(note));
    }

    fn push(&mut self, name: &'static str, op: Op, values: Few<Cow<'a, str>>, from: Few<Origin<'a>>) {
        self.lines.push(Line {
            name: Cow::Borrowed(name),
            is_var: false,
            op,
            values,
            from,
        });
    }

    /// extract_var with kind `-`: `param = "v";` when non-empty.
    fn plain(&mut self, suffix: &str, param: &'static str, default: &'a str) {
        let hit = self.extract_or(suffix, default);
        if !hit.value.is_empty() {
            self.push(param, Op::Set, Few::One(Cow::Borrowed(hit.value)), hit.from());
        }
    }

    /// extract_var with kind `YN`/`NY`: `param = 1;` or `param = 0;`.
    fn boolean(&mut self, suffix: &str, param: &'static str, default: &'a str, inverted: bool) {
        let (b, hit) = self.yes(suffix, default);
        let v = if b != inverted { "1" } else { "0" };
        self.push(param, Op::Set, Few::One(Cow::Borrowed(v)), hit.from());
    }

    /// extract_var with a number: `S0` (optional), `S1`, ... each with its own global
    /// fallback, until the first empty index ≥ 1; every entry is `param += "v";`.
    fn numbered(&mut self, suffix: &str, param: &'static str) {
        let mut i: u64 = 0;
        let mut s = String::with_capacity(suffix.len() + 4);
        loop {
            s.clear();
            s.push_str(suffix);
            push_num(&mut s, i);
            match self.extract(&s) {
                Some(hit) => self.push(param, Op::Append, Few::One(Cow::Borrowed(hit.value)), hit.from()),
                None if i != 0 => break,
                None => {}
            }
            i += 1;
        }
        self.gap(suffix, i, true);
    }

    /// Warn about numbered variables past the index where reading stopped.
    fn gap(&mut self, suffix: &str, stop: u64, with_global: bool) {
        let globals: &[Named<'a>] = if with_global { &self.vars.globals } else { &[] };
        let mut late: Option<(u64, Named<'a>)> = None;
        for n in self.own.iter().chain(globals) {
            if let Some(k) = number_of(n.suffix, suffix).filter(|&k| k > stop) {
                if late.is_none_or(|(lk, l)| (k, n.name) < (lk, l.name)) {
                    late = Some((k, *n));
                }
            }
        }
        if let Some((_, n)) = late {
            let origin = Origin::of(n.name, n.var);
            let own = self.own_name(suffix);
            let stop_name = format!("{own}{stop}");
            let name = n.name;
            self.warn(
                Some(&origin),
                format!(
                    "{name} is never read: rc.d/jail stops at the first empty index ({stop_name} is not set)"
                ),
                Some("number the entries without gaps".to_owned()),
            );
        }
    }

    /// Warn when a variable is set but ignored in this configuration; `why` is only
    /// built then.
    fn ignored(&mut self, suffix: &str, why: impl FnOnce(&Self) -> String) {
        if let Some(hit) = self.extract(suffix) {
            let var = hit.origin.map(|o| o.var).unwrap_or_default();
            let why = why(self);
            self.warn(hit.origin.as_ref(), format!("{var} is ignored: {why}"), None);
        }
    }

    /// `[ -r FILE ]` below the root. A directory is listed once, so that most checks of
    /// files that do not exist (thousands of `/etc/fstab.NAME`) cost no system call.
    fn readable(&self, host: &str) -> bool {
        let p = self.loader.real_path(host);
        if let (Some(dir), Some(file)) = (p.parent(), p.file_name()) {
            let mut cache = self.vars.dirs.borrow_mut();
            // Keyed by the bytes of the directory (hashing a Path parses its components).
            let key = dir.as_os_str();
            if !cache.contains_key(key) {
                let names = std::fs::read_dir(dir)
                    .ok()
                    .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.file_name())).collect());
                cache.insert(key.to_owned(), names);
            }
            match cache.get(key) {
                Some(Some(names)) if names.contains(file) => {}
                _ => return false,
            }
        }
        // Non-blocking: a FIFO named as an fstab must not hang the conversion.
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits())
            .open(&p)
            .is_ok()
    }

    /// parse_options(): the block for one jail, or None when rc.d/jail would not convert
    /// it (with a warning saying why).
    fn convert(&mut self, list_origin: Option<&Origin<'a>>) -> Option<Option<Origin<'a>>> {
        let rootdir = self.own("rootdir");
        let hostname = self.own("hostname");
        let (Some(hostname), Some(rootdir)) = (hostname, rootdir) else {
            self.missing(list_origin);
            return None;
        };
        let ip = self.own("ip");
        if ip.is_none() && !self.opts.vimage {
            self.warn(
                list_origin,
                format!(
                    "no ipaddress specified and no vimage support.  Jail {} was ignored.",
                    self.j
                ),
                Some(format!(
                    "set {} or convert for a VIMAGE kernel",
                    self.own_name("ip")
                )),
            );
            return None;
        }
        // `if [ -r "$jail_conf" -o -r "$_jconf" ]`: rc.d/jail's own notice.
        let jail_conf = self.vars.jail_conf;
        let jconf: Cow<'_, str> = match self.own("conf") {
            Some(h) => Cow::Borrowed(h.value),
            None => Cow::Owned(format!("/etc/jail.{}.conf", self.j)),
        };
        let conf = if self.readable(jail_conf) {
            Some(jail_conf)
        } else if self.readable(&jconf) {
            Some(&*jconf)
        } else {
            None
        };
        if let Some(conf) = conf {
            let j = self.j.clone();
            self.warn(
                hostname.origin.as_ref(),
                format!("/var/run/jail.{j}.conf is created and used for jail {j}."),
                Some(format!(
                    "{conf} exists too; rc.d/jail starts this jail from its legacy variables"
                )),
            );
        }

        // exec / exec_start / exec_stop, per jail only.
        let exec = self.own("exec");
        let exec_start = self.own("exec_start");
        let exec_stop = self.own("exec_stop");
        let (start, stop) = match &exec {
            Some(e) => {
                for s in ["exec_start", "exec_stop"] {
                    self.ignored(s, |c| format!("{} replaces it", c.own_name("exec")));
                }
                (
                    *e,
                    Hit {
                        value: "",
                        origin: e.origin,
                    },
                )
            }
            None => match &exec_start {
                None => {
                    let start = Hit {
                        value: "/bin/sh /etc/rc",
                        origin: None,
                    };
                    let stop = exec_stop.unwrap_or(Hit {
                        value: "/bin/sh /etc/rc.shutdown jail",
                        origin: None,
                    });
                    (start, stop)
                }
                Some(s) => {
                    let stop = exec_stop.unwrap_or(Hit {
                        value: "",
                        origin: s.origin,
                    });
                    (*s, stop)
                }
            },
        };

        let interface = self.extract("interface");
        let defif = interface.as_ref().map_or("", |h| h.value);
        if let Some(h) = interface.as_ref().filter(|h| has_ifs(h.value)) {
            {
                let var = h.origin.map(|o| o.var).unwrap_or_default();
                self.error(
                    h.origin.as_ref(),
                    format!("{var} contains whitespace"),
                    "rc.d/jail passes it unquoted: only its first word becomes the addresses' interface, \
                     while `interface` gets the whole text; name one interface",
                );
            }
        }

        // The block, line by line as parse_options echoes it.
        self.push(
            "host.hostname",
            Op::Set,
            Few::One(Cow::Borrowed(hostname.value)),
            hostname.from(),
        );
        self.push(
            "path",
            Op::Set,
            Few::One(Cow::Borrowed(rootdir.value)),
            rootdir.from(),
        );
        match &ip {
            Some(ip) => {
                if let Some(h) = &interface {
                    self.push("interface", Op::Set, Few::One(Cow::Borrowed(h.value)), h.from());
                }
                let mut dad_from: Vec<Origin<'a>> = Vec::new();
                self.addresses(ip, interface.as_ref(), defif, &mut dad_from);
                let mut n: u64 = 0;
                let mut s = String::with_capacity(12);
                loop {
                    s.clear();
                    s.push_str("ip_multi");
                    push_num(&mut s, n);
                    let Some(multi) = self.own(&s) else { break };
                    self.addresses(&multi, interface.as_ref(), defif, &mut dad_from);
                    n += 1;
                }
                self.gap("ip_multi", n, false);
                if !dad_from.is_empty() {
                    // echo "\texec.start += \"sleep " $((dad_count + 1)) "\";" — echo joins
                    // its three arguments with spaces: the value is "sleep  N ".
                    let n = self.opts.ipv6_dad_count.saturating_add(1);
                    self.push(
                        "exec.start",
                        Op::Append,
                        Few::One(Cow::Owned(format!("sleep  {n} "))),
                        Few::from(dad_from),
                    );
                }
                let before = self.lines.len();
                self.plain("fib", "exec.fib", "");
                self.user_lines.extend(before..self.lines.len());
                self.boolean("socket_unixiproute_only", "allow.raw_sockets", "YES", true);
                self.ignored("vnet_interface", |_| {
                    "a jail with an ip address is not a vnet jail".to_owned()
                });
            }
            None => {
                self.push("vnet", Op::Bare, Few::default(), Few::default());
                if let Some(h) = self.extract("vnet_interface") {
                    let words: Vec<Cow<'a, str>> = ifs_words(h.value).map(Cow::Borrowed).collect();
                    if !words.is_empty() {
                        self.push("vnet.interface", Op::Set, Few::from(words), h.from());
                    }
                }
                for s in ["fib", "socket_unixiproute_only"] {
                    self.ignored(s, |c| {
                        format!("only used when {} is set (not for vnet jails)", c.own_name("ip"))
                    });
                }
                if let Some(m) = self.own("ip_multi0") {
                    let why = format!("{} is not set (a vnet jail)", self.own_name("ip"));
                    self.warn(
                        m.origin.as_ref(),
                        format!("{} is ignored: {why}", self.own_name("ip_multi0")),
                        None,
                    );
                }
            }
        }
        if let Some(o) = self.own("vnet_interfaces").and_then(|h| h.origin) {
            let plural = o.var;
            let single = self.own_name("vnet_interface");
            self.warn(
                Some(&o),
                format!("{plural} (plural) is never read by rc.d/jail"),
                Some(format!(
                    "the variable is {single} (the share/examples/jails templates misspell it)"
                )),
            );
        }

        self.push("exec.clean", Op::Bare, Few::default(), Few::default());
        self.push(
            "exec.system_user",
            Op::Set,
            Few::One(Cow::Borrowed("root")),
            Few::default(),
        );
        self.push(
            "exec.jail_user",
            Op::Set,
            Few::One(Cow::Borrowed("root")),
            Few::default(),
        );
        self.numbered("exec_prestart", "exec.prestart");
        self.numbered("exec_poststart", "exec.poststart");
        self.numbered("exec_prestop", "exec.prestop");
        self.numbered("exec_poststop", "exec.poststop");
        self.push(
            "exec.start",
            Op::Append,
            Few::One(Cow::Borrowed(start.value)),
            start.from(),
        );
        self.numbered("exec_afterstart", "exec.start");
        self.push(
            "exec.stop",
            Op::Set,
            Few::One(Cow::Borrowed(stop.value)),
            stop.from(),
        );

        let console = self.extract("consolelog");
        let value = console.as_ref().map_or_else(
            || Cow::Owned(format!("/var/log/jail_{}_console.log", self.j)),
            |h| Cow::Borrowed(h.value),
        );
        let from = console.map(|h| h.from()).unwrap_or_default();
        self.push("exec.consolelog", Op::Set, Few::One(value), from);

        self.fstab();

        let (devfs, hit) = self.yes("devfs_enable", "NO");
        if devfs {
            self.push("mount.devfs", Op::Bare, Few::default(), hit.from());
            self.ruleset();
        } else {
            self.ignored("devfs_ruleset", |c| {
                format!("{} is not YES", c.own_name("devfs_enable"))
            });
        }
        for (s, p) in [
            ("fdescfs_enable", "mount.fdescfs"),
            ("procfs_enable", "mount.procfs"),
        ] {
            let (on, hit) = self.yes(s, "NO");
            if on {
                self.push(p, Op::Bare, Few::default(), hit.from());
            }
        }
        let (mount, hit) = self.yes("mount_enable", "NO");
        if mount && self.opts.era == Era::Current {
            self.push("allow.mount", Op::Bare, Few::default(), hit.from());
            self.warn(
                hit.origin.as_ref(),
                "mount_enable=YES grants allow.mount since FreeBSD 10.0".to_owned(),
                Some(
                    "up to 9.x it meant \"mount the jail's fstab\" (now mounted whenever readable); \
                     use --era 9 for that meaning"
                        .to_owned(),
                ),
            );
        }
        self.boolean("set_hostname_allow", "allow.set_hostname", "NO", false);
        self.boolean("sysvipc_allow", "allow.sysvipc", "NO", false);
        self.plain("enforce_statfs", "enforce_statfs", "2");
        self.plain("osreldate", "osreldate", "");
        self.plain("osrelease", "osrelease", "");
        self.parameters();
        self.volumes();
        self.flags();
        Some(hostname.origin)
    }

    /// jail_handle_ips_option for `jail_<jv>_ip` or one `ip_multiN`.
    fn addresses(
        &mut self,
        list: &Hit<'a>,
        interface: Option<&Hit<'a>>,
        defif: &str,
        dad_from: &mut Vec<Origin<'a>>,
    ) {
        let var = list.origin.map(|o| o.var).unwrap_or_default();
        if has_ifs(list.value) {
            self.error(
                list.origin.as_ref(),
                format!("{var} contains whitespace"),
                "rc.d/jail passes it unquoted: the first word is taken as the address list, the second as \
                 the default interface, the rest is lost; separate addresses with commas only",
            );
            return;
        }
        let defif = ifs_words(defif).next().unwrap_or("");
        for item in ip::items(list.value) {
            match ip::extract(item, defif) {
                Ok(a) => {
                    let mut from = list.from();
                    if a.default_iface {
                        from.extend(interface.map(Hit::from).unwrap_or_default());
                    }
                    if a.family == ip::Family::Inet6 && !dad_from.iter().any(|o| o.var == var) {
                        dad_from.extend(list.from());
                    }
                    self.push(a.family.param(), Op::Append, Few::One(Cow::Owned(a.value)), from);
                }
                Err(ip::Dropped::Empty) => self.warn(
                    list.origin.as_ref(),
                    format!("{var}: empty address in the list, skipped"),
                    None,
                ),
                Err(ip::Dropped::Type(addr)) => self.warn(
                    list.origin.as_ref(),
                    format!("{var}: jail_extract_address: type not identified: \"{item}\" is skipped"),
                    Some(format!(
                        "\"{addr}\" has neither three dots (IPv4) nor a colon (IPv6)"
                    )),
                ),
            }
        }
    }

    /// `mount.fstab` when the file is readable (rc.d-10+); with --era 9 only when
    /// mount_enable is also YES.
    fn fstab(&mut self) {
        let hit = self.extract("fstab");
        let path: Cow<'a, str> = match &hit {
            Some(h) => Cow::Borrowed(h.value),
            None => Cow::Owned(format!("/etc/fstab.{}", self.j)),
        };
        let mut from = hit.as_ref().map(Hit::from).unwrap_or_default();
        // `[ -r $_fstab ]` is unquoted: a path with whitespace is never "readable".
        let readable = !has_ifs(&path) && self.readable(&path);
        if !readable {
            if let Some(h) = &hit {
                self.warn(
                    h.origin.as_ref(),
                    format!("{path} is not readable under the root: no mount.fstab"),
                    Some("rc.d/jail silently leaves mount.fstab out when the file cannot be read".to_owned()),
                );
            }
            return;
        }
        if self.opts.era == Era::Pre10 {
            let (mount, mhit) = self.yes("mount_enable", "NO");
            if !mount {
                let at = hit.as_ref().and_then(|h| h.origin).or(self.list_origin);
                self.warn(
                    at.as_ref(),
                    format!(
                        "{path} is not mounted: {} is not YES (--era 9)",
                        self.own_name("mount_enable")
                    ),
                    Some("FreeBSD 10.0 and later mount it whenever it is readable".to_owned()),
                );
                return;
            }
            from.extend(mhit.from());
        }
        self.push("mount.fstab", Op::Set, Few::One(path), from);
    }

    /// devfs_ruleset: numeric only (rc.d/jail: `[0-9]*`), `devfsrules_jail` is jail(8)'s
    /// default and gives nothing, anything else is dropped with rc.d/jail's warning.
    fn ruleset(&mut self) {
        let Some(hit) = self.extract("devfs_ruleset") else {
            return;
        };
        let v = hit.value;
        if v.starts_with(|c: char| c.is_ascii_digit()) {
            if !v.bytes().all(|b| b.is_ascii_digit()) {
                self.warn(
                    hit.origin.as_ref(),
                    format!("devfs_ruleset \"{v}\" is not a whole number; jail(8) will reject it"),
                    None,
                );
            }
            self.push("devfs_ruleset", Op::Set, Few::One(Cow::Borrowed(v)), hit.from());
            return;
        }
        if v == "devfsrules_jail" {
            return;
        }
        let known = [
            ("devfsrules_hide_all", 1),
            ("devfsrules_unhide_basic", 2),
            ("devfsrules_unhide_login", 3),
            ("devfsrules_jail_vnet", 5),
        ];
        let note = match known.iter().find(|(n, _)| *n == v) {
            Some((n, num)) => format!("{n} is ruleset {num} in /etc/defaults/devfs.rules; set the number"),
            None => format!("\"{v}\" is dropped; set the ruleset number from /etc/devfs.rules"),
        };
        self.warn(
            hit.origin.as_ref(),
            "devfs_ruleset must be an integer.".to_owned(),
            Some(note),
        );
    }

    /// `for _p in $_parameters; do echo "\t${_p%\;};"; done`: each word is a jail.conf
    /// statement of its own, written raw by rc.d/jail. jailvol parses it and writes it
    /// back escaped.
    fn parameters(&mut self) {
        let Some(hit) = self.extract("parameters") else {
            return;
        };
        let var = hit.origin.map(|o| o.var).unwrap_or_default();
        for word in ifs_words(hit.value) {
            let stmt = word.strip_suffix(';').unwrap_or(word);
            match parse_statement(var, stmt) {
                Ok(params) => {
                    for p in params {
                        if let Err(msg) = self.check_param_word(&p) {
                            self.error(
                                hit.origin.as_ref(),
                                format!("{var}: \"{word}\": {msg}"),
                                "each word of jail_parameters is written as a jail.conf statement `WORD;`",
                            );
                            continue;
                        }
                        self.user_lines.push(self.lines.len());
                        self.lines.push(Line {
                            name: p.name,
                            is_var: p.is_var,
                            op: p.op,
                            values: p.values,
                            from: hit.from(),
                        });
                    }
                }
                Err(msg) => self.error(
                    hit.origin.as_ref(),
                    format!("{var}: \"{word}\" is not a jail.conf parameter: {msg}"),
                    "each word of jail_parameters is written as a jail.conf statement `WORD;` \
                     (rc.d/jail's file would be rejected by jail(8))",
                ),
            }
        }
    }

    /// What jail(8) would reject in a statement taken from `parameters`.
    fn check_param_word(&self, p: &Stmt<'_>) -> Result<(), String> {
        if !p.is_var && (equalopts(&p.name, "name") || equalopts(&p.name, "jid")) {
            return Err(format!("cannot redefine parameter \"{}\"", p.name));
        }
        let clash = self
            .lines
            .iter()
            .any(|l| l.is_var != p.is_var && equalopts(&l.name, &p.name));
        let var_is_param = p.is_var && INTPARAMS.iter().any(|(n, _)| equalopts(n, &p.name));
        if clash || var_is_param {
            return Err(format!(
                "variable \"${}\" cannot have the same name as a parameter",
                p.name
            ));
        }
        Ok(())
    }

    /// jailvol's volume settings `jail_<jv>_volume_*` become the block's `$volume_*`
    /// variables (design §3); rc.d/jail ignores them.
    fn volumes(&mut self) {
        for v in VOLUME_VARS {
            if let Some(hit) = self.own(v) {
                self.lines.push(Line {
                    name: Cow::Borrowed(v),
                    is_var: true,
                    op: Op::Set,
                    values: Few::One(Cow::Borrowed(hit.value)),
                    from: hit.from(),
                });
            }
        }
    }

    fn flags(&mut self) {
        if let Some(hit) = self.own("flags") {
            let var = hit.origin.map(|o| o.var).unwrap_or_default();
            self.warn(
                hit.origin.as_ref(),
                format!("{var}=\"{}\" is not converted", hit.value),
                Some(
                    "rc.d/jail passes these flags on jail(8)'s command line; write them as parameters \
                     (-l: exec.clean, -U USER: exec.jail_user, -u USER: exec.system_user)"
                        .to_owned(),
                ),
            );
        }
    }

    /// Missing hostname or rootdir: rc.d/jail looks for a jail.conf file instead.
    fn missing(&mut self, list_origin: Option<&Origin<'a>>) {
        let j = self.j.clone();
        let mut unset = Vec::new();
        for s in ["hostname", "rootdir"] {
            if self.own(s).is_none() {
                unset.push(self.own_name(s));
            }
        }
        let jconf = self
            .own("conf")
            .map_or_else(|| format!("/etc/jail.{j}.conf"), |h| h.value.to_owned());
        let jconfdir = format!("/etc/jail.conf.d/{j}.conf");
        let jail_conf = self.vars.jail_conf.to_owned();
        let used = [jconf, jconfdir, jail_conf]
            .into_iter()
            .find(|f| self.readable(f));
        let note = match used {
            Some(f) => format!(
                "{} not set; rc.d/jail would start jail {j} from {f} instead",
                unset.join(" and ")
            ),
            None => format!("{} not set", unset.join(" and ")),
        };
        let at = self
            .own("hostname")
            .or_else(|| self.own("rootdir"))
            .and_then(|h| h.origin)
            .or_else(|| list_origin.copied());
        self.warn(
            at.as_ref(),
            format!("Invalid configuration for {j} (no jail.conf, no hostname, or no path).  Jail {j} was ignored."),
            Some(note),
        );
    }
}

/// The usual `name`, `name=value` or `name+=value` with nothing the scanner treats
/// specially, without running the full parser (a jail.conf parse per word is slow when
/// converting thousands of jails). Anything else goes to `jailconf::parse_source`.
fn simple_statement(word: &str) -> Option<Stmt<'_>> {
    let name_ok = |n: &str| {
        n.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            && n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
    };
    let value_ok = |v: &str| {
        !v.is_empty()
            && !v.contains("//")
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_.-:@%^~/|".contains(&b))
    };
    let (name, op, value) = match word.find('=') {
        None => (word, Op::Bare, None),
        Some(i) if i > 0 && word.as_bytes()[i - 1] == b'+' => {
            (&word[..i - 1], Op::Append, Some(&word[i + 1..]))
        }
        Some(i) => (&word[..i], Op::Set, Some(&word[i + 1..])),
    };
    if !name_ok(name) || !value.is_none_or(value_ok) {
        return None;
    }
    Some(Stmt {
        name: Cow::Borrowed(name),
        is_var: false,
        op,
        values: Few::from(value.map(Cow::Borrowed)),
    })
}

/// A statement parsed from a `parameters` word.
struct Stmt<'w> {
    name: Cow<'w, str>,
    is_var: bool,
    op: Op,
    values: Few<Cow<'w, str>>,
}

/// Parse `WORD;` as jail.conf: only plain parameter or variable statements, without
/// variable references (rc.d/jail would leave their expansion to jail(8); jailvol writes
/// values literally and refuses rather than change their meaning).
fn parse_statement<'w>(var: &str, word: &'w str) -> Result<Few<Stmt<'w>>, String> {
    if let Some(st) = simple_statement(word) {
        return Ok(Few::One(st));
    }
    if word.contains(".include") {
        return Err("`.include` is not allowed here".to_owned());
    }
    let src = Source::new(var, format!("{word};"));
    // Sealed: however the word spells `.include`, no file is read.
    let parsed = jailconf::parse_source(&Loader::sealed(), src, false).map_err(|d| d.message)?;
    let mut out = Few::default();
    for rec in &parsed.jails {
        if rec.block.is_some() {
            return Err("a block is not a parameter".to_owned());
        }
        for p in &rec.params {
            if p.values.iter().any(|s| !s.vars.is_empty()) {
                return Err(
                    "jail.conf variable references are not supported; write the value out".to_owned(),
                );
            }
            out.push(Stmt {
                name: Cow::Owned(p.name.to_string()),
                is_var: p.is_var,
                op: match p.op {
                    CfOp::Bare => Op::Bare,
                    CfOp::Append => Op::Append,
                    CfOp::Set | CfOp::NameVal => Op::Set,
                },
                values: Few::from(
                    p.values
                        .iter()
                        .map(|s| Cow::Owned(s.text.to_string()))
                        .collect::<Vec<_>>(),
                ),
            });
        }
    }
    Ok(out)
}

/// Convert the legacy jail variables of `vars`. Paths rc.d/jail tests for readability
/// (the fstab, jail.conf files) are looked up through `loader` (`--root`).
pub fn convert<'a>(vars: &'a RcVars, loader: &Loader, opts: &Options) -> Conversion<'a> {
    let mut out = Conversion::default();
    let get = |name: &str| vars.vars.get_key_value(name).filter(|(_, v)| !v.value.is_empty());

    // Which names: the command line (`service jail start NAME`), else jail_list.
    let list_var = get("jail_list");
    let list_origin = list_var.map(|(n, lv)| Origin::of(n, lv));
    let words: Vec<&str> = if opts.names.is_empty() {
        match list_var {
            None => {
                out.warnings.push(empty_list_warning(vars));
                Vec::new()
            }
            Some((_, lv)) => {
                let words: Vec<&str> = ifs_words(&lv.value).collect();
                if words.first().is_some_and(|w| *w == "_ALL") {
                    out.warnings.push(Diag::warning(
                        Some(lv.loc.clone()),
                        "jail_list starts with _ALL: rc.d/jail starts every jail of $jail_conf and reads no \
                         legacy variables; nothing converted",
                    ));
                    Vec::new()
                } else {
                    words
                }
            }
        }
    } else {
        opts.names.iter().map(String::as_str).collect()
    };
    let list_origin = if opts.names.is_empty() { list_origin } else { None };

    let disabled = get("jail_enable").filter(|(_, e)| yesno(&e.value) != Some(true));
    if let Some((_, e)) = disabled.filter(|_| !words.is_empty()) {
        out.warnings.push(
            Diag::warning(
                Some(e.loc.clone()),
                format!("jail_enable=\"{}\": rc.d/jail starts no jail at boot", e.value),
            )
            .with_note("converted anyway"),
        );
    }

    // The jails to convert (name, infix), found first so that the variables can be
    // indexed by jail in one pass; the messages about the names come in the loop below,
    // in order with each jail's own.
    let named = |word: &str| {
        let j = jail_name(word);
        (!j.is_empty() && !wild_jail_name(&j)).then_some(j)
    };
    let mut seen: FastSet<String> = FastSet::default();
    let mut jvs: Vec<String> = Vec::with_capacity(words.len());
    for word in &words {
        if let Some(j) = named(word) {
            if seen.insert(j.clone()) {
                jvs.push(var_infix(&j));
            }
        }
    }
    let v = Vars::new(vars, &jvs);

    seen.clear();
    for word in &words {
        let at = list_origin.and_then(|o| o.loc());
        let Some(j) = named(word) else {
            out.warnings.push(Diag::warning(
                at,
                format!("\"{word}\" cannot be a jail name; skipped"),
            ));
            continue;
        };
        if j != *word {
            out.warnings.push(
                Diag::warning(at.clone(), format!("jail name \"{word}\" becomes \"{j}\""))
                    .with_note("rc.d/jail replaces `/` and `.` in jail names by `_`"),
            );
        }
        if !seen.insert(j.clone()) {
            out.warnings.push(Diag::warning(
                at,
                format!("jail {j} is listed more than once; converted once"),
            ));
            continue;
        }
        let jv = var_infix(&j);
        let mut jc = JailConv {
            vars: &v,
            own: v.own_of(&jv),
            loader,
            opts,
            j,
            jv,
            lines: Vec::with_capacity(24),
            warnings: Vec::new(),
            errors: Vec::new(),
            list_origin,
            user_lines: Vec::new(),
        };
        let header = jc.convert(list_origin.as_ref());
        if jc.errors.is_empty() && !jc.user_lines.is_empty() {
            jc.check_values();
        }
        out.warnings.append(&mut jc.warnings);
        let Some(hostname_origin) = header else {
            continue;
        };
        if !jc.errors.is_empty() {
            out.errors.append(&mut jc.errors);
            continue;
        }
        out.blocks.push(Block {
            name: jc.j,
            jv: jc.jv,
            from: Few::from(list_origin),
            loc: hostname_origin.and_then(|o| o.loc()),
            lines: jc.lines,
        });
    }
    if let Some((_, f)) = get("jail_flags").filter(|_| !out.blocks.is_empty()) {
        out.warnings.push(
            Diag::warning(
                Some(f.loc.clone()),
                format!("jail_flags=\"{}\" is not converted", f.value),
            )
            .with_note(
                "rc.d/jail passes these flags on jail(8)'s command line; write them as parameters \
                 (-l: exec.clean, -U USER: exec.jail_user, -u USER: exec.system_user)",
            ),
        );
    }
    scan_variables(&v, !jvs.is_empty(), &mut out.warnings);
    for var in vars.vars.values() {
        let name = var.loc.file();
        if out.sources.last().is_some_and(|s| s == name) {
            continue;
        }
        if !out.sources.iter().any(|s| s == name) {
            out.sources.push(name.to_owned());
        }
    }
    out
}

impl JailConv<'_, '_> {
    /// jail(8) check_intparams: booleans and integers of its own parameters, on the
    /// values the block ends with (`exec.fib` from `jail_<jv>_fib`, `parameters` words).
    fn check_values(&mut self) {
        const PF_BOOL: u8 = 1; // model.rs flags
        const PF_INT: u8 = 2;
        let mut seen: Vec<&str> = Vec::new();
        let mut bad = Vec::new();
        // The last user-set line of each parameter holds the value jail(8) checks.
        for &i in self.user_lines.iter().rev() {
            let Some(l) = self.lines.get(i) else { continue };
            if l.is_var || seen.iter().any(|n| equalopts(n, &l.name)) {
                continue;
            }
            seen.push(&l.name);
            let Some((_, flags)) = INTPARAMS.iter().find(|(n, _)| equalopts(n, &l.name)) else {
                continue;
            };
            let Some(val) = l.values.last() else { continue };
            let (_, used) = strtol(val);
            let ok = if flags & PF_BOOL != 0 {
                val.eq_ignore_ascii_case("true") || val.eq_ignore_ascii_case("false") || used == val.len()
            } else if flags & PF_INT != 0 {
                used != 0 && used == val.len()
            } else {
                true
            };
            if !ok {
                let kind = if flags & PF_BOOL != 0 {
                    "boolean"
                } else {
                    "integer"
                };
                bad.push((
                    l.from.first().cloned(),
                    format!("{}: \"{val}\" is not an {kind}", l.name),
                ));
            }
        }
        for (from, msg) in bad {
            self.error(from.as_ref(), msg, "jail(8) rejects this jail's configuration");
        }
    }
}

fn empty_list_warning(rc: &RcVars) -> Diag {
    let legacy = rc.vars.iter().find(|(n, val)| {
        !val.value.is_empty()
            && n.starts_with("jail_")
            && (n.ends_with("_hostname") || n.ends_with("_rootdir"))
    });
    let list_loc = rc.vars.get("jail_list").map(|l| l.loc.clone());
    match legacy {
        Some((n, val)) => Diag::warning(
            list_loc.or_else(|| Some(val.loc.clone())),
            format!("jail_list is empty: rc.d/jail ignores {n} and every other per-jail variable; nothing converted"),
        )
        .with_note("list the jails in jail_list, or name them: jailvol convert NAME..."),
        None => Diag::warning(None, "jail_list is empty: nothing converted")
            .with_note("list the jails in jail_list, or name them: jailvol convert NAME..."),
    }
}

/// One pass over every `jail_*` variable: suffixes rc.d/jail never reads, globals that
/// are not fallbacks, and jails that have variables but are not converted.
fn scan_variables(v: &Vars<'_>, any_listed: bool, warnings: &mut Vec<Diag>) {
    let known_suffix = |s: &str| {
        JAIL_SUFFIXES.contains(&s)
            || JAIL_NUMBERED.iter().any(|p| {
                s.strip_prefix(p)
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            })
    };
    let mut unlisted: Vec<(&str, &RcVar)> = Vec::new();
    for &(n, owner) in &v.jail_vars {
        let (name, var, rest) = (n.name, n.var, n.suffix);
        // `owner`: after the longest listed jail infix that prefixes the name.
        if let Some(suffix) = owner {
            if known_suffix(suffix) {
                continue;
            }
            if !(GLOBALS.contains(&rest) || known_suffix(rest) || suffix == "vnet_interfaces") {
                warnings.push(
                    Diag::warning(
                        Some(var.loc.clone()),
                        format!("{name} is never read by rc.d/jail (unknown suffix \"{suffix}\")"),
                    )
                    .with_note("see docs/legacy.md for the variables rc.d/jail reads"),
                );
            }
            continue;
        }
        if rest == "vnet_interfaces" {
            warnings.push(
                Diag::warning(
                    Some(var.loc.clone()),
                    format!("{name} (plural) is never read by rc.d/jail"),
                )
                .with_note(
                    "the variable is jail_vnet_interface (the share/examples/jails templates misspell it)",
                ),
            );
            continue;
        }
        if NO_FALLBACK.contains(&rest) {
            warnings.push(
                Diag::warning(Some(var.loc.clone()), format!("{name} has no effect")).with_note(format!(
                    "rc.d/jail reads only the per-jail variable jail_NAME_{rest}"
                )),
            );
            continue;
        }
        if rest.starts_with("ip_multi") && known_suffix(rest) {
            warnings.push(
                Diag::warning(Some(var.loc.clone()), format!("{name} has no effect"))
                    .with_note("ip_multiN has no global fallback"),
            );
            continue;
        }
        if GLOBALS.contains(&rest) || known_suffix(rest) {
            continue;
        }
        if rest.ends_with("_hostname") || rest.ends_with("_rootdir") {
            unlisted.push((name, var));
        }
    }
    if any_listed {
        for (name, var) in unlisted {
            warnings.push(
                Diag::warning(
                    Some(var.loc.clone()),
                    format!("{name} belongs to no converted jail"),
                )
                .with_note("rc.d/jail reads jail_NAME_* only for the jails in jail_list (or named on the command line)"),
            );
        }
    }
}

impl Conversion<'_> {
    /// The jails as jail(8) would load the rendered text.
    pub fn config(&self) -> model::Config {
        render::config(self)
    }

    /// The jail.conf text; with `explain`, a comment before each line naming the rc.conf
    /// variables behind it.
    pub fn render(&self, explain: bool) -> String {
        render::text(self, explain)
    }
}

#[cfg(test)]
mod tests;
