//! contrib/freebsd-port/ against the rules of `portlint -A` that need no ports tree,
//! the Porter's Handbook's "Order of Variables in Port Makefiles" and its COMMENT
//! rules, and a model of what the port installs, which must be its packing list.
//!
//! Sources: portlint 2.15.0 (freebsd/freebsd-ports ports-mgmt/portlint/src/portlint.pl
//! at 0126502b: `checkmakefile`, `checkorder`, `checkplist`, `checkdescr`,
//! `checklastline`, `abspathname`), the Porter's Handbook chapters "Order of Variables
//! in Port Makefiles" and "Configuring the Makefile" (5.6 COMMENT), and
//! Mk/Uses/cargo.mk (freebsd/freebsd-ports at 046448bd). contrib/freebsd-port/README.md
//! lists what is checked here and what is not.

use std::collections::BTreeSet;
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Warn,
    Fatal,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Finding {
    file: &'static str,
    line: usize,
    level: Level,
    rule: &'static str,
    msg: String,
}

/// Findings of one file; line 0 is the file as a whole.
struct Report {
    file: &'static str,
    found: Vec<Finding>,
}

impl Report {
    fn new(file: &'static str) -> Self {
        Report {
            file,
            found: Vec::new(),
        }
    }
    fn add(&mut self, line: usize, level: Level, rule: &'static str, msg: impl Into<String>) {
        let (file, msg) = (self.file, msg.into());
        self.found.push(Finding {
            file,
            line,
            level,
            rule,
            msg,
        });
    }
}

/// One logical line of a Makefile: continuation lines joined, with its first line's
/// number.
#[derive(Debug)]
enum Item {
    Blank,
    Comment,
    Assign { name: String, op: String, value: String },
    Target(String),
    Recipe(String),
    Directive(String),
}

fn logical_lines(text: &str) -> Vec<(usize, Item)> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let (start, mut line) = match pending.take() {
            Some((n, mut acc)) => {
                acc.push(' ');
                acc.push_str(raw.trim_start());
                (n, acc)
            }
            None => (i + 1, raw.to_owned()),
        };
        if line.ends_with('\\') {
            line.pop();
            pending = Some((start, line.trim_end().to_owned()));
            continue;
        }
        out.push((start, classify(&line)));
    }
    out
}

fn classify(line: &str) -> Item {
    if line.trim().is_empty() {
        return Item::Blank;
    }
    if line.starts_with('\t') {
        return Item::Recipe(line.trim().to_owned());
    }
    if line.starts_with('#') {
        return Item::Comment;
    }
    if line.starts_with('.') {
        return Item::Directive(line.to_owned());
    }
    let name_end = line
        .find(|c: char| !(c.is_ascii_alphanumeric() || "_-.${}".contains(c)))
        .unwrap_or(line.len());
    let (name, rest) = line.split_at(name_end);
    let rest = rest.trim_start();
    for op in ["+=", "?=", ":=", "!=", "="] {
        if let Some(value) = rest.strip_prefix(op) {
            let (name, op, value) = (name.to_owned(), op.to_owned(), value.trim().to_owned());
            return Item::Assign { name, op, value };
        }
    }
    match rest.strip_prefix(':') {
        Some(_) => Item::Target(name.to_owned()),
        None => Item::Directive(line.to_owned()),
    }
}

/// portlint's line checks (`checkmakefile`, `checklastline`; `-t` is part of `-A`).
fn lint_lines(text: &str, r: &mut Report) {
    let lines: Vec<&str> = text.split('\n').collect();
    let mut blanks = 0;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.ends_with([' ', '\t']) {
            r.add(
                n,
                Level::Warn,
                "trailing-whitespace",
                "whitespace before end of line",
            );
        }
        if line.starts_with("        ") {
            r.add(
                n,
                Level::Warn,
                "space-indent",
                "use tab (not space) to make indentation",
            );
        }
        if let Item::Assign { name, op, .. } = classify(line) {
            let after = &line[line.find(op.as_str()).map_or(0, |at| at + op.len())..];
            if after.starts_with(' ') {
                let level = if op == "=" { Level::Fatal } else { Level::Warn };
                r.add(
                    n,
                    level,
                    "space-after-assign",
                    format!("{name}: use a tab (not space) after a variable name"),
                );
            }
        }
        blanks = if line.trim().is_empty() { blanks + 1 } else { 0 };
        if blanks == 2 {
            r.add(
                n,
                Level::Fatal,
                "blank-lines",
                "contiguous blank lines (> 1 lines) found",
            );
        }
    }
    if !text.ends_with('\n') {
        r.add(
            0,
            Level::Fatal,
            "last-newline",
            "the last line has to be terminated by \\n",
        );
    } else if lines.len() > 2 && lines[lines.len() - 2].trim().is_empty() {
        r.add(
            0,
            Level::Warn,
            "trailing-blank",
            "unnecessary blank lines at the last part",
        );
    }
}

