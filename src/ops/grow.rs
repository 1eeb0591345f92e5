//! `jailvol grow JAIL SIZE`: every check before anything is touched (docs/grow-status.md,
//! "Checks"), the plan for what the host shows, then the run (src/grow through the
//! engine) with the new size written back into jail.conf.

use std::path::{Path, PathBuf};

use crate::diag::{Diag, exit};
use crate::exec::{self, Host, RealHost, System};
use crate::grow::{self, SizeArg, State};
use crate::model::Config;
use crate::parse::jailconf::Parsed;
use crate::parse::loader::Loader;
use crate::volume::{Volume, format_size, format_size_approx};
use crate::write;

/// What `grow` was asked.
#[derive(Debug, Clone)]
pub struct Options {
    pub jail: String,
    pub size: SizeArg,
    pub online: bool,
    pub sparse: bool,
    pub dry_run: bool,
    /// The configuration files named with -f (`-` is standard input).
    pub files: Vec<String>,
}

/// The jail.conf edit, checked before anything is touched.
#[derive(Debug, Clone)]
struct ConfEdit {
    /// The file as the configuration names it, and as this machine reaches it.
    file: String,
    real: PathBuf,
    /// The text parsed, and the text to write.
    old: String,
    new: String,
}

impl ConfEdit {
    /// The file is rewritten whole: it must be exactly what was parsed (UTF-8, unchanged).
    fn unchanged(&self, what: &str) -> Result<(), String> {
        match std::fs::read(&self.real) {
            Ok(b) if b == self.old.as_bytes() => Ok(()),
            Ok(_) => Err(format!(
                "{} {what} (or is not plain UTF-8): jailvol does not rewrite it",
                self.file
            )),
            Err(e) => Err(format!("{}: {e}", self.file)),
        }
    }
    fn write(&self) -> Result<String, String> {
        self.unchanged("changed since jailvol read it")?;
        write::write_atomic(&self.real, self.new.as_bytes(), 0o644)
            .map(|()| self.file.clone())
            .map_err(|e| format!("{}: {e}", self.file))
    }
}

/// A grow, checked and planned.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub volume: Volume,
    pub target: grow::Target,
    pub plan: grow::Plan,
    /// The jail runs or its root is mounted.
    pub online: bool,
    /// What the host showed (`stopped, root not mounted, md101 not attached`).
    pub state: String,
    conf: ConfEdit,
}

fn refuse(jail: &str, code: i32, m: String) -> Diag {
    Diag::error(None, format!("{jail}: {m}")).with_exit(code)
}

fn usage(m: String) -> Diag {
    Diag::error(None, m).with_exit(exit::USAGE)
}

/// The new size's edit of the configuration, refused before anything is touched when it
/// cannot be made safely or does not read back.
fn conf_edit(
    loader: &Loader,
    parsed: &Parsed,
    cfg: &Config,
    v: &Volume,
    new: u64,
    files: &[String],
) -> Result<ConfEdit, Diag> {
    let jail = &v.jail;
    let record = cfg
        .jails
        .iter()
        .find(|j| j.name == jail)
        .map(|j| j.record)
        .ok_or_else(|| usage(format!("no jail \"{jail}\"")))?;
    let (file, new_text) = grow::config_edit(parsed, record, &format_size(new))
        .map_err(|m| refuse(jail, exit::DATAERR, format!("cannot record the new size: {m}")))?;
    // A pipe or device was read once (parse::loader): it cannot be compared again nor
    // rewritten, and renaming a file over a FIFO would replace it.
    if loader.stream(&file).is_some() {
        return Err(usage(format!(
            "grow writes the new size back into jail.conf: {file} is not a regular file"
        )));
    }
    let old = parsed
        .sources
        .iter()
        .find(|s| s.name == file)
        .map(|s| String::clone(&s.text))
        .unwrap_or_default();
    let edit = ConfEdit {
        real: loader.real_path(&file),
        file,
        old,
        new: new_text,
    };
    edit.unchanged("changed while it was read")
        .map_err(|m| refuse(jail, exit::DATAERR, m))?;
    if files.len() <= 1 {
        grow::verify_edit(loader, parsed, &edit.file, &edit.new, jail, new).map_err(|m| {
            refuse(
                jail,
                exit::SOFTWARE,
                format!("the jail.conf edit does not read back: {m}"),
            )
        })?;
    }
    Ok(edit)
}

