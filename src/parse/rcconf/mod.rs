//! rc.conf(5) reader: the sh subset real rc.conf files use, evaluated exactly as /bin/sh
//! would (grammar/rcconf.pest for the tokens; this module for commands and expansion).
//!
//! What is evaluated: assignments (`a=1 b=2`, `a=1; b=2`), `export NAME=...` and
//! `export NAME`, quoting (double, single, backslash), line continuation, comments, and
//! `$x`, `${x}`, `${x-w}`, `${x:-w}`, `${x=w}`, `${x:=w}`, `${x+w}`, `${x:+w}`. Anything
//! else sh would run is an error at the position where it opens (exit 65), or, with
//! `RcOptions::skip_unsupported`, a warning: the statement is skipped and every variable
//! it could have set is "tainted", so a later value that reads one is still an error.
//!
//! The process environment is never imported: rc(8) reads rc.conf with a clean
//! environment. Variables the shell or rc sets itself (`PATH`, `HOME`, `IFS`, `PWD`...)
//! cannot be read before the files assign them. See docs/rcconf.md.

mod eval;
mod fast;
mod host;
mod lex;
#[cfg(test)]
mod tests;
mod token;
mod varmap;

use std::sync::Arc;

use compact_str::CompactString;
pub use varmap::VarMap;

use crate::diag::{Diag, Loc, Source};
use crate::parse::loader::Loader;

use eval::Eval;
pub use host::{dir_files, load_host};

/// One evaluated variable: its final value and the assignment that set it.
#[derive(Debug, Clone)]
pub struct RcVar {
    pub value: CompactString,
    pub loc: Loc,
}

/// Variables in order of first assignment, holding the values sh would hold after
/// reading the files in order.
#[derive(Debug, Clone, Default)]
pub struct RcVars {
    pub vars: VarMap,
    /// Read from named files (`-f`), not the host's rc.conf sequence (`load_host`):
    /// ezjail's per-jail files were not sourced, so its jails are not the host's
    /// (legacy::ezjail::list).
    pub named_files: bool,
}

impl RcVars {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(|v| v.value.as_str())
    }
}

#[derive(Debug, Clone, Default)]
pub struct RcOptions {
    /// Warn about and skip lines sh would run but jailvol cannot evaluate statically.
    pub skip_unsupported: bool,
}

/// Evaluate sources in order, as `. file` for each in one sh. Returns the variables and
/// warnings.
pub fn evaluate(sources: &[Arc<Source>], opts: &RcOptions) -> Result<(RcVars, Vec<Diag>), Diag> {
    let mut ev = Eval::new(opts);
    for s in sources {
        ev.run(s)?;
    }
    Ok(named(ev.finish()))
}

/// Read the named files (host paths, `-` for stdin) through `loader` and evaluate them.
pub fn load_files(loader: &Loader, files: &[String], opts: &RcOptions) -> Result<(RcVars, Vec<Diag>), Diag> {
    let sources = files
        .iter()
        .map(|f| loader.read(f, None))
        .collect::<Result<Vec<_>, _>>()?;
    let mut ev = Eval::new(opts).with_loader(loader);
    for s in &sources {
        ev.run(s)?;
    }
    Ok(named(ev.finish()))
}

fn named((mut vars, warnings): (RcVars, Vec<Diag>)) -> (RcVars, Vec<Diag>) {
    vars.named_files = true;
    (vars, warnings)
}
