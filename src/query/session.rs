//! Where a query runs: the clock (`--now`), the zone (`--tz`), the culture (`--culture`),
//! and the host the PowerShell engine calls for the commands only msgtrack knows
//! (Get-MessageTrackingLog, Get-TransportService) and for the files it writes.

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;

use chrono::{DateTime, Utc};

use super::cmdlet::{self, Plan};
use super::rows::{Row, RowSource};
use crate::directory::Snapshot;
use crate::format::names::LogPrefix;
use crate::format::{Field, FieldKind, FieldSet};
use crate::ingest::{
    Diagnostic, FileReport, ReadError, ReadOptions, discover, read_in_batches, servers,
};
use crate::pwsh::ast::{Command, Span};
use crate::pwsh::commands::format::{TableLayout, TextTable};
use crate::pwsh::commands::stream::{Item, Order};
use crate::pwsh::culture::Culture;
use crate::pwsh::datetime::DateTime as PsDateTime;
use crate::pwsh::eval::{EvalError, EvalResult, Host};
use crate::pwsh::runtime::{Feed, KeyShare, ParamSpec, Scope, bind, unroll};
use crate::pwsh::value::{CustomObject, Value};
use polars::prelude::{
    BooleanChunked, DataFrame, DataType, IdxCa, IdxSize, PlHashMap, PlSmallStr, PolarsError,
    PolarsResult, SortMultipleOptions, StringChunked, UInt32Chunked,
};

pub use super::settings::Session;
pub use super::time_windows::Window;

/// The cmdlet's cut at `-ResultSize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cut {
    /// Rows returned.
    pub shown: usize,
    /// Rows that matched (in the files read).
    pub total: usize,
    /// Files not opened because every row in them comes after the rows shown (their rows
    /// are not in `total`).
    pub unread: usize,
}

/// What one Get-MessageTrackingLog call read.
pub struct Read {
    /// The rows it returned.
    pub source: Rc<RowSource>,
    /// Its plan.
    pub plan: Plan,
    /// The time range its rows cover (ms), before the cut.
    pub covered: Option<(i64, i64)>,
}

#[derive(Default)]
struct State {
    reads: Vec<Read>,
    files: Vec<FileReport>,
    diagnostics: Vec<Diagnostic>,
    notes: Vec<String>,
    written: Vec<PathBuf>,
    /// Whether a text was written into a file (bytes past a byte-order mark).
    wrote_text: bool,
    /// Files left unopened by a read in a window.
    unopened: Vec<PathBuf>,
    /// Time windows to read the rows in (a read of more rows than it takes).
    windows: Option<Vec<Window>>,
    cut: Option<Cut>,
    /// The first reading problem (a folder that cannot be read).
    error: Option<String>,
    /// The layout of the table written as text, measured ([`TextTable::Measure`]).
    measured: Option<TableLayout>,
    /// While a read is made again: how many reads, file reports, diagnostics, notes and
    /// unopened files there were before it (what it adds is dropped at its end).
    repeat: Option<[usize; 5]>,
}

/// The engine's host for a query over log folders.
pub struct QueryHost<'a> {
    /// Clock, zone and culture.
    pub session: Session,
    paths: &'a [PathBuf],
    directory: Option<&'a Snapshot>,
    /// The columns decoded (the ones the line mentions, and what the output shows).
    pub columns: FieldSet,
    /// How Get-MessageTrackingLog reads when the line takes every row.
    reading: Reading,
    /// Events may reach the line's output, whole or in groups (`needed::Needs`).
    events_out: bool,
    state: RefCell<State>,
}

/// How many events a `Sort-Object <text properties> -Unique` keeps, one per key, while a
/// line over a store is first read ([`Reading::UpTo`]): a few keys (EventId, Sender) are
/// answered so in a fraction of a second; past this many (MessageId), the line is sorted
/// from sorted runs instead, in bounded memory.
pub const FIRSTS_HELD: usize = 5_000;

/// [`FIRSTS_HELD`], or `MSGTRACK_FIRSTS_HELD`.
fn firsts_held() -> usize {
    crate::settings::number("MSGTRACK_FIRSTS_HELD").unwrap_or(FIRSTS_HELD)
}

/// How a host's Get-MessageTrackingLog reads its rows when the line takes every one
/// (`-ResultSize Unlimited`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// Every row at once.
    Whole,
    /// The rows in this time window only (a run over a store a window at a time).
    Window {
        /// The window.
        window: Window,
        /// True when the text the line writes goes on from an earlier window's text in the
        /// same file (Out-File or `>` of a list, appended): the blank line that starts the
        /// text is the one that ended the text before, and is not written twice.
        continues_text: bool,
        /// How a table written as text is laid out: measured (nothing written), or in the
        /// layout of every window.
        table: TextTable,
        /// Rows the window's read may leave out, when the cmdlet's output is not cut: those
        /// that cannot come before the rows a sort's first N kept from the windows before
        /// (`query::top_rows`).
        beyond: Option<crate::ingest::FieldCondition>,
    },
    /// Every row when no more than this many match; when more do, no row: the host then
    /// holds time windows of about that many matching rows each
    /// ([`QueryHost::take_windows`]).
    UpTo(u64),
    /// No read: the cmdlet gives these rows (a run's rows already read, filtered and
    /// sorted: the rest of a line after a sort of every row, a batch at a time).
    Given {
        /// The rows.
        rows: GivenRows,
        /// As for [`Reading::Window`].
        continues_text: bool,
    },
}