/// The container file exists, is not bigger than the new size, and its file system
/// has the space (a warning with `--sparse`). Returns its size.
fn file_checks(
    jail: &str,
    file: &str,
    new: u64,
    sparse: bool,
    warn: &mut dyn FnMut(&[Diag]),
) -> Result<u64, Diag> {
    let host = RealHost::default();
    let fpath = Path::new(file);
    if !host.exists(fpath) {
        return Err(refuse(
            jail,
            exit::NOINPUT,
            format!("{file} does not exist: make the container with `jailvol create` first"),
        ));
    }
    let file_size = host
        .file_size(fpath)
        .map_err(|e| refuse(jail, exit::IOERR, format!("{file}: {e}")))?;
    if file_size > new {
        return Err(refuse(
            jail,
            exit::DATAERR,
            format!(
                "{file} is already {file_size} bytes, more than {}: grow to at least {}",
                format_size(new),
                format_size_approx(file_size)
            ),
        ));
    }
    let dir = fpath.parent().unwrap_or(Path::new("/"));
    let need = new - file_size;
    let free = host.free_bytes(dir).map_err(|e| {
        refuse(
            jail,
            exit::IOERR,
            format!("cannot read free space of {}: {e}", dir.display()),
        )
    })?;
    if free < need {
        let m = format!(
            "growing {file} needs {} more but {} has {} free",
            format_size_approx(need),
            dir.display(),
            format_size_approx(free)
        );
        if !sparse {
            return Err(refuse(jail, exit::CANTCREAT, m));
        }
        warn(&[Diag::warning(
            None,
            format!("{jail}: {m} (sparse file: overcommitted)"),
        )]);
    }
    Ok(file_size)
}

/// What the host shows about the container (`jls`, `mdconfig -l -v`, `mount -p`), and
/// the refusals it leads to: the unit or the file attached elsewhere, the unit mounted
/// elsewhere, a running jail whose root is not this container.
fn observe(jail: &str, file: &str, path: &str, unit: u32, dry_run: bool) -> Result<(State, String), Diag> {
    let host = RealHost::default();
    let mut runner = System;
    let (state, text) = match grow::observe(jail, file, path, unit, &mut runner, &host) {
        Ok(s) => {
            let d = s.describe(unit, file);
            (s, d)
        }
        Err(e) if dry_run => (
            State::default(),
            format!("state unknown ({e}); assuming stopped and detached"),
        ),
        Err(e) => {
            return Err(refuse(
                jail,
                exit::IOERR,
                format!("cannot read the container's state: {e}"),
            ));
        }
    };
    let bad = |m: String| Err(refuse(jail, exit::CANTCREAT, m));
    if let Some(Some(f)) = &state.unit_file
        && f != file
    {
        return bad(format!(
            "md{unit} is attached to {f}, not to {file}: see `jailvol status`"
        ));
    }
    if let Some(other) = state.file_units.iter().find(|u| **u != unit) {
        return bad(format!(
            "{file} is attached as md{other}, not md{unit}: detach it first (mdconfig -d -u {other})"
        ));
    }
    if let Some(on) = &state.unit_mounted_on
        && on != path
    {
        return bad(format!(
            "/dev/md{unit} is mounted on {on}, not on the jail's path: unmount it first"
        ));
    }
    let dev = format!("/dev/md{unit}");
    let from_unit = |d: &str| d == dev || d.strip_prefix(dev.as_str()) == Some(".eli");
    if state.online() && (!state.mounted_from.as_deref().is_some_and(from_unit) || !state.attached_here(file))
    {
        return bad(format!(
            "the jail's root is not mounted from md{unit} backed by {file} ({text}): see `jailvol status`"
        ));
    }
    Ok((state, text))
}

