//! The merge's driver: which blocks make which jail, in which order, and the two halves
//! of a large file on two threads. The entry points (`load`, `load_each`, …) all end
//! in `load_range`; the merge of one jail is in `merge` and `expand`.

use std::ops::Range;

use super::jail8::{JID, NAME};
use super::merge::{Building, Pools};
use super::names::{Names, numeric_name, wild_jail_match};
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

/// `load_each_view` on two threads, for output made jail by jail (`show`): the blocks
/// are taken in chunks, by this thread and another, whichever is free (`chunked`),
/// each rendering its chunk's jails into a buffer with `render`. `emit` gets every
/// chunk's buffer on this thread in file order, after `on_warning` has had that chunk's
/// warnings: the same jails, warnings and errors, in the same order, as
/// `load_each_view` with `render` then `emit` after each jail.
///
/// On two cores the merge and the rendering were half of `show`, on one of them. The
/// buffers are handed back and forth, so a few chunks' worth of output is held at a
/// time, not half of it.
pub fn load_each_view_chunked(
    parsed: &Parsed,
    render: &(dyn Fn(&mut Vec<u8>, &JailView<'_, '_>) + Sync),
    emit: impl FnMut(&[u8]),
    on_warning: impl FnMut(Diag),
) -> Vec<Diag> {
    /// Below this many blocks a thread costs more than it saves (as `load_filtered`).
    const SPLIT_AT: usize = 2_000;
    /// Blocks per chunk: a few hundred kilobytes of JSON, and few enough hand-overs.
    const CHUNK: usize = 256;
    let two =
        parsed.jails.len() >= SPLIT_AT && std::thread::available_parallelism().is_ok_and(|p| p.get() > 1);
    chunked(parsed, CHUNK, two, render, emit, on_warning)
}

/// A chunk made ahead of its turn: its output and what its load found.
struct Made {
    out: Vec<u8>,
    warnings: Vec<Diag>,
    errors: Vec<Diag>,
    check_errors: Vec<Diag>,
    /// Made by the other thread (its buffer goes back there).
    there: bool,
}

/// How many chunks past the one whose turn it is this thread takes on before it waits
/// for the other (a few hundred kilobytes of output each).
const AHEAD: usize = 4;

