//! An ezjail host end to end on the FreeBSD model (issue 19, Acceptance): a directory
//! jail `dir`, a `simple` image jail `simple` and an `eli` image jail `secret`, started by
//! the model's `service ezjail` (tests/common/fakebsd/model/ezjail.rs, ezjail.sh's
//! rules); `show`, `convert` and `generate` on that host; `migrate NAME` run for real
//! for each kind; a failure at each step of a migration rolled back.
//!
//! jailvol reads an ezjail host below `--root` (ezjail's directory is
//! `/usr/local/etc/ezjail` of that tree), while the model's jail(8) and the migrate
//! script run on the paths the files name. So that both hold, the host's paths are this
//! machine's: every file names `R/...` (R the model host's directory, no blank in it:
//! rc.d/jail cannot read an fstab path with one), and `R/R` is a link to `R`, so
//! `--root R` finds `R/...` where the model does. ezjail-admin names no fstab in its
//! per-jail files (rc.d/jail defaults to `/etc/fstab.NAME`, which here would be this
//! machine's): the files name `R/etc/fstab.NAME` with `jail_NAME_fstab`.

mod common;
#[path = "migrate_host/mod.rs"]
mod mhost;

use std::path::{Path, PathBuf};

use common::Run;
use common::fakebsd::{Host, Kind, skip_dash};
use mhost::{Mig, ok, snapshot};

/// The images' size: the smallest container jailvol accepts (JV022).
const SIZE: u64 = 32 << 20;

const JAILS: [&str; 3] = ["dir", "simple", "secret"];

struct Ez {
    h: Host,
    /// The model host's directory; every path below is under it.
    r: String,
    /// Interposed commands, first on the migrate script's PATH.
    wrap: PathBuf,
}

impl Ez {
    fn p(&self, rel: &str) -> String {
        format!("{}/{}", self.r, rel.trim_start_matches('/'))
    }

    fn ezdir(&self) -> PathBuf {
        PathBuf::from(self.p("usr/local/etc/ezjail"))
    }

    fn root(&self, j: &str) -> PathBuf {
        PathBuf::from(self.p(&format!("usr/jails/{j}")))
    }

    fn image(&self, j: &str) -> PathBuf {
        PathBuf::from(self.p(&format!("usr/jails/{j}.img")))
    }

    /// `jailvol --root R ARGS`.
    fn jv(&self, args: &[&str]) -> Run {
        let mut a = vec!["--root", self.r.as_str()];
        a.extend(args);
        self.h.jailvol(&a)
    }

    fn service(&self, script: &str, args: &[&str]) -> Run {
        let mut a = vec![script];
        a.extend(args);
        let r = self.h.run("service", &a);
        ok(&r);
        r
    }

    /// The migrate script for `j`, printed as an admin would, kept outside the host tree.
    fn print(&self, j: &str) -> PathBuf {
        let state = self.p(&format!("var/db/jailvol/migrate.{j}"));
        let (fstab, helper) = (self.p("etc/jailvol"), self.p("usr/local/libexec/jailvol-md"));
        let r = self.jv(&[
            "migrate",
            j,
            "--stop",
            "--state-dir",
            &state,
            "--fstab-dir",
            &fstab,
            "--helper",
            &helper,
        ]);
        ok(&r);
        // Each warning once (an image jail's "ezjail attaches it too" was printed twice).
        let mut seen = std::collections::HashSet::new();
        for w in r.stderr.lines().filter(|l| l.contains("warning")) {
            assert!(seen.insert(w), "{j}: twice: {w}\n{}", r.stderr);
        }
        let script = self.wrap.parent().unwrap().join(format!("migrate.{j}.sh"));
        std::fs::write(&script, r.stdout).unwrap();
        script
    }

