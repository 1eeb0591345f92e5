//! A bad invocation reads like the rest of jailvol and like a FreeBSD tool (issue 22):
//! `jailvol: error: ...`, then a `usage: jailvol ...` line for the command in use, exit
//! 64 (EX_USAGE; FreeBSD's tools print their usage() line and exit so, e.g.
//! usr.sbin/jail/jail.c). `--help` and `--version` stay clap's.

mod common;

use common::{Run, jailvol, run};

fn go(args: &[&str]) -> Run {
    let mut c = jailvol();
    c.args(args);
    run(c)
}

/// Exit 64, nothing on stdout, the error first, a usage line, none of clap's own layout.
#[track_caller]
fn bad(args: &[&str], error: &str, usage: &str) -> String {
    let r = go(args);
    assert_eq!(r.code, 64, "{args:?}: {}", r.stderr);
    assert_eq!(r.stdout, "", "{args:?}");
    assert!(
        r.stderr.starts_with(&format!("jailvol: error: {error}\n")),
        "{args:?}:\n{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(&format!("\nusage: jailvol {usage}")),
        "{args:?}:\n{}",
        r.stderr
    );
    for clap_own in ["Usage:", "For more information", "\nerror:", "tip:"] {
        assert!(
            !r.stderr.contains(clap_own),
            "{args:?}: {clap_own:?} in\n{}",
            r.stderr
        );
    }
    for line in r.stderr.lines().skip_while(|l| !l.starts_with("usage: ")) {
        assert!(
            line.len() <= 80,
            "{args:?}: line longer than 80 columns: {line:?}"
        );
    }
    r.stderr
}

#[test]
fn an_unknown_option_names_the_command_s_usage() {
    let err = bad(
        &["show", "--bogus"],
        "unexpected argument '--bogus' found",
        "[global-options] show\n",
    );
    assert_eq!(err.lines().count(), 2, "{err}");
    bad(
        &["status", "--bogus"],
        "unexpected argument '--bogus' found",
        "[global-options] status [--check] [JAIL ...]\n",
    );
    bad(
        &["create", "-n", "--bogus"],
        "unexpected argument '--bogus' found",
        "[global-options] create [-n | --dry-run] [--via md|makefs]",
    );
}

#[test]
fn a_missing_argument_or_a_bad_value() {
    bad(
        &["grow", "www"],
        "the following required arguments were not provided: <SIZE>",
        "[global-options] grow [--online] [--sparse] [-n | --dry-run] JAIL",
    );
    bad(
        &["check", "--fail-on", "x"],
        "invalid value 'x' for '--fail-on <FAIL_ON>'\n  = note: possible values: error, warning",
        "[global-options] check ",
    );
    bad(
        &["create", "--from", "a", "--from-archive", "b"],
        "the argument '--from <DIR>' cannot be used with '--from-archive <FILE>'",
        "[global-options] create ",
    );
    // clap's tip becomes a note, as jailvol's own errors carry them.
    let err = bad(
        &["migrate", "www", "--dry"],
        "unexpected argument '--dry' found",
        "[global-options] migrate [--execute] [--stop]",
    );
    assert!(err.contains("\n  = note: "), "{err}");
}

#[test]
fn no_command_or_an_unknown_one() {
    for (args, error) in [
        (&[][..], "no command given"),
        (&["nosuch"], "unrecognized subcommand 'nosuch'"),
        (&["--bogus", "show"], "unexpected argument '--bogus' found"),
    ] {
        let err = bad(args, error, "[global-options] command [options] [args]\n");
        assert!(
            err.ends_with(
                "\ncommands: show generate check vars create convert migrate grow status man\n          completions\n"
            ),
            "{err}"
        );
    }
}

/// Every option a subcommand accepts is in its usage line: it is made from the parser.
#[test]
fn the_usage_lists_every_option() {
    let err = bad(&["convert", "--bogus"], "unexpected argument '--bogus' found", "");
    for o in [
        "-o FILE | --output FILE",
        "--force",
        "--explain",
        "--era 9|current",
        "--no-vimage",
        "[NAME ...]",
    ] {
        assert!(err.contains(o), "{o} missing:\n{err}");
    }
}

#[test]
fn help_and_version_are_unchanged() {
    let r = go(&["--version"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout, format!("jailvol {}\n", env!("CARGO_PKG_VERSION")));
    for args in [&["--help"][..], &["show", "--help"], &["help", "migrate"]] {
        let r = go(args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(r.stdout.contains("Usage: jailvol"), "{args:?}: {}", r.stdout);
        assert_eq!(r.stderr, "", "{args:?}");
    }
}
