//! JV028: a managed jail's `mount` entries that jail(8) would mount below its path
//! before the container (plan::mounts has the FreeBSD sources).

use super::Report;
use crate::model::Config;
use crate::parse::jailconf::Parsed;
use crate::plan::mounts::{Statements, below_path, jail_of, values};
use crate::volume::Collected;

/// `cfg` is the admin's configuration; the entries are judged in the configuration as
/// jail(8) reads it, jailvol's statements in: once generate has moved them, the
/// `mount` it wrote in the block leaves none below the path.
pub fn lint(parsed: &Parsed, vols: &Collected, cfg: &Config, r: &mut Report) {
    if vols.vols.is_empty() {
        return;
    }
    let Some(stmts) = Statements::find(parsed, |_| true) else {
        return;
    };
    let effective = stmts.load();
    for (v, &ji) in vols.vols.iter().zip(&vols.jails) {
        let Some(j) = cfg.jails.get(ji).and_then(|j| jail_of(&effective, j.record)) else {
            continue;
        };
        for d in below_path(&stmts, j, values(j), &v.path) {
            r.push(d);
        }
    }
}
