//! The command line: one clap definition, one module per subcommand.

/// `eprintln!` for text that may hold log fields: control characters, escape sequences and
/// bidi overrides are shown, not obeyed (see `msgtrack::escape::terminal`).
macro_rules! say {
    ($($arg:tt)*) => {{
        let text = format!($($arg)*);
        eprintln!("{}", msgtrack::escape::terminal::layout(&text));
    }};
}

pub(crate) mod allocator;
mod generate;
mod index;
mod ingest;
mod install;
mod message;
mod progress;
mod queries;
mod query;
mod report;
mod tui;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit codes, as documented in `--help`.
pub mod exit {
    /// Everything was read (and, for a query, rows were found).
    pub const OK: u8 = 0;
    /// A query found no rows.
    pub const NO_MATCH: u8 = 1;
    /// A file was refused or unreadable, or an error stopped the run.
    pub const ERROR: u8 = 2;
}

const AFTER_HELP: &str = "\
Exit codes: 0 = all files read (for query: rows found); 1 = a query found no rows;
2 = a file was refused or could not be read, no tracking data under the paths, the query is
wrong, or the run failed; 3 = report --fail-on / --fail-on-findings crossed.
Bad lines inside a file are reported on stderr as FILE:LINE: … and skipped; good rows are kept.

Examples:
  msgtrack ingest sample-logs --stats
  msgtrack query 'Get-MessageTrackingLog -EventId FAIL -ResultSize Unlimited' sample-logs
  msgtrack trail sample-logs --subject 'pricing for 500 units'
  msgtrack explain sample-logs --subject 'Company update' --directory sample-logs/directory.json
  msgtrack ingest /copies/EX01 /copies/EX02/MSGTRK2026112010-1.LOG
  msgtrack generate sample-logs --out sample-logs";

/// `--version`: the crate's version and the commit it was built from.
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("MSGTRACK_COMMIT"),
    ")"
);

/// Read Exchange message tracking logs (MSGTRK*.LOG) on any machine, fast.
#[derive(Debug, Parser)]
#[command(name = "msgtrack", version = VERSION, about, after_help = AFTER_HELP, max_term_width = 100)]
pub struct Opts {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read tracking logs and report what was read: rows, time range, events, bad lines.
    Ingest(ingest::IngestArgs),
    /// Convert logs into a store (Parquet by server and day): parse once, query in milliseconds.
    Index(index::IndexArgs),
    /// Answer a Get-MessageTrackingLog pipeline, as pasted from the Exchange shell.
    Query(query::QueryArgs),
    /// One message's journey across servers: every hop, latency, HA events, DSNs.
    Trail(message::TrailArgs),
    /// Why a message reached (or did not reach) each recipient: the categorizer replayed.
    Explain(message::ExplainArgs),
    /// List the saved queries (queries/*.ps1) and what each answers.
    Queries(queries::QueriesArgs),
    /// Batch reports: IMCEA failures with X500 fixes, and the daily summary.
    Report(report::ReportArgs),
    /// Browse the logs interactively: filter, histogram, detail, journey, explain.
    Tui(tui::TuiArgs),
    /// Write realistic tracking logs: the shipped sample day, or a large benchmark corpus.
    Generate(generate::GenerateArgs),
    /// Print the shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(install::CompletionsArgs),
    /// Print the man page (roff), or write one page per command into a folder.
    Man(install::ManArgs),
}

/// Paths given on the command line, or the current folder.
pub(crate) fn paths_or_current(paths: &[PathBuf]) -> Vec<PathBuf> {
    if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    }
}

/// `--tz` and `--culture` on commands that only read (ingest, index): how an export's local
/// times and dates are read.
#[derive(Debug, clap::Args, Clone, Default)]
pub struct ExportReadArgs {
    /// The exporting machine's time zone, for the local times of a Get-MessageTrackingLog
    /// export (default: this machine's; IANA or Windows name, UTC, local).
    #[arg(long)]
    pub tz: Option<String>,
    /// The exporting session's culture, for an export's dates (default: found from the values
    /// when they allow one reading; en-US, en-GB, de-DE, fr-FR, ...).
    #[arg(long)]
    pub culture: Option<String>,
}

