//! mdconfig(8), vnode units only (sbin/mdconfig/mdconfig.c, sys/dev/md/md.c):
//!
//! * `-a -t vnode -f FILE [-u N] [-n] [-o OPT]` (also `-f FILE` alone, or `mdconfig
//!   FILE`): FILE is stored as its realpath (`md_set_file` calls realpath(3) first:
//!   "could not find full path for FILE" when that fails; "FILE is not a regular file");
//!   the unit's size is the file's size at attach. A unit number in use fails with
//!   EBUSY. Without `-u` the lowest free unit is taken and printed (`mdN`, or `N` with
//!   `-n`); with `-u` nothing is printed.
//! * `-d -u N [-o force]`: fails with ENOENT for a missing unit and EBUSY while a file
//!   system on it is mounted (GEOM keeps the provider open), unless forced.
//! * `-l` (names on one line), `-l -v` (`mdN<TAB>vnode<TAB>SIZE<TAB>FILE` per unit,
//!   `md_list`), `-l -u N` (that unit's line; exit status 255 when absent, `md_query`),
//!   `-l -f FILE` (units backed by realpath(FILE), newer mdconfig).
//! * `-r -u N -s SIZE [-o force]` (FreeBSD 10.0+; `State::no_resize` models older
//!   releases, whose getopt answers "illegal option -- r"): md(4) takes the new size and
//!   leaves the file alone (`mdresize`); shrinking needs `-o force`.

use crate::state::Unit;
use crate::{Ctx, humanize, parse_md_size, realpath, strerror};

const USAGE: &str = "usage: mdconfig -a -t type [-n] [-o [no]option] ... [-f file]\n\
                     \x20               [-s size] [-S sectorsize] [-u unit] [-L label]\n\
                     \x20               [-x sectors/track] [-y heads/cylinder]\n\
       mdconfig -d -u unit [-o [no]force]\n\
       mdconfig -r -u unit -s size [-o [no]force]\n\
       mdconfig -l [-v] [-n] [-f file] [-u unit]\n\
       mdconfig file";

#[derive(PartialEq, Eq, Clone, Copy)]
enum Op {
    Unset,
    Attach,
    Detach,
    Resize,
    List,
}

pub fn mdconfig(ctx: &Ctx) -> i32 {
    let mut op = Op::Unset;
    let mut file: Option<String> = None;
    let mut unit: Option<u32> = None;
    let mut size: Option<u64> = None;
    let mut numbers = false;
    let mut verbose = false;
    let mut force = false;
    let args = &ctx.args;
    let mut i = 0;
    let mut rest = Vec::new();
    while i < args.len() {
        let a = args[i].as_str();
        let mut value = || {
            i += 1;
            args.get(i).cloned()
        };
        match a {
            "-a" => op = Op::Attach,
            "-d" => op = Op::Detach,
            "-l" => op = Op::List,
            "-r" if ctx.state().no_resize => {
                eprintln!("mdconfig: illegal option -- r\n{USAGE}");
                return 1;
            }
            "-r" => op = Op::Resize,
            "-n" => numbers = true,
            "-v" => verbose = true,
            "-t" => match value().as_deref() {
                Some("vnode") => {}
                Some(t) => return ctx.err(format!("-t {t} is not modelled (vnode only)")),
                None => return usage(),
            },
            "-f" => {
                let Some(f) = value() else { return usage() };
                if op == Op::Unset {
                    op = Op::Attach;
                }
                file = Some(f);
            }
            "-u" => {
                let Some(u) = value() else { return usage() };
                let u = u.strip_prefix("/dev/").unwrap_or(&u);
                let u = u.strip_prefix("md").unwrap_or(u);
                match u.parse() {
                    Ok(n) => unit = Some(n),
                    Err(_) => return ctx.err(format!("bad unit: {u}")),
                }
            }
            "-s" => {
                let Some(s) = value() else { return usage() };
                match parse_md_size(&s) {
                    Some(n) => size = Some(n),
                    None => return ctx.err("Unknown suffix on -s argument"),
                }
            }
            "-o" => match value().as_deref() {
                Some("force") => force = true,
                Some(_) => {}
                None => return usage(),
            },
            "-S" | "-x" | "-y" | "-L" => {
                let _ = value();
            }
            s if s.starts_with('-') => return usage(),
            s => rest.push(s.to_owned()),
        }
        i += 1;
    }
    if op == Op::Unset {
        if rest.len() != 1 {
            return usage();
        }
        op = Op::Attach;
        file = rest.pop();
    }
    match op {
        Op::Attach => attach(ctx, file, unit, size, numbers),
        Op::Detach => {
            let Some(n) = unit else { return usage() };
            ctx.with(|st| {
                if !st.units.contains_key(&n) {
                    return ctx.err("ioctl(/dev/mdctl): No such file or directory");
                }
                if st.unit_busy(n) && !force {
                    return ctx.err("ioctl(/dev/mdctl): Device busy");
                }
                st.units.remove(&n);
                0
            })
        }
        Op::Resize => {
            let (Some(n), Some(size)) = (unit, size) else {
                return ctx.err(if unit.is_none() {
                    "-r requires -u"
                } else {
                    "must specify -s for -r"
                });
            };
            ctx.with(|st| {
                let Some(u) = st.units.get_mut(&n) else {
                    return ctx.err("ioctl(/dev/mdctl): No such file or directory");
                };
                if size < u.size && !force {
                    return ctx.err("ioctl(/dev/mdctl): Operation not permitted");
                }
                u.size = size;
                0
            })
        }
        Op::List => list(ctx, file, unit, numbers, verbose),
        Op::Unset => usage(),
    }
}

