//! `generate` with its files compared on a second thread writes exactly what it writes
//! on one: the same diffs, the same JSON, the same files, the same first error.

use super::*;

/// More files than a few batches (`BATCH`), the last one short.
const JAILS: usize = 300;

fn host(jails: usize) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.path().join("etc")).unwrap();
    let mut conf = String::from("* {\n\tpath = \"/jails/$name\";\n\t$volume_size = 1G;\n}\n");
    for i in 0..jails {
        conf.push_str(&format!(
            "web{i} {{\n\thost.hostname = \"web{i}.example.org\";\n\tpersist;\n}}\n"
        ));
    }
    std::fs::write(d.path().join("etc/jail.conf"), conf).unwrap();
    d
}

fn options(root: &std::path::Path, dry_run: bool, json: bool) -> Options {
    Options {
        input: input::Options {
            root: Some(root.to_path_buf()),
            ..input::Options::default()
        },
        plan: plan::Options::default(),
        style_given: false,
        target_release: None,
        dry_run,
        force: false,
        json,
    }
}

/// What `generate` wrote, and its outcome or error, on one thread or two.
fn run(
    root: &std::path::Path,
    dry_run: bool,
    json: bool,
    two: bool,
) -> (String, Result<Vec<write::Done>, String>) {
    let mut out = Vec::new();
    let r = generate_on(&options(root, dry_run, json), &|_| {}, &mut out, two);
    let r = match r {
        Ok(Outcome::Written(done)) => Ok(done),
        Ok(Outcome::Diffed) => Ok(Vec::new()),
        Err(e) => Err(format!("{e:#}")),
    };
    (String::from_utf8(out).unwrap(), r)
}

fn dry_both(root: &std::path::Path) -> (String, String) {
    let (text, r) = run(root, true, false, true);
    assert_eq!(
        (&text, &r),
        (&run(root, true, false, false).0, &run(root, true, false, false).1)
    );
    assert!(r.is_ok(), "{r:?}");
    let (json, r) = run(root, true, true, true);
    assert_eq!(
        (&json, &r),
        (&run(root, true, true, false).0, &run(root, true, true, false).1)
    );
    (text, json)
}

fn headers(diff: &str) -> Vec<&str> {
    diff.lines().filter_map(|l| l.strip_prefix("+++ b")).collect()
}

fn tree(root: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else {
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                files.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn one_thread_and_two_diff_and_write_the_same() {
    let d = host(JAILS);
    let (text, json) = dry_both(d.path());
    // Every fstab, the helper and the jail.conf, in the plan's order.
    let made = headers(&text);
    assert_eq!(made.len(), JAILS + 2, "{made:?}");
    assert_eq!(made[0], "/etc/jailvol/web0.fstab");
    assert_eq!(made[JAILS - 1], format!("/etc/jailvol/web{}.fstab", JAILS - 1));
    assert_eq!(made[JAILS + 1], "/etc/jail.conf");
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["files"].as_array().map(Vec::len), Some(JAILS + 2));

    // Written on two threads and on one: the same files, reported the same.
    let e = host(JAILS);
    let (_, two) = run(d.path(), false, false, true);
    let (_, one) = run(e.path(), false, false, false);
    assert_eq!(two, one);
    assert_eq!(two.as_ref().map(Vec::len), Ok(JAILS + 2));
    assert_eq!(tree(d.path()), tree(e.path()));
    assert_eq!(
        dry_both(d.path()),
        (String::new(), "{\"dry_run\":true,\"files\":[]}\n".into())
    );

    // One fstab gone, one changed, one left over: three diffs, in the plan's order
    // and the leftover last.
    let dir = d.path().join("etc/jailvol");
    std::fs::remove_file(dir.join("web100.fstab")).unwrap();
    let mut changed = std::fs::read_to_string(dir.join("web250.fstab")).unwrap();
    changed.push_str("# edited\n");
    std::fs::write(dir.join("web250.fstab"), changed).unwrap();
    std::fs::copy(dir.join("web0.fstab"), dir.join("gone.fstab")).unwrap();
    let (text, json) = dry_both(d.path());
    assert_eq!(
        headers(&text),
        ["/etc/jailvol/web100.fstab", "/etc/jailvol/web250.fstab"],
        "{text}"
    );
    let gone = text.find("--- a/etc/jailvol/gone.fstab\n+++ /dev/null\n");
    assert!(gone > text.find("+++ b/etc/jailvol/web250.fstab"), "{text}");
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let actions: Vec<&str> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "update", "remove"]);
}

