//! Reading one Parquet part of a store: only the columns asked for (and what the filter and
//! the derived columns need), typed as the log reader types them, filtered by the same row
//! filter, with MessageLatency computed as the reader computes it. The frame that comes out is
//! the one the log reader would have given for the same rows.

use polars::prelude::*;
use polars_arrow::array::Array;

use super::discover::{LogFile, PartRange, StorePart};
use super::file_report::FileReport;
use super::part_bytes::PartBytes;
use super::part_columns::Rows;
use super::plan::{HeaderInfo, ServerSource};
use super::prefilter::RowFilter;
use crate::format::latency::message_latency;
use crate::format::{EventId, Field, FieldKind, FieldSet};
use crate::frame::access::{text_column, timestamps_ms};
use crate::frame::schema::dtype;

/// The stored columns needed to give `columns` and test `filter`. Timestamp only when asked
/// for or tested: the times a report needs of the rows kept are read with the other columns
/// of the kept rows, and those of a source kept whole are in the manifest.
fn stored_columns(columns: FieldSet, filter: &RowFilter) -> Vec<Field> {
    let mut need = FieldSet::empty();
    for f in columns.columns() {
        if f.is_derived() {
            f.derived_from().iter().for_each(|d| need.insert(*d));
        } else {
            need.insert(f);
        }
    }
    filter.conditions.iter().for_each(|c| need.insert(c.field));
    if filter.has_time_range() {
        need.insert(Field::Timestamp);
    }
    need.columns()
}

