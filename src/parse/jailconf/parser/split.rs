//! A large file read in two halves at once: a second thread parses from a block
//! boundary near the middle while this one reads up to it. Every command reads the
//! whole parse before it does anything else, and on two cores the parse was half of
//! `show`.
//!
//! The boundary is a guess (`split_point` looks for a `}` alone on a line); it is
//! proved, not trusted: the second half is kept only if the first half's parser, reading
//! the file as one parse does, arrives there between two top-level items with nothing
//! pending (`Parser::conf`'s `Reached::Here`). From such a point a fresh parser reads
//! exactly what the first would, so the halves joined are the parse of the file, errors
//! included (the first half's error, when there is one, is the first in the file).
//! A second half that would need the first half's state gives up (`Parser::bailed`):
//! a statement outside any block (the global pseudo-jail and the warnings about it)
//! and `.include` (the order of the sources). The first half's parser then reads on.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use super::fast::skip_trivia;
use super::{Ended, Parser, Stream};
use crate::diag::{Diag, Source};
use crate::parse::jailconf::Parsed;
use crate::parse::jailconf::lexer::{Lexer, is_word_byte};
use crate::parse::loader::Loader;

/// Below this size a thread costs more than it saves (a megabyte parses in
/// milliseconds).
const SPLIT_AT: usize = 1 << 20;

/// Where a parser may read in two halves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
// Only tests choose otherwise.
#[cfg_attr(not(test), allow(dead_code))]
pub(in crate::parse::jailconf) enum Split {
    /// At `split_point`, for a file of `SPLIT_AT` bytes or more on a machine with two
    /// cores or more.
    Auto,
    Never,
    /// At this offset, whatever the size (tests try every offset of small files).
    At(usize),
}

/// What the second half's parser read.
struct Half {
    out: Parsed,
    cuts: Vec<(usize, &'static str)>,
    seen_block: bool,
}

/// How the second half ended: read, refused (the first half still has to be
/// read to know whether this error is the file's), or given up.
enum Outcome {
    Read(Half),
    Failed(Diag),
    Bailed,
}

/// Where `Parser::conf` is relative to the boundary, at the start of a top-level item.
pub(super) enum Reached {
    Before,
    /// Between two top-level items, the next one starting at the boundary.
    Here,
    /// Past it without stopping there: the second half cannot be used.
    Past,
}

/// Where `s` stands relative to `at` (called between top-level items).
pub(super) fn reached(s: &Stream, at: usize) -> Reached {
    let b = s.lexer.source.text.as_bytes();
    if s.fast && s.lexer.clean() {
        return match skip_trivia(b, s.lexer.pos) {
            Some(next) if next == at => Reached::Here,
            Some(next) if next < at => Reached::Before,
            _ => Reached::Past,
        };
    }
    if s.lexer.pos > at || s.lexer.queue.iter().any(|t| t.start >= at) {
        Reached::Past
    } else {
        Reached::Before
    }
}

/// A guess at a boundary between two top-level blocks past the middle of `b`: a line
/// holding only `}` (and blanks), blank lines, then a line starting with a block name.
/// Only a guess: `reached` proves it.
pub(in crate::parse::jailconf) fn split_point(b: &[u8]) -> Option<usize> {
    let mut from = b.len() / 2;
    // Files whose blocks close otherwise (`};`, `} # end`) are read in one piece.
    for _ in 0..64 {
        let close = from + memchr::memmem::find(b.get(from..)?, b"\n}")? + 1;
        let mut i = close + 1;
        while matches!(b.get(i), Some(b' ' | b'\t' | b'\r')) {
            i += 1;
        }
        if b.get(i) == Some(&b'\n') {
            while matches!(b.get(i), Some(b' ' | b'\t' | b'\r' | b'\n')) {
                i += 1;
            }
            if b[i - 1] == b'\n' && b.get(i).is_some_and(|&c| is_word_byte(c) || c == b'"') {
                return Some(i);
            }
        }
        from = close + 1;
    }
    None
}

impl<'l> Parser<'l> {
    /// The boundary to try for the file `s` reads from its start, if any.
    pub(super) fn boundary(&self, s: &Stream) -> Option<usize> {
        // Only a file read at the top (an included one is read inside its includer's
        // state), on the fast path (no NUL byte).
        if self.depth != 0 || self.block_depth != 0 || !s.fast || self.region.is_some() {
            return None;
        }
        let b = s.lexer.source.text.as_bytes();
        match self.split {
            Split::Never => None,
            // A fresh parser starts between two characters of the file.
            Split::At(at) => s.lexer.source.text.is_char_boundary(at).then_some(at),
            Split::Auto => {
                let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
                if b.len() < SPLIT_AT || cores < 2 {
                    return None;
                }
                split_point(b)
            }
        }
    }

