//! `generate`: write (or diff) what makes each managed jail mount its container.

use serde::Serialize;

use super::Warn;
use crate::diag::Diags;
use crate::input::{self, InputKind};
use crate::parse::loader::Loader;
use crate::{plan, write};

pub struct Options {
    pub input: input::Options,
    pub plan: plan::Options,
    /// `--style` was given: the style is the admin's choice on an rc.conf host too.
    pub style_given: bool,
    /// `--target-release`, as given.
    pub target_release: Option<String>,
    /// Compute the unified diff of what would change; write nothing.
    pub dry_run: bool,
    /// Overwrite files at jailvol's paths that jailvol did not write.
    pub force: bool,
    /// `--format json`: with `dry_run`, the JSON document goes to the writer instead of
    /// the diffs.
    pub json: bool,
}

/// What generate did.
pub enum Outcome {
    /// `dry_run`: what would change went to the writer (unified diffs, or the JSON
    /// document).
    Diffed,
    /// The files written and removed, in that order (none when everything was up to
    /// date).
    Written(Vec<write::Done>),
}

/// One file of `generate --format json` (docs/generate.md): `diff` for an update or a
/// removal, `content` for a file created, neither without `--dry-run`.
#[derive(Serialize)]
pub struct FileJson<'a> {
    pub path: &'a str,
    pub action: &'static str,
    /// Octal, four digits: `"0644"`.
    pub mode: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<&'a str>,
}

impl<'a> FileJson<'a> {
    pub fn new(path: &'a str, action: write::Action, mode: u32) -> FileJson<'a> {
        FileJson {
            path,
            action: action.name(),
            mode: format!("{mode:04o}"),
            diff: None,
            content: None,
        }
    }
}

/// generate's JSON document, written a file at a time as each is made (issue 21: a
/// large host's diff is larger than its configuration), one file object a line:
/// `{"dry_run":true,"files":[` … `]}`.
pub struct JsonDoc {
    files: usize,
}

impl JsonDoc {
    pub fn start(out: &mut dyn std::io::Write, dry_run: bool) -> std::io::Result<JsonDoc> {
        write!(out, "{{\"dry_run\":{dry_run},\"files\":[")?;
        Ok(JsonDoc { files: 0 })
    }

    pub fn file(&mut self, out: &mut dyn std::io::Write, f: &FileJson<'_>) -> std::io::Result<()> {
        out.write_all(if self.files == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut *out, f)?;
        self.files += 1;
        Ok(())
    }

    pub fn end(self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        out.write_all(if self.files == 0 { b"]}\n" } else { b"\n]}\n" })
    }
}

/// With `dry_run`, each file's diff goes to `diff_out` as soon as it is made: a large
/// host's diff is larger than its configuration, and held whole it was the largest
/// allocation of the run.
pub fn generate(opts: &Options, warn: Warn, diff_out: &mut dyn std::io::Write) -> anyhow::Result<Outcome> {
    let inputs = input::select(&opts.input)?;
    let loader = inputs.loader();
    let plan = if inputs.kind == InputKind::RcConf {
        super::rchost::plan(
            &opts.input,
            &loader,
            &opts.plan,
            opts.style_given,
            opts.target_release.as_deref(),
            None,
            warn,
        )?
        .plan
        .map_err(Diags)?
    } else {
        let parsed = input::parse_jail_confs(&loader, &inputs.files)?;
        warn(&parsed.warnings);
        warn(&super::beside_warnings(&inputs, &loader, &parsed));
        plan::generate(&parsed, &opts.plan).map_err(Diags)?
    };
    warn(&plan.warnings);
    // Looked for before anything is written: a directory that cannot be listed
    // refuses the run as a file that cannot be read does.
    let leftovers = write::leftovers(&loader, &plan, &opts.plan)?;
    if opts.dry_run {
        if opts.json {
            dry_run_json(&loader, &plan, &leftovers, diff_out)?;
        } else {
            dry_run_text(&loader, &plan, &leftovers, diff_out)?;
        }
        return Ok(Outcome::Diffed);
    }
    let mut done = write::apply(&loader, &plan.artifacts, opts.force)?;
    for left in &leftovers {
        if write::remove(&loader, left)? {
            done.push(write::Done {
                path: left.path.clone(),
                action: write::Action::Remove,
                mode: left.mode,
            });
        }
    }
    Ok(Outcome::Written(done))
}

/// The unified diff of every file that would change, then of every leftover removed.
fn dry_run_text(
    loader: &Loader,
    plan: &plan::Plan,
    leftovers: &[write::Leftover],
    out: &mut dyn std::io::Write,
) -> anyhow::Result<()> {
    // One comparer for every file: it keeps the fstab directory open (or knows it is
    // missing), so each of thousands of files is not looked up from `/` again.
    let mut disk = write::Comparer::default();
    for art in &plan.artifacts {
        let diff = match disk.change(loader, art)? {
            write::Change::Unchanged => continue,
            write::Change::Create => write::diff(&art.path, "", &art.content),
            write::Change::Update { old } => write::diff(&art.path, &old, &art.content),
        };
        out.write_all(diff.as_bytes())?;
    }
    for left in leftovers {
        out.write_all(write::removal_diff(&left.path, &left.old).as_bytes())?;
    }
    Ok(())
}

/// `dry_run_text` as one JSON document: each file that would change, as it is compared.
/// Files already up to date are not listed (docs/generate.md).
fn dry_run_json(
    loader: &Loader,
    plan: &plan::Plan,
    leftovers: &[write::Leftover],
    out: &mut dyn std::io::Write,
) -> anyhow::Result<()> {
    let mut doc = JsonDoc::start(out, true)?;
    let mut disk = write::Comparer::default();
    for art in &plan.artifacts {
        match disk.change(loader, art)? {
            write::Change::Unchanged => {}
            write::Change::Create => {
                // Nothing is there: `apply` gives the file the artifact's mode.
                let mut f = FileJson::new(&art.path, write::Action::Create, art.mode);
                f.content = Some(&art.content);
                doc.file(out, &f)?;
            }
            write::Change::Update { old } => {
                let diff = write::diff(&art.path, &old, &art.content);
                let mode = write::mode_after(loader, art);
                let mut f = FileJson::new(&art.path, write::Action::Update, mode);
                f.diff = Some(&diff);
                doc.file(out, &f)?;
            }
        }
    }
    for left in leftovers {
        let diff = write::removal_diff(&left.path, &left.old);
        let mut f = FileJson::new(&left.path, write::Action::Remove, left.mode);
        f.diff = Some(&diff);
        doc.file(out, &f)?;
    }
    doc.end(out)?;
    Ok(())
}
