//! `jailvol vars`: rc.conf variables as /bin/sh evaluates them.

use clap::Args;

use super::{Format, Globals, print};
use crate::diag::exit;
use crate::ops::vars;

#[derive(Args, Debug)]
pub struct VarsArgs {
    /// Warn about and skip statements that cannot be evaluated statically (commands,
    /// `if`, `$(...)`...) instead of failing; values that depend on them still fail.
    #[arg(long)]
    pub skip_unsupported: bool,
}

pub(crate) fn vars(g: &Globals, a: &VarsArgs) -> anyhow::Result<i32> {
    let opts = vars::Options {
        input: g.input.clone(),
        skip_unsupported: a.skip_unsupported,
        json: g.format == Format::Json,
    };
    let found = vars::vars(&opts, &|d| g.warn(d))?;
    print(&vars::render(&opts, &found)?)?;
    Ok(exit::OK)
}
