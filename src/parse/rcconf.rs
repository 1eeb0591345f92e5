//! rc.conf(5) reader: the sh subset real rc.conf files use, evaluated exactly as /bin/sh
//! would (grammar/rcconf.pest for the tokens; this file for commands and expansion).
//!
//! What is evaluated: assignments (`a=1 b=2`, `a=1; b=2`), `export NAME=...` and
//! `export NAME`, quoting (double, single, backslash), line continuation, comments, and
//! `$x`, `${x}`, `${x-w}`, `${x:-w}`, `${x=w}`, `${x:=w}`, `${x+w}`, `${x:+w}`. Anything
//! else sh would run is an error at the position where it opens (exit 65), or, with
//! `RcOptions::skip_unsupported`, a warning: the statement is skipped and every variable
//! it could have set is "tainted", so a later value that reads one is still an error.
//!
//! The process environment is never imported: rc(8) reads rc.conf with a clean
//! environment. Variables the shell or rc sets itself (`PATH`, `HOME`, `IFS`, `PWD`...)
//! cannot be read before the files assign them. See docs/rcconf.md.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use indexmap::IndexMap;
use pest::Parser;
use pest::iterators::Pair;
use smallvec::SmallVec;

use crate::diag::{Diag, Loc, Source, exit};
use crate::parse::loader::Loader;

/// One evaluated variable: its final value and the assignment that set it.
#[derive(Debug, Clone)]
pub struct RcVar {
    pub value: String,
    pub loc: Loc,
}

/// Variables in order of first assignment, holding the values sh would hold after
/// reading the files in order.
#[derive(Debug, Clone, Default)]
pub struct RcVars {
    pub vars: IndexMap<String, RcVar>,
}

impl RcVars {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(|v| v.value.as_str())
    }
}

#[derive(Debug, Clone, Default)]
pub struct RcOptions {
    /// Warn about and skip lines sh would run but jailvol cannot evaluate statically.
    pub skip_unsupported: bool,
}

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/rcconf.pest"]
struct Lexer;

#[cfg(test)]
#[path = "rcconf_v1.rs"]
mod v1;

/// Variables whose value comes from the shell itself or from the environment rc(8) and
/// service(8) give it. Reading one before the files assign it is an error: its value on
/// the host is not known here.
const ENV_NAMES: &[&str] = &[
    "HOME", "PATH", "IFS", "PS1", "PS2", "PS4", "OPTIND", "OPTARG", "PPID", "PWD", "OLDPWD", "LINENO", "ENV",
    "TERM", "USER", "LOGNAME", "SHELL", "MAIL", "MAILPATH", "HISTSIZE", "RC_PID", "_",
];

/// Maximum nesting of `${`, `$(` and `(`, as `check_nesting` counts it (every `}` and `)`
/// closes a level, quoted or not). It was added when the grammar backtracked on an
/// unterminated level about three times per level (found by fuzzing: 16 levels ran for
/// minutes); the grammar now commits and takes linear time, but the limit stays: no
/// real rc.conf nests anywhere near this deep.
const MAX_NESTING: usize = 8;

/// Maximum nesting of `${x-word}` words as the grammar reads them, which `MAX_NESTING`
/// does not bound when `}` or `)` that close nothing lower its count (`${a-)${a-)...`).
/// The evaluator recurses on them, and pest uses the stack up to its last 64 KiB (then
/// fails): without this limit, 11,000 levels overflowed the stack.
const MAX_DEPTH: usize = 100;

