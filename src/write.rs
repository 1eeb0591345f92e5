//! Applying a plan to the filesystem: atomic (temp file + rename in the same directory),
//! idempotent (unchanged files are not touched), and never clobbering a file jailvol
//! does not own without `--force`. `--dry-run` shows unified diffs instead.

use std::ffi::OsStr;
use std::io::{Read as _, Write as _};
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sys::stat::Mode;

use crate::diag::{Diag, exit};
use crate::diff::LineEnds;
use crate::parse::loader::Loader;
use crate::plan::Artifact;
use crate::shell::OWNED_MARK;

mod leftover;
pub use leftover::{Leftover, leftovers, leftovers_of, removal_diff, remove};

/// What applying one artifact would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Unchanged,
    Create,
    Update { old: String },
}

/// Compare an artifact with the disk.
pub fn change(loader: &Loader, a: &Artifact) -> Result<Change, Diag> {
    Comparer::default().change(loader, a)
}

/// A file as `Comparer::read_ahead` found it: its bytes, or None when it could not be
/// read (missing, unreadable: `change_after` finds out again, with the message).
pub struct ReadAhead {
    path: String,
    bytes: Option<Vec<u8>>,
}

/// A file read ahead whole, as text, with its lines found (`Comparer::text_ahead`).
#[derive(Debug)]
pub(crate) struct TextAhead {
    path: String,
    text: String,
    ends: LineEnds,
}

/// Compares artifacts with the disk one after the other. `check` compares thousands of
/// small files, most in one directory: this keeps that directory open (each file is
/// opened relative to it, not looked up from `/` again) and reads every file into one
/// buffer, copying it into a `String` only when it differs.
#[derive(Debug, Default)]
pub struct Comparer {
    buf: Vec<u8>,
    /// The directory last opened, as written in the path, or why it could not be.
    dir: Option<(Vec<u8>, Result<OwnedFd, Errno>)>,
}

