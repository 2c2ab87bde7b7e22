//! Running a compiled query: read with the cmdlet filters pushed down, keep the asked-for
//! servers, order by time (stable by file and line), cut at `-ResultSize` as the cmdlet does
//! (before any `Where-Object`, which only sees what the cmdlet returned), then run the stages.

use std::path::PathBuf;

use polars::prelude::*;

use super::ast::Stage;
use super::compile::{Context, Plan};
use super::filter::mask;
use super::parse::QueryError;
use crate::frame::Column as LogColumn;
use crate::ingest::{Diagnostic, FileReport, ReadOptions, read_paths};

/// The columns Format-Table shows by default (the cmdlet's own view, with time and server).
pub const DEFAULT_TABLE: [LogColumn; 7] = [
    LogColumn::Timestamp,
    LogColumn::Server,
    LogColumn::EventId,
    LogColumn::Source,
    LogColumn::Sender,
    LogColumn::Recipients,
    LogColumn::MessageSubject,
];

/// How the answer wants to be shown, when a stage said so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Table,
    List,
    Json,
}

/// What the answer is.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// Event rows, with the properties to show (all when not narrowed).
    Rows(Vec<LogColumn>),
    /// `Group-Object`: Count and Name per group.
    Groups,
    /// `Measure-Object`: a count.
    Count(usize),
    /// `Select-Object -ExpandProperty`: bare values.
    Values(LogColumn),
}

/// The cmdlet's cut at `-ResultSize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cut {
    pub shown: usize,
    pub total: usize,
}

