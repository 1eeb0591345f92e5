//! jail.conf(5) parser: FreeBSD's scanner (grammar/jailconf.pest, after jaillex.l) and
//! statement grammar (after jailparse.y of FreeBSD 15/main: nested blocks, `.include`).
//!
//! The output is the list of raw jail records jail(8) builds while parsing (`cfjails` in
//! config.c): real jails, wildcard blocks and the one global `*` pseudo-jail, each with
//! its statements in file order. Merging and variable expansion are in `crate::model`.

mod lexer;
mod parser;
#[cfg(test)]
mod split_tests;
#[cfg(test)]
pub(crate) mod tests;
mod text;

use std::sync::Arc;

use smallvec::SmallVec;

use super::loader::Loader;
#[cfg(test)]
use super::offsets_reach;
pub(crate) use super::too_large;
use crate::diag::{Diag, Loc, Source};

#[doc(hidden)]
pub use lexer::debug_tokens;
pub use text::Text;

use parser::Parser;
#[cfg(test)]
use parser::split_point;

/// jail(8) gives up past this include depth (config.c MAX_INCLUDE_DEPTH).
pub const MAX_INCLUDE_DEPTH: usize = 32;

/// Deepest block nesting accepted across included files. In one file jail(8)'s parser
/// stops first, at 3,332 levels (its yacc stack, `parser::yacc_overflow`); through
/// `.include`s in blocks it would go on (each file has its own stack), but each level's
/// name repeats its parents' names, so jailvol stops there to bound the names' size.
pub const MAX_BLOCK_DEPTH: usize = 10_000;

/// A `$variable` reference inside a string: its name and the byte position in the
/// string's literal text where its value goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarRef {
    pub name: Text,
    /// 32 bits, as `CfParam::start`: a file is at most 4 GiB (`too_large`).
    pub pos: u32,
    /// Offset of the `$` in the source, for messages.
    pub at: u32,
}

impl VarRef {
    /// `pos`, as an index.
    pub fn pos(&self) -> usize {
        self.pos as usize
    }

    /// `at`, as an index.
    pub fn at(&self) -> usize {
        self.at as usize
    }
}

/// One value string as written: literal text plus the variables to splice into it.
#[derive(Debug, Clone)]
pub struct CfString {
    pub text: Text,
    /// Its variable references, read with `Parsed::vars_of`.
    pub vars: VarRun,
    pub start: usize,
}

/// Where a value's variable references are: `len` of them from `start` of the list of
/// references of the parse's list its statement is in (`Parsed::vars_of`). Kept there,
/// not in each value: a value held a `SmallVec` of one reference inline (32 bytes)
/// whether it had one or not, a statement with one value was 96 bytes, and a large
/// file has a statement every 31. 32 bits each, as `CfParam::start`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VarRun {
    start: u32,
    len: u32,
}

impl VarRun {
    /// The `len` references from `start` of their list.
    pub(crate) fn new(start: usize, len: usize) -> VarRun {
        VarRun {
            start: offset(start),
            len: offset(len),
        }
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// These references in `list`, the references of their statement's list.
    pub fn of<'a>(&self, list: &'a [VarRef]) -> &'a [VarRef] {
        let run = run_of(list, self.start, self.len);
        // A value asked of another list than its statement's would have none.
        debug_assert!(run.is_some(), "references {self:?} of {}", list.len());
        run.unwrap_or_default()
    }
}

/// The `len` items from `start` of `list` (`Stmts`, `VarRun`), if it has them.
fn run_of<T>(list: &[T], start: u32, len: u32) -> Option<&[T]> {
    let start = start as usize;
    list.get(start..start + len as usize)
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
    /// The file it is in: an index of `Parsed::sources` (`Parsed::source_of`). Not an
    /// `Arc`: a file has hundreds of thousands of statements, and an `Arc` in each was
    /// 8 bytes more of each and an atomic count while parsing.
    pub file: u32,
    /// Byte range of the whole statement, from the name to the `;` included. 32 bits
    /// (a file is at most 4 GiB, `too_large`): a file has a statement every few
    /// dozen bytes, and the parse was six times the size of the file.
    pub start: u32,
    pub end: u32,
    /// Followed by jailvol's marker comment (`marked_after`).
    pub marked: bool,
}

impl CfParam {
    /// `start`, as an index.
    pub fn start(&self) -> usize {
        self.start as usize
    }

    /// `end`, as an index.
    pub fn end(&self) -> usize {
        self.end as usize
    }
}

