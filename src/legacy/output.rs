//! Writing the converted file atomically: the text goes to `.NAME.tmp.PID` in the target
//! directory, is fsynced, then linked (no `--force`: fails if the target exists, with no
//! window where it could be clobbered) or renamed (`--force`) into place.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::diag::{Diag, exit};
use crate::parse::loader::Loader;

/// A failed write: the Diag to print (exit 73).
pub type OutputError = Diag;

fn cant(host: &str, what: &str, e: &std::io::Error) -> Diag {
    Diag::error(None, format!("{host}: {what}: {e}")).with_exit(exit::CANTCREAT)
}

/// Write `text` to the host path `host` (below the loader's root). Without `force` an
/// existing file is left alone and the result is an error.
pub fn write_atomic(loader: &Loader, host: &str, text: &str, force: bool) -> Result<(), OutputError> {
    let real = loader.real_path(host);
    let Some(file_name) = real.file_name().map(|f| f.to_string_lossy().into_owned()) else {
        return Err(Diag::error(None, format!("{host}: not a file name")).with_exit(exit::CANTCREAT));
    };
    let dir = match real.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let existing = fs::symlink_metadata(&real).ok();
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
    let tmp = dir.join(format!(".{file_name}.tmp.{}", std::process::id()));
    let result = write_tmp(&tmp, text, existing.as_ref())
        .map_err(|e| cant(host, "cannot write a temporary file beside it", &e))
        .and_then(|()| place(&tmp, &real, force).map_err(|e| cant(host, "cannot create", &e)));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
        return result;
    }
    // Make the rename durable too.
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn write_tmp(tmp: &Path, text: &str, existing: Option<&fs::Metadata>) -> std::io::Result<()> {
    let mut f = OpenOptions::new().write(true).create_new(true).open(tmp)?;
    f.write_all(text.as_bytes())?;
    if let Some(m) = existing.filter(|m| m.is_file()) {
        // Keep the mode of the file being replaced.
        f.set_permissions(m.permissions())?;
    }
    f.sync_all()
}

fn place(tmp: &Path, real: &Path, force: bool) -> std::io::Result<()> {
    if force {
        return fs::rename(tmp, real);
    }
    match fs::hard_link(tmp, real) {
        Ok(()) => fs::remove_file(tmp),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
        // A file system without hard links: fall back to a checked rename.
        Err(_) if !real.exists() => fs::rename(tmp, real),
        Err(e) => Err(e),
    }
}
