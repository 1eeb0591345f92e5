//! `jailvol __complete-jails` (hidden): the jail names the shell completion scripts
//! offer (src/completions/), read from the configuration the command line names (`-f`,
//! `--root`, `--jail-conf`, `--rc-conf`) like every other command reads it.

use crate::input::{self, InputKind};
use crate::{model, volume};

/// The managed jails (those with a container: what create, migrate, grow and status
/// take), or with `all` every jail of the configuration (convert's names), in the
/// configuration's order. Nothing when the configuration cannot be read or has errors:
/// a completion prints no diagnostics, and the command itself will say what is wrong.
pub fn jail_names(input: &input::Options, all: bool) -> Vec<String> {
    let Ok(inputs) = input::select(input) else {
        return Vec::new();
    };
    let loader = inputs.loader();
    let (cfg, parsed) = if inputs.kind == InputKind::RcConf {
        let Ok((vars, _)) = super::read_rc_conf(input, &loader, &Default::default()) else {
            return Vec::new();
        };
        let conv = crate::legacy::convert(&vars, &loader, &crate::legacy::Options::default());
        (conv.config(), None)
    } else {
        let Ok(parsed) = input::parse_jail_confs(&loader, &inputs.files) else {
            return Vec::new();
        };
        (model::load(&parsed), Some(parsed))
    };
    if all {
        return cfg.jails.into_iter().map(|j| j.name).collect();
    }
    match volume::collect(&cfg, parsed.as_ref()) {
        Ok(vols) => vols.into_iter().map(|v| v.jail.into_string()).collect(),
        Err(_) => Vec::new(),
    }
}
