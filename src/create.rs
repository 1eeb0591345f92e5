//! `create`: one-time container creation (design §5, spec §4.7, docs/create.md).
//!
//! [`plan`] is pure: from a container and the options it lists the steps, each with
//! what it creates or releases. [`execute`] runs them through [`Runner`]/[`Host`] and,
//! when a step fails or SIGINT/SIGTERM arrives, undoes what was done in reverse order
//! (umount, detach, remove the temporary directory, remove the file jailvol created),
//! then says exactly what, if anything, remains.
//!
//! Both backends first make the jail's `path` (the container's mount point) when it is
//! missing, mode 0755 whatever the umask: jail(8) mounts the container there, and
//! mount(8) needs an existing directory (sbin/mount/getmntopts.c `checkpath`: realpath(3)
//! and stat(2) of the mount point), so a missing one makes the jail's first start fail.
//!
//! md backend: allocate, `mdconfig -a -t vnode -f FILE -u N`, `newfs -U /dev/mdN`,
//! mount on `FILE.mnt.XXXXXX`, populate, `umount`, remove the directory,
//! `mdconfig -d -u N`. makefs backend: `makefs -t ffs -o version=2,softupdates=1 -s SIZE
//! FILE DIR`, no md, no mount, no root; the result's size and UFS2 superblock are checked.

use std::path::{Path, PathBuf};

use crate::diag::{Diag, exit};
use crate::exec::{Alloc, AllocMethod, Cmd, Host, PATH_MODE, Runner};
use crate::shell;
use crate::ufs;
use crate::volume::{Volume, format_size};

/// Stands for the temporary directory in a plan's commands until it exists; `--dry-run`
/// prints it as `"$tmp"`.
pub const TMP: &str = "\u{0}tmp";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Md,
    Makefs,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Empty,
    /// Copy this tree (`--from DIR`).
    Dir(String),
    /// Extract this archive (`--from-archive FILE`).
    Archive(String),
}

#[derive(Debug, Clone)]
pub struct Options {
    pub via: Via,
    pub source: Source,
    /// Options for newfs(8), before the device.
    pub newfs_opts: Vec<String>,
    pub sparse: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            via: Via::Md,
            source: Source::Empty,
            newfs_opts: vec!["-U".into()],
            sparse: false,
        }
    }
}

/// One container to make, with paths as they are used (host paths for `--dry-run`,
/// paths on this machine for a run under `--root`).
#[derive(Debug, Clone)]
pub struct Target {
    pub jail: String,
    pub file: String,
    pub size: u64,
    pub unit: Option<u32>,
    pub source: Source,
}

impl Target {
    pub fn new(v: &Volume, source: &Source, map: &dyn Fn(&str) -> String) -> Target {
        Target {
            jail: v.jail.clone(),
            file: map(&v.file),
            size: v.size,
            unit: v.unit,
            source: match source {
                Source::Empty => Source::Empty,
                Source::Dir(d) => Source::Dir(map(d)),
                Source::Archive(a) => Source::Archive(map(a)),
            },
        }
    }
    pub fn lock_path(&self) -> String {
        format!("{}.lock", self.file)
    }
    pub fn tmp_template(&self) -> String {
        format!("{}.mnt.XXXXXX", self.file)
    }
}