/// A file that cannot be read stops the comparing thread: its error is the run's, and
/// the diffs before it are written, as on one thread.
#[test]
fn the_comparing_threads_error_is_the_runs() {
    let d = host(JAILS);
    std::fs::create_dir_all(d.path().join("etc/jailvol/web100.fstab")).unwrap();
    for json in [false, true] {
        let (out, r) = run(d.path(), true, json, true);
        assert_eq!(
            (&out, &r),
            (
                &run(d.path(), true, json, false).0,
                &run(d.path(), true, json, false).1
            )
        );
        let err = r.unwrap_err();
        assert!(err.contains("/etc/jailvol/web100.fstab"), "{err}");
        assert!(!err.contains("thread"), "{err}");
        if !json {
            assert_eq!(headers(&out).len(), 100);
        }
    }
    let (_, r) = run(d.path(), false, false, true);
    assert_eq!(r, run(d.path(), false, false, false).1);
    assert!(r.is_err());
}

/// The configuration read ahead on the comparing thread: two files (one included), one
/// of them not UTF-8 (read again when compared, as on one thread), diffed as on one.
#[test]
fn the_configuration_read_ahead_diffs_as_read_late() {
    let d = host(JAILS);
    let conf = d.path().join("etc/jail.conf");
    let mut text = std::fs::read(&conf).unwrap();
    text.extend_from_slice(b".include \"/etc/jail.d/*.conf\";\n");
    std::fs::write(&conf, text).unwrap();
    std::fs::create_dir_all(d.path().join("etc/jail.d")).unwrap();
    let more = d.path().join("etc/jail.d/more.conf");
    std::fs::write(&more, b"# caf\xe9\nextra {\n\tpersist;\n}\n").unwrap();
    let (text, _) = dry_both(d.path());
    let made = headers(&text);
    assert_eq!(made.len(), JAILS + 4, "{made:?}");
    assert_eq!(made[JAILS + 2..], ["/etc/jail.conf", "/etc/jail.d/more.conf"]);
    // Now UTF-8: both read ahead.
    std::fs::write(&more, "# café\nextra {\n\tpersist;\n}\n").unwrap();
    let (again, _) = dry_both(d.path());
    assert_eq!(headers(&again), made);
}

/// Output that fails (a reader gone, a full disk) after some writes.
struct Failing(usize);

impl std::io::Write for Failing {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        if self.0 == 0 {
            return Err(std::io::ErrorKind::BrokenPipe.into());
        }
        self.0 -= 1;
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A writer failing at any point stops the run with its error, on two threads as on
/// one (no hang, no other error first), the large jail.conf's diff included.
#[test]
fn a_failing_writer_stops_both_threads_alike() {
    let d = host(2000);
    for json in [false, true] {
        for writes in [0, 1, 3, 50, 500, 1900, 1_000_000] {
            let run = |two| {
                generate_on(&options(d.path(), true, json), &|_| {}, &mut Failing(writes), two)
                    .map(|_| ())
                    .map_err(|e| format!("{e:#}"))
            };
            let two = run(true);
            assert_eq!(two, run(false), "{writes} writes, json {json}");
            assert_eq!(two.is_err(), writes < 1_000_000, "{writes} writes: {two:?}");
        }
    }
}

/// `\r\n` line ends, a last line without one, a file included twice, and the whole
/// configuration from a FIFO (a stream: not read ahead): as on one thread.
#[test]
fn crlf_twice_included_and_a_fifo_diff_as_on_one_thread() {
    let d = host(300);
    let conf = d.path().join("etc/jail.conf");
    let text = std::fs::read_to_string(&conf).unwrap();
    std::fs::write(d.path().join("etc/b.conf"), "# b\r\n# no newline").unwrap();
    std::fs::write(
        &conf,
        format!(
            "{}.include \"/etc/b.conf\";\n.include \"/etc/b.conf\";",
            text.replace('\n', "\r\n")
        ),
    )
    .unwrap();
    let (crlf, _) = dry_both(d.path());
    assert_eq!(headers(&crlf).len(), 300 + 2, "{crlf}");
    assert!(crlf.contains("\r\n+\t$volume_md_unit"), "{crlf}");
    let fifo = d.path().join("etc/fifo.conf");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let run = |two: bool| {
        let (f, t) = (fifo.clone(), text.clone());
        let writer = std::thread::spawn(move || std::fs::write(f, t));
        let mut opts = options(d.path(), true, false);
        opts.input.files = vec!["/etc/fifo.conf".into()];
        let mut out = Vec::new();
        let r = generate_on(&opts, &|_| {}, &mut out, two)
            .map(|_| ())
            .map_err(|e| format!("{e:#}"));
        writer.join().unwrap().unwrap();
        (String::from_utf8(out).unwrap(), r)
    };
    let two = run(true);
    assert_eq!(two, run(false));
    assert!(two.0.contains("+++ b/etc/fifo.conf"), "{:?}", two.1);
}
