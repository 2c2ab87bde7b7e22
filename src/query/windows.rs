//! A line whose output is every event on its own (Get-MessageTrackingLog `-ResultSize
//! Unlimited`, then only Where-Object filters and Select-Object of properties, or values of
//! each event's properties: `ForEach-Object { $_.Recipients }`, `Select-Object
//! -ExpandProperty`), perhaps paged by a last `Select-Object -Skip S -First N`, run over
//! stores in bounded memory: its rows are read at once while no more than [`WINDOW_ROWS`]
//! match (a read that keeps more stops opening files); when more do, the matching rows' times
//! (read alone, batch by batch) cut time windows of about that many rows each, and the line
//! runs a window at a time, each window's answer written before the next is read. Memory
//! holds one window's rows whatever the store's size.
//!
//! The output is the whole run's, byte for byte: every row of a window is earlier than every
//! row of the next (windows are half-open time ranges), a window's rows are read from the
//! files in the whole read's order and sorted by time as it sorts them (ties keep that
//! order), and each stage acts on an item alone. A store reads a window's rows alone (its
//! manifest and row groups know their times); raw logs would be parsed again for every
//! window, so a line over them runs whole.

use std::path::PathBuf;

use super::no_events::passes_on;
use super::run::{Answer, RunError, run_block};
use super::session::{Reading, Session, unopened_note};
use super::time_windows::Window;
use crate::directory::Snapshot;
use crate::format::Field;
use crate::pwsh::ast::{Arg, Block, Command, Element, ExprKind, Statement};
use crate::pwsh::commands::filter::foreach_block;
use crate::pwsh::commands::format::{TableLayout, TextTable};
use crate::pwsh::commands::{canonical, stream::pure};

/// About how many rows a window holds (and how many a line's read takes before it is read in
/// windows): one window's events, their objects and the output's cells stay well under the
/// 150 MiB a query over a store may take. Every row of 1 GB of logs as CSV (1.82 M rows):
/// 112 MiB in 18 s with windows of 8,192 rows; 16,384 peaked at 159 MiB (4,096 at 105 MiB in
/// 24 s, before a window's text was compacted); a whole run held 4.0 GB.
pub const WINDOW_ROWS: u64 = 8 * 1024;

/// True when `block` is one pipeline of Get-MessageTrackingLog followed only by stages that
/// act on each item alone: Where-Object filters and Select-Object of properties (names,
/// wildcards or calculated properties), none running commands or assigning, and of the
/// events a ForEach-Object of values of their properties or a `Select-Object
/// -ExpandProperty <name>` (not written to a file).
pub fn per_item(block: &Block) -> bool {
    per_item_of(block, false)
}

/// [`per_item`], or with `tables` a line writing its objects to a file as a table too (laid
/// out from every window's rows by a first pass: [`run_time_windows`]).
fn per_item_of(block: &Block, tables: bool) -> bool {
    let [Statement::Pipeline(p)] = block.statements.as_slice() else {
        return false;
    };
    let mut elements = p.elements.iter();
    let Some(Element::Command(first)) = elements.next() else {
        return false;
    };
    let stages: Vec<&Element> = elements.collect();
    let last = stages.len().saturating_sub(1);
    // A sort by time is the order the events come in, or its reverse, only while they are
    // the cmdlet's events (before any Select-Object), and only once.
    let mut events = true;
    let mut sorted = false;
    // Text written to a file (`>`, Out-File) comes in pieces only as a list: a table's
    // widths come from every row.
    let writes_text = p.redirect.is_some()
        || matches!(stages.last(), Some(Element::Command(c)) if canonical(&c.name) == Some("Out-File"));
    if writes_text && !tables && !shown_as_list(&stages) {
        return false;
    }
    // Values made of each event's properties (`ForEach-Object { $_.Sender }`, `Select-Object
    // -ExpandProperty Recipients`) come in pieces as they are printed; written to files
    // they are left whole.
    let mut values = false;
    first.name.eq_ignore_ascii_case("Get-MessageTrackingLog")
        && stages.iter().enumerate().all(|(i, e)| match e {
            Element::Command(c) => match canonical(&c.name) {
                Some("Where-Object") => pure(c),
                Some("Select-Object") if events && expands_a_name(c) => {
                    events = false;
                    values = true;
                    true
                }
                Some("Select-Object") => {
                    events = false;
                    pure(c) && selects_properties(c)
                }
                Some("ForEach-Object")
                    if events && outputs_values_of_events(c, &p.elements[..=i]) =>
                {
                    events = false;
                    values = true;
                    true
                }
                Some("Sort-Object") if events && !sorted && sort_by_time(c).is_some() => {
                    sorted = true;
                    true
                }
                Some("Export-Csv") => i == last && p.redirect.is_none() && pure(c) && !values,
                Some("Out-File") => i == last && p.redirect.is_none() && pure(c) && !values,
                _ => false,
            },
            Element::Expr(_) => false,
        })
}

