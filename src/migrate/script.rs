//! The script's text, piece by piece: the header, the values, the md library and the
//! migrate runtime (src/sh/), the functions that carry this migration's commands and
//! files, the step functions and the rollback from the step list (src/engine/sh.rs),
//! and the main sequence. The admin's file contents are embedded as quoted literals and
//! nothing is substituted into the text afterwards.

use std::fmt::Write as _;

use super::{BYTES_PER_INODE, Control, CreateCmds, INODE_PERCENT, Migration, USABLE_PERCENT, cksum, parent};
use crate::engine::Plan;
use crate::engine::sh::{self, Sh};
use crate::shell::{self, OWNED_MARK, quote};
use crate::volume::format_size;

/// The migrate runtime, src/sh/migrate.sh.
pub const RUNTIME: &str = include_str!("../sh/migrate.sh");

/// A value inside a `#` comment: one line.
fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

pub(super) fn header(m: &Migration, plan: &Plan<Sh>, s: &mut String) {
    let control = match &m.control {
        Control::JailConf { conf } => format!("jail.conf {conf}"),
        Control::RcConf => "rc.conf (legacy jail_* variables) → jail.conf".to_owned(),
        Control::Ezjail => "ezjail (/usr/local/etc/ezjail) → jail.conf".to_owned(),
    };
    let steps = plan
        .steps
        .iter()
        .map(|st| match st.op.when {
            Some(_) => format!("{} (if the jail runs)", st.name),
            None => st.name.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(", ");
    if m.adopt {
        adopt_header(m, &control, &steps, s);
        return;
    }
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
        steps,
    );
    tail(m, s);
}

/// The header of an adoption ([`Migration::adopt`]): the image is the container.
fn adopt_header(m: &Migration, control: &str, steps: &str, s: &mut String) {
    let _ = write!(
        s,
        "#!/bin/sh\n\
         # Values are single-quoted literals on purpose ($ included):\n\
         # shellcheck disable=SC2016\n\
         # The runtime's copy and compare state goes unused in an adoption:\n\
         # shellcheck disable=SC2034\n\
         # {OWNED_MARK} migrate: jail {} adopts its image as its container, in place.\n\
         #   root:      {} (the container is mounted there)\n\
         #   container: {} ({}, md{}; never written by this script: no copy)\n\
         #   control:   {}\n\
         #   state:     {} (done.STEP per finished step: run again to resume)\n\
         # Steps: {steps}.\n\
         # Any failure rolls back: the container unmounted and detached, configuration\n\
         # files restored from saved copies, the jail started again as it was started.\n\
         # The configuration files are checked against the ones this script was computed\n\
         # from: if one changed since, the script refuses; print it again then.\n",
        one_line(&m.jail),
        one_line(&m.root),
        one_line(&m.file),
        format_size(m.size),
        m.unit,
        one_line(control),
        one_line(&m.state_dir),
    );
    tail(m, s);
}

/// The header's notes, and the shell settings.
fn tail(m: &Migration, s: &mut String) {
    for n in &m.notes {
        let _ = writeln!(s, "# {}", one_line(n));
    }
    s.push_str("set -eu\numask 022\n");
    s.push_str("# mdconfig, newfs, mount, mtree and sysrc live in /sbin and /usr/sbin.\n");
    s.push_str("PATH=\"${PATH:-/bin:/usr/bin}:/sbin:/usr/sbin\"\n\n");
}

pub(super) fn values(m: &Migration, s: &mut String) {
    let size_kb = m.size / 1024;
    let fit_kb = size_kb * USABLE_PERCENT / 100;
    let inodes = m.size / BYTES_PER_INODE * INODE_PERCENT / 100;
    let var = |s: &mut String, name: &str, value: &str| {
        let _ = writeln!(s, "{name}={}", quote(value));
    };
    var(s, "jv_name", &m.jail);
    var(s, "jv_root", &m.root);
    var(s, "jv_old", &m.old_root());
    var(s, "jv_file", &m.file);
    if !m.adopt {
        var(s, "jv_dir", &parent(&m.file));
    }
    var(s, "jv_unit", &m.unit.to_string());
    var(s, "jv_dev", &format!("/dev/md{}", m.unit));
    var(s, "jv_state", &m.state_dir);
    if m.adopt {
        let _ = writeln!(
            s,
            "# The container: {} bytes = {size_kb} KiB (the image, as it is).",
            m.size
        );
        var(s, "jv_kb", &size_kb.to_string());
    } else {
        let _ = write!(
            s,
            "# The container: {} bytes = {size_kb} KiB; the old root must fit in {USABLE_PERCENT}% of it\n\
             # (newfs -m 8 minfree + 10% UFS metadata) and need at most {INODE_PERCENT}% of\n\
             # size / {BYTES_PER_INODE} inodes (newfs.8: -i defaults to 2 x fsize = 8192).\n",
            m.size
        );
        var(s, "jv_kb", &size_kb.to_string());
        var(s, "jv_fit_kb", &fit_kb.to_string());
        var(s, "jv_inodes", &inodes.to_string());
    }
    var(s, "jv_may_stop", if m.stop { "yes" } else { "no" });
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
}

/// The functions that carry this migration's commands and files (the steps and the
/// runtime call them).
pub(super) fn support(m: &Migration, c: &CreateCmds, s: &mut String) {
    let _ = write!(
        s,
        "\n# The container's attach and mount, with `jailvol create`'s commands: each is\n\
         # done once, and again after a reboot dropped it.\n\
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
         }}\n",
        attach = c.attach,
        mount = c.mount,
    );
    s.push_str("\njv_restore_all() {\n\tjv_rbad=0\n");
    for p in &m.saves {
        let _ = writeln!(s, "\tjv_restore {} {} || jv_rbad=1", m.key(p), quote(p));
    }
    s.push_str("\treturn \"$jv_rbad\"\n}\n\njv_unmake_dirs() {\n\tjv_ubad=0\n");
    for d in m.dirs().iter().rev() {
        let _ = writeln!(s, "\tjv_unmkdir {} {} || jv_ubad=1", m.key(d), quote(d));
    }
    s.push_str("\treturn \"$jv_ubad\"\n}\n");
    check_config(m, s);
}

