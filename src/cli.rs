//! The command-line layer: clap definitions, input selection, output and exit codes.
//! Each command's work is a library call; nothing here knows FreeBSD.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::diag::{Diag, Diags, Severity, exit};
use crate::input::{self, InputKind};
use crate::parse::rcconf::{self, RcOptions, RcVars};
use crate::{check, create, emit, grow, model, plan, status, write};

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
    /// Print the evaluated rc.conf variables, like `sysrc -a` (`name: value`), or JSON.
    Vars(VarsArgs),
    /// One-time container creation: allocate, attach, newfs, populate, unmount, detach
    /// (or build the image with makefs). Never overwrites a container.
    Create(CreateArgs),
    /// Convert legacy rc.conf jail_* variables to jail.conf, as FreeBSD's rc.d/jail does
    /// (values escaped); stdout or -o FILE.
    Convert(ConvertArgs),
    /// Print (or run, --execute) the sh script that moves a managed jail's plain-directory
    /// root into its container and, on rc.conf hosts, to jail.conf: resumable, logged,
    /// rolled back on any failure.
    Migrate(MigrateArgs),
    /// Make a container bigger: extend the file, resize or re-attach the md unit, growfs,
    /// fsck, then write the new $volume_size. A running jail needs --online.
    Grow(GrowArgs),
    /// Show each managed jail's container: file, sizes, md unit, mount, usage, jail state.
    Status(StatusArgs),
    /// Print the manual page, jailvol(8), as mdoc source (`jailvol man | mandoc -a`).
    Man,
    /// Print a completion script for a shell.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: crate::man::CompletionShell,
    },
}

#[derive(Args, Debug, Clone)]
pub struct MigrateArgs {
    /// The jail to migrate (a managed jail: it has $volume_size / jail_NAME_volume_size).
    #[arg(value_name = "JAIL")]
    pub jail: String,
    /// Run the script with /bin/sh (its log streams to stderr) instead of printing it.
    #[arg(long)]
    pub execute: bool,
    /// Stop the jail if it is running (otherwise a running jail is an error).
    #[arg(long)]
    pub stop: bool,
    /// The script's state directory (markers, saved files, log); taken below --root.
    /// Default: /var/db/jailvol/migrate.JAIL.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<String>,
    /// Where the files go, as for generate: the script writes the hooks style only, so
    /// `--fstab-dir` and `--helper` are what matter (a host set up with a custom helper
    /// path must get the same one here).
    #[command(flatten)]
    pub style: StyleArgs,
}

