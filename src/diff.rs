//! Unified diffs of a file's old and new text, for `generate --dry-run` and `check`.
//!
//! The edits jailvol makes are a few lines at many places of a large file (a block's
//! end in each of 50,000 jails), and one Myers diff over the whole file spent most of
//! `generate --dry-run`'s time finding them (issue 21). So the lines are walked once:
//! equal runs are skipped, and where they part, the nearest place where both sides agree
//! again for [`RESYNC`] lines closes a changed region, which alone goes to similar's
//! Myers. The output is similar's unified format (its hunk grouping, headers and
//! `\ No newline at end of file`), so small files read exactly as before.

use std::io::Write as _;

#[cfg(test)]
use similar::DiffableStr;
use similar::{Algorithm, DiffOp, DiffTag};

/// How many equal lines in a row end a changed region. One or two equal lines inside a
/// change (a `}` or a blank line) are common and do not split it.
const RESYNC: usize = 3;

/// How far (old plus new lines) a changed region is searched for its end before the
/// rest of the file goes to Myers whole.
const SEARCH: usize = 4096;

/// Context lines around each change.
const CONTEXT: usize = 3;

/// A unified diff from `old` to `new` for `path` (empty when equal). `old_ends` are
/// `old`'s lines when they were found ahead.
pub fn unified(path: &str, old: &str, old_ends: Option<&LineEnds>, new: &str) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = write_unified(&mut out, path, old, old_ends, new);
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// `unified`, written to `to` a hunk at a time: the diff of a large configuration is
/// larger than the configuration (issue 21), and held whole it was the largest
/// allocation of `generate --dry-run`.
pub fn write_unified(
    to: &mut dyn std::io::Write,
    path: &str,
    old: &str,
    old_ends: Option<&LineEnds>,
    new: &str,
) -> std::io::Result<()> {
    if old == new {
        return Ok(());
    }
    let (mut own_a, mut own_b) = (None, None);
    let a = Lines::of(old, old_ends, &mut own_a);
    let b = Lines::of(new, None, &mut own_b);
    let ops = line_ops(&a, &b);
    // Hunks are gathered here and written some tens of kilobytes at a time.
    let mut out: Vec<u8> = Vec::new();
    let mut last = None;
    for (n, hunk) in similar::group_diff_ops(ops, CONTEXT).iter().enumerate() {
        if hunk.is_empty() {
            continue;
        }
        if n == 0 {
            out.extend_from_slice(format!("--- a{path}\n+++ b{path}\n").as_bytes());
        }
        header(&mut out, hunk);
        for op in hunk {
            let (tag, old_r, new_r) = op.as_tag_tuple();
            match tag {
                DiffTag::Equal => a.put(&mut out, b' ', old_r),
                DiffTag::Delete => a.put(&mut out, b'-', old_r),
                DiffTag::Insert => b.put(&mut out, b'+', new_r),
                DiffTag::Replace => {
                    a.put(&mut out, b'-', old_r);
                    b.put(&mut out, b'+', new_r);
                }
            }
        }
        if let Some(&c) = out.last() {
            last = Some(c);
        }
        if out.len() >= 32 * 1024 {
            to.write_all(&out)?;
            out.clear();
        }
    }
    if last.is_some_and(|c| c != b'\n') {
        out.push(b'\n');
    }
    to.write_all(&out)?;
    Ok(())
}

/// Where each line of a text ends, each line with its terminator as similar's
/// `tokenize_lines` splits them (`\n`, `\r\n` or a lone `\r`): 4 bytes a line where a
/// `&str` is 16 (a 50,000-jail jail.conf and its edit are 2 million lines; issue 21).
/// Made apart from the diff for an old text read ahead (generate finds its
/// configuration's lines while it edits it).
#[derive(Debug)]
pub struct LineEnds {
    /// The length of the text they are the lines of.
    of: usize,
    /// Where each line ends, when the text is shorter than 4 GiB.
    ends: Vec<u32>,
    /// The same for a longer text.
    long: Vec<usize>,
}

impl LineEnds {
    pub fn of(text: &str) -> LineEnds {
        let b = text.as_bytes();
        let short = u32::try_from(b.len()).is_ok();
        if short && memchr::memchr(b'\r', b).is_none() {
            // Only `\n` ends a line: one byte to look for, not two. Room for lines of
            // 16 bytes on average, untouched (so not resident) where they are longer.
            let mut ends = Vec::with_capacity(b.len() / 16 + 1);
            // At most the text's length, which fits.
            ends.extend(memchr::memchr_iter(b'\n', b).map(|p| (p + 1) as u32));
            if ends.last().map_or(0, |&e| e as usize) < b.len() {
                ends.push(b.len() as u32);
            }
            return LineEnds {
                of: b.len(),
                ends,
                long: Vec::new(),
            };
        }
        let (mut ends, mut long) = (Vec::new(), Vec::new());
        let mut push = |end: usize| {
            if short {
                // At most the text's length, which fits.
                ends.push(end as u32);
            } else {
                long.push(end);
            }
        };
        let mut after_cr = None;
        let mut last = 0;
        for p in memchr::memchr2_iter(b'\n', b'\r', b) {
            if after_cr == Some(p) {
                // The `\n` of a `\r\n` already ended its line.
                continue;
            }
            last = if b[p] == b'\r' && b.get(p + 1) == Some(&b'\n') {
                after_cr = Some(p + 1);
                p + 2
            } else {
                p + 1
            };
            push(last);
        }
        if last < b.len() {
            push(b.len());
        }
        LineEnds {
            of: b.len(),
            ends,
            long,
        }
    }
}

