//! Writing `convert -o FILE`. A FILE that does not exist is written whole. An existing
//! FILE is a jail.conf the admin keeps, with other jails and jailvol's marked
//! statements in it: the converted blocks are merged into it (`write_merged`), never
//! written over it. Every write is atomic (`write::Staged`): the text goes to
//! `.NAME.tmp.PID` in FILE's directory, is fsynced, then linked (a new file: fails if
//! FILE appeared meanwhile, with no window where it could be clobbered) or renamed over
//! FILE (keeping its mode and, where the caller may, its owner), and the directory is
//! fsynced.

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::io::Read as _;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use std::sync::Arc;

use super::Conversion;
use crate::diag::{Diag, Loc, Source, exit};
use crate::model::{self, Jail};
use crate::parse::jailconf::{self, Parsed};
use crate::parse::loader::Loader;
use crate::write::Staged;

/// A failed write: the Diag to print (exit 73).
pub type OutputError = Diag;

/// The mode of a file `convert` creates (jail.conf's in FreeBSD's /etc, and what
/// `generate` gives it): explicit, so a permissive umask cannot make it writable by
/// others, jail(8) runs its exec.* commands as root.
const NEW_FILE_MODE: u32 = 0o644;

fn cant(host: &str, what: &str, e: &std::io::Error) -> Diag {
    Diag::error(None, format!("{host}: {what}: {e}")).with_exit(exit::CANTCREAT)
}

/// Where FILE is on this machine.
struct Target {
    real: PathBuf,
}

fn target(loader: &Loader, host: &str) -> Result<Target, Diag> {
    let real = loader.real_path(host);
    if real.file_name().is_none() {
        return Err(Diag::error(None, format!("{host}: not a file name")).with_exit(exit::CANTCREAT));
    }
    Ok(Target { real })
}

/// Write `text` to the host path `host` (below the loader's root). Without `force` an
/// existing file is left alone and the result is an error; with it the file is replaced
/// whole. `convert` uses this only for a file that does not exist yet (`write_merged`)
/// and for JSON (`write_json`): a jail.conf is merged into, never replaced.
pub fn write_atomic(loader: &Loader, host: &str, text: &str, force: bool) -> Result<(), OutputError> {
    let t = target(loader, host)?;
    let existing = fs::symlink_metadata(&t.real).ok();
    if let Some(m) = &existing {
        if !force {
            return Err(
                Diag::error(None, format!("{host}: file exists (use --force to replace it)"))
                    .with_exit(exit::CANTCREAT),
            );
        }
        if m.is_dir() {
            return Err(Diag::error(None, format!("{host}: is a directory")).with_exit(exit::CANTCREAT));
        }
    }
    let keep = existing.as_ref().filter(|m| m.is_file());
    let mut warnings = Vec::new();
    let how = Place {
        keep,
        replace: existing.is_some(),
        unchanged: None,
    };
    place_new_text(host, &t, text.as_bytes(), &how, &mut warnings)
}

/// `convert -o FILE --format json`: a JSON document is never merged into anything. A
/// FILE that exists is replaced only with `force` and only when it holds a JSON
/// document (an earlier output), so a mistyped `-o /etc/jail.conf` cannot wipe a
/// jail.conf.
pub fn write_json(loader: &Loader, host: &str, text: &str, force: bool) -> Result<(), OutputError> {
    let t = target(loader, host)?;
    if force && let Some(old) = read_existing(host, &t.real)? {
        if serde_json::from_slice::<serde::de::IgnoredAny>(&old.bytes).is_err() {
            return Err(Diag::error(
                None,
                format!(
                    "{host}: exists and is not a JSON document; --force replaces only an earlier JSON output"
                ),
            )
            .with_note("write the JSON to another file, or to standard output (without -o)")
            .with_exit(exit::CANTCREAT));
        }
        let mut warnings = Vec::new();
        return place_new_text(host, &t, text.as_bytes(), &Place::over(&old.meta), &mut warnings);
    }
    write_atomic(loader, host, text, false)
}

