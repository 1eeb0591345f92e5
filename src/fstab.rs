//! What an fstab field can hold, for each style, in one place: how jail(8) splits and
//! decodes an fstab line (and a `mount` entry, read the same way), how the hooks style
//! escapes a path into a field, and which paths the other styles refuse. A leaf
//! module (std only), so that the reader (`parse::fstab`) and the writers (`plan`,
//! `rcplan`, `volume`) can share it without depending on each other.
//!
//! jail(8) reads each `mount.fstab` line cut at its first `#` (usr.sbin/jail/config.c
//! `check_intparams`) and, like a `mount` entry, splits it with
//! `strtok(" \t\f\v\r\n")`, using fields 1-4 and decoding fields 1-2 with strunvis(3)
//! (usr.sbin/jail/command.c `run_command`, one case for `IP_MOUNT` and
//! `IP__MOUNT_FROM_FSTAB`; releases before 13 do not decode, spec §2.4). mount(8)
//! splits the options field at `,`, and a `-` option at its first `=`
//! (sbin/mount/mount.c `mangle`).

use std::fmt::Write as _;

/// jail(8)'s blanks between the fields of an fstab line or `mount` entry (command.c
/// `run_command`: `strtok(comcs, " \t\f\v\r\n")`).
pub const BLANKS: [char; 6] = [' ', '\t', '\x0c', '\x0b', '\r', '\n'];

/// Where jail(8) cuts an fstab line (config.c `check_intparams`); a `mount` value is not
/// cut there.
pub const COMMENT: char = '#';

/// The fields of an fstab line or `mount` entry as jail(8) splits it.
pub fn fields(line: &str) -> impl Iterator<Item = &str> {
    line.split(BLANKS).filter(|f| !f.is_empty())
}

/// How a style's fstab line carries a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carry {
    /// In a field jail(8) decodes (the hooks style's mount point, FreeBSD 13+): what
    /// would break the field is written as a vis(3) octal escape (`push_escaped`).
    Escaped,
    /// As it is, where nothing is decoded: the mount point of the mountprog and rc.conf
    /// styles (FreeBSD 6-12 jail(8) and mount(8) take the field raw) and the container
    /// inside their options (`-FFILE`, split at `,`). A path that would need an escape
    /// is refused (`refused`).
    Verbatim,
}

/// The first byte of a path that no style can write into any file of jailvol's: a
/// control character (below 0x20, or DEL). An fstab line ends at a newline and splits
/// on the others above, `mdconfig -l -v` prints the file between tabs on one line
/// (sbin/mdconfig/mdconfig.c `md_list`), and the comment lines of jailvol's own files
/// would end early. Refused in every style, before anything is written.
pub fn control_char(s: &str) -> Option<u8> {
    s.bytes().find(|&b| is_control(b))
}

/// The end of the message for `control_char`.
pub fn control_message(c: u8) -> String {
    format!(
        "contains the control character {:?}: fstab lines, mdconfig -l output and jailvol's files cannot \
         carry it; rename it",
        char::from(c)
    )
}

fn is_control(b: u8) -> bool {
    b < 0x20 || b == 0x7f
}

/// Whether byte `b` cannot stand as it is in a field: a blank or other control character
/// (splits it), `#` (cuts the line) or `\` (starts an escape where fields are decoded).
fn breaks_field(b: u8) -> bool {
    b == b' ' || b == b'#' || b == b'\\' || is_control(b)
}

/// The first character `carry` cannot put in a field: None for `Escaped` (anything can
/// be escaped; control characters are `control_char`'s), else one that breaks the field
/// or, inside the options, `,`.
pub fn refused(s: &str, carry: Carry) -> Option<char> {
    match carry {
        Carry::Escaped => None,
        Carry::Verbatim => s.bytes().find(|&b| breaks_field(b) || b == b',').map(char::from),
    }
}

/// `s` as an `Escaped` field: each byte that would break it as `\ooo`, which strunvis
/// decodes back.
pub fn escaped(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    push_escaped(&mut out, s);
    out
}

/// `escaped`, appended to `out`.
pub fn push_escaped(out: &mut String, s: &str) {
    let mut plain = 0;
    for (i, b) in s.bytes().enumerate() {
        if breaks_field(b) {
            out.push_str(&s[plain..i]);
            let _ = write!(out, "\\{b:03o}");
            plain = i + 1;
        }
    }
    out.push_str(&s[plain..]);
}

