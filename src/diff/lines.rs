//! A text's lines, found once, and what the walk asks of them.

/// Where each line of a text ends, each line with its terminator as similar's
/// `tokenize_lines` splits them (`\n`, `\r\n` or a lone `\r`): 4 bytes a line where a
/// `&str` is 16 (a 50,000-jail jail.conf and its edit are 2 million lines; issue 21).
/// Made apart from the diff for an old text read ahead (generate finds its
/// configuration's lines while it edits it).
#[derive(Debug, PartialEq, Eq)]
pub struct LineEnds {
    /// The length of the text they are the lines of.
    of: usize,
    /// Where each line ends, when the text is shorter than 4 GiB.
    ends: Vec<u32>,
    /// The same for a longer text.
    long: Vec<usize>,
}

impl LineEnds {
    /// `of`, the second half found on another thread: a text without `\r` is cut after
    /// the `\n` nearest past its middle.
    pub(super) fn of_halves(text: &str) -> LineEnds {
        let b = text.as_bytes();
        let cut = match memchr::memchr(b'\n', &b[b.len() / 2..]) {
            Some(p) if u32::try_from(b.len()).is_ok() && memchr::memchr(b'\r', b).is_none() => {
                b.len() / 2 + p + 1
            }
            _ => return LineEnds::of(text),
        };
        let (first, second) = b.split_at(cut);
        let (mut ends, later) = crate::halves::both(|| newline_ends(first, 0), || newline_ends(second, cut));
        ends.extend(later);
        LineEnds {
            of: b.len(),
            ends,
            long: Vec::new(),
        }
    }

    pub fn of(text: &str) -> LineEnds {
        let b = text.as_bytes();
        let short = u32::try_from(b.len()).is_ok();
        if short && memchr::memchr(b'\r', b).is_none() {
            return LineEnds {
                of: b.len(),
                ends: newline_ends(b, 0),
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

/// Where the lines of `b`, a text (or the part of one from `at` on) shorter than 4 GiB
/// with only `\n` to end a line, end: one byte to look for, not two.
pub(super) fn newline_ends(b: &[u8], at: usize) -> Vec<u32> {
    // Room for lines of 16 bytes on average, untouched (so not resident) where they
    // are longer.
    let mut ends = Vec::with_capacity(b.len() / 16 + 1);
    // At most the text's length, which fits (the caller's word).
    ends.extend(memchr::memchr_iter(b'\n', b).map(|p| (at + p + 1) as u32));
    if ends.last().map_or(at, |&e| e as usize) < at + b.len() {
        ends.push((at + b.len()) as u32);
    }
    ends
}

/// A text and its lines.
pub(super) struct Lines<'a> {
    text: &'a str,
    at: &'a LineEnds,
}

impl<'a> Lines<'a> {
    /// `at` when they are `text`'s (by its length), else made now into `own` (half on
    /// another thread when `two`).
    pub(super) fn of(
        text: &'a str,
        at: Option<&'a LineEnds>,
        own: &'a mut Option<LineEnds>,
        two: bool,
    ) -> Lines<'a> {
        let at = match at {
            Some(e) if e.of == text.len() => e,
            _ => own.insert(if two {
                LineEnds::of_halves(text)
            } else {
                LineEnds::of(text)
            }),
        };
        Lines { text, at }
    }

    pub(super) fn len(&self) -> usize {
        self.at.ends.len().max(self.at.long.len())
    }

    /// Lines `range`, each after `tag`, as a unified diff has them.
    pub(super) fn put(&self, out: &mut Vec<u8>, tag: u8, range: std::ops::Range<usize>) {
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

    pub(super) fn start(&self, i: usize) -> usize {
        if i == 0 { 0 } else { self.end(i - 1) }
    }

    /// How many lines from `self[i]` and `other[j]` on are surely equal, found by
    /// comparing bytes (a generated configuration is mostly long equal runs, and line
    /// by line they were a third of the diff's time): every line that ends before the
    /// first byte that differs. A line ending just there may still be equal, or not
    /// (a `\r` that one side follows with `\n`): the caller compares it as a line.
    pub(super) fn equal_lines(&self, i: usize, other: &Lines<'_>, j: usize) -> usize {
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

    pub(super) fn end(&self, i: usize) -> usize {
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
pub(super) fn common_prefix(x: &[u8], y: &[u8]) -> usize {
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
