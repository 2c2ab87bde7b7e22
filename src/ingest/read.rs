//! Reading many files in parallel into one frame.
//!
//! Files are planned in parallel (map, sniff, header scan, chunking), then every chunk of
//! every file is decoded in parallel with rayon, and the chunk frames are stacked back in
//! file and line order.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use polars::prelude::*;
use rayon::prelude::*;

use super::columns::CategoryBuilder;
use super::decode::{ChunkOutput, ChunkSpec, decode_chunk};
use super::diagnostics::{Diagnostic, DiagnosticKind, DiagnosticSink, Severity};
use super::discover::{DiscoverError, LogFile, discover};
pub use super::file_report::FileReport;
use super::later_than::LaterThan;
use super::plan::{FilePlan, HeaderInfo, ServerSource, plan_file};
use super::prefetch::Prefetcher;
use super::prefilter::RowFilter;
use crate::format::names::LogPrefix;
use crate::format::{Field, FieldSet};
use crate::frame::schema::schema_of;

/// Receives progress while files are decoded (implemented by the CLI's progress bar).
pub trait Progress: Send + Sync {
    /// Called once, with the total number of bytes to decode.
    fn start(&self, total_bytes: u64);
    /// Called as chunks finish, with the bytes they held.
    fn advance(&self, bytes: u64);
    /// Called when decoding is over.
    fn finish(&self);
}

/// What to read and how.
#[derive(Clone)]
pub struct ReadOptions {
    /// The columns to decode (others are skipped without being decoded).
    pub columns: FieldSet,
    /// Rows that fail this filter are dropped before their columns are decoded.
    pub filter: RowFilter,
    /// Target size of the pieces big files are cut into for parallel decoding.
    pub chunk_size: usize,
    /// Files at least this big have each decoded range dropped from this process's memory
    /// as soon as it is decoded (smaller files are unmapped whole when they are done, which
    /// costs fewer TLB flushes).
    pub release_pages_above: u64,
    /// Told the bytes read as the read goes.
    pub progress: Option<Arc<dyn Progress>>,
    /// The culture and zone an export's local times are in (see [`super::exports`]).
    pub export: super::exports::ExportOptions,
    /// The size of a batch of [`super::read_in_batches`] (by default set by the columns
    /// decoded, or by `MSGTRACK_BATCH_BYTES`).
    pub batch_bytes: Option<u64>,
    /// Files whose rows all come after this bound are not opened (see [`LaterThan`]).
    pub later_than: Option<Arc<LaterThan>>,
    /// Files are left out once this many rows are kept (see [`super::budget::RowBudget`]).
    pub row_budget: Option<Arc<super::budget::RowBudget>>,
    /// Rows whose other columns the caller will not look at (see [`DecodeOnly`]).
    pub decode_only: Option<super::prefilter::DecodeOnly>,
    /// Store parts read after it is set leave out the rows and row groups not beyond it (see
    /// [`super::GroupBound`]).
    pub group_bound: Option<Arc<super::GroupBound>>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            columns: FieldSet::all(),
            filter: RowFilter::default(),
            chunk_size: 4 << 20,
            release_pages_above: 64 << 20,
            progress: None,
            export: super::exports::ExportOptions::default(),
            batch_bytes: None,
            later_than: None,
            row_budget: None,
            decode_only: None,
            group_bound: None,
        }
    }
}

impl ReadOptions {
    /// Decode only `columns`.
    pub fn with_columns(mut self, columns: impl IntoIterator<Item = Field>) -> Self {
        self.columns = FieldSet::of(columns);
        self
    }

    /// Keep only rows passing `filter`.
    pub fn with_filter(mut self, filter: RowFilter) -> Self {
        self.filter = filter;
        self
    }

    /// Cut big files into pieces of about `bytes`.
    pub fn with_chunk_size(mut self, bytes: usize) -> Self {
        self.chunk_size = bytes;
        self
    }

    /// Report progress to `progress`.
    pub fn with_progress(mut self, progress: Arc<dyn Progress>) -> Self {
        self.progress = Some(progress);
        self
    }
}

/// The result of reading: one frame, a report per file, and every diagnostic.
pub struct Ingest {
    /// The rows, one column per property.
    pub frame: DataFrame,
    /// What was read, file by file.
    pub files: Vec<FileReport>,
    /// Every diagnostic kept (bad lines, refusals, notes).
    pub diagnostics: Vec<Diagnostic>,
    /// Diagnostics counted but not kept in full (beyond the per-file cap).
    pub suppressed_diagnostics: u64,
    /// Files not opened because their name's day or hour lies outside the filter's time range
    /// (by more than an hour's margin), as the cmdlet skips files by their dates.
    pub skipped_by_time: Vec<PathBuf>,
}

