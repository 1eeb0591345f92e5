//! Lints on the containers themselves, read from the tree under `--root`.

use std::collections::BTreeMap;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::{Path, PathBuf};

use super::Report;
use crate::diag::{Diag, Loc};
use crate::lint::Lint;
use crate::model::{Config, FnvMap};
use crate::parse::jailconf::Parsed;
use crate::parse::loader::Loader;
use crate::volume::{Collected, Volume, format_size};

/// sys/ufs/ffs/fs.h: the superblock locations the kernel searches (SBLOCKSEARCH) and the
/// magic numbers at `fs_magic`, offset 1372 into struct fs.
const SBLOCKSEARCH: [u64; 4] = [65536, 8192, 0, 262144];
const FS_MAGIC_OFFSET: u64 = 1372;
const FS_UFS1_MAGIC: u32 = 0x011954;
const FS_UFS2_MAGIC: u32 = 0x19540119;

#[derive(Debug, PartialEq, Eq)]
pub enum Superblock {
    Ufs2(u64),
    Ufs1(u64),
    None,
}

/// Which UFS superblock, if any, a container holds (little-endian, as on amd64/arm64).
pub fn superblock(path: &Path) -> std::io::Result<Superblock> {
    let f = std::fs::File::open(path)?;
    for off in SBLOCKSEARCH {
        let mut b = [0u8; 4];
        if f.read_exact_at(&mut b, off + FS_MAGIC_OFFSET).is_err() {
            continue;
        }
        match u32::from_le_bytes(b) {
            FS_UFS2_MAGIC => return Ok(Superblock::Ufs2(off)),
            FS_UFS1_MAGIC => return Ok(Superblock::Ufs1(off)),
            _ => {}
        }
    }
    Ok(Superblock::None)
}

/// A container to look at: its volume, where its findings point (the jail) and where
/// the jail's path is set.
pub struct Site<'a> {
    pub vol: &'a Volume,
    pub at: Option<Loc>,
    pub path_at: Option<Loc>,
}

/// Which commands make and grow a container on this host: create and grow read
/// jail.conf; on an rc.conf host `migrate` makes it (and moves the jail to jail.conf).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Host {
    JailConf,
    RcConf,
}

/// JV016-JV020, JV029 and JV040 for the managed jails of a jail.conf.
pub fn lint(loader: &Loader, parsed: &Parsed, vols: &Collected, cfg: &Config, r: &mut Report) {
    let sites = vols.vols.iter().zip(&vols.jails).map(|(vol, &ji)| {
        let jail = cfg.jails.get(ji);
        let at = jail.and_then(|j| j.loc.clone());
        let path_at = jail
            .and_then(|j| crate::locate::statement(parsed, j, "path", false))
            .or_else(|| at.clone());
        Site { vol, at, path_at }
    });
    lint_sites(loader, sites, Host::JailConf, r);
    super::keyfile::lint(loader, parsed, vols, cfg, r);
}

