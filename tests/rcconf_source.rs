//! rc.conf that reads another file (`[ -f F ] && . F`, `if [ -f F ]; then . F; fi`):
//! each case is evaluated by jailvol and by dash (`set -a; . ./rc.conf; env -0`, as in
//! tests/rcconf_dash.rs) on the same files, with absolute paths into a temporary
//! directory; the values must be equal, and where dash fails jailvol must refuse.
//! Then the CLI: `--root` maps the paths, and `--skip-unsupported` is global.
//!
//! dash must be installed (CI installs it); `JAILVOL_SKIP_DASH=1` skips the dash part.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use jailvol::parse::loader::Loader;
use jailvol::parse::rcconf::{RcOptions, load_files};

type Vars = BTreeMap<String, String>;

fn dash_available() -> bool {
    if Command::new("dash")
        .args(["-c", "true"])
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return true;
    }
    if std::env::var("JAILVOL_SKIP_DASH").as_deref() == Ok("1") {
        eprintln!("dash not found: differential tests skipped (JAILVOL_SKIP_DASH=1)");
        return false;
    }
    panic!("dash is not installed: install it (apt-get install dash) or set JAILVOL_SKIP_DASH=1");
}

/// dash's variables after sourcing `dir/rc.conf`, without those dash sets by itself.
fn dash_vars(dir: &Path) -> Option<BTreeMap<String, String>> {
    std::fs::write(dir.join("empty.base"), "").ok()?;
    let base = common::dash_source(dir, "empty.base")?;
    let mut all = common::dash_source(dir, "rc.conf")?;
    all.retain(|k, v| base.get(k) != Some(v));
    Some(all)
}

fn ours(dir: &Path) -> Result<BTreeMap<String, String>, String> {
    let file = dir.join("rc.conf").to_string_lossy().into_owned();
    let (vars, _) = load_files(&Loader::new(None), &[file], &RcOptions::default()).map_err(|d| d.message)?;
    Ok(vars
        .vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.value.to_string()))
        .collect())
}

