//! Golden tests for `jailvol convert`, run as the real binary, over every
//! `fixtures/rcconf/<case>/` that has a `convert.conf` or a `convert.stderr`:
//!
//! - `rc.conf`: the input, evaluated by the real rc.conf evaluator (its `vars.json` is
//!   checked by tests/rcconf_vars.rs, and against dash here and in tests/rcconf_dash.rs);
//! - `convert.conf`: the expected standard output of `jailvol convert -f rc.conf` run in
//!   the case directory; absent when the conversion must fail (exit 65, no output);
//! - `convert.stderr`: the expected warnings and errors (absent: none);
//! - `convert-args` (optional): more words after `convert` (jail names, `--era 9`, ...);
//! - `root/` (optional): the `--root` tree (fstab and jail.conf files rc.d/jail tests
//!   for readability). Without it `--root` names a directory that does not exist, so
//!   that the host's files never matter.
//!
//! Each output is parsed back as jail.conf and must give the model the library's
//! `Conversion::config` holds, and `show --rc-conf --format json` must print the model
//! of the converted text. `JAILVOL_BLESS=1` rewrites `convert.conf` and `convert.stderr`
//! (add an empty `convert.conf` to a case to make it a convert case).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use clap::Parser as _;
use jailvol::cli::{Cli, Command as CliCommand};
use jailvol::diag::Source;
use jailvol::parse::jailconf;
use jailvol::parse::loader::Loader;
use jailvol::parse::rcconf::{self, RcOptions};
use jailvol::{emit, legacy, model};

const NO_ROOT: &str = "/nonexistent/jailvol-test-root";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rcconf")
}

/// Every case directory (with an rc.conf), sorted.
fn all_cases() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures())
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.join("rc.conf").is_file())
                .collect()
        })
        .unwrap_or_default();
    dirs.sort();
    dirs
}

/// The cases `convert` is tested on.
fn convert_cases() -> Vec<PathBuf> {
    all_cases()
        .into_iter()
        .filter(|d| d.join("convert.conf").is_file() || d.join("convert.stderr").is_file())
        .collect()
}

fn name_of(dir: &Path) -> String {
    dir.file_name().unwrap_or_default().to_string_lossy().into_owned()
}

fn root_of(dir: &Path) -> String {
    if dir.join("root").is_dir() {
        "root".to_owned()
    } else {
        NO_ROOT.to_owned()
    }
}

fn extra_args(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("convert-args"))
        .map(|a| a.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

fn jailvol(dir: &Path, args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_jailvol"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_BACKTRACE")
        .env("NO_COLOR", "1")
        .output()
        .expect("run jailvol")
}

fn words(w: &[&str]) -> Vec<String> {
    w.iter().map(|s| (*s).to_owned()).collect()
}

