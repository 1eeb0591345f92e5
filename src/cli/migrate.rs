//! `jailvol migrate`: the script that moves a jail into its container.

use super::{Format, Globals, MigrateArgs, plan_options, print};
use crate::diag::exit;
use crate::ops::migrate::{self as op, Outcome, Output};

/// `migrate`: print the script (src/migrate) for the inputs src/ops/migrate computes, or
/// run it (`--execute`).
pub(crate) fn migrate(g: &Globals, a: &MigrateArgs) -> anyhow::Result<i32> {
    // The script writes the hooks style; --fstab-dir and --helper say where its files
    // go, exactly as for generate, so both agree on a host with custom paths.
    let opts = op::Options {
        jail: a.jail.clone(),
        stop: a.stop,
        state_dir: a.state_dir.clone(),
        plan: plan_options(&a.style)?,
        style_why: match (&a.style.style, &a.style.target_release) {
            (Some(_), _) => "--style".to_owned(),
            (None, Some(r)) => format!("--target-release {r}"),
            (None, None) => "the options".to_owned(),
        },
        input: g.input.clone(),
        output: if a.execute {
            Output::Execute
        } else if g.format == Format::Json {
            Output::Json
        } else {
            Output::Script
        },
    };
    match op::migrate(&opts, &|d| g.warn(d), &|n| g.note(n))? {
        Outcome::Text(t) => {
            print(&t)?;
            Ok(exit::OK)
        }
        // A failed run's log says why.
        Outcome::Ran(ok) => Ok(if ok { exit::OK } else { exit::FINDINGS }),
    }
}
