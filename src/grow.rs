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

use std::path::{Path, PathBuf};

use crate::diag::{Diag, exit};
use crate::exec::{Alloc, AllocMethod, Cmd, Host, Runner};
use crate::parse::jailconf::{Op, Parsed};
use crate::shell;
use crate::status;
use crate::ufs;
use crate::volume::{VAR_SIZE, Volume, format_size, parse_size};

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
}

impl Target {
    pub fn new(v: &Volume, file: String, unit: u32, file_size: u64, new: u64, sparse: bool) -> Target {
        Target {
            jail: v.jail.clone(),
            file,
            unit,
            old: v.size,
            file_size,
            new,
            sparse,
            fs_grown: false,
        }
    }
    fn dev(&self) -> String {
        format!("/dev/md{}", self.unit)
    }
    fn cmd(&self, what: &Action) -> Option<Cmd> {
        let u = self.unit.to_string();
        let w = |v: &[&str]| Cmd::Run(v.iter().map(|s| (*s).to_owned()).collect());
        Some(match what {
            Action::Attach => w(&["mdconfig", "-a", "-t", "vnode", "-f", &self.file, "-u", &u]),
            Action::Resize { .. } => w(&["mdconfig", "-r", "-u", &u, "-s", &md_size(self.new)]),
            Action::Probe => w(&["growfs", "-N", &self.dev()]),
            Action::Growfs => w(&["growfs", "-y", &self.dev()]),
            Action::Check | Action::Fsck => w(&["fsck", "-t", "ufs", "-p", &self.dev()]),
            Action::Detach => w(&["mdconfig", "-d", "-u", &u]),
            Action::Extend { .. } | Action::WriteConfig => return None,
        })
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `growfs -N /dev/mdN` before anything (online): test mode, which reads the
    /// superblock and refuses an unclean file system before anything else.
    Probe,
    /// Claim `[from, to)` of the file.
    Extend {
        from: u64,
        to: u64,
        sparse: bool,
    },
    /// `mdconfig -a -t vnode -f FILE -u N` (the unit then has the file's new size).
    Attach,
    /// `mdconfig -r -u N -s SIZE`; with `fallback`, where mdconfig has no `-r` (before
    /// FreeBSD 10), detach and attach again.
    Resize {
        fallback: bool,
    },
    /// `fsck -t ufs -p` before growfs (offline): preens a file system left unclean, which
    /// growfs refuses.
    Check,
    Growfs,
    /// `fsck -t ufs -p` after growfs, as growfs.8 recommends.
    Fsck,
    Detach,
    /// Write `$volume_size` into the configuration.
    WriteConfig,
}

/// The steps. Pure.
pub fn plan(t: &Target, st: &State, online: bool) -> Vec<Action> {
    let mut out = Vec::new();
    if online {
        out.push(Action::Probe);
    }
    if t.file_size < t.new {
        out.push(Action::Extend {
            from: t.file_size,
            to: t.new,
            sparse: t.sparse,
        });
    }
    if online {
        out.push(Action::Resize { fallback: false });
        out.push(Action::Growfs);
        out.push(Action::WriteConfig);
        return out;
    }
    let attached = st.attached_here(&t.file);
    out.push(if attached {
        Action::Resize { fallback: true }
    } else {
        Action::Attach
    });
    out.push(Action::Check);
    if !t.fs_grown {
        out.push(Action::Growfs);
        out.push(Action::Fsck);
    }
    if !attached {
        out.push(Action::Detach);
    }
    out.push(Action::WriteConfig);
    out
}

/// The steps as sh, one a line: what `--dry-run` prints (and a refused online grow).
pub fn render(t: &Target, steps: &[Action], state: &str, config: &str) -> String {
    let mut out = format!(
        "# {}: {} {} -> {} as md{} ({state})\n",
        t.jail,
        shell::quote(&t.file),
        format_size(t.old),
        format_size(t.new),
        t.unit
    );
    if t.file_size != t.old {
        out.push_str(&format!(
            "# the file is already {} bytes (an unfinished grow)\n",
            t.file_size
        ));
    }
    for s in steps {
        match s {
            Action::Extend { from, to, sparse: false } => out.push_str(&format!(
                "# extend: posix_fallocate({}, {from}, {}); where the filesystem refuses (ZFS), write {} zero bytes at {from}\n",
                shell::quote(&t.file),
                to - from,
                to - from
            )),
            Action::Extend { to, sparse: true, .. } => {
                out.push_str(&shell::command(&["truncate", "-s", &to.to_string(), &t.file]));
                out.push('\n');
            }
            Action::WriteConfig => out.push_str(&format!(
                "# then: ${VAR_SIZE} = {} in {config}\n",
                format_size(t.new)
            )),
            other => {
                if let Some(c) = t.cmd(other) {
                    out.push_str(&c.render());
                    out.push('\n');
                }
                if *other == Action::Probe {
                    out.push_str(
                        "#   (changes nothing: growfs refuses an unclean file system before anything else)\n",
                    );
                }
                if *other == (Action::Resize { fallback: true }) {
                    out.push_str(&format!(
                        "#   (mdconfig without -r, before FreeBSD 10: mdconfig -d -u {u}; mdconfig -a -t vnode -f {} -u {u})\n",
                        shell::quote(&t.file),
                        u = t.unit
                    ));
                }
            }
        }
    }
    if t.fs_grown {
        out.push_str("# growfs skipped: the filesystem already fills the file\n");
    }
    out
}

/// The filesystem size its superblock records, in bytes.
pub fn fs_size(host: &dyn Host, file: &Path) -> Option<u64> {
    let head = host.read_head(file, ufs::SEARCH_SPAN).ok()?;
    let sb = ufs::find_superblock(&head)?;
    u64::try_from(sb.size_frags)
        .ok()
        .map(|f| f.saturating_mul(u64::from(sb.fsize)))
}

/// What a finished grow reports.
#[derive(Debug, Default)]
pub struct Report {
    pub warnings: Vec<Diag>,
    pub notes: Vec<String>,
}

struct Run<'a> {
    t: &'a Target,
    runner: &'a mut dyn Runner,
    verbose: &'a mut dyn FnMut(&str),
}

