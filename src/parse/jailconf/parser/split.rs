//! A large file read in two halves at once: a second thread parses from a block
//! boundary near the middle while this one reads up to it. Every command reads the
//! whole parse before it does anything else, and on two cores the parse was half of
//! `show`.
//!
//! The boundary is a guess (`split_point` looks for a `}` alone on a line); it is
//! proved, not trusted: the second half is kept only if the first half's parser, reading
//! the file as one parse does, arrives there between two top-level items with nothing
//! pending (`Parser::conf`'s `At::Here`). From such a point a fresh parser reads
//! exactly what the first would, so the halves joined are the parse of the file, errors
//! included (the first half's error, when there is one, is the first in the file).
//! A second half that would need the first half's state gives up (`Parser::bailed`):
//! a statement outside any block (the global pseudo-jail and the warnings about it)
//! and `.include` (the order of the sources). The first half's parser then reads on.
//!
//! The halves are equal in bytes, not in time: a core shared with other work on the
//! host, or one of a slower kind, reads its half later than the other, which then
//! waits (here, in 6 of 20 runs of `show` at 50,000 jails, 20-26 ms of a 100 ms run).
//! So the thread that reads the second half, once done, takes the end of what the
//! first has not read yet (the middle: `take_middle`), proved the same way: the first
//! half's parser stops at the middle's start only if it arrives there between two
//! items, and the middle's parser must arrive at the second half's start the same
//! way. Whether a middle is taken depends on timing; what is parsed does not.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::fast::skip_trivia;
use super::{Ended, Parser, Stream};
use crate::diag::{Diag, Source};
use crate::parse::jailconf::Parsed;
use crate::parse::jailconf::lexer::{Lexer, is_word_byte};
use crate::parse::loader::Loader;

/// Below this size a thread costs more than it saves (a megabyte parses in
/// milliseconds).
const SPLIT_AT: usize = 1 << 20;

/// The least the first half must have left for the other thread to take a middle:
/// half of it is a millisecond or less of parsing, no more than the waiting it saves.
const MIDDLE_AT_LEAST: usize = 256 << 10;

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
    /// At the second offset, with a middle from the first offset to it always taken
    /// (tests try every pair of offsets of small files).
    Three(usize, usize),
    /// At this offset, with a middle taken as `Auto` takes one (when the other thread
    /// is done first).
    Moving(usize),
}

/// What the parser of a second half or a middle read.
struct Half {
    out: Parsed,
    cuts: Vec<(usize, &'static str)>,
    seen_block: bool,
    /// It read to the end of the file: a middle whose end was no boundary read on.
    to_eof: bool,
}

/// How the second half ended: read, refused (the first half still has to be
/// read to know whether this error is the file's), or given up.
enum Outcome {
    Read(Half),
    Failed(Diag),
    Bailed,
}

/// Where `Parser::conf` is relative to a boundary, at the start of a top-level item
/// (`reached`, `Stop::check`).
pub(super) enum At {
    Before,
    /// Between two top-level items, the next one starting at this boundary.
    Here(usize),
    /// Past it without stopping there: what starts there cannot be used.
    Past,
}

/// `Moved::stop` once the first half's parser has stopped or passed the second half's
/// start: no middle can be taken from then on.
const CLOSED: usize = usize::MAX;

/// What the two threads share about the first half's end.
struct Moved {
    /// Where the first half's parser is to stop: the second half's start, then the
    /// middle's once the other thread takes one, `CLOSED` once that can no longer be.
    stop: AtomicUsize,
    /// Where the first half's parser was at its latest top-level item, for the other
    /// thread to choose a middle ahead of it.
    pos: AtomicUsize,
    /// Set when the middle is not needed (the first half's parser passed its start, or
    /// failed): its parser gives up.
    dropped: AtomicBool,
}

impl Moved {
    fn new(stop: usize) -> Moved {
        Moved {
            stop: AtomicUsize::new(stop),
            pos: AtomicUsize::new(0),
            dropped: AtomicBool::new(false),
        }
    }

