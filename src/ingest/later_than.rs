//! The first N rows of a read by time (`-ResultSize N`): a bound below which they lie,
//! which the caller lowers as it reads, and which rows the store parts left out.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};

/// A time bound the reader's caller lowers as it reads: a file whose name (or a store
/// part whose manifest) says every row of it comes after the bound is not opened, and
/// counted. `-ResultSize N` sets it to the N-th earliest time once it holds N rows: a later
/// file cannot change the first N (its rows would come after them, ties included).
///
/// It also tells a store part that only the first N matching rows are wanted: a part keeps
/// its own first N by time (then place), and none later than the bound, and counts the
/// matching rows it left out ([`LaterThan::rows_left_out`]). A row that is not among its part's first N has N rows
/// before it in that part alone, so it cannot be among the first N of all rows (the rows
/// read later sort after those read before when their times tie).
#[derive(Debug)]
pub struct LaterThan {
    bound: AtomicI64,
    skipped: AtomicUsize,
    /// The N of the first N rows wanted.
    first: usize,
    rows_left_out: AtomicU64,
}

impl LaterThan {
    /// No bound yet, and only the first `n` matching rows (by time, then the order read)
    /// wanted of the read: a store part keeps only those of its rows that can be.
    pub fn first_of(n: usize) -> Arc<LaterThan> {
        Arc::new(LaterThan {
            bound: AtomicI64::new(i64::MAX),
            skipped: AtomicUsize::new(0),
            first: n,
            rows_left_out: AtomicU64::new(0),
        })
    }

    /// Files whose rows all come after `ms` are left out from now on.
    pub fn set(&self, ms: i64) {
        self.bound.fetch_min(ms, Ordering::Relaxed);
    }

    /// The bound now (`i64::MAX` before any).
    pub fn bound(&self) -> i64 {
        self.bound.load(Ordering::Relaxed)
    }

    /// How many files were left out.
    pub fn skipped(&self) -> usize {
        self.skipped.load(Ordering::Relaxed)
    }

    /// The N of [`LaterThan::first_of`].
    pub fn first(&self) -> usize {
        self.first
    }

    /// Counts matching rows a part read and left out (see [`LaterThan::first_of`]).
    pub fn left_out(&self, rows: u64) {
        self.rows_left_out.fetch_add(rows, Ordering::Relaxed);
    }

    /// How many matching rows of the parts read were left out as not among the first N.
    pub fn rows_left_out(&self) -> u64 {
        self.rows_left_out.load(Ordering::Relaxed)
    }

    /// Counts a file left out.
    pub(crate) fn count_skipped(&self) {
        self.skipped.fetch_add(1, Ordering::Relaxed);
    }
}
