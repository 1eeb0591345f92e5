//! One test per row of spec §3.3 and per trap; every conversion is also rendered,
//! reparsed with the jail.conf parser and compared with `Conversion::config`.

use super::statement::simple_statement;
use super::*;
use crate::diag::Source;
use crate::parse::jailconf::{Op as CfOp, parse_source};

fn vars(pairs: &[(&str, &str)]) -> RcVars {
    let text: String = pairs.iter().map(|(n, v)| format!("{n}=\"{v}\"\n")).collect();
    let src = Source::new("/etc/rc.conf", text);
    let mut map = crate::parse::rcconf::VarMap::default();
    let mut off = 0;
    for (n, v) in pairs {
        map.insert(
            (*n).into(),
            RcVar {
                value: (*v).into(),
                loc: Loc::new(&src, off),
            },
        );
        off += n.len() + v.len() + 4;
    }
    RcVars {
        vars: map,
        ..Default::default()
    }
}

fn run_with(pairs: &[(&str, &str)], opts: &Options, root: Option<&std::path::Path>) -> Conversion<'static> {
    let root = root.map_or_else(
        || std::path::PathBuf::from("/nonexistent/jailvol-unit"),
        |p| p.to_path_buf(),
    );
    // The conversion borrows the variables; a test leaks them to return it.
    let vars: &'static RcVars = Box::leak(Box::new(vars(pairs)));
    let c = convert(vars, &Loader::new(Some(root)), opts);
    if c.errors.is_empty() {
        let text = c.render(true);
        let parsed = parse_source(&Loader::default(), Source::new("out", text.clone()), false)
            .unwrap_or_else(|d| panic!("{}\n{text}", d.render()));
        let back = model::load(&parsed);
        let mine = c.config();
        // jail(8)'s errors on copied values (`Block::rejected`) and nothing else.
        let msgs = |e: &[crate::diag::Diag]| e.iter().map(|d| d.message.clone()).collect::<Vec<_>>();
        assert_eq!(msgs(&back.errors), msgs(&mine.errors), "\n{text}");
        assert_eq!(back.jails.len(), mine.jails.len());
        for (a, b) in back.jails.iter().zip(&mine.jails) {
            assert_eq!(a.name, b.name);
            assert_eq!(a.entries, b.entries, "\n{text}");
        }
    }
    c
}

fn run(pairs: &[(&str, &str)]) -> Conversion<'static> {
    run_with(pairs, &Options::default(), None)
}

/// A jail `j` with hostname and rootdir, plus `extra`.
fn jail(extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v = vec![
        ("jail_list".to_owned(), "j".to_owned()),
        ("jail_j_hostname".to_owned(), "j.example.org".to_owned()),
        ("jail_j_rootdir".to_owned(), "/jails/j".to_owned()),
    ];
    v.extend(extra.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())));
    v
}

fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
}

/// The block's statements as text, without the fixed ones every block has.
fn lines_of(c: &Conversion<'_>) -> Vec<String> {
    c.blocks
        .iter()
        .flat_map(|b| b.lines.iter().map(render::statement))
        .collect()
}

fn conv(extra: &[(&str, &str)]) -> Conversion<'static> {
    run(&pairs(&jail(extra)))
}

fn lines(extra: &[(&str, &str)]) -> Vec<String> {
    lines_of(&conv(extra))
}

fn warned(c: &Conversion<'_>, needle: &str) -> bool {
    c.warnings
        .iter()
        .any(|d| d.message.contains(needle) || d.notes.iter().any(|n| n.contains(needle)))
}

fn has(l: &[String], s: &str) -> bool {
    l.iter().any(|x| x == s)
}

fn pos(l: &[String], s: &str) -> usize {
    l.iter()
        .position(|x| x == s)
        .unwrap_or_else(|| panic!("{s} not in {l:#?}"))
}

