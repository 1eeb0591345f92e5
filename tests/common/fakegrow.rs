//! Fake FreeBSD commands for `grow` and `status`: mdconfig (-a, -d, -r, -l -v), growfs,
//! fsck, mount -p, df -k -i and jls as sh scripts keeping state in a directory:
//!
//! * `md/N` holds the backing file of unit N, `md/N.size` the size md(4) sees (the
//!   file's size at attach time, or the -r size: md does not follow the file);
//! * `mnt/N` holds the mount point of /dev/mdN (printed by `mount -p`);
//! * `jails/NAME` holds the jid of a running jail (read by `jls -j NAME jid`);
//! * `fs.N` the size growfs last grew /dev/mdN to.
//!
//! Every call is logged to `log`. `JV_FAIL` makes one thing fail: `attach`, `detach`,
//! `resize`, `no-r` (an mdconfig without -r, before FreeBSD 10), `growfs`, `fsck`,
//! `mdlist`.
//!
//! Used as `#[path = "common/fakegrow.rs"] mod fakegrow;` beside `mod common;`.

#![allow(dead_code)]

use crate::common::write_exec;
use std::path::PathBuf;
use std::sync::Mutex;

/// Script writes and runs take turns (ETXTBSY when another thread forks mid-write).
static SERIAL: Mutex<()> = Mutex::new(());

pub struct Fake {
    pub dir: tempfile::TempDir,
    pub state: PathBuf,
    pub bin: PathBuf,
    pub jails: PathBuf,
    pub conf: PathBuf,
}

const MDCONFIG: &str = r#"#!/bin/sh
s=$JV_STATE
echo "mdconfig $*" >> "$s/log"
op=$1; shift
if [ "$op" = -l ]; then
	[ "$JV_FAIL" = mdlist ] && { echo "mdconfig: open(/dev/mdctl): Permission denied" >&2; exit 1; }
	for n in $(ls "$s/md" | grep -v size | sort -n); do
		printf 'md%s\tvnode\t%6s\t%s\t\n' "$n" "$(( $(cat "$s/md/$n.size") / 1048576 ))M" "$(cat "$s/md/$n")"
	done
	exit 0
fi
if [ "$op" = -r ] && [ "$JV_FAIL" = no-r ]; then
	echo "mdconfig: illegal option -- r" >&2
	echo "usage: mdconfig -a -t type [-n] [-o [no]option] ... [-f file]" >&2
	exit 1
fi
file=""; unit=""; size=""
while [ $# -gt 0 ]; do
	case "$1" in
	-t) shift ;;
	-f) file=$2; shift ;;
	-u) unit=${2#md}; shift ;;
	-s) size=$2; shift ;;
	esac
	shift
done
case "$op" in
-a)
	[ "$JV_FAIL" = attach ] && { echo "mdconfig: ioctl(/dev/mdctl): Device busy" >&2; exit 1; }
	[ -f "$file" ] || { echo "mdconfig: $file: No such file or directory" >&2; exit 1; }
	[ -e "$s/md/$unit" ] && { echo "mdconfig: ioctl(/dev/mdctl): Device busy" >&2; exit 1; }
	printf '%s' "$file" > "$s/md/$unit"
	stat -c %s "$file" > "$s/md/$unit.size"
	;;
-d)
	[ "$JV_FAIL" = detach ] && { echo "mdconfig: ioctl(/dev/mdctl): Device busy" >&2; exit 1; }
	[ -e "$s/md/$unit" ] || { echo "mdconfig: ioctl(/dev/mdctl): No such file or directory" >&2; exit 1; }
	[ -e "$s/mnt/$unit" ] && { echo "mdconfig: ioctl(/dev/mdctl): Device busy" >&2; exit 1; }
	rm "$s/md/$unit" "$s/md/$unit.size"
	;;
-r)
	[ "$JV_FAIL" = resize ] && { echo "mdconfig: ioctl(/dev/mdctl): Invalid argument" >&2; exit 1; }
	[ -e "$s/md/$unit" ] || { echo "mdconfig: ioctl(/dev/mdctl): No such file or directory" >&2; exit 1; }
	case "$size" in
	*M) echo $(( ${size%M} * 1048576 )) > "$s/md/$unit.size" ;;
	*G) echo $(( ${size%G} * 1073741824 )) > "$s/md/$unit.size" ;;
	*b) echo "${size%b}" > "$s/md/$unit.size" ;;
	*) echo "fake mdconfig: size $size" >&2; exit 1 ;;
	esac
	;;
esac
"#;

const GROWFS: &str = r#"#!/bin/sh
echo "growfs $*" >> "$JV_STATE/log"
for dev; do :; done
n=${dev#/dev/md}
[ "$JV_FAIL" = growfs ] && { echo "growfs: $dev: Operation not permitted" >&2; exit 1; }
[ -e "$JV_STATE/md/$n" ] || { echo "growfs: $dev: No such file or directory" >&2; exit 1; }
size=$(cat "$JV_STATE/md/$n.size")
if [ -e "$JV_STATE/fs.$n" ] && [ "$size" -le "$(cat "$JV_STATE/fs.$n")" ]; then
	echo "growfs: requested size $size is not larger than the current filesystem size" >&2
	exit 1
fi
echo "$size" > "$JV_STATE/fs.$n"
"#;

const FSCK: &str = r#"#!/bin/sh
echo "fsck $*" >> "$JV_STATE/log"
[ "$JV_FAIL" = fsck ] && { echo "** /dev/md: UNEXPECTED INCONSISTENCY; RUN fsck MANUALLY." >&2; exit 8; }
exit 0
"#;

const MOUNT: &str = r#"#!/bin/sh
echo "mount $*" >> "$JV_STATE/log"
[ "$1" = -p ] || { echo "fake mount: only -p" >&2; exit 1; }
printf '/dev/ada0p2\t\t/\t\t\tufs\trw\t\t1 1\n'
printf 'devfs\t\t\t/dev\t\t\tdevfs\trw\t\t0 0\n'
for f in "$JV_STATE"/mnt/*; do
	[ -e "$f" ] || continue
	printf '/dev/md%s\t\t%s\t\tufs\trw\t\t0 0\n' "${f##*/}" "$(cat "$f")"