    /// Run a kept script under dash on the model, interposed commands first.
    fn run(&self, script: &Path) -> Run {
        let mut c = std::process::Command::new("dash");
        self.h.env(&mut c).arg(script);
        c.env(
            "PATH",
            format!(
                "{}:{}:{}",
                self.wrap.display(),
                self.h.bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        );
        common::run(c)
    }

    /// What of the model's state a migration must leave as it found it after a
    /// rollback: running jails (name, path), mounts (device, point, type), md units
    /// (file), geli providers — not jail ids, mount ids or unit numbers.
    fn model(&self) -> Vec<String> {
        let st = self.h.state();
        let mut out: Vec<String> = st
            .jails
            .iter()
            .map(|j| format!("jail {} {}", j.name, j.path))
            .collect();
        let dev = |d: &str| match st.device(d) {
            Some((n, eli)) => format!("md({}){}", st.units[&n].file, if eli { ".eli" } else { "" }),
            None => d.to_owned(),
        };
        out.extend(
            st.mounts
                .iter()
                .map(|m| format!("mount {} {} {}", dev(&m.device), m.point, m.fstype)),
        );
        out.extend(st.units.values().map(|u| format!("unit {}", u.file)));
        out.extend(st.eli.iter().map(|n| format!("eli {}", st.units[n].file)));
        out.sort();
        out
    }

    /// The host tree, byte for byte, without the state directories and the `R/R` link.
    fn snap(&self) -> Vec<String> {
        let top = self.r.trim_start_matches('/').split('/').next().unwrap_or("");
        snapshot(&self.h.root, &["var", top])
    }

    /// What is mounted at `j`'s root.
    fn root_mount(&self, j: &str) -> Option<common::fakebsd::Mount> {
        self.h.mounted_at(&self.root(j))
    }

    /// `j` runs with its image's UFS at its root (through geli for `secret`), and the
    /// basejail nullfs-mounted below it.
    fn runs_on_image(&self, j: &str) {
        assert!(self.h.running(j), "{j} is not running: {:?}", self.h.log());
        let m = self
            .root_mount(j)
            .unwrap_or_else(|| panic!("nothing at {j}'s root"));
        let img = std::fs::canonicalize(self.image(j))
            .unwrap()
            .display()
            .to_string();
        assert_eq!(m.kind, Kind::Ufs { file: img }, "{j}");
        assert_eq!(m.device.ends_with(".eli"), j == "secret", "{j}: {}", m.device);
        self.basejail_works(j);
    }

    /// The basejail's file is seen below the jail's root.
    fn basejail_works(&self, j: &str) {
        let tool = self.root(j).join("basejail/bin/tool");
        assert_eq!(
            std::fs::read_to_string(&tool).unwrap_or_else(|e| panic!("{j}: {}: {e}", tool.display())),
            "basejail tool\n"
        );
    }
}

/// The model host. Its rc.conf has `ezjail_enable=YES` and `jail_enable=NO` (rc.d/jail
/// starts nothing of its own: ezjail runs it with `onestart`); jail.conf does not exist.
fn host() -> Ez {
    let h = Host::plain();
    let r = h.root.display().to_string();
    // R/R -> R: `--root R` sees R's paths where they are.
    let parent = h.path(Path::new(&r).parent().unwrap().to_str().unwrap());
    std::fs::create_dir_all(&parent).unwrap();
    std::os::unix::fs::symlink(&h.root, h.path(&r)).unwrap();
    let wrap = h.root.parent().unwrap().join("wrap");
    std::fs::create_dir_all(&wrap).unwrap();
    let ez = Ez { h, r, wrap };
    let rc = ez.h.write(
        "etc/rc.conf",
        &format!(
            "hostname=\"host.example.org\"\nezjail_enable=\"YES\"\njail_enable=\"NO\"\njail_conf=\"{}\"\n\
             # The admin's size for dir's container.\njail_dir_volume_size=\"32M\"\n",
            ez.p("etc/jail.conf")
        ),
    );
    let rcs = rc.display().to_string();
    let prefix = ez.p("usr/local");
    ez.h.update(|st| {
        st.rc_conf = vec![rcs];
        st.ezjail_prefix = Some(prefix);
    });
    let base = ez.h.path("usr/jails/basejail/bin");
    std::fs::create_dir_all(&base).unwrap();
    std::fs::write(base.join("tool"), "basejail tool\n").unwrap();
    ez.h.write("root/secret.key", "the key of secret\n");
    for (i, j) in JAILS.iter().enumerate() {
        jail(&ez, j, i + 2);
    }
    ez
}

/// A jail as `ezjail-admin create` leaves it (ezjail-admin:541-655, `writejailinfo`):
/// its root (an image's root is the empty mount point), its fstab, its per-jail file.
fn jail(ez: &Ez, j: &str, ip: usize) {
    let tree = ez.h.root.parent().unwrap().join(format!("tree.{j}"));
    for d in ["etc", "dev", "basejail", "var/log"] {
        std::fs::create_dir_all(tree.join(d)).unwrap();
    }
    std::fs::write(tree.join("etc/rc.conf"), format!("hostname=\"{j}\"\n")).unwrap();
    std::fs::write(tree.join("var/log/a log"), format!("{j}'s data\n")).unwrap();
    let root = ez.root(j);
    let (img, kind, params) = match j {
        "dir" => {
            mhost_copy(&tree, &root);
            (String::new(), "", String::new())
        }
        _ => {
            std::fs::create_dir_all(&root).unwrap();
            let eli = j == "secret";
            image(ez, &ez.image(j), &tree, eli);
            let params = if eli {
                format!("-p -k '{}' ", ez.p("root/secret.key"))
            } else {
                String::new()
            };
            (
                ez.image(j).display().to_string(),
                if eli { "eli" } else { "simple" },
                params,
            )
        }
    };
    let r = root.display().to_string();
    let mut fstab = String::new();
    if !img.is_empty() {
        fstab.push_str(&format!("{r}.device {r} ufs rw 0 0\n"));
    }
    fstab.push_str(&format!(
        "{} {r}/basejail nullfs ro 0 0\n",
        ez.p("usr/jails/basejail")
    ));
    ez.h.write(&format!("etc/fstab.{j}"), &fstab);
    ez.h.write(
        &format!("usr/local/etc/ezjail/{j}"),
        &format!(
            "# To specify the start up order of your ezjails, use these lines to\n\
             # create a Jail dependency tree. See rcorder(8) for more details.\n\
             #\n# PROVIDE: standard_ezjail\n# REQUIRE: \n# BEFORE: \n#\n\n\
             export jail_{j}_hostname=\"{j}.example.org\"\n\
             export jail_{j}_ip=\"192.0.2.{ip}\"\n\
             export jail_{j}_rootdir=\"{r}\"\n\
             export jail_{j}_exec_start=\"/bin/sh /etc/rc\"\n\
             export jail_{j}_exec_stop=\"\"\n\
             export jail_{j}_mount_enable=\"NO\"\n\
             export jail_{j}_fstab=\"{}\"\n\
             export jail_{j}_devfs_enable=\"YES\"\n\
             export jail_{j}_devfs_ruleset=\"devfsrules_jail\"\n\
             export jail_{j}_procfs_enable=\"NO\"\n\
             export jail_{j}_fdescfs_enable=\"NO\"\n\
             export jail_{j}_image=\"{img}\"\n\
             export jail_{j}_imagetype=\"{kind}\"\n\
             export jail_{j}_attachparams=\"{params}\"\n\
             export jail_{j}_attachblocking=\"\"\n\
             export jail_{j}_forceblocking=\"\"\n\
             export jail_{j}_zfs_datasets=\"\"\n\
             export jail_{j}_cpuset=\"\"\n\
             export jail_{j}_fib=\"\"\n\
             export jail_{j}_parentzfs=\"\"\n\
             export jail_{j}_parameters=\"\"\n\
             export jail_{j}_post_start_script=\"\"\n\
             export jail_{j}_retention_policy=\"\"\n",
            ez.p(&format!("etc/fstab.{j}"))
        ),
    );
}

fn mhost_copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    let st = std::process::Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", from.display()))
        .arg(to)
        .status()
        .unwrap();
    assert!(st.success());
}

