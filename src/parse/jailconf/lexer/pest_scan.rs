//! The scanner's reference path: the pest grammar of grammar/jailconf.pest and the
//! translation of its pairs into the hand-written path's tokens. Apart so that pest's
//! `Rule` is seen by the scanner alone.

use std::sync::Arc;

use pest::Parser as _;
use pest_derive::Parser;

use super::{Kind, Lexer, Tok, UNTERMINATED_COMMENT, escape_len_bytes};
use crate::diag::Diag;

#[derive(Parser)]
#[grammar = "../grammar/jailconf.pest"]
struct Scanner;

impl Lexer {
    /// Scan with the pest grammar from `self.pos`: one token (`Rule::one`) or a chunk.
    pub(super) fn fill_pest(&mut self, rule: Rule) -> Result<(), Diag> {
        let source = Arc::clone(&self.source);
        let text = &source.text[self.pos..];
        let base = self.pos;
        let pairs = Scanner::parse(rule, text)
            .map_err(|e| Diag::at(&source, base, format!("internal scanner error: {e}")))?;
        let mut last_end = None;
        for pair in pairs.flat_map(|p| {
            if p.as_rule() == Rule::one {
                p.into_inner().collect::<Vec<_>>()
            } else {
                vec![p]
            }
        }) {
            let span = pair.as_span();
            let (start, end) = (base + span.start(), base + span.end());
            last_end = Some(end);
            self.token(pair, base, start, end);
            if self.done {
                return Ok(());
            }
        }
        match last_end {
            Some(end) => self.pos = end,
            None => self.done = true,
        }
        Ok(())
    }

    fn token(&mut self, pair: pest::iterators::Pair<'_, Rule>, base: usize, start: usize, end: usize) {
        let raw = pair.as_str();
        match pair.as_rule() {
            Rule::word | Rule::piece => self.piece(Kind::Str, start, end, start, end),
            Rule::escape => self.unquoted_escape(start, end),
            Rule::squote => self.piece(Kind::Str, start, end, start + 1, end - 1),
            Rule::var => self.piece(Kind::Var, start, end, start + 1, end),
            Rule::bvar => self.piece(Kind::Var, start, end, start + 2, end - 1),
            Rule::dquote => self.dquote(pair, base, start, end),
            Rule::pleq => self.punct(Kind::PlusEq, start, end),
            Rule::punct => self.punct(Kind::Punct(raw.as_bytes()[0]), start, end),
            Rule::bad_comment => {
                self.error(start, end, UNTERMINATED_COMMENT);
                self.done = true;
            }
            Rule::bad_squote | Rule::bad_dquote => self.error(start, end, "unterminated string"),
            Rule::bad_bvar => self.error(start, end, "unterminated variable"),
            _ if raw == "\0" => {
                // See `fill`: a NUL outside quotes ends the input.
                self.queue.push_back(Tok::eof(start));
                self.done = true;
            }
            _ => self.other(start, end),
        }
    }

    /// A double-quoted string becomes the same token sequence jaillex.l returns: the
    /// text before the first `$` (possibly empty), then variables, literal `$`s and text
    /// pieces. After a variable, a leading backslash escape is a token of its own (the
    /// DQ-state rules), which matters only for where a NUL byte truncates.
    fn dquote(&mut self, pair: pest::iterators::Pair<'_, Rule>, base: usize, start: usize, end: usize) {
        let mut inner = pair.into_inner().peekable();
        let head_is_text = matches!(inner.peek().map(|p| p.as_rule()), Some(Rule::dq_text));
        if head_is_text {
            if let Some(p) = inner.next() {
                let pe = base + p.as_span().end();
                self.piece(Kind::Str, start, pe, start + 1, pe);
            }
        } else {
            self.piece(Kind::Str, start, start + 1, start + 1, start + 1);
        }
        for p in inner {
            let s = p.as_span();
            let (ps, pe) = (base + s.start(), base + s.end());
            // Pieces inside the quotes are glued to the head.
            self.prev_end = ps;
            let raw = p.as_str();
            match p.as_rule() {
                Rule::var => self.piece(Kind::Var, ps, pe, ps + 1, pe),
                Rule::dq_bvar => self.piece(Kind::Var, ps, pe, ps + 2, pe - 1),
                Rule::dq_bad_bvar => self.error(ps, pe, "unterminated variable"),
                Rule::dq_dollar => self.piece(Kind::Str, ps, pe, ps, pe),
                _ => {
                    let mut rest = raw;
                    let mut at = ps;
                    while rest.starts_with('\\') {
                        let n = escape_len_bytes(rest.as_bytes());
                        self.piece(Kind::Str, at, at + n, at, at + n);
                        rest = &rest[n..];
                        at += n;
                    }
                    if !rest.is_empty() {
                        self.piece(Kind::Str, at, pe, at, pe);
                    }
                }
            }
        }
        self.prev_end = end;
    }
}
