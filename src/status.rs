//! `status`: what each managed jail's container looks like right now (docs/grow-status.md).
//!
//! Everything is read through [`Runner`] and [`Host`], so the tests run on Linux with fake
//! FreeBSD commands:
//!
//! * `mdconfig -l -v`: one line per md unit, `mdN<TAB>TYPE<TAB>SIZE<TAB>FILE[<TAB>LABEL]`
//!   (sbin/mdconfig/mdconfig.c `md_list`; FILE is `-` for units without one on current
//!   releases and missing on old ones; LABEL arrived with `-L`);
//! * `mount -p`: fstab(5)-style lines, `DEVICE MOUNTPOINT TYPE OPTS DUMP PASS`, the two
//!   names printed raw (blanks and all) and each padded with one to three tabs, or one
//!   space once it is 24 bytes or longer (sbin/mount/mount.c `putfsent`): they are found
//!   by matching the device or path jailvol expects, never by splitting on tabs;
//! * `df -k -i PATH`: a header, then `Filesystem 1K-blocks Used Avail Capacity iused
//!   ifree %iused Mounted on` (bin/df/df.c `prtstat`);
//! * `jls -j NAME jid`: the jail's jid when it runs; exit status 1 ("jail not found")
//!   when it does not (usr.sbin/jls/jls.c);
//! * the Host: whether the file exists, its size, st_blocks × 512, and the realpath(3) of
//!   the file and the path: mdconfig lists a unit's file as realpath(3) made it
//!   (sbin/mdconfig/mdconfig.c `md_set_file`) and mount(8) records the realpath of a
//!   mount point, so a container or path reached through a symbolic link is compared by
//!   its realpath.
//!
//! Each jail gets a status word: `ok`, or the first problem found (see [`Problem`]).

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::exec::{Host, Runner};
use crate::volume::{Volume, format_size};

/// One line of `mdconfig -l -v`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MdUnit {
    pub unit: u32,
    pub kind: String,
    /// As printed (humanized, e.g. `2.0G`).
    pub size: String,
    /// The backing file, for vnode units.
    pub file: Option<String>,
}

/// Parse `mdconfig -l -v`. Lines that do not start with `mdN<TAB>` are skipped.
pub fn parse_md_list(text: &str) -> Vec<MdUnit> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut f = line.split('\t');
        let Some(name) = f.next() else { continue };
        let Some(unit) = name.strip_prefix("md").and_then(|n| n.trim().parse::<u32>().ok()) else {
            continue;
        };
        let kind = f.next().unwrap_or("").trim().to_owned();
        let size = f.next().unwrap_or("").trim().to_owned();
        let file = f.next().map(str::to_owned).filter(|s| !s.is_empty() && s != "-");
        out.push(MdUnit {
            unit,
            kind,
            size,
            file,
        });
    }
    out
}

/// The blanks putfsent (sbin/mount/mount.c) writes after a device or mount point name of
/// `len` bytes: one tab per 8-byte stop while the name is shorter than 24 bytes, else a
/// single space.
fn pad(len: usize) -> &'static str {
    match len {
        0..=7 => "\t\t\t",
        8..=15 => "\t\t",
        16..=23 => "\t",
        _ => " ",
    }
}

/// `name` with the padding putfsent writes after it.
fn padded(name: &str) -> String {
    format!("{name}{}", pad(name.len()))
}

/// The name in `field` (a name and its padding), when the padding is exactly what
/// putfsent writes after such a name.
fn unpadded(field: &str) -> Option<&str> {
    let name = match field.strip_suffix(' ') {
        Some(n) => n,
        None => field.trim_end_matches('\t'),
    };
    (!name.is_empty() && padded(name) == field).then_some(name)
}

/// The device and mount point of a `mount -p` line, padding included: the line without
/// its last four fields (type, options, dump, pass), which never contain blanks. The
/// names themselves are printed raw, so they may (a mount point with a blank).
fn names_part(line: &str) -> Option<&str> {
    let mut rest = line.trim_end_matches(['\n', '\r']);
    for _ in 0..4 {
        rest = rest.trim_end_matches([' ', '\t']);
        let i = rest.rfind([' ', '\t'])?;
        rest = &rest[..=i];
    }
    Some(rest)
}

