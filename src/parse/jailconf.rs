//! jail.conf(5) parser: FreeBSD's scanner (grammar/jailconf.pest, after jaillex.l) and
//! statement grammar (after jailparse.y of FreeBSD 15/main: nested blocks, `.include`).
//!
//! The output is the list of raw jail records jail(8) builds while parsing (`cfjails` in
//! config.c): real jails, wildcard blocks and the one global `*` pseudo-jail, each with
//! its statements in file order. Merging and variable expansion are in `crate::model`.

use std::collections::VecDeque;
use std::sync::Arc;

use pest::Parser as _;
use pest_derive::Parser;
use smallvec::SmallVec;

use super::loader::Loader;
use super::text2lval::decode_into;
use crate::diag::{Diag, Loc, Source, exit};
use crate::lint::Lint;

#[derive(Parser)]
#[grammar = "../grammar/jailconf.pest"]
struct Scanner;

/// jail(8) gives up past this include depth (config.c MAX_INCLUDE_DEPTH).
pub const MAX_INCLUDE_DEPTH: usize = 32;

/// Deepest block nesting accepted. The statement parser recurses once per level (a
/// 10,000-deep `a{a{...}}` overflowed the stack), and each level's name repeats its
/// parents' names; real configurations nest a few levels.
pub const MAX_BLOCK_DEPTH: usize = 128;

/// Configuration text: a span of the source file when the value is written as it is
/// (most names and values), else text of its own (decoded escapes, pieces joined across
/// a variable, nested block names). Spans keep the parse to a few allocations per jail,
/// where a `String` per token made allocation the main cost of reading a large file.
#[derive(Clone)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    Span(Arc<Source>, u32, u32),
    Own(Box<str>),
    /// Names jailvol supplies itself (`name`, `jid`): no allocation for each jail.
    Static(&'static str),
}

impl Text {
    /// `source.text[start..end]` (token edges are ASCII bytes, so character boundaries).
    /// Offsets past 4 GiB, which a span cannot hold, give text of its own.
    fn span(source: &Arc<Source>, start: usize, end: usize) -> Text {
        match (u32::try_from(start), u32::try_from(end)) {
            (Ok(s), Ok(e)) if source.text.get(start..end).is_some() => {
                Text(Repr::Span(Arc::clone(source), s, e))
            }
            _ => Text::from(source.text.get(start..end).unwrap_or("")),
        }
    }

    /// A statement or variable name at `start..end` of the source: static text when it
    /// is a `known_name`, else a span.
    fn name(source: &Arc<Source>, start: usize, end: usize) -> Text {
        match source.text.as_bytes().get(start..end).and_then(known_name) {
            Some(k) => Text(Repr::Static(k)),
            None => Text::span(source, start, end),
        }
    }

    /// `name` for a name decoded from escapes.
    fn known(self) -> Text {
        match known_name(self.as_bytes()) {
            Some(k) => Text(Repr::Static(k)),
            None => self,
        }
    }

    pub const fn from_static(s: &'static str) -> Text {
        Text(Repr::Static(s))
    }

    /// The length in bytes, without reading the text: a span knows its ends. Lookups
    /// over thousands of jails compare names whose bytes lie all over the file; most
    /// differ in length, and this rules them out without touching that memory.
    #[inline]
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Span(_, s, e) => e.saturating_sub(*s) as usize,
            Repr::Own(s) => s.len(),
            Repr::Static(s) => s.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Span(src, s, e) => {
                let (s, e) = (*s as usize, *e as usize);
                debug_assert!(src.text.get(s..e).is_some());
                // SAFETY: `span`, the only maker of a `Repr::Span`, checked that `s..e`
                // is a range of `src.text` with both ends on character boundaries, and
                // the text cannot change since: it is behind an `Arc` this span holds a
                // count of (no `Arc::get_mut`), and `Source` has no interior mutability
                // over it. A checked `get` here was a tenth of the merge's work: every
                // name and value of every jail is read through this, several times.
                unsafe { src.text.get_unchecked(s..e) }
            }
            Repr::Own(s) => s,
            Repr::Static(s) => s,
        }
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text(Repr::Own(s.into()))
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text(Repr::Own(s.into_boxed_str()))
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Text {
    #[inline]
    fn eq(&self, o: &Text) -> bool {
        self.len() == o.len() && self.as_str() == o.as_str()
    }
}

impl Eq for Text {}

impl PartialEq<str> for Text {
    fn eq(&self, o: &str) -> bool {
        self.len() == o.len() && self.as_str() == o
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, o: &&str) -> bool {
        self.len() == o.len() && self.as_str() == *o
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, o: &String) -> bool {
        self.len() == o.len() && self.as_str() == o
    }
}

impl std::hash::Hash for Text {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.as_str().hash(h)
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The names `Text::known` keeps as static text: jail(8)'s own parameters (config.c
/// `intparams`, `model::INTPARAMS`) and jailvol's variables. Most statements of a
/// large file name one of them, and most variable references are `$name`: static text
/// costs no count on the file's `Arc` (an atomic operation, which is slow amid the
/// parse's stream of stores) and no read of the file to compare.
fn known_name(b: &[u8]) -> Option<&'static str> {
    Some(match b {
        b"allow.dying" => "allow.dying",
        b"command" => "command",
        b"depend" => "depend",
        b"exec.clean" => "exec.clean",
        b"exec.consolelog" => "exec.consolelog",
        b"exec.fib" => "exec.fib",
        b"exec.jail_user" => "exec.jail_user",
        b"exec.poststart" => "exec.poststart",
        b"exec.poststop" => "exec.poststop",
        b"exec.prepare" => "exec.prepare",
        b"exec.prestart" => "exec.prestart",
        b"exec.prestop" => "exec.prestop",
        b"exec.release" => "exec.release",
        b"exec.created" => "exec.created",
        b"exec.start" => "exec.start",
        b"exec.stop" => "exec.stop",
        b"exec.system_jail_user" => "exec.system_jail_user",
        b"exec.system_user" => "exec.system_user",
        b"exec.timeout" => "exec.timeout",
        b"interface" => "interface",
        b"ip_hostname" => "ip_hostname",
        b"mount" => "mount",
        b"mount.devfs" => "mount.devfs",
        b"mount.fdescfs" => "mount.fdescfs",
        b"mount.procfs" => "mount.procfs",
        b"mount.fstab" => "mount.fstab",
        b"stop.timeout" => "stop.timeout",
        b"vnet.interface" => "vnet.interface",
        b"zfs.dataset" => "zfs.dataset",
        b"allow.chflags" => "allow.chflags",
        b"allow.mount" => "allow.mount",
        b"allow.raw_sockets" => "allow.raw_sockets",
        b"allow.set_hostname" => "allow.set_hostname",
        b"allow.socket_af" => "allow.socket_af",
        b"allow.sysvipc" => "allow.sysvipc",
        b"devfs_ruleset" => "devfs_ruleset",
        b"host.hostname" => "host.hostname",
        b"ip4.addr" => "ip4.addr",
        b"ip6.addr" => "ip6.addr",
        b"jid" => "jid",
        b"name" => "name",
        b"path" => "path",
        b"persist" => "persist",
        b"securelevel" => "securelevel",
        b"vnet" => "vnet",
        b"volume_size" => "volume_size",
        b"volume_file" => "volume_file",
        b"volume_md_unit" => "volume_md_unit",
        _ => return None,
    })
}

/// A `$variable` reference inside a string: its name and the byte position in the
/// string's literal text where its value goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarRef {
    pub name: Text,
    pub pos: usize,
    /// Offset of the `$` in the source, for messages.
    pub at: usize,
}

