//! `Get-MessageTrackingLog -ResultSize Unlimited | [Where-Object …] | Sort-Object <keys> |
//! Select-Object -First N [properties]` — the largest messages, the first failures — and
//! `… | [Sort-Object <keys> |] Select-Object -Last N [properties]` — the latest events — over
//! stores in bounded memory: the line runs a time window at a time ([`super::windows`]'s
//! windows), each window giving its own first N in the sort's order, and the candidates kept
//! are the first N of those so far, sorted again with the line's own Sort-Object. Memory holds
//! a window and 2N rows, where a whole run holds every event to sort them (900 MiB for 1 GB).
//!
//! The answer is the whole run's: the first N of all rows are among the first N of the windows
//! that hold them, and the sort is stable (equal keys keep their input order), so ties keep
//! the order of the windows, which is the order the rows come in.

use std::path::PathBuf;
use std::rc::Rc;

use polars::prelude::*;

use super::run::{Answer, RunError, run_block};
use super::session::{QueryHost, Read, Reading, Session};
use super::time_windows::stores_cover;
use super::windows::{Said, run_window, sort_by_property, sort_by_time, window_rows};
use crate::directory::Snapshot;
use crate::format::{Field, FieldSet};
use crate::pwsh::ast::{Arg, Block, Command, Element, ExprKind, Pipeline, Statement};
use crate::pwsh::commands::format::TextTable;
use crate::pwsh::commands::{canonical, stream::pure};
use crate::pwsh::eval::{Engine, EvalError};
use crate::pwsh::parse::parse;
use crate::pwsh::value::Value;

/// A line of the shape this module runs, taken apart.
struct TopLine {
    /// The line each window runs: up to the sort, then `Select-Object -First N`.
    per_window: Block,
    /// The line's Sort-Object, then `Select-Object -First N`: the candidates kept.
    keep: Pipeline,
    /// The line's Sort-Object and Select-Object: the answer from the candidates.
    answer: Pipeline,
    /// When the answer's rows are the first or last N in time (no sort, or a sort by
    /// Timestamp alone): the windows (whose times do not overlap) are read from that end,
    /// until N rows are kept.
    early: Option<Early>,
    /// When the sort is by one whole-number property (`Sort-Object TotalBytes -Descending |
    /// Select-Object -First N`): that property, whether descending, and N. Once N rows are
    /// kept, a later window's rows whose value is not beyond the Nth kept's cannot come
    /// before it (equal ones come after, being later): the reader leaves them out.
    bounded: Option<(Field, bool, usize)>,
}

/// Where a line's N rows lie in time: the windows are read from the last (`reverse`) or the
/// first, and the reading stops once `n` rows are kept.
#[derive(Clone, Copy)]
struct Early {
    reverse: bool,
    n: usize,
}

/// The parts of `block` when it is one pipeline of Get-MessageTrackingLog, pure Where-Object
/// stages, one pure Sort-Object (`-Unique` only by plain names) and a final `Select-Object -First N` or
/// `-Last N` (a literal N up to a window's rows) with properties or none, and nothing else;
/// or the same without the Sort-Object and with `-Last N` (the last N of the input order,
/// which the windows come in).
fn top_line(block: &Block, rows: u64) -> Option<TopLine> {
    let [Statement::Pipeline(p)] = block.statements.as_slice() else {
        return None;
    };
    if p.redirect.is_some() {
        return None;
    }
    let (Element::Command(first), rest) = p.elements.split_first()? else {
        return None;
    };
    let (filters, sort, select) = match rest {
        [
            filters @ ..,
            Element::Command(sort),
            Element::Command(select),
        ] if canonical(&sort.name) == Some("Sort-Object") => (filters, Some(sort), select),
        [filters @ .., Element::Command(select)] => (filters, None, select),
        _ => return None,
    };
    let filters_pure = filters.iter().all(
        |e| matches!(e, Element::Command(c) if canonical(&c.name) == Some("Where-Object") && pure(c)),
    );
    // With `-Unique`, each window keeps the first of equal keys and so does the merge of
    // the windows' candidates: by plain names, whose values compare consistently.
    let unique = sort.is_some_and(|sort| {
        crate::pwsh::runtime::bind(sort, &crate::pwsh::commands::sort::SORT_PARAMS)
            .is_ok_and(|b| b.has("Unique"))
    });
    let sorts = sort
        .is_none_or(|sort| pure(sort) && (!unique || super::reorder::sort_names(sort).is_some()));
    if !first.name.eq_ignore_ascii_case("Get-MessageTrackingLog")
        || !filters_pure
        || !sorts
        || canonical(&select.name) != Some("Select-Object")
        || !pure(select)
    {
        return None;
    }
    let (end, n, count) = first_or_last(select, rows)?;
    let mut keep_select = select.clone();
    keep_select.args = vec![
        Arg::Param {
            name: end.into(),
            value: None,
            span: select.span.clone(),
        },
        n,
    ];
    let mut per_window = block.clone();
    if let Some(Statement::Pipeline(w)) = per_window.statements.first_mut()
        && let Some(last) = w.elements.last_mut()
    {
        *last = Element::Command(keep_select.clone());
    }
    let pipeline = |last: &Command| Pipeline {
        elements: sort
            .iter()
            .map(|s| Element::Command((*s).clone()))
            .chain([Element::Command(last.clone())])
            .collect(),
        redirect: None,
        span: p.span.clone(),
    };
    let bounded = sort
        .filter(|_| !unique && end == "First")
        .and_then(|sort| sort_by_property(sort))
        .and_then(|(name, descending)| {
            Field::from_name(name)
                .filter(|f| f.kind() == crate::format::FieldKind::Integer)
                .map(|f| (f, descending, count))
        });
    Some(TopLine {
        bounded,
        per_window,
        keep: pipeline(&keep_select),
        answer: pipeline(select),
        early: match (sort.map(sort_by_time), end) {
            // The first or last N of the input order.
            (None, end) => Some(Early {
                reverse: end == "Last",
                n: count,
            }),
            // The first of ascending and the last of descending are the earliest rows.
            (Some(Some(descending)), end) if !unique => Some(Early {
                reverse: descending == (end == "First"),
                n: count,
            }),
            (Some(_), _) => None,
        },
    })
}

