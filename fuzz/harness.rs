//! The code each fuzz target runs on one input, shared with the root crate's
//! `tests/fuzz_regressions.rs` (which includes this file with `#[path]`), so that a
//! regression input is replayed through exactly what the fuzzer ran.
//!
//! Only `jailvol` and `serde_json` (a dependency of both crates) are used here.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use jailvol::diag::Source;
use jailvol::parse::jailconf::parse_source;
use jailvol::parse::loader::Loader;

/// An empty directory taken as `--root`: the inputs are named `/fuzz.conf` so that every
/// `.include` (relative or absolute) and every path the converter probes is looked up
/// below it, not on this machine's real /etc.
fn root() -> PathBuf {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        // Never written to: one shared empty directory for every run.
        let dir = std::env::temp_dir().join("jailvol-fuzz-root");
        let _ = std::fs::create_dir_all(&dir);
        dir
    })
    .clone()
}

fn loader() -> Loader {
    Loader::new(Some(root()))
}

fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// `..` could climb out of the root (`.include "/../../proc/kcore"`): such inputs test
/// the host's file system, not the parser, so the harness leaves them out when they
/// could name an include.
fn could_escape_root(text: &str) -> bool {
    text.contains("include") && text.contains("..")
}

/// The JSON document without source locations (a reprinted text is another file).
fn strip_sources(json: &str) -> serde_json::Value {
    let mut v: serde_json::Value = match serde_json::from_str(json) {
        Ok(v) => v,
        Err(e) => panic!("emit::json::config wrote invalid JSON ({e}):\n{json}"),
    };
    if let Some(js) = v["jails"].as_array_mut() {
        for j in js {
            if let Some(o) = j.as_object_mut() {
                o.remove("source");
            }
        }
    }
    v
}

/// jail.conf: parse, load, emit text and JSON; the emitted text must parse again to the
/// same JSON document.
pub fn jailconf(data: &[u8]) {
    let text = text(data);
    if could_escape_root(&text) {
        return;
    }
    let loader = loader();
    let Ok(parsed) = parse_source(&loader, Source::new("/fuzz.conf", text), false) else {
        return;
    };
    let cfg = jailvol::model::load(&parsed);
    let emitted = jailvol::emit::jailconf::config(&cfg);
    let json = jailvol::emit::json::config(&cfg);
    let again = match parse_source(&loader, Source::new("/emitted.conf", emitted.as_str()), false) {
        Ok(p) => p,
        Err(e) => panic!(
            "emitted text does not parse: {}\n--- emitted\n{emitted}",
            e.render()
        ),
    };
    let cfg2 = jailvol::model::load(&again);
    let json2 = jailvol::emit::json::config(&cfg2);
    let (a, b) = (strip_sources(&json), strip_sources(&json2));
    assert!(
        a == b,
        "emitted text reads back to another model\n--- emitted\n{emitted}--- json\n{json}--- json again\n{json2}"
    );
}

/// rc.conf: evaluate; if that succeeds, convert (must not panic) and the rendered text
/// (plain and with --explain) must parse as jail.conf.
pub fn rcconf(data: &[u8]) {
    let text = text(data);
    let src: Arc<Source> = Source::new("/etc/rc.conf", text);
    let opts = jailvol::parse::rcconf::RcOptions::default();
    let Ok((vars, _warnings)) = jailvol::parse::rcconf::evaluate(&[src], &opts) else {
        return;
    };
    let loader = loader();
    let conv = jailvol::legacy::convert(&vars, &loader, &jailvol::legacy::Options::default());
    for explain in [false, true] {
        let rendered = conv.render(explain);
        if let Err(e) = parse_source(&loader, Source::new("/converted.conf", rendered.as_str()), false) {
            panic!(
                "converted text (explain={explain}) does not parse: {}\n--- rendered\n{rendered}",
                e.render()
            );
        }
    }
    let _ = jailvol::emit::json::config(&conv.config());
}

/// fstab: parse (and decode the vis(3) escapes) must not panic.
pub fn fstab(data: &[u8]) {
    let text = text(data);
    let (lines, _errors) = jailvol::parse::fstab::parse(&text);
    for l in &lines {
        let _ = l.options().count();
    }
}
