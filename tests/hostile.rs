//! Hostile inputs and environments, through the built binary: every case ends with a
//! sysexits status and a clear message, never a panic, a hang or a stack overflow.
//!
//! Some cases need root powers (mounting a tmpfs, `chattr +i`); where this machine does
//! not allow them the case prints a note and checks what it can. Tests run as root here,
//! so permission bits do not stop reads: the unreadable-file case says so and skips its
//! assertion under euid 0.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Run, jailvol};

/// Run with a deadline: a hang is a failure, not a stuck test suite.
fn run_for(mut c: Command, limit: Duration) -> Run {
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("run jailvol");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("jailvol did not finish within {limit:?} (hang)");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&t_out.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&t_err.join().unwrap()).into_owned(),
    }
}

fn run(c: Command) -> Run {
    run_for(c, Duration::from_secs(120))
}

/// A clean failure: the exit status, a message containing `needle`, no panic.
#[track_caller]
fn assert_fails(r: &Run, codes: &[i32], needle: &str) {
    assert!(
        codes.contains(&r.code),
        "exit {} (wanted one of {codes:?})\nstderr:\n{}",
        r.code,
        r.stderr
    );
    assert!(
        r.stderr.contains(needle),
        "stderr lacks {needle:?}:\n{}",
        r.stderr
    );
    assert_clean(r);
}

#[track_caller]
fn assert_clean(r: &Run) {
    assert!(
        !r.stderr.contains("panicked") && !r.stderr.contains("RUST_BACKTRACE"),
        "panic:\n{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("overflowed its stack"),
        "stack overflow:\n{}",
        r.stderr
    );
}

#[track_caller]
fn assert_ok(r: &Run) {
    assert_eq!(r.code, 0, "stderr:\n{}", r.stderr);
    assert_clean(r);
}

fn write(p: &Path, text: &str) {
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// A root tree with /etc/jail.conf.
fn root_with(conf: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    write(&d.path().join("etc/jail.conf"), conf);
    d
}

fn generate(root: &Path) -> Run {
    let mut c = jailvol();
    c.arg("generate").arg("--root").arg(root);
    run(c)
}

// ------------------------------------------------------------------ jail names

#[test]
fn generate_rejects_names_that_leave_the_fstab_directory() {
    for name in ["a/b", "../x", "..", "/etc/passwd", "x/../../y"] {
        let conf = format!("\"{name}\" {{ path = /j/x; $volume_size = 1G; }}\n");
        let root = root_with(&conf);
        let r = generate(root.path());
        assert_fails(&r, &[65], "JV022");
        assert!(r.stderr.contains("jail name"), "{name}: {}", r.stderr);
        // Nothing written: a refused run leaves the tree as it was.
        assert_eq!(
            common::files_below(root.path()),
            vec![PathBuf::from("etc/jail.conf")]
        );
        assert_eq!(
            std::fs::read_to_string(root.path().join("etc/jail.conf")).unwrap(),
            conf
        );
    }
}

#[test]
fn generate_accepts_dotted_names_spaces_and_quotes() {
    for (decl, file) in [
        ("\"web.front\"", "web.front.fstab"),
        ("web { front", "web.front.fstab"),
        ("\"my jail\"", "my jail.fstab"),
        ("\"it's\"", "it's.fstab"),
        ("'say \"hi\"'", "say \"hi\".fstab"),
        ("\"-x\"", "-x.fstab"),
    ] {
        let close = if decl.contains('{') { "}}" } else { "}" };
        let conf = format!("{decl} {{ path = \"/j/a b\"; $volume_size = 1G; {close}\n");
        let root = root_with(&conf);
        let r = generate(root.path());
        assert_ok(&r);
        let fstab = root.path().join("etc/jailvol").join(file);
        assert!(fstab.is_file(), "{decl}: no {}: {}", fstab.display(), r.stderr);
        // The mount point with a space is vis(3)-encoded in the fstab.
        let text = std::fs::read_to_string(&fstab).unwrap();
        assert!(text.contains("/j/a\\040b"), "{text}");
        // The rewritten jail.conf still reads.
        let mut show = jailvol();
        show.arg("show").arg("--root").arg(root.path());
        assert_ok(&run(show));
    }
}

#[test]
fn names_with_hostile_characters_survive_show() {
    let conf =
        "\"a b\" { path = \"/x;y\"; }\n\"q\\\"uote\" { path = '/$HOME'; }\n\"nl\\nname\" { path = /p; }\n";
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("jail.conf");
    write(&f, conf);
    let mut c = jailvol();
    c.arg("show").arg("-f").arg(&f);
    let r = run(c);
    assert_ok(&r);
    // The shown text reads back.
    let again = d.path().join("again.conf");
    write(&again, &r.stdout);
    let mut c = jailvol();
    c.arg("show").arg("-f").arg(&again);
    let r2 = run(c);
    assert_ok(&r2);
    assert_eq!(r.stdout, r2.stdout);
}

// ------------------------------------------------------------------ paths

#[test]
fn paths_with_spaces() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("a root with spaces");
    write(
        &root.join("etc/jail.conf"),
        ".include \"/etc/jail conf.d/*.conf\";\n",
    );
    write(
        &root.join("etc/jail conf.d/my www.conf"),
        "www { path = \"/jails/w w w\"; $volume_size = 64M; }\n",
    );
    let r = generate(&root);
    assert_ok(&r);
    let fstab = std::fs::read_to_string(root.join("etc/jailvol/www.fstab")).unwrap();
    assert!(fstab.contains("/jails/w\\040w\\040w"), "{fstab}");
    // -f with a space in the file name, outside any root.
    let mut c = jailvol();
    c.arg("show")
        .arg("-f")
        .arg(root.join("etc/jail conf.d/my www.conf"));
    let r = run(c);
    assert_ok(&r);
    assert!(r.stdout.contains("\"/jails/w w w\""), "{}", r.stdout);
}

