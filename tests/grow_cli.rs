//! `grow` end to end with fake mdconfig/growfs/fsck/mount/jls on PATH: the real file
//! extension and the real jail.conf edit; for every failing command, what is left and
//! what the message says.

mod common;
#[path = "common/fakegrow.rs"]
mod fakegrow;

use fakegrow::fake;

const M: u64 = 1 << 20;

const CONF: &str = "# hosts
* {
\t$volume_size = 32M;   # default for all
}
www {
\tpath = \"@JAILS@/www\";
\t$volume_size = \"32M\"; # the web root
\t$volume_md_unit = 101;
}
db {
    path = \"@JAILS@/db\";
    $volume_md_unit = 102;
}
";

fn setup() -> fakegrow::Fake {
    let f = fake(CONF);
    f.container("www.ufs", 32 * M);
    f.container("db.ufs", 32 * M);
    f
}

#[test]
fn stopped_and_detached_attaches_grows_checks_and_detaches() {
    let f = setup();
    let r = f.jailvol(&["grow", "www", "40M"], "");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let www = f.path("www.ufs");
    assert_eq!(
        f.actions(),
        [
            format!("mdconfig -a -t vnode -f {www} -u 101"),
            "growfs -y /dev/md101".into(),
            "fsck -t ufs -p /dev/md101".into(),
            "mdconfig -d -u 101".into(),
        ]
    );
    assert_eq!(f.file_size("www.ufs"), 40 * M);
    assert_eq!(f.fs_size(101), Some(40 * M), "growfs saw the new size");
    assert!(f.units().is_empty());
    // The jail's own statement: value replaced, quotes and the comment kept.
    let expected = CONF.replace("@JAILS@", &f.jails.to_string_lossy()).replace(
        "$volume_size = \"32M\"; # the web root",
        "$volume_size = \"40M\"; # the web root",
    );
    assert_eq!(f.conf_text(), expected);
    assert!(r.stderr.contains("www: grown from 32M to 40M"), "{}", r.stderr);
}

#[test]
fn a_wildcard_size_gets_a_statement_in_the_jails_block() {
    let f = setup();
    let r = f.jailvol(&["grow", "db", "+8m", "--sparse"], "");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let expected = CONF.replace("@JAILS@", &f.jails.to_string_lossy()).replace(
        "    $volume_md_unit = 102;\n}",
        "    $volume_md_unit = 102;\n    $volume_size = 40M; # set by jailvol grow\n}",
    );
    assert_eq!(f.conf_text(), expected);
    assert_eq!(f.file_size("db.ufs"), 40 * M);
    // The new statement is read back as the size.
    let r = f.jailvol(&["grow", "db", "40M"], "");
    assert_eq!(r.code, 64, "{}", r.stderr);
    assert!(r.stderr.contains("already 40M"), "{}", r.stderr);
}

#[test]
fn an_attached_unit_is_resized_and_stays_attached() {
    let f = setup();
    let www = f.path("www.ufs");
    f.attach(101, &www);
    let r = f.jailvol(&["grow", "www", "40M"], "");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        f.actions(),
        [
            "mdconfig -r -u 101 -s 40M",
            "growfs -y /dev/md101",
            "fsck -t ufs -p /dev/md101"
        ]
    );
    assert_eq!(f.units(), [("101".to_string(), www, 40 * M)]);
}

#[test]
fn without_mdconfig_r_the_unit_is_detached_and_reattached() {
    let f = setup();
    let www = f.path("www.ufs");
    f.attach(101, &www);
    let r = f.jailvol(&["grow", "www", "40M"], "no-r");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let a = f.actions();
    assert_eq!(a[0], "mdconfig -r -u 101 -s 40M");
    assert_eq!(a[1], "mdconfig -d -u 101");
    assert_eq!(a[2], format!("mdconfig -a -t vnode -f {www} -u 101"));
    assert_eq!(f.fs_size(101), Some(40 * M));
    assert!(r.stderr.contains("mdconfig has no -r"), "{}", r.stderr);
}

#[test]
fn a_running_jail_is_refused_without_online_and_nothing_changes() {
    let f = setup();
    let www = f.path("www.ufs");
    f.attach(101, &www);
    f.mount(101, &f.path("www"));
    f.run_jail("www", 7);
    let before = f.conf_text();
    let r = f.jailvol(&["grow", "www", "40M"], "");
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
    assert!(f.actions().is_empty(), "{:?}", f.actions());
    assert_eq!(f.file_size("www.ufs"), 32 * M);
    assert_eq!(f.conf_text(), before);
}

