//! How the command line prints: `--color` and `NO_COLOR` for diagnostics, and the
//! formats each command accepts.
//! The `auto` cases run jailvol on a pseudo-terminal (util-linux `script`), where
//! colour is on unless `NO_COLOR` says otherwise.

mod common;

use std::path::Path;
use std::process::Command;

/// A jail.conf jail(8) rejects: an unterminated string on line 2.
const BAD: &str = "www {\n\tpath = \"x;\n}\n";

const RED_ERROR: &str = "\x1b[1;31merror\x1b[0m";

fn bad_conf(dir: &Path) -> String {
    let f = dir.join("bad.conf");
    std::fs::write(&f, BAD).unwrap();
    f.display().to_string()
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c == '\x1b' {
            it.by_ref().find(|c| *c == 'm');
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn always_colours_the_label_and_the_caret_and_changes_nothing_else() {
    let d = tempfile::tempdir().unwrap();
    let f = bad_conf(d.path());
    let run = |color: &str| {
        let mut c = common::jailvol();
        c.args(["--color", color, "show", "-f", &f]);
        common::run(c)
    };
    let plain = run("never");
    assert_eq!(plain.code, 65, "{}", plain.stderr);
    assert!(!plain.stderr.contains('\x1b'), "{:?}", plain.stderr);
    assert!(
        plain.stderr.contains(": error: unterminated string\n"),
        "{}",
        plain.stderr
    );
    // common::jailvol sets NO_COLOR=1: `always` is stronger (no-color.org lets an
    // explicit option override it).
    let coloured = run("always");
    assert_eq!(coloured.code, 65);
    assert!(
        coloured
            .stderr
            .contains(&format!(":2:9: {RED_ERROR}: unterminated string\n")),
        "{:?}",
        coloured.stderr
    );
    assert!(
        coloured.stderr.contains("\x1b[1;31m^\x1b[0m\n"),
        "caret: {:?}",
        coloured.stderr
    );
    assert_eq!(strip_ansi(&coloured.stderr), plain.stderr);
}

#[test]
fn always_colours_warnings_and_errors_without_a_place() {
    let d = tempfile::tempdir().unwrap();
    let mut c = common::jailvol();
    c.args(["--color", "always", "show", "-f"])
        .arg(d.path().join("missing.conf"));
    let r = common::run(c);
    assert_eq!(r.code, 66, "{}", r.stderr);
    assert!(
        r.stderr.starts_with(&format!("jailvol: {RED_ERROR}: ")),
        "{:?}",
        r.stderr
    );
    // A warning: CRLF line ends, which jail(8) before 14.0 rejects.
    let f = d.path().join("warn.conf");
    std::fs::write(&f, "www {\r\n\tpath = /j;\r\n}\r\n").unwrap();
    let mut c = common::jailvol();
    c.args(["--color", "always", "show", "-f"]).arg(&f);
    let r = common::run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains(": \x1b[1;33mwarning[JV004]\x1b[0m: CRLF"),
        "{:?}",
        r.stderr
    );
    assert!(r.stderr.contains("\x1b[1;33m^\x1b[0m"), "{:?}", r.stderr);
    assert!(
        r.stderr
            .contains("=\x1b[0m \x1b[1;32mnote\x1b[0m: the old scanner"),
        "{:?}",
        r.stderr
    );
    assert!(
        !r.stdout.contains('\x1b'),
        "stdout is not a diagnostic: {:?}",
        r.stdout
    );
}

#[test]
fn check_findings_are_coloured_with_always_only() {
    let d = tempfile::tempdir().unwrap();
    let f = bad_conf(d.path());
    let run = |color: &str| {
        let mut c = common::jailvol();
        c.args(["--color", color, "check", "-f", &f]);
        common::run(c)
    };
    let plain = run("auto");
    assert_eq!(plain.code, 1, "{}", plain.stderr);
    assert!(!plain.stdout.contains('\x1b'));
    let coloured = run("always");
    assert!(
        coloured.stdout.contains("\x1b[1;31merror["),
        "{:?}",
        coloured.stdout
    );
    assert_eq!(strip_ansi(&coloured.stdout), plain.stdout);
}

/// Run `jailvol ARGS` on a pseudo-terminal with `env` set (and NO_COLOR removed unless
/// given); returns what the terminal showed (stdout and stderr together) or None when
/// the skip was asked for.
fn on_terminal(args: &[&str], env: &[(&str, &str)]) -> Option<String> {
    let have = Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        common::skip_unless_asked(
            "JAILVOL_SKIP_PTY",
            "util-linux script(1) is needed to run jailvol on a terminal (apt-get install bsdutils)",
        );
        return None;
    }
    let sq = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    let mut line = sq(env!("CARGO_BIN_EXE_jailvol"));
    for a in args {
        line.push(' ');
        line.push_str(&sq(a));
    }
    let mut c = Command::new("script");
    c.args(["-q", "-e", "-c", &line, "/dev/null"])
        .env("SHELL", "/bin/sh")
        .env_remove("NO_COLOR")
        .env_remove("TERM")
        .env_remove("RUST_BACKTRACE")
        .stdin(std::process::Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().expect("run script");
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn auto_colours_a_terminal_unless_no_color_or_never() {
    let d = tempfile::tempdir().unwrap();
    let f = bad_conf(d.path());
    let args = ["show", "-f", f.as_str()];
    let Some(tty) = on_terminal(&args, &[]) else {
        return;
    };
    assert!(tty.contains(RED_ERROR), "auto on a terminal: {tty:?}");
    // https://no-color.org: any non-empty value, "0" included, turns it off...
    for v in ["1", "0"] {
        let t = on_terminal(&args, &[("NO_COLOR", v)]).unwrap();
        assert!(t.contains("error: unterminated"), "{t:?}");
        assert!(!t.contains('\x1b'), "NO_COLOR={v}: {t:?}");
    }
    // ...an empty one does not.
    let t = on_terminal(&args, &[("NO_COLOR", "")]).unwrap();
    assert!(t.contains(RED_ERROR), "NO_COLOR empty: {t:?}");
    let t = on_terminal(&args, &[("TERM", "dumb")]).unwrap();
    assert!(!t.contains('\x1b'), "TERM=dumb: {t:?}");
    let mut never = vec!["--color", "never"];
    never.extend(args);
    let t = on_terminal(&never, &[]).unwrap();
    assert!(t.contains("error: unterminated"), "{t:?}");
    assert!(!t.contains('\x1b'), "--color never: {t:?}");
}

#[test]
fn a_format_the_command_cannot_print_is_a_usage_error() {
    let d = tempfile::tempdir().unwrap();
    let conf = d.path().join("jail.conf");
    std::fs::write(&conf, "www { path = /j; }\n").unwrap();
    let conf = conf.display().to_string();
    for (args, name, can) in [
        (&["show", "--format", "github"][..], "show", "text or json"),
        (&["vars", "--format", "github"][..], "vars", "text or json"),
        (&["convert", "--format", "github"][..], "convert", "text or json"),
        (&["status", "--format", "github"][..], "status", "text or json"),
        (
            &["generate", "-n", "--format", "github"][..],
            "generate",
            "text or json",
        ),
        // A plan is a document; a run is progress on stderr.
        (
            &["create", "-n", "--format", "github"][..],
            "create --dry-run",
            "text or json",
        ),
        (
            &["create", "--format", "json"][..],
            "create (without --dry-run)",
            "text only",
        ),
        (
            &["grow", "www", "+1G", "--format", "json"][..],
            "grow (without --dry-run)",
            "text only",
        ),
        (
            &["migrate", "www", "--format", "github"][..],
            "migrate",
            "text or json",
        ),
        (
            &["migrate", "www", "--execute", "--format", "json"][..],
            "migrate --execute",
            "text only",
        ),
        (&["man", "--format", "json"][..], "man", "text only"),
        (
            &["completions", "bash", "--format", "json"][..],
            "completions",
            "text only",
        ),
    ] {
        let mut c = common::jailvol();
        c.args(["-f", &conf]).args(args);
        let r = common::run(c);
        let format = args[args.len() - 1];
        assert_eq!(r.code, 64, "{args:?}: {}", r.stderr);
        assert_eq!(
            r.stderr,
            format!("jailvol: error: {name} cannot print --format {format}: it prints {can}\n"),
        );
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
    }
    // What each command prints is accepted, as before.
    for args in [
        &["show", "--format", "json"][..],
        &["show", "--format", "text"][..],
        &["check", "--no-containers", "--format", "github"][..],
        &["check", "--no-containers", "--format", "json"][..],
        &["generate", "-n", "--format", "json"][..],
    ] {
        let mut c = common::jailvol();
        c.args(["-f", &conf]).args(args);
        let r = common::run(c);
        assert!(r.code == 0 || r.code == 1, "{args:?}: {} {}", r.code, r.stderr);
        assert!(!r.stderr.contains("cannot print"), "{args:?}: {}", r.stderr);
    }
}
