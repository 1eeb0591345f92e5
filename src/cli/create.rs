//! `jailvol create`: make the containers.

use super::*;

/// The create options from the command line.
pub fn create_options(a: &CreateArgs) -> Result<crate::create::Options, Diag> {
    let usage = |m: String| Diag::error(None, m).with_exit(exit::USAGE);
    let via = match a.via {
        ViaArg::Md => crate::create::Via::Md,
        ViaArg::Makefs => crate::create::Via::Makefs,
    };
    let source = match (&a.from, &a.from_archive) {
        (Some(d), _) => crate::create::Source::Dir(d.clone()),
        (None, Some(f)) => crate::create::Source::Archive(f.clone()),
        (None, None) => crate::create::Source::Empty,
    };
    if via == crate::create::Via::Makefs {
        if matches!(source, crate::create::Source::Archive(_)) {
            return Err(usage(
                "--via makefs builds from a directory: extract the archive first and use --from DIR".into(),
            ));
        }
        if a.sparse || a.newfs_opts.is_some() || !a.newfs_opt.is_empty() {
            return Err(usage("--sparse and --newfs-opt(s) are for --via md".into()));
        }
    }
    let mut newfs_opts: Vec<String> = match &a.newfs_opts {
        Some(s) => s.split_whitespace().map(str::to_owned).collect(),
        None if a.newfs_opt.is_empty() => vec!["-U".into()],
        None => Vec::new(),
    };
    newfs_opts.extend(a.newfs_opt.iter().cloned());
    if let Some(bad) = newfs_opts.iter().find(|o| o.contains("/dev/")) {
        return Err(usage(format!(
            "newfs option {bad:?}: the device is added by jailvol"
        )));
    }
    Ok(crate::create::Options {
        via,
        source,
        newfs_opts,
        sparse: a.sparse,
    })
}

pub(crate) fn create(g: &Global, a: &CreateArgs) -> anyhow::Result<i32> {
    let opts = create_options(a)?;
    let (loader, _, cfg, vols) = managed_jails(g, "create")?;
    let mut chosen = Vec::new();
    for name in &a.jails {
        match vols.iter().find(|v| &v.jail == name) {
            Some(v) => chosen.push(v.clone()),
            None if cfg.jails.iter().any(|j| &j.name == name) => anyhow::bail!(
                Diag::error(
                    None,
                    format!("jail \"{name}\" has no $volume_size: it has no container")
                )
                .with_exit(exit::USAGE)
            ),
            None => anyhow::bail!(Diag::error(None, format!("no jail \"{name}\"")).with_exit(exit::USAGE)),
        }
    }
    if a.jails.is_empty() {
        chosen = vols;
    }
    if chosen.is_empty() {
        anyhow::bail!(
            Diag::error(
                None,
                "no managed jails (a jail needs $volume_size to have a container)"
            )
            .with_exit(exit::DATAERR)
        );
    }
    let host_map = |p: &str| p.to_owned();
    let real_map = |p: &str| {
        if p.starts_with('/') {
            loader.real_path(p).display().to_string()
        } else {
            p.to_owned()
        }
    };
    let mut host = crate::exec::RealHost {
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()) && !g.quiet,
    };
    // Every check first, for every container: a refusal leaves the system untouched.
    let mut targets = Vec::new();
    for v in &chosen {
        let real = crate::create::Target::new(v, &opts.source, &real_map);
        let w = crate::create::preflight(&real, &opts, &host)?;
        // The jail's path, where jail(8) mounts the container: made when missing.
        let dirs = crate::create::missing_dirs(&v.jail, &v.path, &host, &real_map)?;
        warn(g, &w);
        targets.push((crate::create::Target::new(v, &opts.source, &host_map), real, dirs));
    }
    if a.dry_run {
        let mut out = String::new();
        // Two jails below one missing directory: it is made once, by the first.
        let mut made = std::collections::BTreeSet::new();
        for (shown, _, dirs) in &targets {
            let dirs: Vec<String> = dirs.iter().filter(|d| made.insert(*d)).cloned().collect();
            let steps = crate::create::with_path_dirs(&dirs, crate::create::plan(shown, &opts));
            out.push_str(&crate::create::render(&steps));
        }
        print(&out)?;
        return Ok(exit::OK);
    }
    if opts.via == crate::create::Via::Md && !crate::exec::is_root() {
        anyhow::bail!(
            Diag::error(
                None,
                "create --via md needs root (mdconfig, newfs, mount); --dry-run and --via makefs do not"
            )
            .with_exit(exit::USAGE)
        );
    }
    crate::exec::catch_interrupts()?;
    let mut runner = crate::exec::System;
    let verbose = g.verbose;
    let mut say = |s: &str| {
        if verbose {
            let _ = writeln!(std::io::stderr().lock(), "+ {s}");
        }
    };
    for (_, real, dirs) in &targets {
        // What an earlier jail of this run made is there now, and stays its own.
        let dirs: Vec<String> = dirs
            .iter()
            .map(|d| real_map(d))
            .filter(|d| !crate::exec::Host::exists(&host, std::path::Path::new(d)))
            .collect();
        let steps = crate::create::with_path_dirs(&dirs, crate::create::plan(real, &opts));
        let rep = crate::create::execute(real, &steps, &mut runner, &mut host, &mut say, &mut |_| {})?;
        warn(g, &rep.warnings);
        if !g.quiet {
            let mut err = std::io::stderr().lock();
            for n in &rep.notes {
                let _ = writeln!(err, "jailvol: {n}");
            }
            let _ = writeln!(
                err,
                "jailvol: {}: created {} ({})",
                real.jail,
                real.file,
                crate::volume::format_size(real.size)
            );
        }
    }
    Ok(exit::OK)
}
