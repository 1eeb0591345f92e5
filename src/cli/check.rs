//! `jailvol check`: the CI verify mode.

use clap::{Args, ValueEnum};

use super::color::{self, Stream};
use super::{Format, Globals, StyleArgs, plan_options, print};
use crate::diag::{Diag, Severity, exit};
use crate::ops::check;

#[derive(Args, Debug, Clone)]
pub struct CheckArgs {
    #[command(flatten)]
    pub style: StyleArgs,
    /// Fail (exit 1) on findings at or above this severity; drift always fails.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Skip the lints that read the containers and the host's files (JV016-JV020,
    /// JV029, JV040): for a configuration repository, whose containers are on the hosts.
    #[arg(long)]
    pub no_containers: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
}

pub(crate) fn check(g: &Globals, a: &CheckArgs) -> anyhow::Result<i32> {
    let plan = plan_options(&a.style)?;
    let release = match &a.style.target_release {
        Some(r) => Some(crate::plan::parse_release(r).ok_or_else(|| {
            Diag::error(None, format!("\"{r}\" is not a FreeBSD release")).with_exit(exit::USAGE)
        })?),
        None => None,
    };
    let opts = check::Options {
        input: g.input.clone(),
        plan,
        style_given: a.style.style.is_some(),
        target_release: a.style.target_release.clone(),
        settings: crate::check::Settings {
            release,
            containers: !a.no_containers,
        },
    };
    let report = check::check(&opts)?;
    let out = match g.format {
        Format::Json => crate::check::to_json(&report),
        Format::Github => crate::check::to_github(&report),
        // The findings are diagnostics: coloured like those on stderr, but as standard
        // output is a terminal or not.
        Format::Text if color::enabled(g.color, Stream::Stdout) => {
            color::paint_leading(&report.findings, &crate::check::to_text(&report))
        }
        Format::Text => crate::check::to_text(&report),
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
