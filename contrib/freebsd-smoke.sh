#!/bin/sh
# End-to-end smoke test of jailvol on a real FreeBSD machine (a throw-away VM: it
# attaches an md unit, mounts, starts and stops a jail). Run as root from the source
# tree after `cargo build --release`:
#
#   [JVSMOKE_DIR=DIR] sh contrib/freebsd-smoke.sh [path/to/jailvol]
#
# Everything lives in one temporary directory below DIR (default /var/tmp: config,
# fstab, helper, container, root); nothing under /etc or /usr/local is touched. DIR may
# be reached through a symbolic link (as /home -> /usr/home is on a default install):
# jailvol is given the paths as written, while mount(8) and mdconfig(8) report them
# resolved, so this script compares resolved paths (realpath(1)). Steps:
#   1. a jail.conf with one jail, jvsmoke, $volume_size = 64M;
#   2. jailvol generate (hooks style) and jailvol create, populated from a few /rescue
#      links (one statically linked binary);
#   3. start it, fill its disk from inside (dd via jexec) until ENOSPC, and show that
#      the host's free space moved by less than the container's size;
#   4. stop it: the md unit is detached and nothing stays mounted;
#   5. start and stop it 3 more times: md units and mounts come back to where they were.
# Exit 0 when every check held; on failure the message says which one did not.
set -eu

