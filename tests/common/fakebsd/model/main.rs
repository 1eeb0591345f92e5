//! A stateful model of the FreeBSD host tools jailvol drives, for the tests: one
//! program, installed under each command's name (`mdconfig`, `mount`, `jail`, ...) in a
//! directory the tests put first on PATH. Every call loads the shared state
//! (`$FAKEBSD_STATE/state.json`, see state.rs) under a lock, checks the preconditions
//! the real tool checks, changes the state as the real tool would, and logs its argv to
//! `$FAKEBSD_STATE/log`. What each command models, and from which FreeBSD source, is
//! said in its module; docs/freebsd.md lists the sources.
//!
//! Built only for the tests (`required-features = ["fakebsd"]`, enabled by the
//! package's dev-dependency on itself): never installed.

mod ezjail;
mod geli;
mod jail;
mod md;
mod mount;
mod state;
mod tools;
mod ufs;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use state::{Action, Lock, State};

/// One call of a modelled command.
pub struct Ctx {
    pub dir: PathBuf,
    pub name: String,
    pub args: Vec<String>,
}

impl Ctx {
    /// Run `f` on the state under the lock and store what it changed.
    pub fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let _lock = Lock::take(&self.dir);
        let mut st = State::read(&self.dir);
        let r = f(&mut st);
        st.write(&self.dir);
        r
    }

    /// A snapshot of the state.
    pub fn state(&self) -> State {
        let _lock = Lock::take(&self.dir);
        State::read(&self.dir)
    }

    /// Print `NAME: msg` on stderr; the exit status to return.
    pub fn err(&self, msg: impl std::fmt::Display) -> i32 {
        eprintln!("{}: {msg}", self.name);
        1
    }
}

fn quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_@%+=:,./-".contains(&b))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Append one line to the log (every call, before anything else happens).
fn log_call(dir: &Path, name: &str, args: &[String]) {
    let mut line = name.to_owned();
    for a in args {
        line.push(' ');
        line.push_str(&quote(a));
    }
    line.push('\n');
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("log"))
    {
        let _ = f.write_all(line.as_bytes());
    }
}

/// The fault the test asked for at this call, if any (counting this call).
fn fault(ctx: &Ctx) -> Option<Action> {
    ctx.with(|st| {
        let mut hit = None;
        for f in st.faults.iter_mut() {
            if hit.is_none() && f.matches(&ctx.name, &ctx.args) {
                f.seen += 1;
                let past = f.seen - 1;
                if past >= f.skip && f.times.is_none_or(|t| past < f.skip + t) {
                    hit = Some(f.action);
                }
            }
        }
        if hit == Some(Action::Crash) {
            power_loss(&ctx.dir, st);
        }
        hit
    })
}

/// Everything a power loss takes: md units, mounts (their files stay in the file
/// systems they were written to; each UFS keeps the flags it had, so one that was
/// mounted read-write is left not clean), running jails.
pub fn power_loss(dir: &Path, st: &mut State) {
    while let Some(i) = st.mounts.len().checked_sub(1) {
        mount::detach_mount(dir, st, i, false);
    }
    st.units.clear();
    st.eli.clear();
    st.jails.clear();
}

/// Kill the caller's whole process group: the tests start the run under test in a
/// group of its own, so this is a `kill -9` of that run at this point.
fn kill_group() -> ! {
    let _ = nix::sys::signal::killpg(nix::unistd::getpgrp(), nix::sys::signal::Signal::SIGKILL);
    std::process::exit(137)
}