// ------------------------------------------------------------------ size and depth

#[test]
fn ten_megabyte_single_line_value() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("big.conf");
    let big = "x".repeat(10 << 20);
    // One line: a bare word, a quoted value with escapes, a variable used twice.
    let conf = format!(
        "$v = \"{big}\"; www {{ path = /j; exec.start = {big}; exec.stop = \"a\\tb{big}\"; host.hostname = \"${{v}}\"; }}"
    );
    write(&f, &conf);
    for format in ["text", "json"] {
        let mut c = jailvol();
        c.arg("show").arg("--format").arg(format).arg("-f").arg(&f);
        let r = run_for(c, Duration::from_secs(600));
        assert_ok(&r);
        assert!(r.stdout.len() > 40 << 20, "{format}: {} bytes", r.stdout.len());
    }
}

/// jailvol under a small stack (`ulimit -s`, in KiB): a recursion per nesting level
/// anywhere (parser, model, emit, check, edit, depend) overflows it long before
/// thousands of levels.
fn jailvol_small_stack() -> Command {
    let mut c = Command::new("/bin/sh");
    c.env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .env("NO_COLOR", "1")
        .arg("-c")
        .arg("ulimit -s 512 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_jailvol"));
    c
}

#[test]
fn thousands_of_nested_blocks_are_read_without_recursion() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().to_path_buf();
    std::fs::create_dir(root.join("etc")).unwrap();
    // 5,000 levels: 2,500 in the main file, 2,500 more in a file included at the
    // innermost level (jail(8) parses each file with a yacc stack of its own), every
    // jail managed and the innermost depending on the outermost.
    let n = 2500;
    write(
        &root.join("etc/jail.conf"),
        &format!(
            "{}path = /j/$name;\n$volume_size = 1G;\n.include \"inner.conf\";\n{}",
            "a {\n".repeat(n),
            "}\n".repeat(n)
        ),
    );
    write(
        &root.join("etc/inner.conf"),
        &format!(
            "{}path = /x;\n$volume_size = 2G;\ndepend = a;\n{}",
            "b {\n".repeat(n),
            "}\n".repeat(n)
        ),
    );
    let deepest = format!("{}.{}", vec!["a"; n].join("."), vec!["b"; n].join("."));
    for args in [
        &["show"][..],
        &["show", "--format", "json"],
        &["check"],
        &["check", "--format", "json"],
        &["generate", "--dry-run"],
        &["status"],
    ] {
        let mut c = jailvol_small_stack();
        c.arg("-q")
            .args(args)
            .arg("-f")
            .arg("/etc/jail.conf")
            .arg("--root")
            .arg(&root);
        let r = run_for(c, Duration::from_secs(600));
        assert!(
            !r.stderr.contains("overflow") && !r.stderr.contains("panicked") && r.code != -1,
            "{args:?}: {}",
            r.stderr
        );
        assert!(
            r.code == 0 || r.code == 1,
            "{args:?}: exit {}: {}",
            r.code,
            r.stderr
        );
        if args[0] == "show" {
            assert!(r.stdout.contains(&deepest), "{args:?}");
        }
    }
}

