//! JV032 (an unknown jail parameter) in each of `check`'s outputs: the text lines,
//! `--format json` and `--format github` carry the code, the severity, the place and
//! the whole message; a module's parameter is a warning; `--target-release` limits the
//! set to the release's.

mod common;

/// The jail.conf of fixtures/check/`case`, checked with `--format format` and `args`.
fn check(case: &str, format: &str, args: &[&str]) -> common::Run {
    common::check_fixture(case, format, args)
}

/// Each JV032 finding as (severity, line, jail, message) in all three formats, which
/// must agree; and the exit status.
fn findings(case: &str, args: &[&str]) -> (i32, Vec<(String, u64, String, String)>) {
    let json = check(case, "json", args);
    let doc: serde_json::Value =
        serde_json::from_str(&json.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", json.stdout, json.stderr));
    let found: Vec<(String, u64, String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "JV032")
        .map(|f| {
            assert_eq!(f["file"], "/etc/jail.conf");
            (
                f["severity"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
                f["jail"].as_str().unwrap_or("").to_owned(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let text = check(case, "text", args);
    let github = check(case, "github", args);
    for (severity, line, _, message) in &found {
        let t = format!("/etc/jail.conf:{line}:");
        assert!(
            text.stdout
                .lines()
                .chain(text.stderr.lines())
                .any(|l| l.starts_with(&t) && l.ends_with(&format!(": {severity}[JV032]: {message}"))),
            "text lacks {t} JV032 {message}:\n{}{}",
            text.stdout,
            text.stderr
        );
        let g = format!("::{severity} file=etc/jail.conf,line={line},title=JV032::{message}");
        assert!(
            github.stdout.lines().any(|l| l == g),
            "github lacks {g}:\n{}",
            github.stdout
        );
    }
    (json.code, found)
}

fn want(rows: &[(&str, u64, &str, &str)]) -> Vec<(String, u64, String, String)> {
    rows.iter()
        .map(|(s, l, j, m)| (s.to_string(), *l, j.to_string(), m.to_string()))
        .collect()
}

#[test]
fn unknown_parameters_say_which_was_meant_once_where_written() {
    let (code, found) = findings("JV032-unknown-parameter", &[]);
    assert_eq!(code, 1);
    assert_eq!(
        found,
        want(&[
            // In the `*` block, which jails a and b both get: one finding, no one jail.
            (
                "error",
                1,
                "",
                "allow.sysvpic is not a jail parameter (did you mean allow.sysvipc?): jail(8) fails the \
                 jail with \"unknown parameter: allow.sysvpic\""
            ),
            (
                "error",
                2,
                "a",
                "exec.prestrat is not a jail parameter (did you mean exec.prestart?): jail(8) fails the \
                 jail with \"unknown parameter: exec.prestrat\""
            ),
        ])
    );
}

#[test]
fn a_parameter_only_a_module_provides_is_a_warning_naming_it() {
    let (code, found) = findings("JV032-module", &[]);
    assert_eq!(code, 0, "a warning does not fail check");
    assert_eq!(
        found,
        want(&[(
            "warning",
            1,
            "vm",
            "allow.vmm needs the vmm module (kldload vmm): without it jail(8) fails the jail with \
             \"unknown parameter: allow.vmm\""
        )])
    );
}

#[test]
fn a_parameter_of_a_later_release_is_unknown_on_the_target() {
    let (_, found) = findings("JV032-release", &["--target-release", "13.2"]);
    assert_eq!(
        found,
        want(&[(
            "error",
            1,
            "nfs",
            "allow.nfsd is a jail parameter from FreeBSD 13.3 on: on 13.2, jail(8) fails the jail with \
             \"unknown parameter: allow.nfsd\""
        )])
    );
    // The newest release's set without --target-release, and 13.3's has it.
    assert_eq!(findings("JV032-release", &[]).1, []);
    assert_eq!(findings("JV032-release", &["--target-release", "13.3"]).1, []);
}
