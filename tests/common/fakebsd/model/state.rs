//! The state of the modelled FreeBSD host, shared by every fake command (each call loads
//! it under an exclusive lock, changes it, and stores it back) and read by the tests.
//!
//! Only what jailvol's work depends on is modelled: md(4) units, the mount table, the
//! UFS superblock flags that decide whether fsck, mount and growfs proceed, and running
//! jails. File *contents* are real files: a UFS file system's files live in
//! `STATE/ufs/ID/` while it is not mounted and are moved onto the mount point while it
//! is (what the mount point held before is kept in `STATE/hidden/ID/` until the
//! unmount), so everything written below a mount point ends up in the container, as on
//! FreeBSD.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Environment variable naming the state directory.
pub const STATE_ENV: &str = "FAKEBSD_STATE";

/// Every command the model answers to (the test harness links each name to the model).
pub const COMMANDS: &[&str] = &[
    "mdconfig", "mount", "umount", "newfs", "fsck", "fsck_ufs", "fsck_ffs", "growfs", "jail", "jls",
    "service", "sysrc", "tar", "mtree", "df", "id", "geli",
];

#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    /// md(4) units by number.
    pub units: BTreeMap<u32, Unit>,
    /// The mount table, in mount order (a later mount is on top of an earlier one).
    pub mounts: Vec<Mount>,
    /// UFS file systems, by the realpath of the container file that holds them.
    pub filesystems: BTreeMap<String, Ufs>,
    /// Running jails, in creation order.
    pub jails: Vec<Jail>,
    pub next_jid: u32,
    pub next_id: u64,
    /// Failures to inject (see [`Fault`]).
    pub faults: Vec<Fault>,
    /// `df` answer for anything not on a modelled mount: KiB available.
    pub free_kib: Option<u64>,
    /// What `id -u` prints.
    pub uid: u32,
    /// rc.conf files `service jail` reads, in order (`/etc/defaults/rc.conf` is implied).
    pub rc_conf: Vec<String>,
    /// mdconfig has `-r` (FreeBSD 10.0 and later).
    pub no_resize: bool,
    /// The real tar(1) the fake wraps.
    pub real_tar: String,
    /// The directory holding the fake commands (the stand-in for /sbin and /usr/sbin
    /// when jail(8) runs a hook with `exec.clean`).
    pub bin: String,
    /// geli(8) metadata, in the last sector of each container holding some (by the
    /// file's realpath, as `filesystems`).
    #[serde(default)]
    pub geli: BTreeMap<String, GeliMeta>,
    /// md units with a geli provider attached (`mdN.eli`).
    #[serde(default)]
    pub eli: BTreeSet<u32>,
    /// Metadata backups `geli init` wrote (its `-B`, or /var/backups/mdN.eli).
    #[serde(default)]
    pub geli_backups: Vec<String>,
    /// ezjail's install prefix (`ezjail_prefix` in its rc script; None: /usr/local):
    /// `service ezjail` reads `PREFIX/etc/ezjail/` (ezjail.rs).
    #[serde(default)]
    pub ezjail_prefix: Option<String>,
}

/// geli(8) metadata (sys/geom/eli/g_eli.h `struct g_eli_metadata`), what matters here.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct GeliMeta {
    /// The keyfile's bytes (the model's stand-in for the encrypted master key).
    pub key: Vec<u8>,
    /// `md_provsize`: the provider's size at init or at the last resize.
    pub provsize: u64,
    /// `md_sectorsize`.
    pub sectorsize: u64,
}

/// An md(4) unit: vnode-backed units only.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// realpath(3) of the backing file (sbin/mdconfig/mdconfig.c `md_set_file`).
    pub file: String,
    /// The size md(4) sees: the file's size at attach, or the `-r` size; md does not
    /// follow the file when it grows (sys/dev/md/md.c).
    pub size: u64,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub id: u64,
    /// `f_mntfromname`: `/dev/md3`, `devfs`, the source directory of a nullfs...
    pub device: String,
    /// `f_mntonname`: the realpath of the mount point (mount(8) realpaths it).
    pub point: String,
    pub fstype: String,
    pub readonly: bool,
    pub kind: Kind,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A UFS file system living in this container file.
    Ufs { file: String },
    /// nullfs: a copy of the source directory while mounted (writes through it are not
    /// modelled and are dropped at unmount).
    Null { source: String },
    /// devfs, tmpfs, procfs...: an empty directory while mounted.
    Pseudo,
}

/// A UFS2 file system: what its superblock says.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Ufs {
    /// Directory name below `STATE/ufs/`.
    pub id: u64,
    /// Size in bytes the file system covers (newfs, growfs).
    pub size: u64,
    /// `fs_clean`: 0 while mounted read-write and after a crash.
    pub clean: bool,
    /// `FS_UNCLEAN`: it was mounted read-write while not clean (ffs_vfsops.c
    /// ffs_mountfs); unmounting then leaves `fs_clean` 0 until fsck.
    pub unclean_flag: bool,
    /// `FS_NEEDSFSCK`.
    pub needs_fsck: bool,
    /// `FS_DOSOFTDEP` (newfs -U).
    pub softdep: bool,
    /// `FS_SUJ` (newfs -j).
    pub suj: bool,
    /// Damage that `fsck -p` cannot repair (injected by tests): preen fails, `-y` fixes.
    pub damaged: bool,
}

