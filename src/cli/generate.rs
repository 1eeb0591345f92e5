//! `jailvol generate`: write (or diff) what makes each managed jail mount its container.

use super::*;

/// Build the generate options from the command line.
pub fn plan_options(a: &StyleArgs) -> Result<plan::Options, Diag> {
    let style = match (a.style, &a.target_release) {
        (Some(StyleArg::Hooks), _) => plan::Style::Hooks,
        (Some(StyleArg::Mountprog), _) => plan::Style::Mountprog,
        (Some(StyleArg::Seed), _) => plan::Style::Seed,
        (None, Some(r)) => {
            plan::Style::for_release(r).map_err(|m| Diag::error(None, m).with_exit(exit::USAGE))?
        }
        (None, None) => plan::Style::Hooks,
    };
    for (what, p) in [("--fstab-dir", &a.fstab_dir), ("--helper", &a.helper)] {
        if !p.starts_with('/') {
            return Err(
                Diag::error(None, format!("{what} {p}: must be an absolute path")).with_exit(exit::USAGE)
            );
        }
    }
    Ok(plan::Options {
        style,
        mountprog: match a.mountprog {
            MountProgArg::Helper => plan::MountProg::Helper,
            MountProgArg::Mdmfs => plan::MountProg::Mdmfs,
        },
        fstab_dir: a.fstab_dir.clone(),
        helper: a.helper.clone(),
    })
}

pub(crate) fn generate(g: &Global, a: &GenerateArgs) -> anyhow::Result<i32> {
    let mut opts = plan_options(&a.style)?;
    let inputs = input::select(g)?;
    let loader = inputs.loader();
    let plan = if inputs.kind == InputKind::RcConf {
        // rc.d/jail hosts: no exec.prepare, so the fstab line attaches the container.
        if a.style.style.is_none() {
            let old = a
                .style
                .target_release
                .as_deref()
                .and_then(plan::parse_release)
                .is_some_and(|r| r < (10, 0));
            opts.style = if old {
                plan::Style::Seed
            } else {
                plan::Style::Mountprog
            };
        }
        let (vars, warnings) = read_rc_conf(g, &loader)?;
        warn(g, &warnings);
        let files = if g.files.is_empty() {
            vec!["/etc/rc.conf".to_owned()]
        } else {
            g.files.clone()
        };
        let sources = files
            .iter()
            .filter(|f| *f != "-")
            .map(|f| loader.read(f, None))
            .collect::<Result<Vec<_>, _>>()?;
        let legacy_opts = crate::legacy::Options {
            era: if opts.style == plan::Style::Seed {
                crate::legacy::Era::Pre10
            } else {
                crate::legacy::Era::Current
            },
            ..crate::legacy::Options::default()
        };
        let conv = crate::legacy::convert(&vars, &loader, &legacy_opts);
        warn(g, &conv.warnings);
        crate::rcplan::generate(&vars, &conv, &sources, &loader, &opts).map_err(Diags)?
    } else {
        let parsed = input::parse_jail_confs(&loader, &inputs.files)?;
        warn(g, &parsed.warnings);
        plan::generate(&parsed, &opts).map_err(Diags)?
    };
    warn(g, &plan.warnings);
    if a.dry_run {
        let mut out = String::new();
        for art in &plan.artifacts {
            match write::change(&loader, art)? {
                write::Change::Unchanged => {}
                write::Change::Create => out.push_str(&write::diff(&art.path, "", &art.content)),
                write::Change::Update { old } => out.push_str(&write::diff(&art.path, &old, &art.content)),
            }
        }
        print(&out)?;
        return Ok(exit::OK);
    }
    let written = write::apply(&loader, &plan.artifacts, a.force)?;
    if !g.quiet {
        let mut err = std::io::stderr().lock();
        for w in &written {
            let _ = writeln!(err, "jailvol: wrote {w}");
        }
        if written.is_empty() {
            let _ = writeln!(err, "jailvol: everything is up to date");
        }
    }
    Ok(exit::OK)
}
