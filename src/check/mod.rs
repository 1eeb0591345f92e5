//! `check`: the verify mode a config repository runs in CI. Recomputes everything
//! `generate` would write and diffs it against the tree (drift), and lints the
//! configuration for what jail(8), mount(8) or the md lifecycle would trip over. Each
//! finding has a stable code; docs/checks.md explains every one with its FreeBSD source.

mod address;
mod config;
mod container;
mod fstab;
mod keyfile;
mod leftover;
mod mounts;
mod params;
mod rcconf;
mod variables;

use std::hash::{BuildHasher, BuildHasherDefault};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, mpsc};

use serde::Serialize;

use crate::diag::{Diag, Severity};
use crate::lint::{self, Lint};
use crate::model::{Fnv, FnvMap};
use crate::parse::jailconf::Parsed;
use crate::parse::loader::Loader;
use crate::plan::{self, Artifact, Options, Plan, Prepared};
use crate::volume::{self, Collected};
use crate::write::{self, Change};

pub use rcconf::{lint as lint_rc_conf, lint_containers as lint_rc_containers};

/// One file whose content differs from what `generate` would write.
#[derive(Debug, Clone, Serialize)]
pub struct Drift {
    pub file: String,
    /// The file does not exist at all.
    pub missing: bool,
    pub diff: String,
}

#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Diag>,
    pub drift: Vec<Drift>,
    /// To report each (code, message, offset) once: the hash of each, with the index in
    /// `findings` of the first finding that has it (then `collided` for a second
    /// finding with the same hash), rather than a copy of every message.
    seen: FnvMap<u64, usize>,
    collided: Vec<(u64, usize)>,
}

impl Report {
    /// Whether the report fails at `fail_on`: any drift, or a finding that severe.
    pub fn fails(&self, fail_on: Severity) -> bool {
        !self.drift.is_empty() || self.findings.iter().any(|f| f.severity >= fail_on)
    }

    /// Findings made outside `run` (the jails of an rc.conf beside the jail.conf:
    /// ops::beside_findings).
    pub fn extend(&mut self, findings: Vec<Diag>) {
        for d in findings {
            self.push(d);
        }
    }

    fn push(&mut self, d: Diag) {
        let offset = d.loc.as_ref().map(|l| l.offset);
        let hash = BuildHasherDefault::<Fnv>::default().hash_one((d.code, d.message.as_str(), offset));
        let same = |i: usize| {
            self.findings.get(i).is_some_and(|f| {
                f.code == d.code && f.message == d.message && f.loc.as_ref().map(|l| l.offset) == offset
            })
        };
        let next = self.findings.len();
        match self.seen.get(&hash) {
            None => {
                self.seen.insert(hash, next);
            }
            Some(&first) => {
                if same(first) || self.collided.iter().any(|&(h, i)| h == hash && same(i)) {
                    return;
                }
                self.collided.push((hash, next));
            }
        }
        self.findings.push(d);
    }
}

/// A whole-file error (syntax, include) as finding JV001.
pub fn parse_failure(d: Diag) -> Report {
    let mut r = Report::default();
    r.push(Lint::ConfigRejected.attach(d));
    r
}

/// What `run` looks at beyond the configuration and the files generate writes.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// The FreeBSD release the hosts run, for the release-specific lints.
    pub release: Option<(u32, u32)>,
    /// Read the containers (JV016-JV020). A configuration repository checked in CI has
    /// none: they are on the hosts.
    pub containers: bool,
}

