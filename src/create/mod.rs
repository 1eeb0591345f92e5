//! `create`: one-time container creation (design §5, spec §4.7, docs/create.md).
//!
//! [`plan`] is pure: from a container and the options it makes the engine's step list
//! (src/engine), each step with what undoes it. [`execute`] runs it through the engine
//! with this module's ops (`run.rs`): on a failure or SIGINT/SIGTERM the engine undoes
//! what was done in reverse (umount, detach, remove the temporary directory, remove the
//! file jailvol created, remove the directories of the jail's path it made), then says
//! exactly what, if anything, remains.
//!
//! Both backends first make the jail's `path` (the container's mount point) when it is
//! missing, mode 0755 whatever the umask: jail(8) mounts the container there, and
//! mount(8) needs an existing directory (sbin/mount/getmntopts.c `checkpath`: realpath(3)
//! and stat(2) of the mount point), so a missing one makes the jail's first start fail.
//!
//! md backend: allocate, `mdconfig -a -t vnode -f FILE -u N`, `newfs -U /dev/mdN`,
//! mount on `FILE.mnt.XXXXXX`, populate, `umount`, remove the directory,
//! `mdconfig -d -u N`. A geli container (`$volume_encrypt = geli`, md backend only) puts
//! geli(8) between the unit and the file system: after the attach, `geli init -B none
//! -P -K KEYFILE -s 4096 mdN` and `geli attach -p -k KEYFILE mdN`; newfs and the mount use
//! `/dev/mdN.eli`; `geli detach mdN.eli` before the md detach, and first in a rollback
//! (md(4) cannot be detached while the .eli provider holds it open). Why these flags:
//! docs/freebsd.md "geli". makefs backend: `makefs -t ffs -o version=2,softupdates=1 -s SIZE
//! FILE DIR`, no md, no mount, no root; the result's size and UFS2 superblock are checked.

mod run;

use std::path::Path;

use crate::diag::{Diag, exit};
use crate::engine::{self, Lock, Step, Undo};
use crate::exec::{Cmd, Host, PATH_MODE, Runner};
use crate::shell;
use crate::volume::{Volume, format_size, format_size_approx};

pub use crate::engine::run::Report;

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
    /// A geli container: its keyfile (a path on this machine, as `file`).
    pub geli_keyfile: Option<String>,
}

