//! JV032: a parameter name jail(8) does not know. jail(8) hands every parameter that is
//! not its own (config.c `import_params`: those without PF_INTERNAL) to libjail's
//! `jailparam_init`, which looks the name up as the sysctl `security.jail.param.NAME`
//! and fails the jail with "unknown parameter: NAME" when it is not there
//! (lib/libjail/jail.c `jailparam_type`). jail(8)'s own parameters (config.c
//! `intparams`) are matched with `equalopts` instead, so `noexec.clean` is one of them.
//!
//! The lookup copies `jailparam_type`: the name itself; then (`kldload_param`) the
//! modules libjail loads on its own for `linux.*`, `sysvmsg`/`sysvsem`/`sysvshm` and
//! `allow.mount.FS`; then the name with `no` dropped from its last component, which
//! must be a boolean (`allow.noset_hostname`) or a node described by a boolean child
//! (`allow.nomount`); then (`kvname`) the first component as a key-value parameter
//! (`meta.owner`, `env.LANG`). Nodes without a child of their own (`allow`, `children`,
//! `cpuset`) are unknown. releng/10.4's libjail has no `kldload_param` (`AUTOLOAD`).
//!
//! The statements are read as written, once each (not per jail inheriting a wildcard
//! block's), and only those that reach a jail after config.c's merge: a block of a
//! jail, or a wildcard or top-level statement some jail of the merged model matches.
//!
//! How PARAMS was derived (FreeBSD is the spec; regenerate it this way):
//!   kernel:  `git grep -n 'SYSCTL_JAIL_PARAM\|prison_add_allow\|pr_flag_allow\|VFCF_JAIL'
//!            -- sys` on main (sys/kern/kern_jail.c, sys/kern/kern_jailmeta.c,
//!            sys/kern/sysv_{msg,sem,shm}.c, sys/compat/linux/linux_mib.c,
//!            sys/dev/vmm/vmm_dev.c, sys/security/mac_do/mac_do.c,
//!            sys/contrib/openzfs/module/os/freebsd/zfs/zfs_vfsops.c, and each file
//!            system whose VFS_SET has VFCF_JAIL: prison_add_vfs makes allow.mount.FS);
//!   jail(8): the `intparams` table of usr.sbin/jail/config.c (also model/jail8.rs);
//!   since:   `git log --reverse -S'NAME' --format=%h -- FILE | head -1`, then
//!            `git tag --contains HASH 'release/*' | sort -V | head -1`.
//! This table was read from snapshots, not from that history: the freebsd/freebsd-src
//! repository is over the size this project's tooling can fetch. Read: main as of
//! late 2025 (5BSD/5BSD @053bb411 kern_jail.c, @dd099d50 config.c, @185edfe7 libjail),
//! releng/10.4 (coder03/freebsd10.4 @3d3f8b11) and a 13-era tree
//! (sobomax/freebsd14_vendor @0f7ff342). So `since` is exact only where it says
//! `BASE` (present in 10.4) or where those snapshots bound it; the other releases are
//! the release notes' (docs/freebsd.md lists them as unverified). Where unsure, the
//! earlier release was taken: a false "unknown" fails CI, a missed one only what
//! jail(8) reports anyway.

use super::variables::closest;
use crate::diag::Diag;
use crate::lint::Lint;
use crate::model::{Config, FnvMap, equalopts, wild_jail_match};
use crate::parse::jailconf::{CfJail, CfParam, Parsed};

/// Who provides a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The kernel (GENERIC): `security.jail.param.NAME` is always there.
    Kernel,
    /// jail(8) itself (config.c `intparams`, PF_INTERNAL): never reaches the kernel.
    Jail8,
    /// A module libjail loads itself when the name is missing (`kldload_param`).
    Autoload(&'static str),
    /// A module that has to be loaded before jail(8) runs: libjail does not load it.
    Module(&'static str),
}

/// How libjail takes the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A boolean ("B"), or a node whose own child is one: `noNAME` works too.
    Bool,
    /// Any other value, and jailsys nodes ("E,jailsys": `host`, `vnet`, `linux`).
    Value,
    /// A key-value parameter ("A,keyvalue"): `NAME.KEY` is one of its keys.
    KeyValue,
}

/// A FreeBSD release, (major, minor).
pub type Release = (u32, u32);

/// In every release jailvol knows of (present in releng/10.4).
const BASE: Release = (0, 0);

