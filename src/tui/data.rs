//! The logs behind the TUI: every column of every row, sorted by time, with the per-row
//! values the screens use on every frame (time, event kind) pulled out once. Cells are
//! formatted on demand, so only what is on screen is ever turned into text.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use polars::prelude::*;

use crate::format::Zone;
use crate::format::{EventClass, EventId, Field, FieldKind};
use crate::frame::access::{StringListView, event_data, text_column, timestamps_ms};
use crate::ingest::{
    Diagnostic, LogFile, Progress, ReadError, ReadOptions, RowBudget, RowFilter, discover,
    read_files,
};

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
/// out. The second value is true when any is a guess.
pub fn rows_to_load(paths: &[PathBuf], window: &RowFilter) -> Result<(u64, bool), ReadError> {
    let options = Loading {
        window: window.clone(),
        max_rows: None,
    }
    .options();
    let (files, _) = crate::ingest::read::files_to_read(discover(paths)?, &options);
    let stored: u64 = files
        .iter()
        .filter_map(|f| f.part.as_ref())
        .flat_map(|p| &p.ranges)
        .filter(|r| options.filter.may_hold(r.first_ms, r.last_ms))
        .map(|r| r.rows)
        .sum();
    let raw: Vec<LogFile> = files.into_iter().filter(|f| f.part.is_none()).collect();
    let guessed = crate::ingest::log_bytes(&raw) / LOG_BYTES_PER_ROW;
    Ok((stored + guessed, !raw.is_empty()))
}

/// The loaded logs.
pub struct LogData {
    /// The paths.
    pub paths: Vec<PathBuf>,
    /// Every column, rows in the order the files were read.
    pub frame: DataFrame,
    /// Row indices in time order (a permutation, so the frame is never copied to sort it).
    pub order: Vec<u32>,
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
}

fn size_of(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

/// Row indices ordered by time (stable: rows of the same millisecond keep file order).
fn time_order(times: &[i64]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..times.len() as u32).collect();
    order.sort_by_key(|r| times[*r as usize]);
    order
}

/// Which rows are noise: HA events, Safety Net/shadow sources, system senders or recipients.
fn noise_rows(frame: &DataFrame) -> PolarsResult<Vec<bool>> {
    use crate::format::names::is_system_address;
    let events = text_column(frame, Field::EventId)?;
    let sources = text_column(frame, Field::Source)?;
    let senders = text_column(frame, Field::Sender)?;
    let recipients = crate::frame::access::string_lists(frame, Field::Recipients)?;
    Ok((0..frame.height())
        .map(|i| {
            let event = events.get(i).unwrap_or("");
            let source = sources.get(i).unwrap_or("");
            event.to_ascii_uppercase().starts_with("HA")
                || source.eq_ignore_ascii_case("SAFETYNET")
                || source.eq_ignore_ascii_case("SHADOW")
                || is_system_address(senders.get(i).unwrap_or(""))
                || (!recipients[i].is_empty() && recipients[i].iter().all(|r| is_system_address(r)))
        })
        .collect())
}

fn event_kinds(frame: &DataFrame) -> PolarsResult<Vec<EventClass>> {
    Ok(text_column(frame, Field::EventId)?
        .iter()
        .map(|e| EventId::parse(e.unwrap_or("")).class())
        .collect())
}

