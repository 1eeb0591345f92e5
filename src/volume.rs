//! Volume settings: which jails live in a container, and where it is (design §3).
//!
//! Settings are variables jail(8) ignores (`$volume_size`, `$volume_file`,
//! `$volume_md_unit`, `$volume_encrypt`, `$volume_keyfile`), so they live in the admin's own jail.conf, per jail or in a
//! wildcard block. A jail without `volume_size` is not managed.

use compact_str::CompactString;

use crate::diag::{Diag, Loc};
use crate::fstab::{control_char, control_message};
use crate::hash::Firsts;
use crate::lint::Lint;
use crate::locate;
use crate::model::{Config, FnvMap, Jail, strtol};
use crate::parse::jailconf::Parsed;

/// The settings' names, re-exported for the callers that know them from here.
pub use crate::settings::{ENCRYPT_GELI, VAR_ENCRYPT, VAR_FILE, VAR_KEYFILE, VAR_SIZE, VAR_UNIT};

/// The smallest container jailvol agrees to make. newfs(8) itself needs far less, but
/// below this a FreeBSD base system cannot fit and UFS2 metadata (4 superblock copies,
/// cylinder groups with 32 KiB blocks) takes a large share: refuse rather than surprise.
pub const MIN_SIZE: u64 = 32 * 1024 * 1024;

/// Units assigned by `generate` start here, away from the low units md(4) hands out
/// automatically (`mdconfig -a` without `-u` takes the lowest free one).
pub const FIRST_UNIT: u32 = 100;

/// A managed jail's container.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Volume {
    pub jail: CompactString,
    /// The jail's root (`path`), where the container is mounted.
    pub path: CompactString,
    pub size: u64,
    /// The size as written, e.g. `2G`.
    pub size_text: CompactString,
    pub file: CompactString,
    /// None until `generate` assigns one.
    pub unit: Option<u32>,
    /// `$volume_encrypt = geli;`: the container is a geli(8) provider on the md unit,
    /// attached with this keyfile (an absolute host path) and no passphrase; the file
    /// system is on `/dev/mdN.eli`.
    pub geli_keyfile: Option<String>,
}

impl Volume {
    /// The device the file system is on: `/dev/mdN`, or `/dev/mdN.eli` for a geli
    /// container (geli(8): "the encrypted provider ... is named after the provider with
    /// the .eli suffix", sys/geom/eli/g_eli.h `G_ELI_SUFFIX`).
    pub fn fs_device(&self, unit: u32) -> String {
        fs_device(unit, self.geli_keyfile.is_some())
    }
}

/// `/dev/mdN`, or `/dev/mdN.eli` when the unit carries geli.
pub fn fs_device(unit: u32, geli: bool) -> String {
    format!("/dev/md{unit}{}", if geli { ".eli" } else { "" })
}

/// expand_number(3): a decimal number with an optional binary suffix b, k, m, g, t, p, e
/// (either case).
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let n: u64 = s[..digits].parse().ok()?;
    let shift = match &s.as_bytes()[digits..] {
        [] => 0,
        [c] => match c.to_ascii_lowercase() {
            b'b' => 0,
            b'k' => 10,
            b'm' => 20,
            b'g' => 30,
            b't' => 40,
            b'p' => 50,
            b'e' => 60,
            _ => return None,
        },
        _ => return None,
    };
    n.checked_mul(1u64 << shift)
}

/// `1073741824` → `1G`: the largest binary unit that divides the size, which
/// `parse_size` reads back exactly; bytes as they are when no unit does.
pub fn format_size(bytes: u64) -> String {
    size_text(bytes, true)
}

/// For people, not for reading back: the largest binary unit that fits, whole when it
/// divides the size (`2G`), else with one decimal (`402.7M`); below 1K, bytes.
pub fn format_size_approx(bytes: u64) -> String {
    size_text(bytes, false)
}

