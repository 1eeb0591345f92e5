//! `jailvol grow`: make a container bigger.

use super::*;

pub(crate) fn grow_cmd(g: &Globals, a: &GrowArgs) -> anyhow::Result<i32> {
    use crate::ops::grow as op;
    let usage = |m: String| Diag::error(None, m).with_exit(exit::USAGE);
    let opts = op::Options {
        jail: a.jail.clone(),
        size: crate::grow::parse_size_arg(&a.size).map_err(usage)?,
        online: a.online,
        sparse: a.sparse,
        dry_run: a.dry_run,
        files: g.input.files.clone(),
    };
    op::check_files(&opts.files)?;
    let m = crate::ops::managed_jails(&g.input, "grow", &|d| g.warn(d))?;
    let (loader, parsed, cfg) = (m.loader, m.parsed, m.cfg);
    let v = crate::ops::pick_jails(&cfg, &m.vols, std::slice::from_ref(&a.jail))?
        .into_iter()
        .next()
        .ok_or_else(|| usage(format!("no jail \"{}\"", a.jail)))?;
    let p = op::prepare(&loader, &parsed, &cfg, v, &opts, &mut |w| g.warn(w))?;
    if let Some(refused) = p.refused_online(&opts) {
        print(&p.plan.text())?;
        return Err(refused.into());
    }
    if a.dry_run {
        print(&create::plans_output(g, std::slice::from_ref(&p.plan)))?;
        return Ok(exit::OK);
    }
    let verbose = g.verbose;
    let jail = p.volume.jail.clone();
    let rep = p.run(
        std::io::IsTerminal::is_terminal(&std::io::stderr()) && !g.quiet,
        &mut |s| {
            if verbose {
                let _ = writeln!(std::io::stderr().lock(), "+ {s}");
            }
        },
        &mut |s| {
            if verbose {
                let _ = writeln!(std::io::stderr().lock(), "jailvol: {jail}: {s}");
            }
        },
    )?;
    g.warn(&rep.warnings);
    if !g.quiet {
        let mut err = std::io::stderr().lock();
        for n in &rep.notes {
            let _ = writeln!(err, "jailvol: {n}");
        }
        let _ = writeln!(
            err,
            "jailvol: {}: grown from {} to {}{}",
            p.volume.jail,
            crate::volume::format_size(p.volume.size),
            crate::volume::format_size(p.target.new),
            if p.online { " online" } else { "" }
        );
    }
    Ok(exit::OK)
}
