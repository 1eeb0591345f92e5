//! Diagnostics: every user-facing problem is a `Diag` with a location, a message and an
//! exit status from sysexits(3). Rendering is compiler-like:
//!
//! ```text
//! jail.conf:3:12: error: unterminated string
//!     3 |     path = "/jails/www;
//!       |            ^
//! ```

use std::fmt;
use std::sync::{Arc, OnceLock};

/// sysexits(3) codes used by jailvol.
pub mod exit {
    pub const OK: i32 = 0;
    /// "Checked, and found something" (check), or a failed step (create).
    pub const FINDINGS: i32 = 1;
    pub const USAGE: i32 = 64;
    pub const DATAERR: i32 = 65;
    pub const NOINPUT: i32 = 66;
    pub const SOFTWARE: i32 = 70;
    pub const CANTCREAT: i32 = 73;
    pub const IOERR: i32 = 74;
}

/// A source file as read: its display name and text, with a line index for turning byte
/// offsets into `line:col` without rescanning (large files have many spans). The index
/// is made the first time a line is asked for: reading a large file for `show` needs
/// none (the parser counts the lines of block headers as it goes), and it was a tenth
/// of the parse's work and a third of the input's size again in memory.
#[derive(Debug)]
pub struct Source {
    pub name: String,
    /// Shared with the source's `twin`s.
    pub text: Arc<String>,
    line_starts: OnceLock<Vec<usize>>,
    /// `parse::read::crlf_and_nul` of the text, when reading the file found it out
    /// (a large file, checked a piece at a time as it was read): the parser looks
    /// for both otherwise.
    pub crlf_and_nul: Option<(Option<usize>, bool)>,
    /// Kept to the end of the process (`pin`).
    pinned: bool,
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Arc<Source> {
        Source::read(name, text, None)
    }

    /// `new`, with what reading the file found out about it.
    pub fn read(
        name: impl Into<String>,
        text: impl Into<String>,
        crlf_and_nul: Option<(Option<usize>, bool)>,
    ) -> Arc<Source> {
        Arc::new(Source {
            name: name.into(),
            text: Arc::new(text.into()),
            line_starts: OnceLock::new(),
            crlf_and_nul,
            pinned: false,
        })
    }

    /// Keep `src` to the end of the process: one count of it is leaked, and the
    /// parser's spans of it then take none (`Text`: the parse of a large file made
    /// millions, a locked add each to make and to drop). For a command that runs once:
    /// its files are read once and their text is alive nearly to its end anyway.
    /// A source already shared is left as it is.
    pub fn pin(mut src: Arc<Source>) -> Arc<Source> {
        if let Some(s) = Arc::get_mut(&mut src) {
            s.pinned = true;
            std::mem::forget(Arc::clone(&src));
        }
        src
    }

    /// Whether `pin` kept this source.
    pub fn pinned(&self) -> bool {
        self.pinned
    }

    /// Whether `other` is this reading of the file, or a `twin` of it (compare sources
    /// with this, not by pointer: the blocks of a large file read in two halves point
    /// at two twins).
    pub fn same(&self, other: &Source) -> bool {
        Arc::ptr_eq(&self.text, &other.text)
    }

    /// The same file, text not copied, under a reference count of its own: a thread
    /// that makes hundreds of thousands of spans of a file (parser/split.rs) counts
    /// them there, not on the count another core is changing too (two cores
    /// incrementing one count take turns holding its cache line: that was a tenth of
    /// the parse). Compared by name, as files are.
    pub fn twin(&self) -> Arc<Source> {
        let twin = Arc::new(Source {
            name: self.name.clone(),
            text: Arc::clone(&self.text),
            line_starts: OnceLock::new(),
            crlf_and_nul: self.crlf_and_nul,
            pinned: false,
        });
        if self.pinned { Source::pin(twin) } else { twin }
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            let mut starts = vec![0];
            starts.extend(memchr_newlines(self.text.as_bytes()));
            starts
        })
    }

    /// 0-based line index of a byte offset.
    fn line_index(&self, offset: usize) -> usize {
        match self.line_starts().binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        self.line_index(offset.min(self.text.len())) + 1
    }

    /// 1-based line and column (column counted in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_index(offset);
        let start = self.line_starts()[line];
        let col = self.text[start..floor_char_boundary(&self.text, offset)]
            .chars()
            .count()
            + 1;
        (line + 1, col)
    }

    /// The text of a 1-based line, without its line terminator.
    pub fn line_text(&self, line: usize) -> &str {
        let starts = self.line_starts();
        let Some(&start) = starts.get(line.saturating_sub(1)) else {
            return "";
        };
        let end = starts.get(line).map(|e| e - 1).unwrap_or(self.text.len());
        self.text[start..end.max(start)].trim_end_matches('\r')
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn memchr_newlines(b: &[u8]) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr_iter(b'\n', b).map(|i| i + 1)
}

/// How many characters of a long line an error shows.
const EXCERPT: usize = 160;

/// A byte offset in a source file.
#[derive(Debug, Clone)]
pub struct Loc {
    pub source: Arc<Source>,
    pub offset: usize,
}

