//! The stable JSON documents of design §6.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::model::{Config, Jail};

#[derive(Serialize)]
struct Doc<'a> {
    jails: Vec<JailDoc<'a>>,
}

#[derive(Serialize)]
struct JailDoc<'a> {
    name: &'a str,
    params: Pairs<'a>,
    variables: Pairs<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<SourceDoc<'a>>,
}

/// A JSON object from (name, values) pairs in order. Names within a jail are unique
/// (`add_param` merges equal names), so no map is needed.
struct Pairs<'a>(Vec<(&'a str, &'a [String])>);

impl Serialize for Pairs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
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
        params: Pairs(
            j.params()
                .filter(|e| e.name != "name")
                .map(|e| (e.name.as_str(), e.values.as_slice()))
                .collect(),
        ),
        variables: Pairs(
            j.variables()
                .map(|e| (e.name.as_str(), e.values.as_slice()))
                .collect(),
        ),
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
    let mut buf = Vec::with_capacity(cfg.jails.len() * 1024 + 16);
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, serde_json::ser::PrettyFormatter::new());
    if let Err(e) = doc.serialize(&mut ser) {
        return format!("{{\"error\": {:?}}}\n", e.to_string());
    }
    buf.push(b'\n');
    // serde_json writes UTF-8 only.
    String::from_utf8(buf).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}