/// jailvol's one size formatter: K, M, G, T as expand_number(3) reads them (powers of
/// 1024), `exact` taking only a unit that divides the size.
fn size_text(bytes: u64, exact: bool) -> String {
    for (shift, suffix) in [(40, "T"), (30, "G"), (20, "M"), (10, "K")] {
        let unit = 1u64 << shift;
        if bytes < unit {
            continue;
        }
        if bytes.is_multiple_of(unit) {
            return format!("{}{suffix}", bytes >> shift);
        }
        if !exact {
            return format!("{:.1}{suffix}", bytes as f64 / unit as f64);
        }
    }
    bytes.to_string()
}

/// Collect and validate the containers of every managed jail. Errors name the setting
/// at fault; all are reported, not just the first.
pub fn collect(cfg: &Config, parsed: Option<&Parsed>) -> Result<Vec<Volume>, Vec<Diag>> {
    collect_indexed(cfg, parsed).map(|c| c.vols)
}

/// The volumes `collect` gives, each with the jail it belongs to.
#[derive(Debug, Default)]
pub struct Collected {
    pub vols: Vec<Volume>,
    /// For each volume, the index in `Config::jails` of the first jail of its name: the
    /// one a lookup by name finds (a name can have two blocks; jail(8) keeps both).
    pub jails: Vec<usize>,
}

/// `collect`, keeping which jail each volume is for, so that callers need no lookup by
/// name of their own.
pub fn collect_indexed(cfg: &Config, parsed: Option<&Parsed>) -> Result<Collected, Vec<Diag>> {
    collect_in(cfg, parsed, None)
}

/// `collect_indexed` on two threads for a large configuration (generate, which waits
/// for the volumes with the other core idle: at 200,000 jails the longest stretch of
/// one core). check collects on its second thread while the first lints, and calls
/// `collect_indexed`.
pub fn collect_indexed_two(cfg: &Config, parsed: Option<&Parsed>) -> Result<Collected, Vec<Diag>> {
    /// Below this many jails a thread costs more than it saves.
    const TWO_AT: usize = 4_096;
    let two = cfg.jails.len() >= TWO_AT && std::thread::available_parallelism().is_ok_and(|p| p.get() > 1);
    collect_in(cfg, parsed, two.then_some(COLLECT_CHUNK))
}

/// Jails a thread of `collect_indexed_two` takes at a time.
const COLLECT_CHUNK: usize = 2_048;

/// `collect_indexed`, on two threads when there is a chunk size: the other thread finds
/// the first jail of each name, then both make the volumes, each taking the next
/// `chunk` jails no thread has taken, put in order as they come (`halves::in_order`).
/// The same volumes, jails and errors, in the same order, as one thread.
fn collect_in(cfg: &Config, parsed: Option<&Parsed>, chunk: Option<usize>) -> Result<Collected, Vec<Diag>> {
    use crate::halves::Turn;
    let n = cfg.jails.len();
    // At most one volume a jail: sized once (room never written is never touched).
    let mut got = Got {
        vols: Vec::with_capacity(n),
        jails: Vec::with_capacity(n),
        errs: Vec::new(),
    };
    let Some(chunk) = chunk.map(|c| c.max(1)) else {
        got.make(cfg, parsed, 0..n);
        return got.finish(cfg, parsed, &first_of(cfg), false);
    };
    let range = |k: usize| k * chunk..((k + 1) * chunk).min(n);
    let apart = |k: usize| {
        let mut made = Got::default();
        made.make(cfg, parsed, range(k));
        made
    };
    let first = crate::halves::in_order(
        n.div_ceil(chunk),
        |take, send| {
            let first = first_of(cfg);
            while let Some(k) = take() {
                if !send(k, apart(k)) {
                    break;
                }
            }
            first
        },
        |turn| match turn {
            Turn::Make(k) => {
                got.make(cfg, parsed, range(k));
                None
            }
            Turn::Apart(k) => Some(apart(k)),
            Turn::Add(made) => {
                got.append(made);
                None
            }
        },
    )
    .unwrap_or_else(|| first_of(cfg));
    got.finish(cfg, parsed, &first, true)
}

