//! `jailvol migrate` on the FreeBSD model (tests/common/fakebsd/): the script printed
//! for a jail.conf host and for an rc.conf host, run under dash as an admin would run
//! it — success, a failure at every step (rolled back to a byte-identical host tree,
//! then migrated by the next run with nothing lost), kills and power losses (resumed),
//! the lock, `--execute`, and the options. The scenarios that found data-loss defects
//! are in tests/migrate_scenarios.rs.

mod common;
#[path = "migrate_host/mod.rs"]
mod mhost;

use std::path::Path;
use std::process::Command;

use common::fakebsd::{Action, Host, skip_dash};
use mhost::{Mig, all_done, ok, rolls_back, start_old};

#[test]
fn jailconf_success_starts_the_jail_on_its_container_and_it_restarts() {
    if skip_dash() {
        return;
    }
    let m = Mig::jailconf();
    let files = Mig::contents(&m.root);
    let r = m.go();
    ok(&r);
    // The old root is renamed, never deleted.
    assert_eq!(Mig::contents(&m.old()), files);
    // The container holds the copy and is the jail's root, mounted by jail(8) from the
    // fstab generate writes, attached by the helper.
    m.runs_on_container();
    assert_eq!(Mig::contents(&m.root), files);
    assert_eq!(
        std::fs::read_link(m.root.join("tool")).unwrap(),
        Path::new("usr/bin/tool")
    );
    assert_eq!(std::fs::metadata(&m.file).unwrap().len(), 32 << 20);
    assert_eq!(m.h.units_of(&m.file), vec![mhost::UNIT]);
    assert!(!m.state.join("mnt").exists(), "the temporary mount point is gone");
    // The configuration generate would write, at the paths given with --fstab-dir and
    // --helper (not the defaults).
    let conf = std::fs::read_to_string(&m.conf).unwrap();
    let fstab = m.h.p("etc/jailvol/www.fstab");
    let helper = m.h.path("usr/local/libexec/jailvol-md");
    assert!(conf.contains("# The admin's jail.conf."), "{conf}");
    assert!(conf.contains("mount.fstab = "), "{conf}");
    assert!(conf.contains("exec.prepare += "), "{conf}");
    assert!(conf.contains("exec.release += "), "{conf}");
    assert!(std::fs::read_to_string(&fstab).unwrap().contains("/dev/md101"));
    assert_eq!(
        std::fs::read_to_string(&helper).unwrap(),
        jailvol::shell::helper_script()
    );
    // Every step marked, logged with timestamps.
    assert_eq!(m.done(), all_done());
    let own_log = std::fs::read_to_string(m.state.join("log")).unwrap();
    assert!(
        own_log
            .lines()
            .all(|l| l.starts_with("20") && l.contains("Z jailvol migrate www: ")),
        "{own_log}"
    );
    assert!(r.stderr.contains("step verify: done"), "{}", r.stderr);
    // A second run does nothing.
    let again = m.run();
    ok(&again);
    assert!(again.stderr.contains("already migrated"), "{}", again.stderr);
    // jail -r releases the container; the next start attaches and mounts it again.
    m.stop_and_start_again();
    assert_eq!(Mig::contents(&m.root), files);
}

#[test]
fn a_running_jail_is_refused_without_stop_and_stopped_with_it() {
    if skip_dash() {
        return;
    }
    let m = Mig::jailconf();
    m.print();
    start_old(&m);
    let before = m.snap();
    let r = m.run();
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("is running: stop it first, or use --stop"),
        "{}",
        r.stderr
    );
    assert_eq!(m.snap(), before);
    assert!(m.h.running("www"));
    assert!(!m.file.exists());

    let mut m = m;
    m.args.push("--stop".into());
    m.print();
    let r = m.run();
    ok(&r);
    assert!(
        m.h.log()
            .iter()
            .any(|l| l.starts_with("jail -f ") && l.ends_with(" -r www")),
        "{:?}",
        m.h.log()
    );
    m.runs_on_container();
}

