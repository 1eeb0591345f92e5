//! `generate` for hosts that keep their jails in rc.conf (`jail_NAME_*` variables):
//! FreeBSD's rc.d/jail mounts the jail's fstab (`jail_NAME_fstab`, default
//! `/etc/fstab.NAME`), so the container's root line goes at the top of that file, and
//! settings jailvol assigns go into rc.conf the way sysrc(8) writes them.
//!
//! * `mountprog` (rc.d/jail of FreeBSD 10+, which turns the fstab into `mount.fstab`):
//!   `mdN PATH ufs rw,-P,-FFILE,mountprog=HELPER 0 0`.
//! * `seed` (FreeBSD 6.x-9.x rc.d/jail, `mount -a -F FSTAB` with `jail_NAME_mount_enable`):
//!   the historical pair `md PATH md rw,-P,-FFILE` / `md PATH ufs rw,noauto` and a
//!   `mount_md` program for mount(8) to run (FreeBSD ships none).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::diag::{Diag, Source, exit};
use crate::fstab::{self, Carry};
use crate::legacy::Conversion;
use crate::lint::Lint;
use crate::parse::loader::Loader;
use crate::parse::rcconf::RcVars;
use crate::plan::{Artifact, MountProg, Options, Plan, Style};
use crate::settings::VAR_FILE;
use crate::shell;
use crate::volume;

/// Where mount(8) looks for `mount_TYPE` programs (`_PATH_SYSPATH`, sbin/mount/mount.c).
pub const MOUNT_MD: &str = "/sbin/mount_md";

const MARK: &str = "# jailvol";
/// The comment line above the seed pair, which must stay byte-exact itself.
const SEED_MARK: &str = "# jailvol: the container root of this jail (md + ufs pair); do not edit these lines";