/// The rows a [`Reading::Given`] gives, and the time the line's whole read covered.
#[derive(Clone)]
pub struct GivenRows {
    /// The rows, in the order given.
    pub source: Rc<RowSource>,
    /// The time range the whole read covered (ms).
    pub covered: Option<(i64, i64)>,
}

impl std::fmt::Debug for GivenRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GivenRows({} rows)", self.source.len())
    }
}

impl PartialEq for GivenRows {
    fn eq(&self, other: &GivenRows) -> bool {
        Rc::ptr_eq(&self.source, &other.source)
    }
}

impl Eq for GivenRows {}

impl<'a> QueryHost<'a> {
    /// A host reading `paths`.
    pub fn new(
        session: Session,
        paths: &'a [PathBuf],
        directory: Option<&'a Snapshot>,
        columns: FieldSet,
    ) -> QueryHost<'a> {
        QueryHost {
            session,
            paths,
            directory,
            columns,
            reading: Reading::Whole,
            events_out: true,
            state: RefCell::new(State::default()),
        }
    }

    /// The host told whether events may reach the line's output ([`super::needed::Needs`]:
    /// whole or inside groups; true when not known).
    pub fn events_reaching_output(mut self, events_out: bool) -> QueryHost<'a> {
        self.events_out = events_out;
        self
    }

    /// The host reading as `reading` says.
    pub fn reading(mut self, reading: Reading) -> QueryHost<'a> {
        self.reading = reading;
        self
    }

    /// The time windows to read a line's rows in, when a read of [`Reading::UpTo`] found
    /// more rows than it takes.
    pub fn take_windows(&self) -> Option<Vec<Window>> {
        self.state.borrow_mut().windows.take()
    }

    /// What the cmdlet calls read.
    pub fn take_reads(&self) -> Vec<Read> {
        std::mem::take(&mut self.state.borrow_mut().reads)
    }

    /// Every file report and diagnostic of the reads.
    pub fn take_reports(&self) -> (Vec<FileReport>, Vec<Diagnostic>) {
        let mut s = self.state.borrow_mut();
        (
            std::mem::take(&mut s.files),
            std::mem::take(&mut s.diagnostics),
        )
    }

    /// Notes for the user.
    pub fn take_notes(&self) -> Vec<String> {
        std::mem::take(&mut self.state.borrow_mut().notes)
    }

    /// Files the query wrote.
    pub fn written(&self) -> Vec<PathBuf> {
        self.state.borrow().written.clone()
    }

    /// Whether the query wrote text into a file (not merely created it).
    pub fn wrote_text(&self) -> bool {
        self.state.borrow().wrote_text
    }

    /// The layout of the table the line wrote as text, when it was measured.
    pub fn take_measured(&self) -> Option<TableLayout> {
        self.state.borrow_mut().measured.take()
    }

    /// The cut at -ResultSize of the last read, if any.
    pub fn cut(&self) -> Option<Cut> {
        self.state.borrow().cut
    }

    /// A reading error that stopped a read.
    pub fn error(&self) -> Option<String> {
        self.state.borrow().error.clone()
    }

    /// The cmdlet's plan for a call, and the read options that carry it out (the columns the
    /// line needs, the time and the server, filters pushed into the reader). A `-Server`
    /// naming a server whose logs were not given is an error, as the cmdlet's would be.
    fn read_plan(
        &self,
        engine: &mut dyn Scope,
        c: &Command,
        input: &[Value],
    ) -> EvalResult<(Plan, ReadOptions)> {
        let plan = cmdlet::plan(engine, &self.session, c, input, self.directory)?;
        let mut columns = self.columns;
        if !plan.servers.is_empty() {
            columns.insert(Field::Server);
            // -Server naming a server whose logs were not given would answer "nothing"
            // without a word; the cmdlet would say it cannot find the server.
            let known = servers(self.paths).map_err(|e| read_error(e, &c.span))?;
            let short = |n: &str| n.split('.').next().unwrap_or(n).to_ascii_lowercase();
            if let Some(missing) = plan
                .servers
                .iter()
                .find(|w| !known.iter().any(|k| short(&k.name) == short(w)))
            {
                let names: Vec<&str> = known.iter().map(|k| k.name.as_str()).collect();
                return Err(EvalError::new(
                    format!(
                        "no logs of a server '{missing}' were given; the logs are from {}",
                        names.join(", ")
                    ),
                    c.span.clone(),
                ));
            }
        }
        columns.insert(Field::Timestamp);
        let mut filter = plan.filter.clone();
        // Where-Object sees every row the cmdlet gives only when its output is not cut.
        if plan.result_size.is_none() {
            filter
                .conditions
                .extend(super::pushdown::where_conditions(engine.after_first()));
        }
        if let Reading::Window {
            window: (start, end),
            beyond,
            ..
        } = self.reading.clone()
        {
            if plan.result_size.is_none() {
                filter.conditions.extend(beyond);
            }
            filter.narrow_time(start, end);
        }
        let mut options = ReadOptions::default().with_filter(filter);
        options.columns = columns;
        Ok((plan, options))
    }

    /// Says which files the time range left unopened, and why (never silently). In a window
    /// they are kept for the run over every window, which names those no window opened.
    fn note_skipped(&self, skipped: &[PathBuf]) {
        let mut s = self.state.borrow_mut();
        if matches!(self.reading, Reading::Window { .. } | Reading::Given { .. }) {
            s.unopened.extend(skipped.iter().cloned());
        } else if let Some(note) = unopened_note(skipped) {
            s.notes.push(note);
        }
    }

    /// Files a read of a [`Reading::Window`] left unopened.
    pub fn take_unopened(&self) -> Vec<PathBuf> {
        std::mem::take(&mut self.state.borrow_mut().unopened)
    }

    fn message_tracking_log(
        &self,
        engine: &mut dyn Scope,
        c: &Command,
        input: Vec<Value>,
    ) -> EvalResult<Vec<Value>> {
        let (plan, options) = self.read_plan(engine, c, &input)?;
        self.state
            .borrow_mut()
            .notes
            .extend(plan.notes.iter().cloned());
        if let (Reading::Given { rows, .. }, None) = (&self.reading, plan.result_size) {
            let out = rows.source.rows();
            self.state.borrow_mut().reads.push(Read {
                source: rows.source.clone(),
                plan,
                covered: rows.covered,
            });
            return Ok(out);
        }
        let polars_err = |e: PolarsError| read_error(e, &c.span);
        let Output {
            frame,
            total,
            covered,
            unread,
        } = match plan.result_size {
            Some(limit) => self.first_rows(&plan, &options, limit, c)?,
            None => {
                // A read of [`Reading::UpTo`] stops once it keeps more rows than it takes:
                // the line is then run again a time window at a time.
                let limit = match self.reading {
                    Reading::UpTo(limit) => Some(limit),
                    _ => None,
                };
                let mut budgeted = options.clone();
                budgeted.row_budget = limit.map(crate::ingest::RowBudget::new);
                let ingest = crate::ingest::read_files(self.files_of(&plan, c)?, &budgeted)
                    .map_err(|e| read_error(e, &c.span))?;
                if let (Some(budget), Some(limit)) = (&budgeted.row_budget, limit)
                    && budget.exceeded()
                {
                    drop(ingest);
                    let windows = self.windows_of_matches(&plan, &options, limit, c)?;
                    self.state.borrow_mut().windows = Some(windows);
                    return Err(EvalError::new(
                        "more rows than one read takes: read in time windows",
                        c.span.clone(),
                    ));
                }
                self.note_skipped(&ingest.skipped_by_time);
                {
                    let mut s = self.state.borrow_mut();
                    s.files.extend(ingest.files);
                    s.diagnostics.extend(ingest.diagnostics);
                }
                let frame = sorted_by_time(keep_servers(&plan, ingest.frame).map_err(polars_err)?)
                    .map_err(polars_err)?;
                let times = crate::frame::access::timestamps_ms(&frame).map_err(polars_err)?;
                let covered = times.first().copied().zip(times.last().copied());
                let total = frame.height();
                Output {
                    frame,
                    total,
                    covered,
                    unread: 0,
                }
            }
        };
        let mut frame = frame;
        let mut cut = None;
        if let Some(limit) = plan.result_size
            && (total > limit || (unread > 0 && total >= limit))
        {
            frame = frame.head(Some(limit));
            cut = Some(Cut {
                shown: limit,
                total,
                unread,
            });
        }
        let source = RowSource::new(frame, self.session.zone).map_err(polars_err)?;
        let rows = source.rows();
        let mut s = self.state.borrow_mut();
        if cut.is_some() {
            s.cut = cut;
        }
        s.reads.push(Read {
            source,
            plan,
            covered,
        });
        Ok(rows)
    }

    /// The files a call reads: the logs and store parts under the paths, without the parts
    /// of servers its `-Server` does not name.
    fn files_of(&self, plan: &Plan, c: &Command) -> EvalResult<Vec<crate::ingest::LogFile>> {
        let files = discover(self.paths).map_err(|e| read_error(e, &c.span))?;
        Ok(of_servers(plan, files))
    }

    /// Reads a call's rows batch by batch (bounded memory): each batch's rows of the servers
    /// the call names, with their times, go to `each`, in the order a whole read gives them;
    /// file reports and diagnostics are kept and the files the time range left unopened are
    /// named, as for a whole read. The time the rows cover comes back.
    fn each_batch(
        &self,
        plan: &Plan,
        options: &ReadOptions,
        c: &Command,
        mut each: impl FnMut(DataFrame, Vec<i64>) -> EvalResult<()>,
    ) -> EvalResult<Option<(i64, i64)>> {
        let files = self.files_of(plan, c)?;
        let mut covered: Option<(i64, i64)> = None;
        let mut skipped = Vec::new();
        let result = read_in_batches(files, options, |ingest| -> Result<(), Failed> {
            let failed = |e: PolarsError| Failed::Eval(read_error(e, &c.span));
            skipped.extend(ingest.skipped_by_time);
            {
                let mut s = self.state.borrow_mut();
                s.files.extend(ingest.files);
                s.diagnostics.extend(ingest.diagnostics);
            }
            let frame = keep_servers(plan, ingest.frame).map_err(failed)?;
            let times = crate::frame::access::timestamps_ms(&frame).map_err(failed)?;
            if let (Some(lo), Some(hi)) = (times.iter().min(), times.iter().max()) {
                covered = Some(covered.map_or((*lo, *hi), |(a, b)| (a.min(*lo), b.max(*hi))));
            }
            each(frame, times).map_err(Failed::Eval)
        });
        self.note_skipped(&skipped);
        match result {
            Err(Failed::Eval(e)) => Err(e),
            Err(Failed::Read(e)) => Err(read_error(e, &c.span)),
            Ok(()) => Ok(covered),
        }
    }

    /// The cmdlet's output cut at `-ResultSize limit`, read batch by batch so that memory holds
    /// `limit` rows and a batch, not every row: the rows of each batch join those kept, and
    /// the first `limit` by time stay (a stable sort: ties keep the order they were read in,
    /// as one sort of everything would). Also how many rows matched and the time they cover.
    fn first_rows(
        &self,
        plan: &Plan,
        options: &ReadOptions,
        limit: usize,
        c: &Command,
    ) -> EvalResult<Output> {
        let polars_err = |e: PolarsError| read_error(e, &c.span);
        let mut kept: Option<DataFrame> = None;
        let mut total = 0usize;
        // Once `limit` rows are held, files whose rows all come after the last of them are
        // not opened: they cannot change the first `limit`.
        let later = crate::ingest::LaterThan::first_of(limit);
        let mut options = options.clone();
        options.later_than = Some(later.clone());
        let covered = self.each_batch(plan, &options, c, |frame, _| {
            total += frame.height();
            let joined = match kept.take() {
                Some(mut k) => {
                    k.vstack_mut(&frame).map_err(polars_err)?;
                    k
                }
                None => frame,
            };
            let first = sorted_by_time(joined)
                .map_err(polars_err)?
                .head(Some(limit));
            if first.height() == limit && limit > 0 {
                let times = crate::frame::access::timestamps_ms(&first).map_err(polars_err)?;
                if let Some(last) = times.last() {
                    later.set(*last);
                }
            }
            kept = Some(first);
            Ok(())
        })?;
        // The rows that matched in the parts read but were left out as later than the first
        // `limit` of their part (see `LaterThan::first_of`) matched all the same.
        total += usize::try_from(later.rows_left_out()).unwrap_or(usize::MAX);
        let frame = match kept {
            Some(k) => k,
            // No file held a row: the frame of a read of nothing, with the same columns.
            None => {
                crate::ingest::read_files(Vec::new(), &options)
                    .map_err(|e| read_error(e, &c.span))?
                    .frame
            }
        };
        Ok(Output {
            frame,
            total,
            covered,
            unread: later.skipped(),
        })
    }

    /// Time windows of about `rows` of a call's matching rows each, from their times (read
    /// batch by batch, with the filter's columns only).
    fn windows_of_matches(
        &self,
        plan: &Plan,
        options: &ReadOptions,
        rows: u64,
        c: &Command,
    ) -> EvalResult<Vec<Window>> {
        let (first, last) = super::time_windows::stores_cover(self.paths).unwrap_or((0, 0));
        let mut histogram = super::time_windows::Histogram::new(first, last);
        let mut options = options.clone();
        options.columns = FieldSet::empty();
        options.columns.insert(Field::Timestamp);
        if !plan.servers.is_empty() {
            options.columns.insert(Field::Server);
        }
        // (What these reads report is not kept: the line runs again, window by window.)
        self.each_batch(plan, &options, c, |_, times| {
            histogram.add(&times);
            Ok(())
        })?;
        Ok(histogram.windows(rows))
    }

    /// Get-MessageTrackingLog read batch by batch (bounded memory) for stages that fold its
    /// output: each batch's rows go to `feed` with their place in the cmdlet's output (time,
    /// then the order the files were read in: the order a whole read sorts them in). `None`
    /// with `-ResultSize` other than Unlimited (the cut needs the whole output first).
    fn stream_tracking_log(
        &self,
        engine: &mut dyn Scope,
        c: &Command,
        input: &[Value],
        keys: Option<&[String]>,
        share: Option<&KeyShare<'_>>,
        feed: &mut Feed<'_>,
    ) -> Option<EvalResult<()>> {
        // Rows whose key is outside the share of keys the groups are made of this pass are
        // left out before they become objects.
        let share = share.and_then(|s| {
            Some(crate::ingest::DecodeOnly {
                field: text_field(s.property)?,
                test: s.holds.clone(),
            })
        });
        // Rows equal in text columns are equal in those properties: one row per distinct
        // value stands for the others.
        let collapse: Option<Vec<Field>> =
            keys.and_then(|names| names.iter().map(|n| text_field(n)).collect());
        let (plan, mut options) = match self.read_plan(engine, c, input) {
            Ok(p) => p,
            Err(e) => return Some(Err(e)),
        };
        if plan.result_size.is_some() {
            return None;
        }
        // The reader need not decode the text of the rows the share leaves out (they keep
        // their places: the sequence numbers below count them).
        options.decode_only = share.clone();
        self.state
            .borrow_mut()
            .notes
            .extend(plan.notes.iter().cloned());
        let polars_err = |e: PolarsError| read_error(e, &c.span);
        let mut sequence = 0u64;
        let mut missing: Vec<Field> = Vec::new();
        let mut last_frame: Option<DataFrame> = None;
        let covered = self.each_batch(&plan, &options, c, |frame, times| {
            if last_frame.is_none() {
                last_frame = Some(frame.clear());
            }
            // The batch goes on in slices, so that what is built per row (objects, keys) stays
            // small when one file makes a large batch.
            let height = frame.height();
            let mut offset = 0;
            while offset < height {
                let len = SLICE_ROWS.min(height - offset);
                let slice = frame.slice(offset as i64, len);
                let slice_times = &times[offset..offset + len];
                let first = sequence + 1 + offset as u64;
                // The rows of the share (by their places in the slice), taken out.
                let (slice, shared) = match &share {
                    Some(share) => {
                        let (taken, at) =
                            rows_in_share(&slice, share.field, &*share.test).map_err(polars_err)?;
                        (taken, Some(at))
                    }
                    None => (slice, None),
                };
                let place = |i: usize| shared.as_ref().map_or(i, |at| at[i] as usize);
                // Sequence numbers spaced for the values one item may expand to.
                let order = |i: usize| {
                    let i = place(i);
                    (
                        slice_times[i],
                        (first + i as u64).saturating_mul(crate::pwsh::commands::stream::EXPANDED),
                    )
                };
                let rows_left = slice.height();
                // (row in `rows`, its order, how many rows it stands for)
                let (rows, batch): (DataFrame, Vec<(usize, Order, u64)>) = match &collapse {
                    Some(fields) => {
                        // Only the rows that stand for the others become objects: reading
                        // their properties then decodes a few values, not the whole slice.
                        // The rows' order is their times', then their places': when the
                        // times never go back, it is the rows' own.
                        let in_order = slice_times.windows(2).all(|w| w[0] <= w[1]);
                        let distinct =
                            distinct_rows(&slice, fields, &order, in_order).map_err(polars_err)?;
                        let at: Vec<IdxSize> =
                            distinct.iter().map(|(i, _)| *i as IdxSize).collect();
                        let at = IdxCa::from_vec(PlSmallStr::from_static("row"), at);
                        let taken = crate::frame::take_rows(&slice, &at).map_err(polars_err)?;
                        let batch = distinct
                            .into_iter()
                            .enumerate()
                            .map(|(k, (i, n))| (k, order(i), n))
                            .collect();
                        (taken, batch)
                    }
                    None => (slice, (0..rows_left).map(|i| (i, order(i), 1)).collect()),
                };
                let source = RowSource::new(rows, self.session.zone).map_err(polars_err)?;
                let batch: Vec<Item> = batch
                    .into_iter()
                    .map(|(i, at, n)| {
                        let row = Value::Object(Rc::new(Row {
                            source: source.clone(),
                            index: i,
                        }));
                        (row, at, n)
                    })
                    .collect();
                feed(engine, batch)?;
                missing.extend(source.missing.borrow().iter().copied());
                offset += len;
            }
            sequence += height as u64;
            Ok(())
        });
        let covered = match covered {
            Ok(covered) => covered,
            Err(e) => return Some(Err(e)),
        };
        // The read as a whole, for what is said about it afterwards (its plan, the time its
        // rows cover, properties asked for that were not decoded); its rows were folded.
        let empty = last_frame.unwrap_or_default();
        let source = match RowSource::new(empty, self.session.zone) {
            Ok(s) => s,
            Err(e) => return Some(Err(polars_err(e))),
        };
        source.missing.borrow_mut().extend(missing);
        self.state.borrow_mut().reads.push(Read {
            source,
            plan,
            covered,
        });
        Some(Ok(()))
    }

    /// Get-MessageTrace and Get-MessageTraceV2 over the message-trace exports given.
    fn message_trace(
        &self,
        engine: &mut dyn Scope,
        c: &Command,
        v2: bool,
    ) -> EvalResult<Vec<Value>> {
        let traced = super::message_trace::run(engine, &self.session, self.paths, c, v2)?;
        let mut s = self.state.borrow_mut();
        s.files.extend(traced.files);
        s.diagnostics.extend(traced.diagnostics);
        s.notes.extend(traced.notes);
        Ok(traced.items)
    }

    /// Get-TransportService & co.: every server whose logs were given, or those named by
    /// `-Identity` (name or FQDN, ignoring case; a name with no logs is an error).
    fn transport_services(&self, engine: &mut dyn Scope, c: &Command) -> EvalResult<Vec<Value>> {
        let params = [ParamSpec {
            name: "Identity",
            aliases: &[],
            switch: false,
        }];
        let bound = bind(c, &params)?;
        crate::pwsh::commands::no_more_positional(c, &bound, 1)?;
        let wanted: Vec<(String, Span)> =
            match (bound.get("Identity"), bound.positional.first().copied()) {
                (Some((Some(e), _)), _) | (None, Some(e)) => unroll(engine.expr(e)?)
                    .iter()
                    .map(|v| (v.to_text(), e.span.clone()))
                    .collect(),
                _ => Vec::new(),
            };
        let mut list = servers(self.paths).map_err(|e| read_error(e, &c.span))?;
        if !wanted.is_empty() {
            let short = |n: &str| n.split('.').next().unwrap_or(n).to_ascii_lowercase();
            for (name, span) in &wanted {
                if !list.iter().any(|s| short(&s.name) == short(name)) {
                    let known: Vec<&str> = list.iter().map(|s| s.name.as_str()).collect();
                    return Err(EvalError::new(
                        format!(
                            "no logs of a server '{name}' were given; the logs are from {}",
                            known.join(", ")
                        ),
                        span.clone(),
                    ));
                }
            }
            list.retain(|s| wanted.iter().any(|(n, _)| short(n) == short(&s.name)));
        }
        Ok(list
            .into_iter()
            .map(|s| {
                let mailbox = s
                    .prefixes
                    .iter()
                    .any(|p| !matches!(p, LogPrefix::Transport));
                Value::Object(Rc::new(CustomObject {
                    type_names: Rc::from([
                        "Microsoft.Exchange.Data.Directory.Management.TransportService".into(),
                    ]),
                    properties: vec![
                        ("Name".into(), Value::str(&s.name)),
                        ("Identity".into(), Value::str(&s.name)),
                        ("Fqdn".into(), Value::str(&s.name)),
                        ("IsHubTransportServer".into(), Value::Bool(mailbox)),
                        ("IsMailboxServer".into(), Value::Bool(mailbox)),
                        ("IsEdgeServer".into(), Value::Bool(!mailbox)),
                        (
                            "ServerRole".into(),
                            Value::str(if mailbox { "Mailbox" } else { "Edge" }),
                        ),
                    ],
                    ..Default::default()
                }))
            })
            .collect())
    }
}

