//! `migrate`: the POSIX sh script that moves a jail whose root is a plain directory into
//! its container and, for rc.conf hosts, from rc.d/jail's legacy variables to jail.conf
//! (design §5, docs/migrate.md).
//!
//! [`script`] is pure: a [`Migration`] (every path already mapped, every file content
//! already computed by `plan::generate` / `legacy::convert`) → script text. The script is
//! resumable (one `done.STEP` file per completed step in the state directory), logs each
//! step, and rolls back on any failure: the old root is renamed back, the container is
//! unmounted, detached and removed when this run created it, and the configuration
//! files the config step changed are restored byte for byte from copies saved just
//! before it changed them.
//!
//! Two rules keep the admin's data safe across interrupted and resumed runs:
//! * the root is never swapped for a copy that was not compared with it (mtree) after
//!   the jail was last able to write to it, and a copy that differs is made again;
//! * a file the config step rewrites whole must still be as it was when the script was
//!   printed (its `cksum`, embedded), or already hold what the step writes; otherwise
//!   the script refuses, naming the file.
//!
//! The script is the engine's step list rendered as sh (src/engine/sh.rs): one function
//! per step (`steps.rs`), the step sequence, and a rollback that runs every step's undo,
//! the last step's first. Its runtime — the log, the markers, the lock, the md library —
//! is in src/sh/ ([`script::RUNTIME`], [`crate::shell::MD_LIB`]). The script text is
//! built piece by piece: the admin's file contents are embedded as quoted literals and
//! nothing is substituted into the text afterwards.

mod script;
mod steps;

use crate::create;
use crate::engine::Plan;
use crate::engine::sh::Sh;
use crate::exec::Cmd;
use crate::shell::quote;

pub use script::RUNTIME;

/// The steps that leave a marker, in order: each leaves `done.NAME` in the state
/// directory (the stop of a running jail has none; [`plan`] has every step).
pub const STEPS: &[&str] = &[
    "preflight",
    "backup",
    "allocate",
    "newfs",
    "copy",
    "verify",
    "swap",
    "config",
    "start",
];

/// What the UFS2 file system leaves for files, in percent of the container: newfs(8)
/// keeps `-m 8` (minfree, default 8%) for root, and metadata (superblocks, cylinder
/// groups, inode tables at one 256-byte inode per 8192 bytes) takes a few percent more;
/// jailvol assumes 10% for it, so the old root must fit in 82% of the container.
pub const USABLE_PERCENT: u64 = 82;

/// newfs(8) defaults (newfs.8, spec §4.2): fragment 4096 bytes, `-i` (bytes per inode)
/// 2 × fsize = 8192. The script counts on 90% of size / 8192 inodes.
pub const BYTES_PER_INODE: u64 = 8192;
pub const INODE_PERCENT: u64 = 90;

/// How the jail is controlled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    /// jail.conf host: `jail -f CONF -r NAME` / `jail -f CONF -c NAME`.
    JailConf { conf: String },
    /// rc.conf host: `service jail stop NAME` / `service jail start NAME` (rc.d/jail reads
    /// the legacy variables before the switch and jail.conf after it).
    RcConf,
    /// An ezjail jail of an rc.conf host: stopped (and, on a rollback, started again)
    /// with `service ezjail stop|start NAME`, which sources its per-jail file before
    /// rc.d/jail (ezjail.sh `do_cmd`), started on its container with `service jail
    /// start NAME` once the switch moved it to jail.conf.
    Ezjail,
}

/// A configuration file the script writes whole (atomically: temporary file, then `mv`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileWrite {
    /// Path the script uses (under `--root` when given).
    pub path: String,
    pub content: String,
    /// Mode of a new file; an existing file keeps its mode and owner.
    pub mode: u32,
    /// The file as jailvol read it when it computed `content` (None: it did not exist).
    /// The script refuses to write over anything else.
    pub before: Option<String>,
}

/// A command that edits a file in place (sysrc), keeping what else the file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// The file it edits (one of `Migration::saves`).
    pub file: String,
    pub argv: Vec<String>,
}

