//! The migrate tests' host: a jail `www` on the FreeBSD model (tests/common/fakebsd/),
//! configured in jail.conf or in rc.conf, with every path below the model host's root
//! (a directory whose name has a blank, a quote and a `$`), and no `--root`: the script
//! runs the model's jail(8) on what it writes, and jail.conf holds host paths.
//!
//! A test prints the script with [`Mig::print`] (as an admin would), runs it under dash
//! with [`Mig::run`], and looks at the host: the model's state (units, mounts, file
//! systems, jails), the files, and [`Mig::snap`] — the host tree byte for byte.
//!
//! Commands the model does not answer (dd, cp, mv, tar's corruption) can be interposed
//! with [`Mig::interpose`]: a small sh script first on the script's PATH, which can fail,
//! or kill the whole run (`kill -KILL 0`: the run is a process group of its own).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::Run;
use crate::common::fakebsd::{Action, Host, jq, sq};

/// The container's size: the smallest jailvol accepts (JV022), so that dd writes little.
pub const SIZE: &str = "32M";
pub const UNIT: u32 = 101;

pub struct Mig {
    pub h: Host,
    /// jail.conf (also on an rc.conf host: where the script puts the jail).
    pub conf: PathBuf,
    /// rc.conf on an rc.conf host.
    pub rc: Option<PathBuf>,
    pub root: PathBuf,
    pub file: PathBuf,
    pub state: PathBuf,
    /// Where the printed script is kept (outside the host tree).
    pub script: PathBuf,
    /// Interposed commands (first on the script's PATH).
    pub wrap: PathBuf,
    /// Options given to `migrate` after the jail's name.
    pub args: Vec<String>,
}

/// What every test checks the same way.
pub fn ok(r: &Run) {
    assert_eq!(r.code, 0, "stdout:\n{}\nstderr:\n{}", r.stdout, r.stderr);
}

fn base_of(h: &Host) -> PathBuf {
    h.root.parent().unwrap().to_path_buf()
}

/// The jail.conf text for `www` at `root` with `extra` statements in its block.
pub fn jail_conf(root: &str, file: Option<&str>, extra: &str) -> String {
    let file = file.map_or(String::new(), |f| format!("\t$volume_file = {};\n", jq(f)));
    format!(
        "# The admin's jail.conf.\nmount.devfs;\n\nwww {{\n\tpath = {};\n\thost.hostname = www.example.org;\n\t$volume_size = {SIZE};\n\t$volume_md_unit = {UNIT};\n{file}\texec.start = \"/bin/sh /etc/rc\";\n{extra}}}\n",
        jq(root)
    )
}

impl Mig {
    fn with(h: Host) -> Mig {
        let base = base_of(&h);
        let wrap = base.join("wrap");
        std::fs::create_dir_all(&wrap).unwrap();
        let root = h.make_root("jails/www");
        Mig {
            conf: h.path("etc/jail.conf"),
            rc: None,
            file: h.path("jails/www.ufs"),
            state: h.path("var/db/jailvol/migrate.www"),
            script: base.join("migrate.sh"),
            root,
            wrap,
            args: Vec::new(),
            h,
        }
    }

    /// A jail.conf host: `www` with `mount.devfs`, its container at the default path.
    pub fn jailconf() -> Mig {
        Mig::jailconf_with("")
    }

    /// The same with extra statements in the jail's block.
    pub fn jailconf_with(extra: &str) -> Mig {
        Mig::jailconf_on(Host::new(), extra)
    }

    /// A jail.conf host on a given model host (`Host::plain()`: no special characters
    /// in the paths).
    pub fn jailconf_on(h: Host, extra: &str) -> Mig {
        let m = Mig::with(h);
        m.h.write(
            "etc/jail.conf",
            &jail_conf(&m.root.display().to_string(), None, extra),
        );
        m
    }

    /// An rc.conf host: `www` in legacy variables (rc.d/jail converts them at start),
    /// `$jail_conf` below the host's root.
    pub fn rcconf() -> Mig {
        Mig::rcconf_on(Host::new())
    }

