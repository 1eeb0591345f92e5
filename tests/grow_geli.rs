//! `grow` of a geli container on the FreeBSD model: offline only (jail stopped, unit
//! detached); mdconfig -a, geli resize -s OLDSIZE, geli attach, fsck, growfs on
//! /dev/mdN.eli, fsck, geli detach, mdconfig -d, then the new size in jail.conf. A
//! failure at each step leaves nothing attached, and a second grow finishes the job;
//! the container then starts with the bigger file system.

mod common;

use std::path::PathBuf;

use common::Run;
use common::fakebsd::{Host, jq, skip_dash};

const M: u64 = 1 << 20;

fn ok(r: &Run) {
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
}

struct Site {
    h: Host,
    conf: PathBuf,
}

/// `www`, 64M, encrypted, made by generate and create.
fn site() -> Site {
    let h = Host::new();
    h.make_root("tree");
    std::fs::create_dir_all(h.path("jails/www")).unwrap();
    std::fs::create_dir_all(h.path("keys")).unwrap();
    h.write("keys/www.key", &"k".repeat(64));
    let conf = h.write(
        "etc/jail.conf",
        &format!(
            "www {{\n\tpath = {};\n\t$volume_size = 64M;\n\t$volume_encrypt = geli;\n\t$volume_keyfile = {};\n}}\n",
            jq(&h.p("jails/www")),
            jq(&h.p("keys/www.key")),
        ),
    );
    let s = Site { h, conf };
    let (fstab, helper) = (s.h.p("etc/jailvol"), s.h.p("usr/local/libexec/jailvol-md"));
    ok(&s.jailvol(&["generate", "--fstab-dir", &fstab, "--helper", &helper]));
    ok(&s.jailvol(&["create", "--from", &s.h.p("tree"), "www"]));
    s
}

impl Site {
    fn jailvol(&self, args: &[&str]) -> Run {
        let mut a = vec!["-f", self.conf.to_str().unwrap()];
        a.extend_from_slice(args);
        self.h.jailvol(&a)
    }
    fn grow(&self) -> Run {
        self.jailvol(&["grow", "www", "128M"])
    }
    fn file(&self) -> PathBuf {
        self.h.path("jails/www.ufs")
    }
    fn quiet(&self, what: &str) {
        let st = self.h.state();
        assert!(
            st.units.is_empty() && st.eli.is_empty() && st.mounts.is_empty(),
            "{what}: {st:?}"
        );
    }
    fn fs_size(&self) -> u64 {
        self.h.ufs(&self.file()).unwrap().size
    }
}

#[test]
fn grows_offline_through_geli_resize_and_starts_bigger() {
    if skip_dash() {
        return;
    }
    let s = site();
    s.h.clear_log();
    let r = s.grow();
    ok(&r);
    let log = s.h.log();
    let at = |p: &str| {
        log.iter()
            .position(|l| l.starts_with(p))
            .unwrap_or_else(|| panic!("{p}: {log:?}"))
    };
    assert!(at("mdconfig -a") < at("geli resize -s 67108864 md100"));
    assert!(at("geli resize") < at("geli attach -p -k "));
    assert!(at("geli attach") < at("growfs -y /dev/md100.eli"));
    assert!(at("growfs") < at("geli detach md100.eli"));
    assert!(at("geli detach") < at("mdconfig -d -u 100"));
    s.quiet("after grow");
    assert_eq!(s.fs_size(), 128 * M - 4096);
    assert!(s.h.read("etc/jail.conf").contains("$volume_size = 128M;"));
    ok(&s.h.start(&s.conf, "www"));
    assert_eq!(
        s.h.mounted_at(&s.h.path("jails/www")).unwrap().device,
        "/dev/md100.eli"
    );
    // A running geli container is refused, even with --online; nothing changes.
    let r = s.jailvol(&["grow", "--online", "www", "256M"]);
    assert_eq!(r.code, 73, "{}", r.stderr);
    assert!(
        r.stderr.contains("grows only with the jail stopped"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::metadata(s.file()).unwrap().len(), 128 * M);
    ok(&s.h.stop(&s.conf, "www"));
    s.quiet("after stop");
}

/// A failure at each step once: nothing stays attached, and a second grow finishes.
#[test]
fn a_failure_at_each_step_then_a_second_grow_finishes() {
    if skip_dash() {
        return;
    }
    let cases: &[(&str, &[&str])] = &[
        ("mdconfig", &["-a"]),
        ("geli", &["resize"]),
        ("geli", &["attach"]),
        ("fsck", &[]),
        ("growfs", &[]),
        ("geli", &["detach"]),
        ("mdconfig", &["-d"]),
    ];
    for (cmd, args) in cases {
        let what = format!("{cmd} {args:?}");
        let s = site();
        s.h.fail(cmd, args);
        let r = s.grow();
        assert_ne!(r.code, 0, "{what}: {}", r.stderr);
        s.h.clear_faults();
        // What a failed finishing step leaves (geli detach, mdconfig -d) is the admin's
        // to detach, as the message says; then a second grow finishes or has nothing to do.
        let st = s.h.state();
        if !st.units.is_empty() {
            assert!(r.stderr.contains("stays attached"), "{what}: {}", r.stderr);
            let _ = s.h.run("geli", &["detach", "md100.eli"]);
            ok(&s.h.run("mdconfig", &["-d", "-u", "100"]));
        }
        s.quiet(&what);
        if !s.h.read("etc/jail.conf").contains("$volume_size = 128M;") {
            ok(&s.grow());
        }
        s.quiet(&what);
        assert_eq!(s.fs_size(), 128 * M - 4096, "{what}");
        ok(&s.h.start(&s.conf, "www"));
        ok(&s.h.stop(&s.conf, "www"));
    }
}
