//! The command-line layer: clap definitions, input selection, output and exit codes.
//! Each command's work is a library call; nothing here knows FreeBSD.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::diag::{Diag, Diags, Severity, exit};
use crate::input::{self, InputKind};
use crate::{check, emit, model, plan, write};

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
    /// Write the fstab files, jail.conf statements and helper that mount each managed
    /// jail's root from its container.
    Generate(GenerateArgs),
    /// Verify a configuration for CI: drift from what generate would write, and lints
    /// (codes in docs/checks.md). Exit 1 on findings or drift.
    Check(CheckArgs),
}

#[derive(Args, Debug, Clone)]
pub struct GenerateArgs {
    #[command(flatten)]
    pub style: StyleArgs,
    /// Print a unified diff of what would change; write nothing.
    #[arg(short = 'n', long)]
    pub dry_run: bool,
    /// Overwrite files at jailvol's paths that jailvol did not write.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug, Clone)]
pub struct CheckArgs {
    #[command(flatten)]
    pub style: StyleArgs,
    /// Fail (exit 1) on findings at or above this severity; drift always fails.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
}

/// What generate writes and where: shared by generate and check.
#[derive(Args, Debug, Clone)]
pub struct StyleArgs {
    /// How the container is attached and mounted (default: from --target-release, else hooks).
    #[arg(long, value_enum)]
    pub style: Option<StyleArg>,
    /// The FreeBSD release the host runs, e.g. 14.2: picks the style.
    #[arg(long, value_name = "X.Y", conflicts_with = "style")]
    pub target_release: Option<String>,
    /// For --style mountprog: jailvol's helper (attach, fsck, mount) or /sbin/mdmfs (no fsck).
    #[arg(long, value_enum, default_value_t = MountProgArg::Helper)]
    pub mountprog: MountProgArg,
    /// Directory of the fstab files jailvol owns.
    #[arg(long, default_value = "/etc/jailvol", value_name = "DIR")]
    pub fstab_dir: String,
    /// Where the helper script is installed.
    #[arg(long, default_value = "/usr/local/libexec/jailvol-md", value_name = "PATH")]
    pub helper: String,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum StyleArg {
    Hooks,
    Mountprog,
    Seed,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum MountProgArg {
    Helper,
    Mdmfs,
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
        Command::Generate(a) => generate(g, a),
        Command::Check(a) => check(g, a),
    }
}

fn show(g: &Global) -> anyhow::Result<i32> {
    let inputs = input::select(g)?;
    let parsed = match inputs.kind {
        InputKind::JailConf => {
            let loader = inputs.loader();
            input::parse_jail_confs(&loader, &inputs.files)?
        }
        InputKind::RcConf => {
            anyhow::bail!(Diag::error(None, "rc.conf input is not supported yet").with_exit(exit::USAGE))
        }
    };
    warn(g, &parsed.warnings);
    // Streamed: each jail is written as soon as it is loaded and then dropped, so
    // neither the whole model nor the whole text is ever held.
    let json = g.format == Format::Json;
    let mut out = Output::new();
    let mut n = 0usize;
    let mut text = String::new();
    if json {
        out.write(emit::json::write_start);
    }
    let errors = model::load_each_view(
        &parsed,
        |j| {
            if json {
                out.write(|w| emit::json::write_jail_view(w, j, n == 0));
            } else {
                text.clear();
                if n > 0 {
                    text.push('\n');
                }
                emit::jailconf::jail(&mut text, &j.to_jail());
                out.write(|w| w.write_all(text.as_bytes()));
            }
            n += 1;
        },
        |w| warn(g, std::slice::from_ref(&w)),
    );
    if json {
        out.write(|w| emit::json::write_end(w, n > 0));
    }
    out.finish()?;
    // The parse (a few hundred thousand small allocations for a large file) is not
    // needed any more and the process is about to exit: freeing it piece by piece
    // would cost about a tenth of the run.
    std::mem::forget(parsed);
    if errors.is_empty() {
        Ok(exit::OK)
    } else {
        Err(Diags(errors).into())
    }
}

/// Buffered standard output for streamed output, quiet about a closed pipe like `print`:
/// after the first error nothing more is written; `finish` reports it unless it was a
/// broken pipe.
struct Output {
    out: std::io::BufWriter<std::io::StdoutLock<'static>>,
    failed: Option<std::io::Error>,
}

impl Output {
    fn new() -> Output {
        Output {
            out: std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock()),
            failed: None,
        }
    }

