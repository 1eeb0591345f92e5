//! The fast statement path: statements and block headers of the common shape read
//! straight from the bytes, without the token queue. Most of a large file goes through
//! it; apart because it is a second reading of what the token path reads (tests.rs
//! holds the two equal), and nothing else depends on it.

use std::sync::Arc;

use smallvec::SmallVec;

use super::{Parser, Stream, yacc_statement_overflow};
use crate::diag::Source;
use crate::parse::jailconf::lexer::{find, is_word_byte, simple_var_end};
use crate::parse::jailconf::text::Text;
use crate::parse::jailconf::{CfParam, CfString, Op, VarRef, VarRun, marked_after, offset};

impl Parser<'_> {
    /// A statement, block header or block end of the common shape read straight from the
    /// bytes, without the token queue: the same records the token path gives (a unit
    /// test compares the two on random input), several times faster on large files.
    /// The shape of a statement: a name that is one word, `$name`, `${name}` or quoted
    /// string without `$`; `;`, `=`, `+=` or a value after a blank; values made of
    /// words, `/`, `*`, `+`, variables and quoted strings, with no backslash. Of a block
    /// header: a word or quoted string without `$`, then `{`. Blanks and comments may
    /// separate the tokens, but not follow a piece directly (that comment may cut the
    /// value: `Parsed::cuts`).
    ///
    /// `Fast::No` when the next item has another shape (an `.include`, an escape, an
    /// error): nothing was consumed, and the token path reads it from the same place.
    pub(super) fn fast_item(&mut self, s: &mut Stream) -> Fast {
        let src = &s.lexer.source;
        let b = src.text.as_bytes();
        let Some(start) = skip_trivia(b, s.lexer.pos) else {
            return Fast::No;
        };
        match b.get(start) {
            Some(b'}') => return Fast::Close(start),
            None => return Fast::No,
            _ => {}
        }
        // A statement declined after some of its values were read leaves nothing.
        let mark = self.var_list().len();
        self.fast_statement(s, start).unwrap_or_else(|| {
            self.var_list().truncate(mark);
            Fast::No
        })
    }

    /// `fast_item` for a statement or block header from `start` (past blanks and
    /// comments). The references of values it read before it declined are still in
    /// the parse's list: `fast_item` takes them out.
    fn fast_statement(&mut self, s: &mut Stream, start: usize) -> Option<Fast> {
        let src = &s.lexer.source;
        let b = src.text.as_bytes();
        let mut i = start;
        let (is_var, name) = match *b.get(i)? {
            c if is_word_byte(c) => {
                i = word_end(b, i);
                (false, (start, i))
            }
            b'$' => {
                let (vs, ve, e) = var_at(b, i)?;
                i = e;
                (true, (vs, ve))
            }
            q @ (b'"' | b'\'') => {
                let close = i + 1 + memchr::memchr3(q, b'\\', b'$', b.get(i + 1..)?)?;
                if b[close] != q {
                    return None;
                }
                i = close + 1;
                (false, (start + 1, close))
            }
            _ => return None,
        };
        let after_name = i;
        let j = skip_trivia_after_piece(b, i)?;
        if b.get(j) == Some(&b'{') && !is_var {
            // A block header.
            let name = Text::span(src, name.0, name.1);
            s.lexer.after_fast(j + 1);
            return Some(Fast::Open {
                name,
                header: start,
                open: j,
            });
        }
        let op = match b.get(j) {
            Some(b';') => Op::Bare,
            Some(b'=') => {
                i = skip_trivia(b, j + 1)?;
                Op::Set
            }
            Some(b'+') if b.get(j + 1) == Some(&b'=') => {
                i = skip_trivia(b, j + 2)?;
                Op::Append
            }
            Some(_) if j > after_name && starts_piece(b, j) => {
                i = j;
                Op::NameVal
            }
            _ => return None,
        };
        if !is_var && op != Op::Bare && &b[name.0..name.1] == b".include" {
            return None;
        }
        let mut values: SmallVec<[CfString; 1]> = SmallVec::new();
        if op == Op::Bare {
            i = j;
        } else {
            loop {
                if !starts_piece(b, i) {
                    return None;
                }
                let (value, end) = fast_string(src, i, self.var_list())?;
                values.push(value);
                let j = skip_trivia_after_piece(b, end)?;
                match b.get(j) {
                    Some(b',') => i = skip_trivia(b, j + 1)?,
                    Some(b';') => {
                        i = j;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        // `i` is at the `;`.
        let end = i + 1;
        let param = CfParam {
            name: Text::name(src, name.0, name.1),
            is_var,
            op,
            values,
            file: s.file,
            start: offset(start),
            end: offset(end),
            marked: marked_after(&src.text, end),
        };
        s.lexer.after_fast(end);
        self.note_names(&param);
        // In a block (as nearly every statement is), `place` would push it there: done
        // here, the statement is not moved through two more calls.
        if self.current.is_some() && yacc_statement_overflow(s, &param).is_none() {
            self.push_to_block(param);
            return Some(Fast::Placed);
        }
        Some(Fast::Statement(param))
    }
}

/// What `Parser::fast_item` read.
pub(super) enum Fast {
    Statement(CfParam),
    /// A block header: its name, its offset and that of its `{`.
    Open {
        name: Text,
        header: usize,
        open: usize,
    },
    /// A statement already added to the block being read.
    Placed,
    /// A `}`, at this offset; not consumed (only a block's `conf` may).
    Close(usize),
    /// Something for the token path.
    No,
}

/// Past blanks and comments from `i`; None at an unterminated `/*` (the token path
/// reports it).
#[inline]
pub(super) fn skip_trivia(b: &[u8], mut i: usize) -> Option<usize> {
    // Mostly a newline and a tab or two between statements: those inline, comments not.
    while let Some(&c) = b.get(i) {
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'#' | b'/' => return skip_comments(b, i),
            _ => return Some(i),
        }
    }
    Some(i)
}

#[inline(never)]
fn skip_comments(b: &[u8], mut i: usize) -> Option<usize> {
    loop {
        match b.get(i) {
            Some(b' ' | b'\t' | b'\r' | b'\n') => i += 1,
            Some(b'#') => i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n),
            Some(b'/') => match b.get(i + 1) {
                Some(b'/') => i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n),
                Some(b'*') => i = find(b, i + 2, b"*/")? + 2,
                _ => return Some(i),
            },
            _ => return Some(i),
        }
    }
}

