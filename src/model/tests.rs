use super::load::load_each_view_kept;
use super::*;
use crate::parse::jailconf::CfParam;

#[test]
fn equalopts_matches_no_prefix_per_component() {
    assert!(equalopts("allow.mount", "allow.nomount"));
    assert!(equalopts("nopersist", "persist"));
    assert!(equalopts("allow.mount.nodevfs", "allow.mount.devfs"));
    assert!(!equalopts("allow.mount", "allow.mountx"));
    assert!(!equalopts("a.nob", "c.b"));
}

#[test]
fn wildcards() {
    assert!(wild_jail_name("*"));
    assert!(wild_jail_name("foo.*"));
    assert!(wild_jail_name("*.bar"));
    assert!(!wild_jail_name("fo*"));
    assert!(wild_jail_match("foo.bar", "foo.*"));
    assert!(wild_jail_match("foo.bar.baz", "foo.*"));
    assert!(!wild_jail_match("foo", "foo.*"));
    assert!(wild_jail_match("a.b", "*.b"));
    assert!(!wild_jail_match("a.c", "*.b"));
    assert!(wild_jail_match("anything", "*"));
}

/// The two-halves merge of a large file gives what one pass gives: jails, warnings
/// and errors in the same order (errors of check_values after all the others).
#[test]
fn load_filtered_in_halves_is_one_pass() {
    use crate::diag::Source;
    use crate::parse::jailconf::parse_source;
    use crate::parse::loader::Loader;
    let mut text = String::from("path = \"/j/$name\";\n* { $v = 1; }\n");
    for i in 0..2_600 {
        match i % 7 {
            0 => text.push_str(&format!("j{i} {{ ip4.addr = $nope; }}\n")),
            1 => text.push_str(&format!("j{i} {{ exec.clean = maybe; }}\n")),
            2 => text.push_str(&format!("j{i} {{ $l = a, b; exec.start = $l; }}\n")),
            3 if i % 500 == 3 => text.push_str(&format!("\"j{i}.*\" {{ allow.mount; }} j{i}.c {{ }}\n")),
            4 => text.push_str(&format!("j{i} {{ mount.fstab = /f; # jailvol\n }}\n")),
            _ => text.push_str(&format!("j{i} {{ host.hostname = h{i}; $v += 2; }}\n")),
        }
    }
    let parsed = parse_source(&Loader::sealed(), Source::new("t.conf", text), false)
        .unwrap_or_else(|e| panic!("{}", e.message));
    let keep = |p: &CfParam| p.name != "mount.fstab";
    let halves = load_filtered(&parsed, &keep, None);
    let mut one = Config {
        warnings: parsed.warnings.clone(),
        ..Config::default()
    };
    let mut jails = Vec::new();
    one.errors = load_each_view_kept(
        &parsed,
        &keep,
        |v| jails.push(v.to_jail()),
        |w| one.warnings.push(w),
    );
    one.jails = jails;
    assert!(halves.jails.len() > 1_000 && !halves.errors.is_empty() && !halves.warnings.is_empty());
    assert!(halves.jails.iter().all(|j| j.param("mount.fstab").is_none()));
    assert!(halves.jails.iter().any(|j| j.param("allow.mount").is_some()));
    assert!(
        halves
            .errors
            .iter()
            .any(|e| e.message.contains("unknown boolean value"))
    );
    let diags = |ds: &[Diag]| -> Vec<String> {
        ds.iter()
            .map(|d| format!("{:?} {}", d.loc.as_ref().map(|l| l.line()), d.message))
            .collect()
    };
    let jails = |c: &Config| -> Vec<(String, usize, Vec<Entry>)> {
        c.jails
            .iter()
            .map(|j| (j.name.clone(), j.record, j.entries.clone()))
            .collect()
    };
    assert!(jails(&halves) == jails(&one), "the jails differ from one pass");
    assert_eq!(diags(&halves.warnings), diags(&one.warnings));
    assert_eq!(diags(&halves.errors), diags(&one.errors));
}

#[test]
fn strtol_like_c() {
    assert_eq!(strtol(" 12x"), (12, 3));
    assert_eq!(strtol("-5"), (-5, 2));
    assert_eq!(strtol("x"), (0, 0));
    assert!(numeric_name("5"));
    assert!(!numeric_name("0"));
    assert!(!numeric_name("5a"));
}
