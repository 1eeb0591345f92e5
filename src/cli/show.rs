//! `jailvol show`: the jails as jail(8) would see them.

use super::*;

pub(crate) fn show(g: &Global) -> anyhow::Result<i32> {
    let inputs = input::select(g)?;
    let loader = inputs.loader();
    if inputs.kind == InputKind::RcConf {
        let (vars, warnings) = read_rc_conf(g, &loader)?;
        warn(g, &warnings);
        let conv = crate::legacy::convert(&vars, &loader, &crate::legacy::Options::default());
        warn(g, &conv.warnings);
        return show_config(g, conv.config());
    }
    let parsed = input::parse_jail_confs(&loader, &inputs.files)?;
    if crate::depend::matters(&parsed) {
        // Dependencies can fail a jail only once every jail is known: no streaming.
        // (model::load keeps the parse's warnings first in cfg.warnings.)
        let mut cfg = model::load(&parsed);
        crate::depend::check(&parsed, &mut cfg);
        return show_config(g, cfg);
    }
    warn(g, &parsed.warnings);
    // Streamed: each jail is written as soon as it is loaded and then dropped, so
    // neither the whole model nor the whole text is ever held.
    let json = g.format == Format::Json;
    let mut out = Output::new();
    let mut n = 0usize;
    let mut text = String::new();
    if json {
        out.write(emit::json::write_start);
    }
    let errors = model::load_each_view(
        &parsed,
        |j| {
            if json {
                out.write(|w| emit::json::write_jail_view(w, j, n == 0));
            } else {
                text.clear();
                if n > 0 {
                    text.push('\n');
                }
                emit::jailconf::jail(&mut text, &j.to_jail());
                out.write(|w| w.write_all(text.as_bytes()));
            }
            n += 1;
        },
        |w| warn(g, std::slice::from_ref(&w)),
    );
    if json {
        out.write(|w| emit::json::write_end(w, n > 0));
    }
    out.finish()?;
    // The parse (a few hundred thousand small allocations for a large file) is not
    // needed any more and the process is about to exit: freeing it piece by piece
    // would cost about a tenth of the run.
    std::mem::forget(parsed);
    if errors.is_empty() {
        Ok(exit::OK)
    } else {
        Err(Diags(errors).into())
    }
}

/// `show` for a configuration held whole (rc.conf input, or dependencies to resolve).
pub(crate) fn show_config(g: &Global, cfg: model::Config) -> anyhow::Result<i32> {
    warn(g, &cfg.warnings);
    let text = match g.format {
        Format::Json => emit::json::config(&cfg),
        _ => emit::jailconf::config(&cfg),
    };
    print(&text)?;
    if cfg.errors.is_empty() {
        Ok(exit::OK)
    } else {
        Err(Diags(cfg.errors).into())
    }
}
