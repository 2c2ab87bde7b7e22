//! `msgtrack index`: convert tracking logs into a store (Parquet, partitioned by server and
//! day) that every reading command, DuckDB, Spark and Trino read.

use std::path::{Path, PathBuf};

use clap::Args;
use msgtrack::store::index::{IndexOptions, IndexReport, index};

use super::{exit, paths_or_current};

const EXAMPLES: &str = "\
Examples:
  msgtrack index /copies/EX01 /copies/EX02 --store /data/msgtrack
  msgtrack query 'Get-MessageTrackingLog -EventId FAIL' /data/msgtrack
  msgtrack index /copies --store /data/msgtrack --retain 365d
  msgtrack index --print-ddl trino --store /data/msgtrack

Run it again to add what is new: unchanged files are skipped, a grown file adds only its new
lines, a changed file is converted again. Rows of files deleted from the source are kept
(history) unless --prune. Nothing is written into the log folders.";

/// `msgtrack index` arguments.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct IndexArgs {
    /// Log files or folders to convert (searched recursively; default: the current folder).
    pub paths: Vec<PathBuf>,
    /// The store's folder (created when missing).
    #[arg(long)]
    pub store: PathBuf,
    /// Drop the rows of source files that no longer exist.
    #[arg(long)]
    pub prune: bool,
    /// Drop the days older than this (e.g. 365d, 52w).
    #[arg(long)]
    pub retain: Option<String>,
    /// Print the store's table definition for another engine (spark, trino, duckdb) and exit.
    #[arg(long, value_name = "ENGINE")]
    pub print_ddl: Option<String>,
    /// Print what was done as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub export: super::ExportReadArgs,
}

/// `--store DIR` on a reading command: update the store from the paths given, then answer
/// from it.
#[derive(Debug, Args, Clone, Default)]
pub struct StoreArg {
    /// A store to answer from: the log folders given are indexed into it first (only what is
    /// new), so many questions over the same folders parse them once.
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,
}

/// The paths a reading command reads: with `--store`, the store (updated from `paths` when
/// some are given); else `paths` (or the current folder). Says when a store read is older
/// than its sources.
pub(crate) fn reading_paths(paths: &[PathBuf], store: &StoreArg) -> anyhow::Result<Vec<PathBuf>> {
    let resolved = match &store.store {
        Some(dir) => {
            if !paths.is_empty() {
                update(paths, dir, &IndexOptions::default())?;
            }
            vec![dir.clone()]
        }
        None => paths_or_current(paths),
    };
    require_data(&resolved)?;
    for p in &resolved {
        if let Some(note) = msgtrack::store::index::staleness(p) {
            say!("note: {note}");
        }
    }
    Ok(resolved)
}

/// Refuses paths that hold no tracking data at all (an empty or mistyped folder), so that a
/// scheduled task does not mail a report of zeros: exit 2 with what was looked for.
pub(crate) fn require_data(paths: &[PathBuf]) -> anyhow::Result<()> {
    use msgtrack::format::store_manifest::Manifest;
    // A store that lists sources holds data: its parts are found when it is read.
    let stores_with_data = paths.iter().any(|p| {
        Manifest::is_store(p) && Manifest::load_shared(p).is_ok_and(|m| !m.sources.is_empty())
    });
    if !stores_with_data && msgtrack::ingest::discover(paths)?.is_empty() {
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        // Logs copied under other names are read only when named: say so.
        let other_logs = paths
            .iter()
            .flat_map(|p| walkdir::WalkDir::new(p).max_depth(8).into_iter().flatten())
            .filter(|e| e.file_type().is_file())
            .filter(|e| {
                e.path()
                    .extension()
                    .is_some_and(|x| x.eq_ignore_ascii_case("log"))
            })
            .count();
        let hint = if other_logs > 0 {
            format!(
                "; {other_logs} other .log file(s) are there: a folder is searched for MSGTRK*.LOG names only, so name them on the command line to read them (msgtrack ingest {}/*.log)",
                shown[0]
            )
        } else {
            String::new()
        };
        anyhow::bail!(
            "no tracking data under {}: no MSGTRK*.LOG file, no Get-MessageTrackingLog or Exchange Online export, no store (on a server the logs are in …\\TransportRoles\\Logs\\MessageTracking){hint}",
            shown.join(", ")
        );
    }
    Ok(())
}

