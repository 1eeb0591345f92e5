//! Simple commands: which are assignments (or `export`) the evaluator runs, and which
//! are constructs to report or skip.

use std::sync::Arc;

use smallvec::SmallVec;

use super::expand::check_tilde_value;
use super::{Eval, Mode};
use crate::diag::{Diag, Loc, Source};
use crate::parse::rcconf::token::{Assign, Part, Tok, Word, is_keyword, is_name};

impl Eval<'_> {
    /// Run the commands of `toks` (whole lines).
    pub(super) fn run_toks(&mut self, src: &Arc<Source>, toks: &[Tok<'_>]) -> Result<(), Diag> {
        let mut i = 0;
        while i < toks.len() {
            if let Some(next) = self.source_form(src, toks, i)? {
                i = next;
                continue;
            }
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
}

fn op_message(op: &str) -> String {
    match op {
        "(" | ")" => format!("`{op}` (subshell or function) is not supported"),
        "|" | "&&" | "||" | ";;" => format!("`{op}` is not supported (only assignments are)"),
        "&" => "`&` (background command) is not supported".to_owned(),
        _ => format!("redirection `{op}` is not supported"),
    }
}
