//! A geli container's life on the FreeBSD model (hooks style): generate, create, then
//! jail(8) starts and stops it; exec.prepare attaches md then geli with the keyfile
//! (never a passphrase) and checks `/dev/mdN.eli`, the fstab mounts `/dev/mdN.eli`,
//! exec.release detaches geli then md. A failure at each step of a start or a stop
//! leaves a host the next start and stop bring back to nothing attached.

mod common;

use std::path::PathBuf;

use common::Run;
use common::fakebsd::{Host, jq, skip_dash};

fn ok(r: &Run) {
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
}

struct Site {
    h: Host,
    conf: PathBuf,
}

/// One jail `www` of 64 MiB at `jails/www`, encrypted with `keys/www key` (a blank).
fn site() -> Site {
    let h = Host::new();
    h.make_root("tree");
    std::fs::create_dir_all(h.path("jails/www")).unwrap();
    std::fs::create_dir_all(h.path("keys")).unwrap();
    h.write("keys/www key", &"k".repeat(64));
    let conf = h.write(
        "etc/jail.conf",
        &format!(
            "www {{\n\tpath = {};\n\tmount.devfs;\n\t$volume_size = 64M;\n\t$volume_encrypt = geli;\n\t\
             $volume_keyfile = {};\n}}\n",
            jq(&h.p("jails/www")),
            jq(&h.p("keys/www key")),
        ),
    );
    let s = Site { h, conf };
    let fstab_dir = s.h.p("etc/jailvol");
    let helper = s.h.p("usr/local/libexec/jailvol-md");
    ok(&s.jailvol(&["generate", "--fstab-dir", &fstab_dir, "--helper", &helper]));
    ok(&s.jailvol(&["create", "--from", &s.h.p("tree"), "www"]));
    s
}

impl Site {
    fn jailvol(&self, args: &[&str]) -> Run {
        let mut a = vec!["-f", self.conf.to_str().unwrap()];
        a.extend_from_slice(args);
        self.h.jailvol(&a)
    }
    fn root(&self) -> PathBuf {
        self.h.path("jails/www")
    }
    fn container(&self) -> PathBuf {
        self.h.path("jails/www.ufs")
    }
    fn quiet(&self, what: &str) {
        let st = self.h.state();
        assert!(st.units.is_empty(), "{what}: {:?}", st.units);
        assert!(st.eli.is_empty(), "{what}: {:?}", st.eli);
        assert!(st.mounts.is_empty(), "{what}: {:?}", st.mounts);
        assert!(!self.h.running("www"), "{what}");
    }
}

fn has(log: &[String], prefix: &str) -> bool {
    log.iter().any(|l| l.starts_with(prefix))
}

#[test]
fn start_stop_start_mounts_the_eli_provider() {
    if skip_dash() {
        return;
    }
    let s = site();
    s.quiet("after create");
    let c = s.container();
    for round in 0..2 {
        ok(&s.h.start(&s.conf, "www"));
        let root = s.h.mounted_at(&s.root()).expect("the root is mounted");
        assert_eq!(root.device, "/dev/md100.eli", "round {round}");
        assert_eq!(s.h.units_of(&c), vec![100]);
        assert!(s.h.state().eli.contains(&100));
        assert!(s.root().join("etc/rc.conf").is_file(), "the jail sees its tree");
        std::fs::write(s.root().join(format!("tmp/written-{round}")), "x").unwrap();
        ok(&s.h.stop(&s.conf, "www"));
        s.quiet(&format!("round {round}"));
    }
    let log = s.h.log();
    assert!(has(&log, "geli attach -p -k "), "{log:?}");
    assert!(
        log.iter().any(|l| l == "fsck -t ufs -p /dev/md100.eli"),
        "{log:?}"
    );
    assert!(
        !log.iter().any(|l| l.starts_with("geli") && l.contains("-j")),
        "no passphrase"
    );
    let files = s.h.files_in(&c);
    assert!(files.contains(&PathBuf::from("tmp/written-1")), "{files:?}");
    assert_eq!(
        std::fs::read_to_string(s.h.path("keys/www key")).unwrap(),
        "k".repeat(64)
    );
}

