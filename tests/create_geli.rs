//! `create` of a geli container (`$volume_encrypt = geli`) on the FreeBSD model: geli
//! init and attach after mdconfig, the file system on `/dev/mdN.eli`, geli detached
//! before md; a failure at any step leaves the model as it was (no unit, no .eli, no
//! mount, no file); `--dry-run` shows every command, as text and as JSON.

mod common;

use std::path::PathBuf;

use common::fakebsd::{Action, Host, jq, sq};

const KEY: &str = "keys/www.key";

fn setup(h: &Host, with_key: bool) -> PathBuf {
    std::fs::create_dir_all(h.path("jails")).unwrap();
    std::fs::create_dir_all(h.path("keys")).unwrap();
    if with_key {
        h.write(KEY, &"k".repeat(64));
    }
    h.make_root("src/www");
    h.write(
        "etc/jail.conf",
        &format!(
            "www {{ path = {}; $volume_size = 64M; $volume_md_unit = 101; \
             $volume_encrypt = geli; $volume_keyfile = {}; }}\n",
            jq(&h.p("jails/www")),
            jq(&h.p(KEY)),
        ),
    )
}

fn create(h: &Host, c: &std::path::Path, extra: &[&str]) -> common::Run {
    let conf = c.display().to_string();
    let mut args = vec!["-f", conf.as_str()];
    args.extend_from_slice(extra);
    args.extend(["create", "--from"]);
    let tree = h.p("src/www");
    args.push(&tree);
    args.push("www");
    h.jailvol(&args)
}

fn geli_cmds(h: &Host) -> Vec<String> {
    // The host's paths have a blank and a quote: always quoted, in the log and in sh.
    let key = sq(&h.p(KEY));
    vec![
        format!("geli init -B none -P -K {key} -s 4096 md101"),
        format!("geli attach -p -k {key} md101"),
    ]
}

