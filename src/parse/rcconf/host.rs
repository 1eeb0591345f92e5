//! The host's rc.conf files, found and ordered as FreeBSD's rc.subr reads them for
//! rc.d/jail (below `--root`): file-system lookups kept apart from the evaluator.

use std::collections::HashSet;

use super::eval::Eval;
use super::{RcOptions, RcVars};
use crate::diag::{Diag, exit};
use crate::parse::loader::Loader;

fn is_file(loader: &Loader, host: &str) -> bool {
    std::fs::metadata(loader.real_path(host)).is_ok_and(|m| m.is_file())
}

fn is_dir(loader: &Loader, host: &str) -> bool {
    std::fs::metadata(loader.real_path(host)).is_ok_and(|m| m.is_dir())
}

/// Regular files in a host directory, as sh's `DIR/*` (or `ls`) lists them (no dot
/// files, sorted bytewise as in the C locale rc runs in), as host paths `DIR/NAME`.
pub fn dir_files(loader: &Loader, host_dir: &str) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(loader.real_path(host_dir)) else {
        return Vec::new();
    };
    let mut names: Vec<String> = rd
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| format!("{}/{n}", host_dir.trim_end_matches('/')))
        .filter(|p| is_file(loader, p))
        .collect()
}

/// Split a list variable as unquoted `for i in ${list}` does (IFS blanks; globs
/// expanded below the root, kept literal when nothing matches).
fn split_list(loader: &Loader, list: &str) -> Vec<String> {
    let mut out = Vec::new();
    for w in list.split([' ', '\t', '\n']).filter(|w| !w.is_empty()) {
        if w.contains(['*', '?', '[']) {
            let pat = loader.real_path(w);
            let mut hits: Vec<String> = glob::glob(&pat.to_string_lossy())
                .map(|g| g.filter_map(|p| p.ok()).map(|p| loader.host_path(&p)).collect())
                .unwrap_or_default();
            hits.sort();
            if !hits.is_empty() {
                out.extend(hits);
                continue;
            }
        }
        out.push(w.to_owned());
    }
    out
}

/// The host's files as FreeBSD reads them for rc.d/jail, below the loader's root:
/// `load_rc_config jail` (libexec/rc/rc.subr) then ezjail's per-jail files.
///
/// 1. `/etc/defaults/rc.conf`, if present, seeds default values (readable by the files,
///    not listed in the output); its `if` blocks and function are skipped silently.
/// 2. `/etc/defaults/vendor.conf` (sourced at the end of defaults/rc.conf).
/// 3. `source_rc_confs`: each file of `rc_conf_files` (default
///    `/etc/rc.conf /etc/rc.conf.local`), skipping missing and already read ones, then
///    once more with the possibly redefined `rc_conf_files`.
/// 4. `rc.conf.d/jail` (a file, or each file of the directory) below `/etc` and each
///    `local_startup` directory minus `/rc.d` (default `/usr/local/etc`).
/// 5. `/usr/local/etc/ezjail/*` (spec §3.5), minus the files ezjail.sh never sources.
pub fn load_host(loader: &Loader, opts: &RcOptions) -> Result<(RcVars, Vec<Diag>), Diag> {
    let mut ev = Eval::new(opts).with_loader(loader);
    let mut read_any = false;
    let run = |ev: &mut Eval, host: &str| -> Result<bool, Diag> {
        if !is_file(loader, host) {
            return Ok(false);
        }
        let src = loader.read(host, None)?;
        ev.run(&src)?;
        Ok(true)
    };
    if is_file(loader, "/etc/defaults/rc.conf") {
        ev.seed = true;
        run(&mut ev, "/etc/defaults/rc.conf")?;
        ev.seed = false;
    }
    read_any |= run(&mut ev, "/etc/defaults/vendor.conf")?;
    let mut sourced: HashSet<String> = HashSet::new();
    for _pass in 0..2 {
        let list = ev
            .vars
            .get("rc_conf_files")
            .map(|v| v.value.to_string())
            .unwrap_or_else(|| "/etc/rc.conf /etc/rc.conf.local".to_owned());
        for f in split_list(loader, &list) {
            if sourced.insert(f.clone()) {
                read_any |= run(&mut ev, &f)?;
            }
        }
    }
    if !read_any {
        return Err(Diag::error(None, "/etc/rc.conf: no such file").with_exit(exit::NOINPUT));
    }
    let startup = ev
        .vars
        .get("local_startup")
        .map(|v| v.value.to_string())
        .unwrap_or_else(|| "/usr/local/etc/rc.d".to_owned());
    let mut dirs = vec!["/etc".to_owned()];
    dirs.extend(split_list(loader, &startup));
    for d in dirs {
        let d = d.strip_suffix("/rc.d").unwrap_or(&d).to_owned();
        let conf = format!("{d}/rc.conf.d/jail");
        if is_file(loader, &conf) {
            run(&mut ev, &conf)?;
        } else if is_dir(loader, &conf) {
            for f in dir_files(loader, &conf) {
                run(&mut ev, &f)?;
            }
        }
    }
    // ezjail.sh sources a per-jail file only for a jail it starts: never one whose name
    // has a dot (`NAME.norun`, a disabled jail; ezjail.sh:66, before `. ${ezjail_config}`
    // at :69), nor NAME when NAME.norun exists (:58-59 read that one instead).
    let ez = dir_files(loader, "/usr/local/etc/ezjail");
    if !ez.is_empty() {
        ev.under_rc_conf();
    }
    for f in &ez {
        let name = f.rsplit('/').next().unwrap_or(f);
        if name.contains('.') || ez.iter().any(|g| *g == format!("{f}.norun")) {
            continue;
        }
        // Kept: legacy::ezjail reads the same files for their rcorder headers.
        ev.run(&loader.read_kept(f)?)?;
    }
    Ok(ev.finish())
}
