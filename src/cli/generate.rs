//! `jailvol generate`: write (or diff) what makes each managed jail mount its container.

use clap::{Args, ValueEnum};

use super::{Format, Globals};
use crate::diag::{Diag, exit};
use crate::ops::generate::{self, FileJson, JsonDoc, Outcome};
use crate::plan;
use crate::write::Action;

#[derive(Args, Debug, Clone)]
pub struct GenerateArgs {
    #[command(flatten)]
    pub style: StyleArgs,
    /// Print a unified diff (with --format json, the document) of what would change; write
    /// nothing.
    #[arg(short = 'n', long)]
    pub dry_run: bool,
    /// Overwrite files at jailvol's paths that jailvol did not write.
    #[arg(long)]
    pub force: bool,
}

/// What generate writes and where: shared by generate, check and migrate.
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

pub(crate) fn generate(g: &Globals, a: &GenerateArgs) -> anyhow::Result<i32> {
    let opts = generate::Options {
        input: g.input.clone(),
        plan: plan_options(&a.style)?,
        style_given: a.style.style.is_some(),
        target_release: a.style.target_release.clone(),
        dry_run: a.dry_run,
        force: a.force,
        json: g.format == Format::Json,
    };
    // A reader that leaves early (`| head`) ends the run quietly: report() knows a
    // broken pipe.
    // Not locked: the diffs are written on generate's second thread.
    let mut out = std::io::BufWriter::new(std::io::stdout());
    let outcome = generate::generate(&opts, &|d| g.warn(d), &mut out)?;
    std::io::Write::flush(&mut out)?;
    let Outcome::Written(done) = outcome else {
        return Ok(exit::OK);
    };
    // What was done goes to stderr in either format; the JSON document to stdout.
    for d in &done {
        match d.action {
            Action::Remove => g.note(&format!("removed {}: no managed jail uses it", d.path)),
            _ => g.note(&format!("wrote {}", d.path)),
        }
    }
    if done.is_empty() {
        g.note("everything is up to date");
    }
    if g.format == Format::Json {
        let mut doc = JsonDoc::start(&mut out, false)?;
        for d in &done {
            doc.file(&mut out, &FileJson::new(&d.path, d.action, d.mode))?;
        }
        doc.end(&mut out)?;
        std::io::Write::flush(&mut out)?;
    }
    Ok(exit::OK)
}
