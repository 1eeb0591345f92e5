//! The container helper (shell::helper_script) under dash, the Almquist shell closest to
//! FreeBSD's /bin/sh, against the FreeBSD model (tests/common/fakebsd/): md units,
//! mounts and UFS state are real there, so "attached", "checked" and "mounted" are
//! states, not log lines. Also `shellcheck -s sh` on the script. Set
//! JAILVOL_SKIP_DASH=1 to skip where dash or shellcheck cannot be installed (CI
//! installs both).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::Run;
use common::fakebsd::{Host, skip_dash};

struct Helper {
    h: Host,
    script: PathBuf,
}

fn helper() -> Helper {
    let h = Host::new();
    let script = h.write("usr/local/libexec/jailvol-md", &jailvol::shell::helper_script());
    Helper { h, script }
}

impl Helper {
    fn run(&self, args: &[&str]) -> Run {
        let mut a = vec![self.script.to_str().unwrap()];
        a.extend_from_slice(args);
        self.h.run("dash", &a)
    }
    /// A container holding a fresh UFS, detached.
    fn container(&self, name: &str) -> PathBuf {
        let p = self.h.path(&format!("jails/{name}"));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        self.h.make_container(&p, 4 << 20, None);
        p
    }
    fn units(&self) -> Vec<(u32, String)> {
        self.h
            .state()
            .units
            .iter()
            .map(|(n, u)| (*n, u.file.clone()))
            .collect()
    }
    fn attach(&self, unit: u32, file: &Path) {
        let r = self.h.run(
            "mdconfig",
            &[
                "-a",
                "-t",
                "vnode",
                "-f",
                file.to_str().unwrap(),
                "-u",
                &unit.to_string(),
            ],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    fn calls(&self, prefix: &str) -> usize {
        self.h.log().iter().filter(|l| l.starts_with(prefix)).count()
    }
}

fn real(p: &Path) -> String {
    std::fs::canonicalize(p).unwrap().display().to_string()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn shellcheck_clean() {
    if skip_dash() {
        return;
    }
    let f = helper();
    let out = Command::new("shellcheck")
        .arg("-s")
        .arg("sh")
        .arg(&f.script)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn first_attach_then_fsck() {
    if skip_dash() {
        return;
    }
    let f = helper();
    let c = f.container("www.ufs");
    f.h.clear_log();
    let r = f.run(&["attach", "101", s(&c)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(f.units(), vec![(101, real(&c))]);
    let log = f.h.log();
    assert!(
        log.iter()
            .any(|l| l.starts_with("mdconfig -a -t vnode -f") && l.ends_with("-u 101")),
        "{log:?}"
    );
    assert_eq!(log.last().unwrap(), "fsck -t ufs -p /dev/md101");
    assert!(f.h.ufs(&c).unwrap().clean);
}

#[test]
fn rerun_after_failed_start_does_not_attach_twice() {
    if skip_dash() {
        return;
    }
    let f = helper();
    let c = f.container("www.ufs");
    f.h.clear_log();
    assert_eq!(f.run(&["attach", "101", s(&c)]).code, 0);
    let r = f.run(&["attach", "101", s(&c)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(f.calls("mdconfig -a"), 1);
    assert_eq!(f.calls("fsck"), 2, "fsck runs on every start");
    assert_eq!(f.units(), vec![(101, real(&c))]);
}

#[test]
fn unit_busy_with_another_file_is_an_error_and_nothing_is_mounted() {
    if skip_dash() {
        return;
    }
    let f = helper();
    let c = f.container("www.ufs");
    let other = f.container("other.ufs");
    f.attach(101, &other);
    f.h.clear_log();
    let r = f.run(&["attach", "101", s(&c)]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("md101 is attached to another file"),
        "{}",
        r.stderr
    );
    assert_eq!(f.calls("mdconfig -a") + f.calls("fsck"), 0);
    assert_eq!(f.units(), vec![(101, real(&other))]);
    // As mount program: nothing mounted either.
    let mnt = f.h.path("jails/www");
    std::fs::create_dir_all(&mnt).unwrap();
    let r = f.run(&["-o", "rw", "-P", &format!("-F{}", s(&c)), "md101", s(&mnt)]);
    assert_ne!(r.code, 0);
    assert!(f.h.state().mounts.is_empty());
}

#[test]
fn fsck_failure_stops_before_mount() {
    if skip_dash() {
        return;
    }
    let f = helper();
    let c = f.container("www.ufs");
    let key = real(&c);
    f.h.update(|st| {
        let fs = st.filesystems.get_mut(&key).unwrap();
        fs.clean = false;
        fs.damaged = true;
    });
    let mnt = f.h.path("jails/www");
    std::fs::create_dir_all(&mnt).unwrap();
    let r = f.run(&["-o", "rw", "-P", &format!("-F{}", s(&c)), "md101", s(&mnt)]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("fsck of /dev/md101 failed"), "{}", r.stderr);
    assert!(f.h.state().mounts.is_empty());
}

#[test]
fn detach_finds_the_unit_by_its_file_after_a_crash() {
    if skip_dash() {
        return;
    }
    let f = helper();
    let c = f.container("www.ufs");
    let other = f.container("other.ufs");
    // After a crash or an admin's manual attach the unit may not be the configured one.
    f.attach(3, &c);
    f.attach(4, &other);
    let r = f.run(&["detach", s(&c)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(f.units(), vec![(4, real(&other))]);
    // Nothing attached: detach is a no-op, not an error (jail -R after a manual detach).
    assert_eq!(f.run(&["detach", s(&c)]).code, 0);
}

#[test]
fn stale_unit_of_the_same_file_is_replaced() {
    if skip_dash() {
        return;
    }
    let f = helper();
    let c = f.container("www.ufs");
    f.attach(7, &c);
    let r = f.run(&["attach", "101", s(&c)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(f.units(), vec![(101, real(&c))]);
}

#[test]
fn stale_unit_still_mounted_is_not_forced() {
    if skip_dash() {
        return;
    }
    let f = helper();
    let c = f.container("www.ufs");
    f.attach(7, &c);
    let mnt = f.h.path("mnt");
    std::fs::create_dir_all(&mnt).unwrap();
    assert_eq!(f.h.run("mount", &["/dev/md7", s(&mnt)]).code, 0);
    let r = f.run(&["attach", "101", s(&c)]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("cannot be detached"), "{}", r.stderr);
    assert_eq!(f.units(), vec![(7, real(&c))]);
}

// Point 8 of issue 17: fsck_ffs answers "NO WRITE ACCESS" for a mounted file system; the
// helper says where it is mounted instead of a vague fsck failure.
#[test]
fn a_unit_still_mounted_is_named_with_its_mount_point() {
    if skip_dash() {
        return;
    }
    let f = helper();
    let c = f.container("www.ufs");
    f.attach(101, &c);
    let mnt = f.h.path("jails/a jail path that is longer than 24 bytes");
    std::fs::create_dir_all(&mnt).unwrap();
    assert_eq!(f.h.run("mount", &["/dev/md101", s(&mnt)]).code, 0);
    f.h.clear_log();
    let r = f.run(&["attach", "101", s(&c)]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("/dev/md101 is still mounted"), "{}", r.stderr);
    assert!(r.stderr.contains(&real(&mnt)), "{}", r.stderr);
    assert_eq!(f.calls("fsck"), 0);
}

#[test]
fn mountprog_convention_attaches_checks_and_mounts() {
    if skip_dash() {
        return;
    }
    let f = helper();
    let c = f.container("www.ufs");
    std::fs::write(f.h.path("jails/marker"), "").unwrap();
    let mnt = f.h.path("jails/www");
    std::fs::create_dir_all(&mnt).unwrap();
    f.h.clear_log();
    // mount(8) mangles "rw,-P,-F<file>,mountprog=..." into these arguments.
    let r = f.run(&["-o", "rw", "-P", &format!("-F{}", s(&c)), "md101", s(&mnt)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let log: Vec<String> =
        f.h.log()
            .into_iter()
            .filter(|l| !l.starts_with("mdconfig -l") && !l.starts_with("mount -p"))
            .collect();
    assert_eq!(log.len(), 3, "{log:?}");
    assert!(log[0].starts_with("mdconfig -a -t vnode -f"), "{log:?}");
    assert_eq!(log[1], "fsck -t ufs -p /dev/md101");
    assert!(log[2].starts_with("mount -t ufs -o rw /dev/md101"), "{log:?}");
    let m = f.h.mounted_at(&mnt).expect("mounted");
    assert_eq!(m.device, "/dev/md101");
    assert!(
        mnt.join(".snap").is_dir(),
        "the container's root is what the path shows"
    );
}

// Point 10 of issue 17: mountprog style (no release hook) leaves the unit attached after
// jail(8) unmounts the root; the next start reuses it.
#[test]
fn mountprog_start_after_a_stop_reuses_the_attached_unit() {
    if skip_dash() {
        return;
    }
    let f = helper();
    let c = f.container("www.ufs");
    let mnt = f.h.path("jails/www");
    std::fs::create_dir_all(&mnt).unwrap();
    let args = ["-o", "rw", "-P", &format!("-F{}", s(&c)), "md101", s(&mnt)];
    assert_eq!(f.run(&args).code, 0);
    assert_eq!(f.h.run("umount", &["-t", "ufs", s(&mnt)]).code, 0);
    assert_eq!(f.units(), vec![(101, real(&c))], "nothing detaches in this style");
    f.h.clear_log();
    let r = f.run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(f.calls("mdconfig -a"), 0);
    assert!(f.h.mounted_at(&mnt).is_some());
}

#[test]
fn mount_md_with_any_unit_reuses_the_files_unit() {
    if skip_dash() {
        return;
    }
    let f = helper();
    let c = f.container("www.ufs");
    let mnt = f.h.path("jails/www");
    std::fs::create_dir_all(&mnt).unwrap();
    let args = ["-o", "rw", "-P", &format!("-F{}", s(&c)), "md", s(&mnt)];
    let r = f.run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(f.units(), vec![(0, real(&c))]);
    assert_eq!(f.h.run("umount", &[s(&mnt)]).code, 0);
    let r = f.run(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(f.units(), vec![(0, real(&c))], "no second unit for the same file");
}

#[test]
fn missing_container_is_a_clear_error() {
    if skip_dash() {
        return;
    }
    let f = helper();
    let r = f.run(&["attach", "101", "/nonexistent/www.ufs"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("does not exist"), "{}", r.stderr);
}

#[test]
fn paths_with_spaces_quotes_and_dollars_survive() {
    if skip_dash() {
        return;
    }
    let f = helper();
    let c = f.container("it's a $HOME file.ufs");
    assert!(s(&c).contains(' ') && s(&c).contains('\''));
    let r = f.run(&["attach", "5", s(&c)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(f.units(), vec![(5, real(&c))]);
    assert_eq!(f.run(&["detach", s(&c)]).code, 0);
    assert!(f.units().is_empty());
}

// Point 6 of issue 17: mdconfig keeps the realpath (sbin/mdconfig/mdconfig.c
// md_set_file). A container configured through a symbolic link (/home -> /usr/home) is
// still found: the second start reuses its unit and exec.release detaches it.
#[test]
fn a_container_through_a_symlink_is_found_by_its_realpath() {
    if skip_dash() {
        return;
    }
    let f = helper();
    std::fs::create_dir_all(f.h.path("usr/home")).unwrap();
    std::os::unix::fs::symlink(f.h.path("usr/home"), f.h.path("home")).unwrap();
    f.h.make_container(&f.h.path("usr/home/www.ufs"), 4 << 20, None);
    let via = f.h.path("home/www.ufs");
    let r = f.run(&["attach", "101", s(&via)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    f.h.clear_log();
    let r = f.run(&["attach", "101", s(&via)]);
    assert_eq!(r.code, 0, "a start after a failed start: {}", r.stderr);
    assert_eq!(f.calls("mdconfig -a"), 0);
    let r = f.run(&["detach", s(&via)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(f.units().is_empty(), "exec.release detached it: {:?}", f.units());
}