/// JV016-JV020 and JV029 for each site, wherever its jail is configured (a jail.conf
/// block, or rc.conf variables: check::rcconf).
pub fn lint_sites<'a>(loader: &Loader, sites: impl Iterator<Item = Site<'a>>, host: Host, r: &mut Report) {
    // Bytes still to be allocated, per file system holding containers.
    let mut need: Need = BTreeMap::new();
    let mut dirs = Dirs::default();
    for Site {
        vol: v,
        at: loc,
        path_at,
    } in sites
    {
        if let Some(msg) = mount_point(loader, &mut dirs, &v.path) {
            let at = path_at;
            r.push(
                Lint::MissingJailPath
                    .diag(at, format!("{}: path {} {msg}", v.jail, v.path))
                    .with_jail(v.jail.as_str()),
            );
        }
        let real = loader.real_path(&v.file);
        let d = |lint: Lint, msg: String| lint.diag(loc.clone(), msg).with_jail(v.jail.as_str());
        // Containers of a directory that does not exist (a CI checkout has none) are
        // missing without asking for each.
        let dir = parent(&real);
        let parent_missing = dirs.get(dir).is_some_and(|d| d.missing);
        let stat = if parent_missing {
            Err(std::io::ErrorKind::NotFound.into())
        } else {
            std::fs::metadata(&real)
        };
        let meta = match stat {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                r.push(d(
                    Lint::MissingContainer,
                    match host {
                        Host::JailConf => format!(
                            "{}: container {} does not exist: run `jailvol create {}`",
                            v.jail, v.file, v.jail
                        ),
                        Host::RcConf => format!(
                            "{}: container {} does not exist: `jailvol migrate {}` makes it and moves \
                             the jail to jail.conf",
                            v.jail, v.file, v.jail
                        ),
                    },
                ));
                add_need(&mut need, &mut dirs, dir, v.size, &v.jail);
                continue;
            }
            Err(e) => {
                r.push(d(
                    Lint::MissingContainer,
                    format!("{}: container {}: {e}", v.jail, v.file),
                ));
                continue;
            }
        };
        if !meta.is_file() {
            r.push(d(
                Lint::MissingContainer,
                format!("{}: container {} is not a regular file", v.jail, v.file),
            ));
            continue;
        }
        if meta.len() != v.size {
            r.push(d(
                Lint::SizeMismatch,
                format!(
                    "{}: container {} is {} bytes ({}), but $volume_size is {} ({} bytes){}",
                    v.jail,
                    v.file,
                    meta.len(),
                    format_size(meta.len()),
                    v.size_text,
                    v.size,
                    if meta.len() < v.size && host == Host::JailConf {
                        ": run `jailvol grow`"
                    } else {
                        ""
                    }
                ),
            ));
        }
        // A geli container holds ciphertext: its superblock is on /dev/mdN.eli only.
        if v.geli_keyfile.is_none()
            && let Some(f) = superblock_finding(&real, v, loc.as_ref())
        {
            r.push(f);
        }
        let allocated = meta.blocks() * 512;
        if allocated < meta.len() {
            r.push(d(
                Lint::SparseContainer,
                format!(
                    "{}: container {} is sparse ({} of {} allocated): the jail can fill the host's disk before its own",
                    v.jail,
                    v.file,
                    format_size(allocated),
                    format_size(meta.len())
                ),
            ));
            add_need(&mut need, &mut dirs, dir, meta.len() - allocated, &v.jail);
        }
    }
    do_not_fit(need, r);
}

/// JV018 for the container at `real`, None when its UFS2 superblock is where FreeBSD
/// puts it.
fn superblock_finding(real: &Path, v: &Volume, loc: Option<&Loc>) -> Option<Diag> {
    let d = |lint: Lint, msg: String| lint.diag(loc.cloned(), msg).with_jail(v.jail.as_str());
    match superblock(real) {
        Ok(Superblock::Ufs2(65536)) => None,
        // Mounts, but not where FreeBSD's own tools put it: a warning.
        Ok(Superblock::Ufs2(off)) => Some(
            Lint::NoSuperblock
                .warning(
                    loc.cloned(),
                    format!(
                        "{}: container {} has its UFS2 superblock at {off}, not at 65536 where FreeBSD puts it",
                        v.jail, v.file
                    ),
                )
                .with_jail(v.jail.as_str()),
        ),
        Ok(Superblock::Ufs1(_)) => Some(d(
            Lint::NoSuperblock,
            format!(
                "{}: container {} holds UFS1, not UFS2 (makefs defaults to UFS1: use -o version=2)",
                v.jail, v.file
            ),
        )),
        Ok(Superblock::None) => Some(d(
            Lint::NoSuperblock,
            format!(
                "{}: container {} holds no UFS file system (no superblock magic)",
                v.jail, v.file
            ),
        )),
        Err(e) => Some(d(
            Lint::NoSuperblock,
            format!("{}: container {}: {e}", v.jail, v.file),
        )),
    }
}

/// JV020: the bytes still to be allocated on each file system, against its free space.
fn do_not_fit(need: Need, r: &mut Report) {
    for (_, (dir, bytes, jails)) in need {
        let Ok(st) = nix::sys::statvfs::statvfs(&dir) else {
            continue;
        };
        #[allow(clippy::unnecessary_cast)]
        let free = st.blocks_available() as u64 * st.fragment_size() as u64;
        if bytes > free {
            r.push(Lint::ContainersDoNotFit.diag(
                None,
                format!(
                    "containers of {} need {} more on the file system of {}, which has {} free",
                    jails.join(", "),
                    format_size(bytes),
                    dir.display(),
                    format_size(free)
                ),
            ));
        }
    }
}