impl Ingest {
    /// Total bad lines over all files.
    pub fn bad_lines(&self) -> u64 {
        self.files.iter().map(|f| f.bad_lines).sum()
    }

    /// Files that were refused.
    pub fn refused(&self) -> impl Iterator<Item = &FileReport> {
        self.files.iter().filter(|f| f.refused.is_some())
    }
}

/// Why reading failed as a whole (problems with single files or lines are diagnostics).
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    /// A path given does not exist.
    Discover(#[from] DiscoverError),
    #[error("building the frame failed: {0}")]
    /// polars could not build the frame.
    Frame(#[from] PolarsError),
    #[error(
        "cannot write or read back temporary files in {dir} (a summary past --memory-limit sets messages aside there; point TMPDIR at a writable folder, or raise --memory-limit): {0}",
        dir = std::env::temp_dir().display()
    )]
    /// Writing or reading back temporary files failed (a summary beyond its memory budget
    /// sets messages aside there).
    Temporary(std::io::Error),
}

/// Finds the logs under `paths` and reads them.
pub fn read_paths(paths: &[PathBuf], options: &ReadOptions) -> Result<Ingest, ReadError> {
    let files = discover(paths)?;
    read_files(files, options)
}

/// Reads already discovered files, in the order given.
///
/// Each file is one parallel task: map it, plan it, decode its chunks (in parallel too),
/// assemble its frames and release its pages. Memory held at once is bounded by the files in
/// flight, not by the input size.
pub fn read_files(files: Vec<LogFile>, options: &ReadOptions) -> Result<Ingest, ReadError> {
    let (files, skipped_by_time) = files_to_read(files, options);
    let mut ingest = with_job(options, |job| read_all(job, files))?;
    ingest.skipped_by_time = skipped_by_time;
    Ok(ingest)
}

/// Reads files already chosen by [`files_to_read`] (of those, only the ones every row of
/// which comes after the options' `later_than` bound, which moves as a read goes on, are
/// left out here).
pub(crate) fn read_chosen(files: Vec<LogFile>, options: &ReadOptions) -> Result<Ingest, ReadError> {
    let mut files = files;
    if let Some(later) = &options.later_than {
        files.retain(|f| !later_excludes(later, f));
    }
    with_job(options, |job| read_all(job, files))
}

/// The files a read opens, and those the filter's time range leaves out by their names:
/// the others left out are those every row of which comes after the options' `later_than`
/// bound and the store parts whose key files rule the filter out.
pub(crate) fn files_to_read(
    files: Vec<LogFile>,
    options: &ReadOptions,
) -> (Vec<LogFile>, Vec<PathBuf>) {
    let (mut files, skipped_by_time) = skip_by_time(files, &options.filter);
    if let Some(later) = &options.later_than {
        files.retain(|f| !later_excludes(later, f));
    }
    (skip_parts_by_keys(files, &options.filter), skipped_by_time)
}

