//! `Get-MessageTrackingLog -ResultSize Unlimited | [Where-Object …] | Sort-Object <keys> |
//! [Where-Object, Select-Object of properties] [| Export-Csv / Out-File]` — every event
//! sorted by size, by sender, by anything — over stores in bounded memory: an external merge
//! sort. The line's filters run a time window at a time ([`super::windows`]); the rows of a
//! few windows are sorted with the line's own Sort-Object and written to temporary Parquet
//! files (a *run*, in chunks); the runs are merged, a chunk of each at a time, comparing
//! the keys the Sort-Object computes with its own comparer (runs merged into longer runs
//! first while there are more than one merge reads at once); and the rest of the line runs
//! over the merged rows a batch at a time, each batch's answer written before the next
//! ([`Reading::Given`]). A whole run holds every event to sort them (gigabytes for a few
//! million events); this holds a few windows' rows.
//!
//! The answer is the whole run's: the windows come in the order a whole read gives the rows,
//! each run is sorted stably, and the merge takes equal keys from the earlier run first, so
//! ties keep their input order as the whole (stable) sort keeps them; `-Unique` keeps the
//! first of equal keys, which is the one the whole sort keeps.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::rows::{RowSource, as_row};
use super::run::{Answer, RunError, run_block};
use super::session::{GivenRows, QueryHost, Reading, Session};
use super::time_windows::Window;
use super::top_rows::{compact, gathered};
use super::windows::{Said, appending, per_item, run_window, writes_text};
use crate::directory::Snapshot;
use crate::format::{Field, FieldSet};
use crate::pwsh::ast::{Block, Command, Element, Pipeline, Statement};
use crate::pwsh::commands::format::TextTable;
use crate::pwsh::commands::sort::SortKeys;
use crate::pwsh::commands::{canonical, stream::pure};
use crate::pwsh::eval::Engine;
use crate::pwsh::value::Value;

/// How many runs one merge reads at once (more are merged into longer runs first). Each
/// holds a chunk of rows in memory while it is merged.
pub const MERGE_WAYS: usize = 64;

/// How many runs a merge reads at once: [`MERGE_WAYS`], or `MSGTRACK_MERGE_WAYS` (at least 2).
pub fn merge_ways() -> usize {
    crate::settings::number("MSGTRACK_MERGE_WAYS")
        .unwrap_or(MERGE_WAYS)
        .max(2)
}

/// A line of the shape this module runs, taken apart.
struct SortLine {
    /// Get-MessageTrackingLog and the filters before the sort.
    filters: Block,
    /// The Sort-Object.
    sort: Command,
    /// Get-MessageTrackingLog and the stages after the sort (the cmdlet given the sorted
    /// rows), with the line's redirection.
    rest: Block,
    /// A last Measure-Object (the count, or one property named plainly) that measures what
    /// the rest gives, a batch at a time (`Sort-Object Sender,Timestamp -Unique |
    /// Measure-Object`: how many distinct pairs).
    measure: Option<Command>,
}

/// The parts of `block` when it is one pipeline of Get-MessageTrackingLog, pure Where-Object
/// stages, one pure Sort-Object, then stages that act on each item alone (as
/// [`per_item`] allows them, no other sort), and a last Measure-Object or none.
fn sort_line(block: &Block) -> Option<SortLine> {
    let [Statement::Pipeline(p)] = block.statements.as_slice() else {
        return None;
    };
    let (Element::Command(first), stages) = p.elements.split_first()? else {
        return None;
    };
    let at = stages.iter().position(
        |e| matches!(e, Element::Command(c) if canonical(&c.name) == Some("Sort-Object")),
    )?;
    let Element::Command(sort) = &stages[at] else {
        return None;
    };
    let filters_pure = stages[..at].iter().all(
        |e| matches!(e, Element::Command(c) if canonical(&c.name) == Some("Where-Object") && pure(c)),
    );
    let sorts_again = stages[at + 1..]
        .iter()
        .any(|e| matches!(e, Element::Command(c) if canonical(&c.name) == Some("Sort-Object")));
    if !first.name.eq_ignore_ascii_case("Get-MessageTrackingLog")
        || !filters_pure
        || sorts_again
        || !pure(sort)
    {
        return None;
    }
    let line = |elements: Vec<Element>, redirect| Block {
        statements: vec![Statement::Pipeline(Pipeline {
            elements,
            redirect,
            span: p.span.clone(),
        })],
    };
    let mut after = &stages[at + 1..];
    let measure = match after.split_last() {
        Some((Element::Command(m), before))
            if canonical(&m.name) == Some("Measure-Object")
                && p.redirect.is_none()
                && crate::pwsh::commands::measure::streams(m) =>
        {
            after = before;
            Some(m.clone())
        }
        _ => None,
    };
    let mut rest = vec![Element::Command(first.clone())];
    rest.extend(after.iter().cloned());
    let rest = line(rest, p.redirect.clone());
    if !per_item(&rest) {
        return None;
    }
    let mut filters = vec![Element::Command(first.clone())];
    filters.extend(stages[..at].iter().cloned());
    Some(SortLine {
        filters: line(filters, None),
        sort: sort.clone(),
        rest,
        measure,
    })
}