/// A mounted file system from `mount -p`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub device: String,
    pub mountpoint: String,
}

/// What is mounted at `path` according to `mount -p` (the last mount wins, as it is the
/// one on top). putfsent prints names raw, padded with tabs below 24 bytes and one space
/// from 24 bytes on, so a line is never split blindly: it must end, before its last four
/// fields, with `path` and exactly its padding, after a device name with exactly its own.
pub fn mount_at(text: &str, path: &str) -> Option<Mount> {
    let want = padded(path);
    let mut found = None;
    for line in text.lines() {
        let Some(names) = names_part(line) else { continue };
        let Some(dev) = names.strip_suffix(want.as_str()).and_then(unpadded) else {
            continue;
        };
        found = Some(Mount {
            device: dev.to_owned(),
            mountpoint: path.to_owned(),
        });
    }
    found
}

/// Where `device` is mounted according to `mount -p` (the last such line): the line must
/// start with `device` and exactly its padding; the rest up to the last four fields,
/// without its own padding, is the mount point, blanks and all.
pub fn mount_of(text: &str, device: &str) -> Option<String> {
    let want = padded(device);
    text.lines().rev().find_map(|line| {
        let names = names_part(line)?;
        let rest = names.strip_prefix(want.as_str())?;
        Some(
            unpadded(rest)
                .unwrap_or_else(|| rest.trim_end_matches([' ', '\t']))
                .to_owned(),
        )
    })
}

/// `df -k -i` figures for one file system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Df {
    pub total_kib: u64,
    pub used_kib: u64,
    pub avail_kib: u64,
    pub inodes_used: u64,
    pub inodes_free: u64,
}

/// Parse the first data line of `df -k -i PATH`: device, blocks, used, avail, capacity,
/// iused, ifree, %iused, mount point. The device and the numbers have no blanks.
pub fn parse_df(text: &str) -> Option<Df> {
    let line = text
        .lines()
        .find(|l| !l.starts_with("Filesystem") && !l.trim().is_empty())?;
    let f: Vec<&str> = line.split_whitespace().collect();
    if f.len() < 8 || !f[4].ends_with('%') || !f[7].ends_with('%') {
        return None;
    }
    let n = |s: &str| s.parse::<u64>().ok();
    Some(Df {
        total_kib: n(f[1])?,
        used_kib: n(f[2])?,
        avail_kib: n(f[3])?,
        inodes_used: n(f[5])?,
        inodes_free: n(f[6])?,
    })
}

fn words(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

/// Run a command; its stdout when it succeeded, else why not.
fn stdout_of(runner: &mut dyn Runner, argv: &[&str]) -> Result<String, String> {
    let cmd = words(argv);
    match runner.run(&cmd) {
        Ok(o) if o.success() => Ok(String::from_utf8_lossy(&o.stdout).into_owned()),
        Ok(o) => Err(format!(
            "`{}` failed ({}): {}",
            crate::shell::command(&cmd),
            o.code.map_or("signal".to_owned(), |c| format!("exit {c}")),
            o.stderr_text().lines().next().unwrap_or("")
        )),
        Err(e) => Err(format!("`{}`: {}", crate::shell::command(&cmd), why(&e))),
    }
}

fn why(e: &std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::NotFound {
        "command not found on PATH".into()
    } else {
        e.to_string()
    }
}

/// Whether the jail runs: `jls -j NAME jid` prints its jid and exits 0 when it does, and
/// fails ("jail not found") when it does not. None when jls itself cannot be run.
pub fn jail_running(runner: &mut dyn Runner, name: &str) -> Result<Option<u32>, String> {
    let cmd = words(&["jls", "-j", name, "jid"]);
    match runner.run(&cmd) {
        Ok(o) if o.success() => Ok(String::from_utf8_lossy(&o.stdout).trim().parse::<u32>().ok()),
        Ok(_) => Ok(None),
        Err(e) => Err(format!("`jls -j {name} jid`: {}", why(&e))),
    }
}

/// The host-wide state read once: md units and mounts.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub units: Option<Vec<MdUnit>>,
    pub mounts: Option<String>,
    pub warnings: Vec<String>,
}

