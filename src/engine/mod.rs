//! The one step engine behind `create`, `grow` and `migrate`.
//!
//! Modelled on FreeBSD's jail(8): there the start of a jail is data, the list
//! `startcommands[]` (usr.sbin/jail/jail.c), which one loop walks (`next_command` in
//! usr.sbin/jail/command.c); when a step fails, the same loop walks the list backwards
//! (`j->comparam += create_failed ? -1 : 1`), running each step done so far in its undo
//! form (`run_command`'s `down`: `umount` for a mount, `-alias` for an address). Here:
//!
//! * a [`Plan`] is a list of [`Step`]s: a name, what the step does (an operation's own
//!   op type, [`Op`]) and what undoes it ([`Undo`]);
//! * [`run::execute`] runs a plan in order through an operation's [`run::Ops`], holding
//!   the per-container lock, reporting progress, and on a failure or SIGINT/SIGTERM
//!   undoes what was done in reverse; an undo that fails keeps what rests on it, and the
//!   report says exactly what remains and how to finish;
//! * [`Plan::text`] (what `--dry-run` prints) and [`Plan::json`] (`--format json`) are
//!   made from the same list;
//! * [`sh`] renders a plan whose ops are sh text into a script: a function per step,
//!   the step sequence, and the rollback function with the undos in reverse (`migrate`,
//!   whose script runs on the host without jailvol).

pub mod run;
pub mod sh;

use serde::Serialize;

/// What an operation's steps do and undo: its own command set.
pub trait Op {
    /// What `--dry-run` prints for it: sh (or `#` comment) lines, each ending in `\n`.
    fn show(&self) -> String;
    /// The programs it runs, in order, each as its argument vector (the JSON plan's
    /// `argv`); empty for what jailvol does itself (allocating, mkdtemp, checking) or
    /// runs as sh (migrate's steps).
    fn argv(&self) -> Vec<Vec<String>> {
        Vec::new()
    }
}

/// How a step is undone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undo<O> {
    pub op: O,
    /// Names of earlier steps whose undo cannot run while this step's result stays (a
    /// mount keeps its mount point and its md unit; an attached unit keeps its file):
    /// when this undo fails, those are reported as remaining, with the command to run
    /// once this one's result is gone.
    pub holds: Vec<&'static str>,
    /// Undo only what a failure of the step itself left behind (part of an extension);
    /// once the step is done its result stays, whatever fails later.
    pub partial_only: bool,
}

impl<O> Undo<O> {
    pub fn new(op: O) -> Undo<O> {
        Undo {
            op,
            holds: Vec::new(),
            partial_only: false,
        }
    }
    pub fn holding(mut self, names: &[&'static str]) -> Undo<O> {
        self.holds = names.to_vec();
        self
    }
    pub fn partial_only(mut self) -> Undo<O> {
        self.partial_only = true;
        self
    }
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step<O> {
    /// A short name (`attach`, `growfs`), for progress lines, the JSON plan and the
    /// script's step markers.
    pub name: &'static str,
    pub op: O,
    pub undo: Option<Undo<O>>,
    /// This step undoes the named earlier one itself (`umount` after `mount`): that
    /// step's undo is no longer due.
    pub releases: Option<&'static str>,
    /// Once this step is done the change is made: SIGINT/SIGTERM no longer stop the run
    /// (what is left is short, and stopping would leave more to do by hand).
    pub commit: bool,
    /// A finishing step: its failure does not stop the run, and nothing is undone for
    /// it; the run ends with an error saying what is done and what is left to do.
    pub late: bool,
}

impl<O> Step<O> {
    pub fn new(name: &'static str, op: O) -> Step<O> {
        Step {
            name,
            op,
            undo: None,
            releases: None,
            commit: false,
            late: false,
        }
    }
    pub fn undo(mut self, undo: Undo<O>) -> Step<O> {
        self.undo = Some(undo);
        self
    }
    pub fn releases(mut self, name: &'static str) -> Step<O> {
        self.releases = Some(name);
        self
    }
    pub fn commit(mut self) -> Step<O> {
        self.commit = true;
        self
    }
    pub fn late(mut self) -> Step<O> {
        self.late = true;
        self
    }
}

/// The per-container lock a run holds: flock(2) on `path` (exec::Host::lock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lock {
    pub path: String,
    /// The error when another run holds it.
    pub busy: String,
}

/// A plan: what one run does to one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan<O> {
    /// What the plan is about (the jail): it heads every message.
    pub subject: String,
    /// Comment lines `--dry-run` prints before the steps (without the `# `).
    pub head: Vec<String>,
    pub steps: Vec<Step<O>>,
    /// Comment lines printed after the steps.
    pub foot: Vec<String>,
    pub lock: Option<Lock>,
    /// The change is already made when the run starts (an earlier run got past the
    /// commit step): SIGINT/SIGTERM do not stop it.
    pub committed: bool,
}

