//! `jailvol migrate`: the printed script under dash with fake FreeBSD commands
//! (tests/common/fakemigrate.rs) on a copy of a fixture host tree (`--root`): the success
//! path, a failure injected at every step leaving the old root and configuration
//! byte-identical with nothing extra left, resuming after a crash, and shellcheck.
//! JAILVOL_SKIP_SHELLCHECK=1 skips only the shellcheck test; dash is required.

mod common;
#[path = "common/fakemigrate.rs"]
mod fakemigrate;

use std::path::{Path, PathBuf};
use std::process::Command;

use fakemigrate::{Fake, fake, snapshot};

const STATE: &str = "var/db/jailvol";
/// The fixtures have no /var: the state directory (kept on purpose: its log tells what
/// happened) and the parents `mkdir -p` made for it are not part of the comparison.
const SKIP: &str = "var";

fn fixture(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/migrate")
        .join(case)
        .join("input")
}

struct Host {
    fake: Fake,
    root: PathBuf,
    script: PathBuf,
}

/// A copy of the fixture's host tree, with a space and a quote in its path, and the
/// script `jailvol --root` prints for it.
fn host(case: &str, extra: &[&str]) -> Host {
    let fake = fake();
    let root = fake.dir.path().join("host root 'q' $x");
    let st = Command::new("cp")
        .arg("-a")
        .arg(fixture(case))
        .arg(&root)
        .status()
        .unwrap();
    assert!(st.success());
    let script = fake.dir.path().join("migrate.sh");
    let mut c = common::jailvol();
    c.arg("--root").arg(&root).arg("migrate").arg("www").args(extra);
    let r = common::run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    std::fs::write(&script, &r.stdout).unwrap();
    Host { fake, root, script }
}

impl Host {
    fn run(&self, fail: &str) -> common::Run {
        self.fake.run_script(&self.script, fail)
    }
    fn snap(&self) -> Vec<String> {
        snapshot(&self.root, &[SKIP])
    }
    fn state(&self) -> PathBuf {
        self.root.join(STATE).join("migrate.www")
    }
    fn done(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.state())
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.starts_with("done."))
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }
}

fn all_done() -> Vec<String> {
    let mut v: Vec<String> = jailvol::migrate::STEPS
        .iter()
        .map(|s| format!("done.{s}"))
        .collect();
    v.sort();
    v
}

#[test]
fn jailconf_success() {
    let h = host("jailconf-basic", &[]);
    let r = h.run("");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let jails = h.root.join("jails");
    // The old root is renamed, never deleted; the mount point is empty.
    assert_eq!(
        std::fs::read_to_string(jails.join("www.pre-jailvol/etc/motd")).unwrap(),
        "Welcome to www\n"
    );
    assert_eq!(std::fs::read_dir(jails.join("www")).unwrap().count(), 0);
    // The container exists, is detached and holds the copy.
    assert_eq!(std::fs::metadata(jails.join("www.ufs")).unwrap().len(), 64 << 20);
    assert!(h.fake.units().is_empty() && h.fake.mounts().is_empty());
    let fs = h.fake.state.join("fs/101");
    assert_eq!(
        std::fs::read_to_string(fs.join("etc/motd")).unwrap(),
        "Welcome to www\n"
    );
    assert_eq!(
        std::fs::read_link(fs.join("etc/motd.link")).unwrap(),
        Path::new("motd")
    );
    // The configuration generate would write.
    let conf = std::fs::read_to_string(h.root.join("etc/jail.conf")).unwrap();
    assert!(
        conf.contains("mount.fstab = /etc/jailvol/www.fstab; # jailvol"),
        "{conf}"
    );
    assert!(conf.contains("exec.prepare += \"/usr/local/libexec/jailvol-md attach 101 /jails/www.ufs\""));
    let fstab = std::fs::read_to_string(h.root.join("etc/jailvol/www.fstab")).unwrap();
    assert!(fstab.contains("/dev/md101\t/jails/www\tufs\trw\t0\t0"), "{fstab}");
    assert_eq!(
        std::fs::read_to_string(h.root.join("usr/local/libexec/jailvol-md")).unwrap(),
        jailvol::shell::helper_script()
    );
    // Started, every step marked, logged with timestamps.
    assert!(h.fake.running("www"));
    let log = h.fake.log();
    assert!(
        log.contains("jail -f ") && log.trim_end().ends_with("-c www"),
        "{log}"
    );
    assert_eq!(h.done(), all_done());
    let own_log = std::fs::read_to_string(h.state().join("log")).unwrap();
    assert!(
        own_log
            .lines()
            .all(|l| l.starts_with("20") && l.contains("Z jailvol migrate www: ")),
        "{own_log}"
    );
    assert!(r.stderr.contains("step verify: done"), "{}", r.stderr);
    // A second run does nothing.
    let again = h.run("");
    assert_eq!(again.code, 0);
    assert!(again.stderr.contains("already migrated"), "{}", again.stderr);
}