/// One value string as written: literal text plus the variables to splice into it.
#[derive(Debug, Clone)]
pub struct CfString {
    pub text: Text,
    pub vars: SmallVec<[VarRef; 1]>,
    pub start: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `name;`
    Bare,
    /// `name = value;`
    Set,
    /// `name += value;`
    Append,
    /// `name value;` (the `=` omitted)
    NameVal,
}

/// A parameter or variable statement.
#[derive(Debug, Clone)]
pub struct CfParam {
    pub name: Text,
    pub is_var: bool,
    pub op: Op,
    pub values: SmallVec<[CfString; 1]>,
    pub source: Arc<Source>,
    /// Byte range of the whole statement, from the name to the `;` included.
    pub start: usize,
    pub end: usize,
    /// Followed by jailvol's marker comment (`marked_after`).
    pub marked: bool,
}

impl CfParam {
    pub fn loc(&self) -> Loc {
        Loc::new(&self.source, self.start)
    }
}

/// Whether the statement ending at byte `end` of `text` carries jailvol's marker
/// (`edit::MARK`, the comment on each statement jailvol writes): on the same line,
/// blanks, `#`, blanks, then the word `jailvol` ending the line or followed by a blank
/// or a CR.
pub fn marked_after(text: &str, end: usize) -> bool {
    let rest = text.as_bytes().get(end..).unwrap_or_default();
    // Mostly the line ends right after the statement.
    if matches!(rest.first(), None | Some(b'\n')) {
        return false;
    }
    let blanks = |b: &[u8]| b.iter().take_while(|c| matches!(c, b' ' | b'\t')).count();
    let rest = &rest[blanks(rest)..];
    let Some(rest) = rest.strip_prefix(b"#") else {
        return false;
    };
    let rest = &rest[blanks(rest)..];
    rest.strip_prefix(b"jailvol")
        .is_some_and(|after| matches!(after.first(), None | Some(b'\n' | b' ' | b'\r')))
}

/// `CfJail::marked` of a block's statements.
fn marked_indices(params: &[CfParam]) -> SmallVec<[u32; 4]> {
    params
        .iter()
        .enumerate()
        .filter(|(_, p)| p.marked)
        .filter_map(|(i, _)| u32::try_from(i).ok())
        .collect()
}

/// Where a block sits in its file: the header name, `{` and `}` offsets.
#[derive(Debug, Clone)]
pub struct BlockSpan {
    pub source: Arc<Source>,
    pub header: usize,
    pub open: usize,
    pub close: usize,
    /// The 1-based line of `header` (`Source::line`), counted while parsing: `show`
    /// prints it for every jail, and needs no line index for it.
    pub line: usize,
}

/// A jail record in parse order: a block (`foo { }`, `"*" { }`, `"web.*" { }`) or the
/// global pseudo-jail `*` that collects statements outside any block.
#[derive(Debug, Clone)]
pub struct CfJail {
    pub name: Text,
    pub params: Vec<CfParam>,
    /// None for the global pseudo-jail.
    pub block: Option<BlockSpan>,
    /// Index of the enclosing block's record, for nested blocks.
    pub parent: Option<usize>,
    /// The indices in `params` of the statements jailvol wrote (`CfParam::marked`):
    /// generate and check look for them in every block of files of thousands.
    pub marked: SmallVec<[u32; 4]>,
}

impl CfJail {
    /// The statements jailvol wrote, in order.
    pub fn marked_params(&self) -> impl DoubleEndedIterator<Item = &CfParam> {
        self.marked.iter().filter_map(|&i| self.params.get(i as usize))
    }

    pub fn loc(&self) -> Option<Loc> {
        self.block.as_ref().map(|b| Loc::new(&b.source, b.header))
    }
}

/// The parse of a jail.conf and everything it includes.
#[derive(Debug, Default)]
pub struct Parsed {
    pub jails: Vec<CfJail>,
    /// Every file read, the main one first.
    pub sources: Vec<Arc<Source>>,
    /// Problems that do not stop FreeBSD 15 but matter elsewhere (older releases).
    pub warnings: Vec<Diag>,
    /// Comments glued to the unquoted word before them (`foo#bar`, `/jails//x`), in
    /// source order: jaillex.l tries its comment rules on every character outside
    /// quotes, so the value ends there. Not an error; `check` warns (JV003).
    pub cuts: Vec<Cut>,
}

/// A comment that starts right after an unquoted word, cutting the value.
#[derive(Debug, Clone)]
pub struct Cut {
    pub loc: Loc,
    /// `#`, `//` or `/*`.
    pub opener: &'static str,
}

/// Parse `host_path` (or `-` for standard input) and its includes.
pub fn parse_file(loader: &Loader, host_path: &str) -> Result<Parsed, Diag> {
    let source = loader.read(host_path, None)?;
    let is_stdin = host_path == "-";
    parse_source(loader, source, is_stdin)
}

/// Parse text already read.
pub fn parse_source(loader: &Loader, source: Arc<Source>, is_stdin: bool) -> Result<Parsed, Diag> {
    let mut p = Parser {
        loader,
        out: Parsed::default(),
        current: None,
        global: None,
        depth: 0,
        block_depth: 0,
        seen_block: false,
        open_params: Vec::new(),
        last_size: 0,
        vars: Vec::new(),
        fast: true,
    };
    p.parse_config(source, is_stdin)?;
    Ok(p.out)
}

// ---------------------------------------------------------------------------------------
// Scanner

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
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
struct Tok {
    kind: Kind,
    start: usize,
    end: usize,
    vstart: usize,
    vend: usize,
    /// The scanner's `instr` flag: this piece continues the previous string.
    glued: bool,
}

