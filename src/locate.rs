//! Where a jail's parameter or variable was set: for messages that point at the
//! statement responsible. jail(8) merges a jail's own block with every matching wildcard
//! block (config.c load_config); the last statement of those wins, so search the jail's
//! own block from the end, then the matching wildcard blocks from the last one.

use crate::diag::Loc;
use crate::model::{Jail, equalopts, wild_jail_match, wild_jail_name};
use crate::parse::jailconf::{CfJail, Parsed};

/// The statement that set `name` (a `$variable` when `is_var`), else the jail's block.
pub fn statement(parsed: &Parsed, jail: &Jail, name: &str, is_var: bool) -> Option<Loc> {
    let hit = |rec: &CfJail| {
        rec.params
            .iter()
            .rev()
            .find(|p| {
                p.is_var == is_var
                    && if is_var {
                        p.name == name
                    } else {
                        equalopts(&p.name, name)
                    }
            })
            .map(|p| p.loc())
    };
    parsed
        .jails
        .get(jail.record)
        .and_then(hit)
        .or_else(|| {
            parsed
                .jails
                .iter()
                .rev()
                .filter(|r| wild_jail_name(&r.name) && wild_jail_match(&jail.name, &r.name))
                .find_map(hit)
        })
        .or_else(|| jail.loc.clone())
}
