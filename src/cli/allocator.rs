//! The process's allocator: the system's, except that big zeroed blocks with a page's
//! alignment come straight from the kernel.
//!
//! polars makes one 8 MiB block of zeros, page-aligned, the first time any column of nulls or
//! of no rows is made (`Buffer::zeroed`). The system allocator gives page-aligned memory
//! through `posix_memalign` and then clears it byte by byte: every page is touched, which
//! cost each query ~4 ms and 8 MiB of memory for a block that is only ever read. Pages fresh
//! from `mmap` are zero already and cost nothing until written.

use std::alloc::{GlobalAlloc, Layout, System};

/// Blocks this big or bigger, aligned more than `malloc` aligns, are mapped.
const MAPPED_FROM: usize = 1 << 20;

/// The system allocator, with big page-aligned blocks mapped (see the module's comment).
pub struct Allocator;

/// True when a block of `layout` is mapped rather than taken from `malloc`: decided by the
/// layout alone, so that `dealloc` frees it the way it was made.
fn mapped(layout: Layout) -> bool {
    cfg!(target_os = "linux")
        && layout.size() >= MAPPED_FROM
        && layout.align() > 16
        && layout.align() <= 4096
}

#[cfg(target_os = "linux")]
unsafe fn map(size: usize) -> *mut u8 {
    // SAFETY: an anonymous private mapping; the kernel gives zeroed, page-aligned pages.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            size,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if p == libc::MAP_FAILED {
        std::ptr::null_mut()
    } else {
        p.cast()
    }
}

#[cfg(not(target_os = "linux"))]
unsafe fn map(_size: usize) -> *mut u8 {
    std::ptr::null_mut()
}

// SAFETY: every block is either the system allocator's or a private mapping of at least its
// size, page-aligned (which satisfies any alignment `mapped` accepts); a block is freed by
// the same route it was made, as `mapped` depends on the layout only.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if mapped(layout) {
            unsafe { map(layout.size()) }
        } else {
            unsafe { System.alloc(layout) }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if mapped(layout) {
            unsafe { map(layout.size()) }
        } else {
            unsafe { System.alloc_zeroed(layout) }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if mapped(layout) {
            #[cfg(target_os = "linux")]
            unsafe {
                libc::munmap(ptr.cast(), layout.size());
            }
        } else {
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees a valid layout for `new_size` with the same alignment.
        let new = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if !mapped(layout) && !mapped(new) {
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        let to = unsafe { self.alloc(new) };
        if !to.is_null() {
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, to, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        to
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_blocks_are_zeroed_aligned_and_keep_their_bytes_when_resized() {
        let a = Allocator;
        let big = Layout::from_size_align(8 << 20, 4096).unwrap();
        assert!(mapped(big) || !cfg!(target_os = "linux"));
        // SAFETY: each block is used within its layout and freed with it.
        unsafe {
            let p = a.alloc_zeroed(big);
            assert!(!p.is_null());
            assert_eq!(p as usize % 4096, 0);
            let bytes = std::slice::from_raw_parts_mut(p, big.size());
            assert!(bytes.iter().all(|b| *b == 0));
            for (i, b) in bytes.iter_mut().enumerate().step_by(4093) {
                *b = (i % 251) as u8 + 1;
            }
            // Shrunk below the mapped size (to malloc's), then grown back (mapped again).
            let small = a.realloc(p, big, 64 << 10);
            let kept = std::slice::from_raw_parts(small, 64 << 10);
            for (i, b) in kept.iter().enumerate() {
                let want = if i % 4093 == 0 {
                    (i % 251) as u8 + 1
                } else {
                    0
                };
                assert_eq!(*b, want, "byte {i}");
            }
            let small_layout = Layout::from_size_align(64 << 10, 4096).unwrap();
            let grown = a.realloc(small, small_layout, 2 << 20);
            assert_eq!(grown as usize % 4096, 0);
            assert_eq!(*grown.add(4093), (4093 % 251) as u8 + 1);
            a.dealloc(grown, Layout::from_size_align(2 << 20, 4096).unwrap());
            // Ordinary blocks are the system's.
            let l = Layout::from_size_align(100, 8).unwrap();
            assert!(!mapped(l));
            let q = a.alloc_zeroed(l);
            assert!(std::slice::from_raw_parts(q, 100).iter().all(|b| *b == 0));
            a.dealloc(q, l);
        }
    }
}