/// `First` or `Last` and the `N` of a Select-Object given `-First N` or `-Last N` and
/// otherwise only properties (names, a list, calculated ones; `-ExpandProperty`; `-Skip S`
/// before `-First`);
/// `None` for any other Select-Object, or an N past a window's rows. Its arguments are read
/// as the command binds them.
fn first_or_last(select: &Command, rows: u64) -> Option<(&'static str, Arg, usize)> {
    use crate::pwsh::commands::select::SELECT_PARAMS;
    let bound = crate::pwsh::runtime::bind(select, &SELECT_PARAMS).ok()?;
    // A literal whole number, or `None`.
    let literal = |e: Option<&crate::pwsh::ast::Expr>| e.and_then(|e| e.whole_number());
    let mut end: Option<(&'static str, &crate::pwsh::ast::Expr, i64)> = None;
    let mut skip = 0;
    for (name, value, _) in &bound.named {
        match *name {
            // (`-ExpandProperty` expands the objects `-First`/`-Last` take: the answer runs
            // the line's Select-Object over the rows kept.)
            "Property" | "ExpandProperty" => {}
            "Skip" => skip = literal(*value).filter(|n| *n >= 0)?,
            "First" | "Last" if end.is_none() => {
                end = Some((name, (*value)?, literal(*value).filter(|n| *n > 0)?));
            }
            _ => return None,
        }
    }
    let (end, n, count) = end?;
    // `-Skip S -First N` keeps the first S + N (the answer skips S of them); `-Skip` with
    // `-Last` skips from the start, which the last rows alone cannot tell.
    let kept = count.checked_add(skip)?;
    if (end == "Last" && skip > 0) || kept as u64 > rows {
        return None;
    }
    let n = crate::pwsh::ast::Expr {
        kind: ExprKind::Number(crate::pwsh::number::Number::Long(kept)),
        span: n.span.clone(),
    };
    Some((end, Arg::Value(n), usize::try_from(kept).ok()?))
}

/// Runs `text` over the stores `paths` as the module says: the whole answer, or `None` when
/// the line is not of that shape, a path is not a store, or few rows match (run it whole).
pub fn run_top(
    text: &str,
    paths: &[PathBuf],
    session: Session,
    directory: Option<&Snapshot>,
    output: &[Field],
) -> Result<Option<Answer>, RunError> {
    run_top_of(window_rows(), text, paths, session, directory, output)
}

/// [`run_top`] with windows of about `rows` rows (`MSGTRACK_WINDOW_ROWS` sets it for the
/// command).
pub fn run_top_of(
    rows: u64,
    text: &str,
    paths: &[PathBuf],
    session: Session,
    directory: Option<&Snapshot>,
    output: &[Field],
) -> Result<Option<Answer>, RunError> {
    let block = parse(text).map_err(RunError::Parse)?;
    let block = super::cmdlet::every_server_dropped(&block).unwrap_or(block);
    let block = super::reorder::sort_first(&block).unwrap_or(block);
    let Some(top) = top_line(&block, rows) else {
        return Ok(None);
    };
    if stores_cover(paths).is_none() {
        return Ok(None);
    }
    // The columns the whole line reads: the answer's properties and output come from the
    // rows kept.
    let needs = super::needed::analyse(&block);
    let text_shown = session.shown != super::settings::Shown::Whole;
    let read = super::needed::columns(&needs, output, text_shown).columns();
    let all = read.as_slice();
    // Read late: when the rows kept are sorted by something other than time and shown with
    // more columns than the filters and the sort read (whole events), every window is read
    // for those columns alone, and then only the times of the N rows kept are read again
    // with all of them (see `late_windows`).
    let narrow = super::needed::columns(&needs, &[Field::Timestamp], text_shown).columns();
    let late = top.early.is_none() && narrow.len() < read.len();
    let first_read = if late { narrow.as_slice() } else { all };
    let reading = Reading::UpTo(rows.max(1));
    let windows = match run_block(
        &top.per_window,
        paths,
        session,
        directory,
        first_read,
        reading,
    )? {
        Ok(_) => return Ok(None),
        Err(windows) => windows,
    };
    let host = QueryHost::new(session, paths, directory, FieldSet::all());
    let mut engine = Engine::new(&host);
    let inputs = Inputs {
        paths,
        session,
        directory,
    };
    let mut swept = sweep(&top, windows, first_read, &inputs, &mut engine)?;
    if late {
        let windows = late_windows(&swept.kept)?;
        let again = sweep(&top, windows, all, &inputs, &mut engine)?;
        swept.kept = again.kept;
    }
    let Swept {
        kept,
        said,
        mut notes,
        diagnostics,
        files,
        plan,
        stopped,
    } = swept;
    let (source, kept) = compact(&kept, session.zone)?;
    let items = engine
        .pipeline(&top.answer, Some(kept))
        .map_err(RunError::Eval)?;
    if !source.missing.borrow().is_empty() {
        // A property the analysis did not foresee was not read: run the line whole.
        return Ok(None);
    }
    match top.early {
        // The files of the windows not read are not opened either.
        Some(e) if stopped && said.unopened_count() > 0 => {
            notes.extend(said.stopped_note(e.n, e.reverse))
        }
        _ => notes.extend(said.unopened_note()),
    }
    let enumeration_limit = engine.enumeration_limit_at_end();
    drop(engine);
    let reads = plan
        .map(|(plan, covered)| Read {
            source,
            plan,
            covered,
        })
        .into_iter()
        .collect();
    Ok(Some(Answer {
        items,
        reads,
        cut: None,
        files,
        diagnostics,
        notes,
        enumeration_limit,
        ..Answer::default()
    }))
}

/// What every window is read with.
struct Inputs<'a> {
    paths: &'a [PathBuf],
    session: Session,
    directory: Option<&'a Snapshot>,
}

