//! The logs behind the TUI: each row's time, event kind and noise flag, pulled out once, its
//! order by time, and its cells, formatted on demand so that only what is on screen is ever
//! turned into text. Raw logs are held whole (every column of every row); a store's rows
//! are not: their cells are fetched by place when shown ([`super::stored_rows`]), and the
//! filter, the search and the sort read the store again, a batch at a time.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use polars::prelude::*;

use crate::format::Zone;
use crate::format::{EventClass, Field, FieldKind, FieldSet};
use crate::frame::access::{StringListView, event_data, settle_by_category, text_column};
use crate::ingest::{
    Diagnostic, LogFile, Progress, ReadError, ReadOptions, RowBudget, RowFilter, discover,
    read_files,
};

use super::per_row::PerRow;
use super::stored_rows::{EachBatch, StoredRows};

/// What the viewer loads: the rows of a time window, up to a number of rows.
#[derive(Debug, Clone, Default)]
pub struct Loading {
    /// Only rows in this window (`--since`/`--until`, read as -Start/-End are; its other
    /// conditions are not used).
    pub window: RowFilter,
    /// The most rows the viewer holds: a load that finds more stops and fails naming it
    /// (`None`: no bound).
    pub max_rows: Option<u64>,
}

impl Loading {
    /// The read's options: the window, and the bound as a row budget.
    fn options(&self) -> ReadOptions {
        ReadOptions {
            filter: RowFilter {
                start_ms: self.window.start_ms,
                end_ms: self.window.end_ms,
                conditions: Vec::new(),
            },
            row_budget: self.max_rows.map(RowBudget::new),
            ..ReadOptions::default()
        }
    }
}

/// Why the logs could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Reading them failed.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// They hold more rows than the viewer may hold (the read stopped).
    #[error(
        "the viewer holds every row it shows, and these logs hold more than --max-rows {max_rows} rows{}; browse a part of them (--since/--until, fewer folders or servers), ask with `msgtrack query` (it reads in bounded memory), or give a larger --max-rows",
        if *windowed { " in the window --since/--until" } else { "" }
    )]
    TooManyRows {
        /// The bound.
        max_rows: u64,
        /// Whether a window was given.
        windowed: bool,
    },
}

/// Raw log bytes per row, about (generated traffic: 1,307 MB for 1.82 M rows), to guess
/// how many rows logs not yet read hold.
const LOG_BYTES_PER_ROW: u64 = 700;

/// How many rows a load of `paths` in `window` would hold, before reading any: a store's
/// manifest says (its sources' rows whose times meet the window: a source partly in it
/// counts whole), raw logs are guessed from the size of the files the window does not rule
/// out.
#[derive(Debug, Clone, Copy)]
pub struct RowsToLoad {
    /// The rows.
    pub rows: u64,
    /// Some are a guess (raw logs).
    pub guessed: bool,
    /// The rows are a store's alone: the viewer holds their places, not their cells.
    pub stored: bool,
}

/// What a load of `paths` in `window` would hold ([`RowsToLoad`]).
pub fn rows_to_load(paths: &[PathBuf], window: &RowFilter) -> Result<RowsToLoad, ReadError> {
    let options = Loading {
        window: window.clone(),
        max_rows: None,
    }
    .options();
    let found = discover(paths)?;
    let stored = !found.is_empty() && found.iter().all(|f| f.part.is_some());
    let (files, _) = crate::ingest::read::files_to_read(found, &options);
    let from_store = super::stored_rows::rows_listed(&files, &options.filter);
    let raw: Vec<LogFile> = files.into_iter().filter(|f| f.part.is_none()).collect();
    let guessed = crate::ingest::log_bytes(&raw) / LOG_BYTES_PER_ROW;
    Ok(RowsToLoad {
        rows: from_store + guessed,
        guessed: !raw.is_empty(),
        stored,
    })
}