#[test]
fn online_grows_the_mounted_filesystem() {
    let f = setup();
    let www = f.path("www.ufs");
    f.attach(101, &www);
    f.mount(101, &f.path("www"));
    f.run_jail("www", 7);
    let r = f.jailvol(&["grow", "www", "+8M", "--online"], "");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(f.actions(), ["mdconfig -r -u 101 -s 40M", "growfs -y /dev/md101"]);
    assert_eq!(f.fs_size(101), Some(40 * M));
    assert!(f.conf_text().contains("$volume_size = \"40M\";"));
    assert!(r.stderr.contains("grown from 32M to 40M online"), "{}", r.stderr);
}

#[test]
fn shrinking_and_no_ops_are_refused() {
    let f = setup();
    for (size, word) in [
        ("16M", "never shrinks"),
        ("32M", "already 32M"),
        ("+0", "already 32M"),
    ] {
        let r = f.jailvol(&["grow", "www", size], "");
        assert_eq!(r.code, 64, "{size}: {}", r.stderr);
        assert!(r.stderr.contains(word), "{size}: {}", r.stderr);
    }
    let r = f.jailvol(&["grow", "www", "lots"], "");
    assert_eq!(r.code, 64);
    assert!(f.log().is_empty(), "nothing was even looked at: {}", f.log());
    assert_eq!(f.file_size("www.ufs"), 32 * M);
}

#[test]
fn a_unit_backed_by_another_file_is_refused() {
    let f = setup();
    let other = f.container("other.ufs", 32 * M);
    f.attach(101, &other);
    let r = f.jailvol(&["grow", "www", "40M"], "");
    assert_eq!(r.code, 73, "{}", r.stderr);
    assert!(r.stderr.contains("md101 is attached to"), "{}", r.stderr);
    assert_eq!(f.file_size("www.ufs"), 32 * M);
}

#[test]
fn dry_run_prints_the_commands_and_touches_nothing() {
    let f = setup();
    let before = f.conf_text();
    let r = f.jailvol(&["grow", "www", "40M", "--dry-run"], "");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let www = f.path("www.ufs");
    let expected = format!(
        "# www: {www} 32M -> 40M as md101 (stopped, root not mounted, md101 not attached)\n\
         # extend: posix_fallocate({www}, 33554432, 8388608); where the filesystem refuses (ZFS), write 8388608 zero bytes at 33554432\n\
         mdconfig -a -t vnode -f {www} -u 101\n\
         growfs -y /dev/md101\n\
         fsck -t ufs -p /dev/md101\n\
         mdconfig -d -u 101\n\
         # then: $volume_size = 40M in {}\n",
        f.conf.display()
    );
    assert_eq!(r.stdout, expected);
    assert!(f.actions().is_empty());
    assert_eq!(f.conf_text(), before);
    assert_eq!(f.file_size("www.ufs"), 32 * M);
}

/// Failures before growfs: the file stays extended, the filesystem and the config keep
/// the old size, the unit is as it was, and the message says to re-run.
#[test]
fn failures_before_growfs_leave_the_old_filesystem_intact() {
    for (fail, attached) in [("attach", false), ("resize", true)] {
        let f = setup();
        let www = f.path("www.ufs");
        if attached {
            f.attach(101, &www);
        }
        let before = f.conf_text();
        let r = f.jailvol(&["grow", "www", "40M"], fail);
        assert_eq!(r.code, 1, "{fail}: {}", r.stderr);
        assert!(
            r.stderr.contains("www: failed: mdconfig -"),
            "{fail}: {}",
            r.stderr
        );
        assert!(
            r.stderr.contains(
                "the container is intact at the old size: its filesystem is still 32M inside a file of 41943040 bytes"
            ),
            "{fail}: {}",
            r.stderr
        );
        assert!(
            r.stderr.contains("re-run `jailvol grow www 40M` to finish"),
            "{fail}"
        );
        assert_eq!(f.conf_text(), before, "{fail}");
        assert_eq!(f.file_size("www.ufs"), 40 * M, "{fail}");
        assert_eq!(f.fs_size(101), None, "{fail}");
        assert_eq!(f.units().len(), usize::from(attached), "{fail}");
        // Re-running finishes the job without extending again.
        let r = f.jailvol(&["grow", "www", "40M"], "");
        assert_eq!(r.code, 0, "{fail}: {}", r.stderr);
        assert_eq!(f.fs_size(101), Some(40 * M), "{fail}");
        assert!(f.conf_text().contains("\"40M\""), "{fail}");
    }
}

