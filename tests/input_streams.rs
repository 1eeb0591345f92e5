//! `-f` reads what `jail -f` reads (issue 22): jail(8) opens its configuration with
//! `fopen(name, "r")` (usr.sbin/jail/config.c, `parse_config`), so `/dev/null`, a pipe
//! (`-f <(printf …)`) and a FIFO are configuration; a directory and a missing file are
//! still clear errors. Through the built binary, with a real FIFO.

mod common;

use std::io::Write;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::{Run, jailvol};

const JAIL_CONF: &str = "www { path = /j/www; host.hostname = www; }\n";
const RC_CONF: &str =
    "jail_enable=YES\njail_list=www\njail_www_rootdir=/j/www\njail_www_hostname=www\njail_www_ip=192.0.2.1\n";

/// Run with a deadline: a reader that opens a FIFO a second time waits for a writer
/// that never comes, and that must fail the test, not hang the suite.
fn run(mut c: Command) -> Run {
    use std::io::Read;
    use std::process::Stdio;
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("run jailvol");
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = r.read_to_end(&mut v);
            String::from_utf8_lossy(&v).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("jailvol did not finish within 60 s (hang)");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

fn mkfifo(dir: &Path, name: &str) -> PathBuf {
    let p = dir.join(name);
    nix::unistd::mkfifo(&p, nix::sys::stat::Mode::from_bits_truncate(0o644)).unwrap();
    p
}

/// Write `text` into the FIFO once a reader has it open, starting late on purpose: a
/// reader that does not wait for its writer (a non-blocking open) would see an empty
/// file. Gives up after 20 s so that a reader that never comes fails the test instead of
/// hanging it.
fn feed(fifo: &Path, text: &'static str) -> JoinHandle<bool> {
    let fifo = fifo.to_path_buf();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        let start = Instant::now();
        loop {
            // O_NONBLOCK: a write-only open fails (ENXIO) while no reader has it open.
            match std::fs::OpenOptions::new()
                .write(true)
                .custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits())
                .open(&fifo)
            {
                Ok(mut f) => return f.write_all(text.as_bytes()).is_ok(),
                Err(_) if start.elapsed() < Duration::from_secs(20) => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(_) => return false,
            }
        }
    })
}

fn run_fed(args: &[&str], fifo: &Path, text: &'static str) -> Run {
    let writer = feed(fifo, text);
    let mut c: Command = jailvol();
    c.args(args).arg("-f").arg(fifo);
    let r = run(c);
    assert!(writer.join().unwrap(), "{args:?}: jailvol never opened the FIFO");
    r
}

#[track_caller]
fn ok(r: &Run, what: &str) {
    assert_eq!(r.code, 0, "{what}: exit {}\n{}", r.code, r.stderr);
    assert!(!r.stderr.contains("panicked"), "{what}: {}", r.stderr);
}

#[test]
fn a_fifo_is_read_like_jail_f_reads_it() {
    let d = tempfile::tempdir().unwrap();
    let fifo = mkfifo(d.path(), "fifo");
    // jail.conf: the kind is detected from the text, then the text is parsed; a FIFO
    // gives its text once, so both must see the same read.
    let r = run_fed(&["show"], &fifo, JAIL_CONF);
    ok(&r, "show");
    assert!(r.stdout.contains("host.hostname = www;"), "{}", r.stdout);
    let r = run_fed(&["show", "--format", "json"], &fifo, JAIL_CONF);
    ok(&r, "show json");
    assert!(r.stdout.contains("\"www\""), "{}", r.stdout);
    // rc.conf, detected and forced.
    for args in [&["vars"][..], &["show"], &["show", "--rc-conf"], &["convert"]] {
        let r = run_fed(args, &fifo, RC_CONF);
        ok(&r, &format!("{args:?}"));
        assert!(r.stdout.contains("www"), "{args:?}: {}", r.stdout);
    }
    let r = run_fed(&["check", "--no-containers"], &fifo, JAIL_CONF);
    ok(&r, "check");
}

