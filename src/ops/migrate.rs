//! `jailvol migrate`: the inputs of the script (src/migrate) — the files `generate`
//! would write (hooks style), for an rc.conf host after `convert`, and the rc.conf
//! switch (docs/migrate.md, "The rc.conf switch, exactly") — and running it with
//! /bin/sh.

use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use super::Warn;
use crate::diag::{Diag, Diags, Source, exit};
use crate::input::{self, InputKind};
use crate::migrate::{Control, Edit, FileWrite, Guard, Migration};
use crate::parse::jailconf::Parsed;
use crate::parse::loader::Loader;
use crate::parse::rcconf::RcVars;
use crate::{legacy, model, plan, write};

/// What `migrate` was asked.
#[derive(Debug, Clone)]
pub struct Options {
    pub jail: String,
    pub stop: bool,
    pub state_dir: Option<String>,
    /// Where the files go, as for generate.
    pub plan: plan::Options,
    /// What chose `plan.style`, for the refusal of a style other than hooks
    /// (`--style`, `--target-release 11.4`).
    pub style_why: String,
    pub input: input::Options,
    pub output: Output,
}

/// What `migrate` makes of the migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// The sh script, to print.
    Script,
    /// The engine's plan as JSON (docs/migrate.md), to print.
    Json,
    /// Save the script in the state directory and run it (`--execute`).
    Execute,
}

/// What `migrate` did.
pub enum Outcome {
    /// The script or the plan, for the caller to print.
    Text(String),
    /// The script ran; whether it succeeded (its log says why not).
    Ran(bool),
}

/// `migrate`: read the configuration, compute the migration, and print or run it.
/// `note` hears what is done besides (a resumed run).
pub fn migrate(opts: &Options, warn: Warn, note: &dyn Fn(&str)) -> anyhow::Result<Outcome> {
    check_style(&opts.plan, &opts.style_why)?;
    let inputs = input::select(&opts.input)?;
    let loader = inputs.loader();
    let state = state_dir(&loader, opts);
    if opts.output == Output::Execute
        && let Some(saved) = saved_script(&state)
    {
        note(&format!(
            "resuming with the script saved by the first run: {}",
            saved.display()
        ));
        return Ok(Outcome::Ran(run_sh(&saved)?));
    }
    let read = match inputs.kind {
        InputKind::JailConf => {
            let parsed = input::parse_jail_confs(&loader, &inputs.files)?;
            match legacy_beside(&inputs, &loader, &parsed, opts, warn) {
                Some((vars, warnings)) => {
                    warn(&warnings);
                    Input::RcConf { vars }
                }
                None => {
                    warn(&parsed.warnings);
                    let conf = inputs.files.first().cloned().unwrap_or_default();
                    Input::JailConf { parsed, conf }
                }
            }
        }
        InputKind::RcConf => {
            let (vars, warnings) = super::read_rc_conf(&opts.input, &loader, &Default::default())?;
            warn(&warnings);
            Input::RcConf { vars }
        }
    };
    let m = prepare(&loader, read, opts, &mut |w| warn(w))?;
    Ok(match opts.output {
        Output::Execute => Outcome::Ran(execute(&state, &crate::migrate::script(&m))?),
        Output::Json => Outcome::Text(crate::engine::plans_json(&[crate::migrate::plan(&m).json()])),
        Output::Script => Outcome::Text(crate::migrate::script(&m)),
    })
}

/// A mixed host (jail.conf with an rc.conf beside it, `input::RcBeside`): a jail that
/// jail.conf does not have but that rc.d/jail converts from the rc.conf variables
/// (`jail_<jv>_rootdir` and `_hostname`, from rc.conf or an ezjail per-jail file) is
/// migrated from those, as on an rc.conf host. That is every host after its first
/// rc.conf or ezjail jail moved: migrate writes the block to `$jail_conf`, which is
/// /etc/jail.conf unless rc.conf says otherwise.
fn legacy_beside(
    inputs: &input::Inputs,
    loader: &Loader,
    parsed: &Parsed,
    opts: &Options,
    warn: Warn,
) -> Option<(RcVars, Vec<Diag>)> {
    let beside = inputs.rc_beside.as_ref()?;
    let j = legacy::jail_name(&opts.jail);
    if parsed.jails.iter().any(|c| c.name == j) {
        return None;
    }
    let ro = crate::parse::rcconf::RcOptions {
        skip_unsupported: opts.input.skip_unsupported,
    };
    // An rc.conf that cannot be read or evaluated is said so (as show and generate say
    // it: JV041), not passed over in silence: the jail may be defined there.
    let (vars, warnings) = match super::read_beside(beside, loader, &ro) {
        Ok(found) => found,
        Err(d) => {
            warn(&[crate::lint::Lint::BesideIgnored.warning(
                d.loc,
                format!(
                    "cannot tell whether rc.conf defines jail \"{}\": {}",
                    opts.jail, d.message
                ),
            )]);
            return None;
        }
    };
    let jv = legacy::var_infix(&j);
    let set = |s: &str| vars.get(&format!("jail_{jv}_{s}")).is_some_and(|v| !v.is_empty());
    (set("rootdir") && set("hostname")).then_some((vars, warnings))
}

