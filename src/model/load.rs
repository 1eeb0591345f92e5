//! The merge's driver: which blocks make which jail, in which order, and the two halves
//! of a large file on two threads. The entry points (`load`, `load_each`, …) all end
//! in `load_range`; the merge of one jail is in `merge` and `expand`.

use std::ops::Range;

use super::jail8::{JID, NAME};
use super::merge::{Building, Pools};
use super::names::{Names, numeric_name, wild_jail_match, wild_jail_name};
use super::view::{JailView, Only, Wanted};
use super::{Config, Jail};
use crate::diag::{Diag, Loc};
use crate::lint::Lint;
use crate::parse::jailconf::{CfParam, Parsed};

/// load_config(): merge and expand every non-wildcard jail.
pub fn load(parsed: &Parsed) -> Config {
    let mut cfg = Config {
        warnings: parsed.warnings.clone(),
        ..Config::default()
    };
    let mut jails = Vec::new();
    cfg.errors = load_each(parsed, |j| jails.push(j), |w| cfg.warnings.push(w));
    cfg.jails = jails;
    cfg
}

/// `load` one jail at a time, for output that does not need the whole `Config`:
/// `on_jail` gets every jail `load` would put in `Config::jails`, in the same order, and
/// `on_warning` every warning `load` adds after `Parsed::warnings` (not those). Returns
/// `Config::errors`.
pub fn load_each(parsed: &Parsed, mut on_jail: impl FnMut(Jail), on_warning: impl FnMut(Diag)) -> Vec<Diag> {
    load_each_view(parsed, |v| on_jail(v.to_jail()), on_warning)
}

/// `load_each` without copying: each jail is lent to `on_jail` for the time of the call.
pub fn load_each_view(
    parsed: &Parsed,
    on_jail: impl FnMut(&JailView<'_, '_>),
    on_warning: impl FnMut(Diag),
) -> Vec<Diag> {
    load_each_view_kept(parsed, &|_| true, on_jail, on_warning)
}

/// `load` as if the statements `keep` rejects were not in the file (generate leaves out
/// its own earlier statements this way, without copying the parse).
///
/// Jails merge independently of each other, so a large file is merged in two halves,
/// the second on another thread (check and generate of thousands of jails wait on
/// this merge before anything else); the result is the same as one pass.
///
/// With `wanted`, the jails keep only the entries it names: a caller that reads a few
/// parameters of thousands of jails copies and frees only those.
pub fn load_filtered(
    parsed: &Parsed,
    keep: &(dyn Fn(&CfParam) -> bool + Sync),
    wanted: Option<&'static Wanted>,
) -> Config {
    /// Below this many blocks a thread costs more than it saves.
    const SPLIT_AT: usize = 2_000;
    let n = parsed.jails.len();
    let split = n >= SPLIT_AT && std::thread::available_parallelism().is_ok_and(|p| p.get() > 1);
    let (first, second) = if split {
        (0..n / 2, Some(n / 2..n))
    } else {
        (0..n, None)
    };
    let merge = |range: Range<usize>| {
        let mut half = Merged::default();
        (half.errors, half.check_errors) = load_range(
            parsed,
            keep,
            wanted,
            range,
            |v| half.jails.push(v.to_jail()),
            |w| half.warnings.push(w),
        );
        half
    };
    let merged: Vec<Merged> = std::thread::scope(|s| {
        // When no thread can be made, the second half is merged here after the first.
        let second = second.map(|r| {
            let again = r.clone();
            std::thread::Builder::new()
                .spawn_scoped(s, move || merge(r))
                .map_err(|_| again)
        });
        let mut out = vec![merge(first)];
        match second {
            Some(Ok(h)) => out.push(h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))),
            Some(Err(r)) => out.push(merge(r)),
            None => {}
        }
        out
    });
    let mut cfg = Config {
        warnings: parsed.warnings.clone(),
        ..Config::default()
    };
    let mut check_errors = Vec::new();
    for half in merged {
        cfg.jails.extend(half.jails);
        cfg.warnings.extend(half.warnings);
        cfg.errors.extend(half.errors);
        check_errors.extend(half.check_errors);
    }
    cfg.errors.extend(check_errors);
    cfg
}

/// What `load_range` gives for some of the blocks.
#[derive(Default)]
struct Merged {
    jails: Vec<Jail>,
    warnings: Vec<Diag>,
    errors: Vec<Diag>,
    check_errors: Vec<Diag>,
}

pub(super) fn load_each_view_kept(
    parsed: &Parsed,
    keep: &dyn Fn(&CfParam) -> bool,
    on_jail: impl FnMut(&JailView<'_, '_>),
    on_warning: impl FnMut(Diag),
) -> Vec<Diag> {
    let (mut errors, check_errors) =
        load_range(parsed, keep, None, 0..parsed.jails.len(), on_jail, on_warning);
    errors.extend(check_errors);
    errors
}

