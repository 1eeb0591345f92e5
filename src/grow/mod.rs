//! `grow JAIL SIZE`: make a container bigger (docs/grow-status.md).
//!
//! Stopped jail (not running per `jls -j NAME jid`, root not mounted): extend the file
//! (posix_fallocate of the new range, zero-fill where refused, `--sparse` ftruncate),
//! make md see the new size (`mdconfig -a` when the unit is not attached; when it is,
//! `mdconfig -r -u N -s SIZE`, FreeBSD 10.0+, else detach and re-attach), `fsck -t ufs
//! -p /dev/mdN` (growfs refuses a file system marked FS_UNCLEAN or FS_NEEDSFSCK, which
//! an unchecked read-write mount after a crash leaves: sbin/growfs/growfs.c `main`),
//! `growfs -y /dev/mdN`, `fsck -t ufs -p /dev/mdN` again (growfs.8), detach what
//! jailvol attached, then write the new `$volume_size` into jail.conf.
//!
//! Running jail (or a mounted root): only with `--online`: `growfs -N /dev/mdN` first (it
//! changes nothing, and refuses an unclean file system before any size check, so such a
//! file system is refused before anything is touched: it cannot be checked while
//! mounted), extend, `mdconfig -r`, `growfs -y` on the mounted file system (FreeBSD
//! 10.0+), config. Without `--online` the steps are printed and nothing is touched.
//!
//! Failure rules: a failed extension is truncated back (nothing changed). After the file
//! was extended, the filesystem is never shrunk back: until growfs succeeds the container
//! is intact at its old size inside a bigger file, and a second `jailvol grow` finishes
//! the job. The configuration changes only after growfs succeeded.
//!
//! A geli container (`$volume_encrypt = geli`) grows offline only, with the jail stopped
//! and its unit detached: `geli resize` opens the md provider for writing
//! (sbin/geom/class/eli/geom_eli.c `eli_resize`: `g_open(prov, 1)`), which an attached
//! `mdN.eli` keeps from it. Extend, `mdconfig -a` (md sees the new size), `geli resize -s
//! OLDSIZE mdN` (moves the metadata from the old last sector to the new one; skipped
//! when `geli dump mdN` already finds it there: an earlier grow moved it), `geli attach
//! -p -k KEYFILE mdN`, fsck, `growfs -y /dev/mdN.eli`, fsck, `geli detach mdN.eli`,
//! `mdconfig -d`, config.
//!
//! In the engine's terms (src/engine): the extension's undo is for a failed extension
//! only; the attach's undo is the detach; growfs is the commit step (no interrupt stops
//! the run after it); the fsck after it, the detach and the configuration are finishing
//! steps, whose failures are reported at the end with what is left to do.

mod edit;
mod run;

use std::path::Path;

use crate::diag::{Diag, exit};
use crate::engine::{self, Lock, Step, Undo};
use crate::exec::{Cmd, Host, Runner};
use crate::shell;
use crate::status;
use crate::ufs;
use crate::volume::{VAR_SIZE, Volume, format_size, parse_size};

pub use crate::engine::run::Report;
pub use edit::{config_edit, verify_edit};

/// The SIZE argument: `3G`, or `+1G` relative to the configured size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeArg {
    Absolute(u64),
    Relative(u64),
}

pub fn parse_size_arg(s: &str) -> Result<SizeArg, String> {
    let (rel, num) = match s.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let n = parse_size(num)
        .ok_or_else(|| format!("\"{s}\" is not a size (a number with k, m, g or t, optionally after +)"))?;
    Ok(if rel {
        SizeArg::Relative(n)
    } else {
        SizeArg::Absolute(n)
    })
}