/// Write `files` (name, text; `@` in a text is the directory) and compare.
fn case(files: &[(&str, &str)]) -> (Result<Vars, String>, Option<Vars>) {
    let dir = tempfile::Builder::new()
        .prefix("jv src $'x ")
        .tempdir()
        .expect("temp dir");
    let d = dir.path().to_string_lossy().into_owned();
    for (name, text) in files {
        let p = dir.path().join(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(p, text.replace('@', &d)).expect("write");
    }
    (ours(dir.path()), dash_vars(dir.path()))
}

fn agree(files: &[(&str, &str)]) -> BTreeMap<String, String> {
    let (mine, theirs) = case(files);
    let mine = mine.unwrap_or_else(|e| panic!("jailvol refused {files:?}: {e}"));
    assert_eq!(
        Some(&mine),
        theirs.as_ref(),
        "jailvol and dash differ on {files:?}"
    );
    mine
}

#[test]
fn sourcing_forms_agree_with_dash() {
    if !dash_available() {
        return;
    }
    // The usual line: the file exists, its values see and override the earlier ones.
    let v = agree(&[
        (
            "rc.conf",
            "jail_list=\"a\"\nx=1\n[ -f \"@/rc.conf.local\" ] && . \"@/rc.conf.local\"\ny=\"$x$jail_list\"\n",
        ),
        ("rc.conf.local", "jail_list=\"$jail_list b\"\nx=2\n"),
    ]);
    assert_eq!(v.get("y").map(String::as_str), Some("2a b"));
    // Missing file: nothing read.
    let v = agree(&[("rc.conf", "a=1\n[ -f \"@/nope\" ] && . \"@/nope\"\nb=2\n")]);
    assert_eq!(v.len(), 2);
    // `test -s` on an empty file is false; `-e` on a file is true; `&&` then a newline.
    agree(&[
        (
            "rc.conf",
            "test -s \"@/empty\" && . \"@/empty\"\ntest -e \"@/one\" &&\n  . \"@/one\"\n",
        ),
        ("empty", ""),
        ("one", "one=1\n"),
    ]);
    // if/then/fi on one line and over several, `-r`, nested sourcing.
    let v = agree(&[
        (
            "rc.conf",
            "if [ -r \"@/site\" ]; then . \"@/site\"; fi\nif [ -f \"@/sub/two\" ]\nthen\n\t. \"@/sub/two\"\nfi\nz=end\n",
        ),
        ("site", "s=1\n[ -f \"@/sub/three\" ] && . \"@/sub/three\"\n"),
        ("sub/two", "two=\"$s$three\"\n"),
        ("sub/three", "three=3\n"),
    ]);
    assert_eq!(v.get("two").map(String::as_str), Some("13"));
    // The path from a variable, quoted (the directory has blanks, `$` and a quote).
    agree(&[
        ("rc.conf", "f=\"@/local\"\n[ -f \"$f\" ] && . \"${f}\"\n"),
        ("local", "l=1\n"),
    ]);
}

#[test]
fn what_sh_would_fail_on_or_split_is_refused() {
    if !dash_available() {
        return;
    }
    // `-e` holds for a directory. dash on Linux reads a directory as an empty file;
    // FreeBSD's read(2) of a directory fails (EISDIR) and what sh then does is not
    // certain: refused, never a guessed value.
    let (mine, _) = case(&[("rc.conf", "[ -e \"@/d\" ] && . \"@/d\"\n"), ("d/x", "")]);
    let e = mine.expect_err("a directory is not sourced");
    assert!(e.contains("not a regular file"), "{e}");
    // The temporary directory's name has blanks: unquoted, sh splits it.
    let (mine, _) = case(&[
        ("rc.conf", "f=\"@/local\"\n[ -f $f ] && . $f\n"),
        ("local", "l=1\n"),
    ]);
    let e = mine.expect_err("an unquoted path with blanks is split by sh");
    assert!(e.contains("splits and globs"), "{e}");
}

fn jailvol(root: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_jailvol"))
        .args(["--root", &root.to_string_lossy()])
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .env("NO_COLOR", "1")
        .output()
        .expect("run jailvol")
}

#[test]
fn the_root_maps_tested_and_sourced_paths() {
    let dir = tempfile::tempdir().expect("temp dir");
    let etc = dir.path().join("etc");
    std::fs::create_dir_all(&etc).expect("mkdir");
    std::fs::write(
        etc.join("rc.conf"),
        "jail_enable=\"YES\"\njail_list=\"a\"\n[ -f /etc/rc.site ] && . /etc/rc.site\n",
    )
    .expect("write");
    std::fs::write(etc.join("rc.site"), "jail_list=\"$jail_list b\"\n").expect("write");
    let out = jailvol(dir.path(), &["vars", "-f", "/etc/rc.conf"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "jail_enable: YES\njail_list: a b\n"
    );
    // Without the file below the root, the test is false (the host's /etc is not read).
    std::fs::remove_file(etc.join("rc.site")).expect("rm");
    let out = jailvol(dir.path(), &["vars", "-f", "/etc/rc.conf"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "jail_enable: YES\njail_list: a\n"
    );
}

#[test]
fn a_file_that_sources_itself_is_an_error_at_its_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("etc")).expect("mkdir");
    std::fs::write(
        dir.path().join("etc/rc.conf"),
        "a=1\n[ -f /etc/rc.conf ] && . /etc/rc.conf\n",
    )
    .expect("write");
    let out = jailvol(dir.path(), &["vars", "-f", "/etc/rc.conf"]);
    assert_eq!(out.status.code(), Some(65));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("/etc/rc.conf:2:26: error: `. /etc/rc.conf` nests more than 32"),
        "{err}"
    );
}

#[test]
fn skip_unsupported_is_taken_by_every_command_that_reads_rc_conf() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("etc")).expect("mkdir");
    std::fs::write(
        dir.path().join("etc/rc.conf"),
        "jail_enable=\"YES\"\njail_list=\"a\"\njail_a_rootdir=\"/j/a\"\njail_a_hostname=\"a\"\nlogger hello\n",
    )
    .expect("write");
    let out = jailvol(dir.path(), &["show"]);
    assert_eq!(out.status.code(), Some(65), "refused without the option");
    for args in [
        &["show", "--skip-unsupported"][..],
        &["--skip-unsupported", "convert"],
    ] {
        let out = jailvol(dir.path(), args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("logger"),
            "{args:?}: the warning names it"
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("path = /j/a;"),
            "{args:?}"
        );
    }
}