/// The jails of the blocks in `range` (wildcard blocks anywhere still apply). Returns the
/// errors of loading, and those of `check_values`, which jail(8) reports after all
/// the others.
fn load_range(
    parsed: &Parsed,
    keep: &dyn Fn(&CfParam) -> bool,
    wanted: Option<&'static Wanted>,
    range: Range<usize>,
    mut on_jail: impl FnMut(&JailView<'_, '_>),
    mut on_warning: impl FnMut(Diag),
) -> (Vec<Diag>, Vec<Diag>) {
    let mut errors = Vec::new();
    let mut check_errors = Vec::new();
    let mut names = Names::default();
    let only: Option<Only> = wanted.map(|w| Only::new(w, &mut names));
    let wild = Wild::find(parsed, keep, &mut names);
    let mut params = Vec::new();
    let mut hints = Vec::new();
    let mut pools = Pools::default();
    for (idx, rec) in parsed.jails.iter().enumerate().take(range.end).skip(range.start) {
        if wild_jail_name(&rec.name) {
            continue;
        }
        let mut b = Building {
            jail: &rec.name,
            names: &mut names,
            pools: &mut pools,
            params,
            hints,
            errors: Vec::new(),
            block_loc: rec.loc(),
            spliced: None,
        };
        add_block(&mut b, parsed, keep, &wild, idx);
        b.resolve();
        // jail(8) prints every load_config() message (add_param, variables) for all
        // jails first; check_intparams() runs later, per jail, in the main loop, and
        // only for jails that have not failed yet.
        let load_failed = !b.errors.is_empty();
        if !load_failed {
            b.check_values();
        }
        if b.errors.is_empty() {
            if let Some(src) = b.spliced.take() {
                on_warning(spliced_warning(&rec.name, src));
            }
            on_jail(&JailView {
                name: &rec.name,
                loc: b.block_loc.as_ref(),
                record: idx,
                line: rec.block.as_ref().map(|b| b.line),
                params: &b.params,
                only: only.as_ref(),
            });
        } else if load_failed {
            errors.extend(b.errors);
        } else {
            check_errors.extend(b.errors);
        }
        // The parameter list and its buffers are reused by the next jail (its borrows end
        // here).
        params = b.params;
        hints = b.hints;
        pools.recycle(&mut params);
    }
    (errors, check_errors)
}

/// A wildcard statement's `Names::get` and whether `keep` keeps it.
type Looked = ((u32, Option<usize>), bool);

/// The wildcard blocks of a parse, and what `add_block` needs of their statements.
struct Wild {
    /// Indexes in `Parsed::jails`, in file order.
    at: Vec<usize>,
    /// For each block of `at`, each statement's `Looked`.
    info: Vec<Vec<Looked>>,
}

impl Wild {
    fn find<'a>(parsed: &'a Parsed, keep: &dyn Fn(&CfParam) -> bool, names: &mut Names<'a>) -> Wild {
        let at: Vec<usize> = (0..parsed.jails.len())
            .filter(|&i| wild_jail_name(&parsed.jails[i].name))
            .collect();
        // The wildcard statements are added to many jails: look their names up once.
        // `keep` too is asked once per wildcard statement, not once per jail.
        let info: Vec<Vec<Looked>> = at
            .iter()
            .map(|&w| {
                parsed.jails[w]
                    .params
                    .iter()
                    .map(|p| (names.get(&p.name), keep(p)))
                    .collect()
            })
            .collect();
        Wild { at, info }
    }
}

/// add_param() for block `idx`, in jail(8)'s order: the `name` or `jid` its name
/// implies, its own statements `keep` keeps and those of the wildcard blocks it
/// matches, in file order, then `name` if nothing set it.
fn add_block<'a>(
    b: &mut Building<'a, '_>,
    parsed: &'a Parsed,
    keep: &dyn Fn(&CfParam) -> bool,
    wild: &Wild,
    idx: usize,
) {
    let rec = &parsed.jails[idx];
    let numeric = numeric_name(&rec.name);
    b.add_implied(if numeric { &JID } else { &NAME }, &rec.name);
    let mut did_self = false;
    for (&w, info) in wild.at.iter().zip(&wild.info) {
        if idx < w && !did_self {
            for (at, p) in rec.params.iter().enumerate().filter(|(_, p)| keep(p)) {
                b.add(at, p);
            }
            did_self = true;
        }
        if wild_jail_match(&rec.name, &parsed.jails[w].name) {
            for (p, &(i, kept)) in parsed.jails[w].params.iter().zip(info) {
                if kept {
                    b.add_with(p, i);
                }
            }
        }
    }
    if !did_self {
        for (at, p) in rec.params.iter().enumerate().filter(|(_, p)| keep(p)) {
            b.add(at, p);
        }
    }
    b.add_implied(&NAME, &rec.name);
}

/// The warning for a jail that splices a list variable in as a whole value, at `src`.
fn spliced_warning(jail: &str, src: Loc) -> Diag {
    Lint::ListVariableAsValue.warning(
        Some(src),
        format!(
            "{jail}: a list variable used as a whole value is spliced into the list only by \
             FreeBSD 15/main; released jail(8) crashes on it"
        ),
    )
}