/// Runs `f` with the job every file of a read with `options` shares.
fn with_job<R>(options: &ReadOptions, f: impl FnOnce(&FileJob<'_>) -> R) -> R {
    let decode_columns: Vec<Field> = options
        .columns
        .columns()
        .into_iter()
        .filter(|c| c.is_raw() || c.is_derived())
        .collect();
    let filter = options.filter.compile();
    f(&FileJob {
        decode_columns: &decode_columns,
        filter: &filter,
        options,
        told: Default::default(),
    })
}

/// Reads `files`, a parallel task each.
fn read_all(job: &FileJob<'_>, files: Vec<LogFile>) -> Result<Ingest, ReadError> {
    let options = job.options;
    let lengths: Vec<u64> = files
        .iter()
        .map(|f| std::fs::metadata(&f.path).map_or(0, |m| m.len()))
        .collect();
    if let Some(progress) = &options.progress {
        // A store part stands for its sources' bytes (what its read advances by).
        progress.start(super::log_bytes(&files));
    }
    // Logs are read whole, so whole files are read ahead; a store part is read a few of its
    // columns at a time, so it is not (reading every column ahead cost more than it saved).
    let ahead: Vec<(PathBuf, u64)> = files
        .iter()
        .zip(&lengths)
        .filter(|(f, _)| f.part.is_none())
        .map(|(f, len)| (f.path.clone(), *len))
        .collect();
    let prefetcher = (ahead.len() > 1).then(|| Prefetcher::start(ahead));
    // Files are taken in order by whichever worker is free (not split in halves as a plain
    // parallel iterator would), so the read-ahead window runs just ahead of all of them.
    let mut results: Vec<(usize, PolarsResult<FileResult>)> = files
        .into_iter()
        .zip(lengths)
        .enumerate()
        .par_bridge()
        .map(|(index, (file, len))| {
            if let Some(prefetcher) = &prefetcher
                && file.part.is_none()
            {
                prefetcher.started(len);
            }
            if options.row_budget.as_ref().is_some_and(|b| b.exceeded()) {
                return (index, Ok(FileResult::LeftOut));
            }
            let result = job.run(file);
            if let (Some(budget), Ok(FileResult::Read(read))) = (&options.row_budget, &result) {
                budget.keep(read.frames.iter().map(|f| f.height() as u64).sum());
            }
            (index, result)
        })
        .collect();
    drop(prefetcher);
    results.sort_unstable_by_key(|(index, _)| *index);
    let results = results.into_iter().map(|(_, result)| result);
    if let Some(progress) = &options.progress {
        progress.finish();
    }

    let results = results.collect::<PolarsResult<Vec<FileResult>>>()?;
    Ok(ingest_of(results, options)?)
}

/// Reads one file of more than `limit` bytes in runs of about `limit` bytes, each handed to
/// `send` as a batch (see [`FileJob::read_in_runs`]); `send` returns false to stop.
pub(crate) fn read_file_in_runs(
    file: LogFile,
    options: &ReadOptions,
    limit: u64,
    send: &mut impl FnMut(Result<Ingest, ReadError>) -> bool,
) {
    let (mut files, skipped_by_time) = files_to_read(vec![file], options);
    match files.pop() {
        None => {
            send(
                ingest_of(Vec::new(), options)
                    .map_err(Into::into)
                    .map(|mut i| {
                        i.skipped_by_time = skipped_by_time;
                        i
                    }),
            );
        }
        // A store's part is read whole.
        Some(part) if part.part.is_some() => {
            send(with_job(options, |job| read_all(job, vec![part])));
        }
        Some(file) => with_job(options, |job| job.read_in_runs(file, limit, send)),
    }
}

/// A frame of no rows with the columns of a read with `options`.
fn empty_frame(options: &ReadOptions) -> DataFrame {
    DataFrame::empty_with_schema(&schema_of(&options.columns.columns()))
}

/// The files' outcomes, in order, as one [`Ingest`].
fn ingest_of(results: Vec<FileResult>, options: &ReadOptions) -> PolarsResult<Ingest> {
    let mut frames = Vec::new();
    let mut reports = Vec::with_capacity(results.len());
    let mut diagnostics = Vec::new();
    let mut suppressed = 0;
    for result in results {
        match result {
            FileResult::Refused(refusal) => {
                reports.push(refused_report(&refusal));
                diagnostics.push(refusal);
            }
            FileResult::LeftOut => {}
            FileResult::Read(file) => {
                let ReadFile {
                    reports: read_reports,
                    frames: read,
                    notes,
                    sink,
                } = *file;
                frames.extend(read);
                diagnostics.extend(notes);
                suppressed += sink.suppressed;
                diagnostics.extend(sink.into_diagnostics());
                reports.extend(read_reports);
            }
        }
    }
    let frame = stack(frames)?.unwrap_or_else(|| empty_frame(options));
    Ok(Ingest {
        frame,
        files: reports,
        diagnostics,
        suppressed_diagnostics: suppressed,
        skipped_by_time: Vec::new(),
    })
}

/// Rows logged a little after their hour still land in that hour's file; this margin keeps
/// any file that could hold a row inside the range.
const TIME_MARGIN_MS: i64 = 3_600_000;

/// Whether `file` is left out as later than `later`'s bound (and counts it). A log is left
/// out only when its name and its first row agree that it starts after the bound (a renamed
/// copy is read).
fn later_excludes(later: &LaterThan, file: &LogFile) -> bool {
    let bound = later.bound();
    let out = match &file.part {
        Some(p) => p.first_ms() > bound,
        None => {
            file.name
                .and_then(|n| n.covers_ms())
                .is_some_and(|(from, _)| from.saturating_sub(TIME_MARGIN_MS) > bound)
                && first_row_ms(&file.path).is_some_and(|t| t > bound)
        }
    };
    if out {
        later.count_skipped();
    }
    out
}

/// Splits off the files whose names say they cannot hold a row in the filter's time range.
/// Files named otherwise (or named explicitly with a non-Exchange name) are always read.
fn skip_by_time(files: Vec<LogFile>, filter: &RowFilter) -> (Vec<LogFile>, Vec<PathBuf>) {
    if !filter.has_time_range() {
        return (files, Vec::new());
    }
    let (start, end) = (
        filter.start_ms.unwrap_or(i64::MIN),
        filter.end_ms.unwrap_or(i64::MAX),
    );
    let mut skipped = Vec::new();
    let kept = files
        .into_iter()
        .filter(|f| {
            let outside = match &f.part {
                // A store's part knows its exact time range.
                Some(p) => !filter.may_hold(p.first_ms(), p.last_ms()),
                None => f
                    .name
                    .and_then(|n| n.covers_ms())
                    .is_some_and(|(from, to)| {
                        to.saturating_add(TIME_MARGIN_MS) <= start
                            || from.saturating_sub(TIME_MARGIN_MS) >= end
                    }),
            };
            if outside {
                skipped.push(f.path.clone());
            }
            !outside
        })
        .collect();
    (kept, skipped)
}

/// The time of the first row of the log at `path` (from its first 64 KiB), if it has one.
fn first_row_ms(path: &Path) -> Option<i64> {
    use std::io::Read as _;
    let mut head = Vec::with_capacity(64 << 10);
    std::fs::File::open(path)
        .ok()?
        .take(64 << 10)
        .read_to_end(&mut head)
        .ok()?;
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head);
    let line = body
        .split(|b| *b == b'\n')
        .find(|l| !l.is_empty() && l[0] != b'#' && *l != b"\r")?;
    let first_field = line.split(|b| *b == b',').next()?;
    crate::format::time::parse_timestamp_ms(first_field).ok()
}