#[test]
fn name_sanitising() {
    assert_eq!(jail_name("my-jail.x"), "my-jail_x");
    assert_eq!(jail_name("a/b.c"), "a_b_c");
    assert_eq!(var_infix("my-jail_x"), "my_jail_x");
    assert_eq!(var_infix("é"), "__");
    let c = run(&[
        ("jail_list", "my-jail.x"),
        ("jail_my_jail_x_hostname", "h"),
        ("jail_my_jail_x_rootdir", "/r"),
    ]);
    assert_eq!(c.blocks[0].name, "my-jail_x");
    assert!(has(
        &lines_of(&c),
        "exec.consolelog = /var/log/jail_my-jail_x_console.log;"
    ));
    assert!(warned(&c, "becomes \"my-jail_x\""));
}

#[test]
fn hostname_and_rootdir_first() {
    let l = lines(&[]);
    assert_eq!(l[0], "host.hostname = j.example.org;");
    assert_eq!(l[1], "path = /jails/j;");
}

#[test]
fn missing_hostname_or_rootdir_skips() {
    let c = run(&[
        ("jail_list", "j"),
        ("jail_j_hostname", "h"),
        ("jail_rootdir", "/global"),
    ]);
    assert!(c.blocks.is_empty());
    assert!(warned(&c, "Invalid configuration for j"));
    assert!(warned(&c, "jail_j_rootdir not set"));
    assert!(warned(&c, "jail_rootdir has no effect"));
}

#[test]
fn full_default_block_order() {
    let l = lines(&[("jail_j_ip", "192.0.2.1")]);
    assert_eq!(
        l,
        [
            "host.hostname = j.example.org;",
            "path = /jails/j;",
            "ip4.addr += 192.0.2.1/32;",
            "allow.raw_sockets = 0;",
            "exec.clean;",
            "exec.system_user = root;",
            "exec.jail_user = root;",
            "exec.start += \"/bin/sh /etc/rc\";",
            "exec.stop = \"/bin/sh /etc/rc.shutdown jail\";",
            "exec.consolelog = /var/log/jail_j_console.log;",
            "allow.set_hostname = 0;",
            "allow.sysvipc = 0;",
            "enforce_statfs = 2;",
        ]
    );
}

#[test]
fn ip_interface_and_masks() {
    let l = lines(&[
        ("jail_interface", "em0"),
        (
            "jail_j_ip",
            "192.0.2.1/24,lo0|127.0.0.2,192.0.2.3/255.255.0.0,2001:db8::1",
        ),
    ]);
    assert_eq!(l[2], "interface = em0;");
    assert!(has(&l, "ip4.addr += em0|192.0.2.1/24;"));
    assert!(has(&l, "ip4.addr += lo0|127.0.0.2/32;"));
    assert!(has(&l, "ip4.addr += \"em0|192.0.2.3 netmask 255.255.0.0\";"));
    assert!(has(&l, "ip6.addr += em0|2001:db8::1/128;"));
}

#[test]
fn ip_global_is_not_read() {
    let c = conv(&[("jail_ip", "192.0.2.1")]);
    assert!(has(&lines_of(&c), "vnet;"));
    assert!(warned(&c, "jail_ip has no effect"));
}

#[test]
fn ip_with_whitespace_is_an_error() {
    let c = conv(&[("jail_j_ip", "192.0.2.1 192.0.2.2")]);
    assert!(c.blocks.is_empty());
    assert_eq!(c.errors.len(), 1);
    assert!(c.errors[0].message.contains("jail_j_ip contains whitespace"));
    assert_eq!(c.errors[0].exit, crate::diag::exit::DATAERR);
    assert!(c.errors[0].loc.is_some());
    let c = conv(&[
        ("jail_j_ip", "192.0.2.1"),
        ("jail_j_ip_multi0", "192.0.2.2,\t192.0.2.3"),
    ]);
    assert!(c.errors[0].message.contains("jail_j_ip_multi0"));
}

#[test]
fn unknown_type_dropped() {
    let c = conv(&[("jail_j_ip", "192.0.2.1,localhost")]);
    let l = lines_of(&c);
    assert_eq!(l.iter().filter(|x| x.starts_with("ip")).count(), 1);
    assert!(warned(&c, "type not identified"));
}