/// `Sort-Object Timestamp` (`-Property Timestamp`), with `-Descending` or not: whether it is
/// descending. `None` for any other Sort-Object.
pub(super) fn sort_by_time(c: &Command) -> Option<bool> {
    sort_by_property(c)
        .filter(|(name, _)| name.eq_ignore_ascii_case("Timestamp"))
        .map(|(_, descending)| descending)
}

/// The property and direction of a Sort-Object by one plain property name (`Sort-Object
/// TotalBytes -Descending`, `-Property TotalBytes`): `(name, descending)`; `None` for any
/// other parameter, or a second property.
pub(super) fn sort_by_property(c: &Command) -> Option<(&str, bool)> {
    let mut descending = false;
    let mut property: Option<&str> = None;
    let mut args = c.args.iter().peekable();
    fn plain(e: &crate::pwsh::ast::Expr) -> Option<&str> {
        match &e.kind {
            ExprKind::Str(s) if !s.contains(['*', '?', '[']) => Some(s.as_str()),
            _ => None,
        }
    }
    while let Some(a) = args.next() {
        match a {
            Arg::Param { name, value, .. } => {
                let name = name.to_ascii_lowercase();
                if !name.is_empty() && "descending".starts_with(&name) && value.is_none() {
                    descending = true;
                } else if name.len() >= 2 && "property".starts_with(&name) && property.is_none() {
                    let v = match value {
                        Some(v) => v,
                        None => match args.next() {
                            Some(Arg::Value(v)) => v,
                            _ => return None,
                        },
                    };
                    property = Some(plain(v)?);
                } else {
                    return None;
                }
            }
            Arg::Value(e) if property.is_none() => property = Some(plain(e)?),
            Arg::Value(_) => return None,
        }
    }
    property.map(|p| (p, descending))
}

/// Whether the line sorts its events by time: `Some(descending)`.
fn time_order(block: &Block) -> Option<bool> {
    let Some(Statement::Pipeline(p)) = block.statements.first() else {
        return None;
    };
    p.elements.iter().find_map(|e| match e {
        Element::Command(c) if canonical(&c.name) == Some("Sort-Object") => sort_by_time(c),
        _ => None,
    })
}

/// Whether `zone`'s offset from UTC never falls between `first` and `last` (ms): local times
/// then rise with UTC, and events sorted by their local Timestamp stay in time order. A
/// fall-back hour repeats local times, which a sort interleaves across windows.
fn offsets_never_fall(zone: crate::format::Zone, (first, last): (i64, i64)) -> bool {
    const HOUR: i64 = 3_600_000;
    let offset = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|t| zone.local(t).offset().local_minus_utc())
    };
    let mut before = offset(first.saturating_sub(HOUR));
    let mut at = first.saturating_sub(HOUR);
    while at <= last.saturating_add(2 * HOUR) {
        let now = offset(at);
        if let (Some(b), Some(n)) = (before, now)
            && n < b
        {
            return false;
        }
        before = now;
        at = at.saturating_add(HOUR / 2);
    }
    true
}

/// Whether `block` writes text to a file: `>`, or a last stage of Out-File.
pub(super) fn writes_text(block: &Block) -> bool {
    let Some(Statement::Pipeline(p)) = block.statements.first() else {
        return false;
    };
    p.redirect.is_some()
        || matches!(p.elements.last(), Some(Element::Command(c)) if canonical(&c.name) == Some("Out-File"))
}

/// Whether `block` writes its objects to a file as text (`>`, Out-File) in a table.
fn writes_table_text(block: &Block) -> bool {
    let Some(Statement::Pipeline(p)) = block.statements.first() else {
        return false;
    };
    let stages: Vec<&Element> = p.elements.iter().skip(1).collect();
    writes_text(block) && !shown_as_list(&stages)
}

