//! jailvol(8): the page lints clean under mandoc, and `jailvol man` prints exactly
//! contrib/jailvol.8.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

const PAGE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/contrib/jailvol.8");

#[test]
fn man_prints_the_contrib_page_byte_for_byte() {
    let out = common::jailvol().arg("man").output().expect("run jailvol man");
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let want = std::fs::read(PAGE).expect("read contrib/jailvol.8");
    assert!(
        out.stdout == want,
        "`jailvol man` differs from contrib/jailvol.8 (rebuild after editing the page)"
    );
}

#[test]
fn mandoc_lint_has_nothing_to_say() {
    if std::env::var_os("JAILVOL_SKIP_MANDOC").is_some_and(|v| v == "1") {
        eprintln!("JAILVOL_SKIP_MANDOC=1: mandoc lint skipped");
        return;
    }
    let out = match Command::new("mandoc")
        .args(["-Tlint", "-Wwarning"])
        .arg(Path::new(PAGE))
        .output()
    {
        Ok(o) => o,
        Err(e) => panic!(
            "mandoc is needed to lint contrib/jailvol.8 ({e}): install it (apt-get install mandoc, \
             or it is in FreeBSD's base system), or set JAILVOL_SKIP_MANDOC=1 to skip this test"
        ),
    };
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.is_empty() && out.status.success(),
        "mandoc -Tlint -Wwarning contrib/jailvol.8 must print nothing, exit {:?}:\n{text}",
        out.status.code()
    );
}

#[test]
fn page_documents_every_command_and_exit_status() {
    use clap::CommandFactory;
    let page = std::fs::read_to_string(PAGE).expect("read contrib/jailvol.8");
    for sub in jailvol::cli::Cli::command().get_subcommands() {
        let cmd = sub.get_name();
        assert!(
            page.contains(&format!(".It Cm {cmd}")),
            "DESCRIPTION has no entry for {cmd}"
        );
        assert!(page.contains(&format!(".Cm {cmd}\n")), "SYNOPSIS lacks {cmd}");
    }
    for code in ["0", "1", "64", "65", "66", "73", "74"] {
        assert!(
            page.contains(&format!("\n.It {code}\n")),
            "EXIT STATUS lacks {code}"
        );
    }
    for section in [
        "NAME",
        "SYNOPSIS",
        "DESCRIPTION",
        "FILES",
        "EXIT STATUS",
        "EXAMPLES",
        "SEE ALSO",
    ] {
        assert!(
            page.contains(&format!("\n.Sh {section}\n")),
            "no {section} section"
        );
    }
}

/// Every subcommand, every option (long and short, global and per command) and every
/// value of an option with a fixed set of values that `--help` shows, with where clap
/// has it: `(what, macro, word)` as mdoc spells it — `Cm show`, `Fl -root`, `Fl f`,
/// `Cm hooks`.
fn documented_by_clap() -> Vec<(String, &'static str, String)> {
    use clap::CommandFactory;
    let cli = jailvol::cli::Cli::command();
    let mut want = Vec::new();
    let args = |want: &mut Vec<_>, cmd: &clap::Command, whose: &str| {
        for a in cmd.get_arguments() {
            if a.is_hide_set() || ["help", "version"].contains(&a.get_id().as_str()) {
                continue;
            }
            let what = format!("{whose} {}", a.get_id());
            if let Some(l) = a.get_long() {
                want.push((what.clone(), "Fl", format!("-{l}")));
            }
            if let Some(s) = a.get_short() {
                want.push((what.clone(), "Fl", s.to_string()));
            }
            // A flag's true/false are not values anyone types.
            if a.get_action().takes_values() {
                for v in a.get_possible_values().iter().filter(|v| !v.is_hide_set()) {
                    want.push((what.clone(), "Cm", v.get_name().to_owned()));
                }
            }
        }
    };
    args(&mut want, &cli, "jailvol");
    for sub in cli.get_subcommands() {
        let name = sub.get_name();
        want.push((format!("command {name}"), "Cm", name.to_owned()));
        args(&mut want, sub, name);
    }
    want
}

