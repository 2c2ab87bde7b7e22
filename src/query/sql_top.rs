//! `--sql` statements whose plan first sorts the table's rows and cuts them to their first N
//! (`SELECT * FROM logs ORDER BY TotalBytes DESC LIMIT 5`): the N rows are found while the
//! rows are read, a batch at a time, and only they reach polars' engine, which then runs the
//! statement over them. Where every column was held (1,407 MiB for a top 5 over a 1.3 GB
//! store), a batch and N rows are.
//!
//! Late, as column stores do it: a first read takes only the columns the keys and the
//! condition need, with each row's File and Line, and keeps the N rows; a second read fetches
//! the statement's other columns of those rows alone, from the files holding them. Should the
//! second read not find exactly those rows (a file given twice, a file changed between the
//! reads), the top is read again in one pass with every column the statement reads.
//!
//! Rows of equal keys keep the order they were read in, as a stable sort of every row would.

use std::collections::{HashMap, HashSet};

use polars::prelude::*;

use super::run::RunError;
use crate::format::{Field, FieldKind, FieldSet};
use crate::frame::access::text_column;
use crate::ingest::{
    Diagnostic, FieldCondition, FieldTest, FileReport, LogFile, ReadOptions, read_in_batches,
};

/// The most rows a sort's first N may keep while the rows are read; a bigger N has every
/// row spilled and sorted by the engine.
pub const TOP_ROWS_MAX: usize = 10_000;

/// A statement's sort of the table's rows cut to its first N (`ORDER BY … LIMIT N`), when
/// nothing before it but the pushed condition changes the rows: the sort's keys (row by row
/// expressions of the table's columns), its order, and N (with any OFFSET).
pub struct TopAsked {
    /// The keys, over the table's columns.
    pub by: Vec<Expr>,
    /// The sort's order (descending, nulls last) per key.
    pub options: SortMultipleOptions,
    /// How many rows the sort's cut keeps (its offset and length).
    pub keep: usize,
}

/// What the statement reads of the table besides the sort: the columns, the condition
/// pushed into its scan, and how many of its first rows (a LIMIT inside a subquery, taken
/// before the condition).
pub struct TopReading<'a> {
    /// Every column the statement reads.
    pub columns: FieldSet,
    /// The condition its rows meet.
    pub predicate: Option<&'a Expr>,
    /// The table's first rows it reads at most.
    pub first_rows: Option<usize>,
}

/// The sort's rows, in the table's order, with what the read met.
pub struct TopFound {
    /// The rows (of the statement's columns).
    pub rows: DataFrame,
    /// What was read, file by file (the first read's).
    pub files: Vec<FileReport>,
    /// Bad lines and other problems met (the first read's).
    pub diagnostics: Vec<Diagnostic>,
}

/// The rows of a batch (the next of the table's rows) that a statement reads: the table's
/// first rows while `left` lasts (a LIMIT polars pushed into the scan, which it takes before
/// the condition pushed with it), then those meeting `predicate`.
pub fn rows_read(
    frame: DataFrame,
    left: &mut Option<usize>,
    predicate: Option<&Expr>,
) -> PolarsResult<DataFrame> {
    let frame = match left {
        Some(left) => {
            let taken = frame.height().min(*left);
            *left -= taken;
            frame.slice(0, taken)
        }
        None => frame,
    };
    match predicate {
        Some(predicate) => frame.lazy().filter(predicate.clone()).collect(),
        None => Ok(frame),
    }
}

/// The column that numbers the kept rows in the table's order (no log column's name).
const ROW_PLACE: &str = "msgtrack row place";

/// The rows `asked` keeps of the table read from `files` as `reading` says.
pub fn top_rows(
    files: Vec<LogFile>,
    asked: &TopAsked,
    reading: &TopReading,
) -> Result<TopFound, RunError> {
    // What the keys and the condition read, and where each row is.
    let mut narrow: Vec<Field> = asked
        .by
        .iter()
        .chain(reading.predicate)
        .flat_map(polars_plan::utils::expr_to_leaf_column_names)
        .filter_map(|name| Field::from_name(&name))
        .collect();
    narrow.extend([Field::File, Field::Line]);
    let narrow = FieldSet::of(narrow);
    let wide = reading.columns.columns();
    if wide.iter().all(|f| narrow.contains(*f)) {
        return kept_in_one_read(files, asked, reading);
    }
    let first = kept(files.clone(), asked, reading, &narrow)?;
    if first.rows.height() == 0 {
        return Ok(TopFound {
            rows: DataFrame::empty(),
            ..first
        });
    }
    // Each kept row at a place of its own (rows of one File and Line, as when a store and
    // its own logs are given together, cannot be fetched apart).
    let places = places_of(&first.rows)?;
    let fetched = match places.len() == first.rows.height() {
        true => fetched(files.clone(), &places, &reading.columns)?,
        false => None,
    };
    match fetched {
        Some(rows) => Ok(TopFound { rows, ..first }),
        None => kept_in_one_read(files, asked, reading),
    }
}