/// Leaves out the store parts whose key filters say they hold no row the filter's
/// MessageId, Sender or Recipients conditions ask for (exact: a part holding such a row is
/// always kept; see [`crate::format::store_keys`]).
fn skip_parts_by_keys(files: Vec<LogFile>, filter: &RowFilter) -> Vec<LogFile> {
    use super::prefilter::FieldTest;
    use crate::format::store_keys::{KEYED_FIELDS, PartKeys, keys_name};
    let keyed: Vec<(Field, &[String])> = filter
        .conditions
        .iter()
        .filter(|c| KEYED_FIELDS.contains(&c.field))
        .filter_map(|c| match &c.test {
            FieldTest::EqualsAny(v) if !c.field.is_list() => Some((c.field, v.as_slice())),
            FieldTest::AnyMemberEqualsAny(v) if c.field.is_list() => Some((c.field, v.as_slice())),
            _ => None,
        })
        .collect();
    if keyed.is_empty() {
        return files;
    }
    files
        .into_iter()
        .filter(|f| {
            if f.part.is_none() {
                return true;
            }
            let (Some(dir), Some(name)) = (f.path.parent(), f.path.file_name()) else {
                return true;
            };
            let Some(keys) = std::fs::read(dir.join(keys_name(&name.to_string_lossy())))
                .ok()
                .and_then(|b| PartKeys::from_bytes(&b))
            else {
                return true;
            };
            keyed.iter().all(|(field, values)| {
                keys.get(*field)
                    .is_none_or(|k| values.iter().any(|v| k.may_contain(v)))
            })
        })
        .collect()
}

/// One file's outcome.
enum FileResult {
    Refused(Diagnostic),
    Read(Box<ReadFile>),
    /// Not read: the read's row budget was spent.
    LeftOut,
}

/// A file that was read: its report, frames and diagnostics.
struct ReadFile {
    /// One per log file read (a store's part file may hold several logs' rows).
    reports: Vec<FileReport>,
    frames: Vec<DataFrame>,
    notes: Vec<Diagnostic>,
    sink: DiagnosticSink,
}

/// What every file task shares.
struct FileJob<'a> {
    decode_columns: &'a [Field],
    filter: &'a super::prefilter::CompiledFilter,
    options: &'a ReadOptions,
    /// The store parts' sources whose bytes the progress was told (a source whose rows
    /// are in several parts counts once, as [`super::log_bytes`] counts it).
    told: std::sync::Mutex<std::collections::HashSet<PathBuf>>,
}

