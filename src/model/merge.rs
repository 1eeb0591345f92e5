//! add_param(): the jail being built, its entries and their values, as statements are
//! added to it. The data every later stage of the merge (expansion, checks, views) reads;
//! buffers are pooled here because a large file builds thousands of jails.

use std::sync::Arc;

use super::jail8::{INTPARAMS, JID_IP, NAME_IP, PF_IMMUTABLE};
use super::names::{Names, equalopts};
use crate::diag::{Diag, Loc, Source};
use crate::parse::jailconf::{CfParam, Op, Text, VarRef};

/// A value being built. The text borrows from the parse (or the block name) until a
/// variable is substituted into it; `vars` are the references still to expand, their
/// positions in the literal text shifted by `shift` (the bytes inserted so far).
#[derive(Debug, Clone)]
pub(super) struct Str<'a> {
    pub(super) text: Val<'a>,
    pub(super) vars: &'a [VarRef],
    pub(super) shift: usize,
    /// The file the string was written in (None for implied values).
    pub(super) source: Option<&'a Arc<Source>>,
}

/// A value's text: as parsed until something is substituted into it.
#[derive(Debug, Clone)]
pub(super) enum Val<'a> {
    /// The parsed text, and its `str` (looked up once: a span's lookup checks its ends,
    /// and the merge and the JSON writer read each value several times).
    Parsed(&'a Text, &'a str),
    Own(String),
}

impl std::ops::Deref for Val<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            Val::Parsed(_, s) => s,
            Val::Own(s) => s,
        }
    }
}

impl Val<'_> {
    /// The `Text` of an `Entry`: the parsed span again, or a copy of substituted text.
    pub(super) fn to_text(&self) -> Text {
        match self {
            Val::Parsed(t, _) => (*t).clone(),
            Val::Own(s) => Text::from(s.as_str()),
        }
    }
}

/// Where something was written, made into a `Loc` only for a message.
pub(super) type At<'a> = Option<(&'a Arc<Source>, usize)>;

pub(super) fn to_loc(at: At<'_>) -> Option<Loc> {
    at.map(|(src, off)| Loc::new(src, off))
}

#[derive(Debug, Clone)]
pub(super) struct P<'a> {
    pub(super) name: &'a Text,
    /// `name_key` of the name: equal for any two names `equalopts` calls equal.
    pub(super) key: u32,
    pub(super) is_var: bool,
    pub(super) flags: u8,
    ip: Option<usize>,
    pub(super) values: Vec<Str<'a>>,
    pub(super) generation: u32,
    pub(super) bad: bool,
    /// Where the statement that last set it is (None for implied name/jid).
    pub(super) loc: At<'a>,
}

/// Buffers of finished jails, reused by the next: after the first few jails a merge
/// allocates only for values that outgrow them.
#[derive(Default)]
pub(super) struct Pools<'a> {
    values: Vec<Vec<Str<'a>>>,
    strings: Vec<String>,
}

impl<'a> Pools<'a> {
    fn values(&mut self) -> Vec<Str<'a>> {
        self.values.pop().unwrap_or_default()
    }

    /// `text` as a `String` of its own to edit, from the pool.
    pub(super) fn own<'t>(&mut self, text: &'t mut Val<'a>) -> &'t mut String {
        if let Val::Parsed(_, b) = *text {
            let mut s = self.strings.pop().unwrap_or_default();
            s.push_str(b);
            *text = Val::Own(s);
        }
        match text {
            Val::Own(s) => s,
            // Made `Own` just above.
            Val::Parsed(..) => unreachable!(),
        }
    }

    pub(super) fn copy(&mut self, text: &Val<'a>) -> Val<'a> {
        match text {
            Val::Parsed(t, b) => Val::Parsed(t, b),
            Val::Own(o) => {
                let mut s = self.strings.pop().unwrap_or_default();
                s.push_str(o);
                Val::Own(s)
            }
        }
    }

    pub(super) fn recycle(&mut self, params: &mut Vec<P<'a>>) {
        for p in params.drain(..) {
            let mut values = p.values;
            for v in values.drain(..) {
                if let Val::Own(mut s) = v.text {
                    s.clear();
                    self.strings.push(s);
                }
            }
            self.values.push(values);
        }
    }
}

