//! `jailvol create`: make the containers.

use super::*;

/// The create options from the command line (the rules between them are
/// `ops::create::options`').
pub fn create_options(a: &CreateArgs) -> Result<crate::create::Options, Diag> {
    crate::ops::create::options(crate::ops::create::Asked {
        via: match a.via {
            ViaArg::Md => crate::create::Via::Md,
            ViaArg::Makefs => crate::create::Via::Makefs,
        },
        from: a.from.clone(),
        from_archive: a.from_archive.clone(),
        newfs_opts: a.newfs_opts.clone(),
        newfs_opt: a.newfs_opt.clone(),
        sparse: a.sparse,
    })
}

pub(crate) fn create(g: &Globals, a: &CreateArgs) -> anyhow::Result<i32> {
    use crate::ops::create as op;
    let opts = create_options(a)?;
    let m = crate::ops::managed_jails(&g.input, "create", &|d| g.warn(d))?;
    let chosen = crate::ops::pick_jails(&m.cfg, &m.vols, &a.jails)?;
    let loader = m.loader;
    let jobs = op::prepare(&loader, &chosen, &opts, &mut |w| g.warn(w))?;
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
        g.warn(&rep.warnings);
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
pub(crate) fn plans_output<O: crate::engine::Op>(g: &Globals, plans: &[crate::engine::Plan<O>]) -> String {
    match g.format {
        Format::Json => crate::engine::plans_json(&plans.iter().map(|p| p.json()).collect::<Vec<_>>()),
        _ => plans.iter().map(|p| p.text()).collect(),
    }
}
