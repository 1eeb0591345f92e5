//! Generated hook commands are safe for any jail name and container path: jail(8) hands
//! a command string with special characters to `/bin/sh -c` and splits any other on
//! blanks (usr.sbin/jail/command.c `run_command`), so the test does the same, with dash,
//! on the FreeBSD model, and checks the unit the helper attached holds the exact file —
//! a `$(...)`, quote or backtick in a value never reaches the shell unquoted.

mod common;

use common::fakebsd::{Host, skip_dash};
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

/// A host-side exec.* string as jail(8) runs it (command.c `run_command`): through
/// `/bin/sh -c` when it has a shell metacharacter, else split on blanks and executed.
fn jail8_exec(h: &Host, cmd: &str) -> common::Run {
    const SPECIAL: &str = "!\"$&'()*;<>?[\\]`{|}~";
    if cmd.contains(|c| SPECIAL.contains(c)) {
        h.run("dash", &["-c", cmd])
    } else {
        let words: Vec<&str> = cmd.split_whitespace().collect();
        h.run(words[0], &words[1..])
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn hooks_pass_paths_through_sh_unchanged(jail in "[a-z][a-z0-9]{0,6}(\\.[a-z0-9]{1,4})?", file in hostile()) {
        if skip_dash() {
            return Ok(());
        }
        prop_assume!(file != "." && file != ".." );
        let h = Host::new();
        let helper = h.write("usr/local/libexec/jailvol-md", &jailvol::shell::helper_script());
        std::fs::set_permissions(&helper, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
        let container = h.path(&format!("jails/{file}.ufs"));
        h.make_container(&container, 32 << 20, None);
        let conf = format!(
            "{} {{\n\tpath = \"/jails/x\";\n\t$volume_size = 32M;\n\t$volume_file = {};\n}}\n",
            name(&jail),
            value(container.to_str().unwrap())
        );
        let parsed = parse_source(&Loader::default(), Source::new("/etc/jail.conf", conf), false).unwrap();
        let opts = Options { helper: helper.display().to_string(), ..Options::default() };
        let p = plan::generate(&parsed, &opts).map_err(|e| TestCaseError::fail(format!("{e:?}"))).unwrap();
        let edited = p.artifacts.iter().find(|a| a.path == "/etc/jail.conf").unwrap();
        let re = parse_source(&Loader::default(), Source::new("/etc/jail.conf", edited.content.clone()), false).unwrap();
        let cfg = jailvol::model::load(&re);
        prop_assert!(cfg.errors.is_empty(), "{:?}", cfg.errors);
        let j = &cfg.jails[0];
        let prepare = j.param("exec.prepare").unwrap().values.last().unwrap().clone();
        let release = j.param("exec.release").unwrap().values.last().unwrap().clone();
        let r = jail8_exec(&h, &prepare);
        prop_assert_eq!(r.code, 0, "{} -> {}", prepare, r.stderr);
        prop_assert_eq!(h.units_of(&container), vec![100]);
        prop_assert!(h.ufs(&container).unwrap().clean, "fsck ran on it");
        let r = jail8_exec(&h, &release);
        prop_assert_eq!(r.code, 0, "{} -> {}", release, r.stderr);
        prop_assert!(h.state().units.is_empty());
    }
}

/// A field of a `mount` entry: printable ASCII without blanks or `#`, some vis(3)
/// escapes (`\040`, `\\`, `\t`) that jail(8) decodes in the first two fields.
fn mount_field() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("\\040".to_owned()),
            Just("\\\\".to_owned()),
            Just("\\t".to_owned()),
            (b'!'..=b'~')
                .prop_filter("no #", |b| *b != b'#')
                .prop_map(|b| char::from(b).to_string()),
        ],
        1..10,
    )
    .prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// A `mount` entry below a managed jail's path moves into the jail's fstab, after
    /// the root line, with the fields jail(8) splits it into unchanged (command.c
    /// run_command reads `mount` entries and fstab lines alike); the edited jail.conf
    /// keeps the entries outside the path in `mount`, and none below it.
    #[test]
    fn moved_mount_entries_reach_jail8_unchanged(
        dev in mount_field(),
        sub in "[a-z]{1,6}(/[a-z]{1,6}){0,2}",
        escaped in any::<bool>(),
        fstype in "[a-z]{2,8}",
        opts in "[a-z0-9,=-]{1,12}",
        seps in proptest::collection::vec(prop_oneof![Just(" "), Just("\t"), Just("  "), Just(" \t\x0b")], 4),
        tail in proptest::option::of("[0-9]{1,2} [0-9]"),
        outside_first in any::<bool>(),
    ) {
        let mp = format!("/jails/www/{sub}{}", if escaped { "\\040x" } else { "" });
        let mut entry = format!("{}{dev}{}{mp}{}{fstype}{}{opts}", seps[0], seps[1], seps[2], seps[3]);
        if let Some(t) = &tail {
            entry.push(' ');
            entry.push_str(t);
        }
        let outside = "/srv/data /srv/www-data nullfs rw 0 0";
        let (a, b) = if outside_first { (outside, entry.as_str()) } else { (entry.as_str(), outside) };
        let conf = format!(
            "www {{\n\tpath = /jails/www;\n\t$volume_size = 1G;\n\tmount += {};\n\tmount += {};\n}}\n",
            value(a),
            value(b)
        );
        let parsed = parse_source(&Loader::default(), Source::new("/etc/jail.conf", conf), false).unwrap();
        let p = plan::generate(&parsed, &Options::default()).map_err(|e| TestCaseError::fail(format!("{e:?}"))).unwrap();
        let text = |path: &str| p.artifacts.iter().find(|a| a.path == path).unwrap().content.clone();
        // jail(8) reads the fstab: lines cut at `#`, fields split on blanks.
        let fstab = text("/etc/jailvol/www.fstab");
        let lines: Vec<Vec<&str>> = fstab
            .lines()
            .map(|l| l.split('#').next().unwrap_or(""))
            .map(|l| plan::mounts::fields(l).collect::<Vec<_>>())
            .filter(|f| !f.is_empty())
            .collect();
        prop_assert_eq!(lines.len(), 2, "{}", fstab);
        prop_assert_eq!(lines[0][1], "/jails/www");
        let want: Vec<&str> = plan::mounts::fields(&entry).collect();
        prop_assert_eq!(&lines[1], &want);
        // The edited jail.conf, as jail(8) merges it: only the entry outside is left.
        let re = parse_source(&Loader::default(), Source::new("/etc/jail.conf", text("/etc/jail.conf")), false).unwrap();
        let cfg = jailvol::model::load(&re);
        prop_assert!(cfg.errors.is_empty(), "{:?}", cfg.errors);
        let left: Vec<&str> = cfg.jails[0].param("mount").unwrap().values.iter().map(|v| v.as_str()).collect();
        prop_assert_eq!(left, vec![outside]);
        // And a second generate changes nothing.
        let again = plan::generate(&re, &Options::default()).unwrap();
        for a in &again.artifacts {
            prop_assert_eq!(&a.content, &text(&a.path), "{}", a.path);
        }
    }
}
