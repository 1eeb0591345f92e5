//! Writing to the terminal: stdout that tolerates a closed pipe, warnings on stderr.

use super::*;

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

/// Print warnings (unless -q) to stderr.
pub fn warn(g: &Global, diags: &[Diag]) {
    if g.quiet {
        return;
    }
    let mut stderr = std::io::stderr().lock();
    for d in diags.iter().filter(|d| d.severity <= Severity::Warning) {
        let _ = stderr.write_all(d.render().as_bytes());
    }
}

/// Buffered standard output for streamed output, quiet about a closed pipe like `print`:
/// after the first error nothing more is written; `finish` reports it unless it was a
/// broken pipe.
pub(crate) struct Output {
    out: std::io::BufWriter<std::io::StdoutLock<'static>>,
    failed: Option<std::io::Error>,
}

impl Output {
    pub(crate) fn new() -> Output {
        Output {
            out: std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock()),
            failed: None,
        }
    }

    pub(crate) fn write(
        &mut self,
        f: impl FnOnce(&mut std::io::BufWriter<std::io::StdoutLock<'static>>) -> std::io::Result<()>,
    ) {
        if self.failed.is_none()
            && let Err(e) = f(&mut self.out)
        {
            self.failed = Some(e);
        }
    }

    pub(crate) fn finish(mut self) -> anyhow::Result<()> {
        if self.failed.is_none()
            && let Err(e) = self.out.flush()
        {
            self.failed = Some(e);
        }
        match self.failed.take() {
            Some(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
            _ => Ok(()),
        }
    }
}
