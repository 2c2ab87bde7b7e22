//! Reading one Parquet part of a store: only the columns asked for (and what the filter and
//! the derived columns need), typed as the log reader types them, filtered by the same row
//! filter, with MessageLatency computed as the reader computes it. The frame that comes out is
//! the one the log reader would have given for the same rows.

use polars::prelude::*;

use super::discover::{LogFile, StorePart};
use super::file_report::FileReport;
use super::plan::{HeaderInfo, ServerSource};
use super::prefilter::RowFilter;
use crate::format::latency::message_latency;
use crate::format::{EventId, Field, FieldSet};
use crate::frame::access::{text_column, timestamps_ms};
use crate::frame::schema::dtype;

/// The stored columns needed to give `columns` and test `filter`.
fn stored_columns(columns: FieldSet, filter: &RowFilter) -> Vec<Field> {
    let mut need = FieldSet::empty();
    need.insert(Field::Timestamp);
    for f in columns.columns() {
        if f.is_derived() {
            f.derived_from().iter().for_each(|d| need.insert(*d));
        } else {
            need.insert(f);
        }
    }
    filter.conditions.iter().for_each(|c| need.insert(c.field));
    need.columns()
}

/// Reads a part: its report and the frame of its rows that pass `filter`.
pub(crate) fn read_part(
    file: &LogFile,
    part: &StorePart,
    columns: FieldSet,
    filter: &RowFilter,
) -> Result<(FileReport, DataFrame), String> {
    let stored = stored_columns(columns, filter);
    let bytes = std::fs::read(&file.path).map_err(|e| format!("cannot open: {e}"))?;
    let size = bytes.len() as u64;
    let bytes = std::io::Cursor::new(bytes);
    let read = |fields: &[Field]| -> Result<DataFrame, String> {
        let names: Vec<String> = fields.iter().map(|f| f.name().to_string()).collect();
        // Parts are read many at once (a task each): no second level of parallel tasks in one.
        ParquetReader::new(bytes.clone())
            .with_columns(Some(names))
            .read_parallel(ParallelStrategy::None)
            .finish()
            .map_err(|e| format!("cannot read this Parquet part: {e}"))
    };
    // Columns are tested as stored (text as text) and typed as the reader types them
    // (categoricals, …) only for the rows kept: typing every row of every part cost more than
    // reading it.
    let typed = |df: DataFrame| {
        typed(df, &stored).map_err(|e| format!("the part's columns are not msgtrack's: {e}"))
    };
    // The filter's columns first: the other columns are read only when a row passes (a
    // Message-ID or an event id keeps no row of most parts).
    let mut tested: Vec<Field> = vec![Field::Timestamp];
    filter.conditions.iter().for_each(|c| {
        if !tested.contains(&c.field) {
            tested.push(c.field)
        }
    });
    let rest: Vec<Field> = stored
        .iter()
        .copied()
        .filter(|f| !tested.contains(f))
        .collect();
    if filter.is_empty() {
        // Nothing to test: every row is kept, in one read of every column asked for.
        let all = typed(read(&stored)?)?;
        let with_derived = derived(all, columns).map_err(|e| e.to_string())?;
        return finish(file, part, size, columns, with_derived);
    }
    let first = read(&tested)?;
    let keep = super::frame_filter::matching_rows(&first, filter).map_err(|e| e.to_string())?;
    let kept_rows = keep.iter().filter(|k| **k).count();
    let mask = BooleanChunked::from_slice(PlSmallStr::from_static("keep"), &keep);
    let kept = if kept_rows == 0 {
        empty(&stored).map_err(|e| e.to_string())?
    } else if rest.is_empty() {
        typed(first.filter(&mask).map_err(|e| e.to_string())?)?
    } else {
        let mut all = first;
        all.hstack_mut(read(&rest)?.columns())
            .map_err(|e| e.to_string())?;
        let kept = all.filter(&mask).map_err(|e| e.to_string())?;
        // The kept rows' text still points into the whole part's buffers: copy a few rows out
        // so that they do not hold a whole part.
        typed(if kept_rows * 8 < keep.len() {
            crate::frame::deep_copy(&kept).map_err(|e| e.to_string())?
        } else {
            kept
        })?
    };
    let with_derived = derived(kept, columns).map_err(|e| e.to_string())?;
    finish(file, part, size, columns, with_derived)
}

