//! `jailvol __complete-jails [--tcsh] -- WORDS...`: what the shell completion scripts
//! (src/completions/) ask when the word under the cursor may be a jail name.
//!
//! WORDS is the command line up to the cursor, the program first and the word being
//! completed last (empty after a blank); tcsh passes nothing and sets COMMAND_LINE. The
//! answer is one candidate a line, or nothing: a word that is an option, an option's
//! value, or a positional argument that is not a jail. Where the word is a jail, the
//! configuration the words name (`-f`, `--root`, `--jail-conf`, `--rc-conf`) is read
//! like every command reads it: JAIL takes a managed jail, convert's NAME any jail.
//!
//! Which word is what comes from `Cli::command()` (which options take a value, which
//! positional argument a word fills), so the completions follow the parser. This is not
//! a subcommand of `Cli`: clap_complete would offer it, and the page, the usage lines
//! and the scripts are all made from that command.

use clap::{Arg, ArgAction, CommandFactory, Parser};

use super::{Cli, print};
use crate::diag::exit;

/// The first argument that selects this entry point.
pub const NAME: &str = "__complete-jails";

/// Run `jailvol __complete-jails ...` (`args` without the program and NAME). Never an
/// error: a completion that cannot read the configuration offers nothing.
pub fn main(args: &[String]) -> i32 {
    let tcsh = args.first().is_some_and(|a| a == "--tcsh");
    let rest = &args[usize::from(tcsh)..];
    let words: Vec<String> = match rest.split_first() {
        Some((dd, w)) if dd == "--" => w.to_vec(),
        _ => std::env::var("COMMAND_LINE")
            .map(|l| split_line(&l))
            .unwrap_or_default(),
    };
    let mut out = String::new();
    for c in candidates(&words, tcsh) {
        out.push_str(&c);
        out.push('\n');
    }
    let _ = print(&out);
    exit::OK
}

/// tcsh's COMMAND_LINE split into words: blanks separate them, and a line that ends in a
/// blank is waiting for a new, empty word. Quotes are not undone (tcsh does not either
/// for the list it completes from).
fn split_line(line: &str) -> Vec<String> {
    let mut words: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
    if line.is_empty() || line.ends_with(char::is_whitespace) {
        words.push(String::new());
    }
    words
}

/// What may go where the last of `words` is.
fn candidates(words: &[String], tcsh: bool) -> Vec<String> {
    let root = built();
    match classify(&root, words) {
        Some(Slot::Command) if tcsh => root
            .get_subcommands()
            .filter(|s| !s.is_hide_set())
            .map(|s| s.get_name().to_owned())
            .collect(),
        Some(Slot::Jail { all, global }) => jail_names(&global, all),
        _ => Vec::new(),
    }
}

/// The command with clap's defaults filled in (actions, value counts, globals
/// propagated), which is what classify reads.
fn built() -> clap::Command {
    let mut cmd = Cli::command();
    cmd.build();
    cmd
}

/// What the word under the cursor is.
#[derive(Debug, PartialEq)]
enum Slot {
    /// The subcommand's name.
    Command,
    /// A jail name: any jail (`all`) or a managed one. `global` holds the words of the
    /// global options given so far, which say where the configuration is.
    Jail { all: bool, global: Vec<String> },
}

/// Walk the words as clap would: options and their values, the subcommand, then the
/// subcommand's positional arguments. None when the last word is none of [`Slot`].
fn classify(root: &clap::Command, words: &[String]) -> Option<Slot> {
    let (cur, done) = words.get(1..)?.split_last()?;
    let mut sub: Option<&clap::Command> = None;
    let mut global = Vec::new();
    let mut positionals = 0usize;
    let mut only_positionals = false;
    let mut i = 0;
    while i < done.len() {
        let w = &done[i];
        i += 1;
        if only_positionals || w == "-" || !w.starts_with('-') {
            match sub {
                Some(_) => positionals += 1,
                None => sub = Some(root.find_subcommand(w)?),
            }
            continue;
        }
        if w == "--" {
            only_positionals = true;
            continue;
        }
        let (arg, inline) = option(root, sub, w)?;
        let mut taken = vec![w.clone()];
        if takes_value(arg) && !inline {
            // The value is the next word; the cursor on it means an option's value.
            taken.push(done.get(i)?.clone());
            i += 1;
        }
        if arg.is_global_set() {
            global.extend(taken);
        }
    }
    if !only_positionals && cur.starts_with('-') {
        return None;
    }
    let Some(sub) = sub else {
        return Some(Slot::Command);
    };
    let arg = positional(sub, positionals)?;
    match arg.get_value_names().and_then(|v| v.first()).map(|v| v.as_str()) {
        Some("JAIL") => Some(Slot::Jail { all: false, global }),
        Some("NAME") => Some(Slot::Jail { all: true, global }),
        _ => None,
    }
}

/// The option `w` names (`--long`, `--long=value`, `-s`, `-svalue`, `-abc`), looked up
/// in the subcommand and the top level, and whether its value is inside `w`. For a
/// cluster of short flags, the last one decides.
fn option<'a>(root: &'a clap::Command, sub: Option<&'a clap::Command>, w: &str) -> Option<(&'a Arg, bool)> {
    if let Some(long) = w.strip_prefix("--") {
        let (name, value) = match long.split_once('=') {
            Some((n, _)) => (n, true),
            None => (long, false),
        };
        return sub
            .into_iter()
            .chain([root])
            .find_map(|c| c.get_arguments().find(|a| a.get_long() == Some(name)))
            .map(|a| (a, value));
    }
    let shorts: Vec<char> = w.chars().skip(1).collect();
    for (k, c) in shorts.iter().enumerate() {
        let arg = sub
            .into_iter()
            .chain([root])
            .find_map(|cmd| cmd.get_arguments().find(|a| a.get_short() == Some(*c)))?;
        if takes_value(arg) {
            return Some((arg, k + 1 < shorts.len()));
        }
        if k + 1 == shorts.len() {
            return Some((arg, false));
        }
    }
    None
}

fn takes_value(arg: &Arg) -> bool {
    !arg.is_positional() && matches!(arg.get_action(), ArgAction::Set | ArgAction::Append)
}

/// The positional argument the word after `before` others fills: one that takes many
/// values takes every word from its place on.
fn positional(cmd: &clap::Command, mut before: usize) -> Option<&Arg> {
    for arg in cmd.get_positionals() {
        let many = arg.get_num_args().is_some_and(|n| n.max_values() > 1)
            || matches!(arg.get_action(), ArgAction::Append);
        if many || before == 0 {
            return Some(arg);
        }
        before -= 1;
    }
    None
}

/// The jails of the configuration the global option words name; none when that is
/// standard input (`-f -`): a completion must not wait on the terminal.
fn jail_names(global: &[String], all: bool) -> Vec<String> {
    let argv = ["jailvol"]
        .into_iter()
        .chain(global.iter().map(String::as_str))
        .chain(["show"]);
    match Cli::try_parse_from(argv) {
        Ok(cli) if !cli.global.files.iter().any(|f| f == "-") => {
            crate::ops::complete::jail_names(&(&cli.global).into(), all)
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests;
