//! Fake FreeBSD commands for `migrate`, as sh scripts keeping their state in a directory
//! (`$JV_STATE`): `md/N` holds the backing file of unit N, `fs/N` is the file system of
//! /dev/mdN while it is not mounted (made by newfs, with its `.snap`), `mnt/N` the mount
//! point while it is (mount moves `fs/N` onto the mount point, umount moves it back),
//! `running/NAME` a running jail; every call is logged to `log`. tar, dd, cp and mv wrap
//! the real ones. `JV_FAIL=WORD` makes one thing fail:
//!
//! | word | fails |
//! | --- | --- |
//! | `df-small`, `du-big` | df reports 1000 KiB free; du reports 99999999 KiB |
//! | `inodes` | find lists 100000 names |
//! | `stop` | `jail -r` / `service jail stop` |
//! | `cp` | `cp -p` into the state directory (the backup) |
//! | `dd` | dd |
//! | `attach` | `mdconfig -a` |
//! | `newfs`, `mount` | those commands |
//! | `umount`, `detach` | `umount` / `mdconfig -d`, the first time only (a busy device) |
//! | `umount-stuck` | `umount`, every time |
//! | `tar-c`, `tar-x` | either end of the copy |
//! | `tar-corrupt` | nothing fails, but one copied file gets an extra byte |
//! | `mtree-c`, `mtree-v` | making / checking the specification |
//! | `mv-swap` | renaming the old root to `*.pre-jailvol` |
//! | `mv-config` | the second atomic rename of a configuration file |
//! | `sysrc` | sysrc |
//! | `start` | `jail -c` / `service jail start`, the first time only |
//! | `crash-WORD` | like WORD, but the fake kills the script with SIGKILL (no rollback) |
//!
//! Used as `#[path = "common/fakemigrate.rs"] mod fakemigrate;` beside `mod common;`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// Writing an executable while another thread forks can make exec fail with ETXTBSY.
pub static SERIAL: Mutex<()> = Mutex::new(());

/// Sourced by every fake: logging and the failure switch. `jv_fail WORD` exits 1 (or kills
/// the script for `crash-WORD`) when JV_FAIL asks for WORD.
const LIB: &str = r#"
echo "$(basename "$0") $*" >> "$JV_STATE/log"
jv_fail() {
	if [ "${JV_FAIL:-}" = "$1" ]; then
		echo "$(basename "$0"): injected failure ($1)" >&2
		exit 1
	fi
	if [ "${JV_FAIL:-}" = "crash-$1" ]; then
		echo "$(basename "$0"): injected crash ($1)" >&2
		kill -KILL "$(cat "$JV_STATE/script.pid")"
		exit 1
	fi
}
# Only the first call fails (the new configuration does not start; the old one does).
jv_fail_once() {
	[ -e "$JV_STATE/failed.$1" ] && return 0
	if [ "${JV_FAIL:-}" = "$1" ]; then : > "$JV_STATE/failed.$1"; fi
	jv_fail "$1"
}
"#;

const ID: &str = r#"echo 0"#;

const JLS: &str = r#"
while getopts j: o; do case $o in j) name=$OPTARG ;; *) ;; esac; done
[ -e "$JV_STATE/running/$name" ] && { echo "   1  $name"; exit 0; }
echo "jls: jail \"$name\" not found" >&2
exit 1
"#;

const JAIL: &str = r#"
for name; do :; done
case " $* " in
*" -r "*) jv_fail stop; rm -f "$JV_STATE/running/$name" ;;
*" -c "*) jv_fail_once start; : > "$JV_STATE/running/$name" ;;
esac
"#;

const SERVICE: &str = r#"
[ "$1" = jail ] || exit 1
case "$2" in
stop) jv_fail stop; rm -f "$JV_STATE/running/$3" ;;
start) jv_fail_once start; : > "$JV_STATE/running/$3" ;;
esac
"#;

// sysrc -f FILE (-x VAR | VAR=VALUE): enough of sysrc(8) for the rc.conf switch.
const SYSRC: &str = r#"
jv_fail sysrc
file=""; del=no
while [ $# -gt 0 ]; do
	case "$1" in
	-f) file=$2; shift ;;
	-x) del=yes ;;
	*) break ;;
	esac
	shift
done
[ -n "$file" ] || { echo "sysrc: -f is required by the fake" >&2; exit 1; }
for a; do
	var=${a%%=*}
	grep -v "^$var=" "$file" > "$file.sysrc" || :
	if [ "$del" = no ]; then printf '%s="%s"\n' "$var" "${a#*=}" >> "$file.sysrc"; fi
	cat "$file.sysrc" > "$file"
	rm -f "$file.sysrc"
done
"#;

const MDCONFIG: &str = r#"
s=$JV_STATE
if [ "$1" = -l ]; then
	for n in $(ls "$s/md" | sort -n); do
		printf 'md%s\tvnode\t   64M\t%s\n' "$n" "$(cat "$s/md/$n")"
	done
	exit 0
