//! A bad invocation answered like a FreeBSD tool: the problem as `jailvol: error: ...`
//! (jailvol's own errors read so), then a short `usage:` line for the command that was
//! being used, and exit 64 (EX_USAGE, sysexits(3)). FreeBSD's tools print such a line
//! from their `usage()` and exit with EX_USAGE (e.g. usr.sbin/jail/jail.c `usage`).
//! `--help` and `--version` are clap's, unchanged.
//!
//! The usage lines are made from the clap command (`Cli::command()`), like the help and
//! the completions, so they list exactly the options the parser accepts.

use clap::Arg;

use crate::diag::Diag;

/// Where a usage line wraps.
const WIDTH: usize = 80;

/// The text for a failed parse of `args` (the program name first): the error, then the
/// usage of the subcommand named in `args`, else jailvol's.
pub fn usage_error(cmd: &clap::Command, e: &clap::Error, args: &[std::ffi::OsString], color: bool) -> String {
    let d = diag(e);
    let mut out = if color {
        super::color::render(&d)
    } else {
        d.render()
    };
    out.push_str(&usage(cmd, subcommand(cmd, args).as_deref()));
    out
}

/// clap's message as a diagnostic: its first paragraph is the message (a list under it,
/// such as the missing arguments or the possible values, joins it on one line), its
/// `tip:` lines are notes; its `Usage:` and `For more information` lines are replaced by
/// the usage line.
fn diag(e: &clap::Error) -> Diag {
    if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        return Diag::error(None, "no command given");
    }
    let text = e.render().to_string();
    let mut paragraphs = text.split("\n\n").map(str::trim).filter(|p| !p.is_empty());
    let first = paragraphs.next().unwrap_or("invalid arguments");
    let mut lines = first.lines().map(str::trim);
    let mut message = lines
        .next()
        .unwrap_or_default()
        .trim_start_matches("error: ")
        .to_owned();
    let mut notes = Vec::new();
    for l in lines {
        // `[possible values: a, b]` is a note; a list of missing arguments belongs to
        // the message.
        match l.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            Some(note) => notes.push(note.to_owned()),
            None => {
                message.push(' ');
                message.push_str(l);
            }
        }
    }
    let mut d = Diag::error(None, message);
    for n in notes {
        d = d.with_note(n);
    }
    for p in paragraphs {
        if let Some(tip) = p.strip_prefix("tip: ") {
            d = d.with_note(tip.lines().map(str::trim).collect::<Vec<_>>().join(" "));
        }
    }
    d
}

/// The subcommand the arguments name, even when they do not parse (clap's partial parse
/// with errors ignored finds it); None when there is none.
fn subcommand(cmd: &clap::Command, args: &[std::ffi::OsString]) -> Option<String> {
    let m = cmd.clone().ignore_errors(true).try_get_matches_from(args).ok()?;
    m.subcommand_name().map(str::to_owned)
}

/// `usage: jailvol [global-options] SUB [OPTIONS...] ARGS`, wrapped; for no known
/// subcommand, jailvol's own form and the commands.
pub fn usage(cmd: &clap::Command, sub: Option<&str>) -> String {
    let Some(sc) = sub.and_then(|s| cmd.find_subcommand(s)) else {
        let names: Vec<&str> = cmd
            .get_subcommands()
            .filter(|s| !s.is_hide_set())
            .map(clap::Command::get_name)
            .collect();
        let words = ["[global-options]", "command", "[options]", "[args]"].map(str::to_owned);
        let commands: Vec<String> = names.iter().map(|&n| n.to_owned()).collect();
        return format!(
            "{}{}",
            wrap("usage: jailvol", &words),
            wrap("commands:", &commands)
        );
    };
    let mut words = vec!["[global-options]".to_owned(), sc.get_name().to_owned()];
    words.extend(
        sc.get_arguments()
            .filter(|a| !a.is_hide_set() && !a.is_positional())
            .map(option),
    );
    words.extend(
        sc.get_arguments()
            .filter(|a| !a.is_hide_set() && a.is_positional())
            .map(positional),
    );
    wrap("usage: jailvol", &words)
}

/// `[-n | --dry-run]`, `[--via md | makefs]`, `[--from DIR]`, `[--newfs-opt OPT ...]`:
/// the man page's SYNOPSIS forms.
fn option(a: &Arg) -> String {
    let long = a.get_long().map(|l| format!("--{l}"));
    let short = a.get_short().map(|s| format!("-{s}"));
    let value = if a.get_action().takes_values() {
        let values: Vec<String> = a
            .get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| v.get_name().to_owned())
            .collect();
        if values.is_empty() {
            format!(" {}", value_name(a))
        } else {
            format!(" {}", values.join("|"))
        }
    } else {
        String::new()
    };
    let forms: Vec<String> = [short, long]
        .into_iter()
        .flatten()
        .map(|f| format!("{f}{value}"))
        .collect();
    let repeat = if matches!(a.get_action(), clap::ArgAction::Append) {
        " ..."
    } else {
        ""
    };
    let text = format!("{}{repeat}", forms.join(" | "));
    if a.is_required_set() {
        text
    } else {
        format!("[{text}]")
    }
}

/// `JAIL`, `SIZE`, `[JAIL ...]`.
fn positional(a: &Arg) -> String {
    let many = a.get_num_args().is_some_and(|n| n.max_values() > 1)
        || matches!(a.get_action(), clap::ArgAction::Append);
    let text = format!("{}{}", value_name(a), if many { " ..." } else { "" });
    if a.is_required_set() {
        text
    } else {
        format!("[{text}]")
    }
}

fn value_name(a: &Arg) -> String {
    a.get_value_names()
        .and_then(|v| v.first())
        .map_or_else(|| a.get_id().as_str().to_uppercase(), |n| n.as_str().to_owned())
}

/// `lead` and the words, each line at most WIDTH wide where a word allows it;
/// continuation lines start under the first word (as jail(8)'s usage aligns its lines).
fn wrap(lead: &str, words: &[String]) -> String {
    let mut out = String::new();
    let mut line = lead.to_owned();
    let mut fresh = true;
    for w in words {
        if !fresh && line.len() + 1 + w.len() > WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = " ".repeat(lead.len());
        }
        line.push(' ');
        line.push_str(w);
        fresh = false;
    }
    out.push_str(&line);
    out.push('\n');
    out
}
