//! A store's rows behind the TUI without holding them: each row is known by its place (its
//! File and Line, as every stored row keeps them), and its cells are fetched by that place
//! when shown, a page of rows at a time, from the row groups holding them. The viewer then
//! holds some 40 bytes a row (time, kind, noise, place, order) where it held some 950, and
//! a few pages of whole rows.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use polars::prelude::*;

use crate::format::{Field, FieldSet};
use crate::frame::access::text_column;
use crate::ingest::{LogFile, ReadError, ReadOptions, RowFilter, read_in_batches};

/// Rows fetched at once: consecutive rows of the load, mostly of one source (a screen of
/// rows in time order touches a page per server shown).
const PAGE_ROWS: u32 = 256;

/// Bytes of logs read again at once (a filter, the search, a sort): the three batches alive
/// stay some tens of MB beside the viewer's own rows.
const BATCH_BYTES: u64 = 8 << 20;

/// Pages kept fetched (the oldest used is dropped first): some 250 bytes a row, 4 MB.
const PAGES_KEPT: usize = 64;

/// What is handed each batch of rows read again: its frame and each of its rows' number.
pub(super) type EachBatch<'a> = dyn FnMut(&DataFrame, &[u32]) -> Result<(), String> + 'a;

/// What the load of a store's rows gives besides their places.
pub(super) struct Loaded {
    /// The rows, known by their places.
    pub rows: StoredRows,
    /// Each row's time, kind and noise, in the read's order.
    pub per_row: super::per_row::PerRow,
    /// Problems met reading.
    pub diagnostics: Vec<crate::ingest::Diagnostic>,
}

/// A store's rows, by their places; cells fetched when asked for.
pub(super) struct StoredRows {
    /// The store's parts read.
    files: Vec<LogFile>,
    /// The options they were read with (the window).
    options: ReadOptions,
    /// Each source's name (the File column), by number.
    sources: Vec<String>,
    source_ids: HashMap<String, u32>,
    /// The parts listing each source's rows, by source number (indices into `files`).
    holders: Vec<Vec<usize>>,
    /// Each row's place: its source's number and its Line.
    places: Vec<(u32, u32)>,
    /// The rows by place (to find a row read again by its place).
    by_place: Vec<u32>,
    pages: RefCell<Pages>,
}

/// Fetched pages, the most recently used last.
#[derive(Default)]
struct Pages {
    kept: Vec<(u32, Arc<DataFrame>)>,
}

/// The columns the load reads of every row: the time, the kind, what the noise toggle
/// tests, and the place.
const LOADED: [Field; 7] = [
    Field::Timestamp,
    Field::EventId,
    Field::Source,
    Field::Sender,
    Field::Recipients,
    Field::File,
    Field::Line,
];

impl StoredRows {
    /// Reads the places, times, kinds and noise of the rows `options` keeps of `files` (a
    /// store's parts). `None` when two rows share a place (a file given twice): they cannot
    /// be told apart, and the caller holds the rows instead.
    pub(super) fn load(
        files: Vec<LogFile>,
        options: &ReadOptions,
    ) -> Result<Option<Loaded>, ReadError> {
        let options = ReadOptions {
            row_budget: None,
            ..options.clone()
        }
        .with_columns(LOADED);
        // Room for the rows the manifest lists is made once.
        let expected = usize::try_from(rows_listed(&files, &options.filter)).unwrap_or(0);
        let mut per_row = super::per_row::PerRow::with_capacity(expected);
        let mut diagnostics = Vec::new();
        let mut sources: Vec<String> = Vec::new();
        let mut source_ids: HashMap<String, u32> = HashMap::new();
        let mut places: Vec<(u32, u32)> = Vec::with_capacity(expected);
        let mut unplaced = false;
        read_in_batches(files.clone(), &options, |ingest| -> Result<(), ReadError> {
            let frame = ingest.frame;
            per_row.extend(&frame)?;
            let names = text_column(&frame, Field::File)?;
            let lines = line_numbers(&frame)?;
            for (name, line) in names.iter().zip(lines.iter()) {
                let (Some(name), Some(line)) = (name, line) else {
                    unplaced = true;
                    places.push((u32::MAX, 0));
                    continue;
                };
                let id = match source_ids.get(name) {
                    Some(id) => *id,
                    None => {
                        let id = sources.len() as u32;
                        sources.push(name.to_string());
                        source_ids.insert(name.to_string(), id);
                        id
                    }
                };
                places.push((id, line));
            }
            diagnostics.extend(ingest.diagnostics);
            Ok(())
        })?;
        per_row.shrink_to_fit();
        places.shrink_to_fit();
        let mut by_place: Vec<u32> = (0..places.len() as u32).collect();
        by_place.sort_unstable_by_key(|r| places[*r as usize]);
        if unplaced
            || by_place
                .windows(2)
                .any(|w| places[w[0] as usize] == places[w[1] as usize])
        {
            return Ok(None);
        }
        let mut holders = vec![Vec::new(); sources.len()];
        for (i, file) in files.iter().enumerate() {
            for range in file.part.iter().flat_map(|p| &p.ranges) {
                if let Some(id) = source_ids.get(range.source.display().to_string().as_str())
                    && !holders[*id as usize].contains(&i)
                {
                    holders[*id as usize].push(i);
                }
            }
        }
        Ok(Some(Loaded {
            rows: StoredRows {
                files,
                options,
                sources,
                source_ids,
                holders,
                places,
                by_place,
                pages: RefCell::default(),
            },
            per_row,
            diagnostics,
        }))
    }

