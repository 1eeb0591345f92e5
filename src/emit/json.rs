//! The stable JSON documents of design §6.
//!
//! `show` writes its document jail by jail (`write_config`, or `write_start`,
//! `write_jail`, `write_end` for streaming), in serde_json's pretty format byte for
//! byte: two-space indents, `": "`, `[]` and `{}` for empty lists and objects, strings
//! escaped as serde_json escapes them.

use std::io::{self, Write};

use crate::model::{Config, Entry, Jail, JailView};
use crate::parse::jailconf::Text;

/// `jailvol show --format json`.
pub fn config(cfg: &Config) -> String {
    let mut buf = Vec::with_capacity(cfg.jails.len() * 1024 + 16);
    // Writing to a Vec does not fail.
    let _ = write_config(&mut buf, cfg);
    // Only valid UTF-8 is written (str input, ASCII escapes).
    String::from_utf8(buf).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// `config`, written to `out`.
pub fn write_config<W: Write>(out: &mut W, cfg: &Config) -> io::Result<()> {
    write_start(out)?;
    for (i, j) in cfg.jails.iter().enumerate() {
        write_jail(out, j, i == 0)?;
    }
    write_end(out, !cfg.jails.is_empty())
}

/// The head of the document, up to the jails.
pub fn write_start<W: Write>(out: &mut W) -> io::Result<()> {
    out.write_all(b"{\n  \"jails\": [")
}

/// One jail of the `jails` list; `first` for the first one written.
pub fn write_jail<W: Write>(out: &mut W, j: &Jail, first: bool) -> io::Result<()> {
    buffered(out, |buf| {
        parts(
            buf,
            first,
            &j.name,
            j.loc.as_ref().map(|l| (l.file(), l.line())),
            // `name` is the key; a numeric block's implied `jid` stays (design §6).
            j.params()
                .filter(|e| e.name != "name")
                .map(|e| (e.name.as_str(), values(e))),
            j.variables().map(|e| (e.name.as_str(), values(e))),
        )
    })
}

fn values(e: &Entry) -> impl ExactSizeIterator<Item = &str> {
    e.values.iter().map(Text::as_str)
}

/// `write_jail` for a jail lent by `model::load_each_view`.
pub fn write_jail_view<W: Write>(out: &mut W, j: &JailView<'_, '_>, first: bool) -> io::Result<()> {
    buffered(out, |buf| push_jail_view(buf, j, first))
}

/// `write_jail_view` appended to `buf`: show renders chunks of jails into buffers of
/// its own, which `write_jail_view` would fill by a second copy.
pub fn push_jail_view(buf: &mut Vec<u8>, j: &JailView<'_, '_>, first: bool) {
    parts(
        buf,
        first,
        j.name,
        j.file_line(),
        j.entries()
            .filter(|e| !e.is_var && e.name != "name")
            .map(|e| (e.name, e.values())),
        j.entries().filter(|e| e.is_var).map(|e| (e.name, e.values())),
    );
}

/// What `render` writes, written to `out` with one call: a write per piece cost more
/// than the rendering (tens of pieces per jail). The buffer is this thread's, kept for
/// the next jail.
fn buffered<W: Write>(out: &mut W, render: impl FnOnce(&mut Vec<u8>)) -> io::Result<()> {
    BUF.with_borrow_mut(|buf| {
        buf.clear();
        render(buf);
        out.write_all(buf)
    })
}

thread_local! {
    static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn parts<'e, V: ExactSizeIterator<Item = &'e str>>(
    buf: &mut Vec<u8>,
    first: bool,
    name: &str,
    loc: Option<(&str, usize)>,
    params: impl Iterator<Item = (&'e str, V)>,
    variables: impl Iterator<Item = (&'e str, V)>,
) {
    buf.extend_from_slice(if first { b"\n    {" } else { b",\n    {" });
    buf.extend_from_slice(b"\n      \"name\": ");
    string(buf, name);
    buf.extend_from_slice(b",\n      \"params\": ");
    pairs(buf, params);
    buf.extend_from_slice(b",\n      \"variables\": ");
    pairs(buf, variables);
    if let Some((file, line)) = loc {
        buf.extend_from_slice(b",\n      \"source\": {\n        \"file\": ");
        string(buf, file);
        buf.extend_from_slice(b",\n        \"line\": ");
        decimal(buf, line);
        buf.extend_from_slice(b"\n      }");
    }
    buf.extend_from_slice(b"\n    }");
}

/// `jailvol vars --format json`: the variables as one object, name to value, in their
/// order, as `serde_json::to_string_pretty` writes an `IndexMap<&str, &str>` of them, with
/// a final newline. Written as it goes (the map and the whole text of 62,500
/// variables were a quarter of `vars`' work).
pub fn write_vars<'v, W: Write>(
    out: &mut W,
    vars: impl IntoIterator<Item = (&'v str, &'v str)>,
) -> io::Result<()> {
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut any = false;
    buf.push(b'{');
    for (name, value) in vars {
        buf.extend_from_slice(if any { b",\n  " } else { b"\n  " });
        any = true;
        string(&mut buf, name);
        buf.extend_from_slice(b": ");
        string(&mut buf, value);
        if buf.len() >= 60 * 1024 {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    buf.extend_from_slice(if any { b"\n}\n" } else { b"}\n" });
    out.write_all(&buf)
}

/// `n` in decimal, as `Display` writes it.
fn decimal(buf: &mut Vec<u8>, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[i..]);
}

/// The end of the document; `any` when a jail was written.
pub fn write_end<W: Write>(out: &mut W, any: bool) -> io::Result<()> {
    out.write_all(if any { b"\n  ]\n}\n" } else { b"]\n}\n" })
}

/// An object of (name, values) at the depth of a jail's fields. Names within a jail are
/// unique (`add_param` merges equal names), so no map is needed.
fn pairs<'e, V: ExactSizeIterator<Item = &'e str>>(
    buf: &mut Vec<u8>,
    entries: impl Iterator<Item = (&'e str, V)>,
) {
    let mut any = false;
    for (name, values) in entries {
        buf.extend_from_slice(if any { b",\n        " } else { b"{\n        " });
        any = true;
        string(buf, name);
        buf.extend_from_slice(b": [");
        let empty = values.len() == 0;
        for (k, v) in values.enumerate() {
            buf.extend_from_slice(if k == 0 { b"\n          " } else { b",\n          " });
            string(buf, v);
        }
        buf.extend_from_slice(if empty { b"]" } else { b"\n        ]" });
    }
    buf.extend_from_slice(if any { b"\n      }" } else { b"{}" });
}

/// A JSON string as serde_json writes it: `"` and `\` escaped, the control characters
/// as `\b \t \n \f \r` or `\u00xx`, everything else (DEL, non-ASCII) as is.
fn string(buf: &mut Vec<u8>, s: &str) {
    let b = s.as_bytes();
    buf.reserve(b.len() + 2);
    buf.push(b'"');
    // Most values need no escape: test eight bytes at a time, then the rest.
    let mut words = b.chunks_exact(8);
    let plain = words.by_ref().all(|w| {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        !needs_escape(u64::from_le_bytes(a))
    }) && words.remainder().iter().all(|&c| !ESCAPED[usize::from(c)]);
    if plain {
        buf.extend_from_slice(b);
    } else {
        escaped(buf, b);
    }
    buf.push(b'"');
}

/// The bytes `string` escapes.
const ESCAPED: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = true;
        c += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// The body of a string with something to escape.
#[cold]
fn escaped(buf: &mut Vec<u8>, b: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut from = 0;
    for (i, &c) in b.iter().enumerate() {
        if !ESCAPED[usize::from(c)] {
            continue;
        }
        buf.extend_from_slice(&b[from..i]);
        from = i + 1;
        let esc: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x09 => b"\\t",
            0x0a => b"\\n",
            0x0c => b"\\f",
            0x0d => b"\\r",
            _ => &[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(c >> 4)],
                HEX[usize::from(c & 0xf)],
            ],
        };
        buf.extend_from_slice(esc);
    }
    buf.extend_from_slice(&b[from..]);
}

/// Whether any byte of `w` is below 0x20, `"` or `\` (the classic SWAR tests: a byte
/// below n, a byte equal to c).
fn needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below = w.wrapping_sub(ONES * 0x20) & !w;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x;
    (below | zero(w ^ (ONES * u64::from(b'"'))) | zero(w ^ (ONES * u64::from(b'\\')))) & HIGH != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_word_test_finds_every_byte_to_escape() {
        for c in 0u8..=255 {
            for at in 0..8 {
                let mut w = [b'a'; 8];
                w[at] = c;
                let expect = c < 0x20 || c == b'"' || c == b'\\';
                assert_eq!(needs_escape(u64::from_le_bytes(w)), expect, "byte {c:#x} at {at}");
            }
        }
    }

    #[test]
    fn strings_escape_like_serde_json() {
        let all: String = (0u32..0x100).filter_map(char::from_u32).collect();
        for s in [
            "",
            "plain",
            "a\"b\\c",
            "\u{7f}é€😀",
            "\u{0}\u{1f}\x08\t\n\x0b\x0c\r",
            all.as_str(),
        ] {
            let mut v = Vec::new();
            string(&mut v, s);
            assert_eq!(String::from_utf8(v).unwrap(), serde_json::to_string(s).unwrap());
        }
        // A byte to escape at every position of strings of up to three words, in the
        // words and in the rest after them.
        for len in 0..24 {
            for at in 0..len {
                for c in ['"', '\\', '\n', '\u{1}', 'é'] {
                    let mut s: String = "x".repeat(len);
                    s.replace_range(at..at + 1, &c.to_string());
                    let mut v = Vec::new();
                    string(&mut v, &s);
                    assert_eq!(String::from_utf8(v).unwrap(), serde_json::to_string(&s).unwrap());
                }
            }
        }
    }

    /// `write_vars` is what `vars` prints today: serde_json's pretty map and a newline.
    #[test]
    fn vars_as_serde_json_prints_them() {
        let all: String = (0u32..0x100).filter_map(char::from_u32).collect();
        let cases: Vec<Vec<(&str, &str)>> = vec![
            vec![],
            vec![("a", "1")],
            vec![
                ("jail_x_ip", "10.0.0.1 \"q\"\\"),
                ("b", ""),
                ("c\n", all.as_str()),
                ("é", "\u{7f}"),
            ],
        ];
        for vars in cases {
            let map: indexmap::IndexMap<&str, &str> = vars.iter().copied().collect();
            let mut want = serde_json::to_string_pretty(&map).unwrap();
            want.push('\n');
            let mut got = Vec::new();
            write_vars(&mut got, vars.iter().copied()).unwrap();
            assert_eq!(String::from_utf8(got).unwrap(), want);
        }
    }

    #[test]
    fn decimal_is_display() {
        for n in [0, 1, 9, 10, 99, 100, 12345, usize::MAX] {
            let mut v = Vec::new();
            decimal(&mut v, n);
            assert_eq!(String::from_utf8(v).unwrap(), n.to_string());
        }
    }
}
