//! Lints on the containers themselves, read from the tree under `--root`.

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::Report;
use crate::diag::Diag;
use crate::model::Config;
use crate::parse::loader::Loader;
use crate::volume::{VAR_FILE, VAR_SIZE, Volume, format_size};

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
    let mut f = std::fs::File::open(path)?;
    for off in SBLOCKSEARCH {
        let mut b = [0u8; 4];
        if f.seek(SeekFrom::Start(off + FS_MAGIC_OFFSET)).is_err() || f.read_exact(&mut b).is_err() {
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

pub fn lint(loader: &Loader, vols: &[Volume], cfg: &Config, r: &mut Report) {
    // Bytes still to be allocated, per file system holding containers.
    let mut need: BTreeMap<u64, (PathBuf, u64, Vec<String>)> = BTreeMap::new();
    let mut devs = std::collections::HashMap::new();
    let by_name: std::collections::HashMap<&str, &crate::model::Jail> =
        cfg.jails.iter().rev().map(|j| (j.name.as_str(), j)).collect();
    for v in vols {
        let jail = by_name.get(v.jail.as_str()).copied();
        let loc = jail.and_then(|j| j.loc.clone());
        let real = loader.real_path(&v.file);
        let d = |code: &'static str, var: &str, sev_error: bool, msg: String| {
            let _ = var;
            let d = if sev_error {
                Diag::error(loc.clone(), msg)
            } else {
                Diag::warning(loc.clone(), msg)
            };
            d.with_code(code).with_jail(&v.jail)
        };
        let meta = match std::fs::metadata(&real) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                r.push(d(
                    "JV016",
                    VAR_FILE,
                    true,
                    format!(
                        "{}: container {} does not exist: run `jailvol create {}`",
                        v.jail, v.file, v.jail
                    ),
                ));
                add_need(&mut need, &mut devs, &real, v.size, &v.jail);
                continue;
            }
            Err(e) => {
                r.push(d(
                    "JV016",
                    VAR_FILE,
                    true,
                    format!("{}: container {}: {e}", v.jail, v.file),
                ));
                continue;
            }
        };
        if !meta.is_file() {
            r.push(d(
                "JV016",
                VAR_FILE,
                true,
                format!("{}: container {} is not a regular file", v.jail, v.file),
            ));
            continue;
        }
        if meta.len() != v.size {
            r.push(d(
                "JV017",
                VAR_SIZE,
                true,
                format!(
                    "{}: container {} is {} bytes ({}), but $volume_size is {} ({} bytes){}",
                    v.jail,
                    v.file,
                    meta.len(),
                    format_size(meta.len()),
                    v.size_text,
                    v.size,
                    if meta.len() < v.size {
                        ": run `jailvol grow`"
                    } else {
                        ""
                    }
                ),
            ));
        }
        match superblock(&real) {
            Ok(Superblock::Ufs2(65536)) => {}
            Ok(Superblock::Ufs2(off)) => r.push(d(
                "JV018",
                VAR_FILE,
                false,
                format!(
                    "{}: container {} has its UFS2 superblock at {off}, not at 65536 where FreeBSD puts it",
                    v.jail, v.file
                ),
            )),
            Ok(Superblock::Ufs1(_)) => r.push(d(
                "JV018",
                VAR_FILE,
                true,
                format!(
                    "{}: container {} holds UFS1, not UFS2 (makefs defaults to UFS1: use -o version=2)",
                    v.jail, v.file
                ),
            )),
            Ok(Superblock::None) => r.push(d(
                "JV018",
                VAR_FILE,
                true,
                format!(
                    "{}: container {} holds no UFS file system (no superblock magic)",
                    v.jail, v.file
                ),
            )),
            Err(e) => r.push(d(
                "JV018",
                VAR_FILE,
                true,
                format!("{}: container {}: {e}", v.jail, v.file),
            )),
        }
        let allocated = meta.blocks() * 512;
        if allocated < meta.len() {
            r.push(d(
                "JV019",
                VAR_FILE,
                false,
                format!(
                    "{}: container {} is sparse ({} of {} allocated): the jail can fill the host's disk before its own",
                    v.jail,
                    v.file,
                    format_size(allocated),
                    format_size(meta.len())
                ),
            ));
            add_need(&mut need, &mut devs, &real, meta.len() - allocated, &v.jail);
        }
    }
    for (_, (dir, bytes, jails)) in need {
        let Ok(st) = nix::sys::statvfs::statvfs(&dir) else {
            continue;
        };
        #[allow(clippy::unnecessary_cast)]
        let free = st.blocks_available() as u64 * st.fragment_size() as u64;
        if bytes > free {
            r.push(
                Diag::error(
                    None,
                    format!(
                        "containers of {} need {} more on the file system of {}, which has {} free",
                        jails.join(", "),
                        format_size(bytes),
                        dir.display(),
                        format_size(free)
                    ),
                )
                .with_code("JV020"),
            );
        }
    }
}

/// Account bytes against the file system (by device) of the nearest existing directory
/// above the container.
fn add_need(
    need: &mut BTreeMap<u64, (PathBuf, u64, Vec<String>)>,
    devs: &mut std::collections::HashMap<PathBuf, (PathBuf, u64)>,
    file: &Path,
    bytes: u64,
    jail: &str,
) {
    let parent = file
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("/"));
    let (dir, dev) = devs
        .entry(parent.clone())
        .or_insert_with(|| {
            let mut dir = parent;
            while !dir.exists() {
                match dir.parent() {
                    Some(p) => dir = p.to_path_buf(),
                    None => break,
                }
            }
            let dev = std::fs::metadata(&dir).map(|m| m.dev()).unwrap_or(0);
            (dir, dev)
        })
        .clone();
    let e = need.entry(dev).or_insert_with(|| (dir, 0, Vec::new()));
    e.1 = e.1.saturating_add(bytes);
    e.2.push(jail.to_owned());
}
