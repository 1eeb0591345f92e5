//! The sh sources under src/sh/: each file passes `shellcheck -s sh`, and the md
//! library (src/sh/md.sh: `mdconfig -l -v` by realpath, attach, `mount -p`) is the one
//! copy both the installed helper and the `migrate` script carry. Set
//! JAILVOL_SKIP_DASH=1 to skip the shellcheck part where shellcheck cannot be
//! installed (CI installs it).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::fakebsd::skip_dash;

fn sh_sources() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/sh");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sh"))
        .collect();
    out.sort();
    assert!(out.len() >= 3, "{out:?}");
    out
}

fn shellcheck(args: &[&str], file: &Path) {
    let out = Command::new("shellcheck")
        .args(["-s", "sh"])
        .args(args)
        .arg(file)
        .output()
        .expect("shellcheck");
    assert!(
        out.status.success(),
        "{}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Each file on its own. They are pieces of scripts: a variable one piece assigns and
/// another reads (`jv_tab`, `jv_state`...) is not a finding here (SC2034, SC2154); the
/// assembled scripts are checked whole below, with nothing excluded.
#[test]
fn every_sh_source_is_shellcheck_clean() {
    if skip_dash() {
        return;
    }
    for f in sh_sources() {
        shellcheck(&["-e", "SC2034,SC2154"], &f);
    }
}

#[test]
fn the_assembled_scripts_are_shellcheck_clean() {
    if skip_dash() {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let helper = d.path().join("jailvol-md");
    std::fs::write(&helper, jailvol::shell::helper_script()).unwrap();
    shellcheck(&[], &helper);
    let script = d.path().join("migrate.sh");
    std::fs::write(&script, migrate_script()).unwrap();
    shellcheck(&[], &script);
}

/// The script for a jail.conf host whose helper is already installed (so the script
/// does not embed the helper as a file to write, and what it holds is its own).
fn migrate_script() -> String {
    let d = tempfile::tempdir().unwrap();
    let root = d.path();
    for dir in ["etc", "jails/www/etc", "usr/local/libexec"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    std::fs::write(
        root.join("etc/jail.conf"),
        "www {\n\tpath = /jails/www;\n\t$volume_size = 64M;\n\t$volume_md_unit = 101;\n}\n",
    )
    .unwrap();
    std::fs::write(
        root.join("usr/local/libexec/jailvol-md"),
        jailvol::shell::helper_script(),
    )
    .unwrap();
    let mut c = common::jailvol();
    c.arg("--root").arg(root).args(["migrate", "www", "--stop"]);
    let r = common::run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        !r.stdout.contains("jailvol-md attach UNIT FILE"),
        "the helper is embedded"
    );
    r.stdout
}

/// One copy of the library: in the helper and in the migrate script, verbatim, and
/// nowhere else a second `mdconfig -l -v` reader.
#[test]
fn the_md_library_is_shared_verbatim() {
    let lib = jailvol::shell::MD_LIB;
    let helper = jailvol::shell::helper_script();
    let script = migrate_script();
    for (what, text) in [("helper", helper.as_str()), ("migrate script", script.as_str())] {
        assert!(text.contains(lib), "{what} lacks src/sh/md.sh");
        // The library itself has two readers of `mdconfig -l -v` (units of a file,
        // whether a unit exists); a script has no other.
        assert_eq!(text.matches("mdconfig -l -v |").count(), 2, "{what}");
        assert_eq!(text.matches("mount -p | while").count(), 1, "{what}");
    }
}