/// `skip_trivia` right after a piece: None when a comment starts right there (it may
/// cut an unquoted value, which the token path records).
#[inline]
fn skip_trivia_after_piece(b: &[u8], i: usize) -> Option<usize> {
    match (b.get(i), b.get(i + 1)) {
        (Some(b'#'), _) | (Some(b'/'), Some(b'/' | b'*')) => None,
        _ => skip_trivia(b, i),
    }
}

/// The end of the unquoted word starting at `i`.
#[inline]
fn word_end(b: &[u8], i: usize) -> usize {
    i + b[i..].iter().take_while(|&&c| is_word_byte(c)).count()
}

/// Whether a value piece starts at `i` (that the fast path may read: no backslash).
fn starts_piece(b: &[u8], i: usize) -> bool {
    match b.get(i) {
        Some(&c) if is_word_byte(c) => true,
        Some(b'$' | b'\'' | b'"' | b'*') => true,
        Some(b'/') => !matches!(b.get(i + 1), Some(b'/' | b'*')),
        Some(b'+') => b.get(i + 1) != Some(&b'='),
        _ => false,
    }
}

/// A variable at the `$` at `i` outside quotes: its name's range and its end. None for a
/// `$` that starts no variable, and for a `${` the token path must judge.
fn var_at(b: &[u8], i: usize) -> Option<(usize, usize, usize)> {
    if let Some(e) = simple_var_end(b, i) {
        return Some((i + 1, e, e));
    }
    match b.get(i + 1) {
        Some(b'{') => {
            let close = i + 2 + memchr::memchr3(b'}', b'\n', b'{', b.get(i + 2..)?)?;
            if b[close] != b'}' || b[i + 2..close].contains(&b'\\') {
                return None;
            }
            Some((i + 2, close, close + 1))
        }
        _ => None,
    }
}

/// The literal text of a string being read by `fast_string`: a span of the source
/// while its pieces are adjacent, as `Parser::string` keeps it.
struct Lit {
    span: Option<(usize, usize)>,
    own: Option<String>,
    len: usize,
}

