//! `generate`: from the configuration, every file that makes each managed jail mount its
//! container — pure, no I/O (`write` applies the plan, `check` diffs it).
//!
//! Styles (design §4, docs/freebsd.md):
//! * `hooks` (jail.conf, FreeBSD 12.2+): an fstab jailvol owns with the root line
//!   `/dev/mdN PATH ufs rw 0 0`, listed first in `mount.fstab`; `exec.prepare` attaches
//!   and checks the container, `exec.release` detaches it.
//! * `mountprog` (FreeBSD 9.x-12.1): one fstab line whose `mountprog=` is the helper
//!   (or `/sbin/mdmfs`), which attaches, checks and mounts when jail(8) mounts the line.

use smallvec::SmallVec;
use std::borrow::Cow;
use std::fmt::Write as _;

use crate::diag::{Diag, exit};
use crate::edit::{self, Edits};
use crate::emit::jailconf::{push_escaped, push_statement};
use crate::fstab::{self, Carry};
use crate::lint::Lint;
use crate::model::{self, Config, Jail};
use crate::parse::jailconf::{Op, Parsed, Text};
use crate::settings::{VAR_FILE, VAR_UNIT};
use crate::shell::{self, OWNED_MARK};
use crate::volume::{self, Collected, Volume};

mod content;
pub mod mounts;
mod stream;

pub use content::Content;
pub use stream::{Files, Head, Stop};
use stream::{Held, Keep, push_config_files};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Hooks,
    Mountprog,
    Seed,
}

impl Style {
    /// The style a FreeBSD release needs for a jail.conf host: exec.prepare and
    /// exec.release exist from 12.2 (usr.sbin/jail/jail.c startcommands, spec §2.1).
    pub fn for_release(release: &str) -> Result<Style, String> {
        let (major, minor) = parse_release(release)
            .ok_or_else(|| format!("\"{release}\" is not a FreeBSD release like 14.2"))?;
        Ok(if (major, minor) >= (12, 2) {
            Style::Hooks
        } else if major >= 9 {
            Style::Mountprog
        } else {
            Style::Seed
        })
    }
}

pub fn parse_release(s: &str) -> Option<(u32, u32)> {
    let s = s.split('-').next()?;
    let mut it = s.split('.');
    let major = it.next()?.parse().ok()?;
    let minor = it.next().map_or(Some(0), |m| m.parse().ok())?;
    Some((major, minor))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MountProg {
    /// jailvol's helper: attach, fsck -p, mount.
    Helper,
    /// /sbin/mdmfs -P: attaches and mounts, never runs fsck.
    Mdmfs,
}

#[derive(Debug, Clone)]
pub struct Options {
    pub style: Style,
    pub mountprog: MountProg,
    /// Where the fstab files jailvol owns go.
    pub fstab_dir: String,
    /// Where the helper script goes.
    pub helper: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            style: Style::Hooks,
            mountprog: MountProg::Helper,
            fstab_dir: "/etc/jailvol".into(),
            helper: "/usr/local/libexec/jailvol-md".into(),
        }
    }
}

/// A file the plan wants to exist with this content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// Path as the host sees it.
    pub path: String,
    pub content: Content,
    pub mode: u32,
    /// A file jailvol owns (starts with OWNED_MARK), else the admin's, edited in place.
    pub owned: bool,
}

#[derive(Debug, Default)]
pub struct Plan {
    pub artifacts: Vec<Artifact>,
    pub volumes: Vec<Volume>,
    pub warnings: Vec<Diag>,
    /// The files of `Options::fstab_dir` the admin's configuration names itself (a
    /// `mount.fstab` value jailvol did not write): with the artifacts, what is in use
    /// there (`write::leftovers`). None when the plan writes nothing in that directory
    /// (an rc.conf host: its fstab files are /etc/fstab.NAME), so nothing there is
    /// looked at.
    pub dir_refs: Option<Vec<String>>,
}

/// Why a geli container cannot be mounted in `style`, when it cannot. Only the hooks
/// style attaches it: a mount program gets the fstab line's options, and geli(8) takes
/// its keyfile from `geli attach -k` alone (sbin/geom/class/eli/geom_eli.c eli_attach;
/// mount(8), fstab(5) and mdmfs(8) have no way to pass one), so an fstab line of the
/// seed or mountprog style cannot attach `/dev/mdN.eli`. (The helper as a mountprog
/// could take the keyfile as an option: not done yet.)
pub fn geli_refused(v: &Volume, style: Style) -> Option<String> {
    (v.geli_keyfile.is_some() && style != Style::Hooks).then(|| {
        format!(
            "{}: a geli container ($volume_encrypt = geli) needs the hooks style (jail.conf on FreeBSD \
             12.2 or later): an fstab line alone cannot attach geli with a keyfile",
            v.jail
        )
    })
}