/// For each jail, the index of the first jail of its name, found with one probe a jail
/// (at 200,000 jails each probe is a cache miss or two).
fn first_of(cfg: &Config) -> Vec<usize> {
    let mut first = Firsts::with_capacity(cfg.jails.len());
    cfg.jails
        .iter()
        .enumerate()
        .map(|(i, j)| first.first(j.name.as_str(), i).unwrap_or(i))
        .collect()
}

/// The volumes of some jails, in order: each with the index of its jail (the first of
/// its name once `finish`ed), and the refusals.
#[derive(Default)]
struct Got {
    vols: Vec<Volume>,
    jails: Vec<usize>,
    errs: Vec<Diag>,
}

impl Got {
    /// The volumes of the managed jails among `range` of `cfg.jails`.
    fn make(&mut self, cfg: &Config, parsed: Option<&Parsed>, range: std::ops::Range<usize>) {
        let find = locate::Finder::new(["path"], crate::settings::ALL);
        let start = range.start;
        for (i, j) in cfg.jails.get(range).unwrap_or_default().iter().enumerate() {
            let ([path], [size, file, unit, encrypt, keyfile]) = find.get(j);
            let Some(size_text) = locate::last(size) else {
                continue;
            };
            match volume_of(
                j,
                locate::last(path),
                size_text,
                locate::last(file),
                locate::last(unit),
                (locate::last(encrypt), locate::last(keyfile)),
            ) {
                Ok(v) => {
                    self.vols.push(v);
                    self.jails.push(start + i);
                }
                Err(f) => self.errs.push(
                    Lint::BadVolumeSettings
                        .diag(f.loc(parsed, j), format!("{}: {}", j.name, f.msg))
                        .with_jail(&j.name),
                ),
            }
        }
    }

    fn append(&mut self, mut other: Got) {
        self.vols.append(&mut other.vols);
        self.jails.append(&mut other.jails);
        self.errs.append(&mut other.errs);
    }

    /// Each jail's index made the first of its name's (`first`: `first_of`), and the
    /// volumes that share a container or a unit refused (on two threads when `two`).
    fn finish(
        mut self,
        cfg: &Config,
        parsed: Option<&Parsed>,
        first: &[usize],
        two: bool,
    ) -> Result<Collected, Vec<Diag>> {
        for i in &mut self.jails {
            *i = first.get(*i).copied().unwrap_or(*i);
        }
        shared(cfg, parsed, &self.vols, &self.jails, two, &mut self.errs);
        if self.errs.is_empty() {
            Ok(Collected {
                vols: self.vols,
                jails: self.jails,
            })
        } else {
            Err(self.errs)
        }
    }
}

/// A setting at fault, and why.
struct Fault {
    /// The variable (`$volume_*`) or parameter the message points at.
    name: &'static str,
    is_var: bool,
    msg: String,
}

impl Fault {
    fn var(name: &'static str, msg: String) -> Fault {
        Fault {
            name,
            is_var: true,
            msg,
        }
    }

    /// The statement that set it, else the jail's block.
    fn loc(&self, parsed: Option<&Parsed>, j: &Jail) -> Option<Loc> {
        setting_loc(parsed, j, self.name, self.is_var)
    }
}

fn setting_loc(parsed: Option<&Parsed>, j: &Jail, name: &str, is_var: bool) -> Option<Loc> {
    parsed
        .and_then(|p| locate::statement(p, j, name, is_var))
        .or_else(|| j.loc.clone())
}

