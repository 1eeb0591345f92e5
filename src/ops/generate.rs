//! `generate`: write (or diff) what makes each managed jail mount its container.

use super::Warn;
use crate::diag::Diags;
use crate::input::{self, InputKind};
use crate::{plan, write};

pub struct Options {
    pub input: input::Options,
    pub plan: plan::Options,
    /// `--style` was given: the style is the admin's choice on an rc.conf host too.
    pub style_given: bool,
    /// `--target-release`, as given.
    pub target_release: Option<String>,
    /// Compute the unified diff of what would change; write nothing.
    pub dry_run: bool,
    /// Overwrite files at jailvol's paths that jailvol did not write.
    pub force: bool,
}

/// What generate did.
pub enum Outcome {
    /// `dry_run`: the unified diff of every file that would change went to the writer.
    Diffed,
    /// The files written (none when everything was up to date).
    Written(Vec<String>),
}

/// With `dry_run`, each file's diff goes to `diff_out` as soon as it is made: a large
/// host's diff is larger than its configuration, and held whole it was the largest
/// allocation of the run.
pub fn generate(opts: &Options, warn: Warn, diff_out: &mut dyn std::io::Write) -> anyhow::Result<Outcome> {
    let inputs = input::select(&opts.input)?;
    let loader = inputs.loader();
    let plan = if inputs.kind == InputKind::RcConf {
        super::rchost::plan(
            &opts.input,
            &loader,
            &opts.plan,
            opts.style_given,
            opts.target_release.as_deref(),
            false,
            warn,
        )?
        .plan
        .map_err(Diags)?
    } else {
        let parsed = input::parse_jail_confs(&loader, &inputs.files)?;
        warn(&parsed.warnings);
        warn(&super::beside_warnings(&inputs, &loader, &parsed));
        plan::generate(&parsed, &opts.plan).map_err(Diags)?
    };
    warn(&plan.warnings);
    if opts.dry_run {
        for art in &plan.artifacts {
            let diff = match write::change(&loader, art)? {
                write::Change::Unchanged => continue,
                write::Change::Create => write::diff(&art.path, "", &art.content),
                write::Change::Update { old } => write::diff(&art.path, &old, &art.content),
            };
            diff_out.write_all(diff.as_bytes())?;
        }
        return Ok(Outcome::Diffed);
    }
    Ok(Outcome::Written(write::apply(
        &loader,
        &plan.artifacts,
        opts.force,
    )?))
}

/// The style of an rc.conf host when `--style` is not given. rc.d/jail runs no
/// exec.prepare, so the jail's own fstab line attaches the container: `mountprog` from
/// 10.0 on, the historical md + ufs `seed` pair before (docs/freebsd.md).
pub(super) fn rc_style(target_release: Option<&str>) -> plan::Style {
    let old = target_release
        .and_then(plan::parse_release)
        .is_some_and(|r| r < (10, 0));
    if old {
        plan::Style::Seed
    } else {
        plan::Style::Mountprog
    }
}