    fn write(
        &mut self,
        f: impl FnOnce(&mut std::io::BufWriter<std::io::StdoutLock<'static>>) -> std::io::Result<()>,
    ) {
        if self.failed.is_none()
            && let Err(e) = f(&mut self.out)
        {
            self.failed = Some(e);
        }
    }

    fn finish(mut self) -> anyhow::Result<()> {
        if self.failed.is_none()
            && let Err(e) = self.out.flush()
        {
            self.failed = Some(e);
        }
        match self.failed.take() {
            Some(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
            _ => Ok(()),
        }
    }
}

/// Build the generate options from the command line.
pub fn plan_options(a: &StyleArgs) -> Result<plan::Options, Diag> {
    let style = match (a.style, &a.target_release) {
        (Some(StyleArg::Hooks), _) => plan::Style::Hooks,
        (Some(StyleArg::Mountprog), _) => plan::Style::Mountprog,
        (Some(StyleArg::Seed), _) => plan::Style::Seed,
        (None, Some(r)) => {
            plan::Style::for_release(r).map_err(|m| Diag::error(None, m).with_exit(exit::USAGE))?
        }
        (None, None) => plan::Style::Hooks,
    };
    for (what, p) in [("--fstab-dir", &a.fstab_dir), ("--helper", &a.helper)] {
        if !p.starts_with('/') {
            return Err(
                Diag::error(None, format!("{what} {p}: must be an absolute path")).with_exit(exit::USAGE)
            );
        }
    }
    Ok(plan::Options {
        style,
        mountprog: match a.mountprog {
            MountProgArg::Helper => plan::MountProg::Helper,
            MountProgArg::Mdmfs => plan::MountProg::Mdmfs,
        },
        fstab_dir: a.fstab_dir.clone(),
        helper: a.helper.clone(),
    })
}

fn generate(g: &Global, a: &GenerateArgs) -> anyhow::Result<i32> {
    let opts = plan_options(&a.style)?;
    let inputs = input::select(g)?;
    if inputs.kind == InputKind::RcConf {
        anyhow::bail!(
            Diag::error(
                None,
                "generate reads jail.conf; convert the rc.conf first (jailvol convert)"
            )
            .with_exit(exit::USAGE)
        );
    }
    let loader = inputs.loader();
    let parsed = input::parse_jail_confs(&loader, &inputs.files)?;
    warn(g, &parsed.warnings);
    let plan = plan::generate(&parsed, &opts).map_err(Diags)?;
    warn(g, &plan.warnings);
    if a.dry_run {
        let mut out = String::new();
        for art in &plan.artifacts {
            match write::change(&loader, art)? {
                write::Change::Unchanged => {}
                write::Change::Create => out.push_str(&write::diff(&art.path, "", &art.content)),
                write::Change::Update { old } => out.push_str(&write::diff(&art.path, &old, &art.content)),
            }
        }
        print(&out)?;
        return Ok(exit::OK);
    }
    let written = write::apply(&loader, &plan.artifacts, a.force)?;
    if !g.quiet {
        let mut err = std::io::stderr().lock();
        for w in &written {
            let _ = writeln!(err, "jailvol: wrote {w}");
        }
        if written.is_empty() {
            let _ = writeln!(err, "jailvol: everything is up to date");
        }
    }
    Ok(exit::OK)
}

fn check(g: &Global, a: &CheckArgs) -> anyhow::Result<i32> {
    let opts = plan_options(&a.style)?;
    let release = match &a.style.target_release {
        Some(r) => Some(plan::parse_release(r).ok_or_else(|| {
            Diag::error(None, format!("\"{r}\" is not a FreeBSD release")).with_exit(exit::USAGE)
        })?),
        None => None,
    };
    let inputs = input::select(g).map_err(|d| d.with_exit(exit::DATAERR))?;
    if inputs.kind == InputKind::RcConf {
        anyhow::bail!(
            Diag::error(
                None,
                "check reads jail.conf; convert the rc.conf first (jailvol convert)"
            )
            .with_exit(exit::USAGE)
        );
    }
    let loader = inputs.loader();
    let report = match input::parse_jail_confs(&loader, &inputs.files) {
        Ok(parsed) => check::run(&loader, &parsed, &opts, release),
        // A file that cannot be read at all is bad input; one that jail(8) would reject
        // is a finding.
        Err(d) if d.loc.is_none() || d.exit != exit::DATAERR => anyhow::bail!(d.with_exit(exit::DATAERR)),
        Err(d) => check::parse_failure(d),
    };
    let out = match g.format {
        Format::Json => check::to_json(&report),
        Format::Github => check::to_github(&report),
        Format::Text => check::to_text(&report),
    };
    print(&out)?;
    let fail_on = match a.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
    };
    Ok(if report.fails(fail_on) {
        exit::FINDINGS
    } else {
        exit::OK
    })
}
