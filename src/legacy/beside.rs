//! A jail.conf host whose rc.conf also sets per-jail `jail_*` variables: which of those
//! jails rc.d/jail ignores, and which it starts from rc.conf instead of jail.conf
//! (libexec/rc/rc.d/jail, `parse_options` and the last lines of the script).
//!
//! - `run_rc_command $@ ${jail_list:-_ALL}`: an empty `jail_list` (or one whose first
//!   word is `_ALL`) starts `jail -f $jail_conf -c`, the jails of jail.conf, and reads
//!   no per-jail variable: every `jail_X_*` is ignored (JV041).
//! - Otherwise each listed word is a jail. `parse_options` converts its variables
//!   (to /var/run/jail.NAME.conf) only when both `jail_X_rootdir` and `jail_X_hostname`
//!   are set: then rc.d starts it from rc.conf, and the jail.conf block of that name is
//!   not what runs (JV042). With one of them missing it reads jail.conf: the variable
//!   is ignored (JV041), as are the variables of a jail not listed.
//! - Without `jail_enable=YES` rc.d/jail does not run at boot at all.
//! - ezjail (`ezjail_enable=YES`) starts each of its jails with `sh /etc/rc.d/jail
//!   onestart NAME` (ezjail.sh:104), whatever `jail_enable` and `jail_list` say; its
//!   per-jail files set both `_rootdir` and `_hostname`, so `parse_options` converts
//!   them: started from rc.conf (JV042). With ezjail off, its files' variables are
//!   ignored (JV041).

use crate::diag::{Diag, Loc};
use crate::lint::Lint;
use crate::parse::rcconf::{RcVar, RcVars};

use super::vars::ifs_words;
use super::{echo_takes, jail_name, var_infix, yesno};

/// A per-jail infix with `_rootdir` or `_hostname` set (not empty).
struct RcJail<'a> {
    jv: &'a str,
    /// The first of the two variables assigned: where the finding points.
    first: (&'a str, &'a RcVar),
    rootdir: bool,
    hostname: bool,
}

fn rc_jails(vars: &RcVars) -> Vec<RcJail<'_>> {
    let mut out: Vec<RcJail<'_>> = Vec::new();
    for (name, v) in &vars.vars {
        if v.value.is_empty() {
            continue;
        }
        let Some(rest) = name.strip_prefix("jail_") else {
            continue;
        };
        let (jv, root) = match (rest.strip_suffix("_rootdir"), rest.strip_suffix("_hostname")) {
            (Some(jv), _) => (jv, true),
            (_, Some(jv)) => (jv, false),
            _ => continue,
        };
        if jv.is_empty() {
            continue;
        }
        let j = match out.iter_mut().find(|j| j.jv == jv) {
            Some(j) => j,
            None => {
                out.push(RcJail {
                    jv,
                    first: (name.as_str(), v),
                    rootdir: false,
                    hostname: false,
                });
                let last = out.len() - 1;
                &mut out[last]
            }
        };
        if root {
            j.rootdir = true;
        } else {
            j.hostname = true;
        }
    }
    out
}

/// The findings for the rc.conf `vars` of a host whose jails are in `jail_conf` (the
/// file rc.d/jail's `$jail_conf` names); `in_jail_conf` tells whether jail.conf has a
/// block of that name.
/// `ezjail` names the jails ezjail starts (legacy::ezjail::jails).
pub fn beside_jail_conf(
    vars: &RcVars,
    jail_conf: &str,
    ezjail: &[String],
    in_jail_conf: &dyn Fn(&str) -> bool,
) -> Vec<Diag> {
    let jails = rc_jails(vars);
    if jails.is_empty() {
        return Vec::new();
    }
    let enabled = vars.get("jail_enable").and_then(yesno) == Some(true);
    let words: Vec<&str> = vars
        .get("jail_list")
        .map(|l| ifs_words(l).collect())
        .unwrap_or_default();
    let all = words.first().is_none_or(|w| *w == "_ALL");
    // The listed jails: (jail name, variable infix).
    let listed: Vec<(String, String)> = words
        .iter()
        .filter(|w| !echo_takes(w))
        .map(|w| {
            let j = jail_name(w);
            let jv = var_infix(&j);
            (j, jv)
        })
        .collect();
    let mut out = Vec::new();
    for j in &jails {
        let (var, at) = j.first;
        let loc = Some(at.loc.clone());
        let ignored =
            |why: String| Lint::BesideIgnored.diag(loc.clone(), format!("rc.d/jail ignores `{var}`: {why}"));
        let from_ezjail = at.loc.file().starts_with(super::ezjail::DIR);
        let by_ezjail = ezjail.iter().find(|n| var_infix(n) == j.jv);
        if let Some(name) = by_ezjail.filter(|_| j.rootdir && j.hostname) {
            out.push(started(
                name,
                j.jv,
                &format!(
                    "ezjail starts it from {}/{name} (ezjail.sh runs rc.d/jail onestart {name})",
                    super::ezjail::DIR
                ),
                &format!(
                    "switch it off in ezjail (rename {}/{name} to .{name}.norun: ezjail lists its \
                     jails with ls, which skips a dot file; a NAME.norun file still gets stopped)",
                    super::ezjail::DIR
                ),
                jail_conf,
                in_jail_conf(name),
                loc,
            ));
            continue;
        }
        if from_ezjail {
            out.push(ignored(
                "ezjail does not start this jail (ezjail_enable is not YES, or the jail is switched off)"
                    .to_owned(),
            ));
            continue;
        }
        if !enabled {
            out.push(ignored(
                "jail_enable is not YES, so rc.d/jail starts no jail at boot".to_owned(),
            ));
            continue;
        }
        if all {
            out.push(ignored(format!(
                "jail_list is empty, so it starts the jails of {jail_conf} (jail -f {jail_conf} -c) \
                 and reads no per-jail variable"
            )));
            continue;
        }
        let Some((name, _)) = listed.iter().find(|(_, jv)| jv == j.jv) else {
            out.push(ignored(
                "no word of jail_list names this jail, so it is not started from rc.conf".to_owned(),
            ));
            continue;
        };
        if !(j.rootdir && j.hostname) {
            let missing = if j.rootdir { "hostname" } else { "rootdir" };
            out.push(ignored(format!(
                "`jail_{}_{missing}` is not set, so rc.d/jail starts {name} from its jail.conf",
                j.jv
            )));
            continue;
        }
        out.push(started(
            name,
            j.jv,
            "jail_list names it",
            "remove its rc.conf variables",
            jail_conf,
            in_jail_conf(name),
            loc,
        ));
    }
    out
}

