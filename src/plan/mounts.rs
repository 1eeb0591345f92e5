//! A managed jail's `mount` parameter (issue 17). jail(8) runs the `mount` entries
//! before the `mount.fstab` lines when it starts a jail, and after them when it stops
//! one (usr.sbin/jail/jail.c `startcommands[]`: `IP_MOUNT`, then
//! `IP__MOUNT_FROM_FSTAB`; `stopcommands[]` the reverse). jailvol mounts the container
//! from the first mount.fstab line, so an entry like
//! `mount += "/usr/ports $path/usr/ports nullfs ro 0 0";` would be mounted first and
//! then hidden under the container root. generate moves such entries into the jail's
//! fstab after the root line, and sets `mount` in the jail's block to what is left.
//!
//! jail(8) parses a `mount` entry exactly as an fstab line (command.c `run_command`,
//! one case for `IP_MOUNT` and `IP__MOUNT_FROM_FSTAB`): fields split on " \t\f\v\r\n",
//! the first four used, the first two decoded with strunvis(3). So an entry moves to
//! the fstab unchanged, as its fields joined by tabs, but for one difference: jail(8)
//! cuts fstab lines at `#` (config.c `check_intparams`) and `mount` values not, so an
//! entry with a `#` is refused rather than moved.

use smallvec::SmallVec;

use crate::diag::{Diag, Loc};
use crate::lint::Lint;
use crate::locate::same_param;
use crate::model::{Config, Jail, Wanted, wild_jail_match};
use crate::parse::jailconf::{CfParam, Op, Parsed, Text};

/// What the merge for `mount` keeps of each jail.
pub static WANTED: Wanted = Wanted {
    params: &["mount"],
    vars: &[],
};

/// The fields of a `mount` entry, and the one strunvis, are the fstab module's.
pub use crate::fstab::{fields, strunvis};

