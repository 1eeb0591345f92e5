//! What jail(8) sees: the jails of a configuration after wildcard merge, `+=`, renaming
//! (`foo`/`nofoo`) and variable expansion — a port of `load_config()` and `add_param()`
//! in FreeBSD's usr.sbin/jail/config.c (FreeBSD 15/main), plus the boolean and integer
//! checks of `check_intparams()`. Every stage of jailvol works on this type.

mod expand;
mod intcheck;
mod jail8;
mod load;
mod merge;
mod names;
mod view;

#[cfg(test)]
mod tests;

pub use crate::hash::{Fnv, FnvMap, FnvSet};
pub use jail8::{INTPARAMS, strtol};
pub(crate) use jail8::{PF_BOOL, PF_INT};
pub use load::{load, load_each, load_each_view, load_each_view_chunked, load_filtered};
pub use names::{equalopts, numeric_name, wild_jail_match, wild_jail_name};
pub use view::{EntryView, JailView, Wanted};

use crate::diag::{Diag, Loc};
use crate::parse::jailconf::Text;
use smallvec::SmallVec;

/// A configuration as jail(8) would apply it.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Non-wildcard jails in file order. Jails that jail(8) would fail are left out and
    /// reported in `errors`.
    pub jails: Vec<Jail>,
    /// Per-jail errors (the messages jail(8) gives).
    pub errors: Vec<Diag>,
    /// Warnings from parsing and merging.
    pub warnings: Vec<Diag>,
}

#[derive(Debug, Clone)]
pub struct Jail {
    pub name: String,
    /// Parameters and variables in jail(8)'s final order.
    pub entries: Vec<Entry>,
    /// The block header, None only for jails that did not come from a jail.conf block.
    pub loc: Option<Loc>,
    /// Index of the raw record in `Parsed::jails`.
    pub record: usize,
    /// For a jail of `load_filtered` with `Wanted` names, where each is.
    pub wanted: Option<WantedAt>,
}

/// The entries of the `Wanted` names in a jail.
#[derive(Debug, Clone, Copy)]
pub struct WantedAt {
    pub names: &'static Wanted,
    /// For each name (by `Wanted::index`), 1 + the index of its entry, 0 when unset.
    pub at: [u8; MAX_WANTED],
}

/// How many names a `Wanted` may list.
pub const MAX_WANTED: usize = 16;

/// Names and values are `Text`: spans of the configuration file where written as they
/// are, so a merged jail costs a few allocations, not one per name and value (check
/// walks every jail's entries several times, and freed them for as long as it linted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: Text,
    pub is_var: bool,
    pub values: Values,
}

/// An entry's values: most entries have one, kept inline.
pub type Values = SmallVec<[Text; 1]>;

impl Jail {
    pub fn params(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| !e.is_var)
    }
    pub fn variables(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.is_var)
    }
    /// A parameter by name, `foo` and `nofoo` being the same parameter.
    pub fn param(&self, name: &str) -> Option<&Entry> {
        self.params().find(|e| equalopts(&e.name, name))
    }
    pub fn variable(&self, name: &str) -> Option<&Entry> {
        self.variables().find(|e| e.name == name)
    }
    /// The value jail(8) uses for a scalar: the last one.
    pub fn scalar(&self, name: &str) -> Option<&str> {
        self.param(name).and_then(|e| e.values.last()).map(Text::as_str)
    }
    pub fn var_scalar(&self, name: &str) -> Option<&str> {
        self.variable(name)
            .and_then(|e| e.values.last())
            .map(Text::as_str)
    }
    /// bool_param(): no value, "true", or a non-zero number is true; a "no" prefix on the
    /// last name component inverts.
    pub fn bool_param(&self, name: &str) -> bool {
        let Some(p) = self.param(name) else { return false };
        let last = p.name.rsplit('.').next().unwrap_or(&p.name);
        let val = match p.values.last() {
            None => true,
            Some(v) => v.eq_ignore_ascii_case("true") || strtol(v).0 != 0,
        };
        last.starts_with("no") ^ val
    }
}