#[test]
fn ip_multi_contiguous_from_zero_per_jail_only() {
    let c = conv(&[
        ("jail_j_ip", "192.0.2.1"),
        ("jail_j_ip_multi0", "192.0.2.2"),
        ("jail_j_ip_multi1", "192.0.2.3"),
        ("jail_j_ip_multi3", "192.0.2.5"),
        ("jail_ip_multi2", "192.0.2.4"),
    ]);
    let l = lines_of(&c);
    let ips: Vec<&String> = l.iter().filter(|x| x.starts_with("ip4")).collect();
    assert_eq!(ips.len(), 3);
    assert!(warned(&c, "jail_j_ip_multi3 is never read"));
    assert!(warned(&c, "jail_ip_multi2 has no effect"));
    // ip_multi0 missing: ip_multi1 is never read.
    let c = conv(&[("jail_j_ip", "192.0.2.1"), ("jail_j_ip_multi1", "192.0.2.3")]);
    assert_eq!(lines_of(&c).iter().filter(|x| x.starts_with("ip4")).count(), 1);
    assert!(warned(&c, "jail_j_ip_multi1 is never read"));
}

#[test]
fn ipv6_sleeps_before_the_main_start() {
    let l = lines(&[("jail_j_ip", "2001:db8::1"), ("jail_j_exec_afterstart0", "after")]);
    let sleep = pos(&l, "exec.start += \"sleep  2 \";");
    assert!(sleep < pos(&l, "exec.start += \"/bin/sh /etc/rc\";"));
    assert!(pos(&l, "exec.start += \"/bin/sh /etc/rc\";") < pos(&l, "exec.start += after;"));
    let c = run_with(
        &pairs(&jail(&[("jail_j_ip", "2001:db8::1")])),
        &Options {
            ipv6_dad_count: 0,
            ..Options::default()
        },
        None,
    );
    assert!(has(&lines_of(&c), "exec.start += \"sleep  1 \";"));
    // No IPv6, no sleep.
    assert!(
        !lines(&[("jail_j_ip", "192.0.2.1")])
            .iter()
            .any(|x| x.contains("sleep"))
    );
}

#[test]
fn fib_and_raw_sockets_only_with_ip() {
    let l = lines(&[
        ("jail_j_ip", "192.0.2.1"),
        ("jail_j_fib", "1"),
        ("jail_socket_unixiproute_only", "NO"),
    ]);
    assert!(pos(&l, "exec.fib = 1;") < pos(&l, "allow.raw_sockets = 1;"));
    let c = conv(&[("jail_j_fib", "1")]);
    let l = lines_of(&c);
    assert!(
        !l.iter()
            .any(|x| x.starts_with("exec.fib") || x.starts_with("allow.raw_sockets"))
    );
    assert!(warned(&c, "jail_j_fib is ignored"));
}

#[test]
fn fib_not_an_integer_is_copied_and_warned() {
    // rc.d/jail writes `exec.fib = "x";` as it does `enforce_statfs = "x";`: copied,
    // with jail(8)'s message as a warning; the jail fails at start, so the model the
    // text gives (config) leaves it out with that error (checked by run_with).
    let c = conv(&[("jail_j_ip", "192.0.2.1"), ("jail_j_fib", "x")]);
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert!(has(&lines_of(&c), "exec.fib = x;"));
    assert!(warned(&c, "exec.fib: non-integer value \"x\""));
    let cfg = c.config();
    assert!(cfg.jails.is_empty());
    assert_eq!(cfg.errors[0].message, "j: exec.fib: non-integer value \"x\"");
    let c = conv(&[("jail_j_ip", "192.0.2.1"), ("jail_j_fib", "1")]);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    assert_eq!(c.config().jails.len(), 1);
}

