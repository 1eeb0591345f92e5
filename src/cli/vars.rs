//! `jailvol vars`: rc.conf variables as /bin/sh evaluates them.

use super::*;

pub(crate) fn vars(g: &Global, a: &VarsArgs) -> anyhow::Result<i32> {
    use crate::parse::{loader::Loader, rcconf};
    let loader = Loader::new(g.root.clone());
    let opts = rcconf::RcOptions {
        skip_unsupported: a.skip_unsupported,
    };
    let (vars, warnings) = if g.files.is_empty() {
        rcconf::load_host(&loader, &opts)?
    } else {
        rcconf::load_files(&loader, &g.files, &opts)?
    };
    warn(g, &warnings);
    let text = match g.format {
        Format::Json => {
            let map: indexmap::IndexMap<&str, &str> = vars
                .vars
                .iter()
                .map(|(k, v)| (k.as_str(), v.value.as_str()))
                .collect();
            let mut s = serde_json::to_string_pretty(&map)?;
            s.push('\n');
            s
        }
        _ => {
            let mut s = String::new();
            for (k, v) in &vars.vars {
                s.push_str(k);
                s.push_str(": ");
                s.push_str(&v.value);
                s.push('\n');
            }
            s
        }
    };
    print(&text)?;
    Ok(exit::OK)
}
