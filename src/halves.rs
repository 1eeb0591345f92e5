//! Two independent pieces of work at once: one here, one on another thread; and the
//! threads jailvol makes for that, started on another core at once.

use std::thread::{JoinHandle, Scope, ScopedJoinHandle};

/// `first` here and `second` on another thread at the same time; both here, one after
/// the other, when no thread can be made (`second` is borrowed by the thread, so it is
/// still here to call). A panic on the other thread goes on here.
pub fn both<A, B: Send>(first: impl FnOnce() -> A, second: impl Fn() -> B + Sync) -> (A, B) {
    std::thread::scope(|s| {
        let second = &second;
        let there = spawn_scoped(s, second).ok();
        let a = first();
        let b = match there {
            Some(h) => h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
            None => second(),
        };
        (a, b)
    })
}

/// What `in_order` asks of this thread.
pub enum Turn<P> {
    /// Make chunk `k` straight into the whole: its turn has come.
    Make(usize),
    /// Make chunk `k` apart and give it back: it is ahead of its turn.
    Apart(usize),
    /// Add a chunk made apart (here or on the other thread) whose turn has come.
    Add(P),
}

/// Chunks `0..count` made by this thread and another, each taking the next chunk no
/// thread has taken, and put together in order on this thread. `here` makes a chunk
/// whose turn has come straight into the whole (`Turn::Make`), makes one ahead of its
/// turn apart and gives it back (`Turn::Apart`), and adds one made apart when its turn
/// comes (`Turn::Add`): only chunks made ahead of their turn are held, never a second
/// copy of the whole. `there` runs on the other thread, with `take` (the next chunk
/// no thread has taken, None when all are) and `send` (what it made of a chunk; false
/// once this thread no longer listens); what it returns comes back, None when no
/// thread could be made (every chunk is then made here).
pub fn in_order<P: Send, R: Send>(
    count: usize,
    there: impl FnOnce(&(dyn Fn() -> Option<usize> + Sync), &dyn Fn(usize, P) -> bool) -> R + Send,
    mut here: impl FnMut(Turn<P>) -> Option<P>,
) -> Option<R> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let next = AtomicUsize::new(0);
    let take = || {
        let k = next.fetch_add(1, Ordering::Relaxed);
        (k < count).then_some(k)
    };
    let (tx, rx) = std::sync::mpsc::channel::<(usize, P)>();
    std::thread::scope(|s| {
        let take = &take;
        let other = spawn_scoped(s, move || there(take, &|k, p| tx.send((k, p)).is_ok())).ok();
        // Chunks made ahead of their turn, by index.
        let mut ahead = std::collections::BTreeMap::new();
        let mut turn = 0;
        while turn < count {
            while let Ok((k, p)) = rx.try_recv() {
                ahead.insert(k, p);
            }
            if let Some(p) = ahead.remove(&turn) {
                here(Turn::Add(p));
                turn += 1;
                continue;
            }
            if let Some(k) = take() {
                if k == turn {
                    here(Turn::Make(k));
                    turn += 1;
                } else if let Some(p) = here(Turn::Apart(k)) {
                    ahead.insert(k, p);
                }
                continue;
            }
            // Every chunk is taken; the one whose turn it is comes from the other
            // thread, which, ended or failed, closes the channel.
            match rx.recv() {
                Ok((k, p)) => {
                    ahead.insert(k, p);
                }
                Err(_) => break,
            }
        }
        match other.map(|h| h.join()) {
            Some(Ok(r)) => Some(r),
            Some(Err(e)) => std::panic::resume_unwind(e),
            None => None,
        }
    })
}

/// `std::thread::Builder::spawn_scoped`, the new thread set going on another core
/// (`place`).
pub fn spawn_scoped<'scope, T: Send + 'scope>(
    s: &'scope Scope<'scope, '_>,
    f: impl FnOnce() -> T + Send + 'scope,
) -> std::io::Result<ScopedJoinHandle<'scope, T>> {
    let here = place::here();
    let h = std::thread::Builder::new().spawn_scoped(s, move || {
        place::leave(here);
        f()
    })?;
    place::let_go(here);
    Ok(h)
}

/// `std::thread::Builder::spawn`, placed as `spawn_scoped` places its threads.
pub fn spawn<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> std::io::Result<JoinHandle<T>> {
    let here = place::here();
    let h = std::thread::Builder::new().spawn(move || {
        place::leave(here);
        f()
    })?;
    place::let_go(here);
    Ok(h)
}

/// Give this thread a table of open files of its own, on Linux, for a thread that
/// opens, reads and closes thousands of files while another does the same (check's
/// comparison). While threads share the table, Linux takes its lock for every open
/// and close on each of them, and counts a reference on the file for every `read`
/// (the count is skipped only when no other thread shares the table: `fdget`): on two
/// threads, a C program reading the 200,000 fstab files of the benchmark took 237-243
/// ms, and 191-195 ms when the second thread had unshared its table (one thread:
/// 365-396 ms). The files this thread opens are then its own: it must not hand one
/// to another thread, nor use one another thread opens later; and a file another
/// thread closes stays open in this thread's copy until it ends (so not for a thread
/// that outlives a lock another releases by closing). Elsewhere (FreeBSD has no
/// table per thread) this does nothing.
pub fn own_files() {
    #[cfg(target_os = "linux")]
    let _ = nix::sched::unshare(nix::sched::CloneFlags::CLONE_FILES);
}

