//! newfs(8), fsck(8)/fsck_ffs(8) and growfs(8) on the UFS file systems of md units.
//!
//! * newfs (sbin/newfs): a new, clean, empty file system covering the whole unit, with
//!   a `.snap` directory unless `-n`; `-U` soft updates, `-j` soft updates + journal.
//!   A device that is mounted cannot be opened for writing (GEOM's exclusive write
//!   access): "Operation not permitted".
//! * fsck -p (sbin/fsck_ffs/main.c, setup.c): a file system mounted read-write gets "NO
//!   WRITE ACCESS" and exit 8; a clean one is skipped ("FILE SYSTEM CLEAN; SKIPPING
//!   CHECKS"); one that is not clean is preened (fs_clean set, FS_UNCLEAN and
//!   FS_NEEDSFSCK cleared), unless it is damaged beyond preening ("UNEXPECTED
//!   INCONSISTENCY; RUN fsck MANUALLY.", exit 8), which only `-y` repairs.
//! * growfs (sbin/growfs/growfs.c): refuses a file system with FS_UNCLEAN or
//!   FS_NEEDSFSCK set ("not clean - run fsck"), and a size that is not larger than the
//!   file system ("requested size ... is not larger than the current filesystem size
//!   ..."); grows mounted file systems too (FreeBSD 10+).

use crate::state::{State, Ufs};
use crate::{Ctx, clear_dir, parse_md_size};

/// The device a UFS command opens: its md unit and container, its canonical name, its
/// size and whether it is in use (mounted, or for mdN, held by geli).
struct Dev {
    file: String,
    path: String,
    size: u64,
    busy: bool,
}

/// The device for an argument (`/dev/mdN`, `mdN`, `/dev/mdN.eli`, `mdN.eli`): a geli
/// provider (geli.rs) is the unit less the metadata sector.
fn device(st: &State, dev: &str) -> Option<Dev> {
    let (n, eli) = st.device(dev)?;
    let unit = st.units.get(&n)?;
    let path = format!("/dev/md{n}{}", if eli { ".eli" } else { "" });
    let (size, busy) = if eli {
        (
            crate::geli::eli_size(st, n)?,
            st.mounts.iter().any(|m| m.device == path),
        )
    } else {
        (unit.size, st.unit_busy(n))
    };
    Some(Dev {
        file: unit.file.clone(),
        path,
        size,
        busy,
    })
}

pub fn newfs(ctx: &Ctx) -> i32 {
    let mut softdep = false;
    let mut suj = false;
    let mut snap = true;
    let mut dev = None;
    let mut i = 0;
    while i < ctx.args.len() {
        let a = ctx.args[i].as_str();
        match a {
            "-U" => softdep = true,
            "-j" => {
                softdep = true;
                suj = true;
            }
            "-n" => snap = false,
            "-E" | "-J" | "-N" | "-l" | "-t" => {}
            "-L" | "-m" | "-b" | "-f" | "-i" | "-O" | "-S" | "-s" | "-a" | "-c" | "-d" | "-e" | "-g"
            | "-h" | "-k" | "-o" | "-p" | "-r" | "-T" => i += 1,
            s if s.starts_with('-') => return ctx.err(format!("illegal option {s}")),
            s => dev = Some(s.to_owned()),
        }
        i += 1;
    }
    let Some(dev) = dev else {
        return ctx.err("usage: newfs [ -fsoptions ] special-device");
    };
    let dir = ctx.dir.clone();
    ctx.with(|st| {
        let Some(Dev { file, size, busy, .. }) = device(st, &dev) else {
            return ctx.err(format!("{dev}: could not find special device"));
        };
        if busy {
            return ctx.err(format!("{dev}: Operation not permitted"));
        }
        let id = match st.filesystems.get(&file) {
            Some(fs) => fs.id,
            None => {
                st.next_id += 1;
                st.next_id
            }
        };
        let content = State::ufs_dir(&dir, id);
        if std::fs::create_dir_all(&content)
            .and_then(|()| clear_dir(&content))
            .is_err()
        {
            return ctx.err(format!("{dev}: Input/output error"));
        }
        if snap {
            let _ = std::fs::create_dir(content.join(".snap"));
        }
        st.filesystems.insert(
            file,
            Ufs {
                id,
                size,
                clean: true,
                unclean_flag: false,
                needs_fsck: false,
                softdep,
                suj,
                damaged: false,
            },
        );
        println!(
            "{dev}: {:.1}MB ({} sectors) block size 32768, fragment size 4096",
            size as f64 / 1048576.0,
            size / 512
        );
        0
    })
}

