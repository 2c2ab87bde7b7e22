//! Time windows: half-open ranges of time cut so that each holds about so many rows, from a
//! histogram of the rows' times; and the time a store covers, from its manifest.

use std::path::PathBuf;

/// A time range, from a first ms (inclusive) to a last (exclusive); `None`: unbounded.
pub type Window = (Option<i64>, Option<i64>);

/// At most this many buckets: 4 MiB of counts, whatever the time covered (a second each for
/// up to 12 days, wider for more).
const MAX_BUCKETS: i64 = 1 << 20;

/// How many rows fall in each bucket of time between a first and a last time.
pub struct Histogram {
    first: i64,
    width: i64,
    counts: Vec<u32>,
}

impl Histogram {
    /// Buckets from `first` to `last` (ms), a second wide or wider.
    pub fn new(first: i64, last: i64) -> Histogram {
        let span = last.saturating_sub(first).max(0);
        let width = (span / MAX_BUCKETS + 1).max(1000);
        let buckets = (span / width + 1) as usize;
        Histogram {
            first,
            width,
            counts: vec![0; buckets],
        }
    }

    /// Counts rows at these times (times outside the range count in the first or last bucket).
    pub fn add(&mut self, times: &[i64]) {
        let last = self.counts.len() - 1;
        for t in times {
            let at = (t.saturating_sub(self.first) / self.width).clamp(0, last as i64) as usize;
            self.counts[at] = self.counts[at].saturating_add(1);
        }
    }

    /// Rows counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().map(|n| u64::from(*n)).sum()
    }

    /// Windows in time order each holding about `rows` of the rows counted (more only when
    /// one bucket holds more), cut at bucket edges; the first is open at its start and the
    /// last at its end, so that no row of any time is outside every window.
    pub fn windows(&self, rows: u64) -> Vec<Window> {
        let mut windows = Vec::new();
        let mut start = None;
        let mut held = 0u64;
        for (i, n) in self.counts.iter().enumerate() {
            let n = u64::from(*n);
            if held > 0 && held + n > rows {
                let cut = self.first + i as i64 * self.width;
                windows.push((start, Some(cut)));
                start = Some(cut);
                held = 0;
            }
            held += n;
        }
        windows.push((start, None));
        windows
    }
}

/// The first and last time of the rows of `paths` when every one is a store (its manifest has
/// each part's times: nothing is read); `None` otherwise.
pub fn stores_cover(paths: &[PathBuf]) -> Option<(i64, i64)> {
    use crate::format::store_manifest::Manifest;
    let mut covered: Option<(i64, i64)> = None;
    for path in paths {
        if !Manifest::is_store(path) {
            return None;
        }
        let manifest = Manifest::load_shared(path).ok()?;
        for part in manifest.sources.iter().flat_map(|s| &s.parts) {
            covered = Some(match covered {
                Some((a, b)) => (a.min(part.first_ms), b.max(part.last_ms)),
                None => (part.first_ms, part.last_ms),
            });
        }
    }
    covered
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_hold_about_so_many_rows_and_cover_all_time() {
        // Rows at 0.5 s, 1.5 s, … over 10 s: 10 buckets of a second, one row each, then 5 more
        // in the last second.
        let mut h = Histogram::new(0, 9_999);
        let times: Vec<i64> = (0..10).map(|s| s * 1000 + 500).collect();
        h.add(&times);
        h.add(&[9_100, 9_200, 9_300, 9_400, 9_500]);
        assert_eq!(h.total(), 15);
        // Three rows a window: 0–3 s, 3–6 s, 6–9 s, then the last second's six (one bucket).
        assert_eq!(
            h.windows(3),
            vec![
                (None, Some(3000)),
                (Some(3000), Some(6000)),
                (Some(6000), Some(9000)),
                (Some(9000), None)
            ]
        );
        // Everything fits one window.
        assert_eq!(h.windows(100), vec![(None, None)]);
        // Times outside the range count at its ends.
        let mut h = Histogram::new(10_000, 20_000);
        h.add(&[0, 30_000]);
        assert_eq!(
            h.windows(1),
            vec![(None, Some(20_000)), (Some(20_000), None)]
        );
    }

    #[test]
    fn a_long_history_takes_wider_buckets_not_more() {
        let year = 365 * 24 * 3600 * 1000_i64;
        let h = Histogram::new(0, year);
        assert!(h.counts.len() as i64 <= MAX_BUCKETS + 1);
        assert!(h.width > 1000);
    }
}
