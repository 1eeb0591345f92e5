//! Running a plan on this machine (`create`, `grow`): the steps in order under the
//! per-container lock, then — on a failure or SIGINT/SIGTERM — the undos of what was
//! done, in reverse. What each op does, and what its undo says, is the operation's
//! ([`Ops`]); the order, the lock, the interrupts, which undo is due, which one an
//! earlier failed undo blocks, and the error's shape are the engine's, the same for
//! every operation.
//!
//! The error of a failed run (exit 1) reads, in order: `JAIL: failed: WHAT` (or
//! `interrupted ...`), the command's stderr, what the failure means (the operation's
//! notes), `rolled back: ...`, each `remains: ...` with the command that finishes it,
//! the operation's closing notes (`nothing remains`, `nothing changed`...), then the
//! run's notes and warnings so far. A run whose only failures are in finishing
//! ([`Step::late`]) steps goes to the end and says what is done and what is left.

use std::io;
use std::path::Path;

use super::{Lock, Plan, Step};
use crate::diag::{Diag, exit};
use crate::exec::{Cmd, Host, Output, Runner};

/// What a run reports besides its outcome.
#[derive(Debug, Default)]
pub struct Report {
    pub warnings: Vec<Diag>,
    /// Notes for the user (allocation method, superblock location, ...).
    pub notes: Vec<String>,
}

/// A step that failed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Failure {
    /// What failed (`newfs -U /dev/md101 (exit 1)`); the error says `failed: WHAT`.
    pub what: String,
    /// The error's message instead of `failed: WHAT`.
    pub message: Option<String>,
    /// The command's stderr (or the system error): its first 20 non-blank lines are
    /// notes.
    pub stderr: String,
    /// What the failure means, before the rollback's notes.
    pub notes: Vec<String>,
    /// The step left part of its result behind (a partial file): its undo is due.
    pub partial: bool,
    /// For a finishing step: what is left to do (a `remains:` note).
    pub todo: String,
}

/// What an op returns: a failure is boxed (it is large, and rare).
pub type StepResult = Result<(), Box<Failure>>;

impl Failure {
    pub fn new(what: impl Into<String>, stderr: impl Into<String>) -> Box<Failure> {
        Box::new(Failure {
            what: what.into(),
            stderr: stderr.into(),
            ..Failure::default()
        })
    }
    fn interrupted() -> Box<Failure> {
        Box::new(Failure {
            message: Some("interrupted (SIGINT or SIGTERM)".into()),
            ..Failure::default()
        })
    }
    fn line(&self) -> String {
        self.message
            .clone()
            .unwrap_or_else(|| format!("failed: {}", self.what))
    }
}

/// What the undos did: `rolled back: ...` and `remains: ...`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Rollback {
    pub done: Vec<String>,
    pub remains: Vec<String>,
}

impl Rollback {
    pub fn notes(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.done.is_empty() {
            out.push(format!("rolled back: {}", self.done.join(", ")));
        }
        out.extend(self.remains.iter().map(|r| format!("remains: {r}")));
        out
    }
}

/// An operation's command set, as the engine runs it.
pub trait Ops<O> {
    /// The host: the lock, and whether SIGINT or SIGTERM arrived.
    fn host(&mut self) -> &mut dyn Host;
    /// Do one step.
    fn run(&mut self, step: &Step<O>, report: &mut Report) -> StepResult;
    /// Undo: Ok(what was done, for `rolled back: ...`), or Err(what remains, with the
    /// command that finishes it).
    fn undo(&mut self, op: &O) -> Result<String, String>;
    /// What remains of `op`'s result when its undo is not tried because the result of
    /// `by` (an undo that failed) rests on it: `... (why): then run CMD`.
    fn blocked(&self, op: &O, by: &O) -> String;
    /// The closing notes after a rollback: what the failure of `failed` (None: an
    /// interrupt) leaves.
    fn after_rollback(&mut self, failed: Option<&Step<O>>, rollback: &Rollback) -> Vec<String>;
    /// The note before the failures of finishing steps: what is done even so.
    fn late_note(&self) -> String {
        String::new()
    }
}