/// Check a parsed configuration against the tree under `loader`'s root.
pub fn run(loader: &Loader, parsed: &Parsed, opts: &Options, settings: Settings) -> Report {
    let release = settings.release;
    let mut r = Report::default();
    for w in &parsed.warnings {
        let l = lint::of_reader_warning(w);
        if l.applies_to(release) {
            r.push(l.attach(w.clone()));
        }
    }
    // Lints are about what the admin wrote: the configuration without jailvol's own
    // statements (those are compared byte for byte with what generate writes: drift).
    // Shared with the worker below, as are the volumes. The configuration and the
    // plan are freed once the comparison is done, off the critical path
    // (`retire`): freeing the merged jails when the plan was ready held this thread
    // 10 ms at 50,000 jails while the other compared.
    let prep = Arc::new(plan::prepare(parsed));
    // A second thread collects the volumes, generates, then compares the generated
    // files with the disk (mostly waiting on open and read), while this one runs the
    // lints, reads the fstab files ahead until the plan is there, then joins the
    // comparison. Findings are pushed in the order a single thread would push them.
    let generated = OnceLock::new();
    let next = AtomicUsize::new(0);
    let (vols_tx, vols_rx) = mpsc::sync_channel(1);
    let (ready_tx, ready_rx) = mpsc::sync_channel(1);
    let job = Mutex::new(Some(Job {
        prep: Arc::clone(&prep),
        vols: vols_tx,
        ready: ready_tx,
    }));
    let work = || match job.lock().ok().and_then(|mut j| j.take()) {
        Some(j) => j.run(loader, parsed, opts, &generated, &next),
        None => Worked::default(),
    };
    let (compared, left) = std::thread::scope(|s| {
        // When no thread can be made, the same work runs here first; the channels
        // hold what it sends until the lints ask.
        let worker = crate::halves::spawn_scoped(s, work).ok();
        let Worked {
            mut compared,
            mut left,
        } = if worker.is_none() {
            work()
        } else {
            Worked::default()
        };
        let cfg = &prep.cfg;
        lint_config(loader, parsed, cfg, opts, release, &mut r);
        let collected = vols_rx.recv().ok();
        if let Some(collected) = &collected {
            if let Ok(c) = &**collected {
                mounts::lint(parsed, c, cfg, &mut r);
            }
            match &**collected {
                Ok(c) if settings.containers => container::lint(loader, parsed, c, cfg, &mut r),
                Ok(_) => {}
                Err(errs) => errs.iter().for_each(|e| r.push(e.clone())),
            }
        }
        // While the other thread still generates, read the files it will compare first.
        let mut disk = write::Comparer::default();
        let (ahead, fstabs) = match collected.as_deref() {
            Some(Ok(c)) => (
                read_ahead(loader, opts, &c.vols, &generated, &next, &mut disk),
                c.vols.len(),
            ),
            _ => (Vec::new(), 0),
        };
        drop(collected);
        if ready_rx.recv().is_ok()
            && let Some(Ok(p)) = generated.get()
        {
            compared.extend(judge_ahead(loader, &p.artifacts, ahead, &mut disk));
            let (fstabs, rest) = p.artifacts.split_at(fstabs.min(p.artifacts.len()));
            // The helper and the configuration files (the largest, megabytes for
            // thousands of jails) now, not as the last chunk of the shared count,
            // which one thread would finish alone.
            for (i, a) in rest.iter().enumerate() {
                if as_read(parsed, a) {
                    continue;
                }
                if let Some(found) = drifted(a, disk.change(loader, a)) {
                    compared.push((fstabs.len() + i, found));
                }
            }
            compared.extend(compare(loader, fstabs, &next, &mut disk));
        }
        if let Some(w) = worker {
            let w = w.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
            compared.extend(w.compared);
            left = left.or(w.left);
        }
        (compared, left)
    });
    crate::retire::retire(prep);
    if let Some(plan) = generated.into_inner() {
        report_generated(plan.map(crate::retire::retire), compared, &mut r);
        if let Some(left) = left {
            leftover::lint(left, &mut r);
        }
    }
    r
}