/// What is wrong with a managed jail's `path` as a mount point, if anything. jail(8)
/// mounts the container there (the first mount.fstab line, `mount -t ufs ... PATH`)
/// before it creates the jail, so a path that is missing or not a directory fails the
/// mount, and with it the start (usr.sbin/jail/jail.c startcommands; create_jail would
/// refuse it too: `path X: No such file or directory` / `Not a directory`). A symlink
/// is not judged: the kernel follows it, but below `--root` its target may point
/// outside the tree.
fn mount_point(loader: &Loader, dirs: &mut Dirs, path: &str) -> Option<&'static str> {
    const MISSING: &str =
        "does not exist: jail(8) cannot mount the container on it, and the jail does not start";
    let real = loader.real_path(path);
    // A missing parent (a checkout without the jails' directories) is looked up once
    // for all the jails in it.
    if dirs.get_or_look(parent(&real)).is_some_and(|d| d.missing) {
        return Some(MISSING);
    }
    match std::fs::symlink_metadata(&real) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(MISSING),
        Ok(m) if !m.is_dir() && !m.file_type().is_symlink() => {
            Some("is not a directory: jail(8) cannot mount the container on it, and the jail does not start")
        }
        _ => None,
    }
}

/// Per device: the directory shown, the bytes still to allocate, the jails.
type Need<'v> = BTreeMap<u64, (PathBuf, u64, Vec<&'v str>)>;

/// What is known of a directory holding containers.
struct Dir {
    /// The nearest existing directory at or above it, and its device.
    existing: PathBuf,
    dev: u64,
    /// It does not exist (ENOENT): nor does any container in it.
    missing: bool,
}

/// The directories looked at, by path. Containers mostly share a directory, so the
/// last one is tried first, by its bytes, before hashing the path.
#[derive(Default)]
struct Dirs {
    known: Vec<(PathBuf, Dir)>,
    index: FnvMap<PathBuf, usize>,
    last: usize,
}

impl Dirs {
    fn get(&mut self, path: &Path) -> Option<&Dir> {
        let hit = match self.known.get(self.last) {
            Some((p, _)) if p.as_os_str() == path.as_os_str() => self.last,
            _ => *self.index.get(path)?,
        };
        self.last = hit;
        self.known.get(hit).map(|(_, d)| d)
    }

    /// What `get` gives, looking the directory up the first time.
    fn get_or_look(&mut self, path: &Path) -> Option<&Dir> {
        if self.get(path).is_none() {
            let missing =
                matches!(std::fs::metadata(path), Err(e) if e.kind() == std::io::ErrorKind::NotFound);
            let mut dir = path.to_path_buf();
            while !dir.exists() {
                match dir.parent() {
                    Some(p) => dir = p.to_path_buf(),
                    None => break,
                }
            }
            let dev = std::fs::metadata(&dir).map(|m| m.dev()).unwrap_or(0);
            self.index.insert(path.to_path_buf(), self.known.len());
            self.known.push((
                path.to_path_buf(),
                Dir {
                    existing: dir,
                    dev,
                    missing,
                },
            ));
        }
        self.get(path)
    }
}

/// The directory of an absolute, normalized container path (`volume::normalize`), by
/// its bytes: `Path::parent` takes the path apart into components, for each of
/// thousands of containers.
fn parent(file: &Path) -> &Path {
    use std::os::unix::ffi::OsStrExt;
    let b = file.as_os_str().as_bytes();
    match b.iter().rposition(|&c| c == b'/') {
        Some(0) | None => Path::new("/"),
        Some(i) => Path::new(std::ffi::OsStr::from_bytes(&b[..i])),
    }
}

/// Account bytes against the file system (by device) of the nearest existing directory
/// above the container (in `dir`).
fn add_need<'v>(need: &mut Need<'v>, dirs: &mut Dirs, dir: &Path, bytes: u64, jail: &'v str) {
    let Some(d) = dirs.get_or_look(dir) else {
        return;
    };
    let e = need
        .entry(d.dev)
        .or_insert_with(|| (d.existing.clone(), 0, Vec::new()));
    e.1 = e.1.saturating_add(bytes);
    e.2.push(jail);
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn parent_is_path_parent_for_container_paths() {
        for p in [
            "/jails/web.ufs",
            "/x.ufs",
            "/tmp/root/jails/a b/$c.ufs",
            "rel/jails/a.ufs",
            "/a/b/c/d.ufs",
        ] {
            assert_eq!(super::parent(Path::new(p)), Path::new(p).parent().unwrap(), "{p}");
        }
    }
}
