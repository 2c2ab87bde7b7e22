//! Running a compiled query: read with the cmdlet filters pushed down, keep the asked-for
//! servers, order by time (stable by file and line), cut at `-ResultSize` as the cmdlet does
//! (before any `Where-Object`, which only sees what the cmdlet returned), then run the stages.

use std::path::PathBuf;

use polars::prelude::*;

use super::ast::Stage;
use super::compile::{Context, Plan};
use super::parse::QueryError;
use super::where_eval::mask;
use crate::format::{Field, FieldSet};
use crate::frame::access::text_column;
use crate::ingest::{Diagnostic, FileReport, ReadOptions, read_paths};

/// The columns Format-Table shows by default (the cmdlet's own view, with time and server).
pub const DEFAULT_TABLE: [Field; 7] = [
    Field::Timestamp,
    Field::Server,
    Field::EventId,
    Field::Source,
    Field::Sender,
    Field::Recipients,
    Field::MessageSubject,
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
    Rows(Vec<Field>),
    /// `Group-Object`: Count and Name per group.
    Groups,
    /// `Measure-Object`: a count.
    Count(usize),
    /// `Select-Object -ExpandProperty`: bare values.
    Values(Field),
    /// Any frame, shown as it is (`--sql` results).
    Frame,
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

/// Runs polars SQL over the logs under `paths`, as the table `logs` (columns named as the
/// cmdlet's properties). Only the columns the SQL uses are decoded.
pub fn run_sql(sql: &str, paths: &[PathBuf]) -> Result<Answer, RunError> {
    let (lazy, source) = crate::ingest::scan(paths, ReadOptions::default())?;
    let mut context = polars::sql::SQLContext::new();
    context.register("logs", lazy.clone());
    context.register("MessageTrackingLog", lazy);
    let frame = context.execute(sql)?.collect()?;
    let outcome = source.outcome().unwrap_or_default();
    Ok(Answer {
        frame,
        shape: Shape::Frame,
        cut: None,
        shown: None,
        export_csv: None,
        files: outcome.files,
        diagnostics: outcome.diagnostics,
    })
}

/// The columns a plan needs: those its stages look at, plus what the output shows
/// (`default_output` when the query does not choose). Only these are decoded.
pub fn needed_columns(plan: &Plan, default_output: &[Field]) -> FieldSet {
    let mut needed = FieldSet::of([Field::Timestamp]);
    if !plan.servers.is_empty() {
        needed.insert(Field::Server);
    }
    let mut output: Option<Vec<Field>> = None;
    let mut rows_shown = true;
    for stage in &plan.stages {
        match stage {
            Stage::Where(expr) => expr_columns(expr, &mut needed),
            Stage::Select {
                properties, expand, ..
            } => {
                // The stage itself selects these, whatever comes after it.
                properties
                    .iter()
                    .chain(expand)
                    .for_each(|c| needed.insert(*c));
                if !properties.is_empty() {
                    output = Some(properties.clone());
                }
                if let Some(c) = expand {
                    output = Some(vec![*c]);
                }
            }
            Stage::Sort { properties, .. } => properties.iter().for_each(|c| needed.insert(*c)),
            Stage::Group { properties, .. } => {
                if properties.is_empty() {
                    needed.insert(Field::EventId);
                }
                properties.iter().for_each(|c| needed.insert(*c));
                rows_shown = false;
            }
            Stage::Measure => rows_shown = false,
            Stage::FormatTable(p) | Stage::FormatList(p) => {
                p.iter().for_each(|c| needed.insert(*c));
                if !p.is_empty() {
                    output = Some(p.clone());
                }
            }
            Stage::ExportCsv { .. } | Stage::ConvertToJson => {}
        }
    }
    if rows_shown {
        output
            .unwrap_or_else(|| default_output.to_vec())
            .into_iter()
            .for_each(|c| needed.insert(c));
    }
    needed
}

fn expr_columns(expr: &super::ast::Expr, set: &mut FieldSet) {
    use super::ast::Expr as E;
    match expr {
        E::And(a, b) | E::Or(a, b) => {
            expr_columns(a, set);
            expr_columns(b, set);
        }
        E::Not(a) => expr_columns(a, set),
        E::Compare { property, .. } | E::Truthy(property) => set.insert(*property),
    }
}

/// Reads `paths` and answers `plan`, decoding only `columns`.
pub fn run(
    plan: &Plan,
    paths: &[PathBuf],
    ctx: &Context,
    columns: FieldSet,
) -> Result<Answer, RunError> {
    let mut options = ReadOptions::default().with_filter(plan.filter.clone());
    options.columns = columns;
    let ingest = read_paths(paths, &options)?;
    let mut df = ingest.frame;
    if !plan.servers.is_empty() {
        let keep: BooleanChunked = text_column(&df, Field::Server)?
            .iter()
            .map(|s| Some(plan.keeps_server(s.unwrap_or(""))))
            .collect();
        df = df.filter(&keep)?;
    }
    df = df.sort(
        [Field::Timestamp.name()],
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
        shape: Shape::Rows(Field::ALL.to_vec()),
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

fn names(columns: &[Field]) -> Vec<PlSmallStr> {
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
            group_fields,
            first,
            last,
            expand,
            unique,
        } => {
            let mut out = df.clone();
            if !group_fields.is_empty() {
                out = out.select(group_fields.iter().map(|f| f.name()))?;
                answer.shape = Shape::Frame;
            }
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
                if matches!(column.kind(), crate::format::FieldKind::TextList) {
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
            group_fields,
            descending,
            unique,
        } => {
            let by: Vec<PlSmallStr> = if !group_fields.is_empty() {
                group_fields
                    .iter()
                    .map(|f| PlSmallStr::from_static(f.name()))
                    .collect()
            } else if properties.is_empty() {
                names(&[Field::Timestamp])
            } else {
                names(properties)
            };
            // PowerShell sorts $null below every value.
            let options = SortMultipleOptions::default()
                .with_order_descending(*descending)
                .with_nulls_last(*descending)
                .with_maintain_order(true);
            let mut out = df.sort(by.clone(), options)?;
            if *unique {
                let subset: Vec<String> = by.iter().map(|c| c.to_string()).collect();
                out = out.unique_stable(Some(&subset), UniqueKeepStrategy::First, None)?;
            }
            answer.frame = out;
        }
        Stage::Group { properties, .. } => {
            // Group-Object: one row per distinct key (the properties' values as PowerShell
            // shows them, joined with ", "), largest group first, ties in order of appearance.
            let by = if properties.is_empty() {
                vec![Field::EventId]
            } else {
                properties.clone()
            };
            // Scalar keys are counted by polars first (fast on millions of rows); list keys
            // are counted row by row. Either way the shown names are then merged.
            let scalar = by.iter().all(|c| {
                !matches!(
                    c.kind(),
                    crate::format::FieldKind::TextList | crate::format::FieldKind::KeyValueList
                )
            });
            let (keys, weights): (DataFrame, Vec<u32>) = if scalar {
                let grouped = df
                    .clone()
                    .lazy()
                    .group_by_stable(by.iter().map(|c| col(c.name())).collect::<Vec<_>>())
                    .agg([len().alias("Count")])
                    .collect()?;
                let weights = grouped
                    .column("Count")?
                    .as_materialized_series()
                    .cast(&DataType::UInt32)?
                    .u32()?
                    .iter()
                    .map(|v| v.unwrap_or(0))
                    .collect();
                (grouped.select(names(&by))?, weights)
            } else {
                let keys = df.select(names(&by))?;
                let height = keys.height();
                (keys, vec![1; height])
            };
            let cells = super::display::columns(&keys, ctx.zone)?;
            let mut order: Vec<String> = Vec::new();
            let mut counts: std::collections::HashMap<String, u32> =
                std::collections::HashMap::new();
            for (row, weight) in weights.iter().enumerate() {
                let name = cells
                    .iter()
                    .map(|(_, c)| c[row].display())
                    .collect::<Vec<_>>()
                    .join(", ");
                let n = counts.entry(name.clone()).or_insert(0);
                if *n == 0 {
                    order.push(name);
                }
                *n += weight;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Zone;
    use crate::query::compile::compile;
    use crate::query::parse;

    fn needed(text: &str, default: &[Field]) -> Vec<Field> {
        let ctx = Context {
            now: chrono::Utc::now(),
            zone: Zone::parse("UTC").unwrap(),
        };
        let plan = compile(&parse(text).unwrap(), &ctx, None).unwrap();
        needed_columns(&plan, default).columns()
    }

    #[test]
    fn only_the_columns_a_query_uses_are_decoded() {
        use Field as C;
        assert_eq!(
            needed(
                "Get-MessageTrackingLog -EventId FAIL | Select Sender",
                &C::ALL
            ),
            vec![C::Timestamp, C::Sender]
        );
        assert_eq!(
            needed(
                "Get-MessageTrackingLog | Where {$_.Recipients -match 'x'} | Measure-Object",
                &C::ALL
            ),
            vec![C::Timestamp, C::Recipients]
        );
        assert_eq!(
            needed(
                "Get-MessageTrackingLog -Server EX01 | Group-Object Source",
                &DEFAULT_TABLE
            ),
            vec![C::Timestamp, C::Source, C::Server]
        );
        assert_eq!(
            needed("Get-MessageTrackingLog", &DEFAULT_TABLE).len(),
            DEFAULT_TABLE.len()
        );
        assert_eq!(needed("Get-MessageTrackingLog", &C::ALL).len(), C::COUNT);
    }
}
