//! A jail's whole life on the FreeBSD model, per style: `generate`, `create`, then
//! jail(8) starts, stops and starts it again, as the README's provisioning recipe does.
//! What is checked is the host's state after each step: which unit holds which file,
//! what is mounted where, and what the jail's root shows.

mod common;

use std::path::{Path, PathBuf};

use common::Run;
use common::fakebsd::{Host, jq, skip_dash, sq};

fn ok(r: &Run) {
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

struct Site {
    h: Host,
    conf: PathBuf,
    fstab_dir: String,
    helper: String,
}

/// A host with one jail `www` of 64 MiB at `jails/www`, its tree ready in `tree/`.
fn site(h: Host, extra: &str) -> Site {
    h.make_root("tree");
    std::fs::create_dir_all(h.path("jails/www")).unwrap();
    let conf = h.write(
        "etc/jail.conf",
        &format!(
            "www {{\n\tpath = {};\n\thost.hostname = www.example.org;\n\tmount.devfs;\n\t$volume_size = 64M;\n{extra}}}\n",
            jq(&h.p("jails/www"))
        ),
    );
    let fstab_dir = h.p("etc/jailvol");
    let helper = h.p("usr/local/libexec/jailvol-md");
    Site {
        h,
        conf,
        fstab_dir,
        helper,
    }
}

impl Site {
    fn jailvol(&self, args: &[&str]) -> Run {
        let mut a = vec!["-f", self.conf.to_str().unwrap()];
        a.extend_from_slice(args);
        self.h.jailvol(&a)
    }
    fn generate(&self, style: &[&str]) {
        let mut a = vec![
            "generate",
            "--fstab-dir",
            &self.fstab_dir,
            "--helper",
            &self.helper,
        ];
        a.extend_from_slice(style);
        ok(&self.jailvol(&a));
    }
    fn create(&self) {
        ok(&self.jailvol(&["create", "--from", &self.h.p("tree"), "www"]));
    }
    fn root(&self) -> PathBuf {
        self.h.path("jails/www")
    }
    fn container(&self) -> PathBuf {
        self.h.path("jails/www.ufs")
    }
}

#[test]
fn hooks_style_create_start_stop_start() {
    if skip_dash() {
        return;
    }
    let s = site(Host::new(), "");
    s.generate(&[]);
    s.create();
    let c = s.container();
    assert!(
        s.h.units_of(&c).is_empty() && s.h.state().mounts.is_empty(),
        "create leaves nothing attached"
    );
    assert!(s.h.ufs(&c).unwrap().clean);
    for round in 0..2 {
        ok(&s.h.start(&s.conf, "www"));
        assert!(s.h.running("www"), "round {round}");
        let root = s.h.mounted_at(&s.root()).expect("the root is mounted");
        assert_eq!(root.device, "/dev/md100");
        assert_eq!(s.h.units_of(&c), vec![100]);
        assert!(s.root().join("etc/rc.conf").is_file(), "the jail sees its tree");
        let dev = s.h.mounted_at(&s.root().join("dev")).expect("devfs");
        assert_eq!(dev.fstype, "devfs", "devfs on top of the container, not under it");
        std::fs::write(s.root().join(format!("tmp/written-{round}")), "x").unwrap();
        ok(&s.h.stop(&s.conf, "www"));
        assert!(s.h.state().mounts.is_empty(), "{:?}", s.h.state().mounts);
        assert!(s.h.units_of(&c).is_empty(), "exec.release detached the unit");
        assert!(s.h.ufs(&c).unwrap().clean);
    }
    let files = s.h.files_in(&c);
    assert!(
        files.contains(&PathBuf::from("tmp/written-0")) && files.contains(&PathBuf::from("tmp/written-1"))
    );
    assert!(
        !s.root().join("tmp").exists(),
        "nothing was written to the bare directory"
    );
}

// jail(8) runs no exec.release after a failed start (command.c next_command): the unit
// stays attached, and the next start must still work.
#[test]
fn hooks_style_start_after_a_failed_start() {
    if skip_dash() {
        return;
    }
    let s = site(Host::new(), "");
    s.generate(&[]);
    s.create();
    let c = s.container();
    s.h.fail("mount", &["devfs"]);
    let r = s.h.start(&s.conf, "www");
    assert_eq!(r.code, 1);
    assert!(!s.h.running("www"));
    assert!(s.h.state().mounts.is_empty(), "jail(8) unmounted the root again");
    assert_eq!(s.h.units_of(&c), vec![100], "and left the unit attached");
    ok(&s.h.start(&s.conf, "www"));
    assert_eq!(s.h.units_of(&c), vec![100]);
    ok(&s.h.stop(&s.conf, "www"));
    assert!(s.h.units_of(&c).is_empty());
}

// After a power loss the container is not clean: exec.prepare's fsck -p repairs it before
// jail(8) mounts it.
#[test]
fn hooks_style_start_after_a_power_loss() {
    if skip_dash() {
        return;
    }
    let s = site(Host::new(), "");
    s.generate(&[]);
    s.create();
    ok(&s.h.start(&s.conf, "www"));
    std::fs::write(s.root().join("tmp/before-crash"), "x").unwrap();
    s.h.power_loss();
    let c = s.container();
    assert!(!s.h.ufs(&c).unwrap().clean);
    ok(&s.h.start(&s.conf, "www"));
    assert!(s.root().join("tmp/before-crash").exists());
    assert!(s.h.log().iter().any(|l| l == "fsck -t ufs -p /dev/md100"));
}

// A container reached through a symlinked directory (issue 17, point 6): exec.release
// must detach it, or the next start fails.
#[test]
fn hooks_style_container_through_a_symlink() {
    if skip_dash() {
        return;
    }
    let h = Host::new();
    std::fs::create_dir_all(h.path("usr/img")).unwrap();
    std::os::unix::fs::symlink(h.path("usr/img"), h.path("img")).unwrap();
    let file = h.p("img/www.ufs");
    let s = site(h, &format!("\t$volume_file = {};\n", jq(&file)));
    s.generate(&[]);
    s.create();
    for _ in 0..2 {
        ok(&s.h.start(&s.conf, "www"));
        ok(&s.h.stop(&s.conf, "www"));
        assert!(s.h.state().units.is_empty(), "{:?}", s.h.state().units);
    }
}

// FreeBSD 9.x-12.1: no exec.prepare; the fstab line's mountprog= helper attaches, checks
// and mounts, and the unit stays attached after the stop (docs/freebsd.md).
#[test]
fn mountprog_style_create_start_stop_start() {
    if skip_dash() {
        return;
    }
    let s = site(Host::plain(), "");
    s.generate(&["--style", "mountprog"]);
    s.create();
    let c = s.container();
    for _ in 0..2 {
        ok(&s.h.start(&s.conf, "www"));
        assert_eq!(s.h.mounted_at(&s.root()).unwrap().device, "/dev/md100");
        assert!(s.root().join("etc/rc.conf").is_file());
        ok(&s.h.stop(&s.conf, "www"));
        assert!(s.h.state().mounts.is_empty());
        assert_eq!(s.h.units_of(&c), vec![100], "this style never detaches");
    }
}

// rc.conf host, FreeBSD 10+: rc.d/jail converts the legacy variables at every start and
// jail(8) mounts the jail's fstab, whose first line jailvol wrote.
#[test]
fn rcconf_host_mountprog_via_service_jail() {
    if skip_dash() {
        return;
    }
    let h = Host::plain();
    h.make_root("tree");
    std::fs::create_dir_all(h.path("jails/www")).unwrap();
    let fstab = h.write("etc/fstab.www", "");
    let rc = h.write(
        "etc/rc.conf",
        &format!(
            "jail_enable=YES\njail_list=www\njail_conf={}\njail_www_rootdir={}\njail_www_hostname=www.example.org\n\
             jail_www_devfs_enable=YES\njail_www_fstab={}\njail_www_volume_size=64M\n",
            sq(&h.p("etc/jail.conf")),
            sq(&h.p("jails/www")),
            sq(&s(&fstab)),
        ),
    );
    h.update(|st| st.rc_conf = vec![s(&rc)]);
    let rcs = s(&rc);
    let fd = h.p("etc/jailvol");
    let helper = h.p("usr/local/libexec/jailvol-md");
    ok(&h.jailvol(&["-f", &rcs, "generate", "--fstab-dir", &fd, "--helper", &helper]));
    assert!(
        h.read("etc/fstab.www").contains("mountprog="),
        "{}",
        h.read("etc/fstab.www")
    );
    // create reads jail.conf: convert the jail for it, as the README's recipe does.
    let conv = h.jailvol(&["-f", &rcs, "convert", "www"]);
    ok(&conv);
    let conf = h.write("tmp/www.conf", &conv.stdout);
    ok(&h.jailvol(&["-f", &s(&conf), "create", "--from", &h.p("tree"), "www"]));
    let c = h.path("jails/www.ufs");
    for _ in 0..2 {
        let r = h.run("service", &["jail", "start", "www"]);
        ok(&r);
        assert!(h.running("www"), "{}", r.stdout);
        assert_eq!(h.mounted_at(&h.path("jails/www")).unwrap().device, "/dev/md100");
        ok(&h.run("service", &["jail", "stop", "www"]));
        assert!(!h.running("www"));
        assert!(h.state().mounts.is_empty(), "{:?}", h.state().mounts);
        assert_eq!(h.units_of(&c), vec![100]);
    }
}

// jail(8) mounts the `mount` parameter's entries before the mount.fstab files (jail.c
// startcommands: IP_MOUNT, then IP__MOUNT_FROM_FSTAB). generate moves an entry below the
// jail's path into its fstab, after the container (issue 17, point 5): the nullfs lands
// on top of the container, where the jail sees it, and unmounts before it.
#[test]
fn a_mount_entry_below_the_path_lands_on_the_container() {
    if skip_dash() {
        return;
    }
    // The usual spelling, `$path` in the entry: a host whose paths have no blanks
    // (jail(8) would split the expanded value on them).
    let h = Host::plain();
    std::fs::create_dir_all(h.path("usr/ports")).unwrap();
    std::fs::write(h.path("usr/ports/Makefile"), "ports").unwrap();
    let entry = format!("{} $path/usr/ports nullfs ro 0 0", h.p("usr/ports"));
    let s = site(h, &format!("\tmount += \"{entry}\";\n"));
    std::fs::create_dir_all(s.h.path("tree/usr/ports")).unwrap();
    s.generate(&[]);
    s.create();
    ok(&s.h.start(&s.conf, "www"));
    let m =
        s.h.mounted_at(&s.root().join("usr/ports"))
            .expect("the nullfs is mounted");
    assert_eq!(m.fstype, "nullfs");
    assert_eq!(s.h.mounted_at(&s.root()).unwrap().device, "/dev/md100");
    assert!(
        s.root().join("usr/ports/Makefile").is_file(),
        "visible inside the jail"
    );
    ok(&s.h.stop(&s.conf, "www"));
    assert!(s.h.state().mounts.is_empty());
    ok(&s.h.start(&s.conf, "www"));
}
