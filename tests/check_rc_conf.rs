//! `check` on an rc.conf host (issue 20): clean after `generate`, drift once a file
//! generate wrote is removed, and rc.d/jail's warnings as findings, in each output
//! format.

mod common;

use std::path::Path;

use common::*;

fn host(rc_conf: &str) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/generate/rc-mountprog/input");
    copy_tree(&fixture, root.path());
    if !rc_conf.is_empty() {
        std::fs::write(root.path().join("etc/rc.conf"), rc_conf).unwrap();
    }
    root
}

fn jv(root: &Path, args: &[&str]) -> Run {
    let mut c = jailvol();
    c.arg("--root").arg(root).args(args);
    run(c)
}

#[test]
fn clean_after_generate_and_drift_when_a_generated_fstab_is_removed() {
    let root = host("");
    // Before generate: everything generate would write is drift.
    let before = jv(root.path(), &["check", "--no-containers"]);
    assert_eq!(before.code, 1, "{}{}", before.stdout, before.stderr);
    assert!(
        before.stdout.contains("drift: /etc/fstab.db is missing"),
        "{}",
        before.stdout
    );

    let g = jv(root.path(), &["generate", "-q"]);
    assert_eq!(g.code, 0, "{}", g.stderr);
    let text = jv(root.path(), &["check", "--no-containers"]);
    assert_eq!(
        (text.code, text.stdout.as_str(), text.stderr.as_str()),
        (
            0,
            "jailvol check: 0 error(s), 0 warning(s), 0 file(s) drifted\n",
            ""
        )
    );
    let json = jv(root.path(), &["check", "--no-containers", "--format", "json"]);
    assert_eq!(json.code, 0);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc, serde_json::json!({"findings": [], "drift": []}));
    let gh = jv(root.path(), &["check", "--no-containers", "--format", "github"]);
    assert_eq!((gh.code, gh.stdout.as_str()), (0, ""));

    std::fs::remove_file(root.path().join("etc/fstab.db")).unwrap();
    let text = jv(root.path(), &["check", "--no-containers"]);
    assert_eq!(text.code, 1, "{}{}", text.stdout, text.stderr);
    assert!(
        text.stdout
            .starts_with("drift: /etc/fstab.db is missing: run `jailvol generate`\n"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .ends_with("0 error(s), 0 warning(s), 1 file(s) drifted\n")
    );
    let json = jv(root.path(), &["check", "--no-containers", "--format", "json"]);
    assert_eq!(json.code, 1);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let drift = doc["drift"].as_array().unwrap();
    assert_eq!(drift.len(), 1, "{}", json.stdout);
    assert_eq!(drift[0]["file"], "/etc/fstab.db");
    assert_eq!(drift[0]["missing"], true);
    assert!(
        drift[0]["diff"]
            .as_str()
            .unwrap()
            .contains("+md120\t/usr/jails/db\tufs")
    );
    let gh = jv(root.path(), &["check", "--no-containers", "--format", "github"]);
    assert_eq!(gh.code, 1);
    assert!(
        gh.stdout.starts_with("::error file=etc/fstab.db,title=drift::"),
        "{}",
        gh.stdout
    );
}

/// rc.d/jail's warnings carry their code, their rc.conf line and the severity of
/// docs/checks.md (a skipped jail is an error; convert prints it as a warning).
#[test]
fn rc_d_warnings_are_findings_in_every_format() {
    let rc = "jail_enable=\"YES\"\n\
              jail_list=\"www ghost\"\n\
              jail_www_rootdir=\"/usr/jails/www\"\n\
              jail_www_hostname=\"www.example.org\"\n\
              jail_www_ip=\"192.0.2.10,www.example.org\"\n\
              jail_www_volume_size=\"1G\"\n\
              jail_ghost_rootdir=\"/usr/jails/ghost\"\n";
    let root = host(rc);
    assert_eq!(jv(root.path(), &["generate", "-q"]).code, 0);
    let text = jv(root.path(), &["check", "--no-containers"]);
    assert_eq!(text.code, 1, "{}{}", text.stdout, text.stderr);
    assert!(
        text.stdout.contains(
            "/etc/rc.conf:5:1: warning[JV037]: jail www: jail_www_ip: jail_extract_address: type not identified"
        ),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("/etc/rc.conf:7:1: error[JV035]: jail ghost: Invalid configuration for ghost"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .ends_with("1 error(s), 1 warning(s), 0 file(s) drifted\n")
    );
    // Only a warning: passes unless --fail-on warning.
    // (generate's own line, the md unit, is kept: no drift.)
    let conf = root.path().join("etc/rc.conf");
    let generated = std::fs::read_to_string(&conf).unwrap();
    std::fs::write(
        &conf,
        generated
            .replace(" ghost\"", "\"")
            .replace("jail_ghost_rootdir=\"/usr/jails/ghost\"\n", ""),
    )
    .unwrap();
    assert_eq!(jv(root.path(), &["check", "--no-containers"]).code, 0);
    assert_eq!(
        jv(root.path(), &["check", "--no-containers", "--fail-on", "warning"]).code,
        1
    );
    let json = jv(root.path(), &["check", "--no-containers", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let f = &doc["findings"][0];
    assert_eq!(
        (&f["code"], &f["severity"], &f["file"], &f["line"]),
        (
            &serde_json::json!("JV037"),
            &serde_json::json!("warning"),
            &serde_json::json!("/etc/rc.conf"),
            &serde_json::json!(5)
        )
    );
    let gh = jv(root.path(), &["check", "--no-containers", "--format", "github"]);
    assert!(
        gh.stdout
            .starts_with("::warning file=etc/rc.conf,line=5,title=JV037::jail www: jail_www_ip"),
        "{}",
        gh.stdout
    );
}

/// The style follows generate's on an rc.conf host: `--style hooks` needs jail.conf
/// (exit 64, as generate), `--target-release 9.3` picks the seed pair.
#[test]
fn the_style_is_generates() {
    let root = host("");
    let hooks = jv(root.path(), &["check", "--style", "hooks"]);
    assert_eq!(hooks.code, 64, "{}{}", hooks.stdout, hooks.stderr);
    assert!(
        hooks.stderr.contains("the hooks style needs jail.conf"),
        "{}",
        hooks.stderr
    );
    let g = jv(root.path(), &["generate", "-q", "--target-release", "9.3"]);
    assert_eq!(g.code, 0, "{}", g.stderr);
    assert_eq!(
        jv(
            root.path(),
            &["check", "--no-containers", "--target-release", "9.3"]
        )
        .code,
        0
    );
    // Checked as a 10+ host, the seed pair is drift.
    assert_eq!(jv(root.path(), &["check", "--no-containers"]).code, 1);
}