    pub fn rcconf_on(h: Host) -> Mig {
        let mut m = Mig::with(h);
        let rc = m.h.write(
            "etc/rc.conf",
            &format!(
                "hostname=\"host.example.org\"\nsshd_enable=\"YES\"\njail_enable=\"YES\"\njail_list=\"www\"\n\
                 jail_conf={}\njail_www_rootdir={}\njail_www_hostname=\"www.example.org\"\n\
                 jail_www_ip=\"192.0.2.10\"\njail_www_devfs_enable=\"YES\"\n\
                 jail_www_volume_size=\"{SIZE}\"\njail_www_volume_md_unit=\"{UNIT}\"\n",
                sq(&m.conf.display().to_string()),
                sq(&m.root.display().to_string()),
            ),
        );
        let rcs = rc.display().to_string();
        m.h.update(|st| st.rc_conf = vec![rcs]);
        m.rc = Some(rc);
        m
    }

    pub fn p(&self, p: &Path) -> String {
        p.display().to_string()
    }

    /// The configuration file migrate reads.
    pub fn input(&self) -> String {
        self.p(self.rc.as_ref().unwrap_or(&self.conf))
    }

    /// `jailvol -f INPUT migrate www --state-dir ... --fstab-dir ... --helper ... ARGS`.
    pub fn migrate(&self, extra: &[&str]) -> Run {
        let input = self.input();
        let state = self.p(&self.state);
        let fstab_dir = self.h.p("etc/jailvol");
        let helper = self.h.p("usr/local/libexec/jailvol-md");
        let mut args: Vec<&str> = vec![
            "-f",
            &input,
            "migrate",
            "www",
            "--state-dir",
            &state,
            "--fstab-dir",
            &fstab_dir,
            "--helper",
            &helper,
        ];
        args.extend(self.args.iter().map(String::as_str));
        args.extend(extra);
        self.h.jailvol(&args)
    }

    /// Print the script (as the admin would) and keep it.
    pub fn print(&self) -> String {
        let r = self.migrate(&[]);
        ok(&r);
        std::fs::write(&self.script, &r.stdout).unwrap();
        r.stdout
    }