/// Check a plan made elsewhere (an rc.conf host: ops::rchost): `findings` first, then
/// the files generate would write compared with the disk, or why it refused, as `run`
/// reports them for a jail.conf host.
pub fn run_planned(loader: &Loader, findings: Vec<Diag>, plan: Result<Plan, Vec<Diag>>) -> Report {
    let mut r = Report::default();
    findings.into_iter().for_each(|f| r.push(f));
    let compared = match &plan {
        Ok(p) => compare(
            loader,
            &p.artifacts,
            &AtomicUsize::new(0),
            &mut write::Comparer::default(),
        ),
        Err(_) => Vec::new(),
    };
    report_generated(plan.map(crate::retire::retire), compared, &mut r);
    r
}

/// The lints on the configuration itself (jailvol's statements left out): jails jail(8)
/// would fail, the merge's warnings, then `config` and `fstab`.
fn lint_config(
    loader: &Loader,
    parsed: &Parsed,
    cfg: &crate::model::Config,
    opts: &Options,
    release: Option<(u32, u32)>,
    r: &mut Report,
) {
    // Without `depend` statements or parent jails, no jail can fail for a dependency.
    if crate::depend::matters_loaded(parsed, cfg) {
        for e in crate::depend::analyze(parsed, cfg).0 {
            r.push(Lint::JailFails.attach(e));
        }
    }
    for e in &cfg.errors {
        r.push(Lint::JailFails.attach(e.clone()));
    }
    for d in cfg
        .warnings
        .iter()
        .filter(|w| lint::of_merge_warning(w) == Some(Lint::ListVariableAsValue))
    {
        r.push(Lint::ListVariableAsValue.attach(d.clone()));
    }
    config::lint(parsed, cfg, r);
    // JV031 and JV032 read every statement as written: one walk for both (a large
    // file's statements are hundreds of megabytes to read), their findings reported as
    // two walks would, JV031's first.
    let (mut vars, mut unknown) = (Vec::new(), Vec::new());
    let mut params = params::Unknown::new(parsed, cfg, release);
    for rec in &parsed.jails {
        params.record();
        for p in parsed.params(rec) {
            if p.is_var {
                vars.extend(variables::statement(parsed, rec, p));
            } else {
                unknown.extend(params.statement(rec, p));
            }
        }
    }
    vars.into_iter().chain(unknown).for_each(|d| r.push(d));
    fstab::lint(loader, parsed, cfg, opts, r);
}

/// What generating found: the drifted files and unreadable ones (JV027) in the plan's
/// order, or why generate refused (volume settings, JV022, unless the error has a code
/// of its own). Nothing when the worker panicked (this thread did too, joining it).
/// The plan itself is no longer needed: callers hand it to `retire`.
fn report_generated(plan: Result<(), Vec<Diag>>, mut compared: Compared, r: &mut Report) {
    match plan {
        Ok(()) => {
            compared.sort_unstable_by_key(|c| c.0);
            for (_, c) in compared {
                match c {
                    Ok(d) => r.drift.push(d),
                    Err(e) => r.push(Lint::UnreadableOutput.attach(e)),
                }
            }
        }
        Err(errs) => {
            for e in errs {
                let e = if e.code.is_none() {
                    Lint::BadVolumeSettings.attach(e)
                } else {
                    e
                };
                r.push(e);
            }
        }
    }
}

/// Drifted files and comparison errors, by index in the plan's artifacts.
type Compared = Vec<(usize, Result<Drift, Diag>)>;

/// What the second thread of `run` found: drifted files, and the leftovers of the plan
/// (None when it refused).
#[derive(Default)]
struct Worked {
    compared: Compared,
    left: Option<Result<Vec<write::Leftover>, Diag>>,
}

/// What the second thread of `run` does.
struct Job {
    prep: Arc<Prepared>,
    /// The volumes, for the container lint.
    vols: mpsc::SyncSender<Arc<Result<Collected, Vec<Diag>>>>,
    /// Sent once the plan is in `generated`.
    ready: mpsc::SyncSender<()>,
}

