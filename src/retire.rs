//! Freeing what a command no longer needs, off its critical path.
//!
//! A large configuration is hundreds of thousands of small allocations: freeing the
//! parse, the merged jails or the plan of 50,000 jails one by one takes tens of
//! milliseconds. At the end of a command the other core is usually idle, so the
//! freeing is handed to it rather than done while the user waits. Memory freed in
//! the middle of a command can be handed back to the system (`give_back`).

/// Drop `x` on a thread of its own. Nothing waits for that thread: a process that
/// ends meanwhile hands the memory back to the system whole, which is all freeing it
/// would have come to. When no thread can be made, `x` is dropped here (with the
/// closure the failed spawn gives back).
pub fn retire<T: Send + 'static>(x: T) {
    let _ = std::thread::Builder::new().spawn(move || drop(x));
}

/// Hand the pages of memory freed so far back to the system, before a large
/// allocation that would otherwise come on top of them. glibc keeps freed memory in
/// its heaps, and the pieces a freed parse leaves (a few hundred bytes each, on both
/// threads' heaps) rarely make room for the megabytes that follow, so the peak was
/// the freed parse plus what replaced it: `generate --dry-run` of 50,000 jails peaked
/// at 141 MB, and 112 MB with this call, in the same time (docs/performance.md,
/// session 16). FreeBSD's jemalloc returns unused pages by itself, over time; there
/// (and with any other C library) this does nothing.
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            // glibc's malloc.h: `int malloc_trim(size_t pad)`.
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: it takes a size and only returns free pages of malloc's own heaps
        // to the system (madvise); no pointer is passed, and nothing allocated moves.
        unsafe { malloc_trim(0) };
    }
}
