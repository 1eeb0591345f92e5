//! `create --via makefs` builds a real image from fixtures/create/tree with the host's
//! makefs(8), and the image is read back with jailvol's own UFS2 reader: exact size,
//! superblock magic at a location FreeBSD searches, and every fixture file byte for
//! byte. makefs must be installed (`apt-get install makefs`); JAILVOL_SKIP_MAKEFS=1
//! skips instead.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use jailvol::ufs::{self, Image};

fn have_makefs() -> bool {
    if std::env::var_os("JAILVOL_SKIP_MAKEFS").is_some_and(|v| v == "1") {
        return false;
    }
    let ok = Command::new("sh")
        .args(["-c", "command -v makefs"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "makefs is not installed (apt-get install makefs, or set JAILVOL_SKIP_MAKEFS=1)"
    );
    true
}

#[test]
fn makefs_image_reads_back() {
    if !have_makefs() {
        return;
    }
    let tree = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/create/tree");
    let d = tempfile::tempdir().unwrap();
    let conf = d.path().join("jail.conf");
    std::fs::write(
        &conf,
        format!(
            "fix {{ path = \"{}/fix\"; $volume_size = 48M; }}\n",
            d.path().display()
        ),
    )
    .unwrap();
    let mut c = jailvol();
    c.env_remove("JAILVOL_ASSUME_ROOT")
        .arg("-f")
        .arg(&conf)
        .args(["create", "--via", "makefs", "--from"])
        .arg(&tree);
    let r = run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("fix: created"), "{}", r.stderr);
    assert!(r.stderr.contains("UFS2 superblock at byte "), "{}", r.stderr);
    let img_path = d.path().join("fix.ufs");
    assert_eq!(std::fs::metadata(&img_path).unwrap().len(), 48 << 20);
    // Nothing but the image and the jail's path (its mount point, 0755) is left.
    let mut left: Vec<String> = std::fs::read_dir(d.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["fix", "fix.ufs", "jail.conf"]);
    {
        use std::os::unix::fs::PermissionsExt;
        let m = std::fs::metadata(d.path().join("fix"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(m & 0o7777, 0o755);
    }

    let img = Image::open(&img_path).unwrap();
    assert!(ufs::SBLOCKSEARCH.contains(&img.sb.location));
    if img.sb.location != ufs::SBLOCK_UFS2 {
        assert!(r.stderr.contains("not the usual 65536"), "{}", r.stderr);
    }
    assert_eq!(
        img.sb.size_frags * i64::from(img.sb.fsize),
        48 << 20,
        "{:?}",
        img.sb
    );
    let root: Vec<String> = img
        .read_dir(ufs::ROOT_INO)
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    for name in [".", "..", "README", "etc"] {
        assert!(root.contains(&name.to_string()), "{root:?}");
    }
    for rel in files_below(&tree) {
        let rel = rel.to_string_lossy().into_owned();
        let want = std::fs::read(tree.join(&rel)).unwrap();
        let got = img.read_file(&rel).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(got, want, "{rel}");
    }
    assert!(img.read_file("etc/nosuch").is_err());
}

#[test]
fn makefs_refuses_an_existing_image() {
    if !have_makefs() {
        return;
    }
    let d = tempfile::tempdir().unwrap();
    let conf = d.path().join("jail.conf");
    std::fs::write(
        &conf,
        format!(
            "fix {{ path = \"{}/fix\"; $volume_size = 48M; }}\n",
            d.path().display()
        ),
    )
    .unwrap();
    std::fs::write(d.path().join("fix.ufs"), b"keep me").unwrap();
    let mut c = jailvol();
    c.arg("-f").arg(&conf).args(["create", "--via", "makefs"]);
    let r = run(c);
    assert_eq!(r.code, 73, "{}", r.stderr);
    assert_eq!(std::fs::read(d.path().join("fix.ufs")).unwrap(), b"keep me");
}
