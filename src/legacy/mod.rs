//! Legacy rc.conf `jail_*` variables → jail.conf, exactly as FreeBSD's rc.d/jail
//! (libexec/rc/rc.d/jail @c96d5c97, `parse_options` and `extract_var`) writes
//! `/var/run/jail.NAME.conf`, minus its bugs: values are escaped instead of pasted raw
//! into `"..."`, and inputs the script silently mangles are errors. Every trap of spec
//! §3 is a warning at the rc.conf line behind it. See docs/legacy.md.
//!
//! The result is a list of blocks of statements (`Conversion`), each statement knowing
//! the rc.conf variables behind it (for `--explain`); `Conversion::config` gives the
//! `model::Config` jail(8) would build from the text `Conversion::render` prints.

mod beside;
pub mod ezjail;
mod few;
pub mod ip;
mod jail;
mod output;
mod render;
mod statement;
mod vars;

use std::borrow::Cow;

use crate::diag::{Diag, Loc};
use crate::lint::Lint;
use crate::model::{self, FnvSet, wild_jail_name};
use crate::parse::loader::Loader;
use crate::parse::rcconf::{RcVar, RcVars};

pub use beside::beside_jail_conf;
pub use few::{Few, FewIter};
pub use output::{OutputError, Written, write_atomic, write_json, write_merged};
use vars::{Vars, ifs_words, scan_variables};

/// Which rc.d/jail generation's meaning of the variables to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Era {
    /// FreeBSD 6.x-9.x: `mount_enable` mounts the jail's fstab; no allow.mount.
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
    /// jail(8)'s errors on the block's values (check_intparams: `exec.fib = one;`):
    /// converted as rc.d/jail writes them (with a warning), but jail(8) fails the jail,
    /// so `Conversion::config` leaves it out and reports these, as `model::load` does
    /// on the rendered text.
    pub rejected: Vec<Diag>,
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

/// Convert the legacy jail variables of `vars`. Paths rc.d/jail tests for readability
/// (the fstab, jail.conf files) are looked up through `loader` (`--root`).
pub fn convert<'a>(vars: &'a RcVars, loader: &Loader, opts: &Options) -> Conversion<'a> {
    let mut out = Conversion::default();
    let get = |name: &str| vars.vars.get_key_value(name).filter(|(_, v)| !v.value.is_empty());

    // Which names: the command line (`service jail start NAME`), else jail_list.
    let list_var = get("jail_list");
    // ezjail.sh starts its own jails through rc.d/jail (ezjail.rs); named jails are
    // `service jail start NAME`, which ezjail's list does not add to.
    let mut ez_warnings = Vec::new();
    let ez_all = ezjail::list(vars, loader, &mut ez_warnings);
    let ez = match opts.names.is_empty() {
        true => {
            out.warnings.append(&mut ez_warnings);
            ez_all.clone()
        }
        false => ezjail::List::default(),
    };
    let words = jail_words(vars, list_var, opts, !ez.names.is_empty(), &mut out.warnings);
    let list_origin = list_var
        .map(|(n, lv)| Origin::of(n, lv))
        .filter(|_| opts.names.is_empty());

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
    let mut seen: FnvSet<String> = FnvSet::default();
    let mut jvs: Vec<String> = Vec::with_capacity(words.len());
    for word in words.iter().copied().chain(ez.names.iter().map(String::as_str)) {
        if let Some(j) = named(word)
            && seen.insert(j.clone())
        {
            jvs.push(var_infix(&j));
        }
    }
    let v = Vars::new(vars, &jvs);

    seen.clear();
    let mut ez_named: Vec<String> = Vec::new();
    for word in &words {
        let Some(j) = checked_name(word, list_origin, &mut seen, &mut out.warnings) else {
            continue;
        };
        // A named ezjail jail (`jailvol convert NAME`, migrate) is ezjail's all the same.
        let ezj = ezjail::config_file(vars, loader, &j).is_some();
        if ezj {
            ez_named.push(j.clone());
        }
        let mut done = jail::convert_jail(&v, loader, opts, j, list_origin);
        out.warnings.append(&mut done.warnings);
        out.errors.append(&mut done.errors);
        if let Some(mut b) = done.block
            && (!ezj || ezjail::image(vars, loader, &mut b, &mut out.warnings))
        {
            out.blocks.push(b);
        }
    }
    for name in &ez.names {
        let Some(j) = checked_name(name, ez.origin, &mut seen, &mut out.warnings) else {
            continue;
        };
        let mut done = jail::convert_jail(&v, loader, opts, j, ez.origin);
        out.warnings.append(&mut done.warnings);
        out.errors.append(&mut done.errors);
        if let Some(mut b) = done.block
            && ezjail::image(vars, loader, &mut b, &mut out.warnings)
        {
            out.blocks.push(b);
        }
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
    ez_named.extend(ez.names.iter().cloned());
    ezjail::own_variables(vars, &ez_named, &ez_all.names, &mut out.warnings);
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

/// The words naming the jails to convert: the names given, else `jail_list`'s words
/// (none, with a warning, when it is empty or starts with `_ALL`).
fn jail_words<'a>(
    vars: &'a RcVars,
    list_var: Option<(&'a compact_str::CompactString, &'a RcVar)>,
    opts: &'a Options,
    ezjail_jails: bool,
    warnings: &mut Vec<Diag>,
) -> Vec<&'a str> {
    if !opts.names.is_empty() {
        return opts.names.iter().map(String::as_str).collect();
    }
    let Some((_, lv)) = list_var else {
        if !ezjail_jails {
            warnings.push(empty_list_warning(vars));
        }
        return Vec::new();
    };
    let words: Vec<&str> = ifs_words(&lv.value).collect();
    if words.first().is_some_and(|w| *w == "_ALL") {
        warnings.push(Diag::warning(
            Some(lv.loc.clone()),
            "jail_list starts with _ALL: rc.d/jail starts every jail of $jail_conf and reads no \
             legacy variables; nothing converted",
        ));
        return Vec::new();
    }
    words
}