/// A text and its lines.
struct Lines<'a> {
    text: &'a str,
    at: &'a LineEnds,
}

impl<'a> Lines<'a> {
    /// `at` when they are `text`'s (by its length), else made now into `own`.
    fn of(text: &'a str, at: Option<&'a LineEnds>, own: &'a mut Option<LineEnds>) -> Lines<'a> {
        let at = match at {
            Some(e) if e.of == text.len() => e,
            _ => own.insert(LineEnds::of(text)),
        };
        Lines { text, at }
    }

    fn len(&self) -> usize {
        self.at.ends.len().max(self.at.long.len())
    }

    /// Lines `range`, each after `tag`, as a unified diff has them.
    fn put(&self, out: &mut Vec<u8>, tag: u8, range: std::ops::Range<usize>) {
        let text = self.text.as_bytes();
        let mut start = self.start(range.start);
        for k in range {
            let end = self.end(k);
            let line = &text[start..end];
            out.push(tag);
            out.extend_from_slice(line);
            if !matches!(line.last(), Some(b'\n' | b'\r')) {
                out.extend_from_slice(b"\n\\ No newline at end of file\n");
            }
            start = end;
        }
    }

    fn start(&self, i: usize) -> usize {
        if i == 0 { 0 } else { self.end(i - 1) }
    }

    /// How many lines from `self[i]` and `other[j]` on are surely equal, found by
    /// comparing bytes (a generated configuration is mostly long equal runs, and line
    /// by line they were a third of the diff's time): every line that ends before the
    /// first byte that differs. A line ending just there may still be equal, or not
    /// (a `\r` that one side follows with `\n`): the caller compares it as a line.
    fn equal_lines(&self, i: usize, other: &Lines<'_>, j: usize) -> usize {
        let (x, y) = (self.text.as_bytes(), other.text.as_bytes());
        let (sa, sb) = (self.start(i).min(x.len()), other.start(j).min(y.len()));
        let same = common_prefix(&x[sa..], &y[sb..]);
        // Lines of `self` from `i` that end before `sa + same`: their bytes, and the
        // byte after each (which decides where a `\r` line ends), are on both sides.
        let before = |e: usize| e < sa + same;
        let (ends, long) = (&self.at.ends, &self.at.long);
        if !ends.is_empty() {
            ends[i.min(ends.len())..].partition_point(|&e| before(e as usize))
        } else {
            long[i.min(long.len())..].partition_point(|&e| before(e))
        }
    }

    fn end(&self, i: usize) -> usize {
        match self.at.ends.get(i) {
            Some(&e) => e as usize,
            None => self.at.long[i],
        }
    }
}

impl std::ops::Index<usize> for Lines<'_> {
    type Output = str;

    fn index(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.end(i - 1) };
        &self.text[start..self.end(i)]
    }
}

/// How many bytes `x` and `y` start with in common.
fn common_prefix(x: &[u8], y: &[u8]) -> usize {
    const WORD: usize = 32;
    let n = x.len().min(y.len());
    let mut k = 0;
    while k + WORD <= n && x[k..k + WORD] == y[k..k + WORD] {
        k += WORD;
    }
    while k < n && x[k] == y[k] {
        k += 1;
    }
    k
}

/// `@@ -l,n +l,n @@` as similar writes it: a one-line range is its line alone, an
/// empty one starts at the line before it.
fn header(out: &mut Vec<u8>, hunk: &[DiffOp]) {
    let (Some(first), Some(last)) = (hunk.first(), hunk.last()) else {
        return;
    };
    // Writing to a Vec cannot fail.
    let range = |out: &mut Vec<u8>, start: usize, end: usize| {
        let _ = match end.saturating_sub(start) {
            1 => write!(out, "{}", start + 1),
            0 => write!(out, "{start},0"),
            len => write!(out, "{},{len}", start + 1),
        };
    };
    out.extend_from_slice(b"@@ -");
    range(out, first.old_range().start, last.old_range().end);
    out.extend_from_slice(b" +");
    range(out, first.new_range().start, last.new_range().end);
    out.extend_from_slice(b" @@\n");
}