const FAILURES: &[&str] = &[
    "df-small",
    "du-big",
    "inodes",
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
fn jailconf_failure_at_every_step_rolls_back_and_the_next_run_loses_nothing() {
    if skip_dash() {
        return;
    }
    for f in FAILURES {
        rolls_back(&Mig::jailconf(), f);
    }
    for f in ["stop", "start", "tar-x"] {
        let mut m = Mig::jailconf();
        m.args.push("--stop".into());
        rolls_back(&m, f);
    }
}

#[test]
fn a_container_that_stays_mounted_is_reported_and_the_root_kept() {
    if skip_dash() {
        return;
    }
    let m = Mig::jailconf();
    m.print();
    let before = m.snap();
    m.h.fault("umount", &[], 0, Action::Fail, true);
    let r = m.run();
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
    let mut after = m.snap();
    after.retain(|l| !l.starts_with("jails/www.ufs "));
    assert_eq!(after, before);
    assert_eq!(m.h.units_of(&m.file), vec![mhost::UNIT]);
}

#[test]
fn rcconf_success_switches_to_jailconf_and_service_starts_it() {
    if skip_dash() {
        return;
    }
    let m = Mig::rcconf();
    let files = Mig::contents(&m.root);
    let r = m.go();
    ok(&r);
    let rc = std::fs::read_to_string(m.rc.as_ref().unwrap()).unwrap();
    assert!(!rc.contains("jail_www_rootdir"), "{rc}");
    assert!(rc.contains("jail_list=\"\""), "{rc}");
    assert!(rc.contains("jail_enable=\"YES\""), "{rc}");
    assert!(rc.contains("jail_www_hostname=\"www.example.org\""), "kept: {rc}");
    let conf = std::fs::read_to_string(&m.conf).unwrap();
    assert!(conf.contains("www {"), "{conf}");
    assert!(conf.contains("exec.release += "), "{conf}");
    assert!(
        m.h.log().iter().any(|l| l == "service jail start www"),
        "{:?}",
        m.h.log()
    );
    m.runs_on_container();
    assert_eq!(Mig::contents(&m.root), files);
    assert_eq!(m.done(), all_done());
    // rc.d/jail now starts it from jail.conf: a stop and a start through service.
    ok(&m.h.run("service", &["jail", "stop", "www"]));
    assert!(!m.h.running("www"));
    assert!(m.h.state().units.is_empty(), "{:?}", m.h.state().units);
    ok(&m.h.run("service", &["jail", "start", "www"]));
    m.runs_on_container();
}

// `service jail start` exits 0 when the jail does not start (rc.d/jail jail_start): the
// "start" failure here is caught only by the script's jls check.
#[test]
fn rcconf_failure_rolls_back_rc_conf_and_jail_conf() {
    if skip_dash() {
        return;
    }
    for f in ["sysrc", "mv-config", "start", "tar-x"] {
        rolls_back(&Mig::rcconf(), f);
    }
    for f in ["start", "stop"] {
        let mut m = Mig::rcconf();
        m.args.push("--stop".into());
        rolls_back(&m, f);
    }
}

/// The commands a run's own log says it ran (`+ CMD` lines).
fn ran(r: &common::Run, cmd: &str) -> bool {
    r.stderr.contains(&format!("www: + {cmd}"))
}

#[test]
fn resume_after_a_kill_skips_finished_steps() {
    if skip_dash() {
        return;
    }
    // Killed (no trap) while checking the copy: allocate..copy are done.
    let m = Mig::jailconf();
    m.print();
    m.fault("mtree", &["-f"], 0, Action::Kill);
    let r = m.run();
    assert_eq!(r.code, -1, "killed: {}", r.stderr);
    assert!(!r.stderr.contains("rolling back"), "{}", r.stderr);
    let done = m.done();
    for s in ["preflight", "backup", "allocate", "newfs", "copy"] {
        assert!(done.contains(&format!("done.{s}")), "{done:?}");
    }
    assert!(!done.contains(&"done.verify".to_string()));
    let r = m.run();
    ok(&r);
    for redo in ["dd ", "newfs ", "tar ", "mdconfig -a"] {
        assert!(!ran(&r, redo), "{redo} was run again:\n{}", r.stderr);
    }
    assert!(ran(&r, "mtree -x -c"), "{}", r.stderr);
    for s in ["preflight", "backup", "allocate", "newfs", "copy"] {
        assert!(
            r.stderr.contains(&format!("step {s}: done earlier, skipped")),
            "{}",
            r.stderr
        );
    }
    assert_eq!(m.done(), all_done());
    m.runs_on_container();
    assert!(m.old().join("etc/rc.conf").exists());
}

#[test]
fn resume_after_a_power_loss_attaches_and_mounts_again() {
    if skip_dash() {
        return;
    }
    let m = Mig::jailconf();
    let files = Mig::contents(&m.root);
    m.print();
    // The power goes while mtree checks the copy: no unit, no mount after the reboot;
    // the container's file system was mounted read-write and is not clean.
    m.fault("mtree", &["-f"], 0, Action::Crash);
    assert_eq!(m.run().code, -1);
    assert!(m.h.state().units.is_empty() && m.h.state().mounts.is_empty());
    assert!(!m.h.ufs(&m.file).unwrap().clean);
    let r = m.run();
    ok(&r);
    assert!(
        r.stderr.contains("taking over the lock of a run that is gone"),
        "{}",
        r.stderr
    );
    assert!(ran(&r, "mdconfig -a -t vnode"), "{}", r.stderr);
    assert!(ran(&r, "mount -t ufs /dev/md101"), "{}", r.stderr);
    assert!(!ran(&r, "newfs") && !ran(&r, "tar "), "{}", r.stderr);
    assert_eq!(m.done(), all_done());
    m.runs_on_container();
    assert_eq!(Mig::contents(&m.root), files);
}

#[test]
fn interrupted_allocation_and_copy_are_redone_from_scratch() {
    if skip_dash() {
        return;
    }
    // Killed inside dd: the claimed file is ours and is written again.
    let m = Mig::jailconf();
    m.print();
    m.interpose("dd", "kill -KILL 0");
    assert_eq!(m.run().code, -1);
    assert!(m.state.join("claimed").exists());
    m.clear_interposed();
    let r = m.run();
    ok(&r);
    assert!(
        r.stderr.contains("an earlier allocation was interrupted"),
        "{}",
        r.stderr
    );
    assert_eq!(m.done(), all_done());
    m.runs_on_container();

    // Killed inside tar -x: the container is formatted again before the copy.
    let m = Mig::jailconf();
    let files = Mig::contents(&m.root);
    m.print();
    m.fault("tar", &["-xpf"], 0, Action::Kill);
    assert_eq!(m.run().code, -1);
    assert!(m.state.join("copy.started").exists());
    let r = m.run();
    ok(&r);
    assert!(
        r.stderr.contains("an earlier copy was interrupted"),
        "{}",
        r.stderr
    );
    assert!(
        ran(&r, "umount ") && ran(&r, "newfs -U /dev/md101"),
        "{}",
        r.stderr
    );
    assert!(!ran(&r, "dd "), "{}", r.stderr);
    assert_eq!(m.done(), all_done());
    m.runs_on_container();
    assert_eq!(Mig::contents(&m.root), files);
}

#[test]
fn a_live_lock_stops_a_second_run_without_touching_anything() {
    if skip_dash() {
        return;
    }
    let m = Mig::jailconf();
    m.print();
    let lock = m.state.join("lock");
    std::fs::create_dir_all(&lock).unwrap();
    std::fs::write(lock.join("pid"), std::process::id().to_string()).unwrap();
    let before = m.snap();
    let r = m.run();
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("another run (pid"), "{}", r.stderr);
    assert!(!r.stderr.contains("rolling back"), "{}", r.stderr);
    assert!(lock.join("pid").exists(), "the other run's lock is kept");
    assert_eq!(m.snap(), before);
    assert!(m.h.log().iter().all(|l| l.starts_with("id ")), "{:?}", m.h.log());
}