    fn drop_middle(&self) {
        self.dropped.store(true, Ordering::Relaxed);
        self.stop.store(CLOSED, Ordering::Release);
    }
}

/// Where `Parser::conf` stops: at `at`, or at the start of a middle the other thread
/// has taken (`moved`).
pub(super) struct Stop<'a> {
    at: usize,
    moved: Option<&'a Moved>,
}

impl Stop<'_> {
    /// At `at`, and nowhere else.
    pub(super) fn fixed(at: usize) -> Stop<'static> {
        Stop { at, moved: None }
    }

    /// Where `s` stands (between top-level items): before the boundary, at it, or past.
    pub(super) fn check(&mut self, s: &Stream) -> At {
        let Some(m) = self.moved else {
            return reached(s, self.at);
        };
        let stop = m.stop.load(Ordering::Acquire);
        let target = if stop == CLOSED { self.at } else { stop };
        let r = reached(s, target);
        if target != self.at {
            match r {
                At::Before => {}
                At::Here(_) => return r,
                At::Past => {
                    // Moved there after this parser had passed it: read on to `at`.
                    m.drop_middle();
                    self.moved = None;
                    return self.check(s);
                }
            }
        } else if !matches!(r, At::Before) {
            // At or past `at`: no middle from now on. The other thread may have just
            // taken one, starting before here: this parser has passed its start.
            if m.stop
                .compare_exchange(self.at, CLOSED, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
            {
                m.drop_middle();
            }
            self.moved = None;
            return r;
        }
        m.pos.store(s.lexer.pos, Ordering::Relaxed);
        At::Before
    }
}

/// Where `s` stands relative to `at` (called between top-level items).
fn reached(s: &Stream, at: usize) -> At {
    let b = s.lexer.source.text.as_bytes();
    if s.fast && s.lexer.clean() {
        return match skip_trivia(b, s.lexer.pos) {
            Some(next) if next == at => At::Here(at),
            Some(next) if next < at => At::Before,
            _ => At::Past,
        };
    }
    if s.lexer.pos > at || s.lexer.queue.iter().any(|t| t.start >= at) {
        At::Past
    } else {
        At::Before
    }
}

/// A guess at a boundary between two top-level blocks past the middle of `b`: a line
/// holding only `}` (and blanks), blank lines, then a line starting with a block name.
/// Only a guess: `reached` proves it.
pub(in crate::parse::jailconf) fn split_point(b: &[u8]) -> Option<usize> {
    split_point_in(b, b.len() / 2)
}

