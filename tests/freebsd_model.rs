//! The FreeBSD model itself (tests/common/fakebsd/): each test pins one behaviour the
//! model claims, with the FreeBSD source it comes from, so a test of jailvol that
//! passes on the model passes for the right reason.

mod common;

use common::fakebsd::{Action, Host, jq};

fn ok(r: &common::Run) {
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
}

fn container(h: &Host, rel: &str, size: u64) -> std::path::PathBuf {
    let p = h.path(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::File::create(&p).unwrap().set_len(size).unwrap();
    p
}

// sbin/mdconfig/mdconfig.c md_set_file: the unit keeps realpath(FILE); -l -v lists it.
#[test]
fn mdconfig_stores_the_realpath_of_the_file() {
    let h = Host::new();
    let real = container(&h, "usr/home/www.ufs", 1 << 20);
    std::os::unix::fs::symlink(h.path("usr/home"), h.path("home")).unwrap();
    let via = h.p("home/www.ufs");
    ok(&h.run("mdconfig", &["-a", "-t", "vnode", "-f", &via, "-u", "3"]));
    let l = h.run("mdconfig", &["-l", "-v"]);
    ok(&l);
    let real = std::fs::canonicalize(real).unwrap().display().to_string();
    assert_eq!(l.stdout, format!("md3\tvnode\t  1.0M\t{real}\n"));
    assert!(!l.stdout.contains(&via));
    // -l -f realpaths its argument too.
    let f = h.run("mdconfig", &["-l", "-f", &via]);
    ok(&f);
    assert_eq!(f.stdout.trim(), "md3");
}

#[test]
fn mdconfig_refuses_a_used_unit_and_a_busy_detach() {
    let h = Host::new();
    let a = container(&h, "a.ufs", 1 << 20);
    let b = container(&h, "b.ufs", 1 << 20);
    let a = a.display().to_string();
    let b = b.display().to_string();
    ok(&h.run("mdconfig", &["-a", "-t", "vnode", "-f", &a, "-u", "5"]));
    let r = h.run("mdconfig", &["-a", "-t", "vnode", "-f", &b, "-u", "5"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("Device busy"), "{}", r.stderr);
    // Automatic unit: the lowest free one, printed.
    let r = h.run("mdconfig", &["-a", "-t", "vnode", "-f", &b]);
    ok(&r);
    assert_eq!(r.stdout, "md0\n");
    ok(&h.run("newfs", &["-U", "/dev/md5"]));
    let mnt = h.path("mnt");
    std::fs::create_dir(&mnt).unwrap();
    ok(&h.run("mount", &["/dev/md5", &mnt.display().to_string()]));
    let r = h.run("mdconfig", &["-d", "-u", "5"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("Device busy"), "{}", r.stderr);
    ok(&h.run("umount", &[&mnt.display().to_string()]));
    ok(&h.run("mdconfig", &["-d", "-u", "5"]));
    let r = h.run("mdconfig", &["-d", "-u", "5"]);
    assert!(r.stderr.contains("No such file or directory"), "{}", r.stderr);
}

// Files written below a mount point land in the file system mounted there, and what the
// mount point held is hidden until the unmount.
#[test]
fn a_mount_hides_the_directory_and_keeps_what_is_written_in_the_container() {
    let h = Host::new();
    let f = container(&h, "c.ufs", 8 << 20);
    let fs = f.display().to_string();
    let root = h.make_root("jails/www");
    let rs = root.display().to_string();
    ok(&h.run("mdconfig", &["-a", "-t", "vnode", "-f", &fs, "-u", "1"]));
    ok(&h.run("newfs", &["-U", "/dev/md1"]));
    ok(&h.run("mount", &["-t", "ufs", "/dev/md1", &rs]));
    assert!(
        !root.join("etc/rc.conf").exists(),
        "the directory's files are hidden"
    );
    assert!(root.join(".snap").is_dir(), "newfs made .snap");
    std::fs::write(root.join("new"), "in the container").unwrap();
    ok(&h.run("umount", &[&rs]));
    assert!(root.join("etc/rc.conf").exists());
    assert!(!root.join("new").exists());
    assert_eq!(h.files_in(&f), vec![std::path::PathBuf::from("new")]);
}

#[test]
fn mount_needs_an_existing_directory_and_an_attached_unit() {
    let h = Host::new();
    let r = h.run("mount", &["-t", "ufs", "/dev/md9", &h.p("nowhere")]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("No such file or directory"), "{}", r.stderr);
    std::fs::create_dir(h.path("mnt")).unwrap();
    let r = h.run("mount", &["-t", "ufs", "/dev/md9", &h.p("mnt")]);
    assert!(
        r.stderr.contains("/dev/md9: No such file or directory"),
        "{}",
        r.stderr
    );
    // A unit without a file system on it.
    let f = container(&h, "raw.ufs", 1 << 20);
    ok(&h.run(
        "mdconfig",
        &["-a", "-t", "vnode", "-f", &f.display().to_string(), "-u", "9"],
    ));
    let r = h.run("mount", &["-t", "ufs", "/dev/md9", &h.p("mnt")]);
    assert!(r.stderr.contains("Invalid argument"), "{}", r.stderr);
}

#[test]
fn umount_refuses_while_something_is_mounted_below() {
    let h = Host::new();
    let f = container(&h, "c.ufs", 8 << 20);
    let root = h.path("jails/www");
    std::fs::create_dir_all(&root).unwrap();
    ok(&h.run("mdconfig", &["-a", "-f", &f.display().to_string(), "-u", "1"]));
    ok(&h.run("newfs", &["/dev/md1"]));
    ok(&h.run("mount", &["/dev/md1", &root.display().to_string()]));
    std::fs::create_dir(root.join("dev")).unwrap();
    ok(&h.run(
        "mount",
        &["-t", "devfs", "devfs", &root.join("dev").display().to_string()],
    ));
    let r = h.run("umount", &[&root.display().to_string()]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("Device busy"), "{}", r.stderr);
    ok(&h.run("umount", &[&root.join("dev").display().to_string()]));
    ok(&h.run("umount", &[&root.display().to_string()]));
    let r = h.run("umount", &[&root.display().to_string()]);
    assert!(
        r.stderr.contains("not a file system root directory"),
        "{}",
        r.stderr
    );
}

// sbin/mount/mount.c putfsent: tabs while a field is shorter than 24 bytes, then a space.
#[test]
fn mount_p_pads_like_putfsent() {
    let h = Host::plain();
    let f = container(&h, "c.ufs", 8 << 20);
    let long = h.path("jails/a-rather-long-jail-name");
    std::fs::create_dir_all(&long).unwrap();
    ok(&h.run("mdconfig", &["-a", "-f", &f.display().to_string(), "-u", "12"]));
    ok(&h.run("newfs", &["/dev/md12"]));
    ok(&h.run("mount", &["/dev/md12", &long.display().to_string()]));
    let p = h.run("mount", &["-p"]);
    ok(&p);
    let line = p.stdout.lines().last().unwrap().to_owned();
    let point = std::fs::canonicalize(&long).unwrap().display().to_string();
    assert!(point.len() >= 24);
    assert_eq!(line, format!("/dev/md12\t\t{point} ufs\trw\t\t2 2"));
    assert!(
        p.stdout.starts_with(
            "/dev/ada0p2\t\t/\t\t\tufs\trw\t\t1 1\ndevfs\t\t\t/dev\t\t\tdevfs\trw,multilabel \t0 0\n"
        ),
        "{}",
        p.stdout
    );
}

// ffs_vfsops.c ffs_mountfs / ffs_unmount, fsck_ffs, growfs.c: the superblock flags.
#[test]
fn an_unchecked_mount_after_a_crash_leaves_the_file_system_for_fsck() {
    let h = Host::new();
    let f = container(&h, "c.ufs", 8 << 20);
    let mnt = h.path("m");
    std::fs::create_dir(&mnt).unwrap();
    let m = mnt.display().to_string();
    ok(&h.run("mdconfig", &["-a", "-f", &f.display().to_string(), "-u", "1"]));
    ok(&h.run("newfs", &["-U", "/dev/md1"]));
    ok(&h.run("mount", &["/dev/md1", &m]));
    // fsck on a file system mounted read-write.
    let r = h.run("fsck", &["-t", "ufs", "-p", "/dev/md1"]);
    assert_eq!(r.code, 8);
    assert!(r.stderr.contains("NO WRITE ACCESS"), "{}", r.stderr);
    std::fs::write(mnt.join("kept"), "x").unwrap();
    h.power_loss();
    let ufs = h.ufs(&f).unwrap();
    assert!(!ufs.clean && !ufs.unclean_flag);
    assert!(h.state().units.is_empty() && h.state().mounts.is_empty());
    assert_eq!(h.files_in(&f), vec![std::path::PathBuf::from("kept")]);
    // Soft updates: mounted read-write anyway, FS_UNCLEAN set, and it stays not clean.
    ok(&h.run("mdconfig", &["-a", "-f", &f.display().to_string(), "-u", "1"]));
    let r = h.run("mount", &["/dev/md1", &m]);
    ok(&r);
    assert!(r.stderr.contains("was not properly dismounted"), "{}", r.stderr);
    ok(&h.run("umount", &[&m]));
    assert!(!h.ufs(&f).unwrap().clean);
    // growfs refuses it until fsck.
    let bigger = std::fs::OpenOptions::new().write(true).open(&f).unwrap();
    bigger.set_len(16 << 20).unwrap();
    ok(&h.run("mdconfig", &["-r", "-u", "1", "-s", "16m"]));
    let r = h.run("growfs", &["-y", "/dev/md1"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("not clean - run fsck"), "{}", r.stderr);
    ok(&h.run("fsck", &["-t", "ufs", "-p", "/dev/md1"]));
    ok(&h.run("growfs", &["-y", "/dev/md1"]));
    assert_eq!(h.ufs(&f).unwrap().size, 16 << 20);
    let r = h.run("growfs", &["-y", "/dev/md1"]);
    assert!(
        r.stderr
            .contains("is not larger than the current filesystem size"),
        "{}",
        r.stderr
    );
}

#[test]
fn without_soft_updates_an_unclean_file_system_is_not_mounted_read_write() {
    let h = Host::new();
    let f = container(&h, "c.ufs", 8 << 20);
    let m = h.path("m");
    std::fs::create_dir(&m).unwrap();
    let m = m.display().to_string();
    ok(&h.run("mdconfig", &["-a", "-f", &f.display().to_string(), "-u", "1"]));
    ok(&h.run("newfs", &["/dev/md1"]));
    ok(&h.run("mount", &["/dev/md1", &m]));
    h.power_loss();
    ok(&h.run("mdconfig", &["-a", "-f", &f.display().to_string(), "-u", "1"]));
    let r = h.run("mount", &["/dev/md1", &m]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("Operation not permitted"), "{}", r.stderr);
    ok(&h.run("mount", &["-o", "ro", "/dev/md1", &m]));
}

/// A jail.conf for one jail at `path` with the given extra statements.
fn conf(h: &Host, body: &str) -> std::path::PathBuf {
    h.write(
        "etc/jail.conf",
        &format!("www {{\n\tpath = {};\n{body}}}\n", jq(&h.p("jails/www"))),
    )
}

// usr.sbin/jail/jail.c startcommands: exec.prepare, mount, mount.fstab, mount.devfs, ...,
// create; stopcommands in reverse, exec.release last.
#[test]
fn jail_runs_the_steps_in_jail_8_order() {
    let h = Host::new();
    h.make_root("jails/www");
    std::fs::create_dir_all(h.path("ports")).unwrap();
    std::fs::create_dir_all(h.path("jails/www/usr/ports")).unwrap();
    h.write(
        "etc/fstab.www",
        &format!(
            "{} {} nullfs ro 0 0\n",
            h.p("ports").replace(' ', "\\040"),
            h.p("jails/www/usr/ports").replace(' ', "\\040")
        ),
    );
    let c = conf(
        &h,
        &format!(
            "\tmount.fstab = {};\n\tmount.devfs;\n\texec.prepare = \"echo prepare\";\n\texec.release = \"echo release\";\n",
            jq(&h.p("etc/fstab.www"))
        ),
    );
    ok(&h.start(&c, "www"));
    assert!(h.running("www"));
    let st = h.state();
    let kinds: Vec<&str> = st.mounts.iter().map(|m| m.fstype.as_str()).collect();
    assert_eq!(kinds, vec!["nullfs", "devfs"]);
    let r = h.start(&c, "www");
    assert!(r.stderr.contains("already exists"), "{}", r.stderr);
    ok(&h.stop(&c, "www"));
    assert!(!h.running("www"));
    assert!(h.state().mounts.is_empty());
    let log = h.log();
    let order: Vec<String> = log
        .iter()
        .filter(|l| l.starts_with("mount ") || l.starts_with("umount "))
        .map(|l| l.split(' ').take(3).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        order,
        vec![
            "mount -t nullfs",
            "mount -t devfs",
            "umount -t devfs",
            "umount -t nullfs"
        ]
    );
}

// command.c next_command: a failed start walks back (unmounts) and runs no exec hook,
// so exec.release does not run.
#[test]
fn a_failed_start_unmounts_what_it_mounted_and_runs_no_release() {
    let h = Host::new();
    h.make_root("jails/www");
    std::fs::create_dir_all(h.path("src")).unwrap();
    let marker = h.p("released");
    let c = conf(
        &h,
        &format!(
            "\tmount += {};\n\texec.prestart = \"false\";\n\texec.release = {};\n",
            jq(&format!(
                "{} {} nullfs ro",
                h.p("src").replace(' ', "\\040"),
                h.p("jails/www/usr").replace(' ', "\\040")
            )),
            jq(&format!("touch {}", common::fakebsd::sq(&marker)))
        ),
    );
    let r = h.start(&c, "www");
    assert_eq!(r.code, 1);
    assert!(h.state().mounts.is_empty(), "{:?}", h.state().mounts);
    assert!(!h.running("www"));
    assert!(!std::path::Path::new(&marker).exists());
}

// command.c check_path: a mount point below the jail's path must exist (lstat), so a
// `mount` entry whose directory only exists inside the container fails when jail(8)
// mounts it before the container (IP_MOUNT comes before IP__MOUNT_FROM_FSTAB).
#[test]
fn a_mount_entry_below_the_path_comes_before_mount_fstab() {
    let h = Host::new();
    std::fs::create_dir_all(h.path("jails/www")).unwrap();
    std::fs::create_dir_all(h.path("src")).unwrap();
    let f = container(&h, "www.ufs", 8 << 20);
    h.make_root("tree");
    h.make_container(&f, 8 << 20, Some(&h.path("tree")));
    ok(&h.run("mdconfig", &["-a", "-f", &f.display().to_string(), "-u", "4"]));
    h.write(
        "etc/www.fstab",
        &format!("/dev/md4 {} ufs rw 0 0\n", h.p("jails/www").replace(' ', "\\040")),
    );
    let c = conf(
        &h,
        &format!(
            "\tmount.fstab = {};\n\tmount += {};\n",
            jq(&h.p("etc/www.fstab")),
            jq(&format!(
                "{} {} nullfs ro",
                h.p("src").replace(' ', "\\040"),
                h.p("jails/www/usr").replace(' ', "\\040")
            ))
        ),
    );
    let r = h.start(&c, "www");
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("No such file or directory"), "{}", r.stderr);
    assert!(h.state().mounts.is_empty());
}

#[test]
fn exec_strings_with_special_characters_go_through_sh() {
    let h = Host::new();
    h.make_root("jails/www");
    let out = h.p("out");
    let c = conf(
        &h,
        &format!(
            "\texec.prepare = {};\n",
            jq(&format!("echo \"$((1+2))\" > {}", common::fakebsd::sq(&out)))
        ),
    );
    ok(&h.start(&c, "www"));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "3\n");
}

// rc.d/jail jail_start: a jail that fails to start is reported, and the script still
// exits 0.
#[test]
fn service_jail_start_exits_0_when_the_jail_fails() {
    let h = Host::new();
    let c = conf(&h, "\texec.prepare = \"false\";\n");
    let rc = h.write(
        "etc/rc.conf",
        &format!(
            "jail_enable=YES\njail_conf={}\n",
            common::fakebsd::sq(&c.display().to_string())
        ),
    );
    h.update(|st| st.rc_conf = vec![rc.display().to_string()]);
    h.make_root("jails/www");
    let r = h.run("service", &["jail", "start", "www"]);
    ok(&r);
    assert!(r.stdout.contains("cannot start jail"), "{}", r.stdout);
    assert!(!h.running("www"));
}

#[test]
fn faults_fail_once_or_kill_the_run() {
    let h = Host::new();
    let f = container(&h, "c.ufs", 1 << 20);
    let fs = f.display().to_string();
    h.fail("mdconfig", &["-a"]);
    assert_eq!(h.run("mdconfig", &["-a", "-f", &fs, "-u", "1"]).code, 1);
    ok(&h.run("mdconfig", &["-a", "-f", &fs, "-u", "1"]));
    h.fault("newfs", &[], 0, Action::Kill, false);
    let r = h.run("sh", &["-c", "newfs /dev/md1; echo survived"]);
    assert_eq!(r.code, -1, "killed by a signal");
    assert!(!r.stdout.contains("survived"));
    assert!(h.ufs(&f).is_none(), "newfs never ran");
}

#[test]
fn tar_and_mtree_cross_mount_points_unless_told_not_to() {
    let h = Host::new();
    let root = h.make_root("jails/www");
    std::fs::create_dir_all(h.path("src")).unwrap();
    std::fs::write(h.path("src/foreign"), "not the jail's").unwrap();
    let r = root.display().to_string();
    ok(&h.run("mount", &["-t", "nullfs", &h.p("src"), &format!("{r}/usr")]));
    let list = |extra: &str| {
        let out = h.run(
            "sh",
            &[
                "-c",
                &format!("tar -C {} -cf - {extra} . | tar -tf -", common::fakebsd::sq(&r)),
            ],
        );
        ok(&out);
        out.stdout
    };
    assert!(list("").contains("./usr/foreign"));
    let one = list("--one-file-system");
    assert!(!one.contains("./usr/foreign"), "{one}");
    assert!(one.contains("./usr/"), "the mount point itself is kept: {one}");
    let spec = h.run("mtree", &["-c", "-k", "size", "-p", &r]);
    assert!(spec.stdout.contains("./usr/foreign"));
    let spec = h.run("mtree", &["-x", "-c", "-k", "size", "-p", &r]);
    assert!(!spec.stdout.contains("./usr/foreign"));
}

// usr.sbin/bsdconfig/share/sysrc.subr f_sysrc_set_awk / f_sysrc_delete_awk.
#[test]
fn sysrc_edits_the_last_assignment_in_place() {
    let h = Host::new();
    let rc = h.write("etc/rc.conf", "a=\"1\"\na='2' # two\nexport b=3\n  c=x y\nd=$a\n");
    let f = rc.display().to_string();
    ok(&h.run("sysrc", &["-f", &f, "a=9", "c=8", "d=7", "e=6"]));
    assert_eq!(
        h.read("etc/rc.conf"),
        "a=\"1\"\na='9' # two\nexport b=3\n  c=\"8\" y\nd=$a\nd=\"7\"\ne=\"6\"\n"
    );
    ok(&h.run("sysrc", &["-f", &f, "-x", "a", "b"]));
    assert_eq!(
        h.read("etc/rc.conf"),
        "export b=3\n  c=\"8\" y\nd=$a\nd=\"7\"\ne=\"6\"\n"
    );
}
