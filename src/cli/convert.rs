//! `jailvol convert`: legacy rc.conf jails to jail.conf.

use super::*;

pub(crate) fn convert(g: &Global, args: &ConvertArgs) -> anyhow::Result<i32> {
    if g.jail_conf {
        anyhow::bail!(Diag::error(None, "convert reads rc.conf files, not jail.conf").with_exit(exit::USAGE));
    }
    let loader = crate::parse::loader::Loader::new(g.root.clone());
    let (vars, warnings) = read_rc_conf(g, &loader)?;
    warn(g, &warnings);
    let conv = convert_checked(g, args, &loader, &vars)?;
    let Some(path) = &args.output else {
        print(&convert_text(g, args, &conv))?;
        return Ok(exit::OK);
    };
    if g.format == Format::Json {
        crate::legacy::write_json(&loader, path, &convert_text(g, args, &conv), args.force)?;
        return Ok(exit::OK);
    }
    // An existing FILE is merged into, never written over (docs/legacy.md, Output).
    let done = crate::legacy::write_merged(&loader, path, &conv, args.explain, args.force).map_err(Diags)?;
    warn(g, &done.warnings);
    if !g.quiet {
        let mut err = std::io::stderr().lock();
        let list = |v: &[String]| v.join(", ");
        if done.created {
            let _ = writeln!(err, "jailvol: wrote {path}");
        } else if !done.changed {
            let _ = writeln!(err, "jailvol: {path} is up to date");
        } else {
            if !done.added.is_empty() {
                let _ = writeln!(err, "jailvol: {path}: added {}", list(&done.added));
            }
            if !done.replaced.is_empty() {
                let _ = writeln!(err, "jailvol: {path}: replaced {}", list(&done.replaced));
            }
        }
    }
    Ok(exit::OK)
}

/// The conversion, its warnings printed; the errors (exit 65) when any jail cannot be
/// converted faithfully.
pub(crate) fn convert_checked<'v>(
    g: &Global,
    args: &ConvertArgs,
    loader: &crate::parse::loader::Loader,
    vars: &'v RcVars,
) -> anyhow::Result<crate::legacy::Conversion<'v>> {
    let conv = crate::legacy::convert(vars, loader, &args.options());
    warn(g, &conv.warnings);
    if !conv.errors.is_empty() {
        return Err(Diags(conv.errors).into());
    }
    Ok(conv)
}

/// What convert prints: jail.conf text, or the JSON document of the converted model.
pub(crate) fn convert_text(g: &Global, args: &ConvertArgs, conv: &crate::legacy::Conversion<'_>) -> String {
    match g.format {
        Format::Json => emit::json::config(&conv.config()),
        _ => conv.render(args.explain),
    }
}

/// `convert` on variables already evaluated: prints the warnings, returns the text (or
/// the errors, exit 65, when any jail cannot be converted faithfully).
pub fn convert_vars(
    g: &Global,
    args: &ConvertArgs,
    loader: &crate::parse::loader::Loader,
    vars: &RcVars,
) -> anyhow::Result<String> {
    let conv = convert_checked(g, args, loader, vars)?;
    Ok(convert_text(g, args, &conv))
}
