//! `jailvol migrate`: the script that moves a jail into its container.

use super::*;

/// `migrate`: compute the files (as `generate` would write them; on rc.conf hosts after
/// `convert`) and the rc.conf switch, then print or run the script (src/migrate.rs).
pub(crate) fn migrate(g: &Global, a: &MigrateArgs) -> anyhow::Result<i32> {
    use std::os::unix::fs::DirBuilderExt;

    use crate::diag::Source;
    use crate::migrate::{Control, Edit, FileWrite, Guard, Migration};
    let usage = |m: String| Diag::error(None, m).with_exit(exit::USAGE);
    // The script writes the hooks style (exec.prepare/exec.release in jail.conf, which
    // an rc.conf host gets too, converted); --fstab-dir and --helper say where its files
    // go, exactly as for generate, so both agree on a host with custom paths.
    let opts = plan_options(&a.style)?;
    if opts.style != plan::Style::Hooks {
        let why = match (&a.style.style, &a.style.target_release) {
            (Some(_), _) => "--style".to_owned(),
            (None, Some(r)) => format!("--target-release {r}"),
            (None, None) => "the options".to_owned(),
        };
        let style = match opts.style {
            plan::Style::Hooks => "hooks",
            plan::Style::Mountprog => "mountprog",
            plan::Style::Seed => "seed",
        };
        anyhow::bail!(usage(format!(
            "{why} selects the {style} style: migrate writes the hooks style only (exec.prepare and \
             exec.release, FreeBSD 12.2 and later); set up other styles with generate and create \
             (docs/migrate.md)"
        )));
    }
    let inputs = input::select(g)?;
    let loader = inputs.loader();
    // The script runs from anywhere: paths under a relative --root are made absolute.
    let cwd = std::env::current_dir().unwrap_or_default();
    let real = |p: &str| {
        if p.starts_with('/') {
            cwd.join(loader.real_path(p)).display().to_string()
        } else {
            p.to_owned()
        }
    };
    let state = real(
        &a.state_dir
            .clone()
            .unwrap_or_else(|| format!("/var/db/jailvol/migrate.{}", crate::legacy::jail_name(&a.jail))),
    );
    // The script is kept in its state directory. Once its config step has begun, the
    // configuration no longer describes the starting point (jail_<jv>_rootdir is gone, the
    // hooks are in), so a later --execute resumes with that very script. Before that the
    // configuration is still what the migration starts from, and a new script is the same
    // migration plus whatever the admin changed meanwhile: the saved one would refuse to
    // overwrite those changes (its config check), and resuming it would block for good.
    let saved = std::path::Path::new(&state).join("migrate.sh");
    let begun = ["config.started", "done.config", "done.start"]
        .iter()
        .any(|m| std::path::Path::new(&state).join(m).exists());
    if a.execute && saved.exists() && begun {
        if !g.quiet {
            eprintln!(
                "jailvol: resuming with the script saved by the first run: {}",
                saved.display()
            );
        }
        return run_sh(&saved);
    }
    let mut commands: Vec<Edit> = Vec::new();
    let mut guards: Vec<Guard> = Vec::new();
    let mut rc_saves: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let (parsed, control, name) = match inputs.kind {
        InputKind::JailConf => {
            let parsed = input::parse_jail_confs(&loader, &inputs.files)?;
            warn(g, &parsed.warnings);
            let conf = inputs.files.first().cloned().unwrap_or_default();
            if conf == "-" {
                anyhow::bail!(usage(
                    "migrate edits the jail.conf it reads: name a file, not -".into()
                ));
            }
            (parsed, Control::JailConf { conf: real(&conf) }, a.jail.clone())
        }
        InputKind::RcConf => {
            let (vars, warnings) = read_rc_conf(g, &loader)?;
            warn(g, &warnings);
            let opts = crate::legacy::Options {
                names: vec![a.jail.clone()],
                ..crate::legacy::Options::default()
            };
            let conv = crate::legacy::convert(&vars, &loader, &opts);
            warn(g, &conv.warnings);
            if !conv.errors.is_empty() {
                return Err(Diags(conv.errors).into());
            }
            let j = crate::legacy::jail_name(&a.jail);
            let Some(block) = conv.blocks.iter().find(|b| b.name == j) else {
                anyhow::bail!(usage(format!(
                    "no legacy jail \"{}\" to migrate (it needs jail_<name>_rootdir and _hostname)",
                    a.jail
                )));
            };
            let jv = block.jv.clone();
            let get = |n: &str| vars.vars.get(n);
            let own_conf = get(&format!("jail_{jv}_conf"))
                .map_or_else(|| format!("/etc/jail.{j}.conf"), |v| v.value.clone());
            // Without legacy variables rc.d/jail starts a listed jail from the first of these
            // that is readable, and only then from $jail_conf.
            for f in [own_conf, format!("/etc/jail.conf.d/{j}.conf")] {
                if loader.real_path(&f).exists() {
                    anyhow::bail!(usage(format!(
                        "{f} exists: after the switch rc.d/jail would start {j} from it, not from the jail.conf \
                         migrate writes"
                    )));
                }
            }
            let conf = get("jail_conf").map_or_else(|| "/etc/jail.conf".to_owned(), |v| v.value.clone());
            let existing = match std::fs::read_to_string(loader.real_path(&conf)) {
                Ok(t) => Some(t),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => anyhow::bail!(Diag::error(None, format!("{conf}: {e}")).with_exit(exit::IOERR)),
            };
            let block_text = conv.render(false);
            let text = match &existing {
                Some(t) if t.is_empty() => block_text,
                Some(t) if t.ends_with('\n') => format!("{t}\n{block_text}"),
                Some(t) => format!("{t}\n\n{block_text}"),
                None => block_text,
            };
            let parsed =
                crate::parse::jailconf::parse_source(&loader, Source::new(conf.clone(), text), false)?;
            if parsed.jails.iter().filter(|r| r.name == j).count() > 1 {
                anyhow::bail!(usage(format!("{conf} already has a jail \"{j}\"")));
            }
            let others = existing.is_some() && parsed.jails.iter().any(|r| r.name != j && r.name != "*");
            // The switch (docs/migrate.md): rc.d/jail converts a jail only when both
            // jail_<jv>_rootdir and jail_<jv>_hostname are set, so removing rootdir from
            // every rc.conf file that sets it makes rc.d/jail start the jail from jail.conf.
            let rootdir = format!("jail_{jv}_rootdir");
            for src in &conv.sources {
                let Ok(text) = std::fs::read_to_string(loader.real_path(src)) else {
                    continue;
                };
                let sets = text.lines().any(|l| {
                    let l = l.trim_start();
                    let l = l.strip_prefix("export ").map_or(l, str::trim_start);
                    l.starts_with(&format!("{rootdir}="))
                });
                if sets {
                    commands.push(Edit {
                        file: real(src),
                        argv: vec![
                            "sysrc".into(),
                            "-f".into(),
                            real(src),
                            "-x".into(),
                            rootdir.clone(),
                        ],
                    });
                    rc_saves.push(real(src));
                }
            }
            if let Some(list) = get("jail_list") {
                let words: Vec<&str> = list.value.split_whitespace().collect();
                if words.len() == 1 && crate::legacy::jail_name(words[0]) == j && !others {
                    let f = list.loc.file().to_owned();
                    // Emptying jail_list is right only while NAME is all it holds: the
                    // script checks that again before it runs (an edit made after the
                    // script was printed would otherwise be undone).
                    guards.push(Guard {
                        file: real(&f),
                        var: "jail_list".into(),
                        value: list.value.clone(),
                    });
                    commands.push(Edit {
                        file: real(&f),
                        argv: vec!["sysrc".into(), "-f".into(), real(&f), "jail_list=".into()],
                    });
                    notes.push(format!(
                        "jail_list becomes empty: rc.d/jail then starts every jail of {conf} (only {j})"
                    ));
                    if !rc_saves.contains(&real(&f)) {
                        rc_saves.push(real(&f));
                    }
                } else {
                    notes.push(format!(
                        "jail_list keeps {j}: with its legacy variables gone rc.d/jail starts it from {conf}"
                    ));
                }
            }
            let enabled = get("jail_enable").is_some_and(|v| crate::legacy::yesno(&v.value) == Some(true));
            if !enabled {
                let f =
                    get("jail_enable").map_or_else(|| "/etc/rc.conf".to_owned(), |v| v.loc.file().to_owned());
                commands.push(Edit {
                    file: real(&f),
                    argv: vec!["sysrc".into(), "-f".into(), real(&f), "jail_enable=YES".into()],
                });
                if !rc_saves.contains(&real(&f)) {
                    rc_saves.push(real(&f));
                }
            }
            notes.push(format!(
                "rc.conf switch: {rootdir} removed (rc.d/jail then reads {conf})"
            ));
            (parsed, Control::RcConf, j)
        }
    };
    let plan = plan::generate(&parsed, &opts).map_err(Diags)?;
    warn(g, &plan.warnings);
    let Some(vol) = plan.volumes.iter().find(|v| v.jail == name) else {
        let cfg = model::load(&parsed);
        if cfg.jails.iter().any(|j| j.name == name) {
            anyhow::bail!(usage(format!(
                "jail \"{name}\" has no $volume_size (jail_{name}_volume_size): it has no container"
            )));
        }
        anyhow::bail!(usage(format!("no jail \"{name}\"")));
    };
    let mut writes = Vec::new();
    for art in &plan.artifacts {
        let change = write::change(&loader, art)?;
        let before = match &change {
            write::Change::Unchanged => continue,
            write::Change::Create => None,
            write::Change::Update { old } => Some(old.clone()),
        };
        match change {
            write::Change::Update { old } if art.owned && !old.contains(crate::shell::OWNED_MARK) => {
                anyhow::bail!(
                    Diag::error(
                        None,
                        format!(
                            "{} exists and jailvol did not write it: move it away first",
                            art.path
                        )
                    )
                    .with_exit(exit::CANTCREAT)
                );
            }
            _ => {}
        }
        writes.push(FileWrite {
            path: real(&art.path),
            content: art.content.clone(),
            mode: art.mode,
            before,
        });
    }
    let mut saves: Vec<String> = writes.iter().map(|w| w.path.clone()).collect();
    for f in rc_saves {
        if !saves.contains(&f) {
            saves.push(f);
        }
    }
    let m = Migration {
        jail: name.clone(),
        root: real(&vol.path),
        file: real(&vol.file),
        size: vol.size,
        unit: vol.unit.unwrap_or(crate::volume::FIRST_UNIT),
        newfs_opts: vec!["-U".into()],
        state_dir: state.clone(),
        stop: a.stop,
        control,
        writes,
        commands,
        guards,
        saves,
        notes,
    };
    let text = crate::migrate::script(&m);
    if !a.execute {
        print(&text)?;
        return Ok(exit::OK);
    }
    let io =
        |e: std::io::Error| Diag::error(None, format!("{}: {e}", saved.display())).with_exit(exit::CANTCREAT);
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&state)
        .map_err(io)?;
    write::write_atomic(&saved, text.as_bytes(), 0o600).map_err(io)?;
    run_sh(&saved)
}

/// Run a migrate script with /bin/sh, its output streaming; exit 1 when it fails.
pub(crate) fn run_sh(script: &std::path::Path) -> anyhow::Result<i32> {
    let status = std::process::Command::new("/bin/sh")
        .arg(script)
        .status()
        .map_err(|e| Diag::error(None, format!("/bin/sh: {e}")).with_exit(exit::SOFTWARE))?;
    Ok(if status.success() {
        exit::OK
    } else {
        exit::FINDINGS
    })
}