impl Target {
    pub fn new(v: &Volume, source: &Source, map: &dyn Fn(&str) -> String) -> Target {
        Target {
            jail: v.jail.to_string(),
            file: map(&v.file),
            size: v.size,
            unit: v.unit,
            geli_keyfile: v.geli_keyfile.as_deref().map(map),
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

/// What a step of `create` does, or undoes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// mkdir one directory of the jail's path, mode 0755 ([`PATH_MODE`]).
    MakeDir {
        path: String,
    },
    /// Create the container file and claim its space.
    Allocate {
        file: String,
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
    /// rmdir the temporary directory.
    RemoveTmp,
    /// Check the image: exact size, UFS2 superblock.
    Verify {
        size: u64,
    },
    // The undos.
    /// umount the temporary directory.
    Umount,
    Detach {
        unit: u32,
    },
    /// `geli detach mdN.eli`.
    GeliDetach {
        unit: u32,
    },
    RemoveFile {
        file: String,
    },
    /// rmdir a directory of the jail's path this run made.
    RemoveDir {
        path: String,
    },
}

/// A word as `--dry-run` prints it.
/// dd(1)'s block size and count for `size` bytes: whole MiB when the size is, else
/// 512-byte sectors (a volume size is whole sectors, volume.rs), as migrate's script
/// allocates (migrate/steps.rs `dd_blocks`).
fn dd_blocks(size: u64) -> (u64, u64) {
    if size.is_multiple_of(1 << 20) {
        (1 << 20, size >> 20)
    } else {
        (512, size / 512)
    }
}

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

impl engine::Op for Op {
    /// The commands create/run.rs runs as processes (the rest are system calls).
    fn argv(&self) -> Vec<Vec<String>> {
        // The temporary directory, known only at run time, is `$tmp` as in `run`.
        let shown = |w: &str| if w == TMP { "$tmp".to_owned() } else { w.to_owned() };
        match self {
            Op::Run(c) => c.map_words(&shown).argv(),
            // The fallback runs only when makefs refuses the first.
            Op::Makefs { cmd, .. } => Cmd::Run(cmd.clone()).map_words(&shown).argv(),
            Op::Umount => vec![vec!["umount".to_owned(), "$tmp".to_owned()]],
            Op::Detach { unit } => vec![md_detach_words(*unit)],
            Op::GeliDetach { unit } => vec![geli_detach_words(*unit)],
            Op::MakeDir { .. }
            | Op::Allocate { .. }
            | Op::MakeTmp { .. }
            | Op::RemoveTmp
            | Op::Verify { .. }
            | Op::RemoveFile { .. }
            | Op::RemoveDir { .. } => Vec::new(),
        }
    }

    fn show(&self) -> String {
        let line = |words: &[&str]| format!("{}\n", shell::command(words));
        match self {
            Op::MakeDir { path } => line(&["mkdir", "-m", &format!("{PATH_MODE:04o}"), path]),
            // There is no posix_fallocate(1): the command an admin runs instead is what
            // jailvol's fallback does, zeros written over the whole file, dd(1)
            // `if=/dev/zero of=FILE bs=N count=N` (FreeBSD's and GNU dd read a plain
            // byte count for bs=). The comment says what jailvol itself calls.
            Op::Allocate {
                file,
                size,
                sparse: false,
            } => {
                let (bs, count) = dd_blocks(*size);
                format!(
                    "{} # allocate: jailvol calls posix_fallocate(2), and writes these zeros where the filesystem refuses it (ZFS)\n",
                    shell::command(&[
                        "dd",
                        "if=/dev/zero",
                        &format!("of={file}"),
                        &format!("bs={bs}"),
                        &format!("count={count}"),
                    ])
                )
            }
            // truncate(1) `-s SIZE FILE`: ftruncate(2), a sparse file, as --sparse does.
            Op::Allocate {
                file,
                size,
                sparse: true,
            } => line(&["truncate", "-s", &size.to_string(), file]),
            Op::MakeTmp { template } => format!("tmp=$(mktemp -d {})\n", shell::quote(template)),
            Op::Run(c) => format!("{}\n", show_cmd(c)),
            Op::Makefs { cmd, fallback } => format!(
                "{}\n#   (if makefs does not know softupdates: {})\n",
                show_cmd(&Cmd::Run(cmd.clone())),
                show_cmd(&Cmd::Run(fallback.clone()))
            ),
            Op::RemoveTmp => "rmdir \"$tmp\"\n".to_owned(),
            Op::Verify { size } => format!(
                "# verify: size {size} bytes, UFS2 superblock (magic 0x19540119 at byte 65536 + 1372)\n"
            ),
            Op::Umount => "umount \"$tmp\"\n".to_owned(),
            Op::Detach { unit } => format!("{}\n", show_cmd(&Cmd::Run(md_detach_words(*unit)))),
            Op::GeliDetach { unit } => format!("{}\n", show_cmd(&Cmd::Run(geli_detach_words(*unit)))),
            Op::RemoveFile { file } => line(&["rm", file]),
            Op::RemoveDir { path } => line(&["rmdir", path]),
        }
    }
}

/// A create plan.
pub type Plan = engine::Plan<Op>;

fn words(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

fn run(name: &'static str, v: &[&str]) -> Step<Op> {
    Step::new(name, Op::Run(Cmd::Run(words(v))))
}

/// geli(8)'s sector size for a container: 4096, not md(4)'s 512 (geli(8) -s: a larger
/// sector size means fewer encryption operations; UFS's fragments are 4096 anyway).
pub const GELI_SECTOR: &str = "4096";

/// `geli init`: no metadata backup (`-B none`; geom_eli.c eli_init would write
/// /var/backups/mdN.eli, named after a unit number other containers reuse, holding the
/// encrypted master key: a key copy where the admin did not point), no passphrase (`-P`:
/// the jail starts unattended), the keyfile (`-K`), 4096-byte sectors; the cipher and key
/// length are geli's defaults (AES-XTS, 128 bits: GELI_ENC_ALGO, g_eli_keylen).
pub fn geli_init_words(unit: u32, keyfile: &str) -> Vec<String> {
    words(&[
        "geli",
        "init",
        "-B",
        "none",
        "-P",
        "-K",
        keyfile,
        "-s",
        GELI_SECTOR,
        &format!("md{unit}"),
    ])
}

/// `geli attach -p -k KEYFILE mdN`: the keyfile alone, never a passphrase prompt
/// (`-p`; geom_eli.c eli_genkey_passphrase).
pub fn geli_attach_words(unit: u32, keyfile: &str) -> Vec<String> {
    words(&["geli", "attach", "-p", "-k", keyfile, &format!("md{unit}")])
}

/// `geli detach mdN.eli`.
/// `mdconfig -d -u N`: how create detaches (and undoes an attach), run, shown and in the
/// JSON plan.
pub fn md_detach_words(unit: u32) -> Vec<String> {
    vec!["mdconfig".into(), "-d".into(), "-u".into(), unit.to_string()]
}

pub fn geli_detach_words(unit: u32) -> Vec<String> {
    vec!["geli".into(), "detach".into(), format!("md{unit}.eli")]
}

/// The steps of the md backend. The unit is checked by the preflight.
fn md_steps(t: &Target, opts: &Options, p: &mut Plan) {
    let unit = t.unit.unwrap_or(0);
    let u = unit.to_string();
    let dev = crate::volume::fs_device(unit, t.geli_keyfile.is_some());
    let file = t.file.clone();
    p.push(
        Step::new(
            "allocate",
            Op::Allocate {
                file: file.clone(),
                size: t.size,
                sparse: opts.sparse,
            },
        )
        .undo(Undo::new(Op::RemoveFile { file })),
    );
    p.push(
        run(
            "attach",
            &["mdconfig", "-a", "-t", "vnode", "-f", &t.file, "-u", &u],
        )
        .undo(Undo::new(Op::Detach { unit }).holding(&["allocate"])),
    );
    // The md unit under the mount: the .eli provider when there is one.
    let mut under = "attach";
    if let Some(key) = &t.geli_keyfile {
        // Nothing undoes init: its metadata is in the file's last sector, which the
        // allocate undo removes with the file.
        p.push(Step::new(
            "geli-init",
            Op::Run(Cmd::Run(geli_init_words(unit, key))),
        ));
        p.push(
            Step::new("geli-attach", Op::Run(Cmd::Run(geli_attach_words(unit, key))))
                .undo(Undo::new(Op::GeliDetach { unit }).holding(&["attach"])),
        );
        under = "geli-attach";
    }
    let mut newfs = vec!["newfs".to_owned()];
    newfs.extend(opts.newfs_opts.iter().cloned());
    newfs.push(dev.clone());
    p.push(Step::new("newfs", Op::Run(Cmd::Run(newfs))));
    p.push(
        Step::new(
            "mkdtemp",
            Op::MakeTmp {
                template: t.tmp_template(),
            },
        )
        .undo(Undo::new(Op::RemoveTmp)),
    );
    p.push(
        run("mount", &["mount", "-t", "ufs", &dev, TMP])
            .undo(Undo::new(Op::Umount).holding(&["mkdtemp", under])),
    );
    match &t.source {
        Source::Empty => {}
        Source::Dir(d) => p.push(Step::new(
            "copy",
            Op::Run(Cmd::Pipe(
                words(&["tar", "-C", d, "--one-file-system", "-cpf", "-", "."]),
                words(&["tar", "-C", TMP, "-xpf", "-"]),
            )),
        )),
        Source::Archive(a) => p.push(run("extract", &["tar", "-C", TMP, "-xpf", a])),
    }
    p.push(run("umount", &["umount", TMP]).releases("mount"));
    p.push(Step::new("rmdir", Op::RemoveTmp).releases("mkdtemp"));
    if t.geli_keyfile.is_some() {
        p.push(Step::new("geli-detach", Op::Run(Cmd::Run(geli_detach_words(unit)))).releases("geli-attach"));
    }
    p.push(Step::new("detach", Op::Run(Cmd::Run(md_detach_words(unit)))).releases("attach"));
}

/// The steps of the makefs backend.
fn makefs_steps(t: &Target, p: &mut Plan) {
    let size = t.size.to_string();
    let dir = match &t.source {
        Source::Dir(d) => d.clone(),
        _ => {
            p.push(
                Step::new(
                    "mkdtemp",
                    Op::MakeTmp {
                        template: t.tmp_template(),
                    },
                )
                .undo(Undo::new(Op::RemoveTmp)),
            );
            TMP.to_owned()
        }
    };
    let cmd = |o: &str| words(&["makefs", "-t", "ffs", "-o", o, "-s", &size, &t.file, &dir]);
    p.push(
        Step::new(
            "makefs",
            Op::Makefs {
                cmd: cmd("version=2,softupdates=1"),
                fallback: cmd("version=2"),
            },
        )
        .undo(Undo::new(Op::RemoveFile { file: t.file.clone() })),
    );
    if dir == TMP {
        p.push(Step::new("rmdir", Op::RemoveTmp).releases("mkdtemp"));
    }
    p.push(Step::new("verify", Op::Verify { size: t.size }));
}

/// The plan for one container. Pure. The md backend needs the unit (preflight checks).
pub fn plan(t: &Target, opts: &Options) -> Plan {
    let mut p = Plan::new(t.jail.clone());
    p.head.push(format!(
        "{}: {} ({}){}",
        t.jail,
        shell::quote(&t.file),
        format_size(t.size),
        t.unit.map(|u| format!(" as md{u}")).unwrap_or_default()
    ));
    let lock = t.lock_path();
    p.lock = Some(Lock {
        busy: format!("{lock} is locked: another `jailvol create` is making this container"),
        path: lock,
    });
    match opts.via {
        Via::Md => md_steps(t, opts, &mut p),
        Via::Makefs => makefs_steps(t, &mut p),
    }
    p
}

/// `plan` preceded by making `dirs` (the jail's path, from [`missing_dirs`], outermost
/// first): the mount point first, as it is cheap and a failure there touches nothing else.
pub fn with_path_dirs(dirs: &[String], mut plan: Plan) -> Plan {
    let made = dirs.iter().map(|d| {
        Step::new("mkdir", Op::MakeDir { path: d.clone() }).undo(Undo::new(Op::RemoveDir { path: d.clone() }))
    });
    plan.steps.splice(0..0, made);
    plan
}

/// The plan as sh, one command a line: what `--dry-run` prints.
pub fn render(plan: &Plan) -> String {
    plan.text()
}

/// Run the plan for one container, holding its lock. On failure the returned Diag (exit
/// 1) names the failed command with its stderr and what remains after the rollback.
pub fn execute(
    t: &Target,
    plan: &Plan,
    runner: &mut dyn Runner,
    host: &mut dyn Host,
    verbose: &mut dyn FnMut(&str),
    progress: &mut dyn FnMut(&str),
) -> Result<Report, Diag> {
    let mut ops = run::CreateOps::new(t, runner, host, verbose);
    engine::run::execute(plan, &mut ops, progress)
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
    if let Some(key) = &t.geli_keyfile {
        if opts.via != Via::Md {
            return Err(refuse(
                t,
                exit::USAGE,
                "a geli container ($volume_encrypt = geli) is made through md(4): geli needs an attached \
                 provider, which makefs never has (leave out --via makefs)"
                    .into(),
            ));
        }
        if !host.exists(Path::new(key)) {
            return Err(refuse(
                t,
                exit::NOINPUT,
                format!(
                    "keyfile {key} does not exist: jailvol never makes keys; make one with \
                     `dd if=/dev/random of={} bs=64 count=1` and `chmod 600` it",
                    shell::quote(key)
                ),
            ));
        }
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
            format_size_approx(free)
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

#[cfg(test)]
mod tests;
