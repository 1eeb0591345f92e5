//! The pest grammar lexer (grammar/rcconf.pest): lines the fast path does not take, and
//! the nesting limits that keep its recursion (and the evaluator's) bounded.

use std::borrow::Cow;
use std::sync::Arc;

use pest::Parser;
use pest::iterators::Pair;

use super::fast::fast_line;
use super::token::{BOp, Part, Tok, Word, bad, push_lit};
use crate::diag::{Diag, Source};

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/rcconf.pest"]
pub(super) struct Lexer;

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
pub(super) const MAX_DEPTH: usize = 100;

/// Reject input nested deeper than the recursive lexer and evaluator should go.
pub(super) fn check_nesting(src: &Arc<Source>) -> Result<(), Diag> {
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
pub(super) fn lex(src: &Arc<Source>) -> Result<Vec<Tok<'_>>, Diag> {
    lex_with(src, true)
}

/// Split a file into tokens, line by line: a simple line (assignments of plain, quoted
/// or `$name` values, comments) is lexed by `fast_line`; any other line by the pest
/// grammar's `line` rule. `fast`: false to use the grammar only (for tests).
#[cfg(test)]
pub(super) fn lex_with(src: &Arc<Source>, fast: bool) -> Result<Vec<Tok<'_>>, Diag> {
    check_nesting(src)?;
    lex_from(src, 0, fast)
}

/// `lex_with` from `pos` (the start of a line) to the end, `check_nesting` done.
pub(super) fn lex_from(src: &Arc<Source>, mut pos: usize, fast: bool) -> Result<Vec<Tok<'_>>, Diag> {
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

/// The name of a `svar` (after its `$`) without the line continuations sh drops while
/// reading it (bin/sh/parser.c parsesub reads each character with pgetc_linecont).
/// Borrowed when there is none, as nearly always.
pub(super) fn joined_name(s: &str) -> Cow<'_, str> {
    if s.contains('\\') {
        Cow::Owned(s.replace("\\\n", ""))
    } else {
        Cow::Borrowed(s)
    }
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
pub(super) fn part<'s>(p: Pair<'s, Rule>, base: usize, parts: &mut Vec<Part<'s>>, in_dq: bool, depth: usize) {
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
            name: joined_name(&s[1..]),
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
                    name: Cow::Borrowed(name),
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
        Rule::dollar_cont => bad(
            parts,
            start,
            "line continuation after `$` is not supported here (only before a name)",
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