#[test]
fn creates_an_encrypted_container_and_leaves_it_detached() {
    let h = Host::new();
    let c = setup(&h, true);
    let r = create(&h, &c, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let log = h.log();
    let [init, attach] = &geli_cmds(&h)[..] else {
        unreachable!()
    };
    let at = |want: &str| {
        log.iter()
            .position(|l| l.starts_with(want))
            .unwrap_or_else(|| panic!("{want}: {log:?}"))
    };
    assert!(at("mdconfig -a -t vnode -f") < at(init));
    assert!(at(init) < at(attach));
    assert!(at(attach) < at("newfs -U /dev/md101.eli"));
    assert!(at("geli detach md101.eli") < at("mdconfig -d -u 101"));
    let st = h.state();
    assert!(
        st.units.is_empty() && st.eli.is_empty() && st.mounts.is_empty(),
        "{st:?}"
    );
    assert!(
        st.geli_backups.is_empty(),
        "no metadata backup: {:?}",
        st.geli_backups
    );
    let file = std::fs::canonicalize(h.path("jails/www.ufs"))
        .unwrap()
        .display()
        .to_string();
    assert_eq!(st.geli[&file].provsize, 64 << 20);
    assert_eq!(st.geli[&file].sectorsize, 4096);
    // The tree is in the file system on the .eli provider.
    let ufs = h.ufs(&h.path("jails/www.ufs")).unwrap();
    assert_eq!(ufs.size, (64 << 20) - 4096);
    assert!(ufs.clean);
    // The keyfile is read, never written.
    assert_eq!(std::fs::read_to_string(h.path(KEY)).unwrap(), "k".repeat(64));
}

/// A failure at each step, once: the rollback detaches geli, then md, removes the file.
#[test]
fn a_failure_at_each_step_leaves_the_model_as_it_was() {
    let cases: &[(&str, &[&str])] = &[
        ("mdconfig", &["-a"]),
        ("geli", &["init"]),
        ("geli", &["attach"]),
        ("newfs", &[]),
        ("mount", &["-t"]),
        ("tar", &["-x"]),
        ("umount", &[]),
        ("geli", &["detach"]),
        ("mdconfig", &["-d"]),
    ];
    for (cmd, args) in cases {
        let what = format!("{cmd} {args:?}");
        let h = Host::new();
        let c = setup(&h, true);
        let before = h.state();
        h.fail(cmd, args);
        let r = create(&h, &c, &[]);
        assert_eq!(r.code, 1, "{what}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!("www: failed: {cmd} ")),
            "{what}: {}",
            r.stderr
        );
        assert!(r.stderr.contains("nothing remains"), "{what}: {}", r.stderr);
        let st = h.state();
        assert!(st.units.is_empty(), "{what}: {:?}", st.units);
        assert!(st.eli.is_empty(), "{what}: {:?}", st.eli);
        assert!(st.mounts.is_empty(), "{what}: {:?}", st.mounts);
        assert_eq!(st.units, before.units, "{what}");
        assert!(!h.path("jails/www.ufs").exists(), "{what}");
        assert!(!h.path("jails/www").exists(), "{what}");
        assert!(h.path(KEY).exists(), "{what}");
    }
}

/// A geli detach that keeps failing: the md unit stays (geli holds it), and the
/// message says both commands, geli first.
#[test]
fn a_stuck_geli_detach_says_what_remains_in_order() {
    let h = Host::new();
    let c = setup(&h, true);
    h.fault("geli", &["detach"], 0, Action::Fail, true);
    let r = create(&h, &c, &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let geli = r
        .stderr
        .find("md101.eli could not be detached: run geli detach md101.eli");
    let md = r
        .stderr
        .find("md101 stays attached (md101.eli holds it): then run mdconfig -d -u 101");
    assert!(geli.is_some() && md.is_some() && geli < md, "{}", r.stderr);
    let st = h.state();
    assert!(st.eli.contains(&101) && st.units.contains_key(&101), "{st:?}");
}

#[test]
fn a_missing_keyfile_is_refused_before_anything_is_touched() {
    let h = Host::new();
    let c = setup(&h, false);
    let r = create(&h, &c, &[]);
    assert_eq!(r.code, 66, "{}", r.stderr);
    assert!(
        r.stderr.contains("does not exist: jailvol never makes keys"),
        "{}",
        r.stderr
    );
    assert!(h.log().is_empty(), "{:?}", h.log());
    assert!(!h.path(KEY).exists());
    assert!(!h.path("jails/www.ufs").exists());
}

#[test]
fn dry_run_shows_every_command_as_text_and_json() {
    let h = Host::new();
    let c = setup(&h, true);
    let r = create(&h, &c, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    std::fs::remove_file(h.path("jails/www.ufs")).unwrap();
    let conf = c.display().to_string();
    let text = h.jailvol(&["-f", &conf, "create", "--dry-run", "www"]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    for want in geli_cmds(&h).iter().map(String::as_str).chain([
        "newfs -U /dev/md101.eli",
        "mount -t ufs /dev/md101.eli \"$tmp\"",
        "geli detach md101.eli",
    ]) {
        assert!(text.stdout.contains(want), "{want}:\n{}", text.stdout);
    }
    let json = h.jailvol(&["-f", &conf, "--format", "json", "create", "--dry-run", "www"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let steps = doc["plans"][0]["steps"].as_array().unwrap();
    let step = |name: &str| steps.iter().find(|s| s["name"] == name).unwrap();
    assert_eq!(
        step("geli-attach")["undo"][0].as_str().unwrap(),
        "geli detach md101.eli"
    );
    assert_eq!(step("geli-init")["run"][0].as_str().unwrap(), geli_cmds(&h)[0]);
}

/// migrate makes plain containers: a geli jail is refused before any script is printed,
/// rather than a container the hooks could not attach.
#[test]
fn migrate_refuses_a_geli_jail() {
    let h = Host::new();
    let c = setup(&h, true);
    std::fs::create_dir_all(h.path("jails/www/etc")).unwrap();
    let r = h.jailvol(&["-f", &c.display().to_string(), "migrate", "www"]);
    assert_eq!(r.code, 64, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("migrate does not make encrypted containers yet"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty(), "{}", r.stdout);
}

/// `create --dry-run` of a geli container under `--root`, golden (host paths, shell
/// quoting of a keyfile with a quote); the keyfile is found below the root, nothing is
/// touched. JAILVOL_BLESS=1 rewrites the expected file.
#[test]
fn dry_run_golden() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/create/dry-run-geli");
    let root = tempfile::tempdir().unwrap();
    common::copy_tree(&dir.join("root"), root.path());
    let before = common::files_below(root.path());
    let mut c = common::jailvol();
    c.env_remove("JAILVOL_ASSUME_ROOT")
        .arg("--root")
        .arg(root.path())
        .args(["create", "--dry-run"]);
    let r = common::run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    common::expect_file(&dir.join("expected"), &r.stdout);
    assert_eq!(
        common::files_below(root.path()),
        before,
        "dry-run touched the tree"
    );
}