impl Loc {
    pub fn new(source: &Arc<Source>, offset: usize) -> Loc {
        Loc {
            source: Arc::clone(source),
            offset,
        }
    }
    pub fn file(&self) -> &str {
        &self.source.name
    }
    pub fn line_col(&self) -> (usize, usize) {
        self.source.line_col(self.offset)
    }
    pub fn line(&self) -> usize {
        self.source.line(self.offset)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// One problem, with where it is.
#[derive(Debug, Clone)]
pub struct Diag {
    pub severity: Severity,
    pub loc: Option<Loc>,
    pub message: String,
    /// Extra lines printed after the source excerpt ("note: ...").
    pub notes: Vec<String>,
    /// Exit status when this diagnostic ends the program.
    pub exit: i32,
    /// Stable lint code (`JV012`) for `check` findings; docs/checks.md explains each.
    pub code: Option<&'static str>,
    /// The jail a finding is about, if any.
    pub jail: Option<String>,
}

impl Diag {
    pub fn error(loc: Option<Loc>, message: impl Into<String>) -> Diag {
        Diag {
            severity: Severity::Error,
            loc,
            message: message.into(),
            notes: Vec::new(),
            exit: exit::DATAERR,
            code: None,
            jail: None,
        }
    }
    pub fn warning(loc: Option<Loc>, message: impl Into<String>) -> Diag {
        Diag {
            severity: Severity::Warning,
            loc,
            message: message.into(),
            notes: Vec::new(),
            exit: exit::OK,
            code: None,
            jail: None,
        }
    }
    pub fn at(source: &Arc<Source>, offset: usize, message: impl Into<String>) -> Diag {
        Diag::error(Some(Loc::new(source, offset)), message)
    }
    pub fn with_exit(mut self, code: i32) -> Diag {
        self.exit = code;
        self
    }
    pub fn with_code(mut self, code: &'static str) -> Diag {
        self.code = Some(code);
        self
    }
    pub fn with_jail(mut self, jail: impl Into<String>) -> Diag {
        self.jail = Some(jail.into());
        self
    }
    /// `error[JV012]` or plain `error`.
    pub fn label(&self) -> String {
        match self.code {
            Some(c) => format!("{}[{c}]", self.severity),
            None => self.severity.to_string(),
        }
    }
    pub fn with_note(mut self, note: impl Into<String>) -> Diag {
        self.notes.push(note.into());
        self
    }

    /// Render as `file:line:col: severity: message`, the offending line and a caret.
    pub fn render(&self) -> String {
        let mut out = String::new();
        match &self.loc {
            Some(loc) => {
                let (line, col) = loc.line_col();
                out.push_str(&format!(
                    "{}:{}:{}: {}: {}\n",
                    loc.file(),
                    line,
                    col,
                    self.label(),
                    self.message
                ));
                let full = loc.source.line_text(line);
                let width = line.to_string().len();
                // A long line is shown as a window around the column, so one error on a
                // huge line does not flood the terminal.
                let chars: Vec<char> = full.chars().collect();
                let start = if chars.len() > EXCERPT {
                    col.saturating_sub(1 + EXCERPT / 2)
                } else {
                    0
                };
                let end = (start + EXCERPT).min(chars.len());
                let mut text: String = chars[start..end].iter().collect();
                let lead = if start > 0 { "..." } else { "" };
                if end < chars.len() {
                    text.push_str("...");
                }
                out.push_str(&format!("{line:>width$} | {lead}{text}\n"));
                // Keep tabs so the caret lines up under the offending character.
                let pad: String = lead
                    .chars()
                    .chain(chars[start..].iter().copied())
                    .take(col.saturating_sub(1 + start) + lead.len())
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                out.push_str(&format!("{:>width$} | {pad}^\n", ""));
            }
            None => out.push_str(&format!("jailvol: {}: {}\n", self.label(), self.message)),
        }
        for n in &self.notes {
            out.push_str(&format!("  = note: {n}\n"));
        }
        out
    }
}

impl fmt::Display for Diag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.loc {
            Some(loc) => {
                let (line, col) = loc.line_col();
                write!(f, "{}:{}:{}: {}", loc.file(), line, col, self.message)
            }
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for Diag {}

/// Several diagnostics that together end a command (e.g. per-jail errors).
#[derive(Debug)]
pub struct Diags(pub Vec<Diag>);

impl fmt::Display for Diags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}")?;
        }
        Ok(())
    }
}
impl std::error::Error for Diags {}

/// The exit status an `anyhow::Error` maps to: the code carried by a `Diag`, 74 for other
/// I/O errors, 70 for anything unexpected.
pub fn exit_code(err: &anyhow::Error) -> i32 {
    if let Some(d) = err.downcast_ref::<Diag>() {
        return d.exit;
    }
    if let Some(ds) = err.downcast_ref::<Diags>() {
        return ds.0.iter().map(|d| d.exit).max().unwrap_or(exit::DATAERR);
    }
    if let Some(e) = err.downcast_ref::<std::io::Error>() {
        return io_exit(e);
    }
    exit::SOFTWARE
}

/// sysexits for an I/O error while reading input.
pub fn io_exit(e: &std::io::Error) -> i32 {
    use std::io::ErrorKind::*;
    match e.kind() {
        NotFound | PermissionDenied | IsADirectory => exit::NOINPUT,
        _ => exit::IOERR,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let s = Source::new("f", "ab\ncd\n");
        assert_eq!(s.line_col(0), (1, 1));
        assert_eq!(s.line_col(4), (2, 2));
        assert_eq!(s.line_col(6), (3, 1));
        assert_eq!(s.line_text(2), "cd");
    }

    #[test]
    fn render_points_at_the_column() {
        let s = Source::new("jail.conf", "a {\n\tpath = \"x;\n}\n");
        let d = Diag::at(&s, 12, "unterminated string");
        let r = d.render();
        assert!(r.starts_with("jail.conf:2:9: error: unterminated string\n"));
        assert!(r.contains("2 | \tpath = \"x;\n"));
        assert!(r.contains("  | \t       ^\n"));
    }
}