#[derive(Args, Debug, Clone)]
pub struct ConvertArgs {
    /// Jails to convert, like `service jail start NAME...` (default: jail_list).
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,
    /// Write to FILE (atomically; taken below --root) instead of standard output. An
    /// existing FILE must be a jail.conf: the converted jails are appended to it, and
    /// nothing already in it changes.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<String>,
    /// With -o: replace the block FILE already has for a converted jail (that block
    /// alone; everything else in FILE is kept). With --format json: replace FILE if it
    /// holds an earlier JSON output.
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

#[derive(Args, Debug, Clone)]
pub struct CreateArgs {
    /// Jails whose containers to make (default: every managed jail).
    #[arg(value_name = "JAIL")]
    pub jails: Vec<String>,
    /// Print the exact commands, one per line; touch nothing (works as non-root).
    #[arg(short = 'n', long)]
    pub dry_run: bool,
    /// md: attach, newfs and mount on this host (FreeBSD, root). makefs: build the image
    /// from a directory with makefs(8): no md, no mount, no root.
    #[arg(long, value_enum, default_value_t = ViaArg::Md)]
    pub via: ViaArg,
    /// Populate from this directory tree (copied with tar, modes, owners and flags kept).
    #[arg(long, value_name = "DIR", conflicts_with = "from_archive")]
    pub from: Option<String>,
    /// Populate by extracting this archive (e.g. base.txz) with tar (md only).
    #[arg(long, value_name = "FILE")]
    pub from_archive: Option<String>,
    /// A sparse file (ftruncate) instead of preallocated space: the jail can then fail
    /// with I/O errors when the host filesystem fills up.
    #[arg(long)]
    pub sparse: bool,
    /// newfs(8) options, split on blanks (default: -U).
    #[arg(long, value_name = "OPTS", allow_hyphen_values = true)]
    pub newfs_opts: Option<String>,
    /// One newfs(8) option (repeatable; added after --newfs-opts).
    #[arg(long = "newfs-opt", value_name = "OPT", allow_hyphen_values = true)]
    pub newfs_opt: Vec<String>,
}

#[derive(Args, Debug, Clone)]
pub struct GrowArgs {
    /// The jail whose container grows.
    #[arg(value_name = "JAIL")]
    pub jail: String,
    /// The new size (e.g. 4G), or +SIZE to add to $volume_size (k, m, g, t suffixes).
    #[arg(value_name = "SIZE")]
    pub size: String,
    /// Grow a running jail (its mounted root): mdconfig -r and growfs on the mounted UFS,
    /// which FreeBSD supports from 10.0 on.
    #[arg(long)]
    pub online: bool,
    /// Extend the file sparsely (ftruncate) instead of claiming the space.
    #[arg(long)]
    pub sparse: bool,
    /// Print the exact commands; touch nothing.
    #[arg(short = 'n', long)]
    pub dry_run: bool,
}

#[derive(Args, Debug, Clone)]
pub struct StatusArgs {
    /// Jails to show (default: every managed jail).
    #[arg(value_name = "JAIL")]
    pub jails: Vec<String>,
    /// Exit 1 when any container shows a problem (status is informational otherwise).
    #[arg(long)]
    pub check: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViaArg {
    Md,
    Makefs,
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
    /// Skip the lints that read the containers (JV016-JV020): for a configuration
    /// repository, whose containers are on the hosts.
    #[arg(long)]
    pub no_containers: bool,
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
        Command::Generate(a) => generate(g, a),
        Command::Check(a) => check(g, a),
        Command::Vars(a) => vars(g, a),
        Command::Create(a) => create(g, a),
        Command::Convert(args) => convert(g, args),
        Command::Migrate(a) => migrate(g, a),
        Command::Grow(a) => grow_cmd(g, a),
        Command::Status(a) => status_cmd(g, a),
        Command::Man => man(),
        Command::Completions { shell } => completions(*shell),
    }
}

fn man() -> anyhow::Result<i32> {
    print(crate::man::PAGE)?;
    Ok(exit::OK)
}

fn completions(shell: crate::man::CompletionShell) -> anyhow::Result<i32> {
    print(&String::from_utf8_lossy(&crate::man::completions(shell)))?;
    Ok(exit::OK)
}

fn show(g: &Global) -> anyhow::Result<i32> {
    let inputs = input::select(g)?;
    let loader = inputs.loader();
    if inputs.kind == InputKind::RcConf {
        let (vars, warnings) = read_rc_conf(g, &loader)?;
        warn(g, &warnings);
        let conv = crate::legacy::convert(&vars, &loader, &crate::legacy::Options::default());
        warn(g, &conv.warnings);
        return show_config(g, conv.config());
    }
    let parsed = input::parse_jail_confs(&loader, &inputs.files)?;
    if crate::depend::matters(&parsed) {
        // Dependencies can fail a jail only once every jail is known: no streaming.
        // (model::load keeps the parse's warnings first in cfg.warnings.)
        let mut cfg = model::load(&parsed);
        crate::depend::check(&parsed, &mut cfg);
        return show_config(g, cfg);
    }
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

/// `show` for a configuration held whole (rc.conf input, or dependencies to resolve).
fn show_config(g: &Global, cfg: model::Config) -> anyhow::Result<i32> {
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
    let mut opts = plan_options(&a.style)?;
    let inputs = input::select(g)?;
    let loader = inputs.loader();
    let plan = if inputs.kind == InputKind::RcConf {
        // rc.d/jail hosts: no exec.prepare, so the fstab line attaches the container.
        if a.style.style.is_none() {
            let old = a
                .style
                .target_release
                .as_deref()
                .and_then(plan::parse_release)
                .is_some_and(|r| r < (10, 0));
            opts.style = if old {
                plan::Style::Seed
            } else {
                plan::Style::Mountprog
            };
        }
        let (vars, warnings) = read_rc_conf(g, &loader)?;
        warn(g, &warnings);
        let files = if g.files.is_empty() {
            vec!["/etc/rc.conf".to_owned()]
        } else {
            g.files.clone()
        };
        let sources = files
            .iter()
            .filter(|f| *f != "-")
            .map(|f| loader.read(f, None))
            .collect::<Result<Vec<_>, _>>()?;
        let legacy_opts = crate::legacy::Options {
            era: if opts.style == plan::Style::Seed {
                crate::legacy::Era::Pre10
            } else {
                crate::legacy::Era::Current
            },
            ..crate::legacy::Options::default()
        };
        let conv = crate::legacy::convert(&vars, &loader, &legacy_opts);
        warn(g, &conv.warnings);
        crate::rcplan::generate(&vars, &conv, &sources, &loader, &opts).map_err(Diags)?
    } else {
        let parsed = input::parse_jail_confs(&loader, &inputs.files)?;
        warn(g, &parsed.warnings);
        plan::generate(&parsed, &opts).map_err(Diags)?
    };
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
        Ok(parsed) => check::run(
            &loader,
            &parsed,
            &opts,
            check::Settings {
                release,
                containers: !a.no_containers,
            },
        ),
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

/// The create options from the command line.
pub fn create_options(a: &CreateArgs) -> Result<create::Options, Diag> {
    let usage = |m: String| Diag::error(None, m).with_exit(exit::USAGE);
    let via = match a.via {
        ViaArg::Md => create::Via::Md,
        ViaArg::Makefs => create::Via::Makefs,
    };
    let source = match (&a.from, &a.from_archive) {
        (Some(d), _) => create::Source::Dir(d.clone()),
        (None, Some(f)) => create::Source::Archive(f.clone()),
        (None, None) => create::Source::Empty,
    };
    if via == create::Via::Makefs {
        if matches!(source, create::Source::Archive(_)) {
            return Err(usage(
                "--via makefs builds from a directory: extract the archive first and use --from DIR".into(),
            ));
        }
        if a.sparse || a.newfs_opts.is_some() || !a.newfs_opt.is_empty() {
            return Err(usage("--sparse and --newfs-opt(s) are for --via md".into()));
        }
    }
    let mut newfs_opts: Vec<String> = match &a.newfs_opts {
        Some(s) => s.split_whitespace().map(str::to_owned).collect(),
        None if a.newfs_opt.is_empty() => vec!["-U".into()],
        None => Vec::new(),
    };
    newfs_opts.extend(a.newfs_opt.iter().cloned());
    if let Some(bad) = newfs_opts.iter().find(|o| o.contains("/dev/")) {
        return Err(usage(format!(
            "newfs option {bad:?}: the device is added by jailvol"
        )));
    }
    Ok(create::Options {
        via,
        source,
        newfs_opts,
        sparse: a.sparse,
    })
}

fn create(g: &Global, a: &CreateArgs) -> anyhow::Result<i32> {
    let opts = create_options(a)?;
    let (loader, _, cfg, vols) = managed_jails(g, "create")?;
    let mut chosen = Vec::new();
    for name in &a.jails {
        match vols.iter().find(|v| &v.jail == name) {
            Some(v) => chosen.push(v.clone()),
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
    if a.jails.is_empty() {
        chosen = vols;
    }
    if chosen.is_empty() {
        anyhow::bail!(
            Diag::error(
                None,
                "no managed jails (a jail needs $volume_size to have a container)"
            )
            .with_exit(exit::DATAERR)
        );
    }
    let host_map = |p: &str| p.to_owned();
    let real_map = |p: &str| {
        if p.starts_with('/') {
            loader.real_path(p).display().to_string()
        } else {
            p.to_owned()
        }
    };
    let mut host = crate::exec::RealHost {
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()) && !g.quiet,
    };
    // Every check first, for every container: a refusal leaves the system untouched.
    let mut targets = Vec::new();
    for v in &chosen {
        let real = create::Target::new(v, &opts.source, &real_map);
        let w = create::preflight(&real, &opts, &host)?;
        // The jail's path, where jail(8) mounts the container: made when missing.
        let dirs = create::missing_dirs(&v.jail, &v.path, &host, &real_map)?;
        warn(g, &w);
        targets.push((create::Target::new(v, &opts.source, &host_map), real, dirs));
    }
    if a.dry_run {
        let mut out = String::new();
        // Two jails below one missing directory: it is made once, by the first.
        let mut made = std::collections::BTreeSet::new();
        for (shown, _, dirs) in &targets {
            let dirs: Vec<String> = dirs.iter().filter(|d| made.insert(*d)).cloned().collect();
            let steps = create::with_path_dirs(&dirs, create::plan(shown, &opts));
            out.push_str(&create::render(shown, &steps));
        }
        print(&out)?;
        return Ok(exit::OK);
    }
    if opts.via == create::Via::Md && !crate::exec::is_root() {
        anyhow::bail!(
            Diag::error(
                None,
                "create --via md needs root (mdconfig, newfs, mount); --dry-run and --via makefs do not"
            )
            .with_exit(exit::USAGE)
        );
    }
    crate::exec::catch_interrupts()?;
    let mut runner = crate::exec::System;
    let verbose = g.verbose;
    let mut say = |s: &str| {
        if verbose {
            let _ = writeln!(std::io::stderr().lock(), "+ {s}");
        }
    };
    for (_, real, dirs) in &targets {
        // What an earlier jail of this run made is there now, and stays its own.
        let dirs: Vec<String> = dirs
            .iter()
            .map(|d| real_map(d))
            .filter(|d| !crate::exec::Host::exists(&host, std::path::Path::new(d)))
            .collect();
        let steps = create::with_path_dirs(&dirs, create::plan(real, &opts));
        let rep = create::execute(real, &steps, &mut runner, &mut host, &mut say)?;
        warn(g, &rep.warnings);
        if !g.quiet {
            let mut err = std::io::stderr().lock();
            for n in &rep.notes {
                let _ = writeln!(err, "jailvol: {n}");
            }
            let _ = writeln!(
                err,
                "jailvol: {}: created {} ({})",
                real.jail,
                real.file,
                crate::volume::format_size(real.size)
            );
        }
    }
    Ok(exit::OK)
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
    let conv = convert_checked(g, args, &loader, &vars)?;
    let Some(path) = &args.output else {
        print(&convert_text(g, args, &conv))?;
        return Ok(exit::OK);
    };
    if g.format == Format::Json {
        crate::legacy::write_json(&loader, path, &convert_text(g, args, &conv), args.force)?;
        return Ok(exit::OK);
    }
    // An existing FILE is merged into, never written over (docs/legacy.md, Output).
    let done = crate::legacy::write_merged(&loader, path, &conv, args.explain, args.force).map_err(Diags)?;
    warn(g, &done.warnings);
    if !g.quiet {
        let mut err = std::io::stderr().lock();
        let list = |v: &[String]| v.join(", ");
        if done.created {
            let _ = writeln!(err, "jailvol: wrote {path}");
        } else if !done.changed {
            let _ = writeln!(err, "jailvol: {path} is up to date");
        } else {
            if !done.added.is_empty() {
                let _ = writeln!(err, "jailvol: {path}: added {}", list(&done.added));
            }
            if !done.replaced.is_empty() {
                let _ = writeln!(err, "jailvol: {path}: replaced {}", list(&done.replaced));
            }
        }
    }
    Ok(exit::OK)
}

/// The conversion, its warnings printed; the errors (exit 65) when any jail cannot be
/// converted faithfully.
fn convert_checked<'v>(
    g: &Global,
    args: &ConvertArgs,
    loader: &crate::parse::loader::Loader,
    vars: &'v RcVars,
) -> anyhow::Result<crate::legacy::Conversion<'v>> {
    let conv = crate::legacy::convert(vars, loader, &args.options());
    warn(g, &conv.warnings);
    if !conv.errors.is_empty() {
        return Err(Diags(conv.errors).into());
    }
    Ok(conv)
}

/// What convert prints: jail.conf text, or the JSON document of the converted model.
fn convert_text(g: &Global, args: &ConvertArgs, conv: &crate::legacy::Conversion<'_>) -> String {
    match g.format {
        Format::Json => emit::json::config(&conv.config()),
        _ => conv.render(args.explain),
    }
}

/// `convert` on variables already evaluated: prints the warnings, returns the text (or
/// the errors, exit 65, when any jail cannot be converted faithfully).
pub fn convert_vars(
    g: &Global,
    args: &ConvertArgs,
    loader: &crate::parse::loader::Loader,
    vars: &RcVars,
) -> anyhow::Result<String> {
    let conv = convert_checked(g, args, loader, vars)?;
    Ok(convert_text(g, args, &conv))
}

/// `migrate`: compute the files (as `generate` would write them; on rc.conf hosts after
/// `convert`) and the rc.conf switch, then print or run the script (src/migrate.rs).
fn migrate(g: &Global, a: &MigrateArgs) -> anyhow::Result<i32> {
    use std::os::unix::fs::DirBuilderExt;

    use crate::diag::Source;
    use crate::migrate::{Control, Edit, FileWrite, Guard, Migration};
    let usage = |m: String| Diag::error(None, m).with_exit(exit::USAGE);
    // The script writes the hooks style (exec.prepare/exec.release in jail.conf, which
    // an rc.conf host gets too, converted); --fstab-dir and --helper say where its files
    // go, exactly as for generate, so both agree on a host with custom paths.
    let opts = plan_options(&a.style)?;
    if opts.style != plan::Style::Hooks {
        let why = match (&a.style.style, &a.style.target_release) {
            (Some(_), _) => "--style".to_owned(),
            (None, Some(r)) => format!("--target-release {r}"),
            (None, None) => "the options".to_owned(),
        };
        let style = match opts.style {
            plan::Style::Hooks => "hooks",
            plan::Style::Mountprog => "mountprog",
            plan::Style::Seed => "seed",
        };
        anyhow::bail!(usage(format!(
            "{why} selects the {style} style: migrate writes the hooks style only (exec.prepare and \
             exec.release, FreeBSD 12.2 and later); set up other styles with generate and create \
             (docs/migrate.md)"
        )));
    }
    let inputs = input::select(g)?;
    let loader = inputs.loader();
    // The script runs from anywhere: paths under a relative --root are made absolute.
    let cwd = std::env::current_dir().unwrap_or_default();
    let real = |p: &str| {
        if p.starts_with('/') {
            cwd.join(loader.real_path(p)).display().to_string()
        } else {
            p.to_owned()
        }
    };
    let state = real(
        &a.state_dir
            .clone()
            .unwrap_or_else(|| format!("/var/db/jailvol/migrate.{}", crate::legacy::jail_name(&a.jail))),
    );
    // The script is kept in its state directory. Once its config step has begun, the
    // configuration no longer describes the starting point (jail_<jv>_rootdir is gone, the
    // hooks are in), so a later --execute resumes with that very script. Before that the
    // configuration is still what the migration starts from, and a new script is the same
    // migration plus whatever the admin changed meanwhile: the saved one would refuse to
    // overwrite those changes (its config check), and resuming it would block for good.
    let saved = std::path::Path::new(&state).join("migrate.sh");
    let begun = ["config.started", "done.config", "done.start"]
        .iter()
        .any(|m| std::path::Path::new(&state).join(m).exists());
    if a.execute && saved.exists() && begun {
        if !g.quiet {
            eprintln!(
                "jailvol: resuming with the script saved by the first run: {}",
                saved.display()
            );
        }
        return run_sh(&saved);
    }
    let mut commands: Vec<Edit> = Vec::new();
    let mut guards: Vec<Guard> = Vec::new();
    let mut rc_saves: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let (parsed, control, name) = match inputs.kind {
        InputKind::JailConf => {
            let parsed = input::parse_jail_confs(&loader, &inputs.files)?;
            warn(g, &parsed.warnings);
            let conf = inputs.files.first().cloned().unwrap_or_default();
            if conf == "-" {
                anyhow::bail!(usage(
                    "migrate edits the jail.conf it reads: name a file, not -".into()
                ));
            }
            (parsed, Control::JailConf { conf: real(&conf) }, a.jail.clone())
        }
        InputKind::RcConf => {
            let (vars, warnings) = read_rc_conf(g, &loader)?;
            warn(g, &warnings);
            let opts = crate::legacy::Options {
                names: vec![a.jail.clone()],
                ..crate::legacy::Options::default()
            };
            let conv = crate::legacy::convert(&vars, &loader, &opts);
            warn(g, &conv.warnings);
            if !conv.errors.is_empty() {
                return Err(Diags(conv.errors).into());
            }
            let j = crate::legacy::jail_name(&a.jail);
            let Some(block) = conv.blocks.iter().find(|b| b.name == j) else {
                anyhow::bail!(usage(format!(
                    "no legacy jail \"{}\" to migrate (it needs jail_<name>_rootdir and _hostname)",
                    a.jail
                )));
            };
            let jv = block.jv.clone();
            let get = |n: &str| vars.vars.get(n);
            let own_conf = get(&format!("jail_{jv}_conf"))
                .map_or_else(|| format!("/etc/jail.{j}.conf"), |v| v.value.clone());
            // Without legacy variables rc.d/jail starts a listed jail from the first of these
            // that is readable, and only then from $jail_conf.
            for f in [own_conf, format!("/etc/jail.conf.d/{j}.conf")] {
                if loader.real_path(&f).exists() {
                    anyhow::bail!(usage(format!(
                        "{f} exists: after the switch rc.d/jail would start {j} from it, not from the jail.conf \
                         migrate writes"
                    )));
                }
            }
            let conf = get("jail_conf").map_or_else(|| "/etc/jail.conf".to_owned(), |v| v.value.clone());
            let existing = match std::fs::read_to_string(loader.real_path(&conf)) {
                Ok(t) => Some(t),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => anyhow::bail!(Diag::error(None, format!("{conf}: {e}")).with_exit(exit::IOERR)),
            };
            let block_text = conv.render(false);
            let text = match &existing {
                Some(t) if t.is_empty() => block_text,
                Some(t) if t.ends_with('\n') => format!("{t}\n{block_text}"),
                Some(t) => format!("{t}\n\n{block_text}"),
                None => block_text,
            };
            let parsed =
                crate::parse::jailconf::parse_source(&loader, Source::new(conf.clone(), text), false)?;
            if parsed.jails.iter().filter(|r| r.name == j).count() > 1 {
                anyhow::bail!(usage(format!("{conf} already has a jail \"{j}\"")));
            }
            let others = existing.is_some() && parsed.jails.iter().any(|r| r.name != j && r.name != "*");
            // The switch (docs/migrate.md): rc.d/jail converts a jail only when both
            // jail_<jv>_rootdir and jail_<jv>_hostname are set, so removing rootdir from
            // every rc.conf file that sets it makes rc.d/jail start the jail from jail.conf.
            let rootdir = format!("jail_{jv}_rootdir");
            for src in &conv.sources {
                let Ok(text) = std::fs::read_to_string(loader.real_path(src)) else {
                    continue;
                };
                let sets = text.lines().any(|l| {
                    let l = l.trim_start();
                    let l = l.strip_prefix("export ").map_or(l, str::trim_start);
                    l.starts_with(&format!("{rootdir}="))
                });
                if sets {
                    commands.push(Edit {
                        file: real(src),
                        argv: vec![
                            "sysrc".into(),
                            "-f".into(),
                            real(src),
                            "-x".into(),
                            rootdir.clone(),
                        ],
                    });
                    rc_saves.push(real(src));
                }
            }
            if let Some(list) = get("jail_list") {
                let words: Vec<&str> = list.value.split_whitespace().collect();
                if words.len() == 1 && crate::legacy::jail_name(words[0]) == j && !others {
                    let f = list.loc.file().to_owned();
                    // Emptying jail_list is right only while NAME is all it holds: the
                    // script checks that again before it runs (an edit made after the
                    // script was printed would otherwise be undone).
                    guards.push(Guard {
                        file: real(&f),
                        var: "jail_list".into(),
                        value: list.value.clone(),
                    });
                    commands.push(Edit {
                        file: real(&f),
                        argv: vec!["sysrc".into(), "-f".into(), real(&f), "jail_list=".into()],
                    });
                    notes.push(format!(
                        "jail_list becomes empty: rc.d/jail then starts every jail of {conf} (only {j})"
                    ));
                    if !rc_saves.contains(&real(&f)) {
                        rc_saves.push(real(&f));
                    }
                } else {
                    notes.push(format!(
                        "jail_list keeps {j}: with its legacy variables gone rc.d/jail starts it from {conf}"
                    ));
                }
            }
            let enabled = get("jail_enable").is_some_and(|v| crate::legacy::yesno(&v.value) == Some(true));
            if !enabled {
                let f =
                    get("jail_enable").map_or_else(|| "/etc/rc.conf".to_owned(), |v| v.loc.file().to_owned());
                commands.push(Edit {
                    file: real(&f),
                    argv: vec!["sysrc".into(), "-f".into(), real(&f), "jail_enable=YES".into()],
                });
                if !rc_saves.contains(&real(&f)) {
                    rc_saves.push(real(&f));
                }
            }
            notes.push(format!(
                "rc.conf switch: {rootdir} removed (rc.d/jail then reads {conf})"
            ));
            (parsed, Control::RcConf, j)
        }
    };
    let plan = plan::generate(&parsed, &opts).map_err(Diags)?;
    warn(g, &plan.warnings);
    let Some(vol) = plan.volumes.iter().find(|v| v.jail == name) else {
        let cfg = model::load(&parsed);
        if cfg.jails.iter().any(|j| j.name == name) {
            anyhow::bail!(usage(format!(
                "jail \"{name}\" has no $volume_size (jail_{name}_volume_size): it has no container"
            )));
        }
        anyhow::bail!(usage(format!("no jail \"{name}\"")));
    };
    let mut writes = Vec::new();
    for art in &plan.artifacts {
        let change = write::change(&loader, art)?;
        let before = match &change {
            write::Change::Unchanged => continue,
            write::Change::Create => None,
            write::Change::Update { old } => Some(old.clone()),
        };
        match change {
            write::Change::Update { old } if art.owned && !old.contains(crate::shell::OWNED_MARK) => {
                anyhow::bail!(
                    Diag::error(
                        None,
                        format!(
                            "{} exists and jailvol did not write it: move it away first",
                            art.path
                        )
                    )
                    .with_exit(exit::CANTCREAT)
                );
            }
            _ => {}
        }
        writes.push(FileWrite {
            path: real(&art.path),
            content: art.content.clone(),
            mode: art.mode,
            before,
        });
    }
    let mut saves: Vec<String> = writes.iter().map(|w| w.path.clone()).collect();
    for f in rc_saves {
        if !saves.contains(&f) {
            saves.push(f);
        }
    }
    let m = Migration {
        jail: name.clone(),
        root: real(&vol.path),
        file: real(&vol.file),
        size: vol.size,
        unit: vol.unit.unwrap_or(crate::volume::FIRST_UNIT),
        newfs_opts: vec!["-U".into()],
        state_dir: state.clone(),
        stop: a.stop,
        control,
        writes,
        commands,
        guards,
        saves,
        notes,
    };
    let text = crate::migrate::script(&m);
    if !a.execute {
        print(&text)?;
        return Ok(exit::OK);
    }
    let io =
        |e: std::io::Error| Diag::error(None, format!("{}: {e}", saved.display())).with_exit(exit::CANTCREAT);
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&state)
        .map_err(io)?;
    write::write_atomic(&saved, text.as_bytes(), 0o600).map_err(io)?;
    run_sh(&saved)
}

/// Run a migrate script with /bin/sh, its output streaming; exit 1 when it fails.
fn run_sh(script: &std::path::Path) -> anyhow::Result<i32> {
    let status = std::process::Command::new("/bin/sh")
        .arg(script)
        .status()
        .map_err(|e| Diag::error(None, format!("/bin/sh: {e}")).with_exit(exit::SOFTWARE))?;
    Ok(if status.success() {
        exit::OK
    } else {
        exit::FINDINGS
    })
}

/// The jail.conf, its model and the managed jails, for commands that act on containers.
fn managed_jails(
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
fn pick_jails(
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

fn grow_cmd(g: &Global, a: &GrowArgs) -> anyhow::Result<i32> {
    use crate::exec::Host as _;
    use crate::volume::format_size;
    let usage = |m: String| Diag::error(None, m).with_exit(exit::USAGE);
    let arg = grow::parse_size_arg(&a.size).map_err(usage)?;
    if g.files.iter().any(|f| f == "-") {
        anyhow::bail!(usage(
            "grow writes the new size back into jail.conf: it cannot read it from standard input".into()
        ));
    }
    let (loader, parsed, cfg, vols) = managed_jails(g, "grow")?;
    let v = pick_jails(&cfg, &vols, std::slice::from_ref(&a.jail))?
        .into_iter()
        .next()
        .ok_or_else(|| usage(format!("no jail \"{}\"", a.jail)))?;
    let jail = &v.jail;
    let refuse = |code: i32, m: String| Diag::error(None, format!("{jail}: {m}")).with_exit(code);
    let new = grow::new_size(jail, v.size, arg)?;
    let Some(unit) = v.unit else {
        anyhow::bail!(refuse(
            exit::DATAERR,
            "no md unit assigned yet ($volume_md_unit): run `jailvol generate` first".into()
        ));
    };
    let record = cfg
        .jails
        .iter()
        .find(|j| &j.name == jail)
        .map(|j| j.record)
        .ok_or_else(|| usage(format!("no jail \"{jail}\"")))?;
    // Everything is checked before anything is touched, the configuration edit included.
    let (conf_file, conf_text) = grow::config_edit(&parsed, record, &format_size(new))
        .map_err(|m| refuse(exit::DATAERR, format!("cannot record the new size: {m}")))?;
    // The file is rewritten whole: it must be exactly what was parsed (UTF-8, unchanged),
    // and the edited text must give the new size.
    let conf_real = loader.real_path(&conf_file);
    let conf_old = parsed
        .sources
        .iter()
        .find(|s| s.name == conf_file)
        .map(|s| s.text.clone())
        .unwrap_or_default();
    let unchanged = |what: &str| -> Result<(), String> {
        match std::fs::read(&conf_real) {
            Ok(b) if b == conf_old.as_bytes() => Ok(()),
            Ok(_) => Err(format!(
                "{conf_file} {what} (or is not plain UTF-8): jailvol does not rewrite it"
            )),
            Err(e) => Err(format!("{conf_file}: {e}")),
        }
    };
    unchanged("changed while it was read").map_err(|m| refuse(exit::DATAERR, m))?;
    if g.files.len() <= 1 {
        grow::verify_edit(&loader, &parsed, &conf_file, &conf_text, jail, new).map_err(|m| {
            refuse(
                exit::SOFTWARE,
                format!("the jail.conf edit does not read back: {m}"),
            )
        })?;
    }
    let real = |p: &str| loader.real_path(p).display().to_string();
    let (file, path) = (real(&v.file), real(&v.path));
    let mut host = crate::exec::RealHost {
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()) && !g.quiet,
    };
    let fpath = std::path::Path::new(&file);
    if !host.exists(fpath) {
        anyhow::bail!(refuse(
            exit::NOINPUT,
            format!("{file} does not exist: make the container with `jailvol create` first")
        ));
    }
    let file_size = host
        .file_size(fpath)
        .map_err(|e| refuse(exit::IOERR, format!("{file}: {e}")))?;
    if file_size > new {
        anyhow::bail!(refuse(
            exit::DATAERR,
            format!(
                "{file} is already {file_size} bytes, more than {}: grow to at least {}",
                format_size(new),
                crate::status::human(file_size)
            )
        ));
    }
    let dir = fpath.parent().unwrap_or(std::path::Path::new("/"));
    let need = new - file_size;
    let free = host.free_bytes(dir).map_err(|e| {
        refuse(
            exit::IOERR,
            format!("cannot read free space of {}: {e}", dir.display()),
        )
    })?;
    if free < need {
        let m = format!(
            "growing {file} needs {} more but {} has {} free",
            crate::status::human(need),
            dir.display(),
            crate::status::human(free)
        );
        if a.sparse {
            warn(
                g,
                &[Diag::warning(
                    None,
                    format!("{jail}: {m} (sparse file: overcommitted)"),
                )],
            );
        } else {
            anyhow::bail!(refuse(exit::CANTCREAT, m));
        }
    }
    let mut runner = crate::exec::System;
    let (state, state_text) = match grow::observe(jail, &file, &path, unit, &mut runner, &host) {
        Ok(s) => {
            let d = s.describe(unit, &file);
            (s, d)
        }
        Err(e) if a.dry_run => (
            grow::State::default(),
            format!("state unknown ({e}); assuming stopped and detached"),
        ),
        Err(e) => anyhow::bail!(refuse(
            exit::IOERR,
            format!("cannot read the container's state: {e}")
        )),
    };
    if let Some(Some(f)) = &state.unit_file {
        if f != &file {
            anyhow::bail!(refuse(
                exit::CANTCREAT,
                format!("md{unit} is attached to {f}, not to {file}: see `jailvol status`")
            ));
        }
    }
    if let Some(other) = state.file_units.iter().find(|u| **u != unit) {
        anyhow::bail!(refuse(
            exit::CANTCREAT,
            format!(
                "{file} is attached as md{other}, not md{unit}: detach it first (mdconfig -d -u {other})"
            )
        ));
    }
    if let Some(on) = &state.unit_mounted_on {
        if on != &path {
            anyhow::bail!(refuse(
                exit::CANTCREAT,
                format!("/dev/md{unit} is mounted on {on}, not on the jail's path: unmount it first")
            ));
        }
    }
    let online = state.online();
    if online
        && (state.mounted_from.as_deref() != Some(format!("/dev/md{unit}").as_str())
            || !state.attached_here(&file))
    {
        anyhow::bail!(refuse(
            exit::CANTCREAT,
            format!(
                "the jail's root is not mounted from md{unit} backed by {file} ({state_text}): see `jailvol status`"
            )
        ));
    }
    let mut t = grow::Target::new(&v, file.clone(), unit, file_size, new, a.sparse);
    if !online {
        t.fs_grown = file_size >= new && grow::fs_size(&host, fpath).is_some_and(|fs| fs > v.size);
    }
    let steps = grow::plan(&t, &state, online);
    let text = grow::render(&t, &steps, &state_text, &conf_file);
    if online && !a.online {
        print(&text)?;
        anyhow::bail!(refuse(
            exit::FINDINGS,
            format!(
                "the jail is running or its root is mounted ({state_text}): growing a mounted UFS needs --online \
                 (growfs suspends writes while it works; FreeBSD 10.0 or later); the steps are printed above; nothing was changed"
            )
        ));
    }
    if a.dry_run {
        print(&text)?;
        return Ok(exit::OK);
    }
    if !crate::exec::is_root() {
        anyhow::bail!(usage(
            "grow needs root (mdconfig, growfs, fsck); --dry-run does not".into()
        ));
    }
    crate::exec::catch_interrupts()?;
    let verbose = g.verbose;
    let mut say = |s: &str| {
        if verbose {
            let _ = writeln!(std::io::stderr().lock(), "+ {s}");
        }
    };
    let mut write_conf = || {
        unchanged("changed since jailvol read it")?;
        write::write_atomic(&conf_real, conf_text.as_bytes(), 0o644)
            .map(|()| conf_file.clone())
            .map_err(|e| format!("{conf_file}: {e}"))
    };
    let rep = grow::execute(&t, &steps, &mut runner, &mut host, &mut write_conf, &mut say)?;
    warn(g, &rep.warnings);
    if !g.quiet {
        let mut err = std::io::stderr().lock();
        for n in &rep.notes {
            let _ = writeln!(err, "jailvol: {n}");
        }
        let _ = writeln!(
            err,
            "jailvol: {jail}: grown from {} to {}{}",
            format_size(v.size),
            format_size(new),
            if online { " online" } else { "" }
        );
    }
    Ok(exit::OK)
}

fn status_cmd(g: &Global, a: &StatusArgs) -> anyhow::Result<i32> {
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
    let snap = status::snapshot(&mut runner);
    let real = |p: &str| loader.real_path(p).display().to_string();
    // The hooks style detaches the unit at stop (exec.release runs the helper's
    // `detach`); the other styles have no such hook and leave it attached.
    let released = |jail: &str| {
        cfg.jails.iter().filter(|j| j.name == jail).any(|j| {
            j.param("exec.release")
                .is_some_and(|e| e.values.iter().any(|v| v.as_str().contains(" detach ")))
        })
    };
    let list: Vec<status::JailStatus> = chosen
        .iter()
        .map(|v| status::inspect(v, &snap, &mut runner, &host, &real, released(&v.jail)))
        .collect();
    match g.format {
        Format::Json => print(&status::to_json(&list, &snap.warnings))?,
        _ => {
            let w: Vec<Diag> = snap
                .warnings
                .iter()
                .map(|m| Diag::warning(None, m.clone()))
                .collect();
            warn(g, &w);
            print(&status::to_text(&list))?;
        }
    }
    Ok(if a.check && list.iter().any(|s| !s.problems.is_empty()) {
        exit::FINDINGS
    } else {
        exit::OK
    })
}