/// The fstab file generate writes for `jail`, in the order of `Plan::artifacts`: one
/// for each volume, in the order of `volume::collect`.
pub fn fstab_file(opts: &Options, jail: &str) -> String {
    fstab_path(opts.fstab_dir.trim_end_matches('/'), jail)
}

/// `DIR/JAIL.fstab`: the fstab jailvol owns for a jail.
fn fstab_path(dir: &str, jail: &str) -> String {
    let mut p = String::with_capacity(dir.len() + jail.len() + 7);
    p.push_str(dir);
    p.push('/');
    p.push_str(jail);
    p.push_str(".fstab");
    p
}

/// The configuration as the admin wrote it: jailvol's own statements left out, except
/// the md units it wrote back (they are settings now). Each jail keeps only the
/// entries check and generate read (`locate::LOOKED_UP`): for thousands of jails,
/// copying and freeing the others cost more than the lints.
pub struct Prepared {
    pub cfg: Config,
}

pub fn prepare(parsed: &Parsed) -> Prepared {
    Prepared {
        cfg: model::load_filtered(parsed, &admins, Some(&crate::locate::PREPARED)),
    }
}

/// `prepare` keeping only what generate reads (`locate::GENERATED`), for a plan that
/// lints nothing: the merge, and so its errors, are the same.
fn prepare_generate(parsed: &Parsed) -> Prepared {
    Prepared {
        cfg: model::load_filtered(parsed, &admins, Some(&crate::locate::GENERATED)),
    }
}

/// A statement of the admin's configuration (`Prepared`): not one jailvol wrote, but
/// for the md units it wrote back.
fn admins(p: &crate::parse::jailconf::CfParam) -> bool {
    !edit::is_marked(p) || (p.is_var && p.name == VAR_UNIT)
}

/// Compute the plan. `parsed` is the admin's jail.conf as read (with any earlier
/// jailvol statements in it).
pub fn generate(parsed: &Parsed, opts: &Options) -> Result<Plan, Vec<Diag>> {
    generate_prepared(parsed, &prepare(parsed), opts)
}

/// `generate` with the admin's configuration already computed.
pub fn generate_prepared(parsed: &Parsed, prep: &Prepared, opts: &Options) -> Result<Plan, Vec<Diag>> {
    generate_whole(parsed, prep, opts, None)
}

/// `generate_prepared` with what `volume::collect_indexed` gave for `prep` (check lints
/// the same volumes meanwhile rather than collecting them twice). `Plan::volumes` is
/// left empty: the caller has them, but for units generate would assign.
pub fn generate_collected(
    parsed: &Parsed,
    prep: &Prepared,
    collected: &Result<Collected, Vec<Diag>>,
    opts: &Options,
) -> Result<Plan, Vec<Diag>> {
    generate_whole(parsed, prep, opts, Some(collected))
}

/// `generate`, handing each file to `files` as soon as it is made instead of keeping
/// them (issue 21: with thousands of jails the fstab files, every block's statements,
/// the edited configuration and its diff were alive together). Everything that can
/// refuse the plan is decided first, so no file of a plan that fails is handed out.
/// The `Plan` returned has no artifacts and no volumes.
///
/// `parsed` is taken whole so that its blocks are freed once the edited configuration is
/// made: the configuration's files go out last, and diffing them (`generate --dry-run`)
/// was the run's peak, with the parse (six times the input) still alive beneath it.
pub fn generate_each<F: Files>(
    mut parsed: Parsed,
    opts: &Options,
    files: &mut F,
) -> Result<Plan, Stop<F::Error>> {
    let prep = prepare_generate(&parsed);
    let (plan, splices) = generate_from(&parsed, Held::Owned(prep), opts, None, files, false)?;
    // Moved out, and the rest freed now, while the edited configuration and its diff
    // (the largest allocations) are made: a field moved out of a struct leaves the
    // others alive to the end of the scope. The statements are one allocation
    // (`Stmts`), so their pages go back to the system as they are freed.
    let sources = std::mem::take(&mut parsed.sources);
    // A large parse is freed on a thread of its own (`retire`): on this one it held the
    // edit back 26 ms at 200,000 jails, and the peak, the edit and its diff, did not
    // move. A small one is freed here, where the edit reuses its memory: retired at
    // 10,000 jails it raised the peak from 7.4x to 8.8x the input (the goal is 10x),
    // for a millisecond (docs/performance.md, session 22).
    const RETIRE_AT: usize = 20_000;
    if parsed.jails.len() >= RETIRE_AT {
        crate::retire::retire(parsed);
    } else {
        drop(parsed);
    }
    if let Some(main) = sources.iter().find(|s| s.name != "STDIN") {
        files.coming(&main.name).map_err(Stop::Caller)?;
    }
    let changed = splices.apply();
    push_config_files(&sources, changed, files).map_err(Stop::Caller)?;
    Ok(plan)
}