fi
op=$1; shift
file=""; unit=""
while [ $# -gt 0 ]; do
	case "$1" in
	-t) shift ;;
	-f) file=$2; shift ;;
	-u) unit=${2#md}; shift ;;
	esac
	shift
done
case "$op" in
-a)
	jv_fail attach
	[ -f "$file" ] || { echo "mdconfig: $file: No such file or directory" >&2; exit 1; }
	[ -e "$s/md/$unit" ] && { echo "mdconfig: ioctl(/dev/mdctl): Device busy" >&2; exit 1; }
	printf '%s' "$file" > "$s/md/$unit"
	;;
-d)
	jv_fail_once detach
	[ -e "$s/md/$unit" ] || { echo "mdconfig: ioctl(/dev/mdctl): No such file or directory" >&2; exit 1; }
	[ -e "$s/mnt/$unit" ] && { echo "mdconfig: ioctl(/dev/mdctl): Device busy" >&2; exit 1; }
	rm "$s/md/$unit"
	;;
esac
"#;

const NEWFS: &str = r#"
for dev; do :; done
jv_fail newfs
n=${dev#/dev/md}
[ -e "$JV_STATE/md/$n" ] || { echo "newfs: $dev: No such file or directory" >&2; exit 1; }
[ -e "$JV_STATE/mnt/$n" ] && { echo "newfs: $dev: Device busy" >&2; exit 1; }
rm -rf "$JV_STATE/fs/$n"
mkdir -p "$JV_STATE/fs/$n/.snap"
"#;

const MOUNT: &str = r#"
jv_fail mount
dev=""; for a; do case "$a" in /dev/md*) dev=${a#/dev/md} ;; esac; done
for mp; do :; done
[ -d "$JV_STATE/fs/$dev" ] || { echo "mount: /dev/md$dev: Invalid argument" >&2; exit 1; }
rmdir "$mp" || exit 1
mv "$JV_STATE/fs/$dev" "$mp"
printf '%s' "$mp" > "$JV_STATE/mnt/$dev"
"#;

const UMOUNT: &str = r#"
jv_fail_once umount
jv_fail umount-stuck
for f in "$JV_STATE"/mnt/*; do
	if [ -e "$f" ] && [ "$(cat "$f")" = "$1" ]; then
		n=$(basename "$f")
		mv "$1" "$JV_STATE/fs/$n" && mkdir "$1" && rm "$f"
		exit
	fi
done
echo "umount: $1: not a file system root directory" >&2
exit 1
"#;

const DF: &str = r#"
avail=10000000
[ "${JV_FAIL:-}" = df-small ] && avail=1000
echo "Filesystem 1024-blocks Used Avail Capacity Mounted on"
echo "/dev/ada0p2 20000000 1000 $avail 1% /"
"#;

const DU: &str = r#"
for d; do :; done
if [ "${JV_FAIL:-}" = du-big ]; then echo "99999999	$d"; exit 0; fi
/usr/bin/du -sk "$d"
"#;

// find: JV_FAIL=inodes lists 100000 names (more than a 64M container has inodes).
const FIND: &str = r#"
if [ "${JV_FAIL:-}" = inodes ]; then seq 1 100000; exit 0; fi
exec /usr/bin/find "$@"
"#;

const TAR: &str = r#"
case " $* " in
*" -cpf "*) jv_fail tar-c ;;
*" -xpf "*) jv_fail tar-x ;;
esac
/usr/bin/tar "$@" || exit
if [ "${JV_FAIL:-}" = tar-corrupt ]; then
	case " $* " in *" -xpf "*) printf x >> "$2/etc/motd" ;; esac
fi
"#;

// dd: the size is checked, the file made sparse (tests need not write 64 MiB).
const DD: &str = r#"
jv_fail dd
of=""; bs=""; count=""
for a; do
	case "$a" in of=*) of=${a#of=} ;; bs=*) bs=${a#bs=} ;; count=*) count=${a#count=} ;; esac
done
/usr/bin/truncate -s "$((bs * count))" "$of"
"#;

const CP: &str = r#"
for last; do :; done
case "$last" in */saved.*) jv_fail cp ;; esac
exec /bin/cp "$@"
"#;

const MV: &str = r#"
src=""; last=""
for a; do src=$last; last=$a; done
case "$last" in *.pre-jailvol) jv_fail mv-swap ;; esac
case "$src" in
*.jailvol-new)
	n=$(cat "$JV_STATE/mvcount" 2>/dev/null || echo 0)
	n=$((n + 1))
	echo "$n" > "$JV_STATE/mvcount"
	[ "$n" = 2 ] && jv_fail mv-config
	;;
esac
exec /bin/mv "$@"
"#;

// mtree -c -k KEYS [-X EXCL] -p DIR | mtree -f SPEC [-X EXCL] -p DIR: a listing with
// type, mode, size, link target and SHA-256 of each file (a fake: not FreeBSD's format).
const MTREE: &str = r#"
spec=""; excl=""; dir=""; create=no
while [ $# -gt 0 ]; do
	case "$1" in
	-c) create=yes ;;
	-k) shift ;;
	-f) spec=$2; shift ;;
	-X) excl=$2; shift ;;
	-p) dir=$2; shift ;;
	esac
	shift
