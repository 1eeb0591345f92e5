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
//! The script text is built piece by piece: the admin's file contents are embedded as
//! quoted literals and nothing is substituted into the text afterwards.

use std::fmt::Write as _;

use crate::create;
use crate::exec::Cmd;
use crate::shell::{self, OWNED_MARK, quote};
use crate::volume::format_size;

/// The steps, in order; each leaves `done.NAME` in the state directory.
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
}

impl Migration {
    fn old_root(&self) -> String {
        format!("{}.pre-jailvol", self.root)
    }
    fn stop_cmd(&self) -> Vec<String> {
        match &self.control {
            Control::JailConf { conf } => words(&["jail", "-f", conf, "-r", &self.jail]),
            Control::RcConf => words(&["service", "jail", "stop", &self.jail]),
        }
    }
    fn start_cmd(&self) -> Vec<String> {
        match &self.control {
            Control::JailConf { conf } => words(&["jail", "-f", conf, "-c", &self.jail]),
            Control::RcConf => words(&["service", "jail", "start", &self.jail]),
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

/// The size as dd(1) arguments: whole MiB when it divides, else 512-byte sectors
/// (`jailvol` sizes are whole sectors).
fn dd_blocks(size: u64) -> (u64, u64) {
    if size % (1 << 20) == 0 {
        (1 << 20, size >> 20)
    } else {
        (512, size / 512)
    }
}

/// The script.
pub fn script(m: &Migration) -> String {
    let mut s = String::new();
    let c = create_cmds(m);
    let (bs, count) = dd_blocks(m.size);
    let size_kb = m.size / 1024;
    let fit_kb = size_kb * USABLE_PERCENT / 100;
    let inodes = m.size / BYTES_PER_INODE * INODE_PERCENT / 100;
    let control = match &m.control {
        Control::JailConf { conf } => format!("jail.conf {conf}"),
        Control::RcConf => "rc.conf (legacy jail_* variables) → jail.conf".to_owned(),
    };
    let start = shell::command(&m.start_cmd());
    let _ = write!(
        s,
        "#!/bin/sh\n\
         # Values are single-quoted literals on purpose ($ included):\n\
         # shellcheck disable=SC2016\n\
         # {OWNED_MARK} migrate: move jail {} into its container.\n\
         #   root:      {} (renamed to {}, never deleted)\n\
         #   container: {} ({}, md{})\n\
         #   control:   {}\n\
         #   state:     {} (done.STEP per finished step: run again to resume)\n\
         # Steps: {}.\n\
         # Any failure rolls back: old root renamed back, container unmounted, detached and\n\
         # removed if this run created it, configuration files restored from saved copies.\n\
         # The configuration files are checked against the ones this script was computed\n\
         # from: if one changed since, the script refuses; print it again then.\n",
        one_line(&m.jail),
        one_line(&m.root),
        one_line(&m.old_root()),
        one_line(&m.file),
        format_size(m.size),
        m.unit,
        one_line(&control),
        one_line(&m.state_dir),
        STEPS.join(", "),
    );
    for n in &m.notes {
        let _ = writeln!(s, "# {}", one_line(n));
    }
    s.push_str("set -eu\numask 022\n");
    s.push_str("# mdconfig, newfs, mount, mtree and sysrc live in /sbin and /usr/sbin.\n");
    s.push_str("PATH=\"${PATH:-/bin:/usr/bin}:/sbin:/usr/sbin\"\n\n");
    let var = |s: &mut String, name: &str, value: &str| {
        let _ = writeln!(s, "{name}={}", quote(value));
    };
    var(&mut s, "jv_name", &m.jail);
    var(&mut s, "jv_root", &m.root);
    var(&mut s, "jv_old", &m.old_root());
    var(&mut s, "jv_file", &m.file);
    var(&mut s, "jv_dir", &parent(&m.file));
    var(&mut s, "jv_unit", &m.unit.to_string());
    var(&mut s, "jv_dev", &format!("/dev/md{}", m.unit));
    var(&mut s, "jv_state", &m.state_dir);
    let _ = write!(
        s,
        "# The container: {} bytes = {size_kb} KiB; the old root must fit in {USABLE_PERCENT}% of it\n\
         # (newfs -m 8 minfree + 10% UFS metadata) and need at most {INODE_PERCENT}% of\n\
         # size / {BYTES_PER_INODE} inodes (newfs.8: -i defaults to 2 x fsize = 8192).\n",
        m.size
    );
    var(&mut s, "jv_kb", &size_kb.to_string());
    var(&mut s, "jv_fit_kb", &fit_kb.to_string());
    var(&mut s, "jv_inodes", &inodes.to_string());
    var(&mut s, "jv_stop", if m.stop { "yes" } else { "no" });
    s.push_str(
        "jv_mnt=\"$jv_state/mnt\"\n\
         jv_log=\"$jv_state/log\"\n\
         jv_tab=$(printf '\\t')\n\
         # What this migration is about: a state directory serves one migration only.\n\
         jv_target=$(printf '%s\\n' \"$jv_root\" \"$jv_file\" \"$jv_kb\" \"$jv_unit\")\n\
         jv_running=no\n\
         jv_stopped=no\n\
         jv_created=no\n\
         jv_copied=no\n\
         jv_verified=no\n\n",
    );
    s.push_str(shell::MD_LIB);
    s.push_str(FUNCTIONS);
    // Rollback and restart with the old configuration.
    let _ = write!(
        s,
        "\n# Start the jail again with the old configuration (rollback after --stop).\n\
         jv_restart_old() {{\n\t{start}\n}}\n"
    );
    s.push_str(ROLLBACK);

    // Preflight.
    s.push_str("\njv_preflight() {\n");
    s.push_str(PREFLIGHT);
    s.push_str("}\n");

    // Backup.
    s.push_str(
        "\n# Safety copies of every configuration file the config step changes (absent ones\n\
         # too), made early so that a state directory that cannot hold them stops the run\n\
         # before anything else; the step copies each file again just before it first\n\
         # changes it, and the rollback restores that copy.\n\
         jv_backup() {\n",
    );
    if m.saves.is_empty() {
        s.push_str("\t:\n");
    }
    for p in &m.saves {
        let _ = writeln!(s, "\tjv_save {} {}", m.key(p), quote(p));
    }
    s.push_str("}\n\njv_restore_all() {\n\tjv_rbad=0\n");
    for p in &m.saves {
        let _ = writeln!(s, "\tjv_restore {} {} || jv_rbad=1", m.key(p), quote(p));
    }
    s.push_str("\treturn \"$jv_rbad\"\n}\n");

    // Allocate, newfs, copy: jailvol create's commands.
    let _ = write!(
        s,
        "\n# Allocate with dd(1) from /dev/zero, like ezjail: every block is written, so the\n\
         # space is really reserved (truncate -s would make a sparse file that can fail with\n\
         # ENOSPC inside the jail later). The file is claimed first with noclobber (O_EXCL).\n\
         jv_allocate() {{\n\
         \tif [ -e \"$jv_state/claimed\" ]; then\n\
         \t\tjv_log \"an earlier allocation was interrupted: writing $jv_file again\"\n\
         \telse\n\
         \t\t[ ! -e \"$jv_file\" ] || jv_die \"$jv_file exists: a container is never overwritten\"\n\
         \t\tset -C\n\
         \t\t: >\"$jv_file\"\n\
         \t\tset +C\n\
         \t\t: >\"$jv_state/claimed\"\n\
         \tfi\n\
         \tjv_created=yes\n\
         \tjv_run dd if=/dev/zero of=\"$jv_file\" bs={bs} count={count}\n\
         }}\n\
         \n\
         jv_attach_container() {{\n\
         \tif jv_attached; then\n\
         \t\treturn 0\n\
         \tfi\n\
         \t# A fresh attach (e.g. after a reboot): nothing of it is mounted.\n\
         \trm -f \"$jv_state/mounted\"\n\
         \tjv_run {attach}\n\
         }}\n\
         \n\
         jv_mount() {{\n\
         \tjv_attach_container\n\
         \tif [ -e \"$jv_state/mounted\" ]; then\n\
         \t\treturn 0\n\
         \tfi\n\
         \t[ -d \"$jv_mnt\" ] || mkdir \"$jv_mnt\"\n\
         \tjv_run {mount}\n\
         \t: >\"$jv_state/mounted\"\n\
         }}\n\
         \n\
         jv_newfs() {{\n\
         \tjv_attach_container\n\
         \tjv_run {newfs}\n\
         }}\n\
         \n\
         # A new, empty file system in the container, for a fresh copy.\n\
         jv_reformat() {{\n\
         \tjv_unmount\n\
         \tjv_newfs\n\
         }}\n\
         \n\
         # bsdtar -p restores owners, modes, file flags and ACLs; --one-file-system does not\n\
         # cross mount points (bsdtar.1): something mounted below the root is not copied.\n\
         # Both ends are checked, as sh has no pipefail.\n\
         jv_copy() {{\n\
         \tif [ -e \"$jv_state/copy.started\" ]; then\n\
         \t\tjv_log \"an earlier copy was interrupted: formatting the container again\"\n\
         \t\tjv_reformat\n\
         \tfi\n\
         \tjv_mount\n\
         \t: >\"$jv_state/copy.started\"\n\
         \trm -f \"$jv_state/tar.failed\"\n\
         \t{{ jv_run {tar_c} || : >\"$jv_state/tar.failed\"; }} | jv_run {tar_x}\n\
         \t[ ! -e \"$jv_state/tar.failed\" ] || jv_die \"tar could not read all of $jv_root\"\n\
         \trm -f \"$jv_state/copy.started\"\n\
         \tjv_copied=yes\n\
         }}\n",
        attach = c.attach,
        mount = c.mount,
        newfs = c.newfs,
        tar_c = c.tar_c,
        tar_x = c.tar_x,
    );
    s.push_str(VERIFY_SWAP);

    // Start: built here, not substituted into a template (the script embeds the admin's
    // files, which may hold any text).
    let _ = write!(
        s,
        "\n# Start the jail on its container. An interrupted start (a kill while jail(8) was\n\
         # mounting) can have left mounts on the empty mount point and md units: they are\n\
         # cleared first. rc.d/jail's start exits 0 even when the jail does not start\n\
         # (libexec/rc/rc.d/jail jail_start prints \"cannot start jail\" and ends with\n\
         # `echo .`), so whether it runs is asked of jls(8), for jail(8) too.\n\
         jv_start() {{\n\
         \tif [ -n \"$(jv_mounts)\" ]; then\n\
         \t\tjv_log \"an interrupted start left mounts at $jv_root: unmounting them\"\n\
         \t\tjv_unmount_below\n\
         \tfi\n\
         \tjv_detach\n\
         \tjv_run {start}\n\
         \tif ! jls -j \"$jv_name\" >/dev/null 2>&1; then\n\
         \t\tjv_die \"jail $jv_name is not running after the start command (its output is above)\"\n\
         \tfi\n\
         }}\n"
    );

    // The configuration check.
    s.push_str(
        "\n# The files the config step rewrites whole must be as they were when this script\n\
         # was printed (cksum: CRC and size, cksum.1), or already hold what the step writes\n\
         # (an earlier run got that far): the step writes contents computed from them, and\n\
         # an edit made since (a new jail in jail.conf) would be lost. The rc.conf files are\n\
         # edited in place by sysrc, which keeps the rest of them; only the values the edits\n\
         # depend on are checked.\n\
         jv_check_config() {\n\
         \tjv_changed=no\n",
    );
    for w in &m.writes {
        let before = match &w.before {
            Some(t) => cksum(t.as_bytes()),
            None => "absent".to_owned(),
        };
        let _ = writeln!(
            s,
            "\tjv_unchanged {} {} {}",
            quote(&w.path),
            quote(&before),
            quote(&cksum(w.content.as_bytes()))
        );
    }
    for g in &m.guards {
        let _ = writeln!(
            s,
            "\tjv_unchanged_var {} {} {}",
            quote(&g.file),
            quote(&g.var),
            quote(&g.value)
        );
    }
    s.push_str("\t[ \"$jv_changed\" = no ]\n}\n");

    // Config.
    s.push_str(
        "\njv_config() {\n\
         \tjv_check_config || jv_die \"print the script again (jailvol migrate $jv_name) and run that one\"\n\
         \t: >\"$jv_state/config.started\"\n",
    );
    for d in &m.dirs() {
        let _ = writeln!(s, "\tjv_mkdir {} {}", m.key(d), quote(d));
    }
    for w in &m.writes {
        let _ = writeln!(
            s,
            "\tjv_put {} {} {:o} {} {}",
            m.key(&w.path),
            quote(&w.path),
            w.mode,
            quote(&cksum(w.content.as_bytes())),
            quote(&w.content)
        );
    }
    for e in &m.commands {
        let _ = writeln!(
            s,
            "\tjv_edit {} {} {}",
            m.key(&e.file),
            quote(&e.file),
            shell::command(&e.argv)
        );
    }
    s.push_str("}\n\njv_unmake_dirs() {\n\tjv_ubad=0\n");
    for d in m.dirs().iter().rev() {
        let _ = writeln!(s, "\tjv_unmkdir {} {} || jv_ubad=1", m.key(d), quote(d));
    }
    s.push_str("\treturn \"$jv_ubad\"\n}\n");

    // Main.
    let _ = write!(
        s,
        "\n# ---- main ----\n\
         [ \"$(id -u)\" = 0 ] || {{\n\
         \tprintf 'jailvol migrate: %s\\n' \"must run as root\" >&2\n\
         \texit 1\n\
         }}\n\
         (umask 077 && mkdir -p \"$jv_state\")\n\
         if jv_done start; then\n\
         \tjv_log \"already migrated (remove $jv_state to run again)\"\n\
         \texit 0\n\
         fi\n\
         # One run at a time: STATE/lock holds the running script's pid (a dead one's lock\n\
         # is taken over, so a run killed with -9 does not block the resume).\n\
         if ! mkdir \"$jv_state/lock\" 2>/dev/null; then\n\
         \tjv_pid=$(cat \"$jv_state/lock/pid\" 2>/dev/null || :)\n\
         \tif [ -n \"$jv_pid\" ] && kill -0 \"$jv_pid\" 2>/dev/null; then\n\
         \t\tjv_die \"another run (pid $jv_pid) is migrating $jv_name\"\n\
         \tfi\n\
         \tjv_log \"taking over the lock of a run that is gone (pid ${{jv_pid:-unknown}})\"\n\
         fi\n\
         echo \"$$\" >\"$jv_state/lock/pid\"\n\
         # A run killed after it started the jail on its new configuration.\n\
         if jv_done config && jls -j \"$jv_name\" >/dev/null 2>&1; then\n\
         \t: >\"$jv_state/done.start\"\n\
         \tjv_unlock\n\
         \tjv_log \"jail $jv_name runs on its new configuration (started by an interrupted run): migrated\"\n\
         \texit 0\n\
         fi\n\
         # Before anything is touched: the configuration this script was computed from.\n\
         if ! jv_done config && ! jv_check_config; then\n\
         \tjv_unlock\n\
         \tjv_die \"this run changed nothing: print the script again (jailvol migrate $jv_name) and run that one\"\n\
         fi\n\
         # A state directory serves one migration: the markers of another one (another\n\
         # root, container or size) are not taken for this one's once a container exists.\n\
         if [ -e \"$jv_state/target\" ] && [ \"$(cat \"$jv_state/target\")\" != \"$jv_target\" ]; then\n\
         \tif jv_done allocate || [ -e \"$jv_state/claimed\" ]; then\n\
         \t\tjv_unlock\n\
         \t\tjv_die \"$jv_state holds an unfinished migration of another root, container or size: finish it (or let it roll back) first, or use another state directory\"\n\
         \tfi\n\
         \trm -f \"$jv_state/done.preflight\" \"$jv_state/done.backup\"\n\
         fi\n\
         printf '%s\\n' \"$jv_target\" >\"$jv_state/target\"\n\
         jv_log \"migrating: log in $jv_log\"\n\
         trap jv_rollback EXIT\n\
         trap 'exit 129' HUP\n\
         trap 'exit 130' INT\n\
         trap 'exit 143' TERM\n\
         \n\
         if jls -j \"$jv_name\" >/dev/null 2>&1; then\n\
         \tjv_running=yes\n\
         \t[ \"$jv_stop\" = yes ] || jv_die \"jail $jv_name is running: stop it first, or use --stop\"\n\
         fi\n\
         jv_step preflight jv_preflight\n\
         if [ \"$jv_running\" = yes ]; then\n\
         \tjv_run {stop}\n\
         \tjv_stopped=yes\n\
         \tif jls -j \"$jv_name\" >/dev/null 2>&1; then\n\
         \t\tjv_die \"jail $jv_name is still running\"\n\
         \tfi\n\
         \tjv_check_mounts\n\
         fi\n\
         jv_step backup jv_backup\n\
         jv_step allocate jv_allocate\n\
         jv_step newfs jv_newfs\n\
         jv_step copy jv_copy\n\
         jv_step verify jv_verify\n\
         jv_step swap jv_swap\n\
         jv_step config jv_config\n\
         jv_step start jv_start\n\
         trap - EXIT HUP INT TERM\n\
         jv_unlock\n\
         jv_log \"migrated: the old root is kept at $jv_old; remove it when the jail works\"\n",
        stop = shell::command(&m.stop_cmd()),
    );
    s
}

/// A value inside a `#` comment: one line.
fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

const FUNCTIONS: &str = r#"jv_log() {
	jv_line="$(date -u '+%Y-%m-%dT%H:%M:%SZ') jailvol migrate $jv_name: $*"
	printf '%s\n' "$jv_line" >&2
	if [ -d "$jv_state" ]; then
		printf '%s\n' "$jv_line" >>"$jv_log"
	fi
}

jv_die() {
	jv_log "error: $*"
	exit 1
}

jv_run() {
	jv_log "+ $*"
	"$@"
}

jv_unlock() {
	rm -f "$jv_state/lock/pid"
	rmdir "$jv_state/lock"
}

jv_done() {
	[ -e "$jv_state/done.$1" ]
}

# jv_step NAME FUNCTION: run a step unless an earlier run finished it.
jv_step() {
	if jv_done "$1"; then
		jv_log "step $1: done earlier, skipped"
		return 0
	fi
	jv_log "step $1"
	"$2"
	: >"$jv_state/done.$1"
	jv_log "step $1: done"
}

# jv_sum FILE: the CRC and size cksum(1) prints for FILE ("absent" when there is none).
jv_sum() {
	if [ -e "$1" ]; then
		cksum <"$1" | awk '{ print $1, $2 }'
	else
		echo absent
	fi
}

# The md units backed by the container (jv_units_of, the md library: by realpath), none
# once the file is gone.
jv_units() {
	[ -e "$jv_file" ] || return 0
	jv_units_of "$jv_file"
}

jv_attached() {
	jv_hit=no
	for jv_u in $(jv_units); do
		if [ "$jv_u" = "$jv_unit" ]; then
			jv_hit=yes
		fi
	done
	[ "$jv_hit" = yes ]
}

# STATE/mounted records the mount; it is stale once the unit is gone (a reboot).
jv_unmount() {
	if [ -e "$jv_state/mounted" ]; then
		if jv_attached; then
			jv_run umount "$jv_mnt"
		fi
		rm -f "$jv_state/mounted"
	fi
}

jv_detach() {
	jv_unmount
	for jv_u in $(jv_units); do
		jv_run mdconfig -d -u "$jv_u"
	done
}

# The mount points at or below the root, one a line, in mount order. `mount -p` prints
# each mount's f_mntonname (the realpath mount(8) was given) unencoded, after the device
# and tabs or one space, and followed by the type, the options and "dump pass", none of
# which has a blank (sbin/mount/mount.c putfsent): with those cut off, the mount point
# is the end of the line, and it is found as the root's realpath after a blank.
jv_mounts() {
	jv_r=$(realpath "$jv_root" 2>/dev/null) || return 0
	mount -p | jv_r=$jv_r awk '
	BEGIN { r = ENVIRON["jv_r"]; n = length(r) }
	{
		t = $0
		sub(/[\t ]+[^\t ]+[\t ]+[^\t ]+[\t ]+[0-9]+[\t ]+[0-9]+$/, "", t)
		for (i = 2; i + n - 1 <= length(t); i++) {
			p = substr(t, i - 1, 1)
			q = substr(t, i + n, 1)
			if ((p == "\t" || p == " ") && substr(t, i, n) == r && (q == "" || q == "/")) {
				print substr(t, i)
				next
			}
		}
	}'
}

# A stopped jail has nothing mounted at or below its root: jail(8) unmounts what it
# mounted when it stops it (usr.sbin/jail/jail.c stopcommands). Anything there (a
# leftover nullfs, another disk) would be hidden by the container, or moved with the
# old root, so the script refuses and names it. Once the old root was renamed away the
# root is an empty mount point, checked by the start step instead.
jv_check_mounts() {
	[ ! -e "$jv_old" ] || return 0
	jv_m=$(jv_mounts)
	if [ -n "$jv_m" ]; then
		printf '%s\n' "$jv_m" | while IFS= read -r jv_p; do
			jv_log "mounted at or below the root: $jv_p"
		done
		jv_die "something is mounted at or below $jv_root (above): migrate moves a plain directory; unmount it first (it would not be copied, and the container would hide it)"
	fi
}

# Unmount everything at or below the root, the last mounted first: used only once the
# old root is renamed away and the jail is not running, when all that can be mounted
# there is what an interrupted start of the jail left.
jv_unmount_below() {
	jv_mounts | sed -n '1!G;h;$p' | while IFS= read -r jv_p; do
		jv_run umount "$jv_p" || exit 1
	done
}

# The config step's records of a file or directory in the state directory are named
# after a key K, the CRC of its path (the same in every script for this state directory).
# jv_save K FILE: a copy of FILE in STATE/saved.K (cp -p keeps mode, owner and times),
# or STATE/absent.K for a file that does not exist.
jv_save() {
	rm -f "$jv_state/saved.$1" "$jv_state/absent.$1"
	if [ -e "$2" ]; then
		cp -p "$2" "$jv_state/saved.$1"
	else
		: >"$jv_state/absent.$1"
	fi
}

# jv_touch K FILE [AFTER]: the config step is about to change FILE. The first time, FILE
# is saved as it is now (what the rollback puts back) and STATE/touched.K made;
# STATE/wrote.K, the cksum of FILE as the step left it, is made again after the change.
# A file the step writes whole (AFTER: the cksum of what it writes) is saved again when
# it holds neither that nor the saved copy: an earlier run stopped before it wrote the
# file, which changed since (the admin edited it, and printed the script again).
jv_touch() {
	if [ -e "$jv_state/touched.$1" ] && [ -n "${3:-}" ] &&
		[ "$(jv_sum "$2")" != "$3" ] &&
		! { [ -e "$jv_state/saved.$1" ] && cmp -s "$jv_state/saved.$1" "$2"; } &&
		! { [ -e "$jv_state/absent.$1" ] && [ ! -e "$2" ]; }; then
		rm -f "$jv_state/touched.$1"
	fi
	if [ ! -e "$jv_state/touched.$1" ]; then
		jv_save "$1" "$2"
		: >"$jv_state/touched.$1"
	fi
	rm -f "$jv_state/wrote.$1"
}

# jv_restore K FILE: put back what the config step changed, from the copy saved before
# it first changed FILE (or remove FILE if it did not exist) — unless FILE no longer
# holds what the step wrote (STATE/wrote.K): then someone changed it since, and it is
# left as it is and reported rather than overwritten. Without STATE/wrote.K (the change
# itself failed half-way) the copy is put back.
jv_restore() {
	rm -f "$2.jailvol-new"
	[ -e "$jv_state/touched.$1" ] || return 0
	if [ -e "$jv_state/saved.$1" ] && cmp -s "$jv_state/saved.$1" "$2"; then
		return 0
	fi
	if [ -e "$jv_state/absent.$1" ] && [ ! -e "$2" ]; then
		return 0
	fi
	if [ -e "$jv_state/wrote.$1" ] && [ "$(jv_sum "$2")" != "$(cat "$jv_state/wrote.$1")" ]; then
		if [ -e "$jv_state/saved.$1" ]; then
			jv_log "$2 was changed after the config step wrote it: left as it is (the file from before the step: $jv_state/saved.$1)"
		else
			jv_log "$2 was changed after the config step wrote it: left as it is (it did not exist before the step)"
		fi
		return 1
	fi
	if [ -e "$jv_state/saved.$1" ]; then
		cp -p "$jv_state/saved.$1" "$2.jailvol-new" || return 1
		mv -f "$2.jailvol-new" "$2" || return 1
		jv_log "restored $2"
	else
		rm -f "$2" || return 1
		jv_log "removed $2"
	fi
}

# jv_put K FILE MODE AFTER CONTENT: write atomically (a temporary file beside it, then
# mv); an existing file keeps its mode and owner (cp -p, then the content is replaced).
# AFTER is the cksum of CONTENT.
jv_put() {
	jv_touch "$1" "$2" "$4"
	if [ -e "$2" ]; then
		cp -p "$2" "$2.jailvol-new"
	else
		: >"$2.jailvol-new"
		chmod "$3" "$2.jailvol-new"
	fi
	printf '%s' "$5" >"$2.jailvol-new"
	jv_run mv -f "$2.jailvol-new" "$2"
	jv_sum "$2" >"$jv_state/wrote.$1"
}

# jv_edit K FILE COMMAND...: run a command that edits FILE in place (sysrc).
jv_edit() {
	jv_touch "$1" "$2"
	jv_en=$1
	jv_ef=$2
	shift 2
	jv_run "$@"
	jv_sum "$jv_ef" >"$jv_state/wrote.$jv_en"
}

# jv_unchanged FILE BEFORE AFTER: FILE's cksum is BEFORE (as when the script was
# printed) or AFTER (what the config step writes); else it is named and jv_changed set.
jv_unchanged() {
	jv_s=$(jv_sum "$1")
	if [ "$jv_s" != "$2" ] && [ "$jv_s" != "$3" ]; then
		jv_log "$1 changed since this script was printed (cksum now: $jv_s; then: $2)"
		jv_changed=yes
	fi
}

# jv_unchanged_var FILE VAR VALUE: `sysrc -n -f FILE VAR` prints VALUE, or nothing (the
# config step emptied it); else it is named and jv_changed set.
jv_unchanged_var() {
	jv_v=$(sysrc -n -f "$1" "$2" 2>/dev/null) || jv_v=""
	if [ -n "$jv_v" ] && [ "$jv_v" != "$3" ]; then
		jv_log "$2 in $1 changed since this script was printed (now: $jv_v; then: $3)"
		jv_changed=yes
	fi
}

# jv_mkdir K DIR: make a missing directory and its missing parents; STATE/made.K holds
# the topmost one made, for jv_unmkdir K DIR (rollback) to remove them again.
jv_mkdir() {
	if [ ! -d "$2" ]; then
		jv_top=$2
		while [ ! -d "$(dirname "$jv_top")" ]; do
			jv_top=$(dirname "$jv_top")
		done
		printf '%s\n' "$jv_top" >"$jv_state/made.$1"
		jv_run mkdir -p "$2"
	fi
}

jv_unmkdir() {
	if [ -e "$jv_state/made.$1" ]; then
		jv_top=$(cat "$jv_state/made.$1")
		jv_d=$2
		while rmdir "$jv_d"; do
			if [ "$jv_d" = "$jv_top" ]; then
				rm -f "$jv_state/made.$1"
				return 0
			fi
			jv_d=$(dirname "$jv_d")
		done
		return 1
	fi
}
"#;

const ROLLBACK: &str = r#"
# On any failure (set -e, a signal): undo in reverse, then exit non-zero. Steps whose
# result is undone lose their done.STEP file; a container made by an earlier run stays,
# with its steps, so the next run continues from it (its copy is compared with the root
# again before it is swapped in).
jv_rollback() {
	jv_status=$?
	trap - EXIT HUP INT TERM
	set +e
	case "$jv_status" in
	129 | 130 | 143) ;;
	*) jv_status=1 ;;
	esac
	jv_log "failed (exit $jv_status): rolling back"
	jv_left=""
	if [ -e "$jv_state/mounted" ] && ! jv_attached; then
		rm -f "$jv_state/mounted"
	fi
	if [ -e "$jv_state/mounted" ]; then
		if umount "$jv_mnt"; then
			rm -f "$jv_state/mounted"
		else
			jv_left="$jv_left; $jv_mnt is still mounted"
		fi
	fi
	# What a start of the jail left on the empty mount point (jail(8) unmounts what it
	# mounted when a start fails, but not when it is killed).
	if [ -e "$jv_old" ] && ! jls -j "$jv_name" >/dev/null 2>&1 && [ -n "$(jv_mounts)" ]; then
		jv_unmount_below || jv_left="$jv_left; something is still mounted at $jv_root"
	fi
	if [ ! -e "$jv_state/mounted" ]; then
		for jv_u in $(jv_units); do
			if ! mdconfig -d -u "$jv_u"; then
				jv_left="$jv_left; md$jv_u still holds $jv_file"
			fi
		done
		if [ -d "$jv_mnt" ]; then
			rmdir "$jv_mnt" || jv_left="$jv_left; $jv_mnt is left"
		fi
	fi
	if [ -e "$jv_old" ]; then
		if [ -d "$jv_root" ] && ! rmdir "$jv_root"; then
			jv_left="$jv_left; $jv_root is not empty: the old root is still at $jv_old"
		elif mv "$jv_old" "$jv_root"; then
			jv_log "restored the old root at $jv_root"
		else
			jv_left="$jv_left; the old root is still at $jv_old"
		fi
	fi
	rm -f "$jv_state/done.swap" "$jv_state/done.start"
	if jv_restore_all && jv_unmake_dirs; then
		rm -f "$jv_state/done.backup" "$jv_state"/saved.* "$jv_state"/absent.*
	else
		jv_left="$jv_left; configuration not fully restored (see above): copies in $jv_state/saved.*"
	fi
	rm -f "$jv_state/done.config" "$jv_state/config.started" "$jv_state"/touched.* "$jv_state"/wrote.*
	if [ "$jv_created" = yes ]; then
		if [ -n "$(jv_units)" ]; then
			jv_left="$jv_left; $jv_file is kept: it is still attached"
		else
			rm -f "$jv_file"
			rm -f "$jv_state/claimed" "$jv_state/copy.started" "$jv_state/tar.failed" \
				"$jv_state/root.mtree" "$jv_state/mtree.exclude" "$jv_state/mtree.report" \
				"$jv_state/done.preflight" "$jv_state/done.allocate" "$jv_state/done.newfs" \
				"$jv_state/done.copy" "$jv_state/done.verify"
			jv_log "removed $jv_file"
		fi
	elif [ -e "$jv_file" ]; then
		jv_log "kept $jv_file: an earlier run made it"
	fi
	if [ ! -e "$jv_state/done.allocate" ]; then
		rm -f "$jv_state/done.preflight" "$jv_state/target"
	fi
	if [ "$jv_stopped" = yes ] && [ -z "$jv_left" ]; then
		jv_log "starting $jv_name again with its old configuration"
		jv_restart_old || jv_left="$jv_left; the jail could not be started again"
	fi
	jv_unlock
	if [ -n "$jv_left" ]; then
		jv_log "rollback incomplete${jv_left}"
	else
		jv_log "rolled back: root and configuration are as before"
	fi
	exit "$jv_status"
}
"#;

