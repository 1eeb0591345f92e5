//! `check` lints: fixtures/check/<case>/ holds `input/` (a root tree), optional `args`,
//! optional `check-args` (for check only), optional `containers` (lines `PATH SIZE KIND`, KIND one of ufs2, ufs1, ufs2-at-8k,
//! none, sparse: the harness creates them, being too big to keep in git; or `PATH - dir`,
//! a directory such as a jail's path, which git does not keep when empty), optional
//! `pregenerate` (run `generate` first, so there is no drift), and `expect`: lines
//! `+JV012` (must be reported), `-JV012` (must not), `exit N`, `drift`, `nodrift`;
//! optional `remove` (paths under the root deleted after `pregenerate`: a file generate
//! wrote that is gone).
//! Every code in docs/checks.md has a case that triggers it and one that does not.

mod common;

use std::collections::BTreeSet;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use common::*;
use jailvol::diag::Severity;
use jailvol::lint::Lint;

fn make_container(root: &Path, spec: &str) {
    let mut it = spec.split_whitespace();
    let (Some(path), Some(size), Some(kind)) = (it.next(), it.next(), it.next()) else {
        panic!("bad containers line {spec:?}")
    };
    if kind == "dir" {
        std::fs::create_dir_all(root.join(path.trim_start_matches('/'))).unwrap();
        return;
    }
    let size = jailvol::volume::parse_size(size).unwrap();
    let p = root.join(path.trim_start_matches('/'));
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    let mut f = std::fs::File::create(&p).unwrap();
    if kind == "sparse" {
        f.set_len(size).unwrap();
    } else {
        // Allocated for real, as create would.
        let chunk = vec![0u8; 1 << 20];
        let mut left = size;
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            f.write_all(&chunk[..n]).unwrap();
            left -= n as u64;
        }
    }
    let magic: Option<(u64, u32)> = match kind {
        "ufs2" | "sparse" => Some((65536, 0x19540119)),
        "ufs2-at-8k" => Some((8192, 0x19540119)),
        "ufs1" => Some((8192, 0x011954)),
        _ => None,
    };
    if let Some((off, m)) = magic {
        f.seek(SeekFrom::Start(off + 1372)).unwrap();
        f.write_all(&m.to_le_bytes()).unwrap();
    }
}

fn case(dir: &Path) -> BTreeSet<String> {
    let root = tempfile::tempdir().unwrap();
    copy_tree(&dir.join("input"), root.path());
    if let Ok(list) = std::fs::read_to_string(dir.join("containers")) {
        list.lines()
            .filter(|l| !l.trim().is_empty())
            .for_each(|l| make_container(root.path(), l));
    }
    let lines = |f: &str| -> Vec<String> {
        std::fs::read_to_string(dir.join(f))
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let args = lines("args");
    if dir.join("pregenerate").exists() {
        let mut g = jailvol();
        g.arg("generate")
            .arg("-q")
            .arg("--root")
            .arg(root.path())
            .args(&args);
        let r = run(g);
        assert_eq!(r.code, 0, "{}: pregenerate failed: {}", dir.display(), r.stderr);
    }
    for path in lines("remove") {
        std::fs::remove_file(root.path().join(path.trim_start_matches('/')))
            .unwrap_or_else(|e| panic!("{}: remove {path}: {e}", dir.display()));
    }
    let mut c = jailvol();
    c.arg("check")
        .arg("--root")
        .arg(root.path())
        .arg("--format")
        .arg("json")
        .args(&args)
        .args(lines("check-args"));
    let r = run(c);
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let doc: serde_json::Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("{name}: not JSON ({e}): {}\n{}", r.stdout, r.stderr));
    let codes: BTreeSet<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect();
    let drifted = !doc["drift"].as_array().unwrap().is_empty();
    let expect =
        std::fs::read_to_string(dir.join("expect")).unwrap_or_else(|_| panic!("{name}: no expect file"));
    for l in expect
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        if let Some(code) = l.strip_prefix('+') {
            assert!(
                codes.contains(code),
                "{name}: expected {code}, got {codes:?}\n{}",
                r.stdout
            );
        } else if let Some(code) = l.strip_prefix('-') {
            assert!(
                !codes.contains(code),
                "{name}: did not expect {code}\n{}",
                r.stdout
            );
        } else if let Some(n) = l.strip_prefix("exit ") {
            assert_eq!(
                r.code.to_string(),
                n,
                "{name}: exit status\n{}{}",
                r.stdout,
                r.stderr
            );
        } else if l == "drift" {
            assert!(drifted, "{name}: expected drift");
        } else if l == "nodrift" {
            assert!(!drifted, "{name}: unexpected drift:\n{}", r.stdout);
        } else {
            panic!("{name}: bad expect line {l:?}");
        }
    }
    codes
}

#[test]
fn every_lint_has_a_triggering_and_a_clean_case() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/check");
    let mut triggered = BTreeSet::new();
    let mut cleared = BTreeSet::new();
    let mut dirs: Vec<_> = std::fs::read_dir(&base)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    for d in dirs.iter().filter(|d| d.join("expect").exists()) {
        case(d);
        let expect = std::fs::read_to_string(d.join("expect")).unwrap();
        for l in expect.lines() {
            if let Some(c) = l.strip_prefix('+') {
                triggered.insert(c.to_owned());
            } else if let Some(c) = l.strip_prefix('-') {
                cleared.insert(c.to_owned());
            }
        }
    }
    // Every code of the registry (docs/checks.md lists the same: `docs_and_registry_agree`)
    // is covered both ways, but for those that stand for a jailvol bug.
    assert!(Lint::ALL.len() >= 20);
    for code in Lint::ALL.iter().filter(|l| !l.is_internal()).map(|l| l.code()) {
        assert!(triggered.contains(code), "no fixture triggers {code}");
        assert!(cleared.contains(code), "no fixture shows {code} absent");
    }
    for code in triggered.iter().chain(&cleared) {
        assert!(
            Lint::from_code(code).is_some(),
            "a fixture expects {code}, which is no lint"
        );
    }
}

/// docs/checks.md has a `### JVnnn title` heading for every lint of the registry and
/// none for anything else, with the registry's title, and the paragraph under it starts
/// with the lint's default severity.
#[test]
fn docs_and_registry_agree() {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/checks.md")).unwrap();
    let lines: Vec<&str> = doc.lines().collect();
    let mut documented = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let Some(heading) = l.strip_prefix("### ") else {
            continue;
        };
        let (code, title) = heading.split_once(' ').unwrap_or((heading, ""));
        let lint = Lint::from_code(code)
            .unwrap_or_else(|| panic!("docs/checks.md documents {code}, which is no lint"));
        assert_eq!(title, lint.title(), "the title of {code}");
        let first = lines.get(i + 1).and_then(|l| l.split([' ', '.', ',']).next());
        let severity = match lint.severity() {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        };
        assert_eq!(first, Some(severity), "the severity of {code} in docs/checks.md");
        documented.push(lint);
    }
    assert_eq!(
        documented,
        Lint::ALL,
        "docs/checks.md documents each lint once, in order"
    );
}
