//! Scenarios of `jailvol migrate` on the FreeBSD model that once lost data or left a
//! jail that does not run (issue 17), each failing before its fix:
//!
//! * a stale copy swapped in after a rollback (the jail ran on its old root since the
//!   copy was made);
//! * a kill at every step, then a failure, then a run: nothing written to the root at
//!   any time is lost;
//! * jail.conf edited between printing the script and running it (or during the run);
//! * the admin's jail.conf holding text that looks like the script's own placeholders;
//! * the container's directory behind a symbolic link (mdconfig lists realpaths);
//! * something mounted below the jail's root (tar and mtree would cross into it);
//! * `service jail start` exiting 0 when the jail did not start (rc.d/jail).

mod common;
#[path = "migrate_host/mod.rs"]
mod mhost;

use std::path::{Path, PathBuf};

use common::fakebsd::{Action, Host, jq, skip_dash, sq};
use mhost::{Mig, all_done, ok, start_old};

/// Stop the jail the way the host does before the migration.
fn stop_old(m: &Mig) {
    let r = if m.rc.is_some() {
        m.h.run("service", &["jail", "stop", "www"])
    } else {
        m.h.stop(&m.conf, "www")
    };
    ok(&r);
    assert!(!m.h.running("www"), "{}{}", r.stdout, r.stderr);
}

/// The jail runs on its old root and writes to it: a new file, a changed one, a
/// removed one (whatever the kill or the failure before left in place).
fn jail_writes(m: &Mig, tag: &str) {
    start_old(m);
    std::fs::write(m.root.join(format!("var/log/{tag}")), format!("written: {tag}\n")).unwrap();
    let rc = m.root.join("etc/rc.conf");
    let mut text = std::fs::read_to_string(&rc).unwrap();
    text.push_str(&format!("# {tag}\n"));
    std::fs::write(&rc, text).unwrap();
    let _ = std::fs::remove_file(m.root.join("var/log/a log"));
    stop_old(m);
}

// Point 1: an earlier run made and verified the container, and was killed in the swap;
// the next run failed at the start and put the old root back (keeping the container and
// its copy/verify markers); the jail ran on the old root. The run after that must not
// swap in the old copy.
#[test]
fn a_stale_copy_is_never_swapped_in() {
    if skip_dash() {
        return;
    }
    let m = Mig::jailconf();
    m.print();
    m.fault("umount", &[], 0, Action::Kill);
    assert_eq!(m.run().code, -1);
    assert!(m.done().contains(&"done.verify".to_owned()), "{:?}", m.done());
    m.h.clear_faults();
    m.h.fail("jail", &["-c"]);
    let r = m.run();
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("rolled back"), "{}", r.stderr);
    assert!(r.stderr.contains("kept"), "{}", r.stderr);
    assert!(m.file.exists() && !m.old().exists());
    jail_writes(&m, "after the rollback");
    let want = Mig::contents(&m.root);
    let r = m.run();
    ok(&r);
    assert!(
        r.stderr
            .contains("differs from the copy an earlier run made: copying it again"),
        "{}",
        r.stderr
    );
    m.runs_on_container();
    assert_eq!(Mig::contents(&m.root), want);
    assert!(!m.root.join("var/log/a log").exists(), "a removed file came back");
}