/// The scanner. The rules are those of grammar/jailconf.pest; the frequent, simple tokens
/// (blanks, comments, words, punctuation, `$name`, quoted strings with no `\` or `$`) are
/// recognised by hand for speed, everything else is handed to the pest grammar one token
/// at a time. `reference` makes every token go through pest (tests compare the two).
struct Lexer {
    source: Arc<Source>,
    pos: usize,
    queue: VecDeque<Tok>,
    instr: bool,
    prev_end: usize,
    done: bool,
    reference: bool,
    /// An error was queued: the parser's lookahead must look for it.
    erred: bool,
    /// Where the last token ends if it ends an unquoted word (usize::MAX otherwise): a
    /// comment starting right there cuts the value (`Parsed::cuts`).
    word_end: usize,
    /// The offsets and openers of those comments.
    cuts: Vec<(usize, &'static str)>,
}

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

fn is_word_byte(c: u8) -> bool {
    WORD_BYTES[usize::from(c)]
}

impl Lexer {
    fn new(source: Arc<Source>) -> Lexer {
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

    /// Nothing is queued and the last token was punctuation (or there was none): the
    /// state `punct` leaves, where a statement can be read without the token queue.
    fn clean(&self) -> bool {
        self.queue.is_empty() && !self.erred && !self.done && !self.instr && self.word_end == usize::MAX
    }

    /// After a statement read by `Parser::fast_statement`, ending with its `;` at `end`:
    /// the state `punct` leaves.
    fn after_fast(&mut self, end: usize) {
        self.pos = end;
        self.prev_end = end;
        self.instr = false;
        self.word_end = usize::MAX;
    }

    /// Scan at least one more token into the queue: the end of the input is a token too.
    fn fill_one(&mut self) -> Result<(), Diag> {
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
    fn checked(&self, t: Tok) -> Result<Tok, Diag> {
        match t.kind {
            Kind::Error(message) => Err(Diag::at(&self.source, t.start, message)),
            _ => Ok(t),
        }
    }

    /// Scan at least one token (or reach the end).
    fn fill(&mut self) -> Result<(), Diag> {
        let source = Arc::clone(&self.source);
        let b = source.text.as_bytes();
        let mut i = self.pos;
        if i == self.word_end {
            match (b.get(i), b.get(i + 1)) {
                (Some(b'#'), _) => self.cuts.push((i, "#")),
                (Some(b'/'), Some(b'/')) => self.cuts.push((i, "//")),
                (Some(b'/'), Some(b'*')) => self.cuts.push((i, "/*")),
                _ => {}
            }
        }
        while i < b.len() {
            match b[i] {
                b' ' | b'\t' | b'\r' | b'\n' => i += 1,
                b'#' => i = line_end(b, i),
                b'/' if b.get(i + 1) == Some(&b'/') => i = line_end(b, i),
                b'/' if b.get(i + 1) == Some(&b'*') => match find(b, i + 2, b"*/") {
                    Some(e) => i = e + 2,
                    None => {
                        self.error(i, b.len(), "unterminated comment");
                        self.pos = b.len();
                        self.done = true;
                        return Ok(());
                    }
                },
                _ => break,
            }
        }
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
            b'$' if b
                .get(i + 1)
                .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_') =>
            {
                let e = i
                    + 1
                    + b[i + 1..]
                        .iter()
                        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                        .count();
                self.piece(Kind::Var, i, e, i + 1, e);
            }
            b'\'' | b'"' => {
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
                return Ok(());
            }
            b'/' | b'*' | b'+' => self.piece(Kind::Str, i, i + 1, i, i + 1),
            b'$' if b.get(i + 1) == Some(&b'{') => {
                // `${...}` up to the first `}`, no newline or brace inside; else the slow
                // path reports "unterminated variable".
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
            b'$' => self.piece(Kind::Str, i, i + 1, i, i + 1),
            b'\\' => {
                let n = escape_len_bytes(&b[i..]);
                self.piece(Kind::Str, i, i + n, i, i + n);
            }
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

    /// The DQ state of jaillex.l: the rest of a double-quoted string from its first `$`
    /// (at `from`) to its closing quote (at `close`), after the head piece.
    fn dq_rest(&mut self, b: &[u8], from: usize, close: usize) {
        let mut i = from;
        while i < close {
            // Pieces inside the quotes are glued to what precedes them.
            self.prev_end = i;
            match b[i] {
                b'$' if b
                    .get(i + 1)
                    .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_') =>
                {
                    let e = i
                        + 1
                        + b[i + 1..]
                            .iter()
                            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                            .count();
                    self.piece(Kind::Var, i, e, i + 1, e);
                    i = e;
                }
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

    /// Scan with the pest grammar from `self.pos`: one token (`Rule::one`) or a chunk.
    fn fill_pest(&mut self, rule: Rule) -> Result<(), Diag> {
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

    fn token(&mut self, pair: pest::iterators::Pair<'_, Rule>, base: usize, start: usize, end: usize) {
        let raw = pair.as_str();
        match pair.as_rule() {
            Rule::word | Rule::escape | Rule::piece => self.piece(Kind::Str, start, end, start, end),
            Rule::squote => self.piece(Kind::Str, start, end, start + 1, end - 1),
            Rule::var => self.piece(Kind::Var, start, end, start + 1, end),
            Rule::bvar => self.piece(Kind::Var, start, end, start + 2, end - 1),
            Rule::dquote => self.dquote(pair, base, start, end),
            Rule::pleq => self.punct(Kind::PlusEq, start, end),
            Rule::punct => self.punct(Kind::Punct(raw.as_bytes()[0]), start, end),
            Rule::bad_comment => {
                self.error(start, end, "unterminated comment");
                self.done = true;
            }
            Rule::bad_squote | Rule::bad_dquote => self.error(start, end, "unterminated string"),
            Rule::bad_bvar => self.error(start, end, "unterminated variable"),
            _ if raw == "\0" => {
                // See `fill`: a NUL outside quotes ends the input.
                self.queue.push_back(Tok::eof(start));
                self.done = true;
            }
            _ => {
                // `other`: returned as a raw character token; `instr` is untouched.
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

fn find(b: &[u8], from: usize, pat: &[u8]) -> Option<usize> {
    b.get(from..)?
        .windows(pat.len())
        .position(|w| w == pat)
        .map(|n| from + n)
}

/// Length of the escape at the start of `b` by the scanner's atomic-escape rule: `\`
/// followed by 1-3 octal digits, `x` and 1-2 hex digits, or any one character (a
/// multi-byte character after the backslash counts whole).
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

// ---------------------------------------------------------------------------------------
// Statements (jailparse.y):
//
//   conf   : (jail | param ';' | ';')*
//   jail   : STR '{' conf '}'
//   param  : name | name '=' value | name '+=' value | name value
//   name   : STR | VAR
//   value  : string (',' string)*
//   string : (STR | VAR) (STR1 | VAR1)*

struct Parser<'l> {
    loader: &'l Loader,
    out: Parsed,
    /// The block being filled (`current_jail`); shared with included files.
    current: Option<usize>,
    /// The global pseudo-jail, created at the first statement outside any block.
    global: Option<usize>,
    depth: usize,
    /// Blocks open around the current statement, across included files.
    block_depth: usize,
    seen_block: bool,
    /// The statements of each open block, by depth, moved into the block's record when
    /// it closes.
    open_params: Vec<Vec<CfParam>>,
    /// How many statements the last block closed had.
    last_size: usize,
    /// The variables of the string being read, likewise.
    vars: Vec<VarRef>,
    /// Read statements of the common shape straight from the bytes (`fast_statement`);
    /// off in tests that compare the two ways.
    fast: bool,
}

/// The parser's view of the scanner: jailparse.y needs one token of lookahead past the
/// current one (a name followed by `{` opens a block); the scanner's queue holds them.
struct Stream {
    lexer: Lexer,
    /// `Parser::fast`, and the file has no NUL byte (decoding truncates at one, and
    /// outside quotes it ends the input: the token path handles both).
    fast: bool,
    /// A byte offset and its 1-based line: block headers come in file order, so each
    /// one's line is counted from the last one's.
    line_at: (usize, usize),
}

impl Stream {
    #[inline]
    fn peek(&mut self) -> Result<&Tok, Diag> {
        // The common case: the token is scanned and no error is queued.
        if !self.lexer.erred && !self.lexer.queue.is_empty() {
            return self.lexer.queue.front().ok_or_else(internal);
        }
        self.peek_nth(0)
    }
    #[inline(never)]
    fn peek_nth(&mut self, n: usize) -> Result<&Tok, Diag> {
        while self.lexer.queue.len() <= n {
            self.lexer.fill_one()?;
        }
        // A scanning error is reported when the parser reaches it, as jail(8) does.
        if self.lexer.erred
            && let Some(&t) = self
                .lexer
                .queue
                .iter()
                .take(n + 1)
                .find(|t| matches!(t.kind, Kind::Error(_)))
        {
            return Err(self.lexer.checked(t).err().unwrap_or_else(internal));
        }
        self.lexer.queue.get(n).ok_or_else(internal)
    }
    #[inline]
    fn bump(&mut self) -> Result<Tok, Diag> {
        if self.lexer.erred || self.lexer.queue.is_empty() {
            self.peek_nth(0)?;
        }
        self.lexer.queue.pop_front().ok_or_else(internal)
    }
    fn source(&self) -> &Arc<Source> {
        &self.lexer.source
    }
    /// `Source::line(offset)`, counting the newlines since the last offset asked for.
    fn line(&mut self, offset: usize) -> usize {
        let text = self.lexer.source.text.as_bytes();
        let offset = offset.min(text.len());
        let (from, line) = match self.line_at {
            (from, line) if from <= offset => (from, line),
            _ => (0, 1),
        };
        let line = line + memchr::memchr_iter(b'\n', &text[from..offset]).count();
        self.line_at = (offset, line);
        line
    }
    /// A token's value, decoded (lossy for bytes that are not UTF-8).
    fn text(&self, t: &Tok) -> Text {
        if plain(&self.source().text, t).is_some() {
            return Text::span(self.source(), t.vstart, t.vend);
        }
        let mut v = Vec::new();
        decode_into(&mut v, &self.source().text.as_bytes()[t.vstart..t.vend]);
        Text::from(match String::from_utf8(v) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
    }
    fn syntax_error(&self, t: &Tok, expected: &str) -> Diag {
        let msg = match t.kind {
            Kind::Eof => format!("syntax error: unexpected end of file, expected {expected}"),
            _ => {
                let raw = &self.source().text[t.start..t.end];
                let shown: String = raw.chars().take(40).collect();
                let more = if shown.len() < raw.len() { "..." } else { "" };
                format!("syntax error: unexpected {shown:?}{more}, expected {expected}")
            }
        };
        // yacc reports the line the scanner is on after reading the offending token:
        // for a token that spans lines (a quoted string, a backslash-newline), its end.
        let at = if self.source().text.as_bytes()[t.start..t.end].contains(&b'\n') {
            t.end
        } else {
            t.start
        };
        Diag::at(self.source(), at, msg)
    }
}

impl Parser<'_> {
    fn parse_config(&mut self, source: Arc<Source>, is_stdin: bool) -> Result<(), Diag> {
        let b = source.text.as_bytes();
        if let Some(cr) = memchr::memchr_iter(b'\r', b).find(|&i| b.get(i + 1) == Some(&b'\n')) {
            self.out.warnings.push(
                Lint::Crlf
                    .warning(
                        Some(Loc::new(&source, cr)),
                        "CRLF line ends: jail(8) before FreeBSD 14.0 rejects this file",
                    )
                    .with_note("the old scanner returns a raw '\\r' token, a syntax error"),
            );
        }
        self.out.sources.push(Arc::clone(&source));
        // This file's cuts go before those of the files it includes, which are added
        // while it is read: `Parsed::cuts` is in the order of `sources`.
        let first_cut = self.out.cuts.len();
        let fast = self.fast && memchr::memchr(0, b).is_none();
        let mut s = Stream {
            lexer: Lexer::new(source),
            fast,
            line_at: (0, 1),
        };
        self.conf(&mut s, false, is_stdin)?;
        let source = s.source();
        let cuts = s.lexer.cuts.iter().map(|&(at, opener)| Cut {
            loc: Loc::new(source, at),
            opener,
        });
        self.out.cuts.splice(first_cut..first_cut, cuts);
        Ok(())
    }

    /// Statements and blocks to the end of the file, or in a block to its `}` (consumed):
    /// returns that `}`'s offset.
    fn conf(&mut self, s: &mut Stream, in_block: bool, is_stdin: bool) -> Result<usize, Diag> {
        loop {
            if s.fast && s.lexer.clean() {
                match self.fast_item(s) {
                    Fast::Statement(param) => {
                        self.place(s, param, is_stdin)?;
                        continue;
                    }
                    Fast::Placed => continue,
                    Fast::Open { name, header, open } => {
                        self.block(s, name, header, open, is_stdin)?;
                        continue;
                    }
                    Fast::Close(at) if in_block => {
                        s.lexer.after_fast(at + 1);
                        return Ok(at);
                    }
                    _ => {}
                }
            }
            let t = *s.peek()?;
            match t.kind {
                Kind::Eof if !in_block => return Ok(t.start),
                Kind::Eof => return Err(s.syntax_error(&t, "\"}\" to close the block")),
                Kind::Punct(b'}') if in_block => {
                    s.bump()?;
                    return Ok(t.start);
                }
                Kind::Punct(b';') => {
                    s.bump()?;
                }
                Kind::Str if matches!(s.peek_nth(1)?.kind, Kind::Punct(b'{')) => {
                    let name_tok = s.bump()?;
                    let open = s.bump()?;
                    let name = s.text(&name_tok);
                    self.block(s, name, name_tok.start, open.start, is_stdin)?;
                }
                Kind::Str | Kind::Var => self.statement(s, is_stdin)?,
                _ => return Err(s.syntax_error(&t, "a parameter or a jail block")),
            }
        }
    }

    /// A block whose name (`name`, at `header`) and `{` (at `open`) were read.
    fn block(
        &mut self,
        s: &mut Stream,
        name: Text,
        header: usize,
        open: usize,
        is_stdin: bool,
    ) -> Result<(), Diag> {
        if self.block_depth >= MAX_BLOCK_DEPTH {
            return Err(Diag::at(
                s.source(),
                header,
                format!("blocks nested more than {MAX_BLOCK_DEPTH} deep"),
            )
            .with_note("jailvol refuses deeper nesting; each level's jail name repeats its parents' names"));
        }
        self.block_depth += 1;
        let name = match self.current {
            Some(parent) => Text::from(format!("{}.{}", self.out.jails[parent].name, name)),
            None => name,
        };
        if self.current.is_some() {
            self.out.warnings.push(Lint::NestedBlock.warning(
                Some(Loc::new(s.source(), header)),
                format!(
                    "nested block defines jail \"{name}\": jail(8) before FreeBSD 15 rejects nested blocks"
                ),
            ));
        }
        self.seen_block = true;
        let idx = self.out.jails.len();
        let line = s.line(header);
        self.out.jails.push(CfJail {
            name,
            params: Vec::new(),
            block: Some(BlockSpan {
                source: Arc::clone(s.source()),
                header,
                open,
                close: open,
                line,
            }),
            parent: self.current,
            marked: SmallVec::new(),
        });
        let saved = self.current.replace(idx);
        // The block's statements go straight into a list sized like the last block's
        // (blocks of a large file mostly have one size), trimmed when the block ends:
        // a statement is 160 bytes, and gathering them in a reused list meant copying
        // each one twice.
        let size = self.last_size;
        if self.open_params.len() < self.block_depth {
            self.open_params.push(Vec::new());
        }
        if let Some(open) = self.open_params.get_mut(self.block_depth - 1) {
            *open = Vec::with_capacity(size);
        }
        let close = self.conf(s, true, is_stdin)?;
        let rec = &mut self.out.jails[idx];
        if let Some(b) = rec.block.as_mut() {
            b.close = close;
        }
        if let Some(open) = self.open_params.get_mut(self.block_depth - 1) {
            rec.marked = marked_indices(open);
            rec.params = std::mem::take(open);
            rec.params.shrink_to_fit();
            self.last_size = rec.params.len();
        }
        self.current = saved;
        self.block_depth -= 1;
        Ok(())
    }

    fn statement(&mut self, s: &mut Stream, is_stdin: bool) -> Result<(), Diag> {
        let name = s.bump()?;
        let is_var = name.kind == Kind::Var;
        let next = *s.peek()?;
        let (op, values) = match next.kind {
            Kind::Punct(b';') => (Op::Bare, SmallVec::new()),
            Kind::Punct(b'=') => {
                s.bump()?;
                (Op::Set, self.value(s)?)
            }
            Kind::PlusEq => {
                s.bump()?;
                (Op::Append, self.value(s)?)
            }
            Kind::Str | Kind::Var if !next.glued => (Op::NameVal, self.value(s)?),
            _ => return Err(s.syntax_error(&next, "\"=\", \"+=\", a value or \";\"")),
        };
        let semi = *s.peek()?;
        if semi.kind != Kind::Punct(b';') {
            let what = if values.is_empty() {
                "\";\""
            } else {
                "\",\" or \";\" after the value"
            };
            return Err(s.syntax_error(&semi, what));
        }
        s.bump()?;
        let param = CfParam {
            name: s.text(&name).known(),
            is_var,
            op,
            values,
            source: Arc::clone(s.source()),
            start: name.start,
            end: semi.end,
            marked: marked_after(&s.source().text, semi.end),
        };
        self.place(s, param, is_stdin)
    }

    /// A statement read: an `.include` is followed, anything else goes to the block
    /// being read or the global pseudo-jail.
    fn place(&mut self, s: &mut Stream, param: CfParam, is_stdin: bool) -> Result<(), Diag> {
        if !param.is_var && param.op == Op::NameVal && param.name == ".include" {
            return self.include(s, &param, is_stdin);
        }
        let target = match self.current {
            Some(_) => {
                if let Some(open) = self.open_params.get_mut(self.block_depth.wrapping_sub(1)) {
                    open.push(param);
                }
                return Ok(());
            }
            None => {
                if self.seen_block {
                    self.out.warnings.push(
                        Lint::TopLevelAfterBlock
                            .warning(
                                Some(param.loc()),
                                format!(
                                    "parameter \"{}\" outside any block after a jail block",
                                    param.name
                                ),
                            )
                            .with_note(
                                "FreeBSD 15 adds it to the global section that starts at the first top-level \
                             parameter; jail(8) before 15 applies it after the blocks above, overriding them",
                            ),
                    );
                }
                match self.global {
                    Some(g) => g,
                    None => {
                        self.out.jails.push(CfJail {
                            name: Text::from("*"),
                            params: Vec::new(),
                            block: None,
                            parent: None,
                            marked: SmallVec::new(),
                        });
                        let g = self.out.jails.len() - 1;
                        self.global = Some(g);
                        g
                    }
                }
            }
        };
        let rec = &mut self.out.jails[target];
        if param.marked {
            rec.marked.extend(u32::try_from(rec.params.len()));
        }
        rec.params.push(param);
        Ok(())
    }

    fn value(&mut self, s: &mut Stream) -> Result<SmallVec<[CfString; 1]>, Diag> {
        let mut values = SmallVec::new();
        values.push(self.string(s)?);
        while matches!(s.peek()?.kind, Kind::Punct(b',')) {
            s.bump()?;
            values.push(self.string(s)?);
        }
        Ok(values)
    }

    fn string(&mut self, s: &mut Stream) -> Result<CfString, Diag> {
        let first = *s.peek()?;
        if !matches!(first.kind, Kind::Str | Kind::Var) {
            return Err(s.syntax_error(&first, "a value"));
        }
        // The literal text is a span of the source while its pieces are plain (decoding
        // leaves them as they are: no backslash, no NUL) and adjacent, as in `"/jails/$name"`;
        // bytes of its own from the first piece that is not.
        let mut span: Option<(usize, usize)> = None;
        let mut bytes: Option<Vec<u8>> = None;
        let mut len = 0;
        self.vars.clear();
        loop {
            let t = s.bump()?;
            match t.kind {
                Kind::Var => self.vars.push(VarRef {
                    name: s.text(&t).known(),
                    pos: len,
                    at: t.start,
                }),
                _ if t.vstart == t.vend => {}
                _ => {
                    let src = s.source().text.as_bytes();
                    let raw = &src[t.vstart..t.vend];
                    match (&mut bytes, span) {
                        (Some(b), _) => decode_into(b, raw),
                        (None, _) if plain(&s.source().text, &t).is_none() => {
                            let mut b = Vec::with_capacity(len + raw.len());
                            if let Some((a, e)) = span {
                                b.extend_from_slice(&src[a..e]);
                            }
                            decode_into(&mut b, raw);
                            bytes = Some(b);
                        }
                        (None, None) => span = Some((t.vstart, t.vend)),
                        (None, Some((a, e))) if e == t.vstart => span = Some((a, t.vend)),
                        (None, Some((a, e))) => {
                            let mut b = Vec::with_capacity(len + raw.len());
                            b.extend_from_slice(&src[a..e]);
                            b.extend_from_slice(raw);
                            bytes = Some(b);
                        }
                    }
                    len = match (&bytes, span) {
                        (Some(b), _) => b.len(),
                        (None, Some((a, e))) => e - a,
                        (None, None) => 0,
                    };
                }
            }
            let n = s.peek()?;
            if !(n.glued && matches!(n.kind, Kind::Str | Kind::Var)) {
                // Parses are kept whole while jails are loaded: no spare capacity.
                let mut vars: SmallVec<[VarRef; 1]> = self.vars.drain(..).collect();
                let text = match (bytes, span) {
                    (Some(b), _) => Text::from(bytes_to_string(b, &mut vars)),
                    (None, Some((a, e))) => Text::span(s.source(), a, e),
                    (None, None) => Text::from(""),
                };
                return Ok(CfString {
                    text,
                    vars,
                    start: first.start,
                });
            }
        }
    }

    /// A statement, block header or block end of the common shape read straight from the
    /// bytes, without the token queue: the same records the token path gives (a unit
    /// test compares the two on random input), several times faster on large files.
    /// The shape of a statement: a name that is one word, `$name`, `${name}` or quoted
    /// string without `$`; `;`, `=`, `+=` or a value after a blank; values made of
    /// words, `/`, `*`, `+`, variables and quoted strings, with no backslash. Of a block
    /// header: a word or quoted string without `$`, then `{`. Blanks and comments may
    /// separate the tokens, but not follow a piece directly (that comment may cut the
    /// value: `Parsed::cuts`).
    ///
    /// `Fast::No` when the next item has another shape (an `.include`, an escape, an
    /// error): nothing was consumed, and the token path reads it from the same place.
    fn fast_item(&mut self, s: &mut Stream) -> Fast {
        let src = &s.lexer.source;
        let b = src.text.as_bytes();
        let Some(start) = skip_trivia(b, s.lexer.pos) else {
            return Fast::No;
        };
        match b.get(start) {
            Some(b'}') => return Fast::Close(start),
            None => return Fast::No,
            _ => {}
        }
        self.fast_statement(s, start).unwrap_or(Fast::No)
    }

    /// `fast_item` for a statement or block header from `start` (past blanks and
    /// comments).
    fn fast_statement(&mut self, s: &mut Stream, start: usize) -> Option<Fast> {
        let src = &s.lexer.source;
        let b = src.text.as_bytes();
        let mut i = start;
        let (is_var, name) = match *b.get(i)? {
            c if is_word_byte(c) => {
                i = word_end(b, i);
                (false, (start, i))
            }
            b'$' => {
                let (vs, ve, e) = var_at(b, i)?;
                i = e;
                (true, (vs, ve))
            }
            q @ (b'"' | b'\'') => {
                let close = i + 1 + memchr::memchr3(q, b'\\', b'$', b.get(i + 1..)?)?;
                if b[close] != q {
                    return None;
                }
                i = close + 1;
                (false, (start + 1, close))
            }
            _ => return None,
        };
        let after_name = i;
        let j = skip_trivia_after_piece(b, i)?;
        if b.get(j) == Some(&b'{') && !is_var {
            // A block header.
            let name = Text::span(src, name.0, name.1);
            s.lexer.after_fast(j + 1);
            return Some(Fast::Open {
                name,
                header: start,
                open: j,
            });
        }
        let op = match b.get(j) {
            Some(b';') => Op::Bare,
            Some(b'=') => {
                i = skip_trivia(b, j + 1)?;
                Op::Set
            }
            Some(b'+') if b.get(j + 1) == Some(&b'=') => {
                i = skip_trivia(b, j + 2)?;
                Op::Append
            }
            Some(_) if j > after_name && starts_piece(b, j) => {
                i = j;
                Op::NameVal
            }
            _ => return None,
        };
        if !is_var && op != Op::Bare && &b[name.0..name.1] == b".include" {
            return None;
        }
        let mut values: SmallVec<[CfString; 1]> = SmallVec::new();
        if op == Op::Bare {
            i = j;
        } else {
            loop {
                if !starts_piece(b, i) {
                    return None;
                }
                let (value, end) = fast_string(src, i)?;
                values.push(value);
                let j = skip_trivia_after_piece(b, end)?;
                match b.get(j) {
                    Some(b',') => i = skip_trivia(b, j + 1)?,
                    Some(b';') => {
                        i = j;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        // `i` is at the `;`.
        let end = i + 1;
        let param = CfParam {
            name: Text::name(src, name.0, name.1),
            is_var,
            op,
            values,
            source: Arc::clone(src),
            start,
            end,
            marked: marked_after(&src.text, end),
        };
        s.lexer.after_fast(end);
        // In a block (as nearly every statement is), `place` would push it there: done
        // here, the statement is not moved through two more calls.
        if self.current.is_some()
            && let Some(open) = self.open_params.get_mut(self.block_depth.wrapping_sub(1))
        {
            open.push(param);
            return Some(Fast::Placed);
        }
        Some(Fast::Statement(param))
    }

    /// `.include "pattern", ...;` (config.c include_config): relative names are taken
    /// from the including file's directory; glob(3) with GLOB_NOCHECK: a pattern with
    /// magic characters may match nothing, a plain name must exist.
    fn include(&mut self, s: &mut Stream, param: &CfParam, is_stdin: bool) -> Result<(), Diag> {
        for v in &param.values {
            let at = Loc::new(s.source(), v.start);
            if !v.vars.is_empty() {
                // jailparse.y reports the line of the `;` that ends the statement.
                return Err(Diag::error(
                    Some(Loc::new(s.source(), param.end - 1)),
                    "variables not permitted in '.include' filename",
                ));
            }
            self.depth += 1;
            if self.depth > MAX_INCLUDE_DEPTH {
                return Err(
                    Diag::error(Some(at), "maximum include depth exceeded").with_note(format!(
                        "jail(8) follows at most {MAX_INCLUDE_DEPTH} nested includes; is there a cycle?"
                    )),
                );
            }
            let mut name = v.text.to_string();
            let outer = &s.source().name;
            if !is_stdin
                && !name.starts_with('/')
                && let Some(slash) = outer.rfind('/')
            {
                name = format!("{}{}", &outer[..=slash], name);
            }
            if has_glob_magic(&name) {
                for m in self.glob(&name, &at)? {
                    let src = self.loader.read(&m, Some(at.clone()))?;
                    self.parse_config(src, false)?;
                }
            } else {
                let src = self.loader.read(&name, Some(at.clone()))?;
                self.parse_config(src, false)?;
            }
            self.depth -= 1;
        }
        Ok(())
    }

    fn glob(&self, pattern: &str, at: &Loc) -> Result<Vec<String>, Diag> {
        let real = self.loader.real_path(pattern);
        let real = real.to_string_lossy();
        let full = match &self.loader.root {
            // Only the part below the root is a pattern.
            Some(root) if pattern.starts_with('/') => {
                format!(
                    "{}{}",
                    glob::Pattern::escape(&root.to_string_lossy()),
                    &real[root.to_string_lossy().len()..]
                )
            }
            _ => real.into_owned(),
        };
        let opts = glob::MatchOptions {
            case_sensitive: true,
            require_literal_separator: true,
            require_literal_leading_dot: true,
        };
        let paths = glob::glob_with(&full, opts).map_err(|e| {
            Diag::error(Some(at.clone()), format!("{pattern}: filename glob failed: {e}"))
                .with_exit(exit::DATAERR)
        })?;
        let mut found: Vec<String> = paths
            .filter_map(Result::ok)
            .map(|p| self.loader.host_path(&p))
            .collect();
        found.sort();
        Ok(found)
    }
}

// ---------------------------------------------------------------------------------------
// The fast statement path's byte helpers (`Parser::fast_item`).

/// What `Parser::fast_item` read.
enum Fast {
    Statement(CfParam),
    /// A block header: its name, its offset and that of its `{`.
    Open {
        name: Text,
        header: usize,
        open: usize,
    },
    /// A statement already added to the block being read.
    Placed,
    /// A `}`, at this offset; not consumed (only a block's `conf` may).
    Close(usize),
    /// Something for the token path.
    No,
}

/// Past blanks and comments from `i`; None at an unterminated `/*` (the token path
/// reports it).
#[inline]
fn skip_trivia(b: &[u8], mut i: usize) -> Option<usize> {
    // Mostly a newline and a tab or two between statements: those inline, comments not.
    while let Some(&c) = b.get(i) {
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'#' | b'/' => return skip_comments(b, i),
            _ => return Some(i),
        }
    }
    Some(i)
}

#[inline(never)]
fn skip_comments(b: &[u8], mut i: usize) -> Option<usize> {
    loop {
        match b.get(i) {
            Some(b' ' | b'\t' | b'\r' | b'\n') => i += 1,
            Some(b'#') => i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n),
            Some(b'/') => match b.get(i + 1) {
                Some(b'/') => i = memchr::memchr(b'\n', &b[i..]).map_or(b.len(), |n| i + n),
                Some(b'*') => i = find(b, i + 2, b"*/")? + 2,
                _ => return Some(i),
            },
            _ => return Some(i),
        }
    }
}

/// `skip_trivia` right after a piece: None when a comment starts right there (it may
/// cut an unquoted value, which the token path records).
#[inline]
fn skip_trivia_after_piece(b: &[u8], i: usize) -> Option<usize> {
    match (b.get(i), b.get(i + 1)) {
        (Some(b'#'), _) | (Some(b'/'), Some(b'/' | b'*')) => None,
        _ => skip_trivia(b, i),
    }
}

/// The end of the unquoted word starting at `i`.
#[inline]
fn word_end(b: &[u8], i: usize) -> usize {
    i + b[i..].iter().take_while(|&&c| is_word_byte(c)).count()
}

/// Whether a value piece starts at `i` (that the fast path may read: no backslash).
fn starts_piece(b: &[u8], i: usize) -> bool {
    match b.get(i) {
        Some(&c) if is_word_byte(c) => true,
        Some(b'$' | b'\'' | b'"' | b'*') => true,
        Some(b'/') => !matches!(b.get(i + 1), Some(b'/' | b'*')),
        Some(b'+') => b.get(i + 1) != Some(&b'='),
        _ => false,
    }
}

/// A variable at the `$` at `i` outside quotes: its name's range and its end. None for a
/// `$` that starts no variable, and for a `${` the token path must judge.
fn var_at(b: &[u8], i: usize) -> Option<(usize, usize, usize)> {
    match b.get(i + 1) {
        Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
            let e = i
                + 2
                + b[i + 2..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                    .count();
            Some((i + 1, e, e))
        }
        Some(b'{') => {
            let close = i + 2 + memchr::memchr3(b'}', b'\n', b'{', b.get(i + 2..)?)?;
            if b[close] != b'}' || b[i + 2..close].contains(&b'\\') {
                return None;
            }
            Some((i + 2, close, close + 1))
        }
        _ => None,
    }
}

/// The literal text of a string being read by `fast_string`: a span of the source
/// while its pieces are adjacent, as `Parser::string` keeps it.
struct Lit {
    span: Option<(usize, usize)>,
    own: Option<String>,
    len: usize,
}

impl Lit {
    #[inline]
    fn push(&mut self, text: &str, a: usize, e: usize) {
        if a == e {
            return;
        }
        match (&mut self.own, self.span) {
            (Some(o), _) => o.push_str(&text[a..e]),
            (None, None) => self.span = Some((a, e)),
            (None, Some((sa, se))) if se == a => self.span = Some((sa, e)),
            (None, Some((sa, se))) => {
                let mut o = String::with_capacity(se - sa + e - a);
                o.push_str(&text[sa..se]);
                o.push_str(&text[a..e]);
                self.own = Some(o);
            }
        }
        self.len += e - a;
    }
}

/// One value string from the piece at `i` (`Parser::string` on the tokens the scanner
/// gives for it), and where it ends; None for a piece the token path must read.
fn fast_string(src: &Arc<Source>, mut i: usize) -> Option<(CfString, usize)> {
    let text = src.text.as_str();
    let b = text.as_bytes();
    let first = i;
    let mut lit = Lit {
        span: None,
        own: None,
        len: 0,
    };
    let mut vars: SmallVec<[VarRef; 1]> = SmallVec::new();
    loop {
        match b.get(i) {
            Some(&c) if is_word_byte(c) => {
                let e = word_end(b, i);
                lit.push(text, i, e);
                i = e;
            }
            Some(b'*') => {
                lit.push(text, i, i + 1);
                i += 1;
            }
            Some(b'/') if !matches!(b.get(i + 1), Some(b'/' | b'*')) => {
                lit.push(text, i, i + 1);
                i += 1;
            }
            Some(b'+') if b.get(i + 1) != Some(&b'=') => {
                lit.push(text, i, i + 1);
                i += 1;
            }
            Some(b'$') => match var_at(b, i) {
                Some((vs, ve, e)) => {
                    vars.push(VarRef {
                        name: Text::name(src, vs, ve),
                        pos: lit.len,
                        at: i,
                    });
                    i = e;
                }
                // `${` the token path must judge.
                None if b.get(i + 1) == Some(&b'{') => return None,
                None => {
                    lit.push(text, i, i + 1);
                    i += 1;
                }
            },
            Some(b'\'') => {
                let close = i + 1 + memchr::memchr2(b'\'', b'\\', b.get(i + 1..)?)?;
                if b[close] != b'\'' {
                    return None;
                }
                lit.push(text, i + 1, close);
                i = close + 1;
            }
            Some(b'"') => i = fast_dquote(src, i, &mut lit, &mut vars)?,
            Some(b'\\') => return None,
            _ => break,
        }
    }
    let text = match (lit.own, lit.span) {
        (Some(o), _) => Text::from(o),
        (None, Some((a, e))) => Text::span(src, a, e),
        (None, None) => Text::from(""),
    };
    Some((
        CfString {
            text,
            vars,
            start: first,
        },
        i,
    ))
}

/// A double-quoted string at `i`, as jaillex.l's DQ state splits it: text, `$name`,
/// `${name}` and lone `$`s. Returns the offset after its closing quote.
fn fast_dquote(
    src: &Arc<Source>,
    i: usize,
    lit: &mut Lit,
    vars: &mut SmallVec<[VarRef; 1]>,
) -> Option<usize> {
    let text = src.text.as_str();
    let b = text.as_bytes();
    let mut k = i + 1;
    loop {
        let d = k + memchr::memchr3(b'"', b'\\', b'$', b.get(k..)?)?;
        lit.push(text, k, d);
        match b[d] {
            b'"' => return Some(d + 1),
            b'\\' => return None,
            _ => {}
        }
        // A `$` inside the quotes.
        match b.get(d + 1) {
            Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
                let e = d
                    + 2
                    + b[d + 2..]
                        .iter()
                        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                        .count();
                vars.push(VarRef {
                    name: Text::name(src, d + 1, e),
                    pos: lit.len,
                    at: d,
                });
                k = e;
            }
            Some(b'{') => {
                let close = d + 2 + memchr::memchr3(b'}', b'"', b'\\', b.get(d + 2..)?)?;
                if b[close] != b'}' || b[d + 2..close].iter().any(|&c| c == b'\n' || c == b'{') {
                    return None;
                }
                vars.push(VarRef {
                    name: Text::name(src, d + 2, close),
                    pos: lit.len,
                    at: d,
                });
                k = close + 1;
            }
            _ => {
                lit.push(text, d, d + 1);
                k = d + 1;
            }
        }
    }
}

/// A token's value when decoding would not change it: no backslash, no NUL byte.
fn plain<'s>(text: &'s str, t: &Tok) -> Option<&'s str> {
    let v = text.get(t.vstart..t.vend)?;
    (!v.bytes().any(|b| b == b'\\' || b == 0)).then_some(v)
}

/// The bytes of a value as text. jail(8) works on bytes; bytes that are not UTF-8 become
/// U+FFFD, each stretch between two variable positions on its own so that the positions
/// stay right.
fn bytes_to_string(bytes: Vec<u8>, vars: &mut [VarRef]) -> String {
    let bytes = match String::from_utf8(bytes) {
        Ok(s) => return s,
        Err(e) => e.into_bytes(),
    };
    let mut out = String::with_capacity(bytes.len() + 8);
    let mut from = 0;
    for v in vars.iter_mut() {
        let to = v.pos.min(bytes.len());
        out.push_str(&String::from_utf8_lossy(&bytes[from.min(to)..to]));
        from = to;
        v.pos = out.len();
    }
    out.push_str(&String::from_utf8_lossy(&bytes[from..]));
    out
}

fn internal() -> Diag {
    Diag::error(None, "internal error: empty token queue")
}

/// glob(3) sets GLOB_MAGCHAR for `*`, `?` and a bracket expression with its `]`.
fn has_glob_magic(s: &str) -> bool {
    s.contains('*') || s.contains('?') || s.find('[').is_some_and(|i| s[i + 1..].contains(']'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `parse_source`, with or without the fast statement path.
    fn parse_with(text: &str, fast: bool) -> Result<Parsed, Diag> {
        let mut p = Parser {
            loader: &Loader::sealed(),
            out: Parsed::default(),
            current: None,
            global: None,
            depth: 0,
            block_depth: 0,
            seen_block: false,
            open_params: Vec::new(),
            last_size: 0,
            vars: Vec::new(),
            fast,
        };
        p.parse_config(Source::new("t.conf", text), false)?;
        Ok(p.out)
    }

    /// Everything a parse holds, texts with how they are kept (span or own bytes).
    fn dump(r: &Result<Parsed, Diag>) -> String {
        fn t(x: &Text) -> String {
            match &x.0 {
                Repr::Span(_, s, e) => format!("span{s}..{e}{:?}", x.as_str()),
                Repr::Own(o) => format!("own{o:?}"),
                Repr::Static(o) => format!("static{o:?}"),
            }
        }
        let p = match r {
            Ok(p) => p,
            Err(e) => return format!("error {e} {:?}", e.notes),
        };
        let mut out = String::new();
        for j in &p.jails {
            let b = j.block.as_ref().map(|b| (b.header, b.open, b.close, b.line));
            out += &format!("jail {} {b:?} {:?} {:?}\n", t(&j.name), j.parent, j.marked);
            for q in &j.params {
                out += &format!(
                    "  {} var={} {:?} {}..{} marked={} src={}\n",
                    t(&q.name),
                    q.is_var,
                    q.op,
                    q.start,
                    q.end,
                    q.marked,
                    q.source.name
                );
                for v in &q.values {
                    out += &format!("    {} @{}\n", t(&v.text), v.start);
                    for r in &v.vars {
                        out += &format!("      ${} pos={} at={}\n", t(&r.name), r.pos, r.at);
                    }
                }
            }
        }
        for w in &p.warnings {
            out += &format!("warning {w}\n");
        }
        for c in &p.cuts {
            out += &format!("cut {} {}\n", c.loc.offset, c.opener);
        }
        out
    }

    fn same_both_ways(text: &str) -> Result<(), String> {
        let parsed = parse_with(text, true);
        // The lines the parser counts for block headers are the line index's.
        for b in parsed
            .iter()
            .flat_map(|p| &p.jails)
            .filter_map(|j| j.block.as_ref())
        {
            if b.line != b.source.line(b.header) {
                return Err(format!(
                    "text {text:?}: block at {} on line {}, counted {}",
                    b.header,
                    b.source.line(b.header),
                    b.line
                ));
            }
        }
        let (fast, slow) = (dump(&parsed), dump(&parse_with(text, false)));
        if fast == slow {
            Ok(())
        } else {
            Err(format!("text {text:?}\n--- fast\n{fast}--- token path\n{slow}"))
        }
    }

    mod prop {
        use super::same_both_ways;
        use proptest::prelude::*;

        fn piece() -> impl Strategy<Value = String> {
            const FIXED: &[&str] = &[
                " ",
                "\n",
                "\"",
                "'",
                "$",
                "${",
                "}",
                "{",
                "\\",
                "/",
                "*",
                "+",
                "=",
                ";",
                ",",
                "#",
                "\r",
                "\0",
                "é",
                "\\x4",
                "\u{1}",
                "a = ",
                "; ",
                "x {",
                "$v",
                "\"a$b c\"",
                "\"${v}/x\"",
                "/* c */",
                "// c\n",
                "# jailvol\n",
                "+=",
                ".include",
                "'q w'",
            ];
            prop_oneof![
                3 => "[a-z.]{1,4}",
                10 => proptest::sample::select(FIXED).prop_map(str::to_owned),
            ]
        }

        /// Blanks and comments between tokens; "" glues the pieces around it.
        fn sep() -> impl Strategy<Value = &'static str> {
            proptest::sample::select(&[" ", "", "", "\n\t", " # c\n", "/* c */", " // c\n", "\r\n"][..])
        }

        /// A piece of a value (or a name).
        fn value_piece() -> impl Strategy<Value = String> {
            const FIXED: &[&str] = &[
                "/",
                "*",
                "+",
                "$v",
                "${v}",
                "${a b}",
                "$",
                "$1",
                "\"\"",
                "''",
                "\"a $v b\"",
                "\"$v\"",
                "\"${v}/x\"",
                "\"x$\"",
                "\"$ $\"",
                "'a $v'",
                "\"a\\\"b\"",
                "\\n",
                "\\\"",
                "\"é ü\"",
                "${",
                "\"${v\"",
                "\"a\nb\"",
                "'a\nb'",
                "#",
                "=",
                "{",
                "}",
            ];
            prop_oneof![
                4 => "[a-z0-9_.:-]{1,6}",
                6 => proptest::sample::select(FIXED).prop_map(str::to_owned),
            ]
        }

        fn value() -> impl Strategy<Value = String> {
            proptest::collection::vec((value_piece(), prop_oneof![4 => Just(""), 1 => sep()]), 1..4)
                .prop_map(|v| v.into_iter().map(|(p, s)| format!("{p}{s}")).collect())
        }

        fn statement() -> impl Strategy<Value = String> {
            let name = prop_oneof![
                6 => "[a-z][a-z.]{0,8}",
                1 => Just("$v".to_owned()),
                1 => Just("${v}".to_owned()),
                1 => Just("\"q n\"".to_owned()),
                1 => Just("'s'".to_owned()),
                1 => Just(".include".to_owned()),
                1 => value_piece(),
            ];
            let op = proptest::sample::select(&["", " = ", "=", " += ", "+=", " ", "\t"][..]);
            (
                name,
                op,
                proptest::collection::vec(value(), 0..3),
                sep(),
                sep(),
                any::<bool>(),
            )
                .prop_map(|(name, op, values, s1, s2, mark)| {
                    let vals = values.join(&format!(",{s2}"));
                    let vals = if op.is_empty() { String::new() } else { vals };
                    let mark = if mark { " # jailvol" } else { "" };
                    format!("{name}{op}{vals}{s1};{mark}\n")
                })
        }

        fn conf() -> impl Strategy<Value = String> {
            let item = prop_oneof![
                8 => statement(),
                1 => "[a-z*.]{1,4}".prop_map(|n| format!("{n} {{\n")),
                1 => proptest::sample::select(&["\"q n\" {", "'s'{", "w#c\n{", "\"$v\" {", "w/* c */{", "\"\" {\n"][..])
                    .prop_map(str::to_owned),
                1 => Just("}\n".to_owned()),
                1 => piece(),
            ];
            proptest::collection::vec(item, 0..16).prop_map(|v| v.concat())
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 4096, ..ProptestConfig::default() })]

            /// The fast statement path gives exactly the parse of the token path: the
            /// same records, statements, texts (spans where the token path keeps spans),
            /// warnings, cuts and errors.
            #[test]
            fn fast_statements_parse_as_the_token_path(
                text in proptest::collection::vec(piece(), 0..24).prop_map(|v| v.concat())
            ) {
                if let Err(e) = same_both_ways(&text) {
                    prop_assert!(false, "{}", e);
                }
            }

            /// The same on statements of every shape the fast path reads or declines.
            #[test]
            fn fast_statements_on_statement_shaped_input(text in conf()) {
                if let Err(e) = same_both_ways(&text) {
                    prop_assert!(false, "{}", e);
                }
            }
        }
    }

    /// The same on every jail.conf of the fixtures and the corpus.
    #[test]
    fn fast_statements_on_the_fixtures_and_corpus() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for dir in ["fixtures/jailconf", "fixtures/generate", "fixtures/check"] {
            for e in std::fs::read_dir(root.join(dir)).into_iter().flatten().flatten() {
                for name in ["input.conf", "jail.conf", "etc/jail.conf"] {
                    files.push(e.path().join(name));
                }
            }
        }
        if let Ok(d) = std::fs::read_dir(root.join("../shared/corpus")) {
            files.extend(
                d.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.to_string_lossy().contains("jail")),
            );
        }
        let mut seen = 0;
        for f in files {
            let Ok(text) = std::fs::read_to_string(&f) else {
                continue;
            };
            seen += 1;
            if let Err(e) = same_both_ways(&text) {
                panic!("{}: {e}", f.display());
            }
        }
        assert!(seen > 50, "only {seen} files");
    }

    /// Every name jail(8) knows is kept as static text, and nothing else: the known
    /// names are compared whole.
    #[test]
    fn known_names_are_jails_parameters() {
        for (n, _) in crate::model::INTPARAMS {
            assert_eq!(known_name(n.as_bytes()), Some(*n));
        }
        for n in ["pat", "paths", "Path", "exec.star", "", "name.", "$name"] {
            assert_eq!(known_name(n.as_bytes()), None, "{n}");
        }
    }

    /// `Text::len` answers from the span's ends; it must agree with the text, for
    /// spans, owned text (after substitution) and static names alike, and equality
    /// built on it must still compare the bytes.
    #[test]
    fn text_len_is_the_length_of_the_text() {
        let conf = "$v = \"x y\";\nj { path = \"/j/$v\"; ip4.addr = 10.0.0.1; allow.raw_sockets; }\n\"é\" { a = 'ü'; }\n";
        let parsed = parse_source(
            &crate::parse::loader::Loader::sealed(),
            Source::new("t.conf", conf),
            false,
        )
        .expect("parse");
        let mut seen = 0;
        for rec in &parsed.jails {
            assert_eq!(rec.name.len(), rec.name.as_str().len());
            for p in &rec.params {
                assert_eq!(p.name.len(), p.name.as_str().len(), "{:?}", p.name);
                assert_eq!(p.name.is_empty(), p.name.as_str().is_empty());
                seen += 1;
            }
        }
        assert!(seen >= 5);
        for t in [Text::from("abc"), Text::from_static("name"), Text::from("")] {
            assert_eq!(t.len(), t.as_str().len());
        }
        let (a, b) = (Text::from("path"), Text::from("pat"));
        assert!(a != b && a == "path" && a != "pat" && b != "path" && a == Text::from_static("path"));
        let owned = String::from("patH");
        assert!(a != *"patH" && a != owned);
    }
}