impl Run<'_> {
    /// Run a command; Err(message, stderr) when it fails.
    fn run(&mut self, c: &Cmd) -> Result<(), (String, String)> {
        (self.verbose)(&c.render());
        match self.runner.exec(c) {
            Ok(o) if o.success() => Ok(()),
            Ok(o) => Err((
                format!(
                    "{} ({})",
                    c.render(),
                    o.code
                        .map_or("killed by a signal".into(), |c| format!("exit {c}"))
                ),
                o.stderr_text(),
            )),
            Err(e) => Err((
                c.render(),
                if e.kind() == std::io::ErrorKind::NotFound {
                    "command not found on PATH".into()
                } else {
                    e.to_string()
                },
            )),
        }
    }
    fn act(&mut self, a: Action) -> Result<(), (String, String)> {
        match self.t.cmd(&a) {
            Some(c) => self.run(&c),
            None => Ok(()),
        }
    }
}

fn fail(t: &Target, what: &str, stderr: &str) -> Diag {
    let mut d = Diag::error(None, format!("{}: failed: {what}", t.jail)).with_exit(exit::FINDINGS);
    for l in stderr.lines().filter(|l| !l.trim().is_empty()).take(20) {
        d = d.with_note(format!("stderr: {l}"));
    }
    d
}

/// Run the steps for one container, holding its lock (`FILE.lock`, as `create` does).
/// `write_config` writes the new size and returns the file it wrote.
pub fn execute(
    t: &Target,
    steps: &[Action],
    runner: &mut dyn Runner,
    host: &mut dyn Host,
    write_config: &mut dyn FnMut() -> Result<String, String>,
    verbose: &mut dyn FnMut(&str),
) -> Result<Report, Diag> {
    let lock_path = PathBuf::from(format!("{}.lock", t.file));
    let guard = host.lock(&lock_path).map_err(|e| {
        let why = if e.kind() == std::io::ErrorKind::WouldBlock {
            "another jailvol run holds it".to_owned()
        } else {
            e.to_string()
        };
        Diag::error(
            None,
            format!("{}: cannot lock {}: {why}", t.jail, lock_path.display()),
        )
        .with_exit(exit::CANTCREAT)
    })?;
    let mut r = Run { t, runner, verbose };
    let result = run_steps(&mut r, steps, host, write_config);
    let unlock = host.unlock(guard);
    match (result, unlock) {
        (Ok(rep), Ok(())) => Ok(rep),
        (Ok(mut rep), Err(e)) => {
            rep.notes.push(format!(
                "the lock {} could not be removed: {e}",
                lock_path.display()
            ));
            Ok(rep)
        }
        (Err(mut d), Err(e)) => {
            d.notes.push(format!(
                "the lock {} could not be removed: {e}",
                lock_path.display()
            ));
            Err(d)
        }
        (Err(d), Ok(())) => Err(d),
    }
}

fn intact(t: &Target, file_now: u64) -> String {
    format!(
        "the container is intact at the old size: its filesystem is still {} inside a file of {} bytes; \
         $volume_size is unchanged; re-run `jailvol grow {} {}` to finish",
        format_size(t.old),
        file_now,
        t.jail,
        format_size(t.new)
    )
}

