//! mount(8) and umount(8) on the modelled mount table.
//!
//! mount (sbin/mount/mount.c):
//! * `mount [-frw] [-t TYPE] [-o OPTS]... SPECIAL NODE`; `mount -p` prints the table as
//!   `putfsent` does: after the device and after the mount point one tab per missing
//!   8-column stop while the field is shorter than 24 bytes, else a single space; then
//!   the type and a tab, the options and a tab (a space from 8 bytes on), a tab and
//!   `dump pass`.
//! * The mount point is realpath'd and must be a directory ("No such file or
//!   directory" / "Not a directory"); it is what the table records.
//! * An option list with `mountprog=PROG` makes mount(8) exec PROG for any type, with
//!   the options rewritten by `mangle`: an option starting with `-` becomes its own
//!   argument, `-X=value` two arguments (split at the first `=`); `noauto`, `late`,
//!   `failok`, `mountprog=...`, `userquota`, `groupquota` are dropped; every other option
//!   is passed as `-o OPT`; then SPECIAL and NODE.
//! * ufs (sys/ufs/ffs/ffs_vfsops.c `ffs_mountfs`): SPECIAL must be `/dev/mdN` of an
//!   attached unit holding a UFS (ENOENT / EINVAL otherwise) that is not already mounted
//!   (EBUSY). Read-write on a file system that is not clean sets FS_UNCLEAN and is
//!   refused with EPERM ("R/W mount denied. Filesystem is not clean - run fsck") unless
//!   forced, or unless it has soft updates without journal and no FS_NEEDSFSCK; while
//!   mounted read-write `fs_clean` is 0.
//! * nullfs: SPECIAL must be a directory; devfs, tmpfs, procfs, fdescfs, linprocfs,
//!   linsysfs: a pseudo file system (devfs shows a `null` entry).
//!
//! umount (sbin/umount/umount.c, sys/kern/vfs_mount.c): by mount point or device;
//! "not a file system root directory" when nothing is mounted there; EBUSY while
//! something is mounted below it or a running jail lives at or below it (its
//! processes hold the file system), unless `-f`. Unmounting a UFS that was mounted
//! read-write sets `fs_clean` again unless FS_UNCLEAN or FS_NEEDSFSCK is set
//! (`ffs_unmount`).

use std::path::Path;

use crate::state::{Kind, Mount, State};
use crate::{Ctx, clear_dir, copy_into, move_entries, realpath, strerror};

const PSEUDO: &[&str] = &[
    "devfs",
    "tmpfs",
    "procfs",
    "fdescfs",
    "linprocfs",
    "linsysfs",
    "mfs",
];

pub fn mount(ctx: &Ctx) -> i32 {
    let mut fstype = "ufs".to_owned();
    let mut opts: Vec<String> = Vec::new();
    let mut force = false;
    let mut rest = Vec::new();
    let mut print = false;
    let mut i = 0;
    while i < ctx.args.len() {
        let a = ctx.args[i].as_str();
        match a {
            "-p" => print = true,
            "-t" | "-o" => {
                i += 1;
                let Some(v) = ctx.args.get(i) else {
                    return ctx.err("option requires an argument");
                };
                if a == "-t" {
                    fstype = v.clone();
                } else {
                    opts.extend(v.split(',').filter(|o| !o.is_empty()).map(str::to_owned));
                }
            }
            "-f" => force = true,
            "-r" => opts.push("ro".into()),
            "-w" => opts.push("rw".into()),
            "-a" | "-u" | "-F" | "-l" | "-d" => return ctx.err(format!("{a} is not modelled")),
            s if s.starts_with('-') && s.len() > 1 => return ctx.err(format!("illegal option {s}")),
            s => rest.push(s.to_owned()),
        }
        i += 1;
    }
    if print || rest.is_empty() {
        print!("{}", putfsent_all(&ctx.state()));
        return 0;
    }
    let [special, node] = &rest[..] else {
        return ctx.err("usage: mount [-t fstype] [-o options] special mount_point");
    };
    if let Some(prog) = opts.iter().find_map(|o| o.strip_prefix("mountprog=")) {
        return mountprog(ctx, prog, &opts, special, node);
    }
    let point = match realpath(node) {
        Ok(p) => p,
        Err(e) => return ctx.err(format!("{node}: {}", strerror(&e))),
    };
    if !Path::new(&point).is_dir() {
        return ctx.err(format!("{node}: Not a directory"));
    }
    // ezjail's fstab mounts `ROOTDIR.device`, a link to /dev/mdN (ezjail.sh:181-182);
    // the kernel's namei follows it to the device. The table records that device:
    // ezjail.sh:142-143 greps `mount -p` for the link's name and for the device, so
    // either is what FreeBSD shows, and the device is what every model check compares.
    let linked = (fstype == "ufs")
        .then(|| std::fs::read_link(special).ok())
        .flatten()
        .map(|t| t.display().to_string())
        .filter(|t| t.starts_with("/dev/md"));
    let special = linked.as_ref().unwrap_or(special);
    let readonly = opts.iter().any(|o| o == "ro" || o == "rdonly") && !opts.iter().any(|o| o == "rw");
    let force = force || opts.iter().any(|o| o == "force");
    let dir = ctx.dir.clone();
    ctx.with(|st| {
        let kind = if fstype == "ufs" {
            match ufs_source(st, special, readonly, force) {
                Ok(k) => k,
                Err(m) => return ctx.err(m),
            }
        } else if fstype == "nullfs" {
            match realpath(special) {
                Ok(s) if Path::new(&s).is_dir() => Kind::Null { source: s },
                _ => return ctx.err(format!("{special}: No such file or directory")),
            }
        } else if PSEUDO.contains(&fstype.as_str()) {
            Kind::Pseudo
        } else {
            return ctx.err(format!("{fstype}: file system type not modelled"));
        };
        st.next_id += 1;
        let m = Mount {
            id: st.next_id,
            device: special.clone(),
            point: point.clone(),
            fstype: fstype.clone(),
            readonly,
            kind,
        };
        if let Err(e) = attach_content(&dir, st, &m) {
            return ctx.err(format!("{node}: {e}"));
        }
        if let Kind::Ufs { file } = &m.kind
            && let Some(fs) = st.filesystems.get_mut(file)
            && !readonly
        {
            if !fs.clean {
                fs.unclean_flag = true;
                eprintln!("WARNING: {point} was not properly dismounted");
            }
            fs.clean = false;
        }
        st.mounts.push(m);
        0
    })
}

