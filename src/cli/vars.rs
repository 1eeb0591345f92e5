//! `jailvol vars`: rc.conf variables as /bin/sh evaluates them.

use std::io::Write;

use clap::Args;

use super::{Format, Globals};
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
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    // A reader that went away (`| head`) is not an error (`report` says so of it).
    vars::write(&opts, &found, &mut out).and_then(|()| out.flush())?;
    // The process ends here: freeing 62,500 names and values one by one was a tenth of
    // `vars` on a large rc.conf, for memory the exit returns whole.
    std::mem::forget(found);
    Ok(exit::OK)
}
