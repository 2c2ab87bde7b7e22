//! The reader's row filter over a frame already in memory: the TUI's filter bar and the
//! store's Parquet parts apply the cmdlet's conditions with the same code (and so the same
//! rules: one case-folding, list members as split) as the reader applies them to lines.

use std::borrow::Cow;

use polars::prelude::*;
use polars_arrow::array::Array;

use super::prefilter::{FieldValue, RowFilter};
use crate::format::{Field, FieldKind};
use crate::frame::access::{StringListView, settle_by_category, text_column, timestamps_ms};

/// One flag per row of `df`: whether it passes `filter` (its time range and conditions).
/// The frame must hold Timestamp and every field the conditions name.
///
/// The conditions are tested one column at a time, each only on the rows still kept; a text
/// column's value is tested once per distinct string view (a dictionary-encoded column's
/// rows share their views), not once per row.
pub fn matching_rows(df: &DataFrame, filter: &RowFilter) -> PolarsResult<Vec<bool>> {
    let mut keep = vec![true; df.height()];
    if filter.is_empty() {
        return Ok(keep);
    }
    if filter.has_time_range() {
        let times = RowFilter {
            conditions: Vec::new(),
            ..filter.clone()
        }
        .compile_fields();
        for (flag, ms) in keep.iter_mut().zip(timestamps_ms(df)?) {
            *flag = times.time_matches(ms);
        }
    }
    for condition in &filter.conditions {
        let one = RowFilter {
            start_ms: None,
            end_ms: None,
            conditions: vec![condition.clone()],
        }
        .compile_fields();
        let test = |value: FieldValue<'_>| {
            let mut value = Some(value);
            one.fields_match_values(|_| value.take())
        };
        let column: Field = condition.field;
        match column.kind() {
            FieldKind::TextList => {
                let lists = StringListView::new(df, column)?;
                let mut members = Vec::new();
                for (i, flag) in keep.iter_mut().enumerate() {
                    if *flag {
                        // The members as the reader split them: never re-joined and re-split.
                        lists.fill(i, &mut members);
                        *flag = test(FieldValue::Members(
                            members.iter().map(|m| m.to_string()).collect(),
                        ));
                    }
                }
            }
            _ if df.column(column.name())?.dtype().is_categorical() => {
                // Tested once per category code.
                settle_by_category(df.column(column.name())?, &mut keep, false, |text| {
                    test(FieldValue::Text(Cow::Borrowed(text.unwrap_or(""))))
                })?;
            }
            FieldKind::Integer | FieldKind::LineNumber => {
                let values = df.column(column.name())?.cast(&DataType::Int64)?;
                // A bound on the number (a sort's first N): tested on the number itself, as
                // the reader tests the number its text in a line parses to.
                if let super::prefilter::FieldTest::Beyond {
                    bound,
                    above,
                    empty,
                } = condition.test
                {
                    for (flag, value) in keep.iter_mut().zip(values.i64()?.iter()) {
                        *flag = *flag && super::prefilter::beyond(value, bound, above, empty);
                    }
                    continue;
                }
                // Whole numbers: tested as the reader tests their text in a line.
                for (flag, value) in keep.iter_mut().zip(values.i64()?.iter()) {
                    if *flag {
                        *flag = test(FieldValue::Text(match value {
                            Some(n) => Cow::Owned(n.to_string()),
                            None => Cow::Borrowed(""),
                        }));
                    }
                }
            }
            _ => {
                let text = text_column(df, column)?;
                let mut row = 0;
                let mut null: Option<bool> = None;
                for array in text.downcast_iter() {
                    // Equal views are equal strings within one array (a view names its bytes
                    // by buffer index).
                    let mut seen = crate::frame::access::ViewMemo::new();
                    for (j, view) in array.views().iter().enumerate() {
                        let flag = &mut keep[row + j];
                        if !*flag {
                            continue;
                        }
                        *flag = if array.is_valid(j) {
                            seen.get_or_insert_with(view.as_u128(), || {
                                // SAFETY: `j` is below the array's length (it indexes its views).
                                test(FieldValue::Text(Cow::Borrowed(unsafe {
                                    array.value_unchecked(j)
                                })))
                            })
                        } else {
                            *null.get_or_insert_with(|| test(FieldValue::Text(Cow::Borrowed(""))))
                        };
                    }
                    row += array.len();
                }
            }
        }
    }
    Ok(keep)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::prefilter::{FieldCondition, FieldTest};

    /// A text column of two arrays whose long strings sit at the same places of their own
    /// buffers: the same views, different strings.
    fn two_arrays(field: Field, first: &[&str], second: &[&str]) -> DataFrame {
        let mut column = StringChunked::from_slice(PlSmallStr::from_static(field.name()), first);
        column
            .append(&StringChunked::from_slice(
                PlSmallStr::from_static(field.name()),
                second,
            ))
            .unwrap();
        assert_eq!(column.chunks().len(), 2);
        let n = first.len() + second.len();
        let times = Int64Chunked::from_vec(PlSmallStr::from_static("Timestamp"), vec![0; n])
            .into_datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC));
        DataFrame::new(
            n,
            vec![
                times.into_series().into_column(),
                column.into_series().into_column(),
            ],
        )
        .unwrap()
    }

    #[test]
    fn a_value_is_tested_per_string_not_per_view_across_arrays() {
        let a = "same-prefix-one-long-id@contoso.com";
        let b = "same-prefix-two-long-id@contoso.com";
        let df = two_arrays(Field::MessageId, &[a, a, "short"], &[b, b, "SHORT"]);
        let filter = |value: &str| RowFilter {
            start_ms: None,
            end_ms: None,
            conditions: vec![FieldCondition {
                field: Field::MessageId,
                test: FieldTest::EqualsAny(vec![value.to_string()]),
            }],
        };
        assert_eq!(
            matching_rows(&df, &filter(&a.to_uppercase())).unwrap(),
            [true, true, false, false, false, false]
        );
        assert_eq!(
            matching_rows(&df, &filter(b)).unwrap(),
            [false, false, false, true, true, false]
        );
        assert_eq!(
            matching_rows(&df, &filter("Short")).unwrap(),
            [false, false, true, false, false, true]
        );
    }

    #[test]
    fn a_whole_number_column_is_tested_as_its_text_in_a_line() {
        let bytes = Column::new(
            Field::TotalBytes.name().into(),
            [Some(5i64), None, Some(120), Some(100), Some(-3)],
        );
        let df = DataFrame::new(5, vec![bytes]).unwrap();
        let beyond = |above: bool| RowFilter {
            start_ms: None,
            end_ms: None,
            conditions: vec![FieldCondition {
                field: Field::TotalBytes,
                test: FieldTest::Beyond {
                    bound: 100,
                    above,
                    empty: true,
                },
            }],
        };
        assert_eq!(
            matching_rows(&df, &beyond(true)).unwrap(),
            [false, true, true, false, false]
        );
        assert_eq!(
            matching_rows(&df, &beyond(false)).unwrap(),
            [true, true, false, false, true]
        );
    }
}
