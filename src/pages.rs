//! Large buffers and the kernel's page size.
//!
//! Reading a large jail.conf fills a few buffers of tens of megabytes (the file's text,
//! the parse's statements and records, generate's edited file), written from start to
//! end. Linux gives such memory a 4 KiB page at a time, one page fault each: `show` of
//! 50,000 jails took 18,000 faults, and the kernel clearing those pages was a fifth
//! of its CPU time (docs/performance.md, session 17). Where transparent huge pages are
//! enabled only on request (`/sys/kernel/mm/transparent_hugepage/enabled` set to
//! `madvise`, as on Debian and Ubuntu), a buffer asks for 2 MiB pages with madvise(2)
//! `MADV_HUGEPAGE`, and a fault makes 512 pages at once.
//!
//! Only whole huge pages inside a buffer are asked for, and a huge page is made when
//! it is first written, so a buffer costs at most the unwritten rest of the huge page
//! it was last written in. FreeBSD promotes a fully used, aligned 2 MiB run to a
//! superpage by itself (pmap(9), `vm.pmap.pg_ps_enabled`, on by default on amd64), so
//! there this does nothing.

/// The size of a huge page with 4 KiB base pages (x86-64; arm64 as Debian builds it).
/// With other page sizes the hint covers fewer pages or none: only slower, never wrong.
#[cfg(target_os = "linux")]
const HUGE: usize = 2 << 20;

/// Ask for huge pages for the memory of `v`, its spare capacity included (where it
/// will be written next): the whole 2 MiB pages inside it, none for a smaller one.
/// A hint: where the kernel declines, nothing changes.
pub fn prefer_huge<T>(v: &mut Vec<T>) {
    let bytes = v.capacity().saturating_mul(std::mem::size_of::<T>());
    // SAFETY: the allocation of `v`, held borrowed mutably here.
    unsafe { advise(v.as_mut_ptr() as usize, bytes) };
}

/// `prefer_huge` for a `String`.
pub fn prefer_huge_string(s: &mut String) {
    // SAFETY: the allocation of `s`, held borrowed mutably here.
    unsafe { advise(s.as_mut_ptr() as usize, s.capacity()) };
}

/// MADV_HUGEPAGE for the whole huge pages of the `bytes` from `start`.
///
/// # Safety
///
/// The `bytes` from `start` must be one allocation of this process that the caller
/// holds exclusively (a buffer borrowed mutably): madvise(2) applies to whatever is
/// mapped there.
unsafe fn advise(start: usize, bytes: usize) {
    #[cfg(target_os = "linux")]
    {
        let first = start.next_multiple_of(HUGE);
        let end = start.saturating_add(bytes) / HUGE * HUGE;
        if end <= first {
            return;
        }
        let Some(at) = std::ptr::NonNull::new(first as *mut std::ffi::c_void) else {
            return;
        };
        // SAFETY: [first, end) lies inside the allocation the caller vouches for, and
        // MADV_HUGEPAGE only changes how the kernel backs those pages later: contents,
        // protection and the mapping stay as they are. An error (a kernel without
        // THP) leaves the memory as it was.
        let _ =
            unsafe { nix::sys::mman::madvise(at, end - first, nix::sys::mman::MmapAdvise::MADV_HUGEPAGE) };
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (start, bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contents_and_capacity_stay_as_they_were() {
        for n in [0usize, 1, 4096, (2 << 20) - 1, 2 << 20, 5 << 20] {
            let mut v: Vec<u8> = (0..n).map(|i| (i % 251) as u8).collect();
            v.reserve(3 << 20);
            let cap = v.capacity();
            prefer_huge(&mut v);
            assert_eq!(v.capacity(), cap);
            assert!(v.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8), "{n}");
            // Written after the hint, into the spare capacity.
            v.extend(std::iter::repeat_n(7u8, 3 << 20));
            assert!(v[n..].iter().all(|&b| b == 7), "{n}");
            let mut s = String::with_capacity(n + (3 << 20));
            s.push('é');
            prefer_huge_string(&mut s);
            s.push_str(&"x".repeat(n));
            assert!(s.starts_with('é') && s.len() == n + 2, "{n}");
        }
    }
}
