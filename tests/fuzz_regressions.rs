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

/// Inputs the rc.conf lexer used to take seconds to minutes on (issue 8; see
/// fuzz/regressions/rcconf/README.md), with the error each gives: the same as before the
/// grammar was made to commit (each `hang-fuzz-*` and `hang-nested-*` input is refused by
/// the nesting count before it is lexed). How much work the lexer does on them is
/// checked in tests/rcconf_linear.rs.
#[test]
fn rcconf_hangs_give_their_errors() {
    let too_deep = "error: expansions are nested too deeply (more than 8 levels)";
    let cases = [
        (
            "slow-fuzz-timeout-0598ea42",
            "3:1",
            "error: `jail_\"\njail_devfs_enable` is not an assignment",
        ),
        ("hang-fuzz-timeout-214a4538", "12:18", too_deep),
        ("hang-fuzz-timeout-2e031b10", "56:8", too_deep),
        ("hang-fuzz-timeout-d373eb25", "7:97", too_deep),
        ("hang-nested-unterminated-arith", "1:16", too_deep),
        ("hang-nested-unterminated-cmdsub", "1:20", too_deep),
        ("hang-nested-unterminated-dq-cmdsub", "1:29", too_deep),
        ("hang-nested-unterminated-dq-param", "1:53", too_deep),
        ("hang-nested-unterminated-param", "1:44", too_deep),
        ("hang-nested-unterminated-param-dq", "1:52", too_deep),
        ("hang-nested-unterminated-subshell", "1:12", too_deep),
        (
            "hang-unseen-by-the-count-dq-param-paren-12",
            "1:3",
            "error: unterminated double quote",
        ),
        (
            "hang-unseen-by-the-count-other-dq-paren-16",
            "1:3",
            "error: unterminated `${`",
        ),
        (
            "hang-unseen-by-the-count-param-paren-20",
            "1:3",
            "error: unterminated `${`",
        ),
        (
            "deep-nesting-unseen-by-the-count-12000",
            "1:503",
            "error: expansions are nested too deeply (more than 100 levels)",
        ),
    ];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/rcconf");
    // Room for pest to read the 12,000 levels (debug frames are large), or its stack
    // guard stops it first with a syntax error.
    let big_stack = std::thread::Builder::new().stack_size(256 << 20);
    let run = big_stack.spawn(move || {
        for (name, at, msg) in cases {
            let data = std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
            let src = jailvol::diag::Source::new("rc.conf", String::from_utf8_lossy(&data).into_owned());
            let opts = jailvol::parse::rcconf::RcOptions::default();
            let got = match jailvol::parse::rcconf::evaluate(&[src], &opts) {
                Ok(_) => "evaluated".to_owned(),
                Err(e) => e.render(),
            };
            let want = format!("rc.conf:{at}: {msg}");
            assert!(got.starts_with(&want), "{name}: expected {want:?}, got {got:?}");
        }
    });
    if let Err(e) = run.expect("spawn").join() {
        std::panic::resume_unwind(e);
    }
}
