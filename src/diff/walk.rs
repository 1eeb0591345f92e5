//! The walk over both sides that finds the diff's operations.

use similar::{Algorithm, DiffOp};

use super::lines::Lines;
use super::{RESYNC, SEARCH};

/// The diff's operations: equal runs found by walking both sides, each changed region
/// between them diffed with Myers.
pub(super) fn line_ops(a: &Lines<'_>, b: &Lines<'_>) -> Vec<DiffOp> {
    ops_skipping(a, b, |a, i, b, j| a.equal_lines(i, b, j))
}

/// `line_ops`, each equal run started with the lines `skip` finds surely equal (the
/// tests skip none, and compare).
pub(super) fn ops_skipping(
    a: &Lines<'_>,
    b: &Lines<'_>,
    skip: impl Fn(&Lines<'_>, usize, &Lines<'_>, usize) -> usize,
) -> Vec<DiffOp> {
    let mut all = Vec::new();
    walk_skipping(a, b, skip, usize::MAX, |ops| {
        all = ops;
        true
    });
    all
}

/// `line_ops`, handed to `emit` more than `chunk` at a time (the last one kept back
/// until the next is known: an equal run next to it joins it). Stops when `emit` says
/// so.
pub(super) fn walk(a: &Lines<'_>, b: &Lines<'_>, chunk: usize, emit: impl FnMut(Vec<DiffOp>) -> bool) {
    walk_skipping(a, b, |a, i, b, j| a.equal_lines(i, b, j), chunk, emit);
}

pub(super) fn walk_skipping(
    a: &Lines<'_>,
    b: &Lines<'_>,
    skip: impl Fn(&Lines<'_>, usize, &Lines<'_>, usize) -> usize,
    chunk: usize,
    mut emit: impl FnMut(Vec<DiffOp>) -> bool,
) {
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
        if ops.len() > chunk {
            let kept = ops.pop();
            if !emit(std::mem::replace(&mut ops, kept.into_iter().collect())) {
                return;
            }
        }
    }
    emit(ops);
}

/// A changed region's operations: Myers's, where only lines added (or only removed)
/// are the one operation Myers would find, without its set-up (a generated
/// configuration's change is lines added to each of thousands of blocks).
pub(super) fn region(
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
pub(super) fn push(ops: &mut Vec<DiffOp>, op: DiffOp) {
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
pub(super) fn resync(a: &Lines<'_>, b: &Lines<'_>, i: usize, j: usize) -> Option<(usize, usize)> {
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
