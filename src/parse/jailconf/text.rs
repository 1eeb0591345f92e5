//! `Text`, the string type of every name and value the parser gives: a span of the
//! source file where it can be, so that reading a large file costs a few allocations
//! per jail. Kept apart for its `unsafe` read, whose invariant only this file upholds.

use std::ptr::NonNull;
use std::sync::Arc;

use crate::diag::Source;

/// Configuration text: a span of the source file when the value is written as it is
/// (most names and values), else text of its own (decoded escapes, pieces joined across
/// a variable, nested block names). Spans keep the parse to a few allocations per jail,
/// where a `String` per token made allocation the main cost of reading a large file.
///
/// Two words, not three: a statement holds three or more of these, a large file has
/// hundreds of thousands of statements, and building their pages was a third of the
/// parse (page faults). An enum of the three kinds below takes 24 bytes (its tag has
/// no room in a span's 16), so the kind lives in the top bits of `hi`:
///
/// - span: `ptr` is `Arc::into_raw` of the `Source` (one count held), `lo` the start,
///   `hi` the length (at most `SPAN_MAX`);
/// - pinned span: the same of a pinned `Source` (`Source::pin`), which holds no count:
///   the source is never freed;
/// - own: `ptr` is the data of a leaked `Box<str>`, the length `lo | hi << 32`;
/// - static: `ptr` is the data of a `&'static str`, the length likewise.
pub struct Text {
    ptr: NonNull<u8>,
    /// `lo` in the low half, `hi` in the high half. One integer, not two fields of 32
    /// bits: a pointer and an integer are a pair the compiler moves in two registers
    /// (a `Text` returned, or an `Option<Text>` from an iterator), where a struct of
    /// three fields went through memory, written in three stores and read back in
    /// one 16-byte load, which the processor cannot forward from the stores and waits
    /// for (the parse's two largest stalls, perf found, session 24).
    bits: u64,
}

const KIND_SHIFT: u32 = 30;
const LEN_MASK: u32 = (1 << KIND_SHIFT) - 1;
// The two kinds of span are 0 and 1: `is_span` is one shift and a test.
const SPAN: u32 = 0;
const PINNED: u32 = 1;
const OWN: u32 = 2;
const STATIC: u32 = 3;
/// The longest span; longer text (a value of a gigabyte) is copied.
const SPAN_MAX: usize = LEN_MASK as usize;

// SAFETY: a `Text` owns a count of an `Arc<Source>`, a `Box<str>` or nothing (static
// text, or a pinned source's, which lives to the end of the process), each of which
// may be sent and shared between threads; nothing in it is changed through a shared
// reference.
unsafe impl Send for Text {}
unsafe impl Sync for Text {}
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Arc<Source>>();
    send_sync::<Box<str>>();
};

impl Text {
    /// `source.text[start..end]` (token edges are ASCII bytes, so character boundaries).
    /// Offsets past 4 GiB, which a span cannot hold, give text of its own.
    pub(super) fn span(source: &Arc<Source>, start: usize, end: usize) -> Text {
        match (u32::try_from(start), source.text.get(start..end)) {
            (Ok(lo), Some(t)) if u32::try_from(end).is_ok() && t.len() <= SPAN_MAX => {
                // A pinned source is never freed: its spans take no count. Each count
                // is a locked add, which waits for every store before it to reach the
                // cache (the parse makes a span every few stores), and its drop another.
                let (ptr, kind) = if source.pinned() {
                    (Arc::as_ptr(source), PINNED)
                } else {
                    (Arc::into_raw(Arc::clone(source)), SPAN)
                };
                Text {
                    // SAFETY: `Arc::as_ptr` and `Arc::into_raw` give the pointer of a
                    // live allocation, never null.
                    ptr: unsafe { NonNull::new_unchecked(ptr.cast_mut().cast::<u8>()) },
                    bits: join(lo, t.len() as u32 | kind << KIND_SHIFT),
                }
            }
            (_, t) => Text::from(t.unwrap_or("")),
        }
    }

    /// A statement or variable name at `start..end` of the source: static text when it
    /// is a `known_name`, else a span.
    pub(super) fn name(source: &Arc<Source>, start: usize, end: usize) -> Text {
        match source.text.as_bytes().get(start..end).and_then(known_name) {
            Some(k) => Text::from_static(k),
            None => Text::span(source, start, end),
        }
    }

    /// `name` for a name decoded from escapes.
    pub(super) fn known(self) -> Text {
        match known_name(self.as_bytes()) {
            Some(k) => Text::from_static(k),
            None => self,
        }
    }

    pub const fn from_static(s: &'static str) -> Text {
        let (lo, hi) = split_len(s.len());
        Text {
            // SAFETY: a reference's pointer is never null (an empty string's too).
            ptr: unsafe { NonNull::new_unchecked(s.as_ptr().cast_mut()) },
            bits: join(lo, hi | STATIC << KIND_SHIFT),
        }
    }

