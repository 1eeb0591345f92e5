//! The command-line layer: clap definitions, input selection, output and exit codes.
//! Each command's work is a library call; nothing here knows FreeBSD.

use std::io::Write;

use clap::Parser;

use crate::diag::{Diag, Diags, Severity, exit};
use crate::input::{self, InputKind};
use crate::parse::rcconf::{self, RcOptions, RcVars};
use crate::{emit, model, plan, write};

mod args;
mod check;
mod convert;
mod create;
mod generate;
mod grow;
mod migrate;
mod output;
mod show;
mod status;
mod vars;

pub use args::*;
pub use convert::convert_vars;
pub use create::create_options;
pub use generate::plan_options;
use output::{Output, is_broken_pipe};
pub use output::{print, warn};

/// Run the CLI; returns the exit status.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { exit::USAGE } else { exit::OK };
            let _ = e.print();
            return code;
        }
    };
    match run(&cli) {
        Ok(code) => code,
        Err(err) => report(&cli.global, &err),
    }
}

/// Print an error the way a compiler would; never a backtrace.
pub(crate) fn report(g: &Global, err: &anyhow::Error) -> i32 {
    let mut stderr = std::io::stderr().lock();
    if let Some(d) = err.downcast_ref::<Diag>() {
        let _ = stderr.write_all(d.render().as_bytes());
    } else if let Some(ds) = err.downcast_ref::<Diags>() {
        for d in &ds.0 {
            let _ = stderr.write_all(d.render().as_bytes());
        }
    } else if is_broken_pipe(err) {
        return exit::OK;
    } else {
        let _ = writeln!(stderr, "jailvol: error: {err:#}");
    }
    let _ = g;
    crate::diag::exit_code(err)
}

pub(crate) fn run(cli: &Cli) -> anyhow::Result<i32> {
    let g = &cli.global;
    match &cli.command {
        Command::Show => show::show(g),
        Command::Generate(a) => generate::generate(g, a),
        Command::Check(a) => check::check(g, a),
        Command::Vars(a) => vars::vars(g, a),
        Command::Create(a) => create::create(g, a),
        Command::Convert(args) => convert::convert(g, args),
        Command::Migrate(a) => migrate::migrate(g, a),
        Command::Grow(a) => grow::grow_cmd(g, a),
        Command::Status(a) => status::status_cmd(g, a),
        Command::Man => man(),
        Command::Completions { shell } => completions(*shell),
    }
}

pub(crate) fn man() -> anyhow::Result<i32> {
    print(crate::man::PAGE)?;
    Ok(exit::OK)
}

pub(crate) fn completions(shell: crate::man::CompletionShell) -> anyhow::Result<i32> {
    print(&String::from_utf8_lossy(&crate::man::completions(shell)))?;
    Ok(exit::OK)
}

/// The evaluated rc.conf variables: the -f files in order, else the host's files.
pub(crate) fn read_rc_conf(
    g: &Global,
    loader: &crate::parse::loader::Loader,
) -> anyhow::Result<(RcVars, Vec<Diag>)> {
    let opts = RcOptions::default();
    Ok(if g.files.is_empty() {
        rcconf::load_host(loader, &opts)?
    } else {
        rcconf::load_files(loader, &g.files, &opts)?
    })
}

/// The jail.conf, its model and the managed jails, for commands that act on containers.
pub(crate) fn managed_jails(
    g: &Global,
    what: &str,
) -> anyhow::Result<(
    crate::parse::loader::Loader,
    crate::parse::jailconf::Parsed,
    model::Config,
    Vec<crate::volume::Volume>,
)> {
    let inputs = input::select(g)?;
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
    warn(g, &parsed.warnings);
    let cfg = model::load(&parsed);
    if !cfg.errors.is_empty() {
        return Err(Diags(cfg.errors).into());
    }
    warn(g, &cfg.warnings);
    let vols = crate::volume::collect(&cfg, Some(&parsed)).map_err(Diags)?;
    Ok((loader, parsed, cfg, vols))
}

/// The managed jails named (all when none is).
pub(crate) fn pick_jails(
    cfg: &model::Config,
    vols: &[crate::volume::Volume],
    names: &[String],
) -> anyhow::Result<Vec<crate::volume::Volume>> {
    let mut out = Vec::new();
    for name in names {
        match vols.iter().find(|v| &v.jail == name) {
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