/// A start that fails at each step of exec.prepare or at the mount: jail(8) runs no
/// exec.release (command.c), so what prepare attached stays; the next start takes it
/// as it is (idempotent), and the stop then leaves nothing attached.
#[test]
fn a_failed_start_at_each_step_then_start_and_stop() {
    if skip_dash() {
        return;
    }
    let cases: &[(&str, &[&str])] = &[
        ("mdconfig", &["-a"]),
        ("geli", &["attach"]),
        ("fsck", &[]),
        ("mount", &["md100.eli"]),
        ("mount", &["devfs"]),
    ];
    for (cmd, args) in cases {
        let what = format!("{cmd} {args:?}");
        let s = site();
        s.h.fail(cmd, args);
        let r = s.h.start(&s.conf, "www");
        assert_ne!(r.code, 0, "{what}");
        assert!(!s.h.running("www"), "{what}");
        assert!(s.h.state().mounts.is_empty(), "{what}: {:?}", s.h.state().mounts);
        if s.h.state().eli.contains(&100) {
            // status's advice detaches geli before md, which md(4) requires.
            let st = s.jailvol(&["status"]);
            assert!(
                st.stdout.contains(
                    "`geli detach md100.eli` (when `geli list md100.eli` shows it), then `mdconfig -d -u 100`"
                ),
                "{what}: {}",
                st.stdout
            );
        }
        ok(&s.h.start(&s.conf, "www"));
        assert_eq!(
            s.h.mounted_at(&s.root()).map(|m| m.device).as_deref(),
            Some("/dev/md100.eli"),
            "{what}"
        );
        ok(&s.h.stop(&s.conf, "www"));
        s.quiet(&what);
    }
}

/// A stop whose exec.release fails at geli detach or at the md detach: the jail is
/// gone, the unit stays; the next start takes it as it is, the next stop detaches all.
#[test]
fn a_failed_release_at_each_step_then_start_and_stop() {
    if skip_dash() {
        return;
    }
    for (cmd, args) in [("geli", &["detach"][..]), ("mdconfig", &["-d"][..])] {
        let what = format!("{cmd} {args:?}");
        let s = site();
        ok(&s.h.start(&s.conf, "www"));
        s.h.fail(cmd, args);
        let r = s.h.stop(&s.conf, "www");
        assert_ne!(r.code, 0, "{what}");
        assert!(!s.h.running("www"), "{what}");
        assert_eq!(s.h.units_of(&s.container()), vec![100], "{what}");
        ok(&s.h.start(&s.conf, "www"));
        ok(&s.h.stop(&s.conf, "www"));
        s.quiet(&what);
    }
}

/// A wrong or missing keyfile at start: geli refuses, nothing is mounted, and no
/// passphrase is asked for (the helper passes -p).
#[test]
fn a_wrong_keyfile_fails_the_start_without_a_prompt() {
    if skip_dash() {
        return;
    }
    let s = site();
    std::fs::write(s.h.path("keys/www key"), "other").unwrap();
    let r = s.h.start(&s.conf, "www");
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("Wrong key for md100."), "{}", r.stderr);
    assert!(s.h.state().eli.is_empty() && s.h.state().mounts.is_empty());
    std::fs::remove_file(s.h.path("keys/www key")).unwrap();
    let r = s.h.start(&s.conf, "www");
    assert!(r.stderr.contains("cannot be read"), "{}", r.stderr);
    assert!(s.h.state().eli.is_empty() && s.h.state().mounts.is_empty());
}

/// `status` shows the encryption, and a running geli container mounted from its .eli
/// provider is ok (not "mounted-other").
#[test]
fn status_shows_geli_and_the_eli_mount_is_ok() {
    if skip_dash() {
        return;
    }
    let s = site();
    ok(&s.h.start(&s.conf, "www"));
    let r = s.jailvol(&["status", "--check"]);
    ok(&r);
    let head = r.stdout.lines().next().unwrap();
    let row = r.stdout.lines().find(|l| l.starts_with("www ")).unwrap();
    let col = |name: &str| {
        let at = head.find(name).unwrap();
        row[at..].split_whitespace().next().unwrap().to_owned()
    };
    assert_eq!(col("STATUS"), "ok", "{}", r.stdout);
    assert_eq!(col("ENCRYPT"), "geli", "{}", r.stdout);
    assert!(row.contains("/dev/md100.eli on "), "{}", r.stdout);
    let j = s.jailvol(&["--format", "json", "status"]);
    ok(&j);
    let doc: serde_json::Value = serde_json::from_str(&j.stdout).unwrap();
    assert_eq!(doc["jails"][0]["encryption"], "geli");
    assert_eq!(doc["jails"][0]["keyfile"], s.h.p("keys/www key"));
    assert_eq!(doc["jails"][0]["mounted_from"], "/dev/md100.eli");
    ok(&s.h.stop(&s.conf, "www"));
}