const PREFLIGHT: &str = r#"	[ -d "$jv_root" ] || jv_die "$jv_root is not a directory"
	[ ! -e "$jv_old" ] || jv_die "$jv_old exists: an earlier migration left it; move it away first"
	[ ! -e "$jv_file" ] || jv_die "$jv_file exists: a container is never overwritten"
	[ -d "$jv_dir" ] || jv_die "directory $jv_dir does not exist"
	# A running jail (--stop) has its own mounts there: checked once it is stopped.
	if [ "$jv_running" = no ]; then
		jv_check_mounts
	fi
	jv_free=$(df -Pk "$jv_dir" | awk 'NR == 2 { print $4 }')
	case "$jv_free" in
	'' | *[!0-9]*) jv_die "cannot read the free space of $jv_dir from df" ;;
	esac
	[ "$jv_free" -ge "$jv_kb" ] ||
		jv_die "$jv_dir has $jv_free KiB free; the container needs $jv_kb KiB"
	# -x / -xdev: what the copy takes, which stays on the root's file system (du.1,
	# find.1; GNU du and find take the same).
	jv_used=$(du -s -k -x "$jv_root" | awk '{ print $1 }')
	case "$jv_used" in
	'' | *[!0-9]*) jv_die "cannot read the size of $jv_root from du" ;;
	esac
	[ "$jv_used" -le "$jv_fit_kb" ] ||
		jv_die "$jv_root uses $jv_used KiB; the container holds about $jv_fit_kb KiB of files"
	jv_files=$(find "$jv_root" -xdev | wc -l)
	jv_files=$((jv_files + 0))
	[ "$jv_files" -le "$jv_inodes" ] ||
		jv_die "$jv_root has $jv_files files; the container has about $jv_inodes inodes"
	jv_log "fits: $jv_used of $jv_fit_kb KiB, $jv_files of $jv_inodes inodes, $jv_free KiB free for $jv_kb"
