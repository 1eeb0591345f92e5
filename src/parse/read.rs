//! A large regular file, read in two halves at once and checked a piece at a time
//! while each piece is still in the cache: whether it is UTF-8, where its first CRLF
//! line end is and whether it has a NUL byte. Reading it in halves (the second on
//! another thread) came first: copying from the page cache into a fresh buffer, and
//! the page faults that make it, came before any of the parse could start. The
//! checks came next: the whole text used to be read again on one core before the
//! parse could start, by `String::from_utf8` and then by the parser's CRLF and NUL
//! scan (3.4 ms of `show` at 50,000 jails, about 4% of it). Kept apart for its
//! `unsafe` conversion, whose proof only this file makes.

use std::io::Read;

/// From this size on, `read_file` reads a file's two halves at once: the size from
/// which the parse, too, is split (a thread costs about 0.1 ms). At 4 MiB, the
/// 2.8 MB file of 10,000 jails was read and checked on one core: `show` of it is
/// 0.967 of that now (farm-bench, 41 pairs).
const HALVES_FROM: usize = 1 << 20;

/// How much of a half is read, then checked, at a time: well within a core's L2.
const PIECE: usize = 256 << 10;

/// A regular file's text, and `crlf_and_nul` of it when the reading found it out.
pub(crate) struct FileText {
    pub text: String,
    pub crlf_and_nul: Option<(Option<usize>, bool)>,
}

/// The text of a regular file that had `len` bytes when it was opened. A large one is
/// read in two halves at once, the second on another thread, each checked as it is
/// read (under strace, each 7 MB half of a 14 MB file took 9-10 ms to copy on a slow
/// day). A file that changed size meanwhile is read again from its start, as one
/// piece, and checked after.
pub(crate) fn read_file(mut file: std::fs::File, len: u64) -> std::io::Result<FileText> {
    use std::io::{Seek, SeekFrom};
    let n = usize::try_from(len).unwrap_or(usize::MAX);
    // Past a gigabyte (no configuration is that large) the buffer grows as it is read,
    // rather than being sized from a number the file system reported.
    if !(HALVES_FROM..=1 << 30).contains(&n) {
        let mut buf = Vec::with_capacity(n.min(1 << 26));
        file.read_to_end(&mut buf)?;
        return Ok(unchecked(buf));
    }
    // Zeroed memory from the allocator is fresh pages, not written until read into.
    let mut buf = vec![0u8; n];
    let (first, second) = buf.split_at_mut(n / 2);
    let cut = first.len();
    let second = std::sync::Mutex::new(second);
    let (a, b) = crate::halves::both(
        || fill_at(&file, first, 0, Half::new(true)),
        || match second.lock() {
            Ok(mut s) => fill_at(&file, &mut s, cut as u64, Half::new(false)),
            Err(_) => Ok((0, Half::new(false))),
        },
    );
    let ((a, first), (b, second)) = (a?, b?);
    if a == cut && b == n - cut {
        // Anything written after the size was taken (read_to_end's own check for the
        // end of the file).
        file.seek(SeekFrom::Start(len))?;
        if file.read_to_end(&mut buf)? == 0 {
            let facts = join(&buf, &first, &second, cut);
            return Ok(FileText {
                text: text(buf, facts.utf8),
                // Offsets in the bytes are not those of a text with replacements.
                crlf_and_nul: facts.utf8.then_some(facts.crlf_and_nul),
            });
        }
        return Ok(unchecked(buf));
    }
    buf.clear();
    file.seek(SeekFrom::Start(0))?;
    file.read_to_end(&mut buf)?;
    Ok(unchecked(buf))
}

