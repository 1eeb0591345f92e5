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
    use crate::ops::create as op;
    let opts = create_options(a)?;
    let (loader, _, cfg, vols) = managed_jails(g, "create")?;
    let chosen = pick_jails(&cfg, &vols, &a.jails)?;
    let jobs = op::prepare(&loader, &chosen, &opts, &mut |w| warn(g, w))?;
    if a.dry_run {
        let plans = op::plans(&jobs, &opts);
        print(&plans_output(g, &plans))?;
        return Ok(exit::OK);
    }
    let verbose = g.verbose;
    let mut command = |s: &str| {
        if verbose {
            let _ = writeln!(std::io::stderr().lock(), "+ {s}");
        }
    };
    let mut progress = |jail: &str, s: &str| {
        if verbose {
            let _ = writeln!(std::io::stderr().lock(), "jailvol: {jail}: {s}");
        }
    };
    let mut done = |t: &crate::create::Target, rep: crate::create::Report| {
        warn(g, &rep.warnings);
        if !g.quiet {
            let mut err = std::io::stderr().lock();
            for n in &rep.notes {
                let _ = writeln!(err, "jailvol: {n}");
            }
            let _ = writeln!(
                err,
                "jailvol: {}: created {} ({})",
                t.jail,
                t.file,
                crate::volume::format_size(t.size)
            );
        }
    };
    let say = crate::ops::create::Say {
        command: &mut command,
        progress: &mut progress,
        done: &mut done,
        fill_progress: std::io::IsTerminal::is_terminal(&std::io::stderr()) && !g.quiet,
    };
    op::run(&jobs, &opts, &loader, say)?;
    Ok(exit::OK)
}

/// Plans as `--dry-run` prints them: sh text, or with `--format json` the engine's plan
/// documents (docs/create.md).
pub(crate) fn plans_output<O: crate::engine::Op>(g: &Global, plans: &[crate::engine::Plan<O>]) -> String {
    match g.format {
        Format::Json => crate::engine::plans_json(&plans.iter().map(|p| p.json()).collect::<Vec<_>>()),
        _ => plans.iter().map(|p| p.text()).collect(),
    }
}