/// An image as `ezjail-admin create -i` makes it (ezjail-admin:541-608): the file, md,
/// for `eli` `geli init -P -K KEY` and `geli attach -p -k KEY`, `newfs` on the device,
/// the jail's files, and everything detached again.
fn image(ez: &Ez, file: &Path, tree: &Path, eli: bool) {
    let h = &ez.h;
    std::fs::File::create(file).unwrap().set_len(SIZE).unwrap();
    let f = file.display().to_string();
    let n = h.run("mdconfig", &["-a", "-t", "vnode", "-f", &f, "-n"]);
    ok(&n);
    let n = n.stdout.trim().to_owned();
    let mut dev = format!("/dev/md{n}");
    let key = ez.p("root/secret.key");
    if eli {
        ok(&h.run("geli", &["init", "-B", "none", "-P", "-K", &key, &dev]));
        ok(&h.run("geli", &["attach", "-p", "-k", &key, &dev]));
        dev.push_str(".eli");
    }
    ok(&h.run("newfs", &["-U", &dev]));
    let mnt = h.root.parent().unwrap().join("mnt");
    std::fs::create_dir_all(&mnt).unwrap();
    let m = mnt.display().to_string();
    ok(&h.run("mount", &["-t", "ufs", &dev, &m]));
    mhost_copy(tree, &mnt);
    ok(&h.run("umount", &[&m]));
    if eli {
        ok(&h.run("geli", &["detach", &dev]));
    }
    ok(&h.run("mdconfig", &["-d", "-u", &n]));
}

