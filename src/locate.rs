//! Where a jail's parameter or variable was set: for messages that point at the
//! statement responsible. jail(8) merges a jail's own block with every matching wildcard
//! block (config.c load_config); the last statement of those wins, so search the jail's
//! own block from the end, then the matching wildcard blocks from the last one.

use crate::diag::Loc;
use crate::model::{Entry, Jail, equalopts, wild_jail_match, wild_jail_name};
use crate::parse::jailconf::{CfJail, Parsed};

/// The statement that set `name` (a `$variable` when `is_var`), else the jail's block.
pub fn statement(parsed: &Parsed, jail: &Jail, name: &str, is_var: bool) -> Option<Loc> {
    let hit = |rec: &CfJail| {
        rec.params
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
            .map(|p| p.loc())
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
                .filter(|r| wild_jail_name(&r.name) && wild_jail_match(&jail.name, &r.name))
                .find_map(hit)
        })
        .or_else(|| jail.loc.clone())
}

/// `Jail::param`, for lookups made for every jail: `equalopts` only ever equates names
/// whose lengths are equal or two apart (a `no`), and most entries fail that test.
pub fn param<'j>(jail: &'j Jail, name: &str) -> Option<&'j Entry> {
    jail.entries
        .iter()
        .find(|e| !e.is_var && matches!(e.name.len().abs_diff(name.len()), 0 | 2) && equalopts(&e.name, name))
}

/// `Jail::scalar` through `param`.
pub fn scalar<'j>(jail: &'j Jail, name: &str) -> Option<&'j str> {
    param(jail, name)
        .and_then(|e| e.values.last())
        .map(String::as_str)
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
            assert_eq!(super::param(j, name), j.param(name), "{name}");
            assert_eq!(super::scalar(j, name), j.scalar(name), "{name}");
        }
    }
}
