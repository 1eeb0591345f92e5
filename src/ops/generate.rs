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
/// allocation of the run. On a jail.conf host each file is compared (and diffed) as the
/// plan makes it (`plan::generate_each`), and only those that change are kept to be
/// written.
pub fn generate(opts: &Options, warn: Warn, diff_out: &mut dyn std::io::Write) -> anyhow::Result<Outcome> {
    let inputs = input::select(&opts.input)?;
    let loader = inputs.loader();
    let mut out = Out {
        loader: &loader,
        opts,
        warn,
        to: diff_out,
        disk: write::Comparer::default(),
        doc: None,
        apply: write::Applier::new(opts.force),
        leftovers: Vec::new(),
    };
    if inputs.kind == InputKind::RcConf {
        let plan = super::rchost::plan(
            &opts.input,
            &loader,
            &opts.plan,
            opts.style_given,
            opts.target_release.as_deref(),
            None,
            warn,
        )?
        .plan
        .map_err(Diags)?;
        let paths: Vec<String> = plan.artifacts.iter().map(|a| a.path.clone()).collect();
        let head = plan::Head {
            warnings: &plan.warnings,
            paths: &paths,
            dir_refs: plan.dir_refs.as_deref(),
        };
        plan::Files::head(&mut out, &head)?;
        for a in plan.artifacts {
            plan::Files::file(&mut out, a)?;
        }
    } else {
        let parsed = input::parse_jail_confs(&loader, &inputs.files)?;
        warn(&parsed.warnings);
        warn(&super::beside_warnings(&inputs, &loader, &parsed));
        match plan::generate_each(parsed, &opts.plan, &mut out) {
            Ok(_) => {}
            Err(plan::Stop::Plan(errs)) => return Err(Diags(errs).into()),
            Err(plan::Stop::Caller(e)) => return Err(e),
        }
    }
    out.end()
}

/// Where generate's files go: compared with the disk and diffed (`--dry-run`, as text
/// or JSON), or kept to be written when they change.
struct Out<'a> {
    loader: &'a Loader,
    opts: &'a Options,
    warn: Warn<'a>,
    to: &'a mut dyn std::io::Write,
    /// One comparer for every file: it keeps the fstab directory open (or knows it is
    /// missing), so each of thousands of files is not looked up from `/` again.
    disk: write::Comparer,
    /// `--dry-run --format json`: the document, once started.
    doc: Option<JsonDoc>,
    apply: write::Applier,
    leftovers: Vec<write::Leftover>,
}

impl plan::Files for Out<'_> {
    type Error = anyhow::Error;

    fn head(&mut self, head: &plan::Head<'_>) -> anyhow::Result<()> {
        (self.warn)(head.warnings);
        // Looked for before anything is written: a directory that cannot be listed
        // refuses the run as a file that cannot be read does.
        let paths = head.paths.iter().map(String::as_str);
        self.leftovers = write::leftovers_of(self.loader, paths, head.dir_refs, &self.opts.plan)?;
        if self.opts.dry_run && self.opts.json {
            self.doc = Some(JsonDoc::start(self.to, true)?);
        }
        Ok(())
    }

    fn file(&mut self, art: plan::Artifact) -> anyhow::Result<()> {
        if !self.opts.dry_run {
            self.apply.take(self.loader, art)?;
            return Ok(());
        }
        let change = self.disk.change(self.loader, &art)?;
        let Some(doc) = &mut self.doc else {
            // The unified diff of each file that would change.
            match change {
                write::Change::Unchanged => {}
                write::Change::Create => write::write_diff(self.to, &art.path, "", &art.content)?,
                write::Change::Update { old } => write::write_diff(self.to, &art.path, &old, &art.content)?,
            }
            return Ok(());
        };
        // Files already up to date are not listed (docs/generate.md).
        match change {
            write::Change::Unchanged => {}
            write::Change::Create => {
                // Nothing is there: `apply` gives the file the artifact's mode.
                let mut f = FileJson::new(&art.path, write::Action::Create, art.mode);
                f.content = Some(&art.content);
                doc.file(self.to, &f)?;
            }
            write::Change::Update { old } => {
                let diff = write::diff(&art.path, &old, &art.content);
                let mode = write::mode_after(self.loader, &art);
                let mut f = FileJson::new(&art.path, write::Action::Update, mode);
                f.diff = Some(&diff);
                doc.file(self.to, &f)?;
            }
        }
        Ok(())
    }
}

impl Out<'_> {
    /// After the last file: the leftovers' removal diffs, or the files written and the
    /// leftovers removed.
    fn end(self) -> anyhow::Result<Outcome> {
        if self.opts.dry_run {
            match self.doc {
                Some(mut doc) => {
                    for left in &self.leftovers {
                        let diff = write::removal_diff(&left.path, &left.old);
                        let mut f = FileJson::new(&left.path, write::Action::Remove, left.mode);
                        f.diff = Some(&diff);
                        doc.file(self.to, &f)?;
                    }
                    doc.end(self.to)?;
                }
                None => {
                    for left in &self.leftovers {
                        self.to
                            .write_all(write::removal_diff(&left.path, &left.old).as_bytes())?;
                    }
                }
            }
            return Ok(Outcome::Diffed);
        }
        let mut done = self.apply.write(self.loader)?;
        for left in &self.leftovers {
            if write::remove(self.loader, left)? {
                done.push(write::Done {
                    path: left.path.clone(),
                    action: write::Action::Remove,
                    mode: left.mode,
                });
            }
        }
        Ok(Outcome::Written(done))
    }
}