/// The checks ffs_mountfs makes before mounting `special` (a `/dev/mdN`).
fn ufs_source(st: &State, special: &str, readonly: bool, force: bool) -> Result<Kind, String> {
    if !special.starts_with("/dev/md") {
        return Err(format!(
            "{special}: device not modelled (only /dev/mdN, /dev/mdN.eli)"
        ));
    }
    let Some((n, eli)) = st.device(special) else {
        return Err(format!("{special}: No such file or directory"));
    };
    let Some(unit) = st.units.get(&n) else {
        return Err(format!("{special}: No such file or directory"));
    };
    // Below geli the container holds ciphertext: no superblock on the md unit itself.
    let ciphertext = !eli && st.geli.contains_key(&unit.file);
    let Some(fs) = st.filesystems.get(&unit.file).filter(|_| !ciphertext) else {
        return Err(format!("{special}: Invalid argument"));
    };
    if st.mounts.iter().any(|m| m.device == special) {
        return Err(format!("{special}: Device busy"));
    }
    if !readonly && !fs.clean && !force && (fs.suj || fs.needs_fsck || !fs.softdep) {
        return Err(format!(
            "{special}: R/W mount of {special} denied. Filesystem is not clean - run fsck.: Operation not permitted"
        ));
    }
    Ok(Kind::Ufs {
        file: unit.file.clone(),
    })
}

/// mount.c `mangle` plus the exec of the `mountprog=` program.
fn mountprog(ctx: &Ctx, prog: &str, opts: &[String], special: &str, node: &str) -> i32 {
    let point = match realpath(node) {
        Ok(p) => p,
        Err(e) => return ctx.err(format!("{node}: {}", strerror(&e))),
    };
    let mut argv: Vec<String> = Vec::new();
    for o in opts {
        if o == "noauto" || o == "late" || o == "failok" || o.starts_with("mountprog=") {
            continue;
        }
        if o.starts_with("userquota") || o.starts_with("groupquota") {
            continue;
        }
        if o.starts_with('-') {
            match o.split_once('=') {
                Some((k, v)) => {
                    argv.push(k.to_owned());
                    argv.push(v.to_owned());
                }
                None => argv.push(o.clone()),
            }
        } else {
            argv.push("-o".into());
            argv.push(o.clone());
        }
    }
    argv.push(special.to_owned());
    argv.push(point);
    match std::process::Command::new(prog).args(&argv).status() {
        Ok(s) => s.code().unwrap_or(1),
        Err(e) => ctx.err(format!("exec {prog}: {}", strerror(&e))),
    }
}

/// Make the mounted file system's files appear at the mount point; what was there
/// goes to `hidden/ID` until the unmount.
pub fn attach_content(dir: &Path, st: &State, m: &Mount) -> std::io::Result<()> {
    let point = Path::new(&m.point);
    let hidden = State::hidden_dir(dir, m.id);
    std::fs::create_dir_all(&hidden)?;
    move_entries(point, &hidden)?;
    let r = match &m.kind {
        Kind::Ufs { file } => match st.filesystems.get(file) {
            Some(fs) => move_entries(&State::ufs_dir(dir, fs.id), point),
            None => Ok(()),
        },
        Kind::Null { source } => copy_into(Path::new(source), point),
        Kind::Pseudo if m.fstype == "devfs" => std::fs::write(point.join("null"), b""),
        Kind::Pseudo => Ok(()),
    };
    if r.is_err() {
        let _ = clear_dir(point);
        let _ = move_entries(&hidden, point);
    }
    r
}

