//! `grow` end to end on the FreeBSD model (tests/common/fakebsd): the real file
//! extension and jail.conf edit, the model's md units, UFS superblock flags, growfs,
//! fsck, mount table and jails. For every failing step, what is left and what the
//! message says. The host's paths are long (more than 24 bytes) and have blanks, so
//! every `mount -p` line the model prints has the mount point padded with one space.

mod common;

use std::path::PathBuf;

use common::fakebsd::{Action, Host, jq};

const M: u64 = 1 << 20;

/// www's own statement has quotes and a comment; db's size comes from the wildcard.
fn conf_text(h: &Host) -> String {
    format!(
        "# hosts
* {{
\t$volume_size = 32M;   # default for all
}}
www {{
\tpath = {};
\t$volume_size = \"32M\"; # the web root
\t$volume_md_unit = 101;
}}
db {{
    path = {};
    $volume_md_unit = 102;
}}
",
        jq(&h.p("jails/www")),
        jq(&h.p("jails/db"))
    )
}

struct Setup {
    h: Host,
    conf: PathBuf,
}

impl Setup {
    fn new() -> Setup {
        Setup::on(Host::new())
    }

    fn on(h: Host) -> Setup {
        for j in ["www", "db"] {
            std::fs::create_dir_all(h.path(&format!("jails/{j}"))).unwrap();
        }
        let tree = h.make_root("src/tree");
        for j in ["www", "db"] {
            h.make_container(&h.path(&format!("jails/{j}.ufs")), 32 * M, Some(&tree));
        }
        let conf = h.write("etc/jail.conf", &conf_text(&h));
        h.clear_log();
        Setup { h, conf }
    }

    fn grow(&self, args: &[&str]) -> common::Run {
        let c = self.conf.display().to_string();
        let mut a = vec!["-f", c.as_str(), "grow"];
        a.extend_from_slice(args);
        self.h.jailvol(&a)
    }

    fn file(&self, j: &str) -> PathBuf {
        self.h.path(&format!("jails/{j}.ufs"))
    }

    fn f(&self, j: &str) -> String {
        self.file(j).display().to_string()
    }

    fn file_size(&self, j: &str) -> u64 {
        std::fs::metadata(self.file(j)).map_or(0, |m| m.len())
    }

    /// The size the file system covers.
    fn fs_size(&self, j: &str) -> u64 {
        self.h.ufs(&self.file(j)).unwrap().size
    }

    fn conf(&self) -> String {
        std::fs::read_to_string(&self.conf).unwrap()
    }

    /// The commands that changed something (no jls, mdconfig -l, mount -p, df).
    fn actions(&self) -> Vec<String> {
        self.h
            .log()
            .into_iter()
            .filter(|l| {
                !(l.starts_with("jls ")
                    || l.starts_with("mdconfig -l")
                    || l == "mount -p"
                    || l.starts_with("df "))
            })
            .collect()
    }