/// The loaded logs.
pub struct LogData {
    /// The paths.
    pub paths: Vec<PathBuf>,
    /// The rows' cells, rows in the order the files were read.
    rows: Rows,
    /// How they were loaded (follow mode loads a store again the same way).
    loading: Loading,
    /// Row indices in time order (a permutation, so the frame is never copied to sort it);
    /// shared with the filter and the view while they keep every row.
    pub order: RowList,
    /// Each row's time (ms since the epoch, UTC).
    pub times: Vec<i64>,
    /// Each row's event kind.
    pub kinds: Vec<EventClass>,
    /// Rows of Exchange's own traffic: shadow redundancy and Safety Net (HA) rows, health and
    /// system mailboxes (hidden by the noise toggle).
    pub noise: Vec<bool>,
    /// Bad lines and other problems met while reading.
    pub diagnostics: Vec<Diagnostic>,
    /// The time window loaded (follow mode reads the files that grew in it too).
    pub window: RowFilter,
    /// Size of each file when it was read (to notice growth in follow mode).
    sizes: Vec<(PathBuf, u64)>,
    /// How many times follow mode changed the rows (what is kept of them, a sort's keys or a
    /// search's rows, is kept for one generation).
    generation: u64,
}

/// Where the rows' cells are.
enum Rows {
    /// Every column of every row, held.
    Held(DataFrame),
    /// A store's rows, fetched by place when shown.
    Stored(Box<StoredRows>),
}

/// The keys a column sorts the rows by, by row.
pub enum SortKeys {
    /// Numbers (times, sizes, counts; a cell of no number sorts first).
    Numbers(Vec<f64>),
    /// Each row's text's place among the column's distinct texts, lower-cased and sorted.
    Ranks(Vec<u32>),
}

