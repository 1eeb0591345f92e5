//! Reading configuration files the way the host will see them, optionally below an
//! alternate root (`--root DIR`, like `sysrc -R`): an absolute path `/etc/jail.conf` is
//! read from `DIR/etc/jail.conf`, while messages keep naming `/etc/jail.conf`.

use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diag::{Diag, Loc, Source, exit, io_exit};

#[derive(Debug, Clone, Default)]
pub struct Loader {
    pub root: Option<PathBuf>,
    /// Read nothing at all: for text that must not pull in files (`.include` in a
    /// value converted from rc.conf).
    sealed: bool,
}

impl Loader {
    pub fn new(root: Option<PathBuf>) -> Loader {
        Loader { root, sealed: false }
    }

    /// A loader that refuses every read.
    pub fn sealed() -> Loader {
        Loader {
            root: None,
            sealed: true,
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
    pub fn read(&self, host: &str, from: Option<Loc>) -> Result<Arc<Source>, Diag> {
        if self.sealed {
            return Err(Diag::error(from, format!("{host}: no file may be read here")));
        }
        if host == "-" {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| Diag::error(from, format!("standard input: {e}")).with_exit(exit::IOERR))?;
            return Ok(Source::new("STDIN", bytes_to_text(buf)));
        }
        let real = self.real_path(host);
        // Opened without blocking, then checked on the open file: a FIFO with no writer
        // (or a device, a socket) would block or never end; only regular files are
        // configuration.
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits())
            .open(&real)
            .map_err(|e| match &self.root {
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
            return Err(Diag::error(
                from,
                format!("{host}: is {}, not a regular file", file_kind(&meta)),
            )
            .with_note("jailvol reads configuration from regular files only; `-f -` reads standard input")
            .with_exit(exit::NOINPUT));
        }
        let mut buf = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0).min(1 << 26));
        file.read_to_end(&mut buf)
            .map_err(|e| open_error(host, &e, from))?;
        Ok(Source::new(host, bytes_to_text(buf)))
    }
}

fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else {
        "a special file"
    }
}

fn open_error(host: &str, e: &std::io::Error, from: Option<Loc>) -> Diag {
    let msg = match e.kind() {
        std::io::ErrorKind::NotFound => format!("{host}: no such file"),
        std::io::ErrorKind::PermissionDenied => format!("{host}: permission denied"),
        _ => format!("{host}: {e}"),
    };
    Diag::error(from, msg).with_exit(io_exit(e))
}

/// FreeBSD reads bytes; jailvol works on text. Invalid UTF-8 is replaced (U+FFFD) rather
/// than rejected: such bytes can only matter inside quoted values.
fn bytes_to_text(buf: Vec<u8>) -> String {
    match String::from_utf8(buf) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
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