    #[inline]
    fn lo(&self) -> u32 {
        self.bits as u32
    }

    #[inline]
    fn hi(&self) -> u32 {
        (self.bits >> 32) as u32
    }

    #[inline]
    fn kind(&self) -> u32 {
        self.hi() >> KIND_SHIFT
    }

    /// Counted or pinned: `ptr` is the `Source`'s.
    #[inline]
    fn is_span(&self) -> bool {
        self.hi() >> (KIND_SHIFT + 1) == 0
    }

    /// The length in bytes, without reading the text: a span knows its ends. Lookups
    /// over thousands of jails compare names whose bytes lie all over the file; most
    /// differ in length, and this rules them out without touching that memory.
    #[inline]
    pub fn len(&self) -> usize {
        match self.is_span() {
            true => (self.hi() & LEN_MASK) as usize,
            false => self.lo() as usize | (((self.hi() & LEN_MASK) as u64) << 32) as usize,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The source a span holds a count of, or a pinned one.
    #[inline]
    fn source(&self) -> &Source {
        debug_assert!(self.is_span());
        // SAFETY: a span's `ptr` came from `Arc::into_raw` in `span`, and the count it
        // took is held until `drop`; a pinned span's from `Arc::as_ptr` of a source
        // `Source::pin` keeps alive to the end of the process.
        unsafe { self.ptr.cast::<Source>().as_ref() }
    }

    /// The text, when it is static (`known_name`): every statement naming one of jail(8)'s
    /// parameters shares its pointer, so what is looked up by name can be kept by it.
    #[inline]
    pub fn as_static(&self) -> Option<&'static str> {
        // SAFETY: static text keeps the pointer and length of a `&'static str`
        // (`from_static`, the only maker of that kind).
        (self.kind() == STATIC).then(|| unsafe {
            std::str::from_utf8_unchecked(std::slice::from_raw_parts(self.ptr.as_ptr(), self.len()))
        })
    }

    #[inline]
    pub fn as_str(&self) -> &str {
        if self.is_span() {
            let (s, e) = (self.lo() as usize, self.lo() as usize + self.len());
            let text = self.source().text.as_str();
            debug_assert!(text.get(s..e).is_some());
            // SAFETY: `span`, the only maker of a span, checked that `s..e` is a range
            // of `src.text` with both ends on character boundaries, and the text cannot
            // change since: it is behind an `Arc` this span holds a count of, or that
            // `Source::pin` holds one of forever (so no `Arc::get_mut`), and `Source`
            // has no interior mutability over it. A checked `get` here was a tenth of
            // the merge's work: every name and value of every jail is read through
            // this, several times.
            return unsafe { text.get_unchecked(s..e) };
        }
        // SAFETY: own and static text keep the pointer and length of a `str` (made in
        // `From<Box<str>>` and `from_static`), alive as long as this `Text`.
        unsafe { std::str::from_utf8_unchecked(std::slice::from_raw_parts(self.ptr.as_ptr(), self.len())) }
    }
}

/// `Text::bits` of its two halves.
#[inline]
const fn join(lo: u32, hi: u32) -> u64 {
    lo as u64 | (hi as u64) << 32
}

/// A length as the two halves of `Text::lo` and `Text::hi` below the kind: own and
/// static text are never near 2^62 bytes (no address space is: x86_64's is 57 bits).
const fn split_len(len: usize) -> (u32, u32) {
    let len = len as u64;
    debug_assert!(len >> 62 == 0);
    (len as u32, (len >> 32) as u32 & LEN_MASK)
}

impl Drop for Text {
    fn drop(&mut self) {
        match self.kind() {
            // SAFETY: the count `span` took (`Arc::into_raw`), given back once.
            SPAN => unsafe { drop(Arc::from_raw(self.ptr.cast::<Source>().as_ptr())) },
            OWN => {
                let raw = std::ptr::slice_from_raw_parts_mut(self.ptr.as_ptr(), self.len());
                // SAFETY: the `Box<str>` leaked in `From<Box<str>>`, freed once.
                unsafe { drop(Box::from_raw(raw as *mut str)) }
            }
            _ => {}
        }
    }
}

impl Clone for Text {
    #[inline]
    fn clone(&self) -> Text {
        match self.kind() {
            SPAN => {
                // SAFETY: this span holds a count, so the `Source` is alive; the new
                // count is the clone's, given back by its `drop`.
                unsafe { Arc::increment_strong_count(self.ptr.cast::<Source>().as_ptr()) };
                Text {
                    ptr: self.ptr,
                    bits: self.bits,
                }
            }
            OWN => Text::from(self.as_str()),
            // Pinned and static: nothing to count.
            _ => Text {
                ptr: self.ptr,
                bits: self.bits,
            },
        }
    }
}

impl From<Box<str>> for Text {
    fn from(s: Box<str>) -> Text {
        let (lo, hi) = split_len(s.len());
        Text {
            ptr: NonNull::from(Box::leak(s)).cast::<u8>(),
            bits: join(lo, hi | OWN << KIND_SHIFT),
        }
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::from(Box::<str>::from(s))
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text::from(s.into_boxed_str())
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl std::borrow::Borrow<str> for Text {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Text {
    #[inline]
    fn eq(&self, o: &Text) -> bool {
        self.len() == o.len() && self.as_str() == o.as_str()
    }
}

impl Eq for Text {}

impl PartialEq<str> for Text {
    fn eq(&self, o: &str) -> bool {
        self.len() == o.len() && self.as_str() == o
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, o: &&str) -> bool {
        self.len() == o.len() && self.as_str() == *o
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, o: &String) -> bool {
        self.len() == o.len() && self.as_str() == o
    }
}

impl std::hash::Hash for Text {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.as_str().hash(h)
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The names `Text::known` keeps as static text: jail(8)'s own parameters (config.c
/// `intparams`, `model::INTPARAMS`) and jailvol's variables. Most statements of a
/// large file name one of them, and most variable references are `$name`: static text
/// costs no count on the file's `Arc` (an atomic operation, which is slow amid the
/// parse's stream of stores) and no read of the file to compare.
pub(super) fn known_name(b: &[u8]) -> Option<&'static str> {
    Some(match b {
        b"allow.dying" => "allow.dying",
        b"command" => "command",
        b"depend" => "depend",
        b"exec.clean" => "exec.clean",
        b"exec.consolelog" => "exec.consolelog",
        b"exec.fib" => "exec.fib",
        b"exec.jail_user" => "exec.jail_user",
        b"exec.poststart" => "exec.poststart",
        b"exec.poststop" => "exec.poststop",
        b"exec.prepare" => "exec.prepare",
        b"exec.prestart" => "exec.prestart",
        b"exec.prestop" => "exec.prestop",
        b"exec.release" => "exec.release",
        b"exec.created" => "exec.created",
        b"exec.start" => "exec.start",
        b"exec.stop" => "exec.stop",
        b"exec.system_jail_user" => "exec.system_jail_user",
        b"exec.system_user" => "exec.system_user",
        b"exec.timeout" => "exec.timeout",
        b"interface" => "interface",
        b"ip_hostname" => "ip_hostname",
        b"mount" => "mount",
        b"mount.devfs" => "mount.devfs",
        b"mount.fdescfs" => "mount.fdescfs",
        b"mount.procfs" => "mount.procfs",
        b"mount.fstab" => "mount.fstab",
        b"stop.timeout" => "stop.timeout",
        b"vnet.interface" => "vnet.interface",
        b"zfs.dataset" => "zfs.dataset",
        b"allow.chflags" => "allow.chflags",
        b"allow.mount" => "allow.mount",
        b"allow.raw_sockets" => "allow.raw_sockets",
        b"allow.set_hostname" => "allow.set_hostname",
        b"allow.socket_af" => "allow.socket_af",
        b"allow.sysvipc" => "allow.sysvipc",
        b"devfs_ruleset" => "devfs_ruleset",
        b"host.hostname" => "host.hostname",
        b"ip4.addr" => "ip4.addr",
        b"ip6.addr" => "ip6.addr",
        b"jid" => "jid",
        b"name" => "name",
        b"path" => "path",
        b"persist" => "persist",
        b"securelevel" => "securelevel",
        b"vnet" => "vnet",
        b"volume_size" => "volume_size",
        b"volume_file" => "volume_file",
        b"volume_md_unit" => "volume_md_unit",
        b"volume_encrypt" => "volume_encrypt",
        b"volume_keyfile" => "volume_keyfile",
        _ => return None,
    })
}

#[cfg(test)]
impl Text {
    /// The text with how it is kept (span, own bytes or static): the tests compare the
    /// fast path's records with the token path's down to this, and the layout stays private
    /// here, where `as_str`'s `unsafe` relies on `span` being its only maker of spans.
    pub(super) fn describe(&self) -> String {
        match self.kind() {
            SPAN | PINNED => format!(
                "span{}..{}{:?}",
                self.lo(),
                self.lo() as usize + self.len(),
                self.as_str()
            ),
            OWN => format!("own{:?}", self.as_str()),
            _ => format!("static{:?}", self.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str) -> Arc<Source> {
        Source::new("t.conf", text)
    }

    /// Each kind gives back its text and length, clones to equal text, and a span's
    /// clones and drops give back every count they took (run under Miri too:
    /// `cargo +nightly miri test --lib text::tests`).
    #[test]
    fn kinds_read_clone_and_drop() {
        let src = source("web { path = \"/jails/€\"; }");
        let before = Arc::strong_count(&src);
        let texts = [
            Text::span(&src, 0, 3),
            Text::span(&src, 14, 24),
            Text::span(&src, 5, 5),
            Text::name(&src, 6, 10),
            Text::from("own €"),
            Text::from(String::new()),
            Text::from_static("host.hostname"),
            Text::from_static(""),
        ];
        let want = ["web", "/jails/€", "", "path", "own €", "", "host.hostname", ""];
        assert_eq!(Arc::strong_count(&src), before + 3);
        for (t, w) in texts.iter().zip(want) {
            assert_eq!(t.as_str(), w);
            assert_eq!(t.len(), w.len());
            assert_eq!(t.is_empty(), w.is_empty());
            let c = t.clone();
            assert_eq!(c, *t);
            assert_eq!(c.describe(), t.describe());
        }
        let kinds: Vec<String> = texts.iter().map(Text::describe).collect();
        assert_eq!(kinds[0], "span0..3\"web\"");
        assert_eq!(kinds[3], "static\"path\"");
        assert_eq!(kinds[4], "own\"own €\"");
        assert_eq!(Arc::strong_count(&src), before + 3);
        let moved: Vec<Text> = texts.into_iter().collect();
        std::thread::scope(|s| {
            s.spawn(|| assert_eq!(moved[1].as_str(), "/jails/€"));
        });
        drop(moved);
        assert_eq!(Arc::strong_count(&src), before);
    }

    /// A pinned source's spans read as a counted source's do and take no count, nor do
    /// the spans of its twin, which is pinned too.
    #[test]
    fn a_pinned_sources_spans_take_no_count() {
        let src = Source::pin(source("web { path = \"/jails/€\"; }"));
        assert!(src.pinned());
        // One count here, one `pin` keeps.
        assert_eq!(Arc::strong_count(&src), 2);
        let texts = [
            Text::span(&src, 0, 3),
            Text::span(&src, 14, 24),
            Text::name(&src, 0, 3),
        ];
        let clones: Vec<Text> = texts.to_vec();
        assert_eq!(Arc::strong_count(&src), 2);
        for (t, w) in clones.iter().zip(["web", "/jails/€", "web"]) {
            assert_eq!((t.as_str(), t.len()), (w, w.len()));
        }
        assert_eq!(texts[0].describe(), "span0..3\"web\"");
        assert_eq!(texts[0].kind(), PINNED);
        let twin = src.twin();
        assert!(twin.pinned());
        let of_twin = Text::span(&twin, 6, 10);
        assert_eq!((of_twin.as_str(), of_twin.kind()), ("path", PINNED));
        assert_eq!(Arc::strong_count(&twin), 2);
        drop(of_twin);
        // A source shared before `pin` stays counted.
        let shared = source("x");
        let other = Arc::clone(&shared);
        let shared = Source::pin(shared);
        assert!(!shared.pinned());
        assert_eq!(Text::span(&shared, 0, 1).kind(), SPAN);
        drop((texts, clones, other));
        assert_eq!(Arc::strong_count(&src), 2);
        // Give back the counts `pin` kept, so that Miri sees nothing leaked.
        for s in [&src, &twin] {
            // SAFETY: the count `pin` leaked, given back once; `s` keeps one more.
            unsafe { Arc::decrement_strong_count(Arc::as_ptr(s)) };
            assert_eq!(Arc::strong_count(s), 1);
        }
    }

    /// A span outside the text, or not on character boundaries, is not made (the read's
    /// `unsafe` relies on it): it gives text of its own, empty.
    #[test]
    fn a_span_is_only_made_inside_the_text() {
        let src = source("a€b");
        for (s, e) in [(0, 9), (2, 3), (1, 2), (4, 2)] {
            assert_eq!(Text::span(&src, s, e).describe(), "own\"\"", "{s}..{e}");
        }
        assert_eq!(Arc::strong_count(&src), 1);
    }

    // Lengths past 4 GiB exist only where `usize` has 64 bits.
    #[cfg(target_pointer_width = "64")]
    #[test]
    fn lengths_split_and_join() {
        for len in [0usize, 1, u32::MAX as usize, u32::MAX as usize + 1, 1 << 40] {
            let (lo, hi) = split_len(len);
            let t = Text {
                ptr: NonNull::dangling(),
                bits: join(lo, hi | STATIC << KIND_SHIFT),
            };
            assert_eq!(t.len(), len);
            assert_eq!(t.kind(), STATIC);
        }
    }

    #[cfg(target_pointer_width = "64")]
    #[test]
    fn two_words() {
        assert_eq!(std::mem::size_of::<Text>(), 16);
        assert_eq!(std::mem::size_of::<Option<Text>>(), 16);
    }
}
