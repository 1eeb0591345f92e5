//! `jailvol create`: for each chosen jail, every check before anything is touched
//! (src/create: the container, the unit, the source, the space, the jail's path), then
//! the plans — printed (`--dry-run`) or run one container after the other.

use std::collections::BTreeSet;
use std::path::Path;

use crate::create::{self, Options, Target, Via};
use crate::diag::{Diag, exit};
use crate::exec::{self, Host, RealHost, System};
use crate::parse::loader::Loader;
use crate::volume::Volume;

/// One container to make: as the configuration names it (for `--dry-run`), as this
/// machine reaches it (below `--root`), and the directories of the jail's path to make.
#[derive(Debug, Clone)]
pub struct Job {
    pub shown: Target,
    pub real: Target,
    pub dirs: Vec<String>,
}

/// The options as the command line gives them.
pub struct Asked {
    pub via: Via,
    pub from: Option<String>,
    pub from_archive: Option<String>,
    /// `--newfs-opts "..."`: replaces the default.
    pub newfs_opts: Option<String>,
    /// `--newfs-opt X`, repeatable: added to `newfs_opts` (together they replace the
    /// default).
    pub newfs_opt: Vec<String>,
    pub sparse: bool,
}

/// The create options, or the usage error of a combination that cannot work.
pub fn options(a: Asked) -> Result<Options, Diag> {
    let usage = |m: String| Diag::error(None, m).with_exit(exit::USAGE);
    let source = match (a.from, a.from_archive) {
        (Some(d), _) => create::Source::Dir(d),
        (None, Some(f)) => create::Source::Archive(f),
        (None, None) => create::Source::Empty,
    };
    if a.via == Via::Makefs {
        if matches!(source, create::Source::Archive(_)) {
            return Err(usage(
                "--via makefs builds from a directory: extract the archive first and use --from DIR".into(),
            ));
        }
        if a.sparse || a.newfs_opts.is_some() || !a.newfs_opt.is_empty() {
            return Err(usage("--sparse and --newfs-opt(s) are for --via md".into()));
        }
    }
    // Soft updates (newfs(8) -U) unless the admin gives newfs options: any given replace
    // it (docs/create.md, "format").
    let mut newfs_opts: Vec<String> = match &a.newfs_opts {
        Some(s) => s.split_whitespace().map(str::to_owned).collect(),
        None if a.newfs_opt.is_empty() => vec!["-U".into()],
        None => Vec::new(),
    };
    newfs_opts.extend(a.newfs_opt);
    // create appends the md device itself: a second one would make newfs fail or, worse,
    // format another device.
    if let Some(bad) = newfs_opts.iter().find(|o| o.contains("/dev/")) {
        return Err(usage(format!(
            "newfs option {bad:?}: the device is added by jailvol"
        )));
    }
    Ok(Options {
        via: a.via,
        source,
        newfs_opts,
        sparse: a.sparse,
    })
}

/// A path as this machine reaches it (below `--root`).
fn real_path(loader: &Loader, p: &str) -> String {
    if p.starts_with('/') {
        loader.real_path(p).display().to_string()
    } else {
        p.to_owned()
    }
}

/// The checks for every container, before anything is touched: a refusal leaves the
/// system as it was. `warn` hears each container's warnings as they are found.
pub fn prepare(
    loader: &Loader,
    vols: &[Volume],
    opts: &Options,
    warn: &mut dyn FnMut(&[Diag]),
) -> Result<Vec<Job>, Diag> {
    let host = RealHost::default();
    let real_map = |p: &str| real_path(loader, p);
    let mut jobs = Vec::new();
    for v in vols {
        let real = Target::new(v, &opts.source, &real_map);
        let w = create::preflight(&real, opts, &host)?;
        // The jail's path, where jail(8) mounts the container: made when missing.
        let dirs = create::missing_dirs(&v.jail, &v.path, &host, &real_map)?;
        warn(&w);
        jobs.push(Job {
            shown: Target::new(v, &opts.source, &|p| p.to_owned()),
            real,
            dirs,
        });
    }
    Ok(jobs)
}

/// The plans `--dry-run` prints, in host paths. Two jails below one missing directory:
/// it is made once, by the first.
pub fn plans(jobs: &[Job], opts: &Options) -> Vec<create::Plan> {
    let mut made = BTreeSet::new();
    jobs.iter()
        .map(|j| {
            let dirs: Vec<String> = j.dirs.iter().filter(|d| made.insert(*d)).cloned().collect();
            create::with_path_dirs(&dirs, create::plan(&j.shown, opts))
        })
        .collect()
}

/// How a run reports as it goes.
pub struct Say<'a> {
    /// Each command before it runs (`-v`).
    pub command: &'a mut dyn FnMut(&str),
    /// `step N/M: NAME` for each container's steps (`-v`).
    pub progress: &'a mut dyn FnMut(&str, &str),
    /// A container made, with its report.
    pub done: &'a mut dyn FnMut(&Target, create::Report),
    /// A progress line while zero-filling (stderr is a terminal, not `-q`).
    pub fill_progress: bool,
}

/// Make the containers, one after the other; the first failure stops the run (the
/// containers finished before it stay: they are complete).
pub fn run(jobs: &[Job], opts: &Options, loader: &Loader, say: Say<'_>) -> anyhow::Result<()> {
    if opts.via == Via::Md && !exec::is_root() {
        anyhow::bail!(
            Diag::error(
                None,
                "create --via md needs root (mdconfig, newfs, mount); --dry-run and --via makefs do not"
            )
            .with_exit(exit::USAGE)
        );
    }
    exec::catch_interrupts()?;
    let mut runner = System;
    let mut host = RealHost {
        progress: say.fill_progress,
    };
    for j in jobs {
        // What an earlier jail of this run made is there now, and stays its own.
        let dirs: Vec<String> = j
            .dirs
            .iter()
            .map(|d| real_path(loader, d))
            .filter(|d| !host.exists(Path::new(d)))
            .collect();
        let plan = create::with_path_dirs(&dirs, create::plan(&j.real, opts));
        let jail = j.real.jail.clone();
        let rep = create::execute(&j.real, &plan, &mut runner, &mut host, say.command, &mut |s| {
            (say.progress)(&jail, s)
        })?;
        (say.done)(&j.real, rep);
    }
    Ok(())
}