/// `load_each_view_chunked` with `chunk` blocks per chunk, on two threads when `two`
/// (tests take chunks of a block or two to split small files).
///
/// Either thread takes the next chunk no thread has taken (`next`), so neither waits
/// while there is work: the chunks were dealt even to this thread and odd to the
/// other, through a channel of one, and the two went in step. A chunk's load time
/// varies with the memory it first touches, and in step each thread waited for the
/// other's slow chunks: at 50,000 jails 5-16 ms here and 1-9 ms there, of a 50 ms
/// merge. This thread emits the chunks in order; one made ahead of its turn waits in
/// `ready`.
pub(super) fn chunked(
    parsed: &Parsed,
    chunk: usize,
    two: bool,
    render: &(dyn Fn(&mut Vec<u8>, &JailView<'_, '_>) + Sync),
    mut emit: impl FnMut(&[u8]),
    mut on_warning: impl FnMut(Diag),
) -> Vec<Diag> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let keep = |_: &CfParam| true;
    let chunk = chunk.max(1);
    let n = parsed.jails.len();
    let count = n.div_ceil(chunk);
    let range = |k: usize| k * chunk..((k + 1) * chunk).min(n);
    let next = AtomicUsize::new(0);
    let mut errors = Vec::new();
    let mut check_errors = Vec::new();
    let mut here = Loading::new(parsed, &keep, None);
    let mut buf = Vec::new();
    let mut spares: Vec<Vec<u8>> = Vec::new();
    let (made_tx, made_rx) = std::sync::mpsc::sync_channel::<(usize, Made)>(AHEAD);
    let (spare_tx, spare_rx) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::scope(|s| {
        // Owned here, so that a panic on this thread drops it before the scope waits
        // for the other thread, whose `send` then fails instead of waiting forever.
        let made_rx = made_rx;
        let (next, range) = (&next, &range);
        // Without `two` (or when no thread can be made) every chunk is loaded here.
        let worker = two.then(|| {
            crate::halves::spawn_scoped(s, move || {
                let mut there = Loading::new(parsed, &keep, None);
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    if k >= count {
                        return;
                    }
                    let mut out = spare_rx.try_recv().unwrap_or_default();
                    let mut warnings = Vec::new();
                    let (errors, check_errors) =
                        there.range(range(k), |j| render(&mut out, j), |w| warnings.push(w));
                    let made = Made {
                        out,
                        warnings,
                        errors,
                        check_errors,
                        there: true,
                    };
                    if made_tx.send((k, made)).is_err() {
                        return;
                    }
                }
            })
        });
        let mut worker = worker.and_then(Result::ok);
        // Chunks made before their turn, by index past `turn`.
        let mut ready: std::collections::VecDeque<Option<Made>> = std::collections::VecDeque::new();
        let mut turn = 0;
        while turn < count {
            while let Ok((k, m)) = made_rx.try_recv() {
                put(&mut ready, k - turn, m);
            }
            if let Some(m) = ready.front_mut().and_then(Option::take) {
                ready.pop_front();
                m.warnings.into_iter().for_each(&mut on_warning);
                emit(&m.out);
                errors.extend(m.errors);
                check_errors.extend(m.check_errors);
                let mut out = m.out;
                out.clear();
                if m.there {
                    let _ = spare_tx.send(out);
                } else {
                    spares.push(out);
                }
                turn += 1;
                continue;
            }
            // This chunk's turn has come and it is not made: take the next chunk here
            // (this one, unless the other thread has it), or wait for the other thread.
            let taken = next.load(Ordering::Relaxed);
            if taken < count && (worker.is_none() || taken < turn + AHEAD) {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= count {
                    continue;
                }
                if k == turn {
                    let (e, c) = here.range(range(k), |j| render(&mut buf, j), &mut on_warning);
                    emit(&buf);
                    buf.clear();
                    errors.extend(e);
                    check_errors.extend(c);
                    ready.pop_front();
                    turn += 1;
                } else {
                    let mut out = spares.pop().unwrap_or_default();
                    let mut warnings = Vec::new();
                    let (e, c) = here.range(range(k), |j| render(&mut out, j), |w| warnings.push(w));
                    let made = Made {
                        out,
                        warnings,
                        errors: e,
                        check_errors: c,
                        there: false,
                    };
                    put(&mut ready, k - turn, made);
                }
                continue;
            }
            match made_rx.recv() {
                Ok((k, m)) => put(&mut ready, k - turn, m),
                // The other thread has ended with every chunk it took sent, or in a
                // panic, which goes on here. Chunks nobody took are left to this one.
                Err(_) => {
                    if let Some(Err(e)) = worker.take().map(|w| w.join()) {
                        std::panic::resume_unwind(e);
                    }
                    if next.load(Ordering::Relaxed) >= count && ready.front().is_none_or(Option::is_none) {
                        // Never: every chunk taken is made and sent. Said, not
                        // passed over: the output would end early.
                        debug_assert!(false, "chunk {turn} of {count} was never made");
                        errors.push(Diag::error(
                            None,
                            format!("internal: the jails from block {} were not loaded", turn * chunk),
                        ));
                        break;
                    }
                }
            }
        }
        if let Some(w) = worker
            && let Err(e) = w.join()
        {
            std::panic::resume_unwind(e);
        }
    });
    errors.extend(check_errors);
    errors
}

/// `m` as the chunk `at` places past the one whose turn it is.
fn put(ready: &mut std::collections::VecDeque<Option<Made>>, at: usize, m: Made) {
    if ready.len() <= at {
        ready.resize_with(at + 1, || None);
    }
    ready[at] = Some(m);
}