/// Rows handed to folding stages at once (see `stream_tracking_log`): 16,384, so that the
/// objects a selection before the fold makes of them stay small (slices of 65,536 took the
/// 16 GB store's delivery-latency query to 150 MiB, these 124 MiB, in the same time).
const SLICE_ROWS: usize = 1 << 14;

/// One row for each distinct combination of the text columns `fields` (the earliest in
/// `order`), with how many rows have it. `in_order`: `order` grows with the row number (a
/// slice of one part's rows, sorted by time), so a key's first row is its earliest and no
/// order is compared.
fn distinct_rows(
    frame: &DataFrame,
    fields: &[Field],
    order: &dyn Fn(usize) -> Order,
    in_order: bool,
) -> PolarsResult<Vec<(usize, u64)>> {
    let columns = fields
        .iter()
        .map(|f| KeyColumn::of(frame, *f))
        .collect::<PolarsResult<Vec<_>>>()?;
    let mut out: Vec<(usize, u64)> = Vec::new();
    let count = |at: Option<usize>, i: usize, out: &mut Vec<(usize, u64)>| match at {
        Some(at) => {
            let (first, n) = &mut out[at];
            *n += 1;
            if !in_order && order(i) < order(*first) {
                *first = i;
            }
            None
        }
        None => {
            out.push((i, 1));
            Some(out.len() - 1)
        }
    };
    // One column (the usual Group-Object): its value is the key.
    match columns.as_slice() {
        [KeyColumn::Codes(codes)] if codes.null_count() == 0 && largest(codes) < 1 << 20 => {
            // Category codes are small numbers: a table indexed by code, not a hash map.
            let mut seen: Vec<usize> = vec![usize::MAX; largest(codes) as usize + 1];
            let mut i = 0;
            for array in codes.downcast_iter() {
                for code in array.values().iter() {
                    let slot = &mut seen[*code as usize];
                    let at = (*slot != usize::MAX).then_some(*slot);
                    if let Some(new) = count(at, i, &mut out) {
                        *slot = new;
                    }
                    i += 1;
                }
            }
            return Ok(out);
        }
        [KeyColumn::Codes(codes)] => {
            let mut seen: PlHashMap<Option<u32>, usize> = PlHashMap::default();
            for (i, code) in codes.iter().enumerate() {
                if let Some(new) = count(seen.get(&code).copied(), i, &mut out) {
                    seen.insert(code, new);
                }
            }
            return Ok(out);
        }
        [KeyColumn::Text(text)] => {
            let mut seen: PlHashMap<Option<&str>, usize> = PlHashMap::default();
            for (i, t) in text.iter().enumerate() {
                if let Some(new) = count(seen.get(&t).copied(), i, &mut out) {
                    seen.insert(t, new);
                }
            }
            return Ok(out);
        }
        _ => {}
    }
    let cells: Vec<Vec<KeyCell<'_>>> = columns.iter().map(KeyColumn::cells).collect();
    let mut seen: PlHashMap<Vec<&KeyCell<'_>>, usize> = PlHashMap::default();
    let mut key = Vec::with_capacity(cells.len());
    for i in 0..frame.height() {
        key.clear();
        key.extend(cells.iter().map(|c| &c[i]));
        if let Some(new) = count(seen.get(&key).copied(), i, &mut out) {
            seen.insert(key.clone(), new);
        }
    }
    Ok(out)
}

