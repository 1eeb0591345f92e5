//! The rc.conf lexer's work is linear in its input (issue 8): on every input of
//! fuzz/regressions/rcconf/ (several took seconds to minutes when the grammar re-read
//! failed constructs) and on generated adversarial inputs, no pest parse needs more than
//! `CALLS_PER_BYTE` rule calls per byte of input. pest's call limit makes a parse that
//! needs more fail; the lexer reports that as a syntax error, so each input must give
//! the same outcome with the limit as without it. Nothing is timed.
//!
//! The call limit is global to the process: this file is its own test binary, with one
//! test, so that no other parse runs under it.

use std::num::NonZeroUsize;
use std::path::Path;

use jailvol::diag::Source;
use jailvol::parse::rcconf::{RcOptions, evaluate};

/// Every input here needs at most about 32 (fuzz/README.md); the old grammar needed
/// billions on the `hang-*` inputs.
const CALLS_PER_BYTE: usize = 64;
/// A few hundred calls whatever the size: `line`, `word` and their first alternatives.
const CALLS_FIXED: usize = 1000;

fn outcome(text: &str) -> String {
    match evaluate(&[Source::new("rc.conf", text)], &RcOptions::default()) {
        Ok((vars, _)) => format!("{} variables", vars.vars.len()),
        Err(e) => e.to_string(),
    }
}

/// The outcome with the call limit for this input, and without one.
fn limited_and_not(text: &str) -> (String, String) {
    pest::set_call_limit(NonZeroUsize::new(CALLS_FIXED + CALLS_PER_BYTE * text.len()));
    let limited = outcome(text);
    pest::set_call_limit(None);
    (limited, outcome(text))
}

/// Adversarial inputs of about `n` bytes (the same families as in fuzz/README.md).
fn adversarial(n: usize) -> Vec<(&'static str, String)> {
    let pad = "a".repeat(n);
    vec![
        // Nesting up to the `MAX_NESTING` limit, unterminated, then a long body.
        ("nest8-dq-param", format!("x=\"{}{pad}\n", "${a:-\"".repeat(8))),
        ("nest8-param", format!("x={}{pad}\n", "${a:-".repeat(8))),
        ("nest8-cmdsub", format!("x={}{pad}\n", "$(".repeat(8))),
        ("nest8-dq-cmdsub", format!("x={}{pad}\n", "\"$(".repeat(8))),
        ("nest4-arith", format!("x={}{pad}\n", "$((".repeat(4))),
        ("nest8-other", format!("x={}{pad}\n", "${#\"".repeat(8))),
        (
            "nest-mixed",
            format!("x=\"{}${{a-{pad}\n", "${a:-'\"`$(${#\"".repeat(2)),
        ),
        // Nesting the count does not see (each `)` lowers it), unterminated.
        ("deep-param-paren", format!("x={}\n", "${a-)".repeat(n / 5))),
        (
            "deep-dq-param-paren",
            format!("x=\"{}\n", "${a-)\"".repeat(n / 6)),
        ),
        ("deep-other-quote", format!("x={}\n", "${a%')\"".repeat(n / 8))),
        // Long unterminated constructs.
        ("long-dq", format!("x=\"{pad}\n")),
        ("long-sq", format!("x='{pad}\n")),
        ("long-bq", format!("x=`{pad}\n")),
        ("long-cmdsub", format!("x=$({pad}\n")),
        ("long-param", format!("x=${{a-{pad}\n")),
        ("long-dq-lines", format!("x=\"{}", "line\n".repeat(n / 5))),
        // Many `${` openers.
        (
            "many-param-dq-unterminated",
            format!("x=\"{}${{\n", "${a:-b}".repeat(n / 7)),
        ),
        ("many-other", format!("x={}\n", "${#\"}\"}".repeat(n / 7))),
        ("many-open-closed", format!("x={}\n", "${a-${b-}}".repeat(n / 10))),
        ("many-dq-sq", format!("x={}\n", "\"'\"'".repeat(n / 4))),
        ("many-lines-of-openers", "x=\"${a:-$(`'\"}\"\n".repeat(n / 16)),
        // Long lines.
        ("line-quotes", format!("x=\"{}\"\n", "a\\\"".repeat(n / 3))),
        ("line-vars", format!("x=\"{}\"\n", "$a ".repeat(n / 3))),
    ]
}

#[test]
fn lexing_needs_a_bounded_number_of_calls_per_byte() {
    // Deep nesting: room for pest's recursion (debug frames are large).
    let run = std::thread::Builder::new().stack_size(256 << 20).spawn(|| {
        let mut failures = Vec::new();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/rcconf");
        let mut inputs: Vec<(String, String)> = std::fs::read_dir(&dir)
            .expect("fuzz/regressions/rcconf")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.file_name().is_some_and(|n| n != "README.md"))
            .map(|p| {
                let text = String::from_utf8_lossy(&std::fs::read(&p).expect("read")).into_owned();
                (p.display().to_string(), text)
            })
            .collect();
        inputs.sort();
        assert!(inputs.len() >= 15, "{} regression inputs", inputs.len());
        for (name, text) in adversarial(4096) {
            inputs.push((name.to_owned(), text));
        }
        for (name, text) in &inputs {
            let (limited, free) = limited_and_not(text);
            if limited != free {
                failures.push(format!(
                    "{name}: {limited:?} under the call limit, {free:?} without"
                ));
            }
            if free.contains("syntax error") {
                failures.push(format!("{name}: {free:?} (pest's stack guard?)"));
            }
        }
        failures
    });
    let failures = run.expect("spawn").join().expect("no panic");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
