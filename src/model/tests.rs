use super::load::{chunked, load_each_view_kept, load_in_chunks};
use super::*;
use crate::parse::jailconf::{CfParam, Parsed};

#[test]
fn equalopts_matches_no_prefix_per_component() {
    assert!(equalopts("allow.mount", "allow.nomount"));
    assert!(equalopts("nopersist", "persist"));
    assert!(equalopts("allow.mount.nodevfs", "allow.mount.devfs"));
    assert!(!equalopts("allow.mount", "allow.mountx"));
    assert!(!equalopts("a.nob", "c.b"));
}

#[test]
fn wildcards() {
    assert!(wild_jail_name("*"));
    assert!(wild_jail_name("foo.*"));
    assert!(wild_jail_name("*.bar"));
    assert!(!wild_jail_name("fo*"));
    assert!(wild_jail_match("foo.bar", "foo.*"));
    assert!(wild_jail_match("foo.bar.baz", "foo.*"));
    assert!(!wild_jail_match("foo", "foo.*"));
    assert!(wild_jail_match("a.b", "*.b"));
    assert!(!wild_jail_match("a.c", "*.b"));
    assert!(wild_jail_match("anything", "*"));
}

/// A parsed file of `n` one-line blocks after a global statement and a `*` block, in
/// turn: a jail that fails (an unknown variable), one that fails check_values (a bad
/// boolean), one splicing a list variable in, a wildcard block and its jail (every
/// `wild_every` blocks), `fourth(i)`, and plain jails.
fn mixed(n: usize, wild_every: usize, fourth: impl Fn(usize) -> String) -> crate::parse::jailconf::Parsed {
    use crate::diag::Source;
    use crate::parse::jailconf::parse_source;
    use crate::parse::loader::Loader;
    let mut text = String::from("path = \"/j/$name\";\n* { $v = 1; }\n");
    for i in 0..n {
        match i % 7 {
            0 => text.push_str(&format!("j{i} {{ ip4.addr = $nope; }}\n")),
            1 => text.push_str(&format!("j{i} {{ exec.clean = maybe; }}\n")),
            2 => text.push_str(&format!("j{i} {{ $l = a, b; exec.start = $l; }}\n")),
            3 if i % wild_every == 3 => {
                text.push_str(&format!("\"j{i}.*\" {{ allow.mount; }} j{i}.c {{ }}\n"))
            }
            4 => text.push_str(&fourth(i)),
            _ => text.push_str(&format!("j{i} {{ host.hostname = h{i}; $v += 2; }}\n")),
        }
    }
    parse_source(&Loader::sealed(), Source::new("t.conf", text), false)
        .unwrap_or_else(|e| panic!("{}", e.message))
}

/// The merge of a large file on two threads, in chunks, gives what one pass gives:
/// jails, warnings and errors in the same order (errors of check_values after all the
/// others), whatever the chunk's size.
#[test]
fn load_filtered_in_chunks_is_one_pass() {
    let parsed = mixed(2_600, 500, |i| {
        format!("j{i} {{ mount.fstab = /f; # jailvol\n }}\n")
    });
    let keep = |p: &CfParam| p.name != "mount.fstab";
    for chunk in [None, Some(1), Some(7), Some(1_000), Some(5_000)] {
        let halves = match chunk {
            None => load_filtered(&parsed, &keep, None),
            Some(c) => load_in_chunks(&parsed, &keep, None, Some(c)),
        };
        same_as_one_pass(&parsed, &keep, &halves);
    }
}

