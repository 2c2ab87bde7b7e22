//! Which rows of a store's part are worth reading for a filter, from its row groups'
//! statistics (each column chunk's least and greatest value and its count of nulls, as the
//! Parquet footer keeps them): a group none of whose rows can meet a condition is not read.
//!
//! Decided so far for bounds on whole numbers ([`FieldTest::Beyond`]): once a sort's first N
//! are kept (`Sort-Object TotalBytes -Descending | Select-Object -First 10`), the groups whose
//! greatest size is not above the Nth kept's are left unread, as DuckDB's own top N does.

use polars_parquet::parquet::metadata::RowGroupMetadata;
use polars_parquet::parquet::statistics::Statistics;
use polars_parquet::read::FileMetadata;

use super::prefilter::{FieldTest, RowFilter, beyond};
use crate::format::FieldKind;

/// The rows of a part to read.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Worth {
    /// No row group can hold a row meeting the filter.
    Nothing,
    /// These rows (`None`: every row; else the first and how many).
    Rows(Option<(usize, usize)>),
}

/// `slice` (the rows the read would take, `None`: every row) narrowed to the row groups of the
/// part (footer `metadata`) whose statistics allow a row meeting every condition of `filter`
/// that they can decide.
pub(super) fn worth_reading(
    metadata: &FileMetadata,
    filter: &RowFilter,
    slice: Option<(usize, usize)>,
) -> Worth {
    let bounds: Vec<(&str, i64, bool, bool)> = filter
        .conditions
        .iter()
        .filter(|c| c.field.kind() == FieldKind::Integer)
        .filter_map(|c| match c.test {
            FieldTest::Beyond {
                bound,
                above,
                empty,
            } => Some((c.field.name(), bound, above, empty)),
            _ => None,
        })
        .collect();
    if bounds.is_empty() {
        return Worth::Rows(slice);
    }
    let (lo, hi) = slice.map_or((0, metadata.num_rows), |(from, len)| {
        (from, from.saturating_add(len))
    });
    let mut worth: Option<(usize, usize)> = None;
    let mut start = 0usize;
    for group in &metadata.row_groups {
        let end = start + group.num_rows();
        if start < hi && end > lo {
            let may = bounds.iter().all(|(name, bound, above, empty)| {
                let (min, max, nulls) = extremes(group, name, &metadata.footer_buf);
                let rows = group.num_rows() as u64;
                // A value: unknown without statistics, unless every row is null.
                let value_may = match if *above { max } else { min } {
                    Some(v) => beyond(Some(v), *bound, *above, false),
                    None => nulls != Some(rows),
                };
                // No value: only when such rows pass and the group may hold one.
                let null_may = *empty && nulls.is_none_or(|n| n > 0);
                value_may || null_may
            });
            if may {
                worth = Some(match worth {
                    Some((first, _)) => (first, end),
                    None => (start, end),
                });
            }
        }
        start = end;
    }
    match worth {
        None => Worth::Nothing,
        Some((first, last)) => {
            let (from, to) = (first.max(lo), last.min(hi));
            if (from, to) == (lo, hi) {
                Worth::Rows(slice)
            } else {
                Worth::Rows(Some((from, to - from)))
            }
        }
    }
}

/// The least and greatest whole number of the column `name` in `group`, and its nulls, as
/// far as its statistics say (`None` where they do not).
fn extremes(
    group: &RowGroupMetadata,
    name: &str,
    footer: &[u8],
) -> (Option<i64>, Option<i64>, Option<u64>) {
    let unknown = (None, None, None);
    let Some(mut chunks) = group.columns_under_root_iter(name) else {
        return unknown;
    };
    let (Some(chunk), None) = (chunks.next(), chunks.next()) else {
        return unknown;
    };
    let nulls = |n: Option<i64>| n.and_then(|n| u64::try_from(n).ok());
    match chunk.statistics(footer) {
        Some(Ok(Statistics::Int64(s))) => (s.min_value, s.max_value, nulls(s.null_count)),
        Some(Ok(Statistics::Int32(s))) => (
            s.min_value.map(i64::from),
            s.max_value.map(i64::from),
            nulls(s.null_count),
        ),
        _ => unknown,
    }
}

/// A bound on a whole-number column found as a read goes (a sort's Nth row kept so far):
/// the store parts read after it is set leave out the rows, and the row groups, whose value
/// is not beyond it ([`FieldTest::Beyond`]). Rows read before it was set are not affected,
/// so the bound must hold for any row the caller may still get.
#[derive(Debug, Default)]
pub struct GroupBound {
    condition: std::sync::Mutex<Option<super::prefilter::FieldCondition>>,
}

impl GroupBound {
    /// Rows not meeting `condition` (a `Beyond` test) may be left out from now on.
    pub fn set(&self, condition: super::prefilter::FieldCondition) {
        *self.condition.lock().unwrap_or_else(|p| p.into_inner()) = Some(condition);
    }

    /// The condition now, if any.
    pub fn get(&self) -> Option<super::prefilter::FieldCondition> {
        self.condition
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}
