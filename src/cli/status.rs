//! `jailvol status`: what each container looks like right now.

use super::*;

pub(crate) fn status_cmd(g: &Global, a: &StatusArgs) -> anyhow::Result<i32> {
    let inputs = input::select(g)?;
    let (loader, cfg, vols) = if inputs.kind == InputKind::RcConf {
        // An rc.conf host: the jails as rc.d/jail builds them (the mountprog and seed
        // styles live there), read only.
        let loader = inputs.loader();
        let (vars, warnings) = read_rc_conf(g, &loader)?;
        warn(g, &warnings);
        let opts = crate::legacy::Options {
            names: a.jails.clone(),
            ..crate::legacy::Options::default()
        };
        let conv = crate::legacy::convert(&vars, &loader, &opts);
        warn(g, &conv.warnings);
        if !conv.errors.is_empty() {
            return Err(Diags(conv.errors).into());
        }
        let cfg = conv.config();
        let vols = crate::volume::collect(&cfg, None).map_err(Diags)?;
        (loader, cfg, vols)
    } else {
        let (loader, _parsed, cfg, vols) = managed_jails(g, "status")?;
        (loader, cfg, vols)
    };
    let chosen = pick_jails(&cfg, &vols, &a.jails)?;
    let host = crate::exec::RealHost::default();
    let mut runner = crate::exec::System;
    let snap = crate::status::snapshot(&mut runner);
    let real = |p: &str| loader.real_path(p).display().to_string();
    // The hooks style detaches the unit at stop (exec.release runs the helper's
    // `detach`); the other styles have no such hook and leave it attached.
    let released = |jail: &str| {
        cfg.jails.iter().filter(|j| j.name == jail).any(|j| {
            j.param("exec.release")
                .is_some_and(|e| e.values.iter().any(|v| v.as_str().contains(" detach ")))
        })
    };
    let list: Vec<crate::status::JailStatus> = chosen
        .iter()
        .map(|v| crate::status::inspect(v, &snap, &mut runner, &host, &real, released(&v.jail)))
        .collect();
    match g.format {
        Format::Json => print(&crate::status::to_json(&list, &snap.warnings))?,
        _ => {
            let w: Vec<Diag> = snap
                .warnings
                .iter()
                .map(|m| Diag::warning(None, m.clone()))
                .collect();
            warn(g, &w);
            print(&crate::status::to_text(&list))?;
        }
    }
    Ok(if a.check && list.iter().any(|s| !s.problems.is_empty()) {
        exit::FINDINGS
    } else {
        exit::OK
    })
}