fn run_steps(
    r: &mut Run<'_>,
    steps: &[Action],
    host: &mut dyn Host,
    write_config: &mut dyn FnMut() -> Result<String, String>,
) -> Result<Report, Diag> {
    let t = r.t;
    let file = PathBuf::from(&t.file);
    let detach = format!("mdconfig -d -u {}", t.unit);
    let attach = format!("mdconfig -a -t vnode -f {} -u {}", shell::quote(&t.file), t.unit);
    let mut report = Report::default();
    let mut file_now = t.file_size;
    // The unit is attached by this run (and must be detached again).
    let mut ours = false;
    let mut grown = t.fs_grown;
    // Problems after growfs succeeded: the run goes on (detach, config) and reports them.
    let mut late: Vec<(String, String, String)> = Vec::new();
    for &s in steps {
        if host.interrupted() && !grown {
            let mut d = Diag::error(None, format!("{}: interrupted (SIGINT or SIGTERM)", t.jail))
                .with_exit(exit::FINDINGS);
            d.notes.extend(cleanup(r, ours, &detach));
            d.notes.push(if file_now == t.file_size {
                "nothing changed".into()
            } else {
                intact(t, file_now)
            });
            return Err(d);
        }
        match s {
            Action::Probe => {
                // Only the refusal of an unclean file system matters here: anything else
                // (the size is not larger yet, by design) is for growfs proper to say.
                if let Err((_, err)) = r.act(s) {
                    if unclean(&err) {
                        let mut d = Diag::error(
                            None,
                            format!(
                                "{}: the mounted file system is not clean (it was mounted without fsck after a crash): \
                                 growfs refuses it, and fsck cannot check it while it is mounted",
                                t.jail
                            ),
                        )
                        .with_exit(exit::FINDINGS);
                        for l in err.lines().filter(|l| !l.trim().is_empty()).take(20) {
                            d = d.with_note(format!("stderr: {l}"));
                        }
                        d.notes.push(stop_first(t));
                        d.notes.push("nothing changed".into());
                        return Err(d);
                    }
                }
            }
            Action::Check => {
                if let Err((what, err)) = r.act(s) {
                    let mut d = fail(t, &what, &err);
                    d.notes.push(format!(
                        "the file system needs a full check before it can grow: run `mdconfig -l -u {u} || {attach}; \
                         fsck -t ufs -y /dev/md{u}`{}, then re-run `jailvol grow {} {}`",
                        if ours { format!("; mdconfig -d -u {}", t.unit) } else { String::new() },
                        t.jail,
                        format_size(t.new),
                        u = t.unit
                    ));
                    d.notes.extend(cleanup(r, ours, &detach));
                    d.notes.push(intact(t, file_now));
                    return Err(d);
                }
            }
            Action::Extend { from, to, sparse } => {
                (r.verbose)(&format!("extend {} from {from} to {to} bytes", t.file));
                let how = if sparse { Alloc::Sparse } else { Alloc::Full };
                match host.extend(&file, from, to, how) {
                    Ok(m) => {
                        file_now = to;
                        if m == AllocMethod::ZeroFill {
                            report.warnings.push(Diag::warning(
                                None,
                                format!(
                                    "{}: the filesystem holding {} does not support posix_fallocate (ZFS?): \
                                     zeros were written instead; with ZFS compression they take no space",
                                    t.jail, t.file
                                ),
                            ));
                        }
                    }
                    Err(e) => {
                        let mut d = fail(t, &format!("extending {} to {to} bytes", t.file), &e.to_string());
                        match host.set_len(&file, from) {
                            Ok(()) => d.notes.push(format!(
                                "rolled back: {} truncated to its old {from} bytes; nothing changed",
                                t.file
                            )),
                            Err(e2) => d.notes.push(format!(
                                "remains: {} may be partly extended ({e2}); its filesystem is intact at {}: \
                                 re-run `jailvol grow {} {}` to finish",
                                t.file,
                                format_size(t.old),
                                t.jail,
                                format_size(t.new)
                            )),
                        }
                        return Err(d);
                    }
                }
            }
            Action::Attach => {
                if let Err((what, err)) = r.act(s) {
                    let mut d = fail(t, &what, &err);
                    d.notes.push(intact(t, file_now));
                    return Err(d);
                }
                ours = true;
            }
            Action::Resize { fallback } => {
                let Err((what, err)) = r.act(s) else { continue };
                let unsupported = err.contains("illegal option") || err.contains("usage:");
                if !(fallback && unsupported) {
                    let mut d = fail(t, &what, &err);
                    if unsupported {
                        d.notes.push(
                            "this mdconfig cannot resize a unit (-r arrived in FreeBSD 10.0); \
                             stop the jail and re-run jailvol grow"
                                .into(),
                        );
                    }
                    d.notes.extend(cleanup(r, ours, &detach));
                    d.notes.push(intact(t, file_now));
                    return Err(d);
                }
                report.notes.push(format!(
                    "{}: mdconfig has no -r (before FreeBSD 10): detached and re-attached md{}",
                    t.jail, t.unit
                ));
                if let Err((what, err)) = r.act(Action::Detach) {
                    let mut d = fail(t, &what, &err);
                    d.notes.push(intact(t, file_now));
                    return Err(d);
                }
                if let Err((what, err)) = r.act(Action::Attach) {
                    let mut d = fail(t, &what, &err);
                    d.notes.push(format!(
                        "remains: md{} is no longer attached (it was before): run {attach}",
                        t.unit
                    ));
                    d.notes.push(intact(t, file_now));
                    return Err(d);
                }
            }
            Action::Growfs => {
                if let Err((what, err)) = r.act(s) {
                    // An earlier run got this far (its config write failed): growfs says so
                    // (growfs.c; cloud-init's cc_resizefs relies on the same message).
                    if err.contains("is not larger than the current filesystem size") {
                        report.notes.push(format!(
                            "{}: growfs: the filesystem already fills md{} (an earlier grow got this far)",
                            t.jail, t.unit
                        ));
                        grown = true;
                        continue;
                    }
                    let mut d = fail(t, &what, &err);
                    let online = !steps.contains(&Action::Check);
                    if online {
                        if unclean(&err) {
                            d.notes.push(stop_first(t));
                        }
                        d.notes.push(
                            "the jail keeps running on its filesystem as growfs left it; \
                             nothing was unmounted"
                                .into(),
                        );
                    } else {
                        // Check what growfs left before saying anything about it.
                        match r.act(Action::Fsck) {
                            Ok(()) => d.notes.push(format!(
                                "fsck -t ufs -p /dev/md{} found the filesystem consistent",
                                t.unit
                            )),
                            Err((w, e)) => d.notes.push(format!(
                                "{w} failed too ({e}): run fsck -t ufs -y /dev/md{} before starting the jail",
                                t.unit
                            )),
                        }
                    }
                    if let Some(fs) = fs_size(host, &file) {
                        d.notes
                            .push(format!("its superblock says the filesystem is {fs} bytes"));
                    }
                    d.notes.extend(cleanup(r, ours, &detach));
                    d.notes.push(format!(
                        "the container file is {file_now} bytes; $volume_size is unchanged ({}); \
                         re-run `jailvol grow {} {}` once the cause is fixed",
                        format_size(t.old),
                        t.jail,
                        format_size(t.new)
                    ));
                    return Err(d);
                }
                grown = true;
            }
            Action::Fsck => {
                if let Err((what, err)) = r.act(s) {
                    late.push((
                        what,
                        err,
                        format!(
                            "run `mdconfig -l -u {u} || {attach}; fsck -t ufs -y /dev/md{u}` before starting the jail",
                            u = t.unit
                        ),
                    ));
                }
            }
            Action::Detach => {
                if let Err((what, err)) = r.act(s) {
                    late.push((what, err, format!("md{} stays attached: run {detach}", t.unit)));
                } else {
                    ours = false;
                }
            }
            Action::WriteConfig => {
                if !grown {
                    continue;
                }
                match write_config() {
                    Ok(f) => report.notes.push(format!(
                        "{}: ${VAR_SIZE} = {} written to {f}",
                        t.jail,
                        format_size(t.new)
                    )),
                    Err(e) => late.push((
                        "updating the configuration".into(),
                        e,
                        format!(
                            "set ${VAR_SIZE} = {} in the jail's block by hand (`jailvol check` reports \
                             the size mismatch until then)",
                            format_size(t.new)
                        ),
                    )),
                }
            }
        }
    }
    if late.is_empty() {
        return Ok(report);
    }
    let (what, err, _) = &late[0];
    let mut d = fail(t, what, err);
    d.notes.push(format!(
        "the container is grown to {} and usable; only what follows is left to do",
        format_size(t.new)
    ));
    for (i, (w, e, todo)) in late.iter().enumerate() {
        if i > 0 {
            d.notes.push(format!("also failed: {w}: {e}"));
        }
        d.notes.push(format!("remains: {todo}"));
    }
    d.notes.extend(report.notes.iter().cloned());
    Err(d)
}

