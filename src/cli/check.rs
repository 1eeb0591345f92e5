//! `jailvol check`: the CI verify mode.

use super::*;

pub(crate) fn check(g: &Global, a: &CheckArgs) -> anyhow::Result<i32> {
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
        Ok(parsed) => crate::check::run(
            &loader,
            &parsed,
            &opts,
            crate::check::Settings {
                release,
                containers: !a.no_containers,
            },
        ),
        // A file that cannot be read at all is bad input; one that jail(8) would reject
        // is a finding.
        Err(d) if d.loc.is_none() || d.exit != exit::DATAERR => anyhow::bail!(d.with_exit(exit::DATAERR)),
        Err(d) => crate::check::parse_failure(d),
    };
    let out = match g.format {
        Format::Json => crate::check::to_json(&report),
        Format::Github => crate::check::to_github(&report),
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
