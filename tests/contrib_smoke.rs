//! contrib/freebsd-smoke.sh runs only on a FreeBSD VM (.cirrus.yml); here it must at
//! least be valid POSIX sh and shellcheck-clean, and Cirrus must run it.

use std::process::Command;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/contrib/freebsd-smoke.sh");
const CIRRUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/.cirrus.yml");

fn skip(var: &str) -> bool {
    std::env::var_os(var).is_some_and(|v| v == "1")
}

#[test]
fn smoke_script_is_shellcheck_clean() {
    if skip("JAILVOL_SKIP_SHELLCHECK") {
        eprintln!("JAILVOL_SKIP_SHELLCHECK=1: shellcheck skipped");
        return;
    }
    let out = match Command::new("shellcheck").args(["-s", "sh", SCRIPT]).output() {
        Ok(o) => o,
        Err(e) => panic!(
            "shellcheck is needed to check contrib/freebsd-smoke.sh ({e}): install it \
             (apt-get install shellcheck), or set JAILVOL_SKIP_SHELLCHECK=1 to skip this test"
        ),
    };
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "shellcheck -s sh contrib/freebsd-smoke.sh:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn smoke_script_parses_as_sh() {
    let out = Command::new("sh")
        .args(["-n", SCRIPT])
        .output()
        .expect("run sh -n");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "sh -n contrib/freebsd-smoke.sh:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn smoke_script_is_strict() {
    let text = std::fs::read_to_string(SCRIPT).expect("read contrib/freebsd-smoke.sh");
    assert!(text.starts_with("#!/bin/sh\n"), "not a /bin/sh script");
    assert!(text.contains("\nset -eu\n"), "no `set -eu`");
}

#[test]
fn cirrus_runs_the_smoke_script_on_freebsd_14() {
    let text = std::fs::read_to_string(CIRRUS).expect("read .cirrus.yml");
    for want in [
        "image_family: freebsd-14-2",
        "pkg install -y rust",
        "cargo build --release",
        "contrib/freebsd-smoke.sh",
    ] {
        assert!(text.contains(want), ".cirrus.yml lacks `{want}`");
    }
}