impl Job {
    fn run(
        self,
        loader: &Loader,
        parsed: &Parsed,
        opts: &Options,
        generated: &OnceLock<Result<Plan, Vec<Diag>>>,
        next: &AtomicUsize,
    ) -> Worked {
        // Every file this thread reads it opens itself (the leftovers' directory, the
        // files it compares), and it hands none to the other.
        crate::halves::own_files();
        let collected = Arc::new(volume::collect_indexed(&self.prep.cfg, Some(parsed)));
        let fstabs = collected.as_ref().as_ref().map_or(0, |c| c.vols.len());
        let _ = self.vols.send(Arc::clone(&collected));
        let plan = generated.get_or_init(|| plan::generate_collected(parsed, &self.prep, &collected, opts));
        // The volumes are freed here or by the other thread, whichever lets go last;
        // the configuration at the end of `run`.
        drop((self.prep, collected));
        let _ = self.ready.send(());
        let Ok(p) = plan else {
            return Worked::default();
        };
        // The directory listing for the leftovers here, while the other thread starts
        // comparing: done after both had compared, it was the last 30 ms of checking
        // 50,000 jails, on one core. Nothing is written meanwhile.
        let left = Some(write::leftovers(loader, p, opts));
        Worked {
            compared: compare(
                loader,
                &p.artifacts[..fstabs.min(p.artifacts.len())],
                next,
                &mut write::Comparer::default(),
            ),
            left,
        }
    }
}

/// How many artifacts a thread takes at a time: few enough to share the end of the
/// work, enough that the threads rarely touch the counter.
const CHUNK: usize = 32;

/// Compare artifacts with the disk until none is left, taking them `CHUNK` at a time
/// from `next`: each thread comparing gets what the others have not taken. Returns
/// the drifted files and the errors, by index in `artifacts`.
fn compare(
    loader: &Loader,
    artifacts: &[Artifact],
    next: &AtomicUsize,
    disk: &mut write::Comparer,
) -> Compared {
    let mut out = Vec::new();
    loop {
        let start = next.fetch_add(CHUNK, Ordering::Relaxed);
        let Some(chunk) = artifacts.get(start..) else {
            return out;
        };
        if chunk.is_empty() {
            return out;
        }
        for (i, a) in chunk.iter().take(CHUNK).enumerate() {
            if let Some(found) = drifted(a, disk.change(loader, a)) {
                out.push((start + i, found));
            }
        }
    }
}

/// Until the plan is generated, read the fstab files of `vols` (the first artifacts
/// of the plan, in this order), taking them from `next` as `compare` does. Returns
/// what was read, by index in the artifacts; None for an index past the fstab files.
fn read_ahead(
    loader: &Loader,
    opts: &Options,
    vols: &[volume::Volume],
    generated: &OnceLock<Result<Plan, Vec<Diag>>>,
    next: &AtomicUsize,
    disk: &mut write::Comparer,
) -> Vec<(usize, Option<write::ReadAhead>)> {
    let mut out = Vec::new();
    while generated.get().is_none() {
        let start = next.fetch_add(CHUNK, Ordering::Relaxed);
        for i in start..start + CHUNK {
            let read = vols
                .get(i)
                .map(|v| disk.read_ahead(loader, plan::fstab_file(opts, &v.jail)));
            out.push((i, read));
        }
        if start + CHUNK >= vols.len() {
            break;
        }
    }
    out
}

/// `compare`, for the files `read_ahead` read before `artifacts` existed.
fn judge_ahead(
    loader: &Loader,
    artifacts: &[Artifact],
    ahead: Vec<(usize, Option<write::ReadAhead>)>,
    disk: &mut write::Comparer,
) -> Compared {
    ahead
        .into_iter()
        // None: an index past the fstab files, read ahead of nothing; the files there
        // are compared once the plan is known.
        .filter_map(|(i, read)| {
            let read = read?;
            let a = artifacts.get(i)?;
            Some((i, drifted(a, disk.change_after(loader, a, Some(read)))?))
        })
        .collect()
}

