//! `[ -f FILE ] && . FILE` and `if [ -f FILE ]; then . FILE; fi`: the one kind of
//! command an rc.conf commonly runs (to read rc.conf.local or a site file), evaluated
//! statically: the test is made on the `--root` tree, then FILE is read as rc.conf in
//! the same shell, as sh's `.` builtin does. Any other shape is still reported (or
//! skipped with `--skip-unsupported`) by the caller.
//!
//! sh semantics copied (dash src/bltin/test.c and src/main.c `dotcmd`; FreeBSD
//! bin/test/test.c and bin/sh/main.c): `-f` a regular file, `-e` exists, `-s` exists and
//! is not empty, `-r` readable (rc runs as root: exists); symlinks are followed. A `.`
//! of a file that cannot be opened ends a non-interactive sh: an error here; so is one
//! of a directory or a device (dash on Linux reads a directory as empty; FreeBSD's
//! read(2) of one fails with EISDIR, and what sh makes of that is not certain). A FILE
//! without a slash would be searched in PATH, whose value on the host is unknown: an
//! error. sh has no limit on nesting; a file that sources itself never ends there, so
//! nesting deeper than `MAX_DEPTH` is reported instead.

use std::sync::Arc;

use super::{Eval, Mode};
use crate::diag::{Diag, Loc, Source};
use crate::parse::rcconf::token::{Tok, Word};

const MAX_DEPTH: usize = 32;

/// A recognised `test && . FILE` or `if test; then . FILE; fi`.
struct Form<'t, 's> {
    flag: &'t str,
    tested: &'t Word<'s>,
    sourced: &'t Word<'s>,
    /// The index of the token after the form.
    next: usize,
}

/// Whether `toks[i]` is the plain word `w`.
fn is_word(toks: &[Tok<'_>], i: usize, w: &str) -> bool {
    matches!(toks.get(i), Some(Tok::Word(x)) if x.plain() == Some(w))
}

fn word<'t, 's>(toks: &'t [Tok<'s>], i: usize) -> Option<&'t Word<'s>> {
    match toks.get(i) {
        Some(Tok::Word(w)) => Some(w),
        _ => None,
    }
}

fn is_op(toks: &[Tok<'_>], i: usize, op: &str) -> bool {
    matches!(toks.get(i), Some(Tok::Op(_, o)) if *o == op)
}

fn skip_newlines(toks: &[Tok<'_>], mut i: usize) -> usize {
    while matches!(toks.get(i), Some(Tok::Newline)) {
        i += 1;
    }
    i
}

/// `[ FLAG WORD ]` or `test FLAG WORD` at `i`: the flag, the word and the index after.
fn test_at<'t, 's>(toks: &'t [Tok<'s>], i: usize) -> Option<(&'t str, &'t Word<'s>, usize)> {
    let bracket = is_word(toks, i, "[");
    if !bracket && !is_word(toks, i, "test") {
        return None;
    }
    let flag = word(toks, i + 1)?
        .plain()
        .filter(|f| matches!(*f, "-f" | "-e" | "-r" | "-s"))?;
    let tested = word(toks, i + 2)?;
    let mut next = i + 3;
    if bracket {
        if !is_word(toks, next, "]") {
            return None;
        }
        next += 1;
    }
    Some((flag, tested, next))
}

/// `. WORD` at `i`, ended by a newline, `;` or the end: the word and the index after.
fn dot_at<'t, 's>(toks: &'t [Tok<'s>], i: usize) -> Option<(&'t Word<'s>, usize)> {
    if !is_word(toks, i, ".") {
        return None;
    }
    let file = word(toks, i + 1)?;
    match toks.get(i + 2) {
        None => Some((file, i + 2)),
        Some(Tok::Newline) => Some((file, i + 3)),
        Some(Tok::Op(_, ";")) => Some((file, i + 3)),
        _ => None,
    }
}

