//! The container helper (shell::helper_script) under dash, the Almquist shell closest to
//! FreeBSD's /bin/sh, with fake mdconfig/fsck/mount on PATH that keep their state in a
//! directory: md units are files `md/N` holding the backing path, mounts are `mnt/N`.
//! Also `shellcheck -s sh` on the script. Set JAILVOL_SKIP_DASH=1 to skip where dash or
//! shellcheck cannot be installed (CI installs both).

mod common;

use std::process::Command;

use common::fakehelper::{fake, skip};

#[test]
fn shellcheck_clean() {
    if skip() {
        return;
    }
    let f = fake();
    let out = Command::new("shellcheck")
        .arg("-s")
        .arg("sh")
        .arg(&f.helper)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn first_attach_then_fsck() {
    if skip() {
        return;
    }
    let f = fake();
    let c = f.container("www.ufs");
    let (code, err) = f.run(&["attach", "101", &c]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(f.units(), vec![("101".into(), c.clone())]);
    let log = f.log();
    assert!(
        log.contains(&format!("mdconfig -a -t vnode -f {c} -u 101")),
        "{log}"
    );
    assert!(log.trim_end().ends_with("fsck -t ufs -p /dev/md101"), "{log}");
}

#[test]
fn rerun_after_failed_start_does_not_attach_twice() {
    if skip() {
        return;
    }
    let f = fake();
    let c = f.container("www.ufs");
    assert_eq!(f.run(&["attach", "101", &c]).0, 0);
    let (code, err) = f.run(&["attach", "101", &c]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(f.log().matches("mdconfig -a").count(), 1, "{}", f.log());
    assert_eq!(f.log().matches("fsck").count(), 2, "fsck runs on every start");
}

#[test]
fn unit_busy_with_another_file_is_an_error_and_nothing_is_mounted() {
    if skip() {
        return;
    }
    let f = fake();
    let c = f.container("www.ufs");
    let other = f.container("other.ufs");
    f.attach(101, &other);
    let (code, err) = f.run(&["attach", "101", &c]);
    assert_ne!(code, 0);
    assert!(err.contains("md101 is attached to another file"), "{err}");
    assert!(!f.log().contains("mdconfig -a"));
    assert!(!f.log().contains("fsck"));
    assert_eq!(f.units(), vec![("101".into(), other.clone())]);
    // As mount program: nothing mounted either.
    let (code, _) = f.run(&["-o", "rw", "-P", &format!("-F{c}"), "md101", "/jails/www"]);
    assert_ne!(code, 0);
    assert!(!f.log().contains("mount "), "{}", f.log());
}

#[test]
fn fsck_failure_stops_before_mount() {
    if skip() {
        return;
    }
    let f = fake();
    let c = f.container("www.ufs");
    std::fs::write(f.state.join("fsck_fail"), "").unwrap();
    let (code, err) = f.run(&["-o", "rw", "-P", &format!("-F{c}"), "md101", "/jails/www"]);
    assert_ne!(code, 0);
    assert!(err.contains("fsck of /dev/md101 failed"), "{err}");
    assert!(!f.log().contains("mount "), "{}", f.log());
}

#[test]
fn detach_finds_the_unit_by_its_file_after_a_crash() {
    if skip() {
        return;
    }
    let f = fake();
    let c = f.container("www.ufs");
    let other = f.container("other.ufs");
    // After a crash or an admin's manual attach the unit may not be the configured one.
    f.attach(3, &c);
    f.attach(4, &other);
    let (code, err) = f.run(&["detach", &c]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(f.units(), vec![("4".into(), other)]);
    // Nothing attached: detach is a no-op, not an error (jail -R after a manual detach).
    assert_eq!(f.run(&["detach", &c]).0, 0);
}

#[test]
fn stale_unit_of_the_same_file_is_replaced() {
    if skip() {
        return;
    }
    let f = fake();
    let c = f.container("www.ufs");
    f.attach(7, &c);
    let (code, err) = f.run(&["attach", "101", &c]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(f.units(), vec![("101".into(), c)]);
}

#[test]
fn stale_unit_still_mounted_is_not_forced() {
    if skip() {
        return;
    }
    let f = fake();
    let c = f.container("www.ufs");
    f.attach(7, &c);
    std::fs::write(f.state.join("mnt/7"), "").unwrap();
    let (code, err) = f.run(&["attach", "101", &c]);
    assert_ne!(code, 0);
    assert!(err.contains("cannot be detached"), "{err}");
    assert_eq!(f.units(), vec![("7".into(), c)]);
}

#[test]
fn mountprog_convention_attaches_checks_and_mounts() {
    if skip() {
        return;
    }
    let f = fake();
    let c = f.container("www.ufs");
    // mount(8) mangles "rw,-P,-F<file>,mountprog=..." into these arguments.
    let (code, err) = f.run(&["-o", "rw", "-P", &format!("-F{c}"), "md101", "/jails/www"]);
    assert_eq!(code, 0, "{err}");
    let log = f.log();
    let lines: Vec<&str> = log.lines().filter(|l| !l.starts_with("mdconfig -l")).collect();
    assert_eq!(
        lines,
        vec![
            format!("mdconfig -a -t vnode -f {c} -u 101").as_str(),
            "fsck -t ufs -p /dev/md101",
            "mount -t ufs -o rw /dev/md101 /jails/www"
        ]
    );
}

#[test]
fn mount_md_with_any_unit_reuses_the_files_unit() {
    if skip() {
        return;
    }
    let f = fake();
    let c = f.container("www.ufs");
    let (code, err) = f.run(&["-o", "rw", "-P", &format!("-F{c}"), "md", "/jails/www"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(f.units(), vec![("0".into(), c.clone())]);
    std::fs::remove_file(f.state.join("mnt/0")).unwrap();
    let (code, err) = f.run(&["-o", "rw", "-P", &format!("-F{c}"), "md", "/jails/www"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        f.units(),
        vec![("0".into(), c)],
        "no second unit for the same file"
    );
}

#[test]
fn missing_container_is_a_clear_error() {
    if skip() {
        return;
    }
    let f = fake();
    let (code, err) = f.run(&["attach", "101", "/nonexistent/www.ufs"]);
    assert_ne!(code, 0);
    assert!(err.contains("does not exist"), "{err}");
}

#[test]
fn paths_with_spaces_quotes_and_dollars_survive() {
    if skip() {
        return;
    }
    let f = fake();
    let c = f.container("it's a $HOME file.ufs");
    let (code, err) = f.run(&["attach", "5", &c]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(f.units(), vec![("5".into(), c.clone())]);
    assert_eq!(f.run(&["detach", &c]).0, 0);
    assert!(f.units().is_empty());
}