impl LogData {
    /// Reads the rows of every log file under `paths` (all columns) that `loading` asks
    /// for, reporting bytes to `progress`.
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
        let ingest = read_files(files, &options)?;
        if let (Some(budget), Some(max_rows)) = (&options.row_budget, loading.max_rows)
            && budget.exceeded()
        {
            return Err(LoadError::TooManyRows {
                max_rows,
                windowed: loading.window.has_time_range(),
            });
        }
        let frame = ingest.frame;
        let frame_error = |e: PolarsError| LoadError::Read(ReadError::Frame(e));
        let times = timestamps_ms(&frame).map_err(frame_error)?;
        Ok(LogData {
            paths: paths.to_vec(),
            order: time_order(&times),
            times,
            kinds: event_kinds(&frame).map_err(frame_error)?,
            noise: noise_rows(&frame).map_err(frame_error)?,
            frame,
            diagnostics: ingest.diagnostics,
            window: options.filter,
            sizes,
        })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.frame.height()
    }

    /// True when no row was read.
    pub fn is_empty(&self) -> bool {
        self.frame.height() == 0
    }

    /// Follow mode: re-reads the files that grew (or appeared) since the last read and
    /// replaces their rows. Returns how many rows were added.
    pub fn refresh(&mut self) -> Result<usize, ReadError> {
        let mut changed = Vec::new();
        for file in discover(&self.paths)? {
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
        let names: Vec<String> = changed
            .iter()
            .map(|f| f.path.display().to_string())
            .collect();
        let window = ReadOptions {
            filter: self.window.clone(),
            ..ReadOptions::default()
        };
        let ingest = read_files(changed, &window)?;
        let keep: BooleanChunked = text_column(&self.frame, Field::File)?
            .iter()
            .map(|f| Some(!names.iter().any(|n| Some(n.as_str()) == f)))
            .collect();
        let mut frame = self.frame.filter(&keep)?;
        frame.vstack_mut(&ingest.frame)?;
        self.frame = frame;
        self.times = timestamps_ms(&self.frame)?;
        self.order = time_order(&self.times);
        self.kinds = event_kinds(&self.frame)?;
        self.noise = noise_rows(&self.frame)?;
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
        match column.kind() {
            FieldKind::TextList => self.list(row, column).join(";"),
            FieldKind::KeyValueList => self
                .event_data(row)
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(";"),
            _ => self
                .frame
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

    /// Rows where any text column (addresses, subject, ids, hosts, statuses, EventData)
    /// holds `needle`, ignoring case: the filter bar's plain-text search.
    pub fn text_search(&self, needle: &str) -> PolarsResult<Vec<bool>> {
        let needle = needle.to_lowercase();
        let mut hit = vec![false; self.len()];
        for field in Field::ALL {
            match field.kind() {
                FieldKind::Text | FieldKind::Category => {
                    let Ok(column) = text_column(&self.frame, field) else {
                        continue;
                    };
                    for (i, v) in column.iter().enumerate() {
                        if !hit[i] && v.is_some_and(|v| v.to_lowercase().contains(&needle)) {
                            hit[i] = true;
                        }
                    }
                }
                FieldKind::TextList => {
                    let lists = crate::frame::access::string_lists(&self.frame, field)?;
                    for (i, members) in lists.iter().enumerate() {
                        if !hit[i] && members.iter().any(|m| m.to_lowercase().contains(&needle)) {
                            hit[i] = true;
                        }
                    }
                }
                FieldKind::KeyValueList => {
                    let pairs = event_data(&self.frame)?;
                    for (i, pairs) in pairs.iter().enumerate() {
                        if !hit[i]
                            && pairs.iter().any(|(k, v)| {
                                k.to_lowercase().contains(&needle)
                                    || v.to_lowercase().contains(&needle)
                            })
                        {
                            hit[i] = true;
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(hit)
    }

    /// The members of a list cell (Recipients, RecipientStatus, Reference).
    pub fn list(&self, row: usize, column: Field) -> Vec<String> {
        let Ok(view) = StringListView::new(&self.frame, column) else {
            return Vec::new();
        };
        let mut members = Vec::new();
        view.fill(row, &mut members);
        members.into_iter().map(str::to_string).collect()
    }

    /// The EventData pairs of one row.
    pub fn event_data(&self, row: usize) -> Vec<(String, String)> {
        let one = self.frame.slice(row as i64, 1);
        event_data(&one)
            .ok()
            .and_then(|mut rows| rows.pop())
            .unwrap_or_default()
    }
}
