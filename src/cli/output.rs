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
    for d in diags.iter().filter(|d| d.severity <= Severity::Warning) {
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

/// Print an error the way a compiler would; never a backtrace. Returns the exit status.
pub(crate) fn report(g: &Global, err: &anyhow::Error) -> i32 {
    let colored = color::enabled(g.color, Stream::Stderr);
    let render = |d: &Diag| if colored { color::render(d) } else { d.render() };
    let mut stderr = std::io::stderr().lock();
    if let Some(d) = err.downcast_ref::<Diag>() {
        let _ = stderr.write_all(render(d).as_bytes());
    } else if let Some(ds) = err.downcast_ref::<Diags>() {
        for d in &ds.0 {
            let _ = stderr.write_all(render(d).as_bytes());
        }
    } else if is_broken_pipe(err) {
        return exit::OK;
    } else {
        let _ = stderr.write_all(color::error_line(colored, &format!("{err:#}")).as_bytes());
    }
    crate::diag::exit_code(err)
}