/// The Handbook's blocks, in order. A name may fit a range of blocks (a variable the
/// Handbook does not place goes in "Standard bsd.port.mk Variables" or "The Rest").
const PORTNAME_BLOCK: &[&str] = &[
    "PORTNAME",
    "PORTVERSION",
    "DISTVERSIONPREFIX",
    "DISTVERSION",
    "DISTVERSIONSUFFIX",
    "PORTREVISION",
    "PORTEPOCH",
    "CATEGORIES",
    "MASTER_SITES",
    "MASTER_SITE_SUBDIR",
    "PKGNAMEPREFIX",
    "PKGNAMESUFFIX",
    "DISTNAME",
    "EXTRACT_SUFX",
    "DISTFILES",
    "DIST_SUBDIR",
    "EXTRACT_ONLY",
];
const PATCH_BLOCK: &[&str] = &["PATCH_SITES", "PATCHFILES", "PATCH_DIST_STRIP"];
const MAINTAINER_BLOCK: &[&str] = &["MAINTAINER", "COMMENT", "WWW"];
const LICENSE_BLOCK: &[&str] = &[
    "LICENSE",
    "LICENSE_COMB",
    "LICENSE_GROUPS",
    "LICENSE_NAME",
    "LICENSE_TEXT",
    "LICENSE_FILE",
    "LICENSE_PERMS",
    "LICENSE_DISTFILES",
];
const BROKEN_BLOCK: &[&str] = &[
    "DEPRECATED",
    "EXPIRATION_DATE",
    "FORBIDDEN",
    "BROKEN",
    "IGNORE",
    "ONLY_FOR_ARCHS",
    "ONLY_FOR_ARCHS_REASON",
    "NOT_FOR_ARCHS",
    "NOT_FOR_ARCHS_REASON",
];
const DEPENDS_BLOCK: &[&str] = &[
    "FETCH_DEPENDS",
    "EXTRACT_DEPENDS",
    "PATCH_DEPENDS",
    "BUILD_RUN_DEPENDS",
    "BUILD_DEPENDS",
    "LIB_DEPENDS",
    "RUN_DEPENDS",
    "TEST_DEPENDS",
];
const ORDERED: &[(&str, &[&str])] = &[
    ("PORTNAME", PORTNAME_BLOCK),
    ("PATCHFILES", PATCH_BLOCK),
    ("MAINTAINER", MAINTAINER_BLOCK),
    ("LICENSE", LICENSE_BLOCK),
    ("BROKEN", BROKEN_BLOCK),
    ("dependencies", DEPENDS_BLOCK),
];
const FLAVORS: usize = 6;
const USES: usize = 7;
const STANDARD: usize = 8;
const OPTIONS: usize = 9;
const REST: usize = 10;

/// The block (range) of a variable and its rank inside an ordered block.
fn block_of(name: &str, options: &[String]) -> (usize, usize, usize) {
    // LICENSE_FILE_MIT and BROKEN_armv7 belong with their stem, the longest that fits.
    let fits = |v: &str| name == v || name.strip_prefix(v).is_some_and(|s| s.starts_with('_'));
    let stem = ORDERED
        .iter()
        .enumerate()
        .flat_map(|(b, (_, list))| list.iter().enumerate().map(move |(rank, v)| (b, rank, *v)))
        .filter(|(.., v)| fits(v))
        .max_by_key(|(.., v)| v.len());
    if let Some((b, rank, _)) = stem {
        return (b, b, rank);
    }
    if name == "FLAVORS" || name.starts_with("FLAVOR") {
        return (FLAVORS, FLAVORS, 0);
    }
    if name == "USES" || name.starts_with("USE_") {
        return (USES, USES, 0);
    }
    let option = options.iter().any(|o| name.starts_with(&format!("{o}_")));
    if name.starts_with("OPTIONS_") || option {
        return (OPTIONS, OPTIONS, 0);
    }
    (STANDARD, REST, 0)
}