pub fn snapshot(runner: &mut dyn Runner) -> Snapshot {
    let mut s = Snapshot::default();
    match stdout_of(runner, &["mdconfig", "-l", "-v"]) {
        Ok(t) => s.units = Some(parse_md_list(&t)),
        Err(e) => s.warnings.push(format!("cannot list md units: {e}")),
    }
    match stdout_of(runner, &["mount", "-p"]) {
        Ok(t) => s.mounts = Some(t),
        Err(e) => s.warnings.push(format!("cannot list mounts: {e}")),
    }
    s
}

/// Something wrong with a container. The word is what the STATUS column shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Problem {
    /// The container file does not exist.
    Missing,
    /// No `$volume_md_unit` yet (`jailvol generate` assigns one).
    NoUnit,
    /// The configured unit is attached, but backed by another file (or not a file).
    UnitForeign,
    /// The container is attached at another unit than the configured one.
    UnitElsewhere,
    /// The jail's path is mounted from a device that is not the configured unit.
    MountedOther,
    /// The path is mounted from /dev/mdN but mdN is not attached.
    MountedWithoutUnit,
    /// The jail runs but its root is not mounted: it runs on the bare directory.
    RunningUnmounted,
    /// The file's size differs from `$volume_size` (an unfinished `grow`?).
    SizeMismatch,
}

impl Problem {
    pub fn word(self) -> &'static str {
        match self {
            Problem::Missing => "missing",
            Problem::NoUnit => "no-unit",
            Problem::UnitForeign => "unit-foreign",
            Problem::UnitElsewhere => "unit-elsewhere",
            Problem::MountedOther => "mounted-other",
            Problem::MountedWithoutUnit => "mounted-without-unit",
            Problem::RunningUnmounted => "running-unmounted",
            Problem::SizeMismatch => "size-mismatch",
        }
    }
}

/// The state of one jail's container.
#[derive(Debug, Clone, Serialize)]
pub struct JailStatus {
    pub name: String,
    pub status: &'static str,
    pub problems: Vec<Problem>,
    /// None when jls could not be run.
    pub running: Option<bool>,
    pub file: String,
    pub exists: bool,
    pub size_configured: u64,
    pub size_actual: Option<u64>,
    pub allocated: Option<u64>,
    pub unit_configured: Option<u32>,
    /// Units backed by this container file (normally the configured one, or none).
    pub units_attached: Vec<u32>,
    /// The file behind the configured unit when it is attached.
    pub unit_backing: Option<String>,
    pub path: String,
    /// The device mounted at the jail's path.
    pub mounted_from: Option<String>,
    /// `geli` for an encrypted container (`$volume_encrypt`), else None.
    pub encryption: Option<&'static str>,
    /// The geli keyfile (`$volume_keyfile`), as configured.
    pub keyfile: Option<String>,
    pub df: Option<Df>,
    pub notes: Vec<String>,
}

/// What `mdconfig -l -v` says about a container: the units backed by its file, and
/// the configured unit's backing and presence (None when the list could not be read
/// or no unit is configured).
struct Attachment {
    attached: Vec<u32>,
    backing: Option<String>,
    present: Option<bool>,
}

fn attachment(
    v: &Volume,
    snap: &Snapshot,
    is_this_file: &dyn Fn(Option<&str>) -> bool,
    problems: &mut Vec<Problem>,
) -> Attachment {
    let mut a = Attachment {
        attached: Vec::new(),
        backing: None,
        present: None,
    };
    let Some(units) = &snap.units else {
        return a;
    };
    a.attached = units
        .iter()
        .filter(|u| is_this_file(u.file.as_deref()))
        .map(|u| u.unit)
        .collect();
    if let Some(n) = v.unit {
        let mine = units.iter().find(|u| u.unit == n);
        a.present = Some(mine.is_some());
        if let Some(u) = mine {
            a.backing = Some(u.file.clone().unwrap_or_else(|| format!("({})", u.kind)));
            if !is_this_file(u.file.as_deref()) {
                problems.push(Problem::UnitForeign);
            }
        }
        if a.attached.iter().any(|u| *u != n) {
            problems.push(Problem::UnitElsewhere);
        }
    }
    a
}

/// `path` as the kernel names it: its realpath(3) when it resolves, else as given.
pub fn kernel_name(host: &dyn Host, path: &str) -> String {
    host.canonical(Path::new(path))
        .and_then(|p| p.into_os_string().into_string().ok())
        .unwrap_or_else(|| path.to_owned())
}

