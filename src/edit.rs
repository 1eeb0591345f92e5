//! In-place jail.conf edits that keep every byte jailvol does not manage.
//!
//! jailvol's statements are ordinary jail.conf statements ending with the comment
//! `# jailvol` on their last line. An edit removes the jail's marked statements and puts
//! the wanted ones at the end of its block, in the block's indentation, so running it
//! twice changes nothing and removing a jail's volume settings removes what it added.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use crate::diag::Source;

#[cfg(test)]
use crate::parse::jailconf::marked_after;
use crate::parse::jailconf::{CfJail, CfParam, Parsed};

pub const MARK: &str = "# jailvol";

/// Whether a statement carries the jailvol marker after its `;`
/// (`parse::jailconf::marked_after`). The parser records it while the bytes are at
/// hand: check and generate ask for every statement of every jail, several times, and
/// reading the file again there cost cache misses on large files.
pub fn is_marked(p: &CfParam) -> bool {
    p.marked
}

/// What the edited blocks should end with: jailvol's statements, rendered without
/// indentation, one statement a line, each ended by `\n` (a rendered statement has no
/// newline of its own: `emit::jailconf` escapes it in names and values). Kept in
/// chunks of `CHUNK` bytes, not a `String` per block (a large file has thousands) nor
/// one string: a chunk is small enough for malloc to place it in memory the program
/// freed before, where one string of megabytes is a fresh mapping, on top of the peak.
/// A block that already ends with its statements (`Edit::Kept`) gives its room back
/// at once: on a tree generate wrote, that is every block, and check and generate
/// held megabytes of statements only to find each the same as the file's.
#[derive(Debug, Default, Clone)]
pub struct Edits {
    chunks: Vec<String>,
    /// By record of `Parsed::jails`.
    of: Vec<Edit>,
    /// The removals of the block last pushed (`kept`), kept for their room.
    removals: Vec<(usize, usize)>,
}

/// What `Edits` holds for a record.
#[derive(Debug, Default, Clone)]
enum Edit {
    /// Not edited.
    #[default]
    No,
    /// Its statements: their chunk, and their range there.
    At(usize, Range<usize>),
    /// Edited, and the block already ends with exactly these statements, jailvol's
    /// only: editing it would change nothing (`kept`).
    Kept,
}

/// Below glibc's smallest mmap threshold (128 KiB, mallopt(3) `M_MMAP_THRESHOLD`).
const CHUNK: usize = 64 * 1024;

impl Edits {
    /// Room for `records` blocks, none edited yet.
    pub fn new(records: usize) -> Edits {
        Edits {
            chunks: Vec::new(),
            of: vec![Edit::No; records],
            removals: Vec::new(),
        }
    }

    /// `write` appends the statements of record `record` of `parsed` to the string it
    /// is given.
    pub fn push_with<R>(
        &mut self,
        parsed: &Parsed,
        record: usize,
        write: impl FnOnce(&mut String) -> R,
    ) -> R {
        // A block's statements are a few hundred bytes: a chunk nearly full is left
        // for a new one (a larger block's grows its chunk, which is only slower).
        if self.chunks.last().is_none_or(|c| c.len() + 4096 > CHUNK) {
            self.chunks.push(String::with_capacity(CHUNK));
        }
        let n = self.chunks.len() - 1;
        let chunk = &mut self.chunks[n];
        let from = chunk.len();
        let r = write(chunk);
        let to = chunk.len();
        // Judged while the statements are at hand, not in `plan`, once all are made.
        let edit = match parsed.jails.get(record) {
            Some(rec) if kept(parsed, rec, &chunk[from..to], &mut self.removals) => {
                chunk.truncate(from);
                Edit::Kept
            }
            _ => Edit::At(n, from..to),
        };
        if let Some(slot) = self.of.get_mut(record) {
            *slot = edit;
        }
        r
    }