    /// Run the kept script under dash on the model, interposed commands first.
    pub fn run(&self) -> Run {
        let mut c = Command::new("dash");
        self.h.env(&mut c).arg(&self.script);
        let path = format!(
            "{}:{}:{}",
            self.wrap.display(),
            self.h.bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        c.env("PATH", path);
        crate::common::run(c)
    }

    /// Print and run.
    pub fn go(&self) -> Run {
        self.print();
        self.run()
    }

    /// Interpose `name`: `body` runs as sh with the arguments; `$JV_REAL` is the real
    /// command (the model's for modelled commands) and `$JV_WRAP` the interposer's
    /// directory (for counters).
    pub fn interpose(&self, name: &str, body: &str) {
        let real = if self.h.bin.join(name).exists() {
            self.h.bin.join(name)
        } else {
            which(name)
        };
        crate::common::write_exec(
            &self.wrap.join(name),
            &format!(
                "#!/bin/sh\nJV_REAL={}\nJV_WRAP={}\n{body}\nexec \"$JV_REAL\" \"$@\"\n",
                sq(&real.display().to_string()),
                sq(&self.wrap.display().to_string())
            ),
        );
    }

    pub fn clear_interposed(&self) {
        for e in std::fs::read_dir(&self.wrap).unwrap().flatten() {
            std::fs::remove_file(e.path()).unwrap();
        }
    }

    /// The host tree (without `var/`, which holds only the state directory): type, mode,
    /// link target, content.
    pub fn snap(&self) -> Vec<String> {
        snapshot(&self.h.root, &["var"])
    }

    /// The `done.*` markers, sorted.
    pub fn done(&self) -> Vec<String> {
        self.state_files("done.")
    }

    pub fn state_files(&self, prefix: &str) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(&self.state)
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.starts_with(prefix))
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    /// Wait until the run that holds the lock is gone for good: a run killed with its
    /// process group leaves an orphan that init reaps a little later, and `kill -0`
    /// (the script's lock check) finds it alive until then.
    pub fn wait_gone(&self) {
        let Ok(pid) = std::fs::read_to_string(self.state.join("lock/pid")) else {
            return;
        };
        let proc = PathBuf::from(format!("/proc/{}", pid.trim()));
        for _ in 0..500 {
            if !proc.exists() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        panic!("process {} is still there", pid.trim());
    }

    pub fn old(&self) -> PathBuf {
        PathBuf::from(format!("{}.pre-jailvol", self.root.display()))
    }

    /// A fault on a modelled command (see `Host::fault`).
    pub fn fault(&self, cmd: &str, args: &[&str], skip: u32, action: Action) {
        self.h.fault(cmd, args, skip, action, false);
    }

    /// The jail runs, with its container mounted at its root.
    pub fn runs_on_container(&self) {
        assert!(self.h.running("www"), "www is not running");
        let m = self
            .h
            .mounted_at(&self.root)
            .expect("nothing mounted at the root");
        let real = std::fs::canonicalize(&self.file).unwrap().display().to_string();
        assert_eq!(
            m.kind,
            crate::common::fakebsd::Kind::Ufs { file: real },
            "the root is not the container"
        );
    }

    /// The files below a jail root with their contents (relative paths), leaving out
    /// `dev/` (a running jail's devfs) and symbolic links (tar copies them as links).
    pub fn contents(dir: &Path) -> Vec<(PathBuf, String)> {
        crate::common::files_below(dir)
            .into_iter()
            .filter(|rel| !rel.starts_with("dev") && !dir.join(rel).is_symlink())
            .map(|rel| {
                let data = std::fs::read(dir.join(&rel)).unwrap();
                (rel, String::from_utf8_lossy(&data).into_owned())
            })
            .collect()
    }

    /// Stop the migrated jail with jail(8), check that nothing of it is left, and start it
    /// again: the container is detached at stop (exec.release) and attached at start.
    pub fn stop_and_start_again(&self) {
        ok(&self.h.stop(&self.conf, "www"));
        assert!(!self.h.running("www"));
        assert!(self.h.state().mounts.is_empty(), "{:?}", self.h.state().mounts);
        assert!(
            self.h.state().units.is_empty(),
            "exec.release left {:?}",
            self.h.state().units
        );
        ok(&self.h.start(&self.conf, "www"));
        self.runs_on_container();
    }
}

/// The first `name` on PATH that is not the model or an interposer.
fn which(name: &str) -> PathBuf {
    for d in std::env::var("PATH").unwrap_or_default().split(':') {
        let p = Path::new(d).join(name);
        if p.is_file() {
            return p;
        }
    }
    panic!("{name} is not on PATH")
}

/// A recursive listing of `dir` with each entry's type, permission bits, symlink target
/// and file content, skipping `skip` (relative paths and what is below them).
pub fn snapshot(dir: &Path, skip: &[&str]) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            let rel = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            if skip
                .iter()
                .any(|s| rel == *s || rel.starts_with(&format!("{s}/")))
            {
                continue;
            }
            let meta = std::fs::symlink_metadata(&p).unwrap();
            let mode = meta.permissions().mode() & 0o7777;
            if meta.file_type().is_symlink() {
                out.push(format!(
                    "{rel} link -> {}",
                    std::fs::read_link(&p).unwrap().display()
                ));
            } else if meta.is_dir() {
                out.push(format!("{rel} dir {mode:o}"));
                stack.push(p);
            } else {
                let content = std::fs::read(&p).unwrap();
                if content.len() > 4096 {
                    // A big file: its length and a hash, not megabytes in a message.
                    use std::hash::{Hash, Hasher};
                    let mut h = std::collections::hash_map::DefaultHasher::new();
                    content.hash(&mut h);
                    out.push(format!(
                        "{rel} file {mode:o} {} bytes, hash {:x}",
                        content.len(),
                        h.finish()
                    ));
                } else {
                    out.push(format!(
                        "{rel} file {mode:o} {:?}",
                        String::from_utf8_lossy(&content)
                    ));
                }
            }
        }
    }
    out.sort();
    out
}

