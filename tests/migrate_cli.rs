//! `jailvol migrate` input handling: which jails, what the rc.conf switch contains for
//! each shape of rc.conf, and the refusals (before any script is printed).

mod common;

use std::path::Path;

fn host(files: &[(&str, &str)]) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (p, text) in files {
        let f = d.path().join(p);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(f, text).unwrap();
    }
    std::fs::create_dir_all(d.path().join("jails/www/etc")).unwrap();
    d
}

fn migrate(root: &Path, args: &[&str]) -> common::Run {
    let mut c = common::jailvol();
    c.arg("--root").arg(root).arg("migrate").args(args);
    common::run(c)
}

const RC: &str = r#"jail_enable="YES"
jail_list="www db"
jail_www_rootdir="/jails/www"
jail_www_hostname="www.example.org"
jail_www_ip="192.0.2.10"
jail_www_volume_size="64M"
jail_db_rootdir="/jails/db"
jail_db_hostname="db.example.org"
jail_db_ip="192.0.2.11"
"#;

#[test]
fn other_listed_jails_keep_the_list_and_only_rootdir_goes() {
    let d = host(&[
        ("etc/rc.conf", RC),
        ("etc/rc.conf.local", "jail_www_rootdir=\"/jails/www\"\n"),
    ]);
    let r = migrate(d.path(), &["www"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let root = d.path().display().to_string();
    for f in ["etc/rc.conf", "etc/rc.conf.local"] {
        let cmd = format!(
            " sysrc -f {}/{f} -x jail_www_rootdir\n",
            jailvol::shell::quote(&root)
        );
        assert!(r.stdout.contains(&cmd), "{cmd}\n{}", r.stdout);
    }
    assert!(!r.stdout.contains("jail_list="), "{}", r.stdout);
    assert!(!r.stdout.contains("jail_db"), "db is not touched");
    assert!(!r.stdout.contains("jail_enable=YES"));
    assert!(r.stdout.contains("# jail_list keeps www"), "{}", r.stdout);
    // The unit generate would assign, written back into the new jail.conf.
    assert!(r.stdout.contains("jv_unit=100\n"));
    assert!(
        r.stdout.contains("$volume_md_unit = 100; # jailvol"),
        "{}",
        r.stdout
    );
}

#[test]
fn disabled_jails_are_enabled() {
    let rc = RC.replace("jail_enable=\"YES\"", "jail_enable=\"NO\"");
    let d = host(&[("etc/rc.conf", &rc)]);
    let r = migrate(d.path(), &["www"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("/etc/rc.conf jail_enable=YES\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_per_jail_conf_rc_d_would_prefer_is_refused() {
    for f in ["etc/jail.www.conf", "etc/jail.conf.d/www.conf"] {
        let d = host(&[("etc/rc.conf", RC), (f, "www { }\n")]);
        let r = migrate(d.path(), &["www"]);
        assert_eq!(r.code, 64, "{f}: {}", r.stderr);
        assert!(
            r.stderr.contains("rc.d/jail would start www from it"),
            "{}",
            r.stderr
        );
        assert!(r.stdout.is_empty());
    }
}

#[test]
fn unmanaged_and_unknown_jails_are_usage_errors() {
    let d = host(&[("etc/rc.conf", RC)]);
    let r = migrate(d.path(), &["db"]);
    assert_eq!(r.code, 64, "{}", r.stderr);
    assert!(r.stderr.contains("has no $volume_size"), "{}", r.stderr);
    let r = migrate(d.path(), &["nope"]);
    assert_eq!(r.code, 64, "{}", r.stderr);
    let conf = "www { path = /jails/www; }\n";
    let d = host(&[("etc/jail.conf", conf)]);
    let r = migrate(d.path(), &["www"]);
    assert_eq!(r.code, 64, "{}", r.stderr);
    assert!(r.stderr.contains("has no $volume_size"), "{}", r.stderr);
}

#[test]
fn a_foreign_file_at_jailvols_path_is_refused() {
    let conf = "www { path = /jails/www; $volume_size = 64M; }\n";
    let d = host(&[("etc/jail.conf", conf), ("etc/jailvol/www.fstab", "mine\n")]);
    let r = migrate(d.path(), &["www"]);
    assert_eq!(r.code, 73, "{}", r.stderr);
    assert!(r.stderr.contains("jailvol did not write it"), "{}", r.stderr);
}

// generate's --fstab-dir and --helper: a host set up with custom paths gets them from
// migrate too (it wrote the defaults before, leaving the host with two helpers).
#[test]
fn fstab_dir_and_helper_are_generates() {
    let conf = "www { path = /jails/www; $volume_size = 64M; }\n";
    let d = host(&[("etc/jail.conf", conf)]);
    let r = migrate(
        d.path(),
        &[
            "www",
            "--fstab-dir",
            "/srv/fstabs",
            "--helper",
            "/opt/jv/md-helper",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let root = d.path().display().to_string();
    for want in [
        format!(" {root}/srv/fstabs/www.fstab 644 '"),
        format!(" {root}/opt/jv/md-helper 755 '"),
        "exec.prepare += \"/opt/jv/md-helper attach 100 /jails/www.ufs\"".to_owned(),
        "mount.fstab = /srv/fstabs/www.fstab; # jailvol".to_owned(),
    ] {
        assert!(r.stdout.contains(&want), "{want}\n{}", r.stdout);
    }
    assert!(
        !r.stdout.contains("/usr/local/libexec/jailvol-md"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("/etc/jailvol/"), "{}", r.stdout);
    let r = migrate(d.path(), &["www", "--helper", "relative"]);
    assert_eq!(r.code, 64, "{}", r.stderr);
}

// The script writes the hooks style: the other styles are refused, saying why.
#[test]
fn styles_other_than_hooks_are_refused() {
    let conf = "www { path = /jails/www; $volume_size = 64M; }\n";
    let d = host(&[("etc/jail.conf", conf)]);
    for (args, why) in [
        (
            &["--style", "mountprog"][..],
            "--style selects the mountprog style",
        ),
        (&["--style", "seed"][..], "--style selects the seed style"),
        (
            &["--target-release", "11.4"][..],
            "--target-release 11.4 selects the mountprog style",
        ),
    ] {
        let mut a = vec!["www"];
        a.extend(args);
        let r = migrate(d.path(), &a);
        assert_eq!(r.code, 64, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(why), "{}", r.stderr);
        assert!(r.stderr.contains("hooks style only"), "{}", r.stderr);
        assert!(r.stdout.is_empty());
    }
    for ok in [&["--style", "hooks"][..], &["--target-release", "14.2"][..]] {
        let mut a = vec!["www"];
        a.extend(ok);
        assert_eq!(migrate(d.path(), &a).code, 0);
    }
}

// What the script checks before it writes: the cksum (cksum.1) of each file as read
// when it was printed, and of what it writes; "absent" for a new file.
#[test]
fn the_script_carries_the_checksums_of_the_files_it_rewrites() {
    let conf = "www { path = /jails/www; $volume_size = 64M; }\n";
    let d = host(&[("etc/jail.conf", conf)]);
    let r = migrate(d.path(), &["www"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let root = d.path().display().to_string();
    let line = r
        .stdout
        .lines()
        .find(|l| l.starts_with(&format!("\tjv_unchanged {root}/etc/jail.conf ")))
        .unwrap_or_else(|| panic!("{}", r.stdout));
    assert!(
        line.contains(&format!("'{}'", jailvol::migrate::cksum(conf.as_bytes()))),
        "{line}"
    );
    assert!(
        r.stdout
            .contains(&format!("\tjv_unchanged {root}/etc/jailvol/www.fstab absent '")),
        "{}",
        r.stdout
    );
    // The system's cksum agrees with jailvol's (POSIX CRC; GNU cksum here).
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("cksum < \"$1\"")
        .arg("sh")
        .arg(d.path().join("etc/jail.conf"))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        jailvol::migrate::cksum(conf.as_bytes())
    );
    // The preflight stays on the root's file system (du.1 -x, find.1 -xdev).
    assert!(r.stdout.contains("du -s -k -x \"$jv_root\""), "{}", r.stdout);
    assert!(r.stdout.contains("find \"$jv_root\" -xdev"), "{}", r.stdout);
}

/// `--format json` prints the script's plan as data: the engine's steps, each with its
/// sh body and undo, the same list the script is rendered from.
#[test]
fn json_prints_the_plan_the_script_is_made_of() {
    let d = host(&[("etc/rc.conf", RC)]);
    let mut c = common::jailvol();
    c.arg("--root")
        .arg(d.path())
        .args(["--format", "json", "migrate", "www"]);
    let r = common::run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let steps = doc["plans"][0]["steps"].as_array().unwrap();
    let names: Vec<&str> = steps.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "preflight",
            "stop",
            "backup",
            "allocate",
            "newfs",
            "copy",
            "verify",
            "swap",
            "config",
            "start"
        ]
    );
    let step = |n: &str| steps.iter().find(|s| s["name"] == n).unwrap();
    assert!(step("verify")["undo"].is_null());
    let swap_undo = step("swap")["undo"].as_array().unwrap();
    assert!(
        swap_undo
            .iter()
            .any(|l| l.as_str().unwrap().contains("mv \"$jv_old\" \"$jv_root\""))
    );
    let script = migrate(d.path(), &["www"]).stdout;
    for l in step("config")["run"].as_array().unwrap() {
        assert!(script.contains(l.as_str().unwrap()), "{l}");
    }
}

/// On a jail.conf host, a jail jail.conf lacks is looked for in rc.conf; an rc.conf
/// that cannot be evaluated is said so (JV041), and the jail is still unknown.
#[test]
fn an_rc_conf_that_cannot_be_read_beside_jail_conf_is_said_so() {
    let d = host(&[
        ("etc/jail.conf", "db { path = /jails/db; }\n"),
        ("etc/rc.conf", "jail_www_rootdir=\"/jails/www\n"),
    ]);
    let r = migrate(d.path(), &["www"]);
    assert_eq!(r.code, 64, "{}", r.stderr);
    assert!(
        r.stderr.contains("JV041")
            && r.stderr
                .contains("cannot tell whether rc.conf defines jail \"www\""),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("etc/rc.conf:1:"), "{}", r.stderr);
}