#[test]
fn blocks_nested_past_jails_yacc_stack_are_its_error() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("deep.conf");
    // byacc's stack of 10,000 entries holds 3,332 levels of blocks (parser::yacc_overflow).
    let n = 3332;
    write(&f, &format!("{}p;\n{}", "a {\n".repeat(n), "}\n".repeat(n)));
    let mut c = jailvol_small_stack();
    c.arg("show").arg("-q").arg("-f").arg(&f);
    let r = run(c);
    assert_ok(&r);
    assert!(r.stdout.contains(&format!("\n{} {{\n", vec!["a"; n].join("."))));
    // One more level is jail(8)'s "yacc stack overflow" at its `{`; unclosed nesting too.
    for text in [
        format!("{}p;\n{}", "a {\n".repeat(n + 1), "}\n".repeat(n + 1)),
        "a{".repeat(100_000),
    ] {
        write(&f, &text);
        let mut c = jailvol_small_stack();
        c.arg("show").arg("-q").arg("-f").arg(&f);
        let r = run(c);
        assert_fails(&r, &[65], "yacc stack overflow");
    }
    let mut c = jailvol_small_stack();
    write(
        &f,
        &format!("{}p;\n{}", "a {\n".repeat(n + 1), "}\n".repeat(n + 1)),
    );
    c.arg("show").arg("-q").arg("-f").arg(&f);
    assert!(run(c).stderr.starts_with(&format!(
        "{}:{}:3: error: yacc stack overflow",
        f.display(),
        n + 1
    )));
}

// ------------------------------------------------------------------ includes

#[test]
fn include_cycles_stop_at_the_include_depth() {
    let d = tempfile::tempdir().unwrap();
    let me = d.path().join("self.conf");
    write(&me, ".include \"self.conf\";\n");
    let mut c = jailvol();
    c.arg("show").arg("-f").arg(&me);
    assert_fails(&run(c), &[65], "maximum include depth exceeded");
    // A two-file cycle, and a glob that matches its own file.
    write(&d.path().join("a.conf"), ".include \"b.conf\";\n");
    write(
        &d.path().join("b.conf"),
        "x { path = /x; }\n.include \"a.conf\";\n",
    );
    let mut c = jailvol();
    c.arg("show").arg("-f").arg(d.path().join("a.conf"));
    assert_fails(&run(c), &[65], "maximum include depth exceeded");
    write(&d.path().join("g.conf"), ".include \"*.conf\";\n");
    let mut c = jailvol();
    c.arg("show").arg("-f").arg(d.path().join("g.conf"));
    assert_fails(&run(c), &[65], "maximum include depth exceeded");
}

// ------------------------------------------------------------------ odd files