/// Why a container path with `=` cannot be the `-F` option of a mountprog or seed
/// line. mount(8) hands an option that starts with `-` to the mount program as an
/// argument, but splits it at its first `=` into two (sbin/mount/mount.c `mangle`:
/// `append_arg(a, p); p = strchr(p, '='); if (p != NULL) { *p = '\0';
/// append_arg(a, p + 1); }`, the same in FreeBSD 9.3's mount.c and in current main), so
/// `-F/j/a=b.ufs` reaches the helper as `-F/j/a` and `b.ufs`.
pub fn equals_message(jail: &str, file: &str) -> String {
    format!(
        "{jail}: container {file} contains '=': mount(8) splits the fstab option -F{file} at its first '=' \
         into two arguments (sbin/mount/mount.c mangle), so the mount program would get a broken path; \
         rename the container"
    )
}

/// strunvis(3) as jail(8) calls it on the first two fields (flag 0): FreeBSD's
/// contrib/libc-vis/unvis.c (NetBSD unvis.c 1.41), its `unvis` state machine without
/// the HTTP and MIME styles. None where strunvis returns -1 (jail(8): "fstab parse
/// error"). Like the C string it writes, the result ends at a decoded NUL byte.
pub fn strunvis(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    let mut st = Unvis::Ground;
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let (next, push, again) = st.step(bytes[i])?;
        st = next;
        out.extend(push);
        // UNVIS_VALIDPUSH: the byte so far was pushed, this one is read again.
        if !again {
            i += 1;
        }
    }
    // UNVIS_END: a pending octal or hex byte is complete; any other unfinished escape is
    // UNVIS_SYNBAD, which strnunvisx ignores at the end (it only adds a UNVIS_VALID).
    if let Unvis::Octal2(cp) | Unvis::Octal3(cp) | Unvis::Hex2(cp) = st {
        out.push(cp);
    }
    if let Some(nul) = out.iter().position(|&b| b == 0) {
        out.truncate(nul);
    }
    Some(out)
}

/// The states of unvis.c's machine, with the byte being built where there is one.
#[derive(Clone, Copy, PartialEq)]
enum Unvis {
    Ground,
    Start,
    Meta(u8),
    Meta1(u8),
    Ctrl(u8),
    Octal2(u8),
    Octal3(u8),
    Hex,
    Hex2(u8),
}

impl Unvis {
    /// One byte `c`: the next state, the byte decoded (if any), and whether `c` is to be
    /// read again. None for a byte strunvis rejects.
    fn step(self, c: u8) -> Option<(Unvis, Option<u8>, bool)> {
        let hex = |c: u8| char::from(c).to_digit(16).map(|d| d as u8);
        Some(match self {
            Unvis::Ground if c == b'\\' => (Unvis::Start, None, false),
            Unvis::Ground => (Unvis::Ground, Some(c), false),
            Unvis::Start => return Unvis::start(c),
            Unvis::Meta(cp) => match c {
                b'-' => (Unvis::Meta1(cp), None, false),
                b'^' => (Unvis::Ctrl(cp), None, false),
                _ => return None,
            },
            Unvis::Meta1(cp) => (Unvis::Ground, Some(cp | c), false),
            Unvis::Ctrl(cp) => {
                let b = if c == b'?' { cp | 0o177 } else { cp | (c & 0o37) };
                (Unvis::Ground, Some(b), false)
            }
            Unvis::Octal2(cp) | Unvis::Octal3(cp) if !(b'0'..=b'7').contains(&c) => {
                (Unvis::Ground, Some(cp), true)
            }
            Unvis::Octal2(cp) => (
                Unvis::Octal3(cp.wrapping_shl(3).wrapping_add(c - b'0')),
                None,
                false,
            ),
            Unvis::Octal3(cp) => (
                Unvis::Ground,
                Some(cp.wrapping_shl(3).wrapping_add(c - b'0')),
                false,
            ),
            Unvis::Hex => (Unvis::Hex2(hex(c)?), None, false),
            Unvis::Hex2(cp) => match hex(c) {
                Some(d) => (Unvis::Ground, Some(d | cp.wrapping_shl(4)), false),
                None => (Unvis::Ground, Some(cp), true),
            },
        })
    }