/// An rc.conf variable an edit depends on: `sysrc -n -f FILE VAR` must still print
/// `value` (or nothing: the edit was made) when the script runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guard {
    pub file: String,
    pub var: String,
    pub value: String,
}

/// Everything the script needs; paths are as the script will use them.
#[derive(Debug, Clone)]
pub struct Migration {
    pub jail: String,
    /// The jail's root directory (`path`).
    pub root: String,
    /// The container file.
    pub file: String,
    pub size: u64,
    pub unit: u32,
    pub newfs_opts: Vec<String>,
    pub state_dir: String,
    /// Stop a running jail instead of refusing.
    pub stop: bool,
    pub control: Control,
    /// Files written by the `config` step, in order.
    pub writes: Vec<FileWrite>,
    /// Edits run after the writes in the `config` step (the rc.conf switch).
    pub commands: Vec<Edit>,
    /// What the edits depend on.
    pub guards: Vec<Guard>,
    /// Files the `config` step changes (writes and the files the edits change): saved
    /// before the step first changes them, restored on failure.
    pub saves: Vec<String>,
    /// Comment lines for the script's header (what changes and why).
    pub notes: Vec<String>,
    /// The container exists and is the jail's root already (an ezjail `simple` image,
    /// adopted in place): no allocate, newfs, copy, verify or swap, and the script never
    /// writes the file.
    pub adopt: bool,
}

impl Migration {
    fn old_root(&self) -> String {
        format!("{}.pre-jailvol", self.root)
    }
    fn stop_cmd(&self) -> Vec<String> {
        match &self.control {
            Control::JailConf { conf } => words(&["jail", "-f", conf, "-r", &self.jail]),
            Control::RcConf => words(&["service", "jail", "stop", &self.jail]),
            Control::Ezjail => words(&["service", "ezjail", "stop", &self.jail]),
        }
    }
    /// The start with the configuration from before the switch (the stop's undo).
    fn restart_cmd(&self) -> Vec<String> {
        match &self.control {
            Control::Ezjail => words(&["service", "ezjail", "start", &self.jail]),
            _ => self.start_cmd(),
        }
    }
    fn start_cmd(&self) -> Vec<String> {
        match &self.control {
            Control::JailConf { conf } => words(&["jail", "-f", conf, "-c", &self.jail]),
            Control::RcConf | Control::Ezjail => words(&["service", "jail", "start", &self.jail]),
        }
    }
    /// Directories the `config` step may have to make (parents of the written files),
    /// each once, in order.
    fn dirs(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for w in &self.writes {
            let d = parent(&w.path);
            if !out.contains(&d) {
                out.push(d);
            }
        }
        out
    }
    /// The name of a path's records in the state directory (`saved.K`, `touched.K`,
    /// `made.K`...): the CRC of the path, so that the same file has the same records in
    /// every script printed for this state directory — a script printed again after a
    /// partial run must not take another file's saved copy for its own.
    fn key(&self, path: &str) -> String {
        let mut all: Vec<&str> = self.saves.iter().map(String::as_str).collect();
        let dirs = self.dirs();
        all.extend(dirs.iter().map(String::as_str));
        let k = format!("{:08x}", crc(path.as_bytes()));
        // Two paths with one CRC (never seen, but possible): the later one is told apart
        // by its position.
        match all
            .iter()
            .position(|p| *p != path && format!("{:08x}", crc(p.as_bytes())) == k)
        {
            Some(_) => format!("{k}-{}", all.iter().position(|p| *p == path).unwrap_or(all.len())),
            None => k,
        }
    }
}

