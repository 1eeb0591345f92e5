//! `--root .` (issue 22): the paths jailvol prints and writes into scripts are the ones
//! the host sees, never `./usr/jails/www.ufs`, `etc/jail.d/www.conf` or
//! `/tmp/x/./usr/jails/www`. Through the built binary, run in the root directory.

mod common;

use std::path::Path;

use common::{Run, jailvol, run};

/// A host below `dir`: jail.conf including `/etc/jail.d/*.conf` (found by globbing below
/// the root), one managed jail there.
fn host(dir: &Path, part: &str) {
    std::fs::create_dir_all(dir.join("etc/jail.d")).unwrap();
    std::fs::create_dir_all(dir.join("usr/jails/www")).unwrap();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("etc/jail.conf"), ".include \"/etc/jail.d/*.conf\";\n").unwrap();
    std::fs::write(dir.join("etc/jail.d/www.conf"), part).unwrap();
}

const WWW: &str =
    "www { path = /usr/jails/www; host.hostname = www; $volume_size = 1G; $volume_md_unit = 100; }\n";

fn in_root(dir: &Path, args: &[&str]) -> Run {
    let mut c = jailvol();
    c.current_dir(dir).args(args).args(["--root", "."]);
    run(c)
}

/// Nothing printed names a path relative to the working directory or with a `.` in it.
#[track_caller]
fn host_paths_only(what: &str, text: &str) {
    for bad in ["/./", " ./", "\t./", " etc/", "aetc/", "betc/", "\n./", "\netc/"] {
        assert!(!text.contains(bad), "{what}: {bad:?} in\n{text}");
    }
}

#[test]
fn show_names_an_included_file_by_its_host_path() {
    let d = tempfile::tempdir().unwrap();
    host(d.path(), "www { path = /usr/jails/www;\n");
    let r = in_root(d.path(), &["show"]);
    assert_eq!(r.code, 65, "{}", r.stderr);
    assert!(
        r.stderr.starts_with("/etc/jail.d/www.conf:2:1: error"),
        "{}",
        r.stderr
    );
    host_paths_only("show", &r.stderr);
}

#[test]
fn generate_diffs_name_host_paths() {
    let d = tempfile::tempdir().unwrap();
    host(
        d.path(),
        "www { path = /usr/jails/www; host.hostname = www; $volume_size = 1G; }\n",
    );
    let r = in_root(d.path(), &["generate", "--dry-run"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("--- a/etc/jail.d/www.conf\n"), "{}", r.stdout);
    host_paths_only("generate", &r.stdout);
}

#[test]
fn create_dry_run_shows_host_paths() {
    let d = tempfile::tempdir().unwrap();
    host(d.path(), WWW);
    for args in [
        &["create", "--dry-run"][..],
        &["create", "--dry-run", "--format", "json"],
        &["create", "--dry-run", "--via", "makefs", "--from", "/src"],
    ] {
        let r = in_root(d.path(), args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        host_paths_only(&format!("{args:?}"), &r.stdout);
        assert!(r.stdout.contains("/usr/jails/www.ufs"), "{args:?}: {}", r.stdout);
    }
    // A refusal names the path on this machine, absolute.
    let r = in_root(
        d.path(),
        &["create", "--dry-run", "--via", "makefs", "--from", "/nothing"],
    );
    assert_eq!(r.code, 66, "{}", r.stderr);
    let want = format!("--from {}: no such directory", d.path().join("nothing").display());
    assert!(r.stderr.contains(&want), "{}", r.stderr);
}

#[test]
fn migrate_script_and_grow_messages_use_the_absolute_root() {
    let d = tempfile::tempdir().unwrap();
    host(d.path(), WWW);
    let r = in_root(d.path(), &["migrate", "www"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // (The script's own text has `./.snap` and `tar -C DIR .`: only its paths are checked.)
    assert!(!r.stdout.contains("/./"), "{}", r.stdout);
    for line in r.stdout.lines().filter(|l| l.starts_with("jv_")) {
        let value = line
            .split_once('=')
            .map_or("", |(_, v)| v.trim_start_matches('\''));
        assert!(!value.starts_with('.'), "{line}");
    }
    let root = d.path().display().to_string();
    assert!(
        r.stdout.contains(&format!("\njv_root={root}/usr/jails/www\n")),
        "{}",
        r.stdout
    );
    let r = in_root(d.path(), &["grow", "www", "2G", "--dry-run"]);
    assert_eq!(r.code, 66, "{}", r.stderr);
    assert!(
        r.stderr
            .contains(&format!("www: {root}/usr/jails/www.ufs does not exist")),
        "{}",
        r.stderr
    );
}
