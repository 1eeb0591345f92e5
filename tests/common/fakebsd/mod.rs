//! The one model of FreeBSD every test of what jailvol does to a host runs against.
//!
//! [`Host::new`] makes a scratch host: a directory whose name has a blank, a quote and
//! a `$` (the host's paths go below it), a `bin/` directory where every modelled
//! command (`mdconfig`, `mount`, `umount`, `newfs`, `fsck`, `growfs`, `jail`, `jls`,
//! `service`, `sysrc`, `tar`, `mtree`, `df`, `id`) is the `jailvol-fakebsd` program,
//! and the model's state. Commands started through the host find those first on PATH,
//! run in a process group of their own (so a fault can SIGKILL the whole run), and as
//! "root" (`JAILVOL_ASSUME_ROOT`, `id -u` = 0).
//!
//! What the model does is described in `model/*.rs`, with the FreeBSD source of each
//! behaviour; faults ([`Fault`]) make a command fail, kill the run, or cut the power.

#![allow(dead_code, unused_imports)]

#[path = "model/state.rs"]
mod state;

pub use state::{Action, Fault, Jail, Kind, Mount, State, Ufs, Unit};

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{Run, run};

pub struct Host {
    _dir: tempfile::TempDir,
    /// Where the host's files go (absolute; its name has a blank, `'` and `$`).
    pub root: PathBuf,
    pub bin: PathBuf,
    pub state_dir: PathBuf,
}

/// Whether dash and shellcheck are here; they must be, unless JAILVOL_SKIP_DASH=1
/// asks to skip (then the caller returns early, loudly).
pub fn skip_dash() -> bool {
    if std::env::var_os("JAILVOL_SKIP_DASH").is_some() {
        eprintln!("SKIPPED: JAILVOL_SKIP_DASH is set");
        return true;
    }
    for tool in ["dash", "shellcheck"] {
        let ok = Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {tool}"))
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            ok,
            "{tool} is not installed (apt-get install {tool}, or set JAILVOL_SKIP_DASH=1)"
        );
    }
    false
}

fn real_tar() -> String {
    for t in ["/usr/bin/tar", "/bin/tar"] {
        if Path::new(t).exists() {
            return t.to_owned();
        }
    }
    panic!("the model wraps the system's tar: install tar")
}

/// A jail.conf string: double-quoted, with `\`, `"` and `$` escaped (jaillex.l).
pub fn jq(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        if matches!(c, '\\' | '"' | '$') {
            o.push('\\');
        }
        o.push(c);
    }
    o.push('"');
    o
}

