//! Differential tests: jailvol's rc.conf evaluation against dash (an Almquist shell like
//! FreeBSD's /bin/sh). For every input jailvol evaluates, dash must hold exactly the same
//! variables with the same values, and nothing more.
//!
//! dash is run as `env -i dash -c 'set -a; . ./rc.conf >/dev/null; exec env -0'`: `set -a` exports
//! every variable the file assigns, `env -0` prints them byte-exact, and the variables
//! dash sets by itself are removed by comparing with the same run on an empty file.
//!
//! dash must be installed (CI installs it); `JAILVOL_SKIP_DASH=1` skips these tests.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use jailvol::diag::Source;
use jailvol::parse::rcconf::{RcOptions, evaluate};
use proptest::prelude::*;

/// Whether to run: dash present, or a failure that says how to get it.
fn dash_available() -> bool {
    let ok = Command::new("dash")
        .args(["-c", "true"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return true;
    }
    if std::env::var("JAILVOL_SKIP_DASH").as_deref() == Ok("1") {
        eprintln!("dash not found: differential tests skipped (JAILVOL_SKIP_DASH=1)");
        return false;
    }
    panic!("dash is not installed: install it (apt-get install dash) or set JAILVOL_SKIP_DASH=1");
}

/// The variables dash holds after sourcing `text`, or None if dash failed.
fn dash_vars(dir: &Path, text: &str) -> Option<BTreeMap<String, String>> {
    let f = dir.join("rc.conf");
    std::fs::write(&f, text).ok()?;
    common::dash_source(dir, "rc.conf")
}

fn ours(text: &str) -> Option<BTreeMap<String, String>> {
    let src: Arc<Source> = Source::new("rc.conf", text);
    let (vars, _) = evaluate(&[src], &RcOptions::default()).ok()?;
    Some(
        vars.vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.value.to_string()))
            .collect(),
    )
}

/// Compare; returns a description of the first difference.
fn compare(dir: &Path, text: &str, baseline: &BTreeMap<String, String>) -> Result<(), String> {
    let Some(mine) = ours(text) else {
        return Ok(()); // jailvol refuses: never a wrong value
    };
    let Some(theirs) = dash_vars(dir, text) else {
        return Err(format!("jailvol evaluated it but dash failed on:\n{text}"));
    };
    for (k, v) in &mine {
        match theirs.get(k) {
            Some(d) if d == v => {}
            other => return Err(format!("{k}: jailvol {v:?}, dash {other:?} for:\n{text}")),
        }
    }
    for (k, v) in &theirs {
        if !mine.contains_key(k) && baseline.get(k) != Some(v) {
            return Err(format!("dash has {k}={v:?} that jailvol misses for:\n{text}"));
        }
    }
    Ok(())
}

