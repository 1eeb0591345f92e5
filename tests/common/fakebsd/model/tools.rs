//! sysrc(8), tar(1), mtree(8), df(1), id(1).
//!
//! * sysrc (usr.sbin/sysrc, usr.sbin/bsdconfig/share/sysrc.subr): `[-f FILE]
//!   NAME=VALUE` replaces the value of the last assignment (`^[[:space:]]*NAME=`) in
//!   place, keeping its quotes and the rest of the line, else appends `NAME="VALUE"`;
//!   `-x NAME` removes every assignment line; `NAME` prints the value.
//! * tar: the system's tar does the work; `--one-file-system` (bsdtar.1: "do not cross
//!   mount points") leaves out what is mounted below the directory archived, as the
//!   model's mount table says. Without it, tar archives what is mounted below too.
//! * mtree (usr.sbin/mtree, contrib/mtree): `-c [-k KEYS] [-X FILE] [-x] -p DIR` writes a
//!   specification, `-f SPEC [-X FILE] [-x] -p DIR` compares (differences on stdout,
//!   exit 2). `-x`: do not descend into mount points. `-X`: fnmatch(3) patterns, a
//!   pattern with `/` matched against the whole relative path (`./a/b`), others against
//!   the last component (excludes.c `check_excludes`). The specification format is the
//!   model's own (one entry a line), read back only by the model.
//! * df (bin/df/df.c): `-P -k DIR` and `-k -i DIR` for the file system holding DIR:
//!   a mounted container's size, or `State::free_kib` for the host.
//! * id: `id -u` prints `State::uid` (0 unless a test says otherwise).

use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;

use crate::state::{Kind, State};
use crate::{Ctx, realpath, strerror};

pub fn id(ctx: &Ctx) -> i32 {
    if ctx.args == ["-u"] {
        println!("{}", ctx.state().uid);
        return 0;
    }
    match Command::new("/usr/bin/id").args(&ctx.args).status() {
        Ok(s) => s.code().unwrap_or(1),
        Err(e) => ctx.err(strerror(&e)),
    }
}

pub fn sysrc(ctx: &Ctx) -> i32 {
    let mut file = ctx
        .state()
        .rc_conf
        .first()
        .cloned()
        .unwrap_or_else(|| "/etc/rc.conf".into());
    let mut delete = false;
    let mut words = Vec::new();
    let mut i = 0;
    while i < ctx.args.len() {
        match ctx.args[i].as_str() {
            "-f" => {
                i += 1;
                match ctx.args.get(i) {
                    Some(f) => file = f.clone(),
                    None => return ctx.err("-f needs a file"),
                }
            }
            "-x" => delete = true,
            "-n" | "-q" | "-v" | "-i" => {}
            s => words.push(s.to_owned()),
        }
        i += 1;
    }
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !delete => String::new(),
        Err(e) => return ctx.err(format!("{file}: {}", strerror(&e))),
    };
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    // sysrc.subr: an assignment is a line matching `^[[:space:]]*NAME=` (`export NAME=`
    // is not one).
    let assigns = |lines: &[String], name: &str| -> Vec<usize> {
        lines
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                l.trim_start()
                    .strip_prefix(name)
                    .is_some_and(|r| r.starts_with('='))
            })
            .map(|(i, _)| i)
            .collect()
    };
    for w in &words {
        if delete {
            for i in assigns(&lines, w).into_iter().rev() {
                lines.remove(i);
            }
            continue;
        }
        let Some((name, value)) = w.split_once('=') else {
            match assigns(&lines, w).last() {
                Some(&i) => println!(
                    "{}",
                    lines[i].split_once('=').map_or("", |x| x.1).trim_matches('"')
                ),
                None => return ctx.err(format!("unknown variable '{w}'")),
            }
            continue;
        };
        match assigns(&lines, name)
            .last()
            .and_then(|&i| set_in_line(&lines[i], name, value).map(|l| (i, l)))
        {
            Some((i, l)) => lines[i] = l,
            None => lines.push(format!("{name}=\"{value}\"")),
        }
        println!("{name}: -> {value}");
    }
    let mut out = lines.join("\n");
    if !lines.is_empty() {
        out.push('\n');
    }
    if out != text {
        let tmp = format!("{file}.sysrc.tmp");
        let mode = std::fs::metadata(&file)
            .map(|m| m.permissions().mode())
            .unwrap_or(0o644);
        if let Err(e) = std::fs::write(&tmp, &out)
            .and_then(|()| std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(mode)))
            .and_then(|()| std::fs::rename(&tmp, &file))
        {
            return ctx.err(format!("{file}: {}", strerror(&e)));
        }
    }
    0
}

