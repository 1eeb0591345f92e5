//! Fake FreeBSD commands for tests: mdconfig, fsck and mount as sh scripts that keep
//! their state in a directory (md units are files `md/N` holding the backing path,
//! mounts are `mnt/N`) and log every call to `log`.

use super::write_exec;
use std::path::PathBuf;
use std::process::Command;

pub struct Fake {
    pub dir: tempfile::TempDir,
    pub state: PathBuf,
    pub bin: PathBuf,
    pub helper: PathBuf,
    pub work: PathBuf,
}

/// Whether to skip (JAILVOL_SKIP_DASH=1); otherwise dash and shellcheck must exist.
pub fn skip() -> bool {
    if std::env::var_os("JAILVOL_SKIP_DASH").is_some() {
        return true;
    }
    for tool in ["dash", "shellcheck"] {
        let ok = Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {tool}"))
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            ok,
            "{tool} is not installed (apt-get install {tool}, or set JAILVOL_SKIP_DASH=1)"
        );
    }
    false
}

pub fn fake() -> Fake {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let bin = dir.path().join("bin");
    let work = dir.path().join("work");
    for d in [&state, &bin, &work, &state.join("md"), &state.join("mnt")] {
        std::fs::create_dir_all(d).unwrap();
    }
    write_exec(&bin.join("mdconfig"), MDCONFIG);
    write_exec(&bin.join("fsck"), FSCK);
    write_exec(&bin.join("mount"), MOUNT);
    let helper = dir.path().join("jailvol-md");
    write_exec(&helper, &jailvol::shell::helper_script());
    Fake {
        dir,
        state,
        bin,
        helper,
        work,
    }
}

const MDCONFIG: &str = r#"#!/bin/sh
# fake mdconfig(8): -l -v | -a -t vnode -f FILE (-u N | -n) | -d -u N
s=$JV_STATE
echo "mdconfig $*" >> "$s/log"
if [ "$1" = -l ]; then
	for n in $(ls "$s/md" | sort -n); do
		printf 'md%s\tvnode\t  1024M\t%s\n' "$n" "$(cat "$s/md/$n")"
	done
	exit 0
fi
op=$1; shift
file=""; unit=""; num=no
while [ $# -gt 0 ]; do
	case "$1" in
	-t) shift ;;
	-f) file=$2; shift ;;
	-u) unit=${2#md}; shift ;;
	-n) num=yes ;;
	esac
	shift
done
case "$op" in
-a)
	[ -f "$file" ] || { echo "mdconfig: $file: No such file or directory" >&2; exit 1; }
	if [ -z "$unit" ]; then
		unit=0
		while [ -e "$s/md/$unit" ]; do unit=$((unit + 1)); done
	fi
	[ -e "$s/md/$unit" ] && { echo "mdconfig: ioctl(/dev/mdctl): Device busy" >&2; exit 1; }
	printf '%s' "$file" > "$s/md/$unit"
	if [ "$num" = yes ]; then echo "$unit"; fi
	;;
-d)
	[ -e "$s/md/$unit" ] || { echo "mdconfig: ioctl(/dev/mdctl): No such file or directory" >&2; exit 1; }
	[ -e "$s/mnt/$unit" ] && { echo "mdconfig: ioctl(/dev/mdctl): Device busy" >&2; exit 1; }
	rm "$s/md/$unit"
	;;
esac
"#;

const FSCK: &str = r#"#!/bin/sh
echo "fsck $*" >> "$JV_STATE/log"
[ -e "$JV_STATE/fsck_fail" ] && { echo "** /dev/md: UNEXPECTED INCONSISTENCY" >&2; exit 8; }
exit 0
"#;

const MOUNT: &str = r#"#!/bin/sh
echo "mount $*" >> "$JV_STATE/log"
for last; do :; done
for a; do
	case "$a" in /dev/md*) touch "$JV_STATE/mnt/${a#/dev/md}" ;; esac
done
"#;

impl Fake {
    pub fn container(&self, name: &str) -> String {
        let p = self.work.join(name);
        std::fs::write(&p, b"").unwrap();
        p.to_string_lossy().into_owned()
    }
    pub fn attach(&self, unit: u32, file: &str) {
        std::fs::write(self.state.join("md").join(unit.to_string()), file).unwrap();
    }
    pub fn units(&self) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = std::fs::read_dir(self.state.join("md"))
            .unwrap()
            .flatten()
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read_to_string(e.path()).unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    }
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.state.join("log")).unwrap_or_default()
    }
    pub fn run(&self, args: &[&str]) -> (i32, String) {
        let path = format!("{}:/usr/bin:/bin", self.bin.display());
        let out = Command::new("dash")
            .arg(&self.helper)
            .args(args)
            .env_clear()
            .env("PATH", path)
            .env("JV_STATE", &self.state)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}
