//! Everything `create` and `grow` do to the host goes through two small traits, so tests can
//! record calls and inject a failure at any point (design §2):
//!
//! * [`Runner`] runs commands (argv, or a two-command pipeline); [`System`] uses
//!   `std::process::Command`, which finds programs on `PATH` — so the md backend runs
//!   wherever `mdconfig`, `newfs`, `mount`, `umount` and `tar` are found, fakes included.
//! * [`Host`] is the rest: existence checks, free space (statvfs), the per-container
//!   lock (flock), allocation (posix_fallocate, zero-fill, ftruncate), temporary
//!   directories (mkdtemp), removal, reading an image's first bytes, and whether SIGINT
//!   or SIGTERM arrived. [`RealHost`] implements it with std and nix.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::shell;

/// What a command left behind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Output {
    /// Exit status; None when killed by a signal.
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Output {
    pub fn ok() -> Output {
        Output {
            code: Some(0),
            ..Output::default()
        }
    }
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).trim_end().to_owned()
    }
}

/// A command: one program, or `left | right` (the copy step).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cmd {
    Run(Vec<String>),
    Pipe(Vec<String>, Vec<String>),
}

impl Cmd {
    /// The command as sh would take it, every word quoted as needed.
    pub fn render(&self) -> String {
        match self {
            Cmd::Run(a) => shell::command(a),
            Cmd::Pipe(a, b) => format!("{} | {}", shell::command(a), shell::command(b)),
        }
    }
    /// Its programs' argument vectors, in pipeline order (the JSON plans' `argv`).
    pub fn argv(&self) -> Vec<Vec<String>> {
        match self {
            Cmd::Run(a) => vec![a.clone()],
            Cmd::Pipe(a, b) => vec![a.clone(), b.clone()],
        }
    }
    /// The same command with `from` replaced by `to` in every word that equals it.
    pub fn map_words(&self, f: &dyn Fn(&str) -> String) -> Cmd {
        let m = |v: &Vec<String>| v.iter().map(|w| f(w)).collect::<Vec<_>>();
        match self {
            Cmd::Run(a) => Cmd::Run(m(a)),
            Cmd::Pipe(a, b) => Cmd::Pipe(m(a), m(b)),
        }
    }
}

/// Runs commands.
pub trait Runner {
    fn run(&mut self, argv: &[String]) -> io::Result<Output>;
    /// `left | right`; fails when either side fails (stderr of both is kept).
    fn pipe(&mut self, left: &[String], right: &[String]) -> io::Result<Output>;

    fn exec(&mut self, cmd: &Cmd) -> io::Result<Output> {
        match cmd {
            Cmd::Run(a) => self.run(a),
            Cmd::Pipe(a, b) => self.pipe(a, b),
        }
    }
}

/// The real runner: `std::process::Command`, programs looked up on PATH.
#[derive(Debug, Default)]
pub struct System;

fn split(argv: &[String]) -> io::Result<(&String, &[String])> {
    argv.split_first()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "empty command"))
}

impl Runner for System {
    fn run(&mut self, argv: &[String]) -> io::Result<Output> {
        let (prog, args) = split(argv)?;
        let out = std::process::Command::new(prog)
            .args(args)
            .stdin(std::process::Stdio::null())
            .output()?;
        Ok(Output {
            code: out.status.code(),
            stdout: out.stdout,
            stderr: out.stderr,
        })
    }

    fn pipe(&mut self, left: &[String], right: &[String]) -> io::Result<Output> {
        use std::process::{Command, Stdio};
        let (lp, la) = split(left)?;
        let (rp, ra) = split(right)?;
        let mut l = Command::new(lp)
            .args(la)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let Some(lout) = l.stdout.take() else {
            let _ = l.kill();
            let _ = l.wait();
            return Err(io::Error::other("no pipe to the first command"));
        };
        let r = Command::new(rp)
            .args(ra)
            .stdin(Stdio::from(lout))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                let _ = l.kill();
                let _ = l.wait();
                return Err(e);
            }
        };
        // Read the left side's stderr on a thread so neither side blocks on a full pipe.
        let lerr = l.stderr.take();
        let reader = std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut e) = lerr {
                let _ = io::Read::read_to_end(&mut e, &mut buf);
            }
            buf
        });
        let rout = r.wait_with_output()?;
        let lstatus = l.wait()?;
        let mut stderr = reader.join().unwrap_or_default();
        stderr.extend_from_slice(&rout.stderr);
        // The pipeline fails when either side does (like `set -o pipefail`).
        let code = match (lstatus.code(), rout.status.code()) {
            (Some(0), c) => c,
            (c, _) => c,
        };
        Ok(Output {
            code,
            stdout: rout.stdout,
            stderr,
        })
    }
}