/// `load` as if the statements `keep` rejects were not in the file (generate leaves out
/// its own earlier statements this way, without copying the parse).
///
/// Jails merge independently of each other, so a large file is merged on two threads
/// (check and generate of thousands of jails wait on this merge before anything
/// else): each takes the next `LOAD_CHUNK` blocks no thread has taken, and the chunks
/// are put back in file order, so the result is the same as one pass. Fixed halves
/// finished up to 10 ms apart at 50,000 jails (a half's time varies with the memory it
/// first touches), one core idle meanwhile.
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
    load_in_chunks(parsed, keep, wanted, split.then_some(LOAD_CHUNK))
}

/// `load_filtered`, in chunks of `chunk` blocks on two threads, or in one pass here.
/// The chunks are put in file order as they come (`halves::in_order`), a chunk whose
/// turn has come merged straight into the configuration: merged into a list of their
/// own and joined at the end, the jails were held twice, 12 MB more at the peak of
/// generate at 200,000 jails.
pub(super) fn load_in_chunks(
    parsed: &Parsed,
    keep: &(dyn Fn(&CfParam) -> bool + Sync),
    wanted: Option<&'static Wanted>,
    chunk: Option<usize>,
) -> Config {
    use crate::halves::Turn;
    let n = parsed.jails.len();
    let mut cfg = Config {
        warnings: parsed.warnings.clone(),
        ..Config::default()
    };
    // At most one jail a block: sized once (room never written is never touched).
    cfg.jails.reserve(n);
    let mut check_errors = Vec::new();
    let mut here = Loading::new(parsed, keep, wanted);
    let merge_here =
        |here: &mut Loading<'_, '_>, cfg: &mut Config, check_errors: &mut Vec<Diag>, range: Range<usize>| {
            let (e, c) = here.range(range, |v| cfg.jails.push(v.to_jail()), |w| cfg.warnings.push(w));
            cfg.errors.extend(e);
            check_errors.extend(c);
        };
    let Some(chunk) = chunk.map(|c| c.max(1)) else {
        merge_here(&mut here, &mut cfg, &mut check_errors, 0..n);
        cfg.errors.extend(check_errors);
        return cfg;
    };
    let range = |k: usize| k * chunk..((k + 1) * chunk).min(n);
    let apart = |loading: &mut Loading<'_, '_>, k: usize| {
        let mut part = Merged::default();
        (part.errors, part.check_errors) = loading.range(
            range(k),
            |v| part.jails.push(v.to_jail()),
            |w| part.warnings.push(w),
        );
        part
    };
    crate::halves::in_order(
        n.div_ceil(chunk),
        |take, send| {
            let mut loading = Loading::new(parsed, keep, wanted);
            while let Some(k) = take() {
                if !send(k, apart(&mut loading, k)) {
                    return;
                }
            }
        },
        |turn| match turn {
            Turn::Make(k) => {
                merge_here(&mut here, &mut cfg, &mut check_errors, range(k));
                None
            }
            Turn::Apart(k) => Some(apart(&mut here, k)),
            Turn::Add(part) => {
                cfg.jails.extend(part.jails);
                cfg.warnings.extend(part.warnings);
                cfg.errors.extend(part.errors);
                check_errors.extend(part.check_errors);
                None
            }
        },
    );
    cfg.errors.extend(check_errors);
    cfg
}

/// Blocks a thread of `load_filtered` takes at a time: few enough that the threads end
/// together, enough that taking one is rare.
const LOAD_CHUNK: usize = 1_024;

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
    on_jail: impl FnMut(&JailView<'_, '_>),
    on_warning: impl FnMut(Diag),
) -> (Vec<Diag>, Vec<Diag>) {
    Loading::new(parsed, keep, wanted).range(range, on_jail, on_warning)
}

