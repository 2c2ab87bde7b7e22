//! Running a pasted line: parse it, work out the columns it needs, run it on the PowerShell
//! engine with Get-MessageTrackingLog reading the logs (its filters pushed into the reader,
//! cut at `-ResultSize` before any Where-Object, as the cmdlet does), and collect what it
//! printed, read and wrote. `--sql` runs polars SQL over the same frame instead.

use crate::pwsh::commands::format::TableLayout;
use std::path::PathBuf;
use std::rc::Rc;

use polars::prelude::*;

use super::needed::{analyse, columns};
use super::rows::as_row;
use super::session::{Cut, QueryHost, Read, Reading, Session, Window};
use crate::directory::Snapshot;
use crate::format::{Field, FieldSet};
use crate::ingest::{Diagnostic, FileReport, ReadOptions, read_paths};
use crate::pwsh::commands::group_spill::SpilledObjects;
use crate::pwsh::eval::{Engine, EvalError};
use crate::pwsh::parse::{ParseError, parse};
use crate::pwsh::value::Value;

/// A query's result.
#[derive(Default)]
pub struct Answer {
    /// What the line output, in order.
    pub items: Vec<Value>,
    /// What each Get-MessageTrackingLog call read.
    pub reads: Vec<Read>,
    /// The cut at `-ResultSize`, if the cmdlet cut.
    pub cut: Option<Cut>,
    /// Per-file reports.
    pub files: Vec<FileReport>,
    /// Every reader diagnostic.
    pub diagnostics: Vec<Diagnostic>,
    /// Notes for the user (ignored parameters, deliberate differences).
    pub notes: Vec<String>,
    /// Files the line wrote (Export-Csv, Out-File).
    pub written: Vec<PathBuf>,
    /// Whether it wrote text into them (not merely created them).
    pub wrote_text: bool,
    /// The layout of the table it wrote as text, when it measured it (the first pass of a
    /// table written a window at a time).
    pub measured: Option<TableLayout>,
    /// Files a read in a time window left unopened (a whole read names them in `notes`).
    pub unopened: Vec<PathBuf>,
    /// A `--sql` answer.
    pub sql: Option<DataFrame>,
    /// How many elements of a collection a table or list cell shows
    /// (`$FormatEnumerationLimit` as the line left it; `None`: all).
    pub enumeration_limit: Option<usize>,
    /// The line's output when it was groups too many to hold, written out in order to
    /// temporary files (`items` is then empty): read back as they are printed.
    pub spilled: Option<SpilledObjects>,
}

impl Answer {
    /// How many items the line output, held or written out.
    pub fn len(&self) -> usize {
        self.items.len() + self.spilled.as_ref().map_or(0, SpilledObjects::len)
    }

    /// True when the line output nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads groups written out back into `items`, for a caller that needs them held (the
    /// answer of one time window, gathered with the others').
    pub fn hold_spilled(&mut self) -> Result<(), RunError> {
        let Some(groups) = self.spilled.take() else {
            return Ok(());
        };
        let held = groups
            .held()
            .map_err(|e| RunError::Eval(EvalError::new(groups.read_back_failure(&e), 0..0)))?;
        self.items.extend(held);
        Ok(())
    }
}

