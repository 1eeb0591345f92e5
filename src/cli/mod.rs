//! The command-line layer: clap definitions, resolved options, printing and exit codes.
//! Each command's file builds its options and calls `ops::<command>`; the work, and
//! everything that knows FreeBSD, is in `ops` and the library.

use std::io::Write;

use clap::{CommandFactory, Parser};

use crate::diag::{Diag, exit};
use crate::input::{self, InputKind};
use crate::model;

mod args;
mod check;
mod color;
mod convert;
mod create;
mod generate;
mod grow;
mod migrate;
mod output;
mod resolve;
mod show;
mod status;
mod vars;

pub use args::*;
pub use convert::convert_vars;
pub use create::create_options;
pub use generate::plan_options;
pub(crate) use output::report;
pub use output::{print, warn};
pub use resolve::Globals;

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

pub(crate) fn run(cli: &Cli) -> anyhow::Result<i32> {
    let g = &cli.global;
    let opts = Globals::for_command(g, &cli.command)?;
    match &cli.command {
        Command::Show => show::show(&opts),
        Command::Generate(a) => generate::generate(&opts, a),
        Command::Check(a) => check::check(&opts, a),
        Command::Vars(a) => vars::vars(&opts, a),
        Command::Create(a) => create::create(g, a),
        Command::Convert(a) => convert::convert(&opts, a),
        Command::Migrate(a) => migrate::migrate(g, a),
        Command::Grow(a) => grow::grow_cmd(g, a),
        Command::Status(a) => status::status(&opts, a),
        Command::Man => {
            print(crate::man::PAGE)?;
            Ok(exit::OK)
        }
        Command::Completions { shell } => {
            let script = crate::man::completions(*shell, Cli::command());
            print(&String::from_utf8_lossy(&script))?;
            Ok(exit::OK)
        }
    }
}

// What cli/{create,grow,migrate}.rs take from here (through `use super::*`) until their
// work moves to `ops` too: the same calls with the raw global options.

/// The evaluated rc.conf variables: the -f files in order, else the host's files.
pub(crate) fn read_rc_conf(
    g: &Global,
    loader: &crate::parse::loader::Loader,
) -> anyhow::Result<(crate::parse::rcconf::RcVars, Vec<Diag>)> {
    crate::ops::read_rc_conf(&g.into(), loader, &Default::default())
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
    let m = crate::ops::managed_jails(&g.into(), what, &|d| warn(g, d))?;
    Ok((m.loader, m.parsed, m.cfg, m.vols))
}

pub(crate) use crate::ops::pick_jails;