/// The diff's operations: equal runs found by walking both sides, each changed region
/// between them diffed with Myers.
fn line_ops(a: &Lines<'_>, b: &Lines<'_>) -> Vec<DiffOp> {
    ops_skipping(a, b, |a, i, b, j| a.equal_lines(i, b, j))
}

/// `line_ops`, each equal run started with the lines `skip` finds surely equal (the
/// tests skip none, and compare).
fn ops_skipping(
    a: &Lines<'_>,
    b: &Lines<'_>,
    skip: impl Fn(&Lines<'_>, usize, &Lines<'_>, usize) -> usize,
) -> Vec<DiffOp> {
    let mut ops = Vec::new();
    let (mut i, mut j) = (0, 0);
    loop {
        let mut run = skip(a, i, b, j);
        while i + run < a.len() && j + run < b.len() && a[i + run] == b[j + run] {
            run += 1;
        }
        if run > 0 {
            push(
                &mut ops,
                DiffOp::Equal {
                    old_index: i,
                    new_index: j,
                    len: run,
                },
            );
            i += run;
            j += run;
        }
        if i == a.len() && j == b.len() {
            break;
        }
        let (di, dj) = resync(a, b, i, j).unwrap_or((a.len() - i, b.len() - j));
        for op in region(a, i..i + di, b, j..j + dj) {
            push(&mut ops, op);
        }
        i += di;
        j += dj;
    }
    ops
}

/// A changed region's operations: Myers's, where only lines added (or only removed)
/// are the one operation Myers would find, without its set-up (a generated
/// configuration's change is lines added to each of thousands of blocks).
fn region(
    a: &Lines<'_>,
    old: std::ops::Range<usize>,
    b: &Lines<'_>,
    new: std::ops::Range<usize>,
) -> Vec<DiffOp> {
    match (old.len(), new.len()) {
        (0, 0) => Vec::new(),
        (0, new_len) => vec![DiffOp::Insert {
            old_index: old.start,
            new_index: new.start,
            new_len,
        }],
        (old_len, 0) => vec![DiffOp::Delete {
            old_index: old.start,
            old_len,
            new_index: new.start,
        }],
        _ => similar::capture_diff(Algorithm::Myers, a, old, b, new),
    }
}

/// Equal runs next to each other are one run: similar's grouping counts context per run.
fn push(ops: &mut Vec<DiffOp>, op: DiffOp) {
    if let (
        Some(DiffOp::Equal { len, old_index, .. }),
        DiffOp::Equal {
            old_index: oi,
            len: more,
            ..
        },
    ) = (ops.last_mut(), op)
        && *old_index + *len == oi
    {
        *len += more;
        return;
    }
    ops.push(op);
}

/// The nearest place after `a[i]` and `b[j]` (which differ) where the two sides agree for
/// [`RESYNC`] lines, or both end: how many lines of each side the change spans. Nearest
/// means the fewest lines skipped in all, as a minimal diff would have it.
fn resync(a: &Lines<'_>, b: &Lines<'_>, i: usize, j: usize) -> Option<(usize, usize)> {
    let agree = |x: usize, y: usize| {
        let n = RESYNC.min(a.len() - x).min(b.len() - y);
        (a.len() - x == n || b.len() - y == n || n == RESYNC)
            && (0..n).all(|k| a[x + k] == b[y + k])
            && (n > 0 || (x == a.len() && y == b.len()))
    };
    for d in 1..=SEARCH {
        for da in 0..=d {
            let db = d - da;
            if i + da > a.len() || j + db > b.len() {
                continue;
            }
            if agree(i + da, j + db) {
                return Some((da, db));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
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
            unified("/f", old, None, new),
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
            let lines = Lines::of(text, None, &mut own);
            let got: Vec<&str> = (0..lines.len()).map(|i| &lines[i]).collect();
            assert_eq!(got, text.tokenize_lines(), "{text:?}");
        }
    }

    #[test]
    fn equal_texts_have_no_diff() {
        assert_eq!(unified("/f", "a\n", None, "a\n"), "");
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
            let patch = unified("/f", &old, None, &new);
            proptest::prop_assert_eq!(apply(&old, &patch), new);
        }

        /// Only lines added, or only removed: the operation Myers finds.
        #[test]
        fn one_sided_regions_are_myers(text in "[ab\n]{0,30}", at in 0usize..20, len in 0usize..8, add in proptest::bool::ANY) {
            let mut own = None;
            let lines = Lines::of(&text, None, &mut own);
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
            let lines = Lines::of(&text, None, &mut own);
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
            let (a, b) = (Lines::of(&old, None, &mut own_a), Lines::of(&new, None, &mut own_b));
            proptest::prop_assert_eq!(line_ops(&a, &b), ops_skipping(&a, &b, |_, _, _, _| 0), "{:?} -> {:?}", old, new);
        }
    }
}