/// The new size from the configured one; refuses shrinking, no-ops and odd sizes.
pub fn new_size(jail: &str, current: u64, arg: SizeArg) -> Result<u64, Diag> {
    let usage = |m: String| Diag::error(None, format!("{jail}: {m}")).with_exit(exit::USAGE);
    let new = match arg {
        SizeArg::Absolute(n) => n,
        SizeArg::Relative(n) => current
            .checked_add(n)
            .ok_or_else(|| usage("the size overflows".into()))?,
    };
    if new % 512 != 0 {
        return Err(usage(format!(
            "{new} bytes is not a whole number of 512-byte sectors"
        )));
    }
    if new < current {
        return Err(usage(format!(
            "{} is smaller than the container ({}): jailvol never shrinks a container (UFS cannot shrink)",
            format_size(new),
            format_size(current)
        )));
    }
    if new == current {
        return Err(usage(format!(
            "the container is already {}: nothing to grow",
            format_size(current)
        )));
    }
    Ok(new)
}

/// What the host shows about the container before anything is done.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    pub running: bool,
    /// The device mounted at the jail's path.
    pub mounted_from: Option<String>,
    /// The configured unit: None when not attached, else its backing file.
    pub unit_file: Option<Option<String>>,
    /// Units backed by the container file.
    pub file_units: Vec<u32>,
    /// Where /dev/mdN of the configured unit is mounted, if anywhere.
    pub unit_mounted_on: Option<String>,
}

impl State {
    pub fn online(&self) -> bool {
        self.running || self.mounted_from.is_some()
    }
    pub fn attached_here(&self, file: &str) -> bool {
        matches!(&self.unit_file, Some(Some(f)) if f == file)
    }
    pub fn describe(&self, unit: u32, file: &str) -> String {
        let run = if self.running { "running" } else { "stopped" };
        let mnt = match &self.mounted_from {
            Some(d) => format!("root mounted from {d}"),
            None => "root not mounted".into(),
        };
        let att = if self.attached_here(file) {
            format!("md{unit} attached")
        } else {
            format!("md{unit} not attached")
        };
        format!("{run}, {mnt}, {att}")
    }
}

/// Read the state with `jls`, `mdconfig -l -v` and `mount -p`. `file` and `path` as
/// used on this machine; the commands name them by their realpaths (mdconfig.c
/// `md_set_file`, mount(8)), which are compared too and reported as `file` and `path`.
pub fn observe(
    jail: &str,
    file: &str,
    path: &str,
    unit: u32,
    runner: &mut dyn Runner,
    host: &dyn Host,
) -> Result<State, String> {
    let running = status::jail_running(runner, jail)?.is_some();
    let snap = status::snapshot(runner);
    let (Some(units), Some(mounts)) = (&snap.units, &snap.mounts) else {
        return Err(snap.warnings.join("; "));
    };
    let kfile = status::kernel_name(host, file);
    let kpath = status::kernel_name(host, path);
    let this_file = |f: &str| f == kfile || f == file;
    let this_path = |p: String| if p == kpath { path.to_owned() } else { p };
    Ok(State {
        running,
        mounted_from: status::mount_at(mounts, &kpath)
            .or_else(|| status::mount_at(mounts, path))
            .map(|m| m.device),
        unit_file: units.iter().find(|u| u.unit == unit).map(|u| match &u.file {
            Some(f) if this_file(f) => Some(file.to_owned()),
            Some(f) => Some(f.clone()),
            None => Some(format!("({} disk)", u.kind)),
        }),
        file_units: units
            .iter()
            .filter(|u| u.file.as_deref().is_some_and(this_file))
            .map(|u| u.unit)
            .collect(),
        unit_mounted_on: status::mount_of(mounts, &format!("/dev/md{unit}")).map(this_path),
    })
}

/// One container to grow, with paths as used on this machine.
#[derive(Debug, Clone)]
pub struct Target {
    pub jail: String,
    pub file: String,
    pub unit: u32,
    /// `$volume_size` now.
    pub old: u64,
    /// The file's size now (bigger than `old` after an unfinished grow).
    pub file_size: u64,
    pub new: u64,
    pub sparse: bool,
    /// The filesystem already fills the file (an earlier grow got past growfs).
    pub fs_grown: bool,
    /// A geli container: its keyfile, as used on this machine.
    pub geli_keyfile: Option<String>,
}

