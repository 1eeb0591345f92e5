//! A conversion as jail.conf text (rc.d/jail's layout: one tab-indented block per jail,
//! statements in its order, but values escaped by `emit::jailconf`), and as the
//! `model::Config` jail(8) builds from that text (config.c add_param: `foo`/`nofoo` are
//! one parameter, `=` replaces, `+=` appends, `name;` clears).

use std::fmt::Write as _;

use super::{Block, Conversion, Line, Op, Origin};
use crate::emit::jailconf::{push_name, push_value, push_var_name};
use crate::model::{Config, Entry, Jail, equalopts, numeric_name};
use crate::parse::jailconf::Text;
use smallvec::smallvec;

/// The model entries of one block, as model::load would build them: the implied `name`
/// (or `jid` for a numeric name, with `name` back-filled last) and each statement in
/// order.
pub(super) fn build_jail(name: &str, lines: &[Line<'_>], loc: Option<crate::diag::Loc>) -> Jail {
    let numeric = numeric_name(name);
    let mut entries = vec![Entry {
        name: Text::from_static(if numeric { "jid" } else { "name" }),
        is_var: false,
        values: smallvec![Text::from(name)],
    }];
    for l in lines {
        match entries.iter_mut().find(|e| equalopts(&e.name, &l.name)) {
            Some(e) => {
                if *e.name != *l.name {
                    e.name = Text::from(&*l.name);
                }
                if l.op != Op::Append || l.values.is_empty() {
                    e.values.clear();
                }
                e.values.extend(l.values.iter().map(|v| Text::from(&**v)));
            }
            None => entries.push(Entry {
                name: Text::from(&*l.name),
                is_var: l.is_var,
                values: l.values.iter().map(|v| Text::from(&**v)).collect(),
            }),
        }
    }
    if !entries.iter().any(|e| !e.is_var && e.name == "name") {
        entries.push(Entry {
            name: Text::from_static("name"),
            is_var: false,
            values: smallvec![Text::from(name)],
        });
    }
    Jail {
        name: name.to_owned(),
        entries,
        loc,
        // Not from a jail.conf record: converted from rc.conf.
        record: usize::MAX,
        wanted: None,
    }
}

pub(super) fn config(c: &Conversion<'_>) -> Config {
    // A block with values jail(8) rejects is a jail that fails: left out, with its
    // errors, as model::load leaves out a jail.conf jail that fails check_intparams.
    let mut errors = c.errors.clone();
    errors.extend(c.blocks.iter().flat_map(|b| b.rejected.iter().cloned()));
    Config {
        jails: c
            .blocks
            .iter()
            .filter(|b| b.rejected.is_empty())
            .map(|b| build_jail(&b.name, &b.lines, b.loc.clone()))
            .collect(),
        errors,
        warnings: c.warnings.clone(),
    }
}

/// One statement, `name;`, `name = v, w;` or `name += v;`, appended to `out`.
fn push_statement(out: &mut String, l: &Line<'_>) {
    if l.is_var {
        push_var_name(out, &l.name);
    } else {
        push_name(out, &l.name);
    }
    if !l.values.is_empty() {
        out.push_str(match l.op {
            Op::Append => " += ",
            _ => " = ",
        });
        for (i, v) in l.values.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            push_value(out, v);
        }
    }
    out.push(';');
}

/// One statement, `name;`, `name = v, w;` or `name += v;`.
#[cfg(test)]
pub(super) fn statement(l: &Line<'_>) -> String {
    let mut out = String::new();
    push_statement(&mut out, l);
    out
}

/// A value shown in a comment: one line, control characters escaped, cut after
/// `SHOWN_MAX` characters (a long `jail_list` is behind every block).
fn shown(v: &str) -> String {
    const SHOWN_MAX: usize = 100;
    let mut out = String::with_capacity(v.len().min(SHOWN_MAX + 8));
    for (i, c) in v.chars().enumerate() {
        if i == SHOWN_MAX {
            out.push_str("...");
            break;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\{:03o}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn explain(out: &mut String, indent: &str, from: &[Origin<'_>]) {
    if from.is_empty() {
        let _ = writeln!(out, "{indent}# default");
        return;
    }
    for o in from {
        match &o.loc {
            Some(loc) => {
                let _ = writeln!(
                    out,
                    "{indent}# from {}:{}: {}=\"{}\"",
                    loc.file(),
                    loc.line(),
                    o.var,
                    shown(o.value)
                );
            }
            None => {
                let _ = writeln!(out, "{indent}# from {}=\"{}\"", o.var, shown(o.value));
            }
        }
    }
}

fn block(out: &mut String, b: &Block<'_>, with_explain: bool) {
    if with_explain {
        if b.from.is_empty() {
            let _ = writeln!(out, "# from the command line");
        } else {
            explain(out, "", &b.from);
        }
    }
    push_name(out, &b.name);
    out.push_str(" {\n");
    for l in &b.lines {
        if with_explain {
            explain(out, "\t", &l.from);
        }
        out.push('\t');
        push_statement(out, l);
        out.push('\n');
    }
    out.push_str("}\n");
}

pub(super) fn text(c: &Conversion<'_>, with_explain: bool) -> String {
    // Sized for the usual text (statements of bare or lightly quoted values), so that
    // the buffer of a large conversion is not copied while it grows.
    let size: usize = c
        .blocks
        .iter()
        .map(|b| {
            16 + b.name.len()
                + b.lines
                    .iter()
                    .map(|l| 8 + l.name.len() + l.values.iter().map(|v| v.len() + 4).sum::<usize>())
                    .sum::<usize>()
        })
        .sum();
    let mut out = String::with_capacity(256 + if with_explain { size * 3 } else { size });
    out.push_str("# Generated by jailvol convert from the legacy jail_* variables");
    if !c.sources.is_empty() {
        let _ = write!(out, " of {}", c.sources.join(", "));
    }
    out.push_str(".\n# The parameters FreeBSD's rc.d/jail would write to /var/run/jail.NAME.conf.\n");
    for b in &c.blocks {
        out.push('\n');
        block(&mut out, b, with_explain);
    }
    out
}