/// Every refusal of the plan's jails, before any file is made: the files go out one by
/// one, and none may go out of a plan that fails. Returns the entries of `mount` moved
/// into each volume's fstab, by volume (few configurations set `mount` at all).
fn refusals(
    files: &JailFiles<'_>,
    cfg: &Config,
    vols: &[Volume],
    at: &[usize],
) -> Result<Vec<Option<mounts::Moved>>, Vec<Diag>> {
    let mut errs = Vec::new();
    let mut moved: Vec<Option<mounts::Moved>> = Vec::new();
    for (n, (v, &ji)) in vols.iter().zip(at).enumerate() {
        let Some(jail) = cfg.jails.get(ji) else {
            continue;
        };
        match files.refusal(v, jail) {
            Ok(None) => {}
            Ok(Some(m)) => {
                moved.resize_with(n + 1, || None);
                moved[n] = Some(m);
            }
            Err(e) => errs.extend(e),
        }
    }
    if errs.is_empty() { Ok(moved) } else { Err(errs) }
}

/// `generate_from` keeping every file, as `Plan::artifacts`.
fn generate_whole(
    parsed: &Parsed,
    prep: &Prepared,
    opts: &Options,
    collected: Option<&Result<Collected, Vec<Diag>>>,
) -> Result<Plan, Vec<Diag>> {
    let mut keep = Keep(Vec::new());
    let plan = generate_from(parsed, Held::Borrowed(prep), opts, collected, &mut keep, true);
    match plan {
        Ok((mut plan, splices)) => {
            let Ok(()) = push_config_files(&parsed.sources, splices.apply(), &mut keep);
            plan.artifacts = keep.0;
            Ok(plan)
        }
        Err(Stop::Plan(errs)) => Err(errs),
        Err(Stop::Caller(never)) => match never {},
    }
}

fn generate_from<F: Files>(
    parsed: &Parsed,
    mut prep: Held<'_>,
    opts: &Options,
    collected: Option<&Result<Collected, Vec<Diag>>>,
    out: &mut F,
    keep_volumes: bool,
) -> Result<(Plan, edit::Splices), Stop<F::Error>> {
    if opts.style == Style::Seed {
        return Err(Stop::Plan(vec![
            Diag::error(
                None,
                "the seed style (md + ufs pair in /etc/fstab.NAME) is for rc.conf hosts on FreeBSD 6-9; \
                 this input is a jail.conf: use --style hooks (12.2+) or mountprog (9-12.1)",
            )
            .with_exit(exit::USAGE),
        ]));
    }
    let cfg = &prep.get().cfg;
    if !cfg.errors.is_empty() {
        return Err(Stop::Plan(cfg.errors.clone()));
    }
    let (mut vols, at): (Cow<[Volume]>, Cow<[usize]>) = match collected {
        Some(Ok(c)) => (Cow::Borrowed(&c.vols), Cow::Borrowed(&c.jails)),
        Some(Err(errs)) => return Err(Stop::Plan(errs.clone())),
        None => {
            let c = volume::collect_indexed_two(cfg, Some(parsed)).map_err(Stop::Plan)?;
            (Cow::Owned(c.vols), Cow::Owned(c.jails))
        }
    };
    // Copied only when a unit is to be assigned: once generate has run, none is.
    let assigned = if vols.iter().any(|v| v.unit.is_none()) {
        volume::fill_units(vols.to_mut())
    } else {
        Vec::new()
    };
    let mut plan = Plan::default();
    let mut files = JailFiles::new(
        parsed,
        opts,
        volume::assigned_jails(&assigned, &at),
        !vols.is_empty(),
    );
    let moved = refusals(&files, cfg, &vols, &at).map_err(Stop::Plan)?;
    verify(parsed, cfg, &vols, &at).map_err(Stop::Plan)?;
    let uses_mdmfs = opts.style == Style::Mountprog && opts.mountprog == MountProg::Mdmfs;
    if uses_mdmfs && !vols.is_empty() {
        plan.warnings.push(Diag::warning(
            None,
            "mountprog=/sbin/mdmfs never runs fsck: after a crash the container is mounted unchecked",
        ));
    }
    let helper = !vols.is_empty() && !uses_mdmfs;
    plan.dir_refs = Some(dir_refs(cfg, opts));
    {
        // The paths, in the order the files will come.
        let mut paths: Vec<String> = Vec::new();
        if F::PATHS {
            paths.extend(vols.iter().map(|v| fstab_file(opts, &v.jail)));
            if helper {
                paths.push(opts.helper.clone());
            }
            paths.extend(
                parsed
                    .sources
                    .iter()
                    .filter(|s| s.name != "STDIN")
                    .map(|s| s.name.clone()),
            );
        }
        let h = Head {
            warnings: &plan.warnings,
            paths: &paths,
            dir_refs: plan.dir_refs.as_deref(),
        };
        out.head(&h).map_err(Stop::Caller)?;
    }
    let mut edits = Edits::new(parsed.jails.len());
    // What this run owns and will not read again is freed jail by jail, for the
    // statements and files made next to take its place (generate's peak, with
    // thousands of jails, is the end of this loop).
    let free = !keep_volumes && matches!((&prep, &vols), (Held::Owned(_), Cow::Owned(_)));
    for (n, &ji) in at.iter().enumerate() {
        let (Some(v), Some(jail)) = (vols.get(n), prep.get().cfg.jails.get(ji)) else {
            continue;
        };
        let moved = moved.get(n).and_then(Option::as_ref);
        let now = files.assigned.get(ji).copied().unwrap_or(false);
        let fstab = edits.push_with(parsed, jail.record, |stmts| {
            files.render(v, jail, now, moved, stmts)
        });
        if free {
            if let Held::Owned(p) = &mut prep
                && let Some(j) = p.cfg.jails.get_mut(ji)
            {
                j.entries = Vec::new();
            }
            if let Cow::Owned(vs) = &mut vols
                && let Some(v) = vs.get_mut(n)
            {
                *v = Volume::default();
            }
        }
        out.file(fstab).map_err(Stop::Caller)?;
    }
    drop(moved);
    drop(files);
    if keep_volumes && collected.is_none() {
        plan.volumes = vols.into_owned();
    } else {
        drop(vols);
    }
    // The configuration and the volumes are not read again: freed before the edited
    // configuration (as large as the file, or larger) is made.
    drop(prep);
    // Blocks that carry jailvol statements but are no longer managed lose them.
    let strip: Vec<usize> = parsed
        .jails
        .iter()
        .enumerate()
        .filter(|(i, r)| !edits.has(*i) && !r.marked.is_empty())
        .map(|(i, _)| i)
        .collect();
    let splices = edit::plan(parsed, edits, &strip);
    if helper {
        out.file(Artifact {
            path: opts.helper.clone(),
            content: shell::helper_script().into(),
            mode: 0o755,
            owned: true,
        })
        .map_err(Stop::Caller)?;
    }
    Ok((plan, splices))
}