    /// Attach `j`'s container at `unit`, as a unit left attached would be.
    fn attach(&self, unit: u32, j: &str) {
        let r = self.h.run(
            "mdconfig",
            &["-a", "-t", "vnode", "-f", &self.f(j), "-u", &unit.to_string()],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
    }

    /// www running on its container, mounted by hand (attach, mount, jail -c).
    fn run_www(&self) {
        self.attach(101, "www");
        let r = self
            .h
            .run("mount", &["-t", "ufs", "/dev/md101", &self.h.p("jails/www")]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let r = self.h.start(&self.conf, "www");
        assert_eq!(r.code, 0, "{}", r.stderr);
        self.h.clear_log();
    }

    /// The tree is still in the container.
    fn tree_kept(&self, j: &str) {
        assert_eq!(
            self.h.files_in(&self.file(j)),
            common::files_below(&self.h.path("src/tree")),
            "{j}"
        );
    }
}

/// sh quoting as the model's log writes it (the host's root has a blank, `'` and `$`).
fn q(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[test]
fn stopped_and_detached_attaches_checks_grows_checks_and_detaches() {
    let s = Setup::new();
    let r = s.grow(&["www", "40M"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        s.actions(),
        [
            format!("mdconfig -a -t vnode -f {} -u 101", q(&s.f("www"))),
            "fsck -t ufs -p /dev/md101".into(),
            "growfs -y /dev/md101".into(),
            "fsck -t ufs -p /dev/md101".into(),
            "mdconfig -d -u 101".into(),
        ]
    );
    assert_eq!(s.file_size("www"), 40 * M);
    assert_eq!(s.fs_size("www"), 40 * M, "growfs grew the file system");
    assert!(s.h.ufs(&s.file("www")).unwrap().clean);
    assert!(s.h.state().units.is_empty());
    s.tree_kept("www");
    // The jail's own statement: value replaced, quotes and the comment kept.
    let expected = conf_text(&s.h).replace(
        "$volume_size = \"32M\"; # the web root",
        "$volume_size = \"40M\"; # the web root",
    );
    assert_eq!(s.conf(), expected);
    assert!(r.stderr.contains("www: grown from 32M to 40M"), "{}", r.stderr);
}

#[test]
fn a_wildcard_size_gets_a_statement_in_the_jails_block() {
    let s = Setup::new();
    let r = s.grow(&["db", "+8m", "--sparse"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let expected = conf_text(&s.h).replace(
        "    $volume_md_unit = 102;\n}",
        "    $volume_md_unit = 102;\n    $volume_size = 40M; # set by jailvol grow\n}",
    );
    assert_eq!(s.conf(), expected);
    assert_eq!(s.file_size("db"), 40 * M);
    assert_eq!(s.fs_size("db"), 40 * M);
    // The new statement is read back as the size.
    let r = s.grow(&["db", "40M"]);
    assert_eq!(r.code, 64, "{}", r.stderr);
    assert!(r.stderr.contains("already 40M"), "{}", r.stderr);
}

/// A unit left attached while the jail is stopped (a failed start, or the mountprog
/// style): resized, and it stays attached.
#[test]
fn an_attached_unit_is_resized_and_stays_attached() {
    let s = Setup::new();
    s.attach(101, "www");
    s.h.clear_log();
    let r = s.grow(&["www", "40M"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        s.actions(),
        [
            "mdconfig -r -u 101 -s 40M",
            "fsck -t ufs -p /dev/md101",
            "growfs -y /dev/md101",
            "fsck -t ufs -p /dev/md101"
        ]
    );
    assert_eq!(s.h.units_of(&s.file("www")), [101]);
    assert_eq!(s.h.state().units[&101].size, 40 * M);
    assert_eq!(s.fs_size("www"), 40 * M);
}

#[test]
fn without_mdconfig_r_the_unit_is_detached_and_reattached() {
    let s = Setup::new();
    s.attach(101, "www");
    s.h.update(|st| st.no_resize = true);
    s.h.clear_log();
    let r = s.grow(&["www", "40M"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let a = s.actions();
    assert_eq!(a[0], "mdconfig -r -u 101 -s 40M");
    assert_eq!(a[1], "mdconfig -d -u 101");
    assert_eq!(a[2], format!("mdconfig -a -t vnode -f {} -u 101", q(&s.f("www"))));
    assert_eq!(s.fs_size("www"), 40 * M);
    assert_eq!(s.h.units_of(&s.file("www")), [101]);
    assert!(r.stderr.contains("mdconfig has no -r"), "{}", r.stderr);
}

#[test]
fn a_running_jail_is_refused_without_online_and_nothing_changes() {
    let s = Setup::new();
    s.run_www();
    let before = s.conf();
    let r = s.grow(&["www", "40M"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("needs --online"), "{}", r.stderr);
    assert!(r.stderr.contains("nothing was changed"), "{}", r.stderr);
    // The exact steps are printed.
    assert!(
        r.stdout
            .contains("mdconfig -r -u 101 -s 40M\ngrowfs -y /dev/md101\n"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("fsck"), "{}", r.stdout);
    assert!(s.actions().is_empty(), "{:?}", s.actions());
    assert_eq!(s.file_size("www"), 32 * M);
    assert_eq!(s.conf(), before);
}

/// The jail's path is longer than 24 bytes, so `mount -p` pads it with one space
/// (putfsent): the mounted root must still be recognised.
#[test]
fn online_grows_the_mounted_filesystem_of_a_running_jail() {
    let s = Setup::new();
    assert!(s.h.p("jails/www").len() >= 24);
    s.run_www();
    let r = s.grow(&["www", "+8M", "--online"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        s.actions(),
        [
            "growfs -N /dev/md101",
            "mdconfig -r -u 101 -s 40M",
            "growfs -y /dev/md101"
        ]
    );
    assert_eq!(s.fs_size("www"), 40 * M);
    assert!(s.h.running("www"));
    assert!(s.conf().contains("$volume_size = \"40M\";"));
    assert!(r.stderr.contains("grown from 32M to 40M online"), "{}", r.stderr);
}

#[test]
fn shrinking_and_no_ops_are_refused() {
    let s = Setup::new();
    for (size, word) in [
        ("16M", "never shrinks"),
        ("32M", "already 32M"),
        ("+0", "already 32M"),
    ] {
        let r = s.grow(&["www", size]);
        assert_eq!(r.code, 64, "{size}: {}", r.stderr);
        assert!(r.stderr.contains(word), "{size}: {}", r.stderr);
    }
    let r = s.grow(&["www", "lots"]);
    assert_eq!(r.code, 64);
    assert!(
        s.h.log().is_empty(),
        "nothing was even looked at: {:?}",
        s.h.log()
    );
    assert_eq!(s.file_size("www"), 32 * M);
}

#[test]
fn a_unit_backed_by_another_file_is_refused() {
    let s = Setup::new();
    s.attach(101, "db");
    let r = s.grow(&["www", "40M"]);
    assert_eq!(r.code, 73, "{}", r.stderr);
    assert!(
        r.stderr
            .contains(&format!("md101 is attached to {}, not to", s.f("db"))),
        "{}",
        r.stderr
    );
    assert_eq!(s.file_size("www"), 32 * M);
}

#[test]
fn dry_run_prints_the_commands_and_touches_nothing() {
    let s = Setup::new();
    let before = s.conf();
    let r = s.grow(&["www", "40M", "--dry-run"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let www = q(&s.f("www"));
    let expected = format!(
        "# www: {www} 32M -> 40M as md101 (stopped, root not mounted, md101 not attached)\n\
         # extend: posix_fallocate({www}, 33554432, 8388608); where the filesystem refuses (ZFS), write 8388608 zero bytes at 33554432\n\
         mdconfig -a -t vnode -f {www} -u 101\n\
         fsck -t ufs -p /dev/md101\n\
         growfs -y /dev/md101\n\
         fsck -t ufs -p /dev/md101\n\
         mdconfig -d -u 101\n\
         # then: $volume_size = 40M in {}\n",
        s.conf.display()
    );
    assert_eq!(r.stdout, expected);
    assert!(s.actions().is_empty());
    assert_eq!(s.conf(), before);
    assert_eq!(s.file_size("www"), 32 * M);
    // The same plan as data: each step's programs as argument vectors, in order.
    let r = s.grow(&["www", "40M", "--dry-run", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let argv: Vec<Vec<String>> = doc["plans"][0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|st| serde_json::from_value::<Vec<Vec<String>>>(st["argv"].clone()).unwrap())
        .collect();
    let file = s.f("www");
    let w = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        argv,
        vec![
            w(&["mdconfig", "-a", "-t", "vnode", "-f", &file, "-u", "101"]),
            w(&["fsck", "-t", "ufs", "-p", "/dev/md101"]),
            w(&["growfs", "-y", "/dev/md101"]),
            w(&["fsck", "-t", "ufs", "-p", "/dev/md101"]),
            w(&["mdconfig", "-d", "-u", "101"]),
        ]
    );
    assert!(s.actions().is_empty());
}

/// Failures before growfs: the file stays extended, the filesystem and the config keep
/// the old size, the unit is as it was, and the message says to re-run.
#[test]
fn failures_before_growfs_leave_the_old_filesystem_intact() {
    for (cmd, args, attached) in [
        ("mdconfig", ["-a"], false),
        ("mdconfig", ["-r"], true),
        ("fsck", ["-p"], false),
    ] {
        let what = format!("{cmd} {args:?}");
        let s = Setup::new();
        if attached {
            s.attach(101, "www");
        }
        let before = s.conf();
        s.h.fail(cmd, &args);
        let r = s.grow(&["www", "40M"]);
        assert_eq!(r.code, 1, "{what}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!("www: failed: {cmd} -")),
            "{what}: {}",
            r.stderr
        );
        assert!(
            r.stderr.contains(
                "the container is intact at the old size: its filesystem is still 32M inside a file of 41943040 bytes"
            ),
            "{what}: {}",
            r.stderr
        );
        assert!(
            r.stderr.contains("re-run `jailvol grow www 40M` to finish"),
            "{what}"
        );
        assert_eq!(s.conf(), before, "{what}");
        assert_eq!(s.file_size("www"), 40 * M, "{what}");
        assert_eq!(s.fs_size("www"), 32 * M, "{what}");
        assert_eq!(s.h.state().units.len(), usize::from(attached), "{what}");
        assert!(s.h.state().mounts.is_empty(), "{what}");
        // Re-running finishes the job without extending again.
        let r = s.grow(&["www", "40M"]);
        assert_eq!(r.code, 0, "{what}: {}", r.stderr);
        assert_eq!(s.fs_size("www"), 40 * M, "{what}");
        assert!(s.conf().contains("\"40M\""), "{what}");
        s.tree_kept("www");
    }
}

#[test]
fn a_growfs_failure_is_checked_and_reported() {
    let s = Setup::new();
    let before = s.conf();
    s.h.fail("growfs", &["-y"]);
    let r = s.grow(&["www", "40M"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("failed: growfs -y /dev/md101 (exit 1)"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("stderr: growfs: injected failure"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("found the filesystem consistent"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("rolled back: detached md101"), "{}", r.stderr);
    assert!(
        r.stderr.contains("$volume_size is unchanged (32M)"),
        "{}",
        r.stderr
    );
    assert_eq!(s.conf(), before);
    assert!(s.h.state().units.is_empty());
    assert_eq!(s.fs_size("www"), 32 * M);
}

#[test]
fn failures_after_growfs_still_record_the_new_size() {
    let cases: [(&str, &[&str], u32, &str); 2] = [
        (
            "fsck",
            &["-p"],
            1,
            "fsck -t ufs -y /dev/md101` before starting the jail",
        ),
        (
            "mdconfig",
            &["-d"],
            0,
            "remains: md101 stays attached: run mdconfig -d -u 101",
        ),
    ];
    for (cmd, args, skip, remains) in cases {
        let s = Setup::new();
        s.h.fault(cmd, args, skip, Action::Fail, false);
        let r = s.grow(&["www", "40M"]);
        assert_eq!(r.code, 1, "{cmd}: {}", r.stderr);
        assert!(
            r.stderr.contains("the container is grown to 40M and usable"),
            "{cmd}: {}",
            r.stderr
        );
        assert!(r.stderr.contains(remains), "{cmd}: {}", r.stderr);
        assert!(s.conf().contains("\"40M\""), "{cmd}");
        assert_eq!(s.fs_size("www"), 40 * M);
    }
}

#[test]
fn status_reads_cannot_fail_silently() {
    let s = Setup::new();
    s.h.fail("mdconfig", &["-l"]);
    let r = s.grow(&["www", "40M"]);
    assert_eq!(r.code, 74, "{}", r.stderr);
    assert!(
        r.stderr.contains("cannot read the container's state"),
        "{}",
        r.stderr
    );
    assert_eq!(s.file_size("www"), 32 * M);
}

#[test]
fn a_config_write_lost_after_growfs_is_finished_by_a_rerun() {
    let s = Setup::new();
    let before = s.conf();
    let r = s.grow(&["www", "40M"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // As if the configuration write had failed: the file and filesystem are 40M.
    std::fs::write(&s.conf, &before).unwrap();
    let r = s.grow(&["www", "40M"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("the filesystem already fills md101"),
        "{}",
        r.stderr
    );
    assert!(s.conf().contains("\"40M\""));
    assert_eq!(s.file_size("www"), 40 * M);
    assert!(s.h.state().units.is_empty());
}

#[test]
fn a_config_that_cannot_be_rewritten_exactly_is_refused_first() {
    let s = Setup::new();
    // A Latin-1 byte in a comment: read lossily, so a rewrite would change it.
    let mut bytes = s.conf().into_bytes();
    bytes.splice(0..0, b"# caf\xe9\n".iter().copied());
    std::fs::write(&s.conf, &bytes).unwrap();
    let r = s.grow(&["www", "40M"]);
    assert_eq!(r.code, 65, "{}", r.stderr);
    assert!(r.stderr.contains("not plain UTF-8"), "{}", r.stderr);
    assert_eq!(std::fs::read(&s.conf).unwrap(), bytes);
    assert_eq!(s.file_size("www"), 32 * M);
    assert!(s.h.log().is_empty());

    let r = s.h.jailvol(&["-f", "-", "grow", "www", "40M"]);
    assert_eq!(r.code, 64, "{}", r.stderr);
    assert!(r.stderr.contains("standard input"), "{}", r.stderr);
}

/// The unit mounted somewhere else (a long path with blanks: the whole mount point is
/// read back from `mount -p`, not the part before a blank).
#[test]
fn a_unit_mounted_elsewhere_is_refused() {
    let s = Setup::new();
    let rescue = s.h.path("mnt/a rescue mount point");
    std::fs::create_dir_all(&rescue).unwrap();
    s.attach(101, "www");
    let r = s.h.run(
        "mount",
        &["-t", "ufs", "/dev/md101", &rescue.display().to_string()],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = s.grow(&["www", "40M"]);
    assert_eq!(r.code, 73, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "/dev/md101 is mounted on {}, not on the jail's path",
            rescue.display()
        )),
        "{}",
        r.stderr
    );
    assert_eq!(s.file_size("www"), 32 * M);
}

/// A crash while the jail ran, then a read-write mount without fsck (soft updates allow
/// it; ffs_mountfs sets FS_UNCLEAN): growfs refuses such a file system until fsck has
/// run, so the offline grow checks first.
#[test]
fn offline_after_a_crash_and_an_unchecked_mount_fsck_runs_before_growfs() {
    let s = Setup::new();
    s.run_www();
    std::fs::write(s.h.path("jails/www/written before the crash"), "x").unwrap();
    s.h.power_loss();
    let www = s.h.p("jails/www");
    s.attach(101, "www");
    let r = s.h.run("mount", &["-t", "ufs", "/dev/md101", &www]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("was not properly dismounted"), "{}", r.stderr);
    assert_eq!(s.h.run("umount", &[&www]).code, 0);
    assert_eq!(s.h.run("mdconfig", &["-d", "-u", "101"]).code, 0);
    let ufs = s.h.ufs(&s.file("www")).unwrap();
    assert!(ufs.unclean_flag && !ufs.clean, "{ufs:?}");
    s.h.clear_log();
    let r = s.grow(&["www", "40M"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let a = s.actions();
    assert_eq!(a[1], "fsck -t ufs -p /dev/md101", "{a:?}");
    assert_eq!(a[2], "growfs -y /dev/md101", "{a:?}");
    let ufs = s.h.ufs(&s.file("www")).unwrap();
    assert!(ufs.clean && !ufs.unclean_flag, "{ufs:?}");
    assert_eq!(ufs.size, 40 * M);
    assert!(
        s.h.files_in(&s.file("www"))
            .contains(&PathBuf::from("written before the crash"))
    );
}

/// The same file system mounted and in use by the jail: it cannot be checked while
/// mounted, and growfs would refuse it, so grow --online refuses before touching
/// anything and says to stop the jail; stopped, grow checks and grows it.
#[test]
fn online_an_unclean_mounted_file_system_is_refused_until_the_jail_stops() {
    let s = Setup::new();
    s.run_www();
    s.h.power_loss();
    s.run_www();
    assert!(s.h.ufs(&s.file("www")).unwrap().unclean_flag);
    let before = s.conf();
    let r = s.grow(&["www", "40M", "--online"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("the mounted file system is not clean"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("stop the jail"), "{}", r.stderr);
    assert!(r.stderr.contains("nothing changed"), "{}", r.stderr);
    assert_eq!(s.actions(), ["growfs -N /dev/md101"]);
    assert_eq!(s.file_size("www"), 32 * M);
    assert_eq!(s.h.state().units[&101].size, 32 * M);
    assert_eq!(s.conf(), before);
    // Stopped (by hand, as this jail.conf mounts nothing itself), it grows.
    assert_eq!(s.h.stop(&s.conf, "www").code, 0);
    assert_eq!(s.h.run("umount", &[&s.h.p("jails/www")]).code, 0);
    let r = s.grow(&["www", "40M"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(s.fs_size("www"), 40 * M);
    assert!(s.h.ufs(&s.file("www")).unwrap().clean);
}

/// mdconfig lists the realpath of a unit's file: a container reached through a
/// symbolic link to its directory is recognised as attached.
#[test]
fn a_container_through_a_symlinked_directory_is_recognised() {
    let h = Host::new();
    std::fs::create_dir_all(h.path("usr/home/jails")).unwrap();
    std::os::unix::fs::symlink(h.path("usr/home"), h.path("home")).unwrap();
    let s = Setup::on(h);
    let text = s.conf().replace(
        "\t$volume_md_unit = 101;\n",
        &format!(
            "\t$volume_md_unit = 101;\n\t$volume_file = {};\n",
            jq(&s.h.p("home/jails/www.ufs"))
        ),
    );
    std::fs::write(&s.conf, text).unwrap();
    let file = s.h.path("home/jails/www.ufs");
    s.h.make_container(&file, 32 * M, None);
    let r = s.h.run(
        "mdconfig",
        &[
            "-a",
            "-t",
            "vnode",
            "-f",
            &file.display().to_string(),
            "-u",
            "101",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    s.h.clear_log();
    let r = s.grow(&["www", "40M"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(s.actions()[0], "mdconfig -r -u 101 -s 40M", "{:?}", s.actions());
    assert_eq!(s.h.ufs(&file).unwrap().size, 40 * M);
    assert_eq!(s.h.units_of(&file), [101]);
}

/// The hooks style end to end: generate, create, start; grow while running; stop,
/// start again on the bigger container.
#[test]
fn hooks_style_grow_online_then_restart() {
    let h = Host::new();
    std::fs::create_dir_all(h.path("jails")).unwrap();
    let tree = h.make_root("src/tree");
    let conf = h.write(
        "etc/jail.conf",
        &format!(
            "www {{\n\tpath = {};\n\tmount.devfs;\n\t$volume_size = 32M;\n}}\n",
            jq(&h.p("jails/www"))
        ),
    );
    let c = conf.display().to_string();
    let ok = |r: common::Run, what: &str| assert_eq!(r.code, 0, "{what}: {}", r.stderr);
    ok(
        h.jailvol(&[
            "-f",
            &c,
            "generate",
            "--fstab-dir",
            &h.p("etc/jailvol"),
            "--helper",
            &h.p("usr/local/libexec/jailvol-md"),
        ]),
        "generate",
    );
    ok(
        h.jailvol(&["-f", &c, "create", "--from", &tree.display().to_string()]),
        "create",
    );
    ok(h.start(&conf, "www"), "start");
    ok(h.jailvol(&["-f", &c, "grow", "www", "48M", "--online"]), "grow");
    let file = h.path("jails/www.ufs");
    assert_eq!(h.ufs(&file).unwrap().size, 48 * M);
    ok(h.stop(&conf, "www"), "stop");
    assert!(h.state().units.is_empty());
    ok(h.start(&conf, "www"), "start again");
    let df = h.run("df", &["-k", "-i", &h.p("jails/www")]);
    assert!(df.stdout.contains(&format!(" {} ", 48 * 1024)), "{}", df.stdout);
    let mut seen = common::files_below(&h.path("jails/www"));
    seen.retain(|p| !p.starts_with("dev"));
    assert_eq!(seen, common::files_below(&tree));
    ok(h.stop(&conf, "www"), "stop again");
}

/// Under `umask 000` the lock grow holds is still 0600 (seen by killing a run at
/// growfs, while it holds it), and a re-run finishes the job.
#[test]
fn the_lock_mode_does_not_come_from_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let s = Setup::new();
    s.h.fault("growfs", &["-y"], 0, Action::Kill, false);
    let c = s.conf.display().to_string();
    let r = s.h.run(
        "sh",
        &[
            "-c",
            "umask 000; exec \"$0\" \"$@\"",
            env!("CARGO_BIN_EXE_jailvol"),
            "-f",
            &c,
            "grow",
            "www",
            "40M",
        ],
    );
    assert_eq!(r.code, -1, "killed: {}", r.stderr);
    let lock = s.h.path("jails/www.ufs.lock");
    let mode = std::fs::metadata(&lock).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o600);
    // The kill left the unit attached and the lock file (nobody holds it any more).
    let r = s.grow(&["www", "40M"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(s.fs_size("www"), 40 * M);
    assert!(!lock.exists());
}