/// Where a run is stopped dead: (what, how).
enum Kill {
    Fault(&'static str, &'static [&'static str], u32, Action),
    /// An interposed command whose body kills the run.
    Wrap(&'static str, &'static str),
}

const KILLS: &[(&str, Kill)] = &[
    ("preflight: df", Kill::Fault("df", &[], 0, Action::Kill)),
    (
        "backup: cp",
        Kill::Wrap("cp", "case \"$*\" in *\"/saved.\"*) kill -KILL 0 ;; esac"),
    ),
    ("allocate: dd", Kill::Wrap("dd", "kill -KILL 0")),
    ("newfs: attach", Kill::Fault("mdconfig", &["-a"], 0, Action::Kill)),
    ("newfs: newfs", Kill::Fault("newfs", &[], 0, Action::Kill)),
    ("copy: mount", Kill::Fault("mount", &["ufs"], 0, Action::Kill)),
    ("copy: tar -x", Kill::Fault("tar", &["-xpf"], 0, Action::Kill)),
    ("verify: mtree -c", Kill::Fault("mtree", &["-c"], 0, Action::Kill)),
    (
        "verify: mtree -f, power loss",
        Kill::Fault("mtree", &["-f"], 0, Action::Crash),
    ),
    ("swap: umount", Kill::Fault("umount", &[], 0, Action::Kill)),
    ("swap: detach", Kill::Fault("mdconfig", &["-d"], 0, Action::Kill)),
    (
        "swap: mv",
        Kill::Wrap("mv", "case \"$*\" in *.pre-jailvol) kill -KILL 0 ;; esac"),
    ),
    (
        "config: the third file",
        Kill::Wrap(
            "mv",
            "case \"$*\" in *.jailvol-new*)\n\
             \tn=$(cat \"$JV_WRAP/mv.count\" 2>/dev/null || echo 0)\n\
             \tn=$((n + 1))\n\
             \techo \"$n\" >\"$JV_WRAP/mv.count\"\n\
             \t[ \"$n\" != 3 ] || kill -KILL 0 ;;\nesac",
        ),
    ),
    ("start: jail -c", Kill::Fault("jail", &["-c"], 0, Action::Kill)),
    (
        "start: jail(8) mounting devfs",
        Kill::Fault("mount", &["devfs"], 0, Action::Kill),
    ),
    (
        "start: jail(8) mounting devfs, power loss",
        Kill::Fault("mount", &["devfs"], 0, Action::Crash),
    ),
    // The third jls: the one after the jail started.
    ("start: jls", Kill::Fault("jls", &[], 2, Action::Kill)),
];

const RC_KILLS: &[(&str, Kill)] = &[
    ("copy: tar -x", Kill::Fault("tar", &["-xpf"], 0, Action::Kill)),
    ("config: sysrc", Kill::Fault("sysrc", &["-x"], 0, Action::Kill)),
    ("start: jail -c", Kill::Fault("jail", &["-c"], 0, Action::Kill)),
    ("start: jls", Kill::Fault("jls", &[], 2, Action::Kill)),
];

/// Kill a run at `kill`; the jail runs on its root (if it is still there) and writes;
/// the next run fails at the jail's start and rolls back; the jail writes again; the
/// run after that migrates. Every file ever written is in the container.
fn kill_fail_run(m: &Mig, what: &str, kill: &Kill) {
    m.print();
    match kill {
        Kill::Fault(cmd, args, skip, action) => m.fault(cmd, args, *skip, *action),
        Kill::Wrap(cmd, body) => m.interpose(cmd, body),
    }
    let r = m.run();
    assert_eq!(r.code, -1, "{what}: not killed: {}", r.stderr);
    m.h.clear_faults();
    m.clear_interposed();
    if !m.old().exists() {
        jail_writes(m, "after the kill");
    }
    m.h.fail("jail", &["-c"]);
    let r = m.run();
    m.h.clear_faults();
    if r.code == 0 {
        // Killed after the jail started on its container: nothing to fail any more.
        assert!(
            r.stderr.contains("runs on its new configuration"),
            "{what}: {}",
            r.stderr
        );
    } else {
        assert_eq!(r.code, 1, "{what}: {}", r.stderr);
        assert!(
            r.stderr
                .contains("rolled back: root and configuration are as before"),
            "{what}: {}",
            r.stderr
        );
        assert!(!m.h.running("www"), "{what}");
        assert!(m.h.state().mounts.is_empty(), "{what}: {:?}", m.h.state().mounts);
        assert!(m.h.state().units.is_empty(), "{what}: {:?}", m.h.state().units);
        jail_writes(m, "after the failure");
        let want = Mig::contents(&m.root);
        let r = m.run();
        assert_eq!(r.code, 0, "{what}: {}", r.stderr);
        m.runs_on_container();
        assert_eq!(Mig::contents(&m.root), want, "{what}: files lost");
    }
    assert_eq!(m.done(), all_done(), "{what}");
    m.runs_on_container();
    m.stop_and_start_again();
}

#[test]
fn a_kill_at_every_step_then_a_failure_then_a_run_loses_nothing() {
    if skip_dash() {
        return;
    }
    for (what, kill) in KILLS {
        kill_fail_run(&Mig::jailconf(), what, kill);
    }
}

#[test]
fn rcconf_a_kill_then_a_failure_then_a_run_loses_nothing() {
    if skip_dash() {
        return;
    }
    for (what, kill) in RC_KILLS {
        kill_fail_run(&Mig::rcconf(), what, kill);
    }
}

// A run killed while jail(8) was starting the jail (the container mounted on the root,
// devfs not yet): the next run clears what it left and starts the jail.
#[test]
fn a_start_killed_half_way_is_resumed() {
    if skip_dash() {
        return;
    }
    let m = Mig::jailconf();
    let files = Mig::contents(&m.root);
    m.print();
    m.fault("mount", &["devfs"], 0, Action::Kill);
    assert_eq!(m.run().code, -1);
    assert!(m.h.mounted_at(&m.root).is_some());
    assert!(!m.h.running("www"));
    let r = m.run();
    ok(&r);
    assert!(
        r.stderr.contains("an interrupted start left mounts"),
        "{}",
        r.stderr
    );
    m.runs_on_container();
    assert_eq!(Mig::contents(&m.root), files);
    m.stop_and_start_again();
}

// Point 2: the config step writes jail.conf as computed when the script was printed.
#[test]
fn jail_conf_edited_after_printing_makes_the_script_refuse() {
    if skip_dash() {
        return;
    }
    let m = Mig::jailconf();
    m.print();
    let edited = format!(
        "{}\ndb {{\n\tpath = {};\n}}\n",
        std::fs::read_to_string(&m.conf).unwrap(),
        jq(&m.h.p("jails/db"))
    );
    std::fs::write(&m.conf, &edited).unwrap();
    let before = m.snap();
    let r = m.run();
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains(&format!("{} changed since this script was printed", m.p(&m.conf))),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("this run changed nothing: print the script again"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("rolling back"), "{}", r.stderr);
    assert_eq!(m.snap(), before);
    assert!(!m.file.exists() && m.done().is_empty());
    assert!(m.h.log().iter().all(|l| l.starts_with("id ")), "{:?}", m.h.log());
    // Printed again, the script migrates and keeps the new jail.
    m.print();
    ok(&m.run());
    m.runs_on_container();
    let conf = std::fs::read_to_string(&m.conf).unwrap();
    assert!(
        conf.contains(&format!("db {{\n\tpath = {};\n}}", jq(&m.h.p("jails/db")))),
        "{conf}"
    );
    assert!(conf.contains("exec.prepare += "), "{conf}");
}

// The config step checks again: an edit made while the copy ran stops it, and the
// rollback leaves the admin's file alone.
#[test]
fn jail_conf_edited_during_the_run_stops_the_config_step() {
    if skip_dash() {
        return;
    }
    let m = Mig::jailconf();
    m.print();
    m.interpose(
        "mtree",
        &format!(
            "case \"$*\" in *-f*) printf '# edited during the run\\n' >>{} ;; esac",
            sq(&m.p(&m.conf))
        ),
    );
    let files = Mig::contents(&m.root);
    let r = m.run();
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("changed since this script was printed"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("rolled back: root and configuration are as before"),
        "{}",
        r.stderr
    );
    let conf = std::fs::read_to_string(&m.conf).unwrap();
    assert!(conf.ends_with("}\n# edited during the run\n"), "{conf}");
    assert!(!conf.contains("exec.prepare"), "{conf}");
    assert_eq!(Mig::contents(&m.root), files);
    assert!(!m.file.exists());
    m.clear_interposed();
    m.print();
    ok(&m.run());
    m.runs_on_container();
    assert!(
        std::fs::read_to_string(&m.conf)
            .unwrap()
            .contains("# edited during the run\n"),
    );
}

// After the config step wrote jail.conf, an edit by the admin is theirs: a rollback
// says so and leaves it, rather than putting the old file back over it.
#[test]
fn the_rollback_never_overwrites_an_edit_made_after_the_config_step() {
    if skip_dash() {
        return;
    }
    let m = Mig::jailconf();
    m.print();
    m.fault("jail", &["-c"], 0, Action::Kill);
    assert_eq!(m.run().code, -1);
    m.h.clear_faults();
    let mut conf = std::fs::read_to_string(&m.conf).unwrap();
    assert!(conf.contains("exec.prepare"), "{conf}");
    conf.push_str("# mine\n");
    std::fs::write(&m.conf, &conf).unwrap();
    m.h.fail("jail", &["-c"]);
    let r = m.run();
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("was changed after the config step wrote it: left as it is"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("rollback incomplete"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&m.conf).unwrap(), conf);
    // The root itself is back.
    assert!(m.root.join("etc/rc.conf").exists() && !m.old().exists());
}

// A run killed half-way through the config step (the fstab and the helper written, not
// jail.conf); the admin then edits jail.conf, and the script refuses. A script printed
// again writes only jail.conf: its records in the state directory must be jail.conf's
// own (a rollback putting back another file's saved copy, or removing jail.conf because
// the fstab did not exist before, would lose the admin's file).
#[test]
fn a_script_printed_again_after_a_partial_config_step_restores_the_right_file() {
    if skip_dash() {
        return;
    }
    let m = Mig::jailconf();
    m.print();
    m.interpose(
        "mv",
        "case \"$*\" in *.jailvol-new*)\n\
         \tn=$(cat \"$JV_WRAP/mv.count\" 2>/dev/null || echo 0)\n\
         \tn=$((n + 1))\n\
         \techo \"$n\" >\"$JV_WRAP/mv.count\"\n\
         \t[ \"$n\" != 3 ] || kill -KILL 0 ;;\nesac",
    );
    assert_eq!(m.run().code, -1);
    m.clear_interposed();
    assert!(m.h.path("etc/jailvol/www.fstab").exists());
    let mut conf = std::fs::read_to_string(&m.conf).unwrap();
    assert!(!conf.contains("exec.prepare"), "{conf}");
    conf.push_str("# mine\n");
    std::fs::write(&m.conf, &conf).unwrap();
    let r = m.run();
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("print the script again"), "{}", r.stderr);
    let text = m.print();
    assert!(!text.contains("www.fstab' 644 '"), "the fstab is written already");
    assert!(text.contains("jail.conf' 644 '"), "{text}");
    m.h.fail("jail", &["-c"]);
    let r = m.run();
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("rolled back"), "{}", r.stderr);
    assert_eq!(std::fs::read_to_string(&m.conf).unwrap(), conf);
    m.h.clear_faults();
    ok(&m.run());
    m.runs_on_container();
    assert!(std::fs::read_to_string(&m.conf).unwrap().contains("# mine\n"),);
}