#[test]
fn running_jail_is_refused_without_stop_and_stopped_with_it() {
    let h = host("jailconf-basic", &[]);
    h.fake.set_running("www");
    let before = h.snap();
    let r = h.run("");
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("is running: stop it first, or use --stop"),
        "{}",
        r.stderr
    );
    assert_eq!(h.snap(), before);
    assert!(h.fake.running("www"));

    let h = host("jailconf-basic", &["--stop"]);
    h.fake.set_running("www");
    let r = h.run("");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let log = h.fake.log();
    assert!(log.contains("-r www"), "{log}");
    assert!(h.fake.running("www"));
}

/// Inject `fail`, then check the host is exactly as before and nothing extra remains.
fn rolls_back(case: &str, fail: &str, stop: bool) {
    let h = host(case, if stop { &["--stop"] } else { &[] });
    if stop {
        h.fake.set_running("www");
    }
    let before = h.snap();
    let r = h.run(fail);
    assert_eq!(r.code, 1, "{fail}: {}", r.stderr);
    assert!(
        r.stderr.contains("error: ") || r.stderr.contains("injected failure"),
        "{fail}: {}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("rolled back: root and configuration are as before"),
        "{fail}: {}",
        r.stderr
    );
    assert_eq!(h.snap(), before, "{fail}: host tree changed");
    assert!(!h.root.join("jails/www.ufs").exists(), "{fail}: container left");
    assert!(h.fake.units().is_empty(), "{fail}: md unit left");
    assert!(h.fake.mounts().is_empty(), "{fail}: mount left");
    assert!(!h.state().join("mnt").exists(), "{fail}: mount directory left");
    assert!(h.done().is_empty(), "{fail}: markers left: {:?}", h.done());
    let saved: Vec<_> = std::fs::read_dir(h.state())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("saved.") || n.starts_with("absent.") || n.starts_with("made."))
        .collect();
    assert!(saved.is_empty(), "{fail}: {saved:?}");
    if stop {
        assert!(h.fake.running("www"), "{fail}: the jail was not started again");
    }
}

const FAILURES: &[&str] = &[
    "df-small",
    "du-big",
    "cp",
    "dd",
    "attach",
    "newfs",
    "mount",
    "tar-c",
    "tar-x",
    "tar-corrupt",
    "mtree-c",
    "mtree-v",
    "umount",
    "detach",
    "mv-swap",
    "mv-config",
    "start",
];

#[test]
fn jailconf_failure_at_every_step_rolls_back() {
    for f in FAILURES {
        rolls_back("jailconf-basic", f, false);
    }
    rolls_back("jailconf-basic", "stop", true);
    rolls_back("jailconf-basic", "start", true);
}

#[test]
fn a_container_that_stays_mounted_is_reported_and_the_root_kept() {
    let h = host("jailconf-basic", &[]);
    let before = h.snap();
    let r = h.run("umount-stuck");
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("rollback incomplete"), "{}", r.stderr);
    assert!(
        r.stderr.contains("migrate.www/mnt is still mounted"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("www.ufs is kept: it is still attached"),
        "{}",
        r.stderr
    );
    // The root and the configuration are untouched; only the container remains.
    let mut after = h.snap();
    after.retain(|l| !l.starts_with("jails/www.ufs "));
    assert_eq!(after, before);
    assert_eq!(h.fake.units(), ["101"]);
}