/// The kept rows read with every column the statement reads, in one read.
fn kept_in_one_read(
    files: Vec<LogFile>,
    asked: &TopAsked,
    reading: &TopReading,
) -> Result<TopFound, RunError> {
    let found = kept(files, asked, reading, &reading.columns)?;
    let rows = found.rows.drop(ROW_PLACE)?;
    Ok(TopFound { rows, ..found })
}

/// The rows the sort keeps, read with `columns` (their places in the table in
/// [`ROW_PLACE`]), in the table's order.
fn kept(
    files: Vec<LogFile>,
    asked: &TopAsked,
    reading: &TopReading,
    columns: &FieldSet,
) -> Result<TopFound, RunError> {
    let mut options = ReadOptions::default().with_columns(columns.columns());
    let mut top = TopRows::new(asked);
    // Once N rows are kept, the parts read later leave out the row groups whose first key
    // cannot reach the Nth's (not when the table's first rows are counted: every row counts).
    let bounded = bounded_key(asked)
        .filter(|_| reading.first_rows.is_none())
        .map(|key| {
            (
                key,
                std::sync::Arc::new(crate::ingest::GroupBound::default()),
            )
        });
    options.group_bound = bounded.as_ref().map(|(_, bound)| bound.clone());
    let mut left = reading.first_rows;
    let mut files_read = Vec::new();
    let mut diagnostics = Vec::new();
    read_in_batches(files, &options, |ingest| -> Result<(), RunError> {
        top.add(rows_read(ingest.frame, &mut left, reading.predicate)?)?;
        if let Some((key, bound)) = &bounded
            && let Some(condition) = top.bound(key)?
        {
            bound.set(condition);
        }
        files_read.extend(ingest.files);
        diagnostics.extend(ingest.diagnostics);
        Ok(())
    })?;
    Ok(TopFound {
        rows: top.finish()?,
        files: files_read,
        diagnostics,
    })
}

/// A sort's first key when it is a whole-number column as it is (`ORDER BY TotalBytes DESC`),
/// which a bound on its Nth row can leave rows out by: the field, whether descending and
/// whether its nulls sort last.
struct BoundedKey {
    field: Field,
    descending: bool,
    nulls_last: bool,
}

fn bounded_key(asked: &TopAsked) -> Option<BoundedKey> {
    let Expr::Column(name) = asked.by.first()? else {
        return None;
    };
    let field = Field::from_name(name).filter(|f| f.kind() == FieldKind::Integer)?;
    let first = |flags: &[bool]| flags.first().copied().unwrap_or(false);
    Some(BoundedKey {
        field,
        descending: first(&asked.options.descending),
        nulls_last: first(&asked.options.nulls_last),
    })
}

/// Each kept row's place in the table, by its File and Line.
fn places_of(rows: &DataFrame) -> Result<HashMap<(String, u32), u64>, RunError> {
    let files = text_column(rows, Field::File)?;
    let lines = rows.column(Field::Line.name())?.u32()?.clone();
    let places = rows.column(ROW_PLACE)?.u64()?.clone();
    Ok(files
        .iter()
        .zip(lines.iter())
        .zip(places.iter())
        .filter_map(|((f, l), p)| Some(((f?.to_string(), l?), p?)))
        .collect())
}

