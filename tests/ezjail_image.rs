//! ezjail image jails (issue 19; docs/legacy.md, ezjail): ezjail.sh attaches a jail's
//! image itself before rc.d/jail starts it, so `generate` on the rc.conf host refuses
//! such a jail (a second md unit on the image would corrupt it) and `check` reports the
//! refusal as a finding.

mod common;

use std::path::{Path, PathBuf};

use common::fakebsd::skip_dash;
use common::*;

/// The ezjail-03-images host with `simple.img` big enough for a jail root (sparse).
fn host() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rcconf/ezjail-03-images/root");
    copy_tree(&fixture, &root);
    for img in ["simple.img", "secret.img"] {
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(root.join("usr/jails").join(img))
            .unwrap();
        f.set_len(64 << 20).unwrap();
    }
    // `lost` (its image missing) would be refused the same way: keep one case.
    std::fs::remove_file(root.join("usr/local/etc/ezjail/lost")).unwrap();
    (tmp, root)
}

fn jv(root: &Path, args: &[&str]) -> Run {
    let mut c = jailvol();
    c.arg("--root").arg(root).args(args);
    run(c)
}

#[test]
fn generate_refuses_an_image_jail_ezjail_still_attaches() {
    let (_tmp, root) = host();
    let g = jv(&root, &["generate", "--dry-run"]);
    assert_eq!(g.code, 65, "{}{}", g.stdout, g.stderr);
    assert!(
        g.stderr.contains(
            "/usr/local/etc/ezjail/simple:19:8: error[JV022]: simple: ezjail attaches this image itself \
             while it starts the jail (/usr/local/etc/ezjail/simple): a second md unit on it from \
             jailvol would corrupt it\n"
        ),
        "{}",
        g.stderr
    );
    assert!(
        g.stderr.contains(
            "`jailvol migrate simple` hands the jail over (ezjail stops it, /usr/local/etc/ezjail/simple \
             becomes .simple.norun, rc.d/jail starts it on the container)"
        ),
        "{}",
        g.stderr
    );
    // Nothing is written: ezjail's .device line stays the jail's only root line.
    let w = jv(&root, &["generate", "-q"]);
    assert_eq!(w.code, 65, "{}", w.stderr);
    assert_eq!(
        std::fs::read_to_string(root.join("etc/fstab.simple")).unwrap(),
        "/usr/jails/simple.device /usr/jails/simple ufs rw 0 0\n\
         /usr/jails/basejail /usr/jails/simple/basejail nullfs ro 0 0\n"
    );

    let c = jv(&root, &["check"]);
    assert_eq!(c.code, 1, "{}{}", c.stdout, c.stderr);
    assert!(
        c.stdout
            .contains("/usr/local/etc/ezjail/simple:19:8: error[JV022]: simple: ezjail attaches this image"),
        "{}",
        c.stdout
    );

    // Switched off in ezjail (what migrate does), the jail is no ezjail jail: the rest
    // of the host generates.
    let ez = root.join("usr/local/etc/ezjail");
    assert!(
        g.stderr
            .contains("/usr/local/etc/ezjail/secret:19:8: error[JV022]: secret: ezjail attaches this image"),
        "{}",
        g.stderr
    );
    for j in ["simple", "secret"] {
        std::fs::rename(ez.join(j), ez.join(format!("{j}.norun"))).unwrap();
    }
    let g = jv(&root, &["generate", "--dry-run"]);
    assert_eq!(g.code, 0, "{}", g.stderr);
}

/// fixtures/migrate/ezjail-image/input in a scratch directory, with the image the
/// fixture cannot hold (64M, sparse; a marker at its start to see it is never written).
fn migrate_host() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("input");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/migrate/ezjail-image/input");
    copy_tree(&fixture, &root);
    let img = root.join("usr/jails/www.img");
    std::fs::write(&img, b"ezjail image marker").unwrap();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&img)
        .unwrap()
        .set_len(64 << 20)
        .unwrap();
    (tmp, root)
}

/// The script's state-directory keys are CRCs of paths that hold the scratch
/// directory's name: shown as `@KEY@`.
fn keys_hidden(text: &str) -> String {
    let funcs = [
        "jv_save ",
        "jv_restore ",
        "jv_put ",
        "jv_edit ",
        "jv_mkdir ",
        "jv_unmkdir ",
    ];
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        let indent = &line[..line.len() - t.len()];
        match funcs.iter().find_map(|f| t.strip_prefix(f).map(|rest| (f, rest))) {
            Some((f, rest)) if rest.len() > 8 && rest[..8].bytes().all(|b| b.is_ascii_hexdigit()) => {
                out.push_str(&format!("{indent}{f}@KEY@{}", &rest[8..]));
            }
            _ => out.push_str(line),
        }
    }
    out
}

/// The whole tree below `root` (the state directory left out): path → content.
fn tree(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out: Vec<(PathBuf, Vec<u8>)> = files_below(root)
        .into_iter()
        .filter(|p| !p.starts_with("var/db/jailvol"))
        .map(|p| {
            let data = std::fs::read(root.join(&p)).unwrap();
            (p, data)
        })
        .collect();
    out.sort();
    out
}