/// The plan for an rc.conf host. `sources` are the rc.conf files as read, the first one
/// being where new settings go.
pub fn generate(
    vars: &RcVars,
    conv: &Conversion,
    sources: &[Arc<Source>],
    loader: &Loader,
    opts: &Options,
) -> Result<Plan, Vec<Diag>> {
    if opts.style == Style::Hooks {
        return Err(vec![
            Diag::error(
                None,
                "the hooks style needs jail.conf (exec.prepare/exec.release): convert the rc.conf first \
                 (jailvol convert -o /etc/jail.conf), or use --style mountprog (FreeBSD 10+) or seed (6-9)",
            )
            .with_exit(exit::USAGE),
        ]);
    }
    if !conv.errors.is_empty() {
        return Err(conv.errors.clone());
    }
    // A control character in a path, refused where rc.conf sets it (volume::collect
    // would point at the jail's hostname line).
    let errs = control_chars(conv);
    if !errs.is_empty() {
        return Err(errs);
    }
    let cfg = conv.config();
    // A jail jail(8) fails (a copied `exec.fib = one;`, legacy `Block::rejected`):
    // refused as plan::generate refuses it on a jail.conf host, not left unmanaged.
    if !cfg.errors.is_empty() {
        return Err(cfg.errors);
    }
    let mut vols = volume::collect(&cfg, None)?;
    let assigned = volume::assign_units(&mut vols);
    let mut plan = Plan::default();
    let mut rc_sets: Vec<(String, String)> = Vec::new();
    let mut fstabs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut errs = Vec::new();
    for v in &vols {
        let Some(block) = conv.blocks.iter().find(|b| b.name == v.jail) else {
            continue;
        };
        let jv = &block.jv;
        if let Some(e) = ezjail_attaches(vars, loader, block) {
            errs.push(e);
            continue;
        }
        // The seed pair takes any unit (device `md`): no unit to remember.
        if opts.style != Style::Seed && assigned.iter().any(|(j, _)| *j == v.jail) {
            let unit = v.unit.unwrap_or(volume::FIRST_UNIT);
            rc_sets.push((format!("jail_{jv}_volume_md_unit"), unit.to_string()));
        }
        match jail_lines(vars, opts, block, v, &mut rc_sets) {
            Ok((fstab, lines)) => fstabs.entry(fstab).or_default().extend(lines),
            Err(e) => errs.push(e),
        }
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    // Jails no longer managed lose what jailvol added to their fstab and rc.conf.
    let managed: std::collections::HashSet<&str> = vols.iter().map(|v| v.jail.as_str()).collect();
    let mut unmanaged_jv = Vec::new();
    for b in conv.blocks.iter().filter(|b| !managed.contains(b.name.as_str())) {
        fstabs.entry(fstab_of(vars, &b.jv, &b.name)).or_default();
        unmanaged_jv.push(b.jv.clone());
    }
    plan.artifacts = fstab_files(loader, &fstabs)?;
    if let Some(rc) = sources.first() {
        // The sets are for managed jails and never touch the lines stripped after.
        let text = strip_unit_lines(&set_vars(&rc.text, rc, vars, &rc_sets), &unmanaged_jv);
        plan.artifacts.push(Artifact {
            path: rc.name.clone(),
            content: text.into(),
            mode: 0o644,
            owned: false,
        });
    }
    if !vols.is_empty() {
        programs(opts, &mut plan);
    }
    plan.volumes = vols;
    Ok(plan)
}

/// JV022 for each converted path or container with a control character, at the rc.conf
/// assignment behind it.
fn control_chars(conv: &Conversion) -> Vec<Diag> {
    let mut errs = Vec::new();
    for b in &conv.blocks {
        for line in &b.lines {
            let what = match (line.is_var, line.name.as_ref()) {
                (false, "path") => "path",
                (true, VAR_FILE) => "container",
                _ => continue,
            };
            for v in line.values.iter() {
                if let Some(c) = fstab::control_char(v) {
                    let loc = origin(b, line.is_var, &line.name).or_else(|| b.loc.clone());
                    errs.push(
                        Lint::BadVolumeSettings
                            .diag(
                                loc,
                                format!("{}: {what} {v:?} {}", b.name, fstab::control_message(c)),
                            )
                            .with_jail(&b.name),
                    );
                }
            }
        }
    }
    errs
}

/// The refusal of an ezjail image jail that ezjail still starts: ezjail.sh attaches
/// `jail_NAME_image` itself (`mdconfig -a -t vnode -f IMG`, ezjail.sh:150-182) before
/// `rc.d/jail onestart NAME`, and its `ROOTDIR.device` fstab line stays in
/// /etc/fstab.NAME, so jailvol's root line would attach the same file a second time
/// (two md units on one image: the file system is corrupted). `jailvol migrate NAME`
/// switches the jail off in ezjail and hands it over.
fn ezjail_attaches(vars: &RcVars, loader: &Loader, block: &crate::legacy::Block<'_>) -> Option<Diag> {
    let file = crate::legacy::ezjail::config_file(vars, loader, &block.name)?;
    if !crate::legacy::ezjail::has_image(vars, &block.jv) {
        return None;
    }
    let loc = origin(block, true, VAR_FILE).or_else(|| block.loc.clone());
    Some(
        Lint::BadVolumeSettings
            .diag(
                loc,
                format!(
                    "{}: ezjail attaches this image itself while it starts the jail ({file}): a second md unit on it from jailvol would corrupt it",
                    block.name
                ),
            )
            .with_note(format!(
                "`jailvol migrate {name}` hands the jail over (ezjail stops it, {file} becomes .{name}.norun, rc.d/jail starts it on the container); generate leaves it to ezjail until then",
                name = block.name
            ))
            .with_jail(&block.name),
    )
}

/// The fstab of jail `block` with volume `v`, and the lines jailvol puts first in it;
/// the rc.conf settings the seed pair needs go to `rc_sets`.
fn jail_lines(
    vars: &RcVars,
    opts: &Options,
    block: &crate::legacy::Block<'_>,
    v: &volume::Volume,
    rc_sets: &mut Vec<(String, String)>,
) -> Result<(String, Vec<String>), Diag> {
    let jv = &block.jv;
    let fstab = fstab_of(vars, jv, &v.jail);
    if let Some(msg) = crate::plan::geli_refused(v, opts.style) {
        let loc = origin(block, true, crate::settings::VAR_ENCRYPT).or_else(|| block.loc.clone());
        return Err(Lint::BadVolumeSettings.diag(loc, msg).with_jail(v.jail.as_str()));
    }
    let bad = |s: &str| fstab::refused(s, Carry::Verbatim).is_some();
    if bad(&v.file) || bad(&v.path) || bad(&fstab) {
        return Err(Lint::BadVolumeSettings.diag(
            block.loc.clone(),
            format!(
                "{}: an fstab line cannot carry a path with blanks, ',', '#' or '\\' here \
                 (mount(8) splits options on ','; rc.d/jail tests the fstab unquoted)",
                v.jail
            ),
        ));
    }
    // Both styles pass the container as the option -FFILE.
    if v.file.contains('=') {
        let loc = origin(block, true, VAR_FILE)
            .or_else(|| origin(block, false, "path"))
            .or_else(|| block.loc.clone());
        return Err(Lint::BadVolumeSettings
            .diag(loc, fstab::equals_message(&v.jail, &v.file))
            .with_jail(v.jail.as_str()));
    }
    let lines = match opts.style {
        Style::Seed => {
            if vars
                .get(&format!("jail_{jv}_mount_enable"))
                .is_none_or(|m| !m.eq_ignore_ascii_case("yes"))
            {
                rc_sets.push((format!("jail_{jv}_mount_enable"), "YES".into()));
            }
            vec![
                SEED_MARK.to_owned(),
                format!("md {} md rw,-P,-F{}", v.path, v.file),
                format!("md {} ufs rw,noauto", v.path),
            ]
        }
        _ => {
            let prog = match opts.mountprog {
                MountProg::Helper => opts.helper.as_str(),
                MountProg::Mdmfs => "/sbin/mdmfs",
            };
            let unit = v.unit.unwrap_or(volume::FIRST_UNIT);
            vec![format!(
                "md{unit}\t{}\tufs\trw,-P,-F{},mountprog={prog}\t0\t0\t{MARK}",
                v.path, v.file
            )]
        }
    };
    Ok((fstab, lines))
}

/// Each fstab with jailvol's lines first and the rest as it was (without jailvol's old
/// lines); only those that change.
fn fstab_files(loader: &Loader, fstabs: &BTreeMap<String, Vec<String>>) -> Result<Vec<Artifact>, Vec<Diag>> {
    let mut out = Vec::new();
    for (path, ours) in fstabs {
        let old = match std::fs::read(loader.real_path(path)) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => {
                return Err(vec![
                    Diag::error(None, format!("{path}: {e}")).with_exit(exit::IOERR),
                ]);
            }
        };
        let mut content: String = ours.iter().map(|l| format!("{l}\n")).collect();
        content.push_str(&strip_ours(&old));
        if content == old {
            continue;
        }
        out.push(Artifact {
            path: path.clone(),
            content: content.into(),
            mode: 0o644,
            owned: false,
        });
    }
    Ok(out)
}