/// A jail parameter: name, who provides it, how libjail takes it, the first release.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub kind: Kind,
    pub shape: Shape,
    pub since: Release,
}

const fn p(name: &'static str, kind: Kind, shape: Shape, since: Release) -> Param {
    Param {
        name,
        kind,
        shape,
        since,
    }
}

use Kind::{Autoload, Jail8, Kernel, Module};
use Shape::{Bool, KeyValue, Value};

/// Every jail parameter, sorted by name (a test holds it so, and holds every name of
/// model::INTPARAMS in it).
pub const PARAMS: &[Param] = &[
    p("allow.adjtime", Kernel, Bool, (14, 0)),
    p("allow.chflags", Kernel, Bool, BASE),
    p("allow.dying", Jail8, Bool, BASE),
    p("allow.extattr", Kernel, Bool, (14, 0)),
    p("allow.mlock", Kernel, Bool, (12, 0)),
    p("allow.mount", Kernel, Bool, BASE),
    p("allow.mount.devfs", Kernel, Bool, BASE),
    p("allow.mount.fdescfs", Autoload("fdescfs"), Bool, BASE),
    p("allow.mount.fusefs", Autoload("fusefs"), Bool, (12, 1)),
    p("allow.mount.linprocfs", Autoload("linprocfs"), Bool, BASE),
    p("allow.mount.linsysfs", Autoload("linsysfs"), Bool, BASE),
    p("allow.mount.nullfs", Autoload("nullfs"), Bool, BASE),
    p("allow.mount.procfs", Kernel, Bool, BASE),
    p("allow.mount.tmpfs", Kernel, Bool, BASE),
    p("allow.mount.zfs", Autoload("zfs"), Bool, BASE),
    p("allow.nfsd", Kernel, Bool, (13, 3)),
    p("allow.quotas", Kernel, Bool, BASE),
    p("allow.raw_sockets", Kernel, Bool, BASE),
    p("allow.read_msgbuf", Kernel, Bool, (12, 1)),
    p("allow.reserved_ports", Kernel, Bool, (12, 0)),
    p("allow.routing", Kernel, Bool, (14, 3)),
    p("allow.set_hostname", Kernel, Bool, BASE),
    p("allow.setaudit", Kernel, Bool, (15, 0)),
    p("allow.settime", Kernel, Bool, (14, 0)),
    p("allow.socket_af", Kernel, Bool, BASE),
    p("allow.suser", Kernel, Bool, (12, 1)),
    p("allow.sysvipc", Kernel, Bool, BASE),
    p("allow.unprivileged_parent_tampering", Kernel, Bool, (15, 0)),
    p("allow.unprivileged_proc_debug", Kernel, Bool, (12, 1)),
    p("allow.vmm", Module("vmm"), Bool, (12, 0)),
    p("allow.vmm_ppt", Module("vmm"), Bool, (15, 0)),
    p("children.cur", Kernel, Value, BASE),
    p("children.max", Kernel, Value, BASE),
    p("command", Jail8, Value, BASE),
    p("cpuset.id", Kernel, Value, BASE),
    p("depend", Jail8, Value, BASE),
    p("devfs_ruleset", Kernel, Value, BASE),
    p("dying", Kernel, Bool, BASE),
    p("enforce_statfs", Kernel, Value, BASE),
    p("env", Kernel, KeyValue, (14, 3)),
    p("exec.clean", Jail8, Bool, BASE),
    p("exec.consolelog", Jail8, Value, BASE),
    p("exec.created", Jail8, Value, (12, 0)),
    p("exec.fib", Jail8, Value, BASE),
    p("exec.jail_user", Jail8, Value, BASE),
    p("exec.poststart", Jail8, Value, BASE),
    p("exec.poststop", Jail8, Value, BASE),
    p("exec.prepare", Jail8, Value, (12, 2)),
    p("exec.prestart", Jail8, Value, BASE),
    p("exec.prestop", Jail8, Value, BASE),
    p("exec.release", Jail8, Value, (12, 2)),
    p("exec.start", Jail8, Value, BASE),
    p("exec.stop", Jail8, Value, BASE),
    p("exec.system_jail_user", Jail8, Bool, BASE),
    p("exec.system_user", Jail8, Value, BASE),
    p("exec.timeout", Jail8, Value, BASE),
    p("host", Kernel, Value, BASE),
    p("host.domainname", Kernel, Value, BASE),
    p("host.hostid", Kernel, Value, BASE),
    p("host.hostname", Kernel, Value, BASE),
    p("host.hostuuid", Kernel, Value, BASE),
    p("interface", Jail8, Value, BASE),
    p("ip4", Kernel, Value, BASE),
    p("ip4.addr", Kernel, Value, BASE),
    p("ip4.saddrsel", Kernel, Bool, BASE),
    p("ip6", Kernel, Value, BASE),
    p("ip6.addr", Kernel, Value, BASE),
    p("ip6.saddrsel", Kernel, Bool, BASE),
    p("ip_hostname", Jail8, Bool, BASE),
    p("jid", Kernel, Value, BASE),
    p("linux", Autoload("linux"), Value, BASE),
    p("linux.osname", Autoload("linux"), Value, BASE),
    p("linux.osrelease", Autoload("linux"), Value, BASE),
    p("linux.oss_version", Autoload("linux"), Value, BASE),
    p("mac.do", Module("mac_do"), Value, (14, 3)),
    p("mac.do.rules", Module("mac_do"), Value, (14, 3)),
    p("mac.label", Kernel, Value, (15, 1)),
    p("meta", Kernel, KeyValue, (14, 3)),
    p("mount", Jail8, Value, BASE),
    p("mount.devfs", Jail8, Bool, BASE),
    p("mount.fdescfs", Jail8, Bool, BASE),
    p("mount.fstab", Jail8, Value, BASE),
    p("mount.procfs", Jail8, Bool, BASE),
    p("name", Kernel, Value, BASE),
    p("osreldate", Kernel, Value, BASE),
    p("osrelease", Kernel, Value, BASE),
    p("parent", Kernel, Value, BASE),
    p("path", Kernel, Value, BASE),
    p("persist", Kernel, Bool, BASE),
    p("securelevel", Kernel, Value, BASE),
    p("stop.timeout", Jail8, Value, BASE),
    p("sysvmsg", Autoload("sysvmsg"), Value, (11, 0)),
    p("sysvsem", Autoload("sysvsem"), Value, (11, 0)),
    p("sysvshm", Autoload("sysvshm"), Value, (11, 0)),
    p("vnet", Kernel, Value, BASE),
    p("vnet.interface", Jail8, Value, (12, 0)),
    p("zfs", Module("zfs"), Value, (14, 0)),
    p("zfs.dataset", Jail8, Value, (14, 0)),
    p("zfs.mount_snapshot", Module("zfs"), Value, (14, 0)),
];

