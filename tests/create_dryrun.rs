//! `create --dry-run` golden output: the exact commands, shell-quoted, one per line;
//! nothing is touched and no root is needed. JAILVOL_BLESS=1 rewrites the expected files.
//! The fixture's `root/` is the `--root` tree (the containers' directories must exist).

mod common;

use std::path::Path;

use common::*;

fn case(args: &[&str], expected: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/create/dry-run");
    let root = tempfile::tempdir().unwrap();
    copy_tree(&dir.join("root"), root.path());
    std::fs::create_dir_all(root.path().join("etc")).unwrap();
    std::fs::copy(dir.join("jail.conf"), root.path().join("etc/jail.conf")).unwrap();
    std::fs::create_dir_all(root.path().join("srv/base")).unwrap();
    std::fs::write(root.path().join("srv/base.txz"), b"").unwrap();
    let before = files_below(root.path());
    let mut c = jailvol();
    c.env_remove("JAILVOL_ASSUME_ROOT")
        .arg("--root")
        .arg(root.path())
        .args(["create", "--dry-run"])
        .args(args);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    expect_file(&dir.join(expected), &r.stdout);
    assert_eq!(files_below(root.path()), before, "dry-run touched the tree");
}

#[test]
fn md_empty_all_jails() {
    case(&[], "md-empty.expected");
}

#[test]
fn md_from_dir_sparse_newfs_options() {
    case(
        &[
            "--from",
            "/srv/base",
            "--sparse",
            "--newfs-opts",
            "-U -n -L root",
            "www",
        ],
        "md-from-dir.expected",
    );
}

#[test]
fn md_from_archive() {
    case(
        &["--from-archive", "/srv/base.txz", "db two"],
        "md-from-archive.expected",
    );
}

#[test]
fn makefs_from_dir_and_empty() {
    case(
        &["--via", "makefs", "--from", "/srv/base", "www"],
        "makefs-from-dir.expected",
    );
    case(&["--via", "makefs"], "makefs-empty.expected");
}

/// The jail's path is made only where it is missing, each missing directory on its own
/// line (so each gets 0755, not only the last as with `mkdir -p -m`).
#[test]
fn mkdir_only_for_what_is_missing() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("etc")).unwrap();
    std::fs::create_dir_all(root.path().join("jails/www")).unwrap();
    std::fs::write(
        root.path().join("etc/jail.conf"),
        "www { path = /jails/www; $volume_size = 64M; $volume_md_unit = 1; }\n\
         db { path = /deep/er/db; $volume_size = 64M; $volume_file = /jails/db.ufs; $volume_md_unit = 2; }\n",
    )
    .unwrap();
    let mut c = jailvol();
    c.arg("--root").arg(root.path()).args(["create", "--dry-run"]);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mkdirs: Vec<&str> = r.stdout.lines().filter(|l| l.starts_with("mkdir")).collect();
    assert_eq!(
        mkdirs,
        [
            "mkdir -m 0755 /deep",
            "mkdir -m 0755 /deep/er",
            "mkdir -m 0755 /deep/er/db"
        ]
    );
    assert!(!root.path().join("deep").exists());
}