#[test]
fn a_directory_as_the_config_file() {
    let d = tempfile::tempdir().unwrap();
    for args in [&["show"][..], &["show", "--rc-conf"], &["convert"], &["generate"]] {
        let mut c = jailvol();
        c.args(args).arg("-f").arg(d.path());
        assert_fails(&run(c), &[66, 74], "is a directory");
    }
    // `check` exits 65 when an input cannot be read (docs/checks.md).
    let mut c = jailvol();
    c.arg("check").arg("-f").arg(d.path());
    assert_fails(&run(c), &[65], "is a directory");
    // As an include.
    let f = d.path().join("j.conf");
    write(&f, ".include \"sub\";\n");
    std::fs::create_dir(d.path().join("sub")).unwrap();
    let mut c = jailvol();
    c.arg("show").arg("-f").arg(&f);
    assert_fails(&run(c), &[66, 74], "is a directory");
}

fn mkfifo(p: &Path) {
    nix::unistd::mkfifo(p, nix::sys::stat::Mode::from_bits_truncate(0o644)).unwrap();
}

/// Pipes, FIFOs and devices are configuration like jail -f reads them
/// (tests/input_streams.rs), but a stream that never ends is refused, not read until
/// memory runs out.
#[test]
fn a_device_that_never_ends_is_refused() {
    for args in [&["show"][..], &["show", "--rc-conf"], &["vars"], &["check"]] {
        let mut c = jailvol();
        c.args(args).arg("-f").arg("/dev/zero");
        let code = if args[0] == "check" { 65 } else { 66 };
        assert_fails(
            &run_for(c, Duration::from_secs(60)),
            &[code],
            "/dev/zero: more than 256 MiB",
        );
    }
}

/// rc.d/jail tests the fstab with `[ -r FILE ]`; `convert` opens it to check, and opening
/// a FIFO with no writer blocks.
#[test]
fn convert_with_a_fifo_fstab_does_not_hang() {
    let d = tempfile::tempdir().unwrap();
    mkfifo(&d.path().join("fstab.www"));
    let rc = d.path().join("rc.conf");
    write(
        &rc,
        &format!(
            "jail_enable=YES\njail_list=www\njail_www_hostname=www\njail_www_rootdir=/j/www\njail_www_ip=192.0.2.1\njail_www_fstab={}\n",
            d.path().join("fstab.www").display()
        ),
    );
    let mut c = jailvol();
    c.arg("convert").arg("-f").arg(&rc);
    let r = run_for(c, Duration::from_secs(20));
    assert_clean(&r);
}

#[test]
fn unreadable_config_file() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("jail.conf");
    write(&f, "www { path = /j; }\n");
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut c = jailvol();
    c.arg("show").arg("-f").arg(&f);
    if is_root() {
        // Root reads mode-000 files: run as nobody, for whom the file is unreadable.
        use std::os::unix::process::CommandExt;
        c.uid(65534).gid(65534);
    }
    let r = run(c);
    assert_clean(&r);
    assert_fails(&r, &[66], "permission denied");
}

// ------------------------------------------------------------------ --root

#[test]
fn hostile_root_values() {
    let d = tempfile::tempdir().unwrap();
    let missing = d.path().join("no such root");
    for cmd in ["show", "generate", "check", "convert", "vars"] {
        let mut c = jailvol();
        c.arg(cmd).arg("--root").arg(&missing);
        let r = run(c);
        assert!(matches!(r.code, 64..=66), "{cmd}: exit {}\n{}", r.code, r.stderr);
        assert!(!r.stderr.is_empty(), "{cmd}: no message");
        assert_clean(&r);
    }
    // -f below a root that does not exist says so.
    let mut c = jailvol();
    c.arg("show")
        .arg("--root")
        .arg(&missing)
        .arg("-f")
        .arg("/etc/jail.conf");
    let r = run(c);
    assert_fails(&r, &[66], "does not exist");
    // A root that is a file.
    let file = d.path().join("plain");
    write(&file, "x");
    let mut c = jailvol();
    c.arg("show")
        .arg("--root")
        .arg(&file)
        .arg("-f")
        .arg("/etc/jail.conf");
    let r = run(c);
    assert!(matches!(r.code, 66 | 74), "exit {}\n{}", r.code, r.stderr);
    assert!(r.stderr.contains("/etc/jail.conf"), "{}", r.stderr);
    assert_clean(&r);
    // An empty root.
    let mut c = jailvol();
    c.arg("show")
        .arg("--root")
        .arg("")
        .arg("-f")
        .arg("/nonexistent/jail.conf");
    let r = run(c);
    assert!(matches!(r.code, 64 | 66), "exit {}\n{}", r.code, r.stderr);
    assert_clean(&r);
}