/// What jail(8) of a release makes of a parameter name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// jail(8), the kernel or a module libjail loads knows it.
    Known,
    /// Only a module jail(8) does not load provides it.
    Module(&'static str),
    /// The release does not have it; a later one does.
    Later(Release),
    /// No release has it.
    Unknown,
}

/// The parameter `name` is, in `PARAMS`.
fn find(name: &str) -> Option<&'static Param> {
    PARAMS
        .binary_search_by(|p| p.name.cmp(name))
        .ok()
        .and_then(|i| PARAMS.get(i))
}

/// `name` without the `no` its last component starts with (libjail `nononame`).
fn nononame(name: &str) -> Option<String> {
    let (head, last) = match name.rfind('.') {
        Some(dot) => (&name[..=dot], &name[dot + 1..]),
        None => ("", name),
    };
    last.strip_prefix("no").map(|rest| format!("{head}{rest}"))
}

/// The parameter libjail's lookup (`jailparam_type`) ends at for `name`, and jail(8)'s
/// own (`equalopts` on `intparams`) before it. Regardless of release.
fn resolve(name: &str) -> Option<&'static Param> {
    // Most names are written as the table has them. No kernel name is `equalopts` to
    // one of jail(8)'s, so the order of these two does not matter.
    if let Some(p) = find(name) {
        return Some(p);
    }
    if let Some(own) = PARAMS
        .iter()
        .find(|p| p.kind == Kind::Jail8 && equalopts(p.name, name))
    {
        return Some(own);
    }
    if let Some(p) = nononame(name)
        .as_deref()
        .and_then(find)
        .filter(|p| p.kind != Kind::Jail8 && p.shape == Shape::Bool)
    {
        return Some(p);
    }
    let (first, _) = name.split_once('.')?;
    find(first).filter(|p| p.shape == Shape::KeyValue)
}

