//! Canonical jail.conf text: tab-indented FreeBSD style, values quoted only where the
//! scanner needs it, and escaped so that reading the text back gives the same model.

use std::fmt::Write as _;

use crate::model::{Config, Jail, numeric_name};

/// Characters the scanner takes as one unquoted word (jaillex.l).
pub fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_!%&()-.:<>?@[]^`|~".contains(c)
}

/// A value as jail.conf text: bare when it is safe, else double-quoted.
pub fn value(v: &str) -> String {
    let bare = !v.is_empty()
        && v.chars()
            .all(|c| is_word_char(c) || c == '/' || c == '*' || c == '+')
        && !v.contains("//")
        && !v.contains("/*");
    if bare {
        return v.to_owned();
    }
    let mut out = String::with_capacity(v.len() + 2);
    out.push('"');
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' => out.push_str("\\$"),
            _ => push_char(&mut out, c),
        }
    }
    out.push('"');
    out
}

/// A parameter or block name: it must stay one token, so anything but a plain word is
/// single-quoted (no variable expansion there).
pub fn name(n: &str) -> String {
    if n == "*" || (!n.is_empty() && n.chars().all(is_word_char)) {
        return n.to_owned();
    }
    let mut out = String::with_capacity(n.len() + 2);
    out.push('\'');
    for c in n.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            _ => push_char(&mut out, c),
        }
    }
    out.push('\'');
    out
}

/// A variable name as `$name` or `${name}`.
pub fn var_name(n: &str) -> String {
    let mut chars = n.chars();
    let simple = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if simple {
        return format!("${n}");
    }
    let mut out = String::from("${");
    for c in n.chars() {
        match c {
            '{' | '}' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            _ => push_char(&mut out, c),
        }
    }
    out.push('}');
    out
}

fn push_char(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\t' => out.push_str("\\t"),
        '\r' => out.push_str("\\r"),
        c if (c as u32) < 0x20 || c as u32 == 0x7f => {
            let _ = write!(out, "\\{:03o}", c as u32);
        }
        c => out.push(c),
    }
}

/// One `name = v1, v2;` line (or `name;`), without indentation or newline.
pub fn statement(n: &str, is_var: bool, values: &[String]) -> String {
    let mut out = if is_var { var_name(n) } else { name(n) };
    if !values.is_empty() {
        out.push_str(" = ");
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(&value(v));
        }
    }
    out.push(';');
    out
}

/// A jail as one block.
pub fn jail(out: &mut String, j: &Jail) {
    let numeric = numeric_name(&j.name);
    let _ = writeln!(out, "{} {{", name(&j.name));
    for e in &j.entries {
        // The block name implies these; writing them again would redefine them.
        if !e.is_var && ((e.name == "name" && e.values == [j.name.clone()]) || (numeric && e.name == "jid")) {
            continue;
        }
        let _ = writeln!(out, "\t{}", statement(&e.name, e.is_var, &e.values));
    }
    out.push_str("}\n");
}

/// The whole configuration, jails separated by a blank line.
pub fn config(cfg: &Config) -> String {
    let mut out = String::new();
    for (i, j) in cfg.jails.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        jail(&mut out, j);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(value("/jails/www"), "/jails/www");
        assert_eq!(value("a b"), "\"a b\"");
        assert_eq!(value("$HOME"), "\"\\$HOME\"");
        assert_eq!(value(""), "\"\"");
        assert_eq!(value("/a//b"), "\"/a//b\"");
        assert_eq!(value("x\ny"), "\"x\\ny\"");
        assert_eq!(name("exec.start"), "exec.start");
        assert_eq!(name("web.*"), "'web.*'");
        assert_eq!(name("a'b$c"), "'a\\'b$c'");
        assert_eq!(var_name("ip"), "$ip");
        assert_eq!(var_name("host.hostname"), "${host.hostname}");
    }
}