    /// `conf` over the whole file of `s`, the part from `at` on another thread when it
    /// can be.
    pub(super) fn conf_split(&mut self, s: &mut Stream, is_stdin: bool, at: usize) -> Result<(), Diag> {
        let cancel = AtomicBool::new(false);
        let loader = self.loader;
        // The second half's spans count on a source of their own (`Source::twin`).
        let source = s.source().twin();
        let (file, max_block_depth) = (s.file, self.max_block_depth);
        std::thread::scope(|scope| {
            let stop = &cancel;
            let second = crate::halves::spawn_scoped(scope, move || {
                second_half(loader, (source, file), at, is_stdin, stop, max_block_depth)
            })
            .ok();
            let Some(second) = second else {
                return self.conf(s, is_stdin, None).map(drop);
            };
            let ended = self.conf(s, is_stdin, Some(at));
            if !matches!(ended, Ok(Ended::Split)) {
                // An error in the first half, or the boundary was not one: the other
                // thread's work is not needed (the scope waits for it to stop).
                cancel.store(true, Ordering::Relaxed);
                return ended.map(drop);
            }
            match second.join().unwrap_or_else(|e| std::panic::resume_unwind(e)) {
                Outcome::Read(half) => {
                    self.append(s, half, at);
                    Ok(())
                }
                Outcome::Failed(e) => Err(e),
                Outcome::Bailed => self.conf(s, is_stdin, None).map(drop),
            }
        })
    }

    /// The second half's records after the first half's. Its parse read no file of
    /// its own (it gives up at `.include`), and its statements name this one's. Its
    /// blocks' lines count from 1 at `at`, the boundary, which this half's stream has
    /// just reached: its line there, counted as this half went, places them.
    fn append(&mut self, s: &mut Stream, half: Half, at: usize) {
        let lines = s.line(at) - 1;
        self.out.append_half(half.out, lines);
        self.seen_block |= half.seen_block;
        s.lexer.cuts.extend(half.cuts);
        self.joined = true;
    }

    /// Whether this parser reads a second half that must give up here; notes it.
    pub(super) fn bail(&mut self) -> bool {
        if self.region.is_some() {
            self.bailed = true;
        }
        self.bailed
    }

    /// Whether the first half's parser no longer needs this one.
    pub(super) fn cancelled(&self) -> bool {
        self.region.is_some_and(|c| c.load(Ordering::Relaxed))
    }
}

/// The other thread: the file from `at` on, by a parser that starts there.
fn second_half(
    loader: &Loader,
    (source, file): (Arc<Source>, u32),
    at: usize,
    is_stdin: bool,
    cancel: &AtomicBool,
    max_block_depth: usize,
) -> Outcome {
    let mut p = Parser::new(loader, true);
    p.region = Some(cancel);
    p.max_block_depth = max_block_depth;
    p.reserve(source.text.len() - at, source.text.len() - at);
    // Lines count from 1 here, and are placed when the halves are joined (`append`):
    // counting the first half's newlines first held this thread 1.5-3 ms at 50,000
    // jails (7 MB), and this half is as often the one the other waits for.
    let mut s = Stream {
        lexer: Lexer::starting_at(source, at),
        fast: true,
        line_at: (at, 1),
        depth: 0,
        file,
    };
    match p.conf(&mut s, is_stdin, None) {
        _ if p.bailed => Outcome::Bailed,
        Ok(_) => Outcome::Read(Half {
            out: p.out,
            cuts: s.lexer.cuts,
            seen_block: p.seen_block,
        }),
        Err(e) => Outcome::Failed(e),
    }
}
