//! A line that is one assignment (`NAME=value`, blanks, a comment), evaluated straight
//! from the bytes: most lines of a real rc.conf, and of the 100,000-line benchmark. The
//! token path (`fast_line`, then `run_toks`: a `Word` of `Part`s per assignment, its
//! checks and `command`'s dispatch) cost three times the assignment itself.
//!
//! The line must be one `fast_line` lexes (the same characters end a literal, the same
//! quotes and expansions are taken), so its tokens would be one assignment word; its
//! value is expanded as `Eval::expand` does in `Mode::Assign`. Anything else declines
//! before anything is assigned: a second word, an operator, `${x=w}` (it assigns), an
//! unquoted `~` (tilde expansion is an error there), a read of a variable whose value
//! is unknown. The token path then runs the line as before and reports what it reports.
//! `tests::line_by_line_is_lexing_whole` holds the two equal.

use std::sync::Arc;

use super::Eval;
use crate::diag::{Loc, Source};
use crate::parse::rcconf::token::is_name_start;

/// Byte classes, a table lookup per byte (a `match` of 15 characters per byte was a
/// fifth of `vars`): `STOP_LIT` ends an unquoted literal (`fast::ends_lit`, the
/// grammar's `lit`) or is `~` (which this path leaves to the token path); `STOP_DQ` ends
/// a run of text inside double quotes; `NAME` continues a name.
const STOP_LIT: u8 = 1;
const STOP_DQ: u8 = 2;
const NAME: u8 = 4;

static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let lit = b" \t\n;&|()<>'\"\\$`~";
    let mut i = 0;
    while i < lit.len() {
        t[lit[i] as usize] |= STOP_LIT;
        i += 1;
    }
    let dq = b"\"$\\`\n";
    let mut i = 0;
    while i < dq.len() {
        t[dq[i] as usize] |= STOP_DQ;
        i += 1;
    }
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        if b == b'_' || b.is_ascii_alphanumeric() {
            t[c] |= NAME;
        }
        c += 1;
    }
    t
};

/// The first offset from `i` whose byte has a class of `mask` (or the end).
fn skip_to(b: &[u8], mut i: usize, mask: u8) -> usize {
    while let Some(&c) = b.get(i)
        && CLASS[c as usize] & mask == 0
    {
        i += 1;
    }
    i
}

/// The first offset from `i` that does not continue a name.
fn name_end(b: &[u8], mut i: usize) -> usize {
    while let Some(&c) = b.get(i)
        && CLASS[c as usize] & NAME != 0
    {
        i += 1;
    }
    i
}

