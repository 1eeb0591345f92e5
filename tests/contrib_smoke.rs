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
fn cirrus_builds_and_runs_the_smoke_script() {
    let text = std::fs::read_to_string(CIRRUS).expect("read .cirrus.yml");
    for want in [
        "pkg install -y rust",
        "cargo build --release",
        "sh contrib/freebsd-smoke.sh target/release/jailvol",
    ] {
        assert!(text.contains(want), ".cirrus.yml lacks `{want}`");
    }
}

/// The date [`EOL`] was written, from https://www.freebsd.org/security/.
const WRITTEN: (i32, u32, u32) = (2026, 12, 5);

/// Expected end of life of FreeBSD releases ("Supported FreeBSD releases",
/// https://www.freebsd.org/security/, and its unsupported/ page). 13.4, 13.5 and 14.2
/// are that page's rows; 15.0's is release engineering's 15.0 schedule (freebsd-stable,
/// 2025-04-15); 14.0 to 14.4 and 15.1 are the quarterly schedule's months (re@,
/// 2024-07), ending on the month's last day as the page's dates do. Check the page when
/// adding a release.
const EOL: &[(&str, (i32, u32, u32))] = &[
    ("13.4", (2025, 6, 30)),
    ("13.5", (2026, 4, 30)),
    ("14.0", (2024, 9, 30)),
    ("14.1", (2025, 3, 31)),
    ("14.2", (2025, 9, 30)),
    ("14.3", (2026, 6, 30)),
    ("14.4", (2026, 12, 31)),
    ("15.0", (2026, 9, 30)),
    ("15.1", (2027, 3, 31)),
];

/// Today (UTC) as (year, month, day): the civil date of the Unix day number (Howard
/// Hinnant's `civil_from_days`), so no date crate is needed for one comparison.
fn today() -> (i32, u32, u32) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = (yoe + era * 400 + i64::from(m <= 2)) as i32;
    (y, m, d)
}

/// The `image_family` values of a Cirrus file, each checked against [`EOL`] on `day`.
fn image_families(text: &str, day: (i32, u32, u32)) -> Result<Vec<String>, String> {
    let mut families = Vec::new();
    for line in text.lines() {
        let Some(family) = line.trim().strip_prefix("image_family:").map(str::trim) else {
            continue;
        };
        // freebsd-15-1: release 15.1. A -snap family is a snapshot, never a supported release.
        let release = family
            .strip_prefix("freebsd-")
            .filter(|r| !r.contains("snap"))
            .map(|r| r.replace('-', "."))
            .ok_or_else(|| format!("{family}: not a FreeBSD release image family"))?;
        let (_, eol) = EOL
            .iter()
            .find(|(r, _)| *r == release)
            .ok_or_else(|| format!("{family}: no end-of-life date in EOL; add it from the security page"))?;
        if day > *eol {
            return Err(format!(
                "{family}: FreeBSD {release} reached its end of life on {:04}-{:02}-{:02} \
                 (table written {:04}-{:02}-{:02}, https://www.freebsd.org/security/): move \
                 .cirrus.yml to a supported release",
                eol.0, eol.1, eol.2, WRITTEN.0, WRITTEN.1, WRITTEN.2
            ));
        }
        families.push(family.to_owned());
    }
    if families.is_empty() {
        return Err("no image_family".to_owned());
    }
    Ok(families)
}

#[test]
fn cirrus_uses_a_supported_freebsd_release() {
    let text = std::fs::read_to_string(CIRRUS).expect("read .cirrus.yml");
    if let Err(e) = image_families(&text, today()) {
        panic!(".cirrus.yml: {e}");
    }
    // The table itself: the family this file used before was past its end of life
    // when the table was written, and so are snapshots and releases it lacks.
    for old in ["freebsd-14-2", "freebsd-15-0-snap", "freebsd-12-4"] {
        let cirrus = format!("  freebsd_instance:\n    image_family: {old}\n");
        assert!(image_families(&cirrus, WRITTEN).is_err(), "{old} passed");
    }
}

/// The smoke test also runs in a directory reached through a symbolic link: Cirrus makes
/// one and points JVSMOKE_DIR at it, and the script puts its work there.
#[test]
fn cirrus_runs_the_smoke_script_through_a_symlink() {
    let text = std::fs::read_to_string(CIRRUS).expect("read .cirrus.yml");
    // `ln -s[fn] TARGET LINK`, a script line of its own.
    let link = text
        .lines()
        .filter_map(|l| l.trim().trim_start_matches("- ").strip_prefix("ln "))
        .filter_map(|rest| {
            let words: Vec<&str> = rest.split_whitespace().collect();
            let symbolic = words.iter().any(|w| w.starts_with('-') && w.contains('s'));
            let paths: Vec<&str> = words.into_iter().filter(|w| !w.starts_with('-')).collect();
            (symbolic && paths.len() == 2).then(|| paths[1])
        })
        .next()
        .expect(".cirrus.yml makes no symbolic link");
    let run = format!("JVSMOKE_DIR={link} sh contrib/freebsd-smoke.sh");
    assert!(text.contains(&run), ".cirrus.yml lacks `{run}`");
    let script = std::fs::read_to_string(SCRIPT).expect("read contrib/freebsd-smoke.sh");
    for want in ["mktemp -d \"${JVSMOKE_DIR:-/var/tmp}/", "realpath \"$1\""] {
        assert!(script.contains(want), "contrib/freebsd-smoke.sh lacks `{want}`");
    }
}