// ------------------------------------------------------------------ stdout closed

#[test]
fn closed_stdout_exits_quietly() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("big.conf");
    let mut conf = String::new();
    for i in 0..20_000 {
        conf.push_str(&format!(
            "j{i} {{ path = /jails/j{i}; host.hostname = j{i}.example.org; }}\n"
        ));
    }
    write(&f, &conf);
    for format in ["text", "json"] {
        // `jailvol show -f big.conf | head -1`
        let mut child = jailvol()
            .arg("show")
            .arg("--format")
            .arg(format)
            .arg("-f")
            .arg(&f)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(!first.is_empty());
        // The reader is gone now.
        let mut err = String::new();
        child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "{format}: {status:?}\n{err}");
        assert!(!err.to_lowercase().contains("broken pipe"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// `generate --dry-run` writes each file's diff as it is made: a reader that leaves
/// early ends it quietly too.
#[test]
fn closed_stdout_ends_a_streamed_diff_quietly() {
    let d = tempfile::tempdir().unwrap();
    let etc = d.path().join("etc");
    std::fs::create_dir(&etc).unwrap();
    let mut conf = String::from("$volume_size = 1G;\n");
    for i in 0..5_000 {
        conf.push_str(&format!("j{i} {{ path = /jails/j{i}; }}\n"));
    }
    write(&etc.join("jail.conf"), &conf);
    let mut child = jailvol()
        .arg("--root")
        .arg(d.path())
        .args(["generate", "--dry-run"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("--- a/"), "{first}");
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{status:?}\n{err}");
    assert!(!err.to_lowercase().contains("broken pipe"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

// ------------------------------------------------------------------ unwritable outputs

/// `chattr +i` on a directory: even root cannot create files in it. Undone on drop.
struct Immutable(PathBuf);

impl Immutable {
    fn new(dir: &Path) -> Option<Immutable> {
        let ok = Command::new("chattr")
            .arg("+i")
            .arg(dir)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Immutable(dir.to_path_buf()))
    }
}

impl Drop for Immutable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(&self.0).status();
    }
}

/// A small tmpfs mounted on a fresh directory; unmounted on drop.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn new(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Tmpfs { dir })
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
    fn remount_ro(&self) -> bool {
        Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(self.path())
            .status()
            .is_ok_and(|s| s.success())
    }
    /// Fill the file system with a file until a write fails.
    fn fill(&self) {
        use std::io::Write;
        let mut f = std::fs::File::create(self.path().join("filler")).unwrap();
        let chunk = [0u8; 4096];
        while f.write_all(&chunk).is_ok() {}
        let _ = f.sync_all();
        // Any space left for another inode's data goes too.
        for i in 0.. {
            if std::fs::write(self.path().join(format!("filler{i}")), [0u8; 512]).is_err() {
                break;
            }
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

const GEN_CONF: &str = "www {\n\tpath = /jails/www;\n\t$volume_size = 64M;\n}\n";

const RC_CONF: &str = "jail_enable=YES\njail_list=www\njail_www_hostname=www.example.org\njail_www_rootdir=/jails/www\njail_www_ip=192.0.2.10\n";

fn convert_to(rc: &Path, root: Option<&Path>, out: &str) -> Run {
    let mut c = jailvol();
    c.arg("convert")
        .arg("-f")
        .arg(rc)
        .arg("-o")
        .arg(out)
        .arg("--force");
    if let Some(r) = root {
        c.arg("--root").arg(r);
    }
    run(c)
}

/// Files other than the given ones below `dir` (temporary files left behind).
fn leftovers(dir: &Path, expected: &[&str]) -> Vec<PathBuf> {
    common::files_below(dir)
        .into_iter()
        .filter(|p| !expected.iter().any(|e| p == Path::new(e)) && !p.starts_with("filler"))
        .filter(|p| !p.to_string_lossy().starts_with("filler"))
        .collect()
}

#[test]
fn generate_into_a_read_only_directory() {
    let root = root_with(GEN_CONF);
    let etc = root.path().join("etc");
    let Some(_guard) = Immutable::new(&etc) else {
        common::skip_unless_asked(
            "JAILVOL_SKIP_ROOT_FS",
            "chattr +i failed here (not root, or a file system without it)",
        );
        return;
    };
    let r = generate(root.path());
    assert_fails(&r, &[73, 74], "/etc/");
    assert!(
        r.stderr.contains("ermission denied") || r.stderr.contains("Operation not permitted"),
        "{}",
        r.stderr
    );
    drop(_guard);
    assert_eq!(std::fs::read_to_string(etc.join("jail.conf")).unwrap(), GEN_CONF);
    assert!(!etc.join("jailvol").exists());
}

#[test]
fn generate_keeps_the_old_jail_conf_when_only_it_cannot_be_replaced() {
    // /etc/jailvol and the helper can be written, /etc (where jail.conf is) cannot.
    let root = root_with(GEN_CONF);
    let etc = root.path().join("etc");
    std::fs::create_dir_all(etc.join("jailvol")).unwrap();
    let Some(guard) = Immutable::new(&etc) else {
        common::skip_unless_asked("JAILVOL_SKIP_ROOT_FS", "chattr +i failed here");
        return;
    };
    let r = generate(root.path());
    drop(guard);
    assert_fails(&r, &[73, 74], "/etc/jail.conf");
    assert_eq!(std::fs::read_to_string(etc.join("jail.conf")).unwrap(), GEN_CONF);
    assert_eq!(
        leftovers(&etc, &["jail.conf", "jailvol/www.fstab"]),
        Vec::<PathBuf>::new()
    );
}

#[test]
fn convert_into_a_read_only_directory() {
    let d = tempfile::tempdir().unwrap();
    let rc = d.path().join("rc.conf");
    write(&rc, RC_CONF);
    let out_dir = d.path().join("out");
    let out = out_dir.join("jail.conf");
    write(&out, "# old\n");
    let Some(guard) = Immutable::new(&out_dir) else {
        common::skip_unless_asked("JAILVOL_SKIP_ROOT_FS", "chattr +i failed here");
        return;
    };
    let r = convert_to(&rc, None, out.to_str().unwrap());
    drop(guard);
    assert_fails(&r, &[73, 74], "cannot write a temporary file");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "# old\n");
    assert_eq!(leftovers(&out_dir, &["jail.conf"]), Vec::<PathBuf>::new());
}

#[test]
fn generate_and_convert_on_a_read_only_mount() {
    let Some(fs) = Tmpfs::new("1m") else {
        common::skip_unless_asked("JAILVOL_SKIP_ROOT_FS", "cannot mount a tmpfs here (not root?)");
        return;
    };
    write(&fs.path().join("etc/jail.conf"), GEN_CONF);
    write(&fs.path().join("etc/out.conf"), "# old\n");
    write(&fs.path().join("etc/rc.conf"), RC_CONF);
    if !fs.remount_ro() {
        common::skip_unless_asked("JAILVOL_SKIP_ROOT_FS", "cannot remount a tmpfs read-only here");
        return;
    }
    let r = generate(fs.path());
    assert_fails(&r, &[73, 74], "Read-only file system");
    assert_eq!(
        std::fs::read_to_string(fs.path().join("etc/jail.conf")).unwrap(),
        GEN_CONF
    );
    let r = convert_to(Path::new("/etc/rc.conf"), Some(fs.path()), "/etc/out.conf");
    assert_fails(&r, &[73, 74], "Read-only file system");
    assert_eq!(
        std::fs::read_to_string(fs.path().join("etc/out.conf")).unwrap(),
        "# old\n"
    );
}

#[test]
fn generate_and_convert_on_a_full_file_system() {
    let Some(fs) = Tmpfs::new("64k") else {
        common::skip_unless_asked("JAILVOL_SKIP_ROOT_FS", "cannot mount a tmpfs here (not root?)");
        return;
    };
    // The old files are there before the disk fills up.
    write(&fs.path().join("etc/jail.conf"), GEN_CONF);
    write(&fs.path().join("etc/out.conf"), "# old\n");
    write(&fs.path().join("etc/rc.conf"), RC_CONF);
    fs.fill();
    let r = generate(fs.path());
    assert_fails(&r, &[73, 74], "No space left on device");
    assert_eq!(
        std::fs::read_to_string(fs.path().join("etc/jail.conf")).unwrap(),
        GEN_CONF
    );
    let r = convert_to(Path::new("/etc/rc.conf"), Some(fs.path()), "/etc/out.conf");
    assert_fails(&r, &[73, 74], "No space left on device");
    assert_eq!(
        std::fs::read_to_string(fs.path().join("etc/out.conf")).unwrap(),
        "# old\n"
    );
    // No temporary file is left behind.
    let left = leftovers(fs.path(), &["etc/jail.conf", "etc/out.conf", "etc/rc.conf"]);
    assert!(
        left.iter()
            .all(|p| !p.to_string_lossy().contains(".tmp.") && !p.to_string_lossy().contains(".jailvol.")),
        "{left:?}"
    );
}

/// `jail_NAME_parameters` words are parsed as jail.conf statements; `.include` is refused
/// by a substring test on the raw word, which an escape gets past, and the statement
/// parser then reads the named file from the real file system (not below --root) and
/// pastes its parameters into the output.
#[test]
fn convert_parameters_cannot_include_files() {
    let d = tempfile::tempdir().unwrap();
    let secret = d.path().join("secret.conf");
    write(&secret, "leaked = \"from outside the root\";\n");
    let root = d.path().join("root");
    write(
        &root.join("etc/rc.conf"),
        &format!(
            "jail_enable=YES\njail_list=www\njail_www_hostname=www\njail_www_rootdir=/j/www\njail_www_ip=192.0.2.1\njail_www_parameters='\"\\x2einclude\"/**/\"{}\"'\n",
            secret.display()
        ),
    );
    let mut c = jailvol();
    c.arg("convert")
        .arg("--root")
        .arg(&root)
        .arg("-f")
        .arg("/etc/rc.conf");
    let r = run(c);
    assert_clean(&r);
    assert!(!r.stdout.contains("leaked"), "{}", r.stdout);
    assert_fails(&r, &[65], "include");
}

/// A syntax error on a 10 MB line: the message should show an excerpt around the
/// column, not the whole line and a 10 MB run of blanks under it.
#[test]
fn an_error_on_a_huge_line_prints_a_short_excerpt() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("bad.conf");
    write(&f, &format!("www {{ path = \"{}\" }}\n", "x".repeat(10 << 20)));
    let mut c = jailvol();
    c.arg("show").arg("-f").arg(&f);
    let r = run(c);
    assert_fails(&r, &[65], "syntax error");
    assert!(r.stderr.len() < 64 << 10, "{} bytes of stderr", r.stderr.len());
}

/// An unterminated, nested command substitution in rc.conf: an error, found at once
/// (nesting is limited to 8 levels; found by the rcconf fuzz target when the grammar
/// backtracked about three times per level, fuzz/regressions/rcconf/hang-*).
#[test]
fn nested_unterminated_command_substitution_fails_fast() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("rc.conf");
    write(&f, &format!("x={}\n", "$(".repeat(16)));
    let mut c = jailvol();
    c.arg("vars").arg("--rc-conf").arg("-f").arg(&f);
    let r = run_for(c, Duration::from_secs(20));
    assert_fails(&r, &[65], "nested too deeply");
}
