//! Applying a plan to the filesystem: atomic (temp file + rename in the same directory),
//! idempotent (unchanged files are not touched), and never clobbering a file jailvol
//! does not own without `--force`. `--dry-run` shows unified diffs instead.

use std::io::Write as _;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::diag::{Diag, exit};
use crate::parse::loader::Loader;
use crate::plan::Artifact;
use crate::shell::OWNED_MARK;

/// What applying one artifact would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Unchanged,
    Create,
    Update { old: String },
}

/// Compare an artifact with the disk.
pub fn change(loader: &Loader, a: &Artifact) -> Result<Change, Diag> {
    let real = loader.real_path(&a.path);
    match std::fs::read(&real) {
        Ok(bytes) => {
            let old = String::from_utf8_lossy(&bytes).into_owned();
            if old == a.content {
                Ok(Change::Unchanged)
            } else {
                Ok(Change::Update { old })
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Change::Create),
        Err(e) => Err(Diag::error(None, format!("{}: {e}", a.path)).with_exit(exit::IOERR)),
    }
}

/// A unified diff from `old` to `new` for `path` (empty when equal).
pub fn diff(path: &str, old: &str, new: &str) -> String {
    if old == new {
        return String::new();
    }
    let d = similar::TextDiff::from_lines(old, new);
    let mut out = d
        .unified_diff()
        .context_radius(3)
        .header(&format!("a{path}"), &format!("b{path}"))
        .to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// Write every artifact that differs from the disk. Returns the host paths written.
pub fn apply(loader: &Loader, artifacts: &[Artifact], force: bool) -> Result<Vec<String>, Diag> {
    // Refuse before writing anything, so a refusal leaves the system as it was.
    let mut todo = Vec::new();
    for a in artifacts {
        match change(loader, a)? {
            Change::Unchanged => {}
            Change::Update { old } if a.owned && !old.contains(OWNED_MARK) && !force => {
                return Err(Diag::error(
                    None,
                    format!(
                        "{}: exists and was not written by jailvol; not overwriting it without --force",
                        a.path
                    ),
                )
                .with_exit(exit::CANTCREAT));
            }
            _ => todo.push(a),
        }
    }
    let mut written = Vec::new();
    for a in todo {
        write_atomic(&loader.real_path(&a.path), a.content.as_bytes(), a.mode)
            .map_err(|e| Diag::error(None, format!("{}: {e}", a.path)).with_exit(write_exit(&e)))?;
        written.push(a.path.clone());
    }
    Ok(written)
}

fn write_exit(e: &std::io::Error) -> i32 {
    use std::io::ErrorKind::*;
    match e.kind() {
        PermissionDenied | NotFound | ReadOnlyFilesystem | AlreadyExists | NotADirectory | IsADirectory => {
            exit::CANTCREAT
        }
        _ => exit::IOERR,
    }
}

/// Write `path` atomically: a temp file in the same directory, fsync, rename over the
/// old one. An existing file keeps its mode; a new one gets `mode`. On any error the old
/// file is untouched and the temp file is removed.
pub fn write_atomic(path: &Path, data: &[u8], mode: u32) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mode = std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o7777)
        .unwrap_or(mode);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.jailvol.{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(data)?;
        f.set_permissions(std::fs::Permissions::from_mode(mode))?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        // The rename is durable once the directory is synced.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_keeps_mode() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f");
        write_atomic(&p, b"one", 0o600).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"one");
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        write_atomic(&p, b"two", 0o644).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(
            std::fs::read_dir(d.path()).unwrap().count(),
            1,
            "no temp file left"
        );
    }

    #[test]
    fn diff_is_unified() {
        let d = diff("/etc/x", "a\nb\n", "a\nc\n");
        assert!(d.starts_with("--- a/etc/x\n+++ b/etc/x\n@@"), "{d}");
        assert!(d.contains("-b\n+c\n"));
        assert_eq!(diff("/x", "same", "same"), "");
    }
}
