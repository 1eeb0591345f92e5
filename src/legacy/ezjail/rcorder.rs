//! rcorder(8) over ezjail's per-jail files: ezjail.sh builds its jail list with
//! `cd /usr/local/etc/ezjail/ && ls | xargs rcorder` (ezjail.sh, `do_cmd`), so the
//! order jails start in is rcorder's. A port of sbin/rcorder/rcorder.c (FreeBSD main):
//! `crunch_file` (the header lines), `insert_before`, `do_file`/`satisfy_req` (the
//! depth-first walk) and `generate_ordering` (the sort by sequence).
//!
//! rcorder keeps every list by prepending, so the walk starts at the LAST file named and
//! tries a file's requirements (and a provision's providers) last-written first; files
//! that depend on nothing keep the walk's order, which for ezjail's own header
//! (`# PROVIDE: standard_ezjail`, ezjail-admin `writejailinfo`) is reverse `ls` order.
//! generate_ordering sorts with qsort(3), which is not stable; FreeBSD's qsort sorts
//! fewer than 7 items by insertion (stable), and for more jailvol keeps the walk's order
//! among equal sequences (unsure whether qsort would: its pivot choice may swap them).

use std::collections::HashMap;

/// One file's rcorder header.
#[derive(Debug, Default, Clone)]
pub struct Header {
    pub provide: Vec<String>,
    pub require: Vec<String>,
    pub before: Vec<String>,
}

/// rcorder.c `crunch_file`: the `# PROVIDE:` (`PROVIDES`), `# REQUIRE:` (`REQUIRES`),
/// `# BEFORE:` and `# KEYWORD:` lines, read until the first other line after one of
/// them; fparseln(3) joins a line ending in `\` with the next.
pub fn header(text: &str) -> Header {
    let mut h = Header::default();
    let mut parsing = false;
    let mut pending = String::new();
    for raw in text.split('\n') {
        if let Some(cont) = raw.strip_suffix('\\') {
            pending.push_str(cont);
            continue;
        }
        let line = if pending.is_empty() {
            raw.to_owned()
        } else {
            std::mem::take(&mut pending) + raw
        };
        let tags = [
            "# REQUIRE:",
            "# REQUIRES:",
            "# PROVIDE:",
            "# PROVIDES:",
            "# BEFORE:",
            "# KEYWORD:",
            "# KEYWORDS:",
        ];
        let Some(i) = tags.iter().position(|t| line.starts_with(t)) else {
            if parsing {
                break;
            }
            continue;
        };
        parsing = true;
        let words = line[tags[i].len()..]
            .split([' ', '\t', '\n'])
            .filter(|w| !w.is_empty())
            .map(str::to_owned);
        match i {
            0 | 1 => h.require.extend(words),
            2 | 3 => h.provide.extend(words),
            4 => h.before.extend(words),
            _ => {} // keywords: ezjail.sh runs rcorder without -k/-s
        }
    }
    h
}

struct Node {
    /// Requirements, first tried first (rcorder prepends: last written first).
    req: Vec<String>,
    /// Provisions, fake ones (from BEFORE) included.
    prov: Vec<String>,
    in_progress: bool,
    done: bool,
    sequence: u32,
}

#[derive(Default)]
struct Head {
    /// Providers, first tried first (prepended: last file first).
    providers: Vec<usize>,
    in_progress: bool,
    sequence: u32,
}

struct Walk {
    nodes: Vec<Node>,
    heads: HashMap<String, Head>,
    emitted: Vec<usize>,
    max_sequence: u32,
    warnings: Vec<String>,
    names: Vec<String>,
}

/// The files (name, header) in the order rcorder prints them, and rcorder's warnings
/// (ezjail ignores them: it reads only the standard output).
pub fn order(files: &[(String, Header)]) -> (Vec<usize>, Vec<String>) {
    let mut w = Walk {
        nodes: Vec::with_capacity(files.len()),
        heads: HashMap::new(),
        emitted: Vec::with_capacity(files.len()),
        max_sequence: 0,
        warnings: Vec::new(),
        names: files.iter().map(|(n, _)| n.clone()).collect(),
    };
    let mut befores: Vec<(usize, String)> = Vec::new();
    for (i, (_, h)) in files.iter().enumerate() {
        for p in &h.provide {
            w.heads.entry(p.clone()).or_default().providers.insert(0, i);
        }
        for b in &h.before {
            befores.insert(0, (i, b.clone()));
        }
        w.nodes.push(Node {
            req: h.require.iter().rev().cloned().collect(),
            prov: h.provide.clone(),
            in_progress: false,
            done: false,
            sequence: 0,
        });
    }
    // insert_before: file F BEFORE S makes a fake provision of F that every provider of
    // S requires first. The NUL keeps the fake names apart from any header word.
    for (k, (f, s)) in befores.into_iter().enumerate() {
        let fake = format!("\0fake_prov_{k:08}");
        w.heads.insert(
            fake.clone(),
            Head {
                providers: vec![f],
                ..Head::default()
            },
        );
        w.nodes[f].prov.push(fake.clone());
        match w.heads.get(&s) {
            None => w
                .warnings
                .push(format!("file `{}' is before unknown provision `{s}'", w.names[f])),
            Some(head) => {
                for p in head.providers.clone() {
                    w.nodes[p].req.insert(0, fake.clone());
                }
            }
        }
    }
    // generate_ordering: the file list is in reverse argument order.
    for i in (0..files.len()).rev() {
        if !w.nodes[i].done {
            w.do_file(i);
        }
    }
    let mut out = std::mem::take(&mut w.emitted);
    out.sort_by_key(|&i| w.nodes[i].sequence);
    (out, w.warnings)
}