    /// The statements at `at` (`Edit::At`).
    fn get(&self, at: &(usize, Range<usize>)) -> &str {
        self.chunks
            .get(at.0)
            .and_then(|c| c.get(at.1.clone()))
            .unwrap_or_default()
    }

    /// Whether record `record` is edited.
    pub fn has(&self, record: usize) -> bool {
        self.of.get(record).is_some_and(|e| !matches!(e, Edit::No))
    }

    /// The length of what `put` appends: the text is sized once (megabytes).
    fn len(&self, text: &str, add: Option<&Added>) -> usize {
        let Some(add) = add else { return 0 };
        let (indent, tab) = add.indent.get(text);
        let stmts = self.get(&add.stmts);
        let lines = stmts.split_terminator('\n').count();
        let newline = usize::from(!add.own_line);
        stmts.len() + lines * (indent.len() + tab.len() + 1 + MARK.len()) + newline + add.outer.len()
    }

    /// Append what a splice puts in (nothing for a removal).
    fn put(&self, to: &mut String, text: &str, add: Option<&Added>) {
        let Some(add) = add else { return };
        if !add.own_line {
            to.push('\n');
        }
        let (indent, tab) = add.indent.get(text);
        for s in self.get(&add.stmts).split_terminator('\n') {
            to.push_str(indent);
            to.push_str(tab);
            to.push_str(s);
            to.push(' ');
            to.push_str(MARK);
            to.push('\n');
        }
        to.push_str(&text[add.outer.clone()]);
    }
}

/// Apply the block edits to the files they live in. Blocks not edited lose their marked
/// statements only if `strip` lists them.
/// Returns the new text of every file that changes, by host path.
pub fn apply(parsed: &Parsed, edits: Edits, strip: &[usize]) -> BTreeMap<String, String> {
    plan(parsed, edits, strip).apply()
}

/// Where each file changes, found in the parse; applied (`Splices::apply`) once the
/// parse, several times the size of the text, is freed (generate's peak).
pub fn plan(parsed: &Parsed, edits: Edits, strip: &[usize]) -> Splices {
    // Per file, (start, end, replacement) splices, applied in order by `Splices::apply`.
    let mut files: Vec<FileSplices> = Vec::new();
    let mut removals = Vec::new();
    // A kept block needs no splice: not even its removals, which the statements put
    // back as they were.
    let edited = edits.of.iter().enumerate().filter_map(|(i, e)| match e {
        Edit::At(chunk, range) => Some((i, Some((*chunk, range.clone())))),
        Edit::No | Edit::Kept => None,
    });
    let records = edited.chain(strip.iter().map(|&i| (i, None)));
    for (idx, edit) in records {
        let Some(rec) = parsed.jails.get(idx) else {
            continue;
        };
        let Some(block) = &rec.block else { continue };
        let src = &block.source;
        let text = &src.text;
        // By name, as the file will be written. Blocks come in file order, so the file
        // is nearly always the last one seen.
        let fi = match files.iter().rposition(|f| f.source.name == src.name) {
            Some(i) => i,
            None => {
                files.push(FileSplices {
                    source: Arc::clone(src),
                    list: Vec::new(),
                });
                files.len() - 1
            }
        };
        let file = &mut files[fi];
        marked_ranges(parsed, rec, src, &mut removals);
        let Some(stmts) = edit.filter(|e| !e.1.is_empty()) else {
            file.list
                .extend(removals.iter().map(|&(start, end)| (start, end, None)));
            continue;
        };
        let indent = block_indent(text, parsed.params(rec), block.header, block.open);
        let close = block.close;
        let (line_start, own_line) = close_line(text, close);
        file.list
            .extend(removals.iter().map(|&(start, end)| (start, end, None)));
        let mut add = Added {
            stmts,
            indent,
            own_line,
            outer: 0..0,
        };
        if own_line {
            file.list.push((line_start, line_start, Some(add)));
        } else {
            // `foo { path = /x; }`: the `}` moves to a line of its own, indented as the
            // header.
            let header_line = text[..block.header].rfind('\n').map_or(0, |i| i + 1);
            let outer = text[header_line..block.header]
                .bytes()
                .take_while(|c| *c == b' ' || *c == b'\t')
                .count();
            add.outer = header_line..header_line + outer;
            // Drop the blanks before the `}` so the block does not end with "; \n".
            let trimmed = text[..close].trim_end_matches([' ', '\t']).len();
            file.list.push((trimmed, close, Some(add)));
        }
    }
    Splices { files, edits }
}