// ------------------------------------------------------------------ tokens

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BOp {
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
enum Part<'s> {
    /// Text; `quoted` when it came from quotes or a backslash (no tilde expansion).
    /// Owned only when pieces that are apart in the file were joined.
    Lit { text: Cow<'s, str>, quoted: bool },
    /// `$name` / `${name}`; `quoted` when inside double quotes.
    Var {
        name: &'s str,
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
struct Word<'s> {
    start: usize,
    end: usize,
    parts: Vec<Part<'s>>,
}

/// An assignment word: `name=` then the value, which is the unquoted text `head` (the
/// rest of the word's first literal; the value's first part when not empty) and `tail`.
struct Assign<'w> {
    name: &'w str,
    head: &'w str,
    tail: &'w [Part<'w>],
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok<'s> {
    Newline,
    Op(usize, &'s str),
    Heredoc(usize),
    Word(Word<'s>),
}

impl Word<'_> {
    /// The word's text when it is one unquoted literal (keywords, command names).
    fn plain(&self) -> Option<&str> {
        match self.parts.as_slice() {
            [Part::Lit { text, quoted: false }] => Some(text),
            _ => None,
        }
    }

    /// `NAME=` at the start of the word, unquoted: an assignment. Borrowed from the word:
    /// asked several times per word, a copy of the value's parts was a fifth of `vars`.
    fn assignment(&self) -> Option<Assign<'_>> {
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

    fn first_bad(&self) -> Option<(usize, &str, bool)> {
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

fn is_name(s: &str) -> bool {
    match s.as_bytes().split_first() {
        Some((&c, rest)) => is_name_start(c) && rest.iter().all(|&c| is_name_char(c)),
        None => false,
    }
}

/// Whether a plain word is one of `KEYWORDS` (none is longer than 8 bytes: most words,
/// assignments, are ruled out by their length).
fn is_keyword(w: &str) -> bool {
    w.len() <= 8 && KEYWORDS.contains(&w)
}

const KEYWORDS: &[&str] = &[
    "if", "then", "else", "elif", "fi", "case", "esac", "for", "while", "until", "do", "done", "{", "}", "!",
    "function", "[[", "select",
];

/// Reject input nested deeper than the recursive lexer and evaluator should go.
fn check_nesting(src: &Arc<Source>) -> Result<(), Diag> {
    let b = src.text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        // Outside any level only a `$` can open one: jump to the next (a byte at a time
        // this scan was a tenth of `vars` on a large file).
        if depth == 0 {
            match memchr::memchr(b'$', &b[i..]) {
                Some(n) => i += n,
                None => break,
            }
        }
        match b[i] {
            b'$' if matches!(b.get(i + 1), Some(b'{') | Some(b'(')) => {
                depth += 1;
                i += 1;
            }
            b'(' if depth > 0 => depth += 1,
            b'}' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > MAX_NESTING {
            return Err(Diag::at(
                src,
                i,
                format!("expansions are nested too deeply (more than {MAX_NESTING} levels)"),
            ));
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
fn lex(src: &Arc<Source>) -> Result<Vec<Tok<'_>>, Diag> {
    lex_with(src, true)
}

/// Split a file into tokens, line by line: a simple line (assignments of plain, quoted
/// or `$name` values, comments) is lexed by `fast_line`; any other line by the pest
/// grammar's `line` rule. `fast`: false to use the grammar only (for tests).
#[cfg(test)]
fn lex_with(src: &Arc<Source>, fast: bool) -> Result<Vec<Tok<'_>>, Diag> {
    check_nesting(src)?;
    lex_from(src, 0, fast)
}

/// `lex_with` from `pos` (the start of a line) to the end, `check_nesting` done.
fn lex_from(src: &Arc<Source>, mut pos: usize, fast: bool) -> Result<Vec<Tok<'_>>, Diag> {
    let text = src.text.as_str();
    let mut toks = Vec::new();
    while pos < text.len() {
        if fast && let Some(next) = fast_line(text, pos, &mut toks) {
            pos = next;
            continue;
        }
        // pest indexes the lines of the whole input it is given, so give it a window:
        // this line and the next, doubled while the line runs to the window's end (a
        // multi-line quote, or a construct that would see the window's end as EOF).
        let mut wend = line_end(text, line_end(text, pos));
        let line = loop {
            let mut pairs = Lexer::parse(Rule::line, &text[pos..wend]).map_err(|e| {
                let off = match e.location {
                    pest::error::InputLocation::Pos(p) => p,
                    pest::error::InputLocation::Span((p, _)) => p,
                };
                Diag::at(src, pos + off, "syntax error")
            })?;
            let Some(line) = pairs.next() else {
                return Err(Diag::at(src, pos, "syntax error"));
            };
            if pos + line.as_span().end() == wend && wend < text.len() {
                wend = line_end(text, pos + 2 * (wend - pos));
                continue;
            }
            break line;
        };
        let end = pos + line.as_span().end();
        if end <= pos {
            return Err(Diag::at(src, pos, "syntax error"));
        }
        for p in line.into_inner() {
            let start = pos + p.as_span().start();
            match p.as_rule() {
                Rule::newline => toks.push(Tok::Newline),
                Rule::op => toks.push(Tok::Op(start, p.as_str())),
                Rule::heredoc => toks.push(Tok::Heredoc(start)),
                Rule::word => {
                    let end = pos + p.as_span().end();
                    let mut parts = Vec::new();
                    for q in p.into_inner() {
                        part(q, pos, &mut parts, false, 0);
                    }
                    toks.push(Tok::Word(Word { start, end, parts }));
                }
                _ => {}
            }
        }
        pos = end;
    }
    Ok(toks)
}

/// The offset after the newline ending the line that holds `from` (or the end of text).
fn line_end(text: &str, from: usize) -> usize {
    let b = text.as_bytes();
    if from >= b.len() {
        return b.len();
    }
    match b[from..].iter().position(|c| *c == b'\n') {
        Some(n) => from + n + 1,
        None => b.len(),
    }
}

fn is_name_start(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphabetic()
}

fn is_name_char(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphanumeric()
}

/// Characters that end an unquoted literal (the grammar's `lit`).
fn ends_lit(c: u8) -> bool {
    matches!(
        c,
        b' ' | b'\t'
            | b'\n'
            | b';'
            | b'&'
            | b'|'
            | b'('
            | b')'
            | b'<'
            | b'>'
            | b'\''
            | b'"'
            | b'\\'
            | b'$'
            | b'`'
    )
}

/// `$name`, `${name}` or `${name OP text}` (OP one of :- - := = :+ +, text without
/// quotes, backslashes, expansions or newlines) at `i`, followed by something that
/// cannot extend it. Pushes the part; returns the end of the expansion.
fn fast_var<'s>(text: &'s str, i: usize, parts: &mut Vec<Part<'s>>, in_dq: bool) -> Option<usize> {
    let b = text.as_bytes();
    if b.get(i) != Some(&b'$') {
        return None;
    }
    let braced = b.get(i + 1) == Some(&b'{');
    let s = if braced { i + 2 } else { i + 1 };
    if !b.get(s).is_some_and(|c| is_name_start(*c)) {
        return None;
    }
    let mut e = s + 1;
    while b.get(e).is_some_and(|c| is_name_char(*c)) {
        e += 1;
    }
    let name = &text[s..e];
    if !braced {
        // `$name\<NL>x` joins the name: leave it to the grammar.
        if b.get(e) == Some(&b'\\') {
            return None;
        }
        parts.push(Part::Var {
            name,
            start: i,
            quoted: in_dq,
        });
        return Some(e);
    }
    if b.get(e) == Some(&b'}') {
        parts.push(Part::Var {
            name,
            start: i,
            quoted: in_dq,
        });
        return Some(e + 1);
    }
    let (op, oplen) = match (b.get(e), b.get(e + 1)) {
        (Some(b':'), Some(b'-')) => (BOp::ColonMinus, 2),
        (Some(b':'), Some(b'=')) => (BOp::ColonAssign, 2),
        (Some(b':'), Some(b'+')) => (BOp::ColonPlus, 2),
        (Some(b'-'), _) => (BOp::Minus, 1),
        (Some(b'='), _) => (BOp::Assign, 1),
        (Some(b'+'), _) => (BOp::Plus, 1),
        _ => return None,
    };
    let ws = e + oplen;
    let mut we = ws;
    loop {
        match b.get(we) {
            Some(b'}') => break,
            None | Some(b'"' | b'\'' | b'\\' | b'$' | b'`' | b'\n') => return None,
            Some(_) => we += 1,
        }
    }
    let mut word = Vec::new();
    if ws < we {
        push_lit(&mut word, &text[ws..we], in_dq);
    }
    parts.push(Part::Op {
        name,
        op,
        word,
        start: i,
        quoted: in_dq,
    });
    Some(we + 1)
}

/// Lex one simple physical line starting at `pos` without pest: blanks, comments and
/// `NAME=value` words whose value is made of unquoted characters, single-quoted text
/// without a newline, double-quoted text without `\\`, `` ` `` or a newline, and `$name` /
/// `${name}`. Returns the offset after the line, or None (and pushes nothing) for any
/// other line. Produces exactly the tokens the grammar would (checked by a property test).
fn fast_line<'s>(text: &'s str, pos: usize, toks: &mut Vec<Tok<'s>>) -> Option<usize> {
    fast_line_reusing(text, pos, toks, &mut Vec::new())
}

/// `fast_line`, taking the words' part lists from `spare` (emptied lists of earlier
/// lines: `Eval::run` reads a file line by line, and a list per word was an
/// allocation and a free per assignment).
fn fast_line_reusing<'s>(
    text: &'s str,
    pos: usize,
    toks: &mut Vec<Tok<'s>>,
    spare: &mut Vec<Vec<Part<'s>>>,
) -> Option<usize> {
    // The tokens go straight into `toks`, taken back when the line is not simple.
    let before = toks.len();
    let end = fast_line_into(text, pos, toks, spare);
    if end.is_none() {
        toks.truncate(before);
    }
    end
}

fn fast_line_into<'s>(
    text: &'s str,
    pos: usize,
    out: &mut Vec<Tok<'s>>,
    spare: &mut Vec<Vec<Part<'s>>>,
) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = pos;
    loop {
        while matches!(b.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        match b.get(i) {
            None => break,
            Some(b'\n') => {
                out.push(Tok::Newline);
                i += 1;
                break;
            }
            Some(b'#') => {
                while !matches!(b.get(i), None | Some(b'\n')) {
                    i += 1;
                }
                continue;
            }
            Some(c) if is_name_start(*c) => {}
            Some(_) => return None,
        }
        // A word that must start with NAME=.
        let start = i;
        while b.get(i).is_some_and(|c| is_name_char(*c)) {
            i += 1;
        }
        if b.get(i) != Some(&b'=') {
            return None;
        }
        let mut parts: Vec<Part<'s>> = spare.pop().unwrap_or_default();
        let mut lit_start = start;
        loop {
            let c = b.get(i).copied();
            match c {
                Some(c) if !ends_lit(c) => {
                    i += 1;
                    continue;
                }
                _ => {}
            }
            if lit_start < i {
                push_lit(&mut parts, &text[lit_start..i], false);
            }
            match c {
                Some(b'\'') => {
                    let s = i + 1;
                    let mut e = s;
                    while !matches!(b.get(e), None | Some(b'\'') | Some(b'\n')) {
                        e += 1;
                    }
                    if b.get(e) != Some(&b'\'') {
                        return None;
                    }
                    push_lit(&mut parts, &text[s..e], true);
                    i = e + 1;
                }
                Some(b'"') => {
                    push_lit(&mut parts, "", true);
                    i += 1;
                    let mut s = i;
                    loop {
                        match b.get(i) {
                            Some(b'"') => {
                                if s < i {
                                    push_lit(&mut parts, &text[s..i], true);
                                }
                                i += 1;
                                break;
                            }
                            Some(b'$') => {
                                if s < i {
                                    push_lit(&mut parts, &text[s..i], true);
                                }
                                i = fast_var(text, i, &mut parts, true)?;
                                s = i;
                            }
                            // Line continuation inside the quotes: removed.
                            Some(b'\\') if b.get(i + 1) == Some(&b'\n') => {
                                if s < i {
                                    push_lit(&mut parts, &text[s..i], true);
                                }
                                i += 2;
                                s = i;
                            }
                            None | Some(b'\\' | b'`' | b'\n') => return None,
                            Some(_) => i += 1,
                        }
                    }
                }
                Some(b'$') => {
                    i = fast_var(text, i, &mut parts, false)?;
                }
                None | Some(b' ' | b'\t' | b'\n') => break,
                Some(_) => return None,
            }
            lit_start = i;
        }
        out.push(Tok::Word(Word { start, end: i, parts }));
    }
    Some(i)
}

