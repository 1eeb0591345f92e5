//! Backslash decoding exactly as jaillex.l's `text2lval()` does it: `\a \b \f \n \r \t \v`,
//! octal `\N`..`\NNN`, hex `\xH`/`\xHH` (`\x` alone is a NUL byte), backslash-newline
//! deleted, any other `\c` is `c`. The result is a C string in FreeBSD, so a NUL byte
//! (from `\0` or a bare `\x`) ends the value: everything after it is dropped.

/// Decode `raw` (the token text without its quotes). Returns the value as jail(8) sees it.
pub fn decode(raw: &str) -> String {
    if !raw.contains('\\') {
        return raw.to_owned();
    }
    let s = raw.as_bytes();
    let se = s.len();
    let mut d: Vec<u8> = Vec::with_capacity(se);
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
                        Some(&n @ b'0'..=b'7') if i + 1 < se => {
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
    if let Some(nul) = d.iter().position(|&b| b == 0) {
        d.truncate(nul);
    }
    match String::from_utf8(d) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
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
    }
}
