//! Every lint code jailvol reports, in one registry: its stable code, its default
//! severity, its title (the `### JVnnn title` heading of docs/checks.md, which a test
//! compares both ways) and the FreeBSD releases that no longer need it. A finding gets
//! its code where the problem is found (`Lint::diag`, or `Lint::attach` on a `Diag`
//! made elsewhere); nothing else spells a code.

use crate::diag::{Diag, Loc, Severity};

macro_rules! registry {
    ($($(#[$doc:meta])* $lint:ident = $code:literal, $severity:ident, $title:literal;)*) => {
        /// A lint code (docs/checks.md).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Lint {
            $($(#[$doc])* $lint,)*
        }

        impl Lint {
            /// Every lint, in code order.
            pub const ALL: &[Lint] = &[$(Lint::$lint,)*];

            /// The stable code, `JV012`.
            pub const fn code(self) -> &'static str {
                match self {
                    $(Lint::$lint => $code,)*
                }
            }

            /// The severity its findings have unless the site says otherwise (JV015 and
            /// JV018 are warnings in their milder cases): the first word of its entry in
            /// docs/checks.md.
            pub const fn severity(self) -> Severity {
                match self {
                    $(Lint::$lint => Severity::$severity,)*
                }
            }

            /// Its heading in docs/checks.md, without the code.
            pub const fn title(self) -> &'static str {
                match self {
                    $(Lint::$lint => $title,)*
                }
            }
        }
    };
}

registry! {
    /// A finding that got no code where it was made: a jailvol bug.
    Uncoded = "JV000", Error, "a finding without a code of its own";
    ConfigRejected = "JV001", Error, "jail.conf is rejected as a whole";
    JailFails = "JV002", Error, "a jail that jail(8) would fail";
    CommentCutsValue = "JV003", Warning, "a comment cuts an unquoted value";
    Crlf = "JV004", Warning, "CRLF line ends before FreeBSD 14";
    DuplicateBlock = "JV005", Error, "two blocks for the same jail";
    SeedLineInMountFstab = "JV006", Error, "the seed md pair, `noauto`, `md` or `mfs` in a mount.fstab file";
    /// Raised by check (jailvol's fstab not first, a line mounting on the root) and by
    /// generate (a later wildcard block overriding `mount.fstab`, or adding a `mount`
    /// entry below the jail's path).
    ContainerNotFirst = "JV007", Error, "the container is not mounted first";
    AttachInPrestart = "JV008", Error, "mdconfig in exec.prestart";
    DetachInPoststop = "JV009", Error, "md detach in exec.poststop";
    SharedAddress = "JV010", Error, "two jails share an IP address";
    SharedHostname = "JV011", Warning, "two jails share a hostname";
    SharedUnit = "JV012", Error, "two jails share an md unit";
    SharedContainer = "JV013", Error, "two jails share a container";
    RelativePath = "JV014", Error, "a path that is not absolute";
    OverlappingPaths = "JV015", Error, "overlapping jail paths";
    MissingContainer = "JV016", Error, "a missing container";
    SizeMismatch = "JV017", Error, "the container's size differs from `$volume_size`";
    NoSuperblock = "JV018", Error, "a container without a UFS2 superblock where FreeBSD looks";
    SparseContainer = "JV019", Warning, "a sparse container";
    ContainersDoNotFit = "JV020", Error, "the containers do not fit";
    TopLevelAfterBlock = "JV021", Warning, "a top-level parameter after a jail block";
    BadVolumeSettings = "JV022", Error, "invalid volume settings";
    ListVariableAsValue = "JV023", Warning, "a list variable used as a whole value";
    NestedBlock = "JV024", Warning, "nested jail blocks";
    UnreadableFstab = "JV025", Error, "a mount.fstab file that cannot be read";
    UnusableFstabLine = "JV026", Error, "an fstab line jail(8) cannot use";
    UnreadableOutput = "JV027", Error, "a file jailvol writes cannot be read";
    MountBelowPath = "JV028", Error, "a `mount` entry below a managed jail's path";
    MissingJailPath = "JV029", Error, "a managed jail's path is missing or not a directory";
    InvalidAddress = "JV030", Error, "an address jail(8) cannot parse";
    UnknownVolumeVariable = "JV031", Error, "an unknown `$volume_*` variable";
    UnknownParameter = "JV032", Error, "an unknown jail parameter";
    UnusedFile = "JV033", Warning, "a jailvol file nothing refers to";
    // rc.d/jail's own warnings while it writes a jail's /var/run/jail.NAME.conf
    // (libexec/rc/rc.d/jail `parse_options`, `jail_extract_address`; rc.subr
    // `checkyesno`), attached where legacy::convert meets them. `check` reports them on
    // an rc.conf host at these severities (a jail rc.d/jail skips is an error, a value
    // it drops a warning); convert and generate print them as warnings.
    DevfsRulesetNotInteger = "JV034", Warning, "a `devfs_ruleset` that is not an integer";
    NoHostnameOrRootdir = "JV035", Error, "a listed jail without hostname or rootdir";
    UnknownYesNo = "JV036", Warning, "a yes/no value rc.subr does not know";
    UnidentifiedAddress = "JV037", Warning, "an address whose type rc.d/jail cannot identify";
    EmptyAddress = "JV038", Warning, "an empty address in an address list";
    NoJailName = "JV039", Error, "a `jail_list` word that names no jail";
    GeliKeyfile = "JV040", Error, "a geli keyfile that is missing or readable by others";
    BesideIgnored = "JV041", Warning, "an rc.conf jail that rc.d/jail ignores on a jail.conf host";
    /// An error when jail.conf has a block of that name (it is not what runs), else a
    /// warning.
    BesideStarted = "JV042", Error, "a jail rc.d/jail starts from rc.conf on a jail.conf host";
    /// A warning of the jail.conf reader that no lint above names: a jailvol bug.
    OtherReaderWarning = "JV099", Warning, "another warning of the jail.conf reader";
}

impl Lint {
    /// The lint with this code.
    pub fn from_code(code: &str) -> Option<Lint> {
        Lint::ALL.iter().copied().find(|l| l.code() == code)
    }

    /// A finding of this lint at its default severity.
    pub fn diag(self, loc: Option<Loc>, message: impl Into<String>) -> Diag {
        match self.severity() {
            Severity::Warning => self.warning(loc, message),
            _ => self.error(loc, message),
        }
    }

    /// A finding of this lint as an error, whatever its default.
    pub fn error(self, loc: Option<Loc>, message: impl Into<String>) -> Diag {
        Diag::error(loc, message).with_code(self.code())
    }

    /// A finding of this lint as a warning, whatever its default.
    pub fn warning(self, loc: Option<Loc>, message: impl Into<String>) -> Diag {
        Diag::warning(loc, message).with_code(self.code())
    }

    /// `d`, made where the problem was found without a code (the reader's and the
    /// merge's messages), as a finding of this lint; its severity stays.
    pub fn attach(self, d: Diag) -> Diag {
        d.with_code(self.code())
    }

    /// Codes that stand for a jailvol bug rather than a problem of the input: no input
    /// triggers them.
    pub fn is_internal(self) -> bool {
        matches!(self, Lint::Uncoded | Lint::OtherReaderWarning)
    }

    /// The first FreeBSD release whose jail(8) no longer has the problem, for the lints
    /// `--target-release` silences.
    pub fn fixed_in(self) -> Option<(u32, u32)> {
        match self {
            Lint::Crlf => Some((14, 0)),
            Lint::TopLevelAfterBlock | Lint::NestedBlock => Some((15, 0)),
            _ => None,
        }
    }

    /// Whether jail(8) of `release` (None: any release) has the problem: not from the
    /// release that fixed it on.
    pub fn applies_to(self, release: Option<(u32, u32)>) -> bool {
        match (self.fixed_in(), release) {
            (Some(fixed), Some(r)) => r < fixed,
            _ => true,
        }
    }

    /// Where docs/checks.md explains it: the anchor GitHub gives the heading (lower
    /// case, punctuation other than `-` and `_` dropped, blanks as `-`).
    pub fn anchor(self) -> String {
        let mut a = String::from("docs/checks.md#");
        for c in format!("{} {}", self.code(), self.title()).chars() {
            match c {
                ' ' => a.push('-'),
                c if c.is_alphanumeric() || c == '-' || c == '_' => a.extend(c.to_lowercase()),
                _ => {}
            }
        }
        a
    }
}

/// The code a finding is reported with in JSON and GitHub output.
pub fn code_of(d: &Diag) -> &'static str {
    d.code.unwrap_or(Lint::Uncoded.code())
}