/// Look at one container. `real` maps a host path to this machine's (for --root);
/// command output is compared with host paths as the kernel sees them (realpaths).
/// `released` says whether the jail's configuration detaches the unit when the jail
/// stops (jailvol's `exec.release` hook, the hooks style): without it (the mountprog
/// and seed styles, rc.conf hosts) the unit stays attached after a stop, by design.
pub fn inspect(
    v: &Volume,
    snap: &Snapshot,
    runner: &mut dyn Runner,
    host: &dyn Host,
    real: &dyn Fn(&str) -> String,
    released: bool,
) -> JailStatus {
    let mut notes = Vec::new();
    let mut problems = Vec::new();
    let real_file = real(&v.file);
    let kernel_file = kernel_name(host, &real_file);
    let is_this_file = |f: Option<&str>| f == Some(kernel_file.as_str()) || f == Some(real_file.as_str());
    let exists = host.exists(Path::new(&real_file));
    let size_actual = if exists {
        host.file_size(Path::new(&real_file)).ok()
    } else {
        None
    };
    let allocated = if exists {
        host.allocated_bytes(Path::new(&real_file)).ok()
    } else {
        None
    };
    if !exists {
        problems.push(Problem::Missing);
    }
    if v.unit.is_none() {
        problems.push(Problem::NoUnit);
    }
    let running = match jail_running(runner, &v.jail) {
        Ok(j) => Some(j.is_some()),
        Err(e) => {
            notes.push(e);
            None
        }
    };
    let units = attachment(v, snap, &is_this_file, &mut problems);
    let mounted_from = snap.mounts.as_deref().and_then(|m| {
        // mount(8) records the realpath of the mount point.
        let real_path = real(&v.path);
        let kernel_path = kernel_name(host, &real_path);
        let mnt = mount_at(m, &kernel_path).or_else(|| mount_at(m, &real_path))?;
        // A geli container is mounted from its .eli provider, never from the md unit.
        let expected = v.unit.map(|u| v.fs_device(u));
        if expected.as_deref() != Some(mnt.device.as_str()) {
            problems.push(Problem::MountedOther);
        } else if units.present == Some(false) {
            problems.push(Problem::MountedWithoutUnit);
        }
        Some(mnt.device)
    });
    let Attachment {
        attached: units_attached,
        backing: unit_backing,
        ..
    } = units;
    if running == Some(true) && snap.mounts.is_some() && mounted_from.is_none() {
        problems.push(Problem::RunningUnmounted);
    }
    if let Some(a) = size_actual
        && a != v.size
    {
        problems.push(Problem::SizeMismatch);
    }
    // Stopped and unmounted, with the configured unit holding the container: normal
    // where nothing detaches it at stop, and harmless after a failed start (jail(8)
    // runs no exec.release then); the next start reuses the unit either way.
    if let (Some(false), None, Some(n)) = (running, &mounted_from, v.unit)
        && units_attached == [n]
    {
        notes.push(attached_note(v, n, released));
    }
    let df = if mounted_from.is_some() {
        match stdout_of(runner, &["df", "-k", "-i", &real(&v.path)]) {
            Ok(t) => parse_df(&t),
            Err(e) => {
                notes.push(e);
                None
            }
        }
    } else {
        None
    };
    JailStatus {
        name: v.jail.to_string(),
        status: problems.first().map_or("ok", |p| p.word()),
        problems,
        running,
        file: v.file.to_string(),
        exists,
        size_configured: v.size,
        size_actual,
        allocated,
        unit_configured: v.unit,
        units_attached,
        unit_backing,
        path: v.path.to_string(),
        mounted_from,
        encryption: v.geli_keyfile.as_ref().map(|_| crate::settings::ENCRYPT_GELI),
        keyfile: v.geli_keyfile.clone(),
        df,
        notes,
    }
}

