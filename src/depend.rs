//! Dependencies between jails, as `jail -c` resolves them (usr.sbin/jail/state.c
//! `dep_setup`, `dep_check`): every `depend` value must name a jail of the file
//! ("depends on undefined jail"), a cycle fails the first jail of it in file order
//! ("dependency loop"), and a jail whose dependency fails — including the light,
//! implied dependency of `a.b` on `a` — is skipped.

use std::collections::{HashMap, VecDeque};

use crate::diag::Diag;
use crate::model::Config;
use crate::parse::jailconf::Parsed;

/// Whether dependencies can fail any jail of this file: some `depend` statement, or a
/// hierarchical jail `a.b` whose parent `a` is in the file.
pub fn matters(parsed: &Parsed) -> bool {
    // The parser noted a `depend` statement as it made it (`Parsed::depends`).
    parsed.depends || parent_in_file(parsed)
}

/// `matters`, once the configuration is loaded: a loaded jail with `depend` (from its
/// block or a wildcard) instead of every statement of the file. A `depend` only in a
/// jail that failed to load, or in a wildcard block no jail matches, cannot fail
/// another jail: `analyze` does not follow a failed jail's own dependencies.
pub fn matters_loaded(parsed: &Parsed, cfg: &Config) -> bool {
    let find = crate::locate::Finder::new(["depend"], []);
    cfg.jails.iter().any(|j| find.get(j).0[0].is_some()) || parent_in_file(parsed)
}

/// Some jail `a.b` of the file has its parent `a` in the file too.
fn parent_in_file(parsed: &Parsed) -> bool {
    // Most files have no dotted name (the parser noted whether one has).
    if !parsed.dotted {
        return false;
    }
    let names: std::collections::HashSet<&str> = parsed.jails.iter().map(|r| r.name.as_str()).collect();
    parsed
        .jails
        .iter()
        .any(|r| r.name.rfind('.').is_some_and(|d| names.contains(&r.name[..d])))
}

/// Apply jail(8)'s dependency checks: failing jails move from `cfg.jails` to
/// `cfg.errors`.
pub fn check(parsed: &Parsed, cfg: &mut Config) {
    let (errors, failing) = analyze(parsed, cfg);
    if errors.is_empty() {
        return;
    }
    cfg.errors.extend(errors);
    let mut i = 0;
    cfg.jails.retain(|_| {
        i += 1;
        !failing.contains(&(i - 1))
    });
}