/// Whether `a` is a configuration file generate leaves as it was read moments ago (the
/// usual case, megabytes for thousands of jails): the comparison is with that reading,
/// not another. (Text that is not UTF-8 was read with U+FFFD, and `Comparer` takes
/// such a file as unchanged too.)
fn as_read(parsed: &Parsed, a: &Artifact) -> bool {
    !a.owned
        && parsed
            .sources
            .iter()
            .any(|s| s.name == a.path && a.content.is(&s.text))
}

/// What a comparison found, None for a file that is as generate would write it.
fn drifted(a: &Artifact, change: Result<Change, Diag>) -> Option<Result<Drift, Diag>> {
    match change {
        Ok(Change::Unchanged) => None,
        Ok(Change::Create) => Some(Ok(Drift {
            file: a.path.clone(),
            missing: true,
            diff: write::diff(&a.path, "", &a.content),
        })),
        Ok(Change::Update { old }) => Some(Ok(Drift {
            file: a.path.clone(),
            missing: false,
            diff: write::diff(&a.path, &old, &a.content),
        })),
        Err(e) => Some(Err(e)),
    }
}

// ---------------------------------------------------------------------------------------
// Output

#[derive(Serialize)]
struct JsonFinding<'a> {
    code: &'a str,
    severity: Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    jail: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    findings: Vec<JsonFinding<'a>>,
    drift: &'a [Drift],
}

