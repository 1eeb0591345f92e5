//! `jailvol status`: what each container looks like right now.

use clap::Args;

use super::{Format, Globals, print};
use crate::diag::{Diag, exit};
use crate::ops::status;

#[derive(Args, Debug, Clone)]
pub struct StatusArgs {
    /// Jails to show (default: every managed jail).
    #[arg(value_name = "JAIL")]
    pub jails: Vec<String>,
    /// Exit 1 when any container shows a problem (status is informational otherwise).
    #[arg(long)]
    pub check: bool,
}

pub(crate) fn status(g: &Globals, a: &StatusArgs) -> anyhow::Result<i32> {
    let opts = status::Options {
        input: g.input.clone(),
        jails: a.jails.clone(),
    };
    let st = status::status(&opts, &|d| g.warn(d))?;
    if g.format == Format::Json {
        // The document carries the host-wide warnings itself.
        print(&crate::status::to_json(&st.list, &st.warnings))?;
    } else {
        let w: Vec<Diag> = st
            .warnings
            .iter()
            .map(|m| Diag::warning(None, m.clone()))
            .collect();
        g.warn(&w);
        print(&crate::status::to_text(&st.list))?;
    }
    Ok(if a.check && st.problems() {
        exit::FINDINGS
    } else {
        exit::OK
    })
}