/// What reading the windows gave: the rows kept, what the windows said, the plan of the
/// first read, and whether the reading stopped early.
struct Swept {
    kept: Vec<Value>,
    said: Said,
    notes: Vec<String>,
    diagnostics: Vec<crate::ingest::Diagnostic>,
    files: Vec<crate::ingest::FileReport>,
    plan: Option<(super::cmdlet::Plan, Option<(i64, i64)>)>,
    stopped: bool,
}

/// Reads `windows` of the stores for `top`'s line, decoding `columns`: each window's
/// candidates are added to those kept and cut to the line's N again.
fn sweep(
    top: &TopLine,
    mut windows: Vec<super::time_windows::Window>,
    columns: &[Field],
    inputs: &Inputs<'_>,
    engine: &mut Engine<'_>,
) -> Result<Swept, RunError> {
    let Inputs {
        paths,
        session,
        directory,
    } = *inputs;
    let mut swept = Swept {
        kept: Vec::new(),
        said: Said::default(),
        notes: Vec::new(),
        diagnostics: Vec::new(),
        files: Vec::new(),
        plan: None,
        stopped: false,
    };
    if top.early.is_some_and(|e| e.reverse) {
        windows.reverse();
    }
    let mut beyond = None;
    for window in windows {
        let reading = Reading::Window {
            window,
            continues_text: false,
            table: TextTable::Own,
            beyond: beyond.clone(),
        };
        let mut answer = run_window(&top.per_window, paths, session, directory, columns, reading)?;
        swept.said.take(&mut answer);
        swept.notes.append(&mut answer.notes);
        swept.diagnostics.append(&mut answer.diagnostics);
        swept
            .files
            .extend(answer.files.iter().filter(|f| f.refused.is_some()).cloned());
        if swept.plan.is_none() {
            swept.plan = answer.reads.first().map(|r| (r.plan.clone(), r.covered));
        }
        let kept = &mut swept.kept;
        match top.early {
            // An earlier window's rows go before those kept.
            Some(Early { reverse: true, .. }) => kept
                .splice(0..0, answer.items.iter().cloned())
                .for_each(drop),
            _ => kept.extend(answer.items.iter().cloned()),
        }
        drop(answer);
        *kept = engine
            .pipeline(&top.keep, Some(std::mem::take(kept)))
            .map_err(RunError::Eval)?;
        *kept = compact(kept, session.zone)?.1;
        if let Some((field, descending, n)) = top.bounded
            && kept.len() >= n
        {
            match bound_of(&kept[n - 1..n], field, descending, &top.keep, engine)? {
                Bound::Beyond(condition) => beyond = Some(condition),
                Bound::None => {}
                // No later row can come before the Nth: the windows left are not read.
                Bound::Reached => break,
            }
        }
        if top.early.is_some_and(|e| kept.len() >= e.n) {
            swept.stopped = true;
            break;
        }
    }
    Ok(swept)
}