/// Reads a part file: a report per source whose rows it lists, and the frame of the listed
/// rows that pass `filter` (with `first_n`, only those that can be among the first N of the
/// read: [`only_the_first`]). `None` when the rows it keeps would spend `budget` (known before
/// any column but the filter's is decoded): nothing more is read.
pub(crate) fn read_part(
    file: &LogFile,
    part: &StorePart,
    columns: FieldSet,
    filter: &RowFilter,
    decode_only: Option<&super::prefilter::DecodeOnly>,
    budget: Option<&super::budget::RowBudget>,
    first_n: Option<&super::later_than::LaterThan>,
) -> Result<Option<(Vec<FileReport>, DataFrame)>, String> {
    if let Some(budget) = budget
        && filter.is_empty()
        && budget.spent_by(part.ranges.iter().map(|r| r.rows).sum())
    {
        return Ok(None);
    }
    let stored = stored_columns(columns, filter);
    // Only worth it when the key is stored and read, and something it spares is.
    let decode_only = decode_only
        .filter(|d| stored.contains(&d.field) && stored.iter().any(|f| spared(*f, d.field)));
    // Opened, not read: only the footer and the column chunks asked for are read.
    let bytes = PartBytes::open(&file.path)?;
    let size = bytes.len();
    // The footer and its Arrow schema, parsed or kept from the command's earlier reads.
    let footer = super::part_footer::footer(&file.path, &bytes)?;
    let (metadata, schema) = (&footer.metadata, &footer.schema);
    // The rows in the window, then only the row groups whose statistics allow a match.
    let slice =
        match super::part_statistics::worth_reading(metadata, filter, rows_to_read(part, filter)) {
            super::part_statistics::Worth::Rows(slice) => slice,
            super::part_statistics::Worth::Nothing => {
                let none = nulls(&stored, 0).map_err(|e| e.to_string())?;
                return finish(
                    file,
                    part,
                    size,
                    columns,
                    none,
                    Kept::At(&[]),
                    Some(Vec::new()),
                )
                .map(Some);
            }
        };
    let base = slice.map_or(0, |(offset, _)| offset as u64);
    let whole = slice.map_or(Rows::All, |(from, len)| Rows::Range { from, len });
    let read_rows =
        |fields: &[Field], rows: Rows<'_>| read_stored(&bytes, metadata, schema, fields, rows);
    let read = |fields: &[Field]| read_rows(fields, whole);
    // Columns are tested as stored (text as text) and typed as the reader types them
    // (categoricals, …) only for the rows kept: typing every row of every part cost more than
    // reading it.
    let typed = |df: DataFrame| {
        typed(df, &stored).map_err(|e| format!("the part's columns are not msgtrack's: {e}"))
    };
    // The filter's columns first, in two stages: the cheap ones (time, categories, numbers)
    // for every row, then the others (text, lists) only for the rows still kept, and none
    // when no row is (most parts hold no FAIL row, no row of one message); the columns not
    // tested are read last, for the kept rows.
    let (cheap, costly): (Vec<_>, Vec<_>) = filter
        .conditions
        .iter()
        .cloned()
        .partition(|c| cheap_to_test(c.field));
    let mut stage_one = RowFilter {
        conditions: cheap,
        ..filter.clone()
    };
    let mut stage_two = RowFilter {
        start_ms: None,
        end_ms: None,
        conditions: costly,
    };
    if stage_one.is_empty() {
        std::mem::swap(&mut stage_one, &mut stage_two);
    }
    let mut first_fields = if filter.is_empty() && decode_only.is_none() && first_n.is_none() {
        stored.clone()
    } else {
        tested_fields(&stage_one, &[])
    };
    if let Some(d) = decode_only
        && !first_fields.contains(&d.field)
    {
        first_fields.push(d.field);
    }
    // Only the first rows wanted: the times of every row first, to choose them.
    if first_n.is_some() && !first_fields.contains(&Field::Timestamp) {
        first_fields.push(Field::Timestamp);
    }
    let second_fields = tested_fields(&stage_two, &first_fields);
    let mut rest: Vec<Field> = stored
        .iter()
        .copied()
        .filter(|f| !first_fields.contains(f) && !second_fields.contains(f))
        .collect();
    // The kept rows' times, for the sources' reports.
    if !first_fields.contains(&Field::Timestamp)
        && !second_fields.contains(&Field::Timestamp)
        && !rest.contains(&Field::Timestamp)
    {
        rest.push(Field::Timestamp);
    }
    let first_read = read(&first_fields)?;
    let height = first_read.height();
    // Rows no source lists any more (a source converted again or pruned) are not read.
    let listed = listed_rows(&part.ranges, base, height);
    let keep: Option<Vec<bool>> = if filter.is_empty() {
        match (decode_only, first_n) {
            (None, None) => listed,
            _ => Some(listed.unwrap_or_else(|| vec![true; height])),
        }
    } else {
        let mut keep = super::frame_filter::matching_rows(&first_read, &stage_one)
            .map_err(|e| e.to_string())?;
        if let Some(listed) = listed {
            keep.iter_mut().zip(listed).for_each(|(k, l)| *k &= l);
        }
        Some(keep)
    };
    // With no second stage, the first's rows are the rows kept.
    if let (Some(budget), Some(keep)) = (budget, &keep)
        && stage_two.is_empty()
        && budget.spent_by(keep.iter().filter(|k| **k).count() as u64)
    {
        return Ok(None);
    }
    let Some(mut keep) = keep else {
        // Every row kept, in one read of every column asked for.
        let times = kept_times(&first_read)?;
        let all = typed(first_read)?;
        return finish(
            file,
            part,
            size,
            columns,
            all,
            Kept::From(base, height as u64),
            times,
        )
        .map(Some);
    };
    // (Which rows the first stage kept, when some may be left out after the second.)
    let kept_by_stage_one = if first_n.is_some() && !stage_two.is_empty() {
        keep.clone()
    } else {
        Vec::new()
    };
    // The second stage's columns, of the rows the first stage kept: them, and which passed.
    let mut second: Option<(DataFrame, Vec<bool>)> = None;
    if !stage_two.is_empty()
        && let Some((lo, hi)) = span(&keep)
    {
        let rows = Rows::Mask {
            from: base as usize + lo,
            keep: &keep[lo..hi],
        };
        let read = read_rows(&second_fields, rows)?;
        let passed =
            super::frame_filter::matching_rows(&read, &stage_two).map_err(|e| e.to_string())?;
        let mut verdicts = passed.iter();
        for k in keep[lo..hi].iter_mut().filter(|k| **k) {
            *k = verdicts.next().copied().unwrap_or(false);
        }
        second = Some((read, passed));
    }
    if let Some(wanted) = first_n {
        let cut = only_the_first(&first_read, &mut keep, wanted)?;
        if cut > 0 {
            // The second stage read one row per row the first stage kept: those now left
            // out do not pass either.
            if let Some((_, passed)) = &mut second {
                let mut passed_now = passed.iter_mut();
                for (k, before) in keep.iter().zip(&kept_by_stage_one) {
                    if *before && let Some(p) = passed_now.next() {
                        *p &= *k;
                    }
                }
            }
            wanted.left_out(cut);
        }
    }
    // The kept rows whose other columns are wanted (see `DecodeOnly`).
    let wanted: Option<Vec<bool>> = match decode_only {
        None => None,
        Some(d) => {
            let keys = text_column(&first_read, d.field).map_err(|e| e.to_string())?;
            Some(
                keep.iter()
                    .zip(keys.iter())
                    .map(|(k, key)| *k && (d.test)(key.unwrap_or("")))
                    .collect(),
            )
        }
    };
    let positions: Vec<u64> = crate::frame::flags::set_places(&keep)
        .map(|i| base + i as u64)
        .collect();
    let kept_rows = positions.len();
    let (kept, times) = match span(&keep) {
        None => (
            nulls(&stored, 0).map_err(|e| e.to_string())?,
            Some(Vec::new()),
        ),
        Some((lo, hi)) => {
            // The other columns of the kept rows only: a FAIL row or one message's rows
            // decode the row groups that hold them, and in them only their rows.
            let span_mask = crate::frame::flags::mask(&keep[lo..hi]);
            let mut kept =
                crate::frame::filter_rows(&first_read.slice(lo as i64, hi - lo), &span_mask)
                    .map_err(|e| e.to_string())?;
            if let Some((read, passed)) = &second {
                let passed = crate::frame::flags::mask(passed);
                let read = crate::frame::filter_rows(read, &passed).map_err(|e| e.to_string())?;
                kept.hstack_mut(read.columns()).map_err(|e| e.to_string())?;
            }
            // Numbers, times and categories of many kept rows decode whole (then filtered):
            // masked decoding of their few bits a row cost more than it saved. Text and lists,
            // and everything of a few kept rows, decode only the kept rows (and the row groups
            // holding them).
            let dense = kept_rows * 8 >= hi - lo;
            let (cheap, costly): (Vec<Field>, Vec<Field>) =
                rest.iter().partition(|f| dense && cheap_to_test(**f));
            if !cheap.is_empty() {
                let rows = Rows::Range {
                    from: base as usize + lo,
                    len: hi - lo,
                };
                let read = crate::frame::filter_rows(&read_rows(&cheap, rows)?, &span_mask)
                    .map_err(|e| e.to_string())?;
                kept.hstack_mut(read.columns()).map_err(|e| e.to_string())?;
            }
            // Text and lists a caller does not want of some rows: read for the others only
            // and spread back to every kept row, nulls between.
            let (sparse, costly): (Vec<Field>, Vec<Field>) = costly
                .into_iter()
                .partition(|f| decode_only.is_some_and(|d| spared(*f, d.field)));
            if !costly.is_empty() {
                let rows = Rows::Mask {
                    from: base as usize + lo,
                    keep: &keep[lo..hi],
                };
                kept.hstack_mut(read_rows(&costly, rows)?.columns())
                    .map_err(|e| e.to_string())?;
            }
            if let Some(wanted) = &wanted
                && !sparse.is_empty()
            {
                let spread = spread_wanted(&keep[lo..hi], &wanted[lo..hi], |some| {
                    read_rows(
                        &sparse,
                        Rows::Mask {
                            from: base as usize + lo,
                            keep: some,
                        },
                    )
                })?;
                let spread = match spread {
                    Some(frame) => frame,
                    None => nulls(&sparse, kept_rows).map_err(|e| e.to_string())?,
                };
                kept.hstack_mut(spread.columns())
                    .map_err(|e| e.to_string())?;
            }
            let times = kept_times(&kept)?;
            // The kept rows' text still points into the pages of every row group read: copied
            // out, so that rows kept (a window of a long answer, a few matches) do not hold
            // the rows around them.
            let kept = typed(if kept_rows < metadata.num_rows {
                crate::frame::compact(&kept).map_err(|e| e.to_string())?
            } else {
                kept
            })?;
            (kept, times)
        }
    };
    finish(file, part, size, columns, kept, Kept::At(&positions), times).map(Some)
}