fn size_of(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

/// Rows by number, shared: the time order, the filter's rows and the view's are one list
/// until one of them changes (4 bytes a row each: 7 MB of a 1.8 M-row store).
pub type RowList = Arc<Vec<u32>>;

/// Row indices ordered by time (stable: rows of the same millisecond keep file order).
fn time_order(times: &[i64]) -> RowList {
    let mut order: Vec<u32> = (0..times.len() as u32).collect();
    order.sort_by_key(|r| times[*r as usize]);
    Arc::new(order)
}

impl LogData {
    /// Reads the rows of every log file under `paths` (all columns) that `loading` asks
    /// for, reporting bytes to `progress`. A store's rows are not held: only their places.
    pub fn load(
        paths: &[PathBuf],
        loading: &Loading,
        progress: Option<Arc<dyn Progress>>,
    ) -> Result<LogData, LoadError> {
        let files = discover(paths).map_err(ReadError::from)?;
        let sizes = files
            .iter()
            .map(|f| (f.path.clone(), size_of(&f.path)))
            .collect();
        let mut options = loading.options();
        if let Some(p) = progress {
            options = options.with_progress(p);
        }
        let too_many = |max_rows: u64| LoadError::TooManyRows {
            max_rows,
            windowed: loading.window.has_time_range(),
        };
        let data = |rows: Rows, per_row: PerRow, diagnostics| LogData {
            paths: paths.to_vec(),
            rows,
            loading: loading.clone(),
            order: time_order(&per_row.times),
            times: per_row.times,
            kinds: per_row.kinds,
            noise: per_row.noise,
            diagnostics,
            window: options.filter.clone(),
            sizes,
            generation: 0,
        };
        if !files.is_empty()
            && files.iter().all(|f| f.part.is_some())
            && let Some(loaded) = StoredRows::load(files.clone(), &options)?
        {
            if let Some(max_rows) = loading.max_rows
                && loaded.per_row.times.len() as u64 > max_rows
            {
                return Err(too_many(max_rows));
            }
            return Ok(data(
                Rows::Stored(Box::new(loaded.rows)),
                loaded.per_row,
                loaded.diagnostics,
            ));
        }
        let ingest = read_files(files, &options)?;
        if let (Some(budget), Some(max_rows)) = (&options.row_budget, loading.max_rows)
            && budget.exceeded()
        {
            return Err(too_many(max_rows));
        }
        let frame = ingest.frame;
        let mut per_row = PerRow::default();
        per_row
            .extend(&frame)
            .map_err(|e| LoadError::Read(ReadError::Frame(e)))?;
        Ok(data(Rows::Held(frame), per_row, ingest.diagnostics))
    }

    /// Every column of every row when they are held (raw logs), in the read's order.
    pub fn held_frame(&self) -> Option<&DataFrame> {
        match &self.rows {
            Rows::Held(frame) => Some(frame),
            Rows::Stored(_) => None,
        }
    }

    /// How many times follow mode changed the rows: row numbers of one generation name
    /// other rows in the next.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// True when the rows are a store's, fetched when shown rather than held.
    pub fn is_stored(&self) -> bool {
        matches!(self.rows, Rows::Stored(_))
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.times.len()
    }

    /// True when no row was read.
    pub fn is_empty(&self) -> bool {
        self.times.is_empty()
    }

    /// Follow mode: re-reads the files that grew (or appeared) since the last read and
    /// replaces their rows (a store's changed parts: the store is loaded again). Returns how
    /// many rows were added.
    pub fn refresh(&mut self) -> Result<usize, LoadError> {
        let mut changed = Vec::new();
        for file in discover(&self.paths).map_err(ReadError::from)? {
            let now = size_of(&file.path);
            match self.sizes.iter_mut().find(|(p, _)| *p == file.path) {
                Some((_, before)) if *before == now => continue,
                Some((_, before)) => *before = now,
                None => self.sizes.push((file.path.clone(), now)),
            }
            changed.push(file);
        }
        if changed.is_empty() {
            return Ok(0);
        }
        let before = self.len();
        let Rows::Held(held) = &self.rows else {
            let sizes = std::mem::take(&mut self.sizes);
            let generation = self.generation + 1;
            *self = LogData::load(&self.paths, &self.loading, None)?;
            self.sizes = sizes;
            self.generation = generation;
            return Ok(self.len().saturating_sub(before));
        };
        let names: Vec<String> = changed
            .iter()
            .map(|f| f.path.display().to_string())
            .collect();
        let window = ReadOptions {
            filter: self.window.clone(),
            ..ReadOptions::default()
        };
        let ingest = read_files(changed, &window)?;
        let frame_error = |e: PolarsError| LoadError::Read(ReadError::Frame(e));
        let keep: BooleanChunked = text_column(held, Field::File)
            .map_err(frame_error)?
            .iter()
            .map(|f| Some(!names.iter().any(|n| Some(n.as_str()) == f)))
            .collect();
        let mut frame = held.filter(&keep).map_err(frame_error)?;
        frame.vstack_mut(&ingest.frame).map_err(frame_error)?;
        let mut per_row = PerRow::default();
        per_row.extend(&frame).map_err(frame_error)?;
        self.rows = Rows::Held(frame);
        self.generation += 1;
        self.order = time_order(&per_row.times);
        self.times = per_row.times;
        self.kinds = per_row.kinds;
        self.noise = per_row.noise;
        self.diagnostics.extend(ingest.diagnostics);
        Ok(self.len().saturating_sub(before))
    }

    /// The text of one cell, as the table and the export show it.
    pub fn cell(&self, row: usize, column: Field, zone: &Zone) -> String {
        if column == Field::Timestamp {
            return self
                .times
                .get(row)
                .map(|t| zone.format_ms(*t))
                .unwrap_or_default();
        }
        self.with_row(row, |frame, i| frame_cell(frame, i, column))
    }

    /// The texts of `columns` of each of `rows`, in the order given, as [`LogData::cell`]
    /// shows them: a store's rows read together by their places, only those columns.
    pub fn cells(
        &self,
        rows: &[u32],
        columns: &[Field],
        zone: &Zone,
    ) -> Result<Vec<Vec<String>>, String> {
        let Rows::Stored(stored) = &self.rows else {
            return Ok(rows
                .iter()
                .map(|r| {
                    columns
                        .iter()
                        .map(|c| self.cell(*r as usize, *c, zone))
                        .collect()
                })
                .collect());
        };
        let read = FieldSet::of(columns.iter().copied().filter(|c| *c != Field::Timestamp));
        let frame = stored.fetch_rows(rows, read)?;
        Ok(rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                columns
                    .iter()
                    .map(|c| match c {
                        // (Times are the viewer's own: not read.)
                        Field::Timestamp => self.cell(*r as usize, *c, zone),
                        _ => frame_cell(&frame, i, *c),
                    })
                    .collect()
            })
            .collect())
    }

    /// The members of a list cell (Recipients, RecipientStatus, Reference).
    pub fn list(&self, row: usize, column: Field) -> Vec<String> {
        self.with_row(row, |frame, i| frame_list(frame, i, column))
    }

    /// The EventData pairs of one row.
    pub fn event_data(&self, row: usize) -> Vec<(String, String)> {
        self.with_row(row, frame_event_data)
    }

    /// `each` of the frame holding row `row` and the row's index in it; of a row that could
    /// not be fetched, a text saying why (of a row out of range, nothing).
    fn with_row<T: From<NotRead>>(
        &self,
        row: usize,
        each: impl FnOnce(&DataFrame, usize) -> T,
    ) -> T {
        match &self.rows {
            Rows::Held(frame) if row < frame.height() => each(frame, row),
            Rows::Stored(_) if row >= self.len() => T::from(NotRead(String::new())),
            Rows::Held(_) => T::from(NotRead(String::new())),
            Rows::Stored(stored) => stored
                .with_row(row, each)
                .unwrap_or_else(|e| T::from(NotRead(e))),
        }
    }

    /// Hands `columns` (with File and Line for a store's) to `each`, a frame at a time with
    /// each of its rows' number: the whole held frame at once (`filter` not tested: a caller
    /// over held rows tests it), a store's rows read again a batch at a time, those `filter`
    /// keeps (tested by the read).
    pub(super) fn each_batch(
        &self,
        columns: FieldSet,
        filter: &RowFilter,
        each: &mut EachBatch<'_>,
    ) -> Result<(), String> {
        match &self.rows {
            Rows::Held(frame) => {
                let rows: Vec<u32> = (0..frame.height() as u32).collect();
                each(frame, &rows)
            }
            Rows::Stored(stored) => stored.each_batch(columns, filter, each),
        }
    }

    /// Rows where any text column (addresses, subject, ids, hosts, statuses, EventData)
    /// holds `needle`, ignoring case: the filter bar's plain-text search.
    pub fn text_search(&self, needle: &str) -> Result<Vec<bool>, String> {
        let needle = regex::RegexBuilder::new(&regex::escape(needle))
            .case_insensitive(true)
            .build()
            .map_err(|e| e.to_string())?;
        let mut hit = vec![false; self.len()];
        let texts: Vec<Field> = Field::ALL
            .iter()
            .copied()
            .filter(|f| {
                matches!(
                    f.kind(),
                    FieldKind::Text
                        | FieldKind::Category
                        | FieldKind::TextList
                        | FieldKind::KeyValueList
                )
            })
            .collect();
        // A few columns a read: a store's rows are read again a part at a time, and every
        // text column of a part at once held some 100 MB more.
        let passes: Vec<FieldSet> = if self.is_stored() {
            texts
                .chunks(SEARCHED_AT_ONCE)
                .map(|c| FieldSet::of(c.iter().copied()))
                .collect()
        } else {
            vec![FieldSet::of(texts)]
        };
        for columns in passes {
            self.each_batch(columns, &RowFilter::default(), &mut |frame, rows| {
                let found = text_hits(frame, &needle).map_err(|e| e.to_string())?;
                for (r, h) in rows.iter().zip(found) {
                    if h && let Some(hit) = hit.get_mut(*r as usize) {
                        *hit = true;
                    }
                }
                Ok(())
            })?;
        }
        Ok(hit)
    }

    /// Rows whose cell of one of `columns`, as the viewer shows it (times in `zone` as the
    /// detail pane shows them, [`FULL_TIME`], whose end the table shows), holds `needle`,
    /// ignoring case: the `/` search, over every row at once (a store's rows read again, not
    /// fetched a page at a time).
    pub fn rows_showing(
        &self,
        needle: &str,
        columns: &[Field],
        zone: &Zone,
    ) -> Result<Vec<bool>, String> {
        let needle = needle.to_lowercase();
        let mut hit = vec![false; self.len()];
        // (A needle of letters is in no time: the times are not written out.)
        if columns.contains(&Field::Timestamp) && may_be_in_a_time(&needle, zone) {
            let items = chrono::format::StrftimeItems::new(FULL_TIME)
                .parse()
                .map_err(|e| e.to_string())?;
            let mut text = String::new();
            for (h, t) in hit.iter_mut().zip(&self.times) {
                text.clear();
                write_time(&mut text, zone, *t, items.iter());
                text.make_ascii_lowercase();
                *h = text.contains(&needle);
            }
        }
        let rest: Vec<Field> = columns
            .iter()
            .copied()
            .filter(|c| *c != Field::Timestamp)
            .collect();
        if rest.is_empty() {
            return Ok(hit);
        }
        let set = FieldSet::of(rest.iter().copied());
        self.each_batch(set, &RowFilter::default(), &mut |frame, rows| {
            for (i, r) in rows.iter().enumerate() {
                if let Some(h) = hit.get_mut(*r as usize)
                    && !*h
                {
                    *h = rest
                        .iter()
                        .any(|c| frame_cell(frame, i, *c).to_lowercase().contains(&needle));
                }
            }
            Ok(())
        })?;
        Ok(hit)
    }

    /// The keys `column` sorts rows by: numbers (as the cell's text reads as a number) for
    /// times, whole numbers and line numbers, else the cell's text ignoring case, as its rank
    /// among the column's distinct texts (a number a row, not a text a row).
    pub fn sort_keys(&self, column: Field) -> Result<SortKeys, String> {
        if column == Field::Timestamp {
            return Ok(SortKeys::Numbers(
                self.times.iter().map(|t| *t as f64).collect(),
            ));
        }
        let numeric = matches!(column.kind(), FieldKind::Integer) || column == Field::Line;
        let mut numbers = vec![f64::NEG_INFINITY; if numeric { self.len() } else { 0 }];
        let mut distinct: HashMap<String, u32> = HashMap::new();
        let mut texts = vec![0u32; if numeric { 0 } else { self.len() }];
        self.each_batch(
            FieldSet::of([column]),
            &RowFilter::default(),
            &mut |frame, rows| {
                for (i, r) in rows.iter().enumerate() {
                    let cell = frame_cell(frame, i, column);
                    if numeric {
                        if let Some(n) = numbers.get_mut(*r as usize) {
                            *n = cell.parse::<f64>().unwrap_or(f64::NEG_INFINITY);
                        }
                    } else if let Some(t) = texts.get_mut(*r as usize) {
                        let next = distinct.len() as u32;
                        *t = *distinct.entry(cell.to_lowercase()).or_insert(next);
                    }
                }
                Ok(())
            },
        )?;
        if numeric {
            return Ok(SortKeys::Numbers(numbers));
        }
        let mut sorted: Vec<(String, u32)> = distinct.into_iter().collect();
        sorted.sort_unstable();
        let mut rank = vec![0u32; sorted.len()];
        for (place, (_, id)) in sorted.iter().enumerate() {
            rank[*id as usize] = place as u32;
        }
        drop(sorted);
        texts.iter_mut().for_each(|t| *t = rank[*t as usize]);
        Ok(SortKeys::Ranks(texts))
    }
}