/// What the later windows' reads may leave out, once N rows are kept.
enum Bound {
    /// The rows not meeting this condition.
    Beyond(crate::ingest::FieldCondition),
    /// Nothing.
    None,
    /// Every row: none can come before the Nth kept.
    Reached,
}

/// What a window's read may leave out after `last`, the Nth row a sort by whole-number
/// `field` keeps: rows whose value is not beyond its value, and rows of no value when the
/// line's own sort (`keep`) puts `$null` after that value. When the Nth has no value: every
/// row if the sort puts `$null` before the least and the greatest whole numbers (a later row
/// of no value ties with it and comes after it, a row of a value comes after it), else
/// nothing.
fn bound_of(
    last: &[Value],
    field: Field,
    descending: bool,
    keep: &Pipeline,
    engine: &mut Engine<'_>,
) -> Result<Bound, RunError> {
    let frame = gathered(last)?;
    let value = frame
        .column(field.name())?
        .cast(&DataType::Int64)?
        .i64()?
        .get(0);
    // Asked of the sort itself: a value and `$null`, in that order; whether the value
    // stays first.
    let mut value_first = |value: i64| -> Result<bool, RunError> {
        let object = |v: Value| {
            Value::Object(Rc::new(crate::pwsh::value::CustomObject {
                properties: vec![(field.name().into(), v)],
                ..Default::default()
            }))
        };
        let sorted = engine
            .pipeline(
                keep,
                Some(vec![object(Value::Long(value)), object(Value::Null)]),
            )
            .map_err(RunError::Eval)?;
        Ok(match sorted.first() {
            Some(Value::Object(o)) => o
                .property(field.name())
                .is_some_and(|v| !matches!(v, Value::Null)),
            _ => false,
        })
    };
    let Some(bound) = value else {
        return Ok(if !value_first(i64::MIN)? && !value_first(i64::MAX)? {
            Bound::Reached
        } else {
            Bound::None
        });
    };
    let value_first = value_first(bound)?;
    Ok(Bound::Beyond(crate::ingest::FieldCondition {
        field,
        test: crate::ingest::FieldTest::Beyond {
            bound,
            above: descending,
            empty: !value_first,
        },
    }))
}

/// The windows that hold the rows `kept` (events): a millisecond at each of their times.
/// Read with every row of those times, they give the same rows kept as all the windows:
/// the line's N first of all the rows are among these rows, which keep their order (time,
/// then the files'), and no other row of them comes before one of those N (nor, with
/// `-Unique`, stands for a key before theirs: its key's first row would be one of them).
fn late_windows(kept: &[Value]) -> Result<Vec<super::time_windows::Window>, RunError> {
    let frame = gathered(kept)?;
    let mut times = crate::frame::access::timestamps_ms(&frame)?;
    times.sort_unstable();
    times.dedup();
    Ok(times
        .into_iter()
        .map(|t| (Some(t), Some(t.saturating_add(1))))
        .collect())
}

/// The events `rows` (rows of windows' reads) copied, in order, into one frame of their own
/// ([`super::rows::gathered`]); an error when one is not an event.
pub(super) fn gathered(rows: &[Value]) -> Result<DataFrame, RunError> {
    super::rows::gathered(rows)?.ok_or_else(not_events)
}