/// `service ezjail start` starts the three jails the way ezjail.sh does: the directory
/// jail on its directory, each image attached (md, geli for eli), fsck'd, linked as
/// `ROOTDIR.device` and mounted by rc.d/jail from the jail's fstab; `stop` undoes it.
#[test]
fn service_ezjail_starts_and_stops_the_three_kinds() {
    let ez = host();
    let r = ez.service("ezjail", &["start"]);
    for j in JAILS {
        assert!(ez.h.running(j), "{j}: {}{}", r.stdout, r.stderr);
    }
    assert!(ez.root_mount("dir").is_none_or(|m| m.fstype != "ufs"));
    ez.basejail_works("dir");
    ez.runs_on_image("simple");
    ez.runs_on_image("secret");
    let link = std::fs::read_link(format!("{}.device", ez.root("secret").display())).unwrap();
    assert!(link.display().to_string().ends_with(".eli"), "{}", link.display());
    let log = ez.h.log().join("\n");
    assert!(
        log.contains(&format!("geli attach -p -k {} /dev/md", ez.p("root/secret.key"))),
        "{log}"
    );
    assert!(log.contains("fsck -t ufs -p -B /dev/md"), "{log}");

    ez.service("ezjail", &["stop"]);
    assert_eq!(ez.model(), Vec::<String>::new(), "everything released");
    for j in ["simple", "secret"] {
        assert!(!Path::new(&format!("{}.device", ez.root(j).display())).exists());
    }

    // Named: only that jail; a NAME.norun one is skipped; without ezjail_enable only
    // onestart starts.
    ez.service("ezjail", &["start", "simple"]);
    assert_eq!(ez.h.state().jails.len(), 1);
    ez.service("ezjail", &["stop", "simple"]);
    std::fs::rename(ez.ezdir().join("dir"), ez.ezdir().join("dir.norun")).unwrap();
    let r = ez.service("ezjail", &["start", "dir"]);
    assert!(r.stdout.contains(" skipping dir"), "{}", r.stdout);
    ez.service("ezjail", &["start"]);
    assert!(!ez.h.running("dir") && ez.h.running("simple") && ez.h.running("secret"));
    ez.service("ezjail", &["stop"]);
    assert_eq!(ez.model(), Vec::<String>::new());
    let rc =
        ez.h.read("etc/rc.conf")
            .replace("ezjail_enable=\"YES\"", "ezjail_enable=\"NO\"");
    ez.h.write("etc/rc.conf", &rc);
    let r = ez.service("ezjail", &["start"]);
    assert!(r.stdout.contains("Set ezjail_enable to YES"), "{}", r.stdout);
    assert!(ez.h.state().jails.is_empty());
    ez.service("ezjail", &["onestart", "simple"]);
    ez.runs_on_image("simple");
}