#[test]
fn vnet_when_no_ip() {
    let l = lines(&[("jail_j_vnet_interface", " epair0b  epair1b ")]);
    assert_eq!(l[2], "vnet;");
    assert_eq!(l[3], "vnet.interface = epair0b, epair1b;");
    let c = conv(&[("jail_j_vnet_interfaces", "epair0b")]);
    assert!(!has(&lines_of(&c), "vnet.interface = epair0b;"));
    assert!(warned(&c, "(plural) is never read"));
    let c = conv(&[("jail_j_ip", "192.0.2.1"), ("jail_j_vnet_interface", "e0")]);
    assert!(warned(&c, "jail_j_vnet_interface is ignored"));
}

#[test]
fn no_vimage_skips_ipless_jails() {
    let c = run_with(
        &pairs(&jail(&[])),
        &Options {
            vimage: false,
            ..Options::default()
        },
        None,
    );
    assert!(c.blocks.is_empty());
    assert!(warned(&c, "no ipaddress specified and no vimage support"));
}

#[test]
fn numbered_lists() {
    let l = lines(&[
        ("jail_j_exec_prestart1", "p1"),
        ("jail_exec_prestart2", "g2"),
        ("jail_j_exec_poststart0", "s0"),
        ("jail_j_exec_prestop0", "t0"),
        ("jail_j_exec_poststop0", "u0"),
    ]);
    assert!(pos(&l, "exec.prestart += p1;") < pos(&l, "exec.prestart += g2;"));
    assert!(pos(&l, "exec.prestart += g2;") < pos(&l, "exec.poststart += s0;"));
    assert!(pos(&l, "exec.poststart += s0;") < pos(&l, "exec.prestop += t0;"));
    assert!(pos(&l, "exec.prestop += t0;") < pos(&l, "exec.poststop += u0;"));
    assert!(pos(&l, "exec.poststop += u0;") < pos(&l, "exec.start += \"/bin/sh /etc/rc\";"));
}

#[test]
fn exec_start_stop_interplay() {
    let start_stop = |extra: &[(&str, &str)]| {
        let l = lines(extra);
        let s: Vec<String> = l.into_iter().filter(|x| x.starts_with("exec.st")).collect();
        s
    };
    assert_eq!(
        start_stop(&[]),
        [
            "exec.start += \"/bin/sh /etc/rc\";",
            "exec.stop = \"/bin/sh /etc/rc.shutdown jail\";"
        ]
    );
    assert_eq!(
        start_stop(&[("jail_j_exec_start", "go")]),
        ["exec.start += go;", "exec.stop = \"\";"]
    );
    assert_eq!(
        start_stop(&[("jail_j_exec_stop", "halt")]),
        ["exec.start += \"/bin/sh /etc/rc\";", "exec.stop = halt;"]
    );
    assert_eq!(
        start_stop(&[("jail_j_exec_start", "go"), ("jail_j_exec_stop", "halt")]),
        ["exec.start += go;", "exec.stop = halt;"]
    );
    let c = conv(&[("jail_j_exec", "old"), ("jail_j_exec_stop", "halt")]);
    let s: Vec<String> = lines_of(&c)
        .into_iter()
        .filter(|x| x.starts_with("exec.st"))
        .collect();
    assert_eq!(s, ["exec.start += old;", "exec.stop = \"\";"]);
    assert!(warned(&c, "jail_j_exec_stop is ignored"));
    // No global fallback for exec_start.
    let c = conv(&[("jail_exec_start", "global")]);
    assert!(has(&lines_of(&c), "exec.start += \"/bin/sh /etc/rc\";"));
    assert!(warned(&c, "jail_exec_start has no effect"));
}

#[test]
fn consolelog_default_and_fallback() {
    assert!(has(&lines(&[]), "exec.consolelog = /var/log/jail_j_console.log;"));
    assert!(has(
        &lines(&[("jail_consolelog", "/var/log/all")]),
        "exec.consolelog = /var/log/all;"
    ));
}