/// A query's result.
pub struct Answer {
    pub frame: DataFrame,
    pub shape: Shape,
    pub cut: Option<Cut>,
    pub shown: Option<Shown>,
    /// `Export-Csv` asked for a file.
    pub export_csv: Option<String>,
    pub files: Vec<FileReport>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Why a query could not run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Read(#[from] crate::ingest::ReadError),
    #[error("{0}")]
    Frame(#[from] PolarsError),
    #[error("{}", .0.message)]
    Query(QueryError),
}

/// Reads `paths` and answers `plan`.
pub fn run(plan: &Plan, paths: &[PathBuf], ctx: &Context) -> Result<Answer, RunError> {
    let options = ReadOptions::default().with_filter(plan.filter.clone());
    let ingest = read_paths(paths, &options)?;
    let mut df = ingest.frame;
    if !plan.servers.is_empty() {
        let servers = df
            .column(LogColumn::Server.name())?
            .as_materialized_series()
            .cast(&DataType::String)?;
        let keep: BooleanChunked = servers
            .str()?
            .iter()
            .map(|s| {
                let short = s
                    .unwrap_or("")
                    .split('.')
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase();
                Some(plan.servers.contains(&short))
            })
            .collect();
        df = df.filter(&keep)?;
    }
    df = df.sort(
        [LogColumn::Timestamp.name()],
        SortMultipleOptions::default().with_maintain_order(true),
    )?;
    let total = df.height();
    let mut cut = None;
    if let Some(limit) = plan.result_size
        && total > limit
    {
        df = df.head(Some(limit));
        cut = Some(Cut {
            shown: limit,
            total,
        });
    }
    let mut answer = Answer {
        frame: df,
        shape: Shape::Rows(LogColumn::ALL.to_vec()),
        cut,
        shown: None,
        export_csv: None,
        files: ingest.files,
        diagnostics: ingest.diagnostics,
    };
    for stage in &plan.stages {
        apply(stage, &mut answer, ctx)?;
    }
    Ok(answer)
}

fn names(columns: &[LogColumn]) -> Vec<PlSmallStr> {
    columns
        .iter()
        .map(|c| PlSmallStr::from_static(c.name()))
        .collect()
}

fn apply(stage: &Stage, answer: &mut Answer, ctx: &Context) -> Result<(), RunError> {
    let df = &answer.frame;
    match stage {
        Stage::Where(expr) => {
            let keep: BooleanChunked = mask(df, expr, ctx.zone)
                .map_err(RunError::Query)?
                .into_iter()
                .map(Some)
                .collect();
            answer.frame = df.filter(&keep)?;
        }
        Stage::Select {
            properties,
            first,
            last,
            expand,
            unique,
        } => {
            let mut out = df.clone();
            if !properties.is_empty() {
                out = out.select(names(properties))?;
                answer.shape = Shape::Rows(properties.clone());
            }
            if *unique {
                out = out.unique_stable(None, UniqueKeepStrategy::First, None)?;
            }
            if let Some(n) = first {
                out = out.head(Some(*n));
            }
            if let Some(n) = last {
                out = out.tail(Some(*n));
            }
            if let Some(column) = expand {
                out = out.select([column.name()])?;
                if matches!(column.kind(), crate::frame::ColumnKind::TextList) {
                    out = out.explode(
                        [column.name()],
                        ExplodeOptions {
                            empty_as_null: false,
                            keep_nulls: false,
                        },
                    )?;
                }
                answer.shape = Shape::Values(*column);
            }
            answer.frame = out;
        }
        Stage::Sort {
            properties,
            descending,
            unique,
        } => {
            let by = if properties.is_empty() {
                vec![LogColumn::Timestamp]
            } else {
                properties.clone()
            };
            // PowerShell sorts $null below every value.
            let options = SortMultipleOptions::default()
                .with_order_descending(*descending)
                .with_nulls_last(*descending)
                .with_maintain_order(true);
            let mut out = df.sort(names(&by), options)?;
            if *unique {
                let subset: Vec<String> = by.iter().map(|c| c.name().to_string()).collect();
                out = out.unique_stable(Some(&subset), UniqueKeepStrategy::First, None)?;
            }
            answer.frame = out;
        }
        Stage::Group { properties, .. } => {
            // Group-Object: one row per distinct key (the properties' values as PowerShell
            // shows them, joined with ", "), largest group first, ties in order of appearance.
            let by = if properties.is_empty() {
                vec![LogColumn::EventId]
            } else {
                properties.clone()
            };
            let keys = df.select(names(&by))?;
            let cells = super::output::columns(&keys, ctx.zone)?;
            let mut order: Vec<String> = Vec::new();
            let mut counts: std::collections::HashMap<String, u32> =
                std::collections::HashMap::new();
            for row in 0..keys.height() {
                let name = cells
                    .iter()
                    .map(|(_, c)| c[row].display())
                    .collect::<Vec<_>>()
                    .join(", ");
                let n = counts.entry(name.clone()).or_insert(0);
                if *n == 0 {
                    order.push(name);
                }
                *n += 1;
            }
            order.sort_by_key(|name| std::cmp::Reverse(counts[name]));
            let count_col: Vec<u32> = order.iter().map(|n| counts[n]).collect();
            answer.frame = DataFrame::new(
                order.len(),
                vec![
                    Series::new("Count".into(), count_col).into(),
                    Series::new("Name".into(), order).into(),
                ],
            )?;
            answer.shape = Shape::Groups;
        }
        Stage::Measure => {
            answer.shape = Shape::Count(df.height());
        }
        Stage::FormatTable(properties) => {
            answer.shown = Some(Shown::Table);
            if !properties.is_empty() {
                answer.frame = df.select(names(properties))?;
                answer.shape = Shape::Rows(properties.clone());
            }
        }
        Stage::FormatList(properties) => {
            answer.shown = Some(Shown::List);
            if !properties.is_empty() {
                answer.frame = df.select(names(properties))?;
                answer.shape = Shape::Rows(properties.clone());
            }
        }
        Stage::ExportCsv { path } => answer.export_csv = Some(path.clone()),
        Stage::ConvertToJson => answer.shown = Some(Shown::Json),
    }
    Ok(())
}