/// Every file's splices (`plan`), with the statements they put in.
pub struct Splices {
    files: Vec<FileSplices>,
    edits: Edits,
}

impl Splices {
    /// The new text of every file that changes, by host path.
    pub fn apply(self) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let (mut one, mut other) = (String::new(), String::new());
        for FileSplices { source, mut list } in self.files {
            if list.is_empty() {
                continue;
            }
            let text = source.text.as_str();
            // One pass over the text: splices never overlap (removals are whole
            // statements, insertions sit at a block's end), so copy the gaps and the
            // replacements in order. A file included twice has each splice twice.
            list.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
            list.dedup_by(|b, a| {
                a.0 == b.0 && a.1 == b.1 && {
                    one.clear();
                    other.clear();
                    self.edits.put(&mut one, text, a.2.as_ref());
                    self.edits.put(&mut other, text, b.2.as_ref());
                    one == other
                }
            });
            let added: usize = list.iter().map(|s| self.edits.len(text, s.2.as_ref())).sum();
            let mut new = String::with_capacity(text.len() + added);
            let mut at = 0;
            for (start, end, add) in &list {
                let start = (*start).max(at);
                new.push_str(&text[at..start]);
                self.edits.put(&mut new, text, add.as_ref());
                at = (*end).max(start);
            }
            new.push_str(&text[at..]);
            if new != text {
                out.insert(source.name.clone(), new);
            }
        }
        out
    }
}

/// Whether block `rec` of `parsed` already ends with exactly `statements` (not empty),
/// each on a line of its own in the block's indentation and marked, its `}` on the
/// next line, and has no other jailvol statement: the edit `plan` would make gives back
/// the text (generate already wrote it: the usual case, and the whole file when
/// nothing changed). `removals` is room for the block's marked statements.
fn kept(parsed: &Parsed, rec: &CfJail, statements: &str, removals: &mut Vec<(usize, usize)>) -> bool {
    let Some(block) = &rec.block else {
        return false;
    };
    if statements.is_empty() || rec.marked.is_empty() {
        return false;
    }
    let src = &block.source;
    let text = src.text.as_str();
    marked_ranges(parsed, rec, src, removals);
    let (line_start, own_line) = close_line(text, block.close);
    own_line && {
        let indent = block_indent(text, parsed.params(rec), block.header, block.open);
        unchanged(text, removals, line_start, indent.get(text), statements)
    }
}

