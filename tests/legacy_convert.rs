//! Golden tests for `jailvol convert`: every `fixtures/legacy/<case>/` holds an
//! `rc.conf` (plain `name="value"` lines, no expansions: valid for the real evaluator
//! later), the expected `convert.conf` (absent when the case must fail) and
//! `diagnostics.txt` (warnings and errors, one `file:line: severity: message` each, notes
//! indented). Optional: `args` (command-line words after `convert`), `root/` (the
//! `--root` tree, for fstab files). `JAILVOL_BLESS=1` rewrites the expected files.
//!
//! Until the rc.conf evaluator lands, the variables are read here by a minimal line
//! reader that only accepts that simple form.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::Parser as _;
use indexmap::IndexMap;
use jailvol::cli::{Cli, Command};
use jailvol::diag::{Diag, Loc, Source};
use jailvol::parse::jailconf;
use jailvol::parse::loader::Loader;
use jailvol::parse::rcconf::{RcVar, RcVars};
use jailvol::{legacy, model};

/// `NAME="value"`, `NAME='value'` or `NAME=value`, each optionally followed by a `#`
/// comment; blank and comment lines skipped. Anything else fails the test.
fn read_simple_rc_conf(name: &str, text: &str) -> RcVars {
    let src: Arc<Source> = Source::new(name, text);
    let mut vars: IndexMap<String, RcVar> = IndexMap::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let Some((var, rest)) = l.split_once('=') else {
            panic!("{name}: not a simple assignment: {l}");
        };
        assert!(
            var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "{name}: bad variable name in {l}"
        );
        let (value, tail) = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let end = rest[1..]
                    .find(q)
                    .unwrap_or_else(|| panic!("{name}: unterminated quote: {l}"));
                (&rest[1..=end], &rest[end + 2..])
            }
            _ => {
                let end = rest.find([' ', '\t']).unwrap_or(rest.len());
                (&rest[..end], &rest[end..])
            }
        };
        assert!(
            !value.contains(['$', '`', '\\']) || rest.starts_with('\''),
            "{name}: expansions are not supported by the simple reader: {l}"
        );
        let tail = tail.trim();
        assert!(
            tail.is_empty() || tail.starts_with('#'),
            "{name}: trailing text: {l}"
        );
        let indent = line.len() - line.trim_start().len();
        vars.insert(
            var.to_owned(),
            RcVar {
                value: value.to_owned(),
                loc: Loc::new(&src, start + indent),
            },
        );
    }
    RcVars { vars }
}

fn render_diag(d: &Diag) -> String {
    let mut s = match &d.loc {
        Some(loc) => format!("{}:{}: {}: {}\n", loc.file(), loc.line(), d.severity, d.message),
        None => format!("{}: {}\n", d.severity, d.message),
    };
    for n in &d.notes {
        s.push_str(&format!("  note: {n}\n"));
    }
    s
}

/// What jail(8) would see in `text`, for comparing with the conversion's own model.
fn reparse(text: &str) -> model::Config {
    let src = Source::new("convert.conf", text);
    let parsed = jailconf::parse_source(&Loader::default(), src, false)
        .unwrap_or_else(|d| panic!("output does not parse: {}\n{text}", d.render()));
    model::load(&parsed)
}

fn same_jails(a: &model::Config, b: &model::Config) -> Result<(), String> {
    let names = |c: &model::Config| c.jails.iter().map(|j| j.name.clone()).collect::<Vec<_>>();
    if names(a) != names(b) {
        return Err(format!("jails differ: {:?} vs {:?}", names(a), names(b)));
    }
    for (x, y) in a.jails.iter().zip(&b.jails) {
        if x.entries != y.entries {
            return Err(format!(
                "jail {}: entries differ:\n{:#?}\nvs\n{:#?}",
                x.name, x.entries, y.entries
            ));
        }
    }
    Ok(())
}

struct Case {
    dir: PathBuf,
}

impl Case {
    fn run(&self, bless: bool) -> Result<(), String> {
        let read = |f: &str| std::fs::read_to_string(self.dir.join(f)).ok();
        let rc = read("rc.conf").ok_or("no rc.conf")?;
        let vars = read_simple_rc_conf("/etc/rc.conf", &rc);
        let mut argv = vec!["jailvol".to_owned(), "convert".to_owned()];
        if let Some(a) = read("args") {
            argv.extend(a.split_whitespace().map(str::to_owned));
        }
        let cli = Cli::try_parse_from(&argv).map_err(|e| format!("args: {e}"))?;
        let Command::Convert(args) = cli.command else {
            return Err("args: not a convert command".into());
        };
        let root = self.dir.join("root");
        let root = if root.is_dir() {
            root
        } else {
            PathBuf::from("/nonexistent/jailvol-test-root")
        };
        let loader = Loader::new(Some(root));
        let conv = legacy::convert(&vars, &loader, &args.options());
        let mut diags = String::new();
        for d in conv.warnings.iter().chain(&conv.errors) {
            diags.push_str(&render_diag(d));
        }
        let out = conv.errors.is_empty().then(|| conv.render(args.explain));
        if let Some(text) = &out {
            same_jails(&reparse(text), &conv.config())?;
        }
        let expected_out = read("convert.conf");
        let expected_diags = read("diagnostics.txt").unwrap_or_default();
        if bless {
            let conf = self.dir.join("convert.conf");
            match &out {
                Some(t) => std::fs::write(&conf, t).map_err(|e| e.to_string())?,
                None => {
                    let _ = std::fs::remove_file(&conf);
                }
            }
            let diag_path = self.dir.join("diagnostics.txt");
            if diags.is_empty() {
                let _ = std::fs::remove_file(diag_path);
            } else {
                std::fs::write(diag_path, &diags).map_err(|e| e.to_string())?;
            }
            return Ok(());
        }
        if out != expected_out {
            return Err(format!(
                "convert.conf differs\n--- expected\n{}\n--- got\n{}",
                expected_out.as_deref().unwrap_or("(no output)"),
                out.as_deref().unwrap_or("(no output: errors)")
            ));
        }
        if diags != expected_diags {
            return Err(format!(
                "diagnostics.txt differs\n--- expected\n{expected_diags}\n--- got\n{diags}"
            ));
        }
        Ok(())
    }
}

fn cases() -> Vec<Case> {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/legacy");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&base)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs.into_iter().map(|dir| Case { dir }).collect()
}

#[test]
fn golden_fixtures() {
    let bless = std::env::var_os("JAILVOL_BLESS").is_some_and(|v| v == "1");
    let cases = cases();
    assert!(
        cases.len() >= 30,
        "expected at least 30 fixture cases, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    for c in &cases {
        if let Err(e) = c.run(bless) {
            failures.push(format!("{}: {e}", c.dir.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn simple_reader_keeps_lines() {
    let v = read_simple_rc_conf("/etc/rc.conf", "# c\na=\"x y\"\t# t\n  b='$z'\nc=w\n");
    assert_eq!(v.get("a"), Some("x y"));
    assert_eq!(v.get("b"), Some("$z"));
    assert_eq!(v.get("c"), Some("w"));
    assert_eq!(v.vars["b"].loc.line(), 3);
}
