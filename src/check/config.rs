//! Lints on the configuration itself: what jail(8) would do differently from what the
//! admin meant, and clashes between jails.

use super::Report;
use super::address::{Family, addresses, invalid};
use crate::diag::Loc;
use crate::lint::Lint;
use crate::locate;

use crate::hash::Firsts;
use crate::model::{self, Config, Jail};
use crate::parse::jailconf::{Parsed, Text};

fn param_loc(parsed: &Parsed, jail: &Jail, name: &str) -> Option<Loc> {
    crate::locate::statement(parsed, jail, name, false)
}

pub fn lint(parsed: &Parsed, cfg: &Config, r: &mut Report) {
    cut_values(parsed, r);
    duplicate_blocks(parsed, r);
    let mut ips: Firsts<&Jail> = Firsts::with_capacity(cfg.jails.len());
    let mut hosts: Firsts<&Jail> = Firsts::with_capacity(cfg.jails.len());
    // Every jail's absolute path, for overlapping_paths.
    let mut paths: Vec<(&Jail, &str)> = Vec::with_capacity(cfg.jails.len());
    let find = locate::Finder::new(
        [
            "exec.prestart",
            "exec.poststop",
            "path",
            "ip4.addr",
            "ip6.addr",
            "host.hostname",
        ],
        [],
    );
    for j in &cfg.jails {
        let err = |lint: Lint, param: &str, msg: String| {
            lint.diag(param_loc(parsed, j, param), format!("{}: {msg}", j.name))
                .with_jail(&j.name)
        };
        let ([prestart, poststop, path, ip4, ip6, hostname], []) = find.get(j);
        if values(prestart).iter().any(|c| c.contains("mdconfig")) {
            r.push(err(
                Lint::AttachInPrestart,
                "exec.prestart",
                "exec.prestart runs mdconfig, but jail(8) mounts mount.fstab before exec.prestart: \
                 attach the container in exec.prepare"
                    .into(),
            ));
        }
        if values(poststop)
            .iter()
            .any(|c| c.contains("mdconfig -d") || c.contains("jailvol-md detach"))
        {
            r.push(err(
                Lint::DetachInPoststop,
                "exec.poststop",
                "exec.poststop detaches an md unit, but jail(8) unmounts mount.fstab after exec.poststop: \
                 the detach fails with \"Device busy\"; detach in exec.release"
                    .into(),
            ));
        }
        if let Some(path) = locate::last(path) {
            if path.starts_with('/') {
                paths.push((j, path));
            } else {
                r.push(err(
                    Lint::RelativePath,
                    "path",
                    format!("path \"{path}\" is not absolute: jail(8) refuses to start it"),
                ));
            }
        }
        for (param, addrs) in [("ip4.addr", ip4), ("ip6.addr", ip6)] {
            let family = Family::of(param);
            for addr in addresses(values(addrs).iter().map(Text::as_str)) {
                // jail(8) fails the jail on an address inet_pton refuses (JV030), so
                // only the valid ones can clash (JV010).
                if let Some(why) = invalid(family, addr) {
                    r.push(err(Lint::InvalidAddress, param, format!("{param}: {why}")));
                    continue;
                }
                if let Some(other) = ips.first(addr, j)
                    && other.name != j.name
                {
                    r.push(err(
                        Lint::SharedAddress,
                        param,
                        format!("address {addr} is also an address of jail \"{}\"", other.name),
                    ));
                }
            }
        }
        if let Some(h) = locate::last(hostname).filter(|h| !h.is_empty())
            && let Some(other) = hosts.first(h, j)
        {
            r.push(
                Lint::SharedHostname
                    .diag(
                        param_loc(parsed, j, "host.hostname"),
                        format!(
                            "{}: host.hostname {h} is also the hostname of jail \"{}\"",
                            j.name, other.name
                        ),
                    )
                    .with_jail(&j.name),
            );
        }
    }
    overlapping_paths(parsed, &paths, r);
}

/// A parameter's values, none when it is not set.
fn values(e: Option<&model::Entry>) -> &[Text] {
    e.map_or(&[], |e| e.values.as_slice())
}

fn duplicate_blocks(parsed: &Parsed, r: &mut Report) {
    let mut seen: Firsts<usize> = Firsts::with_capacity(parsed.jails.len());
    for (i, rec) in parsed.jails.iter().enumerate() {
        let Some(jail) = rec.jail_name() else {
            continue;
        };
        if let Some(first) = seen.first(jail, i) {
            let at = parsed.jails[first]
                .loc()
                .map(|l| format!(" (first at {}:{})", l.file(), l.line()));
            r.push(
                Lint::DuplicateBlock
                    .diag(
                    rec.loc(),
                    format!(
                        "{}: a second block for the same jail: jail(8) keeps both as separate jails and the \
                         second fails to start{}",
                        jail,
                        at.unwrap_or_default()
                    ),
                )
                .with_jail(jail),
            );
        }
    }
}

