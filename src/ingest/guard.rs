//! Memory maps that survive their file shrinking. Reading a mapped page past a file's new end
//! raises SIGBUS, which kills the process (and, in the TUI, leaves the terminal raw). An admin
//! copying logs over a folder being read, or a live share, does exactly that.
//!
//! Each mapping registers its address range here. A SIGBUS inside a registered range puts a
//! page of zeros over the faulting page (so the read goes on, seeing NUL bytes) and marks the
//! mapping as changed; the reader then keeps the rows before the change and says so. A SIGBUS
//! anywhere else gets the default action, as before.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// How many mappings can be guarded at once (files are read a few at a time).
const SLOTS: usize = 256;

struct Slot {
    start: AtomicUsize,
    len: AtomicUsize,
    changed: AtomicBool,
}

#[allow(clippy::declare_interior_mutable_const)]
const EMPTY: Slot = Slot {
    start: AtomicUsize::new(0),
    len: AtomicUsize::new(0),
    changed: AtomicBool::new(false),
};

static SLOTS_IN_USE: [Slot; SLOTS] = [EMPTY; SLOTS];

/// A registered mapping; unregistered when dropped.
pub(crate) struct Guard {
    slot: Option<usize>,
}

impl Guard {
    /// Guards `len` bytes mapped at `start`. With every slot taken the mapping is unguarded
    /// (the old behaviour), which only a run with hundreds of files mapped at once can meet.
    pub(crate) fn register(start: *const u8, len: usize) -> Guard {
        install();
        for (i, slot) in SLOTS_IN_USE.iter().enumerate() {
            if slot
                .len
                .compare_exchange(0, usize::MAX, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                slot.changed.store(false, Ordering::Release);
                slot.start.store(start as usize, Ordering::Release);
                slot.len.store(len, Ordering::Release);
                return Guard { slot: Some(i) };
            }
        }
        Guard { slot: None }
    }

    /// True when a page of the mapping vanished while it was read (the file shrank).
    pub(crate) fn changed(&self) -> bool {
        self.slot
            .is_some_and(|i| SLOTS_IN_USE[i].changed.load(Ordering::Acquire))
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(i) = self.slot {
            SLOTS_IN_USE[i].start.store(0, Ordering::Release);
            SLOTS_IN_USE[i].len.store(0, Ordering::Release);
        }
    }
}

#[cfg(unix)]
fn install() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: installs a handler that only touches atomics and calls mmap on a page the
        // process owns (see `on_sigbus`).
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_sigbus as *const () as usize;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_NODEFER;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(libc::SIGBUS, &action, std::ptr::null_mut());
        }
    });
}

#[cfg(not(unix))]
fn install() {}

#[cfg(unix)]
extern "C" fn on_sigbus(_: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    // SAFETY: `info` is the kernel's siginfo for this signal.
    let addr = unsafe { (*info).si_addr() } as usize;
    for slot in &SLOTS_IN_USE {
        let start = slot.start.load(Ordering::Acquire);
        let len = slot.len.load(Ordering::Acquire);
        if start != 0 && len != usize::MAX && addr >= start && addr < start.saturating_add(len) {
            // SAFETY: sysconf and mmap are plain system calls; the page replaced lies inside
            // a read-only mapping this process made and still holds.
            unsafe {
                let page = libc::sysconf(libc::_SC_PAGESIZE).max(4096) as usize;
                let at = addr & !(page - 1);
                let zero = libc::mmap(
                    at as *mut libc::c_void,
                    page,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                    -1,
                    0,
                );
                if zero != libc::MAP_FAILED {
                    slot.changed.store(true, Ordering::Release);
                    return;
                }
            }
        }
    }
    // Not ours: the default action (the faulting access repeats and ends the process).
    // SAFETY: resetting a signal's disposition is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGBUS, libc::SIG_DFL);
    }
}
