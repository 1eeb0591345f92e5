//! The model's geli(8) (tests/common/fakebsd/model/geli.rs): each test pins a rule
//! jailvol's geli containers rely on, with the FreeBSD source it comes from.

mod common;

use common::fakebsd::Host;

fn ok(r: &common::Run) {
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
}

fn fails(r: &common::Run, msg: &str) {
    assert_ne!(r.code, 0, "{}", r.stdout);
    assert!(r.stderr.contains(msg), "want {msg:?} in {}", r.stderr);
}

/// A 64M container attached as md7, and a 64-byte keyfile.
fn setup(h: &Host) -> (String, String) {
    let file = h.path("www.ufs");
    std::fs::File::create(&file).unwrap().set_len(64 << 20).unwrap();
    let key = h.write("www.key", &"k".repeat(64)).display().to_string();
    let file = file.display().to_string();
    ok(&h.run("mdconfig", &["-a", "-t", "vnode", "-f", &file, "-u", "7"]));
    (file, key)
}

fn init(h: &Host, key: &str) -> common::Run {
    h.run(
        "geli",
        &["init", "-B", "none", "-P", "-K", key, "-s", "4096", "md7"],
    )
}

// geom_eli.c eli_init/eli_attach, g_eli_ctl.c: the key the metadata was made with, -p
// for a container without passphrase; md7.eli appears and holds md7.
#[test]
fn attach_needs_metadata_the_right_key_and_p() {
    let h = Host::new();
    let (_, key) = setup(&h);
    fails(
        &h.run("geli", &["attach", "-p", "-k", &key, "md7"]),
        "Cannot read metadata from md7",
    );
    fails(
        &h.run("geli", &["init", "-K", &key, "md7"]),
        "Cannot read passphrase",
    );
    fails(&h.run("geli", &["init", "-P", "md7"]), "No key components given.");
    ok(&init(&h, &key));
    assert!(h.state().geli_backups.is_empty());
    let other = h.write("other.key", "x").display().to_string();
    fails(
        &h.run("geli", &["attach", "-p", "-k", &other, "md7"]),
        "Wrong key for md7.",
    );
    fails(&h.run("geli", &["attach", "-k", &key, "md7"]), "Missing -p flag.");
    ok(&h.run("geli", &["attach", "-p", "-k", &key, "md7"]));
    assert!(h.state().eli.contains(&7));
    fails(
        &h.run("geli", &["attach", "-p", "-k", &key, "md7"]),
        "already exists",
    );
    // GEOM: the eli consumer keeps md7 open.
    fails(&h.run("mdconfig", &["-d", "-u", "7"]), "Device busy");
    ok(&h.run("geli", &["list", "md7.eli"]));
    ok(&h.run("geli", &["detach", "md7.eli"]));
    fails(
        &h.run("geli", &["list", "md7.eli"]),
        "does not have an instance named 'md7.eli'",
    );
    fails(&h.run("geli", &["detach", "md7.eli"]), "No such device: md7.eli.");
    ok(&h.run("mdconfig", &["-d", "-u", "7"]));
}

// The default -B writes /var/backups/mdN.eli (eli_init, GELI_BACKUP_DIR).
#[test]
fn init_without_b_none_writes_a_backup() {
    let h = Host::new();
    let (_, key) = setup(&h);
    ok(&h.run("geli", &["init", "-P", "-K", &key, "md7"]));
    assert_eq!(h.state().geli_backups, ["/var/backups/md7.eli"]);
}

// The file system lives on md7.eli: newfs and mount there; the raw unit is ciphertext;
// a mounted .eli cannot be detached (g_eli_destroy: EBUSY).
#[test]
fn the_file_system_is_on_the_eli_provider() {
    let h = Host::new();
    let (file, key) = setup(&h);
    ok(&init(&h, &key));
    ok(&h.run("geli", &["attach", "-p", "-k", &key, "md7"]));
    ok(&h.run("newfs", &["-U", "/dev/md7.eli"]));
    let real = std::fs::canonicalize(&file).unwrap().display().to_string();
    // 64M less the metadata sector, in 4096-byte sectors.
    assert_eq!(h.state().filesystems[&real].size, (64 << 20) - 4096);
    std::fs::create_dir(h.path("mnt")).unwrap();
    fails(&h.run("newfs", &["/dev/md7"]), "Operation not permitted");
    ok(&h.run("mount", &["-t", "ufs", "/dev/md7.eli", &h.p("mnt")]));
    fails(
        &h.run("geli", &["detach", "md7.eli"]),
        "Cannot destroy device md7.eli",
    );
    ok(&h.run("umount", &[&h.p("mnt")]));
    ok(&h.run("geli", &["detach", "md7.eli"]));
    fails(
        &h.run("mount", &["-t", "ufs", "/dev/md7", &h.p("mnt")]),
        "Invalid argument",
    );
}

// eli_resize: the provider must not be open, the metadata must be at the old size; after
// an md resize, attach fails until geli resize moves the metadata.
#[test]
fn resize_moves_the_metadata_to_the_new_size() {
    let h = Host::new();
    let (_, key) = setup(&h);
    ok(&init(&h, &key));
    ok(&h.run("geli", &["dump", "md7"]));
    ok(&h.run("mdconfig", &["-r", "-u", "7", "-s", "128m"]));
    // eli_dump reads the last sector, which holds no metadata now.
    fails(&h.run("geli", &["dump", "md7"]), "Cannot read metadata from md7");
    fails(
        &h.run("geli", &["attach", "-p", "-k", &key, "md7"]),
        "Provider size mismatch.",
    );
    fails(
        &h.run("geli", &["resize", "-s", "1048576", "md7"]),
        "Provider size mismatch at oldsize.",
    );
    ok(&h.run("geli", &["resize", "-s", &(64u64 << 20).to_string(), "md7"]));
    ok(&h.run("geli", &["dump", "md7"]));
    fails(
        &h.run("geli", &["resize", "-s", &(128u64 << 20).to_string(), "md7"]),
        "Size hasn't changed.",
    );
    ok(&h.run("geli", &["attach", "-p", "-k", &key, "md7"]));
    fails(
        &h.run("geli", &["resize", "-s", &(64u64 << 20).to_string(), "md7"]),
        "Operation not permitted",
    );
}
