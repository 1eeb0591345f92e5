//! `--color`: whether diagnostics are coloured, and colouring them as a compiler does
//! (the `error`/`warning` label and the caret in the severity's colour, the `|` gutter
//! in blue). The text is `Diag::render`'s, byte for byte, with ANSI SGR codes around
//! those parts; without colour it is left exactly as rendered.

use std::ffi::OsStr;
use std::io::IsTerminal;

use super::Color;
use crate::diag::{Diag, Severity};

/// The stream a text goes to: `auto` colours only a terminal.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stream {
    Stdout,
    Stderr,
}

/// Whether to colour what goes to `stream`: `always` and `never` say it; `auto` colours a
/// terminal unless the environment says not to.
pub(crate) fn enabled(choice: Color, stream: Stream) -> bool {
    match choice {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            let tty = match stream {
                Stream::Stdout => std::io::stdout().is_terminal(),
                Stream::Stderr => std::io::stderr().is_terminal(),
            };
            tty && env_allows(
                std::env::var_os("NO_COLOR").as_deref(),
                std::env::var_os("TERM").as_deref(),
            )
        }
    }
}

/// `auto` on a terminal: https://no-color.org — a `NO_COLOR` that is set and not empty
/// turns colour off, whatever its value; `TERM=dumb` is a terminal that has none (as
/// compilers and ripgrep treat it).
fn env_allows(no_color: Option<&OsStr>, term: Option<&OsStr>) -> bool {
    no_color.is_none_or(OsStr::is_empty) && term != Some(OsStr::new("dumb"))
}

const RESET: &str = "\x1b[0m";
const GUTTER: &str = "\x1b[1;34m";

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "\x1b[1;31m",
        Severity::Warning => "\x1b[1;33m",
        Severity::Note => "\x1b[1;32m",
    }
}

/// `d.render()`, coloured.
pub(crate) fn render(d: &Diag) -> String {
    paint(d, &d.render())
}

/// `plain` (which is `d.render()`) with colour: the label, and for a diagnostic with a
/// place, the gutter of the source line and the caret line. Text that does not have the
/// expected shape is returned as it is.
pub(crate) fn paint(d: &Diag, plain: &str) -> String {
    let c = severity(d.severity);
    let (prefix, gutter) = match &d.loc {
        Some(loc) => {
            let (line, col) = loc.line_col();
            (
                format!("{}:{line}:{col}: ", loc.file()),
                Some(line.to_string().len() + 2),
            )
        }
        None => ("jailvol: ".to_owned(), None),
    };
    let label = d.label();
    let Some(rest) = plain
        .strip_prefix(prefix.as_str())
        .and_then(|r| r.strip_prefix(label.as_str()))
    else {
        return plain.to_owned();
    };
    let mut out = format!("{prefix}{c}{label}{RESET}");
    for (i, line) in rest.split_inclusive('\n').enumerate() {
        let excerpt = gutter.filter(|_| i == 1 || i == 2);
        match excerpt {
            // `NN | text` and `   | ^`: the gutter is the number (or blanks) and ` |`.
            Some(w) if line.len() >= w && line.is_char_boundary(w) => {
                let (g, text) = line.split_at(w);
                out.push_str(&format!("{GUTTER}{g}{RESET}"));
                match text.strip_suffix("^\n").filter(|_| i == 2) {
                    Some(pad) => out.push_str(&format!("{pad}{c}^{RESET}\n")),
                    None => out.push_str(text),
                }
            }
            _ => match line.strip_prefix("  = note: ") {
                Some(n) => out.push_str(&format!(
                    "  {GUTTER}={RESET} {}note{RESET}: {n}",
                    severity(Severity::Note)
                )),
                None => out.push_str(line),
            },
        }
    }
    out
}

/// Colour `text`, which begins with `diags` rendered one after the other (as a report
/// does; the rest, a summary, is kept as it is).
pub(crate) fn paint_leading(diags: &[Diag], text: &str) -> String {
    let mut out = String::with_capacity(text.len() + diags.len() * 32);
    let mut rest = text;
    for d in diags {
        let plain = d.render();
        let Some(after) = rest.strip_prefix(plain.as_str()) else {
            break;
        };
        out.push_str(&paint(d, &plain));
        rest = after;
    }
    out.push_str(rest);
    out
}

/// `jailvol: error: MESSAGE` for an error that is not a diagnostic.
pub(crate) fn error_line(color: bool, message: &str) -> String {
    if color {
        format!("jailvol: {}error{RESET}: {message}\n", severity(Severity::Error))
    } else {
        format!("jailvol: error: {message}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Source;

    fn strip(s: &str) -> String {
        let mut out = String::new();
        let mut it = s.chars();
        while let Some(c) = it.next() {
            if c == '\x1b' {
                it.by_ref().find(|c| *c == 'm');
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn no_color_set_and_not_empty_turns_colour_off() {
        assert!(env_allows(None, None));
        assert!(env_allows(Some(OsStr::new("")), Some(OsStr::new("xterm"))));
        assert!(!env_allows(Some(OsStr::new("1")), None));
        assert!(!env_allows(Some(OsStr::new("0")), None));
        assert!(!env_allows(None, Some(OsStr::new("dumb"))));
    }

    #[test]
    fn paint_adds_colour_and_nothing_else() {
        let s = Source::new("a: error: b.conf", "a {\n\tpath = \"x;\n}\n");
        let d = Diag::at(&s, 12, "unterminated string").with_note("see jail.conf(5)");
        let painted = render(&d);
        assert_eq!(strip(&painted), d.render());
        assert!(painted.starts_with("a: error: b.conf:2:9: \x1b[1;31merror\x1b[0m: unterminated"));
        assert!(painted.contains("\x1b[1;34m  |\x1b[0m \t       \x1b[1;31m^\x1b[0m\n"));
        assert!(painted.contains("\x1b[1;34m2 |\x1b[0m \tpath"));
        let w = Diag::warning(None, "careful").with_code("JV007");
        assert_eq!(render(&w), "jailvol: \x1b[1;33mwarning[JV007]\x1b[0m: careful\n");
        let both = format!("{}{}summary\n", d.render(), w.render());
        let painted = paint_leading(&[d, w], &both);
        assert_eq!(strip(&painted), both);
        assert!(painted.ends_with("careful\nsummary\n"));
    }
}
