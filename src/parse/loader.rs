//! Reading configuration files the way the host will see them, optionally below an
//! alternate root (`--root DIR`, like `sysrc -R`): an absolute path `/etc/jail.conf` is
//! read from `DIR/etc/jail.conf`, while messages keep naming `/etc/jail.conf`.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::diag::{Diag, Loc, Source, exit, io_exit};

#[derive(Debug, Clone, Default)]
pub struct Loader {
    pub root: Option<PathBuf>,
    /// Read nothing at all: for text that must not pull in files (`.include` in a
    /// value converted from rc.conf).
    sealed: bool,
    /// What was read from streams (standard input, pipes, devices), by name: shared by
    /// the loader's clones.
    streams: Arc<Mutex<HashMap<String, Arc<Source>>>>,
    /// Whether `streams` has anything: check asks `stream` for each of thousands of
    /// files it compares, from two threads, and nearly always none was a stream.
    any_stream: Arc<AtomicBool>,
    /// Files read with `read_kept`, by name: ezjail's per-jail files, which the rc.conf
    /// evaluation sources and the ezjail listing reads again for rcorder's headers.
    kept: Arc<Mutex<HashMap<String, Arc<Source>>>>,
    /// Pin every source read (`Source::pin`): the command line's loader.
    pin: bool,
}

impl Loader {
    pub fn new(root: Option<PathBuf>) -> Loader {
        Loader {
            root,
            ..Loader::default()
        }
    }

    /// This loader, pinning every source it reads (`Source::pin`): for a process that
    /// runs one command, whose files stay read to its end.
    pub fn pinning(self) -> Loader {
        Loader { pin: true, ..self }
    }

    /// This loader, not pinning what it reads (for a file read once to look at, whose
    /// pinned text would stay in memory beside the copy read for the parse).
    pub fn unpinned(&self) -> Loader {
        Loader {
            pin: false,
            ..self.clone()
        }
    }

    /// A loader that refuses every read.
    pub fn sealed() -> Loader {
        Loader {
            sealed: true,
            ..Loader::default()
        }
    }

    /// Where a host path lives on this machine.
    pub fn real_path(&self, host: &str) -> PathBuf {
        match &self.root {
            Some(root) if host.starts_with('/') => {
                // `root.join(rest)`, without taking either apart into components: check
                // asks for tens of thousands of paths.
                let (root, rest) = (root.as_os_str(), host.trim_start_matches('/'));
                let mut p = std::ffi::OsString::with_capacity(root.len() + 1 + rest.len());
                p.push(root);
                if !root.as_encoded_bytes().ends_with(b"/") {
                    p.push("/");
                }
                p.push(rest);
                PathBuf::from(p)
            }
            _ => PathBuf::from(host),
        }
    }

    /// The host path of a real path found by globbing below the root.
    pub fn host_path(&self, real: &Path) -> String {
        if let Some(root) = &self.root
            && let Ok(rest) = real.strip_prefix(root)
        {
            return format!("/{}", rest.display());
        }
        real.display().to_string()
    }

    /// Read a file (or standard input for `-`) into a `Source` named as given.
    /// `from` is the statement that asked for it, for the error location.
    ///
    /// Read the way jail(8) reads `-f` and `.include` files: `fopen(name, "r")`, or
    /// stdin for `-` (usr.sbin/jail/config.c, `parse_config`), so anything open(2) can
    /// read is configuration: a regular file, `/dev/null`, a pipe (`-f <(printf …)`) or
    /// a FIFO. Like fopen(3), a FIFO is opened blocking: with no writer yet, the open
    /// waits for one (a non-blocking open would read end-of-file before a writer that
    /// is just starting, bash's process substitution without /dev/fd, and see an empty
    /// file). A directory stays an error.
    pub fn read(&self, host: &str, from: Option<Loc>) -> Result<Arc<Source>, Diag> {
        if self.sealed {
            return Err(Diag::error(from, format!("{host}: no file may be read here")));
        }
        // A pipe can be read once: a second read of the same name (the kind detection
        // reads the first -f file before the parse does) gets the text of the first.
        if let Some(src) = self.stream(host) {
            return Ok(src);
        }
        if host == "-" {
            let buf = read_stream(std::io::stdin().lock(), "standard input", from)?;
            return Ok(self.keep(host, self.made(Source::new("STDIN", super::read::decode(buf)))));
        }
        let real = self.real_path(host);
        let file = std::fs::File::open(&real).map_err(|e| match &self.root {
            Some(root) if !root.is_dir() => Diag::error(
                from.clone(),
                format!(
                    "{host}: cannot be read below --root {}: it does not exist or is not a directory",
                    root.display()
                ),
            )
            .with_exit(exit::NOINPUT),
            _ => open_error(host, &e, from.clone()),
        })?;
        let meta = file.metadata().map_err(|e| open_error(host, &e, from.clone()))?;
        if meta.is_dir() {
            return Err(Diag::error(from, format!("{host}: is a directory")).with_exit(exit::NOINPUT));
        }
        if !meta.is_file() {
            let buf = read_stream(file, host, from)?;
            return Ok(self.keep(host, self.made(Source::new(host, super::read::decode(buf)))));
        }
        let read = super::read::read_file(file, meta.len()).map_err(|e| open_error(host, &e, from))?;
        Ok(self.made(Source::read(host, read.text, read.crlf_and_nul)))
    }

