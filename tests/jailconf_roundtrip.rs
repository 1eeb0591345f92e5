//! Property tests: `show` text of a generated configuration reads back to the same model,
//! the hand-written scanner fast path agrees with the pest grammar token for token, and
//! no input makes the parser panic.

use jailvol::diag::Source;
use jailvol::parse::jailconf::{debug_tokens, parse_source};
use jailvol::parse::loader::Loader;
use proptest::prelude::*;

fn load_json(text: &str) -> Result<(String, String), String> {
    let parsed =
        parse_source(&Loader::default(), Source::new("gen.conf", text), false).map_err(|e| e.to_string())?;
    let cfg = jailvol::model::load(&parsed);
    if !cfg.errors.is_empty() {
        return Err(format!(
            "{:?}",
            cfg.errors.iter().map(|e| e.to_string()).collect::<Vec<_>>()
        ));
    }
    Ok((
        jailvol::emit::json::config(&cfg),
        jailvol::emit::jailconf::config(&cfg),
    ))
}

/// The JSON without source locations (the reprinted text is a different file).
fn strip_sources(json: &str) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    if let Some(js) = v["jails"].as_array_mut() {
        for j in js {
            if let Some(o) = j.as_object_mut() {
                o.remove("source");
            }
        }
    }
    v
}

/// A value as written in the file: quoted with escapes, so any content is possible.
fn quoted(v: &str) -> String {
    let mut s = String::from("\"");
    for c in v.chars() {
        match c {
            '"' | '\\' | '$' => {
                s.push('\\');
                s.push(c);
            }
            '\n' => s.push_str("\\n"),
            _ => s.push(c),
        }
    }
    s.push('"');
    s
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9./]{0,8}",
        prop::collection::vec(
            prop_oneof![
                Just("\"".to_owned()),
                Just("'".to_owned()),
                Just("$".to_owned()),
                Just("${x}".to_owned()),
                Just("\\".to_owned()),
                Just("\n".to_owned()),
                Just("//".to_owned()),
                Just("/*".to_owned()),
                Just("#".to_owned()),
                Just(" ".to_owned()),
                Just(",".to_owned()),
                Just(";".to_owned()),
                Just("\t".to_owned()),
                Just("é".to_owned()),
                "[a-z]{1,3}",
            ],
            0..6
        )
        .prop_map(|v| v.concat()),
    ]
}

fn jail_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9_-]{0,6}",
        "[a-z]{1,3}\\.[a-z]{1,3}",
        "[1-9][0-9]{0,2}",
        Just("my jail".to_owned())
    ]
}

fn param_name() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "host.hostname",
        "path",
        "ip4.addr",
        "exec.start",
        "exec.stop",
        "allow.mount",
        "allow.nomount",
        "persist",
        "nopersist",
        "devfs_ruleset",
        "osrelease",
        "x.y.z",
    ])
}