"#;

const VERIFY_SWAP: &str = r#"
# jv_compare: jv_same=yes when the copy in the container is the root, as mtree(8) sees
# them: -c writes the root's specification (type, owner, group, mode, file flags, link
# target, size, SHA-256), -f checks the copy against it. -k, not -K: the default set
# has nlink and time, which differ for the container's root (newfs makes .snap there).
# The exclude file (-X) leaves out ./.snap; -x does not descend below mount points
# (mtree.8), like the copy. Any output is a difference.
jv_compare() {
	jv_mount
	printf '%s\n' './.snap' >"$jv_state/mtree.exclude"
	jv_run mtree -x -c -k uid,gid,mode,flags,link,size,sha256digest \
		-X "$jv_state/mtree.exclude" -p "$jv_root" >"$jv_state/root.mtree"
	jv_same=no
	if mtree -x -f "$jv_state/root.mtree" -X "$jv_state/mtree.exclude" -p "$jv_mnt" \
		>"$jv_state/mtree.report" && [ ! -s "$jv_state/mtree.report" ]; then
		jv_same=yes
	else
		cat "$jv_state/mtree.report" >&2
	fi
}

# A copy an earlier run made may be older than the root (the jail ran on the root after
# that run was killed or rolled back): it is then made again.
jv_verify() {
	jv_compare
	if [ "$jv_same" = no ] && [ "$jv_copied" = no ]; then
		jv_log "$jv_root differs from the copy an earlier run made: copying it again"
		jv_reformat
		jv_copy
		jv_compare
	fi
	[ "$jv_same" = yes ] ||
		jv_die "the copy differs from $jv_root (mtree report: $jv_state/mtree.report)"
	jv_verified=yes
}