/// Something a step brings into existence, undone in reverse on failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Res {
    File,
    TmpDir,
    Attached(u32),
    Mounted,
    /// A directory of the jail's path, made by this run.
    PathDir(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// mkdir one directory of the jail's path, mode 0755 ([`PATH_MODE`]).
    MakeDir {
        path: String,
    },
    /// Create the container file and claim its space.
    Allocate {
        size: u64,
        sparse: bool,
    },
    /// mkdtemp the temporary directory ([`TMP`] in later commands).
    MakeTmp {
        template: String,
    },
    Run(Cmd),
    /// makefs, retried with `fallback` (no softupdates) when makefs does not know the
    /// option (NetBSD-derived builds such as Debian's).
    Makefs {
        cmd: Vec<String>,
        fallback: Vec<String>,
    },
    RemoveTmp,
    /// Check the image: exact size, UFS2 superblock.
    Verify {
        size: u64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub action: Action,
    pub creates: Option<Res>,
    pub releases: Option<Res>,
}

fn step(action: Action, creates: Option<Res>, releases: Option<Res>) -> Step {
    Step {
        action,
        creates,
        releases,
    }
}

fn words(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

/// The steps for one container. Pure. The md backend needs the unit (preflight checks).
pub fn plan(t: &Target, opts: &Options) -> Vec<Step> {
    let mut out = Vec::new();
    match opts.via {
        Via::Md => {
            let unit = t.unit.unwrap_or(0);
            let u = unit.to_string();
            let dev = format!("/dev/md{unit}");
            out.push(step(
                Action::Allocate {
                    size: t.size,
                    sparse: opts.sparse,
                },
                Some(Res::File),
                None,
            ));
            out.push(step(
                Action::Run(Cmd::Run(words(&[
                    "mdconfig", "-a", "-t", "vnode", "-f", &t.file, "-u", &u,
                ]))),
                Some(Res::Attached(unit)),
                None,
            ));
            let mut newfs = vec!["newfs".to_owned()];
            newfs.extend(opts.newfs_opts.iter().cloned());
            newfs.push(dev.clone());
            out.push(step(Action::Run(Cmd::Run(newfs)), None, None));
            out.push(step(
                Action::MakeTmp {
                    template: t.tmp_template(),
                },
                Some(Res::TmpDir),
                None,
            ));
            out.push(step(
                Action::Run(Cmd::Run(words(&["mount", "-t", "ufs", &dev, TMP]))),
                Some(Res::Mounted),
                None,
            ));
            match &t.source {
                Source::Empty => {}
                Source::Dir(d) => out.push(step(
                    Action::Run(Cmd::Pipe(
                        words(&["tar", "-C", d, "--one-file-system", "-cpf", "-", "."]),
                        words(&["tar", "-C", TMP, "-xpf", "-"]),
                    )),
                    None,
                    None,
                )),
                Source::Archive(a) => out.push(step(
                    Action::Run(Cmd::Run(words(&["tar", "-C", TMP, "-xpf", a]))),
                    None,
                    None,
                )),
            }
            out.push(step(
                Action::Run(Cmd::Run(words(&["umount", TMP]))),
                None,
                Some(Res::Mounted),
            ));
            out.push(step(Action::RemoveTmp, None, Some(Res::TmpDir)));
            out.push(step(
                Action::Run(Cmd::Run(words(&["mdconfig", "-d", "-u", &u]))),
                None,
                Some(Res::Attached(unit)),
            ));
        }
        Via::Makefs => {
            let size = t.size.to_string();
            let dir = match &t.source {
                Source::Dir(d) => d.clone(),
                _ => {
                    out.push(step(
                        Action::MakeTmp {
                            template: t.tmp_template(),
                        },
                        Some(Res::TmpDir),
                        None,
                    ));
                    TMP.to_owned()
                }
            };
            let cmd = |o: &str| words(&["makefs", "-t", "ffs", "-o", o, "-s", &size, &t.file, &dir]);
            out.push(step(
                Action::Makefs {
                    cmd: cmd("version=2,softupdates=1"),
                    fallback: cmd("version=2"),
                },
                Some(Res::File),
                None,
            ));
            if dir == TMP {
                out.push(step(Action::RemoveTmp, None, Some(Res::TmpDir)));
            }
            out.push(step(Action::Verify { size: t.size }, None, None));
        }
    }
    out
}

/// `steps` preceded by making `dirs` (the jail's path, from [`missing_dirs`], outermost
/// first): the mount point first, as it is cheap and a failure there touches nothing else.
pub fn with_path_dirs(dirs: &[String], steps: Vec<Step>) -> Vec<Step> {
    let mut out: Vec<Step> = dirs
        .iter()
        .map(|d| {
            step(
                Action::MakeDir { path: d.clone() },
                Some(Res::PathDir(d.clone())),
                None,
            )
        })
        .collect();
    out.extend(steps);
    out
}

/// A word as `--dry-run` prints it.
fn show_word(w: &str) -> String {
    if w == TMP {
        "\"$tmp\"".to_owned()
    } else {
        shell::quote(w)
    }
}

fn show_cmd(c: &Cmd) -> String {
    let j = |v: &[String]| v.iter().map(|w| show_word(w)).collect::<Vec<_>>().join(" ");
    match c {
        Cmd::Run(a) => j(a),
        Cmd::Pipe(a, b) => format!("{} | {}", j(a), j(b)),
    }
}

/// The steps as sh, one command a line: what `--dry-run` prints.
pub fn render(t: &Target, steps: &[Step]) -> String {
    let mut out = format!(
        "# {}: {} ({}){}\n",
        t.jail,
        shell::quote(&t.file),
        format_size(t.size),
        t.unit.map(|u| format!(" as md{u}")).unwrap_or_default()
    );
    for s in steps {
        match &s.action {
            Action::MakeDir { path } => {
                out.push_str(&shell::command(&["mkdir", "-m", &format!("{PATH_MODE:04o}"), path]));
                out.push('\n');
            }
            Action::Allocate { size, sparse: false } => out.push_str(&format!(
                "# allocate: posix_fallocate({}, 0, {size}); where the filesystem refuses (ZFS), write {size} zero bytes\n",
                shell::quote(&t.file)
            )),
            Action::Allocate { size, sparse: true } => {
                out.push_str(&shell::command(&["truncate", "-s", &size.to_string(), &t.file]));
                out.push('\n');
            }
            Action::MakeTmp { template } => {
                out.push_str(&format!("tmp=$(mktemp -d {})\n", shell::quote(template)));
            }
            Action::Run(c) => {
                out.push_str(&show_cmd(c));
                out.push('\n');
            }
            Action::Makefs { cmd, fallback } => {
                out.push_str(&show_cmd(&Cmd::Run(cmd.clone())));
                out.push('\n');
                out.push_str(&format!(
                    "#   (if makefs does not know softupdates: {})\n",
                    show_cmd(&Cmd::Run(fallback.clone()))
                ));
            }
            Action::RemoveTmp => out.push_str("rmdir \"$tmp\"\n"),
            Action::Verify { size } => out.push_str(&format!(
                "# verify: size {size} bytes, UFS2 superblock (magic 0x19540119 at byte 65536 + 1372)\n"
            )),
        }
    }
    out
}

/// A problem before anything was touched.
fn refuse(t: &Target, code: i32, msg: String) -> Diag {
    Diag::error(None, format!("{}: {msg}", t.jail)).with_exit(code)
}

/// Checks before anything is touched: the container must not exist (never overwritten),
/// its directory must, the md unit must be assigned, the space must be free (a warning
/// with --sparse), the source must exist. Returns warnings.
pub fn preflight(t: &Target, opts: &Options, host: &dyn Host) -> Result<Vec<Diag>, Diag> {
    let mut warnings = Vec::new();
    let file = Path::new(&t.file);
    if host.exists(file) {
        return Err(refuse(
            t,
            exit::CANTCREAT,
            format!(
                "{} already exists; create never overwrites a container (remove it yourself if it is unwanted)",
                t.file
            ),
        ));
    }
    let dir = file.parent().unwrap_or(Path::new("/"));
    if !host.is_dir(dir) {
        return Err(refuse(
            t,
            exit::CANTCREAT,
            format!("directory {} does not exist", dir.display()),
        ));
    }
    if opts.via == Via::Md && t.unit.is_none() {
        return Err(refuse(
            t,
            exit::DATAERR,
            "no md unit assigned yet ($volume_md_unit): run `jailvol generate` first".into(),
        ));
    }
    match &t.source {
        Source::Dir(d) if !host.is_dir(Path::new(d)) => {
            return Err(refuse(t, exit::NOINPUT, format!("--from {d}: no such directory")));
        }
        Source::Archive(a) if !host.exists(Path::new(a)) => {
            return Err(refuse(
                t,
                exit::NOINPUT,
                format!("--from-archive {a}: no such file"),
            ));
        }
        _ => {}
    }
    let free = host.free_bytes(dir).map_err(|e| {
        refuse(
            t,
            exit::IOERR,
            format!("cannot read free space of {}: {e}", dir.display()),
        )
    })?;
    if free < t.size {
        let msg = format!(
            "{} needs {} but {} has {} free",
            t.file,
            format_size(t.size),
            dir.display(),
            human(free)
        );
        if opts.sparse {
            warnings.push(Diag::warning(
                None,
                format!("{}: {msg} (sparse file: overcommitted)", t.jail),
            ));
        } else {
            return Err(refuse(t, exit::CANTCREAT, msg));
        }
    }
    if opts.sparse && opts.via == Via::Md {
        warnings.push(Diag::warning(
            None,
            format!(
                "{}: {} is sparse: its space is not reserved, and the jail's writes fail with EIO \
                 once the host filesystem fills up",
                t.jail, t.file
            ),
        ));
    }
    Ok(warnings)
}

/// The directories to make so that the jail's `path` exists, outermost first, as
/// configured (host paths); `map` gives the path on this machine for each check (--root).
/// Refused (exit 73) when something that is not a directory is in the way: an existing
/// directory, or a symbolic link to one, is used as it is (its mode is never changed).
pub fn missing_dirs(
    jail: &str,
    path: &str,
    host: &dyn Host,
    map: &dyn Fn(&str) -> String,
) -> Result<Vec<String>, Diag> {
    let mut missing = Vec::new();
    let mut cur = Path::new(path);
    loop {
        let shown = cur.display().to_string();
        let real = map(&shown);
        if host.exists(Path::new(&real)) {
            if host.is_dir(Path::new(&real)) {
                break;
            }
            let msg = if missing.is_empty() {
                format!("the jail's path {path} exists and is not a directory")
            } else {
                format!("{shown} is not a directory: the jail's path {path} cannot be made below it")
            };
            return Err(Diag::error(None, format!("{jail}: {msg}")).with_exit(exit::CANTCREAT));
        }
        missing.push(shown);
        match cur.parent() {
            Some(p) if !p.as_os_str().is_empty() => cur = p,
            _ => break,
        }
    }
    missing.reverse();
    Ok(missing)
}

fn human(b: u64) -> String {
    if b >= 1 << 30 {
        format!("{:.1}G", b as f64 / (1u64 << 30) as f64)
    } else {
        format!("{}M", b >> 20)
    }
}

/// What a finished run reports.
#[derive(Debug, Default)]
pub struct Report {
    pub warnings: Vec<Diag>,
    /// Notes for the user (allocation method, superblock location...).
    pub notes: Vec<String>,
}

/// Run the plan for one container, holding its lock. On failure the returned Diag (exit
/// 1) names the failed command with its stderr and what remains after the rollback.
pub fn execute(
    t: &Target,
    steps: &[Step],
    runner: &mut dyn Runner,
    host: &mut dyn Host,
    verbose: &mut dyn FnMut(&str),
) -> Result<Report, Diag> {
    let lock_path = PathBuf::from(t.lock_path());
    let guard = host.lock(&lock_path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::WouldBlock {
            refuse(
                t,
                exit::CANTCREAT,
                format!(
                    "{} is locked: another `jailvol create` is making this container",
                    lock_path.display()
                ),
            )
        } else {
            refuse(
                t,
                exit::CANTCREAT,
                format!("cannot lock {}: {e}", lock_path.display()),
            )
        }
    })?;
    let result = run_steps(t, steps, runner, host, verbose);
    let unlock = host.unlock(guard);
    match (result, unlock) {
        (Ok(mut r), Ok(())) => {
            r.notes.retain(|n| !n.is_empty());
            Ok(r)
        }
        (Ok(_), Err(e)) => Err(refuse(
            t,
            exit::IOERR,
            format!(
                "container made, but the lock {} could not be removed: {e}",
                lock_path.display()
            ),
        )),
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

struct Failure {
    what: String,
    detail: Option<String>,
}

fn run_steps(
    t: &Target,
    steps: &[Step],
    runner: &mut dyn Runner,
    host: &mut dyn Host,
    verbose: &mut dyn FnMut(&str),
) -> Result<Report, Diag> {
    let file = PathBuf::from(&t.file);
    let mut tmp: Option<PathBuf> = None;
    let mut held: Vec<Res> = Vec::new();
    let mut report = Report::default();
    let mut failure: Option<Failure> = None;
    for s in steps {
        if host.interrupted() {
            failure = Some(Failure {
                what: "interrupted (SIGINT or SIGTERM)".into(),
                detail: None,
            });
            break;
        }
        let subst = |w: &str| -> String {
            if w == TMP {
                tmp.as_ref().map(|p| p.display().to_string()).unwrap_or_default()
            } else {
                w.to_owned()
            }
        };
        let res: Result<(), Failure> = match &s.action {
            Action::MakeDir { path } => {
                verbose(&shell::command(&[
                    "mkdir",
                    "-m",
                    &format!("{PATH_MODE:04o}"),
                    path,
                ]));
                host.make_dir(Path::new(path), PATH_MODE).map_err(|e| Failure {
                    what: format!("making the jail's directory {path}"),
                    detail: Some(e.to_string()),
                })
            }
            Action::Allocate { size, sparse } => {
                verbose(&format!("allocate {} bytes for {}", size, t.file));
                let how = if *sparse { Alloc::Sparse } else { Alloc::Full };
                match host.allocate(&file, *size, how) {
                    Ok(AllocMethod::ZeroFill) => {
                        report.warnings.push(Diag::warning(
                            None,
                            format!(
                                "{}: the filesystem holding {} does not support posix_fallocate (ZFS?): \
                                 zeros were written instead; with ZFS compression they take no space, \
                                 so the container's size is not reserved",
                                t.jail, t.file
                            ),
                        ));
                        Ok(())
                    }
                    Ok(_) => Ok(()),
                    Err(e) => {
                        // A partial file jailvol made is still jailvol's to remove.
                        if e.kind() != std::io::ErrorKind::AlreadyExists && host.exists(&file) {
                            held.push(Res::File);
                        }
                        Err(Failure {
                            what: format!("allocating {} bytes for {}", size, t.file),
                            detail: Some(e.to_string()),
                        })
                    }
                }
            }
            Action::MakeTmp { template } => match host.make_temp_dir(Path::new(template)) {
                Ok(p) => {
                    verbose(&format!("mkdir {}", p.display()));
                    tmp = Some(p);
                    Ok(())
                }
                Err(e) => Err(Failure {
                    what: format!("making a temporary directory {template}"),
                    detail: Some(e.to_string()),
                }),
            },
            Action::Run(c) => run_cmd(runner, &c.map_words(&subst), verbose),
            Action::Makefs { cmd, fallback } => {
                let first = Cmd::Run(cmd.iter().map(|w| subst(w)).collect());
                verbose(&first.render());
                match runner.exec(&first) {
                    Ok(o) if o.success() => Ok(()),
                    Ok(o) if o.stderr_text().contains("softupdates") => {
                        let _ = host.remove_file(&file);
                        report.warnings.push(Diag::warning(
                            None,
                            format!(
                                "{}: this makefs does not know -o softupdates (a NetBSD-derived build?): \
                                 made the image without soft updates; on FreeBSD run `tunefs -n enable` \
                                 on the attached device to turn them on",
                                t.jail
                            ),
                        ));
                        run_cmd(
                            runner,
                            &Cmd::Run(fallback.iter().map(|w| subst(w)).collect()),
                            verbose,
                        )
                    }
                    other => fail_of(&first, other),
                }
            }
            Action::RemoveTmp => match &tmp {
                Some(p) => host.remove_dir(p).map_err(|e| Failure {
                    what: format!("removing {}", p.display()),
                    detail: Some(e.to_string()),
                }),
                None => Ok(()),
            },
            Action::Verify { size } => verify(t, *size, host, &mut report),
        };
        if let Err(f) = res {
            // makefs may leave a partial image behind: it is ours.
            if s.creates == Some(Res::File) && host.exists(&file) && !held.contains(&Res::File) {
                held.push(Res::File);
            }
            failure = Some(f);
            break;
        }
        if let Some(r) = &s.creates {
            held.push(r.clone());
        }
        if let Some(r) = &s.releases {
            held.retain(|h| h != r);
        }
        if matches!(s.action, Action::RemoveTmp) {
            tmp = None;
        }
    }
    let Some(f) = failure else {
        return Ok(report);
    };
    let mut line = failed_line(&f);
    if host.interrupted() && !f.what.starts_with("interrupted") {
        // The command most likely died of the same Ctrl-C: say both.
        line = format!("interrupted; {line}");
    }
    let mut d = Diag::error(None, format!("{}: {line}", t.jail)).with_exit(exit::FINDINGS);
    if let Some(detail) = &f.detail {
        for l in detail.lines().filter(|l| !l.trim().is_empty()).take(20) {
            d = d.with_note(format!("stderr: {l}"));
        }
    }
    d.notes
        .extend(rollback(t, &held, tmp.as_deref(), runner, host, verbose));
    d.notes.extend(report.warnings.iter().map(|w| w.message.clone()));
    Err(d)
}

fn failed_line(f: &Failure) -> String {
    if f.what.starts_with("interrupted") {
        f.what.clone()
    } else {
        format!("failed: {}", f.what)
    }
}

fn fail_of(c: &Cmd, r: std::io::Result<crate::exec::Output>) -> Result<(), Failure> {
    match r {
        Ok(o) if o.success() => Ok(()),
        Ok(o) => Err(Failure {
            what: format!(
                "{} ({})",
                c.render(),
                o.code
                    .map_or("killed by a signal".to_owned(), |c| format!("exit {c}"))
            ),
            detail: Some(o.stderr_text()),
        }),
        Err(e) => Err(Failure {
            what: c.render(),
            detail: Some(if e.kind() == std::io::ErrorKind::NotFound {
                "command not found on PATH".to_owned()
            } else {
                e.to_string()
            }),
        }),
    }
}

fn run_cmd(runner: &mut dyn Runner, c: &Cmd, verbose: &mut dyn FnMut(&str)) -> Result<(), Failure> {
    verbose(&c.render());
    fail_of(c, runner.exec(c))
}

/// Undo in reverse. An undo that fails blocks what depends on it: a busy mount keeps
/// the directory and the md unit; an attached unit keeps the file. Returns notes.
fn rollback(
    t: &Target,
    held: &[Res],
    tmp: Option<&Path>,
    runner: &mut dyn Runner,
    host: &mut dyn Host,
    verbose: &mut dyn FnMut(&str),
) -> Vec<String> {
    let mut done = Vec::new();
    let mut remains = Vec::new();
    let mut mounted = false;
    let mut attached: Option<u32> = None;
    let tmp_s = tmp.map(|p| p.display().to_string()).unwrap_or_default();
    for r in held.iter().rev() {
        match r {
            Res::Mounted => {
                let c = Cmd::Run(vec!["umount".into(), tmp_s.clone()]);
                if run_cmd(runner, &c, verbose).is_ok() {
                    done.push(format!("unmounted {tmp_s}"));
                } else {
                    mounted = true;
                    remains.push(format!("{tmp_s} is still mounted: run {}", c.render()));
                }
            }
            Res::Attached(u) => {
                let c = Cmd::Run(vec!["mdconfig".into(), "-d".into(), "-u".into(), u.to_string()]);
                if mounted {
                    attached = Some(*u);
                    remains.push(format!("md{u} stays attached (mounted): then run {}", c.render()));
                } else if run_cmd(runner, &c, verbose).is_ok() {
                    done.push(format!("detached md{u}"));
                } else {
                    attached = Some(*u);
                    remains.push(format!("md{u} could not be detached: run {}", c.render()));
                }
            }
            Res::TmpDir => {
                let Some(p) = tmp else { continue };
                if mounted {
                    remains.push(format!(
                        "directory {tmp_s} (a mount point): then run rmdir {}",
                        shell::quote(&tmp_s)
                    ));
                } else if host.remove_dir(p).is_ok() {
                    done.push(format!("removed {tmp_s}"));
                } else {
                    remains.push(format!(
                        "directory {tmp_s} could not be removed: run rmdir {}",
                        shell::quote(&tmp_s)
                    ));
                }
            }
            Res::PathDir(d) => {
                if host.remove_dir(Path::new(d)).is_ok() {
                    done.push(format!("removed {d}"));
                } else {
                    remains.push(format!(
                        "directory {d} (made by this run) could not be removed: run rmdir {}",
                        shell::quote(d)
                    ));
                }
            }
            Res::File => {
                let f = Path::new(&t.file);
                if let Some(u) = attached {
                    remains.push(format!(
                        "{} (backs md{u}): then run rm {}",
                        t.file,
                        shell::quote(&t.file)
                    ));
                } else if host.remove_file(f).is_ok() {
                    done.push(format!("removed {}", t.file));
                } else {
                    remains.push(format!(
                        "{} could not be removed: run rm {}",
                        t.file,
                        shell::quote(&t.file)
                    ));
                }
            }
        }
    }
    let mut notes = Vec::new();
    if !done.is_empty() {
        notes.push(format!("rolled back: {}", done.join(", ")));
    }
    if remains.is_empty() {
        notes.push("nothing remains".into());
    } else {
        for r in remains {
            notes.push(format!("remains: {r}"));
        }
    }
    notes
}

/// The image must have exactly the requested size and a UFS2 superblock where FreeBSD
/// looks for one.
fn verify(t: &Target, size: u64, host: &dyn Host, report: &mut Report) -> Result<(), Failure> {
    let file = Path::new(&t.file);
    let actual = host.file_size(file).map_err(|e| Failure {
        what: format!("checking {}", t.file),
        detail: Some(e.to_string()),
    })?;
    if actual != size {
        return Err(Failure {
            what: format!("checking {}", t.file),
            detail: Some(format!("makefs made {actual} bytes, not the {size} asked for")),
        });
    }
    let head = host.read_head(file, ufs::SEARCH_SPAN).map_err(|e| Failure {
        what: format!("reading {}", t.file),
        detail: Some(e.to_string()),
    })?;
    match ufs::find_superblock(&head) {
        None => Err(Failure {
            what: format!("checking {}", t.file),
            detail: Some("no UFS2 superblock at any standard location (65536, 8192, 0, 262144)".into()),
        }),
        Some(sb) => {
            report.notes.push(format!(
                "{}: {} bytes, UFS2 superblock at byte {} (block size {}, fragment size {})",
                t.jail, actual, sb.location, sb.bsize, sb.fsize
            ));
            if sb.location != ufs::SBLOCK_UFS2 {
                let verdict = if sb.sblockloc == i64::try_from(sb.location).unwrap_or(-1) {
                    format!(
                        "FreeBSD's kernel searches 65536, 8192, 0, 262144 (fs.h SBLOCKSEARCH) and accepts \
                         a UFS2 superblock at {} because its fs_sblockloc says so",
                        sb.location
                    )
                } else {
                    format!(
                        "its fs_sblockloc says {}, so FreeBSD may refuse to mount it",
                        sb.sblockloc
                    )
                };
                report.warnings.push(Diag::warning(
                    None,
                    format!(
                        "{}: the UFS2 superblock of {} is at byte {}, not the usual {} (NetBSD-derived \
                         makefs builds put it there); {verdict}",
                        t.jail,
                        t.file,
                        sb.location,
                        ufs::SBLOCK_UFS2,
                    ),
                ));
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::{LockGuard, Output};
    use std::collections::BTreeSet;
    use std::io;

    /// Records every command; fails the first one whose text contains `fail`, and then
    /// every later one too when `sticky` (a device that stays busy).
    #[derive(Default)]
    struct Rec {
        log: Vec<String>,
        fail: Option<String>,
        sticky: bool,
        failed: bool,
    }

    impl Runner for Rec {
        fn run(&mut self, argv: &[String]) -> io::Result<Output> {
            self.exec_text(shell::command(argv))
        }
        fn pipe(&mut self, l: &[String], r: &[String]) -> io::Result<Output> {
            self.exec_text(format!("{} | {}", shell::command(l), shell::command(r)))
        }
    }

    impl Rec {
        fn exec_text(&mut self, text: String) -> io::Result<Output> {
            let hit = self
                .fail
                .as_ref()
                .is_some_and(|f| text.contains(f.as_str()) && (!self.failed || self.sticky));
            self.log.push(text);
            if hit {
                self.failed = true;
                return Ok(Output {
                    code: Some(1),
                    stdout: Vec::new(),
                    stderr: format!("boom: {}\n", self.fail.as_deref().unwrap_or("")).into_bytes(),
                });
            }
            Ok(Output::ok())
        }
    }

    /// An in-memory host: a set of paths, with one operation made to fail.
    #[derive(Default)]
    struct Mem {
        paths: BTreeSet<PathBuf>,
        fail: &'static str,
        interrupt_after_mkdtemp: bool,
        interrupted: bool,
    }

    impl Host for Mem {
        fn exists(&self, p: &Path) -> bool {
            self.paths.contains(p)
        }
        fn is_dir(&self, _: &Path) -> bool {
            true
        }
        fn free_bytes(&self, _: &Path) -> io::Result<u64> {
            Ok(1 << 40)
        }
        fn lock(&mut self, p: &Path) -> io::Result<LockGuard> {
            if self.fail == "lock" {
                return Err(io::Error::new(io::ErrorKind::WouldBlock, "busy"));
            }
            self.paths.insert(p.to_path_buf());
            Ok(LockGuard::fake(p))
        }
        fn unlock(&mut self, g: LockGuard) -> io::Result<()> {
            self.paths.remove(&g.path);
            Ok(())
        }
        fn allocate(&mut self, p: &Path, _: u64, _: Alloc) -> io::Result<AllocMethod> {
            // A failing allocation leaves a partial file, like a full disk would.
            self.paths.insert(p.to_path_buf());
            if self.fail == "allocate" {
                return Err(io::Error::other("No space left on device"));
            }
            Ok(AllocMethod::Fallocate)
        }
        fn make_temp_dir(&mut self, t: &Path) -> io::Result<PathBuf> {
            if self.fail == "mkdtemp" {
                return Err(io::Error::other("Permission denied"));
            }
            let p = PathBuf::from(t.display().to_string().replace("XXXXXX", "abc123"));
            self.paths.insert(p.clone());
            self.interrupted = self.interrupt_after_mkdtemp;
            Ok(p)
        }
        fn remove_file(&mut self, p: &Path) -> io::Result<()> {
            self.paths.remove(p);
            Ok(())
        }
        fn remove_dir(&mut self, p: &Path) -> io::Result<()> {
            if self.fail == "rmdir" {
                return Err(io::Error::other("Directory not empty"));
            }
            self.paths.remove(p);
            Ok(())
        }
        fn file_size(&self, _: &Path) -> io::Result<u64> {
            Ok(64 << 20)
        }
        fn read_head(&self, _: &Path, _: usize) -> io::Result<Vec<u8>> {
            Ok(Vec::new())
        }
        fn interrupted(&self) -> bool {
            self.interrupted
        }
        fn make_dir(&mut self, p: &Path, _: u32) -> io::Result<()> {
            if self.fail == "mkdir" {
                return Err(io::Error::other("Permission denied"));
            }
            self.paths.insert(p.to_path_buf());
            Ok(())
        }
    }

    fn target(source: Source) -> Target {
        Target {
            jail: "www".into(),
            file: "/j/www.ufs".into(),
            size: 64 << 20,
            unit: Some(101),
            source,
        }
    }

    fn go(rec: &mut Rec, mem: &mut Mem, source: Source) -> Result<Report, Diag> {
        let t = target(source);
        let steps = plan(&t, &Options::default());
        execute(&t, &steps, rec, mem, &mut |_| {})
    }

    const TMPDIR: &str = "/j/www.ufs.mnt.abc123";

    #[test]
    fn success_runs_every_step_and_leaves_only_the_container() {
        let (mut rec, mut mem) = (Rec::default(), Mem::default());
        go(&mut rec, &mut mem, Source::Dir("/src root".into())).unwrap();
        assert_eq!(
            rec.log,
            [
                "mdconfig -a -t vnode -f /j/www.ufs -u 101",
                "newfs -U /dev/md101",
                "mount -t ufs /dev/md101 /j/www.ufs.mnt.abc123",
                "tar -C '/src root' --one-file-system -cpf - . | tar -C /j/www.ufs.mnt.abc123 -xpf -",
                "umount /j/www.ufs.mnt.abc123",
                "mdconfig -d -u 101",
            ]
        );
        assert_eq!(mem.paths.iter().collect::<Vec<_>>(), [Path::new("/j/www.ufs")]);
    }

    /// Each failure point: the undo commands that follow the failed one, and the notes.
    #[test]
    fn every_failure_point_rolls_back_completely() {
        let attach = "mdconfig -a -t vnode -f /j/www.ufs -u 101";
        let cases: &[(&str, &str, &[&str])] = &[
            ("", "allocate", &[]),
            ("mdconfig -a", "", &[attach]),
            (
                "newfs",
                "",
                &[attach, "newfs -U /dev/md101", "mdconfig -d -u 101"],
            ),
            (
                "",
                "mkdtemp",
                &[attach, "newfs -U /dev/md101", "mdconfig -d -u 101"],
            ),
            (
                "mount -t",
                "",
                &[
                    attach,
                    "newfs -U /dev/md101",
                    "mount -t ufs /dev/md101 /j/www.ufs.mnt.abc123",
                    "mdconfig -d -u 101",
                ],
            ),
            (
                "tar -C /src",
                "",
                &[
                    attach,
                    "newfs -U /dev/md101",
                    "mount -t ufs /dev/md101 /j/www.ufs.mnt.abc123",
                    "tar -C /src --one-file-system -cpf - . | tar -C /j/www.ufs.mnt.abc123 -xpf -",
                    "umount /j/www.ufs.mnt.abc123",
                    "mdconfig -d -u 101",
                ],
            ),
        ];
        for (cmd_fail, host_fail, expect) in cases {
            let mut rec = Rec {
                fail: (!cmd_fail.is_empty()).then(|| cmd_fail.to_string()),
                ..Rec::default()
            };
            let mut mem = Mem {
                fail: host_fail,
                ..Mem::default()
            };
            let d = go(&mut rec, &mut mem, Source::Dir("/src".into())).unwrap_err();
            assert_eq!(d.exit, exit::FINDINGS, "{cmd_fail}{host_fail}");
            assert_eq!(&rec.log, expect, "{cmd_fail}{host_fail}");
            assert!(mem.paths.is_empty(), "{cmd_fail}{host_fail}: {:?}", mem.paths);
            assert_eq!(
                d.notes.last().map(String::as_str),
                Some("nothing remains"),
                "{d:?}"
            );
            if !cmd_fail.is_empty() {
                assert!(
                    d.message.contains(&format!("failed: {cmd_fail}")),
                    "{}",
                    d.message
                );
                assert!(d.notes.contains(&format!("stderr: boom: {cmd_fail}")), "{d:?}");
            }
        }
    }

    #[test]
    fn the_missing_path_is_made_first_and_removed_by_a_rollback() {
        let t = target(Source::Empty);
        let dirs = ["/j".to_owned(), "/j/www".to_owned()];
        let steps = with_path_dirs(&dirs, plan(&t, &Options::default()));
        let text = render(&t, &steps);
        assert!(
            text.contains("\nmkdir -m 0755 /j\nmkdir -m 0755 /j/www\n# allocate: "),
            "{text}"
        );
        let (mut rec, mut mem) = (Rec::default(), Mem::default());
        execute(&t, &steps, &mut rec, &mut mem, &mut |_| {}).unwrap();
        assert!(mem.paths.contains(Path::new("/j/www")));
        // A failure later removes what this run made, innermost first.
        let mut rec = Rec {
            fail: Some("newfs".into()),
            ..Rec::default()
        };
        let mut mem = Mem::default();
        let d = execute(&t, &steps, &mut rec, &mut mem, &mut |_| {}).unwrap_err();
        assert!(mem.paths.is_empty(), "{:?}", mem.paths);
        assert_eq!(
            d.notes[1],
            "rolled back: detached md101, removed /j/www.ufs, removed /j/www, removed /j"
        );
        // A failing mkdir touches nothing else.
        let mut rec = Rec::default();
        let mut mem = Mem {
            fail: "mkdir",
            ..Mem::default()
        };
        let d = execute(&t, &steps, &mut rec, &mut mem, &mut |_| {}).unwrap_err();
        assert!(
            d.message.contains("making the jail's directory /j"),
            "{}",
            d.message
        );
        assert!(rec.log.is_empty() && mem.paths.is_empty());
    }

    #[test]
    fn an_archive_failure_rolls_back_too() {
        let mut rec = Rec {
            fail: Some("-xpf /b.txz".into()),
            ..Rec::default()
        };
        let mut mem = Mem::default();
        let d = go(&mut rec, &mut mem, Source::Archive("/b.txz".into())).unwrap_err();
        assert!(mem.paths.is_empty());
        assert_eq!(
            d.notes[1],
            "rolled back: unmounted /j/www.ufs.mnt.abc123, removed /j/www.ufs.mnt.abc123, detached md101, removed /j/www.ufs"
        );
    }

    #[test]
    fn a_stuck_umount_reports_exactly_what_remains() {
        let mut rec = Rec {
            fail: Some("umount".into()),
            sticky: true,
            ..Rec::default()
        };
        let mut mem = Mem::default();
        let d = go(&mut rec, &mut mem, Source::Empty).unwrap_err();
        assert_eq!(
            rec.log.last().map(String::as_str),
            Some("umount /j/www.ufs.mnt.abc123")
        );
        assert_eq!(
            d.notes[1..],
            [
                format!("remains: {TMPDIR} is still mounted: run umount {TMPDIR}"),
                format!("remains: directory {TMPDIR} (a mount point): then run rmdir {TMPDIR}"),
                "remains: md101 stays attached (mounted): then run mdconfig -d -u 101".to_string(),
                "remains: /j/www.ufs (backs md101): then run rm /j/www.ufs".to_string(),
            ]
        );
        // The lock is gone; the container and mount point stay, as reported.
        assert!(!mem.paths.contains(Path::new("/j/www.ufs.lock")));
        assert!(mem.paths.contains(Path::new("/j/www.ufs")));
    }

    #[test]
    fn a_stuck_detach_keeps_the_file_and_says_how_to_finish() {
        let mut rec = Rec {
            fail: Some("mdconfig -d".into()),
            sticky: true,
            ..Rec::default()
        };
        let mut mem = Mem::default();
        let d = go(&mut rec, &mut mem, Source::Empty).unwrap_err();
        assert!(
            d.message.contains("failed: mdconfig -d -u 101 (exit 1)"),
            "{}",
            d.message
        );
        assert_eq!(
            d.notes[1..],
            [
                "remains: md101 could not be detached: run mdconfig -d -u 101",
                "remains: /j/www.ufs (backs md101): then run rm /j/www.ufs",
            ]
        );
        assert_eq!(mem.paths.iter().collect::<Vec<_>>(), [Path::new("/j/www.ufs")]);
    }

    #[test]
    fn a_detach_that_fails_once_is_retried_by_the_rollback() {
        let mut rec = Rec {
            fail: Some("mdconfig -d".into()),
            ..Rec::default()
        };
        let mut mem = Mem::default();
        let d = go(&mut rec, &mut mem, Source::Empty).unwrap_err();
        assert_eq!(d.notes.last().map(String::as_str), Some("nothing remains"));
        assert!(mem.paths.is_empty());
    }

    #[test]
    fn a_temp_dir_that_cannot_be_removed_is_reported() {
        let mut rec = Rec::default();
        let mut mem = Mem {
            fail: "rmdir",
            ..Mem::default()
        };
        let d = go(&mut rec, &mut mem, Source::Empty).unwrap_err();
        assert!(d.notes.contains(&format!(
            "remains: directory {TMPDIR} could not be removed: run rmdir {TMPDIR}"
        )));
        assert!(!mem.paths.contains(Path::new("/j/www.ufs")));
    }

    #[test]
    fn an_interrupt_stops_and_rolls_back() {
        let mut rec = Rec::default();
        let mut mem = Mem {
            interrupt_after_mkdtemp: true,
            ..Mem::default()
        };
        let d = go(&mut rec, &mut mem, Source::Empty).unwrap_err();
        assert!(d.message.contains("interrupted"), "{}", d.message);
        assert_eq!(rec.log.last().map(String::as_str), Some("mdconfig -d -u 101"));
        assert!(mem.paths.is_empty());
    }

    #[test]
    fn a_busy_lock_touches_nothing() {
        let mut rec = Rec::default();
        let mut mem = Mem {
            fail: "lock",
            ..Mem::default()
        };
        let d = go(&mut rec, &mut mem, Source::Empty).unwrap_err();
        assert!(d.message.contains("is locked"), "{}", d.message);
        assert!(rec.log.is_empty());
        assert_eq!(d.exit, exit::CANTCREAT);
    }

    #[test]
    fn makefs_falls_back_without_softupdates_and_removes_its_partial_image() {
        let t = Target {
            unit: None,
            ..target(Source::Empty)
        };
        let opts = Options {
            via: Via::Makefs,
            ..Options::default()
        };
        let steps = plan(&t, &opts);
        let mut rec = Rec {
            fail: Some("softupdates".into()),
            ..Rec::default()
        };
        let mut mem = Mem::default();
        // The fake's head is empty: no superblock, so the check fails and rolls back.
        let d = execute(&t, &steps, &mut rec, &mut mem, &mut |_| {}).unwrap_err();
        assert_eq!(rec.log.len(), 2, "{:?}", rec.log);
        assert!(rec.log[1].contains("-o version=2 "));
        assert!(d.notes.iter().any(|n| n.contains("no UFS2 superblock")), "{d:?}");
        assert!(
            d.notes.iter().any(|n| n.contains("does not know -o softupdates")),
            "{d:?}"
        );
        assert!(mem.paths.is_empty(), "{:?}", mem.paths);
    }

    #[test]
    fn preflight_refuses_an_existing_container_and_a_missing_unit() {
        let mut mem = Mem::default();
        mem.paths.insert("/j/www.ufs".into());
        let e = preflight(&target(Source::Empty), &Options::default(), &mem).unwrap_err();
        assert_eq!(e.exit, exit::CANTCREAT);
        assert!(e.message.contains("never overwrites"));
        let t = Target {
            unit: None,
            ..target(Source::Empty)
        };
        let e = preflight(&t, &Options::default(), &Mem::default()).unwrap_err();
        assert_eq!(e.exit, exit::DATAERR);
        assert!(e.message.contains("jailvol generate"));
    }
}
