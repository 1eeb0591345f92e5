//! `check`: the CI verify mode — drift from what generate would write, and lints.

use std::cell::RefCell;

use crate::check::{Report, Settings};
use crate::diag::{Diag, exit};
use crate::input::{self, InputKind};
use crate::lint::Lint;
use crate::parse::loader::Loader;
use crate::plan;

pub struct Options {
    pub input: input::Options,
    pub plan: plan::Options,
    /// `--style` was given: on an rc.conf host, as for generate, the style is otherwise
    /// picked from `target_release`.
    pub style_given: bool,
    /// `--target-release`, as given.
    pub target_release: Option<String>,
    pub settings: Settings,
}

/// The findings and the drift. Input that cannot be read is an error (exit 65); a
/// configuration jail(8) would reject is a finding.
pub fn check(opts: &Options) -> anyhow::Result<Report> {
    let inputs = input::select(&opts.input).map_err(|d| d.with_exit(exit::DATAERR))?;
    let loader = inputs.loader();
    if inputs.kind == InputKind::RcConf {
        return check_rc_conf(opts, &loader);
    }
    Ok(match input::parse_jail_confs(&loader, &inputs.files) {
        Ok(parsed) => {
            let mut r = crate::check::run(&loader, &parsed, &opts.plan, opts.settings);
            r.extend(super::beside_findings(&inputs, &loader, &parsed));
            crate::retire::retire(parsed);
            r
        }
        // A file that cannot be read at all is bad input; one that jail(8) would reject
        // is a finding.
        Err(d) if d.loc.is_none() || d.exit != exit::DATAERR => anyhow::bail!(d.with_exit(exit::DATAERR)),
        Err(d) => crate::check::parse_failure(d),
    })
}

/// An rc.conf host: the plan generate makes (ops::rchost), compared with the disk, and
/// rc.d/jail's own warnings about the jails as findings (JV034-JV039, at the severity
/// of docs/checks.md: a jail rc.d/jail skips is an error, a value it drops a warning),
/// then the lints of the converted jails (check::lint_rc_conf). The conversion's other
/// warnings are jailvol's notes on the conversion, not problems of the host: generate
/// and convert print them, check does not.
fn check_rc_conf(opts: &Options, loader: &Loader) -> anyhow::Result<Report> {
    let warnings = RefCell::new(Vec::new());
    let host = super::rchost::plan(
        &opts.input,
        loader,
        &opts.plan,
        opts.style_given,
        opts.target_release.as_deref(),
        Some(opts.settings),
        &|d: &[Diag]| warnings.borrow_mut().extend_from_slice(d),
    )
    .map_err(|e| match e.downcast::<Diag>() {
        Ok(d) => anyhow::Error::new(d.with_exit(exit::DATAERR)),
        Err(e) => e,
    })?;
    // The style (hooks needs jail.conf) is the command line's mistake, as for generate.
    if let Err(errs) = &host.plan
        && let Some(usage) = errs.iter().find(|e| e.exit == exit::USAGE)
    {
        anyhow::bail!(usage.clone());
    }
    let mut findings: Vec<Diag> = Vec::new();
    for w in warnings.into_inner() {
        if let Some(lint) = w.code.and_then(Lint::from_code) {
            findings.push(Diag {
                severity: lint.severity(),
                ..w
            });
        }
    }
    findings.extend(host.findings);
    let plan = host.plan.map_err(|errs| {
        errs.into_iter()
            .map(|e| match e.code {
                Some(_) => e,
                None if host.jail_fails.iter().any(|f| same(f, &e)) => Lint::JailFails.attach(e),
                // Reading an fstab generate rewrites (rcplan fstab_files).
                None if e.exit == exit::IOERR => Lint::UnreadableOutput.attach(e),
                None => e,
            })
            .collect()
    });
    Ok(crate::check::run_planned(loader, findings, plan))
}

fn same(a: &Diag, b: &Diag) -> bool {
    a.message == b.message && a.loc.as_ref().map(|l| l.offset) == b.loc.as_ref().map(|l| l.offset)
}
