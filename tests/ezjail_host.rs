//! ezjail hosts (issue 19; docs/legacy.md, ezjail): every `fixtures/rcconf/ezjail-*/`
//! case is a `root/` tree (`/etc/rc.conf`, `/usr/local/etc/ezjail/*`, fstabs, images)
//! read as the host, without `-f`. Each `CMD.out` file holds what
//! `jailvol --root root CMD` prints (standard output, then `--- stderr`, then
//! `--- exit N`), CMD being `convert`, `show`, `check` or `generate` (`--dry-run`).
//! `JAILVOL_BLESS=1` rewrites them (review the diff).

use std::path::{Path, PathBuf};
use std::process::Command;

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rcconf");
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("ezjail-"))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn args_of(cmd: &str) -> Vec<&str> {
    match cmd {
        "generate" => vec!["generate", "--dry-run"],
        other => vec![other],
    }
}

fn run(dir: &Path, cmd: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_jailvol"))
        .args(["--root", "root"])
        .args(args_of(cmd))
        .current_dir(dir)
        .env_remove("RUST_BACKTRACE")
        .env("NO_COLOR", "1")
        .output()
        .expect("run jailvol");
    format!(
        "{}--- stderr\n{}--- exit {}\n",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        out.status.code().unwrap_or(-1)
    )
}

#[test]
fn ezjail_golden_cases() {
    let bless = std::env::var_os("JAILVOL_BLESS").is_some_and(|v| v == "1");
    let cases = cases();
    assert!(cases.len() >= 2, "ezjail cases missing");
    let mut failures = Vec::new();
    for dir in &cases {
        let mut n = 0;
        for cmd in ["convert", "show", "check", "generate"] {
            let file = dir.join(format!("{cmd}.out"));
            if !file.is_file() {
                continue;
            }
            n += 1;
            let got = run(dir, cmd);
            if bless {
                std::fs::write(&file, &got).expect("bless");
                continue;
            }
            let want = std::fs::read_to_string(&file).unwrap_or_default();
            if got != want {
                failures.push(format!(
                    "{}: {cmd} differs\n--- expected\n{want}\n--- got\n{got}",
                    dir.display()
                ));
            }
        }
        assert!(n > 0, "{}: no CMD.out file", dir.display());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