/// The layout of the table `block` writes as text, from the rows of every window (a run of
/// the line over each that writes nothing); `None` when no window wrote a table.
fn measured_layout(
    windows: &[Window],
    block: &Block,
    paths: &[PathBuf],
    session: Session,
    directory: Option<&Snapshot>,
    output: &[Field],
) -> Result<Option<TableLayout>, RunError> {
    let mut layout: Option<TableLayout> = None;
    for window in windows {
        let reading = Reading::Window {
            window: *window,
            continues_text: false,
            table: TextTable::Measure,
            beyond: None,
        };
        let answer = run_window(block, paths, session, directory, output, reading)?;
        match (&mut layout, answer.measured) {
            (Some(layout), Some(more)) => layout
                .merge(&more)
                .map_err(|m| RunError::Eval(crate::pwsh::eval::EvalError::new(m, 0..0)))?,
            (None, more) => layout = more,
            (Some(_), None) => {}
        }
    }
    Ok(layout)
}

/// Whether the objects `stages` (after Get-MessageTrackingLog) output are shown as a list:
/// the events themselves (their default view has more than four properties), or a
/// Select-Object of five or more property names, none a wildcard or a calculated property.
fn shown_as_list(stages: &[&Element]) -> bool {
    let selected = stages.iter().rev().find_map(|e| match e {
        Element::Command(c) if canonical(&c.name) == Some("Select-Object") => Some(c),
        _ => None,
    });
    let Some(select) = selected else {
        return true;
    };
    let mut names = 0;
    for item in selection_items(select) {
        match &item.kind {
            ExprKind::Str(s) if !s.contains(['*', '?', '[']) => names += 1,
            _ => return false,
        }
    }
    names >= 5
}

/// Every value given to the Select-Object `c` (a [`selects_properties`] one), each item of a
/// list on its own.
fn selection_items(c: &Command) -> impl Iterator<Item = &crate::pwsh::ast::Expr> {
    c.args
        .iter()
        .filter_map(|a| match a {
            Arg::Param { value: Some(v), .. } | Arg::Value(v) => Some(v),
            Arg::Param { value: None, .. } => None,
        })
        .flat_map(|v| match &v.kind {
            ExprKind::List(items) => items.iter().collect::<Vec<_>>(),
            _ => vec![v],
        })
}

/// `block` (a [`per_item`] line) with `-Append` given to its Export-Csv or Out-File, or
/// `>` made `>>`, if it writes a file: the line the windows after the first run. Export-Csv `-Append` adds rows under the header the
/// file has and writes a file with no text yet (a first window of no rows leaves a
/// byte-order mark at most) as a new one, so the windows together write the whole run's file;
/// `-NoClobber` was checked by the first window.
pub(super) fn appending(block: &Block) -> Option<Block> {
    let mut block = block.clone();
    let Some(Statement::Pipeline(p)) = block.statements.first_mut() else {
        return None;
    };
    if let Some(r) = &mut p.redirect {
        r.append = true;
        return Some(block);
    }
    let Some(Element::Command(c)) = p.elements.last_mut() else {
        return None;
    };
    if !matches!(canonical(&c.name), Some("Export-Csv" | "Out-File")) {
        return None;
    }
    let appends = c.args.iter().any(|a| {
        matches!(a, Arg::Param { name, .. } if !name.is_empty() && "append".starts_with(&name.to_ascii_lowercase()))
    });
    if appends {
        return Some(block);
    }
    c.args.push(Arg::Param {
        name: "Append".into(),
        value: None,
        span: c.span.clone(),
    });
    Some(block)
}

/// A Select-Object given only properties (`-Property` or one positional list).
fn selects_properties(c: &Command) -> bool {
    let mut positional = 0;
    let mut args = c.args.iter().peekable();
    while let Some(a) = args.next() {
        match a {
            Arg::Param { name, value, .. } => {
                let name = name.to_ascii_lowercase();
                if name.is_empty() || !"property".starts_with(&name) {
                    return false;
                }
                // `-Property x` takes the next value.
                if value.is_none() && matches!(args.peek(), Some(Arg::Value(_))) {
                    args.next();
                }
            }
            Arg::Value(e) => {
                positional += 1;
                if matches!(e.kind, ExprKind::Variable(_)) {
                    // `$props` may be anything, even a switch's value.
                    return false;
                }
            }
        }
    }
    positional <= 1
}

/// Whether `c` is `Select-Object -ExpandProperty <name>` alone: each item's value of one
/// property (a list's elements each on their own).
fn expands_a_name(c: &Command) -> bool {
    use crate::pwsh::commands::select::SELECT_PARAMS;
    crate::pwsh::runtime::bind(c, &SELECT_PARAMS).is_ok_and(|b| {
        b.positional.is_empty()
            && matches!(b.named.as_slice(), [("ExpandProperty", Some(e), _)]
                if matches!(&e.kind, ExprKind::Str(s) if !s.is_empty() && !s.contains(['*', '?', '['])))
    })
}