/// The container of managed jail `j`, from its settings as jail(8) would merge them.
fn volume_of(
    j: &Jail,
    path: Option<&str>,
    size_text: &str,
    file: Option<&str>,
    unit: Option<&str>,
    (encrypt, keyfile): (Option<&str>, Option<&str>),
) -> Result<Volume, Fault> {
    check_jail_name(&j.name).map_err(|msg| Fault::var(VAR_SIZE, msg))?;
    let Some(path) = path else {
        return Err(Fault::var(
            VAR_SIZE,
            "a container needs the jail's \"path\"".into(),
        ));
    };
    if !path.starts_with('/') {
        return Err(Fault::var(VAR_SIZE, format!("path \"{path}\" is not absolute")));
    }
    if let Some(c) = control_char(path) {
        return Err(Fault {
            name: "path",
            is_var: false,
            msg: format!("path {path:?} {}", control_message(c)),
        });
    }
    let path = normalize(path);
    let size = size_of(size_text).map_err(|msg| Fault::var(VAR_SIZE, msg))?;
    let file = file.map_or_else(
        || {
            let mut f = String::with_capacity(path.len() + 4);
            f.push_str(&path);
            f.push_str(".ufs");
            f
        },
        normalize,
    );
    if !file.starts_with('/') {
        return Err(Fault::var(
            VAR_FILE,
            format!("$volume_file \"{file}\" is not an absolute path"),
        ));
    }
    let dir = path.trim_end_matches('/');
    if file == path || file.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/')) {
        return Err(Fault::var(
            VAR_FILE,
            format!(
                "$volume_file {file} is inside the jail's own path {path}: it would be hidden by the mount"
            ),
        ));
    }
    if let Some(c) = control_char(&file) {
        return Err(Fault::var(
            VAR_FILE,
            format!("container {file:?} {}", control_message(c)),
        ));
    }
    let unit = match unit {
        None => None,
        Some(u) => {
            let u = u.strip_prefix("md").unwrap_or(u);
            let (v, used) = strtol(u);
            if used == 0 || used != u.len() || !(0..=i64::from(u32::MAX / 2)).contains(&v) {
                return Err(Fault::var(
                    VAR_UNIT,
                    format!("$volume_md_unit \"{u}\" is not an md unit number"),
                ));
            }
            Some(v as u32)
        }
    };
    let geli_keyfile = geli_of(encrypt, keyfile, &path)?;
    Ok(Volume {
        jail: j.name.as_str().into(),
        path: path.into(),
        size,
        size_text: size_text.into(),
        file: file.into(),
        unit,
        geli_keyfile,
    })
}

/// `$volume_encrypt` and `$volume_keyfile` together: the keyfile of a geli container,
/// None for a plain one. Every half-set combination is refused, as each would leave
/// the container unencrypted or unattachable without a word.
fn geli_of(encrypt: Option<&str>, keyfile: Option<&str>, path: &str) -> Result<Option<String>, Fault> {
    let keyfile = keyfile.map(normalize);
    match (encrypt, keyfile) {
        (None, None) => Ok(None),
        (None, Some(k)) => Err(Fault::var(
            VAR_KEYFILE,
            format!(
                "$volume_keyfile {k} is set but $volume_encrypt is not: the container would not be \
                 encrypted (add `$volume_encrypt = {ENCRYPT_GELI};`, or remove $volume_keyfile)"
            ),
        )),
        (Some(e), _) if e != ENCRYPT_GELI => Err(Fault::var(
            VAR_ENCRYPT,
            format!("$volume_encrypt \"{e}\" is not an encryption jailvol knows (only \"{ENCRYPT_GELI}\")"),
        )),
        (Some(_), None) => Err(Fault::var(
            VAR_ENCRYPT,
            format!(
                "$volume_encrypt = {ENCRYPT_GELI} needs $volume_keyfile: the jail starts without a \
                 person at the console, so geli attaches with a keyfile and no passphrase \
                 (make one with `dd if=/dev/random of=KEYFILE bs=64 count=1`)"
            ),
        )),
        (Some(_), Some(k)) => {
            if !k.starts_with('/') {
                return Err(Fault::var(
                    VAR_KEYFILE,
                    format!("$volume_keyfile \"{k}\" is not an absolute path"),
                ));
            }
            if let Some(c) = control_char(&k) {
                return Err(Fault::var(
                    VAR_KEYFILE,
                    format!("keyfile {k:?} {}", control_message(c)),
                ));
            }
            let dir = path.trim_end_matches('/');
            if k == path || k.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/')) {
                return Err(Fault::var(
                    VAR_KEYFILE,
                    format!(
                        "$volume_keyfile {k} is inside the jail's own path {path}: it is needed \
                         before the container is mounted there"
                    ),
                ));
            }
            Ok(Some(k))
        }
    }
}