/// The part's frame with the columns asked for, in order, and its report.
fn finish(
    file: &LogFile,
    part: &StorePart,
    size: u64,
    columns: FieldSet,
    with_derived: DataFrame,
) -> Result<(FileReport, DataFrame), String> {
    let order: Vec<PlSmallStr> = columns
        .columns()
        .iter()
        .map(|f| PlSmallStr::from_static(f.name()))
        .collect();
    let frame = with_derived.select(order).map_err(|e| e.to_string())?;
    let times = if frame.height() > 0 && columns.contains(Field::Timestamp) {
        timestamps_ms(&frame).unwrap_or_default()
    } else {
        Vec::new()
    };
    let report = FileReport {
        // The rows' source: reports over a store name the logs, as over the logs.
        path: part.source.clone(),
        prefix: file.name.map(|n| n.prefix),
        server: part.server.clone(),
        server_source: ServerSource::Rows,
        headers: HeaderInfo::default(),
        bytes: size,
        lines: part.rows,
        rows: frame.height() as u64,
        bad_lines: 0,
        warned_lines: 0,
        held_back: false,
        refused: None,
        first_ms: times.iter().min().copied(),
        last_ms: times.iter().max().copied(),
    };
    Ok((report, frame))
}

/// A frame of no rows with `fields` typed as the reader types them.
fn empty(fields: &[Field]) -> PolarsResult<DataFrame> {
    let columns = fields
        .iter()
        .map(|f| Series::new_empty(PlSmallStr::from_static(f.name()), &dtype(*f)).into_column())
        .collect();
    DataFrame::new(0, columns)
}

/// The stored columns cast to the reader's types (categoricals, list and struct types).
fn typed(df: DataFrame, fields: &[Field]) -> PolarsResult<DataFrame> {
    let mut columns = Vec::with_capacity(fields.len());
    for f in fields {
        let c = df.column(f.name())?;
        let want = dtype(*f);
        columns.push(if c.dtype() == &want {
            c.clone()
        } else {
            c.cast(&want)?
        });
    }
    DataFrame::new(df.height(), columns)
}

/// Adds MessageLatency and MessageLatencyType when asked for, derived as the reader derives
/// them (`format::latency`).
fn derived(mut df: DataFrame, columns: FieldSet) -> PolarsResult<DataFrame> {
    let want_latency = columns.contains(Field::MessageLatency);
    let want_type = columns.contains(Field::MessageLatencyType);
    if !want_latency && !want_type {
        return Ok(df);
    }
    let times = timestamps_ms(&df)?;
    let events = text_column(&df, Field::EventId)?;
    let sources = text_column(&df, Field::Source)?;
    let infos = text_column(&df, Field::MessageInfo)?;
    let mut latency: Vec<Option<i64>> = Vec::with_capacity(df.height());
    let mut kinds: Vec<&'static str> = Vec::with_capacity(df.height());
    for (i, time) in times.iter().enumerate() {
        let event = EventId::parse(events.get(i).unwrap_or(""));
        let (ms, kind) = message_latency(
            event,
            sources.get(i).unwrap_or(""),
            infos.get(i).unwrap_or(""),
            *time,
        );
        latency.push(ms);
        kinds.push(kind.name());
    }
    if want_latency {
        let s = Int64Chunked::from_iter_options(
            PlSmallStr::from_static(Field::MessageLatency.name()),
            latency.into_iter(),
        )
        .into_series()
        .cast(&dtype(Field::MessageLatency))?;
        df.with_column(s.into_column())?;
    }
    if want_type {
        let s = StringChunked::from_iter_values(
            PlSmallStr::from_static(Field::MessageLatencyType.name()),
            kinds.into_iter(),
        )
        .into_series()
        .cast(&dtype(Field::MessageLatencyType))?;
        df.with_column(s.into_column())?;
    }
    Ok(df)
}
