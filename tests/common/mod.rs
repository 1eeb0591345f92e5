//! Helpers shared by the CLI tests: run the built binary like a user would, with a
//! clean environment (no RUST_BACKTRACE, no colour).

#![allow(dead_code)]

pub mod fakebsd;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn jailvol() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_jailvol"));
    c.env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .env("NO_COLOR", "1");
    c
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(mut c: Command) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = c.output().expect("run jailvol");
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// Every regular file below `dir`, as paths relative to it, sorted.
pub fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

pub fn copy_tree(from: &Path, to: &Path) {
    for rel in files_below(from) {
        let dst = to.join(&rel);
        std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
        std::fs::copy(from.join(&rel), &dst).unwrap();
    }
}

/// Write an executable script (a fake FreeBSD command).
pub fn write_exec(p: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(p, text).unwrap();
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

pub fn bless() -> bool {
    std::env::var_os("JAILVOL_BLESS").is_some()
}

/// Compare with an expected file, or rewrite it when blessing.
pub fn expect_file(path: &Path, actual: &str) {
    if bless() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(actual, expected, "mismatch with {}", path.display());
}

/// A test that cannot run here fails, unless the skip was asked for: `var=1` in the
/// environment. Returns true (the caller returns) only then, and says so on stderr.
pub fn skip_unless_asked(var: &str, why: &str) -> bool {
    if std::env::var_os(var).is_some_and(|v| v == "1") {
        eprintln!("SKIPPED ({var}=1): {why}");
        return true;
    }
    panic!("{why}; set {var}=1 to skip this test");
}

/// The shared corpus of real configurations (../shared/corpus beside the repository,
/// as CI has it). None only when JAILVOL_SKIP_CORPUS=1 asks to skip; otherwise a
/// missing corpus fails the test.
pub fn corpus_dir() -> Option<PathBuf> {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if d.is_dir() {
        return Some(d);
    }
    skip_unless_asked("JAILVOL_SKIP_CORPUS", &format!("{} is absent", d.display()));
    None
}

/// The variables dash holds after `set -a; . ./FILE` in `dir` (`env -i`, so nothing
/// comes from the environment; `env -0` prints them byte-exact), or None if dash
/// failed or wrote to stderr. The variables dash sets by itself are in it: compare with
/// the same run on an empty file.
pub fn dash_source(dir: &Path, file: &str) -> Option<BTreeMap<String, String>> {
    let out = Command::new("env")
        .args([
            "-i",
            "dash",
            "-c",
            &format!("set -a; . ./{file} >/dev/null; exec env -0"),
        ])
        .current_dir(dir)
        .output()
        .ok()?;
    if !out.status.success() || !out.stderr.is_empty() {
        return None;
    }
    let mut vars = BTreeMap::new();
    for entry in out.stdout.split(|b| *b == 0).filter(|e| !e.is_empty()) {
        let s = String::from_utf8_lossy(entry);
        let (k, v) = s.split_once('=')?;
        vars.insert(k.to_owned(), v.to_owned());
    }
    Some(vars)
}

/// The root tree of fixtures/check/`case`, checked with `--no-containers`, `--format
/// format` and `args`.
pub fn check_fixture(case: &str, format: &str, args: &[&str]) -> Run {
    let root = tempfile::tempdir().expect("temp dir");
    let input = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/check")
        .join(case)
        .join("input");
    copy_tree(&input, root.path());
    let mut c = jailvol();
    c.arg("check")
        .arg("--no-containers")
        .arg("--root")
        .arg(root.path())
        .args(["--format", format])
        .args(args);
    run(c)
}
