//! Operations grouped into hunks and written as similar's unified format.

use std::io::Write as _;

use similar::{DiffOp, DiffTag};

use super::CONTEXT;
use super::lines::Lines;

/// Operations grouped into hunks as similar's `group_diff_ops` groups them, each hunk
/// handed on as soon as it is whole: the operations come a few at a time.
#[derive(Default)]
pub(super) struct Grouper {
    /// The operation last given, not yet grouped: if it is the last, it loses all but
    /// its first `CONTEXT` lines.
    held: Option<DiffOp>,
    /// Some already grouped: the first, if equal, keeps only its last `CONTEXT` lines.
    started: bool,
    /// The hunk being gathered.
    pending: Vec<DiffOp>,
}

impl Grouper {
    pub(super) fn op<E>(
        &mut self,
        op: DiffOp,
        hunk: impl FnMut(&[DiffOp]) -> Result<(), E>,
    ) -> Result<(), E> {
        match self.held.replace(op) {
            Some(held) => self.group(held, false, hunk),
            None => Ok(()),
        }
    }

    /// After the last operation.
    pub(super) fn finish<E>(mut self, mut hunk: impl FnMut(&[DiffOp]) -> Result<(), E>) -> Result<(), E> {
        if let Some(held) = self.held.take() {
            self.group(held, true, &mut hunk)?;
        }
        match self.pending[..] {
            [] | [DiffOp::Equal { .. }] => Ok(()),
            _ => hunk(&self.pending),
        }
    }

    /// `group_diff_ops`'s loop, for one operation.
    pub(super) fn group<E>(
        &mut self,
        mut op: DiffOp,
        last: bool,
        mut hunk: impl FnMut(&[DiffOp]) -> Result<(), E>,
    ) -> Result<(), E> {
        if let DiffOp::Equal {
            old_index,
            new_index,
            len,
        } = &mut op
        {
            if !self.started {
                let offset = len.saturating_sub(CONTEXT);
                *old_index += offset;
                *new_index += offset;
                *len -= offset;
            }
            if last {
                *len -= len.saturating_sub(CONTEXT);
            }
        }
        self.started = true;
        if let DiffOp::Equal {
            old_index,
            new_index,
            len,
        } = op
            && len > CONTEXT * 2
        {
            // A long equal run ends the hunk and starts the next.
            self.pending.push(DiffOp::Equal {
                old_index,
                new_index,
                len: CONTEXT,
            });
            hunk(&self.pending)?;
            self.pending.clear();
            let offset = len - CONTEXT;
            self.pending.push(DiffOp::Equal {
                old_index: old_index + offset,
                new_index: new_index + offset,
                len: CONTEXT,
            });
            return Ok(());
        }
        self.pending.push(op);
        Ok(())
    }
}

/// Hunks written as similar writes them, gathered and written some tens of kilobytes
/// at a time.
pub(super) struct HunkWriter<'w, 'l> {
    pub(super) to: &'w mut dyn std::io::Write,
    pub(super) path: &'w str,
    pub(super) a: &'l Lines<'l>,
    pub(super) b: &'l Lines<'l>,
    pub(super) written: usize,
    pub(super) out: Vec<u8>,
    /// The last byte of the last hunk.
    pub(super) last: Option<u8>,
}

impl HunkWriter<'_, '_> {
    pub(super) fn hunk(&mut self, hunk: &[DiffOp]) -> std::io::Result<()> {
        let out = &mut self.out;
        if self.written == 0 {
            file_header(out, self.path);
        }
        header(out, hunk);
        for op in hunk {
            let (tag, old_r, new_r) = op.as_tag_tuple();
            match tag {
                DiffTag::Equal => self.a.put(out, b' ', old_r),
                DiffTag::Delete => self.a.put(out, b'-', old_r),
                DiffTag::Insert => self.b.put(out, b'+', new_r),
                DiffTag::Replace => {
                    self.a.put(out, b'-', old_r);
                    self.b.put(out, b'+', new_r);
                }
            }
        }
        self.written += 1;
        self.last = out.last().copied();
        if out.len() >= 32 * 1024 {
            self.to.write_all(out)?;
            out.clear();
        }
        Ok(())
    }

    /// After the last hunk. A last line without a newline ends the diff without one
    /// too, and similar's unified text is then followed by one.
    pub(super) fn finish(mut self) -> std::io::Result<()> {
        if self.last.is_some_and(|c| c != b'\n') {
            self.out.push(b'\n');
        }
        self.to.write_all(&self.out)
    }
}

/// `--- a/PATH` and `+++ b/PATH`, the first lines of a file's diff.
pub(super) fn file_header(out: &mut Vec<u8>, path: &str) {
    out.extend_from_slice(b"--- a");
    out.extend_from_slice(path.as_bytes());
    out.extend_from_slice(b"\n+++ b");
    out.extend_from_slice(path.as_bytes());
    out.push(b'\n');
}

/// `@@ -l,n +l,n @@` as similar writes it: a one-line range is its line alone, an
/// empty one starts at the line before it.
pub(super) fn header(out: &mut Vec<u8>, hunk: &[DiffOp]) {
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