/// `$volume_size` in bytes: a size, at least `MIN_SIZE`, in whole sectors.
fn size_of(size_text: &str) -> Result<u64, String> {
    match parse_size(size_text) {
        None => Err(format!(
            "$volume_size \"{size_text}\" is not a size (a number with k, m, g or t)"
        )),
        Some(s) if s < MIN_SIZE => Err(format!(
            "$volume_size {size_text} is below the {} minimum for a UFS jail root",
            format_size(MIN_SIZE)
        )),
        Some(s) if s % 512 != 0 => Err(format!(
            "$volume_size {size_text} is not a whole number of 512-byte sectors"
        )),
        Some(s) => Ok(s),
    }
}

/// Two jails never share a container or a unit: JV013 and JV012 for the second.
fn shared(
    cfg: &Config,
    parsed: Option<&Parsed>,
    vols: &[Volume],
    at: &[usize],
    two: bool,
    errs: &mut Vec<Diag>,
) {
    if !two {
        errs.extend(
            shared_part(cfg, parsed, vols, at, None)
                .into_iter()
                .map(|(_, e)| e),
        );
        return;
    }
    // Two threads, each with the containers and units of one half of the hashes: two
    // volumes that share one have the same hash, so each clash is found by one of
    // them, as the one map finds it. The maps' probes, a cache miss or two each, were
    // the longest stretch of generate at 200,000 jails with one core idle.
    let (mut found, other) = crate::halves::both(
        || shared_part(cfg, parsed, vols, at, Some(false)),
        || shared_part(cfg, parsed, vols, at, Some(true)),
    );
    found.extend(other);
    // In the order of one map: by volume, its container before its unit.
    found.sort_unstable_by_key(|(k, _)| *k);
    errs.extend(found.into_iter().map(|(_, e)| e));
}

/// `shared` for the containers and units whose hash's half is `half` (all without
/// one): each refusal with its volume and whether it is of a unit.
fn shared_part(
    cfg: &Config,
    parsed: Option<&Parsed>,
    vols: &[Volume],
    at: &[usize],
    half: Option<bool>,
) -> Vec<((usize, bool), Diag)> {
    use std::hash::BuildHasher as _;
    let hasher = std::hash::BuildHasherDefault::<crate::hash::Fnv>::default();
    let in_half = |h: u64, x: bool| (h >> 32) & 1 == u64::from(x);
    // Hashed only for a half: alone (check's worker), every container is this one's.
    let mine_file = |f: &str| half.is_none_or(|x| in_half(hasher.hash_one(f), x));
    let mine_unit = |u: u32| half.is_none_or(|x| in_half(u64::from(u) << 32, x));
    let mut found = Vec::new();
    // Half the names each, and some room for an uneven half.
    let room = if half.is_some() {
        vols.len() / 2 + vols.len() / 16
    } else {
        vols.len()
    };
    let mut files: Firsts<&str> = Firsts::with_capacity(room);
    let mut units: FnvMap<u32, &str> = FnvMap::default();
    units.reserve(room);
    let loc = |ji: usize, var: &str| cfg.jails.get(ji).and_then(|j| setting_loc(parsed, j, var, true));
    for (i, (a, &ji)) in vols.iter().zip(at).enumerate() {
        if mine_file(a.file.as_str())
            && let Some(first) = files.first(&a.file, &a.jail)
        {
            found.push((
                (i, false),
                Lint::SharedContainer
                    .diag(
                        loc(ji, VAR_FILE),
                        format!(
                            "{}: container {} is also the container of jail \"{first}\"",
                            a.jail, a.file
                        ),
                    )
                    .with_jail(a.jail.as_str()),
            ));
        }
        if let Some(u) = a.unit
            && mine_unit(u)
        {
            if let Some(first) = units.get(&u) {
                found.push((
                    (i, true),
                    Lint::SharedUnit
                        .diag(
                            loc(ji, VAR_UNIT),
                            format!("{}: md unit {u} is also used by jail \"{first}\"", a.jail),
                        )
                        .with_jail(a.jail.as_str()),
                ));
            } else {
                units.insert(u, &a.jail);
            }
        }
    }
    found
}