/// An sh word: single-quoted.
pub fn sq(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

impl Host {
    /// A host whose root directory has a blank, a quote and a `$` in its name.
    pub fn new() -> Host {
        Host::with_root("host 'q' $x")
    }

    /// A host whose paths have no special characters (for the styles that refuse them).
    pub fn plain() -> Host {
        Host::with_root("host")
    }

    fn with_root(name: &str) -> Host {
        let dir = tempfile::tempdir().unwrap();
        let base = std::fs::canonicalize(dir.path()).unwrap();
        let root = base.join(name);
        let bin = base.join("bin");
        let state_dir = base.join("state");
        for d in [&root, &bin, &state_dir] {
            std::fs::create_dir_all(d).unwrap();
        }
        let exe = env!("CARGO_BIN_EXE_jailvol-fakebsd");
        for c in state::COMMANDS.iter().chain(["fakebsd"].iter()) {
            std::os::unix::fs::symlink(exe, bin.join(c)).unwrap();
        }
        let st = State {
            real_tar: real_tar(),
            bin: bin.display().to_string(),
            free_kib: Some(100 << 20),
            ..State::default()
        };
        st.write(&state_dir);
        Host {
            _dir: dir,
            root,
            bin,
            state_dir,
        }
    }

    /// A path on the host.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel.trim_start_matches('/'))
    }

    /// The same, as a string.
    pub fn p(&self, rel: &str) -> String {
        self.path(rel).display().to_string()
    }

    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    /// A small jail root: `etc/rc.conf`, `dev/`, `usr/`, `tmp/`, a file with a blank in
    /// its name, and a symbolic link.
    pub fn make_root(&self, rel: &str) -> PathBuf {
        let r = self.path(rel);
        for d in ["etc", "dev", "usr/bin", "tmp", "var/log"] {
            std::fs::create_dir_all(r.join(d)).unwrap();
        }
        std::fs::write(r.join("etc/rc.conf"), "hostname=\"www\"\n").unwrap();
        std::fs::write(r.join("usr/bin/tool"), "#!/bin/sh\necho tool\n").unwrap();
        std::fs::write(r.join("var/log/a log"), "old data\n").unwrap();
        std::os::unix::fs::symlink("usr/bin/tool", r.join("tool")).unwrap();
        r
    }

    /// Put the host's environment on a command: the model first on PATH, its state,
    /// no backtraces or colour, "root", and a process group of its own.
    pub fn env<'c>(&self, c: &'c mut Command) -> &'c mut Command {
        let path = format!(
            "{}:{}",
            self.bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        c.env("PATH", path)
            .env(state::STATE_ENV, &self.state_dir)
            .env("JAILVOL_ASSUME_ROOT", "1")
            .env("NO_COLOR", "1")
            .env_remove("RUST_BACKTRACE")
            .env_remove("RUST_LIB_BACKTRACE")
            .process_group(0)
    }

    /// jailvol on this host.
    pub fn jailvol(&self, args: &[&str]) -> Run {
        let mut c = super::jailvol();
        self.env(&mut c).args(args);
        run(c)
    }

    /// Any command on this host (a modelled one, or sh/dash running a script).
    pub fn run(&self, prog: &str, args: &[&str]) -> Run {
        let mut c = Command::new(prog);
        self.env(&mut c).args(args);
        run(c)
    }

    /// `jail -f CONF -c NAME` on this host.
    pub fn start(&self, conf: &Path, name: &str) -> Run {
        self.run("jail", &["-f", &conf.display().to_string(), "-c", name])
    }

    /// `jail -f CONF -r NAME` on this host.
    pub fn stop(&self, conf: &Path, name: &str) -> Run {
        self.run("jail", &["-f", &conf.display().to_string(), "-r", name])
    }

    pub fn state(&self) -> State {
        let _l = state::Lock::take(&self.state_dir);
        State::read(&self.state_dir)
    }

    pub fn update(&self, f: impl FnOnce(&mut State)) {
        let _l = state::Lock::take(&self.state_dir);
        let mut st = State::read(&self.state_dir);
        f(&mut st);
        st.write(&self.state_dir);
    }

    /// From now on, calls of `command` whose arguments contain each of `args` get
    /// `action` (after `skip` such calls went through; once unless `always`).
    pub fn fault(&self, command: &str, args: &[&str], skip: u32, action: Action, always: bool) {
        self.update(|st| {
            st.faults.push(Fault {
                command: command.into(),
                args: args.iter().map(|s| (*s).to_owned()).collect(),
                skip,
                times: if always { None } else { Some(1) },
                action,
                seen: 0,
            })
        });
    }

    /// The next matching call fails.
    pub fn fail(&self, command: &str, args: &[&str]) {
        self.fault(command, args, 0, Action::Fail, false);
    }

    pub fn clear_faults(&self) {
        self.update(|st| st.faults.clear());
    }

    /// A power loss now: md units, mounts and jails are gone; file systems keep their
    /// files and the flags the crash left.
    pub fn power_loss(&self) {
        let r = self.run("fakebsd", &["power-loss"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }

    /// Every command the model answered, one line each (argv, shell-quoted).
    pub fn log(&self) -> Vec<String> {
        std::fs::read_to_string(self.state_dir.join("log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    pub fn clear_log(&self) {
        let _ = std::fs::remove_file(self.state_dir.join("log"));
    }

    pub fn running(&self, name: &str) -> bool {
        self.state().jail(name).is_some()
    }

    /// The mount on top at `path` (a host path).
    pub fn mounted_at(&self, path: &Path) -> Option<Mount> {
        let real = std::fs::canonicalize(path).ok()?.display().to_string();
        self.state().mount_at(&real).cloned()
    }

    /// The UFS in a container file.
    pub fn ufs(&self, file: &Path) -> Option<Ufs> {
        let real = std::fs::canonicalize(file).ok()?.display().to_string();
        self.state().filesystems.get(&real).cloned()
    }

    /// The units attached to a container file.
    pub fn units_of(&self, file: &Path) -> Vec<u32> {
        match std::fs::canonicalize(file) {
            Ok(r) => self.state().units_of(&r.display().to_string()),
            Err(_) => Vec::new(),
        }
    }

    /// The files of the UFS in `file` (relative paths, sorted), mounted or not.
    pub fn files_in(&self, file: &Path) -> Vec<PathBuf> {
        let Some(fs) = self.ufs(file) else {
            return Vec::new();
        };
        let real = std::fs::canonicalize(file).unwrap().display().to_string();
        let st = self.state();
        let dir = match st
            .mounts
            .iter()
            .find(|m| m.kind == Kind::Ufs { file: real.clone() })
        {
            Some(m) => PathBuf::from(&m.point),
            None => State::ufs_dir(&self.state_dir, fs.id),
        };
        super::files_below(&dir)
    }

    /// Make a UFS in `file` without jailvol (as `jailvol create` would leave it): attach,
    /// newfs -U, optionally copy `from` into it, unmount, detach.
    pub fn make_container(&self, file: &Path, size: u64, from: Option<&Path>) {
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        let f = std::fs::File::create(file).unwrap();
        f.set_len(size).unwrap();
        let fs = file.display().to_string();
        let n = self.run("mdconfig", &["-a", "-t", "vnode", "-f", &fs, "-n"]);
        assert_eq!(n.code, 0, "{}", n.stderr);
        let dev = format!("/dev/md{}", n.stdout.trim());
        let r = self.run("newfs", &["-U", &dev]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        if let Some(src) = from {
            let mnt = tempfile::tempdir_in(&self.root).unwrap();
            let m = mnt.path().display().to_string();
            assert_eq!(self.run("mount", &["-t", "ufs", &dev, &m]).code, 0);
            let cp = Command::new("cp")
                .arg("-a")
                .arg(format!("{}/.", src.display()))
                .arg(mnt.path())
                .status();
            assert!(cp.unwrap().success());
            assert_eq!(self.run("umount", &[&m]).code, 0);
        }
        let r = self.run("mdconfig", &["-d", "-u", n.stdout.trim()]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
}
