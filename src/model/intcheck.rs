//! check_intparams() (usr.sbin/jail/config.c): the boolean and integer values of
//! jail(8)'s own parameters, checked on the jail being built with jail8.rs's flags.

use super::jail8::{PF_BOOL, PF_INT, strtol};
use super::merge::{Building, to_loc};

impl Building<'_, '_> {
    /// check_intparams(): boolean and integer values of jail(8)'s own parameters.
    pub(super) fn check_values(&mut self) {
        let mut errs = Vec::new();
        for p in &self.params {
            let Some(val) = p.values.last().map(|s| &*s.text) else {
                continue;
            };
            if p.flags & PF_BOOL != 0 {
                let (_, used) = strtol(val);
                let rest_nonempty = val.len() > used;
                if !val.eq_ignore_ascii_case("false") && !val.eq_ignore_ascii_case("true") && rest_nonempty {
                    errs.push((
                        to_loc(p.loc),
                        format!("{}: unknown boolean value \"{val}\"", p.name),
                    ));
                }
            } else if p.flags & PF_INT != 0 {
                let (_, used) = strtol(val);
                if used == 0 || used != val.len() {
                    errs.push((to_loc(p.loc), format!("{}: non-integer value \"{val}\"", p.name)));
                }
            }
        }
        for (loc, msg) in errs {
            self.fail(loc, msg);
        }
    }
}