// The rc.conf switch empties jail_list only while the jail is all it lists.
#[test]
fn rcconf_jail_list_edited_after_printing_makes_the_script_refuse() {
    if skip_dash() {
        return;
    }
    let m = Mig::rcconf();
    let text = m.print();
    assert!(text.contains("jail_list="), "{text}");
    let rc = m.rc.clone().unwrap();
    let edited = std::fs::read_to_string(&rc)
        .unwrap()
        .replace("jail_list=\"www\"", "jail_list=\"www db\"");
    std::fs::write(&rc, &edited).unwrap();
    let before = m.snap();
    let r = m.run();
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "jail_list in {} changed since this script was printed (now: www db; then: www)",
            m.p(&rc)
        )),
        "{}",
        r.stderr
    );
    assert_eq!(m.snap(), before);
}

// Point 4: the admin's jail.conf is embedded in the script; text in it that looks like
// a placeholder, quotes, `$`, backslashes and a line `EOF` come out byte for byte.
#[test]
fn hostile_text_in_jail_conf_survives_byte_for_byte() {
    if skip_dash() {
        return;
    }
    let m = Mig::jailconf();
    let prefix = "# @START@ is not a placeholder; it's $HOME, `id`, \\\\ and \"q\"\n\
                  /*\nEOF\n'\n@START@'\n$(touch /tmp/jailvol-hostile)\n*/\n// @START@ '\\'' \\\n";
    let conf = format!("{prefix}{}", std::fs::read_to_string(&m.conf).unwrap());
    std::fs::write(&m.conf, &conf).unwrap();
    let text = m.print();
    assert!(!text.contains("jail -f ' -c"), "{text}");
    ok(&m.run());
    let now = std::fs::read_to_string(&m.conf).unwrap();
    assert!(now.starts_with(prefix), "{now}");
    assert!(now.contains("exec.prepare += "), "{now}");
    m.runs_on_container();
    m.stop_and_start_again();
}