/// The program the style's lines run (`mount_md`, the helper) or the warning about it.
fn programs(opts: &Options, plan: &mut Plan) {
    match opts.style {
        Style::Seed => {
            plan.artifacts.push(Artifact {
                path: MOUNT_MD.into(),
                content: shell::helper_script().into(),
                mode: 0o755,
                owned: true,
            });
            plan.warnings.push(
                Diag::warning(
                    None,
                    "the seed pair (md + ufs lines in /etc/fstab.NAME) works only with FreeBSD's rc.d/jail \
                     before 10.0 (`mount -a -F`); from 10.0 on rc.d/jail hands the file to jail(8), which \
                     mounts the noauto line too and never unmounts the md line",
                )
                .with_note(
                    "mount(8) runs the installed /sbin/mount_md only where it execs mount_TYPE for type md; \
                     nmount-era mount(8) does not (spec §4.6a, unverified on a real 6.x-9.x system)",
                ),
            );
        }
        _ if opts.mountprog == MountProg::Helper => plan.artifacts.push(Artifact {
            path: opts.helper.clone(),
            content: shell::helper_script().into(),
            mode: 0o755,
            owned: true,
        }),
        _ => plan.warnings.push(Diag::warning(
            None,
            "mountprog=/sbin/mdmfs never runs fsck: after a crash the container is mounted unchecked",
        )),
    }
}

/// Where rc.conf sets a converted jail's parameter or variable: the assignment behind
/// its line.
fn origin(block: &crate::legacy::Block<'_>, is_var: bool, name: &str) -> Option<crate::diag::Loc> {
    block
        .lines
        .iter()
        .filter(|l| l.is_var == is_var && l.name == name)
        .flat_map(|l| l.from.iter())
        .find_map(|o| o.loc.cloned())
}