done
"#;

const DF: &str = r#"#!/bin/sh
echo "df $*" >> "$JV_STATE/log"
for p; do :; done
echo "Filesystem 1K-blocks   Used   Avail Capacity iused  ifree %iused  Mounted on"
for f in "$JV_STATE"/mnt/*; do
	[ -e "$f" ] && [ "$(cat "$f")" = "$p" ] && {
		printf '/dev/md%s   2031132 412340 1456304    22%%   12034 300412    4%%  %s\n' "${f##*/}" "$p"
		exit 0
	}
done
echo "df: $p: No such file or directory" >&2
exit 1
"#;

const JLS: &str = r#"#!/bin/sh
echo "jls $*" >> "$JV_STATE/log"
[ "$1" = -j ] || { echo "fake jls: only -j NAME jid" >&2; exit 1; }
if [ -e "$JV_STATE/jails/$2" ]; then cat "$JV_STATE/jails/$2"; exit 0; fi
echo "jls: jail \"$2\" not found" >&2
exit 1
"#;

pub fn fake(conf_body: &str) -> Fake {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let bin = dir.path().join("bin");
    let jails = dir.path().join("jails");
    for d in [
        &state,
        &bin,
        &jails,
        &state.join("md"),
        &state.join("mnt"),
        &state.join("jails"),
    ] {
        std::fs::create_dir_all(d).unwrap();
    }
    for (name, text) in [
        ("mdconfig", MDCONFIG),
        ("growfs", GROWFS),
        ("fsck", FSCK),
        ("mount", MOUNT),
        ("df", DF),
        ("jls", JLS),
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
    pub fn jailvol(&self, args: &[&str], fail: &str) -> crate::common::Run {
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
        .args(args);
        crate::common::run(c)
    }
    /// A container file of `size` bytes (sparse).
    pub fn container(&self, name: &str, size: u64) -> String {
        let p = self.jails.join(name);
        let f = std::fs::File::create(&p).unwrap();
        f.set_len(size).unwrap();
        p.to_string_lossy().into_owned()
    }
    pub fn file_size(&self, name: &str) -> u64 {
        std::fs::metadata(self.jails.join(name)).map_or(0, |m| m.len())
    }
    /// Attach `file` as unit `n`, as md(4) would see it now.
    pub fn attach(&self, n: u32, file: &str) {
        let md = self.state.join("md");
        std::fs::write(md.join(n.to_string()), file).unwrap();
        let size = std::fs::metadata(file).map_or(0, |m| m.len());
        std::fs::write(md.join(format!("{n}.size")), format!("{size}\n")).unwrap();
    }
    /// Mount /dev/mdN at `path`.
    pub fn mount(&self, n: u32, path: &str) {
        std::fs::write(self.state.join("mnt").join(n.to_string()), path).unwrap();
    }
    /// Mark a jail as running with `jid`.
    pub fn run_jail(&self, name: &str, jid: u32) {
        std::fs::write(self.state.join("jails").join(name), format!("{jid}\n")).unwrap();
    }
    /// Attached units: (unit, file, md size).
    pub fn units(&self) -> Vec<(String, String, u64)> {
        let md = self.state.join("md");
        let mut v: Vec<(String, String, u64)> = std::fs::read_dir(&md)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !n.ends_with(".size"))
            .map(|n| {
                let file = std::fs::read_to_string(md.join(&n)).unwrap();
                let size = std::fs::read_to_string(md.join(format!("{n}.size")))
                    .unwrap_or_default()
                    .trim()
                    .parse()
                    .unwrap_or(0);
                (n, file, size)
            })
            .collect();
        v.sort();
        v
    }
    /// The size growfs last grew /dev/mdN to.
    pub fn fs_size(&self, n: u32) -> Option<u64> {
        std::fs::read_to_string(self.state.join(format!("fs.{n}")))
            .ok()
            .and_then(|s| s.trim().parse().ok())
    }
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.state.join("log")).unwrap_or_default()
    }
    /// The log without the read-only probes (jls, mdconfig -l, mount -p, df).
    pub fn actions(&self) -> Vec<String> {
        self.log()
            .lines()
            .filter(|l| {
                !(l.starts_with("jls ")
                    || l.starts_with("mdconfig -l")
                    || l.starts_with("mount -p")
                    || l.starts_with("df "))
            })
            .map(str::to_owned)
            .collect()
    }
    pub fn conf_text(&self) -> String {
        std::fs::read_to_string(&self.conf).unwrap()
    }
    pub fn path(&self, name: &str) -> String {
        self.jails.join(name).to_string_lossy().into_owned()
    }
}
