//! `create` (md backend) end to end on the FreeBSD model (tests/common/fakebsd): the
//! real allocation, lock and temporary directory, the model's mdconfig, newfs, mount,
//! umount and tar. After a success the container holds the tree and is clean,
//! detached and unmounted, and the jail's path exists; after a failure at any step
//! nothing is left (no unit, no mount, no file or directory that did not exist before),
//! or the message says exactly what remains.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use common::fakebsd::{Action, Host, jq};
use common::files_below;

/// www and db get containers in `jails/`; other has none. Absolute host paths (with a
/// blank, a quote and a `$`), quoted for jail.conf.
fn setup(h: &Host) -> PathBuf {
    std::fs::create_dir_all(h.path("jails")).unwrap();
    h.make_root("src/www");
    h.write(
        "etc/jail.conf",
        &format!(
            "www {{ path = {}; $volume_size = 64M; $volume_md_unit = 101; }}\n\
             db {{ path = {}; $volume_size = 64M; $volume_md_unit = 102; }}\n\
             other {{ path = {}; }}\n",
            jq(&h.p("jails/www")),
            jq(&h.p("jails/db")),
            jq(&h.p("jails/other"))
        ),
    )
}

fn conf_s(c: &Path) -> String {
    c.display().to_string()
}

/// The names in `jails/`, sorted.
fn left(h: &Host) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(h.path("jails"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

/// The program names the model saw, in order.
fn programs(h: &Host) -> Vec<String> {
    h.log()
        .iter()
        .map(|l| l.split(' ').next().unwrap_or("").to_owned())
        .collect()
}

/// Nothing of the model's is in use: no md unit, no mount.
fn host_is_quiet(h: &Host, what: &str) {
    let st = h.state();
    assert!(st.units.is_empty(), "{what}: units left: {:?}", st.units);
    assert!(st.mounts.is_empty(), "{what}: mounts left: {:?}", st.mounts);
}

#[test]
fn creates_a_clean_detached_container_holding_the_tree_and_the_mount_point() {
    let h = Host::new();
    let c = setup(&h);
    let tree = h.p("src/www");
    let r = h.jailvol(&["-f", &conf_s(&c), "create", "--from", &tree, "www"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("www: created"), "{}", r.stderr);
    let file = h.path("jails/www.ufs");
    assert_eq!(std::fs::metadata(&file).unwrap().len(), 64 << 20);
    // The tree, byte for byte (a name with a blank, a symbolic link).
    let files = h.files_in(&file);
    assert_eq!(files, files_below(&h.path("src/www")));
    let ufs = h.ufs(&file).unwrap();
    assert!(ufs.clean && !ufs.unclean_flag && ufs.softdep, "{ufs:?}");
    assert_eq!(ufs.size, 64 << 20);
    host_is_quiet(&h, "after create");
    // The container and the jail's path (0755); no lock, no temporary directory.
    assert_eq!(left(&h), ["www", "www.ufs"]);
    assert_eq!(mode(&h.path("jails/www")), 0o755);
    assert_eq!(
        programs(&h),
        ["mdconfig", "newfs", "mount", "tar", "tar", "umount", "mdconfig"],
        "{:?}",
        h.log()
    );
    let f = file.display().to_string();
    assert_eq!(
        h.log()[0],
        format!("mdconfig -a -t vnode -f '{}' -u 101", f.replace('\'', r"'\''"))
    );
    assert_eq!(h.log()[1], "newfs -U /dev/md101");
    assert_eq!(h.log()[6], "mdconfig -d -u 101");
}

#[test]
fn all_managed_jails_when_none_is_named_and_newfs_options() {
    let h = Host::new();
    let c = setup(&h);
    // An existing path is used as it is: never loosened.
    std::fs::create_dir(h.path("jails/db")).unwrap();
    std::fs::set_permissions(h.path("jails/db"), std::fs::Permissions::from_mode(0o700)).unwrap();
    let r = h.jailvol(&[
        "-f",
        &conf_s(&c),
        "create",
        "--newfs-opts",
        "-U -n",
        "--newfs-opt",
        "-L",
        "--newfs-opt",
        "root",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(left(&h), ["db", "db.ufs", "www", "www.ufs"]);
    assert_eq!(mode(&h.path("jails/db")), 0o700);
    assert!(
        h.log().iter().any(|l| l == "newfs -U -n -L root /dev/md102"),
        "{:?}",
        h.log()
    );
    for j in ["www", "db"] {
        let ufs = h.ufs(&h.path(&format!("jails/{j}.ufs"))).unwrap();
        assert!(ufs.clean && ufs.softdep, "{j}: {ufs:?}");
    }
    host_is_quiet(&h, "after create");
}

/// Two jails below one missing directory: the first run makes it, the second uses it.
#[test]
fn two_paths_below_one_missing_directory() {
    let h = Host::new();
    std::fs::create_dir_all(h.path("jails")).unwrap();
    let c = h.write(
        "etc/jail.conf",
        &format!(
            "a {{ path = {}; $volume_size = 32M; $volume_file = {}; $volume_md_unit = 1; }}\n\
             b {{ path = {}; $volume_size = 32M; $volume_file = {}; $volume_md_unit = 2; }}\n",
            jq(&h.p("jails/new/a")),
            jq(&h.p("jails/a.ufs")),
            jq(&h.p("jails/new/b")),
            jq(&h.p("jails/b.ufs"))
        ),
    );
    let r = h.jailvol(&["-f", &conf_s(&c), "create", "--dry-run"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.matches("mkdir -m 0755").count(), 3, "{}", r.stdout);
    let r = h.jailvol(&["-f", &conf_s(&c), "create"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(h.path("jails/new/a").is_dir() && h.path("jails/new/b").is_dir());
    host_is_quiet(&h, "after create");
}

/// A failure at each step, once: the rollback undoes everything (a umount or detach
/// that failed once succeeds when the rollback tries it again).
#[test]
fn a_failure_at_each_step_leaves_nothing_behind() {
    let cases: &[(&str, &[&str])] = &[
        ("mdconfig", &["-a"]),
        ("newfs", &[]),
        ("mount", &["-t"]),
        ("tar", &["-c"]),
        ("tar", &["-x"]),
        ("umount", &[]),
        ("mdconfig", &["-d"]),
    ];
    for (cmd, args) in cases {
        let what = format!("{cmd} {args:?}");
        let h = Host::new();
        let c = setup(&h);
        // db's path exists beforehand, with something in it: it must stay as it was.
        std::fs::create_dir(h.path("jails/db")).unwrap();
        std::fs::write(h.path("jails/db/keep"), "mine").unwrap();
        for (jail, made) in [("www", true), ("db", false)] {
            h.clear_faults();
            h.fail(cmd, args);
            let r = h.jailvol(&["-f", &conf_s(&c), "create", "--from", &h.p("src/www"), jail]);
            assert_eq!(r.code, 1, "{what} {jail}: {}", r.stderr);
            assert!(
                r.stderr.contains(&format!("{jail}: failed: {cmd} ")),
                "{what}: {}",
                r.stderr
            );
            assert!(r.stderr.contains("= note: stderr: "), "{what}: {}", r.stderr);
            assert!(r.stderr.contains("nothing remains"), "{what}: {}", r.stderr);
            if made {
                assert!(
                    r.stderr.contains(&format!("removed {}", h.p("jails/www"))),
                    "{what}: {}",
                    r.stderr
                );
            }
            host_is_quiet(&h, &what);
        }
        assert_eq!(left(&h), ["db"], "{what}");
        assert_eq!(
            files_below(&h.path("jails/db")),
            [PathBuf::from("keep")],
            "{what}"
        );
    }
}

#[test]
fn a_umount_that_keeps_failing_reports_what_remains_and_the_advice_works() {
    let h = Host::new();
    let c = setup(&h);
    h.fault("umount", &[], 0, Action::Fail, true);
    let r = h.jailvol(&["-f", &conf_s(&c), "create", "www"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("www: failed: umount "), "{}", r.stderr);
    assert!(r.stderr.contains("is still mounted: run umount "), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("md101 stays attached (mounted): then run mdconfig -d -u 101"),
        "{}",
        r.stderr
    );
    // Exactly what was reported: the container and its mount point, no lock; the
    // jail's path was made by the run and removed.
    let l = left(&h);
    assert_eq!(l.len(), 2, "{l:?}");
    assert_eq!(l[0], "www.ufs");
    assert!(l[1].starts_with("www.ufs.mnt."), "{l:?}");
    let file = h.path("jails/www.ufs");
    assert_eq!(h.units_of(&file), [101]);
    let tmp = h.path(&format!("jails/{}", l[1]));
    assert!(h.mounted_at(&tmp).is_some());
    // What the notes say to run cleans up.
    h.clear_faults();
    let t = tmp.display().to_string();
    assert_eq!(h.run("umount", &[&t]).code, 0);
    std::fs::remove_dir(&tmp).unwrap();
    assert_eq!(h.run("mdconfig", &["-d", "-u", "101"]).code, 0);
    std::fs::remove_file(&file).unwrap();
    host_is_quiet(&h, "after the advice");
    assert!(left(&h).is_empty());
}

#[test]
fn a_detach_that_keeps_failing_keeps_the_file_and_says_so() {
    let h = Host::new();
    let c = setup(&h);
    h.fault("mdconfig", &["-d"], 0, Action::Fail, true);
    let r = h.jailvol(&["-f", &conf_s(&c), "create", "www"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("failed: mdconfig -d -u 101 (exit 1)"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("md101 could not be detached: run mdconfig -d -u 101"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("(backs md101): then run rm "), "{}", r.stderr);
    assert_eq!(left(&h), ["www.ufs"]);
    assert_eq!(h.units_of(&h.path("jails/www.ufs")), [101]);
    assert!(h.state().mounts.is_empty());
}

#[test]
fn refusals_touch_nothing() {
    let h = Host::new();
    let c = setup(&h);
    let cs = conf_s(&c);
    std::fs::write(h.path("jails/www.ufs"), b"precious").unwrap();
    let r = h.jailvol(&["-f", &cs, "create", "www"]);
    assert_eq!(r.code, 73, "{}", r.stderr);
    assert!(r.stderr.contains("never overwrites"), "{}", r.stderr);
    assert_eq!(std::fs::read(h.path("jails/www.ufs")).unwrap(), b"precious");

    let r = h.jailvol(&["-f", &cs, "create", "nosuch"]);
    assert_eq!(r.code, 64, "{}", r.stderr);
    let r = h.jailvol(&["-f", &cs, "create", "other"]);
    assert_eq!(r.code, 64, "{}", r.stderr);
    let r = h.jailvol(&["-f", &cs, "create", "--from", &h.p("no/such/dir"), "db"]);
    assert_eq!(r.code, 66, "{}", r.stderr);
    // Something that is not a directory where the jail's path goes.
    std::fs::write(h.path("jails/db"), b"a file").unwrap();
    let r = h.jailvol(&["-f", &cs, "create", "db"]);
    assert_eq!(r.code, 73, "{}", r.stderr);
    assert!(r.stderr.contains("exists and is not a directory"), "{}", r.stderr);
    assert_eq!(left(&h), ["db", "www.ufs"]);

    let text = std::fs::read_to_string(&c)
        .unwrap()
        .replace("$volume_md_unit = 102;", "");
    std::fs::write(&c, text).unwrap();
    std::fs::remove_file(h.path("jails/db")).unwrap();
    let r = h.jailvol(&["-f", &cs, "create", "db"]);
    assert_eq!(r.code, 65, "{}", r.stderr);
    assert!(r.stderr.contains("run `jailvol generate` first"), "{}", r.stderr);
    assert_eq!(left(&h), ["www.ufs"]);
    assert!(h.log().is_empty(), "{:?}", h.log());
}

#[test]
fn a_second_run_on_a_locked_container_is_refused() {
    let h = Host::new();
    let c = setup(&h);
    let lock = std::fs::File::create(h.path("jails/www.ufs.lock")).unwrap();
    let held = nix::fcntl::Flock::lock(lock, nix::fcntl::FlockArg::LockExclusiveNonblock).unwrap();
    let r = h.jailvol(&["-f", &conf_s(&c), "create", "www"]);
    assert_eq!(r.code, 73, "{}", r.stderr);
    assert!(
        r.stderr.contains("is locked: another `jailvol create`"),
        "{}",
        r.stderr
    );
    assert_eq!(left(&h), ["www.ufs.lock"]);
    assert!(h.log().is_empty());
    drop(held);
}

#[test]
fn not_root_is_refused_but_dry_run_is_not() {
    let h = Host::new();
    let c = setup(&h);
    if !nix::unistd::geteuid().is_root() {
        let mut cmd = common::jailvol();
        cmd.env_remove("JAILVOL_ASSUME_ROOT")
            .arg("-f")
            .arg(&c)
            .args(["create", "www"]);
        let r = common::run(cmd);
        assert_eq!(r.code, 64, "{}", r.stderr);
    }
    let mut cmd = common::jailvol();
    cmd.env_remove("JAILVOL_ASSUME_ROOT")
        .arg("-f")
        .arg(&c)
        .args(["create", "-n", "www"]);
    let r = common::run(cmd);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with(&format!(
            "# www: '{}",
            h.p("jails/www.ufs").replace('\'', r"'\''")
        )),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("\nmkdir -m 0755 '"), "{}", r.stdout);
    assert!(left(&h).is_empty());
}

/// Under `umask 000` every directory and file create makes has its own mode: the
/// jail's path (and its missing parents) 0755, the temporary mount point 0700, the lock
/// 0600 (seen by killing a run while they exist).
#[test]
fn modes_do_not_come_from_the_umask() {
    let h = Host::new();
    std::fs::create_dir_all(h.path("jails")).unwrap();
    let c = h.write(
        "etc/jail.conf",
        &format!(
            "www {{ path = {}; $volume_size = 64M; $volume_file = {}; $volume_md_unit = 101; }}\n",
            jq(&h.p("jails/deep/er/www")),
            jq(&h.p("jails/www.ufs"))
        ),
    );
    let under_umask_0 = |args: &[&str]| {
        let mut a = vec![
            "-c",
            "umask 000; exec \"$0\" \"$@\"",
            env!("CARGO_BIN_EXE_jailvol"),
        ];
        a.extend_from_slice(args);
        h.run("sh", &a)
    };
    // Killed at the mount: the lock and the temporary directory are still there.
    h.fault("mount", &["-t"], 0, Action::Kill, false);
    let r = under_umask_0(&["-f", &conf_s(&c), "create", "www"]);
    assert_eq!(r.code, -1, "killed: {}", r.stderr);
    assert_eq!(mode(&h.path("jails/www.ufs.lock")), 0o600);
    let tmp = left(&h)
        .into_iter()
        .find(|n| n.starts_with("www.ufs.mnt."))
        .expect("the temporary directory");
    assert_eq!(mode(&h.path(&format!("jails/{tmp}"))), 0o700);
    for d in ["jails/deep", "jails/deep/er", "jails/deep/er/www"] {
        assert_eq!(mode(&h.path(d)), 0o755, "{d}");
    }
    // Clean up what the kill left, then a whole run.
    assert_eq!(h.run("mdconfig", &["-d", "-u", "101"]).code, 0);
    std::fs::remove_dir(h.path(&format!("jails/{tmp}"))).unwrap();
    std::fs::remove_file(h.path("jails/www.ufs")).unwrap();
    std::fs::remove_file(h.path("jails/www.ufs.lock")).unwrap();
    std::fs::remove_dir_all(h.path("jails/deep")).unwrap();
    let r = under_umask_0(&["-f", &conf_s(&c), "create", "www"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for d in ["jails/deep", "jails/deep/er", "jails/deep/er/www"] {
        assert_eq!(mode(&h.path(d)), 0o755, "{d}");
    }
    assert_eq!(left(&h), ["deep", "www.ufs"]);
    host_is_quiet(&h, "after create");
}