/// An image that is attached already (its `ROOTDIR.device` link and mount there) is
/// not attached a second time: ezjail skips the jail (ezjail.sh:138-143); an eli image
/// whose attach fails is detached again (:168-171).
#[test]
fn service_ezjail_never_attaches_an_image_twice() {
    let ez = host();
    ez.service("ezjail", &["start", "simple"]);
    ok(&ez.h.run("jail", &["-R", "simple"]));
    let r = ez.service("ezjail", &["start", "simple"]);
    assert!(r.stdout.contains("already attached"), "{}", r.stdout);
    let img = std::fs::canonicalize(ez.image("simple")).unwrap();
    assert_eq!(ez.h.units_of(&img).len(), 1);

    ez.h.fail("geli", &["attach"]);
    let r = ez.service("ezjail", &["start", "secret"]);
    assert!(
        r.stdout.contains("Error: Attaching eli device failed."),
        "{}",
        r.stdout
    );
    assert!(!ez.h.running("secret"));
    assert!(ez.h.units_of(&ez.image("secret")).is_empty());
}

/// `show`, `convert` and `generate` on the running host see the three jails in
/// ezjail's order: the directory jail as it is, `simple` adopting its image in place,
/// `secret` a geli container with the keyfile of its attach parameters.
#[test]
fn show_convert_generate_on_the_ezjail_host() {
    let ez = host();
    ez.service("ezjail", &["start"]);
    let show = ez.jv(&["show"]);
    ok(&show);
    let convert = ez.jv(&["convert"]);
    ok(&convert);
    for out in [&show.stdout, &convert.stdout] {
        // ezjail's order (rcorder over the files; here all three PROVIDE the same).
        let at = |j: &str| {
            let text = format!("\n{out}");
            text.find(&format!("\n{j} {{\n"))
                .unwrap_or_else(|| panic!("{j}: {out}"))
        };
        assert!(at("simple") < at("secret") && at("secret") < at("dir"), "{out}");
        let block = |j: &str| &out[at(j)..out[at(j)..].find("\n}\n").unwrap() + at(j)];
        assert!(
            block("simple").contains(&format!(
                "$volume_file = {};\n\t$volume_size = 32M;",
                ez.p("usr/jails/simple.img")
            )),
            "{out}"
        );
        for j in ["simple", "secret"] {
            assert!(
                block(j).contains(&format!(
                    "mount {}\"{} {}/basejail nullfs ro 0 0\";",
                    if out == &show.stdout { "= " } else { "+= " },
                    ez.p("usr/jails/basejail"),
                    ez.root(j).display()
                )),
                "{}",
                block(j)
            );
            assert!(
                !block(j).contains("mount.fstab") && !block(j).contains(".device"),
                "{}",
                block(j)
            );
        }
        assert!(
            block("secret").contains(&format!(
                "$volume_encrypt = geli;\n\t$volume_keyfile = {};",
                ez.p("root/secret.key")
            )),
            "{out}"
        );
        assert!(
            block("dir").contains(&format!("mount.fstab = {};", ez.p("etc/fstab.dir"))),
            "{out}"
        );
        assert!(!block("dir").contains("$volume_file"), "{out}");
    }
    assert!(
        convert.stdout.starts_with(
            "# Generated by jailvol convert from the legacy jail_* variables of /etc/rc.conf, \
             /usr/local/etc/ezjail/dir, /usr/local/etc/ezjail/secret, /usr/local/etc/ezjail/simple.\n"
        ),
        "{}",
        convert.stdout
    );
    // generate leaves the image jails to ezjail while it attaches them (JV022) and
    // writes nothing; the directory jail alone would get its container.
    let g = ez.jv(&["generate", "--dry-run", "--fstab-dir", &ez.p("etc/jailvol")]);
    assert_eq!(g.code, 65, "{}{}", g.stdout, g.stderr);
    for j in ["simple", "secret"] {
        assert!(
            g.stderr.contains(&format!(
                "/usr/local/etc/ezjail/{j}:20:8: error[JV022]: {j}: ezjail attaches this image itself"
            )),
            "{}",
            g.stderr
        );
    }
    assert!(!g.stderr.contains("error[JV022]: dir:"), "{}", g.stderr);
}

