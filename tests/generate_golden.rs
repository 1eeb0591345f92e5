//! Golden cases for `generate`: fixtures/generate/<case>/ holds `input/` (a root tree),
//! `args` (extra arguments, one per line), and either `expected/` (files after the run)
//! or `error.txt` + `exit` (first stderr line and exit status).
//! JAILVOL_BLESS=1 rewrites the expected files.

mod common;

use std::path::Path;

use common::*;

fn case(dir: &Path) {
    let root = tempfile::tempdir().unwrap();
    copy_tree(&dir.join("input"), root.path());
    let args: Vec<String> = std::fs::read_to_string(dir.join("args"))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    let mut c = jailvol();
    c.arg("generate").arg("--root").arg(root.path()).args(&args);
    let r = run(c);
    if dir.join("error.txt").exists() || (bless() && r.code != 0) {
        let first = r
            .stderr
            .lines()
            .find(|l| l.contains("error"))
            .unwrap_or("")
            .to_owned();
        expect_file(&dir.join("error.txt"), &format!("{first}\n"));
        expect_file(&dir.join("exit"), &format!("{}\n", r.code));
        // A refused run leaves the tree exactly as it was.
        assert_eq!(
            files_below(root.path()),
            files_below(&dir.join("input")),
            "{}",
            dir.display()
        );
        return;
    }
    assert_eq!(r.code, 0, "{}: {}", dir.display(), r.stderr);
    let expected = dir.join("expected");
    let input_files = files_below(&dir.join("input"));
    for rel in files_below(root.path()) {
        if rel == Path::new("usr/local/libexec/jailvol-md") || rel == Path::new("sbin/mount_md") {
            continue; // the helper has its own snapshot test
        }
        let actual = std::fs::read_to_string(root.path().join(&rel)).unwrap();
        let unchanged = input_files.contains(&rel)
            && std::fs::read_to_string(dir.join("input").join(&rel)).unwrap() == actual;
        if unchanged && !expected.join(&rel).exists() {
            continue;
        }
        expect_file(&expected.join(&rel), &actual);
    }
    // Idempotent: a second run has nothing to do.
    let mut again = jailvol();
    again.arg("generate").arg("--root").arg(root.path()).args(&args);
    let r2 = run(again);
    assert_eq!(r2.code, 0, "{}", r2.stderr);
    assert!(
        r2.stderr.contains("up to date"),
        "{}: second run changed something:\n{}",
        dir.display(),
        r2.stderr
    );
}

#[test]
fn golden_generate_cases() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/generate");
    let mut n = 0;
    for e in std::fs::read_dir(&base).unwrap().flatten() {
        if e.path().join("input").is_dir() {
            case(&e.path());
            n += 1;
        }
    }
    assert!(n >= 10, "only {n} generate cases");
}

#[test]
fn helper_script_snapshot() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/generate/jailvol-md.expected");
    expect_file(&p, &jailvol::shell::helper_script());
}