#[test]
fn a_fifo_included_from_a_file_is_read() {
    let d = tempfile::tempdir().unwrap();
    mkfifo(d.path(), "part.conf");
    let main = d.path().join("jail.conf");
    std::fs::write(&main, ".include \"part.conf\";\n").unwrap();
    let writer = feed(&d.path().join("part.conf"), JAIL_CONF);
    let mut c = jailvol();
    c.arg("show").arg("-f").arg(&main);
    let r = run(c);
    assert!(writer.join().unwrap());
    ok(&r, "show");
    assert!(r.stdout.contains("path = /j/www;"), "{}", r.stdout);
}

/// generate edits its jail.conf in place: from a FIFO, the dry run diffs against what
/// the FIFO held (not against an empty re-read), and a real run refuses before writing
/// anything, leaving the FIFO a FIFO.
#[test]
fn generate_from_a_fifo_diffs_against_its_text_and_does_not_write_it() {
    const MANAGED: &str = "www { path = /j/www; host.hostname = www; $volume_size = 1G; }\n";
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join("root")).unwrap();
    let fifo = mkfifo(&d.path().join("root"), "jail.conf");
    let host = "/jail.conf";
    let root = d.path().join("root");
    let root = root.to_str().unwrap();
    // -f is below --root: named as the host sees it.
    let writer = feed(&fifo, MANAGED);
    let mut c = jailvol();
    c.args(["generate", "--dry-run", "--root", root, "-f", host]);
    let r = run(c);
    assert!(writer.join().unwrap());
    ok(&r, "generate --dry-run");
    assert!(
        r.stdout
            .contains("-www { path = /j/www; host.hostname = www; $volume_size = 1G; }\n"),
        "the diff is not against the FIFO's text:\n{}",
        r.stdout
    );
    let writer = feed(&fifo, MANAGED);
    let mut c = jailvol();
    c.args(["generate", "--root", root, "-f", host]);
    let r = run(c);
    assert!(writer.join().unwrap());
    assert_eq!(r.code, 73, "{}", r.stderr);
    assert!(
        r.stderr.contains("/jail.conf: is not a regular file"),
        "{}",
        r.stderr
    );
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    assert!(!d.path().join("root/etc").exists(), "wrote before refusing");
}

#[test]
fn dev_null_is_an_empty_configuration() {
    for args in [
        &["show"][..],
        &["show", "--rc-conf"],
        &["vars"],
        &["convert"],
        &["check", "--no-containers"],
        &["generate", "--dry-run"],
    ] {
        let mut c = jailvol();
        c.args(args).args(["-f", "/dev/null"]);
        let r = run(c);
        ok(&r, &format!("{args:?}"));
        assert!(!r.stderr.contains("character device"), "{args:?}: {}", r.stderr);
    }
}

#[test]
fn a_directory_or_a_missing_file_is_still_an_error() {
    let d = tempfile::tempdir().unwrap();
    let mut c = jailvol();
    c.arg("show").arg("-f").arg(d.path());
    let r = run(c);
    assert_eq!(r.code, 66, "{}", r.stderr);
    assert!(r.stderr.contains("is a directory"), "{}", r.stderr);
    let mut c = jailvol();
    c.arg("show").arg("-f").arg(d.path().join("missing"));
    let r = run(c);
    assert_eq!(r.code, 66, "{}", r.stderr);
    assert!(r.stderr.contains("no such file"), "{}", r.stderr);
}

/// grow and migrate edit the jail.conf they read: from a FIFO they refuse (a second open
/// would wait for a writer that never comes; a rename would replace the FIFO).
#[test]
fn grow_and_migrate_refuse_to_edit_a_fifo() {
    const MANAGED: &str =
        "www { path = /j/www; host.hostname = www; $volume_size = 1G; $volume_md_unit = 100; }\n";
    let d = tempfile::tempdir().unwrap();
    let fifo = mkfifo(d.path(), "jail.conf");
    for args in [&["grow", "www", "2G"][..], &["migrate", "www"]] {
        let r = run_fed(args, &fifo, MANAGED);
        assert_eq!(r.code, 64, "{args:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("jail.conf is not a regular file"),
            "{args:?}: {}",
            r.stderr
        );
        assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
    }
}
