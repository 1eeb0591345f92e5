//! In-place jail.conf edits that keep every byte jailvol does not manage.
//!
//! jailvol's statements are ordinary jail.conf statements ending with the comment
//! `# jailvol` on their last line. An edit removes the jail's marked statements and puts
//! the wanted ones at the end of its block, in the block's indentation, so running it
//! twice changes nothing and removing a jail's volume settings removes what it added.

use std::collections::BTreeMap;

use crate::parse::jailconf::{CfJail, CfParam, Parsed};

pub const MARK: &str = "# jailvol";

/// Whether a statement carries the jailvol marker after its `;`.
pub fn is_marked(p: &CfParam) -> bool {
    let rest = &p.source.text[p.end..];
    let line = rest.split('\n').next().unwrap_or("");
    line.trim_start_matches([' ', '\t'])
        .strip_prefix('#')
        .is_some_and(|c| {
            let word = c.trim_start_matches([' ', '\t']);
            word == "jailvol" || word.starts_with("jailvol ") || word.starts_with("jailvol\r")
        })
}

/// What one block should end with: jailvol's statements, rendered without indentation.
#[derive(Debug, Clone, Default)]
pub struct BlockEdit {
    pub statements: Vec<String>,
}

/// Apply block edits (keyed by record index in `parsed.jails`) to the files they live in.
/// Blocks not named lose their marked statements only if `strip_others` lists them.
/// Returns the new text of every file that changes, by host path.
pub fn apply(
    parsed: &Parsed,
    edits: &BTreeMap<usize, BlockEdit>,
    strip: &[usize],
) -> BTreeMap<String, String> {
    // Work per file: collect (start, end, replacement) splices, then apply from the end.
    let mut splices: BTreeMap<String, Vec<(usize, usize, String)>> = BTreeMap::new();
    let records: Vec<usize> = edits.keys().copied().chain(strip.iter().copied()).collect();
    for idx in records {
        let Some(rec) = parsed.jails.get(idx) else {
            continue;
        };
        let Some(block) = &rec.block else { continue };
        let src = &block.source;
        let text = &src.text;
        let file = splices.entry(src.name.clone()).or_default();
        for p in rec
            .params
            .iter()
            .filter(|p| is_marked(p) && std::ptr::eq(&*p.source, &**src))
        {
            file.push(remove_range(text, p));
        }
        let Some(edit) = edits.get(&idx) else { continue };
        if edit.statements.is_empty() {
            continue;
        }
        let indent = block_indent(text, rec, block.header, block.open);
        let close = block.close;
        let line_start = text[..close].rfind('\n').map_or(0, |i| i + 1);
        let own_line = text[line_start..close].trim_matches([' ', '\t']).is_empty();
        let mut add = String::new();
        if own_line {
            for s in &edit.statements {
                add.push_str(&format!("{indent}{s} {MARK}\n"));
            }
            file.push((line_start, line_start, add));
        } else {
            // `foo { path = /x; }`: the `}` moves to a line of its own.
            add.push('\n');
            for s in &edit.statements {
                add.push_str(&format!("{indent}{s} {MARK}\n"));
            }
            let header_line = text[..block.header].rfind('\n').map_or(0, |i| i + 1);
            let outer: String = text[header_line..block.header]
                .chars()
                .take_while(|c| *c == ' ' || *c == '\t')
                .collect();
            add.push_str(&outer);
            // Drop the blanks before the `}` so the block does not end with "; \n".
            let trimmed = text[..close].trim_end_matches([' ', '\t']).len();
            file.push((trimmed, close, add));
        }
    }
    let mut out = BTreeMap::new();
    for (name, mut list) in splices {
        let Some(src) = parsed.sources.iter().find(|s| s.name == name) else {
            continue;
        };
        // One pass over the text: splices never overlap (removals are whole statements,
        // insertions sit at a block's end), so copy the gaps and the replacements in order.
        list.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        list.dedup();
        let mut text = String::with_capacity(src.text.len() + list.iter().map(|s| s.2.len()).sum::<usize>());
        let mut at = 0;
        for (start, end, rep) in list {
            let start = start.max(at);
            text.push_str(&src.text[at..start]);
            text.push_str(&rep);
            at = end.max(start);
        }
        text.push_str(&src.text[at..]);
        if text != src.text {
            out.insert(name, text);
        }
    }
    out
}

/// The text range a marked statement occupies: its whole line(s) when it stands alone.
fn remove_range(text: &str, p: &CfParam) -> (usize, usize, String) {
    let line_start = text[..p.start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[p.end..].find('\n').map_or(text.len(), |i| p.end + i + 1);
    let before_blank = text[line_start..p.start].trim_matches([' ', '\t']).is_empty();
    if before_blank {
        (line_start, line_end, String::new())
    } else {
        let marker_end = text[p.end..].find('\n').map_or(text.len(), |i| p.end + i);
        (p.start, marker_end, String::new())
    }
}

/// The indentation of the block's first statement, else the header's plus a tab.
fn block_indent(text: &str, rec: &CfJail, header: usize, open: usize) -> String {
    let lead = |at: usize| -> Option<String> {
        let ls = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let pre = &text[ls..at];
        pre.chars().all(|c| c == ' ' || c == '\t').then(|| pre.to_owned())
    };
    for p in &rec.params {
        if p.start > open && !is_marked(p) {
            if let Some(i) = lead(p.start) {
                return i;
            }
        }
    }
    format!("{}\t", lead(header).unwrap_or_default())
}