/// `jail_paths`: every jail's absolute path, in jail order.
fn overlapping_paths<'c>(parsed: &Parsed, jail_paths: &[(&'c Jail, &'c str)], r: &mut Report) {
    // Index every absolute path once, then look each one's ancestors up: linear in the
    // number of jails times the path depth.
    let mut first: Firsts<&Jail> = Firsts::with_capacity(jail_paths.len());
    let mut paths: Vec<(&Jail, &str)> = Vec::with_capacity(jail_paths.len());
    for &(j, p) in jail_paths {
        let p = norm(p);
        if let Some(b) = first.first(p, j) {
            r.push(
                Lint::OverlappingPaths
                    .diag(
                        param_loc(parsed, j, "path"),
                        format!("{}: path {p} is also the path of jail \"{}\"", j.name, b.name),
                    )
                    .with_jail(&j.name),
            );
        }
        paths.push((j, p));
    }
    // The jails at the ancestors of the last path's parent: most jails share their
    // parent directory (`/jails/web1`, `/jails/web2`), whose ancestors need no lookup
    // again (each a miss in a table of every jail's path).
    let mut above: (&str, Vec<(&str, &Jail)>) = ("", Vec::new());
    for &(a, pa) in &paths {
        // Every path here is absolute.
        let Some(cut) = pa.rfind('/') else { continue };
        let parent = if cut == 0 { "/" } else { &pa[..cut] };
        if parent != above.0 {
            above.1.clear();
            let mut dir = pa;
            while let Some(cut) = dir.rfind('/') {
                dir = if cut == 0 { "/" } else { &dir[..cut] };
                if let Some(b) = first.get(dir) {
                    above.1.push((dir, b));
                }
                if dir == "/" {
                    break;
                }
            }
            above.0 = parent;
        }
        for &(dir, b) in &above.1 {
            // A child jail (web.front) inside its parent's tree is the normal
            // hierarchical layout.
            let related =
                a.name.starts_with(&format!("{}.", b.name)) || b.name.starts_with(&format!("{}.", a.name));
            if !related && b.name != a.name {
                // Nested paths are a warning: the same path (above) an error.
                r.push(
                    Lint::OverlappingPaths
                        .warning(
                            param_loc(parsed, a, "path"),
                            format!("{}: path {pa} is inside jail \"{}\"'s path {dir}", a.name, b.name),
                        )
                        .with_jail(&a.name),
                );
            }
        }
    }
}

fn norm(p: &str) -> &str {
    let t = p.trim_end_matches('/');
    if t.is_empty() { "/" } else { t }
}

