//! Golden cases for `generate`: fixtures/generate/<case>/ holds `input/` (a root tree),
//! `args` (extra arguments, one per line), and either `expected/` (files after the run)
//! or `error.txt` + `exit` (first stderr line and exit status).
//! JAILVOL_BLESS=1 rewrites the expected files.

mod common;

use std::path::Path;

use common::*;

fn case(dir: &Path) {
    let root = tempfile::tempdir().unwrap();
    copy_tree(&dir.join("input"), root.path());
    let args: Vec<String> = std::fs::read_to_string(dir.join("args"))
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    let mut c = jailvol();
    c.arg("generate").arg("--root").arg(root.path()).args(&args);
    let r = run(c);
    if dir.join("error.txt").exists() || (bless() && r.code != 0) {
        let first = r
            .stderr
            .lines()
            .find(|l| l.contains("error"))
            .unwrap_or("")
            .to_owned();
        expect_file(&dir.join("error.txt"), &format!("{first}\n"));
        expect_file(&dir.join("exit"), &format!("{}\n", r.code));
        // A refused run leaves the tree exactly as it was.
        assert_eq!(
            files_below(root.path()),
            files_below(&dir.join("input")),
            "{}",
            dir.display()
        );
        return;
    }
    assert_eq!(r.code, 0, "{}: {}", dir.display(), r.stderr);
    let expected = dir.join("expected");
    let input_files = files_below(&dir.join("input"));
    for rel in files_below(root.path()) {
        if rel == Path::new("usr/local/libexec/jailvol-md") || rel == Path::new("sbin/mount_md") {
            continue; // the helper has its own snapshot test
        }
        let actual = std::fs::read_to_string(root.path().join(&rel)).unwrap();
        let unchanged = input_files.contains(&rel)
            && std::fs::read_to_string(dir.join("input").join(&rel)).unwrap() == actual;
        if unchanged && !expected.join(&rel).exists() {
            continue;
        }
        expect_file(&expected.join(&rel), &actual);
    }
    // Idempotent: a second run has nothing to do.
    let mut again = jailvol();
    again.arg("generate").arg("--root").arg(root.path()).args(&args);
    let r2 = run(again);
    assert_eq!(r2.code, 0, "{}", r2.stderr);
    assert!(
        r2.stderr.contains("up to date"),
        "{}: second run changed something:\n{}",
        dir.display(),
        r2.stderr
    );
}

#[test]
fn golden_generate_cases() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/generate");
    let mut n = 0;
    for e in std::fs::read_dir(&base).unwrap().flatten() {
        if e.path().join("input").is_dir() {
            case(&e.path());
            n += 1;
        }
    }
    assert!(n >= 10, "only {n} generate cases");
}

#[test]
fn helper_script_snapshot() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/generate/jailvol-md.expected");
    expect_file(&p, &jailvol::shell::helper_script());
}

/// Run generate on a tree holding one file; returns the run and whether the tree is
/// as it was (a refusal writes nothing).
fn generate_once(file: &str, text: &[u8], args: &[&str]) -> (Run, bool) {
    let root = tempfile::tempdir().unwrap();
    let p = root.path().join(file.trim_start_matches('/'));
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    let before = files_below(root.path());
    let mut c = jailvol();
    c.arg("generate").arg("--root").arg(root.path()).args(args);
    let r = run(c);
    let untouched = files_below(root.path()) == before && std::fs::read(&p).unwrap() == text;
    (r, untouched)
}