#[test]
fn rcconf_success_switches_to_jailconf() {
    let h = host("rcconf-basic", &[]);
    let r = h.run("");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rc = std::fs::read_to_string(h.root.join("etc/rc.conf")).unwrap();
    assert!(!rc.contains("jail_www_rootdir"), "{rc}");
    assert!(rc.contains("jail_list=\"\""), "{rc}");
    assert!(rc.contains("jail_enable=\"YES\""), "{rc}");
    assert!(rc.contains("jail_www_hostname=\"www.example.org\""), "kept: {rc}");
    let conf = std::fs::read_to_string(h.root.join("etc/jail.conf")).unwrap();
    assert!(
        conf.contains("www {") && conf.contains("path = /jails/www;"),
        "{conf}"
    );
    assert!(conf.contains("exec.release += "), "{conf}");
    let log = h.fake.log();
    assert!(log.contains("service jail stop www") || !log.contains("stop"));
    assert!(log.contains("service jail start www"), "{log}");
    assert!(h.fake.running("www"));
    assert_eq!(h.done(), all_done());
}

#[test]
fn rcconf_failure_rolls_back_rc_conf_and_jail_conf() {
    for f in ["sysrc", "mv-config", "start", "tar-x"] {
        rolls_back("rcconf-basic", f, false);
    }
    rolls_back("rcconf-basic", "start", true);
}

#[test]
fn resume_after_a_crash_skips_finished_steps() {
    // Killed (no trap, as on power loss) while verifying: allocate..copy are done.
    let h = host("jailconf-basic", &[]);
    let r = h.run("crash-mtree-v");
    assert_ne!(r.code, 0);
    assert!(!r.stderr.contains("rolling back"), "{}", r.stderr);
    let done = h.done();
    for s in [
        "done.preflight",
        "done.backup",
        "done.allocate",
        "done.newfs",
        "done.copy",
    ] {
        assert!(done.contains(&s.to_string()), "{done:?}");
    }
    assert!(!done.contains(&"done.verify".to_string()));
    std::fs::write(h.fake.state.join("log"), "").unwrap();
    let r = h.run("");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let log = h.fake.log();
    for redo in ["dd ", "newfs ", "tar ", "mdconfig -a"] {
        assert!(!log.contains(redo), "{redo} was run again:\n{log}");
    }
    assert!(log.contains("mtree -c"), "{log}");
    for s in ["preflight", "backup", "allocate", "newfs", "copy"] {
        assert!(
            r.stderr.contains(&format!("step {s}: done earlier, skipped")),
            "{}",
            r.stderr
        );
    }
    assert_eq!(h.done(), all_done());
    assert!(h.fake.units().is_empty() && h.fake.mounts().is_empty());
    assert!(h.root.join("jails/www.pre-jailvol/etc/motd").exists());
}

#[test]
fn resume_after_a_crash_and_a_reboot_attaches_and_mounts_again() {
    let h = host("jailconf-basic", &[]);
    assert_ne!(h.run("crash-mtree-v").code, 0);
    // The reboot: no md unit, nothing mounted; the file system is back in the container.
    let mnt = h.state().join("mnt");
    std::fs::rename(&mnt, h.fake.state.join("fs/101")).unwrap();
    std::fs::create_dir(&mnt).unwrap();
    for d in ["md", "mnt"] {
        std::fs::remove_dir_all(h.fake.state.join(d)).unwrap();
        std::fs::create_dir(h.fake.state.join(d)).unwrap();
    }
    std::fs::write(h.fake.state.join("log"), "").unwrap();
    let r = h.run("");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("taking over the lock of a run that is gone"),
        "{}",
        r.stderr
    );
    let log = h.fake.log();
    assert!(log.contains("mdconfig -a -t vnode"), "{log}");
    assert!(log.contains("mount -t ufs /dev/md101"), "{log}");
    assert!(!log.contains("newfs") && !log.contains("tar "), "{log}");
    assert_eq!(h.done(), all_done());
    assert!(h.fake.units().is_empty() && h.fake.mounts().is_empty());
}

#[test]
fn interrupted_allocation_and_copy_are_redone_from_scratch() {
    // Killed inside dd: the claimed file is ours and is written again.
    let h = host("jailconf-basic", &[]);
    assert_ne!(h.run("crash-dd").code, 0);
    assert!(h.state().join("claimed").exists());
    let r = h.run("");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("an earlier allocation was interrupted"),
        "{}",
        r.stderr
    );
    assert_eq!(h.done(), all_done());

    // Killed inside tar -x: the container is formatted again before the copy.
    let h = host("jailconf-basic", &[]);
    assert_ne!(h.run("crash-tar-x").code, 0);
    assert!(h.state().join("copy.started").exists());
    std::fs::write(h.fake.state.join("log"), "").unwrap();
    let r = h.run("");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("an earlier copy was interrupted"),
        "{}",
        r.stderr
    );
    let log = h.fake.log();
    assert!(
        log.contains("umount ") && log.contains("newfs -U /dev/md101"),
        "{log}"
    );
    assert!(!log.contains("dd "), "{log}");
    assert_eq!(h.done(), all_done());
    assert_eq!(
        std::fs::read_to_string(h.fake.state.join("fs/101/etc/motd")).unwrap(),
        "Welcome to www\n"
    );
}