impl ExportReadArgs {
    /// Tells the export reader what was given.
    pub(crate) fn apply(&self) -> anyhow::Result<()> {
        zone_arg(self.tz.as_deref(), self.culture.as_deref()).map(|_| ())
    }
}

/// The zone named by `--tz` (this machine's when none), told to the export reader with the
/// culture named by `--culture`: an export's local times are read in them (see
/// `msgtrack::ingest::exports`).
pub(crate) fn zone_arg(
    tz: Option<&str>,
    culture: Option<&str>,
) -> anyhow::Result<msgtrack::format::Zone> {
    let zone = msgtrack::format::Zone::parse(tz.unwrap_or("local")).map_err(anyhow::Error::msg)?;
    let culture = culture.map(culture_arg).transpose()?;
    msgtrack::ingest::exports::set_session(msgtrack::ingest::exports::ExportOptions {
        culture,
        zone,
        zone_given: tz.is_some(),
    });
    Ok(zone)
}

/// The culture named by `--culture`.
pub(crate) fn culture_arg(name: &str) -> anyhow::Result<&'static msgtrack::pwsh::culture::Culture> {
    use msgtrack::pwsh::culture::Culture;
    Culture::find(name).ok_or_else(|| {
        anyhow::anyhow!(
            "--culture {name}: not a culture msgtrack knows; use one of {}",
            Culture::names().join(", ")
        )
    })
}

/// What `(Get-Date)` means: `--now` read in `zone`, or the clock.
pub(crate) fn now_arg(
    now: Option<&str>,
    zone: msgtrack::format::Zone,
) -> anyhow::Result<chrono::DateTime<chrono::Utc>> {
    match now {
        Some(text) => {
            msgtrack::query::time::parse_date(text, zone).map_err(|e| anyhow::anyhow!("--now: {e}"))
        }
        None => Ok(chrono::Utc::now()),
    }
}

/// Runs the command line and returns the process exit code.
pub fn run() -> ExitCode {
    let opts = Opts::parse();
    let result = match &opts.command {
        Command::Ingest(args) => ingest::run(args),
        Command::Query(args) => query::run_query(args),
        Command::Trail(args) => message::run_trail(args),
        Command::Tui(args) => tui::run_tui(args),
        Command::Explain(args) => message::run_explain(args),
        Command::Queries(args) => queries::run(args),
        Command::Completions(args) => install::completions(args),
        Command::Man(args) => install::man(args),
        Command::Generate(args) => generate::run(args),
        Command::Index(args) => index::run(args),
        Command::Report(args) => report::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::from(exit::OK);
            }
            say!("msgtrack: error: {err:#}");
            ExitCode::from(exit::ERROR)
        }
    }
}

/// True when writing the output failed because its reader went away (`… | head`): an I/O
/// error of that kind anywhere in the chain, also inside an I/O error that wraps another
/// (`io::Error::other`, whose `source` skips the wrapped error), a CSV or JSON writer's or
/// polars' error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    fn broken(e: &(dyn std::error::Error + 'static)) -> bool {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return io.kind() == std::io::ErrorKind::BrokenPipe
                || io.get_ref().is_some_and(|inner| broken(inner));
        }
        // (Transparent: its `source` is the wrapped error's own.)
        if let Some(msgtrack::query::run::RunError::Write(io)) = e.downcast_ref() {
            return broken(io);
        }
        if let Some(json) = e.downcast_ref::<serde_json::Error>() {
            return json.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe);
        }
        if let Some(polars::prelude::PolarsError::IO { error, .. }) = e.downcast_ref() {
            return broken(error.as_ref());
        }
        if let Some(csv) = e.downcast_ref::<csv::Error>() {
            return matches!(csv.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe);
        }
        false
    }
    err.chain().any(broken)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Opts::command().debug_assert();
    }
}
