//! `msgtrack tui`: the interactive viewer (see `msgtrack::tui`).

use std::path::PathBuf;

use clap::Args;
use msgtrack::tui::{TuiOptions, run};

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
    #[command(flatten)]
    pub store: super::index::StoreArg,
}

pub fn run_tui(args: &TuiArgs) -> anyhow::Result<u8> {
    let zone = super::zone_arg(args.tz.as_deref(), args.culture.as_deref())?;
    let now = super::now_arg(args.now.as_deref(), zone)?;
    let culture = super::culture_arg(args.culture.as_deref().unwrap_or("en-US"))?;
    run(TuiOptions {
        culture,
        now,
        paths: super::index::reading_paths(&args.paths, &args.store)?,
        directory: args.directory.clone(),
        zone,
        queries_dir: args.queries.clone(),
    })?;
    Ok(exit::OK)
}
