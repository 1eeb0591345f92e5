//! `jailvol show`: the jails as jail(8) would see them.

use super::{Format, Globals};
use crate::diag::exit;
use crate::ops::show;

pub(crate) fn show(g: &Globals) -> anyhow::Result<i32> {
    let opts = show::Options {
        input: g.input.clone(),
        json: g.format == Format::Json,
    };
    // Buffered: a large configuration is written jail by jail as it is loaded (the
    // operation flushes it).
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    show::show(&opts, &mut out, &|d| g.warn(d))?;
    Ok(exit::OK)
}
