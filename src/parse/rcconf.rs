//! rc.conf(5) reader: the sh subset real rc.conf files use, evaluated exactly as /bin/sh
//! would (grammar/rcconf.pest). Work in progress: see issue 3.

use indexmap::IndexMap;

use crate::diag::Loc;

/// One evaluated variable: its final value and the assignment that set it.
#[derive(Debug, Clone)]
pub struct RcVar {
    pub value: String,
    pub loc: Loc,
}

/// Variables in order of first assignment, holding the values sh would hold after
/// reading the files in order.
#[derive(Debug, Clone, Default)]
pub struct RcVars {
    pub vars: IndexMap<String, RcVar>,
}

impl RcVars {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(|v| v.value.as_str())
    }
}

use std::sync::Arc;

use crate::diag::{Diag, Source, exit};
use crate::parse::loader::Loader;

#[derive(Debug, Clone, Default)]
pub struct RcOptions {
    /// Warn about and skip lines sh would run but jailvol cannot evaluate statically.
    pub skip_unsupported: bool,
}

/// Evaluate sources in order, as `. file` for each in one sh. Returns the variables and
/// warnings.
pub fn evaluate(sources: &[Arc<Source>], opts: &RcOptions) -> Result<(RcVars, Vec<Diag>), Diag> {
    let _ = (sources, opts);
    Err(Diag::error(None, "rc.conf evaluation is not implemented yet").with_exit(exit::SOFTWARE))
}

/// Read the named files (host paths, `-` for stdin) through `loader` and evaluate them.
pub fn load_files(loader: &Loader, files: &[String], opts: &RcOptions) -> Result<(RcVars, Vec<Diag>), Diag> {
    let sources = files
        .iter()
        .map(|f| loader.read(f, None))
        .collect::<Result<Vec<_>, _>>()?;
    evaluate(&sources, opts)
}

/// The host's files as FreeBSD reads them for rc.d/jail, below the loader's root.
pub fn load_host(loader: &Loader, opts: &RcOptions) -> Result<(RcVars, Vec<Diag>), Diag> {
    load_files(loader, &["/etc/rc.conf".to_owned()], opts)
}
