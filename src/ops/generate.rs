//! `generate`: write (or diff) what makes each managed jail mount its container.

use std::sync::mpsc;

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
/// written. The comparing (and diffing) runs on a second thread while this one makes
/// the next files (`Sink`).
pub fn generate(
    opts: &Options,
    warn: Warn,
    diff_out: &mut (dyn std::io::Write + Send),
) -> anyhow::Result<Outcome> {
    let two = std::thread::available_parallelism().is_ok_and(|p| p.get() > 1);
    generate_on(opts, warn, diff_out, two)
}

/// `generate`, comparing on a second thread when `two`.
fn generate_on(
    opts: &Options,
    warn: Warn,
    diff_out: &mut (dyn std::io::Write + Send),
    two: bool,
) -> anyhow::Result<Outcome> {
    let inputs = input::select(&opts.input)?;
    let loader = inputs.loader();
    let take = if opts.dry_run {
        Take::Diff(Differ {
            disk: write::Comparer::default(),
            json: opts.json,
            doc: None,
            to: diff_out,
            ahead: None,
        })
    } else {
        Take::Apply(write::Applier::new(opts.force))
    };
    std::thread::scope(|scope| {
        let mut out = Out {
            loader: &loader,
            opts,
            warn,
            sink: Sink::start(scope, &loader, take, two),
            leftovers: Vec::new(),
        };
        let made = make(&inputs, &loader, opts, warn, &mut out);
        out.end(made)
    })
}

/// Every file of the plan, to `out`.
fn make(
    inputs: &input::Inputs,
    loader: &Loader,
    opts: &Options,
    warn: Warn,
    out: &mut Out<'_, '_, '_>,
) -> anyhow::Result<()> {
    if inputs.kind == InputKind::RcConf {
        let plan = super::rchost::plan(
            &opts.input,
            loader,
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
        plan::Files::head(out, &head)?;
        for a in plan.artifacts {
            plan::Files::file(out, a)?;
        }
        return Ok(());
    }
    let parsed = input::parse_jail_confs(loader, &inputs.files)?;
    warn(&parsed.warnings);
    warn(&super::beside_warnings(inputs, loader, &parsed));
    match plan::generate_each(parsed, &opts.plan, out) {
        Ok(_) => Ok(()),
        Err(plan::Stop::Plan(errs)) => Err(Diags(errs).into()),
        Err(plan::Stop::Caller(e)) => Err(e),
    }
}

/// Where generate's files go: compared with the disk, then diffed (`--dry-run`, as
/// text or JSON) or kept to be written when they change.
struct Out<'a, 's, 'w> {
    loader: &'a Loader,
    opts: &'a Options,
    warn: Warn<'a>,
    sink: Sink<'s, 'w>,
    leftovers: Vec<write::Leftover>,
}

/// What becomes of each file once made.
enum Take<'w> {
    Diff(Differ<'w>),
    Apply(write::Applier),
}

/// `--dry-run`: each file compared with the disk and, when it changes, its diff (or
/// its JSON object) written.
struct Differ<'w> {
    /// One comparer for every file: it keeps the fstab directory open (or knows it is
    /// missing), so each of thousands of files is not looked up from `/` again.
    disk: write::Comparer,
    json: bool,
    /// `--format json`: the document, once started (at the plan's head: a plan that
    /// fails writes nothing).
    doc: Option<JsonDoc>,
    to: &'w mut (dyn std::io::Write + Send),
    /// The configuration's main file, read ahead (`Msg::Coming`).
    ahead: Option<write::TextAhead>,
}

/// What the making thread tells the comparing one.
enum Msg {
    Head,
    /// Files in the plan's order, a batch at a time: one hand-over per file (a futex
    /// wake-up, often a context switch) cost more than the comparing it moved.
    Files(Vec<plan::Artifact>),
    /// `plan::Files::coming`: the configuration's main file, to read ahead.
    Coming(String),
}

/// Files per `Msg::Files`.
const BATCH: usize = 64;

