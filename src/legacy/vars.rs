//! The variable index and rc.d/jail's `extract_var` lookup: which `jail_*` variables
//! exist, each jail's own (`jail_<jv>_S`) and the global fallbacks (`jail_S`), and the
//! warnings about variables rc.d/jail never reads.

use crate::diag::Diag;
use crate::model::{FnvMap, FnvSet};
use crate::parse::rcconf::{RcVar, RcVars};

use super::{Few, Origin};

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
    "volume_encrypt",
    "volume_keyfile",
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
pub(super) const VOLUME_VARS: &[&str] = &crate::settings::ALL;

pub(super) fn push_num(s: &mut String, mut n: u64) {
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
pub(super) fn ifs_words(s: &str) -> impl Iterator<Item = &str> {
    s.split([' ', '\t', '\n']).filter(|w| !w.is_empty())
}

pub(super) fn has_ifs(s: &str) -> bool {
    s.contains([' ', '\t', '\n'])
}

/// A non-empty `jail_*` variable: its name, what follows `jail_<jv>_` (own) or `jail_`
/// (global), and the variable.
#[derive(Clone, Copy)]
pub(super) struct Named<'a> {
    pub(super) suffix: &'a str,
    pub(super) name: &'a str,
    pub(super) var: &'a RcVar,
}

/// N of a numbered suffix `base<N>` (1 to 18 digits).
pub(super) fn number_of(suffix: &str, base: &str) -> Option<u64> {
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
pub(super) struct Vars<'a> {
    /// Per distinct infix (`jv_index`), its non-empty variables in rc.conf order.
    own: Vec<Vec<Named<'a>>>,
    jv_index: FnvMap<String, usize>,
    /// The non-empty `jail_S` for the known suffixes S (`known_suffix`).
    pub(super) globals: Vec<Named<'a>>,
    /// Every non-empty `jail_*` variable (suffix: after `jail_`) and its suffix after the
    /// longest listed jail infix that prefixes it.
    jail_vars: Vec<(Named<'a>, Option<&'a str>)>,
    /// `$jail_conf` (not `:-`: an empty value is an empty path, as in rc.d/jail).
    pub(super) jail_conf: &'a str,
    /// Directory listings for `readable` (None: cannot be listed).
    pub(super) dirs: std::cell::RefCell<FnvMap<std::ffi::OsString, Option<FnvSet<std::ffi::OsString>>>>,
}

impl<'a> Vars<'a> {
    /// `jvs`: the variable infixes of the listed jails.
    pub(super) fn new(rc: &'a RcVars, jvs: &[String]) -> Vars<'a> {
        let mut jv_index: FnvMap<String, usize> = FnvMap::default();
        for jv in jvs {
            let next = jv_index.len();
            jv_index.entry(jv.clone()).or_insert(next);
        }
        let mut own: Vec<Vec<Named<'a>>> = vec![Vec::new(); jv_index.len()];
        let mut globals: Vec<Named<'a>> = Vec::new();
        for s in JAIL_SUFFIXES {
            if let Some((name, var)) = rc.vars.get_key_value(["jail_", s].concat().as_str())
                && !var.value.is_empty()
            {
                globals.push(Named {
                    suffix: &name[5..],
                    name,
                    var,
                });
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
    pub(super) fn own_of(&self, jv: &str) -> &[Named<'a>] {
        self.jv_index
            .get(jv)
            .and_then(|&k| self.own.get(k))
            .map_or(&[], Vec::as_slice)
    }

    /// `$jail_S` (non-empty) for a known suffix S.
    pub(super) fn global(&self, suffix: &str) -> Option<Named<'a>> {
        debug_assert!(indexed_suffix(suffix), "{suffix} is not indexed");
        self.globals.iter().find(|g| g.suffix == suffix).copied()
    }
}

/// A looked-up value and the variable it came from (None: a default).
#[derive(Clone, Copy)]
pub(super) struct Hit<'a> {
    pub(super) value: &'a str,
    pub(super) origin: Option<Origin<'a>>,
}

impl<'a> Hit<'a> {
    pub(super) fn of(n: &Named<'a>) -> Hit<'a> {
        Hit {
            value: &n.var.value,
            origin: Some(Origin::of(n.name, n.var)),
        }
    }

    pub(super) fn from(&self) -> Few<Origin<'a>> {
        Few::from(self.origin)
    }
}

/// One pass over every `jail_*` variable: suffixes rc.d/jail never reads, globals that
/// are not fallbacks, and jails that have variables but are not converted.
pub(super) fn scan_variables(v: &Vars<'_>, any_listed: bool, warnings: &mut Vec<Diag>) {
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