/// A jail whose container is in /home/... where /home is a symbolic link to /usr/home.
fn symlinked() -> Mig {
    let h = Host::new();
    std::fs::create_dir_all(h.path("usr/home")).unwrap();
    std::os::unix::fs::symlink(h.path("usr/home"), h.path("home")).unwrap();
    let file = h.p("home/www.ufs");
    let mut m = Mig::jailconf_on(h, "");
    std::fs::write(&m.conf, mhost::jail_conf(&m.p(&m.root), Some(&file), "")).unwrap();
    m.file = PathBuf::from(file);
    m
}

// Point 6: mdconfig keeps and lists realpath(FILE) (sbin/mdconfig/mdconfig.c md_set_file):
// a resumed run must find its unit through the link.
#[test]
fn a_symlinked_container_is_found_when_resuming() {
    if skip_dash() {
        return;
    }
    let m = symlinked();
    m.print();
    m.fault("mount", &["ufs"], 0, Action::Kill);
    assert_eq!(m.run().code, -1);
    assert_eq!(m.h.units_of(&m.file), vec![mhost::UNIT]);
    let r = m.run();
    ok(&r);
    assert!(
        !r.stderr.contains("+ mdconfig -a"),
        "attached twice: {}",
        r.stderr
    );
    m.runs_on_container();
    assert!(m.h.path("usr/home/www.ufs").is_file());
}