#[test]
fn fstab_only_when_readable() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let etc = dir.path().join("etc");
    std::fs::create_dir_all(&etc).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(etc.join("fstab.j"), "").unwrap_or_else(|e| panic!("{e}"));
    let with_root = |extra: &[(&str, &str)], era: Era| {
        let c = run_with(
            &pairs(&jail(extra)),
            &Options {
                era,
                ..Options::default()
            },
            Some(dir.path()),
        );
        (lines_of(&c), c)
    };
    let (l, _) = with_root(&[], Era::Current);
    assert!(
        pos(&l, "exec.consolelog = /var/log/jail_j_console.log;") < pos(&l, "mount.fstab = /etc/fstab.j;")
    );
    let (l, c) = with_root(&[("jail_fstab", "/etc/fstab.none")], Era::Current);
    assert!(!l.iter().any(|x| x.starts_with("mount.fstab")));
    assert!(warned(&c, "/etc/fstab.none is not readable"));
    // Not under the root: nothing.
    assert!(!lines(&[]).iter().any(|x| x.starts_with("mount.fstab")));
    // --era 9: only with mount_enable, and never allow.mount.
    let (l, c) = with_root(&[], Era::Pre10);
    assert!(!l.iter().any(|x| x.starts_with("mount.fstab")));
    assert!(warned(&c, "is not mounted"));
    let (l, _) = with_root(&[("jail_j_mount_enable", "YES")], Era::Pre10);
    assert!(has(&l, "mount.fstab = /etc/fstab.j;"));
    assert!(!has(&l, "allow.mount;"));
}

/// rc.d/jail's `[ -r $_fstab ]` is unquoted: blanks around one word vanish from the
/// test but not from the value it writes; several words fail the test; blanks alone
/// make it `[ -r ]` (true). Never dropped or kept without a warning.
#[test]
fn fstab_with_blanks() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let etc = dir.path().join("etc");
    std::fs::create_dir_all(&etc).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(etc.join("fstab.j"), "").unwrap_or_else(|e| panic!("{e}"));
    let with = |v: &str| {
        let c = run_with(
            &pairs(&jail(&[("jail_j_fstab", v)])),
            &Options::default(),
            Some(dir.path()),
        );
        let fstab: Vec<String> = lines_of(&c)
            .into_iter()
            .filter(|l| l.starts_with("mount.fstab"))
            .collect();
        (fstab, c)
    };
    let (l, c) = with(" /etc/fstab.j\t");
    assert_eq!(l, ["mount.fstab = \" /etc/fstab.j\\t\";"]);
    assert!(warned(&c, "tests /etc/fstab.j, which is readable"));
    let (l, c) = with("  ");
    assert_eq!(l, ["mount.fstab = \"  \";"]);
    assert!(warned(&c, "`[ -r ]`, which is true"));
    let (l, c) = with(" /etc/fstab.none ");
    assert!(l.is_empty());
    assert!(warned(&c, "tests /etc/fstab.none, which is not readable"));
    let (l, c) = with("/etc/fstab.j /etc/fstab.j");
    assert!(l.is_empty());
    assert!(warned(&c, "several words"));
}

/// `_j=$(echo $_j | tr /. _)`: FreeBSD sh's echo takes `-n` and `-e` as options and
/// prints no name; parse_options "" warns and converts nothing.
#[test]
fn echo_option_as_jail_name() {
    let c = run(&[
        ("jail_list", "-n j -e"),
        ("jail_j_hostname", "h"),
        ("jail_j_rootdir", "/r"),
        ("jail__n_hostname", "n"),
        ("jail__n_rootdir", "/n"),
    ]);
    let names: Vec<&str> = c.blocks.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, ["j"]);
    let msgs: Vec<&str> = c
        .warnings
        .iter()
        .filter(|d| d.message.contains("you must specify a jail"))
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        msgs,
        [
            "\"-n\": parse_options: you must specify a jail",
            "\"-e\": parse_options: you must specify a jail"
        ]
    );
    // Other words starting with `-` are names for echo.
    let c = run(&[
        ("jail_list", "-ne"),
        ("jail__ne_hostname", "h"),
        ("jail__ne_rootdir", "/r"),
    ]);
    assert_eq!(c.blocks.len(), 1);
}