/// The events `rows` copied, in order, into one source of their own
/// ([`super::rows::compacted`]); an error when one is not an event.
pub(super) fn compact(
    rows: &[Value],
    zone: crate::format::Zone,
) -> Result<(Rc<super::rows::RowSource>, Vec<Value>), RunError> {
    super::rows::compacted(rows, zone)?.ok_or_else(not_events)
}

fn not_events() -> RunError {
    RunError::Eval(EvalError::new(
        "Sort-Object gave something other than the events it was given",
        0..0,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shaped(line: &str) -> bool {
        top_line(&parse(line).expect("parses"), 8192).is_some()
    }

    #[test]
    fn only_a_filtered_sort_then_the_first_n_runs_a_window_at_a_time() {
        for line in [
            "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object TotalBytes -Descending | Select-Object -First 10",
            "Get-MessageTrackingLog -EventId FAIL -ResultSize Unlimited | ? {$_.Sender -like '*@contoso.com'} | sort Sender,Timestamp | select -First 5 Timestamp,Sender,@{n='To';e={$_.Recipients -join ';'}}",
            "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object @{e={$_.Recipients.Count}} | Select-Object -Property EventId,Sender -First 3",
            "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object TotalBytes | Select-Object -Last 3",
            "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object -Last 10",
            "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object TotalBytes | Select-Object -First 3 -Skip 1",
            "Get-MessageTrackingLog -EventId FAIL -ResultSize Unlimited | Where-Object {$_.Sender -like '*@contoso.com'} | Select-Object Timestamp,Sender -Last 5",
            // -Unique by plain names: each window's first of equal keys, then the merge's.
            "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object TotalBytes -Unique | Select-Object -First 3",
        ] {
            assert!(shaped(line), "{line}");
        }
        for line in [
            "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object TotalBytes",
            "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object {$_.TotalBytes} -Unique | Select-Object -First 3",
            "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object TotalBytes | Select-Object -First 3 -Last 2",
            "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object -Last 3 -Skip 1",
            "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object TotalBytes | Select-Object -First $n",
            "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object TotalBytes | Select-Object -First 1000000",
            "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object TotalBytes | Select-Object -First 3 | Format-List",
            "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object TotalBytes | Select-Object -First 3 > x.txt",
            "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object Sender | Sort-Object Sender | Select-Object -First 3",
            "Get-MessageTrackingLog -ResultSize Unlimited | Sort-Object {$script:n++} | Select-Object -First 3",
        ] {
            assert!(!shaped(line), "{line}");
        }
    }

    #[test]
    fn a_sort_by_timestamp_alone_is_read_from_the_end_that_holds_its_rows() {
        let early = |line: &str| {
            top_line(&parse(line).expect("parses"), 8192)
                .and_then(|t| t.early)
                .map(|e| (e.reverse, e.n))
        };
        let line = |sort: &str, select: &str| {
            format!(
                "Get-MessageTrackingLog -ResultSize Unlimited | {sort} | Select-Object {select}"
            )
        };
        assert_eq!(
            early(&line("Sort-Object Timestamp", "-First 3")),
            Some((false, 3))
        );
        assert_eq!(
            early(&line("Sort-Object Timestamp -Descending", "-First 3")),
            Some((true, 3))
        );
        assert_eq!(
            early(&line("sort -Property timestamp -desc", "-Last 2")),
            Some((false, 2))
        );
        assert_eq!(
            early(&line("Sort-Object Timestamp", "-Last 2 Sender")),
            Some((true, 2))
        );
        assert_eq!(
            early("Get-MessageTrackingLog -ResultSize Unlimited | Select-Object -Last 4"),
            Some((true, 4))
        );
        assert_eq!(
            early("Get-MessageTrackingLog -ResultSize Unlimited | Select-Object -First 4"),
            Some((false, 4))
        );
        assert_eq!(
            early(
                "Get-MessageTrackingLog -ResultSize Unlimited | Select-Object -Skip 2 -First 4 Sender"
            ),
            Some((false, 6))
        );
        // Any other key, or another parameter: every window is read.
        for sort in [
            "Sort-Object Timestamp,Sender",
            "Sort-Object TotalBytes",
            "Sort-Object Timestamp -CaseSensitive",
            "Sort-Object {$_.Timestamp}",
        ] {
            assert_eq!(early(&line(sort, "-First 3")), None, "{sort}");
        }
    }
}