/// What the configuration is read from.
pub enum Input {
    /// Parsed jail.conf files; `conf` is the first (the one the script edits).
    JailConf { parsed: Parsed, conf: String },
    /// rc.conf variables, as /bin/sh evaluates them.
    RcConf { vars: RcVars },
}

fn usage(m: String) -> Diag {
    Diag::error(None, m).with_exit(exit::USAGE)
}

/// The script writes the hooks style only. `why` names what selected another style
/// (`--style`, `--target-release 11.4`).
fn check_style(opts: &plan::Options, why: &str) -> Result<(), Diag> {
    let style = match opts.style {
        plan::Style::Hooks => return Ok(()),
        plan::Style::Mountprog => "mountprog",
        plan::Style::Seed => "seed",
    };
    Err(usage(format!(
        "{why} selects the {style} style: migrate writes the hooks style only (exec.prepare and \
         exec.release, FreeBSD 12.2 and later); set up other styles with generate and create \
         (docs/migrate.md)"
    )))
}

/// Paths as the script uses them: below `--root`, made absolute (the script runs from
/// anywhere).
struct Paths<'a> {
    loader: &'a Loader,
    cwd: PathBuf,
}

impl Paths<'_> {
    fn real(&self, p: &str) -> String {
        if p.starts_with('/') {
            self.cwd.join(self.loader.real_path(p)).display().to_string()
        } else {
            p.to_owned()
        }
    }
}

fn paths(loader: &Loader) -> Paths<'_> {
    Paths {
        loader,
        cwd: std::env::current_dir().unwrap_or_default(),
    }
}

/// The state directory, as the script uses it.
fn state_dir(loader: &Loader, opts: &Options) -> String {
    paths(loader).real(
        &opts
            .state_dir
            .clone()
            .unwrap_or_else(|| format!("/var/db/jailvol/migrate.{}", legacy::jail_name(&opts.jail))),
    )
}

/// The script kept in the state directory, when a later `--execute` must resume with it:
/// once its config step has begun the configuration no longer describes the starting
/// point (`jail_<jv>_rootdir` is gone, the hooks are in). Before that the configuration is
/// still what the migration starts from, and a new script is the same migration plus
/// whatever the admin changed meanwhile: the saved one would refuse to overwrite those
/// changes (its config check), and resuming it would block for good.
fn saved_script(state: &str) -> Option<PathBuf> {
    let dir = Path::new(state);
    let saved = dir.join("migrate.sh");
    let begun = ["config.started", "done.config", "done.start"]
        .iter()
        .any(|m| dir.join(m).exists());
    (saved.exists() && begun).then_some(saved)
}

/// The rc.conf side of an rc.conf host: the jail's block appended to `$jail_conf`, and
/// the switch.
struct Switch {
    name: String,
    commands: Vec<Edit>,
    guards: Vec<Guard>,
    saves: Vec<String>,
    notes: Vec<String>,
    /// An ezjail jail (legacy::ezjail): switched off in ezjail, not in rc.conf.
    ezjail: bool,
    /// An ezjail `simple` image jail: its image is adopted as the container in place.
    adopt: bool,
}