/// About how many rows a window holds: [`WINDOW_ROWS`], or `MSGTRACK_WINDOW_ROWS`.
pub fn window_rows() -> u64 {
    crate::settings::number("MSGTRACK_WINDOW_ROWS").unwrap_or(WINDOW_ROWS)
}

/// How many properties a Select-Object holds per value before the window's objects make it
/// hold fewer rows: an event is read from its window's columns as asked, where a selection
/// copies every property it names (`Select-Object *` of every RECEIVE event of 1 GB: 182 MiB
/// with windows of 8,192 rows, 74 MiB with 2,048).
const PROPERTIES_PER_WINDOW_ROW: u64 = 8;

/// About how many rows a window of `block` holds, `rows` being a window of events: fewer when
/// a Select-Object of the line makes objects of more than [`PROPERTIES_PER_WINDOW_ROW`]
/// properties (a wildcard counts as every property of an event), never fewer than 1,024 (or
/// `rows`, if smaller).
pub(super) fn rows_for(block: &Block, rows: u64) -> u64 {
    let [Statement::Pipeline(p)] = block.statements.as_slice() else {
        return rows;
    };
    let widest = p
        .elements
        .iter()
        .filter_map(|e| match e {
            Element::Command(c) if canonical(&c.name) == Some("Select-Object") => Some(c),
            _ => None,
        })
        .map(|c| {
            selection_items(c)
                .map(|i| match &i.kind {
                    ExprKind::Str(s) if s.contains(['*', '?', '[']) => Field::ALL.len(),
                    _ => 1,
                })
                .sum::<usize>()
        })
        .max()
        .unwrap_or(0) as u64;
    if widest <= PROPERTIES_PER_WINDOW_ROW {
        return rows;
    }
    (rows * PROPERTIES_PER_WINDOW_ROW / widest).max(rows.min(1024))
}

/// Whether `block` runs a time window at a time over stores covering `covered` (ms): a
/// [`per_item`] line, sorted by time only where the zone's clocks are never set back.
pub(super) fn in_time_windows(
    block: &Block,
    zone: crate::format::Zone,
    covered: (i64, i64),
) -> bool {
    per_item_of(block, true) && (time_order(block).is_none() || offsets_never_fall(zone, covered))
}

/// Runs `block` (a line [`in_time_windows`] runs) over the stores `paths` a time window of
/// about `rows` rows at a time, giving `each` the answer of every window in order (one when
/// few rows match): see [`super::streamed::run_in_windows`].
#[allow(clippy::too_many_arguments)]
pub(super) fn run_time_windows(
    rows: u64,
    block: &Block,
    mut paging: Option<Paging>,
    paths: &[PathBuf],
    session: Session,
    directory: Option<&Snapshot>,
    output: &[Field],
    each: &mut dyn FnMut(&Answer) -> std::io::Result<()>,
) -> Result<Option<Answer>, RunError> {
    let order = time_order(block);
    // Text written to a file holds a window's events three times over (their view, its
    // text, the text encoded): windows of a quarter. Every event of 1 GB with `>`: 101 MiB
    // in 60 s (231 MiB with windows of 8,192 rows, 58 s).
    let rows = if writes_text(block) { rows / 4 } else { rows };
    let reading = Reading::UpTo(rows.max(1));
    let windows = match run_block(block, paths, session, directory, output, reading)? {
        // Few rows: the whole answer, in one piece.
        Ok(mut answer) => {
            if let Some(paging) = &mut paging {
                paging.page(&mut answer.items);
            }
            each(&answer)?;
            // Its notes were said with it.
            answer.notes.clear();
            return Ok(Some(answer));
        }
        // Sorted newest first: the windows from the last.
        Err(windows) if order == Some(true) => windows.into_iter().rev().collect(),
        Err(windows) => windows,
    };
    // A table written as text is laid out from every window's rows: measured first.
    let layout = if writes_table_text(block) {
        measured_layout(&windows, block, paths, session, directory, output)?
    } else {
        None
    };
    let mut said = Said::default();
    let mut last: Option<Answer> = None;
    let appended = appending(block);
    let mut stopped = false;
    // Whether a window before wrote text into the line's file.
    let mut text_written = false;
    for window in windows {
        // The windows after the first append to the file it wrote (a list's text goes on
        // from the text before).
        let line = match (&appended, &last) {
            (Some(appended), Some(_)) => appended,
            _ => block,
        };
        let continues_text = text_written && layout.is_none() && writes_text(block);
        // The table's header comes with the first window that writes text.
        let table = match &layout {
            Some(layout) => TextTable::Given {
                layout: layout.clone(),
                header: !text_written,
            },
            None => TextTable::Own,
        };
        let reading = Reading::Window {
            window,
            continues_text,
            table,
            beyond: None,
        };
        let mut answer = run_window(line, paths, session, directory, output, reading)?;
        said.take(&mut answer);
        text_written |= answer.wrote_text;
        let paged_out = paging.as_mut().is_some_and(|p| p.page(&mut answer.items));
        each(&answer)?;
        last = Some(answer);
        // The page is full: no later window adds to it.
        if paged_out {
            stopped = true;
            break;
        }
    }
    let note = match paging {
        Some(paging) if stopped => said.stopped_note(paging.taken, order == Some(true)),
        _ => said.unopened_note(),
    };
    Ok(last.map(|mut last| {
        last.notes = note.into_iter().collect();
        last
    }))
}

