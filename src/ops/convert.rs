//! `convert`: legacy rc.conf jails to jail.conf, as rc.d/jail would run them.

use super::Warn;
use crate::diag::{Diag, Diags, exit};
use crate::input::{self, InputKind};
use crate::legacy::{self, Conversion, Written};
use crate::parse::loader::Loader;
use crate::parse::rcconf::RcVars;

pub struct Options {
    pub input: input::Options,
    /// Which jails, the era, the host's kernel: what the conversion depends on.
    pub legacy: legacy::Options,
    /// Write to this file (below `--root`) instead of returning the text.
    pub output: Option<String>,
    /// With `output`: replace the converted jails' blocks already there (JSON: an
    /// earlier JSON output).
    pub force: bool,
    /// A comment before each line naming the rc.conf variables behind it.
    pub explain: bool,
    /// The JSON document of the converted model instead of jail.conf text.
    pub json: bool,
}

/// What convert did.
pub enum Outcome {
    /// No `output`: the text to print.
    Text(String),
    /// `output` with `json`: the document was written.
    WroteJson,
    /// `output`: the jails were merged into the file (docs/legacy.md, Output).
    Merged(Written),
}

pub fn convert(opts: &Options, warn: Warn) -> anyhow::Result<Outcome> {
    if opts.input.kind == Some(InputKind::JailConf) {
        anyhow::bail!(Diag::error(None, "convert reads rc.conf files, not jail.conf").with_exit(exit::USAGE));
    }
    let loader = opts.input.loader();
    let (vars, warnings) = super::read_rc_conf(&opts.input, &loader, &Default::default())?;
    warn(&warnings);
    let conv = checked(opts, &loader, &vars, warn)?;
    let Some(path) = &opts.output else {
        return Ok(Outcome::Text(render(opts, &conv)));
    };
    if opts.json {
        legacy::write_json(&loader, path, &render(opts, &conv), opts.force)?;
        return Ok(Outcome::WroteJson);
    }
    // An existing FILE is merged into, never written over (docs/legacy.md, Output).
    let done = legacy::write_merged(&loader, path, &conv, opts.explain, opts.force).map_err(Diags)?;
    warn(&done.warnings);
    Ok(Outcome::Merged(done))
}

/// `convert` on variables already evaluated: warns, returns the text (or the errors,
/// exit 65, when any jail cannot be converted faithfully).
pub fn text(opts: &Options, loader: &Loader, vars: &RcVars, warn: Warn) -> anyhow::Result<String> {
    let conv = checked(opts, loader, vars, warn)?;
    Ok(render(opts, &conv))
}

/// The conversion, its warnings given to `warn`; the errors (exit 65) when any jail
/// cannot be converted faithfully.
fn checked<'v>(
    opts: &Options,
    loader: &Loader,
    vars: &'v RcVars,
    warn: Warn,
) -> anyhow::Result<Conversion<'v>> {
    let conv = legacy::convert(vars, loader, &opts.legacy);
    warn(&conv.warnings);
    if !conv.errors.is_empty() {
        return Err(Diags(conv.errors).into());
    }
    Ok(conv)
}

/// jail.conf text, or the JSON document of the converted model.
fn render(opts: &Options, conv: &Conversion<'_>) -> String {
    if opts.json {
        crate::emit::json::config(&conv.config())
    } else {
        conv.render(opts.explain)
    }
}