/// `jailvol migrate NAME` for each kind, run for real, one after the other on one host
/// (after the first the host has a jail.conf: the next ones are migrated from the
/// rc.conf beside it): the jail runs from jail.conf on its container (an image adopted
/// as it is, its files untouched), ezjail's file is `.NAME.norun`, the other jails keep
/// running, and `ezjail_enable` stays. After each, the host is stopped and started
/// again by its two rc scripts ([`restart`]).
#[test]
fn migrate_each_kind_for_real() {
    if skip_dash() {
        return;
    }
    let ez = host();
    ez.service("ezjail", &["start"]);
    let images: Vec<(&str, Vec<(PathBuf, String)>)> = ["simple", "secret"]
        .iter()
        .map(|j| (*j, files_of(&ez, j)))
        .collect();
    let mut moved: Vec<&str> = Vec::new();
    for j in ["dir", "simple", "secret"] {
        let script = ez.print(j);
        let r = ez.run(&script);
        ok(&r);
        moved.push(j);
        assert!(!ez.ezdir().join(j).exists(), "{j}: ezjail's file is still there");
        assert!(ez.ezdir().join(format!(".{j}.norun")).is_file(), "{j}");
        runs_on_container(&ez, j);
        for k in JAILS {
            assert!(ez.h.running(k), "after {j}: {k} is not running");
        }
        restart(&ez, &moved);
    }
    assert!(ez.h.read("etc/rc.conf").contains("ezjail_enable=\"YES\""));
    for (j, files) in images {
        assert_eq!(files_of(&ez, j), files, "{j}'s image changed");
    }
    let conf = ez.h.read("etc/jail.conf");
    for j in JAILS {
        assert_eq!(conf.matches(&format!("\n{j} {{\n")).count(), 1, "{conf}");
    }
}

/// `j` runs from jail.conf on its container: its image for an image jail, a new
/// container for the directory jail; the basejail is mounted below it.
fn runs_on_container(ez: &Ez, j: &str) {
    if j == "dir" {
        assert!(ez.h.running(j));
        let m = ez
            .root_mount(j)
            .unwrap_or_else(|| panic!("nothing at dir's root"));
        let file = std::fs::canonicalize(ez.p("usr/jails/dir.ufs"))
            .unwrap()
            .display()
            .to_string();
        assert_eq!(m.kind, Kind::Ufs { file });
        assert_eq!(
            ez.h.read("usr/jails/dir/var/log/a log"),
            "dir's data\n",
            "the directory's files are in the container"
        );
        ez.basejail_works(j);
    } else {
        ez.runs_on_image(j);
    }
}

/// Stop the host and start it again as at boot: rc.d/jail stops the migrated jails,
/// ezjail the others, and nothing is left; then ezjail starts the others only (never
/// attaching a migrated jail's image) and rc.d/jail the migrated ones, from jail.conf.
fn restart(ez: &Ez, moved: &[&str]) {
    let mut args = vec!["stop"];
    args.extend(moved);
    ez.service("jail", &args);
    ez.service("ezjail", &["stop"]);
    assert_eq!(ez.model(), Vec::<String>::new(), "after {moved:?}: left over");
    let r = ez.service("ezjail", &["start"]);
    for j in JAILS {
        let migrated = moved.contains(&j);
        assert_eq!(ez.h.running(j), !migrated, "{j}: {}{}", r.stdout, r.stderr);
        if migrated && j != "dir" {
            assert!(
                ez.h.units_of(&ez.image(j)).is_empty(),
                "ezjail attached {j}'s image"
            );
        }
    }
    ez.service("jail", &["start"]);
    for j in JAILS {
        if moved.contains(&j) {
            runs_on_container(ez, j);
        } else {
            ez.runs_on_image(j);
        }
    }
}