/// How the detail pane and the histogram show a time (wall clock in the session's zone, to
/// the millisecond); the table's column shows its end ([`SHORT_TIME`]).
pub const FULL_TIME: &str = "%Y-%m-%d %H:%M:%S%.3f";

/// How the table's narrow Timestamp column shows a time: month, day and time.
pub const SHORT_TIME: &str = "%m-%d %H:%M:%S%.3f";

/// Wall-clock time in `zone`, in a chrono `format` (a time out of range as its number).
pub fn shown_time(zone: &Zone, ms: i64, format: &str) -> String {
    let mut text = String::new();
    write_time(
        &mut text,
        zone,
        ms,
        chrono::format::StrftimeItems::new(format),
    );
    text
}

/// [`shown_time`] written after `out`, in a format's `items` (parsed once for many times).
fn write_time<'a, I, B>(out: &mut String, zone: &Zone, ms: i64, items: I)
where
    I: Iterator<Item = B> + Clone,
    B: std::borrow::Borrow<chrono::format::Item<'a>>,
{
    use std::fmt::Write;
    let _ = match chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms) {
        Some(t) => write!(out, "{}", zone.local(t).format_with_items(items)),
        None => write!(out, "{ms}"),
    };
}

/// Whether `needle` (lower-cased) can be part of a time as [`FULL_TIME`] shows it in `zone`:
/// its digits and the characters the format writes between them, which are the same for
/// every time (and `-`, a time out of range being its number); a text with any other
/// character is in none.
fn may_be_in_a_time(needle: &str, zone: &Zone) -> bool {
    let between = shown_time(zone, 0, FULL_TIME).to_lowercase();
    needle
        .chars()
        .all(|c| c.is_ascii_digit() || c == '-' || between.contains(c))
}