    fn made(&self, src: Arc<Source>) -> Arc<Source> {
        if self.pin { Source::pin(src) } else { src }
    }

    /// `read`, once per loader (and its clones): a second call for the same name gets
    /// the text the first read, so two passes over one directory see the same files.
    pub fn read_kept(&self, host: &str) -> Result<Arc<Source>, Diag> {
        if let Some(src) = self.kept.lock().ok().and_then(|m| m.get(host).cloned()) {
            return Ok(src);
        }
        let src = self.read(host, None)?;
        if let Ok(mut m) = self.kept.lock() {
            m.insert(host.to_owned(), Arc::clone(&src));
        }
        Ok(src)
    }

    /// What the stream read as `host` held, when `host` was a stream (standard input,
    /// a pipe, a device) and not a regular file: the text the configuration was, which
    /// reading the path again would not give.
    pub fn stream(&self, host: &str) -> Option<Arc<Source>> {
        if !self.any_stream.load(Ordering::Acquire) {
            return None;
        }
        self.streams.lock().ok().and_then(|m| m.get(host).cloned())
    }

    /// Remember what a stream held, for the next read of the same name.
    fn keep(&self, host: &str, src: Arc<Source>) -> Arc<Source> {
        if let Ok(mut m) = self.streams.lock() {
            m.insert(host.to_owned(), Arc::clone(&src));
            self.any_stream.store(true, Ordering::Release);
        }
        src
    }
}

/// The most a stream (standard input, a pipe, a device) may hold. A regular file's size
/// is known; a stream's is not, and `-f /dev/zero` would fill memory (jail(8) reads on).
/// 256 MiB is about 18 times the 50,000-jail benchmark file (docs/performance.md).
pub const STREAM_LIMIT: u64 = 256 << 20;

/// Read a stream to its end, refusing one larger than [`STREAM_LIMIT`].
fn read_stream(r: impl Read, name: &str, from: Option<Loc>) -> Result<Vec<u8>, Diag> {
    let mut buf = Vec::new();
    r.take(STREAM_LIMIT + 1)
        .read_to_end(&mut buf)
        .map_err(|e| Diag::error(from.clone(), format!("{name}: {e}")).with_exit(io_exit(&e)))?;
    if buf.len() as u64 > STREAM_LIMIT {
        return Err(Diag::error(
            from,
            format!(
                "{name}: more than {} MiB: not a configuration file",
                STREAM_LIMIT >> 20
            ),
        )
        .with_exit(exit::NOINPUT));
    }
    Ok(buf)
}

fn open_error(host: &str, e: &std::io::Error, from: Option<Loc>) -> Diag {
    let msg = match e.kind() {
        std::io::ErrorKind::NotFound => format!("{host}: no such file"),
        std::io::ErrorKind::PermissionDenied => format!("{host}: permission denied"),
        _ => format!("{host}: {e}"),
    };
    Diag::error(from, msg).with_exit(io_exit(e))
}

#[cfg(test)]
mod real_path_tests {
    use super::*;

    #[test]
    fn real_path_is_root_joined_with_the_host_path() {
        for root in ["/r", "/r/", "/", "r", "/a b/c"] {
            let l = Loader::new(Some(PathBuf::from(root)));
            for host in ["/etc/jail.conf", "//etc//x", "/", "/a/", "rel/x", "-", ""] {
                let want = if host.starts_with('/') {
                    Path::new(root).join(host.trim_start_matches('/'))
                } else {
                    PathBuf::from(host)
                };
                assert_eq!(l.real_path(host), want, "{root} {host}");
            }
        }
        assert_eq!(Loader::default().real_path("/etc/x"), PathBuf::from("/etc/x"));
    }
}

#[cfg(test)]
mod pin_tests {
    use super::*;

    /// A pinning loader pins what it reads; its `unpinned` clone does not, and still
    /// shares what was read from streams.
    #[test]
    fn a_pinning_loader_pins_and_its_unpinned_clone_does_not() {
        let d = tempfile::tempdir().expect("tempdir");
        std::fs::write(d.path().join("j.conf"), "a { path = /a; }\n").expect("write");
        let pinning = Loader::new(Some(d.path().to_path_buf())).pinning();
        let pinned = pinning.read("/j.conf", None).expect("read");
        assert!(pinned.pinned());
        // One count here, one `pin` keeps.
        assert_eq!(Arc::strong_count(&pinned), 2);
        let not = pinning.unpinned().read("/j.conf", None).expect("read");
        assert!(!not.pinned());
        assert_eq!(Arc::strong_count(&not), 1);
        assert!(!Loader::new(None).read("/dev/null", None).expect("read").pinned());
        assert!(Arc::ptr_eq(&pinning.streams, &pinning.unpinned().streams));
    }
}
