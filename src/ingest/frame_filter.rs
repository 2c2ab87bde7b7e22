//! The reader's row filter over a frame already in memory: the TUI's filter bar and the
//! store's Parquet parts apply the cmdlet's conditions with the same code (and so the same
//! rules: one case-folding, list members as split) as the reader applies them to lines.

use std::borrow::Cow;

use polars::prelude::*;

use super::prefilter::{FieldValue, RowFilter};
use crate::format::{Field, FieldKind};
use crate::frame::access::{StringListView, text_column, timestamps_ms};

/// The text of one field, as the reader's filter sees it.
enum FieldCells<'a> {
    Text(StringChunked),
    List(StringListView<'a>),
}

/// One flag per row of `df`: whether it passes `filter` (its time range and conditions).
/// The frame must hold Timestamp and every field the conditions name.
pub fn matching_rows(df: &DataFrame, filter: &RowFilter) -> PolarsResult<Vec<bool>> {
    let mut keep = vec![true; df.height()];
    let compiled = filter.compile_fields();
    if compiled.is_empty() {
        return Ok(keep);
    }
    let times = timestamps_ms(df)?;
    let mut fields = Vec::new();
    for condition in &filter.conditions {
        let column: Field = condition.field;
        let cells = match column.kind() {
            FieldKind::TextList => FieldCells::List(StringListView::new(df, column)?),
            _ => FieldCells::Text(text_column(df, column)?),
        };
        fields.push((condition.field, cells));
    }
    let mut members = Vec::new();
    for (i, flag) in keep.iter_mut().enumerate() {
        if !compiled.time_matches(times[i]) {
            *flag = false;
            continue;
        }
        *flag = compiled.fields_match_values(|field| {
            let (_, cells) = fields.iter().find(|(f, _)| *f == field)?;
            Some(match cells {
                FieldCells::Text(t) => FieldValue::Text(Cow::Borrowed(t.get(i).unwrap_or(""))),
                FieldCells::List(l) => {
                    // The members as the reader split them: never re-joined and re-split.
                    l.fill(i, &mut members);
                    FieldValue::Members(members.iter().map(|m| m.to_string()).collect())
                }
            })
        });
    }
    Ok(keep)
}
