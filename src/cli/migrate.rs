//! `jailvol migrate`: the script that moves a jail into its container.

use super::*;

/// `migrate`: print the script (src/migrate) for the inputs src/ops/migrate computes, or
/// run it (`--execute`).
pub(crate) fn migrate(g: &Global, a: &MigrateArgs) -> anyhow::Result<i32> {
    use crate::ops::migrate as op;
    // The script writes the hooks style; --fstab-dir and --helper say where its files
    // go, exactly as for generate, so both agree on a host with custom paths.
    let opts = op::Options {
        jail: a.jail.clone(),
        stop: a.stop,
        state_dir: a.state_dir.clone(),
        plan: plan_options(&a.style)?,
    };
    let why = match (&a.style.style, &a.style.target_release) {
        (Some(_), _) => "--style".to_owned(),
        (None, Some(r)) => format!("--target-release {r}"),
        (None, None) => "the options".to_owned(),
    };
    op::check_style(&opts.plan, &why)?;
    let inputs = input::select(g)?;
    let loader = inputs.loader();
    let state = op::state_dir(&loader, &opts);
    if a.execute {
        if let Some(saved) = op::saved_script(&state) {
            if !g.quiet {
                eprintln!(
                    "jailvol: resuming with the script saved by the first run: {}",
                    saved.display()
                );
            }
            return Ok(outcome(op::run_sh(&saved)?));
        }
    }
    let input = match inputs.kind {
        InputKind::JailConf => {
            let parsed = input::parse_jail_confs(&loader, &inputs.files)?;
            warn(g, &parsed.warnings);
            let conf = inputs.files.first().cloned().unwrap_or_default();
            op::Input::JailConf { parsed, conf }
        }
        InputKind::RcConf => {
            let (vars, warnings) = read_rc_conf(g, &loader)?;
            warn(g, &warnings);
            op::Input::RcConf { vars }
        }
    };
    let m = op::prepare(&loader, input, &opts, &mut |w| warn(g, w))?;
    if a.execute {
        return Ok(outcome(op::execute(&state, &crate::migrate::script(&m))?));
    }
    if g.format == Format::Json {
        print(&create::plans_output(g, &[crate::migrate::plan(&m)]))?;
    } else {
        print(&crate::migrate::script(&m))?;
    }
    Ok(exit::OK)
}

/// The exit status of a script run: 1 when it failed (its log says why).
fn outcome(ok: bool) -> i32 {
    if ok { exit::OK } else { exit::FINDINGS }
}
