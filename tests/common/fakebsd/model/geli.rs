//! geli(8) on md units (sbin/geom/class/eli/geom_eli.c, sys/geom/eli/g_eli.c,
//! sys/geom/eli/g_eli_ctl.c), the rules jailvol's work depends on:
//!
//! * `init [-B FILE|none] [-P] [-K KEYFILE] [-s SECTORSIZE] [-e ALGO] [-l KEYLEN] PROV`:
//!   stores the metadata in the provider's last sector (here: `State::geli`, by the
//!   container's realpath) with the provider's size (`md_provsize`). Without `-P`
//!   geli asks for a passphrase on the terminal (readpassphrase RPP_REQUIRE_TTY), which
//!   the model never has: "Cannot read passphrase". `-P` without `-K`: "No key
//!   components given." A keyfile that cannot be opened: "Cannot open keyfile F: ...".
//!   The sector size must be a multiple of the provider's (512). An attached provider
//!   cannot be written (GEOM's exclusive access): "Operation not permitted". `-B` other
//!   than `none` would write /var/backups/mdN.eli: the model records it in
//!   `State::geli_backups`, so a test can say none was written.
//! * `attach [-p] [-k KEYFILE] PROV`: needs metadata ("Cannot read metadata from PROV:
//!   Invalid argument."), the provider size the metadata says ("Provider size
//!   mismatch."), `-p` for a container made with `-P` ("Missing -p flag."), and the key
//!   the metadata was made with ("Wrong key for PROV."). Makes `PROV.eli`; attaching
//!   twice fails ("Provider PROV.eli already exists." — the wording is the model's).
//! * `detach PROV[.eli]`: "No such device: PROV." when not attached; an open (mounted)
//!   provider is refused without `-f` ("Cannot destroy device PROV.eli (error=16).",
//!   g_eli_ctl_detach → g_eli_destroy returns EBUSY).
//! * `resize -s OLDSIZE PROV` (eli_resize): the metadata must be at OLDSIZE ("Provider
//!   size mismatch at oldsize."), the size must have changed ("Size hasn't changed."),
//!   and the provider is opened for writing (refused while attached, as for init).
//!   The metadata moves to the new last sector with the new size.
//! * `dump PROV` (eli_dump → eli_metadata_read): reads the metadata from the provider's
//!   last sector and prints it (`provsize`, `sectorsize`); where that sector holds none
//!   (after an md resize without geli resize): "Cannot read metadata from PROV: Invalid
//!   argument." and exit 1.
//! * `list [NAME]`: the attached `.eli` geoms; a name that is none: "Class 'ELI' does
//!   not have an instance named 'NAME'." (geom(8) list), exit 1.
//!
//! While `mdN.eli` exists, md(4) cannot detach mdN ("Device busy": the eli consumer
//! keeps the provider open); the `.eli` provider is the unit's size less the metadata
//! sector, rounded down to the geli sector size (g_eli_create: `mediasize -=
//! cp->provider->sectorsize`, then a whole number of `md_sectorsize`).

use crate::state::{GeliMeta, State};
use crate::{Ctx, strerror};

/// md(4)'s sector size (mdconfig -S default).
const MD_SECTOR: u64 = 512;

pub fn geli(ctx: &Ctx) -> i32 {
    let Some((verb, rest)) = ctx.args.split_first() else {
        return ctx.err("usage: geli init|attach|detach|resize|list ...");
    };
    let mut flags: Vec<char> = Vec::new();
    let mut values: Vec<(char, String)> = Vec::new();
    let mut args: Vec<String> = Vec::new();
    let mut i = 0;
    while i < rest.len() {
        let a = &rest[i];
        if let Some(f) = a.strip_prefix('-').filter(|f| f.len() == 1) {
            let c = f.chars().next().unwrap_or('-');
            if "BKksJjeaVil".contains(c) {
                i += 1;
                match rest.get(i) {
                    Some(v) => values.push((c, v.clone())),
                    None => return ctx.err(format!("option requires an argument -- {c}")),
                }
            } else {
                flags.push(c);
            }
        } else {
            args.push(a.clone());
        }
        i += 1;
    }
    let value = |c: char| values.iter().rev().find(|(k, _)| *k == c).map(|(_, v)| v.clone());
    let has = |c: char| flags.contains(&c);
    match verb.as_str() {
        "init" | "label" => init(ctx, &args, has('P'), value('K'), value('s'), value('B')),
        "attach" => attach(ctx, &args, has('p'), value('k')),
        "detach" | "stop" => detach(ctx, &args, has('f')),
        "resize" => resize(ctx, &args, value('s')),
        "list" => list(ctx, &args),
        "dump" => dump(ctx, &args),
        v => ctx.err(format!("Unknown command: {v}.")),
    }
}