impl Lit {
    #[inline]
    fn push(&mut self, text: &str, a: usize, e: usize) {
        if a == e {
            return;
        }
        match (&mut self.own, self.span) {
            (Some(o), _) => o.push_str(&text[a..e]),
            (None, None) => self.span = Some((a, e)),
            (None, Some((sa, se))) if se == a => self.span = Some((sa, e)),
            (None, Some((sa, se))) => {
                let mut o = String::with_capacity(se - sa + e - a);
                o.push_str(&text[sa..se]);
                o.push_str(&text[a..e]);
                self.own = Some(o);
            }
        }
        self.len += e - a;
    }
}

/// One value string from the piece at `i` (`Parser::string` on the tokens the scanner
/// gives for it), its references added to `vars` (the parse's list), and where it
/// ends; None for a piece the token path must read.
fn fast_string(src: &Arc<Source>, mut i: usize, vars: &mut Vec<VarRef>) -> Option<(CfString, usize)> {
    let text = src.text.as_str();
    let b = text.as_bytes();
    let first = i;
    let mut lit = Lit {
        span: None,
        own: None,
        len: 0,
    };
    let first_var = vars.len();
    loop {
        match b.get(i) {
            Some(&c) if is_word_byte(c) => {
                let e = word_end(b, i);
                lit.push(text, i, e);
                i = e;
            }
            Some(b'*') => {
                lit.push(text, i, i + 1);
                i += 1;
            }
            Some(b'/') if !matches!(b.get(i + 1), Some(b'/' | b'*')) => {
                lit.push(text, i, i + 1);
                i += 1;
            }
            Some(b'+') if b.get(i + 1) != Some(&b'=') => {
                lit.push(text, i, i + 1);
                i += 1;
            }
            Some(b'$') => match var_at(b, i) {
                Some((vs, ve, e)) => {
                    vars.push(VarRef {
                        name: Text::name(src, vs, ve),
                        pos: offset(lit.len),
                        at: offset(i),
                    });
                    i = e;
                }
                // `${` the token path must judge.
                None if b.get(i + 1) == Some(&b'{') => return None,
                None => {
                    lit.push(text, i, i + 1);
                    i += 1;
                }
            },
            Some(b'\'') => {
                let close = i + 1 + memchr::memchr2(b'\'', b'\\', b.get(i + 1..)?)?;
                if b[close] != b'\'' {
                    return None;
                }
                lit.push(text, i + 1, close);
                i = close + 1;
            }
            Some(b'"') => i = fast_dquote(src, i, &mut lit, vars)?,
            Some(b'\\') => return None,
            _ => break,
        }
    }
    let text = match (lit.own, lit.span) {
        (Some(o), _) => Text::from(o),
        (None, Some((a, e))) => Text::span(src, a, e),
        (None, None) => Text::from(""),
    };
    let vars = VarRun::new(first_var, vars.len() - first_var);
    Some((
        CfString {
            text,
            vars,
            start: first,
        },
        i,
    ))
}

/// A double-quoted string at `i`, as jaillex.l's DQ state splits it: text, `$name`,
/// `${name}` and lone `$`s. Returns the offset after its closing quote.
fn fast_dquote(src: &Arc<Source>, i: usize, lit: &mut Lit, vars: &mut Vec<VarRef>) -> Option<usize> {
    let text = src.text.as_str();
    let b = text.as_bytes();
    let mut k = i + 1;
    loop {
        let d = k + memchr::memchr3(b'"', b'\\', b'$', b.get(k..)?)?;
        lit.push(text, k, d);
        match b[d] {
            b'"' => return Some(d + 1),
            b'\\' => return None,
            _ => {}
        }
        // A `$` inside the quotes.
        if let Some(e) = simple_var_end(b, d) {
            vars.push(VarRef {
                name: Text::name(src, d + 1, e),
                pos: offset(lit.len),
                at: offset(d),
            });
            k = e;
            continue;
        }
        match b.get(d + 1) {
            Some(b'{') => {
                let close = d + 2 + memchr::memchr3(b'}', b'"', b'\\', b.get(d + 2..)?)?;
                if b[close] != b'}' || b[d + 2..close].iter().any(|&c| c == b'\n' || c == b'{') {
                    return None;
                }
                vars.push(VarRef {
                    name: Text::name(src, d + 2, close),
                    pos: offset(lit.len),
                    at: offset(d),
                });
                k = close + 1;
            }
            _ => {
                lit.push(text, d, d + 1);
                k = d + 1;
            }
        }
    }
}
