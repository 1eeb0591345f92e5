//! `check`: the CI verify mode — drift from what generate would write, and lints.

use crate::check::{Report, Settings};
use crate::diag::{Diag, exit};
use crate::input::{self, InputKind};
use crate::plan;

pub struct Options {
    pub input: input::Options,
    pub plan: plan::Options,
    pub settings: Settings,
}

/// The findings and the drift. Input that cannot be read is an error (exit 65); a
/// configuration jail(8) would reject is a finding.
pub fn check(opts: &Options) -> anyhow::Result<Report> {
    let inputs = input::select(&opts.input).map_err(|d| d.with_exit(exit::DATAERR))?;
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
    Ok(match input::parse_jail_confs(&loader, &inputs.files) {
        Ok(parsed) => {
            let mut r = crate::check::run(&loader, &parsed, &opts.plan, opts.settings);
            r.extend(super::beside_findings(&inputs, &loader, &parsed));
            r
        }
        // A file that cannot be read at all is bad input; one that jail(8) would reject
        // is a finding.
        Err(d) if d.loc.is_none() || d.exit != exit::DATAERR => anyhow::bail!(d.with_exit(exit::DATAERR)),
        Err(d) => crate::check::parse_failure(d),
    })
}