#[test]
fn a_live_lock_stops_a_second_run_without_touching_anything() {
    let h = host("jailconf-basic", &[]);
    let lock = h.state().join("lock");
    std::fs::create_dir_all(&lock).unwrap();
    std::fs::write(lock.join("pid"), std::process::id().to_string()).unwrap();
    let before = h.snap();
    let r = h.run("");
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("another run (pid"), "{}", r.stderr);
    assert!(!r.stderr.contains("rolling back"), "{}", r.stderr);
    assert!(lock.join("pid").exists(), "the other run's lock is kept");
    assert_eq!(h.snap(), before);
}

#[test]
fn inode_shortage_is_refused() {
    rolls_back("jailconf-basic", "inodes", false);
}

#[test]
fn resumed_run_failing_keeps_the_earlier_container_but_restores_the_root() {
    let h = host("jailconf-basic", &[]);
    assert_ne!(h.run("crash-mtree-c").code, 0);
    let r = h.run("mv-swap");
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("an earlier run made it"), "{}", r.stderr);
    assert!(h.root.join("jails/www.ufs").exists());
    assert!(h.root.join("jails/www/etc/motd").exists());
    assert!(!h.root.join("jails/www.pre-jailvol").exists());
    assert!(h.fake.units().is_empty() && h.fake.mounts().is_empty());
    // Fixed: the next run finishes from the kept container.
    let r = h.run("");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(h.done(), all_done());
}

#[test]
fn execute_runs_the_script() {
    let h = host("jailconf-basic", &[]);
    let _turn = fakemigrate::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut c = common::jailvol();
    c.env("PATH", format!("{}:/usr/bin:/bin", h.fake.bin.display()))
        .env("JV_STATE", &h.fake.state)
        .env("JV_FAIL", "")
        .arg("--root")
        .arg(&h.root)
        .args(["migrate", "www", "--execute"]);
    let r = common::run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("step start: done"), "{}", r.stderr);
    assert!(h.fake.running("www"));
    // The script is kept beside its markers; --execute again runs that one (the
    // configuration it was computed from has changed since).
    let saved = h.state().join("migrate.sh");
    assert!(
        std::fs::read_to_string(&saved)
            .unwrap()
            .starts_with("#!/bin/sh\n")
    );
    let mut c = common::jailvol();
    c.env("PATH", format!("{}:/usr/bin:/bin", h.fake.bin.display()))
        .env("JV_STATE", &h.fake.state)
        .arg("--root")
        .arg(&h.root)
        .args(["migrate", "www", "--execute"]);
    let r = common::run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("resuming with the script saved by the first run"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("already migrated"), "{}", r.stderr);
}

#[test]
fn state_dir_option_and_cli_errors() {
    let h = host("jailconf-basic", &["--state-dir", "/var/tmp/mig state"]);
    let text = std::fs::read_to_string(&h.script).unwrap();
    assert!(text.contains("/var/tmp/mig state'"), "{text}");
    let r = h.run("");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(h.root.join("var/tmp/mig state/done.start").exists());

    let mut c = common::jailvol();
    c.arg("--root")
        .arg(fixture("jailconf-basic"))
        .args(["migrate", "nope"]);
    let r = common::run(c);
    assert_eq!(r.code, 64, "{}", r.stderr);
    assert!(r.stderr.contains("no jail \"nope\""), "{}", r.stderr);
}

#[test]
fn shellcheck_clean() {
    if std::env::var_os("JAILVOL_SKIP_SHELLCHECK").is_some() {
        return;
    }
    for case in ["jailconf-basic", "rcconf-basic"] {
        let h = host(case, &["--stop"]);
        let out = Command::new("shellcheck")
            .args(["-s", "sh"])
            .arg(&h.script)
            .output()
            .expect("shellcheck is not installed (or set JAILVOL_SKIP_SHELLCHECK=1)");
        assert!(
            out.status.success(),
            "{case}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}
