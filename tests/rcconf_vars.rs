//! Golden tests for `jailvol vars`: every folder under fixtures/rcconf holds an input
//! `rc.conf` and either `vars.json` (the expected `vars --format json` output) or
//! `error.txt` (the expected first line of stderr, with exit 65). Other files in the
//! folders (e.g. `convert.conf`) belong to other tests.
//!
//! `JAILVOL_BLESS=1 cargo test --test rcconf_vars` rewrites the expected files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn case_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rcconf");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures/rcconf exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("rc.conf").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn jailvol(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jailvol"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_BACKTRACE")
        .env("NO_COLOR", "1")
        .output()
        .expect("run jailvol")
}

#[test]
fn every_fixture_matches() {
    let bless = std::env::var_os("JAILVOL_BLESS").is_some();
    let dirs = case_dirs();
    assert!(
        dirs.len() >= 30,
        "expected at least 30 rc.conf cases, found {}",
        dirs.len()
    );
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let out = jailvol(dir, &["vars", "-f", "rc.conf", "--format", "json"]);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let code = out.status.code();
        let json = dir.join("vars.json");
        let err = dir.join("error.txt");
        if bless {
            let _ = std::fs::remove_file(&json);
            let _ = std::fs::remove_file(&err);
            if code == Some(0) {
                std::fs::write(&json, &stdout).expect("write vars.json");
            } else {
                let first = stderr.lines().next().unwrap_or("");
                std::fs::write(&err, format!("{first}\n")).expect("write error.txt");
            }
            continue;
        }
        if json.is_file() {
            let want = std::fs::read_to_string(&json).expect("read vars.json");
            if code != Some(0) || stdout != want {
                failures.push(format!(
                    "{name}: exit {code:?}\n--- want\n{want}--- got\n{stdout}{stderr}"
                ));
            }
        } else if err.is_file() {
            let want = std::fs::read_to_string(&err).expect("read error.txt");
            let first = stderr.lines().next().unwrap_or("");
            if code != Some(65) || first != want.trim_end_matches('\n') {
                failures.push(format!(
                    "{name}: exit {code:?}\n--- want\n{want}--- got\n{stderr}"
                ));
            }
            if !stdout.is_empty() {
                failures.push(format!("{name}: an error case printed to stdout:\n{stdout}"));
            }
        } else {
            failures.push(format!(
                "{name}: no vars.json or error.txt (run with JAILVOL_BLESS=1)"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The text format is `name: value`, one per line, like `sysrc -a`.
#[test]
fn text_output_is_name_colon_value() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rcconf/several_per_line");
    let out = jailvol(&dir, &["vars", "-f", "rc.conf"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "a: 1\nb: 2\nc: 3\nd: 4\ne: 5\nf: 6\n"
    );
}

#[test]
fn missing_file_is_exit_66() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = jailvol(dir.path(), &["vars", "-f", "nope.conf"]);
    assert_eq!(out.status.code(), Some(66));
    let out = jailvol(dir.path(), &["vars", "--root", "."]);
    assert_eq!(
        out.status.code(),
        Some(66),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `--skip-unsupported` warns and skips, but values that depend on a skipped statement
/// are still errors.
#[test]
fn skip_unsupported_taints() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("a.conf"), "a=1\nb=$(hostname)\nc=$a\n").expect("write");
    std::fs::write(dir.path().join("b.conf"), "a=1\nb=$(hostname)\nc=$b\n").expect("write");
    let out = jailvol(dir.path(), &["vars", "--skip-unsupported", "-f", "a.conf"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "a: 1\nc: 1\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("a.conf:2:3: warning: command substitution"));
    let out = jailvol(dir.path(), &["vars", "--skip-unsupported", "-f", "b.conf"]);
    assert_eq!(out.status.code(), Some(65));
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with("b.conf:3:3: error: the value of `b` is unknown")
    );
}

/// The host file set (load_host): rc.conf, rc_conf_files in order (re-read when it
/// changes), rc.conf.d/jail (file or directory), then ezjail files.
#[test]
fn host_file_set_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let w = |p: &str, t: &str| {
        let f = root.join(p);
        std::fs::create_dir_all(f.parent().expect("parent")).expect("mkdir");
        std::fs::write(f, t).expect("write");
    };
    w(
        "etc/rc.conf",
        "a=rc\nrc_conf_files=\"/etc/rc.conf /etc/extra.conf /etc/rc.conf.local\"\n",
    );
    w("etc/rc.conf.local", "b=local c=$a\n");
    w("etc/extra.conf", "a=extra\n");
    w("etc/rc.conf.d/jail", "d=etc-rcconfd\n");
    w("usr/local/etc/rc.conf.d/jail/10", "e=first\n");
    w("usr/local/etc/rc.conf.d/jail/20", "e=\"$e second\"\n");
    w(
        "usr/local/etc/ezjail/www",
        "# PROVIDE: standard_ezjail\nexport jail_www_hostname=\"www\"\n",
    );
    let out = jailvol(root, &["vars", "--root", ".", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["a"], "extra");
    // rc.conf.local is read in the first pass, before extra.conf (added to
    // rc_conf_files by rc.conf) is read in the second: `$a` was still "rc".
    assert_eq!(v["c"], "rc");
    assert_eq!(v["b"], "local");
    assert_eq!(v["d"], "etc-rcconfd");
    assert_eq!(v["e"], "first second");
    assert_eq!(v["jail_www_hostname"], "www");
}
