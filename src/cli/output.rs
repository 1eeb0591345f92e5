//! Writing to the terminal: stdout that tolerates a closed pipe; warnings, notes and
//! errors on stderr, diagnostics coloured as `--color` resolves.

use std::io::Write;

use super::color::{self, Stream};
use super::{Global, Globals};
use crate::diag::{Diag, Diags, Severity, exit};

pub(crate) fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Write to stdout; a reader that went away (`| head`) is not an error.
pub fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn warnings(colored: bool, diags: &[Diag]) {
    let mut stderr = std::io::stderr().lock();
    for d in fold(diags).iter().filter(|d| d.severity <= Severity::Warning) {
        let text = if colored { color::render(d) } else { d.render() };
        let _ = stderr.write_all(text.as_bytes());
    }
}

impl Globals {
    /// Print warnings (unless -q) to stderr.
    pub fn warn(&self, diags: &[Diag]) {
        if !self.quiet {
            warnings(self.err_color, diags);
        }
    }

    /// `jailvol: MESSAGE` on stderr, what was done (unless -q).
    pub fn note(&self, message: &str) {
        if !self.quiet {
            let _ = writeln!(std::io::stderr().lock(), "jailvol: {message}");
        }
    }
}

/// One statement read by several jails fails each of them the same way (`* {
/// $volume_size = 1X; }` is every jail's bad size): the jails' diagnostics differ only
/// in the `JAIL: ` that starts them. Printed once, naming the jails (`a, b: ...`), not
/// once per jail with the same line and caret. JSON output (check) keeps one finding
/// per jail; this is for the text on stderr only.
pub(crate) fn fold(diags: &[Diag]) -> Vec<Diag> {
    // The message without its `JAIL: `, when it has one.
    fn rest(d: &Diag) -> Option<&str> {
        d.message.strip_prefix(d.jail.as_deref()?)?.strip_prefix(": ")
    }
    let same_place = |a: &Diag, b: &Diag| match (&a.loc, &b.loc) {
        (Some(x), Some(y)) => x.source.same(&y.source) && x.offset == y.offset,
        _ => false,
    };
    let mut out: Vec<Diag> = Vec::with_capacity(diags.len());
    // For each diagnostic in `out` that can take more jails: its message's rest and jails.
    let mut jails: Vec<Option<(&str, Vec<&str>)>> = Vec::with_capacity(diags.len());
    for d in diags {
        let found = rest(d).and_then(|r| {
            out.iter().zip(&jails).position(|(o, js)| {
                js.as_ref().is_some_and(|(or, _)| *or == r)
                    && same_place(o, d)
                    && (o.severity, o.code, o.exit, &o.notes) == (d.severity, d.code, d.exit, &d.notes)
            })
        });
        match (found, rest(d), d.jail.as_deref()) {
            (Some(i), Some(r), Some(j)) => {
                if let Some((_, js)) = jails[i].as_mut() {
                    js.push(j);
                    out[i].message = format!("{}: {r}", js.join(", "));
                }
            }
            _ => {
                jails.push(rest(d).zip(d.jail.as_deref()).map(|(r, j)| (r, vec![j])));
                out.push(d.clone());
            }
        }
    }
    out
}

/// Print an error the way a compiler would; never a backtrace. Returns the exit status.
pub(crate) fn report(g: &Global, err: &anyhow::Error) -> i32 {
    let colored = color::enabled(g.color, Stream::Stderr);
    let render = |d: &Diag| if colored { color::render(d) } else { d.render() };
    let mut stderr = std::io::stderr().lock();
    if let Some(d) = err.downcast_ref::<Diag>() {
        let _ = stderr.write_all(render(d).as_bytes());
    } else if let Some(ds) = err.downcast_ref::<Diags>() {
        for d in &fold(&ds.0) {
            let _ = stderr.write_all(render(d).as_bytes());
        }
    } else if is_broken_pipe(err) {
        return exit::OK;
    } else {
        let _ = stderr.write_all(color::error_line(colored, &format!("{err:#}")).as_bytes());
    }
    crate::diag::exit_code(err)
}