JAILVOL=${1:-target/release/jailvol}
case $JAILVOL in
/*) ;;
*) JAILVOL=$(pwd)/$JAILVOL ;;
esac
NAME=jvsmoke
UNIT=${JVSMOKE_UNIT:-217}
SIZE_MB=64
ROUNDS=3

say() { printf 'freebsd-smoke: %s\n' "$*"; }
die() {
	printf 'freebsd-smoke: FAIL: %s\n' "$*" >&2
	exit 1
}

[ "$(uname -s)" = FreeBSD ] || die "this test needs FreeBSD (uname -s: $(uname -s))"
[ "$(id -u)" -eq 0 ] || die "run as root"
[ -x "$JAILVOL" ] || die "no jailvol binary at $JAILVOL (cargo build --release)"
if mdconfig -l | tr ' ' '\n' | grep -qx "md$UNIT"; then
	die "md$UNIT is in use on this host; pick another with JVSMOKE_UNIT=N"
fi

WORK=$(mktemp -d "${JVSMOKE_DIR:-/var/tmp}/jvsmoke.XXXXXX")
CONF=$WORK/jail.conf
ROOT=$WORK/root
FILE=$WORK/$NAME.ufs
STAGE=$WORK/stage

# PATH resolved, or as given once it no longer exists.
resolved() {
	realpath "$1" 2>/dev/null || printf '%s\n' "$1"
}
# md units (numbers) backed by FILE, from `mdconfig -l -v` (mdN TYPE SIZE FILE). The
# file is the realpath(3) mdconfig stored at attach (sbin/mdconfig/mdconfig.c
# md_set_file).
units_of() {
	mdconfig -l -v | awk -v f="$(resolved "$1")" '$4 == f { sub(/^md/, "", $1); print $1 }'
}
# Mount points at or below DIR. mount(8) mounts on the realpath(3) of the mount point
# (sbin/mount/getmntopts.c checkpath), and `mount -p` prints that.
mounts_below() {
	mount -p | awk -v d="$(resolved "$1")" '$2 == d || index($2, d "/") == 1 { print $2 }'
}
# Available KiB on the file system holding DIR.
avail_kb() {
	df -Pk "$1" | awk 'NR == 2 { print $4 }'
}
md_count() {
	mdconfig -l | wc -w | tr -d ' '
}
mount_count() {
	mount -p | wc -l | tr -d ' '
}
running() {
	jls -j "$NAME" jid >/dev/null 2>&1
}

cleanup() {
	status=$?
	set +e
	if running; then
		jail -f "$CONF" -r "$NAME"
	fi
	for m in $(mounts_below "$WORK" | sort -r); do
		umount -f "$m"
	done
	for u in $(units_of "$FILE"); do
		mdconfig -d -u "$u"
	done
	rm -rf "$WORK"
	if [ "$status" -eq 0 ]; then
		say "PASS"
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

say "work directory $WORK (resolved: $(resolved "$WORK"))"

# 1. The configuration.
mkdir -p "$ROOT" "$WORK/fstab"
cat >"$CONF" <<EOF
$NAME {
	path = "$ROOT";
	host.hostname = "$NAME.invalid";
	persist;
	mount.devfs;
	exec.start = "/rescue/sh -c true";
	\$volume_size = ${SIZE_MB}M;
	\$volume_file = "$FILE";
	\$volume_md_unit = $UNIT;
}
EOF

# 2. generate and create. The root: /dev for devfs and four /rescue links, which tar
# stores as one file (they are hard links of one static binary).
"$JAILVOL" -f "$CONF" generate --style hooks \
	--fstab-dir "$WORK/fstab" --helper "$WORK/jailvol-md"
say "jail.conf after generate:"
cat "$CONF"

mkdir -p "$STAGE/dev" "$STAGE/tmp"
tar -C / -cf - rescue/sh rescue/dd rescue/rm rescue/df | tar -C "$STAGE" -xpf -
"$JAILVOL" -f "$CONF" create --from "$STAGE" "$NAME"
[ -f "$FILE" ] || die "create made no container at $FILE"
[ -z "$(units_of "$FILE")" ] || die "create left md$(units_of "$FILE") attached"
[ -z "$(mounts_below "$ROOT")" ] || die "create left $ROOT mounted"
"$JAILVOL" -f "$CONF" check --style hooks \
	--fstab-dir "$WORK/fstab" --helper "$WORK/jailvol-md" ||
	die "check reports findings after generate and create"

md_before=$(md_count)
mounts_before=$(mount_count)

# 3. Start, fill until ENOSPC.
host_before=$(avail_kb "$WORK")
jail -f "$CONF" -c "$NAME"
running || die "jail $NAME did not start"
mounts_below "$ROOT" | grep -qx "$(resolved "$ROOT")" || die "$ROOT is not mounted after start"
[ "$(units_of "$FILE")" = "$UNIT" ] || die "md$UNIT does not hold $FILE after start"

if jexec "$NAME" /rescue/dd if=/dev/zero of=/fill bs=1m 2>"$WORK/dd.err"; then
	die "dd inside the jail wrote without limit"
fi
grep -q 'No space left on device' "$WORK/dd.err" ||
	die "dd failed, but not with ENOSPC: $(cat "$WORK/dd.err")"
fill_kb=$(du -k "$ROOT/fill" | awk '{ print $1 }')
host_after=$(avail_kb "$WORK")
moved=$((host_before - host_after))
say "the jail wrote ${fill_kb} KiB before ENOSPC; the host's free space moved by ${moved} KiB"
jexec "$NAME" /rescue/df -k /
[ "$fill_kb" -le $((SIZE_MB * 1024)) ] || die "the jail wrote more than ${SIZE_MB}M"
[ "$moved" -lt $((SIZE_MB * 1024)) ] ||
	die "the host lost ${moved} KiB, more than the container's ${SIZE_MB}M"
jexec "$NAME" /rescue/rm /fill

# 4. Stop: the unit goes, nothing stays mounted.
jail -f "$CONF" -r "$NAME"
running && die "jail $NAME still running after jail -r"
if mdconfig -l | tr ' ' '\n' | grep -qx "md$UNIT"; then
	die "md$UNIT still attached after stop"
fi
[ -z "$(mounts_below "$ROOT")" ] || die "still mounted after stop: $(mounts_below "$ROOT")"
[ "$(md_count)" -eq "$md_before" ] || die "md units: $md_before before, $(md_count) after"
[ "$(mount_count)" -eq "$mounts_before" ] || die "mounts: $mounts_before before, $(mount_count) after"

# 5. Nothing leaks over repeated starts and stops.
i=1
while [ "$i" -le "$ROUNDS" ]; do
	jail -f "$CONF" -c "$NAME"
	running || die "round $i: jail did not start"
	[ "$(units_of "$FILE")" = "$UNIT" ] || die "round $i: md$UNIT does not hold $FILE"
	jail -f "$CONF" -r "$NAME"
	[ -z "$(units_of "$FILE")" ] || die "round $i: md unit left attached"
	[ "$(md_count)" -eq "$md_before" ] || die "round $i: md units $md_before -> $(md_count)"
	[ "$(mount_count)" -eq "$mounts_before" ] || die "round $i: mounts $mounts_before -> $(mount_count)"
	say "round $i: started and stopped, nothing left behind"
	i=$((i + 1))
done
