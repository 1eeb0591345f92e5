//! JV040: a geli container's keyfile (`$volume_keyfile`) that is missing, or that users
//! other than its owner can read or write. The keyfile is the whole key
//! (sbin/geom/class/eli/geom_eli.c `eli_genkey_files`: with `-P` no passphrase is mixed
//! in), so anyone who can read it can decrypt the container; without it the jail's
//! exec.prepare (`geli attach -k`) fails and the jail does not start. Checked with the
//! containers (not with `--no-containers`): like the container, the keyfile lives on the
//! host, not in a CI checkout. jailvol never makes or changes a keyfile: the message says
//! what to run.

use std::os::unix::fs::PermissionsExt;

use super::Report;
use crate::lint::Lint;
use crate::model::Config;
use crate::parse::jailconf::Parsed;
use crate::parse::loader::Loader;
use crate::settings::VAR_KEYFILE;
use crate::shell;
use crate::volume::Collected;

/// The permission bits that let a group or others read or write the key.
const OPEN_BITS: u32 = 0o066;

pub fn lint(loader: &Loader, parsed: &Parsed, vols: &Collected, cfg: &Config, r: &mut Report) {
    for (v, &ji) in vols.vols.iter().zip(&vols.jails) {
        let Some(key) = &v.geli_keyfile else {
            continue;
        };
        let loc = cfg
            .jails
            .get(ji)
            .and_then(|j| crate::locate::statement(parsed, j, VAR_KEYFILE, true));
        let msg = match std::fs::metadata(loader.real_path(key)) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => format!(
                "{}: geli keyfile {key} does not exist: the jail cannot start (geli attach -k); \
                 jailvol never makes keys: restore it from your copy, or for a new container make one \
                 with `dd if=/dev/random of={} bs=64 count=1`",
                v.jail,
                shell::quote(key)
            ),
            Err(e) => format!("{}: geli keyfile {key}: {e}", v.jail),
            Ok(m) if !m.is_file() => format!("{}: geli keyfile {key} is not a regular file", v.jail),
            Ok(m) if m.permissions().mode() & OPEN_BITS != 0 => format!(
                "{}: geli keyfile {key} has mode {:04o}: users other than its owner can read or replace \
                 the key of the container; run `chmod 600 {}`",
                v.jail,
                m.permissions().mode() & 0o7777,
                shell::quote(key)
            ),
            Ok(_) => continue,
        };
        r.push(Lint::GeliKeyfile.diag(loc, msg).with_jail(v.jail.as_str()));
    }
}
