//! The plan of an rc.conf host (`jail_NAME_*` variables), shared by `generate`, which
//! writes it, and `check`, which compares it with the disk: the variables as /bin/sh
//! evaluates them, rc.d/jail's conversion (legacy::convert), then rcplan::generate.

use super::Warn;
use crate::diag::Diag;
use crate::input;
use crate::parse::loader::Loader;
use crate::plan::{self, Plan};

/// What an rc.conf host's plan came to.
pub struct RcHostPlan {
    /// The files generate writes, or why it refuses the host.
    pub plan: Result<Plan, Vec<Diag>>,
    /// The conversion's errors and the converted jails jail(8) would fail
    /// (`Block::rejected`): among the refusals, those about a jail rather than about
    /// the volume settings (`check` reports them as JV002).
    pub jail_fails: Vec<Diag>,
    /// With `lint`: the lints of the converted jails (check::lint_rc_conf), and with
    /// its `containers` those of their containers (check::lint_rc_containers).
    pub findings: Vec<Diag>,
}

/// Read the rc.conf files of `input` (else the host's), convert the jails as rc.d/jail
/// would, and plan their containers. Warnings (the reader's, then the conversion's) go
/// to `warn` as they arise; input that cannot be read is the error. `lint` (check's
/// settings) also lints the converted jails.
pub fn plan(
    input: &input::Options,
    loader: &Loader,
    opts: &plan::Options,
    style_given: bool,
    target_release: Option<&str>,
    lint: Option<crate::check::Settings>,
    warn: Warn,
) -> anyhow::Result<RcHostPlan> {
    let mut popts = opts.clone();
    if !style_given {
        popts.style = rc_style(target_release);
    }
    let (vars, warnings) = super::read_rc_conf(input, loader, &Default::default())?;
    warn(&warnings);
    let files = if input.files.is_empty() {
        vec!["/etc/rc.conf".to_owned()]
    } else {
        input.files.clone()
    };
    let sources = files
        .iter()
        .filter(|f| *f != "-")
        .map(|f| loader.read(f, None))
        .collect::<Result<Vec<_>, _>>()?;
    let legacy_opts = crate::legacy::Options {
        era: if popts.style == plan::Style::Seed {
            crate::legacy::Era::Pre10
        } else {
            crate::legacy::Era::Current
        },
        ..crate::legacy::Options::default()
    };
    let conv = crate::legacy::convert(&vars, loader, &legacy_opts);
    warn(&conv.warnings);
    let mut jail_fails = conv.errors.clone();
    jail_fails.extend(conv.blocks.iter().flat_map(|b| b.rejected.iter().cloned()));
    let plan = crate::rcplan::generate(&vars, &conv, &sources, loader, &popts);
    let mut findings = Vec::new();
    if let Some(settings) = lint {
        findings = crate::check::lint_rc_conf(&conv);
        if let (true, Ok(p)) = (settings.containers, &plan) {
            findings.extend(crate::check::lint_rc_containers(loader, &p.volumes, &vars));
        }
    }
    Ok(RcHostPlan {
        plan,
        jail_fails,
        findings,
    })
}

/// The style of an rc.conf host when `--style` is not given. rc.d/jail runs no
/// exec.prepare, so the jail's own fstab line attaches the container: `mountprog` from
/// 10.0 on, the historical md + ufs `seed` pair before (docs/freebsd.md).
fn rc_style(target_release: Option<&str>) -> plan::Style {
    let old = target_release
        .and_then(plan::parse_release)
        .is_some_and(|r| r < (10, 0));
    if old {
        plan::Style::Seed
    } else {
        plan::Style::Mountprog
    }
}