/// An offset of a file of at most 4 GiB (`too_large` refuses larger ones) in the
/// 32 bits the parse keeps it in.
pub(crate) fn offset(at: usize) -> u32 {
    u32::try_from(at).unwrap_or(u32::MAX)
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
    /// Its statements, in file order: a run of one of the parse's lists
    /// (`Parsed::params`).
    pub stmts: Stmts,
    /// None for the global pseudo-jail.
    pub block: Option<BlockSpan>,
    /// Index of the enclosing block's record, for nested blocks.
    pub parent: Option<usize>,
    /// The indices in the record's statements (`Parsed::params`) of those jailvol
    /// wrote (`CfParam::marked`): generate and check look for them in every block of
    /// files of thousands.
    pub marked: SmallVec<[u32; 4]>,
    /// `wild_jail_name(name)`, found while the name was read: every command
    /// that loads the jails finds the wildcard blocks first, and reading each name
    /// again was a cache miss a block (1.7 ms of `show` at 50,000 jails, before the
    /// loading could start on two threads).
    wild: bool,
}

/// Where a record's statements are: `len` statements from `start` of list `list` of its
/// parse. A parse keeps its statements in one list (two for a file read in halves; a
/// later `-f` file adds its own one or two), not one per block: a large file has tens of
/// thousands of blocks, and one list is one allocation, written from start to end.
/// 32 bits each, as `CfParam::start`: a file of at most 4 GiB has fewer statements
/// than that.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stmts {
    list: u32,
    start: u32,
    len: u32,
}

impl Stmts {
    /// The `len` statements from `start` of list `list`.
    pub(crate) fn new(list: usize, start: usize, len: usize) -> Stmts {
        Stmts {
            list: offset(list),
            start: offset(start),
            len: offset(len),
        }
    }
}

/// config.c wild_jail_name(): some `*` is a whole dot-separated component.
pub fn wild_jail_name(name: &str) -> bool {
    let b = name.as_bytes();
    b.iter()
        .enumerate()
        .any(|(i, &c)| c == b'*' && (i == 0 || b[i - 1] == b'.') && (i + 1 == b.len() || b[i + 1] == b'.'))
}

impl CfJail {
    /// A record of `name`; the global pseudo-jail has no `block`.
    pub(super) fn new(name: Text, block: Option<BlockSpan>, parent: Option<usize>) -> CfJail {
        CfJail {
            wild: wild_jail_name(&name),
            name,
            stmts: Stmts::default(),
            block,
            parent,
            marked: SmallVec::new(),
        }
    }

    /// Whether this is a wildcard block (`*`, `web.*`): `wild_jail_name` of
    /// its name. The global pseudo-jail, named `*` too, is one.
    pub fn wild(&self) -> bool {
        self.wild
    }

    /// The jail whose own block this is: None for the top level and wildcard blocks,
    /// whose statements go to whichever jails they match.
    pub fn jail_name(&self) -> Option<&str> {
        (self.block.is_some() && !self.wild).then(|| self.name.as_str())
    }

    pub fn loc(&self) -> Option<Loc> {
        self.block.as_ref().map(|b| Loc::new(&b.source, b.header))
    }
}

/// The parse of a jail.conf and everything it includes.
#[derive(Debug, Default, Clone)]
pub struct Parsed {
    pub jails: Vec<CfJail>,
    /// The statements of every record (`CfJail::stmts`): one list per parse, the first
    /// the list its parser fills (`Parser::new`).
    lists: Vec<Vec<CfParam>>,
    /// The variable references of the values of each list's statements (`VarRun`), by
    /// the same index.
    var_lists: Vec<Vec<VarRef>>,
    /// Every file read, the main one first.
    pub sources: Vec<Arc<Source>>,
    /// Problems that do not stop FreeBSD 15 but matter elsewhere (older releases).
    pub warnings: Vec<Diag>,
    /// Comments glued to the unquoted word before them (`foo#bar`, `/jails//x`), in
    /// source order: jaillex.l tries its comment rules on every character outside
    /// quotes, so the value ends there. Not an error; `check` warns (JV003).
    pub cuts: Vec<Cut>,
    /// Some statement is `depend` or `nodepend` (the names config.c's equalopts() holds
    /// equal to "depend"), noted as the parser makes it: `depend::matters` walked every
    /// statement of the file for it, cold in cache, before loading (4% of `show`).
    pub depends: bool,
    /// Some statement is `mount` (or `nomount`, the only names equalopts() holds equal
    /// to it), noted as `depends` is: nearly no configuration sets `mount`, and
    /// generate looked for it through every statement of the file (8 ms of 220 at
    /// 50,000 jails).
    pub mounts: bool,
    /// Some block's jail name has a `.` (nested blocks make one), noted as the block
    /// opens: `depend::matters` looked for one through every jail's name, spread over
    /// the whole file, on one thread between the parse and the load (3% of `show` at
    /// 50,000 jails).
    pub dotted: bool,
}