impl Walk {
    fn do_file(&mut self, f: usize) {
        let was_set = self.nodes[f].in_progress;
        if was_set {
            self.warnings
                .push(format!("Circular dependency on file `{}'.", self.names[f]));
        }
        self.nodes[f].in_progress = true;
        let reqs = std::mem::take(&mut self.nodes[f].req);
        let mut seq = 0;
        for r in &reqs {
            self.satisfy_req(r, f);
            if let Some(h) = self.heads.get(r) {
                seq = seq.max(h.sequence);
            }
        }
        seq += 1;
        if was_set {
            // rcorder counts the files met in a loop and puts them last.
            seq = self.max_sequence + 1;
        }
        self.nodes[f].sequence = seq;
        self.max_sequence = self.max_sequence.max(seq);
        for p in self.nodes[f].prov.clone() {
            if let Some(h) = self.heads.get_mut(&p) {
                h.sequence = h.sequence.max(seq);
                h.providers.retain(|&x| x != f);
            }
        }
        self.nodes[f].done = true;
        if !was_set {
            self.emitted.push(f);
        }
    }

    fn satisfy_req(&mut self, r: &str, f: usize) {
        let Some(head) = self.heads.get_mut(r) else {
            self.warnings.push(format!(
                "requirement `{r}' in file `{}' has no providers.",
                self.names[f]
            ));
            return;
        };
        if head.providers.is_empty() {
            return;
        }
        if head.in_progress {
            self.warnings.push(format!(
                "Circular dependency on provision `{}' in file `{}'.",
                r.trim_start_matches('\0'),
                self.names[f]
            ));
            return;
        }
        head.in_progress = true;
        while let Some(&p) = self.heads.get(r).and_then(|h| h.providers.first()) {
            if self.nodes[p].done {
                // A file met in a loop is done without leaving the list in this port.
                if let Some(h) = self.heads.get_mut(r) {
                    h.providers.retain(|&x| x != p);
                }
                continue;
            }
            self.do_file(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(spec: &[(&str, &str)]) -> Vec<(String, Header)> {
        spec.iter().map(|(n, t)| ((*n).to_owned(), header(t))).collect()
    }

    fn names(spec: &[(&str, &str)]) -> Vec<String> {
        let f = files(spec);
        order(&f).0.into_iter().map(|i| f[i].0.clone()).collect()
    }

    const STD: &str = "#\n# PROVIDE: standard_ezjail\n# REQUIRE: \n# BEFORE: \n#\n";

    #[test]
    fn ezjail_headers_give_reverse_ls_order() {
        assert_eq!(names(&[("a", STD), ("b", STD), ("c", STD)]), ["c", "b", "a"]);
        assert_eq!(names(&[("a", ""), ("b", "")]), ["b", "a"]);
    }

    #[test]
    fn require_and_before_order_files() {
        let db = "# PROVIDE: db\n";
        let web = "# PROVIDE: web\n# REQUIRE: db\n";
        assert_eq!(names(&[("db", db), ("web", web)]), ["db", "web"]);
        let first = "# PROVIDE: first\n# BEFORE: standard_ezjail\n";
        assert_eq!(names(&[("a", STD), ("b", STD), ("z", first)]), ["z", "b", "a"]);
        let (o, warn) = order(&files(&[("a", "# PROVIDE: a\n# REQUIRE: nothing\n")]));
        assert_eq!(o, [0]);
        assert!(warn[0].contains("has no providers"));
    }

    #[test]
    fn a_loop_is_reported_and_every_file_printed_once() {
        let a = "# PROVIDE: a\n# REQUIRE: b\n";
        let b = "# PROVIDE: b\n# REQUIRE: a\n";
        let f = files(&[("a", a), ("b", b)]);
        let (o, warn) = order(&f);
        assert_eq!(o.len(), 2);
        assert!(warn.iter().any(|w| w.contains("Circular dependency")));
    }

    #[test]
    fn header_stops_after_its_block_and_joins_continuations() {
        let h = header("#!/bin/sh\n# PROVIDE: x \\\n y\n# REQUIRE: z\nexport a=1\n# BEFORE: q\n");
        assert_eq!(h.provide, ["x", "y"]);
        assert_eq!(h.require, ["z"]);
        assert!(h.before.is_empty());
    }
}