/// How the container's space is claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alloc {
    /// posix_fallocate, else zero-fill.
    Full,
    /// ftruncate: a sparse file; blocks are claimed as the jail writes.
    Sparse,
}

/// How the space was claimed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllocMethod {
    Fallocate,
    /// The filesystem refused posix_fallocate (ZFS answers EINVAL): zeros were written.
    ZeroFill,
    Sparse,
}

/// The lock that keeps two runs off one container: flock(2) on `FILE.lock`.
#[derive(Debug)]
pub struct LockGuard {
    pub path: PathBuf,
    _held: Option<nix::fcntl::Flock<File>>,
}

impl LockGuard {
    /// A guard that holds nothing (for fakes).
    pub fn fake(path: &Path) -> LockGuard {
        LockGuard {
            path: path.to_path_buf(),
            _held: None,
        }
    }
}

/// Everything but commands.
pub trait Host {
    /// Whether anything (file, directory, dangling symlink) is at `p`.
    fn exists(&self, p: &Path) -> bool;
    fn is_dir(&self, p: &Path) -> bool;
    /// Bytes an unprivileged writer may still use on the filesystem holding `dir`.
    fn free_bytes(&self, dir: &Path) -> io::Result<u64>;
    /// Take the lock `path` without waiting; busy is `ErrorKind::WouldBlock`.
    fn lock(&mut self, path: &Path) -> io::Result<LockGuard>;
    /// Release the lock and remove its file.
    fn unlock(&mut self, guard: LockGuard) -> io::Result<()>;
    /// Create `path` (never over an existing file) and claim `size` bytes.
    fn allocate(&mut self, path: &Path, size: u64, how: Alloc) -> io::Result<AllocMethod>;
    /// mkdtemp(3): `template` ends in `XXXXXX`.
    fn make_temp_dir(&mut self, template: &Path) -> io::Result<PathBuf>;
    fn remove_file(&mut self, p: &Path) -> io::Result<()>;
    fn remove_dir(&mut self, p: &Path) -> io::Result<()>;
    fn file_size(&self, p: &Path) -> io::Result<u64>;
    /// Up to `len` bytes from the start of `p`.
    fn read_head(&self, p: &Path, len: usize) -> io::Result<Vec<u8>>;
    /// Whether SIGINT or SIGTERM arrived.
    fn interrupted(&self) -> bool;
    /// Grow the existing file `path` from `from` to `to` bytes and claim the new range
    /// (`grow`): posix_fallocate of `[from, to)`, else zeros written there; ftruncate with
    /// [`Alloc::Sparse`]. The file must be `from` bytes long.
    fn extend(&mut self, path: &Path, from: u64, to: u64, how: Alloc) -> io::Result<AllocMethod> {
        let _ = (path, from, to, how);
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "extend is not implemented by this host",
        ))
    }
    /// ftruncate(2) the file to `size` bytes (undoing a failed extension).
    fn set_len(&mut self, path: &Path, size: u64) -> io::Result<()> {
        let _ = (path, size);
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "set_len is not implemented by this host",
        ))
    }
    /// Bytes the file occupies on its filesystem: st_blocks × 512.
    fn allocated_bytes(&self, path: &Path) -> io::Result<u64> {
        let _ = path;
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "allocated_bytes is not implemented by this host",
        ))
    }
    /// mkdir(2) of one directory (never over anything existing), which then has exactly
    /// `mode`, whatever the umask.
    fn make_dir(&mut self, path: &Path, mode: u32) -> io::Result<()> {
        let _ = (path, mode);
        Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "make_dir is not implemented by this host",
        ))
    }
    /// realpath(3) of `path`, when it exists: what mdconfig(8) lists for a unit's file
    /// and mount(8) for a mount point. None when it cannot be resolved (or the host does
    /// not resolve paths): callers then compare the path as written.
    fn canonical(&self, path: &Path) -> Option<PathBuf> {
        let _ = path;
        None
    }
}