pub(super) struct Building<'a, 'n> {
    pub(super) jail: &'a str,
    /// `Parsed::sources`, which `CfParam::file` indexes.
    pub(super) sources: &'a [Arc<Source>],
    pub(super) names: &'n mut Names<'a>,
    pub(super) pools: &'n mut Pools<'a>,
    pub(super) params: Vec<P<'a>>,
    /// For the n-th variable `resolve` looks up, where the previous jail found it: most
    /// jails of a large file have the same shape, and a hint confirmed by the name
    /// saves comparing it with every entry before it (names in `params` are unique).
    pub(super) hints: Vec<usize>,
    pub(super) errors: Vec<Diag>,
    /// The block header, made into a `Loc` only for a message: one for every jail was
    /// a count of its source taken and given back, a locked add each.
    pub(super) block: At<'a>,
    /// Where a list variable was spliced in as a whole value, if anywhere.
    pub(super) spliced: Option<Loc>,
}

impl<'a> Building<'a, '_> {
    pub(super) fn fail(&mut self, loc: Option<Loc>, msg: String) {
        let loc = loc.or_else(|| to_loc(self.block));
        self.errors
            .push(Diag::error(loc, format!("{}: {msg}", self.jail)));
    }

    /// add_param() for a jail-implied parameter (`name` or `jid` from the block name).
    pub(super) fn add_implied(&mut self, ipname: &'static Text, value: &'a Text) {
        let ip = Some(if *ipname == "jid" { JID_IP } else { NAME_IP }).filter(|&i| i < INTPARAMS.len());
        debug_assert_eq!(ip, INTPARAMS.iter().position(|(n, _)| *n == ipname.as_str()));
        if self.params.iter().any(|p| p.ip == ip) {
            return;
        }
        let slot = usize::from(*ipname == "jid");
        let key = match self.names.implied[slot] {
            Some(k) => k,
            None => {
                let k = self.names.get(ipname).0;
                self.names.implied[slot] = Some(k);
                k
            }
        };
        self.params.push(P {
            name: ipname,
            key,
            is_var: false,
            flags: ip.map_or(0, |i| INTPARAMS[i].1),
            ip,
            values: {
                let mut v = self.pools.values();
                v.push(Str {
                    text: Val::Parsed(value, value.as_str()),
                    vars: &[],
                    shift: 0,
                    source: None,
                });
                v
            },
            generation: 0,
            bad: false,
            loc: None,
        });
    }

    /// add_param() for a statement from the file, the `at`-th of its block; `refs` are
    /// the variable references of its list (`Parsed::var_list`).
    pub(super) fn add(&mut self, at: usize, p: &'a CfParam, refs: &'a [VarRef]) {
        let info = self.names.get_at(at, &p.name);
        self.add_with(p, refs, info);
    }

    /// `add` with `Names::get(&p.name)` already known.
    pub(super) fn add_with(&mut self, p: &'a CfParam, refs: &'a [VarRef], (key, ip): (u32, Option<usize>)) {
        let source = self.sources.get(p.file as usize);
        let at: At<'a> = source.map(|s| (s, p.start()));
        let values = p.values.iter().map(|s| Str {
            text: Val::Parsed(&s.text, s.text.as_str()),
            vars: s.vars.of(refs),
            shift: 0,
            source,
        });
        let append = p.op == Op::Append;
        if let Some(dp) = self
            .params
            .iter()
            .position(|d| d.key == key && equalopts(d.name, &p.name))
        {
            if self.params[dp].is_var != p.is_var {
                self.fail(
                    to_loc(at),
                    format!(
                        "variable \"${}\" cannot have the same name as a parameter.",
                        p.name
                    ),
                );
                return;
            }
            if self.params[dp].flags & PF_IMMUTABLE != 0 {
                let n = self.params[dp].name;
                self.fail(to_loc(at), format!("cannot redefine parameter \"{n}\"."));
                return;
            }
            let d = &mut self.params[dp];
            d.name = &p.name;
            if !append || p.values.is_empty() {
                d.values.clear();
            }
            d.values.extend(values);
            d.loc = at;
            return;
        }
        self.params.push(P {
            name: &p.name,
            key,
            is_var: p.is_var,
            flags: if p.is_var {
                0
            } else {
                ip.map_or(0, |i| INTPARAMS[i].1)
            },
            ip: if p.is_var { None } else { ip },
            values: {
                let mut v = self.pools.values();
                v.extend(values);
                v
            },
            generation: 0,
            bad: false,
            loc: at,
        });
        if p.is_var && ip.is_some() {
            self.fail(
                to_loc(at),
                format!(
                    "variable \"${}\" cannot have the same name as a parameter.",
                    p.name
                ),
            );
        }
    }
}