/// Whether removing `removals` and putting `statements` at `at` (a line start) gives
/// back `text`: the removals cover the text from the first of them up to `at` without
/// a gap, and that text is what would be put there.
fn unchanged(
    text: &str,
    removals: &[(usize, usize)],
    at: usize,
    indent: (&str, &str),
    statements: &str,
) -> bool {
    let Some(&(first, _)) = removals.first() else {
        return false;
    };
    let mut end = first;
    for &(start, stop) in removals {
        if start != end {
            return false;
        }
        end = stop;
    }
    if end != at {
        return false;
    }
    let mut rest = text.as_bytes().get(first..at).unwrap_or_default();
    let (lead, tab) = (indent.0.as_bytes(), indent.1.as_bytes());
    // The lines by memchr: `split_terminator('\n')`'s searcher was 2% of check's
    // instructions once every block of a generated tree came here. Each line is one
    // memcmp, the statement's; the indentation and the marker, a few bytes each, are
    // compared in line: six calls of `strip_prefix` a line were a third of generating
    // on a generated tree (check's critical path).
    let mut lines = statements.as_bytes();
    while !lines.is_empty() {
        let end = memchr::memchr(b'\n', lines).unwrap_or(lines.len());
        let (s, after) = (&lines[..end], lines.get(end + 1..).unwrap_or_default());
        lines = after;
        let len = lead.len() + tab.len() + s.len() + MARKED_END.len();
        let Some((line, after)) = rest.split_at_checked(len) else {
            return false;
        };
        rest = after;
        let (head, line) = line.split_at(lead.len() + tab.len());
        let (stmt, end) = line.split_at(s.len());
        if !(same_short(&head[..lead.len()], lead)
            && same_short(&head[lead.len()..], tab)
            && <[u8; MARKED_END.len()]>::try_from(end).is_ok_and(|e| e == *MARKED_END)
            && stmt == s)
        {
            return false;
        }
    }
    rest.is_empty()
}

/// What ends each of jailvol's lines: a space, `MARK`, the newline.
const MARKED_END: &[u8; MARK.len() + 2] = b" # jailvol\n";

/// `a == b` for the few bytes of an indentation, without a call to memcmp.
fn same_short(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// The splices of one file: (start, end, what goes in its place: None for nothing).
struct FileSplices {
    source: Arc<Source>,
    list: Vec<(usize, usize, Option<Added>)>,
}

/// jailvol's statements put at a block's end.
struct Added {
    /// Their chunk of `Edits` and range there.
    stmts: (usize, Range<usize>),
    indent: Indent,
    /// The `}` is on a line of its own: they go on the lines before it. Otherwise they
    /// start on a new line, and the `}` follows on one of its own, indented by `outer`
    /// (a range of the text).
    own_line: bool,
    outer: Range<usize>,
}

/// A block's indentation: a range of its text, and a tab more or not.
struct Indent {
    lead: Range<usize>,
    tab: bool,
}

impl Indent {
    fn get<'t>(&self, text: &'t str) -> (&'t str, &'static str) {
        (&text[self.lead.clone()], if self.tab { "\t" } else { "" })
    }
}

/// The text ranges (`remove_range`) of the statements of `rec` jailvol marked that are
/// in `src`, into `out`.
fn marked_ranges(parsed: &Parsed, rec: &CfJail, src: &Source, out: &mut Vec<(usize, usize)>) {
    out.clear();
    out.extend(
        parsed
            .marked_params(rec)
            .filter(|p| parsed.is_in(p, src))
            .map(|p| remove_range(&src.text, p)),
    );
}

/// Where the line of a block's `}` at `close` starts, and whether the `}` is alone on
/// it but for blanks before it.
fn close_line(text: &str, close: usize) -> (usize, bool) {
    let start = line_start(text.as_bytes(), close);
    let alone = text.as_bytes()[start..close]
        .iter()
        .all(|&c| c == b' ' || c == b'\t');
    (start, alone)
}

/// The text range a marked statement occupies: its whole line(s) when it stands alone.
fn remove_range(text: &str, p: &CfParam) -> (usize, usize) {
    // Byte by byte: the line's ends are a few bytes away, too near for a search to pay.
    let b = text.as_bytes();
    let line_start = line_start(b, p.start());
    let marker_end = b[p.end()..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |i| p.end() + i);
    let before_blank = b[line_start..p.start()].iter().all(|&c| c == b' ' || c == b'\t');
    if before_blank {
        (line_start, (marker_end + 1).min(b.len()))
    } else {
        (p.start(), marker_end)
    }
}

/// The start of the line `at` is on.
fn line_start(b: &[u8], at: usize) -> usize {
    b[..at].iter().rposition(|&c| c == b'\n').map_or(0, |i| i + 1)
}

