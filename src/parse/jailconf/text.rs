//! `Text`, the string type of every name and value the parser gives: a span of the
//! source file where it can be, so that reading a large file costs a few allocations
//! per jail. Kept apart for its `unsafe` read, whose invariant only this file upholds.

use std::sync::Arc;

use crate::diag::Source;

/// Configuration text: a span of the source file when the value is written as it is
/// (most names and values), else text of its own (decoded escapes, pieces joined across
/// a variable, nested block names). Spans keep the parse to a few allocations per jail,
/// where a `String` per token made allocation the main cost of reading a large file.
#[derive(Clone)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    Span(Arc<Source>, u32, u32),
    Own(Box<str>),
    /// Names jailvol supplies itself (`name`, `jid`): no allocation for each jail.
    Static(&'static str),
}

impl Text {
    /// `source.text[start..end]` (token edges are ASCII bytes, so character boundaries).
    /// Offsets past 4 GiB, which a span cannot hold, give text of its own.
    pub(super) fn span(source: &Arc<Source>, start: usize, end: usize) -> Text {
        match (u32::try_from(start), u32::try_from(end)) {
            (Ok(s), Ok(e)) if source.text.get(start..end).is_some() => {
                Text(Repr::Span(Arc::clone(source), s, e))
            }
            _ => Text::from(source.text.get(start..end).unwrap_or("")),
        }
    }

    /// A statement or variable name at `start..end` of the source: static text when it
    /// is a `known_name`, else a span.
    pub(super) fn name(source: &Arc<Source>, start: usize, end: usize) -> Text {
        match source.text.as_bytes().get(start..end).and_then(known_name) {
            Some(k) => Text(Repr::Static(k)),
            None => Text::span(source, start, end),
        }
    }

    /// `name` for a name decoded from escapes.
    pub(super) fn known(self) -> Text {
        match known_name(self.as_bytes()) {
            Some(k) => Text(Repr::Static(k)),
            None => self,
        }
    }

    pub const fn from_static(s: &'static str) -> Text {
        Text(Repr::Static(s))
    }

    /// The length in bytes, without reading the text: a span knows its ends. Lookups
    /// over thousands of jails compare names whose bytes lie all over the file; most
    /// differ in length, and this rules them out without touching that memory.
    #[inline]
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Span(_, s, e) => e.saturating_sub(*s) as usize,
            Repr::Own(s) => s.len(),
            Repr::Static(s) => s.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Span(src, s, e) => {
                let (s, e) = (*s as usize, *e as usize);
                debug_assert!(src.text.get(s..e).is_some());
                // SAFETY: `span`, the only maker of a `Repr::Span`, checked that `s..e`
                // is a range of `src.text` with both ends on character boundaries, and
                // the text cannot change since: it is behind an `Arc` this span holds a
                // count of (no `Arc::get_mut`), and `Source` has no interior mutability
                // over it. A checked `get` here was a tenth of the merge's work: every
                // name and value of every jail is read through this, several times.
                unsafe { src.text.get_unchecked(s..e) }
            }
            Repr::Own(s) => s,
            Repr::Static(s) => s,
        }
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text(Repr::Own(s.into()))
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text(Repr::Own(s.into_boxed_str()))
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
    /// fast path's records with the token path's down to this, and `Repr` stays private
    /// here, where `as_str`'s `unsafe` relies on `span` being its only maker of spans.
    pub(super) fn describe(&self) -> String {
        match &self.0 {
            Repr::Span(_, s, e) => format!("span{s}..{e}{:?}", self.as_str()),
            Repr::Own(o) => format!("own{o:?}"),
            Repr::Static(o) => format!("static{o:?}"),
        }
    }
}