fn check_config(m: &Migration, s: &mut String) {
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
}

/// The main sequence: the guards every run passes, the steps, the end.
pub(super) fn main(m: &Migration, plan: &Plan<Sh>, s: &mut String) {
    s.push_str(MAIN_GUARDS);
    s.push_str(&sh::sequence(plan));
    s.push_str("trap - EXIT HUP INT TERM\njv_unlock\n");
    s.push_str(if m.adopt {
        "jv_log \"migrated: the jail runs on its image, now a jailvol container\"\n"
    } else {
        "jv_log \"migrated: the old root is kept at $jv_old; remove it when the jail works\"\n"
    });
}

/// The script.
pub(super) fn render(m: &Migration, c: &CreateCmds, plan: &Plan<Sh>) -> String {
    let mut s = String::new();
    header(m, plan, &mut s);
    values(m, &mut s);
    s.push_str(shell::MD_LIB);
    s.push_str(RUNTIME);
    support(m, c, &mut s);
    s.push_str(&sh::functions(plan));
    s.push('\n');
    s.push_str(&sh::rollback(
        plan,
        "jv_rollback",
        "\tjv_status=$?\n\tjv_rollback_begin\n",
        "\tjv_rollback_end\n",
    ));
    main(m, plan, &mut s);
    s
}

const MAIN_GUARDS: &str = r#"
# ---- main ----
[ "$(id -u)" = 0 ] || {
	printf 'jailvol migrate: %s\n' "must run as root" >&2
	exit 1
}
(umask 077 && mkdir -p "$jv_state")
if jv_done start; then
	jv_log "already migrated (remove $jv_state to run again)"
	exit 0
fi
# One run at a time: STATE/lock holds the running script's pid (a dead one's lock
# is taken over, so a run killed with -9 does not block the resume).
if ! mkdir "$jv_state/lock" 2>/dev/null; then
	jv_pid=$(cat "$jv_state/lock/pid" 2>/dev/null || :)
	if [ -n "$jv_pid" ] && kill -0 "$jv_pid" 2>/dev/null; then
		jv_die "another run (pid $jv_pid) is migrating $jv_name"
	fi
	jv_log "taking over the lock of a run that is gone (pid ${jv_pid:-unknown})"
fi
echo "$$" >"$jv_state/lock/pid"
# A run killed after it started the jail on its new configuration.
if jv_done config && jls -j "$jv_name" >/dev/null 2>&1; then
	: >"$jv_state/done.start"
	jv_unlock
	jv_log "jail $jv_name runs on its new configuration (started by an interrupted run): migrated"
	exit 0
fi
# Before anything is touched: the configuration this script was computed from.
if ! jv_done config && ! jv_check_config; then
	jv_unlock
	jv_die "this run changed nothing: print the script again (jailvol migrate $jv_name) and run that one"
fi
# A state directory serves one migration: the markers of another one (another
# root, container or size) are not taken for this one's once a container exists.
if [ -e "$jv_state/target" ] && [ "$(cat "$jv_state/target")" != "$jv_target" ]; then
	if jv_done allocate || [ -e "$jv_state/claimed" ]; then
		jv_unlock
		jv_die "$jv_state holds an unfinished migration of another root, container or size: finish it (or let it roll back) first, or use another state directory"
	fi
	rm -f "$jv_state/done.preflight" "$jv_state/done.backup"
fi
printf '%s\n' "$jv_target" >"$jv_state/target"
jv_log "migrating: log in $jv_log"
trap jv_rollback EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

if jls -j "$jv_name" >/dev/null 2>&1; then
	jv_running=yes
	[ "$jv_may_stop" = yes ] || jv_die "jail $jv_name is running: stop it first, or use --stop"
fi
"#;