fn same_as_one_pass(parsed: &Parsed, keep: &(dyn Fn(&CfParam) -> bool + Sync), halves: &Config) {
    let mut one = Config {
        warnings: parsed.warnings.clone(),
        ..Config::default()
    };
    let mut jails = Vec::new();
    one.errors = load_each_view_kept(
        parsed,
        keep,
        |v| jails.push(v.to_jail()),
        |w| one.warnings.push(w),
    );
    one.jails = jails;
    assert!(halves.jails.len() > 1_000 && !halves.errors.is_empty() && !halves.warnings.is_empty());
    assert!(halves.jails.iter().all(|j| j.param("mount.fstab").is_none()));
    assert!(halves.jails.iter().any(|j| j.param("allow.mount").is_some()));
    assert!(
        halves
            .errors
            .iter()
            .any(|e| e.message.contains("unknown boolean value"))
    );
    let diags = |ds: &[Diag]| -> Vec<String> {
        ds.iter()
            .map(|d| format!("{:?} {}", d.loc.as_ref().map(|l| l.line()), d.message))
            .collect()
    };
    let jails = |c: &Config| -> Vec<(String, usize, Vec<Entry>)> {
        c.jails
            .iter()
            .map(|j| (j.name.clone(), j.record, j.entries.clone()))
            .collect()
    };
    assert!(jails(halves) == jails(&one), "the jails differ from one pass");
    assert_eq!(diags(&halves.warnings), diags(&one.warnings));
    assert_eq!(diags(&halves.errors), diags(&one.errors));
}

/// A jail as the chunked tests compare it: its name, record and entries, one line.
fn line_of(j: &JailView<'_, '_>) -> String {
    let e: Vec<String> = j
        .to_jail()
        .entries
        .iter()
        .map(|e| format!("{}{}={:?}", if e.is_var { "$" } else { "" }, &*e.name, e.values))
        .collect();
    format!("{} #{} {:?} {}\n", j.name, j.record, j.line(), e.join(" "))
}

/// What `chunked` gives for `parsed`: the output in the order `emit` got it, each
/// warning with the number of chunks emitted before it, and the errors.
fn chunked_run(
    parsed: &crate::parse::jailconf::Parsed,
    chunk: usize,
    two: bool,
) -> (String, Vec<String>, Vec<String>) {
    let render = |buf: &mut Vec<u8>, j: &JailView<'_, '_>| buf.extend_from_slice(line_of(j).as_bytes());
    let out = std::cell::RefCell::new(String::new());
    let mut warnings = Vec::new();
    let errors = chunked(
        parsed,
        chunk,
        two,
        &render,
        |b| out.borrow_mut().push_str(std::str::from_utf8(b).unwrap()),
        |w| {
            warnings.push(format!(
                "{} {:?} {}",
                out.borrow().lines().count(),
                w.loc.map(|l| l.offset),
                w.message
            ))
        },
    );
    let errors = errors
        .iter()
        .map(|e| format!("{:?} {}", e.loc.as_ref().map(|l| l.offset), e.message))
        .collect();
    (out.into_inner(), warnings, errors)
}

/// `load_each_view` as `chunked_run` reports it: a warning counts the jails before it
/// in the chunk that has it only, so the sequential run counts by chunk too.
fn one_pass(parsed: &crate::parse::jailconf::Parsed, chunk: usize) -> (String, Vec<String>, Vec<String>) {
    chunked_run(parsed, chunk, false)
}

/// The chunked load on two threads gives the output, the warnings (each before its
/// chunk's output) and the errors (those of check_values after all the others) of one
/// pass, whatever the chunk size: on a file with failing jails, list variables spliced
/// in, wildcards, nested blocks and a global statement.
#[test]
fn chunked_on_two_threads_is_one_pass() {
    let parsed = mixed(700, 100, |i| format!("j{i} {{ n{i} {{ persist; }} }}\n"));
    let mut jails = String::new();
    let mut warned = Vec::new();
    let errors: Vec<String> = load_each_view(
        &parsed,
        |j| jails.push_str(&line_of(j)),
        |w| warned.push(w.message),
    )
    .iter()
    .map(|e| format!("{:?} {}", e.loc.as_ref().map(|l| l.offset), e.message))
    .collect();
    assert!(jails.lines().count() > 300 && !warned.is_empty() && !errors.is_empty());
    for chunk in [1, 2, 3, 5, 64, 256, 10_000] {
        let (seq_out, seq_warn, seq_err) = one_pass(&parsed, chunk);
        assert_eq!(seq_out, jails, "chunk {chunk}, one thread");
        assert_eq!(seq_err, errors, "chunk {chunk}, one thread");
        let got: Vec<&str> = seq_warn
            .iter()
            .map(|w| w.splitn(3, ' ').nth(2).unwrap_or(""))
            .collect();
        assert_eq!(got, warned, "chunk {chunk}, one thread");
        let (out, warn, err) = chunked_run(&parsed, chunk, true);
        assert_eq!(out, seq_out, "chunk {chunk}, two threads: output");
        assert_eq!(warn, seq_warn, "chunk {chunk}, two threads: warnings");
        assert_eq!(err, seq_err, "chunk {chunk}, two threads: errors");
    }
}

