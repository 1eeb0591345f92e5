//! The words of `jail_<jv>_parameters`: each is a jail.conf statement of its own, read
//! without variables and `.include`.

use std::borrow::Cow;

use crate::diag::Source;
use crate::parse::jailconf::{self, Op as CfOp};
use crate::parse::loader::Loader;

use super::{Few, Op};

/// The usual `name`, `name=value` or `name+=value` with nothing the scanner treats
/// specially, without running the full parser (a jail.conf parse per word is slow when
/// converting thousands of jails). Anything else goes to `jailconf::parse_source`.
pub(super) fn simple_statement(word: &str) -> Option<Stmt<'_>> {
    let name_ok = |n: &str| {
        n.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            && n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
    };
    let value_ok = |v: &str| {
        !v.is_empty()
            && !v.contains("//")
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"_.-:@%^~/|".contains(&b))
    };
    let (name, op, value) = match word.find('=') {
        None => (word, Op::Bare, None),
        Some(i) if i > 0 && word.as_bytes()[i - 1] == b'+' => {
            (&word[..i - 1], Op::Append, Some(&word[i + 1..]))
        }
        Some(i) => (&word[..i], Op::Set, Some(&word[i + 1..])),
    };
    if !name_ok(name) || !value.is_none_or(value_ok) {
        return None;
    }
    Some(Stmt {
        name: Cow::Borrowed(name),
        is_var: false,
        op,
        values: Few::from(value.map(Cow::Borrowed)),
    })
}

/// A statement parsed from a `parameters` word.
pub(super) struct Stmt<'w> {
    pub(super) name: Cow<'w, str>,
    pub(super) is_var: bool,
    pub(super) op: Op,
    pub(super) values: Few<Cow<'w, str>>,
}

/// Parse `WORD;` as jail.conf: only plain parameter or variable statements, without
/// variable references (rc.d/jail would leave their expansion to jail(8); jailvol writes
/// values literally and refuses rather than change their meaning).
pub(super) fn parse_statement<'w>(var: &str, word: &'w str) -> Result<Few<Stmt<'w>>, String> {
    if let Some(st) = simple_statement(word) {
        return Ok(Few::One(st));
    }
    if word.contains(".include") {
        return Err("`.include` is not allowed here".to_owned());
    }
    let src = Source::new(var, format!("{word};"));
    // Sealed: however the word spells `.include`, no file is read.
    let parsed = jailconf::parse_source(&Loader::sealed(), src, false).map_err(|d| d.message)?;
    let mut out = Few::default();
    for rec in &parsed.jails {
        if rec.block.is_some() {
            return Err("a block is not a parameter".to_owned());
        }
        for p in parsed.params(rec) {
            if p.values.iter().any(|s| !s.vars.is_empty()) {
                return Err(
                    "jail.conf variable references are not supported; write the value out".to_owned(),
                );
            }
            out.push(Stmt {
                name: Cow::Owned(p.name.to_string()),
                is_var: p.is_var,
                op: match p.op {
                    CfOp::Bare => Op::Bare,
                    CfOp::Append => Op::Append,
                    CfOp::Set | CfOp::NameVal => Op::Set,
                },
                values: Few::from(
                    p.values
                        .iter()
                        .map(|s| Cow::Owned(s.text.to_string()))
                        .collect::<Vec<_>>(),
                ),
            });
        }
    }
    Ok(out)
}