/// The stored columns `fields` of the rows `rows` of a part (footer `metadata`, Arrow
/// `schema`): low-cardinality columns as category codes from their dictionaries, the others
/// (and any of those the dictionary route cannot read) as stored. An error when the part
/// changed while it was read.
fn read_stored(
    bytes: &PartBytes,
    metadata: &polars_parquet::read::FileMetadata,
    schema: &polars_arrow::datatypes::ArrowSchema,
    fields: &[Field],
    rows: Rows<'_>,
) -> Result<DataFrame, String> {
    // Low-cardinality columns as category codes from their dictionaries; the others (and
    // any of those the dictionary route cannot read) as stored.
    let mut coded: Vec<Column> = Vec::new();
    let mut names: Vec<Field> = Vec::new();
    for f in fields {
        match (f.kind() == FieldKind::Category)
            .then(|| super::part_codes::read_codes(bytes, metadata, *f, rows))
            .flatten()
        {
            Some(column) => coded.push(column),
            None => names.push(*f),
        }
    }
    let read = if names.is_empty() && !coded.is_empty() {
        DataFrame::empty()
    } else {
        super::part_columns::read_columns(bytes, metadata, schema, &names, rows).map_err(|e| {
            if e.to_string().contains(super::part_bytes::CHANGED) {
                super::part_bytes::CHANGED.to_string()
            } else {
                format!("cannot read this Parquet part: {e}")
            }
        })?
    };
    if coded.is_empty() {
        return Ok(read);
    }
    let height = coded.first().map_or(read.height(), Column::len);
    let columns = fields
        .iter()
        .map(|f| {
            coded
                .iter()
                .find(|c| c.name().as_str() == f.name())
                .cloned()
                .map_or_else(|| read.column(f.name()).cloned(), Ok)
        })
        .collect::<PolarsResult<Vec<Column>>>()
        .map_err(|e| format!("cannot read this Parquet part: {e}"))?;
    DataFrame::new(height, columns).map_err(|e| format!("cannot read this Parquet part: {e}"))
}