/// The largest code of a column (0 when it has none).
fn largest(codes: &UInt32Chunked) -> u32 {
    codes
        .downcast_iter()
        .flat_map(|a| a.values().iter().copied())
        .max()
        .unwrap_or(0)
}

/// A column's values as keys: a categorical column's codes (one code per text within a
/// column, so equal codes are equal texts, and no text is built), else its text.
enum KeyColumn {
    Codes(UInt32Chunked),
    Text(StringChunked),
}

/// One value of a [`KeyColumn`].
#[derive(Clone, PartialEq, Eq, Hash)]
enum KeyCell<'a> {
    Code(Option<u32>),
    Text(Option<&'a str>),
}

impl KeyColumn {
    fn of(frame: &DataFrame, field: Field) -> PolarsResult<KeyColumn> {
        let series = frame.column(field.name())?.as_materialized_series();
        if series.dtype().is_categorical() {
            let codes = series.to_physical_repr().cast(&DataType::UInt32)?;
            return Ok(KeyColumn::Codes(codes.u32()?.clone()));
        }
        Ok(KeyColumn::Text(crate::frame::access::text_column(
            frame, field,
        )?))
    }

    /// Every row's key, in order.
    fn cells(&self) -> Vec<KeyCell<'_>> {
        match self {
            KeyColumn::Codes(c) => c.iter().map(KeyCell::Code).collect(),
            KeyColumn::Text(t) => t.iter().map(KeyCell::Text).collect(),
        }
    }
}