/// Whether growfs refused because the file system is marked FS_UNCLEAN or FS_NEEDSFSCK
/// (sbin/growfs/growfs.c: "%s is not clean - run fsck.").
fn unclean(stderr: &str) -> bool {
    stderr.contains("is not clean - run fsck")
}

/// What to do about a mounted file system that is not clean.
fn stop_first(t: &Target) -> String {
    format!(
        "stop the jail (its stop unmounts the root), then run `jailvol grow {} {}` again: with the jail \
         stopped, jailvol runs fsck -p before growfs",
        t.jail,
        format_size(t.new)
    )
}

/// Detach the unit this run attached. Notes what was done or remains.
fn cleanup(r: &mut Run<'_>, ours: bool, detach: &str) -> Vec<String> {
    if !ours {
        return Vec::new();
    }
    match r.act(Action::Detach) {
        Ok(()) => vec![format!("rolled back: detached md{}", r.t.unit)],
        Err(_) => vec![format!("remains: md{} is still attached: run {detach}", r.t.unit)],
    }
}

/// The jail.conf edit: the new text of the file holding the statement to change. The
/// jail's own `$volume_size = ...;` gets its value replaced (quotes and the rest of the
/// line kept); a size from a wildcard block gets a statement of its own at the end of
/// the jail's block. Returns (file as named in the configuration, new text).
pub fn config_edit(parsed: &Parsed, record: usize, new_value: &str) -> Result<(String, String), String> {
    let rec = parsed
        .jails
        .get(record)
        .ok_or_else(|| "the jail's block was not found".to_owned())?;
    if let Some(p) = rec.params.iter().rev().find(|p| p.is_var && p.name == VAR_SIZE) {
        let text = &p.source.text;
        if p.op != Op::Set {
            return Err(format!(
                "{}:{}: ${VAR_SIZE} is not written `${VAR_SIZE} = VALUE;`: change it by hand",
                p.source.name,
                p.loc().line()
            ));
        }
        let stmt = text.get(p.start..p.end).unwrap_or("");
        let eq = stmt.find('=').ok_or("no `=` in the statement")?;
        let vstart = p.start + eq + 1;
        let vend = p.end.saturating_sub(1).max(vstart);
        let raw = &text[vstart..vend];
        let val = raw.trim_matches([' ', '\t']);
        if val.contains(['#', ',', '\n', '$', '\\']) || val.contains("/*") || val.contains("//") {
            return Err(format!(
                "{}:{}: the ${VAR_SIZE} value `{val}` is not a plain word: change it by hand",
                p.source.name,
                p.loc().line()
            ));
        }
        let quoted = if val.len() >= 2 && val.starts_with('"') && val.ends_with('"') {
            format!("\"{new_value}\"")
        } else if val.len() >= 2 && val.starts_with('\'') && val.ends_with('\'') {
            format!("'{new_value}'")
        } else {
            new_value.to_owned()
        };
        let lead = raw.len() - raw.trim_start_matches([' ', '\t']).len();
        let trail = raw.len() - raw.trim_end_matches([' ', '\t']).len();
        let mut out = String::with_capacity(text.len() + 8);
        out.push_str(&text[..vstart + lead]);
        out.push_str(&quoted);
        out.push_str(&text[vend - trail..]);
        return Ok((p.source.name.clone(), out));
    }
    let block = rec
        .block
        .as_ref()
        .ok_or_else(|| "the jail has no block of its own to hold the new size".to_owned())?;
    let text = &block.source.text;
    let close = block.close;
    let line_start = text[..close].rfind('\n').map_or(0, |i| i + 1);
    let own_line = text[line_start..close].trim_matches([' ', '\t']).is_empty();
    let stmt = format!("${VAR_SIZE} = {new_value};");
    let mut out = String::with_capacity(text.len() + 64);
    if own_line && line_start > block.open {
        let indent = rec
            .params
            .iter()
            .filter(|p| p.start > block.open && std::ptr::eq(&*p.source, &*block.source))
            .find_map(|p| {
                let ls = text[..p.start].rfind('\n').map_or(0, |i| i + 1);
                let pre = &text[ls..p.start];
                pre.chars().all(|c| c == ' ' || c == '\t').then(|| pre.to_owned())
            })
            .unwrap_or_else(|| {
                let hs = text[..block.header].rfind('\n').map_or(0, |i| i + 1);
                let outer: String = text[hs..block.header]
                    .chars()
                    .take_while(|c| *c == ' ' || *c == '\t')
                    .collect();
                format!("{outer}\t")
            });
        out.push_str(&text[..line_start]);
        out.push_str(&format!("{indent}{stmt} # set by jailvol grow\n"));
        out.push_str(&text[line_start..]);
    } else {
        // `www { path = /x; }`: stay on the line (a `#` comment would hide the `}`).
        let cut = text[..close].trim_end_matches([' ', '\t']).len();
        out.push_str(&text[..cut]);
        out.push(' ');
        out.push_str(&stmt);
        out.push(' ');
        out.push_str(&text[close..]);
    }
    Ok((block.source.name.clone(), out))
}