/// The files of an image jail's image, with their content.
fn files_of(ez: &Ez, j: &str) -> Vec<(PathBuf, String)> {
    let st = ez.h.state();
    let real = std::fs::canonicalize(ez.image(j)).unwrap().display().to_string();
    let dir = match st
        .mounts
        .iter()
        .find(|m| m.kind == Kind::Ufs { file: real.clone() })
    {
        Some(m) => PathBuf::from(&m.point),
        None => common::fakebsd::State::ufs_dir(&ez.h.state_dir, st.filesystems[&real].id),
    };
    Mig::contents(&dir)
}

impl Ez {
    /// Interpose `name` on the script's PATH: `body` runs as sh first, then the real
    /// command (see `mhost::Mig::interpose`).
    fn interpose(&self, name: &str, body: &str) {
        let real = if self.h.bin.join(name).exists() {
            self.h.bin.join(name)
        } else {
            PathBuf::from(
                String::from_utf8(
                    std::process::Command::new("sh")
                        .args(["-c", &format!("command -v {name}")])
                        .output()
                        .unwrap()
                        .stdout,
                )
                .unwrap()
                .trim(),
            )
        };
        common::write_exec(
            &self.wrap.join(name),
            &format!(
                "#!/bin/sh\nJV_REAL='{}'\nJV_WRAP='{}'\n{body}\nexec \"$JV_REAL\" \"$@\"\n",
                real.display(),
                self.wrap.display()
            ),
        );
    }

    /// Make one step of the next migrate run fail (the names of `mhost::inject`).
    fn inject(&self, f: &str) {
        let fail = "echo \"$0: injected failure\" >&2; exit 1";
        match f {
            "stop" => self.h.fail("jail", &["-r"]),
            "cp" => self.interpose("cp", &format!("case \"$*\" in *\"/saved.\"*) {fail} ;; esac")),
            "dd" => self.interpose("dd", fail),
            "newfs" => self.h.fail("newfs", &[]),
            "tar-x" => self.h.fail("tar", &["-xpf"]),
            "mv-swap" => self.interpose("mv", &format!("case \"$*\" in *.pre-jailvol) {fail} ;; esac")),
            "mv-config" => self.interpose("mv", &mhost::second_config_mv_runs(&format!("{fail};"))),
            "sysrc" => self.h.fail("sysrc", &["jail_enable=YES"]),
            "start" => self.h.fail("jail", &["-c"]),
            other => panic!("no failure {other}"),
        }
    }
}