/// How a last `Select-Object -Skip S -First N` (either or both, with properties or not) of
/// a line pages the items the line before it outputs: those items come a window at a time in
/// their order, so the page is the same cut of their concatenation as of the whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Paging {
    /// Items still to skip.
    skip: usize,
    /// Items still to keep (`None`: all after the skipped).
    first: Option<usize>,
    /// Items kept so far.
    taken: usize,
}

impl Paging {
    /// Keeps of the next `items` those the page takes; true when it takes no more.
    fn page(&mut self, items: &mut Vec<crate::pwsh::value::Value>) -> bool {
        let skipped = self.skip.min(items.len());
        items.drain(..skipped);
        self.skip -= skipped;
        if let Some(first) = &mut self.first {
            items.truncate(*first);
            *first -= items.len();
        }
        self.taken += items.len();
        self.first == Some(0)
    }
}

/// `block` without the paging of its last stage, a Select-Object given `-Skip` and/or
/// `-First` as literal whole numbers and otherwise only properties (kept as that stage, or
/// no stage when none), and that paging. `None` for any other line (`-Last`, `-Index`,
/// `-Unique`, numbers from variables, a redirection; `-ExpandProperty`, whose `-First` and
/// `-Skip` count the objects it takes, not the values it gives).
pub(super) fn paged(block: &Block) -> Option<(Block, Paging)> {
    use crate::pwsh::commands::select::SELECT_PARAMS;
    let [Statement::Pipeline(p)] = block.statements.as_slice() else {
        return None;
    };
    let Some(Element::Command(last)) = p.elements.last() else {
        return None;
    };
    if p.elements.len() < 2
        || p.redirect.is_some()
        || canonical(&last.name) != Some("Select-Object")
    {
        return None;
    }
    let bound = crate::pwsh::runtime::bind(last, &SELECT_PARAMS).ok()?;
    if !bound
        .named
        .iter()
        .all(|(n, _, _)| matches!(*n, "Property" | "First" | "Skip"))
        || bound.positional.len() > 1
        || (bound.has("Property") && !bound.positional.is_empty())
    {
        return None;
    }
    let count = |name: &str| -> Option<Option<usize>> {
        match bound.get(name) {
            None => Some(None),
            Some((Some(e), _)) => e
                .whole_number()
                .and_then(|n| usize::try_from(n).ok())
                .map(Some),
            Some((None, _)) => None,
        }
    };
    let (skip, first) = (count("Skip")?, count("First")?);
    if skip.is_none() && first.is_none() {
        return None;
    }
    let property = match bound.get("Property") {
        Some((Some(e), _)) => Some(e),
        Some((None, _)) => return None,
        None => bound.positional.first().copied(),
    };
    let mut line = p.clone();
    line.elements.pop();
    if let Some(property) = property {
        let mut select = last.clone();
        select.args = vec![Arg::Value(property.clone())];
        line.elements.push(Element::Command(select));
    }
    let paging = Paging {
        skip: skip.unwrap_or(0),
        first,
        taken: 0,
    };
    Some((
        Block {
            statements: vec![Statement::Pipeline(line)],
        },
        paging,
    ))
}

