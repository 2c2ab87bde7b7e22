//! `msgtrack tui`: the interactive viewer (see `msgtrack::tui`).

use std::path::PathBuf;

use clap::Args;
use msgtrack::tui::{Loading, TuiOptions, rows_to_load, run};

use super::exit;

const EXAMPLES: &str = "\
Keys: ? lists them all. f filters (-EventId FAIL, $_.Recipients -match '^IMCEAEX', or a whole
Get-MessageTrackingLog line), Enter shows the selected message's journey, e explains it,
d shows every field, / searches, h zooms on the histogram, s picks a saved query, q quits.

Examples:
  msgtrack tui sample-logs
  msgtrack tui /copies/EX01 /copies/EX02 --directory dir.json --tz Europe/Berlin";

/// `msgtrack tui`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct TuiArgs {
    /// Log files or folders (searched recursively; default: the current folder).
    pub paths: Vec<PathBuf>,
    /// A recipient directory snapshot (JSON) for explaining messages with `e`.
    #[arg(long)]
    pub directory: Option<PathBuf>,
    /// Time zone of shown times and of dates typed in the filter (IANA name, Windows zone ID, UTC, local).
    #[arg(long)]
    pub tz: Option<String>,
    /// The folder of saved queries for the picker (`s`); default: ./queries, next to the
    /// binary, the config folder, else the built-in ones.
    #[arg(long)]
    pub queries: Option<PathBuf>,
    /// What (Get-Date) means in filters, for logs copied from another day (a date, read in --tz).
    #[arg(long)]
    pub now: Option<String>,
    /// The Exchange shell's culture: how -Start/-End strings typed in the filter are read
    /// (en-US, en-GB, de-DE, fr-FR, ja-JP, ko-KR, zh-CN, nl-NL, sv-SE, pl-PL, ru-RU).
    #[arg(long)]
    pub culture: Option<String>,
    /// The most rows the viewer loads: it holds every row of raw logs (about 950 bytes each)
    /// and each row's place of a store's (about 50 bytes: cells are read when shown), so past
    /// this it refuses, naming how many there are (default 2,000,000: about 1.9 GB of raw
    /// logs' rows, 100 MB of a store's).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_ROWS)]
    pub max_rows: u64,
    /// Load only rows at or after this time (as -Start: 2026-11-20, '(Get-Date).AddDays(-1)',
    /// …; read in --tz and --culture): a day of a year-long store.
    #[arg(long)]
    pub since: Option<String>,
    /// Load only rows before this time (as -End).
    #[arg(long)]
    pub until: Option<String>,
    #[command(flatten)]
    pub store: super::index::StoreArg,
}

/// The default `--max-rows`.
const DEFAULT_MAX_ROWS: u64 = 2_000_000;

/// What one loaded row of raw logs costs the viewer, about (the 1.82 M rows of the 1 GB
/// corpus: 1.7 GB; peak of the whole process).
const ROW_BYTES: u64 = 950;

/// What one loaded row of a store costs the viewer, about (the same rows from their store:
/// 85 MiB; peak of the whole process).
const STORED_ROW_BYTES: u64 = 49;

pub fn run_tui(args: &TuiArgs) -> anyhow::Result<u8> {
    let zone = super::zone_arg(args.tz.as_deref(), args.culture.as_deref())?;
    let now = super::now_arg(args.now.as_deref(), zone)?;
    let culture = super::culture_arg(args.culture.as_deref().unwrap_or("en-US"))?;
    let window = msgtrack::report::window_in(
        args.since.as_deref(),
        args.until.as_deref(),
        zone,
        now,
        culture,
    )
    .map_err(anyhow::Error::msg)?;
    let paths = super::index::reading_paths(&args.paths, &args.store)?;
    let to_load = rows_to_load(&paths, &window)?;
    let rows = to_load.rows;
    if rows > args.max_rows {
        let (held, row_bytes) = if to_load.stored {
            ("the place of every row it shows", STORED_ROW_BYTES)
        } else {
            ("every row it shows", ROW_BYTES)
        };
        anyhow::bail!(
            "the viewer holds {held}: these logs hold {}{rows} rows{}, about {:.1} GB in memory, past --max-rows {}. Browse a part of them (--since/--until, fewer folders or servers), ask with `msgtrack query` (it reads in bounded memory), or give --max-rows {} to load them all",
            if to_load.guessed { "about " } else { "" },
            if window.has_time_range() {
                " in the window --since/--until"
            } else {
                ""
            },
            (rows * row_bytes) as f64 / 1e9,
            args.max_rows,
            rows.next_multiple_of(1_000_000),
        );
    }
    run(TuiOptions {
        culture,
        now,
        paths,
        directory: args.directory.clone(),
        zone,
        queries_dir: args.queries.clone(),
        loading: Loading {
            window,
            max_rows: Some(args.max_rows),
        },
    })?;
    Ok(exit::OK)
}