/// Text columns of a store's rows searched in one read.
const SEARCHED_AT_ONCE: usize = 4;

/// A cell that could not be fetched: its text says why.
struct NotRead(String);

impl From<NotRead> for String {
    fn from(NotRead(why): NotRead) -> String {
        if why.is_empty() {
            why
        } else {
            format!("(not read: {why})")
        }
    }
}

impl From<NotRead> for Vec<String> {
    fn from(why: NotRead) -> Vec<String> {
        Some(String::from(why))
            .filter(|w| !w.is_empty())
            .into_iter()
            .collect()
    }
}

impl From<NotRead> for Vec<(String, String)> {
    fn from(why: NotRead) -> Vec<(String, String)> {
        Some(String::from(why))
            .filter(|w| !w.is_empty())
            .map(|w| (w, String::new()))
            .into_iter()
            .collect()
    }
}

/// The text of row `row`'s cell of `column` (not Timestamp: the viewer shows it in its
/// zone) in `frame`.
fn frame_cell(frame: &DataFrame, row: usize, column: Field) -> String {
    match column.kind() {
        FieldKind::TextList => frame_list(frame, row, column).join(";"),
        FieldKind::KeyValueList => frame_event_data(frame, row)
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(";"),
        _ => frame
            .column(column.name())
            .ok()
            .and_then(|c| c.get(row).ok())
            .map(|v| match v {
                AnyValue::Null => String::new(),
                AnyValue::String(s) => s.to_string(),
                AnyValue::StringOwned(s) => s.to_string(),
                AnyValue::Categorical(..) | AnyValue::CategoricalOwned(..) => {
                    v.get_str().unwrap_or_default().to_string()
                }
                other => other.to_string(),
            })
            .unwrap_or_default(),
    }
}

