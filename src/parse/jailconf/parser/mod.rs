//! The statement grammar (after jailparse.y) over the scanner's tokens: blocks, nesting,
//! statements and values, building the records of `Parsed`. The byte-level fast path
//! and `.include` are children: they extend `Parser` and read its state.

mod fast;
mod include;
mod split;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use smallvec::SmallVec;

use super::lexer::{Kind, Lexer, Tok};
use super::text::Text;
use super::{
    BlockSpan, CfJail, CfParam, CfString, Cut, MAX_BLOCK_DEPTH, Op, Parsed, Stmts, VarRef, VarRun,
    marked_after, marked_indices, offset,
};
use crate::diag::{Diag, Loc, Source};
use crate::lint::Lint;
use crate::parse::loader::Loader;
use crate::parse::read::crlf_and_nul;
use crate::parse::text2lval::decode_into;
use fast::Fast;
pub(super) use split::Split;
#[cfg(test)]
pub(super) use split::split_point;
use split::{At, Stop};

// Statements (jailparse.y):
//
//   conf   : (jail | param ';' | ';')*
//   jail   : STR '{' conf '}'
//   param  : name | name '=' value | name '+=' value | name value
//   name   : STR | VAR
//   value  : string (',' string)*
//   string : (STR | VAR) (STR1 | VAR1)*

pub(super) struct Parser<'l> {
    loader: &'l Loader,
    pub(super) out: Parsed,
    /// The block being filled (`current_jail`); shared with included files.
    current: Option<usize>,
    /// The global pseudo-jail, created at the first statement outside any block.
    global: Option<usize>,
    depth: usize,
    /// Blocks open around the current statement, across included files.
    block_depth: usize,
    /// `MAX_BLOCK_DEPTH`; lower in tests.
    pub(super) max_block_depth: usize,
    seen_block: bool,
    /// Where the top-level block being read started in the statement list (`stmts`),
    /// while its statements go straight there: until a block opens inside it, nothing
    /// comes between them.
    direct: Option<usize>,
    /// The statements of each open block that cannot go straight to the list, by depth
    /// (a block inside another, and its parent from then on), added to the list when
    /// the block closes: a record's statements are one run of it.
    open_params: Vec<Vec<CfParam>>,
    /// The global pseudo-jail's statements, which may come anywhere in the file: added
    /// to the list when the whole parse ends.
    global_params: Vec<CfParam>,
    /// The variables of the string being read, likewise.
    vars: Vec<VarRef>,
    /// Read statements of the common shape straight from the bytes (`fast_statement`);
    /// off in tests that compare the two ways.
    fast: bool,
    /// Whether a large file is read in two halves at once (split.rs).
    pub(super) split: Split,
    /// Set when this parser reads a second half (split.rs): the first half's parser
    /// sets the flag when it no longer needs the result.
    region: Option<&'l AtomicBool>,
    /// This second half gave up: it needs the first half's state.
    bailed: bool,
    /// How many parts read on the other thread were joined: a second half, and a
    /// middle before it (tests ask whether a split was taken).
    pub(super) joined: usize,
}