/// A running jail.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Jail {
    pub jid: u32,
    pub name: String,
    pub path: String,
    pub hostname: String,
}

/// A failure to inject. `command` is the program name, and each of `args` must occur
/// inside one of its arguments (`["-a"]` matches `mdconfig -a -t vnode ...`; `["-x"]`
/// matches `tar -C DIR -xpf -`). The first `skip` matching calls go through; the next
/// `times` (all, when None) get `action`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub command: String,
    pub args: Vec<String>,
    pub skip: u32,
    pub times: Option<u32>,
    pub action: Action,
    /// Matching calls seen so far.
    pub seen: u32,
}

#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The command fails (exit 1, or 8 for fsck) and changes nothing.
    Fail,
    /// SIGKILL to the caller's whole process group before the command does anything:
    /// a run killed with -9 at this point (no trap runs).
    Kill,
    /// Power loss before the command does anything: every unit is detached, every
    /// mount and jail is gone (UFS flags stay as the crash left them), then the process
    /// group is killed.
    Crash,
}

impl Fault {
    pub fn matches(&self, command: &str, args: &[String]) -> bool {
        self.command == command
            && self
                .args
                .iter()
                .all(|want| args.iter().any(|a| a.contains(want.as_str())))
    }
}

impl State {
    pub fn dir() -> PathBuf {
        PathBuf::from(std::env::var_os(STATE_ENV).unwrap_or_else(|| {
            eprintln!("fakebsd: {STATE_ENV} is not set");
            std::process::exit(70)
        }))
    }

    pub fn ufs_dir(state_dir: &Path, id: u64) -> PathBuf {
        state_dir.join("ufs").join(id.to_string())
    }

    pub fn hidden_dir(state_dir: &Path, id: u64) -> PathBuf {
        state_dir.join("hidden").join(id.to_string())
    }

    pub fn read(state_dir: &Path) -> State {
        let mut text = String::new();
        if let Ok(mut f) = File::open(state_dir.join("state.json")) {
            let _ = f.read_to_string(&mut text);
        }
        if text.is_empty() {
            return State::default();
        }
        serde_json::from_str(&text).unwrap_or_else(|e| {
            eprintln!("fakebsd: state.json: {e}");
            std::process::exit(70)
        })
    }

    pub fn write(&self, state_dir: &Path) {
        let tmp = state_dir.join("state.json.new");
        let text = serde_json::to_string_pretty(self).unwrap_or_default();
        let ok = File::create(&tmp)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .and_then(|()| std::fs::rename(&tmp, state_dir.join("state.json")));
        if let Err(e) = ok {
            eprintln!("fakebsd: cannot store the state: {e}");
            std::process::exit(70)
        }
    }

    /// The unit backed by `file` (a realpath), lowest number first.
    pub fn units_of(&self, file: &str) -> Vec<u32> {
        self.units
            .iter()
            .filter(|(_, u)| u.file == file)
            .map(|(n, _)| *n)
            .collect()
    }

    /// The mount on top at `point`.
    pub fn mount_at(&self, point: &str) -> Option<&Mount> {
        self.mounts.iter().rev().find(|m| m.point == point)
    }

    /// Whether mdN is in use: by a mount, or by geli (`mdN.eli` keeps it open).
    pub fn unit_busy(&self, n: u32) -> bool {
        if self.eli.contains(&n) {
            return true;
        }
        let dev = format!("/dev/md{n}");
        self.mounts
            .iter()
            .any(|m| m.device == dev || m.device.starts_with(&format!("{dev}.")))
    }

    /// The md unit behind a device (`/dev/mdN`, `mdN`, `/dev/mdN.eli`, `mdN.eli`), and
    /// whether it is the geli provider; None when no such device exists.
    pub fn device(&self, dev: &str) -> Option<(u32, bool)> {
        let name = dev.strip_prefix("/dev/").unwrap_or(dev).strip_prefix("md")?;
        let (num, eli) = match name.strip_suffix(".eli") {
            Some(n) => (n, true),
            None => (name, false),
        };
        let n: u32 = num.parse().ok()?;
        (self.units.contains_key(&n) && (!eli || self.eli.contains(&n))).then_some((n, eli))
    }

    pub fn jail(&self, name: &str) -> Option<&Jail> {
        self.jails
            .iter()
            .find(|j| j.name == name || j.jid.to_string() == name)
    }
}

/// An exclusive lock on the state directory, held until dropped.
pub struct Lock(#[allow(dead_code)] nix::fcntl::Flock<File>);

impl Lock {
    pub fn take(state_dir: &Path) -> Lock {
        let mut f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(state_dir.join("lock"))
            .unwrap_or_else(|e| {
                eprintln!("fakebsd: lock: {e}");
                std::process::exit(70)
            });
        loop {
            match nix::fcntl::Flock::lock(f, nix::fcntl::FlockArg::LockExclusive) {
                Ok(l) => return Lock(l),
                Err((back, nix::errno::Errno::EINTR)) => f = back,
                Err((_, e)) => {
                    eprintln!("fakebsd: flock: {e}");
                    std::process::exit(70)
                }
            }
        }
    }
}