/// Why a streamed read stopped.
enum Failed {
    Read(ReadError),
    Eval(EvalError),
}

impl From<ReadError> for Failed {
    fn from(e: ReadError) -> Failed {
        Failed::Read(e)
    }
}

/// What a Get-MessageTrackingLog call read: its rows in output order (cut or not yet cut),
/// how many matched, and the time they cover.
struct Output {
    frame: DataFrame,
    total: usize,
    covered: Option<(i64, i64)>,
    /// Files left unopened as holding only later rows.
    unread: usize,
}

/// A line end (`\r\n`) in the encoding `bom` starts (none: a one-byte encoding).
fn newline(bom: &[u8]) -> &'static [u8] {
    match bom {
        [0xFF, 0xFE, 0, 0] => &[b'\r', 0, 0, 0, b'\n', 0, 0, 0],
        [0xFF, 0xFE] => &[b'\r', 0, b'\n', 0],
        [0xFE, 0xFF] => &[0, b'\r', 0, b'\n'],
        _ => b"\r\n",
    }
}

/// The note naming files a time range left unopened, and why; `None` when there are none.
pub fn unopened_note(skipped: &[PathBuf]) -> Option<String> {
    if skipped.is_empty() {
        return None;
    }
    let names: Vec<String> = skipped
        .iter()
        .take(3)
        .map(|p| p.display().to_string())
        .collect();
    let more = skipped.len().saturating_sub(names.len());
    Some(format!(
        "{} file(s) not opened: their names (…yyyyMMddHH-N.LOG, the hour Exchange wrote them) lie more than an hour outside -Start/-End: {}{}",
        skipped.len(),
        names.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    ))
}