/// Runs a line over one time window of the stores `paths` (the arguments as
/// [`run_block`]'s): its answer.
pub(super) fn run_window(
    line: &Block,
    paths: &[PathBuf],
    session: Session,
    directory: Option<&Snapshot>,
    output: &[Field],
    reading: Reading,
) -> Result<Answer, RunError> {
    match run_block(line, paths, session, directory, output, reading)? {
        // A window's answer is gathered with the others': held.
        Ok(mut answer) => {
            answer.hold_spilled()?;
            Ok(answer)
        }
        Err(_) => Err(RunError::Eval(crate::pwsh::eval::EvalError::new(
            "a read of one time window asked for windows again",
            0..0,
        ))),
    }
}

/// What the windows of a run said: each note and diagnostic once, and the files no window
/// opened (those the line's own time range leaves unopened).
#[derive(Default)]
pub(super) struct Said {
    said: std::collections::HashSet<String>,
    unopened: Option<Vec<PathBuf>>,
}

impl Said {
    /// Keeps in `answer` the notes and diagnostics no window before said, and counts the
    /// files it left unopened.
    pub(super) fn take(&mut self, answer: &mut Answer) {
        let here: std::collections::HashSet<&PathBuf> = answer.unopened.iter().collect();
        match &mut self.unopened {
            None => self.unopened = Some(answer.unopened.clone()),
            Some(all) => all.retain(|p| here.contains(p)),
        }
        self.take_said(answer);
    }

    /// Keeps in `answer` the notes and diagnostics not said before (an answer that read
    /// nothing, whose files say nothing of what was opened).
    pub(super) fn take_said(&mut self, answer: &mut Answer) {
        answer.notes.retain(|n| self.said.insert(n.clone()));
        answer
            .diagnostics
            .retain(|d| self.said.insert(d.to_string()));
    }

    /// The note naming the files no window opened.
    pub(super) fn unopened_note(&self) -> Option<String> {
        self.unopened.as_deref().and_then(unopened_note)
    }

    /// Says of the files no window opened that a run reading windows from the earliest time
    /// (from the latest when `reverse`) stopped once it had the line's `rows` rows.
    pub(super) fn stopped_note(&self, rows: usize, reverse: bool) -> Option<String> {
        let unopened = self.unopened_count();
        (unopened > 0).then(|| {
            format!(
                "{unopened} file(s) not opened: the line's {rows} rows were found reading from the {} time, and these hold only {} times (or lie outside -Start/-End)",
                if reverse { "latest" } else { "earliest" },
                if reverse { "earlier" } else { "later" },
            )
        })
    }

    /// How many files no window opened.
    pub(super) fn unopened_count(&self) -> usize {
        self.unopened.as_ref().map_or(0, Vec::len)
    }
}