/// The mode of the jail's root directory (`path`) when `create` makes it: what a jail
/// root usually has (FreeBSD's base.txz root directory is 0755).
pub const PATH_MODE: u32 = 0o755;
/// The mode of `create`'s temporary mount point: owner only.
pub const TMP_DIR_MODE: u32 = 0o700;
/// The lock file beside the container: owner only, so no other user can open it to
/// hold the lock (flock needs an open descriptor).
pub const LOCK_MODE: u32 = 0o600;

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: nix::libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Catch SIGINT and SIGTERM: the flag is checked between steps and while zero-filling,
/// and `create` rolls back instead of dying with a half-made container. Children get
/// the default disposition back at exec, so a Ctrl-C still stops the running command.
pub fn catch_interrupts() -> io::Result<()> {
    use nix::sys::signal::{SaFlags, SigAction, SigHandler, SigSet, Signal, sigaction};
    let act = SigAction::new(
        SigHandler::Handler(on_signal),
        SaFlags::SA_RESTART,
        SigSet::empty(),
    );
    for sig in [Signal::SIGINT, Signal::SIGTERM] {
        // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
        unsafe { sigaction(sig, &act) }.map_err(io::Error::from)?;
    }
    Ok(())
}

pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Whether jailvol runs as root. `JAILVOL_ASSUME_ROOT=1` is for the test suite only:
/// it lets the fake-command tests run as any user.
pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root() || std::env::var_os("JAILVOL_ASSUME_ROOT").is_some_and(|v| v == "1")
}

/// Size of the blocks the zero-fill fallback writes.
pub const ZERO_BLOCK: usize = 1 << 20;

fn off_t(n: u64) -> io::Result<nix::libc::off_t> {
    nix::libc::off_t::try_from(n)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, format!("{n} bytes is too large")))
}

/// Claim `size` bytes for `file` (opened for writing, empty). `progress(done, total)`
/// is called after each zero-filled block; a set interrupt flag stops the fill with
/// `ErrorKind::Interrupted`.
pub fn allocate(
    file: &File,
    size: u64,
    how: Alloc,
    progress: &mut dyn FnMut(u64, u64),
) -> io::Result<AllocMethod> {
    if how == Alloc::Sparse {
        nix::unistd::ftruncate(file, off_t(size)?).map_err(io::Error::from)?;
        return Ok(AllocMethod::Sparse);
    }
    match nix::fcntl::posix_fallocate(file, 0, off_t(size)?) {
        Ok(()) => Ok(AllocMethod::Fallocate),
        Err(nix::errno::Errno::EOPNOTSUPP | nix::errno::Errno::EINVAL) => {
            zero_fill(file, size, progress)?;
            Ok(AllocMethod::ZeroFill)
        }
        Err(e) => Err(io::Error::from(e)),
    }
}

/// Write `size` zero bytes from the start of `file`, in [`ZERO_BLOCK`] blocks.
pub fn zero_fill(mut file: &File, size: u64, progress: &mut dyn FnMut(u64, u64)) -> io::Result<()> {
    let buf = vec![0u8; ZERO_BLOCK];
    let mut done = 0u64;
    while done < size {
        if interrupted() {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "interrupted"));
        }
        let n = usize::try_from((size - done).min(ZERO_BLOCK as u64)).unwrap_or(ZERO_BLOCK);
        file.write_all(&buf[..n])?;
        done += n as u64;
        progress(done, size);
    }
    file.flush()
}

/// The real host, with a progress line on stderr while zero-filling when stderr is a
/// terminal.
#[derive(Debug, Default)]
pub struct RealHost {
    pub progress: bool,
}