impl FileJob<'_> {
    fn run(&self, file: LogFile) -> PolarsResult<FileResult> {
        if let Some(part) = file.part.clone() {
            return Ok(self.run_part(file, &part));
        }
        let plan = match plan_file(file, self.options.chunk_size, &self.options.export) {
            Ok(plan) => plan,
            Err(refusal) => return Ok(FileResult::Refused(refusal)),
        };
        self.read_whole(plan)
    }

    /// Decodes a planned file's chunks all at once.
    fn read_whole(&self, plan: FilePlan) -> PolarsResult<FileResult> {
        let (outputs, _) = self.decode_run(&plan, &plan.chunks, None)?;
        let mut at = Cursor::default();
        let frames = assemble(
            &plan,
            outputs,
            self.options.columns,
            self.decode_columns,
            &mut at,
        )?;
        let report = finish_file(&plan, &mut at);
        let mut notes = plan.notes.clone();
        notes.extend(changed_note(&plan, report.rows));
        Ok(FileResult::Read(Box::new(ReadFile {
            reports: vec![report],
            frames,
            notes,
            sink: at.sink,
        })))
    }

    /// A store's Parquet part: read, filtered and typed as the log's rows would be.
    fn run_part(&self, file: LogFile, part: &super::discover::StorePart) -> FileResult {
        let result = self.read_part(file, part);
        if let Some(progress) = &self.options.progress
            && let Ok(mut told) = self.told.lock()
        {
            let bytes: u64 = part
                .ranges
                .iter()
                .filter(|r| told.insert(r.source.clone()))
                .map(|r| r.source_bytes)
                .sum();
            progress.advance(bytes);
        }
        result
    }

    /// [`Self::run_part`]'s read.
    fn read_part(&self, file: LogFile, part: &super::discover::StorePart) -> FileResult {
        let budget = self.options.row_budget.as_deref();
        // A bound found since the read began joins the filter.
        let bounded = self.options.group_bound.as_ref().and_then(|b| b.get());
        let filter = match bounded {
            Some(condition) => {
                let mut filter = self.options.filter.clone();
                filter.conditions.push(condition);
                std::borrow::Cow::Owned(filter)
            }
            None => std::borrow::Cow::Borrowed(&self.options.filter),
        };
        match super::part::read_part(
            &file,
            part,
            self.options.columns,
            &filter,
            self.options.decode_only.as_ref(),
            budget,
            self.options.later_than.as_deref(),
        ) {
            Ok(None) => FileResult::LeftOut,
            Ok(Some((reports, frame))) => FileResult::Read(Box::new(ReadFile {
                reports,
                // A part none of whose rows are kept gives no frame: a read of a big store
                // that keeps few rows holds no frame for every part it read.
                frames: if frame.height() > 0 {
                    vec![frame]
                } else {
                    Vec::new()
                },
                notes: Vec::new(),
                sink: DiagnosticSink::default(),
            })),
            Err(message) => FileResult::Refused(Diagnostic {
                file: std::sync::Arc::from(file.path.as_path()),
                line: None,
                severity: Severity::Error,
                kind: DiagnosticKind::Io,
                message,
            }),
        }
    }

    /// Decodes `chunks`, a run of the file's chunks, in parallel. `before` is the `#Fields`
    /// map in force where the run starts, as the run before it ended (`None` for a run from
    /// the file's start). A `#Fields` line in the middle of the file (a rare restart with a
    /// different layout) means the chunks after it were decoded with the wrong map; the file
    /// from the run's start to its end is then decoded again as one chunk, in order, and the
    /// `true` returned says that the rest of the file is done.
    fn decode_run(
        &self,
        plan: &FilePlan,
        chunks: &[std::ops::Range<usize>],
        before: Option<&Option<Arc<crate::format::FieldMap>>>,
    ) -> PolarsResult<(Vec<ChunkOutput>, bool)> {
        let spec = ChunkSpec {
            path: &plan.path,
            columns: self.decode_columns,
            filter: self.filter,
            // An export's rows take their line and server from the export, by line.
            want_lines: self.options.columns.contains(Field::Line)
                || (plan.rows_from.is_some() && self.options.columns.contains(Field::Server)),
        };
        let all = plan.bytes.bytes();
        let decode = |range: std::ops::Range<usize>, map| {
            let out = decode_chunk(&all[range.clone()], range.end == all.len(), map, &spec);
            if all.len() as u64 >= self.options.release_pages_above {
                plan.bytes.release(range.clone());
            }
            out
        };
        let outputs: Vec<ChunkOutput> = chunks
            .par_iter()
            .map(|range| {
                let out = decode(range.clone(), plan.map_at(range.start));
                if let Some(progress) = &self.options.progress {
                    progress.advance(range.len() as u64);
                }
                out
            })
            .collect::<PolarsResult<_>>()?;
        let (Some(first), Some(last)) = (chunks.first(), chunks.last()) else {
            return Ok((outputs, false));
        };
        let consistent = before.is_none_or(|b| maps_equal(b, &plan.map_at(first.start)))
            && outputs
                .windows(2)
                .zip(chunks.iter().skip(1))
                .all(|(pair, next)| maps_equal(&pair[0].final_map, &plan.map_at(next.start)));
        if consistent {
            return Ok((outputs, false));
        }
        let map = before.cloned().unwrap_or_else(|| plan.map_at(first.start));
        let end = plan.chunks.last().map_or(last.end, |c| c.end);
        Ok((vec![decode(first.start..end, map)?], true))
    }

    /// Reads one big file (more than `limit` bytes) in runs of its chunks of about `limit`
    /// bytes, handing each run's rows to `send` as a batch of their own: one huge file
    /// costs what a batch of small ones does. The file's report and diagnostics come with
    /// its last run. `send` returns false to stop.
    pub(crate) fn read_in_runs(
        &self,
        file: LogFile,
        limit: u64,
        send: &mut impl FnMut(Result<Ingest, ReadError>) -> bool,
    ) {
        let plan = match plan_file(file, self.options.chunk_size, &self.options.export) {
            Ok(plan) => plan,
            Err(refusal) => {
                send(
                    ingest_of(vec![FileResult::Refused(refusal)], self.options).map_err(Into::into),
                );
                return;
            }
        };
        // An export is converted whole before it is read: nothing to gain by runs.
        if plan.rows_from.is_some() {
            send(
                self.read_whole(plan)
                    .and_then(|r| ingest_of(vec![r], self.options))
                    .map_err(Into::into),
            );
            return;
        }
        let mut runs: Vec<&[std::ops::Range<usize>]> = Vec::new();
        let mut start = 0;
        let mut bytes = 0u64;
        for (i, chunk) in plan.chunks.iter().enumerate() {
            bytes += chunk.len() as u64;
            if bytes >= limit || i + 1 == plan.chunks.len() {
                runs.push(&plan.chunks[start..=i]);
                start = i + 1;
                bytes = 0;
            }
        }
        let mut at = Cursor::default();
        let mut before: Option<Option<Arc<crate::format::FieldMap>>> = None;
        let count = runs.len().max(1);
        for i in 0..count {
            let run = runs.get(i).copied().unwrap_or(&[]);
            let read = self.read_run(&plan, run, &mut before, &mut at, i == 0, i + 1 == count);
            let last = read.as_ref().map_or(true, |(_, last)| *last);
            if !send(read.map(|(batch, _)| batch).map_err(Into::into)) || last {
                return;
            }
        }
    }

    /// One run of [`Self::read_in_runs`] as a batch, and whether it ends the file (the last
    /// run, or a `#Fields` change that had the rest of the file read in order). The first run
    /// carries the file's notes, the last its report and diagnostics.
    fn read_run(
        &self,
        plan: &FilePlan,
        run: &[std::ops::Range<usize>],
        before: &mut Option<Option<Arc<crate::format::FieldMap>>>,
        at: &mut Cursor,
        first: bool,
        last_run: bool,
    ) -> PolarsResult<(Ingest, bool)> {
        let (outputs, rest_done) = self.decode_run(plan, run, before.as_ref())?;
        *before = Some(outputs.last().and_then(|o| o.final_map.clone()));
        let frames = assemble(plan, outputs, self.options.columns, self.decode_columns, at)?;
        let mut batch = Ingest {
            frame: stack(frames)?.unwrap_or_else(|| empty_frame(self.options)),
            files: Vec::new(),
            diagnostics: if first {
                plan.notes.clone()
            } else {
                Vec::new()
            },
            suppressed_diagnostics: 0,
            skipped_by_time: Vec::new(),
        };
        let last = rest_done || last_run;
        if last {
            let report = finish_file(plan, at);
            batch.diagnostics.extend(changed_note(plan, report.rows));
            let sink = std::mem::take(&mut at.sink);
            batch.suppressed_diagnostics = sink.suppressed;
            batch.diagnostics.extend(sink.into_diagnostics());
            batch.files.push(report);
        }
        Ok((batch, last))
    }
}