impl Target {
    pub fn new(v: &Volume, file: String, unit: u32, file_size: u64, new: u64, sparse: bool) -> Target {
        Target {
            jail: v.jail.to_string(),
            file,
            unit,
            old: v.size,
            file_size,
            new,
            sparse,
            fs_grown: false,
            geli_keyfile: None,
        }
    }
    /// The target of a geli container, attached with `keyfile` (as used on this machine).
    pub fn with_geli(mut self, keyfile: Option<String>) -> Target {
        self.geli_keyfile = keyfile;
        self
    }
    fn cmd(&self, v: &[&str]) -> Cmd {
        Cmd::Run(v.iter().map(|s| (*s).to_owned()).collect())
    }
    /// The device the file system is on (`/dev/mdN.eli` for a geli container).
    fn dev(&self) -> String {
        crate::volume::fs_device(self.unit, self.geli_keyfile.is_some())
    }
    fn attach(&self) -> Cmd {
        self.cmd(&[
            "mdconfig",
            "-a",
            "-t",
            "vnode",
            "-f",
            &self.file,
            "-u",
            &self.unit.to_string(),
        ])
    }
    fn detach(&self) -> Cmd {
        self.cmd(&["mdconfig", "-d", "-u", &self.unit.to_string()])
    }
    fn geli_detach(&self) -> Cmd {
        Cmd::Run(crate::create::geli_detach_words(self.unit))
    }
    fn fsck(&self) -> Cmd {
        self.cmd(&["fsck", "-t", "ufs", "-p", &self.dev()])
    }
}

/// A size for `mdconfig -s`: a plain number there counts 512-byte sectors, so bytes
/// that are not a whole K, M, G or T get the `b` suffix.
pub fn md_size(bytes: u64) -> String {
    let s = format_size(bytes);
    if s.ends_with(['K', 'M', 'G', 'T']) {
        s
    } else {
        format!("{bytes}b")
    }
}

/// What a step of `grow` does, or undoes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `growfs -N /dev/mdN` before anything (online): test mode, which reads the
    /// superblock and refuses an unclean file system before anything else.
    Probe(Cmd),
    /// Claim `[from, to)` of the file.
    Extend {
        file: String,
        from: u64,
        to: u64,
        sparse: bool,
    },
    /// `mdconfig -a -t vnode -f FILE -u N` (the unit then has the file's new size).
    Attach(Cmd),
    /// `mdconfig -r -u N -s SIZE`; with `fallback` (detach, attach), where mdconfig has
    /// no `-r` (before FreeBSD 10), detach and attach again.
    Resize {
        cmd: Cmd,
        fallback: Option<(Cmd, Cmd)>,
    },
    /// `fsck -t ufs -p` before growfs (offline): preens a file system left unclean, which
    /// growfs refuses.
    Check(Cmd),
    /// `growfs -y`; `online` on the mounted file system of a running jail.
    Growfs {
        cmd: Cmd,
        online: bool,
    },
    /// `fsck -t ufs -p` after growfs, as growfs.8 recommends.
    Fsck(Cmd),
    Detach(Cmd),
    /// `geli resize -s OLDSIZE mdN`, unless `dump` (`geli dump mdN`) finds the metadata in
    /// the provider's last sector already.
    GeliResize {
        resize: Cmd,
        dump: Cmd,
    },
    /// `geli attach -p -k KEYFILE mdN`.
    GeliAttach(Cmd),
    /// `geli detach mdN.eli`.
    GeliDetach(Cmd),
    /// Write `$volume_size` into `file`, the configuration.
    WriteConfig {
        file: String,
        value: String,
    },
    /// Undo a failed extension: ftruncate back to `size`.
    Truncate {
        file: String,
        size: u64,
    },
}

impl engine::Op for Op {
    /// The commands grow/run.rs runs as processes, in order; `Resize`'s fallback runs
    /// only where mdconfig has no `-r`, and `GeliResize`'s resize only when its dump does
    /// not find the metadata at the end already.
    fn argv(&self) -> Vec<Vec<String>> {
        let all = Cmd::argv;
        match self {
            Op::Probe(c)
            | Op::Attach(c)
            | Op::Check(c)
            | Op::Fsck(c)
            | Op::Detach(c)
            | Op::GeliAttach(c)
            | Op::GeliDetach(c)
            | Op::Resize { cmd: c, .. }
            | Op::Growfs { cmd: c, .. } => all(c),
            Op::GeliResize { resize, dump } => [all(dump), all(resize)].concat(),
            Op::Extend { .. } | Op::WriteConfig { .. } | Op::Truncate { .. } => Vec::new(),
        }
    }