/// The rows of the source `source` (its File, as the store names it) that a store's part
/// `file` lists and whose Line is one of `lines` (sorted, distinct), with `columns` (typed and
/// derived as [`read_part`] gives them), in the part's order. Only the source's Line column
/// is read for all its rows; the other columns only for the rows found, and only from the row
/// groups holding them: a page of rows costs a page, not the part.
pub(crate) fn read_lines(
    file: &LogFile,
    source: &str,
    lines: &[u32],
    columns: FieldSet,
) -> Result<DataFrame, String> {
    let stored = stored_columns(columns, &RowFilter::default());
    let empty = || {
        nulls(&stored, 0)
            .and_then(|n| typed(n, &stored))
            .and_then(|n| derived(n, columns))
            .and_then(|n| select_columns(n, columns))
            .map_err(|e| e.to_string())
    };
    let Some(part) = &file.part else {
        return Err("not a store's part".into());
    };
    let ranges: Vec<&PartRange> = part
        .ranges
        .iter()
        .filter(|r| r.source.display().to_string() == source)
        .collect();
    let (Some(lo), Some(hi)) = (
        ranges.iter().map(|r| r.offset).min(),
        ranges.iter().map(|r| r.offset.saturating_add(r.rows)).max(),
    ) else {
        return empty();
    };
    let clamp = |n: u64| n.min(u64::from(u32::MAX)) as usize;
    let (lo, hi) = (clamp(lo), clamp(hi));
    let bytes = PartBytes::open(&file.path)?;
    let footer = super::part_footer::footer(&file.path, &bytes)?;
    let (metadata, schema) = (&footer.metadata, &footer.schema);
    let span = Rows::Range {
        from: lo,
        len: hi - lo,
    };
    let numbers = read_stored(&bytes, metadata, schema, &[Field::Line], span)?;
    let numbers = numbers
        .column(Field::Line.name())
        .and_then(|c| c.cast(&DataType::UInt32))
        .map_err(|e| e.to_string())?;
    let numbers = numbers.u32().map_err(|e| e.to_string())?;
    let mut keep = vec![false; hi - lo];
    for r in &ranges {
        let from = clamp(r.offset) - lo;
        let to = clamp(r.offset.saturating_add(r.rows)) - lo;
        for (i, k) in keep.iter_mut().enumerate().take(to).skip(from) {
            *k = numbers
                .get(i)
                .is_some_and(|n| lines.binary_search(&n).is_ok());
        }
    }
    if !keep.iter().any(|k| *k) {
        return empty();
    }
    let read = read_stored(
        &bytes,
        metadata,
        schema,
        &stored,
        Rows::Mask {
            from: lo,
            keep: &keep,
        },
    )?;
    let read = crate::frame::compact(&read).map_err(|e| e.to_string())?;
    let read =
        typed(read, &stored).map_err(|e| format!("the part's columns are not msgtrack's: {e}"))?;
    derived(read, columns)
        .and_then(|d| select_columns(d, columns))
        .map_err(|e| e.to_string())
}

