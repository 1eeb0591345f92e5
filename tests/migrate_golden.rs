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
    common::expect_file(&dir.join("expected.sh"), &keys_hidden(&text));
}

/// The state-directory keys of the config step are checksums of each file's path, which
/// holds this checkout's location: shown as `@KEY@`, so the goldens hold anywhere.
fn keys_hidden(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        let indent = &line[..line.len() - t.len()];
        let keyed = [
            "jv_save ",
            "jv_restore ",
            "jv_put ",
            "jv_edit ",
            "jv_touch ",
            "jv_mkdir ",
            "jv_unmkdir ",
        ]
        .iter()
        .find_map(|f| t.strip_prefix(f).map(|rest| (f, rest)));
        match keyed {
            Some((f, rest)) if rest.len() > 8 && rest[..8].bytes().all(|b| b.is_ascii_hexdigit()) => {
                out.push_str(indent);
                out.push_str(f);
                out.push_str("@KEY@");
                out.push_str(&rest[8..]);
            }
            _ => out.push_str(line),
        }
    }
    out
}

#[test]
fn jailconf_basic() {
    golden("jailconf-basic", &[]);
}

#[test]
fn rcconf_basic_with_stop() {
    golden("rcconf-basic", &["--stop"]);
}

/// An ezjail directory jail: stopped and restarted on a rollback through `service
/// ezjail`, switched off in ezjail (its per-jail file copied to .NAME.norun, then
/// removed: the rollback restores both), started from jail.conf by rc.d/jail.
#[test]
fn ezjail_dir() {
    golden("ezjail-dir", &["--stop"]);
}