/// A failure at each step of `migrate NAME --stop` on the running host rolls back: the
/// host tree as it was (ezjail's file back from `.norun`, jail.conf and rc.conf as
/// before), the jail running under ezjail again with the model's jails, mounts, units
/// and geli providers as before (an image untouched); then the same script, run again
/// without the failure, migrates.
#[test]
fn a_failure_at_each_step_rolls_back() {
    if skip_dash() {
        return;
    }
    let common = ["stop", "cp", "mv-config", "sysrc", "start"];
    let cases: Vec<(&str, Vec<&str>)> = vec![
        (
            "dir",
            ["dd", "newfs", "tar-x", "mv-swap"]
                .into_iter()
                .chain(common)
                .collect(),
        ),
        ("simple", common.to_vec()),
        ("secret", common.to_vec()),
    ];
    for (j, failures) in cases {
        for f in failures {
            let ez = host();
            ez.service("ezjail", &["start"]);
            let script = ez.print(j);
            let (tree, model) = (ez.snap(), ez.model());
            let image = (j != "dir").then(|| files_of(&ez, j));
            ez.inject(f);
            let r = ez.run(&script);
            assert_eq!(r.code, 1, "{j} {f}: {}", r.stderr);
            assert!(
                r.stderr
                    .contains("rolled back: root and configuration are as before"),
                "{j} {f}: {}",
                r.stderr
            );
            // A failed stop: ezjail.sh's stop removed the image's `ROOTDIR.device`
            // link before rc.d/jail failed (:203), and its start of a running jail
            // does not make it again (:136). ezjail's, not the script's.
            let link = format!(
                "{}.device",
                ez.root(j).strip_prefix(&ez.h.root).unwrap().display()
            );
            let strip = |t: Vec<String>| -> Vec<String> {
                t.into_iter()
                    .filter(|l| !(f == "stop" && l.starts_with(&format!("{link} link"))))
                    .collect()
            };
            assert_eq!(strip(ez.snap()), strip(tree.clone()), "{j} {f}: host tree");
            assert!(ez.ezdir().join(j).is_file() && !ez.ezdir().join(format!(".{j}.norun")).exists());
            assert_eq!(ez.model(), model, "{j} {f}: the model's state");
            if let Some(files) = &image {
                assert_eq!(&files_of(&ez, j), files, "{j} {f}: the image");
            }
            for k in JAILS {
                assert!(ez.h.running(k), "{j} {f}: {k} is not running");
            }
            if f == "stop" && j != "dir" {
                continue; // ezjail cannot stop it again without its link
            }
            ez.h.clear_faults();
            for e in std::fs::read_dir(&ez.wrap).unwrap().flatten() {
                std::fs::remove_file(e.path()).unwrap();
            }
            ok(&ez.run(&script));
            runs_on_container(&ez, j);
        }
    }
}

/// After the migration ezjail knows the jail no more: `service ezjail stop` (which
/// stops a jail whose file is a plain `NAME.norun`: ezjail.sh:58-69) leaves the
/// migrated directory jail running on its container, and a named start does not find
/// it. With the file renamed to `dir.norun` by hand, the same stop takes the jail down
/// through rc.d/jail's legacy variables and leaves its container mounted: what migrate
/// avoids.
#[test]
fn ezjail_stops_no_migrated_jail() {
    if skip_dash() {
        return;
    }
    let ez = host();
    ez.service("ezjail", &["start"]);
    let s = ez.print("dir");
    ok(&ez.run(&s));
    let r = ez.service("ezjail", &["stop"]);
    assert!(!r.stdout.contains(" dir"), "{}", r.stdout);
    runs_on_container(&ez, "dir");
    let r = ez.service("ezjail", &["start", "dir"]);
    assert!(r.stdout.contains(" Warning: Jail dir not found."), "{}", r.stdout);
    ez.service("jail", &["stop", "dir"]);
    assert_eq!(ez.model(), Vec::<String>::new());

    ez.service("jail", &["start", "dir"]);
    std::fs::rename(ez.ezdir().join(".dir.norun"), ez.ezdir().join("dir.norun")).unwrap();
    ez.service("ezjail", &["stop"]);
    assert!(!ez.h.running("dir"));
    let left = ez.root_mount("dir").expect("the container is left mounted");
    assert_eq!(left.fstype, "ufs");
}

/// On the mixed host a first migration leaves, the next jail is read from the rc.conf
/// beside jail.conf, with that rc.conf's own warnings (here a line skipped by
/// `--skip-unsupported`).
#[test]
fn the_next_migration_reads_the_rc_conf_beside_jail_conf() {
    if skip_dash() {
        return;
    }
    let ez = host();
    let s = ez.print("dir");
    ok(&ez.run(&s));
    let rc = ez.h.read("etc/rc.conf") + "/bin/true\n";
    ez.h.write("etc/rc.conf", &rc);
    let r = ez.jv(&["--skip-unsupported", "migrate", "simple"]);
    ok(&r);
    assert!(r.stdout.contains("jail simple adopts its image"), "{}", r.stdout);
    assert!(r.stderr.contains("/etc/rc.conf:"), "{}", r.stderr);
}
