# The runtime of the script `jailvol migrate` prints (src/migrate/): the log, the step
# runner and its markers, the container's units (through the md library, src/sh/md.sh,
# which the script carries before this file), the mounts at or below the root, the
# config step's saved copies and atomic writes, the comparison of the copy with the
# root, and the frame of the rollback. The script sets the jv_* variables read here
# (jv_name, jv_state, jv_file, ...) and defines the steps' functions and the rest
# (src/migrate/steps.rs), which these call by name.

jv_log() {
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

# A new, empty file system in the container, for a fresh copy.
jv_reformat() {
	jv_unmount
	jv_newfs
}

# The frame of the rollback, the EXIT trap's function (jv_rollback: the undos of the
# steps, the last step's first, between these two). On any failure (set -e, a signal)
# the rollback undoes in reverse, then exits non-zero. Steps whose result is undone
# lose their done.STEP file; a container made by an earlier run stays, with its steps,
# so the next run continues from it (its copy is compared with the root again before
# it is swapped in). Each undo adds what it cannot undo to jv_left.
jv_rollback_begin() {
	trap - EXIT HUP INT TERM
	set +e
	case "$jv_status" in
	129 | 130 | 143) ;;
	*) jv_status=1 ;;
	esac
	jv_log "failed (exit $jv_status): rolling back"
	jv_left=""
}

jv_rollback_end() {
	jv_unlock
	if [ -n "$jv_left" ]; then
		jv_log "rollback incomplete${jv_left}"
	else
		jv_log "rolled back: root and configuration are as before"
	fi
	exit "$jv_status"
}