/// The rows in time order, ties in the order they were read (the cmdlet's output order).
fn sorted_by_time(frame: DataFrame) -> PolarsResult<DataFrame> {
    frame.sort(
        [Field::Timestamp.name()],
        SortMultipleOptions::default().with_maintain_order(true),
    )
}

/// `files` without the store parts holding only rows of servers `-Server` does not name
/// (their rows would all be left out by [`keep_servers`]).
fn of_servers(plan: &Plan, files: Vec<crate::ingest::LogFile>) -> Vec<crate::ingest::LogFile> {
    if plan.servers.is_empty() {
        return files;
    }
    files
        .into_iter()
        .filter(|f| {
            f.part
                .as_ref()
                .is_none_or(|p| p.ranges.iter().any(|r| plan.keeps_server(&r.server)))
        })
        .collect()
}

/// The rows of the servers `-Server` names (all rows without it).
fn keep_servers(plan: &Plan, frame: DataFrame) -> PolarsResult<DataFrame> {
    if plan.servers.is_empty() {
        return Ok(frame);
    }
    let mask: BooleanChunked = crate::frame::access::text_column(&frame, Field::Server)?
        .iter()
        .map(|s| Some(plan.keeps_server(s.unwrap_or(""))))
        .collect();
    frame.filter(&mask)
}