/// Where `Parser::conf` stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ended {
    /// At the end of the file.
    Eof,
    /// At this boundary, between two top-level items: the one it was given, or the
    /// nearer one the other thread moved it to (split.rs).
    Split(usize),
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
    /// Blocks open in this file (`yacc_overflow`).
    depth: usize,
    /// The file's index in `Parsed::sources` (`CfParam::file`).
    file: u32,
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
            _ if !self.source().text.is_char_boundary(t.start) => {
                // The rest of a character whose first byte an unquoted `\` escaped
                // (`Lexer::unquoted_escape`): jail(8)'s raw token is its next byte.
                let text = &self.source().text;
                let from = (0..t.start)
                    .rev()
                    .find(|&i| text.is_char_boundary(i))
                    .unwrap_or(0);
                let ch = text[from..].chars().next().unwrap_or(char::REPLACEMENT_CHARACTER);
                format!(
                    "syntax error: unexpected byte {:#04x} of {ch:?}: an unquoted \"\\\" escapes one byte \
                     (quote the value to keep the character), expected {expected}",
                    text.as_bytes()[t.start]
                )
            }
            _ => {
                // To a character's end: a piece ending in an escaped first byte
                // (`Lexer::unquoted_escape`) is shown with its whole character.
                let text = &self.source().text;
                let end = (t.end..=text.len())
                    .find(|&i| text.is_char_boundary(i))
                    .unwrap_or(text.len());
                let raw = text.get(t.start..end).unwrap_or_default();
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

impl<'l> Parser<'l> {
    /// A parser with nothing read yet.
    pub(super) fn new(loader: &'l Loader, fast: bool) -> Parser<'l> {
        Parser {
            loader,
            out: Parsed {
                lists: vec![Vec::new()],
                var_lists: vec![Vec::new()],
                ..Parsed::default()
            },
            current: None,
            global: None,
            depth: 0,
            block_depth: 0,
            max_block_depth: MAX_BLOCK_DEPTH,
            seen_block: false,
            direct: None,
            open_params: Vec::new(),
            global_params: Vec::new(),
            vars: Vec::new(),
            fast,
            split: Split::Auto,
            region: None,
            bailed: false,
            joined: 0,
        }
    }
}

impl Parser<'_> {
    pub(super) fn parse_config(&mut self, source: Arc<Source>, is_stdin: bool) -> Result<(), Diag> {
        super::too_large(&source)?;
        let b = source.text.as_bytes();
        let (crlf, nul) = source.crlf_and_nul.unwrap_or_else(|| crlf_and_nul(b));
        if let Some(cr) = crlf {
            self.out.warnings.push(
                Lint::Crlf
                    .warning(
                        Some(Loc::new(&source, cr)),
                        "CRLF line ends: jail(8) before FreeBSD 14.0 rejects this file",
                    )
                    .with_note("the old scanner returns a raw '\\r' token, a syntax error"),
            );
        }
        let file = u32::try_from(self.out.sources.len())
            .map_err(|_| Diag::error(Some(Loc::new(&source, 0)), "more than 2^32 files included"))?;
        self.out.sources.push(Arc::clone(&source));
        // This file's cuts go before those of the files it includes, which are added
        // while it is read: `Parsed::cuts` is in the order of `sources`.
        let first_cut = self.out.cuts.len();
        let fast = self.fast && !nul;
        let mut s = Stream {
            lexer: Lexer::new(source),
            fast,
            line_at: (0, 1),
            depth: 0,
            file,
        };
        let boundary = self.boundary(&s);
        if self.depth == 0 {
            let len = s.source().text.len();
            // The records of a second half are added to this parse's (split.rs).
            self.reserve(boundary.unwrap_or(len), len);
        }
        match boundary {
            Some(at) => self.conf_split(&mut s, is_stdin, at)?,
            None => {
                self.conf(&mut s, is_stdin, None)?;
            }
        }
        let source = s.source();
        let cuts = s.lexer.cuts.iter().map(|&(at, opener)| Cut {
            loc: Loc::new(source, at),
            opener,
        });
        self.out.cuts.splice(first_cut..first_cut, cuts);
        if self.depth == 0 {
            self.end_global();
            self.trim();
        }
        Ok(())
    }

    /// The room `reserve` made and the parse did not use, handed back: it is address
    /// space only, but a process under `ulimit -v` or without overcommit has that much
    /// less for what comes after (for a glibc or jemalloc mapping this large, shrinking
    /// unmaps the tail without copying).
    fn trim(&mut self) {
        for list in &mut self.out.lists {
            list.shrink_to_fit();
        }
        for list in &mut self.out.var_lists {
            list.shrink_to_fit();
        }
        self.out.jails.shrink_to_fit();
    }

    /// Room in the statement list for the statements of `stmt_bytes` of text (and for
    /// their variable references), and in the records for the blocks of
    /// `record_bytes`: filled without being moved as they grow. A statement every 16
    /// bytes, a reference every 32 and a block every 64 are more than a large file has
    /// (one every 31, 57 and 284 in the benchmark's): room never written is address
    /// space, not memory, and `trim` hands it back. Where the system refuses that much
    /// (no overcommit), they grow as they are filled instead.
    pub(super) fn reserve(&mut self, stmt_bytes: usize, record_bytes: usize) {
        let _ = self.stmts().try_reserve(stmt_bytes / 16);
        let _ = self.var_list().try_reserve(stmt_bytes / 32);
        let _ = self.out.jails.try_reserve(record_bytes / 64);
    }

    /// The global pseudo-jail's statements, added to the list when the parse ends.
    fn end_global(&mut self) {
        let Some(g) = self.global else { return };
        let list = own_list(&mut self.out.lists);
        let start = list.len();
        list.append(&mut self.global_params);
        self.run_from(g, start);
    }

    /// Statements and blocks to the end of the file. Blocks are a loop with the open ones
    /// on `open`, not a recursion: jail(8) takes thousands of levels (`yacc_overflow`),
    /// more than a thread's stack holds frames for. With `stop`, it stops there if it
    /// is a boundary between two top-level items (split.rs).
    fn conf(&mut self, s: &mut Stream, is_stdin: bool, mut stop: Option<Stop>) -> Result<Ended, Diag> {
        // The blocks of this file still open; an included file has its own (jail(8) runs
        // yyparse on it with a stack of its own), sharing `current` and `block_depth`.
        let mut open: Vec<Open> = Vec::new();
        loop {
            s.depth = open.len();
            if open.is_empty() {
                if let Some(st) = &mut stop {
                    match st.check(s) {
                        At::Before => {}
                        At::Here(at) => return Ok(Ended::Split(at)),
                        At::Past => stop = None,
                    }
                }
                if self.cancelled() && self.bail() {
                    return Err(gave_up());
                }
            }
            if s.fast && s.lexer.clean() {
                match self.fast_item(s) {
                    Fast::Statement(param) => {
                        self.place(s, param, is_stdin)?;
                        continue;
                    }
                    Fast::Placed => continue,
                    Fast::Open {
                        name,
                        header,
                        open: brace,
                    } => {
                        self.open_block(s, &mut open, name, header, brace)?;
                        continue;
                    }
                    Fast::Close(at) if !open.is_empty() => {
                        s.lexer.after_fast(at + 1);
                        self.close_block(&mut open, at);
                        continue;
                    }
                    _ => {}
                }
            }
            let t = *s.peek()?;
            match t.kind {
                Kind::Eof if open.is_empty() => return Ok(Ended::Eof),
                Kind::Eof => return Err(s.syntax_error(&t, "\"}\" to close the block")),
                Kind::Punct(b'}') if !open.is_empty() => {
                    s.bump()?;
                    self.close_block(&mut open, t.start);
                }
                Kind::Punct(b';') => {
                    s.bump()?;
                }
                Kind::Str if matches!(s.peek_nth(1)?.kind, Kind::Punct(b'{')) => {
                    let name_tok = s.bump()?;
                    let brace = s.bump()?;
                    let name = s.text(&name_tok);
                    self.open_block(s, &mut open, name, name_tok.start, brace.start)?;
                }
                Kind::Str | Kind::Var => self.statement(s, is_stdin)?,
                _ => return Err(s.syntax_error(&t, "a parameter or a jail block")),
            }
        }
    }

    /// A block whose name (`name`, at `header`) and `{` (at `brace`) were read: its
    /// record is made, and it becomes the current block until `close_block`.
    fn open_block(
        &mut self,
        s: &mut Stream,
        open: &mut Vec<Open>,
        name: Text,
        header: usize,
        brace: usize,
    ) -> Result<(), Diag> {
        if let Some(e) = yacc_overflow(s, open.len(), brace) {
            return Err(e);
        }
        if self.block_depth >= self.max_block_depth {
            return Err(Diag::at(
                s.source(),
                header,
                format!(
                    "blocks nested more than {} deep across included files",
                    self.max_block_depth
                ),
            )
            .with_note(
                "jailvol refuses deeper nesting: each level's jail name repeats its parents' names, \
                 so the names grow with the square of the depth",
            ));
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
        self.out.dotted |= name.contains('.');
        let idx = self.out.jails.len();
        let line = s.line(header);
        let block = BlockSpan {
            source: Arc::clone(s.source()),
            header,
            open: brace,
            close: brace,
            line,
        };
        self.out.jails.push(CfJail::new(name, Some(block), self.current));
        open.push(Open {
            idx,
            saved: self.current.replace(idx),
        });
        let depth = self.block_depth;
        if depth == 1 {
            self.direct = Some(self.stmts().len());
            return Ok(());
        }
        // A block inside another: the parent's statements so far step aside, so that this
        // block's are one run of the list, and the parent's after it.
        if self.open_params.len() < depth {
            self.open_params.resize_with(depth, Vec::new);
        }
        if let Some(start) = self.direct.take() {
            let moved = self.stmts().split_off(start);
            if let Some(parent) = self.open_params.first_mut() {
                *parent = moved;
            }
        }
        Ok(())
    }

    /// The parser's statement list (`own_list`).
    fn stmts(&mut self) -> &mut Vec<CfParam> {
        own_list(&mut self.out.lists)
    }

    /// The variable references of the values of this parse's statements (`VarRun`,
    /// `own_list`).
    fn var_list(&mut self) -> &mut Vec<VarRef> {
        own_list(&mut self.out.var_lists)
    }

    /// Add `p` to the innermost open block.
    #[inline]
    fn push_to_block(&mut self, p: CfParam) {
        if self.direct.is_some() {
            self.stmts().push(p);
        } else if let Some(open) = self.open_params.get_mut(self.block_depth.wrapping_sub(1)) {
            open.push(p);
        }
    }

    /// The statements of `rec`, which are the list's from `start` on.
    fn run_from(&mut self, rec: usize, start: usize) {
        let list = self.stmts();
        let run = list.get(start..).unwrap_or_default();
        let (marked, len) = (marked_indices(run), run.len());
        if let Some(r) = self.out.jails.get_mut(rec) {
            r.stmts = Stmts::new(0, start, len);
            r.marked = marked;
        }
    }

    /// The `}` at `close` ends the innermost open block.
    fn close_block(&mut self, open: &mut Vec<Open>, close: usize) {
        let Some(Open { idx, saved }) = open.pop() else {
            return;
        };
        if let Some(b) = self.out.jails[idx].block.as_mut() {
            b.close = close;
        }
        let start = match self.direct.take() {
            Some(start) => start,
            None => {
                let list = own_list(&mut self.out.lists);
                let start = list.len();
                // The buffer keeps its capacity for the next block at this depth.
                if let Some(buffered) = self.open_params.get_mut(self.block_depth - 1) {
                    list.append(buffered);
                }
                start
            }
        };
        self.run_from(idx, start);
        self.current = saved;
        self.block_depth -= 1;
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
            file: s.file,
            start: offset(name.start),
            end: offset(semi.end),
            marked: marked_after(&s.source().text, semi.end),
        };
        self.note_names(&param);
        self.place(s, param, is_stdin)
    }

    /// A statement read: an `.include` is followed, anything else goes to the block
    /// being read or the global pseudo-jail.
    fn place(&mut self, s: &mut Stream, param: CfParam, is_stdin: bool) -> Result<(), Diag> {
        if let Some(e) = yacc_statement_overflow(s, &param) {
            return Err(e);
        }
        let include = !param.is_var && param.op == Op::NameVal && param.name == ".include";
        // A second half cannot place these (split.rs).
        if (include || self.current.is_none()) && self.bail() {
            return Err(gave_up());
        }
        if include {
            return self.include(s, &param, is_stdin);
        }
        match self.current {
            Some(_) => self.push_to_block(param),
            None => {
                if self.seen_block {
                    self.out.warnings.push(
                        Lint::TopLevelAfterBlock
                            .warning(
                                Some(Loc::new(s.source(), param.start())),
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
                if self.global.is_none() {
                    self.out.jails.push(CfJail::new(Text::from("*"), None, None));
                    self.global = Some(self.out.jails.len() - 1);
                }
                self.global_params.push(param);
            }
        }
        Ok(())
    }

    /// `Parsed::depends` and `Parsed::mounts`. Only "depend" and "nodepend" are
    /// equalopts() to "depend", only "mount" and "nomount" to "mount" (model/names.rs;
    /// usr.sbin/jail/config.c): the length first, which a name's span knows without
    /// reading the file.
    fn note_names(&mut self, p: &CfParam) {
        if !p.is_var && matches!(p.name.len(), 6 | 8) && matches!(&*p.name, "depend" | "nodepend") {
            self.out.depends = true;
        }
        if !p.is_var && matches!(p.name.len(), 5 | 7) && matches!(&*p.name, "mount" | "nomount") {
            self.out.mounts = true;
        }
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

    /// The references of the string just read (`vars`), moved to the parse's list.
    fn add_vars(&mut self) -> VarRun {
        if self.vars.is_empty() {
            return VarRun::default();
        }
        let mut vars = std::mem::take(&mut self.vars);
        let list = self.var_list();
        let run = VarRun::new(list.len(), vars.len());
        list.append(&mut vars);
        // The scratch list keeps its room for the next string.
        self.vars = vars;
        run
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
                    pos: offset(len),
                    at: offset(t.start),
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
                let text = match (bytes, span) {
                    (Some(b), _) => Text::from(bytes_to_string(b, &mut self.vars)),
                    (None, Some((a, e))) => Text::span(s.source(), a, e),
                    (None, None) => Text::from(""),
                };
                let vars = self.add_vars();
                return Ok(CfString {
                    text,
                    vars,
                    start: first.start,
                });
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
        let to = v.pos().min(bytes.len());
        out.push_str(&String::from_utf8_lossy(&bytes[from.min(to)..to]));
        from = to;
        v.pos = offset(out.len());
    }
    out.push_str(&String::from_utf8_lossy(&bytes[from..]));
    out
}

/// The list a parser fills, of `Parsed::lists` or `Parsed::var_lists`: the first
/// (`Parser::new` makes it; a later file's parse or a second half brings lists of its
/// own, joined after it by `Parsed::append`). A free function, so that it borrows
/// only that field of the parse.
fn own_list<T>(lists: &mut Vec<Vec<T>>) -> &mut Vec<T> {
    if lists.is_empty() {
        lists.push(Vec::new());
    }
    &mut lists[0]
}

/// A block open in the file being read: its record, and the block that was current
/// before it.
struct Open {
    idx: usize,
    saved: Option<usize>,
}

/// byacc's stack limit (YYMAXDEPTH, 10,000 entries; FreeBSD builds jailparse.y with
/// byacc, contrib/byacc/skeleton.c: yygrowstack refuses to grow past it and yyparse
/// calls yyerror("yacc stack overflow")). With `depth` blocks of jailparse.y's
/// `jail: jail_name '{' conf '}'` open, the stack holds state 0, `conf`, and
/// `jail_name '{' conf` per level: 2 + 3 * depth entries. Opening one more shifts STR
/// (reduced to jail_name in place) and `{`, then pushes the empty `conf` without
/// reading further: that push fails once the stack is full, at depth 3,332 (the
/// 3,333rd level). jail(8) prints `FILE line N: {: yacc stack overflow` (yyerror with
/// the last token read) and rejects the file. Statements in the deepest levels can
/// overflow too: `yacc_statement_overflow`.
const YACC_MAX_DEPTH: usize = 10_000;

fn yacc_overflow(s: &Stream, depth: usize, brace: usize) -> Option<Diag> {
    // Entries after the `{` of the new level is shifted, before its `conf` is pushed.
    let entries = 2 + 3 * depth + 2;
    (entries >= YACC_MAX_DEPTH).then(|| {
        Diag::at(
            s.source(),
            brace,
            format!("yacc stack overflow: blocks nested {} deep in one file", depth + 1),
        )
        .with_note(format!(
            "jail(8)'s parser (byacc, a stack of {YACC_MAX_DEPTH} entries) takes at most {} levels of blocks in a file",
            (YACC_MAX_DEPTH - 4) / 3
        ))
    })
}

/// A statement in one of the deepest blocks can overflow jail(8)'s yacc stack too
/// (`yacc_overflow`). Above the 2 + 3 * depth entries of the blocks, `name` takes one,
/// `=` or `+=` one, the first value string one; `value ',' string` is left-recursive,
/// so a list never holds more than one value, `,` and string: `p = x;` needs 3 entries,
/// `p = x, y;` 5, `p x;` 2, `p x, y;` 4, `p;` 2. A string's glued pieces take one
/// more while they are shifted, which jailvol does not count: it may take a statement
/// jail(8) refuses by one entry, never the reverse. The first token that does not fit
/// in `YACC_MAX_DEPTH` entries is the error.
#[inline]
fn yacc_statement_overflow(s: &Stream, param: &CfParam) -> Option<Diag> {
    // No statement needs more than 5 entries: outside the deepest blocks every one
    // fits, and the parse asks for every statement (half a million in a large file).
    if s.depth.saturating_mul(3).saturating_add(2 + 5) <= YACC_MAX_DEPTH {
        return None;
    }
    deep_statement_overflow(s, param)
}

/// `yacc_statement_overflow` in one of the deepest blocks.
#[cold]
fn deep_statement_overflow(s: &Stream, param: &CfParam) -> Option<Diag> {
    let room = YACC_MAX_DEPTH.checked_sub(2 + 3 * s.depth)?;
    let list = param.values.len() > 1;
    // The height of the first value's STR, and the highest the statement reaches.
    let (first, peak) = match param.op {
        Op::Bare => return None,
        Op::Set | Op::Append => (3, if list { 5 } else { 3 }),
        Op::NameVal => (2, if list { 4 } else { 2 }),
    };
    if peak <= room {
        return None;
    }
    // The token at height room + 1: the first value's STR, or the `,` or STR of the
    // second (shown at the second value).
    let index = usize::from(room + 1 > first);
    let string = param.values.get(index)?;
    Some(
        Diag::at(
            s.source(),
            string.start,
            format!(
                "yacc stack overflow: statement \"{}\" in blocks nested {} deep",
                param.name, s.depth
            ),
        )
        .with_note(format!(
            "jail(8)'s parser (byacc, a stack of {YACC_MAX_DEPTH} entries) has room for {room} more entries \
             here; this statement needs {peak}"
        )),
    )
}

/// The error a second half that gave up returns (split.rs); never shown.
fn gave_up() -> Diag {
    Diag::error(None, "internal: the second half needs the first")
}

fn internal() -> Diag {
    Diag::error(None, "internal error: empty token queue")
}