impl Host for RealHost {
    fn exists(&self, p: &Path) -> bool {
        std::fs::symlink_metadata(p).is_ok()
    }
    fn is_dir(&self, p: &Path) -> bool {
        p.is_dir()
    }
    fn free_bytes(&self, dir: &Path) -> io::Result<u64> {
        let st = nix::sys::statvfs::statvfs(dir).map_err(io::Error::from)?;
        #[allow(clippy::useless_conversion)]
        let avail = u64::from(st.blocks_available());
        #[allow(clippy::useless_conversion)]
        let frag = u64::from(st.fragment_size());
        Ok(avail.saturating_mul(frag))
    }
    fn lock(&mut self, path: &Path) -> io::Result<LockGuard> {
        use std::os::unix::fs::OpenOptionsExt;
        // O_CREAT's mode is only ever narrowed by the umask, never widened: under
        // `umask 000` the lock is still 0600.
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(LOCK_MODE)
            .open(path)?;
        match nix::fcntl::Flock::lock(f, nix::fcntl::FlockArg::LockExclusiveNonblock) {
            Ok(held) => Ok(LockGuard {
                path: path.to_path_buf(),
                _held: Some(held),
            }),
            Err((_, nix::errno::Errno::EWOULDBLOCK)) => Err(io::Error::new(
                io::ErrorKind::WouldBlock,
                "locked by another jailvol run",
            )),
            Err((_, e)) => Err(io::Error::from(e)),
        }
    }
    fn unlock(&mut self, guard: LockGuard) -> io::Result<()> {
        // Remove while still holding it: a waiting run then finds the container made.
        let r = std::fs::remove_file(&guard.path);
        drop(guard);
        match r {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    }
    fn allocate(&mut self, path: &Path, size: u64, how: Alloc) -> io::Result<AllocMethod> {
        use std::os::unix::fs::OpenOptionsExt;
        // create_new is O_EXCL: never over an existing file, even one made since the check.
        let f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)?;
        let show = self.progress;
        let mut last = 0u64;
        let mut progress = |done: u64, total: u64| {
            if show && (done - last >= 64 << 20 || done == total) {
                last = done;
                let mut e = io::stderr().lock();
                let _ = write!(
                    e,
                    "\rjailvol: zero-filling {}: {} of {} MiB",
                    path.display(),
                    done >> 20,
                    total >> 20
                );
                if done == total {
                    let _ = writeln!(e);
                }
            }
        };
        let m = allocate(&f, size, how, &mut progress)?;
        Ok(m)
    }
    fn make_temp_dir(&mut self, template: &Path) -> io::Result<PathBuf> {
        use std::os::unix::fs::PermissionsExt;
        let p = nix::unistd::mkdtemp(template).map_err(io::Error::from)?;
        // mkdtemp(3) asks for 0700, which the umask may narrow; say the mode outright.
        if let Err(e) = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(TMP_DIR_MODE)) {
            let _ = std::fs::remove_dir(&p);
            return Err(e);
        }
        Ok(p)
    }
    fn remove_file(&mut self, p: &Path) -> io::Result<()> {
        std::fs::remove_file(p)
    }
    fn remove_dir(&mut self, p: &Path) -> io::Result<()> {
        std::fs::remove_dir(p)
    }
    fn file_size(&self, p: &Path) -> io::Result<u64> {
        Ok(std::fs::metadata(p)?.len())
    }
    fn read_head(&self, p: &Path, len: usize) -> io::Result<Vec<u8>> {
        use std::io::Read;
        let mut buf = Vec::with_capacity(len);
        File::open(p)?.take(len as u64).read_to_end(&mut buf)?;
        Ok(buf)
    }
    fn interrupted(&self) -> bool {
        interrupted()
    }
    fn extend(&mut self, path: &Path, from: u64, to: u64, how: Alloc) -> io::Result<AllocMethod> {
        use std::io::{Seek, SeekFrom};
        let f = std::fs::OpenOptions::new().write(true).open(path)?;
        let len = f.metadata()?.len();
        if len != from {
            return Err(io::Error::other(format!(
                "{} is {len} bytes, not the {from} expected",
                path.display()
            )));
        }
        if to <= from {
            return Ok(AllocMethod::Fallocate);
        }
        if how == Alloc::Sparse {
            nix::unistd::ftruncate(&f, off_t(to)?).map_err(io::Error::from)?;
            return Ok(AllocMethod::Sparse);
        }
        match nix::fcntl::posix_fallocate(&f, off_t(from)?, off_t(to - from)?) {
            Ok(()) => Ok(AllocMethod::Fallocate),
            Err(nix::errno::Errno::EOPNOTSUPP | nix::errno::Errno::EINVAL) => {
                (&f).seek(SeekFrom::Start(from))?;
                zero_fill(&f, to - from, &mut |_, _| {})?;
                f.sync_all()?;
                Ok(AllocMethod::ZeroFill)
            }
            Err(e) => Err(io::Error::from(e)),
        }
    }
    fn set_len(&mut self, path: &Path, size: u64) -> io::Result<()> {
        let f = std::fs::OpenOptions::new().write(true).open(path)?;
        f.set_len(size)?;
        f.sync_all()
    }
    fn allocated_bytes(&self, path: &Path) -> io::Result<u64> {
        use std::os::unix::fs::MetadataExt;
        Ok(std::fs::metadata(path)?.blocks().saturating_mul(512))
    }
    fn make_dir(&mut self, path: &Path, mode: u32) -> io::Result<()> {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        // mkdir(2) with the mode (the umask can only narrow it, so the directory is
        // never wider than asked, even for a moment), then chmod(2) to exactly `mode`:
        // only the directory just made is changed, never an existing one.
        std::fs::DirBuilder::new().mode(mode).create(path)?;
        if let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
            let _ = std::fs::remove_dir(path);
            return Err(e);
        }
        Ok(())
    }
    fn canonical(&self, path: &Path) -> Option<PathBuf> {
        std::fs::canonicalize(path).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipes_fail_when_either_side_fails() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let mut r = System;
        let ok = r.pipe(&s(&["echo", "hi"]), &s(&["cat"])).unwrap();
        assert!(ok.success());
        assert_eq!(ok.stdout, b"hi\n");
        let left = r
            .pipe(&s(&["sh", "-c", "echo oops >&2; exit 3"]), &s(&["cat"]))
            .unwrap();
        assert_eq!(left.code, Some(3));
        assert_eq!(left.stderr_text(), "oops");
        let right = r
            .pipe(&s(&["echo", "hi"]), &s(&["sh", "-c", "cat >/dev/null; exit 4"]))
            .unwrap();
        assert_eq!(right.code, Some(4));
    }

    #[test]
    fn allocation_claims_the_size() {
        let d = tempfile::tempdir().unwrap();
        let mut h = RealHost::default();
        for (name, how) in [("full", Alloc::Full), ("sparse", Alloc::Sparse)] {
            let p = d.path().join(name);
            h.allocate(&p, 3 << 20, how).unwrap();
            assert_eq!(h.file_size(&p).unwrap(), 3 << 20);
            // Never over an existing file.
            assert!(h.allocate(&p, 1 << 20, how).is_err());
        }
        let p = d.path().join("zero");
        let f = File::create(&p).unwrap();
        let mut calls = 0;
        zero_fill(&f, (2 << 20) + 5, &mut |_, _| calls += 1).unwrap();
        assert_eq!(calls, 3);
        assert_eq!(std::fs::metadata(&p).unwrap().len(), (2 << 20) + 5);
    }

    #[test]
    fn extension_claims_the_new_range_only() {
        let d = tempfile::tempdir().unwrap();
        let mut h = RealHost::default();
        for (name, how) in [("full", Alloc::Full), ("sparse", Alloc::Sparse)] {
            let p = d.path().join(name);
            std::fs::write(&p, b"abc").unwrap();
            // Wrong starting size: refused, file untouched.
            assert!(h.extend(&p, 4, 10, how).is_err());
            h.extend(&p, 3, 2 << 20, how).unwrap();
            assert_eq!(h.file_size(&p).unwrap(), 2 << 20);
            assert_eq!(&std::fs::read(&p).unwrap()[..4], b"abc\0");
            h.set_len(&p, 3).unwrap();
            assert_eq!(std::fs::read(&p).unwrap(), b"abc");
        }
        let p = d.path().join("full");
        h.extend(&p, 3, 1 << 20, Alloc::Full).unwrap();
        assert!(h.allocated_bytes(&p).unwrap() >= 4096);
    }

    #[test]
    fn directories_get_the_mode_asked_for_whatever_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let mut h = RealHost::default();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        // 0777 is wider than any usual umask lets mkdir(2) make: the chmod after it
        // gives the exact mode.
        for (name, want) in [("a", 0o777), ("b", PATH_MODE), ("c", 0o700)] {
            let p = d.path().join(name);
            h.make_dir(&p, want).unwrap();
            assert_eq!(mode(&p), want, "{name}");
        }
        // Never over an existing directory, whose mode stays.
        let c = d.path().join("c");
        assert_eq!(
            h.make_dir(&c, 0o755).unwrap_err().kind(),
            io::ErrorKind::AlreadyExists
        );
        assert_eq!(mode(&c), 0o700);
        let t = h.make_temp_dir(&d.path().join("t.XXXXXX")).unwrap();
        assert_eq!(mode(&t), TMP_DIR_MODE);
        let g = h.lock(&d.path().join("l.lock")).unwrap();
        assert_eq!(mode(&d.path().join("l.lock")), LOCK_MODE);
        h.unlock(g).unwrap();
        assert_eq!(
            h.canonical(&d.path().join("./c/../b")),
            Some(std::fs::canonicalize(d.path().join("b")).unwrap())
        );
        assert_eq!(h.canonical(&d.path().join("nosuch")), None);
    }

    #[test]
    fn a_held_lock_is_busy() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("c.ufs.lock");
        let mut h = RealHost::default();
        let g = h.lock(&p).unwrap();
        let busy = h.lock(&p).unwrap_err();
        assert_eq!(busy.kind(), io::ErrorKind::WouldBlock);
        h.unlock(g).unwrap();
        assert!(!p.exists());
        assert!(h.free_bytes(d.path()).unwrap() > 0);
    }
}