/// A line's end after the word: blanks, then a comment, then a newline or the end of
/// the text. Returns the offset after the line.
fn line_end(b: &[u8], mut i: usize) -> Option<usize> {
    while matches!(b.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    if b.get(i) == Some(&b'#') {
        i += memchr::memchr(b'\n', &b[i..]).unwrap_or(b.len() - i);
    }
    match b.get(i) {
        None => Some(i),
        Some(b'\n') => Some(i + 1),
        Some(_) => None,
    }
}

impl Eval<'_> {
    /// Run the line at `pos` if it is blank, a comment, or one simple assignment; returns
    /// the offset after it. None, having changed nothing, for any other line. `buf` is
    /// scratch space for the value (kept by the caller across lines).
    pub(in crate::parse::rcconf) fn simple_line(
        &mut self,
        src: &Arc<Source>,
        pos: usize,
        buf: &mut String,
    ) -> Option<usize> {
        let text = src.text.as_str();
        let b = text.as_bytes();
        let mut i = pos;
        while matches!(b.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        if !b.get(i).is_some_and(|c| is_name_start(*c)) {
            return match b.get(i) {
                None | Some(b'\n' | b'#') => line_end(b, i),
                Some(_) => None,
            };
        }
        let start = i;
        i = name_end(b, i);
        if b.get(i) != Some(&b'=') {
            return None;
        }
        let name = &text[start..i];
        i += 1;
        buf.clear();
        let mut lit = i;
        loop {
            i = skip_to(b, i, STOP_LIT);
            buf.push_str(&text[lit..i]);
            match b.get(i) {
                Some(b'\'') => {
                    let s = i + 1;
                    let mut e = s;
                    while !matches!(b.get(e), None | Some(b'\'' | b'\n')) {
                        e += 1;
                    }
                    if b.get(e) != Some(&b'\'') {
                        return None;
                    }
                    buf.push_str(&text[s..e]);
                    i = e + 1;
                }
                Some(b'"') => i = self.double_quoted(src, i + 1, buf)?,
                Some(b'$') => i = self.expansion(src, i, false, buf)?,
                None | Some(b' ' | b'\t' | b'\n') => break,
                // `~` (tilde expansion) or an operator.
                Some(_) => return None,
            }
            lit = i;
        }
        let next = line_end(b, i)?;
        self.set(name, buf.as_str(), Loc::new(src, start));
        Some(next)
    }

    /// The inside of `"..."` from `i` (after the quote) into `buf`: text, `$` expansions
    /// and line continuations (removed), as `fast_line` takes them. Returns the offset
    /// after the closing quote.
    fn double_quoted(&self, src: &Arc<Source>, mut i: usize, buf: &mut String) -> Option<usize> {
        let text = src.text.as_str();
        let b = text.as_bytes();
        let mut s = i;
        loop {
            i = skip_to(b, i, STOP_DQ);
            match b.get(i) {
                Some(b'"') => {
                    buf.push_str(&text[s..i]);
                    return Some(i + 1);
                }
                Some(b'$') => {
                    buf.push_str(&text[s..i]);
                    i = self.expansion(src, i, true, buf)?;
                    s = i;
                }
                Some(b'\\') if b.get(i + 1) == Some(&b'\n') => {
                    buf.push_str(&text[s..i]);
                    i += 2;
                    s = i;
                }
                _ => return None,
            }
        }
    }

    /// `$name`, `${name}`, `${name-w}`, `${name:-w}`, `${name+w}` or `${name:+w}` at `i`
    /// (the forms `fast::fast_var` takes, less the assigning ones), expanded into `buf`
    /// as `Eval::expand` does. Returns the offset after it.
    fn expansion(&self, src: &Arc<Source>, i: usize, quoted: bool, buf: &mut String) -> Option<usize> {
        let text = src.text.as_str();
        let b = text.as_bytes();
        let braced = b.get(i + 1) == Some(&b'{');
        let s = if braced { i + 2 } else { i + 1 };
        if !b.get(s).is_some_and(|c| is_name_start(*c)) {
            return None;
        }
        let e = name_end(b, s + 1);
        let name = &text[s..e];
        // An unknown value is the token path's error to report (or a line it skips).
        let cur = |at| self.lookup(src, at, name).ok();
        if !braced {
            // `$name\<NL>x` joins the name: the grammar's.
            if b.get(e) == Some(&b'\\') {
                return None;
            }
            buf.push_str(cur(i)?.unwrap_or(""));
            return Some(e);
        }
        if b.get(e) == Some(&b'}') {
            buf.push_str(cur(i)?.unwrap_or(""));
            return Some(e + 1);
        }
        // (colon, use the word when set) of `:-` `-` `:+` `+`.
        let (colon, plus, ws) = match (b.get(e), b.get(e + 1)) {
            (Some(b':'), Some(b'-')) => (true, false, e + 2),
            (Some(b':'), Some(b'+')) => (true, true, e + 2),
            (Some(b'-'), _) => (false, false, e + 1),
            (Some(b'+'), _) => (false, true, e + 1),
            _ => return None,
        };
        let we = ws + memchr::memchr(b'}', &b[ws..])?;
        let word = &text[ws..we];
        // `~` at the start of an unquoted word is tilde expansion (an error here).
        if word
            .bytes()
            .any(|c| matches!(c, b'"' | b'\'' | b'\\' | b'$' | b'`' | b'\n'))
            || (!quoted && word.contains('~'))
        {
            return None;
        }
        let cur = cur(i)?;
        let empty = cur.is_none_or(str::is_empty);
        let set = cur.is_some() && !(colon && empty);
        buf.push_str(match (plus, set) {
            (false, true) => cur.unwrap_or(""),
            (false, false) | (true, true) => word,
            (true, false) => "",
        });
        Some(we + 1)
    }
}