/// The first release whose libjail loads modules for missing names (`kldload_param`):
/// releng/10.4's lib/libjail/jail.c has no such function, later ones do; the exact
/// release is **unverified**, the earliest plausible taken (as for PARAMS).
const AUTOLOAD: Release = (11, 0);

/// What jail(8) of `release` (None: the newest) makes of `name`.
pub fn lookup(name: &str, release: Option<Release>) -> Found {
    let old_libjail = release.is_some_and(|r| r < AUTOLOAD);
    match resolve(name) {
        None => Found::Unknown,
        Some(p) if release.is_some_and(|r| r < p.since) => Found::Later(p.since),
        Some(p) => match p.kind {
            Kind::Module(m) => Found::Module(m),
            // Before that, the allow.mount.FS flags were the kernel's own (the
            // pr_allow_names table of releng/10.4's kern_jail.c), but linux.* needed
            // the module loaded first.
            Kind::Autoload(m) if old_libjail && !p.name.starts_with("allow.mount.") => Found::Module(m),
            _ => Found::Known,
        },
    }
}

/// The parameter of `release` that `name` most likely means: within two edits (one
/// for names of four characters or fewer, which are all close to each other); for a
/// `noFOO` name, the `no` form of the boolean FOO most likely means.
pub fn suggest(name: &str, release: Option<Release>) -> Option<String> {
    let max = if name.len() <= 4 { 1 } else { 2 };
    let has = |p: &&Param| release.is_none_or(|r| p.since <= r);
    let all = PARAMS.iter().filter(has).map(|p| p.name);
    if let Some(s) = closest(name, all, max) {
        return Some(s.to_owned());
    }
    let bare = nononame(name)?;
    let bools = PARAMS
        .iter()
        .filter(has)
        .filter(|p| p.shape == Shape::Bool)
        .map(|p| p.name);
    let s = closest(&bare, bools, max)?;
    Some(match s.rfind('.') {
        Some(dot) => format!("{}no{}", &s[..=dot], &s[dot + 1..]),
        None => format!("no{s}"),
    })
}

/// "13.2" for (13, 2).
fn release_text((major, minor): Release) -> String {
    format!("{major}.{minor}")
}

/// JV032 a statement at a time: `check::lint_config` reads every statement of the
/// parse once for this and JV031 (`variables::statement`), hundreds of thousands for a
/// large file, where a walk each read them twice.
pub struct Unknown<'p> {
    parsed: &'p Parsed,
    cfg: &'p Config,
    release: Option<Release>,
    /// A large configuration writes the same few names in every block: each is looked
    /// up once (a hash instead of a binary search of the table by string compares).
    seen: FnvMap<&'p str, Found>,
    /// The same for the static names (`Text::as_static`, most statements of a large
    /// file), by their address: no hash of the name and no compare of its bytes.
    by_addr: ByAddr,
    /// Whether jail(8) would import the current record's statements at all: asked once
    /// per record, and only for a record with a name to report.
    reaches: Option<bool>,
}

impl<'p> Unknown<'p> {
    pub fn new(parsed: &'p Parsed, cfg: &'p Config, release: Option<Release>) -> Unknown<'p> {
        Unknown {
            parsed,
            cfg,
            release,
            seen: FnvMap::default(),
            by_addr: ByAddr([(0, Found::Known); ByAddr::SLOTS]),
            reaches: None,
        }
    }

    /// The statements of another record come next.
    pub fn record(&mut self) {
        self.reaches = None;
    }

    /// The finding for parameter statement `p` of record `rec`, if any.
    pub fn statement(&mut self, rec: &CfJail, p: &'p CfParam) -> Option<Diag> {
        let (parsed, release) = (self.parsed, self.release);
        let name = p.name.as_str();
        let found = match p.name.as_static() {
            Some(s) => self.by_addr.get(s, release),
            None => *self.seen.entry(name).or_insert_with(|| lookup(name, release)),
        };
        if found == Found::Known {
            return None;
        }
        let cfg = self.cfg;
        if !*self.reaches.get_or_insert_with(|| reaches_a_jail(rec, cfg)) {
            return None;
        }
        let failure = format!("jail(8) fails the jail with \"unknown parameter: {name}\"");
        let d = match found {
            Found::Known => return None,
            Found::Module(m) => Lint::UnknownParameter.warning(
                parsed.loc_of(p),
                format!("{name} needs the {m} module (kldload {m}): without it {failure}"),
            ),
            Found::Later(since) => {
                let on = release.map(release_text).unwrap_or_default();
                Lint::UnknownParameter.error(
                    parsed.loc_of(p),
                    format!(
                        "{name} is a jail parameter from FreeBSD {} on: on {on}, {failure}",
                        release_text(since)
                    ),
                )
            }
            Found::Unknown => {
                let hint = suggest(name, release)
                    .map(|s| format!(" (did you mean {s}?)"))
                    .unwrap_or_default();
                Lint::UnknownParameter.error(
                    parsed.loc_of(p),
                    format!("{name} is not a jail parameter{hint}: {failure}"),
                )
            }
        };
        Some(match rec.jail_name() {
            Some(jail) => d.with_jail(jail),
            None => d,
        })
    }
}