/// A path as the kernel resolves it without symlinks: `//`, `.` and a trailing `/`
/// dropped, `..` taking back the component before it. jail(8) refuses a symlink in a
/// mount point below the jail's path (command.c `check_path`), so there the lexical
/// resolution is the real one.
fn resolve(p: &[u8]) -> Vec<u8> {
    let mut parts: Vec<&[u8]> = Vec::new();
    for c in p.split(|&b| b == b'/') {
        match c {
            b"" | b"." => {}
            b".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    let mut out = Vec::with_capacity(p.len());
    for c in &parts {
        out.push(b'/');
        out.extend_from_slice(c);
    }
    if out.is_empty() {
        out.push(b'/');
    }
    out
}

/// Where a mount point is relative to a jail's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// Not below the path (or not absolute: jail(8) refuses it itself).
    Outside,
    /// The jail's path itself, where the container is mounted.
    Root,
    /// Below the path: inside the container once it is mounted.
    Below,
}

/// Where `mount_point` (decoded) is relative to the jail's absolute `path`.
pub fn place(mount_point: &[u8], path: &str) -> Place {
    if mount_point.first() != Some(&b'/') {
        return Place::Outside;
    }
    let (mp, root) = (resolve(mount_point), resolve(path.as_bytes()));
    if mp == root {
        return Place::Root;
    }
    let dir: &[u8] = if root == b"/" { b"" } else { &root };
    match mp.strip_prefix(dir) {
        Some(rest) if rest.first() == Some(&b'/') => Place::Below,
        _ => Place::Outside,
    }
}

/// The statements that can set `mount`, found once for all jails: those of the
/// wildcard blocks (any jail may match them) by record.
pub struct Statements<'p> {
    parsed: &'p Parsed,
    keep: fn(&CfParam) -> bool,
    wild: Vec<(usize, SmallVec<[&'p CfParam; 1]>)>,
}

fn sets_mount(p: &CfParam) -> bool {
    !p.is_var && same_param(&p.name, "mount")
}

impl<'p> Statements<'p> {
    /// The statements `keep` accepts. None when none of them sets `mount` (nearly every
    /// configuration): then no jail has an entry, and nothing needs merging.
    pub fn find(parsed: &'p Parsed, keep: fn(&CfParam) -> bool) -> Option<Statements<'p>> {
        let any = parsed.mounts
            && parsed
                .jails
                .iter()
                .any(|r| parsed.params(r).iter().any(|p| sets_mount(p) && keep(p)));
        if !any {
            return None;
        }
        let wild = parsed
            .jails
            .iter()
            .enumerate()
            .filter(|(_, r)| r.wild())
            .map(|(i, r)| {
                let set: SmallVec<[&CfParam; 1]> = parsed
                    .params(r)
                    .iter()
                    .filter(|p| sets_mount(p) && keep(p))
                    .collect();
                (i, set)
            })
            .filter(|(_, set)| !set.is_empty())
            .collect();
        Some(Statements { parsed, keep, wild })
    }

    /// The jails with only their merged `mount` (`WANTED`), from the same statements.
    pub fn load(&self) -> Config {
        crate::model::load_filtered(self.parsed, &self.keep, Some(&WANTED))
    }

    /// The statements that set `mount` for `jail`, in jail(8)'s merge order (config.c
    /// `load_config`: the wildcard blocks in file order, the jail's own statements just
    /// before the first wildcard block after it), each with whether it is in a wildcard
    /// block after the jail; from the last one that replaces the list on.
    fn for_jail(&self, jail: &Jail) -> Vec<(&'p CfParam, bool)> {
        let own = self.parsed.jails.get(jail.record);
        let own = own
            .into_iter()
            .flat_map(|r| self.parsed.params(r).iter())
            .filter(|p| sets_mount(p) && (self.keep)(p));
        let mut out: Vec<(&CfParam, bool)> = Vec::new();
        let mut push = |p: &'p CfParam, after: bool| {
            // config.c add_param: a statement that does not append, or appends nothing,
            // drops the values before it.
            if p.op != Op::Append || p.values.is_empty() {
                out.clear();
            }
            out.push((p, after));
        };
        let mut own = Some(own);
        for (w, set) in &self.wild {
            if *w > jail.record {
                own.take().into_iter().flatten().for_each(|p| push(p, false));
            }
            let name = self.parsed.jails.get(*w).map(|r| r.name.as_str());
            if name.is_some_and(|n| wild_jail_match(&jail.name, n)) {
                set.iter().for_each(|p| push(p, *w > jail.record));
            }
        }
        own.into_iter().flatten().for_each(|p| push(p, false));
        out
    }

    /// Each of the jail's merged `mount` values (`values`) with the statement it came
    /// from and whether that is a wildcard block after the jail. None when that cannot
    /// be told: more than one whole-value variable (`mount = $list;`), which jail(8)
    /// splices into as many values as the list has, and a count that differs.
    pub fn origins(&self, jail: &Jail, values: usize) -> Option<Vec<(&'p CfParam, bool)>> {
        let stmts = self.for_jail(jail);
        let written: usize = stmts.iter().map(|(p, _)| p.values.len()).sum();
        let spliced = |s: &crate::parse::jailconf::CfString| s.text.is_empty() && s.vars.len() == 1;
        let splices = stmts
            .iter()
            .flat_map(|(p, _)| p.values.iter())
            .filter(|s| spliced(s))
            .count();
        // A spliced list has at least one value (an empty one is "variable not found").
        let extra = values.checked_sub(written)?;
        if extra > 0 && splices != 1 {
            return None;
        }
        let mut out = Vec::with_capacity(values);
        for &(p, after) in &stmts {
            for s in &p.values {
                let n = if extra > 0 && spliced(s) { 1 + extra } else { 1 };
                out.extend(std::iter::repeat_n((p, after), n));
            }
        }
        (out.len() == values).then_some(out)
    }

    /// The last statement that sets `mount` for the jail, for a message about it.
    pub fn last(&self, jail: &Jail) -> Option<&'p CfParam> {
        self.for_jail(jail).last().map(|(p, _)| *p)
    }

    /// Where statement `p` of the parse is.
    pub fn loc(&self, p: &CfParam) -> Option<Loc> {
        self.parsed.loc_of(p)
    }
}

/// The jail of `cfg` (a `Statements::load`) made from record `record`.
pub fn jail_of(cfg: &Config, record: usize) -> Option<&Jail> {
    // Jails come in record order.
    cfg.jails
        .binary_search_by_key(&record, |j| j.record)
        .ok()
        .and_then(|i| cfg.jails.get(i))
}

/// The `mount` values of a jail of `Statements::load`.
pub fn values(jail: &Jail) -> &[Text] {
    jail.entries
        .iter()
        .find(|e| !e.is_var)
        .map_or(&[], |e| e.values.as_slice())
}

/// One `mount` value and what to do with it.
#[derive(Debug)]
pub struct Entry<'v> {
    pub value: &'v str,
    pub place: Place,
    /// The fields jail(8) splits it into.
    pub fields: SmallVec<[&'v str; 6]>,
    /// The mount point could not be decoded.
    pub undecodable: bool,
}

/// Read a value as jail(8) does and place it relative to the jail's `path`.
pub fn entry<'v>(value: &'v str, path: &str) -> Entry<'v> {
    let fields: SmallVec<[&str; 6]> = fields(value).collect();
    let (place, undecodable) = match fields.get(1).map(|f| strunvis(f)) {
        None => (Place::Outside, false),
        Some(None) => (Place::Outside, true),
        Some(Some(mp)) => (place(&mp, path), false),
    };
    Entry {
        value,
        place,
        fields,
        undecodable,
    }
}