fn usage() -> i32 {
    eprintln!("{USAGE}");
    1
}

fn attach(ctx: &Ctx, file: Option<String>, unit: Option<u32>, size: Option<u64>, numbers: bool) -> i32 {
    let Some(file) = file else {
        return ctx.err("must specify -f for -t vnode");
    };
    let real = match realpath(&file) {
        Ok(r) => r,
        Err(e) => return ctx.err(format!("could not find full path for {file}: {}", strerror(&e))),
    };
    let meta = match std::fs::metadata(&real) {
        Ok(m) => m,
        Err(e) => return ctx.err(format!("could not open {file}: {}", strerror(&e))),
    };
    if !meta.is_file() {
        return ctx.err(format!("{file} is not a regular file"));
    }
    let size = size.unwrap_or(meta.len());
    if size == 0 {
        return ctx.err("ioctl(/dev/mdctl): Invalid argument");
    }
    ctx.with(|st| {
        let n = match unit {
            Some(n) if st.units.contains_key(&n) => return ctx.err("ioctl(/dev/mdctl): Device busy"),
            Some(n) => n,
            None => (0..).find(|n| !st.units.contains_key(n)).unwrap_or(0),
        };
        st.units.insert(
            n,
            Unit {
                file: real.clone(),
                size,
            },
        );
        if unit.is_none() {
            println!("{}{n}", if numbers { "" } else { "md" });
        }
        0
    })
}

fn list(ctx: &Ctx, file: Option<String>, unit: Option<u32>, numbers: bool, verbose: bool) -> i32 {
    let st = ctx.state();
    let want_file = match &file {
        Some(f) => match realpath(f) {
            Ok(r) => Some(r),
            Err(e) => return ctx.err(format!("could not find full path for {f}: {}", strerror(&e))),
        },
        None => None,
    };
    let line = |n: u32, u: &Unit| {
        let name = if numbers { n.to_string() } else { format!("md{n}") };
        format!("{name}\tvnode\t{:>6}\t{}", humanize(u.size), u.file)
    };
    if let Some(n) = unit {
        return match st.units.get(&n) {
            Some(u) => {
                println!("{}", line(n, u));
                0
            }
            None => 255,
        };
    }
    let shown: Vec<(u32, &Unit)> = st
        .units
        .iter()
        .filter(|(_, u)| want_file.as_ref().is_none_or(|f| &u.file == f))
        .map(|(n, u)| (*n, u))
        .collect();
    if verbose {
        for (n, u) in shown {
            println!("{}", line(n, u));
        }
    } else if !shown.is_empty() {
        let mut s = String::new();
        for (n, _) in shown {
            if numbers {
                s.push_str(&format!("{n} "));
            } else {
                s.push_str(&format!("md{n} "));
            }
        }
        println!("{s}");
    }
    0
}