/// `mdN`, `/dev/mdN` → N.
fn md_unit(prov: &str) -> Option<u32> {
    prov.strip_prefix("/dev/")
        .unwrap_or(prov)
        .strip_prefix("md")?
        .parse()
        .ok()
}

fn one(ctx: &Ctx, args: &[String]) -> Result<u32, i32> {
    let [prov] = args else {
        return Err(ctx.err("Invalid number of arguments."));
    };
    md_unit(prov).ok_or_else(|| {
        ctx.err(format!(
            "Cannot get informations about {prov}: No such file or directory."
        ))
    })
}

fn read_key(ctx: &Ctx, keyfile: &str) -> Result<Vec<u8>, i32> {
    std::fs::read(keyfile).map_err(|e| ctx.err(format!("Cannot open keyfile {keyfile}: {}.", strerror(&e))))
}

fn init(
    ctx: &Ctx,
    args: &[String],
    nopass: bool,
    keyfile: Option<String>,
    sector: Option<String>,
    backup: Option<String>,
) -> i32 {
    let n = match one(ctx, args) {
        Ok(n) => n,
        Err(c) => return c,
    };
    let sectorsize = match sector.as_deref().map(str::parse::<u64>) {
        None => MD_SECTOR,
        Some(Ok(s)) if s > 0 && s % MD_SECTOR == 0 => s,
        Some(_) => return ctx.err("Invalid sector size."),
    };
    if !nopass {
        return ctx.err("Cannot read passphrase: Inappropriate ioctl for device.");
    }
    let Some(keyfile) = keyfile else {
        return ctx.err("No key components given.");
    };
    let key = match read_key(ctx, &keyfile) {
        Ok(k) => k,
        Err(c) => return c,
    };
    ctx.with(|st| {
        let Some(unit) = st.units.get(&n).cloned() else {
            return ctx.err(format!(
                "Cannot get informations about md{n}: No such file or directory."
            ));
        };
        if st.eli.contains(&n) || st.unit_busy(n) {
            return ctx.err(format!(
                "Cannot store metadata on md{n}: Operation not permitted."
            ));
        }
        st.geli.insert(
            unit.file.clone(),
            GeliMeta {
                key,
                provsize: unit.size,
                sectorsize,
            },
        );
        match backup.as_deref() {
            Some("none") => {}
            Some(b) => st.geli_backups.push(b.to_owned()),
            None => st.geli_backups.push(format!("/var/backups/md{n}.eli")),
        }
        0
    })
}

fn attach(ctx: &Ctx, args: &[String], nopass: bool, keyfile: Option<String>) -> i32 {
    let n = match one(ctx, args) {
        Ok(n) => n,
        Err(c) => return c,
    };
    let key = match keyfile.as_deref().map(|k| read_key(ctx, k)) {
        Some(Ok(k)) => Some(k),
        Some(Err(c)) => return c,
        None => None,
    };
    ctx.with(|st| {
        let Some(unit) = st.units.get(&n).cloned() else {
            return ctx.err(format!(
                "Cannot read metadata from md{n}: No such file or directory."
            ));
        };
        let Some(meta) = st.geli.get(&unit.file) else {
            return ctx.err(format!("Cannot read metadata from md{n}: Invalid argument."));
        };
        if meta.provsize != unit.size {
            return ctx.err("Provider size mismatch.");
        }
        if !nopass {
            return ctx.err("Missing -p flag.");
        }
        if key.as_ref() != Some(&meta.key) {
            return ctx.err(if key.is_none() {
                "No key components given.".to_owned()
            } else {
                format!("Wrong key for md{n}.")
            });
        }
        if !st.eli.insert(n) {
            return ctx.err(format!("Provider md{n}.eli already exists."));
        }
        0
    })
}

