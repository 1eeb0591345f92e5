//! The jail.conf scanner (after jaillex.l): tokens with the scanner's `instr` flag, read
//! by hand for the frequent shapes. The pest grammar behind the rest is in `pest_scan`.

mod pest_scan;

use std::collections::VecDeque;
use std::sync::Arc;

use crate::diag::{Diag, Source};
use crate::parse::text2lval::decode_into;
use pest_scan::Rule;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// STR (or STR1 when `glued`).
    Str,
    /// VAR (or VAR1 when `glued`).
    Var,
    PlusEq,
    Punct(u8),
    /// A character no rule accepts.
    Other,
    Eof,
    /// A scanning error at `start`: jaillex.l warns, sets the error flag and scans on;
    /// the file is rejected. jailvol stops when the parser reaches it.
    Error(&'static str),
}

/// A token. Its value is not copied out: it is `text2lval(source[vstart..vend])`, decoded
/// when the statement parser takes it (no allocation per token).
#[derive(Debug, Clone, Copy)]
pub(super) struct Tok {
    pub(super) kind: Kind,
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) vstart: usize,
    pub(super) vend: usize,
    /// The scanner's `instr` flag: this piece continues the previous string.
    pub(super) glued: bool,
}

/// The scanner. The rules are those of grammar/jailconf.pest; the frequent, simple tokens
/// (blanks, comments, words, punctuation, `$name`, quoted strings with no `\` or `$`) are
/// recognised by hand for speed, everything else is handed to the pest grammar one token
/// at a time. `reference` makes every token go through pest (tests compare the two).
pub(super) struct Lexer {
    pub(super) source: Arc<Source>,
    pub(super) pos: usize,
    pub(super) queue: VecDeque<Tok>,
    instr: bool,
    prev_end: usize,
    done: bool,
    reference: bool,
    /// An error was queued: the parser's lookahead must look for it.
    pub(super) erred: bool,
    /// Where the last token ends if it ends an unquoted word (usize::MAX otherwise): a
    /// comment starting right there cuts the value (`Parsed::cuts`).
    word_end: usize,
    /// The offsets and openers of those comments.
    pub(super) cuts: Vec<(usize, &'static str)>,
}

/// The message of jaillex.l's unterminated-comment rule (see `unterminated_comment`).
pub(super) const UNTERMINATED_COMMENT: &str = "unterminated comment";

/// jaillex.l's unquoted word characters, `[A-Za-z0-9_!%&()\-.:<>?@\[\]^`|~]`, as a
/// table: the scanner asks for every byte of every word.
const WORD_BYTES: [bool; 256] = {
    let mut t = [false; 256];
    let extra = b"_!%&()-.:<>?@[]^`|~";
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric();
        c += 1;
    }
    let mut i = 0;
    while i < extra.len() {
        t[extra[i] as usize] = true;
        i += 1;
    }
    t
};

pub(super) fn is_word_byte(c: u8) -> bool {
    WORD_BYTES[usize::from(c)]
}

/// The end of a `$name` variable whose `$` is at `dollar` (jaillex.l's
/// `\$[A-Za-z_][A-Za-z_0-9]*`), or None when no name follows the `$`.
pub(super) fn simple_var_end(b: &[u8], dollar: usize) -> Option<usize> {
    let first = *b.get(dollar + 1)?;
    if !(first.is_ascii_alphabetic() || first == b'_') {
        return None;
    }
    let name = &b[dollar + 2..];
    Some(
        dollar
            + 2
            + name
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                .count(),
    )
}

impl Lexer {
    pub(super) fn new(source: Arc<Source>) -> Lexer {
        Lexer {
            source,
            pos: 0,
            queue: VecDeque::new(),
            instr: false,
            prev_end: 0,
            done: false,
            reference: false,
            erred: false,
            word_end: usize::MAX,
            cuts: Vec::new(),
        }
    }

    /// A scanner that starts at `at`, between two tokens (split.rs).
    pub(super) fn starting_at(source: Arc<Source>, at: usize) -> Lexer {
        let mut l = Lexer::new(source);
        l.pos = at;
        l.prev_end = at;
        l
    }

    /// Nothing is queued and the last token was punctuation (or there was none): the
    /// state `punct` leaves, where a statement can be read without the token queue.
    pub(super) fn clean(&self) -> bool {
        self.queue.is_empty() && !self.erred && !self.done && !self.instr && self.word_end == usize::MAX
    }

    /// After a statement read by `Parser::fast_statement`, ending with its `;` at `end`:
    /// the state `punct` leaves.
    pub(super) fn after_fast(&mut self, end: usize) {
        self.pos = end;
        self.prev_end = end;
        self.instr = false;
        self.word_end = usize::MAX;
    }