/// Run the plan, holding its lock. `progress` hears `step N/M: NAME` before each step.
pub fn execute<O>(
    plan: &Plan<O>,
    ops: &mut dyn Ops<O>,
    progress: &mut dyn FnMut(&str),
) -> Result<Report, Diag> {
    let guard = match &plan.lock {
        Some(l) => Some(lock(plan, l, ops.host())?),
        None => None,
    };
    let result = run_steps(plan, ops, progress);
    let Some(guard) = guard else {
        return result;
    };
    let path = guard.path.display().to_string();
    match (result, ops.host().unlock(guard)) {
        (r, Ok(())) => r,
        // The run's outcome stands: a lock file left behind blocks nobody (it is the
        // flock, not the file, that excludes), and the next run takes it.
        (Ok(mut rep), Err(e)) => {
            rep.notes
                .push(format!("the lock {path} could not be removed: {e}"));
            Ok(rep)
        }
        (Err(mut d), Err(e)) => {
            d.notes.push(format!("the lock {path} could not be removed: {e}"));
            Err(d)
        }
    }
}

fn lock<O>(plan: &Plan<O>, l: &Lock, host: &mut dyn Host) -> Result<crate::exec::LockGuard, Diag> {
    host.lock(Path::new(&l.path)).map_err(|e| {
        let msg = if e.kind() == io::ErrorKind::WouldBlock {
            l.busy.clone()
        } else {
            format!("cannot lock {}: {e}", l.path)
        };
        Diag::error(None, format!("{}: {msg}", plan.subject)).with_exit(exit::CANTCREAT)
    })
}

fn run_steps<O>(
    plan: &Plan<O>,
    ops: &mut dyn Ops<O>,
    progress: &mut dyn FnMut(&str),
) -> Result<Report, Diag> {
    let mut report = Report::default();
    // The steps whose undo is due, in the order they were done.
    let mut held: Vec<usize> = Vec::new();
    let mut late: Vec<Box<Failure>> = Vec::new();
    let mut committed = plan.committed;
    let n = plan.steps.len();
    for (i, s) in plan.steps.iter().enumerate() {
        if !committed && ops.host().interrupted() {
            return Err(failed(plan, ops, None, Failure::interrupted(), &held, report));
        }
        progress(&format!("step {}/{n}: {}", i + 1, s.name));
        match ops.run(s, &mut report) {
            Ok(()) => {
                if s.undo.as_ref().is_some_and(|u| !u.partial_only) {
                    held.push(i);
                }
                if let Some(r) = s.releases
                    && let Some(at) = held.iter().rposition(|&h| plan.steps[h].name == r)
                {
                    held.remove(at);
                }
                committed |= s.commit;
            }
            Err(f) if s.late => late.push(f),
            Err(f) => {
                if f.partial && s.undo.is_some() {
                    held.push(i);
                }
                return Err(failed(plan, ops, Some(i), f, &held, report));
            }
        }
    }
    if late.is_empty() {
        return Ok(report);
    }
    Err(late_failures(plan, ops, &late, report))
}

fn head<O>(plan: &Plan<O>, f: &Failure, line: String) -> Diag {
    let mut d = Diag::error(None, format!("{}: {line}", plan.subject)).with_exit(exit::FINDINGS);
    for l in f.stderr.lines().filter(|l| !l.trim().is_empty()).take(20) {
        d = d.with_note(format!("stderr: {l}"));
    }
    d
}

fn close(d: &mut Diag, report: Report) {
    d.notes.extend(report.notes);
    d.notes.extend(report.warnings.into_iter().map(|w| w.message));
}

/// The error of a run stopped by step `at` (None: an interrupt), after its rollback.
fn failed<O>(
    plan: &Plan<O>,
    ops: &mut dyn Ops<O>,
    at: Option<usize>,
    f: Box<Failure>,
    held: &[usize],
    report: Report,
) -> Diag {
    let mut line = f.line();
    if at.is_some() && ops.host().interrupted() {
        // The command most likely died of the same Ctrl-C: say both.
        line = format!("interrupted; {line}");
    }
    let mut d = head(plan, &f, line);
    d.notes.extend(f.notes.iter().cloned());
    let rb = rollback(plan, held, ops);
    d.notes.extend(rb.notes());
    let step = at.map(|i| &plan.steps[i]);
    d.notes.extend(ops.after_rollback(step, &rb));
    close(&mut d, report);
    d
}