    /// The row at a place, if loaded.
    fn row_of(&self, file: &str, line: u32) -> Option<u32> {
        self.row_at(*self.source_ids.get(file)?, line)
    }

    /// The row of source number `id` at `line`, if loaded.
    fn row_at(&self, id: u32, line: u32) -> Option<u32> {
        let at = self
            .by_place
            .binary_search_by(|r| self.places[*r as usize].cmp(&(id, line)))
            .ok()?;
        Some(self.by_place[at])
    }

    /// The page holding `row` (every column), and the row's index in it.
    pub(super) fn with_row<T>(
        &self,
        row: usize,
        each: impl FnOnce(&DataFrame, usize) -> T,
    ) -> Result<T, String> {
        let page = row as u32 / PAGE_ROWS;
        let at = row - (page * PAGE_ROWS) as usize;
        let kept = {
            let mut pages = self.pages.borrow_mut();
            match pages.kept.iter().position(|(p, _)| *p == page) {
                Some(i) => {
                    let entry = pages.kept.remove(i);
                    let frame = entry.1.clone();
                    pages.kept.push(entry);
                    Some(frame)
                }
                None => None,
            }
        };
        let frame = match kept {
            Some(frame) => frame,
            None => {
                let frame = Arc::new(self.fetch(page)?);
                let mut pages = self.pages.borrow_mut();
                if pages.kept.len() >= PAGES_KEPT {
                    pages.kept.remove(0);
                }
                pages.kept.push((page, frame.clone()));
                frame
            }
        };
        Ok(each(&frame, at))
    }

    /// The rows of page `page`, every column, in row order, read from the parts holding
    /// them by their places.
    fn fetch(&self, page: u32) -> Result<DataFrame, String> {
        let from = page * PAGE_ROWS;
        let to = (from + PAGE_ROWS).min(self.places.len() as u32);
        let rows: Vec<u32> = (from..to).collect();
        self.fetch_rows(&rows, FieldSet::all())
    }

    /// Rows `rows` (row numbers, in any order), `columns` of them (with File and Line), in
    /// the order given, read from the parts holding them by their places.
    pub(super) fn fetch_rows(&self, rows: &[u32], columns: FieldSet) -> Result<DataFrame, String> {
        let mut set = columns;
        set.insert(Field::File);
        set.insert(Field::Line);
        let mut wanted: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for r in rows {
            let (source, line) = *self.places.get(*r as usize).ok_or_else(changed)?;
            wanted.entry(source).or_default().push(line);
        }
        let mut found: Option<DataFrame> = None;
        for (source, mut lines) in wanted {
            lines.sort_unstable();
            lines.dedup();
            let name = &self.sources[source as usize];
            for holder in &self.holders[source as usize] {
                let rows = crate::ingest::read_lines(&self.files[*holder], name, &lines, set)
                    .map_err(|e| format!("{}: {e}", self.files[*holder].path.display()))?;
                match &mut found {
                    Some(f) => {
                        f.vstack_mut(&rows).map_err(|e| e.to_string())?;
                    }
                    None => found = Some(rows),
                }
            }
        }
        let found = found.unwrap_or_default();
        // Each row asked for, found once: else the store changed under the viewer.
        let names = text_column(&found, Field::File).map_err(|e| e.to_string())?;
        let lines = line_numbers(&found).map_err(|e| e.to_string())?;
        let mut found_at: HashMap<u32, IdxSize> = HashMap::with_capacity(rows.len());
        for (i, (name, line)) in names.iter().zip(lines.iter()).enumerate() {
            if let Some(row) = name.zip(line).and_then(|(n, l)| self.row_of(n, l))
                && found_at.insert(row, i as IdxSize).is_some()
            {
                return Err(changed());
            }
        }
        let at: Vec<IdxSize> = rows
            .iter()
            .map(|r| found_at.get(r).copied())
            .collect::<Option<_>>()
            .ok_or_else(changed)?;
        found
            .take(&IdxCa::from_vec("at".into(), at))
            .map_err(|e| e.to_string())
    }