fn words(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

fn parent(p: &str) -> String {
    match p.trim_end_matches('/').rfind('/') {
        Some(0) => "/".to_owned(),
        Some(i) => p[..i].to_owned(),
        None => ".".to_owned(),
    }
}

/// What `cksum < FILE` prints for `data`, without the newline: the CRC and the length
/// in bytes. The CRC is cksum(1)'s default (POSIX.2; FreeBSD usr.bin/cksum/cksum.1): the
/// bits of the data, most significant bit of each byte first, followed by the length as
/// the fewest bytes that hold it, least significant first, divided by the polynomial
/// 0x04C11DB7 (ISO/IEC 8802-3) after a shift by 32 bits, the remainder complemented.
/// FreeBSD prints `%lu %jd` for standard input (print.c `pcrc`), GNU cksum the same.
pub fn cksum(data: &[u8]) -> String {
    format!("{} {}", crc(data), data.len())
}

/// The CRC of [`cksum`].
fn crc(data: &[u8]) -> u32 {
    fn feed(crc: u32, byte: u8) -> u32 {
        let mut c = crc ^ (u32::from(byte) << 24);
        for _ in 0..8 {
            c = if c & 0x8000_0000 != 0 {
                (c << 1) ^ 0x04C1_1DB7
            } else {
                c << 1
            };
        }
        c
    }
    let mut crc = data.iter().fold(0u32, |c, &b| feed(c, b));
    let mut n = data.len() as u64;
    while n > 0 {
        crc = feed(crc, (n & 0xff) as u8);
        n >>= 8;
    }
    !crc
}

/// The container-creation commands `jailvol create` runs, from its own plan: attach,
/// format, mount and copy. Returned as (attach, newfs, mount, tar-create, tar-extract)
/// with `mount`/`tar -x` using the mount directory variable.
struct CreateCmds {
    attach: String,
    newfs: String,
    mount: String,
    tar_c: String,
    tar_x: String,
}

fn create_cmds(m: &Migration) -> CreateCmds {
    let target = create::Target {
        jail: m.jail.clone(),
        file: m.file.clone(),
        size: m.size,
        unit: Some(m.unit),
        source: create::Source::Dir(m.root.clone()),
        geli_keyfile: None,
    };
    let opts = create::Options {
        via: create::Via::Md,
        source: create::Source::Dir(m.root.clone()),
        newfs_opts: m.newfs_opts.clone(),
        sparse: false,
    };
    let show = |v: &[String]| {
        v.iter()
            .map(|w| {
                if w == m.file.as_str() {
                    "\"$jv_file\"".to_owned()
                } else if w == m.root.as_str() {
                    "\"$jv_root\"".to_owned()
                } else if w == create::TMP {
                    "\"$jv_mnt\"".to_owned()
                } else if *w == format!("/dev/md{}", m.unit) {
                    "\"$jv_dev\"".to_owned()
                } else if *w == m.unit.to_string() {
                    "\"$jv_unit\"".to_owned()
                } else {
                    quote(w)
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut out = CreateCmds {
        attach: String::new(),
        newfs: String::new(),
        mount: String::new(),
        tar_c: String::new(),
        tar_x: String::new(),
    };
    for s in create::plan(&target, &opts).steps {
        match &s.op {
            create::Op::Run(Cmd::Run(a))
                if a.first().is_some_and(|c| c == "mdconfig") && a.get(1).is_some_and(|f| f == "-a") =>
            {
                out.attach = show(a)
            }
            create::Op::Run(Cmd::Run(a)) if a.first().is_some_and(|c| c == "newfs") => out.newfs = show(a),
            create::Op::Run(Cmd::Run(a)) if a.first().is_some_and(|c| c == "mount") => out.mount = show(a),
            create::Op::Run(Cmd::Pipe(c, x)) => {
                out.tar_c = show(c);
                out.tar_x = show(x);
            }
            _ => {}
        }
    }
    out
}

/// The migration as the engine's step list (src/migrate/steps.rs): each step's sh
/// body and undo. `--format json` prints it ([`crate::engine::Plan::json`]).
pub fn plan(m: &Migration) -> Plan<Sh> {
    steps::plan(m, &create_cmds(m))
}

/// The script.
pub fn script(m: &Migration) -> String {
    let c = create_cmds(m);
    script::render(m, &c, &steps::plan(m, &c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m() -> Migration {
        Migration {
            jail: "www".into(),
            root: "/jails/www".into(),
            file: "/jails/www.ufs".into(),
            size: 64 << 20,
            unit: 101,
            newfs_opts: vec!["-U".into()],
            state_dir: "/var/db/jailvol/migrate.www".into(),
            stop: false,
            control: Control::JailConf {
                conf: "/etc/jail.conf".into(),
            },
            writes: vec![FileWrite {
                path: "/etc/jailvol/www.fstab".into(),
                content: "x\n".into(),
                mode: 0o644,
                before: None,
            }],
            commands: vec![],
            guards: vec![],
            saves: vec!["/etc/jailvol/www.fstab".into()],
            notes: vec![],
            adopt: false,
        }
    }

    #[test]
    fn uses_creates_commands() {
        let s = script(&m());
        assert!(
            s.contains("mdconfig -a -t vnode -f \"$jv_file\" -u \"$jv_unit\""),
            "{s}"
        );
        assert!(s.contains("newfs -U \"$jv_dev\""), "{s}");
        assert!(s.contains("mount -t ufs \"$jv_dev\" \"$jv_mnt\""), "{s}");
        assert!(
            s.contains("tar -C \"$jv_root\" --one-file-system -cpf - . ||"),
            "{s}"
        );
        assert!(s.contains("jail -f /etc/jail.conf -c www"), "{s}");
        assert!(!s.contains("@START@"));
        assert!(s.contains("bs=1048576 count=64"));
    }

    // The values `cksum < FILE` prints (GNU coreutils 9 and FreeBSD agree: POSIX CRC).
    #[test]
    fn cksum_is_the_posix_crc() {
        assert_eq!(cksum(b""), "4294967295 0");
        assert_eq!(cksum(b"abc"), "1219131554 3");
        assert_eq!(cksum(b"123456789"), "930766865 9");
    }

    // The admin's files are embedded as literals and nothing is substituted afterwards:
    // text that looks like a placeholder stays as it is.
    #[test]
    fn embedded_content_is_not_rewritten() {
        let mut mig = m();
        mig.writes[0].content = "# @START@ $x '\\ \nEOF\n".into();
        let s = script(&mig);
        assert!(s.contains("'# @START@ $x '\\''\\ \nEOF\n'"), "{s}");
    }

    #[test]
    fn odd_sizes_use_sectors() {
        assert_eq!(steps::dd_blocks((64 << 20) + 512), (512, (64 << 11) + 1));
    }

    /// The markers the runtime and the tests know are the plan's steps that have one.
    #[test]
    fn the_markers_are_the_plans() {
        let p = plan(&m());
        assert_eq!(crate::engine::sh::markers(&p), STEPS);
        assert_eq!(p.names().len(), STEPS.len() + 1);
        let s = script(&m());
        for name in p.names() {
            assert!(s.contains(&format!("\njv_{name}() {{\n")), "{name}");
        }
        // Every undo is in the rollback, the last step's first.
        let rb = &s[s.find("jv_rollback() {").unwrap()..];
        let at = |n: &str| rb.find(&format!("\t# undo {n}")).unwrap();
        assert!(at("start") < at("config") && at("config") < at("swap"));
        assert!(at("copy") < at("newfs") && at("newfs") < at("allocate"));
        assert!(at("allocate") < at("stop") && at("stop") < at("preflight"));
    }

    /// An adoption (an ezjail image) has no container steps, and its start's undo
    /// detaches the image's units before the stop's undo lets ezjail attach it again.
    #[test]
    fn an_adoption_has_no_container_steps() {
        let mut mig = m();
        mig.adopt = true;
        mig.control = Control::Ezjail;
        let p = plan(&mig);
        assert_eq!(p.names(), ["preflight", "stop", "backup", "config", "start"]);
        let s = script(&mig);
        let rb = &s[s.find("jv_rollback() {").unwrap()..];
        let at = |n: &str| rb.find(&format!("\t# undo {n}")).unwrap();
        assert!(at("start") < at("config") && at("config") < at("stop"));
        assert!(rb[at("start")..at("config")].contains("mdconfig -d -u"));
        assert!(rb[at("stop")..].contains("service ezjail start www"));
    }

    #[test]
    fn parents() {
        assert_eq!(parent("/etc/jail.conf"), "/etc");
        assert_eq!(parent("/x"), "/");
    }
}
