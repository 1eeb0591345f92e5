//! jail(8)'s own parameters: config.c's `intparams` table and flags, and the C `strtol`
//! that check_intparams() (intcheck.rs) reads numbers with. FreeBSD's table, kept
//! apart from the merge that consults it (legacy reads the same flags).

use crate::parse::jailconf::Text;

pub(crate) const PF_BOOL: u8 = 1;
pub(crate) const PF_INT: u8 = 2;
pub(super) const PF_IMMUTABLE: u8 = 4;
const PF_INTERNAL: u8 = 8;

/// jail(8)'s own parameters (config.c `intparams`, entries without PF_CONV), in enum
/// order: the first one a new parameter matches with `equalopts` gives it its flags.
pub const INTPARAMS: &[(&str, u8)] = &[
    ("allow.dying", PF_INTERNAL | PF_BOOL),
    ("command", PF_INTERNAL),
    ("depend", PF_INTERNAL),
    ("exec.clean", PF_INTERNAL | PF_BOOL),
    ("exec.consolelog", PF_INTERNAL),
    ("exec.fib", PF_INTERNAL | PF_INT),
    ("exec.jail_user", PF_INTERNAL),
    ("exec.poststart", PF_INTERNAL),
    ("exec.poststop", PF_INTERNAL),
    ("exec.prepare", PF_INTERNAL),
    ("exec.prestart", PF_INTERNAL),
    ("exec.prestop", PF_INTERNAL),
    ("exec.release", PF_INTERNAL),
    ("exec.created", PF_INTERNAL),
    ("exec.start", PF_INTERNAL),
    ("exec.stop", PF_INTERNAL),
    ("exec.system_jail_user", PF_INTERNAL | PF_BOOL),
    ("exec.system_user", PF_INTERNAL),
    ("exec.timeout", PF_INTERNAL | PF_INT),
    ("interface", PF_INTERNAL),
    ("ip_hostname", PF_INTERNAL | PF_BOOL),
    ("mount", PF_INTERNAL),
    ("mount.devfs", PF_INTERNAL | PF_BOOL),
    ("mount.fdescfs", PF_INTERNAL | PF_BOOL),
    ("mount.procfs", PF_INTERNAL | PF_BOOL),
    ("mount.fstab", PF_INTERNAL),
    ("stop.timeout", PF_INTERNAL | PF_INT),
    ("vnet.interface", PF_INTERNAL),
    ("zfs.dataset", PF_INTERNAL),
    ("allow.chflags", 0),
    ("allow.mount", 0),
    ("allow.raw_sockets", 0),
    ("allow.set_hostname", 0),
    ("allow.socket_af", 0),
    ("allow.sysvipc", 0),
    ("devfs_ruleset", 0),
    ("host.hostname", 0),
    ("ip4.addr", 0),
    ("ip6.addr", 0),
    ("jid", PF_IMMUTABLE),
    ("name", PF_IMMUTABLE),
    ("path", 0),
    ("persist", 0),
    ("securelevel", 0),
    ("vnet", 0),
];

/// The parameters jail(8) implies from the block name.
pub(super) static NAME: Text = Text::from_static("name");
pub(super) static JID: Text = Text::from_static("jid");

/// The index in INTPARAMS of `name`, at compile time (`len()` when absent).
const fn intparam_at(name: &str) -> usize {
    let mut i = 0;
    while i < INTPARAMS.len() {
        let n = INTPARAMS[i].0.as_bytes();
        let b = name.as_bytes();
        if n.len() == b.len() {
            let mut k = 0;
            while k < n.len() && n[k] == b[k] {
                k += 1;
            }
            if k == n.len() {
                return i;
            }
        }
        i += 1;
    }
    INTPARAMS.len()
}

/// Where `name` and `jid` are in INTPARAMS: the merge adds them to every jail.
pub(super) const NAME_IP: usize = intparam_at("name");
pub(super) const JID_IP: usize = intparam_at("jid");

/// C strtol(s, &ep, 10): the value (saturated) and how many bytes were consumed (0 when
/// there are no digits).
pub fn strtol(s: &str) -> (i64, usize) {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
        i += 1;
    }
    let neg = match b.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return (0, 0);
    }
    let mut v: i64 = 0;
    for &c in &b[i..i + digits] {
        v = v.saturating_mul(10).saturating_add(i64::from(c - b'0'));
    }
    (if neg { -v } else { v }, i + digits)
}
