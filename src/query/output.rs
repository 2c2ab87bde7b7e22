//! Printing answers: `table` (Format-Table-like), `list` (Format-List-like), `csv` (arrays
//! joined with `;`, never `System.String[]`), `json` (one array) and `ndjson`. Keys are the
//! property names; times are printed in the query's zone with their offset.

use std::io::Write;

use polars::prelude::*;
use serde_json::{Map, Value as Json, json};

use super::display::{Cell, columns};
use super::run::{Answer, Shape};
use crate::format::Field;
use crate::format::Zone;

/// An output format (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    List,
    Csv,
    Json,
    Ndjson,
    /// Apache Parquet, written to a file (`--out`), with the frame's own types.
    Parquet,
}

impl Format {
    /// Parses `--format`.
    pub fn parse(name: &str) -> Result<Format, String> {
        match name.to_ascii_lowercase().as_str() {
            "table" => Ok(Format::Table),
            "list" => Ok(Format::List),
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "ndjson" | "jsonl" => Ok(Format::Ndjson),
            "parquet" => Ok(Format::Parquet),
            other => Err(format!(
                "unknown format '{other}'; use table, list, csv, json, ndjson or parquet"
            )),
        }
    }
}

/// Keeps the columns a shape shows, in its order.
pub fn shown_frame(answer: &Answer, default_columns: &[Field]) -> PolarsResult<DataFrame> {
    match &answer.shape {
        Shape::Rows(cols) => {
            let cols = if cols.len() == Field::ALL.len() {
                default_columns
            } else {
                cols.as_slice()
            };
            let present: Vec<&str> = cols
                .iter()
                .map(|c| c.name())
                .filter(|n| answer.frame.column(n).is_ok())
                .collect();
            answer.frame.select(present)
        }
        Shape::Groups | Shape::Count(_) | Shape::Values(_) | Shape::Frame => {
            Ok(answer.frame.clone())
        }
    }
}

/// Writes the answer's frame as Parquet (the frame's own types: lists stay lists,
/// categoricals stay dictionaries, Timestamp stays a UTC datetime).
pub fn write_parquet(answer: &Answer, out: impl Write) -> PolarsResult<()> {
    let mut frame = shown_frame(answer, &Field::ALL)?;
    ParquetWriter::new(out).finish(&mut frame)?;
    Ok(())
}

const MAX_CELL: usize = 60;

fn clip(text: &str, width: usize) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if clean.chars().count() <= width {
        clean
    } else {
        let mut s: String = clean.chars().take(width.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// Writes the answer. `table_columns` are the columns a table shows when the query did not
/// choose any; JSON, CSV and lists show every property then.
pub fn write(
    answer: &Answer,
    format: Format,
    zone: Zone,
    table_columns: &[Field],
    out: &mut impl Write,
) -> std::io::Result<()> {
    let to_io = |e: PolarsError| std::io::Error::other(e.to_string());
    if let Shape::Count(n) = answer.shape {
        return match format {
            Format::Json | Format::Ndjson => writeln!(out, "{}", json!({"Count": n})),
            Format::Csv => writeln!(out, "Count\r\n{n}"),
            _ => writeln!(out, "Count : {n}"),
        };
    }
    let frame = match format {
        Format::Table => shown_frame(answer, table_columns),
        Format::Parquet => return write_parquet(answer, out).map_err(to_io),
        _ => shown_frame(answer, &Field::ALL),
    }
    .map_err(to_io)?;
    let cols = columns(&frame, zone).map_err(to_io)?;
    let rows = frame.height();
    if let Shape::Values(_) = answer.shape {
        if let Some((_, cells)) = cols.first() {
            if matches!(format, Format::Json) {
                let values: Vec<Json> = cells.iter().map(Cell::json).collect();
                return writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&values).unwrap_or_default()
                );
            }
            for c in cells {
                writeln!(out, "{}", c.display())?;
            }
        }
        return Ok(());
    }
    match format {
        Format::Table => {
            let headers: Vec<String> = cols
                .iter()
                .map(|(n, _)| {
                    if n == "Timestamp" {
                        format!("Timestamp ({})", zone.label())
                    } else {
                        n.clone()
                    }
                })
                .collect();
            let widths: Vec<usize> = cols
                .iter()
                .zip(&headers)
                .map(|((_, cells), h)| {
                    cells
                        .iter()
                        .map(|c| c.display().chars().count())
                        .max()
                        .unwrap_or(0)
                        .max(h.chars().count())
                        .min(MAX_CELL)
                })
                .collect();
            let line = |cells: Vec<String>| -> String {
                let last = cells.len().saturating_sub(1);
                cells
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        if i == last {
                            clip(c, MAX_CELL)
                        } else {
                            format!("{:<w$}", clip(c, widths[i]), w = widths[i])
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
                    .trim_end()
                    .to_string()
            };
            writeln!(out, "{}", line(headers.clone()))?;
            writeln!(
                out,
                "{}",
                line(
                    headers
                        .iter()
                        .map(|h| "-".repeat(h.chars().count().min(MAX_CELL)))
                        .collect()
                )
            )?;
            for r in 0..rows {
                writeln!(
                    out,
                    "{}",
                    line(cols.iter().map(|(_, cells)| cells[r].display()).collect())
                )?;
            }
        }
        Format::List => {
            let width = cols.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
            for r in 0..rows {
                writeln!(out)?;
                for (name, cells) in &cols {
                    writeln!(out, "{name:<width$} : {}", cells[r].display())?;
                }
            }
            writeln!(out)?;
        }
        Format::Csv => {
            let mut w = csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(out);
            w.write_record(cols.iter().map(|(n, _)| n.as_str()))
                .map_err(std::io::Error::other)?;
            for r in 0..rows {
                w.write_record(cols.iter().map(|(_, cells)| cells[r].csv()))
                    .map_err(std::io::Error::other)?;
            }
            w.flush()?;
        }
        Format::Parquet => unreachable!("written above"),
        Format::Json | Format::Ndjson => {
            let objects: Vec<Json> = (0..rows)
                .map(|r| {
                    let mut m = Map::new();
                    for (name, cells) in &cols {
                        m.insert(name.clone(), cells[r].json());
                    }
                    Json::Object(m)
                })
                .collect();
            if format == Format::Json {
                serde_json::to_writer_pretty(&mut *out, &objects).map_err(std::io::Error::other)?;
                writeln!(out)?;
            } else {
                for o in objects {
                    writeln!(out, "{o}")?;
                }
            }
        }
    }
    Ok(())
}
