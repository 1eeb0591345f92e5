//! Two independent pieces of work at once: one here, one on another thread.

/// `first` here and `second` on another thread at the same time; both here, one after
/// the other, when no thread can be made (`second` is borrowed by the thread, so it is
/// still here to call). A panic on the other thread goes on here.
pub fn both<A, B: Send>(first: impl FnOnce() -> A, second: impl Fn() -> B + Sync) -> (A, B) {
    std::thread::scope(|s| {
        let second = &second;
        let there = std::thread::Builder::new().spawn_scoped(s, second).ok();
        let a = first();
        let b = match there {
            Some(h) => h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
            None => second(),
        };
        (a, b)
    })
}
