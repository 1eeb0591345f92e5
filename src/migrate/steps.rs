//! The migration as the engine's step list: each step's sh body (its function in the
//! script) and its undo (its part of the rollback, run last step first). The script's
//! runtime (src/sh/migrate.sh) runs them: a step is skipped when its marker says an
//! earlier run finished it, and every undo is guarded by the state it undoes, because a
//! resumed run's rollback also undoes what an earlier run did.

use std::fmt::Write as _;

use super::{Migration, cksum};
use crate::engine::sh::Sh;
use crate::engine::{Plan, Step, Undo};
use crate::shell::{self, quote};

/// The script's plan. `cmds` are `jailvol create`'s commands for the container.
pub(super) fn plan(m: &Migration, cmds: &super::CreateCmds) -> Plan<Sh> {
    if m.adopt {
        return adopt(m);
    }
    let mut p = Plan::new(m.jail.clone());
    p.push(
        Step::new("preflight", Sh::new(&[], PREFLIGHT)).undo(Undo::new(Sh::new(
            &["forget the preflight (and the state's target) when no container was made"],
            PREFLIGHT_UNDO,
        ))),
    );
    p.push(stop(m));
    p.push(backup(m));
    p.push(allocate(m));
    p.push(
        Step::new(
            "newfs",
            Sh::new(&[], format!("\tjv_attach_container\n\tjv_run {}\n", cmds.newfs)),
        )
        .undo(Undo::new(Sh::new(
            &["detach every unit of the container (none while it stays mounted)"],
            NEWFS_UNDO,
        ))),
    );
    p.push(copy(cmds));
    p.push(Step::new("verify", Sh::new(VERIFY_DOC, VERIFY)));
    p.push(
        Step::new("swap", Sh::new(SWAP_DOC, SWAP))
            .undo(Undo::new(Sh::new(&["the old root back"], SWAP_UNDO))),
    );
    p.push(config(m));
    p.push(start(m));
    p
}

/// An adopted container (an ezjail `simple` image, [`Migration::adopt`]): the jail
/// stopped, its configuration switched, started on the image as it is. The image is
/// read by nothing here and written by nothing: no allocate, newfs, copy, verify or swap.
fn adopt(m: &Migration) -> Plan<Sh> {
    let mut p = Plan::new(m.jail.clone());
    p.push(
        Step::new("preflight", Sh::new(ADOPT_PREFLIGHT_DOC, adopt_preflight())).undo(Undo::new(Sh::new(
            &["forget the preflight (and the state's target)"],
            PREFLIGHT_UNDO,
        ))),
    );
    p.push(stop(m));
    p.push(backup(m));
    p.push(config(m));
    let mut start = start(m);
    start.undo = Some(Undo::new(Sh::new(
        &[
            "what a start of the jail left: mounts at its root and the image's md units (ezjail",
            "attaches the image itself when the rollback starts the jail again)",
        ],
        ADOPT_START_UNDO,
    )));
    p.push(start);
    p
}

fn stop(m: &Migration) -> Step<Sh> {
    let idle = if m.adopt {
        ADOPT_IDLE
    } else {
        "\tjv_check_mounts\n"
    };
    let body = format!(
        "\tjv_run {}\n\
         \tjv_stopped=yes\n\
         \tif jls -j \"$jv_name\" >/dev/null 2>&1; then\n\
         \t\tjv_die \"jail $jv_name is still running\"\n\
         \tfi\n\
         {idle}",
        shell::command(&m.stop_cmd())
    );
    let undo = format!(
        "\tif [ \"$jv_stopped\" = yes ] && [ -z \"$jv_left\" ]; then\n\
         \t\tjv_log \"starting $jv_name again with its old configuration\"\n\
         \t\t{} || jv_left=\"$jv_left; the jail could not be started again\"\n\
         \tfi\n",
        shell::command(&m.restart_cmd())
    );
    let doc = &[
        "Stop the running jail (--stop; every run that finds it running): it must then be",
        "gone, and nothing be mounted at or below its root any more. No marker.",
    ];
    let mut s = Sh::new(doc, body);
    s.when = Some("[ \"$jv_running\" = yes ]".into());
    Step::new("stop", s).undo(Undo::new(Sh::new(
        &["start it again with its old configuration (nothing left over)"],
        undo,
    )))
}