    /// Scan at least one more token into the queue: the end of the input is a token too.
    pub(super) fn fill_one(&mut self) -> Result<(), Diag> {
        if self.done {
            let end = self.source.text.len();
            self.queue.push_back(Tok::eof(end));
            Ok(())
        } else if self.reference {
            self.fill_pest(Rule::chunk)
        } else {
            self.fill()
        }
    }

    /// The next token, or the scanning error met before it.
    fn next(&mut self) -> Result<Tok, Diag> {
        loop {
            match self.queue.pop_front() {
                Some(t) => return self.checked(t),
                None => self.fill_one()?,
            }
        }
    }

    /// A token, or the scanning error it stands for.
    pub(super) fn checked(&self, t: Tok) -> Result<Tok, Diag> {
        match t.kind {
            Kind::Error(UNTERMINATED_COMMENT) => Err(self.unterminated_comment(t)),
            Kind::Error(message) => Err(Diag::at(&self.source, t.start, message)),
            _ => Ok(t),
        }
    }

    /// jaillex.l's `<_>\/\*([^*]|(\*+([^*\/])))*\**` rule matches to the end of the
    /// file, and flex (`%option yylineno`) counts the newlines of a match before its
    /// action prints `yylineno`: jail(8) names the line where the file ends (one past
    /// the last line after a final newline), which is where the token `t` ends. The
    /// message says where the comment opens, the place to fix.
    fn unterminated_comment(&self, t: Tok) -> Diag {
        let (line, col) = self.source.line_col(t.start);
        let text = self.source.line_text(line);
        let from = text
            .char_indices()
            .nth(col.saturating_sub(1))
            .map_or(text.len(), |(i, _)| i);
        let opener: String = text[from..].chars().take(40).collect();
        Diag::at(
            &self.source,
            t.end,
            format!("unterminated comment: {opener:?} at line {line}, column {col} has no \"*/\""),
        )
        .with_note("jail(8) reports the line where the file ends, after the lines the comment swallowed")
    }

    /// Scan at least one token (or reach the end).
    fn fill(&mut self) -> Result<(), Diag> {
        let source = Arc::clone(&self.source);
        let b = source.text.as_bytes();
        let i = self.pos;
        self.note_cut(b, i);
        let Some(i) = self.skip_blanks(b, i) else {
            return Ok(());
        };
        self.pos = i;
        let Some(&c) = b.get(i) else {
            self.done = true;
            return Ok(());
        };
        match c {
            b'+' if b.get(i + 1) == Some(&b'=') => self.punct(Kind::PlusEq, i, i + 2),
            b',' | b';' | b'=' | b'{' | b'}' => self.punct(Kind::Punct(c), i, i + 1),
            _ if is_word_byte(c) => {
                let e = i + b[i..].iter().take_while(|&&c| is_word_byte(c)).count();
                self.piece(Kind::Str, i, e, i, e);
            }
            b'\'' | b'"' => return self.quoted(b, i, c),
            b'/' | b'*' | b'+' => self.piece(Kind::Str, i, i + 1, i, i + 1),
            b'$' => match simple_var_end(b, i) {
                Some(e) => self.piece(Kind::Var, i, e, i + 1, e),
                None if b.get(i + 1) == Some(&b'{') => {
                    // `${...}` up to the first `}`, no newline or brace inside; else the
                    // slow path reports "unterminated variable".
                    let mut j = i + 2;
                    loop {
                        match b.get(j) {
                            Some(b'\\') if j + 1 < b.len() => j += 2,
                            Some(b'}') => break,
                            Some(b'\n' | b'{' | b'\\') | None => return self.fill_pest(Rule::one),
                            Some(_) => j += 1,
                        }
                    }
                    self.piece(Kind::Var, i, j + 1, i + 2, j);
                }
                None => self.piece(Kind::Str, i, i + 1, i, i + 1),
            },
            b'\\' => self.unquoted_escape(i, i + escape_len_bytes(&b[i..])),
            0 => {
                // A NUL byte outside quotes: jaillex.l returns yytext[0], 0, which yacc
                // takes for the end of the input. The rest of the file is not read.
                self.queue.push_back(Tok::eof(i));
                self.done = true;
            }
            _ => return self.fill_pest(Rule::one),
        }
        if let Some(t) = self.queue.back() {
            self.pos = t.end;
        }
        Ok(())
    }

    /// A comment right after an unquoted word (`word_end`) cuts the value: noted in
    /// `cuts` for check.
    #[inline]
    fn note_cut(&mut self, b: &[u8], i: usize) {
        if i == self.word_end {
            match (b.get(i), b.get(i + 1)) {
                (Some(b'#'), _) => self.cuts.push((i, "#")),
                (Some(b'/'), Some(b'/')) => self.cuts.push((i, "//")),
                (Some(b'/'), Some(b'*')) => self.cuts.push((i, "/*")),
                _ => {}
            }
        }
    }