/// `f_sysrc_set_awk` (usr.sbin/bsdconfig/share/sysrc.subr) on the last assignment: the
/// value is replaced inside the quotes it had (an unquoted or empty value gets double
/// quotes), whatever follows it on the line stays; a value starting with `$`, `` ` `` or
/// `\` is left alone (None: sysrc then appends `NAME="VALUE"` to the file).
fn set_in_line(line: &str, name: &str, new: &str) -> Option<String> {
    let at = line.find(&format!("{name}="))? + name.len() + 1;
    let (head, value) = line.split_at(at);
    let (q1, q2, rest): (&str, &str, &str) = match value.chars().next() {
        Some('$' | '`' | '\\') => return None,
        Some('\'') => {
            let after = value[1..].find('\'').map_or("", |e| &value[1 + e..]);
            let q2 = if after.is_empty() { "" } else { "'" };
            ("'", q2, after.strip_prefix('\'').unwrap_or(after))
        }
        Some('"') => {
            let b = value.as_bytes();
            let mut e = 1;
            while e < b.len() && !(b[e] == b'"' && b[e - 1] != b'\\') {
                e += 1;
            }
            let after = &value[e.min(value.len())..];
            let q2 = if after.is_empty() { "" } else { "\"" };
            ("\"", q2, after.strip_prefix('"').unwrap_or(after))
        }
        Some(c) if !c.is_whitespace() && c != ';' => {
            let end = value.find(char::is_whitespace).unwrap_or(value.len());
            ("\"", "\"", &value[end..])
        }
        _ => ("\"", "\"", value),
    };
    Some(format!("{head}{q1}{new}{q2}{rest}"))
}

/// Mount points strictly below `dir` (a realpath), relative to it.
fn mounts_below(st: &State, dir: &str) -> Vec<String> {
    let prefix = format!("{}/", dir.trim_end_matches('/'));
    st.mounts
        .iter()
        .filter_map(|m| m.point.strip_prefix(&prefix).map(str::to_owned))
        .collect()
}

fn glob_escape(s: &str) -> String {
    let mut o = String::new();
    for c in s.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '\\') {
            o.push('\\');
        }
        o.push(c);
    }
    o
}

pub fn tar(ctx: &Ctx) -> i32 {
    let st = ctx.state();
    let real = if st.real_tar.is_empty() {
        "/usr/bin/tar".to_owned()
    } else {
        st.real_tar.clone()
    };
    let mut args: Vec<String> = Vec::new();
    let mut dir: Option<String> = None;
    let mut create = false;
    let mut one_fs = false;
    let mut i = 0;
    while i < ctx.args.len() {
        let a = &ctx.args[i];
        if a == "-C" {
            dir = ctx.args.get(i + 1).cloned();
        }
        if a == "--one-file-system" {
            one_fs = true;
        }
        if a == "-c" || (a.starts_with('-') && !a.starts_with("--") && a.contains('c') && a != "-C") {
            create = true;
        }
        args.push(a.clone());
        i += 1;
    }
    if create && one_fs {
        // GNU tar would stop at *its* file system boundaries; the model's mounts are
        // ordinary directories, so leave out what the mount table says is mounted.
        args.retain(|a| a != "--one-file-system");
        let base = dir
            .as_deref()
            .map(|d| realpath(d).unwrap_or_else(|_| d.to_owned()))
            .unwrap_or_default();
        let mut ex = vec!["--anchored".to_owned(), "--wildcards".to_owned()];
        for m in mounts_below(&st, &base) {
            ex.push(format!("--exclude=./{}/*", glob_escape(&m)));
        }
        // In front of everything: after `-cf` they would take the place of its operand.
        args.splice(0..0, ex);
    }
    match Command::new(&real).args(&args).status() {
        Ok(s) => s.code().unwrap_or(1),
        Err(e) => ctx.err(format!("{real}: {}", strerror(&e))),
    }
}