/// The members of row `row`'s list cell of `column` in `frame`.
fn frame_list(frame: &DataFrame, row: usize, column: Field) -> Vec<String> {
    let Ok(view) = StringListView::new(frame, column) else {
        return Vec::new();
    };
    let mut members = Vec::new();
    view.fill(row, &mut members);
    members.into_iter().map(str::to_string).collect()
}

/// The EventData pairs of row `row` of `frame`.
fn frame_event_data(frame: &DataFrame, row: usize) -> Vec<(String, String)> {
    let one = frame.slice(row as i64, 1);
    event_data(&one)
        .ok()
        .and_then(|mut rows| rows.pop())
        .unwrap_or_default()
}

/// Marks the rows of `frame` one of whose EventData keys or values `needle` matches: every
/// pair of the column tested where it is (no pair copied into a text of its own: that held
/// some 15 MB a store part).
fn pairs_hits(frame: &DataFrame, needle: &regex::Regex, hit: &mut [bool]) -> PolarsResult<()> {
    use polars_arrow::array::Array;
    let lists = frame.column(Field::EventData.name())?.list()?.rechunk();
    let Some(array) = lists.downcast_iter().next() else {
        return Ok(());
    };
    // (One chunk: the inner values are the chunk's, in the order its offsets count them.)
    let inner = lists.get_inner();
    let fields = inner.struct_()?.fields_as_series();
    let (Some(keys), Some(values)) = (fields.first(), fields.get(1)) else {
        return Ok(());
    };
    let keys = keys.cast(&DataType::String)?;
    let (keys, values) = (keys.str()?, values.str()?);
    let matches = |j: usize| {
        keys.get(j).is_some_and(|k| needle.is_match(k))
            || values.get(j).is_some_and(|v| needle.is_match(v))
    };
    for (i, h) in hit.iter_mut().enumerate().take(array.len()) {
        if !*h && !array.is_null(i) {
            let (start, end) = array.offsets().start_end(i);
            *h = (start..end).any(matches);
        }
    }
    Ok(())
}

/// Which rows of `frame` hold `needle` in a text column it has, ignoring case.
fn text_hits(frame: &DataFrame, needle: &regex::Regex) -> PolarsResult<Vec<bool>> {
    let mut hit = vec![false; frame.height()];
    for field in Field::ALL {
        if frame.column(field.name()).is_err() {
            continue;
        }
        match field.kind() {
            FieldKind::Text | FieldKind::Category
                if frame.column(field.name())?.dtype().is_categorical() =>
            {
                // Each category's text tested once, by its code (not made into text).
                settle_by_category(frame.column(field.name())?, &mut hit, true, |text| {
                    text.is_some_and(|t| needle.is_match(t))
                })?
            }
            FieldKind::Text | FieldKind::Category => {
                let Ok(column) = text_column(frame, field) else {
                    continue;
                };
                for (i, v) in column.iter().enumerate() {
                    if !hit[i] && v.is_some_and(|v| needle.is_match(v)) {
                        hit[i] = true;
                    }
                }
            }
            FieldKind::TextList => {
                let lists = StringListView::new(frame, field)?;
                let mut members = Vec::new();
                for (i, h) in hit.iter_mut().enumerate() {
                    if !*h {
                        members.clear();
                        lists.fill(i, &mut members);
                        *h = members.iter().any(|m| needle.is_match(m));
                    }
                }
            }
            FieldKind::KeyValueList => pairs_hits(frame, needle, &mut hit)?,
            _ => {}
        }
    }
    Ok(hit)
}
