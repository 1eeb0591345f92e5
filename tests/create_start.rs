//! The provisioning recipe on the FreeBSD model: `generate` (hooks style), `create
//! --from-archive` or `--from DIR`, then jail(8) starts the jail on its container, stops
//! it, and starts it again. jail(8) mounts the container on the jail's `path`, which
//! must exist (usr.sbin/jail/command.c, mount(8)): `create` makes it.

mod common;

use std::path::{Path, PathBuf};

use common::fakebsd::{Host, Kind, jq};
use common::files_below;

fn ok(r: &common::Run, what: &str) {
    assert_eq!(r.code, 0, "{what}\nstdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
}

/// A jail.conf with one managed jail, its fstab and helper under the host's root.
fn provision(h: &Host) -> PathBuf {
    std::fs::create_dir_all(h.path("jails")).unwrap();
    let c = h.write(
        "etc/jail.conf",
        &format!(
            "www {{\n\tpath = {};\n\thost.hostname = www;\n\tmount.devfs;\n\t$volume_size = 64M;\n}}\n",
            jq(&h.p("jails/www"))
        ),
    );
    let r = h.jailvol(&[
        "-f",
        &c.display().to_string(),
        "generate",
        "--fstab-dir",
        &h.p("etc/jailvol"),
        "--helper",
        &h.p("usr/local/libexec/jailvol-md"),
    ]);
    ok(&r, "generate");
    c
}

/// Start, look at the root, stop, start again: the jail runs on the container each time.
fn cycle(h: &Host, c: &Path, tree: &Path) {
    let path = h.path("jails/www");
    let file = h.path("jails/www.ufs");
    for round in 1..=2 {
        ok(&h.start(c, "www"), &format!("start {round}"));
        assert!(h.running("www"));
        let m = h.mounted_at(&path).expect("the container is mounted on the path");
        assert_eq!(
            m.kind,
            Kind::Ufs {
                file: std::fs::canonicalize(&file).unwrap().display().to_string()
            }
        );
        // The jail's root shows the tree (and devfs on its /dev).
        let mut seen = files_below(&path);
        seen.retain(|p| !p.starts_with("dev"));
        let mut want = files_below(tree);
        want.retain(|p| !p.starts_with("dev"));
        assert_eq!(seen, want, "round {round}");
        ok(&h.stop(c, "www"), &format!("stop {round}"));
        assert!(!h.running("www"));
        let st = h.state();
        assert!(st.mounts.is_empty(), "{:?}", st.mounts);
        assert!(st.units.is_empty(), "exec.release detached: {:?}", st.units);
        assert!(h.ufs(&file).unwrap().clean);
    }
}

#[test]
fn generate_create_from_an_archive_then_start_stop_start() {
    let h = Host::new();
    let tree = h.make_root("dist/base");
    let archive = h.p("dist/base.tar");
    ok(
        &h.run("tar", &["-C", &tree.display().to_string(), "-cf", &archive, "."]),
        "tar",
    );
    let c = provision(&h);
    let r = h.jailvol(&[
        "-f",
        &c.display().to_string(),
        "create",
        "--from-archive",
        &archive,
        "www",
    ]);
    ok(&r, "create");
    assert!(h.path("jails/www").is_dir(), "create made the mount point");
    cycle(&h, &c, &tree);
}

#[test]
fn generate_create_from_a_directory_then_start_stop_start() {
    let h = Host::new();
    let tree = h.make_root("src/www");
    let c = provision(&h);
    let r = h.jailvol(&[
        "-f",
        &c.display().to_string(),
        "create",
        "--from",
        &tree.display().to_string(),
    ]);
    ok(&r, "create");
    cycle(&h, &c, &tree);
}

/// status along the hooks cycle: running and mounted, stopped and detached, and after a
/// failed start (jail(8) runs no exec.release then, so the unit stays attached: ok, with
/// a note), which the next start reuses.
#[test]
fn status_through_the_hooks_cycle_and_a_failed_start() {
    let h = Host::new();
    let tree = h.make_root("src/www");
    let c = provision(&h);
    let cs = c.display().to_string();
    ok(
        &h.jailvol(&["-f", &cs, "create", "--from", &tree.display().to_string()]),
        "create",
    );
    let status = || {
        let r = h.jailvol(&["-f", &cs, "--format", "json", "status", "--check"]);
        ok(&r, "status");
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        v["jails"][0].clone()
    };
    let s = status();
    assert_eq!(
        (s["status"].as_str(), s["running"].as_bool()),
        (Some("ok"), Some(false))
    );
    assert_eq!(s["units_attached"], serde_json::json!([]));
    ok(&h.start(&c, "www"), "start");
    let s = status();
    assert_eq!(s["running"], true);
    assert_eq!(s["mounted_from"], "/dev/md100");
    assert_eq!(s["units_attached"], serde_json::json!([100]));
    ok(&h.stop(&c, "www"), "stop");
    // A start that fails after exec.prepare attached the unit (devfs cannot be mounted).
    h.fail("mount", &["devfs"]);
    let r = h.start(&c, "www");
    assert_eq!(r.code, 1, "{}", r.stderr);
    let s = status();
    assert_eq!(s["status"], "ok");
    assert_eq!(s["mounted_from"], serde_json::Value::Null);
    assert_eq!(s["units_attached"], serde_json::json!([100]));
    assert!(
        s["notes"][0]
            .as_str()
            .unwrap()
            .contains("md100 is attached while the jail is stopped (a failed start runs no exec.release)"),
        "{s}"
    );
    ok(&h.start(&c, "www"), "start after the failed one");
    ok(&h.stop(&c, "www"), "stop");
    assert!(h.state().units.is_empty());
}