#[test]
fn devfs_and_rulesets() {
    let l = lines(&[("jail_devfs_enable", "YES"), ("jail_devfs_ruleset", "11")]);
    assert!(pos(&l, "mount.devfs;") + 1 == pos(&l, "devfs_ruleset = 11;"));
    let l = lines(&[
        ("jail_j_devfs_enable", "YES"),
        ("jail_j_devfs_ruleset", "devfsrules_jail"),
    ]);
    assert!(has(&l, "mount.devfs;"));
    assert!(!l.iter().any(|x| x.starts_with("devfs_ruleset")));
    let c = conv(&[
        ("jail_j_devfs_enable", "YES"),
        ("jail_j_devfs_ruleset", "myrules"),
    ]);
    assert!(!lines_of(&c).iter().any(|x| x.starts_with("devfs_ruleset")));
    assert!(warned(&c, "devfs_ruleset must be an integer."));
    let c = conv(&[("jail_j_devfs_ruleset", "5")]);
    assert!(!lines_of(&c).iter().any(|x| x.contains("devfs")));
    assert!(warned(&c, "jail_j_devfs_ruleset is ignored"));
}

#[test]
fn fdescfs_procfs_mount_enable() {
    let c = conv(&[
        ("jail_j_fdescfs_enable", "YES"),
        ("jail_procfs_enable", "on"),
        ("jail_j_mount_enable", "YES"),
    ]);
    let l = lines_of(&c);
    assert!(pos(&l, "mount.fdescfs;") < pos(&l, "mount.procfs;"));
    assert!(pos(&l, "mount.procfs;") < pos(&l, "allow.mount;"));
    assert!(pos(&l, "allow.mount;") < pos(&l, "allow.set_hostname = 0;"));
    assert!(warned(&c, "grants allow.mount since FreeBSD 10.0"));
}

#[test]
fn yes_no_booleans() {
    let l = lines(&[
        ("jail_set_hostname_allow", "YES"),
        ("jail_j_sysvipc_allow", "true"),
    ]);
    assert!(has(&l, "allow.set_hostname = 1;"));
    assert!(has(&l, "allow.sysvipc = 1;"));
    let c = conv(&[("jail_j_sysvipc_allow", "sure")]);
    assert!(has(&lines_of(&c), "allow.sysvipc = 0;"));
    assert!(warned(
        &c,
        "$jail_j_sysvipc_allow is not set properly - see rc.conf(5)."
    ));
}

#[test]
fn statfs_and_osrel() {
    let l = lines(&[
        ("jail_enforce_statfs", "1"),
        ("jail_j_osreldate", "1400000"),
        ("jail_j_osrelease", "14.0"),
    ]);
    let n = l.len();
    assert_eq!(
        &l[n - 3..],
        ["enforce_statfs = 1;", "osreldate = 1400000;", "osrelease = 14.0;"]
    );
}

#[test]
fn parameters_words() {
    let l = lines(&[(
        "jail_j_parameters",
        "allow.raw_sockets=1 securelevel=2; allow.nomount ;",
    )]);
    let n = l.len();
    assert_eq!(
        &l[n - 3..],
        ["allow.raw_sockets = 1;", "securelevel = 2;", "allow.nomount;"]
    );
    // allow.raw_sockets is overridden in the model: one entry, last value.
    let c = conv(&[
        ("jail_j_ip", "192.0.2.1"),
        ("jail_j_parameters", "allow.raw_sockets=1"),
    ]);
    let cfg = c.config();
    assert_eq!(cfg.jails[0].scalar("allow.raw_sockets"), Some("1"));
    for bad in ["name=x", "path=$x", "{", "$path=1"] {
        let c = conv(&[("jail_j_parameters", bad)]);
        assert!(!c.errors.is_empty(), "{bad} should be an error");
        assert!(c.blocks.is_empty());
    }
    // A value jail(8) rejects is copied as rc.d/jail copies it, like `fib`.
    let c = conv(&[("jail_j_parameters", "mount.devfs=maybe")]);
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert!(has(&lines_of(&c), "mount.devfs = maybe;"));
    assert!(warned(&c, "mount.devfs: unknown boolean value \"maybe\""));
}

