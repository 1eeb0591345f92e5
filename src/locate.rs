//! Where a jail's parameter or variable was set: for messages that point at the
//! statement responsible. jail(8) merges a jail's own block with every matching wildcard
//! block (config.c load_config); the last statement of those wins, so search the jail's
//! own block from the end, then the matching wildcard blocks from the last one.

use crate::diag::Loc;
use crate::model::{Entry, Jail, equalopts, wild_jail_match};
use crate::parse::jailconf::{CfJail, Parsed, Text};

/// The statement that set `name` (a `$variable` when `is_var`), else the jail's block.
pub fn statement(parsed: &Parsed, jail: &Jail, name: &str, is_var: bool) -> Option<Loc> {
    let hit = |rec: &CfJail| {
        parsed
            .params(rec)
            .iter()
            .rev()
            .find(|p| {
                p.is_var == is_var
                    && if is_var {
                        p.name == name
                    } else {
                        equalopts(&p.name, name)
                    }
            })
            .and_then(|p| parsed.loc_of(p))
    };
    parsed
        .jails
        .get(jail.record)
        .and_then(hit)
        .or_else(|| {
            parsed
                .jails
                .iter()
                .rev()
                .filter(|r| r.wild() && wild_jail_match(&jail.name, &r.name))
                .find_map(hit)
        })
        .or_else(|| jail.loc.clone())
}

/// The parameters and variables check and generate read from a jail of
/// `plan::prepare`, which keeps only these (`model::Wanted`); the lookups below assert
/// it.
pub const LOOKED_UP: [&str; 8] = [
    "path",
    "mount.fstab",
    "ip4.addr",
    "ip6.addr",
    "host.hostname",
    "exec.prestart",
    "exec.poststop",
    "depend",
];
pub const LOOKED_UP_VARS: [&str; 5] = crate::settings::ALL;

/// What `plan::prepare` keeps of each jail.
pub static PREPARED: crate::model::Wanted = crate::model::Wanted {
    params: &LOOKED_UP,
    vars: &LOOKED_UP_VARS,
};

/// What generate reads of each jail (`plan::generate_each`): a subset of `LOOKED_UP`,
/// so a jail keeps two or three entries, not eight (thousands of jails: the merged
/// configuration was a fifth of generate's peak memory).
pub const GENERATE_READS: [&str; 2] = ["path", "mount.fstab"];

/// What `plan::generate_each` keeps of each jail.
pub static GENERATED: crate::model::Wanted = crate::model::Wanted {
    params: &GENERATE_READS,
    vars: &LOOKED_UP_VARS,
};

/// (Not in this crate's unit tests, which look up any name: the integration tests run
/// check and generate with it.)
#[cfg_attr(test, allow(unused_variables))]
fn assert_looked_up(name: &str, is_var: bool) {
    #[cfg(not(test))]
    debug_assert!(
        if is_var {
            LOOKED_UP_VARS.contains(&name)
        } else {
            LOOKED_UP.contains(&name)
        },
        "{name} is looked up but not in locate::LOOKED_UP: plan::prepare leaves it out"
    );
}