/// Every step's marker.
pub fn all_done() -> Vec<String> {
    let mut v: Vec<String> = jailvol::migrate::STEPS
        .iter()
        .map(|s| format!("done.{s}"))
        .collect();
    v.sort();
    v
}

/// Make one thing go wrong in the next run (the names of the old dash tests):
///
/// | name | what fails |
/// | --- | --- |
/// | `df-small`, `du-big`, `inodes` | the fit checks: 1000 KiB free; a root of 27 MiB; 3700 files |
/// | `cp` | the backup's `cp -p` into the state directory |
/// | `dd` | dd |
/// | `attach`, `newfs`, `mount` | `mdconfig -a`, newfs, the container's first mount |
/// | `tar-c`, `tar-x` | either end of the copy |
/// | `tar-corrupt` | nothing fails, but a copied file gets an extra byte |
/// | `mtree-c`, `mtree-v` | making / checking the specification |
/// | `umount`, `detach` | the swap's `umount` / `mdconfig -d` (the first one: a busy device) |
/// | `mv-swap` | renaming the old root to `*.pre-jailvol` |
/// | `mv-config` | the second atomic rename of a configuration file |
/// | `sysrc` | the first `sysrc -x` (rc.conf host) |
/// | `start`, `stop` | `jail -c` / `jail -r` (also under `service jail`), once |
pub fn inject(m: &Mig, f: &str) {
    let fail = |body: &str| format!("echo \"$0: injected failure\" >&2\n{body}");
    match f {
        "df-small" => m.h.update(|st| st.free_kib = Some(1000)),
        "du-big" => std::fs::write(m.root.join("var/big"), vec![1u8; 27 << 20]).unwrap(),
        "inodes" => {
            let d = m.root.join("var/many");
            std::fs::create_dir_all(&d).unwrap();
            for i in 0..3700 {
                std::fs::write(d.join(i.to_string()), "").unwrap();
            }
        }
        "cp" => m.interpose(
            "cp",
            &format!("case \"$*\" in *\"/saved.\"*) {} ;; esac", fail("exit 1")),
        ),
        "dd" => m.interpose("dd", &fail("exit 1")),
        "attach" => m.h.fail("mdconfig", &["-a"]),
        "newfs" => m.h.fail("newfs", &[]),
        "mount" => m.h.fail("mount", &["ufs"]),
        "tar-c" => m.h.fail("tar", &["-cpf"]),
        "tar-x" => m.h.fail("tar", &["-xpf"]),
        "tar-corrupt" => m.interpose(
            "tar",
            "case \"$*\" in *-xpf*) \"$JV_REAL\" \"$@\" || exit; printf x >>\"$2/etc/rc.conf\"; exit 0 ;; esac",
        ),
        "mtree-c" => m.h.fail("mtree", &["-c"]),
        "mtree-v" => m.h.fail("mtree", &["-f"]),
        "umount" => m.h.fail("umount", &[]),
        "detach" => m.h.fail("mdconfig", &["-d"]),
        "mv-swap" => m.interpose(
            "mv",
            &format!("case \"$*\" in *.pre-jailvol) {} ;; esac", fail("exit 1")),
        ),
        "mv-config" => m.interpose("mv", &second_config_mv_runs(&fail("exit 1;"))),
        "sysrc" => m.h.fail("sysrc", &["-x"]),
        "start" => m.h.fail("jail", &["-c"]),
        "stop" => m.h.fail("jail", &["-r"]),
        other => panic!("no failure {other}"),
    }
}