#[test]
fn escaping_round_trips() {
    let c = conv(&[
        ("jail_j_exec_start", "sh -c 'echo $HOME \"x\" \\\\'"),
        ("jail_j_rootdir", "/a b/c"),
    ]);
    let cfg = c.config();
    assert_eq!(cfg.jails[0].scalar("path"), Some("/a b/c"));
    assert!(c.render(false).contains("\\$HOME"));
}

#[test]
fn jail_list_rules() {
    let c = run(&[
        ("jail_list", ""),
        ("jail_x_hostname", "h"),
        ("jail_x_rootdir", "/r"),
    ]);
    assert!(c.blocks.is_empty());
    assert!(warned(&c, "jail_list is empty"));
    let c = run_with(
        &[("jail_x_hostname", "h"), ("jail_x_rootdir", "/r")],
        &Options {
            names: vec!["x".into()],
            ..Options::default()
        },
        None,
    );
    assert_eq!(c.blocks.len(), 1);
    assert!(c.blocks[0].from.is_empty());
    let c = run(&[
        ("jail_list", "x\ty x"),
        ("jail_x_hostname", "h"),
        ("jail_x_rootdir", "/r"),
    ]);
    assert_eq!(c.blocks.len(), 1);
    assert!(warned(&c, "listed more than once"));
    assert!(warned(&c, "Invalid configuration for y"));
}

#[test]
fn unknown_suffixes_and_unlisted_jails() {
    let c = conv(&[
        ("jail_j_hostnme", "x"),
        ("jail_k_rootdir", "/k"),
        ("jail_j_volume_size", "1G"),
    ]);
    assert!(warned(&c, "jail_j_hostnme is never read"));
    assert!(warned(&c, "jail_k_rootdir belongs to no converted jail"));
    assert!(!warned(&c, "volume_size"));
    assert!(c.render(false).contains("$volume_size = 1G;"));
}

#[test]
fn jail_enable_and_flags() {
    let c = conv(&[("jail_enable", "NO"), ("jail_j_flags", "-l")]);
    assert!(warned(&c, "jail_enable=\"NO\""));
    assert!(warned(&c, "jail_j_flags=\"-l\" is not converted"));
}

#[test]
fn explain_comments() {
    let c = conv(&[("jail_j_ip", "192.0.2.1"), ("jail_interface", "em0")]);
    let t = c.render(true);
    assert!(t.contains("# from /etc/rc.conf:1: jail_list=\"j\"\nj {\n"));
    assert!(t.contains("\t# from /etc/rc.conf:2: jail_j_hostname=\"j.example.org\"\n\thost.hostname"));
    assert!(t.contains(
        "\t# from /etc/rc.conf:4: jail_j_ip=\"192.0.2.1\"\n\t# from /etc/rc.conf:5: jail_interface=\"em0\"\n\tip4.addr"
    ));
    assert!(t.contains("\t# default\n\texec.clean;\n"));
}

#[test]
fn model_locations_point_at_rc_conf() {
    let cfg = conv(&[]).config();
    let j = &cfg.jails[0];
    assert_eq!(j.record, usize::MAX);
    let loc = j.loc.as_ref().map(|l| (l.file().to_owned(), l.line()));
    assert_eq!(loc, Some(("/etc/rc.conf".to_owned(), 2)));
}

#[test]
fn numeric_jail_name_reparses() {
    let c = run(&[
        ("jail_list", "7"),
        ("jail_7_hostname", "h"),
        ("jail_7_rootdir", "/r"),
    ]);
    let cfg = c.config();
    assert_eq!(cfg.jails[0].entries[0].name, "jid");
    assert_eq!(cfg.jails[0].entries.last().map(|e| e.name.as_str()), Some("name"));
}

