//! The command line as clap reads it: the global options, the subcommands, and the
//! arguments shared by several of them. Each command's own arguments are in its file.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use super::check::{CheckArgs, FailOn};
pub use super::convert::ConvertArgs;
pub use super::generate::{GenerateArgs, MountProgArg, StyleArg, StyleArgs};
pub use super::status::StatusArgs;
pub use super::vars::VarsArgs;

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
    /// Output format: json for show, vars, convert, generate, check and status (and create,
    /// grow with --dry-run, migrate without --execute); github (workflow annotations) for
    /// check. Other commands print text only.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Print no warnings.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Say more about what is done.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Colour the error and warning labels and carets: `auto` on a terminal unless
    /// NO_COLOR is set (and not empty) or TERM is dumb.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// rc.conf: warn about and skip statements that cannot be evaluated statically
    /// (commands, `if`, `$(...)`...) instead of failing; values that depend on them
    /// still fail.
    #[arg(long, global = true)]
    pub skip_unsupported: bool,
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
        shell: crate::completions::CompletionShell,
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

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ViaArg {
    Md,
    Makefs,
}