/// What generate does with a managed jail's `mount`: the fstab lines to add after the
/// root line, and the values `mount` keeps.
#[derive(Debug, Default)]
pub struct Moved {
    pub lines: String,
    pub kept: Vec<String>,
}

/// `file:line` of a statement, for a comment or message (control characters in a file
/// name shown as `?`: the comment must stay one line).
fn at(loc: &Loc) -> String {
    let file: String = loc
        .file()
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    format!("{file}:{}", loc.line())
}

/// What to do with the `mount` entries of managed jail `jail` (`values`, merged by
/// `stmts`) whose root `path` jailvol mounts from the fstab `fstab`: None when no entry
/// is below the path, else the entries to move. Refused: an entry on the path itself,
/// one with a `#`, one jail(8) cannot read, one from a wildcard block after the jail
/// (jailvol's statement in the block cannot take it out).
pub fn plan_jail(
    stmts: &Statements<'_>,
    jail: &Jail,
    values: &[Text],
    path: &str,
    fstab: &str,
) -> Result<Option<Moved>, Vec<Diag>> {
    let entries: Vec<Entry> = values.iter().map(|v| entry(v, path)).collect();
    let bad = |e: &Entry| e.place != Place::Outside || e.undecodable;
    if !entries.iter().any(bad) {
        return Ok(None);
    }
    let name = &jail.name;
    let err =
        |loc: Option<Loc>, lint: Lint, msg: String| lint.diag(loc, format!("{name}: {msg}")).with_jail(name);
    let Some(origins) = stmts.origins(jail, values.len()) else {
        return Err(vec![err(
            stmts
                .last(jail)
                .and_then(|p| stmts.loc(p))
                .or_else(|| jail.loc.clone()),
            Lint::MountBelowPath,
            format!(
                "jailvol cannot tell which statement gave each of this jail's mount entries (more than \
                 one list variable is spliced into them), and some mount below its path {path}: write \
                 the entries out"
            ),
        )]);
    };
    let mut errs = Vec::new();
    let mut moved = Moved::default();
    for (e, &(stmt, after)) in entries.iter().zip(&origins) {
        let loc = stmts.loc(stmt);
        let shown = e.value.escape_debug();
        if e.undecodable {
            errs.push(err(
                loc.clone(),
                Lint::MountBelowPath,
                format!(
                    "mount entry \"{shown}\": jail(8) cannot decode its mount point (\"fstab parse error\", \
                     a bad vis(3) escape), so jailvol cannot tell where it mounts"
                ),
            ));
            continue;
        }
        match e.place {
            Place::Outside => {
                if !after {
                    moved.kept.push(e.value.to_owned());
                }
                continue;
            }
            _ if after => errs.push(err(
                loc.clone(),
                Lint::ContainerNotFirst,
                format!(
                    "a wildcard block after the jail adds mount entry \"{shown}\" below its path {path}: \
                     jail(8) mounts \"mount\" entries before mount.fstab, so it would land under the \
                     container, and jail(8) merges this block after the jail's own, where jailvol's \
                     \"mount\" statement cannot take it out; move this statement above the jail or into \
                     its block"
                ),
            )),
            Place::Root => errs.push(err(
                loc.clone(),
                Lint::MountBelowPath,
                format!(
                    "mount entry \"{shown}\" mounts on the jail's path {path} itself, where jailvol mounts \
                     the container: remove it (the container is the jail's root)"
                ),
            )),
            Place::Below if e.fields.len() < 3 => errs.push(err(
                loc.clone(),
                Lint::MountBelowPath,
                format!(
                    "mount entry \"{shown}\" has no file system type: jail(8) refuses it (\"missing \
                     information\")"
                ),
            )),
            Place::Below if e.value.contains(crate::fstab::COMMENT) => errs.push(err(
                loc.clone(),
                Lint::MountBelowPath,
                format!(
                    "mount entry \"{shown}\" mounts below the jail's path {path} and must move to {fstab} \
                     to be mounted after the container, but it contains '#', where jail(8) cuts an fstab \
                     line: write it without '#' (a vis(3) escape such as \\043 in the first two fields)"
                ),
            )),
            Place::Below => {
                moved.lines.push_str("# moved from mount at ");
                // Every statement of the parse has its file (`Parsed::loc_of`).
                moved
                    .lines
                    .push_str(&loc.as_ref().map_or_else(|| "?".to_owned(), at));
                moved
                    .lines
                    .push_str(" (jail(8) mounts \"mount\" entries before mount.fstab)\n");
                moved.lines.push_str(&e.fields.join("\t"));
                moved.lines.push('\n');
            }
        }
    }
    if errs.is_empty() {
        Ok(Some(moved))
    } else {
        Err(errs)
    }
}