/// Why a query could not run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The text is not understood.
    #[error("{}", .0.message)]
    Parse(ParseError),
    /// Running it failed (an unknown member, a conversion PowerShell refuses, …).
    #[error("{}", .0.message)]
    Eval(EvalError),
    /// The logs could not be read.
    #[error(transparent)]
    Read(#[from] crate::ingest::ReadError),
    /// polars failed.
    #[error("{0}")]
    Frame(#[from] PolarsError),
    /// The output could not be written.
    #[error(transparent)]
    Write(#[from] std::io::Error),
}

impl RunError {
    /// The error with a caret under its place in `text`, when it has one.
    pub fn render(&self, text: &str) -> String {
        match self {
            RunError::Parse(e) => e.render(text),
            RunError::Eval(e) => e.clone().into_parse_error().render(text),
            other => format!("error: {other}"),
        }
    }
}

/// Runs a line over the logs under `paths`. `output` are the columns the output shows when
/// events reach it (the table's view, or every column).
pub fn run(
    text: &str,
    paths: &[PathBuf],
    session: Session,
    directory: Option<&Snapshot>,
    output: &[Field],
) -> Result<Answer, RunError> {
    let block = parse(text).map_err(RunError::Parse)?;
    match run_block(&block, paths, session, directory, output, Reading::Whole)? {
        Ok(answer) => Ok(answer),
        Err(_) => Err(RunError::Eval(EvalError::new(
            "a whole read asked to be read in time windows",
            0..0,
        ))),
    }
}

/// Runs a parsed line with Get-MessageTrackingLog reading as `reading` says: its answer, or
/// the time windows to run it in when a read of [`Reading::UpTo`] found more rows.
pub(super) fn run_block(
    block: &crate::pwsh::ast::Block,
    paths: &[PathBuf],
    session: Session,
    directory: Option<&Snapshot>,
    output: &[Field],
    reading: Reading,
) -> Result<Result<Answer, Vec<Window>>, RunError> {
    // A count of distinct values, as the count of their groups, and a count of sorted
    // events, unsorted (bounded memory).
    let rewritten = super::reorder::count_rewritten(block);
    let block = rewritten.as_ref().unwrap_or(block);
    // An expansion's distinct values, taken as they come.
    let split = super::reorder::expanded_then_unique(block);
    let block = split.as_ref().unwrap_or(block);
    let needs = analyse(block);
    // Events inside groups are printed by their type name unless the output is whole objects.
    let first = columns(
        &needs,
        output,
        session.shown != super::settings::Shown::Whole,
    );
    let again = || match run_with(
        block,
        paths,
        session,
        directory,
        FieldSet::all(),
        reading.clone(),
    )? {
        Ok(answer) => Ok(Ok(answer)),
        Err(Retry::InWindows(windows)) => Ok(Err(windows)),
        Err(Retry::AllColumns) => Err(RunError::Eval(EvalError::new(
            "a property could not be read",
            0..0,
        ))),
    };
    match run_with(block, paths, session, directory, first, reading.clone())? {
        // Whole events reached the output but a column it shows was not decoded.
        Ok(answer) if first != FieldSet::all() && rows_lack(&answer, output) => again(),
        Ok(answer) => Ok(Ok(answer)),
        Err(Retry::InWindows(windows)) => Ok(Err(windows)),
        // A property the analysis did not foresee: run again with every column.
        Err(Retry::AllColumns) => again(),
    }
}

/// Why a run gave no answer and is to be run again.
enum Retry {
    /// A property the analysis did not foresee: with every column.
    AllColumns,
    /// More rows than the read takes: a time window at a time.
    InWindows(Vec<Window>),
}

/// True when events in the answer come from a read missing a column `output` shows.
fn rows_lack(answer: &Answer, output: &[Field]) -> bool {
    answer.reads.iter().any(|read| {
        let frame = read.source.frame();
        output.iter().any(|f| frame.column(f.name()).is_err())
            && answer
                .items
                .iter()
                .any(|v| as_row(v).is_some_and(|r| Rc::ptr_eq(&r.source, &read.source)))
    })
}

/// Events of several sources (kept as they streamed past, copied out of their batches)
/// gathered into one read of their own, so that they are written as the events of a read
/// are (`output::shape`'s rows of one read: each field as its cell, EventData as `K=V` in
/// CSV, an empty Reference as `[]` in JSON), not as objects property by property. Anything
/// else is left as it is.
fn rows_in_one_source(
    items: Vec<Value>,
    mut reads: Vec<Read>,
    zone: crate::format::Zone,
) -> Result<(Vec<Value>, Vec<Read>), RunError> {
    let of_a_read = super::rows::rows_of_one(&items)
        .is_some_and(|(one, _)| reads.iter().any(|r| Rc::ptr_eq(&r.source, one)));
    let events = items.iter().all(|v| as_row(v).is_some());
    let plan = reads.first().map(|r| (r.plan.clone(), r.covered));
    let Some((plan, covered)) = plan.filter(|_| !items.is_empty() && events && !of_a_read) else {
        return Ok((items, reads));
    };
    let Some((source, items)) = super::rows::compacted(&items, zone)? else {
        return Ok((items, reads));
    };
    reads.push(Read {
        source,
        plan,
        covered,
    });
    Ok((items, reads))
}

fn run_with(
    block: &crate::pwsh::ast::Block,
    paths: &[PathBuf],
    session: Session,
    directory: Option<&Snapshot>,
    columns: FieldSet,
    reading: Reading,
) -> Result<Result<Answer, Retry>, RunError> {
    let needs = analyse(block);
    let host = QueryHost::new(session, paths, directory, columns)
        .reading(reading)
        .events_reaching_output(needs.rows_reach_output || needs.rows_in_groups);
    let (result, enumeration_limit, spilled) = {
        let mut engine = Engine::new(&host).taking_spilled_output();
        let result = engine.run(block);
        // (None written out: an empty answer, as held.)
        let spilled = engine.take_spilled_output().filter(|s| !s.is_empty());
        (result, engine.enumeration_limit_at_end(), spilled)
    };
    if let Some(windows) = host.take_windows() {
        return Ok(Err(Retry::InWindows(windows)));
    }
    let reads = host.take_reads();
    if reads.iter().any(|r| !r.source.missing.borrow().is_empty()) && columns != FieldSet::all() {
        return Ok(Err(Retry::AllColumns));
    }
    let items = result.map_err(RunError::Eval)?;
    let (items, reads) = rows_in_one_source(items, reads, session.zone)?;
    let (files, diagnostics) = host.take_reports();
    Ok(Ok(Answer {
        items,
        cut: host.cut(),
        reads,
        files,
        diagnostics,
        notes: host.take_notes(),
        written: host.written(),
        wrote_text: host.wrote_text(),
        measured: host.take_measured(),
        unopened: host.take_unopened(),
        sql: None,
        enumeration_limit,
        spilled,
    }))
}

pub use super::sql_run::run_sql;

/// Why an answer is empty when a time range emptied it: the range the logs cover and the
/// range asked (and, for a clock-relative range, `--now`). `None` when time is not why.
pub fn empty_because_of_time(
    answer: &Answer,
    text: &str,
    paths: &[PathBuf],
    session: &Session,
) -> Option<String> {
    if !answer.is_empty() {
        return None;
    }
    let read = answer
        .reads
        .iter()
        .find(|r| r.plan.filter.has_time_range())?;
    let (first, last) = match super::time_windows::stores_cover(paths) {
        Some(covered) => covered,
        None => {
            let options = ReadOptions::default().with_columns([Field::Timestamp]);
            let all = read_paths(paths, &options).ok()?;
            let times = crate::frame::access::timestamps_ms(&all.frame).ok()?;
            (*times.iter().min()?, *times.iter().max()?)
        }
    };
    super::empty::time_range_note(
        (first, last),
        (read.plan.filter.start_ms, read.plan.filter.end_ms),
        text,
        session,
    )
}