/// What `write_merged` did.
#[derive(Debug, Default)]
pub struct Written {
    /// FILE did not exist and was written.
    pub created: bool,
    /// Jails whose blocks were appended, in order.
    pub added: Vec<String>,
    /// Jails whose existing block was replaced (`--force`).
    pub replaced: Vec<String>,
    /// False when FILE already held exactly the merged text (nothing was written).
    pub changed: bool,
    /// Things the admin should know about the merged file (statements outside the
    /// converted blocks that apply to them, an owner that could not be kept).
    pub warnings: Vec<Diag>,
}

/// `convert -o FILE`: write the converted jails to FILE without losing anything FILE
/// already holds.
///
/// * FILE does not exist: the conversion's text, as on standard output.
/// * FILE exists: it must parse as jail.conf (with jailvol's parser, includes and all);
///   otherwise it is refused with the parse error and left alone, `force` or not. The
///   blocks of jails FILE does not have are appended after its last byte (after a
///   newline and a blank line when it does not end with them), below the conversion's
///   header comment. A jail FILE already has a block for is refused (exit 73, at that
///   block) unless `force`, which replaces exactly that block, from its name to its `}`,
///   with the converted one; every other byte of FILE stays as it is. A jail defined in
///   a file FILE includes, or in two blocks (jail(8) keeps both as jails of their own,
///   spec "Duplicate blocks"), is refused even with `force`.
/// * The merged text is parsed again and must hold every jail FILE held plus the ones
///   added, and load without errors jail(8) would not already have had with FILE.
///
/// Running it twice with `force` gives the same bytes; without `force` the second run is
/// refused. Nothing is written on any error.
pub fn write_merged(
    loader: &Loader,
    host: &str,
    conv: &Conversion<'_>,
    explain: bool,
    force: bool,
) -> Result<Written, Vec<Diag>> {
    let t = target(loader, host).map_err(|d| vec![d])?;
    let Some(old) = read_existing(host, &t.real).map_err(|d| vec![d])? else {
        let mut written = Written {
            created: true,
            changed: true,
            added: conv.blocks.iter().map(|b| b.name.clone()).collect(),
            ..Written::default()
        };
        let text = conv.render(explain);
        place_new_text(host, &t, text.as_bytes(), &Place::NEW, &mut written.warnings).map_err(|d| vec![d])?;
        return Ok(written);
    };
    let merge = merge(loader, host, &old.bytes, conv, explain, force)?;
    let mut written = Written {
        added: merge.added,
        replaced: merge.replaced,
        changed: merge.bytes != old.bytes,
        warnings: merge.warnings,
        ..Written::default()
    };
    if written.changed {
        place_new_text(
            host,
            &t,
            &merge.bytes,
            &Place::over(&old.meta),
            &mut written.warnings,
        )
        .map_err(|d| vec![d])?;
    }
    Ok(written)
}

/// The merged bytes, and what went into them.
struct Merge {
    bytes: Vec<u8>,
    added: Vec<String>,
    replaced: Vec<String>,
    warnings: Vec<Diag>,
}

/// `note` for every refusal of an existing FILE.
fn left_alone(host: &str) -> String {
    format!("{host} was left as it is")
}