/// Read from `offset` until `buf` is full or the file ends, checking each piece with
/// `half`; how many bytes were read, and what the checks found.
fn fill_at(
    file: &std::fs::File,
    buf: &mut [u8],
    offset: u64,
    mut half: Half,
) -> std::io::Result<(usize, Half)> {
    use std::os::unix::fs::FileExt;
    let mut done = 0;
    while done < buf.len() {
        let end = buf.len().min(done + PIECE);
        match file.read_at(&mut buf[done..end], offset + done as u64) {
            Ok(0) => break,
            Ok(k) => {
                done += k;
                half.read(buf, done);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok((done, half))
}

/// The text of bytes nothing checked.
fn unchecked(buf: Vec<u8>) -> FileText {
    FileText {
        text: decode(buf),
        crlf_and_nul: None,
    }
}

/// What the checks of one half found, by offsets within the half.
#[derive(Debug, Clone, Copy)]
struct Half {
    /// The half starts the file. Another half starts where the reading cut the file,
    /// maybe inside a character, so its UTF-8 check starts past the continuation
    /// bytes (at most 3) that begin it; `join` checks those with the character they
    /// end.
    first: bool,
    /// Whether `utf8_from` is known: a second half's first pieces may all be
    /// continuation bytes, fewer than 3.
    started: bool,
    /// UTF-8 is checked from here: 0, or past the leading continuation bytes.
    utf8_from: usize,
    /// `utf8_from..valid_to` is UTF-8. Past it, up to what has been read, is the
    /// start of a character that the next piece finishes.
    valid_to: usize,
    /// Not UTF-8: the text will be decoded with replacement characters, by the
    /// whole-file path.
    bad: bool,
    /// The CR and NUL scan goes on from here.
    scan_from: usize,
    /// The first CR followed by an LF.
    crlf: Option<usize>,
    /// The half ends with a CR: a CRLF if the next half starts with an LF.
    cr_at_end: bool,
    nul: bool,
}

/// What the checks of both halves found about the whole file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Facts {
    /// Every byte is checked: the file is UTF-8.
    utf8: bool,
    /// `crlf_and_nul` of the file.
    crlf_and_nul: (Option<usize>, bool),
}

impl Half {
    fn new(first: bool) -> Half {
        Half {
            first,
            started: first,
            utf8_from: 0,
            valid_to: 0,
            bad: false,
            scan_from: 0,
            crlf: None,
            cr_at_end: false,
            nul: false,
        }
    }

    /// Check what was read since the last call: `b[..done]` is read, of a half of
    /// `b.len()` bytes.
    fn read(&mut self, b: &[u8], done: usize) {
        let done = done.min(b.len());
        if !self.started {
            let lead = b[..done]
                .iter()
                .take(3)
                .take_while(|&&c| is_continuation(c))
                .count();
            if lead < 3 && lead == done && done < b.len() {
                // Only continuation bytes so far: how many begin the half is not known.
                return self.scan(b, done);
            }
            self.started = true;
            self.utf8_from = lead;
            self.valid_to = lead;
        }
        if !self.bad {
            match std::str::from_utf8(&b[self.valid_to..done]) {
                Ok(_) => self.valid_to = done,
                // A character cut by the end of the piece: the next piece has the rest.
                Err(e) if e.error_len().is_none() => self.valid_to += e.valid_up_to(),
                Err(_) => self.bad = true,
            }
        }
        self.scan(b, done);
    }

    /// The CR and NUL scan of `b[scan_from..done]`. A CR that ends what is read is
    /// looked at again with the next piece, unless it ends the half.
    fn scan(&mut self, b: &[u8], done: usize) {
        let (part, at) = (&b[..done], self.scan_from);
        if self.crlf.is_some() {
            self.nul |= memchr::memchr(0, &part[at..]).is_some();
            self.scan_from = done;
            return;
        }
        self.scan_from = done;
        for i in memchr::memchr2_iter(b'\r', 0, &part[at..]).map(|i| at + i) {
            if part[i] == 0 {
                self.nul = true;
            } else if i + 1 == done {
                if done == b.len() {
                    self.cr_at_end = true;
                } else {
                    self.scan_from = i;
                }
            } else if part[i + 1] == b'\n' {
                self.crlf = Some(i);
                self.nul |= memchr::memchr(0, &part[i..]).is_some();
                return;
            }
        }
    }
}

/// What the two halves of `buf`, cut at `cut` and each checked to its end, found.
fn join(buf: &[u8], first: &Half, second: &Half, cut: usize) -> Facts {
    let (a, b) = (first, second);
    // The bytes between the two checked runs: the end of a character the first half
    // began and the continuation bytes that begin the second (at most 6).
    let between = buf.get(a.valid_to..cut + b.utf8_from);
    let utf8 = a.first
        && !b.first
        && !a.bad
        && !b.bad
        && b.valid_to == buf.len() - cut
        && between.is_some_and(|g| std::str::from_utf8(g).is_ok());
    let boundary = (a.cr_at_end && buf.get(cut) == Some(&b'\n')).then(|| cut - 1);
    Facts {
        utf8,
        crlf_and_nul: (a.crlf.or(boundary).or(b.crlf.map(|i| cut + i)), a.nul || b.nul),
    }
}

/// `buf` as text: not read again when `utf8` says `join` proved it UTF-8, else
/// `decode`d.
fn text(buf: Vec<u8>, utf8: bool) -> String {
    if utf8 {
        // SAFETY: `read_file` passes `utf8` true only for `join`'s verdict on this
        // very buffer, read to its end, nothing read into it since. `join` says UTF-8
        // only when every byte lies in one of three runs, in order, each checked by
        // `std::str::from_utf8`: the first half's from its start (the file's) to
        // `valid_to`, the bytes between, and the second half's from `utf8_from` to the
        // end of the buffer. Each run starts where the run before it ended, which is
        // the end of a character since that run is UTF-8; so the whole is UTF-8.
        return unsafe { String::from_utf8_unchecked(buf) };
    }
    decode(buf)
}

/// Bytes as text. FreeBSD reads bytes; jailvol works on text. Invalid UTF-8 is
/// replaced (U+FFFD) rather than rejected: such bytes can only matter inside quoted
/// values.
pub(crate) fn decode(buf: Vec<u8>) -> String {
    match String::from_utf8(buf) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

fn is_continuation(c: u8) -> bool {
    c & 0xc0 == 0x80
}

/// Where the first CRLF line end of `b` is, and whether `b` has a NUL byte: one pass
/// for both (the parser's question, for a file the reading did not check: a small
/// one, a stream). Past the first CRLF (a CRLF file has a CR on every line) only a
/// NUL is looked for.
///
/// It is a half's scan (`Half::scan`) over the whole of `b` at once: one loop for
/// both, so a file read in halves and one read whole are asked the same question.
pub(crate) fn crlf_and_nul(b: &[u8]) -> (Option<usize>, bool) {
    let mut whole = Half::new(true);
    whole.scan(b, b.len());
    (whole.crlf, whole.nul)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The facts of `buf` read in two halves cut at `cut`, each in pieces of `piece`.
    fn read_in_halves(buf: &[u8], cut: usize, piece: usize) -> Facts {
        let check = |half: &[u8], first: bool| {
            let mut h = Half::new(first);
            let mut done = 0;
            while done < half.len() {
                done = (done + piece).min(half.len());
                h.read(half, done);
            }
            if half.is_empty() {
                h.read(half, 0);
            }
            h
        };
        let (a, b) = buf.split_at(cut);
        join(buf, &check(a, true), &check(b, false), cut)
    }

    /// What the facts must be: from the whole buffer at once.
    fn whole(buf: &[u8]) -> Facts {
        Facts {
            utf8: std::str::from_utf8(buf).is_ok(),
            crlf_and_nul: crlf_and_nul(buf),
        }
    }

    /// Every cut and piece size of texts with characters of 1 to 4 bytes, CRs, LFs,
    /// NULs and bytes that are not UTF-8 where they can break a check: the halves
    /// joined say what the whole buffer says, so the fast path is taken for every
    /// UTF-8 file and for nothing else.
    #[test]
    fn halves_joined_are_the_whole() {
        let texts: Vec<Vec<u8>> = vec![
            b"".to_vec(),
            b"a".to_vec(),
            "é€😀a\r\nb".as_bytes().to_vec(),
            "😀😀😀😀".as_bytes().to_vec(),
            "ab\r\r\n\0x€".as_bytes().to_vec(),
            b"a\rb\r\nc\0".to_vec(),
            b"\r\n\r\n".to_vec(),
            b"\r".to_vec(),
            b"\0\0\r".to_vec(),
            b"ab\xff cd".to_vec(),
            b"\x80\x80\x80\x80abc".to_vec(),
            b"a\xe2\x82".to_vec(),
            b"\xe2\x82\xac\x80".to_vec(),
            b"x\xf0\x9f\x98".to_vec(),
            b"\xc3".to_vec(),
            "a€".as_bytes()[..3].to_vec(),
            [&b"abc"[..], &"😀".as_bytes()[1..], b"def"].concat(),
            [&"€".as_bytes()[..2], &"€".as_bytes()[..2], "€".as_bytes()].concat(),
        ];
        for t in &texts {
            for cut in 0..=t.len() {
                for piece in 1..=t.len().max(1) + 1 {
                    assert_eq!(
                        read_in_halves(t, cut, piece),
                        whole(t),
                        "{t:?} cut {cut} piece {piece}"
                    );
                }
            }
        }
    }

    proptest::proptest! {
        /// One pass finds what the two scans it replaced found.
        #[test]
        fn crlf_and_nul_in_one_pass(
            b in proptest::collection::vec(
                proptest::sample::select(&[b'a', b'\r', b'\n', 0][..]), 0..40)
        ) {
            let crlf = memchr::memchr_iter(b'\r', &b).find(|&i| b.get(i + 1) == Some(&b'\n'));
            let nul = memchr::memchr(0, &b).is_some();
            proptest::prop_assert_eq!(crlf_and_nul(&b), (crlf, nul));
        }

        /// `halves_joined_are_the_whole` on random bytes: pieces of characters of
        /// every length, CRs, LFs and NULs, cut anywhere, read in pieces of any size.
        #[test]
        fn random_halves_joined_are_the_whole(
            parts in proptest::collection::vec(proptest::sample::select(&[
                "a", "\r", "\n", "\0", "é", "€", "😀", "\u{80}", "\u{7ff}", "\u{ffff}", "\u{10ffff}",
            ][..]), 0..24),
            cut_at in 0.0..=1.0f64,
            piece in 1usize..9,
            damage in proptest::option::of((0.0..1.0f64, proptest::sample::select(&[0x80u8, 0xbf, 0xc3, 0xe2, 0xf0, 0xff][..]))),
        ) {
            let mut t: Vec<u8> = parts.concat().into_bytes();
            if let (Some((at, byte)), false) = (damage, t.is_empty()) {
                let at = ((t.len() - 1) as f64 * at) as usize;
                t[at] = byte;
            }
            let cut = (t.len() as f64 * cut_at) as usize;
            proptest::prop_assert_eq!(read_in_halves(&t, cut, piece), whole(&t));
        }
    }

    /// A file past `HALVES_FROM` comes back byte for byte, also when its size changed
    /// after it was taken: grown (the rest is read after the halves), shrunk (read
    /// again from the start), and below `HALVES_FROM` (read as one piece). Only a file
    /// read in halves to the size taken comes with `crlf_and_nul`, and it is the whole
    /// file's (UTF-8 text, and UTF-8 text with a CRLF and a NUL past the middle); not
    /// a file that is not UTF-8, whose offsets change when it is decoded.
    #[test]
    fn a_large_file_reads_whole_whatever_size_was_taken() {
        use std::io::Write;
        let mut utf8 = Vec::new();
        let mut i = 0u32;
        while utf8.len() < HALVES_FROM + 12_345 {
            utf8.extend_from_slice(format!("j{i} {{ path = \"/jails/é{i}\"; }}\n").as_bytes());
            i += 1;
        }
        let mut marked = utf8.clone();
        let at = marked.len() * 3 / 4;
        marked.splice(at..at, *b"\r\n\0");
        let mut bad = utf8.clone();
        bad[HALVES_FROM / 2 + 7] = 0xff;
        for (name, bytes) in [("utf8", &utf8), ("crlf and nul", &marked), ("not utf8", &bad)] {
            let mut f = tempfile::NamedTempFile::new().unwrap();
            f.write_all(bytes).unwrap();
            let want = decode(bytes.clone());
            let len = bytes.len() as u64;
            for taken in [
                len,
                len - 1,
                len - 4096,
                len + 1,
                len + 100_000,
                HALVES_FROM as u64,
                0,
            ] {
                let file = std::fs::File::open(f.path()).unwrap();
                let got = read_file(file, taken).unwrap();
                assert!(
                    got.text == want,
                    "{name}: size taken as {taken}: {} bytes read of {len}",
                    got.text.len()
                );
                let checked = (taken == len && name != "not utf8").then(|| crlf_and_nul(bytes));
                assert_eq!(got.crlf_and_nul, checked, "{name}: size taken as {taken}");
            }
        }
        assert_eq!(crlf_and_nul(&marked), (Some(at), true));
    }

    /// `text` of a buffer the halves proved is the buffer; of one they did not, the
    /// decoding jail.conf files always had.
    #[test]
    fn text_keeps_utf8_and_replaces_the_rest() {
        let ok = "jail { path = \"/é\"; }".as_bytes().to_vec();
        let f = read_in_halves(&ok, 17, 4);
        assert!(f.utf8);
        assert_eq!(text(ok.clone(), f.utf8), "jail { path = \"/é\"; }");
        let bad = b"a\xffb".to_vec();
        let f = read_in_halves(&bad, 1, 1);
        assert!(!f.utf8);
        assert_eq!(text(bad, f.utf8), "a\u{fffd}b");
    }
}