fn push_lit<'s>(parts: &mut Vec<Part<'s>>, s: &'s str, quoted: bool) {
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

fn bad(parts: &mut Vec<Part<'_>>, start: usize, msg: impl Into<String>, syntax: bool) {
    parts.push(Part::Bad {
        start,
        msg: msg.into(),
        syntax,
    });
}

/// A construct whose closer is missing: its last token is the grammar's `open` (the rest
/// of the input). A construct that is closed contains no `open` at all.
fn unterminated(p: &Pair<'_, Rule>) -> bool {
    p.clone()
        .into_inner()
        .next_back()
        .is_some_and(|q| q.as_rule() == Rule::open)
}

/// Turn one lexer pair into parts. `in_dq`: inside double quotes (for `quoted` flags);
/// `depth`: the number of `${x-word}` words around it.
fn part<'s>(p: Pair<'s, Rule>, base: usize, parts: &mut Vec<Part<'s>>, in_dq: bool, depth: usize) {
    let start = base + p.as_span().start();
    let s = p.as_str();
    match p.as_rule() {
        Rule::lit | Rule::bw_lit => push_lit(parts, s, in_dq),
        Rule::dq_lit | Rule::bwq_lit => push_lit(parts, s, true),
        Rule::esc | Rule::dq_esc | Rule::bq_esc => push_lit(parts, &s[1..], true),
        Rule::sq if unterminated(&p) => bad(parts, start, "unterminated single quote", true),
        Rule::sq => push_lit(parts, &s[1..s.len() - 1], true),
        Rule::dq | Rule::dq_in if unterminated(&p) => bad(parts, start, "unterminated double quote", true),
        Rule::dq | Rule::dq_in => {
            // An empty "" still makes the word quoted: keep an empty quoted literal.
            push_lit(parts, "", true);
            for q in p.into_inner() {
                part(q, base, parts, true, depth);
            }
        }
        Rule::lone_dollar => push_lit(parts, "$", in_dq),
        Rule::svar => parts.push(Part::Var {
            name: &s[1..],
            start,
            quoted: in_dq,
        }),
        Rule::bvar | Rule::bvar_q | Rule::bvar_other if unterminated(&p) => {
            bad(parts, start, "unterminated `${`", true)
        }
        Rule::bvar | Rule::bvar_q => {
            let mut inner = p.into_inner();
            let name = inner.next().map_or("", |n| n.as_str());
            match inner.next() {
                None => parts.push(Part::Var {
                    name,
                    start,
                    quoted: in_dq,
                }),
                Some(_) if depth >= MAX_DEPTH => bad(
                    parts,
                    start,
                    format!("expansions are nested too deeply (more than {MAX_DEPTH} levels)"),
                    true,
                ),
                Some(opp) => {
                    let op = match opp.as_str() {
                        ":-" => BOp::ColonMinus,
                        ":=" => BOp::ColonAssign,
                        ":+" => BOp::ColonPlus,
                        "-" => BOp::Minus,
                        "=" => BOp::Assign,
                        _ => BOp::Plus,
                    };
                    let mut word = Vec::new();
                    if let Some(w) = inner.next() {
                        for q in w.into_inner() {
                            part(q, base, &mut word, in_dq, depth + 1);
                        }
                    }
                    parts.push(Part::Op {
                        name,
                        op,
                        word,
                        start,
                        quoted: in_dq,
                    });
                }
            }
        }
        Rule::bq if unterminated(&p) => bad(parts, start, "unterminated backquote", true),
        Rule::bq | Rule::cmdsub if !unterminated(&p) => {
            bad(parts, start, "command substitution is not supported", false)
        }
        Rule::cmdsub | Rule::arith if unterminated(&p) => {
            bad(parts, start, "unterminated command substitution", true)
        }
        Rule::arith if p.clone().into_inner().any(|q| q.as_rule() == Rule::arith_end) => {
            bad(parts, start, "arithmetic expansion is not supported", false)
        }
        // `$((a) b)`: a command substitution.
        Rule::arith => bad(parts, start, "command substitution is not supported", false),
        Rule::esc_eof => bad(parts, start, "backslash at end of file", false),
        Rule::bvar_other => {
            let msg = if s.contains("\\\n") {
                "line continuation inside `${...}` is not supported".to_owned()
            } else if s.starts_with("${#") {
                "`${#...}` (length) is not supported".to_owned()
            } else {
                let shown: String = s.chars().take(24).collect();
                let more = if shown.len() < s.len() { "..." } else { "" };
                format!("parameter expansion `{shown}{more}` is not supported")
            };
            bad(parts, start, msg, false)
        }
        Rule::dollar_cont | Rule::svar_cont => bad(
            parts,
            start,
            "line continuation inside a variable name is not supported",
            false,
        ),
        Rule::special => bad(
            parts,
            start,
            format!("special parameter `{s}` is not supported"),
            false,
        ),
        Rule::dollar_sq => bad(
            parts,
            start,
            "`$'...'` quoting is not supported (FreeBSD sh and dash read it differently)",
            false,
        ),
        _ => {}
    }
}

// ------------------------------------------------------------------ evaluation

/// Why a name's value is unknown: the skipped statement that could have set it.
#[derive(Debug, Clone)]
struct Taint {
    loc: Loc,
}

struct Eval<'o> {
    opts: &'o RcOptions,
    vars: IndexMap<String, RcVar>,
    /// Generation of each variable's last assignment (for global taints), by index in
    /// `vars` (a map of its own cost a hash and a copy of the name per assignment).
    gens: Vec<u64>,
    gen_counter: u64,
    tainted: HashMap<String, Taint>,
    /// A skipped statement that could have set any variable (`. file`, `eval`): every
    /// name not assigned after it is unknown.
    global_taint: Option<(u64, Taint)>,
    /// Names set only while seeding from /etc/defaults/rc.conf: readable, not output.
    hidden: HashSet<String>,
    /// Seeding: skip silently, no taints, values hidden.
    seed: bool,
    warnings: Vec<Diag>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Assign,
    Export,
}