/// The note for a stopped jail whose unit `n` still holds its container.
fn attached_note(v: &Volume, n: u32, released: bool) -> String {
    if !released {
        return format!(
            "md{n} stays attached while the jail is stopped: this style has no release hook \
             (mountprog or seed style, rc.conf hosts), so nothing detaches it; the next start \
             reuses it, and `mdconfig -d -u {n}` detaches it by hand"
        );
    }
    // md(4) cannot detach a unit geli holds: mdN.eli goes first.
    let detach = if v.geli_keyfile.is_some() {
        format!("`geli detach md{n}.eli` (when `geli list md{n}.eli` shows it), then `mdconfig -d -u {n}`")
    } else {
        format!("`mdconfig -d -u {n}`")
    };
    format!(
        "md{n} is attached while the jail is stopped (a failed start runs no exec.release): \
         the next start reuses it; {detach} detaches it"
    )
}

fn size_or_dash(n: Option<u64>) -> String {
    n.map_or("-".into(), human)
}

/// In the largest binary unit that fits: whole when exact (`2G`), else one decimal
/// (`402.7M`); bytes below 1K as they are.
pub fn human(b: u64) -> String {
    for (shift, s) in [(40, "T"), (30, "G"), (20, "M"), (10, "K")] {
        if b >= 1 << shift {
            return if b.is_multiple_of(1 << shift) {
                format!("{}{s}", b >> shift)
            } else {
                format!("{:.1}{s}", b as f64 / (1u64 << shift) as f64)
            };
        }
    }
    b.to_string()
}