fn merge(
    loader: &Loader,
    host: &str,
    raw: &[u8],
    conv: &Conversion<'_>,
    explain: bool,
    force: bool,
) -> Result<Merge, Vec<Diag>> {
    let source = Source::new(host, String::from_utf8_lossy(raw).into_owned());
    let parsed = jailconf::parse_source(loader, Arc::clone(&source), false).map_err(|d| {
        vec![d.with_note(format!(
            "{}: jailvol adds jails only to a file that parses as jail.conf, and replaces none \
                 (not with --force either)",
            left_alone(host)
        ))]
    })?;
    let mut errors = Vec::new();
    let mut appended = Vec::new();
    // (start, end) in `raw`, the converted block's text.
    let mut splices: Vec<(usize, usize, String)> = Vec::new();
    let mut replaced = Vec::new();
    for b in &conv.blocks {
        let blocks: Vec<&jailconf::BlockSpan> = parsed
            .jails
            .iter()
            .filter(|r| r.name == b.name.as_str())
            .filter_map(|r| r.block.as_ref())
            .collect();
        let Some(first) = blocks.first() else {
            appended.push(b.clone());
            continue;
        };
        if let Some(e) = refusal(host, &b.name, &blocks, &source, force) {
            errors.push(e);
            continue;
        }
        let text = block_text(conv, b, explain).map_err(|d| vec![d])?;
        let start = raw_offset(raw, first.header);
        let end = raw_offset(raw, first.close + 1);
        splices.push((start, end, text));
        replaced.push(b.name.clone());
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let added: Vec<String> = appended.iter().map(|b| b.name.clone()).collect();
    let bytes = merged_bytes(raw, splices, appended, conv, explain);
    let mut warnings = Vec::new();
    if bytes != raw {
        warnings = verify(loader, host, &parsed, &bytes, conv, &added)?;
    }
    Ok(Merge {
        bytes,
        added,
        replaced,
        warnings,
    })
}

/// Why the converted jail `name` cannot take the place of its `blocks` in FILE (`source`):
/// one is in an included file, there are two, or replacing needs `force`. None when it
/// can.
fn refusal(
    host: &str,
    name: &str,
    blocks: &[&jailconf::BlockSpan],
    source: &Arc<Source>,
    force: bool,
) -> Option<Diag> {
    let at = |s: &jailconf::BlockSpan| Loc::new(&s.source, s.header);
    if let Some(inc) = blocks.iter().find(|s| !s.source.same(source)) {
        return Some(
            Diag::error(
                Some(at(inc)),
                format!(
                    "jail \"{name}\" is defined in {}, which {host} includes",
                    inc.source.name
                ),
            )
            .with_note(format!(
                "convert -o writes only {host}; {} (remove or convert that block by hand)",
                left_alone(host)
            ))
            .with_exit(exit::CANTCREAT),
        );
    }
    if let [_, second, ..] = blocks {
        let lines: Vec<String> = blocks
            .iter()
            .map(|s| format!("{}:{}", s.source.name, at(s).line()))
            .collect();
        return Some(
            Diag::error(
                Some(at(second)),
                format!(
                    "jail \"{name}\" has {} blocks in {host} ({})",
                    blocks.len(),
                    lines.join(", ")
                ),
            )
            .with_note(
                "jail(8) does not merge them: each is a jail of its own, and `jail -c` fails \
                 on the second (already exists)",
            )
            .with_note(format!(
                "--force replaces a single block, and will not choose one; {}",
                left_alone(host)
            ))
            .with_exit(exit::CANTCREAT),
        );
    }
    let first = blocks.first().filter(|_| !force)?;
    Some(
        Diag::error(
            Some(at(first)),
            format!("{host} already has a block for jail \"{name}\""),
        )
        .with_note(format!(
            "{}; --force replaces this block (and nothing else in {host}) with the converted one",
            left_alone(host)
        ))
        .with_exit(exit::CANTCREAT),
    )
}

/// FILE's bytes `raw` with the replaced blocks spliced in and the `appended` ones after
/// its last byte.
fn merged_bytes(
    raw: &[u8],
    mut splices: Vec<(usize, usize, String)>,
    appended: Vec<super::Block<'_>>,
    conv: &Conversion<'_>,
    explain: bool,
) -> Vec<u8> {
    splices.sort_by_key(|s| s.0);
    let mut bytes = Vec::with_capacity(raw.len() + 1024);
    let mut at = 0;
    for (start, end, text) in &splices {
        bytes.extend_from_slice(&raw[at..*start]);
        bytes.extend_from_slice(text.as_bytes());
        at = *end;
    }
    bytes.extend_from_slice(&raw[at..]);
    if !appended.is_empty() {
        // A newline first, so that text after a last comment line with no newline is
        // not swallowed by it; then a blank line, as between the converted blocks.
        if !bytes.is_empty() {
            if !bytes.ends_with(b"\n") {
                bytes.push(b'\n');
            }
            if !bytes.ends_with(b"\n\n") {
                bytes.push(b'\n');
            }
        }
        let part = Conversion {
            blocks: appended,
            sources: conv.sources.clone(),
            ..Conversion::default()
        };
        bytes.extend_from_slice(part.render(explain).as_bytes());
    }
    bytes
}

/// The text of the converted block `b`, from its name to its `}` (the `--explain`
/// comments inside it included; those before its name are written only with a block
/// that is appended, as nothing outside a replaced block's span changes).
fn block_text(conv: &Conversion<'_>, b: &super::Block<'_>, explain: bool) -> Result<String, Diag> {
    let one = Conversion {
        blocks: vec![b.clone()],
        sources: conv.sources.clone(),
        ..Conversion::default()
    };
    let text = one.render(explain);
    let bug = |what: &str| {
        Diag::error(None, format!("the converted block of jail \"{}\" {what}", b.name))
            .with_exit(exit::SOFTWARE)
    };
    let parsed = jailconf::parse_source(&Loader::sealed(), Source::new("converted", text.as_str()), false)
        .map_err(|d| bug(&format!("does not parse: {d}")))?;
    let span = parsed
        .jails
        .iter()
        .find_map(|r| r.block.as_ref())
        .ok_or_else(|| bug("has no block"))?;
    text.get(span.header..span.close + 1)
        .map(str::to_owned)
        .ok_or_else(|| bug("has no block"))
}

/// The offset in `raw` of offset `at` of `String::from_utf8_lossy(raw)`, where every
/// invalid sequence became one U+FFFD (three bytes): spans come from the lossy text, the
/// splice is made in the file's own bytes so that no byte outside it changes. `at` is at
/// a token (a block's name or just after its `}`), never inside a replacement.
fn raw_offset(raw: &[u8], at: usize) -> usize {
    let (mut lossy, mut offset) = (0, 0);
    for chunk in raw.utf8_chunks() {
        let valid = chunk.valid().len();
        if at <= lossy + valid {
            return offset + (at - lossy);
        }
        lossy += valid;
        offset += valid;
        if !chunk.invalid().is_empty() {
            lossy += char::REPLACEMENT_CHARACTER.len_utf8();
            offset += chunk.invalid().len();
        }
    }
    offset
}

/// Check the merged text before anything is written: it parses, it has every jail FILE
/// had (and each added one once more), and it loads without errors FILE did not already
/// have. Returns warnings for converted jails that FILE's other statements change.
fn verify(
    loader: &Loader,
    host: &str,
    old: &Parsed,
    merged: &[u8],
    conv: &Conversion<'_>,
    added: &[String],
) -> Result<Vec<Diag>, Vec<Diag>> {
    let refuse = |msg: String| {
        Diag::error(None, format!("{host}: {msg}"))
            .with_note(format!(
                "{}; this is a jailvol bug, please report it",
                left_alone(host)
            ))
            .with_exit(exit::SOFTWARE)
    };
    let source = Source::new(host, String::from_utf8_lossy(merged).into_owned());
    let new = jailconf::parse_source(loader, source, false)
        .map_err(|d| vec![refuse(format!("the merged text would not parse: {d}"))])?;
    let count = |p: &Parsed| {
        let mut n: BTreeMap<String, usize> = BTreeMap::new();
        for r in p.jails.iter().filter(|r| r.block.is_some()) {
            *n.entry(r.name.to_string()).or_default() += 1;
        }
        n
    };
    let mut want = count(old);
    for a in added {
        *want.entry(a.clone()).or_default() += 1;
    }
    let have = count(&new);
    if have != want {
        let lost: Vec<&str> = want
            .iter()
            .filter(|(n, c)| have.get(*n) != Some(c))
            .map(|(n, _)| n.as_str())
            .chain(have.keys().filter(|n| !want.contains_key(*n)).map(String::as_str))
            .collect();
        return Err(vec![refuse(format!(
            "the merged text would not have the same jails: {}",
            lost.join(", ")
        ))]);
    }
    let before = model::load(old);
    let after = model::load(&new);
    let fresh: Vec<Diag> = after
        .errors
        .iter()
        .filter(|e| !before.errors.iter().any(|o| o.message == e.message))
        // Values jail(8) rejects that rc.d/jail would write too: warned, converted.
        .filter(|e| {
            !conv
                .blocks
                .iter()
                .flat_map(|b| &b.rejected)
                .any(|r| r.message == e.message)
        })
        .map(|e| {
            e.clone().with_note(format!(
                "in the text convert would write (lines of the merged file); {}",
                left_alone(host)
            ))
        })
        .collect();
    if !fresh.is_empty() {
        return Err(fresh);
    }
    let want = conv.config();
    let mut warnings = Vec::new();
    for j in &want.jails {
        let Some(got) = after.jails.iter().find(|g| g.name == j.name) else {
            continue;
        };
        let changed = changed_entries(j, got);
        if !changed.is_empty() {
            warnings.push(
                Diag::warning(
                    got.loc.clone(),
                    format!(
                        "jail \"{}\": statements of {host} outside its block change {}",
                        j.name,
                        changed.join(", ")
                    ),
                )
                .with_note(
                    "jail(8) applies the statements outside any block and the matching wildcard blocks to \
                     every jail; rc.d/jail's /var/run/jail.NAME.conf had only the converted block",
                ),
            );
        }
    }
    Ok(warnings)
}

/// The parameters (and jailvol's `$volume_*` variables) whose values differ between the
/// converted jail and the same jail loaded from the merged file. Other variables are not
/// compared: the converted values are literal, so a variable of FILE cannot reach them.
fn changed_entries(want: &Jail, got: &Jail) -> Vec<String> {
    let map = |j: &Jail| -> BTreeMap<String, Vec<String>> {
        j.entries
            .iter()
            .filter(|e| !e.is_var || e.name.starts_with("volume_"))
            .map(|e| {
                let name = if e.is_var {
                    format!("${}", e.name)
                } else {
                    e.name.to_string()
                };
                (name, e.values.iter().map(|v| v.to_string()).collect())
            })
            .collect()
    };
    let (w, g) = (map(want), map(got));
    let mut names: Vec<String> = w
        .iter()
        .filter(|(n, v)| g.get(*n) != Some(v))
        .map(|(n, _)| n.clone())
        .chain(g.keys().filter(|n| !w.contains_key(*n)).cloned())
        .collect();
    names.sort();
    names
}

/// An existing FILE as read: its bytes and what it was when read.
struct Existing {
    bytes: Vec<u8>,
    meta: fs::Metadata,
}

/// Read FILE, or None when it does not exist. A symbolic link, a directory or a special
/// file is refused: replacing a link by a file would cut it, and the others are not
/// configuration.
fn read_existing(host: &str, real: &Path) -> Result<Option<Existing>, Diag> {
    let refuse = |what: &str| {
        Diag::error(None, format!("{host}: {what}"))
            .with_note("convert -o writes a regular file or creates one")
            .with_exit(exit::CANTCREAT)
    };
    match fs::symlink_metadata(real) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(cant(host, "cannot read it", &e)),
        Ok(m) if m.file_type().is_symlink() => {
            let to = fs::read_link(real)
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            return Err(refuse(&format!(
                "is a symbolic link (to {to}); name the file itself"
            )));
        }
        Ok(m) if m.is_dir() => return Err(refuse("is a directory")),
        Ok(m) if !m.is_file() => return Err(refuse("is not a regular file")),
        Ok(_) => {}
    }
    // No following a link that replaced the file since, and no blocking on a FIFO.
    let flags = nix::fcntl::OFlag::O_NOFOLLOW | nix::fcntl::OFlag::O_NONBLOCK;
    let mut f = OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits())
        .open(real)
        .map_err(|e| Diag::error(None, format!("{host}: {e}")).with_exit(crate::diag::io_exit(&e)))?;
    let meta = f
        .metadata()
        .map_err(|e| Diag::error(None, format!("{host}: {e}")).with_exit(exit::IOERR))?;
    if !meta.is_file() {
        return Err(refuse("is not a regular file"));
    }
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes)
        .map_err(|e| Diag::error(None, format!("{host}: {e}")).with_exit(exit::IOERR))?;
    Ok(Some(Existing { bytes, meta }))
}