    fn show(&self) -> String {
        match self {
            Op::Probe(c) => format!(
                "{}\n#   (changes nothing: growfs refuses an unclean file system before anything else)\n",
                c.render()
            ),
            Op::Extend {
                file,
                from,
                to,
                sparse: false,
            } => format!(
                "# extend: posix_fallocate({}, {from}, {}); where the filesystem refuses (ZFS), write {} zero bytes at {from}\n",
                shell::quote(file),
                to - from,
                to - from
            ),
            Op::Extend {
                file,
                to,
                sparse: true,
                ..
            } => format!("{}\n", shell::command(&["truncate", "-s", &to.to_string(), file])),
            Op::Resize { cmd, fallback } => {
                let mut s = format!("{}\n", cmd.render());
                if let Some((d, a)) = fallback {
                    s.push_str(&format!(
                        "#   (mdconfig without -r, before FreeBSD 10: {}; {})\n",
                        d.render(),
                        a.render()
                    ));
                }
                s
            }
            Op::GeliResize { resize, dump } => format!(
                "{}\n#   (skipped when `{}` finds the metadata at the end already: an earlier grow moved it)\n",
                resize.render(),
                dump.render()
            ),
            Op::Attach(c)
            | Op::Check(c)
            | Op::Growfs { cmd: c, .. }
            | Op::Fsck(c)
            | Op::Detach(c)
            | Op::GeliAttach(c)
            | Op::GeliDetach(c) => {
                format!("{}\n", c.render())
            }
            Op::WriteConfig { file, value } => format!("# then: ${VAR_SIZE} = {value} in {file}\n"),
            Op::Truncate { file, size } => {
                format!(
                    "{}\n",
                    shell::command(&["truncate", "-s", &size.to_string(), file])
                )
            }
        }
    }
}

/// A grow plan.
pub type Plan = engine::Plan<Op>;

/// The plan. Pure. `state` describes what [`observe`] saw; `config` is the file the new
/// size goes to.
pub fn plan(t: &Target, st: &State, online: bool, state: &str, config: &str) -> Plan {
    let mut p = Plan::new(t.jail.clone());
    p.head.push(format!(
        "{}: {} {} -> {} as md{} ({state})",
        t.jail,
        shell::quote(&t.file),
        format_size(t.old),
        format_size(t.new),
        t.unit
    ));
    if t.file_size != t.old {
        p.head.push(format!(
            "the file is already {} bytes (an unfinished grow)",
            t.file_size
        ));
    }
    let lock = format!("{}.lock", t.file);
    p.lock = Some(Lock {
        busy: format!("cannot lock {lock}: another jailvol run holds it"),
        path: lock,
    });
    p.committed = t.fs_grown;
    let u = t.unit.to_string();
    if online {
        p.push(Step::new("probe", Op::Probe(t.cmd(&["growfs", "-N", &t.dev()]))));
    }
    if t.file_size < t.new {
        let extend = Op::Extend {
            file: t.file.clone(),
            from: t.file_size,
            to: t.new,
            sparse: t.sparse,
        };
        let truncate = Op::Truncate {
            file: t.file.clone(),
            size: t.file_size,
        };
        p.push(Step::new("extend", extend).undo(Undo::new(truncate).partial_only()));
    }
    let resize = t.cmd(&["mdconfig", "-r", "-u", &u, "-s", &md_size(t.new)]);
    let growfs = t.cmd(&["growfs", "-y", &t.dev()]);
    let config = Op::WriteConfig {
        file: config.to_owned(),
        value: format_size(t.new),
    };
    if online {
        p.push(Step::new(
            "resize",
            Op::Resize {
                cmd: resize,
                fallback: None,
            },
        ));
        p.push(
            Step::new(
                "growfs",
                Op::Growfs {
                    cmd: growfs,
                    online: true,
                },
            )
            .commit(),
        );
        p.push(Step::new("config", config).late());
        return p;
    }
    let attached = st.attached_here(&t.file);
    if attached {
        let fallback = Some((t.detach(), t.attach()));
        p.push(Step::new(
            "resize",
            Op::Resize {
                cmd: resize,
                fallback,
            },
        ));
    } else {
        p.push(Step::new("attach", Op::Attach(t.attach())).undo(Undo::new(Op::Detach(t.detach()))));
    }
    geli_open(t, &mut p);
    p.push(Step::new("check", Op::Check(t.fsck())));
    if !t.fs_grown {
        p.push(
            Step::new(
                "growfs",
                Op::Growfs {
                    cmd: growfs,
                    online: false,
                },
            )
            .commit(),
        );
        p.push(Step::new("fsck", Op::Fsck(t.fsck())).late());
    } else {
        p.foot
            .push("growfs skipped: the filesystem already fills the file".into());
    }
    if t.geli_keyfile.is_some() {
        p.push(
            Step::new("geli-detach", Op::GeliDetach(t.geli_detach()))
                .releases("geli-attach")
                .late(),
        );
    }
    if !attached {
        p.push(
            Step::new("detach", Op::Detach(t.detach()))
                .releases("attach")
                .late(),
        );
    }
    p.push(Step::new("config", config).late());
    p
}