/// The table `status` prints.
pub fn to_text(list: &[JailStatus]) -> String {
    let head = [
        "JAIL",
        "STATUS",
        "RUNNING",
        "SIZE",
        "FILE-SIZE",
        "ALLOC",
        "UNIT",
        "ATTACHED",
        "MOUNTED",
        "USED",
        "AVAIL",
        "IFREE",
        "ENCRYPT",
        "CONTAINER",
    ];
    let mut rows: Vec<Vec<String>> = vec![head.iter().map(|s| (*s).to_owned()).collect()];
    for s in list {
        let attached = if s.units_attached.is_empty() {
            match (&s.unit_backing, s.unit_configured) {
                (Some(b), Some(u)) => format!("md{u}:{b}"),
                _ => "no".into(),
            }
        } else {
            s.units_attached
                .iter()
                .map(|u| format!("md{u}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        rows.push(vec![
            s.name.clone(),
            s.status.to_owned(),
            match s.running {
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
                None => "?".into(),
            },
            format_size(s.size_configured),
            size_or_dash(s.size_actual),
            size_or_dash(s.allocated),
            s.unit_configured.map_or("-".into(), |u| format!("md{u}")),
            attached,
            s.mounted_from
                .as_ref()
                .map_or("no".into(), |d| format!("{d} on {}", s.path)),
            s.df.map_or("-".into(), |d| human(d.used_kib * 1024)),
            s.df.map_or("-".into(), |d| human(d.avail_kib * 1024)),
            s.df.map_or("-".into(), |d| d.inodes_free.to_string()),
            s.encryption.unwrap_or("-").to_owned(),
            s.file.clone(),
        ]);
    }
    let cols = head.len();
    let widths: Vec<usize> = (0..cols)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for r in &rows {
        let mut line = String::new();
        for (c, cell) in r.iter().enumerate() {
            if c + 1 == cols {
                line.push_str(cell);
            } else {
                let _ = write!(line, "{cell:<w$}  ", w = widths[c]);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    for s in list {
        for n in &s.notes {
            let _ = writeln!(out, "# {}: {n}", s.name);
        }
    }
    out
}

/// `status --format json`: `{"jails": [...], "warnings": [...]}`.
pub fn to_json(list: &[JailStatus], warnings: &[String]) -> String {
    #[derive(Serialize)]
    struct Doc<'a> {
        jails: &'a [JailStatus],
        warnings: &'a [String],
    }
    let mut s = serde_json::to_string_pretty(&Doc {
        jails: list,
        warnings,
    })
    .unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md_list_lines_with_and_without_label() {
        let t = "md0\tmalloc\t   16M\t-\t\nmd101\tvnode\t  2048M\t/jails/www.ufs\t\nmd7\tvnode\t 1.0G\t/old style.ufs\nnoise\n";
        let u = parse_md_list(t);
        assert_eq!(u.len(), 3);
        assert_eq!(u[0].file, None);
        assert_eq!(u[1].unit, 101);
        assert_eq!(u[1].file.as_deref(), Some("/jails/www.ufs"));
        assert_eq!(u[1].size, "2048M");
        assert_eq!(u[2].file.as_deref(), Some("/old style.ufs"));
    }

    #[test]
    fn mount_p_padding_and_blanks() {
        // putfsent: tabs up to 24 bytes, then a single space.
        let t = "/dev/ada0p2\t\t/\t\t\tufs\trw\t\t1 1\n\
                 devfs\t\t\t/dev\t\t\tdevfs\trw\t\t0 0\n\
                 /dev/md101\t\t/jails/www\t\tufs\trw\t\t0 0\n\
                 /dev/md102\t\t/jails/a very long jail root path ufs\trw\t\t0 0\n";
        assert_eq!(mount_at(t, "/jails/www").unwrap().device, "/dev/md101");
        assert_eq!(mount_at(t, "/jails/ww"), None);
        assert_eq!(
            mount_at(t, "/jails/a very long jail root path").unwrap().device,
            "/dev/md102"
        );
        assert_eq!(mount_of(t, "/dev/md101").as_deref(), Some("/jails/www"));
        assert_eq!(mount_of(t, "/dev/md9"), None);
        // 24 bytes or more: one space, and the blanks of the name itself.
        assert_eq!(
            mount_of(t, "/dev/md102").as_deref(),
            Some("/jails/a very long jail root path")
        );
        assert_eq!(mount_of(t, "/dev/md10"), None, "a prefix of a device is not it");
        // A nullfs source with a blank, and a mount point that ends like another.
        let n = "/src with blank\t\t/jails/x /jails/www\tufs\trw\t\t0 0\n\
                 /dev/md7\t\t/jails/b\t\tufs\trw\t\t0 0\n";
        assert_eq!(mount_at(n, "/jails/www"), None);
        assert_eq!(
            mount_at(n, "/jails/x /jails/www").unwrap().device,
            "/src with blank"
        );
        assert_eq!(
            mount_of(n, "/src with blank").as_deref(),
            Some("/jails/x /jails/www")
        );
        // The padding of the type and options (one tab, then a tab or space before the
        // dump field) does not matter.
        assert_eq!(
            mount_of(
                "/dev/md12\t\t/a/rather/long/mount/point ufs\t\trw\t2 2\n",
                "/dev/md12"
            )
            .as_deref(),
            Some("/a/rather/long/mount/point")
        );
    }

    #[test]
    fn df_i_columns() {
        let t = "Filesystem 1K-blocks   Used   Avail Capacity iused  ifree %iused  Mounted on\n\
                 /dev/md101   2031132 412340 1456304    22%   12034 300412    4%  /jails/www\n";
        let d = parse_df(t).unwrap();
        assert_eq!(d.total_kib, 2031132);
        assert_eq!(d.used_kib, 412340);
        assert_eq!(d.avail_kib, 1456304);
        assert_eq!(d.inodes_used, 12034);
        assert_eq!(d.inodes_free, 300412);
        assert_eq!(parse_df("Filesystem 1K-blocks\n"), None);
        assert_eq!(parse_df("x 1 2 3 4 5 6 7 /m\n"), None);
    }

    /// Answers each command from a table; records what ran.
    struct Table(Vec<(&'static str, i32, String)>, Vec<String>);

    impl Runner for Table {
        fn run(&mut self, argv: &[String]) -> std::io::Result<crate::exec::Output> {
            let text = crate::shell::command(argv);
            self.1.push(text.clone());
            let hit = self.0.iter().find(|(k, _, _)| text.starts_with(k));
            Ok(match hit {
                Some((_, code, out)) => crate::exec::Output {
                    code: Some(*code),
                    stdout: out.clone().into_bytes(),
                    stderr: Vec::new(),
                },
                None => crate::exec::Output {
                    code: Some(1),
                    stdout: Vec::new(),
                    stderr: b"jls: jail not found".to_vec(),
                },
            })
        }
        fn pipe(&mut self, _: &[String], _: &[String]) -> std::io::Result<crate::exec::Output> {
            Err(std::io::Error::other("no pipes"))
        }
    }

    /// Every file exists with 64M, half of it allocated.
    struct Files;

    impl Host for Files {
        fn exists(&self, _: &Path) -> bool {
            true
        }
        fn is_dir(&self, _: &Path) -> bool {
            false
        }
        fn free_bytes(&self, _: &Path) -> std::io::Result<u64> {
            Ok(0)
        }
        fn lock(&mut self, p: &Path) -> std::io::Result<crate::exec::LockGuard> {
            Ok(crate::exec::LockGuard::fake(p))
        }
        fn unlock(&mut self, _: crate::exec::LockGuard) -> std::io::Result<()> {
            Ok(())
        }
        fn allocate(
            &mut self,
            _: &Path,
            _: u64,
            _: crate::exec::Alloc,
        ) -> std::io::Result<crate::exec::AllocMethod> {
            Err(std::io::Error::other("read-only"))
        }
        fn make_temp_dir(&mut self, _: &Path) -> std::io::Result<std::path::PathBuf> {
            Err(std::io::Error::other("read-only"))
        }
        fn remove_file(&mut self, _: &Path) -> std::io::Result<()> {
            Err(std::io::Error::other("read-only"))
        }
        fn remove_dir(&mut self, _: &Path) -> std::io::Result<()> {
            Err(std::io::Error::other("read-only"))
        }
        fn file_size(&self, _: &Path) -> std::io::Result<u64> {
            Ok(64 << 20)
        }
        fn read_head(&self, _: &Path, _: usize) -> std::io::Result<Vec<u8>> {
            Ok(Vec::new())
        }
        fn interrupted(&self) -> bool {
            false
        }
        fn allocated_bytes(&self, _: &Path) -> std::io::Result<u64> {
            Ok(32 << 20)
        }
    }

    fn vol(jail: &str, unit: Option<u32>) -> Volume {
        Volume {
            jail: jail.into(),
            path: format!("/j/{jail}").into(),
            size: 64 << 20,
            size_text: "64M".into(),
            file: format!("/j/{jail}.ufs").into(),
            unit,
            geli_keyfile: None,
        }
    }

    #[test]
    fn problems_from_command_output() {
        let mut r = Table(
            vec![
                (
                    "mdconfig -l -v",
                    0,
                    "md7\tvnode\t   64M\t/j/a.ufs\t\nmd9\tswap\t   64M\t-\t\n".into(),
                ),
                (
                    "mount -p",
                    0,
                    "/dev/md7\t\t/j/b\t\t\tufs\trw\t\t0 0\n/dev/ada1\t\t/j/c\t\t\tufs\trw\t\t0 0\n".into(),
                ),
                ("jls -j c jid", 0, "12\n".into()),
            ],
            Vec::new(),
        );
        let snap = snapshot(&mut r);
        let id = |p: &str| p.to_owned();
        let mut go = |v: Volume| inspect(&v, &snap, &mut r, &Files, &id, true);
        // a: its file is attached as md7, not the configured md1.
        let a = go(vol("a", Some(1)));
        assert_eq!(a.problems, [Problem::UnitElsewhere]);
        assert_eq!(a.units_attached, [7]);
        assert_eq!(a.allocated, Some(32 << 20));
        // b: no unit configured, path mounted from md7 (someone else's).
        let b = go(vol("b", None));
        assert_eq!(b.problems, [Problem::NoUnit, Problem::MountedOther]);
        assert_eq!(b.status, "no-unit");
        // c: running, mounted from a disk that is not its unit.
        let c = go(vol("c", Some(3)));
        assert_eq!(c.problems, [Problem::MountedOther]);
        assert_eq!(c.running, Some(true));
        // d: md9 is a swap disk.
        let d = go(vol("d", Some(9)));
        assert_eq!(d.problems, [Problem::UnitForeign]);
        assert_eq!(d.unit_backing.as_deref(), Some("(swap)"));
        let e = go(vol("e", Some(5)));
        assert_eq!(e.status, "ok");
        assert_eq!(e.running, Some(false));
        let text = to_text(&[a, e]);
        assert!(text.contains("unit-elsewhere"), "{text}");
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human(2 << 30), "2G");
        assert_eq!(human((1 << 30) + (300 << 20)), "1.3G");
        assert_eq!(human(412340 * 1024), "402.7M");
        assert_eq!(human((1 << 30) + 5), "1.0G");
        assert_eq!(human(512), "512");
    }
}
