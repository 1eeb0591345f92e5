//! The diff against similar's own, and its parts against what they replace.

use similar::{Algorithm, DiffableStr};

use super::walk::{ops_skipping, region};
use super::*;

/// similar's own unified diff, which this one must equal where Myers finds the same
/// changes.
fn reference(path: &str, old: &str, new: &str) -> String {
    let d = similar::TextDiff::from_lines(old, new);
    let mut out = d
        .unified_diff()
        .context_radius(CONTEXT)
        .header(&format!("a{path}"), &format!("b{path}"))
        .to_string();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

fn same(old: &str, new: &str) {
    assert_eq!(
        unified("/f", old, new),
        reference("/f", old, new),
        "{old:?} -> {new:?}"
    );
}

/// `Lines` splits as similar's `tokenize_lines` does: `\n`, `\r\n`, a lone `\r`,
/// a last line without a terminator, blank lines, none at all.
#[test]
fn lines_are_similars_lines() {
    for text in [
        "",
        "a",
        "\n",
        "\r",
        "\r\n",
        "a\nb",
        "a\r\nb\r\n",
        "a\rb\r",
        "\r\r\n\n\r",
        "x\n\n\ny",
        "é\r\nü\rß\n",
        "12345678\r\n12345678\r\n",
    ] {
        let mut own = None;
        let lines = Lines::of(text, None, &mut own, false);
        let got: Vec<&str> = (0..lines.len()).map(|i| &lines[i]).collect();
        assert_eq!(got, text.tokenize_lines(), "{text:?}");
    }
}

/// A file made or removed whole (`write_whole`) reads as similar's diff, and as the
/// walk and the grouping would write it.
#[test]
fn a_whole_file_made_or_removed_is_one_hunk() {
    for text in [
        "a",
        "\n",
        "\r",
        "a\n",
        "a\nb",
        "a\nb\n",
        "a\r\nb\r\n",
        "a\rb",
        "\n\n\n",
        "x\n\n\ny",
        "é\r\nü\rß\n",
        "# one\n/dev/md100\t/jails/web0\tufs\trw\t0\t0\n",
    ] {
        same("", text);
        same(text, "");
        for (old, new) in [("", text), (text, "")] {
            let mut whole = Vec::new();
            write_whole(&mut whole, "/f", old, new).unwrap();
            let (mut own_a, mut own_b) = (None, None);
            let (a, b) = (
                Lines::of(old, None, &mut own_a, false),
                Lines::of(new, None, &mut own_b, false),
            );
            let mut walked = Vec::new();
            let mut w = HunkWriter {
                to: &mut walked,
                path: "/f",
                a: &a,
                b: &b,
                written: 0,
                out: Vec::new(),
                last: None,
            };
            let mut g = hunks::Grouper::default();
            for op in line_ops(&a, &b) {
                g.op(op, |h| w.hunk(h)).unwrap();
            }
            g.finish(|h| w.hunk(h)).unwrap();
            w.finish().unwrap();
            assert_eq!(
                String::from_utf8_lossy(&whole),
                String::from_utf8_lossy(&walked),
                "{old:?} -> {new:?}"
            );
        }
    }
}

#[test]
fn equal_texts_have_no_diff() {
    assert_eq!(unified("/f", "a\n", "a\n"), "");
}

#[test]
fn reads_as_similars_format() {
    same("", "a\nb\n");
    same("a\nb\n", "");
    same("a\n", "b\n");
    same("a\nb", "a\nc");
    same("a\nb\n", "a\nb");
    same("a\r\nb\r\n", "a\r\nc\r\n");
    let block = |i: usize, extra: &str| format!("j{i} {{\n\tpath = /j/{i};\n{extra}}}\n\n");
    let old: String = (0..40).map(|i| block(i, "")).collect();
    let new: String = (0..40)
        .map(|i| block(i, if i % 3 == 0 { "\tx = 1; # jailvol\n" } else { "" }))
        .collect();
    same(&old, &new);
    same(&new, &old);
    let changed: String = (0..40)
        .map(|i| {
            block(
                i,
                if i % 3 == 0 {
                    "\tx = 2; # jailvol\n\ty; # jailvol\n"
                } else {
                    ""
                },
            )
        })
        .collect();
    same(&new, &changed);
}

#[test]
fn a_whole_rewrite_is_one_change() {
    let old: String = (0..100).map(|i| format!("old {i}\n")).collect();
    let new: String = (0..100).map(|i| format!("new {i}\n")).collect();
    same(&old, &new);
}

/// `old` with the unified diff `patch` applied, as patch(1) would: context and
/// removed lines must be where the hunk header says.
fn apply(old: &str, patch: &str) -> String {
    let a = old.tokenize_lines();
    let mut out = String::new();
    let mut at = 0;
    let mut lines = patch.split_inclusive('\n').skip(2).peekable();
    while let Some(h) = lines.next() {
        let start: usize = h
            .trim_start_matches("@@ -")
            .split([',', ' '])
            .next()
            .and_then(|n| n.parse().ok())
            .expect("hunk header");
        let len_zero = h.split(' ').nth(1).is_some_and(|r| r.ends_with(",0"));
        let from = if len_zero { start } else { start - 1 };
        out.extend(a[at..from].iter().copied());
        at = from;
        while let Some(l) = lines.next_if(|l| !l.starts_with("@@")) {
            let (tag, text) = l.split_at(1);
            let text = match lines.next_if(|n| n.starts_with("\\ No newline")) {
                Some(_) => text.strip_suffix('\n').expect("hint after a line"),
                None => text,
            };
            match tag {
                " " | "-" => {
                    assert_eq!(a[at], text, "hunk {h:?} does not match the old text");
                    if tag == " " {
                        out.push_str(text);
                    }
                    at += 1;
                }
                "+" => out.push_str(text),
                _ => panic!("bad line {l:?}"),
            }
        }
    }
    out.extend(a[at..].iter().copied());
    out
}

proptest::proptest! {
    /// Small alphabets make repeated lines, where a change is hard to place.
    #[test]
    fn the_diff_turns_old_into_new(
        old in proptest::collection::vec("[ab}]{0,2}\n?", 0..40),
        edits in proptest::collection::vec((0usize..40, "[abc}]{0,2}\n", proptest::bool::ANY), 0..8),
    ) {
        let old: String = old.iter().map(|l| if l.ends_with('\n') { l.clone() } else { format!("{l}\n") }).collect();
        let mut lines: Vec<String> = old.split_inclusive('\n').map(str::to_owned).collect();
        for (at, text, insert) in edits {
            let at = at.min(lines.len());
            if insert || at == lines.len() {
                lines.insert(at, text);
            } else {
                lines.remove(at);
            }
        }
        let new: String = lines.concat();
        let patch = unified("/f", &old, &new);
        proptest::prop_assert_eq!(apply(&old, &patch), new);
    }

    /// Only lines added, or only removed: the operation Myers finds.
    #[test]
    fn one_sided_regions_are_myers(text in "[ab\n]{0,30}", at in 0usize..20, len in 0usize..8, add in proptest::bool::ANY) {
        let mut own = None;
        let lines = Lines::of(&text, None, &mut own, false);
        let at = at.min(lines.len());
        let len = len.min(lines.len() - at);
        let (old, new) = if add { (at..at, at..at + len) } else { (at..at + len, at..at) };
        proptest::prop_assert_eq!(
            region(&lines, old.clone(), &lines, new.clone()),
            similar::capture_diff(Algorithm::Myers, &lines, old, &lines, new)
        );
    }

    /// Lines are found as similar finds them, with or without a `\r` anywhere.
    #[test]
    fn lines_are_similars_lines_anywhere(text in "[a\r\n]{0,40}") {
        let mut own = None;
        let lines = Lines::of(&text, None, &mut own, false);
        let got: Vec<&str> = (0..lines.len()).map(|i| &lines[i]).collect();
        proptest::prop_assert_eq!(got, text.tokenize_lines());
    }

    /// Runs skipped by comparing bytes give the operations comparing line by line
    /// gives: line ends that are `\r`, `\r\n` or `\n` on either side, a last line
    /// without one, changes at the very start and end.
    #[test]
    fn skipping_equal_bytes_changes_nothing(
        old in "[a\r\n]{0,60}",
        edits in proptest::collection::vec((0usize..60, "[ab\r\n]{0,3}", 0usize..3), 0..6),
    ) {
        let mut new = old.clone();
        for (at, text, cut) in edits {
            let at = at.min(new.len());
            let end = (at + cut).min(new.len());
            new.replace_range(at..end, &text);
        }
        let (mut own_a, mut own_b) = (None, None);
        let (a, b) = (Lines::of(&old, None, &mut own_a, false), Lines::of(&new, None, &mut own_b, false));
        proptest::prop_assert_eq!(line_ops(&a, &b), ops_skipping(&a, &b, |_, _, _, _| 0), "{:?} -> {:?}", old, new);
    }

    /// Hunks handed on one operation at a time are similar's `group_diff_ops`.
    #[test]
    fn grouping_as_it_comes_is_group_diff_ops(ops in proptest::collection::vec((0u8..4, 1usize..12, 1usize..12), 0..40)) {
        let (mut i, mut j) = (0, 0);
        let ops: Vec<DiffOp> = ops
            .into_iter()
            .map(|(tag, n, m)| {
                let op = match tag {
                    0 => DiffOp::Equal { old_index: i, new_index: j, len: n },
                    1 => DiffOp::Delete { old_index: i, old_len: n, new_index: j },
                    2 => DiffOp::Insert { old_index: i, new_index: j, new_len: m },
                    _ => DiffOp::Replace { old_index: i, old_len: n, new_index: j, new_len: m },
                };
                i = op.old_range().end;
                j = op.new_range().end;
                op
            })
            .collect();
        let mut got: Vec<Vec<DiffOp>> = Vec::new();
        let mut g = Grouper::default();
        for op in ops.clone() {
            g.op(op, |h| {
                got.push(h.to_vec());
                Ok::<_, ()>(())
            }).unwrap();
        }
        g.finish(|h| {
            got.push(h.to_vec());
            Ok::<_, ()>(())
        }).unwrap();
        proptest::prop_assert_eq!(got, similar::group_diff_ops(ops, CONTEXT));
    }

    /// Lines found half on another thread are the lines found on one.
    #[test]
    fn lines_in_halves_are_lines(text in "[ab\n]{0,40}\r?[ab\n]{0,40}") {
        let (one, two) = (LineEnds::of(&text), LineEnds::of_halves(&text));
        proptest::prop_assert_eq!(one, two);
    }
}

/// Walked on another thread, handed over in chunks, the diff of a large file is the
/// diff made on one: blocks gaining lines, losing them, changed, with `\r\n` ends
/// or without a last newline.
#[test]
fn two_threads_diff_as_one() {
    let block = |i: usize, nl: &str, extra: &str| format!("j{i} {{{nl}\tpath = /j/{i};{nl}{extra}}}{nl}{nl}");
    for nl in ["\n", "\r\n"] {
        let old: String = (0..3000)
            .map(|i| block(i, nl, if i % 7 == 0 { "\tgone;\n" } else { "" }))
            .collect();
        let new: String = (0..3000)
            .map(|i| match i % 5 {
                0 => block(i, nl, "\tx = 1; # jailvol\n\ty; # jailvol\n"),
                1 => block(i + 1, nl, ""),
                _ => block(i, nl, ""),
            })
            .collect();
        for (old, new) in [(&old, &new), (&new, &old), (&old, &format!("{new}tail"))] {
            let diff = |two| {
                let mut out = Vec::new();
                write_unified_on(&mut out, "/f", old, None, new, two).unwrap();
                out
            };
            let one = diff(false);
            assert!(one.len() > 100_000, "{}", one.len());
            assert!(one == diff(true), "{nl:?}");
        }
    }
}
