//! The command-line layer: clap definitions, input selection, output and exit codes.
//! Each command's work is a library call; nothing here knows FreeBSD.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::diag::{Diag, Diags, Severity, exit};
use crate::input::{self, InputKind};
use crate::parse::rcconf::{self, RcOptions, RcVars};
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
    /// Convert legacy rc.conf jail_* variables to jail.conf, as FreeBSD's rc.d/jail does
    /// (values escaped); stdout or -o FILE.
    Convert(ConvertArgs),
}

#[derive(Args, Debug, Clone)]
pub struct ConvertArgs {
    /// Jails to convert, like `service jail start NAME...` (default: jail_list).
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// Write to FILE (atomically; taken below --root) instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<String>,
    /// Replace FILE if it exists.
    #[arg(long, requires = "output")]
    pub force: bool,
    /// Before each line, a comment naming the rc.conf variables behind it.
    #[arg(long)]
    pub explain: bool,
    /// Meaning of the variables: `9` (FreeBSD 6.x-9.x: mount_enable mounts the fstab, no
    /// allow.mount) or `current` (10.0 and later).
    #[arg(long, value_enum, default_value = "current")]
    pub era: crate::legacy::Era,
    /// The host's net.inet6.ip6.dad_count: IPv6 jails start with `sleep N+1`.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub ipv6_dad_count: i64,
    /// The kernel has no VIMAGE: jails without jail_NAME_ip are skipped, like rc.d/jail.
    #[arg(long)]
    pub no_vimage: bool,
}

impl ConvertArgs {
    pub fn options(&self) -> crate::legacy::Options {
        crate::legacy::Options {
            names: self.names.clone(),
            era: self.era,
            ipv6_dad_count: self.ipv6_dad_count,
            vimage: !self.no_vimage,
        }
    }
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
        Command::Convert(args) => convert(g, args),
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
            let loader = inputs.loader();
            let (vars, warnings) = read_rc_conf(g, &loader)?;
            warn(g, &warnings);
            let conv = crate::legacy::convert(&vars, &loader, &crate::legacy::Options::default());
            conv.config()
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

/// The evaluated rc.conf variables: the -f files in order, else the host's files.
fn read_rc_conf(g: &Global, loader: &crate::parse::loader::Loader) -> anyhow::Result<(RcVars, Vec<Diag>)> {
    let opts = RcOptions::default();
    Ok(if g.files.is_empty() {
        rcconf::load_host(loader, &opts)?
    } else {
        rcconf::load_files(loader, &g.files, &opts)?
    })
}

fn convert(g: &Global, args: &ConvertArgs) -> anyhow::Result<i32> {
    if g.jail_conf {
        anyhow::bail!(Diag::error(None, "convert reads rc.conf files, not jail.conf").with_exit(exit::USAGE));
    }
    let loader = crate::parse::loader::Loader::new(g.root.clone());
    let (vars, warnings) = read_rc_conf(g, &loader)?;
    warn(g, &warnings);
    let text = convert_vars(g, args, &loader, &vars)?;
    match &args.output {
        Some(path) => crate::legacy::write_atomic(&loader, path, &text, args.force)?,
        None => print(&text)?,
    }
    Ok(exit::OK)
}

/// `convert` on variables already evaluated: prints the warnings, returns the text (or
/// the errors, exit 65, when any jail cannot be converted faithfully).
pub fn convert_vars(
    g: &Global,
    args: &ConvertArgs,
    loader: &crate::parse::loader::Loader,
    vars: &RcVars,
) -> anyhow::Result<String> {
    let conv = crate::legacy::convert(vars, loader, &args.options());
    warn(g, &conv.warnings);
    if !conv.errors.is_empty() {
        return Err(Diags(conv.errors).into());
    }
    Ok(match g.format {
        Format::Json => emit::json::config(&conv.config()),
        _ => conv.render(args.explain),
    })
}