/// One entry of a specification: relative path → keyword values.
type Spec = BTreeMap<String, BTreeMap<String, String>>;

fn fnmatch(pat: &[u8], s: &[u8]) -> bool {
    match (pat.first(), s.first()) {
        (None, None) => true,
        (Some(b'*'), _) => fnmatch(&pat[1..], s) || (!s.is_empty() && fnmatch(pat, &s[1..])),
        (Some(b'?'), Some(_)) => fnmatch(&pat[1..], &s[1..]),
        (Some(b'['), Some(c)) => match pat.iter().position(|&b| b == b']') {
            Some(end) if end > 1 => {
                let set = &pat[1..end];
                let (neg, set) = if set[0] == b'!' {
                    (true, &set[1..])
                } else {
                    (false, set)
                };
                let mut hit = false;
                let mut k = 0;
                while k < set.len() {
                    if k + 2 < set.len() && set[k + 1] == b'-' {
                        hit |= (set[k]..=set[k + 2]).contains(c);
                        k += 3;
                    } else {
                        hit |= set[k] == *c;
                        k += 1;
                    }
                }
                hit != neg && fnmatch(&pat[end + 1..], &s[1..])
            }
            _ => *c == b'[' && fnmatch(&pat[1..], &s[1..]),
        },
        (Some(b'\\'), Some(c)) if pat.len() > 1 => pat[1] == *c && fnmatch(&pat[2..], &s[1..]),
        (Some(p), Some(c)) => p == c && fnmatch(&pat[1..], &s[1..]),
        _ => false,
    }
}

fn excluded(patterns: &[String], rel: &str) -> bool {
    patterns.iter().any(|p| {
        if p.contains('/') {
            fnmatch(p.as_bytes(), rel.as_bytes())
        } else {
            fnmatch(p.as_bytes(), rel.rsplit('/').next().unwrap_or(rel).as_bytes())
        }
    })
}

fn sha256(path: &Path) -> String {
    Command::new("sha256sum")
        .arg(path)
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_default()
}

/// Walk `root` as mtree does: every entry below it with the keywords asked for.
fn walk(root: &Path, keys: &[String], excludes: &[String], stop_at: &[String]) -> std::io::Result<Spec> {
    let mut spec = Spec::new();
    let mut stack = vec![(root.to_path_buf(), ".".to_owned())];
    while let Some((p, rel)) = stack.pop() {
        let m = std::fs::symlink_metadata(&p)?;
        let ft = m.file_type();
        let mut kv = BTreeMap::new();
        let ty = if ft.is_dir() {
            "dir"
        } else if ft.is_symlink() {
            "link"
        } else {
            "file"
        };
        kv.insert("type".to_owned(), ty.to_owned());
        for k in keys {
            let v = match k.as_str() {
                "uid" => m.uid().to_string(),
                "gid" => m.gid().to_string(),
                "mode" => format!("{:04o}", m.mode() & 0o7777),
                "flags" => "none".to_owned(),
                "nlink" => m.nlink().to_string(),
                "time" => format!("{}.{:09}", m.mtime(), m.mtime_nsec()),
                "size" if ft.is_file() => m.len().to_string(),
                "link" if ft.is_symlink() => std::fs::read_link(&p)?.display().to_string(),
                "sha256" | "sha256digest" if ft.is_file() => sha256(&p),
                _ => continue,
            };
            kv.insert(k.clone(), v);
        }
        spec.insert(rel.clone(), kv);
        if ft.is_dir() && !(rel != "." && stop_at.contains(&rel)) {
            for e in std::fs::read_dir(&p)? {
                let e = e?;
                let name = e.file_name().to_string_lossy().into_owned();
                let child = format!("{rel}/{name}");
                if !excluded(excludes, &child) {
                    stack.push((e.path(), child));
                }
            }
        }
    }
    Ok(spec)
}