impl<'o> Eval<'o> {
    fn new(opts: &'o RcOptions) -> Eval<'o> {
        Eval {
            opts,
            vars: IndexMap::new(),
            gens: Vec::new(),
            gen_counter: 0,
            tainted: HashMap::new(),
            global_taint: None,
            hidden: HashSet::new(),
            seed: false,
            warnings: Vec::new(),
        }
    }

    fn skipping(&self) -> bool {
        self.seed || self.opts.skip_unsupported
    }

    fn set(&mut self, name: &str, value: String, loc: Loc) {
        self.gen_counter += 1;
        // (Most files skip nothing and have no defaults: ask the maps only when they
        // have something.)
        if !self.tainted.is_empty() {
            self.tainted.remove(name);
        }
        if self.seed {
            if !self.vars.contains_key(name) {
                self.hidden.insert(name.to_owned());
            }
        } else if !self.hidden.is_empty() && self.hidden.remove(name) {
            // First assignment by the admin's files: that is where it is listed.
            self.unset(name);
        }
        // An existing name keeps its place (IndexMap::insert): one hash either way.
        let (i, old) = self.vars.insert_full(name.to_owned(), RcVar { value, loc });
        match old {
            Some(_) => self.gens[i] = self.gen_counter,
            None => self.gens.push(self.gen_counter),
        }
    }

    fn unset(&mut self, name: &str) {
        if let Some((i, ..)) = self.vars.shift_remove_full(name) {
            self.gens.remove(i);
        }
    }

    /// The value of `name` (None if unset), or an error if it is not known.
    fn lookup(&self, src: &Arc<Source>, at: usize, name: &str) -> Result<Option<&str>, Diag> {
        if !self.tainted.is_empty()
            && let Some(t) = self.tainted.get(name)
        {
            let (l, c) = t.loc.line_col();
            return Err(Diag::at(
                src,
                at,
                format!("the value of `{name}` is unknown: a skipped statement may set it"),
            )
            .with_note(format!("skipped at {}:{l}:{c}", t.loc.file())));
        }
        let found = self.vars.get_full(name);
        if let Some((g, t)) = &self.global_taint
            && found.is_none_or(|(i, ..)| self.gens.get(i).is_none_or(|mine| mine < g))
        {
            let (l, c) = t.loc.line_col();
            return Err(Diag::at(
                src,
                at,
                format!("the value of `{name}` is unknown: a skipped statement may set any variable"),
            )
            .with_note(format!("skipped at {}:{l}:{c}", t.loc.file())));
        }
        match found {
            Some((_, _, v)) => Ok(Some(v.value.as_str())),
            None if ENV_NAMES.contains(&name) => Err(Diag::at(
                src,
                at,
                format!(
                    "`${name}` is set by the shell or the environment rc(8) runs in; \
                     its value on the host is not known here"
                ),
            )),
            None => Ok(None),
        }
    }

    /// Evaluate a file: as if it were lexed whole and then run (a syntax error anywhere
    /// is the error, before any error of evaluation), but line by line while the lines
    /// are simple (`fast_line`): the tokens of a large file were most of `vars`' memory,
    /// and writing them to fresh pages most of its time.
    fn run(&mut self, src: &Arc<Source>) -> Result<(), Diag> {
        check_nesting(src)?;
        let text = src.text.as_str();
        // At most one new variable per `=`: the map grows once, not by doubling (each
        // time hashing every name again).
        let assigns = memchr::memchr_iter(b'=', text.as_bytes()).count();
        self.vars.reserve(assigns);
        self.gens.reserve(assigns);
        let mut toks = Vec::new();
        let mut spare = Vec::new();
        let mut pos = 0;
        while pos < text.len() {
            for t in toks.drain(..) {
                if let Tok::Word(mut w) = t {
                    w.parts.clear();
                    spare.push(w.parts);
                }
            }
            let Some(next) = fast_line_reusing(text, pos, &mut toks, &mut spare) else {
                break;
            };
            if let Err(e) = self.run_toks(src, &toks) {
                // Lexed whole, the file's syntax error would have come first.
                return Err(lex_from(src, next, true).err().unwrap_or(e));
            }
            pos = next;
        }
        if pos < text.len() {
            let toks = lex_from(src, pos, true)?;
            self.run_toks(src, &toks)?;
        }
        Ok(())
    }

    /// `run`'s reference: lex the whole file, then run it.
    #[cfg(test)]
    fn run_whole(&mut self, src: &Arc<Source>) -> Result<(), Diag> {
        let toks = lex(src)?;
        self.run_toks(src, &toks)
    }

    /// Run the commands of `toks` (whole lines).
    fn run_toks(&mut self, src: &Arc<Source>, toks: &[Tok<'_>]) -> Result<(), Diag> {
        let mut i = 0;
        while i < toks.len() {
            let start = i;
            while matches!(toks.get(i), Some(Tok::Word(_))) {
                i += 1;
            }
            let mut words: SmallVec<[&Word<'_>; 4]> = SmallVec::new();
            for t in &toks[start..i] {
                if let Tok::Word(w) = t {
                    words.push(w);
                }
            }
            let issue = match toks.get(i) {
                None | Some(Tok::Newline) => {
                    i += 1;
                    match words.is_empty() {
                        true => None,
                        false => self.command(src, &words)?,
                    }
                }
                Some(Tok::Op(at, op)) if *op == ";" => {
                    if words.is_empty() {
                        return Err(Diag::at(src, *at, "syntax error: `;` unexpected"));
                    }
                    i += 1;
                    self.command(src, &words)?
                }
                Some(Tok::Op(at, op)) => {
                    // A keyword or bad part before the operator is reported first.
                    let kw = words
                        .first()
                        .and_then(|w| w.plain().filter(|k| is_keyword(k)).map(|k| (w.start, k)));
                    if let Some((kat, k)) = kw {
                        Some((kat, format!("`{k}` is not supported (only assignments are)")))
                    } else {
                        match words.iter().find_map(|w| w.first_bad()) {
                            Some((off, msg, true)) => return Err(Diag::at(src, off, msg)),
                            Some((off, msg, false)) => Some((off, msg.to_owned())),
                            None => Some((*at, op_message(op))),
                        }
                    }
                }
                Some(Tok::Heredoc(at)) => {
                    return Err(Diag::at(src, *at, "here-documents are not supported"));
                }
                Some(Tok::Word(_)) => None, // unreachable: words were consumed above
            };
            if let Some((off, msg)) = issue {
                if !self.skipping() {
                    return Err(Diag::at(src, off, msg));
                }
                i = self.skip(src, toks, start, off, &msg)?;
            }
        }
        Ok(())
    }

    /// Run one simple command. Returns an unsupported construct, if any, for the caller
    /// to report or skip; syntax errors and evaluation errors are returned as `Err`.
    fn command(&mut self, src: &Arc<Source>, words: &[&Word<'_>]) -> Result<Option<(usize, String)>, Diag> {
        // Syntax errors anywhere in the command come first, as sh's parser sees them.
        for w in words {
            if let Some((off, msg, true)) = w.first_bad() {
                return Err(Diag::at(src, off, msg));
            }
        }
        let first = words[0];
        if let Some(k) = first.plain().filter(|k| is_keyword(k)) {
            return Ok(Some((
                first.start,
                format!("`{k}` is not supported (only assignments are)"),
            )));
        }
        // The leading assignments, read once.
        let mut assigns: SmallVec<[Assign<'_>; 4]> = SmallVec::new();
        for w in words {
            match w.assignment() {
                Some(a) => assigns.push(a),
                None => break,
            }
        }
        let n_assign = assigns.len();
        // Check the whole command before assigning anything: a command is skipped whole.
        for w in &words[..n_assign] {
            if let Some((off, msg, _)) = w.first_bad() {
                return Ok(Some((off, msg.to_owned())));
            }
        }
        if n_assign < words.len() {
            let cmd = words[n_assign];
            if let Some((off, msg, _)) = cmd.first_bad() {
                return Ok(Some((off, msg.to_owned())));
            }
            if n_assign == 0 && cmd.plain() == Some("export") {
                return self.export(src, &words[1..]);
            }
            let shown = cmd.plain().map(str::to_owned).unwrap_or_else(|| {
                let t = &src.text[cmd.start..cmd.end];
                t.chars().take(24).collect()
            });
            let msg = if n_assign > 0 {
                format!(
                    "command `{shown}` is not supported (an assignment before a command only sets it for that command)"
                )
            } else if cmd.plain().is_none()
                && cmd.start < cmd.end
                && src.text[cmd.start..cmd.end].contains('=')
            {
                format!("`{shown}` is not an assignment (sh would run it as a command)")
            } else {
                format!("command `{shown}` is not supported (only assignments are)")
            };
            return Ok(Some((cmd.start, msg)));
        }
        // Every word is an assignment here.
        for (w, a) in words.iter().zip(&assigns) {
            self.assign(src, w.start, a, Mode::Assign)?;
        }
        Ok(None)
    }

    fn export(&mut self, src: &Arc<Source>, args: &[&Word<'_>]) -> Result<Option<(usize, String)>, Diag> {
        for w in args {
            if let Some((off, msg, _)) = w.first_bad() {
                return Ok(Some((off, msg.to_owned())));
            }
            if w.assignment().is_none() && !w.plain().is_some_and(is_name) {
                let t: String = src.text[w.start..w.end].chars().take(24).collect();
                return Ok(Some((w.start, format!("`export {t}` is not supported"))));
            }
        }
        // `export` is a command: all its arguments are expanded (with the side effects
        // of `${x=w}`) before any is assigned, unlike a line of plain assignments.
        let mut done = Vec::with_capacity(args.len());
        for w in args {
            if let Some(a) = w.assignment() {
                check_tilde_value(src, w.start, &a)?;
                let mut out = String::new();
                self.expand_value(src, w.start, &a, Mode::Export, &mut out)?;
                done.push((a.name, out, w.start));
            }
            // `export NAME` only marks NAME for export: no value changes.
        }
        for (name, value, at) in done {
            self.set(name, value, Loc::new(src, at));
        }
        Ok(None)
    }

    fn assign(&mut self, src: &Arc<Source>, at: usize, a: &Assign<'_>, mode: Mode) -> Result<(), Diag> {
        check_tilde_value(src, at, a)?;
        // Room for the literal text and a variable or two: most values are built
        // without growing.
        let lits: usize = a
            .tail
            .iter()
            .map(|p| match p {
                Part::Lit { text, .. } => text.len(),
                _ => 16,
            })
            .sum();
        let mut out = String::with_capacity(a.head.len() + lits);
        self.expand_value(src, at, a, mode, &mut out)?;
        self.set(a.name, out, Loc::new(src, at));
        Ok(())
    }

    /// `expand` of an assignment's value: `head` as an unquoted literal, then `tail`.
    fn expand_value(
        &mut self,
        src: &Arc<Source>,
        at: usize,
        a: &Assign<'_>,
        mode: Mode,
        out: &mut String,
    ) -> Result<(), Diag> {
        if mode == Mode::Export && a.head.contains(['*', '?', '[']) {
            return Err(export_diag(src, Some(at), "a glob character"));
        }
        out.push_str(a.head);
        self.expand(src, at, a.tail, mode, out)
    }

    fn expand(
        &mut self,
        src: &Arc<Source>,
        at: usize,
        parts: &[Part<'_>],
        mode: Mode,
        out: &mut String,
    ) -> Result<(), Diag> {
        for p in parts {
            match p {
                Part::Lit { text, quoted } => {
                    if mode == Mode::Export && !quoted && text.contains(['*', '?', '[']) {
                        return Err(export_diag(src, Some(at), "a glob character"));
                    }
                    out.push_str(text);
                }
                Part::Var { name, start, quoted } => {
                    let v = self.lookup(src, *start, name)?.unwrap_or("");
                    if mode == Mode::Export && !quoted {
                        check_export_value(src, *start, v)?;
                    }
                    out.push_str(v);
                }
                Part::Op {
                    name,
                    op,
                    word,
                    start,
                    quoted,
                } => {
                    let cur = self.lookup(src, *start, name)?.map(str::to_owned);
                    let empty = cur.as_deref().is_none_or(str::is_empty);
                    let v = match op {
                        BOp::Minus | BOp::ColonMinus => {
                            if cur.is_none() || (*op == BOp::ColonMinus && empty) {
                                let mut w = String::new();
                                self.expand(src, at, word, mode, &mut w)?;
                                w
                            } else {
                                cur.unwrap_or_default()
                            }
                        }
                        BOp::Assign | BOp::ColonAssign => {
                            if cur.is_none() || (*op == BOp::ColonAssign && empty) {
                                let mut w = String::new();
                                self.expand(src, at, word, Mode::Assign, &mut w)?;
                                self.set(name, w.clone(), Loc::new(src, *start));
                                w
                            } else {
                                cur.unwrap_or_default()
                            }
                        }
                        BOp::Plus | BOp::ColonPlus => {
                            if cur.is_some() && !(*op == BOp::ColonPlus && empty) {
                                let mut w = String::new();
                                self.expand(src, at, word, mode, &mut w)?;
                                w
                            } else {
                                String::new()
                            }
                        }
                    };
                    if mode == Mode::Export && !quoted {
                        check_export_value(src, *start, &v)?;
                    }
                    out.push_str(&v);
                }
                Part::Bad { start, msg, .. } => return Err(Diag::at(src, *start, msg.clone())),
            }
        }
        Ok(())
    }

    /// Skip the command starting at token `start` (a compound command to its end), taint
    /// what it could assign, and warn. Returns the index of the next token to run.
    fn skip(
        &mut self,
        src: &Arc<Source>,
        toks: &[Tok<'_>],
        start: usize,
        off: usize,
        msg: &str,
    ) -> Result<usize, Diag> {
        let loc = Loc::new(src, off);
        let mut depth = 0usize;
        let mut paren = 0usize;
        let mut cmd_pos = true;
        let mut taint_args = false;
        let mut taint_next = false;
        let mut names: Vec<String> = Vec::new();
        let mut global = false;
        let mut j = start;
        let end = loop {
            let Some(t) = toks.get(j) else {
                if depth > 0 || paren > 0 {
                    let d = Diag::at(src, off, format!("{msg}; and its end was not found"));
                    return Err(d);
                }
                break j;
            };
            j += 1;
            match t {
                Tok::Word(w) => {
                    if let Some((o, m, true)) = w.first_bad() {
                        return Err(Diag::at(src, o, m));
                    }
                    collect_assign_ops(&w.parts, &mut names);
                    if taint_next || taint_args {
                        let t = src.text[w.start..w.end].split('=').next().unwrap_or("");
                        if is_name(t) {
                            names.push(t.to_owned());
                        }
                        taint_next = false;
                    }
                    let kw = w.plain().filter(|k| is_keyword(k));
                    if cmd_pos {
                        if let Some(k) = kw {
                            match k {
                                "if" | "case" | "for" | "while" | "until" | "{" | "select" => depth += 1,
                                "fi" | "esac" | "done" | "}" => depth = depth.saturating_sub(1),
                                _ => {}
                            }
                            taint_next = matches!(k, "for" | "select");
                            cmd_pos = matches!(
                                k,
                                "if" | "then" | "else" | "elif" | "do" | "while" | "until" | "{" | "!"
                            );
                        } else if let Some(a) = w.assignment() {
                            names.push(a.name.to_owned());
                        } else {
                            cmd_pos = false;
                            match w.plain() {
                                Some("." | "source" | "eval" | "set") => global = true,
                                Some(
                                    "read" | "unset" | "export" | "readonly" | "local" | "setvar" | "getopts"
                                    | "typeset" | "declare",
                                ) => taint_args = true,
                                Some(_) => {}
                                None => global = true,
                            }
                        }
                    }
                }
                Tok::Newline => {
                    taint_args = false;
                    cmd_pos = true;
                    if depth == 0 && paren == 0 {
                        break j;
                    }
                }
                Tok::Op(_, op) => {
                    taint_args = false;
                    cmd_pos = true;
                    match *op {
                        "(" => paren += 1,
                        ")" => paren = paren.saturating_sub(1),
                        ";" | "&" if depth == 0 && paren == 0 => break j,
                        "<" | ">" => cmd_pos = false,
                        _ => {}
                    }
                }
                Tok::Heredoc(at) => return Err(Diag::at(src, *at, "here-documents are not supported")),
            }
        };
        if self.seed {
            return Ok(end);
        }
        let mut d = Diag::warning(Some(loc.clone()), format!("{msg}; skipped"));
        names.sort();
        names.dedup();
        for n in &names {
            self.tainted.insert(n.clone(), Taint { loc: loc.clone() });
            self.unset(n);
        }
        if !names.is_empty() {
            d = d.with_note(format!("unknown from here on: {}", names.join(", ")));
        }
        if global {
            self.global_taint = Some((self.gen_counter, Taint { loc: loc.clone() }));
            d = d.with_note(
                "it may set any variable: values printed may be overridden by it, and reading a variable not assigned after it is an error",
            );
        }
        self.warnings.push(d);
        Ok(end)
    }
}

fn collect_assign_ops(parts: &[Part<'_>], names: &mut Vec<String>) {
    for p in parts {
        if let Part::Op { name, op, word, .. } = p {
            if matches!(op, BOp::Assign | BOp::ColonAssign) {
                names.push((*name).to_owned());
            }
            collect_assign_ops(word, names);
        }
    }
}

fn op_message(op: &str) -> String {
    match op {
        "(" | ")" => format!("`{op}` (subshell or function) is not supported"),
        "|" | "&&" | "||" | ";;" => format!("`{op}` is not supported (only assignments are)"),
        "&" => "`&` (background command) is not supported".to_owned(),
        _ => format!("redirection `{op}` is not supported"),
    }
}

fn export_diag(src: &Arc<Source>, at: Option<usize>, what: &str) -> Diag {
    Diag::error(
        at.map(|a| Loc::new(src, a)),
        format!(
            "unquoted {what} in an `export` argument: shells differ on whether it is split or globbed; quote it"
        ),
    )
}

/// In `export a=$x`, dash keeps the expansion whole but FreeBSD sh may split or glob it.
fn check_export_value(src: &Arc<Source>, at: usize, v: &str) -> Result<(), Diag> {
    if v.contains([' ', '\t', '\n', '*', '?', '[']) {
        return Err(export_diag(
            src,
            Some(at),
            "expansion with blanks or glob characters",
        ));
    }
    Ok(())
}

/// `check_tilde` of an assignment's value (`head`, an unquoted literal, then `tail`).
fn check_tilde_value(src: &Arc<Source>, at: usize, a: &Assign<'_>) -> Result<(), Diag> {
    let mut at_start = true;
    for c in a.head.chars() {
        if c == '~' && at_start {
            return Err(tilde_error(src, at));
        }
        at_start = c == ':';
    }
    check_tilde(src, at, a.tail, at_start)
}

fn tilde_error(src: &Arc<Source>, at: usize) -> Diag {
    Diag::at(
        src,
        at,
        "tilde expansion is not supported (it depends on HOME or the user database); quote the `~`",
    )
}

/// Tilde expansion happens at the start of an assignment value, after each unquoted `:`,
/// and at the start of the word of `${x-word}` (unquoted). Its value depends on HOME or
/// the user database: rejected (reported at the assignment).
fn check_tilde(src: &Arc<Source>, at: usize, parts: &[Part<'_>], mut at_start: bool) -> Result<(), Diag> {
    for p in parts {
        match p {
            Part::Lit { text, quoted: false } => {
                for c in text.chars() {
                    if c == '~' && at_start {
                        return Err(tilde_error(src, at));
                    }
                    at_start = c == ':';
                }
            }
            Part::Op {
                word, quoted: false, ..
            } => {
                check_tilde(src, at, word, true)?;
                at_start = false;
            }
            Part::Lit { text, .. } if text.is_empty() => {}
            _ => at_start = false,
        }
    }
    Ok(())
}

// ------------------------------------------------------------------ entry points

/// Evaluate sources in order, as `. file` for each in one sh. Returns the variables and
/// warnings.
pub fn evaluate(sources: &[Arc<Source>], opts: &RcOptions) -> Result<(RcVars, Vec<Diag>), Diag> {
    let mut ev = Eval::new(opts);
    for s in sources {
        ev.run(s)?;
    }
    Ok(ev.finish())
}

impl Eval<'_> {
    fn finish(mut self) -> (RcVars, Vec<Diag>) {
        let hidden = std::mem::take(&mut self.hidden);
        if !hidden.is_empty() {
            self.vars.retain(|k, _| !hidden.contains(k));
        }
        (RcVars { vars: self.vars }, self.warnings)
    }
}

/// Read the named files (host paths, `-` for stdin) through `loader` and evaluate them.
pub fn load_files(loader: &Loader, files: &[String], opts: &RcOptions) -> Result<(RcVars, Vec<Diag>), Diag> {
    let sources = files
        .iter()
        .map(|f| loader.read(f, None))
        .collect::<Result<Vec<_>, _>>()?;
    evaluate(&sources, opts)
}

fn is_file(loader: &Loader, host: &str) -> bool {
    std::fs::metadata(loader.real_path(host)).is_ok_and(|m| m.is_file())
}

fn is_dir(loader: &Loader, host: &str) -> bool {
    std::fs::metadata(loader.real_path(host)).is_ok_and(|m| m.is_dir())
}

/// Regular files in a host directory, as sh's `DIR/*` lists them (no dot files, sorted
/// bytewise as in the C locale rc runs in).
fn dir_files(loader: &Loader, host_dir: &str) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(loader.real_path(host_dir)) else {
        return Vec::new();
    };
    let mut names: Vec<String> = rd
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| format!("{}/{n}", host_dir.trim_end_matches('/')))
        .filter(|p| is_file(loader, p))
        .collect()
}

/// Split a list variable as unquoted `for i in ${list}` does (IFS blanks; globs
/// expanded below the root, kept literal when nothing matches).
fn split_list(loader: &Loader, list: &str) -> Vec<String> {
    let mut out = Vec::new();
    for w in list.split([' ', '\t', '\n']).filter(|w| !w.is_empty()) {
        if w.contains(['*', '?', '[']) {
            let pat = loader.real_path(w);
            let mut hits: Vec<String> = glob::glob(&pat.to_string_lossy())
                .map(|g| g.filter_map(|p| p.ok()).map(|p| loader.host_path(&p)).collect())
                .unwrap_or_default();
            hits.sort();
            if !hits.is_empty() {
                out.extend(hits);
                continue;
            }
        }
        out.push(w.to_owned());
    }
    out
}

/// The host's files as FreeBSD reads them for rc.d/jail, below the loader's root:
/// `load_rc_config jail` (libexec/rc/rc.subr) then ezjail's per-jail files.
///
/// 1. `/etc/defaults/rc.conf`, if present, seeds default values (readable by the files,
///    not listed in the output); its `if` blocks and function are skipped silently.
/// 2. `/etc/defaults/vendor.conf` (sourced at the end of defaults/rc.conf).
/// 3. `source_rc_confs`: each file of `rc_conf_files` (default
///    `/etc/rc.conf /etc/rc.conf.local`), skipping missing and already read ones, then
///    once more with the possibly redefined `rc_conf_files`.
/// 4. `rc.conf.d/jail` (a file, or each file of the directory) below `/etc` and each
///    `local_startup` directory minus `/rc.d` (default `/usr/local/etc`).
/// 5. `/usr/local/etc/ezjail/*` (spec §3.5).
pub fn load_host(loader: &Loader, opts: &RcOptions) -> Result<(RcVars, Vec<Diag>), Diag> {
    let mut ev = Eval::new(opts);
    let mut read_any = false;
    let run = |ev: &mut Eval, host: &str| -> Result<bool, Diag> {
        if !is_file(loader, host) {
            return Ok(false);
        }
        let src = loader.read(host, None)?;
        ev.run(&src)?;
        Ok(true)
    };
    if is_file(loader, "/etc/defaults/rc.conf") {
        ev.seed = true;
        run(&mut ev, "/etc/defaults/rc.conf")?;
        ev.seed = false;
    }
    read_any |= run(&mut ev, "/etc/defaults/vendor.conf")?;
    let mut sourced: HashSet<String> = HashSet::new();
    for _pass in 0..2 {
        let list = ev
            .vars
            .get("rc_conf_files")
            .map(|v| v.value.clone())
            .unwrap_or_else(|| "/etc/rc.conf /etc/rc.conf.local".to_owned());
        for f in split_list(loader, &list) {
            if sourced.insert(f.clone()) {
                read_any |= run(&mut ev, &f)?;
            }
        }
    }
    if !read_any {
        return Err(Diag::error(None, "/etc/rc.conf: no such file").with_exit(exit::NOINPUT));
    }
    let startup = ev
        .vars
        .get("local_startup")
        .map(|v| v.value.clone())
        .unwrap_or_else(|| "/usr/local/etc/rc.d".to_owned());
    let mut dirs = vec!["/etc".to_owned()];
    dirs.extend(split_list(loader, &startup));
    for d in dirs {
        let d = d.strip_suffix("/rc.d").unwrap_or(&d).to_owned();
        let conf = format!("{d}/rc.conf.d/jail");
        if is_file(loader, &conf) {
            run(&mut ev, &conf)?;
        } else if is_dir(loader, &conf) {
            for f in dir_files(loader, &conf) {
                run(&mut ev, &f)?;
            }
        }
    }
    for f in dir_files(loader, "/usr/local/etc/ezjail") {
        run(&mut ev, &f)?;
    }
    Ok(ev.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(text: &str) -> Result<RcVars, Diag> {
        let src = Source::new("rc.conf", text);
        evaluate(&[src], &RcOptions::default()).map(|(v, _)| v)
    }

    fn val(text: &str, name: &str) -> String {
        match eval(text) {
            Ok(v) => v.get(name).unwrap_or("<unset>").to_owned(),
            Err(e) => format!("ERR {e}"),
        }
    }

    fn err(text: &str) -> String {
        match eval(text) {
            Ok(_) => "OK".to_owned(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn quoting() {
        assert_eq!(val(r#"x="a\qb\$c\\d""#, "x"), r"a\qb$c\d");
        assert_eq!(val(r"x='a\b'", "x"), r"a\b");
        assert_eq!(val(r"x=a\ b\$", "x"), "a b$");
        assert_eq!(val("x=\"a\nb\"", "x"), "a\nb");
        assert_eq!(val("x=a\\\nb", "x"), "ab");
        assert_eq!(val("x='a\\\nb'", "x"), "a\\\nb");
        assert_eq!(val("x=*", "x"), "*");
        assert_eq!(val("x=a#b y=2 #c", "x"), "a#b");
        assert_eq!(val("x=$ y=a$ z=\"$\"", "x"), "$");
    }

    #[test]
    fn expansions() {
        assert_eq!(val("b=1; x=$b b=2 y=$b", "y"), "2");
        assert_eq!(val("b=1; x=$b b=2 y=$b", "x"), "1");
        assert_eq!(val("x=${u=5} y=$u", "y"), "5");
        assert_eq!(val("x=${u:-'a b'}", "x"), "a b");
        assert_eq!(val("x=\"${u:-'a b'}\"", "x"), "'a b'");
        assert_eq!(val("x=\"${u:-'}'}\"", "x"), "''}");
        assert_eq!(val("x=\"${u:-\\}}\"", "x"), "}");
        assert_eq!(val("x=\"${u:-\\'}\"", "x"), "\\'");
        assert_eq!(val("x=\"${u:-\"}\"}\"", "x"), "}");
        assert_eq!(val("v=1; x=${v:+a}${u+b}${v+c}", "x"), "ac");
        assert_eq!(val("u=; x=${u-d}${u:-e}", "x"), "e");
        assert_eq!(val("x=${u:=5}/$u", "x"), "5/5");
    }

    #[test]
    fn unsupported_is_an_error_where_it_opens() {
        assert_eq!(
            err("a=1\nx=$(hostname)"),
            "rc.conf:2:3: command substitution is not supported"
        );
        assert_eq!(err("x=\"abc"), "rc.conf:1:3: unterminated double quote");
        assert_eq!(err("x=${#y}"), "rc.conf:1:3: `${#...}` (length) is not supported");
        assert!(err("echo hi").starts_with("rc.conf:1:1: command `echo`"));
        assert!(err("x=~/a").contains("tilde"));
        assert!(err("x=$1").contains("special parameter"));
        assert!(err("x=$PATH").contains("environment"));
        assert!(err("if true; then x=1; fi").starts_with("rc.conf:1:1: `if`"));
        assert!(err("; x=1").contains("`;` unexpected"));
    }

    #[test]
    fn skip_taints() {
        let src = Source::new("rc.conf", "a=1\nif x; then\n b=2\nfi\nc=$a\nd=$b\n");
        let opts = RcOptions {
            skip_unsupported: true,
        };
        let e = evaluate(std::slice::from_ref(&src), &opts)
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("rc.conf:6:3: the value of `b` is unknown: a skipped statement may set it")
        );
        let src = Source::new("rc.conf", "a=1\nif x; then\n b=2\nfi\nc=$a\n");
        let (v, w) = evaluate(&[src], &opts).unwrap_or_default();
        assert_eq!(v.get("c"), Some("1"));
        assert_eq!(w.len(), 1);
    }

    /// The grammar alone, on the whole file at once: the reference for the fast path
    /// and the line windows of `lex`.
    fn lex_whole(src: &Arc<Source>) -> Result<Vec<Tok<'_>>, Diag> {
        check_nesting(src)?;
        let pairs = Lexer::parse(Rule::file, &src.text).map_err(|_| Diag::at(src, 0, "syntax error"))?;
        let mut toks = Vec::new();
        for p in pairs {
            let start = p.as_span().start();
            match p.as_rule() {
                Rule::newline => toks.push(Tok::Newline),
                Rule::op => toks.push(Tok::Op(start, p.as_str())),
                Rule::heredoc => toks.push(Tok::Heredoc(start)),
                Rule::word => {
                    let end = p.as_span().end();
                    let mut parts = Vec::new();
                    for q in p.into_inner() {
                        part(q, 0, &mut parts, false, 0);
                    }
                    toks.push(Tok::Word(Word { start, end, parts }));
                }
                _ => {}
            }
        }
        Ok(toks)
    }

    /// `Eval::run` (line by line while lines are simple) or `run_whole` (lex, then run)
    /// of `text`, as text: the variables and warnings, or the error.
    fn run_as(text: &str, whole: bool, skip: bool) -> String {
        let src = Source::new("rc.conf", text);
        let opts = RcOptions {
            skip_unsupported: skip,
        };
        let mut ev = Eval::new(&opts);
        let r = if whole { ev.run_whole(&src) } else { ev.run(&src) };
        match r {
            Err(e) => format!("error {}", e.render()),
            Ok(()) => {
                let (vars, warnings) = ev.finish();
                let mut out = String::new();
                for (k, v) in &vars.vars {
                    out += &format!("{k}={:?} @{}\n", v.value, v.loc.offset);
                }
                for w in warnings {
                    out += &w.render();
                }
                out
            }
        }
    }

    use proptest::strategy::Strategy as _;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2048, ..Default::default() })]

        /// Running line by line gives what lexing the whole file first gives: the same
        /// variables and warnings, and the same error (a syntax error later in the file
        /// before an error of evaluation earlier).
        #[test]
        fn line_by_line_is_lexing_whole(lines in proptest::collection::vec(
            proptest::prop_oneof![
                6 => proptest::sample::select(&[
                    "a=1", "b=\"$a x\"", "c=$HOME", "d=\"open", "e=${a:-x}", "if x; then", "fi",
                    ". /etc/x", "f=$(cmd)", "# c", "", "export g=1", "h='q'", "i=${zz=3} j=$zz",
                    "k=$a$b", "l=~x", "m=1; n=2", "o=\"${a\"", "p=`x`", "q=1 cmd", "r=\"a\\\nb\"",
                    "s=$((1))", "t=${#a}", "u='x", "v=$a\\", "w=\"$\"", "$ x", "y=\"\t\"",
                ][..]).prop_map(str::to_owned),
                1 => fragments(),
            ], 0..10), skip in proptest::bool::ANY) {
            let text = lines.join("\n");
            proptest::prop_assert_eq!(run_as(&text, false, skip), run_as(&text, true, skip), "{:?}", text);
        }
    }

    fn fragments() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop::collection::vec(
            prop_oneof![
                "[ab_=\"'${}\\\n#; \t:x-]{0,6}",
                Just("a=".to_owned()),
                Just("jail_x_ip=".to_owned()),
                Just("\"$a\"".to_owned()),
                Just("${b}".to_owned()),
                Just("${b:-x}".to_owned()),
                Just("\"${b:=x y}\"".to_owned()),
                Just("${b+}".to_owned()),
                Just("\"a\\\nb\"".to_owned()),
                Just("'q w'".to_owned()),
                Just("\\\n".to_owned()),
                Just("\r\n".to_owned()),
                Just("é".to_owned()),
                Just("$(x)".to_owned()),
            ],
            0..12,
        )
        .prop_map(|v| v.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config { cases: 2000, .. Default::default() })]

        /// The hand-written fast path and the line windows give exactly the tokens the
        /// grammar gives for the whole file.
        #[test]
        fn fast_path_matches_the_grammar(text in fragments()) {
            let src = Source::new("rc.conf", text.clone());
            let fast = lex_with(&src, true).map_err(|e| e.to_string());
            let slow = lex_whole(&src).map_err(|e| e.to_string());
            proptest::prop_assert_eq!(fast, slow, "{:?}", text);
        }
    }

    #[test]
    fn fast_path_takes_simple_lines() {
        let mut toks = Vec::new();
        let text = "a=\"x $b ${c}\" d='y' e=z # c\n";
        assert_eq!(fast_line(text, 0, &mut toks), Some(text.len()));
        assert_eq!(toks.len(), 4);
        assert_eq!(fast_line("a=${b:-x}\n", 0, &mut toks), Some(10));
        assert_eq!(fast_line("a=${b:-$x}\n", 0, &mut toks), None);
    }

    /// Where the committing grammar may differ from the old one (rcconf_v1.rs): `Ok(None)`
    /// when both give the same tokens; `Ok(Some(at))` when the new grammar reports an
    /// unterminated construct at `at` and the old one read the text after it again under
    /// another rule and found a closer for something around it: then both agree on every
    /// token before the word that holds it, and the old word holds an error too, at or
    /// after `at`. Anything else is an `Err`.
    fn diff_v1(text: &str) -> Result<Option<usize>, String> {
        let src = Source::new("rc.conf", text);
        if check_nesting(&src).is_err() {
            return Ok(None);
        }
        let new = lex_whole(&src).map_err(|e| format!("new grammar failed: {e}"))?;
        let old = v1::lex(text).ok_or("old grammar failed")?;
        if new == old {
            return Ok(None);
        }
        let fail = |why: &str| Err(format!("{why}\n  new: {new:?}\n  old: {old:?}"));
        let Some((Tok::Word(w), before)) = new.split_last() else {
            return fail("tokens differ");
        };
        let Some(Part::Bad {
            start: at,
            syntax: true,
            msg,
        }) = w.parts.last()
        else {
            return fail("tokens differ and the new ones do not end with a syntax error");
        };
        if !msg.starts_with("unterminated") || w.end != text.len() {
            return fail("tokens differ and the new ones do not end with an unterminated construct");
        }
        if old.len() <= before.len() || old[..before.len()] != *before {
            return fail("tokens differ before the word with the unterminated construct");
        }
        let Tok::Word(ow) = &old[before.len()] else {
            return fail("the old tokens have no word where the new ones do");
        };
        fn bad_from(parts: &[Part<'_>], at: usize) -> bool {
            parts.iter().any(|p| match p {
                Part::Bad { start, .. } => *start >= at,
                Part::Op { word, .. } => bad_from(word, at),
                _ => false,
            })
        }
        if ow.start != w.start || !bad_from(&ow.parts, *at) {
            return fail("the old word does not hold an error at or after the unterminated construct");
        }
        Ok(Some(*at))
    }

    fn openers() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop::collection::vec(
            prop_oneof![
                "[a_=\"'`${}()\\\n#; :x-]{0,4}",
                Just("x=".to_owned()),
                Just("${a-".to_owned()),
                Just("${a:=".to_owned()),
                Just("${#".to_owned()),
                Just("${a%".to_owned()),
                Just("${".to_owned()),
                Just("$(".to_owned()),
                Just("$((".to_owned()),
                Just("))".to_owned()),
                Just("\"".to_owned()),
                Just("'".to_owned()),
                Just("`".to_owned()),
                Just("}".to_owned()),
                Just(")".to_owned()),
                Just("\\".to_owned()),
                Just("\\\n".to_owned()),
                Just("$a".to_owned()),
            ],
            0..10,
        )
        .prop_map(|v| v.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config { cases: 3000, .. Default::default() })]

        /// The committing grammar gives the old grammar's tokens, except after an
        /// unterminated construct that the old one read again (see `diff_v1`).
        #[test]
        fn same_tokens_as_the_old_grammar(text in openers()) {
            if let Err(e) = diff_v1(&text) {
                proptest::prop_assert!(false, "{:?}: {}", text, e);
            }
        }
    }

    /// Every fixture gives exactly the old grammar's tokens, but the two added to show
    /// where they differ.
    #[test]
    fn fixtures_give_the_old_grammars_tokens() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rcconf");
        let differ = [
            "err_unterminated_quote_in_cmdsub",
            "err_unterminated_quote_in_expansion",
        ];
        let mut n = 0;
        for e in std::fs::read_dir(root).into_iter().flatten().flatten() {
            let Ok(text) = std::fs::read_to_string(e.path().join("rc.conf")) else {
                continue;
            };
            let d = diff_v1(&text);
            if differ.iter().any(|f| e.file_name() == *f) {
                assert!(matches!(d, Ok(Some(_))), "{}: {d:?}", e.path().display());
            } else {
                assert_eq!(d, Ok(None), "{}", e.path().display());
            }
            n += 1;
        }
        assert!(n >= 30, "{n} fixtures");
    }

    /// The old grammar read an unterminated construct's text again under another rule (a
    /// `"` or `'` as a plain character, `${x-...` as some other `${...}`) and could find a
    /// closer for something around it: `x=${a-"}` was a `${...}` that is not supported,
    /// which `--skip-unsupported` skipped. sh (dash) reads the quote to the end of the
    /// file and fails with a syntax error; the grammar now does the same.
    #[test]
    fn unterminated_inside_an_expansion_is_a_syntax_error() {
        for (text, now) in [
            ("x=${a-\"}", "rc.conf:1:3: unterminated `${`"),
            ("x=${a:-'}", "rc.conf:1:3: unterminated `${`"),
            ("x=${a%\"}", "rc.conf:1:3: unterminated `${`"),
            ("x=$(echo \"a)", "rc.conf:1:3: unterminated command substitution"),
            ("x=$(echo `a)", "rc.conf:1:3: unterminated command substitution"),
            ("x=\"${a-$(})\"", "rc.conf:1:3: unterminated double quote"),
        ] {
            assert_eq!(err(text), now, "{text:?}");
            assert!(matches!(diff_v1(text), Ok(Some(_))), "{text:?}");
        }
        let opts = RcOptions {
            skip_unsupported: true,
        };
        let src = Source::new("rc.conf", "x=${a-\"}\ny=1\n");
        let e = evaluate(&[src], &opts).err().map(|e| e.to_string());
        assert_eq!(e.as_deref(), Some("rc.conf:1:3: unterminated `${`"));
    }

    #[test]
    fn arithmetic_or_command_substitution() {
        assert_eq!(
            err("x=$((1+2))"),
            "rc.conf:1:3: arithmetic expansion is not supported"
        );
        assert_eq!(
            err("x=$((a) b)"),
            "rc.conf:1:3: command substitution is not supported"
        );
        assert_eq!(err("x=$((a)"), "rc.conf:1:3: unterminated command substitution");
        assert_eq!(err("x=$((a"), "rc.conf:1:3: unterminated command substitution");
        for text in ["x=$((1+2))", "x=$((a) b)", "x=$((a)", "x=$((a", "x=$(($(a) )) b"] {
            assert_eq!(diff_v1(text), Ok(None), "{text:?}");
        }
    }

    /// Nesting that the `MAX_NESTING` count does not see (each `)` lowers it) is bounded
    /// where the evaluator recurses: 100 levels evaluate, 101 do not, and 20,000 (which
    /// used to overflow the stack) are an error too. On a thread with room for pest to
    /// read all 20,000 levels, or pest's own stack guard would stop it first.
    #[test]
    fn deep_nesting_unseen_by_the_count_is_an_error_not_a_crash() {
        let nest = |n: usize| format!("x={}{}\n", "${a-)".repeat(n), "}".repeat(n));
        assert_eq!(val(&nest(MAX_DEPTH), "x"), ")".repeat(MAX_DEPTH));
        assert_eq!(
            err(&nest(MAX_DEPTH + 1)),
            "rc.conf:1:503: expansions are nested too deeply (more than 100 levels)"
        );
        let deep = std::thread::Builder::new()
            .stack_size(256 << 20)
            .spawn(move || err(&nest(20_000)))
            .and_then(|t| t.join().map_err(|_| std::io::Error::other("panicked")));
        assert_eq!(
            deep.ok().as_deref(),
            Some("rc.conf:1:503: expansions are nested too deeply (more than 100 levels)")
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = format!("x={}{}", "${a-".repeat(5000), "}".repeat(5000));
        assert!(err(&text).contains("nested too deeply"));
    }
}
