//! A plan rendered as sh, for a script that runs on the host without jailvol
//! (`migrate`): one function per step (`jv_NAME`), the step sequence, and the rollback
//! function holding every step's undo, the last step's first.
//!
//! The script's runtime does what [`super::run`] does in Rust: `jv_step NAME FUNCTION`
//! runs a step unless its marker (`done.NAME`) says an earlier run finished it, the
//! rollback runs from the EXIT trap. A script can be resumed after a kill, so its
//! rollback cannot know which steps this run did: every undo is run, each guarded by
//! the state it undoes (a mount marker, the renamed root, a file the run created), and
//! an undo that cannot finish leaves a note that blocks the undos resting on it.

use super::{Op, Plan};

/// A step of a script: sh text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sh {
    /// Comment lines above the step's function (without `# `): what it does and why.
    pub doc: Vec<String>,
    /// The function's body, or the undo's lines in the rollback function: lines
    /// indented with a tab, each ending in `\n`.
    pub body: String,
    /// Run the step only when this sh condition holds, on every run (it has no
    /// marker): the stop of a running jail.
    pub when: Option<String>,
}

impl Sh {
    pub fn new(doc: &[&str], body: impl Into<String>) -> Sh {
        Sh {
            doc: doc.iter().map(|l| (*l).to_owned()).collect(),
            body: body.into(),
            when: None,
        }
    }
}

impl Op for Sh {
    fn show(&self) -> String {
        self.body.clone()
    }
}

/// The function that runs step `name`.
pub fn function_name(name: &str) -> String {
    format!("jv_{name}")
}

/// The names of the steps that leave a marker (`done.NAME`), in order.
pub fn markers(plan: &Plan<Sh>) -> Vec<&'static str> {
    plan.steps
        .iter()
        .filter(|s| s.op.when.is_none())
        .map(|s| s.name)
        .collect()
}

fn comment(out: &mut String, doc: &[String]) {
    for l in doc {
        out.push_str("# ");
        out.push_str(l);
        out.push('\n');
    }
}

/// A function per step, each after its doc comment.
pub fn functions(plan: &Plan<Sh>) -> String {
    let mut out = String::new();
    for s in &plan.steps {
        out.push('\n');
        comment(&mut out, &s.op.doc);
        out.push_str(&function_name(s.name));
        out.push_str("() {\n");
        out.push_str(&s.op.body);
        out.push_str("}\n");
    }
    out
}

/// The steps in order: `jv_step NAME jv_NAME`, or the step's condition around its
/// function for a step without a marker.
pub fn sequence(plan: &Plan<Sh>) -> String {
    let mut out = String::new();
    for s in &plan.steps {
        match &s.op.when {
            Some(cond) => {
                out.push_str(&format!("if {cond}; then\n\t{}\nfi\n", function_name(s.name)));
            }
            None => out.push_str(&format!("jv_step {} {}\n", s.name, function_name(s.name))),
        }
    }
    out
}

/// The rollback function `name`: `begin`, every step's undo from the last step to the
/// first (each after a comment naming its step), `end`.
pub fn rollback(plan: &Plan<Sh>, name: &str, begin: &str, end: &str) -> String {
    let mut out = format!("{name}() {{\n{begin}");
    for s in plan.steps.iter().rev() {
        let Some(u) = &s.undo else { continue };
        out.push_str(&format!("\t# undo {}", s.name));
        if u.op.doc.is_empty() {
            out.push('\n');
        } else {
            out.push_str(&format!(": {}\n", u.op.doc.join(" ")));
        }
        out.push_str(&u.op.body);
    }
    out.push_str(end);
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Step, Undo};

    fn plan() -> Plan<Sh> {
        let mut p = Plan::new("www");
        p.push(
            Step::new("copy", Sh::new(&["Copy it."], "\tcp a b\n"))
                .undo(Undo::new(Sh::new(&["remove the copy"], "\trm -f b\n"))),
        );
        p.push(Step::new(
            "stop",
            Sh {
                when: Some("[ \"$x\" = yes ]".into()),
                ..Sh::new(&[], "\tstop it\n")
            },
        ));
        p.push(Step::new("swap", Sh::new(&[], "\tmv b a\n")).undo(Undo::new(Sh::new(&[], "\tmv a b\n"))));
        p
    }

    #[test]
    fn functions_sequence_and_rollback_come_from_one_list() {
        let p = plan();
        assert_eq!(
            functions(&p),
            "\n# Copy it.\njv_copy() {\n\tcp a b\n}\n\njv_stop() {\n\tstop it\n}\n\njv_swap() {\n\tmv b a\n}\n"
        );
        assert_eq!(
            sequence(&p),
            "jv_step copy jv_copy\nif [ \"$x\" = yes ]; then\n\tjv_stop\nfi\njv_step swap jv_swap\n"
        );
        assert_eq!(
            rollback(&p, "jv_rollback", "\tset +e\n", "\texit 1\n"),
            "jv_rollback() {\n\tset +e\n\t# undo swap\n\tmv a b\n\t# undo copy: remove the copy\n\trm -f b\n\texit 1\n}\n"
        );
        assert_eq!(markers(&p), ["copy", "swap"]);
    }
}
