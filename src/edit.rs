//! In-place jail.conf edits that keep every byte jailvol does not manage.
//!
//! jailvol's statements are ordinary jail.conf statements ending with the comment
//! `# jailvol` on their last line. An edit removes the jail's marked statements and puts
//! the wanted ones at the end of its block, in the block's indentation, so running it
//! twice changes nothing and removing a jail's volume settings removes what it added.

use std::borrow::Cow;
use std::collections::BTreeMap;

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

/// What one block should end with: jailvol's statements, rendered without indentation.
#[derive(Debug, Clone, Default)]
pub struct BlockEdit {
    /// One statement a line, each ended by `\n`. A rendered statement has no newline of
    /// its own: `emit::jailconf` escapes it in names and values.
    pub statements: String,
}

/// Apply block edits (`edits[i]` for record `i` of `parsed.jails`, None for a block not
/// edited) to the files they live in. Blocks not edited lose their marked statements
/// only if `strip` lists them.
/// Returns the new text of every file that changes, by host path.
pub fn apply(parsed: &Parsed, edits: &[Option<BlockEdit>], strip: &[usize]) -> BTreeMap<String, String> {
    // Work per file: collect (start, end, replacement) splices, then apply them in order.
    // Replacements are ranges of one text per file, not a String each: a large file has
    // thousands of blocks.
    let mut files: Vec<FileSplices> = Vec::new();
    let mut removals = Vec::new();
    let edited = edits
        .iter()
        .enumerate()
        .filter_map(|(i, e)| Some((i, Some(e.as_ref()?))));
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
        let fi = match files.iter().rposition(|f| f.name == src.name) {
            Some(i) => i,
            None => {
                files.push(FileSplices {
                    name: &src.name,
                    list: Vec::new(),
                    added: String::new(),
                });
                files.len() - 1
            }
        };
        let file = &mut files[fi];
        removals.clear();
        removals.extend(
            rec.marked_params()
                .filter(|p| std::ptr::eq(&*p.source, &**src))
                .map(|p| remove_range(text, p)),
        );
        let edit = edit.filter(|e| !e.statements.is_empty());
        let Some(edit) = edit else {
            file.list
                .extend(removals.iter().map(|&(start, end)| (start, end, 0..0)));
            continue;
        };
        let indent = block_indent(text, rec, block.header, block.open);
        let close = block.close;
        let line_start = line_start(text.as_bytes(), close);
        let own_line = text.as_bytes()[line_start..close]
            .iter()
            .all(|&c| c == b' ' || c == b'\t');
        // A block generate already wrote ends with exactly these statements: leave it
        // (the usual case, and the whole file when nothing changed).
        if own_line && unchanged(text, &removals, line_start, &indent, &edit.statements) {
            continue;
        }
        file.list
            .extend(removals.iter().map(|&(start, end)| (start, end, 0..0)));
        let add = &mut file.added;
        let from = add.len();
        if !own_line {
            // `foo { path = /x; }`: the `}` moves to a line of its own.
            add.push('\n');
        }
        for s in edit.statements.split_terminator('\n') {
            add.push_str(&indent);
            add.push_str(s);
            add.push(' ');
            add.push_str(MARK);
            add.push('\n');
        }
        if own_line {
            file.list.push((line_start, line_start, from..add.len()));
        } else {
            let header_line = text[..block.header].rfind('\n').map_or(0, |i| i + 1);
            let outer = text[header_line..block.header]
                .bytes()
                .take_while(|c| *c == b' ' || *c == b'\t')
                .count();
            add.push_str(&text[header_line..header_line + outer]);
            // Drop the blanks before the `}` so the block does not end with "; \n".
            let trimmed = text[..close].trim_end_matches([' ', '\t']).len();
            file.list.push((trimmed, close, from..add.len()));
        }
    }
    let mut out = BTreeMap::new();
    for FileSplices {
        name,
        mut list,
        added,
    } in files
    {
        if list.is_empty() {
            continue;
        }
        let Some(src) = parsed.sources.iter().find(|s| s.name == name) else {
            continue;
        };
        // One pass over the text: splices never overlap (removals are whole statements,
        // insertions sit at a block's end), so copy the gaps and the replacements in order.
        list.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        list.dedup_by(|b, a| a.0 == b.0 && a.1 == b.1 && added[a.2.clone()] == added[b.2.clone()]);
        let mut text = String::with_capacity(src.text.len() + added.len());
        let mut at = 0;
        for (start, end, rep) in list {
            let start = start.max(at);
            text.push_str(&src.text[at..start]);
            text.push_str(&added[rep]);
            at = end.max(start);
        }
        text.push_str(&src.text[at..]);
        if text != src.text {
            out.insert(name.to_owned(), text);
        }
    }
    out
}

