//! `status`: what each managed jail's container looks like right now.

use super::Warn;
use crate::diag::Diags;
use crate::exec::{Host, Runner};
use crate::input::{self, InputKind};
use crate::status::{JailStatus, Snapshot};
use crate::{model, volume};

pub struct Options {
    pub input: input::Options,
    /// The jails to look at (all managed jails when empty).
    pub jails: Vec<String>,
}

/// The containers' states, and what could not be read host-wide (md units, mounts).
pub struct Status {
    pub list: Vec<JailStatus>,
    pub warnings: Vec<String>,
}

impl Status {
    /// Whether any container shows a problem.
    pub fn problems(&self) -> bool {
        self.list.iter().any(|s| !s.problems.is_empty())
    }
}

/// Look at the chosen containers on this host (mdconfig, mount, df, jls).
pub fn status(opts: &Options, warn: Warn) -> anyhow::Result<Status> {
    let (loader, cfg, vols) = jails(opts, warn)?;
    let chosen = super::pick_jails(&cfg, &vols, &opts.jails)?;
    let host = crate::exec::RealHost::default();
    let mut runner = crate::exec::System;
    let real = |p: &str| loader.real_path(p).display().to_string();
    Ok(inspect_all(&cfg, &chosen, &mut runner, &host, &real))
}

/// The configuration and its managed jails. An rc.conf host's jails are read as
/// rc.d/jail builds them (the mountprog and seed styles live there), read only.
fn jails(
    opts: &Options,
    warn: Warn,
) -> anyhow::Result<(crate::parse::loader::Loader, model::Config, Vec<volume::Volume>)> {
    let inputs = input::select(&opts.input)?;
    if inputs.kind != InputKind::RcConf {
        let m = super::managed_jails(&opts.input, "status", warn)?;
        return Ok((m.loader, m.cfg, m.vols));
    }
    let loader = inputs.loader();
    let (vars, warnings) = super::read_rc_conf(&opts.input, &loader, &Default::default())?;
    warn(&warnings);
    let lopts = crate::legacy::Options {
        names: opts.jails.clone(),
        ..crate::legacy::Options::default()
    };
    let conv = crate::legacy::convert(&vars, &loader, &lopts);
    warn(&conv.warnings);
    if !conv.errors.is_empty() {
        return Err(Diags(conv.errors).into());
    }
    let cfg = conv.config();
    let vols = volume::collect(&cfg, None).map_err(Diags)?;
    Ok((loader, cfg, vols))
}

/// Read the host-wide state once, then look at each container. `real` maps a host
/// path to this machine's (`--root`).
pub fn inspect_all(
    cfg: &model::Config,
    chosen: &[volume::Volume],
    runner: &mut dyn Runner,
    host: &dyn Host,
    real: &dyn Fn(&str) -> String,
) -> Status {
    let snap: Snapshot = crate::status::snapshot(runner);
    // The hooks style detaches the unit at stop (exec.release runs the helper's
    // `detach`); the other styles have no such hook and leave it attached.
    let released = |jail: &str| {
        cfg.jails.iter().filter(|j| j.name == jail).any(|j| {
            j.param("exec.release")
                .is_some_and(|e| e.values.iter().any(|v| v.as_str().contains(" detach ")))
        })
    };
    let list = chosen
        .iter()
        .map(|v| crate::status::inspect(v, &snap, runner, host, real, released(&v.jail)))
        .collect();
    Status {
        list,
        warnings: snap.warnings,
    }
}
