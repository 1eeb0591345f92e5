//! ezjail hosts (issue 19; docs/legacy.md, ezjail): every `fixtures/rcconf/ezjail-*/`
//! case is a `root/` tree (`/etc/rc.conf`, `/usr/local/etc/ezjail/*`, fstabs, images)
//! read as the host, without `-f`. Each `CMD.out` file holds what
//! `jailvol --root root CMD` prints (standard output, then `--- stderr`, then
//! `--- exit N`), CMD being `convert`, `show`, `check` or `generate` (`--dry-run`).
//! `JAILVOL_BLESS=1` rewrites them (review the diff).

use std::path::{Path, PathBuf};
use std::process::Command;

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rcconf");
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("ezjail-"))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn args_of(cmd: &str) -> Vec<&str> {
    match cmd {
        "generate" => vec!["generate", "--dry-run"],
        other => vec![other],
    }
}

fn run(dir: &Path, cmd: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_jailvol"))
        .args(["--root", "root"])
        .args(args_of(cmd))
        .current_dir(dir)
        .env_remove("RUST_BACKTRACE")
        .env("NO_COLOR", "1")
        .output()
        .expect("run jailvol");
    format!(
        "{}--- stderr\n{}--- exit {}\n",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        out.status.code().unwrap_or(-1)
    )
}

#[test]
fn ezjail_golden_cases() {
    let bless = std::env::var_os("JAILVOL_BLESS").is_some_and(|v| v == "1");
    let cases = cases();
    assert!(cases.len() >= 2, "ezjail cases missing");
    let mut failures = Vec::new();
    for dir in &cases {
        let mut n = 0;
        for cmd in ["convert", "show", "check", "generate"] {
            let file = dir.join(format!("{cmd}.out"));
            if !file.is_file() {
                continue;
            }
            n += 1;
            let got = run(dir, cmd);
            if bless {
                std::fs::write(&file, &got).expect("bless");
                continue;
            }
            let want = std::fs::read_to_string(&file).unwrap_or_default();
            if got != want {
                failures.push(format!(
                    "{}: {cmd} differs\n--- expected\n{want}\n--- got\n{got}",
                    dir.display()
                ));
            }
        }
        assert!(n > 0, "{}: no CMD.out file", dir.display());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// migrate on an ezjail directory jail (fixtures/migrate/ezjail-dir): the script's own
/// lines for the per-jail file, run with the migrate runtime under sh, switch the jail
/// off in ezjail (`www` → `.www.norun`, which ezjail's `ls` does not list) and the
/// rollback's restores undo it exactly.
#[test]
fn migrate_hides_the_ezjail_file_and_the_rollback_undoes_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("root");
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/migrate/ezjail-dir/input");
    copy(&input, &root);
    let out = Command::new(env!("CARGO_BIN_EXE_jailvol"))
        .arg("--root")
        .arg(&root)
        .args(["migrate", "www"])
        .output()
        .expect("run jailvol");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let script = String::from_utf8_lossy(&out.stdout).into_owned();
    let ours = |f: &str| -> String {
        script
            .lines()
            .map(str::trim_start)
            .filter(|l| l.starts_with(f) && l.contains("/usr/local/etc/ezjail/"))
            .map(|l| l.trim_end_matches(" || jv_rbad=1").to_owned() + "\n")
            .collect()
    };
    let (saves, edits, restores) = (ours("jv_save "), ours("jv_edit "), ours("jv_restore "));
    assert_eq!(edits.lines().count(), 2, "{script}");
    assert!(
        !script.contains("-x jail_www_rootdir"),
        "ezjail's file is not edited by sysrc"
    );
    let file = root.join("usr/local/etc/ezjail/www");
    let norun = root.join("usr/local/etc/ezjail/.www.norun");
    let before = std::fs::read(&file).expect("per-jail file");
    let state = tmp.path().join("state");
    std::fs::create_dir(&state).expect("state");
    let sh = |body: &str| {
        let text = format!(
            "set -e\njv_name=www\njv_state='{}'\njv_log=\"$jv_state/log\"\n{}\n{body}",
            state.display(),
            jailvol::migrate::RUNTIME
        );
        let st = Command::new("sh").arg("-c").arg(text).status().expect("sh");
        assert!(st.success(), "{body}");
    };
    sh(&format!("{saves}{edits}"));
    assert!(!file.exists(), "www is switched off");
    assert_eq!(std::fs::read(&norun).expect(".www.norun"), before);
    // ezjail's list no longer has www; db stays.
    let conv = Command::new(env!("CARGO_BIN_EXE_jailvol"))
        .arg("--root")
        .arg(&root)
        .arg("convert")
        .output()
        .expect("convert");
    let text = String::from_utf8_lossy(&conv.stdout);
    assert!(text.contains("db {") && !text.contains("www {"), "{text}");
    sh(&restores);
    assert_eq!(std::fs::read(&file).expect("www back"), before);
    assert!(!norun.exists(), ".www.norun removed");
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir").flatten() {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if src.is_dir() {
            copy(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).expect("copy");
        }
    }
}