/// The note for a file that shrank while it was read, when it did.
fn changed_note(plan: &FilePlan, rows: u64) -> Option<Diagnostic> {
    if !plan.bytes.changed() {
        return None;
    }
    let now = std::fs::metadata(&plan.file.path).map_or(0, |m| m.len());
    Some(Diagnostic {
        file: plan.path.clone(),
        line: None,
        severity: Severity::Error,
        kind: DiagnosticKind::ChangedWhileRead,
        message: format!(
            "the file changed while it was read (it was {} bytes, it is now {now}): the {rows} rows before the change are kept; run again to read it as it is now",
            plan.bytes.bytes().len(),
        ),
    })
}

/// `frames` one under the other (`None` when there are none).
fn stack(frames: Vec<DataFrame>) -> PolarsResult<Option<DataFrame>> {
    let mut frame: Option<DataFrame> = None;
    for df in frames {
        match &mut frame {
            Some(all) => {
                all.vstack_mut_owned(df)?;
            }
            None => frame = Some(df),
        }
    }
    Ok(frame)
}

fn maps_equal(
    a: &Option<Arc<crate::format::FieldMap>>,
    b: &Option<Arc<crate::format::FieldMap>>,
) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a.positions == b.positions,
        (None, None) => true,
        _ => false,
    }
}

