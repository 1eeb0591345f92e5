//! The script `jailvol --root fixtures/migrate/CASE/input migrate www` prints, against
//! `fixtures/migrate/CASE/expected.sh` (the fixture's absolute path shown as `@ROOT@`).
//! `JAILVOL_BLESS=1` rewrites the expected files.

mod common;

use std::path::Path;

fn golden(case: &str, args: &[&str]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/migrate")
        .join(case);
    let input = dir.join("input");
    let mut c = common::jailvol();
    c.arg("--root").arg(&input).arg("migrate").arg("www").args(args);
    let r = common::run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = r.stdout.replace(&input.display().to_string(), "@ROOT@");
    common::expect_file(&dir.join("expected.sh"), &text);
}

#[test]
fn jailconf_basic() {
    golden("jailconf-basic", &[]);
}

#[test]
fn rcconf_basic_with_stop() {
    golden("rcconf-basic", &["--stop"]);
}