#[derive(Debug, Clone)]
enum Stmt {
    Param {
        name: &'static str,
        append: bool,
        values: Vec<String>,
    },
    Bare(&'static str),
    Var {
        name: &'static str,
        value: String,
    },
    UseVar {
        name: &'static str,
        var: &'static str,
    },
    Bool {
        name: &'static str,
        value: &'static str,
    },
}

fn stmt() -> impl Strategy<Value = Stmt> {
    prop_oneof![
        (param_name(), any::<bool>(), prop::collection::vec(value(), 1..3))
            .prop_map(|(name, append, values)| Stmt::Param { name, append, values }),
        param_name().prop_map(Stmt::Bare),
        (prop::sample::select(vec!["v1", "v2", "vol_size"]), value())
            .prop_map(|(name, value)| Stmt::Var { name, value }),
        (
            param_name(),
            prop::sample::select(vec!["name", "v1", "host.hostname"])
        )
            .prop_map(|(name, var)| Stmt::UseVar { name, var }),
        (
            prop::sample::select(vec!["mount.devfs", "exec.clean", "mount.nodevfs"]),
            prop::sample::select(vec!["true", "false", "0", "1", "TRUE"])
        )
            .prop_map(|(name, value)| Stmt::Bool { name, value }),
    ]
}

fn render(s: &Stmt) -> String {
    match s {
        Stmt::Param { name, append, values } => format!(
            "{name} {} {};",
            if *append { "+=" } else { "=" },
            values.iter().map(|v| quoted(v)).collect::<Vec<_>>().join(", ")
        ),
        Stmt::Bare(n) => format!("{n};"),
        Stmt::Var { name, value } => format!("${name} = {};", quoted(value)),
        Stmt::UseVar { name, var } => format!("{name} = \"<${{{var}}}>\";"),
        Stmt::Bool { name, value } => format!("{name} = {value};"),
    }
}

#[derive(Debug, Clone)]
struct Block {
    name: String,
    wild: bool,
    stmts: Vec<Stmt>,
}

fn block() -> impl Strategy<Value = Block> {
    (
        jail_name(),
        prop::sample::select(vec![0u8, 0, 0, 1, 2]),
        prop::collection::vec(stmt(), 0..5),
    )
        .prop_map(|(name, w, stmts)| match w {
            1 => Block {
                name: "*".into(),
                wild: true,
                stmts,
            },
            2 => Block {
                name: format!("{}.*", name.split('.').next().unwrap_or("a")),
                wild: true,
                stmts,
            },
            _ => Block {
                name,
                wild: false,
                stmts,
            },
        })
}

fn config() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(stmt(), 0..3),
        prop::collection::vec(block(), 1..6),
    )
        .prop_map(|(globals, blocks)| {
            let mut s = String::new();
            for g in &globals {
                s.push_str(&render(g));
                s.push('\n');
            }
            for b in &blocks {
                s.push_str(&format!("{} {{\n", quoted(&b.name)));
                for st in &b.stmts {
                    s.push('\t');
                    s.push_str(&render(st));
                    s.push('\n');
                }
                s.push_str("}\n");
                let _ = b.wild;
            }
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn show_text_reads_back_to_the_same_model(conf in config()) {
        // Generated configs may be rejected by jail(8) rules (a variable shadowing a
        // parameter, `name` in a numeric block...): only accepted ones must round-trip.
        if let Ok((json, text)) = load_json(&conf) {
            let again = load_json(&text);
            prop_assert!(again.is_ok(), "reprinted text rejected: {:?}\n--- conf\n{}--- text\n{}", again, conf, text);
            if let Ok((json2, _)) = again {
                prop_assert_eq!(strip_sources(&json), strip_sources(&json2), "--- conf\n{}--- text\n{}", conf, text);
            }
        }
    }

    #[test]
    fn fast_scanner_matches_the_pest_grammar(text in prop::collection::vec(
        prop_oneof![
            "[a-z.]{1,4}", Just(" ".to_owned()), Just("\n".to_owned()), Just("\"".to_owned()),
            Just("'".to_owned()), Just("$".to_owned()), Just("${".to_owned()), Just("}".to_owned()),
            Just("{".to_owned()), Just("\\".to_owned()), Just("/".to_owned()), Just("*".to_owned()),
            Just("+".to_owned()), Just("=".to_owned()), Just(";".to_owned()), Just(",".to_owned()),
            Just("#".to_owned()), Just("\r".to_owned()), Just("\0".to_owned()), Just("é".to_owned()),
            Just("\\x4".to_owned()), Just("\\12".to_owned()), Just("\u{1}".to_owned()),
        ], 0..24).prop_map(|v| v.concat())) {
        prop_assert_eq!(debug_tokens(&text, false), debug_tokens(&text, true), "text {:?}", text);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if let Ok(p) = parse_source(&Loader::default(), Source::new("fuzz.conf", text), false) {
            let cfg = jailvol::model::load(&p);
            let _ = jailvol::emit::json::config(&cfg);
            let _ = jailvol::emit::jailconf::config(&cfg);
        }
    }

    #[test]
    fn jailconf_shaped_input_never_panics(text in "[a-z$*{}\"'\\\\;=+,#/ \n.]{0,120}") {
        if let Ok(p) = parse_source(&Loader::default(), Source::new("fuzz.conf", text), false) {
            let _ = jailvol::emit::jailconf::config(&jailvol::model::load(&p));
        }
    }
}