/// Parse the edited text as jail(8) would read the configuration and check that the jail
/// gets the new size. Only the edited file is replaced; the other sources are read again.
pub fn verify_edit(
    loader: &crate::parse::loader::Loader,
    parsed: &Parsed,
    file: &str,
    text: &str,
    jail: &str,
    new: u64,
) -> Result<(), String> {
    use crate::parse::jailconf;
    // Only a main file can be re-parsed on its own (an included one is read through it).
    let Some(main) = parsed.sources.first() else {
        return Ok(());
    };
    if main.name != file {
        return Ok(());
    }
    let src = crate::diag::Source::new(file, text);
    let p = jailconf::parse_source(loader, src, false).map_err(|d| d.message)?;
    let cfg = crate::model::load(&p);
    let vols = crate::volume::collect(&cfg, Some(&p))
        .map_err(|ds| ds.into_iter().map(|d| d.message).collect::<Vec<_>>().join("; "))?;
    match vols.iter().find(|v| v.jail == jail) {
        Some(v) if v.size == new => Ok(()),
        Some(v) => Err(format!("{jail} would get {} bytes, not {new}", v.size)),
        None => Err(format!("{jail} would no longer have a container")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::{LockGuard, Output};
    use std::collections::BTreeMap;
    use std::io;

    #[test]
    fn sizes_absolute_relative_and_refusals() {
        let g = 1u64 << 30;
        assert_eq!(parse_size_arg("3G"), Ok(SizeArg::Absolute(3 * g)));
        assert_eq!(parse_size_arg("+512m"), Ok(SizeArg::Relative(512 << 20)));
        assert!(parse_size_arg("+").is_err());
        assert!(parse_size_arg("-1G").is_err());
        assert_eq!(new_size("w", 2 * g, SizeArg::Relative(g)).unwrap(), 3 * g);
        let e = new_size("w", 2 * g, SizeArg::Absolute(g)).unwrap_err();
        assert!(e.message.contains("never shrinks"), "{}", e.message);
        assert_eq!(e.exit, exit::USAGE);
        let e = new_size("w", 2 * g, SizeArg::Absolute(2 * g)).unwrap_err();
        assert!(e.message.contains("already 2G"), "{}", e.message);
        assert!(new_size("w", 2 * g, SizeArg::Relative(100)).is_err());
        assert_eq!(md_size(3 * g), "3G");
        assert_eq!(md_size(g + 512), "1073742336b");
    }

    /// Records commands; fails those whose text contains one of `fail` (with the given
    /// stderr).
    #[derive(Default)]
    struct Rec {
        log: Vec<String>,
        fail: BTreeMap<String, String>,
        /// Matching commands that go through before the failures start.
        skip: usize,
    }

    impl Runner for Rec {
        fn run(&mut self, argv: &[String]) -> io::Result<Output> {
            let text = shell::command(argv);
            self.log.push(text.clone());
            for (k, err) in &self.fail {
                if text.contains(k.as_str()) {
                    if self.skip > 0 {
                        self.skip -= 1;
                        continue;
                    }
                    return Ok(Output {
                        code: Some(1),
                        stdout: Vec::new(),
                        stderr: err.clone().into_bytes(),
                    });
                }
            }
            Ok(Output::ok())
        }
        fn pipe(&mut self, _: &[String], _: &[String]) -> io::Result<Output> {
            Err(io::Error::other("no pipes in grow"))
        }
    }

    /// A host holding one file size.
    #[derive(Default)]
    struct Mem {
        size: u64,
        fail_extend: bool,
        log: Vec<String>,
    }

    impl Host for Mem {
        fn exists(&self, _: &Path) -> bool {
            true
        }
        fn is_dir(&self, _: &Path) -> bool {
            true
        }
        fn free_bytes(&self, _: &Path) -> io::Result<u64> {
            Ok(1 << 40)
        }
        fn lock(&mut self, p: &Path) -> io::Result<LockGuard> {
            Ok(LockGuard::fake(p))
        }
        fn unlock(&mut self, _: LockGuard) -> io::Result<()> {
            Ok(())
        }
        fn allocate(&mut self, _: &Path, _: u64, _: Alloc) -> io::Result<AllocMethod> {
            Err(io::Error::other("not here"))
        }
        fn make_temp_dir(&mut self, _: &Path) -> io::Result<PathBuf> {
            Err(io::Error::other("not here"))
        }
        fn remove_file(&mut self, _: &Path) -> io::Result<()> {
            Ok(())
        }
        fn remove_dir(&mut self, _: &Path) -> io::Result<()> {
            Ok(())
        }
        fn file_size(&self, _: &Path) -> io::Result<u64> {
            Ok(self.size)
        }
        fn read_head(&self, _: &Path, _: usize) -> io::Result<Vec<u8>> {
            Ok(Vec::new())
        }
        fn interrupted(&self) -> bool {
            false
        }
        fn extend(&mut self, _: &Path, from: u64, to: u64, _: Alloc) -> io::Result<AllocMethod> {
            self.log.push(format!("extend {from} {to}"));
            if self.fail_extend {
                self.size = from + 4096;
                return Err(io::Error::other("No space left on device"));
            }
            self.size = to;
            Ok(AllocMethod::Fallocate)
        }
        fn set_len(&mut self, _: &Path, size: u64) -> io::Result<()> {
            self.log.push(format!("truncate {size}"));
            self.size = size;
            Ok(())
        }
    }

    const M: u64 = 1 << 20;

    fn target() -> Target {
        Target {
            jail: "www".into(),
            file: "/j/www.ufs".into(),
            unit: 101,
            old: 64 * M,
            file_size: 64 * M,
            new: 128 * M,
            sparse: false,
            fs_grown: false,
        }
    }

    fn attached() -> State {
        State {
            unit_file: Some(Some("/j/www.ufs".into())),
            file_units: vec![101],
            ..State::default()
        }
    }

    fn go(
        st: &State,
        online: bool,
        rec: &mut Rec,
        mem: &mut Mem,
        cfg_ok: bool,
    ) -> (Result<Report, Diag>, bool) {
        let t = target();
        mem.size = t.file_size;
        let steps = plan(&t, st, online);
        let mut wrote = false;
        let mut w = || {
            if cfg_ok {
                wrote = true;
                Ok("/etc/jail.conf".to_owned())
            } else {
                Err("Permission denied".to_owned())
            }
        };
        let r = execute(&t, &steps, rec, mem, &mut w, &mut |_| {});
        (r, wrote)
    }

    #[test]
    fn stopped_detached_attaches_grows_checks_detaches_then_writes() {
        let (mut rec, mut mem) = (Rec::default(), Mem::default());
        let (r, wrote) = go(&State::default(), false, &mut rec, &mut mem, true);
        r.unwrap();
        assert!(wrote);
        assert_eq!(mem.log, ["extend 67108864 134217728"]);
        assert_eq!(
            rec.log,
            [
                "mdconfig -a -t vnode -f /j/www.ufs -u 101",
                "fsck -t ufs -p /dev/md101",
                "growfs -y /dev/md101",
                "fsck -t ufs -p /dev/md101",
                "mdconfig -d -u 101",
            ]
        );
    }

    #[test]
    fn stopped_attached_resizes_and_stays_attached() {
        let (mut rec, mut mem) = (Rec::default(), Mem::default());
        go(&attached(), false, &mut rec, &mut mem, true).0.unwrap();
        assert_eq!(
            rec.log,
            [
                "mdconfig -r -u 101 -s 128M",
                "fsck -t ufs -p /dev/md101",
                "growfs -y /dev/md101",
                "fsck -t ufs -p /dev/md101",
            ]
        );
    }

    #[test]
    fn without_r_it_detaches_and_reattaches() {
        let mut rec = Rec::default();
        rec.fail.insert(
            "mdconfig -r".into(),
            "mdconfig: illegal option -- r\nusage: mdconfig -a -t type".into(),
        );
        let mut mem = Mem::default();
        let rep = go(&attached(), false, &mut rec, &mut mem, true).0.unwrap();
        assert_eq!(
            rec.log[..3],
            [
                "mdconfig -r -u 101 -s 128M",
                "mdconfig -d -u 101",
                "mdconfig -a -t vnode -f /j/www.ufs -u 101",
            ]
        );
        assert!(rep.notes.iter().any(|n| n.contains("no -r")), "{:?}", rep.notes);
    }

    #[test]
    fn online_resizes_and_grows_the_mounted_filesystem_without_fsck() {
        let st = State {
            running: true,
            mounted_from: Some("/dev/md101".into()),
            ..attached()
        };
        let (mut rec, mut mem) = (Rec::default(), Mem::default());
        let (r, wrote) = go(&st, true, &mut rec, &mut mem, true);
        r.unwrap();
        assert!(wrote);
        assert_eq!(
            rec.log,
            [
                "growfs -N /dev/md101",
                "mdconfig -r -u 101 -s 128M",
                "growfs -y /dev/md101"
            ]
        );
    }

    #[test]
    fn a_failed_extension_is_truncated_back() {
        let mut rec = Rec::default();
        let mut mem = Mem {
            fail_extend: true,
            ..Mem::default()
        };
        let (r, wrote) = go(&State::default(), false, &mut rec, &mut mem, true);
        let d = r.unwrap_err();
        assert!(!wrote);
        assert!(rec.log.is_empty());
        assert_eq!(mem.size, 64 * M);
        assert!(d.message.contains("failed: extending"), "{}", d.message);
        assert!(
            d.notes.iter().any(|n| n.ends_with("nothing changed")),
            "{:?}",
            d.notes
        );
    }

    fn fail_at(cmd: &str, st: &State) -> (Rec, Mem, Diag, bool) {
        let mut rec = Rec::default();
        rec.fail.insert(cmd.into(), format!("boom: {cmd}"));
        let mut mem = Mem::default();
        let (r, wrote) = go(st, false, &mut rec, &mut mem, true);
        (rec, mem, r.unwrap_err(), wrote)
    }

    #[test]
    fn attach_resize_failures_leave_the_old_filesystem_in_the_bigger_file() {
        for (cmd, st) in [("mdconfig -a", State::default()), ("mdconfig -r", attached())] {
            let (rec, mem, d, wrote) = fail_at(cmd, &st);
            assert!(!wrote, "{cmd}");
            assert_eq!(mem.size, 128 * M, "the extension stays");
            assert!(!rec.log.iter().any(|l| l.starts_with("growfs")), "{cmd}");
            assert!(
                d.notes.last().unwrap().starts_with(
                    "the container is intact at the old size: its filesystem is still 64M inside a file of 134217728 bytes"
                ),
                "{cmd}: {:?}",
                d.notes
            );
            assert!(
                d.notes
                    .last()
                    .unwrap()
                    .ends_with("re-run `jailvol grow www 128M` to finish")
            );
        }
    }

    #[test]
    fn a_growfs_failure_is_checked_detached_and_not_written() {
        let (rec, _, d, wrote) = fail_at("growfs", &State::default());
        assert!(!wrote);
        assert_eq!(
            rec.log[3..],
            ["fsck -t ufs -p /dev/md101", "mdconfig -d -u 101"],
            "{:?}",
            rec.log
        );
        assert!(d.message.contains("failed: growfs -y /dev/md101 (exit 1)"));
        assert!(d.notes.contains(&"stderr: boom: growfs".to_string()));
        assert!(
            d.notes
                .iter()
                .any(|n| n.contains("found the filesystem consistent"))
        );
        assert!(d.notes.contains(&"rolled back: detached md101".to_string()));
        assert!(
            d.notes
                .last()
                .unwrap()
                .contains("$volume_size is unchanged (64M)")
        );
    }

    #[test]
    fn a_check_that_fails_before_growfs_stops_with_the_container_intact() {
        let (rec, _, d, wrote) = fail_at("fsck", &State::default());
        assert!(!wrote);
        assert!(!rec.log.iter().any(|l| l.starts_with("growfs")), "{:?}", rec.log);
        assert_eq!(rec.log.last().map(String::as_str), Some("mdconfig -d -u 101"));
        assert!(
            d.message.contains("failed: fsck -t ufs -p /dev/md101"),
            "{}",
            d.message
        );
        assert!(
            d.notes
                .iter()
                .any(|n| n.contains("fsck -t ufs -y /dev/md101`; mdconfig -d -u 101, then re-run")),
            "{:?}",
            d.notes
        );
        assert!(d.notes.last().unwrap().starts_with("the container is intact"));
    }

    #[test]
    fn online_an_unclean_file_system_is_refused_before_anything_changes() {
        let st = State {
            running: true,
            mounted_from: Some("/dev/md101".into()),
            ..attached()
        };
        let mut rec = Rec::default();
        rec.fail.insert(
            "growfs -N".into(),
            "growfs: /dev/md101 is not clean - run fsck.".into(),
        );
        let mut mem = Mem::default();
        let (r, wrote) = go(&st, true, &mut rec, &mut mem, true);
        let d = r.unwrap_err();
        assert!(!wrote);
        assert_eq!(rec.log, ["growfs -N /dev/md101"]);
        assert!(mem.log.is_empty(), "not extended: {:?}", mem.log);
        assert!(d.message.contains("not clean"), "{}", d.message);
        assert!(
            d.notes.iter().any(|n| n.starts_with("stop the jail")),
            "{:?}",
            d.notes
        );
        assert_eq!(d.notes.last().map(String::as_str), Some("nothing changed"));
    }

    #[test]
    fn late_failures_keep_going_and_say_the_container_is_grown() {
        let mut rec = Rec {
            skip: 1,
            ..Rec::default()
        };
        rec.fail.insert("fsck".into(), "boom: fsck".into());
        let mut mem = Mem::default();
        let (r, wrote) = go(&State::default(), false, &mut rec, &mut mem, true);
        let d = r.unwrap_err();
        assert!(wrote, "growfs succeeded: the size is written");
        assert_eq!(rec.log.last().map(String::as_str), Some("mdconfig -d -u 101"));
        assert!(d.notes.iter().any(|n| n.contains("grown to 128M and usable")));
        assert!(d.notes.iter().any(|n| n.contains("fsck -t ufs -y /dev/md101")));

        let (_, _, d, wrote) = fail_at("mdconfig -d", &State::default());
        assert!(wrote);
        assert!(
            d.notes
                .contains(&"remains: md101 stays attached: run mdconfig -d -u 101".to_string())
        );

        let mut rec = Rec::default();
        let mut mem = Mem::default();
        let (r, _) = go(&State::default(), false, &mut rec, &mut mem, false);
        let d = r.unwrap_err();
        assert!(d.message.contains("failed: updating the configuration"));
        assert!(
            d.notes.iter().any(|n| n.contains("set $volume_size = 128M")),
            "{:?}",
            d.notes
        );
        assert_eq!(rec.log.last().map(String::as_str), Some("mdconfig -d -u 101"));
    }

    fn edit(conf: &str, jail: &str) -> Result<String, String> {
        use crate::parse::{jailconf, loader::Loader};
        let src = crate::diag::Source::new("/etc/jail.conf", conf);
        let parsed = jailconf::parse_source(&Loader::new(None), src, false).map_err(|d| d.message)?;
        let cfg = crate::model::load(&parsed);
        let rec = cfg.jails.iter().find(|j| j.name == jail).ok_or("no jail")?.record;
        let (file, text) = config_edit(&parsed, rec, "3G")?;
        assert_eq!(file, "/etc/jail.conf");
        Ok(text)
    }

    #[test]
    fn config_edits_keep_every_other_byte() {
        // The jail's own statement: bare, quoted, odd spacing, comments kept.
        assert_eq!(
            edit("www {\n  $volume_size=2G ;  # big\n}\n", "www").unwrap(),
            "www {\n  $volume_size=3G ;  # big\n}\n"
        );
        assert_eq!(
            edit("www { path = /j; $volume_size = '2G'; }\n", "www").unwrap(),
            "www { path = /j; $volume_size = '3G'; }\n"
        );
        // From a wildcard: a statement of its own, in the block's indentation.
        assert_eq!(
            edit(
                "* { $volume_size = 2G; }\nwww {\n\tpath = /j;\n}\ndb {\n}\n",
                "www"
            )
            .unwrap(),
            "* { $volume_size = 2G; }\nwww {\n\tpath = /j;\n\t$volume_size = 3G; # set by jailvol grow\n}\ndb {\n}\n"
        );
        // A one-line block stays on its line (a # comment would hide the `}`).
        assert_eq!(
            edit("* { $volume_size = 2G; }\nwww { path = /j; }\n", "www").unwrap(),
            "* { $volume_size = 2G; }\nwww { path = /j; $volume_size = 3G; }\n"
        );
        // What cannot be edited safely is refused.
        assert!(edit("www { $volume_size = 1G; $volume_size += 1G; }\n", "www").is_err());
        assert!(
            edit("www { $base = 2G; $volume_size = $base; }\n", "www")
                .unwrap_err()
                .contains("not a plain word")
        );
    }

    #[test]
    fn an_unfinished_grow_is_finished_without_extending_again() {
        let mut t = target();
        t.file_size = t.new;
        let steps = plan(&t, &State::default(), false);
        assert!(!steps.iter().any(|s| matches!(s, Action::Extend { .. })));
        t.fs_grown = true;
        let steps = plan(&t, &State::default(), false);
        assert!(!steps.contains(&Action::Growfs));
        let text = render(&t, &steps, "stopped", "/etc/jail.conf");
        assert!(text.contains("unfinished grow"), "{text}");
        assert!(text.contains("growfs skipped"));
    }
}
