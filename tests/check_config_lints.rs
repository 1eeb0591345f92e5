//! JV030 (an address jail(8) cannot parse) and JV031 (an unknown `$volume_*` variable)
//! in each of `check`'s outputs: the text lines, `--format json` and `--format github`
//! carry the code, the place and the whole message.

mod common;

/// The jail.conf of fixtures/check/`case`, checked with `--format format`.
fn check(case: &str, format: &str) -> common::Run {
    common::check_fixture(case, format, &[])
}

/// Each finding of `code` as (line, jail, message) in all three formats, which must agree.
fn findings(case: &str, code: &str) -> Vec<(u64, String, String)> {
    let json = check(case, "json");
    assert_eq!(json.code, 1, "{}{}", json.stdout, json.stderr);
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let found: Vec<(u64, String, String)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .map(|f| {
            assert_eq!(f["severity"], "error");
            assert_eq!(f["file"], "/etc/jail.conf");
            (
                f["line"].as_u64().unwrap(),
                f["jail"].as_str().unwrap_or("").to_owned(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let text = check(case, "text");
    let github = check(case, "github");
    for (line, _, message) in &found {
        let t = format!("/etc/jail.conf:{line}:");
        assert!(
            text.stdout
                .lines()
                .any(|l| l.starts_with(&t) && l.ends_with(&format!(": error[{code}]: {message}"))),
            "text lacks {t} {code} {message}:\n{}",
            text.stdout
        );
        let g = format!("::error file=etc/jail.conf,line={line},title={code}::{message}");
        assert!(
            github.stdout.lines().any(|l| l == g),
            "github lacks {g}:\n{}",
            github.stdout
        );
    }
    found
}

#[test]
fn invalid_addresses_are_reported_with_jail8s_words_and_why() {
    let found = findings("JV030-bad", "JV030");
    let want = [
        (
            2,
            "a",
            "a: ip4.addr: not an IPv4 address: 999.1.1.1 (octet 999 is over 255)",
        ),
        (
            3,
            "b",
            "b: ip6.addr: not an IPv6 address: zz::1 ('z' is not a hex digit, ':' or '.')",
        ),
        // Through a variable, `em0|` and `/24` stripped as jail(8) does.
        (
            4,
            "c",
            "c: ip4.addr: not an IPv4 address: [busybox-ip] ('[' is not a digit or '.': an unfilled \
             template placeholder?)",
        ),
    ];
    let want: Vec<(u64, String, String)> = want
        .iter()
        .map(|(l, j, m)| (*l, j.to_string(), m.to_string()))
        .collect();
    assert_eq!(found, want);
}

#[test]
fn unknown_volume_variables_say_which_setting_was_meant() {
    let found = findings("JV031-bad", "JV031");
    let tail = ": jail(8) and jailvol ignore it, and a jail without $volume_size is not managed";
    let want = [
        // In a wildcard block: no one jail.
        (
            1,
            "",
            "$volume_flie is not a jailvol setting (did you mean $volume_file?)",
        ),
        (
            2,
            "a",
            "$volume_sise is not a jailvol setting (did you mean $volume_size?)",
        ),
        (
            3,
            "b",
            "$volume_notes is not a jailvol setting (the settings are $volume_size, $volume_file, \
             $volume_md_unit, $volume_encrypt and $volume_keyfile)",
        ),
    ];
    let want: Vec<(u64, String, String)> = want
        .iter()
        .map(|(l, j, m)| (*l, j.to_string(), format!("{m}{tail}")))
        .collect();
    assert_eq!(found, want);
}

/// A bad address is not also compared with the other jails' (JV010): jail(8) never
/// gets that far. And jail(8) cuts at the first `|` only: `a|b|ADDR` keeps `b|ADDR`.
#[test]
fn addresses_are_read_as_jail8_reads_them() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("etc")).unwrap();
    std::fs::write(
        root.path().join("etc/jail.conf"),
        "a { path = /j/a; ip4.addr = 999.1.1.1, \"lo0|a|192.0.2.9\"; }\n\
         b { path = /j/b; ip4.addr = 999.1.1.1, \"192.0.2.7,192.0.2.8\"; }\n\
         c { path = /j/c; ip4.addr = 192.0.2.8; }\n",
    )
    .unwrap();
    let mut c = common::jailvol();
    c.arg("check")
        .arg("--root")
        .arg(root.path())
        .args(["--no-containers", "--format", "json"]);
    let r = common::run(c);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let got: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["code"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            "JV030 a: ip4.addr: not an IPv4 address: 999.1.1.1 (octet 999 is over 255)",
            "JV030 a: ip4.addr: not an IPv4 address: a|192.0.2.9 ('a' is not a digit or '.')",
            "JV030 b: ip4.addr: not an IPv4 address: 999.1.1.1 (octet 999 is over 255)",
            // The second piece of b's comma-separated value is c's address.
            "JV010 c: address 192.0.2.8 is also an address of jail \"b\"",
        ]
    );
}
