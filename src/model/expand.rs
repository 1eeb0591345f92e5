//! load_config()'s `$variable` substitution, after every statement of a jail is added:
//! the one part of the merge that reorders entries, and its longest loop.

use super::merge::{Building, P, Str, Val};
use crate::diag::Loc;

impl<'a> Building<'a, '_> {
    /// The variable-substitution loop of load_config(), moves included: a parameter whose
    /// value needs another one still unexpanded is moved in front of it, so the final
    /// order is jail(8)'s.
    pub(super) fn resolve(&mut self) {
        let mut pgen: u32 = 0;
        let mut i = 0;
        let mut nth = 0;
        while i < self.params.len() {
            pgen += 1;
            self.params[i].generation = pgen;
            'find_vars: loop {
                let mut si = 0;
                while si < self.params[i].values.len() {
                    while let Some(v) = self.params[i].values[si].vars.first() {
                        let name = v.name.as_str();
                        let same = |q: &P<'_>| q.name.len() == name.len() && q.name.as_str() == name;
                        let hint = self
                            .hints
                            .get(nth)
                            .copied()
                            .filter(|&q| self.params.get(q).is_some_and(same));
                        let found = hint.or_else(|| self.params.iter().position(same));
                        if let Some(q) = found {
                            match self.hints.get_mut(nth) {
                                Some(h) => *h = q,
                                None => self.hints.push(q),
                            }
                        }
                        nth += 1;
                        let q = match found {
                            Some(q) if !self.params[q].values.is_empty() => q,
                            _ => {
                                let pname = self.params[i].name;
                                let loc = self.var_loc(i, si, v.at());
                                self.fail(loc, format!("{pname}: variable \"{}\" not found", v.name));
                                self.mark_bad(pgen);
                                self.pop_var(i, si);
                                continue;
                            }
                        };
                        if self.params[q].bad {
                            self.mark_bad(pgen);
                            self.pop_var(i, si);
                            continue;
                        }
                        if self.params[q].generation == pgen {
                            let loc = self.var_loc(i, si, v.at());
                            self.fail(loc, format!("{}: variable loop", v.name));
                            self.mark_bad(pgen);
                            self.pop_var(i, si);
                            continue;
                        }
                        if self.params[q].values.iter().any(|s| !s.vars.is_empty()) {
                            self.params[q].generation = pgen;
                            let moved = self.params.remove(q);
                            let at = if q < i { i - 1 } else { i };
                            self.params.insert(at, moved);
                            i = at;
                            continue 'find_vars;
                        }
                        let nvals = self.params[q].values.len();
                        let s = &self.params[i].values[si];
                        if nvals > 1 && (!s.text.is_empty() || s.vars.len() > 1) {
                            let pname = self.params[i].name;
                            let loc = self.var_loc(i, si, v.at());
                            self.fail(loc, format!("{pname}: array cannot be substituted inline"));
                            self.mark_bad(pgen);
                            self.pop_var(i, si);
                            continue;
                        }
                        if nvals > 1 && self.spliced.is_none() {
                            self.spliced = self.var_loc(i, si, v.at());
                        }
                        let extras: Vec<Val<'a>> = self.params[q].values[1..]
                            .iter()
                            .map(|s| s.text.clone())
                            .collect();
                        // q != i: a parameter that refers to itself is a loop (above).
                        let (qp, ip) = if q < i {
                            let (a, b) = self.params.split_at_mut(i);
                            (&a[q], &mut b[0])
                        } else {
                            let (a, b) = self.params.split_at_mut(q);
                            (&b[0], &mut a[i])
                        };
                        let first = &qp.values[0].text;
                        let s = &mut ip.values[si];
                        let pos = v.pos() + s.shift;
                        s.vars = &s.vars[1..];
                        s.shift += first.len();
                        if s.text.is_empty() {
                            s.text = self.pools.copy(first);
                        } else if !first.is_empty() {
                            self.pools.own(&mut s.text).insert_str(pos, first);
                        }
                        // An array spliced in as the whole string (FreeBSD main; released
                        // jail(8) crashes here): the other values follow as strings of
                        // their own.
                        for (k, extra) in extras.into_iter().enumerate() {
                            self.params[i].values.insert(
                                si + 1 + k,
                                Str {
                                    text: extra,
                                    vars: &[],
                                    shift: 0,
                                    source: None,
                                },
                            );
                        }
                        si += nvals - 1;
                    }
                    si += 1;
                }
                break;
            }
            i += 1;
        }
    }

    fn pop_var(&mut self, i: usize, si: usize) {
        let s = &mut self.params[i].values[si];
        s.vars = &s.vars[1..];
    }

    fn var_loc(&self, i: usize, si: usize, at: usize) -> Option<Loc> {
        self.params[i].values[si].source.map(|src| Loc::new(src, at))
    }

    fn mark_bad(&mut self, pgen: u32) {
        for p in &mut self.params {
            if p.generation == pgen {
                p.bad = true;
            }
        }
    }
}