    /// Past blanks and comments from `i`; None at an unterminated `/*`, after queueing
    /// its error and ending the scan.
    #[inline]
    fn skip_blanks(&mut self, b: &[u8], mut i: usize) -> Option<usize> {
        while i < b.len() {
            match b[i] {
                b' ' | b'\t' | b'\r' | b'\n' => i += 1,
                b'#' => i = line_end(b, i),
                b'/' if b.get(i + 1) == Some(&b'/') => i = line_end(b, i),
                b'/' if b.get(i + 1) == Some(&b'*') => match find(b, i + 2, b"*/") {
                    Some(e) => i = e + 2,
                    None => {
                        self.error(i, b.len(), UNTERMINATED_COMMENT);
                        self.pos = b.len();
                        self.done = true;
                        return None;
                    }
                },
                _ => break,
            }
        }
        Some(i)
    }

    /// The quoted string at `i` (quote `c`): its head piece, then from its first `$` the
    /// pieces of the DQ state (`dq_rest`). An unclosed one is left to the pest grammar.
    #[inline]
    fn quoted(&mut self, b: &[u8], i: usize, c: u8) -> Result<(), Diag> {
        // `'([^'\\]|\\(.|\n))*'`, `"([^"\\]|\\(.|\n))*"`; unclosed: the slow path
        // reports it.
        let mut j = i + 1;
        let mut dollar = None;
        loop {
            // Only the quote, a backslash and (once) a `$` matter.
            let rest = b.get(j..).unwrap_or_default();
            let next = if c == b'"' && dollar.is_none() {
                memchr::memchr3(c, b'\\', b'$', rest)
            } else {
                memchr::memchr2(c, b'\\', rest)
            };
            let Some(k) = next else {
                return self.fill_pest(Rule::one);
            };
            j += k;
            match b[j] {
                b'\\' => j += 2,
                b'$' if c == b'"' => {
                    dollar = Some(j);
                    j += 1;
                }
                _ => break,
            }
        }
        if j >= b.len() {
            return self.fill_pest(Rule::one);
        }
        let e = j + 1;
        match dollar {
            None => self.piece(Kind::Str, i, e, i + 1, j),
            Some(d) => {
                self.piece(Kind::Str, i, d, i + 1, d);
                self.dq_rest(b, d, j);
                self.prev_end = e;
                if self.done {
                    return Ok(());
                }
            }
        }
        self.pos = e;
        Ok(())
    }

    /// The DQ state of jaillex.l: the rest of a double-quoted string from its first `$`
    /// (at `from`) to its closing quote (at `close`), after the head piece.
    fn dq_rest(&mut self, b: &[u8], from: usize, close: usize) {
        let mut i = from;
        while i < close {
            // Pieces inside the quotes are glued to what precedes them.
            self.prev_end = i;
            let var = if b[i] == b'$' { simple_var_end(b, i) } else { None };
            if let Some(e) = var {
                self.piece(Kind::Var, i, e, i + 1, e);
                i = e;
                continue;
            }
            match b[i] {
                b'$' if b.get(i + 1) == Some(&b'{') => {
                    let mut j = i + 2;
                    loop {
                        match b[j] {
                            b'\\' if j + 1 < close => j += 2,
                            b'}' => break,
                            b'\n' | b'"' | b'{' | b'\\' => {
                                self.error(i, j, "unterminated variable");
                                self.done = true;
                                return;
                            }
                            _ => j += 1,
                        }
                    }
                    self.piece(Kind::Var, i, j + 1, i + 2, j);
                    i = j + 1;
                }
                b'$' => {
                    self.piece(Kind::Str, i, i + 1, i, i + 1);
                    i += 1;
                }
                b'\\' => {
                    let n = escape_len_bytes(&b[i..close]);
                    self.piece(Kind::Str, i, i + n, i, i + n);
                    i += n;
                }
                _ => {
                    let mut j = i;
                    while j < close && b[j] != b'$' {
                        j += if b[j] == b'\\' { 2 } else { 1 };
                    }
                    let j = j.min(close);
                    self.piece(Kind::Str, i, j, i, j);
                    i = j;
                }
            }
        }
    }