/// `df`'s columns `columns`, in their order.
fn select_columns(df: DataFrame, columns: FieldSet) -> PolarsResult<DataFrame> {
    df.select(
        columns
            .columns()
            .iter()
            .map(|f| PlSmallStr::from_static(f.name())),
    )
}

/// Leaves kept only those of a part's kept rows (`df`: the rows read, with their times) that
/// can be among the first N of the read `wanted` is of: the part's own first N by time, then
/// place, and none later than its bound (see [`super::later_than::LaterThan`]). How many kept rows
/// it left out.
fn only_the_first(
    df: &DataFrame,
    keep: &mut [bool],
    wanted: &super::later_than::LaterThan,
) -> Result<u64, String> {
    let times = timestamps_ms(df).map_err(|e| e.to_string())?;
    let bound = wanted.bound();
    let mut left_out = 0u64;
    let mut candidates: Vec<(i64, usize)> = Vec::new();
    for (i, (k, t)) in keep.iter_mut().zip(&times).enumerate() {
        if !*k {
            continue;
        }
        if *t > bound {
            *k = false;
            left_out += 1;
        } else {
            candidates.push((*t, i));
        }
    }
    let n = wanted.first();
    if candidates.len() > n {
        // (Time, place) pairs are distinct: those after the N-th are all later.
        let later = match n.checked_sub(1) {
            Some(nth) => {
                candidates.select_nth_unstable(nth);
                &candidates[n..]
            }
            None => &candidates[..],
        };
        for (_, i) in later {
            keep[*i] = false;
        }
        left_out += later.len() as u64;
    }
    Ok(left_out)
}

/// The rows of a part file to read (offset, count), when not all: one source's rows of a file
/// holding others' too, or, for a time range, from the first source's rows that may hold a
/// row in it to the last (the manifest has each source's first and last time; the rows between
/// are still tested).
fn rows_to_read(part: &StorePart, filter: &RowFilter) -> Option<(usize, usize)> {
    if !part.shared && !filter.has_time_range() {
        return None;
    }
    let ranges: Vec<&PartRange> = part
        .ranges
        .iter()
        .filter(|r| filter.may_hold(r.first_ms, r.last_ms))
        .collect();
    let from = ranges.iter().map(|r| r.offset).min().unwrap_or(0);
    let to = ranges
        .iter()
        .map(|r| r.offset.saturating_add(r.rows))
        .max()
        .unwrap_or(0);
    // (Clamped so that the reader's offset + length cannot overflow, whatever the manifest
    // says.)
    let clamp = |n: u64| n.min(u64::from(u32::MAX)) as usize;
    Some((clamp(from), clamp(to.saturating_sub(from))))
}

/// The first kept row and the one after the last; `None` when no row is kept.
fn span(keep: &[bool]) -> Option<(usize, usize)> {
    let lo = keep.iter().position(|k| *k)?;
    let hi = keep.iter().rposition(|k| *k).map_or(lo, |i| i + 1);
    Some((lo, hi))
}

/// Whether a condition on `field` is tested in the first stage: a column of a few bytes a
/// row (time, a category, a number), cheap to read for every row of a part.
fn cheap_to_test(field: Field) -> bool {
    matches!(
        field.kind(),
        FieldKind::Timestamp | FieldKind::Category | FieldKind::Integer | FieldKind::LineNumber
    )
}

/// The columns `filter` tests (Timestamp for its time bounds), in order, less those in `read`.
fn tested_fields(filter: &RowFilter, read: &[Field]) -> Vec<Field> {
    let mut fields: Vec<Field> = Vec::new();
    if filter.has_time_range() {
        fields.push(Field::Timestamp);
    }
    for c in &filter.conditions {
        if !fields.contains(&c.field) {
            fields.push(c.field);
        }
    }
    fields.retain(|f| !read.contains(f));
    fields
}