/// The migration: every file's content, the rc.conf switch, the paths as the script
/// uses them. `warn` hears warnings as they are found.
pub fn prepare(
    loader: &Loader,
    input: Input,
    opts: &Options,
    warn: &mut dyn FnMut(&[Diag]),
) -> anyhow::Result<Migration> {
    let p = paths(loader);
    let (parsed, control, sw) = match input {
        Input::JailConf { parsed, conf } => {
            if conf == "-" {
                anyhow::bail!(usage(
                    "migrate edits the jail.conf it reads: name a file, not -".into()
                ));
            }
            // A pipe or device (parse::loader keeps what it held): nothing to edit.
            if loader.stream(&conf).is_some() {
                anyhow::bail!(usage(format!(
                    "migrate edits the jail.conf it reads: {conf} is not a regular file"
                )));
            }
            let control = Control::JailConf { conf: p.real(&conf) };
            (parsed, control, None)
        }
        Input::RcConf { vars } => {
            let (parsed, sw) = rc_switch(&p, &vars, &opts.jail, warn)?;
            let control = if sw.ezjail {
                Control::Ezjail
            } else {
                Control::RcConf
            };
            (parsed, control, Some(sw))
        }
    };
    let name = sw.as_ref().map_or_else(|| opts.jail.clone(), |s| s.name.clone());
    let plan = plan::generate(&parsed, &opts.plan).map_err(Diags)?;
    warn(&plan.warnings);
    let Some(vol) = plan.volumes.iter().find(|v| v.jail == name) else {
        let cfg = model::load(&parsed);
        if cfg.jails.iter().any(|j| j.name == name) {
            anyhow::bail!(usage(format!(
                "jail \"{name}\" has no $volume_size (jail_{name}_volume_size): it has no container"
            )));
        }
        anyhow::bail!(usage(format!("no jail \"{name}\"")));
    };
    // An adopted image (an ezjail eli image) is a geli container already: nothing is made.
    if vol.geli_keyfile.is_some() && !sw.as_ref().is_some_and(|s| s.adopt) {
        // The migrate script makes a plain container; the hooks would then try geli
        // attach on it. Not supported yet: refused rather than a jail that cannot start.
        anyhow::bail!(usage(format!(
            "jail \"{name}\" is a geli container ($volume_encrypt = geli): migrate does not make \
             encrypted containers yet: with the jail stopped, run `jailvol generate`, then \
             `jailvol create --from {}` (its tree is copied into the container mounted over it)",
            crate::shell::quote(&vol.path)
        )));
    }
    let writes = writes(&p, &plan)?;
    let mut saves: Vec<String> = writes.iter().map(|w| w.path.clone()).collect();
    let (commands, guards, notes, adopt) = match sw {
        Some(sw) => {
            for f in sw.saves {
                if !saves.contains(&f) {
                    saves.push(f);
                }
            }
            (sw.commands, sw.guards, sw.notes, sw.adopt)
        }
        None => Default::default(),
    };
    Ok(Migration {
        jail: name,
        root: p.real(&vol.path),
        file: p.real(&vol.file),
        size: vol.size,
        unit: vol.unit.unwrap_or(crate::volume::FIRST_UNIT),
        newfs_opts: vec!["-U".into()],
        state_dir: state_dir(loader, opts),
        stop: opts.stop,
        control,
        writes,
        commands,
        guards,
        saves,
        notes,
        adopt,
    })
}

/// The files the config step writes: what `generate` would write, each with the text
/// it replaces. A file at one of jailvol's paths that jailvol did not write is refused.
fn writes(p: &Paths<'_>, plan: &plan::Plan) -> anyhow::Result<Vec<FileWrite>> {
    let mut out = Vec::new();
    for art in &plan.artifacts {
        let before = match write::change(p.loader, art)? {
            write::Change::Unchanged => continue,
            write::Change::Create => None,
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
            write::Change::Update { old } => Some(old),
        };
        out.push(FileWrite {
            path: p.real(&art.path),
            content: String::clone(&art.content),
            mode: art.mode,
            before,
        });
    }
    Ok(out)
}

