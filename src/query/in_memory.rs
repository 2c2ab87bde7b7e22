//! A query's row filters answered over a frame already in memory — the TUI's filter bar.
//!
//! The cmdlet's parameters go through the same compiled filter the reader applies to raw
//! lines (list members re-joined exactly as Exchange writes them, so `-Recipients` and
//! `-Reference` match as they do on disk), then `-Server`, then every Where-Object stage on
//! the engine. Stages that reshape the answer (Select, Sort, Group, Measure, Format,
//! exports) do not select rows; they are named in [`RowSelection::ignored`] so the caller
//! can say so.

use std::rc::Rc;

use polars::prelude::*;

use super::cmdlet::{self, Plan};
use super::rows::{RowSource, as_row};
use super::session::Session;
use crate::directory::Snapshot;
use crate::format::Field;
use crate::frame::access::text_column;
use crate::pwsh::ast::{Block, Command, Element, Span, Statement};
use crate::pwsh::commands::canonical;
use crate::pwsh::culture::Culture;
use crate::pwsh::datetime::DateTime as PsDateTime;
use crate::pwsh::eval::{Engine, EvalError, EvalResult, Host};
use crate::pwsh::parse::{ParseError, parse};
use crate::pwsh::value::Value;

/// Which rows a query keeps.
#[derive(Debug, Clone)]
pub struct RowSelection {
    /// One flag per row of the frame.
    pub keep: Vec<bool>,
    /// The stages that were not applied, by their cmdlet names.
    pub ignored: Vec<String>,
    /// Things the user should know (an unknown event name, an ignored parameter).
    pub notes: Vec<String>,
}

/// The engine's host over a loaded frame: no commands of its own, no files.
struct MemoryHost {
    session: Session,
}

impl Host for MemoryHost {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.session.now
    }
    fn zone(&self) -> crate::format::Zone {
        self.session.zone
    }
    fn culture(&self) -> &'static Culture {
        self.session.culture
    }
    fn command(
        &self,
        _: &mut dyn crate::pwsh::runtime::Scope,
        c: &Command,
        _: Vec<Value>,
    ) -> Option<EvalResult<Vec<Value>>> {
        Some(Err(EvalError::new(
            format!("{} cannot run inside the filter bar's filter", c.name),
            c.name_span.clone(),
        )))
    }
    fn write_file(&self, _: &str, _: &[u8], _: &[u8], _: bool, span: &Span) -> EvalResult<()> {
        Err(EvalError::new(
            "the filter bar writes no files (use x to export the view)",
            span.clone(),
        ))
    }
    fn display_datetime(&self, t: &PsDateTime) -> String {
        t.invariant_string()
    }
    fn note(&self, _: &str) {}
}

fn eval_error(e: EvalError) -> ParseError {
    e.into_parse_error()
}

/// The rows of `df` that the pasted line keeps (its `-ResultSize` is not applied: every
/// match counts).
pub fn select_rows(
    df: &DataFrame,
    text: &str,
    session: Session,
    directory: Option<&Snapshot>,
) -> Result<RowSelection, ParseError> {
    let host = FilterHost::new(session);
    let mut selector = RowSelector::new(&host, text, directory)?;
    let keep = selector.keep(df, false)?;
    let times = if keep.iter().any(|k| *k) {
        None
    } else {
        crate::frame::access::timestamps_ms(df)
            .ok()
            .and_then(|t| Some((*t.iter().min()?, *t.iter().max()?)))
    };
    let (ignored, notes) = selector.finish(times);
    Ok(RowSelection {
        keep,
        ignored,
        notes,
    })
}

/// Where a filter's scripts run: the engine's host over frames of rows, with no commands of
/// its own and no files.
pub struct FilterHost(MemoryHost);

impl FilterHost {
    /// A host for `session`.
    pub fn new(session: Session) -> FilterHost {
        FilterHost(MemoryHost { session })
    }
}

/// A pasted line's row filters, applied to one frame of rows after another with one engine
/// (a script's variables live on from frame to frame, as over one frame): the rows of logs
/// read a batch at a time select as the rows of those logs held at once.
pub struct RowSelector<'h> {
    block: Block,
    /// Where Get-MessageTrackingLog is in the line's pipeline.
    at: usize,
    engine: Engine<'h>,
    plan: Plan,
    session: Session,
    text: String,
    ignored: Vec<String>,
    /// A property a stage asked for that the frames given lacked.
    missing: bool,
}