pub fn to_json(r: &Report) -> String {
    let doc = JsonReport {
        findings: r
            .findings
            .iter()
            .map(|f| JsonFinding {
                code: lint::code_of(f),
                severity: f.severity,
                jail: f.jail.as_deref(),
                file: f.loc.as_ref().map(|l| l.file()),
                line: f.loc.as_ref().map(|l| l.line()),
                message: &f.message,
            })
            .collect(),
        drift: &r.drift,
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// Compiler-style text: each finding with its line, then each drifted file's diff, then
/// a summary line.
pub fn to_text(r: &Report) -> String {
    let mut out = String::new();
    for f in &r.findings {
        out.push_str(&f.render());
    }
    for d in &r.drift {
        if d.missing {
            out.push_str(&format!("drift: {} is missing: run `jailvol generate`\n", d.file));
        } else {
            out.push_str(&format!(
                "drift: {} differs from what `jailvol generate` would write:\n",
                d.file
            ));
            out.push_str(&d.diff);
        }
    }
    let errors = r
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = r
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .count();
    out.push_str(&format!(
        "jailvol check: {errors} error(s), {warnings} warning(s), {} file(s) drifted\n",
        r.drift.len()
    ));
    out
}

/// GitHub Actions workflow commands (`::error file=...,line=...::message`).
pub fn to_github(r: &Report) -> String {
    fn esc(s: &str) -> String {
        s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
    }
    fn prop(s: &str) -> String {
        esc(s).replace(':', "%3A").replace(',', "%2C")
    }
    let mut out = String::new();
    for f in &r.findings {
        let level = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut props = Vec::new();
        if let Some(l) = &f.loc {
            props.push(format!("file={}", prop(l.file().trim_start_matches('/'))));
            props.push(format!("line={}", l.line()));
        }
        props.push(format!("title={}", prop(lint::code_of(f))));
        out.push_str(&format!("::{level} {}::{}\n", props.join(","), esc(&f.message)));
    }
    for d in &r.drift {
        out.push_str(&format!(
            "::error file={},title=drift::{}\n",
            prop(d.file.trim_start_matches('/')),
            esc(&format!(
                "differs from what `jailvol generate` would write\n{}",
                d.diff
            ))
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::{Loc, Source};

    #[test]
    fn each_finding_is_reported_once() {
        let src = Source::new("t.conf", "a;\nb;\n");
        let d = |msg: &str, at: usize| Lint::SharedAddress.diag(Some(Loc::new(&src, at)), msg);
        let mut r = Report::default();
        r.push(d("one", 0));
        r.push(d("one", 0));
        r.push(d("one", 3));
        r.push(Lint::SharedHostname.attach(d("one", 3)));
        r.push(Lint::SharedAddress.diag(None, "one"));
        r.push(Lint::SharedAddress.diag(None, "one"));
        assert_eq!(r.findings.len(), 4);
        // Two different findings whose hashes collide are both kept, each once.
        let two = d("two", 0);
        let hash =
            BuildHasherDefault::<Fnv>::default().hash_one((two.code, two.message.as_str(), Some(0usize)));
        r.seen.insert(hash, 0);
        r.push(two.clone());
        r.push(two);
        assert_eq!(r.findings.len(), 5);
        assert_eq!(r.findings[4].message, "two");
    }

    /// JV031 and JV032 come from one walk over the statements, reported as two walks
    /// gave them: every JV031 in file order, then every JV032, each with its jail (none
    /// for a wildcard block or the top level), and nothing for a wildcard block no jail
    /// matches.
    #[test]
    fn unknown_variables_then_unknown_parameters() {
        use crate::parse::jailconf::parse_source;
        let text = "bogus.top = 1;\n$volume_sise = 1G;\n\"none.*\" { bogus.none = 1; $volume_none = 1; }\n\
                    * { $volume_fil = x; bogus.all = 1; }\n\
                    a { bogus.a = 1; $volume_szie = 1; path = /j/a; bogus.a2 = 2; }\n\
                    b { $volume_unit = 1; bogus.b = 1; }\n";
        let parsed = parse_source(&Loader::sealed(), Source::new("t.conf", text), false).unwrap();
        let cfg = crate::model::load(&parsed);
        let mut r = Report::default();
        lint_config(
            &Loader::sealed(),
            &parsed,
            &cfg,
            &Options::default(),
            None,
            &mut r,
        );
        let got: Vec<String> = r
            .findings
            .iter()
            .filter(|f| matches!(f.code, Some("JV031" | "JV032")))
            .map(|f| {
                let what = f.message.split_whitespace().next().unwrap_or_default();
                format!(
                    "{} {} {}",
                    f.code.unwrap_or_default(),
                    f.jail.as_deref().unwrap_or("-"),
                    what
                )
            })
            .collect();
        let want = [
            "JV031 - $volume_sise",
            "JV031 - $volume_none",
            "JV031 - $volume_fil",
            "JV031 a $volume_szie",
            "JV031 b $volume_unit",
            "JV032 - bogus.top",
            "JV032 - bogus.all",
            "JV032 a bogus.a",
            "JV032 a bogus.a2",
            "JV032 b bogus.b",
        ];
        assert_eq!(got, want);
    }

    /// Files read ahead, before generate is done, are judged as if read afterwards:
    /// unchanged, changed (at the same length too), longer, shorter, missing, and an index
    /// past the fstab files.
    #[test]
    fn read_ahead_finds_what_compare_finds() {
        let d = tempfile::tempdir().unwrap();
        let loader = Loader::new(Some(d.path().to_path_buf()));
        let mut text = String::from("path = \"/j/$name\";\n$volume_size = 1G;\n");
        for i in 0..(3 * CHUNK + 5) {
            text.push_str(&format!("j{i} {{ $volume_md_unit = {i}; }}\n"));
        }
        std::fs::create_dir_all(d.path().join("etc")).unwrap();
        std::fs::write(d.path().join("etc/jail.conf"), &text).unwrap();
        let parsed = crate::parse::jailconf::parse_file(&loader, "/etc/jail.conf").unwrap();
        let opts = Options::default();
        let plan = plan::generate(&parsed, &opts).unwrap();
        write::apply(&loader, &plan.artifacts, false).unwrap();
        let fstab = |i: usize| d.path().join(format!("etc/jailvol/j{i}.fstab"));
        std::fs::write(fstab(1), "changed\n").unwrap();
        let mut same_length = std::fs::read(fstab(3)).unwrap();
        same_length[0] = b'!';
        std::fs::write(fstab(3), same_length).unwrap();
        std::fs::remove_file(fstab(CHUNK)).unwrap();
        let mut longer = std::fs::read(fstab(CHUNK + 1)).unwrap();
        longer.push(b'\n');
        std::fs::write(fstab(CHUNK + 1), longer).unwrap();
        let shorter = std::fs::read(fstab(2 * CHUNK)).unwrap();
        std::fs::write(fstab(2 * CHUNK), &shorter[..shorter.len() - 1]).unwrap();

        let prep = plan::prepare(&parsed);
        let collected = volume::collect_indexed(&prep.cfg, Some(&parsed)).unwrap();
        let generated = OnceLock::new();
        let next = AtomicUsize::new(0);
        let mut disk = write::Comparer::default();
        let ahead = read_ahead(&loader, &opts, &collected.vols, &generated, &next, &mut disk);
        assert!(ahead.len() > collected.vols.len() && ahead.iter().any(|(_, r)| r.is_none()));
        let p = generated.get_or_init(|| plan::generate(&parsed, &opts));
        let p = p.as_ref().unwrap();
        let mut found = judge_ahead(&loader, &p.artifacts, ahead, &mut disk);
        found.extend(compare(&loader, &p.artifacts, &next, &mut disk));
        let plain = compare(
            &loader,
            &p.artifacts,
            &AtomicUsize::new(0),
            &mut write::Comparer::default(),
        );
        let show = |c: &Compared| format!("{c:?}");
        assert_eq!(show(&found), show(&plain));
        let drifted: Vec<usize> = found.iter().map(|c| c.0).collect();
        assert_eq!(drifted, [1, 3, CHUNK, CHUNK + 1, 2 * CHUNK]);
    }

    /// A configuration file generate leaves as read is compared with that reading (a
    /// change made on disk after it is not seen), one generate changes with the disk.
    #[test]
    fn a_configuration_left_as_read_is_not_read_again() {
        let d = tempfile::tempdir().unwrap();
        let loader = Loader::new(Some(d.path().to_path_buf()));
        std::fs::create_dir_all(d.path().join("etc")).unwrap();
        let conf = d.path().join("etc/jail.conf");
        let run = |bytes: &[u8], later: Option<&[u8]>| {
            std::fs::write(&conf, bytes).unwrap();
            let parsed = crate::parse::jailconf::parse_file(&loader, "/etc/jail.conf").unwrap();
            let plan = plan::generate(&parsed, &Options::default()).unwrap();
            write::apply(&loader, &plan.artifacts[..plan.artifacts.len() - 1], true).unwrap();
            if let Some(later) = later {
                std::fs::write(&conf, later).unwrap();
            }
            let a = plan
                .artifacts
                .iter()
                .find(|a| a.path == "/etc/jail.conf")
                .unwrap();
            let settings = Settings {
                release: None,
                containers: false,
            };
            let drift: Vec<String> = run(&loader, &parsed, &Options::default(), settings)
                .drift
                .into_iter()
                .map(|d| d.file)
                .collect();
            (as_read(&parsed, a), drift)
        };
        // Without a container: generate leaves the file as it is.
        let plain = "# caf\u{e9}\nj { path = /j; }\n";
        assert_eq!(run(plain.as_bytes(), None), (true, vec![]));
        assert_eq!(run(plain.as_bytes(), Some(b"changed later\n")), (true, vec![]));
        assert_eq!(run(b"# caf\xe9\nj { path = /j; }\n", None), (true, vec![]));
        // With one, generate adds its statements: compared with the disk.
        let managed = "j { path = /j; $volume_size = 1G; }\n";
        assert_eq!(
            run(managed.as_bytes(), None),
            (false, vec!["/etc/jail.conf".to_string()])
        );
        // Without containers, and generate strips a statement it wrote: one drift, not
        // also one for the index read ahead of the fstab files (there are none).
        let stripped = "j {\n\tpath = /j;\n\tmount.fstab = \"/etc/jailvol/j.fstab\"; # jailvol\n}\n";
        assert_eq!(
            run(stripped.as_bytes(), None),
            (false, vec!["/etc/jail.conf".to_string()])
        );
    }
}
