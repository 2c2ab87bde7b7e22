//! A query's row filters answered over a frame already in memory — the TUI's filter bar.
//!
//! The cmdlet parameters go through the same [`CompiledFilter`] the reader applies to raw
//! lines (so `-Recipients`, `-EventId`, `-MessageSubject` … match exactly as they do on
//! disk), then `-Server`, then every `Where` stage. Stages that reshape the answer
//! (`Select`, `Sort`, `Group`, `Measure`, `Format-*`, exports) do not select rows; they are
//! named in [`RowSelection::ignored`] so the caller can say so.

use std::borrow::Cow;

use polars::prelude::*;

use super::ast::Stage;
use super::compile::Plan;
use super::parse::QueryError;
use super::where_eval::mask;
use crate::format::Zone;
use crate::format::{Field, FieldKind};
use crate::frame::access::{StringListView, text_column, timestamps_ms};

/// Which rows a query keeps.
#[derive(Debug, Clone)]
pub struct RowSelection {
    /// One flag per row of the frame.
    pub keep: Vec<bool>,
    /// The stages that were not applied, by their cmdlet names.
    pub ignored: Vec<&'static str>,
}

fn stage_name(stage: &Stage) -> Option<&'static str> {
    Some(match stage {
        Stage::Where(_) => return None,
        Stage::Select { .. } => "Select-Object",
        Stage::Sort { .. } => "Sort-Object",
        Stage::Group { .. } => "Group-Object",
        Stage::Measure => "Measure-Object",
        Stage::FormatTable(_) => "Format-Table",
        Stage::FormatList(_) => "Format-List",
        Stage::ExportCsv { .. } => "Export-Csv",
        Stage::ConvertToJson => "ConvertTo-Json",
    })
}

/// The text of one field, as the reader's filter sees it.
enum FieldCells<'a> {
    Text(StringChunked),
    List(StringListView<'a>),
}

fn polars_error(e: PolarsError) -> QueryError {
    QueryError {
        message: format!("evaluating the filter failed: {e}"),
        span: 0..0,
        suggestion: None,
    }
}

/// The rows of `df` that `plan` keeps (its `-ResultSize` is not applied: every match counts).
pub fn select_rows(df: &DataFrame, plan: &Plan, zone: Zone) -> Result<RowSelection, QueryError> {
    let height = df.height();
    let mut keep = vec![true; height];
    let filter = plan.filter.compile();
    if !filter.is_empty() {
        let times = timestamps_ms(df).map_err(polars_error)?;
        let mut fields = Vec::new();
        for condition in &plan.filter.conditions {
            let column = condition.field;
            let cells = match column.kind() {
                FieldKind::TextList => {
                    FieldCells::List(StringListView::new(df, column).map_err(polars_error)?)
                }
                _ => FieldCells::Text(text_column(df, column).map_err(polars_error)?),
            };
            fields.push((condition.field, cells));
        }
        let mut members = Vec::new();
        for (i, flag) in keep.iter_mut().enumerate() {
            if !filter.time_matches(times[i]) {
                *flag = false;
                continue;
            }
            *flag = filter.fields_match(|field| {
                let (_, cells) = fields.iter().find(|(f, _)| *f == field)?;
                Some(match cells {
                    FieldCells::Text(t) => Cow::Borrowed(t.get(i).unwrap_or("")),
                    FieldCells::List(l) => {
                        l.fill(i, &mut members);
                        Cow::Owned(members.join(";"))
                    }
                })
            });
        }
    }
    if !plan.servers.is_empty() {
        let servers = text_column(df, Field::Server).map_err(polars_error)?;
        for (flag, server) in keep.iter_mut().zip(servers.iter()) {
            *flag = *flag && plan.keeps_server(server.unwrap_or(""));
        }
    }
    let mut ignored = Vec::new();
    for stage in &plan.stages {
        match stage {
            Stage::Where(expr) => {
                let m = mask(df, expr, zone)?;
                keep.iter_mut().zip(m).for_each(|(k, m)| *k = *k && m);
            }
            other => ignored.extend(stage_name(other)),
        }
    }
    Ok(RowSelection { keep, ignored })
}
