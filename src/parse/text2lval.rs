//! Backslash decoding exactly as jaillex.l's `text2lval()` does it: `\a \b \f \n \r \t \v`,
//! octal `\N`..`\NNN`, hex `\xH`/`\xHH` (`\x` alone is a NUL byte), backslash-newline
//! deleted, any other `\c` is `c`. The result is a C string in FreeBSD, so a NUL byte
//! (from `\0` or a bare `\x`) ends the value: everything after it is dropped.

/// Decode `raw` (the token text without its quotes). Returns the value as jail(8) sees it.
#[cfg(test)]
pub fn decode(raw: &str) -> String {
    let mut d = Vec::with_capacity(raw.len());
    decode_into(&mut d, raw.as_bytes());
    match String::from_utf8(d) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// Append the decoded bytes of one token to `d`. jail(8) joins the pieces of a string
/// with strlen(), so a NUL byte (escaped, or literal inside quotes) ends this token's
/// contribution; the next piece still follows.
pub fn decode_into(d: &mut Vec<u8>, s: &[u8]) {
    let base = d.len();
    if !s.iter().any(|&b| b == b'\\' || b == 0) {
        d.extend_from_slice(s);
        return;
    }
    let se = s.len();
    let mut i = 0;
    while i < se {
        if s[i] != b'\\' {
            d.push(s[i]);
            i += 1;
            continue;
        }
        i += 1;
        // A trailing lone backslash reads the C string's terminating NUL.
        let Some(&c) = s.get(i) else {
            d.push(0);
            break;
        };
        match c {
            b'0'..=b'7' => {
                let mut v: u32 = u32::from(c - b'0');
                for _ in 0..2 {
                    match s.get(i + 1) {
                        Some(&n @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(n - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                d.push((v & 0xff) as u8);
            }
            b'a' => d.push(0x07),
            b'b' => d.push(0x08),
            b'f' => d.push(0x0c),
            b'n' => d.push(b'\n'),
            b'r' => d.push(b'\r'),
            b't' => d.push(b'\t'),
            b'v' => d.push(0x0b),
            b'\n' => {}
            b'x' => {
                let mut v: u32 = 0;
                for _ in 0..2 {
                    match s.get(i + 1).and_then(|h| (*h as char).to_digit(16)) {
                        Some(h) => {
                            v = v * 16 + h;
                            i += 1;
                        }
                        None => break,
                    }
                }
                d.push((v & 0xff) as u8);
            }
            other => d.push(other),
        }
        i += 1;
    }
    if let Some(nul) = d[base..].iter().position(|&b| b == 0) {
        d.truncate(base + nul);
    }
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn escapes_as_in_jaillex() {
        assert_eq!(decode(r"\x41\101\q\$"), "AAq$");
        assert_eq!(decode("a\\nb$x"), "a\nb$x");
        assert_eq!(decode("a\\\nb"), "ab");
        assert_eq!(decode(r"\t\a\b\f\r\v"), "\t\x07\x08\x0c\r\x0b");
        assert_eq!(decode(r"\1234"), "S4");
        assert_eq!(decode(r"\x4a1"), "J1");
        assert_eq!(decode(r#"\"\\\ "#), "\"\\ ");
    }

    #[test]
    fn nul_truncates() {
        assert_eq!(decode(r"ab\0cd"), "ab");
        assert_eq!(decode(r"ab\xzz"), "ab");
        assert_eq!(decode(r"ab\400"), "ab");
        assert_eq!(decode("ab\\"), "ab");
        assert_eq!(decode("ab\0cd"), "ab");
        let mut d = b"x".to_vec();
        super::decode_into(&mut d, b"\\xc3");
        super::decode_into(&mut d, b"\\xa9");
        assert_eq!(d, "x\u{e9}".as_bytes());
    }
}