/// `entries` for the same names in many jails: for a jail of `plan::prepare` or
/// `plan::generate_each`, which knows where each of the `PREPARED` (or `GENERATED`)
/// names is, without comparing any name.
pub struct Finder<const P: usize, const V: usize> {
    params: [&'static str; P],
    vars: [&'static str; V],
    /// Each name's index in `PREPARED` (parameters, then variables).
    at: Indices<P, V>,
    /// The same in `GENERATED`; None when it lacks one of the names.
    at_generated: Indices<P, V>,
}

type Indices<const P: usize, const V: usize> = Option<([usize; P], [usize; V])>;

impl<const P: usize, const V: usize> Finder<P, V> {
    pub fn new(params: [&'static str; P], vars: [&'static str; V]) -> Self {
        params.iter().for_each(|p| assert_looked_up(p, false));
        vars.iter().for_each(|v| assert_looked_up(v, true));
        let at = |w: &crate::model::Wanted| -> Indices<P, V> {
            let (ap, av) = (params.map(|p| w.index(p, false)), vars.map(|v| w.index(v, true)));
            let complete = ap.iter().chain(&av).all(Option::is_some);
            complete.then(|| (ap.map(|i| i.unwrap_or(0)), av.map(|i| i.unwrap_or(0))))
        };
        Finder {
            params,
            vars,
            at: at(&PREPARED),
            at_generated: at(&GENERATED),
        }
    }

    #[allow(clippy::type_complexity)]
    pub fn get<'j>(&self, jail: &'j Jail) -> ([Option<&'j Entry>; P], [Option<&'j Entry>; V]) {
        let Some(w) = &jail.wanted else {
            return entries(jail, self.params, self.vars);
        };
        let at = if std::ptr::eq(w.names, &PREPARED) {
            &self.at
        } else if std::ptr::eq(w.names, &GENERATED) {
            // A name generate does not keep would read as unset.
            assert!(
                self.at_generated.is_some(),
                "{:?} {:?}: not all in locate::GENERATE_READS",
                self.params,
                self.vars
            );
            &self.at_generated
        } else {
            &None
        };
        match at {
            Some((ap, av)) => {
                let entry = |i: &usize| {
                    let e = usize::from(w.at.get(*i).copied().unwrap_or(0));
                    e.checked_sub(1).and_then(|e| jail.entries.get(e))
                };
                (ap.each_ref().map(entry), av.each_ref().map(entry))
            }
            None => entries(jail, self.params, self.vars),
        }
    }
}

/// `equalopts`, with the tests that rule out most pairs first: it only equates names
/// of the same length, or two apart when the longer has a `no` at the start of one of
/// its dotted components.
pub fn same_param(a: &Text, b: &str) -> bool {
    // The length first: `a` is a span of the file, read only when it may match.
    match a.len().abs_diff(b.len()) {
        0 => a.as_bytes().first() == b.as_bytes().first() && equalopts(a, b),
        2 => {
            let a = a.as_str();
            let longer = if a.len() > b.len() { a } else { b }.as_bytes();
            let no_at = |i: usize| longer.get(i..i + 2) == Some(b"no");
            (no_at(0) || (0..longer.len()).any(|i| longer[i] == b'.' && no_at(i + 1))) && equalopts(a, b)
        }
        _ => false,
    }
}

/// `Jail::param` for each of `params` and `Jail::variable` for each of `vars`, in one pass
/// over the jail's entries: with thousands of jails, each pass over all of them costs
/// more in memory reads than in comparisons.
#[allow(clippy::type_complexity)]
pub fn entries<'j, const P: usize, const V: usize>(
    jail: &'j Jail,
    params: [&str; P],
    vars: [&str; V],
) -> ([Option<&'j Entry>; P], [Option<&'j Entry>; V]) {
    params.iter().for_each(|p| assert_looked_up(p, false));
    vars.iter().for_each(|v| assert_looked_up(v, true));
    let (mut found_params, mut found_vars) = ([None; P], [None; V]);
    let mut left = P + V;
    for e in &jail.entries {
        if e.is_var {
            for (slot, name) in found_vars.iter_mut().zip(vars) {
                if slot.is_none() && e.name == name {
                    *slot = Some(e);
                    left -= 1;
                }
            }
        } else {
            for (slot, name) in found_params.iter_mut().zip(params) {
                if slot.is_none() && same_param(&e.name, name) {
                    *slot = Some(e);
                    left -= 1;
                }
            }
        }
        if left == 0 {
            break;
        }
    }
    (found_params, found_vars)
}

/// The value jail(8) uses for a scalar parameter or variable: the last one.
pub fn last(e: Option<&Entry>) -> Option<&str> {
    e.and_then(|e| e.values.last()).map(Text::as_str)
}

#[cfg(test)]
mod tests {
    use crate::diag::Source;
    use crate::parse::jailconf::parse_source;
    use crate::parse::loader::Loader;

    #[test]
    fn param_finds_what_jail_param_finds() {
        let text =
            "j { path = /a; allow.nomount; nopersist; host.hostname = h; mount.fstab = /f; $pat = v; }\n";
        let parsed = parse_source(&Loader::sealed(), Source::new("t.conf", text), false).unwrap();
        let cfg = crate::model::load(&parsed);
        let j = &cfg.jails[0];
        for name in [
            "path",
            "allow.mount",
            "allow.nomount",
            "persist",
            "nopersist",
            "host.hostname",
            "mount.fstab",
            "mount",
            "pat",
            "paths",
            "nopath",
            "allow.mountx",
            "name",
            "noname",
            "",
        ] {
            let ([found], []) = super::entries(j, [name], []);
            assert_eq!(found, j.param(name), "{name}");
            assert_eq!(super::last(found), j.scalar(name), "{name}");
        }
        let names = ["persist", "path", "allow.mount", "nopath", "path", "mount.fstab"];
        let vars = ["pat", "path", "nopat", "pat"];
        let (p, v) = super::entries(j, names, vars);
        assert_eq!(p, names.map(|n| j.param(n)));
        assert_eq!(v, vars.map(|n| j.variable(n)));
        assert_eq!(v.map(super::last), vars.map(|n| j.var_scalar(n)));
        let words = [
            "",
            "a",
            "no",
            "noa",
            "nono",
            "path",
            "nopath",
            "allow.mount",
            "allow.nomount",
            "noallow.mount",
            "allow.mount.nodevfs",
            "allow.mount.devfs",
            "allow.nomount.devfs",
            "a.nob",
            "c.b",
            "x.no",
            "x.",
        ];
        for a in words {
            for b in words {
                let text = crate::parse::jailconf::Text::from(a);
                assert_eq!(
                    super::same_param(&text, b),
                    crate::model::equalopts(a, b),
                    "{a} {b}"
                );
            }
        }
    }
}
