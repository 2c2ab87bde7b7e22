//! Unit tests of the summary's tables.

use super::*;

#[test]
fn nearest_rank_percentiles() {
    let v: Vec<i64> = (1..=10).collect();
    assert_eq!(percentile(&v, 50.0), Some(5));
    assert_eq!(percentile(&v, 90.0), Some(9));
    assert_eq!(percentile(&v, 99.0), Some(10));
    assert_eq!(percentile(&[7], 50.0), Some(7));
    assert_eq!(percentile(&[], 50.0), None);
}

proptest::proptest! {
    /// Counting values per distinct value gives every nearest-rank percentile and the
    /// maximum of the sorted list.
    #[test]
    fn counted_latencies_give_the_sorted_lists_percentiles(
        values in proptest::collection::vec(-5i64..400_000, 1..300),
        p in 0.0f64..=100.0,
    ) {
        let mut dist = latency::Dist::default();
        for v in &values {
            dist.push(*v);
        }
        let mut sorted = values.clone();
        sorted.sort_unstable();
        proptest::prop_assert_eq!(dist.percentile(p), percentile(&sorted, p));
        proptest::prop_assert_eq!(dist.percentile(100.0), sorted.last().copied());
    }
}