/// The times of a frame's rows when it has them; `None` (the manifest's times) when not.
fn kept_times(df: &DataFrame) -> Result<Option<Vec<i64>>, String> {
    if df.column(Field::Timestamp.name()).is_err() {
        return Ok(None);
    }
    timestamps_ms(df).map(Some).map_err(|e| e.to_string())
}

/// Where the kept rows of a part are in the part file, in order.
enum Kept<'a> {
    /// Every row read: `n` rows from row `base`.
    From(u64, u64),
    /// These rows.
    At(&'a [u64]),
}

impl Kept<'_> {
    /// How many kept rows lie before row `row` of the part file.
    fn before(&self, row: u64) -> usize {
        match self {
            Kept::From(base, n) => row.saturating_sub(*base).min(*n) as usize,
            Kept::At(positions) => positions.partition_point(|p| *p < row),
        }
    }
}

/// Which of `height` rows read from row `base` of a part file a source lists; `None` when
/// every one is.
fn listed_rows(ranges: &[PartRange], base: u64, height: usize) -> Option<Vec<bool>> {
    let end = base + height as u64;
    let covered: u64 = ranges
        .iter()
        .map(|r| r.offset.max(base).min(end)..r.offset.saturating_add(r.rows).max(base).min(end))
        .map(|r| r.end - r.start)
        .sum();
    if covered == height as u64 {
        return None;
    }
    let mut listed = vec![false; height];
    for r in ranges {
        let from = r.offset.max(base).min(end) - base;
        let to = r.offset.saturating_add(r.rows).max(base).min(end) - base;
        listed[from as usize..to as usize].fill(true);
    }
    Some(listed)
}

/// The part's frame with the columns asked for, in order (the derived ones made from the
/// `read` ones), and a report per source listed in it. `kept` says where the kept rows are in
/// the part file; `times` are the kept rows' times, or `None` when every listed row is kept
/// and not timed (the manifest has their times).
fn finish(
    file: &LogFile,
    part: &StorePart,
    size: u64,
    columns: FieldSet,
    read: DataFrame,
    kept: Kept<'_>,
    times: Option<Vec<i64>>,
) -> Result<(Vec<FileReport>, DataFrame), String> {
    let with_derived = derived(read, columns).map_err(|e| e.to_string())?;
    let order: Vec<PlSmallStr> = columns
        .columns()
        .iter()
        .map(|f| PlSmallStr::from_static(f.name()))
        .collect();
    let frame = with_derived.select(order).map_err(|e| e.to_string())?;
    let mut reports = Vec::with_capacity(part.ranges.len());
    for (i, r) in part.ranges.iter().enumerate() {
        // The kept rows of this source: they are in order, as ranges are.
        let from = kept.before(r.offset);
        let to = kept.before(r.offset.saturating_add(r.rows));
        let (first_ms, last_ms) = match &times {
            Some(times) => {
                let mine = times.get(from..to).unwrap_or_default();
                (mine.iter().min().copied(), mine.iter().max().copied())
            }
            None if to > from => (Some(r.first_ms), Some(r.last_ms)),
            None => (None, None),
        };
        reports.push(FileReport {
            // The rows' source: reports over a store name the logs, as over the logs.
            path: r.source.clone(),
            prefix: r.source_name.or(file.name).map(|n| n.prefix),
            server: r.server.clone(),
            server_source: ServerSource::Rows,
            headers: HeaderInfo::default(),
            // The file's bytes were read once: counted with its first source.
            bytes: if i == 0 { size } else { 0 },
            lines: r.rows,
            rows: (to - from) as u64,
            bad_lines: 0,
            warned_lines: 0,
            held_back: false,
            refused: None,
            first_ms,
            last_ms,
        });
    }
    Ok((reports, frame))
}

/// Whether a caller wanting only some rows (keyed by `key`) spares the reading of `field` for
/// the others: text and lists, but not the key, nor the server (what the caller leaves out
/// by).
fn spared(field: Field, key: Field) -> bool {
    field != key
        && field != Field::Server
        && matches!(
            field.kind(),
            FieldKind::Text | FieldKind::TextList | FieldKind::KeyValueList
        )
        && !field.is_derived()
}

