//! Canonical jail.conf text: tab-indented FreeBSD style, values quoted only where the
//! scanner needs it, and escaped so that reading the text back gives the same model.

use std::fmt::Write as _;

use crate::model::{Config, Jail, numeric_name};

/// Characters the scanner takes as one unquoted word (jaillex.l).
pub fn is_word_char(c: char) -> bool {
    u8::try_from(c).is_ok_and(is_word_byte)
}

/// Byte classes for quoting, looked up once per byte.
const WORD: u8 = 1;
/// Allowed in a bare value: a word byte, `/`, `*` or `+`.
const BARE: u8 = 2;
/// Escaped inside double quotes.
const ESCAPE: u8 = 4;

const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        if c.is_ascii_alphanumeric() {
            t[i] = WORD | BARE;
        }
        if c < 0x20 || c == 0x7f {
            t[i] = ESCAPE;
        }
        i += 1;
    }
    let word = b"_!%&()-.:<>?@[]^`|~";
    let mut k = 0;
    while k < word.len() {
        t[word[k] as usize] = WORD | BARE;
        k += 1;
    }
    t[b'/' as usize] = BARE;
    t[b'*' as usize] = BARE;
    t[b'+' as usize] = BARE;
    t[b'"' as usize] = ESCAPE;
    t[b'\\' as usize] = ESCAPE;
    t[b'$' as usize] = ESCAPE;
    t
};

fn is_word_byte(b: u8) -> bool {
    CLASS[usize::from(b)] & WORD != 0
}

/// A value as jail.conf text: bare when it is safe, else double-quoted.
pub fn value(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    push_value(&mut out, v);
    out
}

/// `value` appended to `out`: generate writes thousands of statements, one buffer each.
pub fn push_value(out: &mut String, v: &str) {
    // Bare: only word characters, `/`, `*` and `+`, and no `//` or `/*`. Every other
    // character, non-ASCII included, needs the quotes.
    let mut bare = !v.is_empty();
    let mut slash = false;
    for b in v.bytes() {
        if CLASS[usize::from(b)] & BARE == 0 || (slash && (b == b'/' || b == b'*')) {
            bare = false;
            break;
        }
        slash = b == b'/';
    }
    if bare {
        out.push_str(v);
        return;
    }
    out.push('"');
    push_escaped(out, v);
    out.push('"');
}

/// `v` as it goes between double quotes. Escapes are byte by byte, so the escaped text
/// of a concatenation is the concatenation of the escaped parts.
pub fn push_escaped(out: &mut String, v: &str) {
    // Copy the runs that need no escape whole; every escaped character is ASCII, so
    // byte offsets stay on character boundaries.
    let mut plain = 0;
    for (i, b) in v.bytes().enumerate() {
        if CLASS[usize::from(b)] & ESCAPE == 0 {
            continue;
        }
        let esc = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'$' => "\\$",
            0..0x20 | 0x7f => "",
            _ => continue,
        };
        out.push_str(&v[plain..i]);
        if esc.is_empty() {
            push_char(out, char::from(b));
        } else {
            out.push_str(esc);
        }
        plain = i + 1;
    }
    out.push_str(&v[plain..]);
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

/// `name` appended to `out`, without an allocation for a plain word.
pub fn push_name(out: &mut String, n: &str) {
    if n == "*" || (!n.is_empty() && n.bytes().all(is_word_byte)) {
        out.push_str(n);
    } else {
        out.push_str(&name(n));
    }
}

/// A variable name as `$name` or `${name}`.
pub fn var_name(n: &str) -> String {
    let mut out = String::new();
    push_var_name(&mut out, n);
    out
}

/// `var_name` appended to `out` (check renders two for each of thousands of jails).
pub fn push_var_name(out: &mut String, n: &str) {
    let mut chars = n.chars();
    let simple = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if simple {
        out.push('$');
        out.push_str(n);
        return;
    }
    out.push_str("${");
    for c in n.chars() {
        match c {
            '{' | '}' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            _ => push_char(out, c),
        }
    }
    out.push('}');
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
pub fn statement<S: AsRef<str>>(n: &str, is_var: bool, values: &[S]) -> String {
    let mut out = String::new();
    push_statement(&mut out, n, is_var, values);
    out
}

/// `statement` appended to `out`.
pub fn push_statement<S: AsRef<str>>(out: &mut String, n: &str, is_var: bool, values: &[S]) {
    if is_var {
        push_var_name(out, n);
    } else {
        push_name(out, n);
    }
    if !values.is_empty() {
        out.push_str(" = ");
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            push_value(out, v.as_ref());
        }
    }
    out.push(';');
}

/// A jail as one block.
pub fn jail(out: &mut String, j: &Jail) {
    let numeric = numeric_name(&j.name);
    let _ = writeln!(out, "{} {{", name(&j.name));
    for e in &j.entries {
        // The block name implies these; writing them again would redefine them.
        if !e.is_var
            && ((e.name == "name" && e.values.len() == 1 && e.values[0] == j.name)
                || (numeric && e.name == "jid"))
        {
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

    /// `value` as it was written first, one character at a time: the byte-wise version
    /// must give the same text.
    fn value_by_chars(v: &str) -> String {
        let bare = !v.is_empty()
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_!%&()-.:<>?@[]^`|~/*+".contains(c))
            && !v.contains("//")
            && !v.contains("/*");
        if bare {
            return v.to_owned();
        }
        let mut out = String::from('"');
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

    #[test]
    fn value_matches_the_char_by_char_rules() {
        // Every string of up to three characters from an alphabet of each class.
        let alphabet = [
            "a", "Z", "0", "_", "~", "/", "*", "+", " ", "\"", "'", "\\", "$", "#", "\n", "\t", "\r", "\0",
            "\x1f", "\x7f", "é", "€", "{", ";",
        ];
        let mut n = 0;
        for a in alphabet {
            for b in alphabet {
                for c in alphabet {
                    for v in [a.to_owned(), format!("{a}{b}"), format!("{a}{b}{c}")] {
                        assert_eq!(value(&v), value_by_chars(&v), "{v:?}");
                        n += 1;
                    }
                }
            }
        }
        assert!(n > 10_000);
        assert_eq!(value(""), value_by_chars(""));
        for c in ['é', 'ÿ', '\u{80}', '\u{ff}', 'Ā'] {
            assert!(!is_word_char(c), "{c:?}");
        }
        assert!(is_word_char('|') && is_word_char('q') && !is_word_char('/'));
        let mut s = String::from("x");
        push_statement(&mut s, "mount.fstab", false, &["/a b", "/c"]);
        assert_eq!(
            s,
            format!("x{}", statement("mount.fstab", false, &["/a b", "/c"]))
        );
        assert_eq!(statement::<&str>("a b", false, &[]), "'a b';");
        assert_eq!(statement("volume_md_unit", true, &["7"]), "$volume_md_unit = 7;");
    }
}
