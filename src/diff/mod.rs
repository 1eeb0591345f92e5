//! Unified diffs of a file's old and new text, for `generate --dry-run` and `check`.
//!
//! The edits jailvol makes are a few lines at many places of a large file (a block's
//! end in each of 50,000 jails), and one Myers diff over the whole file spent most of
//! `generate --dry-run`'s time finding them (issue 21). So the lines are walked once:
//! equal runs are skipped, and where they part, the nearest place where both sides agree
//! again for [`RESYNC`] lines closes a changed region, which alone goes to similar's
//! Myers. The output is similar's unified format (its hunk grouping, headers and
//! `\ No newline at end of file`), so small files read exactly as before.
//!
//! `lines` finds where each line ends (for an old text read ahead, before the diff),
//! `walk` finds the operations and `hunks` groups and writes them. A large diff runs
//! on two threads: one walks while the other writes what it has walked. A file made
//! or removed whole is one hunk of all its lines, written without walk or grouping.

mod hunks;
mod lines;
#[cfg(test)]
mod tests;
mod walk;

use similar::DiffOp;

use hunks::{Grouper, HunkWriter};
pub(crate) use lines::LineEnds;
use lines::Lines;
use walk::{line_ops, walk};

/// How many equal lines in a row end a changed region. One or two equal lines inside a
/// change (a `}` or a blank line) are common and do not split it.
const RESYNC: usize = 3;

/// How far (old plus new lines) a changed region is searched for its end before the
/// rest of the file goes to Myers whole.
const SEARCH: usize = 4096;

/// Context lines around each change.
const CONTEXT: usize = 3;

/// A unified diff from `old` to `new` for `path` (empty when equal).
pub fn unified(path: &str, old: &str, new: &str) -> String {
    unified_with(path, old, None, new)
}

/// `unified`, with `old`'s lines when they were found ahead: `old_ends` must be
/// `LineEnds::of(old)` (crate-private for that reason: ends of another text of the
/// same length would cut lines in the wrong places).
pub(crate) fn unified_with(path: &str, old: &str, old_ends: Option<&LineEnds>, new: &str) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = write_unified_with(&mut out, path, old, old_ends, new);
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// `unified`, written to `to` a hunk at a time: the diff of a large configuration is
/// larger than the configuration (issue 21), and held whole it was the largest
/// allocation of `generate --dry-run`.
pub fn write_unified(to: &mut dyn std::io::Write, path: &str, old: &str, new: &str) -> std::io::Result<()> {
    write_unified_with(to, path, old, None, new)
}

/// `write_unified` with `old`'s lines found ahead (`unified_with`).
pub(crate) fn write_unified_with(
    to: &mut dyn std::io::Write,
    path: &str,
    old: &str,
    old_ends: Option<&LineEnds>,
    new: &str,
) -> std::io::Result<()> {
    /// Below this much text (both sides) a second thread costs more than it saves.
    const TWO_AT: usize = 4 << 20;
    let two =
        old.len() + new.len() >= TWO_AT && std::thread::available_parallelism().is_ok_and(|p| p.get() > 1);
    write_unified_on(to, path, old, old_ends, new, two)
}

/// `write_unified`, on two threads when `two`: the lines of the new side are found
/// half on each, and then one thread walks the two sides while this one groups and
/// writes the hunks (for a 50,000-jail jail.conf, 11 and 15 ms one after the other).
fn write_unified_on(
    to: &mut dyn std::io::Write,
    path: &str,
    old: &str,
    old_ends: Option<&LineEnds>,
    new: &str,
    two: bool,
) -> std::io::Result<()> {
    if old == new {
        return Ok(());
    }
    if old.is_empty() || new.is_empty() {
        return write_whole(to, path, old, new);
    }
    let (mut own_a, mut own_b) = (None, None);
    let a = Lines::of(old, old_ends, &mut own_a, two);
    let b = Lines::of(new, None, &mut own_b, two);
    let mut w = HunkWriter {
        to,
        path,
        a: &a,
        b: &b,
        written: 0,
        out: Vec::new(),
        last: None,
    };
    let mut g = Grouper::default();
    let mut walked = |ops: Vec<DiffOp>, w: &mut HunkWriter<'_, '_>| -> std::io::Result<()> {
        for op in ops {
            g.op(op, |h| w.hunk(h))?;
        }
        Ok(())
    };
    if two {
        std::thread::scope(|s| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<DiffOp>>(4);
            let (a, b) = (&a, &b);
            let walker = crate::halves::spawn_scoped(s, move || {
                // Ends early when this thread stops reading (its writer failed).
                walk(a, b, WALK_CHUNK, |ops| tx.send(ops).is_ok());
            });
            match walker {
                Ok(_) => rx.into_iter().try_for_each(|ops| walked(ops, &mut w)),
                Err(_) => walked(line_ops(a, b), &mut w),
            }
        })?;
    } else {
        walked(line_ops(&a, &b), &mut w)?;
    }
    g.finish(|h| w.hunk(h))?;
    w.finish()
}

/// A file made or removed whole (one side empty, the other not): one hunk of all its
/// lines, which is what the walk and the grouping give, written without them. generate
/// of thousands of new jails writes as many new fstab files, and the walk's and the
/// grouping's allocations for each were most of the thread that diffs them.
fn write_whole(to: &mut dyn std::io::Write, path: &str, old: &str, new: &str) -> std::io::Result<()> {
    let (text, tag) = if old.is_empty() { (new, b'+') } else { (old, b'-') };
    let mut own = None;
    let lines = Lines::of(text, None, &mut own, false);
    let n = lines.len();
    let op = if tag == b'+' {
        DiffOp::Insert {
            old_index: 0,
            new_index: 0,
            new_len: n,
        }
    } else {
        DiffOp::Delete {
            old_index: 0,
            old_len: n,
            new_index: 0,
        }
    };
    let mut out = Vec::with_capacity(2 * path.len() + text.len() + n + 64);
    hunks::file_header(&mut out, path);
    hunks::header(&mut out, &[op]);
    lines.put(&mut out, tag, 0..n);
    // As `HunkWriter::finish` ends a diff.
    if out.last() != Some(&b'\n') {
        out.push(b'\n');
    }
    to.write_all(&out)
}

/// Operations per hand-over from the walking thread.
const WALK_CHUNK: usize = 1024;
