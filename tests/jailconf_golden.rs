//! Golden tests for `jailvol show` on jail.conf input: every directory under
//! fixtures/jailconf/ is a case. Accepted inputs have `show.conf` (text) and `show.json`;
//! rejected ones have `error.txt` (the first stderr line) and optionally `exit_code`
//! (default 65). The binary runs in the case directory with
//! `show --jail-conf -f input.conf [--format json]`. `JAILVOL_BLESS=1` rewrites the
//! expected files from what jailvol prints (review the diff before committing).

use std::path::{Path, PathBuf};
use std::process::Command;

fn run(dir: &Path, json: bool) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_jailvol"));
    cmd.current_dir(dir)
        .env_remove("RUST_BACKTRACE")
        .env("NO_COLOR", "1")
        .args(["show", "--jail-conf", "-f", "input.conf"]);
    if json {
        cmd.args(["--format", "json"]);
    }
    let out = match cmd.output() {
        Ok(o) => o,
        Err(e) => panic!("cannot run jailvol: {e}"),
    };
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn read(p: &Path) -> Option<String> {
    std::fs::read_to_string(p).ok()
}

fn write(p: &Path, s: &str) {
    if let Err(e) = std::fs::write(p, s) {
        panic!("cannot write {}: {e}", p.display());
    }
}

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/jailconf");
    let mut dirs: Vec<PathBuf> = match std::fs::read_dir(&root) {
        Ok(rd) => rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.join("input.conf").exists())
            .collect(),
        Err(e) => panic!("no fixtures at {}: {e}", root.display()),
    };
    dirs.sort();
    dirs
}

/// Check one case; returns a description of each mismatch.
fn check(dir: &Path, bless: bool) -> Vec<String> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut bad = Vec::new();
    let error_file = dir.join("error.txt");
    if error_file.exists() {
        let want_code: i32 = read(&dir.join("exit_code"))
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(65);
        let (code, _out, err) = run(dir, false);
        let first = err.lines().next().unwrap_or("").to_owned();
        if bless {
            write(&error_file, &format!("{first}\n"));
            if code != 65 {
                write(&dir.join("exit_code"), &format!("{code}\n"));
            }
            return bad;
        }
        let want = read(&error_file).unwrap_or_default();
        if first != want.trim_end_matches('\n') {
            bad.push(format!(
                "{name}: first stderr line\n  want: {}\n  got:  {first}",
                want.trim_end()
            ));
        }
        if code != want_code {
            bad.push(format!("{name}: exit code {code}, want {want_code}\n{err}"));
        }
        return bad;
    }
    for (json, file) in [(false, "show.conf"), (true, "show.json")] {
        let (code, out, err) = run(dir, json);
        if code != 0 {
            bad.push(format!("{name}: exit code {code} (json={json})\n{err}"));
            continue;
        }
        let path = dir.join(file);
        if bless {
            write(&path, &out);
            continue;
        }
        let want = read(&path).unwrap_or_default();
        if out != want {
            bad.push(format!("{name}: {file} differs\n--- want\n{want}--- got\n{out}"));
        }
    }
    bad
}

#[test]
fn golden_jailconf_cases() {
    let bless = std::env::var_os("JAILVOL_BLESS").is_some_and(|v| v == "1");
    let dirs = cases();
    assert!(
        dirs.len() >= 40,
        "expected at least 40 cases, found {}",
        dirs.len()
    );
    let bad: Vec<String> = dirs.iter().flat_map(|d| check(d, bless)).collect();
    assert!(
        bad.is_empty(),
        "{} mismatches:\n\n{}",
        bad.len(),
        bad.join("\n\n")
    );
}