fn refused_report(refusal: &Diagnostic) -> FileReport {
    FileReport {
        path: refusal.file.to_path_buf(),
        prefix: None,
        server: String::new(),
        server_source: ServerSource::Folder,
        headers: HeaderInfo::default(),
        bytes: std::fs::metadata(&refusal.file).map_or(0, |m| m.len()),
        lines: 0,
        rows: 0,
        bad_lines: 0,
        warned_lines: 0,
        held_back: false,
        refused: Some(refusal.message.clone()),
        first_ms: None,
        last_ms: None,
    }
}

/// Where the assembly of one file stands: what its chunks so far held. A file read in runs
/// carries it from one run to the next.
#[derive(Default)]
struct Cursor {
    /// Physical lines before the next chunk.
    line_offset: u64,
    rows: u64,
    held_back: bool,
    first_ms: Option<i64>,
    last_ms: Option<i64>,
    /// The file's diagnostics (capped per kind over the whole file).
    sink: DiagnosticSink,
}

/// Turns chunk outputs of `plan`'s file, in order, into frames with provenance columns and
/// file line numbers, and moves `at` past them. `decoded` are the log-field columns the
/// chunks hold, in their order.
fn assemble(
    plan: &FilePlan,
    outputs: Vec<ChunkOutput>,
    columns: FieldSet,
    decoded: &[Field],
    at: &mut Cursor,
) -> PolarsResult<Vec<DataFrame>> {
    let mut frames = Vec::with_capacity(outputs.len());
    let file_name = plan.path.display().to_string();
    let order = columns.columns();

    for out in outputs {
        let line_offset = at.line_offset;
        at.rows += out.rows as u64;
        at.held_back |= out.held_back;
        at.first_ms = min_opt(at.first_ms, out.first_ms);
        at.last_ms = max_opt(at.last_ms, out.last_ms);
        let mut by_column: Vec<Option<Series>> = vec![None; Field::COUNT];
        for (column, series) in decoded.iter().zip(out.columns) {
            by_column[column.index()] = Some(series);
        }
        let offset = u32::try_from(line_offset).unwrap_or(u32::MAX);
        let export_rows: Option<Vec<usize>> = plan.rows_from.as_ref().map(|from| {
            out.line_numbers
                .iter()
                .map(|l| from.row_of(l.saturating_add(offset)).unwrap_or(usize::MAX))
                .collect()
        });
        if columns.contains(Field::Server) {
            by_column[Field::Server.index()] = Some(match (&plan.rows_from, &export_rows) {
                (Some(from), Some(rows)) => {
                    let mut builder = CategoryBuilder::new(Field::Server.name(), out.rows);
                    for r in rows {
                        builder.push(
                            from.servers
                                .get(*r)
                                .map_or(plan.server.as_str(), String::as_str),
                        );
                    }
                    builder.finish()
                }
                _ => constant_category(Field::Server, &plan.server, out.rows),
            });
        }
        if columns.contains(Field::Origin) {
            let origin = plan
                .rows_from
                .as_ref()
                .map_or(super::exports::ON_PREMISES, |f| f.origin);
            by_column[Field::Origin.index()] =
                Some(constant_category(Field::Origin, origin, out.rows));
        }
        if columns.contains(Field::File) {
            by_column[Field::File.index()] =
                Some(constant_category(Field::File, &file_name, out.rows));
        }
        if columns.contains(Field::Line) {
            let lines: Vec<u32> = match (&plan.rows_from, &export_rows) {
                (Some(from), Some(rows)) => rows
                    .iter()
                    .map(|r| from.lines.get(*r).copied().unwrap_or(0))
                    .collect(),
                _ => out
                    .line_numbers
                    .iter()
                    .map(|l| l.saturating_add(offset))
                    .collect(),
            };
            by_column[Field::Line.index()] = Some(
                UInt32Chunked::from_vec(PlSmallStr::from_static(Field::Line.name()), lines)
                    .into_series(),
            );
        }
        let series: Vec<polars::prelude::Column> = order
            .iter()
            .filter_map(|c| by_column[c.index()].take())
            .map(Into::into)
            .collect();
        frames.push(DataFrame::new(out.rows, series)?);
        at.sink.absorb(out.sink, line_offset);
        at.line_offset += out.lines;
    }
    Ok(frames)
}

