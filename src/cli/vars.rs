//! `jailvol vars`: rc.conf variables as /bin/sh evaluates them.

use clap::Args;

use super::{Format, Globals, print};
use crate::diag::exit;
use crate::ops::vars;

/// (`--skip-unsupported`, once `vars`' own, is global: every command reads rc.conf.)
#[derive(Args, Debug)]
pub struct VarsArgs {}

pub(crate) fn vars(g: &Globals, _: &VarsArgs) -> anyhow::Result<i32> {
    let opts = vars::Options {
        input: g.input.clone(),
        skip_unsupported: g.input.skip_unsupported,
        json: g.format == Format::Json,
    };
    let found = vars::vars(&opts, &|d| g.warn(d))?;
    print(&vars::render(&opts, &found)?)?;
    Ok(exit::OK)
}
