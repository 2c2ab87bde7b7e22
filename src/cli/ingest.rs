//! `msgtrack ingest`: read logs and report what was read.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use msgtrack::format::time::format_timestamp_ms;
use msgtrack::format::{Field, FieldKind, FieldSet};
use msgtrack::ingest::{FileReport, Ingest, ReadOptions, ServerSource, discover, read_in_batches};
use polars::prelude::{DataFrame, DataType, IntoLazy, PolarsResult, col, len};
use serde_json::json;

use super::{exit, progress};

const EXAMPLES: &str = "\
Examples:
  msgtrack ingest sample-logs --stats
  msgtrack ingest /copies/EX01 /copies/EX02 --stats --json > read.json
  msgtrack ingest ../shared/real-logs/*.log";

#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct IngestArgs {
    /// Log files and folders (searched recursively for MSGTRK*.LOG); default: the current folder.
    pub paths: Vec<PathBuf>,
    /// Per server and file: rows, time range, event counts and bad lines.
    #[arg(long)]
    pub stats: bool,
    /// Print the report as JSON on stdout (diagnostics still go to stderr).
    #[arg(long)]
    pub json: bool,
    /// Print every diagnostic kept, not only the first 10 per file.
    #[arg(long, short = 'v')]
    pub verbose: bool,
    #[command(flatten)]
    pub store: super::index::StoreArg,
    #[command(flatten)]
    pub export: super::ExportReadArgs,
}

pub fn run(args: &IngestArgs) -> anyhow::Result<u8> {
    args.export.apply()?;
    let paths = super::index::reading_paths(&args.paths, &args.store)?;
    let mut options = ReadOptions {
        columns: checked_columns(),
        ..ReadOptions::default()
    };
    if let Some(progress) = progress::reader_progress() {
        options = options.with_progress(progress);
    }
    let started = Instant::now();
    // Read a batch at a time: only the per-file counts are kept, not the rows, so a folder
    // or a single huge file of any size is checked in bounded memory.
    let mut ingest = Ingest {
        frame: DataFrame::empty(),
        files: Vec::new(),
        diagnostics: Vec::new(),
        suppressed_diagnostics: 0,
        skipped_by_time: Vec::new(),
    };
    let mut events = EventCounts::new();
    let mut rows = 0u64;
    read_in_batches(discover(&paths)?, &options, |batch| -> anyhow::Result<()> {
        rows += batch.frame.height() as u64;
        for (file, counts) in event_counts(&batch.frame).context("counting events per file")? {
            let all = events.entry(file).or_default();
            for (id, n) in counts {
                *all.entry(id).or_default() += n;
            }
        }
        ingest.files.extend(batch.files);
        ingest.diagnostics.extend(batch.diagnostics);
        ingest.suppressed_diagnostics += batch.suppressed_diagnostics;
        ingest.skipped_by_time.extend(batch.skipped_by_time);
        Ok(())
    })?;
    let elapsed = started.elapsed().as_secs_f64();

    print_diagnostics(&ingest, args.verbose)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        let report = json_report(&ingest, rows, &events, elapsed);
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        let mut safe = msgtrack::escape::terminal::SafeWriter::new(&mut out);
        write_text_report(&mut safe, &ingest, &events, elapsed, args.stats)?;
        safe.flush()?;
    }
    let failed = ingest.files.iter().any(|f| f.refused.is_some());
    Ok(if failed { exit::ERROR } else { exit::OK })
}

/// The columns `ingest` decodes: the per-file event counts come from the rows, and a number
/// field is the one whose decoding can warn about a line ("not a whole number"); everything
/// else in the report (rows, times, bad lines) is the reader's own account of each file,
/// whatever it decodes. Text columns are skipped: over a store, they are most of the bytes.
fn checked_columns() -> FieldSet {
    FieldSet::of(
        [Field::File, Field::EventId].into_iter().chain(
            Field::ALL
                .iter()
                .copied()
                .filter(|f| f.kind() == FieldKind::Integer),
        ),
    )
}

/// Event counts per file path.
type EventCounts = BTreeMap<String, BTreeMap<String, u64>>;

fn event_counts(frame: &DataFrame) -> PolarsResult<EventCounts> {
    let mut counts = EventCounts::new();
    if frame.height() == 0 {
        return Ok(counts);
    }
    let grouped = frame
        .clone()
        .lazy()
        .group_by([col(Field::File.name()), col(Field::EventId.name())])
        .agg([len().alias("n")])
        .with_columns([
            col(Field::File.name()).cast(DataType::String),
            col(Field::EventId.name()).cast(DataType::String),
        ])
        .collect()?;
    let files = grouped.column(Field::File.name())?.str()?.clone();
    let ids = grouped.column(Field::EventId.name())?.str()?.clone();
    let ns = grouped.column("n")?.cast(&DataType::UInt64)?;
    let ns = ns.u64()?;
    for ((file, id), n) in files.iter().zip(ids.iter()).zip(ns.iter()) {
        let entry = counts
            .entry(file.unwrap_or_default().to_string())
            .or_default();
        *entry.entry(id.unwrap_or("(none)").to_string()).or_default() += n.unwrap_or(0);
    }
    Ok(counts)
}

fn print_diagnostics(ingest: &Ingest, verbose: bool) -> std::io::Result<()> {
    let stderr = std::io::stderr();
    let mut err = msgtrack::escape::terminal::SafeWriter::new(stderr.lock());
    let mut per_file: BTreeMap<String, usize> = BTreeMap::new();
    let mut hidden = ingest.suppressed_diagnostics;
    for d in &ingest.diagnostics {
        let shown = per_file.entry(d.file.display().to_string()).or_default();
        if verbose || *shown < 10 {
            writeln!(err, "{d}")?;
            *shown += 1;
        } else {
            hidden += 1;
        }
    }
    if hidden > 0 {
        writeln!(
            err,
            "msgtrack: {hidden} more diagnostics not shown (use --verbose; lines beyond 20 of one kind per file are only counted)"
        )?;
    }
    Ok(())
}

fn time_range(report: &FileReport) -> (String, String) {
    (
        report
            .first_ms
            .map(format_timestamp_ms)
            .unwrap_or_else(|| "-".into()),
        report
            .last_ms
            .map(format_timestamp_ms)
            .unwrap_or_else(|| "-".into()),
    )
}

fn layout_of(report: &FileReport) -> String {
    match &report.headers.fields {
        Some(map) => map.describe(),
        None if report.refused.is_some() => "refused".into(),
        None => "no #Fields (by field count)".into(),
    }
}

fn events_line(events: Option<&BTreeMap<String, u64>>) -> String {
    let Some(events) = events else {
        return String::new();
    };
    let mut pairs: Vec<(&String, &u64)> = events.iter().collect();
    pairs.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    pairs
        .iter()
        .map(|(id, n)| format!("{id} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn write_text_report(
    out: &mut impl Write,
    ingest: &Ingest,
    events: &EventCounts,
    elapsed: f64,
    stats: bool,
) -> std::io::Result<()> {
    let read: Vec<&FileReport> = ingest
        .files
        .iter()
        .filter(|f| f.refused.is_none())
        .collect();
    let bytes: u64 = read.iter().map(|f| f.bytes).sum();
    let rows: u64 = read.iter().map(|f| f.rows).sum();
    let mut servers: BTreeMap<String, Vec<&FileReport>> = BTreeMap::new();
    for f in &read {
        servers.entry(f.server.clone()).or_default().push(f);
    }
    let refused = ingest.files.len() - read.len();
    writeln!(
        out,
        "Read {} files from {} servers: {} rows, {} bad lines, {} refused files ({:.1} MB in {:.2} s)",
        read.len(),
        servers.len(),
        rows,
        ingest.bad_lines(),
        refused,
        bytes as f64 / 1e6,
        elapsed
    )?;
    for (server, files) in &servers {
        let rows: u64 = files.iter().map(|f| f.rows).sum();
        let bad: u64 = files.iter().map(|f| f.bad_lines).sum();
        let first = files.iter().filter_map(|f| f.first_ms).min();
        let last = files.iter().filter_map(|f| f.last_ms).max();
        let source = match files[0].server_source {
            ServerSource::Rows => "named in its rows",
            ServerSource::Folder => "from the folder name",
        };
        writeln!(out)?;
        writeln!(
            out,
            "Server {server} ({source}): {} files, {rows} rows, {bad} bad lines, {} .. {}",
            files.len(),
            first.map(format_timestamp_ms).unwrap_or_else(|| "-".into()),
            last.map(format_timestamp_ms).unwrap_or_else(|| "-".into()),
        )?;
        if !stats {
            continue;
        }
        let mut server_events: BTreeMap<String, u64> = BTreeMap::new();
        for f in files {
            let (first, last) = time_range(f);
            writeln!(
                out,
                "  {}\n    {}; {} rows, {} bad lines{}; {first} .. {last}",
                f.path.display(),
                layout_of(f),
                f.rows,
                f.bad_lines,
                if f.held_back {
                    ", last line held back"
                } else {
                    ""
                },
            )?;
            let file_events = events.get(&f.path.display().to_string());
            if let Some(e) = file_events {
                for (id, n) in e {
                    *server_events.entry(id.clone()).or_default() += n;
                }
                writeln!(out, "    events: {}", events_line(file_events))?;
            }
        }
        writeln!(out, "  all events: {}", events_line(Some(&server_events)))?;
    }
    for f in ingest.files.iter().filter(|f| f.refused.is_some()) {
        writeln!(out)?;
        writeln!(
            out,
            "Refused {}: {}",
            f.path.display(),
            f.refused.as_deref().unwrap_or_default()
        )?;
    }
    Ok(())
}

fn json_report(
    ingest: &Ingest,
    rows: u64,
    events: &EventCounts,
    elapsed: f64,
) -> serde_json::Value {
    let files: Vec<serde_json::Value> = ingest
        .files
        .iter()
        .map(|f| {
            json!({
                "path": f.path.display().to_string(),
                "server": f.server,
                "server_source": match f.server_source { ServerSource::Rows => "rows", ServerSource::Folder => "folder" },
                "prefix": f.prefix.map(|p| p.as_str()),
                "layout": f.headers.fields.as_ref().and_then(|m| m.layout).map(|l| l.describe()),
                "version": f.headers.version,
                "bytes": f.bytes,
                "lines": f.lines,
                "rows": f.rows,
                "bad_lines": f.bad_lines,
                "warned_lines": f.warned_lines,
                "held_back": f.held_back,
                "refused": f.refused,
                "first": f.first_ms.map(format_timestamp_ms),
                "last": f.last_ms.map(format_timestamp_ms),
                "events": events.get(&f.path.display().to_string()).cloned().unwrap_or_default(),
            })
        })
        .collect();
    let diagnostics: Vec<serde_json::Value> = ingest
        .diagnostics
        .iter()
        .map(|d| {
            json!({
                "file": d.file.display().to_string(),
                "line": d.line,
                "severity": format!("{:?}", d.severity).to_lowercase(),
                "kind": format!("{:?}", d.kind),
                "message": d.message,
            })
        })
        .collect();
    json!({
        "rows": rows,
        "bad_lines": ingest.bad_lines(),
        "seconds": elapsed,
        "files": files,
        "diagnostics": diagnostics,
    })
}
