//! `vars`: the rc.conf variables as /bin/sh evaluates them.

use super::Warn;
use crate::input;
use crate::parse::rcconf::{RcOptions, RcVars};

pub struct Options {
    pub input: input::Options,
    /// Warn about and skip what cannot be evaluated statically instead of failing.
    pub skip_unsupported: bool,
    /// One JSON object instead of `name: value` lines.
    pub json: bool,
}

/// The variables of the -f files in order, else of the host's rc.conf files.
pub fn vars(opts: &Options, warn: Warn) -> anyhow::Result<RcVars> {
    let rc = RcOptions {
        skip_unsupported: opts.skip_unsupported,
    };
    let (vars, warnings) = super::read_rc_conf(&opts.input, &opts.input.loader(), &rc)?;
    warn(&warnings);
    Ok(vars)
}

/// `name: value` per line like `sysrc -a`, or a JSON object (name → value, in order),
/// written to `out` as it goes: the whole text in a `String` first was 3 MB of fresh
/// pages for 62,500 variables.
pub fn write(opts: &Options, vars: &RcVars, out: &mut impl std::io::Write) -> std::io::Result<()> {
    if opts.json {
        return crate::emit::json::write_vars(
            out,
            vars.vars.iter().map(|(k, v)| (k.as_str(), v.value.as_str())),
        );
    }
    for (k, v) in &vars.vars {
        out.write_all(k.as_bytes())?;
        out.write_all(b": ")?;
        out.write_all(v.value.as_bytes())?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
