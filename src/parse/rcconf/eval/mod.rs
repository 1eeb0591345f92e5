//! The evaluator's state: variables, taints left by skipped statements, and the file
//! runner that feeds it tokens line by line (commands, expansion and skipping are in
//! the children).

mod command;
mod expand;
mod simple;
mod skip;
mod source;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::hash::FnvSet;
use compact_str::CompactString;

use super::fast::fast_line_reusing;
#[cfg(test)]
use super::lex::lex;
use super::lex::{check_nesting, lex_from};
use super::token::Tok;
use super::{RcOptions, RcVar, RcVars, VarMap};
use crate::diag::{Diag, Loc, Source};
use crate::parse::loader::Loader;

/// Variables whose value comes from the shell itself or from the environment rc(8) and
/// service(8) give it. Reading one before the files assign it is an error: its value on
/// the host is not known here.
const ENV_NAMES: &[&str] = &[
    "HOME", "PATH", "IFS", "PS1", "PS2", "PS4", "OPTIND", "OPTARG", "PPID", "PWD", "OLDPWD", "LINENO", "ENV",
    "TERM", "USER", "LOGNAME", "SHELL", "MAIL", "MAILPATH", "HISTSIZE", "RC_PID", "_",
];

/// Why a name's value is unknown: the skipped statement that could have set it.
#[derive(Debug, Clone)]
struct Taint {
    loc: Loc,
}

pub(super) struct Eval<'o> {
    opts: &'o RcOptions,
    /// Where `[ -f FILE ] && . FILE` looks and reads; without one, that is unsupported.
    loader: Option<&'o Loader>,
    /// How many `.` files deep the evaluation is.
    depth: usize,
    pub(super) vars: VarMap,
    /// The names assigned since the last global taint (the only ones known after it).
    /// Kept only while there is one: a generation per variable cost every file 8 bytes
    /// and a store per assignment for what `--skip-unsupported` of `eval` alone needs.
    known_after_taint: FnvSet<String>,
    tainted: HashMap<String, Taint>,
    /// A skipped statement that could have set any variable (`. file`, `eval`): every
    /// name not assigned after it is unknown.
    global_taint: Option<Taint>,
    /// Names set only while seeding from /etc/defaults/rc.conf: readable, not output.
    hidden: HashSet<String>,
    /// Seeding: skip silently, no taints, values hidden.
    pub(super) seed: bool,
    /// While ezjail's per-jail files run: the names rc.conf's files had set, which
    /// those files cannot change (`Eval::under_rc_conf`).
    rc_conf_names: Option<FnvSet<CompactString>>,
    warnings: Vec<Diag>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Assign,
    Export,
    /// A command's argument (`[ -f FILE ]`, `. FILE`): one field, or an error.
    Argument,
}

impl<'o> Eval<'o> {
    pub(super) fn new(opts: &'o RcOptions) -> Eval<'o> {
        Eval {
            opts,
            loader: None,
            depth: 0,
            vars: VarMap::default(),
            known_after_taint: FnvSet::default(),
            tainted: HashMap::new(),
            global_taint: None,
            hidden: HashSet::new(),
            seed: false,
            rc_conf_names: None,
            warnings: Vec::new(),
        }
    }

    /// Evaluate `. FILE` forms (source.rs), looking at files through `loader`.
    pub(super) fn with_loader(mut self, loader: &'o Loader) -> Eval<'o> {
        self.loader = Some(loader);
        self
    }

    /// From now on, files run beneath rc.conf's: an assignment or `unset` of a name set
    /// so far (by /etc/defaults/rc.conf or the admin's files) changes nothing. ezjail's
    /// per-jail files are like that: ezjail.sh exports their variables, then runs `sh
    /// /etc/rc.d/jail onestart NAME`, whose `load_rc_config` (libexec/rc/rc.subr) sources
    /// the rc.conf files again in the new shell, so their values win.
    pub(super) fn under_rc_conf(&mut self) {
        self.rc_conf_names = Some(self.vars.keys().cloned().collect());
    }

    /// Whether `name` keeps rc.conf's value whatever the running file does.
    fn held_by_rc_conf(&self, name: &str) -> bool {
        self.rc_conf_names.as_ref().is_some_and(|n| n.contains(name))
    }

    fn skipping(&self) -> bool {
        self.seed || self.opts.skip_unsupported
    }

    fn set(&mut self, name: &str, value: impl Into<CompactString>, loc: Loc) {
        if self.held_by_rc_conf(name) {
            return;
        }
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
        // An existing name keeps its place. Names and values of up to 24 bytes, most of
        // an rc.conf's, are stored inline (CompactString): no allocation for them.
        self.vars.set(
            name,
            RcVar {
                value: value.into(),
                loc,
            },
        );
        if self.global_taint.is_some() {
            self.known_after_taint.insert(name.to_owned());
        }
    }

    fn unset(&mut self, name: &str) {
        if self.held_by_rc_conf(name) {
            return;
        }
        self.vars.shift_remove(name);
        if !self.known_after_taint.is_empty() {
            self.known_after_taint.remove(name);
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
        if let Some(t) = &self.global_taint
            && !self.known_after_taint.contains(name)
        {
            let (l, c) = t.loc.line_col();
            return Err(Diag::at(
                src,
                at,
                format!("the value of `{name}` is unknown: a skipped statement may set any variable"),
            )
            .with_note(format!("skipped at {}:{l}:{c}", t.loc.file())));
        }
        match self.vars.get(name) {
            Some(v) => Ok(Some(v.value.as_str())),
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
    pub(super) fn run(&mut self, src: &Arc<Source>) -> Result<(), Diag> {
        check_nesting(src)?;
        let text = src.text.as_str();
        // `VarMap` numbers names in 32 bits; a name takes two bytes at least (`a=`).
        crate::parse::too_large(src)?;
        // At most one new variable per `=`: the map grows once, not by doubling (each
        // time hashing every name again).
        let assigns = memchr::memchr_iter(b'=', text.as_bytes()).count();
        self.vars.reserve(assigns);
        let mut toks = Vec::new();
        let mut spare = Vec::new();
        let mut value = String::new();
        let mut pos = 0;
        while pos < text.len() {
            if let Some(next) = self.simple_line(src, pos, &mut value) {
                pos = next;
                continue;
            }
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
    pub(super) fn run_whole(&mut self, src: &Arc<Source>) -> Result<(), Diag> {
        let toks = lex(src)?;
        self.run_toks(src, &toks)
    }
}

impl Eval<'_> {
    pub(super) fn finish(mut self) -> (RcVars, Vec<Diag>) {
        let hidden = std::mem::take(&mut self.hidden);
        if !hidden.is_empty() {
            self.vars.retain(|k, _| !hidden.contains(k.as_str()));
        }
        (
            RcVars {
                vars: self.vars,
                named_files: false,
            },
            self.warnings,
        )
    }
}