/// Give every volume without a unit the lowest free one from FIRST_UNIT up. Returns the
/// jails that got one (they are written back into the configuration).
pub fn assign_units(vols: &mut [Volume]) -> Vec<(String, u32)> {
    let got = fill_units(vols);
    got.into_iter()
        .filter_map(|i| vols.get(i))
        .map(|v| (v.jail.to_string(), v.unit.unwrap_or(FIRST_UNIT)))
        .collect()
}

/// `assign_units`, returning the indices in `vols` of the volumes that got a unit:
/// generate, for thousands of jails, needs no copy of their names.
pub fn fill_units(vols: &mut [Volume]) -> Vec<usize> {
    // The units taken, in order, passed by as `next` climbs: a set of 50,000 units
    // built and asked one at a time was a twentieth of generate.
    let mut used: Vec<u32> = vols.iter().filter_map(|v| v.unit).collect();
    used.sort_unstable();
    let mut used = used.into_iter().peekable();
    let mut assigned = Vec::new();
    let mut next = FIRST_UNIT;
    for (i, v) in vols.iter_mut().enumerate().filter(|(_, v)| v.unit.is_none()) {
        while let Some(&u) = used.peek()
            && u <= next
        {
            if u == next {
                next += 1;
            }
            used.next();
        }
        v.unit = Some(next);
        assigned.push(i);
        next += 1;
    }
    assigned
}

/// For the volumes `fill_units` gave a unit (`assigned`, indices in the volumes) and
/// each volume's jail (`at`, `Collected::jails`: the first jail of its name), whether a
/// jail's unit is assigned now, by jail index. Two volumes of one name have the same
/// `at`, so a unit assigned to either marks both, as the set of names generate kept
/// before did. Indexed, not hashed: at 200,000 jails that set's lookups were 2% of
/// generate.
pub fn assigned_jails(assigned: &[usize], at: &[usize]) -> Vec<bool> {
    let mut marked = Vec::new();
    for &ji in assigned.iter().filter_map(|&n| at.get(n)) {
        if marked.len() <= ji {
            marked.resize(ji + 1, false);
        }
        marked[ji] = true;
    }
    marked
}

/// A jail name becomes part of file names: it must not leave its directory.
pub fn check_jail_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("an empty jail name cannot name a file".into());
    }
    if name.contains('/') {
        return Err(format!(
            "jail name \"{name}\" contains '/', which cannot be part of a file name"
        ));
    }
    if name == "." || name == ".." || name.contains("..") {
        return Err(format!("jail name \"{name}\" contains \"..\""));
    }
    if name.chars().any(|c| c.is_control()) {
        return Err(format!("jail name {name:?} contains a control character"));
    }
    Ok(())
}