/// Runs `block` over the stores `paths` as the module says, giving `each` the answer of
/// every batch in order (as [`super::streamed::run_in_windows`] does): `None` when the line
/// is not of that shape or a property it reads was not foreseen (run it whole). Runs hold
/// `rows` × 4 rows, chunks `rows` / 32 (at least 16), and a merge reads `ways` runs at once.
#[allow(clippy::too_many_arguments)]
pub(super) fn run_sorted(
    rows: u64,
    ways: usize,
    block: &Block,
    paths: &[PathBuf],
    session: Session,
    directory: Option<&Snapshot>,
    output: &[Field],
    each: &mut dyn FnMut(&Answer) -> std::io::Result<()>,
) -> Result<Option<Answer>, RunError> {
    let Some(line) = sort_line(block) else {
        return Ok(None);
    };
    // (A count of one text property's distinct values is counted as their groups, and a
    // count of sorted events without the sort: see `reorder::count_rewritten`.)
    if line.measure.is_some() && super::reorder::count_rewritten(block).is_some() {
        return Ok(None);
    }
    let window = rows.max(1);
    let windows = match run_block(
        block,
        paths,
        session,
        directory,
        output,
        Reading::UpTo(window),
    )? {
        // Few rows: the whole answer.
        Ok(mut answer) => {
            each(&answer)?;
            answer.notes.clear();
            return Ok(Some(answer));
        }
        Err(windows) => windows,
    };
    // The columns the whole line reads.
    let needs = super::needed::analyse(block);
    let text_shown = session.shown != super::settings::Shown::Whole;
    let read = super::needed::columns(&needs, output, text_shown).columns();
    let sizes = Sizes {
        run: usize::try_from(window.saturating_mul(4)).unwrap_or(usize::MAX),
        // A merge holds a chunk of each of its runs: chunks of 256 rows kept every column of
        // 1 GB sorted by Sender,TotalBytes at 119 MiB in 56 s, 512 at 133 MiB in 48 s (and
        // the 16 GB store's manifest adds about 20 MiB).
        chunk: usize::try_from(window / 32).unwrap_or(usize::MAX).max(16),
        ways: ways.max(2),
    };
    let spill = Spill::new()?;
    let host = QueryHost::new(session, paths, directory, FieldSet::all());
    let mut engine = Engine::new(&host);
    let Some(sorted) = sorted_runs(
        &line,
        windows,
        (paths, session, directory, &read),
        &mut engine,
        &spill,
        sizes,
    )?
    else {
        return Ok(None);
    };
    let Sorted {
        runs,
        keys,
        mut said,
        mut first,
        covered,
    } = sorted;
    let runs = merge_down(runs, &keys, &mut engine, &spill, sizes, session.zone)?;
    // The rest of the line over the merged rows, a batch at a time; text written to a
    // file holds a batch three times over (see `windows`).
    let batch = if writes_text(&line.rest) {
        (window / 4).max(1)
    } else {
        window
    };
    let batch = usize::try_from(batch).unwrap_or(usize::MAX);
    let appended = appending(&line.rest);
    let mut last: Option<Answer> = None;
    let mut text_written = false;
    // A last Measure-Object measures what each batch gives, each item at its place; the
    // measure is the one answer given.
    let mut measuring = match &line.measure {
        Some(c) => {
            let mut engine = Engine::new(&host);
            match crate::pwsh::commands::measure::streaming(&mut engine, c)
                .map_err(RunError::Eval)?
            {
                Some(m) => Some((m, engine, 0u64)),
                None => return Ok(None),
            }
        }
        None => None,
    };
    let mut give = |rows: &[Value], last: &mut Option<Answer>| -> Result<(), RunError> {
        let (source, _) = compact(rows, session.zone)?;
        let rest = match (&appended, &last) {
            (Some(appended), Some(_)) => appended,
            _ => &line.rest,
        };
        let reading = Reading::Given {
            rows: GivenRows { source, covered },
            continues_text: text_written && writes_text(&line.rest),
        };
        let mut answer = run_window(rest, paths, session, directory, &read, reading)?;
        said.take_said(&mut answer);
        if let Some(first) = first.take() {
            // What the reads said, before the first batch's own.
            said_before(first, &mut answer);
        }
        text_written |= answer.wrote_text;
        if let Some((m, engine, batch)) = &mut measuring {
            for (i, item) in std::mem::take(&mut answer.items).into_iter().enumerate() {
                m.add(engine, item, (0, (*batch << 32) + i as u64), 1)
                    .map_err(RunError::Eval)?;
            }
            *batch += 1;
            // What the batches said is said once, with the measure.
            if let Some(before) = last.take() {
                said_before(before, &mut answer);
            }
        } else {
            each(&answer).map_err(RunError::from)?;
        }
        *last = Some(answer);
        Ok(())
    };
    let mut pending: Vec<Value> = Vec::new();
    merge(runs, &keys, &mut engine, session.zone, &mut |row| {
        pending.push(row);
        if pending.len() >= batch {
            give(&std::mem::take(&mut pending), &mut last)?;
        }
        Ok(())
    })?;
    if !pending.is_empty() || last.is_none() {
        give(&pending, &mut last)?;
    }
    if let (Some((m, mut engine, _)), Some(c), Some(answer)) = (measuring, &line.measure, &mut last)
    {
        answer.items = m.finish(&mut engine, c).map_err(RunError::Eval)?;
        each(answer)?;
    }
    Ok(last.map(|mut last| {
        last.notes = said.unopened_note().into_iter().collect();
        last
    }))
}