/// The rows at `places` read with `columns` from the files holding them, in the table's
/// order; `None` unless exactly those rows, once each, were found.
fn fetched(
    files: Vec<LogFile>,
    places: &HashMap<(String, u32), u64>,
    columns: &FieldSet,
) -> Result<Option<DataFrame>, RunError> {
    let wanted: HashSet<&str> = places.keys().map(|(f, _)| f.as_str()).collect();
    let holding: Vec<LogFile> = files
        .into_iter()
        .filter(|f| match &f.part {
            Some(part) => part
                .ranges
                .iter()
                .any(|r| wanted.contains(r.source.display().to_string().as_str())),
            None => wanted.contains(f.path.display().to_string().as_str()),
        })
        .collect();
    let mut read = columns.columns();
    read.extend([Field::File, Field::Line]);
    let options = ReadOptions::default().with_columns(read);
    let mut found: Option<DataFrame> = None;
    let mut order: Vec<u64> = Vec::new();
    read_in_batches(holding, &options, |ingest| -> Result<(), RunError> {
        let frame = ingest.frame;
        let names = text_column(&frame, Field::File)?;
        let lines = frame.column(Field::Line.name())?.u32()?.clone();
        let mut keep = Vec::with_capacity(frame.height());
        for (f, l) in names.iter().zip(lines.iter()) {
            let place = f
                .zip(l)
                .and_then(|(f, l)| places.get(&(f.to_string(), l)).copied());
            keep.push(place.is_some());
            order.extend(place);
        }
        let rows = frame.filter(&crate::frame::flags::mask(&keep))?;
        match &mut found {
            Some(found) => {
                found.vstack_mut(&rows)?;
            }
            None => found = Some(rows),
        }
        Ok(())
    })?;
    let Some(found) = found else {
        return Ok(None);
    };
    let distinct: HashSet<u64> = order.iter().copied().collect();
    if order.len() != places.len() || distinct.len() != places.len() {
        return Ok(None);
    }
    let mut rows = found
        .hstack(&[Column::new(ROW_PLACE.into(), order)])?
        .lazy()
        .sort([ROW_PLACE], SortMultipleOptions::default())
        .select(
            columns
                .columns()
                .iter()
                .map(|f| col(f.name()))
                .collect::<Vec<_>>(),
        )
        .collect()?;
    rows.rechunk_mut();
    Ok(Some(rows))
}

/// The N rows a sort keeps, kept as the rows are read: each batch joined to those kept so
/// far and cut again. Rows of equal keys keep the order they were read in.
struct TopRows<'a> {
    asked: &'a TopAsked,
    rows: Option<DataFrame>,
    /// Rows read so far: the next row's place in the table.
    read: u64,
}

impl<'a> TopRows<'a> {
    fn new(asked: &'a TopAsked) -> TopRows<'a> {
        TopRows {
            asked,
            rows: None,
            read: 0,
        }
    }

    /// Adds a batch of rows (in the table's order, after those added before).
    fn add(&mut self, mut frame: DataFrame) -> Result<(), RunError> {
        let height = frame.height() as u64;
        if height == 0 {
            return Ok(());
        }
        let places: Vec<u64> = (self.read..self.read + height).collect();
        self.read += height;
        frame.with_column(Column::new(ROW_PLACE.into(), places))?;
        let joined = match self.rows.take() {
            Some(mut rows) => {
                rows.vstack_mut(&frame)?;
                rows
            }
            None => frame,
        };
        let options = self.asked.options.clone().with_maintain_order(true);
        let kept = joined
            .lazy()
            .sort_by_exprs(&self.asked.by, options)
            .slice(0, self.asked.keep as IdxSize)
            .collect()?;
        self.rows = Some(kept);
        Ok(())
    }

    /// Once the N rows are kept: the rows that can still be among them by `key`, the sort's
    /// first key. Those whose key reaches the Nth kept's (equal ones too, which later keys
    /// may put first) and, when nulls sort first, those of no value. `None` before, or when
    /// the Nth has no value (rows of none tie with it).
    fn bound(&self, key: &BoundedKey) -> Result<Option<FieldCondition>, RunError> {
        let Some(rows) = &self.rows else {
            return Ok(None);
        };
        if rows.height() < self.asked.keep || self.asked.keep == 0 {
            return Ok(None);
        }
        let nth = rows
            .column(key.field.name())?
            .cast(&DataType::Int64)?
            .i64()?
            .get(self.asked.keep - 1);
        Ok(nth.map(|value| FieldCondition {
            field: key.field,
            test: FieldTest::Beyond {
                // (Beyond leaves out its bound: one past it keeps the equal values.)
                bound: if key.descending {
                    value.saturating_sub(1)
                } else {
                    value.saturating_add(1)
                },
                above: key.descending,
                empty: !key.nulls_last,
            },
        }))
    }

    /// The rows kept, in the table's order, with their places ([`ROW_PLACE`]).
    fn finish(self) -> Result<DataFrame, RunError> {
        let Some(rows) = self.rows else {
            let mut empty = DataFrame::empty();
            empty.with_column(Column::new(ROW_PLACE.into(), Vec::<u64>::new()))?;
            return Ok(empty);
        };
        let mut rows = rows
            .lazy()
            .sort([ROW_PLACE], SortMultipleOptions::default())
            .collect()?;
        rows.rechunk_mut();
        Ok(rows)
    }
}