/// JV028 for check: each entry jail(8) would mount below a managed jail's `path`
/// before its container, in the configuration as it stands (jailvol's statements in).
pub fn below_path(stmts: &Statements<'_>, jail: &Jail, values: &[Text], path: &str) -> Vec<Diag> {
    let origins = stmts.origins(jail, values.len());
    let mut out = Vec::new();
    for (i, v) in values.iter().enumerate() {
        let e = entry(v, path);
        if e.place != Place::Below {
            continue;
        }
        let loc = origins
            .as_ref()
            .and_then(|o| o.get(i))
            .and_then(|(p, _)| stmts.loc(p))
            .or_else(|| jail.loc.clone());
        out.push(
            Lint::MountBelowPath
                .diag(
                loc,
                format!(
                    "{}: mount entry \"{}\" mounts below the jail's path {path}, but jail(8) mounts \"mount\" \
                     entries before mount.fstab, which mounts the container: it lands under the container \
                     and is hidden; `jailvol generate` moves it into the jail's fstab",
                    jail.name,
                    v.escape_debug()
                ),
            )
            .with_jail(&jail.name),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_like_the_kernel_resolves() {
        let p = |mp: &str, path: &str| place(mp.as_bytes(), path);
        assert_eq!(p("/j/a/usr/ports", "/j/a"), Place::Below);
        assert_eq!(p("/j/a//usr/", "/j/a/"), Place::Below);
        assert_eq!(p("/j/a", "/j/a"), Place::Root);
        assert_eq!(p("/j/a/", "/j//a"), Place::Root);
        assert_eq!(p("/j/a/./x/..", "/j/a"), Place::Root);
        assert_eq!(p("/j/ab", "/j/a"), Place::Outside);
        assert_eq!(p("/j/a/../b", "/j/a"), Place::Outside);
        assert_eq!(p("/j", "/j/a"), Place::Outside);
        assert_eq!(p("j/a/x", "/j/a"), Place::Outside);
        assert_eq!(p("/x", "/"), Place::Below);
    }
}
