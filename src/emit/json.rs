//! The stable JSON documents of design §6.

use indexmap::IndexMap;
use serde::Serialize;

use crate::model::{Config, Jail};

#[derive(Serialize)]
struct Doc<'a> {
    jails: Vec<JailDoc<'a>>,
}

#[derive(Serialize)]
struct JailDoc<'a> {
    name: &'a str,
    params: IndexMap<&'a str, &'a [String]>,
    variables: IndexMap<&'a str, &'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<SourceDoc<'a>>,
}

#[derive(Serialize)]
struct SourceDoc<'a> {
    file: &'a str,
    line: usize,
}

fn jail_doc(j: &Jail) -> JailDoc<'_> {
    JailDoc {
        name: &j.name,
        // `name` is the key; a numeric block's implied `jid` stays (design §6).
        params: j
            .params()
            .filter(|e| e.name != "name")
            .map(|e| (e.name.as_str(), e.values.as_slice()))
            .collect(),
        variables: j
            .variables()
            .map(|e| (e.name.as_str(), e.values.as_slice()))
            .collect(),
        source: j.loc.as_ref().map(|l| SourceDoc {
            file: l.file(),
            line: l.line(),
        }),
    }
}

/// `jailvol show --format json`.
pub fn config(cfg: &Config) -> String {
    let doc = Doc {
        jails: cfg.jails.iter().map(jail_doc).collect(),
    };
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
