//! The lints of `config` that apply to an rc.conf host, on the converted jails
//! (`legacy::Conversion`): each finding points at the rc.conf assignment behind the
//! value (`Line::from`), which the converted jail.conf text has no place for. The
//! messages are `config::lint`'s.
//!
//! JV014 (a relative path), JV030 (an address inet_pton refuses), then JV010 and JV011
//! (an address or hostname another jail has); and the containers' lints (JV016-JV020,
//! JV029) at the `jail_NAME_volume_size` and `_rootdir` lines. Not here: the lints about
//! jail.conf's own syntax and hooks (rc.d/jail writes neither), and JV015 (overlapping
//! paths).

use super::Report;
use super::address::{Family, invalid, strip};
use super::container::{Host, Site, lint_sites};
use crate::diag::{Diag, Loc};
use crate::legacy::{Block, Conversion, Op, var_infix};
use crate::lint::Lint;
use crate::model::FnvMap;
use crate::parse::loader::Loader;
use crate::parse::rcconf::RcVars;
use crate::volume::Volume;

/// JV016-JV020 and JV029 for the containers of an rc.conf host's plan: each finding at
/// the jail's `jail_NAME_volume_size` line (else its hostname), a missing path at its
/// `_rootdir` line.
pub fn lint_containers(loader: &Loader, vols: &[Volume], vars: &RcVars) -> Vec<Diag> {
    let loc = |jail: &str, suffix: &str| {
        vars.vars
            .get(format!("jail_{}_{suffix}", var_infix(jail)).as_str())
            .map(|v| v.loc.clone())
    };
    let sites = vols.iter().map(|vol| Site {
        vol,
        at: loc(&vol.jail, "volume_size").or_else(|| loc(&vol.jail, "hostname")),
        path_at: loc(&vol.jail, "rootdir"),
    });
    let mut r = Report::default();
    lint_sites(loader, sites, Host::RcConf, &mut r);
    r.findings
}

/// The findings on the jails of `conv` jail(8) would start (a block with values it
/// rejects fails as a whole: JV002, reported with the conversion).
pub fn lint(conv: &Conversion<'_>) -> Vec<Diag> {
    let mut out = Vec::new();
    let mut ips: FnvMap<String, &str> = FnvMap::default();
    let mut hosts: FnvMap<&str, &str> = FnvMap::default();
    for b in conv.blocks.iter().filter(|b| b.rejected.is_empty()) {
        let err = |lint: Lint, loc: Option<Loc>, msg: String| {
            lint.diag(loc, format!("{}: {msg}", b.name)).with_jail(&b.name)
        };
        if let Some((path, loc)) = last(b, "path").and_then(|v| v.into_iter().next_back())
            && !path.starts_with('/')
        {
            out.push(err(
                Lint::RelativePath,
                loc,
                format!("path \"{path}\" is not absolute: jail(8) refuses to start it"),
            ));
        }
        for param in ["ip4.addr", "ip6.addr"] {
            let family = Family::of(param);
            let values = last(b, param).unwrap_or_default();
            // As check::address::addresses: a lone empty or `-` value is no address,
            // several values are joined with `,` and split at every `,`.
            let lone = values.len() == 1;
            for (v, loc) in values {
                let v = strip(v);
                if lone && (v.is_empty() || v == "-") {
                    continue;
                }
                for addr in v.split(',') {
                    if let Some(why) = invalid(family, addr) {
                        out.push(err(Lint::InvalidAddress, loc.clone(), format!("{param}: {why}")));
                        continue;
                    }
                    match ips.get(addr) {
                        Some(other) if *other != b.name => out.push(err(
                            Lint::SharedAddress,
                            loc.clone(),
                            format!("address {addr} is also an address of jail \"{other}\""),
                        )),
                        _ => {
                            ips.insert(addr.to_owned(), &b.name);
                        }
                    }
                }
            }
        }
        let hostname = last(b, "host.hostname").and_then(|v| v.into_iter().next_back());
        if let Some((h, loc)) = hostname.filter(|(h, _)| !h.is_empty()) {
            match hosts.get(h) {
                Some(other) => out.push(err(
                    Lint::SharedHostname,
                    loc,
                    format!("host.hostname {h} is also the hostname of jail \"{other}\""),
                )),
                None => {
                    hosts.insert(h, &b.name);
                }
            }
        }
    }
    out
}

/// The values `name` ends with in block `b` (`name = ...` replaces, `+=` appends, as
/// config.c add_param), each with the rc.conf line it came from; None when unset.
fn last<'b>(b: &'b Block<'_>, name: &str) -> Option<Vec<(&'b str, Option<Loc>)>> {
    let mut out: Option<Vec<(&str, Option<Loc>)>> = None;
    for l in b.lines.iter().filter(|l| !l.is_var && l.name == name) {
        let loc = l.from.first().and_then(|o| o.loc.cloned());
        let vals = out.get_or_insert_with(Vec::new);
        if l.op != Op::Append {
            vals.clear();
        }
        vals.extend(l.values.iter().map(|v| (&**v, loc.clone())));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Source;
    use crate::parse::loader::Loader;
    use crate::parse::rcconf::{RcVar, RcVars};

    fn vars(pairs: &[(&str, &str)]) -> RcVars {
        let text: String = pairs.iter().map(|(n, v)| format!("{n}=\"{v}\"\n")).collect();
        let src = Source::new("/etc/rc.conf", text);
        let mut vars = RcVars::default();
        let mut off = 0;
        for (n, v) in pairs {
            let var = RcVar {
                value: (*v).into(),
                loc: Loc::new(&src, off),
            };
            vars.vars.insert((*n).into(), var);
            off += n.len() + v.len() + 4;
        }
        vars
    }

    fn lints(pairs: &[(&str, &str)]) -> Vec<(Option<&'static str>, usize)> {
        let vars = vars(pairs);
        let loader = Loader::new(Some("/nonexistent/jailvol-unit".into()));
        let conv = crate::legacy::convert(&vars, &loader, &Default::default());
        lint(&conv)
            .iter()
            .map(|d| (d.code, d.loc.as_ref().map_or(0, Loc::line)))
            .collect()
    }

    /// A `parameters` word `ip4.addr=...` replaces the addresses (config.c add_param):
    /// only what jail(8) ends with can clash, reported at its rc.conf line.
    #[test]
    fn the_addresses_jail8_ends_with_are_compared() {
        let mut pairs = vec![
            ("jail_list", "a b"),
            ("jail_a_rootdir", "/j/a"),
            ("jail_a_hostname", "a"),
            ("jail_a_ip", "192.0.2.1"),
            ("jail_b_rootdir", "/j/b"),
            ("jail_b_hostname", "b"),
            ("jail_b_ip", "em0|192.0.2.1/24"),
        ];
        assert_eq!(lints(&pairs), [(Some("JV010"), 7)]);
        pairs.push(("jail_a_parameters", "ip4.addr=192.0.2.2"));
        assert_eq!(lints(&pairs), []);
        pairs.push(("jail_b_parameters", "ip4.addr+=192.0.2.2"));
        assert_eq!(lints(&pairs), [(Some("JV010"), 9)]);
    }
}