/// Why a geli container cannot be grown in this state, when it cannot: only stopped and
/// detached (`geli resize` opens the md provider for writing, which an attached
/// `mdN.eli` holds exclusively: geom_eli.c `eli_resize`).
pub fn geli_refusal(t: &Target, st: &State) -> Option<String> {
    t.geli_keyfile.as_ref()?;
    (st.online() || st.attached_here(&t.file) || !st.file_units.is_empty()).then(|| {
        format!(
            "{}: a geli container grows only with the jail stopped and md{} detached ({}): geli resize \
             cannot open the provider while mdN.eli holds it; stop the jail (its exec.release detaches \
             both), then run grow again",
            t.jail,
            t.unit,
            st.describe(t.unit, &t.file)
        )
    })
}

/// The geli steps between the md attach and the fsck: offline and detached only
/// (`geli_refusal`), so md has the new size by now.
fn geli_open(t: &Target, p: &mut Plan) {
    if let Some(key) = &t.geli_keyfile {
        let prov = format!("md{}", t.unit);
        p.push(Step::new(
            "geli-resize",
            Op::GeliResize {
                resize: t.cmd(&["geli", "resize", "-s", &t.old.to_string(), &prov]),
                dump: t.cmd(&["geli", "dump", &prov]),
            },
        ));
        p.push(
            Step::new(
                "geli-attach",
                Op::GeliAttach(Cmd::Run(crate::create::geli_attach_words(t.unit, key))),
            )
            .undo(Undo::new(Op::GeliDetach(t.geli_detach())).holding(&["attach"])),
        );
    }
}

/// The plan as sh, one step a line: what `--dry-run` prints (and a refused online grow).
pub fn render(plan: &Plan) -> String {
    plan.text()
}

/// The filesystem size its superblock records, in bytes.
pub fn fs_size(host: &dyn Host, file: &Path) -> Option<u64> {
    let head = host.read_head(file, ufs::SEARCH_SPAN).ok()?;
    let sb = ufs::find_superblock(&head)?;
    u64::try_from(sb.size_frags)
        .ok()
        .map(|f| f.saturating_mul(u64::from(sb.fsize)))
}

/// Run the plan for one container, holding its lock (`FILE.lock`, as `create` does).
/// `write_config` writes the new size and returns the file it wrote.
pub fn execute(
    t: &Target,
    plan: &Plan,
    runner: &mut dyn Runner,
    host: &mut dyn Host,
    write_config: &mut dyn FnMut() -> Result<String, String>,
    verbose: &mut dyn FnMut(&str),
    progress: &mut dyn FnMut(&str),
) -> Result<Report, Diag> {
    let mut ops = run::GrowOps::new(t, runner, host, write_config, verbose);
    engine::run::execute(plan, &mut ops, progress)
}

#[cfg(test)]
mod tests;