/// What loading blocks needs beyond the blocks themselves, made once and kept from one
/// range of blocks to the next (`load_each_view_chunked` loads a file in hundreds).
struct Loading<'a, 'k> {
    parsed: &'a Parsed,
    keep: &'k dyn Fn(&CfParam) -> bool,
    names: Names<'a>,
    only: Option<Only>,
    wild: Wild,
    params: Vec<super::merge::P<'a>>,
    hints: Vec<usize>,
    pools: Pools<'a>,
}

impl<'a, 'k> Loading<'a, 'k> {
    fn new(parsed: &'a Parsed, keep: &'k dyn Fn(&CfParam) -> bool, wanted: Option<&'static Wanted>) -> Self {
        let mut names = Names::default();
        let only: Option<Only> = wanted.map(|w| Only::new(w, &mut names));
        let wild = Wild::find(parsed, keep, &mut names);
        Loading {
            parsed,
            keep,
            names,
            only,
            wild,
            params: Vec::new(),
            hints: Vec::new(),
            pools: Pools::default(),
        }
    }

    /// `load_range` with this state.
    fn range(
        &mut self,
        range: Range<usize>,
        mut on_jail: impl FnMut(&JailView<'_, '_>),
        mut on_warning: impl FnMut(Diag),
    ) -> (Vec<Diag>, Vec<Diag>) {
        let parsed = self.parsed;
        let mut errors = Vec::new();
        let mut check_errors = Vec::new();
        for (idx, rec) in parsed.jails.iter().enumerate().take(range.end).skip(range.start) {
            if rec.wild() {
                continue;
            }
            let mut b = Building {
                jail: &rec.name,
                sources: &parsed.sources,
                names: &mut self.names,
                pools: &mut self.pools,
                params: std::mem::take(&mut self.params),
                hints: std::mem::take(&mut self.hints),
                errors: Vec::new(),
                block: rec.block.as_ref().map(|b| (&b.source, b.header)),
                spliced: None,
            };
            add_block(&mut b, parsed, self.keep, &self.wild, idx);
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
                    at: b.block,
                    record: idx,
                    line: rec.block.as_ref().map(|b| b.line),
                    params: &b.params,
                    only: self.only.as_ref(),
                });
            } else if load_failed {
                errors.extend(b.errors);
            } else {
                check_errors.extend(b.errors);
            }
            // The parameter list and its buffers are reused by the next jail (its borrows
            // end here).
            self.params = b.params;
            self.hints = b.hints;
            self.pools.recycle(&mut self.params);
        }
        (errors, check_errors)
    }
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
            .filter(|&i| parsed.jails[i].wild())
            .collect();
        // The wildcard statements are added to many jails: look their names up once.
        // `keep` too is asked once per wildcard statement, not once per jail.
        let info: Vec<Vec<Looked>> = at
            .iter()
            .map(|&w| {
                parsed
                    .params(&parsed.jails[w])
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
    let own = parsed.params(rec);
    let own_refs = parsed.var_list(rec);
    let numeric = numeric_name(&rec.name);
    b.add_implied(if numeric { &JID } else { &NAME }, &rec.name);
    let mut did_self = false;
    for (&w, info) in wild.at.iter().zip(&wild.info) {
        if idx < w && !did_self {
            for (at, p) in own.iter().enumerate().filter(|(_, p)| keep(p)) {
                b.add(at, p, own_refs);
            }
            did_self = true;
        }
        let wild = &parsed.jails[w];
        if wild_jail_match(&rec.name, &wild.name) {
            let refs = parsed.var_list(wild);
            for (p, &(i, kept)) in parsed.params(wild).iter().zip(info) {
                if kept {
                    b.add_with(p, refs, i);
                }
            }
        }
    }
    if !did_self {
        for (at, p) in own.iter().enumerate().filter(|(_, p)| keep(p)) {
            b.add(at, p, own_refs);
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