/// The `mount.fstab` values of every jail, managed or not, that lie in jailvol's
/// directory: the admin pointed a jail at the file, so it is in use whoever wrote it.
/// `cfg` is the admin's configuration, so jailvol's own `mount.fstab` statements (which
/// `edit::apply` strips from a jail no longer managed) do not count.
fn dir_refs(cfg: &Config, opts: &Options) -> Vec<String> {
    let dir = std::path::Path::new(opts.fstab_dir.as_str());
    let find = crate::locate::Finder::new(["mount.fstab"], []);
    let mut refs = Vec::new();
    for j in &cfg.jails {
        if let ([Some(e)], []) = find.get(j) {
            refs.extend(
                e.values
                    .iter()
                    .map(Text::as_str)
                    .filter(|f| std::path::Path::new(f).parent() == Some(dir))
                    .map(str::to_owned),
            );
        }
    }
    refs
}

/// What generate writes for each managed jail: its fstab and the statements for its
/// block. What is the same for every jail is made once, and the scratch buffers are
/// reused (thousands of jails).
struct JailFiles<'p> {
    parsed: &'p Parsed,
    opts: &'p Options,
    fstab_dir: &'p str,
    /// By index in `Config::jails` of the first jail of a name (`Collected::jails`):
    /// whether generate assigns a unit now to a volume of that name.
    assigned: Vec<bool>,
    /// What the hook statements start with: `exec.prepare += "HELPER attach ` (sh-quoted
    /// words, then jail.conf escapes). A command has blanks, so `push_value` would quote
    /// it whole, and its escapes go byte by byte: the rest of the command is escaped on
    /// its own and appended.
    prepare_head: String,
    release_head: String,
    find_fstab: crate::locate::Finder<1, 0>,
    /// The admin's `mount` statements, merged apart from the lookups `prepare` keeps:
    /// only when some statement sets `mount` at all, which few configurations do.
    mount_stmts: Option<mounts::Statements<'p>>,
    mount_cfg: Option<Config>,
    file_q: String,
    line: String,
    unit_s: String,
}