/// Where a new thread starts. Some Linux kernels queue a new thread on its parent's
/// core while another core is idle, and move it only when they next balance their
/// queues: the virtual machine jailvol's benchmarks run on (its `sched_vcpu_pack`
/// setting) started every helper thread behind its parent, 1.6-4 ms late (a C program
/// of two threads spinning 10 ms each took 11.6-14.2 ms). jailvol makes its threads
/// to share work of 10-100 ms with the thread that makes them, so that delay was up
/// to a third of a command at 10,000 jails. The parent notes its core and yields once
/// after the spawn; a thread that finds itself started on that core moves to another
/// one it may use, then allows all of them again (the same program: 10.3 ms every
/// time). Elsewhere a new thread starts on an idle core anyway: it finds itself
/// there, and the cost is one `sched_yield` and one `sched_getcpu`. FreeBSD's
/// scheduler (ULE) places new threads on idle cores itself; there, and on every other
/// system, this does nothing.
#[cfg(target_os = "linux")]
mod place {
    use nix::sched::{sched_getaffinity, sched_getcpu, sched_setaffinity, sched_yield};
    use nix::unistd::Pid;

    /// The core this thread is on.
    pub fn here() -> Option<usize> {
        sched_getcpu().ok()
    }

    /// In the parent, just after the spawn: a new thread queued behind this one runs
    /// now (and moves, `leave`); one started elsewhere is not affected.
    pub fn let_go(here: Option<usize>) {
        if here.is_some() {
            let _ = sched_yield();
        }
    }

    /// In the new thread, first: when it runs on its parent's core, move to another
    /// core of its affinity mask, then restore the mask (so that the kernel may still
    /// move it later). A thread with one core to run on stays.
    pub fn leave(parent: Option<usize>) {
        let Some(cpu) = parent else { return };
        if sched_getcpu().ok() != Some(cpu) {
            return;
        }
        let me = Pid::from_raw(0);
        let Ok(mask) = sched_getaffinity(me) else { return };
        let mut others = mask;
        if others.unset(cpu).is_err() {
            return;
        }
        let any = (0..nix::sched::CpuSet::count()).any(|c| others.is_set(c).unwrap_or(false));
        if any && sched_setaffinity(me, &others).is_ok() {
            let _ = sched_setaffinity(me, &mask);
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod place {
    pub fn here() -> Option<usize> {
        None
    }
    pub fn let_go(_: Option<usize>) {}
    pub fn leave(_: Option<usize>) {}
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use nix::sched::{CpuSet, sched_getaffinity, sched_getcpu, sched_setaffinity};
    use nix::unistd::Pid;

    /// After `own_files`, a file the thread opens is not open in the thread that made
    /// it: the table was unshared, not just asked for.
    #[test]
    fn a_file_opened_after_own_files_is_this_threads_own() {
        use std::os::fd::AsRawFd;
        // What descriptor `fd` of the calling thread's table is open on, if anything.
        // By name, not by number alone: tests run side by side in this process, and
        // another may hold the same number in the shared table.
        let open_on = |fd: i32| std::fs::read_link(format!("/proc/thread-self/fd/{fd}")).ok();
        let dir = tempfile::tempdir().expect("tempdir");
        // As /proc gives it back: the temporary directory may be reached by a link.
        let mine = dir
            .path()
            .canonicalize()
            .expect("canonicalize")
            .join("opened-after-own-files");
        std::fs::write(&mine, "").expect("write");
        let (tx, rx) = std::sync::mpsc::channel();
        let looked = std::sync::Barrier::new(2);
        std::thread::scope(|s| {
            s.spawn(|| {
                super::own_files();
                let f = std::fs::File::open(&mine).expect("open");
                assert_eq!(open_on(f.as_raw_fd()).as_deref(), Some(mine.as_path()));
                tx.send(f.as_raw_fd()).expect("send");
                // Kept open until the other thread has looked.
                looked.wait();
            });
            let fd = rx.recv().expect("recv");
            let here = open_on(fd);
            looked.wait();
            assert_ne!(
                here.as_deref(),
                Some(mine.as_path()),
                "descriptor {fd} is open in this thread's table too"
            );
        });
    }

    /// A thread on its parent's core moves off it, and may run anywhere again after.
    /// Needs two cores; JAILVOL_SKIP_MULTICORE=1 skips it on a machine with one.
    #[test]
    fn a_thread_started_on_its_parents_core_leaves_it() {
        let me = Pid::from_raw(0);
        let all = sched_getaffinity(me).unwrap();
        let cores: Vec<usize> = (0..CpuSet::count())
            .filter(|&c| all.is_set(c).unwrap_or(false))
            .collect();
        if cores.len() < 2 {
            assert!(
                std::env::var_os("JAILVOL_SKIP_MULTICORE").is_some(),
                "this test needs two cores (JAILVOL_SKIP_MULTICORE=1 skips it)"
            );
            return;
        }
        let (moved, after) = std::thread::spawn(move || {
            // Put this thread where a packing kernel would: on the "parent's" core.
            let parent = cores[0];
            let mut one = CpuSet::new();
            one.set(parent).unwrap();
            sched_setaffinity(me, &one).unwrap();
            sched_setaffinity(me, &all).unwrap();
            assert_eq!(sched_getcpu().unwrap(), parent);
            super::place::leave(Some(parent));
            (sched_getcpu().unwrap() != parent, sched_getaffinity(me).unwrap())
        })
        .join()
        .unwrap();
        assert!(moved, "still on the parent's core");
        assert_eq!(after, all, "the mask is not restored");
    }
}