impl TextAhead {
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl Comparer {
    /// `change`, for one artifact of many.
    pub fn change(&mut self, loader: &Loader, a: &Artifact) -> Result<Change, Diag> {
        // A configuration read from a pipe (`-f <(…)`): what it held is what it is now.
        if let Some(src) = loader.stream(&a.path) {
            return Ok(if a.content.is(&src.text) {
                Change::Unchanged
            } else {
                Change::Update {
                    old: String::clone(&src.text),
                }
            });
        }
        let real = loader.real_path(&a.path);
        match self.read(&real, Some(a.content.len())) {
            Ok(len) => {
                if self.buf[..len] == *a.content.as_bytes() {
                    return Ok(Change::Unchanged);
                }
                // The buffer becomes the old text, not copied: for a large jail.conf
                // that copy was the peak of `generate --dry-run`. Invalid UTF-8 reads
                // as U+FFFD, as the configuration's own text does.
                let mut bytes = std::mem::take(&mut self.buf);
                bytes.truncate(len);
                let old = match String::from_utf8(bytes) {
                    Ok(s) => s,
                    Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
                };
                if old == *a.content {
                    Ok(Change::Unchanged)
                } else {
                    Ok(Change::Update { old })
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Change::Create),
            Err(e) => Err(Diag::error(None, format!("{}: {e}", a.path)).with_exit(exit::IOERR)),
        }
    }

    /// Read the file at host path `path` before what it should contain is known (check
    /// reads while generate still runs). Only a file read whole, or up to a short read,
    /// is kept: `change_after` takes it as unchanged only when it is exactly the
    /// expected content, the same rule as `read`, and otherwise compares as `change`.
    pub fn read_ahead(&mut self, loader: &Loader, path: String) -> ReadAhead {
        let real = loader.real_path(&path);
        let bytes = self.read(&real, None).ok().map(|len| self.buf[..len].to_vec());
        ReadAhead { path, bytes }
    }

    /// The file at `path` read ahead as text, with its lines found for a diff: generate
    /// reads its configuration (megabytes for thousands of jails) on its comparing
    /// thread while the other edits it. None when it is a stream, cannot be read, or
    /// is not UTF-8: `change_ahead` reads it then, as `change` does, and says why not.
    /// A file that turns out unchanged cost its lines for nothing (a few milliseconds
    /// for thousands of jails, on a thread that would have waited).
    pub(crate) fn text_ahead(&mut self, loader: &Loader, path: String) -> Option<TextAhead> {
        if loader.stream(&path).is_some() {
            return None;
        }
        let real = loader.real_path(&path);
        // Read at its size in one buffer: grown by doubling, the buffer was the
        // peak of the run (a whole copy, and room for up to twice the file).
        // The size is a hint, capped as the loader caps it (a file that claims to be
        // huge is read as far as it goes).
        let size = std::fs::metadata(&real)
            .ok()
            .and_then(|m| usize::try_from(m.len().min(1 << 26)).ok());
        let len = self.read(&real, size).ok()?;
        let mut bytes = std::mem::take(&mut self.buf);
        bytes.truncate(len);
        let text = String::from_utf8(bytes).ok()?;
        let ends = LineEnds::of(&text);
        Some(TextAhead { path, text, ends })
    }

    /// `change`, with the file perhaps read ahead as text (`text_ahead`): when it
    /// changes, the old text's lines come too.
    pub(crate) fn change_ahead(
        &mut self,
        loader: &Loader,
        a: &Artifact,
        ahead: Option<TextAhead>,
    ) -> Result<(Change, Option<LineEnds>), Diag> {
        match ahead {
            Some(t) if t.path == a.path => Ok(if t.text == *a.content {
                (Change::Unchanged, None)
            } else {
                (Change::Update { old: t.text }, Some(t.ends))
            }),
            _ => Ok((self.change(loader, a)?, None)),
        }
    }

    /// `change`, with the file perhaps read ahead.
    pub fn change_after(
        &mut self,
        loader: &Loader,
        a: &Artifact,
        ahead: Option<ReadAhead>,
    ) -> Result<Change, Diag> {
        if ahead.is_some_and(|r| r.path == a.path && r.bytes.as_deref() == Some(a.content.as_bytes())) {
            return Ok(Change::Unchanged);
        }
        self.change(loader, a)
    }

    /// Read the whole file into `buf`; returns its length. `expect` is the length it
    /// should have: room for one byte more is made first, so a file of that length
    /// comes in one read, and a read that stops short there is taken as its end
    /// without asking again (a short read of a regular file is its end, POSIX read(2);
    /// check reads thousands of small files, and that last read was a quarter of
    /// the system calls). A FIFO or device put where a generated file belongs could
    /// pass for unchanged this way if it gives exactly the expected bytes in one read.
    /// Without `expect` (`read_ahead`), any short read ends it.
    fn read(&mut self, real: &Path, expect: Option<usize>) -> std::io::Result<usize> {
        let expect_len = expect.unwrap_or(0);
        let mut file = match self.open_in_dir(real) {
            Some(f) => f?,
            None => std::fs::File::open(real)?,
        };
        // Made anew when it must grow, not resized: `vec![0; n]` asks for zeroed
        // memory, which for a large file comes from fresh pages the read fills, where
        // `resize` writes every byte first (for a jail.conf of 50,000 jails, 27 MB of
        // pages touched for a file half that size).
        if self.buf.len() <= expect_len {
            self.buf = vec![0; (expect_len + 1).max(16 * 1024)];
        }
        let mut len = 0;
        loop {
            if len == self.buf.len() {
                let mut bigger = vec![0; 2 * len];
                bigger[..len].copy_from_slice(&self.buf[..len]);
                self.buf = bigger;
            }
            let room = self.buf.len() - len;
            match file.read(&mut self.buf[len..]) {
                Ok(0) => return Ok(len),
                Ok(n) => {
                    len += n;
                    if n < room && expect.is_none_or(|e| e == len) {
                        return Ok(len);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Open `DIR/NAME` relative to DIR, kept open for the next file in it. None when the
    /// path is not plainly DIR/NAME, or DIR cannot be opened for a reason that would not
    /// fail the file the same way: then the caller opens the path itself.
    fn open_in_dir(&mut self, real: &Path) -> Option<std::io::Result<std::fs::File>> {
        let path = real.as_os_str().as_bytes();
        let slash = path.iter().rposition(|&b| b == b'/')?;
        let (dir, name) = (&path[..slash], &path[slash + 1..]);
        if name.is_empty() || name == b"." || name == b".." || path.contains(&0) {
            return None;
        }
        let dir: &[u8] = if dir.is_empty() { b"/" } else { dir };
        if self.dir.as_ref().is_none_or(|(d, _)| d.as_slice() != dir) {
            let fd = nix::fcntl::open(
                Path::new(OsStr::from_bytes(dir)),
                OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
                Mode::empty(),
            );
            self.dir = Some((dir.to_vec(), fd));
        }
        let (_, fd) = self.dir.as_ref()?;
        match fd {
            Ok(fd) => Some(
                nix::fcntl::openat(
                    fd,
                    OsStr::from_bytes(name),
                    OFlag::O_RDONLY | OFlag::O_CLOEXEC,
                    Mode::empty(),
                )
                .map(std::fs::File::from)
                .map_err(std::io::Error::from),
            ),
            // A missing directory, or one that is not a directory, fails every path
            // through it with the same error.
            Err(e @ (Errno::ENOENT | Errno::ENOTDIR)) => Some(Err(std::io::Error::from(*e))),
            Err(_) => None,
        }
    }
}

/// A unified diff from `old` to `new` for `path` (empty when equal).
pub fn diff(path: &str, old: &str, new: &str) -> String {
    crate::diff::unified(path, old, new)
}

/// `diff`, written to `to` as it is made.
pub fn write_diff(to: &mut dyn std::io::Write, path: &str, old: &str, new: &str) -> std::io::Result<()> {
    crate::diff::write_unified(to, path, old, new)
}

/// What generate did (or, dry, would do) to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Remove,
}

impl Action {
    /// Its name in `generate --format json` (docs/generate.md).
    pub const fn name(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Remove => "remove",
        }
    }
}

/// One file written or removed: its host path, what was done, and its mode (the one it
/// was given, or kept, or had).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    pub path: String,
    pub action: Action,
    pub mode: u32,
}

/// Write every artifact that differs from the disk. Returns the files written.
pub fn apply(loader: &Loader, artifacts: &[Artifact], force: bool) -> Result<Vec<Done>, Diag> {
    let mut todo = Applier::new(force);
    for a in artifacts {
        todo.take(loader, a.clone())?;
    }
    todo.write(loader)
}

/// `apply` an artifact at a time, as generate makes them: `take` compares each with the
/// disk and keeps only those that change; `write` writes them. Every refusal comes from
/// `take`, so a refusal leaves the system as it was.
#[derive(Debug, Default)]
pub struct Applier {
    force: bool,
    /// One comparer: thousands of fstab files in one directory (`Comparer`).
    disk: Comparer,
    todo: Vec<(Artifact, Action)>,
}

impl Applier {
    pub fn new(force: bool) -> Applier {
        Applier {
            force,
            ..Applier::default()
        }
    }

    /// Compare `a` with the disk; refuse it, or keep it when it changes. Returns it when
    /// it is not kept (its caller frees it).
    pub fn take(&mut self, loader: &Loader, a: Artifact) -> Result<Option<Artifact>, Diag> {
        let action = match self.disk.change(loader, &a)? {
            Change::Unchanged => return Ok(Some(a)),
            // Edits to a configuration read from a pipe or device have nowhere to go
            // (and renaming a file over a FIFO would replace it).
            _ if loader.stream(&a.path).is_some() => {
                return Err(Diag::error(
                    None,
                    format!(
                        "{}: is not a regular file; generate edits the configuration in place: save it to a file and name that with -f",
                        a.path
                    ),
                )
                .with_exit(exit::CANTCREAT));
            }
            Change::Update { old } if a.owned && !old.contains(OWNED_MARK) && !self.force => {
                return Err(Diag::error(
                    None,
                    format!(
                        "{}: exists and was not written by jailvol; not overwriting it without --force",
                        a.path
                    ),
                )
                .with_exit(exit::CANTCREAT));
            }
            Change::Create => Action::Create,
            Change::Update { .. } => Action::Update,
        };
        self.todo.push((a, action));
        Ok(None)
    }

    /// Write what `take` kept, in the order taken. Returns the files written.
    pub fn write(self, loader: &Loader) -> Result<Vec<Done>, Diag> {
        let mut written = Vec::with_capacity(self.todo.len());
        for (a, action) in self.todo {
            let mode = write_keeping_mode(&loader.real_path(&a.path), a.content.as_bytes(), a.mode)
                .map_err(|e| Diag::error(None, format!("{}: {e}", a.path)).with_exit(write_exit(&e)))?;
            written.push(Done {
                path: a.path,
                action,
                mode,
            });
        }
        Ok(written)
    }
}

/// The mode `apply` leaves `a` with: an existing file keeps its own (`write_atomic`),
/// a new one gets the artifact's. For `generate --dry-run --format json`.
pub fn mode_after(loader: &Loader, a: &Artifact) -> u32 {
    if loader.stream(&a.path).is_some() {
        return a.mode;
    }
    std::fs::metadata(loader.real_path(&a.path))
        .map(|m| m.permissions().mode() & 0o7777)
        .unwrap_or(a.mode)
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

/// The mode of every directory jailvol makes for the files it writes (`/etc/jailvol`,
/// `/usr/local/libexec` and their missing parents). They hold what root mounts and runs
/// (the fstab files jail(8) mounts from, the helper its hooks execute), so only root may
/// write them, whatever the caller's umask.
pub const DIR_MODE: u32 = 0o755;

/// Make `dir` and its missing parents, each with exactly `mode`. mkdir(2) masks the mode
/// with the umask (`umask 000` would give 0777 with `create_dir_all`), so each directory
/// made here is chmod-ed to `mode` afterwards, through a descriptor opened without
/// following a link. Directories that exist are left as they are: never loosened (a 0700
/// directory stays 0700), and not changed in any other way either.
pub fn create_dirs(dir: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let mut missing = Vec::new();
    let mut d = dir;
    loop {
        match std::fs::metadata(d) {
            // Something else than a directory: making what is below it fails, with the
            // error the caller reports.
            Ok(_) => break,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                missing.push(d);
                match d.parent() {
                    Some(p) if !p.as_os_str().is_empty() => d = p,
                    _ => break,
                }
            }
            Err(e) => return Err(e),
        }
    }
    for d in missing.into_iter().rev() {
        match std::fs::DirBuilder::new().mode(mode).create(d) {
            Ok(()) => {
                let exact = std::fs::Permissions::from_mode(mode);
                let opened = std::fs::OpenOptions::new()
                    .read(true)
                    .custom_flags((OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW).bits())
                    .open(d);
                match opened {
                    Ok(f) => f.set_permissions(exact)?,
                    // A umask that took the owner's read bit: by path, then.
                    Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                        std::fs::set_permissions(d, exact)?;
                    }
                    Err(e) => return Err(e),
                }
            }
            // Made meanwhile by someone else: theirs, left as it is.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && d.is_dir() => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Write `path` atomically (`Staged`): an existing file keeps its mode, a new one gets
/// `mode`. Missing directories are made with `DIR_MODE`. On any error the old file is
/// untouched and the temp file is removed.
pub fn write_atomic(path: &Path, data: &[u8], mode: u32) -> std::io::Result<()> {
    write_keeping_mode(path, data, mode).map(|_| ())
}

/// `write_atomic`, returning the mode the file got.
fn write_keeping_mode(path: &Path, data: &[u8], mode: u32) -> std::io::Result<u32> {
    create_dirs(dir_of(path), DIR_MODE)?;
    let mode = std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o7777)
        .unwrap_or(mode);
    Staged::new(path, data, mode, None)?.replace()?;
    Ok(mode)
}

/// The directory a file is written in (`.` for a bare name).
fn dir_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// jailvol's one way of replacing or creating a file: the new content is written to a
/// temporary file beside it (`.NAME.tmp.PID`, same directory so that rename(2) and
/// link(2) stay on one file system), given its mode and owner, fsynced, then put in
/// place in one step (`replace`: rename over the old file; `create`: link, which fails
/// if the file appeared meanwhile), and the directory is fsynced so the new name
/// survives a crash. Dropped before that, the temporary file is removed, so every
/// error leaves the directory as it was.
///
/// Hand-written rather than `tempfile::NamedTempFile::persist`: tempfile's errors name
/// its random temporary path (`... at path ".x.AbC123"`), which would make jailvol's
/// messages differ from run to run, and it keeps no owner, fsyncs no directory and has
/// no fallback for a file system without hard links; what it would add, removal on
/// drop, is the `Drop` below.
#[derive(Debug)]
pub struct Staged {
    tmp: PathBuf,
    path: PathBuf,
    /// The temporary file is gone (placed or removed).
    done: bool,
    /// Why the owner asked for could not be given (the file then belongs to the user
    /// running jailvol); the caller decides whether that is worth a warning.
    pub owner_error: Option<std::io::Error>,
}

impl Staged {
    /// Write `data` to a temporary file beside `path`, with `mode` and, when given, the
    /// owner `(uid, gid)`, and fsync it.
    pub fn new(path: &Path, data: &[u8], mode: u32, owner: Option<(u32, u32)>) -> std::io::Result<Staged> {
        use std::os::unix::fs::OpenOptionsExt;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = dir_of(path).join(format!(".{name}.tmp.{}", std::process::id()));
        // For the owner alone until its mode is set: the umask may allow more (0666
        // under `umask 000`), and a descriptor opened in that window would stay
        // writable after the rename.
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        let mut staged = Staged {
            tmp,
            path: path.to_path_buf(),
            done: false,
            owner_error: None,
        };
        f.write_all(data)?;
        if let Some((uid, gid)) = owner {
            // The owner first: chown(2) clears set-id bits, the mode then restores them.
            staged.owner_error = std::os::unix::fs::fchown(&f, Some(uid), Some(gid)).err();
        }
        f.set_permissions(std::fs::Permissions::from_mode(mode))?;
        f.sync_all()?;
        Ok(staged)
    }

    /// Put the file in place over whatever is at the path (rename(2)).
    pub fn replace(mut self) -> std::io::Result<()> {
        std::fs::rename(&self.tmp, &self.path)?;
        self.placed()
    }

    /// Put the file in place only if nothing is at the path: link(2) fails with
    /// `AlreadyExists` if the file appeared since it was looked for, with no window in
    /// which it could be clobbered.
    pub fn create(mut self) -> std::io::Result<()> {
        match std::fs::hard_link(&self.tmp, &self.path) {
            Ok(()) => {
                self.done = true;
                std::fs::remove_file(&self.tmp)?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(e),
            // A file system without hard links: a rename, checked first.
            Err(_) if !self.path.exists() => std::fs::rename(&self.tmp, &self.path)?,
            Err(e) => return Err(e),
        }
        self.placed()
    }

    /// The new name is durable once the directory is synced.
    fn placed(&mut self) -> std::io::Result<()> {
        self.done = true;
        if let Ok(d) = std::fs::File::open(dir_of(&self.path)) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
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
    fn staged_files_never_clobber_and_never_linger() {
        use std::os::unix::fs::MetadataExt;
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f");
        let count = || std::fs::read_dir(d.path()).unwrap().count();
        Staged::new(&p, b"new", 0o640, None).unwrap().create().unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        assert_eq!(std::fs::metadata(&p).unwrap().mode() & 0o7777, 0o640);
        // `create` over an existing file: refused, the file as it was, no temp file.
        let e = Staged::new(&p, b"other", 0o644, None)
            .unwrap()
            .create()
            .unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        assert_eq!(count(), 1);
        // Dropped before it is placed: the temp file goes.
        let staged = Staged::new(&p, b"dropped", 0o644, None).unwrap();
        assert_eq!(count(), 2);
        drop(staged);
        assert_eq!((count(), std::fs::read(&p).unwrap()), (1, b"new".to_vec()));
        // The owner asked for: kept where this process may give it, else said why.
        let me = std::fs::metadata(d.path()).unwrap();
        let staged = Staged::new(&p, b"mine", 0o600, Some((me.uid(), me.gid()))).unwrap();
        assert!(staged.owner_error.is_none());
        staged.replace().unwrap();
        let staged = Staged::new(&p, b"theirs", 0o600, Some((4321, 8765))).unwrap();
        let root = nix::unistd::geteuid().is_root();
        assert_eq!(staged.owner_error.is_none(), root, "{:?}", staged.owner_error);
        staged.replace().unwrap();
        if root {
            let m = std::fs::metadata(&p).unwrap();
            assert_eq!((m.uid(), m.gid()), (4321, 8765));
        }
        assert_eq!(count(), 1);
    }

    #[test]
    fn create_dirs_makes_the_missing_ones_and_leaves_the_others() {
        let d = tempfile::tempdir().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        let have = d.path().join("have");
        std::fs::create_dir(&have).unwrap();
        std::fs::set_permissions(&have, std::fs::Permissions::from_mode(0o711)).unwrap();
        create_dirs(&have.join("a/b"), 0o750).unwrap();
        assert_eq!(mode(&have), 0o711);
        assert_eq!(mode(&have.join("a")), 0o750);
        assert_eq!(mode(&have.join("a/b")), 0o750);
        create_dirs(&have.join("a/b"), 0o755).unwrap();
        assert_eq!(
            mode(&have.join("a/b")),
            0o750,
            "an existing directory is not changed"
        );
        std::fs::write(d.path().join("file"), "").unwrap();
        let e = create_dirs(&d.path().join("file/x"), 0o755).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::NotADirectory);
    }

    #[test]
    fn comparer_agrees_with_reading_each_file() {
        let d = tempfile::tempdir().unwrap();
        let loader = Loader::new(Some(d.path().to_path_buf()));
        let art = |path: &str, content: &str| Artifact {
            path: path.into(),
            content: content.into(),
            mode: 0o644,
            owned: true,
        };
        std::fs::create_dir_all(d.path().join("etc/jv/sub")).unwrap();
        std::fs::write(d.path().join("etc/jv/same"), "x\n").unwrap();
        std::fs::write(d.path().join("etc/jv/other"), "old\n").unwrap();
        std::fs::write(d.path().join("etc/jv/bad"), b"a\xffb").unwrap();
        std::fs::write(d.path().join("etc/file"), "").unwrap();
        let big = "y".repeat(100_000);
        std::fs::write(d.path().join("etc/big"), &big).unwrap();
        let cases = [
            art("/etc/jv/same", "x\n"),
            art("/etc/jv/same", "x"),
            art("/etc/jv/other", "new\n"),
            art("/etc/jv/missing", "m"),
            art("/etc/jv/bad", "a\u{fffd}b"),
            art("/etc/jv/bad", "a\u{fffd}c"),
            art("/etc/jv/sub", "dir"),
            art("/etc/nodir/x", "x"),
            art("/etc/file/x", "x"),
            art("/etc/big", &big),
            // One byte short, one byte over, and a file shorter than expected: the
            // read that stops at the expected length must not pass for the end.
            art("/etc/big", &big[1..]),
            art("/etc/big", &format!("{big}y")),
            // Far longer than expected: the buffer grows several times.
            art("/etc/big", "short"),
            art("/etc/jv/other", "old\nmore\n"),
            art("/etc/jv/same", "x\n"),
        ];
        let mut c = Comparer::default();
        for a in &cases {
            let one = |r: Result<Change, Diag>| r.map_err(|d| d.message);
            assert_eq!(
                one(c.change(&loader, a)),
                one(change_by_read(&loader, a)),
                "{}",
                a.path
            );
        }
        assert_eq!(c.change(&loader, &cases[0]).unwrap(), Change::Unchanged);
        assert_eq!(c.change(&loader, &cases[4]).unwrap(), Change::Unchanged);
        assert_eq!(c.change(&loader, &cases[3]).unwrap(), Change::Create);
    }

    /// `change` as it was: `std::fs::read` of the whole path.
    fn change_by_read(loader: &Loader, a: &Artifact) -> Result<Change, Diag> {
        match std::fs::read(loader.real_path(&a.path)) {
            Ok(bytes) => {
                let old = String::from_utf8_lossy(&bytes).into_owned();
                Ok(if old == *a.content {
                    Change::Unchanged
                } else {
                    Change::Update { old }
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Change::Create),
            Err(e) => Err(Diag::error(None, format!("{}: {e}", a.path))),
        }
    }

    #[test]
    fn diff_is_unified() {
        let d = diff("/etc/x", "a\nb\n", "a\nc\n");
        assert!(d.starts_with("--- a/etc/x\n+++ b/etc/x\n@@"), "{d}");
        assert!(d.contains("-b\n+c\n"));
        assert_eq!(diff("/x", "same", "same"), "");
    }
}
