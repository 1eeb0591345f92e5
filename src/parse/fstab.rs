//! fstab files as jail(8) reads them for `mount.fstab` (usr.sbin/jail/config.c
//! `check_intparams` and command.c `run_command`): each line is cut at its first `#`,
//! split on blanks (space, tab, FF, VT, CR, LF); fields 1-4 are device, mount point,
//! type and options (dump and pass are ignored); fields 1-2 have vis(3) escapes decoded
//! (current jail(8)). A line with one or two fields is "missing information".

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FstabLine {
    /// 1-based line number.
    pub line: usize,
    pub device: String,
    pub mountpoint: String,
    pub fstype: String,
    pub options: String,
}

impl FstabLine {
    pub fn options(&self) -> impl Iterator<Item = &str> {
        self.options.split(',').filter(|o| !o.is_empty())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FstabError {
    pub line: usize,
    pub message: String,
}

/// Parse an fstab; lines jail(8) would reject are returned as errors, the rest as lines.
pub fn parse(text: &str) -> (Vec<FstabLine>, Vec<FstabError>) {
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let n = i + 1;
        let content = raw.split('#').next().unwrap_or("");
        let fields: Vec<&str> = content
            .split([' ', '\t', '\x0c', '\x0b', '\r'])
            .filter(|f| !f.is_empty())
            .collect();
        match fields.len() {
            0 => {}
            1 | 2 => errors.push(FstabError {
                line: n,
                message: format!(
                    "{content:?}: missing information (jail(8) needs device, mount point and type)"
                ),
            }),
            _ => lines.push(FstabLine {
                line: n,
                device: unvis(fields[0]),
                mountpoint: unvis(fields[1]),
                fstype: fields[2].to_owned(),
                options: fields.get(3).map_or_else(String::new, |s| (*s).to_owned()),
            }),
        }
    }
    (lines, errors)
}

/// strunvis(3) for the octal and backslash forms fstab files use (`\040`, `\\`).
pub fn unvis(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_owned();
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            let digits = b[i + 1..]
                .iter()
                .take(3)
                .take_while(|c| (b'0'..=b'7').contains(c))
                .count();
            if digits == 3 {
                let v = b[i + 1..i + 4]
                    .iter()
                    .fold(0u32, |a, c| a * 8 + u32::from(c - b'0'));
                out.push((v & 0xff) as u8);
                i += 4;
                continue;
            }
            if let Some(&c) = b.get(i + 1) {
                out.push(match c {
                    b'n' => b'\n',
                    b't' => b'\t',
                    b's' => b' ',
                    c => c,
                });
                i += 2;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_jail8() {
        let (l, e) =
            parse("# c\n/dev/md1 /j/a ufs rw 0 0\n\n/x /j/a/y nullfs ro#c\nbad line\n/a\\040b /m ufs\n");
        assert_eq!(l.len(), 3);
        assert_eq!(l[0].device, "/dev/md1");
        assert_eq!(l[1].options, "ro");
        assert_eq!(l[2].device, "/a b");
        assert_eq!(l[2].options, "");
        assert_eq!(
            e,
            vec![FstabError {
                line: 5,
                message: "\"bad line\": missing information (jail(8) needs device, mount point and type)"
                    .into()
            }]
        );
    }
}