/// Where `Take` runs: here, or on a second thread fed through a channel. Comparing a
/// file (reading it) and diffing it took a third of `generate --dry-run`'s time after
/// the parse (50,000 fstab files), while the other core had nothing to do.
enum Sink<'s, 'w> {
    Here(Take<'w>),
    There {
        tx: mpsc::SyncSender<Msg>,
        worker: std::thread::ScopedJoinHandle<'s, anyhow::Result<Take<'w>>>,
        /// Files not yet sent.
        batch: Vec<plan::Artifact>,
        /// Files handled and not kept, sent back to be freed here: freed on the other
        /// thread, each took glibc's lock of the arena this thread was allocating from
        /// (a third more CPU time, and slower than one thread).
        spent: mpsc::Receiver<Vec<plan::Artifact>>,
    },
}

impl<'s, 'w> Sink<'s, 'w> {
    fn start<'e>(
        scope: &'s std::thread::Scope<'s, 'e>,
        loader: &'s Loader,
        take: Take<'w>,
        two: bool,
    ) -> Sink<'s, 'w>
    where
        'w: 's,
    {
        if !two {
            return Sink::Here(take);
        }
        // Enough files in flight that neither thread waits on the other's hiccups, few
        // enough that they are never a large part of the memory.
        let (tx, rx) = mpsc::sync_channel::<Msg>(4);
        // `take` goes over once the thread exists: when none can be made it stays here.
        let (give, given) = mpsc::sync_channel::<Take<'w>>(1);
        let (back, spent) = mpsc::channel();
        let spawned = crate::halves::spawn_scoped(scope, move || {
            let mut take = given
                .recv()
                .map_err(|_| anyhow::anyhow!("generate: the comparing thread got nothing to compare"))?;
            for msg in rx {
                match msg {
                    Msg::Head => take.head()?,
                    Msg::Coming(path) => take.coming(loader, path),
                    Msg::Files(arts) => {
                        let mut done = Vec::with_capacity(arts.len());
                        for art in arts {
                            done.extend(take.file(loader, art)?);
                        }
                        // Not received only once that thread is finishing.
                        let _ = back.send(done);
                    }
                }
            }
            Ok(take)
        });
        match spawned {
            Ok(worker) => match give.send(take) {
                Ok(()) => Sink::There {
                    tx,
                    worker,
                    batch: Vec::with_capacity(BATCH),
                    spent,
                },
                Err(mpsc::SendError(take)) => Sink::Here(take),
            },
            Err(_) => Sink::Here(take),
        }
    }

    fn head(&mut self) -> anyhow::Result<()> {
        match self {
            Sink::Here(take) => take.head(),
            Sink::There { tx, .. } => send(tx, Msg::Head),
        }
    }

    fn file(&mut self, loader: &Loader, art: plan::Artifact) -> anyhow::Result<()> {
        match self {
            Sink::Here(take) => take.file(loader, art).map(drop),
            Sink::There { tx, batch, spent, .. } => {
                batch.push(art);
                if batch.len() < BATCH {
                    return Ok(());
                }
                // A batch sent back is emptied (its files freed) and filled again.
                let next = spent.try_recv().map_or_else(
                    |_| Vec::with_capacity(BATCH),
                    |mut v| {
                        v.clear();
                        v
                    },
                );
                send(tx, Msg::Files(std::mem::replace(batch, next)))
            }
        }
    }

    /// Read ahead on the other thread: here it would only hold the text longer.
    fn coming(&mut self, path: &str) -> anyhow::Result<()> {
        match self {
            Sink::Here(_) => Ok(()),
            Sink::There { tx, batch, .. } => {
                if !batch.is_empty() {
                    send(tx, Msg::Files(std::mem::take(batch)))?;
                }
                send(tx, Msg::Coming(path.to_owned()))
            }
        }
    }

    /// Every file handled: the `Take`, or the first error in handling them.
    fn finish(self) -> anyhow::Result<Take<'w>> {
        match self {
            Sink::Here(take) => Ok(take),
            Sink::There {
                tx,
                worker,
                batch,
                spent,
            } => {
                // Unsent only when the thread stopped: it has an error to report.
                if !batch.is_empty() {
                    let _ = tx.send(Msg::Files(batch));
                }
                drop(tx);
                let take = worker.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
                drop(spent);
                take
            }
        }
    }
}

/// `msg` to the comparing thread. When it has stopped (on an error, which `finish`
/// reports) this thread stops too.
fn send(tx: &mpsc::SyncSender<Msg>, msg: Msg) -> anyhow::Result<()> {
    tx.send(msg)
        .map_err(|_| anyhow::anyhow!("generate: the comparing thread stopped"))
}

