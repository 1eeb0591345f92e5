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

/// `name: value` per line like `sysrc -a`, or a JSON object (name → value, in order).
pub fn render(opts: &Options, vars: &RcVars) -> anyhow::Result<String> {
    Ok(if opts.json {
        let mut out = Vec::with_capacity(vars.vars.len() * 32);
        crate::emit::json::write_vars(
            &mut out,
            vars.vars.iter().map(|(k, v)| (k.as_str(), v.value.as_str())),
        )?;
        // write_vars writes JSON of &str pieces: valid UTF-8 by construction.
        String::from_utf8(out)?
    } else {
        let mut s = String::new();
        for (k, v) in &vars.vars {
            s.push_str(k);
            s.push_str(": ");
            s.push_str(&v.value);
            s.push('\n');
        }
        s
    })
}
