//! `show`: the jails as jail(8) would see them, as canonical jail.conf text or JSON.

use std::io::{self, Write};

use super::Warn;
use crate::diag::Diags;
use crate::input::{self, InputKind};
use crate::{emit, model};

pub struct Options {
    pub input: input::Options,
    /// The JSON document instead of jail.conf text.
    pub json: bool,
}

/// Write the jails to `out`. A configuration jail(8) would reject still prints the jails
/// it can and then fails with the errors (`Diags`). A reader that went away (`| head`)
/// is not an error: what is left is not written.
pub fn show<W: Write>(opts: &Options, out: &mut W, warn: Warn) -> anyhow::Result<()> {
    let inputs = input::select(&opts.input)?;
    let loader = inputs.loader();
    let mut out = Latched { out, failed: None };
    if inputs.kind == InputKind::RcConf {
        let (vars, warnings) = super::read_rc_conf(&opts.input, &loader, &Default::default())?;
        warn(&warnings);
        let conv = crate::legacy::convert(&vars, &loader, &crate::legacy::Options::default());
        // The conversion's warnings travel in its configuration's (legacy::render
        // `config`): `whole` prints them, once.
        return whole(opts, conv.config(), out, warn);
    }
    let parsed = input::parse_jail_confs(&loader, &inputs.files)?;
    warn(&super::beside_warnings(&inputs, &loader, &parsed));
    if crate::depend::matters(&parsed) {
        // Dependencies can fail a jail only once every jail is known: no streaming.
        // (model::load keeps the parse's warnings first in cfg.warnings.)
        let mut cfg = model::load(&parsed);
        crate::depend::check(&parsed, &mut cfg);
        return whole(opts, cfg, out, warn);
    }
    warn(&parsed.warnings);
    // Streamed: the jails are loaded and rendered a chunk at a time on two threads
    // (model::load_each_view_chunked), each chunk written as soon as its turn comes,
    // so neither the whole model nor the whole text is ever held. Every jail is
    // rendered as if another came before it (a leading `,` or blank line), which the
    // first one written drops.
    let json = opts.json;
    let render = |buf: &mut Vec<u8>, j: &model::JailView<'_, '_>| {
        if json {
            emit::json::push_jail_view(buf, j, false);
        } else {
            TEXT.with_borrow_mut(|text| {
                text.clear();
                text.push('\n');
                emit::jailconf::jail(text, &j.to_jail());
                buf.extend_from_slice(text.as_bytes());
            });
        }
    };
    let mut any = false;
    if json {
        out.write(emit::json::write_start);
    }
    let errors = model::load_each_view_chunked(
        &parsed,
        &render,
        |chunk| {
            if chunk.is_empty() {
                return;
            }
            let chunk = if any { chunk } else { &chunk[1..] };
            any = true;
            out.write(|w| w.write_all(chunk));
        },
        |w| warn(std::slice::from_ref(&w)),
    );
    if json {
        out.write(|w| emit::json::write_end(w, any));
    }
    out.finish()?;
    // The parse (a few hundred thousand small allocations for a large file) is not
    // needed any more and the process is about to exit: freeing it piece by piece
    // would cost about a tenth of the run.
    std::mem::forget(parsed);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Diags(errors).into())
    }
}

thread_local! {
    /// A jail's jail.conf text, before it joins its chunk (kept for the next jail).
    static TEXT: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// `show` for a configuration held whole (rc.conf input, or dependencies to resolve).
fn whole<W: Write>(
    opts: &Options,
    cfg: model::Config,
    mut out: Latched<'_, W>,
    warn: Warn,
) -> anyhow::Result<()> {
    warn(&cfg.warnings);
    let text = if opts.json {
        emit::json::config(&cfg)
    } else {
        emit::jailconf::config(&cfg)
    };
    out.write(|w| w.write_all(text.as_bytes()));
    out.finish()?;
    if cfg.errors.is_empty() {
        Ok(())
    } else {
        Err(Diags(cfg.errors).into())
    }
}

/// A writer that stops at its first error and reports it at the end, unless it was a
/// closed pipe: the jails are still loaded (their errors still count) when nobody reads.
struct Latched<'a, W: Write> {
    out: &'a mut W,
    failed: Option<io::Error>,
}

impl<W: Write> Latched<'_, W> {
    fn write(&mut self, f: impl FnOnce(&mut W) -> io::Result<()>) {
        if self.failed.is_none()
            && let Err(e) = f(self.out)
        {
            self.failed = Some(e);
        }
    }

    fn finish(mut self) -> io::Result<()> {
        if self.failed.is_none()
            && let Err(e) = self.out.flush()
        {
            self.failed = Some(e);
        }
        match self.failed.take() {
            Some(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e),
            _ => Ok(()),
        }
    }
}