/// Whether FILE is still the file read (same inode, size, modification and change
/// times): a merge made from an older version must not replace a newer one.
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    (
        a.dev(),
        a.ino(),
        a.size(),
        a.mtime(),
        a.mtime_nsec(),
        a.ctime(),
        a.ctime_nsec(),
    ) == (
        b.dev(),
        b.ino(),
        b.size(),
        b.mtime(),
        b.mtime_nsec(),
        b.ctime(),
        b.ctime_nsec(),
    )
}

/// How the new text takes FILE's place.
struct Place<'m> {
    /// The file being replaced: the new one gets its mode and owner (else
    /// `NEW_FILE_MODE`).
    keep: Option<&'m fs::Metadata>,
    /// Rename over FILE; otherwise link, which fails if FILE exists by then.
    replace: bool,
    /// FILE must still be this file when the rename happens.
    unchanged: Option<&'m fs::Metadata>,
}

impl<'m> Place<'m> {
    const NEW: Place<'static> = Place {
        keep: None,
        replace: false,
        unchanged: None,
    };

    /// Replacing the file read, as it was read.
    fn over(read: &'m fs::Metadata) -> Place<'m> {
        Place {
            keep: Some(read),
            replace: true,
            unchanged: Some(read),
        }
    }
}

/// Put `bytes` at FILE through a temporary file beside it (`write::Staged`).
fn place_new_text(
    host: &str,
    t: &Target,
    bytes: &[u8],
    how: &Place<'_>,
    warnings: &mut Vec<Diag>,
) -> Result<(), Diag> {
    let (mode, owner) = match how.keep {
        Some(m) => (m.permissions().mode() & 0o7777, Some((m.uid(), m.gid()))),
        None => (NEW_FILE_MODE, None),
    };
    let staged = Staged::new(&t.real, bytes, mode, owner)
        .map_err(|e| cant(host, "cannot write a temporary file beside it", &e))?;
    if let (Some(e), Some(m)) = (&staged.owner_error, how.keep) {
        warnings.push(Diag::warning(
            None,
            format!(
                "{host}: could not keep its owner {}:{} ({e}); the new file is owned by the user running jailvol",
                m.uid(),
                m.gid()
            ),
        ));
    }
    if let Some(read) = how.unchanged
        && !fs::symlink_metadata(&t.real).is_ok_and(|now| same_file(read, &now))
    {
        return Err(
            Diag::error(None, format!("{host}: changed while jailvol was converting"))
                .with_note(format!("{}; run convert again", left_alone(host)))
                .with_exit(exit::CANTCREAT),
        );
    }
    let placed = if how.replace {
        staged.replace()
    } else {
        staged.create()
    };
    placed.map_err(|e| cant(host, "cannot create", &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_offsets_skip_invalid_bytes() {
        let raw = b"a\xff\xfeb {\n}\xc3\xa9\xe2x";
        let lossy = String::from_utf8_lossy(raw);
        for (i, c) in lossy.char_indices() {
            if c.is_ascii() {
                let o = raw_offset(raw, i);
                assert_eq!(raw[o], c as u8, "{i}");
            }
        }
        assert_eq!(raw_offset(raw, lossy.len()), raw.len());
        assert_eq!(raw_offset(b"plain", 3), 3);
    }
}