/// The jail name rc.d/jail makes of a word, None for one that cannot be a jail's.
fn named(word: &str) -> Option<String> {
    if echo_takes(word) {
        return None;
    }
    let j = jail_name(word);
    (!j.is_empty() && !wild_jail_name(&j)).then_some(j)
}

/// `named`, with the warnings about the word: skipped, renamed, or listed twice (None).
fn checked_name(
    word: &str,
    list_origin: Option<Origin<'_>>,
    seen: &mut FnvSet<String>,
    warnings: &mut Vec<Diag>,
) -> Option<String> {
    let at = list_origin.and_then(|o| o.loc());
    if echo_takes(word) {
        // parse_options is then called without arguments: `[ -z "$_j" ]`, rc.d/jail's
        // warning, and no /var/run/jail.NAME.conf.
        warnings.push(
            Lint::NoJailName
                .attach(Diag::warning(
                    at,
                    format!("\"{word}\": parse_options: you must specify a jail"),
                ))
                .with_note(format!(
                    "rc.d/jail makes the jail name with `echo $_j | tr /. _`, and sh's echo takes \
                     \"{word}\" as its option and prints no name: no jail is converted for it"
                )),
        );
        return None;
    }
    let Some(j) = named(word) else {
        warnings.push(Diag::warning(
            at,
            format!("\"{word}\" cannot be a jail name; skipped"),
        ));
        return None;
    };
    if j != *word {
        warnings.push(
            Diag::warning(at.clone(), format!("jail name \"{word}\" becomes \"{j}\""))
                .with_note("rc.d/jail replaces `/` and `.` in jail names by `_`"),
        );
    }
    if !seen.insert(j.clone()) {
        warnings.push(Diag::warning(
            at,
            format!("jail {j} is listed more than once; converted once"),
        ));
        return None;
    }
    Some(j)
}

/// Whether `echo $_j` prints no name for the word: FreeBSD sh's builtin echo
/// (bin/sh/bltin/echo.c) takes a first argument that is exactly `-n` or `-e` as its
/// option, and prints nothing (`-n`) or a lone newline that `$(...)` removes (`-e`).
fn echo_takes(word: &str) -> bool {
    matches!(word, "-n" | "-e")
}

/// `_j=$(echo $_j | tr /. _)`, for a word `echo_takes` leaves alone.
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
