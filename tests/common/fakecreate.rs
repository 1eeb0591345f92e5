//! Fake FreeBSD commands for `create`: mdconfig, newfs, mount, umount and tar as sh
//! scripts keeping state in a directory (`md/N` holds the backing file of unit N,
//! `mnt/N` the mount point of /dev/mdN) and logging every call to `log`. Setting
//! `JV_FAIL` to a word makes the matching command fail: `attach`, `detach`, `newfs`,
//! `mount`, `umount`, `tar-c`, `tar-x`.
//!
//! Used as `#[path = "common/fakecreate.rs"] mod fakecreate;` beside `mod common;`.

use crate::common::write_exec;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Writing an executable while another test thread forks can make its exec fail with
/// ETXTBSY (the child briefly holds the write descriptor): script writes and runs take
/// turns.
static SERIAL: Mutex<()> = Mutex::new(());

pub struct Fake {
    /// Keeps the scratch directory alive.
    #[allow(dead_code)]
    pub dir: tempfile::TempDir,
    pub state: PathBuf,
    pub bin: PathBuf,
    /// Where the containers go.
    pub jails: PathBuf,
    pub conf: PathBuf,
}

const MDCONFIG: &str = r#"#!/bin/sh
s=$JV_STATE
echo "mdconfig $*" >> "$s/log"
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
	[ "$JV_FAIL" = attach ] && { echo "mdconfig: ioctl(/dev/mdctl): Device busy" >&2; exit 1; }
	[ -f "$file" ] || { echo "mdconfig: $file: No such file or directory" >&2; exit 1; }
	[ -e "$s/md/$unit" ] && { echo "mdconfig: ioctl(/dev/mdctl): Device busy" >&2; exit 1; }
	printf '%s' "$file" > "$s/md/$unit"
	;;
-d)
	[ "$JV_FAIL" = detach ] && { echo "mdconfig: ioctl(/dev/mdctl): Device busy" >&2; exit 1; }
	[ -e "$s/md/$unit" ] || { echo "mdconfig: ioctl(/dev/mdctl): No such file or directory" >&2; exit 1; }
	[ -e "$s/mnt/$unit" ] && { echo "mdconfig: ioctl(/dev/mdctl): Device busy" >&2; exit 1; }
	rm "$s/md/$unit"
	;;
esac
"#;

const NEWFS: &str = r#"#!/bin/sh
echo "newfs $*" >> "$JV_STATE/log"
for dev; do :; done
[ "$JV_FAIL" = newfs ] && { echo "newfs: $dev: Operation not permitted" >&2; exit 1; }
[ -e "$JV_STATE/md/${dev#/dev/md}" ] || { echo "newfs: $dev: No such file or directory" >&2; exit 1; }
touch "$JV_STATE/newfs.${dev#/dev/md}"
"#;

const MOUNT: &str = r#"#!/bin/sh
echo "mount $*" >> "$JV_STATE/log"
[ "$JV_FAIL" = mount ] && { echo "mount: /dev/md: Invalid argument" >&2; exit 1; }
dev=""; for a; do case "$a" in /dev/md*) dev=${a#/dev/md} ;; esac; done
for mp; do :; done
[ -d "$mp" ] || { echo "mount: $mp: No such file or directory" >&2; exit 1; }
printf '%s' "$mp" > "$JV_STATE/mnt/$dev"
"#;

const UMOUNT: &str = r#"#!/bin/sh
echo "umount $*" >> "$JV_STATE/log"
[ "$JV_FAIL" = umount ] && { echo "umount: unmount of $1 failed: Device busy" >&2; exit 1; }
for f in "$JV_STATE"/mnt/*; do
	[ -e "$f" ] && [ "$(cat "$f")" = "$1" ] && { rm "$f"; exit 0; }
done
echo "umount: $1: not a file system root directory" >&2
exit 1
"#;

// tar: -c writes a listing of DIR as the "archive"; -x with -f - stores stdin in the
// state (never in the mount point, which the fake mount does not really mount).
const TAR: &str = r#"#!/bin/sh
echo "tar $*" >> "$JV_STATE/log"
dir=""; mode=""; file=""
while [ $# -gt 0 ]; do
	case "$1" in
	-C) dir=$2; shift ;;
	-cpf) mode=c; file=$2; shift ;;
	-xpf) mode=x; file=$2; shift ;;
	esac
	shift
done
if [ "$mode" = c ]; then
	[ "$JV_FAIL" = tar-c ] && { echo "tar: ./x: Cannot stat: Permission denied" >&2; exit 1; }
	(cd "$dir" && find . | LC_ALL=C sort)
else
	[ "$JV_FAIL" = tar-x ] && { echo "tar: Error exit delayed from previous errors." >&2; cat >/dev/null; exit 1; }
	if [ "$file" = - ]; then cat > "$JV_STATE/extracted"; else printf '%s\n' "$file" > "$JV_STATE/extracted"; fi
fi
"#;

pub fn fake(conf_body: &str) -> Fake {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let bin = dir.path().join("bin");
    let jails = dir.path().join("jails");
    for d in [&state, &bin, &jails, &state.join("md"), &state.join("mnt")] {
        std::fs::create_dir_all(d).unwrap();
    }
    for (name, text) in [
        ("mdconfig", MDCONFIG),
        ("newfs", NEWFS),
        ("mount", MOUNT),
        ("umount", UMOUNT),
        ("tar", TAR),
    ] {
        write_exec(&bin.join(name), text);
    }
    let conf = dir.path().join("jail.conf");
    std::fs::write(&conf, conf_body.replace("@JAILS@", &jails.to_string_lossy())).unwrap();
    Fake {
        dir,
        state,
        bin,
        jails,
        conf,
    }
}

impl Fake {
    /// jailvol with the fakes first on PATH, as root for the test.
    pub fn create(&self, args: &[&str], fail: &str) -> crate::common::Run {
        let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let mut c = crate::common::jailvol();
        c.env(
            "PATH",
            format!(
                "{}:{}",
                self.bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("JV_STATE", &self.state)
        .env("JV_FAIL", fail)
        .env("JAILVOL_ASSUME_ROOT", "1")
        .arg("-f")
        .arg(&self.conf)
        .arg("create")
        .args(args);
        crate::common::run(c)
    }
    pub fn units(&self) -> Vec<String> {
        names(&self.state.join("md"))
    }
    pub fn mounts(&self) -> Vec<String> {
        names(&self.state.join("mnt"))
    }
    /// Everything in the containers' directory.
    pub fn left(&self) -> Vec<String> {
        names(&self.jails)
    }
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.state.join("log")).unwrap_or_default()
    }
    pub fn extracted(&self) -> String {
        std::fs::read_to_string(self.state.join("extracted")).unwrap_or_default()
    }
}

fn names(d: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}