/// The same on every jail.conf of the fixtures and the corpus, a block per chunk.
#[test]
fn chunked_on_the_fixtures_and_corpus() {
    use crate::parse::jailconf::parse_source;
    use crate::parse::loader::Loader;
    let mut seen = 0;
    for f in crate::parse::jailconf::tests::fixture_and_corpus_files() {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let src = crate::diag::Source::new(f.to_string_lossy().into_owned(), text);
        let Ok(parsed) = parse_source(&Loader::sealed(), src, false) else {
            continue;
        };
        seen += 1;
        for chunk in [1, 2] {
            assert_eq!(
                chunked_run(&parsed, chunk, true),
                one_pass(&parsed, chunk),
                "{}",
                f.display()
            );
        }
    }
    assert!(seen >= 20, "only {seen} configurations read");
}

/// A panic while a jail is rendered, on either thread, ends the chunked load with that
/// panic: it does not leave the other thread waiting forever to hand over a chunk.
#[test]
fn a_panic_in_a_chunk_ends_the_chunked_load() {
    let parsed = std::sync::Arc::new(mixed(200, 100, |i| format!("j{i} {{ persist; }}\n")));
    for bad in [5, 6, 53, 54, 195] {
        let parsed = std::sync::Arc::clone(&parsed);
        let (done_tx, done_rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let name = format!("j{bad}");
            let render = |buf: &mut Vec<u8>, j: &JailView<'_, '_>| {
                assert_ne!(j.name, name, "rendering {name}");
                buf.extend_from_slice(line_of(j).as_bytes());
            };
            let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                chunked(&parsed, 1, true, &render, |_| {}, |_| {})
            }));
            let _ = done_tx.send(run.is_err());
        });
        let panicked = done_rx.recv_timeout(std::time::Duration::from_secs(30));
        assert_eq!(panicked, Ok(true), "jail j{bad}: the load did not end in a panic");
    }
}

#[test]
fn strtol_like_c() {
    assert_eq!(strtol(" 12x"), (12, 3));
    assert_eq!(strtol("-5"), (-5, 2));
    assert_eq!(strtol("x"), (0, 0));
    assert!(numeric_name("5"));
    assert!(!numeric_name("0"));
    assert!(!numeric_name("5a"));
}

/// A jail lent as a view holds no count of its source (its block's place is made into
/// a `Loc` only when asked): every jail of a large file took and gave back one, a
/// locked add each. Its `loc` and `file_line` still say where the block is.
#[test]
fn a_view_takes_no_count_of_its_source() {
    use crate::diag::Source;
    use crate::parse::jailconf::parse_source;
    use crate::parse::loader::Loader;
    use std::sync::Arc;
    let mut text = String::from("path = \"/j/$name\";\n* { $v = 1; }\n");
    for i in 0..50 {
        text.push_str(&format!("j{i} {{ host.hostname = h{i}; $v += 2; }}\n\n"));
    }
    let parsed = parse_source(&Loader::sealed(), Source::new("t.conf", text), false).expect("parses");
    let src = Arc::clone(&parsed.sources[0]);
    let before = Arc::strong_count(&src);
    let mut seen = 0;
    load_each_view(
        &parsed,
        |v| {
            assert_eq!(Arc::strong_count(&src), before, "{}", v.name);
            let rec = &parsed.jails[v.record];
            let (file, line) = v.file_line().expect("a block");
            assert_eq!((file, line), ("t.conf", rec.loc().expect("a block").line()));
            assert_eq!(v.loc().map(|l| l.offset), rec.loc().map(|l| l.offset));
            seen += 1;
        },
        |_| {},
    );
    assert_eq!(seen, 50);
}
