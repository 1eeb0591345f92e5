//! The operations behind the commands: each takes its resolved options, does the work
//! through the library (parse, model, plan, write, check, status; create, grow and
//! migrate through the step engine) and returns what the command prints; every FreeBSD
//! rule a command follows is here or below. Nothing here knows clap or the terminal: warnings go to a [`Warn`]
//! callback as they arise, output to the writer or value the caller gives.
//!
//! The command line (`cli`) builds the options and prints; one file there and one here
//! per command.

pub mod check;
pub mod complete;
pub mod convert;
pub mod create;
pub mod generate;
pub mod grow;
pub mod migrate;
pub mod rchost;
pub mod show;
pub mod status;
pub mod vars;

use crate::diag::{Diag, Diags, exit};
use crate::input::{self, InputKind};
use crate::parse::jailconf::Parsed;
use crate::parse::loader::Loader;
use crate::parse::rcconf::{self, RcOptions, RcVars};
use crate::{model, volume};

/// Where an operation sends its warnings, as soon as it has them (a long run shows them
/// when they arise; an error that ends the run comes after them).
pub type Warn<'a> = &'a dyn Fn(&[Diag]);

/// The evaluated rc.conf variables: the -f files in order, else the host's files.
pub fn read_rc_conf(
    input: &input::Options,
    loader: &Loader,
    opts: &RcOptions,
) -> anyhow::Result<(RcVars, Vec<Diag>)> {
    let opts = &RcOptions {
        skip_unsupported: opts.skip_unsupported || input.skip_unsupported,
    };
    Ok(if input.files.is_empty() {
        rcconf::load_host(loader, opts)?
    } else {
        rcconf::load_files(loader, &input.files, opts)?
    })
}

/// On a jail.conf host that has an rc.conf too (`Inputs::rc_beside`), the jails the
/// rc.conf names that rc.d/jail ignores or starts from it instead of jail.conf
/// (legacy::beside_jail_conf). The rc.conf is read with `--skip-unsupported`: a
/// statement jailvol cannot evaluate must not fail the jail.conf host's command; one
/// that leaves a value unknown is reported instead of the jails.
pub fn beside_findings(inputs: &input::Inputs, loader: &Loader, parsed: &Parsed) -> Vec<Diag> {
    let Some(beside) = &inputs.rc_beside else {
        return Vec::new();
    };
    let opts = RcOptions {
        skip_unsupported: true,
    };
    let vars = match read_beside(beside, loader, &opts) {
        Ok((vars, _)) => vars,
        Err(d) => {
            return vec![crate::lint::Lint::BesideIgnored.warning(
                d.loc,
                format!(
                    "cannot tell which jails rc.d/jail starts from rc.conf: {}",
                    d.message
                ),
            )];
        }
    };
    let jail_conf = match (vars.get("jail_conf"), beside) {
        (Some(c), _) => c.to_owned(),
        (None, input::RcBeside::Host) => "/etc/jail.conf".to_owned(),
        (None, input::RcBeside::Files(_)) => inputs.files.first().cloned().unwrap_or_default(),
    };
    let in_jail_conf = |n: &str| {
        parsed
            .jails
            .iter()
            .any(|j| j.block.is_some() && j.name.as_str() == n)
    };
    let ezjail = crate::legacy::ezjail::jails(&vars, loader);
    crate::legacy::beside_jail_conf(&vars, &jail_conf, &ezjail, &in_jail_conf)
}

/// The rc.conf beside a jail.conf: the host's sequence, or the files named with `-f`.
pub fn read_beside(
    beside: &input::RcBeside,
    loader: &Loader,
    opts: &RcOptions,
) -> Result<(RcVars, Vec<Diag>), Diag> {
    match beside {
        input::RcBeside::Host => rcconf::load_host(loader, opts),
        input::RcBeside::Files(files) => rcconf::load_files(loader, files, opts),
    }
}

/// `beside_findings` for show and generate: warnings (what check fails on, they only
/// report).
pub fn beside_warnings(inputs: &input::Inputs, loader: &Loader, parsed: &Parsed) -> Vec<Diag> {
    let mut ds = beside_findings(inputs, loader, parsed);
    for d in &mut ds {
        d.severity = crate::diag::Severity::Warning;
    }
    ds
}

/// A jail.conf read for the commands that act on containers: its parse, its model and
/// the managed jails.
pub struct Managed {
    pub loader: Loader,
    pub parsed: Parsed,
    pub cfg: model::Config,
    pub vols: Vec<volume::Volume>,
}

/// Read the jail.conf (an rc.conf is refused: `what` names the command), warn, and
/// collect the managed jails.
pub fn managed_jails(input: &input::Options, what: &str, warn: Warn) -> anyhow::Result<Managed> {
    let inputs = input::select(input)?;
    if inputs.kind == InputKind::RcConf {
        anyhow::bail!(
            Diag::error(
                None,
                format!("{what} reads jail.conf; convert the rc.conf first (jailvol convert)")
            )
            .with_exit(exit::USAGE)
        );
    }
    let loader = inputs.loader();
    let parsed = input::parse_jail_confs(&loader, &inputs.files)?;
    // model::load starts its warnings with the parse's: printed here, once, also when
    // the merge then fails.
    let cfg = model::load(&parsed);
    warn(&cfg.warnings);
    if !cfg.errors.is_empty() {
        return Err(Diags(cfg.errors).into());
    }
    let vols = volume::collect(&cfg, Some(&parsed)).map_err(Diags)?;
    Ok(Managed {
        loader,
        parsed,
        cfg,
        vols,
    })
}

/// The managed jails named (all when none is).
pub fn pick_jails(
    cfg: &model::Config,
    vols: &[volume::Volume],
    names: &[String],
) -> anyhow::Result<Vec<volume::Volume>> {
    let mut out = Vec::new();
    for name in names {
        match vols.iter().find(|v| v.jail == name) {
            Some(v) => out.push(v.clone()),
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
    if names.is_empty() {
        out = vols.to_vec();
    }
    if out.is_empty() {
        anyhow::bail!(
            Diag::error(
                None,
                "no managed jails (a jail needs $volume_size to have a container)"
            )
            .with_exit(exit::DATAERR)
        );
    }
    Ok(out)
}