/// Undo the held steps, the last done first. An undo that fails keeps its result, and
/// the undos its result holds are not tried: they are reported with the command to run
/// once it is gone.
pub fn rollback<O>(plan: &Plan<O>, held: &[usize], ops: &mut dyn Ops<O>) -> Rollback {
    let mut rb = Rollback::default();
    // Steps whose result stays.
    let mut stays: Vec<usize> = Vec::new();
    for &i in held.iter().rev() {
        let step = &plan.steps[i];
        let Some(u) = &step.undo else { continue };
        let blocker = stays.iter().find_map(|&j| {
            plan.steps[j]
                .undo
                .as_ref()
                .filter(|b| b.holds.contains(&step.name))
        });
        if let Some(b) = blocker {
            rb.remains.push(ops.blocked(&u.op, &b.op));
            stays.push(i);
            continue;
        }
        match ops.undo(&u.op) {
            Ok(done) if done.is_empty() => {}
            Ok(done) => rb.done.push(done),
            Err(left) => {
                rb.remains.push(left);
                stays.push(i);
            }
        }
    }
    rb
}

fn late_failures<O>(plan: &Plan<O>, ops: &mut dyn Ops<O>, late: &[Box<Failure>], report: Report) -> Diag {
    let first = &late[0];
    let mut d = head(plan, first, first.line());
    d.notes.push(ops.late_note());
    for (i, f) in late.iter().enumerate() {
        if i > 0 {
            d.notes.push(format!("also failed: {}: {}", f.what, f.stderr));
        }
        d.notes.push(format!("remains: {}", f.todo));
    }
    close(&mut d, report);
    d
}

/// A command's outcome as a step's: Err names it with its exit status and stderr.
pub fn outcome(c: &Cmd, r: io::Result<Output>) -> StepResult {
    match r {
        Ok(o) if o.success() => Ok(()),
        Ok(o) => Err(Failure::new(
            format!(
                "{} ({})",
                c.render(),
                o.code
                    .map_or("killed by a signal".to_owned(), |c| format!("exit {c}"))
            ),
            o.stderr_text(),
        )),
        Err(e) => Err(Failure::new(
            c.render(),
            if e.kind() == io::ErrorKind::NotFound {
                "command not found on PATH".to_owned()
            } else {
                e.to_string()
            },
        )),
    }
}