    /// The byte after a backslash.
    fn start(c: u8) -> Option<(Unvis, Option<u8>, bool)> {
        let plain = match c {
            b'\\' => Some(b'\\'),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b'b' => Some(0x08),
            b'a' => Some(0x07),
            b'v' => Some(0x0b),
            b't' => Some(b'\t'),
            b'f' => Some(0x0c),
            b's' => Some(b' '),
            b'E' => Some(0x1b),
            _ => None,
        };
        Some(match (plain, c) {
            (Some(p), _) => (Unvis::Ground, Some(p), false),
            (None, b'0'..=b'7') => (Unvis::Octal2(c - b'0'), None, false),
            (None, b'M') => (Unvis::Meta(0o200), None, false),
            (None, b'^') => (Unvis::Ctrl(0), None, false),
            (None, b'x') => (Unvis::Hex, None, false),
            // A hidden newline and the hidden marker decode to nothing.
            (None, b'\n' | b'$') => (Unvis::Ground, None, false),
            (None, _) => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strunvis_like_libc() {
        let ok = |s: &str| strunvis(s).unwrap();
        assert_eq!(ok("/a\\040b"), b"/a b");
        assert_eq!(ok("\\\\"), b"\\");
        assert_eq!(ok("a\\sb\\tc"), b"a b\tc");
        // Octal: up to three digits, the next byte read again.
        assert_eq!(ok("\\0419"), b"!9");
        assert_eq!(ok("\\41x"), b"!x");
        assert_eq!(ok("\\4"), [4]);
        // Three digits wrap in a byte, like the C char.
        assert_eq!(ok("\\777"), [0xff]);
        assert_eq!(ok("\\x41\\x4"), b"A\x04");
        assert_eq!(ok("\\x4g"), b"\x04g");
        assert_eq!(ok("\\M-a"), [0x80 | b'a']);
        assert_eq!(ok("\\M^A\\^?"), [0x81, 0x7f]);
        assert_eq!(ok("a\\$b"), b"ab");
        // A lone backslash at the end is dropped (strnunvisx ignores UNVIS_SYNBAD there).
        assert_eq!(ok("a\\"), b"a");
        // A NUL ends the C string.
        assert_eq!(ok("a\\000b"), b"a");
        for bad in ["\\q", "\\xg", "\\Mx", "\\040\\z"] {
            assert_eq!(strunvis(bad), None, "{bad}");
        }
    }

    #[test]
    fn fields_split_like_strtok() {
        let f: Vec<&str> = fields(" a\tb\x0bc\r\nd  e\x0c").collect();
        assert_eq!(f, ["a", "b", "c", "d", "e"]);
        assert_eq!(fields("  ").count(), 0);
    }

    /// What the hooks style escapes, jail(8) decodes back, and it stays one field; what
    /// it escapes is exactly what the verbatim styles refuse, but for `,`.
    #[test]
    fn an_escaped_field_decodes_back_and_verbatim_refuses_the_same() {
        for s in [
            "/j/a b",
            "/j/#x",
            "/j/back\\slash",
            "/j/tab\there",
            "/j/plain,comma",
            "/j/é",
            "/j/a=b",
        ] {
            let e = escaped(s);
            assert_eq!(fields(&e).collect::<Vec<_>>(), [e.as_str()], "{s}");
            assert!(!e.contains(COMMENT), "{s}");
            assert_eq!(strunvis(&e).as_deref(), Some(s.as_bytes()), "{s}");
            let needs_escape = e != s;
            let refused = refused(s, Carry::Verbatim);
            assert_eq!(refused.is_some(), needs_escape || s.contains(','), "{s}");
            assert_eq!(super::refused(s, Carry::Escaped), None);
        }
        assert_eq!(escaped("/a b#c\\d"), "/a\\040b\\043c\\134d");
        assert_eq!(refused("/a,b", Carry::Verbatim), Some(','));
        assert_eq!(control_char("/a\u{7f}"), Some(0x7f));
        assert_eq!(control_char("/a\tb"), Some(b'\t'));
        assert_eq!(control_char("/a b"), None);
    }
}
