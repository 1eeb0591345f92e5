//! Generated hook commands are safe for any jail name and container path: jail(8) hands
//! a command string with special characters to `/bin/sh -c` (usr.sbin/jail/command.c),
//! so the test does the same with dash and checks the helper received the exact path —
//! a `$(...)`, quote or backtick in a value never reaches the shell unquoted.

mod common;

use std::process::Command;

use common::fakehelper::{fake, skip};
use jailvol::diag::Source;
use jailvol::emit::jailconf::{name, value};
use jailvol::parse::jailconf::parse_source;
use jailvol::parse::loader::Loader;
use jailvol::plan::{self, Options};
use proptest::prelude::*;

fn hostile() -> impl Strategy<Value = String> {
    // Printable ASCII without '/', plus blanks and the shell's favourite characters.
    proptest::collection::vec(
        prop_oneof![
            Just('\''),
            Just('"'),
            Just('$'),
            Just('`'),
            Just('\\'),
            Just(' '),
            Just('#'),
            Just(';'),
            Just('('),
            Just(')'),
            Just('*'),
            Just('&'),
            Just('|'),
            (b'!'..=b'~')
                .prop_filter("no slash", |b| *b != b'/')
                .prop_map(char::from),
        ],
        1..16,
    )
    .prop_map(|v| v.into_iter().collect())
}

fn sh(cmd: &str, f: &common::fakehelper::Fake) -> (i32, String) {
    let out = Command::new("dash")
        .arg("-c")
        .arg(cmd)
        .env_clear()
        .env("PATH", format!("{}:/usr/bin:/bin", f.bin.display()))
        .env("JV_STATE", &f.state)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn hooks_pass_paths_through_sh_unchanged(jail in "[a-z][a-z0-9]{0,6}(\\.[a-z0-9]{1,4})?", file in hostile()) {
        if skip() {
            return Ok(());
        }
        prop_assume!(file != "." && file != ".." );
        let f = fake();
        let container = format!("{}/{}.ufs", f.work.display(), file);
        std::fs::write(&container, b"").unwrap();
        let conf = format!(
            "{} {{\n\tpath = \"/jails/x\";\n\t$volume_size = 1G;\n\t$volume_file = {};\n}}\n",
            name(&jail),
            value(&container)
        );
        let parsed = parse_source(&Loader::default(), Source::new("/etc/jail.conf", conf), false).unwrap();
        let opts = Options { helper: f.helper.to_string_lossy().into_owned(), ..Options::default() };
        let p = plan::generate(&parsed, &opts).map_err(|e| TestCaseError::fail(format!("{e:?}"))).unwrap();
        let edited = p.artifacts.iter().find(|a| a.path == "/etc/jail.conf").unwrap();
        let re = parse_source(&Loader::default(), Source::new("/etc/jail.conf", edited.content.clone()), false).unwrap();
        let cfg = jailvol::model::load(&re);
        prop_assert!(cfg.errors.is_empty(), "{:?}", cfg.errors);
        let j = &cfg.jails[0];
        let prepare = j.param("exec.prepare").unwrap().values.last().unwrap().clone();
        let release = j.param("exec.release").unwrap().values.last().unwrap().clone();
        let (code, err) = sh(&prepare, &f);
        prop_assert_eq!(code, 0, "{} -> {}", prepare, err);
        prop_assert_eq!(f.units(), vec![("100".to_string(), container.clone())]);
        let (code, err) = sh(&release, &f);
        prop_assert_eq!(code, 0, "{} -> {}", release, err);
        prop_assert!(f.units().is_empty());
    }
}
