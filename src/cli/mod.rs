//! The command-line layer: clap definitions, resolved options, printing and exit codes.
//! Each command's file builds its options and calls `ops::<command>`; the work, and
//! everything that knows FreeBSD, is in `ops` and the library.

use std::io::Write;

use clap::{CommandFactory, Parser};

use crate::diag::{Diag, exit};

mod args;
mod check;
mod color;
mod complete;
mod convert;
mod create;
mod generate;
mod grow;
mod migrate;
mod output;
mod resolve;
mod show;
mod status;
mod usage;
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
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // The completion scripts' question, only as the first argument: a jail may be
    // called anything, `create __complete-jails` included.
    if args.get(1).is_some_and(|a| a == complete::NAME) {
        let rest: Vec<String> = args[2..]
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        return complete::main(&rest);
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        // --help and --version: clap's text on stdout.
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return exit::OK;
        }
        Err(e) => {
            // --color did not parse (or was not reached): what the terminal and
            // NO_COLOR say.
            let colored = color::enabled(Color::Auto, color::Stream::Stderr);
            let text = usage::usage_error(&Cli::command(), &e, &args, colored);
            let _ = std::io::stderr().lock().write_all(text.as_bytes());
            return exit::USAGE;
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
            let script = crate::completions::completions(*shell, Cli::command());
            print(&String::from_utf8_lossy(&script))?;
            Ok(exit::OK)
        }
    }
}