/// `answer` with what `before` said (its notes, diagnostics and files) ahead of its own.
fn said_before(mut before: Answer, answer: &mut Answer) {
    before.notes.append(&mut answer.notes);
    before.diagnostics.append(&mut answer.diagnostics);
    before.files.append(&mut answer.files);
    answer.notes = before.notes;
    answer.diagnostics = before.diagnostics;
    answer.files = before.files;
}

/// How big the pieces of a sort are, in rows; and how many runs a merge reads at once.
#[derive(Clone, Copy)]
struct Sizes {
    run: usize,
    chunk: usize,
    ways: usize,
}

/// What the sorted runs came with.
struct Sorted {
    runs: Vec<Run>,
    keys: SortKeys,
    /// What the windows said.
    said: Said,
    /// What the reads said (notes, diagnostics, refused files), for the first batch.
    first: Option<Answer>,
    /// The time the rows cover.
    covered: Option<(i64, i64)>,
}

/// The rows of `windows` that the line's filters keep, in runs sorted by its Sort-Object;
/// `None` when a property the analysis did not foresee was not read.
fn sorted_runs(
    line: &SortLine,
    windows: Vec<Window>,
    (paths, session, directory, read): (&[PathBuf], Session, Option<&Snapshot>, &[Field]),
    engine: &mut Engine<'_>,
    spill: &Spill,
    sizes: Sizes,
) -> Result<Option<Sorted>, RunError> {
    let mut said = Said::default();
    let mut first: Option<Answer> = None;
    let mut covered: Option<(i64, i64)> = None;
    let mut runs = Vec::new();
    let mut keys: Option<SortKeys> = None;
    let mut pending: Vec<Value> = Vec::new();
    let count = windows.len();
    for (i, window) in windows.into_iter().enumerate() {
        let reading = Reading::Window {
            window,
            continues_text: false,
            table: TextTable::Own,
            beyond: None,
        };
        let mut answer = run_window(&line.filters, paths, session, directory, read, reading)?;
        said.take(&mut answer);
        for r in &answer.reads {
            covered = match (covered, r.covered) {
                (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
                (a, b) => a.or(b),
            };
        }
        // A selective filter keeps a few rows of each of many files: copied into one frame,
        // so that a run does not hold a frame of every file its windows read (the 4 GB
        // store's 203,715 messages over 1 MB sorted by size as CSV: 205 MiB before; 116 MiB
        // measured again on 2026-12-04).
        let (_, mut rows) = super::top_rows::compact(&answer.items, session.zone)?;
        answer.items.clear();
        pending.append(&mut rows);
        answer.reads.clear();
        match &mut first {
            None => first = Some(answer),
            Some(f) => {
                f.notes.append(&mut answer.notes);
                f.diagnostics.append(&mut answer.diagnostics);
                f.files
                    .extend(answer.files.into_iter().filter(|f| f.refused.is_some()));
            }
        }
        if pending.len() < sizes.run && i + 1 < count {
            continue;
        }
        if keys.is_none() && !pending.is_empty() {
            keys = Some(SortKeys::of(engine, &line.sort, pending.first()).map_err(RunError::Eval)?);
        }
        let Some(keys) = &keys else {
            continue;
        };
        let sorted = keys
            .sort(engine, std::mem::take(&mut pending))
            .map_err(RunError::Eval)?;
        if sorted
            .iter()
            .filter_map(as_row)
            .any(|r| !r.source.missing.borrow().is_empty())
        {
            return Ok(None);
        }
        let mut run = Run::default();
        write_rows(&sorted, &mut run, spill, sizes.chunk)?;
        runs.push(run);
    }
    if let Some(f) = &mut first {
        f.files.retain(|f| f.refused.is_some());
    }
    let keys = match keys {
        Some(keys) => keys,
        None => SortKeys::of(engine, &line.sort, None).map_err(RunError::Eval)?,
    };
    Ok(Some(Sorted {
        runs,
        keys,
        said,
        first,
        covered,
    }))
}

/// A sorted run: one temporary file of its chunks, each an Arrow IPC file of its own, and
/// where each chunk lies in it, in order. (A file a chunk, chunks of a few hundred rows, made
/// thousands of files for a million events, and each file made cost the file system more
/// than writing it: every row of 1.3 GB sorted by size made 7,136.)
#[derive(Default)]
struct Run {
    /// The run's file, once a chunk is written. (Opened for each chunk written or read, not
    /// held: a sort of many runs would otherwise hold a descriptor for each.)
    path: Option<PathBuf>,
    /// Bytes written so far (where the next chunk goes).
    written: u64,
    /// Each chunk's offset and length in the file, in order.
    chunks: VecDeque<(u64, u64)>,
}

impl Run {
    /// The run's next chunk, read; `None` when every chunk was read (the file is then
    /// removed: its space goes back once the run is merged).
    fn next_chunk(&mut self) -> Result<Option<DataFrame>, RunError> {
        use std::io::{Read, Seek, SeekFrom};
        let Some(path) = &self.path else {
            return Ok(None);
        };
        let Some((offset, len)) = self.chunks.pop_front() else {
            let _ = std::fs::remove_file(path);
            self.path = None;
            return Ok(None);
        };
        let mut bytes = vec![0u8; usize::try_from(len).unwrap_or(usize::MAX)];
        std::fs::File::open(path)
            .and_then(|mut file| {
                file.seek(SeekFrom::Start(offset))?;
                file.read_exact(&mut bytes)
            })
            .map_err(|e| spill_error(path, e))?;
        Ok(Some(IpcReader::new(std::io::Cursor::new(bytes)).finish()?))
    }
}

/// The temporary folder the runs are written in (removed with it).
struct Spill {
    dir: tempfile::TempDir,
    next: std::cell::Cell<u64>,
}

impl Spill {
    fn new() -> Result<Spill, RunError> {
        let dir = super::spill_dir::spill_dir("sort", "the sort's runs")?;
        Ok(Spill {
            dir,
            next: std::cell::Cell::new(0),
        })
    }

    /// Writes `frames` as the next chunks of `run` (making the run's file for its first),
    /// the file opened once for them all.
    fn write(&self, run: &mut Run, frames: &mut [DataFrame]) -> Result<(), RunError> {
        use std::io::Write;
        let first = run.path.is_none();
        let path = run.path.get_or_insert_with(|| {
            let n = self.next.get();
            self.next.set(n + 1);
            self.dir.path().join(format!("{n:08}.arrow"))
        });
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .create_new(first)
            .open(&*path)
            .map_err(|e| spill_error(path, e))?;
        for frame in frames {
            let mut bytes = Vec::new();
            IpcWriter::new(&mut bytes)
                .with_compression(Some(IpcCompression::LZ4))
                .finish(frame)?;
            file.write_all(&bytes).map_err(|e| spill_error(path, e))?;
            run.chunks.push_back((run.written, bytes.len() as u64));
            run.written += bytes.len() as u64;
        }
        Ok(())
    }
}

/// A temporary file that could not be written or read, named.
fn spill_error(path: &Path, e: std::io::Error) -> RunError {
    RunError::from(std::io::Error::new(
        e.kind(),
        format!(
            "{} (a sort's temporary file; TMPDIR sets where they go): {e}",
            path.display()
        ),
    ))
}

/// How many chunks' rows [`write_rows`] gathers at once: a gather costs a take from each
/// source the rows come from (the windows of a run), so one per chunk of a few hundred rows
/// cost more than writing them; a whole run at once would hold a second copy of it.
const CHUNKS_GATHERED: usize = 16;

/// Writes the events `rows` to `run`, in chunks of `chunk` rows.
fn write_rows(rows: &[Value], run: &mut Run, spill: &Spill, chunk: usize) -> Result<(), RunError> {
    let chunk = chunk.max(1);
    for piece in rows.chunks(chunk.saturating_mul(CHUNKS_GATHERED)) {
        let rows = gathered(piece)?;
        // Text copied out of the buffers the rows point into: a chunk would otherwise hold
        // (and a merge read back) every buffer its rows' text lies in.
        let mut frames = (0..rows.height())
            .step_by(chunk)
            .map(|start| crate::frame::compact(&rows.slice(start as i64, chunk)))
            .collect::<PolarsResult<Vec<_>>>()?;
        spill.write(run, &mut frames)?;
    }
    Ok(())
}

/// While there are more runs than a merge reads at once, merges each `ways` of them into one
/// (in order, so that ties still come from earlier runs first).
fn merge_down(
    mut runs: Vec<Run>,
    keys: &SortKeys,
    engine: &mut Engine<'_>,
    spill: &Spill,
    sizes: Sizes,
    zone: crate::format::Zone,
) -> Result<Vec<Run>, RunError> {
    while runs.len() > sizes.ways {
        let mut longer = Vec::new();
        let mut rest = runs.into_iter().peekable();
        while rest.peek().is_some() {
            let group: Vec<Run> = rest.by_ref().take(sizes.ways).collect();
            let mut run = Run::default();
            let mut pending: Vec<Value> = Vec::new();
            merge(group, keys, engine, zone, &mut |row| {
                pending.push(row);
                // Written as many chunks at a time as a run's first rows are.
                if pending.len() >= sizes.chunk.saturating_mul(CHUNKS_GATHERED) {
                    write_rows(&std::mem::take(&mut pending), &mut run, spill, sizes.chunk)?;
                }
                Ok(())
            })?;
            write_rows(&pending, &mut run, spill, sizes.chunk)?;
            longer.push(run);
        }
        runs = longer;
    }
    Ok(runs)
}

/// A run being merged: its chunk in memory, the chunk's keys, the next row.
struct Cursor {
    run: Run,
    rows: Vec<Value>,
    keys: Vec<Vec<Value>>,
    at: usize,
}

impl Cursor {
    /// Reads the run's next chunk once the one in memory is used up: false when the run has
    /// no more rows.
    fn fill(
        &mut self,
        keys: &SortKeys,
        engine: &mut Engine<'_>,
        zone: crate::format::Zone,
    ) -> Result<bool, RunError> {
        while self.at >= self.rows.len() {
            let Some(frame) = self.run.next_chunk()? else {
                self.rows.clear();
                self.keys.clear();
                return Ok(false);
            };
            let source = RowSource::new(frame, zone)?;
            self.rows = source.rows();
            self.keys = self
                .rows
                .iter()
                .map(|r| keys.keys(engine, r))
                .collect::<Result<_, _>>()
                .map_err(RunError::Eval)?;
            self.at = 0;
        }
        Ok(true)
    }
}

/// Merges the sorted `runs` (in input order) into one order, giving `out` each row: equal
/// keys from earlier runs first; with `-Unique`, a row whose keys equal the last given's is
/// dropped.
fn merge(
    runs: Vec<Run>,
    keys: &SortKeys,
    engine: &mut Engine<'_>,
    zone: crate::format::Zone,
    out: &mut dyn FnMut(Value) -> Result<(), RunError>,
) -> Result<(), RunError> {
    let mut cursors: Vec<Cursor> = Vec::with_capacity(runs.len());
    for run in runs {
        let mut cursor = Cursor {
            run,
            rows: Vec::new(),
            keys: Vec::new(),
            at: 0,
        };
        if cursor.fill(keys, engine, zone)? {
            cursors.push(cursor);
        }
    }
    // A binary heap of cursor numbers, the cursor of the first row on top; equal keys: the
    // earlier run (the lower number) first.
    fn before(
        keys: &SortKeys,
        cursors: &[Cursor],
        (a, b): (usize, usize),
        ops: &crate::pwsh::ops::OpContext<'_>,
    ) -> bool {
        let (x, y) = (&cursors[a], &cursors[b]);
        keys.compare(&x.keys[x.at], &y.keys[y.at], ops)
            .then(a.cmp(&b))
            .is_lt()
    }
    let mut heap: Vec<usize> = (0..cursors.len()).collect();
    {
        let ops = crate::pwsh::runtime::Scope::ops_ref(engine);
        for i in (0..heap.len() / 2).rev() {
            sift_down(&mut heap, i, |a, b| before(keys, &cursors, (a, b), ops));
        }
    }
    let mut last_keys: Option<Vec<Value>> = None;
    while let Some(&top) = heap.first() {
        let cursor = &mut cursors[top];
        let row = cursor.rows[cursor.at].clone();
        let row_keys = std::mem::take(&mut cursor.keys[cursor.at]);
        cursor.at += 1;
        let more = cursor.fill(keys, engine, zone)?;
        let ops = crate::pwsh::runtime::Scope::ops_ref(engine);
        let dropped = keys.unique()
            && last_keys
                .as_ref()
                .is_some_and(|last| keys.same(last, &row_keys, ops));
        if !more {
            let end = heap.len() - 1;
            heap.swap(0, end);
            heap.pop();
        }
        sift_down(&mut heap, 0, |a, b| before(keys, &cursors, (a, b), ops));
        if !dropped {
            out(row)?;
            if keys.unique() {
                last_keys = Some(row_keys);
            }
        }
    }
    Ok(())
}

/// Moves the heap's item at `i` down to its place (`before(a, b)`: `a` comes first).
fn sift_down(heap: &mut [usize], mut i: usize, before: impl Fn(usize, usize) -> bool) {
    loop {
        let (left, right) = (2 * i + 1, 2 * i + 2);
        let mut first = i;
        if left < heap.len() && before(heap[left], heap[first]) {
            first = left;
        }
        if right < heap.len() && before(heap[right], heap[first]) {
            first = right;
        }
        if first == i {
            return;
        }
        heap.swap(i, first);
        i = first;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pwsh::parse::parse;

    fn shaped(line: &str) -> bool {
        sort_line(&parse(line).expect("parses")).is_some()
    }

    #[test]
    fn a_sort_of_every_row_then_per_item_stages_merges_runs() {
        for line in [
            "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object TotalBytes -Descending",
            "Get-MessageTrackingLog -ResultSize Unlimited | ? EventId -eq FAIL | sort Sender,Timestamp | Select Timestamp,Sender | Export-Csv x.csv -NoTypeInformation",
            "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object @{e={$_.Recipients.Count}; Descending=$true}, Timestamp -Unique",
            "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object Sender | Where-Object {$_.TotalBytes -gt 1000}",
            "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object Sender > x.txt",
        ] {
            assert!(shaped(line), "{line}");
        }
        for line in [
            "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object TotalBytes | Select-Object -First 3",
            "Get-MessageTrackingLog -ResultSize Unlimited | Select Sender,TotalBytes | Sort-Object TotalBytes",
            "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object Sender | Sort-Object TotalBytes",
            "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object {$script:n++}",
            "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object Sender | Group-Object Sender",
            "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object Sender | Select Timestamp,Sender > x.txt",
            "Get-MessageTrackingLog -ResultSize Unlimited | ? {$n++; $true} | Sort-Object Sender",
            "Get-MessageTrackingLog -ResultSize Unlimited | Measure-Object",
        ] {
            assert!(!shaped(line), "{line}");
        }
    }

    /// A chunk written to a run holds its own rows' text, not every buffer that text lies in:
    /// two events out of the sample day's read make a file far smaller than the day's.
    #[test]
    fn a_run_chunk_holds_only_its_rows() {
        let mut frame = crate::ingest::sample_day();
        // One buffer set for the whole day, as a read of a store part's rows has.
        frame.rechunk_mut();
        let zone = crate::format::Zone::parse("UTC").expect("UTC");
        let rows = RowSource::new(frame.clone(), zone).expect("rows").rows();
        let spill = Spill::new().expect("a temporary folder");
        let mut whole = frame;
        let mut day = Run::default();
        spill
            .write(&mut day, std::slice::from_mut(&mut whole))
            .expect("written");
        let day = day.written;
        let mut run = Run::default();
        write_rows(&rows[100..102], &mut run, &spill, 2).expect("written");
        let two = run.written;
        assert!(two * 20 < day, "two rows: {two} bytes; the day: {day}");
        let back = run.next_chunk().expect("reads").expect("a chunk");
        assert_eq!(back.height(), 2);
    }

    /// A run's chunks share one file and come back in the order written, each whole; the
    /// file is removed once the last is read.
    #[test]
    fn a_run_is_one_file_whose_chunks_come_back_in_order() {
        let frame = crate::ingest::sample_day();
        let zone = crate::format::Zone::parse("UTC").expect("UTC");
        let rows = RowSource::new(frame.clone(), zone).expect("rows").rows();
        let spill = Spill::new().expect("a temporary folder");
        let mut run = Run::default();
        // 7 rows in chunks of 3: 3, 3 and 1.
        write_rows(&rows[10..17], &mut run, &spill, 3).expect("written");
        assert_eq!(run.chunks.len(), 3);
        let files = || {
            std::fs::read_dir(spill.dir.path())
                .expect("the folder")
                .count()
        };
        assert_eq!(files(), 1, "one file for the run");
        let expected = gathered(&rows[10..17]).expect("the rows");
        let mut back: Vec<DataFrame> = Vec::new();
        while let Some(chunk) = run.next_chunk().expect("reads") {
            back.push(chunk);
        }
        assert_eq!(
            back.iter().map(DataFrame::height).collect::<Vec<_>>(),
            vec![3, 3, 1]
        );
        let mut joined = back[0].clone();
        for chunk in &back[1..] {
            joined.vstack_mut(chunk).expect("same columns");
        }
        for name in ["MessageId", "Timestamp", "Sender"] {
            let a = joined
                .column(name)
                .expect("read back")
                .as_materialized_series();
            let b = expected
                .column(name)
                .expect("written")
                .as_materialized_series();
            assert!(
                a.equals_missing(b),
                "{name} comes back as written, in order"
            );
        }
        assert_eq!(files(), 0, "the file goes once its last chunk is read");
    }

    #[test]
    fn the_heap_gives_the_first_item_on_top() {
        let values = [5, 1, 4, 1, 3, 9, 2];
        let mut heap: Vec<usize> = (0..values.len()).collect();
        let before = |a: usize, b: usize| (values[a], a) < (values[b], b);
        for i in (0..heap.len() / 2).rev() {
            sift_down(&mut heap, i, before);
        }
        let mut out = Vec::new();
        while let Some(&top) = heap.first() {
            out.push(top);
            let end = heap.len() - 1;
            heap.swap(0, end);
            heap.pop();
            sift_down(&mut heap, 0, before);
        }
        assert_eq!(out, vec![1, 3, 6, 4, 2, 0, 5]);
    }
}