    /// An escape outside quotes, `start..end` as `escape_len_bytes` measures it. flex's
    /// `.` in `<_,DQ>\\(.|\n|...)` is one byte: before a multi-byte character the
    /// backslash escapes its first byte only, and `<_>. return yytext[0]` makes the
    /// next byte a raw token, a syntax error (jaillex.l; jail(8) rejects the file).
    /// Here the rest of the character is that token, so that tokens end on characters.
    /// Inside quotes the quoted-string rules take the next byte as text: nothing splits.
    pub(super) fn unquoted_escape(&mut self, start: usize, end: usize) {
        let multibyte = end - start > 2 && self.source.text.as_bytes()[start + 1] >= 0x80;
        if multibyte {
            self.piece(Kind::Str, start, start + 2, start, start + 2);
            self.other(start + 2, end);
        } else {
            self.piece(Kind::Str, start, end, start, end);
        }
    }

    /// A character no rule takes, returned as a raw token; `instr` is untouched.
    pub(super) fn other(&mut self, start: usize, end: usize) {
        self.prev_end = end;
        self.queue.push_back(Tok {
            kind: Kind::Other,
            start,
            end,
            vstart: start,
            vend: end,
            glued: false,
        });
    }

    fn punct(&mut self, kind: Kind, start: usize, end: usize) {
        self.instr = false;
        self.prev_end = end;
        self.word_end = usize::MAX;
        self.queue.push_back(Tok {
            kind,
            start,
            end,
            vstart: start,
            vend: end,
            glued: false,
        });
    }

    /// Apply the `instr` rules: whitespace or a comment between two tokens, `+=` and the
    /// punctuation reset it; a string or variable piece sets it.
    fn piece(&mut self, kind: Kind, start: usize, end: usize, vstart: usize, vend: usize) {
        if start != self.prev_end {
            self.instr = false;
        }
        let glued = self.instr;
        self.instr = true;
        self.prev_end = end;
        // A quoted string or `${name}` ends with its closing quote or brace, outside
        // its value; a word, `$name` or an escape ends with its value.
        self.word_end = if vend == end { end } else { usize::MAX };
        self.queue.push_back(Tok {
            kind,
            start,
            end,
            vstart,
            vend,
            glued,
        });
    }

    fn error(&mut self, at: usize, end: usize, message: &'static str) {
        if at != self.prev_end {
            self.instr = false;
        }
        self.prev_end = end;
        self.word_end = usize::MAX;
        self.queue.push_back(Tok {
            kind: Kind::Error(message),
            start: at,
            end,
            vstart: at,
            vend: at,
            glued: false,
        });
        self.erred = true;
    }
}

impl Tok {
    fn eof(at: usize) -> Tok {
        Tok {
            kind: Kind::Eof,
            start: at,
            end: at,
            vstart: at,
            vend: at,
            glued: false,
        }
    }
}

fn line_end(b: &[u8], from: usize) -> usize {
    b[from..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |n| from + n)
}

pub(super) fn find(b: &[u8], from: usize, pat: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(pat.len())
        .position(|w| w == pat)
        .map(|n| from + n)
}

/// Length of the escape at the start of `b` by the scanner's atomic-escape rule: `\`
/// followed by 1-3 octal digits, `x` and 1-2 hex digits, or any one character (a
/// multi-byte character after the backslash counts whole here; outside quotes
/// `Lexer::unquoted_escape` splits it as jail(8) does).
fn escape_len_bytes(b: &[u8]) -> usize {
    match b.get(1) {
        Some(b'0'..=b'7') => {
            1 + b[1..]
                .iter()
                .take(3)
                .take_while(|c| (b'0'..=b'7').contains(c))
                .count()
        }
        Some(b'x') => {
            2 + b[2..]
                .iter()
                .take(2)
                .take_while(|c| c.is_ascii_hexdigit())
                .count()
        }
        Some(&c) if c >= 0x80 => 1 + 1 + b[2..].iter().take_while(|&&c| (0x80..0xc0).contains(&c)).count(),
        Some(_) => 2,
        None => 1,
    }
}

/// The token stream of `text` as `kind@start=value` lines, for tests: `reference`
/// scans with the pest grammar alone, otherwise with the fast path jailvol uses.
#[doc(hidden)]
pub fn debug_tokens(text: &str, reference: bool) -> Vec<String> {
    let source = Source::new("t", text);
    let mut lx = Lexer::new(Arc::clone(&source));
    lx.reference = reference;
    let mut out = Vec::new();
    loop {
        match lx.next() {
            Ok(t) => {
                let mut v = Vec::new();
                decode_into(&mut v, &source.text.as_bytes()[t.vstart..t.vend]);
                out.push(format!(
                    "{:?}{}@{}={}",
                    t.kind,
                    if t.glued { "+" } else { "" },
                    t.start,
                    String::from_utf8_lossy(&v)
                ));
                if t.kind == Kind::Eof {
                    return out;
                }
            }
            Err(e) => {
                out.push(format!("error {e}"));
                return out;
            }
        }
    }
}
