//! Shell completions, `jailvol completions SHELL`, made from the clap command the caller
//! builds (`cli::Cli::command()`), so they offer exactly what the parser accepts.
//!
//! bash, zsh and fish: clap_complete's script, plus a function of ours (the `jails.*`
//! files here) that asks `jailvol __complete-jails` for the jail names of the
//! configuration where a JAIL argument goes (src/cli/complete.rs decides where that is).
//! tcsh, root's shell before FreeBSD 14 and still common, has no clap_complete
//! generator: its `complete` rules are written here from the same command.

use std::fmt::Write as _;

use clap::{Arg, ValueHint};
use clap_complete::Shell;

/// A shell that `jailvol completions` writes a script for.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    Tcsh,
}

const BASH_JAILS: &str = include_str!("jails.bash");
const ZSH_JAILS: &str = include_str!("jails.zsh");
const FISH_JAILS: &str = include_str!("jails.fish");

/// The completion script for `shell`, generated from the clap command `cmd`.
pub fn completions(shell: CompletionShell, mut cmd: clap::Command) -> Vec<u8> {
    let name = cmd.get_name().to_owned();
    let generated = |shell: Shell, cmd: &mut clap::Command| {
        let mut out = Vec::new();
        clap_complete::generate(shell, cmd, &name, &mut out);
        String::from_utf8_lossy(&out).into_owned()
    };
    let script = match shell {
        CompletionShell::Bash => bash(&generated(Shell::Bash, &mut cmd)),
        CompletionShell::Zsh => zsh(&generated(Shell::Zsh, &mut cmd)),
        CompletionShell::Fish => generated(Shell::Fish, &mut cmd) + FISH_JAILS,
        CompletionShell::Tcsh => tcsh(&mut cmd),
    };
    script.into_bytes()
}

/// clap's bash script with `_jailvol_jails` registered in `_jailvol`'s place: it runs
/// `_jailvol`, then puts the jail names in where a jail goes. clap_complete ends the
/// script with the `complete -F _jailvol` lines; the function goes before them.
fn bash(generated: &str) -> String {
    let Some(at) = generated.rfind("\nif [[ \"${BASH_VERSINFO[0]}\"") else {
        return generated.to_owned();
    };
    let (body, register) = generated.split_at(at);
    format!(
        "{body}{BASH_JAILS}{}",
        register.replace("complete -F _jailvol ", "complete -F _jailvol_jails ")
    )
}

/// clap's zsh function, asking `_jailvol_jails` first: it answers (and `_jailvol`
/// returns) only where a jail goes. zsh sources the file as `_jailvol`'s autoloaded
/// body, which defines the function and then calls it; ours is defined before that.
fn zsh(generated: &str) -> String {
    const DEF: &str = "\n_jailvol() {\n";
    let Some(at) = generated.find(DEF) else {
        return generated.to_owned();
    };
    let (head, body) = generated.split_at(at);
    let body = &body[DEF.len()..];
    format!("{head}\n{ZSH_JAILS}_jailvol() {{\n    _jailvol_jails && return 0\n{body}")
}

/// tcsh `complete` rules: option names after `-` and `--`, each option's value (its
/// possible values, files, directories, or a hint), then `__complete-jails --tcsh` for
/// every other word: the subcommand's name, or a jail name where a jail goes. tcsh
/// cannot tell one subcommand's options from another's, so every option is offered.
fn tcsh(cmd: &mut clap::Command) -> String {
    cmd.build();
    let name = cmd.get_name().to_owned();
    let mut args: Vec<&Arg> = Vec::new();
    for a in cmd
        .get_arguments()
        .chain(cmd.get_subcommands().flat_map(|s| s.get_arguments()))
    {
        if a.is_positional()
            || a.is_hide_set()
            || args
                .iter()
                .any(|b| b.get_id() == a.get_id() && b.get_long() == a.get_long())
        {
            continue;
        }
        args.push(a);
    }
    let mut longs: Vec<&str> = args.iter().filter_map(|a| a.get_long()).collect();
    longs.sort_unstable();
    longs.dedup();
    let mut shorts: Vec<String> = args
        .iter()
        .filter_map(|a| a.get_short())
        .map(String::from)
        .collect();
    shorts.sort_unstable();
    shorts.dedup();

    // The first rule that matches a word is the one used: `--file=` before `--`.
    let mut rules = Vec::new();
    let mut seen = Vec::new();
    for a in &args {
        let Some(list) = value_list(a) else { continue };
        if let Some(l) = a.get_long()
            && !seen.contains(&l.to_owned())
        {
            seen.push(l.to_owned());
            rules.push(format!("'c/--{l}=/{list}/'"));
            rules.push(format!("'n/--{l}/{list}/'"));
        }
        if let Some(s) = a.get_short() {
            rules.push(format!("'n/-{s}/{list}/'"));
        }
    }
    rules.push(format!("'c/--/({})/'", longs.join(" ")));
    rules.push(format!("'c/-/({})/'", shorts.join(" ")));
    let shells: Vec<String> = cmd
        .find_subcommand("completions")
        .and_then(|c| c.get_positionals().next())
        .map(|a| {
            a.get_possible_values()
                .iter()
                .map(|v| v.get_name().to_owned())
                .collect()
        })
        .unwrap_or_default();
    if !shells.is_empty() {
        rules.push(format!("'n/completions/({})/'", shells.join(" ")));
    }
    rules.push(format!("'p/*/`{name} __complete-jails --tcsh`/'"));

    let mut out = String::new();
    let _ = writeln!(
        out,
        "# tcsh completion for {name}(8): `source` this file, e.g. from ~/.tcshrc.\n\
         # Options, their values, the command, and the jail names of the configuration\n\
         # (`{name} __complete-jails` reads what -f, --root, --jail-conf and --rc-conf\n\
         # name, from the command line tcsh puts in COMMAND_LINE)."
    );
    let _ = writeln!(out, "complete {name} \\\n    {}", rules.join(" \\\n    "));
    out
}

/// What tcsh completes an option's value from: its possible values, files or
/// directories (by hint or by value name), or nothing but its value name shown.
/// None for an option that takes no value.
fn value_list(a: &Arg) -> Option<String> {
    if !matches!(a.get_action(), clap::ArgAction::Set | clap::ArgAction::Append) {
        return None;
    }
    let values = a.get_possible_values();
    if !values.is_empty() {
        let names: Vec<&str> = values
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| v.get_name())
            .collect();
        return Some(format!("({})", names.join(" ")));
    }
    let value_name = a
        .get_value_names()
        .and_then(|v| v.first())
        .map(|v| v.as_str())
        .unwrap_or("VALUE");
    Some(match (a.get_value_hint(), value_name) {
        (ValueHint::DirPath, _) | (_, "DIR") => "d".to_owned(),
        (ValueHint::FilePath | ValueHint::AnyPath, _) | (_, "FILE" | "PATH") => "f".to_owned(),
        _ => format!("x:<{}>", value_name.to_lowercase()),
    })
}
