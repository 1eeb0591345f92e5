//! `jailvol grow`: make a container bigger.

use super::*;

pub(crate) fn grow_cmd(g: &Global, a: &GrowArgs) -> anyhow::Result<i32> {
    use crate::exec::Host as _;
    use crate::volume::format_size;
    let usage = |m: String| Diag::error(None, m).with_exit(exit::USAGE);
    let arg = crate::grow::parse_size_arg(&a.size).map_err(usage)?;
    if g.files.iter().any(|f| f == "-") {
        anyhow::bail!(usage(
            "grow writes the new size back into jail.conf: it cannot read it from standard input".into()
        ));
    }
    let (loader, parsed, cfg, vols) = managed_jails(g, "grow")?;
    let v = pick_jails(&cfg, &vols, std::slice::from_ref(&a.jail))?
        .into_iter()
        .next()
        .ok_or_else(|| usage(format!("no jail \"{}\"", a.jail)))?;
    let jail = &v.jail;
    let refuse = |code: i32, m: String| Diag::error(None, format!("{jail}: {m}")).with_exit(code);
    let new = crate::grow::new_size(jail, v.size, arg)?;
    let Some(unit) = v.unit else {
        anyhow::bail!(refuse(
            exit::DATAERR,
            "no md unit assigned yet ($volume_md_unit): run `jailvol generate` first".into()
        ));
    };
    let record = cfg
        .jails
        .iter()
        .find(|j| &j.name == jail)
        .map(|j| j.record)
        .ok_or_else(|| usage(format!("no jail \"{jail}\"")))?;
    // Everything is checked before anything is touched, the configuration edit included.
    let (conf_file, conf_text) = crate::grow::config_edit(&parsed, record, &format_size(new))
        .map_err(|m| refuse(exit::DATAERR, format!("cannot record the new size: {m}")))?;
    // The file is rewritten whole: it must be exactly what was parsed (UTF-8, unchanged),
    // and the edited text must give the new size.
    let conf_real = loader.real_path(&conf_file);
    let conf_old = parsed
        .sources
        .iter()
        .find(|s| s.name == conf_file)
        .map(|s| s.text.clone())
        .unwrap_or_default();
    let unchanged = |what: &str| -> Result<(), String> {
        match std::fs::read(&conf_real) {
            Ok(b) if b == conf_old.as_bytes() => Ok(()),
            Ok(_) => Err(format!(
                "{conf_file} {what} (or is not plain UTF-8): jailvol does not rewrite it"
            )),
            Err(e) => Err(format!("{conf_file}: {e}")),
        }
    };
    unchanged("changed while it was read").map_err(|m| refuse(exit::DATAERR, m))?;
    if g.files.len() <= 1 {
        crate::grow::verify_edit(&loader, &parsed, &conf_file, &conf_text, jail, new).map_err(|m| {
            refuse(
                exit::SOFTWARE,
                format!("the jail.conf edit does not read back: {m}"),
            )
        })?;
    }
    let real = |p: &str| loader.real_path(p).display().to_string();
    let (file, path) = (real(&v.file), real(&v.path));
    let mut host = crate::exec::RealHost {
        progress: std::io::IsTerminal::is_terminal(&std::io::stderr()) && !g.quiet,
    };
    let fpath = std::path::Path::new(&file);
    if !host.exists(fpath) {
        anyhow::bail!(refuse(
            exit::NOINPUT,
            format!("{file} does not exist: make the container with `jailvol create` first")
        ));
    }
    let file_size = host
        .file_size(fpath)
        .map_err(|e| refuse(exit::IOERR, format!("{file}: {e}")))?;
    if file_size > new {
        anyhow::bail!(refuse(
            exit::DATAERR,
            format!(
                "{file} is already {file_size} bytes, more than {}: grow to at least {}",
                format_size(new),
                crate::status::human(file_size)
            )
        ));
    }
    let dir = fpath.parent().unwrap_or(std::path::Path::new("/"));
    let need = new - file_size;
    let free = host.free_bytes(dir).map_err(|e| {
        refuse(
            exit::IOERR,
            format!("cannot read free space of {}: {e}", dir.display()),
        )
    })?;
    if free < need {
        let m = format!(
            "growing {file} needs {} more but {} has {} free",
            crate::status::human(need),
            dir.display(),
            crate::status::human(free)
        );
        if a.sparse {
            warn(
                g,
                &[Diag::warning(
                    None,
                    format!("{jail}: {m} (sparse file: overcommitted)"),
                )],
            );
        } else {
            anyhow::bail!(refuse(exit::CANTCREAT, m));
        }
    }
    let mut runner = crate::exec::System;
    let (state, state_text) = match crate::grow::observe(jail, &file, &path, unit, &mut runner, &host) {
        Ok(s) => {
            let d = s.describe(unit, &file);
            (s, d)
        }
        Err(e) if a.dry_run => (
            crate::grow::State::default(),
            format!("state unknown ({e}); assuming stopped and detached"),
        ),
        Err(e) => anyhow::bail!(refuse(
            exit::IOERR,
            format!("cannot read the container's state: {e}")
        )),
    };
    if let Some(Some(f)) = &state.unit_file {
        if f != &file {
            anyhow::bail!(refuse(
                exit::CANTCREAT,
                format!("md{unit} is attached to {f}, not to {file}: see `jailvol status`")
            ));
        }
    }
    if let Some(other) = state.file_units.iter().find(|u| **u != unit) {
        anyhow::bail!(refuse(
            exit::CANTCREAT,
            format!(
                "{file} is attached as md{other}, not md{unit}: detach it first (mdconfig -d -u {other})"
            )
        ));
    }
    if let Some(on) = &state.unit_mounted_on {
        if on != &path {
            anyhow::bail!(refuse(
                exit::CANTCREAT,
                format!("/dev/md{unit} is mounted on {on}, not on the jail's path: unmount it first")
            ));
        }
    }
    let online = state.online();
    if online
        && (state.mounted_from.as_deref() != Some(format!("/dev/md{unit}").as_str())
            || !state.attached_here(&file))
    {
        anyhow::bail!(refuse(
            exit::CANTCREAT,
            format!(
                "the jail's root is not mounted from md{unit} backed by {file} ({state_text}): see `jailvol status`"
            )
        ));
    }
    let mut t = crate::grow::Target::new(&v, file.clone(), unit, file_size, new, a.sparse);
    if !online {
        t.fs_grown = file_size >= new && crate::grow::fs_size(&host, fpath).is_some_and(|fs| fs > v.size);
    }
    let steps = crate::grow::plan(&t, &state, online, &state_text, &conf_file);
    let text = crate::grow::render(&steps);
    if online && !a.online {
        print(&text)?;
        anyhow::bail!(refuse(
            exit::FINDINGS,
            format!(
                "the jail is running or its root is mounted ({state_text}): growing a mounted UFS needs --online \
                 (growfs suspends writes while it works; FreeBSD 10.0 or later); the steps are printed above; nothing was changed"
            )
        ));
    }
    if a.dry_run {
        print(&text)?;
        return Ok(exit::OK);
    }
    if !crate::exec::is_root() {
        anyhow::bail!(usage(
            "grow needs root (mdconfig, growfs, fsck); --dry-run does not".into()
        ));
    }
    crate::exec::catch_interrupts()?;
    let verbose = g.verbose;
    let mut say = |s: &str| {
        if verbose {
            let _ = writeln!(std::io::stderr().lock(), "+ {s}");
        }
    };
    let mut write_conf = || {
        unchanged("changed since jailvol read it")?;
        write::write_atomic(&conf_real, conf_text.as_bytes(), 0o644)
            .map(|()| conf_file.clone())
            .map_err(|e| format!("{conf_file}: {e}"))
    };
    let rep = crate::grow::execute(
        &t,
        &steps,
        &mut runner,
        &mut host,
        &mut write_conf,
        &mut say,
        &mut |_| {},
    )?;
    warn(g, &rep.warnings);
    if !g.quiet {
        let mut err = std::io::stderr().lock();
        for n in &rep.notes {
            let _ = writeln!(err, "jailvol: {n}");
        }
        let _ = writeln!(
            err,
            "jailvol: {jail}: grown from {} to {}{}",
            format_size(v.size),
            format_size(new),
            if online { " online" } else { "" }
        );
    }
    Ok(exit::OK)
}
