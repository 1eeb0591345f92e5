//! `migrate`: the POSIX sh script that moves a jail whose root is a plain directory into
//! its container and, for rc.conf hosts, from rc.d/jail's legacy variables to jail.conf
//! (design §5, docs/migrate.md).
//!
//! [`script`] is pure: a [`Migration`] (every path already mapped, every file content
//! already computed by `plan::generate` / `legacy::convert`) → script text. The script is
//! resumable (one `done.STEP` file per completed step in the state directory), logs each
//! step, and rolls back on any failure: the old root is renamed back, the container is
//! unmounted, detached and removed when this run created it, and the configuration
//! files are restored byte for byte from the copies saved in the state directory.

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

/// A configuration file the script writes (atomically: temporary file, then `mv`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileWrite {
    /// Path the script uses (under `--root` when given).
    pub path: String,
    pub content: String,
    /// Mode of a new file; an existing file keeps its mode and owner.
    pub mode: u32,
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
    /// Commands run after the writes in the `config` step (the rc.conf switch).
    pub commands: Vec<Vec<String>>,
    /// Files the `config` step changes (writes and the rc.conf files `commands` edit):
    /// saved before anything is touched, restored on failure.
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
    for s in create::plan(&target, &opts) {
        match &s.action {
            create::Action::Run(Cmd::Run(a))
                if a.first().is_some_and(|c| c == "mdconfig") && a.get(1).is_some_and(|f| f == "-a") =>
            {
                out.attach = show(a)
            }
            create::Action::Run(Cmd::Run(a)) if a.first().is_some_and(|c| c == "newfs") => {
                out.newfs = show(a)
            }
            create::Action::Run(Cmd::Run(a)) if a.first().is_some_and(|c| c == "mount") => {
                out.mount = show(a)
            }
            create::Action::Run(Cmd::Pipe(c, x)) => {
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
    s.push_str(&format!(
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
         # removed if this run created it, configuration files restored from saved copies.\n",
        one_line(&m.jail),
        one_line(&m.root),
        one_line(&m.old_root()),
        one_line(&m.file),
        format_size(m.size),
        m.unit,
        one_line(&control),
        one_line(&m.state_dir),
        STEPS.join(", "),
    ));
    for n in &m.notes {
        s.push_str(&format!("# {}\n", one_line(n)));
    }
    s.push_str("set -eu\numask 022\n");
    s.push_str("# mdconfig, newfs, mount, mtree and sysrc live in /sbin and /usr/sbin.\n");
    s.push_str("PATH=\"${PATH:-/bin:/usr/bin}:/sbin:/usr/sbin\"\n\n");
    let var = |s: &mut String, name: &str, value: &str| {
        s.push_str(&format!("{name}={}\n", quote(value)));
    };
    var(&mut s, "jv_name", &m.jail);
    var(&mut s, "jv_root", &m.root);
    var(&mut s, "jv_old", &m.old_root());
    var(&mut s, "jv_file", &m.file);
    var(&mut s, "jv_dir", &parent(&m.file));
    var(&mut s, "jv_unit", &m.unit.to_string());
    var(&mut s, "jv_dev", &format!("/dev/md{}", m.unit));
    var(&mut s, "jv_state", &m.state_dir);
    s.push_str(&format!(
        "# The container: {} bytes = {size_kb} KiB; the old root must fit in {USABLE_PERCENT}% of it\n\
         # (newfs -m 8 minfree + 10% UFS metadata) and need at most {INODE_PERCENT}% of\n\
         # size / {BYTES_PER_INODE} inodes (newfs.8: -i defaults to 2 x fsize = 8192).\n",
        m.size
    ));
    var(&mut s, "jv_kb", &size_kb.to_string());
    var(&mut s, "jv_fit_kb", &fit_kb.to_string());
    var(&mut s, "jv_inodes", &inodes.to_string());
    var(&mut s, "jv_stop", if m.stop { "yes" } else { "no" });
    s.push_str(
        "jv_mnt=\"$jv_state/mnt\"\n\
         jv_log=\"$jv_state/log\"\n\
         jv_tab=$(printf '\\t')\n\
         jv_running=no\n\
         jv_stopped=no\n\
         jv_created=no\n\n",
    );
    s.push_str(FUNCTIONS);
    // Rollback and restart with the old configuration.
    s.push_str(&format!(
        "\n# Start the jail again with the old configuration (rollback after --stop).\n\
         jv_restart_old() {{\n\t{}\n}}\n",
        shell::command(&m.start_cmd())
    ));
    s.push_str(ROLLBACK);

    // Preflight.
    s.push_str("\njv_preflight() {\n");
    s.push_str(PREFLIGHT);
    s.push_str("}\n");

    // Backup.
    s.push_str(
        "\n# Save every configuration file the config step changes (absent ones too).\njv_backup() {\n",
    );
    if m.saves.is_empty() {
        s.push_str("\t:\n");
    }
    for (i, p) in m.saves.iter().enumerate() {
        s.push_str(&format!("\tjv_save {i} {}\n", quote(p)));
    }
    s.push_str("}\n\njv_restore_all() {\n");
    s.push_str("\tjv_rbad=0\n");
    for (i, p) in m.saves.iter().enumerate() {
        s.push_str(&format!("\tjv_restore {i} {} || jv_rbad=1\n", quote(p)));
    }
    s.push_str("\treturn \"$jv_rbad\"\n}\n");

    // Allocate, newfs, copy, verify: jailvol create's commands.
    s.push_str(&format!(
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
         jv_attach() {{\n\
         \tif jv_attached; then\n\
         \t\treturn 0\n\
         \tfi\n\
         \t# A fresh attach (e.g. after a reboot): nothing of it is mounted.\n\
         \trm -f \"$jv_state/mounted\"\n\
         \tjv_run {attach}\n\
         }}\n\
         \n\
         jv_mount() {{\n\
         \tjv_attach\n\
         \tif [ -e \"$jv_state/mounted\" ]; then\n\
         \t\treturn 0\n\
         \tfi\n\
         \t[ -d \"$jv_mnt\" ] || mkdir \"$jv_mnt\"\n\
         \tjv_run {mount}\n\
         \t: >\"$jv_state/mounted\"\n\
         }}\n\
         \n\
         jv_newfs() {{\n\
         \tjv_attach\n\
         \tjv_run {newfs}\n\
         }}\n\
         \n\
         # bsdtar -p restores owners, modes, file flags and ACLs (bsdtar.1); both ends are\n\
         # checked, as sh has no pipefail.\n\
         jv_copy() {{\n\
         \tif [ -e \"$jv_state/copy.started\" ]; then\n\
         \t\tjv_log \"an earlier copy was interrupted: formatting the container again\"\n\
         \t\tjv_unmount\n\
         \t\tjv_newfs\n\
         \tfi\n\
         \tjv_mount\n\
         \t: >\"$jv_state/copy.started\"\n\
         \trm -f \"$jv_state/tar.failed\"\n\
         \t{{ jv_run {tar_c} || : >\"$jv_state/tar.failed\"; }} | jv_run {tar_x}\n\
         \t[ ! -e \"$jv_state/tar.failed\" ] || jv_die \"tar could not read all of $jv_root\"\n\
         \trm -f \"$jv_state/copy.started\"\n\
         }}\n",
        attach = c.attach,
        mount = c.mount,
        newfs = c.newfs,
        tar_c = c.tar_c,
        tar_x = c.tar_x,
    ));
    s.push_str(VERIFY_SWAP);

    // Config.
    s.push_str("\njv_config() {\n");
    for (i, d) in m.dirs().iter().enumerate() {
        s.push_str(&format!("\tjv_mkdir {i} {}\n", quote(d)));
    }
    for w in &m.writes {
        s.push_str(&format!(
            "\tjv_put {} {:o} {}\n",
            quote(&w.path),
            w.mode,
            quote(&w.content)
        ));
    }
    for cmd in &m.commands {
        s.push_str(&format!("\tjv_run {}\n", shell::command(cmd)));
    }
    if m.writes.is_empty() && m.commands.is_empty() {
        s.push_str("\t:\n");
    }
    s.push_str("}\n\njv_unmake_dirs() {\n\tjv_ubad=0\n");
    for (i, d) in m.dirs().iter().enumerate().rev() {
        s.push_str(&format!("\tjv_unmkdir {i} {} || jv_ubad=1\n", quote(d)));
    }
    s.push_str("\treturn \"$jv_ubad\"\n");
    s.push_str("}\n\njv_unput_all() {\n");
    if m.writes.is_empty() {
        s.push_str("\t:\n");
    }
    for w in &m.writes {
        s.push_str(&format!(
            "\trm -f {}\n",
            quote(&format!("{}.jailvol-new", w.path))
        ));
    }
    s.push_str("}\n");

    // Main.
    s.push_str(&format!(
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
    ));
    s = s.replace("@START@", &shell::command(&m.start_cmd()));
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

# The md units backed by the container, one number a line. `mdconfig -l -v` prints
# "mdN<tab>TYPE<tab>SIZE<tab>FILE" per unit (sbin/mdconfig/mdconfig.c md_list).
jv_units() {
	mdconfig -l -v | while IFS="$jv_tab" read -r jv_n jv_t _ jv_f _; do
		if [ "$jv_t" = vnode ] && [ "$jv_f" = "$jv_file" ]; then
			printf '%s\n' "${jv_n#md}"
		fi
	done
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

# jv_save N FILE / jv_restore N FILE: the copy is STATE/saved.N (cp -p keeps mode,
# owner and times); STATE/absent.N records a file that did not exist.
jv_save() {
	if [ -e "$2" ]; then
		cp -p "$2" "$jv_state/saved.$1"
	else
		: >"$jv_state/absent.$1"
	fi
}

jv_restore() {
	rm -f "$2.jailvol-new"
	if [ -e "$jv_state/saved.$1" ]; then
		if ! cmp -s "$jv_state/saved.$1" "$2"; then
			cp -p "$jv_state/saved.$1" "$2.jailvol-new"
			mv -f "$2.jailvol-new" "$2"
			jv_log "restored $2"
		fi
	elif [ -e "$jv_state/absent.$1" ] && [ -e "$2" ]; then
		rm -f "$2"
		jv_log "removed $2"
	fi
}

# jv_put FILE MODE CONTENT: write atomically (a temporary file beside it, then mv); an
# existing file keeps its mode and owner (cp -p, then the content is replaced).
jv_put() {
	if [ -e "$1" ]; then
		cp -p "$1" "$1.jailvol-new"
	else
		: >"$1.jailvol-new"
		chmod "$2" "$1.jailvol-new"
	fi
	printf '%s' "$3" >"$1.jailvol-new"
	jv_run mv -f "$1.jailvol-new" "$1"
}

# jv_mkdir N DIR: make a missing directory and its missing parents; STATE/made.N holds
# the topmost one made, for jv_unmkdir N DIR (rollback) to remove them again.
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
# with its steps, so the next run continues from it.
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
	if [ -e "$jv_state/done.backup" ]; then
		if jv_restore_all && jv_unmake_dirs; then
			rm -f "$jv_state/done.config" "$jv_state/done.backup" "$jv_state"/saved.* "$jv_state"/absent.*
		else
			jv_left="$jv_left; configuration not fully restored: copies in $jv_state/saved.*"
		fi
	else
		jv_unput_all
		rm -f "$jv_state"/saved.* "$jv_state"/absent.*
	fi
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
		rm -f "$jv_state/done.preflight"
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
	jv_free=$(df -Pk "$jv_dir" | awk 'NR == 2 { print $4 }')
	case "$jv_free" in
	'' | *[!0-9]*) jv_die "cannot read the free space of $jv_dir from df" ;;
	esac
	[ "$jv_free" -ge "$jv_kb" ] ||
		jv_die "$jv_dir has $jv_free KiB free; the container needs $jv_kb KiB"
	jv_used=$(du -sk "$jv_root" | awk '{ print $1 }')
	case "$jv_used" in
	'' | *[!0-9]*) jv_die "cannot read the size of $jv_root from du" ;;
	esac
	[ "$jv_used" -le "$jv_fit_kb" ] ||
		jv_die "$jv_root uses $jv_used KiB; the container holds about $jv_fit_kb KiB of files"
	jv_files=$(find "$jv_root" | wc -l)
	jv_files=$((jv_files + 0))
	[ "$jv_files" -le "$jv_inodes" ] ||
		jv_die "$jv_root has $jv_files files; the container has about $jv_inodes inodes"
	jv_log "fits: $jv_used of $jv_fit_kb KiB, $jv_files of $jv_inodes inodes, $jv_free KiB free for $jv_kb"
"#;

const VERIFY_SWAP: &str = r#"
# mtree(8): the old root's specification (type, owner, group, mode, file flags, link
# target, size, SHA-256), checked against the copy. -k, not -K: the default set has
# nlink and time, which differ for the container's root (newfs makes .snap there). The
# exclude file (-X) leaves out ./.snap. Any output is a difference.
jv_verify() {
	jv_mount
	printf '%s\n' './.snap' >"$jv_state/mtree.exclude"
	jv_run mtree -c -k uid,gid,mode,flags,link,size,sha256digest \
		-X "$jv_state/mtree.exclude" -p "$jv_root" >"$jv_state/root.mtree"
	if ! mtree -f "$jv_state/root.mtree" -X "$jv_state/mtree.exclude" -p "$jv_mnt" \
		>"$jv_state/mtree.report"; then
		cat "$jv_state/mtree.report" >&2
		jv_die "the copy differs from $jv_root (mtree report: $jv_state/mtree.report)"
	fi
	if [ -s "$jv_state/mtree.report" ]; then
		cat "$jv_state/mtree.report" >&2
		jv_die "the copy differs from $jv_root (mtree report: $jv_state/mtree.report)"
	fi
}

# Unmount and detach the container, then rename the old root away (never deleted) and
# make the empty mount point. Each half is skipped when an interrupted run did it.
jv_swap() {
	jv_detach
	if [ -d "$jv_mnt" ]; then
		rmdir "$jv_mnt"
	fi
	if [ ! -e "$jv_old" ]; then
		jv_run mv "$jv_root" "$jv_old"
	fi
	if [ ! -d "$jv_root" ]; then
		jv_run mkdir -m 755 "$jv_root"
	fi
}

jv_start() {
	jv_run @START@
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
            }],
            commands: vec![],
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
        assert!(s.contains("tar -C \"$jv_root\" -cpf - . ||"), "{s}");
        assert!(s.contains("jail -f /etc/jail.conf -c www"), "{s}");
        assert!(!s.contains("@START@"));
        assert!(s.contains("bs=1048576 count=64"));
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