#[test]
fn a_growfs_failure_is_checked_and_reported() {
    let f = setup();
    let before = f.conf_text();
    let r = f.jailvol(&["grow", "www", "40M"], "growfs");
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("failed: growfs -y /dev/md101 (exit 1)"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("stderr: growfs: /dev/md101: Operation not permitted")
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
    assert_eq!(f.conf_text(), before);
    assert!(f.units().is_empty());
}

#[test]
fn failures_after_growfs_still_record_the_new_size() {
    for (fail, remains) in [
        ("fsck", "fsck -t ufs -y /dev/md101` before starting the jail"),
        ("detach", "remains: md101 stays attached: run mdconfig -d -u 101"),
    ] {
        let f = setup();
        let r = f.jailvol(&["grow", "www", "40M"], fail);
        assert_eq!(r.code, 1, "{fail}: {}", r.stderr);
        assert!(
            r.stderr.contains("the container is grown to 40M and usable"),
            "{fail}: {}",
            r.stderr
        );
        assert!(r.stderr.contains(remains), "{fail}: {}", r.stderr);
        assert!(f.conf_text().contains("\"40M\""), "{fail}");
        assert_eq!(f.fs_size(101), Some(40 * M));
    }
}

#[test]
fn status_reads_cannot_fail_silently() {
    let f = setup();
    let r = f.jailvol(&["grow", "www", "40M"], "mdlist");
    assert_eq!(r.code, 74, "{}", r.stderr);
    assert!(
        r.stderr.contains("cannot read the container's state"),
        "{}",
        r.stderr
    );
    assert_eq!(f.file_size("www.ufs"), 32 * M);
}

#[test]
fn a_config_write_lost_after_growfs_is_finished_by_a_rerun() {
    let f = setup();
    let before = f.conf_text();
    let r = f.jailvol(&["grow", "www", "40M"], "");
    assert_eq!(r.code, 0, "{}", r.stderr);
    // As if the configuration write had failed: the file and filesystem are 40M.
    std::fs::write(&f.conf, &before).unwrap();
    let r = f.jailvol(&["grow", "www", "40M"], "");
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("the filesystem already fills md101"),
        "{}",
        r.stderr
    );
    assert!(f.conf_text().contains("\"40M\""));
    assert_eq!(f.file_size("www.ufs"), 40 * M);
    assert!(f.units().is_empty());
}

#[test]
fn a_config_that_cannot_be_rewritten_exactly_is_refused_first() {
    let f = setup();
    // A Latin-1 byte in a comment: read lossily, so a rewrite would change it.
    let mut bytes = f.conf_text().into_bytes();
    bytes.splice(0..0, b"# caf\xe9\n".iter().copied());
    std::fs::write(&f.conf, &bytes).unwrap();
    let r = f.jailvol(&["grow", "www", "40M"], "");
    assert_eq!(r.code, 65, "{}", r.stderr);
    assert!(r.stderr.contains("not plain UTF-8"), "{}", r.stderr);
    assert_eq!(std::fs::read(&f.conf).unwrap(), bytes);
    assert_eq!(f.file_size("www.ufs"), 32 * M);
    assert!(f.log().is_empty());

    let r = f.jailvol(&["-f", "-", "grow", "www", "40M"], "");
    assert_eq!(r.code, 64, "{}", r.stderr);
    assert!(r.stderr.contains("standard input"), "{}", r.stderr);
}

#[test]
fn a_unit_mounted_elsewhere_is_refused() {
    let f = setup();
    f.attach(101, &f.path("www.ufs"));
    f.mount(101, "/mnt/rescue");
    let r = f.jailvol(&["grow", "www", "40M"], "");
    assert_eq!(r.code, 73, "{}", r.stderr);
    assert!(
        r.stderr.contains("/dev/md101 is mounted on /mnt/rescue"),
        "{}",
        r.stderr
    );
    assert_eq!(f.file_size("www.ufs"), 32 * M);
}
