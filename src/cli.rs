//! The command-line layer: clap definitions, input selection, output and exit codes.
//! Each command's work is a library call; nothing here knows FreeBSD.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::diag::{Diag, Diags, Severity, exit};
use crate::input::{self, InputKind};
use crate::{emit, model};

#[derive(Parser, Debug)]
#[command(
    name = "jailvol",
    version,
    about = "Fixed-size UFS containers for FreeBSD jails: read jail.conf and legacy rc.conf, \
             write and check the fstab, hooks and scripts that mount each jail's root from its own container"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct Global {
    /// Configuration file to read (repeatable; `-` is standard input). Default:
    /// /etc/jail.conf, else /etc/rc.conf and its companions.
    #[arg(short = 'f', long = "file", global = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// Read the -f files as jail.conf, whatever they look like.
    #[arg(long, global = true, conflicts_with = "rc_conf")]
    pub jail_conf: bool,
    /// Read the -f files as rc.conf (legacy jail_* variables).
    #[arg(long, global = true)]
    pub rc_conf: bool,
    /// Take every absolute path read or written below DIR (like sysrc -R).
    #[arg(long, global = true, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Print no warnings.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Say more about what is done.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Colour in messages (honours NO_COLOR).
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Github,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print the jails as jail(8) would see them: canonical jail.conf, or JSON.
    Show,
    /// Print the evaluated rc.conf variables, like `sysrc -a` (`name: value`), or JSON.
    Vars(VarsArgs),
}

#[derive(Args, Debug)]
pub struct VarsArgs {
    /// Warn about and skip statements that cannot be evaluated statically (commands,
    /// `if`, `$(...)`...) instead of failing; values that depend on them still fail.
    #[arg(long)]
    pub skip_unsupported: bool,
}

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
fn report(g: &Global, err: &anyhow::Error) -> i32 {
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

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Write to stdout; a reader that went away (`| head`) is not an error.
pub fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Print warnings (unless -q) to stderr.
pub fn warn(g: &Global, diags: &[Diag]) {
    if g.quiet {
        return;
    }
    let mut stderr = std::io::stderr().lock();
    for d in diags.iter().filter(|d| d.severity <= Severity::Warning) {
        let _ = stderr.write_all(d.render().as_bytes());
    }
}

fn run(cli: &Cli) -> anyhow::Result<i32> {
    let g = &cli.global;
    match &cli.command {
        Command::Show => show(g),
        Command::Vars(a) => vars(g, a),
    }
}

fn show(g: &Global) -> anyhow::Result<i32> {
    let inputs = input::select(g)?;
    let cfg = match inputs.kind {
        InputKind::JailConf => {
            let loader = inputs.loader();
            let parsed = input::parse_jail_confs(&loader, &inputs.files)?;
            model::load(&parsed)
        }
        InputKind::RcConf => {
            anyhow::bail!(Diag::error(None, "rc.conf input is not supported yet").with_exit(exit::USAGE))
        }
    };
    warn(g, &cfg.warnings);
    let text = match g.format {
        Format::Json => emit::json::config(&cfg),
        _ => emit::jailconf::config(&cfg),
    };
    print(&text)?;
    if cfg.errors.is_empty() {
        Ok(exit::OK)
    } else {
        Err(Diags(cfg.errors).into())
    }
}

fn vars(g: &Global, a: &VarsArgs) -> anyhow::Result<i32> {
    use crate::parse::{loader::Loader, rcconf};
    let loader = Loader::new(g.root.clone());
    let opts = rcconf::RcOptions {
        skip_unsupported: a.skip_unsupported,
    };
    let (vars, warnings) = if g.files.is_empty() {
        rcconf::load_host(&loader, &opts)?
    } else {
        rcconf::load_files(&loader, &g.files, &opts)?
    };
    warn(g, &warnings);
    let text = match g.format {
        Format::Json => {
            let map: indexmap::IndexMap<&str, &str> = vars
                .vars
                .iter()
                .map(|(k, v)| (k.as_str(), v.value.as_str()))
                .collect();
            let mut s = serde_json::to_string_pretty(&map)?;
            s.push('\n');
            s
        }
        _ => {
            let mut s = String::new();
            for (k, v) in &vars.vars {
                s.push_str(k);
                s.push_str(": ");
                s.push_str(&v.value);
                s.push('\n');
            }
            s
        }
    };
    print(&text)?;
    Ok(exit::OK)
}