/// The rc.conf side of migrating an ezjail jail: a non-empty jail_list gains it (rc.d/jail
/// starts only the listed jails); a `simple` image jail is adopted in place (its image is
/// a container already; tests/ezjail_image.rs), a gbde image jail is refused.
#[test]
fn migrate_adds_the_jail_to_a_jail_list_and_adopts_image_jails() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("root");
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/migrate/ezjail-dir/input");
    copy(&input, &root);
    let rc = root.join("etc/rc.conf");
    let mut text = std::fs::read_to_string(&rc).expect("rc.conf");
    text.push_str("jail_list=\"other\"\njail_other_hostname=o\njail_other_rootdir=/o\n");
    std::fs::write(&rc, text).expect("rc.conf");
    let migrate = || {
        Command::new(env!("CARGO_BIN_EXE_jailvol"))
            .arg("--root")
            .arg(&root)
            .args(["migrate", "www"])
            .output()
            .expect("run jailvol")
    };
    let out = migrate();
    let script = String::from_utf8_lossy(&out.stdout);
    assert!(script.contains("/etc/rc.conf 'jail_list=other www'"), "{script}");
    let ez = root.join("usr/local/etc/ezjail/www");
    let cfg = std::fs::read_to_string(&ez).expect("www");
    let cfg = cfg.replace("jail_www_image=\"\"", "jail_www_image=\"/usr/jails/www.img\"");
    std::fs::write(&ez, cfg).expect("www");
    let out = migrate();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let script = String::from_utf8_lossy(&out.stdout);
    assert!(
        script.contains("jail www adopts its image as its container, in place"),
        "{script}"
    );
    let cfg = std::fs::read_to_string(&ez).expect("www");
    std::fs::write(
        &ez,
        cfg.replace("jail_www_imagetype=\"\"", "jail_www_imagetype=\"bde\""),
    )
    .expect("www");
    let out = migrate();
    assert_eq!(out.status.code(), Some(64));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("a gbde image (imagetype bde) is not convertible"),
        "{err}"
    );
}

/// `-f FILE` reads the named files only: ezjail's per-jail files are not sourced, so its
/// jails (which would have none of their variables) are left out, with a warning that
/// says so at `ezjail_enable`.
#[test]
fn named_files_leave_ezjail_jails_out() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rcconf/ezjail-01-order");
    let out = Command::new(env!("CARGO_BIN_EXE_jailvol"))
        .args(["--root", "root", "show", "-f", "/etc/rc.conf"])
        .current_dir(&dir)
        .env_remove("RUST_BACKTRACE")
        .env("NO_COLOR", "1")
        .output()
        .expect("run jailvol");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stdout.contains('{'), "no jail expected:\n{stdout}");
    assert!(
        stderr.contains(
            "/etc/rc.conf:2:1: warning: ezjail_enable is YES, but -f reads only the named files: \
             the 3 ezjail jail(s) in /usr/local/etc/ezjail are left out"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("JV035"), "{stderr}");
}