/// The lookups of static names by address: open addressing with linear probing, twice
/// as many slots as the parser has static names, so every one keeps its own. (A
/// direct-mapped table looked names up again whenever two a block uses shared a slot,
/// which depended on where the linker put them: 2% of check at 200,000 jails.)
struct ByAddr([(usize, Found); ByAddr::SLOTS]);

impl ByAddr {
    /// A power of two: the slot is the top bits of the address's product.
    const SLOTS: usize = 128;

    fn get(&mut self, s: &'static str, release: Option<Release>) -> Found {
        // No name lies at address 0, the empty slot's. Fibonacci hashing: names a few
        // bytes apart land far apart.
        let addr = s.as_ptr() as usize;
        let bits = Self::SLOTS.trailing_zeros();
        let mut i = ((addr as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - bits)) as usize;
        for _ in 0..Self::SLOTS {
            let slot = &mut self.0[i];
            if slot.0 == addr {
                return slot.1;
            }
            if slot.0 == 0 {
                *slot = (addr, lookup(s, release));
                return slot.1;
            }
            i = (i + 1) % Self::SLOTS;
        }
        // Full (more static names than slots, which a test rules out): look it up.
        lookup(s, release)
    }
}

/// Whether config.c's merge gives the statements of `rec` to some jail: a jail's own
/// block always; a wildcard block or the top level when a jail matches it.
fn reaches_a_jail(rec: &CfJail, cfg: &Config) -> bool {
    if rec.jail_name().is_some() {
        return true;
    }
    cfg.jails.iter().any(|j| wild_jail_match(&j.name, &rec.name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::INTPARAMS;

    /// `Unknown::statement` keeps static names' lookups by address (`ByAddr`): with
    /// every parameter of the table (dozens of static names among them), in two orders
    /// and under releases where some are later or modules, each statement gets what
    /// `lookup` gives its name, and each static name keeps a slot of its own, with
    /// half the slots free (a table that shared slots looked names up again).
    #[test]
    fn a_name_kept_by_address_is_found_as_looked_up() {
        use crate::diag::Source;
        use crate::parse::jailconf::parse_source;
        use crate::parse::loader::Loader;
        let names: Vec<&str> = PARAMS
            .iter()
            .map(|p| p.name)
            .chain(["exec.prepare", "mount.fstab", "nosuch.param", "allow.nomount"])
            .collect();
        let mut text = String::from("a {\n");
        names.iter().for_each(|n| text.push_str(&format!("{n};\n")));
        text.push_str("}\nb {\n");
        names.iter().rev().for_each(|n| text.push_str(&format!("{n};\n")));
        text.push_str("}\n");
        let src = Source::new("t.conf", text);
        let parsed = parse_source(&Loader::new(None), src, false).expect("parses");
        let statics: std::collections::HashSet<usize> = parsed
            .jails
            .iter()
            .flat_map(|r| parsed.params(r))
            .filter_map(|p| p.name.as_static())
            .map(|s| s.as_ptr() as usize)
            .collect();
        assert!(statics.len() >= 40, "only {} static names", statics.len());
        assert!(
            statics.len() * 2 <= ByAddr::SLOTS,
            "{} static names",
            statics.len()
        );
        let cfg = crate::model::load(&parsed);
        for release in [None, Some((9, 3)), Some((12, 0)), Some((13, 2))] {
            let mut u = Unknown::new(&parsed, &cfg, release);
            for rec in &parsed.jails {
                u.record();
                for p in parsed.params(rec) {
                    let got = u.statement(rec, p).is_some();
                    let want = lookup(p.name.as_str(), release) != Found::Known;
                    assert_eq!(got, want, "{} on {release:?}", p.name);
                }
            }
            let kept: std::collections::HashSet<usize> =
                u.by_addr.0.iter().map(|s| s.0).filter(|&a| a != 0).collect();
            assert_eq!(kept, statics, "on {release:?}");
        }
    }

    #[test]
    fn the_table_is_sorted_and_has_every_intparam() {
        for w in PARAMS.windows(2) {
            assert!(w[0].name < w[1].name, "{} before {}", w[0].name, w[1].name);
        }
        for (name, _) in INTPARAMS {
            assert!(
                find(name).is_some(),
                "{name} is in config.c's intparams, not in PARAMS"
            );
        }
    }

    #[test]
    fn lookups_follow_libjail() {
        let known = |n: &str| lookup(n, None) == Found::Known;
        // Exact names, jail(8)'s own with any "no", booleans with "no".
        assert!(known("allow.sysvipc"));
        assert!(known("exec.noclean") && known("noexec.start") && known("mount.nodevfs"));
        assert!(known("allow.noset_hostname") && known("nopersist") && known("ip4.nosaddrsel"));
        // allow.mount is a node described by a boolean child: its "no" form works.
        assert!(known("allow.nomount") && known("allow.mount.nonullfs"));
        // jailsys nodes take a value, not a "no".
        assert!(known("host") && known("vnet") && known("linux"));
        assert_eq!(lookup("nohost", None), Found::Unknown);
        assert_eq!(lookup("nopath", None), Found::Unknown);
        // Nodes without a child of their own.
        assert_eq!(lookup("allow", None), Found::Unknown);
        assert_eq!(lookup("children", None), Found::Unknown);
        // Key-value parameters take any key.
        assert!(known("meta.owner") && known("env.LANG") && known("meta"));
        assert_eq!(lookup("path.x", None), Found::Unknown);
        // Modules: libjail loads linux, sysv* and file systems itself, not vmm.
        assert!(known("linux.osname") && known("sysvshm") && known("allow.mount.zfs"));
        assert_eq!(lookup("allow.vmm", None), Found::Module("vmm"));
        assert_eq!(lookup("allow.novmm", None), Found::Module("vmm"));
        assert_eq!(lookup("zfs.mount_snapshot", None), Found::Module("zfs"));
        assert_eq!(lookup("allow.sysvpic", None), Found::Unknown);
    }

    #[test]
    fn releases_limit_the_set() {
        assert_eq!(lookup("allow.nfsd", Some((13, 2))), Found::Later((13, 3)));
        assert_eq!(lookup("allow.nfsd", Some((13, 3))), Found::Known);
        assert_eq!(lookup("allow.nonfsd", Some((13, 0))), Found::Later((13, 3)));
        assert_eq!(lookup("exec.prepare", Some((12, 1))), Found::Later((12, 2)));
        assert_eq!(lookup("meta.owner", Some((14, 2))), Found::Later((14, 3)));
        assert_eq!(lookup("allow.sysvipc", Some((10, 4))), Found::Known);
        // libjail loads no module before 11.0; the file systems' flags were static.
        assert_eq!(lookup("linux.osname", Some((10, 4))), Found::Module("linux"));
        assert_eq!(lookup("linux.osname", Some((11, 0))), Found::Known);
        assert_eq!(lookup("allow.mount.nullfs", Some((10, 4))), Found::Known);
    }

    #[test]
    fn suggestions() {
        let s = |n: &str| suggest(n, None);
        assert_eq!(s("allow.sysvpic").as_deref(), Some("allow.sysvipc"));
        assert_eq!(s("allow.raw_socket").as_deref(), Some("allow.raw_sockets"));
        assert_eq!(s("exec.prestrat").as_deref(), Some("exec.prestart"));
        assert_eq!(s("allow.nosysvpic").as_deref(), Some("allow.nosysvipc"));
        assert_eq!(s("hostname").as_deref(), None);
        assert_eq!(s("xyzzy"), None);
        // Only what the release has.
        assert_eq!(suggest("allow.nfds", Some((13, 2))), None);
        assert_eq!(suggest("allow.nfds", None).as_deref(), Some("allow.nfsd"));
    }
}