impl<'p> JailFiles<'p> {
    fn new(parsed: &'p Parsed, opts: &'p Options, assigned: Vec<bool>, any: bool) -> JailFiles<'p> {
        let hook_head = |name: &str, verb: &str| {
            let mut head = String::new();
            crate::emit::jailconf::push_name(&mut head, name);
            head.push_str(" += \"");
            let words = format!("{} {} ", shell::quote(&opts.helper), shell::quote(verb));
            push_escaped(&mut head, &words);
            head
        };
        let mount_stmts = if any {
            mounts::Statements::find(parsed, admins)
        } else {
            None
        };
        let mount_cfg = mount_stmts.as_ref().map(mounts::Statements::load);
        JailFiles {
            parsed,
            opts,
            fstab_dir: opts.fstab_dir.trim_end_matches('/'),
            assigned,
            prepare_head: hook_head("exec.prepare", "attach"),
            release_head: hook_head("exec.release", "detach"),
            find_fstab: crate::locate::Finder::new(["mount.fstab"], []),
            mount_stmts,
            mount_cfg,
            file_q: String::new(),
            line: String::new(),
            unit_s: String::new(),
        }
    }

    /// Why the fstab of volume `v` of `jail` cannot be made, if it cannot; else the
    /// `mount` entries that move into it, if any.
    fn refusal(&self, v: &Volume, jail: &Jail) -> Result<Option<mounts::Moved>, Vec<Diag>> {
        // `mount` entries below the path move into our fstab, after the root line.
        let moved = match (&self.mount_stmts, &self.mount_cfg) {
            (Some(stmts), Some(mcfg)) => match mounts::jail_of(mcfg, jail.record) {
                Some(mj) => {
                    let ours = fstab_path(self.fstab_dir, &v.jail);
                    mounts::plan_jail(stmts, mj, mounts::values(mj), &v.path, &ours)?
                }
                None => None,
            },
            _ => None,
        };
        if let Some(msg) = geli_refused(v, self.opts.style) {
            let loc = crate::locate::statement(self.parsed, jail, crate::settings::VAR_ENCRYPT, true);
            return Err(vec![
                Lint::BadVolumeSettings.diag(loc, msg).with_jail(v.jail.as_str()),
            ]);
        }
        if self.opts.style != Style::Hooks {
            self.mountprog_refusal(v, jail).map_err(|e| vec![e])?;
        }
        Ok(moved)
    }

    /// The fstab of volume `v` of `jail`; the statements for the jail's block go to
    /// `stmts`. `refusal` has passed them, and found `moved`.
    fn render(
        &mut self,
        v: &Volume,
        jail: &Jail,
        assigned_now: bool,
        moved: Option<&mounts::Moved>,
        stmts: &mut String,
    ) -> Artifact {
        let unit = v.unit.unwrap_or(volume::FIRST_UNIT);
        self.unit_s.clear();
        let _ = write!(self.unit_s, "{unit}");
        let ours = fstab_path(self.fstab_dir, &v.jail);
        self.statements(jail, assigned_now, &ours, moved, stmts);
        self.line.clear();
        match self.opts.style {
            Style::Hooks => self.hooks(v, stmts),
            _ => self.mountprog(v),
        }
        let line = &self.line;
        let mut content = String::with_capacity(200 + v.jail.len() + v.file.len() + line.len());
        for part in [
            "# ",
            OWNED_MARK,
            " for jail \"",
            &v.jail,
            "\": its root is the container ",
            &v.file,
            " (",
            &v.size_text,
            ").\n# Do not edit; change the jail's $volume_* settings and run `jailvol generate`.\n",
            line,
            moved.map_or("", |m| m.lines.as_str()),
        ] {
            content.push_str(part);
        }
        Artifact {
            path: ours,
            content: content.into(),
            mode: 0o644,
            owned: true,
        }
    }

    /// The statements every style adds to the block: the unit when jailvol assigned it,
    /// `mount.fstab` with ours first, and what is left of `mount` when entries moved.
    fn statements(
        &self,
        jail: &Jail,
        assigned_now: bool,
        ours: &str,
        moved: Option<&mounts::Moved>,
        stmts: &mut String,
    ) {
        // A unit jailvol assigned (now or before) is written back with the marker.
        let unit_marked = assigned_now
            || self.parsed.jails.get(jail.record).is_some_and(|r| {
                self.parsed
                    .marked_params(r)
                    .any(|p| p.is_var && p.name == VAR_UNIT)
            });
        if unit_marked {
            push_statement(stmts, VAR_UNIT, true, &[&self.unit_s]);
            stmts.push('\n');
        }
        let mut fstabs: SmallVec<[&str; 2]> = SmallVec::new();
        fstabs.push(ours);
        if let ([Some(existing)], []) = self.find_fstab.get(jail) {
            fstabs.extend(existing.values.iter().map(Text::as_str).filter(|f| *f != ours));
        }
        push_statement(stmts, "mount.fstab", false, &fstabs);
        stmts.push('\n');
        if let Some(m) = moved {
            // What is left of `mount` (a valueless `mount;` when nothing is: config.c
            // add_param empties the list, and next_command skips an empty one).
            push_statement(stmts, "mount", false, &m.kept);
            stmts.push('\n');
        }
    }

    /// The hooks style: attach in exec.prepare, detach in exec.release, and the root
    /// line `/dev/mdN PATH ufs rw 0 0` (the path escaped for jail(8)). A geli container
    /// is attached with `attach -k KEYFILE UNIT FILE` (md, then geli with the keyfile)
    /// and mounted from `/dev/mdN.eli`; `detach FILE` detaches geli where it is attached.
    fn hooks(&mut self, v: &Volume, stmts: &mut String) {
        // `+=` keeps the admin's own hooks; ours run after them. A unit number is
        // digits, which neither quoting changes.
        stmts.push_str(&self.prepare_head);
        if let Some(key) = &v.geli_keyfile {
            self.file_q.clear();
            shell::push_quoted(&mut self.file_q, key);
            stmts.push_str("-k ");
            push_escaped(stmts, &self.file_q);
            stmts.push(' ');
        }
        self.file_q.clear();
        shell::push_quoted(&mut self.file_q, &v.file);
        stmts.push_str(&self.unit_s);
        stmts.push(' ');
        push_escaped(stmts, &self.file_q);
        stmts.push_str("\";\n");
        stmts.push_str(&self.release_head);
        push_escaped(stmts, &self.file_q);
        stmts.push_str("\";\n");
        self.line.push_str("/dev/md");
        self.line.push_str(&self.unit_s);
        if v.geli_keyfile.is_some() {
            self.line.push_str(".eli");
        }
        self.line.push('\t');
        fstab::push_escaped(&mut self.line, &v.path);
        self.line.push_str("\tufs\trw\t0\t0\n");
    }

    /// Why the mountprog style cannot carry volume `v`'s paths, if it cannot: the paths
    /// go in as they are (`fstab::Carry::Verbatim`).
    fn mountprog_refusal(&self, v: &Volume, jail: &Jail) -> Result<(), Diag> {
        let bad = |s: &str| fstab::refused(s, Carry::Verbatim).is_some();
        if bad(&v.file) || bad(&v.path) {
            return Err(Diag::error(
                jail.loc.clone(),
                format!(
                    "{}: the mountprog style cannot carry a path with blanks, ',', '#' or '\\' \
                     (mount(8) splits fstab options on ','; mdmfs splits its commands on spaces)",
                    v.jail
                ),
            ));
        }
        if v.file.contains('=') {
            // The `=` comes from $volume_file, or from path when the file is PATH.ufs.
            let ([], [file_set]) = crate::locate::entries(jail, [], [VAR_FILE]);
            let loc = if file_set.is_some() {
                crate::locate::statement(self.parsed, jail, VAR_FILE, true)
            } else {
                crate::locate::statement(self.parsed, jail, "path", false)
            };
            return Err(Lint::BadVolumeSettings
                .diag(loc, fstab::equals_message(&v.jail, &v.file))
                .with_jail(v.jail.as_str())
                .with_note(
                    "the hooks style (FreeBSD 12.2 and later) passes the container as a quoted argument",
                ));
        }
        Ok(())
    }

    /// The mountprog style: one line whose mount program attaches and mounts.
    fn mountprog(&mut self, v: &Volume) {
        let prog = match self.opts.mountprog {
            MountProg::Helper => self.opts.helper.as_str(),
            MountProg::Mdmfs => "/sbin/mdmfs",
        };
        let _ = writeln!(
            self.line,
            "md{}\t{}\tufs\trw,-P,-F{},mountprog={prog}\t0\t0",
            self.unit_s, v.path, v.file
        );
    }
}