#[test]
fn a_resumed_run_that_fails_keeps_the_earlier_container_but_restores_the_root() {
    if skip_dash() {
        return;
    }
    let m = Mig::jailconf();
    m.print();
    m.fault("mtree", &["-c"], 0, Action::Kill);
    assert_eq!(m.run().code, -1);
    mhost::inject(&m, "mv-swap");
    let r = m.run();
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("an earlier run made it"), "{}", r.stderr);
    assert!(m.file.exists());
    assert!(m.root.join("etc/rc.conf").exists());
    assert!(!m.old().exists());
    assert!(m.h.state().units.is_empty() && m.h.state().mounts.is_empty());
    // Fixed: the next run finishes from the kept container.
    m.clear_interposed();
    let r = m.run();
    ok(&r);
    assert_eq!(m.done(), all_done());
    m.runs_on_container();
}

#[test]
fn execute_runs_the_script_and_resumes_the_saved_one_once_config_began() {
    if skip_dash() {
        return;
    }
    let m = Mig::jailconf();
    let r = m.migrate(&["--execute"]);
    ok(&r);
    assert!(r.stderr.contains("step start: done"), "{}", r.stderr);
    m.runs_on_container();
    // The script is kept beside its markers; --execute again runs that one (the
    // configuration it was computed from has changed since).
    let saved = m.state.join("migrate.sh");
    assert!(
        std::fs::read_to_string(&saved)
            .unwrap()
            .starts_with("#!/bin/sh\n")
    );
    let r = m.migrate(&["--execute"]);
    ok(&r);
    assert!(
        r.stderr
            .contains("resuming with the script saved by the first run"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("already migrated"), "{}", r.stderr);
}

#[test]
fn execute_computes_a_new_script_while_the_configuration_is_untouched() {
    if skip_dash() {
        return;
    }
    // Killed before the config step; then the admin adds a jail to jail.conf.
    let m = Mig::jailconf();
    m.fault("mtree", &["-f"], 0, Action::Kill);
    assert_eq!(m.migrate(&["--execute"]).code, -1);
    m.wait_gone();
    let mut conf = std::fs::read_to_string(&m.conf).unwrap();
    conf.push_str("\ndb {\n\tpath = /nonexistent;\n}\n");
    std::fs::write(&m.conf, &conf).unwrap();
    let r = m.migrate(&["--execute"]);
    ok(&r);
    assert!(
        !r.stderr.contains("resuming with the script saved"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("step copy: done earlier, skipped"),
        "{}",
        r.stderr
    );
    m.runs_on_container();
    let now = std::fs::read_to_string(&m.conf).unwrap();
    assert!(now.contains("db {\n\tpath = /nonexistent;\n}"), "{now}");
}

#[test]
fn state_dir_option_and_cli_errors() {
    if skip_dash() {
        return;
    }
    let mut m = Mig::jailconf();
    m.state = m.h.path("var/tmp/mig state");
    let text = m.print();
    assert!(text.contains("/var/tmp/mig state'"), "{text}");
    ok(&m.run());
    assert!(m.state.join("done.start").exists());

    let r = m.h.jailvol(&["-f", &m.p(&m.conf), "migrate", "nope"]);
    assert_eq!(r.code, 64, "{}", r.stderr);
    assert!(r.stderr.contains("no jail \"nope\""), "{}", r.stderr);
}

// The state directory serves one migration: a script for another container (here: the
// size changed) refuses to continue an unfinished one.
#[test]
fn a_state_directory_is_not_reused_for_another_container() {
    if skip_dash() {
        return;
    }
    let m = Mig::jailconf();
    m.print();
    m.fault("mtree", &["-f"], 0, Action::Kill);
    assert_eq!(m.run().code, -1);
    let conf = std::fs::read_to_string(&m.conf)
        .unwrap()
        .replace("$volume_size = 32M;", "$volume_size = 64M;");
    std::fs::write(&m.conf, conf).unwrap();
    m.print();
    let before = m.snap();
    let r = m.run();
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("holds an unfinished migration"), "{}", r.stderr);
    assert_eq!(m.snap(), before);
}

#[test]
fn shellcheck_clean() {
    if skip_dash() {
        return;
    }
    // Plain paths: the script embeds the hooks, whose quoting of a path with a `'` is
    // jail.conf's and the helper's business (shellcheck only sees a literal).
    for mut m in [Mig::jailconf_on(Host::plain(), ""), Mig::rcconf_on(Host::plain())] {
        m.args.push("--stop".into());
        m.print();
        let out = Command::new("shellcheck")
            .args(["-s", "sh"])
            .arg(&m.script)
            .output()
            .expect("shellcheck");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    }
}