pub fn fsck(ctx: &Ctx) -> i32 {
    let mut preen = false;
    let mut yes = false;
    let mut no = false;
    let mut dev = None;
    let mut i = 0;
    while i < ctx.args.len() {
        match ctx.args[i].as_str() {
            "-p" => preen = true,
            "-y" => yes = true,
            "-n" => no = true,
            "-F" | "-f" | "-C" | "-B" => {}
            "-t" | "-b" | "-c" | "-m" => i += 1,
            s if s.starts_with('-') => return ctx.err(format!("illegal option {s}")),
            s => dev = Some(s.to_owned()),
        }
        i += 1;
    }
    let Some(dev) = dev else {
        return ctx.err(
            "usage: fsck [-Cdfnpvy] [-B | -F] [-T fstype:fsoptions] [-t fstype] [-c fstab] [special | node]",
        );
    };
    ctx.with(|st| {
        let Some(Dev {
            file, path: devpath, ..
        }) = device(st, &dev)
        else {
            eprintln!("fsck: {dev}: No such file or directory");
            return 8;
        };
        let mounted_rw = st.mounts.iter().any(|m| m.device == devpath && !m.readonly);
        let Some(fs) = st.filesystems.get_mut(&file) else {
            eprintln!("fsck: Could not determine filesystem type");
            return 8;
        };
        if no {
            return if fs.clean && !fs.damaged { 0 } else { 8 };
        }
        if mounted_rw {
            // fsck_ffs setup.c: opening the mounted device for writing fails.
            eprintln!("** {dev} (NO WRITE)");
            eprintln!("{dev}: NO WRITE ACCESS");
            eprintln!("{dev}: UNEXPECTED INCONSISTENCY; RUN fsck MANUALLY.");
            return 8;
        }
        if preen && fs.clean && !fs.unclean_flag && !fs.needs_fsck && !fs.damaged {
            println!("{dev}: FILE SYSTEM CLEAN; SKIPPING CHECKS");
            return 0;
        }
        if fs.damaged && !yes {
            eprintln!("{dev}: UNEXPECTED INCONSISTENCY; RUN fsck MANUALLY.");
            return 8;
        }
        fs.damaged = false;
        fs.clean = true;
        fs.unclean_flag = false;
        fs.needs_fsck = false;
        println!("{dev}: FILE SYSTEM IS CLEAN");
        0
    })
}

pub fn growfs(ctx: &Ctx) -> i32 {
    let mut size = None;
    let mut dev = None;
    let mut dry = false;
    let mut i = 0;
    while i < ctx.args.len() {
        match ctx.args[i].as_str() {
            "-y" => {}
            "-N" => dry = true,
            "-s" => {
                i += 1;
                size = ctx.args.get(i).and_then(|s| parse_md_size(s));
            }
            s if s.starts_with('-') => return ctx.err(format!("illegal option {s}")),
            s => dev = Some(s.to_owned()),
        }
        i += 1;
    }
    let Some(dev) = dev else {
        return ctx.err("usage: growfs [-Ny] [-s size] special | filesystem");
    };
    ctx.with(|st| {
        let Some(Dev {
            file,
            size: unit_size,
            ..
        }) = device(st, &dev)
        else {
            return ctx.err(format!("{dev}: No such file or directory"));
        };
        let Some(fs) = st.filesystems.get_mut(&file) else {
            return ctx.err(format!("{dev}: could not read superblock"));
        };
        if fs.unclean_flag || fs.needs_fsck {
            return ctx.err(format!("{dev} is not clean - run fsck."));
        }
        let new = size.unwrap_or(unit_size);
        if new > unit_size {
            return ctx.err(format!(
                "requested size {new} is larger than the available size {unit_size}"
            ));
        }
        if new <= fs.size {
            return ctx.err(format!(
                "requested size {} is not larger than the current filesystem size {}",
                new, fs.size
            ));
        }
        if !dry {
            fs.size = new;
        }
        println!("new file system size is: {} frags", new / 4096);
        0
    })
}
