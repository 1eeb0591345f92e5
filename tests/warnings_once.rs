//! Each warning and error is printed once (issue 22): `show` on an rc.conf printed the
//! conversion's warnings twice (once from the conversion, once from the configuration
//! built from it); create, grow, status and migrate printed jail.conf's reader warnings
//! twice (the parse's, then the merge's, which start with them); one wildcard statement
//! failing several jails printed the same line and caret once per jail.

mod common;

use std::path::Path;

use common::{jailvol, run};

/// What the command printed: stderr, then stdout (check prints its findings there).
fn stderr_of(dir: &Path, args: &[&str]) -> String {
    let mut c = jailvol();
    c.current_dir(dir).args(args);
    let r = run(c);
    r.stderr + &r.stdout
}

#[track_caller]
fn once(dir: &Path, args: &[&str], needle: &str) {
    let err = stderr_of(dir, args);
    assert_eq!(err.matches(needle).count(), 1, "{args:?}: {needle:?} in\n{err}");
}

#[test]
fn rc_conf_conversion_warnings_once() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("rc.conf"),
        "jail_enable=YES\njail_list=www\njail_www_rootdir=/j/www\njail_www_hostname=www\n\
         jail_www_ip=192.0.2.1\njail_www_mount_enable=YES\njail_www_volume_size=1G\n",
    )
    .unwrap();
    for args in [
        &["show", "-f", "rc.conf"][..],
        &["show", "--format", "json", "-f", "rc.conf"],
        &["generate", "--dry-run", "--style", "mountprog", "-f", "rc.conf"],
        &["convert", "-f", "rc.conf"],
        &["status", "-f", "rc.conf"],
    ] {
        once(d.path(), args, "grants allow.mount since FreeBSD 10.0");
    }
    std::fs::write(
        d.path().join("empty.conf"),
        "jail_enable=YES\njail_www_hostname=www\n",
    )
    .unwrap();
    once(d.path(), &["show", "-f", "empty.conf"], "jail_list is empty");
}

#[test]
fn jail_conf_reader_warnings_once() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.path().join("etc")).unwrap();
    std::fs::create_dir_all(d.path().join("j/a")).unwrap();
    // A nested block: the reader's JV024 warning.
    std::fs::write(
        d.path().join("etc/jail.conf"),
        "a { path = /j/a; $volume_size = 1G; $volume_md_unit = 100; b { path = /j/b; } }\n",
    )
    .unwrap();
    for args in [
        &["show"][..],
        &["generate", "--dry-run"],
        &["check", "--no-containers"],
        &["create", "--dry-run"],
        &["status"],
        &["grow", "a", "2G", "--dry-run"],
        &["migrate", "a"],
    ] {
        let mut all = args.to_vec();
        all.extend(["--root", "."]);
        once(d.path(), &all, "warning[JV024]");
    }
}

#[test]
fn one_statement_failing_several_jails_is_reported_once() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("jail.conf"),
        "* { $volume_size = 1X; }\na { path = /a; }\nb { path = /b; }\n",
    )
    .unwrap();
    let err = stderr_of(d.path(), &["generate", "--dry-run", "-f", "jail.conf"]);
    assert_eq!(err.matches("error[JV022]").count(), 1, "{err}");
    assert!(
        err.contains("error[JV022]: a, b: $volume_size \"1X\" is not a size"),
        "{err}"
    );
    // Different statements stay apart.
    std::fs::write(
        d.path().join("two.conf"),
        "a { path = /a; $volume_size = 1X; }\nb { path = /b; $volume_size = 1X; }\n",
    )
    .unwrap();
    let err = stderr_of(d.path(), &["generate", "--dry-run", "-f", "two.conf"]);
    assert_eq!(err.matches("error[JV022]").count(), 2, "{err}");
}

/// rc.d/jail says "/var/run/jail.NAME.conf is created and used for jail NAME." when a
/// jail.conf exists beside the legacy variables: a note about its own temporary file,
/// which means nothing to someone converting. convert does not repeat it.
#[test]
fn convert_does_not_repeat_rc_d_jails_temp_file_notice() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.path().join("etc")).unwrap();
    std::fs::write(d.path().join("etc/jail.conf"), "other { path = /j/other; }\n").unwrap();
    std::fs::write(
        d.path().join("etc/rc.conf"),
        "jail_enable=YES\njail_list=www\njail_www_rootdir=/j/www\njail_www_hostname=www\njail_www_ip=192.0.2.1\n",
    )
    .unwrap();
    for args in [&["convert"][..], &["show", "--rc-conf"]] {
        let mut all = args.to_vec();
        all.extend(["-f", "/etc/rc.conf", "--root", "."]);
        let out = stderr_of(d.path(), &all);
        assert!(out.contains("www {"), "{args:?}: {out}");
        assert!(!out.contains("is created and used"), "{args:?}: {out}");
    }
}
