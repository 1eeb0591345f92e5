//! The directories and files `generate` makes do not take their mode from the caller's
//! umask (issue 17, point 11): under `umask 000`, `/etc/jailvol` (the fstab files jail(8)
//! mounts from) and `/usr/local/libexec` (the helper its hooks run as root) came out
//! 0777, so anyone could swap what root mounts and runs.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::*;

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o7777
}

#[test]
fn generate_makes_0755_directories_whatever_the_umask_and_keeps_existing_modes() {
    // 000: mkdir(2) alone would give 0777. 077: it would give 0700; the mode is explicit
    // either way (the chmod after mkdir is what this case checks).
    for umask in ["000", "077"] {
        let root = tempfile::tempdir().unwrap();
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/example");
        copy_tree(&example, root.path());
        // An existing directory on the way, tighter than 0755: it must stay so.
        let usr = root.path().join("usr");
        std::fs::create_dir(&usr).unwrap();
        std::fs::set_permissions(&usr, std::fs::Permissions::from_mode(0o700)).unwrap();
        let etc_mode = mode(&root.path().join("etc"));
        let mut c = std::process::Command::new("sh");
        c.arg("-c")
            .arg(format!("umask {umask}; exec \"$0\" generate --root \"$1\""))
            .arg(env!("CARGO_BIN_EXE_jailvol"))
            .arg(root.path())
            .env_remove("RUST_BACKTRACE")
            .env("NO_COLOR", "1");
        let r = run(c);
        assert_eq!(r.code, 0, "{}", r.stderr);
        for made in ["etc/jailvol", "usr/local", "usr/local/libexec"] {
            assert_eq!(mode(&root.path().join(made)), 0o755, "umask {umask}: {made}");
        }
        assert_eq!(mode(&usr), 0o700, "an existing directory is not loosened");
        assert_eq!(mode(&root.path().join("etc")), etc_mode);
        // The files themselves: not writable by others either.
        assert_eq!(mode(&root.path().join("usr/local/libexec/jailvol-md")), 0o755);
        assert_eq!(mode(&root.path().join("etc/jailvol/www.fstab")), 0o644);
    }
}