/// What jail(8) would see in `text`.
fn reparse(text: &str) -> Result<model::Config, String> {
    let src = Source::new("convert.conf", text);
    let parsed = jailconf::parse_source(&Loader::default(), src, false)
        .map_err(|d| format!("output does not parse: {}\n{text}", d.render()))?;
    Ok(model::load(&parsed))
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

/// The model the library converts the case to, with the case's options.
fn library_config(dir: &Path, args: &[String]) -> Result<model::Config, String> {
    let mut argv = words(&["jailvol", "convert"]);
    argv.extend(args.iter().cloned());
    let cli = Cli::try_parse_from(&argv).map_err(|e| format!("convert-args: {e}"))?;
    let CliCommand::Convert(a) = cli.command else {
        return Err("convert-args: not a convert command".into());
    };
    let root = match root_of(dir).as_str() {
        "root" => dir.join("root"),
        other => PathBuf::from(other),
    };
    let loader = Loader::new(Some(root));
    let file = dir.join("rc.conf").display().to_string();
    // An absolute path: read it without the root.
    let (vars, _) =
        rcconf::load_files(&Loader::default(), &[file], &RcOptions::default()).map_err(|d| d.render())?;
    let conv = legacy::convert(&vars, &loader, &a.options());
    Ok(conv.config())
}

fn run_case(dir: &Path, bless: bool) -> Result<(), String> {
    let extra = extra_args(dir);
    let mut args = words(&["--root", &root_of(dir), "-f", "rc.conf", "convert"]);
    args.extend(extra.iter().cloned());
    let out = jailvol(dir, &args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let ok = match out.status.code() {
        Some(0) => true,
        Some(65) if stdout.is_empty() => false,
        code => return Err(format!("exit {code:?}\n{stderr}")),
    };
    if ok {
        same_jails(&reparse(&stdout)?, &library_config(dir, &extra)?)?;
    }
    let conf = dir.join("convert.conf");
    let errf = dir.join("convert.stderr");
    if bless {
        let w = |p: &Path, t: &str| std::fs::write(p, t).map_err(|e| e.to_string());
        match ok {
            true => w(&conf, &stdout)?,
            false => {
                let _ = std::fs::remove_file(&conf);
            }
        }
        if stderr.is_empty() {
            let _ = std::fs::remove_file(&errf);
        } else {
            w(&errf, &stderr)?;
        }
        return Ok(());
    }
    let want_out = std::fs::read_to_string(&conf).ok();
    let want_err = std::fs::read_to_string(&errf).unwrap_or_default();
    let got_out = ok.then_some(stdout);
    if got_out != want_out {
        return Err(format!(
            "convert.conf differs\n--- expected\n{}\n--- got\n{}",
            want_out.as_deref().unwrap_or("(no output: exit 65)"),
            got_out.as_deref().unwrap_or("(no output: exit 65)")
        ));
    }
    if stderr != want_err {
        return Err(format!(
            "convert.stderr differs\n--- expected\n{want_err}\n--- got\n{stderr}"
        ));
    }
    Ok(())
}

fn report(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn golden_fixtures() {
    let bless = std::env::var_os("JAILVOL_BLESS").is_some_and(|v| v == "1");
    let cases = convert_cases();
    assert!(
        cases.len() >= 30,
        "expected at least 30 convert cases, found {}",
        cases.len()
    );
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| run_case(c, bless).err().map(|e| format!("{}: {e}", name_of(c))))
        .collect();
    report(&failures);
}

/// The JSON document without each jail's `source` (the rc.conf line for `show`, the
/// jail.conf line for the reparsed text).
fn without_source(json: &str) -> Result<serde_json::Value, String> {
    let mut v: serde_json::Value = serde_json::from_str(json).map_err(|e| format!("{e}: {json}"))?;
    if let Some(jails) = v.get_mut("jails").and_then(|j| j.as_array_mut()) {
        for j in jails {
            if let Some(o) = j.as_object_mut() {
                o.remove("source");
            }
        }
    }
    Ok(v)
}

/// `show` on rc.conf prints the model of what `convert` writes (both with the default
/// options: `show` has no convert options), and points each jail at its rc.conf line.
fn show_case(dir: &Path) -> Result<(), String> {
    let root = root_of(dir);
    let show = jailvol(
        dir,
        &words(&[
            "--root",
            &root,
            "--rc-conf",
            "-f",
            "rc.conf",
            "--format",
            "json",
            "show",
        ]),
    );
    let conv = jailvol(dir, &words(&["--root", &root, "-f", "rc.conf", "convert"]));
    let shown = String::from_utf8_lossy(&show.stdout).into_owned();
    match conv.status.code() {
        Some(0) => {}
        Some(65) if show.status.code() == Some(65) => return Ok(()),
        code => {
            return Err(format!(
                "convert exit {code:?}, show exit {:?}\n{}",
                show.status.code(),
                String::from_utf8_lossy(&show.stderr)
            ));
        }
    }
    // A jail whose copied values jail(8) rejects (`exec.fib = one;`) fails: show leaves
    // it out and exits 65, as it does on the converted jail.conf.
    let text = String::from_utf8_lossy(&conv.stdout).into_owned();
    let reparsed = reparse(&text)?;
    let want = if reparsed.errors.is_empty() { 0 } else { 65 };
    if show.status.code() != Some(want) {
        return Err(format!(
            "show exit {:?}, want {want}\n{}",
            show.status.code(),
            String::from_utf8_lossy(&show.stderr)
        ));
    }
    let converted = emit::json::config(&reparsed);
    if without_source(&shown)? != without_source(&converted)? {
        return Err(format!(
            "show --format json:\n{shown}\nconvert, reparsed:\n{converted}"
        ));
    }
    let v: serde_json::Value = serde_json::from_str(&shown).map_err(|e| e.to_string())?;
    for j in v["jails"].as_array().into_iter().flatten() {
        if j["source"]["file"] != "rc.conf" {
            return Err(format!("jail {} has no rc.conf source: {j}", j["name"]));
        }
    }
    Ok(())
}

#[test]
fn show_prints_the_converted_model() {
    let failures: Vec<String> = convert_cases()
        .iter()
        .filter_map(|c| show_case(c).err().map(|e| format!("{}: {e}", name_of(c))))
        .collect();
    report(&failures);
}

/// The variables dash holds after `. ./rc.conf` (run as in tests/rcconf_dash.rs, in a
/// scratch directory), minus the ones it sets by itself; None if dash failed.
fn dash_vars(text: &str) -> Option<BTreeMap<String, String>> {
    let dir = tempfile::tempdir().ok()?;
    let run = |t: &str| -> Option<BTreeMap<String, String>> {
        std::fs::write(dir.path().join("rc.conf"), t).ok()?;
        common::dash_source(dir.path(), "rc.conf")
    };
    let baseline = run("")?;
    let mut vars = run(text)?;
    vars.retain(|k, v| baseline.get(k) != Some(v));
    Some(vars)
}

/// Differential: every `vars.json` (the golden `vars` output the conversion reads)
/// holds exactly the values dash gives the same rc.conf.
#[test]
fn vars_json_agrees_with_dash() {
    let dash = Command::new("dash")
        .args(["-c", "true"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !dash {
        if std::env::var("JAILVOL_SKIP_DASH").as_deref() == Ok("1") {
            return;
        }
        panic!("dash is not installed: install it (apt-get install dash) or set JAILVOL_SKIP_DASH=1");
    }
    let mut failures = Vec::new();
    let mut checked = 0;
    for dir in all_cases() {
        let Ok(json) = std::fs::read_to_string(dir.join("vars.json")) else {
            continue;
        };
        checked += 1;
        let mine: BTreeMap<String, String> = match serde_json::from_str(&json) {
            Ok(m) => m,
            Err(e) => {
                failures.push(format!("{}: vars.json: {e}", name_of(&dir)));
                continue;
            }
        };
        let text = std::fs::read_to_string(dir.join("rc.conf")).unwrap_or_default();
        match dash_vars(&text) {
            Some(theirs) if theirs == mine => {}
            Some(theirs) => failures.push(format!("{}: vars.json {mine:?}\ndash {theirs:?}", name_of(&dir))),
            None => failures.push(format!("{}: dash failed", name_of(&dir))),
        }
    }
    assert!(checked >= 30, "only {checked} vars.json files");
    report(&failures);
}
