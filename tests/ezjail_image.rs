//! ezjail image jails (issue 19; docs/legacy.md, ezjail): ezjail.sh attaches a jail's
//! image itself before rc.d/jail starts it, so `generate` on the rc.conf host refuses
//! such a jail (a second md unit on the image would corrupt it) and `check` reports the
//! refusal as a finding.

mod common;

use std::path::{Path, PathBuf};

use common::*;

/// The ezjail-03-images host with `simple.img` big enough for a jail root (sparse).
fn host() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("root");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rcconf/ezjail-03-images/root");
    copy_tree(&fixture, &root);
    let img = std::fs::OpenOptions::new()
        .write(true)
        .open(root.join("usr/jails/simple.img"))
        .unwrap();
    img.set_len(64 << 20).unwrap();
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
             while it starts the jail (/usr/local/etc/ezjail/simple)"
        ),
        "{}",
        g.stderr
    );
    assert!(
        g.stderr.contains("`jailvol migrate simple` hands the jail over"),
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
    std::fs::rename(ez.join("simple"), ez.join("simple.norun")).unwrap();
    let g = jv(&root, &["generate", "--dry-run"]);
    assert_eq!(g.code, 0, "{}", g.stderr);
}