impl Take<'_> {
    /// The file at `path`, read ahead for a diff. Only the main file: the included
    /// ones (for some hosts thousands, tens of megabytes together) are read when
    /// compared, so that at most one file is held ahead, the one diffed next.
    fn coming(&mut self, loader: &Loader, path: String) {
        if let Take::Diff(d) = self {
            d.ahead = d.disk.text_ahead(loader, path);
        }
    }

    fn head(&mut self) -> anyhow::Result<()> {
        if let Take::Diff(d) = self
            && d.json
        {
            d.doc = Some(JsonDoc::start(d.to, true)?);
        }
        Ok(())
    }

    /// `art` compared, and diffed or kept: returned when not kept.
    fn file(&mut self, loader: &Loader, art: plan::Artifact) -> anyhow::Result<Option<plan::Artifact>> {
        let d = match self {
            Take::Apply(apply) => return Ok(apply.take(loader, art)?),
            Take::Diff(d) => d,
        };
        let ahead = d.ahead.take_if(|t| t.path() == art.path);
        let (change, ends) = d.disk.change_ahead(loader, &art, ahead)?;
        let Some(doc) = &mut d.doc else {
            // The unified diff of each file that would change.
            match change {
                write::Change::Unchanged => {}
                write::Change::Create => write::write_diff(d.to, &art.path, "", &art.content)?,
                write::Change::Update { old } => {
                    crate::diff::write_unified_with(d.to, &art.path, &old, ends.as_ref(), &art.content)?
                }
            }
            return Ok(Some(art));
        };
        // Files already up to date are not listed (docs/generate.md).
        match change {
            write::Change::Unchanged => {}
            write::Change::Create => {
                // Nothing is there: `apply` gives the file the artifact's mode.
                let mut f = FileJson::new(&art.path, write::Action::Create, art.mode);
                f.content = Some(&art.content);
                doc.file(d.to, &f)?;
            }
            write::Change::Update { old } => {
                let diff = crate::diff::unified_with(&art.path, &old, ends.as_ref(), &art.content);
                let mode = write::mode_after(loader, &art);
                let mut f = FileJson::new(&art.path, write::Action::Update, mode);
                f.diff = Some(&diff);
                doc.file(d.to, &f)?;
            }
        }
        Ok(Some(art))
    }
}

impl plan::Files for Out<'_, '_, '_> {
    type Error = anyhow::Error;

    fn head(&mut self, head: &plan::Head<'_>) -> anyhow::Result<()> {
        (self.warn)(head.warnings);
        // Looked for before anything is written: a directory that cannot be listed
        // refuses the run as a file that cannot be read does.
        let paths = head.paths.iter().map(String::as_str);
        self.leftovers = write::leftovers_of(self.loader, paths, head.dir_refs, &self.opts.plan)?;
        self.sink.head()
    }

    fn file(&mut self, art: plan::Artifact) -> anyhow::Result<()> {
        self.sink.file(self.loader, art)
    }

    fn coming(&mut self, path: &str) -> anyhow::Result<()> {
        self.sink.coming(path)
    }
}

impl Out<'_, '_, '_> {
    /// After the last file (or the error `made` that stopped them): the leftovers'
    /// removal diffs, or the files written and the leftovers removed. An error of the
    /// comparing thread comes first: it met an earlier file than this thread did.
    fn end(self, made: anyhow::Result<()>) -> anyhow::Result<Outcome> {
        let take = self.sink.finish()?;
        made?;
        let apply = match take {
            Take::Apply(apply) => apply,
            Take::Diff(d) => {
                match d.doc {
                    Some(mut doc) => {
                        for left in &self.leftovers {
                            let diff = write::removal_diff(&left.path, &left.old);
                            let mut f = FileJson::new(&left.path, write::Action::Remove, left.mode);
                            f.diff = Some(&diff);
                            doc.file(d.to, &f)?;
                        }
                        doc.end(d.to)?;
                    }
                    None => {
                        for left in &self.leftovers {
                            d.to.write_all(write::removal_diff(&left.path, &left.old).as_bytes())?;
                        }
                    }
                }
                return Ok(Outcome::Diffed);
            }
        };
        let mut done = apply.write(self.loader)?;
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

#[cfg(test)]
#[path = "generate_tests.rs"]
mod tests;