/// Make sure jail(8) will see jailvol's fstab first. jailvol's statements are the last
/// of the jail's own, and jail(8) merges a jail's own parameters before every wildcard
/// block that comes after it in the file (config.c load_config), so only such a block
/// setting mount.fstab with `=` (or clearing it) can override them; `+=` appends after.
/// (The same merge order decides about `mount` entries such a block adds below a jail's
/// path: `mounts::plan_jail` refuses those, as it knows where each entry came from.)
/// `owners` gives each volume's jail in `cfg.jails` (`volume::Collected::jails`).
fn verify(parsed: &Parsed, cfg: &Config, vols: &[Volume], owners: &[usize]) -> Result<(), Vec<Diag>> {
    // The few wildcard blocks that set mount.fstab, in file order.
    let setters: Vec<(usize, &crate::parse::jailconf::CfJail)> = parsed
        .jails
        .iter()
        .enumerate()
        .filter(|(_, w)| {
            w.wild()
                && parsed
                    .params(w)
                    .iter()
                    .any(|p| !p.is_var && p.op != Op::Append && model::equalopts(&p.name, "mount.fstab"))
        })
        .collect();
    if setters.is_empty() {
        return Ok(());
    }
    let mut errs = Vec::new();
    for (v, &ji) in vols.iter().zip(owners) {
        let Some(j) = cfg.jails.get(ji) else {
            continue;
        };
        let overriding = setters
            .iter()
            .find(|(i, w)| *i > j.record && model::wild_jail_match(&j.name, &w.name));
        if let Some((_, w)) = overriding {
            let at = w
                .loc()
                .map(|l| format!(" (at {}:{})", l.file(), l.line()))
                .unwrap_or_default();
            errs.push(
                Lint::ContainerNotFirst
                    .diag(
                        j.loc.clone(),
                        format!(
                            "{}: a wildcard block after this jail sets mount.fstab{at} and overrides jailvol's; \
                             move it above the jail or use += there",
                            v.jail
                        ),
                    )
                    .with_jail(v.jail.as_str()),
            );
        }
    }
    if errs.is_empty() { Ok(()) } else { Err(errs) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Source;
    use crate::parse::jailconf::parse_source;
    use crate::parse::loader::Loader;
    use crate::settings::VAR_SIZE;

    /// `prepare` keeps fewer entries than a whole load; every lookup check and generate
    /// make finds the same in both, for every jail.conf of the fixtures.
    #[test]
    fn prepared_jails_answer_every_lookup_as_whole_ones() {
        let mut files = Vec::new();
        let mut dirs = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures"
        ))];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.file_name().is_some_and(|n| n == "jail.conf") {
                    files.push(p);
                }
            }
        }
        let (mut jails, mut found) = (0, 0);
        for f in &files {
            let text = std::fs::read_to_string(f).unwrap();
            let Ok(parsed) = parse_source(&Loader::sealed(), Source::new("jail.conf", text), false) else {
                continue;
            };
            let whole = model::load_filtered(&parsed, &admins, None);
            let prep = prepare(&parsed);
            assert_eq!(prep.cfg.jails.len(), whole.jails.len(), "{}", f.display());
            assert_eq!(prep.cfg.errors.len(), whole.errors.len(), "{}", f.display());
            for (a, b) in prep.cfg.jails.iter().zip(&whole.jails) {
                jails += 1;
                assert_eq!((&a.name, a.record), (&b.name, b.record));
                assert_eq!(a.loc.as_ref().map(|l| l.offset), b.loc.as_ref().map(|l| l.offset));
                assert!(a.entries.len() <= b.entries.len());
                assert!(a.wanted.is_some() && b.wanted.is_none());
                for name in crate::locate::LOOKED_UP {
                    assert_eq!(a.param(name), b.param(name), "{}: {} {name}", f.display(), a.name);
                    assert_eq!(
                        crate::locate::entries(a, [name], []).0[0],
                        b.param(name),
                        "{}: {} {name}",
                        f.display(),
                        a.name
                    );
                    found += usize::from(a.param(name).is_some());
                }
                for name in crate::locate::LOOKED_UP_VARS {
                    assert_eq!(
                        a.variable(name),
                        b.variable(name),
                        "{}: {} {name}",
                        f.display(),
                        a.name
                    );
                }
                let find = crate::locate::Finder::new(["path", "ip4.addr", "depend"], [VAR_SIZE, VAR_UNIT]);
                for j in [a, b] {
                    let ([p, ip, dep], [size, unit]) = find.get(j);
                    let want = [
                        b.param("path"),
                        b.param("ip4.addr"),
                        b.param("depend"),
                        b.variable(VAR_SIZE),
                        b.variable(VAR_UNIT),
                    ];
                    assert_eq!([p, ip, dep, size, unit], want, "{}: {}", f.display(), a.name);
                }
            }
        }
        assert!(
            files.len() > 50 && jails > 100 && found > 100,
            "{} files, {jails} jails, {found} found",
            files.len()
        );
    }

    /// Counts what `generate_each` hands out, and keeps the files.
    #[derive(Default)]
    struct Seen {
        heads: Vec<Vec<String>>,
        files: Vec<Artifact>,
    }

    impl Files for Seen {
        type Error = ();
        fn head(&mut self, head: &Head<'_>) -> Result<(), ()> {
            self.heads.push(head.paths.to_vec());
            Ok(())
        }
        fn file(&mut self, file: Artifact) -> Result<(), ()> {
            self.files.push(file);
            Ok(())
        }
    }

    /// A plan refused by its last jail, or by a block after every jail, hands out
    /// nothing: `generate --dry-run` prints each file as it is made.
    #[test]
    fn a_refused_plan_hands_out_no_file() {
        let fine = "a {\n\tpath = /j/a;\n\t$volume_size = 1G;\n}\n";
        let cases = [
            (
                format!("{fine}* {{\n\tmount.fstab = /etc/fstab.x;\n}}\n"),
                Style::Hooks,
            ),
            (
                format!("{fine}b {{\n\tpath = \"/j/b c\";\n\t$volume_size = 1G;\n}}\n"),
                Style::Mountprog,
            ),
        ];
        for (conf, style) in cases {
            let parsed = parse_source(&Loader::sealed(), Source::new("/etc/jail.conf", conf), false).unwrap();
            let opts = Options {
                style,
                ..Options::default()
            };
            let mut seen = Seen::default();
            let got = generate_each(parsed.clone(), &opts, &mut seen);
            assert!(matches!(&got, Err(Stop::Plan(e)) if !e.is_empty()), "{style:?}");
            assert!(seen.heads.is_empty() && seen.files.is_empty(), "{style:?}");
        }
    }

    /// `generate_each` hands out `generate`'s artifacts, in order, after a head that
    /// lists their paths, for every jail.conf of the fixtures in both styles.
    #[test]
    fn files_handed_out_are_the_plans_artifacts() {
        let mut dirs = vec![std::path::PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures"
        ))];
        let mut plans = 0;
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    dirs.push(p);
                    continue;
                }
                if p.file_name().is_none_or(|n| n != "jail.conf") {
                    continue;
                }
                let text = std::fs::read_to_string(&p).unwrap();
                let Ok(parsed) = parse_source(&Loader::sealed(), Source::new("/etc/jail.conf", text), false)
                else {
                    continue;
                };
                for style in [Style::Hooks, Style::Mountprog] {
                    let opts = Options {
                        style,
                        ..Options::default()
                    };
                    let mut seen = Seen::default();
                    match (
                        generate(&parsed, &opts),
                        generate_each(parsed.clone(), &opts, &mut seen),
                    ) {
                        (Ok(whole), Ok(each)) => {
                            plans += 1;
                            let paths: Vec<String> = whole.artifacts.iter().map(|a| a.path.clone()).collect();
                            assert_eq!(seen.heads, vec![paths], "{}", p.display());
                            assert_eq!(seen.files, whole.artifacts, "{}", p.display());
                            assert_eq!(each.warnings.len(), whole.warnings.len());
                            assert_eq!(each.dir_refs, whole.dir_refs, "{}", p.display());
                        }
                        (Err(a), Err(Stop::Plan(b))) => {
                            let msgs = |v: &[Diag]| v.iter().map(|d| d.message.clone()).collect::<Vec<_>>();
                            assert_eq!(msgs(&a), msgs(&b), "{}", p.display());
                            assert!(seen.heads.is_empty() && seen.files.is_empty());
                        }
                        (a, b) => panic!("{}: {:?} / {:?}", p.display(), a.is_ok(), b.is_ok()),
                    }
                }
            }
        }
        assert!(plans > 50, "{plans} plans");
    }

    /// The hook statements as first written: the whole command made of sh-quoted
    /// words, then written as a jail.conf value.
    fn hook(name: &str, words: &[&str]) -> String {
        let cmd = shell::command(words);
        let mut out = String::new();
        crate::emit::jailconf::push_name(&mut out, name);
        out.push_str(" += ");
        crate::emit::jailconf::push_value(&mut out, &cmd);
        out.push(';');
        out
    }

    /// generate makes the hook statements from a head escaped once and the file
    /// escaped per jail: the same text as escaping each whole command, for helpers and
    /// files with quotes, `$`, backslashes, blanks, a tab (in the helper) and non-ASCII.
    #[test]
    fn hook_statements_are_the_whole_commands_escaped() {
        let helpers = [
            "/usr/local/libexec/jailvol-md",
            "/opt/jv \"md\"/$x\\y",
            "/o'q/h\tz",
            "/é/md",
        ];
        let files = [
            "/jails/a.img",
            "/j/it's $HOME/\"x\"\\.img",
            "/j/é ü/x{y};#.img",
            "/j/'",
        ];
        for helper in helpers {
            for file in files {
                let mut value = String::new();
                crate::emit::jailconf::push_value(&mut value, file);
                let conf =
                    format!("j {{\n\tpath = /j/a;\n\t$volume_size = 1G;\n\t$volume_file = {value};\n}}\n");
                let parsed =
                    parse_source(&Loader::sealed(), Source::new("/etc/jail.conf", conf), false).unwrap();
                let opts = Options {
                    helper: helper.into(),
                    ..Options::default()
                };
                let plan = generate(&parsed, &opts).unwrap();
                let conf = plan
                    .artifacts
                    .iter()
                    .find(|a| a.path == "/etc/jail.conf")
                    .unwrap();
                let unit = volume::FIRST_UNIT.to_string();
                for want in [
                    hook("exec.prepare", &[helper, "attach", &unit, file]),
                    hook("exec.release", &[helper, "detach", file]),
                ] {
                    assert!(
                        conf.content.lines().any(|l| l.trim_start().starts_with(&want)),
                        "{want}\nnot in\n{}",
                        conf.content
                    );
                }
            }
        }
    }
}