/// `--retain 365d` / `52w` as days.
fn retain_days(text: &str) -> anyhow::Result<u32> {
    let t = text.trim().to_ascii_lowercase();
    let (n, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u32 = n.parse().map_err(|_| {
        anyhow::anyhow!("--retain {text}: give a number of days or weeks, e.g. 365d")
    })?;
    match unit {
        "" | "d" => Ok(n),
        "w" => Ok(n * 7),
        _ => anyhow::bail!("--retain {text}: give days (365d) or weeks (52w)"),
    }
}

/// Updates the store at `store` from `paths` (used by `--store` on the reading commands too).
pub(crate) fn update(
    paths: &[PathBuf],
    store: &Path,
    options: &IndexOptions,
) -> anyhow::Result<IndexReport> {
    let report = index(paths, store, options)?;
    for d in report.diagnostics.iter().take(20) {
        say!("{d}");
    }
    if report.diagnostics.len() > 20 {
        say!(
            "… and {} more problem(s) reading the logs",
            report.diagnostics.len() - 20
        );
    }
    Ok(report)
}

/// Runs `msgtrack index`.
pub fn run(args: &IndexArgs) -> anyhow::Result<u8> {
    args.export.apply()?;
    if args.print_ddl.is_none() {
        require_data(&paths_or_current(&args.paths))?;
    }
    if let Some(engine) = &args.print_ddl {
        println!(
            "{}",
            msgtrack::query::sql::ddl(engine, &args.store).map_err(anyhow::Error::msg)?
        );
        return Ok(exit::OK);
    }
    let options = IndexOptions {
        prune: args.prune,
        retain_days: args.retain.as_deref().map(retain_days).transpose()?,
        progress: super::progress::reader_progress(),
    };
    let started = std::time::Instant::now();
    let report = update(&paths_or_current(&args.paths), &args.store, &options)?;
    let seconds = started.elapsed().as_secs_f64();
    if args.json {
        let json = serde_json::json!({
            "store": args.store.display().to_string(),
            "new_files": report.new_files,
            "grown_files": report.grown_files,
            "replaced_files": report.replaced_files,
            "unchanged_files": report.unchanged_files,
            "pruned_sources": report.pruned_sources,
            "retained_out_parts": report.retained_out_parts,
            "rows_added": report.rows_added,
            "bad_lines": report.bad_lines,
            "bytes_read": report.bytes_read,
            "store_rows": report.store_rows,
            "store_parts": report.store_parts,
            "seconds": seconds,
        });
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        println!(
            "{}: {} new, {} grown, {} replaced, {} unchanged file(s); {} rows added ({} bad lines) from {:.1} MB in {seconds:.2} s; the store holds {} rows in {} part(s)",
            args.store.display(),
            report.new_files,
            report.grown_files,
            report.replaced_files,
            report.unchanged_files,
            report.rows_added,
            report.bad_lines,
            report.bytes_read as f64 / 1e6,
            report.store_rows,
            report.store_parts
        );
        if report.pruned_sources + report.retained_out_parts > 0 {
            println!(
                "dropped: {} source(s) no longer present, {} part(s) past --retain",
                report.pruned_sources, report.retained_out_parts
            );
        }
    }
    Ok(
        if report
            .diagnostics
            .iter()
            .any(|d| d.line.is_none() && d.severity == msgtrack::ingest::Severity::Error)
        {
            exit::ERROR
        } else {
            exit::OK
        },
    )
}
