//! The read side of a merged jail: `JailView` lends the merge's entries without copying
//! them, `to_jail` copies them out, and `Wanted` limits both to the names a caller reads.
//! Output paths over thousands of jails read through here, not through the merge's types.

use super::merge::{At, P, Str, to_loc};
use super::names::{Names, equalopts};
use super::{Entry, Jail, MAX_WANTED, WantedAt};
use crate::diag::Loc;
use smallvec::SmallVec;

/// A loaded jail as `load_each_view` lends it: the same content as `Jail`, borrowed
/// from the parse and the merge instead of copied into `String`s.
pub struct JailView<'v, 'a> {
    pub name: &'v str,
    /// The block header (`loc`).
    pub(super) at: At<'v>,
    /// Index of the raw record in `Parsed::jails`.
    pub record: usize,
    /// The header's line, as the parser counted it.
    pub(super) line: Option<usize>,
    pub(super) params: &'v [P<'a>],
    /// The entries `to_jail` keeps, when not all.
    pub(super) only: Option<&'v Only>,
}

/// Which merged entries `load_filtered` keeps in each jail: the parameters (as
/// `Jail::param` finds them, `nofoo` for `foo`) and the variables a caller reads.
#[derive(Debug)]
pub struct Wanted {
    pub params: &'static [&'static str],
    pub vars: &'static [&'static str],
}

impl Wanted {
    /// Where a name is in `WantedAt::at`: the parameters, then the variables.
    pub fn index(&self, name: &str, is_var: bool) -> Option<usize> {
        if is_var {
            Some(self.params.len() + self.vars.iter().position(|&v| v == name)?)
        } else {
            self.params.iter().position(|&p| p == name)
        }
    }
}

/// `Wanted` for one `load`: only an entry with the `Names` key of a wanted name can be
/// it (most are ruled out by their key alone), then the name decides.
pub(super) struct Only {
    wanted: &'static Wanted,
    /// By key: some wanted name has it.
    by_key: Vec<bool>,
    /// (key, is_var, name)
    names: Vec<(u32, bool, &'static str)>,
}

impl Only {
    /// `w` with the keys of its names in `names`, the `Names` of the `load` it filters.
    pub(super) fn new(w: &'static Wanted, names: &mut Names<'_>) -> Only {
        assert!(
            w.params.len() + w.vars.len() <= MAX_WANTED,
            "model::Wanted lists too many names"
        );
        // In the order of `Wanted::index`.
        let params = w.params.iter().map(|&n| (n, false));
        let vars = w.vars.iter().map(|&n| (n, true));
        let names: Vec<(u32, bool, &'static str)> = params
            .chain(vars)
            .map(|(name, is_var)| (names.get(name).0, is_var, name))
            .collect();
        let mut by_key = Vec::new();
        for &(key, ..) in &names {
            let key = key as usize;
            if by_key.len() <= key {
                by_key.resize(key + 1, false);
            }
            by_key[key] = true;
        }
        Only {
            wanted: w,
            by_key,
            names,
        }
    }

    fn keeps(&self, p: &P<'_>) -> bool {
        self.which(p).is_some()
    }

    /// Which wanted name an entry is, by index in `names`.
    fn which(&self, p: &P<'_>) -> Option<usize> {
        if !self.by_key.get(p.key as usize).copied().unwrap_or(false) {
            return None;
        }
        self.names.iter().position(|&(key, is_var, name)| {
            key == p.key
                && is_var == p.is_var
                && if is_var {
                    *p.name == name
                } else {
                    equalopts(p.name, name)
                }
        })
    }
}

/// An entry of a `JailView`, like `Entry`.
#[derive(Clone, Copy)]
pub struct EntryView<'v> {
    pub name: &'v str,
    pub is_var: bool,
    values: &'v [Str<'v>],
}

impl<'v> EntryView<'v> {
    pub fn values(self) -> impl ExactSizeIterator<Item = &'v str> + use<'v> {
        self.values.iter().map(|s| &*s.text)
    }
}

impl<'v, 'a> JailView<'v, 'a> {
    /// The line of `loc` (`Loc::line`), without the source's line index.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// Where the block starts, None for a jail from no block.
    pub fn loc(&self) -> Option<Loc> {
        to_loc(self.at)
    }

    /// The block's file and line, without making a `Loc`.
    pub fn file_line(&self) -> Option<(&'v str, usize)> {
        self.at
            .map(|(src, offset)| (src.name.as_str(), self.line.unwrap_or_else(|| src.line(offset))))
    }

    /// Parameters and variables in jail(8)'s final order, as `Jail::entries`.
    pub fn entries(&self) -> impl Iterator<Item = EntryView<'v>> + use<'v, 'a> {
        let only = self.only;
        self.params
            .iter()
            .filter(move |p| only.is_none_or(|only| only.keeps(p)))
            .map(|p| EntryView {
                name: p.name,
                is_var: p.is_var,
                values: &p.values,
            })
    }

    /// The `Jail` `load` gives for this jail (only the entries `Wanted` names, for a
    /// view lent by `load_filtered` with one).
    pub fn to_jail(&self) -> Jail {
        let entry = |p: &P<'_>| Entry {
            name: p.name.clone(),
            is_var: p.is_var,
            values: p.values.iter().map(|v| v.text.to_text()).collect(),
        };
        let (entries, wanted) = match self.only {
            None => (self.params.iter().map(entry).collect(), None),
            Some(only) => {
                // Which first, so the list is allocated once at its size.
                let kept: SmallVec<[(&P<'_>, usize); MAX_WANTED]> = self
                    .params
                    .iter()
                    .filter_map(|p| Some((p, only.which(p)?)))
                    .collect();
                let mut at = [0u8; MAX_WANTED];
                for (i, &(_, w)) in kept.iter().enumerate() {
                    // jail(8) merges the names equalopts calls equal into one entry:
                    // each wanted name has at most one (else the first, as
                    // `Jail::param` finds it).
                    if at[w] == 0 {
                        at[w] = u8::try_from(i + 1).unwrap_or(0);
                    }
                }
                let mut v = Vec::with_capacity(kept.len());
                v.extend(kept.into_iter().map(|(p, _)| entry(p)));
                (
                    v,
                    Some(WantedAt {
                        names: only.wanted,
                        at,
                    }),
                )
            }
        };
        Jail {
            name: self.name.to_owned(),
            entries,
            loc: self.loc(),
            record: self.record,
            wanted,
        }
    }
}