/// An rc.conf host: the jail converted as rc.d/jail would (`legacy::convert`), its block
/// appended to `$jail_conf`, and the switch that makes rc.d/jail start it from there.
fn rc_switch(
    p: &Paths<'_>,
    vars: &RcVars,
    jail: &str,
    warn: &mut dyn FnMut(&[Diag]),
) -> anyhow::Result<(Parsed, Switch)> {
    let opts = legacy::Options {
        names: vec![jail.to_owned()],
        ..legacy::Options::default()
    };
    let conv = legacy::convert(vars, p.loader, &opts);
    warn(&conv.warnings);
    if !conv.errors.is_empty() {
        return Err(Diags(conv.errors).into());
    }
    let j = legacy::jail_name(jail);
    let Some(block) = conv.blocks.iter().find(|b| b.name == j) else {
        anyhow::bail!(usage(format!(
            "no legacy jail \"{jail}\" to migrate (it needs jail_<name>_rootdir and _hostname)"
        )));
    };
    let jv = block.jv.clone();
    let ez_file = legacy::ezjail::config_file(vars, p.loader, &j);
    // Only a `simple` image gets here (legacy::ezjail::image leaves the other types
    // out, with a warning): it is adopted as the container, in place.
    let adopt = ez_file.is_some() && legacy::ezjail::has_image(vars, &jv);
    let get = |n: &str| vars.vars.get(n);
    let own_conf = get(&format!("jail_{jv}_conf"))
        .map_or_else(|| format!("/etc/jail.{j}.conf"), |v| v.value.to_string());
    // Without legacy variables rc.d/jail starts a listed jail from the first of these
    // that is readable, and only then from $jail_conf.
    for f in [own_conf, format!("/etc/jail.conf.d/{j}.conf")] {
        if p.loader.real_path(&f).exists() {
            anyhow::bail!(usage(format!(
                "{f} exists: after the switch rc.d/jail would start {j} from it, not from the jail.conf \
                 migrate writes"
            )));
        }
    }
    let conf = get("jail_conf").map_or_else(|| "/etc/jail.conf".to_owned(), |v| v.value.to_string());
    let existing = match std::fs::read_to_string(p.loader.real_path(&conf)) {
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
    let parsed = crate::parse::jailconf::parse_source(p.loader, Source::new(conf.clone(), text), false)?;
    if parsed.jails.iter().filter(|r| r.name == j).count() > 1 {
        anyhow::bail!(usage(format!("{conf} already has a jail \"{j}\"")));
    }
    let others = existing.is_some() && parsed.jails.iter().any(|r| r.name != j && r.name != "*");
    let mut sw = Switch {
        name: j,
        commands: Vec::new(),
        guards: Vec::new(),
        saves: Vec::new(),
        notes: Vec::new(),
        ezjail: ez_file.is_some(),
        adopt,
    };
    switch_edits(p, vars, &conv.sources, &jv, &conf, others, &mut sw);
    if let Some(f) = ez_file {
        ezjail_off(p, vars, &f, &mut sw);
    }
    if adopt {
        // The block has no mount.fstab: legacy::ezjail::image made the fstab's other
        // lines `mount +=` entries and dropped ezjail's `.device` line.
        sw.notes.push(format!(
            "ezjail's image becomes the container in place (no copy, never written); the jail's \
             fstab ({}) and its {}.device line are no longer read",
            crate::rcplan::fstab_of(vars, &jv, &sw.name),
            vars.get(&format!("jail_{jv}_rootdir")).unwrap_or("ROOTDIR")
        ));
    }
    Ok((parsed, sw))
}

impl Switch {
    fn edit(&mut self, file: String, argv: Vec<String>) {
        if !self.saves.contains(&file) {
            self.saves.push(file.clone());
        }
        self.commands.push(Edit { file, argv });
    }
}

/// The switch (docs/migrate.md): rc.d/jail converts a jail only when both
/// jail_<jv>_rootdir and jail_<jv>_hostname are set, so removing rootdir from every
/// rc.conf file that sets it makes rc.d/jail start the jail from jail.conf; jail_list
/// and jail_enable follow.
fn switch_edits(
    p: &Paths<'_>,
    vars: &RcVars,
    sources: &[String],
    jv: &str,
    conf: &str,
    others: bool,
    sw: &mut Switch,
) {
    let j = sw.name.clone();
    let rootdir = format!("jail_{jv}_rootdir");
    for src in sources {
        // ezjail's per-jail files are switched off whole (ezjail_off).
        if src.starts_with(&format!("{}/", legacy::ezjail::DIR)) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(p.loader.real_path(src)) else {
            continue;
        };
        let sets = text.lines().any(|l| {
            let l = l.trim_start();
            let l = l.strip_prefix("export ").map_or(l, str::trim_start);
            l.starts_with(&format!("{rootdir}="))
        });
        if sets {
            let f = p.real(src);
            sw.edit(f.clone(), sysrc(&f, &["-x", &rootdir]));
        }
    }
    if let Some(list) = vars.vars.get("jail_list") {
        let words: Vec<&str> = list.value.split_whitespace().collect();
        let listed = words.iter().any(|w| legacy::jail_name(w) == j);
        if sw.ezjail && !listed && !words.is_empty() {
            // rc.d/jail starts only the listed jails: the ezjail jail joins them. No
            // guard: a resumed run finds the new list, which a guard would refuse.
            let f = p.real(list.loc.file());
            let value = format!("jail_list={} {j}", list.value.trim_end());
            sw.edit(f.clone(), sysrc(&f, &[&value]));
            sw.notes
                .push(format!("jail_list gains {j}: rc.d/jail starts it from {conf}"));
        } else if words.len() == 1 && legacy::jail_name(words[0]) == j && !others {
            let f = p.real(list.loc.file());
            // Emptying jail_list is right only while NAME is all it holds: the script
            // checks that again before it runs (an edit made after the script was
            // printed would otherwise be undone).
            sw.guards.push(Guard {
                file: f.clone(),
                var: "jail_list".into(),
                value: list.value.to_string(),
            });
            sw.edit(f.clone(), sysrc(&f, &["jail_list="]));
            sw.notes.push(format!(
                "jail_list becomes empty: rc.d/jail then starts every jail of {conf} (only {j})"
            ));
        } else {
            sw.notes.push(format!(
                "jail_list keeps {j}: with its legacy variables gone rc.d/jail starts it from {conf}"
            ));
        }
    }
    let enable = vars.vars.get("jail_enable");
    let enabled = enable.is_some_and(|v| legacy::yesno(&v.value) == Some(true));
    if !enabled {
        let f = p.real(enable.map_or("/etc/rc.conf", |v| v.loc.file()));
        sw.edit(f.clone(), sysrc(&f, &["jail_enable=YES"]));
    }
    // An ezjail jail's variables are in its per-jail file, which ezjail_off moves
    // whole: no rc.conf file sets its rootdir.
    if !sw.ezjail {
        sw.notes.push(format!(
            "rc.conf switch: {rootdir} removed (rc.d/jail then reads {conf})"
        ));
    } else if !enabled {
        sw.notes.push(format!(
            "rc.conf switch: jail_enable becomes YES (rc.d/jail starts {j} from {conf} at boot, as \
             ezjail did)"
        ));
    }
}

/// The name an ezjail jail's per-jail file gets when migrate switches it off in ezjail:
/// `DIR/.NAME.norun`. ezjail.sh and ezjail-admin list their jails with `ls | xargs
/// rcorder` (ezjail.sh:51, ezjail-admin:810), which shows no dot file, and a named
/// `service ezjail start NAME` finds neither `NAME` nor `NAME.norun` (ezjail.sh:58-62):
/// ezjail no longer knows the jail. A plain `NAME.norun` would not do: `service ezjail
/// stop` without names lists it, cuts the name at the dot and, not finding
/// `NAME.norun.norun`, sources it and stops NAME through rc.d/jail with its legacy
/// variables (ezjail.sh:58-69: only starts skip disabled jails), which leaves the
/// container of a migrated directory jail mounted and attached (no exec.release).
pub fn ezjail_off_name(file: &str) -> String {
    match file.rsplit_once('/') {
        Some((dir, name)) => format!("{dir}/.{name}.norun"),
        None => format!(".{file}.norun"),
    }
}

/// An ezjail jail is switched off in ezjail: its per-jail file becomes
/// [`ezjail_off_name`], as two edits the rollback undoes (the copy removed, the file
/// restored). `ezjail_enable` is left alone: ezjail still starts its other jails, and
/// with none left it starts nothing.
fn ezjail_off(p: &Paths<'_>, vars: &RcVars, file: &str, sw: &mut Switch) {
    let off = ezjail_off_name(file);
    let (from, to) = (p.real(file), p.real(&off));
    sw.edit(
        to.clone(),
        vec!["cp".into(), "-p".into(), from.clone(), to.clone()],
    );
    sw.edit(from.clone(), vec!["rm".into(), "-f".into(), from]);
    let others = legacy::ezjail::jails(vars, p.loader)
        .iter()
        .any(|n| *n != sw.name);
    sw.notes.push(format!(
        "ezjail switch: {file} becomes {off} (ezjail lists no dot file: it neither starts nor \
         stops the jail any more); ezjail_enable stays{}",
        if others {
            " (ezjail starts its other jails)"
        } else {
            " (no other ezjail jail is left)"
        }
    ));
}

fn sysrc(file: &str, args: &[&str]) -> Vec<String> {
    let mut v = vec!["sysrc".to_owned(), "-f".to_owned(), file.to_owned()];
    v.extend(args.iter().map(|a| (*a).to_owned()));
    v
}

/// Save the script as STATE/migrate.sh (the state directory made mode 0700) and run it.
fn execute(state: &str, text: &str) -> anyhow::Result<bool> {
    let saved = Path::new(state).join("migrate.sh");
    let io =
        |e: std::io::Error| Diag::error(None, format!("{}: {e}", saved.display())).with_exit(exit::CANTCREAT);
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(state)
        .map_err(io)?;
    write::write_atomic(&saved, text.as_bytes(), 0o600).map_err(io)?;
    run_sh(&saved)
}

/// Run a migrate script with /bin/sh, its output streaming; whether it succeeded.
fn run_sh(script: &Path) -> anyhow::Result<bool> {
    let status = std::process::Command::new("/bin/sh")
        .arg(script)
        .status()
        .map_err(|e| Diag::error(None, format!("/bin/sh: {e}")).with_exit(exit::SOFTWARE))?;
    Ok(status.success())
}