fn encode(s: &str) -> String {
    let mut o = String::new();
    for b in s.bytes() {
        if b <= b' ' || b == b'\\' || b >= 0x7f || b == b'=' {
            o.push_str(&format!("\\{b:03o}"));
        } else {
            o.push(b as char);
        }
    }
    o
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 4 <= b.len() {
            let v = b[i + 1..i + 4]
                .iter()
                .fold(0u32, |a, c| a * 8 + u32::from(c.wrapping_sub(b'0')));
            out.push(v as u8);
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn mtree(ctx: &Ctx) -> i32 {
    let mut create = false;
    let mut spec_file: Option<String> = None;
    let mut keys: Vec<String> = ["flags", "gid", "link", "mode", "nlink", "size", "time", "uid"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let mut exclude_file = None;
    let mut root = ".".to_owned();
    let mut one_fs = false;
    let mut i = 0;
    while i < ctx.args.len() {
        let a = ctx.args[i].as_str();
        let mut next = || {
            i += 1;
            ctx.args.get(i).cloned().unwrap_or_default()
        };
        match a {
            "-c" => create = true,
            "-f" => spec_file = Some(next()),
            "-k" => {
                keys = next()
                    .split([',', ' '])
                    .filter(|k| !k.is_empty())
                    .map(str::to_owned)
                    .collect()
            }
            "-K" => keys.extend(
                next()
                    .split([',', ' '])
                    .filter(|k| !k.is_empty())
                    .map(str::to_owned),
            ),
            "-X" => exclude_file = Some(next()),
            "-p" => root = next(),
            "-x" => one_fs = true,
            "-e" | "-i" | "-n" | "-q" | "-U" | "-u" | "-d" | "-L" | "-P" => {}
            s => return ctx.err(format!("{s}: not modelled")),
        }
        i += 1;
    }
    let excludes: Vec<String> = match &exclude_file {
        Some(f) => match std::fs::read_to_string(f) {
            Ok(t) => t.lines().filter(|l| !l.is_empty()).map(str::to_owned).collect(),
            Err(e) => return ctx.err(format!("{f}: {}", strerror(&e))),
        },
        None => Vec::new(),
    };
    let real_root = match realpath(&root) {
        Ok(r) => r,
        Err(e) => return ctx.err(format!("{root}: {}", strerror(&e))),
    };
    let stop_at: Vec<String> = if one_fs {
        mounts_below(&ctx.state(), &real_root)
            .into_iter()
            .map(|m| format!("./{m}"))
            .collect()
    } else {
        Vec::new()
    };
    if create {
        let spec = match walk(Path::new(&real_root), &keys, &excludes, &stop_at) {
            Ok(s) => s,
            Err(e) => return ctx.err(format!("{root}: {}", strerror(&e))),
        };
        let mut out = String::from("#mtree (jailvol's FreeBSD model)\n");
        for (p, kv) in &spec {
            out.push_str(&encode(p));
            for (k, v) in kv {
                out.push_str(&format!(" {k}={}", encode(v)));
            }
            out.push('\n');
        }
        let _ = std::io::stdout().write_all(out.as_bytes());
        return 0;
    }
    let mut text = String::new();
    let read = match &spec_file {
        Some(f) => std::fs::File::open(f).and_then(|mut h| h.read_to_string(&mut text)),
        None => std::io::stdin().read_to_string(&mut text),
    };
    if let Err(e) = read {
        return ctx.err(strerror(&e));
    }
    let mut want = Spec::new();
    let mut used_keys: Vec<String> = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let mut words = line.split(' ');
        let p = decode(words.next().unwrap_or(""));
        let mut kv = BTreeMap::new();
        for w in words {
            if let Some((k, v)) = w.split_once('=') {
                if !used_keys.iter().any(|u| u == k) {
                    used_keys.push(k.to_owned());
                }
                kv.insert(k.to_owned(), decode(v));
            }
        }
        want.insert(p, kv);
    }
    let have = match walk(Path::new(&real_root), &used_keys, &excludes, &stop_at) {
        Ok(s) => s,
        Err(e) => return ctx.err(format!("{root}: {}", strerror(&e))),
    };
    let mut report = String::new();
    for (p, kv) in &want {
        match have.get(p) {
            None => report.push_str(&format!("{p} missing\n")),
            Some(h) => {
                for (k, v) in kv {
                    let got = h.get(k).cloned().unwrap_or_default();
                    if &got != v {
                        report.push_str(&format!("{p}: {k} (\"{v}\" is not \"{got}\")\n"));
                    }
                }
            }
        }
    }
    for p in have.keys() {
        if !want.contains_key(p) {
            report.push_str(&format!("extra: {p}\n"));
        }
    }
    print!("{report}");
    if report.is_empty() { 0 } else { 2 }
}

fn dir_kib(p: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![p.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            if let Ok(m) = e.path().symlink_metadata() {
                total += m.len();
                if m.is_dir() {
                    stack.push(e.path());
                }
            }
        }
    }
    total.div_ceil(1024)
}

pub fn df(ctx: &Ctx) -> i32 {
    let mut inodes = false;
    let mut posix = false;
    let mut target = None;
    for a in &ctx.args {
        match a.as_str() {
            "-i" => inodes = true,
            "-P" => posix = true,
            "-Pk" | "-kP" => posix = true,
            s if s.starts_with('-') => {}
            s => target = Some(s.to_owned()),
        }
    }
    let Some(t) = target else {
        return ctx.err("usage: df [-P -k -i] file");
    };
    let real = match realpath(&t) {
        Ok(r) => r,
        Err(e) => return ctx.err(format!("{t}: {}", strerror(&e))),
    };
    let st = ctx.state();
    let m = st
        .mounts
        .iter()
        .rev()
        .find(|m| real == m.point || real.starts_with(&format!("{}/", m.point.trim_end_matches('/'))));
    let (dev, point, total, used) = match m {
        Some(m) => {
            let total = match &m.kind {
                Kind::Ufs { file } => st.filesystems.get(file).map_or(0, |f| f.size / 1024),
                _ => 0,
            };
            (
                m.device.clone(),
                m.point.clone(),
                total,
                dir_kib(Path::new(&m.point)),
            )
        }
        None => {
            let free = st.free_kib.unwrap_or(100 << 20);
            ("/dev/ada0p2".to_owned(), "/".to_owned(), free * 2, free)
        }
    };
    let avail = total.saturating_sub(used);
    let cap = (used * 100).checked_div(total).unwrap_or(0);
    if inodes {
        println!("Filesystem 1K-blocks Used Avail Capacity iused ifree %iused  Mounted on");
        println!("{dev} {total} {used} {avail} {cap}% 10 {} 0% {point}", total / 8);
    } else if posix {
        println!("Filesystem 1024-blocks Used Available Capacity Mounted on");
        println!("{dev} {total} {used} {avail} {cap}% {point}");
    } else {
        println!("Filesystem 1K-blocks Used Avail Capacity  Mounted on");
        println!("{dev} {total} {used} {avail} {cap}% {point}");
    }
    0
}