# Unmount and detach the container, then rename the old root away (never deleted) and
# make the empty mount point. Each half is skipped when an interrupted run did it.
# Right before the rename, with the jail stopped, the copy is compared with the root
# again unless this run has just done so: a stale copy is never swapped in.
jv_swap() {
	if [ ! -e "$jv_old" ]; then
		if jls -j "$jv_name" >/dev/null 2>&1; then
			jv_die "jail $jv_name is running: stop it first, or use --stop"
		fi
		jv_check_mounts
		if [ "$jv_verified" = no ]; then
			jv_log "comparing $jv_root with the copy an earlier run made and verified"
			jv_verify
		fi
		jv_detach
		if [ -d "$jv_mnt" ]; then
			rmdir "$jv_mnt"
		fi
		jv_run mv "$jv_root" "$jv_old"
	else
		jv_detach
		if [ -d "$jv_mnt" ]; then
			rmdir "$jv_mnt"
		fi
	fi
	if [ ! -d "$jv_root" ]; then
		jv_run mkdir -m 755 "$jv_root"
	fi
	[ -z "$(ls -A "$jv_root")" ] ||
		jv_die "$jv_root is not empty: something wrote there after the old root was renamed to $jv_old"
}
"#;

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
        assert_eq!(dd_blocks((64 << 20) + 512), (512, (64 << 11) + 1));
    }

    #[test]
    fn parents() {
        assert_eq!(parent("/etc/jail.conf"), "/etc");
        assert_eq!(parent("/x"), "/");
    }
}