/// JV003: an unquoted value cut by a comment glued to it (`foo#bar`, `/jails//x`,
/// `/tmp/*.sock`): jaillex.l tries its comment rules on every character outside quotes.
/// The scanner records them as it skips the comments (`Parsed::cuts`).
fn cut_values(parsed: &Parsed, r: &mut Report) {
    for cut in &parsed.cuts {
        r.push(Lint::CommentCutsValue.diag(
            Some(cut.loc.clone()),
            format!(
                "\"{}\" starts a comment here and cuts the unquoted value before it; \
                     quote the value if the comment was not meant",
                cut.opener
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    /// `cuts` as first written, one byte at a time.
    fn cuts_bytewise(text: &str) -> Vec<(usize, &'static str)> {
        let mut out = Vec::new();
        let b = text.as_bytes();
        let mut i = 0;
        let mut prev_word = false;
        while i < b.len() {
            let c = b[i];
            match c {
                b'\'' | b'"' => {
                    i += 1;
                    while i < b.len() && b[i] != c {
                        i += if b[i] == b'\\' { 2 } else { 1 };
                    }
                    i += 1;
                    prev_word = false;
                    continue;
                }
                b'\\' => {
                    i += 2;
                    prev_word = true;
                    continue;
                }
                b'#' | b'/' if c == b'#' || matches!(b.get(i + 1), Some(b'/') | Some(b'*')) => {
                    if prev_word {
                        let what = if c == b'#' {
                            "#"
                        } else if b[i + 1] == b'/' {
                            "//"
                        } else {
                            "/*"
                        };
                        out.push((i, what));
                    }
                    if c == b'/' && b[i + 1] == b'*' {
                        match text[i + 2..].find("*/") {
                            Some(e) => i += e + 4,
                            None => i = b.len(),
                        }
                    } else {
                        while i < b.len() && b[i] != b'\n' {
                            i += 1;
                        }
                    }
                    prev_word = false;
                    continue;
                }
                _ => {}
            }
            prev_word = !(c.is_ascii_whitespace() || b",;={}".contains(&c));
            i += 1;
        }
        out
    }

    /// The scanner's cuts (`Parsed::cuts`, JV003) against `cuts_bytewise`, jaillex.l's
    /// comment rules read off byte by byte, for every file of up to five pieces that
    /// parses, alone and as a value.
    #[test]
    fn scanner_cuts_match_the_byte_at_a_time_scan() {
        use crate::diag::Source;
        use crate::parse::jailconf::parse_source;
        use crate::parse::loader::Loader;
        let alphabet = [
            "a", " ", "/", "#", "*", "\"", "'", "\\", "\n", ";", "$b", "${c}", "é",
        ];
        let mut strings = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..5 {
            last = last
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            strings.extend(last.iter().cloned());
        }
        let loader = Loader::new(None);
        let mut parsed_ok = 0;
        let mut with_cuts = 0;
        for s in &strings {
            for text in [format!("x = {s};\n"), format!("{s}\n")] {
                let Ok(p) = parse_source(&loader, Source::new("t.conf", text.clone()), false) else {
                    continue;
                };
                parsed_ok += 1;
                let got: Vec<(usize, &str)> = p.cuts.iter().map(|c| (c.loc.offset, c.opener)).collect();
                if !got.is_empty() {
                    with_cuts += 1;
                }
                assert_eq!(got, cuts_bytewise(&text), "{text:?}");
            }
        }
        // The comparison must have had something to compare.
        assert!(
            parsed_ok > 50_000 && with_cuts > 1_500,
            "{parsed_ok} parsed, {with_cuts} with cuts"
        );
        let p = parse_source(
            &loader,
            Source::new("t.conf", String::from("path = /a//b\n;\nx#y\n;\n")),
            false,
        )
        .unwrap();
        let got: Vec<(usize, &str)> = p.cuts.iter().map(|c| (c.loc.offset, c.opener)).collect();
        assert_eq!(got, vec![(9, "//"), (16, "#")]);
    }

    /// With includes (nested, and before and after the including file's own cuts),
    /// the cuts come in the order of `Parsed::sources`, each file's by offset.
    #[test]
    fn scanner_cuts_follow_the_order_of_the_files() {
        use crate::parse::jailconf::parse_file;
        use crate::parse::loader::Loader;
        let d = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| std::fs::write(d.path().join(name), text).unwrap();
        write(
            "main.conf",
            "a = x#1\n;\n.include \"/one.conf\";\nb = y#2\n;\n.include \"/two.conf\";\n",
        );
        write("one.conf", ".include \"/deep.conf\";\nc = z#3\n;\n");
        write("deep.conf", "d = w#4\n;\n");
        write("two.conf", "e = v#5\n;\n");
        let parsed = parse_file(&Loader::new(Some(d.path().to_path_buf())), "/main.conf").unwrap();
        let files: Vec<&str> = parsed.sources.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(files, ["/main.conf", "/one.conf", "/deep.conf", "/two.conf"]);
        let got: Vec<(&str, usize)> = parsed
            .cuts
            .iter()
            .map(|c| (c.loc.source.name.as_str(), c.loc.offset))
            .collect();
        let want = [
            ("/main.conf", 5),
            ("/main.conf", 37),
            ("/one.conf", 28),
            ("/deep.conf", 5),
            ("/two.conf", 5),
        ];
        assert_eq!(got, want);
    }
}

#[cfg(test)]
mod nested {
    use super::*;
    use crate::diag::Source;
    use crate::parse::jailconf::parse_source;
    use crate::parse::loader::Loader;

    /// JV015's nested paths against every pair of jails compared: for each order of
    /// jails over a few directories, siblings after siblings and parents after
    /// children, each jail is reported once for every other jail whose path holds its
    /// own (the lint reuses the lookups of the parent directory the jail before had).
    #[test]
    fn nested_paths_match_every_pair_compared() {
        let pool = [
            "/j",
            "/j/a",
            "/j/b",
            "/srv/c",
            "/j/a/x",
            "/j/a/y",
            "/",
            "/j/a/x/deep",
            "/srv",
        ];
        // Every window of the pool in both orders: parents before and after children.
        let mut orders: Vec<Vec<&str>> = Vec::new();
        for start in 0..pool.len() {
            for len in 1..=pool.len() - start {
                let w = &pool[start..start + len];
                orders.push(w.to_vec());
                orders.push(w.iter().rev().copied().collect());
            }
        }
        let loader = Loader::sealed();
        for paths in orders {
            let text: String = paths
                .iter()
                .enumerate()
                .map(|(i, p)| format!("j{i} {{ path = \"{p}\"; }}\n"))
                .collect();
            let parsed = parse_source(&loader, Source::new("t.conf", text.as_str()), false).unwrap();
            let cfg = crate::model::load(&parsed);
            let mut r = Report::default();
            lint(&parsed, &cfg, &mut r);
            let mut got: Vec<String> = r
                .findings
                .iter()
                .filter(|f| f.code == Some(Lint::OverlappingPaths.code()))
                .map(|f| f.message.clone())
                .collect();
            let mut want = Vec::new();
            for (i, a) in paths.iter().enumerate() {
                for (k, b) in paths.iter().enumerate() {
                    let inside = a != b && (*b == "/" || a.starts_with(&format!("{b}/")));
                    if inside {
                        want.push(format!("j{i}: path {a} is inside jail \"j{k}\"'s path {b}"));
                    }
                }
            }
            got.sort();
            want.sort();
            assert_eq!(got, want, "{text}");
        }
    }
}
