//! `--skip-unsupported`: finding where an unsupported command ends and tainting every
//! variable it could have set, so that reading one later is still an error.

use std::sync::Arc;

use super::{Eval, Taint};
use crate::diag::{Diag, Loc, Source};
use crate::parse::rcconf::token::{BOp, Part, Tok, is_keyword, is_name};

impl Eval<'_> {
    /// Skip the command starting at token `start` (a compound command to its end), taint
    /// what it could assign, and warn. Returns the index of the next token to run.
    pub(super) fn skip(
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
            // Every name assigned before it is unknown now, the last one too.
            self.global_taint = Some(Taint { loc: loc.clone() });
            self.known_after_taint.clear();
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
