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