impl<O> Plan<O> {
    pub fn new(subject: impl Into<String>) -> Plan<O> {
        Plan {
            subject: subject.into(),
            head: Vec::new(),
            steps: Vec::new(),
            foot: Vec::new(),
            lock: None,
            committed: false,
        }
    }
    pub fn push(&mut self, step: Step<O>) {
        self.steps.push(step);
    }
    pub fn names(&self) -> Vec<&'static str> {
        self.steps.iter().map(|s| s.name).collect()
    }
}

impl<O: Op> Plan<O> {
    /// What `--dry-run` prints: the head as `#` lines, each step's ops, the foot.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for l in &self.head {
            out.push_str("# ");
            out.push_str(l);
            out.push('\n');
        }
        for s in &self.steps {
            out.push_str(&s.op.show());
        }
        for l in &self.foot {
            out.push_str("# ");
            out.push_str(l);
            out.push('\n');
        }
        out
    }

    /// The plan as data (`--format json` with `--dry-run`; docs/create.md has the shape).
    pub fn json(&self) -> PlanJson {
        let lines = |t: String| t.lines().map(str::to_owned).collect::<Vec<_>>();
        PlanJson {
            subject: self.subject.clone(),
            head: self.head.clone(),
            lock: self.lock.as_ref().map(|l| l.path.clone()),
            steps: self
                .steps
                .iter()
                .map(|s| StepJson {
                    name: s.name,
                    run: lines(s.op.show()),
                    argv: s.op.argv(),
                    undo: s.undo.as_ref().map(|u| lines(u.op.show())),
                    undo_argv: s.undo.as_ref().map(|u| u.op.argv()),
                    undo_holds: s.undo.as_ref().map(|u| u.holds.clone()).unwrap_or_default(),
                    undo_only_if_it_fails: s.undo.as_ref().is_some_and(|u| u.partial_only),
                    releases: s.releases,
                    commit: s.commit,
                    late: s.late,
                })
                .collect(),
            foot: self.foot.clone(),
        }
    }
}

/// [`Plan::json`]: a stable document, one per container.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PlanJson {
    pub subject: String,
    pub head: Vec<String>,
    pub lock: Option<String>,
    pub steps: Vec<StepJson>,
    pub foot: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StepJson {
    pub name: &'static str,
    /// The step's lines as `--dry-run` prints them.
    pub run: Vec<String>,
    /// The programs it runs, each as its argument vector (`Op::argv`).
    pub argv: Vec<Vec<String>>,
    /// How it is undone (null: it is not).
    pub undo: Option<Vec<String>>,
    /// The programs the undo runs (null when nothing undoes the step).
    pub undo_argv: Option<Vec<Vec<String>>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub undo_holds: Vec<&'static str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub undo_only_if_it_fails: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub releases: Option<&'static str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub commit: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub late: bool,
}

/// Plans as the JSON document `--format json` prints: `{"plans": [...]}`.
pub fn plans_json(plans: &[PlanJson]) -> String {
    #[derive(Serialize)]
    struct Doc<'a> {
        plans: &'a [PlanJson],
    }
    let mut s = serde_json::to_string_pretty(&Doc { plans }).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq, Eq)]
    struct Say(&'static str);

    impl Op for Say {
        fn show(&self) -> String {
            format!("{}\n", self.0)
        }
    }

    fn plan() -> Plan<Say> {
        let mut p = Plan::new("www");
        p.head.push("www: a plan".into());
        p.push(Step::new("attach", Say("mdconfig -a")).undo(Undo::new(Say("mdconfig -d"))));
        p.push(Step::new("mount", Say("mount")).undo(Undo::new(Say("umount")).holding(&["attach"])));
        p.push(Step::new("umount", Say("umount")).releases("mount").commit());
        p.foot.push("done".into());
        p
    }

    #[test]
    fn text_and_json_come_from_the_same_steps() {
        let p = plan();
        assert_eq!(p.text(), "# www: a plan\nmdconfig -a\nmount\numount\n# done\n");
        let j = p.json();
        assert_eq!(j.steps.iter().map(|s| s.name).collect::<Vec<_>>(), p.names());
        let doc = plans_json(&[j]);
        let v: serde_json::Value = serde_json::from_str(&doc).unwrap();
        let steps = &v["plans"][0]["steps"];
        assert_eq!(steps[0]["run"], serde_json::json!(["mdconfig -a"]));
        assert_eq!(steps[0]["undo"], serde_json::json!(["mdconfig -d"]));
        assert_eq!(steps[1]["undo_holds"], serde_json::json!(["attach"]));
        assert_eq!(steps[2]["undo"], serde_json::Value::Null);
        assert_eq!(steps[2]["releases"], "mount");
        assert_eq!(steps[2]["commit"], true);
        assert!(steps[0].get("commit").is_none());
        assert_eq!(v["plans"][0]["subject"], "www");
    }
}
