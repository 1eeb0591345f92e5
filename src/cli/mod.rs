//! The command-line layer: clap definitions, resolved options, printing and exit codes.
//! Each command's file builds its options and calls `ops::<command>`; the work, and
//! everything that knows FreeBSD, is in `ops` and the library.

use std::io::Write;

use clap::{CommandFactory, Parser};

use crate::diag::{Diag, exit};

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
pub use output::print;
pub(crate) use output::report;
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
        Command::Create(a) => create::create(&opts, a),
        Command::Convert(a) => convert::convert(&opts, a),
        Command::Migrate(a) => migrate::migrate(&opts, a),
        Command::Grow(a) => grow::grow_cmd(&opts, a),
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