fn detach(ctx: &Ctx, args: &[String], force: bool) -> i32 {
    if args.is_empty() {
        return ctx.err("Too few arguments.");
    }
    ctx.with(|st| {
        for prov in args {
            let base = prov.strip_suffix(".eli").unwrap_or(prov);
            let Some(n) = md_unit(base).filter(|n| st.eli.contains(n)) else {
                return ctx.err(format!("No such device: {prov}."));
            };
            let dev = format!("/dev/md{n}.eli");
            if st.mounts.iter().any(|m| m.device == dev) && !force {
                return ctx.err(format!("Cannot destroy device md{n}.eli (error=16)."));
            }
            st.eli.remove(&n);
        }
        0
    })
}

fn resize(ctx: &Ctx, args: &[String], old: Option<String>) -> i32 {
    let n = match one(ctx, args) {
        Ok(n) => n,
        Err(c) => return c,
    };
    let Some(old) = old.and_then(|o| o.parse::<u64>().ok()) else {
        return ctx.err("Invalid oldsize: Out of range.");
    };
    ctx.with(|st| {
        let Some(unit) = st.units.get(&n).cloned() else {
            return ctx.err(format!("Cannot open md{n}: No such file or directory."));
        };
        if st.eli.contains(&n) || st.unit_busy(n) {
            return ctx.err(format!("Cannot open md{n}: Operation not permitted."));
        }
        if old > unit.size {
            return ctx.err("Invalid oldsize: Out of range.");
        }
        if old == unit.size {
            return ctx.err("Size hasn't changed.");
        }
        match st.geli.get_mut(&unit.file) {
            Some(m) if m.provsize == old => {
                m.provsize = unit.size;
                0
            }
            Some(_) => ctx.err("Provider size mismatch at oldsize."),
            None => ctx.err(format!("Inconsistent provider's md{n} metadata.")),
        }
    })
}

fn dump(ctx: &Ctx, args: &[String]) -> i32 {
    let n = match one(ctx, args) {
        Ok(n) => n,
        Err(c) => return c,
    };
    let st = ctx.state();
    let Some(unit) = st.units.get(&n) else {
        return ctx.err(format!(
            "Cannot read metadata from md{n}: No such file or directory."
        ));
    };
    match st.geli.get(&unit.file) {
        Some(m) if m.provsize == unit.size => {
            println!(
                "Metadata on md{n}:\n  provsize: {}\nsectorsize: {}\n",
                m.provsize, m.sectorsize
            );
            0
        }
        _ => ctx.err(format!("Cannot read metadata from md{n}: Invalid argument.")),
    }
}

fn list(ctx: &Ctx, args: &[String]) -> i32 {
    let st = ctx.state();
    let names: Vec<String> = st.eli.iter().map(|n| format!("md{n}.eli")).collect();
    for a in args {
        if !names.contains(a) {
            return ctx.err(format!("Class 'ELI' does not have an instance named '{a}'."));
        }
    }
    for name in names.iter().filter(|n| args.is_empty() || args.contains(n)) {
        println!("Geom name: {name}\nProviders:\n1. Name: {name}\n");
    }
    0
}

/// The size of `mdN.eli`: the unit less its metadata sector, in whole geli sectors.
pub fn eli_size(st: &State, n: u32) -> Option<u64> {
    let unit = st.units.get(&n)?;
    let meta = st.geli.get(&unit.file)?;
    let s = unit.size.checked_sub(MD_SECTOR)?;
    Some(s - s % meta.sectorsize)
}