#[test]
fn write_atomic_refuses_then_forces() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let loader = Loader::new(Some(dir.path().to_path_buf()));
    assert!(write_atomic(&loader, "/out.conf", "a\n", false).is_ok());
    let again = write_atomic(&loader, "/out.conf", "b\n", false);
    assert_eq!(again.map_err(|d| d.exit), Err(crate::diag::exit::CANTCREAT));
    assert!(write_atomic(&loader, "/out.conf", "c\n", true).is_ok());
    let text = std::fs::read_to_string(dir.path().join("out.conf")).unwrap_or_default();
    assert_eq!(text, "c\n");
    let missing = write_atomic(&loader, "/no/such/dir/x.conf", "d\n", false);
    assert_eq!(missing.map_err(|d| d.exit), Err(crate::diag::exit::CANTCREAT));
    // No temporary file is left behind.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(names, ["out.conf"]);
}

#[test]
fn simple_statement_agrees_with_the_parser() {
    for w in [
        "allow.raw_sockets",
        "allow.raw_sockets=1",
        "securelevel=-1",
        "exec.start+=/bin/true",
        "ip4.addr+=em0|10.0.0.1/24",
        "osrelease=14.0-RELEASE",
        "a=b:c@d%e^f~g",
    ] {
        let fast = simple_statement(w).map(|s| {
            (
                s.name.into_owned(),
                s.is_var,
                s.op,
                s.values.into_iter().map(Cow::into_owned).collect::<Vec<_>>(),
            )
        });
        let src = Source::new("w", format!("{w};"));
        let slow = parse_source(&Loader::default(), src, false)
            .ok()
            .and_then(|p| p.jails.first().and_then(|j| p.params(j).first().cloned()))
            .map(|p| {
                let op = match p.op {
                    CfOp::Bare => Op::Bare,
                    CfOp::Append => Op::Append,
                    _ => Op::Set,
                };
                (
                    p.name.to_string(),
                    p.is_var,
                    op,
                    p.values
                        .into_iter()
                        .map(|s| s.text.to_string())
                        .collect::<Vec<_>>(),
                )
            });
        assert!(fast.is_some(), "{w} should take the fast path");
        assert_eq!(fast, slow, "{w}");
    }
    for w in [
        "a=", "=b", "a=b,c", "$v=1", "a=\"b\"", "a=/x//y", "a=b#c", "a=$x", "a|b=1",
    ] {
        assert!(simple_statement(w).is_none(), "{w} must go to the parser");
    }
}

/// The renderer's statements are `emit::jailconf`'s (its one quoter), `+=` aside.
#[test]
fn render_matches_emit() {
    use crate::emit::jailconf::{name as cf_name, statement as cf_statement};
    let samples = [
        "",
        "a",
        "a b",
        "/x/y",
        "/x//y",
        "a/*b",
        "*",
        "+x",
        "a\"b",
        "a\\b",
        "$HOME",
        "a\nb",
        "\t\r",
        "\u{1}x\u{7f}",
        "é",
        "x:y@z%^~|",
        "a,b",
        "a;b",
        "{}",
        "'q'",
        "#c",
        "1.2.3.4/24",
        "lo0|::1",
    ];
    for v in samples {
        let set = Line {
            name: Cow::Borrowed("p"),
            is_var: false,
            op: Op::Set,
            values: Few::One(Cow::Borrowed(v)),
            from: Few::default(),
        };
        assert_eq!(
            render::statement(&set),
            cf_statement("p", false, &[v]),
            "value {v:?}"
        );
        let l = Line {
            name: Cow::Borrowed(v),
            is_var: false,
            op: Op::Bare,
            values: Few::default(),
            from: Few::default(),
        };
        if !v.is_empty() {
            assert_eq!(render::statement(&l), format!("{};", cf_name(v)), "name {v:?}");
        }
    }
}

#[test]
fn geli_settings_convert_like_the_other_volume_settings() {
    let c = conv(&[
        ("jail_j_volume_size", "1G"),
        ("jail_j_volume_encrypt", "geli"),
        ("jail_j_volume_keyfile", "/etc/jailvol/j.key"),
    ]);
    assert!(!warned(&c, "volume_encrypt"));
    assert!(!warned(&c, "volume_keyfile"));
    let text = c.render(false);
    assert!(text.contains("$volume_encrypt = geli;"), "{text}");
    assert!(text.contains("$volume_keyfile = /etc/jailvol/j.key;"), "{text}");
}