impl Parsed {
    /// The statements of record `rec` of this parse, in file order. A record of
    /// another parse has none here (and fails a debug assertion): records and their
    /// statements are only ever read through the parse that made them.
    pub fn params(&self, rec: &CfJail) -> &[CfParam] {
        let Stmts { list, start, len } = rec.stmts;
        let run = self.lists.get(list as usize).and_then(|l| run_of(l, start, len));
        // A record asked of another parse than its own would have no statements.
        debug_assert!(
            run.is_some(),
            "statements {:?} of {} lists",
            rec.stmts,
            self.lists.len()
        );
        run.unwrap_or_default()
    }

    /// The variable references of value `s` of a statement of record `rec`.
    pub fn vars_of<'a>(&'a self, rec: &CfJail, s: &CfString) -> &'a [VarRef] {
        s.vars.of(self.var_list(rec))
    }

    /// The variable references of the list record `rec`'s statements are in: those of
    /// value `s` of one of them are `s.vars` there (`vars_of`, for many values).
    pub fn var_list(&self, rec: &CfJail) -> &[VarRef] {
        let list = self.var_lists.get(rec.stmts.list as usize);
        debug_assert!(list.is_some(), "references of list {}", rec.stmts.list);
        list.map_or(&[], Vec::as_slice)
    }

    /// The statements jailvol wrote in record `rec`, in order.
    pub fn marked_params<'a>(&'a self, rec: &'a CfJail) -> impl DoubleEndedIterator<Item = &'a CfParam> {
        let params = self.params(rec);
        rec.marked.iter().filter_map(|&i| params.get(i as usize))
    }

    /// The file statement `p` of this parse is in.
    pub fn source_of(&self, p: &CfParam) -> Option<&Arc<Source>> {
        let source = self.sources.get(p.file as usize);
        // A statement asked of another parse than its own would be misplaced.
        debug_assert!(
            source.is_some(),
            "statement of file {} of {}",
            p.file,
            self.sources.len()
        );
        source
    }

    /// Whether statement `p` of this parse is in `file` (or a twin of it, `Source::same`).
    pub fn is_in(&self, p: &CfParam, file: &Source) -> bool {
        self.source_of(p).is_some_and(|s| s.same(file))
    }

    /// Where statement `p` of this parse starts.
    pub fn loc_of(&self, p: &CfParam) -> Option<Loc> {
        self.source_of(p).map(|s| Loc::new(s, p.start()))
    }

    /// `other`, read after this parse, joined to it: its records after these (their
    /// parents shifted), its files after these, and what its parse noted. Its
    /// statements' files are `shift` past the indices they have: the number of files
    /// before its own (0 for a parse whose statements already index this one's, the
    /// second half of a file).
    pub fn append(&mut self, other: Parsed, shift: u32) {
        self.join(other, shift, 0);
    }

    /// `append` for the second half of this parse's file (`shift` 0), whose blocks'
    /// lines were counted from 1 at its start: `lines` is the line that start is on,
    /// less one.
    pub(super) fn append_half(&mut self, other: Parsed, lines: usize) {
        self.join(other, 0, lines);
    }

    fn join(&mut self, other: Parsed, shift: u32, lines: usize) {
        // Every field, so that one added to `Parsed` is joined here too.
        let Parsed {
            jails,
            mut lists,
            mut var_lists,
            sources,
            warnings,
            cuts,
            depends,
            mounts,
            dotted,
        } = other;
        let base = self.jails.len();
        let list_base = offset(self.lists.len());
        self.jails.extend(jails.into_iter().map(|mut j| {
            j.parent = j.parent.map(|p| p + base);
            j.stmts.list += list_base;
            if let Some(b) = &mut j.block {
                b.line += lines;
            }
            j
        }));
        if shift != 0 {
            for q in lists.iter_mut().flatten() {
                q.file = q.file.saturating_add(shift);
            }
        }
        // References by the same index as statements, in both (a list with no values
        // with references may have none made).
        self.var_lists.resize_with(self.lists.len(), Vec::new);
        var_lists.resize_with(lists.len(), Vec::new);
        self.lists.extend(lists);
        self.var_lists.extend(var_lists);
        self.sources.extend(sources);
        self.warnings.extend(warnings);
        self.cuts.extend(cuts);
        self.depends |= depends;
        self.mounts |= mounts;
        self.dotted |= dotted;
    }
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
    let mut p = Parser::new(loader, true);
    p.parse_config(source, is_stdin)?;
    Ok(p.out)
}