fn form_at<'t, 's>(toks: &'t [Tok<'s>], i: usize) -> Option<Form<'t, 's>> {
    if let Some((flag, tested, j)) = test_at(toks, i) {
        // sh allows newlines after `&&`.
        if !is_op(toks, j, "&&") {
            return None;
        }
        let (sourced, next) = dot_at(toks, skip_newlines(toks, j + 1))?;
        return Some(Form {
            flag,
            tested,
            sourced,
            next,
        });
    }
    if !is_word(toks, i, "if") {
        return None;
    }
    let (flag, tested, mut j) = test_at(toks, i + 1)?;
    // The condition ends with `;` or a newline, then `then`.
    if is_op(toks, j, ";") {
        j += 1;
    } else if !matches!(toks.get(j), Some(Tok::Newline)) {
        return None;
    }
    j = skip_newlines(toks, j);
    if !is_word(toks, j, "then") {
        return None;
    }
    let (sourced, j) = dot_at(toks, skip_newlines(toks, j + 1))?;
    let j = skip_newlines(toks, j);
    if !is_word(toks, j, "fi") {
        return None;
    }
    let next = match toks.get(j + 1) {
        None => j + 1,
        Some(Tok::Newline) | Some(Tok::Op(_, ";")) => j + 2,
        _ => return None,
    };
    Some(Form {
        flag,
        tested,
        sourced,
        next,
    })
}

impl Eval<'_> {
    /// If `toks[i..]` starts with a sourcing form and a loader is there to look at the
    /// files, run it and return the index after it.
    pub(super) fn source_form(
        &mut self,
        src: &Arc<Source>,
        toks: &[Tok<'_>],
        i: usize,
    ) -> Result<Option<usize>, Diag> {
        // /etc/defaults/rc.conf's own `. vendor.conf` is read by load_host in its place.
        let Some(loader) = self.loader.filter(|_| !self.seed) else {
            return Ok(None);
        };
        if !matches!(word(toks, i).and_then(Word::plain), Some("[" | "test" | "if")) {
            return Ok(None);
        }
        let Some(form) = form_at(toks, i) else {
            return Ok(None);
        };
        let tested = self.path_arg(src, form.tested)?;
        let real = loader.real_path(&tested);
        let meta = std::fs::metadata(&real).ok();
        let holds = match form.flag {
            "-f" => meta.as_ref().is_some_and(|m| m.is_file()),
            "-s" => meta.as_ref().is_some_and(|m| m.len() > 0),
            // -e, and -r: rc reads its configuration as root, who may read any file.
            _ => meta.is_some(),
        };
        if !holds {
            return Ok(Some(form.next));
        }
        let file = self.path_arg(src, form.sourced)?;
        if self.depth >= MAX_DEPTH {
            return Err(Diag::at(
                src,
                form.sourced.start,
                format!("`. {file}` nests more than {MAX_DEPTH} files deep (does a file source itself?)"),
            ));
        }
        let at = Loc::new(src, form.sourced.start);
        if !std::fs::metadata(loader.real_path(&file)).is_ok_and(|m| m.is_file()) {
            return Err(Diag::error(
                Some(at),
                format!(
                    "`. {file}`: {file} is missing or not a regular file (sh would exit here or read nothing)"
                ),
            ));
        }
        // Not pinned: rc.conf text has no spans to spare counts for, and a file sourced
        // in a loop would be kept once per reading.
        let sub = loader.unpinned().read(&file, Some(at))?;
        self.depth += 1;
        let ran = self.run(&sub);
        self.depth -= 1;
        ran?;
        Ok(Some(form.next))
    }

    /// A command argument as sh expands it, where that is one field: quoted parts as
    /// they are, unquoted ones only without blanks or glob characters (which sh would
    /// split or glob). It must be an absolute path (`.` searches PATH otherwise).
    fn path_arg(&mut self, src: &Arc<Source>, w: &Word<'_>) -> Result<String, Diag> {
        if let Some((off, msg, _)) = w.first_bad() {
            return Err(Diag::at(src, off, msg.to_owned()));
        }
        super::expand::check_tilde_word(src, w.start, &w.parts)?;
        let mut out = String::new();
        self.expand(src, w.start, &w.parts, Mode::Argument, &mut out)?;
        if !out.starts_with('/') {
            return Err(Diag::at(
                src,
                w.start,
                format!(
                    "`{out}` is not an absolute path: sh would look for it in PATH, or in the directory rc runs in"
                ),
            ));
        }
        Ok(out)
    }
}