/// Undo what `inject` set up that would make the next run fail again.
pub fn heal(m: &Mig, f: &str) {
    m.h.clear_faults();
    m.clear_interposed();
    match f {
        "df-small" => m.h.update(|st| st.free_kib = Some(100 << 20)),
        "du-big" => std::fs::remove_file(m.root.join("var/big")).unwrap(),
        "inodes" => std::fs::remove_dir_all(m.root.join("var/many")).unwrap(),
        _ => {}
    }
}

/// Start the jail the way the host does before the migration (on its plain root).
pub fn start_old(m: &Mig) {
    let r = if m.rc.is_some() {
        m.h.run("service", &["jail", "start", "www"])
    } else {
        m.h.start(&m.conf, "www")
    };
    ok(&r);
    assert!(m.h.running("www"), "{}{}", r.stdout, r.stderr);
}

/// Run with `f` injected and check that the host is exactly as before: same tree, no
/// container, no unit, no mount, no markers or saved copies; with `--stop`, the jail
/// runs again (on its old root). Then, healed, a new run migrates with nothing lost.
pub fn rolls_back(m: &Mig, f: &str) {
    let stop = m.args.iter().any(|a| a == "--stop");
    m.print();
    if stop {
        start_old(m);
    }
    inject(m, f);
    let before = m.snap();
    let r = m.run();
    assert_eq!(r.code, 1, "{f}: {}", r.stderr);
    assert!(
        r.stderr.contains("error: ") || r.stderr.contains("injected failure"),
        "{f}: {}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("rolled back: root and configuration are as before"),
        "{f}: {}",
        r.stderr
    );
    assert_eq!(m.snap(), before, "{f}: host tree changed");
    assert!(!m.file.exists(), "{f}: container left");
    let st = m.h.state();
    assert!(st.units.is_empty(), "{f}: md unit left: {:?}", st.units);
    if stop {
        // The jail runs again on its old root: its devfs is all that is mounted.
        assert!(m.h.running("www"), "{f}: the jail was not started again");
        assert!(
            st.mounts.iter().all(|x| x.fstype == "devfs"),
            "{f}: {:?}",
            st.mounts
        );
    } else {
        assert!(st.mounts.is_empty(), "{f}: mount left: {:?}", st.mounts);
    }
    assert!(!m.state.join("mnt").exists(), "{f}: mount directory left");
    assert!(m.done().is_empty(), "{f}: markers left: {:?}", m.done());
    for p in [
        "saved.", "absent.", "made.", "touched.", "wrote.", "target", "config.",
    ] {
        assert!(m.state_files(p).is_empty(), "{f}: {:?}", m.state_files(p));
    }
    // Healed, the same script migrates, with what the jail wrote meanwhile.
    heal(m, f);
    if stop {
        std::fs::write(m.root.join("var/log/written meanwhile"), f).unwrap();
    } else {
        start_old(m);
        std::fs::write(m.root.join("var/log/written meanwhile"), f).unwrap();
        ok(&if m.rc.is_some() {
            m.h.run("service", &["jail", "stop", "www"])
        } else {
            m.h.stop(&m.conf, "www")
        });
    }
    let want = Mig::contents(&m.root);
    let r = m.run();
    assert_eq!(r.code, 0, "{f}: the run after the failure: {}", r.stderr);
    m.runs_on_container();
    assert_eq!(Mig::contents(&m.root), want, "{f}: the container's files");
}

/// A wrapper body for mv(1) that runs `fail` at the second move of a `.jailvol-new` file
/// into place (the migrate script's second configuration file), counting in $JV_WRAP.
pub fn second_config_mv_runs(fail: &str) -> String {
    format!(
        "case \"$*\" in *.jailvol-new*)\n\
         \tn=$(cat \"$JV_WRAP/mv.count\" 2>/dev/null || echo 0)\n\
         \tn=$((n + 1))\n\
         \techo \"$n\" >\"$JV_WRAP/mv.count\"\n\
         \tif [ \"$n\" = 2 ]; then {fail} fi ;;\nesac"
    )
}