/// Take mount `i` off the table: its files go back into its file system (a UFS) or
/// away (nullfs, pseudo file systems), the hidden files come back. `clean` is false for
/// a power loss: a UFS mounted read-write then stays not clean.
pub fn detach_mount(dir: &Path, st: &mut State, i: usize, clean: bool) {
    let m = st.mounts.remove(i);
    let point = Path::new(&m.point);
    match &m.kind {
        Kind::Ufs { file } => {
            if let Some(fs) = st.filesystems.get_mut(file) {
                let _ = move_entries(point, &State::ufs_dir(dir, fs.id));
                if clean && !m.readonly {
                    fs.clean = !(fs.unclean_flag || fs.needs_fsck);
                }
            }
        }
        Kind::Null { .. } | Kind::Pseudo => {
            let _ = clear_dir(point);
        }
    }
    let hidden = State::hidden_dir(dir, m.id);
    let _ = move_entries(&hidden, point);
    let _ = std::fs::remove_dir(&hidden);
}

pub fn umount(ctx: &Ctx) -> i32 {
    let mut force = false;
    let mut want_type: Option<String> = None;
    let mut targets = Vec::new();
    let mut i = 0;
    while i < ctx.args.len() {
        match ctx.args[i].as_str() {
            "-f" => force = true,
            "-t" => {
                i += 1;
                want_type = ctx.args.get(i).cloned();
            }
            "-a" | "-A" | "-F" | "-h" => return ctx.err(format!("{} is not modelled", ctx.args[i])),
            s => targets.push(s.to_owned()),
        }
        i += 1;
    }
    if targets.is_empty() {
        return ctx.err("usage: umount [-fNnv] [-t fstypelist] special ... | node ...");
    }
    let dir = ctx.dir.clone();
    let mut code = 0;
    for t in targets {
        let real = realpath(&t).unwrap_or_else(|_| t.clone());
        code |= ctx.with(|st| {
            let Some(i) = st.mounts.iter().rposition(|m| m.point == real || m.device == t) else {
                return ctx.err(format!("{t}: not a file system root directory"));
            };
            let m = &st.mounts[i];
            if want_type
                .as_ref()
                .is_some_and(|w| !w.split(',').any(|x| x == m.fstype))
            {
                return ctx.err(format!("{t}: not a file system root directory"));
            }
            let below = format!("{}/", m.point.trim_end_matches('/'));
            let busy = st.mounts[i + 1..]
                .iter()
                .any(|o| o.point.starts_with(&below) || o.point == m.point)
                || (!force
                    && st
                        .jails
                        .iter()
                        .any(|j| j.path == m.point || j.path.starts_with(&below)));
            if busy {
                return ctx.err(format!("unmount of {} failed: Device busy", m.point));
            }
            detach_mount(&dir, st, i, true);
            0
        });
    }
    code
}

/// `mount -p` for the whole table, with the host's own root and devfs first.
pub fn putfsent_all(st: &State) -> String {
    let mut out = String::new();
    putfsent(&mut out, "/dev/ada0p2", "/", "ufs", "rw", "1 1");
    putfsent(&mut out, "devfs", "/dev", "devfs", "rw,multilabel", "0 0");
    for m in &st.mounts {
        let opts = if m.readonly { "ro" } else { "rw" };
        let pass = if m.fstype == "ufs" { "2 2" } else { "0 0" };
        putfsent(&mut out, &m.device, &m.point, &m.fstype, opts, pass);
    }
    out
}

/// One line as sbin/mount/mount.c `putfsent` writes it.
fn putfsent(out: &mut String, dev: &str, point: &str, fstype: &str, opts: &str, pass: &str) {
    let pad = |out: &mut String, s: &str| {
        out.push_str(s);
        let l = s.len();
        if l < 8 {
            out.push('\t');
        }
        if l < 16 {
            out.push('\t');
        }
        out.push(if l < 24 { '\t' } else { ' ' });
    };
    pad(out, dev);
    pad(out, point);
    // `%s\t` for the type; the options and a tab below 8 bytes, else a space; then
    // `\t%u %u\n` (the dump and pass fields).
    out.push_str(fstype);
    out.push('\t');
    out.push_str(opts);
    out.push(if opts.len() < 8 { '\t' } else { ' ' });
    out.push('\t');
    out.push_str(pass);
    out.push('\n');
}