fn backup(m: &Migration) -> Step<Sh> {
    let mut body = String::new();
    if m.saves.is_empty() {
        body.push_str("\t:\n");
    }
    for p in &m.saves {
        let _ = writeln!(body, "\tjv_save {} {}", m.key(p), quote(p));
    }
    let doc = &[
        "Safety copies of every configuration file the config step changes (absent ones",
        "too), made early so that a state directory that cannot hold them stops the run",
        "before anything else; the step copies each file again just before it first",
        "changes it, and the rollback restores that copy.",
    ];
    Step::new("backup", Sh::new(doc, body))
}

/// The size as dd(1) arguments: whole MiB when it divides, else 512-byte sectors
/// (`jailvol` sizes are whole sectors).
pub(super) fn dd_blocks(size: u64) -> (u64, u64) {
    if size.is_multiple_of(1 << 20) {
        (1 << 20, size >> 20)
    } else {
        (512, size / 512)
    }
}

fn allocate(m: &Migration) -> Step<Sh> {
    let (bs, count) = dd_blocks(m.size);
    let body = format!(
        "\tif [ -e \"$jv_state/claimed\" ]; then\n\
         \t\tjv_log \"an earlier allocation was interrupted: writing $jv_file again\"\n\
         \telse\n\
         \t\t[ ! -e \"$jv_file\" ] || jv_die \"$jv_file exists: a container is never overwritten\"\n\
         \t\tset -C\n\
         \t\t: >\"$jv_file\"\n\
         \t\tset +C\n\
         \t\t: >\"$jv_state/claimed\"\n\
         \tfi\n\
         \tjv_created=yes\n\
         \tjv_run dd if=/dev/zero of=\"$jv_file\" bs={bs} count={count}\n"
    );
    let doc = &[
        "Allocate with dd(1) from /dev/zero, like ezjail: every block is written, so the",
        "space is really reserved (truncate -s would make a sparse file that can fail with",
        "ENOSPC inside the jail later). The file is claimed first with noclobber (O_EXCL).",
    ];
    Step::new("allocate", Sh::new(doc, body)).undo(Undo::new(Sh::new(
        &["remove the container if this run created it (never while attached)"],
        ALLOCATE_UNDO,
    )))
}

fn copy(cmds: &super::CreateCmds) -> Step<Sh> {
    let body = format!(
        "\tif [ -e \"$jv_state/copy.started\" ]; then\n\
         \t\tjv_log \"an earlier copy was interrupted: formatting the container again\"\n\
         \t\tjv_reformat\n\
         \tfi\n\
         \tjv_mount\n\
         \t: >\"$jv_state/copy.started\"\n\
         \trm -f \"$jv_state/tar.failed\"\n\
         \t{{ jv_run {} || : >\"$jv_state/tar.failed\"; }} | jv_run {}\n\
         \t[ ! -e \"$jv_state/tar.failed\" ] || jv_die \"tar could not read all of $jv_root\"\n\
         \trm -f \"$jv_state/copy.started\"\n\
         \tjv_copied=yes\n",
        cmds.tar_c, cmds.tar_x
    );
    let doc = &[
        "bsdtar -p restores owners, modes, file flags and ACLs; --one-file-system does not",
        "cross mount points (bsdtar.1): something mounted below the root is not copied.",
        "Both ends are checked, as sh has no pipefail.",
    ];
    Step::new("copy", Sh::new(doc, body)).undo(Undo::new(Sh::new(
        &["unmount the container (copy, verify and swap mount it)"],
        COPY_UNDO,
    )))
}

