//! The tokens the lexers produce and the evaluator reads: words made of parts that
//! borrow from the file. Shared by the grammar lexer, the fast path and the evaluator.

use std::borrow::Cow;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BOp {
    Minus,
    ColonMinus,
    Assign,
    ColonAssign,
    Plus,
    ColonPlus,
}

/// A piece of a word. Texts and names borrow from the file (`'s`): a copy of each
/// was, with freeing it, most of the lexer's work on a large file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Part<'s> {
    /// Text; `quoted` when it came from quotes or a backslash (no tilde expansion).
    /// Owned only when pieces that are apart in the file were joined.
    Lit { text: Cow<'s, str>, quoted: bool },
    /// `$name` / `${name}`; `quoted` when inside double quotes. Owned only when line
    /// continuations inside `$name` were removed (`$a\<NL>b` is `$ab`).
    Var {
        name: Cow<'s, str>,
        start: usize,
        quoted: bool,
    },
    /// `${name OP word}`
    Op {
        name: &'s str,
        op: BOp,
        word: Vec<Part<'s>>,
        start: usize,
        quoted: bool,
    },
    /// Something sh would run or reject: (offset, message, syntax error?).
    Bad { start: usize, msg: String, syntax: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Word<'s> {
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) parts: Vec<Part<'s>>,
}

/// An assignment word: `name=` then the value, which is the unquoted text `head` (the
/// rest of the word's first literal; the value's first part when not empty) and `tail`.
pub(super) struct Assign<'w> {
    pub(super) name: &'w str,
    pub(super) head: &'w str,
    pub(super) tail: &'w [Part<'w>],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Tok<'s> {
    Newline,
    Op(usize, &'s str),
    Heredoc(usize),
    Word(Word<'s>),
}

impl Word<'_> {
    /// The word's text when it is one unquoted literal (keywords, command names).
    pub(super) fn plain(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [Part::Lit { text, quoted: false }] => Some(text),
            _ => None,
        }
    }

    /// `NAME=` at the start of the word, unquoted: an assignment. Borrowed from the word:
    /// asked several times per word, a copy of the value's parts was a fifth of `vars`.
    pub(super) fn assignment(&self) -> Option<Assign<'_>> {
        let Some(Part::Lit { text, quoted: false }) = self.parts.first() else {
            return None;
        };
        // The name's characters, then `=` (one pass over a short name).
        let b = text.as_bytes();
        let eq = b.iter().position(|&c| !is_name_char(c))?;
        if b[eq] != b'=' || !b.first().is_some_and(|&c| is_name_start(c)) {
            return None;
        }
        let name = &text[..eq];
        Some(Assign {
            name,
            head: &text[eq + 1..],
            tail: &self.parts[1..],
        })
    }

    pub(super) fn first_bad(&self) -> Option<(usize, &str, bool)> {
        first_bad(&self.parts)
    }
}

fn first_bad<'p>(parts: &'p [Part<'_>]) -> Option<(usize, &'p str, bool)> {
    for p in parts {
        match p {
            Part::Bad { start, msg, syntax } => return Some((*start, msg, *syntax)),
            Part::Op { word, .. } => {
                if let Some(b) = first_bad(word) {
                    return Some(b);
                }
            }
            _ => {}
        }
    }
    None
}

pub(super) fn is_name(s: &str) -> bool {
    match s.as_bytes().split_first() {
        Some((&c, rest)) => is_name_start(c) && rest.iter().all(|&c| is_name_char(c)),
        None => false,
    }
}

/// Whether a plain word is one of `KEYWORDS` (none is longer than 8 bytes: most words,
/// assignments, are ruled out by their length).
pub(super) fn is_keyword(w: &str) -> bool {
    w.len() <= 8 && KEYWORDS.contains(&w)
}

const KEYWORDS: &[&str] = &[
    "if", "then", "else", "elif", "fi", "case", "esac", "for", "while", "until", "do", "done", "{", "}", "!",
    "function", "[[", "select",
];

pub(super) fn is_name_start(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphabetic()
}

pub(super) fn is_name_char(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphanumeric()
}

pub(super) fn push_lit<'s>(parts: &mut Vec<Part<'s>>, s: &'s str, quoted: bool) {
    if let Some(Part::Lit { text, quoted: q }) = parts.last_mut()
        && *q == quoted
    {
        if text.is_empty() {
            *text = Cow::Borrowed(s);
        } else if !s.is_empty() {
            text.to_mut().push_str(s);
        }
        return;
    }
    parts.push(Part::Lit {
        text: Cow::Borrowed(s),
        quoted,
    });
}

pub(super) fn bad(parts: &mut Vec<Part<'_>>, start: usize, msg: impl Into<String>, syntax: bool) {
    parts.push(Part::Bad {
        start,
        msg: msg.into(),
        syntax,
    });
}