/// JV042 for jail `name` (variable infix `jv`), started from rc.conf because `why`: an
/// error when the jail.conf has a block of that name, which is then not what runs.
fn started(
    name: &str,
    jv: &str,
    why: &str,
    fix: &str,
    jail_conf: &str,
    shadowed: bool,
    loc: Option<Loc>,
) -> Diag {
    let msg = format!(
        "rc.d/jail starts jail {name} from rc.conf's `jail_{jv}_*` variables (written to \
         /var/run/jail.{name}.conf), not from {jail_conf}: {why}"
    );
    if shadowed {
        Lint::BesideStarted.error(loc, msg).with_note(format!(
            "the block {name} in {jail_conf}, with jailvol's hooks, is not what runs at boot: \
             {fix}, or remove the block"
        ))
    } else {
        Lint::BesideStarted.warning(loc, msg).with_note(
            "jailvol reads jail.conf on this host: it does not manage this jail (convert it: \
             jailvol convert --rc-conf)",
        )
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::diag::Source;
    use crate::parse::rcconf::{RcOptions, evaluate};

    fn findings(rc: &str, blocks: &[&str]) -> Vec<(String, String)> {
        let src: Arc<Source> = Source::new("rc.conf", rc);
        let (vars, _) = evaluate(&[src], &RcOptions::default()).expect("rc.conf");
        beside_jail_conf(&vars, "/etc/jail.conf", &[], &|n| blocks.contains(&n))
            .into_iter()
            .map(|d| (d.code.unwrap_or("").to_owned(), d.message))
            .collect()
    }

    #[test]
    fn empty_jail_list_ignores_every_per_jail_variable() {
        let f = findings("jail_enable=YES\njail_a_rootdir=/j/a\njail_a_hostname=a\n", &[]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].0, "JV041");
        assert!(
            f[0].1.contains("`jail_a_rootdir`") && f[0].1.contains("jail_list is empty"),
            "{f:?}"
        );
        let f = findings(
            "jail_enable=YES\njail_list='_ALL a'\njail_a_rootdir=/j/a\njail_a_hostname=a\n",
            &[],
        );
        assert!(
            f[0].1.contains("jail_list is empty"),
            "_ALL first is the same: {f:?}"
        );
    }

    #[test]
    fn a_listed_legacy_jail_is_started_from_rc_conf() {
        let rc = "jail_enable=YES\njail_list='web.front'\njail_web_front_hostname=w\njail_web_front_rootdir=/j/w\n";
        let f = findings(rc, &["web_front"]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].0, "JV042");
        assert!(f[0].1.contains("starts jail web_front from rc.conf"), "{f:?}");
        let shadow = beside_jail_conf(
            &evaluate(&[Source::new("rc.conf", rc)], &RcOptions::default())
                .expect("rc")
                .0,
            "/etc/jail.conf",
            &[],
            &|n| n == "web_front",
        );
        assert_eq!(
            shadow[0].severity,
            crate::diag::Severity::Error,
            "a jail.conf block it shadows"
        );
        let alone = beside_jail_conf(
            &evaluate(&[Source::new("rc.conf", rc)], &RcOptions::default())
                .expect("rc")
                .0,
            "/etc/jail.conf",
            &[],
            &|_| false,
        );
        assert_eq!(alone[0].severity, crate::diag::Severity::Warning);
    }

    #[test]
    fn half_set_unlisted_and_disabled_jails_are_ignored() {
        let f = findings(
            "jail_enable=YES\njail_list=a\njail_a_rootdir=/j/a\njail_b_hostname=b\n",
            &[],
        );
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(f[0].1.contains("`jail_a_hostname` is not set"), "{f:?}");
        assert!(f[1].1.contains("no word of jail_list"), "{f:?}");
        let f = findings("jail_list=a\njail_a_rootdir=/j/a\njail_a_hostname=a\n", &[]);
        assert!(f[0].1.contains("jail_enable is not YES"), "{f:?}");
        assert!(findings("jail_enable=YES\njail_list=a\njail_hostname=x\n", &[]).is_empty());
    }
}