/// The field of a property whose values are text (a text or category column).
/// The rows of `slice` whose `field` (a text column) `holds` tells are wanted (`""` for a
/// null), taken out, with their row numbers in `slice`.
fn rows_in_share(
    slice: &DataFrame,
    field: Field,
    holds: &dyn Fn(&str) -> bool,
) -> PolarsResult<(DataFrame, Vec<IdxSize>)> {
    let column = crate::frame::access::text_column(slice, field)?;
    let at: Vec<IdxSize> = column
        .iter()
        .enumerate()
        .filter(|(_, t)| holds(t.unwrap_or("")))
        .map(|(i, _)| i as IdxSize)
        .collect();
    let taken = crate::frame::take_rows(
        slice,
        &IdxCa::from_vec(PlSmallStr::from_static("row"), at.clone()),
    )?;
    Ok((taken, at))
}

fn text_field(name: &str) -> Option<Field> {
    Field::from_name(name).filter(|f| matches!(f.kind(), FieldKind::Text | FieldKind::Category))
}

fn read_error(e: impl std::fmt::Display, span: &Span) -> EvalError {
    EvalError::new(format!("reading the logs failed: {e}"), span.clone())
}

/// Whether a path is a Windows path this machine does not have (`C:\…`, `\\server\share`).
pub fn windows_path(path: &str) -> bool {
    let b = path.as_bytes();
    (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':') || path.starts_with("\\\\")
}