/// The configuration must come from files: the new size is written back (checked
/// before the configuration is read).
pub fn check_files(files: &[String]) -> Result<(), Diag> {
    if files.iter().any(|f| f == "-") {
        return Err(usage(
            "grow writes the new size back into jail.conf: it cannot read it from standard input".into(),
        ));
    }
    Ok(())
}

/// Everything checked before anything is touched, the configuration edit included, and
/// the plan. `warn` hears warnings as they are found.
pub fn prepare(
    loader: &Loader,
    parsed: &Parsed,
    cfg: &Config,
    v: Volume,
    opts: &Options,
    warn: &mut dyn FnMut(&[Diag]),
) -> Result<Prepared, Diag> {
    check_files(&opts.files)?;
    let jail = v.jail.clone();
    let new = grow::new_size(&jail, v.size, opts.size)?;
    let Some(unit) = v.unit else {
        return Err(refuse(
            &jail,
            exit::DATAERR,
            "no md unit assigned yet ($volume_md_unit): run `jailvol generate` first".into(),
        ));
    };
    let conf = conf_edit(loader, parsed, cfg, &v, new, &opts.files)?;
    let real = |p: &str| loader.real_path(p).display().to_string();
    let (file, path) = (real(&v.file), real(&v.path));
    let file_size = file_checks(&jail, &file, new, opts.sparse, warn)?;
    let (state, text) = observe(&jail, &file, &path, unit, opts.dry_run)?;
    let online = state.online();
    let mut target = grow::Target::new(&v, file.clone(), unit, file_size, new, opts.sparse)
        .with_geli(v.geli_keyfile.as_deref().map(real));
    if let Some(m) = grow::geli_refusal(&target, &state) {
        return Err(Diag::error(None, m).with_exit(exit::CANTCREAT));
    }
    if !online {
        target.fs_grown = file_size >= new
            && grow::fs_size(&RealHost::default(), Path::new(&file)).is_some_and(|fs| fs > v.size);
    }
    let plan = grow::plan(&target, &state, online, &text, &conf.file);
    Ok(Prepared {
        volume: v,
        target,
        plan,
        online,
        state: text,
        conf,
    })
}

impl Prepared {
    /// A running jail (or a mounted root) is grown only with `--online`: without it the
    /// steps are printed and nothing is touched.
    pub fn refused_online(&self, opts: &Options) -> Option<Diag> {
        (self.online && !opts.online).then(|| {
            refuse(
                &self.volume.jail,
                exit::FINDINGS,
                format!(
                    "the jail is running or its root is mounted ({}): growing a mounted UFS needs --online \
                     (growfs suspends writes while it works; FreeBSD 10.0 or later); the steps are printed above; \
                     nothing was changed",
                    self.state
                ),
            )
        })
    }

    /// Grow the container, holding its lock; the new size is written into jail.conf
    /// once growfs succeeded. `command` hears each command, `progress` each step.
    pub fn run(
        &self,
        fill_progress: bool,
        command: &mut dyn FnMut(&str),
        progress: &mut dyn FnMut(&str),
    ) -> anyhow::Result<grow::Report> {
        if !exec::is_root() {
            anyhow::bail!(usage(
                "grow needs root (mdconfig, growfs, fsck); --dry-run does not".into()
            ));
        }
        exec::catch_interrupts()?;
        let mut runner = System;
        let mut host = RealHost {
            progress: fill_progress,
        };
        let mut write_conf = || self.conf.write();
        Ok(grow::execute(
            &self.target,
            &self.plan,
            &mut runner,
            &mut host,
            &mut write_conf,
            command,
            progress,
        )?)
    }
}
