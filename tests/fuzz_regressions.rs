//! Every input under fuzz/regressions/<target>/ (crashes, hangs and other findings of
//! the fuzz targets, kept after the fix) replayed through the fuzz harness itself
//! (fuzz/harness.rs), on stable and without libFuzzer. Each must run without a panic.

#[path = "../fuzz/harness.rs"]
mod harness;

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    files.sort();
    let mut failed = Vec::new();
    for f in &files {
        let data = std::fs::read(f).unwrap();
        if std::panic::catch_unwind(|| run(&data)).is_err() {
            failed.push(f.display().to_string());
        }
    }
    assert!(failed.is_empty(), "{target}: panicked on {failed:?}");
}

#[test]
fn jailconf_regressions() {
    replay("jailconf", harness::jailconf);
}

#[test]
fn rcconf_regressions() {
    replay("rcconf", harness::rcconf);
}

#[test]
fn fstab_regressions() {
    replay("fstab", harness::fstab);
}

/// Inputs the rc.conf lexer takes exponential time on (fuzz/regressions/rcconf-hangs/).
#[test]
fn rcconf_known_hangs() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/rcconf-hangs");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    files.sort();
    for f in files {
        let data = std::fs::read(&f).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            harness::rcconf(&data);
            let _ = tx.send(());
        });
        assert!(
            rx.recv_timeout(std::time::Duration::from_secs(10)).is_ok(),
            "{}: still running after 10 s",
            f.display()
        );
    }
}
