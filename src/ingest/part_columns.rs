//! Reading columns of a part, row group by row group: a row group holding none of the rows
//! asked for is not touched (polars' reader decodes the dictionary and every nested page of
//! each row group before the slice asked for), so a part's few matching rows cost the row
//! groups that hold them.

use polars::io::parquet::read::_internal::to_deserializer;
use polars::prelude::*;
use polars_arrow::datatypes::{ArrowSchema, Field as ArrowField};
use polars_parquet::read::{FileMetadata, Filter};

use super::part_bytes::PartBytes;
use crate::format::Field;
use crate::frame::flags::{as_bytes, packed};

/// Which rows of a part to read.
#[derive(Clone, Copy)]
pub(super) enum Rows<'a> {
    /// Every row.
    All,
    /// `len` rows from row `from`.
    Range { from: usize, len: usize },
    /// The rows from row `from` whose flag in `keep` is set.
    Mask { from: usize, keep: &'a [bool] },
}

impl Rows<'_> {
    /// What to read of the row group of rows `start..end`: `None` when none of its rows,
    /// `Some(None)` when all of them, else the filter of its rows to decode.
    pub(super) fn in_group(&self, start: usize, end: usize) -> Option<Option<Filter>> {
        match *self {
            Rows::All => Some(None),
            Rows::Range { from, len } => {
                let (a, b) = (from.max(start), from.saturating_add(len).min(end));
                if a >= b {
                    None
                } else if a == start && b == end {
                    Some(None)
                } else {
                    Some(Some(Filter::Range(a - start..b - start)))
                }
            }
            Rows::Mask { from, keep } => {
                let (a, b) = (from.max(start), from.saturating_add(keep.len()).min(end));
                if a >= b {
                    return None;
                }
                let inside = &keep[a - from..b - from];
                // Asked for every column of every group: a byte search, not a loop of bools.
                memchr::memchr(1, as_bytes(inside))?;
                if a == start && b == end {
                    if memchr::memchr(0, as_bytes(inside)).is_none() {
                        return Some(None);
                    }
                    return Some(Some(Filter::Mask(packed(inside))));
                }
                // Part of the group: its other rows are not kept.
                let mut group = vec![false; end - start];
                group[a - start..b - start].copy_from_slice(inside);
                Some(Some(Filter::Mask(packed(&group))))
            }
        }
    }
}

/// Decodes the column `field`, as `arrow_field`, of every row group of the part `bytes`
/// (footer `metadata`) that holds rows of `rows`, handing each group's arrays of those rows to
/// `each`, in order. Groups holding none are not read.
pub(super) fn each_group(
    bytes: &PartBytes,
    metadata: &FileMetadata,
    field: Field,
    arrow_field: &ArrowField,
    rows: Rows<'_>,
    mut each: impl FnMut(Vec<ArrayRef>) -> PolarsResult<()>,
) -> PolarsResult<()> {
    let mut start = 0usize;
    for group in &metadata.row_groups {
        let end = start + group.num_rows();
        if let Some(filter) = rows.in_group(start, end) {
            let chunks = group
                .columns_under_root_iter(field.name())
                .ok_or_else(
                    || polars_err!(ColumnNotFound: "the part has no column {}", field.name()),
                )?
                .map(|chunk| {
                    let range = chunk.byte_range();
                    let read = bytes
                        .range(range.start, range.end)
                        .map_err(|e| polars_err!(ComputeError: "column {}: {e}", field.name()))?;
                    Ok((chunk, read))
                })
                .collect::<PolarsResult<Vec<_>>>()?;
            let (arrays, _) = to_deserializer(chunks, arrow_field.clone(), filter)?;
            each(arrays)?;
        }
        start = end;
    }
    Ok(())
}

/// The rows `rows` of the columns `fields` of the part `bytes` with footer `metadata` and
/// Arrow schema `schema`, as stored.
pub(super) fn read_columns(
    bytes: &PartBytes,
    metadata: &FileMetadata,
    schema: &ArrowSchema,
    fields: &[Field],
    rows: Rows<'_>,
) -> PolarsResult<DataFrame> {
    let mut columns = Vec::with_capacity(fields.len());
    let mut height = None;
    for field in fields {
        let arrow_field = schema.get(field.name()).ok_or_else(
            || polars_err!(ColumnNotFound: "the part has no column {}", field.name()),
        )?;
        let mut column: Option<Series> = None;
        each_group(bytes, metadata, *field, arrow_field, rows, |arrays| {
            let series = Series::try_from((arrow_field, arrays))?;
            match &mut column {
                Some(s) => {
                    s.append_owned(series)?;
                }
                None => column = Some(series),
            }
            Ok(())
        })?;
        let column = column.unwrap_or_else(|| {
            Series::new_empty(
                arrow_field.name.clone(),
                &DataType::from_arrow_field(arrow_field),
            )
        });
        height.get_or_insert(column.len());
        columns.push(column.into_column());
    }
    DataFrame::new(height.unwrap_or(0), columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rows of the group `start..end` a selection decodes (`None`: the group is skipped).
    fn decoded(rows: Rows<'_>, start: usize, end: usize) -> Option<Vec<usize>> {
        rows.in_group(start, end).map(|filter| match filter {
            None => (0..end - start).collect(),
            Some(Filter::Range(r)) => r.collect(),
            Some(Filter::Mask(bits)) => {
                assert_eq!(bits.len(), end - start, "a mask covers the whole group");
                (0..bits.len()).filter(|i| bits.get_bit(*i)).collect()
            }
            Some(Filter::Predicate(_)) => panic!("no predicate is made"),
        })
    }

    #[test]
    fn a_selection_skips_groups_without_its_rows_and_decodes_only_its_rows_in_the_others() {
        // Groups of 4 rows: 0..4, 4..8, 8..12.
        assert_eq!(decoded(Rows::All, 4, 8), Some(vec![0, 1, 2, 3]));
        let range = Rows::Range { from: 2, len: 4 }; // rows 2..6
        assert_eq!(decoded(range, 0, 4), Some(vec![2, 3]));
        assert_eq!(decoded(range, 4, 8), Some(vec![0, 1]));
        assert_eq!(decoded(range, 8, 12), None);
        let whole = Rows::Range { from: 4, len: 4 };
        assert_eq!(decoded(whole, 4, 8), Some(vec![0, 1, 2, 3]));
        // Rows 5 and 10 of the rows from 3: no row of 0..4, one in each of the others.
        let keep = [false, false, true, false, false, false, false, true];
        let mask = Rows::Mask {
            from: 3,
            keep: &keep,
        };
        assert_eq!(decoded(mask, 0, 4), None);
        assert_eq!(decoded(mask, 4, 8), Some(vec![1]));
        assert_eq!(decoded(mask, 8, 12), Some(vec![2]));
        // Every row of a group kept: the group whole.
        let all = [true; 4];
        assert_eq!(
            decoded(
                Rows::Mask {
                    from: 4,
                    keep: &all
                },
                4,
                8
            ),
            Some(vec![0, 1, 2, 3])
        );
    }
}
