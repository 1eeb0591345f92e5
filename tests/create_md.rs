//! `create` (md backend) end to end with fake mdconfig/newfs/mount/umount/tar on PATH:
//! the real allocation, lock and temporary directory, and for every failing command the
//! rollback leaves no container, no temporary directory, no lock and no md unit — or
//! says exactly what remains.

mod common;
#[path = "common/fakecreate.rs"]
mod fakecreate;

use fakecreate::fake;

const CONF: &str = r#"
* { $volume_size = 64M; }
www { path = "@JAILS@/www"; $volume_md_unit = 101; }
db { path = "@JAILS@/db"; $volume_md_unit = 102; }
other { path = "/nowhere"; }
"#;

fn tree() -> String {
    format!("{}/fixtures/create/tree", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn creates_attaches_formats_populates_and_cleans_up() {
    let f = fake(CONF);
    let r = f.create(&["--from", &tree(), "www"], "");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(f.left(), ["www.ufs"]);
    let meta = std::fs::metadata(f.jails.join("www.ufs")).unwrap();
    assert_eq!(meta.len(), 64 << 20);
    assert!(f.units().is_empty() && f.mounts().is_empty());
    let log = f.log();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(
        lines[0],
        format!("mdconfig -a -t vnode -f {}/www.ufs -u 101", f.jails.display())
    );
    assert_eq!(lines[1], "newfs -U /dev/md101");
    assert!(lines[2].starts_with(&format!(
        "mount -t ufs /dev/md101 {}/www.ufs.mnt.",
        f.jails.display()
    )));
    // The two ends of the pipe log in either order.
    let mut tars = [lines[3], lines[4]];
    tars.sort_by_key(|l| !l.contains("-cpf"));
    assert_eq!(tars[0], format!("tar -C {} -cpf - .", tree()));
    assert!(
        tars[1].starts_with("tar -C ") && tars[1].ends_with(" -xpf -"),
        "{tars:?}"
    );
    assert!(lines[5].starts_with("umount "));
    assert_eq!(lines[6], "mdconfig -d -u 101");
    assert!(f.extracted().contains("./etc/motd"), "{}", f.extracted());
    assert!(r.stderr.contains("www: created"), "{}", r.stderr);
}

#[test]
fn all_managed_jails_when_none_named_and_newfs_options() {
    let conf = CONF.replace("other { path = \"/nowhere\"; }", "");
    let f = fake(&conf);
    let r = f.create(
        &[
            "--newfs-opts",
            "-U -n",
            "--newfs-opt",
            "-L",
            "--newfs-opt",
            "root",
        ],
        "",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(f.left(), ["db.ufs", "www.ufs"]);
    assert!(
        f.log().contains("newfs -U -n -L root /dev/md102\n"),
        "{}",
        f.log()
    );
}

#[test]
fn every_failing_command_is_rolled_back() {
    for fail in ["attach", "newfs", "mount", "tar-c", "tar-x"] {
        let f = fake(CONF);
        let r = f.create(&["--from", &tree(), "www"], fail);
        assert_eq!(r.code, 1, "{fail}: {}", r.stderr);
        assert!(r.stderr.contains("www: failed: "), "{fail}: {}", r.stderr);
        assert!(r.stderr.contains("= note: stderr: "), "{fail}: {}", r.stderr);
        assert!(r.stderr.contains("nothing remains"), "{fail}: {}", r.stderr);
        assert_eq!(f.left(), Vec::<String>::new(), "{fail}");
        assert!(f.units().is_empty(), "{fail}: {:?}", f.units());
        assert!(f.mounts().is_empty(), "{fail}");
    }
}

#[test]
fn a_failing_umount_reports_what_remains() {
    let f = fake(CONF);
    let r = f.create(&["www"], "umount");
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("www: failed: umount "), "{}", r.stderr);
    assert!(r.stderr.contains("is still mounted: run umount "), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("md101 stays attached (mounted): then run mdconfig -d -u 101")
    );
    // Exactly what was reported: container and mount point, no lock.
    let left = f.left();
    assert_eq!(left.len(), 2, "{left:?}");
    assert_eq!(left[0], "www.ufs");
    assert!(left[1].starts_with("www.ufs.mnt."));
    assert_eq!(f.units(), ["101"]);
}

#[test]
fn a_failing_detach_reports_what_remains() {
    let f = fake(CONF);
    let r = f.create(&["www"], "detach");
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("failed: mdconfig -d -u 101 (exit 1)"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("stderr: mdconfig: ioctl(/dev/mdctl): Device busy")
    );
    assert!(
        r.stderr
            .contains("md101 could not be detached: run mdconfig -d -u 101")
    );
    assert_eq!(f.left(), ["www.ufs"]);
    assert_eq!(f.units(), ["101"]);
}

#[test]
fn refusals_touch_nothing() {
    let f = fake(CONF);
    std::fs::write(f.jails.join("www.ufs"), b"precious").unwrap();
    let r = f.create(&["www"], "");
    assert_eq!(r.code, 73, "{}", r.stderr);
    assert!(r.stderr.contains("never overwrites"), "{}", r.stderr);
    assert_eq!(std::fs::read(f.jails.join("www.ufs")).unwrap(), b"precious");
    assert_eq!(f.log(), "");

    let r = f.create(&["nosuch"], "");
    assert_eq!(r.code, 64, "{}", r.stderr);
    let r = f.create(&["--from", "/no/such/dir", "db"], "");
    assert_eq!(r.code, 66, "{}", r.stderr);

    let conf = CONF.replace("$volume_md_unit = 102;", "");
    let g = fake(&conf);
    let r = g.create(&["db"], "");
    assert_eq!(r.code, 65, "{}", r.stderr);
    assert!(r.stderr.contains("run `jailvol generate` first"), "{}", r.stderr);
}

#[test]
fn a_second_run_on_a_locked_container_is_refused() {
    let f = fake(CONF);
    let lock = std::fs::File::create(f.jails.join("www.ufs.lock")).unwrap();
    let held = nix::fcntl::Flock::lock(lock, nix::fcntl::FlockArg::LockExclusiveNonblock).unwrap();
    let r = f.create(&["www"], "");
    assert_eq!(r.code, 73, "{}", r.stderr);
    assert!(
        r.stderr.contains("is locked: another `jailvol create`"),
        "{}",
        r.stderr
    );
    assert_eq!(f.left(), ["www.ufs.lock"]);
    assert_eq!(f.log(), "");
    drop(held);
}

#[test]
fn not_root_is_refused_but_dry_run_is_not() {
    if !nix::unistd::geteuid().is_root() {
        let f = fake(CONF);
        let mut c = common::jailvol();
        c.arg("-f").arg(&f.conf).args(["create", "www"]);
        let r = common::run(c);
        assert_eq!(r.code, 64, "{}", r.stderr);
    }
    let f = fake(CONF);
    let mut c = common::jailvol();
    c.arg("-f").arg(&f.conf).args(["create", "-n", "www"]);
    let r = common::run(c);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(f.left().is_empty());
}