    /// Reads the rows again, `columns` of them (with File and Line), a batch at a time, the
    /// rows `filter` keeps in the loaded window; hands each batch's frame to `each` with each
    /// of its rows' number.
    pub(super) fn each_batch(
        &self,
        columns: FieldSet,
        filter: &RowFilter,
        each: &mut EachBatch<'_>,
    ) -> Result<(), String> {
        let mut set = columns;
        set.insert(Field::File);
        set.insert(Field::Line);
        let window = &self.options.filter;
        let mut filter = filter.clone();
        filter.narrow_time(window.start_ms, window.end_ms);
        let options = ReadOptions {
            columns: set,
            // Small batches: the viewer's own rows stay beside them.
            batch_bytes: Some(BATCH_BYTES),
            filter,
            ..self.options.clone()
        };
        let mut next: u32 = 0;
        read_in_batches(
            self.files.clone(),
            &options,
            |ingest| -> Result<(), Unread> {
                let frame = ingest.frame;
                let unread = |e: PolarsError| Unread(e.to_string());
                let names = text_column(&frame, Field::File).map_err(unread)?;
                let lines = line_numbers(&frame).map_err(unread)?;
                // (A batch is a part: its rows are of a few sources, one after another.)
                let mut last: Option<(&str, Option<u32>)> = None;
                let mut rows = Vec::with_capacity(frame.height());
                for (name, line) in names.iter().zip(lines.iter()) {
                    let (Some(name), Some(line)) = (name, line) else {
                        return Err(Unread(changed()));
                    };
                    let id = match last {
                        Some((n, id)) if n == name => id,
                        _ => {
                            let id = self.source_ids.get(name).copied();
                            last = Some((name, id));
                            id
                        }
                    };
                    // The rows come again in the order they were loaded: the row after the
                    // last found is tried before the places are searched.
                    let row = id
                        .and_then(|id| {
                            if self.places.get(next as usize) == Some(&(id, line)) {
                                Some(next)
                            } else {
                                self.row_at(id, line)
                            }
                        })
                        .ok_or_else(|| Unread(changed()))?;
                    next = row + 1;
                    rows.push(row);
                }
                each(&frame, &rows).map_err(Unread)
            },
        )
        .map_err(|Unread(e)| e)
    }
}

/// The rows the manifest says the store parts among `files` hold in `filter`'s time window
/// (a source partly in it counts whole).
pub(super) fn rows_listed(files: &[LogFile], filter: &RowFilter) -> u64 {
    files
        .iter()
        .filter_map(|f| f.part.as_ref())
        .flat_map(|p| &p.ranges)
        .filter(|r| filter.may_hold(r.first_ms, r.last_ms))
        .map(|r| r.rows)
        .sum()
}

/// A frame's Line column as numbers.
fn line_numbers(frame: &DataFrame) -> PolarsResult<UInt32Chunked> {
    Ok(frame
        .column(Field::Line.name())?
        .cast(&DataType::UInt32)?
        .u32()?
        .clone())
}

fn changed() -> String {
    "the store changed since the viewer loaded it (re-indexed?): open it again".into()
}

/// Why rows could not be read again: the reader's error, or the store changed.
struct Unread(String);

impl From<ReadError> for Unread {
    fn from(e: ReadError) -> Unread {
        Unread(e.to_string())
    }
}