/// A jail path or container path with a control character (a byte below 0x20, or DEL)
/// is refused in every style, at the statement or assignment that set it, before any
/// file is written: an fstab line, `mdconfig -l` output and jailvol's comment lines
/// cannot carry one.
#[test]
fn control_characters_in_paths_are_refused_in_every_style() {
    let jail_conf_styles: [&[&str]; 3] = [
        &[],
        &["--style", "mountprog"],
        &["--style", "mountprog", "--mountprog", "mdmfs"],
    ];
    let rc_styles: [&[&str]; 2] = [&[], &["--target-release", "6.1"]];
    let mut cases = 0;
    for byte in [0x01u8, b'\t', b'\n', 0x1b, 0x1f, 0x7f] {
        for in_file in [false, true] {
            // jail.conf: the byte as text2lval's escape, so the file itself stays plain.
            let esc = format!("\\x{byte:02x}");
            let (path, file) = if in_file {
                (
                    "/jails/www".to_owned(),
                    format!("\n\t$volume_file = \"/containers/w{esc}w.ufs\";"),
                )
            } else {
                (format!("/jails/w{esc}w"), String::new())
            };
            let conf = format!("www {{\n\tpath = \"{path}\";\n\t$volume_size = 1G;{file}\n}}\n");
            let at = if in_file {
                "/etc/jail.conf:4:2: "
            } else {
                "/etc/jail.conf:2:2: "
            };
            for args in jail_conf_styles {
                let (r, untouched) = generate_once("/etc/jail.conf", conf.as_bytes(), args);
                let first = r.stderr.lines().next().unwrap_or("");
                assert_eq!(r.code, 65, "{byte:#x} {args:?}: {}", r.stderr);
                assert!(untouched, "{byte:#x} {args:?}: a refused run wrote files");
                assert!(
                    first.starts_with(&format!("{at}error[JV022]: www: "))
                        && first.contains("control character"),
                    "{byte:#x} {args:?}: {first}"
                );
                cases += 1;
            }
            // rc.conf: the byte itself inside double quotes, as sh reads it.
            let mut rc =
                b"jail_enable=YES\njail_list=www\njail_www_hostname=www\njail_www_ip=192.0.2.1\n".to_vec();
            let line = if in_file {
                rc.extend_from_slice(b"jail_www_rootdir=/jails/www\n");
                rc.extend_from_slice(b"jail_www_volume_size=1G\njail_www_volume_file=\"/containers/w");
                7
            } else {
                rc.extend_from_slice(b"jail_www_volume_size=1G\njail_www_rootdir=\"/jails/w");
                6
            };
            rc.push(byte);
            rc.extend_from_slice(b"w\"\n");
            for args in rc_styles {
                let (r, untouched) = generate_once("/etc/rc.conf", &rc, args);
                let first = r.stderr.lines().next().unwrap_or("");
                assert_eq!(r.code, 65, "rc {byte:#x} {args:?}: {}", r.stderr);
                assert!(untouched, "rc {byte:#x} {args:?}: a refused run wrote files");
                assert!(
                    first.starts_with(&format!("/etc/rc.conf:{line}:1: error[JV022]: www: "))
                        && first.contains("control character"),
                    "rc {byte:#x} {args:?}: {first}"
                );
                cases += 1;
            }
        }
    }
    assert_eq!(cases, 6 * 2 * 5);
}

/// The styles that write a path as it is (mountprog, the rc.conf styles) refuse one that
/// would need a vis(3) escape, and the same characters in every place: the jail's path,
/// the container, and on an rc.conf host the jail's fstab (`crate::fstab::refused`).
/// The hooks style escapes them instead.
#[test]
fn verbatim_styles_refuse_what_hooks_escapes() {
    for (c, shown) in [(" ", "040"), ("#", "043"), ("\\\\", "134"), (",", "")] {
        let conf = format!("www {{\n\tpath = \"/jails/w{c}w\";\n\t$volume_size = 1G;\n}}\n");
        let (r, _) = generate_once("/etc/jail.conf", conf.as_bytes(), &["--dry-run"]);
        assert_eq!(r.code, 0, "{c:?}: {}", r.stderr);
        let line = if shown.is_empty() {
            format!("/dev/md100\t/jails/w{c}w\tufs")
        } else {
            format!("/dev/md100\t/jails/w\\{shown}w\tufs")
        };
        assert!(r.stdout.contains(&line), "{c:?}: {}", r.stdout);
        let (r, untouched) = generate_once("/etc/jail.conf", conf.as_bytes(), &["--style", "mountprog"]);
        assert_eq!((r.code, untouched), (65, true), "{c:?}: {}", r.stderr);
        assert!(r.stderr.contains("cannot carry a path"), "{c:?}: {}", r.stderr);
        let sh = c.replace("\\\\", "\\");
        for (var, value) in [
            ("rootdir", format!("/jails/w{sh}w")),
            ("volume_file", format!("/c/w{sh}w.ufs")),
            ("fstab", format!("/etc/fstab.w{sh}w")),
        ] {
            let mut rc = String::from(
                "jail_enable=YES\njail_list=www\njail_www_hostname=www\njail_www_ip=192.0.2.1\n\
                 jail_www_rootdir=/jails/www\njail_www_volume_size=1G\n",
            );
            rc.push_str(&format!("jail_www_{var}='{value}'\n"));
            let (r, untouched) = generate_once("/etc/rc.conf", rc.as_bytes(), &[]);
            assert_eq!((r.code, untouched), (65, true), "{c:?} {var}: {}", r.stderr);
            assert!(
                r.stderr.contains("cannot carry a path"),
                "{c:?} {var}: {}",
                r.stderr
            );
        }
    }
}