/// The indentation of the block's first statement, else the header's plus a tab.
fn block_indent(text: &str, params: &[CfParam], header: usize, open: usize) -> Indent {
    let lead = |at: usize| -> Option<Range<usize>> {
        let start = line_start(text.as_bytes(), at);
        text.as_bytes()[start..at]
            .iter()
            .all(|&c| c == b' ' || c == b'\t')
            .then_some(start..at)
    };
    for p in params {
        if p.start() > open
            && !is_marked(p)
            && let Some(lead) = lead(p.start())
        {
            return Indent { lead, tab: false };
        }
    }
    Indent {
        lead: lead(header).unwrap_or(0..0),
        tab: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Source;
    use crate::parse::jailconf::parse_source;
    use crate::parse::loader::Loader;

    #[test]
    fn marked_end_is_the_mark() {
        assert_eq!(MARKED_END.as_slice(), format!(" {MARK}\n").as_bytes());
    }

    fn edit_of(text: &str, statements: &str) -> Option<String> {
        let parsed = parse_source(&Loader::sealed(), Source::new("/j.conf", text), false).unwrap();
        let mut edits = Edits::new(parsed.jails.len());
        edits.push_with(&parsed, 0, |s| s.push_str(statements));
        apply(&parsed, edits, &[]).remove("/j.conf")
    }

    /// Statements over many chunks, and a block's larger than a chunk, land in their
    /// own blocks.
    #[test]
    fn statements_across_chunks_go_to_their_blocks() {
        let n = 3 * CHUNK / 100;
        let text: String = (0..n).map(|i| format!("j{i} {{\n\tpath = /j;\n}}\n")).collect();
        let parsed = parse_source(&Loader::sealed(), Source::new("/j.conf", text), false).unwrap();
        let big = "x".repeat(CHUNK + 10);
        let stmts = |i: usize| match i {
            7 => format!("a = {i};\nb = {big};\n"),
            _ => format!("a = {i};\nlonger_name_{i} = \"{}\";\n", "v".repeat(i % 90)),
        };
        let mut edits = Edits::new(parsed.jails.len());
        let mut want = String::new();
        for (r, rec) in parsed.jails.iter().enumerate() {
            let Some(i) = rec.name.as_str().strip_prefix('j').and_then(|i| i.parse().ok()) else {
                continue;
            };
            edits.push_with(&parsed, r, |s| s.push_str(&stmts(i)));
            want.push_str(&format!("j{i} {{\n\tpath = /j;\n"));
            for line in stmts(i).lines() {
                want.push_str(&format!("\t{line} {MARK}\n"));
            }
            want.push_str("}\n");
        }
        assert!(edits.chunks.len() > 3, "{} chunks", edits.chunks.len());
        assert_eq!(
            apply(&parsed, edits, &[]).remove("/j.conf").as_deref(),
            Some(want.as_str())
        );
    }

    #[test]
    fn a_block_that_already_ends_with_the_statements_is_left_alone() {
        let want = "a = 1;\nb = \"x y\";\n";
        let done = "j {\n\tpath = /j;\n\ta = 1; # jailvol\n\tb = \"x y\"; # jailvol\n}\n";
        assert_eq!(edit_of(done, want), None);
        // Written once, then again: the same text.
        let fresh = edit_of("j {\n\tpath = /j;\n}\n", want).unwrap();
        assert_eq!(fresh, done);
        // Anything else between or after them, another order, another indentation or
        // a missing or extra statement: rewritten, jailvol's lines last.
        let with = |other: &str| {
            format!("j {{\n\tpath = /j;\n{other}\ta = 1; # jailvol\n\tb = \"x y\"; # jailvol\n}}\n")
        };
        for (stale, expect) in [
            (
                "j {\n\tpath = /j;\n\tb = \"x y\"; # jailvol\n\ta = 1; # jailvol\n}\n",
                with(""),
            ),
            (
                "j {\n\tpath = /j;\n\ta = 1; # jailvol\n\t# note\n\tb = \"x y\"; # jailvol\n}\n",
                with("\t# note\n"),
            ),
            (
                "j {\n\tpath = /j;\n\ta = 1; # jailvol\n\tb = \"x y\"; # jailvol\n\tc;\n}\n",
                with("\tc;\n"),
            ),
            (
                "j {\n\tpath = /j;\n  a = 1; # jailvol\n\tb = \"x y\"; # jailvol\n}\n",
                with(""),
            ),
            ("j {\n\tpath = /j;\n\ta = 1; # jailvol\n}\n", with("")),
            (
                "j {\n\tpath = /j;\n\ta = 1; # jailvol\n\tb = \"x y\"; # jailvol\n\tb = 2; # jailvol\n}\n",
                with(""),
            ),
        ] {
            assert_eq!(
                edit_of(stale, want).as_deref(),
                Some(expect.as_str()),
                "{stale:?}"
            );
        }
    }

    /// A block that already ends with its statements takes no room in the chunks, still
    /// counts as edited (so `plan::generate_from` does not strip it), and is left as
    /// it is; the next block's statements go where its were.
    #[test]
    fn a_kept_block_gives_its_room_back() {
        let want = "a = 1;\n";
        let text = "j0 {\n\tpath = /j;\n\ta = 1; # jailvol\n}\nj1 {\n\tpath = /j;\n}\n";
        let parsed = parse_source(&Loader::sealed(), Source::new("/j.conf", text), false).unwrap();
        let mut edits = Edits::new(parsed.jails.len());
        edits.push_with(&parsed, 0, |s| s.push_str(want));
        assert!(matches!(edits.of[0], Edit::Kept));
        assert_eq!(edits.chunks[0], "");
        edits.push_with(&parsed, 1, |s| s.push_str(want));
        assert_eq!(edits.chunks, [want]);
        assert!(edits.has(0) && edits.has(1));
        let strip: Vec<usize> = (0..parsed.jails.len())
            .filter(|&i| !edits.has(i) && !parsed.jails[i].marked.is_empty())
            .collect();
        assert_eq!(
            apply(&parsed, edits, &strip).remove("/j.conf").as_deref(),
            Some("j0 {\n\tpath = /j;\n\ta = 1; # jailvol\n}\nj1 {\n\tpath = /j;\n\ta = 1; # jailvol\n}\n")
        );
    }

    /// The parser's record of the marker is what the text says after each `;`.
    #[test]
    fn the_marker_is_on_the_statement_line_after_its_semicolon() {
        let text = "j {\n\ta = 1; # jailvol\n\tb = 2;#jailvol\r\n\tc = 3; # jailvolx\n\td = 4;\t#  jailvol why\n\
                    \te = 5; f = 6; # jailvol\n\tg = 7;\n# jailvol\n\th = \"# jailvol\";\n\ti = 8; # not jailvol\n}\n";
        let parsed = parse_source(&Loader::sealed(), Source::new("/j.conf", text), false).unwrap();
        let marked: Vec<(&str, bool)> = parsed
            .params(&parsed.jails[0])
            .iter()
            .map(|p| {
                assert_eq!(p.marked, marked_after(text, p.end()));
                (p.name.as_str(), is_marked(p))
            })
            .collect();
        let want = [
            ("a", true),
            ("b", true),
            ("c", false),
            ("d", true),
            ("e", false),
            ("f", true),
            ("g", false),
            ("h", false),
            ("i", false),
        ];
        assert_eq!(marked, want);
        // The record lists them by index, in a block and outside any.
        assert_eq!(parsed.jails[0].marked.as_slice(), [0, 1, 3, 5]);
        let global = "a = 1; # jailvol\nb = 2;\nc = 3; # jailvol\nj { }\n";
        let parsed = parse_source(&Loader::sealed(), Source::new("/j.conf", global), false).unwrap();
        let names: Vec<&str> = parsed
            .marked_params(&parsed.jails[0])
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(names, ["a", "c"]);
    }
}