// ...and the rollback must detach the unit a failed start left (jail(8) runs no
// exec.release then) before it removes the file, never remove an attached one.
#[test]
fn a_symlinked_container_is_detached_before_it_is_removed() {
    if skip_dash() {
        return;
    }
    let m = symlinked();
    m.print();
    m.h.fail("mount", &["devfs"]);
    let r = m.run();
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("rolled back: root and configuration are as before"),
        "{}",
        r.stderr
    );
    let st = m.h.state();
    assert!(st.units.is_empty(), "{:?}", st.units);
    assert!(st.mounts.is_empty(), "{:?}", st.mounts);
    assert!(!m.h.path("usr/home/www.ufs").exists());
}

// Point 8: tar and mtree cross mount points unless told not to; a stopped jail has
// nothing mounted below its root (jail(8) unmounts at stop), so anything there is a
// leftover: the script refuses and names it, and never copies it.
#[test]
fn something_mounted_below_the_root_is_refused_and_never_copied() {
    if skip_dash() {
        return;
    }
    let m = Mig::jailconf();
    std::fs::create_dir_all(m.h.path("ports")).unwrap();
    std::fs::write(m.h.path("ports/foreign"), "not the jail's\n").unwrap();
    let below = m.root.join("usr/ports");
    std::fs::create_dir_all(&below).unwrap();
    let nullfs = |m: &Mig| ok(&m.h.run("mount", &["-t", "nullfs", &m.h.p("ports"), &m.p(&below)]));
    nullfs(&m);
    m.print();
    let before = m.snap();
    let r = m.run();
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains(&format!("mounted at or below the root: {}", m.p(&below))),
        "{}",
        r.stderr
    );
    assert_eq!(m.snap(), before);
    assert!(!m.file.exists());
    assert_eq!(m.h.state().mounts.len(), 1);

    // A mount that appears while a migration is under way (here: between a killed run
    // and its resume): the copy and its check leave it out, and the swap refuses.
    ok(&m.h.run("umount", &[&m.p(&below)]));
    m.fault("mount", &["ufs"], 0, Action::Kill);
    assert_eq!(m.run().code, -1);
    m.h.clear_faults();
    nullfs(&m);
    let r = m.run();
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("mounted at or below the root"), "{}", r.stderr);
    assert!(r.stderr.contains("step copy: done"), "{}", r.stderr);
    let copied = m.h.files_in(&m.file);
    assert!(copied.contains(&PathBuf::from("etc/rc.conf")), "{copied:?}");
    assert!(!copied.iter().any(|p| p.starts_with("usr/ports/")), "{copied:?}");
    ok(&m.h.run("umount", &[&m.p(&below)]));
    ok(&m.run());
    m.runs_on_container();
    assert!(m.root.join("usr/ports").is_dir());
    assert!(!m.root.join("usr/ports/foreign").exists());
    assert!(Path::new(&m.h.p("ports/foreign")).exists());
}

// rc.d/jail's start exits 0 when the jail does not start: the script asks jls(8).
#[test]
fn rcconf_a_jail_that_does_not_start_is_rolled_back() {
    if skip_dash() {
        return;
    }
    let m = Mig::rcconf();
    m.print();
    let before = m.snap();
    m.h.fail("jail", &["-c"]);
    let r = m.run();
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.contains("cannot start jail"), "{}", r.stdout);
    assert!(
        r.stderr
            .contains("jail www is not running after the start command"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("rolled back: root and configuration are as before"),
        "{}",
        r.stderr
    );
    assert_eq!(m.snap(), before);
    assert!(m.h.state().units.is_empty() && m.h.state().mounts.is_empty());
}