/// `--format json` prints the same plans as data (the engine's plan documents): each
/// step's lines are the text `--dry-run` prints, and each has its undo.
#[test]
fn json_plans_are_the_text_plans_as_data() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/create/dry-run");
    let root = tempfile::tempdir().unwrap();
    copy_tree(&dir.join("root"), root.path());
    std::fs::create_dir_all(root.path().join("etc")).unwrap();
    std::fs::copy(dir.join("jail.conf"), root.path().join("etc/jail.conf")).unwrap();
    let go = |json: bool| {
        let mut c = jailvol();
        c.arg("--root").arg(root.path());
        if json {
            c.args(["--format", "json"]);
        }
        c.args(["create", "--dry-run"]);
        let r = run(c);
        assert_eq!(r.code, 0, "{}", r.stderr);
        r.stdout
    };
    let text = go(false);
    let doc: serde_json::Value = serde_json::from_str(&go(true)).unwrap();
    let plans = doc["plans"].as_array().unwrap();
    assert!(!plans.is_empty());
    let mut again = String::new();
    for p in plans {
        for h in p["head"].as_array().unwrap() {
            again.push_str(&format!("# {}\n", h.as_str().unwrap()));
        }
        assert!(p["lock"].as_str().unwrap().ends_with(".ufs.lock"), "{p}");
        for s in p["steps"].as_array().unwrap() {
            for l in s["run"].as_array().unwrap() {
                again.push_str(l.as_str().unwrap());
                again.push('\n');
            }
        }
    }
    assert_eq!(again, text);
    let steps = plans[0]["steps"].as_array().unwrap();
    let step = |name: &str| steps.iter().find(|s| s["name"] == name).unwrap();
    assert_eq!(step("attach")["undo"][0].as_str().unwrap(), "mdconfig -d -u 101");
    assert_eq!(
        step("mount")["undo_holds"],
        serde_json::json!(["mkdtemp", "attach"])
    );
    assert_eq!(step("detach")["releases"], "attach");
    assert!(step("newfs")["undo"].is_null());
    // Each command also as its argument vector: the line it prints is that vector
    // quoted for sh (the temporary directory is `$tmp` in both).
    let argv = |s: &serde_json::Value, key: &str| -> Vec<Vec<String>> {
        serde_json::from_value(s[key].clone()).unwrap()
    };
    let words = |v: &[&str]| v.iter().map(|w| w.to_string()).collect::<Vec<_>>();
    assert_eq!(
        argv(step("attach"), "argv"),
        vec![words(&[
            "mdconfig",
            "-a",
            "-t",
            "vnode",
            "-f",
            "/jails/www.ufs",
            "-u",
            "101"
        ])]
    );
    assert_eq!(
        argv(step("attach"), "undo_argv"),
        vec![words(&["mdconfig", "-d", "-u", "101"])]
    );
    assert_eq!(argv(step("mount"), "undo_argv"), vec![words(&["umount", "$tmp"])]);
    assert!(step("newfs")["undo_argv"].is_null());
    // What jailvol does itself runs no program.
    for own in ["allocate", "mkdtemp", "rmdir"] {
        assert!(argv(step(own), "argv").is_empty(), "{own}");
    }
    let mut commands = 0;
    for s in steps {
        if let [one] = argv(s, "argv").as_slice() {
            let quoted = jailvol::shell::command(one).replace("'$tmp'", "\"$tmp\"");
            assert_eq!(s["run"][0].as_str().unwrap(), quoted, "{s}");
            commands += 1;
        }
    }
    assert!(commands >= 5, "attach, newfs, mount, umount, detach");
}

/// The allocation step is a command an admin can run, not a comment: run through sh
/// (dash when installed) in a scratch directory, the printed `dd` line makes a file of
/// exactly the container's size, for a size in whole MiB and one in 512-byte sectors.
#[test]
fn the_allocation_line_runs_and_makes_the_size() {
    let sh = ["dash", "sh"]
        .into_iter()
        .find(|s| {
            std::process::Command::new(s)
                .args(["-c", "exit 0"])
                .status()
                .is_ok_and(|st| st.success())
        })
        .expect("a POSIX sh");
    for (size, bytes) in [("33M", 33u64 << 20), ("33555968", (32u64 << 20) + 1536)] {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("etc")).unwrap();
        std::fs::create_dir_all(d.path().join("j/www")).unwrap();
        std::fs::write(
            d.path().join("etc/jail.conf"),
            format!("www {{ path = /j/www; $volume_size = {size}; $volume_md_unit = 1; }}\n"),
        )
        .unwrap();
        let mut c = jailvol();
        c.arg("--root").arg(d.path()).args(["create", "--dry-run"]);
        let r = run(c);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let line = r
            .stdout
            .lines()
            .find(|l| l.starts_with("dd "))
            .unwrap_or_else(|| panic!("no dd line:\n{}", r.stdout));
        assert!(
            line.contains(" # allocate: jailvol calls posix_fallocate(2)"),
            "{line}"
        );
        // The host path /j/www.ufs, run here below the scratch root.
        let line = line.replace("of=/j/www.ufs", &format!("of={}/j/www.ufs", d.path().display()));
        let st = std::process::Command::new(sh)
            .args(["-c", &line])
            .output()
            .unwrap();
        assert!(
            st.status.success(),
            "{line}: {}",
            String::from_utf8_lossy(&st.stderr)
        );
        let meta = std::fs::metadata(d.path().join("j/www.ufs")).unwrap();
        assert_eq!(meta.len(), bytes, "{line}");
    }
}