/// migrate of an ezjail `simple` image jail: no allocate, newfs, copy, verify or swap;
/// the script (fixtures/migrate/ezjail-image/expected.sh) stops the jail with ezjail,
/// switches it off there, writes jail.conf with the image as `$volume_file`, and starts
/// it with rc.d/jail.
#[test]
fn migrate_adopts_a_simple_image_in_place_golden() {
    let (_tmp, root) = migrate_host();
    let r = jv(&root, &["migrate", "www", "--stop"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let script = r.stdout.replace(&root.display().to_string(), "@ROOT@");
    // The runtime names the container steps' functions (jv_reformat), but no such step
    // is defined or run.
    for step in ["allocate", "newfs", "copy", "verify", "swap"] {
        assert!(
            !script.contains(&format!("\njv_{step}() {{")),
            "{step} in\n{script}"
        );
        assert!(
            !script.contains(&format!("jv_step {step} ")),
            "{step} in\n{script}"
        );
    }
    assert!(
        !script.contains("dd if=") && !script.contains("newfs -U"),
        "{script}"
    );
    assert!(script.contains("# Steps: preflight, stop (if the jail runs), backup, config, start.\n"));
    assert!(script.contains("\tjv_run service ezjail stop www\n"), "{script}");
    assert!(script.contains("\tjv_run service jail start www\n"), "{script}");
    assert!(
        script.contains("service ezjail start www || jv_left="),
        "{script}"
    );
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/migrate/ezjail-image");
    expect_file(&dir.join("expected.sh"), &keys_hidden(&script));
    if skip_dash() {
        return;
    }
    let sc = std::process::Command::new("shellcheck")
        .args(["-s", "sh", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write as _;
            c.stdin.take().unwrap().write_all(r.stdout.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    assert!(sc.status.success(), "{}", String::from_utf8_lossy(&sc.stdout));
}

/// The config step and its undo, run under sh with the migrate runtime: ezjail's file
/// becomes `.www.norun`, jail.conf gets the block with the image as the container and the
/// basejail mount, the image is untouched; the rollback's restores give back the host
/// tree byte for byte.
#[test]
fn migrate_config_step_and_rollback_of_an_image_jail() {
    let (_tmp, root) = migrate_host();
    let before = tree(&root);
    let r = jv(&root, &["migrate", "www"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let Some(at) = r.stdout.find("\n# ---- main ----\n") else {
        panic!("no main in\n{}", r.stdout);
    };
    let functions = &r.stdout[..at];
    let sh = |tail: &str| {
        let st = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "{functions}\n(umask 077 && mkdir -p \"$jv_state\")\n{tail}\n"
            ))
            .status()
            .unwrap();
        assert!(st.success(), "{tail}");
    };
    sh("jv_backup\njv_config");
    let ez = root.join("usr/local/etc/ezjail");
    assert!(!ez.join("www").exists(), "www is switched off in ezjail");
    assert_eq!(
        std::fs::read(ez.join(".www.norun")).unwrap(),
        before
            .iter()
            .find(|(p, _)| p == Path::new("usr/local/etc/ezjail/www"))
            .map(|(_, d)| d.clone())
            .unwrap()
    );
    let conf = std::fs::read_to_string(root.join("etc/jail.conf")).unwrap();
    assert!(conf.contains("$volume_file = /usr/jails/www.img;"), "{conf}");
    assert!(conf.contains("$volume_size = 64M;"), "{conf}");
    assert!(conf.contains("exec.prepare += "), "{conf}");
    let fstab = std::fs::read_to_string(root.join("etc/jailvol/www.fstab")).unwrap();
    assert!(
        fstab.contains("/dev/md100\t/usr/jails/www\tufs\trw\t0\t0\n"),
        "{fstab}"
    );
    assert!(fstab.contains("/usr/jails/basejail\t/usr/jails/www/basejail\tnullfs\tro\t0\t0\n"));
    assert!(!fstab.contains(".device"), "{fstab}");
    // ezjail's list has db only; www is now jail.conf's.
    let c = jv(&root, &["convert"]);
    assert!(
        c.stdout.contains("db {") && !c.stdout.contains("www {"),
        "{}",
        c.stdout
    );
    let img = std::fs::read(root.join("usr/jails/www.img")).unwrap();
    assert!(img.starts_with(b"ezjail image marker") && img.len() == 64 << 20);

    sh("jv_restore_all && jv_unmake_dirs");
    assert_eq!(tree(&root), before, "the rollback restores the host tree");
}

/// An eli image jail whose attach parameters have `-p` and one `-k` becomes a geli
/// container (convert: fixtures/rcconf/ezjail-03-images, `secret`; a passphrase one,
/// `vault`, is reported), and migrate adopts it like a simple image: the start's undo
/// detaches geli before md.
#[test]
fn migrate_adopts_an_eli_image_with_a_keyfile() {
    let (_tmp, root) = host();
    let r = jv(&root, &["migrate", "secret"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("jail secret adopts its image as its container, in place"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("$volume_encrypt = geli;"), "{}", r.stdout);
    assert!(
        r.stdout.contains("$volume_keyfile = /root/secret.key;"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("/dev/md100.eli\t/usr/jails/secret\tufs"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("if ! jv_geli_detach \"$jv_u\" || ! mdconfig -d -u \"$jv_u\"; then"),
        "{}",
        r.stdout
    );
    let v = jv(&root, &["migrate", "vault"]);
    assert_eq!(v.code, 64, "{}", v.stderr);
    assert!(
        v.stderr.contains(
            "ezjail jail vault: a geli image (imagetype eli) is not convertible: it needs a passphrase"
        ),
        "{}",
        v.stderr
    );
}