/// Run a command (said to `verbose` first) as a step.
pub fn command(runner: &mut dyn Runner, c: &Cmd, verbose: &mut dyn FnMut(&str)) -> StepResult {
    verbose(&c.render());
    outcome(c, runner.exec(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Op, Undo};
    use crate::exec::{Alloc, AllocMethod, LockGuard};
    use std::path::PathBuf;

    #[derive(Debug, Clone, PartialEq, Eq)]
    enum T {
        Do(&'static str),
        Undo(&'static str),
    }

    impl Op for T {
        fn show(&self) -> String {
            format!("{self:?}\n")
        }
    }

    /// Ops that log every call, fail the steps and undos named in `fail`, and can be
    /// interrupted after a given step.
    #[derive(Default)]
    struct Fake {
        log: Vec<String>,
        fail: Vec<&'static str>,
        interrupt_after: Option<&'static str>,
        interrupted: bool,
        lock_busy: bool,
        unlock_fails: bool,
    }

    impl Host for Fake {
        fn exists(&self, _: &Path) -> bool {
            false
        }
        fn is_dir(&self, _: &Path) -> bool {
            true
        }
        fn free_bytes(&self, _: &Path) -> io::Result<u64> {
            Ok(0)
        }
        fn lock(&mut self, p: &Path) -> io::Result<LockGuard> {
            if self.lock_busy {
                return Err(io::Error::new(io::ErrorKind::WouldBlock, "busy"));
            }
            self.log.push("lock".into());
            Ok(LockGuard::fake(p))
        }
        fn unlock(&mut self, _: LockGuard) -> io::Result<()> {
            self.log.push("unlock".into());
            if self.unlock_fails {
                return Err(io::Error::other("EROFS"));
            }
            Ok(())
        }
        fn allocate(&mut self, _: &Path, _: u64, _: Alloc) -> io::Result<AllocMethod> {
            Err(io::Error::other("no"))
        }
        fn make_temp_dir(&mut self, _: &Path) -> io::Result<PathBuf> {
            Err(io::Error::other("no"))
        }
        fn remove_file(&mut self, _: &Path) -> io::Result<()> {
            Ok(())
        }
        fn remove_dir(&mut self, _: &Path) -> io::Result<()> {
            Ok(())
        }
        fn file_size(&self, _: &Path) -> io::Result<u64> {
            Ok(0)
        }
        fn read_head(&self, _: &Path, _: usize) -> io::Result<Vec<u8>> {
            Ok(Vec::new())
        }
        fn interrupted(&self) -> bool {
            self.interrupted
        }
    }

    impl Ops<T> for Fake {
        fn host(&mut self) -> &mut dyn Host {
            self
        }
        fn run(&mut self, step: &Step<T>, report: &mut Report) -> StepResult {
            let T::Do(what) = step.op else {
                return Ok(());
            };
            self.log.push(what.into());
            if self.interrupt_after == Some(what) {
                self.interrupted = true;
            }
            if self.fail.contains(&what) {
                let mut f = Failure::new(what, format!("boom: {what}\n\n"));
                f.partial = what == "alloc" || what == "grow";
                f.todo = format!("finish {what}");
                return Err(f);
            }
            report.notes.push(format!("did {what}"));
            Ok(())
        }
        fn undo(&mut self, op: &T) -> Result<String, String> {
            let T::Undo(what) = op else {
                return Ok(String::new());
            };
            self.log.push(format!("undo {what}"));
            if self.fail.contains(what) {
                return Err(format!("{what} stays"));
            }
            Ok(format!("undid {what}"))
        }
        fn blocked(&self, op: &T, by: &T) -> String {
            format!("{op:?} (under {by:?})")
        }
        fn after_rollback(&mut self, failed: Option<&Step<T>>, rb: &Rollback) -> Vec<String> {
            vec![format!(
                "closing after {}, {} remain",
                failed.map_or("an interrupt", |s| s.name),
                rb.remains.len()
            )]
        }
        fn late_note(&self) -> String {
            "done even so".into()
        }
    }

    fn plan() -> Plan<T> {
        let mut p = Plan::new("www");
        p.lock = Some(Lock {
            path: "/j/www.ufs.lock".into(),
            busy: "busy: someone else".into(),
        });
        let step = |n, u: Option<Undo<T>>| {
            let s = Step::new(n, T::Do(n));
            match u {
                Some(u) => s.undo(u),
                None => s,
            }
        };
        p.push(step("alloc", Some(Undo::new(T::Undo("rm")))));
        p.push(step(
            "attach",
            Some(Undo::new(T::Undo("detach")).holding(&["alloc"])),
        ));
        p.push(step(
            "mount",
            Some(Undo::new(T::Undo("umount")).holding(&["attach"])),
        ));
        p.push(step("copy", None));
        p.push(step("umount", None).releases("mount"));
        p.push(step("grow", Some(Undo::new(T::Undo("shrink")).partial_only())).commit());
        p.push(step("fsck", None).late());
        p.push(step("detach", None).releases("attach").late());
        p
    }

    fn go(f: &mut Fake) -> Result<Report, Diag> {
        execute(&plan(), f, &mut |_| {})
    }

    #[test]
    fn steps_run_in_order_under_the_lock_with_progress() {
        let mut f = Fake::default();
        let mut seen = Vec::new();
        let rep = execute(&plan(), &mut f, &mut |s| seen.push(s.to_owned())).unwrap();
        assert_eq!(
            f.log,
            [
                "lock", "alloc", "attach", "mount", "copy", "umount", "grow", "fsck", "detach", "unlock"
            ]
        );
        assert_eq!(seen[0], "step 1/8: alloc");
        assert_eq!(seen.len(), 8);
        assert_eq!(rep.notes.len(), 8);
    }

    #[test]
    fn a_failure_undoes_in_reverse_what_is_due() {
        let mut f = Fake {
            fail: vec!["copy"],
            ..Fake::default()
        };
        let d = go(&mut f).unwrap_err();
        assert_eq!(d.exit, exit::FINDINGS);
        assert_eq!(d.message, "www: failed: copy");
        assert_eq!(f.log[5..], ["undo umount", "undo detach", "undo rm", "unlock"]);
        assert_eq!(
            d.notes,
            [
                "stderr: boom: copy",
                "rolled back: undid umount, undid detach, undid rm",
                "closing after copy, 0 remain",
                "did alloc",
                "did attach",
                "did mount",
            ]
        );
    }

    #[test]
    fn a_failed_undo_blocks_what_it_holds_and_says_what_remains() {
        let mut f = Fake {
            fail: vec!["copy", "umount"],
            ..Fake::default()
        };
        let d = go(&mut f).unwrap_err();
        // Nothing below the mount is tried.
        assert_eq!(f.log[5..], ["undo umount", "unlock"]);
        assert_eq!(
            d.notes[1..4],
            [
                "remains: umount stays",
                "remains: Undo(\"detach\") (under Undo(\"umount\"))",
                "remains: Undo(\"rm\") (under Undo(\"detach\"))",
            ]
        );
        assert_eq!(d.notes[4], "closing after copy, 3 remain");
    }

    #[test]
    fn a_released_undo_is_not_run_again_and_partial_results_are_undone() {
        let mut f = Fake {
            fail: vec!["grow"],
            ..Fake::default()
        };
        go(&mut f).unwrap_err();
        // umount released the mount; what the failed growth left is undone.
        assert_eq!(
            f.log[6..],
            ["grow", "undo shrink", "undo detach", "undo rm", "unlock"]
        );
        let mut f = Fake {
            fail: vec!["alloc"],
            ..Fake::default()
        };
        go(&mut f).unwrap_err();
        assert_eq!(f.log, ["lock", "alloc", "undo rm", "unlock"]);
    }

    #[test]
    fn a_done_partial_only_undo_is_never_run() {
        let mut p = plan();
        p.steps.truncate(6);
        p.push(Step::new("check", T::Do("check")));
        let mut f = Fake {
            fail: vec!["check"],
            ..Fake::default()
        };
        execute(&p, &mut f, &mut |_| {}).unwrap_err();
        assert!(!f.log.contains(&"undo shrink".to_string()), "{:?}", f.log);
    }

    #[test]
    fn finishing_failures_go_on_and_say_what_is_left() {
        let mut f = Fake {
            fail: vec!["fsck", "detach"],
            ..Fake::default()
        };
        let d = go(&mut f).unwrap_err();
        assert_eq!(f.log.last().map(String::as_str), Some("unlock"));
        assert!(!f.log.iter().any(|l| l.starts_with("undo")), "{:?}", f.log);
        assert_eq!(d.message, "www: failed: fsck");
        assert_eq!(
            d.notes[..5],
            [
                "stderr: boom: fsck",
                "done even so",
                "remains: finish fsck",
                "also failed: detach: boom: detach\n\n",
                "remains: finish detach",
            ]
        );
    }

    #[test]
    fn an_interrupt_stops_before_the_next_step_until_the_commit() {
        let mut f = Fake {
            interrupt_after: Some("attach"),
            ..Fake::default()
        };
        let d = go(&mut f).unwrap_err();
        assert_eq!(d.message, "www: interrupted (SIGINT or SIGTERM)");
        assert_eq!(f.log[3..], ["undo detach", "undo rm", "unlock"]);
        assert!(
            d.notes
                .contains(&"closing after an interrupt, 0 remain".to_string())
        );
        // A command that fails while the signal is there: both are said.
        let mut f = Fake {
            interrupt_after: Some("copy"),
            fail: vec!["copy"],
            ..Fake::default()
        };
        let d = go(&mut f).unwrap_err();
        assert_eq!(d.message, "www: interrupted; failed: copy");
        // After the commit step the run goes on to the end.
        let mut f = Fake {
            interrupt_after: Some("grow"),
            ..Fake::default()
        };
        go(&mut f).unwrap();
        assert_eq!(f.log.len(), 10);
    }

    #[test]
    fn the_lock() {
        let mut f = Fake {
            lock_busy: true,
            ..Fake::default()
        };
        let d = go(&mut f).unwrap_err();
        assert_eq!(d.message, "www: busy: someone else");
        assert_eq!(d.exit, exit::CANTCREAT);
        assert!(f.log.is_empty());
        let mut f = Fake {
            unlock_fails: true,
            ..Fake::default()
        };
        let rep = go(&mut f).unwrap();
        assert_eq!(
            rep.notes.last().map(String::as_str),
            Some("the lock /j/www.ufs.lock could not be removed: EROFS")
        );
    }
}
