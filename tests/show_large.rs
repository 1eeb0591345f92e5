//! `show` of a file large enough to be loaded on two threads (ops::show through
//! model::load_each_view_chunked): the same output as its halves, each small enough for
//! one thread, shown one after the other.

mod common;

use std::ops::Range;

/// A `*` block, then a jail per line for each of `jails`; those below `fail` fail
/// jail(8)'s boolean check, and every seventh sets a list variable.
fn conf(jails: Range<usize>, fail: usize) -> String {
    let mut s = String::from("* { path = \"/j/$name\"; $v = 1; }\n");
    for i in jails {
        if i < fail {
            s.push_str(&format!("j{i} {{ exec.clean = maybe; }}\n"));
        } else if i % 7 == 0 {
            s.push_str(&format!(
                "j{i} {{ $l = a, \"b c\"; exec.start = \"$l\"; persist; }}\n"
            ));
        } else {
            s.push_str(&format!(
                "j{i} {{ host.hostname = \"h{i}.example\"; $v += 2; }}\n"
            ));
        }
    }
    s
}

fn show(file: &std::path::Path, json: bool) -> common::Run {
    let mut c = common::jailvol();
    c.args(["show", "--jail-conf", "-f"]).arg(file);
    if json {
        c.args(["--format", "json"]);
    }
    common::run(c)
}

/// The jails of a `show --format json` document, without their `source`; the lines.
fn jails(doc: &str) -> (Vec<serde_json::Value>, Vec<u64>) {
    let v: serde_json::Value =
        serde_json::from_str(doc).unwrap_or_else(|e| panic!("not JSON ({e}): {doc:.300}"));
    let mut lines = Vec::new();
    let list = v["jails"]
        .as_array()
        .expect("a jails list")
        .iter()
        .map(|j| {
            let mut j = j.clone();
            let source = j
                .as_object_mut()
                .and_then(|o| o.remove("source"))
                .expect("a source");
            lines.push(source["line"].as_u64().expect("a line"));
            j
        })
        .collect();
    (list, lines)
}

/// Error messages, without where they are (the halves' lines differ from the whole's).
fn errors(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter_map(|l| l.split_once(": error: ").map(|(_, m)| m))
        .collect()
}

#[test]
fn a_large_file_shows_as_its_halves_do() {
    let d = tempfile::tempdir().unwrap();
    // 2,600 blocks: loaded on two threads, in chunks. The first 300 fail: the first
    // chunk writes nothing, so the first jail written is the other thread's.
    let (n, half, fail) = (2_600, 1_300, 300);
    let whole = d.path().join("whole.conf");
    let (a, b) = (d.path().join("a.conf"), d.path().join("b.conf"));
    std::fs::write(&whole, conf(0..n, fail)).unwrap();
    std::fs::write(&a, conf(0..half, fail)).unwrap();
    std::fs::write(&b, conf(half..n, fail)).unwrap();

    let (w, ra, rb) = (show(&whole, false), show(&a, false), show(&b, false));
    assert_eq!((w.code, ra.code, rb.code), (65, 65, 0), "{:.500}", w.stderr);
    assert!(
        w.stdout.starts_with(&format!("j{fail} {{\n")),
        "{:.200}",
        w.stdout
    );
    assert_eq!(w.stdout, format!("{}\n{}", ra.stdout, rb.stdout));
    assert_eq!(errors(&w.stderr), errors(&ra.stderr));
    assert_eq!(errors(&w.stderr).len(), fail);

    let (w, ra, rb) = (show(&whole, true), show(&a, true), show(&b, true));
    let (wj, wl) = jails(&w.stdout);
    let (aj, _) = jails(&ra.stdout);
    let (bj, _) = jails(&rb.stdout);
    assert_eq!(wj.len(), n - fail);
    assert!(wj == [aj, bj].concat(), "the jails differ from the halves'");
    // Jail i is on line i + 2 of the whole file.
    let want: Vec<u64> = (fail as u64..n as u64).map(|i| i + 2).collect();
    assert_eq!(wl, want);
    assert_eq!(errors(&w.stderr), errors(&ra.stderr));
}