/// Collapse `//` and a trailing `/` so paths compare as the kernel sees them.
fn normalize(p: &str) -> String {
    // Byte pairs, not `str::contains`: its substring search costs more to set up than a
    // short path takes to scan, and this runs twice per jail.
    let doubled = p.as_bytes().windows(2).any(|w| w == b"//");
    if !doubled && (p.len() <= 1 || !p.ends_with('/')) {
        return p.to_owned();
    }
    let mut out = String::with_capacity(p.len());
    for c in p.chars() {
        if c == '/' && out.ends_with('/') {
            continue;
        }
        out.push(c);
    }
    if out.len() > 1 && out.ends_with('/') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The volumes made on two threads in chunks are those of one thread: the same
    /// volumes, first jails of each name, and errors in the same order, whatever the
    /// chunk's size; with the refusals of bad settings, shared containers and units,
    /// and names with two blocks among them.
    #[test]
    fn collected_in_chunks_is_collected_on_one_thread() {
        use crate::diag::Source;
        use crate::parse::jailconf::parse_source;
        use crate::parse::loader::Loader;
        let mut text = String::from("* { path = \"/j/$name\"; }\n");
        for i in 0..600 {
            let block = match i % 9 {
                0 => format!("j{i} {{ $volume_size = 1G; }}\n"),
                1 => format!("j{i} {{ $volume_size = 2X; }}\n"),
                2 => format!("j{i} {{ }}\n"),
                3 => format!(
                    "j{i} {{ $volume_size = 1G; $volume_file = /shared{}.ufs; }}\n",
                    i % 7
                ),
                4 => format!(
                    "j{i} {{ $volume_size = 1G; $volume_md_unit = {}; }}\n",
                    100 + i % 4
                ),
                5 => format!("j{} {{ $volume_size = 1G; }}\n", i - 5),
                6 => format!("j{i} {{ $volume_size = 1G; $volume_md_unit = nope; }}\n"),
                _ => format!("j{i} {{ $volume_size = 3M; }}\n"),
            };
            text.push_str(&block);
        }
        let parsed = parse_source(&Loader::sealed(), Source::new("/j.conf", text), false).unwrap();
        let cfg = crate::model::load(&parsed);
        let shown = |c: Result<Collected, Vec<Diag>>| -> String {
            match c {
                Ok(c) => format!("{:?} {:?}", c.vols, c.jails),
                Err(errs) => errs
                    .iter()
                    .map(|e| format!("{:?} {}\n", e.loc.as_ref().map(|l| l.line()), e.message))
                    .collect(),
            }
        };
        let one = shown(collect_in(&cfg, Some(&parsed), None));
        // Clashes of containers and units in both halves of `shared`'s hashes.
        assert!(
            (0..7).all(|k| one.contains(&format!("container /shared{k}.ufs")))
                && (100..104).all(|u| one.contains(&format!("md unit {u} ")))
                && one.contains("2X"),
            "{one}"
        );
        for chunk in [1, 2, 7, 64, 599, 600, 5_000] {
            assert_eq!(
                shown(collect_in(&cfg, Some(&parsed), Some(chunk))),
                one,
                "chunks of {chunk}"
            );
        }
        // And without errors, the volumes and the first jail of each name.
        let cfg_ok = crate::model::load(
            &parse_source(
                &Loader::sealed(),
                Source::new(
                    "/k.conf",
                    (0..300)
                        .map(|i| format!("k{} {{ path = /k/{i}; $volume_size = 1G; }}\n", i % 250))
                        .collect::<String>(),
                ),
                false,
            )
            .unwrap(),
        );
        let one = collect_in(&cfg_ok, None, None).unwrap();
        assert!(one.jails.iter().any(|&j| j < 250) && one.jails.iter().enumerate().any(|(i, &j)| i != j));
        for chunk in [1, 3, 64, 300] {
            let two = collect_in(&cfg_ok, None, Some(chunk)).unwrap();
            assert_eq!(
                format!("{:?} {:?}", two.vols, two.jails),
                format!("{:?} {:?}", one.vols, one.jails)
            );
        }
    }

    #[test]
    fn normalize_collapses_slashes_and_drops_a_trailing_one() {
        for (p, want) in [
            ("/a//b/", "/a/b"),
            ("/", "/"),
            ("//", "/"),
            ("/a", "/a"),
            ("a//", "a"),
            ("/jails/x", "/jails/x"),
            ("/a/b//", "/a/b"),
            ("", ""),
        ] {
            assert_eq!(normalize(p), want, "{p}");
        }
    }

    #[test]
    fn sizes_like_expand_number() {
        assert_eq!(parse_size("2G"), Some(2 << 30));
        assert_eq!(parse_size("512m"), Some(512 << 20));
        assert_eq!(parse_size("1024"), Some(1024));
        assert_eq!(parse_size("1.5G"), None);
        assert_eq!(parse_size("2GB"), None);
        assert_eq!(parse_size(""), None);
        assert_eq!(parse_size("99999999999999999999e"), None);
        assert_eq!(format_size(2 << 30), "2G");
        assert_eq!(format_size(1536 << 20), "1536M");
        assert_eq!(format_size(1000), "1000");
        assert_eq!(format_size((1 << 20) + 512), "1049088");
        for n in [0, 1, 1023, 1 << 10, 5 << 30, (1 << 40) + (1 << 30), u64::MAX] {
            assert_eq!(parse_size(&format_size(n)), Some(n), "{n}");
        }
        assert_eq!(format_size_approx(2 << 30), "2G");
        assert_eq!(format_size_approx(422_254_592), "402.7M");
        assert_eq!(format_size_approx((1 << 30) + (1 << 29)), "1.5G");
        assert_eq!(format_size_approx(1023), "1023");
        assert_eq!(format_size_approx(1536), "1.5K");
    }

    #[test]
    fn names_stay_in_their_directory() {
        assert!(check_jail_name("web.front").is_ok());
        assert!(check_jail_name("a/b").is_err());
        assert!(check_jail_name("..").is_err());
        assert!(check_jail_name("a..b").is_err());
    }

    #[test]
    fn units_fill_from_100_skipping_taken_ones() {
        let v = |j: &str, u: Option<u32>| Volume {
            jail: j.into(),
            path: format!("/j/{j}").into(),
            size: 1 << 30,
            size_text: "1G".into(),
            file: format!("/j/{j}.ufs").into(),
            unit: u,
            geli_keyfile: None,
        };
        let mut vols = vec![v("a", None), v("b", Some(100)), v("c", None)];
        let got = assign_units(&mut vols);
        assert_eq!(got, vec![("a".to_string(), 101), ("c".to_string(), 102)]);
    }

    /// The volumes of a jail's name share its `at`: a unit assigned to one marks the
    /// jail for all of them; jails whose volumes all had a unit stay unmarked.
    #[test]
    fn a_unit_assigned_to_one_volume_of_a_name_marks_that_jail() {
        // Volumes 0 and 2 are of jail 1's name (two blocks), volume 1 of jail 3.
        let at = [1, 3, 1];
        assert_eq!(assigned_jails(&[2], &at), [false, true]);
        assert_eq!(assigned_jails(&[1], &at), [false, false, false, true]);
        assert!(assigned_jails(&[], &at).is_empty());
        let mut vols = vec![
            Volume {
                unit: Some(100),
                ..Volume::default()
            },
            Volume::default(),
        ];
        assert_eq!(fill_units(&mut vols), [1]);
        assert_eq!(vols[1].unit, Some(101));
    }

    proptest::proptest! {
        /// Each volume without a unit gets the lowest one no volume has and none before
        /// it got: units taken in any order, repeated, below 100 and above it.
        #[test]
        fn units_are_the_lowest_free(units in proptest::collection::vec(proptest::option::of(95u32..115), 0..30)) {
            let mut vols: Vec<Volume> = units
                .iter()
                .enumerate()
                .map(|(i, &unit)| Volume {
                    jail: format!("j{i}").into(),
                    unit,
                    ..Volume::default()
                })
                .collect();
            let got = assign_units(&mut vols);
            let mut used: std::collections::BTreeSet<u32> = units.iter().flatten().copied().collect();
            let mut want = Vec::new();
            for (i, u) in units.iter().enumerate() {
                if u.is_none() {
                    let free = (FIRST_UNIT..).find(|n| !used.contains(n)).unwrap();
                    used.insert(free);
                    want.push((format!("j{i}"), free));
                }
            }
            proptest::prop_assert_eq!(got, want);
        }
    }
}