done
listing() {
	(cd "$1" && find . | LC_ALL=C sort) | while IFS= read -r p; do
		if [ -n "$excl" ] && grep -qxF "$p" "$excl"; then continue; fi
		skip=no
		if [ -n "$excl" ]; then
			while IFS= read -r e; do case "$p" in "$e"/*) skip=yes ;; esac; done < "$excl"
		fi
		[ "$skip" = yes ] && continue
		f="$1/$p"
		if [ -L "$f" ]; then
			echo "$p type=link link=$(readlink "$f")"
		elif [ -d "$f" ]; then
			echo "$p type=dir mode=$(stat -c %a "$f")"
		else
			echo "$p type=file mode=$(stat -c %a "$f") size=$(stat -c %s "$f") sha256digest=$(sha256sum < "$f" | cut -d' ' -f1)"
		fi
	done
}
if [ "$create" = yes ]; then
	jv_fail mtree-c
	listing "$dir"
else
	jv_fail mtree-v
	listing "$dir" > "$JV_STATE/mtree.now"
	if ! cmp -s "$spec" "$JV_STATE/mtree.now"; then
		diff "$spec" "$JV_STATE/mtree.now"
		exit 2
	fi
fi
"#;

pub struct Fake {
    pub dir: tempfile::TempDir,
    pub state: PathBuf,
    pub bin: PathBuf,
}

fn write_exec(p: &Path, body: &str) {
    crate::common::write_exec(p, &format!("#!/bin/sh\n{LIB}{body}"));
}

pub fn fake() -> Fake {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let bin = dir.path().join("bin");
    for d in ["md", "mnt", "fs", "running"] {
        std::fs::create_dir_all(state.join(d)).unwrap();
    }
    std::fs::create_dir_all(&bin).unwrap();
    for (name, body) in [
        ("id", ID),
        ("jls", JLS),
        ("jail", JAIL),
        ("service", SERVICE),
        ("sysrc", SYSRC),
        ("mdconfig", MDCONFIG),
        ("newfs", NEWFS),
        ("mount", MOUNT),
        ("umount", UMOUNT),
        ("df", DF),
        ("du", DU),
        ("tar", TAR),
        ("find", FIND),
        ("dd", DD),
        ("cp", CP),
        ("mv", MV),
        ("mtree", MTREE),
    ] {
        write_exec(&bin.join(name), body);
    }
    Fake { dir, state, bin }
}

impl Fake {
    /// Run a script under dash with the fakes first on PATH. The script's pid is written
    /// for `crash-*` failures.
    pub fn run_script(&self, script: &Path, fail: &str) -> crate::common::Run {
        let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let _ = std::fs::remove_file(self.state.join("mvcount"));
        let wrapper = format!(
            "echo $$ > \"$JV_STATE/script.pid\"; exec dash {}",
            jailvol::shell::quote(&script.to_string_lossy())
        );
        let mut c = Command::new("dash");
        c.arg("-c")
            .arg(wrapper)
            .env_clear()
            .env("PATH", format!("{}:/usr/bin:/bin", self.bin.display()))
            .env("JV_STATE", &self.state)
            .env("JV_FAIL", fail)
            .env("LC_ALL", "C");
        crate::common::run(c)
    }
    pub fn running(&self, name: &str) -> bool {
        self.state.join("running").join(name).exists()
    }
    pub fn set_running(&self, name: &str) {
        std::fs::write(self.state.join("running").join(name), "").unwrap();
    }
    pub fn units(&self) -> Vec<String> {
        names(&self.state.join("md"))
    }
    pub fn mounts(&self) -> Vec<String> {
        names(&self.state.join("mnt"))
    }
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.state.join("log")).unwrap_or_default()
    }
}

fn names(d: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(d)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// A recursive listing of `dir` with each entry's type, permission bits, symlink target
/// and file content, skipping `skip` (relative paths and what is below them).
pub fn snapshot(dir: &Path, skip: &[&str]) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            if skip
                .iter()
                .any(|s| rel == *s || rel.starts_with(&format!("{s}/")))
            {
                continue;
            }
            let meta = std::fs::symlink_metadata(&p).unwrap();
            let mode = meta.permissions().mode() & 0o7777;
            if meta.file_type().is_symlink() {
                out.push(format!(
                    "{rel} link -> {}",
                    std::fs::read_link(&p).unwrap().display()
                ));
            } else if meta.is_dir() {
                out.push(format!("{rel} dir {mode:o}"));
                stack.push(p);
            } else {
                let content = std::fs::read(&p).unwrap();
                out.push(format!(
                    "{rel} file {mode:o} {:?}",
                    String::from_utf8_lossy(&content)
                ));
            }
        }
    }
    out.sort();
    out
}
