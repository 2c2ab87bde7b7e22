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
use crate::pwsh::ast::{Command, Element, Span, Statement};
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
    let host = MemoryHost { session };
    let mut engine = Engine::new(&host);
    let plan: Plan =
        cmdlet::plan(&mut engine, &session, gmtl, &[], directory).map_err(eval_error)?;
    let mut keep = filter_rows(df, &plan)
        .map_err(|e| ParseError::new(format!("evaluating the filter failed: {e}"), 0..0))?;
    let mut ignored = Vec::new();
    let mut source: Option<Rc<RowSource>> = None;
    for element in &pipeline.elements[at + 1..] {
        let Element::Command(c) = element else {
            continue;
        };
        if canonical(&c.name) != Some("Where-Object") {
            ignored.push(canonical(&c.name).unwrap_or(&c.name).to_string());
            continue;
        }
        let src = match &source {
            Some(s) => s.clone(),
            None => {
                let s = RowSource::new(df.clone(), session.zone).map_err(|e| {
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
        let kept = crate::pwsh::commands::run(&mut engine, c, rows)
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
    let mut notes = plan.notes;
    if !keep.iter().any(|k| *k)
        && let Ok(times) = crate::frame::access::timestamps_ms(df)
        && let (Some(first), Some(last)) = (times.iter().min(), times.iter().max())
        && let Some(note) = super::empty::time_range_note(
            (*first, *last),
            (plan.filter.start_ms, plan.filter.end_ms),
            text,
            &session,
        )
    {
        notes.push(note);
    }
    Ok(RowSelection {
        keep,
        ignored,
        notes,
    })
}

/// The cmdlet's filter and `-Server` over a frame's rows.
fn filter_rows(df: &DataFrame, plan: &Plan) -> PolarsResult<Vec<bool>> {
    let mut keep = crate::ingest::matching_rows(df, &plan.filter)?;
    if !plan.servers.is_empty() {
        let servers = text_column(df, Field::Server)?;
        for (flag, server) in keep.iter_mut().zip(servers.iter()) {
            *flag = *flag && plan.keeps_server(server.unwrap_or(""));
        }
    }
    Ok(keep)
}