/// The report of a file whose chunks are all assembled into `at` (an export's rows that
/// could not be converted are counted as its bad lines here).
fn finish_file(plan: &FilePlan, at: &mut Cursor) -> FileReport {
    if let Some(from) = &plan.rows_from {
        for (line, why) in &from.bad_rows {
            at.sink.bad_line(
                &plan.path,
                u64::from(*line),
                DiagnosticKind::Export,
                why.clone(),
            );
            at.line_offset += 1;
        }
    }
    FileReport {
        path: plan.file.path.clone(),
        prefix: plan.file.name.map(|n| n.prefix),
        server: plan.server.clone(),
        server_source: plan.server_source,
        headers: plan.headers.clone(),
        bytes: plan.bytes.bytes().len() as u64,
        lines: at.line_offset + u64::from(at.held_back),
        rows: at.rows,
        bad_lines: at.sink.bad_lines,
        warned_lines: at.sink.warned_lines,
        held_back: at.held_back,
        refused: None,
        first_ms: at.first_ms,
        last_ms: at.last_ms,
    }
}

fn constant_category(column: Field, value: &str, rows: usize) -> Series {
    let mut builder = CategoryBuilder::new(column.name(), rows);
    builder.push_repeated(value, rows);
    builder.finish()
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// A server whose logs are under the paths, and which services wrote them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerLogs {
    /// The server's name (from its rows, else its folder).
    pub name: String,
    /// The log prefixes seen (`MSGTRK`, `MSGTRKMS`, …).
    pub prefixes: Vec<LogPrefix>,
}

/// The servers whose logs are under `paths` (each file is only looked at, not decoded), in
/// the order they are first found.
pub fn servers(paths: &[PathBuf]) -> Result<Vec<ServerLogs>, ReadError> {
    let files = discover(paths)?;
    let planned: Vec<Option<(String, Option<LogPrefix>)>> = files
        .into_par_iter()
        .map(|f| {
            let prefix = f.name.map(|n| n.prefix);
            // A store's part knows its server; a log file is sniffed.
            if let Some(part) = &f.part {
                return Some((part.server().to_string(), prefix));
            }
            plan_file(f, 4 << 20, &super::exports::ExportOptions::default())
                .ok()
                .map(|p| (p.server.clone(), prefix))
        })
        .collect();
    let mut out: Vec<ServerLogs> = Vec::new();
    for (name, prefix) in planned.into_iter().flatten() {
        let entry = match out.iter_mut().find(|s| s.name.eq_ignore_ascii_case(&name)) {
            Some(e) => e,
            None => {
                out.push(ServerLogs {
                    name,
                    prefixes: Vec::new(),
                });
                out.last_mut().expect("just pushed")
            }
        };
        if let Some(p) = prefix
            && !entry.prefixes.contains(&p)
        {
            entry.prefixes.push(p);
        }
    }
    Ok(out)
}

/// Reads one file named explicitly (any name), with default options.
pub fn read_file(path: impl AsRef<Path>) -> Result<Ingest, ReadError> {
    read_paths(&[path.as_ref().to_path_buf()], &ReadOptions::default())
}