impl<'h> RowSelector<'h> {
    /// The filter of `text`, checked and planned (its parameters bound).
    pub fn new(
        host: &'h FilterHost,
        text: &str,
        directory: Option<&Snapshot>,
    ) -> Result<RowSelector<'h>, ParseError> {
        let block = parse(text)?;
        let pipeline = match block.statements.as_slice() {
            [Statement::Pipeline(p)] => p,
            _ => {
                return Err(ParseError::new(
                    "the filter is one pipeline of Get-MessageTrackingLog and its stages",
                    0..text.len(),
                ));
            }
        };
        let at = pipeline
            .elements
            .iter()
            .position(|e| matches!(e, Element::Command(c) if c.name.eq_ignore_ascii_case("Get-MessageTrackingLog")))
            .ok_or_else(|| ParseError::new("no Get-MessageTrackingLog in the filter", 0..text.len()))?;
        let Element::Command(gmtl) = &pipeline.elements[at] else {
            unreachable!("found above");
        };
        let session = host.0.session;
        let mut engine = Engine::new(&host.0);
        let plan: Plan =
            cmdlet::plan(&mut engine, &session, gmtl, &[], directory).map_err(eval_error)?;
        let ignored = pipeline.elements[at + 1..]
            .iter()
            .filter_map(|e| match e {
                Element::Command(c) if canonical(&c.name) != Some("Where-Object") => {
                    Some(canonical(&c.name).unwrap_or(&c.name).to_string())
                }
                _ => None,
            })
            .collect();
        Ok(RowSelector {
            block,
            at,
            engine,
            plan,
            session,
            text: text.to_string(),
            ignored,
            missing: false,
        })
    }

    /// The parameters' conditions on rows, which a read may test first (then `keep` is told
    /// so).
    pub fn filter(&self) -> &crate::ingest::RowFilter {
        &self.plan.filter
    }

    /// The columns the filter reads of the rows: those its stages name (every one when a
    /// stage names them all) and Server for `-Server`. Should a stage ask for another, the
    /// frames given are found lacking ([`RowSelector::lacked_columns`]).
    pub fn columns(&self) -> crate::format::FieldSet {
        let needs = super::needed::analyse(&self.block);
        let mut set = if needs.every_property {
            crate::format::FieldSet::all()
        } else {
            needs.mentioned
        };
        if !self.plan.servers.is_empty() {
            set.insert(Field::Server);
        }
        set
    }

    /// True when a stage asked a frame for a property it lacked: the selection is then not
    /// to be trusted, and must be made again with every column.
    pub fn lacked_columns(&self) -> bool {
        self.missing
    }

    /// Which rows of `df` the line keeps; `tested` when the rows already met the parameters'
    /// conditions ([`RowSelector::filter`], tested by the read).
    pub fn keep(&mut self, df: &DataFrame, tested: bool) -> Result<Vec<bool>, ParseError> {
        let Statement::Pipeline(pipeline) = &self.block.statements[0] else {
            unreachable!("checked by new");
        };
        let mut keep = filter_rows(df, &self.plan, tested)
            .map_err(|e| ParseError::new(format!("evaluating the filter failed: {e}"), 0..0))?;
        let mut source: Option<Rc<RowSource>> = None;
        for element in &pipeline.elements[self.at + 1..] {
            let Element::Command(c) = element else {
                continue;
            };
            if canonical(&c.name) != Some("Where-Object") {
                continue;
            }
            let src = match &source {
                Some(s) => s.clone(),
                None => {
                    let s = RowSource::new(df.clone(), self.session.zone).map_err(|e| {
                        ParseError::new(format!("evaluating the filter failed: {e}"), 0..0)
                    })?;
                    source = Some(s.clone());
                    s
                }
            };
            let rows: Vec<Value> = (0..df.height())
                .filter(|i| keep[*i])
                .map(|i| {
                    Value::Object(Rc::new(super::rows::Row {
                        source: src.clone(),
                        index: i,
                    }))
                })
                .collect();
            let kept = crate::pwsh::commands::run(&mut self.engine, c, rows)
                .unwrap_or_else(|| Ok(Vec::new()))
                .map_err(eval_error)?;
            let mut next = vec![false; df.height()];
            for v in &kept {
                if let Some(r) = as_row(v) {
                    next[r.index] = true;
                }
            }
            keep = next;
        }
        if source.is_some_and(|s| !s.missing.borrow().is_empty()) {
            self.missing = true;
        }
        Ok(keep)
    }

    /// The stages not applied (by their cmdlet names) and the notes for the user; `times`,
    /// the first and last time of the rows filtered when none was kept (a note then says
    /// when a time range asked for lies outside them).
    pub fn finish(self, times: Option<(i64, i64)>) -> (Vec<String>, Vec<String>) {
        let mut notes = self.plan.notes;
        if let Some(range) = times
            && let Some(note) = super::empty::time_range_note(
                range,
                (self.plan.filter.start_ms, self.plan.filter.end_ms),
                &self.text,
                &self.session,
            )
        {
            notes.push(note);
        }
        (self.ignored, notes)
    }
}

/// Which rows of `df` the cmdlet's filter and `-Server` keep; the filter not tested again
/// when the read tested it (`tested`).
fn filter_rows(df: &DataFrame, plan: &Plan, tested: bool) -> PolarsResult<Vec<bool>> {
    let mut keep = if tested {
        vec![true; df.height()]
    } else {
        crate::ingest::matching_rows(df, &plan.filter)?
    };
    if !plan.servers.is_empty() {
        let servers = text_column(df, Field::Server)?;
        for (flag, server) in keep.iter_mut().zip(servers.iter()) {
            *flag = *flag && plan.keeps_server(server.unwrap_or(""));
        }
    }
    Ok(keep)
}