/// True when `c` is a ForEach-Object whose input is the cmdlet's events (Get-MessageTrackingLog,
/// then only stages that pass objects on) and whose every statement is a value made of an
/// event's property (`$_.Recipients`, `$_.Sender.Split('@')[1]`, `$_.TotalBytes / 1KB`): an
/// event's properties are text, numbers, times and lists of them, so no event is output.
fn outputs_values_of_events(c: &Command, before: &[Element]) -> bool {
    /// A value made of a property of `$_` (not its `PSObject`, which is the event again).
    fn of_a_property(e: &crate::pwsh::ast::Expr) -> bool {
        match &e.kind {
            ExprKind::Member {
                target,
                name,
                is_static: false,
            } if target.is_current_item() => {
                !name.eq_ignore_ascii_case("PSObject") && !name.eq_ignore_ascii_case("psbase")
            }
            ExprKind::Member {
                target,
                is_static: false,
                ..
            } => of_a_property(target),
            ExprKind::Method {
                target,
                is_static: false,
                ..
            }
            | ExprKind::Index { target, .. } => of_a_property(target),
            ExprKind::Binary { left, right, .. } => [left, right].iter().all(|e| {
                of_a_property(e) || matches!(e.kind, ExprKind::Str(_) | ExprKind::Number(_))
            }),
            _ => false,
        }
    }
    let Some(body) = foreach_block(c).map(|b| &b.body) else {
        return false;
    };
    let events_in = match before.split_first() {
        Some((Element::Command(first), rest)) => {
            first.name.eq_ignore_ascii_case("Get-MessageTrackingLog")
                && rest
                    .iter()
                    .all(|e| matches!(e, Element::Command(earlier) if passes_on(earlier)))
        }
        _ => false,
    };
    events_in
        && !body.statements.is_empty()
        && body.statements.iter().all(|s| match s {
            Statement::Pipeline(p) => {
                matches!(p.elements.as_slice(), [Element::Expr(e)] if of_a_property(e))
                    && p.redirect.is_none()
            }
            _ => false,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pwsh::parse::parse;

    #[test]
    fn a_last_skip_and_first_become_a_paging_of_the_line_before() {
        let paging = |line: &str| {
            paged(&parse(line).expect("parses")).map(|(b, p)| {
                let [Statement::Pipeline(line)] = b.statements.as_slice() else {
                    return (0, None, p);
                };
                let last = match line.elements.last() {
                    Some(Element::Command(c)) => Some((c.name.clone(), c.args.len())),
                    _ => None,
                };
                (line.elements.len(), last, p)
            })
        };
        let all = "Get-MessageTrackingLog -ResultSize Unlimited";
        let pages = |skip, first| Paging {
            skip,
            first,
            taken: 0,
        };
        // The paging stage goes; its properties stay as a stage of their own.
        assert_eq!(
            paging(&format!("{all} | Select-Object -Skip 100 -First 5")),
            Some((
                1,
                Some(("Get-MessageTrackingLog".into(), 2)),
                pages(100, Some(5))
            ))
        );
        assert_eq!(
            paging(&format!("{all} | Select-Object Sender,EventId -Skip 3")),
            Some((2, Some(("Select-Object".into(), 1)), pages(3, None)))
        );
        assert_eq!(
            paging(&format!("{all} | Select -Property Sender -First 2")),
            Some((2, Some(("Select".into(), 1)), pages(0, Some(2))))
        );
        // Anything else: not paged.
        for end in [
            "Select-Object -Last 5",
            "Select-Object -Skip 5 -Last 5",
            "Select-Object -Index 5",
            "Select-Object Sender -Unique -First 5",
            "Select-Object -ExpandProperty Sender -First 5",
            "Select-Object -First $n",
            "Select-Object -First (2+3)",
            "Select-Object -First -1",
            "Select-Object Sender",
            "Select-Object -First 5 > out.txt",
            "Select-Object -First 5 | Format-Table",
        ] {
            assert_eq!(paging(&format!("{all} | {end}")), None, "{end}");
        }
        // Pages over windows: skip 3, keep 4, of windows of 2, 2, 3 and 5 items.
        let mut paging = pages(3, Some(4));
        let mut kept = Vec::new();
        let mut full = Vec::new();
        for (from, n) in [(0, 2), (2, 2), (4, 3), (7, 5)] {
            let mut items: Vec<crate::pwsh::value::Value> = (from..from + n)
                .map(crate::pwsh::value::Value::Int)
                .collect();
            full.push(paging.page(&mut items));
            kept.extend(items.iter().map(|v| v.to_text()));
        }
        // 0 1 skipped; 2 skipped, 3 kept; 4 5 6 kept: full; nothing more of the last.
        assert_eq!(kept, ["3", "4", "5", "6"]);
        assert_eq!(full, [false, false, true, true]);
        assert_eq!(paging.taken, 4);
    }

    #[test]
    fn a_window_of_wide_selections_holds_fewer_rows() {
        let rows = |line: &str, of: u64| rows_for(&parse(line).expect("parses"), of);
        let all = "Get-MessageTrackingLog -ResultSize Unlimited";
        // Events, and selections of eight properties or fewer: windows of events.
        assert_eq!(rows(all, 8192), 8192);
        assert_eq!(
            rows(&format!("{all} | Select-Object a,b,c,d,e,f,g,h"), 8192),
            8192
        );
        // Nine: 8,192 × 8 / 9 = 7,281; every property of an event (36): 1,820.
        assert_eq!(
            rows(&format!("{all} | Select-Object a,b,c,d,e,f,g,h,i"), 8192),
            7281
        );
        assert_eq!(rows(&format!("{all} | Select-Object *"), 8192), 1820);
        assert_eq!(
            rows(
                &format!("{all} | Select-Object -Property Sender,Time*"),
                8192
            ),
            1771
        );
        // Never under 1,024, nor more than asked.
        assert_eq!(rows(&format!("{all} | Select-Object *"), 2048), 1024);
        assert_eq!(rows(&format!("{all} | Select-Object *"), 2), 2);
    }

    #[test]
    fn a_sort_by_local_time_keeps_time_order_unless_clocks_go_back() {
        let ms = |t: &str| {
            chrono::DateTime::parse_from_rfc3339(t)
                .expect("a time")
                .timestamp_millis()
        };
        let berlin = crate::format::Zone::parse("Europe/Berlin").expect("a zone");
        // Clocks went back in Berlin at 03:00 CEST on 25 October 2026; forward on 29 March.
        let autumn = (ms("2026-10-24T12:00:00Z"), ms("2026-10-26T12:00:00Z"));
        let spring = (ms("2026-03-28T12:00:00Z"), ms("2026-03-30T12:00:00Z"));
        let november = (ms("2026-11-20T00:00:00Z"), ms("2026-11-24T00:00:00Z"));
        assert!(!offsets_never_fall(berlin, autumn));
        assert!(offsets_never_fall(berlin, spring));
        assert!(offsets_never_fall(berlin, november));
        let utc = crate::format::Zone::parse("UTC").expect("UTC");
        assert!(offsets_never_fall(utc, autumn));
        // The change an hour past the last row still counts (a margin on both sides).
        let just_before = (ms("2026-10-24T12:00:00Z"), ms("2026-10-25T00:30:00Z"));
        assert!(!offsets_never_fall(berlin, just_before));
    }

    fn per_item_line(text: &str) -> bool {
        per_item(&parse(text).expect("parses"))
    }

    #[test]
    fn only_a_read_then_filters_and_selections_run_a_window_at_a_time() {
        for line in [
            "Get-MessageTrackingLog -ResultSize Unlimited",
            "Get-MessageTrackingLog -ResultSize Unlimited | ? {$_.EventId -eq 'FAIL'}",
            "Get-MessageTrackingLog -ResultSize Unlimited | Where EventId -eq FAIL | Select Timestamp,Sender",
            "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object -Property Timestamp, @{n='To';e={$_.Recipients -join ';'}}",
            "Get-MessageTrackingLog -ResultSize Unlimited | select *",
            "Get-MessageTrackingLog -ResultSize Unlimited | Select Timestamp,Sender | Export-Csv x.csv -NoTypeInformation",
            "Get-MessageTrackingLog -ResultSize Unlimited | Export-Csv x.csv -Append",
            "Get-MessageTrackingLog -ResultSize Unlimited | Export-Csv x.csv -NoClobber",
            // Text written to a file as a list: the events, or five properties or more.
            "Get-MessageTrackingLog -ResultSize Unlimited > x.txt",
            "Get-MessageTrackingLog -ResultSize Unlimited | ? EventId -eq FAIL | Out-File x.txt -Append",
            "Get-MessageTrackingLog -ResultSize Unlimited | Select Timestamp,EventId,Sender,Recipients,TotalBytes >> x.txt",
            "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object Timestamp -Descending | Select Sender",
            "Get-MessageTrackingLog -ResultSize Unlimited | ? EventId -eq FAIL | sort -Property timestamp",
        ] {
            assert!(per_item_line(line), "{line}");
        }
        for line in [
            // A sort, a cut, a fold: each needs every item first.
            "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object Sender",
            "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object Timestamp,Sender",
            "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object Timestamp -Unique",
            // After a selection, Timestamp may be anything.
            "Get-MessageTrackingLog -ResultSize Unlimited | Select @{n='Timestamp';e={$_.Sender}} | Sort Timestamp",
            "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object -First 5",
            "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object Sender -Unique",
            "Get-MessageTrackingLog -ResultSize Unlimited | Measure-Object",
            "Get-MessageTrackingLog -ResultSize Unlimited | Group-Object EventId",
            // A filter that remembers what it saw.
            "Get-MessageTrackingLog -ResultSize Unlimited | ? {$n++; $_.EventId -eq 'FAIL'}",
            // Files written by redirection, statements before, other sources.
            "Get-MessageTrackingLog -ResultSize Unlimited | Export-Csv x.csv | Select-Object *",
            // Text written as a table (its widths come from every row), or of properties
            // not known before the line runs.
            "Get-MessageTrackingLog -ResultSize Unlimited | Select Timestamp,Sender > x.txt",
            "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object -Property Timestamp,EventId,Sender,Recipients | Out-File x.txt",
            "Get-MessageTrackingLog -ResultSize Unlimited | Select * | Out-File x.txt",
            "Get-MessageTrackingLog -ResultSize Unlimited | Select Timestamp,EventId,Sender,Recipients,@{n='To';e={1}} > x.txt",
            "Get-MessageTrackingLog -ResultSize Unlimited | Out-File x.txt | Select-Object *",
            "Get-MessageTrackingLog -ResultSize Unlimited | Export-Csv x.csv > y.txt",
            "$s = 'FAIL'; Get-MessageTrackingLog -EventId $s -ResultSize Unlimited",
            "Get-TransportService | Get-MessageTrackingLog -ResultSize Unlimited",
            "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object $props",
        ] {
            assert!(!per_item_line(line), "{line}");
        }
    }
}
