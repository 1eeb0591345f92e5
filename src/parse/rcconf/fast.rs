//! The hand-written lexer for simple lines (assignments of plain, quoted or `$name`
//! values): most lines of a real rc.conf, read without pest. It must give exactly the
//! grammar's tokens, which a property test in `tests` checks.

use std::borrow::Cow;

use super::token::{BOp, Part, Tok, Word, is_name_char, is_name_start, push_lit};

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
            name: Cow::Borrowed(name),
            start: i,
            quoted: in_dq,
        });
        return Some(e);
    }
    if b.get(e) == Some(&b'}') {
        parts.push(Part::Var {
            name: Cow::Borrowed(name),
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
pub(super) fn fast_line<'s>(text: &'s str, pos: usize, toks: &mut Vec<Tok<'s>>) -> Option<usize> {
    fast_line_reusing(text, pos, toks, &mut Vec::new())
}

/// `fast_line`, taking the words' part lists from `spare` (emptied lists of earlier
/// lines: `Eval::run` reads a file line by line, and a list per word was an
/// allocation and a free per assignment).
pub(super) fn fast_line_reusing<'s>(
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