/// `split_point`'s guess from `from` on, before the end of `b`.
fn split_point_in(b: &[u8], mut from: usize) -> Option<usize> {
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
            Split::At(at) | Split::Three(_, at) | Split::Moving(at) => {
                s.lexer.source.text.is_char_boundary(at).then_some(at)
            }
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
    /// can be, and a middle before `at` too when that thread is done first.
    pub(super) fn conf_split(&mut self, s: &mut Stream, is_stdin: bool, at: usize) -> Result<(), Diag> {
        let cancel = AtomicBool::new(false);
        let loader = self.loader;
        // The other halves' spans count on a source of their own (`Source::twin`).
        let source = s.source().twin();
        let (file, max_block_depth) = (s.file, self.max_block_depth);
        // Tests choose the middle; `At` has none.
        let (moved, preset) = match self.split {
            Split::Auto | Split::Moving(_) => (Some(Moved::new(at)), None),
            Split::Three(b, _) if b < at && s.lexer.source.text.is_char_boundary(b) => {
                (Some(Moved::new(b)), Some(b))
            }
            _ => (None, None),
        };
        let moved = moved.as_ref();
        std::thread::scope(|scope| {
            let stop = &cancel;
            let other = crate::halves::spawn_scoped(scope, move || {
                let read = |from, until, cancel| {
                    let src = (Arc::clone(&source), file);
                    read_from(loader, src, (from, until), is_stdin, cancel, max_block_depth)
                };
                let second = read(at, None, stop);
                let middle = match (&second, moved) {
                    (Outcome::Read(_), Some(m)) => {
                        take_middle(&source.text, at, m, preset).map(|b| read(b, Some(at), &m.dropped))
                    }
                    _ => None,
                };
                (second, middle)
            })
            .ok();
            let Some(other) = other else {
                return self.conf(s, is_stdin, None).map(drop);
            };
            let ended = self.conf(s, is_stdin, Some(Stop { at, moved }));
            let Ok(Ended::Split(b)) = ended else {
                // An error in the first half, or the boundary was not one: the other
                // thread's work is not needed (the scope waits for it to stop).
                cancel.store(true, Ordering::Relaxed);
                moved.inspect(|m| m.drop_middle());
                return ended.map(drop);
            };
            let (second, middle) = other.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
            if b == at {
                return self.join_second(s, is_stdin, second, at);
            }
            // Stopped at the start of the middle, which the other thread read.
            match middle {
                Some(Outcome::Read(mid)) if mid.to_eof => {
                    self.append(s, mid, b);
                    Ok(())
                }
                // The other thread reads a middle only after a second half it read
                // (`Outcome::Read`), which `join_second` joins after the middle.
                Some(Outcome::Read(mid)) => {
                    self.append(s, mid, b);
                    self.join_second(s, is_stdin, second, at)
                }
                Some(Outcome::Failed(e)) => Err(e),
                // The middle gave up: read it here, then join the second half.
                _ => match self.conf(s, is_stdin, Some(Stop::fixed(at)))? {
                    Ended::Split(_) => self.join_second(s, is_stdin, second, at),
                    Ended::Eof => Ok(()),
                },
            }
        })
    }

    /// The first half read to `at`: the second half joined, its error returned, or
    /// (it gave up) the rest read here.
    fn join_second(
        &mut self,
        s: &mut Stream,
        is_stdin: bool,
        second: Outcome,
        at: usize,
    ) -> Result<(), Diag> {
        match second {
            Outcome::Read(half) => {
                self.append(s, half, at);
                Ok(())
            }
            Outcome::Failed(e) => Err(e),
            Outcome::Bailed => self.conf(s, is_stdin, None).map(drop),
        }
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
        self.joined += 1;
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

/// The middle the other thread takes once it has read the second half: from a
/// boundary guessed halfway between where the first half's parser is and `at`, if
/// that is far enough ahead, and the first half's parser has not stopped yet (then it
/// stops there instead of at `at`). Tests choose it (`preset`).
fn take_middle(text: &str, at: usize, m: &Moved, preset: Option<usize>) -> Option<usize> {
    if preset.is_some() {
        return preset;
    }
    let pos = m.pos.load(Ordering::Relaxed);
    let left = at.checked_sub(pos)?;
    if left < MIDDLE_AT_LEAST {
        return None;
    }
    let b = split_point_in(text.as_bytes(), pos + left / 2).filter(|&b| b < at)?;
    m.stop
        .compare_exchange(at, b, Ordering::AcqRel, Ordering::Relaxed)
        .ok()
        .map(|_| b)
}

/// The other thread: the file from `from` on, by a parser that starts there, to the
/// end or (a middle) to `until` if it arrives there between two items.
fn read_from(
    loader: &Loader,
    (source, file): (Arc<Source>, u32),
    (from, until): (usize, Option<usize>),
    is_stdin: bool,
    cancel: &AtomicBool,
    max_block_depth: usize,
) -> Outcome {
    let mut p = Parser::new(loader, true);
    p.region = Some(cancel);
    p.max_block_depth = max_block_depth;
    let end = until.unwrap_or(source.text.len());
    p.reserve(end - from, end - from);
    // Lines count from 1 here, and are placed when the halves are joined (`append`):
    // counting the first half's newlines first held this thread 1.5-3 ms at 50,000
    // jails (7 MB), and this half is as often the one the other waits for.
    let mut s = Stream {
        lexer: Lexer::starting_at(source, from),
        fast: true,
        line_at: (from, 1),
        depth: 0,
        file,
    };
    match p.conf(&mut s, is_stdin, until.map(Stop::fixed)) {
        _ if p.bailed => Outcome::Bailed,
        Ok(ended) => Outcome::Read(Half {
            out: p.out,
            cuts: s.lexer.cuts,
            seen_block: p.seen_block,
            to_eof: ended == Ended::Eof,
        }),
        Err(e) => Outcome::Failed(e),
    }
}
