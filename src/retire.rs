//! Freeing what a command no longer needs, off its critical path.
//!
//! A large configuration is hundreds of thousands of small allocations: freeing the
//! parse, the merged jails or the plan of 50,000 jails one by one takes tens of
//! milliseconds. At the end of a command the other core is usually idle, so the
//! freeing is handed to it rather than done while the user waits.

/// Drop `x` on a thread of its own. Nothing waits for that thread: a process that
/// ends meanwhile hands the memory back to the system whole, which is all freeing it
/// would have come to. When no thread can be made, `x` is dropped here (with the
/// closure the failed spawn gives back).
pub fn retire<T: Send + 'static>(x: T) {
    let _ = crate::halves::spawn(move || drop(x));
}