/// Whether removing `removals` and putting `statements` at `at` (a line start) gives
/// back `text`: the removals cover the text from the first of them up to `at` without
/// a gap, and that text is what would be put there.
fn unchanged(text: &str, removals: &[(usize, usize)], at: usize, indent: &str, statements: &str) -> bool {
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
    let mut rest = &text[first..at];
    for s in statements.split_terminator('\n') {
        for piece in [indent, s, " ", MARK, "\n"] {
            match rest.strip_prefix(piece) {
                Some(r) => rest = r,
                None => return false,
            }
        }
    }
    rest.is_empty()
}

/// The splices of one file: (start, end, replacement as a range of `added`).
struct FileSplices<'p> {
    name: &'p str,
    list: Vec<(usize, usize, std::ops::Range<usize>)>,
    added: String,
}

/// The text range a marked statement occupies: its whole line(s) when it stands alone.
fn remove_range(text: &str, p: &CfParam) -> (usize, usize) {
    // Byte by byte: the line's ends are a few bytes away, too near for a search to pay.
    let b = text.as_bytes();
    let line_start = line_start(b, p.start);
    let marker_end = b[p.end..]
        .iter()
        .position(|&c| c == b'\n')
        .map_or(b.len(), |i| p.end + i);
    let before_blank = b[line_start..p.start].iter().all(|&c| c == b' ' || c == b'\t');
    if before_blank {
        (line_start, (marker_end + 1).min(b.len()))
    } else {
        (p.start, marker_end)
    }
}

/// The start of the line `at` is on.
fn line_start(b: &[u8], at: usize) -> usize {
    b[..at].iter().rposition(|&c| c == b'\n').map_or(0, |i| i + 1)
}

/// The indentation of the block's first statement, else the header's plus a tab.
fn block_indent<'t>(text: &'t str, rec: &CfJail, header: usize, open: usize) -> Cow<'t, str> {
    let lead = |at: usize| -> Option<&'t str> {
        let pre = &text[line_start(text.as_bytes(), at)..at];
        pre.bytes().all(|c| c == b' ' || c == b'\t').then_some(pre)
    };
    for p in &rec.params {
        if p.start > open
            && !is_marked(p)
            && let Some(i) = lead(p.start)
        {
            return Cow::Borrowed(i);
        }
    }
    Cow::Owned(format!("{}\t", lead(header).unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Source;
    use crate::parse::jailconf::parse_source;
    use crate::parse::loader::Loader;

    fn edit_of(text: &str, statements: &str) -> Option<String> {
        let parsed = parse_source(&Loader::sealed(), Source::new("/j.conf", text), false).unwrap();
        let edits = [Some(BlockEdit {
            statements: statements.into(),
        })];
        apply(&parsed, &edits, &[]).remove("/j.conf")
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

    /// The parser's record of the marker is what the text says after each `;`.
    #[test]
    fn the_marker_is_on_the_statement_line_after_its_semicolon() {
        let text = "j {\n\ta = 1; # jailvol\n\tb = 2;#jailvol\r\n\tc = 3; # jailvolx\n\td = 4;\t#  jailvol why\n\
                    \te = 5; f = 6; # jailvol\n\tg = 7;\n# jailvol\n\th = \"# jailvol\";\n\ti = 8; # not jailvol\n}\n";
        let parsed = parse_source(&Loader::sealed(), Source::new("/j.conf", text), false).unwrap();
        let marked: Vec<(&str, bool)> = parsed.jails[0]
            .params
            .iter()
            .map(|p| {
                assert_eq!(p.marked, marked_after(&p.source.text, p.end));
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
        let names: Vec<&str> = parsed.jails[0].marked_params().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["a", "c"]);
    }
}
