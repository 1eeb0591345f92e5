//! ezjail hosts (sysutils/ezjail, tomster/ezjail @9cfcbe1: `ezjail.sh`, `ezjail-admin`).
//!
//! With `ezjail_enable=YES`, ezjail.sh's `do_cmd start` lists the files of
//! `/usr/local/etc/ezjail/` with `ls | xargs rcorder` (ezjail.sh:51), skips a file
//! whose name has a dot and a jail whose `NAME.norun` exists (ezjail.sh:58-66), sources
//! the file (`export jail_NAME_*`, ezjail.sh:69) and passes the file names to
//! `sh /etc/rc.d/jail onestart NAME...` (ezjail.sh:104). So each such file name is a
//! jail rc.d/jail converts, whatever `jail_list` says. See docs/legacy.md, ezjail.

mod rcorder;

use super::{Origin, yesno};
use crate::diag::Diag;
use crate::parse::loader::Loader;
use crate::parse::rcconf::RcVars;

/// `${ezjail_prefix}/etc/ezjail/` with the prefix the port installs to (ezjail.sh:18,39).
pub const DIR: &str = "/usr/local/etc/ezjail";

/// The jails ezjail.sh starts at boot, in its order.
#[derive(Default)]
pub(super) struct List<'a> {
    pub names: Vec<String>,
    /// `ezjail_enable`, the variable behind every name.
    pub origin: Option<Origin<'a>>,
}

/// The ezjail jails of the host (none when `ezjail_enable` is not YES: rc.subr's
/// `checkyesno` on the rcvar, ezjail.sh:23-27), with a warning for each file skipped.
pub(super) fn list<'a>(vars: &'a RcVars, loader: &Loader, warnings: &mut Vec<Diag>) -> List<'a> {
    let mut out = List {
        names: Vec::new(),
        origin: None,
    };
    let Some((n, v)) = vars.vars.get_key_value("ezjail_enable") else {
        return out;
    };
    if yesno(&v.value) != Some(true) {
        return out;
    }
    out.origin = Some(Origin::of(n, v));
    let files = files(loader);
    let headers: Vec<(String, rcorder::Header)> = files
        .iter()
        .map(|(name, text)| (name.clone(), rcorder::header(text)))
        .collect();
    let (order, notes) = rcorder::order(&headers);
    for n in notes {
        warnings.push(
            Diag::warning(None, format!("{DIR}: rcorder: {n}"))
                .with_note("ezjail.sh orders its jails with rcorder(8) over these files"),
        );
    }
    let exists = |name: &str| files.iter().any(|(f, _)| f == name);
    for i in order {
        let name = &files[i].0;
        let at = Some(crate::diag::Loc::new(
            &crate::diag::Source::new(format!("{DIR}/{name}"), files[i].1.clone()),
            0,
        ));
        if let Some(base) = name.strip_suffix(".norun").filter(|b| !b.contains('.')) {
            warnings.push(
                Diag::warning(
                    at,
                    format!("ezjail jail {base} is disabled ({name}): not converted"),
                )
                .with_note("ezjail.sh skips a jail whose per-jail file is NAME.norun"),
            );
        } else if name.contains('.') {
            warnings.push(
                Diag::warning(
                    at,
                    format!("{DIR}/{name}: ezjail skips a file whose name has a dot"),
                )
                .with_note("ezjail.sh starts no jail from it (ezjail.sh: `${ezjail%.*}`)"),
            );
        } else if exists(&format!("{name}.norun")) {
            warnings.push(
                Diag::warning(
                    at,
                    format!("ezjail jail {name} is disabled ({name}.norun exists): not converted"),
                )
                .with_note("ezjail.sh reads NAME.norun in place of NAME when both exist, and skips the jail"),
            );
        } else {
            out.names.push(name.clone());
        }
    }
    out
}

/// The regular files of the directory as `ls` lists them (no dot files, sorted bytewise:
/// rc runs in the C locale), with their text; rcorder skips anything else (S_ISREG).
fn files(loader: &Loader) -> Vec<(String, String)> {
    let Ok(rd) = std::fs::read_dir(loader.real_path(DIR)) else {
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
        .filter_map(|n| {
            let host = format!("{DIR}/{n}");
            let real = loader.real_path(&host);
            if !std::fs::metadata(&real).is_ok_and(|m| m.is_file()) {
                return None;
            }
            let text = std::fs::read(&real).ok()?;
            Some((n, String::from_utf8_lossy(&text).into_owned()))
        })
        .collect()
}
