//! Every real jail.conf in ../shared/corpus (see its SOURCES.md): the valid ones parse,
//! the broken ones fail with exit 65 at the line jail(8) would report, and the `show`
//! text of each valid file reads back to the same JSON.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The corpus, or None when JAILVOL_SKIP_CORPUS=1 asks to skip (a missing corpus
/// otherwise fails).
fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var_os("JAILVOL_SKIP_CORPUS").is_some_and(|v| v == "1") {
        eprintln!("SKIPPED (JAILVOL_SKIP_CORPUS=1): {} is absent", dir.display());
        return None;
    }
    panic!(
        "{} is absent; set JAILVOL_SKIP_CORPUS=1 to skip this test",
        dir.display()
    );
}

fn jailvol(cwd: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    use std::io::Write;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jailvol"));
    cmd.current_dir(cwd)
        .env_remove("RUST_BACKTRACE")
        .env("NO_COLOR", "1")
        .args(args);
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => panic!("cannot run jailvol: {e}"),
    };
    if let Some(mut si) = child.stdin.take()
        && let Some(data) = stdin
    {
        let _ = si.write_all(data);
    }
    match child.wait_with_output() {
        Ok(o) => o,
        Err(e) => panic!("jailvol: {e}"),
    }
}

/// Valid jail.conf files and how many jails each defines.
const VALID: &[(&str, usize)] = &[
    ("FreshPorts__host-init__jail-ingress.conf", 1),
    ("FreshPorts__host-init__jail-nginx.conf", 1),
    ("FreshPorts__host-init__jail.conf", 3),
    ("JozanLeClerc__joe-conf__etc__jail.conf", 4),
    ("Rogiel__freebsd-config-files__etc__jail.conf", 1),
    ("TheDevtop__jails__etc__jail.conf", 1),
    ("freebsd__freebsd-src__share__examples__jails__jail.xxx.conf", 1),
    ("genneko__freebsd-vimage-jails__jail.vnet.bridged.conf", 3),
    ("grigarr__etc-fbsd__jail.conf", 1),
    ("jlduran__test-your-firewall-rules__etc__jail.conf", 0),
    ("jojojames__freebsd-files__etc__jail.conf", 1),
    // Globals only: a tool appends the blocks.
    ("nihr43__jm__templates__jail.conf", 0),
    ("omussell__homelab__jail.conf", 8),
    ("part1zano__confz__etc__jail.conf", 1),
    ("skunkwerks__diy-jails__etc__jail.conf", 2),
    ("christian-moerz__eurobsdcon24__jail.template", 0),
];

/// Broken files: the line of the first error and a piece of its message.
const BROKEN: &[(&str, usize, &str)] = &[
    // exec.start lacks its `;`: yacc fails at the next statement's name, line 7.
    ("indgy__app-jail__jail.conf", 7, "syntax error"),
    // `exec.poststop += "jng shutdown $name"` (line 19) lacks `;`: error at line 20.
    (
        "genneko__freebsd-vimage-jails__jail.hostonly.multi.conf",
        20,
        "syntax error",
    ),
    // `name = "t1";` in block t1: add_param's PF_IMMUTABLE check.
    (
        "NikolayDachev__jails__jail.conf",
        11,
        "t1: cannot redefine parameter \"name\".",
    ),
];

fn json_of(dir: &Path, file: &str) -> Output {
    jailvol(
        dir,
        &["show", "--jail-conf", "-f", file, "--format", "json"],
        None,
    )
}

fn jail_count(json: &[u8]) -> usize {
    let v: serde_json::Value = match serde_json::from_slice(json) {
        Ok(v) => v,
        Err(e) => panic!("bad JSON: {e}"),
    };
    v["jails"].as_array().map_or(0, Vec::len)
}

/// `show` text reparsed (from stdin) gives the same JSON as the original.
fn assert_reparses(dir: &Path, file: &str, json: &[u8], root: Option<&str>) {
    let mut args = vec!["show", "--jail-conf", "-f", file];
    if let Some(r) = root {
        args.extend(["--root", r]);
    }
    let text = jailvol(dir, &args, None);
    assert_eq!(text.status.code(), Some(0), "{file}: show text failed");
    let again = jailvol(
        dir,
        &["show", "--jail-conf", "-f", "-", "--format", "json"],
        Some(&text.stdout),
    );
    assert_eq!(
        again.status.code(),
        Some(0),
        "{file}: reparse failed: {}",
        String::from_utf8_lossy(&again.stderr)
    );
    // Source locations differ (the text is a new file); compare everything else.
    let strip = |b: &[u8]| -> serde_json::Value {
        let mut v: serde_json::Value = serde_json::from_slice(b).unwrap_or_default();
        if let Some(js) = v["jails"].as_array_mut() {
            for j in js {
                if let Some(o) = j.as_object_mut() {
                    o.remove("source");
                }
            }
        }
        v
    };
    assert_eq!(
        strip(json),
        strip(&again.stdout),
        "{file}: show text does not read back the same"
    );
}

#[test]
fn valid_corpus_files_parse_and_reparse() {
    let Some(dir) = corpus() else { return };
    for (file, jails) in VALID {
        let out = json_of(&dir, file);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(jail_count(&out.stdout), *jails, "{file}: jail count");
        assert_reparses(&dir, file, &out.stdout, None);
    }
}

#[test]
fn broken_corpus_files_fail_at_the_right_line() {
    let Some(dir) = corpus() else { return };
    for (file, line, msg) in BROKEN {
        let out = json_of(&dir, file);
        assert_eq!(out.status.code(), Some(65), "{file}");
        let err = String::from_utf8_lossy(&out.stderr);
        let first = err.lines().next().unwrap_or("");
        let want = format!("{file}:{line}:");
        assert!(
            first.starts_with(&want) && first.contains(msg),
            "{file}: got {first:?}, want {want}..{msg}"
        );
    }
}

#[test]
fn include_with_absolute_path_under_root() {
    let Some(dir) = corpus() else { return };
    let file = "christian-moerz__eurobsdcon24__jail.conf";
    // Without --root the absolute include does not exist on this machine: exit 66.
    let out = json_of(&dir, file);
    assert_eq!(
        out.status.code(),
        Some(66),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tmp = match tempfile::tempdir() {
        Ok(t) => t,
        Err(e) => panic!("tempdir: {e}"),
    };
    let conf_d = tmp.path().join("etc/jail.conf.d");
    if let Err(e) = std::fs::create_dir_all(&conf_d) {
        panic!("mkdir: {e}");
    }
    if let Err(e) = std::fs::copy(
        dir.join("christian-moerz__eurobsdcon24__jail.template"),
        conf_d.join("JAILNAME.template"),
    ) {
        panic!("copy: {e}");
    }
    let root = tmp.path().to_string_lossy().into_owned();
    let out = jailvol(
        &dir,
        &[
            "show",
            "--jail-conf",
            "-f",
            file,
            "--root",
            &root,
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(jail_count(&out.stdout), 1);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    // The template's parameters went into the including block.
    assert!(
        v["jails"][0]["params"].as_object().is_some_and(|p| p.len() > 3),
        "{v}"
    );
    assert_reparses(&dir, file, &out.stdout, Some(&root));
}