/// The dependency errors jail(8) would report, and the indices (in `cfg.jails`) of the
/// jails they fail.
pub fn analyze(parsed: &Parsed, cfg: &Config) -> (Vec<Diag>, std::collections::HashSet<usize>) {
    // Every jail of the file, failed or not (cfjails after the wildcards are set aside).
    let records: Vec<usize> = (0..parsed.jails.len())
        .filter(|&i| !parsed.jails[i].wild())
        .collect();
    let pos: HashMap<usize, usize> = records.iter().enumerate().map(|(k, &r)| (r, k)).collect();
    // find_jail() is a bsearch by name: with duplicate names any one of them; take the first.
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    for (k, &r) in records.iter().enumerate() {
        by_name.entry(parsed.jails[r].name.as_str()).or_insert(k);
    }
    let n = records.len();
    let mut failed = vec![true; n];
    let mut jail_of: Vec<Option<usize>> = vec![None; n];
    for (ji, j) in cfg.jails.iter().enumerate() {
        if let Some(&k) = pos.get(&j.record) {
            failed[k] = false;
            jail_of[k] = Some(ji);
        }
    }
    let mut errors: Vec<(usize, String)> = Vec::new();
    // Edges k -> dependee, hard or light.
    let mut deps_of: Vec<Vec<(usize, bool)>> = vec![Vec::new(); n];
    let (mut hard, mut light) = (0usize, 0usize);
    for k in 0..n {
        if failed[k] {
            continue;
        }
        let Some(ji) = jail_of[k] else { continue };
        let j = &cfg.jails[ji];
        if let Some(p) = j.param("depend") {
            for v in &p.values {
                match by_name.get(v.as_str()) {
                    Some(&d) => {
                        hard += 1;
                        deps_of[k].push((d, false));
                    }
                    None => {
                        errors.push((k, format!("{}: depends on undefined jail \"{v}\"", j.name)));
                        failed[k] = true;
                    }
                }
            }
        }
        if let Some(dot) = j.name.rfind('.')
            && let Some(&d) = by_name.get(&j.name[..dot])
        {
            light += 1;
            deps_of[k].push((d, true));
        }
    }
    // Loops: Kahn's algorithm in file order; the first jail still waiting is failed.
    if hard > 1 || (hard > 0 && light > 0) {
        let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut waiting: Vec<usize> = vec![0; n];
        for k in 0..n {
            for &(d, _) in &deps_of[k] {
                dependents[d].push(k);
                waiting[k] += 1;
            }
        }
        let mut ready: VecDeque<usize> = (0..n).filter(|&k| waiting[k] == 0).collect();
        let mut done = vec![false; n];
        loop {
            while let Some(k) = ready.pop_front() {
                if done[k] {
                    continue;
                }
                done[k] = true;
                for &dk in &dependents[k] {
                    if done[dk] {
                        continue;
                    }
                    waiting[dk] = waiting[dk].saturating_sub(1);
                    if waiting[dk] == 0 {
                        ready.push_back(dk);
                    }
                }
            }
            let Some(k) = (0..n).find(|&k| !done[k]) else {
                break;
            };
            errors.push((k, format!("{}: dependency loop", parsed.jails[records[k]].name)));
            failed[k] = true;
            ready.push_back(k);
        }
    }
    // dep_check(): a jail whose dependee failed is skipped, and so on down the chain.
    let mut changed = true;
    while changed {
        changed = false;
        for k in 0..n {
            if failed[k] {
                continue;
            }
            if let Some(&(d, _)) = deps_of[k].iter().find(|(d, _)| failed[*d]) {
                let name = &parsed.jails[records[k]].name;
                let dep = &parsed.jails[records[d]].name;
                errors.push((
                    k,
                    format!("{name}: skipped: it depends on jail \"{dep}\", which fails"),
                ));
                failed[k] = true;
                changed = true;
            }
        }
    }
    let diags = errors
        .into_iter()
        .map(|(k, msg)| {
            let loc = jail_of[k]
                .map(|ji| crate::locate::statement(parsed, &cfg.jails[ji], "depend", false))
                .unwrap_or_else(|| parsed.jails[records[k]].loc());
            Diag::error(loc, msg)
        })
        .collect();
    let failing = (0..n).filter(|&k| failed[k]).filter_map(|k| jail_of[k]).collect();
    (diags, failing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Source;
    use crate::parse::jailconf::parse_source;
    use crate::parse::loader::Loader;

    fn run(text: &str) -> (Vec<String>, Vec<String>) {
        let parsed = parse_source(&Loader::default(), Source::new("t.conf", text), false).unwrap();
        let mut cfg = crate::model::load(&parsed);
        check(&parsed, &mut cfg);
        (
            cfg.jails.iter().map(|j| j.name.clone()).collect(),
            cfg.errors.iter().map(|e| e.message.clone()).collect(),
        )
    }

    #[test]
    fn undefined_dependency_fails_the_jail() {
        let (ok, errs) = run("a { depend = b; } c { }");
        assert_eq!(ok, vec!["c"]);
        assert_eq!(errs, vec!["a: depends on undefined jail \"b\""]);
    }

    #[test]
    fn a_loop_fails_its_first_jail_and_skips_the_rest() {
        let (ok, errs) = run("a { depend = b; } b { depend = a; } c { depend = b; } d { }");
        assert_eq!(ok, vec!["d"]);
        assert_eq!(errs[0], "a: dependency loop");
        assert!(errs.contains(&"b: skipped: it depends on jail \"a\", which fails".to_string()));
        assert!(errs.iter().any(|e| e.starts_with("c: skipped")));
    }

    #[test]
    fn valid_chains_and_children_pass() {
        let (ok, errs) = run("a { } a.b { depend = c; } c { depend = a; }");
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(ok, vec!["a", "a.b", "c"]);
    }

    #[test]
    fn matters_only_with_depend_or_a_parent_in_the_file() {
        // Before and after loading, the same answer where a jail loads.
        let m = |t: &str| {
            let parsed = parse_source(&Loader::default(), Source::new("t.conf", t), false).unwrap();
            let loaded = matters_loaded(&parsed, &crate::model::load(&parsed));
            assert_eq!(matters(&parsed), loaded, "{t}");
            loaded
        };
        assert!(m("a { depend = b; }"));
        assert!(m("* { depend = b; } a { }"));
        assert!(m("a { nodepend; }"));
        // Statements the token path reads (an escape, a value over two lines).
        assert!(m("a { depend = \"b\\x\"; }"));
        assert!(m("a { depend =\n b,\n c; }"));
        assert!(!m("a { xdepend = b; yy.depend = c; }"));
        assert!(m("a { } a.b { }"));
        assert!(m("a.b { } a { }"));
        assert!(!m("a { } b { $depend = x; }"));
        assert!(!m("a { } b.c { }"));
        assert!(!m("a { } b { path = /depend; }"));
        // Where it says no, the full analysis finds nothing either.
        for t in ["a { path = \"$x\"; } b { }", "a { } b.c { } c.d.e { }"] {
            let parsed = parse_source(&Loader::default(), Source::new("t.conf", t), false).unwrap();
            assert!(!matters(&parsed) && !matters_loaded(&parsed, &crate::model::load(&parsed)));
            assert!(analyze(&parsed, &crate::model::load(&parsed)).0.is_empty(), "{t}");
        }
    }

    /// Where the two disagree (a `depend` no loaded jail has), the analysis finds
    /// nothing either: check, which asks `matters_loaded`, loses no finding.
    #[test]
    fn a_depend_no_loaded_jail_has_fails_nothing() {
        for t in [
            "a { path = \"$x\"; depend = b; } b { }",
            "\"x.*\" { depend = nope; } a { } b { }",
        ] {
            let parsed = parse_source(&Loader::default(), Source::new("t.conf", t), false).unwrap();
            let cfg = crate::model::load(&parsed);
            assert!(matters(&parsed) && !matters_loaded(&parsed, &cfg), "{t}");
            assert!(analyze(&parsed, &cfg).0.is_empty(), "{t}");
        }
    }

    #[test]
    fn a_child_of_a_failing_parent_is_skipped() {
        let (ok, errs) = run("a { path = \"$x\"; } a.b { }");
        assert!(ok.is_empty());
        assert!(errs.iter().any(|e| e.starts_with("a.b: skipped")), "{errs:?}");
    }
}
