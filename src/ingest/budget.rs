//! A bound on the rows a read keeps ([`RowBudget`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A bound on the rows a read keeps: once more than its limit are kept, the files not yet
/// started are not read (the caller throws such a read away and reads another way: a long
/// answer a time window at a time).
#[derive(Debug)]
pub struct RowBudget {
    limit: u64,
    kept: AtomicU64,
}

impl RowBudget {
    /// A budget of `limit` rows.
    pub fn new(limit: u64) -> Arc<RowBudget> {
        Arc::new(RowBudget {
            limit,
            kept: AtomicU64::new(0),
        })
    }

    /// More rows than the limit were kept: the read left files out.
    pub fn exceeded(&self) -> bool {
        self.kept.load(Ordering::Relaxed) > self.limit
    }

    /// Whether keeping `rows` more would spend the budget; if so they count as kept (the
    /// read is then over budget) and the caller reads them no further.
    pub(crate) fn spent_by(&self, rows: u64) -> bool {
        let kept = self.kept.load(Ordering::Relaxed);
        let spent = kept.saturating_add(rows) > self.limit;
        if spent {
            self.keep(rows);
        }
        spent
    }

    pub(crate) fn keep(&self, rows: u64) {
        self.kept.fetch_add(rows, Ordering::Relaxed);
    }
}