fn word_list(items: &[(usize, Item)], var: &str) -> Vec<String> {
    items
        .iter()
        .filter_map(|(_, it)| match it {
            Item::Assign { name, value, .. } if name == var => Some(value.clone()),
            _ => None,
        })
        .flat_map(|v| v.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

/// "Order of Variables in Port Makefiles": blocks in order, one blank line between
/// them, each ordered block in its order; targets after every variable, in the order
/// the stages run, `pre-` before `post-`, the main target before its option helpers.
fn lint_order(items: &[(usize, Item)], r: &mut Report) {
    let options = word_list(items, "OPTIONS_DEFINE");
    let mut block = 0;
    let mut rank = 0;
    let mut paragraph: BTreeSet<usize> = BTreeSet::new();
    let mut seen_in: Vec<Option<usize>> = vec![None; ORDERED.len()];
    let mut para = 0;
    let mut targets = false;
    for (n, it) in items {
        match it {
            Item::Blank => {
                para += 1;
                paragraph.clear();
            }
            Item::Assign { name, .. } => {
                if targets {
                    r.add(
                        *n,
                        Level::Fatal,
                        "order",
                        format!("{name} is set after the targets"),
                    );
                }
                let (lo, hi, k) = block_of(name, &options);
                if hi < block {
                    r.add(*n, Level::Fatal, "order", format!("{name} appears out-of-order"));
                    continue;
                }
                if lo < ORDERED.len() {
                    if lo == block && k < rank {
                        let order = ORDERED[lo].1.join("/");
                        r.add(
                            *n,
                            Level::Fatal,
                            "order",
                            format!("{name} appears out-of-order: order must be {order}"),
                        );
                    }
                    match seen_in[lo] {
                        Some(p) if p != para => {
                            let b = ORDERED[lo].0;
                            r.add(
                                *n,
                                Level::Fatal,
                                "block",
                                format!("the {b} block is split by a blank line"),
                            );
                        }
                        _ => seen_in[lo] = Some(para),
                    }
                    rank = if lo == block { rank.max(k) } else { k };
                }
                if lo == hi {
                    paragraph.insert(lo);
                }
                if paragraph.len() > 1 {
                    r.add(
                        *n,
                        Level::Fatal,
                        "block",
                        format!("{name}: blocks must be separated by a blank line"),
                    );
                    paragraph.retain(|b| *b == lo);
                }
                block = block.max(lo);
            }
            Item::Target(_) => targets = true,
            _ => {}
        }
    }
    lint_targets(items, r);
}

fn lint_targets(items: &[(usize, Item)], r: &mut Report) {
    const STAGES: &[&str] = &[
        "fetch",
        "extract",
        "patch",
        "configure",
        "build",
        "install",
        "test",
    ];
    let key = |t: &str| -> Option<(usize, usize, String)> {
        let (when, rest) = t.split_once('-')?;
        let w = ["pre", "do", "post"].iter().position(|p| *p == when)?;
        let (stage, helper) = rest.split_once('-').unwrap_or((rest, ""));
        let s = STAGES.iter().position(|x| *x == stage)?;
        // Option helpers after the main target, alphabetical, -on before -off.
        let helper = helper.replace("-on", "-0").replace("-off", "-1");
        Some((s, w, helper))
    };
    let mut last: Option<(usize, usize, String)> = None;
    for (n, it) in items {
        let Item::Target(t) = it else { continue };
        if STAGES.contains(&t.as_str()) {
            r.add(
                *n,
                Level::Fatal,
                "make-target",
                format!("direct redefinition of make target \"{t}\" discouraged"),
            );
        }
        if let Some(k) = key(t) {
            if last.as_ref().is_some_and(|l| *l > k) {
                r.add(
                    *n,
                    Level::Fatal,
                    "target-order",
                    format!("{t} is out of the stages' order"),
                );
            }
            last = Some(k);
        }
    }
}

fn value_of<'a>(items: &'a [(usize, Item)], var: &str) -> Option<(usize, &'a str, &'a str)> {
    items.iter().find_map(|(n, it)| match it {
        Item::Assign { name, op, value } if name == var => Some((*n, op.as_str(), value.as_str())),
        _ => None,
    })
}

/// portlint's checks of the PORTNAME and MAINTAINER sections, and the Handbook's COMMENT
/// rules (5.6).
fn lint_values(items: &[(usize, Item)], r: &mut Report) {
    let portname = value_of(items, "PORTNAME").map_or("", |v| v.2);
    if portname.is_empty() {
        r.add(0, Level::Fatal, "portname", "PORTNAME has to be there");
    }
    match (value_of(items, "PORTVERSION"), value_of(items, "DISTVERSION")) {
        (None, None) => r.add(
            0,
            Level::Fatal,
            "version",
            "PORTVERSION or DISTVERSION has to be there",
        ),
        (Some(_), Some(_)) => r.add(
            0,
            Level::Fatal,
            "version",
            "either PORTVERSION or DISTVERSION, not both",
        ),
        _ => {}
    }
    for var in ["PORTREVISION", "PORTEPOCH"] {
        if let Some((n, ..)) = value_of(items, var) {
            r.add(
                n,
                Level::Warn,
                "new-port",
                format!("new ports should not set {var}"),
            );
        }
    }
    let categories = word_list(items, "CATEGORIES");
    if categories.is_empty() {
        r.add(0, Level::Fatal, "categories", "CATEGORIES has to be there");
    }
    if categories.iter().collect::<BTreeSet<_>>().len() != categories.len() {
        r.add(0, Level::Warn, "categories", "duplicate category in CATEGORIES");
    }
    if let Some((n, _, files)) = value_of(items, "DISTFILES") {
        let grouped = files.rsplit_once(':').is_some_and(|(_, g)| !g.contains('/'));
        if !files.contains(char::is_whitespace) && !grouped {
            r.add(
                n,
                Level::Warn,
                "single-distfiles",
                "use of DISTFILES with single file discouraged",
            );
        }
    }
    match value_of(items, "MAINTAINER") {
        None => r.add(0, Level::Fatal, "maintainer", "no MAINTAINER listed"),
        Some((n, _, addr)) => {
            let ok = addr
                .split_once('@')
                .is_some_and(|(u, h)| !u.is_empty() && !h.is_empty() && !h.contains('@'));
            if !ok || addr.contains([' ', ',', '<', '>', '(', ')']) {
                r.add(
                    n,
                    Level::Fatal,
                    "maintainer",
                    "MAINTAINER should be a single address without comment",
                );
            }
            if addr.eq_ignore_ascii_case("ports@freebsd.org") {
                r.add(
                    n,
                    Level::Warn,
                    "maintainer-ports",
                    "new ports should not be maintained by ports@FreeBSD.org",
                );
            }
        }
    }
    if value_of(items, "LICENSE").is_none() {
        r.add(0, Level::Warn, "license", "Consider defining LICENSE");
    }
    match value_of(items, "COMMENT") {
        None => r.add(0, Level::Fatal, "comment", "COMMENT has to be there"),
        Some((n, _, c)) => lint_comment(n, c, portname, r),
    }
}

fn lint_comment(n: usize, c: &str, portname: &str, r: &mut Report) {
    if c.starts_with('"') {
        r.add(n, Level::Warn, "comment", "COMMENT messages should not be quoted");
    }
    if !c.starts_with(|ch: char| ch.is_ascii_uppercase() || ch.is_ascii_digit() || ch == '[')
        || c.ends_with('.')
    {
        r.add(
            n,
            Level::Warn,
            "comment",
            "COMMENT should begin with a capital, and end without a period",
        );
    }
    if c.chars().count() > 70 {
        r.add(n, Level::Warn, "comment", "COMMENT exceeds 70 characters limit");
    }
    // Handbook 5.6: no package name, no indefinite article.
    if !portname.is_empty() && c.to_ascii_lowercase().contains(&portname.to_ascii_lowercase()) {
        r.add(n, Level::Warn, "comment", "COMMENT includes the package name");
    }
    if c.starts_with("A ") || c.starts_with("An ") {
        r.add(
            n,
            Level::Warn,
            "comment",
            "COMMENT starts with an indefinite article",
        );
    }
}

/// portlint's checks of recipes and paths (`checkmakefile`, `abspathname`). Comment
/// lines are exempt from the command check, not from the path check, as in portlint.
fn lint_commands(text: &str, items: &[(usize, Item)], r: &mut Report) {
    const COMMANDS: &[&str] = &[
        "awk", "basename", "cat", "chmod", "chown", "cp", "cpio", "dirname", "egrep", "expr", "false",
        "find", "gmake", "grep", "gzcat", "ldconfig", "ln", "md5", "mkdir", "mv", "paste", "patch", "perl",
        "printf", "rm", "rmdir", "sed", "sh", "sort", "sysctl", "touch", "tr", "which", "xargs", "echo",
        "env", "gunzip", "gzip", "install", "python", "strip", "unzip",
    ];
    for (n, it) in items {
        let Item::Recipe(cmd) = it else { continue };
        for word in cmd.split(|c: char| c.is_whitespace() || c == ';' || c == '&' || c == '|') {
            let word = word.trim_start_matches(['@', '-']);
            if COMMANDS.contains(&word) {
                r.add(
                    *n,
                    Level::Warn,
                    "command",
                    format!("possible direct use of command \"{word}\" found"),
                );
            }
        }
        if cmd.contains("${MKDIR} -p") {
            r.add(*n, Level::Warn, "command", "${MKDIR} includes \"-p\" by default");
        }
    }
    for (i, line) in text.lines().enumerate() {
        let code = line.split('#').next().unwrap_or("");
        let abs = code.char_indices().any(|(at, c)| {
            c == '/'
                && code[..at].ends_with([' ', '\t', '@', '\'', '"', '-'])
                && code[at + 1..].starts_with(|d: char| d.is_alphanumeric() || d == '_')
        });
        if abs && !code.contains("/dev/null") {
            r.add(i + 1, Level::Warn, "abspath", "possible use of absolute pathname");
        }
        for (path, instead) in [
            ("/usr/local", "${PREFIX} or ${LOCALBASE}"),
            ("/usr/ports", "${PORTSDIR}"),
            ("/usr/opt", "${PORTSDIR}"),
        ] {
            if line.contains(path) {
                r.add(
                    i + 1,
                    Level::Warn,
                    "abspath",
                    format!("possible direct use of \"{path}\"; use {instead}"),
                );
            }
        }
        for dir in ["distfiles", "pkg", "files", "scripts", "patches", "work"] {
            if line.contains(&format!(" {dir}/"))
                || line.contains(&format!("\t{dir}/"))
                || line.contains(&format!("./{dir}/"))
            {
                r.add(
                    i + 1,
                    Level::Warn,
                    "abspath",
                    format!("possible direct use of \"{dir}\""),
                );
            }
        }
    }
}

/// The last line of a (master) port's Makefile includes bsd.port.mk.
fn lint_include(items: &[(usize, Item)], r: &mut Report) {
    let last = items.iter().rev().find(|(_, it)| !matches!(it, Item::Blank));
    let ok = matches!(last, Some((_, Item::Directive(d))) if d == ".include <bsd.port.mk>" || d == ".include <bsd.port.post.mk>");
    if !ok {
        r.add(
            0,
            Level::Fatal,
            "last-include",
            "the last line of Makefile has to be .include <bsd.port(.post).mk>",
        );
    }
}

/// portlint's packing-list checks, applied to PLIST_FILES (a port with fewer than six
/// files uses PLIST_FILES; portlint says so of a short pkg-plist) and the PORTDOCS
/// rule: the framework lists PORTDOCS itself, so the list must not.
fn lint_plist(items: &[(usize, Item)], port: &Path, r: &mut Report) {
    let files = word_list(items, "PLIST_FILES");
    let plist = port.join("pkg-plist");
    if plist.exists() && !files.is_empty() {
        r.add(
            0,
            Level::Warn,
            "plist",
            "You may remove pkg-plist if you use PLIST_FILES",
        );
    }
    if let Ok(text) = std::fs::read_to_string(&plist) {
        let entries = text.lines().filter(|l| !l.trim().is_empty()).count();
        if !text.contains(['%', '@']) && entries < 6 {
            r.add(
                0,
                Level::Warn,
                "plist",
                format!("only {entries} items in the plist: use PLIST_FILES"),
            );
        }
    }
    let docs = !word_list(items, "PORTDOCS").is_empty();
    for f in files.iter().filter(|f| *f != "\\") {
        if f.starts_with('/') {
            r.add(
                0,
                Level::Fatal,
                "plist",
                format!("{f}: use of full pathname disallowed"),
            );
        }
        if f.contains("/man/man") && !f.ends_with(".gz") {
            r.add(
                0,
                Level::Fatal,
                "plist",
                format!("{f}: unpacked man file listed; must be gzipped"),
            );
        }
        if docs && (f.starts_with("share/doc/") || f.contains("%%DOCSDIR%%")) {
            r.add(
                0,
                Level::Warn,
                "plist",
                format!("{f}: PORTDOCS files are listed by the framework"),
            );
        }
    }
    if docs && !word_list(items, "OPTIONS_DEFINE").iter().any(|o| o == "DOCS") {
        r.add(
            0,
            Level::Warn,
            "options",
            "PORTDOCS without DOCS in OPTIONS_DEFINE",
        );
    }
}

/// portlint's `checkdescr` and `checklastline` for pkg-descr.
fn lint_descr(text: &str, r: &mut Report) {
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() > 24 {
        r.add(
            0,
            Level::Warn,
            "descr",
            format!("exceeds 24 lines (currently {})", lines.len()),
        );
    }
    if lines.iter().any(|l| l.chars().count() > 80) {
        r.add(
            0,
            Level::Warn,
            "descr",
            "includes lines that exceed 80 characters",
        );
    }
    if !text.is_ascii() || text.contains('\x1b') {
        r.add(0, Level::Warn, "descr", "files should be in plain 7-bit ASCII");
    }
    if text.contains('\r') {
        r.add(
            0,
            Level::Warn,
            "descr",
            "lines should not contain carriage returns",
        );
    }
    if text.contains("http://") && !text.contains("WWW:") {
        r.add(0, Level::Fatal, "descr", "contains a URL but no \"WWW:\"");
    }
    if !text.ends_with('\n') {
        r.add(
            0,
            Level::Fatal,
            "last-newline",
            "the last line has to be terminated by \\n",
        );
    } else if text.ends_with("\n\n") {
        r.add(
            0,
            Level::Warn,
            "trailing-blank",
            "unnecessary blank lines at the last part",
        );
    }
}

fn lint_makefile(text: &str, port: &Path) -> Vec<Finding> {
    let mut r = Report::new("Makefile");
    let items = logical_lines(text);
    lint_lines(text, &mut r);
    lint_order(&items, &mut r);
    lint_values(&items, &mut r);
    lint_commands(text, &items, &mut r);
    lint_include(&items, &mut r);
    lint_plist(&items, port, &mut r);
    r.found
}

fn port_dir() -> std::path::PathBuf {
    Path::new(ROOT).join("contrib/freebsd-port")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What `portlint -A` would report and we accept, each for a reason README.md gives.
const ACCEPTED: &[&str] = &[
    // No one has taken the port yet; whoever submits it puts their address there.
    "maintainer-ports",
    // USES=cargo has no default distfile for a crate (devel/cargo-c does the same).
    "single-distfiles",
];

#[test]
fn the_port_passes_the_portlint_rules_checked_here() {
    let port = port_dir();
    let mut found = lint_makefile(&read(&port.join("Makefile")), &port);
    let mut descr = Report::new("pkg-descr");
    lint_descr(&read(&port.join("pkg-descr")), &mut descr);
    found.extend(descr.found);
    let rules: BTreeSet<&str> = found.iter().map(|f| f.rule).collect();
    let unexpected: Vec<&Finding> = found.iter().filter(|f| !ACCEPTED.contains(&f.rule)).collect();
    assert!(unexpected.is_empty(), "contrib/freebsd-port: {unexpected:#?}");
    for rule in ACCEPTED {
        assert!(
            rules.contains(rule),
            "{rule} no longer fires: drop it from ACCEPTED and README.md"
        );
    }
}

/// Each rule on a Makefile that breaks it, so the check above cannot pass vacuously.
#[test]
fn each_makefile_rule_bites() {
    let good = read(&port_dir().join("Makefile"));
    let cases: &[(&str, &str, &str)] = &[
        ("PORTNAME=\tjailvol", "PORTNAME= jailvol", "space-after-assign"),
        (
            "CATEGORIES=\tsysutils",
            "CATEGORIES=\tsysutils ",
            "trailing-whitespace",
        ),
        ("USES=\t\tcargo\n", "USES=\t\tcargo\n\n", "blank-lines"),
        (
            "MAINTAINER=\tports@FreeBSD.org\nCOMMENT=\tFixed-size UFS containers for jails",
            "COMMENT=\tFixed-size UFS containers for jails\nMAINTAINER=\tports@FreeBSD.org",
            "order",
        ),
        ("\nLICENSE=", "LICENSE=", "block"),
        (
            "LICENSE=\tBSD2CLAUSE\n",
            "LICENSE=\tBSD2CLAUSE\nLICENSE_FILE_BSD2CLAUSE=\tx\nLICENSE_COMB=\tsingle\n",
            "order",
        ),
        (
            "COMMENT=\tFixed-size UFS containers for jails",
            "COMMENT=\tfixed-size UFS containers for jails.",
            "comment",
        ),
        (
            "COMMENT=\tFixed-size UFS containers for jails",
            "COMMENT=\tA jailvol tool",
            "comment",
        ),
        ("\n.include <bsd.port.mk>\n", "\n", "last-include"),
        (
            "OPTIONS_DEFINE=\tDOCS\n",
            "OPTIONS_DEFINE=\tDOCS\nPORTREVISION=\t1\n",
            "order",
        ),
        (
            "post-install-DOCS-on:",
            "pre-build:\n\ttrue\n\npost-install-DOCS-on:",
            "target-order",
        ),
        ("\t${MV} ", "\tmv ", "command"),
        (
            "share/man/man8/${PORTNAME}.8.gz",
            "share/man/man8/${PORTNAME}.8",
            "plist",
        ),
        (
            "PORTDOCS=\tchecks.md freebsd.md",
            "PORTDOCS=\tchecks.md freebsd.md\nPLIST_FILES+=\tshare/doc/jailvol/x",
            "plist",
        ),
    ];
    for (from, to, rule) in cases {
        assert!(good.contains(from), "the Makefile no longer has {from:?}");
        let bad = good.replacen(from, to, 1);
        let found = lint_makefile(&bad, &port_dir());
        assert!(
            found.iter().any(|f| f.rule == *rule),
            "{rule} missed {to:?}: {found:#?}"
        );
    }
    let mut r = Report::new("pkg-descr");
    lint_descr("caf\u{e9} with a line\n\n", &mut r);
    let rules: BTreeSet<&str> = r.found.iter().map(|f| f.rule).collect();
    assert_eq!(rules, BTreeSet::from(["descr", "trailing-blank"]));
}

/// Mk/Uses/cargo.mk: `cargo-crates: cargo-crates-generate-lockfile`, which needs
/// `extract`, which needs the distfile's checksum. So a new port runs `make makesum`
/// first, then `make cargo-crates > Makefile.crates`, then `make makesum` again.
#[test]
fn the_makefile_gives_the_steps_in_the_order_cargo_mk_needs() {
    let text = read(&port_dir().join("Makefile"));
    let steps: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("#   make "))
        .map(|s| s.split_whitespace().next().unwrap_or(""))
        .collect();
    assert_eq!(steps, ["makesum", "cargo-crates", "makesum"], "{text}");
}

#[path = "contrib_port/install.rs"]
mod install;