/// The rows of `keep` (flags over a span) as a frame read by `read` for the rows `wanted`
/// (a subset of `keep`) only, spread back to one row per kept row with nulls where not
/// wanted. `None` when no row is wanted (nothing read).
fn spread_wanted(
    keep: &[bool],
    wanted: &[bool],
    read: impl FnOnce(&[bool]) -> Result<DataFrame, String>,
) -> Result<Option<DataFrame>, String> {
    if !wanted.iter().any(|w| *w) {
        return Ok(None);
    }
    let some = read(wanted)?;
    let places: Vec<bool> = keep
        .iter()
        .zip(wanted)
        .filter(|(k, _)| **k)
        .map(|(_, w)| *w)
        .collect();
    crate::frame::spread(&some, &places)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// `height` rows of nulls in `fields`, typed as the reader types them (no rows: an empty
/// frame of those columns).
fn nulls(fields: &[Field], height: usize) -> PolarsResult<DataFrame> {
    let columns = fields
        .iter()
        .map(|f| Column::full_null(PlSmallStr::from_static(f.name()), height, &dtype(*f)))
        .collect();
    DataFrame::new(height, columns)
}

/// The stored columns cast to the reader's types (categoricals, list and struct types).
fn typed(df: DataFrame, fields: &[Field]) -> PolarsResult<DataFrame> {
    let mut columns = Vec::with_capacity(fields.len());
    for f in fields {
        let c = df.column(f.name())?;
        let want = dtype(*f);
        columns.push(if c.dtype() == &want {
            c.clone()
        } else if let (DataType::String, DataType::Categorical(_, mapping)) = (c.dtype(), &want) {
            categories(c.as_materialized_series().str()?, mapping, &want)?.into_column()
        } else {
            c.cast(&want)?
        });
    }
    DataFrame::new(df.height(), columns)
}

/// A text column as the categorical `want`: each distinct string view is looked up in the
/// category map once (a dictionary-encoded column's rows share their views), where a cast
/// looks up every row.
fn categories(
    text: &StringChunked,
    mapping: &std::sync::Arc<CategoricalMapping>,
    want: &DataType,
) -> PolarsResult<Series> {
    let mut codes: Vec<Option<u32>> = Vec::with_capacity(text.len());
    for array in text.downcast_iter() {
        // A view names its bytes by buffer index: equal views are equal strings within one
        // array only.
        let mut seen = crate::frame::access::ViewMemo::new();
        for (i, view) in array.views().iter().enumerate() {
            if !array.is_valid(i) {
                codes.push(None);
                continue;
            }
            let code = seen.get_or_try_insert_with(view.as_u128(), || {
                // SAFETY: `i` is below the array's length (it indexes its views).
                mapping.insert_cat(unsafe { array.value_unchecked(i) })
            })?;
            codes.push(Some(code));
        }
    }
    let codes = UInt32Chunked::from_iter_options(text.name().clone(), codes.into_iter());
    // SAFETY: every code came from `mapping`, the map of `want`.
    let cats = unsafe { Categorical32Chunked::from_cats_and_dtype_unchecked(codes, want.clone()) };
    Ok(cats.into_series())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_becomes_the_same_categories_a_cast_gives_across_arrays() {
        // Two arrays whose long strings sit at the same places of their own buffers: equal
        // views, different strings.
        let name = PlSmallStr::from_static(Field::EventId.name());
        let mut text = StringChunked::from_iter_options(
            name.clone(),
            [Some("a-long-event-name-one"), None, Some("x")].into_iter(),
        );
        text.append(&StringChunked::from_iter_options(
            name,
            [Some("a-long-event-name-two"), Some("x"), None].into_iter(),
        ))
        .unwrap();
        assert_eq!(text.chunks().len(), 2);
        let want = dtype(Field::EventId);
        let DataType::Categorical(_, mapping) = &want else {
            panic!("EventId is categorical")
        };
        let ours = categories(&text, mapping, &want).unwrap();
        let cast = text.clone().into_series().cast(&want).unwrap();
        assert_eq!(ours.dtype(), cast.dtype());
        let texts = |s: &Series| -> Vec<Option<String>> {
            s.cast(&DataType::String)
                .unwrap()
                .str()
                .unwrap()
                .iter()
                .map(|v| v.map(str::to_string))
                .collect()
        };
        assert_eq!(texts(&ours), texts(&cast));
        assert_eq!(
            texts(&ours),
            [
                Some("a-long-event-name-one".to_string()),
                None,
                Some("x".into()),
                Some("a-long-event-name-two".into()),
                Some("x".into()),
                None
            ]
        );
    }
}