fn config(m: &Migration) -> Step<Sh> {
    let mut body = String::from(
        "\tjv_check_config || jv_die \"print the script again (jailvol migrate $jv_name) and run that one\"\n\
         \t: >\"$jv_state/config.started\"\n",
    );
    for d in &m.dirs() {
        let _ = writeln!(body, "\tjv_mkdir {} {}", m.key(d), quote(d));
    }
    for w in &m.writes {
        let _ = writeln!(
            body,
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
            body,
            "\tjv_edit {} {} {}",
            m.key(&e.file),
            quote(&e.file),
            shell::command(&e.argv)
        );
    }
    let doc = &[
        "The configuration: the files generate would write (atomically), then the rc.conf",
        "switch (sysrc), after the configuration check again.",
    ];
    Step::new("config", Sh::new(doc, body)).undo(Undo::new(Sh::new(
        &["the configuration files back from their saved copies"],
        CONFIG_UNDO,
    )))
}

fn start(m: &Migration) -> Step<Sh> {
    let body = format!(
        "\tif [ -n \"$(jv_mounts)\" ]; then\n\
         \t\tjv_log \"an interrupted start left mounts at $jv_root: unmounting them\"\n\
         \t\tjv_unmount_below\n\
         \tfi\n\
         \tjv_detach\n\
         \tjv_run {}\n\
         \tif ! jls -j \"$jv_name\" >/dev/null 2>&1; then\n\
         \t\tjv_die \"jail $jv_name is not running after the start command (its output is above)\"\n\
         \tfi\n",
        shell::command(&m.start_cmd())
    );
    let doc = &[
        "Start the jail on its container. An interrupted start (a kill while jail(8) was",
        "mounting) can have left mounts on the empty mount point and md units: they are",
        "cleared first. rc.d/jail's start exits 0 even when the jail does not start",
        "(libexec/rc/rc.d/jail jail_start prints \"cannot start jail\" and ends with",
        "`echo .`), so whether it runs is asked of jls(8), for jail(8) too.",
    ];
    Step::new("start", Sh::new(doc, body)).undo(Undo::new(Sh::new(
        &["what a start of the jail left on the empty mount point"],
        START_UNDO,
    )))
}

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

const ADOPT_PREFLIGHT_DOC: &[&str] = &[
    "The image is the container as it is (ezjail-admin create -i ran newfs on its md",
    "unit): it must be a file; with the jail stopped nothing is mounted at its root.",
];

fn adopt_preflight() -> String {
    let idle: String = ADOPT_IDLE.lines().map(|l| format!("\t{l}\n")).collect();
    format!(
        "\t[ -d \"$jv_root\" ] || jv_die \"$jv_root is not a directory\"\n\
         \t[ -f \"$jv_file\" ] || jv_die \"$jv_file, the jail's image, is not a file\"\n\
         \t# A running jail has the image mounted there: checked once it is stopped.\n\
         \tif [ \"$jv_running\" = no ]; then\n\
         {idle}\
         \tfi\n\
         \tjv_log \"adopting $jv_file in place: no copy\"\n"
    )
}

/// With the jail stopped nothing is mounted at or below its root: rc.d/jail unmounted
/// the image (its fstab's `ROOTDIR.device` line) and ezjail.sh's stop detached the md
/// unit (ezjail.sh:186-215 `attach_detach_pre`/`attach_detach_post`; not for an empty
/// `_imagetype`, whose unit the start step detaches).
const ADOPT_IDLE: &str = r#"	if [ -n "$(jv_mounts)" ]; then
		jv_mounts | while IFS= read -r jv_p; do
			jv_log "mounted at or below the root: $jv_p"
		done
		jv_die "something is mounted at or below $jv_root with the jail stopped (above): unmount it first"
	fi
"#;

/// Once the config step is done (and only then: before it, what is mounted at the root
/// or attached is not this run's), a jail that is not running leaves nothing mounted at
/// its root and no md unit on the image (geli first, for an eli image: md(4) cannot
/// detach a unit geli holds open): ezjail attaches the image again when the
/// rollback starts the jail with it, and two units on one file would corrupt it, so a
/// unit that stays is a leftover that keeps the jail from being started again.
const ADOPT_START_UNDO: &str = r#"	if [ -e "$jv_state/done.config" ] && ! jls -j "$jv_name" >/dev/null 2>&1; then
		if [ -n "$(jv_mounts)" ]; then
			jv_unmount_below || jv_left="$jv_left; something is still mounted at $jv_root"
		fi
		for jv_u in $(jv_units); do
			if ! jv_geli_detach "$jv_u" || ! mdconfig -d -u "$jv_u"; then
				jv_left="$jv_left; md$jv_u still holds $jv_file"
			fi
		done
	fi
	rm -f "$jv_state/done.start"
