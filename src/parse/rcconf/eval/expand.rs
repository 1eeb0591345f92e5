//! Parameter expansion (`$x`, `${x:-w}`, `${x=w}`...) and the checks on values that sh
//! would expand differently from here: tilde, and unquoted `export` arguments.

use std::sync::Arc;

use super::{Eval, Mode};
use crate::diag::{Diag, Loc, Source};
use crate::parse::rcconf::token::{Assign, BOp, Part};

impl Eval<'_> {
    /// `expand` of an assignment's value: `head` as an unquoted literal, then `tail`.
    pub(super) fn expand_value(
        &mut self,
        src: &Arc<Source>,
        at: usize,
        a: &Assign<'_>,
        mode: Mode,
        out: &mut String,
    ) -> Result<(), Diag> {
        if mode == Mode::Export && a.head.contains(['*', '?', '[']) {
            return Err(export_diag(src, Some(at), "a glob character", mode));
        }
        out.push_str(a.head);
        self.expand(src, at, a.tail, mode, out)
    }

    pub(super) fn expand(
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
                    if mode != Mode::Assign && !quoted && text.contains(['*', '?', '[']) {
                        return Err(export_diag(src, Some(at), "a glob character", mode));
                    }
                    out.push_str(text);
                }
                Part::Var { name, start, quoted } => {
                    let v = self.lookup(src, *start, name)?.unwrap_or("");
                    if mode != Mode::Assign && !quoted {
                        check_export_value(src, *start, v, mode)?;
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
                    if mode != Mode::Assign && !quoted {
                        check_export_value(src, *start, &v, mode)?;
                    }
                    out.push_str(&v);
                }
                Part::Bad { start, msg, .. } => return Err(Diag::at(src, *start, msg.clone())),
            }
        }
        Ok(())
    }
}

fn export_diag(src: &Arc<Source>, at: Option<usize>, what: &str, mode: Mode) -> Diag {
    let msg = if mode == Mode::Export {
        format!(
            "unquoted {what} in an `export` argument: shells differ on whether it is split or globbed; quote it"
        )
    } else {
        // A command's argument is split and globbed by every sh: which fields it
        // becomes depends on the files on the host.
        format!("unquoted {what} in a command argument: sh splits and globs it; quote it")
    };
    Diag::error(at.map(|a| Loc::new(src, a)), msg)
}

/// In `export a=$x`, dash keeps the expansion whole but FreeBSD sh may split or glob it;
/// in a command's argument every sh does (an empty one is no field at all).
fn check_export_value(src: &Arc<Source>, at: usize, v: &str, mode: Mode) -> Result<(), Diag> {
    if v.contains([' ', '\t', '\n', '*', '?', '[']) || (mode == Mode::Argument && v.is_empty()) {
        return Err(export_diag(
            src,
            Some(at),
            if mode == Mode::Export {
                "expansion with blanks or glob characters"
            } else {
                "expansion with blanks, glob characters or no text"
            },
            mode,
        ));
    }
    Ok(())
}

/// `check_tilde` of an assignment's value (`head`, an unquoted literal, then `tail`).
pub(super) fn check_tilde_value(src: &Arc<Source>, at: usize, a: &Assign<'_>) -> Result<(), Diag> {
    let mut at_start = true;
    for c in a.head.chars() {
        if c == '~' && at_start {
            return Err(tilde_error(src, at));
        }
        at_start = c == ':';
    }
    check_tilde(src, at, a.tail, at_start)
}

/// `check_tilde` of a command's argument (tilde expansion at its start, too).
pub(super) fn check_tilde_word(src: &Arc<Source>, at: usize, parts: &[Part<'_>]) -> Result<(), Diag> {
    check_tilde(src, at, parts, true)
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