/// The lint of a warning of the jail.conf reader (`Parsed::warnings`): the reader attaches
/// it where it finds the problem; one without a code is a jailvol bug (JV099).
pub fn of_reader_warning(w: &Diag) -> Lint {
    w.code
        .and_then(Lint::from_code)
        .unwrap_or(Lint::OtherReaderWarning)
}

/// The lint of a warning the merge adds (`Config::warnings` holds the reader's too),
/// as the merge attached it.
pub fn of_merge_warning(w: &Diag) -> Option<Lint> {
    w.code.and_then(Lint::from_code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_in_order() {
        let codes: Vec<&str> = Lint::ALL.iter().map(|l| l.code()).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(codes, sorted);
        for l in Lint::ALL {
            assert_eq!(Lint::from_code(l.code()), Some(*l));
        }
        assert_eq!(Lint::from_code("JV100"), None);
    }

    #[test]
    fn a_finding_gets_the_code_and_default_severity() {
        let d = Lint::SharedHostname.diag(None, "x");
        assert_eq!((d.code, d.severity), (Some("JV011"), Severity::Warning));
        let d = Lint::SharedUnit.diag(None, "x");
        assert_eq!((d.code, d.severity), (Some("JV012"), Severity::Error));
        let d = Lint::OverlappingPaths.warning(None, "x");
        assert_eq!((d.code, d.severity), (Some("JV015"), Severity::Warning));
        assert_eq!(code_of(&Diag::error(None, "x")), "JV000");
    }

    #[test]
    fn release_fixes_silence_only_their_lints() {
        assert!(Lint::Crlf.applies_to(None));
        assert!(Lint::Crlf.applies_to(Some((13, 5))));
        assert!(!Lint::Crlf.applies_to(Some((14, 0))));
        assert!(Lint::NestedBlock.applies_to(Some((14, 3))));
        assert!(!Lint::NestedBlock.applies_to(Some((15, 0))));
        assert!(Lint::SharedUnit.applies_to(Some((99, 0))));
    }

    #[test]
    fn anchors_are_githubs() {
        assert_eq!(
            Lint::ConfigRejected.anchor(),
            "docs/checks.md#jv001-jailconf-is-rejected-as-a-whole"
        );
        assert_eq!(
            Lint::SeedLineInMountFstab.anchor(),
            "docs/checks.md#jv006-the-seed-md-pair-noauto-md-or-mfs-in-a-mountfstab-file"
        );
    }

    #[test]
    fn reader_and_merge_warnings_carry_the_code_given_where_they_are_made() {
        use crate::diag::Source;
        use crate::parse::jailconf::parse_source;
        use crate::parse::loader::Loader;
        let reader = |text: &str| {
            let p = parse_source(&Loader::sealed(), Source::new("t.conf", text), false).unwrap();
            p.warnings.iter().map(of_reader_warning).collect::<Vec<_>>()
        };
        assert_eq!(reader("a { path = /a; }\r\n"), [Lint::Crlf]);
        assert_eq!(reader("a { path = /a; b { } }\n"), [Lint::NestedBlock]);
        assert_eq!(reader("a { path = /a; }\npersist;\n"), [Lint::TopLevelAfterBlock]);
        let text = "$l = x, y;\na { path = /a; ip4.addr = $l; }\n";
        let p = parse_source(&Loader::sealed(), Source::new("t.conf", text), false).unwrap();
        let cfg = crate::model::load(&p);
        let merge: Vec<_> = cfg.warnings.iter().filter_map(of_merge_warning).collect();
        assert_eq!(merge, [Lint::ListVariableAsValue]);
        // One made without a code is jailvol's bug, not the admin's.
        assert_eq!(
            of_reader_warning(&Diag::warning(None, "CRLF line ends")),
            Lint::OtherReaderWarning
        );
    }
}