/// The arguments of `mac` on the page's macro lines: `.Op Fl n | -dry-run` gives `n`,
/// `|` and `-dry-run` for `Fl`; they run to the next macro name on the line.
fn macro_args(page: &str, mac: &str) -> BTreeSet<String> {
    let is_macro = |w: &str| {
        let b = w.as_bytes();
        (2..=3).contains(&b.len()) && b[0].is_ascii_uppercase() && b[1..].iter().all(u8::is_ascii_lowercase)
    };
    let mut out = BTreeSet::new();
    for line in page
        .lines()
        .filter(|l| l.starts_with('.') && !l.starts_with(".\\\""))
    {
        let mut on = false;
        for w in line[1..].split_whitespace() {
            if is_macro(w) {
                on = w == mac;
            } else if on {
                out.insert(w.to_owned());
            }
        }
    }
    out
}

#[test]
fn page_documents_every_command_option_and_value_clap_has() {
    let page = std::fs::read_to_string(PAGE).expect("read contrib/jailvol.8");
    let (fl, cm) = (macro_args(&page, "Fl"), macro_args(&page, "Cm"));
    let missing: Vec<String> = documented_by_clap()
        .into_iter()
        .filter(|(_, mac, word)| !if *mac == "Fl" { &fl } else { &cm }.contains(word))
        .map(|(what, mac, word)| format!("{what}: {mac} {word}"))
        .collect();
    assert!(
        missing.is_empty(),
        "contrib/jailvol.8 lacks what `jailvol --help` shows:\n{}",
        missing.join("\n")
    );
}

#[test]
fn page_names_no_long_option_clap_does_not_have() {
    let page = std::fs::read_to_string(PAGE).expect("read contrib/jailvol.8");
    let known: BTreeSet<String> = documented_by_clap().into_iter().map(|(_, _, w)| w).collect();
    // Long options only: `Fl p` is also fsck -p, newfs -U and the like.
    let unknown: Vec<String> = macro_args(&page, "Fl")
        .into_iter()
        .filter(|w| w.starts_with('-') && w.len() > 2 && !known.contains(w))
        .collect();
    assert!(
        unknown.is_empty(),
        "contrib/jailvol.8 names options jailvol does not have: {unknown:?}"
    );
}

/// Each command's SYNOPSIS line lists all its own options (the global and style options
/// are there as `global-options` and `style-options`), as FreeBSD's pages do.
#[test]
fn synopsis_lists_every_option_of_each_command() {
    use clap::{Args, CommandFactory};
    let page = std::fs::read_to_string(PAGE).expect("read contrib/jailvol.8");
    let synopsis = page
        .split("\n.Sh SYNOPSIS\n")
        .nth(1)
        .and_then(|s| s.split("\n.Sh ").next())
        .map(|s| format!("{s}\n"))
        .expect("a SYNOPSIS section");
    let style = jailvol::cli::StyleArgs::augment_args(clap::Command::new("style"));
    let shared: Vec<&str> = style.get_arguments().map(|a| a.get_id().as_str()).collect();
    let mut missing = Vec::new();
    for sub in jailvol::cli::Cli::command().get_subcommands() {
        let name = sub.get_name();
        let Some(block) = synopsis.split(&format!("\n.Cm {name}\n")).nth(1) else {
            missing.push(format!("{name}: no synopsis"));
            continue;
        };
        let block = block.split("\n.Nm").next().unwrap_or(block);
        let (fl, cm) = (macro_args(block, "Fl"), macro_args(block, "Cm"));
        let takes_style = sub.get_arguments().any(|a| shared.contains(&a.get_id().as_str()));
        if takes_style && !block.contains("Ar style-options") {
            missing.push(format!("{name}: style-options"));
        }
        for a in sub.get_arguments() {
            if a.is_global_set() || shared.contains(&a.get_id().as_str()) {
                continue;
            }
            if let Some(l) = a.get_long().filter(|l| !fl.contains(&format!("-{l}"))) {
                missing.push(format!("{name}: --{l}"));
            }
            if a.get_long().is_none() && a.get_action().takes_values() {
                for v in a.get_possible_values() {
                    if !cm.contains(v.get_name()) {
                        missing.push(format!("{name}: {}", v.get_name()));
                    }
                }
            }
        }
    }
    assert!(missing.is_empty(), "SYNOPSIS lacks: {missing:?}");
}