/// rc.d/jail's fstab for a jail: `jail_<jv>_fstab`, else `jail_fstab`, else
/// /etc/fstab.<_j> (libexec/rc/rc.d/jail parse_options).
pub(crate) fn fstab_of(vars: &RcVars, jv: &str, name: &str) -> String {
    vars.get(&format!("jail_{jv}_fstab"))
        .or_else(|| vars.get("jail_fstab"))
        .filter(|f| !f.is_empty())
        .map_or_else(|| format!("/etc/fstab.{name}"), str::to_owned)
}

/// rc.conf without the md-unit lines jailvol appended for these jails.
fn strip_unit_lines(text: &str, jvs: &[String]) -> String {
    text.split_inclusive('\n')
        .filter(|line| {
            let l = line.trim_end();
            !(l.ends_with(MARK)
                && jvs
                    .iter()
                    .any(|jv| l.starts_with(&format!("jail_{jv}_volume_md_unit="))))
        })
        .collect()
}

/// The fstab without jailvol's lines: lines ending in `# jailvol`, and the seed marker
/// with the two lines after it.
fn strip_ours(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut skip = 0;
    for line in text.split_inclusive('\n') {
        let l = line.trim_end_matches(['\n', '\r']);
        if skip > 0 {
            skip -= 1;
            continue;
        }
        if l == SEED_MARK {
            skip = 2;
            continue;
        }
        if l.trim_end().ends_with(MARK) {
            continue;
        }
        out.push_str(line);
    }
    out
}

/// Set rc.conf variables as sysrc(8) does: change the value of the assignment that sets
/// it in this file, keeping the rest of the line; else append `NAME="VALUE"` (marked).
pub fn set_vars(text: &str, src: &Arc<Source>, vars: &RcVars, sets: &[(String, String)]) -> String {
    let mut splices: Vec<(usize, usize, String)> = Vec::new();
    let mut appended = String::new();
    for (name, value) in sets {
        let quoted = format!("\"{}\"", value.replace(['\\', '"', '$', '`'], ""));
        let here = vars
            .vars
            .get(name.as_str())
            .filter(|v| v.loc.source.name == src.name)
            .and_then(|v| value_range(text, v.loc.offset, name));
        match here {
            Some((s, e)) => splices.push((s, e, quoted)),
            None => appended.push_str(&format!("{name}={quoted}\t{MARK}\n")),
        }
    }
    splices.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut out = text.to_owned();
    for (s, e, rep) in splices {
        out.replace_range(s..e, &rep);
    }
    if !appended.is_empty() {
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&appended);
    }
    out
}

/// The byte range of the value in `NAME=VALUE` at or after `at`: quoted and unquoted
/// pieces up to an unquoted blank, `;`, `#` or newline.
fn value_range(text: &str, at: usize, name: &str) -> Option<(usize, usize)> {
    let needle = format!("{name}=");
    let b = text.as_bytes();
    let mut from = at;
    // The name must start a word: `fstab=` inside `jail_x_fstab=` is not `b=`.
    let rel = loop {
        let hit = from + text.get(from..)?.find(&needle)?;
        if hit == 0 || !(b[hit - 1].is_ascii_alphanumeric() || b[hit - 1] == b'_') {
            break hit;
        }
        from = hit + 1;
    };
    let start = rel + name.len() + 1;
    let mut i = start;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'\'' => {
                i += 1;
                while i < b.len() && b[i] != b'\'' {
                    i += 1;
                }
                i += 1;
            }
            b'\\' => i += 2,
            b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' => break,
            _ => i += 1,
        }
    }
    Some((start, i.min(b.len())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_only_jailvols_lines() {
        let t = format!(
            "{SEED_MARK}\nmd /j md rw,-P,-F/j.img\nmd /j ufs rw,noauto\n/a /j/a nullfs ro 0 0\nmd1\t/x\tufs\trw\t0\t0\t{MARK}\n"
        );
        assert_eq!(strip_ours(&t), "/a /j/a nullfs ro 0 0\n");
    }

    #[test]
    fn value_ranges() {
        let t = "a=1 jail_x_fstab=\"/etc/f x\" # c\nb='q'\n";
        assert_eq!(
            value_range(t, 0, "jail_x_fstab").map(|(s, e)| &t[s..e]),
            Some("\"/etc/f x\"")
        );
        assert_eq!(value_range(t, 0, "b").map(|(s, e)| &t[s..e]), Some("'q'"));
    }
}