fn main() {
    let mut argv = std::env::args_os();
    let argv0 = argv.next().unwrap_or_default();
    let name = Path::new(&argv0)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut args = Vec::new();
    for a in argv {
        match a.into_string() {
            Ok(s) => args.push(s),
            Err(a) => {
                eprintln!("{name}: a non-UTF-8 argument is not modelled: {a:?}");
                std::process::exit(70);
            }
        }
    }
    let ctx = Ctx {
        dir: State::dir(),
        name,
        args,
    };
    log_call(&ctx.dir, &ctx.name, &ctx.args);
    match fault(&ctx) {
        Some(Action::Fail) => {
            eprintln!("{}: injected failure", ctx.name);
            let code = if ctx.name.starts_with("fsck") { 8 } else { 1 };
            std::process::exit(code);
        }
        Some(Action::Kill | Action::Crash) => kill_group(),
        None => {}
    }
    let code = match ctx.name.as_str() {
        "mdconfig" => md::mdconfig(&ctx),
        "mount" => mount::mount(&ctx),
        "umount" => mount::umount(&ctx),
        "newfs" => ufs::newfs(&ctx),
        "fsck" | "fsck_ufs" | "fsck_ffs" => ufs::fsck(&ctx),
        "growfs" => ufs::growfs(&ctx),
        "jail" => jail::jail(&ctx),
        "jls" => jail::jls(&ctx),
        "service" => jail::service(&ctx),
        "sysrc" => tools::sysrc(&ctx),
        "tar" => tools::tar(&ctx),
        "mtree" => tools::mtree(&ctx),
        "df" => tools::df(&ctx),
        "id" => tools::id(&ctx),
        "geli" => geli::geli(&ctx),
        "fakebsd" if ctx.args == ["power-loss"] => ctx.with(|st| {
            power_loss(&ctx.dir, st);
            0
        }),
        other => {
            eprintln!("fakebsd: {other} is not a modelled command");
            70
        }
    };
    let _ = std::io::stdout().flush();
    std::process::exit(code);
}

/// realpath(3), as a string.
pub fn realpath(p: &str) -> std::io::Result<String> {
    let r = std::fs::canonicalize(p)?;
    r.into_os_string()
        .into_string()
        .map_err(|_| std::io::Error::other("not UTF-8"))
}

/// strerror-like text of an I/O error, as FreeBSD tools print it.
pub fn strerror(e: &std::io::Error) -> &'static str {
    match e.kind() {
        std::io::ErrorKind::NotFound => "No such file or directory",
        std::io::ErrorKind::PermissionDenied => "Permission denied",
        std::io::ErrorKind::AlreadyExists => "File exists",
        _ => match e.raw_os_error() {
            Some(20) => "Not a directory",
            Some(21) => "Is a directory",
            Some(16) => "Device busy",
            _ => "Input/output error",
        },
    }
}

/// Move every entry of `from` into `to` (both directories on the test's file system).
pub fn move_entries(from: &Path, to: &Path) -> std::io::Result<()> {
    let Ok(rd) = std::fs::read_dir(from) else {
        return Ok(());
    };
    for e in rd {
        let e = e?;
        std::fs::rename(e.path(), to.join(e.file_name()))?;
    }
    Ok(())
}

/// Remove everything inside `dir`, keeping `dir`.
pub fn clear_dir(dir: &Path) -> std::io::Result<()> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    for e in rd {
        let p = e?.path();
        if p.is_dir() && !p.is_symlink() {
            std::fs::remove_dir_all(&p)?;
        } else {
            std::fs::remove_file(&p)?;
        }
    }
    Ok(())
}

/// Copy the tree below `from` into `to` (`cp -a`: modes, times and links kept).
pub fn copy_into(from: &Path, to: &Path) -> std::io::Result<()> {
    let st = std::process::Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", from.display()))
        .arg(to)
        .status()?;
    if st.success() {
        Ok(())
    } else {
        Err(std::io::Error::other(format!("cp -a {} failed", from.display())))
    }
}

/// The size argument of mdconfig -s and growfs -s (sbin/mdconfig/mdconfig.c: a bare
/// number counts 512-byte sectors; b, k, m, g, t suffixes).
pub fn parse_md_size(s: &str) -> Option<u64> {
    let digits = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let n: u64 = s[..digits].parse().ok()?;
    let shift = match &s[digits..] {
        "" => return n.checked_mul(512),
        "b" | "B" => 0,
        "k" | "K" => 10,
        "m" | "M" => 20,
        "g" | "G" => 30,
        "t" | "T" => 40,
        _ => return None,
    };
    n.checked_mul(1 << shift)
}

/// humanize_number(3) with HN_AUTOSCALE | HN_B | HN_NOSPACE | HN_DECIMAL into 6 bytes,
/// as `mdconfig -l -v` prints the length (approximately: one decimal below 10).
pub fn humanize(bytes: u64) -> String {
    let units = ["B", "K", "M", "G", "T", "P"];
    let mut v = bytes as f64;
    let mut i = 0;
    while v >= 1000.0 && i + 1 < units.len() {
        v /= 1024.0;
        i += 1;
    }
    if i > 0 && v < 9.95 {
        format!("{v:.1}{}", units[i])
    } else {
        format!("{}{}", v.round() as u64, units[i])
    }
}