impl Host for QueryHost<'_> {
    fn now(&self) -> DateTime<Utc> {
        self.session.now
    }

    fn zone(&self) -> crate::format::Zone {
        self.session.zone
    }

    fn event_form(&self) -> Option<Rc<dyn crate::pwsh::runtime::EventForm>> {
        Some(Rc::new(super::rows::EventBlocks {
            zone: self.session.zone,
        }))
    }

    fn shows_text(&self) -> bool {
        self.session.shown == super::settings::Shown::Text
    }

    fn shows_csv(&self) -> bool {
        self.session.shown == super::settings::Shown::Csv
    }

    fn events_reach_output(&self) -> bool {
        self.events_out
    }

    fn csv_raw(&self) -> bool {
        self.session.csv_raw
    }

    fn culture(&self) -> &'static Culture {
        self.session.culture
    }

    fn command(
        &self,
        engine: &mut dyn Scope,
        c: &Command,
        input: Vec<Value>,
    ) -> Option<EvalResult<Vec<Value>>> {
        let name = c.name.to_ascii_lowercase();
        Some(match name.as_str() {
            "get-messagetrackinglog" => self.message_tracking_log(engine, c, input),
            "get-messagetrace" | "get-messagetracev2" => {
                self.message_trace(engine, c, name.ends_with("v2"))
            }
            n if crate::pwsh::commands::lists_servers(n) => self.transport_services(engine, c),
            _ => return None,
        })
    }

    fn stream(
        &self,
        engine: &mut dyn Scope,
        c: &Command,
        input: &[Value],
        keys: Option<&[String]>,
        text: &[String],
        share: Option<&KeyShare<'_>>,
        feed: &mut Feed<'_>,
    ) -> Option<EvalResult<()>> {
        let text_fields = text.iter().all(|n| text_field(n).is_some());
        if c.name.eq_ignore_ascii_case("Get-MessageTrackingLog") && text_fields {
            self.stream_tracking_log(engine, c, input, keys, share, feed)
        } else {
            None
        }
    }

    fn file_start(&self, path: &str) -> Option<Vec<u8>> {
        use std::io::Read;
        if windows_path(path) {
            return None;
        }
        let file = std::fs::File::open(path.replace('\\', "/")).ok()?;
        let mut start = Vec::new();
        file.take(crate::pwsh::runtime::FILE_START as u64)
            .read_to_end(&mut start)
            .ok()?;
        Some(start)
    }

    fn write_file(
        &self,
        path: &str,
        bom: &[u8],
        body: &[u8],
        append: bool,
        span: &Span,
    ) -> EvalResult<()> {
        if windows_path(path) {
            return Err(EvalError::new(
                format!(
                    "'{path}' is a Windows path; msgtrack writes on this machine: give a path here (for example ./out.csv)"
                ),
                span.clone(),
            ));
        }
        // The measuring pass of a table written a window at a time writes nothing.
        if self.text_table() == TextTable::Measure {
            return Ok(());
        }
        let local = PathBuf::from(path.replace('\\', "/"));
        let line_end = newline(bom);
        let bom = if append && local.metadata().is_ok_and(|m| m.len() > 0) {
            &[][..]
        } else {
            bom
        };
        let body = match self.reading {
            Reading::Window {
                continues_text: true,
                ..
            }
            | Reading::Given {
                continues_text: true,
                ..
            } if append => body.strip_prefix(line_end).unwrap_or(body),
            _ => body,
        };
        let result = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .append(append)
            .truncate(!append)
            .open(&local)
            .and_then(|mut f| {
                use std::io::Write;
                f.write_all(bom)?;
                f.write_all(body)
            });
        result.map_err(|e| {
            EvalError::new(
                format!("cannot write {}: {e}", local.display()),
                span.clone(),
            )
        })?;
        let mut state = self.state.borrow_mut();
        state.written.push(local);
        state.wrote_text |= !body.is_empty();
        Ok(())
    }

    fn display_datetime(&self, t: &PsDateTime) -> String {
        match t.kind {
            crate::pwsh::datetime::Kind::Utc => t
                .wall
                .and_utc()
                .format("%Y-%m-%dT%H:%M:%S%.3fZ")
                .to_string(),
            crate::pwsh::datetime::Kind::Local => match self.session.zone.to_utc(t.wall) {
                Some(utc) => self.session.zone.format(utc),
                None => t.wall.format("%Y-%m-%dT%H:%M:%S%.3f").to_string(),
            },
            crate::pwsh::datetime::Kind::Unspecified => {
                t.wall.format("%Y-%m-%dT%H:%M:%S%.3f").to_string()
            }
        }
    }

    fn detach(&self, items: &mut [&mut Value]) {
        super::rows::detach_all(items);
    }

    fn note(&self, text: &str) {
        self.state.borrow_mut().notes.push(text.to_string());
    }

    fn firsts_held(&self) -> Option<usize> {
        // (Past this many keys, a sort of every row from sorted runs holds less.)
        matches!(self.reading, Reading::UpTo(_)).then(firsts_held)
    }

    fn stopped_downstream(&self) {
        self.state.borrow_mut().cut = None;
    }

    fn repeat_begins(&self) {
        let mut s = self.state.borrow_mut();
        s.repeat = Some([
            s.reads.len(),
            s.files.len(),
            s.diagnostics.len(),
            s.notes.len(),
            s.unopened.len(),
        ]);
    }

    fn repeat_ends(&self) {
        let mut s = self.state.borrow_mut();
        if let Some([reads, files, diagnostics, notes, unopened]) = s.repeat.take() {
            s.reads.truncate(reads);
            s.files.truncate(files);
            s.diagnostics.truncate(diagnostics);
            s.notes.truncate(notes);
            s.unopened.truncate(unopened);
        }
    }

    fn text_table(&self) -> TextTable {
        match &self.reading {
            Reading::Window { table, .. } => table.clone(),
            _ => TextTable::Own,
        }
    }

    fn measured_table(&self, layout: TableLayout) -> Result<(), String> {
        let mut state = self.state.borrow_mut();
        match &mut state.measured {
            Some(measured) => measured.merge(&layout),
            None => {
                state.measured = Some(layout);
                Ok(())
            }
        }
    }
}