#[test]
fn fixtures_agree_with_dash() {
    if !dash_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let baseline = dash_vars(dir.path(), "").expect("dash runs");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rcconf");
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("fixtures")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    dirs.sort();
    for case in dirs {
        let Ok(text) = std::fs::read_to_string(case.join("rc.conf")) else {
            continue;
        };
        if ours(&text).is_none() {
            continue;
        }
        checked += 1;
        if let Err(e) = compare(dir.path(), &text, &baseline) {
            failures.push(format!("{}: {e}", case.display()));
        }
    }
    assert!(checked >= 20, "only {checked} fixtures evaluated");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Line continuations right after `$` or inside a `$name` are removed before the name is
/// read (issue 20): one or several, unquoted, in double quotes, in `${v:-word}` (both
/// quotings). Each case must be evaluated (not refused) and dash must agree.
#[test]
fn continuations_inside_a_name_agree_with_dash() {
    if !dash_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let baseline = dash_vars(dir.path(), "").expect("dash runs");
    let defs = "b=X\nbc=Y\nbcd=Z\n";
    let cases = [
        "a=$b\\\nc\n",
        "a=$b\\\n\\\nc\n",
        "a=$b\\\n\\\n\\\nc\\\nd\n",
        "a=\"$b\\\n\\\nc\"\n",
        "a=\"<$b\\\nc>\"\n",
        "a=${u:-$b\\\n\\\nc}\n",
        "a=\"${u:-$b\\\n\\\nc}\"\n",
        "a=${u:-\"$b\\\nc\"}\n",
        "a=${b:+$b\\\n\\\nc}\n",
        "a=$\\\nbc\n",
        "a=$\\\n\\\nb\\\n\\\nc\n",
        "a=$b\\\n\\\n-\n",
        "a=$b\\\n\\\n\n",
        "export a=$b\\\n\\\nc\n",
    ];
    let mut failures = Vec::new();
    for case in cases {
        let text = format!("{defs}{case}");
        if ours(&text).is_none() {
            failures.push(format!("jailvol refuses:\n{text}"));
        } else if let Err(e) = compare(dir.path(), &text, &baseline) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------- random inputs

fn plain() -> impl Strategy<Value = String> {
    "[a-z0-9/.,:=#*?_%+@-]{0,4}"
}

fn word_in_braces(depth: u32) -> BoxedStrategy<String> {
    let leaf = prop_oneof![
        "[a-z0-9 /.:#-]{0,4}".prop_map(|s| s),
        Just("\"q w\"".to_owned()),
        Just("'s }q'".to_owned()),
        Just("\\}".to_owned()),
        Just("$a".to_owned()),
        Just("\\\n".to_owned()),
    ];
    if depth == 0 {
        return prop::collection::vec(leaf, 0..3).prop_map(|v| v.concat()).boxed();
    }
    prop::collection::vec(prop_oneof![3 => leaf, 1 => expansion(depth - 1)], 0..3)
        .prop_map(|v| v.concat())
        .boxed()
}

fn expansion(depth: u32) -> BoxedStrategy<String> {
    let name = prop_oneof![Just("a"), Just("b"), Just("c"), Just("d")];
    let op = prop_oneof![
        Just(""),
        Just(":-"),
        Just("-"),
        Just(":="),
        Just("="),
        Just(":+"),
        Just("+")
    ];
    (name, op, any::<bool>(), word_in_braces(depth))
        .prop_map(|(n, op, braces, w)| match (op, braces) {
            ("", false) => format!("${n}"),
            ("", true) => format!("${{{n}}}"),
            (op, _) => format!("${{{n}{op}{w}}}"),
        })
        .boxed()
}

fn dq_body() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            "[a-z0-9 '/.:#*~}-]{0,5}".prop_map(|s| s),
            Just("\\$".to_owned()),
            Just("\\\"".to_owned()),
            Just("\\\\".to_owned()),
            Just("\\q".to_owned()),
            Just("\\\n".to_owned()),
            Just("\n".to_owned()),
            Just("$".to_owned()),
            expansion(1),
        ],
        0..4,
    )
    .prop_map(|v| v.concat())
}

fn value() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            3 => plain(),
            2 => dq_body().prop_map(|b| format!("\"{b}\"")),
            1 => "[a-z \"\\\\$#\n]{0,5}".prop_map(|b| format!("'{b}'")),
            1 => prop_oneof![Just("\\ "), Just("\\$"), Just("\\\""), Just("\\'"), Just("\\a"), Just("\\#")]
                .prop_map(str::to_owned),
            2 => expansion(2),
            1 => Just("\\\n".to_owned()),
        ],
        0..4,
    )
    .prop_map(|v| v.concat())
}

fn statement() -> impl Strategy<Value = String> {
    let name = prop_oneof![Just("a"), Just("b"), Just("c"), Just("d"), Just("e_1")];
    (name, value(), any::<bool>()).prop_map(|(n, v, export)| {
        if export {
            format!("export {n}={v}")
        } else {
            format!("{n}={v}")
        }
    })
}

fn file() -> impl Strategy<Value = String> {
    let sep = prop_oneof![
        4 => Just("\n"),
        1 => Just("; "),
        1 => Just(";"),
        1 => Just(" "),
        1 => Just("\t# comment $x 'unclosed\n"),
        1 => Just(" \\\n "),
        1 => Just("\n\n  # c\n"),
    ];
    prop::collection::vec((statement(), sep), 1..6).prop_map(|v| {
        v.into_iter()
            .map(|(s, sep)| format!("{s}{sep}"))
            .collect::<String>()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

    #[test]
    fn random_assignments_agree_with_dash(text in file()) {
        if dash_available() {
            let dir = tempfile::tempdir().expect("tempdir");
            let baseline = dash_vars(dir.path(), "").expect("dash runs");
            if let Err(e) = compare(dir.path(), &text, &baseline) {
                prop_assert!(false, "{}", e);
            }
        }
    }
}

/// The generator must mostly produce inputs jailvol evaluates, or the property above
/// compares little.
#[test]
fn generator_mostly_produces_evaluable_input() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strat = file();
    let mut ok = 0;
    for _ in 0..300 {
        let Ok(tree) = strat.new_tree(&mut runner) else {
            continue;
        };
        if ours(&tree.current()).is_some() {
            ok += 1;
        }
    }
    assert!(ok >= 100, "only {ok} of 300 generated files evaluate");
}