"#;

const PREFLIGHT_UNDO: &str = r#"	if [ ! -e "$jv_state/done.allocate" ]; then
		rm -f "$jv_state/done.preflight" "$jv_state/target"
	fi
"#;

const ALLOCATE_UNDO: &str = r#"	if [ "$jv_created" = yes ]; then
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
"#;

const NEWFS_UNDO: &str = r#"	if [ ! -e "$jv_state/mounted" ]; then
		for jv_u in $(jv_units); do
			if ! mdconfig -d -u "$jv_u"; then
				jv_left="$jv_left; md$jv_u still holds $jv_file"
			fi
		done
		if [ -d "$jv_mnt" ]; then
			rmdir "$jv_mnt" || jv_left="$jv_left; $jv_mnt is left"
		fi
	fi
"#;

const COPY_UNDO: &str = r#"	if [ -e "$jv_state/mounted" ] && ! jv_attached; then
		rm -f "$jv_state/mounted"
	fi
	if [ -e "$jv_state/mounted" ]; then
		if umount "$jv_mnt"; then
			rm -f "$jv_state/mounted"
		else
			jv_left="$jv_left; $jv_mnt is still mounted"
		fi
	fi
"#;

const VERIFY_DOC: &[&str] = &[
    "A copy an earlier run made may be older than the root (the jail ran on the root after",
    "that run was killed or rolled back): it is then made again.",
];

const VERIFY: &str = r#"	jv_compare
	if [ "$jv_same" = no ] && [ "$jv_copied" = no ]; then
		jv_log "$jv_root differs from the copy an earlier run made: copying it again"
		jv_reformat
		jv_copy
		jv_compare
	fi
	[ "$jv_same" = yes ] ||
		jv_die "the copy differs from $jv_root (mtree report: $jv_state/mtree.report)"
	jv_verified=yes
"#;

const SWAP_DOC: &[&str] = &[
    "Unmount and detach the container, then rename the old root away (never deleted) and",
    "make the empty mount point. Each half is skipped when an interrupted run did it.",
    "Right before the rename, with the jail stopped, the copy is compared with the root",
    "again unless this run has just done so: a stale copy is never swapped in.",
];

const SWAP: &str = r#"	if [ ! -e "$jv_old" ]; then
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
"#;

const SWAP_UNDO: &str = r#"	if [ -e "$jv_old" ]; then
		if [ -d "$jv_root" ] && ! rmdir "$jv_root"; then
			jv_left="$jv_left; $jv_root is not empty: the old root is still at $jv_old"
		elif mv "$jv_old" "$jv_root"; then
			jv_log "restored the old root at $jv_root"
		else
			jv_left="$jv_left; the old root is still at $jv_old"
		fi
	fi
	rm -f "$jv_state/done.swap"
"#;

const CONFIG_UNDO: &str = r#"	if jv_restore_all && jv_unmake_dirs; then
		rm -f "$jv_state/done.backup" "$jv_state"/saved.* "$jv_state"/absent.*
	else
		jv_left="$jv_left; configuration not fully restored (see above): copies in $jv_state/saved.*"
	fi
	rm -f "$jv_state/done.config" "$jv_state/config.started" "$jv_state"/touched.* "$jv_state"/wrote.*
"#;

/// jail(8) unmounts what it mounted when a start fails, but not when it is killed.
const START_UNDO: &str = r#"	if [ -e "$jv_old" ] && ! jls -j "$jv_name" >/dev/null 2>&1 && [ -n "$(jv_mounts)" ]; then
		jv_unmount_below || jv_left="$jv_left; something is still mounted at $jv_root"
	fi
	rm -f "$jv_state/done.start"
"#;
